/*
 * conn.c - the one connection type of netd and its message loop.
 *
 * Inbound and outbound connections are the same struct conn with a
 * direction field, run by the same code: both send a hello first, both
 * ping every ping_interval and answer pings, both are judged dead by the
 * same two rules (ping_timeout without any message, max_missed_pings
 * unanswered pings) and by nothing else: a healthy connection is never
 * closed on a timer.  The only differences are in dialer.c (how the
 * socket was made, whether we redial after an error).
 *
 * Input is read through bufferevents whose read high-watermark is one
 * maximal frame, so a peer cannot make us buffer more; the header is
 * judged before the rest of a frame is waited for.  Output that grows past
 * NETD_OUTQ_MAX (a peer that does not read) drops the peer.  Freeing is
 * deferred to the reap event: a closed connection stays in the list, in
 * state CONN_DEAD, until the callback or walk that closed it has returned.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
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

const char *
ip_str(uint32_t ip, char *buf, size_t len)
{
	const uint8_t *b = (const uint8_t *)&ip;

	snprintf(buf, len, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

static void
conn_name(struct conn *c)
{
	char ip[INET_ADDRSTRLEN];

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
    const struct sockaddr_in *remote, struct addr *a)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("conn_new");
		close(fd);
		return NULL;
	}
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
	c->ip = remote->sin_addr.s_addr;
	c->remote_port = ntohs(remote->sin_port);
	c->addr = a;
	c->created = c->last_recv = mono_now();
	c->next_reqid = 1;
	conn_name(c);
	bufferevent_setcb(c->bev, conn_readcb, conn_writecb, conn_eventcb, c);
	/* never buffer more than one maximal frame of a peer's input */
	bufferevent_setwatermark(c->bev, EV_READ, 0, WIRE_MAX_FRAME);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	TAILQ_INSERT_TAIL(&nd->conns, c, entry);
	return c;
}

static void
hello_fill(struct netd *nd, struct wire_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = WIRE_HELLO;
	m->u.hello.version = WIRE_VERSION;
	m->u.hello.magic = nd->magic;
	memcpy(m->u.hello.genesis, nd->genesis_hash, IPC_HASH_LEN);
	m->u.hello.nonce = nd->nonce;
	m->u.hello.listen_port = nd->cfg->listen.port;
	m->u.hello.height = nd->height;
	memcpy(m->u.hello.tip, nd->tip, IPC_HASH_LEN);
	snprintf(m->u.hello.agent, sizeof(m->u.hello.agent), "%s",
	    NETD_AGENT);
}

/* TCP is up (accepted, or connected): learn the ports, say hello. */
void
conn_start(struct conn *c)
{
	struct netd		*nd = c->nd;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	struct wire_msg		*m;
	int			 fd = bufferevent_getfd(c->bev);

	memset(&sin, 0, sizeof(sin));
	if (getsockname(fd, (struct sockaddr *)&sin, &len) == 0) {
		c->local_ip = sin.sin_addr.s_addr;
		c->local_port = ntohs(sin.sin_port);
	}
	c->state = CONN_HANDSHAKE;
	c->opened = 1;
	c->created = c->last_recv = mono_now();
	nd->c.connections_opened++;
	log_debug("%s: TCP up (local port %u, remote port %u)", c->name,
	    c->local_port, c->remote_port);
	if ((m = malloc(sizeof(*m))) == NULL) {
		conn_close(c, CLOSE_ERROR, 0, "out of memory");
		return;
	}
	hello_fill(nd, m);
	conn_send(c, m);
	free(m);
	if (conn_alive(c))
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* Queue one frame; no checks of state or queue length.  -1: not sent. */
static int
conn_write(struct conn *c, const struct wire_msg *m)
{
	struct wbuf	w;
	int		ret = -1;

	wbuf_init(&w, WIRE_MAX_FRAME);
	if (wire_encode(&w, c->nd->magic, m) == -1)
		log_warnx("%s: cannot encode %s", c->name,
		    wire_type_names[m->type]);
	else if (evbuffer_add(bufferevent_get_output(c->bev), w.data, w.len)
	    == 0) {
		c->bytes_out += w.len;
		c->nd->c.bytes_out += w.len;
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
	c->nd->c.pings_sent++;
	c->pings_sent++;
	send_simple(c, WIRE_PING, c->ping_nonce);
}

/* Tell syncd about a registered peer (up, down, new tip). */
void
conn_peer_event(struct conn *c, uint16_t type)
{
	struct ipc_peer	p;
	struct wbuf	w;

	memset(&p, 0, sizeof(p));
	p.ip = c->ip;
	p.listen_port = c->listen_port;
	p.direction = (uint8_t)c->dir;
	p.height = c->height;
	memcpy(p.tip, c->tip, IPC_HASH_LEN);
	wbuf_init(&w, 256);
	ipc_peer_encode(&w, &p);
	netd_sync_send(c->nd, type, 0, &w);
	wbuf_free(&w);
}

/* syncd's requests on this connection end: each gets an empty answer */
void
conn_fail_reqs(struct conn *c)
{
	int i;

	for (i = 0; i < c->nreqs; i++)
		netd_net_blocks(c->nd, c->ip, c->reqs[i].sync_reqid, NULL, 0);
	c->nreqs = 0;
}

static void
conn_free(struct conn *c)
{
	if (c->bev)
		bufferevent_free(c->bev);
	free(c);
}

/* Free the dead; they stay in the list until now so walks stay valid. */
void
conn_reap(struct netd *nd)
{
	struct conn *c, *next;

	for (c = TAILQ_FIRST(&nd->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == CONN_DEAD) {
			TAILQ_REMOVE(&nd->conns, c, entry);
			conn_free(c);
		}
	}
}

static void
conn_bury(struct conn *c)
{
	if (c->state == CONN_DEAD)
		return;
	c->state = CONN_DEAD;
	if (c->bev)
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	event_active(c->nd->reap, EV_TIMEOUT, 0);
}

static void
activate(struct conn *c)
{
	struct netd	*nd = c->nd;
	double		 now = mono_now();

	if (reg_put(&nd->reg, c->ip, c) == -1) {
		conn_close(c, CLOSE_ERROR, 1, "out of memory");
		return;
	}
	c->state = CONN_ACTIVE;
	c->since = now;
	ipc_hist_observe(&nd->handshake_hist, now - c->created);
	c->next_ping = now;		/* a first round trip at once */
	log_info("%s: connected (remote port %u, listen port %u, height "
	    "%llu, %s)", c->name, c->remote_port, c->listen_port,
	    (unsigned long long)c->height, c->agent);
	if (c->dir == DIR_OUTBOUND)
		dialer_succeeded(c);
	else if (c->listen_port != 0)
		addr_learn(nd, c->ip, c->listen_port, ADDR_INBOUND, NULL);
	if (c->listen_port != 0)
		netd_addr_upsert(nd, c->ip, c->listen_port, c->dir ==
		    DIR_OUTBOUND && c->addr ? c->addr->source : ADDR_INBOUND);
	conn_peer_event(c, IPC_NET_PEER_UP);
	/* the one ADDRS we accept from this peer is the answer to this */
	c->addrs_asked = 1;
	send_simple(c, WIRE_GET_ADDRS, 0);
}

/* The registered connection is closing: its challenger takes over. */
static void
promote(struct conn *old)
{
	struct conn *ch = old->challenger;

	old->challenger = NULL;
	if (ch == NULL || ch->state != CONN_PENDING)
		return;
	log_info("%s: replaces the old connection (remote port %u)",
	    ch->name, old->remote_port);
	activate(ch);
}

void
conn_close(struct conn *c, enum net_close_reason reason, int goodbye,
    const char *fmt, ...)
{
	struct netd		*nd = c->nd;
	struct conn		*reg;
	struct wire_msg		 m;
	char			 why[256];
	va_list			 ap;
	int			 was_active = c->state == CONN_ACTIVE;

	if (!conn_alive(c))
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (c->state == CONN_CONNECTING) {
		/* never opened: the dialer logs and backs off */
		dialer_connect_failed(c, why);
		conn_bury(c);
		return;
	}
	if (reason == CLOSE_DUPLICATE || reason == CLOSE_SHUTDOWN)
		log_debug("%s: closed: %s", c->name, why);
	else
		log_info("%s: closed: %s", c->name, why);
	if (c->opened)
		nd->c.connections_closed[reason]++;
	if (c->state == CONN_HANDSHAKE && !c->hello_ok &&
	    reason != CLOSE_SHUTDOWN)
		nd->c.handshakes_failed++;
	if (was_active) {
		reg_del(&nd->reg, c->ip, c);
		conn_fail_reqs(c);
		conn_peer_event(c, IPC_NET_PEER_DOWN);
	} else if (c->state == CONN_PENDING &&
	    (reg = reg_get(&nd->reg, c->ip)) != NULL && reg->challenger == c)
		reg->challenger = NULL;
	c->state = CONN_CLOSING;
	c->read_paused = 0;
	dialer_closed(nd, c, reason);
	if (was_active)
		promote(c);
	if (goodbye && c->opened) {
		memset(&m, 0, sizeof(m));
		m.type = WIRE_GOODBYE;
		m.u.goodbye.reason = (uint8_t)reason;
		why[WIRE_REASON_MAX] = '\0';
		memcpy(m.u.goodbye.text, why, strlen(why) + 1);
		(void)conn_write(c, &m);
		c->closing_since = mono_now();
		/* keep reading (and discarding) so the goodbye is not lost
		 * to a reset; conn_writecb half-closes once it is out */
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
			conn_writecb(c->bev, c);
		return;
	}
	conn_bury(c);
}

/* Which connection of a doubled pair survives (registry.c decides). */
static void
register_conn(struct conn *c)
{
	struct netd	*nd = c->nd;
	struct conn	*old;
	struct reg_view	 vo, vn;
	double		 now = mono_now();

	if ((old = reg_get(&nd->reg, c->ip)) == NULL) {
		activate(c);
		return;
	}
	vo.dir = old->dir;
	vo.nonce = old->nonce;
	vo.local_port = old->local_port;
	vo.remote_port = old->remote_port;
	vn.dir = c->dir;
	vn.nonce = c->nonce;
	vn.local_port = c->local_port;
	vn.remote_port = c->remote_port;
	switch (reg_decide(ntohl(c->local_ip), ntohl(c->ip), &vo, &vn)) {
	case REG_KEEP_EXISTING:
		nd->c.duplicates_resolved++;
		log_info("%s: duplicate of the %s connection (ports %u/%u), "
		    "keeping that one", c->name, old->dir == DIR_INBOUND ?
		    "inbound" : "outbound", old->local_port,
		    old->remote_port);
		conn_close(c, CLOSE_DUPLICATE, 1, "duplicate");
		break;
	case REG_KEEP_NEW:
		nd->c.duplicates_resolved++;
		if (old->challenger != NULL)	/* its probe ends with it */
			conn_close(old->challenger, CLOSE_DUPLICATE, 1,
			    "the connection being probed was superseded");
		log_info("%s: duplicate of the %s connection (ports %u/%u), "
		    "keeping this one (ports %u/%u)", c->name,
		    old->dir == DIR_INBOUND ? "inbound" : "outbound",
		    old->local_port, old->remote_port, c->local_port,
		    c->remote_port);
		old->superseded = 1;	/* no backoff: c lives on */
		conn_close(old, CLOSE_DUPLICATE, 1, "duplicate");
		activate(c);
		break;
	case REG_PROBE:
		if (old->challenger != NULL) {
			conn_close(c, CLOSE_DUPLICATE, 1, "another connection "
			    "from this address is being checked");
			break;
		}
		log_info("%s: new node nonce from %s: probing the old "
		    "connection (remote port %u) for %.1f s", c->name,
		    old->name, old->remote_port, NETD_PROBE_S);
		c->state = CONN_PENDING;
		old->challenger = c;
		old->probe_start = now;
		old->probe_deadline = now + NETD_PROBE_S;
		if (!old->ping_out)
			send_ping(old, now);
		break;
	}
}

static void
on_hello(struct conn *c, const struct wire_hello *h)
{
	struct netd *nd = c->nd;

	if (c->state != CONN_HANDSHAKE) {
		conn_close(c, CLOSE_PROTOCOL, 1, "second hello");
		return;
	}
	if (h->version != WIRE_VERSION) {
		conn_close(c, CLOSE_PROTOCOL, 1, "protocol version %u, we "
		    "speak %u", h->version, WIRE_VERSION);
		return;
	}
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
		return;			/* late or unasked: still a sign */
	rtt = now - c->ping_sent;
	c->rtt_us = rtt * 1e6 > 4e9 ? 4000000000u : (uint32_t)(rtt * 1e6);
	c->ping_out = 0;
	c->missed = 0;
	c->nd->c.pongs_received++;
	c->pongs_received++;
	log_debug("%s: pong, %.3f ms", c->name, rtt * 1e3);
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
			if (c->reqs[k].wire_reqid == b->reqid)
				break;
		if (k == c->nreqs) {
			log_debug("%s: blocks for unknown request %u, dropped",
			    c->name, b->reqid);
			return;
		}
		sync_reqid = c->reqs[k].sync_reqid;
	} else if (b->count != 1) {
		conn_close(c, CLOSE_PROTOCOL, 1, "unsolicited blocks: %u "
		    "blocks, an announcement carries one", b->count);
		return;
	}
	for (i = 0; i < b->count; i++)
		if ((e = block_decode(b->v[i].p, b->v[i].len, &blk)) !=
		    BLOCK_OK) {
			conn_close(c, CLOSE_PROTOCOL, 1, "block %u of %u: %s",
			    i, b->count, block_error_names[e]);
			return;
		}
	if (b->reqid == 0) {
		/* blk is the one announced block */
		if (blk.h.height <= c->height) {
			log_debug("%s: announced block %llu not above its "
			    "height %llu, dropped", c->name,
			    (unsigned long long)blk.h.height,
			    (unsigned long long)c->height);
			return;
		}
		c->blocks_received++;
		netd_net_blocks(c->nd, c->ip, 0, b->v, 1);
		on_tip(c, blk.h.height, blk.hash);
		return;
	}
	c->reqs[k] = c->reqs[--c->nreqs];
	c->blocks_received += b->count;
	netd_net_blocks(c->nd, c->ip, sync_reqid, b->v, b->count);
}

static void
on_get_addrs(struct conn *c, double now)
{
	struct netd	*nd = c->nd;
	struct wire_msg	*m;
	struct conn	*o;
	struct addr	*a;
	uint32_t	 n = 0;

	if (c->addrs_answered && now - c->addrs_answered < NETD_ADDRS_EVERY_S)
		return;
	c->addrs_answered = now;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return;
	m->type = WIRE_ADDRS;
	TAILQ_FOREACH(o, &nd->conns, entry)
		if (n < WIRE_MAX_ADDRS && o != c && o->state == CONN_ACTIVE &&
		    o->listen_port != 0) {
			m->u.addrs.v[n].ip = o->ip;
			m->u.addrs.v[n++].port = o->listen_port;
		}
	TAILQ_FOREACH(a, &nd->addrs, entry)
		if (n < WIRE_MAX_ADDRS && a->ip != c->ip && !a->self &&
		    a->failures == 0 && reg_get(&nd->reg, a->ip) == NULL &&
		    !is_banned(nd, a->ip, now)) {
			m->u.addrs.v[n].ip = a->ip;
			m->u.addrs.v[n++].port = a->port;
		}
	m->u.addrs.count = n;
	conn_send(c, m);
	free(m);
}

/*
 * Only the answer to our own GET_ADDRS, once; only addresses new to us go
 * to stored (each is a write there), and only those in the advertising
 * peer's scope: loopback from loopback, private from private or loopback.
 */
static void
on_addrs(struct conn *c, const struct wire_addrs *as)
{
	struct netd	*nd = c->nd;
	uint32_t	 i;
	int		 isnew;

	if (!c->addrs_asked) {
		conn_close(c, CLOSE_PROTOCOL, 1, "addrs we did not ask for");
		return;
	}
	c->addrs_asked = 0;
	for (i = 0; i < as->count; i++) {
		if (as->v[i].ip == nd->cfg->listen.ip.s_addr)
			continue;		/* us */
		if (!addr_scope_ok(ntohl(as->v[i].ip), ntohl(c->ip)))
			continue;
		if (addr_learn(nd, as->v[i].ip, as->v[i].port,
		    ADDR_EXCHANGE, &isnew) != NULL && isnew)
			netd_addr_upsert(nd, as->v[i].ip, as->v[i].port,
			    ADDR_EXCHANGE);
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
	if (c->state != CONN_ACTIVE)	/* pending: only ping/pong */
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
	case WIRE_GET_ADDRS:
		on_get_addrs(c, now);
		break;
	case WIRE_ADDRS:
		on_addrs(c, &m->u.addrs);
		break;
	}
}

/* Frame errors: the first frame of another network is "wrong network". */
static void
frame_error(struct conn *c, enum wire_status st)
{
	if (st == WIRE_ERR_MAGIC && c->state == CONN_HANDSHAKE)
		conn_close(c, CLOSE_WRONG_NETWORK, 1, "wrong network magic");
	else
		conn_close(c, CLOSE_PROTOCOL, 1, "%s", wire_status_names[st]);
}

/*
 * Room to take one more request of c's: a slot of its own in stored, and
 * its output queue can hold every answer in flight, this one included,
 * at their largest.  Without room the request waits unread (conn_readcb),
 * so a peer that pipelines requests is slowed down to what it reads
 * instead of being dropped for a full output queue.
 */
int
conn_serve_room(const struct conn *c)
{
	size_t	queued = evbuffer_get_length(bufferevent_get_output(c->bev));

	return c->serving < NETD_MAX_SERVE && queued +
	    (size_t)(c->serving + 1) * WIRE_MAX_FRAME <= NETD_OUTQ_MAX;
}

/* A block request without room to answer it waits, and so does the rest. */
static int
must_wait(const struct conn *c, uint16_t type)
{
	return c->state == CONN_ACTIVE && (type == WIRE_GET_RANGE ||
	    type == WIRE_GET_LOCATOR) && !conn_serve_room(c);
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
	size_t			 have, used;
	double			 now = mono_now();

	while (conn_alive(c)) {
		have = evbuffer_get_length(in);
		if (have < WIRE_HDR_LEN)
			break;
		evbuffer_copyout(in, hdr, sizeof(hdr));
		/* judged on the header alone, before anything else */
		if ((st = wire_hdr_parse(hdr, sizeof(hdr), c->nd->magic, &h))
		    != WIRE_OK) {
			frame_error(c, st);
			break;
		}
		if (have < WIRE_HDR_LEN + (size_t)h.len)
			break;		/* the watermark allows a whole one */
		if (must_wait(c, h.type)) {
			/* read on once an answer is out (conn_resume) */
			c->read_paused = 1;
			bufferevent_disable(bev, EV_READ);
			break;
		}
		if (m == NULL && (m = malloc(sizeof(*m))) == NULL) {
			conn_close(c, CLOSE_ERROR, 0, "out of memory");
			break;
		}
		p = evbuffer_pullup(in, WIRE_HDR_LEN + (ssize_t)h.len);
		st = p ? wire_frame_parse(p, WIRE_HDR_LEN + h.len,
		    c->nd->magic, m, &used) : WIRE_ERR_SIZE;
		if (st != WIRE_OK) {
			frame_error(c, st);
			break;
		}
		c->last_recv = now;
		c->bytes_in += used;
		c->nd->c.bytes_in += used;
		dispatch(c, m, now);
		evbuffer_drain(in, used);
	}
	free(m);
	if (c->state == CONN_CLOSING)	/* discard until EOF */
		evbuffer_drain(in, evbuffer_get_length(in));
}

/*
 * A peer that reads a backlog of our answers cannot answer a ping queued
 * behind it, and while we pause reading it (a request waits for room) we
 * do not see its pongs either.  What proves it alive then is that it
 * reads: our output to it drains.  That counts as a message received, for
 * the ping timeout and a restarted peer's probe alike, and no ping is
 * sent (or missed) while output is queued or reading is paused.  A peer
 * that stops reading stops the drain: the ping timeout ends it.
 * Returns whether a ping may go out now.
 */
static int
output_progress(struct conn *c, double now)
{
	size_t	queued;

	queued = evbuffer_get_length(bufferevent_get_output(c->bev));
	if (queued < c->outq_last)
		c->last_recv = now;
	c->outq_last = queued;
	return queued == 0 && !c->read_paused;
}

/* A paused connection reads on when a request of its fits again. */
void
conn_resume(struct conn *c)
{
	if (!c->read_paused || !conn_alive(c) || !conn_serve_room(c))
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

static void
conn_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;
	int		 err = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		conn_start(c);
		return;
	}
	if (c->state == CONN_CLOSING) {
		conn_bury(c);
		return;
	}
	if (what & BEV_EVENT_EOF)
		conn_close(c, CLOSE_ERROR, 0, "connection closed by the peer");
	else if (what & BEV_EVENT_ERROR)
		conn_close(c, CLOSE_ERROR, 0, "%s", err ? strerror(err) :
		    "socket error");
}

static void
req_deadlines(struct conn *c, double now)
{
	int i;

	for (i = 0; i < c->nreqs; ) {
		if (c->reqs[i].deadline > now) {
			i++;
			continue;
		}
		log_info("%s: no answer to request %u in %.0f s", c->name,
		    c->reqs[i].wire_reqid, NETD_PEER_REQ_S);
		netd_net_blocks(c->nd, c->ip, c->reqs[i].sync_reqid, NULL, 0);
		c->reqs[i] = c->reqs[--c->nreqs];
	}
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
		return;
	case CONN_CLOSING:
		if (now - c->closing_since > NETD_LINGER_S)
			conn_bury(c);
		return;
	case CONN_DEAD:
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
	if (c->state != CONN_ACTIVE)
		return;
	/* a restarted peer's probe: any message since proves life */
	if (c->challenger != NULL) {
		if (c->last_recv >= c->probe_start) {
			log_info("%s: answered the probe, refusing the new "
			    "connection from %s", c->name, c->challenger->name);
			conn_close(c->challenger, CLOSE_DUPLICATE, 1,
			    "the peer at this address is alive with another "
			    "node nonce");
			c->challenger = NULL;
		} else if (now > c->probe_deadline) {
			conn_close(c, CLOSE_REPLACED, 1, "no answer to the "
			    "probe in %.1f s, replaced", NETD_PROBE_S);
			return;
		}
	}
	if (may_ping && now >= c->next_ping) {
		if (c->ping_out && ++c->missed >= cfg->max_missed_pings) {
			conn_close(c, CLOSE_TIMEOUT, 1, "%u pings unanswered",
			    c->missed);
			return;
		}
		send_ping(c, now);
		c->next_ping = now + cfg->ping_interval;
	}
	req_deadlines(c, now);
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
	while ((c = TAILQ_FIRST(&nd->conns)) != NULL) {
		if (c->opened && conn_alive(c)) {
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
