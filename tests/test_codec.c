/* SPDX-License-Identifier: ISC */
/*
 * test_codec.c - the binary codec (ipc/codec.c) and the IPC message
 * catalogue, encoders and decoders (ipc/msg.c).
 *
 * Round trips of every primitive and every message; the byte order checked
 * against literal bytes; the reader's sticky error on every possible
 * truncation (each cut is copied into a buffer of exactly that size, so a
 * run under AddressSanitizer catches any read past the end); counts and
 * strings refused before anything is allocated or copied; decoders that
 * refuse out-of-range fields and trailing bytes; and ipc_check() against
 * every type, sender, receiver and size.
 */
#include <arpa/inet.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "codec.h"
#include "cunit.h"
#include "ipc.h"

#define BIG	(1u << 20)

/* sizes and senders as ipc.h describes them, independent of msg.c */
#define B(x)		(1u << (x))
#define SUP		B(IPC_SUPERVISOR)
#define STORED		B(IPC_STORED)
#define SYNCD		B(IPC_SYNCD)
#define NETD		B(IPC_NETD)
#define WORKER_BITS	(STORED | SYNCD | NETD)
#define STORE_USERS	(NETD | SYNCD)
/* the counters, bans, the handshake histogram, send queues, npeers */
#define NETD_COUNTERS	(8 + 8 * (14 + CLOSE_NREASONS))
/* ... then the node key, whether it is temporary, npeers */
#define NETD_MIN	(NETD_COUNTERS + 4 + IPC_HIST_LEN + IPC_SENDQ_LEN + \
			 32 + 1 + 4)
#define STORED_LEN	(8 + 8 + 2 * IPC_HASH_LEN + 1 + 8 + 8 + 4 + \
			 IPC_SENDQ_LEN)
#define SYNCD_LEN	(8 + 1 + 8 + 8 + 4 + 8 + 8 + 1 + 8 + 8 + 16 + 16 + \
			 IPC_HIST_LEN + IPC_SENDQ_LEN)
/* code, height, hash, count, reason (u16 length + up to 200 bytes) */
#define RESULT_LEN	(1 + 8 + IPC_HASH_LEN + 4 + 2)
/* code, count, then per block a u32 length and the bytes */
#define BLOCKS_LEN	(1 + 4)
#define BLOCKS_MAXLEN	(BLOCKS_LEN + 4 * IPC_MAX_BLOCKS + \
			    (size_t)IPC_MAX_BLOCK_BYTES)
#define HASHES_MAXLEN	(4 + IPC_MAX_HASHES * IPC_HASH_LEN)
#define ADDR_BYTES	(16 + 2 + 1 + 8 + 8 + 4 + 8)
#define PEER_BYTES	(16 + 2 + 1 + 8 + IPC_HASH_LEN)
/* code, count, then count headers of 90 bytes */
#define HEADERS_MAXLEN	(1 + 4 + 2000 * 90)

/* a copy of the first n bytes in a buffer of exactly n bytes */
static uint8_t *
dup_prefix(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	if (q == NULL)
		abort();
	if (n)
		memcpy(q, p, n);
	return q;
}

/*
 * Primitives.
 */

static void
test_byte_order(void)
{
	static const uint8_t want[] = {
		0xab,
		0x01, 0x02,
		0x01, 0x02, 0x03, 0x04,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0x00, 0x03, 'a', 'b', 'c',
		0xde, 0xad,
	};
	struct wbuf	w;
	uint8_t		b[8];

	wbuf_init(&w, 1024);
	put_u8(&w, 0xab);
	put_u16(&w, 0x0102);
	put_u32(&w, 0x01020304);
	put_u64(&w, 0x0102030405060708ULL);
	put_str(&w, "abc", 10);
	put_bytes(&w, "\xde\xad", 2);
	CU_ASSERT_FALSE(w.err);
	CU_ASSERT_EQUAL(w.len, sizeof(want));
	CU_ASSERT_TRUE(w.len == sizeof(want) &&
	    memcmp(w.data, want, sizeof(want)) == 0);
	wbuf_free(&w);

	be16_store(b, 0xfeed);
	CU_ASSERT(b[0] == 0xfe && b[1] == 0xed);
	be32_store(b, 0x80000001u);
	CU_ASSERT(b[0] == 0x80 && b[1] == 0 && b[2] == 0 && b[3] == 1);
	be64_store(b, 0x8000000000000001ULL);
	CU_ASSERT(b[0] == 0x80 && b[7] == 0x01 && b[3] == 0 && b[4] == 0);
	CU_ASSERT_EQUAL(be16_load(want + 1), 0x0102);
	CU_ASSERT_EQUAL(be32_load(want + 3), 0x01020304u);
	CU_ASSERT_EQUAL(be64_load(want + 7), 0x0102030405060708ULL);
}

static void
test_int_round_trip(void)
{
	static const uint64_t	v64[] = { 0, 1, 0x7fffffffffffffffULL,
	    0x8000000000000000ULL, UINT64_MAX };
	static const uint32_t	v32[] = { 0, 1, 0x7fffffff, 0x80000000u,
	    UINT32_MAX };
	static const uint16_t	v16[] = { 0, 1, 0x7fff, 0x8000,
	    UINT16_MAX };
	static const uint8_t	v8[] = { 0, 1, 0x7f, 0x80, UINT8_MAX };
	struct wbuf		w;
	struct rbuf		r;
	size_t			i;

	wbuf_init(&w, 1024);
	for (i = 0; i < 5; i++) {
		put_u8(&w, v8[i]);
		put_u16(&w, v16[i]);
		put_u32(&w, v32[i]);
		put_u64(&w, v64[i]);
	}
	CU_ASSERT_FALSE(w.err);
	CU_ASSERT_EQUAL(w.len, 5 * 15);
	rbuf_init(&r, w.data, w.len);
	for (i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(get_u8(&r), v8[i]);
		CU_ASSERT_EQUAL(get_u16(&r), v16[i]);
		CU_ASSERT_EQUAL(get_u32(&r), v32[i]);
		CU_ASSERT_EQUAL(get_u64(&r), v64[i]);
	}
	CU_ASSERT_TRUE(rbuf_done(&r));
	CU_ASSERT_EQUAL(rbuf_left(&r), 0);
	/* one more read: error, zero */
	CU_ASSERT_EQUAL(get_u8(&r), 0);
	CU_ASSERT_FALSE(rbuf_ok(&r));
	CU_ASSERT_FALSE(rbuf_done(&r));
	wbuf_free(&w);
}

static void
test_bytes_round_trip(void)
{
	struct wbuf	 w;
	struct rbuf	 r;
	uint8_t		 src[3000], dst[3000];
	const uint8_t	*p;
	size_t		 i;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 3);
	wbuf_init(&w, BIG);
	put_bytes(&w, src, 0);
	CU_ASSERT_EQUAL(w.len, 0);
	put_bytes(&w, src, 1);
	put_bytes(&w, src, sizeof(src));	/* grows past 256, 1024, 2048 */
	CU_ASSERT_FALSE(w.err);
	CU_ASSERT_EQUAL(w.len, 1 + sizeof(src));
	CU_ASSERT(w.cap >= w.len && w.cap <= BIG);

	rbuf_init(&r, w.data, w.len);
	get_bytes(&r, dst, 1);
	CU_ASSERT_EQUAL(dst[0], src[0]);
	p = get_ptr(&r, 10);
	CU_ASSERT_PTR_EQUAL(p, w.data + 1);
	CU_ASSERT_EQUAL(rbuf_left(&r), sizeof(src) - 10);
	get_bytes(&r, dst + 10, sizeof(src) - 10);
	CU_ASSERT_TRUE(rbuf_done(&r));
	CU_ASSERT_EQUAL(memcmp(dst + 10, src + 10, sizeof(src) - 10), 0);
	wbuf_free(&w);
	CU_ASSERT_PTR_NULL(w.data);
	CU_ASSERT_EQUAL(w.len, 0);
}

static void
test_str_round_trip(void)
{
	struct wbuf	 w;
	struct rbuf	 r;
	char		 s[300], d[301];

	memset(s, 'x', 255);
	s[255] = '\0';
	wbuf_init(&w, BIG);
	put_str(&w, "", 255);
	put_str(&w, "hello", 255);
	put_str(&w, s, 255);			/* exactly the maximum */
	CU_ASSERT_FALSE(w.err);
	CU_ASSERT_EQUAL(w.len, 2 + 2 + 5 + 2 + 255);
	CU_ASSERT(w.data[0] == 0 && w.data[1] == 0);
	CU_ASSERT(w.data[9] == 0x00 && w.data[10] == 0xff);

	rbuf_init(&r, w.data, w.len);
	memset(d, 'z', sizeof(d));
	get_str(&r, d, 1);			/* "" fits in 1 */
	CU_ASSERT_STRING_EQUAL(d, "");
	get_str(&r, d, 6);			/* "hello" fits in 6 */
	CU_ASSERT_STRING_EQUAL(d, "hello");
	get_str(&r, d, 256);
	CU_ASSERT_STRING_EQUAL(d, s);
	CU_ASSERT_TRUE(rbuf_done(&r));

	/* over the maximum: writer error, nothing written */
	wbuf_reset(&w);
	s[255] = 'x';
	s[256] = '\0';
	put_str(&w, s, 255);
	CU_ASSERT_TRUE(w.err);
	CU_ASSERT_EQUAL(w.len, 0);
	wbuf_free(&w);
}

static void
test_str_longer_than_u16(void)
{
	struct wbuf	 w;
	char		*s;

	if ((s = malloc(70000)) == NULL)
		abort();
	memset(s, 'a', 69999);
	s[69999] = '\0';
	wbuf_init(&w, BIG);
	put_str(&w, s, SIZE_MAX);		/* no u16 length for it */
	CU_ASSERT_TRUE(w.err);
	CU_ASSERT_EQUAL(w.len, 0);
	wbuf_reset(&w);
	s[UINT16_MAX] = '\0';
	put_str(&w, s, SIZE_MAX);		/* the longest possible */
	CU_ASSERT_FALSE(w.err);
	CU_ASSERT_EQUAL(w.len, 2 + (size_t)UINT16_MAX);
	wbuf_free(&w);
	free(s);
}

/* a string that does not fit in dst: refused, dst left empty */
static void
test_get_str_cap(void)
{
	static const uint8_t	in[] = {
		0, 5, 'h', 'e', 'l', 'l', 'o', 0xaa
	};
	struct rbuf		r;
	char			d[8];

	rbuf_init(&r, in, sizeof(in));
	memset(d, 'z', sizeof(d));
	get_str(&r, d, 5);			/* needs 6 with the NUL */
	CU_ASSERT_FALSE(rbuf_ok(&r));
	CU_ASSERT_EQUAL(d[0], '\0');

	rbuf_init(&r, in, sizeof(in));
	get_str(&r, d, 6);
	CU_ASSERT_TRUE(rbuf_ok(&r));
	CU_ASSERT_STRING_EQUAL(d, "hello");
	CU_ASSERT_EQUAL(get_u8(&r), 0xaa);
	CU_ASSERT_TRUE(rbuf_done(&r));
}

/*
 * cap 0: not even the NUL fits, so by the contract of codec.h ("error if it
 * does not fit") this is an error, and the reader must not be left in the
 * middle of the string either.
 */
static void
test_get_str_cap_zero(void)
{
	static const uint8_t	in[] = { 0, 2, 'h', 'i' };
	struct rbuf		r;
	char			d[1] = { 'z' };

	rbuf_init(&r, in, sizeof(in));
	get_str(&r, d, 0);
	CU_ASSERT_FALSE(rbuf_ok(&r));
	CU_ASSERT_EQUAL(d[0], 'z');		/* dst not touched */
}

static void
test_get_str_nul(void)
{
	static const uint8_t	in1[] = { 0, 3, 'a', 0, 'b' };
	static const uint8_t	in2[] = { 0, 3, 'a', 'b', 0 };
	static const uint8_t	in3[] = { 0, 1, 0 };
	static const uint8_t	ctl1[] = { 0, 3, 'a', '\n', 'b' };
	static const uint8_t	ctl2[] = { 0, 2, 0x1b, '[' };
	static const uint8_t	ctl3[] = { 0, 1, 0x7f };
	static const uint8_t	okay[] = { 0, 4, 'a', ' ', 'b', '~' };
	struct rbuf		r;
	char			d[16];

	rbuf_init(&r, in1, sizeof(in1));
	memset(d, 'z', sizeof(d));
	get_str(&r, d, sizeof(d));
	CU_ASSERT_FALSE(rbuf_ok(&r));
	CU_ASSERT_EQUAL(d[0], '\0');

	rbuf_init(&r, in2, sizeof(in2));
	get_str(&r, d, sizeof(d));
	CU_ASSERT_FALSE(rbuf_ok(&r));

	rbuf_init(&r, in3, sizeof(in3));
	get_str(&r, d, sizeof(d));
	CU_ASSERT_FALSE(rbuf_ok(&r));

	/* control characters could forge log lines: refused too */
	rbuf_init(&r, ctl1, sizeof(ctl1));
	get_str(&r, d, sizeof(d));
	CU_ASSERT_FALSE(rbuf_ok(&r));
	rbuf_init(&r, ctl2, sizeof(ctl2));
	get_str(&r, d, sizeof(d));
	CU_ASSERT_FALSE(rbuf_ok(&r));
	rbuf_init(&r, ctl3, sizeof(ctl3));
	get_str(&r, d, sizeof(d));
	CU_ASSERT_FALSE(rbuf_ok(&r));
	rbuf_init(&r, okay, sizeof(okay));
	get_str(&r, d, sizeof(d));
	CU_ASSERT_TRUE(rbuf_done(&r));
	CU_ASSERT_STRING_EQUAL(d, "a b~");
}

/* the string runs past the end, at every cut */
static void
test_get_str_truncated(void)
{
	static const uint8_t	in[] = { 0, 4, 'a', 'b', 'c', 'd' };
	struct rbuf		r;
	uint8_t			*p;
	char			d[16];
	size_t			n;

	for (n = 0; n < sizeof(in); n++) {
		p = dup_prefix(in, n);
		rbuf_init(&r, p, n);
		memset(d, 'z', sizeof(d));
		get_str(&r, d, sizeof(d));
		CU_ASSERT_FALSE(rbuf_ok(&r));
		CU_ASSERT_EQUAL(d[0], '\0');
		free(p);
	}
}

/* the reader on every cut of a sequence of fields */
static void
test_reader_truncated(void)
{
	struct wbuf	 w;
	struct rbuf	 r;
	uint8_t		*p, bytes[5];
	size_t		 n;

	wbuf_init(&w, 1024);
	put_u8(&w, 0xff);
	put_u16(&w, 0xffff);
	put_u32(&w, 0xffffffff);
	put_u64(&w, UINT64_MAX);
	put_bytes(&w, "\xff\xff\xff\xff\xff", 5);
	CU_ASSERT_EQUAL(w.len, 20);
	for (n = 0; n < w.len; n++) {
		p = dup_prefix(w.data, n);
		rbuf_init(&r, p, n);
		/* every field either complete or zero */
		CU_ASSERT_EQUAL(get_u8(&r), n >= 1 ? 0xff : 0);
		CU_ASSERT_EQUAL(get_u16(&r), n >= 3 ? 0xffff : 0);
		CU_ASSERT_EQUAL(get_u32(&r), n >= 7 ? 0xffffffff : 0);
		CU_ASSERT_EQUAL(get_u64(&r), n >= 15 ? UINT64_MAX : 0);
		memset(bytes, 0x11, sizeof(bytes));
		get_bytes(&r, bytes, sizeof(bytes));
		CU_ASSERT(bytes[0] == 0 && bytes[4] == 0);
		CU_ASSERT_FALSE(rbuf_ok(&r));
		CU_ASSERT_FALSE(rbuf_done(&r));
		CU_ASSERT_EQUAL(rbuf_left(&r), 0);
		free(p);
	}
	wbuf_free(&w);
}

/* once in error, even a read that would fit yields zero */
static void
test_reader_sticky(void)
{
	static const uint8_t	in[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct rbuf		r;
	uint8_t			b[2] = { 0x55, 0x55 };

	rbuf_init(&r, in, sizeof(in));
	CU_ASSERT_PTR_NULL(get_ptr(&r, sizeof(in) + 1));
	CU_ASSERT_FALSE(rbuf_ok(&r));
	CU_ASSERT_EQUAL(r.off, 0);
	CU_ASSERT_EQUAL(get_u8(&r), 0);
	CU_ASSERT_EQUAL(get_u16(&r), 0);
	CU_ASSERT_EQUAL(get_u32(&r), 0);
	CU_ASSERT_EQUAL(get_u64(&r), 0);
	CU_ASSERT_PTR_NULL(get_ptr(&r, 1));
	get_bytes(&r, b, 2);
	CU_ASSERT(b[0] == 0 && b[1] == 0);
	CU_ASSERT_EQUAL(get_count(&r, 100, 1), 0);
	CU_ASSERT_EQUAL(rbuf_left(&r), 0);
	CU_ASSERT_FALSE(rbuf_done(&r));

	/* huge lengths do not wrap around */
	rbuf_init(&r, in, sizeof(in));
	get_u8(&r);
	CU_ASSERT_PTR_NULL(get_ptr(&r, SIZE_MAX));
	CU_ASSERT_FALSE(rbuf_ok(&r));
	rbuf_init(&r, in, sizeof(in));
	get_u8(&r);
	CU_ASSERT_PTR_NULL(get_ptr(&r, sizeof(in)));	/* one too many */
	CU_ASSERT_FALSE(rbuf_ok(&r));
	rbuf_init(&r, in, sizeof(in));
	CU_ASSERT_PTR_NOT_NULL(get_ptr(&r, sizeof(in)));
	CU_ASSERT_TRUE(rbuf_done(&r));
}

static void
test_rbuf_done(void)
{
	static const uint8_t	in[] = { 0, 1, 2 };
	struct rbuf		r;

	rbuf_init(&r, in, sizeof(in));
	CU_ASSERT_EQUAL(get_u16(&r), 1);
	CU_ASSERT_TRUE(rbuf_ok(&r));
	CU_ASSERT_FALSE(rbuf_done(&r));		/* one trailing byte */
	CU_ASSERT_EQUAL(rbuf_left(&r), 1);
	CU_ASSERT_EQUAL(get_u8(&r), 2);
	CU_ASSERT_TRUE(rbuf_done(&r));

	rbuf_init(&r, in, 0);
	CU_ASSERT_TRUE(rbuf_done(&r));
	CU_ASSERT_EQUAL(get_u8(&r), 0);
	CU_ASSERT_FALSE(rbuf_done(&r));
}

static void
test_get_count(void)
{
	uint8_t		in[4 + 10];
	struct rbuf	r;

	memset(in, 0, sizeof(in));

	/* 0xFFFFFFFF elements of 1 byte, 10 bytes left */
	be32_store(in, 0xffffffffu);
	rbuf_init(&r, in, sizeof(in));
	CU_ASSERT_EQUAL(get_count(&r, UINT32_MAX, 1), 0);
	CU_ASSERT_FALSE(rbuf_ok(&r));

	/* 10 of 1 byte fit, 11 do not */
	be32_store(in, 10);
	rbuf_init(&r, in, sizeof(in));
	CU_ASSERT_EQUAL(get_count(&r, 100, 1), 10);
	CU_ASSERT_TRUE(rbuf_ok(&r));
	CU_ASSERT_EQUAL(rbuf_left(&r), 10);
	be32_store(in, 11);
	rbuf_init(&r, in, sizeof(in));
	CU_ASSERT_EQUAL(get_count(&r, 100, 1), 0);
	CU_ASSERT_FALSE(rbuf_ok(&r));

	/* 2 of 5 fit, 3 of 5 (or 2 of 6) do not */
	be32_store(in, 2);
	rbuf_init(&r, in, sizeof(in));
	CU_ASSERT_EQUAL(get_count(&r, 100, 5), 2);
	CU_ASSERT_TRUE(rbuf_ok(&r));
	rbuf_init(&r, in, sizeof(in));
	CU_ASSERT_EQUAL(get_count(&r, 100, 6), 0);
	CU_ASSERT_FALSE(rbuf_ok(&r));
	be32_store(in, 3);
	rbuf_init(&r, in, sizeof(in));
	CU_ASSERT_EQUAL(get_count(&r, 100, 5), 0);
	CU_ASSERT_FALSE(rbuf_ok(&r));

	/* the maximum, even when the bytes would be there */
	be32_store(in, 5);
	rbuf_init(&r, in, sizeof(in));
	CU_ASSERT_EQUAL(get_count(&r, 4, 1), 0);
	CU_ASSERT_FALSE(rbuf_ok(&r));
	rbuf_init(&r, in, sizeof(in));
	CU_ASSERT_EQUAL(get_count(&r, 5, 1), 5);
	CU_ASSERT_TRUE(rbuf_ok(&r));

	/* huge element size: no overflow in the check */
	be32_store(in, 1);
	rbuf_init(&r, in, sizeof(in));
	CU_ASSERT_EQUAL(get_count(&r, 100, SIZE_MAX), 0);
	CU_ASSERT_FALSE(rbuf_ok(&r));

	/* zero elements always fit */
	be32_store(in, 0);
	rbuf_init(&r, in, 4);
	CU_ASSERT_EQUAL(get_count(&r, 0, 1000), 0);
	CU_ASSERT_TRUE(rbuf_done(&r));

	/* the count itself truncated */
	rbuf_init(&r, in, 3);
	CU_ASSERT_EQUAL(get_count(&r, 100, 1), 0);
	CU_ASSERT_FALSE(rbuf_ok(&r));
}

/* writing past max: error, no growth past max, sticky until reset */
static void
test_wbuf_max(void)
{
	struct wbuf	w;

	wbuf_init(&w, 10);
	put_u64(&w, 1);
	CU_ASSERT_FALSE(w.err);
	put_u32(&w, 2);
	CU_ASSERT_TRUE(w.err);
	CU_ASSERT_EQUAL(w.len, 8);
	CU_ASSERT(w.cap <= 10);
	put_u8(&w, 3);				/* would fit, but sticky */
	CU_ASSERT_EQUAL(w.len, 8);
	CU_ASSERT_PTR_NULL(wbuf_reserve(&w, 1));
	wbuf_reset(&w);
	CU_ASSERT_FALSE(w.err);
	CU_ASSERT_EQUAL(w.len, 0);
	put_bytes(&w, "0123456789", 10);	/* exactly max */
	CU_ASSERT_FALSE(w.err);
	CU_ASSERT_EQUAL(w.len, 10);
	CU_ASSERT_EQUAL(w.cap, 10);
	CU_ASSERT_EQUAL(memcmp(w.data, "0123456789", 10), 0);
	put_u8(&w, 0);
	CU_ASSERT_TRUE(w.err);
	CU_ASSERT_EQUAL(w.len, 10);
	CU_ASSERT_EQUAL(w.cap, 10);
	wbuf_free(&w);

	/* max 0 takes nothing but the empty write */
	wbuf_init(&w, 0);
	put_bytes(&w, "", 0);
	CU_ASSERT_FALSE(w.err);
	put_u8(&w, 1);
	CU_ASSERT_TRUE(w.err);
	CU_ASSERT_EQUAL(w.len, 0);
	wbuf_free(&w);

	/* a reservation that would wrap size_t around */
	wbuf_init(&w, 100);
	put_u8(&w, 1);
	CU_ASSERT_PTR_NULL(wbuf_reserve(&w, SIZE_MAX));
	CU_ASSERT_TRUE(w.err);
	CU_ASSERT_EQUAL(w.len, 1);
	wbuf_free(&w);

	/* growth in steps stays within max and keeps the contents */
	wbuf_init(&w, 1000);
	while (!w.err)
		put_u16(&w, (uint16_t)w.len);
	CU_ASSERT_EQUAL(w.len, 1000);
	CU_ASSERT_EQUAL(w.cap, 1000);
	CU_ASSERT_EQUAL(be16_load(w.data + 998), 998);
	CU_ASSERT_EQUAL(be16_load(w.data + 300), 300);
	wbuf_free(&w);
}

/*
 * Messages.
 */

/*
 * Every message is driven through the catalogue's codec columns (msg.c):
 * the encoder, decoder and free function of its type, for a struct of
 * the type's size, so these checks also hold the table to its structs.
 */
static const struct ipc_msgdef *
codec_of(uint16_t type, size_t size)
{
	const struct ipc_msgdef	*d = ipc_msgdef(type);

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_FATAL(d->encode != NULL && d->decode != NULL);
	CU_ASSERT_EQUAL_FATAL(d->size, size);
	return d;
}

/* encode m, a struct of type's codec, into w (wbuf_free it) */
static void
encode_msg(uint16_t type, const void *m, size_t size, struct wbuf *w)
{
	wbuf_init(w, IPC_MAX_MSG);
	codec_of(type, size)->encode(w, m);
}

#define ENCODE(type, m, w)	encode_msg((type), (m), sizeof(*(m)), (w))

/* decode n bytes from an exact-size copy; frees what a success holds */
static int
decode_copy(const struct ipc_msgdef *d, const uint8_t *p, size_t n,
    void *out)
{
	struct rbuf	 r;
	uint8_t		*q = dup_prefix(p, n);
	int		 rc, done;

	rbuf_init(&r, q, n);
	rc = d->decode(&r, out);
	done = rbuf_done(&r);
	free(q);
	if (d->release != NULL && rc == 0)
		d->release(out);
	if (rc == 0 && !done)
		rc = -2;		/* success must mean fully consumed */
	return rc;
}

/*
 * Every proper prefix is refused, and so is one byte of garbage after the
 * message; a refusal must not leak (LeakSanitizer checks that).  scratch
 * is a struct of type's codec.
 */
static uint8_t	round_tripped[IPC_TYPE_MAX];	/* by the cases so far */

static void
check_cuts(uint16_t type, const struct wbuf *w, void *scratch)
{
	const struct ipc_msgdef	*d = ipc_msgdef(type);
	uint8_t			*q;
	size_t			 n, bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	round_tripped[type] = 1;

	for (n = 0; n < w->len; n++)
		if (decode_copy(d, w->data, n, scratch) != -1) {
			fprintf(stderr, "\ncut at %zu of %zu accepted\n", n,
			    w->len);
			bad++;
		}
	CU_ASSERT_EQUAL(bad, 0);
	if ((q = malloc(w->len + 1)) == NULL)
		abort();
	memcpy(q, w->data, w->len);
	q[w->len] = 0;
	CU_ASSERT_EQUAL(decode_copy(d, q, w->len + 1, scratch), -1);
	CU_ASSERT_EQUAL(decode_copy(d, q, w->len, scratch), 0);
	free(q);
}

/* the encoded body fits the catalogue's bounds for its type */
static void
check_catalogue_size(uint16_t type, size_t len)
{
	const struct ipc_msgdef	*d = ipc_msgdef(type);

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT(len >= d->min && len <= d->max);
}

/*
 * Round trip of a message without pointers: m (zeroed by the caller
 * before its fields are set) and the decoded copy, zeroed too, compare
 * equal byte for byte, so every field came back; decoded over 0xee
 * bytes, it encodes to the same bytes again, so the decoder wrote every
 * field.  The encoding fits the catalogue's bounds; then every cut.
 * Returns the encoded length.
 */
static size_t
pod_round_trip(uint16_t type, const void *m, size_t size)
{
	const struct ipc_msgdef	*d = codec_of(type, size);
	struct wbuf		 w, again;
	struct rbuf		 r;
	void			*o, *scratch;
	size_t			 len;

	if ((o = calloc(1, size)) == NULL ||
	    (scratch = calloc(1, size)) == NULL)
		abort();
	encode_msg(type, m, size, &w);
	CU_ASSERT_FALSE(w.err);
	check_catalogue_size(type, w.len);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(d->decode(&r, o), 0);
	CU_ASSERT_EQUAL(memcmp(o, m, size), 0);
	memset(o, 0xee, size);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(d->decode(&r, o), 0);
	encode_msg(type, o, size, &again);
	CU_ASSERT(again.len == w.len && memcmp(again.data, w.data, w.len) == 0);
	wbuf_free(&again);
	check_cuts(type, &w, scratch);
	len = w.len;
	wbuf_free(&w);
	free(o);
	free(scratch);
	return len;
}

/* encode m, then expect the decoder to refuse it */
static int
refused(uint16_t type, const void *m, size_t size)
{
	const struct ipc_msgdef	*d = codec_of(type, size);
	struct wbuf		 w;
	struct rbuf		 r;
	void			*o;
	int			 rc;

	if ((o = calloc(1, size)) == NULL)
		abort();
	encode_msg(type, m, size, &w);
	rbuf_init(&r, w.data, w.len);
	rc = d->decode(&r, o);
	wbuf_free(&w);
	free(o);
	return rc == -1;
}

#define POD(type, m)		pod_round_trip((type), (m), sizeof(*(m)))
#define REFUSED(type, m)	refused((type), (m), sizeof(*(m)))

static void
test_heartbeat(void)
{
	struct ipc_heartbeat	m;
	struct wbuf		w;

	memset(&m, 0, sizeof(m));
	m.seq = 0x0102030405060708ULL;
	m.pids[IPC_SUPERVISOR] = 1;
	m.pids[IPC_STORED] = 0;
	m.pids[IPC_SYNCD] = INT32_MAX;
	m.pids[IPC_NETD] = 4242;
	CU_ASSERT_EQUAL(POD(IPC_HEARTBEAT, &m), 8 + 4 * IPC_NPROC);
	ENCODE(IPC_HEARTBEAT, &m, &w);
	CU_ASSERT(w.data[0] == 1 && w.data[7] == 8);
	CU_ASSERT(w.data[8] == 0 && w.data[11] == 1);
	wbuf_free(&w);
}

/* a pid that is not a pid_t, in each slot */
static void
test_heartbeat_bad_pid(void)
{
	struct ipc_heartbeat	m;
	int			i;

	for (i = 0; i < IPC_NPROC; i++) {
		memset(&m, 0, sizeof(m));
		m.pids[i] = (uint32_t)INT32_MAX + 1;
		CU_ASSERT(REFUSED(IPC_HEARTBEAT, &m));
		m.pids[i] = UINT32_MAX;
		CU_ASSERT(REFUSED(IPC_HEARTBEAT, &m));
	}
}

static void
test_status_stored(void)
{
	struct ipc_status_stored	m;
	struct wbuf			w;
	int				hc, i;

	for (hc = 0; hc <= 1; hc++) {
		memset(&m, 0, sizeof(m));
		m.seq = UINT64_MAX;
		m.height = 123456789012ULL;
		for (i = 0; i < IPC_HASH_LEN; i++) {
			m.tip[i] = (uint8_t)i;
			m.genesis[i] = (uint8_t)(0xff - i);
		}
		m.have_chain = (uint8_t)hc;
		m.map_bytes = 1ull << 40;
		m.pages_used = 12345;
		m.page_bytes = 4096;
		m.sendq[0] = 7;
		m.sendq[1] = UINT32_MAX;
		CU_ASSERT_EQUAL(POD(IPC_HEARTBEAT_STORED, &m), STORED_LEN);
		ENCODE(IPC_HEARTBEAT_STORED, &m, &w);
		CU_ASSERT_EQUAL(w.data[16], 0);		/* tip[0] */
		CU_ASSERT_EQUAL(w.data[16 + 32], 0xff);	/* genesis[0] */
		wbuf_free(&w);
	}

	/* have_chain is a boolean */
	for (hc = 2; hc <= 255; hc += 253) {
		m.have_chain = (uint8_t)hc;
		CU_ASSERT(REFUSED(IPC_HEARTBEAT_STORED, &m));
	}
}

static void
test_status_syncd(void)
{
	struct ipc_status_syncd	m;
	struct wbuf		w;
	int			st;

	for (st = 0; st < SYNC_NSTATES; st++) {
		memset(&m, 0, sizeof(m));
		m.seq = 7;
		m.state = (uint8_t)st;
		m.target_height = IPC_MAX_HEIGHT;
		m.rate_milli = 12345;
		m.in_flight = UINT32_MAX;
		m.log_suppressed = 77;
		m.log_summaries = UINT64_MAX;
		m.assumevalid = SYNC_AV_PASSED;
		m.av_height = IPC_MAX_HEIGHT;
		m.av_skipped = UINT64_MAX - 1;
		m.unverified_from = 5;
		m.unverified_to = IPC_MAX_HEIGHT;
		m.requests_timed_out = UINT64_MAX;
		m.peer_stalls = 3;
		memset(&m.request, 0, sizeof(m.request));
		m.request.counts[0] = 1;
		m.request.counts[IPC_HIST_NBOUNDS] = UINT64_MAX;
		m.request.sum_us = 99;
		m.sendq[0] = 3;
		m.sendq[1] = 4;
		CU_ASSERT_EQUAL(POD(IPC_HEARTBEAT_SYNCD, &m), SYNCD_LEN);
		ENCODE(IPC_HEARTBEAT_SYNCD, &m, &w);
		CU_ASSERT_EQUAL(w.data[8], st);
		wbuf_free(&w);
	}
	CU_ASSERT_PTR_NOT_NULL(sync_state_names[SYNC_IDLE]);
	CU_ASSERT_PTR_NOT_NULL(sync_state_names[SYNC_CATCHING_UP]);

	for (st = SYNC_NSTATES; st <= 255; st += 255 - SYNC_NSTATES) {
		m.state = (uint8_t)st;
		CU_ASSERT(REFUSED(IPC_HEARTBEAT_SYNCD, &m));
	}
	/* an assumevalid state out of range, a height beyond 2^53 - 1 */
	m.state = SYNC_IDLE;
	for (st = SYNC_NAV; st <= 256; st += 256 - SYNC_NAV) {
		m.assumevalid = (uint8_t)(st == 256 ? SYNC_AV_OFF : st);
		m.av_height = st == 256 ? IPC_MAX_HEIGHT + 1 : 0;
		CU_ASSERT(REFUSED(IPC_HEARTBEAT_SYNCD, &m));
	}
	/* the unverified range: none (0, 0) or 1 <= from <= to */
	m.assumevalid = SYNC_AV_OFF;
	m.av_height = 0;
	m.unverified_from = m.unverified_to = 0;
	CU_ASSERT_EQUAL(POD(IPC_HEARTBEAT_SYNCD, &m), SYNCD_LEN);
	m.unverified_from = 9;
	m.unverified_to = 8;
	CU_ASSERT(REFUSED(IPC_HEARTBEAT_SYNCD, &m));
	m.unverified_from = 0;
	CU_ASSERT(REFUSED(IPC_HEARTBEAT_SYNCD, &m));
	m.unverified_from = 1;
	m.unverified_to = IPC_MAX_HEIGHT + 1;
	CU_ASSERT(REFUSED(IPC_HEARTBEAT_SYNCD, &m));
}

static void
fill_peer(struct ipc_peer_status *p, uint32_t i)
{
	int k;

	memset(p, 0, sizeof(*p));
	p->ip = netaddr_from_v4(0x0a000000u + i);
	/* a dual-stack peer's other addresses: 0 ... IPC_PEER_ALSO_MAX */
	p->nalso = (uint8_t)(i % (IPC_PEER_ALSO_MAX + 1));
	for (k = 0; k < p->nalso; k++)
		(void)netaddr_parse(k ? "2a00::7" : "fd00::5", &p->also[k]);
	p->listen_port = (uint16_t)(24100 + i);
	p->remote_port = (uint16_t)(40000 + i);
	p->direction = (uint8_t)(i % 2 ? DIR_OUTBOUND : DIR_INBOUND);
	p->connected_s = 1000 * i;
	p->ping_rtt_us = 250 + i;
	p->missed_pongs = (uint16_t)(i % 6);
	p->height = 1000000ULL + i;
	p->bytes_in = UINT64_MAX - i;
	p->bytes_out = (uint64_t)i << 33;
	p->blocks_received = i * 3ULL;
	p->pings_sent = 1000ULL + i;
	p->pongs_received = 999ULL + i;
}

/* both sides zeroed before they were filled: compare the bytes */
static int
peer_equal(const struct ipc_peer_status *a, const struct ipc_peer_status *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static void
fill_netd(struct ipc_status_netd *m, uint32_t npeers)
{
	int i;

	memset(m, 0, sizeof(*m));
	m->seq = 99;
	m->c.pings_sent = 1;
	m->c.pongs_received = 2;
	m->c.connections_opened = 3;
	for (i = 0; i < CLOSE_NREASONS; i++)
		m->c.connections_closed[i] = 100 + (uint64_t)i;
	m->c.duplicates_resolved = 4;
	m->c.handshakes_failed = 5;
	m->c.bytes_in = UINT64_MAX;
	m->c.bytes_out = 6;
	m->c.log_suppressed = 7;
	m->c.log_summaries = 8;
	m->c.outq_bytes = 9;
	m->c.outq_shed = 10;
	m->c.peer_key_changed = 11;
	m->c.downgrades_refused = 12;
	m->c.plaintext_v2_hellos = 13;
	memset(m->node_key, 0x5a, sizeof(m->node_key));
	m->node_key_temporary = 1;
	m->bans = 17;
	for (i = 0; i <= IPC_HIST_NBOUNDS; i++)
		m->handshake.counts[i] = 1000 + (uint64_t)i;
	m->handshake.sum_us = UINT64_MAX;
	m->sendq[0] = 8;
	m->sendq[1] = 9;
	m->npeers = npeers;
	if (npeers == 0)
		return;
	if ((m->peers = calloc(npeers, sizeof(*m->peers))) == NULL)
		abort();
	for (i = 0; i < (int)npeers; i++)
		fill_peer(&m->peers[i], (uint32_t)i);
}

static void
netd_round_trip(uint32_t npeers, int cuts)
{
	struct ipc_status_netd	m, o, scratch;
	struct wbuf		w;
	struct rbuf		r;
	uint32_t		i, same = 0;

	fill_netd(&m, npeers);
	wbuf_init(&w, IPC_MAX_MSG);
	ipc_status_netd_encode(&w, &m);
	CU_ASSERT_FALSE(w.err);
	CU_ASSERT_EQUAL(w.len, NETD_MIN + (size_t)npeers * IPC_PEER_STATUS_LEN);
	check_catalogue_size(IPC_HEARTBEAT_NETD, w.len);

	memset(&o, 0xee, sizeof(o));
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL_FATAL(ipc_status_netd_decode(&r, &o), 0);
	CU_ASSERT_EQUAL(o.seq, 99);
	CU_ASSERT_EQUAL(memcmp(&o.c, &m.c, sizeof(m.c)), 0);
	CU_ASSERT_EQUAL(o.bans, 17);
	CU_ASSERT_EQUAL(o.node_key_temporary, 1);
	CU_ASSERT_EQUAL(memcmp(&o.handshake, &m.handshake,
	    sizeof(m.handshake)), 0);
	CU_ASSERT_EQUAL(o.sendq[0], 8);
	CU_ASSERT_EQUAL(o.sendq[1], 9);
	CU_ASSERT_EQUAL(o.npeers, npeers);
	if (npeers == 0)
		CU_ASSERT_PTR_NULL(o.peers);
	for (i = 0; i < npeers && i < o.npeers; i++)
		same += peer_equal(&o.peers[i], &m.peers[i]);
	CU_ASSERT_EQUAL(same, npeers);
	ipc_status_netd_free(&o);
	CU_ASSERT_PTR_NULL(o.peers);
	CU_ASSERT_EQUAL(o.npeers, 0);

	if (cuts)
		check_cuts(IPC_HEARTBEAT_NETD, &w, &scratch);
	/* the decoder leaves a refused status without an allocation */
	rbuf_init(&r, w.data, w.len - 1);
	CU_ASSERT_EQUAL(ipc_status_netd_decode(&r, &o), -1);
	CU_ASSERT_PTR_NULL(o.peers);
	CU_ASSERT_EQUAL(o.npeers, 0);
	wbuf_free(&w);
	/* a flag other than 0 or 1 would not encode back the same (fuzz) */
	m.node_key_temporary = 2;
	wbuf_init(&w, BIG);
	ipc_status_netd_encode(&w, &m);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_status_netd_decode(&r, &o), -1);
	CU_ASSERT_PTR_NULL(o.peers);
	wbuf_free(&w);
	free(m.peers);
}

static void
test_status_netd(void)
{
	netd_round_trip(0, 1);
	netd_round_trip(1, 1);
	netd_round_trip(5, 1);
	netd_round_trip(IPC_MAX_PEERS, 0);
	CU_ASSERT_STRING_EQUAL(net_close_names[CLOSE_ERROR], "error");
	CU_ASSERT_PTR_NOT_NULL(net_close_names[CLOSE_SHUTDOWN]);
}

/* a direction other than inbound/outbound, first, middle and last peer */
static void
test_status_netd_bad_direction(void)
{
	struct ipc_status_netd	m, o;
	struct wbuf		w;
	struct rbuf		r;
	uint32_t		which;

	for (which = 0; which < 5; which += 2) {
		fill_netd(&m, 5);
		m.peers[which].direction = DIR_OUTBOUND + 1;
		wbuf_init(&w, IPC_MAX_MSG);
		ipc_status_netd_encode(&w, &m);
		rbuf_init(&r, w.data, w.len);
		CU_ASSERT_EQUAL(ipc_status_netd_decode(&r, &o), -1);
		CU_ASSERT_PTR_NULL(o.peers);	/* freed by the decoder */
		wbuf_free(&w);
		free(m.peers);
	}
}

/*
 * A peer's other addresses (issue 14): more than IPC_PEER_ALSO_MAX, or
 * an unused slot not ::, are refused (one encoding for one status).
 */
static void
test_status_netd_bad_also(void)
{
	struct ipc_status_netd	m, o;
	struct wbuf		w;
	struct rbuf		r;
	int			bad;

	for (bad = 0; bad < 2; bad++) {
		fill_netd(&m, 3);
		m.peers[1].nalso = 1;
		if (bad == 0)
			m.peers[1].nalso = IPC_PEER_ALSO_MAX + 1;
		wbuf_init(&w, IPC_MAX_MSG);
		ipc_status_netd_encode(&w, &m);
		if (bad == 1)	/* the second slot, unused, not :: */
			w.data[NETD_MIN + IPC_PEER_STATUS_LEN + NETADDR_LEN +
			    1 + NETADDR_LEN + 15] = 1;
		rbuf_init(&r, w.data, w.len);
		CU_ASSERT_EQUAL(ipc_status_netd_decode(&r, &o), -1);
		CU_ASSERT_PTR_NULL(o.peers);
		wbuf_free(&w);
		free(m.peers);
	}
}

/* more peers than IPC_MAX_PEERS, with all their bytes present */
static void
test_status_netd_too_many(void)
{
	struct ipc_status_netd	m, o;
	struct wbuf		w;
	struct rbuf		r;

	fill_netd(&m, IPC_MAX_PEERS + 1);
	wbuf_init(&w, IPC_MAX_MSG);
	ipc_status_netd_encode(&w, &m);
	CU_ASSERT_FALSE(w.err);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_status_netd_decode(&r, &o), -1);
	CU_ASSERT_PTR_NULL(o.peers);
	CU_ASSERT_EQUAL(o.npeers, 0);
	wbuf_free(&w);
	free(m.peers);
}

/* a count that claims more peers than there are bytes for */
static void
test_status_netd_count_lies(void)
{
	struct ipc_status_netd	m, o;
	struct wbuf		w;
	struct rbuf		r;
	const size_t		countoff = NETD_MIN - 4;
	static const uint32_t	lies[] = { 3, IPC_MAX_PEERS, 0xffffffffu };
	size_t			i;

	for (i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		fill_netd(&m, 2);
		wbuf_init(&w, IPC_MAX_MSG);
		ipc_status_netd_encode(&w, &m);
		CU_ASSERT_EQUAL(be32_load(w.data + countoff), 2);
		be32_store(w.data + countoff, lies[i]);
		rbuf_init(&r, w.data, w.len);
		CU_ASSERT_EQUAL(ipc_status_netd_decode(&r, &o), -1);
		CU_ASSERT_PTR_NULL(o.peers);
		wbuf_free(&w);
		free(m.peers);
	}

	/* a count lower than the peers present leaves trailing bytes */
	fill_netd(&m, 2);
	wbuf_init(&w, IPC_MAX_MSG);
	ipc_status_netd_encode(&w, &m);
	be32_store(w.data + countoff, 1);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_status_netd_decode(&r, &o), -1);
	CU_ASSERT_PTR_NULL(o.peers);
	wbuf_free(&w);
	free(m.peers);
}

static void
test_debug_socket(void)
{
	static const int32_t	good[] = { 0, 1, 13, 4095 };
	static const int32_t	bad[] = { 4096, -1, INT32_MIN, INT32_MAX };
	struct ipc_debug_socket	m;
	size_t			i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		m.err = good[i];
		CU_ASSERT_EQUAL(POD(IPC_DEBUG_SOCKET_ACK, &m), 4);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m.err = bad[i];
		CU_ASSERT(REFUSED(IPC_DEBUG_SOCKET_ACK, &m));
	}
}

/*
 * The store and sync channel messages.
 */

static void
fill_hash(uint8_t *h, uint8_t seed)
{
	int i;

	for (i = 0; i < IPC_HASH_LEN; i++)
		h[i] = (uint8_t)(seed + 7 * i);
}

static void
test_tip_range_point(void)
{
	struct ipc_tip		t;
	struct ipc_audited	au;
	struct ipc_range	g;
	struct ipc_point	p;
	int			i;

	memset(&t, 0, sizeof(t));
	t.height = IPC_MAX_HEIGHT;
	fill_hash(t.hash, 1);
	fill_hash(t.genesis, 2);
	POD(IPC_STORE_TIP, &t);
	/* issue 11, review finding B: no height above 2^53-1 is taken from anybody */
	t.height = IPC_MAX_HEIGHT + 1;
	CU_ASSERT(REFUSED(IPC_STORE_TIP, &t));
	t.height = UINT64_MAX;
	CU_ASSERT(REFUSED(IPC_STORE_TIP, &t));
	/* the unchecked range (docs/sync.md "Trusted checkpoint") */
	t.height = 10;
	t.unchecked_lo = 11;
	t.unchecked_hi = IPC_MAX_HEIGHT;
	POD(IPC_STORE_TIP, &t);
	t.unchecked_lo = 1;
	t.unchecked_hi = 1;
	POD(IPC_STORE_TIP, &t);
	t.unchecked_lo = 0;		/* hi without lo */
	CU_ASSERT(REFUSED(IPC_STORE_TIP, &t));
	t.unchecked_lo = 3;
	t.unchecked_hi = 2;		/* lo above hi */
	CU_ASSERT(REFUSED(IPC_STORE_TIP, &t));
	t.unchecked_hi = 0;
	CU_ASSERT(REFUSED(IPC_STORE_TIP, &t));
	t.unchecked_lo = 3;
	t.unchecked_hi = IPC_MAX_HEIGHT + 1;
	CU_ASSERT(REFUSED(IPC_STORE_TIP, &t));
	t.unchecked_lo = t.unchecked_hi = 0;

	/* STORE_AUDITED: 1 <= from <= to <= 2^53 - 1 */
	memset(&au, 0, sizeof(au));
	au.from = 1;
	au.to = IPC_MAX_HEIGHT;
	POD(IPC_STORE_AUDITED, &au);
	au.to = 1;
	POD(IPC_STORE_AUDITED, &au);
	au.from = 0;
	CU_ASSERT(REFUSED(IPC_STORE_AUDITED, &au));
	au.from = 2;
	CU_ASSERT(REFUSED(IPC_STORE_AUDITED, &au));
	au.from = 1;
	au.to = IPC_MAX_HEIGHT + 1;
	CU_ASSERT(REFUSED(IPC_STORE_AUDITED, &au));

	memset(&g, 0, sizeof(g));
	g.from = 1ULL << 40;
	g.count = IPC_MAX_BLOCKS;
	g.max_bytes = IPC_MAX_BLOCK_BYTES;
	POD(IPC_STORE_BLOCKS_REQ, &g);
	g.count = 0;
	g.max_bytes = 0;
	POD(IPC_STORE_BLOCKS_REQ, &g);
	g.count = IPC_MAX_BLOCKS + 1;
	CU_ASSERT(REFUSED(IPC_STORE_BLOCKS_REQ, &g));
	g.count = 1;
	g.max_bytes = IPC_MAX_BLOCK_BYTES + 1;
	CU_ASSERT(REFUSED(IPC_STORE_BLOCKS_REQ, &g));
	g.max_bytes = 0;
	g.from = IPC_MAX_HEIGHT + 1;
	CU_ASSERT(REFUSED(IPC_STORE_BLOCKS_REQ, &g));

	for (i = 0; i <= 1; i++) {
		memset(&p, 0, sizeof(p));
		p.found = (uint8_t)i;
		p.height = 77;
		fill_hash(p.hash, 3);
		POD(IPC_STORE_POINT, &p);
	}
	p.found = 2;
	CU_ASSERT(REFUSED(IPC_STORE_POINT, &p));
}

/*
 * A header request and its answer: the count 1 ... 2000, a height up to
 * 2^53-1; headers point into the message; 0, 1 and 2000 headers round
 * trip, 2001 or a count the bytes do not hold are refused.
 */
static void
test_headers(void)
{
	static uint8_t		 hb[(IPC_MAX_HEADERS + 1) * IPC_HEADER_LEN];
	static const uint32_t	 counts[] = { 0, 1, IPC_MAX_HEADERS };
	struct ipc_headers_req	 q;
	struct ipc_headers	 h, o, scratch;
	struct wbuf		 w;
	struct rbuf		 r;
	size_t			 i;

	CU_ASSERT_EQUAL(IPC_MAX_HEADERS, 2000);
	CU_ASSERT_EQUAL(IPC_HEADER_LEN, 90);
	memset(&q, 0, sizeof(q));
	q.from = IPC_MAX_HEIGHT;
	q.count = IPC_MAX_HEADERS;
	POD(IPC_STORE_HEADERS_REQ, &q);
	q.from = 0;
	q.count = 1;
	POD(IPC_STORE_HEADERS_REQ, &q);
	q.count = 0;
	CU_ASSERT(REFUSED(IPC_STORE_HEADERS_REQ, &q));
	q.count = IPC_MAX_HEADERS + 1;
	CU_ASSERT(REFUSED(IPC_STORE_HEADERS_REQ, &q));
	q.count = 1;
	q.from = IPC_MAX_HEIGHT + 1;
	CU_ASSERT(REFUSED(IPC_STORE_HEADERS_REQ, &q));

	for (i = 0; i < sizeof(hb); i++)
		hb[i] = (uint8_t)(i * 13 + 5);
	for (i = 0; i < TN_NCASES(counts); i++) {
		memset(&h, 0, sizeof(h));
		h.code = i == 0 ? IPC_ERR_RANGE : IPC_OK;
		h.count = counts[i];
		h.h = hb;
		wbuf_init(&w, IPC_MAX_MSG);
		ipc_headers_encode(&w, &h);
		CU_ASSERT_FALSE(w.err);
		check_catalogue_size(IPC_STORE_HEADERS, w.len);
		rbuf_init(&r, w.data, w.len);
		CU_ASSERT_EQUAL_FATAL(ipc_headers_decode(&r, &o), 0);
		CU_ASSERT_EQUAL(o.code, h.code);
		CU_ASSERT_EQUAL_FATAL(o.count, h.count);
		CU_ASSERT(o.h >= w.data && o.h <= w.data + w.len);
		if (o.count > 0)
			CU_ASSERT_EQUAL(memcmp(o.h, hb,
			    (size_t)o.count * IPC_HEADER_LEN), 0);
		check_cuts(IPC_STORE_HEADERS, &w, &scratch);
		wbuf_free(&w);
	}
	/* 2001 headers do not encode; a count above the bytes, or above
	 * 2000 with all the bytes, or an unknown code: refused */
	h.count = IPC_MAX_HEADERS + 1;
	wbuf_init(&w, IPC_MAX_MSG);
	ipc_headers_encode(&w, &h);
	CU_ASSERT(w.err);
	wbuf_free(&w);
	wbuf_init(&w, IPC_MAX_MSG);
	put_u8(&w, IPC_OK);
	put_u32(&w, IPC_MAX_HEADERS + 1);
	put_bytes(&w, hb, sizeof(hb));
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_headers_decode(&r, &o), -1);
	wbuf_free(&w);
	wbuf_init(&w, IPC_MAX_MSG);
	put_u8(&w, IPC_OK);
	put_u32(&w, 3);
	put_bytes(&w, hb, 2 * IPC_HEADER_LEN);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_headers_decode(&r, &o), -1);
	wbuf_free(&w);
	h.code = IPC_NCODES;
	h.count = 1;
	wbuf_init(&w, IPC_MAX_MSG);
	ipc_headers_encode(&w, &h);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_headers_decode(&r, &o), -1);
	wbuf_free(&w);
}

/* syncd's header request to netd and netd's answer (a peer's HEADERS) */
static void
test_net_headers(void)
{
	static uint8_t		 hb[IPC_MAX_HEADERS * IPC_HEADER_LEN];
	struct ipc_get_headers	 g;
	struct ipc_net_headers	 n, o, scratch;
	struct wbuf		 w;
	struct rbuf		 r;
	uint32_t		 counts[] = { 0, 3, IPC_MAX_HEADERS };
	size_t			 i;

	memset(&g, 0, sizeof(g));
	g.ip.b[15] = 9;
	g.reqid = 77;
	g.from = IPC_MAX_HEIGHT;
	g.count = IPC_MAX_HEADERS;
	POD(IPC_SYNC_GET_HEADERS, &g);
	g.count = 0;
	CU_ASSERT(REFUSED(IPC_SYNC_GET_HEADERS, &g));
	g.count = IPC_MAX_HEADERS + 1;
	CU_ASSERT(REFUSED(IPC_SYNC_GET_HEADERS, &g));
	g.count = 1;
	g.from = IPC_MAX_HEIGHT + 1;
	CU_ASSERT(REFUSED(IPC_SYNC_GET_HEADERS, &g));

	for (i = 0; i < sizeof(hb); i++)
		hb[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < TN_NCASES(counts); i++) {
		memset(&n, 0, sizeof(n));
		n.ip.b[15] = 7;
		n.reqid = 78;
		n.headers.count = counts[i];
		n.headers.h = hb;
		wbuf_init(&w, IPC_MAX_MSG);
		ipc_net_headers_encode(&w, &n);
		check_catalogue_size(IPC_NET_HEADERS, w.len);
		rbuf_init(&r, w.data, w.len);
		CU_ASSERT_EQUAL_FATAL(ipc_net_headers_decode(&r, &o), 0);
		CU_ASSERT(netaddr_eq(&o.ip, &n.ip));
		CU_ASSERT_EQUAL(o.reqid, 78);
		CU_ASSERT_EQUAL_FATAL(o.headers.count, counts[i]);
		if (counts[i] > 0)
			CU_ASSERT_EQUAL(memcmp(o.headers.h, hb,
			    (size_t)counts[i] * IPC_HEADER_LEN), 0);
		check_cuts(IPC_NET_HEADERS, &w, &scratch);
		wbuf_free(&w);
	}
}

static void
test_hashes(void)
{
	struct ipc_hashes	h;
	struct wbuf		w;
	struct rbuf		r;
	static const uint32_t	counts[] = { 0, 1, 2, 33, IPC_MAX_HASHES };
	uint32_t		n, i;
	size_t			c;

	for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		memset(&h, 0, sizeof(h));
		h.count = n = counts[c];
		for (i = 0; i < n; i++)
			fill_hash(h.h[i], (uint8_t)i);
		POD(IPC_STORE_HASHES, &h);
		POD(n == 1 ? IPC_STORE_HEIGHT_REQ : IPC_STORE_FORK_REQ,
		    &h);
	}

	/* 65 hashes, all of their bytes present: over the maximum */
	wbuf_init(&w, IPC_MAX_MSG);
	put_u32(&w, IPC_MAX_HASHES + 1);
	for (n = 0; n < IPC_MAX_HASHES + 1; n++)
		put_bytes(&w, h.h[0], IPC_HASH_LEN);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_hashes_decode(&r, &h), -1);
	/* a count that claims more hashes than there are */
	wbuf_reset(&w);
	put_u32(&w, 2);
	put_bytes(&w, h.h[0], IPC_HASH_LEN);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_hashes_decode(&r, &h), -1);
	wbuf_free(&w);
}

static void
test_result(void)
{
	struct ipc_result	m;
	char			 reason[IPC_REASON_MAX + 2];
	int			 code;

	for (code = 0; code < IPC_NCODES; code++) {
		memset(&m, 0, sizeof(m));
		m.code = (uint8_t)code;
		m.height = 12;
		fill_hash(m.hash, 9);
		m.count = 3;
		if (code % 2)
			strcpy(m.reason, ipc_code_names[code]);
		POD(IPC_STORE_RESULT, &m);
	}
	CU_ASSERT_STRING_EQUAL(ipc_code_names[IPC_OK], "ok");

	/* the longest reason, and one more character; every result type */
	memset(&m, 0, sizeof(m));
	memset(m.reason, 'r', IPC_REASON_MAX);
	POD(IPC_STORE_RESULT, &m);
	POD(IPC_PRODUCE_ACK, &m);
	POD(IPC_VERIFY_ACK, &m);
	POD(IPC_UNBAN_ACK, &m);

	m.code = IPC_NCODES;
	CU_ASSERT(REFUSED(IPC_STORE_RESULT, &m));
	m.code = 0xff;
	CU_ASSERT(REFUSED(IPC_STORE_RESULT, &m));
	m.code = IPC_OK;

	memset(reason, 'r', IPC_REASON_MAX + 1);
	reason[IPC_REASON_MAX + 1] = '\0';
	{
		struct wbuf	w;
		struct rbuf	r;

		/* the encoder refuses it ... */
		wbuf_init(&w, IPC_MAX_MSG);
		put_u8(&w, 0);
		put_u64(&w, 0);
		put_bytes(&w, m.hash, IPC_HASH_LEN);
		put_u32(&w, 0);
		put_str(&w, reason, IPC_REASON_MAX);
		CU_ASSERT_TRUE(w.err);
		/* ... and the decoder, when somebody else sends it */
		wbuf_reset(&w);
		put_u8(&w, 0);
		put_u64(&w, 0);
		put_bytes(&w, m.hash, IPC_HASH_LEN);
		put_u32(&w, 0);
		put_str(&w, reason, IPC_REASON_MAX + 1);
		CU_ASSERT_FALSE(w.err);
		rbuf_init(&r, w.data, w.len);
		CU_ASSERT_EQUAL(ipc_result_decode(&r, &m), -1);
		wbuf_free(&w);
	}
}

static void
fill_addr(struct ipc_addr *a, uint32_t i)
{
	memset(a, 0, sizeof(*a));
	a->ip = netaddr_from_v4(0xc0a80000u + i);
	a->port = (uint16_t)(1 + i);
	a->source = (uint8_t)(i % ADDR_NSOURCES);
	a->last_seen = 1700000000ULL + i;
	a->last_success = i;
	a->failures = UINT32_MAX - i;
	a->banned_until = UINT64_MAX - i;
}

static void
test_addr(void)
{
	struct ipc_addr		a;
	struct ipc_addr_mark	k;
	struct ipc_addr_query	q;
	int			i;

	for (i = 0; i < ADDR_NSOURCES; i++) {
		fill_addr(&a, (uint32_t)i);
		POD(IPC_STORE_ADDR_UPSERT, &a);
	}
	fill_addr(&a, 1);
	a.source = ADDR_NSOURCES;
	CU_ASSERT(REFUSED(IPC_STORE_ADDR_UPSERT, &a));
	fill_addr(&a, 1);
	a.port = 0;			/* even banned: an upsert needs one */
	CU_ASSERT(REFUSED(IPC_STORE_ADDR_UPSERT, &a));

	for (i = 0; i < ADDR_NOUTCOMES; i++) {
		memset(&k, 0, sizeof(k));
		k.ip = netaddr_from_v4(0x7f000001);
		k.port = 24100;
		k.outcome = (uint8_t)i;
		k.now = 1;
		k.until = UINT64_MAX;
		POD(IPC_STORE_ADDR_MARK, &k);
	}
	k.outcome = ADDR_NOUTCOMES;
	CU_ASSERT(REFUSED(IPC_STORE_ADDR_MARK, &k));
	/* port 0: a ban or unban by IP only; success or failure need one */
	k.port = 0;
	k.outcome = ADDR_BAN;
	POD(IPC_STORE_ADDR_MARK, &k);
	k.outcome = ADDR_UNBAN;
	POD(IPC_STORE_ADDR_MARK, &k);
	k.outcome = ADDR_SUCCESS;
	CU_ASSERT(REFUSED(IPC_STORE_ADDR_MARK, &k));
	k.outcome = ADDR_FAILURE;
	CU_ASSERT(REFUSED(IPC_STORE_ADDR_MARK, &k));

	for (i = 0; i < ADDR_NPURPOSES; i++) {
		memset(&q, 0, sizeof(q));
		q.max = i ? IPC_MAX_ADDRS : 0;
		q.purpose = (uint8_t)i;
		q.now = 99;
		POD(IPC_STORE_ADDR_LIST_REQ, &q);
	}
	q.max = IPC_MAX_ADDRS + 1;
	CU_ASSERT(REFUSED(IPC_STORE_ADDR_LIST_REQ, &q));
	q.max = 1;
	q.purpose = ADDR_NPURPOSES;
	CU_ASSERT(REFUSED(IPC_STORE_ADDR_LIST_REQ, &q));
}

/* the node key, a peer's key and stored's answer (issue 14) */
static void
test_keys(void)
{
	struct ipc_node_key	n;
	struct ipc_peer_key	k;
	struct ipc_peer_key_ack	a;
	static const uint8_t	mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff, 127, 0, 0, 9 };
	int			i;

	memset(&n, 0x11, sizeof(n));
	POD(IPC_STORE_NODE_KEY, &n);
	memset(&k, 0, sizeof(k));
	CU_ASSERT_FATAL(netaddr_parse("127.0.0.9", &k.ip) == 0);
	CU_ASSERT(memcmp(k.ip.b, mapped, sizeof(mapped)) == 0);
	memset(k.key, 0x22, sizeof(k.key));
	POD(IPC_STORE_PEER_KEY, &k);
	for (i = 0; i < PEER_KEY_NOUTCOMES; i++) {
		memset(&a, 0, sizeof(a));
		memcpy(a.ip.b, mapped, sizeof(mapped));
		a.outcome = (uint8_t)i;
		memset(a.old, 0x33, sizeof(a.old));
		POD(IPC_STORE_PEER_KEY_ACK, &a);
	}
	a.outcome = PEER_KEY_NOUTCOMES;
	CU_ASSERT(REFUSED(IPC_STORE_PEER_KEY_ACK, &a));
}

static void
test_addrs(void)
{
	static const uint32_t	 counts[] = { 0, 1, 7, IPC_MAX_ADDRS };
	struct ipc_addrs	 m, o, scratch;
	struct wbuf		 w;
	struct rbuf		 r;
	uint32_t		 i, same;
	size_t			 c;

	for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		m.count = counts[c];
		if ((m.v = calloc(IPC_MAX_ADDRS + 1, sizeof(*m.v))) == NULL)
			abort();
		for (i = 0; i < m.count; i++)
			fill_addr(&m.v[i], i);
		wbuf_init(&w, IPC_MAX_MSG);
		ipc_addrs_encode(&w, &m);
		CU_ASSERT_EQUAL(w.len, 4 + (size_t)m.count * ADDR_BYTES);
		check_catalogue_size(IPC_STORE_ADDRS, w.len);
		rbuf_init(&r, w.data, w.len);
		CU_ASSERT_EQUAL_FATAL(ipc_addrs_decode(&r, &o), 0);
		CU_ASSERT_EQUAL(o.count, m.count);
		for (i = same = 0; i < m.count && i < o.count; i++)
			same += memcmp(&o.v[i], &m.v[i], sizeof(m.v[i])) == 0;
		CU_ASSERT_EQUAL(same, m.count);
		ipc_addrs_free(&o);
		CU_ASSERT_PTR_NULL(o.v);
		if (m.count < 10)
			check_cuts(IPC_STORE_ADDRS, &w, &scratch);
		wbuf_free(&w);

		/*
		 * Without a port: a ban (of an IP we never learnt a port
		 * of) is an entry; otherwise a bad one, refused, nothing
		 * kept.
		 */
		if (m.count > 0) {
			m.v[m.count - 1].port = 0;
			wbuf_init(&w, IPC_MAX_MSG);
			ipc_addrs_encode(&w, &m);
			rbuf_init(&r, w.data, w.len);
			CU_ASSERT_EQUAL(ipc_addrs_decode(&r, &o), 0);
			ipc_addrs_free(&o);
			wbuf_free(&w);
			m.v[m.count - 1].banned_until = 0;
			wbuf_init(&w, IPC_MAX_MSG);
			ipc_addrs_encode(&w, &m);
			rbuf_init(&r, w.data, w.len);
			CU_ASSERT_EQUAL(ipc_addrs_decode(&r, &o), -1);
			CU_ASSERT_PTR_NULL(o.v);
			wbuf_free(&w);
		}
		free(m.v);
	}

	/* over the maximum with all the bytes, and a lying count */
	if ((m.v = calloc(IPC_MAX_ADDRS + 1, sizeof(*m.v))) == NULL)
		abort();
	m.count = IPC_MAX_ADDRS + 1;
	for (i = 0; i < m.count; i++)
		fill_addr(&m.v[i], i);
	wbuf_init(&w, IPC_MAX_MSG);
	ipc_addrs_encode(&w, &m);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_addrs_decode(&r, &o), -1);
	CU_ASSERT_PTR_NULL(o.v);
	wbuf_reset(&w);
	m.count = 2;
	ipc_addrs_encode(&w, &m);
	be32_store(w.data, 3);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_addrs_decode(&r, &o), -1);
	CU_ASSERT_PTR_NULL(o.v);
	wbuf_free(&w);
	free(m.v);
}

static void
test_peer(void)
{
	struct ipc_peer	p;
	int		d;

	for (d = DIR_INBOUND; d <= DIR_OUTBOUND; d++) {
		memset(&p, 0, sizeof(p));
		p.ip = netaddr_from_v4(0x0a000001);
		p.listen_port = 24100;
		p.direction = (uint8_t)d;
		p.height = 5;
		fill_hash(p.tip, 4);
		POD(IPC_NET_PEER_UP, &p);
	}
	p.direction = DIR_OUTBOUND + 1;
	CU_ASSERT(REFUSED(IPC_NET_PEER_UP, &p));
	/* issue 11, review finding B: syncd does not trust a height netd forwards */
	p.direction = DIR_INBOUND;
	p.height = IPC_MAX_HEIGHT;
	POD(IPC_NET_PEER_TIP, &p);
	POD(IPC_NET_PEER_DOWN, &p);
	p.height = IPC_MAX_HEIGHT + 1;
	CU_ASSERT(REFUSED(IPC_NET_PEER_UP, &p));
	p.height = 1ull << 63;
	CU_ASSERT(REFUSED(IPC_NET_PEER_UP, &p));
}

static void
test_get_blocks(void)
{
	struct ipc_get_blocks	g;

	memset(&g, 0, sizeof(g));
	g.ip = netaddr_from_v4(0x0a000002);
	g.reqid = 42;
	g.from = 1000;
	g.count = IPC_MAX_BLOCKS;
	POD(IPC_SYNC_GET_BLOCKS, &g);
	g.locator.count = IPC_MAX_HASHES;
	fill_hash(g.locator.h[0], 1);
	fill_hash(g.locator.h[IPC_MAX_HASHES - 1], 2);
	POD(IPC_SYNC_GET_BLOCKS, &g);

	g.count = IPC_MAX_BLOCKS + 1;
	CU_ASSERT(REFUSED(IPC_SYNC_GET_BLOCKS, &g));
	g.count = 1;
	{
		struct wbuf	w;
		struct rbuf	r;
		int		i;

		wbuf_init(&w, IPC_MAX_MSG);
		ipc_get_blocks_encode(&w, &g);
		/* patch the locator count to 65 and add a 65th hash */
		be32_store(w.data + 20, IPC_MAX_HASHES + 1);
		for (i = 0; i < IPC_HASH_LEN; i++)
			put_u8(&w, 0);
		rbuf_init(&r, w.data, w.len);
		CU_ASSERT_EQUAL(ipc_get_blocks_decode(&r, &g), -1);
		wbuf_free(&w);
	}
}

static void
test_punish_produce(void)
{
	struct ipc_punish	p;
	struct ipc_produce	d;
	int			reason;

	for (reason = 0; reason < CLOSE_NREASONS; reason += 3) {
		memset(&p, 0, sizeof(p));
		p.ip = netaddr_from_v4(0x0a000003);
		p.reason = (uint8_t)reason;
		p.ban_s = 3600;
		strcpy(p.why, net_close_names[reason]);
		POD(IPC_SYNC_PUNISH, &p);
	}
	memset(p.why, 'w', IPC_REASON_MAX);
	POD(IPC_SYNC_PUNISH, &p);
	p.reason = CLOSE_NREASONS;
	CU_ASSERT(REFUSED(IPC_SYNC_PUNISH, &p));

	memset(&d, 0, sizeof(d));
	d.count = 1;
	POD(IPC_PRODUCE, &d);
	d.count = IPC_PRODUCE_MAX;
	d.payload_bytes = 1000;
	POD(IPC_PRODUCE, &d);
	d.count = 0;
	CU_ASSERT(REFUSED(IPC_PRODUCE, &d));
	d.count = IPC_PRODUCE_MAX + 1;
	CU_ASSERT(REFUSED(IPC_PRODUCE, &d));
}

/* timenodectl bans / unban: netd's list of bans, an IP to unban */
static void
test_bans_unban(void)
{
	static struct ipc_bans	b;
	struct ipc_unban	u;
	uint32_t		i;

	memset(&b, 0, sizeof(b));
	POD(IPC_BANS, &b);
	b.v[0].ip = netaddr_from_v4(0x0a000001);
	b.v[0].reason = CLOSE_WRONG_NETWORK;
	b.v[0].until = 1767225600ull;
	b.count = 1;
	POD(IPC_BANS, &b);
	for (i = 0; i < IPC_MAX_BANS; i++) {
		b.v[i].ip = netaddr_from_v4(0x0a000000 + i + 1);
		b.v[i].reason = (uint8_t)(i % (CLOSE_NREASONS + 1));
		b.v[i].until = 1767225600ull + i;
	}
	b.count = IPC_MAX_BANS;
	POD(IPC_BANS, &b);
	b.v[3].reason = CLOSE_NREASONS + 1;
	CU_ASSERT(REFUSED(IPC_BANS, &b));

	u.ip = netaddr_from_v4(0x7f000001);
	POD(IPC_UNBAN, &u);
	u.ip = NETADDR_NONE;
	CU_ASSERT(REFUSED(IPC_UNBAN, &u));
}

/* n blobs of the given sizes, bytes derived from their index */
static void
make_blocks(struct ipc_blocks *b, uint8_t code, const uint32_t *sizes,
    uint32_t n, uint8_t **store)
{
	size_t		total = 0, off = 0;
	uint32_t	i;

	memset(b, 0, sizeof(*b));
	b->code = code;
	b->count = n;
	for (i = 0; i < n; i++)
		total += sizes[i];
	if ((*store = malloc(total ? total : 1)) == NULL ||
	    (b->v = calloc(n ? n : 1, sizeof(*b->v))) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		memset(*store + off, (int)(i + 1), sizes[i]);
		b->v[i].p = *store + off;
		b->v[i].len = sizes[i];
		off += sizes[i];
	}
}

static int
blocks_equal(const struct ipc_blocks *a, const struct ipc_blocks *b)
{
	uint32_t i;

	if (a->code != b->code || a->count != b->count)
		return 0;
	for (i = 0; i < a->count; i++)
		if (a->v[i].len != b->v[i].len || (a->v[i].len &&
		    memcmp(a->v[i].p, b->v[i].p, a->v[i].len) != 0))
			return 0;
	return 1;
}

static void
test_blocks(void)
{
	static const uint32_t	 sizes[] = { 0, 1, 100, 3 };
	struct ipc_blocks	 b, o, scratch;
	struct wbuf		 w;
	struct rbuf		 r;
	uint8_t			*store;
	uint32_t		 n;

	for (n = 0; n <= 4; n++) {
		make_blocks(&b, n == 2 ? IPC_ERR_GAP : IPC_OK, sizes, n,
		    &store);
		wbuf_init(&w, IPC_MAX_MSG);
		ipc_blocks_encode(&w, &b);
		check_catalogue_size(IPC_STORE_BLOCKS, w.len);
		check_catalogue_size(IPC_SYNC_ANNOUNCE, w.len);
		rbuf_init(&r, w.data, w.len);
		CU_ASSERT_EQUAL_FATAL(ipc_blocks_decode(&r, &o), 0);
		CU_ASSERT_TRUE(blocks_equal(&b, &o));
		/* blobs point into the message, not into copies */
		if (n >= 2)
			CU_ASSERT(o.v[1].p > w.data &&
			    o.v[1].p < w.data + w.len);
		ipc_blocks_free(&o);
		CU_ASSERT_PTR_NULL(o.v);
		CU_ASSERT_EQUAL(o.count, 0);
		check_cuts(IPC_STORE_BLOCKS, &w, &scratch);
		check_cuts(IPC_SYNC_ANNOUNCE, &w, &scratch);
		wbuf_free(&w);
		free(b.v);
		free(store);
	}

	/* an unknown code */
	make_blocks(&b, IPC_NCODES, sizes, 2, &store);
	wbuf_init(&w, IPC_MAX_MSG);
	ipc_blocks_encode(&w, &b);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_blocks_decode(&r, &o), -1);
	CU_ASSERT_PTR_NULL(o.v);
	wbuf_free(&w);
	free(b.v);
	free(store);
}

/* counts and sizes over the limits */
static void
test_blocks_limits(void)
{
	struct ipc_blocks	 b, o;
	struct wbuf		 w;
	struct rbuf		 r;
	uint32_t		*sizes, i;
	uint8_t			*store;

	/* IPC_MAX_BLOCKS + 1 empty blocks, all present */
	if ((sizes = calloc(IPC_MAX_BLOCKS + 1, sizeof(*sizes))) == NULL)
		abort();
	make_blocks(&b, IPC_OK, sizes, IPC_MAX_BLOCKS + 1, &store);
	wbuf_init(&w, IPC_MAX_MSG);
	ipc_blocks_encode(&w, &b);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_blocks_decode(&r, &o), -1);
	CU_ASSERT_PTR_NULL(o.v);
	/* IPC_MAX_BLOCKS is fine */
	wbuf_reset(&w);
	b.count = IPC_MAX_BLOCKS;
	ipc_blocks_encode(&w, &b);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_blocks_decode(&r, &o), 0);
	CU_ASSERT_EQUAL(o.count, IPC_MAX_BLOCKS);
	ipc_blocks_free(&o);
	wbuf_free(&w);
	free(b.v);
	free(store);

	/* exactly IPC_MAX_BLOCK_BYTES in two blocks, then one byte more */
	sizes[0] = IPC_MAX_BLOCK_BYTES / 2;
	sizes[1] = IPC_MAX_BLOCK_BYTES / 2;
	for (i = 0; i <= 1; i++) {
		sizes[1] += i;
		make_blocks(&b, IPC_OK, sizes, 2, &store);
		wbuf_init(&w, IPC_MAX_MSG);
		ipc_blocks_encode(&w, &b);
		CU_ASSERT_FALSE(w.err);
		rbuf_init(&r, w.data, w.len);
		CU_ASSERT_EQUAL(ipc_blocks_decode(&r, &o), i ? -1 : 0);
		if (i == 0) {
			CU_ASSERT_TRUE(blocks_equal(&b, &o));
			check_catalogue_size(IPC_STORE_BLOCKS, w.len);
		}
		ipc_blocks_free(&o);
		wbuf_free(&w);
		free(b.v);
		free(store);
	}

	/* a blob length that runs past the end */
	wbuf_init(&w, IPC_MAX_MSG);
	put_u8(&w, IPC_OK);
	put_u32(&w, 1);
	put_u32(&w, 0xffffffffu);
	put_bytes(&w, "abc", 3);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_blocks_decode(&r, &o), -1);
	CU_ASSERT_PTR_NULL(o.v);
	/* a count that claims more blocks than there are length words */
	wbuf_reset(&w);
	put_u8(&w, IPC_OK);
	put_u32(&w, 3);
	put_u32(&w, 0);
	put_u32(&w, 0);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_blocks_decode(&r, &o), -1);
	CU_ASSERT_PTR_NULL(o.v);
	wbuf_free(&w);
	free(sizes);
}

static void
test_append_net_blocks(void)
{
	static const uint32_t	 sizes[] = { 10, 0, 20 };
	struct ipc_append	 a, ao, as;
	struct ipc_net_blocks	 n, no, ns;
	struct wbuf		 w;
	struct rbuf		 r;
	uint8_t			*store;
	int			 rb;

	for (rb = 0; rb <= 1; rb++) {
		memset(&a, 0, sizeof(a));
		a.rollback = (uint8_t)rb;
		a.rollback_to = rb ? 41 : 0;
		a.unchecked_lo = rb ? 42 : 0;
		a.unchecked_hi = rb ? 43 : 0;
		make_blocks(&a.blocks, IPC_OK, sizes, 3, &store);
		wbuf_init(&w, IPC_MAX_MSG);
		ipc_append_encode(&w, &a);
		check_catalogue_size(IPC_STORE_APPEND, w.len);
		rbuf_init(&r, w.data, w.len);
		CU_ASSERT_EQUAL_FATAL(ipc_append_decode(&r, &ao), 0);
		CU_ASSERT_EQUAL(ao.rollback, rb);
		CU_ASSERT_EQUAL(ao.rollback_to, a.rollback_to);
		CU_ASSERT_EQUAL(ao.unchecked_lo, a.unchecked_lo);
		CU_ASSERT_EQUAL(ao.unchecked_hi, a.unchecked_hi);
		CU_ASSERT_TRUE(blocks_equal(&a.blocks, &ao.blocks));
		ipc_blocks_free(&ao.blocks);
		check_cuts(IPC_STORE_APPEND, &w, &as);
		wbuf_free(&w);
		free(a.blocks.v);
		free(store);
	}
	memset(&a, 0, sizeof(a));
	a.rollback = 2;
	CU_ASSERT(REFUSED(IPC_STORE_APPEND, &a));
	/* unchecked heights: lo above hi, one 0, none with no blocks */
	make_blocks(&a.blocks, IPC_OK, sizes, 3, &store);
	a.rollback = 0;
	a.unchecked_lo = 5;
	a.unchecked_hi = 4;
	CU_ASSERT(REFUSED(IPC_STORE_APPEND, &a));
	a.unchecked_lo = 0;
	CU_ASSERT(REFUSED(IPC_STORE_APPEND, &a));
	a.unchecked_lo = 4;
	a.unchecked_hi = 0;
	CU_ASSERT(REFUSED(IPC_STORE_APPEND, &a));
	a.unchecked_hi = IPC_MAX_HEIGHT + 1;
	CU_ASSERT(REFUSED(IPC_STORE_APPEND, &a));
	free(a.blocks.v);
	free(store);
	memset(&a, 0, sizeof(a));
	a.rollback = 1;
	a.rollback_to = 3;
	a.unchecked_lo = a.unchecked_hi = 4;
	CU_ASSERT(REFUSED(IPC_STORE_APPEND, &a));
	a.unchecked_lo = a.unchecked_hi = 0;	/* the cut: no blocks */
	POD(IPC_STORE_APPEND, &a);

	memset(&n, 0, sizeof(n));
	n.ip = netaddr_from_v4(0x0a000009);
	n.reqid = 0;
	make_blocks(&n.blocks, IPC_OK, sizes, 3, &store);
	wbuf_init(&w, IPC_MAX_MSG);
	ipc_net_blocks_encode(&w, &n);
	check_catalogue_size(IPC_NET_BLOCKS, w.len);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL_FATAL(ipc_net_blocks_decode(&r, &no), 0);
	CU_ASSERT(netaddr_eq(&no.ip, &n.ip));
	CU_ASSERT_EQUAL(no.reqid, 0);
	CU_ASSERT_TRUE(blocks_equal(&n.blocks, &no.blocks));
	ipc_blocks_free(&no.blocks);
	check_cuts(IPC_NET_BLOCKS, &w, &ns);
	wbuf_free(&w);
	free(n.blocks.v);
	free(store);
}

/*
 * The header and the catalogue.
 */

static void
test_hdr(void)
{
	static const uint8_t	want[IPC_HDR_LEN] = {
		0x00, IPC_HEARTBEAT_NETD, 0x00, IPC_VERSION,
		0xde, 0xad, 0xbe, 0xef
	};
	struct wbuf		w;
	struct rbuf		r;
	struct ipc_hdr		h;
	uint8_t			*p;
	size_t			n;

	wbuf_init(&w, BIG);
	ipc_hdr_encode(&w, IPC_HEARTBEAT_NETD, 0xdeadbeef);
	CU_ASSERT_FALSE(w.err);
	CU_ASSERT_EQUAL_FATAL(w.len, IPC_HDR_LEN);
	CU_ASSERT_EQUAL(memcmp(w.data, want, IPC_HDR_LEN), 0);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_hdr_decode(&r, &h), 0);
	CU_ASSERT_EQUAL(h.type, IPC_HEARTBEAT_NETD);
	CU_ASSERT_EQUAL(h.version, IPC_VERSION);
	CU_ASSERT_EQUAL(h.reqid, 0xdeadbeef);
	CU_ASSERT_TRUE(rbuf_done(&r));

	wbuf_reset(&w);
	ipc_hdr_encode(&w, 0xffff, 0);
	rbuf_init(&r, w.data, w.len);
	CU_ASSERT_EQUAL(ipc_hdr_decode(&r, &h), 0);
	CU_ASSERT_EQUAL(h.type, 0xffff);
	CU_ASSERT_EQUAL(h.reqid, 0);

	/* truncated headers, every cut */
	for (n = 0; n < IPC_HDR_LEN; n++) {
		p = dup_prefix(want, n);
		rbuf_init(&r, p, n);
		CU_ASSERT_EQUAL(ipc_hdr_decode(&r, &h), -1);
		free(p);
	}
	wbuf_free(&w);
}

/* what ipc.h says about each type, written out independently of msg.c */
struct expect {
	uint16_t	type;
	unsigned	from, to;	/* bit per enum ipc_proc */
	size_t		min, max;
};

static const struct expect expects[] = {
	{ IPC_HEARTBEAT, SUP, WORKER_BITS, 24, 24 },
	{ IPC_HEARTBEAT_STORED, STORED, SUP, STORED_LEN, STORED_LEN },
	{ IPC_HEARTBEAT_SYNCD, SYNCD, SUP, SYNCD_LEN, SYNCD_LEN },
	{ IPC_HEARTBEAT_NETD, NETD, SUP, NETD_MIN,
	    NETD_MIN + (size_t)IPC_MAX_PEERS * IPC_PEER_STATUS_LEN },
	{ IPC_DEBUG_SOCKET, SUP, WORKER_BITS, 0, 0 },
	{ IPC_DEBUG_SOCKET_ACK, WORKER_BITS, SUP, 4, 4 },
	{ IPC_PRODUCE, SUP, SYNCD, 8, 8 },
	{ IPC_PRODUCE_ACK, SYNCD, SUP, RESULT_LEN, RESULT_LEN + 200 },
	{ IPC_VERIFY, SUP, STORED, 0, 0 },
	{ IPC_VERIFY_ACK, STORED, SUP, RESULT_LEN, RESULT_LEN + 200 },
	{ IPC_BANS_REQ, SUP, NETD, 0, 0 },
	{ IPC_BANS, NETD, SUP, 4, 4 + 256 * 25 },
	{ IPC_UNBAN, SUP, NETD, 16, 16 },
	{ IPC_UNBAN_ACK, NETD, SUP, RESULT_LEN, RESULT_LEN + 200 },
	{ IPC_HEARTBEAT_STARTING, WORKER_BITS, SUP, 0, 0 },
	{ IPC_METRICS_TEXT, SUP, NETD, 0, 256 << 10 },
	{ IPC_STORE_TIP_REQ, STORE_USERS, STORED, 0, 0 },
	{ IPC_STORE_TIP, STORED, STORE_USERS, 88, 88 },
	{ IPC_STORE_BLOCKS_REQ, STORE_USERS, STORED, 16, 16 },
	{ IPC_STORE_BLOCKS, STORED, STORE_USERS, BLOCKS_LEN, BLOCKS_MAXLEN },
	{ IPC_STORE_LOCATOR_REQ, STORE_USERS, STORED, 0, 0 },
	{ IPC_STORE_HASHES, STORED, STORE_USERS, 4, HASHES_MAXLEN },
	{ IPC_STORE_FORK_REQ, STORE_USERS, STORED, 4, HASHES_MAXLEN },
	{ IPC_STORE_HEIGHT_REQ, STORE_USERS, STORED, 36, 36 },
	{ IPC_STORE_POINT, STORED, STORE_USERS, 41, 41 },
	{ IPC_STORE_APPEND, SYNCD, STORED, 25 + BLOCKS_LEN,
	    25 + BLOCKS_MAXLEN },
	{ IPC_STORE_AUDITED, SYNCD, STORED, 16, 16 },
	{ IPC_STORE_RESULT, STORED, STORE_USERS, RESULT_LEN,
	    RESULT_LEN + 200 },
	{ IPC_STORE_ADDR_UPSERT, STORE_USERS, STORED, ADDR_BYTES, ADDR_BYTES },
	{ IPC_STORE_ADDR_MARK, STORE_USERS, STORED, 35, 35 },
	{ IPC_STORE_ADDR_LIST_REQ, STORE_USERS, STORED, 13, 13 },
	{ IPC_STORE_ADDRS, STORED, STORE_USERS, 4,
	    4 + IPC_MAX_ADDRS * ADDR_BYTES },
	{ IPC_STORE_NODE_KEY_REQ, NETD, STORED, 0, 0 },
	{ IPC_STORE_NODE_KEY, STORED, NETD, 32, 32 },
	{ IPC_STORE_PEER_KEY, NETD, STORED, 16 + 32, 16 + 32 },
	{ IPC_STORE_PEER_KEY_ACK, STORED, NETD, 16 + 1 + 32, 16 + 1 + 32 },
	{ IPC_STORE_HEADERS_REQ, NETD, STORED, 12, 12 },
	{ IPC_STORE_HEADERS, STORED, NETD, 5, HEADERS_MAXLEN },
	{ IPC_NET_PEER_UP, NETD, SYNCD, PEER_BYTES, PEER_BYTES },
	{ IPC_NET_PEER_DOWN, NETD, SYNCD, PEER_BYTES, PEER_BYTES },
	{ IPC_NET_PEER_TIP, NETD, SYNCD, PEER_BYTES, PEER_BYTES },
	{ IPC_NET_BLOCKS, NETD, SYNCD, 20 + BLOCKS_LEN, 20 + BLOCKS_MAXLEN },
	{ IPC_SYNC_GET_BLOCKS, SYNCD, NETD, 36, 32 + HASHES_MAXLEN },
	{ IPC_SYNC_ANNOUNCE, SYNCD, NETD, BLOCKS_LEN, BLOCKS_MAXLEN },
	{ IPC_SYNC_PUNISH, SYNCD, NETD, 23, 23 + 200 },
	{ IPC_SYNC_PEERS_REQ, SYNCD, NETD, 0, 0 },
	{ IPC_SYNC_GET_HEADERS, SYNCD, NETD, 32, 32 },
	{ IPC_NET_HEADERS, NETD, SYNCD, 25, 20 + HEADERS_MAXLEN },
};

static const struct expect *
expect_of(unsigned type)
{
	size_t i;

	for (i = 0; i < sizeof(expects) / sizeof(expects[0]); i++)
		if (expects[i].type == type)
			return &expects[i];
	return NULL;
}

/*
 * A channel's receive limit: the largest message its peer may send, by
 * ipc_check's own rules; a sender with nothing to send gets a header.
 */
static void
test_max_msg(void)
{
	struct ipc_hdr		 h;
	const struct ipc_msgdef	*d;
	size_t			 max;
	unsigned		 from, to, t;

	for (from = 0; from < IPC_NPROC; from++)
		for (to = 0; to < IPC_NPROC; to++) {
			max = ipc_max_msg(from, to);
			CU_ASSERT(max >= IPC_HDR_LEN && max <= IPC_MAX_MSG);
			for (t = 0; t < IPC_TYPE_MAX; t++) {
				if ((d = ipc_msgdef((uint16_t)t)) == NULL)
					continue;
				memset(&h, 0, sizeof(h));
				h.type = (uint16_t)t;
				h.version = IPC_VERSION;
				/* allowed at its largest: within the limit */
				if (ipc_check(&h, d->max, from, to) == NULL)
					CU_ASSERT(IPC_HDR_LEN + d->max <= max);
			}
		}
	/* the supervisor never sends a worker more than a few bytes */
	CU_ASSERT(ipc_max_msg(IPC_SUPERVISOR, IPC_STORED) < 4096);
	/* blocks between workers stay possible */
	CU_ASSERT(ipc_max_msg(IPC_NETD, IPC_SYNCD) > (4u << 20));
}

static void
test_catalogue(void)
{
	const struct ipc_msgdef	*d;
	const struct expect	*e;
	unsigned		 t, u;

	for (t = 0; t <= IPC_TYPE_MAX + 5; t++) {
		d = ipc_msgdef((uint16_t)t);
		e = expect_of(t);
		CU_ASSERT_EQUAL(d != NULL, e != NULL);
		if (d == NULL) {
			CU_ASSERT_STRING_EQUAL(ipc_type_name((uint16_t)t),
			    "unknown");
			continue;
		}
		CU_ASSERT_EQUAL(d->type, t);
		CU_ASSERT_PTR_NOT_NULL(d->name);
		CU_ASSERT_STRING_EQUAL(ipc_type_name((uint16_t)t), d->name);
		/* names are distinct */
		for (u = 1; u < t; u++)
			if (ipc_msgdef((uint16_t)u) != NULL)
				CU_ASSERT_STRING_NOT_EQUAL(d->name,
				    ipc_type_name((uint16_t)u));
		if (e == NULL)
			continue;
		CU_ASSERT_EQUAL(d->from, e->from);
		CU_ASSERT_EQUAL(d->to, e->to);
		CU_ASSERT_EQUAL(d->min, e->min);
		CU_ASSERT_EQUAL(d->max, e->max);
		CU_ASSERT(d->max < IPC_MAX_MSG - IPC_HDR_LEN);
	}
	CU_ASSERT_PTR_NULL(ipc_msgdef(0xffff));
}

static int
has(const char *why, const char *word)
{
	return why != NULL && strstr(why, word) != NULL;
}

/* every type x sender x receiver x size around the bounds */
static void
test_check_matrix(void)
{
	const struct expect	*e;
	struct ipc_hdr		 h;
	const char		*why;
	size_t			 sizes[6];
	unsigned		 t, from, to, i, nsizes, wrong = 0, checked = 0;
	int			 ok;

	h.version = IPC_VERSION;
	h.reqid = 1;
	for (t = 0; t <= IPC_TYPE_MAX + 5; t++) {
		h.type = (uint16_t)t;
		e = expect_of(t);
		nsizes = 0;
		if (e != NULL) {
			if (e->min > 0)
				sizes[nsizes++] = e->min - 1;
			sizes[nsizes++] = e->min;
			sizes[nsizes++] = (e->min + e->max) / 2;
			sizes[nsizes++] = e->max;
			sizes[nsizes++] = e->max + 1;
		} else {
			sizes[nsizes++] = 0;
			sizes[nsizes++] = 24;
		}
		for (from = 0; from < IPC_NPROC; from++)
		for (to = 0; to < IPC_NPROC; to++)
		for (i = 0; i < nsizes; i++) {
			why = ipc_check(&h, sizes[i], from, to);
			ok = e != NULL && (e->from & B(from)) &&
			    (e->to & B(to)) && sizes[i] >= e->min &&
			    sizes[i] <= e->max;
			checked++;
			if (ok != (why == NULL)) {
				wrong++;
				fprintf(stderr, "\nipc_check type %u from %u "
				    "to %u size %zu: %s\n", t, from, to,
				    sizes[i], why ? why : "accepted");
			}
		}
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT(checked > 300);
}

/* the reason given for each kind of refusal */
static void
test_check_reasons(void)
{
	struct ipc_hdr	h = { IPC_HEARTBEAT, IPC_VERSION, 0 };

	CU_ASSERT_PTR_NULL(ipc_check(&h, 24, IPC_SUPERVISOR, IPC_NETD));
	CU_ASSERT_PTR_NULL(ipc_check(&h, 24, IPC_SUPERVISOR, IPC_STORED));

	h.version = IPC_VERSION + 1;
	CU_ASSERT(has(ipc_check(&h, 24, IPC_SUPERVISOR, IPC_NETD),
	    "version"));
	h.version = 0;
	CU_ASSERT(has(ipc_check(&h, 24, IPC_SUPERVISOR, IPC_NETD),
	    "version"));
	h.version = IPC_VERSION;

	h.type = 0;
	CU_ASSERT(has(ipc_check(&h, 24, IPC_SUPERVISOR, IPC_NETD), "type"));
	h.type = IPC_TYPE_MAX;
	CU_ASSERT(has(ipc_check(&h, 24, IPC_SUPERVISOR, IPC_NETD), "type"));

	/* a heartbeat from netd, or to the supervisor */
	h.type = IPC_HEARTBEAT;
	CU_ASSERT(has(ipc_check(&h, 24, IPC_NETD, IPC_SUPERVISOR),
	    "sender"));
	CU_ASSERT(has(ipc_check(&h, 24, IPC_SUPERVISOR, IPC_SUPERVISOR),
	    "receiver"));
	/* stored cannot answer for syncd */
	h.type = IPC_HEARTBEAT_SYNCD;
	CU_ASSERT(has(ipc_check(&h, SYNCD_LEN, IPC_STORED, IPC_SUPERVISOR),
	    "sender"));
	CU_ASSERT_PTR_NULL(ipc_check(&h, SYNCD_LEN, IPC_SYNCD, IPC_SUPERVISOR));
	/* workers do not talk to each other */
	h.type = IPC_DEBUG_SOCKET_ACK;
	CU_ASSERT(has(ipc_check(&h, 4, IPC_NETD, IPC_STORED), "receiver"));

	h.type = IPC_HEARTBEAT;
	CU_ASSERT(has(ipc_check(&h, 23, IPC_SUPERVISOR, IPC_NETD), "size"));
	CU_ASSERT(has(ipc_check(&h, 25, IPC_SUPERVISOR, IPC_NETD), "size"));
	CU_ASSERT(has(ipc_check(&h, SIZE_MAX, IPC_SUPERVISOR, IPC_NETD),
	    "size"));
	h.type = IPC_DEBUG_SOCKET;
	CU_ASSERT_PTR_NULL(ipc_check(&h, 0, IPC_SUPERVISOR, IPC_SYNCD));
	CU_ASSERT(has(ipc_check(&h, 1, IPC_SUPERVISOR, IPC_SYNCD), "size"));
}

/*
 * Requests and their answers, as ipc.h states them (the supervisor's
 * forwarded commands, stored's requests; ipc.h: stored answers every
 * request).  The rest answer nothing, or per worker (heartbeats).
 */
static const struct { uint16_t req, answer; } answers[] = {
	{ IPC_DEBUG_SOCKET, IPC_DEBUG_SOCKET_ACK },
	{ IPC_PRODUCE, IPC_PRODUCE_ACK },
	{ IPC_VERIFY, IPC_VERIFY_ACK },
	{ IPC_BANS_REQ, IPC_BANS },
	{ IPC_UNBAN, IPC_UNBAN_ACK },
	{ IPC_STORE_TIP_REQ, IPC_STORE_TIP },
	{ IPC_STORE_BLOCKS_REQ, IPC_STORE_BLOCKS },
	{ IPC_STORE_LOCATOR_REQ, IPC_STORE_HASHES },
	{ IPC_STORE_FORK_REQ, IPC_STORE_POINT },
	{ IPC_STORE_HEIGHT_REQ, IPC_STORE_POINT },
	{ IPC_STORE_APPEND, IPC_STORE_RESULT },
	{ IPC_STORE_AUDITED, IPC_STORE_RESULT },
	{ IPC_STORE_ADDR_UPSERT, IPC_STORE_RESULT },
	{ IPC_STORE_ADDR_MARK, IPC_STORE_RESULT },
	{ IPC_STORE_ADDR_LIST_REQ, IPC_STORE_ADDRS },
	{ IPC_STORE_NODE_KEY_REQ, IPC_STORE_NODE_KEY },
	{ IPC_STORE_PEER_KEY, IPC_STORE_PEER_KEY_ACK },
	{ IPC_STORE_HEADERS_REQ, IPC_STORE_HEADERS },
};

/*
 * The catalogue's answer column: as listed above, 0 for every other type;
 * an answer goes back the way its request came and answers nothing
 * itself; every request to stored has one.
 */
static void
test_answer_types(void)
{
	const struct ipc_msgdef	*d, *a;
	uint16_t		 want;
	unsigned		 t;
	size_t			 i;

	for (t = 0; t < IPC_TYPE_MAX; t++) {
		if ((d = ipc_msgdef((uint16_t)t)) == NULL)
			continue;
		for (i = 0, want = 0; i < TN_NCASES(answers); i++)
			if (answers[i].req == t)
				want = answers[i].answer;
		CU_ASSERT_EQUAL(d->answer, want);
		if (d->to == B(IPC_STORED))
			CU_ASSERT(d->answer != 0);
		if (d->answer == 0)
			continue;
		a = ipc_msgdef(d->answer);
		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT_EQUAL(a->from & d->to, d->to);
		CU_ASSERT_EQUAL(a->to & d->from, d->from);
		CU_ASSERT_EQUAL(a->answer, 0);
	}
}

/*
 * The codec columns: a type carries a struct exactly when its body can
 * be more than empty (METRICS_TEXT aside: raw text); each such type was
 * round-tripped by the cases above (check_cuts notes them), so no table
 * entry points at an encoder nobody tried.
 */
static void
test_codec_columns(void)
{
	const struct ipc_msgdef	*d;
	unsigned		 t, missed = 0;

	for (t = 0; t < IPC_TYPE_MAX; t++) {
		if ((d = ipc_msgdef((uint16_t)t)) == NULL)
			continue;
		CU_ASSERT_EQUAL(d->encode != NULL, d->max > 0 &&
		    t != IPC_METRICS_TEXT);
		CU_ASSERT_EQUAL(d->decode != NULL, d->encode != NULL);
		CU_ASSERT_EQUAL(d->size != 0, d->encode != NULL);
		if (d->encode != NULL && !round_tripped[t] &&
		    round_tripped[IPC_HEARTBEAT]) {	/* a filter ran less */
			fprintf(stderr, "\n%s: never round-tripped\n",
			    d->name);
			missed++;
		}
	}
	CU_ASSERT_EQUAL(missed, 0);
	CU_ASSERT_EQUAL(ipc_msgdef(IPC_STORE_NODE_KEY)->secret, 1);
}

/* each worker's heartbeat answer is IPC_HEARTBEAT + its proc, from it */
static void
test_heartbeat_answer_types(void)
{
	struct ipc_hdr	h = { 0, IPC_VERSION, 0 };
	const struct ipc_msgdef *d;
	unsigned	p;

	for (p = IPC_STORED; p <= IPC_NETD; p++) {
		h.type = (uint16_t)(IPC_HEARTBEAT + p);
		d = ipc_msgdef(h.type);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		CU_ASSERT_PTR_NULL(ipc_check(&h, d->min, p, IPC_SUPERVISOR));
		CU_ASSERT_PTR_NOT_NULL(ipc_check(&h, d->min,
		    p == IPC_NETD ? IPC_STORED : p + 1, IPC_SUPERVISOR));
	}
	CU_ASSERT_STRING_EQUAL(ipc_proc_names[IPC_SUPERVISOR], "timenoded");
	CU_ASSERT_STRING_EQUAL(ipc_proc_names[IPC_NETD], "netd");
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "byte order", test_byte_order },
		{ "integer round trip", test_int_round_trip },
		{ "bytes round trip", test_bytes_round_trip },
		{ "string round trip", test_str_round_trip },
		{ "string longer than u16", test_str_longer_than_u16 },
		{ "get_str capacity", test_get_str_cap },
		{ "get_str capacity 0", test_get_str_cap_zero },
		{ "get_str embedded NUL", test_get_str_nul },
		{ "get_str truncated", test_get_str_truncated },
		{ "reader truncated", test_reader_truncated },
		{ "reader sticky error", test_reader_sticky },
		{ "rbuf_done", test_rbuf_done },
		{ "get_count", test_get_count },
		{ "wbuf max", test_wbuf_max },
		{ "heartbeat", test_heartbeat },
		{ "heartbeat bad pid", test_heartbeat_bad_pid },
		{ "status stored", test_status_stored },
		{ "status syncd", test_status_syncd },
		{ "status netd", test_status_netd },
		{ "status netd bad direction", test_status_netd_bad_direction },
		{ "status netd: a peer's other addresses checked",
		    test_status_netd_bad_also },
		{ "status netd too many peers", test_status_netd_too_many },
		{ "status netd count lies", test_status_netd_count_lies },
		{ "debug socket", test_debug_socket },
		{ "tip, range, point", test_tip_range_point },
		{ "hashes", test_hashes },
		{ "headers", test_headers },
		{ "net headers", test_net_headers },
		{ "result", test_result },
		{ "address messages", test_addr },
		{ "address list", test_addrs },
		{ "node and peer keys", test_keys },
		{ "peer", test_peer },
		{ "get blocks", test_get_blocks },
		{ "punish, produce", test_punish_produce },
		{ "bans, unban", test_bans_unban },
		{ "blocks", test_blocks },
		{ "blocks limits", test_blocks_limits },
		{ "append, net blocks", test_append_net_blocks },
		{ "header", test_hdr },
		{ "catalogue", test_catalogue },
		{ "receive limit per channel", test_max_msg },
		{ "ipc_check matrix", test_check_matrix },
		{ "ipc_check reasons", test_check_reasons },
		{ "heartbeat answer types", test_heartbeat_answer_types },
		{ "answer types", test_answer_types },
		{ "codec columns (after the round trips)", test_codec_columns },
	};
	struct tn_suite	 ts = { .name = "codec", .cases = tests,
	    .ncases = TN_NCASES(tests) };

	return tn_cunit_run(&ts);
}
