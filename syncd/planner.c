/* SPDX-License-Identifier: ISC */
/*
 * planner.c - the catch-up range planner; see planner.h.
 *
 * Ranges live in one array sorted by first height and never overlap; the
 * lowest pending range is always served first so that the commit point
 * moves.  Peers live in a slot array that keeps a peer's measurements and
 * ban across a reconnection.  Everything is O(ranges) per call, and there
 * are at most window / 1 ranges (typically window / range_max).
 */
#include <stdlib.h>
#include <string.h>

#include "planner.h"

#define DEFAULT_RATE	1000.0	/* blocks/s assumed of an unmeasured peer */

static void *
xreallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (size && n > SIZE_MAX / size)
		abort();
	if ((q = realloc(p, n * size)) == NULL)
		abort();
	return q;
}

void
planner_init(struct planner *pl, uint32_t window, uint32_t per_peer,
    uint32_t range_max, double timeout)
{
	memset(pl, 0, sizeof(*pl));
	pl->window = window ? window : 1;
	pl->per_peer = per_peer ? per_peer : 1;
	pl->range_max = range_max ? range_max : 1;
	if (pl->range_max > pl->per_peer)
		pl->range_max = pl->per_peer;
	pl->timeout = timeout > 0 ? timeout : 10;
}

void
planner_free(struct planner *pl)
{
	free(pl->r);
	free(pl->p);
	memset(pl, 0, sizeof(*pl));
}

static uint32_t
new_reqid(struct planner *pl)
{
	if (++pl->next_reqid == 0)
		pl->next_reqid = 1;
	return pl->next_reqid;
}

uint32_t
planner_reqid(struct planner *pl)
{
	return new_reqid(pl);
}

/* ---- ranges ---- */

static struct plan_range *
range_insert(struct planner *pl, uint64_t from, uint32_t count)
{
	struct plan_range	*r;
	size_t			 i;

	if (pl->nr == pl->rcap) {
		pl->rcap = pl->rcap ? pl->rcap * 2 : 64;
		pl->r = xreallocarray(pl->r, pl->rcap, sizeof(*pl->r));
	}
	for (i = pl->nr; i > 0 && pl->r[i - 1].from > from; i--)
		;
	memmove(&pl->r[i + 1], &pl->r[i], (pl->nr - i) * sizeof(*pl->r));
	pl->nr++;
	r = &pl->r[i];
	memset(r, 0, sizeof(*r));
	r->from = from;
	r->count = count;
	r->state = RANGE_PENDING;
	r->peer = -1;
	r->dup_peer = -1;
	return r;
}

static void
range_remove(struct planner *pl, size_t i)
{
	memmove(&pl->r[i], &pl->r[i + 1], (pl->nr - i - 1) * sizeof(*pl->r));
	pl->nr--;
}

static int
range_failed(const struct plan_range *r, struct netaddr ip)
{
	int i;

	for (i = 0; i < r->nfailed; i++)
		if (netaddr_eq(&r->failed[i], &ip))
			return 1;
	return 0;
}

static void
range_add_failed(struct plan_range *r, struct netaddr ip)
{
	if (netaddr_is_zero(&ip) || range_failed(r, ip))
		return;
	if (r->nfailed == PLAN_FAILED_MAX) {
		memmove(&r->failed[0], &r->failed[1],
		    (PLAN_FAILED_MAX - 1) * sizeof(r->failed[0]));
		r->nfailed--;
	}
	r->failed[r->nfailed++] = ip;
}

/* first, then doubled for each further failure in a row, up to max */
static double
backoff(double first, double max, uint32_t fails)
{
	double		pause = first;
	uint32_t	i;

	for (i = 0; i < fails && pause < max; i++)
		pause *= 2;
	return pause > max ? max : pause;
}

/*
 * One strike per failure: requests sent before the last strike (pipelined
 * with the one that failed) do not strike again.  Each strike pauses the
 * peer (PLAN_PAUSE, doubling): a slow or empty-handed peer is asked less,
 * never banned.
 */
static int
strike(struct plan_peer *p, double sent, double now)
{
	if (sent < p->last_strike)
		return 0;
	p->paused_until = now + backoff(PLAN_PAUSE, PLAN_PAUSE_MAX,
	    p->strikes);
	p->strikes++;
	p->last_strike = now;
	return 1;
}

static void
peer_release(struct planner *pl, int idx, uint32_t count)
{
	struct plan_peer *p = &pl->p[idx];

	p->in_flight = p->in_flight > count ? p->in_flight - count : 0;
	pl->in_flight = pl->in_flight > count ? pl->in_flight - count : 0;
	if (p->reqs > 0)
		p->reqs--;
}

/* The primary request is over: the dup (if any) takes its place. */
static void
range_drop_primary(struct planner *pl, struct plan_range *r)
{
	peer_release(pl, r->peer, r->count);
	if (r->dup_peer >= 0) {
		r->peer = r->dup_peer;
		r->reqid = r->dup_reqid;
		r->sent = r->dup_sent;
		r->deadline = r->dup_deadline;
		r->dup_peer = -1;
		r->dup_reqid = 0;
	} else {
		r->state = RANGE_PENDING;
		r->peer = -1;
		r->reqid = 0;
	}
	r->dup_wanted = 0;
}

static void
range_drop_dup(struct planner *pl, struct plan_range *r)
{
	if (r->dup_peer >= 0)
		peer_release(pl, r->dup_peer, r->count);
	r->dup_peer = -1;
	r->dup_reqid = 0;
	r->dup_wanted = 0;
}

static void
fill(struct planner *pl)
{
	uint64_t	limit, n;

	limit = pl->base + pl->window;
	/* held: no further than the range that moves the commit point */
	if (pl->hold)
		limit = pl->base + pl->range_max;
	if (limit > pl->target)
		limit = pl->target;
	if (pl->planned < pl->base)
		pl->planned = pl->base;
	while (pl->planned < limit) {
		n = limit - pl->planned;
		if (n > pl->range_max)
			n = pl->range_max;
		range_insert(pl, pl->planned + 1, (uint32_t)n);
		pl->planned += n;
	}
}

void
planner_reset(struct planner *pl, uint64_t base, uint64_t target)
{
	size_t i;

	pl->nr = 0;
	pl->in_flight = 0;
	for (i = 0; i < pl->np; i++) {
		pl->p[i].in_flight = 0;
		pl->p[i].reqs = 0;
		pl->p[i].skip = 0;
		pl->p[i].round_received = 0;
	}
	pl->base = pl->planned = base;
	pl->target = target;
	pl->hold = 0;
}

void
planner_set_target(struct planner *pl, uint64_t target)
{
	size_t i;

	pl->target = target;
	if (pl->planned <= target)
		return;
	/* the best peer went lower: forget pending heights above it */
	for (i = pl->nr; i > 0; i--) {
		struct plan_range *r = &pl->r[i - 1];

		if (r->state != RANGE_PENDING || r->from <= target)
			continue;
		if (r->from + r->count - 1 == pl->planned)
			pl->planned = r->from - 1;
		range_remove(pl, i - 1);
	}
	if (pl->planned < pl->base)
		pl->planned = pl->base;
}

void
planner_set_base(struct planner *pl, uint64_t base)
{
	size_t i;

	if (base <= pl->base)
		return;
	pl->base = base;
	for (i = pl->nr; i > 0; i--) {
		struct plan_range *r = &pl->r[i - 1];

		if (r->from + r->count - 1 > base)
			continue;
		if (r->state == RANGE_FLIGHT) {
			peer_release(pl, r->peer, r->count);
			range_drop_dup(pl, r);
		}
		range_remove(pl, i - 1);
	}
	if (pl->planned < base)
		pl->planned = base;
}

/* ---- peers ---- */

static int
peer_index(const struct planner *pl, struct netaddr ip)
{
	size_t i;

	for (i = 0; i < pl->np; i++)
		if (netaddr_eq(&pl->p[i].ip, &ip) && !netaddr_is_zero(&ip))
			return (int)i;
	return -1;
}

struct plan_peer *
planner_peer(struct planner *pl, struct netaddr ip)
{
	int i = peer_index(pl, ip);

	return i < 0 ? NULL : &pl->p[i];
}

struct plan_peer *
planner_peer_up(struct planner *pl, struct netaddr ip, uint64_t height)
{
	struct plan_peer	*p;
	int			 i;

	if (netaddr_is_zero(&ip))
		return NULL;
	if ((i = peer_index(pl, ip)) < 0) {
		if (pl->np == pl->pcap) {
			pl->pcap = pl->pcap ? pl->pcap * 2 : 16;
			pl->p = xreallocarray(pl->p, pl->pcap, sizeof(*pl->p));
		}
		i = (int)pl->np++;
		p = &pl->p[i];
		memset(p, 0, sizeof(*p));
		p->ip = ip;
		p->limit = pl->per_peer;
	}
	p = &pl->p[i];
	p->up = 1;
	p->height = height;
	if (p->proven > height)
		p->proven = height;	/* it went to a shorter branch */
	return p;
}

static void
peer_release_ranges(struct planner *pl, int idx)
{
	size_t i;

	for (i = 0; i < pl->nr; i++) {
		struct plan_range *r = &pl->r[i];

		if (r->state != RANGE_FLIGHT)
			continue;
		if (r->dup_peer == idx)
			range_drop_dup(pl, r);
		if (r->peer == idx)
			range_drop_primary(pl, r);
	}
}

void
planner_peer_down(struct planner *pl, struct netaddr ip)
{
	int i = peer_index(pl, ip);

	if (i < 0)
		return;
	peer_release_ranges(pl, i);
	pl->p[i].up = 0;
	pl->p[i].in_flight = 0;
	pl->p[i].reqs = 0;
	pl->p[i].wait_since = 0;
	pl->p[i].stalling = 0;
}

void
planner_ban(struct planner *pl, struct netaddr ip, double until)
{
	struct plan_peer	*p;
	int			 i;

	if ((p = planner_peer(pl, ip)) == NULL &&
	    (p = planner_peer_up(pl, ip, 0)) == NULL)
		return;
	i = (int)(p - pl->p);
	p->banned_until = until;
	peer_release_ranges(pl, i);
}

int
planner_usable(const struct plan_peer *p, double now)
{
	return !netaddr_is_zero(&p->ip) && p->up && !p->skip && now >= p->banned_until &&
	    now >= p->paused_until;
}

struct plan_peer *
planner_lead(struct planner *pl, double now, uint64_t above)
{
	struct plan_peer	*p, *best = NULL;
	size_t			 i;

	for (i = 0; i < pl->np; i++) {
		p = &pl->p[i];
		if (!planner_usable(p, now) || p->height <= above ||
		    now < p->no_lead_until)
			continue;
		/* a peer that has sent blocks before leads first */
		if (best != NULL && (p->received > 0) != (best->received > 0)) {
			if (p->received > 0)
				best = p;
			continue;
		}
		if (best == NULL || p->height > best->height ||
		    (p->height == best->height && p->latency < best->latency))
			best = p;
	}
	return best;
}

void
planner_lead_failed(struct planner *pl, struct netaddr ip, double now, int strk)
{
	struct plan_peer	*p;

	if ((p = planner_peer(pl, ip)) == NULL)
		return;
	p->no_lead_until = now + backoff(PLAN_LEAD_BACKOFF,
	    PLAN_LEAD_BACKOFF_MAX, p->lead_fails);
	p->lead_fails++;
	if (strk)
		strike(p, now, now);
}

void
planner_lead_ok(struct planner *pl, struct netaddr ip)
{
	struct plan_peer *p;

	if ((p = planner_peer(pl, ip)) != NULL)
		p->lead_fails = 0;
}

void
planner_sent(struct planner *pl, struct netaddr ip, double now, double deadline)
{
	struct plan_peer *p;

	if ((p = planner_peer(pl, ip)) == NULL || p->wait_since != 0)
		return;
	p->wait_since = now;
	p->wait_deadline = deadline;
}

void
planner_heard(struct planner *pl, struct netaddr ip, double now)
{
	struct plan_peer *p;

	if ((p = planner_peer(pl, ip)) == NULL)
		return;
	p->stalling = 0;
	p->wait_since = 0;
	/* requests pipelined behind the answered one: a new deadline */
	if (p->in_flight > 0)
		planner_sent(pl, ip, now, planner_deadline(pl, p, 0, now));
}

void
planner_proven(struct planner *pl, struct netaddr ip, uint64_t h)
{
	struct plan_peer *p;

	if ((p = planner_peer(pl, ip)) != NULL && h > p->proven)
		p->proven = h;
}

double
planner_deadline(const struct planner *pl, const struct plan_peer *p,
    uint32_t count, double now)
{
	double expect, dl;

	if (p->rate <= 0)
		return now + pl->timeout;
	expect = (double)(p->in_flight + count) / p->rate;
	dl = 4 * expect;
	if (dl < PLAN_MIN_DEADLINE)
		dl = PLAN_MIN_DEADLINE;
	if (dl > 6 * pl->timeout)
		dl = 6 * pl->timeout;
	return now + dl;
}

static double
peer_score(const struct plan_peer *p, uint32_t count)
{
	double rate = p->rate > 0 ? p->rate : DEFAULT_RATE;

	return (double)(p->in_flight + count) / rate;
}

/* the best peer for range r, or -1; ignore_failed to retry everybody */
static int
pick(struct planner *pl, const struct plan_range *r, double now, int exclude,
    int ignore_failed)
{
	double	best = 0, s;
	int	bi = -1;
	size_t	i;

	for (i = 0; i < pl->np; i++) {
		const struct plan_peer *p = &pl->p[i];

		if ((int)i == exclude || !planner_usable(p, now) ||
		    p->stalling || p->height < r->from ||
		    p->in_flight >= p->limit || p->reqs >= PLAN_PEER_REQS)
			continue;
		if (!netaddr_is_zero(&r->only_ip) &&
		    !netaddr_eq(&p->ip, &r->only_ip))
			continue;
		if (!ignore_failed && range_failed(r, p->ip))
			continue;
		s = peer_score(p, r->count);
		if (bi < 0 || s < best) {
			best = s;
			bi = (int)i;
		}
	}
	return bi;
}

static void
emit(struct planner *pl, struct plan_range *r, int idx, double now,
    struct plan_req *req, int dup)
{
	struct plan_peer *p = &pl->p[idx];

	memset(req, 0, sizeof(*req));
	req->ip = p->ip;
	req->reqid = new_reqid(pl);
	req->from = r->from;
	req->count = r->count;
	req->deadline = planner_deadline(pl, p, r->count, now);
	req->dup = dup;
	if (dup) {
		r->dup_peer = idx;
		r->dup_reqid = req->reqid;
		r->dup_sent = now;
		r->dup_deadline = req->deadline;
		r->dup_wanted = 0;
	} else {
		r->state = RANGE_FLIGHT;
		r->peer = idx;
		r->reqid = req->reqid;
		r->sent = now;
		r->deadline = req->deadline;
		r->attempts++;
	}
	p->in_flight += r->count;
	pl->in_flight += r->count;
	p->reqs++;
	planner_sent(pl, p->ip, now, req->deadline);
}

int
planner_next(struct planner *pl, double now, struct plan_req *req)
{
	struct plan_range	*r;
	struct plan_peer	*p;
	uint32_t		 room, n;
	size_t			 i;
	int			 idx;

	fill(pl);
	for (i = 0; i < pl->nr; i++) {
		r = &pl->r[i];
		/* memory is short: only what moves the commit point */
		if (pl->hold && r->from != pl->base + 1)
			break;
		if (r->state == RANGE_FLIGHT) {
			if (!r->dup_wanted || r->dup_peer >= 0)
				continue;
			if ((idx = pick(pl, r, now, r->peer, 1)) < 0 ||
			    pl->p[idx].height < r->from + r->count - 1) {
				r->dup_wanted = 0;
				continue;
			}
			emit(pl, r, idx, now, req, 1);
			return 1;
		}
		if ((idx = pick(pl, r, now, -1, 0)) < 0) {
			/* everybody able failed it once: try them again */
			if ((idx = pick(pl, r, now, -1, 1)) < 0)
				continue;
			r->nfailed = 0;
		}
		p = &pl->p[idx];
		/* cut the range to what the peer has and may take */
		n = r->count;
		if (p->height < r->from + n - 1)
			n = (uint32_t)(p->height - r->from + 1);
		room = p->limit - p->in_flight;
		if (n > room)
			n = room;
		if (n < r->count) {
			struct plan_range tail = *r;

			r->count = n;
			tail.from = r->from + n;
			tail.count -= n;
			r = range_insert(pl, tail.from, tail.count);
			r->only_ip = tail.only_ip;
			memcpy(r->failed, tail.failed, sizeof(r->failed));
			r->nfailed = tail.nfailed;
			r = &pl->r[i];	/* the array may have moved */
		}
		emit(pl, r, idx, now, req, 0);
		return 1;
	}
	return 0;
}

static int
find_req(const struct planner *pl, struct netaddr ip, uint32_t reqid, int *dup)
{
	size_t i;

	if (reqid == 0)
		return -1;
	for (i = 0; i < pl->nr; i++) {
		const struct plan_range *r = &pl->r[i];

		if (r->state != RANGE_FLIGHT)
			continue;
		if (r->reqid == reqid && netaddr_eq(&pl->p[r->peer].ip, &ip)) {
			*dup = 0;
			return (int)i;
		}
		if (r->dup_peer >= 0 && r->dup_reqid == reqid &&
		    netaddr_eq(&pl->p[r->dup_peer].ip, &ip)) {
			*dup = 1;
			return (int)i;
		}
	}
	return -1;
}

int
planner_lookup(const struct planner *pl, struct netaddr ip, uint32_t reqid,
    uint64_t *from, uint32_t *count)
{
	int i, dup;

	if ((i = find_req(pl, ip, reqid, &dup)) < 0)
		return -1;
	*from = pl->r[i].from;
	*count = pl->r[i].count;
	return 0;
}

int
planner_sent_at(const struct planner *pl, struct netaddr ip, uint32_t reqid,
    double *sent)
{
	int i, dup;

	if ((i = find_req(pl, ip, reqid, &dup)) < 0)
		return -1;
	*sent = dup ? pl->r[i].dup_sent : pl->r[i].sent;
	return 0;
}

static void
measure(struct plan_peer *p, double sent, uint32_t n, double now)
{
	double start, dt, rate;

	/* pipelined requests share the peer: time since its last answer */
	start = p->last_answer > sent ? p->last_answer : sent;
	dt = now - start;
	if (dt < 1e-4)
		dt = 1e-4;
	if (n > 0) {
		rate = (double)n / dt;
		p->rate = p->rate > 0 ? (1 - PLAN_RATE_ALPHA) * p->rate +
		    PLAN_RATE_ALPHA * rate : rate;
	}
	p->latency = p->requests ? (1 - PLAN_RATE_ALPHA) * p->latency +
	    PLAN_RATE_ALPHA * (now - sent) : now - sent;
	p->requests++;
	p->last_answer = now;
	p->received += n;
	p->round_received += n;
}

enum plan_answer
planner_answer(struct planner *pl, struct netaddr ip, uint32_t reqid, uint32_t n,
    double now, uint64_t *from, uint32_t *count)
{
	struct plan_range	*r;
	struct plan_peer	*p;
	int			 i, dup, idx;
	double			 sent;

	if ((i = find_req(pl, ip, reqid, &dup)) < 0)
		return ANSWER_STALE;
	r = &pl->r[i];
	idx = dup ? r->dup_peer : r->peer;
	p = &pl->p[idx];
	sent = dup ? r->dup_sent : r->sent;
	if (n > r->count)
		n = r->count;
	*from = r->from;
	*count = n;
	if (n == 0) {
		/* the peer had nothing: somebody else */
		measure(p, sent, 0, now);
		strike(p, sent, now);
		range_add_failed(r, ip);
		if (dup)
			range_drop_dup(pl, r);
		else
			range_drop_primary(pl, r);
		return ANSWER_EMPTY;
	}
	measure(p, sent, n, now);
	p->strikes = 0;
	if (p->limit < pl->per_peer) {
		p->limit += n;
		if (p->limit > pl->per_peer)
			p->limit = pl->per_peer;
	}
	/* the other request of the range is over too: its answer is late */
	if (dup) {
		peer_release(pl, r->peer, r->count);
		r->peer = idx;
		r->dup_peer = -1;
		r->dup_reqid = 0;
		peer_release(pl, idx, r->count);
	} else {
		range_drop_dup(pl, r);
		peer_release(pl, idx, r->count);
	}
	if (n == r->count) {
		range_remove(pl, (size_t)i);
		return ANSWER_OK;
	}
	r->from += n;
	r->count -= n;
	r->state = RANGE_PENDING;
	r->peer = -1;
	r->reqid = 0;
	r->stall_tried = 0;
	return ANSWER_PARTIAL;
}

void
planner_requeue(struct planner *pl, uint64_t from, uint32_t count,
    struct netaddr bad_ip, struct netaddr only_ip)
{
	uint64_t		 h, end, next;
	struct plan_range	*r;
	size_t			 i;
	uint32_t		 n;

	if (count == 0)
		return;
	end = from + count - 1;
	if (end > pl->planned)
		end = pl->planned;
	if (from <= pl->base)
		from = pl->base + 1;
	for (h = from; h <= end; h = next) {
		/* skip heights already in a range */
		next = 0;
		for (i = 0; i < pl->nr; i++) {
			r = &pl->r[i];
			if (h >= r->from && h < r->from + r->count) {
				next = r->from + r->count;
				if (r->state == RANGE_PENDING) {
					if (!netaddr_is_zero(&only_ip))
						r->only_ip = only_ip;
					range_add_failed(r, bad_ip);
				}
				break;
			}
		}
		if (next)
			continue;
		/* up to the next range or the end, in range_max pieces */
		next = end + 1;
		for (i = 0; i < pl->nr; i++)
			if (pl->r[i].from > h && pl->r[i].from < next)
				next = pl->r[i].from;
		if (next - h > pl->range_max)
			next = h + pl->range_max;
		n = (uint32_t)(next - h);
		r = range_insert(pl, h, n);
		r->only_ip = only_ip;
		range_add_failed(r, bad_ip);
	}
}

/* the usual response time of the peers other than idx, 0 if unknown */
static double
others_latency(const struct planner *pl, int idx, double now)
{
	double	best = 0;
	size_t	i;

	for (i = 0; i < pl->np; i++) {
		const struct plan_peer *p = &pl->p[i];

		if ((int)i == idx || !planner_usable(p, now) ||
		    p->requests == 0)
			continue;
		if (best == 0 || p->latency < best)
			best = p->latency;
	}
	return best;
}

static void
demote(struct planner *pl, struct plan_peer *p)
{
	p->limit /= 2;
	if (p->limit < pl->range_max)
		p->limit = pl->range_max;
}

/*
 * Tell fn (when not NULL) what the planner did about peer p: ev as the
 * caller filled it, with the peer's address, strikes, pause left (s) and
 * blocks it may have in flight now.
 */
static void
peer_event(const struct plan_peer *p, struct plan_event *ev, double now,
    plan_event_fn fn, void *arg)
{
	if (fn == NULL)
		return;
	ev->ip = p->ip;
	ev->strikes = p->strikes;
	ev->pause = p->paused_until > now ? p->paused_until - now : 0;
	ev->limit = p->limit;
	fn(arg, ev);
}

/*
 * Peers that answered nothing within the deadline of their oldest
 * unanswered request: a strike (and so a pause), and every range they
 * hold goes to the others.
 */
static int
tick_silent(struct planner *pl, double now, plan_event_fn fn, void *arg)
{
	struct plan_peer	*p;
	struct plan_event	 ev;
	size_t			 i, k;
	int			 n = 0, struck;
	uint32_t		 ranges;

	for (i = 0; i < pl->np; i++) {
		p = &pl->p[i];
		if (netaddr_is_zero(&p->ip) || p->wait_since == 0 || now <= p->wait_deadline)
			continue;
		struck = strike(p, p->wait_since, now);
		memset(&ev, 0, sizeof(ev));
		ev.kind = PLAN_EV_SILENT;
		ev.waited = now - p->wait_since;
		p->wait_since = 0;
		ranges = 0;
		for (k = 0; k < pl->nr; k++)
			if (pl->r[k].state == RANGE_FLIGHT &&
			    (pl->r[k].peer == (int)i ||
			    pl->r[k].dup_peer == (int)i)) {
				/* the oldest one names the request */
				double sent = pl->r[k].peer == (int)i ?
				    pl->r[k].sent : pl->r[k].dup_sent;

				if (ranges == 0 || now - sent > ev.waited) {
					ev.from = pl->r[k].from;
					ev.count = pl->r[k].count;
					ev.waited = now - sent;
				}
				range_add_failed(&pl->r[k], p->ip);
				ranges++;
				n++;
			}
		peer_release_ranges(pl, (int)i);
		/* nothing given up and no strike: already told */
		if (ranges == 0 && !struck)
			continue;
		ev.ranges = ranges;
		ev.struck = struck;
		peer_event(p, &ev, now, fn, arg);
	}
	return n;
}

/*
 * The peer at idx holds the commit point back (with pl->r[0]): ask each
 * of its ranges of another peer too, and give it nothing new until it
 * answers.
 */
static void
stalling(struct planner *pl, int idx, double now, plan_event_fn fn, void *arg)
{
	struct plan_peer	*p = &pl->p[idx];
	const struct plan_range	*r0 = &pl->r[0];
	struct plan_event	 ev;
	size_t			 i;

	p->stalls++;
	p->stalling = 1;
	demote(pl, p);
	for (i = 0; i < pl->nr; i++) {
		struct plan_range *r = &pl->r[i];

		if (r->state == RANGE_FLIGHT && r->peer == idx &&
		    r->dup_peer < 0 && !r->stall_tried) {
			r->stall_tried = 1;
			r->dup_wanted = 1;
		}
	}
	if (fn == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = PLAN_EV_STALL;
	ev.from = r0->from;
	ev.count = r0->count;
	ev.waited = now - r0->sent;
	ev.others = others_latency(pl, idx, now);
	peer_event(p, &ev, now, fn, arg);
}

/* a request of range r to peer p, sent at sent, is past its deadline */
static void
deadline_event(const struct plan_range *r, const struct plan_peer *p,
    double sent, int dup, int struck, double now, plan_event_fn fn, void *arg)
{
	struct plan_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = PLAN_EV_DEADLINE;
	ev.from = r->from;
	ev.count = r->count;
	ev.waited = now - sent;
	ev.dup = dup;
	ev.struck = struck;
	peer_event(p, &ev, now, fn, arg);
}

int
planner_tick(struct planner *pl, double now)
{
	return planner_tick_events(pl, now, NULL, NULL);
}

int
planner_tick_events(struct planner *pl, double now, plan_event_fn fn,
    void *arg)
{
	struct plan_range	*r;
	struct plan_peer	*p;
	double			 typical;
	size_t			 i;
	int			 gave_up = 0, struck;

	for (i = 0; i < pl->nr; i++) {
		r = &pl->r[i];
		if (r->state != RANGE_FLIGHT)
			continue;
		if (r->dup_peer >= 0 && now > r->dup_deadline) {
			p = &pl->p[r->dup_peer];
			struck = strike(p, r->dup_sent, now);
			demote(pl, p);
			range_add_failed(r, p->ip);
			deadline_event(r, p, r->dup_sent, 1, struck, now, fn,
			    arg);
			range_drop_dup(pl, r);
			gave_up++;
		}
		if (now > r->deadline) {
			p = &pl->p[r->peer];
			struck = strike(p, r->sent, now);
			demote(pl, p);
			range_add_failed(r, p->ip);
			deadline_event(r, p, r->sent, 0, struck, now, fn, arg);
			range_drop_primary(pl, r);
			gave_up++;
		}
	}
	gave_up += tick_silent(pl, now, fn, arg);
	/* the range at the commit point: is its peer holding us back? */
	if (pl->nr == 0)
		return gave_up;
	r = &pl->r[0];
	if (r->state != RANGE_FLIGHT || r->from != pl->base + 1 ||
	    r->stall_tried || r->dup_peer >= 0)
		return gave_up;
	typical = others_latency(pl, r->peer, now);
	if (typical <= 0 || now - r->sent < PLAN_STALL_MIN ||
	    now - r->sent < PLAN_STALL_K * typical)
		return gave_up;
	stalling(pl, r->peer, now, fn, arg);
	return gave_up;
}

int
planner_done(const struct planner *pl)
{
	return pl->nr == 0 && pl->planned >= pl->target;
}
