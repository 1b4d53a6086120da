/* SPDX-License-Identifier: ISC */
/*
 * lograte.h - log lines that remote parties cause, rate-limited.
 *
 * A peer that can make us write a log line can make us write one per
 * connection attempt: 600 connect+RST in a second were 600 lines, 500
 * connections refused at accept 502 lines in 2.6 s (issue 11, item 2).
 * Every line caused by remote input is therefore charged to a key, the
 * peer's IP address (netaddr.h) and a kind (the caller's small number for
 * the sort of line), and to the process's total:
 *
 *  - per key, a token bucket of LOGRATE_KEY_BURST lines refilled at one
 *    line per LOGRATE_KEY_EVERY_S seconds;
 *  - in total, a token bucket of LOGRATE_TOTAL_BURST lines refilled at
 *    LOGRATE_TOTAL_PER_S lines per second, summary lines included.
 *
 * A line refused by either is counted, never lost silently: once
 * LOGRATE_WINDOW_S have passed since a key's first refused line,
 * lograte_tick writes one summary, "<the last such line> ... and N more
 * like it in the 10 s since 12:00:03 (the last at 12:00:05)", charged to
 * the total (it waits, still counting, while the total is spent).  It
 * says the window it covers in the log's own clock (UTC), since the line
 * it repeats happened before the summary's time stamp, maybe before lines
 * written in between (issue 11, review finding C: a peer's "connected" summary came
 * 7 s after its "closed" line and read as a new connection).  So one process writes at most
 * LOGRATE_TOTAL_BURST lines at once and LOGRATE_TOTAL_PER_S per second
 * after, and one peer at most LOGRATE_KEY_BURST lines of a kind at once,
 * then one per LOGRATE_KEY_EVERY_S, plus one summary per window.  The
 * counters (lines written, refused, summaries) go into the status.
 *
 * The table of keys is bounded (LOGRATE_KEYS); when every slot holds a
 * key with something to report or tokens still owed, further keys share
 * one overflow key (address 0: "other peers"), so a flood from many
 * addresses cannot grow it.  Debug lines are limited only when debug
 * logging is on (off, they are not written and cost nothing).
 *
 * Single-threaded: one struct lograte per process, used from its loop.
 */
#ifndef TIMENODE_LOGRATE_H
#define TIMENODE_LOGRATE_H

#include <stdint.h>

#include "netaddr.h"

#define LOGRATE_KEYS		64
#define LOGRATE_KEY_BURST	5
#define LOGRATE_KEY_EVERY_S	10.0
#define LOGRATE_TOTAL_BURST	50
#define LOGRATE_TOTAL_PER_S	5.0
#define LOGRATE_WINDOW_S	10.0
#define LOGRATE_SAMPLE_MAX	160	/* bytes of a line kept for its summary */

enum lograte_level {
	LOGRATE_DEBUG,
	LOGRATE_INFO,
	LOGRATE_WARN
};

struct lograte_key {
	struct netaddr	ip;		/* :: (zero): overflow */
	unsigned	kind;
	int		used;
	double		tokens;
	double		refilled;	/* when tokens were last brought up */
	double		first_refused;	/* of the current window; 0: none */
	double		last_refused;	/* when sample was refused */
	uint64_t	refused;	/* in the current window */
	enum lograte_level level;	/* of the last refused line */
	char		sample[LOGRATE_SAMPLE_MAX]; /* the last refused line */
};

struct lograte_counters {
	uint64_t	written;	/* lines let through */
	uint64_t	suppressed;	/* lines refused (each counted once) */
	uint64_t	summaries;	/* summary lines written */
};

struct lograte {
	struct lograte_key	keys[LOGRATE_KEYS];
	struct lograte_key	overflow;	/* ip :: */
	double			tokens;		/* the total's bucket */
	double			refilled;
	int			started;
	struct lograte_counters	c;
};

void	lograte_init(struct lograte *);
/*
 * Charge one line of this level to (ip, kind) at monotonic time now (s):
 * 1 when it may be written, 0 when it is refused (counted, and text, the
 * line as it would have been written, kept for the summary; may be NULL).
 */
int	lograte_take(struct lograte *, struct netaddr ip, unsigned kind,
	    enum lograte_level, const char *text, double now);
/*
 * Write the line (log_info, log_warnx or log_debug) if lograte_take
 * allows it at the monotonic time now (s).
 */
void	lograte_log(struct lograte *, struct netaddr ip, unsigned kind,
	    enum lograte_level, double now, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
/*
 * Write the summaries of the windows that have ended, as far as the
 * total's bucket allows (call it every tick).  Returns how many it wrote.
 */
int	lograte_tick(struct lograte *, double now);
/*
 * The summary line of k's window into buf (len bytes, cut short if
 * smaller) at monotonic time now (s), when the wall clock reads wall_now
 * (Unix s): the last refused line, how many more, the window's start and
 * the last one's time as UTC HH:MM:SS.  other: k is the overflow key.
 * Pure, for lograte_tick and the tests.
 */
void	lograte_summary(const struct lograte_key *k, int other, double now,
	    double wall_now, char *buf, size_t len);

#endif
