/* SPDX-License-Identifier: ISC */
/*
 * test_lograte.c - the rate limiter of log lines that peers cause
 * (common/lograte.c; issue 11, item 2), on a simulated clock: the per
 * peer and kind bucket, the total, the summaries, the bounded table.
 */
#include <CUnit/Basic.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cunit.h"
#include "log.h"
#include "lograte.h"

#define IP(d)	netaddr_from_v4(0x7f000000u | (uint32_t)(d))

static struct lograte	lr;

/* n lines of (ip, kind) spread evenly over [t0, t0 + secs): how many pass */
static int
burst(struct netaddr ip, unsigned kind, int n, double t0, double secs)
{
	int i, ok = 0;

	for (i = 0; i < n; i++)
		ok += lograte_take(&lr, ip, kind, LOGRATE_INFO, "a line",
		    t0 + secs * i / n);
	return ok;
}

/* 600 lines of one peer in a second: the key's burst, then summaries */
static void
test_one_peer(void)
{
	int ok;

	lograte_init(&lr);
	CU_ASSERT_EQUAL(burst(IP(2), 0, 600, 100.0, 1.0), LOGRATE_KEY_BURST);
	CU_ASSERT_EQUAL(lr.c.suppressed, 600 - LOGRATE_KEY_BURST);
	/* another kind of the same peer has its own bucket */
	CU_ASSERT_EQUAL(burst(IP(2), 1, 10, 101.0, 0.1), LOGRATE_KEY_BURST);
	/* no summary before the window ends, one per key after */
	CU_ASSERT_EQUAL(lograte_tick(&lr, 105.0), 0);
	CU_ASSERT_EQUAL(lograte_tick(&lr, 112.0), 2);
	CU_ASSERT_EQUAL(lograte_tick(&lr, 130.0), 0);
	CU_ASSERT_EQUAL(lr.c.summaries, 2);
	/* refilled: one line per LOGRATE_KEY_EVERY_S after the burst */
	ok = burst(IP(2), 0, 100, 200.0, 100.0);
	CU_ASSERT(ok >= LOGRATE_KEY_BURST + 100 / (int)LOGRATE_KEY_EVERY_S - 2
	    && ok <= LOGRATE_KEY_BURST + 100 / (int)LOGRATE_KEY_EVERY_S);
}

/* many peers: the total bucket holds, summaries included */
static void
test_many_peers(void)
{
	double	t;
	int	i, ok = 0, sums = 0;

	lograte_init(&lr);
	for (t = 0; t < 60.0; t += 0.01) {
		for (i = 0; i < 10; i++)
			ok += lograte_take(&lr, IP(10 + (uint32_t)
			    ((t * 100 + i) * 7) % 5000), 3, LOGRATE_INFO,
			    "x", 1000.0 + t);
		sums += lograte_tick(&lr, 1000.0 + t);
	}
	printf("\n  60 s, 1000 lines/s from 5000 addresses: %d written, %d "
	    "summaries, %llu suppressed\n", ok, sums,
	    (unsigned long long)lr.c.suppressed);
	CU_ASSERT(ok + sums <= LOGRATE_TOTAL_BURST + 60 * LOGRATE_TOTAL_PER_S
	    + 1);
	CU_ASSERT(ok + lr.c.suppressed == 60 * 1000 ||
	    ok + lr.c.suppressed == 60 * 1000 + 10);
	CU_ASSERT(lr.overflow.used);	/* the table stayed bounded */
}

/* debug lines cost nothing while debug logging is off */
static void
test_debug_free(void)
{
	lograte_init(&lr);
	CU_ASSERT_EQUAL(lograte_take(&lr, IP(3), 0, LOGRATE_DEBUG, "d", 1.0),
	    0);
	CU_ASSERT_EQUAL(lr.c.suppressed, 0);
	CU_ASSERT_EQUAL(burst(IP(3), 0, 5, 1.0, 0.1), 5);
}

/*
 * Issue 11, review finding C: a summary written 10 s after the line it repeats read
 * as news ("connected ... and 1 more" after the same peer's "closed").
 * It says the window it covers and when its last line happened, in the
 * log's clock (UTC).
 */
static void
test_summary_window(void)
{
	char	line[512];
	int	i;

	lograte_init(&lr);
	/* 12:00:00 UTC on 1 Jan 2026 is at monotonic 100 */
	for (i = 0; i < LOGRATE_KEY_BURST; i++)
		CU_ASSERT(lograte_take(&lr, IP(4), 0, LOGRATE_INFO, "x", 100.0));
	CU_ASSERT(!lograte_take(&lr, IP(4), 0, LOGRATE_INFO,
	    "127.0.12.1 inbound: connected", 103.0));
	lograte_summary(&lr.keys[0], 0, 113.0, 1767268800.0 + 13.0, line,
	    sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "127.0.12.1 inbound: connected (held "
	    "back: at 12:00:03, 10 s ago)");
	CU_ASSERT(!lograte_take(&lr, IP(4), 0, LOGRATE_INFO,
	    "127.0.12.1 inbound: closed", 105.0));
	lograte_summary(&lr.keys[0], 0, 113.0, 1767268800.0 + 13.0, line,
	    sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "127.0.12.1 inbound: closed ... and 1 "
	    "more like it in the 10 s since 12:00:03 (the last at 12:00:05)");
	lograte_summary(&lr.keys[0], 1, 113.0, 1767268800.0 + 13.0, line,
	    sizeof(line));
	CU_ASSERT(strstr(line, "more like it from other peers in the 10 s "
	    "since 12:00:03") != NULL);
	CU_ASSERT_EQUAL(lograte_tick(&lr, 113.0), 1);
	CU_ASSERT_EQUAL(lr.keys[0].refused, 0);
}

int
main(int argc, char **argv)
{
	static const struct tn_case tests[] = {
		{ "one peer: its bucket and a summary", test_one_peer },
		{ "many peers: the total holds", test_many_peers },
		{ "debug lines free when off", test_debug_free },
		{ "a summary says the window it covers", test_summary_window },
	};
	struct tn_suite	 ts = { .name = "lograte", .cases = tests,
	    .ncases = TN_NCASES(tests), .only = argc > 1 ? argv[1] : NULL };
	int		 fd;

	log_init("test", 0);
	/* the lines it lets through are not what this test reads */
	if ((fd = open("/dev/null", O_WRONLY)) != -1)
		dup2(fd, STDERR_FILENO);
	return tn_cunit_run(&ts);
}
