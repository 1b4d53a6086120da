/* SPDX-License-Identifier: ISC */
/*
 * test_syncd_planner.c - syncd's planner against netd's limit of 16
 * requests in flight per peer (syncd/planner.h, PLAN_PEER_REQS): a peer
 * whose answers are short (64 KiB blocks: about 60 of the 256 blocks
 * asked fit in one answer) is never asked more than 16 requests at once,
 * so netd never answers one with nothing and the peer is never struck
 * for it; the requests go on as the answers come.
 */
#include <CUnit/Basic.h>

#include "cunit.h"
#include "planner.h"

/* 127.0.0.2, v4-mapped (netaddr.h) */
#define A	((struct netaddr){ .b = { [10] = 0xff, [11] = 0xff, [12] = 127, \
	    [15] = 2 } })

static void
test_short_answers(void)
{
	struct planner	pl;
	struct plan_req	q[64], req;
	uint64_t	f;
	uint32_t	c;
	double		now = 0;
	int		n = 0, round, i, most = 0, asked;

	planner_init(&pl, 4096, 1024, 256, 10);
	planner_peer_up(&pl, A, 100000);
	planner_reset(&pl, 0, 100000);
	for (round = 0; round < 40; round++) {
		while (n < 64 && planner_next(&pl, now, &req))
			q[n++] = req;
		if (n > most)
			most = n;
		CU_ASSERT(n <= PLAN_PEER_REQS);
		CU_ASSERT_EQUAL(planner_peer(&pl, A)->reqs, (uint32_t)n);
		CU_ASSERT_FATAL(n > 0);
		/* the oldest is answered with 10 blocks: the rest again */
		now += 0.01;
		asked = (int)q[0].count;
		CU_ASSERT_EQUAL(planner_answer(&pl, A, q[0].reqid,
		    asked < 10 ? (uint32_t)asked : 10, now, &f, &c),
		    asked <= 10 ? ANSWER_OK : ANSWER_PARTIAL);
		planner_heard(&pl, A, now);
		for (i = 1; i < n; i++)
			q[i - 1] = q[i];
		n--;
	}
	CU_ASSERT_EQUAL(most, PLAN_PEER_REQS);
	CU_ASSERT_EQUAL(planner_peer(&pl, A)->strikes, 0);
	/* a peer that goes down takes its count with it */
	planner_peer_down(&pl, A);
	CU_ASSERT_EQUAL(planner_peer(&pl, A)->reqs, 0);
	planner_free(&pl);
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "short answers: at most 16 requests to a peer",
		    test_short_answers },
	};
	struct tn_suite	ts = { .name = "planner-reqs", .cases = tests,
	    .ncases = TN_NCASES(tests) };

	return tn_cunit_run(&ts);
}
