/* SPDX-License-Identifier: ISC */
/*
 * syncd - chain logic: catch-up from any number of peers, validation,
 * fork choice, block production.
 *
 * Lives chrooted in (or Landlocked to) the run directory with no network
 * sockets.  It talks to stored (store-syncd.sock: the chain, one request
 * at a time, re-sent after stored restarts, every request idempotent:
 * storeq.c, with the table of requests and their handlers below) and to
 * netd (sync.sock: peers come and go, blocks they send, requests
 * for blocks and announcements we send).  It trusts nothing netd forwards:
 * every block is decoded and validated here before stored sees it.
 *
 * A catch-up round: when a peer is ahead, ask the highest one for blocks
 * by our block locator; its answer starts at the fork point.  From there
 * the planner (planner.c) spreads height ranges over every peer ahead,
 * chainview.c validates what arrives in order and hands out commit
 * batches; a reorganisation (fork point below our tip) is committed,
 * with stored's rollback, only once the new branch is longer.  The
 * round's steps are the states of catchup.c; catchup_fsm() below is the
 * one function that moves from one to the next (docs/sync.md, "Catch-up
 * states").
 */
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <event2/event.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "lograte.h"
#include "syncd.h"

/* the worker's state (one name in every worker, as OpenBSD's daemons) */
static struct syncd	 env;
/* lines a peer's blocks or claims cause, rate-limited per peer and kind */
static struct lograte	 peer_logs;
enum { SLOG_PUNISH, SLOG_ROUND, SLOG_BRANCH, SLOG_SLOW, SLOG_STALL,
    SLOG_DONE, SLOG_STORED };
#define peer_log(ip, kind, level, ...)					\
	lograte_log(&peer_logs, (ip), (kind), (level), mono_now(),	\
	    __VA_ARGS__)

static void	progress(struct syncd *);
static int	catchup_fsm(struct syncd *, enum catchup_event, const char *);

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *
ipstr(struct netaddr ip, char *buf)
{
	return netaddr_str(&ip, buf, NETADDR_STRLEN);
}

/* ---- requests to stored (storeq.c; the table is below) ---- */

struct sreq *
syncd_store_enqueue(struct syncd *s, enum sreq_kind kind, struct wbuf *body)
{
	return storeq_push(&s->sq, kind, body, mono_now());
}

int
syncd_append_queued(const struct syncd *s)
{
	return storeq_has_type(&s->sq, IPC_STORE_APPEND);
}

void
syncd_request_tip(struct syncd *s)
{
	if (!storeq_has_kind(&s->sq, SR_TIP))
		syncd_store_enqueue(s, SR_TIP, NULL);
}

static void
request_block(struct syncd *s, enum sreq_kind kind, uint64_t height)
{
	struct ipc_range	 rg;
	struct wbuf		 w;

	rg.from = height;
	rg.count = 1;
	rg.max_bytes = BLOCK_MAX_LEN;
	wbuf_init(&w, 64);
	ipc_range_encode(&w, &rg);
	syncd_store_enqueue(s, kind, &w)->height = height;
}

/* ---- to netd ---- */

int
syncd_unverified(const struct syncd *s)
{
	return s->uv_lo != 0;
}

/*
 * A block to every peer, unless stored holds blocks whose signatures are
 * not verified yet: netd advertises and serves only what lies below them
 * (docs/sync.md, "Trusted checkpoint"), so a block above them would name
 * a height we refuse to serve.
 */
void
syncd_announce(struct syncd *s, const uint8_t *raw, uint32_t len)
{
	struct ipc_blocks	 bl;
	struct blob		 v;

	if (syncd_unverified(s))
		return;
	v.p = raw;
	v.len = len;
	bl.code = IPC_OK;
	bl.count = 1;
	bl.v = &v;
	ipc_compose(s->net, IPC_SYNC_ANNOUNCE, 0, &bl);
}

static void
punish_for(struct syncd *s, struct netaddr ip, uint32_t ban_s, const char *fmt,
    va_list ap)
{
	struct ipc_punish	 p;
	char			 a[NETADDR_STRLEN];

	memset(&p, 0, sizeof(p));
	p.ip = ip;
	p.reason = CLOSE_MISBEHAVIOR;
	p.ban_s = ban_s;
	vsnprintf(p.why, sizeof(p.why), fmt, ap);
	peer_log(ip, SLOG_PUNISH, LOGRATE_WARN, "peer %s: %s; disconnecting "
	    "it, not used for %u s", ipstr(ip, a), p.why, ban_s);
	ipc_compose(s->net, IPC_SYNC_PUNISH, 0, &p);
	planner_ban(&s->pl, ip, mono_now() + ban_s);
	if (netaddr_eq(&ip, &s->lead_ip))
		catchup_fsm(s, CE_LEAD_LOST, "the leading peer misbehaved");
}

static void
punish(struct syncd *s, struct netaddr ip, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
punish(struct syncd *s, struct netaddr ip, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	punish_for(s, ip, SYNC_BAN_S, fmt, ap);
	va_end(ap);
}

/* a usable peer has sent us a block above height h */
static int
proven_above(struct syncd *s, uint64_t h)
{
	const struct plan_peer	*p;
	double			 now = mono_now();
	size_t			 i;

	for (i = 0; i < s->pl.np; i++) {
		p = &s->pl.p[i];
		if (!netaddr_is_zero(&p->ip) && p->up && now >= p->banned_until &&
		    p->proven > h)
			return 1;
	}
	return 0;
}

int
syncd_yield_round(struct syncd *s, uint64_t above, const char *why)
{
	if (s->state == CS_IDLE)
		return 1;
	if (s->state == CS_START || s->state == CS_DRAIN ||
	    s->state == CS_FORK_BLOCK || storeq_len(&s->sq) > 0 ||
	    proven_above(s, above))
		return 0;
	catchup_fsm(s, CE_ROUND_END, why);
	return s->state == CS_IDLE;
}

static void
send_get_blocks(struct syncd *s, struct netaddr ip, uint32_t reqid, uint64_t from,
    uint32_t count, const struct ipc_hashes *loc)
{
	struct ipc_get_blocks	 g;

	memset(&g, 0, sizeof(g));
	g.ip = ip;
	g.reqid = reqid;
	g.from = from;
	g.count = count;
	if (loc)
		g.locator = *loc;
	ipc_compose(s->net, IPC_SYNC_GET_BLOCKS, reqid, &g);
}

static void
send_get_headers(struct syncd *s, struct netaddr ip, uint32_t reqid,
    uint64_t from, uint32_t count)
{
	struct ipc_get_headers g;

	memset(&g, 0, sizeof(g));
	g.ip = ip;
	g.reqid = reqid;
	g.from = from;
	g.count = count;
	ipc_compose(s->net, IPC_SYNC_GET_HEADERS, reqid, &g);
}

/* ---- rounds ---- */

/* the greatest height a usable peer claims */
static uint64_t
best_height(struct syncd *s, double now)
{
	struct plan_peer	*p;
	uint64_t		 h = 0;
	size_t			 i;

	for (i = 0; i < s->pl.np; i++) {
		p = &s->pl.p[i];
		if (planner_usable(p, now) && p->height > h)
			h = p->height;
	}
	return h;
}

/*
 * The leading peer failed us: it pauses (longer each time in a row) and
 * the next round goes to the next best peer; strike when it is to blame.
 */
static void
lead_failed(struct syncd *s, int strike, const char *why)
{
	planner_lead_failed(&s->pl, s->lead_ip, mono_now(), strike);
	catchup_fsm(s, CE_ROUND_END, why);
}

static void
lead_forget(struct syncd *s)
{
	ipc_blocks_free(&s->lead_blocks);
	free(s->lead_buf);
	s->lead_buf = NULL;
	s->lead_len = 0;
	s->loc_reqid = 0;
}

/* ---- headers first (docs/sync.md "Trusted checkpoint") ---- */

/*
 * Whether this round downloads the lead's headers first: a checkpoint
 * is configured, not on our chain, its height not known from a header
 * chain yet, and this lead has not failed to show it before.
 */
static int
headers_wanted(const struct syncd *s)
{
	return s->cv.av_on && !s->cv.av_passed && s->cv.hc_av == 0 &&
	    !netaddr_eq(&s->hd_failed, &s->lead_ip);
}

/* the next IPC_MAX_HEADERS headers of the lead's, from the chain's end */
static void
headers_ask(struct syncd *s)
{
	s->hd_reqid = planner_reqid(&s->pl);
	s->hd_asked = IPC_MAX_HEADERS;
	s->hd_deadline = mono_now() + s->pl.timeout;
	send_get_headers(s, s->lead_ip, s->hd_reqid, cv_headers_next(&s->cv),
	    s->hd_asked);
}

/*
 * The header chain is done: fetch blocks.  why_not: the checkpoint was
 * not found (this lead is not asked again, every signature is checked
 * as before: the blocks alone can still prove ancestry, chainview.c
 * held_run).
 */
static void
headers_done(struct syncd *s, const char *why_not)
{
	char a[NETADDR_STRLEN];

	s->hd_reqid = 0;
	if (why_not != NULL) {
		peer_log(s->lead_ip, SLOG_ROUND, LOGRATE_INFO, "assumevalid: "
		    "block %s is not in the headers of peer %s (%s): "
		    "signatures checked", s->w->cfg.assumevalid,
		    ipstr(s->lead_ip, a), why_not);
		s->hd_failed = s->lead_ip;
		cv_headers_free(&s->cv);
	} else {
		s->cv.av_height = s->cv.hc_av;
		log_info("assumevalid: block %s is at height %llu of the "
		    "leading peer's header chain (%u headers): signatures of "
		    "its blocks at or below it not checked",
		    s->w->cfg.assumevalid, (unsigned long long)s->cv.hc_av,
		    s->cv.hc_n);
	}
	if (catchup_fsm(s, CE_HEADERS_DONE, NULL) == 0)
		progress(s);
}

/*
 * The lead's HEADERS (IPC_NET_HEADERS): more than asked, or headers that
 * do not decode or link, are misbehaviour (only a wrong chain or a wrong
 * peer sends them, as a bad block); fewer than asked without the
 * checkpoint: its chain ends there, the checkpoint is not on it.
 */
static void
got_headers(struct syncd *s, struct rbuf *body)
{
	struct ipc_net_headers	nh;
	uint64_t		from = cv_headers_next(&s->cv);

	if (ipc_net_headers_decode(body, &nh) == -1) {
		log_warnx("netd: malformed net-headers dropped");
		return;
	}
	if (s->state != CS_HEADERS || s->hd_reqid == 0 ||
	    nh.reqid != s->hd_reqid || !netaddr_eq(&nh.ip, &s->lead_ip))
		return;		/* late, or the round moved on */
	/* only now: netd's empty answer at its own deadline is no sign of
	   life of the lead (a reviewer's finding) */
	if (nh.headers.count > 0)
		planner_heard(&s->pl, nh.ip, mono_now());
	s->hd_reqid = 0;
	s->last_progress = mono_now();
	if (nh.headers.count > s->hd_asked) {
		cv_headers_free(&s->cv);
		punish(s, nh.ip, "sent %u headers, %u asked", nh.headers.count,
		    s->hd_asked);
		return;		/* punishing the lead ends the round */
	}
	switch (cv_headers_add(&s->cv, nh.headers.h, nh.headers.count)) {
	case CV_HC_BAD:
		cv_headers_free(&s->cv);
		punish(s, nh.ip, "headers from height %llu that do not link "
		    "to each other or to our block below",
		    (unsigned long long)from);
		return;
	case CV_HC_FOUND:
		headers_done(s, NULL);
		return;
	case CV_HC_FULL:
		headers_done(s, "2^20 headers without it");
		return;
	case CV_HC_MORE:
		if (nh.headers.count < s->hd_asked)
			headers_done(s, nh.headers.count == 0 ? "none "
			    "(an older peer, or its chain ends)" :
			    "its chain ends");
		else if (cv_headers_next(&s->cv) > s->pl.target + 1)
			headers_done(s, "headers above the height its peers "
			    "claim");
		else if (mono_now() - s->hd_started > SYNC_HEADERS_MAX_S)
			headers_done(s, "not within 120 s of headers");
		else
			headers_ask(s);
		return;
	}
}

/* ---- the catch-up's state machine (catchup.h, docs/sync.md) ---- */

/* entering CS_IDLE from a round: what the round held goes */
static void
round_forget(struct syncd *s)
{
	size_t i;

	lead_forget(s);
	cv_reset(&s->cv);
	/* a header chain that has not reached the checkpoint goes too */
	if (s->cv.hc_av == 0)
		cv_headers_free(&s->cv);
	planner_reset(&s->pl, s->cv.tip_height, s->cv.tip_height);
	for (i = 0; i < s->pl.np; i++)
		s->pl.p[i].skip = 0;
	s->held_future = 0;
	s->refused_from = 0;
}

/* what entering a state means; the state is already set */
static void
state_entered(struct syncd *s, enum catchup_state old)
{
	switch (s->state) {
	case CS_IDLE:
		if (old == CS_START) {
			log_info("chain at height %llu",
			    (unsigned long long)s->cv.tip_height);
			worker_up(s->w);	/* serving now */
			break;
		}
		round_forget(s);
		if (old == CS_DRAIN)	/* stored's tip may not be ours */
			syncd_request_tip(s);
		break;
	case CS_LOCATOR:
		s->last_progress = mono_now();
		syncd_store_enqueue(s, SR_LOCATOR, NULL);
		break;
	case CS_HEADERS:
		s->last_progress = s->hd_started = mono_now();
		cv_headers_start(&s->cv, &s->cv.last.b);	/* the fork */
		headers_ask(s);
		break;
	case CS_FETCH:
		s->last_progress = mono_now();
		break;
	default:
		break;
	}
}

static void
change_state(struct syncd *s, enum catchup_state next,
    enum catchup_event ev, const char *why)
{
	enum catchup_state old = s->state;

	log_debug("catch-up: %s -> %s on %s%s%s (height %llu)",
	    catchup_state_names[old], catchup_state_names[next],
	    catchup_event_names[ev], why ? ": " : "", why ? why : "",
	    (unsigned long long)s->cv.tip_height);
	s->state = next;
	state_entered(s, old);
}

/*
 * The one function that moves the catch-up (as OpenBGPD's bgp_fsm):
 * every other part of syncd raises an event, with why for the log, and
 * acts only when it returns 0.  -1: ev has no place in the current state
 * (catchup_next); logged at debug, nothing done.
 */
static int
catchup_fsm(struct syncd *s, enum catchup_event ev, const char *why)
{
	enum catchup_state next;

	next = catchup_next(s->state, ev, syncd_append_queued(s));
	if (next == CS_REFUSED) {
		log_debug("catch-up: %s refused in state %s%s%s",
		    catchup_event_names[ev], catchup_state_names[s->state],
		    why ? ": " : "", why ? why : "");
		return -1;
	}
	if (next != s->state)
		change_state(s, next, ev, why);
	return 0;
}

static void
maybe_start_round(struct syncd *s)
{
	struct plan_peer	*lead;
	char			 a[NETADDR_STRLEN];

	if (s->state != CS_IDLE || s->prod.active || storeq_len(&s->sq) > 0)
		return;
	lead = planner_lead(&s->pl, mono_now(), s->cv.tip_height);
	if (lead == NULL)
		return;
	s->lead_ip = lead->ip;
	s->round_started = mono_now();
	s->round_committed = s->committed;
	s->round_goal = lead->height;
	/* a few blocks behind (following the tip): debug, as its end */
	peer_log(lead->ip, SLOG_ROUND, lead->height - s->cv.tip_height >=
	    SYNC_DONE_LOG_MIN ? LOGRATE_INFO : LOGRATE_DEBUG, "catching up: "
	    "peer %s is at height %llu, we are at %llu", ipstr(lead->ip, a),
	    (unsigned long long)lead->height,
	    (unsigned long long)s->cv.tip_height);
	catchup_fsm(s, CE_LEAD_CHOSEN, NULL);
}

static void
got_locator(struct syncd *s, const struct ipc_hashes *loc)
{
	struct plan_peer *p;

	if (catchup_fsm(s, CE_LOCATOR_READ, NULL) == -1)
		return;
	p = planner_peer(&s->pl, s->lead_ip);
	if (p == NULL || !planner_usable(p, mono_now())) {
		catchup_fsm(s, CE_LEAD_LOST, "the leading peer left");
		return;
	}
	s->loc_reqid = planner_reqid(&s->pl);
	s->loc_deadline = mono_now() + s->pl.timeout;
	planner_sent(&s->pl, s->lead_ip, mono_now(), s->loc_deadline);
	send_get_blocks(s, s->lead_ip, s->loc_reqid, s->cv.tip_height + 1,
	    s->pl.range_max, loc);
}

/* decoding (payload hash, header hash) of an answer's blocks in parallel */
struct decode_job {
	const struct ipc_blocks	*bl;
	struct block		*out;
	enum block_error	*err;
};

static void
decode_one(void *arg, size_t i)
{
	struct decode_job *j = arg;

	j->err[i] = block_decode(j->bl->v[i].p, j->bl->v[i].len, &j->out[i]);
}

/*
 * Blocks of one answer must decode and follow each other by height; *first
 * gets the first block's header and hash, out (when not NULL) every block
 * decoded, on the validation threads.  The links are chainview's to check,
 * in order, with the signatures.
 */
static int
check_answer(struct syncd *s, const struct ipc_blocks *bl, uint64_t from,
    int fixed_from, struct cv_link *first, struct block *out, char *why,
    size_t len)
{
	struct block		 one, *b = &one;
	struct decode_job	 job;
	uint64_t		 h = from;
	uint32_t		 i;
	enum block_error	 e, *err = NULL;
	int			 rc = 0;

	if (out && bl->count > 1) {
		if ((err = calloc(bl->count, sizeof(*err))) == NULL)
			fatal("calloc");
		job.bl = bl;
		job.out = out;
		job.err = err;
		vpool_run(s->pool, bl->count, decode_one, &job);
	}
	for (i = 0; i < bl->count; i++) {
		if (out)
			b = &out[i];
		e = err ? err[i] : block_decode(bl->v[i].p, bl->v[i].len, b);
		if (e != BLOCK_OK) {
			snprintf(why, len, "sent a block that does not "
			    "decode: %s", block_error_names[e]);
			rc = -1;
			break;
		}
		if (i == 0 && !fixed_from)
			h = b->h.height;
		if (b->h.height != h + i) {
			snprintf(why, len, "sent height %llu where %llu was "
			    "asked for", (unsigned long long)b->h.height,
			    (unsigned long long)(h + i));
			rc = -1;
			break;
		}
		if (i == 0 && first) {
			memset(first, 0, sizeof(*first));
			first->b.h = b->h;
			memcpy(first->b.hash, b->hash, BLOCK_HASH_LEN);
		}
		if (bl->v[i].len > s->block_len_max)
			s->block_len_max = bl->v[i].len;
	}
	free(err);
	return rc;
}

/*
 * Keep the lead's answer (the message msg, bl pointing into it) until we
 * have our block at the fork point.
 */
static void
lead_keep(struct syncd *s, const struct ipc_blocks *bl, const uint8_t *msg,
    size_t msglen, const struct cv_link *first)
{
	uint32_t i;

	lead_forget(s);
	if ((s->lead_buf = malloc(msglen)) == NULL)
		fatal("malloc");
	memcpy(s->lead_buf, msg, msglen);
	s->lead_len = msglen;
	s->lead_blocks = *bl;
	if ((s->lead_blocks.v = calloc(bl->count, sizeof(*bl->v))) == NULL)
		fatal("calloc");
	for (i = 0; i < bl->count; i++) {
		s->lead_blocks.v[i].p = s->lead_buf + (bl->v[i].p - msg);
		s->lead_blocks.v[i].len = bl->v[i].len;
	}
	s->lead_first = *first;
}

/* the lead's locator answer, from its fork point with us */
static void
got_lead_answer(struct syncd *s, struct netaddr ip, const struct ipc_blocks *bl,
    const uint8_t *msg, size_t msglen)
{
	struct cv_link		 first;
	struct block		*b = &first.b;
	char			 why[IPC_REASON_MAX], a[NETADDR_STRLEN];

	s->loc_reqid = 0;
	if (bl->count == 0) {
		/* nothing after our locator while it claims to be ahead */
		lead_failed(s, 1, "the leading peer had nothing for us");
		return;
	}
	s->block_len_max = 0;	/* this round's blocks */
	if (check_answer(s, bl, 0, 0, &first, NULL, why, sizeof(why)) == -1) {
		/* punishing the lead ends the round: CE_LEAD_LOST */
		punish(s, ip, "%s", why);
		return;
	}
	if (b->h.height == 0 || b->h.height > s->cv.tip_height + 1) {
		punish(s, ip, "answered our locator from height %llu, above "
		    "our tip %llu", (unsigned long long)b->h.height,
		    (unsigned long long)s->cv.tip_height);
		return;		/* as above */
	}
	planner_proven(&s->pl, ip, b->h.height + bl->count - 1);
	if (s->cv.tip_height - (b->h.height - 1) > s->cv.max_reorg) {
		peer_log(ip, SLOG_BRANCH, LOGRATE_WARN, "peer %s is on a "
		    "branch that parts from ours at height %llu: a "
		    "reorganisation of %llu blocks is more "
		    "than max_reorg_depth %u, refused", ipstr(ip, a),
		    (unsigned long long)(b->h.height - 1),
		    (unsigned long long)(s->cv.tip_height - b->h.height + 1),
		    s->cv.max_reorg);
		lead_failed(s, 0, "reorganisation too deep");
		return;
	}
	lead_keep(s, bl, msg, msglen, &first);
	if (catchup_fsm(s, CE_LEAD_ANSWERED, NULL) == 0)
		request_block(s, SR_FORK_BLOCK, b->h.height - 1);
}

/* our block at the fork point: the round can start */
static void
got_fork_block(struct syncd *s, const struct block *fork)
{
	struct ipc_blocks	*bl = &s->lead_blocks;
	uint64_t		 target;
	uint32_t		 i;

	if (s->state != CS_FORK_BLOCK || s->lead_buf == NULL)
		return;		/* the round ended meanwhile */
	if (memcmp(s->lead_first.b.h.prev, fork->hash, BLOCK_HASH_LEN) != 0) {
		/* not our block there: our chain moved or the peer lies */
		lead_failed(s, 1, "locator answer does not link to our chain");
		return;
	}
	if (cv_start(&s->cv, fork) == -1) {
		lead_failed(s, 0, "reorganisation too deep");
		return;
	}
	planner_lead_ok(&s->pl, s->lead_ip);
	if (s->cv.reorg)
		log_info("peer's branch parts from ours at height %llu "
		    "(our tip %llu): switching if it is longer",
		    (unsigned long long)fork->h.height,
		    (unsigned long long)s->cv.tip_height);
	target = best_height(s, mono_now());
	planner_reset(&s->pl, fork->h.height, target);
	for (i = 0; i < bl->count; i++)
		cv_put(&s->cv, fork->h.height + 1 + i, bl->v[i].p,
		    bl->v[i].len, s->lead_ip);
	s->pl.planned = fork->h.height + bl->count;
	if (s->pl.planned > s->pl.target)
		s->pl.target = s->pl.planned;
	lead_forget(s);
	if (headers_wanted(s))
		catchup_fsm(s, CE_HEADERS_WANTED, NULL);
	else if (catchup_fsm(s, CE_FORK_LINKED, NULL) == 0)
		progress(s);
}

static void
requeue_cb(void *arg, uint64_t from, uint32_t count)
{
	struct syncd *s = arg;

	planner_requeue(&s->pl, from, count, NETADDR_NONE, NETADDR_NONE);
}

static void
requeue_lead_cb(void *arg, uint64_t from, uint32_t count)
{
	struct syncd *s = arg;

	planner_requeue(&s->pl, from, count, NETADDR_NONE,
	    s->lead_ip);
}

/* is b signed by a producer of the genesis set? */
static enum block_error
check_producer(struct syncd *s, const struct block *b)
{
	if (b->h.producer >= s->gen.info.nproducers)
		return BLOCK_ERR_PRODUCER;
	if (block_verify_sig(b, &s->gen.info) != 0)
		return BLOCK_ERR_SIGNATURE;
	return BLOCK_OK;
}

/* the held block at height h, decoded; *t gets its time (ms) */
static enum block_error
check_signed(struct syncd *s, uint64_t h, uint64_t *t)
{
	const struct cv_slot	*sl;
	struct block		 b;
	enum block_error	 e;

	if ((sl = cv_slot(&s->cv, h)) == NULL)
		return BLOCK_ERR_FORMAT;
	if ((e = block_decode(sl->raw, sl->len, &b)) != BLOCK_OK)
		return e;
	if (t)
		*t = b.h.time_ms;
	return check_producer(s, &b);
}

/*
 * A signed block dated ahead of our clock (beyond BLOCK_FUTURE_MAX_MS, so
 * not valid yet) is a clock skew, ours or its producer's, not the fault
 * of the peer that relays it: held or dropped, never punished, unless no
 * clock could explain it (SYNC_FUTURE_BAN_MS ahead; grin#3360 and
 * nearcore#8306 banned honest peers for this).
 */
static int
future_possible(uint64_t time_ms)
{
	return time_ms <= now_ms() + SYNC_FUTURE_BAN_MS;
}

/* the bad block's heights go to another peer (or the lead: cb) */
static int
drop_bad(struct syncd *s, const struct cv_bad *bad, void (*cb)(void *,
    uint64_t, uint32_t))
{
	cv_drop(&s->cv, bad->height, bad->ip, cb, s);
	return 0;
}

/* a block dated ahead of our clock: held until due (1), or punished */
static int
handle_future(struct syncd *s, const struct cv_bad *bad)
{
	enum block_error	e;
	uint64_t		t = 0;

	if ((e = check_signed(s, bad->height, &t)) != BLOCK_OK) {
		punish(s, bad->ip, "sent block %llu: %s",
		    (unsigned long long)bad->height, block_error_names[e]);
		return drop_bad(s, bad, requeue_cb);
	}
	if (!future_possible(t)) {
		punish(s, bad->ip, "sent block %llu dated %llu s ahead of our "
		    "clock", (unsigned long long)bad->height,
		    (unsigned long long)((t - now_ms()) / 1000));
		return drop_bad(s, bad, requeue_cb);
	}
	if (s->held_future != bad->height)
		log_info("block %llu is dated %.0f s ahead of our clock: held "
		    "until it is due", (unsigned long long)bad->height,
		    ((double)t - (double)now_ms()) / 1000);
	s->held_future = bad->height;
	return 1;
}

/* 1: validation stops here for now (a block held until it is due) */
static int
handle_bad(struct syncd *s, const struct cv_bad *bad)
{
	struct plan_peer	*p;
	char			 a[NETADDR_STRLEN];
	enum block_error	 e;

	if (bad->err == BLOCK_ERR_TIME_FUTURE)
		return handle_future(s, bad);
	/*
	 * A block that does not link may be a producer's block of another
	 * branch; one that no producer signed is only garbage.
	 */
	if ((bad->err == BLOCK_ERR_LINK || bad->err == BLOCK_ERR_HEIGHT) &&
	    (e = check_signed(s, bad->height, NULL)) != BLOCK_OK) {
		punish(s, bad->ip, "sent block %llu: %s (and it does not link)",
		    (unsigned long long)bad->height, block_error_names[e]);
		return drop_bad(s, bad, requeue_cb);
	}
	if (bad->err == BLOCK_ERR_LINK || bad->err == BLOCK_ERR_HEIGHT) {
		/* a producer's block on another branch: not misbehaviour */
		if (netaddr_eq(&bad->ip, &s->lead_ip)) {
			lead_failed(s, 0, "the leading peer's chain changed");
			return 0;
		}
		peer_log(bad->ip, SLOG_BRANCH, LOGRATE_INFO, "peer %s: block "
		    "%llu is on another branch; its heights go to the "
		    "leading peer", ipstr(bad->ip, a),
		    (unsigned long long)bad->height);
		if ((p = planner_peer(&s->pl, bad->ip)) != NULL)
			p->skip = 1;
		return drop_bad(s, bad, requeue_lead_cb);
	}
	punish(s, bad->ip, "sent block %llu: %s",
	    (unsigned long long)bad->height, block_error_names[bad->err]);
	return drop_bad(s, bad, requeue_cb);
}

/*
 * When the oldest validated block not handed to stored was validated:
 * now when there is one and none was waiting (or a batch just went,
 * sent: what is left waits from now), 0 when none is left.
 */
static void
held_mark(struct syncd *s, int sent)
{
	if (s->cv.validated <= s->cv.queued)
		s->held_since = 0;
	else if (s->held_since == 0 || sent)
		s->held_since = mono_now();
}

/*
 * Room for another catch-up batch in stored's hands: only batches are
 * queued as appends, and fewer than STOREQ_PIPELINE of them (the next
 * one is then sent while stored commits the last, storeq.h).  While
 * blocks are still coming, the next waits until it is whole
 * (IPC_MAX_BLOCKS blocks or BATCH_BYTES), or, stored idle, BATCH_WAIT_S
 * (cv_batch_due).  A batch sent whenever stored was idle, as soon as a
 * peer's answer was validated (256 blocks), made four commits where one
 * does; that was rare only while syncd read stored's answers late (issue
 * 12, ipc/chan.c's fair turns).  The last answer of the round sends what
 * is there.
 */
static int
batch_room(const struct syncd *s)
{
	int n = storeq_count_kind(&s->sq, SR_APPEND_SYNC);

	if (n >= CV_BATCHES_HELD || n >= STOREQ_PIPELINE ||
	    n != storeq_count_type(&s->sq, IPC_STORE_APPEND))
		return 0;
	return cv_batch_due(&s->cv, n, s->pl.in_flight, s->held_since > 0 ?
	    mono_now() - s->held_since : 0, BATCH_WAIT_S, IPC_MAX_BLOCKS,
	    BATCH_BYTES);
}

static void
commit_next(struct syncd *s)
{
	struct cv_batch		 bt;
	struct ipc_append	 ap;
	struct blob		*v;
	const struct cv_slot	*sl;
	struct wbuf		 w;
	uint32_t		 i;

	if (!batch_room(s) || s->state == CS_DRAIN)
		return;
	if (cv_batch(&s->cv, IPC_MAX_BLOCKS, BATCH_BYTES, &bt) != 1)
		return;
	if ((v = calloc(bt.count, sizeof(*v))) == NULL)
		fatal("calloc");
	for (i = 0; i < bt.count; i++) {
		sl = cv_slot(&s->cv, bt.first + i);
		v[i].p = sl->raw;
		v[i].len = sl->len;
	}
	memset(&ap, 0, sizeof(ap));
	ap.rollback = (uint8_t)bt.rollback;
	ap.rollback_to = bt.rollback_to;
	ap.unchecked_lo = bt.unchecked_lo;
	ap.unchecked_hi = bt.unchecked_hi;
	ap.blocks.count = bt.count;
	ap.blocks.v = v;
	wbuf_init(&w, IPC_MAX_MSG);
	ipc_append_encode(&w, &ap);
	free(v);
	if (bt.rollback)
		log_info("reorganising: rolling back to height %llu, then "
		    "appending %u blocks", (unsigned long long)bt.rollback_to,
		    bt.count);
	syncd_store_enqueue(s, SR_APPEND_SYNC, &w)->batch = bt;
	planner_set_base(&s->pl, s->cv.queued);
	held_mark(s, 1);
}

static void
pump(struct syncd *s)
{
	struct plan_req	req;
	double		now = mono_now();

	if (!catchup_fetching(s->state) || !ipc_connected(s->net))
		return;
	/*
	 * What is held plus what is asked for, at the largest block seen in
	 * this round each, stays under the cap; above it only the range
	 * that moves the commit point is asked for.
	 */
	if (s->block_len_max < BLOCK_HEADER_LEN + BLOCK_SIG_LEN)
		s->block_len_max = BLOCK_HEADER_LEN + BLOCK_SIG_LEN;
	for (;;) {
		s->pl.hold = (uint64_t)s->cv.bytes + (uint64_t)s->pl.in_flight *
		    s->block_len_max > SYNC_BYTES_CAP;
		if (!planner_next(&s->pl, now, &req))
			break;
		send_get_blocks(s, req.ip, req.reqid, req.from, req.count,
		    NULL);
	}
}

/* once per checkpoint found on the chain being synced */
static void
assumevalid_log(struct syncd *s)
{
	if (s->cv.av_height == 0 || s->cv.av_height == s->av_logged)
		return;
	s->av_logged = s->cv.av_height;
	log_info("assumevalid: block %s is at height %llu of the chain being "
	    "synced: signatures at or below it not checked (%llu so far)",
	    s->w->cfg.assumevalid, (unsigned long long)s->cv.av_height,
	    (unsigned long long)s->cv.av_skipped);
}

/*
 * A round ends at its target: one line, at info when it committed
 * SYNC_DONE_LOG_MIN blocks or more (a catch-up), else at debug (a node
 * following the tip), rate-limited with the leading peer's lines.
 */
static void
round_log_end(struct syncd *s)
{
	const struct plan_peer	*p;
	uint64_t		 n = s->committed - s->round_committed;
	double			 dt = mono_now() - s->round_started;
	unsigned		 peers = 0;
	size_t			 i;
	char			 head[128];

	if (n == 0)
		return;		/* nothing came of it: nothing to say */
	for (i = 0; i < s->pl.np; i++) {
		p = &s->pl.p[i];
		if (!netaddr_is_zero(&p->ip) && (p->round_received > 0 ||
		    netaddr_eq(&p->ip, &s->lead_ip)))
			peers++;
	}
	/*
	 * Short of what its peers claimed (they went, paused or were
	 * lowered as liars): said so, not "caught up" (an operator's trial,
	 * 2026-12-01: netd killed mid-catch-up gave "caught up to height
	 * 42752" of 100000).
	 */
	if (s->cv.tip_height < s->round_goal)
		snprintf(head, sizeof(head), "catch-up round ended at height "
		    "%llu, short of the %llu its peers claimed",
		    (unsigned long long)s->cv.tip_height,
		    (unsigned long long)s->round_goal);
	else
		snprintf(head, sizeof(head), "caught up to height %llu",
		    (unsigned long long)s->cv.tip_height);
	peer_log(s->lead_ip, SLOG_DONE, n >= SYNC_DONE_LOG_MIN ? LOGRATE_INFO :
	    LOGRATE_DEBUG, "%s: %llu blocks (%llu-%llu) in %.2f s, %.0f "
	    "blocks/s, from %u peer%s", head, (unsigned long long)n,
	    (unsigned long long)(s->cv.tip_height - n + 1),
	    (unsigned long long)s->cv.tip_height, dt,
	    dt > 0 ? (double)n / dt : 0, peers, peers == 1 ? "" : "s");
}

/*
 * Done: everything asked for is committed.  A block held until it is
 * due keeps the round (it ends without progress after 3 x
 * request_timeout): ending it now would ask for the same block again at
 * once, in a loop.
 */
static void
round_done(struct syncd *s)
{
	if (s->held_future > s->cv.validated)
		return;
	if (!planner_done(&s->pl) || syncd_append_queued(s) ||
	    cv_checking(&s->cv) || s->cv.queued != s->cv.validated)
		return;
	if (s->cv.validated < s->pl.target || cv_waiting_reorg(&s->cv))
		catchup_fsm(s, CE_ROUND_END, "nothing more to fetch");
	else {
		round_log_end(s);
		catchup_fsm(s, CE_ROUND_END, "caught up");
	}
	maybe_start_round(s);
}

static void
progress(struct syncd *s)
{
	struct cv_bad	bad;
	int		guard;

	if (!catchup_fetching(s->state))
		return;
	/*
	 * The pipeline: what an answer freed is asked for again, and a
	 * validated batch goes to stored, before this thread validates the
	 * new blocks (the pool holds it for milliseconds), so that the peers
	 * serve and stored appends meanwhile (issue 12 item 1).
	 */
	commit_next(s);
	pump(s);
	for (guard = 0; guard < 64; guard++) {
		/*
		 * Waiting for the checkpoint only while blocks come or a
		 * batch is in stored's hands (its answer moves the window).
		 */
		s->cv.av_more = s->pl.in_flight > 0 ||
		    syncd_append_queued(s);
		if (cv_validate(&s->cv, now_ms(), &bad) > 0)
			s->last_progress = mono_now();
		held_mark(s, 0);
		assumevalid_log(s);
		if (bad.err == BLOCK_OK || handle_bad(s, &bad))
			break;
		if (!catchup_fetching(s->state))
			return;
	}
	commit_next(s);
	pump(s);
	round_done(s);
}

/* ---- answers from stored: the storeq handlers and their table ---- */

static enum storeq_verdict
got_tip(void *arg, struct sreq *r, const void *msg)
{
	struct syncd		*s = arg;
	const struct ipc_tip	*tip = msg;

	(void)r;
	if (memcmp(tip->genesis, s->gen.block.hash, IPC_HASH_LEN) != 0) {
		log_warnx("stored holds another genesis; waiting");
		return STOREQ_RETRY;
	}
	s->uv_lo = tip->unchecked_lo;
	s->uv_hi = tip->unchecked_hi;
	request_block(s, SR_TIP_BLOCK, tip->height);
	return STOREQ_DONE;
}

/* the one block asked for (SR_TIP_BLOCK, SR_FORK_BLOCK), decoded */
static int
one_block(const struct sreq *r, const struct ipc_blocks *bl, struct block *b)
{
	if (bl->code != IPC_OK || bl->count != 1 ||
	    block_decode(bl->v[0].p, bl->v[0].len, b) != BLOCK_OK ||
	    b->h.height != r->height) {
		log_warnx("stored has no block %llu",
		    (unsigned long long)r->height);
		return -1;
	}
	return 0;
}

static enum storeq_verdict
got_tip_block(void *arg, struct sreq *r, const void *msg)
{
	struct syncd	*s = arg;
	struct block	 b;

	if (one_block(r, msg, &b) == -1) {
		syncd_request_tip(s);
		return STOREQ_DONE;
	}
	cv_set_tip_link(&s->cv, &b);
	cv_reset(&s->cv);
	catchup_fsm(s, CE_TIP_LOADED, NULL);
	return STOREQ_DONE;
}

static enum storeq_verdict
got_fork_answer(void *arg, struct sreq *r, const void *msg)
{
	struct syncd	*s = arg;
	struct block	 b;

	if (one_block(r, msg, &b) == -1) {
		catchup_fsm(s, CE_ROUND_END, "fork block missing");
		syncd_request_tip(s);
		return STOREQ_DONE;
	}
	got_fork_block(s, &b);
	return STOREQ_DONE;
}

static enum storeq_verdict
got_locator_answer(void *arg, struct sreq *r, const void *msg)
{
	(void)r;
	got_locator(arg, msg);
	return STOREQ_DONE;
}

/*
 * Our copy of stored's unchecked range after a batch of ours was
 * committed (cv_unchecked_after: never smaller than stored's); after a
 * rollback the exact one is read back from stored (SR_RANGE), since
 * stored, not we, knows from which height its blocks differed.
 */
static void
unverified_appended(struct syncd *s, const struct cv_batch *bt)
{
	cv_unchecked_after(bt, &s->uv_lo, &s->uv_hi);
	if (bt->rollback && s->uv_lo != 0 &&
	    !storeq_has_kind(&s->sq, SR_RANGE))
		syncd_store_enqueue(s, SR_RANGE, NULL);
}

/* stored's unchecked range, read back after a rollback batch */
static enum storeq_verdict
got_range(void *arg, struct sreq *r, const void *msg)
{
	struct syncd		*s = arg;
	const struct ipc_tip	*tip = msg;

	(void)r;
	if (memcmp(tip->genesis, s->gen.block.hash, IPC_HASH_LEN) != 0)
		return STOREQ_RETRY;
	s->uv_lo = tip->unchecked_lo;
	s->uv_hi = tip->unchecked_hi;
	return STOREQ_DONE;
}

/*
 * stored's tip, answering the head batch sent again, is the last height
 * of a batch behind it: stored had committed both before the head went
 * again (its answer lost with a killed stored, or 30 s without one), so
 * the head's blocks are stored and the one behind, sent again too, will
 * say so (a reviewer's finding, 2026-11-30: the round ended and the
 * window was fetched again).
 */
static int
committed_behind(const struct syncd *s, uint64_t height)
{
	const struct sreq	*r;
	int			 i;

	for (i = 1; (r = storeq_at(&s->sq, i)) != NULL; i++)
		if (r->kind == SR_APPEND_SYNC &&
		    r->batch.first + r->batch.count - 1 == height)
			return 1;
	return 0;
}

static enum storeq_verdict
got_append_sync(void *arg, struct sreq *r, const void *msg)
{
	struct syncd			*s = arg;
	const struct ipc_result		*res = msg;
	const struct cv_slot		*sl;
	uint64_t			 last = r->batch.first +
					    r->batch.count - 1;
	char				 why[128 + IPC_REASON_MAX];

	if (res->code != IPC_OK) {
		(void)snprintf(why, sizeof(why), "stored refused blocks "
		    "%llu-%llu: %s (%s); re-reading the tip",
		    (unsigned long long)r->batch.first,
		    (unsigned long long)last, ipc_code_names[res->code <
		    IPC_NCODES ? res->code : IPC_ERR_MALFORMED], res->reason);
		/* a batch sent behind a refused one cannot link */
		if (s->refused_from && r->batch.first > s->refused_from)
			log_debug("%s", why);
		else
			log_warnx("%s", why);
		if (s->refused_from == 0)
			s->refused_from = r->batch.first;
		catchup_fsm(s, CE_ROUND_END, "stored refused a batch");
		return STOREQ_DONE;
	}
	if (res->height != last && !committed_behind(s, res->height)) {
		/* not what we asked for: believe stored, not us */
		log_warnx("stored took blocks %llu-%llu but its tip is %llu; "
		    "re-reading the tip", (unsigned long long)r->batch.first,
		    (unsigned long long)last, (unsigned long long)res->height);
		if (s->refused_from == 0)
			s->refused_from = r->batch.first;
		catchup_fsm(s, CE_ROUND_END, "stored's tip is not ours");
		return STOREQ_DONE;
	}
	unverified_appended(s, &r->batch);
	/*
	 * The batch's last block to every peer, unless its signature was
	 * not checked (below the trusted checkpoint) or blocks below it are
	 * not verified yet (syncd_announce): we relay only what we
	 * verified, and peers check every announced signature (a forged
	 * one would get us banned; docs/sync.md "Trusted checkpoint").
	 */
	if ((sl = cv_slot(&s->cv, last)) != NULL && sl->sig != CV_SIG_ASSUMED)
		syncd_announce(s, sl->raw, sl->len);
	cv_committed(&s->cv, &r->batch);
	s->committed += r->batch.count;
	s->last_progress = mono_now();
	/* the 10 s progress line says it at info; this is debug */
	if (s->cv.tip_height % 1000 < r->batch.count || r->batch.rollback)
		log_debug("height %llu", (unsigned long long)s->cv.tip_height);
	return STOREQ_DONE;
}

static enum storeq_verdict
got_append_announced(void *arg, struct sreq *r, const void *msg)
{
	struct syncd		*s = arg;
	const struct ipc_result	*res = msg;
	struct block		 b;

	if (res->code != IPC_OK) {
		log_debug("announced block not appended: %s",
		    ipc_code_names[res->code < IPC_NCODES ? res->code : 1]);
		syncd_request_tip(s);
		return STOREQ_DONE;
	}
	if (block_decode(r->last, r->lastlen, &b) == BLOCK_OK) {
		cv_set_tip_link(&s->cv, &b);
		cv_reset(&s->cv);
		s->committed++;
		syncd_announce(s, r->last, r->lastlen);
	}
	return STOREQ_DONE;
}

/* ---- the deferred signature check (docs/sync.md "Trusted checkpoint") ---- */

/*
 * Verify the next stored blocks whose signatures were not checked: only
 * while no round runs and nothing else waits for stored, so that a
 * catch-up is never slowed; a batch of at most IPC_MAX_BLOCKS blocks and
 * IPC_MAX_BLOCK_BYTES (one read, one vpool_run) at a time.
 */
static void
audit_next(struct syncd *s)
{
	struct ipc_range	rg;
	struct wbuf		w;
	uint64_t		n;

	if (!syncd_unverified(s))
		s->audit_logged = 0;	/* the next range logs its start */
	if (!syncd_unverified(s) || s->state != CS_IDLE ||
	    storeq_len(&s->sq) != 0)
		return;
	n = s->uv_hi - s->uv_lo + 1;
	if (!s->audit_logged) {		/* once a range, and after a restart */
		log_info("verifying the signatures of blocks %llu-%llu, not "
		    "checked during the catch-up under assumevalid; served "
		    "to peers once verified", (unsigned long long)s->uv_lo,
		    (unsigned long long)s->uv_hi);
		s->audit_logged = 1;
	}
	rg.from = s->uv_lo;
	rg.count = n > IPC_MAX_BLOCKS ? IPC_MAX_BLOCKS : (uint32_t)n;
	rg.max_bytes = IPC_MAX_BLOCK_BYTES;
	wbuf_init(&w, 64);
	ipc_range_encode(&w, &rg);
	syncd_store_enqueue(s, SR_AUDIT_READ, &w)->height = rg.from;
}

/* tell stored that blocks from ... from + n - 1 are verified */
static void
audit_good(struct syncd *s, uint64_t from, uint32_t n)
{
	struct ipc_audited	a;
	struct wbuf		w;
	struct sreq		*r;

	a.from = from;
	a.to = from + n - 1;
	wbuf_init(&w, 32);
	ipc_audited_encode(&w, &a);
	r = syncd_store_enqueue(s, SR_AUDITED, &w);
	r->height = from;
	r->nblocks = n;
}

/*
 * The stored block at height h, whose signature was not checked during
 * the catch-up, is not signed by a producer (its hash, which the
 * checkpoint's proved, is right; the signature bytes a peer attached are
 * not: docs/sync.md "Trusted checkpoint").  Cut the chain back to h - 1
 * (stored allows a cut deeper than max_reorg for blocks at or above the
 * unchecked range's low end) and check every signature from now on, so
 * that the next catch-up fetches h and above again, from whichever peers,
 * each one checked.
 */
static void
audit_bad_block(struct syncd *s, uint64_t h, const struct blob *v)
{
	struct ipc_append	ap;
	struct block		b;
	struct wbuf		w;
	char			hx[2 * BLOCK_HASH_LEN + 1] = "?";
	const char		*what;
	int			 parsed;

	/* cv_audit's three faults; only a bad signature is a peer's doing */
	parsed = block_parse(v->p, v->len, &b) == BLOCK_OK;
	if (parsed)
		sodium_bin2hex(hx, sizeof(hx), b.hash, BLOCK_HASH_LEN);
	what = !parsed ? "stored block does not decode" : b.h.height != h ?
	    "stored block has another height" : "bad signature";
	if (s->audit_bad != h)
		log_warnx("block %llu (%s): %s (its signature was not "
		    "checked during the catch-up under assumevalid); cutting "
		    "the chain back to %llu, fetching it again with every "
		    "signature checked (assumevalid off until syncd restarts)",
		    (unsigned long long)h, hx, what,
		    (unsigned long long)(h - 1));
	s->audit_bad = h;
	s->av_revoked = 1;
	cv_set_assumevalid(&s->cv, NULL, 0);
	memset(&ap, 0, sizeof(ap));
	ap.rollback = 1;
	ap.rollback_to = h - 1;
	wbuf_init(&w, 64);
	ipc_append_encode(&w, &ap);
	syncd_store_enqueue(s, SR_AUDIT_CUT, &w)->height = h;
}

static enum storeq_verdict
got_audit_blocks(void *arg, struct sreq *r, const void *msg)
{
	struct syncd			*s = arg;
	const struct ipc_blocks		*bl = msg;
	uint32_t			 n;

	if (bl->code != IPC_OK || bl->count == 0 || r->height != s->uv_lo) {
		/* the chain moved under us: start from stored's view */
		syncd_request_tip(s);
		return STOREQ_DONE;
	}
	if (bl->count > s->uv_hi - s->uv_lo + 1) {
		log_warnx("stored answered %u blocks to verify, %llu asked",
		    bl->count, (unsigned long long)(s->uv_hi - s->uv_lo + 1));
		syncd_request_tip(s);
		return STOREQ_DONE;
	}
	n = cv_audit(&s->cv, bl->v, bl->count, r->height);
	if (n > 0)
		audit_good(s, r->height, n);
	if (n < bl->count)
		audit_bad_block(s, r->height + n, &bl->v[n]);
	return STOREQ_DONE;
}

static enum storeq_verdict
got_audited(void *arg, struct sreq *r, const void *msg)
{
	struct syncd		*s = arg;
	const struct ipc_result	*res = msg;
	uint64_t		 to = r->height + r->nblocks - 1;

	if (res->code != IPC_OK) {
		log_warnx("stored refused the verified blocks %llu-%llu: %s; "
		    "re-reading the tip", (unsigned long long)r->height,
		    (unsigned long long)to, res->reason);
		syncd_request_tip(s);
		return STOREQ_DONE;
	}
	if (r->height == s->uv_lo) {
		s->uv_lo = to + 1;
		if (s->uv_lo > s->uv_hi) {
			s->uv_lo = s->uv_hi = 0;
			log_info("signatures of every stored block verified: "
			    "serving and announcing them");
		}
	}
	return STOREQ_DONE;
}

static enum storeq_verdict
got_audit_cut(void *arg, struct sreq *r, const void *msg)
{
	struct syncd		*s = arg;
	const struct ipc_result	*res = msg;

	if (res->code != IPC_OK)
		log_warnx("stored refused to cut the chain back to %llu: %s",
		    (unsigned long long)(r->height - 1), res->reason);
	syncd_request_tip(s);	/* the new tip and range, then catch up */
	return STOREQ_DONE;
}

/*
 * What syncd asks of stored, and who takes the answer.  The answer's
 * type and decoder are the IPC catalogue's (msg.c); storeq.c matches,
 * decodes, retries and re-sends.
 */
static const struct storeq_kind store_kinds[SR_NKINDS] = {
	[SR_TIP] = { "tip", IPC_STORE_TIP_REQ, got_tip, 0 },
	[SR_RANGE] = { "unchecked range", IPC_STORE_TIP_REQ, got_range, 0 },
	[SR_TIP_BLOCK] = { "tip block", IPC_STORE_BLOCKS_REQ, got_tip_block,
	    0 },
	[SR_LOCATOR] = { "locator", IPC_STORE_LOCATOR_REQ,
	    got_locator_answer, 0 },
	[SR_FORK_BLOCK] = { "fork block", IPC_STORE_BLOCKS_REQ,
	    got_fork_answer, 0 },
	[SR_APPEND_SYNC] = { "catch-up batch", IPC_STORE_APPEND,
	    got_append_sync, 1, 1 },
	[SR_APPEND_PRODUCE] = { "our blocks", IPC_STORE_APPEND,
	    produce_result, 0 },
	[SR_APPEND_ANNOUNCED] = { "announced block", IPC_STORE_APPEND,
	    got_append_announced, 0 },
	[SR_AUDIT_READ] = { "blocks to verify", IPC_STORE_BLOCKS_REQ,
	    got_audit_blocks, 0 },
	[SR_AUDITED] = { "verified blocks", IPC_STORE_AUDITED, got_audited,
	    0 },
	[SR_AUDIT_CUT] = { "cut at a bad signature", IPC_STORE_APPEND,
	    got_audit_cut, 1 },
};

static int
store_send(void *arg, uint16_t type, uint32_t reqid, const struct wbuf *body)
{
	struct syncd *s = arg;

	return ipc_send(s->store, type, reqid, body);
}

static void
store_dispatch(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *body,
    void *arg)
{
	struct syncd	*s = arg;
	int		 batch = syncd_append_queued(s);

	(void)c;
	if (storeq_answer(&s->sq, h->type, h->reqid, body, mono_now()) != 1)
		return;
	if (batch && !syncd_append_queued(s))
		catchup_fsm(s, CE_BATCH_DONE, NULL);
	syncd_kick(s);
}

/* ---- from netd ---- */

static void
got_peer(struct syncd *s, uint16_t type, const struct ipc_peer *pe)
{
	struct plan_peer	*p;
	char			 a[NETADDR_STRLEN];

	if (type == IPC_NET_PEER_DOWN) {
		log_debug("peer %s down", ipstr(pe->ip, a));
		planner_peer_down(&s->pl, pe->ip);
		if (netaddr_eq(&pe->ip, &s->lead_ip))
			catchup_fsm(s, CE_LEAD_LOST, "the leading peer left");
		return;
	}
	if ((p = planner_peer_up(&s->pl, pe->ip, pe->height)) == NULL)
		return;
	memcpy(p->tip, pe->tip, sizeof(p->tip));
	if (catchup_fetching(s->state)) {
		uint64_t t = best_height(s, mono_now());

		if (t > s->pl.target)
			planner_set_target(&s->pl, t);
	}
}

/*
 * An announced block b: decoded and signed by a producer whatever its
 * height, else misbehaviour (-1, punished).  1 when it extends our tip
 * now (validated against it and due), else 0.
 */
static int
announcement_check(struct syncd *s, struct netaddr ip, const struct block *b)
{
	enum block_error	 e;
	char			 a[NETADDR_STRLEN];
	int			 extends;

	extends = !s->prod.active && storeq_len(&s->sq) == 0 &&
	    b->h.height == s->cv.tip_height + 1 &&
	    memcmp(b->h.prev, s->cv.tip.b.hash, BLOCK_HASH_LEN) == 0;
	e = extends ? block_validate(b, &s->cv.tip.b, &s->gen.info,
	    now_ms()) : check_producer(s, b);
	if (e == BLOCK_ERR_TIME_FUTURE)
		e = check_producer(s, b);	/* not due yet: signed? */
	if (e == BLOCK_OK && !future_possible(b->h.time_ms)) {
		punish(s, ip, "announced block %llu dated %llu s ahead of our "
		    "clock", (unsigned long long)b->h.height,
		    (unsigned long long)((b->h.time_ms - now_ms()) / 1000));
		return -1;
	}
	if (e != BLOCK_OK) {
		punish(s, ip, "announced an invalid block %llu: %s",
		    (unsigned long long)b->h.height, block_error_names[e]);
		return -1;
	}
	if (b->h.time_ms > now_ms() + BLOCK_FUTURE_MAX_MS) {
		log_info("peer %s announced block %llu dated %.0f s ahead of "
		    "our clock: not taken before it is due", ipstr(ip, a),
		    (unsigned long long)b->h.height,
		    ((double)b->h.time_ms - (double)now_ms()) / 1000);
		extends = 0;
	}
	return extends;
}

/* an announced block that extends our tip: to stored, on after the commit */
static void
announcement_take(struct syncd *s, struct netaddr ip, const struct blob *v)
{
	struct ipc_append	 ap;
	struct blob		 blob = *v;
	struct wbuf		 w;
	struct sreq		*r;

	memset(&ap, 0, sizeof(ap));
	ap.blocks.count = 1;
	ap.blocks.v = &blob;
	wbuf_init(&w, v->len + 64);
	ipc_append_encode(&w, &ap);
	r = syncd_store_enqueue(s, SR_APPEND_ANNOUNCED, &w);
	if ((r->last = malloc(v->len)) == NULL)
		fatal("malloc");
	memcpy(r->last, v->p, v->len);
	r->lastlen = v->len;
	r->from_ip = ip;
}

/*
 * One block a peer announced.  One that extends our tip is taken at
 * once when we are idle, or in a round no peer has shown a block above it
 * for (a claimed height is only a claim: issue 11 item 4).  One dated a
 * little ahead of our clock is not taken yet; it raises the peer's height
 * and the catch-up holds it until it is due.
 */
static void
got_announcement(struct syncd *s, struct netaddr ip, const struct blob *v)
{
	struct block		 b;
	struct plan_peer	*p;
	enum block_error	 e;
	int			 extends;

	if ((e = block_decode(v->p, v->len, &b)) != BLOCK_OK) {
		punish(s, ip, "announced a block that does not decode: %s",
		    block_error_names[e]);
		return;
	}
	if ((extends = announcement_check(s, ip, &b)) == -1)
		return;
	if ((p = planner_peer(&s->pl, ip)) != NULL && p->up &&
	    b.h.height > p->height) {
		p->height = b.h.height;
		memcpy(p->tip, b.hash, sizeof(p->tip));
	}
	if (extends)
		extends = syncd_yield_round(s, b.h.height, "a peer announced "
		    "the block after our tip");
	planner_proven(&s->pl, ip, b.h.height);
	if (extends)
		announcement_take(s, ip, v);
	else if (catchup_fetching(s->state) && b.h.height > s->pl.target) {
		planner_set_target(&s->pl, b.h.height);
		if (b.h.height > s->round_goal)
			s->round_goal = b.h.height;
	}
}

/* metrics: a block request's time from sent to answered */
static void
observe_request(struct syncd *s, struct netaddr ip, uint32_t reqid)
{
	double sent;

	if (planner_sent_at(&s->pl, ip, reqid, &sent) == 0)
		ipc_hist_observe(&s->request_hist, mono_now() - sent);
}

static void
got_range_answer(struct syncd *s, struct netaddr ip, uint32_t reqid,
    const struct ipc_blocks *bl)
{
	uint64_t		 from, f;
	uint32_t		 count, n, i;
	char			 why[IPC_REASON_MAX];
	enum plan_answer	 ans;
	struct block		*dec = NULL;

	if (!catchup_fetching(s->state) ||
	    planner_lookup(&s->pl, ip, reqid, &from, &count) == -1)
		return;		/* late or superseded: ignore */
	observe_request(s, ip, reqid);
	n = bl->count;
	if (n > count) {
		punish(s, ip, "sent %u blocks where %u were asked for", n,
		    count);
		return;
	}
	/* decoded once: chainview keeps the headers */
	if (n && (dec = calloc(n, sizeof(*dec))) == NULL)
		fatal("calloc");
	if (check_answer(s, bl, from, 1, NULL, dec, why, sizeof(why)) == -1) {
		free(dec);
		punish(s, ip, "%s", why);
		return;
	}
	ans = planner_answer(&s->pl, ip, reqid, n, mono_now(), &f, &count);
	if (ans == ANSWER_STALE) {
		free(dec);
		return;
	}
	if (n)
		planner_proven(&s->pl, ip, from + n - 1);
	for (i = 0; i < n; i++)
		cv_put_block(&s->cv, from + i, &dec[i], ip);
	free(dec);
	if (n)
		s->last_progress = mono_now();
	progress(s);
}

static void
got_blocks(struct syncd *s, const struct ipc_hdr *h, struct rbuf *body)
{
	struct ipc_net_blocks	nb;

	(void)h;
	if (ipc_net_blocks_decode(body, &nb) == -1) {
		log_warnx("netd: malformed net-blocks dropped");
		return;
	}
	if (nb.reqid == 0) {
		if (nb.blocks.count > 1)
			punish(s, nb.ip, "sent %u blocks nobody asked for",
			    nb.blocks.count);
		else if (nb.blocks.count == 1)
			got_announcement(s, nb.ip, &nb.blocks.v[0]);
	} else if (s->state == CS_ASK_LEAD && nb.reqid == s->loc_reqid &&
	    netaddr_eq(&nb.ip, &s->lead_ip))
		got_lead_answer(s, nb.ip, &nb.blocks, body->p, body->len);
	else
		got_range_answer(s, nb.ip, nb.reqid, &nb.blocks);
	/* any answer, even a late one: the peer is not silent */
	if (nb.reqid != 0)
		planner_heard(&s->pl, nb.ip, mono_now());
	ipc_blocks_free(&nb.blocks);
	syncd_kick(s);
}

static void
net_dispatch(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *body,
    void *arg)
{
	struct syncd	*s = arg;
	struct ipc_peer	 pe;

	(void)c;
	switch (h->type) {
	case IPC_NET_PEER_UP:
	case IPC_NET_PEER_DOWN:
	case IPC_NET_PEER_TIP:
		if (ipc_peer_decode(body, &pe) == -1 || netaddr_is_zero(&pe.ip)) {
			log_warnx("netd: malformed %s dropped",
			    ipc_type_name(h->type));
			return;
		}
		got_peer(s, h->type, &pe);
		syncd_kick(s);
		break;
	case IPC_NET_BLOCKS:
		got_blocks(s, h, body);
		break;
	case IPC_NET_HEADERS:
		got_headers(s, body);
		syncd_kick(s);
		break;
	default:
		log_warnx("netd: unexpected %s dropped", ipc_type_name(h->type));
	}
}

static void
net_state(struct ipc_chan *c, int connected, void *arg)
{
	struct syncd	*s = arg;
	size_t		 i;

	if (connected) {
		log_debug("netd connected: asking for its peers");
		ipc_send(c, IPC_SYNC_PEERS_REQ, 0, NULL);
		return;
	}
	/* netd went away with all its connections */
	for (i = 0; i < s->pl.np; i++)
		if (s->pl.p[i].up)
			planner_peer_down(&s->pl, s->pl.p[i].ip);
	catchup_fsm(s, CE_LEAD_LOST, "netd left");
}

static void
store_state(struct ipc_chan *c, int connected, void *arg)
{
	struct syncd	*s = arg;
	int		 n;

	(void)c;
	if (!connected)
		return;
	n = storeq_reconnected(&s->sq, mono_now());
	/* once per restart of stored (not at our start), rate-limited */
	if (s->store_seen && catchup_in_round(s->state))
		peer_log(NETADDR_NONE, SLOG_STORED, LOGRATE_INFO, "stored "
		    "back: re-sent %d request%s, catch-up resumes at height "
		    "%llu", n, n == 1 ? "" : "s",
		    (unsigned long long)(s->cv.tip_height + 1));
	else if (s->store_seen)
		peer_log(NETADDR_NONE, SLOG_STORED, LOGRATE_INFO, "stored "
		    "back: re-sent %d request%s, chain at height %llu", n,
		    n == 1 ? "" : "s", (unsigned long long)s->cv.tip_height);
	s->store_seen = 1;
}

/* ---- the clock ---- */

void
syncd_kick(struct syncd *s)
{
	if (s->prod.active)
		produce_tick(s, mono_now());
	if (catchup_fetching(s->state))
		progress(s);
	if (s->state == CS_IDLE)
		maybe_start_round(s);
	audit_next(s);
}

/*
 * Committed blocks per second over the last second: the blocks between
 * the oldest of RATE_SAMPLES samples (a quarter of a second apart) and
 * now.  Exact rather than smoothed, so that it is 0 about a second after
 * the last commit (issue 13: a smoothed rate decayed over seconds after
 * a catch-up ended), and a catch-up shorter than a second shows its rate
 * too.  One syncd, one history.
 */
#define RATE_SAMPLES	5
static double
commit_rate(double now, uint64_t committed)
{
	static double	t[RATE_SAMPLES];
	static uint64_t	c[RATE_SAMPLES];
	static int	n, next;	/* samples held, the slot to write */
	int		old;

	t[next] = now;
	c[next] = committed;
	next = (next + 1) % RATE_SAMPLES;
	if (n < RATE_SAMPLES)
		n++;
	old = (next + RATE_SAMPLES - n) % RATE_SAMPLES;
	if (n < 2 || now <= t[old])
		return 0;
	return (double)(committed - c[old]) / (now - t[old]);
}

/*
 * What the planner did about a slow peer (planner_tick_events): counted,
 * and one line naming the peer and the request, rate-limited per peer;
 * at info when it costs the peer a pause or holds the commit point back,
 * else (requests sent along with one that already struck) at debug.
 * Slowness is no misbehaviour: no ban (docs/sync.md, "Deadlines").
 */
static void
request_event(void *arg, const struct plan_event *ev)
{
	struct syncd	*s = arg;
	char		 a[NETADDR_STRLEN], what[96];

	ipstr(ev->ip, a);
	if (ev->count > 0)
		snprintf(what, sizeof(what), "blocks %llu-%llu",
		    (unsigned long long)ev->from,
		    (unsigned long long)(ev->from + ev->count - 1));
	else
		snprintf(what, sizeof(what), "a request");
	switch (ev->kind) {
	case PLAN_EV_DEADLINE:
		if (ev->struck)
			peer_log(ev->ip, SLOG_SLOW, LOGRATE_INFO, "peer %s did "
			    "not answer %s%s in %.1f s (its deadline): asked "
			    "of other peers; peer paused for %.0f s (strike "
			    "%u in a row; no ban), at most %u blocks in "
			    "flight", a, what, ev->dup ? " (a stalled "
			    "range asked again)" : "", ev->waited, ev->pause,
			    ev->strikes, ev->limit);
		else
			peer_log(ev->ip, SLOG_SLOW, LOGRATE_DEBUG, "peer %s "
			    "did not answer %s%s in %.1f s either: asked of "
			    "other peers", a, what, ev->dup ? " (a stalled "
			    "range asked again)" : "", ev->waited);
		break;
	case PLAN_EV_SILENT:
		/* without a range: the locator or headers, logged there */
		peer_log(ev->ip, SLOG_SLOW, ev->struck && ev->ranges > 0 ?
		    LOGRATE_INFO : LOGRATE_DEBUG, "peer %s answered nothing "
		    "for %.1f s (%s asked then, past its deadline): its %u "
		    "requests go to other peers; peer paused for %.0f s "
		    "(strike %u in a row; no ban)", a, ev->waited, what,
		    ev->ranges, ev->pause, ev->strikes);
		break;
	case PLAN_EV_STALL:
		s->stalls++;
		peer_log(ev->ip, SLOG_STALL, LOGRATE_INFO, "peer %s holds "
		    "back the commit point: %s asked %.1f s ago, other peers "
		    "answer in %.2f s; asking them too, with its other "
		    "ranges; at most %u blocks in flight now", a, what,
		    ev->waited, ev->others, ev->limit);
		break;
	}
}

/* the catch-up's timers: deadlines, silent or stalled peers, no progress */
static void
round_tick(struct syncd *s, double now)
{
	const struct plan_peer	*p;
	char			 a[NETADDR_STRLEN];

	/* deadlines, stalls, and silent peers (which pause) */
	s->req_timeouts += (uint64_t)planner_tick_events(&s->pl, now,
	    request_event, s);
	/* a peer that paused no longer sets the target with its claim */
	if (catchup_fetching(s->state)) {
		uint64_t t = best_height(s, now);

		if (t < s->cv.validated)
			t = s->cv.validated;
		if (t < s->pl.target)
			planner_set_target(&s->pl, t);
	}
	if (s->state == CS_ASK_LEAD && s->loc_reqid && now > s->loc_deadline) {
		struct netaddr ip = s->lead_ip;

		s->req_timeouts++;
		lead_failed(s, 1, "the leading peer did not answer");
		if ((p = planner_peer(&s->pl, ip)) != NULL)
			peer_log(ip, SLOG_SLOW, LOGRATE_INFO, "peer %s did not "
			    "answer our locator (blocks from %llu) in %.1f s "
			    "(its deadline): the round ends; it does not lead "
			    "for %.0f s and is paused for %.0f s (strike %u "
			    "in a row; no ban)", ipstr(ip, a),
			    (unsigned long long)(s->cv.tip_height + 1),
			    now - (s->loc_deadline - s->pl.timeout),
			    p->no_lead_until - now, p->paused_until > now ?
			    p->paused_until - now : 0, p->strikes);
	}
	if (s->state == CS_HEADERS && s->hd_reqid && now > s->hd_deadline)
		headers_done(s, "no answer in time");
	/* no progress at all for long: start over with a new locator */
	if (catchup_in_round(s->state) && !syncd_append_queued(s) &&
	    now - s->last_progress > 3 * s->pl.timeout &&
	    catchup_fsm(s, CE_ROUND_END, "no progress") == 0)
		syncd_request_tip(s);
}

/*
 * A signature check started by cv_validate is done (vpool_fd): take it
 * in and go on as after any answer.
 */
static void
checked_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct syncd	*s = arg;
	uint64_t	 n;

	(void)ev;
	if (read(fd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		log_warn("validation threads' eventfd");
	syncd_kick(s);
}

static void
tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct syncd	*s = arg;
	double		 now = mono_now();

	(void)fd;
	(void)ev;
	lograte_tick(&peer_logs, now);
	/* stored: a retry after a failure, or no answer for too long */
	storeq_tick(&s->sq, now);
	round_tick(s, now);
	produce_tick(s, now);
	/* committed blocks per second, sampled four times a second */
	if (now - s->rate_t >= 0.25) {
		s->rate = commit_rate(now, s->committed);
		s->rate_mark = s->committed;
		s->rate_t = now;
	}
	syncd_kick(s);
}

/* ---- worker hooks ---- */

static int
syncd_load(struct worker *w)
{
	char		 err[512];
	const char	*dir;

	if (sodium_init() == -1) {
		log_warnx("libsodium failed to initialise");
		return -1;
	}
	env.w = w;
	w->priv = &env;
	dir = w->cfg.genesis_dir[0] ? w->cfg.genesis_dir : w->cfg.data_dir;
	if (genesis_load(&env.gen, w->cfg.network, dir, err, sizeof(err))
	    == -1) {
		log_warnx("genesis: %s", err);
		worker_exit_config();
	}
	env.cpus = vpool_cpus();	/* /sys: out of reach in the sandbox */
	env.producer = -1;
	if (w->cfg.producer_key[0] && produce_load_key(&env, err,
	    sizeof(err)) == -1) {
		log_warnx("producer key: %s", err);
		worker_exit_config();
	}
	return 0;
}

static int
syncd_pre_sandbox(struct worker *w)
{
	env.net = worker_listen(w, "sync.sock", IPC_NETD, net_dispatch, &env);
	ipc_set_state_handler(env.net, net_state);
	return 0;
}

/*
 * [sync] assumevalid: the checkpoint, waited for with the window less one
 * range (so that the planner always has a range to ask for).
 */
static void
assumevalid_init(struct worker *w, uint32_t window)
{
	uint8_t	hash[BLOCK_HASH_LEN];
	size_t	len = 0;

	if (w->cfg.assumevalid[0] == '\0')
		return;
	if (sodium_hex2bin(hash, sizeof(hash), w->cfg.assumevalid,
	    strlen(w->cfg.assumevalid), NULL, &len, NULL) != 0 ||
	    len != sizeof(hash))
		fatalx("assumevalid: not a block hash");	/* config.c */
	cv_set_assumevalid(&env.cv, hash, window > 2 * SYNC_RANGE_MAX ?
	    window - SYNC_RANGE_MAX : window / 2);
	log_info("assumevalid: signatures of block %s and its ancestors are "
	    "not checked (links, heights, times and payload hashes are)",
	    w->cfg.assumevalid);
}

static int
syncd_init(struct worker *w)
{
	struct timeval	tv = { 0, 100000 };
	uint32_t	window = (uint32_t)w->cfg.window;
	unsigned	threads = w->cfg.validation_threads > 0 ?
	    (unsigned)w->cfg.validation_threads : env.cpus;

	if (window < (uint32_t)w->cfg.max_reorg_depth + 1)
		window = (uint32_t)w->cfg.max_reorg_depth + 1;
	planner_init(&env.pl, window, (uint32_t)w->cfg.per_peer,
	    SYNC_RANGE_MAX, w->cfg.request_timeout);
	if (cv_init(&env.cv, &env.gen.info, window,
	    (uint32_t)w->cfg.max_reorg_depth) == -1)
		fatalx("out of memory");
	/*
	 * threads start after the sandbox, so that its filter covers them;
	 * they check signatures while this thread, the pool's caller, goes
	 * on with the loop (cv->async; docs/sync.md "Parallel validation")
	 */
	if ((env.pool = vpool_new(threads + 1)) == NULL)
		fatal("cannot start %u validation threads", threads);
	env.cv.pool = env.pool;
	env.cv.async = 1;
	env.checked = event_new(w->base, vpool_fd(env.pool),
	    EV_READ | EV_PERSIST, checked_cb, &env);
	if (env.checked == NULL || event_add(env.checked, NULL) == -1)
		fatalx("cannot watch the validation threads");
	assumevalid_init(w, window);
	env.state = CS_START;
	env.rate_t = mono_now();
	(void)commit_rate(env.rate_t, 0);	/* the first sample */
	env.block_len_max = BLOCK_MAX_LEN;
	storeq_init(&env.sq, store_kinds, SR_NKINDS, store_send, &env);
	env.store = worker_dial(w, "store-syncd.sock", IPC_STORED,
	    store_dispatch, &env);
	ipc_set_state_handler(env.store, store_state);
	syncd_request_tip(&env);
	env.tick = event_new(w->base, -1, EV_PERSIST, tick_cb, &env);
	if (env.tick == NULL || event_add(env.tick, &tv) == -1)
		fatalx("cannot start the timer");
	if (w->cfg.block_interval > 0 && env.producer >= 0)
		env.prod.next_timed = mono_now() + w->cfg.block_interval;
	log_info("network %s, %s, %u validation threads", env.gen.info.network,
	    env.producer >= 0 ? "producing" : "not producing", threads);
	return 0;
}

static void
syncd_status(struct worker *w, struct wbuf *out, uint64_t seq)
{
	struct ipc_status_syncd	st;
	uint64_t		best;

	memset(&st, 0, sizeof(st));
	st.seq = seq;
	st.state = catchup_in_round(env.state) ? SYNC_CATCHING_UP : SYNC_IDLE;
	best = best_height(&env, mono_now());
	st.target_height = best > env.cv.tip_height ? best : env.cv.tip_height;
	if (catchup_fetching(env.state) && env.pl.target > st.target_height)
		st.target_height = env.pl.target;
	st.rate_milli = (uint64_t)(env.rate * 1000);
	st.in_flight = env.pl.in_flight;
	st.log_suppressed = peer_logs.c.suppressed;
	st.log_summaries = peer_logs.c.summaries;
	st.requests_timed_out = env.req_timeouts;
	st.peer_stalls = env.stalls;
	st.request = env.request_hist;
	st.assumevalid = env.av_revoked ? SYNC_AV_REVOKED : !env.cv.av_on ?
	    SYNC_AV_OFF : env.cv.av_passed ? SYNC_AV_PASSED : SYNC_AV_PENDING;
	st.av_height = env.cv.av_height;
	st.av_skipped = env.cv.av_skipped;
	st.unverified_from = env.uv_lo;
	st.unverified_to = env.uv_hi;
	worker_sendq(w, st.sendq);
	ipc_status_syncd_encode(out, &st);
}

static void
syncd_ctl(struct worker *w, const struct ipc_hdr *h, struct rbuf *body)
{
	struct ipc_produce p;

	(void)w;
	if (h->type != IPC_PRODUCE) {
		log_warnx("control: unexpected %s dropped",
		    ipc_type_name(h->type));
		return;
	}
	if (ipc_produce_decode(body, &p) == -1) {
		log_warnx("control: malformed produce dropped");
		return;
	}
	produce_request(&env, h->reqid, &p);
}

static void
syncd_shutdown(struct worker *w)
{
	(void)w;
	if (env.tick)
		event_del(env.tick);
	if (env.checked)
		event_del(env.checked);
	cv_settle(&env.cv);
	env.cv.pool = NULL;
	vpool_free(env.pool);
	env.pool = NULL;
	sodium_memzero(env.sk, sizeof(env.sk));
}

static const struct worker_def syncd_def = {
	.proc = IPC_SYNCD,
	.net = SANDBOX_NET_NONE,
	.reports_up = 1,	/* once the chain is loaded */
	.load = syncd_load,
	.pre_sandbox = syncd_pre_sandbox,
	.init = syncd_init,
	.status = syncd_status,
	.shutdown = syncd_shutdown,
	.ctl_msg = syncd_ctl,
};

int
main(int argc, char **argv)
{
	return worker_main(argc, argv, &syncd_def);
}
