/*
 * registry.h - the peer registry: at most one live connection per IP.
 *
 * Identity is the peer's IPv4 address, whatever the port or direction.
 * When a second connection with the same IP finishes its handshake, the
 * pure function reg_decide() says which one survives.  It looks only at
 * the two connections (directions, nonces, ports), never at which one was
 * registered first, so both ends of a doubled connection reach the same
 * verdict whatever order they saw the connections in.  No event loop here:
 * tests/test_registry.c drives it for both ends of every case.
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
