/* SPDX-License-Identifier: ISC */
/*
 * registry.h - the peer registry: at most one live connection per IP.
 *
 * Identity is the peer's IP address (common/netaddr.h: IPv6, or IPv4 as
 * v4-mapped), whatever the port or direction.
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
 * at peer: the connection opened by the side with the lower IP (16 bytes
 * compared as an unsigned big-endian number, so for two IPv4 addresses
 * the order of their numbers), i.e. OUTBOUND at the lower node and
 * INBOUND at the higher one.
 */
enum net_direction reg_keep_direction(const struct netaddr *local,
	    const struct netaddr *peer);
/*
 * Same nonce, different directions: the rule above.  Same nonce, same
 * direction (one side opened two): the one whose opener's port (our local
 * port if outbound, the remote port if inbound) is lower; both ends see
 * the same port pair.  Different nonces: REG_PROBE.
 */
enum reg_verdict reg_decide(const struct netaddr *local,
	    const struct netaddr *peer,
	    const struct reg_view *existing, const struct reg_view *incoming);

/*
 * A dual-stack peer (issue 14): the same node nonce on two registered
 * connections whose peer IPs differ (its IPv4 and its IPv6 address) is
 * one machine, and one connection survives.  Each connection is judged
 * by its address pair, the lower and then the higher of its two ends'
 * addresses (netaddr_cmp); the lower pair survives.  Both ends see the
 * same two pairs (local and peer swapped), so they keep the same
 * connection whatever order the two arrived in.  Equal pairs (cannot
 * happen: then the peer IPs are equal) keep the existing one.  An end
 * behind NAT sees other addresses than its peer does, as for
 * reg_keep_direction.  The caller decides that the two are one machine:
 * the same nonce and, when both are TLS, the same node key (conn.c
 * twin_of).  docs/protocol.md section 6.
 */
enum reg_verdict reg_decide_twin(const struct netaddr *ex_local,
	    const struct netaddr *ex_peer, const struct netaddr *new_local,
	    const struct netaddr *new_peer);

/*
 * Whether an address a peer at from advertised (peer exchange) may be
 * learned (scopes: common/netaddr.h, netaddr_scope): a loopback address
 * (127/8, ::1) only from a loopback peer; a private one (10/8,
 * 172.16/12, 192.168/16, 169.254/16, unique-local fc00::/7) only from a
 * private or loopback peer; link-local (fe80::/10: meaningless without
 * its interface) and unusable ones (0/8, ::, multicast, 2001:db8::/32)
 * never.  Issue 14.
 */
int	 addr_scope_ok(const struct netaddr *ip, const struct netaddr *from);

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
	uint16_t	group;		/* netaddr_group16: IPv4 /16, IPv6 /32 */
	double		connected_s;	/* registered for so long */
	uint32_t	rtt_us;		/* 0: not measured yet */
	double		block_age_s;	/* since it last sent blocks; < 0:
					   never */
	uint64_t	group_rank;	/* keyed hash of its /16 */
};

int	 reg_evict(const struct evict_cand *, size_t n);

struct reg_entry {
	struct netaddr	 ip;
	void		*conn;
};

struct registry {
	struct reg_entry	*v;
	size_t			 n;
	size_t			 cap;
};

void	 reg_init(struct registry *);
void	 reg_free(struct registry *);
void	*reg_get(const struct registry *, const struct netaddr *ip);
/* set ip's connection, replacing any; -1 when out of memory */
int	 reg_put(struct registry *, const struct netaddr *ip, void *conn);
/* remove ip's entry only if it is conn */
void	 reg_del(struct registry *, const struct netaddr *ip,
	    const void *conn);

#endif
