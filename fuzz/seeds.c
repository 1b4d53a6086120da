/* SPDX-License-Identifier: ISC */
/*
 * seeds.c - writes the seed corpus of every fuzz target with the
 * project's own encoders (wire_encode, the ipc_*_encode functions,
 * block_build, genesis_make, keyfile_write), so that the fuzzers start
 * from valid input of every kind and mutate from there.
 *
 * fuzz_seeds DIR: writes DIR/<target>/<name> for every target (the
 * directories must exist; existing files are replaced).  Deterministic:
 * fixed keys and times, so that the checked-in corpus (fuzz/corpus/) is
 * what this program writes.  Regenerate it after changing an encoding:
 *	build/bin/fuzz_seeds fuzz/corpus
 */
#include <sys/stat.h>

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "block.h"
#include "config.h"
#include "ipc.h"
#include "tls.h"
#include "wire.h"

#define T0	1767225600000ULL	/* devnet's genesis time, ms */

static const char	*top;
static struct genesis	 devnet;
static uint8_t		 dev_sk[BLOCK_SECKEY_LEN];
static uint32_t		 magic;
static int		 nwritten;

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_seeds: %s\n", what);
	exit(1);
}

static void
put(const char *target, const char *name, const void *p, size_t n)
{
	char	 path[PATH_MAX];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s/%s", top, target, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	nwritten++;
}

/* prefix byte(s) and a buffer as one seed */
static void
put2(const char *target, const char *name, const void *a, size_t an,
    const void *b, size_t bn)
{
	uint8_t *p;

	if ((p = malloc(an + bn + 1)) == NULL)
		die("out of memory");
	memcpy(p, a, an);
	if (bn)
		memcpy(p + an, b, bn);
	put(target, name, p, an + bn);
	free(p);
}

/*
 * The same seed one element past its limit, which the decoder must
 * refuse: the u32 count at count_at (in the seed file) plus one, and one
 * more element (elem, elen bytes) at the end, where each of these lists
 * is.  A limit checked one too late then breaks a rule of the target at
 * once, with no luck needed to find the input.
 */
static void
put_over(const char *target, const char *name, const uint8_t *p, size_t n,
    size_t count_at, const void *elem, size_t elen)
{
	uint8_t *q;

	if ((q = malloc(n + elen)) == NULL)
		die("out of memory");
	memcpy(q, p, n);
	be32_store(q + count_at, be32_load(q + count_at) + 1);
	memcpy(q + n, elem, elen);
	put(target, name, q, n + elen);
	free(q);
}

/* block `height` after prev, signed with the devnet key (or not) */
static size_t
make_block(uint8_t *out, const struct block *prev, uint64_t time_ms,
    uint32_t payload_len, int sign, struct block *b)
{
	struct block_header	 h;
	uint8_t			*payload;
	size_t			 n;
	uint32_t		 i;

	memset(&h, 0, sizeof(h));
	h.height = prev->h.height + 1;
	memcpy(h.prev, prev->hash, BLOCK_HASH_LEN);
	h.time_ms = time_ms;
	h.producer = 0;
	if ((payload = malloc(payload_len + 1)) == NULL)
		die("out of memory");
	for (i = 0; i < payload_len; i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	n = block_build(out, &h, payload, payload_len, sign ? dev_sk : NULL,
	    b);
	free(payload);
	if (n == 0)
		die("block_build");
	return n;
}

/* ---- P2P frames and messages ---- */

static uint8_t		blk1[BLOCK_MAX_LEN], blk2[BLOCK_MAX_LEN];
static size_t		blk1_len, blk2_len;
static struct block	b1, b2;

/*
 * A frame seed and a payload seed of m (and m's frame appended to stream,
 * if not NULL).  over: also the payload one element past its limit (the
 * count at count_at in the payload, elem appended; see put_over).
 */
static void
wire_over(const struct wire_msg *m, const char *name, struct wbuf *stream,
    const char *over, size_t count_at, const void *elem, size_t elen)
{
	struct wbuf	w;
	uint8_t		flag = 0, type = (uint8_t)m->type;

	wbuf_init(&w, WIRE_MAX_FRAME);
	if (wire_encode(&w, magic, m) != 0)
		die("wire_encode");
	put2("wire_frame", name, &flag, 1, w.data, w.len);
	put2("wire_msg", name, &type, 1, w.data + WIRE_HDR_LEN,
	    w.len - WIRE_HDR_LEN);
	if (over) {
		/* the payload seed with its type byte in front */
		w.data[WIRE_HDR_LEN - 1] = type;
		put_over("wire_msg", over, w.data + WIRE_HDR_LEN - 1,
		    w.len - WIRE_HDR_LEN + 1, 1 + count_at, elem, elen);
	}
	if (stream)
		put_bytes(stream, w.data, w.len);
	wbuf_free(&w);
}

static void
wire_one(const struct wire_msg *m, const char *name, struct wbuf *stream)
{
	wire_over(m, name, stream, NULL, 0, NULL, 0);
}

static void
wire_seeds(void)
{
	struct wire_msg	*m;
	struct wbuf	 stream;
	uint8_t		*hdrs;
	uint8_t		 flag = 1;
	int		 i;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		die("out of memory");
	wbuf_init(&stream, 4 * WIRE_MAX_FRAME);

	m->type = WIRE_HELLO;
	m->u.hello.version = WIRE_VERSION;
	m->u.hello.magic = magic;
	memcpy(m->u.hello.genesis, devnet.block.hash, IPC_HASH_LEN);
	m->u.hello.nonce = 0x0102030405060708ULL;
	m->u.hello.listen_port = 24100;
	m->u.hello.height = 2;
	memcpy(m->u.hello.tip, b2.hash, IPC_HASH_LEN);
	snprintf(m->u.hello.agent, sizeof(m->u.hello.agent), "timenode/0.1");
	wire_one(m, "hello", &stream);

	memset(m, 0, sizeof(*m));
	m->type = WIRE_PING;
	m->u.nonce = 42;
	wire_one(m, "ping", &stream);
	m->type = WIRE_PONG;
	wire_one(m, "pong", &stream);

	memset(m, 0, sizeof(*m));
	m->type = WIRE_TIP;
	m->u.tip.height = 2;
	memcpy(m->u.tip.hash, b2.hash, IPC_HASH_LEN);
	wire_one(m, "tip", &stream);

	memset(m, 0, sizeof(*m));
	m->type = WIRE_GET_RANGE;
	m->u.range.reqid = 7;
	m->u.range.from = 1;
	m->u.range.count = WIRE_MAX_BLOCKS;
	wire_one(m, "get-range", &stream);

	memset(m, 0, sizeof(*m));
	m->type = WIRE_GET_LOCATOR;
	m->u.locator.reqid = 8;
	m->u.locator.count = 100;
	m->u.locator.nhashes = 3;
	memcpy(m->u.locator.h[0], b2.hash, IPC_HASH_LEN);
	memcpy(m->u.locator.h[1], b1.hash, IPC_HASH_LEN);
	memcpy(m->u.locator.h[2], devnet.block.hash, IPC_HASH_LEN);
	wire_one(m, "get-locator", &stream);
	/* at the limit: one more hash is refused */
	m->u.locator.nhashes = WIRE_MAX_HASHES;
	for (i = 0; i < WIRE_MAX_HASHES; i++)
		memset(m->u.locator.h[i], i, IPC_HASH_LEN);
	wire_over(m, "get-locator-max", NULL, "get-locator-over", 8,
	    m->u.locator.h[0], IPC_HASH_LEN);

	memset(m, 0, sizeof(*m));
	m->type = WIRE_BLOCKS;
	m->u.blocks.reqid = 7;
	m->u.blocks.count = 2;
	m->u.blocks.v[0].p = blk1;
	m->u.blocks.v[0].len = (uint32_t)blk1_len;
	m->u.blocks.v[1].p = blk2;
	m->u.blocks.v[1].len = (uint32_t)blk2_len;
	wire_one(m, "blocks", &stream);
	m->u.blocks.reqid = 0;
	m->u.blocks.count = 1;
	wire_one(m, "blocks-announce", &stream);
	m->u.blocks.count = WIRE_MAX_BLOCKS;
	for (i = 0; i < WIRE_MAX_BLOCKS; i++)
		m->u.blocks.v[i] = (struct blob){ blk1 + i, 1 };
	wire_over(m, "blocks-max", NULL, "blocks-over", 4,
	    "\0\0\0\1\x2a", 5);

	memset(m, 0, sizeof(*m));
	m->type = WIRE_GET_HEADERS;
	m->u.get_headers.reqid = 9;
	m->u.get_headers.from = 1;
	m->u.get_headers.count = WIRE_MAX_HEADERS;
	wire_one(m, "get-headers", &stream);

	/* the headers of blocks 1 and 2; then the most, one more refused */
	memset(m, 0, sizeof(*m));
	if ((hdrs = calloc(WIRE_MAX_HEADERS, BLOCK_HEADER_LEN)) == NULL)
		die("out of memory");
	memcpy(hdrs, b1.header_raw, BLOCK_HEADER_LEN);
	memcpy(hdrs + BLOCK_HEADER_LEN, b2.header_raw, BLOCK_HEADER_LEN);
	m->type = WIRE_HEADERS;
	m->u.headers.reqid = 9;
	m->u.headers.count = 2;
	m->u.headers.h = hdrs;
	wire_one(m, "headers", &stream);
	m->u.headers.count = WIRE_MAX_HEADERS;
	wire_over(m, "headers-max", NULL, "headers-over", 4, hdrs,
	    BLOCK_HEADER_LEN);
	free(hdrs);

	memset(m, 0, sizeof(*m));
	m->type = WIRE_GET_ADDRS;
	wire_one(m, "get-addrs", &stream);

	memset(m, 0, sizeof(*m));
	m->type = WIRE_ADDRS;
	m->u.addrs.count = 3;
	for (i = 0; i < 3; i++) {
		m->u.addrs.v[i].ip = netaddr_from_v4(0x7f000002u + i);
		m->u.addrs.v[i].port = (uint16_t)(24100 + i);
	}
	wire_one(m, "addrs", &stream);
	m->type = WIRE_ADDRS_V2;
	wire_one(m, "addrs-v2", &stream);
	/* IPv6: loopback, unique-local, and a v4-mapped one written so */
	(void)netaddr_parse("::1", &m->u.addrs.v[0].ip);
	(void)netaddr_parse("fd00::7", &m->u.addrs.v[1].ip);
	(void)netaddr_parse("::ffff:127.0.0.9", &m->u.addrs.v[2].ip);
	wire_one(m, "addrs-v6", &stream);
	m->u.addrs.count = WIRE_MAX_ADDRS;
	for (i = 0; i < WIRE_MAX_ADDRS; i++) {
		m->u.addrs.v[i].ip = netaddr_from_v4(0x0a000000u | i);
		m->u.addrs.v[i].port = 24100;
	}
	wire_over(m, "addrs-max", NULL, "addrs-over", 0,
	    "\0\0\0\0\0\0\0\0\0\0\xff\xff\x0a\x01\x01\x01\x5e\x24",
	    WIRE_ADDR_LEN);

	memset(m, 0, sizeof(*m));
	m->type = WIRE_GOODBYE;
	m->u.goodbye.reason = CLOSE_SHUTDOWN;
	snprintf(m->u.goodbye.text, sizeof(m->u.goodbye.text), "stopping");
	wire_one(m, "goodbye", &stream);

	/* every frame in one stream, checksums as sent and recomputed */
	flag = 0;
	put2("wire_frame", "stream", &flag, 1, stream.data, stream.len);
	flag = 1;
	put2("wire_frame", "stream-fix", &flag, 1, stream.data, stream.len);
	wbuf_free(&stream);
	free(m);
}

/* ---- the codec ---- */

static void
codec_seeds(void)
{
	/* ops: u8 u16 u32 u64 bytes(4) ptr(6) str(cap 27) count(max 6) */
	static const uint8_t ops[] = { 0, 1, 2, 3, (2 << 3) | 4,
	    (3 << 3) | 5, (3 << 3) | 6, (2 << 3) | 7, (10 << 3) | 6 };
	struct wbuf	w;
	uint8_t		k = sizeof(ops);

	wbuf_init(&w, 1024);
	put_u8(&w, k);
	put_bytes(&w, ops, sizeof(ops));
	put_u8(&w, 0xab);
	put_u16(&w, 0x1234);
	put_u32(&w, 0xdeadbeef);
	put_u64(&w, 0x0123456789abcdefULL);
	put_bytes(&w, "abcd", 4);
	put_bytes(&w, "ptrptr", 6);
	put_str(&w, "timenode", 26);
	put_u32(&w, 3);
	put_str(&w, "a longer string of text", 89);
	put("ipc_codec", "all-ops", w.data, w.len);
	/* the same, cut short: errors from the middle on */
	put("ipc_codec", "truncated", w.data, w.len - 20);
	wbuf_free(&w);
}

/* ---- IPC messages ---- */

static void
ipc_put(const char *name, uint16_t type, const struct wbuf *body)
{
	struct wbuf w;

	wbuf_init(&w, IPC_MAX_MSG);
	ipc_hdr_encode(&w, type, 99);
	if (body)
		put_bytes(&w, body->data, body->len);
	if (w.err)
		die("ipc encode");
	put("ipc_msg", name, w.data, w.len);
	wbuf_free(&w);
}

static void
ipc_seeds(void)
{
	struct wbuf		 b;
	struct blob		 blobs[2] = {
		{ blk1, (uint32_t)blk1_len }, { blk2, (uint32_t)blk2_len } };
	struct ipc_peer_status	 ps[2];
	struct ipc_addr		 addrs[2];
	static struct blob	 many[IPC_MAX_BLOCKS];
	static const uint8_t	 zero32[32];
	static struct ipc_hashes hmax;
	static struct ipc_bans bans;
	struct ipc_blocks	 bmax;
	struct netaddr		 ip = netaddr_from_v4(0x7f000002u);
	size_t			 i;

#define BODY(name, type, enc, ...) do {					\
	wbuf_init(&b, IPC_MAX_MSG);					\
	enc(&b, &(__VA_ARGS__));					\
	ipc_put(name, type, &b);					\
	wbuf_free(&b);							\
} while (0)
/* the same one element past the limit: the count at count_at in the body */
#define OVER(name, type, enc, msg, count_at, elem, elen) do {		\
	wbuf_init(&b, IPC_MAX_MSG);					\
	ipc_hdr_encode(&b, type, 99);					\
	enc(&b, &(msg));						\
	put_over("ipc_msg", name, b.data, b.len, IPC_HDR_LEN + count_at,	\
	    elem, elen);						\
	wbuf_free(&b);							\
} while (0)

	BODY("heartbeat", IPC_HEARTBEAT, ipc_heartbeat_encode,
	    (struct ipc_heartbeat){ 5, { 100, 101, 102, 103 } });
	BODY("heartbeat-stored", IPC_HEARTBEAT_STORED,
	    ipc_status_stored_encode, (struct ipc_status_stored){ .seq = 5,
	    .height = 2, .have_chain = 1 });
	BODY("heartbeat-syncd", IPC_HEARTBEAT_SYNCD, ipc_status_syncd_encode,
	    (struct ipc_status_syncd){ .seq = 5, .state = SYNC_CATCHING_UP,
	    .target_height = 100, .rate_milli = 2500, .in_flight = 12,
	    .log_suppressed = 3, .log_summaries = 1,
	    .assumevalid = SYNC_AV_PENDING, .av_height = 90, .av_skipped = 89,
	    .requests_timed_out = 4, .peer_stalls = 1 });
	memset(ps, 0, sizeof(ps));
	ps[0].ip = ip;
	ps[0].listen_port = 24100;
	ps[0].height = 2;
	ps[1] = ps[0];
	ps[1].direction = DIR_OUTBOUND;
	BODY("heartbeat-netd", IPC_HEARTBEAT_NETD, ipc_status_netd_encode,
	    (struct ipc_status_netd){ .seq = 5, .npeers = 2, .peers = ps });
	ipc_put("debug-socket", IPC_DEBUG_SOCKET, NULL);
	BODY("debug-socket-ack", IPC_DEBUG_SOCKET_ACK,
	    ipc_debug_socket_encode, (struct ipc_debug_socket){ 97 });
	BODY("produce", IPC_PRODUCE, ipc_produce_encode,
	    (struct ipc_produce){ 10, 1000 });
	BODY("produce-ack", IPC_PRODUCE_ACK, ipc_result_encode,
	    (struct ipc_result){ .code = IPC_OK, .height = 12, .count = 10 });
	ipc_put("verify", IPC_VERIFY, NULL);
	BODY("verify-ack", IPC_VERIFY_ACK, ipc_result_encode,
	    (struct ipc_result){ .code = IPC_ERR_STORAGE,
	    .reason = "block 3: bad hash" });

	ipc_put("store-tip-req", IPC_STORE_TIP_REQ, NULL);
	BODY("store-tip", IPC_STORE_TIP, ipc_tip_encode,
	    (struct ipc_tip){ .height = 2 });
	BODY("store-tip-unchecked", IPC_STORE_TIP, ipc_tip_encode,
	    (struct ipc_tip){ .height = 2, .unchecked_lo = 3,
	    .unchecked_hi = 7 });
	BODY("store-blocks-req", IPC_STORE_BLOCKS_REQ, ipc_range_encode,
	    (struct ipc_range){ 1, 256, 1 << 20 });
	BODY("store-blocks", IPC_STORE_BLOCKS, ipc_blocks_encode,
	    (struct ipc_blocks){ IPC_OK, 2, blobs });
	/* at the count limit, one-byte blobs */
	for (i = 0; i < IPC_MAX_BLOCKS; i++)
		many[i] = (struct blob){ blk1 + i % blk1_len, 1 };
	BODY("store-blocks-max", IPC_STORE_BLOCKS, ipc_blocks_encode,
	    (struct ipc_blocks){ IPC_OK, IPC_MAX_BLOCKS, many });
	bmax = (struct ipc_blocks){ IPC_OK, IPC_MAX_BLOCKS, many };
	OVER("store-blocks-over", IPC_STORE_BLOCKS, ipc_blocks_encode, bmax,
	    1, "\0\0\0\1\x2a", 5);
	BODY("store-headers-req", IPC_STORE_HEADERS_REQ,
	    ipc_headers_req_encode, (struct ipc_headers_req){ 1, 2000 });
	BODY("store-headers", IPC_STORE_HEADERS, ipc_headers_encode,
	    (struct ipc_headers){ IPC_OK, 1, blk1 });
	BODY("sync-get-headers", IPC_SYNC_GET_HEADERS, ipc_get_headers_encode,
	    (struct ipc_get_headers){ .ip = ip, .reqid = 4, .from = 1,
	    .count = 2000 });
	BODY("net-headers", IPC_NET_HEADERS, ipc_net_headers_encode,
	    (struct ipc_net_headers){ .ip = ip, .reqid = 4,
	    .headers = { IPC_OK, 1, blk1 } });
	ipc_put("store-locator-req", IPC_STORE_LOCATOR_REQ, NULL);
	ipc_put("store-node-key-req", IPC_STORE_NODE_KEY_REQ, NULL);
	BODY("store-hashes", IPC_STORE_HASHES, ipc_hashes_encode,
	    (struct ipc_hashes){ .count = 3 });
	BODY("store-hashes-max", IPC_STORE_HASHES, ipc_hashes_encode,
	    (struct ipc_hashes){ .count = IPC_MAX_HASHES });
	hmax.count = IPC_MAX_HASHES;
	OVER("store-hashes-over", IPC_STORE_HASHES, ipc_hashes_encode, hmax,
	    0, zero32, 32);
	BODY("store-fork-req", IPC_STORE_FORK_REQ, ipc_hashes_encode,
	    (struct ipc_hashes){ .count = 2 });
	BODY("store-height-req", IPC_STORE_HEIGHT_REQ, ipc_hashes_encode,
	    (struct ipc_hashes){ .count = 1 });
	BODY("store-point", IPC_STORE_POINT, ipc_point_encode,
	    (struct ipc_point){ .found = 1, .height = 1 });
	BODY("store-append", IPC_STORE_APPEND, ipc_append_encode,
	    (struct ipc_append){ 1, 1, 2, 3, { IPC_OK, 2, blobs } });
	BODY("store-audited", IPC_STORE_AUDITED, ipc_audited_encode,
	    (struct ipc_audited){ .from = 2, .to = 3 });
	BODY("store-result", IPC_STORE_RESULT, ipc_result_encode,
	    (struct ipc_result){ .code = IPC_ERR_GAP, .height = 2,
	    .reason = "gap" });
	memset(addrs, 0, sizeof(addrs));
	addrs[0].ip = ip;
	addrs[0].port = 24100;
	addrs[0].source = ADDR_EXCHANGE;
	addrs[0].last_seen = 1767225600;
	addrs[1] = addrs[0];
	addrs[1].port = 0;
	addrs[1].banned_until = 1767229200;
	BODY("store-addr-upsert", IPC_STORE_ADDR_UPSERT, ipc_addr_encode,
	    addrs[0]);
	BODY("store-addr-mark", IPC_STORE_ADDR_MARK, ipc_addr_mark_encode,
	    (struct ipc_addr_mark){ .port = 24100, .outcome = ADDR_BAN,
	    .now = 1767225600, .until = 1767229200 });
	BODY("store-addr-list-req", IPC_STORE_ADDR_LIST_REQ,
	    ipc_addr_query_encode, (struct ipc_addr_query){ 250,
	    ADDR_FOR_DIAL, 1767225600 });
	BODY("store-addrs", IPC_STORE_ADDRS, ipc_addrs_encode,
	    (struct ipc_addrs){ 2, addrs });
	BODY("store-node-key", IPC_STORE_NODE_KEY, ipc_node_key_encode,
	    (struct ipc_node_key){ { 1, 2, 3 } });
	BODY("store-peer-key", IPC_STORE_PEER_KEY, ipc_peer_key_encode,
	    (struct ipc_peer_key){ { { [10] = 0xff, [11] = 0xff, [12] = 127,
	    [15] = 2 } }, { 4, 5, 6 } });
	BODY("store-peer-key-ack", IPC_STORE_PEER_KEY_ACK,
	    ipc_peer_key_ack_encode, (struct ipc_peer_key_ack){ { {
	    [10] = 0xff, [11] = 0xff, [12] = 127, [15] = 2 } }, PEER_KEY_CHANGED,
	    { 7, 8, 9 } });

	BODY("net-peer-up", IPC_NET_PEER_UP, ipc_peer_encode,
	    (struct ipc_peer){ .listen_port = 24100, .height = 2 });
	BODY("net-peer-down", IPC_NET_PEER_DOWN, ipc_peer_encode,
	    (struct ipc_peer){ .direction = DIR_OUTBOUND });
	BODY("net-peer-tip", IPC_NET_PEER_TIP, ipc_peer_encode,
	    (struct ipc_peer){ .height = 3 });
	BODY("net-blocks", IPC_NET_BLOCKS, ipc_net_blocks_encode,
	    (struct ipc_net_blocks){ ip, 7, { IPC_OK, 2, blobs } });
	BODY("sync-get-blocks", IPC_SYNC_GET_BLOCKS, ipc_get_blocks_encode,
	    (struct ipc_get_blocks){ .reqid = 7, .from = 1, .count = 256,
	    .locator = { .count = 2 } });
	BODY("sync-announce", IPC_SYNC_ANNOUNCE, ipc_blocks_encode,
	    (struct ipc_blocks){ IPC_OK, 1, blobs });
	BODY("sync-punish", IPC_SYNC_PUNISH, ipc_punish_encode,
	    (struct ipc_punish){ .reason = CLOSE_MISBEHAVIOR, .ban_s = 3600,
	    .why = "bad signature" });
	ipc_put("sync-peers-req", IPC_SYNC_PEERS_REQ, NULL);

	ipc_put("bans-req", IPC_BANS_REQ, NULL);
	memset(&bans, 0, sizeof(bans));
	bans.count = 2;
	bans.v[0].ip = ip;
	bans.v[0].reason = CLOSE_WRONG_NETWORK;
	bans.v[0].until = 1767229200;
	bans.v[1] = bans.v[0];
	bans.v[1].reason = CLOSE_NREASONS;
	BODY("bans", IPC_BANS, ipc_bans_encode, bans);
	bans.count = IPC_MAX_BANS;
	BODY("bans-max", IPC_BANS, ipc_bans_encode, bans);
	OVER("bans-over", IPC_BANS, ipc_bans_encode, bans, 0,
	    "\x7f\0\0\1\x04\0\0\0\0\0\0\0\1", IPC_BAN_LEN);
	BODY("unban", IPC_UNBAN, ipc_unban_encode,
	    (struct ipc_unban){ ip });
	BODY("unban-ack", IPC_UNBAN_ACK, ipc_result_encode,
	    (struct ipc_result){ .code = IPC_OK });
	wbuf_init(&b, IPC_MAX_MSG);
	put_bytes(&b, "# TYPE timenode_chain_height gauge\n"
	    "timenode_chain_height 2\n", 59);
	ipc_put("metrics-text", IPC_METRICS_TEXT, &b);
	wbuf_free(&b);
#undef BODY
#undef OVER
}

/* ---- blocks ---- */

static void
block_put(const char *name, uint8_t flags, uint64_t now,
    const uint8_t *prev, size_t prevlen, const uint8_t *blk, size_t len)
{
	uint8_t	 hdr[13];
	uint8_t	*p;

	if ((p = malloc(13 + prevlen + len)) == NULL)
		die("out of memory");
	hdr[0] = flags;
	be64_store(hdr + 1, now);
	be32_store(hdr + 9, (uint32_t)prevlen);
	memcpy(p, hdr, 13);
	if (prevlen)
		memcpy(p + 13, prev, prevlen);
	memcpy(p + 13 + prevlen, blk, len);
	put("block", name, p, 13 + prevlen + len);
	free(p);
}

static void
block_seeds(void)
{
	uint8_t		*x;
	struct block	 bx;
	size_t		 n;

	if ((x = malloc(BLOCK_MAX_LEN)) == NULL)
		die("out of memory");
	block_put("genesis-1", 0, T0 + 60000, devnet.raw, devnet.len, blk1,
	    blk1_len);
	block_put("1-2", 3, T0 + 60000, blk1, blk1_len, blk2, blk2_len);
	block_put("1-2-no-clock", 1, 0, blk1, blk1_len, blk2, blk2_len);
	/* the previous block as the devnet genesis, by a bad length */
	block_put("default-prev", 0, T0 + 60000, NULL, 0, blk1, blk1_len);
	block_put("future", 2, T0 - 200000, blk1, blk1_len, blk2, blk2_len);
	n = make_block(x, &b1, T0 + 2000, 0, 0, &bx);
	block_put("unsigned", 0, T0 + 60000, blk1, blk1_len, x, n);
	n = make_block(x, &b1, T0 - 1, 16, 1, &bx);
	block_put("time-past", 0, T0 + 60000, blk1, blk1_len, x, n);
	n = make_block(x, &b2, T0 + 3000, 1000, 1, &bx);
	block_put("wrong-prev", 3, T0 + 60000, blk1, blk1_len, x, n);
	free(x);
}

/* ---- genesis ---- */

static void
genesis_seeds(void)
{
	struct genesis	*g;
	uint8_t		 keys[3][BLOCK_PUBKEY_LEN], sk[BLOCK_SECKEY_LEN];
	uint8_t		 seed[32], mode;
	char		*hex;
	size_t		 i, n;

	if ((g = malloc(sizeof(*g))) == NULL ||
	    (hex = malloc(3 * GENESIS_MAX_LEN)) == NULL)
		die("out of memory");
	mode = 0;
	put2("genesis", "devnet", &mode, 1, devnet.raw, devnet.len);
	mode = 2;
	put2("genesis", "devnet-fix", &mode, 1, devnet.raw, devnet.len);
	for (i = 0; i < 3; i++) {
		memset(seed, (int)(i + 1), sizeof(seed));
		crypto_sign_seed_keypair(keys[i], sk, seed);
	}
	if (genesis_make(g, "three", T0, (const uint8_t (*)[32])keys, 3) != 0)
		die("genesis_make");
	put2("genesis", "three-keys", &mode, 1, g->raw, g->len);

	/* files: hex, whitespace between the digits */
	mode = 1;
	if (genesis_make(g, "fz", T0, (const uint8_t (*)[32])keys, 2) != 0)
		die("genesis_make");
	sodium_bin2hex(hex, 3 * GENESIS_MAX_LEN, g->raw, g->len);
	n = strlen(hex);
	put2("genesis", "file", &mode, 1, hex, n);
	for (i = 64; i < n; i += 65)
		hex[i] = '\n';
	put2("genesis", "file-lines", &mode, 1, hex, n);
	sodium_bin2hex(hex, 3 * GENESIS_MAX_LEN, devnet.raw, devnet.len);
	put2("genesis", "file-other-network", &mode, 1, hex, strlen(hex));
	free(hex);
	free(g);
}

/* ---- key files ---- */

static void
keyfile_seeds(void)
{
	char		 dir[] = "/tmp/fuzz-seeds.XXXXXX", path[PATH_MAX];
	char		 err[256], buf[4096];
	uint8_t		 seed[KEYFILE_SEED_LEN];
	FILE		*f;
	size_t		 n;
	int		 i;

	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	for (i = 0; i < 2; i++) {
		memset(seed, 0x40 + i, sizeof(seed));
		snprintf(path, sizeof(path), "%s/key", dir);
		if (keyfile_write(path, seed, i ? "# network three, "
		    "producer 1\n# public key 00ff\n" : NULL, err,
		    sizeof(err)) != 0)
			die(err);
		if ((f = fopen(path, "rb")) == NULL)
			die("keyfile read");
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		unlink(path);
		put("keyfile", i ? "commented" : "plain", buf, n);
	}
	rmdir(dir);
	put("keyfile", "not-hex", "# only a comment\nzz\n", 20);
}

/* ---- configuration files ---- */

static void
config_seeds(void)
{
	static const char full[] =
	    "; every section and key, docs/operations.md\n"
	    "[node]\n"
	    "data_dir = /var/lib/timenode\n"
	    "run_dir = /run/timenode\n"
	    "worker_dir = /usr/libexec/timenode\n"
	    "network = devnet\n"
	    "user = timenode\n"
	    "listen = 127.0.0.2:24100\n"
	    "peer = 127.0.0.3:24100\n"
	    "peer = 127.0.0.4:24101\n"
	    "peer = 127.0.0.5:24100 ed25519:00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff\n"
	    "[supervisor]\n"
	    "heartbeat_interval = 1\n"
	    "heartbeat_deadline = 5\n"
	    "start_deadline = 10\n"
	    "restart_delay_min = 0.5\n"
	    "restart_delay_max = 30\n"
	    "fast_crash = 10\n"
	    "restart_intensity = 5\n"
	    "restart_window = 60\n"
	    "stop_timeout = 10\n"
	    "[p2p]\n"
	    "ping_interval = 60\n"
	    "ping_timeout = 120\n"
	    "max_missed_pings = 5\n"
	    "backoff_min = 1\n"
	    "backoff_max = 300\n"
	    "max_inbound = 64\n"
	    "max_outbound = 8\n"
	    "handshake_timeout = 10\n"
	    "plaintext = always\n"
	    "pinned_only = no\n"
	    "[store]\n"
	    "map_size_mb = 1024\n"
	    "addr_max = 10000\n"
	    "[sync]\n"
	    "genesis_dir = /etc/timenode\n"
	    "producer_key = devnet\n"
	    "block_interval = 0\n"
	    "payload_bytes = 0\n"
	    "max_reorg_depth = 100\n"
	    "window = 4096\n"
	    "per_peer = 1024\n"
	    "request_timeout = 10\n";
	static const char small[] =
	    "[node]\r\nnetwork=three\r\n# comment\r\n[sync]\r\n"
	    "producer_key=/etc/timenode/producer.key\r\n"
	    "block_interval=0.25\r\n";
	static const char bad[] =
	    "[supervisor]\nheartbeat_interval = 2\nheartbeat_deadline = 3\n";

	put("config", "full", full, sizeof(full) - 1);
	put("config", "small-crlf", small, sizeof(small) - 1);
	put("config", "timings-refused", bad, sizeof(bad) - 1);
	put("config", "empty", "", 0);
}

/* ---- status socket lines ---- */

static void
status_seeds(void)
{
	static const char *const lines[] = {
		"status\n", "peers\n", "help\n", "restart syncd\n",
		"produce 10\n", "produce 5 1000\n", "verify\n",
		"debug-socket netd\n", "status\npeers\nrestart\n\n",
		"produce 0 x\n", "unknown\tcommand\r\n",
	};
	char	name[16];
	size_t	i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(name, sizeof(name), "line-%02zu", i);
		put("status_cmd", name, lines[i], strlen(lines[i]));
	}
}

/* a mode byte, then bytes (fuzz/tls.c) */
static void
tls_put(const char *name, uint8_t mode, const uint8_t *p, size_t n)
{
	uint8_t *b;

	if ((b = malloc(n + 1)) == NULL)
		die("out of memory");
	b[0] = mode;
	memcpy(b + 1, p, n);
	put("tls", name, b, n + 1);
	free(b);
}

/*
 * A real ClientHello of netd's context (written into a memory BIO), the
 * same cut short and behind garbage, and netd's own certificate (DER),
 * pinned to its key or to another.
 */
static void
tls_seeds(void)
{
	static const uint8_t	seed[NODE_KEY_LEN] = { 1, 2, 3 };
	struct tls_peer		peer;
	uint8_t			pub[NODE_KEY_LEN], hello[4096], *der = NULL;
	SSL_CTX			*ctx;
	SSL			*ssl;
	BIO			*rb, *wb;
	int			n, dlen;

	memset(&peer, 0, sizeof(peer));
	if ((ctx = tls_ctx_new()) == NULL ||
	    tls_ctx_set_key(ctx, seed, pub) == -1 ||
	    (ssl = tls_new(ctx, &peer)) == NULL ||
	    (rb = BIO_new(BIO_s_mem())) == NULL ||
	    (wb = BIO_new(BIO_s_mem())) == NULL)
		die("TLS context");
	BIO_set_mem_eof_return(rb, -1);
	SSL_set_bio(ssl, rb, wb);
	SSL_set_connect_state(ssl);
	(void)SSL_do_handshake(ssl);		/* wants the server's answer */
	if ((n = BIO_read(wb, hello, sizeof(hello))) <= 5)
		die("no ClientHello");
	tls_put("client-hello", 0, hello, (size_t)n);
	tls_put("client-hello-cut", 0, hello, 5 + (size_t)(n - 5) / 2);
	tls_put("record-byte-only", 0, hello, 1);
	hello[1] = 0x7f;			/* garbage after 0x16 */
	tls_put("garbage-after-0x16", 0, hello, 64);
	if ((dlen = i2d_X509(SSL_CTX_get0_certificate(ctx), &der)) <= 0)
		die("certificate");
	tls_put("certificate", 1, der, (size_t)dlen);
	tls_put("certificate-pinned-other", 3, der, (size_t)dlen);
	OPENSSL_free(der);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

int
main(int argc, char **argv)
{
	static const char *const targets[] = { "wire_frame", "wire_msg",
	    "ipc_codec", "ipc_msg", "block", "genesis", "keyfile", "config",
	    "status_cmd", "tls" };
	uint8_t		pk[BLOCK_PUBKEY_LEN];
	char		path[PATH_MAX], err[256];
	size_t		i;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_seeds DIR\n");
		return 2;
	}
	top = argv[1];
	for (i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", top, targets[i]);
		if (mkdir(path, 0755) == -1 && access(path, W_OK) == -1) {
			perror(path);
			return 1;
		}
	}
	if (sodium_init() < 0 ||
	    genesis_load(&devnet, "devnet", NULL, err, sizeof(err)) != 0)
		die("devnet genesis");
	devnet_keypair(pk, dev_sk);
	magic = wire_magic(devnet.block.hash);
	blk1_len = make_block(blk1, &devnet.block, T0 + 1000, 0, 1, &b1);
	blk2_len = make_block(blk2, &b1, T0 + 2000, 300, 1, &b2);

	wire_seeds();
	codec_seeds();
	ipc_seeds();
	block_seeds();
	genesis_seeds();
	keyfile_seeds();
	config_seeds();
	status_seeds();
	tls_seeds();
	printf("fuzz_seeds: %d files in %s\n", nwritten, top);
	return 0;
}
