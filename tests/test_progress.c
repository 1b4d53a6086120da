/* SPDX-License-Identifier: ISC */
/*
 * test_progress.c - a catch-up's progress, ETA and log lines
 * (supervisor/progress.c, issue 13 item 7).
 *
 * The arithmetic from heartbeat answers (no rate yet: unknown, never a
 * division by zero; idle or caught up: 100 % and nothing left), the ETA
 * for people, and the bound on log lines: at most one per
 * CATCHUP_LOG_INTERVAL while catching up, however often it is asked, one
 * line at the end of a long catch-up, none for the short ones that follow
 * each announced block.
 */
#include <string.h>

#include <CUnit/Basic.h>

#include "cunit.h"
#include "progress.h"

static void
set(struct ipc_status_stored *st, struct ipc_status_syncd *sy,
    uint64_t height, int catching_up, uint64_t target, uint64_t rate_milli)
{
	memset(st, 0, sizeof(*st));
	memset(sy, 0, sizeof(*sy));
	st->height = height;
	sy->state = catching_up ? SYNC_CATCHING_UP : SYNC_IDLE;
	sy->target_height = target;
	sy->rate_milli = rate_milli;
}

static void
test_compute(void)
{
	struct ipc_status_stored	st;
	struct ipc_status_syncd		sy;
	struct catchup			p;

	set(&st, &sy, 250, 1, 1000, 50000);	/* 50 blocks/s */
	catchup_compute(&st, &sy, &p);
	CU_ASSERT(p.active);
	CU_ASSERT_DOUBLE_EQUAL(p.percent, 25.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(p.eta_s, 15.0, 1e-9);

	set(&st, &sy, 250, 1, 1000, 0);		/* no rate yet */
	catchup_compute(&st, &sy, &p);
	CU_ASSERT(p.active);
	CU_ASSERT_EQUAL(p.eta_s, -1);

	set(&st, &sy, 1000, 1, 1000, 7000);	/* there */
	catchup_compute(&st, &sy, &p);
	CU_ASSERT(!p.active);
	CU_ASSERT_DOUBLE_EQUAL(p.percent, 100.0, 1e-9);
	CU_ASSERT_EQUAL(p.eta_s, 0);

	set(&st, &sy, 5, 0, 0, 0);		/* idle, no target */
	catchup_compute(&st, &sy, &p);
	CU_ASSERT(!p.active);
	CU_ASSERT_DOUBLE_EQUAL(p.percent, 100.0, 1e-9);

	set(&st, &sy, 0, 1, UINT64_MAX, 1);	/* extremes */
	catchup_compute(&st, &sy, &p);
	CU_ASSERT(p.active);
	CU_ASSERT(p.percent >= 0 && p.percent < 1);
	CU_ASSERT(p.eta_s > 0);
}

static void
test_eta_str(void)
{
	char buf[32];

	CU_ASSERT_STRING_EQUAL(catchup_eta_str(-1, buf, sizeof(buf)), "?");
	CU_ASSERT_STRING_EQUAL(catchup_eta_str(0, buf, sizeof(buf)), "0s");
	CU_ASSERT_STRING_EQUAL(catchup_eta_str(42.4, buf, sizeof(buf)), "42s");
	CU_ASSERT_STRING_EQUAL(catchup_eta_str(190, buf, sizeof(buf)),
	    "3m10s");
	CU_ASSERT_STRING_EQUAL(catchup_eta_str(7500, buf, sizeof(buf)),
	    "2h05m");
	CU_ASSERT_STRING_EQUAL(catchup_eta_str(1e300, buf, sizeof(buf)),
	    "more than a day");
}

/* lines logged by calls every step s from t0 to t1 with progress p */
static int
lines(struct catchup_log *l, const struct catchup *p, double t0, double t1,
    double step, char *last, size_t len)
{
	double	t;
	int	n = 0;

	for (t = t0; t < t1; t += step)
		n += catchup_log_line(l, p, t, last, len);
	return n;
}

static void
test_log_rate(void)
{
	struct catchup_log	l;
	struct catchup		on = { 1, 100, 1000, 10, 10, 90 }, off;
	char			line[160];
	int			n;

	memset(&l, 0, sizeof(l));
	off = on;
	off.active = 0;
	/* a 100 s catch-up asked 100 times a second: 9 or 10 lines */
	n = lines(&l, &on, 1000, 1100, 0.01, line, sizeof(line));
	CU_ASSERT(n >= 9 && n <= 10);
	CU_ASSERT(strstr(line, "height 100 of 1000 claimed by peers") != NULL);
	CU_ASSERT(strstr(line, "1m30s left") != NULL);
	/* its end: one line, then nothing */
	CU_ASSERT_EQUAL(lines(&l, &off, 1100, 1101, 0.01, line,
	    sizeof(line)), 1);
	CU_ASSERT(strstr(line, "catch-up done") != NULL);
	CU_ASSERT_EQUAL(lines(&l, &off, 1101, 1200, 0.01, line,
	    sizeof(line)), 0);
	/* one block announced every second, fetched within it: no line */
	for (n = 0; n < 100; n++) {
		CU_ASSERT_EQUAL(lines(&l, &on, 2000 + n, 2000.5 + n, 0.1,
		    line, sizeof(line)), 0);
		CU_ASSERT_EQUAL(lines(&l, &off, 2000.5 + n, 2001 + n, 0.1,
		    line, sizeof(line)), 0);
	}
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "progress and ETA", test_compute },
		{ "ETA for people", test_eta_str },
		{ "log lines bounded", test_log_rate },
	};
	struct tn_suite ts = { .name = "progress", .cases = tests,
	    .ncases = TN_NCASES(tests) };

	return tn_cunit_run(&ts);
}
