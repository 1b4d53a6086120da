/* SPDX-License-Identifier: ISC */
/*
 * test_stored_disk.c - stored when its files cannot be written: the
 * environment files made read-only, and a full disk (a 2 MiB tmpfs as
 * the data directory; root only, skipped with the reason otherwise).
 * Either way writes are answered with IPC_ERR_STORAGE and LMDB's
 * message, stored keeps running and serving what it has, what was
 * committed stays readable and whole (--verify), and once the cause is
 * gone writes work again.
 */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <CUnit/Basic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "cunit.h"
#include "fakesup.h"
#include "store.h"

#define START_TIMEOUT	20

static struct fakesup	fs;
static struct fs_chain	chain;

static uint8_t
append(uint64_t from, uint32_t count, struct ipc_result *res)
{
	struct fs_batch	bt;
	int		rc;

	CU_ASSERT_FATAL(fs_batch_make(&bt, &chain, from, count) == 0);
	rc = fs_append(&fs, &bt.a, res, 20);
	fs_batch_free(&bt);
	CU_ASSERT_FATAL(rc == 0);
	return res->code;
}

static void
start(void)
{
	if (fs_start(&fs, NULL, START_TIMEOUT) == -1) {
		fs_dump_log(&fs);
		CU_FAIL_FATAL("stored did not start");
	}
}

/* the tip is `height` and block `h` reads back as ours */
static void
assert_readable(uint64_t height, uint64_t h)
{
	struct ipc_tip		t;
	struct ipc_range	q = { h, 1, 0 };
	struct ipc_blocks	bl;
	struct wbuf		w;
	struct rbuf		r;
	uint8_t			hash[32];

	CU_ASSERT_FATAL(fs_tip(&fs, &t) == 0);
	CU_ASSERT_EQUAL(t.height, height);
	wbuf_init(&w, 64);
	ipc_range_encode(&w, &q);
	CU_ASSERT_FATAL(fs_request(&fs, FS_NETD, IPC_STORE_BLOCKS_REQ, &w,
	    10) == 0);
	wbuf_free(&w);
	rbuf_init(&r, fs.ans.body, fs.ans.len);
	CU_ASSERT_FATAL(ipc_blocks_decode(&r, &bl) == 0);
	CU_ASSERT_FATAL(bl.code == IPC_OK && bl.count == 1);
	block_hash_header(bl.v[0].p, hash);
	CU_ASSERT(memcmp(hash, chain.hash[h], 32) == 0);
	ipc_blocks_free(&bl);
}

static void
assert_verify_ipc(uint64_t height)
{
	struct ipc_result res;

	CU_ASSERT_FATAL(fs_request(&fs, FS_SYNCD, IPC_VERIFY, NULL, 60) == 0);
	CU_ASSERT(fs_result(&fs, &res) == 0 && res.code == IPC_OK &&
	    res.height == height);
}

static void
test_readonly_files(void)
{
	struct ipc_result	res;
	struct ipc_addr		a;
	struct wbuf		w;
	char			p[2][300], line[512];
	int			i;

	CU_ASSERT_FATAL(fs_init(&fs, NULL) == 0);
	CU_ASSERT_FATAL(fs_chain_init(&chain, 1000, 500, 0) == 0);
	start();
	CU_ASSERT_EQUAL(append(1, 300, &res), IPC_OK);
	CU_ASSERT(WIFEXITED(fs_kill(&fs, SIGTERM, 10)));
	snprintf(p[0], sizeof(p[0]), "%s/%s", fs.data, STORE_FILE);
	snprintf(p[1], sizeof(p[1]), "%s/%s-lock", fs.data, STORE_FILE);
	for (i = 0; i < 2; i++)
		CU_ASSERT_FATAL(chmod(p[i], 0400) == 0);

	/* it starts, read-only, and says so */
	start();
	CU_ASSERT_EQUAL(fs.st.height, 300);
	CU_ASSERT_EQUAL(append(301, 10, &res), IPC_ERR_STORAGE);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.reason, "read-only"));
	printf("\n  append on read-only files: %s\n", res.reason);
	memset(&a, 0, sizeof(a));
	a.ip = V4(0x7f000001);
	a.port = 1;
	wbuf_init(&w, 64);
	ipc_addr_encode(&w, &a);
	CU_ASSERT_FATAL(fs_request(&fs, FS_NETD, IPC_STORE_ADDR_UPSERT, &w,
	    10) == 0);
	wbuf_free(&w);
	CU_ASSERT(fs_result(&fs, &res) == 0 && res.code == IPC_ERR_STORAGE);
	/* and serves everything it has */
	assert_readable(300, 300);
	assert_readable(300, 1);
	assert_verify_ipc(300);
	fs_pump(&fs, 0.5);
	CU_ASSERT(fs.pid > 0);
	CU_ASSERT_EQUAL(fs_verify(&fs, line, sizeof(line)), 0);

	/* writable again: appends work */
	CU_ASSERT(WIFEXITED(fs_kill(&fs, SIGTERM, 10)));
	for (i = 0; i < 2; i++)
		CU_ASSERT(chmod(p[i], 0600) == 0);
	start();
	CU_ASSERT_EQUAL(append(301, 10, &res), IPC_OK);
	CU_ASSERT_EQUAL(res.height, 310);
	fs_cleanup(&fs);
	fs_chain_free(&chain);
}

static void
test_disk_full(void)
{
	struct ipc_result	res;
	uint64_t		acked = 0, h;
	char			line[512], opts[64];
	int			i, full = 0;

	if (geteuid() != 0) {
		printf("\n  SKIPPED: mounting a tmpfs needs root\n");
		return;
	}
	CU_ASSERT_FATAL(fs_init(&fs, "[store]\nmap_size_mb = 16\n") == 0);
	if (fs_mount_tmpfs(&fs, "2m") == -1) {
		printf("\n  SKIPPED: cannot mount a tmpfs here\n");
		fs_cleanup(&fs);
		return;
	}
	CU_ASSERT_FATAL(fs_chain_init(&chain, 10000, 1024, 0) == 0);
	start();
	for (i = 0, h = 1; i < 100 && !full; i++, h += 100) {
		if (append(h, 100, &res) == IPC_OK)
			acked = res.height;
		else
			full = 1;
	}
	CU_ASSERT_FATAL(full);
	CU_ASSERT_EQUAL(res.code, IPC_ERR_STORAGE);
	printf("\n  append on a full disk at %llu: %s\n",
	    (unsigned long long)acked, res.reason);
	CU_ASSERT(acked > 500);
	/* still up, still serving, still refusing with a reason */
	assert_readable(acked, acked);
	CU_ASSERT_EQUAL(append(acked + 1, 100, &res), IPC_ERR_STORAGE);
	CU_ASSERT(res.reason[0] != '\0');
	assert_verify_ipc(acked);
	CU_ASSERT(fs.pid > 0);

	/* killed on the full disk: whole, and it starts again there */
	CU_ASSERT(WIFSIGNALED(fs_kill(&fs, SIGKILL, 5)));
	CU_ASSERT_EQUAL(fs_verify(&fs, line, sizeof(line)), 0);
	start();
	assert_readable(acked, acked);

	/* room again: it goes on without a restart */
	snprintf(opts, sizeof(opts), "size=16m");
	CU_ASSERT_FATAL(mount("tmpfs", fs.data, "tmpfs", MS_REMOUNT,
	    opts) == 0);
	CU_ASSERT_EQUAL(append(acked + 1, 100, &res), IPC_OK);
	CU_ASSERT_EQUAL(res.height, acked + 100);
	CU_ASSERT(WIFEXITED(fs_kill(&fs, SIGTERM, 10)));
	CU_ASSERT_EQUAL(fs_verify(&fs, line, sizeof(line)), 0);
	fs_cleanup(&fs);
	fs_chain_free(&chain);
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "read-only environment files", test_readonly_files },
		{ "full disk (2 MiB tmpfs)", test_disk_full },
	};
	struct tn_suite	 ts = { .name = "stored without room to write",
	    .cases = tests, .ncases = TN_NCASES(tests) };

	return tn_cunit_run(&ts);
}
