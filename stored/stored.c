/* SPDX-License-Identifier: ISC */
/*
 * stored - the only process that opens the data files.
 *
 * Lives chrooted in (or Landlocked to) the data directory, with no
 * network sockets.  It serves the chain and the peer address book kept
 * in one LMDB environment (store.c) to syncd and netd over two checked
 * channels, store-syncd.sock and store-netd.sock: the catalogue in
 * ipc/msg.c lets only syncd append, both read and keep the book.  Every
 * request is decoded and checked here and answered with its request id,
 * an error included (IPC_STORE_RESULT), so a requester can time out and
 * retry: requests are idempotent.
 *
 * "stored --verify DATA_DIR" walks a stopped (or running) store in
 * read-only slices and exits 0 when the chain is whole; SIGINT/SIGTERM
 * end it between two slices, its read transaction closed.  The
 * supervisor's IPC_VERIFY (timenodectl verify) runs the same checks in
 * slices between the other events, so that heartbeats and requests are
 * answered while it runs: one verify at a time, a second is answered
 * IPC_ERR_BUSY.
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "worker.h"

/*
 * A reader slot left by a process that died inside a read transaction
 * (`stored --verify` killed, a crashed tool) pins every page freed after
 * its snapshot: each commit then grows the file until the slot is
 * cleared (PowerDNS#9888).  store_open clears dead slots at start; the
 * running stored clears them this often, so a dead reader pins pages for
 * at most this long.  mdb_reader_check takes the reader table's lock and
 * tests each distinct pid's lock: microseconds.
 */
#define READER_CHECK_S		1

struct verify_job {
	struct event		*ev;	/* zero timeout: the next slice */
	struct store_verifier	 v;
	uint32_t		 reqid;
	int			 running;
	double			 started;
};

/* stored's state: one instance, env (each worker's is named so) */
struct stored {
	struct genesis	 genesis;
	uint8_t		 node_seed[IPC_KEY_LEN];	/* node.key */
	struct store	 store;
	int		 open;
	struct verify_job vj;
	struct event	*reader_check;	/* every READER_CHECK_S */
};

static struct stored	env;

/* IPC_STORE_RESULT carrying the current tip */
static void
send_result(struct ipc_chan *c, uint16_t type, uint32_t reqid,
    struct ipc_result *res)
{
	res->height = env.store.height;
	memcpy(res->hash, env.store.tip, IPC_HASH_LEN);
	ipc_compose(c, type, reqid, res);
}

static void
refuse(struct ipc_chan *c, const struct ipc_hdr *h, uint8_t code,
    const char *why)
{
	struct ipc_result res;

	memset(&res, 0, sizeof(res));
	store_result(&res, code, "%s: %s", ipc_type_name(h->type), why);
	log_warnx("%s from %s: %s", ipc_type_name(h->type), ipc_chan_name(c),
	    res.reason);
	send_result(c, IPC_STORE_RESULT, h->reqid, &res);
}

/*
 * Whose request: netd's serve peers, so they see only blocks whose
 * signatures were checked (docs/sync.md, "Trusted checkpoint": the
 * served tip, reads clamped below the unchecked range); syncd's see the
 * whole chain.  The channel's handler argument says which.
 */
enum view { VIEW_CHAIN, VIEW_SERVED };
static const enum view view_syncd = VIEW_CHAIN, view_netd = VIEW_SERVED;

static void
req_tip(struct ipc_chan *c, const struct ipc_hdr *h, enum view view)
{
	struct ipc_tip		t;
	struct ipc_result	res;

	if (view == VIEW_CHAIN)
		store_tip(&env.store, &t);
	else if (store_tip_served(&env.store, &t, &res) == -1) {
		log_warnx("%s", res.reason);
		send_result(c, IPC_STORE_RESULT, h->reqid, &res);
		return;
	}
	ipc_compose(c, IPC_STORE_TIP, h->reqid, &t);
}

static void
req_blocks(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *r,
    enum view view)
{
	struct ipc_range	q;
	struct wbuf		w;

	if (ipc_range_decode(r, &q) == -1) {
		refuse(c, h, IPC_ERR_MALFORMED, "count over 1024, size over "
		    "the limit or bad length");
		return;
	}
	wbuf_init(&w, IPC_MAX_MSG - IPC_HDR_LEN);
	if (view == VIEW_CHAIN)		/* streamed, no struct */
		store_blocks(&env.store, &q, &w);
	else
		store_blocks_served(&env.store, &q, &w);
	ipc_send(c, IPC_STORE_BLOCKS, h->reqid, &w);
	wbuf_free(&w);
}

/* a peer's GET_HEADERS, from netd (docs/protocol.md section 3) */
static void
req_headers(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *r,
    enum view view)
{
	struct ipc_headers_req	q;
	struct wbuf		w;

	if (ipc_headers_req_decode(r, &q) == -1) {
		refuse(c, h, IPC_ERR_MALFORMED, "count 0 or over 2000, a "
		    "height over 2^53-1 or bad length");
		return;
	}
	wbuf_init(&w, IPC_MAX_MSG - IPC_HDR_LEN);
	if (view == VIEW_CHAIN)		/* streamed, no struct */
		store_headers(&env.store, &q, &w);
	else
		store_headers_served(&env.store, &q, &w);
	ipc_send(c, IPC_STORE_HEADERS, h->reqid, &w);
	wbuf_free(&w);
}

static void
req_locator(struct ipc_chan *c, const struct ipc_hdr *h)
{
	struct ipc_hashes	hs;
	struct ipc_result	res;

	store_locator(&env.store, &hs, &res);
	if (res.code != IPC_OK) {
		log_warnx("%s", res.reason);
		send_result(c, IPC_STORE_RESULT, h->reqid, &res);
		return;
	}
	ipc_compose(c, IPC_STORE_HASHES, h->reqid, &hs);
}

static void
send_point(struct ipc_chan *c, const struct ipc_hdr *h,
    const struct ipc_point *pt, struct ipc_result *res)
{
	if (res->code != IPC_OK) {
		log_warnx("%s", res->reason);
		send_result(c, IPC_STORE_RESULT, h->reqid, res);
		return;
	}
	ipc_compose(c, IPC_STORE_POINT, h->reqid, pt);
}

static void
req_fork(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *r)
{
	struct ipc_hashes	loc;
	struct ipc_point	pt;
	struct ipc_result	res;

	if (ipc_hashes_decode(r, &loc) == -1 || loc.count == 0) {
		refuse(c, h, IPC_ERR_MALFORMED, "bad locator (1 to 64 hashes)");
		return;
	}
	store_fork_point(&env.store, &loc, &pt, &res);
	send_point(c, h, &pt, &res);
}

static void
req_height(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *r)
{
	struct ipc_hashes	one;
	struct ipc_point	pt;
	struct ipc_result	res;

	if (ipc_hashes_decode(r, &one) == -1 || one.count != 1) {
		refuse(c, h, IPC_ERR_MALFORMED, "exactly one hash expected");
		return;
	}
	store_height_of(&env.store, one.h[0], &pt, &res);
	send_point(c, h, &pt, &res);
}

/*
 * Count and total size of an append, read without decoding it: over the
 * limits is IPC_ERR_TOO_LARGE rather than a malformed request.
 */
static int
append_oversized(const struct rbuf *in, struct ipc_result *res)
{
	struct rbuf	r = *in;
	uint64_t	total = 0;
	uint32_t	count, i, len;

	(void)get_u8(&r);	/* rollback, rollback_to, unchecked lo, hi */
	(void)get_u64(&r);
	(void)get_u64(&r);
	(void)get_u64(&r);
	(void)get_u8(&r);
	count = get_u32(&r);
	if (!rbuf_ok(&r))
		return 0;
	if (count > IPC_MAX_BLOCKS) {
		store_result(res, IPC_ERR_TOO_LARGE, "%u blocks, at most %u in "
		    "one batch", count, IPC_MAX_BLOCKS);
		return 1;
	}
	for (i = 0; i < count && rbuf_ok(&r); i++) {
		len = get_u32(&r);
		total += len;
		if (len > BLOCK_MAX_LEN || total > IPC_MAX_BLOCK_BYTES) {
			store_result(res, IPC_ERR_TOO_LARGE, "block %u: %u "
			    "bytes (at most %u), %llu in the batch (at most "
			    "%u)", i + 1, len, BLOCK_MAX_LEN,
			    (unsigned long long)total, IPC_MAX_BLOCK_BYTES);
			return 1;
		}
		(void)get_ptr(&r, len);
	}
	return 0;
}

static unsigned long long
first_height(const struct ipc_blocks *b)
{
	if (b->count == 0 || b->v[0].len < 12)
		return 0;
	return be64_load(b->v[0].p + 4);
}

static void
req_append(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *r)
{
	struct ipc_append	a;
	struct ipc_result	res;

	memset(&res, 0, sizeof(res));
	if (append_oversized(r, &res)) {
		log_warnx("append: refused: %s", res.reason);
		send_result(c, IPC_STORE_RESULT, h->reqid, &res);
		return;
	}
	if (ipc_append_decode(r, &a) == -1) {
		refuse(c, h, IPC_ERR_MALFORMED, "does not decode");
		return;
	}
	store_append(&env.store, &a, &res);
	if (res.code == IPC_OK)
		log_debug("append %u blocks at %llu%s: ok, %u written, tip %llu"
		    "%s%s", a.blocks.count, first_height(&a.blocks),
		    a.rollback ? " with rollback" : "", res.count,
		    (unsigned long long)res.height, res.reason[0] ? ", " : "",
		    res.reason);
	else if (a.rollback)
		log_warnx("rollback to %llu and append %u blocks at %llu: %s: "
		    "%s", (unsigned long long)a.rollback_to, a.blocks.count,
		    first_height(&a.blocks), res.code == IPC_ERR_STORAGE ?
		    "failed" : "refused", res.reason);
	else
		log_warnx("append %u blocks at %llu: %s: %s", a.blocks.count,
		    first_height(&a.blocks), res.code == IPC_ERR_STORAGE ?
		    "failed" : "refused", res.reason);
	ipc_blocks_free(&a.blocks);
	send_result(c, IPC_STORE_RESULT, h->reqid, &res);
}

/* syncd's deferred signature check of stored blocks (store_audited) */
static void
req_audited(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *r)
{
	struct ipc_audited	a;
	struct ipc_result	res;

	if (ipc_audited_decode(r, &a) == -1) {
		refuse(c, h, IPC_ERR_MALFORMED, "from 0, from above to, a "
		    "height over 2^53-1 or bad length");
		return;
	}
	store_audited(&env.store, &a, &res);
	if (res.code != IPC_OK)
		log_warnx("audited %llu-%llu: %s", (unsigned long long)a.from,
		    (unsigned long long)a.to, res.reason);
	else if (res.count && env.store.unchecked_lo)
		log_debug("signatures of blocks %llu-%llu verified; more to "
		    "verify", (unsigned long long)a.from,
		    (unsigned long long)a.to);
	else if (res.count)	/* one line a range, not one a batch */
		log_info("signatures of blocks up to %llu verified: every "
		    "stored block is verified and served",
		    (unsigned long long)a.to);
	send_result(c, IPC_STORE_RESULT, h->reqid, &res);
}

static void
req_addr_upsert(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *r)
{
	struct ipc_addr		a;
	struct ipc_result	res;

	if (ipc_addr_decode(r, &a) == -1) {
		refuse(c, h, IPC_ERR_MALFORMED, "port 0, unknown source or bad "
		    "length");
		return;
	}
	store_addr_upsert(&env.store, &a, &res);
	if (res.code != IPC_OK)
		log_warnx("%s", res.reason);
	send_result(c, IPC_STORE_RESULT, h->reqid, &res);
}

static void
req_addr_mark(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *r)
{
	struct ipc_addr_mark	m;
	struct ipc_result	res;

	if (ipc_addr_mark_decode(r, &m) == -1) {
		refuse(c, h, IPC_ERR_MALFORMED, "unknown outcome or bad length");
		return;
	}
	store_addr_mark(&env.store, &m, &res);
	if (res.code != IPC_OK)
		log_warnx("%s", res.reason);
	send_result(c, IPC_STORE_RESULT, h->reqid, &res);
}

static void
req_addr_list(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *r)
{
	struct ipc_addr_query	q;
	struct ipc_addrs	out;
	struct ipc_result	res;

	if (ipc_addr_query_decode(r, &q) == -1) {
		refuse(c, h, IPC_ERR_MALFORMED, "unknown purpose or bad length");
		return;
	}
	store_addr_list(&env.store, &q, &out, &res);
	if (res.code != IPC_OK) {
		log_warnx("%s", res.reason);
		send_result(c, IPC_STORE_RESULT, h->reqid, &res);
		return;
	}
	ipc_compose(c, IPC_STORE_ADDRS, h->reqid, &out);
	ipc_addrs_free(&out);
}

/* netd asks for the node key at start (docs/storage.md, "Node key") */
static void
req_node_key(struct ipc_chan *c, const struct ipc_hdr *h)
{
	struct ipc_node_key	k;

	memcpy(k.seed, env.node_seed, IPC_KEY_LEN);
	ipc_compose(c, IPC_STORE_NODE_KEY, h->reqid, &k); /* wipes its copy */
	sodium_memzero(&k, sizeof(k));
}

static void
req_peer_key(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *r)
{
	struct ipc_peer_key	k;
	struct ipc_peer_key_ack	ack;
	struct ipc_result	res;

	if (ipc_peer_key_decode(r, &k) == -1) {
		refuse(c, h, IPC_ERR_MALFORMED, "bad length");
		return;
	}
	store_peer_key(&env.store, &k, &ack, &res);
	if (res.code != IPC_OK) {
		log_warnx("%s", res.reason);
		send_result(c, IPC_STORE_RESULT, h->reqid, &res);
		return;
	}
	ipc_compose(c, IPC_STORE_PEER_KEY_ACK, h->reqid, &ack);
}

/* Both store channels; the catalogue already checked sender and size. */
static void
store_dispatch(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *r,
    void *arg)
{
	enum view view = *(const enum view *)arg;

	switch (h->type) {
	case IPC_STORE_TIP_REQ:
		req_tip(c, h, view);
		break;
	case IPC_STORE_BLOCKS_REQ:
		req_blocks(c, h, r, view);
		break;
	case IPC_STORE_HEADERS_REQ:
		req_headers(c, h, r, view);
		break;
	case IPC_STORE_AUDITED:
		req_audited(c, h, r);
		break;
	case IPC_STORE_LOCATOR_REQ:
		req_locator(c, h);
		break;
	case IPC_STORE_FORK_REQ:
		req_fork(c, h, r);
		break;
	case IPC_STORE_HEIGHT_REQ:
		req_height(c, h, r);
		break;
	case IPC_STORE_APPEND:
		req_append(c, h, r);
		break;
	case IPC_STORE_ADDR_UPSERT:
		req_addr_upsert(c, h, r);
		break;
	case IPC_STORE_ADDR_MARK:
		req_addr_mark(c, h, r);
		break;
	case IPC_STORE_ADDR_LIST_REQ:
		req_addr_list(c, h, r);
		break;
	case IPC_STORE_NODE_KEY_REQ:
		req_node_key(c, h);
		break;
	case IPC_STORE_PEER_KEY:
		req_peer_key(c, h, r);
		break;
	default:
		refuse(c, h, IPC_ERR_MALFORMED, "not a request stored serves");
	}
}

/*
 * The node key (docs/storage.md, "Node key"): <data dir>/node.key, the
 * 32-byte Ed25519 seed in the producer key file format (keyfile.c), made
 * with mode 0600 at the first start.  Only stored touches the data dir
 * (docs/architecture.md); netd gets the seed over IPC.  -1 with a log
 * line: a file that is not a key is never replaced.
 */
static int
node_key_load(const char *data_dir)
{
	uint8_t	pk[BLOCK_PUBKEY_LEN], sk[BLOCK_SECKEY_LEN];
	char	path[CONFIG_PATH_MAX + 16], err[512];
	int	rc;

	if (sodium_init() < 0) {
		log_warnx("sodium_init failed");
		return -1;
	}
	if (snprintf(path, sizeof(path), "%s/node.key", data_dir) >=
	    (int)sizeof(path)) {
		log_warnx("node key: data dir path too long");
		return -1;
	}
	if (access(path, F_OK) == -1 && errno == ENOENT) {
		randombytes_buf(env.node_seed, sizeof(env.node_seed));
		if (keyfile_write(path, env.node_seed, "# timenode node key "
		    "(Ed25519 seed); keep it secret\n", err,
		    sizeof(err)) == -1) {
			log_warnx("node key: %s", err);
			return -1;
		}
		log_info("node key: made %s", path);
	}
	rc = keyfile_load(path, pk, sk, err, sizeof(err));
	if (rc == 0)
		memcpy(env.node_seed, sk, IPC_KEY_LEN);	/* seed || pk */
	else
		log_warnx("node key: %s", err);
	sodium_memzero(sk, sizeof(sk));
	return rc == 0 ? 0 : -1;
}

static int
stored_load(struct worker *w)
{
	const char	*dir = w->cfg.genesis_dir[0] ? w->cfg.genesis_dir :
			    w->cfg.data_dir;
	char		 err[256];

	if (genesis_load(&env.genesis, w->cfg.network, dir, err,
	    sizeof(err)) == -1) {
		log_warnx("genesis of network %s: %s", w->cfg.network, err);
		worker_exit_config();
	}
	if (node_key_load(w->cfg.data_dir) == -1)
		worker_exit_config();
	return 0;
}

static int
stored_pre_sandbox(struct worker *w)
{
	worker_listen(w, "store-netd.sock", IPC_NETD, store_dispatch,
	    (void *)(uintptr_t)&view_netd);
	worker_listen(w, "store-syncd.sock", IPC_SYNCD, store_dispatch,
	    (void *)(uintptr_t)&view_syncd);
	return 0;
}

/* Clear the reader slots of dead processes (READER_CHECK_S above). */
static void
reader_check_cb(evutil_socket_t fd, short ev, void *arg)
{
	int	dead = 0, rc;

	(void)fd;
	(void)ev;
	(void)arg;
	if (!env.open || env.store.env == NULL ||
	    (env.store.env_flags & MDB_NOLOCK))
		return;
	if ((rc = mdb_reader_check(env.store.env, &dead)) != 0)
		log_warnx("%s: reader check: %s", env.store.shown,
		    mdb_strerror(rc));
	else if (dead > 0)
		log_warnx("%s: cleared %d reader slot(s) of dead processes "
		    "(a killed verify?); their snapshots no longer hold "
		    "pages", env.store.shown, dead);
}

static int
reader_check_start(struct worker *w)
{
	struct timeval	tv = { READER_CHECK_S, 0 };

	env.reader_check = event_new(w->base, -1, EV_PERSIST, reader_check_cb,
	    NULL);
	return env.reader_check == NULL || event_add(env.reader_check, &tv) ==
	    -1 ? -1 : 0;
}

static int
stored_init(struct worker *w)
{
	struct store_params	 p;
	enum store_open_status	 st;
	char			 path[CONFIG_PATH_MAX + 16], err[STORE_ERR_MAX];
	char			 shown[CONFIG_PATH_MAX + 16];
	char			 hx[2 * IPC_HASH_LEN + 1];

	if (worker_data_path(w, STORE_FILE, path, sizeof(path)) == -1) {
		log_warnx("the data directory is out of sight");
		return -1;
	}
	/* chrooted, path is "/chain.mdb": say where it is on the host */
	snprintf(shown, sizeof(shown), "%s/%s", w->cfg.data_dir, STORE_FILE);
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.shown = shown;
	p.map_size = (size_t)w->cfg.map_size_mb << 20;
	p.addr_max = (uint32_t)w->cfg.addr_max;
	p.max_reorg = (uint64_t)w->cfg.max_reorg_depth;
	p.genesis = &env.genesis;
	st = store_open(&env.store, &p, err, sizeof(err));
	if (st == STORE_OPEN_MISMATCH) {
		log_warnx("%s", err);
		worker_exit_config();
	}
	if (st != STORE_OPEN_OK) {
		log_warnx("cannot open the store: %s", err);
		return -1;
	}
	env.open = 1;
	if (reader_check_start(w) == -1) {
		log_warnx("cannot start the reader check timer");
		return -1;
	}
	log_info("store open: network %s, height %llu, tip %s%s",
	    env.store.network, (unsigned long long)env.store.height,
	    store_hex(env.store.tip, IPC_HASH_LEN, hx, sizeof(hx)),
	    env.store.readonly ? ", READ-ONLY" : "");
	return 0;
}

/*
 * For the metrics: LMDB's map size and the pages in use (the last page
 * number + 1, mdb_env_info's me_last_pgno), and our send queues.
 */
static void
status_metrics(struct worker *w, struct ipc_status_stored *st)
{
	MDB_envinfo	info;
	MDB_stat	ms;

	worker_sendq(w, st->sendq);
	if (!env.open || mdb_env_info(env.store.env, &info) != 0 ||
	    mdb_env_stat(env.store.env, &ms) != 0)
		return;
	st->map_bytes = info.me_mapsize;
	st->pages_used = (uint64_t)info.me_last_pgno + 1;
	st->page_bytes = ms.ms_psize;
}

static void
stored_status(struct worker *w, struct wbuf *out, uint64_t seq)
{
	struct ipc_status_stored st;

	memset(&st, 0, sizeof(st));
	status_metrics(w, &st);
	st.seq = seq;
	if (env.open) {
		st.height = env.store.height;
		memcpy(st.tip, env.store.tip, IPC_HASH_LEN);
		memcpy(st.genesis, env.store.genesis, IPC_HASH_LEN);
		st.have_chain = 1;
	}
	ipc_status_stored_encode(out, &st);
}

/* IPC_VERIFY_ACK: height and hash are what was verified, else the tip */
static void
send_verify(struct worker *w, uint32_t reqid, struct ipc_result *res)
{
	if (res->code != IPC_OK) {
		res->height = env.store.height;
		memcpy(res->hash, env.store.tip, IPC_HASH_LEN);
	}
	ipc_compose(w->ctl, IPC_VERIFY_ACK, reqid, res);
}

/* the next slice after this turn of the loop: what is ready goes first */
static int
verify_schedule(struct verify_job *vj)
{
	struct timeval zero = { 0, 0 };

	return evtimer_add(vj->ev, &zero);
}

static void
verify_end(struct worker *w, struct ipc_result *res)
{
	struct verify_job *vj = &env.vj;

	vj->running = 0;
	if (res->code == IPC_OK)
		log_info("verify: %s (%u slices, %u restarts, %.1f s)",
		    res->reason, vj->v.slices, vj->v.restarts,
		    mono_now() - vj->started);
	else
		log_warnx("verify: after %u blocks: %s", res->count,
		    res->reason);
	send_verify(w, vj->reqid, res);
}

static void
verify_slice_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct worker		*w = arg;
	struct verify_job	*vj = &env.vj;
	struct ipc_result	 res;

	(void)fd;
	(void)ev;
	if (!vj->running || !env.open)
		return;
	if (store_verify_step(&env.store, &vj->v, STORE_VERIFY_SLICE_BLOCKS,
	    STORE_VERIFY_SLICE_BYTES, &res) == 0) {
		if (verify_schedule(vj) == 0)
			return;
		store_result(&res, IPC_ERR_BUSY, "cannot schedule the next "
		    "slice of the verify");
	}
	verify_end(w, &res);
}

static void
verify_start(struct worker *w, uint32_t reqid)
{
	struct verify_job	*vj = &env.vj;
	struct ipc_result	 res;

	memset(&res, 0, sizeof(res));
	if (!env.open)
		store_result(&res, IPC_ERR_BUSY, "the store is not open yet");
	else if (vj->running)
		store_result(&res, IPC_ERR_BUSY, "a verify is already "
		    "running (%llu of %llu blocks walked); it answers the "
		    "request that started it, try again when it is done",
		    (unsigned long long)vj->v.next, vj->v.started ?
		    (unsigned long long)vj->v.target + 1 :
		    (unsigned long long)env.store.height + 1);
	else if ((vj->ev == NULL && (vj->ev = evtimer_new(w->base,
	    verify_slice_cb, w)) == NULL) || verify_schedule(vj) == -1)
		store_result(&res, IPC_ERR_BUSY, "cannot schedule a verify");
	if (res.reason[0] != '\0') {
		log_warnx("verify: refused: %s", res.reason);
		send_verify(w, reqid, &res);
		return;
	}
	store_verify_begin(&vj->v);
	vj->reqid = reqid;
	vj->running = 1;
	vj->started = mono_now();
	log_info("verify: started at tip %llu, in slices of %u blocks or "
	    "%u KiB", (unsigned long long)env.store.height,
	    STORE_VERIFY_SLICE_BLOCKS, STORE_VERIFY_SLICE_BYTES >> 10);
}

static void
stored_ctl(struct worker *w, const struct ipc_hdr *h, struct rbuf *r)
{
	(void)r;
	if (h->type != IPC_VERIFY) {
		log_warnx("control: unexpected %s, dropped",
		    ipc_type_name(h->type));
		return;
	}
	verify_start(w, h->reqid);
}

static void
stored_shutdown(struct worker *w)
{
	(void)w;
	if (env.vj.ev != NULL)
		event_free(env.vj.ev);
	env.vj.ev = NULL;
	if (env.reader_check != NULL)
		event_free(env.reader_check);
	env.reader_check = NULL;
	env.vj.running = 0;
	if (env.open)
		store_close(&env.store);
	env.open = 0;
}

/* LMDB's two files: the service user's even where the data dir is root's */
static const char *const stored_files[] = {
	STORE_FILE, STORE_FILE "-lock", NULL
};

static const struct worker_def stored_def = {
	.proc = IPC_STORED,
	.usage_extra = "       stored --verify DATA_DIR\n",
	.net = SANDBOX_NET_NONE,
	.needs_data_dir = 1,
	.data_files = stored_files,
	.load = stored_load,
	.pre_sandbox = stored_pre_sandbox,
	.init = stored_init,
	.status = stored_status,
	.shutdown = stored_shutdown,
	.ctl_msg = stored_ctl,
};

static volatile sig_atomic_t	verify_stop;

static void
verify_signal(int sig)
{
	verify_stop = sig;
}

/*
 * SIGINT/SIGTERM end the walk after its current slice: the read
 * transaction ends and the environment is closed, so a Ctrl-C leaves no
 * dead reader slot behind (issue 11, item 11).  Then the signal's own
 * default action, so the shell sees what happened.
 */
static void
verify_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = verify_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
}

/* stored --verify DATA_DIR: no supervisor, read-only transactions */
static int
verify_main(const char *dir)
{
	struct ipc_result	res;
	char			hx[2 * IPC_HASH_LEN + 1];
	int			sig;

	log_init("stored", 0);
	if (store_verify_dir(dir, &verify_stop, &res) == 0) {
		printf("%s: ok: %s, tip %s\n", dir, res.reason,
		    store_hex(res.hash, IPC_HASH_LEN, hx, sizeof(hx)));
		return 0;
	}
	if ((sig = verify_stop) != 0) {
		printf("%s: %s (no verdict)\n", dir, res.reason);
		fflush(stdout);
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
	printf("%s: FAILED after %u blocks: %s\n", dir, res.count, res.reason);
	return 1;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--verify") == 0) {
		if (argc != 3) {
			fprintf(stderr, "usage: stored --verify DATA_DIR\n");
			return 2;
		}
		verify_catch();
		return verify_main(argv[2]);
	}
	return worker_main(argc, argv, &stored_def);
}
