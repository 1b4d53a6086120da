/* SPDX-License-Identifier: ISC */
/*
 * supervisor.h - state shared by the parts of timenoded.
 *
 * proc.c owns the children (spawn, heartbeats, reaping, restarts, stop),
 * status.c the status socket, timenoded.c the start-up and signals.
 */
#ifndef TIMENODE_SUPERVISOR_H
#define TIMENODE_SUPERVISOR_H

#include <sys/types.h>

#include <limits.h>

#include "chan.h"
#include "config.h"
#include "policy.h"

enum child_state {
	CHILD_STOPPED,		/* not started yet, or stopped at shutdown */
	CHILD_STARTING,		/* forked, no heartbeat answered yet */
	CHILD_RUNNING,
	CHILD_BACKOFF,		/* dead, waiting for its restart delay */
	CHILD_FAILED,		/* restarted too often, given up */
	CHILD_NSTATES
};
extern const char *const child_state_names[CHILD_NSTATES];

struct child {
	enum ipc_proc		 proc;
	const char		*name;
	char			 path[PATH_MAX];
	char			 ctl_path[CONFIG_PATH_MAX];
	pid_t			 pid;
	enum child_state	 state;
	double			 started;	/* monotonic */
	double			 last_answer;	/* last heartbeat answer */
	/* its answer is late (1; 2 once said to be starved): the seconds
	   of the silence the machine kept it from a CPU or the disk, the
	   CPU and I/O stalls (PSI, s, -1 unknown) at the last late tick,
	   and that tick
	   (proc.c, child_account_late; the hang rule of policy.h) */
	int			 late;
	double			 starved;
	double			 stall_prev;
	double			 io_stall_prev;
	double			 rq_prev;	/* run queue delays, s */
	double			 late_prev;
	uint32_t		 first_seq;	/* first heartbeat it can answer */
	uint32_t		 answered_seq;	/* the last one it answered */
	char			 last_exit[80];
	char			 kill_reason[80];	/* why we killed it */
	struct restart_state	 rs;
	struct ipc_chan		*ctl;
	struct event		*timer;		/* backoff or stop deadline */
	int			 restart_requested;
	struct supervisor	*sv;
};

struct status_server;

struct supervisor {
	struct config		 cfg;
	struct event_base	*base;
	struct child		 children[IPC_NWORKERS];  /* start order */
	struct restart_policy	 policy;
	uint64_t		 hb_seq;
	double			 hb_last;
	double			 started;
	double			 wd_interval;
	double			 wd_last;
	int			 ready_sent;
	int			 stopping;
	int			 exit_code;
	int			 devnull;
	int			 lock_fd;	/* DATA_DIR_LOCK, flock'ed */
	int			 run_lock_fd;	/* the same in the run dir */
	int			 journal;	/* stderr is the journal */
	int			 log_fd;	/* detached: the workers' stderr
						   (a pipe we relay to syslog),
						   else -1 */
	struct event		*log_ev;	/* its read end */
	size_t			 log_len;
	char			 log_buf[2048];	/* a partial line */
	int			 privileged;	/* root: chown, workers chroot */
	uid_t			 uid;		/* the service user */
	gid_t			 gid;
	struct event		*tick;
	double			 tick_s;	/* its period */
	double			 tick_at;	/* when it last ran (mono) */
	struct ipc_status_stored st_stored;
	struct ipc_status_syncd	 st_syncd;
	struct ipc_status_netd	 st_netd;
	double			 tip_seen;	/* the tip last changed */
	struct status_server	*status;
	char			 last_status_line[256];
};

/* proc.c */
int		 children_init(struct supervisor *);
void		 children_start(struct supervisor *);
int		 children_tick_start(struct supervisor *);
void		 children_reap(struct supervisor *);
void		 children_stop(struct supervisor *);
void		 children_free(struct supervisor *);
struct child	*child_by_name(struct supervisor *, const char *);
int		 child_restart(struct supervisor *, struct child *,
		    char *err, size_t errlen);
/* to a running child (else -1): a hand-built body, or composed */
int		 child_send(struct child *, uint16_t type, uint32_t reqid,
		    const struct wbuf *body);
int		 child_compose(struct child *, uint16_t type, uint32_t reqid,
		    const void *msg, size_t size);
double		 child_uptime(const struct child *);
/*
 * Ask a running worker for its status now (a heartbeat out of turn): its
 * number, which child->answered_seq reaches (heartbeat_current()) once
 * the answer is in; 0 if the worker is not running or its control
 * channel's send queue is full (nothing was asked).
 */
uint32_t	 child_poll(struct child *);

/* node_metrics.c: the metrics text into m; -1 if it failed (metrics.h) */
struct metrics;
int		 node_metrics(struct supervisor *, struct metrics *);
/* [metrics] listen set: the text to netd, which serves it over HTTP */
void		 node_metrics_push(struct supervisor *);

/* status.c */
struct status_server *status_open(struct supervisor *, const char *name,
		    const char *shown);
void		 status_close(struct status_server *);
/* answers of workers to requests made on the status socket */
void		 status_answer_errno(struct status_server *,
		    const struct child *, uint32_t reqid, int err);
void		 status_answer_bans(struct status_server *,
		    const struct child *, uint32_t reqid, const struct ipc_bans *);
void		 status_answer_result(struct status_server *,
		    const struct child *, uint16_t type, uint32_t reqid,
		    const struct ipc_result *);
/* expire requests whose worker never answered */
void		 status_tick(struct status_server *);
/* a worker answered a heartbeat or died: status requests may be done */
void		 status_heard(struct status_server *);
/* the one-line summary for STATUS= and the logs */
void		 status_line(struct supervisor *, char *, size_t);

/* The commands of the status socket (docs/operations.md). */
enum status_verb {
	STATUS_CMD_EMPTY,		/* a blank line: no answer */
	STATUS_CMD_STATUS,
	STATUS_CMD_PEERS,
	STATUS_CMD_METRICS,
	STATUS_CMD_HELP,
	STATUS_CMD_RESTART,		/* component */
	STATUS_CMD_PRODUCE,		/* produce */
	STATUS_CMD_VERIFY,
	STATUS_CMD_BANS,
	STATUS_CMD_UNBAN,		/* component: the IP */
	STATUS_CMD_DEBUG_SOCKET		/* component; only with -d */
};

struct status_cmd {
	enum status_verb	 verb;
	const char		*component;	/* into the line; may be NULL */
	struct ipc_produce	 produce;
};

/*
 * One line of the status socket, without its LF, into sc: the command
 * word, its arguments (words separated by spaces, tabs or CR) checked for
 * number and, for produce, range (1..IPC_PRODUCE_MAX blocks, at most
 * IPC_PRODUCE_PAYLOAD_MAX payload bytes).  Whether a component exists is
 * the caller's to judge.  debug: -d is on, so debug-socket is a command.
 * Pure (no I/O, no state), so that it can be fuzzed alone (fuzz/).  The
 * line is split in place and sc points into it.  Returns 0, or -1 with
 * the error answer's text in err (errlen bytes, cut to fit).
 */
int		 status_parse_command(char *line, int debug,
		    struct status_cmd *sc, char *err, size_t errlen);

#endif
