/* SPDX-License-Identifier: ISC */
/*
 * conn.c - the one connection type of netd and its message loop.
 *
 * Inbound and outbound connections are the same struct conn with a
 * direction field, run by the same code: both send a hello first, both
 * ping every ping_interval and answer pings, both are judged dead by the
 * same three rules (ping_timeout without any message or drain of our
 * output, ping_timeout without a drain while output is queued, a ping
 * unanswered for max_missed_pings intervals once the output ahead of it
 * could have drained) and by nothing else: a healthy connection is never
 * closed on a timer.  The only differences are in dialer.c (how the
 * socket was made, whether we redial after an error).
 *
 * Input is read through bufferevents whose read high-watermark is one
 * maximal frame, so a peer cannot make us buffer more; the header is
 * judged before the rest of a frame is waited for.  Output is bounded by
 * back-pressure: no frame of a peer is read while its small output is over
 * NETD_OUTQ_SHARE or all peers' output is over NETD_OUTQ_BUDGET, and no
 * block request without room for its answer (conn_read_room,
 * conn_serve_room); so a peer that does not read stalls only itself.
 * Output past NETD_OUTQ_MAX (a hard cap) drops the peer, and the budget
 * sheds the peer that holds most of it (conn_budget_tick).
 *
 * A close is recorded at once and applied later (conn_close, close_apply:
 * "How a connection ends" below): a closed connection stays in the list
 * until the reap event has applied its effects and no callback or walk
 * that closed it is still running.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "netd.h"

static void	conn_readcb(struct bufferevent *, void *);
static void	conn_writecb(struct bufferevent *, void *);
static void	conn_eventcb(struct bufferevent *, short, void *);
static void	conn_ready(struct conn *);
static void	bev_setup(struct conn *);

const char *
ip_str(struct netaddr ip, char *buf, size_t len)
{
	return netaddr_str(&ip, buf, len);
}

static void
conn_name(struct conn *c)
{
	char ip[NETADDR_STRLEN];

	snprintf(c->name, sizeof(c->name), "%s %s", ip_str(c->ip, ip,
	    sizeof(ip)), c->dir == DIR_INBOUND ? "inbound" : "outbound");
}

int
conn_alive(const struct conn *c)
{
	return c->state < CONN_CLOSING;
}

struct conn *
conn_by_serial(struct netd *nd, uint64_t serial)
{
	struct conn *c;

	TAILQ_FOREACH(c, &nd->conns, entry)
		if (c->serial == serial)
			return conn_alive(c) ? c : NULL;
	return NULL;
}

struct conn *
conn_new(struct netd *nd, int fd, enum net_direction dir,
    const struct netaddr *ip, uint16_t port, struct addr *a)
{
	struct conn	*c;
	int		 one = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("conn_new");
		close(fd);
		return NULL;
	}
	/*
	 * No Nagle: a request (GET_HEADERS, 30 bytes) must not wait for the
	 * ACK of what went before, which the peer's delayed ACK holds back
	 * up to 40 ms (RFC 1122 4.2.3.2); every frame is written whole
	 * anyway.  As Bitcoin Core does on every peer socket.
	 */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->bev = bufferevent_socket_new(nd->w->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		log_warnx("bufferevent_socket_new failed");
		close(fd);
		free(c);
		return NULL;
	}
	c->nd = nd;
	c->serial = ++nd->next_serial;
	c->dir = dir;
	c->state = dir == DIR_OUTBOUND ? CONN_CONNECTING : CONN_HANDSHAKE;
	c->ip = *ip;
	c->remote_port = port;
	c->addr = a;
	c->created = c->last_recv = c->drained_at = mono_now();
	c->next_reqid = 1;
	conn_name(c);
	bev_setup(c);
	TAILQ_INSERT_TAIL(&nd->conns, c, entry);
	return c;
}

const uint8_t *
conn_pinned_key(const struct netd *nd, struct netaddr ip)
{
	size_t i;

	for (i = 0; i < nd->cfg->npeers; i++)
		if (nd->cfg->peer_pinned[i] &&
		    netaddr_eq(&nd->cfg->peers[i].ip, &ip))
			return nd->cfg->peer_key[i];
	return NULL;
}

/*
 * A plaintext connection where TLS was due: refused, counted, logged
 * rate-limited per IP (docs/protocol.md section 12).
 */
static void
downgrade_refuse(struct conn *c, const char *why)
{
	c->nd->c.downgrades_refused++;
	conn_close(c, CLOSE_PROTOCOL, 1, "plaintext refused: %s", why);
}

/*
 * Whether an inbound plaintext connection (sniff_cb) may go on: with
 * [p2p] plaintext = yes or always, not from a pinned peer, not from an
 * address that did TLS with us this run.  Else it is closed; 0.
 */
static int
plaintext_inbound_ok(struct conn *c)
{
	struct netd	*nd = c->nd;
	struct addr	*a;

	if (!nd->cfg->plaintext) {
		conn_close(c, CLOSE_PROTOCOL, 1, "plaintext refused: this "
		    "node speaks TLS ([p2p] plaintext = yes accepts it)");
		return 0;
	}
	if (conn_pinned_key(nd, c->ip) != NULL) {
		conn_close(c, CLOSE_PROTOCOL, 1, "plaintext refused: this "
		    "peer's key is pinned");
		return 0;
	}
	if ((a = dialer_addr_find(nd, &c->ip)) != NULL && a->tls_seen) {
		downgrade_refuse(c, "this address spoke TLS with us before");
		return 0;
	}
	return 1;
}

/*
 * BIO callback on an outbound TLS connection's socket: keep the first
 * NETD_FIRST_MAX bytes OpenSSL reads, for tls_failed.  OpenSSL 3
 * BIO_set_callback_ex(3).
 */
static long
first_read_cb(BIO *b, int oper, const char *argp, size_t len, int argi,
    long argl, int ret, size_t *processed)
{
	struct conn	*c = (struct conn *)BIO_get_callback_arg(b);
	size_t		 n;

	(void)len;
	(void)argi;
	(void)argl;
	if (oper != (BIO_CB_READ | BIO_CB_RETURN) || ret <= 0 ||
	    processed == NULL || c == NULL || c->nfirst >= NETD_FIRST_MAX)
		return ret;
	n = *processed;
	if (n > NETD_FIRST_MAX - c->nfirst)
		n = NETD_FIRST_MAX - c->nfirst;
	memcpy(c->first + c->nfirst, argp, n);
	c->nfirst += n;
	return ret;
}

/*
 * The answer to our TLS dial was not TLS: the version of the plaintext
 * hello it began with (the bytes OpenSSL read, then those still in the
 * socket, peeked), or 0 when it is no whole hello of our network.
 */
static unsigned
plaintext_answer_version(struct conn *c)
{
	struct wire_msg	m;
	size_t		used;
	ssize_t		n;
	int		fd = bufferevent_getfd(c->bev);

	if (fd != -1 && c->nfirst < NETD_FIRST_MAX &&
	    (n = recv(fd, c->first + c->nfirst, NETD_FIRST_MAX - c->nfirst,
	    MSG_PEEK | MSG_DONTWAIT)) > 0)
		c->nfirst += (size_t)n;
	if (wire_frame_parse(c->first, c->nfirst, c->nd->magic, &m,
	    &used) != WIRE_OK || m.type != WIRE_HELLO)
		return 0;
	return m.u.hello.version;
}

/*
 * From now on c speaks TLS (docs/protocol.md section 12): its socket's
 * bufferevent is replaced by an OpenSSL one on the same descriptor, which
 * starts the handshake as client (outbound) or server (inbound).  Nothing
 * has been read from the socket yet (sniff_cb only peeks).  0, or -1.
 */
static int
conn_use_tls(struct conn *c, enum bufferevent_ssl_state st)
{
	struct netd		*nd = c->nd;
	const uint8_t		*pin = conn_pinned_key(nd, c->ip);
	struct bufferevent	*bev;
	SSL			*ssl;
	int			 fd = bufferevent_getfd(c->bev);

	memset(&c->tlsp, 0, sizeof(c->tlsp));
	if (pin != NULL) {
		c->tlsp.pinned = 1;
		memcpy(c->tlsp.want, pin, NODE_KEY_LEN);
	}
	if ((ssl = tls_new(nd->tls_ctx, &c->tlsp)) == NULL)
		return -1;
	/* on failure OpenSSL's SSL is lost: only when out of memory */
	bev = bufferevent_openssl_socket_new(nd->w->base, fd, ssl, st,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return -1;
	/* the goodbye frame ends a connection, not close_notify */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	if (st == BUFFEREVENT_SSL_CONNECTING) {	/* tls_failed reads it */
		c->nfirst = 0;
		BIO_set_callback_arg(SSL_get_rbio(ssl), (char *)c);
		BIO_set_callback_ex(SSL_get_rbio(ssl), first_read_cb);
	}
	bufferevent_setfd(c->bev, -1);		/* keep the descriptor */
	bufferevent_free(c->bev);
	c->bev = bev;
	c->tls = 1;
	bev_setup(c);
	return 0;
}

/*
 * The first bytes of an inbound connection, peeked (never read): a TLS
 * handshake record (TLS_RECORD_BYTE) or a plaintext frame.  Decided
 * without a timer (issue 14): one byte, unless our magic's first byte is
 * TLS_RECORD_BYTE (1 network in 256), then four (our magic: plaintext).
 * Fewer bytes than that: looked at again at the next tick, under the
 * handshake deadline.  docs/protocol.md section 12.
 */
static void
sniff_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct conn	*c = arg;
	struct netd	*nd = c->nd;
	uint8_t		 b[4];
	size_t		 need = (nd->magic >> 24) == TLS_RECORD_BYTE ? 4 : 1;
	ssize_t		 n;
	int		 tls;

	(void)ev;
	n = recv(fd, b, need, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c, CLOSE_ERROR, 0, "%s", n == 0 ? "connection "
		    "closed by the peer" : strerror(errno));
		return;
	}
	if ((size_t)n < need) {
		event_del(c->sniff);
		c->sniff_later = 1;
		return;
	}
	event_free(c->sniff);
	c->sniff = NULL;
	tls = b[0] == TLS_RECORD_BYTE &&
	    (need == 1 || be32_load(b) != nd->magic);
	if (tls) {
		if (conn_use_tls(c, BUFFEREVENT_SSL_ACCEPTING) == -1)
			conn_close(c, CLOSE_ERROR, 0, "TLS: out of memory");
		else
			conn_ready(c);
		return;
	}
	if (plaintext_inbound_ok(c))
		conn_ready(c);
}

/* c's callbacks, and its watermarks as for a new connection */
static void
bev_setup(struct conn *c)
{
	bufferevent_setcb(c->bev, conn_readcb, conn_writecb, conn_eventcb, c);
	/* small frames only until a header says more (conn_readcb) */
	bufferevent_setwatermark(c->bev, EV_READ, 0, NETD_INBUF_SMALL);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
}

static void
hello_fill(struct netd *nd, const struct netaddr *local, struct wire_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = WIRE_HELLO;
	m->u.hello.version = WIRE_VERSION;
	m->u.hello.magic = nd->magic;
	memcpy(m->u.hello.genesis, nd->genesis_hash, IPC_HASH_LEN);
	m->u.hello.nonce = nd->nonce;
	m->u.hello.listen_port = netd_listen_port(nd, local);
	m->u.hello.height = nd->height;
	memcpy(m->u.hello.tip, nd->tip, IPC_HASH_LEN);
	snprintf(m->u.hello.agent, sizeof(m->u.hello.agent), "%s",
	    NETD_AGENT);
}

/*
 * Whether an outbound speaks plaintext: never to a pinned peer; with
 * [p2p] plaintext = always, or = yes to an address whose answer to TLS
 * was a version-1 plaintext hello less than NETD_PLAINTEXT_MARK_S ago
 * (tls_failed); then TLS is tried first again.
 */
static int
plaintext_dial(const struct conn *c)
{
	const struct config *cfg = c->nd->cfg;

	if (!cfg->plaintext || conn_pinned_key(c->nd, c->ip) != NULL)
		return 0;
	return cfg->plaintext == CONFIG_PLAINTEXT_ALWAYS ||
	    (c->addr != NULL && mono_now() < c->addr->plaintext_until);
}

/*
 * TCP is up (accepted, or connected): learn the ports; then the transport.
 * Inbound: the first bytes tell TLS from plaintext (sniff_cb).  Outbound:
 * TLS, or plaintext (plaintext_dial).
 */
void
conn_start(struct conn *c)
{
	struct netd		*nd = c->nd;
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	int			 fd = bufferevent_getfd(c->bev);

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		(void)netaddr_from_sockaddr((struct sockaddr *)&ss, len,
		    &c->local_ip, &c->local_port);
	c->state = CONN_HANDSHAKE;
	c->opened = 1;
	c->created = c->last_recv = mono_now();
	nd->c.connections_opened++;
	netd_log(nd, c->ip, NLOG_CONNECT, LOGRATE_DEBUG, "%s: TCP up (local "
	    "port %u, remote port %u)", c->name, c->local_port,
	    c->remote_port);
	if (c->dir == DIR_INBOUND) {
		c->sniff = event_new(nd->w->base, fd, EV_READ | EV_PERSIST,
		    sniff_cb, c);
		if (c->sniff == NULL || event_add(c->sniff, NULL) == -1)
			conn_close(c, CLOSE_ERROR, 0, "out of memory");
		return;
	}
	if (!plaintext_dial(c) &&
	    conn_use_tls(c, BUFFEREVENT_SSL_CONNECTING) == -1) {
		conn_close(c, CLOSE_ERROR, 0, "TLS: out of memory");
		return;
	}
	conn_ready(c);
}

/*
 * The transport is chosen: say hello (over TLS it waits in the output
 * until the handshake is done) and read.
 */
static void
conn_ready(struct conn *c)
{
	struct wire_msg *m;

	if ((m = malloc(sizeof(*m))) == NULL) {
		conn_close(c, CLOSE_ERROR, 0, "out of memory");
		return;
	}
	hello_fill(c->nd, &c->local_ip, m);
	conn_send(c, m);
	free(m);
	if (conn_alive(c))
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void
frame_free(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)(uintptr_t)data);
}

/*
 * Queue the encoded frame w; a large one (an answer of blocks) is handed
 * to the output buffer as it is, not copied: one copy less of up to 4 MiB
 * per answer (w is emptied then).  -1: not queued.
 */
static int
queue_frame(struct evbuffer *out, struct wbuf *w)
{
	if (w->len < NETD_INBUF_SMALL)
		return evbuffer_add(out, w->data, w->len);
	if (evbuffer_add_reference(out, w->data, w->len, frame_free, NULL)
	    == -1)
		return -1;
	w->data = NULL;		/* evbuffer frees it once written */
	return 0;
}

/* Queue one frame; no checks of state or queue length.  -1: not sent. */
static int
conn_write(struct conn *c, const struct wire_msg *m)
{
	struct wbuf	w;
	size_t		len;
	int		ret = -1;

	wbuf_init(&w, WIRE_MAX_FRAME);
	if (wire_encode(&w, c->nd->magic, m) == -1)
		log_warnx("%s: cannot encode %s", c->name,
		    wire_type_names[m->type]);
	else if ((len = w.len, queue_frame(bufferevent_get_output(c->bev),
	    &w)) == 0) {
		if (len < NETD_INBUF_SMALL)
			c->small_out += len;
		c->bytes_out += len;
		c->nd->c.bytes_out += len;
		ret = 0;
	}
	wbuf_free(&w);
	return ret;
}

void
conn_send(struct conn *c, const struct wire_msg *m)
{
	if (!conn_alive(c) || c->state == CONN_CONNECTING)
		return;
	if (conn_write(c, m) == -1)
		return;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
	    NETD_OUTQ_MAX)
		conn_close(c, CLOSE_LIMIT, 0, "output queue over %u bytes "
		    "(the peer does not read)", (unsigned)NETD_OUTQ_MAX);
}

void
conn_broadcast(struct netd *nd, const struct wire_msg *m)
{
	struct conn *c;

	TAILQ_FOREACH(c, &nd->conns, entry)
		if (c->state == CONN_ACTIVE)
			conn_send(c, m);
}

static void
send_simple(struct conn *c, uint16_t type, uint64_t nonce)
{
	struct wire_msg m;

	memset(&m, 0, offsetof(struct wire_msg, u) + sizeof(m.u.nonce));
	m.type = type;
	m.u.nonce = nonce;
	conn_send(c, &m);
}

static void
send_ping(struct conn *c, double now)
{
	c->ping_nonce = randombytes_random() | (uint64_t)randombytes_random()
	    << 32;
	c->ping_sent = now;
	c->ping_out = 1;
	c->ping_paused = 0;
	c->ping_extended = 0;
	c->ping_ahead = c->outq_last;	/* as of the last tick */
	c->nd->c.pings_sent++;
	c->pings_sent++;
	send_simple(c, WIRE_PING, c->ping_nonce);
}

/* Tell syncd about a registered peer (up, down, new tip). */
void
conn_peer_event(struct conn *c, uint16_t type)
{
	struct ipc_peer	p;

	memset(&p, 0, sizeof(p));
	p.ip = c->ip;
	p.listen_port = c->listen_port;
	p.direction = (uint8_t)c->dir;
	p.height = c->height;
	memcpy(p.tip, c->tip, IPC_HASH_LEN);
	netd_sync_compose(c->nd, type, 0, &p);
}

/* a peer's HEADERS (or none) to syncd, as IPC_NET_HEADERS */
static void
net_headers(struct netd *nd, struct netaddr ip, uint32_t sync_reqid,
    const uint8_t *h, uint32_t count)
{
	struct ipc_net_headers nh;

	memset(&nh, 0, sizeof(nh));
	nh.ip = ip;
	nh.reqid = sync_reqid;
	nh.headers.code = IPC_OK;
	nh.headers.count = h != NULL ? count : 0;
	nh.headers.h = h;
	netd_sync_compose(nd, IPC_NET_HEADERS, sync_reqid, &nh);
}

/* a request of syncd's ends without an answer: it gets an empty one */
static void
req_fail(struct conn *c, const struct peer_req *r)
{
	if (r->headers)
		net_headers(c->nd, c->ip, r->sync_reqid, NULL, 0);
	else
		netd_net_blocks(c->nd, c->ip, r->sync_reqid, NULL, 0);
}

/* syncd's requests on this connection end: each gets an empty answer */
static void
conn_fail_reqs(struct conn *c)
{
	int i;

	for (i = 0; i < c->nreqs; i++)
		req_fail(c, &c->reqs[i]);
	c->nreqs = 0;
}

struct peer_req *
conn_req_new(struct conn *c, uint32_t sync_reqid)
{
	struct peer_req *pr;

	if (c->nreqs >= NETD_MAX_PEER_REQS)
		return NULL;
	pr = &c->reqs[c->nreqs++];
	memset(pr, 0, sizeof(*pr));
	pr->wire_reqid = c->next_reqid++;
	if (c->next_reqid == 0)
		c->next_reqid = 1;
	pr->sync_reqid = sync_reqid;
	pr->deadline = mono_now() + NETD_PEER_REQ_S;
	return pr;
}

void
conn_ask_headers(struct netd *nd, const struct ipc_get_headers *g)
{
	struct conn	*c = conn_by_ip(nd, &g->ip);
	struct peer_req	*pr;
	struct wire_msg	 m;

	if (c == NULL || c->state != CONN_ACTIVE ||
	    c->version < WIRE_VERSION_HEADERS ||
	    (pr = conn_req_new(c, g->reqid)) == NULL) {
		net_headers(nd, g->ip, g->reqid, NULL, 0);
		return;
	}
	pr->headers = 1;
	memset(&m, 0, sizeof(m));
	m.type = WIRE_GET_HEADERS;
	m.u.get_headers.reqid = pr->wire_reqid;
	m.u.get_headers.from = g->from;
	m.u.get_headers.count = g->count <= WIRE_MAX_HEADERS ? g->count :
	    WIRE_MAX_HEADERS;
	conn_send(c, &m);
}

/*
 * How a connection ends.  conn_close only records why (struct conn_end:
 * the first reason only) and stops the connection's own traffic: it
 * queues the goodbye and lingers until it is out, or stops at once.
 * Everything a close means to the rest of netd is applied later, once,
 * by close_apply, in the order the closes happened (nd->closed), from the
 * reap pass: so a close from inside a callback, from inside another
 * close's effects or during shutdown changes nothing half-way, and no
 * effect is applied twice or skipped.  The order, and why:
 *
 *  1. the log line and the counters: the line saying why comes before
 *     the lines of what follows from it (backoff, a successor);
 *  2. the registry and the probe: the IP is free, a probe waiting on
 *     this connection ends (the dialer's duplicate rule reads it);
 *  3. syncd: its requests on the connection are answered empty, then
 *     PEER_DOWN, before any PEER_UP of the same IP (step 5);
 *  4. the dialer: backoff, "self", the dual-stack twin, a ban for another
 *     network (with stored's address mark); a connection that never
 *     opened goes here alone (dialer_connect_failed: its failure mark);
 *  5. a challenger waiting on this registered connection replaces it.
 *
 * The connection is freed by the reap pass once its effects are applied
 * and nothing of it is in flight (CONN_DEAD).  Nothing registers a
 * connection while closes are queued (register_conn settles them first),
 * so each close's effects see the registry as it was when it closed.
 * docs/architecture.md "How a connection ends".
 */
static void
conn_free(struct conn *c)
{
	if (c->sniff)
		event_free(c->sniff);
	if (c->bev)
		bufferevent_free(c->bev);
	free(c);
}

/* Nothing more in or out: freed by the reap pass. */
static void
conn_bury(struct conn *c)
{
	if (c->state == CONN_DEAD)
		return;
	c->state = CONN_DEAD;
	if (c->sniff)
		event_del(c->sniff);
	if (c->bev)
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	event_active(c->nd->reap, EV_TIMEOUT, 0);
}

/*
 * Queue a goodbye saying why and linger until it is out; input is read
 * and discarded meanwhile, so the goodbye is not lost to a reset, and
 * conn_writecb half-closes once it is out (conn_tick: NETD_LINGER_S).
 */
static void
say_goodbye(struct conn *c)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_GOODBYE;
	m.u.goodbye.reason = (uint8_t)c->end.reason;
	memcpy(m.u.goodbye.text, c->end.why, strnlen(c->end.why,
	    WIRE_REASON_MAX));	/* the rest is zero (memset) */
	c->state = CONN_CLOSING;
	c->closing_since = mono_now();
	(void)conn_write(c, &m);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_writecb(c->bev, c);
}

/*
 * End c for reason, with a goodbye to the peer if goodbye (once it is
 * opened, and over TLS once its handshake is done); fmt says why (log
 * line, goodbye text).  Only the first close of a connection counts.
 */
void
conn_close(struct conn *c, enum net_close_reason reason, int goodbye,
    const char *fmt, ...)
{
	struct netd	*nd = c->nd;
	va_list		 ap;

	if (!conn_alive(c))
		return;			/* the first reason stands */
	va_start(ap, fmt);
	vsnprintf(c->end.why, sizeof(c->end.why), fmt, ap);
	va_end(ap);
	c->end.reason = reason;
	c->end.was = c->state;
	c->end.queued = 1;
	TAILQ_INSERT_TAIL(&nd->closed, c, close_entry);
	c->read_paused = 0;
	if (goodbye && c->opened && (!c->tls || c->tls_up))
		say_goodbye(c);
	else
		conn_bury(c);
	event_active(nd->reap, EV_TIMEOUT, 0);
}

static void
activate(struct conn *c)
{
	struct netd	*nd = c->nd;
	double		 now = mono_now();
	char		 key[NODE_KEY_STR_LEN];

	if (reg_put(&nd->reg, &c->ip, c) == -1) {
		conn_close(c, CLOSE_ERROR, 1, "out of memory");
		return;
	}
	c->state = CONN_ACTIVE;
	c->since = now;
	ipc_hist_observe(&nd->handshake_hist, now - c->created);
	c->next_ping = now;		/* a first round trip at once */
	netd_log(nd, c->ip, NLOG_CONNECT, LOGRATE_INFO, "%s: connected "
	    "(remote port %u, listen port %u, height %llu, %s, %s%s)",
	    c->name, c->remote_port, c->listen_port,
	    (unsigned long long)c->height, c->agent, c->tls ? "TLS, key " :
	    "plaintext", c->tls ? node_key_str(c->tlsp.key, key,
	    sizeof(key)) : "");
	if (c->dir == DIR_OUTBOUND)
		dialer_succeeded(c);
	else if (c->listen_port != 0)
		addr_learn(nd, c->ip, c->listen_port, ADDR_INBOUND, NULL,
		    NULL);
	if (c->listen_port != 0)
		netd_addr_upsert(nd, c->ip, c->listen_port, c->dir ==
		    DIR_OUTBOUND && c->addr ? c->addr->source : ADDR_INBOUND);
	conn_peer_event(c, IPC_NET_PEER_UP);
	/* the one ADDRS we accept from this peer is the answer to this */
	c->addrs_asked = 1;
	send_simple(c, WIRE_GET_ADDRS, 0);
}

/* The registered connection has closed: its challenger takes over. */
static void
promote(struct conn *old)
{
	struct conn *ch = old->challenger;

	old->challenger = NULL;
	if (ch == NULL || ch->state != CONN_PENDING)
		return;
	netd_log(ch->nd, ch->ip, NLOG_PROBE, LOGRATE_INFO, "%s: replaces the "
	    "old connection (remote port %u)", ch->name, old->remote_port);
	activate(ch);
}

/* Step 1: the line saying why, and the counters. */
static void
close_count(struct conn *c)
{
	struct netd		*nd = c->nd;
	enum net_close_reason	 r = c->end.reason;

	netd_log(nd, c->ip, NLOG_CLOSE, r == CLOSE_DUPLICATE ||
	    r == CLOSE_SHUTDOWN ? LOGRATE_DEBUG : LOGRATE_INFO,
	    "%s: closed: %s", c->name, c->end.why);
	if (c->opened)
		nd->c.connections_closed[r]++;
	if (c->end.was == CONN_HANDSHAKE && !c->hello_ok &&
	    r != CLOSE_SHUTDOWN)
		nd->c.handshakes_failed++;
}

/* Step 2: out of the registry, or out of the probe it was waiting on. */
static void
close_unregister(struct conn *c)
{
	struct conn *reg;

	if (c->end.was == CONN_ACTIVE)
		reg_del(&c->nd->reg, &c->ip, c);
	else if (c->end.was == CONN_PENDING &&
	    (reg = reg_get(&c->nd->reg, &c->ip)) != NULL &&
	    reg->challenger == c)
		reg->challenger = NULL;
}

/* The effects of c's close, once, in the order above. */
static void
close_apply(struct conn *c)
{
	if (c->end.was == CONN_CONNECTING) {
		/* never opened: the dialer logs and backs off */
		dialer_connect_failed(c, c->end.why);
		return;
	}
	close_count(c);
	close_unregister(c);
	if (c->end.was == CONN_ACTIVE) {
		conn_fail_reqs(c);
		conn_peer_event(c, IPC_NET_PEER_DOWN);
	}
	dialer_closed(c->nd, c, c->end.reason);
	if (c->end.was == CONN_ACTIVE)
		promote(c);
}

/*
 * Apply the effects of every close so far, in the order they happened;
 * a close caused meanwhile (a promoted challenger's) is applied in the
 * same pass.  Each is taken off the queue before it is applied: once.
 */
void
conn_settle(struct netd *nd)
{
	struct conn *c;

	while ((c = TAILQ_FIRST(&nd->closed)) != NULL) {
		TAILQ_REMOVE(&nd->closed, c, close_entry);
		c->end.queued = 0;
		close_apply(c);
	}
}

/*
 * The reap pass (an event of its own, so no callback or walk that closed
 * a connection is still running): the effects of the closes, then the
 * dead are freed; they stay in the list until now so walks stay valid.
 */
void
conn_reap(struct netd *nd)
{
	struct conn *c, *next;

	conn_settle(nd);
	for (c = TAILQ_FIRST(&nd->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == CONN_DEAD && !c->end.queued) {
			TAILQ_REMOVE(&nd->conns, c, entry);
			conn_free(c);
		}
	}
}

/*
 * c is to be registered: the closes queued so far, those its
 * registration decided included (a duplicate, an evicted peer), take
 * effect first, so syncd hears their PEER_DOWN before c's PEER_UP and
 * the registry is free of them.
 */
static void
register_now(struct conn *c)
{
	conn_settle(c->nd);
	if (conn_alive(c))	/* no effect closes another today: if one */
		activate(c);	/* ever does, a closed c stays closed */
}

/*
 * No inbound slot and no peer to evict: the newcomer still learns where
 * else to go (issue 11, item 9: a full seed stranded newcomers at height
 * 0).  It registers our end as usual and sends its GET_ADDRS, which is
 * answered; then "limit".  A newcomer that asks nothing is closed after
 * NETD_FULL_S.  Its own listening address goes into our book, so the
 * next newcomer hears of it.
 */
static void
no_room(struct conn *c, double now)
{
	c->state = CONN_FULL;
	c->full_until = now + NETD_FULL_S;
	if (c->listen_port != 0)
		addr_learn(c->nd, c->ip, c->listen_port, ADDR_INBOUND, NULL,
		    NULL);
	refusal_log(c->nd, c->ip, "no inbound peer to evict; addresses "
	    "handed out");
}

/*
 * Walks the registry, not the list: a connection closed from CONN_ACTIVE
 * stays registered until close_apply, so the dialer's rules see the
 * registry as it was when the connection they judge closed.
 */
struct conn *
conn_by_nonce(struct netd *nd, uint64_t nonce, const struct conn *not)
{
	struct conn	*o;
	size_t		 i;

	for (i = 0; i < nd->reg.n; i++) {
		o = nd->reg.v[i].conn;
		if (o != not && o->nonce == nonce)
			return o;
	}
	return NULL;
}

struct conn *
conn_by_ip(struct netd *nd, const struct netaddr *ip)
{
	struct conn *c = reg_get(&nd->reg, ip);

	return c != NULL && conn_alive(c) ? c : NULL;
}

/* keep ip among c's other addresses (at most IPC_PEER_ALSO_MAX) */
static void
also_add(struct conn *c, const struct netaddr *ip)
{
	int i;

	for (i = 0; i < c->nalso; i++)
		if (netaddr_eq(&c->also[i], ip))
			return;
	if (!netaddr_eq(&c->ip, ip) && c->nalso < IPC_PEER_ALSO_MAX)
		c->also[c->nalso++] = *ip;
}

/*
 * c's node is registered already under another IP (twin): a dual-stack
 * machine reached over both families.  One survives (reg_decide_twin,
 * the same verdict at both ends); the survivor remembers the other IP.
 */
static void
register_twin(struct conn *c, struct conn *twin)
{
	struct netd	*nd = c->nd;
	int		 i;

	nd->c.duplicates_resolved++;
	if (reg_decide_twin(&twin->local_ip, &twin->ip, &c->local_ip,
	    &c->ip) == REG_KEEP_EXISTING) {
		also_add(twin, &c->ip);
		netd_log(nd, c->ip, NLOG_CONNECT, LOGRATE_INFO, "%s: the "
		    "same node as %s (dual stack), keeping that one",
		    c->name, twin->name);
		conn_close(c, CLOSE_DUPLICATE, 1, "duplicate: the same node "
		    "is connected at another address");
		return;
	}
	also_add(c, &twin->ip);
	for (i = 0; i < twin->nalso; i++)
		also_add(c, &twin->also[i]);
	netd_log(nd, c->ip, NLOG_CONNECT, LOGRATE_INFO, "%s: the same node "
	    "as %s (dual stack), keeping this one", c->name, twin->name);
	if (twin->challenger != NULL)
		conn_close(twin->challenger, CLOSE_DUPLICATE, 1, "the "
		    "connection being probed was superseded");
	twin->superseded = 1;	/* no backoff: c lives on */
	conn_close(twin, CLOSE_DUPLICATE, 1, "duplicate: the same node is "
	    "connected at another address");
	register_now(c);
}

/*
 * The registered connection of c's node at another IP (a dual-stack
 * twin), or NULL.  The nonce is unauthenticated: when both connections
 * are TLS, the node key must be the same too, or they are two machines
 * (one reusing the other's nonce) and both live, with a warning
 * rate-limited per peer IP (docs/protocol.md section 6).
 */
static struct conn *
twin_of(struct conn *c)
{
	struct conn	*o;
	char		 k1[NODE_KEY_STR_LEN], k2[NODE_KEY_STR_LEN];

	TAILQ_FOREACH(o, &c->nd->conns, entry) {
		if (o == c || o->state != CONN_ACTIVE || o->nonce != c->nonce)
			continue;
		if (!c->tls || !o->tls || memcmp(c->tlsp.key, o->tlsp.key,
		    NODE_KEY_LEN) == 0)
			return o;
		netd_log(c->nd, c->ip, NLOG_CONNECT, LOGRATE_WARN, "%s: the "
		    "node nonce of %s with another node key (%s, not %s): "
		    "two machines, keeping both", c->name, o->name,
		    node_key_str(c->tlsp.key, k1, sizeof(k1)),
		    node_key_str(o->tlsp.key, k2, sizeof(k2)));
	}
	return NULL;
}

/* what reg_decide needs to know of c */
static struct reg_view
reg_view_of(const struct conn *c)
{
	struct reg_view v;

	v.dir = c->dir;
	v.nonce = c->nonce;
	v.local_port = c->local_port;
	v.remote_port = c->remote_port;
	return v;
}

/*
 * c brings another node nonce from old's IP: old is probed (section 6 of
 * docs/protocol.md), c waits (CONN_PENDING); while one waits, a further
 * one is refused.
 */
static void
probe_start(struct conn *old, struct conn *c, double now)
{
	if (old->challenger != NULL) {
		conn_close(c, CLOSE_DUPLICATE, 1, "another connection from "
		    "this address is being checked");
		return;
	}
	netd_log(c->nd, c->ip, NLOG_PROBE, LOGRATE_INFO, "%s: new node nonce "
	    "from %s: probing the old connection (remote port %u) for %.1f s",
	    c->name, old->name, old->remote_port, NETD_PROBE_S);
	c->state = CONN_PENDING;
	old->challenger = c;
	old->probe_start = now;
	old->probe_deadline = now + NETD_PROBE_S;
	if (!old->ping_out)
		send_ping(old, now);
}

/* Which connection of a doubled pair survives (registry.c decides). */
static void
register_conn(struct conn *c)
{
	struct netd	*nd = c->nd;
	struct conn	*old;
	struct reg_view	 vo, vn;
	double		 now = mono_now();

	conn_settle(nd);	/* the registry as the closes so far left it */
	if (!conn_alive(c))	/* as register_now */
		return;
	if ((old = reg_get(&nd->reg, &c->ip)) == NULL) {
		if ((old = twin_of(c)) != NULL)
			register_twin(c, old);
		else if (c->dir == DIR_INBOUND && !inbound_room(nd, c))
			no_room(c, now);
		else
			register_now(c);
		return;
	}
	vo = reg_view_of(old);
	vn = reg_view_of(c);
	switch (reg_decide(&c->local_ip, &c->ip, &vo, &vn)) {
	case REG_KEEP_EXISTING:
		nd->c.duplicates_resolved++;
		netd_log(nd, c->ip, NLOG_CONNECT, LOGRATE_INFO, "%s: "
		    "duplicate of the %s connection (ports %u/%u), keeping "
		    "that one", c->name, old->dir == DIR_INBOUND ?
		    "inbound" : "outbound", old->local_port,
		    old->remote_port);
		conn_close(c, CLOSE_DUPLICATE, 1, "duplicate");
		break;
	case REG_KEEP_NEW:
		nd->c.duplicates_resolved++;
		if (old->challenger != NULL)	/* its probe ends with it */
			conn_close(old->challenger, CLOSE_DUPLICATE, 1,
			    "the connection being probed was superseded");
		netd_log(nd, c->ip, NLOG_CONNECT, LOGRATE_INFO, "%s: "
		    "duplicate of the %s connection (ports %u/%u), keeping "
		    "this one (ports %u/%u)", c->name,
		    old->dir == DIR_INBOUND ? "inbound" : "outbound",
		    old->local_port, old->remote_port, c->local_port,
		    c->remote_port);
		old->superseded = 1;	/* no backoff: c lives on */
		conn_close(old, CLOSE_DUPLICATE, 1, "duplicate");
		register_now(c);
		break;
	case REG_PROBE:
		probe_start(old, c, now);
		break;
	}
}

/*
 * A hello of version 2 or later in plaintext: the peer speaks TLS too
 * (docs/protocol.md section 12).  With [p2p] plaintext = always both
 * ends chose plaintext: fine.  Outbound to an address marked plaintext
 * for its version-1 answer: refused and the mark dropped (it was a
 * downgrade).  Inbound with plaintext = yes: a peer configured
 * plaintext = always, or a relayed downgrade; accepted (the operator
 * allowed plaintext), logged rate-limited and counted.  0: closed.
 */
static int
plaintext_v2_ok(struct conn *c)
{
	struct netd	*nd = c->nd;

	if (nd->cfg->plaintext == CONFIG_PLAINTEXT_ALWAYS)
		return 1;
	if (c->dir == DIR_OUTBOUND) {
		if (c->addr != NULL)
			c->addr->plaintext_until = 0;
		downgrade_refuse(c, "a version-2 hello from an address "
		    "marked as an older node's");
		return 0;
	}
	nd->c.plaintext_v2_hellos++;
	netd_log(nd, c->ip, NLOG_CONNECT, LOGRATE_WARN, "%s: a version-2 "
	    "hello in plaintext (the peer can speak TLS: plaintext = always "
	    "there, or a downgrade)", c->name);
	return 1;
}

static void
on_hello(struct conn *c, const struct wire_hello *h)
{
	struct netd *nd = c->nd;

	if (c->state != CONN_HANDSHAKE) {
		conn_close(c, CLOSE_PROTOCOL, 1, "second hello");
		return;
	}
	/*
	 * versions 2 and later (TLS): a later one than ours is spoken as
	 * ours, the lower of the two (refusing it made every version bump
	 * cut the upgraded node off from all older ones); version 1 (its
	 * frames are the same) only in plaintext (docs/protocol.md sections
	 * 3, 4 and 12)
	 */
	if (h->version < WIRE_VERSION_TLS &&
	    (c->tls || h->version != WIRE_VERSION_PLAIN)) {
		conn_close(c, CLOSE_PROTOCOL, 1, "protocol version %u, we "
		    "speak %u and later (and %u in plaintext)", h->version,
		    WIRE_VERSION_TLS, WIRE_VERSION_PLAIN);
		return;
	}
	if (!c->tls && h->version >= WIRE_VERSION_TLS && !plaintext_v2_ok(c))
		return;
	if (h->magic != nd->magic || memcmp(h->genesis, nd->genesis_hash,
	    IPC_HASH_LEN) != 0) {
		conn_close(c, CLOSE_WRONG_NETWORK, 1, "wrong network or "
		    "genesis (magic %08x)", h->magic);
		return;
	}
	if (h->nonce == nd->nonce) {
		conn_close(c, CLOSE_SELF, 0, "connected to ourselves");
		return;
	}
	c->hello_ok = 1;
	c->nonce = h->nonce;
	c->listen_port = h->listen_port;
	c->version = h->version < WIRE_VERSION ? h->version : WIRE_VERSION;
	c->height = h->height;
	memcpy(c->tip, h->tip, IPC_HASH_LEN);
	snprintf(c->agent, sizeof(c->agent), "%s", h->agent);
	register_conn(c);
}

static void
on_pong(struct conn *c, uint64_t nonce, double now)
{
	double rtt;

	if (!c->ping_out || nonce != c->ping_nonce)
		return;			/* unasked: still a sign of life */
	rtt = now - c->ping_sent;
	c->rtt_us = rtt * 1e6 > 4e9 ? 4000000000u : (uint32_t)(rtt * 1e6);
	c->ping_out = 0;
	c->missed = 0;
	c->nd->c.pongs_received++;
	c->pongs_received++;
	netd_log(c->nd, c->ip, NLOG_CONNECT, LOGRATE_DEBUG, "%s: pong, %.3f "
	    "ms", c->name, rtt * 1e3);
}

static void
on_tip(struct conn *c, uint64_t height, const uint8_t *hash)
{
	c->height = height;
	memcpy(c->tip, hash, IPC_HASH_LEN);
	conn_peer_event(c, IPC_NET_PEER_TIP);
}

/*
 * An answer to one of our requests goes to syncd whole.  Anything else
 * must be an announcement: exactly one block, higher than the peer's known
 * height (a lower one is old news, dropped).
 */
static void
on_blocks(struct conn *c, const struct wire_blocks *b)
{
	struct block	blk;
	uint32_t	i, sync_reqid = 0;
	int		k = -1;
	enum block_error e;

	if (b->reqid != 0) {
		for (k = 0; k < c->nreqs; k++)
			if (c->reqs[k].wire_reqid == b->reqid &&
			    !c->reqs[k].headers)
				break;
		if (k == c->nreqs) {
			netd_log(c->nd, c->ip, NLOG_REQUEST, LOGRATE_DEBUG,
			    "%s: blocks for unknown request %u, dropped",
			    c->name, b->reqid);
			return;
		}
		sync_reqid = c->reqs[k].sync_reqid;
	} else if (b->count != 1) {
		conn_close(c, CLOSE_PROTOCOL, 1, "unsolicited blocks: %u "
		    "blocks, an announcement carries one", b->count);
		return;
	}
	for (i = 0; i < b->count; i++) {
		if ((e = block_parse(b->v[i].p, b->v[i].len, &blk)) !=
		    BLOCK_OK) {
			conn_close(c, CLOSE_PROTOCOL, 1, "block %u of %u: %s",
			    i, b->count, block_error_names[e]);
			return;
		}
		if (blk.h.height > WIRE_MAX_HEIGHT) {
			conn_close(c, CLOSE_PROTOCOL, 1, "block %u of %u: "
			    "height %llu above 2^53-1", i, b->count,
			    (unsigned long long)blk.h.height);
			return;
		}
	}
	if (b->reqid == 0) {
		/* blk is the one announced block */
		if (blk.h.height <= c->height) {
			netd_log(c->nd, c->ip, NLOG_REQUEST, LOGRATE_DEBUG,
			    "%s: announced block %llu not above its height "
			    "%llu, dropped", c->name,
			    (unsigned long long)blk.h.height,
			    (unsigned long long)c->height);
			return;
		}
		c->blocks_received++;
		c->last_block = mono_now();
		netd_net_blocks(c->nd, c->ip, 0, b->v, 1);
		on_tip(c, blk.h.height, blk.hash);
		return;
	}
	c->reqs[k] = c->reqs[--c->nreqs];
	c->blocks_received += b->count;
	if (b->count > 0)
		c->last_block = mono_now();
	netd_net_blocks(c->nd, c->ip, sync_reqid, b->v, b->count);
}

/*
 * GET_HEADERS: only a peer whose hello said version 3 or later knows it
 * (and the HEADERS answer); from another it is a protocol violation
 * (docs/protocol.md section 3).
 */
static void
on_get_headers(struct conn *c, const struct wire_get_headers *g)
{
	if (c->version < WIRE_VERSION_HEADERS) {
		conn_close(c, CLOSE_PROTOCOL, 1, "get-headers from a version "
		    "%u peer", c->version);
		return;
	}
	netd_serve_headers(c->nd, c, g->reqid, g->from, g->count);
}

/*
 * HEADERS: the answer to a GET_HEADERS of syncd's goes to it as sent
 * (syncd judges the count and the links); one for a request we do not
 * know (a late answer looks the same) is dropped.
 */
static void
on_headers(struct conn *c, const struct wire_headers *h)
{
	int k;

	for (k = 0; k < c->nreqs; k++)
		if (c->reqs[k].wire_reqid == h->reqid && c->reqs[k].headers)
			break;
	if (k == c->nreqs) {
		netd_log(c->nd, c->ip, NLOG_REQUEST, LOGRATE_DEBUG, "%s: "
		    "headers for unknown request %u, dropped", c->name,
		    h->reqid);
		return;
	}
	net_headers(c->nd, c->ip, c->reqs[k].sync_reqid, h->h, h->count);
	c->reqs[k] = c->reqs[--c->nreqs];
}

static void
on_get_addrs(struct conn *c, double now)
{
	struct netd	*nd = c->nd;
	struct wire_msg	*m;
	struct conn	*o;
	struct addr	*a;
	uint32_t	 n = 0;
	int		 v1;

	if (c->addrs_answered && now - c->addrs_answered < NETD_ADDRS_EVERY_S)
		return;
	c->addrs_answered = now;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return;
	/* a version 1 peer reads IPv4 only (docs/protocol.md section 3) */
	m->type = c->version >= WIRE_VERSION_TLS ? WIRE_ADDRS_V2 : WIRE_ADDRS;
	v1 = m->type == WIRE_ADDRS;
	TAILQ_FOREACH(o, &nd->conns, entry)
		if (n < WIRE_MAX_ADDRS && o != c && o->state == CONN_ACTIVE &&
		    o->listen_port != 0 && (!v1 || netaddr_is_v4(&o->ip))) {
			m->u.addrs.v[n].ip = o->ip;
			m->u.addrs.v[n++].port = o->listen_port;
		}
	/* never hearsay we have not reached ourselves: we would relay an
	 * attacker's made-up addresses to every peer that asks */
	TAILQ_FOREACH(a, &nd->addrs, entry)
		if (n < WIRE_MAX_ADDRS && !netaddr_eq(&a->ip, &c->ip) &&
		    !a->self && (!v1 || netaddr_is_v4(&a->ip)) &&
		    a->failures == 0 && (a->good || a->source !=
		    ADDR_EXCHANGE) && conn_by_ip(nd, &a->ip) == NULL &&
		    !is_banned(nd, a->ip, now)) {
			m->u.addrs.v[n].ip = a->ip;
			m->u.addrs.v[n++].port = a->port;
		}
	m->u.addrs.count = n;
	conn_send(c, m);
	free(m);
}

/*
 * Only the answer to our own GET_ADDRS, once; only those in the
 * advertising peer's scope: loopback from loopback, private from private
 * or loopback.  They stay in memory (dialer.c bounds the book per
 * advertising /16): stored keeps an address once we connected to it, so
 * hearsay costs stored no write and cannot flood the book on disk.
 */
static void
on_addrs(struct conn *c, const struct wire_addrs *as)
{
	struct netd	*nd = c->nd;
	uint32_t	 i;

	if (!c->addrs_asked) {
		conn_close(c, CLOSE_PROTOCOL, 1, "addrs we did not ask for");
		return;
	}
	c->addrs_asked = 0;
	for (i = 0; i < as->count; i++) {
		if (netd_is_listen(nd, &as->v[i].ip, 0) ||
		    netaddr_eq(&as->v[i].ip, &c->local_ip))
			continue;		/* us */
		if (!addr_scope_ok(&as->v[i].ip, &c->ip))
			continue;
		(void)addr_learn(nd, as->v[i].ip, as->v[i].port,
		    ADDR_EXCHANGE, &c->ip, NULL);
	}
}

static void
on_goodbye(struct conn *c, const struct wire_goodbye *g)
{
	c->peer_said = (enum net_close_reason)g->reason;
	conn_close(c, CLOSE_GOODBYE, 0, "goodbye from the peer: %s (%s)",
	    net_close_names[g->reason], g->text);
}

/* One decoded message; the state says what is allowed. */
static void
dispatch(struct conn *c, const struct wire_msg *m, double now)
{
	if (m->type == WIRE_GOODBYE) {
		on_goodbye(c, &m->u.goodbye);
		return;
	}
	if (c->state == CONN_HANDSHAKE) {
		if (m->type != WIRE_HELLO)
			conn_close(c, CLOSE_PROTOCOL, 1, "%s before hello",
			    wire_type_names[m->type]);
		else
			on_hello(c, &m->u.hello);
		return;
	}
	switch (m->type) {
	case WIRE_HELLO:
		conn_close(c, CLOSE_PROTOCOL, 1, "second hello");
		return;
	case WIRE_PING:
		send_simple(c, WIRE_PONG, m->u.nonce);
		return;
	case WIRE_PONG:
		on_pong(c, m->u.nonce, now);
		return;
	default:
		break;
	}
	if (c->state == CONN_FULL && m->type == WIRE_GET_ADDRS) {
		on_get_addrs(c, now);
		conn_close(c, CLOSE_LIMIT, 1, "no room: %d inbound peers",
		    c->nd->cfg->max_inbound);
		return;
	}
	if (c->state != CONN_ACTIVE)	/* pending, full: only ping/pong */
		return;
	switch (m->type) {
	case WIRE_TIP:
		on_tip(c, m->u.tip.height, m->u.tip.hash);
		break;
	case WIRE_GET_RANGE:
		netd_serve_range(c->nd, c, m->u.range.reqid, m->u.range.from,
		    m->u.range.count);
		break;
	case WIRE_GET_LOCATOR:
		netd_serve_locator(c->nd, c, &m->u.locator);
		break;
	case WIRE_BLOCKS:
		on_blocks(c, &m->u.blocks);
		break;
	case WIRE_GET_HEADERS:
		on_get_headers(c, &m->u.get_headers);
		break;
	case WIRE_HEADERS:
		on_headers(c, &m->u.headers);
		break;
	case WIRE_GET_ADDRS:
		on_get_addrs(c, now);
		break;
	case WIRE_ADDRS:
	case WIRE_ADDRS_V2:
		on_addrs(c, &m->u.addrs);
		break;
	}
}

static void
frame_error(struct conn *c, enum wire_status st)
{
	conn_close(c, CLOSE_PROTOCOL, 1, "%s", wire_status_names[st]);
}

/*
 * A first frame without our magic.  Only a whole, valid hello of another
 * network (its header's magic is its genesis hash's, section 2) proves
 * another network: "wrong_network" and its ban.  Anything else (an HTTP
 * probe, a port scanner, noise, perhaps from an address an honest node
 * shares behind NAT) proves nothing: "protocol" and a cool-off of
 * NETD_COOL_OFF_S, never a long ban (issue 11, item 7).  Until the rest
 * of such a hello has come, nothing happens (the handshake deadline bounds
 * the wait).
 */
static void
foreign_first_frame(struct conn *c, struct evbuffer *in, const uint8_t *hdr)
{
	struct wire_hdr		 h;
	struct wire_msg		*m;
	const uint8_t		*p;
	size_t			 have = evbuffer_get_length(in), used;
	uint32_t		 other = be32_load(hdr);
	int			 hello = 0;

	if (wire_hdr_parse(hdr, WIRE_HDR_LEN, other, &h) == WIRE_OK &&
	    h.type == WIRE_HELLO && h.len <= WIRE_HELLO_MAX) {
		if (have < WIRE_HDR_LEN + (size_t)h.len)
			return;
		p = evbuffer_pullup(in, WIRE_HDR_LEN + (ssize_t)h.len);
		if (p != NULL && (m = malloc(sizeof(*m))) != NULL) {
			hello = wire_frame_parse(p, WIRE_HDR_LEN + h.len,
			    other, m, &used) == WIRE_OK &&
			    m->u.hello.magic == other &&
			    wire_magic(m->u.hello.genesis) == other;
			free(m);
		}
	}
	if (hello) {
		conn_close(c, CLOSE_WRONG_NETWORK, 1, "a hello of another "
		    "network (magic %08x)", other);
		return;
	}
	cool_off(c->nd, c->ip);
	conn_close(c, CLOSE_PROTOCOL, 1, "first bytes are not a frame of "
	    "this network (magic %08x); cool-off %.0f s", other,
	    NETD_COOL_OFF_S);
}

/*
 * All peers' output: what is queued to them (also to those still flushing
 * a goodbye) plus a maximal frame for each request in stored, whose
 * answer is to come.  *queued (if not NULL) gets the first part alone.
 */
size_t
conn_outq_total(struct netd *nd, size_t *queued)
{
	struct conn	*c;
	size_t		 q = 0;
	int		 i, inflight = 0;

	TAILQ_FOREACH(c, &nd->conns, entry)
		if (c->state != CONN_DEAD && c->bev != NULL)
			q += evbuffer_get_length(bufferevent_get_output(c->bev));
	for (i = 0; i < NETD_MAX_SERVING; i++)
		if (nd->serving[i].ipc_reqid != 0)
			inflight++;
	if (queued != NULL)
		*queued = q;
	return q + (size_t)inflight * WIRE_MAX_FRAME;
}

/*
 * 1 when total bytes (all peers' output, with what c would add) fit
 * NETD_OUTQ_BUDGET; else 0, and c waits for the budget from now on
 * (conn_budget_tick sheds the peer that holds the most after a while).
 */
static int
budget_fits(struct conn *c, size_t total)
{
	if (total <= NETD_OUTQ_BUDGET) {
		c->budget_wait = 0;
		return 1;
	}
	if (!c->budget_wait) {
		c->budget_wait = 1;
		c->budget_since = mono_now();
	}
	return 0;
}

/*
 * Room to take one more request of c's: a slot of its own in stored, its
 * output queue can hold every answer in flight, this one included, at
 * their largest, and so can the output budget of all peers.  Without
 * room the request waits unread (conn_readcb), so a peer that pipelines
 * requests is slowed down to what it reads instead of being dropped for
 * a full output queue; one that waits for the budget is noted, so that
 * conn_budget_tick can shed the peer that holds it.
 */
int
conn_serve_room(struct conn *c)
{
	size_t	queued = evbuffer_get_length(bufferevent_get_output(c->bev));

	if (c->serving >= NETD_MAX_SERVE || queued +
	    (size_t)(c->serving + 1) * WIRE_MAX_FRAME > NETD_OUTQ_MAX)
		return 0;
	return budget_fits(c, conn_outq_total(c->nd, NULL) + WIRE_MAX_FRAME);
}

/*
 * Bytes of small frames still queued to c, at most: those queued since its
 * output was last empty, and never more than is queued (the output is a
 * queue: what left it may have been small frames).
 */
static size_t
small_queued(struct conn *c)
{
	size_t queued = evbuffer_get_length(bufferevent_get_output(c->bev));

	if (queued < c->small_out)
		c->small_out = queued;
	return c->small_out;
}

/*
 * Room to read one more frame of c's, whatever its type (any may be
 * answered: a PING by a PONG, GET_ADDRS by ADDRS, a block by our TIP to
 * all): c's small output is within its share, NETD_OUTQ_SHARE, and all
 * peers' output within NETD_OUTQ_BUDGET; others is the output of all
 * peers but c (conn_outq_total less c's queue).  Since every frame read
 * is judged first, a peer holds at most its share plus one answer of
 * small output, and all peers at most the budget plus one answer.
 * docs/protocol.md section 7, "Back-pressure"; issue 11, review finding A (60
 * peers flooding PINGs and never reading took netd to 115 MB).
 */
int
conn_read_room(struct conn *c, size_t others)
{
	size_t	queued = evbuffer_get_length(bufferevent_get_output(c->bev));

	if (small_queued(c) > NETD_OUTQ_SHARE) {
		c->budget_wait = 0;	/* its own doing, not the budget */
		return 0;
	}
	return budget_fits(c, others + queued);
}

/*
 * Whether the frame at the head of c's input waits unread: any frame but
 * a GOODBYE (it frees) without read room, a block request also without
 * room for its answer; what comes behind it waits too.
 */
static int
must_wait(struct conn *c, uint16_t type, size_t others)
{
	if (type == WIRE_GOODBYE)
		return 0;
	if (!conn_read_room(c, others))
		return 1;
	return c->state == CONN_ACTIVE && (type == WIRE_GET_RANGE ||
	    type == WIRE_GET_LOCATOR || type == WIRE_GET_HEADERS) &&
	    !conn_serve_room(c);
}

/*
 * The largest payload a message of this type can have and decode.  A
 * longer frame is refused from its header, before it is read: so a
 * peer makes us buffer a frame of up to 4 MiB only once we have asked it
 * for blocks (a late answer to an expired request included), anything
 * else stays within a block or a few KiB (NETD_INBUF_SMALL), and a peer
 * cannot pin a maximal frame's worth of memory per connection by sending
 * most of one and stopping.
 */
static size_t
payload_max(const struct conn *c, uint16_t type)
{
	switch (type) {
	case WIRE_HELLO:
		return 88 + 2 + WIRE_AGENT_MAX;
	case WIRE_PING:
	case WIRE_PONG:
		return 8;
	case WIRE_TIP:
		return 8 + IPC_HASH_LEN;
	case WIRE_GET_RANGE:
		return 4 + 8 + 4;
	case WIRE_GET_LOCATOR:
		return 4 + 4 + 4 + (size_t)WIRE_MAX_HASHES * IPC_HASH_LEN;
	case WIRE_BLOCKS:
		/* an announcement: one block; an answer: a whole batch */
		return c->nreqs > 0 || c->next_reqid != 1 ? WIRE_MAX_PAYLOAD :
		    4 + 4 + 4 + BLOCK_MAX_LEN;
	case WIRE_GET_HEADERS:
		return 4 + 8 + 4;
	case WIRE_HEADERS:
		/* only an answer: a whole one once we have asked */
		return c->nreqs > 0 || c->next_reqid != 1 ?
		    WIRE_HEADERS_MAX_PAYLOAD : 4 + 4;
	case WIRE_GET_ADDRS:
		return 0;
	case WIRE_ADDRS:
		return 4 + (size_t)WIRE_MAX_ADDRS * WIRE_ADDR_V1_LEN;
	case WIRE_ADDRS_V2:
		return 4 + (size_t)WIRE_MAX_ADDRS * WIRE_ADDR_LEN;
	default:	/* WIRE_GOODBYE */
		return 1 + 2 + WIRE_REASON_MAX;
	}
}

static int
frame_too_long(struct conn *c, const struct wire_hdr *h)
{
	if (h->len <= payload_max(c, h->type))
		return 0;
	conn_close(c, CLOSE_PROTOCOL, 1, "%s of %u bytes, at most %zu here",
	    wire_type_names[h->type], h->len, payload_max(c, h->type));
	return 1;
}

static void
conn_readcb(struct bufferevent *bev, void *arg)
{
	struct conn		*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct wire_hdr		 h;
	struct wire_msg		*m = NULL;
	enum wire_status	 st;
	uint8_t			 hdr[WIRE_HDR_LEN];
	const uint8_t		*p;
	size_t			 have, used, others;
	double			 now = mono_now();

	/* the others' output, once: it does not change while c is read */
	others = conn_outq_total(c->nd, NULL) - evbuffer_get_length(
	    bufferevent_get_output(bev));
	while (conn_alive(c)) {
		have = evbuffer_get_length(in);
		if (have < WIRE_HDR_LEN)
			break;
		evbuffer_copyout(in, hdr, sizeof(hdr));
		/* judged on the header alone, before anything else */
		st = wire_hdr_parse(hdr, sizeof(hdr), c->nd->magic, &h);
		if (st == WIRE_ERR_MAGIC && c->state == CONN_HANDSHAKE) {
			foreign_first_frame(c, in, hdr);
			break;
		}
		if (st != WIRE_OK) {
			frame_error(c, st);
			break;
		}
		if (frame_too_long(c, &h))
			break;
		/* room for this frame whole, or for small ones */
		bufferevent_setwatermark(bev, EV_READ, 0, WIRE_HDR_LEN +
		    (size_t)h.len > NETD_INBUF_SMALL ? WIRE_HDR_LEN +
		    (size_t)h.len : NETD_INBUF_SMALL);
		if (have < WIRE_HDR_LEN + (size_t)h.len)
			break;
		if (must_wait(c, h.type, others)) {
			/* read on once output is out (conn_resume) */
			c->read_paused = 1;
			c->ping_paused = 1;	/* its pong may wait here */
			bufferevent_disable(bev, EV_READ);
			break;
		}
		if (m == NULL && (m = malloc(sizeof(*m))) == NULL) {
			conn_close(c, CLOSE_ERROR, 0, "out of memory");
			break;
		}
		p = evbuffer_pullup(in, WIRE_HDR_LEN + (ssize_t)h.len);
		if (p == NULL)
			st = WIRE_ERR_SIZE;
		else if (c->tls)	/* authenticated by TLS */
			st = wire_frame_parse_tls(p, WIRE_HDR_LEN + h.len,
			    c->nd->magic, m, &used);
		else
			st = wire_frame_parse(p, WIRE_HDR_LEN + h.len,
			    c->nd->magic, m, &used);
		if (st != WIRE_OK) {
			frame_error(c, st);
			break;
		}
		c->last_recv = c->last_frame = now;
		c->bytes_in += used;
		c->nd->c.bytes_in += used;
		dispatch(c, m, now);
		evbuffer_drain(in, used);
	}
	free(m);
	if (c->state == CONN_CLOSING)	/* discard until EOF */
		evbuffer_drain(in, evbuffer_get_length(in));
	if (evbuffer_get_length(in) < WIRE_HDR_LEN)
		bufferevent_setwatermark(bev, EV_READ, 0, NETD_INBUF_SMALL);
}

/*
 * Bytes of ours to c not yet sent: in the bufferevent and in the kernel's
 * send queue (SIOCOUTQNSD, tcp(7)), which holds up to tcp_wmem's maximum
 * (4 MiB by default) when the peer reads slowly.  In-flight bytes (sent,
 * not yet acked) are not counted: the peer's kernel has them.  Both parts
 * are counted each time: a sum of one part now and the other before took
 * a small frame queued after megabytes in the kernel for a drain (a
 * reviewer's finding, 2026-12-01).  The kernel is not asked when nothing
 * was queued at the last tick and nothing written since (an idle
 * connection: one ioctl per connection per 0.1 s tick was a fifth of an
 * idle netd's CPU).
 */
static size_t
output_queued(struct conn *c)
{
	size_t	queued;
	int	unsent = 0, fd;

	queued = evbuffer_get_length(bufferevent_get_output(c->bev));
	if (queued == 0 && c->outq_last == 0 && c->bytes_out ==
	    c->outq_written)
		return 0;
	c->outq_written = c->bytes_out;
	if ((fd = bufferevent_getfd(c->bev)) != -1 &&
	    ioctl(fd, SIOCOUTQNSD, &unsent) == 0 && unsent > 0)
		queued += (size_t)unsent;
	return queued;
}

/*
 * Our output to c, each tick (docs/protocol.md section 5).  A peer that
 * reads a backlog of our answers cannot answer a ping queued behind it,
 * and while we pause reading it we do not see its pongs either; what
 * proves it alive then is that it reads: our output to it shrank since
 * the last tick.  That counts as a frame read for ping_timeout (not for a
 * restarted peer's probe, conn_tick); output that has not shrunk for
 * ping_timeout ends the connection, whatever the peer sends
 * (output_unread).  Returns whether a ping may go out now: not while
 * reading is paused (its pong could not be read).
 */
static int
output_progress(struct conn *c, double now)
{
	size_t	queued;

	queued = output_queued(c);
	if (queued < c->outq_last)
		c->last_recv = now;
	if (queued < c->outq_last || queued == 0)
		c->drained_at = now;
	if (queued == 0)
		c->small_out = 0;
	c->outq_last = queued;
	return !c->read_paused;
}

/*
 * Output queued to c that has not shrunk for ping_timeout: the peer does
 * not read.  Frames it sends do not keep it (a peer that never read but
 * sent an unasked PONG every 100 s held its slot and megabytes of our
 * kernel's memory for ever, a reviewer's finding, 2026-12-01).  Closes c
 * and returns 1, else 0.
 */
static int
output_unread(struct conn *c, double now)
{
	double	stalled = now - c->drained_at;

	if (c->outq_last == 0 || stalled <= c->nd->cfg->ping_timeout)
		return 0;
	conn_close(c, CLOSE_TIMEOUT, 1, "%zu bytes of ours unread for %.1f s",
	    c->outq_last, stalled);
	return 1;
}

/*
 * A paused connection looks again at the frame that waits (conn_readcb
 * pauses it again if it still does not fit): each time one of its
 * requests is answered, its output is written out, and every tick.
 */
void
conn_resume(struct conn *c)
{
	if (!c->read_paused || !conn_alive(c))
		return;
	c->read_paused = 0;
	bufferevent_enable(c->bev, EV_READ);
	conn_readcb(c->bev, c);		/* what waits in the buffer */
}

static void
conn_writecb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	conn_resume(c);
	if (c->state != CONN_CLOSING ||
	    evbuffer_get_length(bufferevent_get_output(bev)) != 0)
		return;
	/* the goodbye is out: half-close, wait for the peer's EOF */
	shutdown(bufferevent_getfd(bev), SHUT_WR);
}

/* The TLS handshake is done: the peer's key is known and accepted. */
static void
tls_up(struct conn *c)
{
	char		 key[NODE_KEY_STR_LEN];
	struct addr	*a;

	c->tls_up = 1;
	if ((a = dialer_addr_find(c->nd, &c->ip)) != NULL)
		a->tls_seen = 1;	/* plaintext from it: refused */
	netd_log(c->nd, c->ip, NLOG_CONNECT, LOGRATE_DEBUG, "%s: TLS up "
	    "(%s, key %s%s)", c->name, SSL_get_cipher_name(
	    bufferevent_openssl_get_ssl(c->bev)), node_key_str(c->tlsp.key,
	    key, sizeof(key)), c->tlsp.pinned ? ", pinned" : "");
	netd_peer_key_record(c->nd, c->ip, c->tlsp.key);
}

/*
 * The TLS handshake failed: our check of its certificate refused it
 * (c->tlsp.why), the peer refused ours (an alert), or its answer was not
 * TLS.  An outbound whose answer was an older node's (version 1)
 * plaintext hello, with [p2p] plaintext = yes, marks the address
 * plaintext for NETD_PLAINTEXT_MARK_S: the next dials speak plaintext.
 * Any other plaintext answer (a version-2+ hello: a node that speaks TLS,
 * so a downgrade attack or a misconfiguration) is refused and marks
 * nothing (as BIP 324 falls back to v1 only on the v1 signal;
 * docs/protocol.md section 12).
 */
static void
tls_failed(struct conn *c, unsigned long err)
{
	char	buf[160];
	int	not_tls = ERR_GET_LIB(err) == ERR_LIB_SSL &&
	    (ERR_GET_REASON(err) == SSL_R_WRONG_VERSION_NUMBER ||
	    ERR_GET_REASON(err) == SSL_R_PACKET_LENGTH_TOO_LONG);

	ERR_clear_error();
	if (c->tlsp.checked && !c->tlsp.ok) {
		conn_close(c, CLOSE_PROTOCOL, 0, "TLS: refused: %s",
		    c->tlsp.why);
		return;
	}
	if (not_tls && c->dir == DIR_OUTBOUND && c->addr != NULL &&
	    c->nd->cfg->plaintext && !c->tlsp.pinned) {
		unsigned v = plaintext_answer_version(c);

		if (v == WIRE_VERSION_PLAIN && !c->addr->tls_seen) {
			c->addr->plaintext_until = mono_now() +
			    NETD_PLAINTEXT_MARK_S;
			conn_close(c, CLOSE_PROTOCOL, 0, "TLS: the answer is "
			    "a version-1 hello: dialling plaintext for %.0f s "
			    "([p2p] plaintext = yes)", NETD_PLAINTEXT_MARK_S);
		} else {
			c->nd->c.downgrades_refused++;
			conn_close(c, CLOSE_PROTOCOL, 0, "TLS: the answer is "
			    "plaintext (%s): refused, not marked (a downgrade "
			    "attack or a misconfiguration)", v == 0 ? "no "
			    "hello of our network" : v == WIRE_VERSION_PLAIN ?
			    "version 1 from an address that spoke TLS" :
			    "a version-2 hello");
		}
		return;
	}
	/*
	 * No TLS error, only the end of the stream or a system call's
	 * (a reset): the peer hung up in the handshake (its inbound slots
	 * full, shutting down), as a plaintext peer's EOF is an error, not
	 * the peer breaking the protocol: 27 of 100 nodes' closes in
	 * bench/run.sh's network were counted protocol.
	 */
	if (err == 0 || err == SSL_ERROR_SYSCALL ||
	    ERR_GET_LIB(err) == ERR_LIB_SYS) {
		conn_close(c, CLOSE_ERROR, 0, "%s", tls_error_str(err, buf,
		    sizeof(buf)));
		return;
	}
	conn_close(c, CLOSE_PROTOCOL, 0, "%s", tls_error_str(err, buf,
	    sizeof(buf)));
}

static void
conn_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;
	int		 err = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_CONNECTED) {
		if (c->state == CONN_CONNECTING)
			conn_start(c);
		else
			tls_up(c);
		return;
	}
	if (c->state == CONN_CLOSING) {
		conn_bury(c);
		return;
	}
	if (c->tls && !c->tls_up && (what & (BEV_EVENT_EOF |
	    BEV_EVENT_ERROR)))
		tls_failed(c, bufferevent_get_openssl_error(bev));
	else if (what & BEV_EVENT_EOF)
		conn_close(c, CLOSE_ERROR, 0, "connection closed by the peer");
	else if (what & BEV_EVENT_ERROR)
		conn_close(c, CLOSE_ERROR, 0, "%s", err ? strerror(err) :
		    "socket error");
}

/*
 * Requests of ours to c that passed their deadline unanswered fail
 * (req_fail: syncd asks another peer).  Not while we pause reading c:
 * the answer may wait in our own input (the same fault as a ping's,
 * output_progress); conn_resume reads it before the next tick, and a peer
 * that keeps us paused by not reading meets the ping timeout.
 */
static void
req_deadlines(struct conn *c, double now)
{
	int i;

	if (c->read_paused)
		return;
	for (i = 0; i < c->nreqs; ) {
		if (c->reqs[i].deadline > now) {
			i++;
			continue;
		}
		netd_log(c->nd, c->ip, NLOG_REQUEST, LOGRATE_INFO, "%s: no "
		    "answer to request %u in %.0f s", c->name,
		    c->reqs[i].wire_reqid, NETD_PEER_REQ_S);
		req_fail(c, &c->reqs[i]);
		c->reqs[i] = c->reqs[--c->nreqs];
	}
}

/*
 * A ping is due on c (docs/protocol.md section 5).  With none out, one is
 * sent, behind whatever output is queued.  With one out, its pong is
 * late: a missed pong, and the same ping stays out, no new one.  TCP loses
 * nothing, so a second ping proves no more than the first, and its new
 * nonce made the first one's pong, when it came after the interval, count
 * for nothing: a peer whose round trip was longer than ping_interval was
 * closed for "pings unanswered" while it answered every one (a reviewer's
 * finding, 2026-12-01).  Not missed either: a ping whose output ahead of
 * it could not have drained yet at NETD_READ_RATE_MIN (a slow reader
 * reads its backlog first), and once per ping, one out across a read
 * pause (its pong may have waited in our own input).  Our requests'
 * deadlines are checked after (a closed c has none).
 */
static void
ping_due(struct conn *c, double now)
{
	const struct config *cfg = c->nd->cfg;

	c->next_ping = now + cfg->ping_interval;
	if (!c->ping_out)
		send_ping(c, now);
	else if (c->ping_paused && !c->ping_extended) {
		c->ping_paused = 0;
		c->ping_extended = 1;
	} else if (now - c->ping_sent >=
	    (double)c->ping_ahead / NETD_READ_RATE_MIN &&
	    ++c->missed >= cfg->max_missed_pings) {
		conn_close(c, CLOSE_TIMEOUT, 1, "%u pings unanswered",
		    c->missed);
		return;
	}
	req_deadlines(c, now);
}

/*
 * A restarted peer's probe on the registered connection c: a frame read
 * since proves life.  Our output draining does not: the kernel takes a
 * few bytes (the probe ping itself) from a peer that will never answer
 * (issue 11, item 10: a mute old connection was judged alive in 3 of 6
 * tries).  A challenger that closed meanwhile ends the probe (its close
 * unlinks it in the reap pass).  1 when c is closed.
 */
static int
probe_tick(struct conn *c, double now)
{
	if (c->challenger == NULL || !conn_alive(c->challenger))
		return 0;
	if (c->last_frame >= c->probe_start) {
		netd_log(c->nd, c->ip, NLOG_PROBE, LOGRATE_INFO, "%s: answered "
		    "the probe, refusing the new connection from %s", c->name,
		    c->challenger->name);
		conn_close(c->challenger, CLOSE_DUPLICATE, 1, "the peer at "
		    "this address is alive with another node nonce");
		c->challenger = NULL;
	} else if (now > c->probe_deadline) {
		conn_close(c, CLOSE_REPLACED, 1, "no answer to the probe in "
		    "%.1f s, replaced", NETD_PROBE_S);
		return 1;
	}
	return 0;
}

void
conn_tick(struct conn *c, double now)
{
	const struct config *cfg = c->nd->cfg;
	int		     may_ping;

	switch (c->state) {
	case CONN_CONNECTING:
	case CONN_HANDSHAKE:
		if (now - c->created > cfg->handshake_timeout)
			conn_close(c, CLOSE_TIMEOUT, 1, "no handshake in %.1f s",
			    cfg->handshake_timeout);
		else if (c->sniff_later && c->sniff != NULL) {
			c->sniff_later = 0;	/* sniff_cb: too few bytes */
			event_add(c->sniff, NULL);
		}
		return;
	case CONN_CLOSING:
		if (now - c->closing_since > NETD_LINGER_S)
			conn_bury(c);
		return;
	case CONN_DEAD:
		return;
	case CONN_FULL:
		if (now > c->full_until)
			conn_close(c, CLOSE_LIMIT, 1, "no room: %d inbound "
			    "peers", cfg->max_inbound);
		return;
	case CONN_PENDING:
	case CONN_ACTIVE:
		break;
	}
	may_ping = output_progress(c, now);
	if (now - c->last_recv > cfg->ping_timeout) {
		conn_close(c, CLOSE_TIMEOUT, 1, "ping timeout after %.1f s",
		    now - c->last_recv);
		return;
	}
	if (output_unread(c, now))
		return;
	if (c->state != CONN_ACTIVE || probe_tick(c, now))
		return;
	if (may_ping && now >= c->next_ping)
		ping_due(c, now);
	else
		req_deadlines(c, now);
}

/*
 * The peer to shed for the output budget: the one with the most output
 * queued, among those whose output has not shrunk for NETD_SHED_STALL_S
 * (they do not read), or among all once a request has waited for the
 * budget NETD_SHED_WAIT_S (a peer that reads a trickle does not keep
 * the budget from the others for ever).  NULL: nobody to shed.
 */
static struct conn *
shed_candidate(struct netd *nd, double now, int any)
{
	struct conn	*c, *v = NULL;
	size_t		 q, vq = 0;

	TAILQ_FOREACH(c, &nd->conns, entry) {
		if (!conn_alive(c) || c->state == CONN_CONNECTING)
			continue;
		q = evbuffer_get_length(bufferevent_get_output(c->bev));
		if (q == 0 || q <= vq)
			continue;
		if (any || now - c->drained_at >= NETD_SHED_STALL_S) {
			v = c;
			vq = q;
		}
	}
	return v;
}

/*
 * Every tick: when requests wait for the output budget (or small messages
 * pushed all output past it), shed the most expensive peer, one per tick
 * (what a shed peer had in stored still counts until stored answers);
 * then let the waiting requests in as far as the budget allows.  Shedding,
 * rather than only not reading requests while over budget: peers that
 * never read would otherwise keep the budget until their ping timeout
 * (120 s), and every honest peer's requests would wait that long.
 */
void
conn_budget_tick(struct netd *nd, double now)
{
	struct conn	*c, *v, *next;
	size_t		 total, queued;
	double		 oldest;
	int		 waiting;

	total = conn_outq_total(nd, &queued);
	waiting = 0;
	oldest = now;
	TAILQ_FOREACH(c, &nd->conns, entry)
		if (conn_alive(c) && c->read_paused && c->budget_wait) {
			waiting++;
			if (c->budget_since < oldest)
				oldest = c->budget_since;
		}
	if ((total > NETD_OUTQ_BUDGET || (waiting &&
	    total + WIRE_MAX_FRAME > NETD_OUTQ_BUDGET)) &&
	    (v = shed_candidate(nd, now, now - oldest >= NETD_SHED_WAIT_S)) !=
	    NULL) {
		nd->c.outq_shed++;
		conn_close(v, CLOSE_LIMIT, 0, "output budget: %zu bytes "
		    "queued to it, the most of all peers, %zu to all, others "
		    "wait", evbuffer_get_length(bufferevent_get_output(
		    v->bev)), queued);
	}
	nd->c.outq_bytes = queued;
	for (c = TAILQ_FIRST(&nd->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->read_paused)
			conn_resume(c);
	}
}

/* SIGTERM: a goodbye to everybody, written at once, then close. */
void
conn_shutdown_all(struct netd *nd)
{
	struct conn	*c;
	struct wbuf	 w;
	struct wire_msg	 m;
	int		 fd;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_GOODBYE;
	m.u.goodbye.reason = CLOSE_SHUTDOWN;
	snprintf(m.u.goodbye.text, sizeof(m.u.goodbye.text), "shutting down");
	wbuf_init(&w, 1024);
	wire_encode(&w, nd->magic, &m);
	conn_settle(nd);	/* the closes before: applied, not skipped */
	while ((c = TAILQ_FIRST(&nd->conns)) != NULL) {
		if (c->opened && conn_alive(c) && c->tls) {
			/* over TLS: the goodbye in a record of its own,
			 * when no frame is half out (else only the EOF) */
			if (c->tls_up && !w.err && evbuffer_get_length(
			    bufferevent_get_output(c->bev)) == 0)
				(void)SSL_write(bufferevent_openssl_get_ssl(
				    c->bev), w.data, (int)w.len);
			shutdown(bufferevent_getfd(c->bev), SHUT_WR);
			nd->c.connections_closed[CLOSE_SHUTDOWN]++;
		} else if (c->opened && conn_alive(c)) {
			fd = bufferevent_getfd(c->bev);
			evbuffer_write(bufferevent_get_output(c->bev), fd);
			if (!w.err)
				(void)!send(fd, w.data, w.len,
				    MSG_NOSIGNAL | MSG_DONTWAIT);
			shutdown(fd, SHUT_WR);
			nd->c.connections_closed[CLOSE_SHUTDOWN]++;
		}
		TAILQ_REMOVE(&nd->conns, c, entry);
		conn_free(c);
	}
	wbuf_free(&w);
}
