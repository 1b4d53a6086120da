/* SPDX-License-Identifier: ISC */
/*
 * test_policy.c - the restart policy of the supervisor (supervisor/policy.c).
 *
 * The policy is a pure function of time, so these tests drive a simulated
 * clock: a worker starts, runs for a while, dies, and the test checks the
 * delay the policy asks for, the doubling and capping of that delay on
 * fast crashes, its reset after a long run, and the restart intensity
 * limit with its sliding window (including the exact boundary).
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cunit.h"
#include "policy.h"

#define EPS	1e-9

/* the policy of the brief: 0.5 s doubling up to 4 s, 5 restarts in 60 s */
static const struct restart_policy base_policy = {
	.delay_min = 0.5,
	.delay_max = 4,
	.fast_crash = 10,
	.window = 60,
	.intensity = 5,
};

/*
 * One life of the worker: started at 'start', dies after 'ran' seconds.
 * Returns the action, the delay in *delay.
 */
static enum restart_action
life(const struct restart_policy *p, struct restart_state *s, double start,
    double ran, double *delay)
{
	restart_started(s, start);
	return restart_on_exit(p, s, start + ran, delay);
}

static void
test_init(void)
{
	struct restart_state s;

	memset(&s, 0xa5, sizeof(s));
	restart_init(&base_policy, &s);
	CU_ASSERT_DOUBLE_EQUAL(s.next_delay, 0.5, EPS);
	CU_ASSERT_EQUAL(s.nhist, 0);
	CU_ASSERT_EQUAL(s.restarts, 0);
}

/* ran longer than fast_crash: restart at once */
static void
test_long_run_no_delay(void)
{
	struct restart_state	s;
	double			d = -1;

	restart_init(&base_policy, &s);
	CU_ASSERT_EQUAL(life(&base_policy, &s, 100, 30, &d), RESTART_AFTER);
	CU_ASSERT_DOUBLE_EQUAL(d, 0, EPS);
	CU_ASSERT_DOUBLE_EQUAL(s.next_delay, 0.5, EPS);
	CU_ASSERT_EQUAL(s.restarts, 1);
}

/* fast_crash itself is not a fast crash: "died sooner" is strict */
static void
test_fast_crash_boundary(void)
{
	struct restart_state	s;
	double			d = -1;

	restart_init(&base_policy, &s);
	CU_ASSERT_EQUAL(life(&base_policy, &s, 0, 10, &d), RESTART_AFTER);
	CU_ASSERT_DOUBLE_EQUAL(d, 0, EPS);

	d = -1;
	CU_ASSERT_EQUAL(life(&base_policy, &s, 20, 9.999, &d), RESTART_AFTER);
	CU_ASSERT_DOUBLE_EQUAL(d, 0.5, EPS);
}

/* 0.5, 1, 2, 4, 4: doubling, capped at delay_max */
static void
test_fast_crash_doubling(void)
{
	struct restart_policy	p = base_policy;
	struct restart_state	s;
	const double		want[] = { 0.5, 1, 2, 4, 4, 4 };
	double			d, t = 1000;
	size_t			i;

	p.intensity = 100;
	restart_init(&p, &s);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		d = -1;
		CU_ASSERT_EQUAL(life(&p, &s, t, 1, &d), RESTART_AFTER);
		CU_ASSERT_DOUBLE_EQUAL(d, want[i], EPS);
		t += 1 + d;
	}
	CU_ASSERT_EQUAL(s.restarts, sizeof(want) / sizeof(want[0]));
}

/* a long run in between resets the delay to delay_min */
static void
test_long_run_resets_delay(void)
{
	struct restart_policy	p = base_policy;
	struct restart_state	s;
	double			d, t = 0;

	p.intensity = 100;
	restart_init(&p, &s);
	life(&p, &s, t, 1, &d);			/* 0.5 */
	t += 1 + d;
	life(&p, &s, t, 1, &d);			/* 1 */
	t += 1 + d;
	life(&p, &s, t, 1, &d);
	CU_ASSERT_DOUBLE_EQUAL(d, 2, EPS);
	t += 1 + d;

	CU_ASSERT_EQUAL(life(&p, &s, t, 500, &d), RESTART_AFTER);
	CU_ASSERT_DOUBLE_EQUAL(d, 0, EPS);
	t += 500;

	CU_ASSERT_EQUAL(life(&p, &s, t, 2, &d), RESTART_AFTER);
	CU_ASSERT_DOUBLE_EQUAL(d, 0.5, EPS);
	t += 2 + d;
	CU_ASSERT_EQUAL(life(&p, &s, t, 2, &d), RESTART_AFTER);
	CU_ASSERT_DOUBLE_EQUAL(d, 1, EPS);
	CU_ASSERT_EQUAL(s.restarts, 6);
}

/* delay_min == delay_max: constant delay */
static void
test_constant_delay(void)
{
	struct restart_policy	p = base_policy;
	struct restart_state	s;
	double			d;
	int			i;

	p.delay_min = p.delay_max = 3;
	p.intensity = 100;
	restart_init(&p, &s);
	for (i = 0; i < 4; i++) {
		d = -1;
		life(&p, &s, i * 100.0, 1, &d);
		CU_ASSERT_DOUBLE_EQUAL(d, 3, EPS);
	}
}

/* intensity 5: five restarts within the window are fine, the sixth fails */
static void
test_intensity_exceeded(void)
{
	struct restart_state	s;
	double			d, t = 0;
	int			i;

	restart_init(&base_policy, &s);
	for (i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(life(&base_policy, &s, t, 11, &d),
		    RESTART_AFTER);
		t += 11;
	}
	CU_ASSERT_EQUAL(s.restarts, 5);
	d = -1;
	CU_ASSERT_EQUAL(life(&base_policy, &s, t, 1, &d), RESTART_FAILED);
	CU_ASSERT_DOUBLE_EQUAL(d, 0, EPS);
	/* a refusal is not a restart */
	CU_ASSERT_EQUAL(s.restarts, 5);
}

/* many restarts, but never more than 5 in any 60 s: never failed */
static void
test_intensity_spread(void)
{
	struct restart_state	s;
	double			d;
	int			i;

	restart_init(&base_policy, &s);
	/* one every 13 s: at most 5 inside any 60 s window */
	for (i = 0; i < 50; i++)
		CU_ASSERT_EQUAL(life(&base_policy, &s, i * 13.0, 12.5, &d),
		    RESTART_AFTER);
	CU_ASSERT_EQUAL(s.restarts, 50);
	CU_ASSERT(s.nhist <= 5);

	/* a burst after older ones left the window */
	restart_init(&base_policy, &s);
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(life(&base_policy, &s, i, 0.5, &d),
		    RESTART_AFTER);
	/* exits at 0.5 .. 4.5; at 64.6 all of them are older than 60 s */
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(life(&base_policy, &s, 64.1 + i, 0.5, &d),
		    RESTART_AFTER);
	CU_ASSERT_EQUAL(life(&base_policy, &s, 70, 0.5, &d), RESTART_FAILED);
	CU_ASSERT_EQUAL(s.restarts, 10);
}

/*
 * The boundary: a restart exactly 'window' seconds ago still counts (it is
 * forgotten only when strictly older than the window).
 */
static void
test_window_boundary(void)
{
	struct restart_policy	p = base_policy;
	struct restart_state	s;
	double			d;

	p.intensity = 2;
	p.window = 8;		/* exact in binary floating point */
	restart_init(&p, &s);
	CU_ASSERT_EQUAL(life(&p, &s, 0, 20, &d), RESTART_AFTER);	/* 20 */
	CU_ASSERT_EQUAL(life(&p, &s, 20, 20, &d), RESTART_AFTER);	/* 40 */
	/* at 48: 48 - 40 == window, so 40 still counts; 1 < 2 */
	CU_ASSERT_EQUAL(life(&p, &s, 40, 8, &d), RESTART_AFTER);	/* 48 */
	CU_ASSERT_EQUAL(s.nhist, 2);
	/* at 56: 40 is out, 48 (exactly window ago) is in; 1 < 2 */
	CU_ASSERT_EQUAL(life(&p, &s, 48, 8, &d), RESTART_AFTER);	/* 56 */
	CU_ASSERT_EQUAL(s.nhist, 2);

	restart_init(&p, &s);
	CU_ASSERT_EQUAL(life(&p, &s, 0, 20, &d), RESTART_AFTER);	/* 20 */
	CU_ASSERT_EQUAL(life(&p, &s, 20, 4, &d), RESTART_AFTER);	/* 24 */
	/* 28 - 20 == window: the restart at 20 still counts */
	CU_ASSERT_EQUAL(life(&p, &s, 24, 4, &d), RESTART_FAILED);	/* 28 */

	restart_init(&p, &s);
	CU_ASSERT_EQUAL(life(&p, &s, 0, 20, &d), RESTART_AFTER);	/* 20 */
	CU_ASSERT_EQUAL(life(&p, &s, 20, 4, &d), RESTART_AFTER);	/* 24 */
	/* just past it, the restart at 20 is forgotten */
	CU_ASSERT_EQUAL(life(&p, &s, 24, 4.001, &d), RESTART_AFTER);
	CU_ASSERT_EQUAL(s.restarts, 3);
}

/* intensity 1: one restart per window, a second one inside it fails */
static void
test_intensity_one(void)
{
	struct restart_policy	p = base_policy;
	struct restart_state	s;
	double			d;

	p.intensity = 1;
	restart_init(&p, &s);
	CU_ASSERT_EQUAL(life(&p, &s, 0, 100, &d), RESTART_AFTER); /* 100 */
	CU_ASSERT_DOUBLE_EQUAL(d, 0, EPS);
	CU_ASSERT_EQUAL(life(&p, &s, 100, 59, &d), RESTART_FAILED); /* 159 */

	restart_init(&p, &s);
	CU_ASSERT_EQUAL(life(&p, &s, 0, 1, &d), RESTART_AFTER);		/* 1 */
	CU_ASSERT_DOUBLE_EQUAL(d, 0.5, EPS);
	CU_ASSERT_EQUAL(life(&p, &s, 1.5, 60, &d), RESTART_AFTER); /* 61.5 */
	CU_ASSERT_DOUBLE_EQUAL(d, 0, EPS);
	CU_ASSERT_EQUAL(life(&p, &s, 61.5, 121, &d), RESTART_AFTER);
	CU_ASSERT_EQUAL(s.restarts, 3);
	CU_ASSERT_EQUAL(s.nhist, 1);
}

/* the restart counter counts fast and slow restarts alike */
static void
test_restart_counter(void)
{
	struct restart_policy	p = base_policy;
	struct restart_state	s;
	double			d, t = 0;
	unsigned		i;

	p.intensity = 1000;
	restart_init(&p, &s);
	for (i = 0; i < 20; i++) {
		life(&p, &s, t, (i % 2) ? 1 : 50, &d);
		t += ((i % 2) ? 1 : 50) + d;
		CU_ASSERT_EQUAL(s.restarts, i + 1);
	}
}

/* the history never overflows, even at the maximum intensity */
static void
test_max_intensity(void)
{
	struct restart_policy	p = base_policy;
	struct restart_state	s;
	double			d;
	int			i, ok = 0;

	p.intensity = 1000;
	p.window = 1e9;
	restart_init(&p, &s);
	for (i = 0; i < 1000; i++)
		if (life(&p, &s, i * 100.0, 50, &d) == RESTART_AFTER)
			ok++;
	CU_ASSERT_EQUAL(ok, 1000);
	CU_ASSERT_EQUAL(s.nhist, 1000);
	CU_ASSERT_EQUAL(life(&p, &s, 1e6, 50, &d), RESTART_FAILED);
	CU_ASSERT_EQUAL(s.nhist, 1000);
}

/* answers of the instance a restart replaced are told apart, across wrap */
static void
test_heartbeat_current(void)
{
	CU_ASSERT_TRUE(heartbeat_current(10, 10));
	CU_ASSERT_TRUE(heartbeat_current(10, 11));
	CU_ASSERT_FALSE(heartbeat_current(10, 9));
	CU_ASSERT_FALSE(heartbeat_current(10, 0));
	/* the counter wrapped since the start: still current */
	CU_ASSERT_TRUE(heartbeat_current(0xfffffff0u, 3));
	CU_ASSERT_FALSE(heartbeat_current(3, 0xfffffff0u));
	CU_ASSERT_TRUE(heartbeat_current(0xffffffffu, 0));
	CU_ASSERT_FALSE(heartbeat_current(0, 0xffffffffu));
}

/*
 * The hang rule (policy.h): the deadline counts the worker's own time,
 * not the time the machine kept it from a CPU, up to HANG_WALL_FACTOR
 * deadlines of silence; nonsense starvation figures are clamped.
 */
static void
test_hang_judge(void)
{
	/* nothing starved: the deadline is wall time, as it always was */
	CU_ASSERT(!hang_judge(5.0, 0, 5));
	CU_ASSERT(hang_judge(5.01, 0, 5));
	/* 400 processes on 2 cores: 8 s silent, 6 of them waiting */
	CU_ASSERT(!hang_judge(8, 6, 5));
	CU_ASSERT(hang_judge(8, 2.9, 5));
	/* starved for ever is still hung after six deadlines */
	CU_ASSERT(!hang_judge(5.0 * HANG_WALL_FACTOR, 5.0 * HANG_WALL_FACTOR,
	    5));
	CU_ASSERT(hang_judge(5.0 * HANG_WALL_FACTOR + 0.01,
	    5.0 * HANG_WALL_FACTOR, 5));
	/* more starved than silent, or negative (threads gone): clamped */
	CU_ASSERT(!hang_judge(6, 100, 5));
	CU_ASSERT(hang_judge(6, -3, 5));
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "init", test_init },
		{ "long run: no delay", test_long_run_no_delay },
		{ "fast crash boundary", test_fast_crash_boundary },
		{ "fast crash doubling", test_fast_crash_doubling },
		{ "long run resets delay", test_long_run_resets_delay },
		{ "constant delay", test_constant_delay },
		{ "intensity exceeded", test_intensity_exceeded },
		{ "intensity spread", test_intensity_spread },
		{ "window boundary", test_window_boundary },
		{ "intensity 1", test_intensity_one },
		{ "restart counter", test_restart_counter },
		{ "max intensity", test_max_intensity },
		{ "heartbeat current", test_heartbeat_current },
		{ "hang rule: own time, not the machine's", test_hang_judge },
	};
	struct tn_suite	 ts = { .name = "policy", .cases = tests,
	    .ncases = TN_NCASES(tests) };

	return tn_cunit_run(&ts);
}
