/* SPDX-License-Identifier: ISC */
/*
 * timenoded - the supervisor.
 *
 * Reads the configuration, prepares the data and run directories, opens
 * the control sockets and the status socket, then forks and execs stored,
 * syncd and netd (in that order) and keeps them alive one for one.  It
 * never parses network input itself.  Exit status: 0 after a clean stop,
 * 1 on a fatal error (another node holds the data dir, a directory with
 * the wrong owner), 2 on a usage or configuration error, ours or a
 * worker's (it exited WORKER_EXIT_CONFIG), 3 when a worker restarted too
 * often and was given up.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "block.h"
#include "log.h"
#include "sandbox.h"
#include "sdnotify.h"
#include "supervisor.h"
#include "timenode_version.h"
#include "worker.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: timenoded [-df] [-c file] [--data-dir dir] "
	    "[--run-dir dir]\n"
	    "                 [--listen ip:port ...] [--peer ip:port ...] "
	    "[--network name]\n"
	    "                 [--user name] [--worker-dir dir]\n"
	    "       timenoded -n [-v] [-c file] [options]   "
	    "check the configuration\n"
	    "       timenoded -h | --help | -V | --version\n");
}

static int find_workers(struct config *);

/* 0 when dir holds the three worker programs, executable */
static int
workers_in(const char *dir)
{
	static const char *const prog[] = { "stored", "syncd", "netd" };
	char	path[CONFIG_PATH_MAX + 16];
	size_t	i;

	for (i = 0; i < sizeof(prog) / sizeof(prog[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, prog[i]);
		if (access(path, X_OK) == -1)
			return -1;
	}
	return 0;
}

/*
 * "FILE:LINE: [section] key" for an error about a key's value, or
 * "[section] key" when the file does not set it (a default or an option).
 */
static const char *
key_where(const struct config *cfg, const char *section, const char *key,
    char *buf, size_t len)
{
	int line = config_key_line(cfg, section, key);

	if (line > 0)
		snprintf(buf, len, "%s:%d: [%s] %s", cfg->config_file, line,
		    section, key);
	else
		snprintf(buf, len, "[%s] %s", section, key);
	return buf;
}

/*
 * What the workers check as they start, checked here for -n without
 * starting them (syncd_load, produce_load_key, the supervisor's start):
 * the genesis of the network loads from genesis_dir (else the data dir),
 * the producer key loads and is one of the genesis' producers, the worker
 * programs are found.  (A missing service user is no error: the workers
 * fall back to nobody, with a warning.)  Syntax and
 * ranges (listen addresses among them) config_parse_args() checked.
 * 0, or -1 after the error on stderr naming the key (FILE:LINE: when the
 * file set it).
 */
static int
check_startup(struct config *cfg)
{
	static struct genesis	g;	/* large: not on the stack */
	uint8_t			pk[BLOCK_PUBKEY_LEN], sk[BLOCK_SECKEY_LEN];
	char			err[512], where[CONFIG_PATH_MAX + 64];
	const char		*dir;
	struct config		tmp;	/* find_workers() fills worker_dir */
	int			r;

	dir = cfg->genesis_dir[0] ? cfg->genesis_dir : cfg->data_dir;
	if (sodium_init() == -1) {
		fprintf(stderr, "timenoded: libsodium failed to initialise\n");
		return -1;
	}
	if (genesis_load(&g, cfg->network, dir, err, sizeof(err)) == -1) {
		fprintf(stderr, "timenoded: %s = %s: no genesis: %s\n",
		    key_where(cfg, "node", "network", where, sizeof(where)),
		    cfg->network, err);
		return -1;
	}
	if (cfg->producer_key[0]) {
		r = keyfile_load(cfg->producer_key, pk, sk, err, sizeof(err));
		sodium_memzero(sk, sizeof(sk));
		if (r == 0 && genesis_producer_index(&g.info, pk) < 0) {
			snprintf(err, sizeof(err), "%s: not a producer of "
			    "network \"%s\"", cfg->producer_key,
			    g.info.network);
			r = -1;
		}
		if (r == -1) {
			fprintf(stderr, "timenoded: %s: %s\n", key_where(cfg,
			    "sync", "producer_key", where, sizeof(where)), err);
			return -1;
		}
	}
	tmp = *cfg;
	if (find_workers(&tmp) == -1) {
		fprintf(stderr, "timenoded: %s: the worker programs are not "
		    "there%s\n", key_where(cfg, "node", "worker_dir", where,
		    sizeof(where)), cfg->worker_dir[0] ? "" :
		    " (next to timenoded or in ../libexec/timenode)");
		return -1;
	}
	return 0;
}

/*
 * The command line, and what it asks for besides running: returns -1 to
 * run, else the exit status: 0 after --help, --version or a valid -n
 * (-nv prints the effective configuration on stdout), 2 after a usage or
 * configuration error (the message on stderr, FILE:LINE when a line of
 * the file is at fault).
 */
static int
parse_command_line(struct config *cfg, int argc, char **argv)
{
	char err[CONFIG_ERR_MAX];

	config_defaults(cfg);
	if (config_parse_args(cfg, NULL, argc, argv, err, sizeof(err)) == -1) {
		fprintf(stderr, "timenoded: %s\n", err);
		if (cfg->usage_error)
			usage(stderr);
		return 2;
	}
	switch (cfg->action) {
	case CONFIG_HELP:
		usage(stdout);
		return 0;
	case CONFIG_VERSION:
		printf("timenoded %s\n", TIMENODE_VERSION_FULL);
		return 0;
	case CONFIG_CHECK:
		if (check_startup(cfg) == -1)
			return 2;
		if (cfg->verbose)
			config_print(cfg, stdout);
		else
			fprintf(stderr, "configuration OK\n");
		return 0;
	case CONFIG_RUN:
		break;
	}
	return -1;
}

/*
 * Workers live next to us (build tree) or in ../libexec/timenode; a
 * worker_dir that is set must hold them.
 */
static int
find_workers(struct config *cfg)
{
	char	 self[PATH_MAX], try[PATH_MAX + 64], *slash;
	ssize_t	 n;
	int	 i;
	static const char *const rel[] = { "", "/../libexec/timenode" };

	if (cfg->worker_dir[0])
		return workers_in(cfg->worker_dir);
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		return -1;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -1;
	*slash = '\0';
	for (i = 0; i < 2; i++) {
		snprintf(try, sizeof(try), "%s%s/stored", self, rel[i]);
		if (access(try, X_OK) == 0) {
			snprintf(try, sizeof(try), "%s%s", self, rel[i]);
			if (realpath(try, self) == NULL ||
			    strlen(self) >= sizeof(cfg->worker_dir))
				return -1;
			memcpy(cfg->worker_dir, self, strlen(self) + 1);
			return 0;
		}
	}
	return -1;
}

/*
 * Root mode: the data dir is stored's chroot, the run dir netd's and
 * syncd's, so each must be root's and writable by nobody else (OpenNTPD
 * checks its privsep dir the same way), yet searchable by the service
 * user the workers run as inside it.  Refused, never repaired: see
 * open_dir.
 */
static void
check_dir(const char *what, const char *path, int fd,
    const struct supervisor *sv)
{
	struct stat	st;

	if (fstat(fd, &st) == -1)
		fatal("%s %s", what, path);
	if (!sv->privileged)
		return;
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		fatalx("%s %s: owner uid %lu, mode %04o: as root it must be "
		    "owned by root and writable by nobody else (the workers "
		    "are chrooted into it); e.g. chown root:root %s && chmod "
		    "0711 %s", what, path, (unsigned long)st.st_uid,
		    (unsigned)(st.st_mode & 07777), path, path);
	if ((st.st_mode & S_IXOTH) == 0 &&
	    ((st.st_mode & S_IXGRP) == 0 || st.st_gid != sv->gid))
		fatalx("%s %s: mode %04o keeps the service user (uid %lu) "
		    "out; make it 0711 or 0755 (systemd: StateDirectoryMode=, "
		    "RuntimeDirectoryMode=)", what, path,
		    (unsigned)(st.st_mode & 07777), (unsigned long)sv->uid);
}

/*
 * Open the directory, making it (and its parents) when missing.  Only a
 * directory made here is given a mode (0711 as root, 0700 otherwise): an
 * existing one is never chowned nor chmodded, since systemd owns
 * StateDirectory= and RuntimeDirectory= and chowns a whole tree back when
 * it finds a foreign owner at its top (issue 10: chain.mdb became root's
 * on the second start).  Below owned (the data dir) no symbolic link is
 * followed.  Returns a descriptor of the directory; fatal on failure.
 */
static int
open_dir(const char *what, const char *path, const char *owned,
    const struct supervisor *sv)
{
	struct stat	st;
	int		fd, made;

	made = lstat(path, &st) == -1 && errno == ENOENT;
	if ((fd = sandbox_open_dir(path, owned, 1)) == -1)
		fatal("%s %s%s", what, path, owned != NULL ? " (a symbolic "
		    "link inside the data dir is refused)" : "");
	if (made && fchmod(fd, sv->privileged ? 0711 : 0700) == -1)
		fatal("%s %s: chmod", what, path);
	check_dir(what, path, fd, sv);
	return fd;
}

/*
 * One data dir, one node (issue 10), and one run dir, one node: an
 * exclusive flock(2) on DATA_DIR_LOCK in the directory, held as long as
 * we run (the data dir's also by stored, which inherits the descriptor).
 * The file holds our pid so that a second timenoded can name us.  Holding
 * the run dir alone is what lets a worker remove a socket its dead
 * predecessor left there (worker.c).  Returns the descriptor; exits 1
 * when another node holds the lock.
 */
static int
lock_dir(int dirfd, const char *what, const char *dir)
{
	struct stat	st;
	char		pid[32];
	ssize_t		n;
	int		fd;

	fd = openat(dirfd, DATA_DIR_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd == -1 || fstat(fd, &st) == -1)
		fatal("%s %s: %s", what, dir, DATA_DIR_LOCK);
	if (!S_ISREG(st.st_mode))
		fatalx("%s %s: %s is not a regular file", what, dir,
		    DATA_DIR_LOCK);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK)
			fatal("%s %s: lock %s", what, dir, DATA_DIR_LOCK);
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		fatalx("%s %s is in use by timenoded pid %s (%s/%s is "
		    "locked): one node per data dir and per run dir", what,
		    dir, pid[0] ? pid : "unknown", dir, DATA_DIR_LOCK);
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, pid, (size_t)n, 0) != n)
		fatal("%s %s: write %s", what, dir, DATA_DIR_LOCK);
	return fd;
}

static void
on_signal(evutil_socket_t sig, short ev, void *arg)
{
	struct supervisor *sv = arg;

	(void)ev;
	switch (sig) {
	case SIGCHLD:
		children_reap(sv);
		break;
	case SIGHUP:
		log_info("SIGHUP: nothing to reload; restart to apply changes");
		break;
	default:
		if (!sv->stopping)
			log_info("signal %d: stopping", (int)sig);
		children_stop(sv);
	}
}

/* the workers' lines on the relay pipe, each to syslog (log_relay) */
static void
on_worker_log(evutil_socket_t fd, short ev, void *arg)
{
	struct supervisor	*sv = arg;
	char			*nl;
	size_t			 len;
	ssize_t			 n;

	(void)ev;
	n = read(fd, sv->log_buf + sv->log_len,
	    sizeof(sv->log_buf) - sv->log_len);
	if (n <= 0)
		return;		/* EAGAIN; EOF cannot be: we hold the write end */
	sv->log_len += (size_t)n;
	while (sv->log_len > 0) {
		nl = memchr(sv->log_buf, '\n', sv->log_len);
		if (nl == NULL && sv->log_len < sizeof(sv->log_buf))
			break;		/* wait for the rest of the line */
		len = nl != NULL ? (size_t)(nl - sv->log_buf) : sv->log_len;
		log_relay(sv->log_buf, len);
		len += nl != NULL;
		sv->log_len -= len;
		memmove(sv->log_buf, sv->log_buf + len, sv->log_len);
	}
}

/*
 * Detached (no -f), once started: give the caller back its terminal or
 * pipe (stdin, stdout and stderr become /dev/null, as after daemon(3)
 * in OpenBSD's daemons) and log to syslog(3), LOG_DAEMON, our lines and
 * our workers', which write to a pipe we relay (issue 13: a closed pipe
 * of the caller's killed every worker with SIGPIPE).  Not under the
 * journal, which is no caller's.  Errors before this point still reach
 * the caller's stderr.
 */
static void
detach_logging(struct supervisor *sv)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) == -1 ||
	    fcntl(p[0], F_SETFL, O_NONBLOCK) == -1)
		fatal("pipe");
	if ((sv->log_ev = event_new(sv->base, p[0], EV_READ | EV_PERSIST,
	    on_worker_log, sv)) == NULL || event_add(sv->log_ev, NULL) == -1)
		fatalx("cannot relay the workers' log");
	sv->log_fd = p[1];
	log_set_syslog(1);
	if (dup2(sv->devnull, STDIN_FILENO) == -1 ||
	    dup2(sv->devnull, STDOUT_FILENO) == -1 ||
	    dup2(sv->devnull, STDERR_FILENO) == -1)
		fatal("/dev/null");
}

static void
setup(struct supervisor *sv)
{
	char	path[CONFIG_PATH_MAX + 16], cwd[PATH_MAX], err[CONFIG_ERR_MAX];
	int	fd;

	sv->privileged = geteuid() == 0;
	if (sv->privileged &&
	    sandbox_lookup_user(sv->cfg.user, &sv->uid, &sv->gid) == -1)
		fatalx("no user to run the workers as");
	/* once, before anybody changes directory: workers chroot */
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		fatal("getcwd");
	if (config_resolve_paths(&sv->cfg, cwd, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		exit(2);
	}
	fd = open_dir("data dir", sv->cfg.data_dir, NULL, sv);
	sv->lock_fd = lock_dir(fd, "data dir", sv->cfg.data_dir);
	close(fd);
	fd = open_dir("run dir", sv->cfg.run_dir, sv->cfg.data_dir, sv);
	sv->run_lock_fd = lock_dir(fd, "run dir", sv->cfg.run_dir);
	/*
	 * We work in the run dir: our sockets there are named relative to
	 * it, so they are bound and unlinked in this directory even if its
	 * path is later made to lead elsewhere.
	 */
	if (fchdir(fd) == -1)
		fatal("run dir %s", sv->cfg.run_dir);
	close(fd);
	if (find_workers(&sv->cfg) == -1)
		fatalx("cannot find the worker programs %s", sv->cfg.worker_dir[0] ?
		    sv->cfg.worker_dir : "next to timenoded or in "
		    "../libexec/timenode; set --worker-dir");
	if ((sv->devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		fatal("/dev/null");
	sv->policy.delay_min = sv->cfg.restart_delay_min;
	sv->policy.delay_max = sv->cfg.restart_delay_max;
	sv->policy.fast_crash = sv->cfg.fast_crash;
	sv->policy.window = sv->cfg.restart_window;
	sv->policy.intensity = sv->cfg.restart_intensity;
	sv->wd_interval = sd_watchdog_interval();
	sv->started = sv->tip_seen = mono_now();

	if ((sv->base = worker_event_base()) == NULL)
		fatalx("cannot make the event base");
	snprintf(path, sizeof(path), "%s/status.sock", sv->cfg.run_dir);
	if ((sv->status = status_open(sv, "status.sock", path)) == NULL)
		fatalx("cannot open the status socket");
	if (children_init(sv) == -1)
		fatalx("cannot open the control sockets in %s",
		    sv->cfg.run_dir);
	if (children_tick_start(sv) == -1)
		fatalx("cannot start the heartbeat timer");
}

int
main(int argc, char **argv)
{
	static struct supervisor sv;
	struct event	*sigs[5];
	static const int signos[5] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP, 0 };
	int		 i;

	/* a closed pipe on stderr (-f | logger) is no reason to die */
	signal(SIGPIPE, SIG_IGN);
	sv.log_fd = -1;
	log_init("timenoded", 0);
	if ((i = parse_command_line(&sv.cfg, argc, argv)) != -1)
		return i;
	log_init("timenoded", sv.cfg.debug);
	if (!sv.cfg.foreground && daemon(1, 1) == -1)
		fatal("daemon");
	/* decided once, here; the workers are told by --journal */
	sv.journal = log_stderr_is_journal();
	log_set_journal(sv.journal);
	log_set_bare(sv.journal);
	setup(&sv);
	if (!sv.cfg.foreground && !sv.journal)
		detach_logging(&sv);
	for (i = 0; signos[i]; i++) {
		sigs[i] = evsignal_new(sv.base, signos[i], on_signal, &sv);
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) == -1)
			fatalx("cannot handle signal %d", signos[i]);
	}
	log_info("starting: network %s, data %s, run %s, workers %s%s",
	    sv.cfg.network, sv.cfg.data_dir, sv.cfg.run_dir,
	    sv.cfg.worker_dir, sv.privileged ? ", privileged" : "");
	children_start(&sv);
	event_base_dispatch(sv.base);

	children_reap(&sv);
	status_close(sv.status);
	children_free(&sv);
	if (sv.log_ev != NULL) {
		on_worker_log(event_get_fd(sv.log_ev), EV_READ, &sv);
		event_free(sv.log_ev);
	}
	for (i = 0; signos[i]; i++)
		event_free(sigs[i]);
	event_base_free(sv.base);
	log_info("stopped%s", sv.exit_code == 3 ? ": a worker failed" :
	    sv.exit_code == 2 ? ": a worker refused its configuration" : "");
	return sv.exit_code;
}
