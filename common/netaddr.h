/* SPDX-License-Identifier: ISC */
/*
 * netaddr.h - the one IP address type of the whole tree.
 *
 * A peer's identity is its IP address (docs/protocol.md section 6).  Both
 * families are held the same way: 16 bytes in network byte order, an IPv6
 * address as is, an IPv4 address a.b.c.d as the v4-mapped ::ffff:a.b.c.d
 * (RFC 4291 section 2.5.5.2).  So the IPv4 peer and its v4-mapped form
 * are one address, compared with memcmp, one registry and book entry, one
 * ban.  The all-zero address (::) is "none" where a field may be empty.
 *
 * Text: parsing goes through inet_pton(3) (never a hand-written parser);
 * formatting through inet_ntop(3), an IPv4 (v4-mapped) address written
 * dotted.  With a port, an IPv6 literal is written in brackets
 * ("[::1]:24100", RFC 3986 section 3.2.2), an IPv4 one without
 * ("127.0.0.1:24100"); an address alone is written without brackets and
 * read with or without them.
 */
#ifndef TIMENODE_NETADDR_H
#define TIMENODE_NETADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NETADDR_LEN		16
/* "ffff:...:255.255.255.255" + NUL, as INET6_ADDRSTRLEN */
#define NETADDR_STRLEN		46
/* "[" address "]:65535" + NUL */
#define NETADDR_PORT_STRLEN	(NETADDR_STRLEN + 8)

struct netaddr {
	uint8_t		b[NETADDR_LEN];	/* network byte order */
};

/* the all-zero address ::, "none" */
#define NETADDR_NONE	((struct netaddr){ .b = { 0 } })

/*
 * Scopes of an address (netaddr_scope).  Rules that use them:
 * registry.h addr_scope_ok (what a peer may tell us), dialer.c (what we
 * dial).
 */
enum netaddr_scope {
	NETADDR_UNUSABLE,	/* ::, 0/8, multicast (224/4, ff00::/8),
				   documentation (2001:db8::/32): never
				   dialled */
	NETADDR_LOOPBACK,	/* 127/8, ::1 */
	NETADDR_LINK,		/* fe80::/10 (169.254/16: see PRIVATE) */
	NETADDR_PRIVATE,	/* 10/8, 172.16/12, 192.168/16, 169.254/16,
				   unique-local fc00::/7 */
	NETADDR_GLOBAL		/* the rest */
};

/* a and b are the same address */
int	 netaddr_eq(const struct netaddr *a, const struct netaddr *b);
/* memcmp order: <0, 0, >0 (IPv4 sorts as ::ffff:0:0/96) */
int	 netaddr_cmp(const struct netaddr *a, const struct netaddr *b);
/* the all-zero address (::, "none") */
int	 netaddr_is_zero(const struct netaddr *);
/* an IPv4 address (v4-mapped) */
int	 netaddr_is_v4(const struct netaddr *);
/* AF_INET for an IPv4 address, else AF_INET6 */
int	 netaddr_family(const struct netaddr *);
/* the IPv4 address in host byte order; only for netaddr_is_v4 */
uint32_t netaddr_v4(const struct netaddr *);
/* the v4-mapped address of ip (host byte order) */
struct netaddr netaddr_from_v4(uint32_t ip);
/* the scope of an address (enum above; RFC 6890's special ranges) */
enum netaddr_scope netaddr_scope(const struct netaddr *);
/*
 * Whether we may dial the address at all: not unusable, not link-local
 * (we keep no interface to reach it by), not the IPv4 broadcast address.
 */
int	 netaddr_dialable(const struct netaddr *);
/*
 * A stable 16-bit group of an address for diversity rules (eviction,
 * the address book's per-group bound): an IPv4 address's /16, an IPv6
 * address's /32 folded to 16 bits.  Host byte order.
 */
uint16_t netaddr_group16(const struct netaddr *);
/*
 * a and b are one host for per-host limits: the same IPv4 address (/32),
 * or IPv6 addresses in one /64 (RFC 4291 section 2.5.1: a /64 is one
 * link, and one host may hold all of it; issue 14, F5).
 */
int	 netaddr_same_host(const struct netaddr *a, const struct netaddr *b);

/*
 * Parse an address alone: dotted IPv4, or IPv6 with or without brackets
 * (inet_pton; "::ffff:1.2.3.4" is the IPv4 1.2.3.4).  0 or -1 (not an
 * address; out untouched).
 */
int	 netaddr_parse(const char *s, struct netaddr *out);
/*
 * Parse "a.b.c.d:PORT" or "[IPv6]:PORT", PORT decimal 1..65535.  An IPv6
 * literal without brackets is refused ("::1:80" is ambiguous).  0 or -1.
 */
int	 netaddr_parse_port(const char *s, struct netaddr *out,
	    uint16_t *port);
/*
 * Write the address alone into buf (len bytes, NETADDR_STRLEN suffices;
 * cut short when smaller); returns buf.
 */
const char *netaddr_str(const struct netaddr *, char *buf, size_t len);
/* write "a.b.c.d:PORT" or "[IPv6]:PORT" (NETADDR_PORT_STRLEN); buf */
const char *netaddr_str_port(const struct netaddr *, uint16_t port,
	    char *buf, size_t len);

/*
 * The socket address of (a, port): sockaddr_in for IPv4, sockaddr_in6
 * otherwise, written into ss; returns its length.
 */
socklen_t netaddr_to_sockaddr(const struct netaddr *a, uint16_t port,
	    struct sockaddr_storage *ss);
/*
 * The address and port (host byte order, may be NULL) of a socket
 * address of len bytes: AF_INET or AF_INET6 (a v4-mapped one is the IPv4
 * address).  0, or -1 for another family or a short length.
 */
int	 netaddr_from_sockaddr(const struct sockaddr *sa, socklen_t len,
	    struct netaddr *out, uint16_t *port);

/*
 * A listening TCP socket on (a, port), non-blocking and close-on-exec,
 * with SO_REUSEADDR; an IPv6 one with IPV6_V6ONLY, so that [::]:P and
 * 0.0.0.0:P can both be bound (RFC 3493 section 5.3).  The descriptor,
 * or -1 with errno.
 */
int	 netaddr_listen(const struct netaddr *a, uint16_t port, int backlog);

#endif
