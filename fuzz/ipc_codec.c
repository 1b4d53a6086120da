/* SPDX-License-Identifier: ISC */
/*
 * ipc_codec.c - fuzz target: the bounds-checked codec (ipc/codec.c) that
 * every IPC message and every P2P message is read and written with.
 *
 * Input: a count k, k operation bytes, then the buffer they read.  Each
 * operation is one reader call (get_u8 ... get_count; the high bits give
 * sizes, caps and maxima).  Rules: the reader never leaves its buffer, an
 * error is sticky and yields zeroes, strings come out NUL-terminated
 * without control characters, and writing back what was read yields the
 * bytes consumed, or a sticky error when the writer's maximum is smaller.
 */
#include <string.h>

#include "codec.h"
#include "util.h"

#define STR_CAP_MAX	300

/* one reader call, and the same value written to both writers */
static void
step(uint8_t op, struct rbuf *r, struct wbuf *w1, struct wbuf *w2)
{
	char		 s[STR_CAP_MAX];
	uint8_t		 b[64];
	const uint8_t	*p;
	size_t		 n = (size_t)(op >> 3) * 2, cap;
	uint64_t	 v;
	int		 was_err = !rbuf_ok(r), i;

	switch (op & 7) {
	case 0:
		v = get_u8(r);
		put_u8(w1, (uint8_t)v);
		put_u8(w2, (uint8_t)v);
		break;
	case 1:
		v = get_u16(r);
		put_u16(w1, (uint16_t)v);
		put_u16(w2, (uint16_t)v);
		break;
	case 2:
		v = get_u32(r);
		put_u32(w1, (uint32_t)v);
		put_u32(w2, (uint32_t)v);
		break;
	case 3:
		v = get_u64(r);
		put_u64(w1, v);
		put_u64(w2, v);
		break;
	case 4:
		get_bytes(r, b, n);
		put_bytes(w1, b, n);
		put_bytes(w2, b, n);
		if (!rbuf_ok(r))
			for (i = 0; i < (int)n; i++)
				if (b[i])
					fuzz_fail("get_bytes past the end "
					    "gave other than zeroes");
		break;
	case 5:
		if ((p = get_ptr(r, n)) != NULL) {
			if (p < r->p || p + n > r->p + r->len)
				fuzz_fail("get_ptr outside the buffer");
			put_bytes(w1, p, n);
			put_bytes(w2, p, n);
		}
		break;
	case 6:
		cap = (size_t)(op >> 3) * 9;	/* 0 .. 279 */
		memset(s, 'x', sizeof(s));
		get_str(r, s, cap);
		if (!rbuf_ok(r))
			break;
		if (cap == 0 || memchr(s, '\0', cap) == NULL)
			fuzz_fail("get_str result not NUL-terminated");
		for (i = 0; s[i]; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				fuzz_fail("get_str let a control character "
				    "through");
		put_str(w1, s, cap - 1);
		put_str(w2, s, cap - 1);
		break;
	case 7:
		v = get_count(r, (uint32_t)(op >> 3) * 3, (size_t)(op >> 6));
		if (rbuf_ok(r) && (v > (uint32_t)(op >> 3) * 3 ||
		    ((op >> 6) && v > rbuf_left(r) / (op >> 6))))
			fuzz_fail("get_count let too many through");
		put_u32(w1, (uint32_t)v);
		put_u32(w2, (uint32_t)v);
		break;
	}
	if (r->off > r->len)
		fuzz_fail("reader offset past the end");
	if (was_err && rbuf_ok(r))
		fuzz_fail("reader error not sticky");
	if (!rbuf_ok(r) && rbuf_left(r) != 0)
		fuzz_fail("reader in error has bytes left");
}

static void
check_loads(const uint8_t *p, size_t n)
{
	uint8_t b[8];

	if (n < 8)
		return;
	be16_store(b, be16_load(p));
	be32_store(b + 2, be32_load(p + 2));
	fuzz_same("be16/be32", p, 6, b, 6);
	be64_store(b, be64_load(p));
	fuzz_same("be64", p, 8, b, 8);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rbuf	 r;
	struct wbuf	 w1, w2;
	const uint8_t	*ops, *buf;
	size_t		 k, len, i;

	if (size < 1)
		return 0;
	k = data[0];
	if (k > size - 1)
		k = size - 1;
	ops = data + 1;
	buf = data + 1 + k;
	len = size - 1 - k;
	check_loads(buf, len);
	rbuf_init(&r, buf, len);
	wbuf_init(&w1, len);
	wbuf_init(&w2, len / 2);
	for (i = 0; i < k; i++)
		step(ops[i], &r, &w1, &w2);
	if (w1.len > w1.max || w2.len > w2.max)
		fuzz_fail("writer past its maximum");
	if (rbuf_ok(&r)) {
		if (w1.err)
			fuzz_fail("writing back what was read failed");
		fuzz_same("codec", buf, r.off, w1.data, w1.len);
		if (!w2.err != (r.off <= w2.max))
			fuzz_fail("writer error unlike its maximum");
		if (!w2.err)
			fuzz_same("codec (small writer)", buf, r.off, w2.data,
			    w2.len);
	}
	if (rbuf_done(&r) != (rbuf_ok(&r) && r.off == len))
		fuzz_fail("rbuf_done");
	wbuf_free(&w1);
	wbuf_free(&w2);
	return 0;
}
