/* SPDX-License-Identifier: ISC */
/*
 * progress.h - a catch-up's progress as the supervisor sees it.
 *
 * From the workers' heartbeat answers alone: the committed height
 * (stored), the height syncd is catching up to and its smoothed rate in
 * blocks/s (syncd).  Pure code, so that the arithmetic and the log rate
 * are testable without a node (tests/test_progress.c).  Used by the
 * status socket (status.c: "progress_pct", "eta_s") and the log (one
 * progress line every CATCHUP_LOG_INTERVAL s at most, issue 13).
 */
#ifndef TIMENODE_PROGRESS_H
#define TIMENODE_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

#define CATCHUP_LOG_INTERVAL	10.0	/* s between two progress lines */

struct catchup {
	int		active;		/* catching up to a higher target */
	uint64_t	height;		/* committed */
	uint64_t	target;		/* the best height peers announced:
					   a claim, not proven */
	double		rate;		/* blocks/s, smoothed by syncd */
	double		percent;	/* height / target, 0 to 100 */
	double		eta_s;		/* s left at this rate; -1: unknown */
};

/* The progress from the last heartbeat answers of stored and syncd. */
void	catchup_compute(const struct ipc_status_stored *,
	    const struct ipc_status_syncd *, struct catchup *);

/* The rate limit of the progress log lines, kept by the caller. */
struct catchup_log {
	double		last;		/* monotonic s of the last line */
	int		was_active;
	int		logged;		/* a line of this catch-up went out */
	uint64_t	start_height;	/* when the catch-up began */
	double		started;	/* monotonic s */
};

/*
 * 1 with a log line in buf (len bytes, cut short if smaller) when one is
 * due at now (monotonic s), else 0.  A catch-up that lasts longer than
 * CATCHUP_LOG_INTERVAL s gets a progress line every CATCHUP_LOG_INTERVAL
 * s and one line when it ends; a shorter one (a new block fetched as it
 * is announced) gets none.  So at most one progress line per interval
 * and one end line per long catch-up, whatever the call rate.  Start
 * with a zeroed struct catchup_log.
 */
int	catchup_log_line(struct catchup_log *, const struct catchup *,
	    double now, char *buf, size_t len);

/* eta_s for people: "42s", "3m10s", "2h05m", "more than a day", "?" */
const char *catchup_eta_str(double eta_s, char *buf, size_t len);

#endif
