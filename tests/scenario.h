/* SPDX-License-Identifier: ISC */
/*
 * scenario.h - networks of timenode nodes for the acceptance scenarios.
 *
 * Builds on harness.h: N nodes on 127.0.0.2, .3, ... (or, as root, each
 * in its own network namespace on a bridge the scenario made, with IPv4,
 * IPv6 or both: scn_netns_setup_fam),
 * compressed intervals, produce blocks, wait for tips, kill or freeze
 * components, and clean up every pid and namespace even when a test fails.
 */
#ifndef TIMENODE_SCENARIO_H
#define TIMENODE_SCENARIO_H

#include <stdint.h>

#include "harness.h"

#define SCN_MAX_NODES	16
#define SCN_PORT	24100

/* a node's address families in namespaces (scn_netns_setup_fam) */
#define SCN_V4		0x1	/* 10.213.0.x/24 */
#define SCN_V6		0x2	/* fd00:213::x/64 */

struct scn {
	struct tn_node	node[SCN_MAX_NODES];
	int		n;
	int		netns;		/* nodes live in namespaces */
	char		prefix[16];	/* namespace and bridge name prefix */
	unsigned	fam[SCN_MAX_NODES];	/* SCN_V4 | SCN_V6; 0: V4 */
};

/* compressed [p2p] (ping 1 s, timeout 3 s) plus [supervisor] settings */
extern const char scn_fast_conf[];

/* node i's address: IPv4, or IPv6 for an IPv6-only node */
const char	*scn_ip(const struct scn *, int i, char *buf, size_t len);
/* node i's IPv6 address in namespaces (fd00:213::x), "" if it has none */
const char	*scn_ip6(const struct scn *, int i, char *buf, size_t len);
const char	*scn_net(void);
/* index of the node with this address, -1 if none */
int		 scn_index(const struct scn *, const char *ip);
/*
 * Start node i.  peers: indexes of the nodes it is told about, ended by
 * -1.  conf_extra: more INI text (e.g. "[sync]\nproducer_key = devnet\n").
 */
int		 scn_start(struct scn *, int i, const int *peers,
		    const char *conf_extra);
int		 scn_stop(struct scn *, int i);
void		 scn_cleanup(struct scn *);

uint64_t	 scn_height(struct scn *, int i);
/* tip hash as hex into buf, "" when unknown */
const char	*scn_tip(struct scn *, int i, char *buf, size_t len);
int		 scn_peer_count(struct scn *, int i);
long long	 scn_counter(struct scn *, int i, const char *name);
/* timenodectl produce: 0 on success */
int		 scn_produce(struct scn *, int i, int count, int payload);
/* until node i's tip equals tip (hex); returns seconds taken or -1 */
double		 scn_wait_tip(struct scn *, int i, const char *tip,
		    double timeout);
/* until every listed node has want peers; -1 on timeout */
double		 scn_wait_peers(struct scn *, int i, int want, double timeout);
pid_t		 scn_pid(struct scn *, int i, const char *component);
/* stored --verify on node i's data dir (node stopped or running) */
int		 scn_verify(struct scn *, int i);

/* namespaces: one per node, veth pairs on one bridge, 10.213.x.y/24 */
int		 scn_netns_setup(struct scn *, int n);
/*
 * The same with each node's families (fam[i], SCN_V4 | SCN_V6): an
 * IPv6-only node has no IPv4 address but loopback, a dual-stack one
 * listens on both and is told both addresses of its dual-stack peers.
 */
int		 scn_netns_setup_fam(struct scn *, int n, const unsigned *fam);
int		 scn_link(struct scn *, int i, int up);

#endif
