/* SPDX-License-Identifier: ISC */
/*
 * policy.c - restart delays and the restart intensity limit; see policy.h.
 */
#include <string.h>

#include "policy.h"

void
restart_init(const struct restart_policy *p, struct restart_state *s)
{
	memset(s, 0, sizeof(*s));
	s->next_delay = p->delay_min;
}

void
restart_started(struct restart_state *s, double now)
{
	s->started = now;
}

/* forget restarts older than the window */
static void
prune(const struct restart_policy *p, struct restart_state *s, double now)
{
	int i = 0;

	while (i < s->nhist && now - s->hist[i] > p->window)
		i++;
	if (i > 0) {
		memmove(s->hist, s->hist + i,
		    (size_t)(s->nhist - i) * sizeof(s->hist[0]));
		s->nhist -= i;
	}
}

enum restart_action
restart_on_exit(const struct restart_policy *p, struct restart_state *s,
    double now, double *delay)
{
	prune(p, s, now);
	if (s->nhist >= p->intensity || s->nhist >= RESTART_HIST_MAX) {
		*delay = 0;
		return RESTART_FAILED;
	}
	s->hist[s->nhist++] = now;
	s->restarts++;
	if (now - s->started < p->fast_crash) {
		*delay = s->next_delay;
		s->next_delay *= 2;
		if (s->next_delay > p->delay_max)
			s->next_delay = p->delay_max;
	} else {
		*delay = 0;
		s->next_delay = p->delay_min;
	}
	return RESTART_AFTER;
}

/*
 * Heartbeats are numbered; a worker echoes the number in its answer.  An
 * instance was started when the next number was first_seq, so an answer
 * with a lower number was queued by the instance it replaced (still in
 * nng's buffers when the old pipe closed) and says nothing about this one.
 * Serial number arithmetic: the 32-bit numbers may wrap.
 */
int
heartbeat_current(uint32_t first_seq, uint32_t seq)
{
	return (int32_t)(seq - first_seq) >= 0;
}

int
hang_judge(double silent, double starved, double deadline)
{
	if (starved < 0)
		starved = 0;
	if (starved > silent)
		starved = silent;
	return silent - starved > deadline ||
	    silent > HANG_WALL_FACTOR * deadline;
}
