/* SPDX-License-Identifier: ISC */
/*
 * catchup.c - the catch-up's transition table (see catchup.h).  Kept
 * apart from syncd.c, without its state, so that the table is read in
 * one place and tested alone.
 */
#include "catchup.h"

const char *const catchup_state_names[CS_NSTATES] = {
	"start", "idle", "locator", "ask-lead", "fork-block", "headers",
	"fetch", "drain"
};

const char *const catchup_event_names[CE_NEVENTS] = {
	"tip-loaded", "lead-chosen", "locator-read", "lead-answered",
	"fork-linked", "headers-wanted", "headers-done", "lead-lost",
	"round-end", "batch-done"
};

/* where a round goes when it ends */
static enum catchup_state
round_over(int batch_queued)
{
	return batch_queued ? CS_DRAIN : CS_IDLE;
}

/*
 * CS_LOCATOR, CS_ASK_LEAD, CS_FORK_BLOCK, CS_HEADERS: the step's own
 * event, or out
 */
static enum catchup_state
locating(enum catchup_state st, enum catchup_event ev, enum catchup_event step,
    enum catchup_state next, int batch_queued)
{
	if (ev == step)
		return next;
	switch (ev) {
	case CE_LEAD_LOST:
	case CE_ROUND_END:
		return round_over(batch_queued);
	case CE_TIP_LOADED:
	case CE_BATCH_DONE:
		return st;
	default:
		return CS_REFUSED;
	}
}

enum catchup_state
catchup_next(enum catchup_state st, enum catchup_event ev, int batch_queued)
{
	switch (st) {
	case CS_START:
		return ev == CE_TIP_LOADED ? CS_IDLE : CS_REFUSED;
	case CS_IDLE:
		if (ev == CE_LEAD_CHOSEN)
			return CS_LOCATOR;
		return ev == CE_TIP_LOADED || ev == CE_BATCH_DONE ||
		    ev == CE_LEAD_LOST ? CS_IDLE : CS_REFUSED;
	case CS_LOCATOR:
		return locating(st, ev, CE_LOCATOR_READ, CS_ASK_LEAD,
		    batch_queued);
	case CS_ASK_LEAD:
		return locating(st, ev, CE_LEAD_ANSWERED, CS_FORK_BLOCK,
		    batch_queued);
	case CS_FORK_BLOCK:
		if (ev == CE_HEADERS_WANTED)
			return CS_HEADERS;
		return locating(st, ev, CE_FORK_LINKED, CS_FETCH,
		    batch_queued);
	case CS_HEADERS:
		return locating(st, ev, CE_HEADERS_DONE, CS_FETCH,
		    batch_queued);
	case CS_FETCH:
		if (ev == CE_ROUND_END)
			return round_over(batch_queued);
		/* the planner gives a lost lead's heights to the others */
		return ev == CE_TIP_LOADED || ev == CE_BATCH_DONE ||
		    ev == CE_LEAD_LOST ? CS_FETCH : CS_REFUSED;
	case CS_DRAIN:
		if (ev == CE_BATCH_DONE)
			return round_over(batch_queued);
		return ev == CE_TIP_LOADED || ev == CE_ROUND_END ||
		    ev == CE_LEAD_LOST ? CS_DRAIN : CS_REFUSED;
	default:
		return CS_REFUSED;
	}
}

int
catchup_in_round(enum catchup_state st)
{
	return st != CS_START && st != CS_IDLE;
}

int
catchup_fetching(enum catchup_state st)
{
	return st == CS_FETCH || st == CS_DRAIN;
}
