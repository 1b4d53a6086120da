/* SPDX-License-Identifier: ISC */
/*
 * msg.c - the message catalogue and the encoders/decoders of ipc.h.
 *
 * Decoders return 0 only when every field was present, in range, and no
 * byte was left over; anything else is -1 and the message is dropped by
 * the caller.  Counts are checked against both their hard maximum and the
 * bytes actually present before any allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "ipc.h"

#define P(x)	(1u << (x))
#define WORKERS	(P(IPC_STORED) | P(IPC_SYNCD) | P(IPC_NETD))

const char *const ipc_proc_names[IPC_NPROC] = {
	"timenoded", "stored", "syncd", "netd"
};

const char *const sync_state_names[SYNC_NSTATES] = {
	"idle", "catching-up"
};

const char *const sync_av_names[SYNC_NAV] = {
	"off", "pending", "passed", "revoked"
};

const char *const net_close_names[CLOSE_NREASONS] = {
	"error", "timeout", "duplicate", "self", "wrong_network", "protocol",
	"goodbye", "limit", "replaced", "misbehavior", "shutdown"
};

#define NETD_STATUS_MIN	(8 + 8 * (14 + CLOSE_NREASONS) + 4 + IPC_HIST_LEN + \
			 IPC_SENDQ_LEN + IPC_KEY_LEN + 1 + 4)
#define PEER_KEY_LEN	(NETADDR_LEN + IPC_KEY_LEN)
#define PEER_KEY_ACK_LEN (NETADDR_LEN + 1 + IPC_KEY_LEN)
#define STORED_STATUS_LEN (8 + 8 + 2 * IPC_HASH_LEN + 1 + 8 + 8 + 4 + \
			 IPC_SENDQ_LEN)
#define SYNCD_STATUS_LEN (8 + 1 + 8 + 8 + 4 + 8 + 8 + 1 + 8 + 8 + 16 + 16 + \
			 IPC_HIST_LEN + IPC_SENDQ_LEN)
#define TIP_LEN		(8 + 2 * IPC_HASH_LEN + 16)
#define APPEND_HDR	(9 + 16)	/* rollback, its height, unchecked */
#define RESULT_MIN	(1 + 8 + IPC_HASH_LEN + 4 + 2)
#define RESULT_MAX	(RESULT_MIN + IPC_REASON_MAX)
#define BLOCKS_MIN	(1 + 4)
#define BLOCKS_MAX	(BLOCKS_MIN + 4 * IPC_MAX_BLOCKS + IPC_MAX_BLOCK_BYTES)
#define HASHES_MIN	4
#define HASHES_MAX	(4 + IPC_MAX_HASHES * IPC_HASH_LEN)
#define ADDR_LEN	(NETADDR_LEN + 2 + 1 + 8 + 8 + 4 + 8)
#define PEER_LEN	(NETADDR_LEN + 2 + 1 + 8 + IPC_HASH_LEN)
#define STORERS		(P(IPC_NETD) | P(IPC_SYNCD))
#define HEADERS_MIN	(1 + 4)
#define HEADERS_MAX	(HEADERS_MIN + IPC_MAX_HEADERS * IPC_HEADER_LEN)

const char *const ipc_code_names[IPC_NCODES] = {
	"ok", "malformed request", "gap", "does not link", "conflict",
	"too large", "out of range", "storage error", "busy", "refused"
};

/*
 * The table's codec columns: each type's encoder, decoder and free
 * function under one signature, so that ipc_compose (chan.c), the tests
 * and the fuzzers can work from the table.  C(name) is the struct
 * ipc_<name>, its size and its functions.
 */
#define CODEC(name)							\
static void								\
enc_##name(struct wbuf *w, const void *m)				\
{									\
	ipc_##name##_encode(w, m);					\
}									\
static int								\
dec_##name(struct rbuf *r, void *m)					\
{									\
	return ipc_##name##_decode(r, m);				\
}
#define FREE(name, expr)						\
static void								\
free_##name(void *v)							\
{									\
	struct ipc_##name *m = v;					\
									\
	expr;								\
}
CODEC(heartbeat)
CODEC(status_stored)
CODEC(status_syncd)
CODEC(status_netd)
CODEC(debug_socket)
CODEC(produce)
CODEC(result)
CODEC(bans)
CODEC(unban)
CODEC(tip)
CODEC(range)
CODEC(headers_req)
CODEC(headers)
CODEC(get_headers)
CODEC(net_headers)
CODEC(blocks)
CODEC(hashes)
CODEC(point)
CODEC(append)
CODEC(audited)
CODEC(addr)
CODEC(addr_mark)
CODEC(addr_query)
CODEC(addrs)
CODEC(node_key)
CODEC(peer_key)
CODEC(peer_key_ack)
CODEC(peer)
CODEC(net_blocks)
CODEC(get_blocks)
CODEC(punish)
FREE(status_netd, ipc_status_netd_free(m))
FREE(blocks, ipc_blocks_free(m))
FREE(append, ipc_blocks_free(&m->blocks))
FREE(addrs, ipc_addrs_free(m))
FREE(net_blocks, ipc_blocks_free(&m->blocks))

#define C(name)	.size = sizeof(struct ipc_##name), .encode = enc_##name, \
		.decode = dec_##name
#define CF(name) C(name), .release = free_##name
#define ANSWER(t)	.answer = (t)
#define RAW		.size = 0	/* no answer, no codec */

static const struct ipc_msgdef msgdefs[] = {
	{ IPC_HEARTBEAT, "heartbeat", P(IPC_SUPERVISOR), WORKERS,
	    8 + 4 * IPC_NPROC, 8 + 4 * IPC_NPROC, C(heartbeat) },
	{ IPC_HEARTBEAT_STORED, "heartbeat-stored", P(IPC_STORED),
	    P(IPC_SUPERVISOR), STORED_STATUS_LEN, STORED_STATUS_LEN,
	    C(status_stored) },
	{ IPC_HEARTBEAT_SYNCD, "heartbeat-syncd", P(IPC_SYNCD),
	    P(IPC_SUPERVISOR), SYNCD_STATUS_LEN, SYNCD_STATUS_LEN,
	    C(status_syncd) },
	{ IPC_HEARTBEAT_NETD, "heartbeat-netd", P(IPC_NETD), P(IPC_SUPERVISOR),
	    NETD_STATUS_MIN,
	    NETD_STATUS_MIN + IPC_MAX_PEERS * IPC_PEER_STATUS_LEN,
	    CF(status_netd) },
	{ IPC_DEBUG_SOCKET, "debug-socket", P(IPC_SUPERVISOR), WORKERS, 0, 0,
	    ANSWER(IPC_DEBUG_SOCKET_ACK) },
	{ IPC_DEBUG_SOCKET_ACK, "debug-socket-ack", WORKERS, P(IPC_SUPERVISOR),
	    4, 4, C(debug_socket) },
	{ IPC_PRODUCE, "produce", P(IPC_SUPERVISOR), P(IPC_SYNCD), 8, 8,
	    ANSWER(IPC_PRODUCE_ACK), C(produce) },
	{ IPC_PRODUCE_ACK, "produce-ack", P(IPC_SYNCD), P(IPC_SUPERVISOR),
	    RESULT_MIN, RESULT_MAX, C(result) },
	{ IPC_VERIFY, "verify", P(IPC_SUPERVISOR), P(IPC_STORED), 0, 0,
	    ANSWER(IPC_VERIFY_ACK) },
	{ IPC_METRICS_TEXT, "metrics-text", P(IPC_SUPERVISOR), P(IPC_NETD), 0,
	    IPC_METRICS_TEXT_MAX, RAW },
	{ IPC_VERIFY_ACK, "verify-ack", P(IPC_STORED), P(IPC_SUPERVISOR),
	    RESULT_MIN, RESULT_MAX, C(result) },
	{ IPC_BANS_REQ, "bans-req", P(IPC_SUPERVISOR), P(IPC_NETD), 0, 0,
	    ANSWER(IPC_BANS) },
	{ IPC_BANS, "bans", P(IPC_NETD), P(IPC_SUPERVISOR), 4,
	    4 + IPC_MAX_BANS * IPC_BAN_LEN, C(bans) },
	{ IPC_UNBAN, "unban", P(IPC_SUPERVISOR), P(IPC_NETD), NETADDR_LEN,
	    NETADDR_LEN, ANSWER(IPC_UNBAN_ACK), C(unban) },
	{ IPC_UNBAN_ACK, "unban-ack", P(IPC_NETD), P(IPC_SUPERVISOR),
	    RESULT_MIN, RESULT_MAX, C(result) },
	{ IPC_HEARTBEAT_STARTING, "heartbeat-starting", WORKERS,
	    P(IPC_SUPERVISOR), 0, 0, RAW },

	{ IPC_STORE_TIP_REQ, "store-tip-req", STORERS, P(IPC_STORED), 0, 0,
	    ANSWER(IPC_STORE_TIP) },
	{ IPC_STORE_TIP, "store-tip", P(IPC_STORED), STORERS,
	    TIP_LEN, TIP_LEN, C(tip) },
	{ IPC_STORE_BLOCKS_REQ, "store-blocks-req", STORERS, P(IPC_STORED),
	    16, 16, ANSWER(IPC_STORE_BLOCKS), C(range) },
	{ IPC_STORE_BLOCKS, "store-blocks", P(IPC_STORED), STORERS,
	    BLOCKS_MIN, BLOCKS_MAX, CF(blocks) },
	{ IPC_STORE_LOCATOR_REQ, "store-locator-req", STORERS, P(IPC_STORED),
	    0, 0, ANSWER(IPC_STORE_HASHES) },
	{ IPC_STORE_HASHES, "store-hashes", P(IPC_STORED), STORERS,
	    HASHES_MIN, HASHES_MAX, C(hashes) },
	{ IPC_STORE_FORK_REQ, "store-fork-req", STORERS, P(IPC_STORED),
	    HASHES_MIN, HASHES_MAX, ANSWER(IPC_STORE_POINT), C(hashes) },
	{ IPC_STORE_HEIGHT_REQ, "store-height-req", STORERS, P(IPC_STORED),
	    4 + IPC_HASH_LEN, 4 + IPC_HASH_LEN,
	    ANSWER(IPC_STORE_POINT), C(hashes) },
	{ IPC_STORE_POINT, "store-point", P(IPC_STORED), STORERS,
	    1 + 8 + IPC_HASH_LEN, 1 + 8 + IPC_HASH_LEN, C(point) },
	{ IPC_STORE_APPEND, "store-append", P(IPC_SYNCD), P(IPC_STORED),
	    APPEND_HDR + BLOCKS_MIN, APPEND_HDR + BLOCKS_MAX,
	    ANSWER(IPC_STORE_RESULT), CF(append) },
	{ IPC_STORE_AUDITED, "store-audited", P(IPC_SYNCD), P(IPC_STORED),
	    16, 16, ANSWER(IPC_STORE_RESULT), C(audited) },
	{ IPC_STORE_RESULT, "store-result", P(IPC_STORED), STORERS,
	    RESULT_MIN, RESULT_MAX, C(result) },
	{ IPC_STORE_ADDR_UPSERT, "store-addr-upsert", STORERS, P(IPC_STORED),
	    ADDR_LEN, ADDR_LEN, ANSWER(IPC_STORE_RESULT), C(addr) },
	{ IPC_STORE_ADDR_MARK, "store-addr-mark", STORERS, P(IPC_STORED),
	    NETADDR_LEN + 19, NETADDR_LEN + 19,
	    ANSWER(IPC_STORE_RESULT), C(addr_mark) },
	{ IPC_STORE_ADDR_LIST_REQ, "store-addr-list-req", STORERS,
	    P(IPC_STORED), 13, 13, ANSWER(IPC_STORE_ADDRS), C(addr_query) },
	{ IPC_STORE_ADDRS, "store-addrs", P(IPC_STORED), STORERS,
	    4, 4 + IPC_MAX_ADDRS * ADDR_LEN, CF(addrs) },
	{ IPC_STORE_NODE_KEY_REQ, "store-node-key-req", P(IPC_NETD),
	    P(IPC_STORED), 0, 0, ANSWER(IPC_STORE_NODE_KEY) },
	{ IPC_STORE_NODE_KEY, "store-node-key", P(IPC_STORED), P(IPC_NETD),
	    IPC_KEY_LEN, IPC_KEY_LEN, C(node_key), .secret = 1 },
	{ IPC_STORE_PEER_KEY, "store-peer-key", P(IPC_NETD), P(IPC_STORED),
	    PEER_KEY_LEN, PEER_KEY_LEN,
	    ANSWER(IPC_STORE_PEER_KEY_ACK), C(peer_key) },
	{ IPC_STORE_PEER_KEY_ACK, "store-peer-key-ack", P(IPC_STORED),
	    P(IPC_NETD), PEER_KEY_ACK_LEN, PEER_KEY_ACK_LEN, C(peer_key_ack) },
	{ IPC_STORE_HEADERS_REQ, "store-headers-req", P(IPC_NETD),
	    P(IPC_STORED), 12, 12, ANSWER(IPC_STORE_HEADERS), C(headers_req) },
	{ IPC_STORE_HEADERS, "store-headers", P(IPC_STORED), P(IPC_NETD),
	    HEADERS_MIN, HEADERS_MAX, C(headers) },

	{ IPC_NET_PEER_UP, "net-peer-up", P(IPC_NETD), P(IPC_SYNCD),
	    PEER_LEN, PEER_LEN, C(peer) },
	{ IPC_NET_PEER_DOWN, "net-peer-down", P(IPC_NETD), P(IPC_SYNCD),
	    PEER_LEN, PEER_LEN, C(peer) },
	{ IPC_NET_PEER_TIP, "net-peer-tip", P(IPC_NETD), P(IPC_SYNCD),
	    PEER_LEN, PEER_LEN, C(peer) },
	{ IPC_NET_BLOCKS, "net-blocks", P(IPC_NETD), P(IPC_SYNCD),
	    NETADDR_LEN + 4 + BLOCKS_MIN, NETADDR_LEN + 4 + BLOCKS_MAX,
	    CF(net_blocks) },
	{ IPC_SYNC_GET_BLOCKS, "sync-get-blocks", P(IPC_SYNCD), P(IPC_NETD),
	    NETADDR_LEN + 16 + HASHES_MIN, NETADDR_LEN + 16 + HASHES_MAX,
	    C(get_blocks) },
	{ IPC_SYNC_ANNOUNCE, "sync-announce", P(IPC_SYNCD), P(IPC_NETD),
	    BLOCKS_MIN, BLOCKS_MAX, CF(blocks) },
	{ IPC_SYNC_PUNISH, "sync-punish", P(IPC_SYNCD), P(IPC_NETD),
	    NETADDR_LEN + 5 + 2, NETADDR_LEN + 5 + 2 + IPC_REASON_MAX,
	    C(punish) },
	{ IPC_SYNC_PEERS_REQ, "sync-peers-req", P(IPC_SYNCD), P(IPC_NETD),
	    0, 0, RAW },
	{ IPC_SYNC_GET_HEADERS, "sync-get-headers", P(IPC_SYNCD), P(IPC_NETD),
	    NETADDR_LEN + 16, NETADDR_LEN + 16, C(get_headers) },
	{ IPC_NET_HEADERS, "net-headers", P(IPC_NETD), P(IPC_SYNCD),
	    NETADDR_LEN + 4 + HEADERS_MIN, NETADDR_LEN + 4 + HEADERS_MAX,
	    C(net_headers) },
};

const struct ipc_msgdef *
ipc_msgdef(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(msgdefs) / sizeof(msgdefs[0]); i++)
		if (msgdefs[i].type == type)
			return &msgdefs[i];
	return NULL;
}

const char *
ipc_type_name(uint16_t type)
{
	const struct ipc_msgdef *d = ipc_msgdef(type);

	return d ? d->name : "unknown";
}

size_t
ipc_max_msg(enum ipc_proc from, enum ipc_proc to)
{
	size_t	i, max = 0;

	for (i = 0; i < sizeof(msgdefs) / sizeof(msgdefs[0]); i++)
		if ((msgdefs[i].from & P(from)) && (msgdefs[i].to & P(to)) &&
		    msgdefs[i].max > max)
			max = msgdefs[i].max;
	return IPC_HDR_LEN + max;
}

const char *
ipc_check(const struct ipc_hdr *h, size_t bodylen, enum ipc_proc from,
    enum ipc_proc to)
{
	const struct ipc_msgdef *d;

	if (h->version != IPC_VERSION)
		return "wrong version";
	if ((d = ipc_msgdef(h->type)) == NULL)
		return "unknown type";
	if (!(d->from & P(from)))
		return "not allowed from this sender";
	if (!(d->to & P(to)))
		return "not allowed to this receiver";
	if (bodylen < d->min || bodylen > d->max)
		return "bad size";
	return NULL;
}

int
ipc_hdr_decode(struct rbuf *r, struct ipc_hdr *h)
{
	h->type = get_u16(r);
	h->version = get_u16(r);
	h->reqid = get_u32(r);
	return rbuf_ok(r) ? 0 : -1;
}

void
ipc_hdr_encode(struct wbuf *w, uint16_t type, uint32_t reqid)
{
	put_u16(w, type);
	put_u16(w, IPC_VERSION);
	put_u32(w, reqid);
}

void
ipc_heartbeat_encode(struct wbuf *w, const struct ipc_heartbeat *m)
{
	int i;

	put_u64(w, m->seq);
	for (i = 0; i < IPC_NPROC; i++)
		put_u32(w, m->pids[i]);
}

int
ipc_heartbeat_decode(struct rbuf *r, struct ipc_heartbeat *m)
{
	int i;

	m->seq = get_u64(r);
	for (i = 0; i < IPC_NPROC; i++) {
		m->pids[i] = get_u32(r);
		if (m->pids[i] > (uint32_t)INT32_MAX)
			return -1;
	}
	return rbuf_done(r) ? 0 : -1;
}

/* 1 ms to 10 s, the steps Prometheus' client libraries use */
const double ipc_hist_bounds_s[IPC_HIST_NBOUNDS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

void
ipc_hist_observe(struct ipc_hist *h, double seconds)
{
	int i;

	if (!(seconds > 0))
		seconds = 0;
	for (i = 0; i < IPC_HIST_NBOUNDS; i++)
		if (seconds <= ipc_hist_bounds_s[i])
			break;
	h->counts[i]++;
	h->sum_us += (uint64_t)(seconds * 1e6);
}

enum ipc_proc
ipc_sendq_peer(enum ipc_proc self, int k)
{
	int p;

	for (p = IPC_STORED; p < IPC_NPROC; p++)
		if (p != (int)self && k-- == 0)
			return (enum ipc_proc)p;
	return IPC_SUPERVISOR;	/* k out of range */
}

static void
hist_encode(struct wbuf *w, const struct ipc_hist *h)
{
	int i;

	for (i = 0; i <= IPC_HIST_NBOUNDS; i++)
		put_u64(w, h->counts[i]);
	put_u64(w, h->sum_us);
}

static void
hist_decode(struct rbuf *r, struct ipc_hist *h)
{
	int i;

	for (i = 0; i <= IPC_HIST_NBOUNDS; i++)
		h->counts[i] = get_u64(r);
	h->sum_us = get_u64(r);
}

static void
sendq_encode(struct wbuf *w, const uint32_t *q)
{
	int i;

	for (i = 0; i < IPC_WORKER_CHANS; i++)
		put_u32(w, q[i]);
}

static void
sendq_decode(struct rbuf *r, uint32_t *q)
{
	int i;

	for (i = 0; i < IPC_WORKER_CHANS; i++)
		q[i] = get_u32(r);
}

/*
 * A height: above IPC_MAX_HEIGHT it is an error of the message (the
 * sticky flag), whoever sent it; a process must not trust a height
 * another forwards from a peer (issue 11, review finding B).
 */
static uint64_t
get_height(struct rbuf *r)
{
	uint64_t h = get_u64(r);

	if (h > IPC_MAX_HEIGHT)
		r->err = 1;
	return h;
}

/*
 * A range of unchecked heights (docs/sync.md, "Trusted checkpoint"):
 * none (both 0) or 1 <= lo <= hi (block 0, the genesis, is never
 * unchecked).  One encoding per value.
 */
static int
range_ok(uint64_t lo, uint64_t hi)
{
	return (lo == 0 && hi == 0) || (lo >= 1 && lo <= hi);
}

void
ipc_status_stored_encode(struct wbuf *w, const struct ipc_status_stored *m)
{
	put_u64(w, m->seq);
	put_u64(w, m->height);
	put_bytes(w, m->tip, IPC_HASH_LEN);
	put_bytes(w, m->genesis, IPC_HASH_LEN);
	put_u8(w, m->have_chain);
	put_u64(w, m->map_bytes);
	put_u64(w, m->pages_used);
	put_u32(w, m->page_bytes);
	sendq_encode(w, m->sendq);
}

int
ipc_status_stored_decode(struct rbuf *r, struct ipc_status_stored *m)
{
	m->seq = get_u64(r);
	m->height = get_height(r);
	get_bytes(r, m->tip, IPC_HASH_LEN);
	get_bytes(r, m->genesis, IPC_HASH_LEN);
	m->have_chain = get_u8(r);
	m->map_bytes = get_u64(r);
	m->pages_used = get_u64(r);
	m->page_bytes = get_u32(r);
	sendq_decode(r, m->sendq);
	if (m->have_chain > 1)
		return -1;
	return rbuf_done(r) ? 0 : -1;
}

void
ipc_status_syncd_encode(struct wbuf *w, const struct ipc_status_syncd *m)
{
	put_u64(w, m->seq);
	put_u8(w, m->state);
	put_u64(w, m->target_height);
	put_u64(w, m->rate_milli);
	put_u32(w, m->in_flight);
	put_u64(w, m->log_suppressed);
	put_u64(w, m->log_summaries);
	put_u8(w, m->assumevalid);
	put_u64(w, m->av_height);
	put_u64(w, m->av_skipped);
	put_u64(w, m->unverified_from);
	put_u64(w, m->unverified_to);
	put_u64(w, m->requests_timed_out);
	put_u64(w, m->peer_stalls);
	hist_encode(w, &m->request);
	sendq_encode(w, m->sendq);
}

int
ipc_status_syncd_decode(struct rbuf *r, struct ipc_status_syncd *m)
{
	m->seq = get_u64(r);
	m->state = get_u8(r);
	m->target_height = get_height(r);
	m->rate_milli = get_u64(r);
	m->in_flight = get_u32(r);
	m->log_suppressed = get_u64(r);
	m->log_summaries = get_u64(r);
	m->assumevalid = get_u8(r);
	m->av_height = get_height(r);
	m->av_skipped = get_u64(r);
	m->unverified_from = get_height(r);
	m->unverified_to = get_height(r);
	m->requests_timed_out = get_u64(r);
	m->peer_stalls = get_u64(r);
	hist_decode(r, &m->request);
	sendq_decode(r, m->sendq);
	if (m->state >= SYNC_NSTATES || m->assumevalid >= SYNC_NAV ||
	    !range_ok(m->unverified_from, m->unverified_to))
		return -1;
	return rbuf_done(r) ? 0 : -1;
}

static void
counters_encode(struct wbuf *w, const struct ipc_net_counters *c)
{
	int i;

	put_u64(w, c->pings_sent);
	put_u64(w, c->pongs_received);
	put_u64(w, c->connections_opened);
	for (i = 0; i < CLOSE_NREASONS; i++)
		put_u64(w, c->connections_closed[i]);
	put_u64(w, c->duplicates_resolved);
	put_u64(w, c->handshakes_failed);
	put_u64(w, c->bytes_in);
	put_u64(w, c->bytes_out);
	put_u64(w, c->log_suppressed);
	put_u64(w, c->log_summaries);
	put_u64(w, c->outq_bytes);
	put_u64(w, c->outq_shed);
	put_u64(w, c->peer_key_changed);
	put_u64(w, c->downgrades_refused);
	put_u64(w, c->plaintext_v2_hellos);
}

static void
counters_decode(struct rbuf *r, struct ipc_net_counters *c)
{
	int i;

	c->pings_sent = get_u64(r);
	c->pongs_received = get_u64(r);
	c->connections_opened = get_u64(r);
	for (i = 0; i < CLOSE_NREASONS; i++)
		c->connections_closed[i] = get_u64(r);
	c->duplicates_resolved = get_u64(r);
	c->handshakes_failed = get_u64(r);
	c->bytes_in = get_u64(r);
	c->bytes_out = get_u64(r);
	c->log_suppressed = get_u64(r);
	c->log_summaries = get_u64(r);
	c->outq_bytes = get_u64(r);
	c->outq_shed = get_u64(r);
	c->peer_key_changed = get_u64(r);
	c->downgrades_refused = get_u64(r);
	c->plaintext_v2_hellos = get_u64(r);
}

static void
peer_encode(struct wbuf *w, const struct ipc_peer_status *p)
{
	static const struct netaddr none;
	int i;

	put_bytes(w, &p->ip, NETADDR_LEN);
	/* always IPC_PEER_ALSO_MAX addresses, the unused ones :: */
	put_u8(w, p->nalso);
	for (i = 0; i < IPC_PEER_ALSO_MAX; i++)
		put_bytes(w, i < p->nalso ? &p->also[i] : &none, NETADDR_LEN);
	put_u16(w, p->listen_port);
	put_u16(w, p->remote_port);
	put_u8(w, p->direction);
	put_u32(w, p->connected_s);
	put_u32(w, p->ping_rtt_us);
	put_u16(w, p->missed_pongs);
	put_u64(w, p->height);
	put_u64(w, p->bytes_in);
	put_u64(w, p->bytes_out);
	put_u64(w, p->blocks_received);
	put_u64(w, p->pings_sent);
	put_u64(w, p->pongs_received);
}

static int
peer_decode(struct rbuf *r, struct ipc_peer_status *p)
{
	int i;

	get_bytes(r, &p->ip, NETADDR_LEN);
	p->nalso = get_u8(r);
	for (i = 0; i < IPC_PEER_ALSO_MAX; i++) {
		get_bytes(r, &p->also[i], NETADDR_LEN);
		/* one encoding: the unused ones are :: */
		if (i >= p->nalso && !netaddr_is_zero(&p->also[i]))
			return -1;
	}
	p->listen_port = get_u16(r);
	p->remote_port = get_u16(r);
	p->direction = get_u8(r);
	p->connected_s = get_u32(r);
	p->ping_rtt_us = get_u32(r);
	p->missed_pongs = get_u16(r);
	p->height = get_height(r);
	p->bytes_in = get_u64(r);
	p->bytes_out = get_u64(r);
	p->blocks_received = get_u64(r);
	p->pings_sent = get_u64(r);
	p->pongs_received = get_u64(r);
	if (p->direction > DIR_OUTBOUND || p->nalso > IPC_PEER_ALSO_MAX)
		return -1;
	return rbuf_ok(r) ? 0 : -1;
}

void
ipc_status_netd_encode(struct wbuf *w, const struct ipc_status_netd *m)
{
	uint32_t i;

	put_u64(w, m->seq);
	counters_encode(w, &m->c);
	put_u32(w, m->bans);
	hist_encode(w, &m->handshake);
	sendq_encode(w, m->sendq);
	put_bytes(w, m->node_key, IPC_KEY_LEN);
	put_u8(w, m->node_key_temporary);
	put_u32(w, m->npeers);
	for (i = 0; i < m->npeers; i++)
		peer_encode(w, &m->peers[i]);
}

int
ipc_status_netd_decode(struct rbuf *r, struct ipc_status_netd *m)
{
	uint32_t i;

	memset(m, 0, sizeof(*m));
	m->seq = get_u64(r);
	counters_decode(r, &m->c);
	m->bans = get_u32(r);
	hist_decode(r, &m->handshake);
	sendq_decode(r, m->sendq);
	get_bytes(r, m->node_key, IPC_KEY_LEN);
	m->node_key_temporary = get_u8(r);
	m->npeers = get_count(r, IPC_MAX_PEERS, IPC_PEER_STATUS_LEN);
	/* a flag is 0 or 1: one encoding per value (fuzz/ipc_msg.c) */
	if (!rbuf_ok(r) || m->node_key_temporary > 1)
		return -1;
	if (m->npeers &&
	    (m->peers = calloc(m->npeers, sizeof(*m->peers))) == NULL)
		return -1;
	for (i = 0; i < m->npeers; i++)
		if (peer_decode(r, &m->peers[i]) == -1)
			goto bad;
	if (rbuf_done(r))
		return 0;
bad:
	ipc_status_netd_free(m);
	return -1;
}

void
ipc_status_netd_free(struct ipc_status_netd *m)
{
	free(m->peers);
	m->peers = NULL;
	m->npeers = 0;
}

void
ipc_debug_socket_encode(struct wbuf *w, const struct ipc_debug_socket *m)
{
	put_u32(w, (uint32_t)m->err);
}

int
ipc_debug_socket_decode(struct rbuf *r, struct ipc_debug_socket *m)
{
	uint32_t v = get_u32(r);

	if (v > 4095)		/* errno values are small and positive */
		return -1;
	m->err = (int32_t)v;
	return rbuf_done(r) ? 0 : -1;
}

void
ipc_tip_encode(struct wbuf *w, const struct ipc_tip *m)
{
	put_u64(w, m->height);
	put_bytes(w, m->hash, IPC_HASH_LEN);
	put_bytes(w, m->genesis, IPC_HASH_LEN);
	put_u64(w, m->unchecked_lo);
	put_u64(w, m->unchecked_hi);
}

int
ipc_tip_decode(struct rbuf *r, struct ipc_tip *m)
{
	m->height = get_height(r);
	get_bytes(r, m->hash, IPC_HASH_LEN);
	get_bytes(r, m->genesis, IPC_HASH_LEN);
	m->unchecked_lo = get_height(r);
	m->unchecked_hi = get_height(r);
	return range_ok(m->unchecked_lo, m->unchecked_hi) && rbuf_done(r) ?
	    0 : -1;
}

void
ipc_range_encode(struct wbuf *w, const struct ipc_range *m)
{
	put_u64(w, m->from);
	put_u32(w, m->count);
	put_u32(w, m->max_bytes);
}

int
ipc_range_decode(struct rbuf *r, struct ipc_range *m)
{
	m->from = get_height(r);
	m->count = get_u32(r);
	m->max_bytes = get_u32(r);
	if (m->count > IPC_MAX_BLOCKS || m->max_bytes > IPC_MAX_BLOCK_BYTES)
		return -1;
	return rbuf_done(r) ? 0 : -1;
}

void
ipc_headers_req_encode(struct wbuf *w, const struct ipc_headers_req *m)
{
	put_u64(w, m->from);
	put_u32(w, m->count);
}

int
ipc_headers_req_decode(struct rbuf *r, struct ipc_headers_req *m)
{
	m->from = get_height(r);
	m->count = get_u32(r);
	if (m->count < 1 || m->count > IPC_MAX_HEADERS)
		return -1;
	return rbuf_done(r) ? 0 : -1;
}

void
ipc_headers_encode(struct wbuf *w, const struct ipc_headers *m)
{
	if (m->count > IPC_MAX_HEADERS) {
		w->err = 1;
		return;
	}
	put_u8(w, m->code);
	put_u32(w, m->count);
	put_bytes(w, m->h, (size_t)m->count * IPC_HEADER_LEN);
}

/* Not rbuf_done: headers may be embedded; the caller checks the end. */
static int
headers_decode(struct rbuf *r, struct ipc_headers *m)
{
	m->code = get_u8(r);
	m->count = get_count(r, IPC_MAX_HEADERS, IPC_HEADER_LEN);
	m->h = get_ptr(r, (size_t)m->count * IPC_HEADER_LEN);
	if (!rbuf_ok(r) || m->code >= IPC_NCODES) {
		m->count = 0;
		m->h = NULL;
		return -1;
	}
	return 0;
}

int
ipc_headers_decode(struct rbuf *r, struct ipc_headers *m)
{
	return headers_decode(r, m) == 0 && rbuf_done(r) ? 0 : -1;
}

void
ipc_get_headers_encode(struct wbuf *w, const struct ipc_get_headers *m)
{
	put_bytes(w, &m->ip, NETADDR_LEN);
	put_u32(w, m->reqid);
	put_u64(w, m->from);
	put_u32(w, m->count);
}

int
ipc_get_headers_decode(struct rbuf *r, struct ipc_get_headers *m)
{
	get_bytes(r, &m->ip, NETADDR_LEN);
	m->reqid = get_u32(r);
	m->from = get_height(r);
	m->count = get_u32(r);
	if (m->count < 1 || m->count > IPC_MAX_HEADERS)
		return -1;
	return rbuf_done(r) ? 0 : -1;
}

void
ipc_net_headers_encode(struct wbuf *w, const struct ipc_net_headers *m)
{
	put_bytes(w, &m->ip, NETADDR_LEN);
	put_u32(w, m->reqid);
	ipc_headers_encode(w, &m->headers);
}

int
ipc_net_headers_decode(struct rbuf *r, struct ipc_net_headers *m)
{
	get_bytes(r, &m->ip, NETADDR_LEN);
	m->reqid = get_u32(r);
	return headers_decode(r, &m->headers) == 0 && rbuf_done(r) ? 0 : -1;
}

void
ipc_blocks_encode(struct wbuf *w, const struct ipc_blocks *m)
{
	uint32_t i;

	put_u8(w, m->code);
	put_u32(w, m->count);
	for (i = 0; i < m->count; i++) {
		put_u32(w, m->v[i].len);
		put_bytes(w, m->v[i].p, m->v[i].len);
	}
}

/* Not rbuf_done: blocks may be embedded; the caller checks the end. */
static int
blocks_decode(struct rbuf *r, struct ipc_blocks *m)
{
	uint64_t	total = 0;
	uint32_t	i;

	memset(m, 0, sizeof(*m));
	m->code = get_u8(r);
	m->count = get_count(r, IPC_MAX_BLOCKS, 4);
	if (!rbuf_ok(r) || m->code >= IPC_NCODES)
		return -1;
	if (m->count && (m->v = calloc(m->count, sizeof(*m->v))) == NULL)
		return -1;
	for (i = 0; i < m->count; i++) {
		m->v[i].len = get_u32(r);
		total += m->v[i].len;
		if (total > IPC_MAX_BLOCK_BYTES ||
		    (m->v[i].p = get_ptr(r, m->v[i].len)) == NULL) {
			ipc_blocks_free(m);
			return -1;
		}
	}
	return 0;
}

int
ipc_blocks_decode(struct rbuf *r, struct ipc_blocks *m)
{
	if (blocks_decode(r, m) == -1)
		return -1;
	if (!rbuf_done(r)) {
		ipc_blocks_free(m);
		return -1;
	}
	return 0;
}

void
ipc_blocks_free(struct ipc_blocks *m)
{
	free(m->v);
	m->v = NULL;
	m->count = 0;
}

void
ipc_hashes_encode(struct wbuf *w, const struct ipc_hashes *m)
{
	put_u32(w, m->count);
	put_bytes(w, m->h, (size_t)m->count * IPC_HASH_LEN);
}

static int
hashes_decode(struct rbuf *r, struct ipc_hashes *m)
{
	m->count = get_count(r, IPC_MAX_HASHES, IPC_HASH_LEN);
	get_bytes(r, m->h, (size_t)m->count * IPC_HASH_LEN);
	return rbuf_ok(r) ? 0 : -1;
}

int
ipc_hashes_decode(struct rbuf *r, struct ipc_hashes *m)
{
	return hashes_decode(r, m) == 0 && rbuf_done(r) ? 0 : -1;
}

void
ipc_point_encode(struct wbuf *w, const struct ipc_point *m)
{
	put_u8(w, m->found);
	put_u64(w, m->height);
	put_bytes(w, m->hash, IPC_HASH_LEN);
}

int
ipc_point_decode(struct rbuf *r, struct ipc_point *m)
{
	m->found = get_u8(r);
	m->height = get_height(r);
	get_bytes(r, m->hash, IPC_HASH_LEN);
	return m->found <= 1 && rbuf_done(r) ? 0 : -1;
}

void
ipc_append_encode(struct wbuf *w, const struct ipc_append *m)
{
	put_u8(w, m->rollback);
	put_u64(w, m->rollback_to);
	put_u64(w, m->unchecked_lo);
	put_u64(w, m->unchecked_hi);
	ipc_blocks_encode(w, &m->blocks);
}

int
ipc_append_decode(struct rbuf *r, struct ipc_append *m)
{
	memset(m, 0, sizeof(*m));
	m->rollback = get_u8(r);
	m->rollback_to = get_height(r);
	m->unchecked_lo = get_height(r);
	m->unchecked_hi = get_height(r);
	if (!rbuf_ok(r) || m->rollback > 1 ||
	    !range_ok(m->unchecked_lo, m->unchecked_hi))
		return -1;
	if (ipc_blocks_decode(r, &m->blocks) == -1)
		return -1;
	/* unchecked heights in a batch of no blocks: nonsense */
	if (m->blocks.count == 0 && m->unchecked_lo != 0) {
		ipc_blocks_free(&m->blocks);
		return -1;
	}
	return 0;
}

void
ipc_audited_encode(struct wbuf *w, const struct ipc_audited *m)
{
	put_u64(w, m->from);
	put_u64(w, m->to);
}

int
ipc_audited_decode(struct rbuf *r, struct ipc_audited *m)
{
	m->from = get_height(r);
	m->to = get_height(r);
	return m->from >= 1 && m->from <= m->to && rbuf_done(r) ? 0 : -1;
}

void
ipc_result_encode(struct wbuf *w, const struct ipc_result *m)
{
	put_u8(w, m->code);
	put_u64(w, m->height);
	put_bytes(w, m->hash, IPC_HASH_LEN);
	put_u32(w, m->count);
	put_str(w, m->reason, IPC_REASON_MAX);
}

int
ipc_result_decode(struct rbuf *r, struct ipc_result *m)
{
	m->code = get_u8(r);
	m->height = get_height(r);
	get_bytes(r, m->hash, IPC_HASH_LEN);
	m->count = get_u32(r);
	get_str(r, m->reason, sizeof(m->reason));
	return m->code < IPC_NCODES && rbuf_done(r) ? 0 : -1;
}

void
ipc_addr_encode(struct wbuf *w, const struct ipc_addr *m)
{
	put_bytes(w, &m->ip, NETADDR_LEN);
	put_u16(w, m->port);
	put_u8(w, m->source);
	put_u64(w, m->last_seen);
	put_u64(w, m->last_success);
	put_u32(w, m->failures);
	put_u64(w, m->banned_until);
}

static int
addr_decode(struct rbuf *r, struct ipc_addr *m)
{
	get_bytes(r, &m->ip, NETADDR_LEN);
	m->port = get_u16(r);
	m->source = get_u8(r);
	m->last_seen = get_u64(r);
	m->last_success = get_u64(r);
	m->failures = get_u32(r);
	m->banned_until = get_u64(r);
	/* without a port only in a list of bans */
	return rbuf_ok(r) && m->source < ADDR_NSOURCES && (m->port != 0 ||
	    m->banned_until != 0) ? 0 : -1;
}

/* an upsert: a peer we could dial, so with its port */
int
ipc_addr_decode(struct rbuf *r, struct ipc_addr *m)
{
	return addr_decode(r, m) == 0 && m->port != 0 && rbuf_done(r) ?
	    0 : -1;
}

void
ipc_addr_mark_encode(struct wbuf *w, const struct ipc_addr_mark *m)
{
	put_bytes(w, &m->ip, NETADDR_LEN);
	put_u16(w, m->port);
	put_u8(w, m->outcome);
	put_u64(w, m->now);
	put_u64(w, m->until);
}

int
ipc_addr_mark_decode(struct rbuf *r, struct ipc_addr_mark *m)
{
	get_bytes(r, &m->ip, NETADDR_LEN);
	m->port = get_u16(r);
	m->outcome = get_u8(r);
	m->now = get_u64(r);
	m->until = get_u64(r);
	/* the book is keyed by IP: a ban may come before we know a port */
	return m->outcome < ADDR_NOUTCOMES && (m->port != 0 ||
	    m->outcome == ADDR_BAN || m->outcome == ADDR_UNBAN) &&
	    rbuf_done(r) ? 0 : -1;
}

void
ipc_node_key_encode(struct wbuf *w, const struct ipc_node_key *m)
{
	put_bytes(w, m->seed, IPC_KEY_LEN);
}

int
ipc_node_key_decode(struct rbuf *r, struct ipc_node_key *m)
{
	get_bytes(r, m->seed, IPC_KEY_LEN);
	return rbuf_done(r) ? 0 : -1;
}

void
ipc_peer_key_encode(struct wbuf *w, const struct ipc_peer_key *m)
{
	put_bytes(w, m->ip.b, NETADDR_LEN);
	put_bytes(w, m->key, IPC_KEY_LEN);
}

int
ipc_peer_key_decode(struct rbuf *r, struct ipc_peer_key *m)
{
	get_bytes(r, m->ip.b, NETADDR_LEN);
	get_bytes(r, m->key, IPC_KEY_LEN);
	return rbuf_done(r) ? 0 : -1;
}

void
ipc_peer_key_ack_encode(struct wbuf *w, const struct ipc_peer_key_ack *m)
{
	put_bytes(w, m->ip.b, NETADDR_LEN);
	put_u8(w, m->outcome);
	put_bytes(w, m->old, IPC_KEY_LEN);
}

int
ipc_peer_key_ack_decode(struct rbuf *r, struct ipc_peer_key_ack *m)
{
	get_bytes(r, m->ip.b, NETADDR_LEN);
	m->outcome = get_u8(r);
	get_bytes(r, m->old, IPC_KEY_LEN);
	return m->outcome < PEER_KEY_NOUTCOMES && rbuf_done(r) ? 0 : -1;
}

void
ipc_addr_query_encode(struct wbuf *w, const struct ipc_addr_query *m)
{
	put_u32(w, m->max);
	put_u8(w, m->purpose);
	put_u64(w, m->now);
}

int
ipc_addr_query_decode(struct rbuf *r, struct ipc_addr_query *m)
{
	m->max = get_u32(r);
	m->purpose = get_u8(r);
	m->now = get_u64(r);
	return m->max <= IPC_MAX_ADDRS && m->purpose < ADDR_NPURPOSES &&
	    rbuf_done(r) ? 0 : -1;
}

void
ipc_addrs_encode(struct wbuf *w, const struct ipc_addrs *m)
{
	uint32_t i;

	put_u32(w, m->count);
	for (i = 0; i < m->count; i++)
		ipc_addr_encode(w, &m->v[i]);
}

int
ipc_addrs_decode(struct rbuf *r, struct ipc_addrs *m)
{
	uint32_t i;

	memset(m, 0, sizeof(*m));
	m->count = get_count(r, IPC_MAX_ADDRS, ADDR_LEN);
	if (!rbuf_ok(r))
		return -1;
	if (m->count && (m->v = calloc(m->count, sizeof(*m->v))) == NULL)
		return -1;
	for (i = 0; i < m->count; i++)
		if (addr_decode(r, &m->v[i]) == -1)
			goto bad;
	if (rbuf_done(r))
		return 0;
bad:
	ipc_addrs_free(m);
	return -1;
}

void
ipc_addrs_free(struct ipc_addrs *m)
{
	free(m->v);
	m->v = NULL;
	m->count = 0;
}

void
ipc_peer_encode(struct wbuf *w, const struct ipc_peer *m)
{
	put_bytes(w, &m->ip, NETADDR_LEN);
	put_u16(w, m->listen_port);
	put_u8(w, m->direction);
	put_u64(w, m->height);
	put_bytes(w, m->tip, IPC_HASH_LEN);
}

int
ipc_peer_decode(struct rbuf *r, struct ipc_peer *m)
{
	get_bytes(r, &m->ip, NETADDR_LEN);
	m->listen_port = get_u16(r);
	m->direction = get_u8(r);
	m->height = get_height(r);
	get_bytes(r, m->tip, IPC_HASH_LEN);
	return m->direction <= DIR_OUTBOUND && rbuf_done(r) ? 0 : -1;
}

void
ipc_net_blocks_encode(struct wbuf *w, const struct ipc_net_blocks *m)
{
	put_bytes(w, &m->ip, NETADDR_LEN);
	put_u32(w, m->reqid);
	ipc_blocks_encode(w, &m->blocks);
}

int
ipc_net_blocks_decode(struct rbuf *r, struct ipc_net_blocks *m)
{
	memset(m, 0, sizeof(*m));
	get_bytes(r, &m->ip, NETADDR_LEN);
	m->reqid = get_u32(r);
	if (!rbuf_ok(r))
		return -1;
	return ipc_blocks_decode(r, &m->blocks);
}

void
ipc_get_blocks_encode(struct wbuf *w, const struct ipc_get_blocks *m)
{
	put_bytes(w, &m->ip, NETADDR_LEN);
	put_u32(w, m->reqid);
	put_u64(w, m->from);
	put_u32(w, m->count);
	ipc_hashes_encode(w, &m->locator);
}

int
ipc_get_blocks_decode(struct rbuf *r, struct ipc_get_blocks *m)
{
	get_bytes(r, &m->ip, NETADDR_LEN);
	m->reqid = get_u32(r);
	m->from = get_height(r);
	m->count = get_u32(r);
	if (m->count > IPC_MAX_BLOCKS)
		return -1;
	return hashes_decode(r, &m->locator) == 0 && rbuf_done(r) ? 0 : -1;
}

void
ipc_punish_encode(struct wbuf *w, const struct ipc_punish *m)
{
	put_bytes(w, &m->ip, NETADDR_LEN);
	put_u8(w, m->reason);
	put_u32(w, m->ban_s);
	put_str(w, m->why, IPC_REASON_MAX);
}

int
ipc_punish_decode(struct rbuf *r, struct ipc_punish *m)
{
	get_bytes(r, &m->ip, NETADDR_LEN);
	m->reason = get_u8(r);
	m->ban_s = get_u32(r);
	get_str(r, m->why, sizeof(m->why));
	return m->reason < CLOSE_NREASONS && rbuf_done(r) ? 0 : -1;
}

void
ipc_bans_encode(struct wbuf *w, const struct ipc_bans *m)
{
	uint32_t i, n = m->count > IPC_MAX_BANS ? IPC_MAX_BANS : m->count;

	put_u32(w, n);
	for (i = 0; i < n; i++) {
		put_bytes(w, &m->v[i].ip, NETADDR_LEN);
		put_u8(w, m->v[i].reason);
		put_u64(w, m->v[i].until);
	}
}

int
ipc_bans_decode(struct rbuf *r, struct ipc_bans *m)
{
	uint32_t i;

	m->count = get_u32(r);
	if (m->count > IPC_MAX_BANS)
		return -1;
	for (i = 0; i < m->count; i++) {
		get_bytes(r, &m->v[i].ip, NETADDR_LEN);
		m->v[i].reason = get_u8(r);
		m->v[i].until = get_u64(r);
		if (m->v[i].reason > CLOSE_NREASONS)
			return -1;
	}
	return rbuf_done(r) ? 0 : -1;
}

void
ipc_unban_encode(struct wbuf *w, const struct ipc_unban *m)
{
	put_bytes(w, &m->ip, NETADDR_LEN);
}

int
ipc_unban_decode(struct rbuf *r, struct ipc_unban *m)
{
	get_bytes(r, &m->ip, NETADDR_LEN);
	return !netaddr_is_zero(&m->ip) && rbuf_done(r) ? 0 : -1;
}

void
ipc_produce_encode(struct wbuf *w, const struct ipc_produce *m)
{
	put_u32(w, m->count);
	put_u32(w, m->payload_bytes);
}

int
ipc_produce_decode(struct rbuf *r, struct ipc_produce *m)
{
	m->count = get_u32(r);
	m->payload_bytes = get_u32(r);
	return m->count >= 1 && m->count <= IPC_PRODUCE_MAX &&
	    m->payload_bytes <= IPC_PRODUCE_PAYLOAD_MAX && rbuf_done(r) ?
	    0 : -1;
}
