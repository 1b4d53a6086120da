/* SPDX-License-Identifier: ISC */
/*
 * codec.h - the one bounds-checked binary codec of timenode.
 *
 * Every byte that crosses a process or machine boundary is written with a
 * wbuf and read back with an rbuf.  Integers are big-endian.  Readers never
 * fault: running off the end sets a sticky error flag and yields zeroes, so
 * a decoder reads a whole structure and checks rbuf_ok() once at the end.
 * Writers grow up to a hard maximum and set their own sticky flag past it.
 * The P2P wire protocol (netd) and the IPC messages both use this codec.
 */
#ifndef TIMENODE_CODEC_H
#define TIMENODE_CODEC_H

#include <stddef.h>
#include <stdint.h>

struct wbuf {
	uint8_t	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;		/* hard cap on len */
	int	 err;
};

/*
 * A byte string inside a decoded buffer (a block, a key): p points into
 * the buffer it was read from, which must outlive it; len in bytes.
 */
struct blob {
	const uint8_t	*p;
	uint32_t	 len;
};

struct rbuf {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	int		 err;
};

void		 wbuf_init(struct wbuf *, size_t max);
void		 wbuf_free(struct wbuf *);
void		 wbuf_reset(struct wbuf *);
uint8_t		*wbuf_reserve(struct wbuf *, size_t);
void		 put_u8(struct wbuf *, uint8_t);
void		 put_u16(struct wbuf *, uint16_t);
void		 put_u32(struct wbuf *, uint32_t);
void		 put_u64(struct wbuf *, uint64_t);
void		 put_bytes(struct wbuf *, const void *, size_t);
/* u16 length, then the bytes; strings longer than max are an error */
void		 put_str(struct wbuf *, const char *, size_t max);

void		 rbuf_init(struct rbuf *, const void *, size_t);
uint8_t		 get_u8(struct rbuf *);
uint16_t	 get_u16(struct rbuf *);
uint32_t	 get_u32(struct rbuf *);
uint64_t	 get_u64(struct rbuf *);
void		 get_bytes(struct rbuf *, void *, size_t);
/* a pointer to the next n bytes inside the buffer, or NULL */
const uint8_t	*get_ptr(struct rbuf *, size_t);
/*
 * u16 length, bytes; NUL-terminated into dst; error if it does not fit or
 * holds a control character (NUL, newline, ESC, DEL, ...)
 */
void		 get_str(struct rbuf *, char *dst, size_t cap);
/*
 * A u32 element count that must be <= max and whose elements, each at least
 * min_size bytes, must fit in what is left: checked before anybody
 * allocates count elements.
 */
uint32_t	 get_count(struct rbuf *, uint32_t max, size_t min_size);
size_t		 rbuf_left(const struct rbuf *);
/* no error so far */
int		 rbuf_ok(const struct rbuf *);
/* no error and every byte consumed */
int		 rbuf_done(const struct rbuf *);

uint16_t	 be16_load(const uint8_t *);
uint32_t	 be32_load(const uint8_t *);
uint64_t	 be64_load(const uint8_t *);
void		 be16_store(uint8_t *, uint16_t);
void		 be32_store(uint8_t *, uint32_t);
void		 be64_store(uint8_t *, uint64_t);

#endif
