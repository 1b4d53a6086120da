/* SPDX-License-Identifier: ISC */
/*
 * test_hostile.c - the adversarial suite (issue 11): attackers that speak
 * the wire protocol from outside (fakepeer.c) against a running node.
 *
 * The victim V (127.0.7.1) produces; the honest node H (127.0.7.2) knows
 * only V and syncs from it.  Each case attacks V from addresses of its
 * own (127.0.7.10 and up) and then the frame checks, for every case:
 *
 *   - V's processes stay up: the same four pids, no restart;
 *   - H stays connected to V (the same connection, older than the case)
 *     and keeps syncing: a block V produces reaches H;
 *   - V's total RSS (timenoded and its three workers, VmRSS from /proc),
 *     sampled through the case, stays below HOSTILE_RSS_MAX, the bound
 *     docs/operations.md states ("Under attack"), and comes back near
 *     idle after it; release builds only: ASan's shadow memory and its
 *     quarantine of freed blocks make the figures meaningless (printed);
 *   - the offender is disconnected, with a counted reason (a counter of
 *     V's status grows by at least the case's count);
 *   - V's log does not grow faster than the rate limit allows
 *     (common/lograte.h): netd's lines within the total's bucket, the
 *     offender's within its per-peer buckets.
 *
 * A case is a function that attacks and says which counter must grow;
 * other suites of attacks (address book, liars) use the same frame.
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <CUnit/Basic.h>
#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit.h"
#include "ipc.h"
#include "fakepeer.h"
#include "block.h"
#include "harness.h"
#include "lograte.h"

#define PORT		24700
#define V_IP		"127.0.7.1"
#define H_IP		"127.0.7.2"
/* docs/operations.md, "Memory under attack": the node, default limits */
#define HOSTILE_RSS_MAX	(128ull << 20)
/*
 * Back near idle after an attack: within this of the idle figure.  Each
 * case settled within about 4 MiB of it (2026-12-01); each worker may
 * keep up to 1 MiB free (common/worker.c, WORKER_HEAP_SLACK).  A
 * worker's second malloc arena (nng's threads), whose top malloc_trim
 * does not give back, once kept 15 MiB after answers of 1 MiB
 * (M_ARENA_MAX).
 */
#define RSS_SETTLE	(8ull << 20)
#define NKINDS		7	/* netd's kinds of lines (enum netd_log_kind) */
#ifdef TIMENODE_SANITIZE
#define RSS_CHECKED	0
#else
#define RSS_CHECKED	1
#endif

static const char hostile_conf[] =
    "[p2p]\nplaintext = yes\n"
    "ping_interval = 1\n"
    "ping_timeout = 10\n"
    "backoff_min = 0.2\n"
    "backoff_max = 1\n"
    "[sync]\n"
    "request_timeout = 2\n";

static struct tn_node	V, H;
static uint32_t		net_magic;	/* the devnet's */
static pid_t		v_pids[4];
static unsigned long long rss_idle;

/* what the frame measured during one case */
struct hostile {
	double			 t0;
	unsigned long long	 rss_max;
	unsigned long long	 rss_proc[4];	/* each one's at rss_max */
	int			 log_netd0;	/* lines before the case */
	int			 log_off0;
	const char		*offender;	/* in log lines: the address(es) */
	int			 noffenders;	/* how many addresses */
};

/* ---------------------------------------------------------------- */
/* measuring */

/* VmRSS of one process in bytes, 0 if gone */
static unsigned long long
rss_of(pid_t pid)
{
	char	v[64];

	if (pid <= 0 || tn_read_proc_status(pid, "VmRSS", v, sizeof(v)) == -1)
		return 0;
	return strtoull(v, NULL, 10) << 10;
}

/* V's four processes, in the status' order: timenoded first */
static int
v_pids_now(pid_t pids[4])
{
	static const char *const names[] = { "stored", "syncd", "netd" };
	json_t	*st;
	int	 i;

	if ((st = tn_status(&V)) == NULL)
		return -1;
	pids[0] = V.pid;
	for (i = 0; i < 3; i++)
		pids[i + 1] = tn_component_pid(st, names[i]);
	json_decref(st);
	return 0;
}

static unsigned long long
v_rss(void)
{
	unsigned long long	sum = 0;
	int			i;

	for (i = 0; i < 4; i++)
		sum += rss_of(v_pids[i]);
	return sum;
}

static void
sample(struct hostile *h)
{
	unsigned long long	r[4];
	int			i;

	for (i = 0; i < 4; i++)
		r[i] = rss_of(v_pids[i]);
	if (r[0] + r[1] + r[2] + r[3] > h->rss_max) {
		h->rss_max = r[0] + r[1] + r[2] + r[3];
		memcpy(h->rss_proc, r, sizeof(r));
	}
}

/* sleep secs, sampling V's RSS every 20 ms */
static void
watch(struct hostile *h, double secs)
{
	double end = tn_now() + secs;

	do {
		sample(h);
		tn_sleep(0.02);
	} while (tn_now() < end);
}

static long long
v_counter(const char *path)
{
	return tn_status_int(&V, path);
}

static int
wait_height(struct tn_node *n, long long h, double timeout,
    struct hostile *hs)
{
	double end = tn_now() + timeout;

	while (tn_now() < end) {
		if (tn_status_int(n, "node.height") >= h)
			return 1;
		if (hs)
			sample(hs);
		tn_sleep(0.05);
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* the frame */

static void
begin(struct hostile *h, const char *offender, int noffenders)
{
	memset(h, 0, sizeof(*h));
	h->offender = offender;
	h->noffenders = noffenders;
	h->log_netd0 = tn_log_count(V.log, "netd[");
	h->log_off0 = tn_log_count(V.log, offender);
	h->t0 = tn_now();
	sample(h);
}

/*
 * The checks every case ends with; counter must have grown by at least
 * min since before (was: its value then).
 */
static void
check(struct hostile *h, const char *counter, long long was, long long min)
{
	pid_t		 now[4];
	json_t		*st, *p;
	double		 dt;
	long long	 hv, grew;
	int		 i, netd_lines, off_lines;
	double		 total_max, off_max;

	/* the offender was disconnected, for a counted reason */
	grew = v_counter(counter) - was;
	printf("\n  %s: +%lld", counter, grew);
	CU_ASSERT(grew >= min);

	/* processes up, none restarted */
	CU_ASSERT(v_pids_now(now) == 0);
	for (i = 0; i < 4; i++)
		CU_ASSERT(now[i] == v_pids[i] && tn_pid_alive(now[i]));

	/* the honest peer: the same connection, and it syncs */
	dt = tn_now() - h->t0;
	st = tn_status(&V);
	p = st ? tn_peer(st, H_IP) : NULL;
	CU_ASSERT(p != NULL && tn_json_int(p, "connected_s") >= (long long)dt);
	json_decref(st);
	hv = tn_status_int(&V, "node.height");
	CU_ASSERT(tn_produce(&V, 1, 1000));
	CU_ASSERT(wait_height(&H, hv + 1, 15, h));

	/* memory */
	sample(h);
	printf(", RSS max %.1f MiB (bound %llu MiB; timenoded %.1f, stored "
	    "%.1f, syncd %.1f, netd %.1f)", (double)h->rss_max / (1 << 20),
	    HOSTILE_RSS_MAX >> 20, (double)h->rss_proc[0] / (1 << 20),
	    (double)h->rss_proc[1] / (1 << 20), (double)h->rss_proc[2] /
	    (1 << 20), (double)h->rss_proc[3] / (1 << 20));
	if (RSS_CHECKED)
		CU_ASSERT(h->rss_max < HOSTILE_RSS_MAX);

	/* the log: netd's lines within the total bucket, the offender's
	 * within its own per kind (a line or two of slack for ours) */
	dt = tn_now() - h->t0;
	netd_lines = tn_log_count(V.log, "netd[") - h->log_netd0;
	off_lines = tn_log_count(V.log, h->offender) - h->log_off0;
	total_max = LOGRATE_TOTAL_BURST + LOGRATE_TOTAL_PER_S * dt + 10;
	off_max = h->noffenders * NKINDS * (LOGRATE_KEY_BURST +
	    dt / LOGRATE_KEY_EVERY_S + dt / LOGRATE_WINDOW_S + 1);
	printf(", log: %d netd lines (bound %.0f), %d of the offender's "
	    "(bound %.0f) in %.1f s\n", netd_lines, total_max, off_lines,
	    off_max, dt);
	CU_ASSERT(netd_lines <= total_max);
	CU_ASSERT(off_lines <= off_max);
}

/* ---------------------------------------------------------------- */
/* attacks */

/* a TCP connection from src to V, or -1 */
static int
connect_from(const char *src)
{
	return tn_tcp_connect(src, V_IP, PORT);
}

/* close with a reset (SO_LINGER 0) */
static void
reset(int fd)
{
	struct linger l = { 1, 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

/*
 * Issue 11, item 2: 600 connect+RST in a second from one address wrote
 * 600 lines.  Each is closed (a socket error or, while another from it is
 * in its handshake, refused at accept: both counted).
 */
static void
test_connect_rst(void)
{
	struct hostile	h;
	long long	e0, l0, s0;
	int		i, fd, made = 0;

	begin(&h, "127.0.7.10 ", 1);
	s0 = v_counter("counters.log_lines_suppressed");
	e0 = v_counter("counters.connections_closed.error");
	l0 = v_counter("counters.connections_closed.limit");
	for (i = 0; i < 600; i++) {
		if ((fd = connect_from("127.0.7.10")) == -1)
			continue;
		made++;
		reset(fd);
		if (i % 50 == 0)
			sample(&h);
	}
	printf("\n  %d connect+RST in %.2f s", made, tn_now() - h.t0);
	CU_ASSERT(made >= 550);
	watch(&h, 2);
	check(&h, "counters.connections_opened", 0, 0);
	CU_ASSERT(v_counter("counters.connections_closed.error") +
	    v_counter("counters.connections_closed.limit") - e0 - l0 >=
	    made * 9 / 10);
	/* nothing hidden: what was not written is counted */
	CU_ASSERT(v_counter("counters.log_lines_suppressed") - s0 >=
	    made - 2 * LOGRATE_TOTAL_BURST);
}

/*
 * Issue 11, item 2: 500 connections from one address refused at accept
 * (one of its connections sits in its handshake) wrote 502 lines.
 */
static void
test_refused_at_accept(void)
{
	struct hostile	h;
	long long	l0, s0;
	int		i, fd, hold, made = 0;

	begin(&h, "127.0.7.11 ", 1);
	s0 = v_counter("counters.log_lines_suppressed");
	l0 = v_counter("counters.connections_closed.limit");
	CU_ASSERT_FATAL((hold = connect_from("127.0.7.11")) != -1);
	tn_sleep(0.2);			/* accepted, in its handshake */
	for (i = 0; i < 500; i++) {
		if ((fd = connect_from("127.0.7.11")) == -1)
			continue;
		made++;
		close(fd);
		if (i % 50 == 0)
			sample(&h);
	}
	watch(&h, 1);
	close(hold);
	watch(&h, 1);
	check(&h, "counters.connections_closed.limit", l0, made * 9 / 10);
	CU_ASSERT(v_counter("counters.log_lines_suppressed") - s0 >=
	    made - 2 * LOGRATE_TOTAL_BURST);
}

#define NREADERS	24	/* non-readers: 127.0.7.200 ... */

/*
 * n peers handshaken from 127.0.7.(base + i), nonce nonce0 + i, each
 * with a 4 KiB receive buffer, so that what the victim queues for them
 * stays in its own output.  A peer that failed has fd -1.  Returns how
 * many are up.
 */
static int
open_slow_peers(struct fake *f, int n, int base, uint64_t nonce0)
{
	char	ip[32];
	int	i, up = 0, small = 4096;

	for (i = 0; i < n; i++) {
		snprintf(ip, sizeof(ip), "127.0.7.%d", base + i);
		if (fake_handshake(&f[i], ip, V_IP, PORT, nonce0 +
		    (uint64_t)i) == -1) {
			f[i].fd = -1;
			continue;
		}
		(void)setsockopt(f[i].fd, SOL_SOCKET, SO_RCVBUF, &small,
		    sizeof(small));
		up++;
	}
	return up;
}

/*
 * Issue 11, item 3: peers that pipeline block requests and never read
 * (16 of them raised netd by 98 MB; 64 could pin about 830 MB).  The
 * output budget holds all of them to NETD_OUTQ_BUDGET and sheds them;
 * meanwhile H is served the block V produces.
 */
static void
test_requests_unread(void)
{
	static struct fake	f[NREADERS];
	static struct wire_msg	m;
	struct hostile		h;
	long long		l0, t0c, hv;
	double			end;
	int			i, k, up;

	begin(&h, "127.0.7.2", NREADERS);	/* 127.0.7.2xx */
	l0 = v_counter("counters.connections_closed.limit");
	t0c = v_counter("counters.connections_closed.timeout");
	CU_ASSERT(open_slow_peers(f, NREADERS, 200, 0x5eed0000u) == NREADERS);
	/* each pipelines 64 requests for the largest answers, reads none */
	memset(&m, 0, sizeof(m));
	m.type = WIRE_GET_RANGE;
	m.u.range.from = 1;
	m.u.range.count = WIRE_MAX_BLOCKS;
	for (k = 0; k < 64; k++)
		for (i = 0; i < NREADERS; i++)
			if (f[i].fd != -1) {
				m.u.range.reqid = (uint32_t)k + 1;
				(void)fake_send(&f[i], &m, net_magic);
			}
	watch(&h, 1.5);
	/* the honest peer is served meanwhile */
	hv = tn_status_int(&V, "node.height");
	CU_ASSERT(tn_produce(&V, 1, 1000));
	CU_ASSERT(wait_height(&H, hv + 1, 15, &h));
	/*
	 * The budget sheds once the answers queued pass it, which under
	 * ASan on a loaded machine can take longer than a fixed window:
	 * wait for it with the non-readers still there, memory sampled.
	 */
	for (end = tn_now() + 20; tn_now() < end &&
	    v_counter("counters.peers_shed_for_output") < 1;)
		watch(&h, 0.2);
	watch(&h, 2);
	for (up = 0, i = 0; i < NREADERS; i++)
		if (f[i].fd != -1) {
			fake_close(&f[i]);
			up++;
		}
	check(&h, "counters.connections_closed.limit", l0, 1);
	printf("  shed for the output budget: %lld; closed timeout: +%lld\n",
	    v_counter("counters.peers_shed_for_output"),
	    v_counter("counters.connections_closed.timeout") - t0c);
	CU_ASSERT(v_counter("counters.peers_shed_for_output") >= 1);
	(void)up;
}

#define NFLOODERS	10	/* 127.0.7.70 ..., 127.0.7.80 ... */
#define FLOOD_S		4.0

/*
 * One flooder (a child process): 4 requests of count blocks always
 * outstanding, reads the answers.  Exits 0 when it read answers until
 * the end, 1 when closed or refused, 2 when it read none.
 */
static void
flood(const char *ip, uint64_t nonce, uint32_t count)
{
	static struct fake	f;
	static struct wire_msg	m, q;
	double			end = tn_now() + FLOOD_S;
	uint32_t		reqid = 0;
	int			k, r, answers = 0;

	if (fake_handshake(&f, ip, V_IP, PORT, nonce) == -1)
		_exit(1);
	memset(&q, 0, sizeof(q));
	q.type = WIRE_GET_RANGE;
	q.u.range.from = 1;
	q.u.range.count = count;
	for (k = 0; k < 4; k++) {
		q.u.range.reqid = ++reqid;
		(void)fake_send(&f, &q, net_magic);
	}
	while (tn_now() < end) {
		if ((r = fake_wait_type(&f, WIRE_BLOCKS, end - tn_now(), &m))
		    == -1)
			_exit(1);	/* closed: shed, or a bad frame */
		if (r == 0)
			continue;
		answers++;
		q.u.range.reqid = ++reqid;
		if (fake_send(&f, &q, net_magic) == -1)
			_exit(1);
	}
	fake_close(&f);
	_exit(answers > 0 ? 0 : 2);
}

/*
 * Issue 11, item 3: ten peers flooding block requests (and reading the
 * answers) took the node to 194 MB, and it kept 112 MB afterwards.  They
 * read, so nobody is shed: the budget paces them, and memory goes back.
 * Ten flooders from 127.0.7.(base + i), requests of count blocks (256 KiB
 * each); offender is the IPs' common prefix (their log lines).
 */
static void
request_flood(const char *offender, int base, uint32_t count)
{
	struct hostile	h;
	pid_t		pid[NFLOODERS];
	char		ip[32];
	long long	o0, s0, hv;
	int		i, st, ok = 0;

	begin(&h, offender, NFLOODERS);
	o0 = v_counter("counters.bytes_out");
	s0 = v_counter("counters.peers_shed_for_output");
	for (i = 0; i < NFLOODERS; i++) {
		snprintf(ip, sizeof(ip), "127.0.7.%d", base + i);
		if ((pid[i] = fork()) == 0)
			flood(ip, 0xf100d000u + (uint64_t)(base + i), count);
		if (pid[i] > 0)
			tn_track_pid(pid[i]);
	}
	watch(&h, 1);
	hv = tn_status_int(&V, "node.height");
	CU_ASSERT(tn_produce(&V, 1, 1000));
	CU_ASSERT(wait_height(&H, hv + 1, 15, &h));
	for (i = 0; i < NFLOODERS; i++) {
		while (pid[i] > 0 && waitpid(pid[i], &st, WNOHANG) == 0)
			watch(&h, 0.05);
		ok += pid[i] > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	printf("\n  %d flooders read %.0f MB in all", ok,
	    (double)(v_counter("counters.bytes_out") - o0) / 1e6);
	CU_ASSERT(ok == NFLOODERS);
	/* they read what they ask: paced by the budget, none shed; served
	 * a gigabyte or more (release build), tens of MB under ASan */
	CU_ASSERT(v_counter("counters.peers_shed_for_output") == s0);
	check(&h, "counters.bytes_out", o0, 40 * 1000 * 1000);
}

/* answers of 3.9 MB (WIRE_MAX_BLOCKS asked, cut at the frame's size) */
static void
test_request_flood(void)
{
	request_flood("127.0.7.7", 70, WIRE_MAX_BLOCKS);
}

/*
 * Answers of 1 MiB (4 blocks): buffers below the workers' mmap threshold
 * (2 MiB, common/worker.c) come from the heap and are reused, so memory
 * must go back through heap_trim, not munmap; the settle after the case
 * (idle + RSS_SETTLE within 10 s) is the check on fragmentation.
 */
static void
test_request_flood_mid(void)
{
	request_flood("127.0.7.8", 80, 4);
}

/*
 * The same kind, through input: peers that send most of a maximal frame
 * (a BLOCKS nobody asked for) and stop.  Each used to pin 4 MiB of input
 * until its ping timeout; now the header alone ends it (protocol).
 */
static void
test_partial_frames(void)
{
	static uint8_t	buf[1 << 20];
	struct hostile	h;
	struct fake	f[16];
	char		ip[32];
	long long	p0;
	uint32_t	len = WIRE_MAX_PAYLOAD - 16;
	int		i, n = 0;

	begin(&h, "127.0.7.5", 16);
	p0 = v_counter("counters.connections_closed.protocol");
	memset(buf, 0xab, sizeof(buf));
	for (i = 0; i < 16; i++) {
		snprintf(ip, sizeof(ip), "127.0.7.%d", 50 + i);
		if (fake_handshake(&f[i], ip, V_IP, PORT, 0xbad0000u +
		    (uint64_t)i) == -1) {
			f[i].fd = -1;
			continue;
		}
		n++;
		fake_serve(&f[i], 0.05);	/* registered */
		buf[0] = (uint8_t)(net_magic >> 24);
		buf[1] = (uint8_t)(net_magic >> 16);
		buf[2] = (uint8_t)(net_magic >> 8);
		buf[3] = (uint8_t)net_magic;
		buf[4] = 0;
		buf[5] = WIRE_BLOCKS;
		buf[6] = (uint8_t)(len >> 24);
		buf[7] = (uint8_t)(len >> 16);
		buf[8] = (uint8_t)(len >> 8);
		buf[9] = (uint8_t)len;
		(void)send(f[i].fd, buf, sizeof(buf), MSG_NOSIGNAL);
		(void)send(f[i].fd, buf + 14, sizeof(buf) - 14, MSG_NOSIGNAL |
		    MSG_DONTWAIT);
	}
	CU_ASSERT(n == 16);
	watch(&h, 2);
	for (i = 0; i < 16; i++)
		if (f[i].fd != -1)
			fake_close(&f[i]);
	check(&h, "counters.connections_closed.protocol", p0, n);
}

#define NPINGERS	60	/* 127.0.7.100 ... */
#define PINGS_PER_WRITE	4096
/* docs/protocol.md section 7, "Back-pressure": a peer's small output */
#define OUTQ_SHARE	(64u << 10)
#define SMALL_ANSWER	2048	/* an ADDRS at its largest, rounded up */
/* netd's RSS rise under the ping flood: its output bound, and slack */
#define PING_RSS_RISE	(16ull << 20)

/* buf filled with back-to-back PING frames of flen bytes: their length */
static size_t
ping_frames(uint8_t *buf, size_t size, size_t *flen)
{
	static struct wire_msg	m;
	struct wbuf		w;
	size_t			len;

	memset(&m, 0, sizeof(m));
	m.type = WIRE_PING;
	m.u.nonce = 0x9196;
	wbuf_init(&w, 64);
	if (wire_encode(&w, net_magic, &m) == -1) {
		wbuf_free(&w);
		return 0;
	}
	*flen = w.len;
	for (len = 0; len + w.len <= size; len += w.len)
		memcpy(buf + len, w.data, w.len);
	wbuf_free(&w);
	return len;
}

/*
 * Issue 11, review finding A: 60 peers each sending 4096 back-to-back PINGs per
 * write, with a 4 KiB receive buffer, never reading, took netd from 4.6
 * MB to 115 MB (its PONGs were queued without bound but the hard cap),
 * and it kept 44 MB afterwards.  Reading a peer pauses while its small
 * output is over its share: netd's output to all of them stays within
 * NPINGERS x (share + one answer), netd's RSS rises by little, and each
 * is closed at its ping timeout (it reads nothing, so proves no life).
 */
static void
test_pings_unread(void)
{
	static struct fake	f[NPINGERS];
	static uint8_t		buf[PINGS_PER_WRITE * 32];
	struct hostile		h;
	unsigned long long	netd0, netd_max = 0, r;
	long long		t0c, q, q_max = 0;
	size_t			flen, len;
	double			end;
	int			i, n;

	len = ping_frames(buf, sizeof(buf), &flen);
	CU_ASSERT_FATAL(len > 0);
	begin(&h, "127.0.7.1", NPINGERS);	/* 127.0.7.1xx */
	t0c = v_counter("counters.connections_closed.timeout");
	netd0 = rss_of(v_pids[3]);
	n = open_slow_peers(f, NPINGERS, 100, 0x919e0000u);
	CU_ASSERT(n == NPINGERS);
	/* flood for 3 s, as fast as V takes it; read nothing */
	for (end = tn_now() + 3; tn_now() < end; ) {
		for (i = 0; i < NPINGERS; i++)
			if (f[i].fd != -1)
				(void)send(f[i].fd, buf, len, MSG_NOSIGNAL |
				    MSG_DONTWAIT);
		sample(&h);
		if ((r = rss_of(v_pids[3])) > netd_max)
			netd_max = r;
		if ((q = v_counter("counters.output_queued_bytes")) > q_max)
			q_max = q;
		tn_sleep(0.02);
	}
	/* each is closed at its ping timeout (10 s after its last frame) */
	for (end = tn_now() + 20; tn_now() < end && v_counter(
	    "counters.connections_closed.timeout") - t0c < n; ) {
		watch(&h, 0.2);
		if ((r = rss_of(v_pids[3])) > netd_max)
			netd_max = r;
		if ((q = v_counter("counters.output_queued_bytes")) > q_max)
			q_max = q;
	}
	printf("\n  output queued at most %lld bytes (bound %u); netd RSS "
	    "%.1f MiB, at most %.1f MiB", q_max, (unsigned)((NPINGERS + 1) *
	    (OUTQ_SHARE + SMALL_ANSWER)), (double)netd0 / (1 << 20),
	    (double)netd_max / (1 << 20));
	CU_ASSERT(q_max <= (long long)(NPINGERS + 1) * (OUTQ_SHARE +
	    SMALL_ANSWER));
	if (RSS_CHECKED)
		CU_ASSERT(netd_max <= netd0 + PING_RSS_RISE);
	for (i = 0; i < NPINGERS; i++)
		if (f[i].fd != -1)
			fake_close(&f[i]);
	check(&h, "counters.connections_closed.timeout", t0c, n);
}

#define NSTALLERS	60	/* 127.0.7.160-199, 127.0.7.224-243 */
/* docs/protocol.md section 12: netd's memory for a connection in its TLS
 * handshake, at most */
#define TLS_HANDSHAKE_MEM	(64u << 10)
/* netd's RSS rise besides the connections: allocator rounding, slack */
#define STALL_RSS_SLACK		(1ull << 20)

/* stalled TLS client i's address */
static void
staller_ip(int i, char *buf, size_t len)
{
	snprintf(buf, len, "127.0.7.%d", i < 40 ? 160 + i : 224 + i - 40);
}

/*
 * Stalled TLS client i's first bytes into buf: a lone record byte, a
 * ClientHello record's header and the start of its handshake message,
 * or a record of the largest size (2^14, RFC 8446 section 5.1) but its
 * last byte, which makes OpenSSL buffer a whole record.  Their length.
 */
static size_t
staller_bytes(int i, uint8_t *buf, size_t size)
{
	static const uint8_t	hello[] = { 0x16, 0x03, 0x01, 0x02, 0x00,
	    0x01, 0x00, 0x01, 0xfc, 0x03, 0x03 };
	size_t			len;

	switch (i % 3) {
	case 0:
		buf[0] = 0x16;
		return 1;
	case 1:
		memcpy(buf, hello, sizeof(hello));
		randombytes_buf(buf + sizeof(hello), 100);
		return sizeof(hello) + 100;
	default:
		len = 5 + 16384 - 1;
		if (len > size)
			return 0;
		randombytes_buf(buf, len);
		memcpy(buf, hello, 5);
		buf[3] = 0x40;		/* 16 384 bytes */
		buf[4] = 0x00;
		return len;
	}
}

/* fd was closed by V (EOF or reset) within timeout */
static int
closed_by_peer(int fd, double timeout)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		b[256];
	double		end = tn_now() + timeout;
	ssize_t		r;

	while (tn_now() < end) {
		if (poll(&pfd, 1, 100) == 1) {
			r = recv(fd, b, sizeof(b), MSG_DONTWAIT);
			if (r == 0 || (r == -1 && errno != EAGAIN))
				return 1;
		}
	}
	return 0;
}

/*
 * Issue 14: the memory of a connection in its TLS handshake is bounded
 * (docs/protocol.md section 12).  NSTALLERS clients open TCP and stall
 * in the handshake: after one record byte, inside a ClientHello, or one
 * byte short of a record of the largest size.  netd's RSS rises by at
 * most NSTALLERS x TLS_HANDSHAKE_MEM plus slack (release builds), and
 * every one is closed at the handshake deadline (10 s by default).
 */
static void
test_tls_stalled(void)
{
	static uint8_t		buf[5 + 16384];
	struct hostile		h;
	unsigned long long	netd0, netd_max = 0, r;
	long long		t0c;
	char			ip[32];
	size_t			len;
	double			t0, end;
	int			fd[NSTALLERS], i, n = 0, closed = 0;

	begin(&h, "127.0.7.", NSTALLERS);
	t0c = v_counter("counters.connections_closed.timeout");
	netd0 = rss_of(v_pids[3]);
	t0 = tn_now();
	for (i = 0; i < NSTALLERS; i++) {
		staller_ip(i, ip, sizeof(ip));
		len = staller_bytes(i, buf, sizeof(buf));
		if ((fd[i] = connect_from(ip)) != -1 && send(fd[i], buf, len,
		    MSG_NOSIGNAL) == (ssize_t)len)
			n++;
	}
	CU_ASSERT(n == NSTALLERS);
	/* all of them held: well inside the deadline */
	for (end = tn_now() + 3; tn_now() < end; ) {
		watch(&h, 0.1);
		if ((r = rss_of(v_pids[3])) > netd_max)
			netd_max = r;
	}
	printf("\n  %d stalled in the TLS handshake: netd RSS %.1f MiB, at "
	    "most %.1f MiB (+%.1f KiB per connection; bound %u KiB)", n,
	    (double)netd0 / (1 << 20), (double)netd_max / (1 << 20),
	    netd_max > netd0 ? (double)(netd_max - netd0) / 1024 / n : 0,
	    TLS_HANDSHAKE_MEM >> 10);
	if (RSS_CHECKED)
		CU_ASSERT(netd_max <= netd0 + (unsigned long long)NSTALLERS *
		    TLS_HANDSHAKE_MEM + STALL_RSS_SLACK);
	/* each closed at the deadline, none much later */
	for (i = 0; i < NSTALLERS; i++)
		if (fd[i] != -1) {
			closed += closed_by_peer(fd[i], t0 + 13 - tn_now());
			close(fd[i]);
		}
	printf("\n  %d closed within %.1f s", closed, tn_now() - t0);
	CU_ASSERT(closed == n);
	check(&h, "counters.connections_closed.timeout", t0c, n);
}

#define NPINGS_LATE	20000

/* on a failure, the last n lines of a node's log naming who (why it
 * closed a connection is said there and nowhere else) */
static void
log_tail(const char *path, const char *who, int n)
{
	static char	 lines[20][512];
	char		 line[512];
	FILE		*f;
	int		 i, k = 0;

	if (n > 20)
		n = 20;
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, who) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(lines[k++ % n], sizeof(lines[0]), "%s", line);
		}
	fclose(f);
	printf("\n  the last lines of V's log naming %s:", who);
	for (i = k > n ? k - n : 0; i < k; i++)
		printf("\n    %s", lines[i % n]);
}

/*
 * The other side of item A's back-pressure: a peer that floods PINGs
 * without reading for a second, then reads, loses nothing and is not
 * closed: reading it paused while its PONGs waited and went on as it
 * read, until every PING had its PONG.  (Whole frames only: what a
 * non-blocking send leaves is sent next.)
 */
static void
test_pings_read_late(void)
{
	static uint8_t		buf[PINGS_PER_WRITE * 32];
	static struct fake	f;
	static struct wire_msg	m;
	struct hostile		h;
	size_t			flen, blen, off = 0, total, n;
	ssize_t			sent;
	long long		o0;
	double			t_read, t0, moved;
	int			r, pongs = 0, small = 4096, owed = 0, closed = 0;
	uint64_t		nonce = 0;

	blen = ping_frames(buf, sizeof(buf), &flen);
	CU_ASSERT_FATAL(blen > 0);
	total = NPINGS_LATE * flen;
	begin(&h, "127.0.7.40", 1);
	o0 = v_counter("counters.bytes_out");
	CU_ASSERT_FATAL(fake_handshake(&f, "127.0.7.40", V_IP, PORT,
	    0x1a7e0001u) == 0);
	(void)setsockopt(f.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	t_read = tn_now() + 1;
	/*
	 * Bounded by progress, not a fixed time: on until 10 s pass with no
	 * PING sent and no PONG read, 120 s at most (a fixed 40 s ended an
	 * ASan run at 11,960 PONGs with all PINGs sent).
	 */
	t0 = tn_now();
	for (moved = t0; tn_now() - moved < 10 && tn_now() - t0 < 120 &&
	    (off < total || pongs < NPINGS_LATE); ) {
		if (off % flen == 0 && owed) {	/* V's ping, between frames */
			memset(&m, 0, sizeof(m));
			m.type = WIRE_PONG;
			m.u.nonce = nonce;
			CU_ASSERT(fake_send(&f, &m, net_magic) == 0);
			owed = 0;
		}
		if (off < total) {
			n = blen - off % flen;
			if (n > total - off)
				n = total - off;
			sent = send(f.fd, buf + off % flen, n, MSG_NOSIGNAL |
			    MSG_DONTWAIT);
			if (sent > 0) {
				off += (size_t)sent;
				moved = tn_now();
			}
		}
		if (tn_now() < t_read) {
			sample(&h);
			tn_sleep(0.01);
			continue;
		}
		if ((r = fake_recv(&f, &m, 0.01)) == -1) {
			closed = 1;
			break;
		}
		if (r == 1 && m.type == WIRE_PONG) {
			pongs++;
			moved = tn_now();
		} else if (r == 1 && m.type == WIRE_PING) {
			nonce = m.u.nonce;
			owed = 1;
		}
	}
	printf("\n  %zu of %zu bytes of PINGs sent, %d PONGs back in %.1f s%s",
	    off, total, pongs, tn_now() - t0, closed ? ", then closed by the "
	    "node" : "");
	if (closed || pongs != NPINGS_LATE)
		log_tail(V.log, "127.0.7.40", 20);
	CU_ASSERT(off == total);
	CU_ASSERT(pongs == NPINGS_LATE);
	fake_close(&f);
	check(&h, "counters.bytes_out", o0, (long long)total);
}

/*
 * A peer from ip (nonce) with a receive buffer of rcvbuf bytes that asks
 * V for count blocks from height 1 (request reqid): 0, or -1.  It first
 * answers the ping V sends at once after the handshake: a ping queued
 * before the answer, with nothing ahead of it, is missed at
 * max_missed_pings whatever the output does, and the case "never reads"
 * was closed for that after 6 s in one CI run of 2026-12-01, not by the
 * rule it tests (the output not shrinking for ping_timeout).
 */
static int
ask_big(struct fake *f, const char *ip, uint64_t nonce, int rcvbuf,
    uint32_t reqid, uint32_t count)
{
	static struct wire_msg	p;
	struct wire_msg		q;

	if (fake_handshake(f, ip, V_IP, PORT, nonce) == -1)
		return -1;
	if (fake_wait_type(f, WIRE_PING, 3, &p) != 1) {
		fake_close(f);
		return -1;
	}
	(void)fake_answer_ping(f, &p);
	(void)setsockopt(f->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof(rcvbuf));
	memset(&q, 0, sizeof(q));
	q.type = WIRE_GET_RANGE;
	q.u.range.reqid = reqid;
	q.u.range.from = 1;
	q.u.range.count = count;
	return fake_send(f, &q, net_magic);
}

/*
 * The honest side of the same rules: a peer on a slow link that asks
 * for a big answer and reads it at 320 kB/s, answering every PING as soon
 * as it reads it.  Our PINGs wait behind the answer in the kernel's send
 * queue (megabytes: tcp_wmem), not in ours; the old rule pinged whenever
 * netd's own output was empty and closed the peer for "5 pings
 * unanswered" (or a ping timeout) while it was reading all along (the
 * flaky case above, made certain; CI of 2026-11-30).
 */
static void
test_slow_reader(void)
{
	static struct fake	f;
	static struct wire_msg	m;
	struct hostile		h;
	long long		c0;
	double			t0, end;
	ssize_t			r;
	uint32_t		got = 0;
	int			rcvbuf = 65536, st = 0, pings = 0, answered = 0;

	begin(&h, "127.0.7.41", 1);
	c0 = v_counter("counters.connections_closed.timeout");
	/* those of 256 KiB that fit: 3.7 MB */
	CU_ASSERT_FATAL(ask_big(&f, "127.0.7.41", 0x5101e001u, rcvbuf, 7, 15)
	    == 0);
	/* 32 KiB every 0.1 s, each frame parsed as it completes */
	t0 = tn_now();
	for (end = t0 + 60; tn_now() < end && st >= 0 && !answered; ) {
		r = recv(f.fd, f.buf + f.have, WIRE_MAX_FRAME - f.have < 32768 ?
		    WIRE_MAX_FRAME - f.have : 32768, MSG_DONTWAIT);
		if (r == 0 || (r == -1 && errno != EAGAIN)) {
			st = -1;
			break;
		}
		if (r > 0)
			f.have += (size_t)r;
		while ((st = fake_recv(&f, &m, 0)) == 1) {
			if (m.type == WIRE_BLOCKS && m.u.blocks.reqid == 7) {
				got = m.u.blocks.count;
				answered = 1;
			}
			pings += fake_answer_ping(&f, &m);
		}
		sample(&h);
		tn_sleep(0.1);
	}
	printf("\n  an answer of %u blocks read in %.1f s at 320 kB/s, %d PINGs "
	    "answered%s", got, tn_now() - t0, pings, st < 0 ? ", then closed "
	    "by the node" : "");
	if (st < 0 || !answered)
		log_tail(V.log, "127.0.7.41", 20);
	CU_ASSERT(st >= 0);
	CU_ASSERT(answered && got >= 8);
	/* and alive afterwards: answering pings, it stays */
	CU_ASSERT(fake_wait_type(&f, WIRE_GOODBYE, 3, &m) == 0);
	CU_ASSERT(v_counter("counters.connections_closed.timeout") == c0);
	fake_close(&f);
	check(&h, "counters.connections_closed.timeout", c0, 0);
}

/*
 * Issue 11, review finding B: a HELLO of height 2^64-1 made the status show a target
 * of -1, a TIP of 2^63 a peer's height of -2^63.  Both are protocol
 * violations now (heights at most 2^53-1, docs/protocol.md section 2):
 * GOODBYE protocol, counted, and no height off the wire reaches the
 * status.
 */
static void
test_heights_off_range(void)
{
	static struct fake	f;
	static struct wire_msg	m;
	struct hostile		h;
	long long		p0;
	json_t			*st;

	begin(&h, "127.0.7.3", 2);	/* 127.0.7.30, .31 */
	p0 = v_counter("counters.connections_closed.protocol");
	CU_ASSERT_FATAL(fake_connect(&f, "127.0.7.30", V_IP, PORT) == 0);
	f.height = UINT64_MAX;
	CU_ASSERT(fake_hello(&f, 0x4e6e0001u, NULL) == 0);
	CU_ASSERT(fake_goodbye_with(&f, CLOSE_PROTOCOL, 5) == 1);
	fake_close(&f);
	CU_ASSERT_FATAL(fake_handshake(&f, "127.0.7.31", V_IP, PORT,
	    0x4e6e0002u) == 0);
	fake_serve(&f, 0.2);			/* registered */
	memset(&m, 0, sizeof(m));
	m.type = WIRE_TIP;
	m.u.tip.height = 1ull << 63;
	CU_ASSERT(fake_send(&f, &m, net_magic) == 0);
	CU_ASSERT(fake_goodbye_with(&f, CLOSE_PROTOCOL, 5) == 1);
	fake_close(&f);
	watch(&h, 0.5);
	CU_ASSERT(tn_status_int(&V, "sync.target_height") >= 0);
	CU_ASSERT(tn_status_int(&V, "sync.target_height") <= (1ll << 53));
	st = tn_status(&V);
	CU_ASSERT(st != NULL && tn_peer(st, "127.0.7.31") == NULL);
	json_decref(st);
	check(&h, "counters.connections_closed.protocol", p0, 2);
}

/* ---------------------------------------------------------------- */

static int
node_new(struct tn_node *n, const char *ip, const char *extra)
{
	return tn_node_new(n, ip, PORT, tn_fast_supervisor, hostile_conf,
	    extra);
}

static int
init_failed(const char *why, struct tn_node *n)
{
	char	 line[1024];
	FILE	*f;

	fprintf(stderr, "\n%s; its log:\n", why);
	if ((f = fopen(n->log, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			fputs(line, stderr);
		fclose(f);
	}
	return -1;
}

static int
suite_init(void)
{
	char		extra[256];
	double		end;
	json_t		*st;

	if (node_new(&V, V_IP, "[sync]\nproducer_key = devnet\n") == -1 ||
	    tn_node_run(&V, 20) == -1)
		return init_failed("V does not start", &V);
	/* blocks of 256 KiB: answers of 3.9 MB each */
	for (end = tn_now() + 10; tn_now() < end; tn_sleep(0.2))
		if (tn_produce(&V, 40, 256 * 1024))
			break;
	if (!wait_height(&V, 40, 5, NULL))
		return init_failed("V does not produce", &V);
	snprintf(extra, sizeof(extra), "[node]\npeer = %s:%d\n", V_IP, PORT);
	if (node_new(&H, H_IP, extra) == -1 || tn_node_run(&H, 20) == -1)
		return init_failed("H does not start", &H);
	if (!wait_height(&H, tn_status_int(&V, "node.height"), 30, NULL))
		return init_failed("H does not sync from V", &H);
	for (end = tn_now() + 10; tn_now() < end; tn_sleep(0.1)) {
		st = tn_status(&V);
		if (st != NULL && tn_peer(st, H_IP) != NULL) {
			json_decref(st);
			break;
		}
		json_decref(st);
	}
	if (v_pids_now(v_pids) == -1)
		return -1;
	tn_sleep(1);
	rss_idle = v_rss();
	printf("\n  V idle: %.1f MiB RSS (4 processes)\n",
	    (double)rss_idle / (1 << 20));
	return 0;
}

static int
suite_clean(void)
{
	tn_node_cleanup(&H);
	tn_node_cleanup(&V);
	return 0;
}

/*
 * A peer that asks for a big answer, never reads, and sends an unasked
 * PONG every second: frames from it are no proof that it reads.  It held
 * its slot, the answer in our output (and what the kernel holds of it)
 * for ever: no ping went out while output was queued, every PONG renewed
 * its ping timeout, and one peer's 3.9 MB is far below the output budget
 * that sheds (a reviewer's finding, 2026-12-01).  Now it is closed once
 * its output has not shrunk for ping_timeout (10 s here;
 * docs/protocol.md section 5).
 */
static void
test_unread_with_pongs(void)
{
	static struct fake	f;
	static struct wire_msg	m;
	struct hostile		h;
	long long		c0;
	double			t0, took = -1;
	int			small = 4096, unread0;

	begin(&h, "127.0.7.42", 1);
	c0 = v_counter("counters.connections_closed.timeout");
	unread0 = tn_log_count(V.log, "of ours unread for");
	CU_ASSERT_FATAL(ask_big(&f, "127.0.7.42", 0x9e9e0001u, small, 1,
	    WIRE_MAX_BLOCKS) == 0);
	for (t0 = tn_now(); tn_now() - t0 < 25; ) {
		memset(&m, 0, sizeof(m));
		m.type = WIRE_PONG;
		m.u.nonce = 99;
		(void)fake_send(&f, &m, net_magic);
		watch(&h, 1);
		if (v_counter("counters.connections_closed.timeout") > c0) {
			took = tn_now() - t0;
			break;
		}
	}
	printf("\n  never read, a PONG a second: %s ", took < 0 ?
	    "still connected after 25 s" : "closed");
	if (took >= 0)
		printf("after %.1f s (ping_timeout 10 s) ", took);
	CU_ASSERT(took >= 9);
	CU_ASSERT(took <= 20);
	/* closed by this rule (output_unread), not by missed pings */
	CU_ASSERT(tn_log_count(V.log, "of ours unread for") == unread0 + 1);
	fake_close(&f);
	check(&h, "counters.connections_closed.timeout", c0, 1);
}

/*
 * After every case: memory back near idle (freed memory returned), and
 * none of the case's output still queued, so that the next case measures
 * only its own (a loaded machine once left the block floods' output
 * lingering into the PING case's measurement: 25.6 MB "queued").
 */
static void
settle(void)
{
	double			end = tn_now() + 10;
	unsigned long long	r = 0;
	long long		q;

	while ((r = v_rss()) > rss_idle + RSS_SETTLE && RSS_CHECKED &&
	    tn_now() < end)
		tn_sleep(0.2);
	while ((q = v_counter("counters.output_queued_bytes")) != 0 &&
	    tn_now() < end)
		tn_sleep(0.2);
	printf("  after: %.1f MiB RSS (idle %.1f), %lld bytes queued\n",
	    (double)r / (1 << 20), (double)rss_idle / (1 << 20), q);
	if (RSS_CHECKED)
		CU_ASSERT(r <= rss_idle + RSS_SETTLE);
	CU_ASSERT(q == 0);
}

int
main(int argc, char **argv)
{
	static const struct tn_case tests[] = {
		{ "600 connect+RST in a second: log bounded",
		    test_connect_rst },
		{ "500 refused at accept from one IP: log bounded",
		    test_refused_at_accept },
		{ "24 peers request blocks, never read: output budget",
		    test_requests_unread },
		{ "16 partial maximal frames: refused at the header",
		    test_partial_frames },
		{ "10 peers flood block requests and read: memory back",
		    test_request_flood },
		{ "10 peers flood requests of 1 MiB answers: memory back",
		    test_request_flood_mid },
		{ "60 peers flood PINGs, never read: output share",
		    test_pings_unread },
		{ "PINGs unread for a second, then read: every PONG",
		    test_pings_read_late },
		{ "never reads, sends unasked PONGs: closed at ping_timeout",
		    test_unread_with_pongs },
		{ "a slow reader of a big answer: not closed",
		    test_slow_reader },
		{ "heights above 2^53-1 in HELLO and TIP: protocol",
		    test_heights_off_range },
		{ "60 clients stalled in the TLS handshake: memory, deadline",
		    test_tls_stalled },
	};
	struct tn_suite	 ts = { .name = "hostile", .cases = tests,
	    .ncases = TN_NCASES(tests), .only = argc > 1 ? argv[1] : NULL,
	    .init = suite_init, .clean = suite_clean, .teardown = settle };

	signal(SIGPIPE, SIG_IGN);
	alarm(600);
	if (fake_setup_devnet(NULL, &net_magic) == -1)
		return 1;
	return tn_cunit_run(&ts);
}
