/* SPDX-License-Identifier: ISC */
/*
 * test_catchup.c - the catch-up's transition table (syncd/catchup.c),
 * alone: a round's steps in order, a round that ends while a batch is in
 * stored's hands (CS_DRAIN), the leading peer lost while locating and
 * while fetching, and events that have no place in a state refused (a
 * step skipped or taken twice, a round "ended" that is not on).
 */
#include <CUnit/Basic.h>

#include "catchup.h"
#include "cunit.h"

#define NEXT(st, ev)		catchup_next((st), (ev), 0)
#define NEXT_BATCH(st, ev)	catchup_next((st), (ev), 1)

/* a round from the start to caught up: every step moves one state on */
static void
test_round(void)
{
	CU_ASSERT_EQUAL(NEXT(CS_START, CE_TIP_LOADED), CS_IDLE);
	CU_ASSERT_EQUAL(NEXT(CS_IDLE, CE_LEAD_CHOSEN), CS_LOCATOR);
	CU_ASSERT_EQUAL(NEXT(CS_LOCATOR, CE_LOCATOR_READ), CS_ASK_LEAD);
	CU_ASSERT_EQUAL(NEXT(CS_ASK_LEAD, CE_LEAD_ANSWERED), CS_FORK_BLOCK);
	CU_ASSERT_EQUAL(NEXT(CS_FORK_BLOCK, CE_FORK_LINKED), CS_FETCH);
	CU_ASSERT_EQUAL(NEXT(CS_FETCH, CE_ROUND_END), CS_IDLE);
	/* stored's tip re-read, a batch answered: no step of the round */
	CU_ASSERT_EQUAL(NEXT(CS_IDLE, CE_TIP_LOADED), CS_IDLE);
	CU_ASSERT_EQUAL(NEXT(CS_FETCH, CE_TIP_LOADED), CS_FETCH);
	CU_ASSERT_EQUAL(NEXT(CS_FETCH, CE_BATCH_DONE), CS_FETCH);
}

/*
 * assumevalid with the checkpoint's height unknown: headers first, then
 * fetch; a round that ends or loses its lead meanwhile ends as while
 * locating; the step is not taken twice or out of place.
 */
static void
test_headers(void)
{
	CU_ASSERT_EQUAL(NEXT(CS_FORK_BLOCK, CE_HEADERS_WANTED), CS_HEADERS);
	CU_ASSERT_EQUAL(NEXT(CS_HEADERS, CE_HEADERS_DONE), CS_FETCH);
	CU_ASSERT_EQUAL(NEXT(CS_HEADERS, CE_LEAD_LOST), CS_IDLE);
	CU_ASSERT_EQUAL(NEXT(CS_HEADERS, CE_ROUND_END), CS_IDLE);
	CU_ASSERT_EQUAL(NEXT_BATCH(CS_HEADERS, CE_ROUND_END), CS_DRAIN);
	CU_ASSERT_EQUAL(NEXT(CS_HEADERS, CE_BATCH_DONE), CS_HEADERS);
	CU_ASSERT_EQUAL(NEXT(CS_HEADERS, CE_HEADERS_WANTED), CS_REFUSED);
	CU_ASSERT_EQUAL(NEXT(CS_HEADERS, CE_FORK_LINKED), CS_REFUSED);
	CU_ASSERT_EQUAL(NEXT(CS_FETCH, CE_HEADERS_DONE), CS_REFUSED);
	CU_ASSERT_EQUAL(NEXT(CS_ASK_LEAD, CE_HEADERS_WANTED), CS_REFUSED);
	CU_ASSERT_EQUAL(NEXT(CS_IDLE, CE_HEADERS_DONE), CS_REFUSED);
	CU_ASSERT(catchup_in_round(CS_HEADERS) &&
	    !catchup_fetching(CS_HEADERS));
}

/* a round that ends with a batch in stored's hands waits for its answer */
static void
test_drain(void)
{
	enum catchup_state st;

	for (st = CS_LOCATOR; st <= CS_FETCH; st++)
		CU_ASSERT_EQUAL(NEXT_BATCH(st, CE_ROUND_END), CS_DRAIN);
	CU_ASSERT_EQUAL(NEXT_BATCH(CS_DRAIN, CE_ROUND_END), CS_DRAIN);
	CU_ASSERT_EQUAL(NEXT(CS_DRAIN, CE_ROUND_END), CS_DRAIN);
	CU_ASSERT_EQUAL(NEXT_BATCH(CS_DRAIN, CE_BATCH_DONE), CS_DRAIN);
	CU_ASSERT_EQUAL(NEXT(CS_DRAIN, CE_BATCH_DONE), CS_IDLE);
	/* no new round, and no step of the old one, while draining */
	CU_ASSERT_EQUAL(NEXT(CS_DRAIN, CE_LEAD_CHOSEN), CS_REFUSED);
	CU_ASSERT_EQUAL(NEXT(CS_DRAIN, CE_FORK_LINKED), CS_REFUSED);
}

/* the lead lost ends a round that is locating; fetching goes on */
static void
test_lead_lost(void)
{
	CU_ASSERT_EQUAL(NEXT(CS_LOCATOR, CE_LEAD_LOST), CS_IDLE);
	CU_ASSERT_EQUAL(NEXT(CS_ASK_LEAD, CE_LEAD_LOST), CS_IDLE);
	CU_ASSERT_EQUAL(NEXT(CS_FORK_BLOCK, CE_LEAD_LOST), CS_IDLE);
	CU_ASSERT_EQUAL(NEXT(CS_FETCH, CE_LEAD_LOST), CS_FETCH);
	CU_ASSERT_EQUAL(NEXT(CS_DRAIN, CE_LEAD_LOST), CS_DRAIN);
	CU_ASSERT_EQUAL(NEXT(CS_IDLE, CE_LEAD_LOST), CS_IDLE);
}

/* events with no place in a state are refused, not acted on */
static void
test_refused(void)
{
	enum catchup_event ev;

	/* before stored's tip, only the tip */
	for (ev = 0; ev < CE_NEVENTS; ev++)
		if (ev != CE_TIP_LOADED)
			CU_ASSERT_EQUAL(NEXT(CS_START, ev), CS_REFUSED);
	/* steps skipped */
	CU_ASSERT_EQUAL(NEXT(CS_IDLE, CE_LOCATOR_READ), CS_REFUSED);
	CU_ASSERT_EQUAL(NEXT(CS_IDLE, CE_FORK_LINKED), CS_REFUSED);
	CU_ASSERT_EQUAL(NEXT(CS_LOCATOR, CE_LEAD_ANSWERED), CS_REFUSED);
	CU_ASSERT_EQUAL(NEXT(CS_LOCATOR, CE_FORK_LINKED), CS_REFUSED);
	CU_ASSERT_EQUAL(NEXT(CS_ASK_LEAD, CE_FORK_LINKED), CS_REFUSED);
	/* steps taken twice, or a second round over the first */
	CU_ASSERT_EQUAL(NEXT(CS_ASK_LEAD, CE_LOCATOR_READ), CS_REFUSED);
	CU_ASSERT_EQUAL(NEXT(CS_FETCH, CE_FORK_LINKED), CS_REFUSED);
	CU_ASSERT_EQUAL(NEXT(CS_FETCH, CE_LEAD_CHOSEN), CS_REFUSED);
	CU_ASSERT_EQUAL(NEXT(CS_LOCATOR, CE_LEAD_CHOSEN), CS_REFUSED);
	/* no round to end */
	CU_ASSERT_EQUAL(NEXT(CS_IDLE, CE_ROUND_END), CS_REFUSED);
}

/*
 * The whole table: every answer is a state or CS_REFUSED; a round starts
 * only from CS_IDLE, fetching only from the linked fork block, and
 * CS_START is never entered again.
 */
static void
test_table(void)
{
	enum catchup_state	st, n;
	enum catchup_event	ev;
	int			b;

	for (st = 0; st < CS_NSTATES; st++) {
		CU_ASSERT_PTR_NOT_NULL(catchup_state_names[st]);
		for (ev = 0; ev < CE_NEVENTS; ev++)
			for (b = 0; b < 2; b++) {
				n = catchup_next(st, ev, b);
				CU_ASSERT(n == CS_REFUSED ||
				    (n >= 0 && n < CS_NSTATES));
				CU_ASSERT(n != CS_START);
				if (n == CS_LOCATOR && st != CS_LOCATOR)
					CU_ASSERT(st == CS_IDLE &&
					    ev == CE_LEAD_CHOSEN);
				if (n == CS_FETCH && st != CS_FETCH)
					CU_ASSERT((st == CS_FORK_BLOCK &&
					    ev == CE_FORK_LINKED) ||
					    (st == CS_HEADERS &&
					    ev == CE_HEADERS_DONE));
				if (n == CS_HEADERS && st != CS_HEADERS)
					CU_ASSERT(st == CS_FORK_BLOCK &&
					    ev == CE_HEADERS_WANTED);
			}
	}
	for (ev = 0; ev < CE_NEVENTS; ev++)
		CU_ASSERT_PTR_NOT_NULL(catchup_event_names[ev]);
	CU_ASSERT_EQUAL(NEXT(CS_NSTATES, CE_TIP_LOADED), CS_REFUSED);
	CU_ASSERT(catchup_in_round(CS_DRAIN) && !catchup_in_round(CS_IDLE) &&
	    !catchup_in_round(CS_START));
	CU_ASSERT(catchup_fetching(CS_DRAIN) && !catchup_fetching(CS_ASK_LEAD));
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "a round, step by step", test_round },
		{ "headers first", test_headers },
		{ "a round ends with a batch in stored's hands", test_drain },
		{ "the leading peer lost", test_lead_lost },
		{ "events out of place refused", test_refused },
		{ "the whole table", test_table },
	};
	struct tn_suite ts = { .name = "catchup", .cases = tests,
	    .ncases = TN_NCASES(tests) };

	return tn_cunit_run(&ts);
}
