/*
 * test_prom.c - the node's metrics as Prometheus reads them (issue 13,
 * item 1), on real nodes after a catch-up.
 *
 * Three nodes: A produces a chain, B and C catch up from it.  Then each
 * node's `metrics` answer passes `promtool check metrics` (the format and
 * Prometheus' naming lint) and shows the height, peers and histograms;
 * timenodectl metrics prints the same text.  promtool missing: the case
 * says so and checks the rest.
 * Nodes on 127.0.5.1-3 (no other test uses 127.0.5.x), port 24750.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "cunit.h"
#include "harness.h"

#define PORT		24750
#define NNODES		3
#define CHAIN		3000
#define PAYLOAD		200

static struct tn_node	N[NNODES];
static int		caught_up;

static const char sync_conf[] =
    "[p2p]\nping_interval = 1\nping_timeout = 4\nbackoff_min = 0.2\n"
    "backoff_max = 1\n[sync]\nrequest_timeout = 2\n";

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

	snprintf(conf, sizeof(conf), "%s%s[sync]\nproducer_key = devnet\n",
	    tn_fast_supervisor, sync_conf);
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
	snprintf(conf, sizeof(conf), "peer = 127.0.5.1:%d\n%s%s", PORT,
	    tn_fast_supervisor, sync_conf);
	for (i = 1; i < NNODES; i++) {
		snprintf(ip, sizeof(ip), "127.0.5.%d", i + 1);
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
	if (!have("promtool")) {
		printf("\n  promtool not installed (Debian package prometheus): "
		    "format not checked\n");
		return;
	}
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

int
main(int argc, char **argv)
{
	static const struct tn_case tests[] = {
		{ "promtool check metrics", test_promtool },
		{ "values after a catch-up", test_values },
		{ "timenodectl metrics", test_ctl },
	};
	struct tn_suite ts = { .name = "prom", .cases = tests,
	    .ncases = TN_NCASES(tests), .only = argc > 1 ? argv[1] : NULL,
	    .init = suite_init, .clean = suite_clean };

	return tn_cunit_run(&ts);
}
