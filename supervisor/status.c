/* SPDX-License-Identifier: ISC */
/*
 * status.c - the status socket: one command per line, one JSON answer.
 *
 * A plain Unix stream socket in the run directory, for timenodectl, socat
 * and monitoring scripts, as HAProxy's stats socket is.  The supervisor
 * must never be held up by a client: input lines are capped, output that a
 * client does not read is capped and then the client is dropped, idle and
 * half-open clients time out, and the number of clients is bounded.
 * "status" and "peers" ask the running workers first, so that they show
 * whatever a worker acknowledged before the request (issue 12), waiting
 * at most STATUS_FRESH_S for a worker that does not answer.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <iconv.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decimal.h"
#include "log.h"
#include "metrics.h"
#include "progress.h"
#include "supervisor.h"
#include "timenode_version.h"
#include "wire.h"		/* WIRE_VERSION */
#include "worker.h"

#define STATUS_LINE_MAX		1024
/* the rest of an over-long line is read and dropped, up to this much */
#define STATUS_DISCARD_MAX	(16u << 20)
#define STATUS_OUT_MAX		(1u << 20)
#define STATUS_CLIENTS_MAX	64
#define STATUS_IDLE_S		60
#define STATUS_PENDING_MAX	16
#define STATUS_FRESH_S		1.0	/* for the workers' answers */

/*
 * A "status" or "peers" waiting for the running workers to answer a
 * heartbeat sent after it arrived, so that it shows everything a worker
 * acknowledged before (docs/architecture.md, "Status socket").
 */
struct fresh {
	json_t			*(*answer)(struct supervisor *); /* NULL: none */
	uint32_t		 seq[IPC_NWORKERS];	/* asked; 0: not */
	pid_t			 pid[IPC_NWORKERS];	/* of the one asked */
	double			 deadline;
};

struct status_client {
	TAILQ_ENTRY(status_client)	 entry;
	struct status_server		*srv;
	struct bufferevent		*bev;
	uint32_t			 id;
	int				 closing;
	int				 overflow;	/* drop unsent output */
	int				 eof;		/* the client sent all */
	int				 discarding;	/* an over-long line */
	size_t				 discarded;	/* bytes of it dropped */
	int				 npending;	/* its forwarded requests */
	struct fresh			 fresh;	/* its lines wait for it */
};

struct pending {
	uint32_t		 reqid;		/* 0 = free */
	uint32_t		 client;
	const struct child	*child;		/* asked; only it answers */
	uint16_t		 ack;		/* the answer's type (msg.c) */
	double			 deadline;
};

struct status_server {
	struct supervisor		*sv;
	struct evconnlistener		*lis;
	TAILQ_HEAD(, status_client)	 clients;
	int				 nclients;
	uint32_t			 next_id;
	uint32_t			 next_reqid;
	struct pending			 pending[STATUS_PENDING_MAX];
	struct event			*fresh_timer;	/* clients' fresh */
	char				 name[64];	/* in the run dir */
	struct catchup_log		 progress;	/* its log lines */
};

static void	client_free(struct status_client *);

/*
 * A closing client goes once its output is out, or at once on overflow; one
 * that has sent everything (EOF) goes once its answers are all out.
 * Returns 1 if cl was freed.
 */
static int
client_close_if_done(struct status_client *cl)
{
	int	flushed;

	flushed = evbuffer_get_length(bufferevent_get_output(cl->bev)) == 0;
	if ((cl->closing && (cl->overflow || flushed)) ||
	    (cl->eof && cl->npending == 0 && flushed)) {
		client_free(cl);
		return 1;
	}
	return 0;
}

static json_t *
hex_json(const uint8_t *b, size_t n)
{
	char hex[2 * IPC_HASH_LEN + 1];

	if (n > IPC_HASH_LEN)
		return json_null();
	sodium_bin2hex(hex, sizeof(hex), b, n);
	return json_string(hex);
}

/* [node] listen: every address, separated by blanks ("[::]:24100 ...") */
static const char *
listen_str(const struct config *cfg, char *buf, size_t len)
{
	char	hp[NETADDR_PORT_STRLEN];
	size_t	i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < cfg->nlisten && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "",
		    hostport_str(&cfg->listen[i], hp, sizeof(hp)));
	return buf;
}

static json_t *
node_json(struct supervisor *sv)
{
	const struct ipc_status_stored	*st = &sv->st_stored;
	static const uint8_t		 zero[IPC_KEY_LEN];
	char				 key[NODE_KEY_STR_LEN] = "";
	char				 hp[CONFIG_MAX_LISTEN *
					    NETADDR_PORT_STRLEN];

	/* the node key, once netd has it: "" before (docs/operations.md) */
	if (memcmp(sv->st_netd.node_key, zero, IPC_KEY_LEN) != 0)
		node_key_str(sv->st_netd.node_key, key, sizeof(key));
	return json_pack("{s:s, s:i, s:i, s:s, s:o, s:I, s:o, s:s, s:s, s:b}",
	    "version", TIMENODE_VERSION_FULL,
	    "protocol", WIRE_VERSION,
	    "ipc_version", IPC_VERSION,
	    "network", sv->cfg.network,
	    "genesis", st->have_chain ? hex_json(st->genesis, IPC_HASH_LEN) :
	    json_string(""),
	    "height", (json_int_t)st->height,
	    "tip", st->have_chain ? hex_json(st->tip, IPC_HASH_LEN) :
	    json_string(""),
	    "listen", listen_str(&sv->cfg, hp, sizeof(hp)),
	    "node_key", key,
	    "node_key_temporary", sv->st_netd.node_key_temporary != 0);
}

static json_t *
components_json(struct supervisor *sv)
{
	json_t		*a = json_array();
	struct child	*c;
	int		 i;

	for (i = 0; i < IPC_NWORKERS; i++) {
		c = &sv->children[i];
		/* a worker runs only as our version (--expect-version) */
		json_array_append_new(a, json_pack("{s:s, s:o, s:I, s:s, s:I,"
		    " s:I, s:o}",
		    "name", c->name,
		    "version", c->pid > 0 ? json_string(TIMENODE_VERSION_FULL) :
		    json_null(),
		    "pid", (json_int_t)(c->pid > 0 ? c->pid : 0),
		    "state", child_state_names[c->state],
		    "uptime_s", (json_int_t)child_uptime(c),
		    "restarts", (json_int_t)c->rs.restarts,
		    "last_exit", c->last_exit[0] ? json_string(c->last_exit) :
		    json_null()));
	}
	return a;
}

/*
 * The trusted checkpoint (docs/sync.md): null when off and every stored
 * signature is verified; unverified is the stored blocks whose
 * signatures are not verified yet (from, to), null when none.
 */
static json_t *
assumevalid_json(const struct ipc_status_syncd *st)
{
	json_t *uv;

	if (st->assumevalid >= SYNC_NAV || (st->assumevalid == SYNC_AV_OFF &&
	    st->unverified_from == 0))
		return json_null();
	uv = st->unverified_from == 0 ? json_null() : json_pack("{s:I, s:I}",
	    "from", (json_int_t)st->unverified_from,
	    "to", (json_int_t)st->unverified_to);
	return json_pack("{s:s, s:o, s:I, s:o}", "state",
	    sync_av_names[st->assumevalid], "height", st->av_height ?
	    json_integer((json_int_t)st->av_height) : json_null(),
	    "signatures_skipped", (json_int_t)st->av_skipped,
	    "unverified", uv);
}

static json_t *
sync_json(struct supervisor *sv)
{
	const struct ipc_status_syncd	*st = &sv->st_syncd;
	struct catchup			 p;

	catchup_compute(&sv->st_stored, st, &p);
	return json_pack("{s:s, s:I, s:f, s:I, s:f, s:o, s:I, s:I, s:I, s:I, "
	    "s:o}",
	    "state", sync_state_names[st->state < SYNC_NSTATES ?
	    st->state : SYNC_IDLE],
	    "target_height", (json_int_t)st->target_height,
	    "blocks_per_s", (double)st->rate_milli / 1000.0,
	    "in_flight", (json_int_t)st->in_flight,
	    "progress_pct", p.percent,
	    "eta_s", p.eta_s >= 0 ? json_real(p.eta_s) : json_null(),
	    "log_lines_suppressed", (json_int_t)st->log_suppressed,
	    "log_summaries", (json_int_t)st->log_summaries,
	    "requests_timed_out", (json_int_t)st->requests_timed_out,
	    "peer_stalls", (json_int_t)st->peer_stalls,
	    "assumevalid", assumevalid_json(st));
}

static json_t *
peers_json(struct supervisor *sv)
{
	const struct ipc_peer_status	*p;
	json_t				*a = json_array();
	char				 ip[NETADDR_STRLEN];
	json_t				*also;
	uint32_t			 i, k;

	for (i = 0; i < sv->st_netd.npeers; i++) {
		p = &sv->st_netd.peers[i];
		also = json_array();
		for (k = 0; k < p->nalso; k++)
			json_array_append_new(also, json_string(netaddr_str(
			    &p->also[k], ip, sizeof(ip))));
		netaddr_str(&p->ip, ip, sizeof(ip));
		json_array_append_new(a, json_pack("{s:s, s:o, s:i, s:s, s:i, "
		    "s:I, s:f, s:i, s:I, s:I, s:I, s:I, s:I, s:I}",
		    "ip", ip,
		    "also", also,
		    "listen_port", (int)p->listen_port,
		    "direction", p->direction == DIR_INBOUND ? "inbound" :
		    "outbound",
		    "remote_port", (int)p->remote_port,
		    "connected_s", (json_int_t)p->connected_s,
		    "ping_rtt_ms", (double)p->ping_rtt_us / 1000.0,
		    "missed_pongs", (int)p->missed_pongs,
		    "height", (json_int_t)p->height,
		    "bytes_in", (json_int_t)p->bytes_in,
		    "bytes_out", (json_int_t)p->bytes_out,
		    "blocks_received", (json_int_t)p->blocks_received,
		    "pings_sent", (json_int_t)p->pings_sent,
		    "pongs_received", (json_int_t)p->pongs_received));
	}
	return a;
}

static json_t *
counters_json(struct supervisor *sv)
{
	const struct ipc_net_counters	*c = &sv->st_netd.c;
	json_t				*closed = json_object();
	int				 i;

	for (i = 0; i < CLOSE_NREASONS; i++)
		json_object_set_new(closed, net_close_names[i],
		    json_integer((json_int_t)c->connections_closed[i]));
	return json_pack("{s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I,"
	    " s:I, s:I, s:I, s:I, s:I}",
	    "pings_sent", (json_int_t)c->pings_sent,
	    "pongs_received", (json_int_t)c->pongs_received,
	    "connections_opened", (json_int_t)c->connections_opened,
	    "connections_closed", closed,
	    "duplicates_resolved", (json_int_t)c->duplicates_resolved,
	    "handshakes_failed", (json_int_t)c->handshakes_failed,
	    "bytes_in", (json_int_t)c->bytes_in,
	    "bytes_out", (json_int_t)c->bytes_out,
	    "log_lines_suppressed", (json_int_t)c->log_suppressed,
	    "log_summaries", (json_int_t)c->log_summaries,
	    "output_queued_bytes", (json_int_t)c->outq_bytes,
	    "peers_shed_for_output", (json_int_t)c->outq_shed,
	    "peer_key_changed", (json_int_t)c->peer_key_changed,
	    "downgrades_refused", (json_int_t)c->downgrades_refused,
	    "plaintext_v2_hellos", (json_int_t)c->plaintext_v2_hellos);
}

static json_t *
status_json(struct supervisor *sv)
{
	return json_pack("{s:{s:I, s:I, s:b, s:b}, s:o, s:o, s:o, s:o, s:o}",
	    "supervisor",
	    "pid", (json_int_t)getpid(),
	    "uptime_s", (json_int_t)(mono_now() - sv->started),
	    "ready", sv->ready_sent,
	    "stopping", sv->stopping,
	    "node", node_json(sv),
	    "components", components_json(sv),
	    "sync", sync_json(sv),
	    "peers", peers_json(sv),
	    "counters", counters_json(sv));
}

void
status_line(struct supervisor *sv, char *buf, size_t len)
{
	size_t	n = 0;
	int	i, r;

	for (i = 0; i < IPC_NWORKERS && n < len; i++) {
		r = snprintf(buf + n, len - n, "%s%s %s", i ? ", " : "",
		    sv->children[i].name,
		    child_state_names[sv->children[i].state]);
		if (r < 0)
			return;
		n += (size_t)r;
	}
	if (n < len)
		snprintf(buf + n, len - n, "; height %llu; %u peers",
		    (unsigned long long)sv->st_stored.height,
		    sv->st_netd.npeers);
}

static void
client_send(struct status_client *cl, json_t *obj)
{
	struct evbuffer	*out = bufferevent_get_output(cl->bev);
	char		*s;

	if (obj == NULL) {
		obj = json_pack("{s:s}", "error", "internal error");
		if (obj == NULL)
			return;
	}
	s = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (s == NULL || cl->closing) {
		free(s);
		return;
	}
	/* a client that does not read its answers gets no more of them */
	if (evbuffer_get_length(out) + strlen(s) + 1 > STATUS_OUT_MAX) {
		log_warnx("status: client does not read its answers, "
		    "dropped");
		/* freed by our caller's caller, where that is safe */
		cl->closing = cl->overflow = 1;
		bufferevent_disable(cl->bev, EV_READ);
		free(s);
		return;
	}
	evbuffer_add(out, s, strlen(s));
	evbuffer_add(out, "\n", 1);
	free(s);
}

static void
client_error(struct status_client *cl, const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	client_send(cl, json_pack("{s:s}", "error", msg));
}

static struct status_client *
client_by_id(struct status_server *srv, uint32_t id)
{
	struct status_client *cl;

	TAILQ_FOREACH(cl, &srv->clients, entry)
		if (cl->id == id)
			return cl;
	return NULL;
}

static void
cmd_help(struct status_client *cl)
{
	json_t *a = json_pack("[s, s, s, s, s, s, s, s, s]", "status", "peers",
	    "metrics", "restart COMPONENT", "produce COUNT [PAYLOAD_BYTES]",
	    "verify", "bans", "unban IP", "help");

	if (cl->srv->sv->cfg.debug)
		json_array_append_new(a, json_string("debug-socket COMPONENT"));
	client_send(cl, json_pack("{s:o}", "commands", a));
}

/*
 * metrics: the Prometheus text (node_metrics.c) as the string "metrics" of
 * a JSON answer, so that the socket keeps one JSON object per answer;
 * timenodectl metrics prints the text alone.
 */
static void
cmd_metrics(struct status_client *cl)
{
	struct metrics	m;

	metrics_init(&m);
	if (node_metrics(cl->srv->sv, &m) == -1)
		client_error(cl, "%s", "metrics: out of memory");
	else
		client_send(cl, json_pack("{s:s, s:s}", "metrics", m.buf,
		    "content_type", METRICS_CONTENT_TYPE));
	metrics_free(&m);
}

static void
cmd_restart(struct status_client *cl, const char *arg)
{
	struct supervisor	*sv = cl->srv->sv;
	struct child		*c;
	char			 err[128];

	if (arg == NULL || (c = child_by_name(sv, arg)) == NULL) {
		client_error(cl, "restart: unknown component \"%s\" (stored, "
		    "syncd, netd)", arg ? arg : "");
		return;
	}
	if (child_restart(sv, c, err, sizeof(err)) == -1) {
		client_error(cl, "restart: %s", err);
		return;
	}
	log_info("%s: restart requested on the status socket", c->name);
	client_send(cl, json_pack("{s:b, s:s}", "ok", 1, "restarting",
	    c->name));
}

/* Idle clients time out, but not while a worker works on their request. */
static void
client_pending(struct status_client *cl, int delta)
{
	struct timeval	idle = { STATUS_IDLE_S, 0 };

	cl->npending += delta;
	if (cl->npending > 0)
		bufferevent_set_timeouts(cl->bev, NULL, NULL);
	else
		bufferevent_set_timeouts(cl->bev, &idle, &idle);
}

/*
 * A request the status socket forwards to a worker: msg, a struct of
 * type's codec (size its size; NULL and 0 for an empty body).  The answer,
 * of the type the catalogue pairs with it, comes back through
 * status_answer_*() with the same request id, or the request expires.
 */
static void
forward(struct status_client *cl, const char *cmd, const char *name,
    uint16_t type, const void *msg, size_t size, double timeout)
{
	struct status_server	*srv = cl->srv;
	struct child		*c;
	int			 i;

	if (name == NULL || (c = child_by_name(srv->sv, name)) == NULL) {
		client_error(cl, "unknown component \"%s\"", name ? name : "");
		return;
	}
	for (i = 0; i < STATUS_PENDING_MAX; i++)
		if (srv->pending[i].reqid == 0)
			break;
	if (i == STATUS_PENDING_MAX) {
		client_error(cl, "%s: too many requests in progress", cmd);
		return;
	}
	if (++srv->next_reqid == 0)
		srv->next_reqid = 1;
	if (child_compose(c, type, srv->next_reqid, msg, size) == -1) {
		client_error(cl, "%s is not running", c->name);
		return;
	}
	srv->pending[i].reqid = srv->next_reqid;
	srv->pending[i].client = cl->id;
	srv->pending[i].child = c;
	srv->pending[i].ack = ipc_msgdef(type)->answer;
	srv->pending[i].deadline = mono_now() + timeout;
	client_pending(cl, 1);
}

static void
cmd_produce(struct status_client *cl, const struct ipc_produce *p)
{
	forward(cl, "produce", "syncd", IPC_PRODUCE, p, sizeof(*p), 600);
}

/* timenodectl unban IP: netd and the address book forget the ban */
static void
cmd_unban(struct status_client *cl, const char *arg)
{
	struct ipc_unban	u;

	if (arg == NULL || netaddr_parse(arg, &u.ip) == -1 ||
	    netaddr_is_zero(&u.ip)) {
		client_error(cl, "unban: not an IP address: \"%.64s\"",
		    arg ? arg : "");
		return;
	}
	forward(cl, "unban", "netd", IPC_UNBAN, &u, sizeof(u), 10);
}

/* The request ends: its client, NULL if it is gone or closing. */
static struct status_client *
pending_end(struct status_server *srv, struct pending *p)
{
	struct status_client	*cl;

	p->reqid = 0;
	if ((cl = client_by_id(srv, p->client)) == NULL)
		return NULL;
	client_pending(cl, -1);
	return cl->closing ? NULL : cl;
}

/* Only the worker that was asked answers, and with the right type. */
static struct status_client *
pending_take(struct status_server *srv, const struct child *c,
    uint16_t type, uint32_t reqid)
{
	int	i;

	for (i = 0; i < STATUS_PENDING_MAX; i++) {
		if (reqid == 0 || srv->pending[i].reqid != reqid)
			continue;
		if (srv->pending[i].child != c ||
		    srv->pending[i].ack != type) {
			log_warnx("%s: %s answers a request it was not "
			    "asked, dropped", c->name, ipc_type_name(type));
			return NULL;
		}
		return pending_end(srv, &srv->pending[i]);
	}
	return NULL;
}

void
status_answer_errno(struct status_server *srv, const struct child *c,
    uint32_t reqid, int err)
{
	struct status_client	*cl;
	const char		*component = c->name;

	if ((cl = pending_take(srv, c, IPC_DEBUG_SOCKET_ACK, reqid)) == NULL)
		return;
	client_send(cl, json_pack("{s:s, s:s, s:i, s:s}",
	    "component", component, "test", "socket(AF_INET)",
	    "errno", err, "result", err ? strerror(err) : "allowed"));
	client_close_if_done(cl);
}

void
status_answer_result(struct status_server *srv, const struct child *c,
    uint16_t type, uint32_t reqid, const struct ipc_result *r)
{
	struct status_client	*cl;
	const char		*component = c->name;

	if ((cl = pending_take(srv, c, type, reqid)) == NULL)
		return;
	if (r->code != IPC_OK) {
		client_send(cl, json_pack("{s:s, s:s, s:I}", "error",
		    r->reason[0] ? r->reason : ipc_code_names[r->code],
		    "component", component, "height", (json_int_t)r->height));
		client_close_if_done(cl);
		return;
	}
	client_send(cl, json_pack("{s:b, s:s, s:I, s:o, s:I, s:s}",
	    "ok", 1, "component", component,
	    "height", (json_int_t)r->height,
	    "tip", hex_json(r->hash, IPC_HASH_LEN),
	    "count", (json_int_t)r->count, "message", r->reason));
	client_close_if_done(cl);
}

/* IPC_BANS: one entry per ban in force, with its reason and expiry */
void
status_answer_bans(struct status_server *srv, const struct child *c,
    uint32_t reqid, const struct ipc_bans *b)
{
	struct status_client	*cl;
	json_t			*a;
	char			 ip[NETADDR_STRLEN];
	time_t			 now = time(NULL);
	uint32_t		 i;

	if ((cl = pending_take(srv, c, IPC_BANS, reqid)) == NULL)
		return;
	a = json_array();
	for (i = 0; i < b->count; i++) {
		netaddr_str(&b->v[i].ip, ip, sizeof(ip));
		json_array_append_new(a, json_pack("{s:s, s:s, s:I, s:I}",
		    "ip", ip,
		    "reason", b->v[i].reason < CLOSE_NREASONS ?
		    net_close_names[b->v[i].reason] : "address book",
		    "until", (json_int_t)b->v[i].until,
		    "expires_in_s", (json_int_t)((time_t)b->v[i].until > now ?
		    (time_t)b->v[i].until - now : 0)));
	}
	client_send(cl, json_pack("{s:o}", "bans", a));
	client_close_if_done(cl);
}

void
status_tick(struct status_server *srv)
{
	struct status_client	*cl;
	struct catchup		 p;
	char			 line[160];
	double			 now = mono_now();
	int			 i;

	catchup_compute(&srv->sv->st_stored, &srv->sv->st_syncd, &p);
	if (catchup_log_line(&srv->progress, &p, now, line, sizeof(line)))
		log_info("%s", line);

	for (i = 0; i < STATUS_PENDING_MAX; i++) {
		if (srv->pending[i].reqid == 0 || now < srv->pending[i].deadline)
			continue;
		if ((cl = pending_end(srv, &srv->pending[i])) != NULL) {
			client_error(cl, "%s", "no answer from the worker "
			    "(it may have restarted); try again");
			client_close_if_done(cl);
		}
	}
}

static json_t *
peers_answer(struct supervisor *sv)
{
	return json_pack("{s:o}", "peers", peers_json(sv));
}

/* every worker asked has answered since, or is gone */
static int
fresh_done(const struct status_server *srv, const struct fresh *f)
{
	const struct child	*c;
	int			 i;

	for (i = 0; i < IPC_NWORKERS; i++) {
		c = &srv->sv->children[i];
		if (f->seq[i] != 0 && c->pid == f->pid[i] &&
		    !heartbeat_current(f->seq[i], c->answered_seq))
			return 0;
	}
	return 1;
}

static int	client_lines(struct status_client *);

/*
 * Answer cl's waiting request with what the supervisor knows now, then
 * go on with the lines it sent meanwhile.  cl may be freed.
 */
static void
fresh_answer(struct status_client *cl)
{
	json_t *(*answer)(struct supervisor *) = cl->fresh.answer;

	cl->fresh.answer = NULL;
	client_pending(cl, -1);
	client_send(cl, answer(cl->srv->sv));
	(void)client_lines(cl);
}

static void
fresh_arm(struct status_server *srv, double secs)
{
	struct timeval tv;

	if (secs < 0.001)
		secs = 0.001;
	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	event_add(srv->fresh_timer, &tv);
}

/*
 * Answer the requests whose workers are done, and those past their
 * deadline with what is known (a worker busy or hung for longer does not
 * hold the status socket up); re-arm for the rest.
 */
static void
fresh_check(struct status_server *srv)
{
	struct status_client	*cl, *next;
	double			 now = mono_now(), first = -1;

	for (cl = TAILQ_FIRST(&srv->clients); cl != NULL; cl = next) {
		next = TAILQ_NEXT(cl, entry);
		if (cl->fresh.answer == NULL)
			continue;
		if (fresh_done(srv, &cl->fresh))
			fresh_answer(cl);
		else if (now >= cl->fresh.deadline) {
			log_debug("status: a worker did not answer within "
			    "%.1f s, answering with its last status",
			    STATUS_FRESH_S);
			fresh_answer(cl);
		} else if (first < 0 || cl->fresh.deadline < first)
			first = cl->fresh.deadline;
	}
	if (first >= 0)
		fresh_arm(srv, first - now);
}

static void
fresh_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	fresh_check(arg);
}

/*
 * Checked from the loop, not here: our caller (a heartbeat answer, a
 * child's exit) is in the middle of its work, and answering may run the
 * client's next lines (a restart, say).
 */
void
status_heard(struct status_server *srv)
{
	if (srv != NULL)
		event_active(srv->fresh_timer, EV_TIMEOUT, 0);
}

/*
 * Ask every running worker for its status, answer once all have (or at
 * the deadline).  Issue 12: after a worker acknowledged something, the
 * next status shows it, because the answers to heartbeats sent now come
 * after anything the worker said before, on the same ordered channel.
 * The client's further lines wait meanwhile (answers stay in order, and
 * one client holds at most one such request).
 */
static void
fresh_request(struct status_client *cl, json_t *(*answer)(struct
    supervisor *))
{
	struct status_server	*srv = cl->srv;
	struct fresh		*f = &cl->fresh;
	struct child		*c;
	int			 i;

	for (i = 0; i < IPC_NWORKERS; i++) {
		c = &srv->sv->children[i];
		f->seq[i] = child_poll(c);
		f->pid[i] = c->pid;
	}
	if (fresh_done(srv, f)) {	/* nobody to ask */
		client_send(cl, answer(srv->sv));
		return;
	}
	f->answer = answer;
	f->deadline = mono_now() + STATUS_FRESH_S;
	client_pending(cl, 1);
	if (!evtimer_pending(srv->fresh_timer, NULL))
		fresh_arm(srv, STATUS_FRESH_S);
}

/*
 * The count and payload size of "produce COUNT [PAYLOAD_BYTES]": plain
 * decimal numbers (decimal.h: no sign, blank or junk; "+5" and "-1"
 * used to pass strtoul()), COUNT 1..IPC_PRODUCE_MAX, PAYLOAD_BYTES
 * 0..IPC_PRODUCE_PAYLOAD_MAX (default 0).  -1 with the message in err.
 */
static int
parse_produce(const char *count, const char *bytes, struct ipc_produce *p,
    char *err, size_t errlen)
{
	uint64_t v;

	memset(p, 0, sizeof(*p));
	if (count == NULL ||
	    parse_decimal(count, 1, IPC_PRODUCE_MAX, &v) == -1) {
		snprintf(err, errlen, "produce: count must be a decimal "
		    "number, 1 to %d, not \"%.32s\"", IPC_PRODUCE_MAX,
		    count ? count : "");
		return -1;
	}
	p->count = (uint32_t)v;
	if (bytes != NULL) {
		if (parse_decimal(bytes, 0, IPC_PRODUCE_PAYLOAD_MAX,
		    &v) == -1) {
			snprintf(err, errlen, "produce: payload size must be a "
			    "decimal number, 0 to %u, not \"%.32s\"",
			    IPC_PRODUCE_PAYLOAD_MAX, bytes);
			return -1;
		}
		p->payload_bytes = (uint32_t)v;
	}
	return 0;
}

int
status_parse_command(char *line, int debug, struct status_cmd *sc, char *err,
    size_t errlen)
{
	char *cmd, *arg, *extra, *save = NULL;

	memset(sc, 0, sizeof(*sc));
	if ((cmd = strtok_r(line, " \t\r", &save)) == NULL)
		return 0;	/* empty line */
	arg = strtok_r(NULL, " \t\r", &save);
	extra = strtok_r(NULL, " \t\r", &save);
	if (strtok_r(NULL, " \t\r", &save) != NULL ||
	    (extra != NULL && strcmp(cmd, "produce") != 0)) {
		snprintf(err, errlen, "too many arguments to \"%s\"", cmd);
		return -1;
	}
	sc->component = arg;
	if (strcmp(cmd, "produce") == 0) {
		sc->verb = STATUS_CMD_PRODUCE;
		return parse_produce(arg, extra, &sc->produce, err, errlen);
	}
	if (strcmp(cmd, "status") == 0 && arg == NULL)
		sc->verb = STATUS_CMD_STATUS;
	else if (strcmp(cmd, "peers") == 0 && arg == NULL)
		sc->verb = STATUS_CMD_PEERS;
	else if (strcmp(cmd, "metrics") == 0 && arg == NULL)
		sc->verb = STATUS_CMD_METRICS;
	else if (strcmp(cmd, "help") == 0 && arg == NULL)
		sc->verb = STATUS_CMD_HELP;
	else if (strcmp(cmd, "restart") == 0)
		sc->verb = STATUS_CMD_RESTART;
	else if (strcmp(cmd, "verify") == 0 && arg == NULL)
		sc->verb = STATUS_CMD_VERIFY;
	else if (strcmp(cmd, "bans") == 0 && arg == NULL)
		sc->verb = STATUS_CMD_BANS;
	else if (strcmp(cmd, "unban") == 0)
		sc->verb = STATUS_CMD_UNBAN;
	else if (strcmp(cmd, "debug-socket") == 0 && debug)
		sc->verb = STATUS_CMD_DEBUG_SOCKET;
	else {
		snprintf(err, errlen, "unknown command \"%.64s\" (try help)",
		    cmd);
		return -1;
	}
	return 0;
}

static void
client_command(struct status_client *cl, char *line)
{
	struct supervisor	*sv = cl->srv->sv;
	struct status_cmd	 sc;
	char			 err[256];

	if (status_parse_command(line, sv->cfg.debug, &sc, err,
	    sizeof(err)) == -1) {
		client_error(cl, "%s", err);
		return;
	}
	switch (sc.verb) {
	case STATUS_CMD_EMPTY:
		break;
	case STATUS_CMD_STATUS:
		fresh_request(cl, status_json);
		break;
	case STATUS_CMD_PEERS:
		fresh_request(cl, peers_answer);
		break;
	case STATUS_CMD_METRICS:
		cmd_metrics(cl);
		break;
	case STATUS_CMD_HELP:
		cmd_help(cl);
		break;
	case STATUS_CMD_RESTART:
		cmd_restart(cl, sc.component);
		break;
	case STATUS_CMD_PRODUCE:
		cmd_produce(cl, &sc.produce);
		break;
	case STATUS_CMD_BANS:
		forward(cl, "bans", "netd", IPC_BANS_REQ, NULL, 0, 10);
		break;
	case STATUS_CMD_UNBAN:
		cmd_unban(cl, sc.component);
		break;
	case STATUS_CMD_VERIFY:
		forward(cl, "verify", "stored", IPC_VERIFY, NULL, 0, 600);
		break;
	case STATUS_CMD_DEBUG_SOCKET:
		forward(cl, "debug-socket", sc.component, IPC_DEBUG_SOCKET,
		    NULL, 0, 10);
		break;
	}
}

/*
 * A command is printable text: words separated by spaces or tabs, the
 * line ended by LF (CRLF accepted).  Any other control byte (a NUL, an
 * ESC, DEL ...) is an error answer, never a silently shortened command
 * (issue 11, item 12: a NUL used to cut the line there, and a line that
 * began with one got no answer at all).  Returns the offset of the first
 * such byte, or -1 when there is none.
 */
static ssize_t
line_control_byte(const char *line, size_t n)
{
	size_t	i;

	if (n > 0 && line[n - 1] == '\r')
		n--;
	for (i = 0; i < n; i++)
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') ||
		    (unsigned char)line[i] == 0x7f)
			return (ssize_t)i;
	return -1;
}

/*
 * A command is UTF-8 text (its answer echoes it in JSON, which is UTF-8:
 * jansson refused it, and the client got "internal error").  Returns the
 * offset of the first byte that is not part of a valid UTF-8 sequence
 * (glibc's iconv, UTF-8 to UTF-8, decides), or -1 when there is none.
 */
static ssize_t
line_bad_utf8(char *line, size_t n)
{
	static iconv_t	 cd = (iconv_t)-1;
	char		 out[4 * STATUS_LINE_MAX], *in = line, *o = out;
	size_t		 inleft = n, outleft = sizeof(out);

	if (n > STATUS_LINE_MAX)
		return -1;
	if (cd == (iconv_t)-1 &&
	    (cd = iconv_open("UTF-8", "UTF-8")) == (iconv_t)-1)
		return -1;	/* jansson still refuses it later */
	(void)iconv(cd, NULL, NULL, NULL, NULL);	/* initial state */
	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1)
		return in - line;
	return -1;
}

static void
client_line(struct status_client *cl, char *line, size_t n)
{
	char	msg[80];
	ssize_t	at;

	if (n > STATUS_LINE_MAX) {
		client_error(cl, "line too long (max %s bytes)", "1024");
		return;
	}
	if ((at = line_control_byte(line, n)) != -1) {
		snprintf(msg, sizeof(msg), "control byte 0x%02x at offset %zd",
		    (unsigned char)line[at], at);
		client_error(cl, "%s in the command (only printable text, "
		    "spaces and tabs)", msg);
		return;
	}
	if ((at = line_bad_utf8(line, n)) != -1) {
		snprintf(msg, sizeof(msg), "byte 0x%02x at offset %zd",
		    (unsigned char)line[at], at);
		client_error(cl, "%s is not UTF-8 (a command is UTF-8 text)",
		    msg);
		return;
	}
	client_command(cl, line);
}

/*
 * Drop the rest of an over-long line (its error is answered): returns 1
 * when its LF came and the next line may follow, else 0 (all input so
 * far dropped).  More than STATUS_DISCARD_MAX bytes of it closes the
 * client.  Reading it all, rather than closing at once, lets a client
 * that writes the whole line before it reads see the error.
 */
static int
client_discard(struct status_client *cl)
{
	struct evbuffer		*in = bufferevent_get_input(cl->bev);
	struct evbuffer_ptr	 lf = evbuffer_search(in, "\n", 1, NULL);
	size_t			 n;

	n = lf.pos == -1 ? evbuffer_get_length(in) : (size_t)lf.pos + 1;
	evbuffer_drain(in, n);
	cl->discarded += n;
	if (lf.pos != -1) {
		cl->discarding = 0;
		return 1;
	}
	if (cl->discarded > STATUS_DISCARD_MAX)
		cl->closing = 1;
	return 0;
}

/* At EOF, what is left without its LF is the last line: answer it too. */
static void
client_last_line(struct status_client *cl)
{
	struct evbuffer	*in = bufferevent_get_input(cl->bev);
	size_t		 n = evbuffer_get_length(in);
	char		*line;

	if ((line = malloc(n + 1)) == NULL) {
		evbuffer_drain(in, n);
		client_error(cl, "%s", "out of memory");
		return;
	}
	evbuffer_remove(in, line, n);
	line[n] = '\0';
	client_line(cl, line, n);
	free(line);
}

/*
 * Handle the complete lines received, up to one that waits for the
 * workers (fresh_request).  Returns 1 if cl was freed.
 */
static int
client_lines(struct status_client *cl)
{
	struct evbuffer	*in = bufferevent_get_input(cl->bev);
	char		*line;
	size_t		 n;

	while (!cl->closing && cl->fresh.answer == NULL) {
		if (cl->discarding && !client_discard(cl))
			break;
		if ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) != NULL) {
			client_line(cl, line, n);
			free(line);
		} else if (evbuffer_get_length(in) > STATUS_LINE_MAX) {
			client_error(cl, "line too long (max %s bytes)",
			    "1024");
			cl->discarding = 1;
			cl->discarded = 0;
		} else if (cl->eof && evbuffer_get_length(in) > 0)
			client_last_line(cl);
		else
			break;
	}
	if (cl->closing) {
		bufferevent_disable(cl->bev, EV_READ);
		evbuffer_drain(in, evbuffer_get_length(in));
	}
	return client_close_if_done(cl);
}

static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)client_lines(arg);
}

static void
client_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	client_close_if_done(arg);
}

/*
 * EOF: the client has said all it will (e.g. "echo verify | nc -N"), and
 * the end of its last line if it did not end it with LF; it stays until
 * the answers to what it asked are out.  Errors and timeouts
 * end it at once.
 */
static void
client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct status_client *cl = arg;

	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		cl->eof = 1;
		bufferevent_disable(bev, EV_READ);
		(void)client_lines(cl);	/* a last line without LF */
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		log_debug("status: client timed out");
	client_free(cl);
}

static void
client_free(struct status_client *cl)
{
	log_debug("status: client %u closed", cl->id);
	TAILQ_REMOVE(&cl->srv->clients, cl, entry);
	cl->srv->nclients--;
	bufferevent_free(cl->bev);
	free(cl);
}

/*
 * A worker may not drive the supervisor: not its user in root mode, not
 * its pid in either mode (unprivileged, the workers share our user and
 * the run directory holds this socket; they cannot fork, see sandbox.c).
 */
static int
client_allowed(struct status_server *srv, int fd)
{
	struct supervisor	*sv = srv->sv;
	struct ucred		 cr;
	socklen_t		 len = sizeof(cr);
	int			 i;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1)
		return 0;
	if (sv->privileged && cr.uid == sv->uid && cr.uid != 0)
		return 0;
	for (i = 0; i < IPC_NWORKERS; i++)
		if (sv->children[i].pid > 0 && cr.pid == sv->children[i].pid) {
			log_warnx("status: %s (pid %ld) may not use the "
			    "status socket, refused", sv->children[i].name,
			    (long)cr.pid);
			return 0;
		}
	return 1;
}

static void
accept_cb(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct status_server	*srv = arg;
	struct status_client	*cl;
	struct timeval		 idle = { STATUS_IDLE_S, 0 };
	static const char	 busy[] = "{\"error\":\"too many clients\"}\n";

	(void)lis;
	(void)sa;
	(void)salen;
	if (srv->nclients >= STATUS_CLIENTS_MAX || !client_allowed(srv, fd)) {
		(void)!send(fd, busy, srv->nclients >= STATUS_CLIENTS_MAX ?
		    sizeof(busy) - 1 : 0, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	if ((cl = calloc(1, sizeof(*cl))) == NULL ||
	    (cl->bev = bufferevent_socket_new(srv->sv->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warnx("status: out of memory");
		free(cl);
		close(fd);
		return;
	}
	cl->srv = srv;
	cl->id = ++srv->next_id;
	TAILQ_INSERT_TAIL(&srv->clients, cl, entry);
	srv->nclients++;
	bufferevent_setcb(cl->bev, client_read_cb, client_write_cb,
	    client_event_cb, cl);
	bufferevent_set_timeouts(cl->bev, &idle, &idle);
	bufferevent_setwatermark(cl->bev, EV_READ, 0, STATUS_LINE_MAX * 4);
	bufferevent_enable(cl->bev, EV_READ | EV_WRITE);
}

/* Refuse to start twice on the same run directory; remove a stale socket. */
static int
socket_in_use(const struct sockaddr_un *sun)
{
	int fd, r;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	return r == 0;
}

/*
 * The socket is NAME in the working directory, which setup() made the run
 * directory through a descriptor: binding and the unlink at exit resolve
 * NAME from that directory itself, so a run directory renamed or replaced
 * by a symbolic link meanwhile (it lies in the data dir, which the service
 * user owns) cannot steer root elsewhere.  SHOWN is the path for messages.
 */
struct status_server *
status_open(struct supervisor *sv, const char *name, const char *shown)
{
	struct status_server	*srv;
	struct sockaddr_un	 sun;
	mode_t			 mask;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(name) >= sizeof(sun.sun_path)) {
		log_warnx("%s: status socket name too long", shown);
		return NULL;
	}
	strcpy(sun.sun_path, name);
	if (socket_in_use(&sun)) {
		log_warnx("%s: another timenoded is running here", shown);
		return NULL;
	}
	unlink(name);
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	srv->sv = sv;
	TAILQ_INIT(&srv->clients);
	if ((srv->fresh_timer = evtimer_new(sv->base, fresh_timer_cb,
	    srv)) == NULL) {
		free(srv);
		return NULL;
	}
	snprintf(srv->name, sizeof(srv->name), "%s", name);
	/* made 0660 by bind itself: no chmod by name, which follows links */
	mask = umask(0117);
	srv->lis = evconnlistener_new_bind(sv->base, accept_cb, srv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
	    (struct sockaddr *)&sun, sizeof(sun));
	umask(mask);
	if (srv->lis == NULL) {
		log_warn("%s: status socket", shown);
		event_free(srv->fresh_timer);
		free(srv);
		return NULL;
	}
	if (sv->privileged && fchownat(AT_FDCWD, name, 0, sv->gid,
	    AT_SYMLINK_NOFOLLOW) == -1) {
		log_warn("%s: status socket permissions", shown);
		status_close(srv);
		return NULL;
	}
	return srv;
}

void
status_close(struct status_server *srv)
{
	if (srv == NULL)
		return;
	while (!TAILQ_EMPTY(&srv->clients))
		client_free(TAILQ_FIRST(&srv->clients));
	evconnlistener_free(srv->lis);
	event_free(srv->fresh_timer);
	unlink(srv->name);
	free(srv);
}
