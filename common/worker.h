/* SPDX-License-Identifier: ISC */
/*
 * worker.h - the life cycle every worker process shares.
 *
 * worker_main() parses the configuration the supervisor passed, dials the
 * control channel, lets the worker open what it needs from outside
 * (pre_sandbox), drops privileges through sandbox_apply() (before these
 * two steps when unprivileged: Landlock must precede nng's threads), lets
 * the worker finish its setup inside the sandbox (init) and runs the
 * event loop.  It answers heartbeats with the worker's status and exits
 * when the supervisor is gone.
 */
#ifndef TIMENODE_WORKER_H
#define TIMENODE_WORKER_H

#include "chan.h"
#include "config.h"
#include "sandbox.h"

struct worker;

/*
 * A worker that cannot run with this configuration or these files (data
 * directory of another network, say) exits with this status: restarting
 * it cannot help, so the supervisor gives up at once with a clear line.
 */
#define WORKER_EXIT_CONFIG	78	/* EX_CONFIG */

/*
 * The lock file in the data dir and in the run dir (docs/operations.md,
 * "Directories"): the supervisor holds an exclusive flock(2) on each and
 * writes its pid into them; stored inherits the data dir's descriptor as
 * WORKER_LOCK_FD, so that lock lasts until both are gone.  One node per
 * data dir and per run dir: a worker may remove what a dead predecessor
 * left in the run dir.
 */
#define DATA_DIR_LOCK		"timenoded.lock"
#define WORKER_LOCK_FD		3

/*
 * Exit with WORKER_EXIT_CONFIG after the caller logged why.  _exit: no
 * atexit teardown while nng's threads still run.
 */
void	worker_exit_config(void) __attribute__((noreturn));
/*
 * A listen address ([node] listen, [metrics] listen) could not be bound
 * at start, errno err, after the caller logged it: taken by another
 * program (EADDRINUSE), not an address of this host (EADDRNOTAVAIL) or a
 * port we may not use (EACCES) is the configuration's fault, which no
 * restart mends, so we exit WORKER_EXIT_CONFIG (the node stops with
 * status 2, timenoded(8)) rather than loop through restarts (issue 13).
 * Returns for any other error.
 */
void	worker_bind_failed(int err);

struct worker_def {
	enum ipc_proc	 proc;
	/* more usage lines for --help ("" or NULL: none), each ending \n */
	const char	*usage_extra;
	enum sandbox_net net;
	int		 needs_data_dir;	/* stored: lives in the data dir */
	/*
	 * 0: up (serving) once init returns; 1: the worker calls worker_up()
	 * itself when it serves (syncd: once it has the chain from stored)
	 */
	int		 reports_up;
	/*
	 * Root mode: files of the data dir the worker writes after its
	 * drop (NULL-terminated, names without '/').  The chroot root is
	 * root's and closed to the service user, so these are made, or
	 * handed over, to the service user before the drop.
	 */
	const char *const *data_files;
	/* before any sandbox and any nng call: read files (keys, genesis) */
	int		(*load)(struct worker *);
	/* before the chroot (root) or after Landlock: bind listeners */
	int		(*pre_sandbox)(struct worker *);
	/* inside the sandbox: dial, open the database */
	int		(*init)(struct worker *);
	/* encode the heartbeat answer (type def->proc's heartbeat) */
	void		(*status)(struct worker *, struct wbuf *, uint64_t seq);
	/* the supervisor told us the pids of the other processes */
	void		(*pids_changed)(struct worker *);
	/* SIGTERM: finish what must be finished, then return */
	void		(*shutdown)(struct worker *);
	/* any other message on the control channel */
	void		(*ctl_msg)(struct worker *, const struct ipc_hdr *,
			    struct rbuf *);
};

#define WORKER_MAX_CHANS	4

struct worker_chan {
	struct ipc_chan		*chan;
	enum ipc_proc		 peer;
};

struct worker {
	const struct worker_def	*def;
	struct config		 cfg;
	struct worker_opts	 wopts;
	struct event_base	*base;
	struct ipc_chan		*ctl;
	struct sandbox_result	 sb;
	uint32_t		 pids[IPC_NPROC];
	struct worker_chan	 chans[WORKER_MAX_CHANS];
	int			 nchans;
	int			 run_fd;	/* root mode until the chroot:
						   the run dir, also our cwd */
	uid_t			 svc_uid;	/* root mode: the service user */
	gid_t			 svc_gid;
	double			 last_heartbeat;	/* 0: none yet */
	pid_t			 supervisor_pid;	/* our parent */
	int			 orphan_said;	/* the orphan check waits */
	uint64_t		 hb_seq;	/* the last heartbeat's number */
	int			 ready;		/* init done: answer */
	enum { WORKER_UP_NO, WORKER_UP_WANTED, WORKER_UP_SENT } up;
	void			*priv;
};

int	worker_main(int argc, char **argv, const struct worker_def *);
/* the send-queue depths of its worker channels for the status (ipc.h) */
void	worker_sendq(const struct worker *, uint32_t q[IPC_WORKER_CHANS]);
/*
 * A channel to another worker through sockname in the run directory.  Only
 * the process the supervisor's heartbeats name as peer may be on the other
 * end; until the first heartbeat nobody may.  Listen in pre_sandbox, dial
 * in init.  fatal on failure.
 */
struct ipc_chan *worker_listen(struct worker *, const char *sockname,
	    enum ipc_proc peer, ipc_handler, void *arg);
struct ipc_chan *worker_dial(struct worker *, const char *sockname,
	    enum ipc_proc peer, ipc_handler, void *arg);
/*
 * Tell the supervisor at once that this instance serves (a heartbeat
 * answer out of turn), rather than at the next heartbeat: a restarted
 * worker is shown "running" within milliseconds (issue 12).  Only once
 * per instance, and only after init; worker_main calls it after init
 * unless the worker_def says reports_up.
 */
void	worker_up(struct worker *);
/*
 * The path of a file in the run or data directory as this worker sees it
 * now (inside a chroot or not).  -1 if it is out of sight or too long.
 */
int	worker_run_path(const struct worker *, const char *name, char *buf,
	    size_t len);
int	worker_data_path(const struct worker *, const char *name, char *buf,
	    size_t len);
/* CLOCK_MONOTONIC in seconds */
double	mono_now(void);
/*
 * A libevent base whose timers fire when due: EVENT_BASE_FLAG_PRECISE_TIMER
 * (CLOCK_MONOTONIC and, with epoll, a timerfd).  Without it libevent reads
 * CLOCK_MONOTONIC_COARSE and rounds epoll's timeout to milliseconds, so
 * each timer ended in a run of 1 ms epoll_wait()s until the coarse clock
 * caught up: 2 to 6 wakeups that did nothing per expiry, over half of an
 * idle syncd's (issue 12, idle CPU; docs/architecture.md "Timers").  Its
 * priorities are the channels' (ipc_base_setup).  The supervisor's and
 * every worker's base.  NULL when libevent fails (out of memory).
 */
struct event_base *worker_event_base(void);

#endif
