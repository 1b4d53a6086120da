/* SPDX-License-Identifier: ISC */
/*
 * bench_node.c - the node-level figures of bench/run.sh (issue 12):
 * handshake latency, worker restart time, idle cost, and a network of many
 * nodes on one machine (time until connected, propagation of one block a
 * second, a long chain reaching every node, CPU and memory), with the
 * memory of a node that caught up from all of them, over a soak.
 *
 *	bench_node handshake COUNT
 *	bench_node restart COUNT
 *	bench_node idle SECONDS
 *	bench_node tls BLOCKS REPS HANDSHAKES
 *	bench_node net NODES SECONDS CHAIN MEM_BLOCKS SOAK OUTDIR
 *
 * Each prints one JSON object on stdout and its progress on stderr; it
 * asserts nothing about time (exit 1 only when a node does not start).
 * Nodes run with the default configuration except where a figure needs
 * otherwise (said at each), as nobody when started as root, on addresses
 * no test uses: 127.0.3.x (handshake, restart, idle), 127.0.4.x (the
 * network), 127.0.6.1 (the memory node); this program's own connections
 * come from 127.0.5.x.  bench/run.sh runs it in a network namespace of
 * its own.
 *
 * Propagation is measured by an observer: this program holds one wire
 * connection to every node (tests/fakepeer.c's protocol, claiming height
 * 0 and no listening port, so no node dials it or asks it for blocks).
 * A node announces a block to its peers right after it committed it
 * (docs/sync.md), so the time the observer reads a node's announcement
 * of height H, minus the production time inside the block (time_ms, the
 * producer's clock, which is this machine's), is the time the block took
 * to be committed there.  A node that announces only the end of a batch
 * has committed every height below it: those heights get the same time.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "block.h"
#include "fakepeer.h"
#include "harness.h"
#include "store.h"
#include "tls.h"

#define PORT		24700
#define MAX_NODES	128	/* of the network, the memory node excluded */
#define NOBS		(MAX_NODES + 1)
#define PAYLOAD		1024	/* bytes of every produced block */

static const char *const workers[] = { "stored", "syncd", "netd" };
static uint32_t		 net_magic;	/* devnet's */
static uint8_t		 genesis_hash[IPC_HASH_LEN];	/* devnet's */

/* ---- small tools ---- */

static void
progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench_node: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* wall clock in ms: the clock of a block's time_ms */
static double
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* nearest-rank quantile of sorted v[0..n), q in [0, 1] */
static double
quantile(const double *v, size_t n, double q)
{
	size_t k = (size_t)(q * (double)n + 0.999999);

	return v[k == 0 ? 0 : (k > n ? n : k) - 1];
}

/*
 * {"n", "median", "p95", "p99", "min", "max"} of v[0..n) (sorted in
 * place), in the unit of v; {"n": 0} when empty.
 */
static json_t *
summary(double *v, size_t n)
{
	json_t *o = json_object();

	json_object_set_new(o, "n", json_integer((json_int_t)n));
	if (n == 0)
		return o;
	qsort(v, n, sizeof(*v), cmp_double);
	json_object_set_new(o, "median", json_real(quantile(v, n, 0.5)));
	json_object_set_new(o, "p95", json_real(quantile(v, n, 0.95)));
	json_object_set_new(o, "p99", json_real(quantile(v, n, 0.99)));
	json_object_set_new(o, "min", json_real(v[0]));
	json_object_set_new(o, "max", json_real(v[n - 1]));
	return o;
}

static void
emit(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	if (s != NULL)
		printf("%s\n", s);
	fflush(stdout);
	free(s);
	json_decref(o);
}

/*
 * The observer is a plaintext wire peer (tests/fakepeer.c): the nodes it
 * watches take plaintext inbound; among themselves they still dial TLS
 * (docs/protocol.md section 12).  Without it every observer connection
 * was refused and no propagation was measured.
 */
#define OBSERVED	"[p2p]\nplaintext = yes\n"

/* a node on ip:PORT as nobody (when root); conf_extra is INI text */
static int
node_new(struct tn_node *n, const char *ip, const char *conf_extra)
{
	return tn_node_new(n, ip, PORT, conf_extra);
}

/* timenoded and its three workers: 0, or -1 when a pid is unknown */
static int
node_pids(struct tn_node *n, pid_t pids[4])
{
	json_t	*st = tn_status(n);
	int	 i, ok = 0;

	if (st == NULL)
		return -1;
	pids[0] = n->pid;
	for (i = 0; i < 3; i++)
		if ((pids[i + 1] = tn_component_pid(st, workers[i])) <= 0)
			ok = -1;
	json_decref(st);
	return ok;
}

/*
 * Resident memory of one process in KiB, 0 if gone: key "VmRSS" (all of
 * it, the LMDB map's file pages included) or "RssAnon" (heap and stacks:
 * what a leak grows) of /proc/PID/status.
 */
static long
rss_kib(pid_t pid, const char *key)
{
	char buf[64];

	if (tn_read_proc_status(pid, key, buf, sizeof(buf)) == -1)
		return 0;
	return atol(buf);
}

static double
pids_cpu(const pid_t *p, int n)
{
	double	s = 0;
	int	i;

	for (i = 0; i < n; i++)
		s += tn_pid_cpu(p[i]);
	return s;
}

static long
pids_rss(const pid_t *p, int n, const char *key)
{
	long	s = 0;
	int	i;

	for (i = 0; i < n; i++)
		s += rss_kib(p[i], key);
	return s;
}

/* the devnet network every fake peer speaks */
static int
setup_fake(void)
{
	struct genesis	g;
	char		err[256];

	if (genesis_load(&g, "devnet", ".", err, sizeof(err)) == -1) {
		progress("devnet genesis: %s", err);
		return -1;
	}
	net_magic = wire_magic(g.block.hash);
	memcpy(genesis_hash, g.block.hash, IPC_HASH_LEN);
	fake_setup(net_magic, g.block.hash);
	return 0;
}

/* produce count blocks of PAYLOAD bytes on n, by commands of at most
 * IPC_PRODUCE_MAX: 0 or -1 */
static int
produce(struct tn_node *n, uint64_t count)
{
	char		cmd[64];
	uint64_t	k;

	for (; count > 0; count -= k) {
		k = count > IPC_PRODUCE_MAX ? IPC_PRODUCE_MAX : count;
		snprintf(cmd, sizeof(cmd), "produce %llu %d",
		    (unsigned long long)k, PAYLOAD);
		if (!tn_command_ok(n->sock, cmd, 900, NULL)) {
			progress("%s: produce failed", n->ip);
			return -1;
		}
	}
	return 0;
}

/*
 * A child process that sends cmd to sock `times` times, `interval`
 * seconds apart (from its start), so that this process keeps reading
 * while the node works.  Its pid, tracked by the harness; -1 on error.
 */
static pid_t
command_child(const char *sock, const char *cmd, int times, double interval)
{
	double	t0;
	pid_t	pid;
	int	i;

	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0) {
		tn_track_pid(pid);
		return pid;
	}
	t0 = tn_now();
	for (i = 0; i < times; i++) {
		double wait = t0 + i * interval - tn_now();

		if (wait > 0)
			tn_sleep(wait);
		if (!tn_command_ok(sock, cmd, 900, NULL))
			fprintf(stderr, "bench_node: %s failed\n", cmd);
	}
	_exit(0);
}

/* ---- handshake: connect() to both hellos, COUNT times ---- */

static int
bench_handshake(int count)
{
	struct tn_node	 n;
	struct fake	 f;
	double		*v, t0;
	char		 src[32];
	size_t		 nv = 0;
	int		 i, failed = 0;
	json_t		*o;

	if (setup_fake() == -1 || (v = calloc((size_t)count, sizeof(*v)))
	    == NULL)
		return 1;
	/* the scripted peer speaks plaintext; bench_node tls has TLS's */
	if (node_new(&n, "127.0.3.1", "[p2p]\nplaintext = yes\n") == -1 ||
	    tn_node_run(&n, 60)
	    == -1) {
		progress("node did not start");
		return 1;
	}
	tn_sleep(0.5);
	for (i = 0; i < count; i++) {
		/* 200 source addresses in turn: one connection per peer IP
		 * (docs/protocol.md), each long closed when it comes again */
		snprintf(src, sizeof(src), "127.0.5.%d", 10 + i % 200);
		t0 = tn_now();
		if (fake_handshake(&f, src, n.ip, PORT,
		    ((uint64_t)randombytes_random() << 32) | (uint64_t)i)
		    == -1) {
			failed++;
			continue;
		}
		v[nv++] = (tn_now() - t0) * 1e3;
		fake_close(&f);
	}
	o = json_object();
	json_object_set_new(o, "connections", json_integer(count));
	json_object_set_new(o, "failed", json_integer(failed));
	json_object_set_new(o, "ms", summary(v, nv));
	emit(o);
	tn_node_cleanup(&n);
	free(v);
	return 0;
}

/* ---- tls: catch-up and handshakes, TLS against plaintext ---- */


/*
 * A node on ip with p2p (INI lines of [p2p]) catching up from src: the
 * seconds from its start to height blocks, -1 on failure.
 */
static double
catchup_once(struct tn_node *src, const char *ip, const char *p2p,
    uint64_t blocks)
{
	struct tn_node	n;
	char		conf[512];
	double		t0, t = -1;

	snprintf(conf, sizeof(conf), "[p2p]\n%s[node]\npeer = %s:%d\n", p2p,
	    src->ip, PORT);
	if (node_new(&n, ip, conf) == -1)
		return -1;
	t0 = tn_now();
	if (tn_node_start(&n, NULL, NULL) == 0) {
		while (tn_now() - t0 < 900 &&
		    tn_node_height(&n) < (long long)blocks)
			tn_sleep(0.01);
		if (tn_node_height(&n) >= (long long)blocks)
			t = tn_now() - t0;
	}
	tn_node_cleanup(&n);
	return t;
}

/*
 * One TLS handshake as a node makes it (netd/tls.c's context, our own
 * node key): connect() from src, TLS, both hellos.  Milliseconds, -1.
 */
static double
tls_handshake_once(SSL_CTX *ctx, const char *src, const char *dst,
    uint64_t nonce)
{
	struct tls_peer	 peer;
	struct fake	 f;
	struct wire_msg	 m;
	struct wbuf	 w;
	SSL		*ssl = NULL;
	uint8_t		*buf = NULL;
	size_t		 have = 0, used;
	double		 t0 = tn_now(), t = -1;
	int		 r;

	memset(&peer, 0, sizeof(peer));
	if (fake_connect(&f, src, dst, PORT) == -1)
		return -1;
	memset(&m, 0, sizeof(m));
	m.type = WIRE_HELLO;
	m.u.hello.version = WIRE_VERSION;
	m.u.hello.magic = net_magic;
	memcpy(m.u.hello.genesis, genesis_hash, IPC_HASH_LEN);
	memcpy(m.u.hello.tip, genesis_hash, IPC_HASH_LEN);
	m.u.hello.nonce = nonce;
	snprintf(m.u.hello.agent, sizeof(m.u.hello.agent), "bench_node");
	wbuf_init(&w, 1024);
	if (wire_encode(&w, net_magic, &m) == -1 ||
	    (ssl = tls_new(ctx, &peer)) == NULL ||
	    (buf = malloc(WIRE_MAX_FRAME)) == NULL ||
	    SSL_set_fd(ssl, f.fd) != 1 || SSL_connect(ssl) != 1 ||
	    SSL_write(ssl, w.data, (int)w.len) != (int)w.len)
		goto done;
	while ((r = SSL_read(ssl, buf + have, (int)(WIRE_MAX_FRAME - have)))
	    > 0) {
		have += (size_t)r;
		if (wire_frame_parse(buf, have, net_magic, &m, &used) ==
		    WIRE_OK) {
			if (m.type == WIRE_HELLO && peer.ok)
				t = (tn_now() - t0) * 1e3;
			break;
		}
	}
done:
	wbuf_free(&w);
	free(buf);
	SSL_free(ssl);
	fake_close(&f);
	return t;
}

/*
 * The cost of TLS (issue 14): one producer of BLOCKS blocks of PAYLOAD
 * bytes; a node catches up from it over TLS (the default) and one in
 * plaintext ([p2p] plaintext = always), alternately, reps times each;
 * then COUNT handshakes of each kind from 127.0.5.x (plaintext: the
 * scripted peer's; TLS: tls_handshake_once).  Nodes on 127.0.3.20-22.
 */
static int
bench_tls(uint64_t blocks, int reps, int count)
{
	struct tn_node	 a;
	SSL_CTX		*ctx;
	json_t		*o, *arr[2];
	double		*v[2], t, ms;
	uint8_t		 seed[32], pub[32];
	char		 src[32];
	size_t		 nv[2] = { 0, 0 };
	int		 i, k, failed[2] = { 0, 0 };
	static const char *const kind[2] = { "plaintext", "tls" };

	if (setup_fake() == -1 || (ctx = tls_ctx_new()) == NULL)
		return 1;
	randombytes_buf(seed, sizeof(seed));
	if (tls_ctx_set_key(ctx, seed, pub) == -1 ||
	    (v[0] = calloc((size_t)count, sizeof(double))) == NULL ||
	    (v[1] = calloc((size_t)count, sizeof(double))) == NULL)
		return 1;
	if (node_new(&a, "127.0.3.20", "[p2p]\nplaintext = yes\n"
	    "max_inbound = 1024\n[sync]\nproducer_key = devnet\n") == -1 ||
	    tn_node_run(&a, 60) == -1 || produce(&a, blocks) == -1) {
		progress("tls: producer did not start or produce");
		return 1;
	}
	o = json_object();
	json_object_set_new(o, "blocks", json_integer((json_int_t)blocks));
	json_object_set_new(o, "payload", json_integer(PAYLOAD));
	arr[0] = json_array();
	arr[1] = json_array();
	for (i = 0; i < reps; i++)
		for (k = 0; k < 2; k++) {
			t = catchup_once(&a, k ? "127.0.3.21" : "127.0.3.22",
			    k ? "" : "plaintext = always\n", blocks);
			progress("tls: catch-up %s run %d: %.2f s", kind[k], i,
			    t);
			json_array_append_new(arr[k], json_real(t));
		}
	json_object_set_new(o, "catchup_plaintext_s", arr[0]);
	json_object_set_new(o, "catchup_tls_s", arr[1]);
	for (i = 0; i < count; i++)
		for (k = 0; k < 2; k++) {
			struct fake f;
			double t0 = tn_now();

			snprintf(src, sizeof(src), "127.0.5.%d", 10 + i % 200);
			if (k == 1)
				ms = tls_handshake_once(ctx, src, a.ip,
				    ((uint64_t)randombytes_random() << 32) |
				    (uint64_t)i);
			else if (fake_handshake(&f, src, a.ip, PORT,
			    ((uint64_t)randombytes_random() << 32) |
			    (uint64_t)i) == 0) {
				ms = (tn_now() - t0) * 1e3;
				fake_close(&f);
			} else
				ms = -1;
			if (ms < 0)
				failed[k]++;
			else
				v[k][nv[k]++] = ms;
		}
	for (k = 0; k < 2; k++) {
		char name[64];

		snprintf(name, sizeof(name), "handshake_%s_ms", kind[k]);
		json_object_set_new(o, name, summary(v[k], nv[k]));
		snprintf(name, sizeof(name), "handshake_%s_failed", kind[k]);
		json_object_set_new(o, name, json_integer(failed[k]));
		free(v[k]);
	}
	emit(o);
	tn_node_cleanup(&a);
	SSL_CTX_free(ctx);
	return 0;
}

/* ---- restart: SIGKILL of a worker to running and serving ---- */

/*
 * Default supervisor settings except those that would throttle or stop
 * 3 x COUNT restarts: a worker that lived 0.5 s is not a fast crash, and
 * 1000 restarts a minute are allowed.  Issue 12 times restarts "when the
 * restart is not throttled as a fast crash".  It takes the observer's
 * plaintext inbound: netd "serving" is a plaintext handshake (with TLS
 * alone, every one was refused and each of the 20 waits ran to its end,
 * ten minutes of the 2026-11-30 run, for no figure).
 */
#define FAST_CRASH	0.5
#define RUNNING_MAX	30	/* s: longer is a failed restart, not a figure */
#define SERVING_MAX	5	/* s: likewise, from running on */
static const char restart_conf[] =
    "[supervisor]\nfast_crash = 0.5\nrestart_intensity = 1000\n"
    "restart_window = 60\n[sync]\nproducer_key = devnet\n" OBSERVED;

/* the worker answers work of its own: stored a verify, syncd a produce
 * (through stored), netd a handshake on its listening address */
static int
serving(struct tn_node *n, const char *worker)
{
	struct fake f;

	if (strcmp(worker, "stored") == 0)
		return tn_command_ok(n->sock, "verify", 2, NULL);
	if (strcmp(worker, "syncd") == 0)
		return tn_command_ok(n->sock, "produce 1", 2, NULL);
	if (fake_handshake(&f, "127.0.5.2", n->ip, PORT, 42) == -1)
		return 0;
	fake_close(&f);
	return 1;
}

/* the worker runs under a pid other than old */
static int
running_again(struct tn_node *n, const char *worker, pid_t old)
{
	json_t	*st = tn_status(n);
	pid_t	 pid;
	int	 ok;

	if (st == NULL)
		return 0;
	pid = tn_component_pid(st, worker);
	ok = pid > 0 && pid != old && strcmp(tn_component_state(st, worker),
	    "running") == 0;
	json_decref(st);
	return ok;
}

/* count SIGKILLs of worker w of n, one at a time: its figures into o */
static void
restart_worker(struct tn_node *n, const char *w, int count, json_t *o)
{
	double	*run = calloc((size_t)count, sizeof(double));
	double	*srv = calloc((size_t)count, sizeof(double));
	double	 t0, end;
	size_t	 nrun = 0, nsrv = 0;
	json_t	*st, *r;
	pid_t	 old;
	int	 i;

	for (i = 0; i < count && run && srv; i++) {
		tn_sleep(FAST_CRASH + 0.2);
		if ((st = tn_wait_running(n, 30)) == NULL)
			break;
		old = tn_component_pid(st, w);
		json_decref(st);
		if (old <= 0 || kill(old, SIGKILL) == -1)
			break;
		t0 = tn_now();
		end = t0 + RUNNING_MAX;
		while (tn_now() < end && !running_again(n, w, old))
			tn_sleep(0.002);
		if (tn_now() >= end)
			continue;
		run[nrun++] = (tn_now() - t0) * 1e3;
		end = tn_now() + SERVING_MAX;
		while (tn_now() < end && !serving(n, w))
			tn_sleep(0.002);
		if (tn_now() < end)
			srv[nsrv++] = (tn_now() - t0) * 1e3;
	}
	r = json_object();
	json_object_set_new(r, "kills", json_integer(i));
	json_object_set_new(r, "running_ms", summary(run, nrun));
	json_object_set_new(r, "serving_ms", summary(srv, nsrv));
	json_object_set_new(o, w, r);
	free(run);
	free(srv);
}

static int
bench_restart(int count)
{
	struct tn_node	 n, q;
	char		 conf[256];
	long long	 c0, c1;
	json_t		*o;
	int		 i;

	if (setup_fake() == -1)
		return 1;
	snprintf(conf, sizeof(conf), "[node]\npeer = 127.0.3.2:%d\n", PORT);
	if (node_new(&n, "127.0.3.2", restart_conf) == -1 ||
	    tn_node_run(&n, 60) == -1 || node_new(&q, "127.0.3.3", conf) ==
	    -1 || tn_node_run(&q, 60) == -1) {
		progress("nodes did not start");
		return 1;
	}
	/* a peer connected to it: does a restart of stored or syncd close
	 * that connection (issue 12, item 3)? */
	for (i = 0; i < 300; i++) {
		json_t *st = tn_status(&q);
		int np = st ? tn_npeers(st) : 0;

		json_decref(st);
		if (np >= 1)
			break;
		tn_sleep(0.05);
	}
	o = json_object();
	c0 = tn_node_closed_total(&q);
	for (i = 0; i < 2; i++) {
		progress("restart: %s x %d", workers[i], count);
		restart_worker(&n, workers[i], count, o);
	}
	tn_sleep(1);
	c1 = tn_node_closed_total(&q);
	json_object_set_new(o, "peer_connections_closed_by_stored_syncd",
	    json_integer(c0 >= 0 && c1 >= 0 ? c1 - c0 : -1));
	progress("restart: netd x %d", count);
	restart_worker(&n, "netd", count, o);
	emit(o);
	tn_node_cleanup(&q);
	tn_node_cleanup(&n);
	return 0;
}

/* ---- idle: one node with 10 peers, default intervals ---- */

#define IDLE_PEERS	10

/*
 * Context switches of every thread of pid so far (voluntary + not, from
 * /proc/PID/task/TID/status): at idle each one is a wakeup, a sleep
 * ended by a timer, a message or a thread of its own.  Threads that
 * ended are not counted.  0 if the process is gone.
 */
/* threads of pid now, 0 if gone */
static long
threads(pid_t pid)
{
	char buf[32];

	if (tn_read_proc_status(pid, "Threads", buf, sizeof(buf)) == -1)
		return 0;
	return atol(buf);
}

static long long
ctxt_switches(pid_t pid)
{
	char		 path[96], line[128];
	long long	 sum = 0, v;
	struct dirent	*e;
	DIR		*d;
	FILE		*f;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%.16s/status",
		    (long)pid, e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL)
			if ((sscanf(line, "voluntary_ctxt_switches: %lld",
			    &v) == 1 || sscanf(line,
			    "nonvoluntary_ctxt_switches: %lld", &v) == 1))
				sum += v;
		fclose(f);
	}
	closedir(d);
	return sum;
}

static int
bench_idle(double secs)
{
	struct tn_node	 n, p[IDLE_PEERS];
	pid_t		 pids[4], after[4];
	char		 ip[32], conf[128];
	double		 c0, c1, t0, t, pc0[4];
	long long	 sw0[4];
	json_t		*o, *st, *procs;
	int		 i, np = 0;

	snprintf(conf, sizeof(conf), "[node]\npeer = 127.0.3.20:%d\n", PORT);
	if (node_new(&n, "127.0.3.20", NULL) == -1 || tn_node_run(&n, 60)
	    == -1)
		return 1;
	for (i = 0; i < IDLE_PEERS; i++) {
		snprintf(ip, sizeof(ip), "127.0.3.%d", 21 + i);
		if (node_new(&p[i], ip, conf) == -1 || tn_node_run(&p[i], 60)
		    == -1)
			return 1;
	}
	for (t0 = tn_now(); tn_now() < t0 + 60; tn_sleep(0.2)) {
		st = tn_status(&n);
		np = st ? tn_npeers(st) : 0;
		json_decref(st);
		if (np >= IDLE_PEERS)
			break;
	}
	tn_sleep(2);	/* the handshakes' work done */
	if (node_pids(&n, pids) == -1)
		return 1;
	progress("idle: %d peers, measuring %.0f s", np, secs);
	for (i = 0; i < 4; i++) {
		pc0[i] = tn_pid_cpu(pids[i]);
		sw0[i] = ctxt_switches(pids[i]);
	}
	c0 = pids_cpu(pids, 4);
	t0 = tn_now();
	tn_sleep(secs);
	c1 = pids_cpu(pids, 4);
	t = tn_now() - t0;
	o = json_object();
	/* per process: what wakes it (issue 12's idle target) */
	procs = json_object();
	for (i = 0; i < 4; i++) {
		json_t *po = json_object();

		json_object_set_new(po, "cpu_pct", json_real(100 *
		    (tn_pid_cpu(pids[i]) - pc0[i]) / t));
		json_object_set_new(po, "wakeups_per_s", json_real((double)
		    (ctxt_switches(pids[i]) - sw0[i]) / t));
		json_object_set_new(po, "threads", json_integer(threads(pids[i])));
		json_object_set_new(procs, i == 0 ? "timenoded" :
		    workers[i - 1], po);
	}
	json_object_set_new(o, "processes", procs);
	json_object_set_new(o, "peers", json_integer(np));
	json_object_set_new(o, "seconds", json_real(t));
	json_object_set_new(o, "cpu_pct", json_real(100 * (c1 - c0) / t));
	json_object_set_new(o, "rss_kib", json_integer(pids_rss(pids, 4, "VmRSS")));
	json_object_set_new(o, "same_pids", json_boolean(node_pids(&n,
	    after) == 0 && memcmp(pids, after, sizeof(pids)) == 0));
	emit(o);
	for (i = 0; i < IDLE_PEERS; i++)
		tn_node_cleanup(&p[i]);
	tn_node_cleanup(&n);
	return 0;
}

/* ---- net: many nodes, the observer, the memory node ---- */

struct obs {
	struct fake	f[NOBS];
	int		up[NOBS];
	uint64_t	seen[NOBS];	/* highest height node i announced */
	/* heights [lo, hi] of the per-second phase: arrival per node */
	uint64_t	lo, hi;
	double		*arrive;	/* [NOBS][hi - lo + 1], wall ms */
	double		*made;		/* [hi - lo + 1]: the blocks' time_ms */
	/* the catch-up timeline of one connection */
	int		 trace;		/* its index, -1: none */
	FILE		*trace_f;
	double		 trace_t0;
};

static struct obs O;

/* node i committed everything up to h at wall time t (ms) */
static void
obs_height(int i, uint64_t h, double t)
{
	uint64_t k;

	if (h <= O.seen[i])
		return;
	if (O.arrive != NULL)
		for (k = O.seen[i] + 1 > O.lo ? O.seen[i] + 1 : O.lo;
		    k <= h && k <= O.hi; k++)
			if (O.arrive[(size_t)i * (O.hi - O.lo + 1) + k - O.lo]
			    == 0)
				O.arrive[(size_t)i * (O.hi - O.lo + 1) + k -
				    O.lo] = t;
	O.seen[i] = h;
	if (i == O.trace && O.trace_f != NULL)
		fprintf(O.trace_f, "%.3f %llu\n", tn_now() - O.trace_t0,
		    (unsigned long long)h);
}

static void
obs_message(int i, struct wire_msg *m, double t)
{
	struct block	b;
	uint32_t	k;

	switch (m->type) {
	case WIRE_PING:
		fake_answer_ping(&O.f[i], m);
		break;
	case WIRE_TIP:
		obs_height(i, m->u.tip.height, t);
		break;
	case WIRE_BLOCKS:
		for (k = 0; k < m->u.blocks.count; k++) {
			if (block_decode(m->u.blocks.v[k].p,
			    m->u.blocks.v[k].len, &b) != BLOCK_OK)
				continue;
			if (O.made != NULL && b.h.height >= O.lo &&
			    b.h.height <= O.hi)
				O.made[b.h.height - O.lo] =
				    (double)b.h.time_ms;
			obs_height(i, b.h.height, t);
		}
		break;
	default:
		break;
	}
}

/* read what connection i has, handle each whole frame; -1 on EOF */
static int
obs_read(int i)
{
	static struct wire_msg	 m;
	struct fake		*f = &O.f[i];
	enum wire_status	 st;
	size_t			 used;
	ssize_t			 r;
	double			 t = wall_ms();

	r = recv(f->fd, f->buf + f->have, WIRE_MAX_FRAME - f->have,
	    MSG_DONTWAIT);
	if (r == 0 || (r == -1 && errno != EAGAIN && errno != EINTR))
		return -1;
	if (r > 0)
		f->have += (size_t)r;
	while ((st = wire_frame_parse(f->buf, f->have, net_magic,
	    &m, &used)) == WIRE_OK) {
		obs_message(i, &m, t);
		memmove(f->buf, f->buf + used, f->have - used);
		f->have -= used;
	}
	return st == WIRE_NEED_MORE ? 0 : -1;
}

/* connect the observer to node i (its handshake done): 0 or -1 */
static int
obs_connect(int i, const char *ip)
{
	char src[32];

	snprintf(src, sizeof(src), "127.0.5.%d", 1 + i);
	if (fake_handshake(&O.f[i], src, ip, PORT, 0x0b5e0000u + (unsigned)i)
	    == -1)
		return -1;
	O.up[i] = 1;
	return 0;
}

/* read every connection for up to secs; stops early once done() */
static void
obs_run(double secs, int (*done)(void *), void *arg,
    void (*tick)(void *), void *targ)
{
	struct pollfd	pfd[NOBS];
	int		idx[NOBS], n, i, k;
	double		end = tn_now() + secs;

	while (tn_now() < end) {
		if (done != NULL && done(arg))
			return;
		if (tick != NULL)
			tick(targ);
		for (n = 0, i = 0; i < NOBS; i++)
			if (O.up[i]) {
				pfd[n].fd = O.f[i].fd;
				pfd[n].events = POLLIN;
				idx[n++] = i;
			}
		if (poll(pfd, (nfds_t)n, 50) <= 0)
			continue;
		for (k = 0; k < n; k++)
			if ((pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    obs_read(idx[k]) == -1) {
				fake_close(&O.f[idx[k]]);
				O.up[idx[k]] = 0;
			}
	}
}

struct net {
	struct tn_node	 node[MAX_NODES];
	int		 n;
	struct tn_node	 mem;		/* the memory node */
	int		 has_mem;
	pid_t		 pids[MAX_NODES + 1][4];
	uint64_t	 target;	/* for all_reached */
	/* soak: the memory node's RSS every few seconds */
	FILE		*soak_f;
	double		 soak_t0, soak_next, soak_every;
	/* of VmRSS [0] and RssAnon [1] */
	long		 soak_first[2], soak_last[2], soak_max[2];
};

static const char *
net_ip(int i, char *buf, size_t len)
{
	snprintf(buf, len, "127.0.4.%d", 1 + i);
	return buf;
}

/* every node of the network (and the memory node) has seen target */
static int
all_reached(void *arg)
{
	struct net	*w = arg;
	int		 i;

	for (i = 0; i < w->n; i++)
		if (O.up[i] && O.seen[i] < w->target)
			return 0;
	return !w->has_mem || !O.up[MAX_NODES] ||
	    O.seen[MAX_NODES] >= w->target;
}

/*
 * The memory node has the target height: by its announcements, or (twice
 * a second) by its status, in case it was done before the observer's
 * connection was up and so has nothing more to announce.
 */
static int
mem_reached(void *arg)
{
	static double	 next;
	struct net	*w = arg;
	long long	 h;

	if (O.seen[MAX_NODES] >= w->target)
		return 1;
	if (tn_now() < next)
		return 0;
	next = tn_now() + 0.5;
	if ((h = tn_node_height(&w->mem)) >= (long long)w->target)
		obs_height(MAX_NODES, (uint64_t)h, wall_ms());
	return O.seen[MAX_NODES] >= w->target;
}

static void
soak_sample(void *arg)
{
	static const char *const key[2] = { "VmRSS", "RssAnon" };
	struct net	*w = arg;
	long		 r[2];
	int		 k;

	if (w->soak_f == NULL || tn_now() < w->soak_next)
		return;
	w->soak_next += w->soak_every;
	for (k = 0; k < 2; k++) {
		r[k] = pids_rss(w->pids[MAX_NODES], 4, key[k]);
		if (w->soak_first[k] == 0)
			w->soak_first[k] = r[k];
		w->soak_last[k] = r[k];
		if (r[k] > w->soak_max[k])
			w->soak_max[k] = r[k];
	}
	fprintf(w->soak_f, "%.1f %ld %ld\n", tn_now() - w->soak_t0, r[0],
	    r[1]);
	fflush(w->soak_f);
}

/* union-find over node indexes, for "one component" */
static int
uf_find(int *up, int i)
{
	while (up[i] != i)
		i = up[i] = up[up[i]];
	return i;
}

/*
 * Poll every node's peer table until the peer graph among the nodes is
 * one component (t_component) and every node has at least want peers
 * (t_want), or timeout.  Both times from t0; -1 if not reached.
 */
static json_t *
net_connect_times(struct net *w, double t0, int want, double timeout)
{
	double	 t_comp = -1, t_want = -1;
	int	 up[MAX_NODES], npeer[MAX_NODES], i, k, j, comps, minp;
	json_t	*st, *pe, *o;
	size_t	 a;
	char	 ip[32];

	while (tn_now() < t0 + timeout && (t_comp < 0 || t_want < 0)) {
		for (i = 0; i < w->n; i++)
			up[i] = i;
		minp = 1 << 30;
		for (i = 0; i < w->n; i++) {
			npeer[i] = 0;
			if ((st = tn_status(&w->node[i])) == NULL)
				continue;
			json_array_foreach(json_object_get(st, "peers"), a,
			    pe) {
				const char *s = json_string_value(
				    json_object_get(pe, "ip"));

				for (k = 0; s && k < w->n; k++)
					if (strcmp(s, net_ip(k, ip,
					    sizeof(ip))) == 0) {
						npeer[i]++;
						up[uf_find(up, i)] =
						    uf_find(up, k);
					}
			}
			json_decref(st);
			if (npeer[i] < minp)
				minp = npeer[i];
		}
		for (comps = 0, j = 0; j < w->n; j++)
			comps += uf_find(up, j) == j;
		if (t_comp < 0 && comps == 1 && minp >= 1)
			t_comp = tn_now() - t0;
		if (t_want < 0 && minp >= want)
			t_want = tn_now() - t0;
		tn_sleep(0.25);
	}
	o = json_object();
	json_object_set_new(o, "want_peers", json_integer(want));
	json_object_set_new(o, "one_component_s", t_comp < 0 ? json_null() :
	    json_real(t_comp));
	json_object_set_new(o, "all_have_want_s", t_want < 0 ? json_null() :
	    json_real(t_want));
	return o;
}

/* peers per node now: {"without_peers", "min", "median", "max"} */
static json_t *
net_peer_counts(struct net *w)
{
	double	v[MAX_NODES];
	json_t	*st, *o, *s;
	int	i, alone;

	for (i = 0; i < w->n; i++) {
		st = tn_status(&w->node[i]);
		v[i] = st ? tn_npeers(st) : -1;
		json_decref(st);
	}
	s = summary(v, (size_t)w->n);
	o = json_object();
	for (i = 0, alone = 0; i < w->n; i++)
		alone += v[i] == 0;
	json_object_set_new(o, "without_peers", json_integer(alone));
	json_object_set(o, "min", json_object_get(s, "min"));
	json_object_set(o, "median", json_object_get(s, "median"));
	json_object_set(o, "max", json_object_get(s, "max"));
	json_decref(s);
	return o;
}

/* what went wrong across the network: restarts, failed workers, closes */
static json_t *
net_trouble(struct net *w)
{
	json_t		*o = json_object(), *st, *c, *v;
	const char	*k;
	long long	 restarts = 0, not_running = 0, closed[32] = { 0 };
	const char	*names[32];
	int		 i, j, nn = 0;

	for (i = 0; i < w->n; i++) {
		if ((st = tn_status(&w->node[i])) == NULL) {
			not_running += 3;
			continue;
		}
		for (j = 0; j < 3; j++) {
			restarts += tn_json_int(tn_component(st, workers[j]),
			    "restarts");
			not_running += strcmp(tn_component_state(st,
			    workers[j]), "running") != 0;
		}
		c = json_object_get(json_object_get(st, "counters"),
		    "connections_closed");
		j = 0;
		json_object_foreach(c, k, v) {
			if (j >= 32)
				break;
			if (j >= nn) {
				names[j] = strdup(k);
				nn = j + 1;
			}
			closed[j++] += json_integer_value(v);
		}
		json_decref(st);
	}
	json_object_set_new(o, "worker_restarts", json_integer(restarts));
	json_object_set_new(o, "workers_not_running",
	    json_integer(not_running));
	c = json_object();
	for (j = 0; j < nn; j++) {
		json_object_set_new(c, names[j], json_integer(closed[j]));
		free((char *)names[j]);
	}
	json_object_set_new(o, "connections_closed", c);
	return o;
}

/* CPU seconds so far and RSS (KiB) now of all the network's processes */
static double
net_usage(struct net *w, long *rss)
{
	double	cpu = 0;
	long	r = 0;
	int	i;

	for (i = 0; i < w->n; i++) {
		cpu += pids_cpu(w->pids[i], 4);
		r += pids_rss(w->pids[i], 4, "VmRSS");
	}
	if (rss != NULL)
		*rss = r;
	return cpu;
}

/* the network's processes, after starts or restarts */
static void
net_refresh_pids(struct net *w)
{
	int i;

	for (i = 0; i < w->n; i++)
		(void)node_pids(&w->node[i], w->pids[i]);
}

/* copy node 0's store to node i before it starts (a node that holds
 * the chain without having validated it here) */
static int
net_copy_store(struct net *w, int i)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "mkdir -p %s && cp %s/%s %s/ && "
	    "chown -R %d:%d %s", w->node[i].data, w->node[0].data, STORE_FILE,
	    w->node[i].data, geteuid() == 0 ? TN_NOBODY : (int)geteuid(),
	    geteuid() == 0 ? TN_NOBODY : (int)getegid(), w->node[i].data);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * The memory node: a fresh node that catches up mem_blocks from every
 * node of the network (max_outbound raised so that it dials them all),
 * traced by the observer.  Its figures into o.
 */
static int
net_memory(struct net *w, uint64_t mem_blocks, const char *outdir, json_t *o)
{
	char	conf[4096], ip[32], path[512];
	size_t	off;
	double	t0;
	int	i;

	off = (size_t)snprintf(conf, sizeof(conf),
	    OBSERVED "max_outbound = %d\n[node]\n", w->n);
	for (i = 0; i < w->n && off < sizeof(conf) - 64; i++)
		off += (size_t)snprintf(conf + off, sizeof(conf) - off,
		    "peer = %s:%d\n", net_ip(i, ip, sizeof(ip)), PORT);
	if (node_new(&w->mem, "127.0.6.1", conf) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/catchup_trace.dat", outdir);
	O.trace = MAX_NODES;
	O.trace_f = fopen(path, "w");
	O.trace_t0 = tn_now();
	t0 = tn_now();
	if (tn_node_start(&w->mem, NULL, NULL) == -1)
		return -1;
	w->has_mem = 1;
	/* the observer connects once it listens (the trace starts then) */
	for (i = 0; i < 400 && obs_connect(MAX_NODES, "127.0.6.1") == -1;
	    i++)
		tn_sleep(0.01);
	w->target = mem_blocks;
	obs_run(900, mem_reached, w, NULL, NULL);
	json_object_set_new(o, "blocks", json_integer((json_int_t)mem_blocks));
	json_object_set_new(o, "peers", json_integer(w->n));
	json_object_set_new(o, "catchup_s", O.seen[MAX_NODES] >= mem_blocks ?
	    json_real(tn_now() - t0) : json_null());
	if (O.trace_f != NULL)
		fclose(O.trace_f);
	O.trace_f = NULL;
	tn_sleep(1);
	if (node_pids(&w->mem, w->pids[MAX_NODES]) == -1)
		return -1;
	json_object_set_new(o, "rss_after_catchup_kib",
	    json_integer(pids_rss(w->pids[MAX_NODES], 4, "VmRSS")));
	json_object_set_new(o, "anon_after_catchup_kib",
	    json_integer(pids_rss(w->pids[MAX_NODES], 4, "RssAnon")));
	return 0;
}

/* latencies of the per-second blocks at nodes 1..n-1: ms, unsorted */
static size_t
net_latencies(struct net *w, double **out, size_t *missing)
{
	size_t	span = (size_t)(O.hi - O.lo + 1), nv = 0, k;
	double	*v = calloc((size_t)w->n * span + 1, sizeof(double)), a;
	int	i;

	*missing = 0;
	for (i = 1; i < w->n && v; i++)
		for (k = 0; k < span; k++) {
			a = O.arrive[(size_t)i * span + k];
			if (a == 0 || O.made[k] == 0)
				(*missing)++;
			else
				v[nv++] = a - O.made[k];
		}
	*out = v;
	return nv;
}

/*
 * Blocks, one a second for secs seconds, produced by node 0 (a child
 * sends "produce 1" every second): latency to each of the others.
 */
static void
net_per_second(struct net *w, int secs, const char *outdir, json_t *o)
{
	size_t	 span, nv, missing, k;
	double	*v, c0, t;
	char	 path[512], cmd[64];
	FILE	*f;
	pid_t	 child;
	long long h0 = tn_node_height(&w->node[0]);

	O.lo = (uint64_t)h0 + 1;
	O.hi = (uint64_t)h0 + (uint64_t)secs;
	span = (size_t)secs;
	O.arrive = calloc((size_t)NOBS * span, sizeof(double));
	O.made = calloc(span, sizeof(double));
	net_refresh_pids(w);
	c0 = net_usage(w, NULL);
	t = tn_now();
	snprintf(cmd, sizeof(cmd), "produce 1 %d", PAYLOAD);
	child = command_child(w->node[0].sock, cmd, secs, 1.0);
	w->target = O.hi;
	obs_run(secs + 0.5, NULL, NULL, soak_sample, w);
	obs_run(10, all_reached, w, soak_sample, w);
	if (child > 0)
		waitpid(child, NULL, 0);
	t = tn_now() - t;
	json_object_set_new(o, "seconds", json_integer(secs));
	json_object_set_new(o, "blocks", json_integer((json_int_t)span));
	json_object_set_new(o, "cpu_cores", json_real((net_usage(w, NULL) - c0) / t));
	nv = net_latencies(w, &v, &missing);
	snprintf(path, sizeof(path), "%s/latency_%d.dat", outdir, w->n);
	if ((f = fopen(path, "w")) != NULL) {
		for (k = 0; k < nv; k++)
			fprintf(f, "%.1f\n", v[k]);
		fclose(f);
	}
	json_object_set_new(o, "latency_ms", summary(v, nv));
	json_object_set_new(o, "not_seen", json_integer((json_int_t)missing));
	free(v);
	free(O.arrive);
	free(O.made);
	O.arrive = NULL;
	O.made = NULL;
}

/* a chain of `chain` blocks made at once by node 0: time to every node */
static void
net_chain(struct net *w, uint64_t chain, json_t *o)
{
	static uint64_t	 prev[NOBS];
	double		*v, t0, c0, last;
	char		 cmd[64];
	pid_t		 child;
	size_t		 nv = 0;
	int		 i;
	long long	 h0 = tn_node_height(&w->node[0]);

	if (chain == 0 || (v = calloc((size_t)w->n, sizeof(double))) == NULL)
		return;
	memcpy(prev, O.seen, sizeof(prev));
	net_refresh_pids(w);
	c0 = net_usage(w, NULL);
	w->target = (uint64_t)h0 + chain;
	snprintf(cmd, sizeof(cmd), "produce %llu %d",
	    (unsigned long long)chain, PAYLOAD);
	t0 = tn_now();
	child = command_child(w->node[0].sock, cmd, 1, 0);
	/* the time each node reached the target, checked as it goes */
	for (i = 0; i < w->n; i++)
		v[i] = -1;
	/* bounded: 15 minutes, or 30 s in which no node got further (a
	 * node that cannot reach anyone would hold the run forever) */
	last = tn_now();
	while (tn_now() < t0 + 900 && tn_now() < last + 30 &&
	    !all_reached(w)) {
		obs_run(0.05, NULL, NULL, soak_sample, w);
		for (i = 0; i < NOBS; i++)
			if (O.seen[i] != prev[i]) {
				prev[i] = O.seen[i];
				last = tn_now();
			}
		for (i = 0; i < w->n; i++)
			if (v[i] < 0 && O.seen[i] >= w->target)
				v[i] = tn_now() - t0;
	}
	if (child > 0)
		waitpid(child, NULL, 0);
	for (i = 0; i < w->n; i++)
		if (v[i] >= 0)
			v[nv++] = v[i];
	json_object_set_new(o, "blocks", json_integer((json_int_t)chain));
	json_object_set_new(o, "reached", json_integer((json_int_t)nv));
	json_object_set_new(o, "all_s", nv == (size_t)w->n ?
	    json_real(tn_now() - t0) : json_null());
	json_object_set_new(o, "cpu_cores", json_real((net_usage(w, NULL) - c0) /
	    (tn_now() - t0)));
	json_object_set_new(o, "s", summary(v, nv));
	free(v);
}

/* the soak's figures: first, last and largest sample of each kind */
static void
soak_json(const struct net *w, json_t *o)
{
	static const char *const name[2] = { "soak", "soak_anon" };
	char	key[64];
	int	k;

	for (k = 0; k < 2; k++) {
		snprintf(key, sizeof(key), "%s_first_kib", name[k]);
		json_object_set_new(o, key, json_integer(w->soak_first[k]));
		snprintf(key, sizeof(key), "%s_last_kib", name[k]);
		json_object_set_new(o, key, json_integer(w->soak_last[k]));
		snprintf(key, sizeof(key), "%s_max_kib", name[k]);
		json_object_set_new(o, key, json_integer(w->soak_max[k]));
	}
}

static int
bench_net(int n, int secs, uint64_t chain, uint64_t mem_blocks,
    double soak, const char *outdir)
{
	static struct net	 w;
	char			 ip[32], conf[256], path[512];
	double			 t0;
	json_t			*o, *sub;
	long			 rss;
	int			 i;

	if (n < 2 || n > MAX_NODES || setup_fake() == -1)
		return 2;
	w.n = n;
	O.trace = -1;
	o = json_object();
	json_object_set_new(o, "nodes", json_integer(n));
	/* node 0: the seed and producer */
	if (node_new(&w.node[0], net_ip(0, ip, sizeof(ip)),
	    "[sync]\nproducer_key = devnet\n" OBSERVED) == -1)
		return 1;
	snprintf(conf, sizeof(conf), OBSERVED "[node]\npeer = %s:%d\n", ip,
	    PORT);
	for (i = 1; i < n; i++)
		if (node_new(&w.node[i], net_ip(i, ip, sizeof(ip)), conf) ==
		    -1)
			return 1;
	if (mem_blocks > 0) {
		/* every node starts with the chain the memory node fetches */
		progress("net: producing %llu blocks",
		    (unsigned long long)mem_blocks);
		if (tn_node_run(&w.node[0], 60) == -1 ||
		    produce(&w.node[0], mem_blocks) == -1)
			return 1;
		tn_node_stop(&w.node[0], 30);
		for (i = 1; i < n; i++)
			if (net_copy_store(&w, i) == -1)
				return 1;
	}
	progress("net: starting %d nodes", n);
	t0 = tn_now();
	for (i = 0; i < n; i++)
		if (tn_node_start(&w.node[i], NULL, NULL) == -1)
			return 1;
	for (i = 0; i < n; i++) {
		json_t *st = tn_wait_running(&w.node[i], 120);

		if (st == NULL) {
			progress("net: node %d did not start", i);
			json_object_set_new(o, "started", json_integer(i));
			json_object_set_new(o, "trouble", net_trouble(&w));
			emit(o);
			return 1;
		}
		json_decref(st);
	}
	json_object_set_new(o, "start_s", json_real(tn_now() - t0));
	progress("net: all running after %.1f s; waiting for peers",
	    tn_now() - t0);
	/* default max_outbound: 8 dialled peers each */
	json_object_set_new(o, "connect", net_connect_times(&w, t0,
	    n - 1 < 8 ? n - 1 : 8, 30));
	json_object_set_new(o, "peers_per_node", net_peer_counts(&w));
	net_refresh_pids(&w);

	for (i = 0; i < n; i++)
		if (obs_connect(i, net_ip(i, ip, sizeof(ip))) == -1)
			progress("net: observer not connected to node %d", i);
	if (mem_blocks > 0) {
		progress("net: memory node catching up from %d peers", n);
		sub = json_object();
		if (net_memory(&w, mem_blocks, outdir, sub) == 0) {
			snprintf(path, sizeof(path), "%s/soak.dat", outdir);
			w.soak_f = fopen(path, "w");
			w.soak_t0 = w.soak_next = tn_now();
			w.soak_every = soak >= 120 ? 5 : 1;
		}
		json_object_set_new(o, "memory", sub);
	}
	progress("net: one block a second for %d s", secs);
	sub = json_object();
	net_per_second(&w, secs, outdir, sub);
	json_object_set_new(o, "per_second", sub);
	progress("net: a chain of %llu blocks", (unsigned long long)chain);
	sub = json_object();
	net_chain(&w, chain, sub);
	json_object_set_new(o, "chain", sub);
	net_refresh_pids(&w);
	(void)net_usage(&w, &rss);
	json_object_set_new(o, "rss_total_kib", json_integer(rss));
	json_object_set_new(o, "trouble", net_trouble(&w));
	if (w.soak_f != NULL) {
		progress("net: soak until %.0f s", soak);
		obs_run(soak - (tn_now() - w.soak_t0), NULL, NULL,
		    soak_sample, &w);
		fclose(w.soak_f);
		sub = json_object_get(o, "memory");
		json_object_set_new(sub, "soak_s", json_real(tn_now() -
		    w.soak_t0));
		soak_json(&w, sub);
	}
	emit(o);
	for (i = 0; i < NOBS; i++)
		if (O.up[i])
			fake_close(&O.f[i]);
	if (w.has_mem)
		tn_node_cleanup(&w.mem);
	for (i = 0; i < n; i++)
		tn_node_cleanup(&w.node[i]);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_node handshake COUNT\n"
	    "       bench_node restart COUNT\n"
	    "       bench_node idle SECONDS\n"
	    "       bench_node tls BLOCKS REPS HANDSHAKES\n"
	    "       bench_node net NODES SECONDS CHAIN MEM_BLOCKS SOAK "
	    "OUTDIR\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	if (argc < 3 || sodium_init() == -1)
		usage();
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(argv[1], "handshake") == 0)
		return bench_handshake(atoi(argv[2]) > 0 ? atoi(argv[2]) : 1);
	if (strcmp(argv[1], "restart") == 0)
		return bench_restart(atoi(argv[2]) > 0 ? atoi(argv[2]) : 1);
	if (strcmp(argv[1], "idle") == 0)
		return bench_idle(atof(argv[2]) > 0 ? atof(argv[2]) : 1);
	if (strcmp(argv[1], "tls") == 0 && argc == 5)
		return bench_tls(strtoull(argv[2], NULL, 10), atoi(argv[3]) > 0 ?
		    atoi(argv[3]) : 1, atoi(argv[4]) > 0 ? atoi(argv[4]) : 1);
	if (strcmp(argv[1], "net") == 0 && argc == 8)
		return bench_net(atoi(argv[2]), atoi(argv[3]) > 0 ?
		    atoi(argv[3]) : 1, strtoull(argv[4], NULL, 10),
		    strtoull(argv[5], NULL, 10), atof(argv[6]), argv[7]);
	usage();
	return 2;
}
