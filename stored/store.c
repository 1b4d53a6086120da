/* SPDX-License-Identifier: ISC */
/*
 * store.c - the store's environment: opening (and creating) it, meta,
 * the schema migration, and the transaction runners every other store
 * file uses.
 *
 * Five named tables in one environment file (chain.mdb):
 *	blocks	u64 height, big-endian -> the encoded block
 *	hashes	block hash -> u64 height, big-endian
 *	meta	"schema" u32, "network" bytes, "genesis" hash,
 *		"tip" u64 height + hash, "unchecked" u64 lo + u64 hi
 *		(absent: every stored signature was checked)
 *	addrs	IP address (16 bytes, netaddr.h: IPv4 v4-mapped) -> the
 *		entry (addr_put; schema 1 had 4-byte IPv4 keys: migrated)
 *	peerkeys IP address (16 bytes) -> a peer's node key (32 bytes)
 *
 * Only this process writes, from one thread, so the committed tip is
 * cached in struct store and updated after every commit; a write
 * transaction starts from it.  Write transactions run through
 * store_write(), which grows the map on MDB_MAP_FULL and retries, and
 * turns every other LMDB failure into IPC_ERR_STORAGE with LMDB's
 * message.  LMDB's default durability is kept (see docs/storage.md): a
 * commit returns after the data and then the meta page reached the disk.
 *
 * The rest of the store, behind the same store.h, as OpenBGPD's RDE
 * is split behind rde.h: store_chain.c (append and the chain reads),
 * store_addr.c (address book, bans, peer keys), store_verify.c (the
 * verify walk); store_int.h is what they share.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "log.h"
#include "store.h"
#include "store_int.h"

#define STORE_RETRIES	12	/* map growths or resizes per write */

static const char K_SCHEMA[] = "schema";
static const char K_NETWORK[] = "network";
static const char K_GENESIS[] = "genesis";
static const char K_TIP[] = "tip";
static const char K_UNCHECKED[] = "unchecked";

void
store_result(struct ipc_result *r, uint8_t code, const char *fmt, ...)
{
	va_list ap;

	r->code = code;
	r->reason[0] = '\0';
	if (fmt == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

const char *
store_hex(const uint8_t *p, size_t n, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (len == 0)
		return buf;
	for (i = 0; i < n && 2 * i + 2 < len; i++) {
		buf[2 * i] = hex[p[i] >> 4];
		buf[2 * i + 1] = hex[p[i] & 15];
	}
	buf[2 * i] = '\0';
	return buf;
}

static int
get_meta(MDB_txn *txn, const struct store *s, const char *key, MDB_val *v)
{
	MDB_val k = mval(key, strlen(key));

	return mdb_get(txn, s->meta, &k, v);
}

static int
put_meta(MDB_txn *txn, const struct store *s, const char *key,
    const void *p, size_t n)
{
	MDB_val k = mval(key, strlen(key)), v = mval(p, n);

	return mdb_put(txn, s->meta, &k, &v, 0);
}

int
store_put_tip(MDB_txn *txn, const struct store *s, uint64_t height,
    const uint8_t hash[BLOCK_HASH_LEN])
{
	uint8_t buf[8 + BLOCK_HASH_LEN];

	be64_store(buf, height);
	memcpy(buf + 8, hash, BLOCK_HASH_LEN);
	return put_meta(txn, s, K_TIP, buf, sizeof(buf));
}

int
store_put_unchecked(MDB_txn *txn, const struct store *s, uint64_t lo,
    uint64_t hi)
{
	uint8_t	buf[16];
	MDB_val	k = mval(K_UNCHECKED, strlen(K_UNCHECKED));
	int	rc;

	if (lo == 0 && hi == 0) {
		rc = mdb_del(txn, s->meta, &k, NULL);
		return rc == MDB_NOTFOUND ? 0 : rc;
	}
	be64_store(buf, lo);
	be64_store(buf + 8, hi);
	return put_meta(txn, s, K_UNCHECKED, buf, sizeof(buf));
}

/* meta's unchecked range into s: 0, or -1 when it is not one */
static int
load_unchecked(struct store *s, MDB_txn *txn)
{
	MDB_val	v;
	int	rc;

	s->unchecked_lo = s->unchecked_hi = 0;
	if ((rc = get_meta(txn, s, K_UNCHECKED, &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0 || v.mv_size != 16)
		return -1;
	s->unchecked_lo = be64_load(v.mv_data);
	s->unchecked_hi = be64_load((uint8_t *)v.mv_data + 8);
	return s->unchecked_lo >= 1 && s->unchecked_lo <= s->unchecked_hi &&
	    s->unchecked_hi <= s->height ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* opening */

static int
env_open_flags(struct store *s, unsigned flags)
{
	int rc;

	if ((rc = mdb_env_create(&s->env)) != 0)
		return rc;
	if ((rc = mdb_env_set_maxdbs(s->env, 5)) != 0 ||
	    (rc = mdb_env_set_mapsize(s->env, s->mapsize)) != 0 ||
	    (rc = mdb_env_open(s->env, s->path, flags, 0600)) != 0) {
		mdb_env_close(s->env);
		s->env = NULL;
		return rc;
	}
	s->env_flags = (int)flags;
	return 0;
}

/*
 * Writable if we can; when the files (or the directory) are not
 * writable, read-only so that what is stored can still be served.
 */
static int
env_open(struct store *s, int want_readonly, char *err, size_t errlen)
{
	unsigned	base = MDB_NOSUBDIR;
	int		rc;

	if (!want_readonly) {
		rc = env_open_flags(s, base);
		if (rc == 0)
			return 0;
		if (rc != EACCES && rc != EROFS && rc != EPERM)
			goto fail;
		log_warnx("%s: cannot open for writing (%s); opening it "
		    "read-only: every write will be refused", s->shown,
		    mdb_strerror(rc));
		snprintf(s->ro_why, sizeof(s->ro_why), "%s",
		    mdb_strerror(rc));
	}
	s->readonly = 1;
	rc = env_open_flags(s, base | MDB_RDONLY);
	if (rc == EACCES || rc == EROFS || rc == EPERM)
		rc = env_open_flags(s, base | MDB_RDONLY | MDB_NOLOCK);
	if (rc == 0)
		return 0;
fail:
	snprintf(err, errlen, "%s: %s", s->shown, mdb_strerror(rc));
	return -1;
}

static int
dbis_open(struct store *s, char *err, size_t errlen)
{
	MDB_txn		*txn;
	unsigned	 cflags = s->readonly ? 0 : MDB_CREATE;
	int		 rc;

	rc = mdb_txn_begin(s->env, NULL, s->readonly ? MDB_RDONLY : 0, &txn);
	if (rc != 0)
		goto fail;
	if ((rc = mdb_dbi_open(txn, "blocks", cflags, &s->blocks)) != 0 ||
	    (rc = mdb_dbi_open(txn, "hashes", cflags, &s->hashes)) != 0 ||
	    (rc = mdb_dbi_open(txn, "meta", cflags, &s->meta)) != 0 ||
	    (rc = mdb_dbi_open(txn, "addrs", cflags, &s->addrs)) != 0) {
		mdb_txn_abort(txn);
		if (rc == MDB_NOTFOUND) {
			snprintf(err, errlen, "%s: not a timenode store (its "
			    "tables are missing)", s->shown);
			return -1;
		}
		goto fail;
	}
	/* added in version 2: an older store opened read-only lacks it */
	rc = mdb_dbi_open(txn, "peerkeys", cflags, &s->peerkeys);
	s->has_peerkeys = rc == 0;
	if (rc != 0 && rc != MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) == 0)
		return 0;
fail:
	snprintf(err, errlen, "%s: opening the tables: %s", s->shown,
	    mdb_strerror(rc));
	return -1;
}

/* An empty environment: meta and the genesis block at height 0. */
static int
store_create(struct store *s, const struct genesis *g, char *err,
    size_t errlen)
{
	MDB_txn	*txn;
	uint8_t	 schema[4], key[8], hv[8];
	MDB_val	 k, v;
	int	 rc;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		goto fail;
	be32_store(schema, STORE_SCHEMA);
	be64_store(key, 0);
	be64_store(hv, 0);
	k = mval(key, 8);
	v = mval(g->raw, g->len);
	if ((rc = mdb_put(txn, s->blocks, &k, &v, 0)) != 0)
		goto abort;
	k = mval(g->block.hash, BLOCK_HASH_LEN);
	v = mval(hv, 8);
	if ((rc = mdb_put(txn, s->hashes, &k, &v, 0)) != 0 ||
	    (rc = put_meta(txn, s, K_SCHEMA, schema, 4)) != 0 ||
	    (rc = put_meta(txn, s, K_NETWORK, g->info.network,
	    strlen(g->info.network))) != 0 ||
	    (rc = put_meta(txn, s, K_GENESIS, g->block.hash,
	    BLOCK_HASH_LEN)) != 0 ||
	    (rc = store_put_tip(txn, s, 0, g->block.hash)) != 0)
		goto abort;
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	log_info("%s: new store for network %s", s->shown, g->info.network);
	return 0;
abort:
	mdb_txn_abort(txn);
fail:
	snprintf(err, errlen, "%s: writing the genesis block: %s", s->shown,
	    mdb_strerror(rc));
	return -1;
}

/* meta's genesis hash and tip (height and hash) into s */
int
store_load_meta_tip(struct store *s, MDB_txn *txn, char *err, size_t errlen)
{
	MDB_val v;

	if (get_meta(txn, s, K_GENESIS, &v) != 0 ||
	    v.mv_size != BLOCK_HASH_LEN) {
		snprintf(err, errlen, "%s: no genesis hash in meta", s->shown);
		return -1;
	}
	memcpy(s->genesis, v.mv_data, BLOCK_HASH_LEN);
	if (get_meta(txn, s, K_TIP, &v) != 0 ||
	    v.mv_size != 8 + BLOCK_HASH_LEN) {
		snprintf(err, errlen, "%s: no tip in meta", s->shown);
		return -1;
	}
	s->height = be64_load(v.mv_data);
	memcpy(s->tip, (uint8_t *)v.mv_data + 8, BLOCK_HASH_LEN);
	return 0;
}

/*
 * Read meta into s.  strict (a serving store): the tip block must be
 * there and decode; --verify is lenient and reports it itself.
 */
enum store_open_status
store_load_meta(struct store *s, MDB_txn *txn, int strict, char *err,
    size_t errlen)
{
	MDB_val			v;
	struct block		b;
	enum block_error	be;
	int			rc;

	if ((rc = get_meta(txn, s, K_SCHEMA, &v)) != 0 || v.mv_size != 4) {
		snprintf(err, errlen, "%s: no schema version in meta: not a "
		    "timenode store, or an unfinished one", s->shown);
		return STORE_OPEN_MISMATCH;
	}
	if (be32_load(v.mv_data) == STORE_SCHEMA_IPV4) {
		snprintf(err, errlen, "%s: schema version %u (an IPv4 address "
		    "book): open it once with write access (start the node) "
		    "to migrate it to version %u", s->shown,
		    STORE_SCHEMA_IPV4, STORE_SCHEMA);
		return STORE_OPEN_MISMATCH;
	}
	if (be32_load(v.mv_data) != STORE_SCHEMA) {
		snprintf(err, errlen, "%s: schema version %u, this stored "
		    "knows only version %u", s->shown, be32_load(v.mv_data),
		    STORE_SCHEMA);
		return STORE_OPEN_MISMATCH;
	}
	if (get_meta(txn, s, K_NETWORK, &v) != 0 || v.mv_size == 0 ||
	    v.mv_size >= sizeof(s->network)) {
		snprintf(err, errlen, "%s: no network name in meta", s->shown);
		return STORE_OPEN_MISMATCH;
	}
	memcpy(s->network, v.mv_data, v.mv_size);
	s->network[v.mv_size] = '\0';
	if (store_load_meta_tip(s, txn, err, errlen) == -1)
		return STORE_OPEN_MISMATCH;
	if (load_unchecked(s, txn) == -1) {
		snprintf(err, errlen, "%s: the unchecked range in meta is not "
		    "a range of stored heights; run stored --verify",
		    s->shown);
		return STORE_OPEN_MISMATCH;
	}
	rc = store_get_block(txn, s, s->height, &b, &be);
	if (rc == 0 && be == BLOCK_OK &&
	    memcmp(b.hash, s->tip, BLOCK_HASH_LEN) == 0) {
		s->tip_hdr = b.h;
		return STORE_OPEN_OK;
	}
	if (!strict)
		return STORE_OPEN_OK;
	snprintf(err, errlen, "%s: the tip in meta (height %llu) is not the "
	    "stored block at that height (%s); run stored --verify",
	    s->shown, (unsigned long long)s->height,
	    rc ? mdb_strerror(rc) : be ? block_error_names[be] :
	    "another hash");
	return STORE_OPEN_MISMATCH;
}

static enum store_open_status
check_genesis(const struct store *s, const struct genesis *g, char *err,
    size_t errlen)
{
	char have[2 * BLOCK_HASH_LEN + 1], want[2 * BLOCK_HASH_LEN + 1];

	if (strcmp(s->network, g->info.network) == 0 &&
	    memcmp(s->genesis, g->block.hash, BLOCK_HASH_LEN) == 0)
		return STORE_OPEN_OK;
	snprintf(err, errlen, "%s belongs to network \"%s\" (genesis %s), "
	    "but this node is configured for network \"%s\" (genesis %s); "
	    "refusing to mix them", s->shown, s->network,
	    store_hex(s->genesis, BLOCK_HASH_LEN, have, sizeof(have)),
	    g->info.network,
	    store_hex(g->block.hash, BLOCK_HASH_LEN, want, sizeof(want)));
	return STORE_OPEN_MISMATCH;
}

static int
is_empty(struct store *s, MDB_txn *txn)
{
	MDB_stat a, b;

	return mdb_stat(txn, s->meta, &a) == 0 &&
	    mdb_stat(txn, s->blocks, &b) == 0 &&
	    a.ms_entries == 0 && b.ms_entries == 0;
}

/*
 * Schema 1 -> 2 in one write transaction (all or nothing): every address
 * book key of 4 bytes (an IPv4 address) becomes its 16-byte v4-mapped
 * form, the entry unchanged; a key of another size cannot be an entry
 * of schema 1 and is dropped (counted in the log line), never misread.
 * A store of another schema is left to store_load_meta's check.  0, or -1 with
 * a message.
 */
static int
migrate_txn(struct store *s, MDB_txn *txn, size_t *moved, size_t *dropped)
{
	MDB_cursor	*cur;
	MDB_val		 k, v;
	uint8_t		 schema[4], (*keys)[NETADDR_LEN] = NULL;
	uint8_t		 (*vals)[ADDR_VAL_LEN] = NULL;
	struct netaddr	 a;
	MDB_stat	 st;
	size_t		 n = 0, i;
	int		 rc;

	if ((rc = mdb_stat(txn, s->addrs, &st)) != 0 ||
	    (rc = mdb_cursor_open(txn, s->addrs, &cur)) != 0)
		return rc;
	if (st.ms_entries > 0 && ((keys = calloc(st.ms_entries,
	    sizeof(*keys))) == NULL || (vals = calloc(st.ms_entries,
	    sizeof(*vals))) == NULL)) {
		mdb_cursor_close(cur);
		free(keys);
		return ENOMEM;
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == 0 && n < st.ms_entries;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size == 4 && v.mv_size == ADDR_VAL_LEN) {
			a = netaddr_from_v4(be32_load(k.mv_data));
			memcpy(keys[n], a.b, NETADDR_LEN);
			memcpy(vals[n++], v.mv_data, ADDR_VAL_LEN);
		} else
			(*dropped)++;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND || rc == 0)
		rc = mdb_drop(txn, s->addrs, 0);
	for (i = 0; rc == 0 && i < n; i++) {
		k = mval(keys[i], NETADDR_LEN);
		v = mval(vals[i], ADDR_VAL_LEN);
		rc = mdb_put(txn, s->addrs, &k, &v, 0);
	}
	free(keys);
	free(vals);
	be32_store(schema, STORE_SCHEMA);
	if (rc == 0)
		rc = put_meta(txn, s, K_SCHEMA, schema, 4);
	*moved = n;
	return rc;
}

static int
migrate_ipv4(struct store *s, char *err, size_t errlen)
{
	MDB_txn	*txn;
	MDB_val	 v;
	size_t	 moved = 0, dropped = 0;
	int	 rc;

	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		goto fail;
	if (get_meta(txn, s, K_SCHEMA, &v) != 0 || v.mv_size != 4 ||
	    be32_load(v.mv_data) != STORE_SCHEMA_IPV4) {
		mdb_txn_abort(txn);
		return 0;
	}
	if ((rc = migrate_txn(s, txn, &moved, &dropped)) != 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto fail;
	log_info("%s: address book migrated from schema %u (IPv4) to %u: "
	    "%zu entries kept, %zu malformed dropped", s->shown,
	    STORE_SCHEMA_IPV4, STORE_SCHEMA, moved, dropped);
	return 0;
fail:
	snprintf(err, errlen, "%s: migrating the address book from schema "
	    "%u to %u: %s", s->shown, STORE_SCHEMA_IPV4, STORE_SCHEMA,
	    mdb_strerror(rc));
	return -1;
}

static enum store_open_status
store_load(struct store *s, const struct store_params *p, char *err,
    size_t errlen)
{
	enum store_open_status	 st;
	MDB_txn			*txn;
	int			 rc, empty;

	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0) {
		snprintf(err, errlen, "%s: %s", s->shown, mdb_strerror(rc));
		return STORE_OPEN_FAILED;
	}
	empty = is_empty(s, txn);
	mdb_txn_abort(txn);
	if (empty) {
		if (p->genesis == NULL) {
			snprintf(err, errlen, "%s: empty store", s->shown);
			return STORE_OPEN_MISMATCH;
		}
		if (s->readonly) {
			snprintf(err, errlen, "%s: empty and not writable: "
			    "cannot store the genesis block", s->shown);
			return STORE_OPEN_FAILED;
		}
		if (store_create(s, p->genesis, err, errlen) == -1)
			return STORE_OPEN_FAILED;
	}
	if (!s->readonly && !empty && migrate_ipv4(s, err, errlen) == -1)
		return STORE_OPEN_FAILED;
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0) {
		snprintf(err, errlen, "%s: %s", s->shown, mdb_strerror(rc));
		return STORE_OPEN_FAILED;
	}
	st = store_load_meta(s, txn, p->genesis != NULL, err, errlen);
	mdb_txn_abort(txn);
	if (st == STORE_OPEN_OK && p->genesis)
		st = check_genesis(s, p->genesis, err, errlen);
	return st;
}

enum store_open_status
store_open(struct store *s, const struct store_params *p, char *err,
    size_t errlen)
{
	enum store_open_status	st;
	int			dead = 0;

	memset(s, 0, sizeof(*s));
	if (strlen(p->path) >= sizeof(s->path)) {
		snprintf(err, errlen, "%s: path too long", p->path);
		return STORE_OPEN_FAILED;
	}
	memcpy(s->path, p->path, strlen(p->path) + 1);
	snprintf(s->shown, sizeof(s->shown), "%s", p->shown ? p->shown :
	    p->path);
	s->mapsize = p->map_size ? p->map_size : (size_t)1 << 30;
	s->addr_max = p->addr_max ? p->addr_max : 10000;
	s->max_reorg = p->max_reorg;
	if (env_open(s, p->readonly, err, errlen) == -1)
		return STORE_OPEN_FAILED;
	/* stale reader slots of a killed process (lock file in use) */
	if (!(s->env_flags & MDB_NOLOCK) &&
	    mdb_reader_check(s->env, &dead) == 0 && dead > 0)
		log_info("%s: cleared %d stale reader slot(s)", s->shown, dead);
	if (dbis_open(s, err, errlen) == -1) {
		store_close(s);
		return STORE_OPEN_FAILED;
	}
	if ((st = store_load(s, p, err, errlen)) != STORE_OPEN_OK) {
		store_close(s);
		return st;
	}
	return STORE_OPEN_OK;
}

void
store_close(struct store *s)
{
	if (s->env)
		mdb_env_close(s->env);
	s->env = NULL;
}

/* After MDB_PANIC: close and open the environment again. */
static int
store_reopen(struct store *s)
{
	char	err[STORE_ERR_MAX];
	int	ro = s->readonly;

	log_warnx("%s: LMDB reports a fatal error; reopening the "
	    "environment", s->shown);
	mdb_env_close(s->env);
	s->env = NULL;
	s->readonly = 0;
	if (env_open(s, ro, err, sizeof(err)) == -1 ||
	    dbis_open(s, err, sizeof(err)) == -1) {
		log_warnx("reopen: %s", err);
		if (s->env)
			mdb_env_close(s->env);
		s->env = NULL;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* transactions */

static int
map_grow(struct store *s)
{
	size_t	next = s->mapsize * 2;
	int	rc;

	if (next > STORE_MAP_MAX || next < s->mapsize)
		return -1;
	if ((rc = mdb_env_set_mapsize(s->env, next)) != 0) {
		log_warnx("%s: growing the map to %zu MiB: %s", s->shown,
		    next >> 20, mdb_strerror(rc));
		return -1;
	}
	log_info("%s: map full at %zu KiB, grown to %zu KiB", s->shown,
	    s->mapsize >> 10, next >> 10);
	s->mapsize = next;
	s->map_grown++;
	return 0;
}

static int
env_ready(struct store *s, struct ipc_result *res, const char *what)
{
	if (s->env == NULL && store_reopen(s) == -1) {
		store_result(res, IPC_ERR_STORAGE, "%s: the environment could "
		    "not be reopened", what);
		return -1;
	}
	return 0;
}

/*
 * A read transaction.  Every read request uses exactly one; a map grown
 * by the writer (us, or --verify's view of us) is picked up here.
 */
int
store_read_begin(struct store *s, MDB_txn **txn, struct ipc_result *res,
    const char *what)
{
	int rc, i;

	if (env_ready(s, res, what) == -1)
		return -1;
	for (i = 0; i < STORE_RETRIES; i++) {
		rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
		if (rc == 0)
			return 0;
		if (rc != MDB_MAP_RESIZED ||
		    mdb_env_set_mapsize(s->env, 0) != 0)
			break;
	}
	store_result(res, IPC_ERR_STORAGE, "%s: %s", what, mdb_strerror(rc));
	return -1;
}

/*
 * Run fn in a write transaction and commit.  fn returns 0 (commit),
 * STORE_REFUSED (abort; fn filled in res) or an LMDB error.  Map full:
 * abort, grow the map, run fn again from scratch.  0 after a commit,
 * -1 with res filled in otherwise.
 */
int
store_write(struct store *s, write_fn fn, void *ctx, struct ipc_result *res,
    const char *what)
{
	MDB_txn	*txn;
	int	 rc, i;

	if (s->readonly) {
		store_result(res, IPC_ERR_STORAGE, "%s: the store is "
		    "read-only (its files are not writable: %s)", what,
		    s->ro_why[0] ? s->ro_why : "opened read-only");
		return -1;
	}
	if (env_ready(s, res, what) == -1)
		return -1;
	for (i = 0; i < STORE_RETRIES; i++) {
		store_result(res, IPC_OK, NULL);
		if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) == 0) {
			rc = fn(s, txn, ctx, res);
			if (rc == STORE_REFUSED) {
				mdb_txn_abort(txn);
				return -1;
			}
			if (rc == 0)
				rc = mdb_txn_commit(txn);
			else
				mdb_txn_abort(txn);
		}
		if (rc == 0)
			return 0;
		if (rc == MDB_MAP_FULL && map_grow(s) == 0)
			continue;
		if (rc == MDB_MAP_RESIZED &&
		    mdb_env_set_mapsize(s->env, 0) == 0)
			continue;
		break;
	}
	/* LMDB reports a short write (ENOSPC part-way) as EIO */
	store_result(res, IPC_ERR_STORAGE, "%s: %s%s", what, mdb_strerror(rc),
	    rc == EIO ? " (a write failed: the disk may be full)" : "");
	if (rc == MDB_PANIC && store_reopen(s) == -1)
		return -1;
	return -1;
}
