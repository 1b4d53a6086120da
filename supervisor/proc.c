/* SPDX-License-Identifier: ISC */
/*
 * proc.c - the supervisor's children: fork+exec, heartbeats, restarts.
 *
 * The children table follows httpd's: one row per worker, in start order
 * (stored, syncd, netd); the stop order is the reverse.  Restarts are one
 * for one: a dead or hung worker is replaced without touching the others,
 * after the delay policy.c decides, until it restarts too often and is
 * marked failed, which stops the supervisor with exit status 3.
 *
 * Between fork and exec the child only calls async-signal-safe functions:
 * nng and libevent threads and locks of the parent are not usable there,
 * and everything the child needs was prepared before fork.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sdnotify.h"
#include "supervisor.h"
#include "worker.h"

#define MAX_ARGS	(24 + 2 * CONFIG_MAX_PEERS)	/* with room to spare */

const char *const child_state_names[CHILD_NSTATES] = {
	"stopped", "starting", "running", "backoff", "failed"
};

static void	child_spawn(struct child *);
static void	stop_next(struct supervisor *);
static void	ctl_state(struct ipc_chan *, int, void *);
static void	announce_pids(struct supervisor *, const struct child *);

/*
 * The machine's stall so far on a resource ("cpu" or "io"), in seconds:
 * the "some" total of /proc/pressure/RESOURCE (PSI, the kernel's
 * Documentation/accounting/psi.rst: time in which at least one task was
 * ready to run and waited for a CPU, or waited for the disk; it includes
 * the stall going on now).  -1 without PSI.
 */
static double
stall_total(const char *resource)
{
	char			 path[64];
	unsigned long long	 total;
	FILE			*f;
	int			 n;

	snprintf(path, sizeof(path), "/proc/pressure/%s", resource);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	n = fscanf(f, "some avg10=%*f avg60=%*f avg300=%*f total=%llu",
	    &total);
	fclose(f);
	return n == 1 ? (double)total / 1e6 : -1;
}

/*
 * Run queue delay of all of pid's threads so far, summed, in seconds (the
 * second field of /proc/PID/task/TID/schedstat, in ns; the kernel's
 * Documentation/scheduler/sched-stats.rst): the waits for a CPU that
 * ended, which the state sampled at a tick can miss.  -1 if unreadable.
 */
static double
run_queue_wait(pid_t pid)
{
	char			 path[96];
	unsigned long long	 run, wait, sum = 0;
	struct dirent		*e;
	DIR			*d;
	FILE			*f;
	int			 n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%.20s/schedstat",
		    (long)pid, e->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		if (fscanf(f, "%llu %llu", &run, &wait) == 2) {
			sum += wait;
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n > 0 ? (double)sum / 1e9 : -1;
}

#define WAITS_CPU	0x1	/* a thread ready to run (state R) */
#define WAITS_IO	0x2	/* one in uninterruptible sleep, the disk (D) */

/*
 * What the threads of pid other than skip wait for now (WAITS_*, from
 * the state of /proc/PID/task/TID/stat, proc(5)).
 */
static int
threads_waiting(pid_t pid, pid_t skip)
{
	char		 path[96], buf[512], *p;
	struct dirent	*e;
	DIR		*d;
	FILE		*f;
	int		 r = 0;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while (r != (WAITS_CPU | WAITS_IO) && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || atol(e->d_name) == (long)skip)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%.20s/stat",
		    (long)pid, e->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
		/* the name in parentheses may hold anything: after the last */
		if (p == NULL || (p = strrchr(buf, ')')) == NULL || p[1] != ' ')
			continue;
		if (p[2] == 'R')
			r |= WAITS_CPU;
		else if (p[2] == 'D')
			r |= WAITS_IO;
	}
	closedir(d);
	return r;
}

/* a heartbeat answer or a start: the silence begins anew */
static void
child_heard(struct child *c, double now)
{
	c->last_answer = now;
	c->late = 0;
	c->starved = 0;
}

/* the growth of a stall total since prev, at most dt; 0 if unknown */
static double
stall_growth(double now, double prev, double dt)
{
	double d = now - prev;

	if (now < 0 || prev < 0 || d < 0)
		return 0;
	return d > dt ? dt : d;
}

/*
 * How much of c's late silence the machine kept it or us from a CPU or
 * the disk: from one late tick to the next, the growth of the CPU stall
 * (PSI) when a thread of c's or of ours (the answer may wait in nng's
 * threads) was ready to run, or of the I/O stall when one of c's was in
 * uninterruptible sleep (stored in an fsync while 50 nodes write their
 * chains), capped at the time between the ticks.  A stopped or blocked
 * worker gets nothing, nor one that runs while no task waits.  What came
 * before the first late tick counts as the worker's own time: the rule
 * errs towards killing.  The run queue delay of /proc/PID/schedstat
 * alone cannot tell this (it grows only once a waiting thread got its
 * CPU) but adds what the state sampled at the tick missed: the credit of
 * a tick is the largest of the three.  cpu, io: stall_total() now.
 */
static void
child_account_late(struct child *c, double now, double cpu, double io)
{
	double	dt = now - c->late_prev, g, gi, rq;
	int	waits;

	/* the waits that ended since the last tick, its and ours */
	rq = run_queue_wait(c->pid);
	gi = run_queue_wait(getpid());
	rq = rq < 0 || gi < 0 ? -1 : rq + gi;
	g = c->late ? stall_growth(rq, c->rq_prev, dt) : 0;
	c->rq_prev = rq;
	if (c->late) {
		waits = threads_waiting(c->pid, 0);
		if (!(waits & WAITS_CPU) && (threads_waiting(getpid(),
		    getpid()) & WAITS_CPU))
			waits |= WAITS_CPU;
		if ((waits & WAITS_CPU) &&
		    (gi = stall_growth(cpu, c->stall_prev, dt)) > g)
			g = gi;
		if ((waits & WAITS_IO) &&
		    (gi = stall_growth(io, c->io_stall_prev, dt)) > g)
			g = gi;
		c->starved += g;
	} else
		c->late = 1;
	c->stall_prev = cpu;
	c->io_stall_prev = io;
	c->late_prev = now;
}

double
child_uptime(const struct child *c)
{
	if (c->pid <= 0)
		return 0;
	return mono_now() - c->started;
}

struct child *
child_by_name(struct supervisor *sv, const char *name)
{
	int i;

	for (i = 0; i < IPC_NWORKERS; i++)
		if (strcmp(sv->children[i].name, name) == 0)
			return &sv->children[i];
	return NULL;
}

int
child_send(struct child *c, uint16_t type, uint32_t reqid,
    const struct wbuf *body)
{
	if (c->state != CHILD_RUNNING)
		return -1;
	return ipc_send(c->ctl, type, reqid, body);
}

int
child_compose(struct child *c, uint16_t type, uint32_t reqid,
    const void *msg, size_t size)
{
	if (c->state != CHILD_RUNNING)
		return -1;
	return ipc_compose_sized(c->ctl, type, reqid, msg, size);
}

static void
notify_status(struct supervisor *sv)
{
	char line[256], msg[300];

	status_line(sv, line, sizeof(line));
	if (strcmp(line, sv->last_status_line) == 0)
		return;
	snprintf(sv->last_status_line, sizeof(sv->last_status_line), "%s",
	    line);
	snprintf(msg, sizeof(msg), "STATUS=%s", line);
	sd_notify_send(msg);
}

static int
all_running(const struct supervisor *sv)
{
	int i;

	for (i = 0; i < IPC_NWORKERS; i++)
		if (sv->children[i].state != CHILD_RUNNING)
			return 0;
	return 1;
}

/* stored's status replaces the last; note when the tip changed */
static int
stored_answer(struct supervisor *sv, struct rbuf *r)
{
	struct ipc_status_stored st;

	if (ipc_status_stored_decode(r, &st) == -1)
		return -1;
	if (st.height != sv->st_stored.height ||
	    memcmp(st.tip, sv->st_stored.tip, IPC_HASH_LEN) != 0)
		sv->tip_seen = mono_now();
	sv->st_stored = st;
	return 0;
}

/* A heartbeat answer: the worker is alive; keep its status. */
static void
ctl_answer(struct child *c, const struct ipc_hdr *h, struct rbuf *r)
{
	struct supervisor	*sv = c->sv;
	struct ipc_status_netd	 nst;
	int			 ok = -1;

	switch (h->type) {
	case IPC_HEARTBEAT_STORED:
		ok = stored_answer(sv, r);
		break;
	case IPC_HEARTBEAT_SYNCD:
		ok = ipc_status_syncd_decode(r, &sv->st_syncd);
		break;
	case IPC_HEARTBEAT_NETD:
		if ((ok = ipc_status_netd_decode(r, &nst)) == 0) {
			ipc_status_netd_free(&sv->st_netd);
			sv->st_netd = nst;
		}
		break;
	}
	if (ok == -1) {
		log_warnx("%s: malformed heartbeat answer, ignored", c->name);
		return;
	}
	child_heard(c, mono_now());
	c->answered_seq = h->reqid;
	if (c->state == CHILD_STARTING) {
		c->state = CHILD_RUNNING;
		log_info("%s: running (pid %ld)", c->name, (long)c->pid);
	}
	if (!sv->ready_sent && all_running(sv)) {
		sv->ready_sent = 1;
		sd_notify_send("READY=1");
		log_info("all workers running");
	}
	notify_status(sv);
	status_heard(sv->status);
}

/*
 * A worker alive but not serving yet answered heartbeat h->reqid: not
 * hung (the start_deadline is met), still "starting" (no status of it
 * yet, and READY=1 waits for it).  The status request waiting on this
 * heartbeat gets its answer.
 */
static void
ctl_starting(struct child *c, const struct ipc_hdr *h)
{
	child_heard(c, mono_now());
	c->answered_seq = h->reqid;
	status_heard(c->sv->status);
}

static void
ctl_dispatch(struct ipc_chan *ch, const struct ipc_hdr *h, struct rbuf *r,
    void *arg)
{
	struct child		*c = arg;
	struct ipc_debug_socket	 d;
	struct ipc_result	 res;
	struct ipc_bans		*bans = NULL;

	(void)ch;
	if (c->pid <= 0)
		return;		/* a late message of a dead instance */
	switch (h->type) {
	case IPC_HEARTBEAT_STORED:
	case IPC_HEARTBEAT_SYNCD:
	case IPC_HEARTBEAT_NETD:
		if (h->type != IPC_HEARTBEAT + c->proc) {
			log_warnx("%s: heartbeat answer of another worker "
			    "kind, dropped", c->name);
			return;
		}
		if (!heartbeat_current(c->first_seq, h->reqid)) {
			log_debug("%s: answer to heartbeat %u of the instance "
			    "before pid %ld, ignored", c->name, h->reqid,
			    (long)c->pid);
			return;
		}
		ctl_answer(c, h, r);
		break;
	case IPC_HEARTBEAT_STARTING:
		if (heartbeat_current(c->first_seq, h->reqid))
			ctl_starting(c, h);
		break;
	case IPC_DEBUG_SOCKET_ACK:
		if (ipc_debug_socket_decode(r, &d) == 0)
			status_answer_errno(c->sv->status, c, h->reqid,
			    d.err);
		break;
	case IPC_BANS:
		if ((bans = malloc(sizeof(*bans))) != NULL &&
		    ipc_bans_decode(r, bans) == 0)
			status_answer_bans(c->sv->status, c, h->reqid, bans);
		else
			log_warnx("%s: malformed %s, dropped", c->name,
			    ipc_type_name(h->type));
		free(bans);
		break;
	case IPC_VERIFY_ACK:
	case IPC_UNBAN_ACK:
	case IPC_PRODUCE_ACK:
		if (ipc_result_decode(r, &res) == 0)
			status_answer_result(c->sv->status, c, h->type,
			    h->reqid, &res);
		else
			log_warnx("%s: malformed %s, dropped", c->name,
			    ipc_type_name(h->type));
		break;
	default:
		log_warnx("%s: unexpected %s, dropped", c->name,
		    ipc_type_name(h->type));
	}
}

static void
child_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct child *c = arg;

	(void)fd;
	(void)ev;
	if (c->sv->stopping) {
		/* the stop deadline passed */
		if (c->pid > 0) {
			log_warnx("%s: did not stop in time, killing",
			    c->name);
			kill(c->pid, SIGKILL);
		}
		return;
	}
	if (c->state == CHILD_BACKOFF)
		child_spawn(c);
	else if (c->restart_requested && c->pid > 0) {
		log_warnx("%s: did not stop in time for its restart, killing",
		    c->name);
		kill(c->pid, SIGKILL);
	}
}

static void
set_timer(struct child *c, double secs)
{
	struct timeval tv;

	tv.tv_sec = (time_t)secs;
	tv.tv_usec = (suseconds_t)((secs - (double)tv.tv_sec) * 1e6);
	event_add(c->timer, &tv);
}

int
children_init(struct supervisor *sv)
{
	static const enum ipc_proc order[IPC_NWORKERS] = {
		IPC_STORED, IPC_SYNCD, IPC_NETD
	};
	struct child	*c;
	char		 name[32];
	int		 i, n;

	for (i = 0; i < IPC_NWORKERS; i++) {
		c = &sv->children[i];
		memset(c, 0, sizeof(*c));
		c->sv = sv;
		c->proc = order[i];
		c->name = ipc_proc_names[c->proc];
		restart_init(&sv->policy, &c->rs);
		n = snprintf(c->path, sizeof(c->path), "%s/%s",
		    sv->cfg.worker_dir, c->name);
		if (n < 0 || (size_t)n >= sizeof(c->path))
			fatalx("worker path too long");
		if (access(c->path, X_OK) == -1)
			fatal("worker %s", c->path);
		n = snprintf(c->ctl_path, sizeof(c->ctl_path), "%s/ctl-%s.sock",
		    sv->cfg.run_dir, c->name);
		if (n < 0 || (size_t)n >= sizeof(c->ctl_path))
			fatalx("run dir path too long");
		/* the worker is given the path; we are in the run dir */
		snprintf(name, sizeof(name), "ctl-%s.sock", c->name);
		c->ctl = ipc_listen(sv->base, name, IPC_SUPERVISOR,
		    c->proc, 0, ctl_dispatch, c);
		if (c->ctl == NULL)
			return -1;
		ipc_set_state_handler(c->ctl, ctl_state);
		if ((c->timer = evtimer_new(sv->base, child_timer_cb, c)) == NULL)
			fatalx("evtimer_new");
	}
	return 0;
}

/* Everything the child needs, made before fork. */
static char **
child_argv(struct child *c)
{
	char	**argv;
	size_t	  n = 0;

	if ((argv = calloc(MAX_ARGS, sizeof(*argv))) == NULL)
		return NULL;
	if ((argv[n++] = strdup(c->name)) == NULL ||
	    (argv[n++] = strdup("--ctl")) == NULL ||
	    (argv[n++] = strdup(c->ctl_path)) == NULL ||
	    ((c->sv->journal || c->sv->log_fd != -1) &&
	    (argv[n++] = strdup("--journal")) == NULL) ||
	    config_worker_argv(&c->sv->cfg, argv, MAX_ARGS, &n) == -1) {
		config_free_worker_argv(argv, 0, MAX_ARGS);
		free(argv);
		return NULL;
	}
	return argv;
}

/*
 * In the child: fds 0 = /dev/null, 1 and 2 = our stderr (detached: the
 * pipe we relay to syslog, and then lines in the journal form, to be
 * parsed), for stored also
 * WORKER_LOCK_FD = the data dir's lock, nothing else; an empty
 * environment; default signal handling; wait until the parent has
 * registered our pid with the control listener, then exec.
 */
static void __attribute__((noreturn))
child_exec(struct child *c, char **argv, int gate)
{
	static char	*envp[] = { NULL };
	sigset_t	 none;
	char		 b;
	int		 sig;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (dup2(c->sv->devnull, STDIN_FILENO) == -1 ||
	    (c->sv->log_fd != -1 &&
	    dup2(c->sv->log_fd, STDERR_FILENO) == -1) ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) == -1)
		_exit(127);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (read(gate, &b, 1) != 1)
		_exit(127);
	if (c->proc == IPC_STORED) {
		/* dup2 onto itself would keep close-on-exec */
		if (c->sv->lock_fd == WORKER_LOCK_FD ?
		    fcntl(WORKER_LOCK_FD, F_SETFD, 0) == -1 :
		    dup2(c->sv->lock_fd, WORKER_LOCK_FD) == -1)
			_exit(127);
		close_range(WORKER_LOCK_FD + 1, ~0U, 0);
	} else
		close_range(3, ~0U, 0);
	execve(c->path, argv, envp);
	_exit(127);
}

static void
child_spawn(struct child *c)
{
	char	**argv;
	int	  gate[2];
	pid_t	  pid;

	if ((argv = child_argv(c)) == NULL) {
		log_warnx("%s: out of memory building its arguments", c->name);
		goto retry;
	}
	if (pipe2(gate, O_CLOEXEC) == -1) {
		log_warn("%s: pipe", c->name);
		goto retry_free;
	}
	ipc_set_peer_pid(c->ctl, 0);
	switch (pid = fork()) {
	case -1:
		log_warn("%s: fork", c->name);
		close(gate[0]);
		close(gate[1]);
		goto retry_free;
	case 0:
		close(gate[1]);
		child_exec(c, argv, gate[0]);
	}
	close(gate[0]);
	ipc_set_peer_pid(c->ctl, pid);
	(void)!write(gate[1], "x", 1);
	close(gate[1]);
	config_free_worker_argv(argv, 0, MAX_ARGS);
	free(argv);

	c->pid = pid;
	c->first_seq = (uint32_t)(c->sv->hb_seq + 1);
	c->state = CHILD_STARTING;
	c->started = mono_now();
	child_heard(c, c->started);
	c->kill_reason[0] = '\0';
	c->restart_requested = 0;
	restart_started(&c->rs, c->started);
	log_info("%s: started, pid %ld", c->name, (long)pid);
	announce_pids(c->sv, c);
	notify_status(c->sv);
	return;
retry_free:
	config_free_worker_argv(argv, 0, MAX_ARGS);
	free(argv);
retry:
	c->state = CHILD_BACKOFF;
	set_timer(c, 1);
}

void
children_start(struct supervisor *sv)
{
	int i;

	for (i = 0; i < IPC_NWORKERS; i++)
		child_spawn(&sv->children[i]);
}

static void
describe_exit(struct child *c, int status)
{
	_Static_assert(sizeof(c->last_exit) == sizeof(c->kill_reason),
	    "same size");
	if (c->kill_reason[0])
		memcpy(c->last_exit, c->kill_reason, sizeof(c->last_exit));
	else if (WIFEXITED(status))
		snprintf(c->last_exit, sizeof(c->last_exit), "exit %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(c->last_exit, sizeof(c->last_exit), "signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(c->last_exit, sizeof(c->last_exit), "status %d",
		    status);
}

static void
child_exited(struct child *c, int status)
{
	struct supervisor	*sv = c->sv;
	double			 delay;

	describe_exit(c, status);
	c->pid = 0;
	ipc_set_peer_pid(c->ctl, 0);
	event_del(c->timer);
	status_heard(sv->status);	/* it will not answer any more */
	if (sv->stopping) {
		c->state = CHILD_STOPPED;
		log_info("%s: stopped (%s)", c->name, c->last_exit);
		stop_next(sv);
		return;
	}
	if (c->restart_requested) {
		log_info("%s: restarting on request (%s)", c->name,
		    c->last_exit);
		c->rs.restarts++;
		child_spawn(c);
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_EXIT_CONFIG) {
		/* exit 2, like our own configuration errors: systemd's
		 * RestartPreventExitStatus=2 does not retry what cannot help */
		c->state = CHILD_FAILED;
		log_warnx("%s: refuses to run with this configuration or data "
		    "(see its last lines above); not restarting", c->name);
		sv->exit_code = 2;
		notify_status(sv);
		children_stop(sv);
		return;
	}
	if (restart_on_exit(&sv->policy, &c->rs, mono_now(), &delay) ==
	    RESTART_FAILED) {
		c->state = CHILD_FAILED;
		log_warnx("%s: %s; more than %d restarts in %.0f s, giving up",
		    c->name, c->last_exit, sv->policy.intensity,
		    sv->policy.window);
		sv->exit_code = 3;
		notify_status(sv);
		children_stop(sv);
		return;
	}
	log_warnx("%s: %s; restart %u in %.1f s", c->name, c->last_exit,
	    c->rs.restarts, delay);
	c->state = CHILD_BACKOFF;
	notify_status(sv);
	if (delay > 0)
		set_timer(c, delay);
	else
		child_spawn(c);
}

void
children_reap(struct supervisor *sv)
{
	pid_t	pid;
	int	status, i, found;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		found = 0;
		for (i = 0; i < IPC_NWORKERS; i++) {
			if (sv->children[i].pid == pid) {
				child_exited(&sv->children[i], status);
				found = 1;
				break;
			}
		}
		if (!found)
			log_debug("reaped unknown pid %ld", (long)pid);
	}
}

static void
kill_child(struct child *c, int sig, const char *reason)
{
	if (c->pid <= 0)
		return;
	if (reason)
		snprintf(c->kill_reason, sizeof(c->kill_reason), "%s", reason);
	if (kill(c->pid, sig) == -1 && errno != ESRCH)
		log_warn("%s: kill %ld", c->name, (long)c->pid);
}

/*
 * A heartbeat carries everybody's pid: the workers check each other.
 * Returns its number (the answer echoes it), 0 if it was not sent.
 */
static uint32_t
send_heartbeat(struct child *c)
{
	struct supervisor	*sv = c->sv;
	struct ipc_heartbeat	 hb;
	int			 i, rc;

	if (c->pid <= 0)
		return 0;
	memset(&hb, 0, sizeof(hb));
	hb.seq = ++sv->hb_seq;
	for (i = 0; i < IPC_NWORKERS; i++)
		hb.pids[sv->children[i].proc] = (uint32_t)(sv->children[i].pid >
		    0 ? sv->children[i].pid : 0);
	hb.pids[IPC_SUPERVISOR] = (uint32_t)getpid();
	rc = ipc_compose(c->ctl, IPC_HEARTBEAT, (uint32_t)hb.seq, &hb);
	return rc == -1 || (uint32_t)hb.seq == 0 ? 0 : (uint32_t)hb.seq;
}

uint32_t
child_poll(struct child *c)
{
	if (c->state != CHILD_RUNNING)
		return 0;
	return send_heartbeat(c);
}

/*
 * A worker was (re)started: tell the others its pid at once, rather than
 * at the next heartbeat, since they refuse its connections until then.
 */
static void
announce_pids(struct supervisor *sv, const struct child *born)
{
	int i;

	for (i = 0; i < IPC_NWORKERS; i++)
		if (&sv->children[i] != born)
			send_heartbeat(&sv->children[i]);
}

/* A worker (re)connected: greet it at once, it waits for this. */
static void
ctl_state(struct ipc_chan *ch, int connected, void *arg)
{
	(void)ch;
	if (connected)
		send_heartbeat(arg);
}

/*
 * The hang rule for c, silent since its last answer (policy.h,
 * hang_judge): killed when hung; a worker past its deadline only because
 * the machine kept it (or us) from a CPU is said so, once per silence.
 */
static void
child_check_hang(struct child *c, double now, double stall[2])
{
	struct supervisor	*sv = c->sv;
	char			 why[96];
	double			 silent = now - c->last_answer, limit;

	/* an answer is due within one interval of its heartbeat */
	if (silent <= sv->cfg.heartbeat_interval)
		return;
	limit = c->state == CHILD_STARTING ?
	    sv->cfg.start_deadline : sv->cfg.heartbeat_deadline;
	if (stall[0] == -2) {	/* read once a tick, when needed */
		stall[0] = stall_total("cpu");
		stall[1] = stall_total("io");
	}
	child_account_late(c, now, stall[0], stall[1]);
	if (hang_judge(silent, c->starved, limit)) {
		snprintf(why, sizeof(why), "no heartbeat answer for %.1f s "
		    "(%.1f s of it kept from a CPU or the disk), killed", silent,
		    c->starved);
		log_warnx("%s: pid %ld hung: %s", c->name, (long)c->pid, why);
		kill_child(c, SIGKILL, why);
	} else if (silent > limit && c->late == 1) {
		c->late = 2;	/* said once a silence */
		log_warnx("%s: no heartbeat answer for %.1f s, %.1f s of it "
		    "kept from a CPU or the disk: the machine is overloaded, "
		    "not a hang",
		    c->name, silent, c->starved);
	}
}

/*
 * The tick came lost seconds later than its period: timenoded itself did
 * not run (the whole node stopped, a cgroup frozen, `docker pause`, a VM
 * paused).  Nothing heard from the workers meanwhile says they hung: the
 * time does not count against them (each child's silence is shortened
 * by it), and the heartbeats go out now.  Before, the first tick after a
 * 7 s freeze of the node killed all three workers as hung (an operator's
 * trial, 2026-12-01): the CPU and disk stall time (PSI) that excuses a
 * starved worker does not count a stopped process.
 */
static void
tick_late(struct supervisor *sv, double now, double lost)
{
	struct child	*c;
	int		 i;

	log_warnx("timenoded did not run for %.1f s (stopped or paused): "
	    "the workers' heartbeat deadlines skip that time", lost);
	for (i = 0; i < IPC_NWORKERS; i++) {
		c = &sv->children[i];
		c->last_answer += lost;
		if (c->last_answer > now)
			c->last_answer = now;
	}
}

/* Heartbeats out, hung workers killed, the systemd watchdog fed. */
static void
tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct supervisor	*sv = arg;
	struct child		*c;
	double			 now = mono_now(), stall[2] = { -2, -2 };
	double			 lost;
	int			 i;

	(void)fd;
	(void)ev;
	if (sv->stopping)
		return;
	lost = now - sv->tick_at - sv->tick_s;
	sv->tick_at = now;
	if (lost > sv->tick_s)
		tick_late(sv, now, lost);
	status_tick(sv->status);
	for (i = 0; i < IPC_NWORKERS; i++) {
		c = &sv->children[i];
		if (c->pid > 0 && !c->kill_reason[0])
			child_check_hang(c, now, stall);
	}
	/* half a tick early is on time: the timer may fire a little early */
	if (now - sv->hb_last >= sv->cfg.heartbeat_interval - sv->tick_s / 2) {
		sv->hb_last = now;
		for (i = 0; i < IPC_NWORKERS; i++)
			send_heartbeat(&sv->children[i]);
		node_metrics_push(sv);
	}
	if (sv->wd_interval > 0 && now - sv->wd_last >= sv->wd_interval &&
	    all_running(sv)) {
		sv->wd_last = now;
		sd_notify_send("WATCHDOG=1");
	}
}

int
children_tick_start(struct supervisor *sv)
{
	struct timeval	tv;
	double		p = sv->cfg.heartbeat_interval;

	/*
	 * One wakeup a heartbeat: a hang is seen within one interval of its
	 * deadline (at least twice the interval, config.c), the systemd
	 * watchdog fed at half its interval.  It ran at a tenth of the
	 * deadline, twice a second by default, for nothing (issue 12, idle).
	 */
	if (sv->wd_interval > 0 && p > sv->wd_interval / 2)
		p = sv->wd_interval / 2;
	if (p < 0.01)
		p = 0.01;
	sv->tick_s = p;
	sv->tick_at = mono_now();
	tv.tv_sec = (time_t)p;
	tv.tv_usec = (suseconds_t)((p - (double)tv.tv_sec) * 1e6);
	sv->tick = event_new(sv->base, -1, EV_PERSIST, tick_cb, sv);
	return sv->tick == NULL ? -1 : event_add(sv->tick, &tv);
}

int
child_restart(struct supervisor *sv, struct child *c, char *err,
    size_t errlen)
{
	if (sv->stopping) {
		snprintf(err, errlen, "the node is stopping");
		return -1;
	}
	switch (c->state) {
	case CHILD_BACKOFF:
		event_del(c->timer);
		c->rs.restarts++;
		child_spawn(c);
		return 0;
	case CHILD_STARTING:
	case CHILD_RUNNING:
		if (c->restart_requested) {
			snprintf(err, errlen, "%s is already restarting",
			    c->name);
			return -1;
		}
		c->restart_requested = 1;
		kill_child(c, SIGTERM, "restarted on request");
		set_timer(c, sv->cfg.stop_timeout / IPC_NWORKERS);
		return 0;
	default:
		snprintf(err, errlen, "%s is %s", c->name,
		    child_state_names[c->state]);
		return -1;
	}
}

/* Stop the last running worker in start order; called again as each exits. */
static void
stop_next(struct supervisor *sv)
{
	struct child	*c;
	int		 i;

	for (i = IPC_NWORKERS - 1; i >= 0; i--) {
		c = &sv->children[i];
		if (c->pid > 0) {
			if (!event_pending(c->timer, EV_TIMEOUT, NULL)) {
				log_info("%s: stopping pid %ld", c->name,
				    (long)c->pid);
				kill_child(c, SIGTERM, NULL);
				set_timer(c, sv->cfg.stop_timeout /
				    IPC_NWORKERS);
			}
			return;
		}
	}
	event_base_loopbreak(sv->base);
}

void
children_stop(struct supervisor *sv)
{
	int i;

	if (sv->stopping)
		return;
	sv->stopping = 1;
	sd_notify_send("STOPPING=1");
	for (i = 0; i < IPC_NWORKERS; i++) {
		event_del(sv->children[i].timer);
		if (sv->children[i].state == CHILD_BACKOFF)
			sv->children[i].state = CHILD_STOPPED;
	}
	stop_next(sv);
}

void
children_free(struct supervisor *sv)
{
	int i;

	for (i = 0; i < IPC_NWORKERS; i++) {
		if (sv->children[i].timer)
			event_free(sv->children[i].timer);
		ipc_close(sv->children[i].ctl);
	}
	if (sv->tick)
		event_free(sv->tick);
	ipc_status_netd_free(&sv->st_netd);
}
