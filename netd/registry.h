/* SPDX-License-Identifier: ISC */
/*
 * registry.h - the peer registry: at most one live connection per IP.
 *
 * Identity is the peer's IPv4 address, whatever the port or direction.
 * When a second connection with the same IP finishes its handshake, the
 * pure function reg_decide() says which one survives.  It looks only at
 * the two connections (directions, nonces, ports), never at which one was
 * registered first, so both ends of a doubled connection reach the same
 * verdict whatever order they saw the connections in.  No event loop here:
 * tests/test_registry.c drives it for both ends of every case, and the
 * inbound eviction rule (reg_evict) too.
 */
#ifndef TIMENODE_REGISTRY_H
#define TIMENODE_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

/* What a decision needs to know about one connection. */
struct reg_view {
	enum net_direction	dir;
	uint64_t		nonce;		/* the peer's, from its hello */
	uint16_t		local_port;
	uint16_t		remote_port;
};

enum reg_verdict {
	REG_KEEP_EXISTING,	/* close the new one ("duplicate") */
	REG_KEEP_NEW,		/* close the existing one ("duplicate") */
	REG_PROBE,		/* other nonce: probe the existing one first */
};

/*
 * The direction that survives at a node whose address is local for a peer
 * at peer (both in host byte order): the connection opened by the side
 * with the lower IP, i.e. OUTBOUND at the lower node and INBOUND at the
 * higher one.
 */
enum net_direction reg_keep_direction(uint32_t local, uint32_t peer);
/*
 * Same nonce, different directions: the rule above.  Same nonce, same
 * direction (one side opened two): the one whose opener's port (our local
 * port if outbound, the remote port if inbound) is lower; both ends see
 * the same port pair.  Different nonces: REG_PROBE.
 */
enum reg_verdict reg_decide(uint32_t local, uint32_t peer,
	    const struct reg_view *existing, const struct reg_view *incoming);

/*
 * Whether an address a peer at from advertised (peer exchange) may be
 * learned, both in host byte order: a loopback address (127/8) only from
 * a loopback peer, a private one (10/8, 172.16/12, 192.168/16,
 * 169.254/16) only from a private or loopback peer; 0/8 never.
 */
int	 addr_scope_ok(uint32_t ip, uint32_t from);

/*
 * Inbound eviction: when a newcomer completes its handshake and the
 * inbound slots are full, one registered inbound peer may make room.
 * Anchor: Bitcoin Core's SelectNodeToEvict (net.cpp / node/eviction.cpp):
 * an attacker must beat the honest peers on every property at once to
 * hold all the slots.  Of n candidates, protected are, in this order:
 *   1. one peer (the longest connected) from each of n/4 distinct /16
 *      groups, the groups taken in an order keyed by a secret of ours
 *      (group_rank), so an attacker cannot pick which group wins;
 *   2. the n/8 with the lowest ping round trip;
 *   3. the n/4 that most recently sent us blocks (never-senders never);
 *   4. half of the rest: the longest connected.
 * Of the peers left, the /16 group with the most of them loses its most
 * recently connected one.  -1 when every candidate is protected.
 * A squatter that only answers pings is young or shares a group, serves
 * no blocks and so is evicted before a peer that serves blocks.
 */
struct evict_cand {
	uint32_t	ip;		/* host byte order */
	double		connected_s;	/* registered for so long */
	uint32_t	rtt_us;		/* 0: not measured yet */
	double		block_age_s;	/* since it last sent blocks; < 0:
					   never */
	uint64_t	group_rank;	/* keyed hash of its /16 */
};

int	 reg_evict(const struct evict_cand *, size_t n);

struct reg_entry {
	uint32_t	 ip;		/* network byte order */
	void		*conn;
};

struct registry {
	struct reg_entry	*v;
	size_t			 n;
	size_t			 cap;
};

void	 reg_init(struct registry *);
void	 reg_free(struct registry *);
void	*reg_get(const struct registry *, uint32_t ip);
/* set ip's connection, replacing any; -1 when out of memory */
int	 reg_put(struct registry *, uint32_t ip, void *conn);
/* remove ip's entry only if it is conn */
void	 reg_del(struct registry *, uint32_t ip, const void *conn);

#endif
