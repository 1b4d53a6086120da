/* SPDX-License-Identifier: ISC */
/*
 * store_int.h - what the store's files share and nothing outside
 * stored/store*.c may use: the transaction runners, the meta and block
 * accessors, and small helpers.  The public API is store.h; this header
 * exists so that the four files (store.c: opening, meta, migration,
 * transactions; store_chain.c; store_addr.c; store_verify.c) can be read
 * apart without making their helpers public.
 *
 * Every MDB_txn argument is a transaction the caller began and ends;
 * values read through it point into LMDB's pages and are valid only
 * until the transaction ends.  Functions returning int return 0 or an
 * LMDB error code (MDB_NOTFOUND, MDB_CORRUPTED, errno values) unless
 * their comment says otherwise.
 */
#ifndef TIMENODE_STORE_INT_H
#define TIMENODE_STORE_INT_H

#include <stdint.h>
#include <string.h>

#include <lmdb.h>

#include "block.h"
#include "ipc.h"
#include "store.h"

#define STORE_REFUSED	1	/* a write step refused: abort, no error */
/* an address book entry (store_addr.c, addr_put; migrated in store.c) */
#define ADDR_VAL_LEN	(1 + 2 + 8 + 8 + 4 + 8)

/* an MDB_val for n bytes at p (LMDB does not write through it) */
static inline MDB_val
mval(const void *p, size_t n)
{
	MDB_val v;

	v.mv_data = (void *)(uintptr_t)p;
	v.mv_size = n;
	return v;
}

/* short hash for messages: the first 8 bytes, 16 hex digits */
#define SHORT_HEX	17
static inline const char *
short_hex(const uint8_t *p, char buf[SHORT_HEX])
{
	return store_hex(p, 8, buf, SHORT_HEX);
}

/* the result code for a block that does not link (block_check_link) */
static inline uint8_t
link_code(enum block_error e)
{
	return e == BLOCK_ERR_HEIGHT ? IPC_ERR_GAP : IPC_ERR_LINK;
}

/*
 * store.c: transactions.
 *
 * store_read_begin: a read transaction in *txn (the caller aborts it);
 * reopens the environment after an MDB_PANIC and picks up a map grown by
 * the writer.  0, or -1 with res set to IPC_ERR_STORAGE naming what.
 *
 * store_write: run fn in one write transaction and commit.  fn returns 0
 * (commit), STORE_REFUSED (abort; fn filled in res) or an LMDB error.
 * On MDB_MAP_FULL the transaction is aborted, the map doubled (up to
 * STORE_MAP_MAX) and fn run again from scratch, so fn must not keep
 * state across calls other than what it resets.  0 after a commit, -1
 * with res filled in otherwise (IPC_ERR_STORAGE on a read-only store or
 * an LMDB failure, with LMDB's message).
 */
typedef int (*write_fn)(struct store *, MDB_txn *, void *ctx,
    struct ipc_result *);

int	store_read_begin(struct store *, MDB_txn **txn, struct ipc_result *res,
	    const char *what);
int	store_write(struct store *, write_fn fn, void *ctx,
	    struct ipc_result *res, const char *what);

/*
 * store.c: meta.
 *
 * store_put_tip: meta's "tip" = height and hash.  store_load_meta also
 * reads "unchecked" (absent: none; a value that is not a range within
 * the tip: STORE_OPEN_MISMATCH, run stored --verify).
 * store_load_meta: read schema, network, genesis and tip into s; strict
 * (a serving store) also wants the tip block stored and decodable, with
 * meta's hash.  STORE_OPEN_OK, or STORE_OPEN_MISMATCH with err set.
 * store_load_meta_tip: only the genesis hash and the tip; 0 or -1 with
 * err set.
 */
int	store_put_tip(MDB_txn *, const struct store *, uint64_t height,
	    const uint8_t hash[BLOCK_HASH_LEN]);
/* meta's "unchecked" = lo and hi (both 0: the key is deleted) */
int	store_put_unchecked(MDB_txn *, const struct store *, uint64_t lo,
	    uint64_t hi);
enum store_open_status store_load_meta(struct store *, MDB_txn *, int strict,
	    char *err, size_t errlen);
int	store_load_meta_tip(struct store *, MDB_txn *, char *err,
	    size_t errlen);

/*
 * store_chain.c: the blocks and hashes tables.
 *
 * store_get_block: the block at height, decoded into b (pointing into
 * the txn's pages), *be the decode outcome; the rc is LMDB's.
 * store_hash_at: the hash of the block at height (its header's hash);
 * MDB_CORRUPTED when the stored block is shorter than a header.
 * store_hash_height: the height the hash index gives for hash;
 * MDB_NOTFOUND when the hash is not on our chain.
 */
int	store_get_block(MDB_txn *, const struct store *, uint64_t height,
	    struct block *b, enum block_error *be);
int	store_hash_at(MDB_txn *, const struct store *, uint64_t height,
	    uint8_t out[BLOCK_HASH_LEN]);
int	store_hash_height(MDB_txn *, const struct store *, const uint8_t *hash,
	    uint64_t *height);

#endif
