/* SPDX-License-Identifier: ISC */
/*
 * test_hostile_book.c - hostile peers against netd's address book, its
 * bans, its inbound slots and its restarted-peer probe (issue 11, items
 * 1, 7, 8, 9 and 10), as processes: nodes on 127.0.3.x (port 24300), the
 * scripted attackers (fakepeer.c) on 127.0.4.x, the addresses they make
 * up in 10.7/16 (unreachable in a network namespace of only lo, so every
 * dial to one fails at once and is logged as such; elsewhere a dial may
 * fail only at handshake_timeout).
 *
 *  - one ADDRS naming one IP on 99 ports: that IP is dialled on one port,
 *    at most once per backoff step;
 *  - 7,500 made-up addresses in 30 ADDRS from 30 IPs: the node dials at
 *    most NETD_DIAL_RATE a second (plus the burst), keeps at most
 *    NETD_ADDR_PER_GROUP of them, and stops dialling them after the
 *    attacker has gone;
 *  - first bytes that are no frame of ours: no ban, the IP is greeted
 *    again after the cool-off; a hello of another network: a bounded ban
 *    that `bans` lists with its reason and `unban` lifts;
 *  - max_inbound = 4 held by four peers that only answer pings: an
 *    honest newcomer still connects and catches up;
 *  - max_inbound = 3 and ten nodes told only the seed's address: all
 *    connected and at the seed's height in bounded time; a node with no
 *    inbound slot answers a newcomer's GET_ADDRS, then says "limit";
 *  - a mute old connection and a new nonce from its IP, 20 times: the old
 *    connection is replaced every time.
 *
 * Every wait is bounded; every process is the harness's, killed by pid.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <CUnit/Basic.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "block.h"
#include "cunit.h"
#include "ipc.h"
#include "fakepeer.h"
#include "harness.h"
#include "wire.h"

#define PORT		24300
#define DIAL_RATE	2.0	/* NETD_DIAL_RATE */
#define DIAL_BURST	8	/* NETD_DIAL_BURST */
#define PER_GROUP	64	/* NETD_ADDR_PER_GROUP */

static uint8_t	genesis_hash[IPC_HASH_LEN];
static uint32_t	magic;

static const char p2p_fast[] =
    "[p2p]\nplaintext = yes\n"
    "ping_interval = 1\n"
    "ping_timeout = 10\n"
    "max_missed_pings = 5\n"
    "backoff_min = 0.2\n"
    "backoff_max = 2\n"
    "handshake_timeout = 2\n";

/* a node that may produce: the devnet key */
static const char producer[] = "[sync]\nproducer_key = devnet\n";

static int
start_as(struct tn_node *n, const char *ip, const char *peers,
    const char *p2p, const char *sync)
{
	if (tn_node_init(n, ip, PORT, tn_lenient_supervisor,
	    p2p ? p2p : p2p_fast, "\n", sync, "\n[node]\n", peers) == -1)
		return -1;
	return tn_node_run(n, 30);
}

static int
start(struct tn_node *n, const char *ip, const char *peers, const char *p2p)
{
	return start_as(n, ip, peers, p2p, NULL);
}

static int
npeers_of(struct tn_node *n)
{
	json_t	*st = tn_status(n);
	int	 k = st ? tn_npeers(st) : -1;

	json_decref(st);
	return k;
}

/* produce count blocks on n; 0 once its height shows them */
static int
produce(struct tn_node *n, int count)
{
	char		cmd[64];
	long long	want = tn_node_height(n) + count;

	snprintf(cmd, sizeof(cmd), "produce %d", count);
	json_decref(tn_command(n->sock, cmd));
	return tn_wait_height(n, want, 30) ? 0 : -1;
}

/* handshake from src and wait for the node's GET_ADDRS: 0 or -1 */
static int
attacker_in(struct fake *f, const char *src, const char *dst,
    uint64_t nonce)
{
	static struct wire_msg m;

	if (fake_handshake(f, src, dst, PORT, nonce) == -1)
		return -1;
	if (fake_wait_type(f, WIRE_GET_ADDRS, 5, &m) != 1) {
		fake_close(f);
		return -1;
	}
	return 0;
}

/* the answer to its GET_ADDRS: n addresses ip[i]:port[i] */
static int
send_addrs(struct fake *f, const struct netaddr *ip, const uint16_t *port,
    uint32_t n)
{
	static struct wire_msg m;
	uint32_t i;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_ADDRS_V2;
	m.u.addrs.count = n;
	for (i = 0; i < n; i++) {
		m.u.addrs.v[i].ip = ip[i];
		m.u.addrs.v[i].port = port[i];
	}
	return fake_send(f, &m, magic);
}

/* the wall clock (the log's), in seconds since the epoch */
static double
wall_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The time stamp a log line starts with ("2026-12-01T03:30:00.123Z",
 * common/log.c), in seconds since the epoch; -1 if it has none.
 */
static double
line_time(const char *line)
{
	struct tm	tm;
	int		ms;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	    &ms) != 7)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	return (double)timegm(&tm) + ms / 1000.0;
}

/*
 * The node's failed dials of made-up (10.7/16) addresses logged in the
 * wall-clock window [from, to] (by the lines' own time stamps, not when
 * the test reads them; the stamps are cut to the millisecond).
 */
static int
dials_between(const char *log, double from, double to)
{
	char	line[1024];
	FILE	*fp;
	double	t;
	int	n = 0;

	if ((fp = fopen(log, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, "outbound: connect to port") != NULL &&
		    strstr(line, "10.7.") != NULL &&
		    (t = line_time(line)) >= from - 0.001 && t <= to)
			n++;
	fclose(fp);
	return n;
}

/* the distinct made-up (10.7/16) addresses the node dialled, by its log */
static int
distinct_dialled(const char *log, int *lines)
{
	static char	seen[65536];
	char		line[1024];
	FILE		*fp;
	unsigned	 a, b;
	char		*p;
	int		 n = 0;

	*lines = 0;
	memset(seen, 0, sizeof(seen));
	if ((fp = fopen(log, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strstr(line, "outbound: connect to port") == NULL ||
		    (p = strstr(line, "10.7.")) == NULL ||
		    sscanf(p, "10.7.%u.%u ", &a, &b) != 2 || a > 255 ||
		    b > 255)
			continue;
		(*lines)++;
		if (!seen[a << 8 | b]++)
			n++;
	}
	fclose(fp);
	return n;
}

/*
 * Item 1, first input: one ADDRS that names 10.7.0.1 on 99 ports.  The
 * book has one entry for that IP, so it is dialled at most once per
 * backoff step (0.2, 0.4, 0.8, 1.6, then 2 s: 9 in 12 s) and on one port.
 */
static void
test_one_ip_many_ports(void)
{
	static struct wire_msg m;
	struct tn_node	 n;
	struct fake	 f, g;
	struct netaddr	 ip[99];
	uint16_t	 port[99];
	int		 i, lines, ports;
	char		 needle[64];

	CU_ASSERT_FATAL(start(&n, "127.0.3.1", NULL, NULL) == 0);
	CU_ASSERT_FATAL(attacker_in(&f, "127.0.4.1", n.ip, 7001) == 0);
	for (i = 0; i < 99; i++) {
		(void)netaddr_parse("10.7.0.1", &ip[i]);
		port[i] = (uint16_t)(30001 + i);
	}
	CU_ASSERT(send_addrs(&f, ip, port, 99) == 0);
	/* names the node has not reached are not relayed to others */
	fake_serve(&f, 0.5);
	CU_ASSERT_FATAL(attacker_in(&g, "127.0.4.2", n.ip, 7002) == 0);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_GET_ADDRS;
	CU_ASSERT(fake_send(&g, &m, magic) == 0);
	CU_ASSERT(fake_wait_type(&g, WIRE_ADDRS_V2, 3, &m) == 1);
	for (i = 0; i < (int)m.u.addrs.count; i++)
		CU_ASSERT(!netaddr_eq(&m.u.addrs.v[i].ip, &ip[0]));
	fake_close(&g);
	fake_serve(&f, 11.5);
	fake_close(&f);
	CU_ASSERT(distinct_dialled(n.log, &lines) == 1);
	for (ports = 0, i = 0; i < 99; i++) {
		snprintf(needle, sizeof(needle), "connect to port %d ",
		    30001 + i);
		ports += tn_log_count(n.log, needle) > 0;
	}
	fprintf(stderr, "\n    one IP on 99 ports: %d dials in 12 s on %d "
	    "port(s)\n", lines, ports);
	CU_ASSERT(lines >= 1 && lines <= 9);
	CU_ASSERT(ports == 1);
	tn_node_cleanup(&n);
}

/*
 * Item 1, second input: 7,500 addresses in 30 ADDRS answers from 30 IPs
 * over a few seconds, then the attacker leaves.  Dials stay within the
 * node's budget, the book keeps at most PER_GROUP of them (all come from
 * one /16 of advertisers) and the dialling stops: each made-up address
 * is dropped after NETD_HEARSAY_TRIES failures.
 */
static void
test_address_flood(void)
{
	struct tn_node	 n;
	struct fake	 f;
	struct netaddr	 ip[WIRE_MAX_ADDRS];
	uint16_t	 port[WIRE_MAX_ADDRS];
	char		 src[32], a[32];
	int		 k, i, distinct, lines, l0, l1, in = 0;
	double		 t0, t_left, t1, end;

	CU_ASSERT_FATAL(start(&n, "127.0.3.2", NULL, NULL) == 0);
	t0 = wall_now();
	for (k = 0; k < 30; k++) {
		snprintf(src, sizeof(src), "127.0.4.%d", 10 + k);
		if (attacker_in(&f, src, n.ip, 8000 + (uint64_t)k) == -1)
			continue;
		in++;
		for (i = 0; i < WIRE_MAX_ADDRS; i++) {
			snprintf(a, sizeof(a), "10.7.%d.%d",
			    (k * WIRE_MAX_ADDRS + i) / 250,
			    (k * WIRE_MAX_ADDRS + i) % 250 + 1);
			(void)netaddr_parse(a, &ip[i]);
			port[i] = 24300;
		}
		CU_ASSERT(send_addrs(&f, ip, port, WIRE_MAX_ADDRS) == 0);
		fake_serve(&f, 0.3);
		fake_close(&f);
		tn_sleep(0.5);
	}
	CU_ASSERT(in == 30);
	t_left = wall_now();
	/* the rate while it digests them, the attacker gone */
	tn_sleep(10);
	t1 = wall_now();
	tn_sleep(0.5);		/* the window's last lines are written */
	l0 = dials_between(n.log, t0, t_left);
	l1 = dials_between(n.log, t_left, t1);
	fprintf(stderr, "\n    7500 addresses from 30 IPs in %.1f s: %d "
	    "dials in the first %.1f s, %d in the next %.1f s\n",
	    t_left - t0, l0, t_left - t0, l1, t1 - t_left);
	/*
	 * A dial is logged when it fails: at once where 10.7/16 has no
	 * route (a network namespace of only lo), up to handshake_timeout
	 * (2 s) later where a default route leads nowhere (scripts/test.sh
	 * runs ctest in the machine's own namespace).  So the second
	 * window's lines may hold dials of up to 2 s before it: DIAL_RATE
	 * x 2 more.  The first began before any dial.
	 */
	CU_ASSERT(l0 <= DIAL_BURST + DIAL_RATE * (t_left - t0) + 1);
	CU_ASSERT(l1 <= DIAL_BURST + DIAL_RATE * (t1 - t_left + 2) + 1);
	/* and it ends: at most PER_GROUP names, each tried 3 times */
	end = tn_now() + 240;
	distinct_dialled(n.log, &lines);
	while (tn_now() < end) {
		tn_sleep(5);
		distinct = distinct_dialled(n.log, &l0);
		if (l0 == lines)
			break;
		lines = l0;
	}
	distinct = distinct_dialled(n.log, &lines);
	fprintf(stderr, "    dialling stopped %.0f s after the attacker left: "
	    "%d dials of %d distinct made-up addresses\n", wall_now() -
	    t_left, lines, distinct);
	CU_ASSERT(tn_now() < end);
	CU_ASSERT(distinct <= 30 * 4);
	CU_ASSERT(lines <= 3 * distinct);
	tn_node_cleanup(&n);
}

/* the bans a node lists: the entry for ip, or NULL (a new reference) */
static json_t *
ban_of(struct tn_node *n, const char *ip)
{
	json_t	*a, *b, *r = NULL;
	size_t	 i;

	if ((a = tn_command(n->sock, "bans")) == NULL)
		return NULL;
	json_array_foreach(json_object_get(a, "bans"), i, b)
		if (strcmp(json_string_value(json_object_get(b, "ip")), ip)
		    == 0)
			r = json_incref(b);
	json_decref(a);
	return r;
}

/* timenodectl -s SOCK cmd prints a line containing needle */
static int
ctl_prints(struct tn_node *n, const char *cmd, const char *needle)
{
	char	 bin[512], line[512], sh[1400];
	FILE	*p;
	int	 found = 0;

	snprintf(sh, sizeof(sh), "%s -s %s %s", tn_bin("timenodectl", bin,
	    sizeof(bin)), n->sock, cmd);
	if ((p = popen(sh, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), p) != NULL)
		found |= strstr(line, needle) != NULL;
	pclose(p);
	return found;
}

static int
greeted(const char *src, const char *dst)
{
	static struct wire_msg m;
	struct fake	f;
	int		r;

	if (fake_connect(&f, src, dst, PORT) == -1)
		return 0;
	r = fake_first_byte(&f) == 0 && fake_recv(&f, &m, 3) == 1 &&
	    m.type == WIRE_HELLO;
	fake_close(&f);
	return r;
}

/*
 * Item 7: an HTTP probe earns no ban (the IP is greeted again after the
 * cool-off); a hello of another network a bounded ban, listed by `bans`
 * with its reason and expiry and lifted by `unban` in netd and in the
 * address book (a restarted netd does not bring it back).
 */
static void
test_bans(void)
{
	static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct tn_node	 n;
	struct fake	 f;
	json_t		*b, *a, *st;
	uint8_t		 other[IPC_HASH_LEN];
	pid_t		 netd;
	double		 end;
	int		 i, k;

	CU_ASSERT_FATAL(start(&n, "127.0.3.3", NULL, NULL) == 0);

	/* an HTTP probe: protocol, no ban; greeted after the cool-off */
	CU_ASSERT_FATAL(fake_connect(&f, "127.0.4.60", n.ip, PORT) == 0);
	CU_ASSERT(send(f.fd, http, sizeof(http) - 1, MSG_NOSIGNAL) > 0);
	CU_ASSERT(fake_goodbye_with(&f, CLOSE_PROTOCOL, 3));
	fake_close(&f);
	/* a cool-off is no ban: not listed, logged as what it is (F8) */
	b = ban_of(&n, "127.0.4.60");
	CU_ASSERT(b == NULL);
	json_decref(b);
	CU_ASSERT(!greeted("127.0.4.60", n.ip));
	CU_ASSERT(tn_log_count(n.log, "127.0.4.60 inbound: refused: cooling "
	    "off") >= 1);
	CU_ASSERT(tn_log_count(n.log, "127.0.4.60 inbound: refused: banned")
	    == 0);
	end = tn_now() + 15;
	while (tn_now() < end && !greeted("127.0.4.60", n.ip))
		tn_sleep(0.5);
	CU_ASSERT(tn_now() < end);

	/* a valid hello of another network: wrong_network, a bounded ban */
	memset(other, 0x5a, sizeof(other));
	CU_ASSERT_FATAL(fake_connect(&f, "127.0.4.61", n.ip, PORT) == 0);
	CU_ASSERT(fake_hello(&f, 9001, other) == 0);
	CU_ASSERT(fake_goodbye_with(&f, CLOSE_WRONG_NETWORK, 3));
	fake_close(&f);
	CU_ASSERT(!greeted("127.0.4.61", n.ip));
	CU_ASSERT_FATAL((b = ban_of(&n, "127.0.4.61")) != NULL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(b,
	    "reason")), "wrong_network");
	CU_ASSERT(tn_json_int(b, "expires_in_s") > 0 &&
	    tn_json_int(b, "expires_in_s") <= 3600);
	json_decref(b);
	CU_ASSERT(tn_log_count(n.log, "127.0.4.61 inbound: refused: banned")
	    >= 1);
	/* each refusal is logged, but 40 of them do not make 40 lines */
	for (i = 0; i < 40; i++)
		(void)greeted("127.0.4.61", n.ip);
	k = tn_log_count(n.log, "127.0.4.61 inbound: refused");
	fprintf(stderr, "\n    41 refusals of a banned IP: %d log lines\n", k);
	/*
	 * lograte's per-peer bound (operations.md "Under attack"): a burst
	 * of 5, then 1 per 10 s; the 41 may straddle two windows.
	 */
	CU_ASSERT(k >= 1 && k <= 2 * 5 + 2);

	/* timenodectl shows it as a table */
	CU_ASSERT(ctl_prints(&n, "bans", "127.0.4.61"));
	CU_ASSERT(ctl_prints(&n, "bans", "wrong_network"));

	/* unban: netd and the address book forget it */
	a = tn_command(n.sock, "unban 127.0.4.61");
	CU_ASSERT(a != NULL && json_object_get(a, "ok") != NULL);
	json_decref(a);
	CU_ASSERT(greeted("127.0.4.61", n.ip));
	a = tn_command(n.sock, "unban 127.0.4.61");
	CU_ASSERT(a != NULL && json_object_get(a, "error") != NULL);
	json_decref(a);
	a = tn_command(n.sock, "unban 999.1.2.3");
	CU_ASSERT(a != NULL && json_object_get(a, "error") != NULL);
	json_decref(a);
	st = tn_status(&n);
	netd = tn_component_pid(st, "netd");
	json_decref(st);
	CU_ASSERT_FATAL(netd > 0 && kill(netd, SIGKILL) == 0);
	end = tn_now() + 15;
	while (tn_now() < end) {
		st = tn_status(&n);
		if (tn_component_pid(st, "netd") != netd &&
		    strcmp(tn_component_state(st, "netd"), "running") == 0)
			end = 0;
		json_decref(st);
		tn_sleep(0.1);
	}
	tn_sleep(1.0);		/* it has read the bans */
	CU_ASSERT(ban_of(&n, "127.0.4.61") == NULL);
	CU_ASSERT(greeted("127.0.4.61", n.ip));
	tn_node_cleanup(&n);
}

/*
 * Item 8: max_inbound = 4 taken by four peers (127.0.4.51-54) that only
 * answer pings; an honest newcomer with nothing must still get in and
 * catch up with the node.
 */
static void
test_squatters(void)
{
	static const char p2p_v[] = "[p2p]\nplaintext = yes\nmax_inbound = 4\n"
	    "ping_interval = 1\nping_timeout = 10\nbackoff_min = 0.2\n"
	    "backoff_max = 2\n";
	struct tn_node	 v, h;
	struct fake	 sq[4];
	char		 src[32];
	long long	 want;
	double		 end, t0;
	int		 i, ok = 0;

	CU_ASSERT_FATAL(start_as(&v, "127.0.3.5", NULL, p2p_v, producer) == 0);
	CU_ASSERT_FATAL(produce(&v, 20) == 0);
	want = tn_node_height(&v);
	for (i = 0; i < 4; i++) {
		snprintf(src, sizeof(src), "127.0.4.%d", 51 + i);
		CU_ASSERT_FATAL(fake_handshake(&sq[i], src, v.ip, PORT,
		    6000 + (uint64_t)i) == 0);
	}
	for (end = tn_now() + 5; tn_now() < end && npeers_of(&v) < 4; )
		for (i = 0; i < 4; i++)
			fake_serve(&sq[i], 0.02);
	CU_ASSERT_FATAL(npeers_of(&v) == 4);
	/* the squatters hold on for a while: they are the old ones */
	for (end = tn_now() + 2; tn_now() < end; )
		for (i = 0; i < 4; i++)
			fake_serve(&sq[i], 0.02);

	CU_ASSERT_FATAL(start(&h, "127.0.3.6", "peer = 127.0.3.5:24300\n",
	    NULL) == 0);
	t0 = tn_now();
	for (end = t0 + 60; tn_now() < end && !ok; ) {
		for (i = 0; i < 4; i++)
			fake_serve(&sq[i], 0.05);
		ok = tn_node_height(&h) == want;
	}
	fprintf(stderr, "\n    newcomer against 4 squatters: %s after %.1f "
	    "s\n", ok ? "caught up" : "stuck", tn_now() - t0);
	CU_ASSERT(ok);
	CU_ASSERT(npeers_of(&v) <= 4);
	for (i = 0; i < 4; i++)
		fake_close(&sq[i]);
	tn_node_cleanup(&h);
	tn_node_cleanup(&v);
}

/*
 * Item 9: ten nodes with max_inbound = 3, nine of them told only the
 * seed's address: every node gets a peer and the seed's height.
 */
#define NNODES	10

static void
test_grow_from_seed(void)
{
	static const char p2p[] = "[p2p]\nplaintext = yes\nmax_inbound = 3\n"
	    "ping_interval = 1\nping_timeout = 10\nbackoff_min = 0.2\n"
	    "backoff_max = 2\n";
	static struct tn_node	 n[NNODES];
	char			 ip[32];
	long long		 want;
	double			 end, t0;
	int			 i, done = 0, lonely = 0, behind = 0;

	CU_ASSERT_FATAL(start_as(&n[0], "127.0.3.10", NULL, p2p, producer) ==
	    0);
	CU_ASSERT_FATAL(produce(&n[0], 10) == 0);
	want = tn_node_height(&n[0]);
	t0 = tn_now();
	for (i = 1; i < NNODES; i++) {
		snprintf(ip, sizeof(ip), "127.0.3.%d", 10 + i);
		CU_ASSERT_FATAL(start(&n[i], ip, "peer = 127.0.3.10:24300\n",
		    p2p) == 0);
	}
	for (end = tn_now() + 120; tn_now() < end && !done; ) {
		lonely = behind = 0;
		for (i = 0; i < NNODES; i++) {
			lonely += npeers_of(&n[i]) < 1;
			behind += tn_node_height(&n[i]) != want;
		}
		done = lonely == 0 && behind == 0;
		if (!done)
			tn_sleep(0.5);
	}
	fprintf(stderr, "\n    %d nodes, max_inbound 3, one seed: %s after "
	    "%.1f s (%d without a peer, %d behind)\n", NNODES, done ?
	    "all connected and synced" : "NOT converged", tn_now() - t0,
	    lonely, behind);
	CU_ASSERT(done);
	for (i = NNODES - 1; i >= 0; i--)
		tn_node_cleanup(&n[i]);
}

/*
 * Item 9, the refusal itself: a node with no inbound slot to give
 * (max_inbound = 0) still completes a newcomer's handshake, answers its
 * GET_ADDRS with the peers it knows, then says "limit".
 */
static void
test_full_hands_addresses(void)
{
	static const char p2p[] = "[p2p]\nplaintext = yes\nmax_inbound = 0\n";
	static struct wire_msg m;
	struct tn_node	 s, x;
	struct fake	 f;
	struct netaddr	 xip;
	uint32_t	 i;
	double		 end;
	int		 found = 0;

	CU_ASSERT_FATAL(start(&x, "127.0.3.31", NULL, NULL) == 0);
	CU_ASSERT_FATAL(start(&s, "127.0.3.30", "peer = 127.0.3.31:24300\n",
	    p2p) == 0);
	for (end = tn_now() + 10; tn_now() < end && npeers_of(&s) < 1; )
		tn_sleep(0.1);
	CU_ASSERT_FATAL(npeers_of(&s) == 1);
	(void)netaddr_parse(x.ip, &xip);
	CU_ASSERT_FATAL(fake_handshake(&f, "127.0.4.200", s.ip, PORT, 7777)
	    == 0);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_GET_ADDRS;
	CU_ASSERT(fake_send(&f, &m, magic) == 0);
	CU_ASSERT_FATAL(fake_wait_type(&f, WIRE_ADDRS_V2, 3, &m) == 1);
	for (i = 0; i < m.u.addrs.count; i++)
		found |= netaddr_eq(&m.u.addrs.v[i].ip, &xip) &&
		    m.u.addrs.v[i].port == PORT;
	CU_ASSERT(found);
	CU_ASSERT(fake_goodbye_with(&f, CLOSE_LIMIT, 3));
	fake_close(&f);
	CU_ASSERT(npeers_of(&s) == 1);
	tn_node_cleanup(&s);
	tn_node_cleanup(&x);
}

/*
 * Item 10: a registered connection that goes mute (reads and sends
 * nothing) while its peer connects again with a new nonce is replaced,
 * every time: 20 tries.  Before going mute it asks for blocks, so that
 * the node has output to it that the kernel still takes for a while: our
 * output draining is no answer to the probe.
 */
static void
test_mute_probe(void)
{
	static const char p2p[] = "[p2p]\nplaintext = yes\nping_interval = 1\n"
	    "ping_timeout = 60\nmax_missed_pings = 100\n";
	static struct wire_msg m;
	struct tn_node	 n;
	struct fake	 old, nw;
	json_t		*st, *p;
	char		 src[32];
	double		 end;
	int		 k, replaced = 0, r;

	CU_ASSERT_FATAL(start_as(&n, "127.0.3.20", NULL, p2p, producer) == 0);
	json_decref(tn_command(n.sock, "produce 16 200000"));
	for (end = tn_now() + 60; tn_now() < end && tn_node_height(&n) < 16; )
		tn_sleep(0.2);
	CU_ASSERT_FATAL(tn_node_height(&n) >= 16);
	for (k = 0; k < 20; k++) {
		snprintf(src, sizeof(src), "127.0.4.%d", 100 + k);
		if (fake_handshake(&old, src, n.ip, PORT, 5000 + 2 *
		    (uint64_t)k) == -1) {
			CU_FAIL("handshake");
			continue;
		}
		fake_wait_type(&old, WIRE_GET_ADDRS, 3, &m);
		fake_serve(&old, 0.3);
		/* ask for ~3 MB, then never read or send again */
		memset(&m, 0, sizeof(m));
		m.type = WIRE_GET_RANGE;
		m.u.range.reqid = 1;
		m.u.range.from = 1;
		m.u.range.count = 16;
		(void)fake_send(&old, &m, magic);
		tn_sleep(0.05 * (k % 4));
		if (fake_handshake(&nw, src, n.ip, PORT, 5001 + 2 *
		    (uint64_t)k) == -1) {
			CU_FAIL("second handshake");
			fake_close(&old);
			continue;
		}
		r = 0;
		for (end = tn_now() + 8; tn_now() < end && r == 0; ) {
			fake_serve(&nw, 0.1);
			if ((st = tn_status(&n)) == NULL)
				continue;
			p = tn_peer(st, src);
			if (p != NULL && tn_json_int(p, "remote_port") ==
			    nw.port)
				r = 1;
			json_decref(st);
			if (fake_recv(&nw, &m, 0) == -1)
				r = -1;		/* refused */
		}
		replaced += r == 1;
		fake_close(&nw);
		fake_close(&old);
	}
	fprintf(stderr, "\n    mute old connection replaced in %d of 20 "
	    "tries\n", replaced);
	CU_ASSERT(replaced == 20);
	tn_node_cleanup(&n);
}

/* an argument runs only the tests whose name contains it */
int
main(int argc, char **argv)
{
	static const struct tn_case tests[] = {
		{ "one ADDRS naming one IP on 99 ports: one entry, backoff",
		    test_one_ip_many_ports },
		{ "7500 addresses in 30 ADDRS: dial rate bounded, ends",
		    test_address_flood },
		{ "bans: no ban for junk, bounded wrong-network ban, "
		    "bans/unban", test_bans },
		{ "four squatters cannot keep a newcomer out",
		    test_squatters },
		{ "ten nodes, max_inbound 3, one seed: all connected, synced",
		    test_grow_from_seed },
		{ "a full node hands a newcomer addresses, then 'limit'",
		    test_full_hands_addresses },
		{ "mute old connection replaced, 20 of 20", test_mute_probe },
	};
	struct tn_suite	 ts = { .name = "hostile_book", .cases = tests,
	    .ncases = TN_NCASES(tests), .only = argc > 1 ? argv[1] : NULL };

	if (fake_setup_devnet(genesis_hash, &magic) == -1)
		return 1;
	return tn_cunit_run(&ts);
}
