/* SPDX-License-Identifier: ISC */
/*
 * policy.h - when to restart a worker that died, and when to give up.
 *
 * Pure functions of time so the unit tests can drive them.  A worker that
 * dies sooner than fast_crash after its start is restarted after a delay
 * that starts at delay_min and doubles up to delay_max (Postfix's master
 * throttles such children the same way); one that ran longer is restarted
 * at once and its delay is reset.  More than intensity restarts within
 * window seconds mark it failed (Erlang/OTP's restart intensity).
 * heartbeat_current() tells an answer of the running instance from a late
 * one of the instance it replaced.
 */
#ifndef TIMENODE_POLICY_H
#define TIMENODE_POLICY_H

#include <stdint.h>

#define RESTART_HIST_MAX	1001	/* intensity is at most 1000 */

struct restart_policy {
	double	delay_min;
	double	delay_max;
	double	fast_crash;
	double	window;
	int	intensity;
};

struct restart_state {
	double		started;	/* when the current instance started */
	double		next_delay;	/* delay after the next fast crash */
	double		hist[RESTART_HIST_MAX];	/* restart times, oldest first */
	int		nhist;
	unsigned	restarts;	/* total, for the status */
};

enum restart_action {
	RESTART_AFTER,		/* restart after *delay seconds */
	RESTART_FAILED,		/* too many restarts: give up */
};

void	restart_init(const struct restart_policy *, struct restart_state *);
void	restart_started(struct restart_state *, double now);
enum restart_action restart_on_exit(const struct restart_policy *,
	    struct restart_state *, double now, double *delay);
int	heartbeat_current(uint32_t first_seq, uint32_t seq);

#endif
