/* SPDX-License-Identifier: ISC */
/*
 * planner.h - which heights to ask which peer for, and when to give up.
 *
 * The planner is pure bookkeeping (no I/O, time passed in) so that it can
 * be tested alone.  It cuts the heights above the commit point (base) into
 * ranges of at most range_max blocks and hands them to the peers whose
 * height covers them: never one range to two peers at once (except the
 * deliberate second request of a range that holds back the commit point
 * while its peer stalls), least loaded and fastest peers first, at most
 * window heights planned above the base and per-peer limits on blocks in
 * flight.  An answer that covers only a prefix keeps the prefix and
 * re-plans the rest; a deadline that passes, an empty answer or a peer
 * that leaves puts the range back, excluded for the peer that failed it.
 */
#ifndef TIMENODE_PLANNER_H
#define TIMENODE_PLANNER_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

#define PLAN_FAILED_MAX		8	/* peers remembered per range */
#define PLAN_MIN_DEADLINE	2.0	/* s: never expect an answer sooner */
#define PLAN_STALL_K		4.0	/* x the others' response time */
#define PLAN_STALL_MIN		1.0	/* s: not a stall before this */
#define PLAN_RATE_ALPHA		0.3	/* weight of a new rate sample */
#define PLAN_LEAD_BACKOFF	2.0	/* s: first pause after a failed lead */
#define PLAN_LEAD_BACKOFF_MAX	600.0	/* s: the pause doubles up to this */
/*
 * A failure (a deadline passed, an empty answer, a failed lead, silence)
 * pauses the peer: it is not asked for blocks and its claimed height does
 * not count for PLAN_PAUSE s, doubled on each failure in a row up to
 * PLAN_PAUSE_MAX.  Slowness is not misbehaviour (issue 11 item 6): it
 * costs the peer our requests, never a ban.
 */
#define PLAN_PAUSE		2.0	/* s: first pause after a failure */
#define PLAN_PAUSE_MAX		600.0	/* s: the pause doubles up to this */
/*
 * Requests in flight to one peer at most: netd keeps at most 16 per peer
 * (NETD_MAX_PEER_REQS, docs/protocol.md section 7, "Requesting") and
 * answers more at once with nothing, which syncd took for an empty
 * answer and a strike: with 64 KiB blocks a peer's answers hold about 60
 * of the 256 blocks asked, the rest is asked again, and a single honest
 * peer was paused for 2 s every few hundred blocks (issue 12 item 1).
 */
#define PLAN_PEER_REQS		16

enum plan_range_state { RANGE_PENDING, RANGE_FLIGHT };

struct plan_range {
	uint64_t	from;
	uint32_t	count;
	uint8_t		state;
	int		peer;		/* index in peers, in flight */
	uint32_t	reqid;
	double		sent;
	double		deadline;
	unsigned	attempts;
	struct netaddr	only_ip;	/* not ::: only this peer may serve it */
	struct netaddr	failed[PLAN_FAILED_MAX];	/* peers that failed */
	int		nfailed;
	/* a second request while the first one's peer stalls */
	int		dup_peer;	/* -1 = none */
	int		dup_wanted;	/* planner_next sends one */
	int		stall_tried;
	uint32_t	dup_reqid;
	double		dup_sent;
	double		dup_deadline;
};

struct plan_peer {
	struct netaddr	ip;		/* :: (zero) = free slot */
	int		up;		/* connected (a ban outlives it) */
	uint64_t	height;
	uint32_t	in_flight;	/* blocks requested, not answered */
	uint32_t	reqs;		/* requests in flight (primary and
					   duplicate): PLAN_PEER_REQS at most */
	uint32_t	limit;		/* blocks in flight allowed */
	double		rate;		/* blocks/s measured, 0 = unknown */
	double		latency;	/* s from request to answer, EWMA */
	double		last_answer;	/* when its last answer came */
	uint64_t	received;	/* blocks received */
	uint32_t	requests;	/* answered requests */
	uint32_t	strikes;	/* failures since the last success */
	double		last_strike;	/* when; requests sent before it
					   do not strike again */
	double		paused_until;	/* after a failure: not asked, its
					   claim not counted, before this */
	uint64_t	proven;		/* highest height it sent us a block
					   of (claims are only claims) */
	/* silence: the oldest request not followed by any answer */
	double		wait_since;	/* 0: none outstanding */
	double		wait_deadline;
	uint32_t	stalls;
	int		stalling;	/* held the commit point back; gets
					   no range until it answers */
	double		banned_until;
	int		skip;		/* not used in this round */
	/* leading a round (the locator request): planner_lead */
	double		no_lead_until;	/* not asked to lead before this */
	uint32_t	lead_fails;	/* failed leads in a row */
	uint64_t	round_received;	/* blocks received since the last
					   planner_reset (the round's) */
	/* kept for the driver (syncd.c), unused here */
	uint8_t		tip[32];
};

struct plan_req {
	struct netaddr	ip;
	uint32_t	reqid;
	uint64_t	from;
	uint32_t	count;
	double		deadline;
	int		dup;		/* a stall re-request */
};

/*
 * What planner_tick_events reports, one call per event, for the driver's
 * log and counters (docs/sync.md, "Deadlines"): a request given up at its
 * deadline, a silent peer, a stalling peer.
 */
enum plan_event_kind {
	PLAN_EV_DEADLINE,	/* a request past its deadline: back to
				   pending, excluded for the peer */
	PLAN_EV_SILENT,		/* the peer answered nothing within the
				   deadline of its oldest request: every
				   range it held went back */
	PLAN_EV_STALL,		/* the peer holds back the commit point: its
				   ranges are asked of others too */
};

struct plan_event {
	enum plan_event_kind kind;
	struct netaddr	ip;		/* the peer */
	uint64_t	from;		/* the request's heights: from ... */
	uint32_t	count;		/* ... from + count - 1; 0: none known
					   (SILENT on a request outside the
					   ranges, the driver's locator) */
	double		waited;		/* s since that request was sent */
	int		dup;		/* DEADLINE: a stall's second request */
	uint32_t	ranges;		/* SILENT: ranges given to others */
	int		struck;		/* a new strike (a request pipelined
					   with one that struck does not) */
	uint32_t	strikes;	/* the peer's, in a row, after it */
	double		pause;		/* s not asked from now on; 0: none */
	uint32_t	limit;		/* its blocks in flight allowed now */
	double		others;		/* STALL: the others' usual response
					   time, s */
};
typedef void (*plan_event_fn)(void *arg, const struct plan_event *);

/* what planner_answer made of an answer */
enum plan_answer {
	ANSWER_STALE,		/* not a request in flight (late, dup lost) */
	ANSWER_OK,		/* the whole range */
	ANSWER_PARTIAL,		/* a prefix; the rest is pending again */
	ANSWER_EMPTY,		/* nothing; the range goes to another peer */
};

struct planner {
	/* limits */
	uint32_t		 window;	/* heights planned above base */
	uint32_t		 per_peer;	/* blocks in flight per peer */
	uint32_t		 range_max;
	double			 timeout;	/* first deadline, seconds */
	/* state */
	uint64_t		 base;		/* committed (or queued to be) */
	uint64_t		 target;	/* plan up to this height */
	uint64_t		 planned;	/* highest height in a range */
	int			 hold;		/* plan no new heights */
	uint32_t		 in_flight;	/* blocks, all peers */
	uint32_t		 next_reqid;
	struct plan_range	*r;
	size_t			 nr, rcap;
	struct plan_peer	*p;
	size_t			 np;		/* slots used (some free) */
	size_t			 pcap;
};

void	planner_init(struct planner *, uint32_t window, uint32_t per_peer,
	    uint32_t range_max, double timeout);
void	planner_free(struct planner *);
/*
 * Forget every range (a new round); plan heights base+1 .. target.  Each
 * peer's round_received starts at 0.
 */
void	planner_reset(struct planner *, uint64_t base, uint64_t target);
/* Raise the target (a peer got higher). */
void	planner_set_target(struct planner *, uint64_t target);
/* The commit point moved up to base. */
void	planner_set_base(struct planner *, uint64_t base);

struct plan_peer *planner_peer(struct planner *, struct netaddr ip);
/* Add or update a peer; its height may go down (a reorg on its side). */
struct plan_peer *planner_peer_up(struct planner *, struct netaddr ip,
	    uint64_t height);
/* The peer left: its ranges are pending again.  No strike. */
void	planner_peer_down(struct planner *, struct netaddr ip);
/* Never use the peer before until; its ranges go to others. */
void	planner_ban(struct planner *, struct netaddr ip, double until);
/* up, not skipping this round, not banned, not paused */
int	planner_usable(const struct plan_peer *, double now);

/*
 * The peer to lead a round (answer our locator): usable, higher than
 * above, not pausing after a failed lead; one that has sent us blocks
 * before ahead of one that has only claimed a height, then the highest,
 * then the fastest to answer.  NULL when there is none.
 */
struct plan_peer *planner_lead(struct planner *, double now, uint64_t above);
/*
 * The lead failed (no answer, nothing after our locator, an answer that
 * does not link): it is not asked to lead for PLAN_LEAD_BACKOFF s, doubled
 * on each failure in a row up to PLAN_LEAD_BACKOFF_MAX, whatever height it
 * claims meanwhile; strike adds a strike.  planner_lead_ok ends the series.
 */
void	planner_lead_failed(struct planner *, struct netaddr ip, double now,
	    int strike);
void	planner_lead_ok(struct planner *, struct netaddr ip);
/*
 * A request (a range, or the driver's locator) went to ip at now with
 * that deadline.  A peer that answers nothing, no request at all, before
 * the deadline of the oldest request it has not answered is silent
 * (planner_tick): it gets a strike and a pause, and its ranges go to the
 * others, so that a peer that claims a height and serves nothing stops
 * being asked after one deadline (issue 11 item 4).
 */
void	planner_sent(struct planner *, struct netaddr ip, double now,
	    double deadline);
/*
 * ip answered one of our requests (any answer, late ones too): not
 * silent, and no longer stalling.  Call it after planner_answer.
 */
void	planner_heard(struct planner *, struct netaddr ip, double now);
/* ip sent us a block of height h (an answer, or a signed announcement) */
void	planner_proven(struct planner *, struct netaddr ip, uint64_t h);

/*
 * The next request to send, or 0 when nothing can be sent now.  Call it
 * in a loop.  reqids are never 0 (0 marks announcements).  While hold is
 * set (too many bytes held), only the range right above the commit point
 * is sent: it is the one that lets the commit point, and so the memory
 * held, move.
 */
int	planner_next(struct planner *, double now, struct plan_req *);
/*
 * An answer from ip to reqid carrying n blocks from the range's start.
 * *from and *count say which heights it covered (when not STALE).
 */
enum plan_answer planner_answer(struct planner *, struct netaddr ip,
	    uint32_t reqid, uint32_t n, double now, uint64_t *from, uint32_t *count);
/* The range of a request in flight, for checking an answer: 0 or -1. */
int	planner_lookup(const struct planner *, struct netaddr ip, uint32_t reqid,
	    uint64_t *from, uint32_t *count);
/* When a request in flight was sent (monotonic s), for the metrics: 0/-1. */
int	planner_sent_at(const struct planner *, struct netaddr ip, uint32_t reqid,
	    double *sent);
/*
 * Heights from .. from+count-1 must be fetched again (their blocks were
 * refused or did not link): not from bad_ip (:: : anybody), and only
 * from only_ip when that is not ::.
 */
void	planner_requeue(struct planner *, uint64_t from, uint32_t count,
	    struct netaddr bad_ip, struct netaddr only_ip);
/*
 * Deadlines and stalls: requests past their deadline go back (a strike,
 * a pause and a halved limit for their peer); silent peers (planner_sent)
 * are paused and their ranges go back; the range holding back the base
 * is asked of another peer when its own is much slower than the others,
 * and that peer is then stalling: each of its other ranges is asked of
 * another peer too and it gets no new range until it answers (issue 11
 * item 5: one pause per frozen peer, not one per range it held).
 * Returns how many requests it gave up on.
 */
int	planner_tick(struct planner *, double now);
/*
 * planner_tick, telling fn (when not NULL) of each request given up, each
 * silent peer and each new stall, as it happens (fn must not call the
 * planner).  Same return value.
 */
int	planner_tick_events(struct planner *, double now, plan_event_fn fn,
	    void *arg);
/* the deadline a request to this peer for count blocks would get */
double	planner_deadline(const struct planner *, const struct plan_peer *,
	    uint32_t count, double now);
/* a fresh request id for a request outside the ranges (never 0) */
uint32_t planner_reqid(struct planner *);
/* nothing in flight and nothing pending below the target */
int	planner_done(const struct planner *);

#endif
