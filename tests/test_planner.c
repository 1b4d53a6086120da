/* SPDX-License-Identifier: ISC */
/*
 * test_planner.c - syncd's pure modules: the range planner (planner.c)
 * and the chain view (chainview.c: in-order validation, commit batches,
 * fork choice).
 *
 * Planner: ranges spread over all peers ahead, never one range to two
 * peers at once, cut to what a peer has, window and per-peer limits,
 * reassignment when a deadline passes, partial and empty answers, a peer
 * that leaves or is banned, the stalling peer at the commit point, and
 * adaptive deadlines.  Chain view: blocks out of order validated in
 * order, a bad block stops validation and names its peer, batches within
 * their limits, and fork choice: a branch is taken only when it is
 * longer, with the rollback in its first batch, and never deeper than
 * max_reorg.
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <sodium.h>

#include "block.h"
#include "chainview.h"
#include "cunit.h"
#include "ipc.h"
#include "planner.h"
#include "storeq.h"
#include "testchain.h"
#include "vpool.h"

#define A	netaddr_from_v4(0x7f000002)	/* 127.0.0.2 */
#define B	netaddr_from_v4(0x7f000003)
#define C	netaddr_from_v4(0x7f000004)
#define D	netaddr_from_v4(0x7f000005)

/* ---- planner ---- */

/* collect every request the planner wants to send now */
static int
drain(struct planner *pl, double now, struct plan_req *out, int max)
{
	int n = 0;

	while (n < max && planner_next(pl, now, &out[n]))
		n++;
	return n;
}

static int
overlap(const struct plan_req *a, const struct plan_req *b)
{
	return a->from < b->from + b->count && b->from < a->from + a->count;
}

static void
test_spread(void)
{
	struct planner	pl;
	struct plan_req	r[64];
	int		n, i, j, per[3] = { 0, 0, 0 };
	uint64_t	covered = 0;

	planner_init(&pl, 4096, 1024, 256, 10);
	planner_peer_up(&pl, A, 5000);
	planner_peer_up(&pl, B, 5000);
	planner_peer_up(&pl, C, 5000);
	planner_reset(&pl, 0, 5000);
	n = drain(&pl, 0, r, 64);
	CU_ASSERT_EQUAL(n, 12);		/* 3 peers x 1024 / 256 */
	for (i = 0; i < n; i++) {
		CU_ASSERT(r[i].count <= 256 && r[i].count > 0);
		CU_ASSERT(r[i].reqid != 0);
		per[same_ip(r[i].ip, A) ? 0 : same_ip(r[i].ip, B) ? 1 : 2] += r[i].count;
		covered += r[i].count;
		for (j = 0; j < i; j++) {
			CU_ASSERT(!overlap(&r[i], &r[j]));
			CU_ASSERT(r[i].reqid != r[j].reqid);
		}
	}
	/* every peer got its share, from the bottom up */
	CU_ASSERT(per[0] == 1024 && per[1] == 1024 && per[2] == 1024);
	CU_ASSERT_EQUAL(covered, 3072);
	CU_ASSERT_EQUAL(r[0].from, 1);
	CU_ASSERT_EQUAL(pl.in_flight, 3072);
	/* the first three ranges went to three different peers */
	CU_ASSERT(!same_ip(r[0].ip, r[1].ip) && !same_ip(r[1].ip, r[2].ip) &&
	    !same_ip(r[0].ip, r[2].ip));
	planner_free(&pl);
}

static void
test_heights_and_window(void)
{
	struct planner	pl;
	struct plan_req	r[64];
	uint64_t	f;
	uint32_t	c;
	int		n, i;

	/* A has only 100 blocks: it is never asked for more */
	planner_init(&pl, 1000, 10000, 256, 10);
	planner_peer_up(&pl, A, 100);
	planner_peer_up(&pl, B, 5000);
	planner_reset(&pl, 0, 5000);
	n = drain(&pl, 0, r, 64);
	for (i = 0; i < n; i++) {
		if (same_ip(r[i].ip, A))
			CU_ASSERT(r[i].from + r[i].count - 1 <= 100);
		CU_ASSERT(r[i].from + r[i].count - 1 <= 1000);	/* window */
	}
	CU_ASSERT_EQUAL(pl.planned, 1000);
	/* answers do not plan more: the base must move */
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(planner_answer(&pl, r[i].ip, r[i].reqid,
		    r[i].count, 0.5, &f, &c), ANSWER_OK);
	CU_ASSERT_EQUAL(drain(&pl, 1, r, 64), 0);
	CU_ASSERT(planner_done(&pl) == 0);
	planner_set_base(&pl, 500);
	n = drain(&pl, 1, r, 64);
	CU_ASSERT(n > 0);
	for (i = 0; i < n; i++) {
		CU_ASSERT(r[i].from > 1000);
		CU_ASSERT(r[i].from + r[i].count - 1 <= 1500);
		CU_ASSERT(same_ip(r[i].ip, B));	/* A has nothing there */
	}
	planner_free(&pl);
}

static void
test_deadline(void)
{
	struct planner	 pl;
	struct plan_req	 r[8], r2[8];
	struct plan_peer *pa;
	uint64_t	 f;
	uint32_t	 c;
	int		 n, i;

	planner_init(&pl, 256, 256, 256, 5);
	pa = planner_peer_up(&pl, A, 1000);
	planner_reset(&pl, 0, 256);
	n = drain(&pl, 0, r, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT(same_ip(r[0].ip, A) && r[0].deadline == 5);	/* request_timeout */
	planner_peer_up(&pl, B, 1000);
	CU_ASSERT_EQUAL(planner_tick(&pl, 4.9), 0);
	CU_ASSERT_EQUAL(planner_tick(&pl, 5.1), 1);
	CU_ASSERT_EQUAL(pa->strikes, 1);
	CU_ASSERT_EQUAL(pa->in_flight, 0);
	/* the range goes to B, not back to A */
	n = drain(&pl, 5.1, r2, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT(same_ip(r2[0].ip, B) && r2[0].from == 1 && r2[0].count == 256);
	/* A's late answer is ignored */
	CU_ASSERT_EQUAL(planner_answer(&pl, A, r[0].reqid, 256, 6, &f, &c),
	    ANSWER_STALE);
	/* B times out too: with nobody else left A is tried again */
	CU_ASSERT_EQUAL(planner_tick(&pl, 20), 1);
	n = drain(&pl, 20, r, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(planner_answer(&pl, r[0].ip, r[0].reqid, 256, 20.5,
	    &f, &c), ANSWER_OK);
	CU_ASSERT(planner_done(&pl));
	/* adaptive: a measured peer gets 4 x its expected time, >= 2 s */
	for (i = 0; i < (int)pl.np; i++)
		if (same_ip(pl.p[i].ip, r[0].ip)) {
			CU_ASSERT(pl.p[i].rate > 0);
			CU_ASSERT_DOUBLE_EQUAL(planner_deadline(&pl, &pl.p[i],
			    256, 100), 100 + PLAN_MIN_DEADLINE, 1e-9);
			pl.p[i].rate = 10;
			CU_ASSERT_DOUBLE_EQUAL(planner_deadline(&pl, &pl.p[i],
			    20, 100), 108, 1e-9);
		}
	planner_free(&pl);
}

static void
test_partial_empty(void)
{
	struct planner	pl;
	struct plan_req	r[8];
	uint64_t	f;
	uint32_t	c;
	int		n;

	planner_init(&pl, 256, 256, 256, 10);
	planner_peer_up(&pl, A, 1000);
	planner_peer_up(&pl, B, 1000);
	planner_reset(&pl, 0, 256);
	n = drain(&pl, 0, r, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	/* 100 of 256: the prefix is kept, the rest is asked again */
	CU_ASSERT_EQUAL(planner_answer(&pl, r[0].ip, r[0].reqid, 100, 1, &f,
	    &c), ANSWER_PARTIAL);
	CU_ASSERT(f == 1 && c == 100);
	n = drain(&pl, 1, r, 8);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT(r[0].from == 101 && r[0].count == 156);
	/* nothing: another peer */
	CU_ASSERT_EQUAL(planner_answer(&pl, r[0].ip, r[0].reqid, 0, 2, &f,
	    &c), ANSWER_EMPTY);
	{
		struct netaddr first = r[0].ip;

		n = drain(&pl, 2, r, 8);
		CU_ASSERT_EQUAL_FATAL(n, 1);
		CU_ASSERT(!same_ip(r[0].ip, first) && r[0].from == 101);
	}
	/* unknown request ids and strangers are stale */
	CU_ASSERT_EQUAL(planner_answer(&pl, C, r[0].reqid, 1, 3, &f, &c),
	    ANSWER_STALE);
	CU_ASSERT_EQUAL(planner_answer(&pl, r[0].ip, 0, 1, 3, &f, &c),
	    ANSWER_STALE);
	planner_free(&pl);
}

static void
test_down_and_ban(void)
{
	struct planner	pl;
	struct plan_req	r[64];
	int		n, i;

	planner_init(&pl, 2048, 512, 256, 10);
	planner_peer_up(&pl, A, 5000);
	planner_peer_up(&pl, B, 5000);
	planner_reset(&pl, 0, 5000);
	n = drain(&pl, 0, r, 64);
	CU_ASSERT_EQUAL(n, 4);
	planner_peer_down(&pl, A);
	CU_ASSERT_EQUAL(pl.in_flight, 512);
	planner_peer_up(&pl, C, 5000);
	n = drain(&pl, 0, r, 64);
	CU_ASSERT_EQUAL(n, 2);
	for (i = 0; i < n; i++)
		CU_ASSERT(same_ip(r[i].ip, C) && r[i].from <= 1024);
	/* banned: its ranges go and it gets nothing until the ban ends */
	planner_ban(&pl, C, 100);
	planner_peer_up(&pl, A, 5000);
	n = drain(&pl, 1, r, 64);
	for (i = 0; i < n; i++)
		CU_ASSERT(same_ip(r[i].ip, A));
	CU_ASSERT(n >= 2);
	planner_free(&pl);
}

static void
test_stall(void)
{
	struct planner	 pl;
	struct plan_req	 r[64], d[4];
	struct plan_peer *slow = NULL;
	uint64_t	 f;
	uint32_t	 c;
	struct netaddr	 stalled = NETADDR_NONE;
	int		 n, i, nd;

	planner_init(&pl, 1536, 512, 256, 30);
	planner_peer_up(&pl, A, 5000);
	planner_peer_up(&pl, B, 5000);
	planner_peer_up(&pl, C, 5000);
	planner_reset(&pl, 0, 5000);
	n = drain(&pl, 0, r, 64);
	CU_ASSERT_EQUAL_FATAL(n, 6);
	/* everybody answers in 0.1 s except the peer with height 1 */
	for (i = 0; i < n; i++) {
		if (r[i].from == 1) {
			stalled = r[i].ip;
			continue;
		}
		if (same_ip(r[i].ip, stalled))
			continue;
		CU_ASSERT_EQUAL(planner_answer(&pl, r[i].ip, r[i].reqid,
		    r[i].count, 0.1, &f, &c), ANSWER_OK);
	}
	slow = planner_peer(&pl, stalled);
	CU_ASSERT_FATAL(slow != NULL);
	/* not a stall yet at 0.5 s */
	planner_tick(&pl, 0.5);
	CU_ASSERT_EQUAL(drain(&pl, 0.5, d, 4), 0);
	/*
	 * At 1.5 s (> 1 s and > 4 x 0.1 s) it is: the range is asked of
	 * another peer, and so is the stalling peer's other range at the
	 * same time: a frozen peer costs one pause, not one per range it
	 * holds (issue 11 item 5).
	 */
	planner_tick(&pl, 1.5);
	nd = drain(&pl, 1.5, d, 4);
	CU_ASSERT_EQUAL_FATAL(nd, 2);
	CU_ASSERT(d[0].dup && d[0].from == 1 && !same_ip(d[0].ip, stalled));
	CU_ASSERT(d[1].dup && d[1].from > 256 && !same_ip(d[1].ip, stalled));
	CU_ASSERT_EQUAL(slow->limit, 256);	/* halved */
	CU_ASSERT_EQUAL(slow->stalls, 1);
	/* only once */
	planner_tick(&pl, 3);
	CU_ASSERT_EQUAL(drain(&pl, 3, r, 4), 0);
	/* the second requests answer first: the stalled ones are late */
	CU_ASSERT_EQUAL(planner_answer(&pl, d[0].ip, d[0].reqid, 256, 1.6,
	    &f, &c), ANSWER_OK);
	CU_ASSERT(f == 1 && c == 256);
	CU_ASSERT_EQUAL(planner_answer(&pl, d[1].ip, d[1].reqid, d[1].count,
	    1.6, &f, &c), ANSWER_OK);
	CU_ASSERT_EQUAL(slow->in_flight, 0);
	/* it has room, but gets nothing new until it answers */
	for (i = 0; i < 6; i++) {
		int k;

		planner_set_base(&pl, (uint64_t)(1536 + 1536 * i));
		planner_tick(&pl, 2 + i);
		n = drain(&pl, 2 + i, r, 64);
		for (k = 0; k < n; k++) {
			CU_ASSERT(!same_ip(r[k].ip, stalled));
			planner_answer(&pl, r[k].ip, r[k].reqid, r[k].count,
			    2.1 + i, &f, &c);
			planner_heard(&pl, r[k].ip, 2.1 + i);
		}
	}
	CU_ASSERT_EQUAL(slow->stalls, 1);
	/* it answers (late): it may be asked again */
	planner_heard(&pl, stalled, 8.5);
	CU_ASSERT(!slow->stalling);
	planner_free(&pl);
}

static void
test_requeue(void)
{
	struct planner	pl;
	struct plan_req	r[64];
	uint64_t	f;
	uint32_t	c;
	int		n, i;

	planner_init(&pl, 1024, 1024, 256, 10);
	planner_peer_up(&pl, A, 5000);
	planner_peer_up(&pl, B, 5000);
	planner_reset(&pl, 0, 5000);
	n = drain(&pl, 0, r, 64);
	for (i = 0; i < n; i++)
		planner_answer(&pl, r[i].ip, r[i].reqid, r[i].count, 0.2, &f,
		    &c);
	/* heights 300..399 were refused from B; only A may serve them */
	planner_requeue(&pl, 300, 100, B, A);
	n = drain(&pl, 1, r, 64);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT(same_ip(r[0].ip, A) && r[0].from == 300 && r[0].count == 100);
	/* A leaves: nobody else may take them */
	planner_peer_down(&pl, A);
	CU_ASSERT_EQUAL(drain(&pl, 1, r, 64), 0);
	planner_free(&pl);
}

static void
test_target(void)
{
	struct planner	pl;
	struct plan_req	r[64];
	int		n;

	planner_init(&pl, 4096, 4096, 256, 10);
	planner_peer_up(&pl, A, 300);
	planner_reset(&pl, 0, 300);
	n = drain(&pl, 0, r, 64);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(drain(&pl, 0, r, 64), 0);
	/* the peer got higher */
	planner_peer_up(&pl, A, 700);
	planner_set_target(&pl, 700);
	n = drain(&pl, 0, r, 64);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(r[0].from, 301);
	CU_ASSERT_EQUAL(r[n - 1].from + r[n - 1].count - 1, 700);
	planner_free(&pl);
}

/* while memory is short only the range at the commit point goes out */
static void
test_hold(void)
{
	struct planner	pl;
	struct plan_req	r[64];
	uint64_t	f;
	uint32_t	c;
	int		n;

	planner_init(&pl, 4096, 4096, 256, 10);
	planner_peer_up(&pl, A, 4096);
	planner_peer_up(&pl, B, 4096);
	/* held from the start: the first range only, nothing planned past */
	planner_reset(&pl, 0, 4096);
	pl.hold = 1;
	n = drain(&pl, 0, r, 64);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT(r[0].from == 1 && r[0].count == 256);
	CU_ASSERT_EQUAL(drain(&pl, 0, r, 64), 0);
	/* not held: the window goes out */
	pl.hold = 0;
	n = drain(&pl, 0, r, 64);
	CU_ASSERT_EQUAL(n, 15);
	/* answered out of order, then held: what waits is not sent again */
	CU_ASSERT_EQUAL(planner_answer(&pl, r[0].ip, r[0].reqid, 0, 1,
	    &f, &c), ANSWER_EMPTY);		/* heights 257.. go back */
	pl.hold = 1;
	CU_ASSERT_EQUAL(drain(&pl, 1, r, 64), 0);	/* 257 > base + 1 */
	/* the range at base + 1 is the one that may go */
	planner_set_base(&pl, 256);
	n = drain(&pl, 1, r, 64);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT(r[0].from == 257);
	CU_ASSERT_EQUAL(drain(&pl, 1, r, 64), 0);
	planner_free(&pl);
}

/* a lead that failed pauses, longer each time, whatever it claims */
static void
test_lead_backoff(void)
{
	struct planner	 pl;
	struct plan_peer *p;

	planner_init(&pl, 4096, 4096, 256, 10);
	planner_peer_up(&pl, A, 1000);
	planner_peer_up(&pl, B, 500);
	planner_peer_up(&pl, C, 50);
	CU_ASSERT_EQUAL_FATAL(planner_lead(&pl, 0, 100), planner_peer(&pl, A));
	/* A fails: B (next best) leads; C is not ahead of us */
	planner_lead_failed(&pl, A, 0, 1);
	CU_ASSERT_EQUAL(planner_lead(&pl, 1, 100), planner_peer(&pl, B));
	/* a higher height does not bring A back early */
	planner_peer_up(&pl, A, 1001);
	CU_ASSERT_EQUAL(planner_lead(&pl, 1, 100), planner_peer(&pl, B));
	CU_ASSERT_EQUAL(planner_lead(&pl, PLAN_LEAD_BACKOFF + 0.1, 100),
	    planner_peer(&pl, A));
	/* failures in a row double the pause */
	planner_lead_failed(&pl, A, 10, 1);
	CU_ASSERT_EQUAL(planner_lead(&pl, 10 + 2 * PLAN_LEAD_BACKOFF - 0.1,
	    100), planner_peer(&pl, B));
	CU_ASSERT_EQUAL(planner_lead(&pl, 10 + 2 * PLAN_LEAD_BACKOFF + 0.1,
	    100), planner_peer(&pl, A));
	/* up to a maximum */
	p = planner_peer(&pl, A);
	p->lead_fails = 40;
	planner_lead_failed(&pl, A, 100, 0);
	CU_ASSERT_DOUBLE_EQUAL(p->no_lead_until, 100 + PLAN_LEAD_BACKOFF_MAX,
	    1e-9);
	/* a good lead ends the series */
	planner_lead_ok(&pl, A);
	planner_lead_failed(&pl, A, 1000, 0);
	CU_ASSERT_DOUBLE_EQUAL(p->no_lead_until, 1000 + PLAN_LEAD_BACKOFF,
	    1e-9);
	/* nobody left */
	planner_lead_failed(&pl, B, 1000, 0);
	CU_ASSERT_PTR_NULL(planner_lead(&pl, 1001, 100));
	planner_free(&pl);
}

/*
 * Failures in a row strike, and each strike pauses the peer (doubling);
 * an answer with blocks ends the series.  Nothing is ever punished for
 * failing: empty answers (a store restarting, a slow server) used to end
 * in a 600 s misbehaviour ban after five (issue 11 item 6).
 */
static void
test_strikes(void)
{
	struct planner	pl;
	struct plan_req	r[64];
	struct plan_peer *pa;
	uint64_t	f;
	uint32_t	c;
	int		n, i, round, asked;
	double		t = 0, pause;

	planner_init(&pl, 4096, 4096, 256, 10);
	pa = planner_peer_up(&pl, A, 2000);	/* claims what it lacks */
	planner_peer_up(&pl, B, 1000);
	planner_reset(&pl, 0, 2000);
	/* pipelined requests failing together are one strike */
	n = drain(&pl, t, r, 64);
	CU_ASSERT(n >= 2);
	for (i = 0; i < n; i++)
		if (same_ip(r[i].ip, A))
			planner_answer(&pl, A, r[i].reqid, 0, t + 0.1, &f, &c);
	CU_ASSERT_EQUAL(pa->strikes, 1);
	CU_ASSERT_DOUBLE_EQUAL(pa->paused_until, t + 0.1 + PLAN_PAUSE, 1e-9);
	CU_ASSERT(!planner_usable(pa, t + 1));
	/* empty answers to later requests strike again, pausing longer */
	for (round = 0, asked = 0; round < 200 && pa->strikes < 8; round++) {
		t = (t + 1 > pa->paused_until ? t : pa->paused_until) + 1;
		n = drain(&pl, t, r, 64);
		for (i = 0; i < n; i++) {
			if (same_ip(r[i].ip, A))
				asked++;
			planner_answer(&pl, r[i].ip, r[i].reqid,
			    same_ip(r[i].ip, A) ? 0 : r[i].count, t + 0.1, &f, &c);
		}
	}
	CU_ASSERT_EQUAL(pa->strikes, 8);
	pause = pa->paused_until - pa->last_strike;
	CU_ASSERT_DOUBLE_EQUAL(pause, PLAN_PAUSE * 128, 1e-9);
	CU_ASSERT(pa->banned_until == 0);	/* paused, not banned */
	CU_ASSERT(asked >= 8);
	/* a failed lead strikes; an answer with blocks clears the strikes */
	planner_lead_failed(&pl, B, t, 1);
	CU_ASSERT_EQUAL(planner_peer(&pl, B)->strikes, 1);
	planner_lead_failed(&pl, B, t, 0);
	CU_ASSERT_EQUAL(planner_peer(&pl, B)->strikes, 1);
	planner_reset(&pl, 0, 2000);
	t = pa->paused_until + 0.1;
	planner_peer(&pl, B)->paused_until = 1e9;
	n = drain(&pl, t, r, 64);
	CU_ASSERT_FATAL(n >= 1 && same_ip(r[0].ip, A));
	CU_ASSERT_EQUAL(planner_answer(&pl, A, r[0].reqid, 1, t + 0.1, &f,
	    &c), ANSWER_PARTIAL);
	CU_ASSERT_EQUAL(pa->strikes, 0);
	planner_free(&pl);
}

/*
 * A peer that claims a height and answers nothing (issue 11 item 4):
 * after one request deadline it is paused, its ranges go back, its claim
 * no longer counts, and it does not lead; any answer ends its silence.
 */
static void
test_silent(void)
{
	struct planner	 pl;
	struct plan_req	 r[64];
	struct plan_peer *liar, *pa;
	uint64_t	 f;
	uint32_t	 c;
	int		 n, i, toliar = 0;

	planner_init(&pl, 4096, 1024, 256, 10);
	pa = planner_peer_up(&pl, A, 1000);
	liar = planner_peer_up(&pl, B, 10000000);
	planner_reset(&pl, 0, 10000000);
	n = drain(&pl, 0, r, 64);
	for (i = 0; i < n; i++) {
		if (same_ip(r[i].ip, B)) {
			toliar++;
			continue;
		}
		CU_ASSERT_EQUAL(planner_answer(&pl, A, r[i].reqid, r[i].count,
		    0.1, &f, &c), ANSWER_OK);
		planner_heard(&pl, A, 0.1);
	}
	CU_ASSERT_FATAL(toliar > 0);
	CU_ASSERT(planner_usable(liar, 9.9));
	planner_tick(&pl, 9.9);
	CU_ASSERT(planner_usable(liar, 9.9));
	/* one deadline: paused, nothing in flight, not a leader */
	planner_tick(&pl, 10.1);
	CU_ASSERT(!planner_usable(liar, 10.2));
	CU_ASSERT_EQUAL(liar->in_flight, 0);
	CU_ASSERT_EQUAL(liar->strikes, 1);
	CU_ASSERT_PTR_NULL(planner_lead(&pl, 10.2, 1000));
	CU_ASSERT(planner_usable(pa, 10.2));
	n = drain(&pl, 10.2, r, 64);
	for (i = 0; i < n; i++)
		CU_ASSERT(!same_ip(r[i].ip, B));
	/* the locator alone counts too: silent on it, paused again */
	planner_reset(&pl, 1000, 1000);
	planner_sent(&pl, B, liar->paused_until, liar->paused_until + 10);
	planner_tick(&pl, liar->paused_until + 5);
	CU_ASSERT_EQUAL(liar->strikes, 1);
	planner_tick(&pl, liar->paused_until + 10.1);
	CU_ASSERT_EQUAL(liar->strikes, 2);
	/* an answer, even an empty or a late one, ends the silence */
	planner_sent(&pl, B, 100, 110);
	planner_heard(&pl, B, 101);
	planner_tick(&pl, 120);
	CU_ASSERT_EQUAL(liar->strikes, 2);
	/* a peer that has sent blocks leads before one that only claims */
	liar->paused_until = 0;
	pa->height = 2000;
	CU_ASSERT_EQUAL(planner_lead(&pl, 200, 1000), pa);
	planner_free(&pl);
}

/* what planner_tick_events reported */
struct events {
	struct plan_event	e[16];
	int			n;
};

static void
collect(void *arg, const struct plan_event *ev)
{
	struct events *es = arg;

	if (es->n < 16)
		es->e[es->n] = *ev;
	es->n++;
}

/*
 * Each request given up, silent peer and stall is reported with its
 * peer, heights, wait and what it cost the peer (syncd logs and counts
 * them: a frozen peer said nothing before).
 */
static void
test_events(void)
{
	struct planner	 pl;
	struct plan_req	 r[64];
	struct events	 es;
	uint64_t	 f;
	uint32_t	 c;
	int		 n, i, k;

	/* a deadline: A's request, struck, paused 2 s, limit halved */
	planner_init(&pl, 512, 512, 256, 5);
	planner_peer_up(&pl, A, 1000);
	planner_reset(&pl, 0, 512);
	n = drain(&pl, 0, r, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);	/* 1-256, 257-512, both to A */
	memset(&es, 0, sizeof(es));
	CU_ASSERT_EQUAL(planner_tick_events(&pl, 4.9, collect, &es), 0);
	CU_ASSERT_EQUAL(es.n, 0);
	CU_ASSERT_EQUAL(planner_tick_events(&pl, 5.5, collect, &es), 2);
	CU_ASSERT_EQUAL_FATAL(es.n, 2);
	for (k = 0; k < 2; k++) {
		CU_ASSERT_EQUAL(es.e[k].kind, PLAN_EV_DEADLINE);
		CU_ASSERT(same_ip(es.e[k].ip, A));
		CU_ASSERT_EQUAL(es.e[k].count, 256);
		CU_ASSERT_DOUBLE_EQUAL(es.e[k].waited, 5.5, 1e-9);
		CU_ASSERT_EQUAL(es.e[k].strikes, 1);
		CU_ASSERT_DOUBLE_EQUAL(es.e[k].pause, PLAN_PAUSE, 1e-9);
		CU_ASSERT(!es.e[k].dup);
	}
	CU_ASSERT_EQUAL(es.e[0].from, 1);
	CU_ASSERT_EQUAL(es.e[1].from, 257);
	/* one strike for both: the second was sent with the first */
	CU_ASSERT(es.e[0].struck && !es.e[1].struck);
	CU_ASSERT_EQUAL(es.e[1].limit, 256);
	/* nothing more to tell, and planner_tick tells nobody */
	memset(&es, 0, sizeof(es));
	CU_ASSERT_EQUAL(planner_tick_events(&pl, 30, collect, &es), 0);
	CU_ASSERT_EQUAL(es.n, 0);
	planner_free(&pl);

	/* silence: the oldest request names it, every range goes */
	planner_init(&pl, 4096, 1024, 256, 10);
	planner_peer_up(&pl, B, 10000000);
	planner_reset(&pl, 0, 1024);
	n = drain(&pl, 1, r, 64);	/* at 1: wait_since 0 means none */
	CU_ASSERT_EQUAL_FATAL(n, 4);
	/* the deadline loop gives nothing up before the silence does */
	for (i = 0; i < (int)pl.nr; i++)
		pl.r[i].deadline = 100;
	memset(&es, 0, sizeof(es));
	CU_ASSERT_EQUAL(planner_tick_events(&pl, 11.5, collect, &es), 4);
	CU_ASSERT_EQUAL_FATAL(es.n, 1);
	CU_ASSERT_EQUAL(es.e[0].kind, PLAN_EV_SILENT);
	CU_ASSERT(same_ip(es.e[0].ip, B));
	CU_ASSERT_EQUAL(es.e[0].from, 1);
	CU_ASSERT_EQUAL(es.e[0].count, 256);
	CU_ASSERT_EQUAL(es.e[0].ranges, 4);
	CU_ASSERT(es.e[0].struck);
	CU_ASSERT_DOUBLE_EQUAL(es.e[0].waited, 10.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(es.e[0].pause, PLAN_PAUSE, 1e-9);
	planner_free(&pl);

	/* a stall at the commit point, once */
	planner_init(&pl, 1024, 256, 256, 30);
	planner_peer_up(&pl, A, 5000);
	planner_peer_up(&pl, C, 5000);
	planner_reset(&pl, 0, 512);
	n = drain(&pl, 0, r, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	for (i = 0; i < n; i++)
		if (r[i].from != 1)
			planner_answer(&pl, r[i].ip, r[i].reqid, r[i].count,
			    0.1, &f, &c);
	memset(&es, 0, sizeof(es));
	planner_tick_events(&pl, 1.5, collect, &es);
	planner_tick_events(&pl, 2.5, collect, &es);
	CU_ASSERT_EQUAL_FATAL(es.n, 1);
	CU_ASSERT_EQUAL(es.e[0].kind, PLAN_EV_STALL);
	CU_ASSERT(same_ip(es.e[0].ip, r[0].from == 1 ? r[0].ip : r[1].ip));
	CU_ASSERT(es.e[0].from == 1 && es.e[0].count == 256);
	CU_ASSERT_DOUBLE_EQUAL(es.e[0].waited, 1.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(es.e[0].others, 0.1, 1e-9);
	CU_ASSERT(!es.e[0].struck);
	planner_free(&pl);
}

/* the blocks each peer sent in this round: since planner_reset */
static void
test_round_received(void)
{
	struct planner	 pl;
	struct plan_req	 r[8];
	struct plan_peer *pa;
	uint64_t	 f;
	uint32_t	 c;

	planner_init(&pl, 512, 512, 256, 5);
	pa = planner_peer_up(&pl, A, 1000);
	planner_reset(&pl, 0, 256);
	CU_ASSERT_EQUAL_FATAL(drain(&pl, 0, r, 8), 1);
	CU_ASSERT_EQUAL(planner_answer(&pl, A, r[0].reqid, 100, 0.1, &f, &c),
	    ANSWER_PARTIAL);
	CU_ASSERT_EQUAL(pa->round_received, 100);
	planner_reset(&pl, 100, 300);
	CU_ASSERT_EQUAL(pa->round_received, 0);
	CU_ASSERT_EQUAL(pa->received, 100);
	planner_free(&pl);
}

/* ---- chain view ---- */

/* devnet and its producer's key (chain_setup) */
static struct genesis	G;
static uint8_t		SK[BLOCK_SECKEY_LEN];

/* odd heights as syncd puts them (decoded by its checks), even raw */
static void
put(struct chainview *cv, const struct chain *ch, int h, struct netaddr ip)
{
	int r;

	if (h % 2)
		r = cv_put_block(cv, (uint64_t)h, &ch->b[h], ip);
	else
		r = cv_put(cv, (uint64_t)h, ch->raw[h], ch->len[h], ip);
	CU_ASSERT_EQUAL(r, 0);
}

static void
test_cv_linear(void)
{
	struct chainview	cv;
	struct chain		a;
	struct cv_bad		bad;
	struct cv_batch		bt;
	int			h;

	chain_make(&a, NULL, 0, 20, 1);
	CU_ASSERT_FATAL(cv_init(&cv, &G.info, 64, 10) == 0);
	cv_set_tip_link(&cv, &a.b[5]);
	CU_ASSERT_EQUAL(cv_start(&cv, &a.b[5]), 0);
	CU_ASSERT(!cv.reorg);
	/* out of order: nothing validates until 6 is there */
	put(&cv, &a, 8, A);
	put(&cv, &a, 7, B);
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 0);
	CU_ASSERT_EQUAL(bad.err, BLOCK_OK);
	CU_ASSERT_EQUAL(cv_batch(&cv, 100, 1 << 20, &bt), 0);
	put(&cv, &a, 6, C);
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 3);
	CU_ASSERT_EQUAL(cv.validated, 8);
	/* a copy of a held height is ignored; a validated one refused */
	CU_ASSERT_EQUAL(cv_put(&cv, 7, a.raw[7], a.len[7], A), -1);
	put(&cv, &a, 10, A);
	CU_ASSERT_EQUAL(cv_put(&cv, 10, a.raw[10], a.len[10], B), 1);
	/*
	 * Whole batches (syncd holds a part back while one is in stored's
	 * hands): validated are 6..8, three blocks not queued.
	 */
	CU_ASSERT_EQUAL(cv_batch_full(&cv, 3, 1 << 20), 1);
	CU_ASSERT_EQUAL(cv_batch_full(&cv, 4, 1 << 20), 0);
	CU_ASSERT_EQUAL(cv_batch_full(&cv, 100, a.len[6] + a.len[7]), 1);
	CU_ASSERT_EQUAL(cv_batch_full(&cv, 100, a.len[6] + a.len[7] +
	    a.len[8]), 0);
	CU_ASSERT_EQUAL(cv_batch_full(&cv, 100, 1), 1);
	/*
	 * When the part batch goes: blocks on their way (5 asked), not whole
	 * (4 a batch): it waits 0.05 s with stored idle, and to be whole
	 * while stored holds one of ours; nothing on its way or whole: now.
	 * (Sent whenever stored was idle, each peer answer was a commit.)
	 */
	CU_ASSERT_EQUAL(cv_batch_due(&cv, 0, 5, 0, 0.05, 4, 1 << 20), 0);
	CU_ASSERT_EQUAL(cv_batch_due(&cv, 0, 5, 0.04, 0.05, 4, 1 << 20), 0);
	CU_ASSERT_EQUAL(cv_batch_due(&cv, 0, 5, 0.05, 0.05, 4, 1 << 20), 1);
	CU_ASSERT_EQUAL(cv_batch_due(&cv, 1, 5, 9.0, 0.05, 4, 1 << 20), 0);
	CU_ASSERT_EQUAL(cv_batch_due(&cv, 1, 0, 0, 0.05, 4, 1 << 20), 1);
	CU_ASSERT_EQUAL(cv_batch_due(&cv, 1, 5, 0, 0.05, 3, 1 << 20), 1);
	/* batches: by count, by bytes, strictly in order */
	CU_ASSERT_EQUAL(cv_batch(&cv, 2, 1 << 20, &bt), 1);
	CU_ASSERT(bt.first == 6 && bt.count == 2 && !bt.rollback);
	cv_committed(&cv, &bt);
	CU_ASSERT_EQUAL(cv.tip_height, 7);
	CU_ASSERT(memcmp(cv.tip.b.hash, a.b[7].hash, BLOCK_HASH_LEN) == 0);
	CU_ASSERT_EQUAL(cv_batch_full(&cv, 2, 1 << 20), 0);	/* 8 alone */
	CU_ASSERT_EQUAL(cv_batch(&cv, 100, 1, &bt), 1);	/* at least one */
	CU_ASSERT_EQUAL(cv_batch_full(&cv, 1, 1 << 20), 0);	/* none left */
	CU_ASSERT(bt.first == 8 && bt.count == 1);
	/* stored failed: the same heights go out again */
	cv_uncommit(&cv, &bt);
	CU_ASSERT_EQUAL(cv_batch(&cv, 100, 1 << 20, &bt), 1);
	CU_ASSERT(bt.first == 8 && bt.count == 1);
	cv_committed(&cv, &bt);
	put(&cv, &a, 9, A);
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 2);
	/*
	 * The ring keeps the window above CV_BATCHES_HELD full batches in
	 * stored's hands (one batch's room with two in flight dropped the
	 * window's top blocks: a stall of 30 s per window in bench_sync,
	 * 100,000 blocks, 1,090 blocks/s); far heights do not fit.
	 */
	CU_ASSERT(cv.cap >= 64 + CV_BATCHES_HELD * IPC_MAX_BLOCKS);
	CU_ASSERT(CV_BATCHES_HELD <= STOREQ_PIPELINE);
	CU_ASSERT_EQUAL(cv_put(&cv, 8 + cv.cap + 5, a.raw[11], a.len[11], A),
	    -1);
	for (h = 11; h <= 20; h++)
		put(&cv, &a, h, A);
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 10);
	CU_ASSERT_EQUAL(cv_batch(&cv, 100, 1 << 20, &bt), 1);
	CU_ASSERT(bt.first == 9 && bt.count == 12);
	cv_committed(&cv, &bt);
	CU_ASSERT_EQUAL(cv.tip_height, 20);
	CU_ASSERT_EQUAL(cv.nheld, 0);
	CU_ASSERT_EQUAL(cv.bytes, 0);
	cv_free(&cv);
	chain_free(&a, 1);
}

static int	dropped_from, dropped_count, dropped_runs;

static void
dropped(void *arg, uint64_t from, uint32_t count)
{
	(void)arg;
	if (dropped_runs++ == 0)
		dropped_from = (int)from;
	dropped_count += (int)count;
}

static void
test_cv_bad(void)
{
	struct chainview	cv;
	struct chain		a;
	struct cv_bad		bad;
	int			h;

	chain_make(&a, NULL, 0, 10, 1);
	/* corrupt block 4's signature */
	a.raw[4][BLOCK_HEADER_LEN + 1] ^= 1;
	CU_ASSERT_FATAL(cv_init(&cv, &G.info, 64, 10) == 0);
	cv_set_tip_link(&cv, &G.block);
	CU_ASSERT_EQUAL(cv_start(&cv, &G.block), 0);
	for (h = 1; h <= 10; h++)
		put(&cv, &a, h, h >= 4 && h <= 6 ? B : A);
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 3);
	CU_ASSERT(bad.err == BLOCK_ERR_SIGNATURE && bad.height == 4 &&
	    same_ip(bad.ip, B));
	/* B's blocks go; A's stay */
	CU_ASSERT_EQUAL(cv_drop(&cv, 4, B, dropped, NULL), 3);
	CU_ASSERT(dropped_from == 4 && dropped_count == 3 &&
	    dropped_runs == 1);
	CU_ASSERT(!cv_have(&cv, 5) && cv_have(&cv, 7) && cv_have(&cv, 2));
	a.raw[4][BLOCK_HEADER_LEN + 1] ^= 1;
	for (h = 4; h <= 6; h++)
		put(&cv, &a, h, C);
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 7);
	CU_ASSERT_EQUAL(bad.err, BLOCK_OK);
	/* a decoded block is not decoded again, its signature still checked */
	{
		struct chain o;

		chain_make(&o, &a, 10, 2, 3);
		o.raw[11][BLOCK_HEADER_LEN + 2] ^= 1;
		CU_ASSERT_EQUAL(cv_put_block(&cv, 11, &o.b[11], D), 0);
		CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 0);
		CU_ASSERT(bad.err == BLOCK_ERR_SIGNATURE && bad.height == 11 &&
		    same_ip(bad.ip, D));
		CU_ASSERT_EQUAL(cv_drop(&cv, 11, D, NULL, NULL), 1);
		chain_free(&o, 11);
	}
	/* a block of another chain does not link */
	{
		struct chain o;

		chain_make(&o, NULL, 0, 11, 2);
		put(&cv, &o, 11, D);
		CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 0);
		CU_ASSERT(bad.err == BLOCK_ERR_LINK && same_ip(bad.ip, D));
		chain_free(&o, 1);
	}
	cv_free(&cv);
	chain_free(&a, 1);
}

/* ---- parallel validation (vpool.c) ---- */

static void
count_item(void *arg, size_t i)
{
	int *seen = arg;

	seen[i]++;	/* each item on one thread only: no race */
}

/* every item runs exactly once, whatever the threads and the sizes */
static void
test_vpool(void)
{
	static const unsigned	threads[] = { 1, 2, 3, 8 };
	static const size_t	sizes[] = { 0, 1, 2, 3, 5, 64, 1001 };
	static int		seen[1001];
	struct vpool		*p;
	size_t			t, k, i;
	int			rep, ok;

	CU_ASSERT_PTR_NULL(vpool_new(0));
	CU_ASSERT_PTR_NULL(vpool_new(VPOOL_MAX + 1));
	CU_ASSERT(vpool_cpus() >= 1);
	for (t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		CU_ASSERT_FATAL((p = vpool_new(threads[t])) != NULL);
		CU_ASSERT_EQUAL(vpool_threads(p), threads[t]);
		for (rep = 0; rep < 50; rep++)
			for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]);
			    k++) {
				memset(seen, 0, sizeof(seen));
				vpool_run(p, sizes[k], count_item, seen);
				for (i = 0, ok = 1; i < sizes[k]; i++)
					ok &= seen[i] == 1;
				for (; i < 1001; i++)
					ok &= seen[i] == 0;
				CU_ASSERT(ok);
			}
		vpool_free(p);
	}
}

/* a started job's end, as syncd's loop sees it: vpool_fd readable */
static int
job_wait_fd(struct vpool *p)
{
	struct pollfd	pfd = { vpool_fd(p), POLLIN, 0 };
	uint64_t	n;
	int		tries;

	for (tries = 0; tries < 100 && !vpool_done(p); tries++)
		if (poll(&pfd, 1, 100) == 1 &&
		    read(pfd.fd, &n, sizeof(n)) != sizeof(n))
			return -1;
	return vpool_done(p) ? 0 : -1;
}

/*
 * Started jobs (vpool_start): every item once, on the pool's threads;
 * the end seen by the eventfd or by vpool_wait; a vpool_run meanwhile runs
 * in the caller alone and does not disturb the job.
 */
static void
test_vpool_start(void)
{
	static const unsigned	threads[] = { 1, 2, 3, 8 };
	static const size_t	sizes[] = { 0, 1, 2, 5, 64, 1001 };
	static int		seen[1001], other[64];
	struct vpool		*p;
	size_t			t, k, i;
	int			rep, ok, r;

	CU_ASSERT_EQUAL(vpool_start(NULL, 3, count_item, seen), 1);
	CU_ASSERT_EQUAL(vpool_fd(NULL), -1);
	for (t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		CU_ASSERT_FATAL((p = vpool_new(threads[t])) != NULL);
		CU_ASSERT(vpool_fd(p) >= 0);
		CU_ASSERT(vpool_done(p));	/* none started */
		for (rep = 0; rep < 20; rep++)
			for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]);
			    k++) {
				memset(seen, 0, sizeof(seen));
				memset(other, 0, sizeof(other));
				r = vpool_start(p, sizes[k], count_item, seen);
				/* at once only without workers or items */
				CU_ASSERT_EQUAL(r, threads[t] == 1 ||
				    sizes[k] == 0);
				vpool_run(p, 64, count_item, other);
				if (rep % 2)
					vpool_wait(p);
				else
					CU_ASSERT(job_wait_fd(p) == 0);
				CU_ASSERT(vpool_done(p));
				for (i = 0, ok = 1; i < sizes[k]; i++)
					ok &= seen[i] == 1;
				for (; i < 1001; i++)
					ok &= seen[i] == 0;
				for (i = 0; i < 64; i++)
					ok &= other[i] == 1;
				CU_ASSERT(ok);
			}
		vpool_free(p);
	}
}

struct outcome {
	uint32_t	n[3];		/* validated per call */
	struct cv_bad	bad[3];
	uint8_t		last[BLOCK_HASH_LEN];
};

/*
 * One catch-up of a 60-block chain whose block 30 has a bad signature
 * (and block 45 an unknown producer), on a pool of threads threads:
 * validated in one go up to 29, block 30 refused; then the good block
 * 30 arrives and validation stops at 45.
 */
/*
 * cv_validate as syncd's loop calls it with cv->async: again each time a
 * started check ends (vpool_fd), until none runs; the validated heights
 * added up, the verdict of the last call.
 */
static uint32_t
validate_async(struct chainview *cv, struct cv_bad *bad)
{
	uint32_t	n;
	int		calls;

	n = cv_validate(cv, 0, bad);
	for (calls = 0; calls < 100 && cv_checking(cv) &&
	    bad->err == BLOCK_OK; calls++) {
		CU_ASSERT_FATAL(job_wait_fd(cv->pool) == 0);
		n += cv_validate(cv, 0, bad);
	}
	CU_ASSERT(!cv_checking(cv) || bad->err != BLOCK_OK);
	return n;
}

/*
 * One catch-up of a 60-block chain whose block 30 has a bad signature
 * (and block 45 an unknown producer), on a pool of threads threads
 * (async: the checks started, cv_validate called again as each ends):
 * validated up to 29, block 30 refused; then B's blocks are dropped (in
 * async, while a check of them may be running: it must not read freed
 * memory), the good block 30 arrives and validation stops at 45.
 */
static void
cv_run(unsigned threads, int async, const struct chain *good,
    struct chain *bad, struct outcome *o)
{
	struct chainview	cv;
	struct vpool		*pool = NULL;
	struct cv_bad		late;
	int			h;

	memset(o, 0, sizeof(*o));
	if (threads > 1)
		CU_ASSERT_FATAL((pool = vpool_new(threads)) != NULL);
	CU_ASSERT_FATAL(cv_init(&cv, &G.info, 128, 10) == 0);
	cv.pool = pool;
	cv.async = async;
	cv_set_tip_link(&cv, &G.block);
	CU_ASSERT_FATAL(cv_start(&cv, &G.block) == 0);
	for (h = 60; h >= 1; h--)	/* out of order, both paths */
		put(&cv, bad, h, h < 30 ? A : B);
	o->n[0] = async ? validate_async(&cv, &o->bad[0]) :
	    cv_validate(&cv, 0, &o->bad[0]);
	cv_drop(&cv, 30, B, NULL, NULL);
	put(&cv, good, 30, C);
	for (h = 31; h <= 60; h++)
		put(&cv, bad, h, C);
	o->n[1] = async ? validate_async(&cv, &o->bad[1]) :
	    cv_validate(&cv, 0, &o->bad[1]);
	o->n[2] = async ? validate_async(&cv, &o->bad[2]) :
	    cv_validate(&cv, 0, &o->bad[2]);
	memcpy(o->last, cv.last.b.hash, BLOCK_HASH_LEN);
	/* a round ended with a check running: cv_reset waits for it */
	cv_reset(&cv);
	CU_ASSERT_FATAL(cv_start(&cv, &G.block) == 0);
	for (h = 1; h <= 60; h++)
		put(&cv, good, h, A);
	(void)cv_validate(&cv, 0, &late);
	cv_reset(&cv);
	CU_ASSERT(!cv_checking(&cv));
	cv_free(&cv);
	vpool_free(pool);
}

/* the same decisions, in the same order, with 1 and with N threads */
static void
test_cv_threads(void)
{
	struct chain		good, bad;
	struct outcome		one, many;
	struct block_header	h;
	int			i;

	chain_make(&good, NULL, 0, 60, 3);
	bad = good;
	for (i = 1; i <= 60; i++) {	/* a copy: bad owns its blocks */
		bad.raw[i] = malloc(BLOCK_MAX_LEN);
		memcpy(bad.raw[i], good.raw[i], good.len[i]);
		CU_ASSERT_FATAL(block_decode(bad.raw[i], bad.len[i],
		    &bad.b[i]) == BLOCK_OK);
	}
	bad.raw[30][BLOCK_HEADER_LEN + 7] ^= 0x40;	/* the signature */
	CU_ASSERT_FATAL(block_decode(bad.raw[30], bad.len[30], &bad.b[30]) ==
	    BLOCK_OK);
	/* 45: signed, by a producer the genesis set does not have */
	h = bad.b[45].h;
	h.producer = 7;
	CU_ASSERT_FATAL(block_build(bad.raw[45], &h, bad.b[45].payload,
	    h.payload_len, SK, &bad.b[45]) == bad.len[45]);
	cv_run(1, 0, &good, &bad, &one);
	cv_run(4, 0, &good, &bad, &many);
	CU_ASSERT_EQUAL(one.n[0], 29);
	CU_ASSERT_EQUAL(one.bad[0].height, 30);
	CU_ASSERT_EQUAL(one.bad[0].err, BLOCK_ERR_SIGNATURE);
	CU_ASSERT(same_ip(one.bad[0].ip, B));
	CU_ASSERT_EQUAL(one.n[1], 15);
	CU_ASSERT_EQUAL(one.bad[1].height, 45);
	CU_ASSERT_EQUAL(one.bad[1].err, BLOCK_ERR_PRODUCER);
	CU_ASSERT_EQUAL(one.n[2], 0);
	CU_ASSERT(memcmp(one.last, good.b[44].hash, BLOCK_HASH_LEN) == 0);
	CU_ASSERT(memcmp(&one, &many, sizeof(one)) == 0);
	/* started checks (syncd's way): the same, whatever the threads */
	for (i = 0; i < 20; i++) {
		cv_run(i % 2 ? 2 : 3, 1, &good, &bad, &many);
		CU_ASSERT(memcmp(&one, &many, sizeof(one)) == 0);
	}
	cv_run(1, 1, &good, &bad, &many);
	CU_ASSERT(memcmp(&one, &many, sizeof(one)) == 0);
	chain_free(&bad, 1);
	chain_free(&good, 1);
}

static void
test_fork_choice(void)
{
	struct chainview	cv;
	struct chain		a, b, c;
	struct cv_bad		bad;
	struct cv_batch		bt;
	int			h;

	/* ours: 10 blocks; theirs: parts at 5, 7 blocks above (12) */
	chain_make(&a, NULL, 0, 10, 1);
	chain_make(&b, &a, 5, 7, 2);
	chain_make(&c, &a, 5, 5, 3);	/* as long as ours: 10 */
	CU_ASSERT_FATAL(cv_init(&cv, &G.info, 64, 5) == 0);
	cv_set_tip_link(&cv, &a.b[10]);
	/* the same length is not better: nothing is committed */
	CU_ASSERT_EQUAL(cv_start(&cv, &c.b[5]), 0);
	CU_ASSERT(cv.reorg);
	for (h = 6; h <= 10; h++)
		put(&cv, &c, h, A);
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 5);
	CU_ASSERT_EQUAL(cv_batch(&cv, 100, 1 << 20, &bt), -1);
	CU_ASSERT(cv_waiting_reorg(&cv));
	cv_reset(&cv);
	/* longer: the first batch rolls back to the fork point */
	CU_ASSERT_EQUAL(cv_start(&cv, &b.b[5]), 0);
	for (h = 6; h <= 10; h++)
		put(&cv, &b, h, B);
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 5);
	CU_ASSERT_EQUAL(cv_batch(&cv, 100, 1 << 20, &bt), -1);
	put(&cv, &b, 11, B);
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 1);
	CU_ASSERT_EQUAL(cv_batch(&cv, 3, 1 << 20, &bt), 1);
	CU_ASSERT(bt.rollback && bt.rollback_to == 5 && bt.first == 6 &&
	    bt.count == 3);
	/* a failed first batch keeps its rollback */
	cv_uncommit(&cv, &bt);
	CU_ASSERT_EQUAL(cv_batch(&cv, 3, 1 << 20, &bt), 1);
	CU_ASSERT(bt.rollback && bt.first == 6);
	cv_committed(&cv, &bt);
	CU_ASSERT_EQUAL(cv.tip_height, 8);
	CU_ASSERT(memcmp(cv.tip.b.hash, b.b[8].hash, BLOCK_HASH_LEN) == 0);
	/* later batches are plain appends */
	CU_ASSERT_EQUAL(cv_batch(&cv, 100, 1 << 20, &bt), 1);
	CU_ASSERT(!bt.rollback && bt.first == 9 && bt.count == 3);
	cv_committed(&cv, &bt);
	CU_ASSERT_EQUAL(cv.tip_height, 11);
	cv_reset(&cv);
	/* deeper than max_reorg (5): refused */
	cv_set_tip_link(&cv, &a.b[10]);
	CU_ASSERT_EQUAL(cv_start(&cv, &a.b[4]), -1);
	CU_ASSERT_EQUAL(cv_start(&cv, &a.b[5]), 0);
	/* a base above our tip is not a fork point */
	cv_set_tip_link(&cv, &a.b[3]);
	CU_ASSERT_EQUAL(cv_start(&cv, &a.b[5]), -1);
	cv_free(&cv);
	chain_free(&c, 6);
	chain_free(&b, 6);
	chain_free(&a, 1);
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "ranges spread over all peers, none twice", test_spread },
		{ "cut to a peer's height, window", test_heights_and_window },
		{ "deadline: reassigned, adaptive", test_deadline },
		{ "partial and empty answers", test_partial_empty },
		{ "peer down, peer banned", test_down_and_ban },
		{ "stalling peer at the commit point", test_stall },
		{ "requeue for the leading peer only", test_requeue },
		{ "target rises", test_target },
		{ "hold: only the range at the commit point", test_hold },
		{ "failed lead: backoff, next best", test_lead_backoff },
		{ "strikes: one per failure, a pause, never a ban",
		    test_strikes },
		{ "silent peer: paused after one deadline", test_silent },
		{ "events: deadline, silence, stall, for the log",
		    test_events },
		{ "blocks received in the round", test_round_received },
		{ "chain view: in order, batches", test_cv_linear },
		{ "chain view: bad block, other branch", test_cv_bad },
		{ "fork choice: longest, rollback, depth", test_fork_choice },
		{ "vpool: every item once", test_vpool },
		{ "vpool: started jobs, every item once", test_vpool_start },
		{ "validation: 1 and 4 threads decide alike", test_cv_threads },
	};
	struct tn_suite	 ts = { .name = "planner", .cases = tests,
	    .ncases = TN_NCASES(tests) };

	if (chain_setup(&G, SK) == -1)
		return 1;
	return tn_cunit_run(&ts);
}
