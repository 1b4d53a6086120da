/* SPDX-License-Identifier: ISC */
/*
 * wire.c - framing and the messages of the peer-to-peer protocol.
 *
 * Everything here reads bytes a stranger wrote.  The header is judged
 * before the payload is looked at, the payload's checksum before it is
 * decoded, and every field is range-checked by its decoder; a decoder
 * accepts a payload only if it consumed every byte.  Nothing allocates:
 * decoded messages point into the frame they came from.
 */
#include <sodium.h>
#include <string.h>

#include "wire.h"

const char *const wire_type_names[WIRE_TYPE_MAX] = {
	"invalid", "hello", "ping", "pong", "tip", "get-range",
	"get-locator", "blocks", "get-addrs", "addrs", "goodbye", "addrs-v2",
	"get-headers", "headers"
};

const char *const wire_status_names[WIRE_NSTATUS] = {
	"ok", "incomplete", "wrong magic", "unknown message type",
	"oversized message", "bad checksum", "malformed payload",
	"height above 2^53-1"
};

uint32_t
wire_magic(const uint8_t genesis[BLOCK_HASH_LEN])
{
	return be32_load(genesis);
}

static void
checksum(const uint8_t *p, size_t len, uint8_t out[WIRE_CHECK_LEN])
{
	uint8_t h[32];

	crypto_generichash(h, sizeof(h), p, len, NULL, 0);
	memcpy(out, h, WIRE_CHECK_LEN);
}

enum wire_status
wire_hdr_parse(const uint8_t *buf, size_t have, uint32_t magic,
    struct wire_hdr *h)
{
	if (have < WIRE_HDR_LEN)
		return WIRE_NEED_MORE;
	h->magic = be32_load(buf);
	h->type = be16_load(buf + 4);
	h->len = be32_load(buf + 6);
	memcpy(h->check, buf + 10, WIRE_CHECK_LEN);
	if (h->magic != magic)
		return WIRE_ERR_MAGIC;
	if (h->type == 0 || h->type >= WIRE_TYPE_MAX)
		return WIRE_ERR_TYPE;
	if (h->len > WIRE_MAX_PAYLOAD)
		return WIRE_ERR_SIZE;
	return WIRE_OK;
}

/* one whole frame; the checksum is checked when check is set */
static enum wire_status
frame_parse(const uint8_t *buf, size_t have, uint32_t magic,
    struct wire_msg *m, size_t *used, int check)
{
	struct wire_hdr		h;
	enum wire_status	st;
	uint8_t			ck[WIRE_CHECK_LEN];

	if ((st = wire_hdr_parse(buf, have, magic, &h)) != WIRE_OK)
		return st;
	if (have - WIRE_HDR_LEN < h.len)
		return WIRE_NEED_MORE;
	if (check) {
		checksum(buf + WIRE_HDR_LEN, h.len, ck);
		if (sodium_memcmp(ck, h.check, WIRE_CHECK_LEN) != 0)
			return WIRE_ERR_CHECKSUM;
	}
	if ((st = wire_decode(h.type, buf + WIRE_HDR_LEN, h.len, m)) !=
	    WIRE_OK)
		return st;
	*used = WIRE_HDR_LEN + h.len;
	return WIRE_OK;
}

enum wire_status
wire_frame_parse(const uint8_t *buf, size_t have, uint32_t magic,
    struct wire_msg *m, size_t *used)
{
	return frame_parse(buf, have, magic, m, used, 1);
}

enum wire_status
wire_frame_parse_tls(const uint8_t *buf, size_t have, uint32_t magic,
    struct wire_msg *m, size_t *used)
{
	return frame_parse(buf, have, magic, m, used, 0);
}

static void
hello_decode(struct rbuf *r, struct wire_hello *m)
{
	m->version = get_u16(r);
	m->magic = get_u32(r);
	get_bytes(r, m->genesis, BLOCK_HASH_LEN);
	m->nonce = get_u64(r);
	m->listen_port = get_u16(r);
	m->height = get_u64(r);
	get_bytes(r, m->tip, BLOCK_HASH_LEN);
	get_str(r, m->agent, sizeof(m->agent));
}

static int
range_decode(struct rbuf *r, struct wire_get_range *m)
{
	m->reqid = get_u32(r);
	m->from = get_u64(r);
	m->count = get_u32(r);
	return m->reqid != 0 && m->count >= 1 && m->count <= WIRE_MAX_BLOCKS ?
	    0 : -1;
}

static int
locator_decode(struct rbuf *r, struct wire_get_locator *m)
{
	m->reqid = get_u32(r);
	m->count = get_u32(r);
	m->nhashes = get_count(r, WIRE_MAX_HASHES, BLOCK_HASH_LEN);
	get_bytes(r, m->h, (size_t)m->nhashes * BLOCK_HASH_LEN);
	return m->reqid != 0 && m->count >= 1 &&
	    m->count <= WIRE_MAX_BLOCKS && m->nhashes >= 1 ? 0 : -1;
}

static int
get_headers_decode(struct rbuf *r, struct wire_get_headers *m)
{
	m->reqid = get_u32(r);
	m->from = get_u64(r);
	m->count = get_u32(r);
	return m->reqid != 0 && m->count >= 1 &&
	    m->count <= WIRE_MAX_HEADERS ? 0 : -1;
}

/* HEADERS: u32 reqid, u32 n <= WIRE_MAX_HEADERS, n x 90 header bytes */
static int
headers_decode(struct rbuf *r, struct wire_headers *m)
{
	m->reqid = get_u32(r);
	m->count = get_count(r, WIRE_MAX_HEADERS, BLOCK_HEADER_LEN);
	m->h = get_ptr(r, (size_t)m->count * BLOCK_HEADER_LEN);
	return m->reqid != 0 ? 0 : -1;
}

static int
blocks_decode(struct rbuf *r, struct wire_blocks *m)
{
	uint64_t	total = 0;
	uint32_t	i;

	m->reqid = get_u32(r);
	m->count = get_count(r, WIRE_MAX_BLOCKS, 4);
	for (i = 0; i < m->count && rbuf_ok(r); i++) {
		m->v[i].len = get_u32(r);
		total += m->v[i].len;
		if (m->v[i].len == 0 || total > WIRE_MAX_BATCH)
			return -1;
		m->v[i].p = get_ptr(r, m->v[i].len);
	}
	return 0;
}

/*
 * ADDRS_V2: u32 n, n x (bytes[16] ip, u16 port), an IPv4 address
 * v4-mapped; ADDRS (version 1): u32 n, n x (bytes[4] IPv4, u16 port),
 * held v4-mapped.  A port 0 or an address :: or 0.0.0.0 is a violation;
 * the scope rules (registry.h addr_scope_ok) judge the rest later
 * (docs/protocol.md section 3).
 */
static int
addrs_decode(struct rbuf *r, struct wire_addrs *m, int v2)
{
	static const struct netaddr zero4 = { .b = { [10] = 0xff, 0xff } };
	uint32_t i;

	m->count = get_count(r, WIRE_MAX_ADDRS, v2 ? WIRE_ADDR_LEN :
	    WIRE_ADDR_V1_LEN);
	for (i = 0; i < m->count && rbuf_ok(r); i++) {
		m->v[i].ip = zero4;
		if (v2)
			get_bytes(r, m->v[i].ip.b, NETADDR_LEN);
		else
			get_bytes(r, m->v[i].ip.b + 12, 4);
		m->v[i].port = get_u16(r);
		if (rbuf_ok(r) && (m->v[i].port == 0 ||
		    netaddr_is_zero(&m->v[i].ip) ||
		    netaddr_eq(&m->v[i].ip, &zero4)))
			return -1;
	}
	return 0;
}

/*
 * Every height a message carries is at most WIRE_MAX_HEIGHT (a block's,
 * in BLOCKS, is judged with the block, netd/conn.c); a larger one is a
 * protocol violation, refused before anybody uses it.
 */
static int
heights_ok(const struct wire_msg *m)
{
	switch (m->type) {
	case WIRE_HELLO:
		return m->u.hello.height <= WIRE_MAX_HEIGHT;
	case WIRE_TIP:
		return m->u.tip.height <= WIRE_MAX_HEIGHT;
	case WIRE_GET_RANGE:
		return m->u.range.from <= WIRE_MAX_HEIGHT;
	case WIRE_GET_HEADERS:
		return m->u.get_headers.from <= WIRE_MAX_HEIGHT;
	default:
		return 1;
	}
}

enum wire_status
wire_decode(uint16_t type, const uint8_t *p, size_t len, struct wire_msg *m)
{
	struct rbuf	r;
	int		bad = 0;

	memset(m, 0, sizeof(*m));
	m->type = type;
	rbuf_init(&r, p, len);
	switch (type) {
	case WIRE_HELLO:
		hello_decode(&r, &m->u.hello);
		break;
	case WIRE_PING:
	case WIRE_PONG:
		m->u.nonce = get_u64(&r);
		break;
	case WIRE_TIP:
		m->u.tip.height = get_u64(&r);
		get_bytes(&r, m->u.tip.hash, BLOCK_HASH_LEN);
		break;
	case WIRE_GET_RANGE:
		bad = range_decode(&r, &m->u.range);
		break;
	case WIRE_GET_LOCATOR:
		bad = locator_decode(&r, &m->u.locator);
		break;
	case WIRE_BLOCKS:
		bad = blocks_decode(&r, &m->u.blocks);
		break;
	case WIRE_GET_ADDRS:
		break;
	case WIRE_ADDRS:
	case WIRE_ADDRS_V2:
		bad = addrs_decode(&r, &m->u.addrs, m->type == WIRE_ADDRS_V2);
		break;
	case WIRE_GET_HEADERS:
		bad = get_headers_decode(&r, &m->u.get_headers);
		break;
	case WIRE_HEADERS:
		bad = headers_decode(&r, &m->u.headers);
		break;
	case WIRE_GOODBYE:
		m->u.goodbye.reason = get_u8(&r);
		get_str(&r, m->u.goodbye.text, sizeof(m->u.goodbye.text));
		bad = m->u.goodbye.reason >= WIRE_GOODBYE_REASONS;
		break;
	default:
		return WIRE_ERR_TYPE;
	}
	if (bad || !rbuf_done(&r))
		return WIRE_ERR_DECODE;
	return heights_ok(m) ? WIRE_OK : WIRE_ERR_HEIGHT;
}

static void
payload_encode(struct wbuf *w, const struct wire_msg *m)
{
	uint32_t i;

	switch (m->type) {
	case WIRE_HELLO:
		put_u16(w, m->u.hello.version);
		put_u32(w, m->u.hello.magic);
		put_bytes(w, m->u.hello.genesis, BLOCK_HASH_LEN);
		put_u64(w, m->u.hello.nonce);
		put_u16(w, m->u.hello.listen_port);
		put_u64(w, m->u.hello.height);
		put_bytes(w, m->u.hello.tip, BLOCK_HASH_LEN);
		put_str(w, m->u.hello.agent, WIRE_AGENT_MAX);
		break;
	case WIRE_PING:
	case WIRE_PONG:
		put_u64(w, m->u.nonce);
		break;
	case WIRE_TIP:
		put_u64(w, m->u.tip.height);
		put_bytes(w, m->u.tip.hash, BLOCK_HASH_LEN);
		break;
	case WIRE_GET_RANGE:
		put_u32(w, m->u.range.reqid);
		put_u64(w, m->u.range.from);
		put_u32(w, m->u.range.count);
		break;
	case WIRE_GET_LOCATOR:
		if (m->u.locator.nhashes > WIRE_MAX_HASHES) {
			w->err = 1;
			break;
		}
		put_u32(w, m->u.locator.reqid);
		put_u32(w, m->u.locator.count);
		put_u32(w, m->u.locator.nhashes);
		put_bytes(w, m->u.locator.h,
		    (size_t)m->u.locator.nhashes * BLOCK_HASH_LEN);
		break;
	case WIRE_BLOCKS:
		if (m->u.blocks.count > WIRE_MAX_BLOCKS) {
			w->err = 1;
			break;
		}
		put_u32(w, m->u.blocks.reqid);
		put_u32(w, m->u.blocks.count);
		for (i = 0; i < m->u.blocks.count; i++) {
			put_u32(w, m->u.blocks.v[i].len);
			put_bytes(w, m->u.blocks.v[i].p, m->u.blocks.v[i].len);
		}
		break;
	case WIRE_GET_ADDRS:
		break;
	case WIRE_ADDRS:
	case WIRE_ADDRS_V2:
		if (m->u.addrs.count > WIRE_MAX_ADDRS) {
			w->err = 1;
			break;
		}
		put_u32(w, m->u.addrs.count);
		for (i = 0; i < m->u.addrs.count; i++) {
			if (m->type == WIRE_ADDRS_V2)
				put_bytes(w, m->u.addrs.v[i].ip.b,
				    NETADDR_LEN);
			else if (netaddr_is_v4(&m->u.addrs.v[i].ip))
				put_bytes(w, m->u.addrs.v[i].ip.b + 12, 4);
			else
				w->err = 1;	/* IPv6 in a version 1 ADDRS */
			put_u16(w, m->u.addrs.v[i].port);
		}
		break;
	case WIRE_GET_HEADERS:
		put_u32(w, m->u.get_headers.reqid);
		put_u64(w, m->u.get_headers.from);
		put_u32(w, m->u.get_headers.count);
		break;
	case WIRE_HEADERS:
		if (m->u.headers.count > WIRE_MAX_HEADERS) {
			w->err = 1;
			break;
		}
		put_u32(w, m->u.headers.reqid);
		put_u32(w, m->u.headers.count);
		put_bytes(w, m->u.headers.h,
		    (size_t)m->u.headers.count * BLOCK_HEADER_LEN);
		break;
	case WIRE_GOODBYE:
		put_u8(w, m->u.goodbye.reason);
		put_str(w, m->u.goodbye.text, WIRE_REASON_MAX);
		break;
	default:
		w->err = 1;
	}
}

int
wire_encode(struct wbuf *w, uint32_t magic, const struct wire_msg *m)
{
	struct wbuf	p;
	uint8_t		hdr[WIRE_HDR_LEN];
	int		ret = -1;

	wbuf_init(&p, WIRE_MAX_PAYLOAD);
	payload_encode(&p, m);
	if (!p.err) {
		be32_store(hdr, magic);
		be16_store(hdr + 4, m->type);
		be32_store(hdr + 6, (uint32_t)p.len);
		checksum(p.data, p.len, hdr + 10);
		put_bytes(w, hdr, sizeof(hdr));
		put_bytes(w, p.data, p.len);
		ret = w->err ? -1 : 0;
	}
	wbuf_free(&p);
	return ret;
}

uint32_t
wire_blocks_fill(struct wire_blocks *b, uint32_t reqid,
    const struct blob *v, uint32_t count)
{
	uint64_t	total = 0;
	uint32_t	i;

	b->reqid = reqid;
	for (i = 0; i < count && i < WIRE_MAX_BLOCKS; i++) {
		total += v[i].len;
		if (total > WIRE_MAX_BATCH || v[i].len == 0)
			break;
		b->v[i] = v[i];
	}
	b->count = i;
	return i;
}
