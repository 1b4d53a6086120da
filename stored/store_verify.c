/* SPDX-License-Identifier: ISC */
/*
 * store_verify.c - verifying the chain as stored: the walk of stored
 * --verify and of the running stored's verify request.
 *
 * The walk checks every block (decodes, height, link, hash index) and
 * then the tables against meta (store.h, store_verify_step).  It runs in
 * slices, each one read transaction of bounded blocks and bytes, so that
 * no reader pins old pages for a whole walk while stored appends; a
 * later slice resumes after checking that what it walked is still the
 * start of the chain.  Apart from the chain code because it must not
 * trust it: it reads the tables directly and shares only the accessors
 * of store_int.h.
 *
 * Why not one snapshot kept across the slices (no resume, no restart):
 * a read transaction pins every page freed by a commit after it began,
 * and mdb_reader_check (every second) clears only dead processes' slots,
 * never a live reader's; so the file would grow by everything written
 * during the walk, a whole catch-up at disk speed while a large chain
 * is hashed, bounded by nothing (lmdb.h, Caveats: "Avoid long-lived
 * transactions"; OpenLDAP ITS#7904 resets slapd's long read
 * transactions for the same reason).  A slice pins pages for at most
 * STORE_VERIFY_SLICE_BLOCKS blocks or STORE_VERIFY_SLICE_BYTES bytes of
 * walking; the resume check that buys it is verify_resume.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "log.h"
#include "store.h"
#include "store_int.h"

/* ------------------------------------------------------------------ */
/* verify */

/*
 * One block of the walk, at v->next: the key is that height, the block
 * decodes (payload hash), says that height, is the genesis block of meta
 * (height 0) or links to the block below (hash, height, time), and the
 * hash index maps its hash to its height.  The only per-block check there
 * is: the whole-chain verify and the sliced one both come here.
 */
static int
verify_block(struct store *s, struct store_verifier *v, MDB_txn *txn,
    const MDB_val *k, const MDB_val *d, struct ipc_result *res)
{
	struct block		b;
	enum block_error	e;
	uint64_t		h, ih;
	int			rc;

	if (k->mv_size != 8) {
		store_result(res, IPC_ERR_MALFORMED, "block key %llu: %zu "
		    "bytes, not 8", (unsigned long long)v->next, k->mv_size);
		return -1;
	}
	h = be64_load(k->mv_data);
	if (h != v->next) {
		store_result(res, IPC_ERR_GAP, "height %llu is followed "
		    "by %llu", (unsigned long long)v->next - 1,
		    (unsigned long long)h);
		if (v->next == 0)
			store_result(res, IPC_ERR_GAP, "the chain starts "
			    "at %llu, not 0", (unsigned long long)h);
		return -1;
	}
	if ((e = block_decode(d->mv_data, d->mv_size, &b)) != BLOCK_OK) {
		store_result(res, IPC_ERR_MALFORMED, "block %llu: %s",
		    (unsigned long long)h, block_error_names[e]);
		return -1;
	}
	if (b.h.height != h) {
		store_result(res, IPC_ERR_GAP, "block stored at %llu says "
		    "height %llu", (unsigned long long)h,
		    (unsigned long long)b.h.height);
		return -1;
	}
	if (h == 0 && memcmp(b.hash, v->genesis, BLOCK_HASH_LEN) != 0) {
		store_result(res, IPC_ERR_LINK, "block 0 is not the "
		    "genesis block named in meta");
		return -1;
	}
	if (h > 0 && (e = block_check_link(&b, &v->prev, v->prev_hash)) !=
	    BLOCK_OK) {
		store_result(res, link_code(e), "block %llu: %s %llu",
		    (unsigned long long)h, block_error_names[e],
		    (unsigned long long)h - 1);
		return -1;
	}
	rc = store_hash_height(txn, s, b.hash, &ih);
	if (rc != 0 || ih != h) {
		store_result(res, IPC_ERR_CONFLICT, "block %llu: hash "
		    "index %s", (unsigned long long)h, rc ? mdb_strerror(rc) :
		    "names another height");
		return -1;
	}
	v->prev = b.h;
	memcpy(v->prev_hash, b.hash, BLOCK_HASH_LEN);
	v->next++;
	return 0;
}

/*
 * A later slice: the blocks checked so far must still be the start of
 * the chain.  The hash of the last one checked commits to every block
 * below it, so its being stored unchanged is enough.  A rollback above
 * it lowers the target to the new tip; one below it (the block is gone
 * or another) starts the walk again from 0 at the tip committed now,
 * at most STORE_VERIFY_RESTARTS times.  0 to go on, -1 with res set.
 */
static int
verify_resume(struct store *s, struct store_verifier *v, MDB_txn *txn,
    const struct store *m, struct ipc_result *res)
{
	uint8_t	h[BLOCK_HASH_LEN];
	int	rc = MDB_NOTFOUND;

	if (memcmp(v->genesis, m->genesis, BLOCK_HASH_LEN) != 0) {
		store_result(res, IPC_ERR_CONFLICT, "the genesis hash in meta "
		    "changed during the verify");
		return -1;
	}
	if (v->next == 0 || (v->next - 1 <= m->height &&
	    (rc = store_hash_at(txn, s, v->next - 1, h)) == 0 &&
	    memcmp(h, v->prev_hash, BLOCK_HASH_LEN) == 0)) {
		if (m->height < v->target)
			v->target = m->height;
		return 0;
	}
	if (rc != 0 && rc != MDB_NOTFOUND && rc != MDB_CORRUPTED) {
		store_result(res, IPC_ERR_STORAGE, "verify: %s",
		    mdb_strerror(rc));
		return -1;
	}
	if (v->restarts >= STORE_VERIFY_RESTARTS) {
		store_result(res, IPC_ERR_BUSY, "the chain was rolled back "
		    "below the verified height %u times during the verify; "
		    "try again", v->restarts + 1);
		return -1;
	}
	v->restarts++;
	log_info("verify: the chain was rolled back below height %llu (tip "
	    "now %llu): starting again from 0", (unsigned long long)v->next - 1,
	    (unsigned long long)m->height);
	v->next = 0;
	v->target = m->height;
	return 0;
}

/* the height and hash of the last block in the blocks table */
static int
last_stored(MDB_txn *txn, const struct store *s, uint64_t *height,
    uint8_t hash[BLOCK_HASH_LEN])
{
	MDB_cursor	*cur;
	MDB_val		 k, d;
	int		 rc;

	if ((rc = mdb_cursor_open(txn, s->blocks, &cur)) != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &d, MDB_LAST);
	mdb_cursor_close(cur);
	if (rc != 0)
		return rc;
	if (k.mv_size != 8 || d.mv_size < BLOCK_HEADER_LEN)
		return MDB_CORRUPTED;
	*height = be64_load(k.mv_data);
	block_hash_header(d.mv_data, hash);
	return 0;
}

/* the outcome of a whole chain: last is the last block stored */
static void
verify_whole(const struct store_verifier *v, uint64_t last,
    struct ipc_result *res)
{
	res->code = IPC_OK;
	res->height = v->target;
	memcpy(res->hash, v->prev_hash, BLOCK_HASH_LEN);
	snprintf(res->reason, sizeof(res->reason), "%llu blocks, heights "
	    "0..%llu, network %s: whole", (unsigned long long)v->next,
	    (unsigned long long)v->target, v->network);
	if (last > v->target)
		snprintf(res->reason + strlen(res->reason),
		    sizeof(res->reason) - strlen(res->reason), " (the chain "
		    "grew to %llu meanwhile: the blocks above %llu were "
		    "counted, not walked)", (unsigned long long)last,
		    (unsigned long long)v->target);
}

/*
 * A whole chain may still hold blocks whose signatures syncd skipped
 * under [sync] assumevalid and has not verified yet (meta's unchecked
 * range, docs/sync.md "Trusted checkpoint"): the walk checks no
 * signature, so its verdict says so rather than let "whole" read as
 * "verified".
 */
static void
verify_unchecked(const struct store *m, struct ipc_result *res)
{
	size_t len = strlen(res->reason);

	if (m->unchecked_lo != 0)
		snprintf(res->reason + len, sizeof(res->reason) - len, "; "
		    "signatures of heights %llu..%llu not verified yet "
		    "(assumevalid)", (unsigned long long)m->unchecked_lo,
		    (unsigned long long)m->unchecked_hi);
}

/*
 * After the walk reached the target, in the same transaction: the last
 * stored block is the tip meta names, the heights 0..tip are all there
 * (the table holds tip + 1 entries) and the hash index as many.  When
 * the chain grew after the start, the blocks above the target are not
 * walked, only counted.  1 with res set.
 */
static int
verify_final(struct store *s, struct store_verifier *v, MDB_txn *txn,
    const struct store *m, struct ipc_result *res)
{
	MDB_stat	bs, hs;
	uint64_t	last;
	uint8_t		lh[BLOCK_HASH_LEN];
	char		a[SHORT_HEX], b[SHORT_HEX];
	int		rc;

	if (v->next == 0) {
		store_result(res, IPC_ERR_GAP, "no blocks, not even "
		    "genesis");
		return 1;
	}
	last = v->next - 1;
	memcpy(lh, v->prev_hash, BLOCK_HASH_LEN);
	/* the last block stored, which may be above the target */
	if (last == v->target && (rc = last_stored(txn, s, &last, lh)) != 0)
		goto storage;
	if (m->height != last || memcmp(m->tip, lh, BLOCK_HASH_LEN) != 0) {
		store_result(res, IPC_ERR_CONFLICT, "meta says the tip is "
		    "%llu (%s), the last block is %llu (%s)",
		    (unsigned long long)m->height, short_hex(m->tip, a),
		    (unsigned long long)last, short_hex(lh, b));
		return 1;
	}
	if ((rc = mdb_stat(txn, s->blocks, &bs)) != 0 ||
	    (rc = mdb_stat(txn, s->hashes, &hs)) != 0)
		goto storage;
	if (bs.ms_entries != last + 1) {
		store_result(res, IPC_ERR_GAP, "the blocks table has %zu "
		    "entries for heights 0..%llu", bs.ms_entries,
		    (unsigned long long)last);
		return 1;
	}
	if (hs.ms_entries != bs.ms_entries) {
		store_result(res, IPC_ERR_CONFLICT, "the hash index has "
		    "%zu entries for %zu blocks", hs.ms_entries,
		    bs.ms_entries);
		return 1;
	}
	verify_whole(v, last, res);
	verify_unchecked(m, res);
	return 1;
storage:
	store_result(res, IPC_ERR_STORAGE, "verify: %s", mdb_strerror(rc));
	return 1;
}

/*
 * Meta as committed in txn into m; the first slice takes its target,
 * genesis and network from it, a later one resumes (verify_resume).
 * 0 to walk on, -1 with res set.
 */
static int
verify_meta(struct store *s, struct store_verifier *v, MDB_txn *txn,
    struct store *m, struct ipc_result *res)
{
	char err[STORE_ERR_MAX];

	/*
	 * Leniently, the walk reports what is wrong with the tip; later
	 * slices read only genesis and tip (store_load_meta decodes the tip
	 * block).
	 */
	if (!v->started ? store_load_meta(m, txn, 0, err, sizeof(err)) !=
	    STORE_OPEN_OK :
	    store_load_meta_tip(m, txn, err, sizeof(err)) == -1) {
		store_result(res, IPC_ERR_CONFLICT, "%s", err);
		return -1;
	}
	if (v->started)
		return verify_resume(s, v, txn, m, res);
	v->started = 1;
	v->target = m->height;
	memcpy(v->genesis, m->genesis, BLOCK_HASH_LEN);
	memcpy(v->network, m->network, sizeof(v->network));
	return 0;
}

/* One slice in txn: 0 when there is more to do, 1 with res set. */
static int
verify_slice(struct store *s, struct store_verifier *v, MDB_txn *txn,
    uint32_t max_blocks, uint64_t max_bytes, struct ipc_result *res)
{
	struct store	 m = *s;	/* meta as committed in txn */
	MDB_cursor	*cur;
	MDB_val		 k, d;
	uint8_t		 key[8];
	uint64_t	 bytes = 0;
	uint32_t	 n = 0;
	int		 rc;

	if (verify_meta(s, v, txn, &m, res) == -1)
		return 1;
	if ((rc = mdb_cursor_open(txn, s->blocks, &cur)) != 0)
		goto storage;
	if (v->next == 0)
		rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST);
	else {
		be64_store(key, v->next);
		k = mval(key, 8);
		rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
	}
	for (; rc == 0 && v->next <= v->target;
	    rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
		/* always one block, however large */
		if (n > 0 && (n >= max_blocks || bytes >= max_bytes ||
		    d.mv_size > max_bytes - bytes))
			break;
		if (verify_block(s, v, txn, &k, &d, res) == -1) {
			mdb_cursor_close(cur);
			return 1;
		}
		n++;
		bytes += d.mv_size;
	}
	mdb_cursor_close(cur);
	v->blocks += n;
	v->bytes += bytes;
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto storage;
	if (rc == 0 && v->next <= v->target)
		return 0;	/* the slice is full */
	return verify_final(s, v, txn, &m, res);
storage:
	store_result(res, IPC_ERR_STORAGE, "verify: %s", mdb_strerror(rc));
	return 1;
}

void
store_verify_begin(struct store_verifier *v)
{
	memset(v, 0, sizeof(*v));
}

int
store_verify_step(struct store *s, struct store_verifier *v,
    uint32_t max_blocks, uint64_t max_bytes, struct ipc_result *res)
{
	MDB_txn	*txn;
	int	 done = 1;

	memset(res, 0, sizeof(*res));
	if (store_read_begin(s, &txn, res, "verify") == 0) {
		v->slices++;
		done = verify_slice(s, v, txn, max_blocks, max_bytes, res);
		mdb_txn_abort(txn);
	}
	res->count = (uint32_t)(v->next > UINT32_MAX ? UINT32_MAX : v->next);
	return done;
}

void
store_verify(struct store *s, struct ipc_result *res)
{
	struct store_verifier v;

	/* no bounds: the whole chain in one read transaction */
	store_verify_begin(&v);
	while (store_verify_step(s, &v, UINT32_MAX, UINT64_MAX, res) == 0)
		;
}

int
store_verify_dir(const char *dir, const volatile sig_atomic_t *stop,
    struct ipc_result *res)
{
	struct store_verifier	v;
	struct store		s;
	struct store_params	p;
	char			path[600], err[STORE_ERR_MAX];

	memset(res, 0, sizeof(*res));
	memset(&p, 0, sizeof(p));
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	if (access(path, F_OK) == -1) {
		store_result(res, IPC_ERR_STORAGE, "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	p.path = path;
	p.readonly = 1;
	if (store_open(&s, &p, err, sizeof(err)) != STORE_OPEN_OK) {
		store_result(res, IPC_ERR_STORAGE, "%s", err);
		return -1;
	}
	store_verify_begin(&v);
	while (store_verify_step(&s, &v, STORE_VERIFY_SLICE_BLOCKS,
	    STORE_VERIFY_SLICE_BYTES, res) == 0)
		if (stop != NULL && *stop) {
			store_result(res, IPC_ERR_BUSY, "interrupted after "
			    "%llu blocks", (unsigned long long)v.next);
			break;
		}
	store_close(&s);
	return res->code == IPC_OK ? 0 : -1;
}

