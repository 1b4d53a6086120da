/* SPDX-License-Identifier: ISC */
/*
 * netd - every TCP connection of the node, inbound and outbound.
 *
 * The only process that touches the network, and so the one most likely
 * to be attacked: it validates every byte a peer sends (wire.c), keeps at
 * most one connection per peer IP (registry.c), keeps connections up with
 * two-way ping/pong (conn.c) and redials with backoff (dialer.c).  It
 * holds no chain state of its own: blocks peers ask for are read from
 * stored, blocks and tips peers send go to syncd, and what syncd wants
 * sent goes out.  When stored or syncd is down, connections stay up:
 * requests for stored are answered empty after a deadline (the peer asks
 * again), messages for syncd are dropped and replayed as PEER_UP when it
 * comes back.
 *
 * This file is the worker (life cycle, status heartbeat, the tick) and
 * the IPC side: the stored channel (tip, blocks to serve, address book)
 * and the sync channel.
 */
#include <netinet/in.h>

#include <event2/event.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chan.h"
#include "log.h"
#include "metrics_http.h"
#include "netd.h"

static struct netd	env;	/* this worker's state */

static uint32_t
next_reqid(struct netd *nd)
{
	if (++nd->next_ipc_reqid == 0)
		nd->next_ipc_reqid = 1;
	return nd->next_ipc_reqid;
}

void
netd_store_send(struct netd *nd, uint16_t type, uint32_t reqid,
    const struct wbuf *body)
{
	if (nd->store != NULL && ipc_connected(nd->store))
		ipc_send(nd->store, type, reqid, body);
}

void
netd_sync_send(struct netd *nd, uint16_t type, uint32_t reqid,
    const struct wbuf *body)
{
	if (nd->sync != NULL && ipc_connected(nd->sync))
		ipc_send(nd->sync, type, reqid, body);
}

void
netd_compose(struct ipc_chan *c, uint16_t type, uint32_t reqid,
    const void *msg, size_t size)
{
	if (c != NULL && ipc_connected(c))
		ipc_compose_sized(c, type, reqid, msg, size);
}

/* What a peer sent for syncd's request reqid (0: an announcement). */
void
netd_net_blocks(struct netd *nd, struct netaddr ip, uint32_t reqid,
    const struct blob *v, uint32_t count)
{
	struct ipc_net_blocks	nb;

	memset(&nb, 0, sizeof(nb));
	nb.ip = ip;
	nb.reqid = reqid;
	nb.blocks.code = IPC_OK;
	nb.blocks.count = count;
	nb.blocks.v = (struct blob *)(uintptr_t)v;
	netd_sync_compose(nd, IPC_NET_BLOCKS, reqid, &nb);
}

void
netd_addr_upsert(struct netd *nd, struct netaddr ip, uint16_t port, uint8_t source)
{
	struct ipc_addr	a;

	memset(&a, 0, sizeof(a));
	a.ip = ip;
	a.port = port;
	a.source = source;
	a.last_seen = (uint64_t)time(NULL);
	netd_store_compose(nd, IPC_STORE_ADDR_UPSERT, next_reqid(nd), &a);
}

void
netd_addr_mark(struct netd *nd, struct netaddr ip, uint16_t port, uint8_t outcome,
    double ban_s)
{
	struct ipc_addr_mark	m;

	memset(&m, 0, sizeof(m));
	m.ip = ip;
	m.port = port;
	m.outcome = outcome;
	m.now = (uint64_t)time(NULL);
	if (outcome == ADDR_BAN)
		m.until = m.now + (uint64_t)ban_s;
	netd_store_compose(nd, IPC_STORE_ADDR_MARK, next_reqid(nd), &m);
}

void
netd_tip_refresh(struct netd *nd)
{
	nd->next_tip_refresh = mono_now() + NETD_TIP_REFRESH_S;
	netd_store_send(nd, IPC_STORE_TIP_REQ, next_reqid(nd), NULL);
}

/* Ask stored for a list of addresses; returns the request's id. */
static uint32_t
addr_query(struct netd *nd, uint32_t max, enum addr_purpose purpose)
{
	struct ipc_addr_query	q;
	uint32_t		reqid = next_reqid(nd);

	q.max = max;
	q.purpose = (uint8_t)purpose;
	q.now = (uint64_t)time(NULL);
	netd_store_compose(nd, IPC_STORE_ADDR_LIST_REQ, reqid, &q);
	return reqid;
}

static void
addr_refresh(struct netd *nd)
{
	nd->next_addr_refresh = mono_now() + NETD_ADDR_REFRESH_S;
	addr_query(nd, 64, ADDR_FOR_DIAL);
}

/*
 * Ask stored for what netd still needs before it starts.  On each
 * connection to stored: a request sent on a connection stored refused (it
 * learns a new netd's pid from a heartbeat) is lost with it, and the
 * channel reports the next one.
 */
static void	boot_step(struct netd *, unsigned);

static void
boot_ask(struct netd *nd)
{
	if (!(nd->boot & NETD_BOOT_TIP))
		netd_tip_refresh(nd);
	if (!(nd->boot & NETD_BOOT_BANS))
		nd->bans_reqid = addr_query(nd, NETD_MAX_BANS, ADDR_BANNED);
	if (!(nd->boot & NETD_BOOT_KEY))
		netd_store_send(nd, IPC_STORE_NODE_KEY_REQ, next_reqid(nd),
		    NULL);
}

/* the node key's seed: our TLS certificate is made of it (tls.h) */
static void
node_key_use(struct netd *nd, const uint8_t seed[NODE_KEY_LEN],
    const char *what)
{
	char key[NODE_KEY_STR_LEN];

	if (tls_ctx_set_key(nd->tls_ctx, seed, nd->node_key) == -1)
		return;
	log_info("%s %s", what, node_key_str(nd->node_key, key,
	    sizeof(key)));
	boot_step(nd, NETD_BOOT_KEY);
}

static void
on_store_node_key(struct netd *nd, struct rbuf *r)
{
	struct ipc_node_key k;

	if (nd->boot & NETD_BOOT_KEY)
		return;
	if (ipc_node_key_decode(r, &k) == 0)
		node_key_use(nd, k.seed, "node key");
	sodium_memzero(&k, sizeof(k));
}

/*
 * stored has never answered: a key for this run only, not to stall
 * (docs/protocol.md section 12).  Peers that pinned our key refuse us,
 * and every peer that knew us logs and counts a key change; the status
 * says so (node.node_key_temporary).  stored's answer, if it comes
 * later, is ignored until netd restarts: the certificate in use stays.
 */
static void
node_key_temporary(struct netd *nd)
{
	uint8_t seed[NODE_KEY_LEN];

	randombytes_buf(seed, sizeof(seed));
	log_warnx("no node key from stored in %.0f s: using a temporary node "
	    "key until netd restarts; peers that pinned our key will refuse "
	    "us and every peer that knew us will log a key change",
	    NETD_BOOT_S);
	nd->node_key_temporary = 1;
	node_key_use(nd, seed, "temporary node key");
	sodium_memzero(seed, sizeof(seed));
}

void
netd_peer_key_record(struct netd *nd, struct netaddr ip,
    const uint8_t key[NODE_KEY_LEN])
{
	struct ipc_peer_key	k;

	k.ip = ip;
	memcpy(k.key, key, NODE_KEY_LEN);
	netd_store_compose(nd, IPC_STORE_PEER_KEY, next_reqid(nd), &k);
}

/*
 * stored's answer about a peer's key: one that changed for a known
 * address is logged (rate-limited per IP) and counted (issue 14; as
 * ssh's known_hosts, but opportunistic: the connection stays).
 */
static void
on_store_peer_key(struct netd *nd, struct rbuf *r)
{
	struct ipc_peer_key_ack	ack;
	char			old[NODE_KEY_STR_LEN], ip[NETADDR_STRLEN];

	if (ipc_peer_key_ack_decode(r, &ack) == -1)
		return;
	if (ack.outcome == PEER_KEY_CHANGED) {
		nd->c.peer_key_changed++;
		netd_log(nd, ack.ip, NLOG_CONNECT, LOGRATE_WARN, "%s: node key "
		    "changed: it was %s at an earlier contact; the new one is "
		    "recorded (pin it with peer = IP:PORT KEY to refuse a "
		    "change)", ip_str(ack.ip, ip, sizeof(ip)), node_key_str(
		    ack.old, old, sizeof(old)));
	} else if (ack.outcome == PEER_KEY_FULL)
		netd_log(nd, ack.ip, NLOG_CONNECT, LOGRATE_DEBUG, "%s: node key "
		    "not recorded: the table is full", ip_str(ack.ip, ip,
		    sizeof(ip)));
}

/*
 * One more thing known (or, with NETD_BOOTED, the wait is over): once the
 * tip and the bans are, the listener takes the connections queued
 * meanwhile and the dialer starts.
 */
static void
boot_step(struct netd *nd, unsigned what)
{
	if (nd->boot == NETD_BOOTED)
		return;
	nd->boot |= what;
	if (nd->boot != NETD_BOOTED)
		return;
	if (what != NETD_BOOTED)
		log_info("tip %llu and bans known: accepting and dialling",
		    (unsigned long long)nd->height);
	dialer_start(nd);
	worker_up(nd->w);	/* serving peers now */
}

/*
 * Serving peers' block requests from stored.  One slot per request in
 * stored; a locator request takes two steps (fork point, then blocks).
 */
static struct serve *
serve_slot(struct netd *nd, struct conn *c)
{
	int i;

	if (c->serving >= NETD_MAX_SERVE || nd->store == NULL ||
	    !ipc_connected(nd->store))
		return NULL;
	for (i = 0; i < NETD_MAX_SERVING; i++)
		if (nd->serving[i].ipc_reqid == 0)
			return &nd->serving[i];
	return NULL;
}

static struct serve *
serve_find(struct netd *nd, uint32_t ipc_reqid)
{
	int i;

	if (ipc_reqid == 0)
		return NULL;
	for (i = 0; i < NETD_MAX_SERVING; i++)
		if (nd->serving[i].ipc_reqid == ipc_reqid)
			return &nd->serving[i];
	return NULL;
}

static void
send_blocks(struct conn *c, uint32_t reqid, const struct blob *v,
    uint32_t count)
{
	struct wire_msg	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return;
	m->type = WIRE_BLOCKS;
	/* the prefix that fits in one message */
	(void)wire_blocks_fill(&m->u.blocks, reqid, v, count);
	conn_send(c, m);
	free(m);
}

static void
send_headers(struct conn *c, uint32_t reqid, const uint8_t *h,
    uint32_t count)
{
	struct wire_msg m;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_HEADERS;
	m.u.headers.reqid = reqid;
	m.u.headers.count = count <= WIRE_MAX_HEADERS ? count : 0;
	m.u.headers.h = h;
	conn_send(c, &m);
}

/*
 * The request ends: the peer gets what we have (maybe nothing): blocks v
 * or, for a header request, count headers at h.
 */
static void
serve_end(struct netd *nd, struct serve *s, const struct blob *v,
    const uint8_t *h, uint32_t count)
{
	struct conn *c = conn_by_serial(nd, s->serial);

	s->ipc_reqid = 0;
	if (c != NULL) {
		c->serving--;
		if (s->headers)
			send_headers(c, s->peer_reqid, h,
			    h != NULL ? count : 0);
		else
			send_blocks(c, s->peer_reqid, v,
			    v != NULL ? count : 0);
		conn_resume(c);
	}
}

static void
serve_done(struct netd *nd, struct serve *s, const struct blob *v,
    uint32_t count)
{
	serve_end(nd, s, v, NULL, count);
}

static void
serve_blocks_req(struct netd *nd, struct serve *s, uint64_t from)
{
	struct ipc_range	r;

	r.from = from;
	r.count = s->count;
	r.max_bytes = WIRE_MAX_BATCH - BLOCK_MAX_LEN;
	s->ipc_reqid = next_reqid(nd);
	netd_store_compose(nd, IPC_STORE_BLOCKS_REQ, s->ipc_reqid, &r);
}

/* slot s now serves c's request reqid (its answer due NETD_SERVE_S on) */
static void
serve_take(struct serve *s, struct conn *c, uint32_t reqid, uint32_t count,
    int headers)
{
	c->serving++;
	s->serial = c->serial;
	s->peer_reqid = reqid;
	s->count = count;
	s->headers = headers;
	s->deadline = mono_now() + NETD_SERVE_S;
}

void
netd_serve_range(struct netd *nd, struct conn *c, uint32_t reqid,
    uint64_t from, uint32_t count)
{
	struct serve *s;

	if ((s = serve_slot(nd, c)) == NULL) {
		send_blocks(c, reqid, NULL, 0);
		return;
	}
	serve_take(s, c, reqid, count, 0);
	serve_blocks_req(nd, s, from);
}

void
netd_serve_headers(struct netd *nd, struct conn *c, uint32_t reqid,
    uint64_t from, uint32_t count)
{
	struct ipc_headers_req	 q;
	struct serve		*s;

	if ((s = serve_slot(nd, c)) == NULL) {
		send_headers(c, reqid, NULL, 0);
		return;
	}
	serve_take(s, c, reqid, count, 1);
	q.from = from;
	q.count = count;
	s->ipc_reqid = next_reqid(nd);
	netd_store_compose(nd, IPC_STORE_HEADERS_REQ, s->ipc_reqid, &q);
}

void
netd_serve_locator(struct netd *nd, struct conn *c,
    const struct wire_get_locator *l)
{
	struct ipc_hashes	*h;
	struct serve		*s;

	if ((s = serve_slot(nd, c)) == NULL ||
	    (h = malloc(sizeof(*h))) == NULL) {
		send_blocks(c, l->reqid, NULL, 0);
		return;
	}
	serve_take(s, c, l->reqid, l->count, 0);
	s->ipc_reqid = next_reqid(nd);
	h->count = l->nhashes;
	memcpy(h->h, l->h, (size_t)l->nhashes * IPC_HASH_LEN);
	netd_store_compose(nd, IPC_STORE_FORK_REQ, s->ipc_reqid, h);
	free(h);
}

static void
serve_expire(struct netd *nd, double now, int all)
{
	int i;

	for (i = 0; i < NETD_MAX_SERVING; i++)
		if (nd->serving[i].ipc_reqid != 0 &&
		    (all || nd->serving[i].deadline < now))
			serve_done(nd, &nd->serving[i], NULL, 0);
}

static void
on_store_tip(struct netd *nd, struct rbuf *r)
{
	struct ipc_tip	t;
	struct wire_msg	m;

	if (ipc_tip_decode(r, &t) == -1) {
		log_warnx("stored: malformed tip, dropped");
		return;
	}
	if (memcmp(t.genesis, nd->genesis_hash, IPC_HASH_LEN) != 0) {
		log_debug("stored: tip of another genesis, ignored");
		return;
	}
	if (t.height == nd->height && memcmp(t.hash, nd->tip,
	    IPC_HASH_LEN) == 0) {
		boot_step(nd, NETD_BOOT_TIP);
		return;
	}
	nd->height = t.height;
	memcpy(nd->tip, t.hash, IPC_HASH_LEN);
	memset(&m, 0, sizeof(m));
	m.type = WIRE_TIP;
	m.u.tip.height = t.height;
	memcpy(m.u.tip.hash, t.hash, IPC_HASH_LEN);
	conn_broadcast(nd, &m);
	boot_step(nd, NETD_BOOT_TIP);
}

static void
on_store_addrs(struct netd *nd, struct rbuf *r)
{
	struct ipc_addrs	 as;
	struct addr		*a;
	uint32_t		 i;

	if (ipc_addrs_decode(r, &as) == -1) {
		log_warnx("stored: malformed address list, dropped");
		return;
	}
	for (i = 0; i < as.count; i++)
		if ((a = addr_learn(nd, as.v[i].ip, as.v[i].port,
		    as.v[i].source, NULL, NULL)) != NULL)
			a->in_book = 1;
	ipc_addrs_free(&as);
}

static void
on_store_bans(struct netd *nd, struct rbuf *r)
{
	struct ipc_addrs	 as;
	uint64_t		 unow = (uint64_t)time(NULL);
	uint32_t		 i, n = 0;

	if (ipc_addrs_decode(r, &as) == -1) {
		log_warnx("stored: malformed list of bans, dropped");
		return;
	}
	for (i = 0; i < as.count; i++)
		if (as.v[i].banned_until > unow) {
			ban_remember(nd, as.v[i].ip,
			    (double)(as.v[i].banned_until - unow),
			    CLOSE_NREASONS);
			n++;
		}
	ipc_addrs_free(&as);
	if (n > 0)
		log_info("%u banned addresses in the address book", n);
	boot_step(nd, NETD_BOOT_BANS);
}

static void
on_store_point(struct netd *nd, struct serve *s, struct rbuf *r)
{
	struct ipc_point p;

	if (ipc_point_decode(r, &p) == -1) {
		serve_done(nd, s, NULL, 0);
		return;
	}
	/* the blocks after the fork point (after genesis if none known) */
	serve_blocks_req(nd, s, p.found ? p.height + 1 : 1);
}

/* stored's headers for a peer's GET_HEADERS (at most the count asked) */
static void
on_store_headers(struct netd *nd, struct serve *s, struct rbuf *r)
{
	struct ipc_headers hs;

	if (!s->headers || ipc_headers_decode(r, &hs) == -1 ||
	    hs.code != IPC_OK || hs.count > s->count) {
		serve_done(nd, s, NULL, 0);
		return;
	}
	serve_end(nd, s, NULL, hs.h, hs.count);
}

static void
on_store_blocks(struct netd *nd, struct serve *s, struct rbuf *r)
{
	struct ipc_blocks b;

	if (ipc_blocks_decode(r, &b) == -1) {
		serve_done(nd, s, NULL, 0);
		return;
	}
	serve_done(nd, s, b.code == IPC_OK ? b.v : NULL,
	    b.code == IPC_OK ? b.count : 0);
	ipc_blocks_free(&b);
}

/*
 * timenodectl bans / unban IP (issue 11, item 7).  netd holds the bans in
 * force; the address book keeps them across restarts, so an unban is
 * answered once stored has forgotten the ban too (or could not).
 */
static void
unban_answer(struct netd *nd, uint32_t status_reqid, uint8_t code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
unban_answer(struct netd *nd, uint32_t status_reqid, uint8_t code,
    const char *fmt, ...)
{
	struct ipc_result	res;
	va_list			ap;

	memset(&res, 0, sizeof(res));
	res.code = code;
	va_start(ap, fmt);
	vsnprintf(res.reason, sizeof(res.reason), fmt, ap);
	va_end(ap);
	ipc_compose(nd->w->ctl, IPC_UNBAN_ACK, status_reqid, &res);
}

static void
unban_stored(struct netd *nd, uint32_t store_reqid, struct rbuf *r)
{
	struct unban_wait	*u;
	struct ipc_result	 res;
	int			 i;

	for (i = 0; i < NETD_UNBAN_WAITS; i++) {
		u = &nd->unbans[i];
		if (u->status_reqid == 0 || u->store_reqid != store_reqid)
			continue;
		if (ipc_result_decode(r, &res) == -1)
			res.code = IPC_ERR_MALFORMED;
		/* refused: the book had no ban (a cool-off is memory only) */
		if (res.code == IPC_OK ||
		    (res.code == IPC_ERR_REFUSED && u->had))
			unban_answer(nd, u->status_reqid, IPC_OK, "ban lifted");
		else if (res.code == IPC_ERR_REFUSED)
			unban_answer(nd, u->status_reqid, IPC_ERR_REFUSED,
			    "not banned");
		else
			unban_answer(nd, u->status_reqid, res.code, "%sthe "
			    "address book: %s; try again", u->had ? "lifted "
			    "in netd, not in " : "", res.reason);
		u->status_reqid = 0;
		return;
	}
}

static void
unban_fail_all(struct netd *nd)
{
	int i;

	for (i = 0; i < NETD_UNBAN_WAITS; i++)
		if (nd->unbans[i].status_reqid != 0) {
			unban_answer(nd, nd->unbans[i].status_reqid,
			    IPC_ERR_BUSY, "lifted in netd; stored went away "
			    "before it did: try again");
			nd->unbans[i].status_reqid = 0;
		}
}

static void
ctl_unban(struct netd *nd, uint32_t reqid, struct rbuf *r)
{
	struct ipc_unban	 u;
	struct unban_wait	*uw = NULL;
	struct ipc_addr_mark	 m;
	char			 ip[NETADDR_STRLEN];
	int			 i, had;

	if (ipc_unban_decode(r, &u) == -1) {
		unban_answer(nd, reqid, IPC_ERR_MALFORMED, "malformed unban");
		return;
	}
	for (i = 0; i < NETD_UNBAN_WAITS; i++)
		if (nd->unbans[i].status_reqid == 0)
			uw = &nd->unbans[i];
	if (uw == NULL) {
		unban_answer(nd, reqid, IPC_ERR_BUSY, "unbans in progress");
		return;
	}
	had = ban_lift(nd, u.ip);
	log_info("%s: unban requested (timenodectl)%s", ip_str(u.ip, ip,
	    sizeof(ip)), had ? "" : "; netd had no ban for it");
	if (nd->store == NULL || !ipc_connected(nd->store)) {
		unban_answer(nd, reqid, had ? IPC_ERR_BUSY : IPC_ERR_REFUSED,
		    "%s; stored is not running, the address book may still "
		    "ban it: try again", had ? "lifted in netd" : "not banned "
		    "in netd");
		return;
	}
	memset(&m, 0, sizeof(m));
	m.ip = u.ip;
	m.outcome = ADDR_UNBAN;
	m.now = (uint64_t)time(NULL);
	uw->status_reqid = reqid;
	uw->store_reqid = next_reqid(nd);
	uw->had = had;
	netd_store_compose(nd, IPC_STORE_ADDR_MARK, uw->store_reqid, &m);
}

/* the wire's limits are the IPC's: a locator or height passes unchanged */
_Static_assert(WIRE_MAX_HASHES == IPC_MAX_HASHES, "locator entries");
_Static_assert(WIRE_MAX_HEIGHT == IPC_MAX_HEIGHT, "largest height");
_Static_assert(BLOCK_HASH_LEN == IPC_HASH_LEN, "hash length");
_Static_assert(WIRE_GOODBYE_REASONS == CLOSE_NREASONS, "goodbye reasons");

/* every ban netd holds fits in one answer */
_Static_assert(NETD_MAX_BANS <= IPC_MAX_BANS, "ban list");

static void
ctl_bans(struct netd *nd, uint32_t reqid)
{
	struct ipc_bans	*b;
	double		 now = mono_now();
	int		 i;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return;
	for (i = 0; i < nd->nbans && b->count < IPC_MAX_BANS; i++)
		if (nd->bans[i].until > now && !nd->bans[i].cool_off) {
			b->v[b->count].ip = nd->bans[i].ip;
			b->v[b->count].reason = nd->bans[i].reason;
			b->v[b->count++].until = nd->bans[i].wall_until;
		}
	ipc_compose(nd->w->ctl, IPC_BANS, reqid, b);
	free(b);
}

/* The supervisor's metrics text, for the HTTP endpoint to serve. */
static void
ctl_metrics_text(struct netd *nd, struct rbuf *body)
{
	if (nd->metrics == NULL)
		return;
	if (metrics_http_set(nd->metrics, body->p + body->off,
	    rbuf_left(body)) == -1)
		log_warnx("metrics: text not kept (out of memory)");
}

/* The supervisor's requests on the control channel (sender and size
 * already checked against the catalogue by the worker's dispatch). */
static void
netd_ctl(struct worker *w, const struct ipc_hdr *h, struct rbuf *r)
{
	struct netd *nd = w->priv;

	if (h->type == IPC_BANS_REQ)
		ctl_bans(nd, h->reqid);
	else if (h->type == IPC_UNBAN)
		ctl_unban(nd, h->reqid, r);
	else if (h->type == IPC_METRICS_TEXT)
		ctl_metrics_text(nd, r);
	else
		log_warnx("control: unexpected %s, dropped",
		    ipc_type_name(h->type));
}

static void
store_dispatch(struct ipc_chan *ch, const struct ipc_hdr *h, struct rbuf *r,
    void *arg)
{
	struct netd	*nd = arg;
	struct serve	*s = serve_find(nd, h->reqid);

	(void)ch;
	switch (h->type) {
	case IPC_STORE_TIP:
		on_store_tip(nd, r);
		return;
	case IPC_STORE_ADDRS:
		if (h->reqid == nd->bans_reqid && nd->bans_reqid != 0) {
			nd->bans_reqid = 0;
			on_store_bans(nd, r);
		} else
			on_store_addrs(nd, r);
		return;
	case IPC_STORE_NODE_KEY:
		on_store_node_key(nd, r);
		return;
	case IPC_STORE_PEER_KEY_ACK:
		on_store_peer_key(nd, r);
		return;
	case IPC_STORE_POINT:
		if (s != NULL)
			on_store_point(nd, s, r);
		return;
	case IPC_STORE_BLOCKS:
		if (s != NULL)
			on_store_blocks(nd, s, r);
		return;
	case IPC_STORE_HEADERS:
		if (s != NULL)
			on_store_headers(nd, s, r);
		return;
	case IPC_STORE_RESULT:
		if (s != NULL)		/* an error instead of the answer */
			serve_done(nd, s, NULL, 0);
		else
			unban_stored(nd, h->reqid, r);
		return;
	default:
		log_warnx("stored: unexpected %s, dropped",
		    ipc_type_name(h->type));
	}
}

static void
store_state(struct ipc_chan *ch, int connected, void *arg)
{
	struct netd *nd = arg;

	(void)ch;
	if (connected) {
		log_debug("stored: connected");
		if (nd->boot != NETD_BOOTED)
			boot_ask(nd);
		else
			netd_tip_refresh(nd);
		addr_refresh(nd);
	} else {
		log_debug("stored: gone; its requests are answered empty");
		serve_expire(nd, 0, 1);
		unban_fail_all(nd);
	}
}

/* syncd wants blocks from one peer, by locator or by height range. */
static void
on_get_blocks(struct netd *nd, struct rbuf *r)
{
	struct ipc_get_blocks	*g;
	struct conn		*c;
	struct wire_msg		*m = NULL;
	struct peer_req		*pr;

	if ((g = malloc(sizeof(*g))) == NULL)
		return;
	if (ipc_get_blocks_decode(r, g) == -1) {
		log_warnx("syncd: malformed get-blocks, dropped");
		free(g);
		return;
	}
	c = conn_by_ip(nd, &g->ip);
	if (c == NULL || c->state != CONN_ACTIVE ||
	    (m = calloc(1, sizeof(*m))) == NULL ||
	    (pr = conn_req_new(c, g->reqid)) == NULL) {
		netd_net_blocks(nd, g->ip, g->reqid, NULL, 0);
		free(m);
		free(g);
		return;
	}
	if (g->count < 1)
		g->count = 1;
	if (g->count > WIRE_MAX_BLOCKS)
		g->count = WIRE_MAX_BLOCKS;
	if (g->locator.count > 0) {
		m->type = WIRE_GET_LOCATOR;
		m->u.locator.reqid = pr->wire_reqid;
		m->u.locator.count = g->count;
		m->u.locator.nhashes = g->locator.count;
		memcpy(m->u.locator.h, g->locator.h,
		    (size_t)g->locator.count * IPC_HASH_LEN);
	} else {
		m->type = WIRE_GET_RANGE;
		m->u.range.reqid = pr->wire_reqid;
		m->u.range.from = g->from;
		m->u.range.count = g->count;
	}
	conn_send(c, m);
	free(m);
	free(g);
}

/* syncd wants headers from one peer (headers-first, docs/sync.md) */
static void
on_get_headers(struct netd *nd, struct rbuf *r)
{
	struct ipc_get_headers g;

	if (ipc_get_headers_decode(r, &g) == -1) {
		log_warnx("syncd: malformed get-headers, dropped");
		return;
	}
	conn_ask_headers(nd, &g);
}

/* A new block (produced or accepted): to every peer at once. */
static void
on_announce(struct netd *nd, struct rbuf *r)
{
	struct ipc_blocks	 b;
	struct wire_msg		*m;
	struct block		 blk;
	uint32_t		 i;

	if (ipc_blocks_decode(r, &b) == -1) {
		log_warnx("syncd: malformed announcement, dropped");
		return;
	}
	/* one block per announcement: peers take nothing else unasked */
	if ((m = calloc(1, sizeof(*m))) != NULL) {
		m->type = WIRE_BLOCKS;
		for (i = 0; i < b.count && i < WIRE_MAX_BLOCKS; i++)
			if (wire_blocks_fill(&m->u.blocks, 0, &b.v[i], 1) == 1)
				conn_broadcast(nd, m);
		free(m);
	}
	/* our tip for the next hellos; stored confirms on the refresh */
	if (b.count > 0 && block_parse(b.v[b.count - 1].p,
	    b.v[b.count - 1].len, &blk) == BLOCK_OK &&
	    blk.h.height > nd->height) {
		nd->height = blk.h.height;
		memcpy(nd->tip, blk.hash, IPC_HASH_LEN);
	}
	ipc_blocks_free(&b);
	netd_tip_refresh(nd);
}

static void
on_punish(struct netd *nd, struct rbuf *r)
{
	struct ipc_punish	 p;
	struct conn		*c;
	char			 ip[NETADDR_STRLEN];

	if (ipc_punish_decode(r, &p) == -1 || p.reason >= CLOSE_NREASONS) {
		log_warnx("syncd: malformed punish, dropped");
		return;
	}
	netd_log(nd, p.ip, NLOG_PUNISH, LOGRATE_INFO, "%s: punished by syncd "
	    "for %u s: %s", ip_str(p.ip, ip, sizeof(ip)), p.ban_s, p.why);
	c = conn_by_ip(nd, &p.ip);
	if (p.ban_s > 0)
		ban_ip(nd, p.ip, p.ban_s, c ? c->listen_port : 0, p.reason);
	if (c != NULL)
		conn_close(c, (enum net_close_reason)p.reason, 1, "%s", p.why);
}

static void
peers_up(struct netd *nd)
{
	struct conn *c;

	TAILQ_FOREACH(c, &nd->conns, entry)
		if (c->state == CONN_ACTIVE)
			conn_peer_event(c, IPC_NET_PEER_UP);
}

static void
sync_dispatch(struct ipc_chan *ch, const struct ipc_hdr *h, struct rbuf *r,
    void *arg)
{
	struct netd *nd = arg;

	(void)ch;
	switch (h->type) {
	case IPC_SYNC_GET_BLOCKS:
		on_get_blocks(nd, r);
		break;
	case IPC_SYNC_ANNOUNCE:
		on_announce(nd, r);
		break;
	case IPC_SYNC_PUNISH:
		on_punish(nd, r);
		break;
	case IPC_SYNC_PEERS_REQ:
		peers_up(nd);
		break;
	case IPC_SYNC_GET_HEADERS:
		on_get_headers(nd, r);
		break;
	default:
		log_warnx("syncd: unexpected %s, dropped",
		    ipc_type_name(h->type));
	}
}

static void
sync_state(struct ipc_chan *ch, int connected, void *arg)
{
	struct netd *nd = arg;

	(void)ch;
	log_debug("syncd: %s", connected ? "connected" : "gone");
	if (connected)
		peers_up(nd);
}

static void
tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct netd	*nd = arg;
	struct conn	*c, *next;
	double		 now = mono_now();

	(void)fd;
	(void)ev;
	for (c = TAILQ_FIRST(&nd->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		conn_tick(c, now);
	}
	serve_expire(nd, now, 0);
	conn_budget_tick(nd, now);
	lograte_tick(&nd->logs, now);
	if (nd->boot != NETD_BOOTED && now >= nd->boot_deadline) {
		if (!(nd->boot & NETD_BOOT_KEY))
			node_key_temporary(nd);
		if (nd->boot != NETD_BOOTED)
			log_warnx("stored has not told us our tip and the bans "
			    "in %.0f s: accepting and dialling without them",
			    NETD_BOOT_S);
		boot_step(nd, NETD_BOOTED);
	}
	if (now >= nd->next_tip_refresh)
		netd_tip_refresh(nd);
	if (now >= nd->next_addr_refresh)
		addr_refresh(nd);
	dialer_tick(nd, now);
}

static void
reap_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	conn_reap(arg);
}

/* Before the sandbox: the genesis (our network's identity), the nonce. */
static int
netd_load(struct worker *w)
{
	struct netd	*nd = &env;
	char		 err[CONFIG_ERR_MAX];
	uint8_t		 seed[NODE_KEY_LEN];
	size_t		 i;
	int		 rc;

	memset(nd, 0, sizeof(*nd));
	w->priv = nd;
	nd->w = w;
	nd->cfg = &w->cfg;
	if (sodium_init() < 0) {
		log_warnx("sodium_init failed");
		return -1;
	}
	if (genesis_load(&nd->genesis, w->cfg.network, w->cfg.genesis_dir[0] ?
	    w->cfg.genesis_dir : w->cfg.data_dir, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	memcpy(nd->genesis_hash, nd->genesis.block.hash, IPC_HASH_LEN);
	memcpy(nd->tip, nd->genesis_hash, IPC_HASH_LEN);
	nd->magic = wire_magic(nd->genesis_hash);
	randombytes_buf(&nd->nonce, sizeof(nd->nonce));
	TAILQ_INIT(&nd->conns);
	TAILQ_INIT(&nd->closed);
	TAILQ_INIT(&nd->addrs);
	lograte_init(&nd->logs);
	reg_init(&nd->reg);
	for (i = 0; i < w->cfg.npeers; i++)
		addr_learn(nd, w->cfg.peers[i].ip, w->cfg.peers[i].port,
		    ADDR_CONFIG, NULL, NULL);
	randombytes_buf(nd->evict_key, sizeof(nd->evict_key));
	nd->dial_tokens = NETD_DIAL_BURST;
	/*
	 * OpenSSL reads its configuration now, before the sandbox; and a
	 * throw-away key and certificate warm up what the node key's will
	 * use (stored gives it after the sandbox is on: on_store_node_key)
	 */
	if ((nd->tls_ctx = tls_ctx_new()) == NULL)
		return -1;
	randombytes_buf(seed, sizeof(seed));
	rc = tls_ctx_set_key(nd->tls_ctx, seed, nd->node_key);
	sodium_memzero(seed, sizeof(seed));
	memset(nd->node_key, 0, sizeof(nd->node_key));
	return rc;
}

static int
netd_pre_sandbox(struct worker *w)
{
	struct netd *nd = w->priv;

	if (dialer_listen(nd) == -1)
		return -1;
	if (w->cfg.metrics_listen.port != 0 && (nd->metrics =
	    metrics_http_open(w->base, &w->cfg.metrics_listen)) == NULL)
		return -1;
	return 0;
}

static int
netd_init(struct worker *w)
{
	struct netd	*nd = w->priv;
	struct timeval	 tv = { 0, (suseconds_t)(NETD_TICK_S * 1e6) };

	nd->store = worker_dial(w, "store-netd.sock", IPC_STORED,
	    store_dispatch, nd);
	ipc_set_state_handler(nd->store, store_state);
	nd->sync = worker_dial(w, "sync.sock", IPC_SYNCD, sync_dispatch, nd);
	ipc_set_state_handler(nd->sync, sync_state);
	nd->tick = event_new(w->base, -1, EV_PERSIST, tick_cb, nd);
	nd->reap = event_new(w->base, -1, 0, reap_cb, nd);
	if (nd->tick == NULL || nd->reap == NULL || event_add(nd->tick, &tv)
	    == -1)
		return -1;
	log_info("network %s, magic %08x, %zu configured peers",
	    w->cfg.network, nd->magic, w->cfg.npeers);
	nd->boot_deadline = mono_now() + NETD_BOOT_S;
	return 0;
}

/* For the metrics: bans in force, the handshake times, our send queues. */
static void
status_metrics(struct worker *w, struct netd *nd, struct ipc_status_netd *st,
    double now)
{
	int i;

	worker_sendq(w, st->sendq);
	if (nd == NULL)
		return;
	for (i = 0; i < nd->nbans; i++)
		if (nd->bans[i].until > now && !nd->bans[i].cool_off)
			st->bans++;
	st->handshake = nd->handshake_hist;
}

static void
netd_status(struct worker *w, struct wbuf *out, uint64_t seq)
{
	struct netd		*nd = w->priv;
	struct ipc_status_netd	 st;
	struct ipc_peer_status	*p;
	struct conn		*c;
	double			 now = mono_now();
	uint32_t		 n = 0;

	memset(&st, 0, sizeof(st));
	st.seq = seq;
	status_metrics(w, nd, &st, now);
	if (nd != NULL) {
		memcpy(st.node_key, nd->node_key, IPC_KEY_LEN);
		st.node_key_temporary = (uint8_t)nd->node_key_temporary;
		st.c = nd->c;
		st.c.log_suppressed = nd->logs.c.suppressed;
		st.c.log_summaries = nd->logs.c.summaries;
		st.peers = calloc(nd->reg.n ? nd->reg.n : 1, sizeof(*p));
		TAILQ_FOREACH(c, &nd->conns, entry) {
			if (c->state != CONN_ACTIVE || st.peers == NULL ||
			    n >= nd->reg.n || n >= IPC_MAX_PEERS)
				continue;
			p = &st.peers[n++];
			p->ip = c->ip;
			p->nalso = (uint8_t)c->nalso;
			memcpy(p->also, c->also, sizeof(p->also));
			p->listen_port = c->listen_port;
			p->remote_port = c->remote_port;
			p->direction = (uint8_t)c->dir;
			p->connected_s = (uint32_t)(now - c->since);
			p->ping_rtt_us = c->rtt_us;
			p->missed_pongs = c->missed;
			p->height = c->height;
			p->bytes_in = c->bytes_in;
			p->bytes_out = c->bytes_out;
			p->blocks_received = c->blocks_received;
			p->pings_sent = c->pings_sent;
			p->pongs_received = c->pongs_received;
		}
		st.npeers = n;
	}
	ipc_status_netd_encode(out, &st);
	free(st.peers);
}

static void
netd_shutdown(struct worker *w)
{
	struct netd *nd = w->priv;

	nd->stopping = 1;
	conn_shutdown_all(nd);
	if (nd->tick)
		event_free(nd->tick);
	if (nd->reap)
		event_free(nd->reap);
	nd->tick = nd->reap = NULL;
	dialer_free(nd);
	reg_free(&nd->reg);
	metrics_http_close(nd->metrics);
	nd->metrics = NULL;
	SSL_CTX_free(nd->tls_ctx);
	nd->tls_ctx = NULL;
}

static const struct worker_def netd_def = {
	.proc = IPC_NETD,
	.net = SANDBOX_NET_TCP,
	.reports_up = 1,	/* once booted (boot_step) */
	.load = netd_load,
	.pre_sandbox = netd_pre_sandbox,
	.init = netd_init,
	.status = netd_status,
	.ctl_msg = netd_ctl,
	.shutdown = netd_shutdown,
};

int
main(int argc, char **argv)
{
	return worker_main(argc, argv, &netd_def);
}
