/* SPDX-License-Identifier: ISC */
/*
 * test_wire.c - the peer-to-peer framing and message decoders (netd/wire.c).
 *
 * Every message type round-trips; truncated input only ever asks for
 * more; oversized frames are refused from the 14 header bytes alone
 * (before the payload exists, so before anything could be allocated);
 * wrong magic, wrong checksum, unknown types and malformed payloads are
 * each refused with their own status; random payloads never crash.
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "cunit.h"
#include "wire.h"

#define MAGIC	0x3eb3e99cu

static struct wire_msg	m_in, m_out;
static struct wbuf	frame_w;	/* m_out points into it */

/* a frame with any payload, a correct checksum unless told otherwise */
static size_t
frame(uint8_t *buf, uint32_t magic, uint16_t type, const void *payload,
    uint32_t len)
{
	uint8_t h[32];

	be32_store(buf, magic);
	be16_store(buf + 4, type);
	be32_store(buf + 6, len);
	crypto_generichash(h, sizeof(h), payload, len, NULL, 0);
	memcpy(buf + 10, h, 4);
	if (len)
		memcpy(buf + WIRE_HDR_LEN, payload, len);
	return WIRE_HDR_LEN + len;
}

/*
 * encode m_in, parse it back into m_out (which points into the frame,
 * kept until the next call); returns the frame length
 */
static size_t
roundtrip(void)
{
	struct wbuf	*w = &frame_w;
	size_t		 used = 0;

	wbuf_free(w);
	wbuf_init(w, WIRE_MAX_FRAME);
	CU_ASSERT_FATAL(wire_encode(w, MAGIC, &m_in) == 0);
	CU_ASSERT_EQUAL(wire_frame_parse(w->data, w->len, MAGIC, &m_out,
	    &used), WIRE_OK);
	CU_ASSERT_EQUAL(used, w->len);
	CU_ASSERT_EQUAL(m_out.type, m_in.type);
	return w->len;
}

static void
test_roundtrip_hello(void)
{
	memset(&m_in, 0, sizeof(m_in));
	m_in.type = WIRE_HELLO;
	m_in.u.hello.version = WIRE_VERSION;
	m_in.u.hello.magic = MAGIC;
	memset(m_in.u.hello.genesis, 0xab, BLOCK_HASH_LEN);
	m_in.u.hello.nonce = 0x0102030405060708ULL;
	m_in.u.hello.listen_port = 24100;
	m_in.u.hello.height = 123456789;
	memset(m_in.u.hello.tip, 0xcd, BLOCK_HASH_LEN);
	strcpy(m_in.u.hello.agent, "timenode-netd/0.1");
	/* 2+4+32+8+2+8+32+2+17 */
	CU_ASSERT_EQUAL(roundtrip(), WIRE_HDR_LEN + 107);
	CU_ASSERT_EQUAL(memcmp(&m_in.u.hello, &m_out.u.hello,
	    sizeof(m_in.u.hello)), 0);
}

static void
test_roundtrip_small(void)
{
	static const uint16_t types[] = { WIRE_PING, WIRE_PONG };
	int i;

	for (i = 0; i < 2; i++) {
		memset(&m_in, 0, sizeof(m_in));
		m_in.type = types[i];
		m_in.u.nonce = 0xfeedfacecafebeefULL;
		CU_ASSERT_EQUAL(roundtrip(), WIRE_HDR_LEN + 8);
		CU_ASSERT_EQUAL(m_out.u.nonce, m_in.u.nonce);
	}
	memset(&m_in, 0, sizeof(m_in));
	m_in.type = WIRE_TIP;
	m_in.u.tip.height = 77;
	memset(m_in.u.tip.hash, 7, BLOCK_HASH_LEN);
	CU_ASSERT_EQUAL(roundtrip(), WIRE_HDR_LEN + 40);
	CU_ASSERT_EQUAL(memcmp(&m_in.u.tip, &m_out.u.tip, sizeof(m_in.u.tip)),
	    0);
	memset(&m_in, 0, sizeof(m_in));
	m_in.type = WIRE_GET_ADDRS;
	CU_ASSERT_EQUAL(roundtrip(), WIRE_HDR_LEN);
	memset(&m_in, 0, sizeof(m_in));
	m_in.type = WIRE_GOODBYE;
	m_in.u.goodbye.reason = 2;	/* duplicate */
	strcpy(m_in.u.goodbye.text, "duplicate");
	CU_ASSERT_EQUAL(roundtrip(), WIRE_HDR_LEN + 1 + 2 + 9);
	CU_ASSERT_EQUAL(m_out.u.goodbye.reason, 2);
	CU_ASSERT_STRING_EQUAL(m_out.u.goodbye.text, "duplicate");
}

static void
test_roundtrip_requests(void)
{
	int i;

	memset(&m_in, 0, sizeof(m_in));
	m_in.type = WIRE_GET_RANGE;
	m_in.u.range.reqid = 9;
	m_in.u.range.from = 1000;
	m_in.u.range.count = WIRE_MAX_BLOCKS;
	CU_ASSERT_EQUAL(roundtrip(), WIRE_HDR_LEN + 16);
	CU_ASSERT_EQUAL(memcmp(&m_in.u.range, &m_out.u.range,
	    sizeof(m_in.u.range)), 0);

	memset(&m_in, 0, sizeof(m_in));
	m_in.type = WIRE_GET_LOCATOR;
	m_in.u.locator.reqid = 10;
	m_in.u.locator.count = 100;
	m_in.u.locator.nhashes = WIRE_MAX_HASHES;
	for (i = 0; i < WIRE_MAX_HASHES; i++)
		memset(m_in.u.locator.h[i], i, BLOCK_HASH_LEN);
	CU_ASSERT_EQUAL(roundtrip(), WIRE_HDR_LEN + 12 +
	    WIRE_MAX_HASHES * BLOCK_HASH_LEN);
	CU_ASSERT_EQUAL(memcmp(&m_in.u.locator, &m_out.u.locator,
	    sizeof(m_in.u.locator)), 0);
}

static void bad(uint16_t t, const uint8_t *p, uint32_t len);

/* GET_HEADERS and HEADERS (version 3): empty, one, and the maximum */
static void
test_roundtrip_headers(void)
{
	static uint8_t	h[WIRE_MAX_HEADERS * BLOCK_HEADER_LEN];
	uint32_t	counts[] = { 0, 1, WIRE_MAX_HEADERS };
	size_t		i;

	memset(&m_in, 0, sizeof(m_in));
	m_in.type = WIRE_GET_HEADERS;
	m_in.u.get_headers.reqid = 11;
	m_in.u.get_headers.from = WIRE_MAX_HEIGHT;
	m_in.u.get_headers.count = WIRE_MAX_HEADERS;
	CU_ASSERT_EQUAL(roundtrip(), WIRE_HDR_LEN + 16);
	CU_ASSERT_EQUAL(memcmp(&m_in.u.get_headers, &m_out.u.get_headers,
	    sizeof(m_in.u.get_headers)), 0);

	randombytes_buf(h, sizeof(h));
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		memset(&m_in, 0, sizeof(m_in));
		m_in.type = WIRE_HEADERS;
		m_in.u.headers.reqid = 12;
		m_in.u.headers.count = counts[i];
		m_in.u.headers.h = h;
		CU_ASSERT_EQUAL(roundtrip(), WIRE_HDR_LEN + 8 +
		    (size_t)counts[i] * BLOCK_HEADER_LEN);
		CU_ASSERT_EQUAL(m_out.u.headers.reqid, 12);
		CU_ASSERT_EQUAL_FATAL(m_out.u.headers.count, counts[i]);
		if (counts[i] > 0)
			CU_ASSERT_EQUAL(memcmp(m_out.u.headers.h, h,
			    (size_t)counts[i] * BLOCK_HEADER_LEN), 0);
	}
	CU_ASSERT(WIRE_HEADERS_MAX_PAYLOAD + WIRE_HDR_LEN <= WIRE_MAX_FRAME);
	/* one more than WIRE_MAX_HEADERS does not even encode */
	m_in.u.headers.count = WIRE_MAX_HEADERS + 1;
	wbuf_free(&frame_w);
	wbuf_init(&frame_w, WIRE_MAX_FRAME);
	CU_ASSERT_EQUAL(wire_encode(&frame_w, MAGIC, &m_in), -1);
	CU_ASSERT_STRING_EQUAL(wire_type_names[WIRE_GET_HEADERS],
	    "get-headers");
	CU_ASSERT_STRING_EQUAL(wire_type_names[WIRE_HEADERS], "headers");
	CU_ASSERT_EQUAL(WIRE_GET_HEADERS, 12);
	CU_ASSERT_EQUAL(WIRE_HEADERS, 13);
}

/*
 * Malformed GET_HEADERS and HEADERS: reqid 0, count 0 or above
 * WIRE_MAX_HEADERS, fewer or more header bytes than the count says, a
 * count that would need more than the frame.
 */
static void
test_malformed_headers(void)
{
	static uint8_t	p[8 + (WIRE_MAX_HEADERS + 1) * BLOCK_HEADER_LEN];
	static uint8_t	buf[WIRE_HDR_LEN + sizeof(p)];
	size_t		n, used;

	memset(p, 0, sizeof(p));
	be32_store(p + 12, 1);
	bad(WIRE_GET_HEADERS, p, 16);		/* reqid 0 */
	be32_store(p, 1);
	be32_store(p + 12, 0);
	bad(WIRE_GET_HEADERS, p, 16);		/* count 0 */
	be32_store(p + 12, WIRE_MAX_HEADERS + 1);
	bad(WIRE_GET_HEADERS, p, 16);
	be32_store(p + 12, WIRE_MAX_HEADERS);
	bad(WIRE_GET_HEADERS, p, 15);
	bad(WIRE_GET_HEADERS, p, 17);

	memset(p, 0, sizeof(p));
	bad(WIRE_HEADERS, p, 8);		/* reqid 0 */
	be32_store(p, 1);
	be32_store(p + 4, 2);
	bad(WIRE_HEADERS, p, 8 + BLOCK_HEADER_LEN);	/* one short */
	bad(WIRE_HEADERS, p, 8 + 2 * BLOCK_HEADER_LEN + 1);
	be32_store(p + 4, UINT32_MAX);
	bad(WIRE_HEADERS, p, 8 + BLOCK_HEADER_LEN);
	/* one above the limit, with all its bytes present */
	be32_store(p + 4, WIRE_MAX_HEADERS + 1);
	n = frame(buf, MAGIC, WIRE_HEADERS, p, sizeof(p));
	CU_ASSERT_EQUAL(wire_frame_parse(buf, n, MAGIC, &m_out, &used),
	    WIRE_ERR_DECODE);
	be32_store(p + 4, 2);
	n = frame(buf, MAGIC, WIRE_HEADERS, p, 8 + 2 * BLOCK_HEADER_LEN);
	CU_ASSERT_EQUAL(wire_frame_parse(buf, n, MAGIC, &m_out, &used),
	    WIRE_OK);
	CU_ASSERT_EQUAL(m_out.u.headers.count, 2);
}

static void
test_roundtrip_blocks_addrs(void)
{
	static uint8_t	blob[3][1000];
	uint32_t	i;

	memset(&m_in, 0, sizeof(m_in));
	m_in.type = WIRE_BLOCKS;
	m_in.u.blocks.reqid = 0;
	m_in.u.blocks.count = 3;
	for (i = 0; i < 3; i++) {
		memset(blob[i], 'a' + i, sizeof(blob[i]));
		m_in.u.blocks.v[i].p = blob[i];
		m_in.u.blocks.v[i].len = 100 * (i + 1);
	}
	CU_ASSERT_EQUAL(roundtrip(), WIRE_HDR_LEN + 8 + 12 + 600);
	CU_ASSERT_EQUAL(m_out.u.blocks.count, 3);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(m_out.u.blocks.v[i].len, 100 * (i + 1));
		CU_ASSERT_EQUAL(memcmp(m_out.u.blocks.v[i].p, blob[i],
		    m_out.u.blocks.v[i].len), 0);
	}
	/* an empty answer */
	m_in.u.blocks.reqid = 5;
	m_in.u.blocks.count = 0;
	CU_ASSERT_EQUAL(roundtrip(), WIRE_HDR_LEN + 8);
	CU_ASSERT_EQUAL(m_out.u.blocks.reqid, 5);

	memset(&m_in, 0, sizeof(m_in));
	m_in.type = WIRE_ADDRS_V2;
	m_in.u.addrs.count = WIRE_MAX_ADDRS;
	for (i = 0; i < WIRE_MAX_ADDRS; i++) {
		m_in.u.addrs.v[i].ip = netaddr_from_v4(0x7f000002 + i);
		m_in.u.addrs.v[i].port = (uint16_t)(20000 + i);
	}
	(void)netaddr_parse("fd00::7", &m_in.u.addrs.v[1].ip);
	CU_ASSERT_EQUAL(roundtrip(), WIRE_HDR_LEN + 4 + WIRE_ADDR_LEN *
	    WIRE_MAX_ADDRS);
	CU_ASSERT_EQUAL(memcmp(&m_in.u.addrs, &m_out.u.addrs,
	    sizeof(m_in.u.addrs)), 0);
	/* version 1's ADDRS: IPv4 in 4 bytes, held v4-mapped */
	m_in.type = WIRE_ADDRS;
	m_in.u.addrs.v[1].ip = netaddr_from_v4(0x7f000003);
	CU_ASSERT_EQUAL(roundtrip(), WIRE_HDR_LEN + 4 + WIRE_ADDR_V1_LEN *
	    WIRE_MAX_ADDRS);
	CU_ASSERT_EQUAL(memcmp(&m_in.u.addrs, &m_out.u.addrs,
	    sizeof(m_in.u.addrs)), 0);
}

/* an IPv6 address cannot go to a version 1 peer: the encoder refuses */
static void
test_addrs_v1_ipv4_only(void)
{
	struct wbuf w;

	memset(&m_in, 0, sizeof(m_in));
	m_in.type = WIRE_ADDRS;
	m_in.u.addrs.count = 1;
	(void)netaddr_parse("::1", &m_in.u.addrs.v[0].ip);
	m_in.u.addrs.v[0].port = 24100;
	wbuf_init(&w, WIRE_MAX_FRAME);
	CU_ASSERT_EQUAL(wire_encode(&w, MAGIC, &m_in), -1);
	m_in.type = WIRE_ADDRS_V2;
	CU_ASSERT_EQUAL(wire_encode(&w, MAGIC, &m_in), 0);
	wbuf_free(&w);
}

static void
test_truncated(void)
{
	struct wbuf	w;
	size_t		n, used;

	memset(&m_in, 0, sizeof(m_in));
	m_in.type = WIRE_TIP;
	m_in.u.tip.height = 5;
	wbuf_init(&w, WIRE_MAX_FRAME);
	CU_ASSERT_FATAL(wire_encode(&w, MAGIC, &m_in) == 0);
	for (n = 0; n < w.len; n++)
		CU_ASSERT_EQUAL(wire_frame_parse(w.data, n, MAGIC, &m_out,
		    &used), WIRE_NEED_MORE);
	CU_ASSERT_EQUAL(wire_frame_parse(w.data, w.len, MAGIC, &m_out, &used),
	    WIRE_OK);
	wbuf_free(&w);
}

static void
test_oversized(void)
{
	uint8_t		hdr[WIRE_HDR_LEN];
	struct wire_hdr	h;
	size_t		used;

	/* only the header exists: the verdict needs nothing else */
	be32_store(hdr, MAGIC);
	be16_store(hdr + 4, WIRE_BLOCKS);
	be32_store(hdr + 6, WIRE_MAX_PAYLOAD + 1);
	memset(hdr + 10, 0, 4);
	CU_ASSERT_EQUAL(wire_hdr_parse(hdr, sizeof(hdr), MAGIC, &h),
	    WIRE_ERR_SIZE);
	CU_ASSERT_EQUAL(wire_frame_parse(hdr, sizeof(hdr), MAGIC, &m_out,
	    &used), WIRE_ERR_SIZE);
	be32_store(hdr + 6, 0xffffffffu);
	CU_ASSERT_EQUAL(wire_frame_parse(hdr, sizeof(hdr), MAGIC, &m_out,
	    &used), WIRE_ERR_SIZE);
	/* the cap itself is allowed: the frame is merely incomplete */
	be32_store(hdr + 6, WIRE_MAX_PAYLOAD);
	CU_ASSERT_EQUAL(wire_frame_parse(hdr, sizeof(hdr), MAGIC, &m_out,
	    &used), WIRE_NEED_MORE);
}

static void
test_magic_checksum_type(void)
{
	uint8_t		buf[64], p[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t		n, used;

	n = frame(buf, MAGIC ^ 1, WIRE_PING, p, 8);
	CU_ASSERT_EQUAL(wire_frame_parse(buf, n, MAGIC, &m_out, &used),
	    WIRE_ERR_MAGIC);
	/* the magic is judged first, from the header alone */
	CU_ASSERT_EQUAL(wire_frame_parse(buf, WIRE_HDR_LEN, MAGIC, &m_out,
	    &used), WIRE_ERR_MAGIC);
	n = frame(buf, MAGIC, WIRE_PING, p, 8);
	CU_ASSERT_EQUAL(wire_frame_parse(buf, n, MAGIC, &m_out, &used),
	    WIRE_OK);
	buf[WIRE_HDR_LEN + 3] ^= 0x40;
	CU_ASSERT_EQUAL(wire_frame_parse(buf, n, MAGIC, &m_out, &used),
	    WIRE_ERR_CHECKSUM);
	n = frame(buf, MAGIC, WIRE_PING, p, 8);
	buf[11] ^= 1;
	CU_ASSERT_EQUAL(wire_frame_parse(buf, n, MAGIC, &m_out, &used),
	    WIRE_ERR_CHECKSUM);
	/*
	 * out of a TLS session the checksum is not checked (TLS authenticated
	 * the bytes); everything else is, and the frame decodes alike
	 */
	CU_ASSERT_EQUAL(wire_frame_parse_tls(buf, n, MAGIC, &m_out, &used),
	    WIRE_OK);
	CU_ASSERT_EQUAL(used, n);
	CU_ASSERT_EQUAL(m_out.u.nonce, 0x0102030405060708ull);
	CU_ASSERT_EQUAL(wire_frame_parse_tls(buf, n - 1, MAGIC, &m_out,
	    &used), WIRE_NEED_MORE);
	n = frame(buf, MAGIC ^ 1, WIRE_PING, p, 8);
	CU_ASSERT_EQUAL(wire_frame_parse_tls(buf, n, MAGIC, &m_out, &used),
	    WIRE_ERR_MAGIC);
	n = frame(buf, MAGIC, 0, p, 8);
	CU_ASSERT_EQUAL(wire_frame_parse(buf, n, MAGIC, &m_out, &used),
	    WIRE_ERR_TYPE);
	n = frame(buf, MAGIC, WIRE_TYPE_MAX, p, 8);
	CU_ASSERT_EQUAL(wire_frame_parse(buf, n, MAGIC, &m_out, &used),
	    WIRE_ERR_TYPE);
	n = frame(buf, MAGIC, 0xffff, p, 8);
	CU_ASSERT_EQUAL(wire_frame_parse(buf, WIRE_HDR_LEN, MAGIC, &m_out,
	    &used), WIRE_ERR_TYPE);
	CU_ASSERT_EQUAL(wire_magic((const uint8_t *)"\x3e\xb3\xe9\x9c"
	    "0123456789012345678901234567"), MAGIC);
}

/* a payload of type t must be refused */
static void
bad(uint16_t t, const uint8_t *p, uint32_t len)
{
	static uint8_t	buf[WIRE_HDR_LEN + 8192];
	size_t		n, used;

	CU_ASSERT_FATAL(len <= 8192);
	n = frame(buf, MAGIC, t, p, len);
	CU_ASSERT_EQUAL(wire_frame_parse(buf, n, MAGIC, &m_out, &used),
	    WIRE_ERR_DECODE);
}

static void
test_malformed_payloads(void)
{
	uint8_t	p[8192];
	struct wbuf w;

	memset(p, 0, sizeof(p));
	bad(WIRE_PING, p, 7);			/* short */
	bad(WIRE_PING, p, 9);			/* trailing byte */
	bad(WIRE_GET_ADDRS, p, 1);
	bad(WIRE_TIP, p, 39);
	bad(WIRE_HELLO, p, 10);
	/* hello whose agent is longer than WIRE_AGENT_MAX */
	be16_store(p + 88, WIRE_AGENT_MAX + 1);
	bad(WIRE_HELLO, p, 90 + WIRE_AGENT_MAX + 1);
	memset(p, 0, sizeof(p));
	/* get-range: reqid 0, count 0, count too big */
	be32_store(p + 12, 1);
	bad(WIRE_GET_RANGE, p, 16);
	be32_store(p, 1);
	be32_store(p + 12, 0);
	bad(WIRE_GET_RANGE, p, 16);
	be32_store(p + 12, WIRE_MAX_BLOCKS + 1);
	bad(WIRE_GET_RANGE, p, 16);
	/* get-locator: no hashes, too many, fewer than announced */
	memset(p, 0, sizeof(p));
	be32_store(p, 1);
	be32_store(p + 4, 1);
	bad(WIRE_GET_LOCATOR, p, 12);
	be32_store(p + 8, WIRE_MAX_HASHES + 1);
	bad(WIRE_GET_LOCATOR, p, 12 + (WIRE_MAX_HASHES + 1) * 32);
	be32_store(p + 8, 2);
	bad(WIRE_GET_LOCATOR, p, 12 + 32);
	/* blocks: count over the cap, a length past the end, empty blob */
	memset(p, 0, sizeof(p));
	be32_store(p + 4, WIRE_MAX_BLOCKS + 1);
	bad(WIRE_BLOCKS, p, 8 + 4 * (WIRE_MAX_BLOCKS + 1));
	be32_store(p + 4, 1);
	be32_store(p + 8, 100);
	bad(WIRE_BLOCKS, p, 8 + 4 + 99);
	be32_store(p + 8, 0);
	bad(WIRE_BLOCKS, p, 12);
	be32_store(p + 8, WIRE_MAX_BATCH + 1);
	bad(WIRE_BLOCKS, p, 16);
	/* addrs: over the cap, port 0 */
	memset(p, 0, sizeof(p));
	be32_store(p, WIRE_MAX_ADDRS + 1);
	bad(WIRE_ADDRS, p, 4 + 6 * (WIRE_MAX_ADDRS + 1));
	be32_store(p, 1);
	be32_store(p + 4, 0x7f000002);
	bad(WIRE_ADDRS, p, 10);
	bad(WIRE_ADDRS_V2, p, 4 + 18 - 1);	/* short */
	memset(p, 0, sizeof(p));
	be32_store(p, 1);
	p[4 + 16] = 0x5e;			/* ::, port 24100 */
	p[4 + 17] = 0x24;
	bad(WIRE_ADDRS_V2, p, 4 + 18);
	be32_store(p, WIRE_MAX_ADDRS + 1);
	bad(WIRE_ADDRS_V2, p, 4 + 18 * (WIRE_MAX_ADDRS + 1));
	/* goodbye: unknown reason */
	memset(p, 0, sizeof(p));
	p[0] = WIRE_GOODBYE_REASONS;
	bad(WIRE_GOODBYE, p, 3);

	/* the encoder refuses what the decoder would */
	memset(&m_in, 0, sizeof(m_in));
	m_in.type = WIRE_ADDRS;
	m_in.u.addrs.count = WIRE_MAX_ADDRS + 1;
	wbuf_init(&w, WIRE_MAX_FRAME);
	CU_ASSERT_EQUAL(wire_encode(&w, MAGIC, &m_in), -1);
	CU_ASSERT_EQUAL(w.len, 0);
	m_in.type = 0;
	CU_ASSERT_EQUAL(wire_encode(&w, MAGIC, &m_in), -1);
	wbuf_free(&w);
}

/* random payloads under valid headers: decoded or refused, never more */
static void
test_random(void)
{
	static uint8_t	buf[WIRE_HDR_LEN + 600], p[600];
	size_t		n, used;
	uint32_t	len;
	uint16_t	t;
	int		i, st, ok = 0;

	for (i = 0; i < 20000; i++) {
		t = (uint16_t)(1 + randombytes_uniform(WIRE_TYPE_MAX - 1));
		len = randombytes_uniform(sizeof(p));
		randombytes_buf(p, len);
		if (i & 1 && len >= 8)	/* plausible counts now and then */
			be32_store(p + 4, randombytes_uniform(4));
		n = frame(buf, MAGIC, t, p, len);
		st = wire_frame_parse(buf, n, MAGIC, &m_out, &used);
		CU_ASSERT(st == WIRE_OK || st == WIRE_ERR_DECODE ||
		    st == WIRE_ERR_HEIGHT);
		ok += st == WIRE_OK;
	}
	CU_ASSERT(ok > 0);
}

/* the prefix of blobs that fits in one BLOCKS */
static void
test_blocks_fill(void)
{
	static struct blob	v[WIRE_MAX_BLOCKS + 10];
	static uint8_t		b[1];
	static struct wire_blocks bl;
	uint32_t		i;

	for (i = 0; i < WIRE_MAX_BLOCKS + 10; i++) {
		v[i].p = b;
		v[i].len = 1;
	}
	CU_ASSERT_EQUAL(wire_blocks_fill(&bl, 7, v, 3), 3);
	CU_ASSERT_EQUAL(bl.reqid, 7);
	CU_ASSERT_EQUAL(bl.count, 3);
	CU_ASSERT_EQUAL(wire_blocks_fill(&bl, 0, v, WIRE_MAX_BLOCKS + 10),
	    WIRE_MAX_BLOCKS);
	CU_ASSERT_EQUAL(wire_blocks_fill(&bl, 0, NULL, 0), 0);
	/* the byte limit: 3 of 2 MiB do not fit */
	for (i = 0; i < 3; i++)
		v[i].len = WIRE_MAX_BATCH / 2;
	CU_ASSERT_EQUAL(wire_blocks_fill(&bl, 1, v, 3), 2);
	v[0].len = WIRE_MAX_BATCH + 1;
	CU_ASSERT_EQUAL(wire_blocks_fill(&bl, 1, v, 3), 0);
	/* an empty blob ends the prefix */
	v[0].len = 1;
	v[1].len = 0;
	CU_ASSERT_EQUAL(wire_blocks_fill(&bl, 1, v, 3), 1);
}

/* encode m_in and parse it back: the status */
static enum wire_status
encode_parse(void)
{
	struct wbuf	*w = &frame_w;
	size_t		 used = 0;

	wbuf_free(w);
	wbuf_init(w, WIRE_MAX_FRAME);
	CU_ASSERT_FATAL(wire_encode(w, MAGIC, &m_in) == 0);
	return wire_frame_parse(w->data, w->len, MAGIC, &m_out, &used);
}

/*
 * Issue 11, review finding B: a HELLO of height 2^64-1 and a TIP of 2^63 were taken
 * and shown negative in the status.  Every height a message carries is
 * at most WIRE_MAX_HEIGHT = 2^53-1 (docs/protocol.md section 2); above,
 * the frame is refused (GOODBYE protocol).
 */
static void
test_heights_bounded(void)
{
	static const uint64_t bad[] = { WIRE_MAX_HEIGHT + 1, 1ull << 63,
	    UINT64_MAX };
	size_t i;

	CU_ASSERT_EQUAL(WIRE_MAX_HEIGHT, (1ull << 53) - 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&m_in, 0, sizeof(m_in));
		m_in.type = WIRE_HELLO;
		m_in.u.hello.version = WIRE_VERSION;
		m_in.u.hello.magic = MAGIC;
		m_in.u.hello.height = bad[i];
		CU_ASSERT_EQUAL(encode_parse(), WIRE_ERR_HEIGHT);
		m_in.u.hello.height = WIRE_MAX_HEIGHT;
		CU_ASSERT_EQUAL(encode_parse(), WIRE_OK);
		memset(&m_in, 0, sizeof(m_in));
		m_in.type = WIRE_TIP;
		m_in.u.tip.height = bad[i];
		CU_ASSERT_EQUAL(encode_parse(), WIRE_ERR_HEIGHT);
		m_in.u.tip.height = WIRE_MAX_HEIGHT;
		CU_ASSERT_EQUAL(encode_parse(), WIRE_OK);
		memset(&m_in, 0, sizeof(m_in));
		m_in.type = WIRE_GET_RANGE;
		m_in.u.range.reqid = 1;
		m_in.u.range.count = 1;
		m_in.u.range.from = bad[i];
		CU_ASSERT_EQUAL(encode_parse(), WIRE_ERR_HEIGHT);
		m_in.u.range.from = WIRE_MAX_HEIGHT;
		CU_ASSERT_EQUAL(encode_parse(), WIRE_OK);
		memset(&m_in, 0, sizeof(m_in));
		m_in.type = WIRE_GET_HEADERS;
		m_in.u.get_headers.reqid = 1;
		m_in.u.get_headers.count = 1;
		m_in.u.get_headers.from = bad[i];
		CU_ASSERT_EQUAL(encode_parse(), WIRE_ERR_HEIGHT);
		m_in.u.get_headers.from = WIRE_MAX_HEIGHT;
		CU_ASSERT_EQUAL(encode_parse(), WIRE_OK);
	}
	CU_ASSERT_STRING_EQUAL(wire_status_names[WIRE_ERR_HEIGHT],
	    "height above 2^53-1");
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "round trip: hello", test_roundtrip_hello },
		{ "round trip: ping, pong, tip, get-addrs, goodbye",
		    test_roundtrip_small },
		{ "round trip: get-range, get-locator",
		    test_roundtrip_requests },
		{ "round trip: get-headers, headers", test_roundtrip_headers },
		{ "malformed get-headers, headers", test_malformed_headers },
		{ "round trip: blocks, addrs", test_roundtrip_blocks_addrs },
		{ "ADDRS of version 1 is IPv4 only", test_addrs_v1_ipv4_only },
		{ "truncated frames ask for more", test_truncated },
		{ "oversized refused from the header", test_oversized },
		{ "wrong magic, checksum, unknown type",
		    test_magic_checksum_type },
		{ "malformed payloads", test_malformed_payloads },
		{ "heights above 2^53-1 refused", test_heights_bounded },
		{ "random payloads", test_random },
		{ "blocks: the prefix that fits", test_blocks_fill },
	};
	struct tn_suite	 ts = { .name = "wire", .cases = tests,
	    .ncases = TN_NCASES(tests) };
	int		 rc;

	if (sodium_init() < 0)
		return 1;
	rc = tn_cunit_run(&ts);
	wbuf_free(&frame_w);
	return rc;
}
