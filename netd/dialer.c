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
 * one to another network not for a day.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
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

int
is_banned(struct netd *nd, uint32_t ip, double now)
{
	int i;

	for (i = 0; i < nd->nbans; i++)
		if (nd->bans[i].ip == ip && nd->bans[i].until > now)
			return 1;
	return 0;
}

/* Ban an IP in memory only (the address book already says so). */
void
ban_remember(struct netd *nd, uint32_t ip, double seconds)
{
	double	now = mono_now();
	int	i, slot = -1;

	for (i = 0; i < nd->nbans; i++)
		if (nd->bans[i].ip == ip || nd->bans[i].until <= now) {
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
	nd->bans[slot].ip = ip;
	nd->bans[slot].until = now + seconds;
}

/*
 * Ban an IP here and in the address book, which is keyed by IP: port is
 * its listening port if known, else 0 (the entry keeps a port it has, or
 * is made without one).  A restarted netd reads the bans back.
 */
void
ban_ip(struct netd *nd, uint32_t ip, double seconds, uint16_t port)
{
	ban_remember(nd, ip, seconds);
	netd_addr_mark(nd, ip, port, ADDR_BAN, seconds);
}

static struct addr *
addr_find(struct netd *nd, uint32_t ip, uint16_t port)
{
	struct addr *a;

	TAILQ_FOREACH(a, &nd->addrs, entry)
		if (a->ip == ip && a->port == port)
			return a;
	return NULL;
}

/*
 * Remember an address; NULL when it is not dialable or the list is full.
 * *isnew (if not NULL) tells whether it was not known before.
 */
struct addr *
addr_learn(struct netd *nd, uint32_t ip, uint16_t port, uint8_t source,
    int *isnew)
{
	struct addr	*a;
	uint32_t	 h = ntohl(ip);

	if (isnew != NULL)
		*isnew = 0;
	if (port == 0 || h == 0 || h == 0xffffffffu || (h >> 28) == 0xe)
		return NULL;		/* any, broadcast, multicast */
	if (ip == nd->cfg->listen.ip.s_addr && port == nd->cfg->listen.port)
		return NULL;		/* ourselves */
	if ((a = addr_find(nd, ip, port)) != NULL)
		return a;
	if (nd->naddrs >= NETD_ADDR_MAX || (a = calloc(1, sizeof(*a))) ==
	    NULL)
		return NULL;
	a->ip = ip;
	a->port = port;
	a->source = source;
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
	if (nd->listener) {
		evconnlistener_free(nd->listener);
		nd->listener = NULL;
	}
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

/* an inbound connection from ip that is not registered yet */
static int
ip_handshaking(struct netd *nd, uint32_t ip)
{
	struct conn *c;

	TAILQ_FOREACH(c, &nd->conns, entry)
		if (c->dir == DIR_INBOUND && c->ip == ip &&
		    (c->state == CONN_HANDSHAKE || c->state == CONN_PENDING))
			return 1;
	return 0;
}

/* a live connection (registered or not yet) with this IP */
static int
ip_busy(struct netd *nd, uint32_t ip)
{
	struct conn *c;

	TAILQ_FOREACH(c, &nd->conns, entry)
		if (conn_alive(c) && c->ip == ip)
			return 1;
	return 0;
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct netd		*nd = arg;
	struct sockaddr_in	*sin = (struct sockaddr_in *)sa;
	struct conn		*c;
	char			 ip[INET_ADDRSTRLEN];

	(void)l;
	if (salen < (int)sizeof(*sin) || sa->sa_family != AF_INET ||
	    nd->stopping) {
		close(fd);
		return;
	}
	if (is_banned(nd, sin->sin_addr.s_addr, mono_now())) {
		netd_log(nd, sin->sin_addr.s_addr, NLOG_ACCEPT, LOGRATE_DEBUG,
		    "%s inbound: banned, refused", ip_str(sin->sin_addr.s_addr,
		    ip, sizeof(ip)));
		close(fd);
		return;
	}
	if (ip_handshaking(nd, sin->sin_addr.s_addr)) {
		/* one IP cannot fill the inbound slots with handshakes */
		netd_log(nd, sin->sin_addr.s_addr, NLOG_ACCEPT, LOGRATE_INFO,
		    "%s inbound: refused, a connection from it is still in "
		    "its handshake", ip_str(sin->sin_addr.s_addr, ip,
		    sizeof(ip)));
		nd->c.connections_opened++;
		nd->c.connections_closed[CLOSE_LIMIT]++;
		close(fd);
		return;
	}
	if (count_inbound(nd) >= nd->cfg->max_inbound) {
		netd_log(nd, sin->sin_addr.s_addr, NLOG_ACCEPT, LOGRATE_INFO,
		    "%s inbound: refused, %d inbound connections already",
		    ip_str(sin->sin_addr.s_addr, ip, sizeof(ip)),
		    nd->cfg->max_inbound);
		nd->c.connections_opened++;
		nd->c.connections_closed[CLOSE_LIMIT]++;
		close(fd);
		return;
	}
	if ((c = conn_new(nd, fd, DIR_INBOUND, sin, NULL)) != NULL)
		conn_start(c);
}

static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	(void)l;
	/* EMFILE and friends (a flood can cause them): retried later */
	netd_log((struct netd *)arg, 0, NLOG_ACCEPT, LOGRATE_WARN, "accept: "
	    "%s", strerror(EVUTIL_SOCKET_ERROR()));
}

int
dialer_listen(struct netd *nd)
{
	struct sockaddr_in	sin;
	char			hp[64];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = nd->cfg->listen.ip;
	sin.sin_port = htons(nd->cfg->listen.port);
	nd->listener = evconnlistener_new_bind(nd->w->base, accept_cb, nd,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    128, (struct sockaddr *)&sin, sizeof(sin));
	if (nd->listener == NULL) {
		log_warn("cannot listen on %s",
		    hostport_str(&nd->cfg->listen, hp, sizeof(hp)));
		return -1;
	}
	evconnlistener_set_error_cb(nd->listener, accept_error_cb);
	/* the kernel queues connections until netd knows its tip and bans */
	evconnlistener_disable(nd->listener);
	log_info("listening on %s", hostport_str(&nd->cfg->listen, hp,
	    sizeof(hp)));
	return 0;
}

/* Take the connections the kernel queued meanwhile, and dial. */
void
dialer_start(struct netd *nd)
{
	if (evconnlistener_enable(nd->listener) == -1)
		log_warnx("cannot enable the listener");
	dialer_tick(nd, mono_now());
}

static void
dial(struct netd *nd, struct addr *a)
{
	struct sockaddr_in	 sin, src;
	struct conn		*c;
	char			 ip[INET_ADDRSTRLEN];
	int			 fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = a->ip;
	sin.sin_port = htons(a->port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		netd_log(nd, a->ip, NLOG_DIAL, LOGRATE_WARN, "%s outbound: "
		    "socket: %s", ip_str(a->ip, ip, sizeof(ip)),
		    strerror(errno));
		a->failures++;
		a->next_try = mono_now() + backoff_delay(nd->cfg, a->failures);
		return;
	}
	if (nd->cfg->listen.ip.s_addr != htonl(INADDR_ANY)) {
		/* our identity is our listen IP: connect from it */
		(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		    sizeof(one));
		memset(&src, 0, sizeof(src));
		src.sin_family = AF_INET;
		src.sin_addr = nd->cfg->listen.ip;
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) == -1) {
			netd_log(nd, a->ip, NLOG_DIAL, LOGRATE_WARN, "%s "
			    "outbound: bind to the listen address: %s",
			    ip_str(a->ip, ip, sizeof(ip)), strerror(errno));
			close(fd);
			a->failures++;
			a->next_try = mono_now() + backoff_delay(nd->cfg,
			    a->failures);
			return;
		}
	}
	if ((c = conn_new(nd, fd, DIR_OUTBOUND, &sin, a)) == NULL)
		return;
	a->conn = c;
	netd_log(nd, a->ip, NLOG_DIAL, LOGRATE_DEBUG, "%s: dialling port %u",
	    c->name, a->port);
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&sin,
	    sizeof(sin)) == -1)
		conn_close(c, CLOSE_ERROR, 0, "connect: %s",
		    strerror(EVUTIL_SOCKET_ERROR()));
}

void
dialer_tick(struct netd *nd, double now)
{
	struct addr	*a;
	int		 n;

	if (nd->stopping || nd->boot != NETD_BOOTED)
		return;
	n = count_conns(nd, DIR_OUTBOUND);
	/* configured peers come first in the list: they are tried first */
	TAILQ_FOREACH(a, &nd->addrs, entry) {
		if (n >= nd->cfg->max_outbound)
			break;
		if (a->self || a->conn != NULL || a->next_try > now ||
		    is_banned(nd, a->ip, now) || ip_busy(nd, a->ip))
			continue;
		dial(nd, a);
		n++;
	}
}

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
	netd_addr_mark(nd, a->ip, a->port, ADDR_FAILURE, 0);
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
	netd_addr_mark(c->nd, c->addr->ip, c->addr->port, ADDR_SUCCESS, 0);
}

/* Whether and when to dial this peer again after c closed. */
void
dialer_closed(struct netd *nd, struct conn *c, enum net_close_reason reason)
{
	struct addr	*a = c->addr;
	double		 d, now = mono_now();

	if (a == NULL && c->listen_port != 0)
		a = addr_find(nd, c->ip, c->listen_port);
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
		 */
		if (reg_get(&nd->reg, c->ip) != NULL || c->superseded)
			return;
		break;
	case CLOSE_SELF:
		if (a != NULL)
			a->self = 1;
		return;
	case CLOSE_WRONG_NETWORK:
		ban_ip(nd, c->ip, NETD_WRONG_NET_BAN_S, a ? a->port :
		    c->listen_port);
		return;
	case CLOSE_SHUTDOWN:
		if (nd->stopping)
			return;
		break;
	default:
		break;
	}
	if (a == NULL)
		return;
	/*
	 * Only our own dials fail; an inbound connection that ends says
	 * nothing about the address we would dial, so it only waits the
	 * floor before we may dial it.
	 */
	if (c->dir == DIR_OUTBOUND) {
		if (c->since > 0 && now - c->since >= nd->cfg->backoff_max)
			a->failures = 0;	/* it was a good connection */
		a->failures++;
	}
	d = c->dir == DIR_OUTBOUND ? backoff_delay(nd->cfg, a->failures) :
	    nd->cfg->backoff_min;
	if (a->next_try < now + d)
		a->next_try = now + d;
	if (c->dir == DIR_OUTBOUND)
		netd_log(nd, c->ip, NLOG_DIAL, LOGRATE_INFO, "%s: next "
		    "attempt in %.2f s", c->name, d);
}
