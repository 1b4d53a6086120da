/* SPDX-License-Identifier: ISC */
/*
 * test_store.c - the LMDB chain and address book (stored/store.c) on a
 * temporary environment, without IPC: every request type, the refusals
 * (gap, link, conflict, oversized, malformed), rollback and re-append,
 * map growth, reopening (another network, an unknown schema), address
 * book order and eviction, and verify finding damage, whole or in
 * slices while the chain grows or is rolled back.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "chainview.h"
#include "cunit.h"
#include "fakesup.h"
#include "store.h"

static char		dir[64];
static char		path[128];
static struct fs_chain	chain;

static int
setup_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tn-store-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	return 0;
}

static enum store_open_status
open_store(struct store *s, const struct genesis *g, size_t map,
    uint32_t addr_max, char *err, size_t errlen)
{
	struct store_params p;

	memset(&p, 0, sizeof(p));
	p.path = path;
	p.map_size = map ? map : (size_t)64 << 20;
	p.addr_max = addr_max;
	p.max_reorg = 10;
	p.genesis = g;
	return store_open(s, &p, err, errlen);
}

static void
fresh(struct store *s)
{
	char err[STORE_ERR_MAX];

	CU_ASSERT_FATAL(setup_dir() == 0);
	CU_ASSERT_FATAL(fs_chain_init(&chain, 5000, 200, 1) == 0);
	CU_ASSERT_FATAL(open_store(s, &chain.genesis, 0, 16, err,
	    sizeof(err)) == STORE_OPEN_OK);
}

static void
done(struct store *s)
{
	store_close(s);
	fs_chain_free(&chain);
	fs_store_dir_remove(dir);
}

/* append heights from..from+count-1 of c */
static uint8_t
append(struct store *s, struct fs_chain *c, uint64_t from, uint32_t count,
    int rollback, uint64_t to, struct ipc_result *res)
{
	struct fs_batch bt;

	CU_ASSERT_FATAL(fs_batch_make(&bt, c, from, count) == 0);
	bt.a.rollback = (uint8_t)rollback;
	bt.a.rollback_to = to;
	store_append(s, &bt.a, res);
	fs_batch_free(&bt);
	return res->code;
}

static void
assert_whole(struct store *s, uint64_t height)
{
	struct ipc_result res;

	store_verify(s, &res);
	CU_ASSERT_EQUAL(res.code, IPC_OK);
	if (res.code != IPC_OK)
		fprintf(stderr, "verify: %s\n", res.reason);
	CU_ASSERT_EQUAL(res.count, height + 1);
	CU_ASSERT_EQUAL(s->height, height);
}

static void
test_new_store(void)
{
	struct store		s;
	struct ipc_tip		t;
	struct ipc_point	pt;
	struct ipc_result	res;

	fresh(&s);
	store_tip(&s, &t);
	CU_ASSERT_EQUAL(t.height, 0);
	CU_ASSERT(memcmp(t.hash, chain.genesis.block.hash, 32) == 0);
	CU_ASSERT(memcmp(t.genesis, chain.genesis.block.hash, 32) == 0);
	store_height_of(&s, chain.genesis.block.hash, &pt, &res);
	CU_ASSERT(res.code == IPC_OK && pt.found && pt.height == 0);
	assert_whole(&s, 0);
	done(&s);
}

static void
test_append_and_reads(void)
{
	struct store		s;
	struct ipc_result	res;
	struct ipc_range	q;
	struct ipc_blocks	bl;
	struct ipc_hashes	h, loc;
	struct ipc_point	pt;
	struct wbuf		w;
	struct rbuf		r;
	struct block		b;
	/* ten one by one below the tip, then doubling steps, then genesis */
	static const uint64_t	want[] = { 100, 99, 98, 97, 96, 95, 94, 93,
				    92, 91, 89, 85, 77, 61, 29, 0 };
	uint32_t		i;

	fresh(&s);
	CU_ASSERT_EQUAL(append(&s, &chain, 1, 30, 0, 0, &res), IPC_OK);
	CU_ASSERT_EQUAL(res.count, 30);
	CU_ASSERT_EQUAL(append(&s, &chain, 31, 70, 0, 0, &res), IPC_OK);
	CU_ASSERT_EQUAL(res.height, 100);
	CU_ASSERT(memcmp(res.hash, chain.hash[100], 32) == 0);

	/* blocks by range: count, bytes, at least one, out of range */
	q.from = 10;
	q.count = 5;
	q.max_bytes = 0;
	wbuf_init(&w, IPC_MAX_MSG);
	store_blocks(&s, &q, &w);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_FATAL(ipc_blocks_decode(&r, &bl) == 0);
	CU_ASSERT_EQUAL(bl.code, IPC_OK);
	CU_ASSERT_EQUAL(bl.count, 5);
	for (i = 0; i < bl.count; i++) {
		CU_ASSERT(block_decode(bl.v[i].p, bl.v[i].len, &b) == 0);
		CU_ASSERT(memcmp(b.hash, chain.hash[10 + i], 32) == 0);
	}
	ipc_blocks_free(&bl);
	wbuf_reset(&w);
	q.count = 1000;
	q.max_bytes = 1000;	/* less than 3 blocks of 354 bytes */
	store_blocks(&s, &q, &w);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_FATAL(ipc_blocks_decode(&r, &bl) == 0);
	CU_ASSERT_EQUAL(bl.count, 2);
	ipc_blocks_free(&bl);
	wbuf_reset(&w);
	q.max_bytes = 1;	/* still one block */
	store_blocks(&s, &q, &w);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_FATAL(ipc_blocks_decode(&r, &bl) == 0);
	CU_ASSERT_EQUAL(bl.count, 1);
	ipc_blocks_free(&bl);
	wbuf_reset(&w);
	q.from = 95;
	q.count = 0;		/* as many as fit: up to the tip */
	q.max_bytes = 0;
	store_blocks(&s, &q, &w);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_FATAL(ipc_blocks_decode(&r, &bl) == 0);
	CU_ASSERT_EQUAL(bl.count, 6);
	ipc_blocks_free(&bl);
	wbuf_reset(&w);
	q.from = 101;
	store_blocks(&s, &q, &w);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_FATAL(ipc_blocks_decode(&r, &bl) == 0);
	CU_ASSERT_EQUAL(bl.code, IPC_ERR_RANGE);
	CU_ASSERT_EQUAL(bl.count, 0);
	ipc_blocks_free(&bl);
	wbuf_free(&w);

	/* locator: the heights of chain/locator.c */
	store_locator(&s, &h, &res);
	CU_ASSERT_EQUAL(res.code, IPC_OK);
	CU_ASSERT_EQUAL(h.count, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < h.count && i < sizeof(want) / sizeof(want[0]); i++)
		CU_ASSERT(memcmp(h.h[i], chain.hash[want[i]], 32) == 0);

	/* fork point: the highest known hash of a locator */
	memset(&loc, 0, sizeof(loc));
	loc.count = 3;
	memset(loc.h[0], 0xab, 32);	/* unknown */
	memcpy(loc.h[1], chain.hash[40], 32);
	memcpy(loc.h[2], chain.hash[77], 32);
	store_fork_point(&s, &loc, &pt, &res);
	CU_ASSERT(res.code == IPC_OK && pt.found && pt.height == 77);
	CU_ASSERT(memcmp(pt.hash, chain.hash[77], 32) == 0);
	loc.count = 1;			/* only the unknown one */
	store_fork_point(&s, &loc, &pt, &res);
	CU_ASSERT(res.code == IPC_OK && !pt.found);

	/* height by hash */
	store_height_of(&s, chain.hash[64], &pt, &res);
	CU_ASSERT(res.code == IPC_OK && pt.found && pt.height == 64);
	store_height_of(&s, loc.h[0], &pt, &res);
	CU_ASSERT(res.code == IPC_OK && !pt.found);
	assert_whole(&s, 100);
	done(&s);
}

static void
test_idempotent(void)
{
	struct store		s;
	struct ipc_result	res;

	fresh(&s);
	CU_ASSERT_EQUAL(append(&s, &chain, 1, 50, 0, 0, &res), IPC_OK);
	/* the same batch again: success, nothing written */
	CU_ASSERT_EQUAL(append(&s, &chain, 1, 50, 0, 0, &res), IPC_OK);
	CU_ASSERT_EQUAL(res.count, 0);
	CU_ASSERT_EQUAL(res.height, 50);
	/* overlapping: the new part is written */
	CU_ASSERT_EQUAL(append(&s, &chain, 41, 20, 0, 0, &res), IPC_OK);
	CU_ASSERT_EQUAL(res.count, 10);
	CU_ASSERT_EQUAL(res.height, 60);
	assert_whole(&s, 60);
	done(&s);
}

static void
test_refusals(void)
{
	struct store		s;
	struct ipc_result	res;
	struct fs_chain		fork;
	struct fs_batch		bt;
	struct ipc_append	big;
	struct genesis		other;
	struct blob		blob;
	uint8_t			pk[1][32];

	fresh(&s);
	CU_ASSERT_EQUAL(append(&s, &chain, 1, 20, 0, 0, &res), IPC_OK);
	CU_ASSERT_FATAL(fs_chain_fork(&fork, &chain, 15, 7) == 0);
	CU_ASSERT_FATAL(fs_batch_make(&bt, &chain, 21, 10) == 0);
	fs_batch_free(&bt);			/* chain knows 21..30 now */
	CU_ASSERT_FATAL(fs_batch_make(&bt, &fork, 16, 10) == 0);
	fs_batch_free(&bt);			/* fork knows 16..25 */

	/* gap: starts above tip + 1 */
	CU_ASSERT_EQUAL(append(&s, &chain, 22, 5, 0, 0, &res), IPC_ERR_GAP);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.reason, "starts at 22"));
	/* wrong link: the fork's block 21 does not link to our 20 */
	CU_ASSERT_EQUAL(append(&s, &fork, 21, 2, 0, 0, &res), IPC_ERR_LINK);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.reason, "does not link"));
	/* conflict: another block at a stored height, no rollback */
	CU_ASSERT_EQUAL(append(&s, &fork, 16, 5, 0, 0, &res),
	    IPC_ERR_CONFLICT);
	/* a batch with a hole in it */
	CU_ASSERT_FATAL(fs_batch_make(&bt, &chain, 21, 5) == 0);
	bt.v[2] = bt.v[3];
	bt.a.blocks.count = 4;
	store_append(&s, &bt.a, &res);
	CU_ASSERT_EQUAL(res.code, IPC_ERR_GAP);
	/* a damaged block */
	bt.buf[bt.v[0].len - 1] ^= 1;
	bt.a.blocks.count = 1;
	store_append(&s, &bt.a, &res);
	CU_ASSERT_EQUAL(res.code, IPC_ERR_MALFORMED);
	fs_batch_free(&bt);
	/* oversized: too many blocks, too many bytes */
	memset(&big, 0, sizeof(big));
	big.blocks.count = IPC_MAX_BLOCKS + 1;
	big.blocks.v = calloc(big.blocks.count, sizeof(*big.blocks.v));
	CU_ASSERT_FATAL(big.blocks.v != NULL);
	store_append(&s, &big, &res);
	CU_ASSERT_EQUAL(res.code, IPC_ERR_TOO_LARGE);
	big.blocks.count = 40;
	big.blocks.v[0].len = BLOCK_MAX_LEN;
	big.blocks.v[1].len = IPC_MAX_BLOCK_BYTES;
	store_append(&s, &big, &res);
	CU_ASSERT_EQUAL(res.code, IPC_ERR_TOO_LARGE);
	free(big.blocks.v);
	/* empty batch without rollback */
	memset(&big, 0, sizeof(big));
	store_append(&s, &big, &res);
	CU_ASSERT_EQUAL(res.code, IPC_ERR_MALFORMED);
	/* another genesis at height 0: a conflict; with rollback: refused */
	devnet_keypair(pk[0], chain.sk);
	CU_ASSERT_FATAL(genesis_make(&other, "othernet", 1, pk, 1) == 0);
	blob.p = other.raw;
	blob.len = (uint32_t)other.len;
	big.blocks.count = 1;
	big.blocks.v = &blob;
	store_append(&s, &big, &res);
	CU_ASSERT_EQUAL(res.code, IPC_ERR_CONFLICT);
	big.rollback = 1;
	big.rollback_to = 0;
	store_append(&s, &big, &res);
	CU_ASSERT_EQUAL(res.code, IPC_ERR_RANGE);
	/* nothing was written by any of them */
	assert_whole(&s, 20);
	CU_ASSERT(memcmp(s.tip, chain.hash[20], 32) == 0);
	fs_chain_free(&fork);
	done(&s);
}

static void
test_rollback(void)
{
	struct store		s;
	struct ipc_result	res;
	struct ipc_point	pt;
	struct fs_chain		fork;
	struct fs_batch		bt;
	uint64_t		h;

	fresh(&s);
	CU_ASSERT_EQUAL(append(&s, &chain, 1, 20, 0, 0, &res), IPC_OK);
	CU_ASSERT_FATAL(fs_chain_fork(&fork, &chain, 15, 1) == 0);
	/* roll back to 15 and append the fork's 16..25 in one txn */
	CU_ASSERT_EQUAL(append(&s, &fork, 16, 10, 1, 15, &res), IPC_OK);
	CU_ASSERT_EQUAL(res.count, 10);
	CU_ASSERT_EQUAL(res.height, 25);
	CU_ASSERT(memcmp(res.hash, fork.hash[25], 32) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.reason, "rolled back 5"));
	for (h = 16; h <= 20; h++) {
		store_height_of(&s, chain.hash[h], &pt, &res);
		CU_ASSERT(res.code == IPC_OK && !pt.found);
	}
	store_height_of(&s, fork.hash[16], &pt, &res);
	CU_ASSERT(pt.found && pt.height == 16);
	assert_whole(&s, 25);
	/* the same reorg again (a retry): success, nothing written */
	CU_ASSERT_EQUAL(append(&s, &fork, 16, 10, 1, 15, &res), IPC_OK);
	CU_ASSERT_EQUAL(res.count, 0);
	CU_ASSERT_EQUAL(res.height, 25);
	/* back to the first chain: deeper than the limit of 10 is refused */
	CU_ASSERT_FATAL(fs_batch_make(&bt, &chain, 21, 10) == 0);
	fs_batch_free(&bt);
	CU_ASSERT_EQUAL(append(&s, &chain, 15, 16, 1, 14, &res),
	    IPC_ERR_REFUSED);
	/* above the tip, or not followed by rollback_to + 1 */
	CU_ASSERT_EQUAL(append(&s, &chain, 16, 5, 1, 26, &res),
	    IPC_ERR_RANGE);
	CU_ASSERT_EQUAL(append(&s, &chain, 17, 5, 1, 15, &res),
	    IPC_ERR_RANGE);
	assert_whole(&s, 25);
	/* back to the first chain within the limit */
	CU_ASSERT_EQUAL(append(&s, &chain, 16, 15, 1, 15, &res), IPC_OK);
	CU_ASSERT_EQUAL(res.height, 30);
	CU_ASSERT(memcmp(s.tip, chain.hash[30], 32) == 0);
	assert_whole(&s, 30);
	/* a pure rollback (no blocks) */
	memset(&bt, 0, sizeof(bt));
	bt.a.rollback = 1;
	bt.a.rollback_to = 22;
	store_append(&s, &bt.a, &res);
	CU_ASSERT_EQUAL(res.code, IPC_OK);
	CU_ASSERT_EQUAL(res.height, 22);
	assert_whole(&s, 22);
	/* and re-append */
	CU_ASSERT_EQUAL(append(&s, &chain, 23, 8, 0, 0, &res), IPC_OK);
	assert_whole(&s, 30);
	/*
	 * A rollback whose whole batch is stored already, below the tip:
	 * the batch's last block becomes the tip, what was above goes.
	 */
	CU_ASSERT_EQUAL(append(&s, &chain, 21, 5, 1, 20, &res), IPC_OK);
	CU_ASSERT_EQUAL(res.height, 25);
	CU_ASSERT_EQUAL(res.count, 0);
	CU_ASSERT(memcmp(s.tip, chain.hash[25], 32) == 0);
	store_height_of(&s, chain.hash[26], &pt, &res);
	CU_ASSERT(res.code == IPC_OK && !pt.found);
	assert_whole(&s, 25);
	fs_chain_free(&fork);
	done(&s);
}

static void
test_map_growth_and_reopen(void)
{
	struct store		s;
	struct ipc_result	res;
	char			err[STORE_ERR_MAX];
	uint64_t		h;

	CU_ASSERT_FATAL(setup_dir() == 0);
	CU_ASSERT_FATAL(fs_chain_init(&chain, 5000, 1024, 0) == 0);
	CU_ASSERT_FATAL(open_store(&s, &chain.genesis, 256 << 10, 16, err,
	    sizeof(err)) == STORE_OPEN_OK);
	for (h = 1; h < 3000; h += 500)
		CU_ASSERT_EQUAL(append(&s, &chain, h, 500, 0, 0, &res),
		    IPC_OK);
	CU_ASSERT(s.map_grown > 0);
	CU_ASSERT_EQUAL(s.height, 3000);
	store_close(&s);
	/* reopen: everything is there */
	CU_ASSERT_FATAL(open_store(&s, &chain.genesis, 256 << 10, 16, err,
	    sizeof(err)) == STORE_OPEN_OK);
	CU_ASSERT_EQUAL(s.height, 3000);
	CU_ASSERT(memcmp(s.tip, chain.hash[3000], 32) == 0);
	assert_whole(&s, 3000);
	store_close(&s);
	CU_ASSERT(store_verify_dir(dir, NULL, &res) == 0);
	CU_ASSERT_EQUAL(res.count, 3001);
	fs_chain_free(&chain);
	fs_store_dir_remove(dir);
}

static void
test_other_network_and_schema(void)
{
	struct store		s;
	struct genesis		other;
	uint8_t			pk[1][32], sk[64], v[4];
	char			err[STORE_ERR_MAX];
	MDB_txn			*txn;
	MDB_val			k, d;

	fresh(&s);
	store_close(&s);
	devnet_keypair(pk[0], sk);
	CU_ASSERT_FATAL(genesis_make(&other, "testnet", 5, pk, 1) == 0);
	CU_ASSERT_EQUAL(open_store(&s, &other, 0, 16, err, sizeof(err)),
	    STORE_OPEN_MISMATCH);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"devnet\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"testnet\""));
	/* the same name with another genesis is refused as well */
	CU_ASSERT_FATAL(genesis_make(&other, "devnet", 5, pk, 1) == 0);
	CU_ASSERT_EQUAL(open_store(&s, &other, 0, 16, err, sizeof(err)),
	    STORE_OPEN_MISMATCH);
	/* an unknown schema version */
	CU_ASSERT_FATAL(open_store(&s, &chain.genesis, 0, 16, err,
	    sizeof(err)) == STORE_OPEN_OK);
	be32_store(v, 99);
	CU_ASSERT_FATAL(mdb_txn_begin(s.env, NULL, 0, &txn) == 0);
	k.mv_data = (void *)"schema";
	k.mv_size = 6;
	d.mv_data = v;
	d.mv_size = 4;
	CU_ASSERT(mdb_put(txn, s.meta, &k, &d, 0) == 0);
	CU_ASSERT(mdb_txn_commit(txn) == 0);
	store_close(&s);
	CU_ASSERT_EQUAL(open_store(&s, &chain.genesis, 0, 16, err,
	    sizeof(err)), STORE_OPEN_MISMATCH);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "schema version 99"));
	fs_chain_free(&chain);
	fs_store_dir_remove(dir);
}

static void
test_verify_finds_damage(void)
{
	struct store		s;
	struct ipc_result	res;
	MDB_txn			*txn;
	MDB_val			k, d;
	uint8_t			key[8];

	fresh(&s);
	CU_ASSERT_EQUAL(append(&s, &chain, 1, 40, 0, 0, &res), IPC_OK);
	/* drop one index entry */
	CU_ASSERT_FATAL(mdb_txn_begin(s.env, NULL, 0, &txn) == 0);
	k.mv_data = chain.hash[17];
	k.mv_size = 32;
	CU_ASSERT(mdb_del(txn, s.hashes, &k, NULL) == 0);
	CU_ASSERT(mdb_txn_commit(txn) == 0);
	store_verify(&s, &res);
	CU_ASSERT_EQUAL(res.code, IPC_ERR_CONFLICT);
	CU_ASSERT_EQUAL(res.count, 17);
	/* put it back, then remove a block from the middle */
	CU_ASSERT_FATAL(mdb_txn_begin(s.env, NULL, 0, &txn) == 0);
	be64_store(key, 17);
	d.mv_data = key;
	d.mv_size = 8;
	CU_ASSERT(mdb_put(txn, s.hashes, &k, &d, 0) == 0);
	CU_ASSERT(mdb_txn_commit(txn) == 0);
	assert_whole(&s, 40);
	CU_ASSERT_FATAL(mdb_txn_begin(s.env, NULL, 0, &txn) == 0);
	be64_store(key, 30);
	k.mv_data = key;
	k.mv_size = 8;
	CU_ASSERT(mdb_del(txn, s.blocks, &k, NULL) == 0);
	CU_ASSERT(mdb_txn_commit(txn) == 0);
	store_verify(&s, &res);
	CU_ASSERT_EQUAL(res.code, IPC_ERR_GAP);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.reason, "29 is followed by 31"));
	done(&s);
}

/* the rest of a sliced verify, slices of blocks blocks: the answer in res */
static void
verify_rest(struct store *s, struct store_verifier *v, uint32_t blocks,
    struct ipc_result *res)
{
	while (store_verify_step(s, v, blocks, UINT64_MAX, res) == 0)
		;
}

/* res is verify's answer "good" for heights 0..tip, tip's hash h */
static int
verified(const struct ipc_result *res, uint64_t tip, const uint8_t *h)
{
	return res->code == IPC_OK && res->count == tip + 1 &&
	    res->height == tip && memcmp(res->hash, h, 32) == 0;
}

/* a sliced verify from the start to the end; the verifier stays in v */
static void
verify_sliced(struct store *s, struct store_verifier *v, uint32_t blocks,
    uint64_t bytes, struct ipc_result *res)
{
	store_verify_begin(v);
	while (store_verify_step(s, v, blocks, bytes, res) == 0)
		;
}

/* slices of blocks until at least next blocks are walked, not the end */
static void
verify_until(struct store *s, struct store_verifier *v, uint64_t next,
    uint32_t blocks)
{
	struct ipc_result res;

	while (v->next < next)
		CU_ASSERT_FATAL(store_verify_step(s, v, blocks, UINT64_MAX,
		    &res) == 0);
}

static void
test_verify_slices(void)
{
	struct store		s;
	struct store_verifier	v;
	struct ipc_result	res, whole;
	struct fs_chain		fork;
	MDB_txn			*txn;
	MDB_val			k;
	int			i;

	fresh(&s);
	CU_ASSERT_EQUAL(append(&s, &chain, 1, 300, 0, 0, &res), IPC_OK);
	store_verify(&s, &whole);
	CU_ASSERT_FATAL(whole.code == IPC_OK && whole.count == 301);
	/* slices of 7 blocks: the same answer, in ceil(301 / 7) slices */
	verify_sliced(&s, &v, 7, UINT64_MAX, &res);
	CU_ASSERT(verified(&res, 300, chain.hash[300]));
	CU_ASSERT_STRING_EQUAL(res.reason, whole.reason);
	CU_ASSERT_EQUAL(v.slices, 43);
	CU_ASSERT_EQUAL(v.blocks, 301);
	/* a byte bound every block is over: one block per slice */
	verify_sliced(&s, &v, 1000, 1, &res);
	CU_ASSERT(res.code == IPC_OK && res.count == 301);
	CU_ASSERT_EQUAL(v.slices, 301);

	/* the chain grows meanwhile: heights 0..300 as at the start */
	store_verify_begin(&v);
	verify_until(&s, &v, 100, 50);
	CU_ASSERT_EQUAL(append(&s, &chain, 301, 20, 0, 0, &res), IPC_OK);
	verify_rest(&s, &v, 50, &res);
	CU_ASSERT(verified(&res, 300, chain.hash[300]));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.reason, "grew to 320"));

	/* a rollback above the walked height: the chain as it is now */
	CU_ASSERT_FATAL(fs_chain_fork(&fork, &chain, 315, 1) == 0);
	store_verify_begin(&v);
	verify_until(&s, &v, 100, 50);
	CU_ASSERT_EQUAL(append(&s, &fork, 316, 3, 1, 315, &res), IPC_OK);
	verify_rest(&s, &v, 50, &res);
	CU_ASSERT(verified(&res, 318, fork.hash[318]));
	CU_ASSERT_EQUAL(v.restarts, 0);

	/* below it: the walk starts again from 0, at the tip then */
	store_verify_begin(&v);
	verify_until(&s, &v, 300, 50);
	verify_until(&s, &v, 317, 1);	/* fork's 316 walked */
	CU_ASSERT_EQUAL(append(&s, &chain, 313, 8, 1, 312, &res), IPC_OK);
	verify_rest(&s, &v, 50, &res);
	CU_ASSERT(verified(&res, 320, chain.hash[320]));
	CU_ASSERT_EQUAL(v.restarts, 1);

	/* and not forever */
	store_verify_begin(&v);
	for (i = 0; i <= STORE_VERIFY_RESTARTS; i++) {
		if (i > 0) {
			CU_ASSERT_FATAL(store_verify_step(&s, &v, 50,
			    UINT64_MAX, &res) == 0);
			CU_ASSERT_EQUAL(v.restarts, (unsigned)i);
			CU_ASSERT_EQUAL(v.next, 50);
		}
		verify_until(&s, &v, 300, 50);
		verify_until(&s, &v, 317, 1);
		if (i % 2 == 0)
			(void)append(&s, &fork, 313, 6, 1, 312, &res);
		else
			(void)append(&s, &chain, 313, 8, 1, 312, &res);
		CU_ASSERT_EQUAL(res.code, IPC_OK);
	}
	CU_ASSERT_EQUAL(store_verify_step(&s, &v, 50, UINT64_MAX, &res), 1);
	CU_ASSERT_EQUAL(res.code, IPC_ERR_BUSY);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.reason, "rolled back"));
	CU_ASSERT_EQUAL(v.restarts, STORE_VERIFY_RESTARTS);
	assert_whole(&s, 320);

	/* damage: the same first inconsistency in slices as in one walk */
	CU_ASSERT_FATAL(mdb_txn_begin(s.env, NULL, 0, &txn) == 0);
	k.mv_data = chain.hash[117];
	k.mv_size = 32;
	CU_ASSERT(mdb_del(txn, s.hashes, &k, NULL) == 0);
	CU_ASSERT(mdb_txn_commit(txn) == 0);
	store_verify(&s, &whole);
	CU_ASSERT(whole.code == IPC_ERR_CONFLICT && whole.count == 117);
	verify_sliced(&s, &v, 7, UINT64_MAX, &res);
	CU_ASSERT(res.code == whole.code && res.count == whole.count);
	CU_ASSERT_STRING_EQUAL(res.reason, whole.reason);
	CU_ASSERT_EQUAL(v.slices, 17);	/* 0..118 in 17 slices of 7 */
	fs_chain_free(&fork);
	done(&s);
}

static struct ipc_addr
mkaddr(uint8_t last, uint64_t seen, uint64_t success, uint32_t failures)
{
	struct ipc_addr a;

	memset(&a, 0, sizeof(a));
	a.ip = V4(0x0a000000u | last);
	a.port = 24100;
	a.source = ADDR_EXCHANGE;
	a.last_seen = seen;
	a.last_success = success;
	a.failures = failures;
	return a;
}

static int
list_has(const struct ipc_addrs *l, uint8_t last)
{
	uint32_t i;

	for (i = 0; i < l->count; i++)
		if (same_ip(l->v[i].ip, V4(0x0a000000u | last)))
			return 1;
	return 0;
}

/*
 * store_peer_key for ip (netaddr_parse's forms) with a key of IPC_KEY_LEN
 * bytes fill: the outcome (enum peer_key_outcome), -1 when the answer is
 * not IPC_OK; the key it replaced into old (IPC_KEY_LEN bytes) unless NULL.
 */
static int
peer_key(struct store *s, const char *ip, uint8_t fill, uint8_t *old)
{
	struct ipc_peer_key	k;
	struct ipc_peer_key_ack	ack;
	struct ipc_result	res;

	memset(&k, 0, sizeof(k));
	CU_ASSERT_FATAL(netaddr_parse(ip, &k.ip) == 0);
	memset(k.key, fill, sizeof(k.key));
	store_peer_key(s, &k, &ack, &res);
	if (old != NULL)
		memcpy(old, ack.old, sizeof(ack.old));
	return res.code == IPC_OK ? ack.outcome : -1;
}

/* peer keys by address: new, same, changed, and a bounded table */
static void
test_peer_keys(void)
{
	struct store	s;
	uint8_t		old[IPC_KEY_LEN];
	char		ip[32];
	uint32_t	i;

	fresh(&s);		/* addr_max 16 */
	CU_ASSERT_EQUAL(peer_key(&s, "127.0.0.1", 1, NULL), PEER_KEY_NEW);
	CU_ASSERT_EQUAL(peer_key(&s, "127.0.0.1", 1, NULL), PEER_KEY_SAME);
	CU_ASSERT_EQUAL(peer_key(&s, "127.0.0.1", 2, old), PEER_KEY_CHANGED);
	CU_ASSERT(old[0] == 1 && old[31] == 1);
	/* the new one recorded */
	CU_ASSERT_EQUAL(peer_key(&s, "127.0.0.1", 2, NULL), PEER_KEY_SAME);
	for (i = 2; i <= 16; i++) {
		snprintf(ip, sizeof(ip), "127.0.0.%u", i);
		CU_ASSERT_EQUAL(peer_key(&s, ip, 2, NULL), PEER_KEY_NEW);
	}
	/*
	 * Full (issue 14, F3): a new peer is still recorded, in place of
	 * the least recently seen; 127.0.0.1, just seen again, stays.
	 */
	CU_ASSERT_EQUAL(peer_key(&s, "127.0.0.1", 2, NULL), PEER_KEY_SAME);
	CU_ASSERT_EQUAL(peer_key(&s, "127.0.0.17", 2, NULL), PEER_KEY_NEW);
	CU_ASSERT_EQUAL(peer_key(&s, "127.0.0.17", 2, NULL), PEER_KEY_SAME);
	/* 127.0.0.2, the least recently seen: gone */
	CU_ASSERT_EQUAL(peer_key(&s, "127.0.0.2", 2, NULL), PEER_KEY_NEW);
	CU_ASSERT_EQUAL(peer_key(&s, "127.0.0.1", 2, NULL), PEER_KEY_SAME);
	done(&s);
}

/*
 * Issue 14, F3: a table filled once from throwaway IPv6 addresses does
 * not blind it: a later peer is recorded, and its key change detected.
 */
static void
test_peer_keys_flood(void)
{
	struct store	s;
	uint8_t		old[IPC_KEY_LEN];
	char		ip[32];
	uint32_t	i;

	fresh(&s);		/* addr_max 16 */
	for (i = 0; i < 100; i++) {	/* fd00:14::i, a throwaway each */
		snprintf(ip, sizeof(ip), "fd00:14::%x", i);
		CU_ASSERT(peer_key(&s, ip, 7, NULL) != -1);
	}
	CU_ASSERT_EQUAL(peer_key(&s, "192.0.2.14", 1, NULL), PEER_KEY_NEW);
	CU_ASSERT_EQUAL(peer_key(&s, "192.0.2.14", 2, old), PEER_KEY_CHANGED);
	CU_ASSERT(old[0] == 1);
	done(&s);
}

static void
test_address_book(void)
{
	struct store		s;
	struct ipc_result	res;
	struct ipc_addr		a;
	struct ipc_addr_mark	m;
	struct ipc_addr_query	q;
	struct ipc_addrs	l;
	int			i;

	fresh(&s);		/* addr_max 16 */
	a = mkaddr(1, 100, 90, 0);	/* good */
	store_addr_upsert(&s, &a, &res);
	CU_ASSERT_EQUAL(res.code, IPC_OK);
	a = mkaddr(2, 100, 95, 0);	/* better: more recent success */
	store_addr_upsert(&s, &a, &res);
	a = mkaddr(3, 200, 0, 0);	/* never connected */
	store_addr_upsert(&s, &a, &res);
	a = mkaddr(4, 200, 99, 5);	/* failing lately */
	store_addr_upsert(&s, &a, &res);
	a = mkaddr(5, 50, 0, 0);	/* port 0 is refused */
	a.port = 0;
	store_addr_upsert(&s, &a, &res);
	CU_ASSERT_EQUAL(res.code, IPC_ERR_MALFORMED);
	CU_ASSERT_EQUAL(store_addr_count(&s), 4);

	q.max = 10;
	q.purpose = ADDR_FOR_DIAL;
	q.now = 300;
	store_addr_list(&s, &q, &l, &res);
	CU_ASSERT_FATAL(res.code == IPC_OK && l.count == 4);
	CU_ASSERT(same_ip(l.v[0].ip, V4(0x0a000002)));
	CU_ASSERT(same_ip(l.v[1].ip, V4(0x0a000001)));
	CU_ASSERT(same_ip(l.v[2].ip, V4(0x0a000003)));
	CU_ASSERT(same_ip(l.v[3].ip, V4(0x0a000004)));
	ipc_addrs_free(&l);

	/* marks: failure, success resets, ban hides, unban shows */
	memset(&m, 0, sizeof(m));
	m.ip = V4(0x0a000002);
	m.port = 24100;
	m.outcome = ADDR_FAILURE;
	m.now = 300;
	for (i = 0; i < 3; i++)
		store_addr_mark(&s, &m, &res);
	CU_ASSERT_EQUAL(res.code, IPC_OK);
	store_addr_list(&s, &q, &l, &res);
	CU_ASSERT(same_ip(l.v[0].ip, V4(0x0a000001)));	/* 2 demoted */
	ipc_addrs_free(&l);
	m.outcome = ADDR_SUCCESS;
	m.now = 310;
	store_addr_mark(&s, &m, &res);
	store_addr_list(&s, &q, &l, &res);
	CU_ASSERT(same_ip(l.v[0].ip, V4(0x0a000002)));
	CU_ASSERT_EQUAL(l.v[0].failures, 0);
	CU_ASSERT_EQUAL(l.v[0].last_success, 310);
	ipc_addrs_free(&l);
	m.outcome = ADDR_BAN;
	m.until = 1000;
	store_addr_mark(&s, &m, &res);
	CU_ASSERT_EQUAL(res.code, IPC_OK);
	store_addr_list(&s, &q, &l, &res);
	CU_ASSERT_EQUAL(l.count, 3);
	CU_ASSERT(!list_has(&l, 2));
	ipc_addrs_free(&l);
	q.now = 1001;			/* the ban ran out */
	store_addr_list(&s, &q, &l, &res);
	CU_ASSERT(list_has(&l, 2));
	ipc_addrs_free(&l);
	q.now = 300;
	/* an upsert does not lift a ban */
	a = mkaddr(2, 400, 0, 0);
	store_addr_upsert(&s, &a, &res);
	store_addr_list(&s, &q, &l, &res);
	CU_ASSERT(!list_has(&l, 2));
	ipc_addrs_free(&l);
	m.outcome = ADDR_UNBAN;
	store_addr_mark(&s, &m, &res);
	store_addr_list(&s, &q, &l, &res);
	CU_ASSERT(list_has(&l, 2));
	ipc_addrs_free(&l);

	/* share: known good only (succeeded, not failing) */
	q.purpose = ADDR_FOR_SHARE;
	store_addr_list(&s, &q, &l, &res);
	CU_ASSERT_EQUAL(l.count, 2);
	CU_ASSERT(list_has(&l, 1) && list_has(&l, 2));
	ipc_addrs_free(&l);
	q.max = 1;
	store_addr_list(&s, &q, &l, &res);
	CU_ASSERT_EQUAL(l.count, 1);
	ipc_addrs_free(&l);

	/* a ban of an unknown address is kept (port not known yet) */
	memset(&m, 0, sizeof(m));
	m.ip = V4(0x0a000063);
	m.outcome = ADDR_BAN;
	m.now = 300;
	m.until = 5000;
	store_addr_mark(&s, &m, &res);
	CU_ASSERT_EQUAL(res.code, IPC_OK);
	CU_ASSERT_EQUAL(store_addr_count(&s), 5);
	/* the bans, for netd's start: that one and 2, banned again */
	m.ip = V4(0x0a000002);
	m.port = 24100;
	m.until = 400;
	store_addr_mark(&s, &m, &res);
	q.purpose = ADDR_BANNED;
	q.max = 10;
	store_addr_list(&s, &q, &l, &res);
	CU_ASSERT_EQUAL(res.code, IPC_OK);
	CU_ASSERT_EQUAL(l.count, 2);
	CU_ASSERT(list_has(&l, 0x63) && list_has(&l, 2));
	ipc_addrs_free(&l);
	q.now = 401;			/* 2's ban ran out */
	store_addr_list(&s, &q, &l, &res);
	CU_ASSERT(l.count == 1 && list_has(&l, 0x63));
	CU_ASSERT(l.count == 1 && l.v[0].port == 0 &&
	    l.v[0].banned_until == 5000);
	ipc_addrs_free(&l);
	q.now = 300;
	m.ip = V4(0x0a000002);
	m.outcome = ADDR_UNBAN;
	store_addr_mark(&s, &m, &res);
	m.ip = V4(0x0a000063);
	m.port = 0;
	m.outcome = ADDR_BAN;
	m.until = 5000;

	/*
	 * A failure of an address never reached is not written (issue 11,
	 * item 1: made-up addresses became entries by failing); an unban
	 * of an address that is not banned says so.
	 */
	{
		struct ipc_addr_mark f;

		memset(&f, 0, sizeof(f));
		f.ip = V4(0x0a000064);
		f.port = 24100;
		f.outcome = ADDR_FAILURE;
		f.now = 300;
		store_addr_mark(&s, &f, &res);
		CU_ASSERT_EQUAL(res.code, IPC_ERR_REFUSED);
		CU_ASSERT_EQUAL(store_addr_count(&s), 5);
		f.outcome = ADDR_UNBAN;
		store_addr_mark(&s, &f, &res);
		CU_ASSERT_EQUAL(res.code, IPC_ERR_REFUSED);
		f.ip = V4(0x0a000001);	/* known, not banned */
		store_addr_mark(&s, &f, &res);
		CU_ASSERT_EQUAL(res.code, IPC_ERR_REFUSED);
		CU_ASSERT_EQUAL(store_addr_count(&s), 5);
	}

	/* eviction: fill to 16, then the worst unbanned entries go */
	for (i = 10; i < 21; i++) {
		a = mkaddr((uint8_t)i, 150 + i, 0, 0);
		store_addr_upsert(&s, &a, &res);
	}
	CU_ASSERT_EQUAL(store_addr_count(&s), 16);
	a = mkaddr(30, 500, 0, 0);
	store_addr_upsert(&s, &a, &res);
	CU_ASSERT_EQUAL(res.code, IPC_OK);
	CU_ASSERT_EQUAL(store_addr_count(&s), 16);
	q.max = 100;
	q.purpose = ADDR_FOR_DIAL;
	store_addr_list(&s, &q, &l, &res);
	CU_ASSERT(!list_has(&l, 4));	/* 5 failures: the worst, evicted */
	CU_ASSERT(list_has(&l, 30) && list_has(&l, 1) && list_has(&l, 2));
	ipc_addrs_free(&l);
	a = mkaddr(31, 501, 0, 0);
	store_addr_upsert(&s, &a, &res);
	store_addr_list(&s, &q, &l, &res);
	CU_ASSERT(!list_has(&l, 10));	/* then the oldest never-connected */
	CU_ASSERT(list_has(&l, 31) && list_has(&l, 11));
	ipc_addrs_free(&l);
	/* the banned entry survived both evictions */
	m.outcome = ADDR_UNBAN;
	store_addr_mark(&s, &m, &res);
	CU_ASSERT_EQUAL(store_addr_count(&s), 16);
	/* the book survives a reopen */
	store_close(&s);
	{
		char err[STORE_ERR_MAX];

		CU_ASSERT_FATAL(open_store(&s, &chain.genesis, 0, 16, err,
		    sizeof(err)) == STORE_OPEN_OK);
	}
	CU_ASSERT_EQUAL(store_addr_count(&s), 16);
	done(&s);
}

/* an address book entry of schema 1: 4-byte IPv4 key, the same value */
static void
put_v1_addr(MDB_txn *txn, struct store *s, const void *key, size_t klen,
    uint16_t port, uint32_t failures, uint64_t banned_until)
{
	uint8_t	v[31];
	MDB_val	k, d;

	memset(v, 0, sizeof(v));
	v[0] = ADDR_CONFIG;
	be16_store(v + 1, port);
	be64_store(v + 3, 100);			/* last seen */
	be64_store(v + 11, 90);			/* last success */
	be32_store(v + 19, failures);
	be64_store(v + 23, banned_until);
	k.mv_data = (void *)key;
	k.mv_size = klen;
	d.mv_data = v;
	d.mv_size = sizeof(v);
	CU_ASSERT(mdb_put(txn, s->addrs, &k, &d, 0) == 0);
}

/*
 * Issue 14: a data dir of schema 1 (an IPv4 address book, 4-byte keys)
 * is refused read-only with a clear message, migrated on the first
 * writable open (entries kept, as v4-mapped addresses; a key that cannot
 * be an IPv4 address dropped, never misread), and schema 2 afterwards.
 */
static void
test_schema1_migrated(void)
{
	static const uint8_t	 ip_a[4] = { 10, 0, 0, 7 };
	static const uint8_t	 ip_b[4] = { 127, 0, 0, 9 };
	static const uint8_t	 junk[5] = { 1, 2, 3, 4, 5 };
	struct store		 s;
	struct store_params	 p;
	struct ipc_addr_query	 q;
	struct ipc_addrs	 l;
	struct ipc_result	 res;
	uint8_t			 v[4];
	char			 err[STORE_ERR_MAX];
	MDB_txn			*txn;
	MDB_val			 k, d;
	uint32_t		 i;
	int			 seen = 0;

	fresh(&s);
	CU_ASSERT_FATAL(mdb_txn_begin(s.env, NULL, 0, &txn) == 0);
	be32_store(v, 1);
	k.mv_data = (void *)"schema";
	k.mv_size = 6;
	d.mv_data = v;
	d.mv_size = 4;
	CU_ASSERT(mdb_put(txn, s.meta, &k, &d, 0) == 0);
	put_v1_addr(txn, &s, ip_a, 4, 24100, 2, 0);
	put_v1_addr(txn, &s, ip_b, 4, 24101, 0, 5000);	/* banned */
	put_v1_addr(txn, &s, junk, 5, 24102, 0, 0);
	CU_ASSERT(mdb_txn_commit(txn) == 0);
	store_close(&s);

	/* read-only (stored --verify): refused, saying what to do */
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.map_size = (size_t)64 << 20;
	p.addr_max = 16;
	p.max_reorg = 10;
	p.readonly = 1;
	CU_ASSERT_EQUAL(store_open(&s, &p, err, sizeof(err)),
	    STORE_OPEN_MISMATCH);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "schema version 1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "migrate"));

	/* writable: migrated */
	CU_ASSERT_FATAL(open_store(&s, &chain.genesis, 0, 16, err,
	    sizeof(err)) == STORE_OPEN_OK);
	CU_ASSERT_EQUAL(store_addr_count(&s), 2);
	q.max = 10;
	q.purpose = ADDR_FOR_DIAL;
	q.now = 1000;
	store_addr_list(&s, &q, &l, &res);
	CU_ASSERT_FATAL(res.code == IPC_OK && l.count == 1);
	CU_ASSERT(same_ip(l.v[0].ip, V4(0x0a000007)));
	CU_ASSERT(l.v[0].port == 24100 && l.v[0].failures == 2 &&
	    l.v[0].source == ADDR_CONFIG && l.v[0].last_success == 90);
	ipc_addrs_free(&l);
	q.purpose = ADDR_BANNED;
	store_addr_list(&s, &q, &l, &res);
	CU_ASSERT_FATAL(res.code == IPC_OK);
	for (i = 0; i < l.count; i++)
		seen |= same_ip(l.v[i].ip, V4(0x7f000009)) &&
		    l.v[i].banned_until == 5000 && l.v[i].port == 24101;
	CU_ASSERT(seen);
	ipc_addrs_free(&l);
	/* meta says 2 now; a second open has nothing to migrate */
	CU_ASSERT_FATAL(mdb_txn_begin(s.env, NULL, MDB_RDONLY, &txn) == 0);
	k.mv_data = (void *)"schema";
	k.mv_size = 6;
	CU_ASSERT_FATAL(mdb_get(txn, s.meta, &k, &d) == 0);
	CU_ASSERT(d.mv_size == 4 && be32_load(d.mv_data) == STORE_SCHEMA);
	mdb_txn_abort(txn);
	store_close(&s);
	CU_ASSERT_FATAL(open_store(&s, &chain.genesis, 0, 16, err,
	    sizeof(err)) == STORE_OPEN_OK);
	CU_ASSERT_EQUAL(store_addr_count(&s), 2);
	done(&s);
}

/* ---- the unchecked range (docs/sync.md, "Trusted checkpoint") ---- */

/* append from..from+count-1 of c, heights lo..hi not checked (0: none) */
static uint8_t
append_unchecked(struct store *s, struct fs_chain *c, uint64_t from,
    uint32_t count, uint64_t lo, uint64_t hi, struct ipc_result *res)
{
	struct fs_batch bt;

	CU_ASSERT_FATAL(fs_batch_make(&bt, c, from, count) == 0);
	bt.a.unchecked_lo = lo;
	bt.a.unchecked_hi = hi;
	store_append(s, &bt.a, res);
	fs_batch_free(&bt);
	return res->code;
}

/* a rollback with no blocks: syncd's cut at a bad signature */
static uint8_t
cut_to(struct store *s, uint64_t to, struct ipc_result *res)
{
	struct ipc_append a;

	memset(&a, 0, sizeof(a));
	a.rollback = 1;
	a.rollback_to = to;
	store_append(s, &a, res);
	return res->code;
}

static uint8_t
audited(struct store *s, uint64_t from, uint64_t to)
{
	struct ipc_audited	a = { from, to };
	struct ipc_result	res;

	store_audited(s, &a, &res);
	return res.code;
}

static int
has_range(const struct store *s, uint64_t lo, uint64_t hi)
{
	if (s->unchecked_lo == lo && s->unchecked_hi == hi)
		return 1;
	fprintf(stderr, "unchecked %llu-%llu, want %llu-%llu\n",
	    (unsigned long long)s->unchecked_lo,
	    (unsigned long long)s->unchecked_hi, (unsigned long long)lo,
	    (unsigned long long)hi);
	return 0;
}

static void
reopen(struct store *s)
{
	char err[STORE_ERR_MAX];

	store_close(s);
	CU_ASSERT_FATAL(open_store(s, &chain.genesis, 0, 16, err,
	    sizeof(err)) == STORE_OPEN_OK);
}

/* blocks from from, at most count: served (netd's view) or all; code */
static uint8_t
read_blocks(struct store *s, int served, uint64_t from, uint32_t count,
    uint32_t *n, uint64_t *first)
{
	struct ipc_range	q = { from, count, 0 };
	struct ipc_blocks	bl;
	struct block		b;
	struct wbuf		w;
	struct rbuf		r;
	uint8_t			code;

	wbuf_init(&w, IPC_MAX_MSG);
	if (served)
		store_blocks_served(s, &q, &w);
	else
		store_blocks(s, &q, &w);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_FATAL(ipc_blocks_decode(&r, &bl) == 0);
	code = bl.code;
	*n = bl.count;
	*first = bl.count && block_decode(bl.v[0].p, bl.v[0].len, &b) == 0 ?
	    b.h.height : 0;
	ipc_blocks_free(&bl);
	wbuf_free(&w);
	return code;
}

static uint8_t
read_headers(struct store *s, int served, uint64_t from, uint32_t *n)
{
	struct ipc_headers_req	q = { from, IPC_MAX_HEADERS };
	struct ipc_headers	hs;
	struct wbuf		w;
	struct rbuf		r;
	uint8_t			code;

	wbuf_init(&w, IPC_MAX_MSG);
	if (served)
		store_headers_served(s, &q, &w);
	else
		store_headers(s, &q, &w);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_FATAL(ipc_headers_decode(&r, &hs) == 0);
	code = hs.code;
	*n = hs.count;
	wbuf_free(&w);
	return code;
}

/*
 * The range is written with the blocks that brought it, merged, kept
 * across a reopen; a batch's range outside its heights is refused.
 */
static void
test_unchecked_recorded(void)
{
	struct store		s;
	struct ipc_result	res;
	struct ipc_tip		t;

	fresh(&s);
	CU_ASSERT_EQUAL(append_unchecked(&s, &chain, 1, 10, 0, 0, &res),
	    IPC_OK);
	CU_ASSERT(has_range(&s, 0, 0));
	CU_ASSERT_EQUAL(append_unchecked(&s, &chain, 11, 20, 12, 29, &res),
	    IPC_OK);
	CU_ASSERT(has_range(&s, 12, 29));
	CU_ASSERT_EQUAL(append_unchecked(&s, &chain, 31, 10, 31, 35, &res),
	    IPC_OK);
	CU_ASSERT(has_range(&s, 12, 35));
	/* checked blocks above: the range stays */
	CU_ASSERT_EQUAL(append_unchecked(&s, &chain, 41, 5, 0, 0, &res),
	    IPC_OK);
	CU_ASSERT(has_range(&s, 12, 35));
	/* outside the batch: refused, nothing written */
	CU_ASSERT_EQUAL(append_unchecked(&s, &chain, 46, 5, 45, 50, &res),
	    IPC_ERR_MALFORMED);
	CU_ASSERT_EQUAL(append_unchecked(&s, &chain, 46, 5, 46, 51, &res),
	    IPC_ERR_MALFORMED);
	CU_ASSERT_EQUAL(s.height, 45);
	CU_ASSERT(has_range(&s, 12, 35));
	/* a crash after the commit loses nothing: it is on disk */
	reopen(&s);
	CU_ASSERT_EQUAL(s.height, 45);
	CU_ASSERT(has_range(&s, 12, 35));
	store_tip(&s, &t);
	CU_ASSERT(t.height == 45 && t.unchecked_lo == 12 &&
	    t.unchecked_hi == 35);
	assert_whole(&s, 45);
	done(&s);
}

/* netd's view: the served tip and reads stop below the range */
static void
test_unchecked_not_served(void)
{
	struct store		s;
	struct ipc_result	res;
	struct ipc_tip		t;
	uint64_t		first;
	uint32_t		n;

	fresh(&s);
	CU_ASSERT_EQUAL(append_unchecked(&s, &chain, 1, 40, 12, 35, &res),
	    IPC_OK);
	CU_ASSERT_EQUAL(store_served_height(&s), 11);
	CU_ASSERT_EQUAL(store_tip_served(&s, &t, &res), 0);
	CU_ASSERT_EQUAL(t.height, 11);
	CU_ASSERT(memcmp(t.hash, chain.hash[11], 32) == 0);
	store_tip(&s, &t);		/* syncd's view */
	CU_ASSERT_EQUAL(t.height, 40);
	/* blocks: netd gets 5..11, syncd 5..40 */
	CU_ASSERT_EQUAL(read_blocks(&s, 1, 5, 100, &n, &first), IPC_OK);
	CU_ASSERT(n == 7 && first == 5);
	CU_ASSERT_EQUAL(read_blocks(&s, 1, 11, 0, &n, &first), IPC_OK);
	CU_ASSERT(n == 1 && first == 11);
	CU_ASSERT_EQUAL(read_blocks(&s, 1, 12, 1, &n, &first),
	    IPC_ERR_RANGE);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(read_blocks(&s, 1, 36, 1, &n, &first),
	    IPC_ERR_RANGE);
	CU_ASSERT_EQUAL(read_blocks(&s, 0, 5, 100, &n, &first), IPC_OK);
	CU_ASSERT(n == 36 && first == 5);
	CU_ASSERT_EQUAL(read_blocks(&s, 0, 12, 1, &n, &first), IPC_OK);
	CU_ASSERT(n == 1 && first == 12);
	/* headers the same */
	CU_ASSERT_EQUAL(read_headers(&s, 1, 1, &n), IPC_OK);
	CU_ASSERT_EQUAL(n, 11);
	CU_ASSERT_EQUAL(read_headers(&s, 1, 12, &n), IPC_ERR_RANGE);
	CU_ASSERT_EQUAL(read_headers(&s, 0, 1, &n), IPC_OK);
	CU_ASSERT_EQUAL(n, 40);
	/* audited up to the end: all served again */
	CU_ASSERT_EQUAL(audited(&s, 12, 35), IPC_OK);
	CU_ASSERT(has_range(&s, 0, 0));
	CU_ASSERT_EQUAL(store_tip_served(&s, &t, &res), 0);
	CU_ASSERT(t.height == 40 && memcmp(t.hash, chain.hash[40], 32) == 0);
	CU_ASSERT_EQUAL(read_blocks(&s, 1, 12, 100, &n, &first), IPC_OK);
	CU_ASSERT_EQUAL(n, 29);
	CU_ASSERT_EQUAL(read_headers(&s, 1, 1, &n), IPC_OK);
	CU_ASSERT_EQUAL(n, 40);
	done(&s);
}

/* audited from the low end only; a rollback caps the range */
static void
test_unchecked_audited_and_capped(void)
{
	struct store		s;
	struct ipc_result	res;
	struct fs_chain		fork;

	fresh(&s);
	CU_ASSERT_EQUAL(append_unchecked(&s, &chain, 1, 40, 12, 35, &res),
	    IPC_OK);
	/* a rollback (reorg within the limit) caps the high end */
	CU_ASSERT_EQUAL(cut_to(&s, 33, &res), IPC_OK);
	CU_ASSERT(has_range(&s, 12, 33));
	CU_ASSERT_EQUAL(audited(&s, 13, 20), IPC_ERR_RANGE);	/* not lo */
	CU_ASSERT_EQUAL(audited(&s, 12, 34), IPC_ERR_RANGE);	/* tip 33 */
	CU_ASSERT(has_range(&s, 12, 33));
	CU_ASSERT_EQUAL(audited(&s, 12, 20), IPC_OK);
	CU_ASSERT(has_range(&s, 21, 33));
	/* the same again (syncd re-sends it to a restarted stored that had
	 * committed it): done already, nothing changes */
	CU_ASSERT_EQUAL(audited(&s, 12, 20), IPC_OK);
	CU_ASSERT_EQUAL(audited(&s, 5, 20), IPC_OK);
	CU_ASSERT_EQUAL(audited(&s, 20, 22), IPC_ERR_RANGE);	/* not lo */
	CU_ASSERT(has_range(&s, 21, 33));
	reopen(&s);
	CU_ASSERT(has_range(&s, 21, 33));
	/* a reorg replacing 30.. by checked blocks of a fork: capped */
	CU_ASSERT_FATAL(fs_chain_fork(&fork, &chain, 29, 1) == 0);
	CU_ASSERT_EQUAL(append(&s, &fork, 30, 10, 1, 29, &res), IPC_OK);
	CU_ASSERT(has_range(&s, 21, 29));
	/* below the low end: gone */
	CU_ASSERT_EQUAL(cut_to(&s, 20, &res), IPC_OK);
	CU_ASSERT(has_range(&s, 0, 0));
	reopen(&s);
	CU_ASSERT(has_range(&s, 0, 0));
	/* nothing to audit: fine, nothing written */
	CU_ASSERT_EQUAL(audited(&s, 1, 5), IPC_OK);
	assert_whole(&s, 20);
	fs_chain_free(&fork);
	done(&s);
}

/*
 * The cut at a bad signature may go deeper than max_reorg (10 here) only
 * when every block it removes is in the unchecked range or above it.
 */
static void
test_unchecked_deep_cut(void)
{
	struct store		s;
	struct ipc_result	res;
	struct fs_chain		fork;

	fresh(&s);
	CU_ASSERT_EQUAL(append_unchecked(&s, &chain, 1, 60, 40, 45, &res),
	    IPC_OK);
	/* 39 is below the range: 21 deep, refused */
	CU_ASSERT_EQUAL(cut_to(&s, 38, &res), IPC_ERR_REFUSED);
	CU_ASSERT_EQUAL(s.height, 60);
	CU_ASSERT(has_range(&s, 40, 45));
	/* a batch with blocks gets no exception, even above the low end */
	CU_ASSERT_FATAL(fs_chain_fork(&fork, &chain, 45, 1) == 0);
	CU_ASSERT_EQUAL(append(&s, &fork, 46, 16, 1, 45, &res),
	    IPC_ERR_REFUSED);
	CU_ASSERT_EQUAL(s.height, 60);
	/* cutting 40..60 (21 blocks, all at or above 40): allowed */
	CU_ASSERT_EQUAL(cut_to(&s, 39, &res), IPC_OK);
	CU_ASSERT_EQUAL(s.height, 39);
	CU_ASSERT(has_range(&s, 0, 0));
	assert_whole(&s, 39);
	/* and the limit holds again once the range is gone */
	CU_ASSERT_EQUAL(append_unchecked(&s, &chain, 40, 21, 0, 0, &res),
	    IPC_OK);
	CU_ASSERT_EQUAL(cut_to(&s, 45, &res), IPC_ERR_REFUSED);
	fs_chain_free(&fork);
	done(&s);
}

/*
 * syncd's copy of the range (cv_unchecked_after) after a batch, beside
 * stored's own after the same batch: a copy smaller than stored's lets
 * syncd announce, produce and stop auditing while stored withholds the
 * blocks from netd.  A batch with a rollback may open with blocks stored
 * already: a peer answers our locator from any height it likes below the
 * real fork point (here our own chain from 31, with 41..45 new), stored
 * keeps its blocks (and their unchecked signatures) up to the first that
 * differs.  syncd used to cap the range at rollback_to, below its low
 * end: it forgot the range, stored kept it (and netd's view stayed
 * below it while syncd announced and produced above it).
 */
static void
check_copy(struct store *s, struct fs_chain *c, uint64_t from,
    uint32_t count, uint64_t to, uint64_t *lo, uint64_t *hi)
{
	struct ipc_result	res;
	struct cv_batch		bt;

	memset(&bt, 0, sizeof(bt));
	bt.rollback = 1;
	bt.rollback_to = to;
	bt.first = from;
	bt.count = count;
	CU_ASSERT_EQUAL(append(s, c, from, count, 1, to, &res), IPC_OK);
	cv_unchecked_after(&bt, lo, hi);
	CU_ASSERT(*lo != 0 || s->unchecked_lo == 0);
	if (s->unchecked_lo != 0)
		CU_ASSERT(*lo != 0 && *lo <= s->unchecked_lo &&
		    *hi >= s->unchecked_hi);
}

static void
test_unchecked_copy(void)
{
	struct store		s;
	struct ipc_result	res;
	struct fs_chain		fork;
	uint64_t		lo = 32, hi = 38;

	fresh(&s);
	CU_ASSERT_EQUAL(append_unchecked(&s, &chain, 1, 40, 32, 38, &res),
	    IPC_OK);
	/* verify checks no signature: its verdict names the range */
	store_verify(&s, &res);
	CU_ASSERT_EQUAL(res.code, IPC_OK);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.reason, "signatures of heights "
	    "32..38 not verified yet"));
	/* our own 31..40 again, then 41..45: nothing removed */
	check_copy(&s, &chain, 31, 15, 30, &lo, &hi);
	CU_ASSERT(has_range(&s, 32, 38));
	CU_ASSERT(lo == 32 && hi == 38);
	/* from 36 (in the range) up to 50: syncd kept 32..35, audited
	   those, logged every block verified; stored kept 36..38 */
	check_copy(&s, &chain, 36, 15, 35, &lo, &hi);
	CU_ASSERT(has_range(&s, 32, 38));
	CU_ASSERT(lo == 32 && hi == 38);
	done(&s);
	/* a real fork above 37, the batch opens at 36: stored cuts 38.. */
	fresh(&s);
	lo = 32;
	hi = 38;
	CU_ASSERT_EQUAL(append_unchecked(&s, &chain, 1, 40, 32, 38, &res),
	    IPC_OK);
	CU_ASSERT_FATAL(fs_chain_fork(&fork, &chain, 37, 1) == 0);
	check_copy(&s, &fork, 36, 14, 35, &lo, &hi);
	CU_ASSERT(has_range(&s, 32, 37));
	fs_chain_free(&fork);
	done(&s);
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "new store holds genesis", test_new_store },
		{ "append and every read", test_append_and_reads },
		{ "appends are idempotent", test_idempotent },
		{ "refusals write nothing", test_refusals },
		{ "rollback and re-append", test_rollback },
		{ "map growth and reopen", test_map_growth_and_reopen },
		{ "other network or schema refused",
		    test_other_network_and_schema },
		{ "verify finds damage", test_verify_finds_damage },
		{ "verify in slices, the chain changing meanwhile",
		    test_verify_slices },
		{ "address book", test_address_book },
		{ "peer keys: new, same, changed, bounded", test_peer_keys },
		{ "peer keys: a flood of addresses does not blind the table",
		    test_peer_keys_flood },
		{ "schema 1 address book migrated", test_schema1_migrated },
		{ "unchecked range: recorded with the blocks, reopened",
		    test_unchecked_recorded },
		{ "unchecked range: not served to netd", test_unchecked_not_served },
		{ "unchecked range: audited, capped by a rollback",
		    test_unchecked_audited_and_capped },
		{ "unchecked range: the deep cut only inside or above it",
		    test_unchecked_deep_cut },
		{ "unchecked range: syncd's copy never smaller than stored's",
		    test_unchecked_copy },
	};
	struct tn_suite	 ts = { .name = "store", .cases = tests,
	    .ncases = TN_NCASES(tests) };

	return tn_cunit_run(&ts);
}
