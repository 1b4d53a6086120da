/* SPDX-License-Identifier: ISC */
/*
 * test_netaddr.c - the one address type (common/netaddr.c; issue 14):
 * IPv4 held v4-mapped is the same address as its ::ffff: form, text in
 * and out (brackets with a port), scopes, socket addresses, and a v6
 * listener beside a v4 one on the same port (IPV6_V6ONLY).
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cunit.h"
#include "netaddr.h"

/* s parses, and is written back as want */
static void
round_trip(const char *s, const char *want)
{
	struct netaddr	a;
	char		buf[NETADDR_STRLEN];

	CU_ASSERT_EQUAL_FATAL(netaddr_parse(s, &a), 0);
	CU_ASSERT_STRING_EQUAL(netaddr_str(&a, buf, sizeof(buf)), want);
}

static void
test_parse_format(void)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "localhost", "::1::",
		"[::1", "::1]", "[1.2.3.4]", " 1.2.3.4", "1.2.3.4 ", "fe80::1%lo",
		"[]", "01.2.3.4", "gggg::1",
	};
	struct netaddr	a, b;
	size_t		i;

	round_trip("127.0.0.1", "127.0.0.1");
	round_trip("0.0.0.0", "0.0.0.0");
	round_trip("::1", "::1");
	round_trip("[::1]", "::1");
	round_trip("::", "::");
	round_trip("FD00:0:0::0007", "fd00::7");
	round_trip("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
	/* v4-mapped is the IPv4 address, in either spelling */
	round_trip("::ffff:10.1.2.3", "10.1.2.3");
	round_trip("[::ffff:a01:203]", "10.1.2.3");
	CU_ASSERT_FATAL(netaddr_parse("10.1.2.3", &a) == 0);
	CU_ASSERT_FATAL(netaddr_parse("::ffff:10.1.2.3", &b) == 0);
	CU_ASSERT(netaddr_eq(&a, &b));
	CU_ASSERT(netaddr_is_v4(&a) && netaddr_v4(&a) == 0x0a010203u);
	CU_ASSERT(same_ip(a, netaddr_from_v4(0x0a010203u)));
	CU_ASSERT_EQUAL(netaddr_family(&a), AF_INET);
	/* IPv4-compatible (::a.b.c.d) is not v4-mapped: another address */
	CU_ASSERT_FATAL(netaddr_parse("::10.1.2.3", &b) == 0);
	CU_ASSERT(!netaddr_eq(&a, &b) && !netaddr_is_v4(&b));
	CU_ASSERT_EQUAL(netaddr_family(&b), AF_INET6);
	for (i = 0; i < TN_NCASES(bad); i++) {
		a = NETADDR_NONE;
		CU_ASSERT_EQUAL(netaddr_parse(bad[i], &a), -1);
		CU_ASSERT(netaddr_is_zero(&a));		/* untouched */
		if (netaddr_parse(bad[i], &a) != -1)
			fprintf(stderr, "\n    accepted \"%s\"\n", bad[i]);
	}
	/* a short buffer is cut, never overrun */
	{
		char small[5];

		CU_ASSERT_FATAL(netaddr_parse("2001:db8::1", &a) == 0);
		CU_ASSERT_STRING_EQUAL(netaddr_str(&a, small, sizeof(small)),
		    "2001");
	}
	/* the order: numeric for IPv4, IPv4 below any global IPv6 */
	CU_ASSERT(netaddr_cmp(&(struct netaddr){ 0 }, &a) < 0);
	a = netaddr_from_v4(0x7f000009);
	b = netaddr_from_v4(0x7f00000a);
	CU_ASSERT(netaddr_cmp(&a, &b) < 0);
}

static void
test_with_port(void)
{
	static const char *const bad[] = {
		"::1:80",		/* IPv6 without brackets */
		"[::1]",		/* no port */
		"[::1]:", "[::1]:0", "[::1]:65536", "[::1]:+80",
		"[::1]:80 ", "[::1]: 80", "[::1]:0x50", "[[::1]]:80",
		"[1.2.3.4]:80",		/* IPv4 in brackets */
		"[::1]80", "1.2.3.4", "1.2.3.4:", ":80", "[]:80",
		"[::1]:000080",		/* more than five digits */
	};
	struct netaddr	a;
	uint16_t	port;
	char		buf[NETADDR_PORT_STRLEN];
	size_t		i;

	CU_ASSERT_FATAL(netaddr_parse_port("[::1]:24100", &a, &port) == 0);
	CU_ASSERT_EQUAL(port, 24100);
	CU_ASSERT_STRING_EQUAL(netaddr_str_port(&a, port, buf, sizeof(buf)),
	    "[::1]:24100");
	CU_ASSERT_FATAL(netaddr_parse_port("[::]:1", &a, &port) == 0);
	CU_ASSERT(netaddr_is_zero(&a) && port == 1);
	CU_ASSERT_FATAL(netaddr_parse_port("127.0.0.3:65535", &a, &port) ==
	    0);
	CU_ASSERT_STRING_EQUAL(netaddr_str_port(&a, port, buf, sizeof(buf)),
	    "127.0.0.3:65535");
	/* a v4-mapped literal is written as the IPv4 address it is */
	CU_ASSERT_FATAL(netaddr_parse_port("[::ffff:127.0.0.3]:7", &a,
	    &port) == 0);
	CU_ASSERT_STRING_EQUAL(netaddr_str_port(&a, port, buf, sizeof(buf)),
	    "127.0.0.3:7");
	CU_ASSERT_FATAL(netaddr_parse_port(
	    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535", &a, &port) == 0);
	CU_ASSERT_STRING_EQUAL(netaddr_str_port(&a, port, buf, sizeof(buf)),
	    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	for (i = 0; i < TN_NCASES(bad); i++) {
		port = 7;
		CU_ASSERT_EQUAL(netaddr_parse_port(bad[i], &a, &port), -1);
		CU_ASSERT_EQUAL(port, 7);
		if (netaddr_parse_port(bad[i], &a, &port) != -1)
			fprintf(stderr, "\n    accepted \"%s\"\n", bad[i]);
	}
}

static void
test_scope(void)
{
	static const struct {
		const char		*ip;
		enum netaddr_scope	 scope;
		int			 dialable;
	} t[] = {
		{ "127.0.0.1", NETADDR_LOOPBACK, 1 },
		{ "::1", NETADDR_LOOPBACK, 1 },
		{ "::ffff:127.0.0.1", NETADDR_LOOPBACK, 1 },
		{ "10.0.0.1", NETADDR_PRIVATE, 1 },
		{ "172.16.0.1", NETADDR_PRIVATE, 1 },
		{ "192.168.1.1", NETADDR_PRIVATE, 1 },
		{ "169.254.1.1", NETADDR_PRIVATE, 1 },
		{ "fc00::1", NETADDR_PRIVATE, 1 },
		{ "fd00::1", NETADDR_PRIVATE, 1 },
		{ "fdff:ffff::1", NETADDR_PRIVATE, 1 },
		{ "fe00::1", NETADDR_GLOBAL, 1 },
		{ "fe80::1", NETADDR_LINK, 0 },
		{ "febf:ffff::1", NETADDR_LINK, 0 },
		{ "fec0::1", NETADDR_GLOBAL, 1 },
		{ "0.0.0.0", NETADDR_UNUSABLE, 0 },
		{ "0.1.2.3", NETADDR_UNUSABLE, 0 },
		{ "224.0.0.1", NETADDR_UNUSABLE, 0 },
		{ "239.255.255.255", NETADDR_UNUSABLE, 0 },
		{ "::", NETADDR_UNUSABLE, 0 },
		{ "ff02::1", NETADDR_UNUSABLE, 0 },
		{ "ff0e::1", NETADDR_UNUSABLE, 0 },
		{ "2001:db8::1", NETADDR_UNUSABLE, 0 },
		{ "2001:db8:ffff::1", NETADDR_UNUSABLE, 0 },
		{ "2001:db9::1", NETADDR_GLOBAL, 1 },
		{ "2a00:1450::1", NETADDR_GLOBAL, 1 },
		{ "8.8.8.8", NETADDR_GLOBAL, 1 },
		{ "255.255.255.255", NETADDR_GLOBAL, 0 },	/* broadcast */
	};
	struct netaddr	a;
	size_t		i;

	for (i = 0; i < TN_NCASES(t); i++) {
		CU_ASSERT_FATAL(netaddr_parse(t[i].ip, &a) == 0);
		CU_ASSERT_EQUAL(netaddr_scope(&a), t[i].scope);
		CU_ASSERT_EQUAL(netaddr_dialable(&a), t[i].dialable);
		if (netaddr_scope(&a) != t[i].scope ||
		    netaddr_dialable(&a) != t[i].dialable)
			fprintf(stderr, "\n    case %s\n", t[i].ip);
	}
	/* groups: an IPv4 /16; IPv6 by its /32 */
	a = netaddr_from_v4(0x7f010203);
	CU_ASSERT_EQUAL(netaddr_group16(&a), 0x7f01);
	{
		struct netaddr b, c;

		CU_ASSERT_FATAL(netaddr_parse("2a00:1450:1::1", &b) == 0);
		CU_ASSERT_FATAL(netaddr_parse("2a00:1450:ffff::9", &c) == 0);
		CU_ASSERT_EQUAL(netaddr_group16(&b), netaddr_group16(&c));
	}
}

static void
test_sockaddr(void)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in6	 sin6;
	struct netaddr		 a, b;
	socklen_t		 len;
	uint16_t		 port = 0;

	a = netaddr_from_v4(0x7f000002);
	len = netaddr_to_sockaddr(&a, 24100, &ss);
	CU_ASSERT_EQUAL(ss.ss_family, AF_INET);
	CU_ASSERT_EQUAL(len, sizeof(struct sockaddr_in));
	CU_ASSERT_EQUAL(netaddr_from_sockaddr((struct sockaddr *)&ss, len, &b,
	    &port), 0);
	CU_ASSERT(netaddr_eq(&a, &b) && port == 24100);
	CU_ASSERT_FATAL(netaddr_parse("fd00::5", &a) == 0);
	len = netaddr_to_sockaddr(&a, 7, &ss);
	CU_ASSERT_EQUAL(ss.ss_family, AF_INET6);
	CU_ASSERT_EQUAL(netaddr_from_sockaddr((struct sockaddr *)&ss, len, &b,
	    &port), 0);
	CU_ASSERT(netaddr_eq(&a, &b) && port == 7);
	/* a v4-mapped peer on a dual-stack socket is the IPv4 peer */
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:127.0.0.9", &sin6.sin6_addr);
	CU_ASSERT_EQUAL(netaddr_from_sockaddr((struct sockaddr *)&sin6,
	    sizeof(sin6), &b, NULL), 0);
	CU_ASSERT(same_ip(b, netaddr_from_v4(0x7f000009)));
	/* short or foreign */
	CU_ASSERT_EQUAL(netaddr_from_sockaddr((struct sockaddr *)&sin6, 8,
	    &b, NULL), -1);
	ss.ss_family = AF_UNIX;
	CU_ASSERT_EQUAL(netaddr_from_sockaddr((struct sockaddr *)&ss,
	    sizeof(ss), &b, NULL), -1);
}

/*
 * [::]:P and 0.0.0.0:P together: the IPv6 one is IPV6_V6ONLY.  Needs
 * IPv6 on lo; where the machine has none, says so and passes.
 */
static void
test_listen_both(void)
{
	struct netaddr	any4 = netaddr_from_v4(0), any6 = NETADDR_NONE;
	int		fd4, fd6, port;

	for (port = 47311; port < 47331; port++) {
		if ((fd6 = netaddr_listen(&any6, (uint16_t)port, 4)) == -1) {
			if (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL) {
				fprintf(stderr, "(no IPv6 here) ");
				return;
			}
			continue;
		}
		fd4 = netaddr_listen(&any4, (uint16_t)port, 4);
		if (fd4 == -1 && errno == EADDRINUSE) {
			/* the v4 port may be taken by somebody else: retry,
			 * but never because of our v6 socket */
			close(fd6);
			continue;
		}
		CU_ASSERT(fd4 != -1);
		close(fd6);
		if (fd4 != -1)
			close(fd4);
		return;
	}
	CU_FAIL("no free port pair");
}

/* one host for per-host limits: an IPv4 address, an IPv6 /64 (F5) */
static void
test_same_host(void)
{
	static const struct {
		const char	*a, *b;
		int		 same;
	} t[] = {
		{ "fd00:14::100", "fd00:14::ffff:1", 1 },
		{ "fd00:14::1", "fd00:14:0:1::1", 0 },
		{ "2001:db9:1:2:3:4:5:6", "2001:db9:1:2::", 1 },
		{ "10.0.0.1", "10.0.0.1", 1 },
		{ "10.0.0.1", "10.0.0.2", 0 },
		{ "10.0.0.1", "::ffff:10.0.0.1", 1 },
		{ "::ffff:10.0.0.1", "::ffff:10.0.0.2", 0 },
		{ "::ffff:10.0.0.1", "::ffff:a00:1:0:0", 0 },
	};
	struct netaddr	a, b;
	size_t		i;

	for (i = 0; i < TN_NCASES(t); i++) {
		CU_ASSERT_EQUAL_FATAL(netaddr_parse(t[i].a, &a), 0);
		CU_ASSERT_EQUAL_FATAL(netaddr_parse(t[i].b, &b), 0);
		CU_ASSERT_EQUAL(netaddr_same_host(&a, &b), t[i].same);
		CU_ASSERT_EQUAL(netaddr_same_host(&b, &a), t[i].same);
	}
}

int
main(int argc, char **argv)
{
	static const struct tn_case tests[] = {
		{ "parse and format", test_parse_format },
		{ "with a port: brackets", test_with_port },
		{ "scopes", test_scope },
		{ "socket addresses", test_sockaddr },
		{ "one host: IPv4 address, IPv6 /64", test_same_host },
		{ "[::]:P beside 0.0.0.0:P", test_listen_both },
	};
	struct tn_suite ts = { .name = "netaddr", .cases = tests,
	    .ncases = TN_NCASES(tests), .only = argc > 1 ? argv[1] : NULL };

	return tn_cunit_run(&ts);
}
