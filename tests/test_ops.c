/* SPDX-License-Identifier: ISC */
/*
 * test_ops.c - what an operator watches (issue 13, item 7), on real nodes.
 *
 * timenodectl status --watch: a bounded number of refreshes (--count),
 * JSON lines alone with --json,
 * Ctrl-C (SIGINT) ends an unbounded one with status 0, on a terminal the
 * refreshes are drawn in place and the cursor is shown again at the end;
 * a daemon gone ends it with status 1.  A catch-up shows its progress and
 * an ETA in the status, and 100 % with nothing left once it is done.
 * Nodes on 127.0.0.71-72 (no other test uses them), port 24700.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "cunit.h"
#include "harness.h"

#define PORT		24700
#define OUT_MAX		(1 << 20)
#define CHAIN		20000
#define PAYLOAD		1000

static struct tn_node	A, B;
static int		a_ok;

static const char sync_conf[] =
    "[p2p]\nping_interval = 1\nping_timeout = 4\nbackoff_min = 0.2\n"
    "backoff_max = 1\n[sync]\nrequest_timeout = 2\n";

struct ctl {
	pid_t	pid;
	int	fd;		/* its stdout (a pipe or a pty) */
	char	out[OUT_MAX + 1];
	size_t	len;
};

/* timenodectl -s sock status --watch ARGS..., stdout to a pipe or a pty */
static int
ctl_start(struct ctl *c, const char *sock, int tty, const char *const *args)
{
	char		 bin[512];
	const char	*argv[16];
	int		 p[2], n = 0, i, devnull;

	memset(c, 0, sizeof(*c));
	tn_bin("timenodectl", bin, sizeof(bin));
	argv[n++] = bin;
	argv[n++] = "-s";
	argv[n++] = sock;
	argv[n++] = "status";
	argv[n++] = "--watch";
	for (i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (tty ? openpty(&p[0], &p[1], NULL, NULL, NULL) == -1 :
	    pipe(p) == -1)
		return -1;
	if ((c->pid = fork()) == -1)
		return -1;
	if (c->pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 0);
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	tn_track_pid(c->pid);
	close(p[1]);
	c->fd = p[0];
	return 0;
}

/* read what is there within timeout s; 0 at EOF */
static int
ctl_read(struct ctl *c, double timeout)
{
	struct pollfd	pfd = { c->fd, POLLIN, 0 };
	ssize_t		n;

	if (poll(&pfd, 1, (int)(timeout * 1000)) <= 0)
		return 1;
	n = read(c->fd, c->out + c->len, OUT_MAX - c->len);
	if (n <= 0)		/* EOF (a pty says EIO) */
		return 0;
	c->len += (size_t)n;
	c->out[c->len] = '\0';
	return 1;
}

static int
count(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* wait for the program to exit, reading its output; the exit status */
static int
ctl_wait(struct ctl *c, double timeout)
{
	double	end = tn_now() + timeout;
	int	st;

	while (tn_now() < end && ctl_read(c, 0.1))
		if (waitpid(c->pid, &st, WNOHANG) == c->pid)
			goto done;
	if (waitpid(c->pid, &st, 0) != c->pid)
		return -1;
done:
	while (ctl_read(c, 0.1) && c->len < OUT_MAX)
		;
	close(c->fd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* until the output has n refreshes, at most timeout s */
static int
ctl_await(struct ctl *c, int n, double timeout)
{
	double end = tn_now() + timeout;

	while (tn_now() < end && count(c->out, "status --watch:") < n)
		if (!ctl_read(c, 0.1))
			break;
	return count(c->out, "status --watch:") >= n;
}

static int
start_a(void)
{
	char conf[2048];

	snprintf(conf, sizeof(conf), "%s%s[sync]\nproducer_key = devnet\n",
	    tn_fast_supervisor, sync_conf);
	if (tn_node_init(&A, "127.0.0.71", PORT, conf) == -1 ||
	    tn_node_unprivileged(&A) == -1)
		return -1;
	return tn_node_run(&A, 20);
}

static int
suite_init(void)
{
	a_ok = start_a() == 0;
	return 0;
}

static int
suite_clean(void)
{
	if (A.pid > 0)
		tn_node_stop(&A, 10);
	tn_node_cleanup(&A);
	if (B.pid > 0)
		tn_node_stop(&B, 10);
	tn_node_cleanup(&B);
	return 0;
}

static void
test_watch_count(void)
{
	static const char *const args[] = { "--count", "3", "--interval",
	    "0.2", NULL };
	static struct ctl c;

	CU_ASSERT_FATAL(a_ok);
	CU_ASSERT_FATAL(ctl_start(&c, A.sock, 0, args) == 0);
	CU_ASSERT_EQUAL(ctl_wait(&c, 20), 0);
	CU_ASSERT_EQUAL(count(c.out, "status --watch:"), 3);
	CU_ASSERT_EQUAL(count(c.out, "\nWORKER "), 3);
	CU_ASSERT_PTR_NULL(strchr(c.out, '\033'));	/* not a terminal */
}

/* --json: one JSON object per line and nothing else (for jq) */
static void
test_watch_json(void)
{
	static const char *const args[] = { "--json", "--count", "2",
	    "--interval", "0.1", NULL };
	static struct ctl c;
	json_error_t	 jerr;
	json_t		*o;
	char		*line, *save = NULL;
	int		 n = 0;

	CU_ASSERT_FATAL(a_ok);
	CU_ASSERT_FATAL(ctl_start(&c, A.sock, 0, args) == 0);
	CU_ASSERT_EQUAL(ctl_wait(&c, 20), 0);
	for (line = strtok_r(c.out, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save), n++) {
		o = json_loads(line, 0, &jerr);
		CU_ASSERT(json_is_object(json_object_get(o, "sync")));
		json_decref(o);
	}
	CU_ASSERT_EQUAL(n, 2);
}

static void
test_watch_sigint(void)
{
	static const char *const args[] = { "--interval", "0.2", NULL };
	static struct ctl c;
	double	t;

	CU_ASSERT_FATAL(a_ok);
	CU_ASSERT_FATAL(ctl_start(&c, A.sock, 0, args) == 0);
	CU_ASSERT(ctl_await(&c, 2, 20));
	kill(c.pid, SIGINT);
	t = tn_now();
	CU_ASSERT_EQUAL(ctl_wait(&c, 5), 0);
	CU_ASSERT(tn_now() - t < 2);
}

/* on a terminal: cursor hidden, each refresh from the top, shown again */
static void
test_watch_tty(void)
{
	static const char *const args[] = { "--interval", "0.2", NULL };
	static struct ctl c;

	CU_ASSERT_FATAL(a_ok);
	CU_ASSERT_FATAL(ctl_start(&c, A.sock, 1, args) == 0);
	CU_ASSERT(ctl_await(&c, 3, 20));
	kill(c.pid, SIGINT);
	CU_ASSERT_EQUAL(ctl_wait(&c, 5), 0);
	CU_ASSERT(strncmp(c.out, "\033[?25l\033[H\033[2J", 10) == 0);
	CU_ASSERT(count(c.out, "\033[H") >= 3);
	CU_ASSERT(c.len >= 6 && strcmp(c.out + c.len - 6, "\033[?25h") == 0);
}

/* the daemon gone: status 1 with a message, not a loop */
static void
test_watch_no_daemon(void)
{
	static const char *const args[] = { "--interval", "0.1", NULL };
	static struct ctl c;

	CU_ASSERT_FATAL(ctl_start(&c, "/nonexistent/status.sock", 0,
	    args) == 0);
	CU_ASSERT_EQUAL(ctl_wait(&c, 10), 1);
	CU_ASSERT_EQUAL(count(c.out, "status --watch:"), 1);
}

static void
test_catchup_progress(void)
{
	char	 conf[2048], ans[64];
	char	*r;
	json_t	*st, *sync;
	double	 end, pct, eta, rate;
	int	 seen = 0, done = 0;

	CU_ASSERT_FATAL(a_ok);
	snprintf(ans, sizeof(ans), "produce %d %d\n", CHAIN, PAYLOAD);
	r = tn_exchange(A.sock, ans, strlen(ans), 120);
	CU_ASSERT_FATAL(r != NULL && strstr(r, "\"ok\":true") != NULL);
	free(r);
	snprintf(conf, sizeof(conf), "peer = %s:%d\n%s%s", A.ip, PORT,
	    tn_fast_supervisor, sync_conf);
	CU_ASSERT_FATAL(tn_node_init(&B, "127.0.0.72", PORT, conf) == 0);
	CU_ASSERT_FATAL(tn_node_unprivileged(&B) == 0);
	CU_ASSERT_FATAL(tn_node_run(&B, 20) == 0);
	for (end = tn_now() + 120; tn_now() < end && !done; tn_sleep(0.05)) {
		if ((st = tn_status(&B)) == NULL)
			continue;
		sync = json_object_get(st, "sync");
		pct = json_number_value(json_object_get(sync, "progress_pct"));
		eta = json_number_value(json_object_get(sync, "eta_s"));
		CU_ASSERT(pct >= 0 && pct <= 100);
		if (tn_json_int(st, "node.height") == CHAIN) {
			CU_ASSERT_DOUBLE_EQUAL(pct, 100, 1e-9);
			done = 1;
		} else if (strcmp(json_string_value(json_object_get(sync,
		    "state")), "catching-up") == 0 && eta > 0 && pct < 100)
			seen++;
		json_decref(st);
	}
	CU_ASSERT(done);
	CU_ASSERT(seen > 0);
	printf("\n  %d status answers showed progress with an ETA\n", seen);
	/*
	 * The rate is of the last second: 0 about a second after the last
	 * commit (issue 13: a smoothed rate took ten seconds and more to
	 * fall from thousands of blocks/s).  Its heartbeats are 0.2 s apart.
	 */
	for (end = tn_now() + 5, rate = -1; tn_now() < end && rate != 0;
	    tn_sleep(0.05)) {
		if ((st = tn_status(&B)) == NULL)
			continue;
		rate = json_number_value(json_object_get(json_object_get(st,
		    "sync"), "blocks_per_s"));
		json_decref(st);
	}
	printf("  blocks/s fell to %g within %.1f s of the catch-up's end\n",
	    rate, 5 - (end - tn_now()));
	CU_ASSERT(rate == 0 && 5 - (end - tn_now()) < 2.5);
}

int
main(int argc, char **argv)
{
	static const struct tn_case tests[] = {
		{ "status --watch --count", test_watch_count },
		{ "status --watch --json", test_watch_json },
		{ "status --watch, SIGINT", test_watch_sigint },
		{ "status --watch on a terminal", test_watch_tty },
		{ "status --watch, no daemon", test_watch_no_daemon },
		{ "catch-up progress and ETA", test_catchup_progress },
	};
	struct tn_suite ts = { .name = "ops", .cases = tests,
	    .ncases = TN_NCASES(tests), .only = argc > 1 ? argv[1] : NULL,
	    .init = suite_init, .clean = suite_clean };

	return tn_cunit_run(&ts);
}
