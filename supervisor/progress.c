/* SPDX-License-Identifier: ISC */
/*
 * progress.c - a catch-up's progress, ETA and rate-limited log lines.
 *
 * The supervisor already has all it needs in the heartbeat answers: the
 * committed height from stored, syncd's target height and its smoothed
 * blocks/s (sampled four times a second, docs/sync.md).  The ETA is the
 * blocks left over that rate; with no rate yet it is unknown, never a
 * division by zero.  The target is the best height peers claim, not one
 * they proved (syncd takes a peer's HELLO and TIP heights; a peer that
 * does not deliver is punished and its claim dropped): the log line says
 * so, "of T claimed by peers" (issue 11, review finding B: a liar at 10,000,000 gave
 * "0.00255%, 35,086,824 s left").  See progress.h.
 */
#include <stdio.h>

#include "progress.h"

#define DAY_S	86400.0

void
catchup_compute(const struct ipc_status_stored *st,
    const struct ipc_status_syncd *sy, struct catchup *p)
{
	p->height = st->height;
	p->target = sy->target_height;
	p->rate = (double)sy->rate_milli / 1000.0;
	p->active = sy->state == SYNC_CATCHING_UP && p->target > p->height;
	if (p->target == 0 || p->height >= p->target)
		p->percent = 100;
	else
		p->percent = 100.0 * (double)p->height / (double)p->target;
	if (!p->active)
		p->eta_s = 0;
	else if (p->rate > 0)
		p->eta_s = (double)(p->target - p->height) / p->rate;
	else
		p->eta_s = -1;
}

const char *
catchup_eta_str(double eta_s, char *buf, size_t len)
{
	long s;

	if (eta_s < 0)
		snprintf(buf, len, "?");
	else if (eta_s > DAY_S)
		snprintf(buf, len, "more than a day");
	else {
		s = (long)(eta_s + 0.5);
		if (s < 60)
			snprintf(buf, len, "%lds", s);
		else if (s < 3600)
			snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
		else
			snprintf(buf, len, "%ldh%02ldm", s / 3600,
			    (s % 3600) / 60);
	}
	return buf;
}

int
catchup_log_line(struct catchup_log *l, const struct catchup *p, double now,
    char *buf, size_t len)
{
	char eta[32];

	if (!p->active) {
		if (!l->was_active)
			return 0;
		l->was_active = 0;
		if (!l->logged)		/* a short one: no line at all */
			return 0;
		snprintf(buf, len, "catch-up done: height %llu, %llu blocks "
		    "in %.0f s", (unsigned long long)p->height,
		    (unsigned long long)(p->height > l->start_height ?
		    p->height - l->start_height : 0), now - l->started);
		return 1;
	}
	if (!l->was_active) {
		l->was_active = 1;
		l->logged = 0;
		l->start_height = p->height;
		l->started = now;
		l->last = now;
		return 0;
	}
	if (now - l->last < CATCHUP_LOG_INTERVAL)
		return 0;
	l->last = now;
	l->logged = 1;
	snprintf(buf, len, "catch-up: height %llu of %llu claimed by peers "
	    "(%.1f%%), "
	    "%.1f blocks/s, %s left", (unsigned long long)p->height,
	    (unsigned long long)p->target, p->percent, p->rate,
	    catchup_eta_str(p->eta_s, eta, sizeof(eta)));
	return 1;
}
