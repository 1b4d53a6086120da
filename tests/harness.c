/* SPDX-License-Identifier: ISC */
/*
 * harness.c - the process-test harness; see harness.h.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>

#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "netaddr.h"

#define MAX_TRACKED	256

static pid_t	tracked[MAX_TRACKED];
static int	ntracked;
static int	cleanup_installed;

static void
kill_tracked(void)
{
	int i;

	for (i = 0; i < ntracked; i++)
		if (tracked[i] > 0 && kill(tracked[i], 0) == 0) {
			kill(tracked[i], SIGKILL);
			waitpid(tracked[i], NULL, 0);
		}
	ntracked = 0;
}

static void
fatal_signal(int sig)
{
	kill_tracked();
	signal(sig, SIG_DFL);
	raise(sig);
}

void
tn_track_pid(pid_t pid)
{
	if (!cleanup_installed) {
		atexit(kill_tracked);
		signal(SIGINT, fatal_signal);
		signal(SIGTERM, fatal_signal);
		signal(SIGALRM, fatal_signal);
		signal(SIGSEGV, fatal_signal);
		signal(SIGABRT, fatal_signal);
		cleanup_installed = 1;
	}
	if (ntracked < MAX_TRACKED)
		tracked[ntracked++] = pid;
}

double
tn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
tn_sleep(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
tn_pid_alive(pid_t pid)
{
	char	path[64], buf[512], *p;
	FILE	*f;

	if (pid <= 0 || kill(pid, 0) == -1)
		return 0;
	/* a zombie is not alive */
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return 0;
	return p[2] != 'Z' && p[2] != 'X';
}

const char *
tn_bin(const char *prog, char *buf, size_t len)
{
	const char	*dir = getenv("TIMENODE_BIN");
	char		 self[400], *slash;
	ssize_t		 n;

	if (dir == NULL) {
		/* the test programs live in bin/ next to the daemons */
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		self[n > 0 ? n : 0] = '\0';
		if ((slash = strrchr(self, '/')) != NULL)
			*slash = '\0';
		dir = self;
	}
	snprintf(buf, len, "%s/%s", dir, prog);
	return buf;
}

const char tn_fast_supervisor[] =
    "[supervisor]\n"
    "heartbeat_interval = 0.2\n"
    "heartbeat_deadline = 2\n"
    "start_deadline = 5\n"
    "restart_delay_min = 0.2\n"
    "restart_delay_max = 2\n"
    "fast_crash = 1\n"
    "restart_intensity = 10\n"
    "restart_window = 60\n"
    "stop_timeout = 6\n";

const char tn_lenient_supervisor[] =
    "[supervisor]\n"
    "heartbeat_interval = 0.2\n"
    "heartbeat_deadline = 5\n"
    "start_deadline = 5\n"
    "restart_delay_min = 0.2\n"
    "restart_delay_max = 2\n"
    "fast_crash = 1\n"
    "restart_intensity = 1000\n"
    "restart_window = 60\n"
    "stop_timeout = 6\n";

const char tn_p2p_fast[] = "[p2p]\n" TN_P2P_FAST_KEYS;

int
tn_node_initv(struct tn_node *n, const char *ip, int port,
    const char *const *conf, size_t nconf)
{
	char	tmpl[] = "/tmp/timenode-test.XXXXXX";
	FILE	*f;
	size_t	i;

	memset(n, 0, sizeof(*n));
	if (mkdtemp(tmpl) == NULL)
		return -1;
	chmod(tmpl, 0755);
	snprintf(n->dir, sizeof(n->dir), "%s", tmpl);
	snprintf(n->data, sizeof(n->data), "%s/data", n->dir);
	snprintf(n->run, sizeof(n->run), "%s/run", n->data);
	snprintf(n->sock, sizeof(n->sock), "%s/status.sock", n->run);
	snprintf(n->conf, sizeof(n->conf), "%s/timenode.conf", n->dir);
	snprintf(n->log, sizeof(n->log), "%s/timenoded.log", n->dir);
	snprintf(n->ip, sizeof(n->ip), "%s", ip);
	n->port = port;
	if ((f = fopen(n->conf, "w")) == NULL)
		return -1;
	/* an IPv6 literal in brackets (netaddr.h) */
	fprintf(f, "[node]\ndata_dir = %s\nlisten = %s%s%s:%d\n", n->data,
	    strchr(ip, ':') ? "[" : "", ip, strchr(ip, ':') ? "]" : "", port);
	for (i = 0; i < nconf; i++)
		if (conf[i] != NULL)
			fputs(conf[i], f);
	return fclose(f) == 0 ? 0 : -1;
}

int
tn_node_unprivileged(struct tn_node *n)
{
	if (geteuid() != 0)
		return 0;
	n->run_as = TN_NOBODY;
	if (chown(n->dir, TN_NOBODY, TN_NOBODY) == -1 ||
	    chown(n->conf, TN_NOBODY, TN_NOBODY) == -1)
		return -1;
	return 0;
}

/* the network namespace "ip netns add NAME" made */
int
tn_enter_netns(const char *name)
{
	char	path[128];
	int	fd, r;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	r = setns(fd, CLONE_NEWNET);
	close(fd);
	return r;
}

int
tn_node_start(struct tn_node *n, const char *const *extra,
    const char *const *env)
{
	const char	*argv[TN_MAX_ARGS];
	char		 bin[512];
	int		 i, k = 0, fd;
	pid_t		 pid;

	argv[k++] = tn_bin("timenoded", bin, sizeof(bin));
	argv[k++] = "-f";
	argv[k++] = "-c";
	argv[k++] = n->conf;
	for (i = 0; extra && extra[i] && k < TN_MAX_ARGS - 1; i++)
		argv[k++] = extra[i];
	argv[k] = NULL;
	n->exited = 0;
	switch (pid = fork()) {
	case -1:
		return -1;
	case 0:
		if ((fd = open(n->log, O_WRONLY | O_CREAT | O_APPEND, 0644))
		    != -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		for (i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		if (n->netns[0] && tn_enter_netns(n->netns) == -1)
			_exit(125);
		if (n->run_as && (setgroups(0, NULL) == -1 ||
		    setgid(n->run_as) == -1 || setuid(n->run_as) == -1))
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	n->pid = pid;
	tn_track_pid(pid);
	return 0;
}

int
tn_node_wait_exit(struct tn_node *n, double timeout)
{
	double	end = tn_now() + timeout;
	pid_t	r;

	if (n->exited)
		return n->status;
	while (tn_now() < end) {
		r = waitpid(n->pid, &n->status, WNOHANG);
		if (r == n->pid) {
			n->exited = 1;
			return n->status;
		}
		if (r == -1)
			return -1;
		tn_sleep(0.02);
	}
	return -1;
}

int
tn_node_stop(struct tn_node *n, double timeout)
{
	int st;

	if (n->pid <= 0 || n->exited)
		return n->exited ? n->status : -1;
	kill(n->pid, SIGTERM);
	if ((st = tn_node_wait_exit(n, timeout)) != -1)
		return st;
	kill(n->pid, SIGKILL);
	tn_node_wait_exit(n, 5);
	return -1;
}

void
tn_node_cleanup(struct tn_node *n)
{
	char cmd[600];
	int  refused;

	if (n->pid > 0 && !n->exited)
		tn_node_stop(n, 10);
	/*
	 * A system call missing from a worker's seccomp allow-list does not
	 * kill it: it fails with EPERM and logs one line (common/sandbox.c).
	 * Every process test fails on such a line, so a call that a new code
	 * path needs cannot hide behind an error the worker copes with.
	 */
	if (n->log[0] && (refused = tn_log_count(n->log,
	    "seccomp: not on the allow-list")) > 0) {
		fprintf(stderr, "%s: %d system call(s) refused by the seccomp "
		    "allow-list:\n", n->log, refused);
		snprintf(cmd, sizeof(cmd), "grep -F 'not on the allow-list' "
		    "'%s' | head -5 >&2", n->log);
		(void)!system(cmd);
		if (CU_get_current_test() != NULL)
			CU_FAIL("a worker made a system call its seccomp "
			    "allow-list refuses");
	}
	if (n->dir[0] && getenv("TIMENODE_KEEP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", n->dir);
		(void)!system(cmd);
	}
}

/* ip (IPv4 or IPv6, no brackets) and port into *ss: its length, or 0 */
static socklen_t
tcp_sockaddr(const char *ip, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		return sizeof(*sin);
	}
	if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		return sizeof(*sin6);
	}
	return 0;
}

int
tn_tcp_connect(const char *src, const char *dst, int port)
{
	struct sockaddr_storage	from, to;
	socklen_t		flen = 0, tlen;
	int			fd;

	if ((tlen = tcp_sockaddr(dst, port, &to)) == 0 || (src != NULL &&
	    (flen = tcp_sockaddr(src, 0, &from)) == 0) ||
	    (fd = socket(to.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if ((src == NULL || bind(fd, (struct sockaddr *)&from, flen) == 0) &&
	    connect(fd, (struct sockaddr *)&to, tlen) == 0)
		return fd;
	close(fd);
	return -1;
}

int
tn_connect_unix(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

char *
tn_exchange(const char *sock, const void *buf, size_t len, double timeout)
{
	struct pollfd	 pfd;
	char		*out, *nl;
	size_t		 have = 0, cap = 1 << 20;
	ssize_t		 r;
	double		 end = tn_now() + timeout;
	int		 fd;

	if ((fd = tn_connect_unix(sock)) == -1)
		return NULL;
	if (len && send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len) {
		close(fd);
		return NULL;
	}
	if ((out = malloc(cap + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (have < cap && tn_now() < end) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((r = read(fd, out + have, cap - have)) <= 0)
			break;
		have += (size_t)r;
		out[have] = '\0';
		if ((nl = memchr(out, '\n', have)) != NULL) {
			*nl = '\0';
			close(fd);
			return out;
		}
	}
	close(fd);
	free(out);
	return NULL;
}

json_t *
tn_command(const char *sock, const char *cmd)
{
	char	 line[512], *ans;
	json_t	*o;

	snprintf(line, sizeof(line), "%s\n", cmd);
	if ((ans = tn_exchange(sock, line, strlen(line), 5)) == NULL)
		return NULL;
	o = json_loads(ans, 0, NULL);
	free(ans);
	return o;
}

json_t *
tn_status(struct tn_node *n)
{
	return tn_command(n->sock, "status");
}

long long
tn_status_int(struct tn_node *n, const char *path)
{
	json_t		*st = tn_status(n);
	long long	 v;

	if (st == NULL)
		return -1;
	v = tn_json_int(st, path);
	json_decref(st);
	return v;
}

int
tn_command_ok(const char *sock, const char *cmd, double timeout, json_t **out)
{
	char	 line[256], *ans;
	json_t	*o;
	int	 ok;

	snprintf(line, sizeof(line), "%s\n", cmd);
	if ((ans = tn_exchange(sock, line, strlen(line), timeout)) == NULL)
		return 0;
	o = json_loads(ans, 0, NULL);
	free(ans);
	ok = json_is_true(json_object_get(o, "ok"));
	if (out != NULL && ok)
		*out = o;
	else
		json_decref(o);
	return ok;
}

int
tn_produce(struct tn_node *n, int count, int bytes)
{
	char	 cmd[64], *ans;
	int	 ok;

	snprintf(cmd, sizeof(cmd), "produce %d %d\n", count, bytes);
	if ((ans = tn_exchange(n->sock, cmd, strlen(cmd), 60)) == NULL)
		return 0;
	ok = strstr(ans, "\"ok\":true") != NULL;
	if (!ok)
		fprintf(stderr, "produce: %s\n", ans);
	free(ans);
	return ok;
}

/* the object in st's array `array` whose string `key` is value */
static json_t *
find_entry(json_t *st, const char *array, const char *key, const char *value)
{
	json_t	*c;
	size_t	 i;

	json_array_foreach(json_object_get(st, array), i, c)
		if (json_is_string(json_object_get(c, key)) &&
		    strcmp(json_string_value(json_object_get(c, key)),
		    value) == 0)
			return c;
	return NULL;
}

json_t *
tn_component(json_t *st, const char *name)
{
	return find_entry(st, "components", "name", name);
}

pid_t
tn_component_pid(json_t *st, const char *name)
{
	return (pid_t)json_integer_value(json_object_get(
	    tn_component(st, name), "pid"));
}

const char *
tn_component_state(json_t *st, const char *name)
{
	const char *s = json_string_value(json_object_get(
	    tn_component(st, name), "state"));

	return s ? s : "";
}

/* "a.b.c" */
long long
tn_json_int(json_t *o, const char *path)
{
	char	buf[128], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o;
	    tok = strtok_r(NULL, ".", &save))
		o = json_object_get(o, tok);
	return o ? (long long)json_number_value(o) : -1;
}

long long
tn_node_height(struct tn_node *n)
{
	return tn_status_int(n, "node.height");
}

int
tn_wait_height(struct tn_node *n, long long h, double timeout)
{
	double end = tn_now() + timeout;

	while (tn_now() < end) {
		if (tn_node_height(n) >= h)
			return 1;
		tn_sleep(0.01);
	}
	return 0;
}

int
tn_node_run(struct tn_node *n, double timeout)
{
	json_t	*st;

	if (tn_node_start(n, NULL, NULL) == -1 ||
	    (st = tn_wait_running(n, timeout)) == NULL)
		return -1;
	json_decref(st);
	return 0;
}

json_t *
tn_wait_running(struct tn_node *n, double timeout)
{
	static const char *const names[] = { "stored", "syncd", "netd" };
	double	 end = tn_now() + timeout;
	json_t	*st;
	int	 i, ok;

	while (tn_now() < end) {
		if ((st = tn_status(n)) != NULL) {
			for (ok = 1, i = 0; i < 3; i++)
				if (strcmp(tn_component_state(st, names[i]),
				    "running") != 0 ||
				    !tn_pid_alive(tn_component_pid(st,
				    names[i])))
					ok = 0;
			if (ok)
				return st;
			json_decref(st);
		}
		tn_sleep(0.05);
	}
	return NULL;
}

double
tn_pid_cpu(pid_t pid)
{
	char		 path[64], buf[1024], *p;
	unsigned long	 ut = 0, st = 0;
	FILE		*f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (pid <= 0 || (f = fopen(path, "r")) == NULL)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* after the command's ")": state is field 3, utime 14, stime 15 */
	if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu "
	    "%lu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

int
tn_read_proc_status(pid_t pid, const char *key, char *out, size_t len)
{
	char	 path[64], line[256];
	size_t	 klen = strlen(key);
	FILE	*f;
	int	 found = -1;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			snprintf(out, len, "%s", line + klen + 1 +
			    strspn(line + klen + 1, " \t"));
			out[strcspn(out, "\n")] = '\0';
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

int
tn_file_contains(const char *path, const char *needle)
{
	char	*buf;
	long	 n;
	FILE	*f;
	int	 r = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (n > 0 && (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = '\0';
			r = strstr(buf, needle) != NULL;
		}
		free(buf);
	}
	fclose(f);
	return r;
}

/* netd (issue 4): the peer table and the kernel's view of connections. */

json_t *
tn_peer(json_t *st, const char *ip)
{
	return find_entry(st, "peers", "ip", ip);
}

json_t *
tn_wait_worker(struct tn_node *n, const char *name, pid_t old,
    double timeout)
{
	double	 end = tn_now() + timeout;
	json_t	*st;
	pid_t	 pid;

	while (tn_now() < end) {
		if ((st = tn_status(n)) != NULL) {
			pid = tn_component_pid(st, name);
			if (pid > 0 && pid != old && tn_pid_alive(pid) &&
			    strcmp(tn_component_state(st, name), "running")
			    == 0)
				return st;
			json_decref(st);
		}
		tn_sleep(0.02);
	}
	return NULL;
}

json_t *
tn_wait_netd(struct tn_node *n, pid_t old, double timeout)
{
	return tn_wait_worker(n, "netd", old, timeout);
}

int
tn_restart_netds(struct tn_node *first, struct tn_node *second,
    double timeout)
{
	json_t	*s1 = tn_status(first), *s2 = tn_status(second);
	pid_t	 p1 = tn_component_pid(s1, "netd");
	pid_t	 p2 = tn_component_pid(s2, "netd");
	int	 ok;

	json_decref(s1);
	json_decref(s2);
	json_decref(tn_command(first->sock, "restart netd"));
	json_decref(tn_command(second->sock, "restart netd"));
	s1 = tn_wait_netd(first, p1, timeout);
	s2 = tn_wait_netd(second, p2, timeout);
	ok = s1 != NULL && s2 != NULL;
	json_decref(s1);
	json_decref(s2);
	return ok ? 0 : -1;
}

int
tn_twins_resolved(json_t *sa, json_t *sb)
{
	/* a loser is closed as a duplicate, never as an error */
	CU_ASSERT_EQUAL(tn_json_int(sa,
	    "counters.connections_closed.protocol"), 0);
	CU_ASSERT_EQUAL(tn_json_int(sb,
	    "counters.connections_closed.protocol"), 0);
	return tn_json_int(sa, "counters.duplicates_resolved") > 0 ||
	    tn_json_int(sb, "counters.duplicates_resolved") > 0;
}

pid_t
tn_wait_replaced(struct tn_node *n, const char *name, pid_t old,
    double timeout)
{
	json_t	*st = tn_wait_worker(n, name, old, timeout);
	pid_t	 pid = st != NULL ? tn_component_pid(st, name) : -1;

	json_decref(st);
	return pid;
}

long long
tn_closed_total(json_t *st)
{
	const char	*k;
	json_t		*v;
	long long	 sum = 0;

	if (st == NULL)
		return -1;
	json_object_foreach(json_object_get(json_object_get(st, "counters"),
	    "connections_closed"), k, v)
		sum += json_integer_value(v);
	return sum;
}

long long
tn_node_closed_total(struct tn_node *n)
{
	json_t		*st = tn_status(n);
	long long	 sum = tn_closed_total(st);

	json_decref(st);
	return sum;
}

int
tn_npeers(json_t *st)
{
	json_t *a = json_object_get(st, "peers");

	return json_is_array(a) ? (int)json_array_size(a) : -1;
}

/*
 * An address of /proc/net/tcp ("0200007F:5E24") or tcp6 (32 hex digits:
 * four 32-bit words as the kernel holds them) and its port.
 */
static int
proc_addr(const char *s, struct netaddr *ip, int *port)
{
	uint32_t	w[4];
	unsigned int	p;

	if (strlen(s) == 8 + 1 + 4 && sscanf(s, "%8X:%4X", &w[0], &p) == 2) {
		*ip = netaddr_from_v4(ntohl(w[0]));
		*port = (int)p;
		return 0;
	}
	if (strlen(s) == 32 + 1 + 4 && sscanf(s, "%8X%8X%8X%8X:%4X", &w[0],
	    &w[1], &w[2], &w[3], &p) == 5) {
		memcpy(ip->b, w, NETADDR_LEN);	/* raw words, as in memory */
		*port = (int)p;
		return 0;
	}
	return -1;
}

/* established connections from local to remote in one /proc table */
static int
proc_established(const char *path, const struct netaddr *local,
    const struct netaddr *remote, int ports[][2], int max, int n)
{
	char		 line[512], l[64], r[64];
	struct netaddr	 lip, rip;
	int		 lport, rport;
	unsigned int	 st;
	FILE		*f;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) == NULL) {	/* header */
		fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %63s %63s %X", l, r, &st) != 3 ||
		    st != 1)				/* TCP_ESTABLISHED */
			continue;
		if (proc_addr(l, &lip, &lport) == -1 ||
		    proc_addr(r, &rip, &rport) == -1)
			continue;
		if (!netaddr_eq(&lip, local) || !netaddr_eq(&rip, remote))
			continue;
		if (n < max && ports != NULL) {
			ports[n][0] = lport;
			ports[n][1] = rport;
		}
		n++;
	}
	fclose(f);
	return n;
}

int
tn_tcp_established_in(pid_t pid, const char *local_ip,
    const char *remote_ip, int ports[][2], int max)
{
	struct netaddr	local, remote;
	char		path[64];
	int		n, m;

	if (netaddr_parse(local_ip, &local) == -1 ||
	    netaddr_parse(remote_ip, &remote) == -1)
		return -1;
	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/net/tcp", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/net/tcp");
	if ((n = proc_established(path, &local, &remote, ports, max, 0)) ==
	    -1)
		return -1;
	strcat(path, "6");
	/* no tcp6 table: a kernel without IPv6 */
	m = proc_established(path, &local, &remote, ports, max, n);
	return m == -1 ? n : m;
}

int
tn_tcp_established(const char *local_ip, const char *remote_ip,
    int ports[][2], int max)
{
	return tn_tcp_established_in(0, local_ip, remote_ip, ports, max);
}

int
tn_log_count(const char *path, const char *needle)
{
	char	 line[1024];
	FILE	*f;
	int	 n = 0;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle) != NULL)
			n++;
	fclose(f);
	return n;
}

int
tn_wait_peer(struct tn_node *n, const char *ip, double timeout)
{
	double	 end = tn_now() + timeout;
	json_t	*st;
	int	 found = 0;

	while (!found && tn_now() < end) {
		if ((st = tn_status(n)) != NULL) {
			found = tn_peer(st, ip) != NULL;
			json_decref(st);
		}
		if (!found)
			tn_sleep(0.05);
	}
	return found;
}

