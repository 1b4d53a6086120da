/*
 * timenoded - the supervisor.
 *
 * Reads the configuration, prepares the data and run directories, opens
 * the control sockets and the status socket, then forks and execs stored,
 * syncd and netd (in that order) and keeps them alive one for one.  It
 * never parses network input itself.  Exit status: 0 after a clean stop,
 * 1 on a fatal error, 2 on a usage or configuration error, 3 when a worker
 * restarted too often and was given up.
 */
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
	    "                 [--listen ip:port] [--peer ip:port ...] "
	    "[--network name]\n"
	    "                 [--user name] [--worker-dir dir]\n"
	    "       timenoded -n [-v] [-c file] [options]   "
	    "check the configuration\n"
	    "       timenoded -h | --help | -V | --version\n");
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

/* Workers live next to us (build tree) or in ../libexec/timenode. */
static int
find_workers(struct config *cfg)
{
	char	 self[PATH_MAX], try[PATH_MAX + 64], *slash;
	ssize_t	 n;
	int	 i;
	static const char *const rel[] = { "", "/../libexec/timenode" };

	if (cfg->worker_dir[0])
		return 0;
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
 * Make the directory, give it mode and, as root, the service user.  Below
 * owned (the data dir, which the service user owns) no symbolic link is
 * followed: a compromised stored could have planted one to make root
 * hand it any directory.  Returns a descriptor of the directory, or -1.
 */
static int
make_dir(const char *path, mode_t mode, const char *owned,
    const struct supervisor *sv)
{
	int	fd;

	if ((fd = sandbox_open_dir(path, owned, 1)) == -1)
		return -1;
	if (fchmod(fd, mode) == -1 ||
	    (sv->privileged && fchown(fd, sv->uid, sv->gid) == -1)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Absolute paths: workers chroot and must agree with us on every path. */
static void
absolutize(char *path, size_t len)
{
	char	cwd[PATH_MAX], tmp[PATH_MAX + CONFIG_PATH_MAX + 2];

	if (path[0] == '/')
		return;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		fatal("getcwd");
	snprintf(tmp, sizeof(tmp), "%s/%s", cwd, path);
	if (strlen(tmp) >= len)
		fatalx("%s: path too long", tmp);
	memcpy(path, tmp, strlen(tmp) + 1);
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

static void
setup(struct supervisor *sv)
{
	char	path[CONFIG_PATH_MAX + 16];
	int	fd;

	sv->privileged = geteuid() == 0;
	if (sv->privileged &&
	    sandbox_lookup_user(sv->cfg.user, &sv->uid, &sv->gid) == -1)
		fatalx("no user to run the workers as");
	absolutize(sv->cfg.data_dir, sizeof(sv->cfg.data_dir));
	absolutize(sv->cfg.run_dir, sizeof(sv->cfg.run_dir));
	if (sv->cfg.worker_dir[0])
		absolutize(sv->cfg.worker_dir, sizeof(sv->cfg.worker_dir));
	if ((fd = make_dir(sv->cfg.data_dir, 0700, NULL, sv)) == -1)
		fatal("data dir %s", sv->cfg.data_dir);
	close(fd);
	if ((fd = make_dir(sv->cfg.run_dir, sv->privileged ? 0750 : 0700,
	    sv->cfg.data_dir, sv)) == -1)
		fatal("run dir %s (a symbolic link inside the data dir is "
		    "refused)", sv->cfg.run_dir);
	/*
	 * We work in the run dir: our sockets there are named relative to
	 * it, so they are bound and unlinked in this directory even if its
	 * path is later made to lead elsewhere.
	 */
	if (fchdir(fd) == -1)
		fatal("run dir %s", sv->cfg.run_dir);
	close(fd);
	if (find_workers(&sv->cfg) == -1)
		fatalx("cannot find the worker programs next to timenoded or "
		    "in ../libexec/timenode; set --worker-dir");
	if ((sv->devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		fatal("/dev/null");
	sv->policy.delay_min = sv->cfg.restart_delay_min;
	sv->policy.delay_max = sv->cfg.restart_delay_max;
	sv->policy.fast_crash = sv->cfg.fast_crash;
	sv->policy.window = sv->cfg.restart_window;
	sv->policy.intensity = sv->cfg.restart_intensity;
	sv->wd_interval = sd_watchdog_interval();
	sv->started = sv->tip_seen = mono_now();

	if ((sv->base = event_base_new()) == NULL)
		fatalx("event_base_new");
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

	log_init("timenoded", 0);
	if ((i = parse_command_line(&sv.cfg, argc, argv)) != -1)
		return i;
	log_init("timenoded", sv.cfg.debug);
	if (!sv.cfg.foreground && daemon(1, 1) == -1)
		fatal("daemon");
	signal(SIGPIPE, SIG_IGN);
	setup(&sv);
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
	for (i = 0; signos[i]; i++)
		event_free(sigs[i]);
	event_base_free(sv.base);
	log_info("stopped%s", sv.exit_code == 3 ? ": a worker failed" : "");
	return sv.exit_code;
}
