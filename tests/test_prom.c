/* SPDX-License-Identifier: ISC */
/*
 * test_prom.c - the node's metrics as Prometheus reads them (issue 13,
 * item 1), on real nodes after a catch-up.
 *
 * Three nodes: A produces a chain, B and C catch up from it.  Then each
 * node's `metrics` answer passes `promtool check metrics` (the format and
 * Prometheus' naming lint) and shows the height, peers and histograms;
 * timenodectl metrics prints the same text.  The HTTP endpoint ([metrics]
 * listen, in netd) answers GET /metrics alone and holds its bounds
 * (headers, connections, idle time).  A real Prometheus (the Debian
 * package's binary) scrapes the three endpoints every second and its
 * query API returns each node's height.  promtool or prometheus missing:
 * the program says so and exits 77, ctest's skip (never a pass).
 * Nodes on 127.0.5.1-3 (no other test uses 127.0.5.x), port 24750, the
 * metrics on port 24751; Prometheus on 127.0.5.10:24760.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "cunit.h"
#include "harness.h"

#define PORT		24750
#define HTTP_PORT	24751
#define PROM_IP		"127.0.5.10"
#define PROM_PORT	24760
#define HTTP_CONNS	8	/* netd/metrics_http.c METRICS_HTTP_CONNS */
#define HTTP_MAX	(1 << 20)
#define NNODES		3
#define CHAIN		3000
#define PAYLOAD		200

static struct tn_node	N[NNODES];
static int		caught_up;

static const char sync_conf[] =
    "[p2p]\nping_interval = 1\nping_timeout = 4\nbackoff_min = 0.2\n"
    "backoff_max = 1\n[sync]\nrequest_timeout = 2\n";

/* a TCP connection to ip:port, or -1 */
/*
 * What the server sends until it closes, at most timeout s (NUL-ended,
 * malloc'ed; NULL if nothing came).  *closed: it closed the connection.
 */
static char *
read_all(int fd, double timeout, int *closed)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	double		 end = tn_now() + timeout;
	char		*buf = malloc(HTTP_MAX + 1);
	size_t		 len = 0;
	ssize_t		 n;

	*closed = 0;
	if (buf == NULL)
		return NULL;
	while (len < HTTP_MAX && tn_now() < end) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((n = read(fd, buf + len, HTTP_MAX - len)) <= 0) {
			*closed = 1;
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (len == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* send req on a new connection to ip:port, the whole answer or NULL */
static char *
http(const char *ip, int port, const char *req, double timeout)
{
	char	*ans;
	int	 fd, closed;

	if ((fd = tn_tcp_connect(NULL, ip, port)) == -1)
		return NULL;
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		close(fd);
		return NULL;
	}
	ans = read_all(fd, timeout, &closed);
	close(fd);
	return ans;
}

static int
status_is(const char *ans, int code)
{
	char want[32];

	/* HTTP/1.0 or HTTP/1.1, as the request was */
	snprintf(want, sizeof(want), " %d ", code);
	return ans != NULL && strncmp(ans, "HTTP/1.", 7) == 0 &&
	    strncmp(ans + 8, want, strlen(want)) == 0;
}

/* the node's metrics text (the status socket's answer), NULL on failure */
static char *
metrics_of(struct tn_node *n)
{
	json_t	*o = tn_command(n->sock, "metrics");
	char	*s = NULL;

	if (o != NULL && json_string_value(json_object_get(o, "metrics")))
		s = strdup(json_string_value(json_object_get(o, "metrics")));
	json_decref(o);
	return s;
}

static int
have(const char *prog)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
	return system(cmd) == 0;
}

/* feed text to sh -c cmd (output to out); its exit status, -1 */
static int
pipe_to(const char *cmd, const char *text, const char *out)
{
	char	 full[2048];
	FILE	*p;
	int	 st;

	snprintf(full, sizeof(full), "%s >%s 2>&1", cmd, out);
	if ((p = popen(full, "w")) == NULL)
		return -1;
	fputs(text, p);
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
show(const char *path)
{
	char	 line[512];
	FILE	*f;

	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f))
		printf("    %s", line);
	fclose(f);
}

static int
suite_init(void)
{
	char	conf[2048], cmd[64], ip[32];
	char	*r;
	json_t	*st;
	double	 end;
	int	 i, done;

	snprintf(conf, sizeof(conf), "%s%s[sync]\nproducer_key = devnet\n"
	    "[metrics]\nlisten = 127.0.5.1:%d\n", tn_fast_supervisor,
	    sync_conf, HTTP_PORT);
	if (tn_node_init(&N[0], "127.0.5.1", PORT, conf) == -1 ||
	    tn_node_unprivileged(&N[0]) == -1 || tn_node_run(&N[0], 20) == -1)
		return 0;
	snprintf(cmd, sizeof(cmd), "produce %d %d\n", CHAIN, PAYLOAD);
	r = tn_exchange(N[0].sock, cmd, strlen(cmd), 120);
	if (r == NULL || strstr(r, "\"ok\":true") == NULL) {
		free(r);
		return 0;
	}
	free(r);
	for (i = 1; i < NNODES; i++) {
		snprintf(ip, sizeof(ip), "127.0.5.%d", i + 1);
		snprintf(conf, sizeof(conf), "peer = 127.0.5.1:%d\n%s%s"
		    "[metrics]\nlisten = %s:%d\n", PORT, tn_fast_supervisor,
		    sync_conf, ip, HTTP_PORT);
		if (tn_node_init(&N[i], ip, PORT, conf) == -1 ||
		    tn_node_unprivileged(&N[i]) == -1 ||
		    tn_node_run(&N[i], 20) == -1)
			return 0;
	}
	for (end = tn_now() + 120, done = 0; tn_now() < end && done < NNODES;
	    tn_sleep(0.1))
		for (i = done = 0; i < NNODES; i++) {
			if ((st = tn_status(&N[i])) == NULL)
				continue;
			done += tn_json_int(st, "node.height") == CHAIN;
			json_decref(st);
		}
	caught_up = done == NNODES;
	return 0;
}

static int
suite_clean(void)
{
	int i;

	for (i = 0; i < NNODES; i++) {
		if (N[i].pid > 0)
			tn_node_stop(&N[i], 10);
		tn_node_cleanup(&N[i]);
	}
	return 0;
}

/* promtool accepts every node's metrics: format and naming lint */
static void
test_promtool(void)
{
	char	 out[512];
	char	*text;
	int	 i, rc;

	CU_ASSERT_FATAL(caught_up);
	for (i = 0; i < NNODES; i++) {
		text = metrics_of(&N[i]);
		CU_ASSERT_FATAL(text != NULL);
		snprintf(out, sizeof(out), "%.300s/promtool.out", N[i].dir);
		rc = pipe_to("promtool check metrics", text, out);
		CU_ASSERT_EQUAL(rc, 0);
		if (rc != 0)
			show(out);
		free(text);
	}
}

/* the figures that matter after a catch-up */
static void
test_values(void)
{
	char	 want[128];
	char	*a, *b;

	CU_ASSERT_FATAL(caught_up);
	a = metrics_of(&N[0]);
	b = metrics_of(&N[1]);
	CU_ASSERT_FATAL(a != NULL && b != NULL);
	if (getenv("TN_SHOW_METRICS"))	/* to look at them */
		fputs(b, stdout);
	snprintf(want, sizeof(want), "\ntimenode_chain_height %d\n", CHAIN);
	CU_ASSERT_PTR_NOT_NULL(strstr(a, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, want));
	/* A has B and C inbound, B has A outbound */
	CU_ASSERT_PTR_NOT_NULL(strstr(a,
	    "\ntimenode_peers{direction=\"inbound\"} 2\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b,
	    "\ntimenode_peers{direction=\"outbound\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b,
	    "\ntimenode_worker_up{worker=\"stored\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b,
	    "\ntimenode_sync_state{state=\"idle\"} 1\n"));
	/* no assumevalid: every stored signature was verified */
	CU_ASSERT_PTR_NOT_NULL(strstr(b,
	    "\ntimenode_sync_signatures_unverified 0\n"));
	/* a healthy catch-up: no request timed out, no peer stalled */
	CU_ASSERT_PTR_NOT_NULL(strstr(b,
	    "\n# TYPE timenode_sync_request_timeouts_total counter\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b,
	    "\ntimenode_sync_request_timeouts_total 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b,
	    "\n# TYPE timenode_sync_peer_stalls_total counter\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b,
	    "\ntimenode_sync_peer_stalls_total 0\n"));
	/* B asked A for blocks and shook hands: the histograms counted */
	CU_ASSERT_PTR_NULL(strstr(b,
	    "\ntimenode_block_request_duration_seconds_count 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b,
	    "\ntimenode_block_request_duration_seconds_bucket{le=\"+Inf\"}"));
	CU_ASSERT_PTR_NULL(strstr(b,
	    "\ntimenode_handshake_duration_seconds_count 0\n"));
	CU_ASSERT_PTR_NULL(strstr(b,
	    "\ntimenode_worker_resident_memory_bytes{worker=\"netd\"} 0\n"));
	CU_ASSERT_PTR_NULL(strstr(b, "\ntimenode_lmdb_pages_used 0\n"));
	CU_ASSERT_PTR_NULL(strstr(b, "\ntimenode_lmdb_map_size_bytes 0\n"));
	/* no series names a peer */
	CU_ASSERT_PTR_NULL(strstr(a, "127.0.5."));
	free(a);
	free(b);
}

/* timenodectl metrics prints the text alone */
static void
test_ctl(void)
{
	char	 bin[512], cmd[2048], out[512], line[512];
	FILE	*f;
	int	 st, help = 0, height = 0;

	CU_ASSERT_FATAL(caught_up);
	tn_bin("timenodectl", bin, sizeof(bin));
	snprintf(out, sizeof(out), "%.300s/ctl.out", N[1].dir);
	snprintf(cmd, sizeof(cmd), "%s -s %s metrics >%s", bin, N[1].sock,
	    out);
	st = system(cmd);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT_FATAL((f = fopen(out, "r")) != NULL);
	while (fgets(line, sizeof(line), f)) {
		help += strncmp(line, "# HELP timenode_chain_height ", 29) == 0;
		height += strcmp(line, "timenode_chain_height 3000\n") == 0;
		CU_ASSERT(line[0] != '{');	/* no JSON */
	}
	fclose(f);
	CU_ASSERT_EQUAL(help, 1);
	CU_ASSERT_EQUAL(height, 1);
}

/* GET /metrics over HTTP: the text the status socket gives */
static void
test_http(void)
{
	char	*ans = NULL, *body = NULL;
	double	 end;

	CU_ASSERT_FATAL(caught_up);
	/* the text netd serves is up to a heartbeat or two older */
	for (end = tn_now() + 10; tn_now() < end; tn_sleep(0.1)) {
		free(ans);
		body = NULL;
		ans = http("127.0.5.2", HTTP_PORT, "GET /metrics HTTP/1.1\r\n"
		    "Host: x\r\n\r\n", 5);
		if (ans != NULL && (body = strstr(ans, "\r\n\r\n")) != NULL &&
		    strstr(body, "\ntimenode_chain_height 3000\n") != NULL)
			break;
	}
	CU_ASSERT_FATAL(ans != NULL);
	CU_ASSERT(status_is(ans, 200));
	CU_ASSERT_PTR_NOT_NULL(strstr(ans, "Content-Type: text/plain; "
	    "version=0.0.4"));
	CU_ASSERT(body != NULL && strstr(body,
	    "\ntimenode_chain_height 3000\n") != NULL);
	free(ans);
	/* anything else: 404, or refused */
	ans = http("127.0.5.2", HTTP_PORT, "GET / HTTP/1.1\r\nHost: x\r\n"
	    "\r\n", 5);
	CU_ASSERT(status_is(ans, 404));
	free(ans);
	ans = http("127.0.5.2", HTTP_PORT, "GET /metricsx HTTP/1.0\r\n\r\n",
	    5);
	CU_ASSERT(status_is(ans, 404));
	free(ans);
	ans = http("127.0.5.2", HTTP_PORT, "POST /metrics HTTP/1.1\r\n"
	    "Host: x\r\nContent-Length: 3\r\n\r\nabc", 5);
	CU_ASSERT(ans != NULL && !status_is(ans, 200));
	free(ans);
	/* another method: 405 saying what is allowed (issue 13: 501) */
	ans = http("127.0.5.2", HTTP_PORT, "POST /metrics HTTP/1.1\r\n"
	    "Host: x\r\nContent-Length: 0\r\n\r\n", 5);
	CU_ASSERT(status_is(ans, 405));
	CU_ASSERT(ans != NULL && strstr(ans, "\r\nAllow: GET, HEAD\r\n"));
	free(ans);
	ans = http("127.0.5.2", HTTP_PORT, "DELETE /metrics HTTP/1.0\r\n\r\n",
	    5);
	CU_ASSERT(status_is(ans, 405));
	free(ans);
	/* HEAD: the headers of GET, no body */
	ans = http("127.0.5.2", HTTP_PORT, "HEAD /metrics HTTP/1.0\r\n\r\n",
	    5);
	CU_ASSERT(status_is(ans, 200));
	body = ans != NULL ? strstr(ans, "\r\n\r\n") : NULL;
	CU_ASSERT(body != NULL && body[4] == '\0');
	free(ans);
}

/* request headers past 4 KiB: refused, not buffered */
static void
test_http_headers(void)
{
	static char	 req[16384];
	char		*ans;
	size_t		 n;

	CU_ASSERT_FATAL(caught_up);
	n = (size_t)snprintf(req, sizeof(req), "GET /metrics HTTP/1.1\r\n"
	    "X-Big: ");
	memset(req + n, 'a', 8000);
	strcpy(req + n + 8000, "\r\n\r\n");
	ans = http("127.0.5.2", HTTP_PORT, req, 5);
	CU_ASSERT(ans == NULL || !status_is(ans, 200));
	free(ans);
}

/*
 * At most HTTP_CONNS connections at once: one more is not served while
 * they stay; it is once one goes.  Idle ones are closed by the server.
 */
static void
test_http_conns(void)
{
	static const char	 req[] = "GET /metrics HTTP/1.0\r\n\r\n";
	int			 fds[HTTP_CONNS], extra, i, closed;
	char			*ans;
	double			 t0;

	CU_ASSERT_FATAL(caught_up);
	for (i = 0; i < HTTP_CONNS; i++)
		CU_ASSERT_FATAL((fds[i] = tn_tcp_connect(NULL, "127.0.5.3",
		    HTTP_PORT)) != -1);
	tn_sleep(0.3);
	CU_ASSERT_FATAL((extra = tn_tcp_connect(NULL, "127.0.5.3",
	    HTTP_PORT)) != -1);
	CU_ASSERT(write(extra, req, strlen(req)) == (ssize_t)strlen(req));
	ans = read_all(extra, 1.5, &closed);
	CU_ASSERT_PTR_NULL(ans);	/* not accepted yet */
	free(ans);
	close(fds[0]);
	t0 = tn_now();
	ans = read_all(extra, 5, &closed);
	CU_ASSERT(status_is(ans, 200));
	if (!status_is(ans, 200))
		printf("\n  after %.2f s: closed %d, %.60s\n", tn_now() - t0,
		    closed, ans ? ans : "(nothing)");
	free(ans);
	close(extra);
	/* the others, idle: closed by the server within its idle time */
	t0 = tn_now();
	ans = read_all(fds[1], 15, &closed);
	CU_ASSERT(closed);
	CU_ASSERT_PTR_NULL(ans);
	free(ans);
	printf("\n  an idle connection was closed after %.1f s\n",
	    tn_now() - t0);
	for (i = 1; i < HTTP_CONNS; i++)
		close(fds[i]);
}

/*
 * A client that trickles its headers a byte at a time is never idle long
 * enough for the idle timeout; it is shut down at the connection's
 * lifetime (10 s) all the same.
 */
static void
test_http_lifetime(void)
{
	static const char	 req[] = "GET /metrics HTTP/1.1\r\nX-Slow: ";
	struct pollfd		 pfd;
	double			 t0, end;
	char			 c;
	int			 fd, closed = 0;

	CU_ASSERT_FATAL(caught_up);
	CU_ASSERT_FATAL((fd = tn_tcp_connect(NULL, "127.0.5.3",
	    HTTP_PORT)) != -1);
	CU_ASSERT(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	t0 = tn_now();
	for (end = t0 + 20; tn_now() < end && !closed; ) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 500) > 0 && read(fd, &c, 1) <= 0)
			closed = 1;
		else if (send(fd, "a", 1, MSG_NOSIGNAL) != 1)
			closed = 1;
	}
	CU_ASSERT(closed);
	CU_ASSERT(tn_now() - t0 > 5);	/* not by the idle timeout */
	printf("\n  a trickling client was shut down after %.1f s\n",
	    tn_now() - t0);
	close(fd);
}

/* the whole file, NUL-ended and malloc'ed, or NULL */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL ||
	    (buf = malloc(HTTP_MAX + 1)) == NULL) {
		if (f)
			fclose(f);
		return NULL;
	}
	n = fread(buf, 1, HTTP_MAX, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/*
 * Every timenode_ name the alert rules and the dashboard use is a family
 * the node exports (a histogram's _bucket, _sum, _count are its family).
 */
static void
test_contrib_names(void)
{
	static const char *const files[] = {
		TN_SOURCE_DIR "/contrib/prometheus/timenode-rules.yml",
		TN_SOURCE_DIR "/contrib/grafana/timenode-dashboard.json",
	};
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	char		 name[128], want[160], *text, *m, *p;
	size_t		 n, i, k, l;
	int		 seen = 0;

	CU_ASSERT_FATAL(caught_up);
	CU_ASSERT_FATAL((m = metrics_of(&N[1])) != NULL);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		CU_ASSERT_FATAL((text = slurp(files[i])) != NULL);
		for (p = text; (p = strstr(p, "timenode_")) != NULL; p += n) {
			n = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
			if (n >= sizeof(name) || (p > text && p[-1] == '_'))
				continue;
			memcpy(name, p, n);
			name[n] = '\0';
			for (k = 0; k < 3; k++) {
				l = strlen(sfx[k]);
				if (n > l && strcmp(name + n - l, sfx[k]) == 0)
					name[n - l] = '\0';
			}
			snprintf(want, sizeof(want), "# TYPE %s ", name);
			if (strstr(m, want) == NULL)
				printf("\n  %s: %s is not exported\n",
				    files[i], name);
			CU_ASSERT_PTR_NOT_NULL(strstr(m, want));
			seen++;
		}
		free(text);
	}
	CU_ASSERT(seen > 20);
	free(m);
}

static pid_t
prom_start(const char *dir)
{
	char	 conf[600], data[600], listen[64];
	FILE	*f;
	pid_t	 pid;
	int	 i, fd;

	snprintf(conf, sizeof(conf), "%s/prometheus.yml", dir);
	snprintf(data, sizeof(data), "--storage.tsdb.path=%s/data", dir);
	snprintf(listen, sizeof(listen), "--web.listen-address=%s:%d",
	    PROM_IP, PROM_PORT);
	if ((f = fopen(conf, "w")) == NULL)
		return -1;
	fprintf(f, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
	    "scrape_configs:\n  - job_name: timenode\n"
	    "    static_configs:\n      - targets:\n");
	for (i = 0; i < NNODES; i++)
		fprintf(f, "          - \"%s:%d\"\n", N[i].ip, HTTP_PORT);
	fclose(f);
	snprintf(conf, sizeof(conf), "--config.file=%s/prometheus.yml", dir);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		snprintf(data, sizeof(data), "%s/prometheus.log", dir);
		if ((fd = open(data, O_WRONLY | O_CREAT | O_TRUNC, 0644)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		snprintf(data, sizeof(data), "--storage.tsdb.path=%s/data",
		    dir);
		execlp("prometheus", "prometheus", conf, data, listen,
		    (char *)NULL);
		_exit(127);
	}
	tn_track_pid(pid);
	return pid;
}

/* the heights Prometheus has for timenode_chain_height, by instance */
static int
prom_heights(int heights[NNODES])
{
	char		 req[256], inst[64], *ans, *body;
	json_t		*o, *res, *e;
	size_t		 k;
	int		 i, n = 0;

	snprintf(req, sizeof(req), "GET /api/v1/query?query="
	    "timenode_chain_height HTTP/1.0\r\nHost: %s\r\n\r\n", PROM_IP);
	if ((ans = http(PROM_IP, PROM_PORT, req, 5)) == NULL)
		return 0;
	if ((body = strstr(ans, "\r\n\r\n")) == NULL ||
	    (o = json_loads(body + 4, 0, NULL)) == NULL) {
		free(ans);
		return 0;
	}
	res = json_object_get(json_object_get(o, "data"), "result");
	json_array_foreach(res, k, e) {
		for (i = 0; i < NNODES; i++) {
			snprintf(inst, sizeof(inst), "%s:%d", N[i].ip,
			    HTTP_PORT);
			if (strcmp(inst, json_string_value(json_object_get(
			    json_object_get(e, "metric"), "instance")) ?
			    json_string_value(json_object_get(json_object_get(
			    e, "metric"), "instance")) : "") != 0)
				continue;
			heights[i] = atoi(json_string_value(json_array_get(
			    json_object_get(e, "value"), 1)) ?
			    json_string_value(json_array_get(json_object_get(e,
			    "value"), 1)) : "-1");
			n++;
		}
	}
	json_decref(o);
	free(ans);
	return n;
}

/* percent-encode s for a query string (RFC 3986 unreserved kept) */
static void
url_encode(const char *s, char *out, size_t len)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			n = 0;

	for (; *s && n + 4 < len; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-._~", *s))
			out[n++] = *s;
		else {
			out[n++] = '%';
			out[n++] = hex[(unsigned char)*s >> 4];
			out[n++] = hex[*s & 15];
		}
	}
	out[n] = '\0';
}

/* replace every from in s by to, in place (s has room for len bytes) */
static void
subst(char *s, size_t len, const char *from, const char *to)
{
	char	*p, tail[2048];

	while ((p = strstr(s, from)) != NULL &&
	    strlen(s) - strlen(from) + strlen(to) < len) {
		snprintf(tail, sizeof(tail), "%s", p + strlen(from));
		snprintf(p, len - (size_t)(p - s), "%s%s", to, tail);
	}
}

/* Prometheus runs every query of the dashboard without an error */
static int
dashboard_queries(void)
{
	json_t		*d, *panel, *t;
	size_t		 i, j;
	char		 expr[2048], enc[6144], req[6400], *ans;
	int		 bad = 0, n = 0;

	d = json_load_file(TN_SOURCE_DIR
	    "/contrib/grafana/timenode-dashboard.json", 0, NULL);
	CU_ASSERT_FATAL(d != NULL);
	json_array_foreach(json_object_get(d, "panels"), i, panel)
	    json_array_foreach(json_object_get(panel, "targets"), j, t) {
		snprintf(expr, sizeof(expr), "%s",
		    json_string_value(json_object_get(t, "expr")));
		subst(expr, sizeof(expr), "$instance", ".*");
		subst(expr, sizeof(expr), "$__rate_interval", "1m");
		url_encode(expr, enc, sizeof(enc));
		snprintf(req, sizeof(req), "GET /api/v1/query?query=%s "
		    "HTTP/1.0\r\n\r\n", enc);
		ans = http(PROM_IP, PROM_PORT, req, 5);
		n++;
		if (ans == NULL || strstr(ans, "\"status\":\"success\"") ==
		    NULL) {
			printf("\n  dashboard query failed: %s\n  %.300s\n",
			    expr, ans ? ans : "(no answer)");
			bad++;
		}
		free(ans);
	}
	json_decref(d);
	printf("\n  %d dashboard queries ran\n", n);
	return n > 0 && bad == 0;
}

/*
 * A real Prometheus scrapes the three nodes each second; its query API
 * has each node's height after the catch-up, and runs every query of the
 * Grafana dashboard in contrib/.
 */
static void
test_prometheus(void)
{
	char	 dir[] = "/tmp/tn-prom-XXXXXX", cmd[128];
	int	 heights[NNODES], i, ok = 0, st, polls = 0;
	double	 end;
	pid_t	 pid;

	CU_ASSERT_FATAL(caught_up);
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	pid = prom_start(dir);
	CU_ASSERT(pid > 0);
	for (end = tn_now() + 60; pid > 0 && tn_now() < end && !ok &&
	    tn_pid_alive(pid); tn_sleep(0.5), polls++) {
		for (i = 0; i < NNODES; i++)
			heights[i] = -1;
		if (prom_heights(heights) != NNODES)
			continue;
		for (i = 0, ok = 1; i < NNODES; i++)
			ok &= heights[i] == CHAIN;
	}
	CU_ASSERT(ok);
	printf("\n  Prometheus had the three heights after %d polls\n",
	    polls);
	if (ok)
		CU_ASSERT(dashboard_queries());
	if (!ok) {
		snprintf(cmd, sizeof(cmd), "%s/prometheus.log", dir);
		show(cmd);
	}
	if (pid > 0) {
		kill(pid, SIGTERM);
		for (end = tn_now() + 10; tn_now() < end &&
		    waitpid(pid, &st, WNOHANG) == 0; tn_sleep(0.1))
			;
		if (waitpid(pid, &st, WNOHANG) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

int
main(int argc, char **argv)
{
	static const struct tn_case tests[] = {
		{ "promtool check metrics", test_promtool },
		{ "values after a catch-up", test_values },
		{ "timenodectl metrics", test_ctl },
		{ "HTTP GET /metrics, 404", test_http },
		{ "HTTP headers bounded", test_http_headers },
		{ "HTTP connections bounded", test_http_conns },
		{ "HTTP connection lifetime", test_http_lifetime },
		{ "contrib/ names are exported", test_contrib_names },
		{ "a real Prometheus", test_prometheus },
	};
	struct tn_suite ts = { .name = "prom", .cases = tests,
	    .ncases = TN_NCASES(tests), .only = argc > 1 ? argv[1] : NULL,
	    .init = suite_init, .clean = suite_clean };

	/* without the tools the test cannot run: skipped, never passed */
	if (!have("promtool") || !have("prometheus")) {
		printf("test_prom: skipped: promtool or prometheus not "
		    "installed (Debian package prometheus; scripts/deps.sh)\n");
		return 77;
	}
	return tn_cunit_run(&ts);
}
