/* SPDX-License-Identifier: ISC */
/*
 * catchup.h - the states of syncd's catch-up and the events that move
 * it, as a table (catchup.c).  syncd.c's catchup_fsm() is the one function
 * that changes the state: it asks this table for the next state and runs
 * what entering it means (change_state), the shape of OpenBGPD's
 * bgp_fsm()/change_state() in session.c.  docs/sync.md draws the
 * diagram; docs/architecture.md puts it on a block's path.
 */
#ifndef TIMENODE_CATCHUP_H
#define TIMENODE_CATCHUP_H

enum catchup_state {
	CS_START,	/* waiting for stored's tip: not serving yet */
	CS_IDLE,	/* no round: nobody ahead, or producing */
	CS_LOCATOR,	/* a peer is ahead: our locator asked of stored */
	CS_ASK_LEAD,	/* the locator sent to the leading peer */
	CS_FORK_BLOCK,	/* its answer held; our block at the fork point
			   asked of stored */
	CS_HEADERS,	/* [sync] assumevalid: the leading peer's headers
			   from the fork point up, until the checkpoint */
	CS_FETCH,	/* ranges to every peer ahead, batches to stored */
	CS_DRAIN,	/* the round is over, but a batch is in stored's
			   hands: it ends once stored answers */
	CS_NSTATES,
	CS_REFUSED = -1	/* catchup_next: the event has no place here */
};

enum catchup_event {
	CE_TIP_LOADED,	/* stored's tip block read (ours now) */
	CE_LEAD_CHOSEN,	/* a usable peer is ahead; nothing else to do */
	CE_LOCATOR_READ, /* stored gave our locator */
	CE_LEAD_ANSWERED, /* the leading peer answered it, from a fork
			   point at most max_reorg_depth down */
	CE_FORK_LINKED,	/* its first block links to our fork block */
	CE_HEADERS_WANTED, /* the same, and the checkpoint's height is not
			   known: headers first */
	CE_HEADERS_DONE, /* the checkpoint's hash seen in the header chain,
			   or the lead's headers ended or failed without */
	CE_LEAD_LOST,	/* the leading peer left, misbehaved, or netd
			   left: ends the round while locating only */
	CE_ROUND_END,	/* caught up, no progress, the lead failed us,
			   stored refused a batch, local work waits */
	CE_BATCH_DONE,	/* stored answered our last batch queued */
	CE_NEVENTS
};

extern const char *const catchup_state_names[CS_NSTATES];
extern const char *const catchup_event_names[CE_NEVENTS];

/*
 * The transition table: the state that event ev leads to from st, st
 * itself for an event that changes nothing there, or CS_REFUSED for one
 * that has no place in st (logged and not acted on by the caller).
 * batch_queued: an append of ours is waiting for stored's answer (a
 * round then ends in CS_DRAIN, not CS_IDLE).  Pure; test_catchup.c.
 */
enum catchup_state catchup_next(enum catchup_state st, enum catchup_event ev,
	    int batch_queued);
/* a round is on (the status says catching-up) */
int	catchup_in_round(enum catchup_state);
/* ranges are fetched and validated (CS_FETCH, CS_DRAIN) */
int	catchup_fetching(enum catchup_state);

#endif
