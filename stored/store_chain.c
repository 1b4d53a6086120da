/* SPDX-License-Identifier: ISC */
/*
 * store_chain.c - the chain in the store: appending (with rollback) and
 * the chain reads (blocks, locator, fork point, height of a hash).
 *
 * The blocks and hashes tables hold exactly one chain, heights 0..tip
 * (docs/storage.md).  An append is decoded and checked against the batch
 * and the rollback limit before any transaction, then written in one
 * write transaction (store_write, store.c) that refuses a gap, a block
 * that does not link, or a different block without a rollback; the
 * committed tip in struct store is updated after the commit.  Every read
 * uses one read transaction (store_read_begin).  Kept apart from store.c
 * so that the chain's rules read in one place, without the opening and
 * the address book.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "log.h"
#include "store.h"
#include "store_int.h"

/* ------------------------------------------------------------------ */
/* reading the tables */

/* the stored bytes of the block at height (the txn's pages) */
static int
get_raw(MDB_txn *txn, const struct store *s, uint64_t height, MDB_val *v)
{
	uint8_t	key[8];
	MDB_val	k = mval(key, 8);

	be64_store(key, height);
	return mdb_get(txn, s->blocks, &k, v);
}

/* the stored block at height, decoded (points into the txn's pages) */
int
store_get_block(MDB_txn *txn, const struct store *s, uint64_t height,
    struct block *b, enum block_error *be)
{
	MDB_val	v;
	int	rc;

	if ((rc = get_raw(txn, s, height, &v)) != 0)
		return rc;
	*be = block_decode(v.mv_data, v.mv_size, b);
	return 0;
}

int
store_hash_at(MDB_txn *txn, const struct store *s, uint64_t height,
    uint8_t out[BLOCK_HASH_LEN])
{
	MDB_val	v;
	int	rc;

	if ((rc = get_raw(txn, s, height, &v)) != 0)
		return rc;
	if (v.mv_size < BLOCK_HEADER_LEN)
		return MDB_CORRUPTED;
	block_hash_header(v.mv_data, out);
	return 0;
}

int
store_hash_height(MDB_txn *txn, const struct store *s, const uint8_t *hash,
    uint64_t *height)
{
	MDB_val	k = mval(hash, BLOCK_HASH_LEN), v;
	int	rc;

	if ((rc = mdb_get(txn, s->hashes, &k, &v)) != 0)
		return rc;
	if (v.mv_size != 8)
		return MDB_CORRUPTED;
	*height = be64_load(v.mv_data);
	return 0;
}

/* ------------------------------------------------------------------ */
/* appending */

struct append_ctx {
	const struct ipc_append	*req;
	struct block		*b;		/* decoded, req order */
	uint32_t		 n;
	/* results, applied to the store after the commit */
	uint64_t		 height;
	uint8_t			 tip[BLOCK_HASH_LEN];
	struct block_header	 hdr;
	uint32_t		 written;
	uint64_t		 removed;
	uint64_t		 cut_from;	/* lowest height removed (0:
						   none) */
	uint64_t		 lo, hi;	/* the unchecked range after */
};

/* Decode the batch and check it links within itself; no transaction. */
static int
append_decode(struct append_ctx *a, struct ipc_result *res)
{
	const struct ipc_blocks	*bl = &a->req->blocks;
	enum block_error	 e;
	uint64_t		 total = 0;
	uint32_t		 i;

	if (bl->count > IPC_MAX_BLOCKS) {
		store_result(res, IPC_ERR_TOO_LARGE, "%u blocks, at most %u "
		    "in one batch", bl->count, IPC_MAX_BLOCKS);
		return -1;
	}
	if (bl->count == 0 && !a->req->rollback) {
		store_result(res, IPC_ERR_MALFORMED, "empty batch");
		return -1;
	}
	for (i = 0; i < bl->count; i++)
		total += bl->v[i].len;
	if (total > IPC_MAX_BLOCK_BYTES) {
		store_result(res, IPC_ERR_TOO_LARGE, "%llu bytes of blocks, "
		    "at most %u in one batch", (unsigned long long)total,
		    IPC_MAX_BLOCK_BYTES);
		return -1;
	}
	if (bl->count &&
	    (a->b = calloc(bl->count, sizeof(*a->b))) == NULL) {
		store_result(res, IPC_ERR_BUSY, "out of memory");
		return -1;
	}
	a->n = bl->count;
	for (i = 0; i < a->n; i++) {
		if (bl->v[i].len > BLOCK_MAX_LEN) {
			store_result(res, IPC_ERR_TOO_LARGE, "block %u of %u: "
			    "%u bytes, at most %u", i + 1, a->n,
			    bl->v[i].len, BLOCK_MAX_LEN);
			return -1;
		}
		e = block_decode(bl->v[i].p, bl->v[i].len, &a->b[i]);
		if (e != BLOCK_OK) {
			store_result(res, IPC_ERR_MALFORMED, "block %u of %u: "
			    "%s", i + 1, a->n, block_error_names[e]);
			return -1;
		}
		if (i == 0)
			continue;
		e = block_check_link(&a->b[i], &a->b[i - 1].h,
		    a->b[i - 1].hash);
		if (e != BLOCK_OK) {
			store_result(res, link_code(e), "block %u of %u "
			    "(height %llu): %s %llu in the batch", i + 1, a->n,
			    (unsigned long long)a->b[i].h.height,
			    block_error_names[e],
			    (unsigned long long)a->b[i - 1].h.height);
			return -1;
		}
	}
	if (a->req->unchecked_lo != 0 && (a->n == 0 ||
	    a->req->unchecked_lo < a->b[0].h.height ||
	    a->req->unchecked_hi > a->b[a->n - 1].h.height)) {
		store_result(res, IPC_ERR_MALFORMED, "unchecked heights "
		    "%llu-%llu outside the batch", (unsigned long long)
		    a->req->unchecked_lo,
		    (unsigned long long)a->req->unchecked_hi);
		return -1;
	}
	return 0;
}

/* Is b stored, with its hash, at its height? */
static int
stored_same(MDB_txn *txn, const struct store *s, const struct block *b,
    int *same)
{
	MDB_val	k = mval(b->hash, BLOCK_HASH_LEN), v;
	int	rc;

	*same = 0;
	rc = mdb_get(txn, s->hashes, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	*same = v.mv_size == 8 && be64_load(v.mv_data) == b->h.height;
	return 0;
}

/* Delete heights from..tip (the tip first) and their index entries. */
static int
truncate_from(MDB_txn *txn, const struct store *s, uint64_t from,
    uint64_t tip)
{
	uint8_t	key[8], hash[BLOCK_HASH_LEN];
	MDB_val	k, hk;
	uint64_t h;
	int	rc;

	for (h = tip; h >= from; h--) {
		if ((rc = store_hash_at(txn, s, h, hash)) != 0)
			return rc;
		be64_store(key, h);
		k = mval(key, 8);
		hk = mval(hash, BLOCK_HASH_LEN);
		if ((rc = mdb_del(txn, s->hashes, &hk, NULL)) != 0 ||
		    (rc = mdb_del(txn, s->blocks, &k, NULL)) != 0)
			return rc;
		if (h == 0)
			break;
	}
	return 0;
}

static int
append_write(MDB_txn *txn, const struct store *s, struct append_ctx *a,
    uint32_t i)
{
	uint8_t	key[8], hv[8];
	MDB_val	k, v;
	int	rc;

	for (; i < a->n; i++) {
		be64_store(key, a->b[i].h.height);
		k = mval(key, 8);
		v = mval(a->b[i].raw, a->b[i].len);
		if ((rc = mdb_put(txn, s->blocks, &k, &v, MDB_APPEND)) != 0)
			return rc;
		memcpy(hv, key, 8);
		k = mval(a->b[i].hash, BLOCK_HASH_LEN);
		v = mval(hv, 8);
		if ((rc = mdb_put(txn, s->hashes, &k, &v,
		    MDB_NOOVERWRITE)) != 0)
			return rc;
		a->written++;
	}
	a->height = a->b[a->n - 1].h.height;
	memcpy(a->tip, a->b[a->n - 1].hash, BLOCK_HASH_LEN);
	a->hdr = a->b[a->n - 1].h;
	return store_put_tip(txn, s, a->height, a->tip);
}

/* the block a new block at height h must link to: stored or batch */
static int
link_prev(MDB_txn *txn, const struct store *s, const struct append_ctx *a,
    uint32_t i, struct block_header *hdr, uint8_t hash[BLOCK_HASH_LEN])
{
	struct block		b;
	enum block_error	be;
	int			rc;

	if (i > 0) {
		*hdr = a->b[i - 1].h;
		memcpy(hash, a->b[i - 1].hash, BLOCK_HASH_LEN);
		return 0;
	}
	if (a->b[0].h.height - 1 == s->height) {
		*hdr = s->tip_hdr;
		memcpy(hash, s->tip, BLOCK_HASH_LEN);
		return 0;
	}
	if ((rc = store_get_block(txn, s, a->b[0].h.height - 1, &b, &be)) != 0)
		return rc;
	if (be != BLOCK_OK)
		return MDB_CORRUPTED;
	*hdr = b.h;
	memcpy(hash, b.hash, BLOCK_HASH_LEN);
	return 0;
}

/*
 * Make b, the block stored or in the batch at height to, the tip:
 * heights to + 1..tip go (a rollback with nothing above it to write).
 */
static int
append_cut_to(MDB_txn *txn, const struct store *s, struct append_ctx *a,
    uint64_t to, const struct block *b)
{
	int rc;

	if ((rc = truncate_from(txn, s, to + 1, s->height)) != 0)
		return rc;
	a->removed = s->height - to;
	a->cut_from = to + 1;
	a->height = to;
	memcpy(a->tip, b->hash, BLOCK_HASH_LEN);
	a->hdr = b->h;
	return store_put_tip(txn, s, a->height, a->tip);
}

/* A rollback with an empty batch: back to rollback_to. */
static int
append_rollback_only(MDB_txn *txn, const struct store *s,
    struct append_ctx *a)
{
	struct block		b;
	enum block_error	e;
	int			rc;

	if (a->req->rollback_to == s->height)
		return STORE_REFUSED;	/* nothing to do */
	rc = store_get_block(txn, s, a->req->rollback_to, &b, &e);
	if (rc != 0)
		return rc;
	if (e != BLOCK_OK)
		return MDB_CORRUPTED;
	return append_cut_to(txn, s, a, a->req->rollback_to, &b);
}

/*
 * Write the batch from a->b[i], the first block not stored already:
 * it must be tip + 1, or replace what is stored from its height when a
 * rollback was asked for, and link to the block below it.
 */
static int
append_from(MDB_txn *txn, const struct store *s, struct append_ctx *a,
    uint32_t i, struct ipc_result *res)
{
	struct block_header	ph;
	enum block_error	e;
	uint8_t			phash[BLOCK_HASH_LEN];
	char			hx[SHORT_HEX];
	uint64_t		tip = s->height, first = a->b[i].h.height;
	int			rc;

	if (first <= tip) {
		if (!a->req->rollback) {
			store_result(res, IPC_ERR_CONFLICT, "block at height "
			    "%llu (%s) differs from the stored one and no "
			    "rollback was asked for", (unsigned long long)first,
			    short_hex(a->b[i].hash, hx));
			return STORE_REFUSED;
		}
		if ((rc = truncate_from(txn, s, first, tip)) != 0)
			return rc;
		a->removed = tip - first + 1;
		a->cut_from = first;
	} else if (first != tip + 1) {
		store_result(res, IPC_ERR_GAP, "starts at %llu, the tip is at "
		    "%llu", (unsigned long long)first,
		    (unsigned long long)tip);
		return STORE_REFUSED;
	}
	if ((rc = link_prev(txn, s, a, i, &ph, phash)) != 0)
		return rc;
	if ((e = block_check_link(&a->b[i], &ph, phash)) != BLOCK_OK) {
		store_result(res, link_code(e), "%s %llu",
		    block_error_names[e], (unsigned long long)(first - 1));
		return STORE_REFUSED;
	}
	return append_write(txn, s, a, i);
}

/*
 * The unchecked range after the append (docs/sync.md, "Trusted
 * checkpoint"): the stored one capped below the first block removed,
 * then the batch's merged in; written with the blocks, so that no block
 * whose signature was not checked is ever stored without the range
 * saying so, and nothing acknowledged is lost in a crash.
 */
static int
append_unchecked(MDB_txn *txn, const struct store *s, struct append_ctx *a)
{
	const struct ipc_append	*req = a->req;
	uint64_t		 lo = s->unchecked_lo, hi = s->unchecked_hi;

	if (a->cut_from != 0 && hi >= a->cut_from)
		hi = a->cut_from - 1;
	if (lo > hi)
		lo = hi = 0;
	if (req->unchecked_lo != 0) {
		lo = lo == 0 || req->unchecked_lo < lo ? req->unchecked_lo :
		    lo;
		hi = req->unchecked_hi > hi ? req->unchecked_hi : hi;
	}
	a->lo = lo;
	a->hi = hi;
	if (lo == s->unchecked_lo && hi == s->unchecked_hi)
		return 0;
	return store_put_unchecked(txn, s, lo, hi);
}

/* the rollback, the idempotent skip and the writes of one append */
static int
append_steps(struct store *s, MDB_txn *txn, struct append_ctx *a,
    struct ipc_result *res)
{
	uint32_t		 i;
	int			 rc, same = 1;

	a->written = 0;
	a->removed = 0;
	a->height = s->height;
	memcpy(a->tip, s->tip, BLOCK_HASH_LEN);
	a->hdr = s->tip_hdr;
	/* blocks already stored with the same hash: success, idempotent */
	for (i = 0; i < a->n && a->b[i].h.height <= s->height; i++) {
		if ((rc = stored_same(txn, s, &a->b[i], &same)) != 0)
			return rc;
		if (!same)
			break;
	}
	if (a->req->rollback && a->n == 0)
		return append_rollback_only(txn, s, a);
	/*
	 * The whole batch is stored already, but the rollback asked for
	 * makes its last block the tip: what lies above goes.
	 */
	if (i == a->n && a->req->rollback && a->n > 0 &&
	    a->b[a->n - 1].h.height < s->height)
		return append_cut_to(txn, s, a, a->b[a->n - 1].h.height,
		    &a->b[a->n - 1]);
	if (i == a->n)
		return STORE_REFUSED;	/* all there: nothing to write */
	return append_from(txn, s, a, i, res);
}

/* one append's write transaction: the blocks, then the unchecked range */
static int
append_txn(struct store *s, MDB_txn *txn, void *arg, struct ipc_result *res)
{
	struct append_ctx	*a = arg;
	int			 rc;

	a->cut_from = 0;
	if ((rc = append_steps(s, txn, a, res)) != 0)
		return rc;
	return append_unchecked(txn, s, a);
}

/* rollback bounds, against the committed tip */
static int
append_check_rollback(const struct store *s, const struct append_ctx *a,
    struct ipc_result *res)
{
	const struct ipc_append *req = a->req;

	if (!req->rollback)
		return 0;
	if (req->rollback_to > s->height) {
		store_result(res, IPC_ERR_RANGE, "rollback to %llu, above the "
		    "tip %llu", (unsigned long long)req->rollback_to,
		    (unsigned long long)s->height);
		return -1;
	}
	if (a->n && a->b[0].h.height != req->rollback_to + 1) {
		store_result(res, IPC_ERR_RANGE, "rollback to %llu must be "
		    "followed by height %llu, the batch starts at %llu",
		    (unsigned long long)req->rollback_to,
		    (unsigned long long)req->rollback_to + 1,
		    (unsigned long long)a->b[0].h.height);
		return -1;
	}
	/*
	 * Deeper than max_reorg only to cut blocks whose signatures were
	 * never checked: a rollback with no blocks that removes only
	 * heights at or above the unchecked range's low end (in it, or
	 * above it and so built on it).  That is syncd's cut at a bad
	 * signature its deferred check found (docs/sync.md, "Trusted
	 * checkpoint"); such blocks were never served or announced, so no
	 * peer can have built on them, and max_reorg, which guards against
	 * a peer's long other branch replacing a settled chain, has
	 * nothing to guard.  A batch with blocks gets no such exception.
	 */
	if (a->n == 0 && s->unchecked_lo != 0 &&
	    req->rollback_to + 1 >= s->unchecked_lo)
		return 0;
	if (s->height - req->rollback_to > s->max_reorg) {
		store_result(res, IPC_ERR_REFUSED, "rollback of %llu blocks "
		    "to %llu, deeper than the limit of %llu",
		    (unsigned long long)(s->height - req->rollback_to),
		    (unsigned long long)req->rollback_to,
		    (unsigned long long)s->max_reorg);
		return -1;
	}
	return 0;
}

void
store_append(struct store *s, const struct ipc_append *req,
    struct ipc_result *res)
{
	struct append_ctx	a;
	int			rc;

	memset(&a, 0, sizeof(a));
	memset(res, 0, sizeof(*res));
	a.req = req;
	if (append_decode(&a, res) == -1 ||
	    append_check_rollback(s, &a, res) == -1)
		goto out;
	rc = store_write(s, append_txn, &a, res, "append");
	if (rc == 0) {
		s->height = a.height;
		memcpy(s->tip, a.tip, BLOCK_HASH_LEN);
		s->tip_hdr = a.hdr;
		s->unchecked_lo = a.lo;
		s->unchecked_hi = a.hi;
		res->count = a.written;
		if (a.removed)
			snprintf(res->reason, sizeof(res->reason), "rolled "
			    "back %llu block(s)", (unsigned long long)a.removed);
	}
	/* STORE_REFUSED with IPC_OK: everything was already there */
out:
	res->height = s->height;
	memcpy(res->hash, s->tip, BLOCK_HASH_LEN);
	free(a.b);
}

/* ------------------------------------------------------------------ */
/* chain reads */

void
store_tip(const struct store *s, struct ipc_tip *t)
{
	t->height = s->height;
	memcpy(t->hash, s->tip, BLOCK_HASH_LEN);
	memcpy(t->genesis, s->genesis, BLOCK_HASH_LEN);
	t->unchecked_lo = s->unchecked_lo;
	t->unchecked_hi = s->unchecked_hi;
}

/* what chain_walk does with the block at one height: 1 stops the walk */
typedef int (*walk_fn)(void *ctx, uint32_t i, const MDB_val *block);

/*
 * The main chain's blocks from height from, in order, to fn (i = 0, 1,
 * ...), at most max_count, pointing into the txn's pages; stops where fn
 * says or the chain ends.  0, or an LMDB error (MDB_CORRUPTED for a key
 * or block that cannot be ours).
 */
static int
chain_walk(MDB_txn *txn, const struct store *s, uint64_t from,
    uint32_t max_count, walk_fn fn, void *ctx)
{
	MDB_cursor	*cur;
	MDB_val		 k, d;
	uint8_t		 key[8];
	uint32_t	 i = 0;
	int		 rc;

	if ((rc = mdb_cursor_open(txn, s->blocks, &cur)) != 0)
		return rc;
	be64_store(key, from);
	k = mval(key, 8);
	rc = mdb_cursor_get(cur, &k, &d, MDB_SET_KEY);
	for (; rc == 0 && i < max_count; i++) {
		if (k.mv_size != 8 || d.mv_size > BLOCK_MAX_LEN ||
		    d.mv_size < BLOCK_HEADER_LEN ||
		    be64_load(k.mv_data) != from + i) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (fn(ctx, i, &d))
			break;
		rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

struct blocks_take {
	struct ipc_blocks	*bl;
	uint64_t		 total, max_bytes;
};

/* a block into bl, within max_bytes but always one, however large */
static int
block_take(void *ctx, uint32_t i, const MDB_val *d)
{
	struct blocks_take *t = ctx;

	if (i > 0 && t->total + d->mv_size > t->max_bytes)
		return 1;
	t->total += d->mv_size;
	t->bl->v[i].p = d->mv_data;
	t->bl->v[i].len = (uint32_t)d->mv_size;
	t->bl->count = i + 1;
	return 0;
}

/*
 * The blocks from height from into bl (count of them, at most
 * max_count, and max_bytes of them but always one), pointing into the
 * txn's pages.  0 (also when the chain ends first), or an LMDB error.
 */
static int
blocks_walk(MDB_txn *txn, const struct store *s, uint64_t from,
    uint32_t max_count, uint64_t max_bytes, struct ipc_blocks *bl)
{
	struct blocks_take t = { bl, 0, max_bytes };

	return chain_walk(txn, s, from, max_count, block_take, &t);
}

/* the headers taken so far: out holds count of them */
struct headers_take {
	uint8_t		*out;
	uint32_t	 count;
};

/* a block's header (its first BLOCK_HEADER_LEN bytes) to out[i] */
static int
header_take(void *ctx, uint32_t i, const MDB_val *d)
{
	struct headers_take *t = ctx;

	memcpy(t->out + (size_t)i * BLOCK_HEADER_LEN, d->mv_data,
	    BLOCK_HEADER_LEN);
	t->count = i + 1;
	return 0;
}

/* at most max of the heights from ... top (max when from is above top) */
static uint32_t
count_upto(uint64_t from, uint64_t top, uint32_t max)
{
	return from <= top && top - from < max ? (uint32_t)(top - from + 1) :
	    max;
}

/* store_headers up to height top (the tip, or what may be served) */
static void
headers_upto(struct store *s, const struct ipc_headers_req *q, uint64_t top,
    struct wbuf *out)
{
	struct ipc_headers	 hs;
	struct ipc_result	 res;
	struct headers_take	 t = { NULL, 0 };
	MDB_txn			*txn;
	uint32_t		 max_count;
	int			 rc;

	_Static_assert(IPC_HEADER_LEN == BLOCK_HEADER_LEN, "header length");
	memset(&hs, 0, sizeof(hs));
	max_count = q->count == 0 || q->count > IPC_MAX_HEADERS ?
	    IPC_MAX_HEADERS : q->count;
	max_count = count_upto(q->from, top, max_count);
	if (q->from > top)
		hs.code = IPC_ERR_RANGE;
	else if ((t.out = malloc((size_t)max_count * BLOCK_HEADER_LEN)) ==
	    NULL)
		hs.code = IPC_ERR_STORAGE;
	else if (store_read_begin(s, &txn, &res, "headers") == -1)
		hs.code = res.code;
	else {
		if ((rc = chain_walk(txn, s, q->from, max_count, header_take,
		    &t)) != 0) {
			log_warnx("headers from %llu: %s",
			    (unsigned long long)q->from, mdb_strerror(rc));
			hs.code = IPC_ERR_STORAGE;
		} else {
			hs.count = t.count;
			hs.h = t.out;
		}
		mdb_txn_abort(txn);
	}
	ipc_headers_encode(out, &hs);
	free(t.out);
}

void
store_headers(struct store *s, const struct ipc_headers_req *q,
    struct wbuf *out)
{
	headers_upto(s, q, s->height, out);
}

void
store_headers_served(struct store *s, const struct ipc_headers_req *q,
    struct wbuf *out)
{
	headers_upto(s, q, store_served_height(s), out);
}

/* store_blocks up to height top (the tip, or what may be served) */
static void
blocks_upto(struct store *s, const struct ipc_range *q, uint64_t top,
    struct wbuf *out)
{
	struct blob		 v[IPC_MAX_BLOCKS];
	struct ipc_blocks	 bl;
	struct ipc_result	 res;
	MDB_txn			*txn;
	uint64_t		 max_bytes;
	uint32_t		 max_count;
	int			 rc;

	memset(&bl, 0, sizeof(bl));
	bl.v = v;
	max_count = q->count == 0 || q->count > IPC_MAX_BLOCKS ?
	    IPC_MAX_BLOCKS : q->count;
	max_bytes = q->max_bytes == 0 || q->max_bytes > IPC_MAX_BLOCK_BYTES ?
	    IPC_MAX_BLOCK_BYTES : q->max_bytes;
	max_count = count_upto(q->from, top, max_count);
	if (q->from > top) {
		bl.code = IPC_ERR_RANGE;
		ipc_blocks_encode(out, &bl);
		return;
	}
	if (store_read_begin(s, &txn, &res, "blocks") == -1) {
		bl.code = res.code;
		ipc_blocks_encode(out, &bl);
		return;
	}
	if ((rc = blocks_walk(txn, s, q->from, max_count, max_bytes,
	    &bl)) != 0) {
		log_warnx("blocks from %llu: %s", (unsigned long long)q->from,
		    mdb_strerror(rc));
		bl.code = IPC_ERR_STORAGE;
		bl.count = 0;
	}
	ipc_blocks_encode(out, &bl);	/* copies out of the txn's pages */
	mdb_txn_abort(txn);
}

void
store_blocks(struct store *s, const struct ipc_range *q, struct wbuf *out)
{
	blocks_upto(s, q, s->height, out);
}

void
store_blocks_served(struct store *s, const struct ipc_range *q,
    struct wbuf *out)
{
	blocks_upto(s, q, store_served_height(s), out);
}

uint64_t
store_served_height(const struct store *s)
{
	return s->unchecked_lo != 0 ? s->unchecked_lo - 1 : s->height;
}

int
store_tip_served(struct store *s, struct ipc_tip *t, struct ipc_result *res)
{
	MDB_txn	*txn;
	int	 rc;

	store_tip(s, t);
	store_result(res, IPC_OK, NULL);
	if (s->unchecked_lo == 0)
		return 0;
	t->height = store_served_height(s);
	if (store_read_begin(s, &txn, res, "served tip") == -1)
		return -1;
	rc = store_hash_at(txn, s, t->height, t->hash);
	mdb_txn_abort(txn);
	if (rc != 0) {
		store_result(res, IPC_ERR_STORAGE, "served tip at %llu: %s",
		    (unsigned long long)t->height, mdb_strerror(rc));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* the deferred signature check (docs/sync.md, "Trusted checkpoint") */

struct audited_ctx {
	uint64_t	lo, hi;
};

static int
audited_txn(struct store *s, MDB_txn *txn, void *arg,
    struct ipc_result *res)
{
	struct audited_ctx *c = arg;

	(void)res;
	return store_put_unchecked(txn, s, c->lo, c->hi);
}

void
store_audited(struct store *s, const struct ipc_audited *a,
    struct ipc_result *res)
{
	struct audited_ctx	c;

	memset(res, 0, sizeof(*res));
	/*
	 * Nothing left, or all of it below the range: recorded already.
	 * syncd re-sends a request to a restarted stored, which may have
	 * committed it before it died (a stored killed in the deferred
	 * check logged a warning here, and syncd another).
	 */
	if (s->unchecked_lo == 0 || a->to < s->unchecked_lo)
		store_result(res, IPC_OK, NULL);
	else if (a->from != s->unchecked_lo || a->to < a->from ||
	    a->to > s->height)
		store_result(res, IPC_ERR_RANGE, "the unchecked range is "
		    "%llu-%llu (tip %llu)",
		    (unsigned long long)s->unchecked_lo,
		    (unsigned long long)s->unchecked_hi,
		    (unsigned long long)s->height);
	else {
		c.lo = a->to + 1;
		c.hi = s->unchecked_hi;
		if (c.lo > c.hi)
			c.lo = c.hi = 0;
		if (store_write(s, audited_txn, &c, res, "audited") == 0) {
			s->unchecked_lo = c.lo;
			s->unchecked_hi = c.hi;
			store_result(res, IPC_OK, NULL);
			res->count = 1;
		}
	}
	res->height = s->height;
	memcpy(res->hash, s->tip, BLOCK_HASH_LEN);
}

void
store_locator(struct store *s, struct ipc_hashes *h, struct ipc_result *res)
{
	MDB_txn		*txn;
	uint64_t	 heights[IPC_MAX_HASHES];
	size_t		 i, n;
	int		 rc = 0;

	memset(h, 0, sizeof(*h));
	store_result(res, IPC_OK, NULL);
	if (store_read_begin(s, &txn, res, "locator") == -1)
		return;
	/* the heights every locator of ours has (chain/locator.c) */
	n = locator_heights(s->height, heights, IPC_MAX_HASHES);
	for (i = 0; i < n; i++)
		if ((rc = store_hash_at(txn, s, heights[i], h->h[i])) != 0)
			break;
	h->count = (uint32_t)i;
	mdb_txn_abort(txn);
	if (rc != 0)
		store_result(res, IPC_ERR_STORAGE, "locator at %llu: %s",
		    (unsigned long long)heights[i], mdb_strerror(rc));
}

void
store_fork_point(struct store *s, const struct ipc_hashes *loc,
    struct ipc_point *pt, struct ipc_result *res)
{
	MDB_txn		*txn;
	uint64_t	 h;
	uint32_t	 i;
	int		 rc = 0;

	memset(pt, 0, sizeof(*pt));
	store_result(res, IPC_OK, NULL);
	if (store_read_begin(s, &txn, res, "fork point") == -1)
		return;
	/* the index holds only our chain: the highest hit is the fork */
	for (i = 0; i < loc->count; i++) {
		rc = store_hash_height(txn, s, loc->h[i], &h);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc != 0)
			break;
		if (!pt->found || h > pt->height) {
			pt->found = 1;
			pt->height = h;
			memcpy(pt->hash, loc->h[i], BLOCK_HASH_LEN);
		}
	}
	mdb_txn_abort(txn);
	if (rc != 0)
		store_result(res, IPC_ERR_STORAGE, "fork point: %s",
		    mdb_strerror(rc));
}

void
store_height_of(struct store *s, const uint8_t hash[BLOCK_HASH_LEN],
    struct ipc_point *pt, struct ipc_result *res)
{
	MDB_txn	*txn;
	int	 rc;

	memset(pt, 0, sizeof(*pt));
	store_result(res, IPC_OK, NULL);
	if (store_read_begin(s, &txn, res, "height") == -1)
		return;
	rc = store_hash_height(txn, s, hash, &pt->height);
	mdb_txn_abort(txn);
	memcpy(pt->hash, hash, BLOCK_HASH_LEN);
	if (rc == 0)
		pt->found = 1;
	else if (rc != MDB_NOTFOUND)
		store_result(res, IPC_ERR_STORAGE, "height: %s",
		    mdb_strerror(rc));
}

