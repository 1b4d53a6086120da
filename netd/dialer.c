/* SPDX-License-Identifier: ISC */
/*
 * dialer.c - how connections begin and whether they begin again.
 *
 * The listener accepts inbound connections up to max_inbound; the dialer
 * keeps max_outbound outbound ones, dialling configured peers first, then
 * addresses learned from stored's address book, from peer exchange and
 * from inbound peers' hellos.  The address list lives in memory so that
 * dialling works while stored is down; stored keeps it across restarts.
 *
 * Outbound sockets are bound to the listen IP (port 0) so that on a
 * machine running several nodes (127.0.0.2, .3, ...) each one connects
 * from its own address, the address that is its identity to its peers.
 *
 * After an error an address is retried after an exponential backoff with
 * jitter between backoff_min and backoff_max; never at once, so there is
 * no tight loop.  A connection that lost the duplicate rule is not
 * redialled (we are connected to that IP); one to ourselves never again;
 * one to another network not for NETD_WRONG_NET_BAN_S.
 *
 * A node must never be usable to hammer a third party (issue 11, item 1:
 * one ADDRS naming one IP on 99 ports made a node dial it 294 times in
 * 30 s).  So the address book has one entry per IP (a peer's identity,
 * docs/protocol.md section 1), whatever ports it is advertised with; the
 * whole node dials at most NETD_DIAL_RATE times a second (a token bucket
 * of NETD_DIAL_BURST), a never-tried address learned from a peer at most
 * once per NETD_NEW_DIAL_S; and the book is bounded (NETD_ADDR_MAX) with
 * at most NETD_ADDR_PER_GROUP entries learned from any one /16 of
 * advertisers: a flood from one source only displaces its own untried
 * entries, never configured ones, good ones or another source's (the
 * idea of Bitcoin Core's addrman buckets by source group).
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "netd.h"

double
backoff_delay(const struct config *cfg, int failures)
{
	double	d = cfg->backoff_min;
	double	u = (double)randombytes_uniform(1u << 20) / (double)(1u << 20);
	int	i;

	for (i = 1; i < failures && d < cfg->backoff_max; i++)
		d *= 2;
	/* jitter: anywhere in [d, 2d), never above the cap */
	d += u * d;
	return d > cfg->backoff_max ? cfg->backoff_max : d;
}

const struct ban *
ban_find(struct netd *nd, struct netaddr ip, double now)
{
	int i;

	for (i = 0; i < nd->nbans; i++)
		if (netaddr_eq(&nd->bans[i].ip, &ip) && nd->bans[i].until > now)
			return &nd->bans[i];
	return NULL;
}

int
is_banned(struct netd *nd, struct netaddr ip, double now)
{
	return ban_find(nd, ip, now) != NULL;
}

/*
 * A refusal caused by remote input (a banned IP, no room, a second
 * handshake): one log line through the per-peer rate limit
 * (common/lograte.h; operations.md "Under attack"), so a flood of
 * connections cannot flood the log and what is not written is counted.
 */
void
refusal_log(struct netd *nd, struct netaddr ip, const char *why)
{
	char	ips[NETADDR_STRLEN];

	netd_log(nd, ip, NLOG_ACCEPT, LOGRATE_INFO, "%s inbound: refused: %s",
	    ip_str(ip, ips, sizeof(ips)), why);
}

/*
 * Ban an IP in memory only (the address book already says so); cool: a
 * cool-off, not a ban (cool_off).  The slot, or NULL when a longer one
 * is already in force (a shorter one never shortens it).
 */
static struct ban *
ban_set(struct netd *nd, struct netaddr ip, double seconds, uint8_t reason,
    int cool)
{
	double	now = mono_now();
	int	i, slot = -1;

	for (i = 0; i < nd->nbans; i++)
		if (netaddr_eq(&nd->bans[i].ip, &ip) ||
		    nd->bans[i].until <= now) {
			slot = i;
			break;
		}
	if (slot == -1) {
		if (nd->nbans == NETD_MAX_BANS) {
			/* full: replace the one that ends first */
			for (slot = 0, i = 1; i < nd->nbans; i++)
				if (nd->bans[i].until < nd->bans[slot].until)
					slot = i;
		} else
			slot = nd->nbans++;
	}
	if (netaddr_eq(&nd->bans[slot].ip, &ip) &&
	    nd->bans[slot].until > now + seconds)
		return NULL;		/* a shorter one never shortens it */
	nd->bans[slot].ip = ip;
	nd->bans[slot].until = now + seconds;
	nd->bans[slot].wall_until = (uint64_t)time(NULL) + (uint64_t)seconds;
	nd->bans[slot].reason = reason;
	nd->bans[slot].cool_off = cool;
	return &nd->bans[slot];
}

void
ban_remember(struct netd *nd, struct netaddr ip, double seconds,
    uint8_t reason)
{
	(void)ban_set(nd, ip, seconds, reason, 0);
}

/*
 * Foreign first bytes (conn.c foreign_first_frame): NETD_COOL_OFF_S in
 * memory, logged and listed as a cool-off, never as a ban
 * (protocol.md section 8).
 */
void
cool_off(struct netd *nd, struct netaddr ip)
{
	(void)ban_set(nd, ip, NETD_COOL_OFF_S, CLOSE_PROTOCOL, 1);
}

/* Forget ip's ban here (timenodectl unban); 1 if it had one in force. */
int
ban_lift(struct netd *nd, struct netaddr ip)
{
	double	now = mono_now();
	int	i, had = 0;

	for (i = 0; i < nd->nbans; i++)
		if (netaddr_eq(&nd->bans[i].ip, &ip)) {
			had |= nd->bans[i].until > now;
			nd->bans[i] = nd->bans[--nd->nbans];
			i--;
		}
	return had;
}

/*
 * Ban an IP here and in the address book, which is keyed by IP: port is
 * its listening port if known, else 0 (the entry keeps a port it has, or
 * is made without one).  A restarted netd reads the bans back.
 */
void
ban_ip(struct netd *nd, struct netaddr ip, double seconds, uint16_t port,
    uint8_t reason)
{
	ban_remember(nd, ip, seconds, reason);
	netd_addr_mark(nd, ip, port, ADDR_BAN, seconds);
}

/* The book's entry for a peer: one per IP, whatever its port. */
struct addr *
dialer_addr_find(struct netd *nd, const struct netaddr *ip)
{
	struct addr *a;

	TAILQ_FOREACH(a, &nd->addrs, entry)
		if (netaddr_eq(&a->ip, ip))
			return a;
	return NULL;
}

/*
 * May a be dropped to make room?  Never a configured address, one we are
 * dialling, one that completed a handshake, or one of ourselves (the mark
 * must stay).
 */
static int
addr_evictable(const struct addr *a)
{
	return a->source != ADDR_CONFIG && a->conn == NULL && !a->good &&
	    !a->self;
}

/* Worse to keep: more failures, then learned earlier. */
static int
addr_worse(const struct addr *a, const struct addr *b)
{
	if (a->failures != b->failures)
		return a->failures > b->failures;
	return a->learned < b->learned;
}

static void
addr_drop(struct netd *nd, struct addr *a)
{
	struct conn *c;

	TAILQ_FOREACH(c, &nd->conns, entry)
		if (c->addr == a)
			c->addr = NULL;
	TAILQ_REMOVE(&nd->addrs, a, entry);
	nd->naddrs--;
	free(a);
}

/*
 * Make room for an entry learned from group g: when g already has
 * NETD_ADDR_PER_GROUP entries, its worst evictable one goes; else, when
 * the book is full, the worst evictable one of the largest group.  -1
 * when nothing may go (the new address is then not kept).
 */
static int
addr_make_room(struct netd *nd, uint16_t g)
{
	static uint16_t	 count[65536];	/* entries per group, when full */
	struct addr	*a, *victim = NULL;
	uint16_t	 big = g;
	size_t		 mine = 0;

	TAILQ_FOREACH(a, &nd->addrs, entry)
		mine += a->group == g;
	if (mine < NETD_ADDR_PER_GROUP) {
		if (nd->naddrs < NETD_ADDR_MAX)
			return 0;
		memset(count, 0, sizeof(count));
		TAILQ_FOREACH(a, &nd->addrs, entry)
			count[a->group]++;
		TAILQ_FOREACH(a, &nd->addrs, entry)
			if (addr_evictable(a) && count[a->group] > count[big])
				big = a->group;
	}
	TAILQ_FOREACH(a, &nd->addrs, entry)
		if (a->group == big && addr_evictable(a) &&
		    (victim == NULL || addr_worse(a, victim)))
			victim = a;
	if (victim == NULL)
		return -1;
	addr_drop(nd, victim);
	return 0;
}

/*
 * Remember an address, told by the peer at from (NULL: configured or
 * from stored's book, then its own group (netaddr_group16) is its group).
 * NULL when it is not dialable (netaddr_scope: unusable or link-local,
 * or the IPv4 broadcast address) or there is no room for it.  An IP already in
 * the book keeps its entry (and its backoff); only a configured address
 * or the peer's own hello (ADDR_INBOUND) changes its port: hearsay never
 * does.  *isnew (if not NULL) tells whether it was not known before.
 */
struct addr *
addr_learn(struct netd *nd, struct netaddr ip, uint16_t port,
    uint8_t source, const struct netaddr *from, int *isnew)
{
	struct addr	*a;
	uint16_t	 g = netaddr_group16(from != NULL ? from : &ip);

	if (isnew != NULL)
		*isnew = 0;
	if (port == 0 || !netaddr_dialable(&ip))
		return NULL;
	if (netd_is_listen(nd, &ip, port))
		return NULL;		/* ourselves */
	if ((a = dialer_addr_find(nd, &ip)) != NULL) {
		if (source < ADDR_EXCHANGE && a->conn == NULL &&
		    source <= a->source) {
			a->port = port;
			a->source = source;
		}
		return a;
	}
	if (addr_make_room(nd, g) == -1 || (a = calloc(1, sizeof(*a))) ==
	    NULL)
		return NULL;
	a->ip = ip;
	a->port = port;
	a->source = source;
	a->group = g;
	a->learned = mono_now();
	TAILQ_INSERT_TAIL(&nd->addrs, a, entry);
	nd->naddrs++;
	if (isnew != NULL)
		*isnew = 1;
	return a;
}

void
dialer_free(struct netd *nd)
{
	struct addr *a;

	while ((a = TAILQ_FIRST(&nd->addrs)) != NULL) {
		TAILQ_REMOVE(&nd->addrs, a, entry);
		free(a);
	}
	nd->naddrs = 0;
	while (nd->nlisteners > 0)
		evconnlistener_free(nd->listeners[--nd->nlisteners]);
}

static int
count_conns(struct netd *nd, enum net_direction dir)
{
	struct conn	*c;
	int		 n = 0;

	TAILQ_FOREACH(c, &nd->conns, entry)
		if (conn_alive(c) && c->dir == dir)
			n++;
	return n;
}

/*
 * Inbound connections that hold resources: the live ones and those still
 * flushing a goodbye (they keep their buffers while they linger).
 */
static int
count_inbound(struct netd *nd)
{
	struct conn	*c;
	int		 n = 0;

	TAILQ_FOREACH(c, &nd->conns, entry)
		if (c->state != CONN_DEAD && c->dir == DIR_INBOUND)
			n++;
	return n;
}

/*
 * an inbound connection from ip's host (the IPv4 address, or the IPv6
 * /64: netaddr_same_host) that is not registered yet: one handshake at
 * a time per host (protocol.md section 8)
 */
static int
ip_handshaking(struct netd *nd, const struct netaddr *ip)
{
	struct conn *c;

	TAILQ_FOREACH(c, &nd->conns, entry)
		if (c->dir == DIR_INBOUND && netaddr_same_host(&c->ip, ip) &&
		    (c->state == CONN_HANDSHAKE || c->state == CONN_PENDING ||
		    c->state == CONN_FULL))
			return 1;
	return 0;
}

/* a live connection (registered or not yet) with this IP */
static int
ip_busy(struct netd *nd, const struct netaddr *ip)
{
	struct conn *c;

	TAILQ_FOREACH(c, &nd->conns, entry)
		if (conn_alive(c) && netaddr_eq(&c->ip, ip))
			return 1;
	return 0;
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct netd		*nd = arg;
	struct conn		*c;
	const struct ban	*b;
	const char		*why = NULL;
	struct netaddr		 ip;
	uint16_t		 port;

	(void)l;
	if (salen < 0 || netaddr_from_sockaddr(sa, (socklen_t)salen, &ip,
	    &port) == -1 || nd->stopping) {
		close(fd);
		return;
	}
	if ((b = ban_find(nd, ip, mono_now())) != NULL)
		why = b->cool_off ? "cooling off (10 s after first bytes that "
		    "were no frame of ours)" : "banned (timenodectl bans)";
	else if (ip_handshaking(nd, &ip))
		/* one IP cannot fill the inbound slots with handshakes */
		why = netaddr_is_v4(&ip) ? "a connection from it is still in "
		    "its handshake" : "a connection from its /64 is still in "
		    "its handshake";
	else if (count_inbound(nd) >= nd->cfg->max_inbound +
	    NETD_INBOUND_SPARE)
		why = "no room for another inbound handshake";
	else if (nd->cfg->pinned_only && conn_pinned_key(nd, ip) == NULL)
		why = "not a pinned peer ([p2p] pinned_only)";
	if (why != NULL) {
		refusal_log(nd, ip, why);
		nd->c.connections_opened++;
		nd->c.connections_closed[CLOSE_LIMIT]++;
		close(fd);
		return;
	}
	if ((c = conn_new(nd, fd, DIR_INBOUND, &ip, port, NULL)) != NULL)
		conn_start(c);
}

/*
 * An inbound connection at the end of its handshake, about to be
 * registered: is there a slot for it?  When the max_inbound registered
 * inbound slots are taken, one registered inbound peer is evicted by
 * reg_evict's rule; when every one is protected there is no room (the
 * caller then hands the newcomer addresses and says goodbye, section 8).
 */
int
inbound_room(struct netd *nd, struct conn *nc)
{
	struct evict_cand	*v;
	struct conn		*c, **who;
	double			 now = mono_now();
	size_t			 n = 0, cap = 0;
	uint16_t		 g;
	int			 k;

	TAILQ_FOREACH(c, &nd->conns, entry)
		if (c->dir == DIR_INBOUND && c->state == CONN_ACTIVE)
			cap++;
	if ((int)cap < nd->cfg->max_inbound)
		return 1;
	v = calloc(cap, sizeof(*v));
	who = calloc(cap, sizeof(*who));
	TAILQ_FOREACH(c, &nd->conns, entry) {
		if (v == NULL || who == NULL || c->dir != DIR_INBOUND ||
		    c->state != CONN_ACTIVE || c->challenger != NULL)
			continue;
		g = netaddr_group16(&c->ip);
		v[n].group = g;
		v[n].connected_s = now - c->since;
		v[n].rtt_us = c->pongs_received ? c->rtt_us : 0;
		v[n].block_age_s = c->last_block > 0 ? now - c->last_block :
		    -1;
		crypto_shorthash((uint8_t *)&v[n].group_rank,
		    (const uint8_t *)&g, sizeof(g),
		    (const uint8_t *)nd->evict_key);
		who[n++] = c;
	}
	k = n > 0 ? reg_evict(v, n) : -1;
	if (k >= 0) {
		log_info("%s: evicted to make room for %s (%d inbound)",
		    who[k]->name, nc->name, nd->cfg->max_inbound);
		conn_close(who[k], CLOSE_LIMIT, 1, "evicted: inbound slots "
		    "full, room made for a newcomer");
	}
	free(v);
	free(who);
	return k >= 0;
}

static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	(void)l;
	/* EMFILE and friends (a flood can cause them): retried later */
	netd_log((struct netd *)arg, NETADDR_NONE, NLOG_ACCEPT, LOGRATE_WARN, "accept: "
	    "%s", strerror(EVUTIL_SOCKET_ERROR()));
}

int
netd_is_listen(const struct netd *nd, const struct netaddr *ip,
    uint16_t port)
{
	size_t i;

	for (i = 0; i < nd->cfg->nlisten; i++)
		if (netaddr_eq(&nd->cfg->listen[i].ip, ip) && (port == 0 ||
		    nd->cfg->listen[i].port == port))
			return 1;
	return 0;
}

uint16_t
netd_listen_port(const struct netd *nd, const struct netaddr *local)
{
	size_t i;

	for (i = 0; i < nd->cfg->nlisten; i++)
		if (netaddr_family(&nd->cfg->listen[i].ip) ==
		    netaddr_family(local))
			return nd->cfg->listen[i].port;
	return nd->cfg->listen[0].port;
}

int
dialer_listen(struct netd *nd)
{
	struct evconnlistener	*l;
	char			 hp[NETADDR_PORT_STRLEN];
	size_t			 i;
	int			 fd;

	for (i = 0; i < nd->cfg->nlisten; i++) {
		if ((fd = netaddr_listen(&nd->cfg->listen[i].ip,
		    nd->cfg->listen[i].port, 128)) == -1) {
			log_warn("[node] listen %s", hostport_str(
			    &nd->cfg->listen[i], hp, sizeof(hp)));
			worker_bind_failed(errno);
			return -1;
		}
		l = evconnlistener_new(nd->w->base, accept_cb, nd,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
		if (l == NULL) {
			log_warnx("cannot listen on %s", hostport_str(
			    &nd->cfg->listen[i], hp, sizeof(hp)));
			close(fd);
			return -1;
		}
		nd->listeners[nd->nlisteners++] = l;
		evconnlistener_set_error_cb(l, accept_error_cb);
		/* the kernel queues connections until netd knows its tip
		 * and bans */
		evconnlistener_disable(l);
		log_info("listening on %s", hostport_str(&nd->cfg->listen[i],
		    hp, sizeof(hp)));
	}
	return 0;
}

/* Take the connections the kernel queued meanwhile, and dial. */
void
dialer_start(struct netd *nd)
{
	int i;

	for (i = 0; i < nd->nlisteners; i++)
		if (evconnlistener_enable(nd->listeners[i]) == -1)
			log_warnx("cannot enable a listener");
	dialer_tick(nd, mono_now());
}

/*
 * Our identity is our listen IP: a dial leaves from the first listen
 * address of the peer's family unless that is the unspecified address
 * (then the kernel picks).  0, or -1 (errno) when the bind failed.
 */
static int
bind_source(struct netd *nd, int fd, const struct netaddr *peer)
{
	const struct hostport	*hp;
	struct sockaddr_storage	 ss;
	struct netaddr		 any4 = netaddr_from_v4(0);
	socklen_t		 len;
	size_t			 i;
	int			 one = 1;

	for (i = 0; i < nd->cfg->nlisten; i++) {
		hp = &nd->cfg->listen[i];
		if (netaddr_family(&hp->ip) != netaddr_family(peer))
			continue;
		if (netaddr_is_zero(&hp->ip) || netaddr_eq(&hp->ip, &any4))
			return 0;
		(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		    sizeof(one));
		len = netaddr_to_sockaddr(&hp->ip, 0, &ss);
		return bind(fd, (struct sockaddr *)&ss, len);
	}
	return 0;
}

static void
dial(struct netd *nd, struct addr *a)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = netaddr_to_sockaddr(&a->ip, a->port,
				    &ss);
	struct conn		*c;
	char			 ip[NETADDR_STRLEN];
	int			 fd;

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		netd_log(nd, a->ip, NLOG_DIAL, LOGRATE_WARN, "%s outbound: "
		    "socket: %s", ip_str(a->ip, ip, sizeof(ip)),
		    strerror(errno));
		a->failures++;
		a->next_try = mono_now() + backoff_delay(nd->cfg, a->failures);
		return;
	}
	if (bind_source(nd, fd, &a->ip) == -1) {
		netd_log(nd, a->ip, NLOG_DIAL, LOGRATE_WARN, "%s outbound: "
		    "bind to the listen address: %s", ip_str(a->ip, ip,
		    sizeof(ip)), strerror(errno));
		close(fd);
		a->failures++;
		a->next_try = mono_now() + backoff_delay(nd->cfg, a->failures);
		return;
	}
	if ((c = conn_new(nd, fd, DIR_OUTBOUND, &a->ip, a->port, a)) == NULL)
		return;
	a->conn = c;
	netd_log(nd, a->ip, NLOG_DIAL, LOGRATE_DEBUG, "%s: dialling port %u",
	    c->name, a->port);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&ss,
	    (int)len) == -1)
		conn_close(c, CLOSE_ERROR, 0, "connect: %s",
		    strerror(EVUTIL_SOCKET_ERROR()));
}

/*
 * The node's dial budget: NETD_DIAL_RATE tokens a second, at most
 * NETD_DIAL_BURST saved up.  1 when a dial may go now (a token is spent).
 */
static int
dial_token(struct netd *nd, double now)
{
	nd->dial_tokens += (now - nd->dial_refill) * NETD_DIAL_RATE;
	if (nd->dial_tokens > NETD_DIAL_BURST)
		nd->dial_tokens = NETD_DIAL_BURST;
	nd->dial_refill = now;
	if (nd->dial_tokens < 1.0)
		return 0;
	nd->dial_tokens -= 1.0;
	return 1;
}

void
dialer_tick(struct netd *nd, double now)
{
	struct addr	*a, *next;
	int		 n, hearsay;

	if (nd->stopping || nd->boot != NETD_BOOTED)
		return;
	conn_settle(nd);	/* the closes of this tick take effect first */
	n = count_conns(nd, DIR_OUTBOUND);
	/* configured peers come first in the list: they are tried first */
	for (a = TAILQ_FIRST(&nd->addrs); a != NULL; a = next) {
		next = TAILQ_NEXT(a, entry);
		if (n >= nd->cfg->max_outbound)
			break;
		if (a->self || a->conn != NULL || a->next_try > now ||
		    is_banned(nd, a->ip, now) || ip_busy(nd, &a->ip) ||
		    (nd->cfg->pinned_only &&
		    conn_pinned_key(nd, a->ip) == NULL) ||
		    (a->twin && conn_by_nonce(nd, a->twin_nonce, NULL) !=
		    NULL))
			continue;
		/* a new name from a peer waits its turn */
		hearsay = !a->tried && a->source == ADDR_EXCHANGE;
		if (hearsay && now < nd->next_new_dial)
			continue;
		if (!dial_token(nd, now))
			break;
		if (hearsay)
			nd->next_new_dial = now + NETD_NEW_DIAL_S;
		a->tried = 1;
		dial(nd, a);
		n++;
	}
}

/*
 * An address only heard of (from a peer's ADDRS) that never completed a
 * handshake and failed NETD_HEARSAY_TRIES dials is forgotten, so the
 * names an attacker made up stop costing dials (and log lines) soon
 * after it left.  1 if it was dropped.
 */
static int
addr_hopeless(struct netd *nd, struct addr *a)
{
	if (a->source != ADDR_EXCHANGE || a->good ||
	    a->failures < NETD_HEARSAY_TRIES)
		return 0;
	addr_drop(nd, a);
	return 1;
}

/* A dial that never opened (close_apply, conn.c): backoff, a mark. */
void
dialer_connect_failed(struct conn *c, const char *why)
{
	struct netd	*nd = c->nd;
	struct addr	*a = c->addr;
	double		 d;

	if (a == NULL)
		return;
	a->conn = NULL;
	a->failures++;
	d = backoff_delay(nd->cfg, a->failures);
	a->next_try = mono_now() + d;
	netd_log(nd, a->ip, NLOG_DIAL, LOGRATE_INFO, "%s: connect to port %u "
	    "failed: %s; next attempt in %.2f s", c->name, a->port, why, d);
	/* stored counts failures only of what it has (storage.md) */
	if (a->good || a->in_book || a->source != ADDR_EXCHANGE)
		netd_addr_mark(nd, a->ip, a->port, ADDR_FAILURE, 0);
	(void)addr_hopeless(nd, a);
}

/*
 * The address answered: stored learns it is reachable.  The backoff is
 * not reset here, a handshake may still be refused; dialer_closed resets
 * it for a connection that lived longer than the longest wait.
 */
void
dialer_succeeded(struct conn *c)
{
	if (c->addr == NULL)
		return;
	c->addr->good = 1;
	netd_addr_mark(c->nd, c->addr->ip, c->addr->port, ADDR_SUCCESS, 0);
}

/*
 * When a's peer may be dialled again after c ended.  Only our own dials
 * fail; an inbound connection that ends says nothing about the address
 * we would dial, so it only waits the floor (backoff_min).  An outbound
 * one that lived longer than the longest wait was a good one: its
 * failures start again from one.
 */
static void
redial_later(struct netd *nd, struct conn *c, struct addr *a)
{
	double d, now = mono_now();

	if (c->dir == DIR_OUTBOUND) {
		if (c->since > 0 && now - c->since >= nd->cfg->backoff_max)
			a->failures = 0;	/* it was a good connection */
		a->failures++;
	}
	d = c->dir == DIR_OUTBOUND ? backoff_delay(nd->cfg, a->failures) :
	    nd->cfg->backoff_min;
	if (a->next_try < now + d)
		a->next_try = now + d;
	if (c->dir == DIR_OUTBOUND && !addr_hopeless(nd, a))
		netd_log(nd, c->ip, NLOG_DIAL, LOGRATE_INFO, "%s: next "
		    "attempt in %.2f s", c->name, d);
}

/*
 * Whether and when to dial this peer again after c closed: step 4 of
 * close_apply (conn.c), once per connection, after the registry and
 * syncd have heard of the close.
 */
void
dialer_closed(struct netd *nd, struct conn *c, enum net_close_reason reason)
{
	struct addr	*a = c->addr;

	if (a == NULL && c->listen_port != 0)
		a = dialer_addr_find(nd, &c->ip);
	if (c->addr != NULL)
		c->addr->conn = NULL;
	if (reason == CLOSE_GOODBYE)
		reason = c->peer_said;	/* the peer's own reason counts */
	switch (reason) {
	case CLOSE_DUPLICATE:
		/*
		 * The other connection to this IP lives on: no redial.  If
		 * none does here (the peer keeps one from another machine
		 * behind the same IP), back off like after any refusal.
		 * (The registry is as it was when c closed: conn_settle.)
		 */
		if (reg_get(&nd->reg, &c->ip) != NULL || c->superseded)
			return;
		/* a dual-stack peer connected at its other address: this
		 * one waits until that connection ends (register_twin) */
		if (c->hello_ok && conn_by_nonce(nd, c->nonce, c) != NULL) {
			if (a != NULL) {
				a->twin = 1;
				a->twin_nonce = c->nonce;
			}
			return;
		}
		break;
	case CLOSE_SELF:
		if (a != NULL)
			a->self = 1;
		return;
	case CLOSE_WRONG_NETWORK:
		/* proven: a hello of another network, or its goodbye */
		ban_ip(nd, c->ip, NETD_WRONG_NET_BAN_S, a ? a->port :
		    c->listen_port, CLOSE_WRONG_NETWORK);
		return;
	case CLOSE_SHUTDOWN:
		if (nd->stopping)
			return;
		break;
	default:
		break;
	}
	if (a != NULL)
		redial_later(nd, c, a);
}
