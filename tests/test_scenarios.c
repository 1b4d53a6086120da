/* SPDX-License-Identifier: ISC */
/*
 * test_scenarios.c - the network's acceptance scenarios (issue 6).
 *
 * Usage: test_scenarios NAME, one ctest entry per scenario:
 *   two-nodes	A at 2,500 blocks, B at 0: B reaches A's tip hash
 *   stability	3 nodes, full mesh, 120 pings: no reconnect, pong per ping
 *   partition	B cut off (network namespaces; root only), A produces,
 *		B back: B reaches A's tip by itself
 *   twelve	12 nodes each told of one other: peer exchange connects
 *		them, no duplicate peers, 1,000 blocks reach all
 *   chaos	5,000-block catch-up while a random component of a random
 *		node is SIGKILLed every second for 30 s
 *   restart	a node restarts (new ports, new nonce): still one peer
 *   mixed	IPv4-only, IPv6-only and dual-stack nodes (namespaces;
 *		root only): one chain, one connection per pair of nodes in
 *		the kernel's socket tables
 * Every node runs on its own address with compressed intervals; every
 * process and namespace is cleaned up whatever happens.
 *
 * Two forms (issue 14): as root with "ip netns", two-nodes, stability,
 * partition, twelve and chaos run over a mixed network (IPv4-only,
 * IPv6-only and dual-stack nodes, each in a namespace of its own on one
 * bridge); elsewhere, or with TN_SCN_FORM=loopback, on IPv4 loopback.
 * Each prints which form ran.  Both forms check, besides the scenario's
 * own assertions, that every connection is TLS (the nodes' logs) and
 * that no two nodes hold two connections (the kernel's socket tables).
 * A scenario that cannot run in this form (partition and mixed without
 * root) exits 77: skipped, never passed.
 */
#include <sys/wait.h>

#include <CUnit/Basic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cunit.h"
#include "scenario.h"

static const char producer_conf[] = "[sync]\nproducer_key = devnet\n";
static struct scn S;
static int	mixed;		/* the mixed form runs (mixed_possible) */
static int	skipped;	/* a case could not run in this form */

#define PEERS(...)	((const int []){ __VA_ARGS__, -1 })
#define DUAL		(SCN_V4 | SCN_V6)

/* root, "ip netns" works, and TN_SCN_FORM does not say loopback */
static int
mixed_possible(void)
{
	const char *f = getenv("TN_SCN_FORM");

	if (f != NULL && strcmp(f, "loopback") == 0)
		return 0;
	return geteuid() == 0 &&
	    system("ip netns list >/dev/null 2>&1") == 0;
}

/*
 * The network of n nodes: in the mixed form each node in a namespace of
 * its own with families fam[i] (every pair the scenario connects shares
 * one); on loopback nothing to do.  Says which form runs.
 */
static void
form_setup(int n, const unsigned *fam)
{
	int i;

	if (!mixed) {
		printf("\n  form: IPv4 loopback, TLS ");
		return;
	}
	printf("\n  form: mixed network in namespaces, TLS:");
	for (i = 0; i < n; i++)
		printf(" %c=%s", 'A' + i, fam[i] == DUAL ? "dual" :
		    fam[i] == SCN_V6 ? "v6" : "v4");
	printf(" ");
	CU_ASSERT_FATAL(scn_netns_setup_fam(&S, n, fam) == 0);
}

/* this case needs namespaces: 1 (and counted as skipped) if not here */
static int
skip_without_netns(void)
{
	if (geteuid() == 0)
		return 0;
	printf("\n  skipped: network namespaces need root ");
	skipped = 1;
	return 1;
}

/*
 * ESTABLISHED connections between nodes i and j over any of their
 * addresses, in the kernel's table of node i's namespace
 * (/proc/PID/net/tcp and tcp6), not in what the nodes say.
 */
static int
kernel_conns(int i, int j)
{
	char	ai[2][48], aj[2][48];
	int	x, y, k, n = 0;

	scn_ip(&S, i, ai[0], sizeof(ai[0]));
	scn_ip6(&S, i, ai[1], sizeof(ai[1]));
	scn_ip(&S, j, aj[0], sizeof(aj[0]));
	scn_ip6(&S, j, aj[1], sizeof(aj[1]));
	for (x = 0; x < 2; x++)
		for (y = 0; y < 2; y++) {
			/* an IPv6-only node's scn_ip is its IPv6 address */
			if (ai[x][0] == '\0' || aj[y][0] == '\0' ||
			    (x == 1 && strcmp(ai[0], ai[1]) == 0) ||
			    (y == 1 && strcmp(aj[0], aj[1]) == 0))
				continue;
			k = tn_tcp_established_in(S.node[i].pid, ai[x], aj[y],
			    NULL, 0);
			CU_ASSERT(k >= 0);
			n += k > 0 ? k : 0;
		}
	return n;
}

/*
 * The kernel's view agrees: between any two of the n nodes at most one
 * connection, and each node's count of them equals its status' peers.
 * verbose: print what disagrees.  1 if so.
 */
static int
kernel_agrees(int n, int verbose)
{
	int i, j, k, sum, peers, ok = 1;

	for (i = 0; i < n; i++) {
		for (j = 0, sum = 0; j < n; j++) {
			if (j == i)
				continue;
			if ((k = kernel_conns(i, j)) > 1) {
				ok = 0;
				if (verbose)
					printf("\n  nodes %d and %d: %d "
					    "connections", i, j, k);
			}
			sum += k;
		}
		if ((peers = scn_peer_count(&S, i)) != sum) {
			ok = 0;
			if (verbose)
				printf("\n  node %d: %d peers, %d in the "
				    "kernel's table", i, peers, sum);
		}
	}
	return ok;
}

/*
 * No duplicate connection in the kernel's socket tables (within 15 s:
 * connections being resolved or dying after a kill settle), and every
 * node's connections were TLS: its log has connections and no plaintext
 * one ("connected (..., plaintext)", netd/conn.c activate).
 */
static void
check_kernel_tls(int n)
{
	double	t0;
	int	i, ok = 0, conns = 0;

	for (t0 = tn_now(); tn_now() - t0 < 15; tn_sleep(0.5))
		if ((ok = kernel_agrees(n, 0)) != 0)
			break;
	if (!ok)
		kernel_agrees(n, 1);
	CU_ASSERT(ok);
	for (i = 0; i < n; i++) {
		CU_ASSERT(tn_log_count(S.node[i].log, ": connected (") > 0);
		CU_ASSERT(tn_log_count(S.node[i].log, "plaintext)") == 0);
		conns += tn_log_count(S.node[i].log, ": connected (");
	}
	printf("\n  kernel's tables: %s; %d connections made, all TLS ",
	    ok ? "one connection per pair" : "DISAGREE", conns);
}

static void
test_two_nodes(void)
{
	char	tip[80];
	double	took, t0;

	form_setup(2, (const unsigned []){ DUAL, SCN_V6 });
	CU_ASSERT_FATAL(scn_start(&S, 0, NULL, producer_conf) == 0);
	CU_ASSERT_FATAL(scn_produce(&S, 0, 2500, 0) == 0);
	CU_ASSERT_EQUAL(scn_height(&S, 0), 2500);
	scn_tip(&S, 0, tip, sizeof(tip));
	CU_ASSERT_FATAL(strlen(tip) == 64);
	t0 = tn_now();
	CU_ASSERT_FATAL(scn_start(&S, 1, PEERS(0), NULL) == 0);
	CU_ASSERT(scn_wait_tip(&S, 1, tip, 100) >= 0);
	took = tn_now() - t0;
	CU_ASSERT_EQUAL(scn_height(&S, 1), 2500);
	printf("\n  B started and caught up 2,500 blocks in %.1f s ", took);
	check_kernel_tls(2);
}

/* per-connection pong ratio and ping count of node i */
static void
check_pongs(int i, long long min_pings)
{
	json_t		*st = tn_status(&S.node[i]), *p;
	size_t		 k;
	long long	 ps, pr;

	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	json_array_foreach(json_object_get(st, "peers"), k, p) {
		ps = tn_json_int(p, "pings_sent");
		pr = tn_json_int(p, "pongs_received");
		CU_ASSERT(ps >= min_pings);
		CU_ASSERT(ps > 0 && (double)pr / (double)ps >= 0.99);
		printf("\n  node %d -> %s: %lld pings, %lld pongs", i,
		    json_string_value(json_object_get(p, "ip")), ps, pr);
	}
	json_decref(st);
}

/* fewest pings sent on any connection of the three nodes */
static long long
min_pings(void)
{
	json_t		*st, *p;
	long long	 m = -1, v;
	size_t		 k;
	int		 i;

	for (i = 0; i < 3; i++) {
		if ((st = tn_status(&S.node[i])) == NULL)
			return -1;
		json_array_foreach(json_object_get(st, "peers"), k, p) {
			v = tn_json_int(p, "pings_sent");
			if (m < 0 || v < m)
				m = v;
		}
		json_decref(st);
	}
	return m;
}

/*
 * The first n nodes' counters of connections opened once they stand
 * still across two polls 1 s apart, in opened[], within timeout: 1, else
 * 0 (the last values read).  A doubled dial can finish or be resolved
 * well after both ends show their peers (much later under ASan), and
 * would count as a reconnect against a baseline taken a fixed time after.
 */
static int
steady_opened(int n, long long *opened, double timeout)
{
	double		end = tn_now() + timeout;
	long long	v;
	int		i, same = 0;

	for (i = 0; i < n; i++)
		opened[i] = -1;
	while (!same && tn_now() < end) {
		tn_sleep(1);
		for (same = 1, i = 0; i < n; i++) {
			v = scn_counter(&S, i, "connections_opened");
			if (v < 0 || v != opened[i])
				same = 0;
			opened[i] = v;
		}
	}
	return same;
}

static void
test_stability(void)
{
	static const char conf[] = "[p2p]\nping_interval = 0.5\n";
	long long	opened[3];
	double		t0;
	int		i;

	form_setup(3, (const unsigned []){ DUAL, DUAL, SCN_V6 });
	CU_ASSERT_FATAL(scn_start(&S, 0, PEERS(1, 2), conf) == 0);
	CU_ASSERT_FATAL(scn_start(&S, 1, PEERS(0, 2), conf) == 0);
	CU_ASSERT_FATAL(scn_start(&S, 2, PEERS(0, 1), conf) == 0);
	for (i = 0; i < 3; i++)
		CU_ASSERT_FATAL(scn_wait_peers(&S, i, 2, 30) >= 0);
	CU_ASSERT(steady_opened(3, opened, 15));	/* doubled dials */
	/* 120 pings at 0.5 s on every connection: about 60 s */
	for (t0 = tn_now(); tn_now() - t0 < 90 && min_pings() < 120;
	    tn_sleep(1))
		;
	printf("\n  120 pings on every connection after %.0f s ",
	    tn_now() - t0);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(scn_counter(&S, i, "connections_opened"),
		    opened[i]);
		CU_ASSERT_EQUAL(scn_peer_count(&S, i), 2);
		check_pongs(i, 120);
	}
	check_kernel_tls(3);
}

static void
test_partition(void)
{
	char	tip[80], t[80];
	double	took;
	int	i;

	if (skip_without_netns())
		return;
	/* this one needs namespaces: IPv4 ones when not mixed */
	if (mixed)
		form_setup(3, (const unsigned []){ DUAL, SCN_V4, DUAL });
	else {
		printf("\n  form: IPv4 in namespaces, TLS ");
		CU_ASSERT_FATAL(scn_netns_setup(&S, 3) == 0);
	}
	CU_ASSERT_FATAL(scn_start(&S, 0, PEERS(1, 2), producer_conf) == 0);
	CU_ASSERT_FATAL(scn_start(&S, 1, PEERS(0, 2), NULL) == 0);
	CU_ASSERT_FATAL(scn_start(&S, 2, PEERS(0, 1), NULL) == 0);
	for (i = 0; i < 3; i++)
		CU_ASSERT_FATAL(scn_wait_peers(&S, i, 2, 30) >= 0);
	CU_ASSERT_FATAL(scn_produce(&S, 0, 50, 0) == 0);
	scn_tip(&S, 0, tip, sizeof(tip));
	for (i = 1; i < 3; i++)
		CU_ASSERT_FATAL(scn_wait_tip(&S, i, tip, 30) >= 0);

	CU_ASSERT_FATAL(scn_link(&S, 1, 0) == 0);	/* cut B off */
	for (i = 0; i < 3; i++) {
		CU_ASSERT(scn_produce(&S, 0, 100, 0) == 0);
		tn_sleep(2);
	}
	scn_tip(&S, 0, tip, sizeof(tip));
	CU_ASSERT(scn_wait_tip(&S, 2, tip, 30) >= 0);
	CU_ASSERT(strcmp(scn_tip(&S, 1, t, sizeof(t)), tip) != 0);
	CU_ASSERT(scn_height(&S, 1) == 50);
	/* B noticed: its connections died of silence */
	CU_ASSERT(scn_counter(&S, 1, "connections_closed.timeout") >= 1);
	printf("\n  B cut off: %lld connections timed out, %d peers ",
	    scn_counter(&S, 1, "connections_closed.timeout"),
	    scn_peer_count(&S, 1));

	CU_ASSERT_FATAL(scn_link(&S, 1, 1) == 0);	/* and back */
	took = scn_wait_tip(&S, 1, tip, 60);
	CU_ASSERT(took >= 0);
	/* backoff cap 4 s + dead-connection timeout 3 s + sync */
	CU_ASSERT(took < 4 + 3 + 20);
	printf("\n  B back at A's tip %.1f s after its link came up ", took);
	check_kernel_tls(3);
}

/*
 * One snapshot of the peer relation: seen[i][j] when node i lists node j.
 * Each node lists distinct IPs of other nodes (asserted: the registry
 * holds one connection per IP at every moment, docs/protocol.md section
 * 6).  Returns whether the relation is symmetric; when verbose, prints
 * the pairs where it is not.
 */
static int
peer_snapshot(int n, char seen[SCN_MAX_NODES][SCN_MAX_NODES], int verbose)
{
	json_t		*st, *p;
	const char	*ip;
	size_t		 k;
	int		 i, j, idx, sym = 1;

	memset(seen, 0, SCN_MAX_NODES * SCN_MAX_NODES);
	for (i = 0; i < n; i++) {
		st = tn_status(&S.node[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(st);
		json_array_foreach(json_object_get(st, "peers"), k, p) {
			ip = json_string_value(json_object_get(p, "ip"));
			idx = scn_index(&S, ip);
			CU_ASSERT_FATAL(idx >= 0 && idx < n && idx != i);
			CU_ASSERT_EQUAL(seen[i][idx], 0);   /* no duplicate */
			seen[i][idx] = 1;
		}
		CU_ASSERT(json_array_size(json_object_get(st, "peers")) >= 1);
		json_decref(st);
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (seen[i][j] != seen[j][i]) {
				sym = 0;
				if (verbose)
					printf("\n  node %d lists node %d, "
					    "not the other way round",
					    seen[i][j] ? i : j,
					    seen[i][j] ? j : i);
			}
	return sym;
}

/*
 * Each node lists distinct IPs, and the relation is symmetric.  The nodes
 * are queried one after another while dials go on (one a second until
 * max_outbound, docs/protocol.md section 8), so a connection whose
 * handshake ends between two queries shows on one side only: one
 * snapshot proves nothing (CI of 2026-12-01: "not symmetric" 5 s after
 * the network connected, under ASan).  What must hold is that no
 * connection stays one-sided: a symmetric snapshot within 20 s.
 */
static void
check_no_duplicates(int n)
{
	char	seen[SCN_MAX_NODES][SCN_MAX_NODES];
	double	t0;
	int	sym = 0, tries = 0;

	for (t0 = tn_now(); tn_now() - t0 < 20 && !sym; tries++) {
		if ((sym = peer_snapshot(n, seen, 0)) == 0)
			tn_sleep(0.5);
	}
	if (!sym && !peer_snapshot(n, seen, 1))
		CU_FAIL("peer relation not symmetric for 20 s");
	if (tries > 1)
		printf("\n  peer relation symmetric at snapshot %d ", tries);
}

/* breadth-first search over the peer lists */
static int
connected(int n)
{
	json_t		*st, *p;
	const char	*ip;
	int		 reach[SCN_MAX_NODES] = { 1 }, queue[SCN_MAX_NODES];
	int		 head = 0, tail = 1, i, count = 1;
	size_t		 k;

	queue[0] = 0;
	while (head < tail) {
		i = queue[head++];
		if ((st = tn_status(&S.node[i])) == NULL)
			return 0;
		json_array_foreach(json_object_get(st, "peers"), k, p) {
			ip = json_string_value(json_object_get(p, "ip"));
			int j = scn_index(&S, ip);
			if (j >= 0 && j < n && !reach[j]) {
				reach[j] = 1;
				queue[tail++] = j;
				count++;
			}
		}
		json_decref(st);
	}
	return count == n;
}

static void
test_twelve(void)
{
	char	tip[80];
	double	t0;
	unsigned fam[12];
	int	i, ok = 0;

	/* dual, v4, dual, v6, ...: each told of the one before, a dual-stack
	 * node on one side at least */
	for (i = 0; i < 12; i++)
		fam[i] = i % 2 == 0 ? DUAL : i % 4 == 1 ? SCN_V4 : SCN_V6;
	form_setup(12, fam);
	CU_ASSERT_FATAL(scn_start(&S, 0, PEERS(1), producer_conf) == 0);
	for (i = 1; i < 12; i++)
		CU_ASSERT_FATAL(scn_start(&S, i, PEERS(i - 1), NULL) == 0);
	for (t0 = tn_now(); tn_now() - t0 < 60 && !ok; tn_sleep(0.5))
		ok = connected(12);
	CU_ASSERT_FATAL(ok);
	printf("\n  12 nodes connected after %.1f s ", tn_now() - t0);
	tn_sleep(5);	/* dials go on (one a second): most are done */
	check_no_duplicates(12);
	CU_ASSERT_FATAL(scn_produce(&S, 0, 1000, 0) == 0);
	scn_tip(&S, 0, tip, sizeof(tip));
	for (i = 1; i < 12; i++)
		CU_ASSERT(scn_wait_tip(&S, i, tip, 90) >= 0);
	check_no_duplicates(12);
	check_kernel_tls(12);
	for (i = 0; i < 12; i++)
		printf("\n  node %d: %d peers", i, scn_peer_count(&S, i));
}

/*
 * Issue 14: IPv4-only (A, B), IPv6-only (C, D) and dual-stack (E, F)
 * nodes, each in its own namespace on one bridge; E and F are told each
 * other's both addresses, so both dial both.  One chain everywhere, and
 * between any two nodes at most one connection, in the kernel's socket
 * tables as in the status; E and F exactly one, the other address shown.
 */
static void
test_mixed(void)
{
	static const unsigned fam[6] = { SCN_V4, SCN_V4, SCN_V6, SCN_V6,
	    SCN_V4 | SCN_V6, SCN_V4 | SCN_V6 };
	char		 tip[80], t[80];
	json_t		*st, *p;
	size_t		 k;
	double		 t0;
	int		 i, ok = 0, also = 0;

	if (skip_without_netns())
		return;
	CU_ASSERT_FATAL(scn_netns_setup_fam(&S, 6, fam) == 0);
	CU_ASSERT_FATAL(scn_start(&S, 4, PEERS(5), producer_conf) == 0);
	CU_ASSERT_FATAL(scn_start(&S, 5, PEERS(4, 0, 2), NULL) == 0);
	CU_ASSERT_FATAL(scn_start(&S, 0, PEERS(4), NULL) == 0);
	CU_ASSERT_FATAL(scn_start(&S, 1, PEERS(0), NULL) == 0);
	CU_ASSERT_FATAL(scn_start(&S, 2, PEERS(4), NULL) == 0);
	CU_ASSERT_FATAL(scn_start(&S, 3, PEERS(2), NULL) == 0);
	for (t0 = tn_now(); tn_now() - t0 < 60 && !ok; tn_sleep(0.5))
		ok = connected(6);
	CU_ASSERT_FATAL(ok);
	CU_ASSERT_FATAL(scn_produce(&S, 4, 300, 0) == 0);
	scn_tip(&S, 4, tip, sizeof(tip));
	for (i = 0; i < 6; i++)
		CU_ASSERT(scn_wait_tip(&S, i, tip, 60) >= 0);
	tn_sleep(5);	/* redials and peer exchange settle */
	check_no_duplicates(6);
	for (i = 0; i < 6; i++)
		CU_ASSERT_STRING_EQUAL(scn_tip(&S, i, t, sizeof(t)), tip);
	check_kernel_tls(6);
	CU_ASSERT_EQUAL(kernel_conns(4, 5), 1);
	CU_ASSERT_EQUAL(kernel_conns(5, 4), 1);
	/* the dual-stack pair resolved a doubled connection; the survivor
	 * names the other address */
	CU_ASSERT(scn_counter(&S, 4, "duplicates_resolved") +
	    scn_counter(&S, 5, "duplicates_resolved") >= 1);
	for (i = 4; i < 6; i++) {
		if ((st = tn_status(&S.node[i])) == NULL)
			continue;
		json_array_foreach(json_object_get(st, "peers"), k, p)
			if (json_array_size(json_object_get(p, "also")) > 0)
				also++;
		json_decref(st);
	}
	CU_ASSERT(also >= 1);
	printf("\n  %d of E, F show the other's second address ", also);
}

static void
test_chaos(void)
{
	static const char *const comp[] = { "stored", "syncd", "netd" };
	char		 tip[80], t[80];
	json_t		*st;
	double		 t0;
	pid_t		 pid;
	int		 i, kills = 0, k;

	srandom((unsigned)getpid());
	form_setup(3, (const unsigned []){ SCN_V6, DUAL, DUAL });
	CU_ASSERT_FATAL(scn_start(&S, 0, PEERS(1, 2), producer_conf) == 0);
	CU_ASSERT_FATAL(scn_produce(&S, 0, 5000, 0) == 0);
	scn_tip(&S, 0, tip, sizeof(tip));
	CU_ASSERT_FATAL(scn_start(&S, 1, PEERS(0, 2), NULL) == 0);
	CU_ASSERT_FATAL(scn_start(&S, 2, PEERS(0, 1), NULL) == 0);
	/*
	 * A kill a second, 30 in all: a component in its restart backoff
	 * has no pid to kill, so that second's attempt is lost (more of
	 * them under ASan, where restarts are slow); the loop goes on until
	 * 30 landed, bounded by 90 s.
	 */
	for (t0 = tn_now(); kills < 30 && tn_now() - t0 < 90; tn_sleep(1)) {
		i = (int)(random() % 3);
		k = (int)(random() % 3);
		if ((pid = scn_pid(&S, i, comp[k])) > 0 &&
		    kill(pid, SIGKILL) == 0)
			kills++;
	}
	printf("\n  %d components killed in %.0f s ", kills, tn_now() - t0);
	CU_ASSERT(kills >= 25);
	for (i = 1; i < 3; i++)
		CU_ASSERT(scn_wait_tip(&S, i, tip, 90) >= 0);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_STRING_EQUAL(scn_tip(&S, i, t, sizeof(t)), tip);
		st = tn_wait_running(&S.node[i], 20);
		CU_ASSERT_PTR_NOT_NULL(st);	/* nothing left failed */
		json_decref(st);
		CU_ASSERT(tn_pid_alive(S.node[i].pid));
	}
	check_kernel_tls(3);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(WEXITSTATUS(scn_stop(&S, i)), 0);
		CU_ASSERT_EQUAL(scn_verify(&S, i), 0);
	}
}

static void
test_restart(void)
{
	json_t		*st;
	long long	 port1, port2 = -1;
	double		 t0;
	int		 max_seen = 0, n;

	CU_ASSERT_FATAL(scn_start(&S, 0, NULL, NULL) == 0);
	CU_ASSERT_FATAL(scn_start(&S, 1, PEERS(0), NULL) == 0);
	CU_ASSERT_FATAL(scn_wait_peers(&S, 0, 1, 30) >= 0);
	st = tn_status(&S.node[0]);
	port1 = tn_json_int(json_array_get(json_object_get(st, "peers"), 0),
	    "remote_port");
	json_decref(st);
	CU_ASSERT_EQUAL(WEXITSTATUS(scn_stop(&S, 1)), 0);
	CU_ASSERT_FATAL(scn_start(&S, 1, NULL, NULL) == 0);
	for (t0 = tn_now(); tn_now() - t0 < 30; tn_sleep(0.1)) {
		n = scn_peer_count(&S, 0);
		if (n > max_seen)
			max_seen = n;
		st = tn_status(&S.node[0]);
		port2 = tn_json_int(json_array_get(json_object_get(st,
		    "peers"), 0), "remote_port");
		json_decref(st);
		if (n == 1 && port2 > 0 && port2 != port1)
			break;
	}
	CU_ASSERT_EQUAL(max_seen, 1);		/* never two for one machine */
	CU_ASSERT(port2 > 0 && port2 != port1);	/* the new connection */
	CU_ASSERT_EQUAL(scn_peer_count(&S, 0), 1);
	/* node 1 ends its handshake a moment after node 0 shows it */
	for (t0 = tn_now(); tn_now() - t0 < 5 && scn_peer_count(&S, 1) != 1;
	    tn_sleep(0.1))
		;
	CU_ASSERT_EQUAL(scn_peer_count(&S, 1), 1);
}

static const struct {
	const char	*name;
	const char	*title;
	void		(*fn)(void);
} scenarios[] = {
	{ "two-nodes", "two nodes: B catches up 2,500 blocks", test_two_nodes },
	{ "stability", "three nodes, 120 pings, no reconnects",
	    test_stability },
	{ "partition", "partition recovery", test_partition },
	{ "twelve", "twelve nodes, peer exchange, 1,000 blocks", test_twelve },
	{ "chaos", "chaos during a 5,000-block catch-up", test_chaos },
	{ "restart", "restarted peer stays one peer", test_restart },
	{ "mixed", "IPv4-only, IPv6-only and dual-stack nodes: one chain, "
	    "no duplicate connection", test_mixed },
};

static void
teardown(void)
{
	scn_cleanup(&S);
}

int
main(int argc, char **argv)
{
	struct tn_case	 cases[TN_NCASES(scenarios)];
	struct tn_suite	 ts = { .name = "scenarios", .cases = cases,
	    .teardown = teardown };
	size_t		 i;
	int		 rc;

	alarm(600);
	mixed = mixed_possible();
	for (i = 0; i < TN_NCASES(scenarios); i++)
		if (argc < 2 || strcmp(argv[1], scenarios[i].name) == 0) {
			cases[ts.ncases].name = scenarios[i].title;
			cases[ts.ncases++].fn = scenarios[i].fn;
		}
	if (ts.ncases == 0) {
		fprintf(stderr, "unknown scenario %s\n", argv[1]);
		return 2;
	}
	rc = tn_cunit_run(&ts);
	printf("form: %s\n", skipped ? "skipped (needs root)" : mixed ?
	    "mixed IPv4/IPv6/dual-stack in namespaces, TLS" :
	    "IPv4 loopback, TLS");
	return rc == 0 && skipped ? 77 : rc;
}
