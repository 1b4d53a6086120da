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

/*
 * The hang rule (docs/architecture.md, "Hangs"): is a worker that has not
 * answered a heartbeat for `silent` seconds hung?  `starved` is how much
 * of that silence the worker (or the supervisor, holding its answer) was
 * ready to run and the machine kept it from a CPU or the disk (proc.c
 * measures it with the kernel's pressure stall information, PSI, and run
 * queue delays; 0 when unknown): the machine's fault, not the worker's.  Hung when the rest, the time the worker had and did not
 * answer, exceeds `deadline` (heartbeat_deadline), or when the silence
 * exceeds HANG_WALL_FACTOR deadlines whatever the machine did (a worker
 * busy in a loop on a saturated machine is still killed in the end).
 * A fixed wall-clock deadline killed syncds that 400 processes on 2 cores
 * kept waiting for a CPU for more than 5 s (issue 12, 100 nodes: 97
 * restarts).  Seconds; 1 hung, 0 not.
 */
#define HANG_WALL_FACTOR	6	/* 30 s by default: systemd's WatchdogSec
					   of our unit */
int	hang_judge(double silent, double starved, double deadline);

#endif
