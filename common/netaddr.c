/* SPDX-License-Identifier: ISC */
/*
 * netaddr.c - the IP address type (netaddr.h): comparison, scope, text
 * through inet_pton/inet_ntop, socket addresses.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"

static const uint8_t v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

int
netaddr_eq(const struct netaddr *a, const struct netaddr *b)
{
	return memcmp(a->b, b->b, NETADDR_LEN) == 0;
}

int
netaddr_cmp(const struct netaddr *a, const struct netaddr *b)
{
	return memcmp(a->b, b->b, NETADDR_LEN);
}

int
netaddr_is_zero(const struct netaddr *a)
{
	static const struct netaddr zero;

	return netaddr_eq(a, &zero);
}

int
netaddr_is_v4(const struct netaddr *a)
{
	return memcmp(a->b, v4mapped, sizeof(v4mapped)) == 0;
}

int
netaddr_family(const struct netaddr *a)
{
	return netaddr_is_v4(a) ? AF_INET : AF_INET6;
}

uint32_t
netaddr_v4(const struct netaddr *a)
{
	return (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 |
	    (uint32_t)a->b[14] << 8 | a->b[15];
}

struct netaddr
netaddr_from_v4(uint32_t ip)
{
	struct netaddr a;

	memcpy(a.b, v4mapped, sizeof(v4mapped));
	a.b[12] = (uint8_t)(ip >> 24);
	a.b[13] = (uint8_t)(ip >> 16);
	a.b[14] = (uint8_t)(ip >> 8);
	a.b[15] = (uint8_t)ip;
	return a;
}

static enum netaddr_scope
scope_v4(uint32_t ip)
{
	if ((ip >> 24) == 0 || (ip >> 28) == 0xe)	/* 0/8, 224/4 */
		return NETADDR_UNUSABLE;
	if ((ip >> 24) == 127)
		return NETADDR_LOOPBACK;
	if ((ip >> 24) == 10 || (ip >> 20) == 0xac1 ||
	    (ip >> 16) == 0xc0a8 || (ip >> 16) == 0xa9fe)
		return NETADDR_PRIVATE;
	return NETADDR_GLOBAL;
}

enum netaddr_scope
netaddr_scope(const struct netaddr *a)
{
	static const uint8_t loop6[NETADDR_LEN] = { [15] = 1 };
	const uint8_t *b = a->b;

	if (netaddr_is_v4(a))
		return scope_v4(netaddr_v4(a));
	if (netaddr_is_zero(a) || b[0] == 0xff ||		/* ff00::/8 */
	    (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8))
		return NETADDR_UNUSABLE;			/* 2001:db8::/32 */
	if (memcmp(b, loop6, NETADDR_LEN) == 0)
		return NETADDR_LOOPBACK;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)		/* fe80::/10 */
		return NETADDR_LINK;
	if ((b[0] & 0xfe) == 0xfc)				/* fc00::/7 */
		return NETADDR_PRIVATE;
	return NETADDR_GLOBAL;
}

int
netaddr_dialable(const struct netaddr *a)
{
	enum netaddr_scope scope = netaddr_scope(a);

	return scope != NETADDR_UNUSABLE && scope != NETADDR_LINK &&
	    !(netaddr_is_v4(a) && netaddr_v4(a) == 0xffffffffu);
}

uint16_t
netaddr_group16(const struct netaddr *a)
{
	if (netaddr_is_v4(a))
		return (uint16_t)(netaddr_v4(a) >> 16);
	return (uint16_t)(((a->b[0] ^ a->b[2]) << 8) | (a->b[1] ^ a->b[3]));
}

int
netaddr_same_host(const struct netaddr *a, const struct netaddr *b)
{
	if (netaddr_is_v4(a) || netaddr_is_v4(b))
		return netaddr_eq(a, b);
	return memcmp(a->b, b->b, 8) == 0;		/* the /64 */
}

int
netaddr_parse(const char *s, struct netaddr *out)
{
	char		 buf[NETADDR_STRLEN];
	struct in_addr	 in4;
	struct in6_addr	 in6;
	size_t		 n = strlen(s);

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		if (n - 2 >= sizeof(buf))
			return -1;
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		if (inet_pton(AF_INET6, buf, &in6) != 1)
			return -1;
		memcpy(out->b, &in6, NETADDR_LEN);
		return 0;
	}
	if (inet_pton(AF_INET, s, &in4) == 1) {
		*out = netaddr_from_v4(ntohl(in4.s_addr));
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6) == 1) {
		memcpy(out->b, &in6, NETADDR_LEN);
		return 0;
	}
	return -1;
}

/* PORT: decimal digits only, 1 ... 65535 */
static int
parse_port(const char *s, uint16_t *port)
{
	unsigned long	 v;
	const char	*p;
	char		*end;

	for (p = s; *p >= '0' && *p <= '9'; p++)
		;
	if (p == s || *p != '\0' || p - s > 5)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int
netaddr_parse_port(const char *s, struct netaddr *out, uint16_t *port)
{
	char		 host[NETADDR_STRLEN + 2];
	struct netaddr	 a;
	const char	*colon;
	size_t		 n;

	if ((colon = strrchr(s, ':')) == NULL)
		return -1;
	n = (size_t)(colon - s);
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	/* IPv6 only in brackets, IPv4 only without */
	if (host[0] == '[') {
		if (host[n - 1] != ']' || netaddr_parse(host, &a) == -1)
			return -1;
	} else if (strchr(host, ':') != NULL ||
	    netaddr_parse(host, &a) == -1 || !netaddr_is_v4(&a))
		return -1;
	if (parse_port(colon + 1, port) == -1)
		return -1;
	*out = a;
	return 0;
}

const char *
netaddr_str(const struct netaddr *a, char *buf, size_t len)
{
	char		tmp[NETADDR_STRLEN];
	struct in_addr	in4;

	if (netaddr_is_v4(a)) {
		in4.s_addr = htonl(netaddr_v4(a));
		inet_ntop(AF_INET, &in4, tmp, sizeof(tmp));
	} else
		inet_ntop(AF_INET6, a->b, tmp, sizeof(tmp));
	snprintf(buf, len, "%s", tmp);
	return buf;
}

const char *
netaddr_str_port(const struct netaddr *a, uint16_t port, char *buf,
    size_t len)
{
	char ip[NETADDR_STRLEN];

	netaddr_str(a, ip, sizeof(ip));
	if (netaddr_is_v4(a))
		snprintf(buf, len, "%s:%u", ip, port);
	else
		snprintf(buf, len, "[%s]:%u", ip, port);
	return buf;
}

socklen_t
netaddr_to_sockaddr(const struct netaddr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (netaddr_is_v4(a)) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(netaddr_v4(a));
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, a->b, NETADDR_LEN);
	return sizeof(*sin6);
}

int
netaddr_from_sockaddr(const struct sockaddr *sa, socklen_t len,
    struct netaddr *out, uint16_t *port)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	if (sa->sa_family == AF_INET && len >= sizeof(*sin)) {
		sin = (const struct sockaddr_in *)sa;
		*out = netaddr_from_v4(ntohl(sin->sin_addr.s_addr));
		if (port != NULL)
			*port = ntohs(sin->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(*sin6)) {
		sin6 = (const struct sockaddr_in6 *)sa;
		memcpy(out->b, &sin6->sin6_addr, NETADDR_LEN);
		if (port != NULL)
			*port = ntohs(sin6->sin6_port);
		return 0;
	}
	return -1;
}

int
netaddr_listen(const struct netaddr *a, uint16_t port, int backlog)
{
	struct sockaddr_storage	ss;
	socklen_t		len = netaddr_to_sockaddr(a, port, &ss);
	int			fd, one = 1, saved;

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
	    -1 || (ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof(one)) == -1) ||
	    bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, backlog) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
