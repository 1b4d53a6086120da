/* SPDX-License-Identifier: ISC */
/*
 * worker.c - the shared main of stored, syncd and netd.
 *
 * Order matters: configuration, then the control channel (blocking dial,
 * the peer must be our parent) with the worker's own setup that needs the
 * outside (pre_sandbox) and the sandbox, in the order the mode requires
 * (see worker_main), then the worker's setup inside it, then the loop.
 * A worker that cannot sandbox itself exits: it never runs unsandboxed.
 * A worker that hears no heartbeat for three deadlines and whose parent
 * is no longer the supervisor that started it exits (PR_SET_PDEATHSIG
 * covers the usual case); see orphan_check().
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "timenode_version.h"
#include "worker.h"

#define WORKER_MMAP_MIN		(2 << 20)	/* above a catch-up batch */
#define WORKER_TRIM_MIN		(32 << 20)	/* free() trims no more */
#define WORKER_HEAP_SLACK	(1u << 20)	/* free bytes that trigger a trim */
#define WORKER_TRIM_S		1		/* heap_trim's period, seconds */

#ifdef TIMENODE_SANITIZE
/*
 * LeakSanitizer stops the world with ptrace, which the sandbox forbids;
 * leak checks run in the unit tests instead.
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

void
worker_exit_config(void)
{
	_exit(WORKER_EXIT_CONFIG);
}

void
worker_bind_failed(int err)
{
	if (err != EADDRINUSE && err != EADDRNOTAVAIL && err != EACCES)
		return;
	log_warnx("a listen address another program holds, or not this "
	    "host's: fix the configuration (a restart cannot help)");
	worker_exit_config();
}

double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
join_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n;

	n = snprintf(buf, len, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
worker_run_path(const struct worker *w, const char *name, char *buf,
    size_t len)
{
	if (!w->sb.chrooted)		/* root: relative to run_fd */
		return join_path(buf, len, w->run_fd > 0 ? "." :
		    w->cfg.run_dir, name);
	if (w->def->needs_data_dir)
		return -1;		/* chrooted into the data dir */
	return join_path(buf, len, "", name);
}

int
worker_data_path(const struct worker *w, const char *name, char *buf,
    size_t len)
{
	if (!w->sb.chrooted)
		return join_path(buf, len, w->cfg.data_dir, name);
	if (!w->def->needs_data_dir)
		return -1;
	return join_path(buf, len, "", name);
}

/*
 * Give the socket just bound to the service user.  The run directory is
 * the service user's, so what is at path by now may have been swapped for
 * a link (symbolic or hard) to something else: chown only a socket,
 * through a descriptor of the very file checked.
 */
static void
chown_socket(const char *path, uid_t uid, gid_t gid)
{
	struct stat	st;
	int		fd;

	if ((fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) == -1)
		fatal("%s", path);
	if (fstat(fd, &st) == -1)
		fatal("%s", path);
	if (!S_ISSOCK(st.st_mode))
		fatalx("%s: not our socket any more, refusing to chown it",
		    path);
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) == -1)
		fatal("chown %s", path);
	close(fd);
}

/* The service user's ids, looked up once (root mode, before any chroot). */
static void
service_user(struct worker *w)
{
	if (w->svc_uid == 0 && sandbox_lookup_user(w->cfg.user,
	    &w->svc_uid, &w->svc_gid) == -1)
		fatalx("no service user to run as");
}

/*
 * One data file for the service user: made (0600) when missing, else
 * handed over when another user owns it.  An existing file is looked at
 * through an O_PATH descriptor, which needs no permission on the file,
 * so that root needs CAP_CHOWN here but not CAP_DAC_OVERRIDE; and only a
 * regular file with one link is handed over: a link planted in a data
 * dir that someone else can write would otherwise make root give away
 * its target.
 */
static void
own_data_file(struct worker *w, int dfd, const char *name)
{
	struct stat	st;
	int		fd;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1 && errno == EEXIST)
		fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1)
		fatal("%s/%s", w->cfg.data_dir, name);
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
		fatalx("%s/%s: not a regular file with one link, refusing to "
		    "hand it to the service user", w->cfg.data_dir, name);
	if ((st.st_uid != w->svc_uid || st.st_gid != w->svc_gid) &&
	    fchownat(fd, "", w->svc_uid, w->svc_gid, AT_EMPTY_PATH) == -1)
		fatal("chown %s/%s", w->cfg.data_dir, name);
	close(fd);
}

/*
 * Root mode, before the drop: the data files the worker will write
 * (def->data_files) are the service user's; the data dir itself stays
 * root's (docs/operations.md, "Directories").
 */
static void
worker_own_data_files(struct worker *w)
{
	const char *const	*f;
	int			 dfd;

	if (w->def->data_files == NULL)
		return;
	service_user(w);
	if ((dfd = open(w->cfg.data_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		fatal("data dir %s", w->cfg.data_dir);
	for (f = w->def->data_files; *f != NULL; f++)
		own_data_file(w, dfd, *f);
	close(dfd);
}

/*
 * A socket left at path by this worker's dead predecessor (SIGKILL, or a
 * root-mode worker that may not unlink in the root-owned run dir after
 * its drop) would make the bind fail, and nng's own check (connect, then
 * unlink on ECONNREFUSED) cannot tell when root lacks CAP_DAC_OVERRIDE
 * on the service user's socket.  The supervisor holds the run dir alone
 * (DATA_DIR_LOCK) and runs one instance of each worker: remove it.  Only
 * a socket, never what else may be there.
 */
static void
remove_stale_socket(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    unlink(path) == -1 && errno != ENOENT)
		log_warn("remove the stale socket %s", path);
}

static struct ipc_chan *
worker_chan(struct worker *w, const char *sockname, enum ipc_proc peer,
    int listen, ipc_handler h, void *arg)
{
	struct ipc_chan	*c;
	char		 path[CONFIG_PATH_MAX];

	if (w->nchans >= WORKER_MAX_CHANS)
		fatalx("too many channels");
	if (worker_run_path(w, sockname, path, sizeof(path)) == -1)
		fatalx("%s: not reachable from here", sockname);
	if (listen)
		remove_stale_socket(path);
	c = listen ? ipc_listen(w->base, path, w->def->proc, peer,
	    (pid_t)w->pids[peer], h, arg) : ipc_dial(w->base, path,
	    w->def->proc, peer, (pid_t)w->pids[peer], 0, h, arg);
	if (c == NULL)
		fatalx("cannot open the channel %s", path);
	/*
	 * As root we bind before dropping privileges: hand the socket to
	 * the service user the other workers will run as.  The run
	 * directory (ours alone) keeps everybody else out.
	 */
	if (listen && geteuid() == 0) {
		service_user(w);
		chown_socket(path, w->svc_uid, w->svc_gid);
	}
	w->chans[w->nchans].chan = c;
	w->chans[w->nchans].peer = peer;
	w->nchans++;
	return c;
}

void
worker_sendq(const struct worker *w, uint32_t q[IPC_WORKER_CHANS])
{
	int i, k;

	for (k = 0; k < IPC_WORKER_CHANS; k++)
		q[k] = 0;
	for (i = 0; i < w->nchans; i++)
		for (k = 0; k < IPC_WORKER_CHANS; k++)
			if (ipc_sendq_peer(w->def->proc, k) == w->chans[i].peer)
				q[k] += ipc_chan_queued(w->chans[i].chan);
}

struct ipc_chan *
worker_listen(struct worker *w, const char *sockname, enum ipc_proc peer,
    ipc_handler h, void *arg)
{
	return worker_chan(w, sockname, peer, 1, h, arg);
}

struct ipc_chan *
worker_dial(struct worker *w, const char *sockname, enum ipc_proc peer,
    ipc_handler h, void *arg)
{
	return worker_chan(w, sockname, peer, 0, h, arg);
}

/*
 * Our status, as the answer to heartbeat seq (the answer's type is the
 * heartbeat of this worker's kind, its request id the heartbeat's number).
 */
static void
answer_heartbeat(struct worker *w, uint64_t seq)
{
	struct wbuf out;

	wbuf_init(&out, IPC_MAX_MSG - IPC_HDR_LEN);
	w->def->status(w, &out, seq);
	ipc_send(w->ctl, (uint16_t)(IPC_HEARTBEAT + w->def->proc),
	    (uint32_t)seq, &out);
	wbuf_free(&out);
}

/*
 * Alive, not serving yet (a worker that reports up, before worker_up):
 * the supervisor counts it as an answer for the hang rule but keeps the
 * worker "starting", so that "running" and systemd's READY=1 mean
 * serving.  Before, any answer after init made a worker "running": a
 * status request's heartbeat answered by a syncd still loading its tip
 * showed it running and "produce" then said "not ready" (test_tls).
 */
static void
answer_starting(struct worker *w, uint64_t seq)
{
	struct wbuf out;

	wbuf_init(&out, 16);
	ipc_send(w->ctl, IPC_HEARTBEAT_STARTING, (uint32_t)seq, &out);
	wbuf_free(&out);
}

static void
ctl_heartbeat(struct worker *w, const struct ipc_hdr *h, struct rbuf *r)
{
	struct ipc_heartbeat	 hb;
	int			 changed, i;

	if (ipc_heartbeat_decode(r, &hb) == -1) {
		log_warnx("heartbeat: malformed, dropped");
		return;
	}
	w->last_heartbeat = mono_now();
	w->orphan_said = 0;
	w->hb_seq = hb.seq;
	changed = memcmp(w->pids, hb.pids, sizeof(w->pids)) != 0;
	memcpy(w->pids, hb.pids, sizeof(w->pids));
	if (changed) {
		for (i = 0; i < w->nchans; i++)
			ipc_set_peer_pid(w->chans[i].chan,
			    (pid_t)w->pids[w->chans[i].peer]);
		if (w->def->pids_changed && w->ready)
			w->def->pids_changed(w);
	}
	(void)h;
	if (!w->ready)		/* answered once init is done */
		return;
	if (w->def->reports_up && w->up != WORKER_UP_SENT)
		answer_starting(w, hb.seq);
	else
		answer_heartbeat(w, hb.seq);
}

/*
 * Up: say so now, answering the last heartbeat again (the greeting we
 * waited for), rather than at the next one (up to heartbeat_interval
 * away), so that a restarted worker shows "running" as soon as it
 * serves (issue 12, item 3).  Once per instance.
 */
void
worker_up(struct worker *w)
{
	if (w->up == WORKER_UP_SENT)
		return;
	w->up = WORKER_UP_WANTED;
	if (!w->ready)
		return;		/* worker_main sends it after init */
	w->up = WORKER_UP_SENT;
	answer_heartbeat(w, w->hb_seq);
}

/* Proves the seccomp filter from outside: report socket(AF_INET)'s errno. */
static void
ctl_debug_socket(struct worker *w, const struct ipc_hdr *h)
{
	struct ipc_debug_socket	 d;
	int			 s;

	s = socket(AF_INET, SOCK_STREAM, 0);
	d.err = s == -1 ? errno : 0;
	if (s != -1)
		close(s);
	ipc_compose(w->ctl, IPC_DEBUG_SOCKET_ACK, h->reqid, &d);
}

static void
ctl_dispatch(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *r,
    void *arg)
{
	struct worker *w = arg;

	(void)c;
	switch (h->type) {
	case IPC_HEARTBEAT:
		ctl_heartbeat(w, h, r);
		break;
	case IPC_DEBUG_SOCKET:
		ctl_debug_socket(w, h);
		break;
	default:
		if (w->def->ctl_msg)
			w->def->ctl_msg(w, h, r);
		else
			log_warnx("control: unexpected %s, dropped",
			    ipc_type_name(h->type));
	}
}

struct event_base *
worker_event_base(void)
{
	struct event_config	*ec;
	struct event_base	*base;

	if ((ec = event_config_new()) == NULL)
		return NULL;
	if (event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER) == -1) {
		event_config_free(ec);
		return NULL;
	}
	base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (base != NULL && ipc_base_setup(base) == -1) {
		event_base_free(base);
		return NULL;
	}
	return base;
}

/*
 * Every heartbeat_deadline: no heartbeat for three deadlines, and the
 * supervisor is taken to be gone, if it is: our parent is no longer the
 * process that started us (PR_SET_PDEATHSIG covers the usual case).
 * While it lives, the silence is more likely ours than its: a worker kept
 * from a CPU (100 nodes on 2 cores; the heartbeats wait in nng's queue
 * while its threads wait for a CPU) took itself for an orphan and exited
 * (issue 12).  The supervisor kills a worker it finds hung; a hung
 * supervisor is systemd's watchdog's to kill.  Only six times as long a
 * silence ends us with the supervisor still there.
 */
#define ORPHAN_WALL_FACTOR	6
static void
orphan_check(evutil_socket_t fd, short ev, void *arg)
{
	struct worker	*w = arg;
	double		 limit = 3 * w->cfg.heartbeat_deadline;
	double		 silent = mono_now() - w->last_heartbeat;

	(void)fd;
	(void)ev;
	if (silent <= limit)
		return;
	if (getppid() == w->supervisor_pid &&
	    silent <= ORPHAN_WALL_FACTOR * limit) {
		if (!w->orphan_said) {
			w->orphan_said = 1;
			log_warnx("no heartbeat from the supervisor for %.1f "
			    "s, but it runs: waiting", silent);
		}
		return;
	}
	log_warnx("no heartbeat from the supervisor for %.1f s, exiting",
	    silent);
	event_base_loopbreak(w->base);
}

/*
 * Every WORKER_TRIM_S: when malloc holds more than WORKER_HEAP_SLACK
 * bytes free (mallinfo2), malloc_trim gives them back to the kernel (the
 * heap's top, and the pages of free chunks inside it), so RSS falls back
 * after a burst (test_hostile's "memory back" settle: idle + 8 MiB within
 * 10 s, for three workers) while buffers freed and asked for again within
 * the second are reused without a page fault.  Free chunks already given
 * back still count in fordblks, so a fragmented heap is walked each
 * second: microseconds at these heaps' sizes (tens of MiB), and a
 * catch-up faults a few MiB a second in again, against the thousands of
 * faults a second the heap's reuse saves.  Under ASan, whose allocator
 * holds the memory, it finds nothing to do.
 */
static void
heap_trim(evutil_socket_t fd, short ev, void *arg)
{
	struct mallinfo2	mi;

	(void)fd;
	(void)ev;
	(void)arg;
	mi = mallinfo2();
	if (mi.fordblks > WORKER_HEAP_SLACK)
		(void)malloc_trim(0);
}

static void
on_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct worker *w = arg;

	(void)ev;
	log_info("signal %d received, stopping", (int)sig);
	if (w->def->shutdown)
		w->def->shutdown(w);
	event_base_loopbreak(w->base);
}

static int
heard(void *arg)
{
	const struct worker *w = arg;

	return w->last_heartbeat != 0;
}

/*
 * A connected dial is not yet a channel: right after a restart the
 * supervisor's pair0 socket may still hold our predecessor's pipe and
 * refuse us, and nng redials by path, which a chrooted worker no longer
 * sees.  So wait, bounded, for the first heartbeat before going on; it
 * also brings the pids the other channels check.
 */
static void
worker_await_heartbeat(struct worker *w)
{
	if (!ipc_loop_until(w->base, heard, w, mono_now() +
	    w->cfg.start_deadline, 0.1))
		fatalx("no heartbeat from the supervisor within %.1f s",
		    w->cfg.start_deadline);
}

/*
 * Root mode: the run dir sits in the data dir by default; where someone
 * else than root can write the data dir (a layout of an older version,
 * or made by hand), it could be swapped for a symbolic link between two
 * starts of a worker.  So a worker running as root opens it without
 * following links, works in it (cwd) and chroots through that
 * descriptor, never through its path.
 */
static void
worker_enter_run_dir(struct worker *w)
{
	if ((w->run_fd = sandbox_open_dir(w->cfg.run_dir, w->cfg.data_dir,
	    0)) == -1)
		fatal("run dir %s (a symbolic link inside the data dir is "
		    "refused)", w->cfg.run_dir);
	if (fchdir(w->run_fd) == -1)
		fatal("run dir %s", w->cfg.run_dir);
}

static void
worker_connect(struct worker *w)
{
	w->ctl = ipc_dial(w->base, w->wopts.ctl_url, w->def->proc,
	    IPC_SUPERVISOR, getppid(), 1, ctl_dispatch, w);
	if (w->ctl == NULL)
		fatalx("cannot reach the supervisor at %s", w->wopts.ctl_url);
	worker_await_heartbeat(w);
	if (w->def->pre_sandbox && w->def->pre_sandbox(w) == -1)
		fatalx("setup failed");
}

static void
worker_sandbox(struct worker *w)
{
	struct sandbox	sb;
	size_t		i;

	memset(&sb, 0, sizeof(sb));
	sb.name = ipc_proc_names[w->def->proc];
	sb.user = w->cfg.user;
	sb.root = w->def->needs_data_dir ? w->cfg.data_dir : w->cfg.run_dir;
	if (!w->def->needs_data_dir)
		sb.root_fd = w->run_fd;
	sb.rw_paths[0] = w->cfg.run_dir;
	if (w->def->needs_data_dir)
		sb.rw_paths[1] = w->cfg.data_dir;
	sb.net = w->def->net;
	if (w->def->needs_data_dir)
		sb.syscalls = SANDBOX_SYSCALLS_DATA;
	_Static_assert(SANDBOX_MAX_PORTS >= CONFIG_MAX_LISTEN, "ports");
	for (i = 0; i < w->cfg.nlisten; i++)
		sb.tcp_ports[i] = w->cfg.listen[i].port;
	if (w->def->proc == IPC_NETD)	/* it serves the metrics */
		sb.metrics_port = w->cfg.metrics_listen.port;
	if (sandbox_apply(&sb, &w->sb) == -1)
		fatalx("cannot apply the sandbox, refusing to run without it");
	if (w->run_fd > 0) {	/* a way out of the chroot: gone */
		close(w->run_fd);
		w->run_fd = 0;
	}
}

static void
worker_loop(struct worker *w)
{
	struct event	*sigterm, *sigint, *orphan, *trim;
	struct timeval	 tv, trim_tv = { WORKER_TRIM_S, 0 };

	sigterm = evsignal_new(w->base, SIGTERM, on_signal, w);
	sigint = evsignal_new(w->base, SIGINT, on_signal, w);
	/*
	 * The orphan check runs once a heartbeat_deadline (it was every
	 * second): its limit is three of them, so a worker whose supervisor
	 * is gone still exits within four, and an idle one wakes for it a
	 * fifth as often.
	 */
	tv.tv_sec = (time_t)w->cfg.heartbeat_deadline;
	tv.tv_usec = (suseconds_t)((w->cfg.heartbeat_deadline -
	    (double)tv.tv_sec) * 1e6);
	orphan = event_new(w->base, -1, EV_PERSIST, orphan_check, w);
	trim = event_new(w->base, -1, EV_PERSIST, heap_trim, NULL);
	if (sigterm == NULL || sigint == NULL || orphan == NULL ||
	    trim == NULL || evsignal_add(sigterm, NULL) == -1 ||
	    evsignal_add(sigint, NULL) == -1 ||
	    event_add(orphan, &tv) == -1 || event_add(trim, &trim_tv) == -1)
		fatalx("cannot set up the event loop");
	w->last_heartbeat = mono_now();
	log_debug("running");
	event_base_dispatch(w->base);
	event_free(sigterm);
	event_free(sigint);
	event_free(orphan);
	event_free(trim);
}

/* --help, and the usage line on a usage error (to f). */
static void
worker_usage(FILE *f, const struct worker_def *def)
{
	const char *name = ipc_proc_names[def->proc];

	fprintf(f, "usage: %s --ctl URL [-d] [-c file] [timenoded's options]\n"
	    "%s       %s -h | --help | -V | --version\n"
	    "%s is started by timenoded, not by hand: see timenoded(8).\n",
	    name, def->usage_extra ? def->usage_extra : "", name, name);
}

/*
 * The command line: -1 to go on, else the exit status (0 after --help or
 * --version; 2 after a usage error; WORKER_EXIT_CONFIG when the
 * supervisor that started us is another version).
 */
static int
worker_args(struct worker *w, int argc, char **argv)
{
	char		 err[CONFIG_ERR_MAX];
	const char	*name = ipc_proc_names[w->def->proc];

	if (config_parse_args(&w->cfg, &w->wopts, argc, argv, err,
	    sizeof(err)) == -1) {
		if (w->cfg.usage_error) {	/* by hand: a wrong option */
			fprintf(stderr, "%s: %s\n", name, err);
			worker_usage(stderr, w->def);
			return 2;
		}
		/* restarting cannot help: the supervisor gives up, exit 2 */
		log_warnx("%s", err);
		return WORKER_EXIT_CONFIG;
	}
	if (w->cfg.action == CONFIG_HELP) {
		worker_usage(stdout, w->def);
		return 0;
	}
	if (w->cfg.action == CONFIG_VERSION) {
		printf("%s %s\n", name, TIMENODE_VERSION_FULL);
		return 0;
	}
	if (w->wopts.ctl_url[0] == '\0') {
		fprintf(stderr, "%s: --ctl SOCKET is required (workers are "
		    "started by timenoded)\n", name);
		return 2;
	}
	/*
	 * A package upgrade replaces the programs under a running
	 * supervisor: a worker of another build may not speak its IPC, so
	 * it refuses to start, and the supervisor gives up with this line.
	 */
	if (w->wopts.expect_version[0] && strcmp(w->wopts.expect_version,
	    TIMENODE_VERSION_FULL) != 0) {
		fprintf(stderr, "%s: version %s, but timenoded is %s: restart "
		    "timenoded to run the installed version\n", name,
		    TIMENODE_VERSION_FULL, w->wopts.expect_version);
		return WORKER_EXIT_CONFIG;
	}
	return -1;
}

int
worker_main(int argc, char **argv, const struct worker_def *def)
{
	struct worker	 w;
	const char	*name = ipc_proc_names[def->proc];
	int		 i, rc;

	memset(&w, 0, sizeof(w));
	w.def = def;
	w.supervisor_pid = getppid();
	/*
	 * From the first line on: a log line to a closed pipe on stderr
	 * (timenoded -f | logger, logger gone) fails with EPIPE instead of
	 * killing us (issue 13).  nng and libevent write with it ignored too.
	 */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Blocks and their messages are up to 4 MiB: allocations from
	 * WORKER_MMAP_MIN up are mmapped and given back when freed.  glibc's
	 * default threshold grows with the largest chunk freed (up to 32
	 * MiB), and then a burst of such buffers stays in the heap after it
	 * (issue 11, item 3: 112 MB kept after a flood of requests).  Below
	 * it (a catch-up batch of 1.2 MB, an answer of 256 blocks) buffers
	 * come from the heap and are reused, and free() does not shrink the
	 * heap's top (WORKER_TRIM_MIN): with a threshold of 128 KiB each
	 * such buffer was mapped, faulted in page by page and unmapped
	 * again, 36% of a checkpoint catch-up's CPU (issue 12: 22.0 -> 14.0
	 * us a block, all processes).  heap_trim gives the heap back within
	 * a second instead.  One arena for every thread: malloc_trim gives
	 * back free pages inside an arena but shrinks only the main arena's
	 * top, so nng's threads' arenas kept what a burst left on their tops
	 * (netd: 15 MiB after ten peers' answers of 1 MiB, test_hostile);
	 * small allocations stay per thread (tcache), and a catch-up was as
	 * fast (bench_sync, same hour: within run-to-run noise).
	 */
	(void)mallopt(M_MMAP_THRESHOLD, WORKER_MMAP_MIN);
	(void)mallopt(M_TRIM_THRESHOLD, WORKER_TRIM_MIN);
	(void)mallopt(M_ARENA_MAX, 1);
	log_init(name, 0);
	config_defaults(&w.cfg);
	if ((rc = worker_args(&w, argc, argv)) != -1)
		return rc;
	log_init(name, w.cfg.debug);
	log_set_journal(w.wopts.journal);
	if (def->load && def->load(&w) == -1)
		fatalx("cannot load what this worker needs");
	if ((w.base = worker_event_base()) == NULL)
		fatalx("event_base_new failed");
	/*
	 * Root mode chroots (stored out of sight of the run directory), so
	 * the outside is opened first; chroot, ids and seccomp (TSYNC) cover
	 * nng's threads.  Landlock binds only the calling thread and those
	 * it creates later, so unprivileged, the sandbox comes before the
	 * first nng call and the outside stays in view through rw_paths.
	 */
	if (geteuid() == 0) {
		worker_enter_run_dir(&w);
		worker_connect(&w);
		worker_own_data_files(&w);
		worker_sandbox(&w);
	} else {
		worker_sandbox(&w);
		worker_connect(&w);
	}
	if (def->init && def->init(&w) == -1)
		fatalx("initialisation failed");
	w.ready = 1;
	if (!def->reports_up || w.up == WORKER_UP_WANTED)
		worker_up(&w);
	worker_loop(&w);
	for (i = 0; i < w.nchans; i++)
		ipc_close(w.chans[i].chan);
	ipc_close(w.ctl);
	event_base_free(w.base);
	log_info("stopped");
	return 0;
}
