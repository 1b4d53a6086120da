/* SPDX-License-Identifier: ISC */
/*
 * test_fresh.c - a restarted worker is up at once, and status is never
 * stale (issue 12, items 3 and 4), on real nodes.
 *
 * The nodes run with heartbeats 20 s apart: anything these tests wait
 * for that only the next heartbeat would bring (a restarted worker shown
 * "running", a height, a peer) does not come within the bounded waits,
 * so the tests fail on a supervisor that learns of them that way.  No
 * figure of time is asserted; bench/bench_node restart measures it.
 *
 * Nodes on 127.0.0.81-127.0.0.84, port 24800; the fake peer on
 * 127.0.0.85.
 */
#include <CUnit/Basic.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "cunit.h"
#include "fakepeer.h"
#include "harness.h"
#include "wire.h"

#define PORT	24800

static const char slow_heartbeats[] =
    "[supervisor]\n"
    "heartbeat_interval = 20\n"
    "heartbeat_deadline = 40\n"
    "start_deadline = 40\n"
    "restart_delay_min = 0.2\n"
    "restart_delay_max = 2\n"
    "fast_crash = 0.5\n"
    "restart_intensity = 100\n"
    "restart_window = 60\n"
    "[p2p]\nplaintext = yes\n"
    "backoff_min = 0.2\n"
    "backoff_max = 1\n"
    "[sync]\n"
    "producer_key = devnet\n";

static int
start(struct tn_node *n, const char *ip, const char *peer)
{
	if (tn_node_init(n, ip, PORT, slow_heartbeats,
	    peer ? "[node]\npeer = " : NULL, peer, peer ? "\n" : NULL) == -1)
		return -1;
	return tn_node_start(n, NULL, NULL);
}

/* as tn_wait_replaced, and the new one does its work within timeout */
static pid_t
wait_serving(struct tn_node *n, const char *w, pid_t old, double timeout)
{
	double	end = tn_now() + timeout;
	pid_t	pid;

	if ((pid = tn_wait_replaced(n, w, old, timeout)) <= 0)
		return -1;
	/* stored: a verify of its own; syncd: a block, through stored */
	while (tn_now() < end)
		if (tn_command_ok(n->sock, strcmp(w, "stored") == 0 ?
		    "verify" : "produce 1", 5, NULL))
			return pid;
	return -1;
}

/*
 * Item 3: SIGKILL of each worker; the new one is "running" and serving
 * long before the next heartbeat, and a peer connected to netd (node b)
 * keeps its connection through restarts of stored and syncd.
 */
static void
test_restart_up_at_once(void)
{
	static const char *const workers[] = { "stored", "syncd" };
	struct tn_node	 a, b;
	json_t		*st;
	pid_t		 old, netd;
	long long	 ca, cb;
	int		 i;

	CU_ASSERT_FATAL(start(&a, "127.0.0.81", NULL) == 0);
	CU_ASSERT_FATAL(start(&b, "127.0.0.82", "127.0.0.81:24800") == 0);
	st = tn_wait_running(&a, 15);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	json_decref(st);
	CU_ASSERT_FATAL(tn_node_run(&b, 15) == 0);
	CU_ASSERT_FATAL(tn_wait_peer(&a, "127.0.0.82", 15));
	CU_ASSERT_FATAL(tn_wait_peer(&b, "127.0.0.81", 15));
	ca = tn_node_closed_total(&a);
	cb = tn_node_closed_total(&b);
	CU_ASSERT_FATAL(ca >= 0 && cb >= 0);
	st = tn_status(&a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	netd = tn_component_pid(st, "netd");
	json_decref(st);

	for (i = 0; i < 2; i++) {
		tn_sleep(0.7);		/* not a fast crash */
		st = tn_status(&a);
		CU_ASSERT_PTR_NOT_NULL_FATAL(st);
		old = tn_component_pid(st, workers[i]);
		json_decref(st);
		CU_ASSERT_FATAL(old > 0 && kill(old, SIGKILL) == 0);
		CU_ASSERT(wait_serving(&a, workers[i], old, 10) > 0);
	}
	/* the peer connection was not touched: same netd, nothing closed */
	st = tn_status(&a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(tn_component_pid(st, "netd"), netd);
	CU_ASSERT_PTR_NOT_NULL(tn_peer(st, "127.0.0.82"));
	json_decref(st);
	CU_ASSERT_EQUAL(tn_node_closed_total(&a), ca);
	CU_ASSERT_EQUAL(tn_node_closed_total(&b), cb);
	CU_ASSERT(tn_wait_peer(&b, "127.0.0.81", 1));

	/* netd: up again, and b reconnects to it */
	tn_sleep(0.7);
	CU_ASSERT_FATAL(kill(netd, SIGKILL) == 0);
	CU_ASSERT(tn_wait_replaced(&a, "netd", netd, 10) > 0);
	CU_ASSERT(tn_wait_peer(&a, "127.0.0.82", 15));
	tn_node_cleanup(&b);
	tn_node_cleanup(&a);
}

/*
 * Item 4: what a worker acknowledged shows in the very next status:
 * the height a produce answered, and a peer whose handshake (and a
 * ping after it) netd completed.
 */
static void
test_status_fresh(void)
{
	struct tn_node	 n;
	struct fake	 f;
	json_t		*ack = NULL, *st;
	long long	 h;

	CU_ASSERT_FATAL(start(&n, "127.0.0.83", NULL) == 0);
	st = tn_wait_running(&n, 15);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	json_decref(st);

	CU_ASSERT_FATAL(tn_command_ok(n.sock, "produce 500", 120, &ack));
	h = tn_json_int(ack, "height");
	json_decref(ack);
	CU_ASSERT_EQUAL(h, 500);
	st = tn_status(&n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL(tn_json_int(json_object_get(st, "node"), "height"),
	    h);
	json_decref(st);

	/* a peer: handshake, then a ping netd answered after it */
	CU_ASSERT_FATAL(fake_handshake(&f, "127.0.0.85", n.ip, PORT, 8501) ==
	    0);
	CU_ASSERT(fake_alive(&f));
	st = tn_status(&n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_PTR_NOT_NULL(tn_peer(st, "127.0.0.85"));
	json_decref(st);
	/* and "peers" likewise */
	st = tn_command(n.sock, "peers");
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_PTR_NOT_NULL(tn_peer(st, "127.0.0.85"));
	json_decref(st);
	fake_close(&f);
	tn_node_cleanup(&n);
}

/*
 * A worker that does not answer (SIGSTOP) does not hold "status" up: it
 * is answered with what the supervisor last heard, within the 1 s the
 * supervisor waits (tn_status gives up after 5 s); and a client's lines
 * are answered in order.
 */
static void
test_status_stopped_worker(void)
{
	struct tn_node	 n;
	json_t		*st, *o;
	char		*ans;
	pid_t		 syncd;

	CU_ASSERT_FATAL(start(&n, "127.0.0.84", NULL) == 0);
	st = tn_wait_running(&n, 15);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	syncd = tn_component_pid(st, "syncd");
	json_decref(st);
	CU_ASSERT_FATAL(syncd > 0 && kill(syncd, SIGSTOP) == 0);
	st = tn_status(&n);
	CU_ASSERT_PTR_NOT_NULL(st);
	CU_ASSERT_EQUAL(tn_component_pid(st, "syncd"), syncd);
	json_decref(st);
	kill(syncd, SIGCONT);

	/* "status" then "help" on one connection: the answers in order */
	ans = tn_exchange(n.sock, "status\nhelp\n", 12, 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ans);	/* its first line */
	o = json_loads(ans, 0, NULL);
	CU_ASSERT(json_is_array(json_object_get(o, "components")));
	json_decref(o);
	free(ans);
	tn_node_cleanup(&n);
}

/* an argument runs only the tests whose name contains it */
int
main(int argc, char **argv)
{
	static const struct tn_case tests[] = {
		{ "SIGKILL: running and serving at once, peers kept",
		    test_restart_up_at_once },
		{ "status shows what was acknowledged", test_status_fresh },
		{ "status with a stopped worker, answers in order",
		    test_status_stopped_worker },
	};
	struct tn_suite	 ts = { .name = "fresh", .cases = tests,
	    .ncases = TN_NCASES(tests), .only = argc > 1 ? argv[1] : NULL };

	if (fake_setup_devnet(NULL, NULL) == -1)
		return 1;
	alarm(600);	/* a hard bound on the whole program */
	return tn_cunit_run(&ts);
}
