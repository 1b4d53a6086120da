/* SPDX-License-Identifier: ISC */
/*
 * store.c - the chain and the address book in one LMDB environment.
 *
 * Four named tables in one environment file (chain.mdb):
 *	blocks	u64 height, big-endian -> the encoded block
 *	hashes	block hash -> u64 height, big-endian
 *	meta	"schema" u32, "network" bytes, "genesis" hash,
 *		"tip" u64 height + hash
 *	addrs	IP address (16 bytes, netaddr.h: IPv4 v4-mapped) -> the
 *		entry (addr_put; schema 1 had 4-byte IPv4 keys: migrated)
 *
 * Only this process writes, from one thread, so the committed tip is
 * cached in struct store and updated after every commit; a write
 * transaction starts from it.  Write transactions run through
 * store_write(), which grows the map on MDB_MAP_FULL and retries, and
 * turns every other LMDB failure into IPC_ERR_STORAGE with LMDB's
 * message.  LMDB's default durability is kept (see docs/storage.md): a
 * commit returns after the data and then the meta page reached the disk.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "log.h"
#include "store.h"

#define STORE_REFUSED	1	/* a write step refused: abort, no error */
#define STORE_RETRIES	12	/* map growths or resizes per write */
#define ADDR_VAL_LEN	(1 + 2 + 8 + 8 + 4 + 8)

static const char K_SCHEMA[] = "schema";
static const char K_NETWORK[] = "network";
static const char K_GENESIS[] = "genesis";
static const char K_TIP[] = "tip";

static int	hash_at(MDB_txn *, const struct store *, uint64_t,
		    uint8_t[BLOCK_HASH_LEN]);

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

/* short hash for messages: 16 hex digits */
#define SHORT_HEX	17
static const char *
short_hex(const uint8_t *p, char buf[SHORT_HEX])
{
	return store_hex(p, 8, buf, SHORT_HEX);
}

static MDB_val
mval(const void *p, size_t n)
{
	MDB_val v;

	v.mv_data = (void *)(uintptr_t)p;
	v.mv_size = n;
	return v;
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

static int
put_tip(MDB_txn *txn, const struct store *s, uint64_t height,
    const uint8_t hash[BLOCK_HASH_LEN])
{
	uint8_t buf[8 + BLOCK_HASH_LEN];

	be64_store(buf, height);
	memcpy(buf + 8, hash, BLOCK_HASH_LEN);
	return put_meta(txn, s, K_TIP, buf, sizeof(buf));
}

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
static int
get_block(MDB_txn *txn, const struct store *s, uint64_t height,
    struct block *b, enum block_error *be)
{
	MDB_val	v;
	int	rc;

	if ((rc = get_raw(txn, s, height, &v)) != 0)
		return rc;
	*be = block_decode(v.mv_data, v.mv_size, b);
	return 0;
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
	    (rc = put_tip(txn, s, 0, g->block.hash)) != 0)
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
static int
load_meta_tip(struct store *s, MDB_txn *txn, char *err, size_t errlen)
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
static enum store_open_status
load_meta(struct store *s, MDB_txn *txn, int strict, char *err,
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
	if (load_meta_tip(s, txn, err, errlen) == -1)
		return STORE_OPEN_MISMATCH;
	rc = get_block(txn, s, s->height, &b, &be);
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
 * A store of another schema is left to load_meta's check.  0, or -1 with
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
	st = load_meta(s, txn, p->genesis != NULL, err, errlen);
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
static int
read_begin(struct store *s, MDB_txn **txn, struct ipc_result *res,
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

typedef int (*write_fn)(struct store *, MDB_txn *, void *ctx,
    struct ipc_result *);

/*
 * Run fn in a write transaction and commit.  fn returns 0 (commit),
 * STORE_REFUSED (abort; fn filled in res) or an LMDB error.  Map full:
 * abort, grow the map, run fn again from scratch.  0 after a commit,
 * -1 with res filled in otherwise.
 */
static int
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
};

static uint8_t
link_code(enum block_error e)
{
	return e == BLOCK_ERR_HEIGHT ? IPC_ERR_GAP : IPC_ERR_LINK;
}

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
		if ((rc = hash_at(txn, s, h, hash)) != 0)
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
	return put_tip(txn, s, a->height, a->tip);
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
	if ((rc = get_block(txn, s, a->b[0].h.height - 1, &b, &be)) != 0)
		return rc;
	if (be != BLOCK_OK)
		return MDB_CORRUPTED;
	*hdr = b.h;
	memcpy(hash, b.hash, BLOCK_HASH_LEN);
	return 0;
}

static int
append_txn(struct store *s, MDB_txn *txn, void *arg, struct ipc_result *res)
{
	struct append_ctx	*a = arg;
	const struct ipc_append	*req = a->req;
	struct block_header	 ph;
	struct block		 rb;
	enum block_error	 e;
	uint8_t			 phash[BLOCK_HASH_LEN];
	char			 hx[SHORT_HEX];
	uint64_t		 tip = s->height, first;
	uint32_t		 i;
	int			 rc, same = 1;

	a->written = 0;
	a->removed = 0;
	a->height = s->height;
	memcpy(a->tip, s->tip, BLOCK_HASH_LEN);
	a->hdr = s->tip_hdr;
	/* blocks already stored with the same hash: success, idempotent */
	for (i = 0; i < a->n && a->b[i].h.height <= tip; i++) {
		if ((rc = stored_same(txn, s, &a->b[i], &same)) != 0)
			return rc;
		if (!same)
			break;
	}
	if (req->rollback && a->n == 0) {
		if (req->rollback_to == tip)
			return STORE_REFUSED;	/* nothing to do */
		if ((rc = truncate_from(txn, s, req->rollback_to + 1,
		    tip)) != 0)
			return rc;
		if ((rc = get_block(txn, s, req->rollback_to, &rb, &e)) != 0)
			return rc;
		if (e != BLOCK_OK)
			return MDB_CORRUPTED;
		a->removed = tip - req->rollback_to;
		a->height = req->rollback_to;
		memcpy(a->tip, rb.hash, BLOCK_HASH_LEN);
		a->hdr = rb.h;
		return put_tip(txn, s, a->height, a->tip);
	}
	if (i == a->n && req->rollback && a->n > 0 &&
	    a->b[a->n - 1].h.height < tip) {
		/*
		 * The whole batch is stored already, but the rollback asked
		 * for makes its last block the tip: what lies above goes.
		 */
		first = a->b[a->n - 1].h.height + 1;
		if ((rc = truncate_from(txn, s, first, tip)) != 0)
			return rc;
		a->removed = tip - first + 1;
		a->height = first - 1;
		memcpy(a->tip, a->b[a->n - 1].hash, BLOCK_HASH_LEN);
		a->hdr = a->b[a->n - 1].h;
		return put_tip(txn, s, a->height, a->tip);
	}
	if (i == a->n)
		return STORE_REFUSED;	/* all there: nothing to write */
	first = a->b[i].h.height;
	if (first <= tip) {
		if (!req->rollback) {
			store_result(res, IPC_ERR_CONFLICT, "block at height "
			    "%llu (%s) differs from the stored one and no "
			    "rollback was asked for", (unsigned long long)first,
			    short_hex(a->b[i].hash, hx));
			return STORE_REFUSED;
		}
		if ((rc = truncate_from(txn, s, first, tip)) != 0)
			return rc;
		a->removed = tip - first + 1;
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
}

void
store_blocks(struct store *s, const struct ipc_range *q, struct wbuf *out)
{
	struct ipc_blob		 v[IPC_MAX_BLOCKS];
	struct ipc_blocks	 bl;
	struct ipc_result	 res;
	MDB_txn			*txn;
	MDB_cursor		*cur;
	MDB_val			 k, d;
	uint8_t			 key[8];
	uint64_t		 total = 0, max_bytes;
	uint32_t		 max_count;
	int			 rc;

	memset(&bl, 0, sizeof(bl));
	bl.v = v;
	max_count = q->count == 0 || q->count > IPC_MAX_BLOCKS ?
	    IPC_MAX_BLOCKS : q->count;
	max_bytes = q->max_bytes == 0 || q->max_bytes > IPC_MAX_BLOCK_BYTES ?
	    IPC_MAX_BLOCK_BYTES : q->max_bytes;
	if (q->from > s->height) {
		bl.code = IPC_ERR_RANGE;
		ipc_blocks_encode(out, &bl);
		return;
	}
	if (read_begin(s, &txn, &res, "blocks") == -1) {
		bl.code = res.code;
		ipc_blocks_encode(out, &bl);
		return;
	}
	if ((rc = mdb_cursor_open(txn, s->blocks, &cur)) != 0) {
		bl.code = IPC_ERR_STORAGE;
		goto done;
	}
	be64_store(key, q->from);
	k = mval(key, 8);
	rc = mdb_cursor_get(cur, &k, &d, MDB_SET_KEY);
	while (rc == 0 && bl.count < max_count) {
		if (k.mv_size != 8 || d.mv_size > BLOCK_MAX_LEN ||
		    be64_load(k.mv_data) != q->from + bl.count) {
			rc = MDB_CORRUPTED;
			break;
		}
		/* always one block, however large */
		if (bl.count > 0 && total + d.mv_size > max_bytes)
			break;
		total += d.mv_size;
		v[bl.count].p = d.mv_data;
		v[bl.count].len = (uint32_t)d.mv_size;
		bl.count++;
		rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		log_warnx("blocks from %llu: %s", (unsigned long long)q->from,
		    mdb_strerror(rc));
		bl.code = IPC_ERR_STORAGE;
		bl.count = 0;
	}
done:
	ipc_blocks_encode(out, &bl);	/* copies out of the txn's pages */
	mdb_txn_abort(txn);
}

static int
hash_at(MDB_txn *txn, const struct store *s, uint64_t height,
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

void
store_locator(struct store *s, struct ipc_hashes *h, struct ipc_result *res)
{
	MDB_txn		*txn;
	uint64_t	 heights[IPC_MAX_HASHES];
	size_t		 i, n;
	int		 rc = 0;

	memset(h, 0, sizeof(*h));
	store_result(res, IPC_OK, NULL);
	if (read_begin(s, &txn, res, "locator") == -1)
		return;
	/* the heights every locator of ours has (chain/locator.c) */
	n = locator_heights(s->height, heights, IPC_MAX_HASHES);
	for (i = 0; i < n; i++)
		if ((rc = hash_at(txn, s, heights[i], h->h[i])) != 0)
			break;
	h->count = (uint32_t)i;
	mdb_txn_abort(txn);
	if (rc != 0)
		store_result(res, IPC_ERR_STORAGE, "locator at %llu: %s",
		    (unsigned long long)heights[i], mdb_strerror(rc));
}

static int
height_of(MDB_txn *txn, const struct store *s, const uint8_t *hash,
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
	if (read_begin(s, &txn, res, "fork point") == -1)
		return;
	/* the index holds only our chain: the highest hit is the fork */
	for (i = 0; i < loc->count; i++) {
		rc = height_of(txn, s, loc->h[i], &h);
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
	if (read_begin(s, &txn, res, "height") == -1)
		return;
	rc = height_of(txn, s, hash, &pt->height);
	mdb_txn_abort(txn);
	memcpy(pt->hash, hash, BLOCK_HASH_LEN);
	if (rc == 0)
		pt->found = 1;
	else if (rc != MDB_NOTFOUND)
		store_result(res, IPC_ERR_STORAGE, "height: %s",
		    mdb_strerror(rc));
}

/* ------------------------------------------------------------------ */
/* address book */

/*
 * An entry: source, port (0: listening port not known yet), last seen,
 * last success, failures, banned until.  The key is the address.
 */
static int
addr_get(const MDB_val *k, const MDB_val *v, struct ipc_addr *a)
{
	struct rbuf r;

	if (k->mv_size != NETADDR_LEN)
		return -1;
	memset(a, 0, sizeof(*a));
	memcpy(a->ip.b, k->mv_data, NETADDR_LEN);
	rbuf_init(&r, v->mv_data, v->mv_size);
	a->source = get_u8(&r);
	a->port = get_u16(&r);
	a->last_seen = get_u64(&r);
	a->last_success = get_u64(&r);
	a->failures = get_u32(&r);
	a->banned_until = get_u64(&r);
	return rbuf_done(&r) && a->source < ADDR_NSOURCES ? 0 : -1;
}

static int
addr_put(MDB_txn *txn, const struct store *s, const struct ipc_addr *a)
{
	uint8_t	buf[ADDR_VAL_LEN], *p = buf;
	MDB_val	k = mval(a->ip.b, NETADDR_LEN), v = mval(buf, sizeof(buf));

	*p++ = a->source;
	be16_store(p, a->port);
	be64_store(p + 2, a->last_seen);
	be64_store(p + 10, a->last_success);
	be32_store(p + 18, a->failures);
	be64_store(p + 22, a->banned_until);
	return mdb_put(txn, s->addrs, &k, &v, 0);
}

static int
addr_banned(const struct ipc_addr *a, uint64_t now)
{
	return a->banned_until > now;
}

/*
 * Best first: fewer than STORE_ADDR_DEMOTE failures, then the most
 * recent success, fewest failures, most recently seen; the address
 * breaks ties so the order is total.
 */
static int
addr_cmp(const void *x, const void *y)
{
	const struct ipc_addr *a = x, *b = y;
	int da = a->failures >= STORE_ADDR_DEMOTE;
	int db = b->failures >= STORE_ADDR_DEMOTE;

	if (da != db)
		return da - db;
	if (a->last_success != b->last_success)
		return a->last_success > b->last_success ? -1 : 1;
	if (a->failures != b->failures)
		return a->failures < b->failures ? -1 : 1;
	if (a->last_seen != b->last_seen)
		return a->last_seen > b->last_seen ? -1 : 1;
	return netaddr_cmp(&a->ip, &b->ip);
}

/*
 * The entry to evict: the worst by addr_cmp among those not banned now,
 * else (all banned) the ban that ends first.  Bans are kept longest so
 * that a full book cannot be used to launder a banned address.
 */
static int
addr_evict_one(MDB_txn *txn, const struct store *s, uint64_t now)
{
	MDB_cursor	*cur;
	MDB_val		 k, v;
	struct ipc_addr	 a, worst, ban;
	int		 rc, have = 0, have_ban = 0;

	if ((rc = mdb_cursor_open(txn, s->addrs, &cur)) != 0)
		return rc;
	memset(&worst, 0, sizeof(worst));
	memset(&ban, 0, sizeof(ban));
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (addr_get(&k, &v, &a) == -1) {
			/* an entry we cannot read is the worst of all */
			rc = mdb_cursor_del(cur, 0);
			mdb_cursor_close(cur);
			return rc;
		}
		if (addr_banned(&a, now)) {
			if (!have_ban || a.banned_until < ban.banned_until)
				ban = a;
			have_ban = 1;
		} else if (!have || addr_cmp(&a, &worst) > 0) {
			worst = a;
			have = 1;
		}
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return rc;
	if (!have && !have_ban)
		return 0;
	k = mval(have ? worst.ip.b : ban.ip.b, NETADDR_LEN);
	return mdb_del(txn, s->addrs, &k, NULL);
}

struct upsert_ctx {
	const struct ipc_addr	*in;
	uint64_t		 now;
};

static uint64_t
max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static int
upsert_txn(struct store *s, MDB_txn *txn, void *arg, struct ipc_result *res)
{
	struct upsert_ctx	*u = arg;
	const struct ipc_addr	*in = u->in;
	struct ipc_addr		 a;
	MDB_val			 k = mval(in->ip.b, NETADDR_LEN), v;
	MDB_stat		 st;
	int			 rc;

	(void)res;
	rc = mdb_get(txn, s->addrs, &k, &v);
	if (rc == 0 && addr_get(&k, &v, &a) == 0) {
		/* merge: newest times, the strongest source, bans kept */
		if (in->last_success > a.last_success)
			a.failures = in->failures;
		a.port = in->port;
		a.last_seen = max64(a.last_seen, in->last_seen);
		a.last_success = max64(a.last_success, in->last_success);
		a.banned_until = max64(a.banned_until, in->banned_until);
		if (in->source < a.source)
			a.source = in->source;
		return addr_put(txn, s, &a);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	if ((rc = mdb_stat(txn, s->addrs, &st)) != 0)
		return rc;
	while (st.ms_entries >= s->addr_max) {
		if ((rc = addr_evict_one(txn, s, u->now)) != 0 ||
		    (rc = mdb_stat(txn, s->addrs, &st)) != 0)
			return rc;
	}
	return addr_put(txn, s, in);
}

/* "now" for eviction: the newest time the request carries */
static uint64_t
addr_now(const struct ipc_addr *a)
{
	return max64(a->last_seen, a->last_success);
}

void
store_addr_upsert(struct store *s, const struct ipc_addr *in,
    struct ipc_result *res)
{
	struct upsert_ctx u = { in, addr_now(in) };

	memset(res, 0, sizeof(*res));
	if (in->port == 0 || in->source >= ADDR_NSOURCES) {
		store_result(res, IPC_ERR_MALFORMED, "address: port 0 or "
		    "unknown source");
		return;
	}
	if (store_write(s, upsert_txn, &u, res, "address upsert") == 0)
		res->count = 1;
}

static int
mark_txn(struct store *s, MDB_txn *txn, void *arg, struct ipc_result *res)
{
	const struct ipc_addr_mark	*m = arg;
	struct ipc_addr			 a, in;
	struct upsert_ctx		 u;
	MDB_val				 k = mval(m->ip.b, NETADDR_LEN), v;
	int				 rc;

	rc = mdb_get(txn, s->addrs, &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	if (rc == MDB_NOTFOUND || addr_get(&k, &v, &a) == -1) {
		/*
		 * Nothing to unban; and a failure of an address we never
		 * reached is not worth a write (issue 11, item 1: every
		 * address an attacker named became an entry by failing).
		 */
		if (m->outcome == ADDR_UNBAN || m->outcome == ADDR_FAILURE) {
			store_result(res, IPC_ERR_REFUSED, "address mark: "
			    "%s", m->outcome == ADDR_UNBAN ? "not banned" :
			    "failure of an address not in the book");
			return STORE_REFUSED;
		}
		/* a success or ban of an unknown address creates it */
		memset(&in, 0, sizeof(in));
		in.ip = m->ip;
		in.port = m->port;
		in.source = ADDR_INBOUND;
		in.last_seen = m->now;
		u.in = &in;
		u.now = m->now;
		if ((rc = upsert_txn(s, txn, &u, res)) != 0)
			return rc;
		a = in;
	}
	switch (m->outcome) {
	case ADDR_SUCCESS:
		a.port = m->port;
		a.last_success = max64(a.last_success, m->now);
		a.last_seen = max64(a.last_seen, m->now);
		a.failures = 0;
		break;
	case ADDR_FAILURE:
		if (a.failures < UINT32_MAX)
			a.failures++;
		break;
	case ADDR_BAN:
		a.banned_until = m->until;
		break;
	case ADDR_UNBAN:
		if (!addr_banned(&a, m->now)) {
			store_result(res, IPC_ERR_REFUSED, "address mark: not "
			    "banned");
			return STORE_REFUSED;
		}
		a.banned_until = 0;
		break;
	}
	return addr_put(txn, s, &a);
}

void
store_addr_mark(struct store *s, const struct ipc_addr_mark *m,
    struct ipc_result *res)
{
	memset(res, 0, sizeof(*res));
	if (m->port == 0 && m->outcome == ADDR_SUCCESS) {
		store_result(res, IPC_ERR_MALFORMED, "address mark: success "
		    "with port 0");
		return;
	}
	if (m->outcome >= ADDR_NOUTCOMES) {
		store_result(res, IPC_ERR_MALFORMED, "address mark: unknown "
		    "outcome %u", m->outcome);
		return;
	}
	if (m->outcome == ADDR_BAN && m->until <= m->now) {
		store_result(res, IPC_ERR_MALFORMED, "address mark: ban that "
		    "ends before now");
		return;
	}
	if (store_write(s, mark_txn, (void *)(uintptr_t)m, res,
	    "address mark") == 0)
		res->count = 1;
}

size_t
store_addr_count(struct store *s)
{
	struct ipc_result	 res;
	MDB_txn			*txn;
	MDB_stat		 st;
	size_t			 n = 0;

	if (read_begin(s, &txn, &res, "address count") == -1)
		return 0;
	if (mdb_stat(txn, s->addrs, &st) == 0)
		n = st.ms_entries;
	mdb_txn_abort(txn);
	return n;
}

static int
addr_wanted(const struct ipc_addr *a, const struct ipc_addr_query *q)
{
	if (q->purpose == ADDR_BANNED)
		return addr_banned(a, q->now);
	if (addr_banned(a, q->now) || a->port == 0)
		return 0;
	if (q->purpose == ADDR_FOR_SHARE)
		return a->last_success != 0 &&
		    a->failures < STORE_ADDR_DEMOTE;
	return 1;
}

void
store_addr_list(struct store *s, const struct ipc_addr_query *q,
    struct ipc_addrs *out, struct ipc_result *res)
{
	MDB_txn		*txn;
	MDB_cursor	*cur;
	MDB_val		 k, v;
	MDB_stat	 st;
	struct ipc_addr	*all = NULL;
	size_t		 n = 0;
	int		 rc;

	memset(out, 0, sizeof(*out));
	store_result(res, IPC_OK, NULL);
	if (q->purpose >= ADDR_NPURPOSES) {
		store_result(res, IPC_ERR_MALFORMED, "address list: unknown "
		    "purpose %u", q->purpose);
		return;
	}
	if (q->max == 0)
		return;
	if (read_begin(s, &txn, res, "address list") == -1)
		return;
	if ((rc = mdb_stat(txn, s->addrs, &st)) != 0 ||
	    (rc = mdb_cursor_open(txn, s->addrs, &cur)) != 0)
		goto fail;
	if (st.ms_entries &&
	    (all = calloc(st.ms_entries, sizeof(*all))) == NULL) {
		mdb_cursor_close(cur);
		rc = ENOMEM;
		goto fail;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	    rc == 0 && n < st.ms_entries;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (addr_get(&k, &v, &all[n]) == 0 && addr_wanted(&all[n], q))
			n++;
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto fail;
	mdb_txn_abort(txn);
	if (n > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(all, n, sizeof(*all), addr_cmp);
	out->count = (uint32_t)(n < q->max ? n : q->max);
	if (out->count > IPC_MAX_ADDRS)
		out->count = IPC_MAX_ADDRS;
	out->v = all;
	return;
fail:
	mdb_txn_abort(txn);
	free(all);
	store_result(res, IPC_ERR_STORAGE, "address list: %s",
	    mdb_strerror(rc));
}

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
	rc = height_of(txn, s, b.hash, &ih);
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
	    (rc = hash_at(txn, s, v->next - 1, h)) == 0 &&
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
	MDB_cursor	*cur;
	MDB_val		 k, d;
	MDB_stat	 bs, hs;
	uint64_t	 last;
	uint8_t		 lh[BLOCK_HASH_LEN];
	char		 a[SHORT_HEX], b[SHORT_HEX];
	int		 rc;

	if (v->next == 0) {
		store_result(res, IPC_ERR_GAP, "no blocks, not even "
		    "genesis");
		return 1;
	}
	last = v->next - 1;
	memcpy(lh, v->prev_hash, BLOCK_HASH_LEN);
	if (last == v->target) {
		/* the last block stored, which may be above the target */
		if ((rc = mdb_cursor_open(txn, s->blocks, &cur)) != 0)
			goto storage;
		rc = mdb_cursor_get(cur, &k, &d, MDB_LAST);
		mdb_cursor_close(cur);
		if (rc != 0)
			goto storage;
		if (k.mv_size != 8 || d.mv_size < BLOCK_HEADER_LEN) {
			rc = MDB_CORRUPTED;
			goto storage;
		}
		last = be64_load(k.mv_data);
		block_hash_header(d.mv_data, lh);
	}
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
	return 1;
storage:
	store_result(res, IPC_ERR_STORAGE, "verify: %s", mdb_strerror(rc));
	return 1;
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
	char		 err[STORE_ERR_MAX];
	int		 rc;

	/*
	 * Leniently, the walk reports what is wrong with the tip; later
	 * slices read only genesis and tip (load_meta decodes the tip block).
	 */
	if (!v->started ? load_meta(&m, txn, 0, err, sizeof(err)) !=
	    STORE_OPEN_OK : load_meta_tip(&m, txn, err, sizeof(err)) == -1) {
		store_result(res, IPC_ERR_CONFLICT, "%s", err);
		return 1;
	}
	if (!v->started) {
		v->started = 1;
		v->target = m.height;
		memcpy(v->genesis, m.genesis, BLOCK_HASH_LEN);
		memcpy(v->network, m.network, sizeof(v->network));
	} else if (verify_resume(s, v, txn, &m, res) == -1)
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
	if (read_begin(s, &txn, res, "verify") == 0) {
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

/* ------------------------------------------------------------------ */
/* peer keys */

struct peer_key_ctx {
	const struct ipc_peer_key	*in;
	struct ipc_peer_key_ack		*ack;
};

/*
 * A peerkeys value: the key, then when it was last seen (big-endian
 * microseconds since the epoch); a value of the key alone (written
 * before issue 14 F3) was seen at time 0.
 */
#define PEER_KEY_VAL_LEN	(IPC_KEY_LEN + 8)

static uint64_t
peer_key_seen(const MDB_val *v)
{
	return v->mv_size >= PEER_KEY_VAL_LEN ?
	    be64_load((const uint8_t *)v->mv_data + IPC_KEY_LEN) : 0;
}

/*
 * The table is full: drop its least recently seen entry (the lowest
 * address of equals), so a new peer is always recorded and a table
 * filled once from throwaway addresses ages out (issue 14, F3).  O(n),
 * n <= addr_max, only when full.
 */
static int
peer_key_evict_lru(MDB_txn *txn, const struct store *s)
{
	MDB_cursor	*cur;
	MDB_val		 k, v;
	uint8_t		 oldest[NETADDR_LEN];
	uint64_t	 best = UINT64_MAX;
	int		 rc, have = 0;

	if ((rc = mdb_cursor_open(txn, s->peerkeys, &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if (k.mv_size == NETADDR_LEN && (!have ||
		    peer_key_seen(&v) < best)) {
			best = peer_key_seen(&v);
			memcpy(oldest, k.mv_data, NETADDR_LEN);
			have = 1;
		}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return rc;
	k = mval(oldest, NETADDR_LEN);
	/* nothing to drop (no entry of ours): never loop on it */
	return have ? mdb_del(txn, s->peerkeys, &k, NULL) : MDB_NOTFOUND;
}

static int
peer_key_txn(struct store *s, MDB_txn *txn, void *arg,
    struct ipc_result *res)
{
	struct peer_key_ctx	*p = arg;
	MDB_val			 k = mval(p->in->ip.b, NETADDR_LEN), v;
	MDB_stat		 st;
	struct timespec		 ts;
	uint8_t			 val[PEER_KEY_VAL_LEN];
	int			 rc;

	(void)res;
	clock_gettime(CLOCK_REALTIME, &ts);
	memcpy(val, p->in->key, IPC_KEY_LEN);
	be64_store(val + IPC_KEY_LEN, (uint64_t)ts.tv_sec * 1000000 +
	    (uint64_t)ts.tv_nsec / 1000);
	rc = mdb_get(txn, s->peerkeys, &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	if (rc == 0 && v.mv_size >= IPC_KEY_LEN &&
	    memcmp(v.mv_data, p->in->key, IPC_KEY_LEN) == 0)
		p->ack->outcome = PEER_KEY_SAME;	/* seen now */
	else if (rc == 0) {
		p->ack->outcome = PEER_KEY_CHANGED;
		memcpy(p->ack->old, v.mv_data, v.mv_size < IPC_KEY_LEN ?
		    v.mv_size : IPC_KEY_LEN);
	} else {
		while ((rc = mdb_stat(txn, s->peerkeys, &st)) == 0 &&
		    st.ms_entries >= s->addr_max && st.ms_entries > 0)
			if ((rc = peer_key_evict_lru(txn, s)) != 0)
				return rc;
		if (rc != 0)
			return rc;
		p->ack->outcome = PEER_KEY_NEW;
	}
	v = mval(val, sizeof(val));
	return mdb_put(txn, s->peerkeys, &k, &v, 0);
}

void
store_peer_key(struct store *s, const struct ipc_peer_key *in,
    struct ipc_peer_key_ack *ack, struct ipc_result *res)
{
	struct peer_key_ctx p = { in, ack };

	memset(ack, 0, sizeof(*ack));
	ack->ip = in->ip;
	memset(res, 0, sizeof(*res));
	if (!s->has_peerkeys) {
		store_result(res, IPC_ERR_STORAGE, "peer key: the store has "
		    "no peer key table (an older store, read-only)");
		return;
	}
	(void)store_write(s, peer_key_txn, &p, res, "peer key");
}
