/* SPDX-License-Identifier: ISC */
/*
 * test_netd_close.c - how a netd connection ends (netd/conn.c, "How a
 * connection ends" in docs/architecture.md), on netd's own connection
 * code: conn.c and dialer.c run in this process on socket pairs, and
 * what netd.c would send to syncd and stored is recorded instead
 * (the stubs below).  The reap event only counts; each case runs the
 * reap pass itself, so "before the reap pass" is exact.
 *
 *  - closed twice before the reap pass (a protocol error, then the
 *    peer's EOF): the first reason only, one PEER_DOWN;
 *  - the peer's goodbye (another network), then a timer's close: the
 *    first reason only, one PEER_DOWN, one ban mark for stored;
 *  - shutdown with a close whose effects are still to apply: applied
 *    once, not skipped, not counted as "shutdown";
 *  - a newer duplicate takes over, and a probe's challenger replaces a
 *    connection that closed: syncd hears PEER_DOWN before the PEER_UP of
 *    the same IP, and the registry holds the survivor.
 */
#include <sys/socket.h>

#include <CUnit/Basic.h>
#include <event2/event.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit.h"
#include "netd.h"

#define MAXSENT		64
#define MAXTURNS	200

/* one message netd.c would have sent */
struct sent {
	uint16_t	type;
	struct netaddr	ip;
	uint8_t		outcome;	/* address marks */
};

static struct worker	 w;
static struct netd	 nd;
static struct sent	 sent[MAXSENT];
static int		 nsent;

static void
record(uint16_t type, struct netaddr ip, uint8_t outcome)
{
	if (nsent < MAXSENT) {
		sent[nsent].type = type;
		sent[nsent].ip = ip;
		sent[nsent++].outcome = outcome;
	}
}

/* netd.c's side, recorded (netd.h) */
void
netd_compose(struct ipc_chan *ch, uint16_t type, uint32_t reqid,
    const void *msg, size_t size)
{
	(void)ch;
	(void)reqid;
	if (size == sizeof(struct ipc_peer))
		record(type, ((const struct ipc_peer *)msg)->ip, 0);
	else
		record(type, NETADDR_NONE, 0);
}

void
netd_net_blocks(struct netd *n, struct netaddr ip, uint32_t reqid,
    const struct blob *v, uint32_t count)
{
	(void)n;
	(void)reqid;
	(void)v;
	(void)count;
	record(IPC_NET_BLOCKS, ip, 0);
}

void
netd_addr_upsert(struct netd *n, struct netaddr ip, uint16_t port,
    uint8_t source)
{
	(void)n;
	(void)port;
	(void)source;
	record(IPC_STORE_ADDR_UPSERT, ip, 0);
}

void
netd_addr_mark(struct netd *n, struct netaddr ip, uint16_t port,
    uint8_t outcome, double ban_s)
{
	(void)n;
	(void)port;
	(void)ban_s;
	record(IPC_STORE_ADDR_MARK, ip, outcome);
}

void
netd_serve_range(struct netd *n, struct conn *c, uint32_t reqid,
    uint64_t from, uint32_t count)
{
	(void)n;
	(void)c;
	(void)reqid;
	(void)from;
	(void)count;
}

void
netd_serve_headers(struct netd *n, struct conn *c, uint32_t reqid,
    uint64_t from, uint32_t count)
{
	netd_serve_range(n, c, reqid, from, count);
}

void
netd_serve_locator(struct netd *n, struct conn *c,
    const struct wire_get_locator *l)
{
	(void)n;
	(void)c;
	(void)l;
}

void
netd_peer_key_record(struct netd *n, struct netaddr ip,
    const uint8_t key[NODE_KEY_LEN])
{
	(void)n;
	(void)ip;
	(void)key;
}

/* messages of this type (and outcome, unless 0) about ip */
static int
count(uint16_t type, struct netaddr ip, uint8_t outcome)
{
	int i, n = 0;

	for (i = 0; i < nsent; i++)
		n += sent[i].type == type && netaddr_eq(&sent[i].ip, &ip) &&
		    (outcome == 0 || sent[i].outcome == outcome);
	return n;
}

/* the reap event: the cases run the reap pass themselves */
static void
reap_noted(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
}

static void
setup(void)
{
	memset(&w, 0, sizeof(w));
	memset(&nd, 0, sizeof(nd));
	config_defaults(&w.cfg);
	w.cfg.plaintext = CONFIG_PLAINTEXT_ALWAYS;	/* no TLS here */
	w.base = worker_event_base();
	nd.w = &w;
	nd.cfg = &w.cfg;
	randombytes_buf(nd.genesis_hash, sizeof(nd.genesis_hash));
	nd.magic = wire_magic(nd.genesis_hash);
	nd.nonce = 1;
	TAILQ_INIT(&nd.conns);
	TAILQ_INIT(&nd.closed);
	TAILQ_INIT(&nd.addrs);
	lograte_init(&nd.logs);
	reg_init(&nd.reg);
	nd.reap = event_new(w.base, -1, 0, reap_noted, NULL);
	nsent = 0;
}

static void
teardown(void)
{
	nd.stopping = 1;
	conn_shutdown_all(&nd);
	dialer_free(&nd);
	reg_free(&nd.reg);
	event_free(nd.reap);
	event_base_free(w.base);
}

/* one turn of netd's loop, after a short wait for the socket pairs */
static void
turn(void)
{
	(void)poll(NULL, 0, 5);
	event_base_loop(w.base, EVLOOP_NONBLOCK);
}

static void
peer_send(int fd, const struct wire_msg *m, int bad_check)
{
	struct wbuf	b;

	wbuf_init(&b, WIRE_MAX_FRAME);
	CU_ASSERT_FATAL(wire_encode(&b, nd.magic, m) == 0);
	if (bad_check)
		b.data[b.len - 1] ^= 0xff;
	CU_ASSERT_FATAL(write(fd, b.data, b.len) == (ssize_t)b.len);
	wbuf_free(&b);
}

/*
 * A peer at ip (port: its source port) with node nonce, connected
 * inbound and past its hello; *fd is its end of the socket pair.
 */
static struct conn *
peer_open(const char *ip, uint16_t port, uint64_t nonce, int *fd)
{
	struct wire_msg	 m;
	struct netaddr	 a;
	struct conn	*c;
	int		 sv[2], i;

	CU_ASSERT_FATAL(netaddr_parse(ip, &a) == 0);
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv) == 0);
	CU_ASSERT_FATAL((c = conn_new(&nd, sv[0], DIR_INBOUND, &a, port,
	    NULL)) != NULL);
	conn_start(c);
	*fd = sv[1];
	memset(&m, 0, sizeof(m));
	m.type = WIRE_HELLO;
	m.u.hello.version = WIRE_VERSION;
	m.u.hello.magic = nd.magic;
	memcpy(m.u.hello.genesis, nd.genesis_hash, IPC_HASH_LEN);
	m.u.hello.nonce = nonce;
	m.u.hello.listen_port = 24190;
	snprintf(m.u.hello.agent, sizeof(m.u.hello.agent), "test");
	peer_send(*fd, &m, 0);
	for (i = 0; i < MAXTURNS && c->state == CONN_HANDSHAKE; i++)
		turn();
	CU_ASSERT_FATAL(c->state != CONN_HANDSHAKE);
	return c;
}

static void
turn_until_dead(struct conn *c)
{
	int i;

	for (i = 0; i < MAXTURNS && c->state != CONN_DEAD; i++)
		turn();
	CU_ASSERT_FATAL(c->state == CONN_DEAD);
}

/* A protocol error, then the peer's EOF, before the reap pass. */
static void
test_error_then_eof(void)
{
	struct wire_msg	 m;
	struct conn	*c;
	struct netaddr	 ip;
	int		 fd;

	c = peer_open("127.0.0.81", 40000, 7, &fd);
	ip = c->ip;
	CU_ASSERT_EQUAL(c->state, CONN_ACTIVE);
	CU_ASSERT_EQUAL(count(IPC_NET_PEER_UP, ip, 0), 1);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	m.u.nonce = 1;
	peer_send(fd, &m, 1);		/* a bad checksum */
	shutdown(fd, SHUT_WR);		/* and EOF behind it */
	turn_until_dead(c);		/* goodbye out, EOF read */
	CU_ASSERT_EQUAL(c->end.reason, CLOSE_PROTOCOL);
	conn_reap(&nd);
	CU_ASSERT(TAILQ_EMPTY(&nd.conns));
	CU_ASSERT_EQUAL(count(IPC_NET_PEER_DOWN, ip, 0), 1);
	CU_ASSERT_EQUAL(nd.c.connections_closed[CLOSE_PROTOCOL], 1);
	CU_ASSERT_EQUAL(nd.c.connections_closed[CLOSE_ERROR], 0);
	conn_reap(&nd);			/* a second pass changes nothing */
	CU_ASSERT_EQUAL(count(IPC_NET_PEER_DOWN, ip, 0), 1);
	close(fd);
}

/* The peer's goodbye ("wrong network"), then a timer's close. */
static void
test_goodbye_then_timer(void)
{
	struct wire_msg	 m;
	struct conn	*c;
	struct netaddr	 ip;
	int		 fd;

	c = peer_open("127.0.0.82", 40000, 7, &fd);
	ip = c->ip;
	memset(&m, 0, sizeof(m));
	m.type = WIRE_GOODBYE;
	m.u.goodbye.reason = CLOSE_WRONG_NETWORK;
	snprintf(m.u.goodbye.text, sizeof(m.u.goodbye.text), "not ours");
	peer_send(fd, &m, 0);
	turn_until_dead(c);
	/* as conn_tick would, in the same turn: changes nothing */
	conn_close(c, CLOSE_TIMEOUT, 1, "ping timeout");
	CU_ASSERT_EQUAL(c->end.reason, CLOSE_GOODBYE);
	/* nothing of the close before the reap pass */
	CU_ASSERT_EQUAL(count(IPC_NET_PEER_DOWN, ip, 0), 0);
	CU_ASSERT_EQUAL(count(IPC_STORE_ADDR_MARK, ip, 0), 0);
	conn_reap(&nd);
	CU_ASSERT_EQUAL(count(IPC_NET_PEER_DOWN, ip, 0), 1);
	CU_ASSERT_EQUAL(count(IPC_STORE_ADDR_MARK, ip, 0), 1);
	CU_ASSERT_EQUAL(count(IPC_STORE_ADDR_MARK, ip, ADDR_BAN), 1);
	CU_ASSERT(is_banned(&nd, ip, mono_now()));
	CU_ASSERT_EQUAL(nd.c.connections_closed[CLOSE_GOODBYE], 1);
	CU_ASSERT_EQUAL(nd.c.connections_closed[CLOSE_TIMEOUT], 0);
	close(fd);
}

/* Shutdown while a close's effects are still to apply. */
static void
test_shutdown_pending(void)
{
	struct conn	*a, *b;
	struct netaddr	 ipa, ipb;
	int		 fda, fdb;

	a = peer_open("127.0.0.83", 40000, 7, &fda);
	b = peer_open("127.0.0.84", 40000, 8, &fdb);
	ipa = a->ip;
	ipb = b->ip;
	conn_close(a, CLOSE_PROTOCOL, 1, "a protocol error");
	nd.stopping = 1;
	conn_shutdown_all(&nd);
	CU_ASSERT(TAILQ_EMPTY(&nd.conns));
	CU_ASSERT_EQUAL(count(IPC_NET_PEER_DOWN, ipa, 0), 1);
	CU_ASSERT_EQUAL(count(IPC_NET_PEER_DOWN, ipb, 0), 0);
	CU_ASSERT_EQUAL(nd.c.connections_closed[CLOSE_PROTOCOL], 1);
	CU_ASSERT_EQUAL(nd.c.connections_closed[CLOSE_SHUTDOWN], 1);
	close(fda);
	close(fdb);
}

/* the sync events about ip, in order: 'U' up, 'D' down */
static void
sync_events(struct netaddr ip, char *out, size_t len)
{
	size_t	n = 0;
	int	i;

	for (i = 0; i < nsent && n + 1 < len; i++)
		if (netaddr_eq(&sent[i].ip, &ip) &&
		    (sent[i].type == IPC_NET_PEER_UP ||
		    sent[i].type == IPC_NET_PEER_DOWN))
			out[n++] = sent[i].type == IPC_NET_PEER_UP ? 'U' : 'D';
	out[n] = '\0';
}

/* Takeovers: PEER_DOWN of the old before PEER_UP of the new. */
static void
test_takeover_order(void)
{
	struct conn	*a, *b, *c;
	struct netaddr	 ip;
	char		 ev[16];
	int		 fda, fdb, fdc;

	a = peer_open("127.0.0.85", 40001, 7, &fda);
	ip = a->ip;
	/* the same node, the same direction, a lower port: it wins */
	b = peer_open("127.0.0.85", 40000, 7, &fdb);
	CU_ASSERT_EQUAL(b->state, CONN_ACTIVE);
	CU_ASSERT_EQUAL(a->end.reason, CLOSE_DUPLICATE);
	CU_ASSERT_PTR_EQUAL(conn_by_ip(&nd, &ip), b);
	sync_events(ip, ev, sizeof(ev));
	CU_ASSERT_STRING_EQUAL(ev, "UDU");
	/* another nonce: the registered one is probed; it closes */
	c = peer_open("127.0.0.85", 40002, 9, &fdc);
	CU_ASSERT_EQUAL(c->state, CONN_PENDING);
	CU_ASSERT_PTR_EQUAL(b->challenger, c);
	shutdown(fdb, SHUT_WR);
	turn_until_dead(b);
	CU_ASSERT_EQUAL(c->state, CONN_PENDING);	/* until the reap */
	conn_reap(&nd);
	CU_ASSERT_EQUAL(c->state, CONN_ACTIVE);
	CU_ASSERT_PTR_EQUAL(conn_by_ip(&nd, &ip), c);
	sync_events(ip, ev, sizeof(ev));
	CU_ASSERT_STRING_EQUAL(ev, "UDUDU");
	CU_ASSERT_EQUAL(nd.reg.n, 1);
	close(fda);
	close(fdb);
	close(fdc);
}

int
main(int argc, char **argv)
{
	static const struct tn_case cases[] = {
		{ "error then EOF", test_error_then_eof },
		{ "goodbye then timer", test_goodbye_then_timer },
		{ "shutdown with a close pending", test_shutdown_pending },
		{ "takeover order", test_takeover_order },
	};
	struct tn_suite ts = {
		.name = "netd close",
		.cases = cases,
		.ncases = TN_NCASES(cases),
		.only = argc > 1 ? argv[1] : NULL,
		.setup = setup,
		.teardown = teardown,
	};

	if (sodium_init() < 0)
		return 1;
	return tn_cunit_run(&ts);
}
