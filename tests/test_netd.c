/* SPDX-License-Identifier: ISC */
/*
 * test_netd.c - netd as a process: nodes on their own loopback addresses.
 *
 *  - two nodes that dial each other at the same moment end with exactly
 *    one connection, the same on both ends (same pair of ports, checked
 *    against the kernel's /proc/net/tcp too), 50 times: both netds are
 *    restarted through the status socket ("restart netd") at once, so
 *    both dial at start;
 *  - a node whose netd restarts (new ephemeral port) replaces its old
 *    connection instead of adding a peer; ping/pong in both directions;
 *  - a scripted peer (this program speaking the wire protocol,
 *    fakepeer.c) drives
 *    the restarted-peer probe both ways, a connection to ourselves, wrong
 *    genesis, wrong magic, oversized frames, a handshake that never comes;
 *  - a scripted peer sends ADDRS it was not asked for, an unsolicited
 *    BLOCKS of two blocks, two handshakes at once from one IP;
 *  - a scripted peer pipelines more large requests than the node's
 *    output queue holds: all are answered, the peer is not dropped;
 *  - a scripted peer of version 3 asks for headers: they are the node's
 *    chain's (linked, heights in order, from genesis), at most the count
 *    asked; above the tip none; a version-2 peer asking is closed
 *    (docs/protocol.md section 3);
 *  - three nodes, ping every 1 s and timeout 3 s, stay connected for 60
 *    pings per connection and direction with no reconnect and a pong for
 *    every ping;
 *  - a node's netd killed: its peer reconnects to the restarted netd,
 *    with backoff.
 *
 * Every node runs on 127.0.0.41-60 (port 24140) so that the other
 * process tests' addresses are not in the way; every wait is bounded.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <CUnit/Basic.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block.h"
#include "cunit.h"
#include "ipc.h"
#include "fakepeer.h"
#include "harness.h"
#include "wire.h"

#define PORT		24140
#define RUNS		50

static uint8_t	genesis_hash[IPC_HASH_LEN];
static uint32_t	magic;

/* the scripted peers speak plaintext */
static const char p2p_fast[] = "[p2p]\nplaintext = yes\n" TN_P2P_FAST_KEYS;

static int
start(struct tn_node *n, const char *ip, const char *peers, const char *p2p)
{
	/*
	 * Lenient with the other workers (being written in parallel, and
	 * slow under ASan on a loaded machine): a crash loop or a late
	 * heartbeat of stored or syncd must not stop the node under test.
	 */
	if (tn_node_init(n, ip, PORT, tn_lenient_supervisor,
	    p2p ? p2p : p2p_fast, "\n[node]\n", peers) == -1)
		return -1;
	return tn_node_start(n, NULL, NULL);
}

static const char *
pstr(json_t *p, const char *k)
{
	const char *s = json_string_value(json_object_get(p, k));

	return s ? s : "";
}

/*
 * a and b have exactly one connection between them, the same on both
 * ends: each has the other as its only peer, one end outbound and the
 * other inbound, the ports agree with each other and with the kernel's
 * table (one ESTABLISHED socket each way).  Returns the opener's
 * ephemeral port and sets *a_opened, or -1.
 */
static int
one_connection(struct tn_node *a, struct tn_node *b, int *a_opened)
{
	json_t		*sa = NULL, *sb = NULL, *pa, *pb, *pout, *pin;
	struct tn_node	*out, *in;
	int		 ports[4][2], eph, ret = -1;

	if ((sa = tn_status(a)) == NULL || (sb = tn_status(b)) == NULL)
		goto out;
	if (tn_npeers(sa) != 1 || tn_npeers(sb) != 1 ||
	    (pa = tn_peer(sa, b->ip)) == NULL ||
	    (pb = tn_peer(sb, a->ip)) == NULL)
		goto out;
	if (strcmp(pstr(pa, "direction"), "outbound") == 0) {
		out = a, in = b, pout = pa, pin = pb;
		*a_opened = 1;
	} else {
		out = b, in = a, pout = pb, pin = pa;
		*a_opened = 0;
	}
	if (strcmp(pstr(pin, "direction"), "inbound") != 0 ||
	    strcmp(pstr(pout, "direction"), "outbound") != 0)
		goto out;
	eph = (int)tn_json_int(pin, "remote_port");
	if (tn_json_int(pout, "remote_port") != PORT ||
	    tn_json_int(pa, "listen_port") != PORT ||
	    tn_json_int(pb, "listen_port") != PORT)
		goto out;
	if (tn_tcp_established(out->ip, in->ip, ports, 4) != 1 ||
	    ports[0][0] != eph || ports[0][1] != PORT)
		goto out;
	if (tn_tcp_established(in->ip, out->ip, ports, 4) != 1 ||
	    ports[0][0] != PORT || ports[0][1] != eph)
		goto out;
	ret = eph;
out:
	json_decref(sa);
	json_decref(sb);
	return ret;
}

static int
wait_one_connection(struct tn_node *a, struct tn_node *b, double timeout,
    int *a_opened)
{
	double	end = tn_now() + timeout;
	int	port;

	while (tn_now() < end) {
		if ((port = one_connection(a, b, a_opened)) > 0)
			return port;
		tn_sleep(0.03);
	}
	return -1;
}

static void
test_crossed_dial(void)
{
	struct tn_node	 a, b;
	json_t		*st, *sta, *stb;
	int		 run, port, last = -1, crossed = 0, ok = 0, dup;
	int		 a_opened, by_a = 0, ao;
	double		 t0, t1, tmax = 0, tsum = 0;

	CU_ASSERT_FATAL(start(&a, "127.0.0.41", "peer = 127.0.0.42:24140\n",
	    NULL) == 0);
	CU_ASSERT_FATAL(start(&b, "127.0.0.42", "peer = 127.0.0.41:24140\n",
	    NULL) == 0);
	CU_ASSERT_FATAL((st = tn_wait_netd(&a, 0, 15)) != NULL);
	json_decref(st);
	CU_ASSERT_FATAL((st = tn_wait_netd(&b, 0, 15)) != NULL);
	json_decref(st);
	CU_ASSERT(wait_one_connection(&a, &b, 10, &a_opened) > 0);
	for (run = 0; run < RUNS; run++) {
		t0 = tn_now();
		/* both at once: each new netd dials the other at start */
		CU_ASSERT(tn_restart_netds(&a, &b, 10) == 0);
		t1 = tn_now();
		port = wait_one_connection(&a, &b, 10, &a_opened);
		if (tn_now() - t0 > 3)
			fprintf(stderr, "\n    run %d slow: netds up after "
			    "%.2f s, connection after %.2f s more", run,
			    t1 - t0, tn_now() - t1);
		CU_ASSERT(port > 0);
		if (port <= 0) {
			fprintf(stderr, "run %d: no single connection\n", run);
			break;
		}
		CU_ASSERT(port != last);	/* a new connection each run */
		last = port;
		t0 = tn_now() - t0;
		tsum += t0;
		if (t0 > tmax)
			tmax = t0;
		/* were there two connections to resolve this time? */
		sta = tn_status(&a);
		stb = tn_status(&b);
		dup = tn_twins_resolved(sta, stb);
		crossed += dup;
		by_a += a_opened;
		/*
		 * When both dials got through, the survivor is the one the
		 * lower IP (a) opened.  When only one did (the other side's
		 * listener was not up yet: its dial is refused, and its
		 * redial finds the IP connected), that one is the only one.
		 */
		if (dup)
			CU_ASSERT(a_opened);
		json_decref(sta);
		json_decref(stb);
		ok++;
	}
	CU_ASSERT_EQUAL(ok, RUNS);
	fprintf(stderr, "\n    crossed dial: %d/%d runs ended with one "
	    "connection, the same on both ends; %d of them resolved a "
	    "doubled connection; %d kept the one opened by the lower IP; "
	    "restart to settled: mean %.2f s, max %.2f s\n", ok, RUNS,
	    crossed, by_a, ok ? tsum / ok : 0, tmax);
	/* still the one after a while: nothing closes it on a timer */
	tn_sleep(1.5);
	CU_ASSERT(one_connection(&a, &b, &ao) == last && ao == a_opened);
	tn_node_cleanup(&a);
	tn_node_cleanup(&b);
}

/* st shows 3 pings sent and answered, and a round trip to ip: 1, else 0 */
static int
three_pongs(json_t *st, const char *ip)
{
	json_t	*p = tn_peer(st, ip);

	return tn_json_int(st, "counters.pings_sent") >= 3 &&
	    tn_json_int(st, "counters.pongs_received") >= 3 && p != NULL &&
	    json_number_value(json_object_get(p, "ping_rtt_ms")) > 0;
}

/*
 * b dials a; b's netd restarts and comes back from another ephemeral
 * port: a replaces the connection, never shows two peers.  Both ends ping
 * and answer: counters and round trips on both.
 */
static void
test_restart_replaces(void)
{
	static const char p2p[] = "[p2p]\nplaintext = yes\nping_interval = 0.3\n"
	    "ping_timeout = 3\nbackoff_min = 0.2\nbackoff_max = 2\n";
	static const char p2p_a[] = "[p2p]\nplaintext = yes\nping_interval = 0.3\n"
	    "ping_timeout = 3\nmax_outbound = 0\n";
	struct tn_node	 a, b;
	json_t		*sa, *sb, *p;
	pid_t		 pb;
	int		 port1, port2 = -1, maxpeers = 0, b_opened;
	double		 end;

	/* a does not dial (max_outbound 0): b's connections are the only */
	CU_ASSERT_FATAL(start(&a, "127.0.0.43", NULL, p2p_a) == 0);
	CU_ASSERT_FATAL(start(&b, "127.0.0.44", "peer = 127.0.0.43:24140\n",
	    p2p) == 0);
	CU_ASSERT_FATAL((sa = tn_wait_netd(&a, 0, 15)) != NULL);
	json_decref(sa);
	CU_ASSERT_FATAL((sb = tn_wait_netd(&b, 0, 15)) != NULL);
	pb = tn_component_pid(sb, "netd");
	json_decref(sb);
	port1 = wait_one_connection(&b, &a, 10, &b_opened);
	CU_ASSERT_FATAL(port1 > 0 && b_opened);

	/*
	 * ping/pong both ways: b pings on its outbound, a on its inbound.
	 * Three rounds at 0.3 s take about 1 s, far longer under ASan on a
	 * loaded machine: wait for them (bounded), then check each end.
	 */
	end = tn_now() + 10;
	for (sa = sb = NULL; tn_now() < end; tn_sleep(0.1)) {
		json_decref(sa);
		json_decref(sb);
		sa = tn_status(&a);
		sb = tn_status(&b);
		if (three_pongs(sa, b.ip) && three_pongs(sb, a.ip))
			break;
	}
	CU_ASSERT(tn_json_int(sa, "counters.pings_sent") >= 3);
	CU_ASSERT(tn_json_int(sa, "counters.pongs_received") >= 3);
	CU_ASSERT(tn_json_int(sb, "counters.pings_sent") >= 3);
	CU_ASSERT(tn_json_int(sb, "counters.pongs_received") >= 3);
	p = tn_peer(sa, b.ip);
	CU_ASSERT(p != NULL && strcmp(pstr(p, "direction"), "inbound") == 0 &&
	    json_number_value(json_object_get(p, "ping_rtt_ms")) > 0);
	p = tn_peer(sb, a.ip);
	CU_ASSERT(p != NULL && strcmp(pstr(p, "direction"), "outbound") == 0 &&
	    json_number_value(json_object_get(p, "ping_rtt_ms")) > 0);
	fprintf(stderr, "\n    ping: a %lld/%lld, b %lld/%lld "
	    "(sent/answered)\n", tn_json_int(sa, "counters.pings_sent"),
	    tn_json_int(sa, "counters.pongs_received"),
	    tn_json_int(sb, "counters.pings_sent"),
	    tn_json_int(sb, "counters.pongs_received"));
	json_decref(sa);
	json_decref(sb);

	json_decref(tn_command(b.sock, "restart netd"));
	end = tn_now() + 10;
	while (tn_now() < end) {
		if ((sa = tn_status(&a)) != NULL) {
			if (tn_npeers(sa) > maxpeers)
				maxpeers = tn_npeers(sa);
			p = tn_peer(sa, b.ip);
			if (p != NULL && tn_json_int(p, "remote_port") != port1)
				port2 = (int)tn_json_int(p, "remote_port");
			json_decref(sa);
		}
		if (port2 > 0)
			break;
		tn_sleep(0.02);
	}
	CU_ASSERT(port2 > 0 && port2 != port1);
	CU_ASSERT_EQUAL(maxpeers, 1);
	CU_ASSERT_EQUAL(wait_one_connection(&b, &a, 5, &b_opened), port2);
	CU_ASSERT(b_opened);
	sb = tn_wait_netd(&b, pb, 5);
	CU_ASSERT(sb != NULL);
	json_decref(sb);
	tn_node_cleanup(&a);
	tn_node_cleanup(&b);
}

static json_t *
wait_peer_port(struct tn_node *n, const char *ip, int port, struct fake *serve,
    double timeout)
{
	double	 end = tn_now() + timeout;
	json_t	*st, *p;

	while (tn_now() < end) {
		if ((st = tn_status(n)) != NULL) {
			p = tn_peer(st, ip);
			if (p != NULL && tn_json_int(p, "remote_port") == port)
				return st;
			json_decref(st);
		}
		if (serve)
			fake_serve(serve, 0.05);
		else
			tn_sleep(0.05);
	}
	return NULL;
}

/*
 * old answers pings (the probe among them) while the node decides on
 * new, a second connection from its IP: the reason of the goodbye new
 * gets within timeout, or -1.  The probe's ping comes whenever the node
 * gets to new's hello, so old is served until the answer, not for a
 * fixed time.
 */
static int
probe_answered(struct fake *old, struct fake *new, double timeout)
{
	static struct wire_msg	m;
	double			end = tn_now() + timeout;

	while (tn_now() < end) {
		fake_serve(old, 0.05);
		switch (fake_recv(new, &m, 0.05)) {
		case 1:
			if (m.type == WIRE_GOODBYE)
				return m.u.goodbye.reason;
			fake_answer_ping(new, &m);
			break;
		case -1:
			return -1;
		}
	}
	return -1;
}

static void
test_scripted_peer(void)
{
	static const char p2p[] = "[p2p]\nplaintext = yes\nping_interval = 2\n"
	    "ping_timeout = 30\nhandshake_timeout = 1\n";
	static struct wire_msg m;
	struct tn_node	 n;
	struct fake	 f1, f2, f3, f;
	json_t		*st;
	uint8_t		 other[IPC_HASH_LEN], hdr[WIRE_HDR_LEN];
	double		 t0;
	pid_t		 netd;
	int		 r;

	CU_ASSERT_FATAL(start(&n, "127.0.0.45", NULL, p2p) == 0);
	CU_ASSERT_FATAL((st = tn_wait_netd(&n, 0, 15)) != NULL);
	json_decref(st);

	/* a hello first, with our network and the node's listen port */
	CU_ASSERT_FATAL(fake_connect(&f1, "127.0.0.46", n.ip, PORT) == 0);
	CU_ASSERT_FATAL(fake_hello(&f1, 1001, genesis_hash) == 0);
	CU_ASSERT_FATAL(fake_recv(&f1, &m, 3) == 1);
	CU_ASSERT_EQUAL(m.type, WIRE_HELLO);
	CU_ASSERT_EQUAL(m.u.hello.version, WIRE_VERSION);
	CU_ASSERT_EQUAL(m.u.hello.listen_port, PORT);
	CU_ASSERT_EQUAL(memcmp(m.u.hello.genesis, genesis_hash, IPC_HASH_LEN),
	    0);
	/* the node answers our ping, and pings us */
	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	m.u.nonce = 77;
	CU_ASSERT(fake_send(&f1, &m, magic) == 0);
	CU_ASSERT(fake_wait_type(&f1, WIRE_PONG, 3, &m) == 1 &&
	    m.u.nonce == 77);
	st = wait_peer_port(&n, "127.0.0.46", f1.port, &f1, 5);
	CU_ASSERT_FATAL(st != NULL);
	json_decref(st);

	/* same IP, new nonce, old one alive: the new one is refused */
	CU_ASSERT_FATAL(fake_connect(&f2, "127.0.0.46", n.ip, PORT) == 0);
	CU_ASSERT(fake_hello(&f2, 1002, genesis_hash) == 0);
	CU_ASSERT(probe_answered(&f1, &f2, 8) == CLOSE_DUPLICATE);
	fake_close(&f2);
	st = wait_peer_port(&n, "127.0.0.46", f1.port, &f1, 2);
	CU_ASSERT(st != NULL && tn_npeers(st) == 1);
	json_decref(st);

	/* new nonce, old one silent: replaced after the probe */
	CU_ASSERT_FATAL(fake_connect(&f3, "127.0.0.46", n.ip, PORT) == 0);
	CU_ASSERT(fake_hello(&f3, 1003, genesis_hash) == 0);
	t0 = tn_now();
	st = wait_peer_port(&n, "127.0.0.46", f3.port, &f3, 8);
	CU_ASSERT(st != NULL);
	CU_ASSERT(tn_now() - t0 >= 2.5);	/* the probe's few seconds */
	fprintf(stderr, "\n    restarted peer: old connection replaced after "
	    "%.2f s of silence\n", tn_now() - t0);
	CU_ASSERT(st != NULL && tn_npeers(st) == 1 &&
	    tn_json_int(st, "counters.connections_closed.replaced") == 1);
	json_decref(st);
	CU_ASSERT(fake_goodbye_with(&f1, CLOSE_REPLACED, 2));
	fake_close(&f1);
	fake_close(&f3);

	/* our own nonce coming back: closed */
	CU_ASSERT_FATAL(fake_connect(&f, "127.0.0.47", n.ip, PORT) == 0);
	/* the node speaks after our first bytes (TLS or plaintext?) */
	CU_ASSERT(fake_hello(&f, f1.their_nonce, genesis_hash) == 0);
	/* its hello may be cut short by the close: then EOF at once */
	if ((r = fake_recv(&f, &m, 3)) == 1)
		CU_ASSERT(m.type == WIRE_HELLO && fake_recv(&f, &m, 3) == -1);
	CU_ASSERT(r != 0);
	fake_close(&f);

	/* another genesis: goodbye "wrong network", then banned */
	memset(other, 0x5a, sizeof(other));
	CU_ASSERT_FATAL(fake_connect(&f, "127.0.0.48", n.ip, PORT) == 0);
	CU_ASSERT(fake_hello(&f, 1004, other) == 0);
	CU_ASSERT(fake_goodbye_with(&f, CLOSE_WRONG_NETWORK, 3));
	fake_close(&f);
	if (fake_connect(&f, "127.0.0.48", n.ip, PORT) == 0) {
		CU_ASSERT(fake_recv(&f, &m, 3) == -1);	/* no hello */
		fake_close(&f);
	}

	/* another magic, and no hello of any network: proves nothing,
	 * "protocol" and a cool-off only (test_hostile_book: no ban) */
	CU_ASSERT_FATAL(fake_connect(&f, "127.0.0.49", n.ip, PORT) == 0);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	CU_ASSERT(fake_send(&f, &m, magic ^ 0x01000000) == 0);
	CU_ASSERT(fake_goodbye_with(&f, CLOSE_PROTOCOL, 3));
	fake_close(&f);

	/* an oversized frame: refused from its header */
	CU_ASSERT_FATAL(fake_connect(&f, "127.0.0.50", n.ip, PORT) == 0);
	CU_ASSERT(fake_hello(&f, 1005, genesis_hash) == 0);
	be32_store(hdr, magic);
	be16_store(hdr + 4, WIRE_BLOCKS);
	be32_store(hdr + 6, WIRE_MAX_PAYLOAD + 1);
	memset(hdr + 10, 0, 4);
	CU_ASSERT(send(f.fd, hdr, sizeof(hdr), MSG_NOSIGNAL) == sizeof(hdr));
	CU_ASSERT(fake_goodbye_with(&f, CLOSE_PROTOCOL, 3));
	fake_close(&f);

	/* no hello within handshake_timeout (1 s) */
	CU_ASSERT_FATAL(fake_connect(&f, "127.0.0.50", n.ip, PORT) == 0);
	t0 = tn_now();
	CU_ASSERT(fake_goodbye_with(&f, CLOSE_TIMEOUT, 4));
	CU_ASSERT(tn_now() - t0 >= 0.9);
	fake_close(&f);

	tn_sleep(0.5);
	st = tn_status(&n);
	CU_ASSERT(tn_json_int(st, "counters.connections_closed.self") == 1);
	CU_ASSERT(tn_json_int(st,
	    "counters.connections_closed.wrong_network") == 1);
	CU_ASSERT(tn_json_int(st, "counters.connections_closed.protocol")
	    == 2);
	CU_ASSERT(tn_json_int(st, "counters.connections_closed.timeout")
	    == 1);
	CU_ASSERT(tn_json_int(st, "counters.handshakes_failed") == 4);
	CU_ASSERT(tn_npeers(st) == 0);

	/* the wrong-network ban is in the address book: a new netd keeps it */
	netd = tn_component_pid(st, "netd");
	json_decref(st);
	CU_ASSERT_FATAL(netd > 0 && kill(netd, SIGKILL) == 0);
	st = tn_wait_netd(&n, netd, 10);
	CU_ASSERT_FATAL(st != NULL);
	json_decref(st);
	tn_sleep(1.0);			/* it has read the address book */
	if (fake_connect(&f, "127.0.0.48", n.ip, PORT) == 0) {
		CU_ASSERT(fake_recv(&f, &m, 3) == -1);	/* no hello */
		fake_close(&f);
	}
	/* while an address never banned is greeted */
	CU_ASSERT_FATAL(fake_connect(&f, "127.0.0.51", n.ip, PORT) == 0);
	CU_ASSERT(fake_hello(&f, 1006, genesis_hash) == 0);
	CU_ASSERT(fake_recv(&f, &m, 3) == 1 && m.type == WIRE_HELLO);
	fake_close(&f);
	tn_node_cleanup(&n);
}

/*
 * Denial of service by a scripted peer: ADDRS only as the answer to the
 * node's own GET_ADDRS (once), an unsolicited BLOCKS only as a one-block
 * announcement, one handshaking connection per IP.
 */
static void
test_scripted_dos(void)
{
	static const char p2p[] = "[p2p]\nplaintext = yes\nping_interval = 2\n"
	    "ping_timeout = 30\nhandshake_timeout = 5\nmax_outbound = 0\n";
	static struct wire_msg m;
	static uint8_t junk[2][200];
	struct tn_node	 n;
	struct fake	 f, f2;
	json_t		*st;

	CU_ASSERT_FATAL(start(&n, "127.0.0.54", NULL, p2p) == 0);
	CU_ASSERT_FATAL((st = tn_wait_netd(&n, 0, 15)) != NULL);
	json_decref(st);

	/* the node asks for addresses once: one answer is taken ... */
	CU_ASSERT_FATAL(fake_handshake(&f, "127.0.0.46", n.ip, PORT, 2001) ==
	    0);
	CU_ASSERT(fake_wait_type(&f, WIRE_GET_ADDRS, 3, &m) == 1);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_ADDRS;
	m.u.addrs.count = 1;
	(void)netaddr_parse("127.0.0.99", &m.u.addrs.v[0].ip);
	m.u.addrs.v[0].port = PORT;
	CU_ASSERT(fake_send(&f, &m, magic) == 0);
	CU_ASSERT(fake_alive(&f));
	/* ... a second, unasked one is a protocol violation */
	CU_ASSERT(fake_send(&f, &m, magic) == 0);
	CU_ASSERT(fake_goodbye_with(&f, CLOSE_PROTOCOL, 3));
	fake_close(&f);

	/* an unsolicited BLOCKS of several blocks: protocol */
	CU_ASSERT_FATAL(fake_handshake(&f, "127.0.0.47", n.ip, PORT, 2002) ==
	    0);
	CU_ASSERT(fake_alive(&f));
	memset(&m, 0, sizeof(m));
	m.type = WIRE_BLOCKS;
	m.u.blocks.reqid = 0;
	m.u.blocks.count = 2;
	m.u.blocks.v[0].p = junk[0];
	m.u.blocks.v[0].len = sizeof(junk[0]);
	m.u.blocks.v[1].p = junk[1];
	m.u.blocks.v[1].len = sizeof(junk[1]);
	CU_ASSERT(fake_send(&f, &m, magic) == 0);
	CU_ASSERT(fake_goodbye_with(&f, CLOSE_PROTOCOL, 3));
	fake_close(&f);

	/* a second handshake from one IP while the first is pending */
	CU_ASSERT_FATAL(fake_connect(&f, "127.0.0.48", n.ip, PORT) == 0);
	tn_sleep(0.2);			/* accepted, waiting for our bytes */
	CU_ASSERT_FATAL(fake_connect(&f2, "127.0.0.48", n.ip, PORT) == 0);
	CU_ASSERT(fake_recv(&f2, &m, 3) == -1);	/* closed, no hello */
	fake_close(&f2);
	/* the first one completes its handshake all the same */
	CU_ASSERT(fake_hello(&f, 2003, genesis_hash) == 0);
	CU_ASSERT(fake_alive(&f));
	st = wait_peer_port(&n, "127.0.0.48", f.port, &f, 3);
	CU_ASSERT(st != NULL);
	json_decref(st);
	/* registered: another handshake from that IP is let in (section 6) */
	CU_ASSERT_FATAL(fake_connect(&f2, "127.0.0.48", n.ip, PORT) == 0);
	CU_ASSERT(fake_hello(&f2, 2004, genesis_hash) == 0);
	CU_ASSERT(fake_recv(&f2, &m, 3) == 1 && m.type == WIRE_HELLO);
	fake_close(&f2);
	fake_close(&f);

	tn_sleep(0.5);
	st = tn_status(&n);
	CU_ASSERT(tn_json_int(st, "counters.connections_closed.protocol")
	    == 2);
	CU_ASSERT(tn_json_int(st, "counters.connections_closed.limit") == 1);
	json_decref(st);
	tn_node_cleanup(&n);
}

/*
 * A scripted peer pipelines eight requests whose answers are ~3.7 MB each,
 * more than the node's output queue for one peer holds, and reads them
 * slowly (one every 1.5 s, a small receive buffer), answering pings: the
 * node answers each of them in full, reading the later requests as the
 * answers go out.  It never drops the peer: not for a full output queue,
 * and not for a ping timeout (3 s) while it does not read the peer's
 * pongs, since the peer visibly reads.
 */
static void
test_pipelined_requests(void)
{
	static const char conf[] = "[sync]\nproducer_key = devnet\n[p2p]\nplaintext = yes\n"
	    "ping_interval = 1\nping_timeout = 3\nmax_outbound = 0\n";
	static struct wire_msg m;
	enum { NREQ = 8, COUNT = 14 };
	struct tn_node	 n;
	struct fake	 f;
	json_t		*st;
	char		*ans;
	uint32_t	 got[NREQ + 1] = { 0 };
	double		 end;
	int		 i, answered = 0, r, rcvbuf = 65536;

	CU_ASSERT_FATAL(start(&n, "127.0.0.57", NULL, conf) == 0);
	/* every worker serving ("running"), syncd too: produce is taken */
	CU_ASSERT_FATAL((st = tn_wait_running(&n, 30)) != NULL);
	json_decref(st);
	ans = tn_exchange(n.sock, "produce 64 262144\n", 18, 60);
	if (ans == NULL || strstr(ans, "\"ok\":true") == NULL)
		printf("\n  produce: %s ", ans ? ans : "no answer");
	CU_ASSERT_FATAL(ans != NULL && strstr(ans, "\"ok\":true") != NULL);
	free(ans);
	CU_ASSERT_FATAL(fake_handshake(&f, "127.0.0.58", n.ip, PORT, 3001) ==
	    0);
	CU_ASSERT(setsockopt(f.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof(rcvbuf)) == 0);
	CU_ASSERT(fake_wait_type(&f, WIRE_GET_ADDRS, 3, &m) == 1);
	for (i = 1; i <= NREQ; i++) {
		memset(&m, 0, sizeof(m));
		m.type = WIRE_GET_RANGE;
		m.u.range.reqid = (uint32_t)i;
		m.u.range.from = 1 + (uint64_t)(i * 5 % 50);
		m.u.range.count = COUNT;
		CU_ASSERT(fake_send(&f, &m, magic) == 0);
	}
	end = tn_now() + 60;
	while (answered < NREQ && tn_now() < end) {
		if ((r = fake_wait_type(&f, WIRE_BLOCKS, end - tn_now(), &m))
		    != 1)
			break;
		if (m.u.blocks.reqid >= 1 && m.u.blocks.reqid <= NREQ &&
		    got[m.u.blocks.reqid]++ == 0) {
			answered++;
			CU_ASSERT_EQUAL(m.u.blocks.count, COUNT);
		}
		tn_sleep(1.5);	/* a slow reader (pings answered as read) */
	}
	CU_ASSERT_EQUAL(answered, NREQ);
	for (i = 1; i <= NREQ; i++)
		CU_ASSERT_EQUAL(got[i], 1);
	CU_ASSERT(fake_alive(&f));
	st = tn_status(&n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(tn_json_int(st, "counters.connections_closed.limit"),
	    0);
	CU_ASSERT_EQUAL(tn_json_int(st,
	    "counters.connections_closed.timeout"), 0);
	CU_ASSERT_PTR_NOT_NULL(tn_peer(st, "127.0.0.58"));
	json_decref(st);
	fake_close(&f);
	tn_node_cleanup(&n);
}

/*
 * Ask n's node for count headers from height from through f; check that
 * they link to each other (and block from-1's hash, prev, if not NULL):
 * the number received, or -1.  The last one's hash into last.
 */
static int
ask_headers(struct fake *f, uint32_t reqid, uint64_t from, uint32_t count,
    const uint8_t *prev, uint8_t last[BLOCK_HASH_LEN])
{
	static struct wire_msg	m;
	static uint8_t		hb[WIRE_MAX_HEADERS * BLOCK_HEADER_LEN];
	struct block_header	h, ph;
	uint8_t			hash[BLOCK_HASH_LEN], ph_hash[BLOCK_HASH_LEN];
	uint32_t		i, n;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_GET_HEADERS;
	m.u.get_headers.reqid = reqid;
	m.u.get_headers.from = from;
	m.u.get_headers.count = count;
	if (fake_send(f, &m, magic) != 0 ||
	    fake_wait_type(f, WIRE_HEADERS, 10, &m) != 1 ||
	    m.u.headers.reqid != reqid || m.u.headers.count > count)
		return -1;
	n = m.u.headers.count;
	memcpy(hb, m.u.headers.h, (size_t)n * BLOCK_HEADER_LEN);
	for (i = 0; i < n; i++) {
		if (block_header_decode(hb + (size_t)i * BLOCK_HEADER_LEN, &h,
		    hash) != BLOCK_OK || h.height != from + i)
			return -1;
		if (i > 0 && block_header_follows(&h, &ph, ph_hash) !=
		    BLOCK_OK)
			return -1;
		if (i == 0 && prev != NULL &&
		    memcmp(h.prev, prev, BLOCK_HASH_LEN) != 0)
			return -1;
		ph = h;
		memcpy(ph_hash, hash, BLOCK_HASH_LEN);
	}
	if (n > 0)
		memcpy(last, ph_hash, BLOCK_HASH_LEN);
	return (int)n;
}

/*
 * GET_HEADERS (docs/protocol.md section 3): a version-3 scripted peer
 * gets the node's chain's headers: from genesis (whose hash is the
 * network's), linked, the last one the node's tip; a range in the middle
 * that links to what came before; none above the tip.  A version-2 peer
 * that asks knows no HEADERS: closed as a protocol violation.
 */
static void
test_serves_headers(void)
{
	static const char conf[] = "[sync]\nproducer_key = devnet\n[p2p]\n"
	    "plaintext = yes\nmax_outbound = 0\n";
	static struct wire_msg m;
	struct tn_node	 n;
	struct fake	 f, f2;
	json_t		*st;
	char		*ans;
	const char	*tip;
	uint8_t		 last[BLOCK_HASH_LEN], mid[BLOCK_HASH_LEN];
	char		 hex[2 * BLOCK_HASH_LEN + 1];
	int		 i;

	CU_ASSERT_FATAL(start(&n, "127.0.0.57", NULL, conf) == 0);
	/* every worker serving ("running"), syncd too: produce is taken */
	CU_ASSERT_FATAL((st = tn_wait_running(&n, 30)) != NULL);
	json_decref(st);
	ans = tn_exchange(n.sock, "produce 2100\n", 13, 60);
	i = ans != NULL && strstr(ans, "\"ok\":true") != NULL;
	if (!i)
		printf("\n  produce: %s ", ans ? ans : "no answer");
	free(ans);
	CU_ASSERT_FATAL(i);
	CU_ASSERT_FATAL(fake_handshake(&f, "127.0.0.58", n.ip, PORT, 3101) ==
	    0);
	/* genesis ... 1999: the first header is the genesis block's */
	CU_ASSERT_EQUAL(ask_headers(&f, 1, 0, WIRE_MAX_HEADERS, NULL, last),
	    WIRE_MAX_HEADERS);
	memset(mid, 0, sizeof(mid));
	CU_ASSERT_EQUAL(ask_headers(&f, 2, 0, 1, NULL, mid), 1);
	CU_ASSERT_EQUAL(memcmp(mid, genesis_hash, BLOCK_HASH_LEN), 0);
	/* 2000 ... 2100: links to 1999, ends at the tip */
	CU_ASSERT_EQUAL(ask_headers(&f, 3, WIRE_MAX_HEADERS, WIRE_MAX_HEADERS,
	    last, last), 101);
	st = tn_status(&n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	tip = json_string_value(json_object_get(json_object_get(st, "node"),
	    "tip"));
	for (i = 0; i < BLOCK_HASH_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", last[i]);
	CU_ASSERT(tip != NULL && strcmp(tip, hex) == 0);
	json_decref(st);
	/* a range in the middle, at most the count asked */
	CU_ASSERT_EQUAL(ask_headers(&f, 4, 1500, 7, NULL, mid), 7);
	CU_ASSERT_EQUAL(ask_headers(&f, 5, 2101, 5, NULL, mid), 0);
	CU_ASSERT_EQUAL(ask_headers(&f, 6, WIRE_MAX_HEIGHT, 1, NULL, mid), 0);
	CU_ASSERT(fake_alive(&f));
	fake_close(&f);

	/* a version-2 peer does not know GET_HEADERS */
	CU_ASSERT_FATAL(fake_connect(&f2, "127.0.0.58", n.ip, PORT) == 0);
	CU_ASSERT_FATAL(fake_hello_version(&f2, WIRE_VERSION_TLS, 3102,
	    NULL) == 0);
	CU_ASSERT(fake_wait_type(&f2, WIRE_HELLO, 5, &m) == 1);
	CU_ASSERT(fake_wait_type(&f2, WIRE_GET_ADDRS, 3, &m) == 1);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_GET_HEADERS;
	m.u.get_headers.reqid = 1;
	m.u.get_headers.count = 1;
	CU_ASSERT(fake_send(&f2, &m, magic) == 0);
	CU_ASSERT(fake_goodbye_with(&f2, CLOSE_PROTOCOL, 5));
	fake_close(&f2);
	tn_node_cleanup(&n);
}

/*
 * Two machines behind one IP (a scripted peer and a node, both on
 * 127.0.0.60): the node the first one is connected to keeps that
 * connection (its probe is answered) and refuses the second machine's as
 * a duplicate.  The refused node must back off, not redial every tick.
 */
static void
test_same_ip_backoff(void)
{
	static const char p2p_y[] = "[p2p]\nplaintext = yes\nping_interval = 1\n"
	    "ping_timeout = 30\nmax_outbound = 0\n";
	static const char p2p_x[] = "[p2p]\nplaintext = yes\nping_interval = 1\n"
	    "ping_timeout = 30\nbackoff_min = 0.2\nbackoff_max = 2\n";
	struct tn_node	 x, y;
	struct fake	 f;
	json_t		*st, *p;
	long long	 refused;

	CU_ASSERT_FATAL(start(&y, "127.0.0.59", NULL, p2p_y) == 0);
	CU_ASSERT_FATAL((st = tn_wait_netd(&y, 0, 15)) != NULL);
	json_decref(st);
	CU_ASSERT_FATAL(fake_handshake(&f, "127.0.0.60", y.ip, PORT, 4001) ==
	    0);
	CU_ASSERT_FATAL(start(&x, "127.0.0.60", "peer = 127.0.0.59:24140\n",
	    p2p_x) == 0);
	CU_ASSERT_FATAL((st = tn_wait_netd(&x, 0, 15)) != NULL);
	json_decref(st);
	fake_serve(&f, 6);		/* answers y's probes meanwhile */
	st = tn_status(&y);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	refused = tn_json_int(st, "counters.connections_closed.duplicate");
	fprintf(stderr, "\n    refused %lld times in 6 s ", refused);
	/* backoff 0.2 s doubling to 2 s: 6 or 7; every tick: dozens */
	CU_ASSERT(refused >= 1 && refused <= 10);
	p = tn_peer(st, "127.0.0.60");
	CU_ASSERT(p != NULL && tn_json_int(p, "remote_port") == f.port);
	json_decref(st);
	CU_ASSERT(fake_alive(&f));
	fake_close(&f);
	tn_node_cleanup(&x);
	tn_node_cleanup(&y);
}

/*
 * The count nodes' counters of connections opened and closed once they
 * stand still across two polls 1 s apart, in opened[] and closed[],
 * within timeout: 1, else 0 (the last values read).  The second
 * dial of a crossed pair can finish or be resolved well after both ends
 * show their peers (much later under ASan), and would count as a
 * reconnect against a baseline taken a fixed time after.
 */
static int
steady_counters(struct tn_node *n, int count, long long *opened,
    long long *closed, double timeout)
{
	double		end = tn_now() + timeout;
	long long	o, c;
	int		i, same = 0;

	for (i = 0; i < count; i++)
		opened[i] = closed[i] = -1;
	while (!same && tn_now() < end) {
		tn_sleep(1);
		for (same = 1, i = 0; i < count; i++) {
			o = tn_status_int(&n[i], "counters.connections_opened");
			c = tn_node_closed_total(&n[i]);
			if (o < 0 || c < 0 || o != opened[i] || c != closed[i])
				same = 0;
			opened[i] = o;
			closed[i] = c;
		}
	}
	return same;
}

/*
 * Three nodes, each dialling the two others: after the doubled
 * connections are resolved, three connections that stay up for 60 pings
 * each way with no reconnect, no missed pong, a pong for every ping.
 */
static void
test_three_nodes_60_pings(void)
{
	static const char *const ips[3] = { "127.0.0.51", "127.0.0.52",
	    "127.0.0.53" };
	struct tn_node	 n[3];
	json_t		*st[3], *p;
	char		 peers[256];
	long long	 sent0[3], closed0[3], opened0[3], sent, pongs, closed;
	double		 end, t0;
	int		 i, settled = 0, missed = 0, bad = 0;
	size_t		 k;

	for (i = 0; i < 3; i++) {
		snprintf(peers, sizeof(peers), "peer = %s:24140\n"
		    "peer = %s:24140\n", ips[(i + 1) % 3], ips[(i + 2) % 3]);
		CU_ASSERT_FATAL(start(&n[i], ips[i], peers, NULL) == 0);
	}
	for (i = 0; i < 3; i++) {
		CU_ASSERT_FATAL((st[i] = tn_wait_netd(&n[i], 0, 15)) != NULL);
		json_decref(st[i]);
	}
	end = tn_now() + 10;
	while (!settled && tn_now() < end) {
		settled = 1;
		for (i = 0; i < 3; i++) {
			st[i] = tn_status(&n[i]);
			if (tn_npeers(st[i]) != 2)
				settled = 0;
			json_decref(st[i]);
		}
		tn_sleep(0.1);
	}
	CU_ASSERT_FATAL(settled);
	CU_ASSERT(steady_counters(n, 3, opened0, closed0, 15));
	for (i = 0; i < 3; i++)
		sent0[i] = tn_status_int(&n[i], "counters.pings_sent");
	/* 60 pings on each connection from each end: 120 per node */
	t0 = tn_now();
	end = t0 + 90;
	for (;;) {
		int done = 1;

		for (i = 0; i < 3; i++) {
			st[i] = tn_status(&n[i]);
			if (tn_npeers(st[i]) != 2)
				bad++;
			json_array_foreach(json_object_get(st[i], "peers"), k,
			    p)
				if (tn_json_int(p, "missed_pongs") != 0)
					missed++;
			if (tn_json_int(st[i], "counters.pings_sent") -
			    sent0[i] < 120)
				done = 0;
			json_decref(st[i]);
		}
		if (done || tn_now() > end)
			break;
		tn_sleep(0.5);
	}
	CU_ASSERT(tn_now() <= end);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(missed, 0);
	for (i = 0; i < 3; i++) {
		st[i] = tn_status(&n[i]);
		sent = tn_json_int(st[i], "counters.pings_sent");
		pongs = tn_json_int(st[i], "counters.pongs_received");
		closed = tn_closed_total(st[i]);
		/* no reconnect: nothing opened or closed since settling */
		CU_ASSERT_EQUAL(closed, closed0[i]);
		CU_ASSERT_EQUAL(tn_json_int(st[i],
		    "counters.connections_opened"), opened0[i]);
		/* a pong for every ping (one per connection may be in
		 * flight at the moment of the snapshot) */
		CU_ASSERT(pongs >= sent - 2 && pongs <= sent);
		json_array_foreach(json_object_get(st[i], "peers"), k, p) {
			CU_ASSERT(tn_json_int(p, "connected_s") >= 60);
			CU_ASSERT(json_number_value(json_object_get(p,
			    "ping_rtt_ms")) > 0);
			fprintf(stderr, "%s    %s -> %s %s: rtt %.3f ms, up %lld "
			    "s\n", k == 0 && i == 0 ? "\n" : "", ips[i],
			    pstr(p, "ip"), pstr(p, "direction"),
			    json_number_value(json_object_get(p,
			    "ping_rtt_ms")), tn_json_int(p, "connected_s"));
		}
		fprintf(stderr, "    %s: %lld pings sent, %lld pongs, %lld "
		    "connections closed in all\n", ips[i], sent, pongs, closed);
		json_decref(st[i]);
	}
	fprintf(stderr, "    60 pings per connection end took %.1f s\n",
	    tn_now() - t0);
	for (i = 0; i < 3; i++)
		tn_node_cleanup(&n[i]);
}

/* a's log lines of a failed dial to b, and of a redial planned after a drop */
#define ATTEMPT	"127.0.0.56 outbound: connect to port"
#define NEXT	"127.0.0.56 outbound: next attempt in"

/*
 * a dials b; b's netd is killed (SIGKILL): a sees the connection drop and
 * redials the restarted netd after a backoff, not at once and not in a
 * loop.
 */
static void
test_kill_netd_reconnect(void)
{
	static const char p2p[] = "[p2p]\nplaintext = yes\nping_interval = 1\n"
	    "ping_timeout = 3\nbackoff_min = 0.3\nbackoff_max = 3\n";
	struct tn_node	 a, b;
	json_t		*st;
	pid_t		 pb;
	int		 port1, port2, attempts, nexts, attempts0, nexts0;
	int		 a_opened;
	double		 t0, took;

	/*
	 * b first: a's dials before b listens would be logged too, and
	 * spend the log's per-peer burst (lograte.h) that the lines after
	 * the kill need.
	 */
	CU_ASSERT_FATAL(start(&b, "127.0.0.56", NULL, p2p) == 0);
	CU_ASSERT_FATAL(start(&a, "127.0.0.55", "peer = 127.0.0.56:24140\n",
	    p2p) == 0);
	CU_ASSERT_FATAL((st = tn_wait_netd(&a, 0, 15)) != NULL);
	json_decref(st);
	CU_ASSERT_FATAL((st = tn_wait_netd(&b, 0, 15)) != NULL);
	pb = tn_component_pid(st, "netd");
	json_decref(st);
	port1 = wait_one_connection(&a, &b, 10, &a_opened);
	CU_ASSERT_FATAL(port1 > 0 && a_opened);
	/* only the lines after the kill count */
	attempts0 = tn_log_count(a.log, ATTEMPT);
	nexts0 = tn_log_count(a.log, NEXT);
	t0 = tn_now();
	CU_ASSERT_FATAL(kill(pb, SIGKILL) == 0);
	port2 = -1;
	while (tn_now() - t0 < 15) {
		if ((port2 = one_connection(&a, &b, &a_opened)) > 0 &&
		    port2 != port1)
			break;
		tn_sleep(0.02);
	}
	took = tn_now() - t0;
	CU_ASSERT(port2 > 0 && port2 != port1);
	st = tn_wait_netd(&b, pb, 5);
	CU_ASSERT(st != NULL);
	json_decref(st);
	tn_sleep(0.3);		/* the log lines are written */
	attempts = tn_log_count(a.log, ATTEMPT) - attempts0;
	nexts = tn_log_count(a.log, NEXT) - nexts0;
	fprintf(stderr, "\n    killed netd: reconnected after %.2f s, %d "
	    "failed attempts in between (%d before the kill)\n", took,
	    attempts, attempts0);
	/* the drop scheduled a redial with a delay, and no tight loop */
	CU_ASSERT(nexts >= 1);
	CU_ASSERT(attempts <= 6);
	CU_ASSERT(took >= 0.3);
	st = tn_status(&a);
	CU_ASSERT(tn_json_int(st, "counters.connections_closed.error") +
	    tn_json_int(st, "counters.connections_closed.timeout") >= 1);
	json_decref(st);
	tn_node_cleanup(&a);
	tn_node_cleanup(&b);
}

/*
 * A scripted peer on f that answers each of the node's PINGs delay
 * seconds after reading it (never when delay < 0) and, every 0.2 s, sends
 * a PONG nobody asked for (traffic: the node's ping_timeout is not what
 * ends it), for secs or until the connection ends.  Returns the
 * connection's end: -1 still open, else the GOODBYE's reason (or 255 for
 * an EOF without one).
 */
static int
pong_late(struct fake *f, double delay, double secs)
{
	static struct wire_msg	m;
	uint64_t		due_nonce[64];
	double			due[64], end, unasked = 0;
	int			n = 0, i, r;

	for (end = tn_now() + secs; tn_now() < end; ) {
		r = fake_recv(f, &m, 0.02);
		if (r == -1)
			return 255;
		if (r == 1 && m.type == WIRE_GOODBYE)
			return m.u.goodbye.reason;
		if (r == 1 && m.type == WIRE_PING && delay >= 0 && n < 64) {
			due_nonce[n] = m.u.nonce;
			due[n++] = tn_now() + delay;
		}
		for (i = 0; i < n; ) {
			if (due[i] > tn_now()) {
				i++;
				continue;
			}
			memset(&m, 0, sizeof(m));
			m.type = WIRE_PONG;
			m.u.nonce = due_nonce[i];
			(void)fake_send(f, &m, magic);
			due_nonce[i] = due_nonce[--n];
			due[i] = due[n];
		}
		if (tn_now() >= unasked) {
			memset(&m, 0, sizeof(m));
			m.type = WIRE_PONG;
			m.u.nonce = 77;
			(void)fake_send(f, &m, magic);
			unasked = tn_now() + 0.2;
		}
	}
	return -1;
}

/*
 * docs/protocol.md section 5: one ping outstanding, its pong taken however
 * late.  A peer that answers every ping 0.8 s late (ping_interval 0.5 s,
 * max_missed_pings 3) stays, and its round trip shows; the old rule sent a
 * new ping (new nonce) each interval, ignored every late pong and closed
 * it for "3 pings unanswered" after 1.5 s.  A peer that answers none is
 * still closed (timeout) after about 3 intervals, its unasked pongs
 * notwithstanding.
 */
static void
test_late_pongs(void)
{
	static const char p2p[] = "[p2p]\nplaintext = yes\n"
	    "ping_interval = 0.5\nping_timeout = 30\nmax_missed_pings = 3\n"
	    "max_outbound = 0\n";
	struct tn_node	 n;
	struct fake	 f;
	json_t		*st, *p;
	double		 t0;
	int		 end;

	CU_ASSERT_FATAL(start(&n, "127.0.0.65", NULL, p2p) == 0);
	CU_ASSERT_FATAL((st = tn_wait_running(&n, 30)) != NULL);
	json_decref(st);

	CU_ASSERT_FATAL(fake_handshake(&f, "127.0.0.66", n.ip, PORT, 6501)
	    == 0);
	end = pong_late(&f, 0.8, 6);
	CU_ASSERT_EQUAL(end, -1);
	st = tn_status(&n);
	p = st ? tn_peer(st, "127.0.0.66") : NULL;
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p != NULL) {
		printf("\n  pongs 0.8 s late: %lld of %lld pings answered, "
		    "round trip %.0f ms, connection %s ",
		    tn_json_int(p, "pongs_received"),
		    tn_json_int(p, "pings_sent"),
		    json_number_value(json_object_get(p, "ping_rtt_ms")),
		    end == -1 ? "kept" : "closed");
		CU_ASSERT(tn_json_int(p, "pongs_received") >= 3);
		CU_ASSERT(json_number_value(json_object_get(p,
		    "ping_rtt_ms")) >= 700);
	}
	CU_ASSERT_EQUAL(tn_json_int(st,
	    "counters.connections_closed.timeout"), 0);
	json_decref(st);
	fake_close(&f);

	CU_ASSERT_FATAL(fake_handshake(&f, "127.0.0.67", n.ip, PORT, 6502)
	    == 0);
	t0 = tn_now();
	end = pong_late(&f, -1, 10);
	printf("\n  pongs never: closed (reason %d) after %.1f s ", end,
	    tn_now() - t0);
	CU_ASSERT_EQUAL(end, CLOSE_TIMEOUT);
	CU_ASSERT(tn_now() - t0 >= 1.4);
	fake_close(&f);
	tn_node_cleanup(&n);
}

/* an argument runs only the tests whose name contains it */
int
main(int argc, char **argv)
{
	static const struct tn_case tests[] = {
		{ "crossed dial: one connection, same on both ends, 50 runs",
		    test_crossed_dial },
		{ "restarted peer replaces its connection; ping both ways",
		    test_restart_replaces },
		{ "scripted peer: probe, self, wrong network, limits",
		    test_scripted_peer },
		{ "scripted peer: unasked addrs and blocks, one handshake "
		    "per IP", test_scripted_dos },
		{ "scripted peer: pipelined large requests wait, not "
		    "dropped", test_pipelined_requests },
		{ "scripted peer: headers served; not to a version-2 peer",
		    test_serves_headers },
		{ "scripted peer: a second machine behind one IP backs off",
		    test_same_ip_backoff },
		{ "three nodes, 60 pings, no reconnect",
		    test_three_nodes_60_pings },
		{ "killed netd: peer reconnects with backoff",
		    test_kill_netd_reconnect },
		{ "scripted peer: pongs later than the ping interval",
		    test_late_pongs },
	};
	struct tn_suite	 ts = { .name = "netd", .cases = tests,
	    .ncases = TN_NCASES(tests), .only = argc > 1 ? argv[1] : NULL };

	if (fake_setup_devnet(genesis_hash, &magic) == -1)
		return 1;
	return tn_cunit_run(&ts);
}
