/* SPDX-License-Identifier: ISC */
/*
 * test_stored_ipc.c - the real stored process behind a fake supervisor
 * (fakesup.c): every request type over its channels, malformed and
 * oversized requests answered with an error while stored keeps serving,
 * the heartbeat status, IPC_VERIFY and --verify, IPC_VERIFY in slices
 * with heartbeats and requests answered while it runs, and a data
 * directory of another network refused with EX_CONFIG.
 */
#include <sys/wait.h>

#include <arpa/inet.h>
#include <CUnit/Basic.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "cunit.h"
#include "fakesup.h"
#include "harness.h"
#include "store.h"
#include "worker.h"

#define START_TIMEOUT	20
#define REQ_TIMEOUT	10

static struct fakesup	fs;
static struct fs_chain	chain;

static void
start(void)
{
	CU_ASSERT_FATAL(fs_init(&fs, NULL) == 0);
	CU_ASSERT_FATAL(fs_chain_init(&chain, 2000, 300, 1) == 0);
	if (fs_start(&fs, NULL, START_TIMEOUT) == -1) {
		fs_dump_log(&fs);
		CU_FAIL_FATAL("stored did not start");
	}
}

static void
stop(void)
{
	fs_cleanup(&fs);
	fs_chain_free(&chain);
}

static uint8_t
append(uint64_t from, uint32_t count, struct ipc_result *res)
{
	struct fs_batch	bt;
	int		rc;

	CU_ASSERT_FATAL(fs_batch_make(&bt, &chain, from, count) == 0);
	rc = fs_append(&fs, &bt.a, res, REQ_TIMEOUT);
	fs_batch_free(&bt);
	CU_ASSERT_FATAL(rc == 0);
	return res->code;
}

/* netd's mark of an address; the result code (0xff: no answer) */
static uint8_t
addr_mark(struct netaddr ip, uint16_t port, uint8_t outcome, uint64_t now,
    uint64_t until)
{
	struct ipc_addr_mark	m;
	struct ipc_result	res;
	struct wbuf		w;

	memset(&m, 0, sizeof(m));
	m.ip = ip;
	m.port = port;
	m.outcome = outcome;
	m.now = now;
	m.until = until;
	wbuf_init(&w, 64);
	ipc_addr_mark_encode(&w, &m);
	CU_ASSERT_FATAL(fs_request(&fs, FS_NETD, IPC_STORE_ADDR_MARK, &w,
	    REQ_TIMEOUT) == 0);
	wbuf_free(&w);
	return fs_result(&fs, &res) == 0 ? res.code : 0xff;
}

/* netd's query of the address book, up to ten entries: 0 or -1 */
static int
addr_list(enum addr_purpose purpose, uint64_t now, struct ipc_addrs *l)
{
	struct ipc_addr_query	q;
	struct wbuf		w;
	struct rbuf		r;

	q.max = 10;
	q.purpose = (uint8_t)purpose;
	q.now = now;
	wbuf_init(&w, 64);
	ipc_addr_query_encode(&w, &q);
	CU_ASSERT_FATAL(fs_request(&fs, FS_NETD, IPC_STORE_ADDR_LIST_REQ, &w,
	    REQ_TIMEOUT) == 0);
	wbuf_free(&w);
	if (fs.ans.type != IPC_STORE_ADDRS)
		return -1;
	rbuf_init(&r, fs.ans.body, fs.ans.len);
	return ipc_addrs_decode(&r, l);
}

/* a request that must be answered with IPC_STORE_RESULT and this code */
static void
expect_error(enum fs_as as, uint16_t type, const void *body, size_t len,
    uint8_t code)
{
	struct ipc_result	res;
	struct wbuf		w;

	wbuf_init(&w, IPC_MAX_MSG);
	put_bytes(&w, body, len);
	CU_ASSERT_FATAL(fs_request(&fs, as, type, &w, REQ_TIMEOUT) == 0);
	wbuf_free(&w);
	CU_ASSERT_EQUAL(fs.ans.type, IPC_STORE_RESULT);
	CU_ASSERT_FATAL(fs_result(&fs, &res) == 0);
	CU_ASSERT_EQUAL(res.code, code);
	CU_ASSERT(res.reason[0] != '\0');
}

static void
test_requests(void)
{
	struct ipc_result	res;
	struct ipc_tip		t;
	struct ipc_range	q;
	struct ipc_blocks	bl;
	struct ipc_hashes	h;
	struct ipc_point	pt;
	struct ipc_addr		a;
	struct ipc_addrs	l;
	struct wbuf		w;
	struct rbuf		r;

	start();
	CU_ASSERT_EQUAL(fs.st.have_chain, 1);
	CU_ASSERT(memcmp(fs.st.genesis, chain.genesis.block.hash, 32) == 0);
	CU_ASSERT_EQUAL(append(1, 500, &res), IPC_OK);
	CU_ASSERT_EQUAL(res.count, 500);
	CU_ASSERT_EQUAL(append(501, 500, &res), IPC_OK);
	CU_ASSERT_EQUAL(res.height, 1000);

	/* tip, from netd's channel too */
	CU_ASSERT_FATAL(fs_tip(&fs, &t) == 0);
	CU_ASSERT_EQUAL(t.height, 1000);
	CU_ASSERT(memcmp(t.hash, chain.hash[1000], 32) == 0);
	CU_ASSERT_FATAL(fs_request(&fs, FS_NETD, IPC_STORE_TIP_REQ, NULL,
	    REQ_TIMEOUT) == 0);
	CU_ASSERT_EQUAL(fs.ans.type, IPC_STORE_TIP);

	/* blocks */
	q.from = 990;
	q.count = 100;
	q.max_bytes = 0;
	wbuf_init(&w, 64);
	ipc_range_encode(&w, &q);
	CU_ASSERT_FATAL(fs_request(&fs, FS_NETD, IPC_STORE_BLOCKS_REQ, &w,
	    REQ_TIMEOUT) == 0);
	wbuf_free(&w);
	CU_ASSERT_FATAL(fs.ans.type == IPC_STORE_BLOCKS);
	rbuf_init(&r, fs.ans.body, fs.ans.len);
	CU_ASSERT_FATAL(ipc_blocks_decode(&r, &bl) == 0);
	CU_ASSERT(bl.code == IPC_OK && bl.count == 11);
	ipc_blocks_free(&bl);

	/* locator, fork point, height */
	CU_ASSERT_FATAL(fs_request(&fs, FS_SYNCD, IPC_STORE_LOCATOR_REQ, NULL,
	    REQ_TIMEOUT) == 0);
	CU_ASSERT_FATAL(fs.ans.type == IPC_STORE_HASHES);
	rbuf_init(&r, fs.ans.body, fs.ans.len);
	CU_ASSERT_FATAL(ipc_hashes_decode(&r, &h) == 0);
	/* 1000 ... 991, 989, 985, 977, 961, 929, 865, 737, 481, 0 */
	CU_ASSERT_EQUAL(h.count, 19);
	CU_ASSERT(memcmp(h.h[0], chain.hash[1000], 32) == 0);
	CU_ASSERT(memcmp(h.h[h.count - 1], chain.hash[0], 32) == 0);
	memset(h.h[0], 0x55, 32);	/* a hash we do not have */
	wbuf_init(&w, 4096);
	ipc_hashes_encode(&w, &h);
	CU_ASSERT_FATAL(fs_request(&fs, FS_NETD, IPC_STORE_FORK_REQ, &w,
	    REQ_TIMEOUT) == 0);
	wbuf_free(&w);
	CU_ASSERT_FATAL(fs.ans.type == IPC_STORE_POINT);
	rbuf_init(&r, fs.ans.body, fs.ans.len);
	CU_ASSERT_FATAL(ipc_point_decode(&r, &pt) == 0);
	CU_ASSERT(pt.found && pt.height == 999);
	h.count = 1;
	memcpy(h.h[0], chain.hash[321], 32);
	wbuf_init(&w, 64);
	ipc_hashes_encode(&w, &h);
	CU_ASSERT_FATAL(fs_request(&fs, FS_SYNCD, IPC_STORE_HEIGHT_REQ, &w,
	    REQ_TIMEOUT) == 0);
	wbuf_free(&w);
	rbuf_init(&r, fs.ans.body, fs.ans.len);
	CU_ASSERT_FATAL(ipc_point_decode(&r, &pt) == 0);
	CU_ASSERT(pt.found && pt.height == 321);

	/* address book */
	memset(&a, 0, sizeof(a));
	a.ip = V4(0x7f000102);
	a.port = 24100;
	a.source = ADDR_EXCHANGE;
	a.last_seen = 100;
	wbuf_init(&w, 64);
	ipc_addr_encode(&w, &a);
	CU_ASSERT_FATAL(fs_request(&fs, FS_NETD, IPC_STORE_ADDR_UPSERT, &w,
	    REQ_TIMEOUT) == 0);
	wbuf_free(&w);
	CU_ASSERT(fs_result(&fs, &res) == 0 && res.code == IPC_OK);
	CU_ASSERT(addr_mark(a.ip, a.port, ADDR_SUCCESS, 200, 0) == IPC_OK);
	CU_ASSERT_FATAL(addr_list(ADDR_FOR_SHARE, 300, &l) == 0);
	CU_ASSERT(l.count == 1 && same_ip(l.v[0].ip, a.ip) &&
	    l.v[0].last_success == 200);
	ipc_addrs_free(&l);
	/* a ban of an IP whose port is unknown, and the list of bans */
	CU_ASSERT(addr_mark(V4(0x7f0000fe), 0, ADDR_BAN, 300, 90000) ==
	    IPC_OK);
	CU_ASSERT_FATAL(addr_list(ADDR_BANNED, 300, &l) == 0);
	CU_ASSERT(l.count == 1 && same_ip(l.v[0].ip, V4(0x7f0000fe)) &&
	    l.v[0].port == 0 && l.v[0].banned_until == 90000);
	ipc_addrs_free(&l);

	/* the supervisor's verify */
	CU_ASSERT_FATAL(fs_request(&fs, FS_SYNCD, IPC_VERIFY, NULL, 60) == 0);
	CU_ASSERT_EQUAL(fs.ans.type, IPC_VERIFY_ACK);
	CU_ASSERT(fs_result(&fs, &res) == 0 && res.code == IPC_OK &&
	    res.count == 1001 && res.height == 1000);
	/* the heartbeat follows the tip */
	fs_pump(&fs, 0.6);
	CU_ASSERT_EQUAL(fs.st.height, 1000);
	CU_ASSERT(memcmp(fs.st.tip, chain.hash[1000], 32) == 0);
	stop();
}

static void
test_malformed(void)
{
	struct ipc_result	res;
	struct fs_batch		bt;
	struct wbuf		w;
	uint8_t			buf[64];
	uint32_t		reqid;

	start();
	CU_ASSERT_EQUAL(append(1, 10, &res), IPC_OK);
	/* blocks: count over the limit */
	memset(buf, 0, sizeof(buf));
	be32_store(buf + 8, 5000);
	expect_error(FS_NETD, IPC_STORE_BLOCKS_REQ, buf, 16,
	    IPC_ERR_MALFORMED);
	/* height: a hash count of 0 with a hash behind it */
	expect_error(FS_SYNCD, IPC_STORE_HEIGHT_REQ, buf, 36,
	    IPC_ERR_MALFORMED);
	/* fork: an empty locator */
	expect_error(FS_NETD, IPC_STORE_FORK_REQ, buf, 4, IPC_ERR_MALFORMED);
	/* address: port 0; a mark with an unknown outcome; bad purpose */
	expect_error(FS_NETD, IPC_STORE_ADDR_UPSERT, buf, NETADDR_LEN + 31,
	    IPC_ERR_MALFORMED);
	buf[NETADDR_LEN + 2] = 9;
	expect_error(FS_NETD, IPC_STORE_ADDR_MARK, buf, NETADDR_LEN + 19,
	    IPC_ERR_MALFORMED);
	buf[4] = 9;
	expect_error(FS_NETD, IPC_STORE_ADDR_LIST_REQ, buf, 13,
	    IPC_ERR_MALFORMED);
	/* append: garbage; a count over the limit is "too large" */
	memset(buf, 0, sizeof(buf));
	buf[0] = 7;
	expect_error(FS_SYNCD, IPC_STORE_APPEND, buf, 30, IPC_ERR_MALFORMED);
	buf[0] = 0;
	be32_store(buf + 26, IPC_MAX_BLOCKS + 1);
	expect_error(FS_SYNCD, IPC_STORE_APPEND, buf, 30, IPC_ERR_TOO_LARGE);
	/* unchecked heights above the low ones; an audit from 0 */
	memset(buf, 0, sizeof(buf));
	be64_store(buf + 9, 5);
	be64_store(buf + 17, 4);
	expect_error(FS_SYNCD, IPC_STORE_APPEND, buf, 30, IPC_ERR_MALFORMED);
	memset(buf, 0, sizeof(buf));
	be64_store(buf + 8, 3);
	expect_error(FS_SYNCD, IPC_STORE_AUDITED, buf, 16, IPC_ERR_MALFORMED);
	/* a damaged block */
	CU_ASSERT_FATAL(fs_batch_make(&bt, &chain, 11, 3) == 0);
	bt.buf[200] ^= 0xff;	/* in the payload */
	CU_ASSERT_FATAL(fs_append(&fs, &bt.a, &res, REQ_TIMEOUT) == 0);
	CU_ASSERT_EQUAL(res.code, IPC_ERR_MALFORMED);
	fs_batch_free(&bt);
	/* refusals name what failed */
	CU_ASSERT_EQUAL(append(13, 3, &res), IPC_ERR_GAP);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.reason, "starts at 13"));
	/* netd may not append: the channel drops it, nothing answers */
	CU_ASSERT_FATAL(fs_batch_make(&bt, &chain, 11, 3) == 0);
	wbuf_init(&w, IPC_MAX_MSG);
	ipc_append_encode(&w, &bt.a);
	reqid = fs_send(&fs, FS_NETD, IPC_STORE_APPEND, &w);
	CU_ASSERT(reqid != 0);
	CU_ASSERT(fs_wait(&fs, reqid, 1.0) == -1);
	wbuf_free(&w);
	fs_batch_free(&bt);
	/* and stored still serves, with nothing written */
	CU_ASSERT_EQUAL(append(11, 5, &res), IPC_OK);
	CU_ASSERT_EQUAL(res.height, 15);
	CU_ASSERT(fs.pid > 0);
	stop();
}

static void
test_verify_standalone(void)
{
	struct ipc_result	res;
	char			line[512], saved[sizeof(fs.data)];

	start();
	CU_ASSERT_EQUAL(append(1, 200, &res), IPC_OK);
	/* while it runs, and after it stopped */
	CU_ASSERT_EQUAL(fs_verify(&fs, line, sizeof(line)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "201 blocks"));
	CU_ASSERT(WIFEXITED(fs_kill(&fs, SIGTERM, 10)));
	CU_ASSERT_EQUAL(fs_verify(&fs, line, sizeof(line)), 0);
	/* a directory with no store */
	memcpy(saved, fs.data, sizeof(saved));
	memcpy(fs.data, fs.run, sizeof(fs.data));
	CU_ASSERT_EQUAL(fs_verify(&fs, NULL, 0), 1);
	memcpy(fs.data, saved, sizeof(saved));
	/* restarted, it has everything */
	CU_ASSERT_FATAL(fs_start(&fs, NULL, START_TIMEOUT) == 0);
	CU_ASSERT_EQUAL(fs.st.height, 200);
	stop();
}

/*
 * A chain that takes many verify slices (stored walks 256 blocks or
 * 2 MiB per slice): small unsigned blocks, quick to build and append.
 */
#define BIG_CHAIN	65536
#define HB_SEQ		((uint64_t)1 << 40)	/* beyond the fake's own */

/* a heartbeat as the fake's, with our sequence number */
static int
send_heartbeat(uint64_t seq)
{
	struct ipc_heartbeat	hb;
	struct wbuf		w;
	int			rc;

	memset(&hb, 0, sizeof(hb));
	hb.seq = seq;
	hb.pids[IPC_SUPERVISOR] = (uint32_t)getpid();
	hb.pids[IPC_STORED] = (uint32_t)fs.pid;
	hb.pids[IPC_SYNCD] = (uint32_t)getpid();
	hb.pids[IPC_NETD] = (uint32_t)getpid();
	wbuf_init(&w, 128);
	ipc_heartbeat_encode(&w, &hb);
	rc = ipc_send(fs.ctl, IPC_HEARTBEAT, (uint32_t)seq, &w);
	wbuf_free(&w);
	return rc;
}

static uint32_t
next_reqid(void)
{
	if (++fs.reqid == 0)
		fs.reqid = 1;
	return fs.reqid;
}

/*
 * The fake keeps the first answer carrying the awaited request id and
 * drops the others.  To see which of two answers comes first, both
 * requests below carry the same id: the first answer is kept, the
 * second is awaited afterwards.
 */
static void
await_first(uint32_t reqid, double timeout)
{
	double deadline = fs_now() + timeout;

	fs.want = reqid;
	fs.got = 0;
	while (!fs.got && fs.pid > 0 && fs_now() < deadline)
		fs_pump(&fs, 0.001);
}

static void
test_verify_in_slices(void)
{
	struct timeval		 hb_tv = { 0, 250000 };
	struct ipc_result	 res;
	struct store		 s;
	struct store_params	 p;
	MDB_txn			*txn;
	MDB_val			 k;
	char			 path[300], err[STORE_ERR_MAX], line[512];
	unsigned		 answers;
	uint32_t		 v;
	uint64_t		 h;

	CU_ASSERT_FATAL(fs_init(&fs, NULL) == 0);
	CU_ASSERT_FATAL(fs_chain_init(&chain, BIG_CHAIN + 1, 16, 0) == 0);
	if (fs_start(&fs, NULL, START_TIMEOUT) == -1) {
		fs_dump_log(&fs);
		CU_FAIL_FATAL("stored did not start");
	}
	for (h = 1; h <= BIG_CHAIN; h += IPC_MAX_BLOCKS)
		CU_ASSERT_FATAL(append(h, IPC_MAX_BLOCKS, &res) == IPC_OK);
	CU_ASSERT_FATAL(res.height == BIG_CHAIN);

	/*
	 * Only our heartbeat is answered while the fake's are paused, and
	 * on the control channel it follows the verify request: a verify
	 * that blocked the loop would answer before it.
	 */
	CU_ASSERT_FATAL(event_del(fs.hb) == 0);
	fs_pump(&fs, 0.3);		/* heartbeats in flight */
	answers = fs.hb_answers;
	v = next_reqid();
	fs.want = v;
	fs.got = 0;
	CU_ASSERT_FATAL(ipc_send(fs.ctl, IPC_VERIFY, v, NULL) == 0);
	CU_ASSERT_FATAL(send_heartbeat(HB_SEQ) == 0);
	while (!fs.got && fs.hb_answers == answers && fs.pid > 0)
		fs_pump(&fs, 0.001);
	CU_ASSERT_FATAL(fs.hb_answers == answers + 1);
	CU_ASSERT_EQUAL(fs.st.seq, HB_SEQ);
	CU_ASSERT_FATAL(!fs.got);	/* the verify goes on */
	/* a request on syncd's channel (same id): answered first too */
	CU_ASSERT_FATAL(ipc_send(fs.chan[FS_SYNCD], IPC_STORE_TIP_REQ, v,
	    NULL) == 0);
	await_first(v, REQ_TIMEOUT);
	CU_ASSERT_FATAL(fs.got);
	CU_ASSERT_EQUAL(fs.ans.type, IPC_STORE_TIP);
	/* and a second verify is refused while the first runs (same id) */
	CU_ASSERT_FATAL(ipc_send(fs.ctl, IPC_VERIFY, v, NULL) == 0);
	await_first(v, REQ_TIMEOUT);
	CU_ASSERT_FATAL(fs.got);
	CU_ASSERT_FATAL(fs_result(&fs, &res) == 0);
	CU_ASSERT_EQUAL(res.code, IPC_ERR_BUSY);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.reason, "already running"));
	/* then the first verify's answer: the whole chain */
	CU_ASSERT_FATAL(fs_wait(&fs, v, 120) == 0);
	CU_ASSERT_EQUAL(fs.ans.type, IPC_VERIFY_ACK);
	CU_ASSERT_FATAL(fs_result(&fs, &res) == 0);
	CU_ASSERT_EQUAL(res.code, IPC_OK);
	CU_ASSERT_EQUAL(res.count, BIG_CHAIN + 1);
	CU_ASSERT_EQUAL(res.height, BIG_CHAIN);
	CU_ASSERT(memcmp(res.hash, chain.hash[BIG_CHAIN], 32) == 0);
	CU_ASSERT_FATAL(event_add(fs.hb, &hb_tv) == 0);
	CU_ASSERT(tn_file_contains(fs.log, "slices"));

	/* damage deep in the chain, stored stopped */
	CU_ASSERT(WIFEXITED(fs_kill(&fs, SIGTERM, 10)));
	snprintf(path, sizeof(path), "%s/%s", fs.data, STORE_FILE);
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.genesis = &chain.genesis;
	CU_ASSERT_FATAL(store_open(&s, &p, err, sizeof(err)) ==
	    STORE_OPEN_OK);
	CU_ASSERT_FATAL(mdb_txn_begin(s.env, NULL, 0, &txn) == 0);
	k.mv_data = chain.hash[40000];
	k.mv_size = 32;
	CU_ASSERT(mdb_del(txn, s.hashes, &k, NULL) == 0);
	CU_ASSERT(mdb_txn_commit(txn) == 0);
	store_close(&s);
	CU_ASSERT_FATAL(fs_start(&fs, NULL, START_TIMEOUT) == 0);
	/* the first inconsistency, the same as the standalone walk's */
	CU_ASSERT_FATAL(fs_request(&fs, FS_SYNCD, IPC_VERIFY, NULL, 120) == 0);
	CU_ASSERT_EQUAL(fs.ans.type, IPC_VERIFY_ACK);
	CU_ASSERT_FATAL(fs_result(&fs, &res) == 0);
	CU_ASSERT_EQUAL(res.code, IPC_ERR_CONFLICT);
	CU_ASSERT_EQUAL(res.count, 40000);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.reason, "block 40000: hash index"));
	CU_ASSERT_EQUAL(fs_verify(&fs, line, sizeof(line)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "FAILED after 40000 blocks"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, res.reason));
	/* stored still serves */
	CU_ASSERT_FATAL(fs_request(&fs, FS_NETD, IPC_STORE_TIP_REQ, NULL,
	    REQ_TIMEOUT) == 0);
	CU_ASSERT_EQUAL(fs.ans.type, IPC_STORE_TIP);
	stop();
}

static void
test_other_network(void)
{
	static const char *const testnet[] = { "--network", "testnet", NULL };
	struct genesis	g;
	uint8_t		pk[1][32], sk[64];
	char		path[300], hex[2 * GENESIS_MAX_LEN + 1];
	FILE		*f;
	int		st;

	start();
	CU_ASSERT(WIFEXITED(fs_kill(&fs, SIGTERM, 10)));
	/* a genesis file for another network, next to the data */
	devnet_keypair(pk[0], sk);
	CU_ASSERT_FATAL(genesis_make(&g, "testnet", 7, pk, 1) == 0);
	snprintf(path, sizeof(path), "%s/testnet.genesis", fs.data);
	CU_ASSERT_FATAL((f = fopen(path, "w")) != NULL);
	fprintf(f, "%s\n", store_hex(g.raw, g.len, hex,
	    sizeof(hex)));
	fclose(f);
	CU_ASSERT(fs_start(&fs, testnet, START_TIMEOUT) == -1);
	st = fs.status;
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == WORKER_EXIT_CONFIG);
	CU_ASSERT(tn_file_contains(fs.log, "belongs to network \"devnet\""));
	CU_ASSERT(tn_file_contains(fs.log, "configured for network \"testnet\""));
	stop();
}

/* the tip as ch (FS_NETD: what peers are served) sees it */
static void
tip_as(enum fs_as as, struct ipc_tip *t)
{
	struct rbuf r;

	CU_ASSERT_FATAL(fs_request(&fs, as, IPC_STORE_TIP_REQ, NULL,
	    REQ_TIMEOUT) == 0);
	CU_ASSERT_FATAL(fs.ans.type == IPC_STORE_TIP);
	rbuf_init(&r, fs.ans.body, fs.ans.len);
	CU_ASSERT_FATAL(ipc_tip_decode(&r, t) == 0);
}

/* blocks from from as ch sees them: the code, *n of them */
static uint8_t
blocks_as(enum fs_as as, uint64_t from, uint32_t *n)
{
	struct ipc_range	q = { from, 100, 0 };
	struct ipc_blocks	bl;
	struct wbuf		w;
	struct rbuf		r;
	uint8_t			code;

	wbuf_init(&w, 64);
	ipc_range_encode(&w, &q);
	CU_ASSERT_FATAL(fs_request(&fs, as, IPC_STORE_BLOCKS_REQ, &w,
	    REQ_TIMEOUT) == 0);
	wbuf_free(&w);
	CU_ASSERT_FATAL(fs.ans.type == IPC_STORE_BLOCKS);
	rbuf_init(&r, fs.ans.body, fs.ans.len);
	CU_ASSERT_FATAL(ipc_blocks_decode(&r, &bl) == 0);
	code = bl.code;
	*n = bl.count;
	ipc_blocks_free(&bl);
	return code;
}

static uint8_t
audited_as_syncd(uint64_t from, uint64_t to)
{
	struct ipc_audited	a = { from, to };
	struct ipc_result	res;
	struct wbuf		w;

	wbuf_init(&w, 32);
	ipc_audited_encode(&w, &a);
	CU_ASSERT_FATAL(fs_request(&fs, FS_SYNCD, IPC_STORE_AUDITED, &w,
	    REQ_TIMEOUT) == 0);
	wbuf_free(&w);
	CU_ASSERT_FATAL(fs_result(&fs, &res) == 0);
	return res.code;
}

/*
 * stored tells its channels apart (docs/sync.md, "Trusted checkpoint"):
 * netd's tip and block reads stop below the blocks whose signatures
 * syncd skipped, syncd's do not; netd may not report an audit.
 */
static void
test_unchecked_views(void)
{
	struct fs_batch		bt;
	struct ipc_result	res;
	struct ipc_tip		t;
	struct wbuf		w;
	uint32_t		n, reqid;

	start();
	CU_ASSERT_FATAL(fs_batch_make(&bt, &chain, 1, 50) == 0);
	bt.a.unchecked_lo = 11;
	bt.a.unchecked_hi = 40;
	CU_ASSERT_FATAL(fs_append(&fs, &bt.a, &res, REQ_TIMEOUT) == 0);
	CU_ASSERT_EQUAL(res.code, IPC_OK);
	fs_batch_free(&bt);
	tip_as(FS_SYNCD, &t);
	CU_ASSERT(t.height == 50 && t.unchecked_lo == 11 &&
	    t.unchecked_hi == 40);
	tip_as(FS_NETD, &t);
	CU_ASSERT_EQUAL(t.height, 10);
	CU_ASSERT(memcmp(t.hash, chain.hash[10], 32) == 0);
	CU_ASSERT_EQUAL(blocks_as(FS_NETD, 5, &n), IPC_OK);
	CU_ASSERT_EQUAL(n, 6);
	CU_ASSERT_EQUAL(blocks_as(FS_NETD, 11, &n), IPC_ERR_RANGE);
	CU_ASSERT_EQUAL(blocks_as(FS_SYNCD, 11, &n), IPC_OK);
	CU_ASSERT_EQUAL(n, 40);
	/* only syncd reports audits: netd's is dropped unanswered */
	wbuf_init(&w, 32);
	put_u64(&w, 11);
	put_u64(&w, 40);
	reqid = fs_send(&fs, FS_NETD, IPC_STORE_AUDITED, &w);
	CU_ASSERT(reqid != 0);
	CU_ASSERT(fs_wait(&fs, reqid, 1.0) == -1);
	wbuf_free(&w);
	CU_ASSERT_EQUAL(audited_as_syncd(12, 20), IPC_ERR_RANGE);
	CU_ASSERT_EQUAL(audited_as_syncd(11, 20), IPC_OK);
	tip_as(FS_NETD, &t);
	CU_ASSERT_EQUAL(t.height, 20);
	CU_ASSERT_EQUAL(audited_as_syncd(21, 40), IPC_OK);
	tip_as(FS_NETD, &t);
	CU_ASSERT(t.height == 50 && t.unchecked_lo == 0);
	CU_ASSERT_EQUAL(blocks_as(FS_NETD, 11, &n), IPC_OK);
	CU_ASSERT_EQUAL(n, 40);
	stop();
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "every request type", test_requests },
		{ "malformed requests answered, service goes on",
		    test_malformed },
		{ "stored --verify", test_verify_standalone },
		{ "verify in slices: heartbeats and requests answered "
		    "meanwhile", test_verify_in_slices },
		{ "another network is refused with EX_CONFIG",
		    test_other_network },
		{ "netd is served only verified blocks, syncd all",
		    test_unchecked_views },
	};
	struct tn_suite	 ts = { .name = "stored over IPC",
	    .cases = tests, .ncases = TN_NCASES(tests) };

	return tn_cunit_run(&ts);
}
