/* SPDX-License-Identifier: ISC */
/*
 * codec.c - big-endian writer and reader with sticky errors.
 *
 * See codec.h.  The writer allocates in powers of two up to its maximum;
 * the reader only ever looks inside the buffer it was given.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"

void
wbuf_init(struct wbuf *w, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->max = max;
}

void
wbuf_free(struct wbuf *w)
{
	free(w->data);
	memset(w, 0, sizeof(*w));
}

void
wbuf_reset(struct wbuf *w)
{
	w->len = 0;
	w->err = 0;
}

uint8_t *
wbuf_reserve(struct wbuf *w, size_t n)
{
	uint8_t	*p;
	size_t	 cap;

	if (w->err)
		return NULL;
	if (n > w->max || w->len > w->max - n) {
		w->err = 1;
		return NULL;
	}
	if (w->len + n > w->cap) {
		cap = w->cap ? w->cap : 256;
		while (cap < w->len + n)
			cap *= 2;
		if (cap > w->max)
			cap = w->max;
		if ((p = realloc(w->data, cap)) == NULL) {
			w->err = 1;
			return NULL;
		}
		w->data = p;
		w->cap = cap;
	}
	p = w->data + w->len;
	w->len += n;
	return p;
}

uint16_t
be16_load(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

uint32_t
be32_load(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

uint64_t
be64_load(const uint8_t *p)
{
	return (uint64_t)be32_load(p) << 32 | be32_load(p + 4);
}

void
be16_store(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
be32_store(uint8_t *p, uint32_t v)
{
	be16_store(p, (uint16_t)(v >> 16));
	be16_store(p + 2, (uint16_t)v);
}

void
be64_store(uint8_t *p, uint64_t v)
{
	be32_store(p, (uint32_t)(v >> 32));
	be32_store(p + 4, (uint32_t)v);
}

void
put_u8(struct wbuf *w, uint8_t v)
{
	uint8_t *p;

	if ((p = wbuf_reserve(w, 1)) != NULL)
		*p = v;
}

void
put_u16(struct wbuf *w, uint16_t v)
{
	uint8_t *p;

	if ((p = wbuf_reserve(w, 2)) != NULL)
		be16_store(p, v);
}

void
put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t *p;

	if ((p = wbuf_reserve(w, 4)) != NULL)
		be32_store(p, v);
}

void
put_u64(struct wbuf *w, uint64_t v)
{
	uint8_t *p;

	if ((p = wbuf_reserve(w, 8)) != NULL)
		be64_store(p, v);
}

void
put_bytes(struct wbuf *w, const void *src, size_t n)
{
	uint8_t *p;

	if (n == 0)
		return;
	if ((p = wbuf_reserve(w, n)) != NULL)
		memcpy(p, src, n);
}

void
put_str(struct wbuf *w, const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max || n > UINT16_MAX) {
		w->err = 1;
		return;
	}
	put_u16(w, (uint16_t)n);
	put_bytes(w, s, n);
}

void
rbuf_init(struct rbuf *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = 0;
}

const uint8_t *
get_ptr(struct rbuf *r, size_t n)
{
	const uint8_t *p;

	if (r->err || n > r->len - r->off) {
		r->err = 1;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

uint8_t
get_u8(struct rbuf *r)
{
	const uint8_t *p = get_ptr(r, 1);

	return p ? *p : 0;
}

uint16_t
get_u16(struct rbuf *r)
{
	const uint8_t *p = get_ptr(r, 2);

	return p ? be16_load(p) : 0;
}

uint32_t
get_u32(struct rbuf *r)
{
	const uint8_t *p = get_ptr(r, 4);

	return p ? be32_load(p) : 0;
}

uint64_t
get_u64(struct rbuf *r)
{
	const uint8_t *p = get_ptr(r, 8);

	return p ? be64_load(p) : 0;
}

void
get_bytes(struct rbuf *r, void *dst, size_t n)
{
	const uint8_t *p = get_ptr(r, n);

	if (p)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

void
get_str(struct rbuf *r, char *dst, size_t cap)
{
	const uint8_t	*p;
	uint16_t	 n, i;

	n = get_u16(r);
	if (cap == 0) {
		r->err = 1;
		return;
	}
	dst[0] = '\0';
	if (r->err)
		return;
	if ((size_t)n >= cap) {
		r->err = 1;
		return;
	}
	if ((p = get_ptr(r, n)) == NULL)
		return;
	/* no NUL, no control characters: strings end up in log lines */
	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] == 0x7f) {
			r->err = 1;
			return;
		}
	memcpy(dst, p, n);
	dst[n] = '\0';
}

uint32_t
get_count(struct rbuf *r, uint32_t max, size_t min_size)
{
	uint32_t n = get_u32(r);

	if (r->err)
		return 0;
	if (n > max || (min_size && n > rbuf_left(r) / min_size)) {
		r->err = 1;
		return 0;
	}
	return n;
}

size_t
rbuf_left(const struct rbuf *r)
{
	return r->err ? 0 : r->len - r->off;
}

int
rbuf_ok(const struct rbuf *r)
{
	return !r->err;
}

int
rbuf_done(const struct rbuf *r)
{
	return !r->err && r->off == r->len;
}
