/* SPDX-License-Identifier: ISC */
/*
 * store_addr.c - the peer address book (addrs) and the peer-key table
 * (peerkeys) in the store.
 *
 * Addresses netd learns (from peers, DNS seeds, the config, inbound
 * connections) and what happened when it dialled them: merged on upsert,
 * marked on success, failure, ban and unban, listed best first, and
 * bounded by addr_max with eviction of the worst entry (bans kept
 * longest).  The peer-key table pins each address's node key (TLS,
 * docs/storage.md "Peer keys") under the same bound.  Apart from the
 * chain because it shares nothing with it but the environment and the
 * write runner (store_write, store.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "store.h"
#include "store_int.h"

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

/*
 * A mark of an address not in the book (or whose entry does not read):
 * a success or a ban creates the entry, into a; an unban or a failure
 * is refused.  0, STORE_REFUSED with res set, or an LMDB error.
 */
static int
mark_unknown(struct store *s, MDB_txn *txn, const struct ipc_addr_mark *m,
    struct ipc_addr *a, struct ipc_result *res)
{
	struct upsert_ctx u;

	/*
	 * Nothing to unban; and a failure of an address we never reached
	 * is not worth a write (issue 11, item 1: every address an
	 * attacker named became an entry by failing).
	 */
	if (m->outcome == ADDR_UNBAN || m->outcome == ADDR_FAILURE) {
		store_result(res, IPC_ERR_REFUSED, "address mark: %s",
		    m->outcome == ADDR_UNBAN ? "not banned" :
		    "failure of an address not in the book");
		return STORE_REFUSED;
	}
	memset(a, 0, sizeof(*a));
	a->ip = m->ip;
	a->port = m->port;
	a->source = ADDR_INBOUND;
	a->last_seen = m->now;
	u.in = a;
	u.now = m->now;
	return upsert_txn(s, txn, &u, res);
}

static int
mark_txn(struct store *s, MDB_txn *txn, void *arg, struct ipc_result *res)
{
	const struct ipc_addr_mark	*m = arg;
	struct ipc_addr			 a;
	MDB_val				 k = mval(m->ip.b, NETADDR_LEN), v;
	int				 rc;

	rc = mdb_get(txn, s->addrs, &k, &v);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	if ((rc == MDB_NOTFOUND || addr_get(&k, &v, &a) == -1) &&
	    (rc = mark_unknown(s, txn, m, &a, res)) != 0)
		return rc;
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

	if (store_read_begin(s, &txn, &res, "address count") == -1)
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
	if (store_read_begin(s, &txn, res, "address list") == -1)
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
