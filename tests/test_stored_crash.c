/* SPDX-License-Identifier: ISC */
/*
 * test_stored_crash.c - kill -9 stored at random moments while a client
 * streams append batches, 20 times.  After each kill: stored --verify
 * passes on the files as the kill left them; after each restart every
 * acknowledged block is there, the chain is contiguous from genesis to
 * the tip and is exactly the chain the client sent.
 *
 * The map starts at 16 MiB so that it also grows during the run.  Every
 * loop is bounded in count and time; the only process started is
 * stored, killed by pid (fakesup.c).
 */
#include <sys/wait.h>

#include <CUnit/Basic.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "cunit.h"
#include "fakesup.h"

#define ROUNDS		20
#define START_TIMEOUT	20
#define PAYLOAD		256
#define CHAIN_CAP	400000
#define ROUND_MAX_S	5.0	/* streaming per round, at most */

static struct fakesup	fs;
static struct fs_chain	chain;

struct killer {
	struct fakesup	*fs;
	pid_t		 pid;
	int		 fired;
};

static void
kill_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct killer *k = arg;

	(void)fd;
	(void)ev;
	/* only the instance this timer was set for, by pid */
	if (k->fs->pid == k->pid && k->pid > 0) {
		kill(k->pid, SIGKILL);
		k->fired = 1;
	}
}

/* every block 1..tip is ours, in order; returns the tip or -1 */
static long long
check_chain(uint64_t acked)
{
	struct ipc_tip		t;
	struct ipc_range	q;
	struct ipc_blocks	bl;
	struct wbuf		w;
	struct rbuf		r;
	uint8_t			hash[32];
	uint64_t		h = 1;
	uint32_t		i;

	if (fs_tip(&fs, &t) == -1)
		return -1;
	CU_ASSERT(t.height >= acked);
	if (t.height < acked || t.height >= chain.n) {
		fprintf(stderr, "tip %llu, acknowledged %llu, sent up to "
		    "%llu\n", (unsigned long long)t.height,
		    (unsigned long long)acked,
		    (unsigned long long)chain.n - 1);
		return -1;
	}
	CU_ASSERT(memcmp(t.hash, chain.hash[t.height], 32) == 0);
	while (h <= t.height) {
		q.from = h;
		q.count = IPC_MAX_BLOCKS;
		q.max_bytes = 0;
		wbuf_init(&w, 64);
		ipc_range_encode(&w, &q);
		if (fs_request(&fs, FS_NETD, IPC_STORE_BLOCKS_REQ, &w,
		    20) == -1 || fs.ans.type != IPC_STORE_BLOCKS) {
			wbuf_free(&w);
			return -1;
		}
		wbuf_free(&w);
		rbuf_init(&r, fs.ans.body, fs.ans.len);
		if (ipc_blocks_decode(&r, &bl) == -1)
			return -1;
		if (bl.code != IPC_OK || bl.count == 0) {
			ipc_blocks_free(&bl);
			return -1;
		}
		for (i = 0; i < bl.count; i++, h++) {
			block_hash_header(bl.v[i].p, hash);
			if (bl.v[i].len < BLOCK_HEADER_LEN ||
			    memcmp(hash, chain.hash[h], 32) != 0) {
				fprintf(stderr, "block %llu is not ours\n",
				    (unsigned long long)h);
				ipc_blocks_free(&bl);
				return -1;
			}
		}
		ipc_blocks_free(&bl);
	}
	return (long long)t.height;
}

/* stream batches until stored dies (or the round's time is up) */
static uint64_t
stream(uint64_t tip, uint64_t *acked, unsigned *batches)
{
	struct fs_batch		bt;
	struct ipc_result	res;
	double			end = fs_now() + ROUND_MAX_S;
	uint32_t		n;

	while (fs.pid > 0 && fs_now() < end) {
		n = 50 + (uint32_t)(rand() % 450);
		if (tip + 1 + n >= CHAIN_CAP)
			break;
		CU_ASSERT_FATAL(fs_batch_make(&bt, &chain, tip + 1, n) == 0);
		if (fs_append(&fs, &bt.a, &res, 10) == 0) {
			CU_ASSERT_EQUAL(res.code, IPC_OK);
			if (res.code != IPC_OK)
				fprintf(stderr, "append: %s\n", res.reason);
			else {
				tip = res.height;
				*acked = tip;	/* committed: must survive */
				(*batches)++;
			}
		}
		fs_batch_free(&bt);
	}
	return tip;
}

static void
test_kill9(void)
{
	struct killer	 k;
	struct event	*ev;
	struct timeval	 tv;
	uint64_t	 acked = 0;
	long long	 tip;
	unsigned	 round, batches = 0, killed = 0;
	char		 line[512];
	int		 st;

	srand((unsigned)time(NULL));
	CU_ASSERT_FATAL(fs_init(&fs, "[store]\nmap_size_mb = 16\n") == 0);
	CU_ASSERT_FATAL(fs_chain_init(&chain, CHAIN_CAP, PAYLOAD, 0) == 0);
	for (round = 0; round < ROUNDS; round++) {
		if (fs_start(&fs, NULL, START_TIMEOUT) == -1) {
			fs_dump_log(&fs);
			CU_FAIL_FATAL("stored did not restart");
		}
		tip = check_chain(acked);
		CU_ASSERT_FATAL(tip >= 0);
		/* kill it at a random moment of the next 20..400 ms */
		k.fs = &fs;
		k.pid = fs.pid;
		k.fired = 0;
		tv.tv_sec = 0;
		tv.tv_usec = 20000 + rand() % 380000;
		ev = evtimer_new(fs.base, kill_cb, &k);
		evtimer_add(ev, &tv);
		stream((uint64_t)tip, &acked, &batches);
		event_free(ev);
		killed += k.fired;
		if (fs.pid > 0) {
			st = fs_kill(&fs, SIGKILL, 5);
			CU_ASSERT(WIFSIGNALED(st));
		}
		/* the files as the kill left them */
		st = fs_verify(&fs, line, sizeof(line));
		CU_ASSERT_EQUAL(st, 0);
		if (st != 0)
			fprintf(stderr, "round %u: verify: %s\n", round, line);
	}
	CU_ASSERT_FATAL(fs_start(&fs, NULL, START_TIMEOUT) == 0);
	tip = check_chain(acked);
	CU_ASSERT(tip >= (long long)acked);
	printf("\n  %u rounds, %u killed while streaming, %u batches "
	    "acknowledged, tip %lld (acknowledged %llu)\n", ROUNDS, killed,
	    batches, tip, (unsigned long long)acked);
	CU_ASSERT(killed >= ROUNDS / 2);
	CU_ASSERT(acked > 0);
	fs_cleanup(&fs);
	fs_chain_free(&chain);
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "kill -9 while appending, 20 times", test_kill9 },
	};
	struct tn_suite	 ts = { .name = "stored crash safety",
	    .cases = tests, .ncases = TN_NCASES(tests) };

	return tn_cunit_run(&ts);
}
