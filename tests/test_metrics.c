/* SPDX-License-Identifier: ISC */
/*
 * test_metrics.c - the Prometheus text writer (supervisor/metrics.c) and
 * the latency histograms' buckets (ipc_hist_observe, ipc/msg.c).
 *
 * Label values escaped per the exposition format (backslash, double
 * quote, line feed), HELP text too (backslash, line feed; a quote stays),
 * HELP and TYPE once per family, histogram buckets cumulative with
 * le="+Inf" equal to _count, integers printed in full, floats as short as
 * reads back exactly, and the size bound.
 */
#include <sys/wait.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cunit.h"
#include "ipc.h"
#include "metrics.h"

static void
test_escape(void)
{
	char	out[64];
	size_t	n;

	n = metrics_escape("a\\b\"c\nd", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "a\\\\b\\\"c\\nd");
	CU_ASSERT_EQUAL(n, strlen("a\\\\b\\\"c\\nd"));
	/* truncated, NUL-terminated, the full length returned */
	n = metrics_escape("\"\"\"\"", out, 4);
	CU_ASSERT_STRING_EQUAL(out, "\\\"\\");
	CU_ASSERT_EQUAL(n, 8);
	n = metrics_escape("plain é", out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "plain é");
}

static void
test_family_sample(void)
{
	struct metrics		m;
	struct metrics_label	l[2] = { { "worker", "net\"d\n" },
	    { "reason", "a\\b" } };

	metrics_init(&m);
	metrics_family(&m, "timenode_x_total", "counter",
	    "Help with \\ and\nnewline and \"quote\".");
	metrics_sample_u64(&m, "timenode_x_total", l, 2, UINT64_MAX);
	metrics_sample(&m, "timenode_x_total", NULL, 0, 0.005);
	metrics_sample(&m, "timenode_x_total", l, 1, INFINITY);
	metrics_sample(&m, "timenode_x_total", l, 1, NAN);
	metrics_sample(&m, "timenode_x_total", l, 1, 0.1 + 0.2);
	CU_ASSERT_FALSE(m.failed);
	CU_ASSERT_STRING_EQUAL(m.buf,
	    "# HELP timenode_x_total Help with \\\\ and\\nnewline and "
	    "\"quote\".\n"
	    "# TYPE timenode_x_total counter\n"
	    "timenode_x_total{worker=\"net\\\"d\\n\",reason=\"a\\\\b\"} "
	    "18446744073709551615\n"
	    "timenode_x_total 0.005\n"
	    "timenode_x_total{worker=\"net\\\"d\\n\"} +Inf\n"
	    "timenode_x_total{worker=\"net\\\"d\\n\"} NaN\n"
	    "timenode_x_total{worker=\"net\\\"d\\n\"} 0.30000000000000004\n");
	CU_ASSERT_EQUAL(m.len, strlen(m.buf));
	metrics_free(&m);
}

static void
test_histogram(void)
{
	static const double	bounds[] = { 0.1, 1, 2.5 };
	static const uint64_t	counts[] = { 2, 0, 3, 4 };
	struct metrics_hist	h = { bounds, 3, counts, 12.5 };
	struct metrics_label	l[1] = { { "worker", "netd" } };
	struct metrics		m;

	metrics_init(&m);
	metrics_family(&m, "t_seconds", "histogram", "h");
	metrics_histogram(&m, "t_seconds", l, 1, &h);
	metrics_histogram(&m, "t_seconds", NULL, 0, &h);
	CU_ASSERT_FALSE(m.failed);
	CU_ASSERT_STRING_EQUAL(m.buf,
	    "# HELP t_seconds h\n# TYPE t_seconds histogram\n"
	    "t_seconds_bucket{worker=\"netd\",le=\"0.1\"} 2\n"
	    "t_seconds_bucket{worker=\"netd\",le=\"1\"} 2\n"
	    "t_seconds_bucket{worker=\"netd\",le=\"2.5\"} 5\n"
	    "t_seconds_bucket{worker=\"netd\",le=\"+Inf\"} 9\n"
	    "t_seconds_sum{worker=\"netd\"} 12.5\n"
	    "t_seconds_count{worker=\"netd\"} 9\n"
	    "t_seconds_bucket{le=\"0.1\"} 2\n"
	    "t_seconds_bucket{le=\"1\"} 2\n"
	    "t_seconds_bucket{le=\"2.5\"} 5\n"
	    "t_seconds_bucket{le=\"+Inf\"} 9\n"
	    "t_seconds_sum 12.5\n"
	    "t_seconds_count 9\n");
	metrics_free(&m);
}

/*
 * Prometheus' own parser (promtool check metrics) reads what the writer
 * escapes: backslash, quote and line feed in label values and HELP, a
 * histogram, +Inf and NaN.
 */
static void
test_promtool(void)
{
	static const double	bounds[] = { 0.5, 1 };
	static const uint64_t	counts[] = { 1, 2, 3 };
	struct metrics_hist	h = { bounds, 2, counts, 7.25 };
	struct metrics_label	l[2] = { { "worker", "a\\b\"c\nd" },
	    { "reason", "" } };
	struct metrics		m;
	FILE			*p;
	int			 st;

	if (system("command -v promtool >/dev/null 2>&1") != 0) {
		printf("\n  promtool not installed (Debian package prometheus): "
		    "not checked\n");
		return;
	}
	metrics_init(&m);
	metrics_family(&m, "timenode_odd_total", "counter",
	    "Help with \\ and \"quotes\" and a\nline feed.");
	metrics_sample_u64(&m, "timenode_odd_total", l, 2, UINT64_MAX);
	metrics_family(&m, "timenode_odd_seconds", "histogram", "A histogram.");
	metrics_histogram(&m, "timenode_odd_seconds", l, 1, &h);
	metrics_family(&m, "timenode_odd", "gauge", "Odd values.");
	metrics_sample(&m, "timenode_odd", l, 1, INFINITY);
	metrics_sample(&m, "timenode_odd", l + 1, 1, NAN);
	CU_ASSERT_FATAL(!m.failed);
	CU_ASSERT_FATAL((p = popen("promtool check metrics", "w")) != NULL);
	fputs(m.buf, p);
	st = pclose(p);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fputs(m.buf, stdout);
	metrics_free(&m);
}

/* the writer stops at METRICS_MAX_BYTES and says so */
static void
test_bound(void)
{
	struct metrics	m;
	int		i;

	metrics_init(&m);
	for (i = 0; i < 1000000 && !m.failed; i++)
		metrics_sample(&m, "timenode_a_long_enough_name", NULL, 0, i);
	CU_ASSERT(m.failed);
	CU_ASSERT(m.len < METRICS_MAX_BYTES);
	CU_ASSERT(i < 1000000);
	metrics_free(&m);
}

/* an observation on a bound falls in that bucket (le: less or equal) */
static void
test_hist_observe(void)
{
	struct ipc_hist	h;
	int		i;

	memset(&h, 0, sizeof(h));
	ipc_hist_observe(&h, 0);
	ipc_hist_observe(&h, -1);		/* a clock step: 0 */
	ipc_hist_observe(&h, 0.001);		/* first bound */
	ipc_hist_observe(&h, 0.0011);
	ipc_hist_observe(&h, 10);		/* last bound */
	ipc_hist_observe(&h, 10.5);		/* above: +Inf */
	ipc_hist_observe(&h, NAN);		/* 0 */
	CU_ASSERT_EQUAL(h.counts[0], 4);
	CU_ASSERT_EQUAL(h.counts[1], 1);
	CU_ASSERT_EQUAL(h.counts[IPC_HIST_NBOUNDS - 1], 1);
	CU_ASSERT_EQUAL(h.counts[IPC_HIST_NBOUNDS], 1);
	CU_ASSERT_EQUAL(h.sum_us, 1000 + 1100 + 10000000 + 10500000);
	for (i = 1; i < IPC_HIST_NBOUNDS; i++)
		CU_ASSERT(ipc_hist_bounds_s[i] > ipc_hist_bounds_s[i - 1]);
}

int
main(int argc, char **argv)
{
	static const struct tn_case tests[] = {
		{ "escape", test_escape },
		{ "family and samples", test_family_sample },
		{ "histogram", test_histogram },
		{ "promtool reads it", test_promtool },
		{ "size bound", test_bound },
		{ "histogram buckets", test_hist_observe },
	};
	struct tn_suite ts = { .name = "metrics", .cases = tests,
	    .ncases = TN_NCASES(tests), .only = argc > 1 ? argv[1] : NULL };

	return tn_cunit_run(&ts);
}
