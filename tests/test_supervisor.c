/*
 * test_supervisor.c - timenoded as a process: restarts, hangs, stop,
 * privilege separation, sd_notify, the status socket, bad configuration.
 *
 * Each test starts its own node in its own temporary directory on its own
 * loopback address with compressed intervals (harness.c), and stops and
 * removes it whatever happens.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit.h"
#include "harness.h"

static const char *const workers[] = { "stored", "syncd", "netd" };
#define HB_DEADLINE	2.0	/* tn_fast_supervisor */

static json_t *
start_node(struct tn_node *n, const char *ip, const char *extra_conf,
    const char *const *args, const char *const *env)
{
	char	conf[2048];
	json_t	*st;

	snprintf(conf, sizeof(conf), "%s%s", tn_fast_supervisor,
	    extra_conf ? extra_conf : "");
	CU_ASSERT_FATAL(tn_node_init(n, ip, 24100, conf) == 0);
	CU_ASSERT_FATAL(tn_node_start(n, args, env) == 0);
	st = tn_wait_running(n, 15);
	CU_ASSERT_PTR_NOT_NULL(st);
	return st;
}

/* poll until name has a live pid other than old, in state running */
static pid_t
wait_replaced(struct tn_node *n, const char *name, pid_t old, double timeout)
{
	double	 end = tn_now() + timeout;
	json_t	*st;
	pid_t	 pid;

	while (tn_now() < end) {
		if ((st = tn_status(n)) != NULL) {
			pid = tn_component_pid(st, name);
			if (pid > 0 && pid != old && tn_pid_alive(pid) &&
			    strcmp(tn_component_state(st, name), "running") ==
			    0) {
				json_decref(st);
				return pid;
			}
			json_decref(st);
		}
		tn_sleep(0.02);
	}
	return -1;
}

static void
test_kill_each_worker(void)
{
	struct tn_node	 n;
	json_t		*st, *c;
	pid_t		 pids[3], np;
	int		 i, j;

	if ((st = start_node(&n, "127.0.0.2", NULL, NULL, NULL)) == NULL)
		goto out;
	for (i = 0; i < 3; i++) {
		pids[i] = tn_component_pid(st, workers[i]);
		/* each worker's version: the supervisor's (issue 13) */
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
		    tn_component(st, workers[i]), "version")),
		    json_string_value(json_object_get(json_object_get(st,
		    "node"), "version")));
	}
	CU_ASSERT(tn_json_int(json_object_get(st, "node"), "protocol") >= 1);
	json_decref(st);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_FATAL(kill(pids[i], SIGKILL) == 0);
		np = wait_replaced(&n, workers[i], pids[i], 10);
		CU_ASSERT(np > 0);
		st = tn_status(&n);
		CU_ASSERT_PTR_NOT_NULL_FATAL(st);
		c = tn_component(st, workers[i]);
		CU_ASSERT_EQUAL(tn_json_int(c, "restarts"), 1);
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(c,
		    "last_exit")), "signal 9 (Killed)");
		/* the others were not touched */
		for (j = 0; j < 3; j++)
			if (j != i) {
				CU_ASSERT_EQUAL(tn_component_pid(st,
				    workers[j]), pids[j]);
				CU_ASSERT(tn_pid_alive(pids[j]));
			}
		CU_ASSERT(!tn_pid_alive(pids[i]));
		pids[i] = np;
		json_decref(st);
	}
	CU_ASSERT_EQUAL(WEXITSTATUS(tn_node_stop(&n, 10)), 0);
out:
	tn_node_cleanup(&n);
}

static void
test_sigstop_replaced(void)
{
	struct tn_node	 n;
	json_t		*st;
	pid_t		 old, np;
	double		 t0, took;

	if ((st = start_node(&n, "127.0.0.3", NULL, NULL, NULL)) == NULL)
		goto out;
	old = tn_component_pid(st, "syncd");
	json_decref(st);
	t0 = tn_now();
	CU_ASSERT_FATAL(kill(old, SIGSTOP) == 0);
	np = wait_replaced(&n, "syncd", old, 3 * HB_DEADLINE);
	took = tn_now() - t0;
	CU_ASSERT(np > 0);
	/* hang detected after the deadline, checked every deadline/10 */
	CU_ASSERT(took >= HB_DEADLINE - 0.5);
	CU_ASSERT(took <= HB_DEADLINE + 1.0);
	printf("\n  SIGSTOPped syncd replaced after %.2f s (deadline %.1f s) ",
	    took, HB_DEADLINE);
	CU_ASSERT(!tn_pid_alive(old));
	st = tn_status(&n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT(strstr(json_string_value(json_object_get(tn_component(st,
	    "syncd"), "last_exit")), "no heartbeat") != NULL);
	json_decref(st);
out:
	tn_node_cleanup(&n);
}

static void
test_restart_command(void)
{
	struct tn_node	 n;
	json_t		*st, *ans;
	pid_t		 old;

	if ((st = start_node(&n, "127.0.0.4", NULL, NULL, NULL)) == NULL)
		goto out;
	old = tn_component_pid(st, "netd");
	json_decref(st);
	ans = tn_command(n.sock, "restart netd");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ans);
	CU_ASSERT(json_is_true(json_object_get(ans, "ok")));
	json_decref(ans);
	CU_ASSERT(wait_replaced(&n, "netd", old, 10) > 0);
	ans = tn_command(n.sock, "restart nosuch");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ans);
	CU_ASSERT(json_is_string(json_object_get(ans, "error")));
	json_decref(ans);
out:
	tn_node_cleanup(&n);
}

/* read lines from fd until n newlines or timeout; returns bytes */
static size_t
read_lines(int fd, char *buf, size_t cap, int want, double timeout)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	double		end = tn_now() + timeout;
	size_t		have = 0;
	ssize_t		r;
	int		lines = 0;

	while (lines < want && have < cap - 1 && tn_now() < end) {
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		if ((r = read(fd, buf + have, cap - 1 - have)) <= 0)
			break;
		for (ssize_t i = 0; i < r; i++)
			lines += buf[have + (size_t)i] == '\n';
		have += (size_t)r;
	}
	buf[have] = '\0';
	return have;
}

static int
status_ok(struct tn_node *n)
{
	json_t	*st = tn_status(n);
	int	 ok = st && json_is_array(json_object_get(st, "components"));

	json_decref(st);
	return ok;
}

static void
test_status_socket_abuse(void)
{
	struct tn_node	 n;
	json_t		*st, *o;
	char		*ans, big[5000], buf[8192];
	int		 fd, half, many[30], i, got, dropped;
	double		 t0;
	static const struct {
		const char	*line;
		size_t		 len;
	} ctl[] = {
		{ "\0status\n", 8 },		/* used to get no answer */
		{ "\0\n", 2 },
		{ "status\0junk\n", 12 },	/* answered as "status" */
		{ "help\0\n", 6 },
		{ "help\x1b[2J\n", 9 },
		{ "status\x7f\n", 8 },
		{ "he\rlp\n", 6 },
	};

	if ((st = start_node(&n, "127.0.0.5", NULL, NULL, NULL)) == NULL)
		goto out;
	json_decref(st);

	/* garbage bytes */
	ans = tn_exchange(n.sock, "\x01\x02\xff\xfe\x80\n", 6, 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ans);
	CU_ASSERT(strstr(ans, "\"error\"") != NULL);
	free(ans);

	/*
	 * Control bytes (issue 11, item 12): a line that starts with a NUL
	 * used to get no answer at all, one with a NUL inside was cut there
	 * and answered as the shorter command.  Each gets an error now; a
	 * CRLF line ending is still a plain line.
	 */
	for (i = 0; i < (int)(sizeof(ctl) / sizeof(ctl[0])); i++) {
		ans = tn_exchange(n.sock, ctl[i].line, ctl[i].len, 5);
		CU_ASSERT_PTR_NOT_NULL(ans);
		if (ans == NULL)
			continue;
		CU_ASSERT(strstr(ans, "control byte") != NULL);
		CU_ASSERT(strstr(ans, "\"components\"") == NULL);
		CU_ASSERT(strstr(ans, "\"commands\"") == NULL);
		free(ans);
	}
	ans = tn_exchange(n.sock, "help\r\n", 6, 5);
	CU_ASSERT(ans != NULL && strstr(ans, "\"commands\"") != NULL);
	free(ans);

	/* unknown command, then the same connection keeps working */
	fd = tn_connect_unix(n.sock);
	CU_ASSERT_FATAL(fd != -1);
	CU_ASSERT(write(fd, "frobnicate\nhelp\n", 16) == 16);
	read_lines(fd, buf, sizeof(buf), 2, 5);
	CU_ASSERT(strstr(buf, "unknown command") != NULL);
	CU_ASSERT(strstr(buf, "\"commands\"") != NULL);
	close(fd);

	/* an over-long line gets an error, the socket keeps serving */
	memset(big, 'a', sizeof(big));
	ans = tn_exchange(n.sock, big, sizeof(big), 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ans);
	CU_ASSERT(strstr(ans, "line too long") != NULL);
	free(ans);
	CU_ASSERT(status_ok(&n));

	/* a half-open client does not hold up anybody */
	half = tn_connect_unix(n.sock);
	CU_ASSERT(half != -1 && write(half, "sta", 3) == 3);
	t0 = tn_now();
	CU_ASSERT(status_ok(&n));
	CU_ASSERT(tn_now() - t0 < 1.0);

	/* a client that never reads is dropped, the others are served */
	fd = tn_connect_unix(n.sock);
	CU_ASSERT_FATAL(fd != -1);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 100; i++)
		memcpy(big + 7 * i, "status\n", 7);
	dropped = 0;
	for (t0 = tn_now(), i = 0; tn_now() - t0 < 10; i++) {
		if (send(fd, big, 700, MSG_NOSIGNAL) == -1) {
			if (errno == EPIPE || errno == ECONNRESET) {
				dropped = 1;
				break;
			}
			tn_sleep(0.002);
		}
		if (i == 50)	/* served while the flood goes on */
			CU_ASSERT(status_ok(&n));
	}
	CU_ASSERT(dropped);
	CU_ASSERT(tn_file_contains(n.log, "client does not read its answers"));
	t0 = tn_now();
	CU_ASSERT(status_ok(&n));
	CU_ASSERT(tn_now() - t0 < 2.0);
	close(fd);

	/* many clients at once */
	for (i = 0; i < 30; i++) {
		many[i] = tn_connect_unix(n.sock);
		CU_ASSERT(many[i] != -1);
	}
	for (i = 0; i < 30; i++)
		if (many[i] != -1)
			CU_ASSERT(write(many[i], "status\n", 7) == 7);
	for (got = 0, i = 0; i < 30; i++) {
		if (many[i] == -1)
			continue;
		read_lines(many[i], buf, sizeof(buf), 1, 5);
		if ((o = json_loads(buf, 0, NULL)) != NULL &&
		    json_object_get(o, "components"))
			got++;
		json_decref(o);
		close(many[i]);
	}
	CU_ASSERT_EQUAL(got, 30);
	if (half != -1)
		close(half);

	/*
	 * A client that sends its command and half-closes at once (echo |
	 * nc -N) still gets the answer a worker gives later.
	 */
	fd = tn_connect_unix(n.sock);
	CU_ASSERT_FATAL(fd != -1);
	CU_ASSERT(write(fd, "verify\n", 7) == 7);
	CU_ASSERT(shutdown(fd, SHUT_WR) == 0);
	read_lines(fd, buf, sizeof(buf), 1, 20);
	CU_ASSERT(strstr(buf, "\"ok\":true") != NULL &&
	    strstr(buf, "\"component\":\"stored\"") != NULL);
	close(fd);
	CU_ASSERT(status_ok(&n));
	CU_ASSERT(tn_pid_alive(n.pid));
out:
	tn_node_cleanup(&n);
}

/* A datagram socket standing in for systemd's $NOTIFY_SOCKET. */
static void
test_sd_notify(void)
{
	struct sockaddr_un	 sun;
	struct tn_node		 n;
	struct pollfd		 pfd;
	char			 path[100], env1[320], buf[512], all[8192];
	const char		*env[3];
	json_t			*st;
	size_t			 have = 0;
	ssize_t			 r;
	double			 end;
	int			 fd, ready = 0, wd_after_ready = 0, stopping = 0;

	snprintf(path, sizeof(path), "/tmp/timenode-notify.%ld",
	    (long)getpid());
	unlink(path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	CU_ASSERT_FATAL(fd != -1);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	snprintf(env1, sizeof(env1), "NOTIFY_SOCKET=%s", path);
	env[0] = env1;
	env[1] = "WATCHDOG_USEC=1000000";
	env[2] = NULL;
	st = start_node(&n, "127.0.0.6", NULL, NULL, env);
	json_decref(st);
	pfd.fd = fd;
	pfd.events = POLLIN;
	end = tn_now() + 5;
	while (tn_now() < end && !wd_after_ready) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((r = recv(fd, buf, sizeof(buf) - 1, 0)) <= 0)
			break;
		buf[r] = '\0';
		if (have + (size_t)r + 2 < sizeof(all)) {
			memcpy(all + have, buf, (size_t)r);
			have += (size_t)r;
			all[have++] = '|';
			all[have] = '\0';
		}
		if (strcmp(buf, "READY=1") == 0)
			ready = 1;
		if (strcmp(buf, "WATCHDOG=1") == 0 && ready)
			wd_after_ready = 1;
	}
	CU_ASSERT(ready);
	CU_ASSERT(wd_after_ready);
	CU_ASSERT(strstr(all, "STATUS=stored running, syncd running, "
	    "netd running") != NULL);
	tn_node_stop(&n, 10);
	while (poll(&pfd, 1, 100) > 0 &&
	    (r = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[r] = '\0';
		if (strcmp(buf, "STOPPING=1") == 0)
			stopping = 1;
	}
	CU_ASSERT(stopping);
	close(fd);
	unlink(path);
	tn_node_cleanup(&n);
}

/* A worker that crashes at once every time is given up: exit 3. */
static void
test_crash_loop_fails(void)
{
	struct tn_node	 n;
	char		 wdir[300], p[400], bin[400], conf[1024];
	const char	*args[3];
	FILE		*f;
	int		 st, i;

	snprintf(conf, sizeof(conf), "%s", "[supervisor]\n"
	    "heartbeat_interval = 0.2\nheartbeat_deadline = 2\n"
	    "restart_delay_min = 0.1\nrestart_delay_max = 0.4\n"
	    "fast_crash = 5\nrestart_intensity = 3\nrestart_window = 30\n"
	    "stop_timeout = 3\n");
	CU_ASSERT_FATAL(tn_node_init(&n, "127.0.0.7", 24100, conf) == 0);
	snprintf(wdir, sizeof(wdir), "%s/workers", n.dir);
	CU_ASSERT_FATAL(mkdir(wdir, 0755) == 0);
	snprintf(p, sizeof(p), "%s/stored", wdir);
	f = fopen(p, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs("#!/bin/sh\nkill -SEGV $$\n", f);
	fclose(f);
	chmod(p, 0755);
	for (i = 1; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", wdir, workers[i]);
		CU_ASSERT(symlink(tn_bin(workers[i], bin, sizeof(bin)), p) ==
		    0);
	}
	args[0] = "--worker-dir";
	args[1] = wdir;
	args[2] = NULL;
	CU_ASSERT_FATAL(tn_node_start(&n, args, NULL) == 0);
	st = tn_node_wait_exit(&n, 20);
	CU_ASSERT(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 3);
	CU_ASSERT(tn_file_contains(n.log, "stored: signal 11"));
	CU_ASSERT(tn_file_contains(n.log, "more than 3 restarts in 30 s, "
	    "giving up"));
	/* the healthy workers were stopped, not left behind */
	CU_ASSERT(tn_file_contains(n.log, "syncd: stopped"));
	CU_ASSERT(tn_file_contains(n.log, "netd: stopped"));
	tn_node_cleanup(&n);
}

static void
test_sigterm_stops_all(void)
{
	struct tn_node	 n;
	json_t		*st;
	pid_t		 pids[3];
	double		 t0;
	int		 i, status;

	if ((st = start_node(&n, "127.0.0.8", NULL, NULL, NULL)) == NULL)
		goto out;
	for (i = 0; i < 3; i++) {
		pids[i] = tn_component_pid(st, workers[i]);
		/* each worker's version: the supervisor's (issue 13) */
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
		    tn_component(st, workers[i]), "version")),
		    json_string_value(json_object_get(json_object_get(st,
		    "node"), "version")));
	}
	CU_ASSERT(tn_json_int(json_object_get(st, "node"), "protocol") >= 1);
	json_decref(st);
	t0 = tn_now();
	status = tn_node_stop(&n, 10);
	CU_ASSERT(status != -1 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	CU_ASSERT(tn_now() - t0 < 6.0);		/* stop_timeout */
	for (i = 0; i < 3; i++)
		CU_ASSERT(!tn_pid_alive(pids[i]));
	CU_ASSERT(access(n.sock, F_OK) == -1);
	/* reverse order: netd, syncd, stored */
	CU_ASSERT(tn_file_contains(n.log, "netd: stopping"));
	CU_ASSERT(tn_file_contains(n.log, "stored: stopped (exit 0)"));
out:
	tn_node_cleanup(&n);
}

static int
run_timenoded(const char *const *args, char *err, size_t errlen)
{
	char	 bin[400], cmd[2048];
	FILE	*p;
	size_t	 n;
	int	 st, i;

	snprintf(cmd, sizeof(cmd), "%s", tn_bin("timenoded", bin,
	    sizeof(bin)));
	for (i = 0; args[i]; i++) {
		strncat(cmd, " '", sizeof(cmd) - strlen(cmd) - 1);
		strncat(cmd, args[i], sizeof(cmd) - strlen(cmd) - 1);
		strncat(cmd, "'", sizeof(cmd) - strlen(cmd) - 1);
	}
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	n = fread(err, 1, errlen - 1, p);
	err[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_config_errors(void)
{
	char		 out[2048], path[] = "/tmp/timenode-conf.XXXXXX";
	const char	*a1[] = { "-f", "--bogus", NULL };
	const char	*a2[] = { "-f", "--listen", "127.0.0.1:99999", NULL };
	const char	*a3[] = { "-f", "-c", path, NULL };
	const char	*a4[] = { "-f", "-c", "/nonexistent/timenode.conf",
			    NULL };
	int		 fd;

	CU_ASSERT_EQUAL(run_timenoded(a1, out, sizeof(out)), 2);
	CU_ASSERT(strstr(out, "--bogus") != NULL);
	CU_ASSERT_EQUAL(run_timenoded(a2, out, sizeof(out)), 2);
	CU_ASSERT(strstr(out, "listen") != NULL &&
	    strstr(out, "99999") != NULL);
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd != -1);
	CU_ASSERT(write(fd, "[p2p]\nping_intervall = 5\n", 25) == 25);
	close(fd);
	CU_ASSERT_EQUAL(run_timenoded(a3, out, sizeof(out)), 2);
	CU_ASSERT(strstr(out, "ping_intervall") != NULL);
	CU_ASSERT_EQUAL(run_timenoded(a4, out, sizeof(out)), 2);
	CU_ASSERT(strstr(out, "/nonexistent/timenode.conf") != NULL);
	unlink(path);
}

static int
debug_socket_errno(struct tn_node *n, const char *name)
{
	char	 cmd[64];
	json_t	*o;
	int	 e;

	snprintf(cmd, sizeof(cmd), "debug-socket %s", name);
	if ((o = tn_command(n->sock, cmd)) == NULL)
		return -2;
	e = json_is_integer(json_object_get(o, "errno")) ?
	    (int)json_integer_value(json_object_get(o, "errno")) : -3;
	json_decref(o);
	return e;
}

/* Checks common to both modes, from the outside. */
static void
check_sandboxed(struct tn_node *n, json_t *st, int chrooted)
{
	char	 v[128], root[512];
	ssize_t	 len;
	pid_t	 pid;
	int	 i;

	for (i = 0; i < 3; i++) {
		pid = tn_component_pid(st, workers[i]);
		CU_ASSERT_FATAL(pid > 0);
		CU_ASSERT(tn_read_proc_status(pid, "NoNewPrivs", v,
		    sizeof(v)) == 0 && strcmp(v, "1") == 0);
		CU_ASSERT(tn_read_proc_status(pid, "Seccomp", v,
		    sizeof(v)) == 0 && strcmp(v, "2") == 0);
		CU_ASSERT(tn_read_proc_status(pid, "Uid", v, sizeof(v)) == 0 &&
		    strtol(v, NULL, 10) != 0);
		if (geteuid() != 0)
			continue;	/* not dumpable: only root may look */
		snprintf(v, sizeof(v), "/proc/%ld/root", (long)pid);
		len = readlink(v, root, sizeof(root) - 1);
		CU_ASSERT_FATAL(len > 0);
		root[len] = '\0';
		if (chrooted)
			CU_ASSERT_STRING_EQUAL(root, i == 0 ? n->data : n->run)
		else
			CU_ASSERT_STRING_EQUAL(root, "/");
	}
	/* seccomp: no IPv4/IPv6 sockets in syncd and stored; netd may */
	CU_ASSERT_EQUAL(debug_socket_errno(n, "stored"), EPERM);
	CU_ASSERT_EQUAL(debug_socket_errno(n, "syncd"), EPERM);
	CU_ASSERT_EQUAL(debug_socket_errno(n, "netd"), 0);
}

static void
test_privsep_root(void)
{
	struct tn_node	 n;
	const char	*args[] = { "-d", NULL };
	json_t		*st;

	if (geteuid() != 0) {
		printf("\n  skipped: not running as root ");
		return;
	}
	if ((st = start_node(&n, "127.0.0.9", NULL, args, NULL)) != NULL) {
		check_sandboxed(&n, st, 1);
		json_decref(st);
	}
	tn_node_cleanup(&n);
}

/* Unprivileged supervisor: Landlock instead of chroot. */
static void
test_privsep_unprivileged(void)
{
	struct tn_node	 n;
	const char	*args[] = { "-d", NULL };
	json_t		*st;
	char		 conf[1024];

	snprintf(conf, sizeof(conf), "%s", tn_fast_supervisor);
	CU_ASSERT_FATAL(tn_node_init(&n, "127.0.0.10", 24100, conf) == 0);
	CU_ASSERT_FATAL(tn_node_unprivileged(&n) == 0);
	CU_ASSERT_FATAL(tn_node_start(&n, args, NULL) == 0);
	if ((st = tn_wait_running(&n, 15)) != NULL) {
		check_sandboxed(&n, st, 0);
		CU_ASSERT(tn_file_contains(n.log, "Landlock ABI"));
		json_decref(st);
	} else
		CU_FAIL("unprivileged node did not start");
	tn_node_cleanup(&n);
}

/* dir is as made: owned by root, mode 0755, empty */
static int
untouched(const char *dir)
{
	struct stat	 st;
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if (stat(dir, &st) == -1 || st.st_uid != 0 ||
	    (st.st_mode & 07777) != 0755 || (d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n == 0;
}

/*
 * As root: the service user owns the data dir, so a compromised stored
 * can swap the run dir inside it for a symbolic link.  A restarted worker
 * and a restarted supervisor must refuse it, leaving the link's target
 * alone (no sockets bound there, no chown, no chroot into it).
 */
static void
test_run_dir_link(void)
{
	struct tn_node	 n;
	char		 victim[] = "/tmp/timenode-victim.XXXXXX", moved[400];
	json_t		*st;
	pid_t		 netd;
	int		 status;

	if (geteuid() != 0) {
		printf("\n  skipped: not running as root ");
		return;
	}
	CU_ASSERT_FATAL(mkdtemp(victim) != NULL);
	CU_ASSERT_FATAL(chmod(victim, 0755) == 0);
	if ((st = start_node(&n, "127.0.0.11", NULL, NULL, NULL)) == NULL)
		goto out;
	netd = tn_component_pid(st, "netd");
	json_decref(st);
	snprintf(moved, sizeof(moved), "%s.moved", n.run);
	CU_ASSERT_FATAL(rename(n.run, moved) == 0);
	CU_ASSERT_FATAL(symlink(victim, n.run) == 0);
	CU_ASSERT_FATAL(kill(netd, SIGKILL) == 0);
	status = tn_node_wait_exit(&n, 40);	/* netd cannot start again */
	CU_ASSERT(status != -1 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 3);
	CU_ASSERT(tn_file_contains(n.log, "a symbolic link inside the data "
	    "dir is refused"));
	CU_ASSERT(untouched(victim));
	/* the supervisor itself refuses to start on it */
	CU_ASSERT_FATAL(tn_node_start(&n, NULL, NULL) == 0);
	status = tn_node_wait_exit(&n, 10);
	CU_ASSERT(status != -1 && WIFEXITED(status) &&
	    WEXITSTATUS(status) != 0);
	CU_ASSERT(untouched(victim));
out:
	tn_node_cleanup(&n);
	rmdir(victim);
}

/*
 * The supervisor's own sockets in the run dir (status, one control socket
 * per worker) are removed at exit from the directory it made, not from
 * whatever the run dir's path leads to by then: the run dir lies in the
 * data dir, which the service user owns and can rearrange.
 */
static void
test_run_dir_renamed(void)
{
	static const char *const names[] = { "status.sock", "ctl-stored.sock",
	    "ctl-syncd.sock", "ctl-netd.sock" };
	struct tn_node	 n;
	char		 moved[400], path[480];
	struct stat	 sb;
	json_t		*st;
	size_t		 i;
	int		 fd, status;

	if ((st = start_node(&n, "127.0.0.12", NULL, NULL, NULL)) == NULL)
		goto out;
	json_decref(st);
	CU_ASSERT(stat(n.sock, &sb) == 0 && S_ISSOCK(sb.st_mode) &&
	    (sb.st_mode & 07777) == 0660);
	snprintf(moved, sizeof(moved), "%s.moved", n.run);
	CU_ASSERT_FATAL(rename(n.run, moved) == 0);
	CU_ASSERT_FATAL(mkdir(n.run, 0700) == 0);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", moved, names[i]);
		CU_ASSERT(access(path, F_OK) == 0);
		snprintf(path, sizeof(path), "%s/%s", n.run, names[i]);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		CU_ASSERT_FATAL(fd != -1);
		close(fd);
	}
	status = tn_node_stop(&n, 10);
	CU_ASSERT(status != -1 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", n.run, names[i]);
		CU_ASSERT(access(path, F_OK) == 0);	/* decoy kept */
		unlink(path);
		snprintf(path, sizeof(path), "%s/%s", moved, names[i]);
		CU_ASSERT(access(path, F_OK) == -1);	/* ours removed */
	}
	/* the harness removes n.dir; the moved run dir lies inside it */
out:
	tn_node_cleanup(&n);
}

/* an argument runs only the tests whose name contains it */
int
main(int argc, char **argv)
{
	static const struct tn_case tests[] = {
		{ "SIGKILL each worker: one for one restart",
		    test_kill_each_worker },
		{ "SIGSTOP: hung worker replaced", test_sigstop_replaced },
		{ "restart on the status socket", test_restart_command },
		{ "status socket abuse", test_status_socket_abuse },
		{ "sd_notify READY, WATCHDOG, STOPPING", test_sd_notify },
		{ "crash loop ends failed, exit 3", test_crash_loop_fails },
		{ "SIGTERM stops everything", test_sigterm_stops_all },
		{ "configuration errors exit 2", test_config_errors },
		{ "privilege separation as root", test_privsep_root },
		{ "privilege separation unprivileged (Landlock)",
		    test_privsep_unprivileged },
		{ "run dir swapped for a symbolic link (root)",
		    test_run_dir_link },
		{ "run dir renamed: sockets removed where they were made",
		    test_run_dir_renamed },
	};
	struct tn_suite	 ts = { .name = "supervisor", .cases = tests,
	    .ncases = TN_NCASES(tests), .only = argc > 1 ? argv[1] : NULL };

	alarm(600);	/* a hard bound on the whole program */
	return tn_cunit_run(&ts);
}
