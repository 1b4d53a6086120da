/* SPDX-License-Identifier: ISC */
/*
 * block.c - block encoding, hashing, signing and the validation rules.
 *
 * Everything here works on bytes that came from a peer: lengths are
 * checked before they are used, and nothing is trusted until block_decode
 * has accepted the layout and the payload hash.
 */
#include <sodium.h>
#include <string.h>

#include "block.h"
#include "codec.h"

const char *const block_error_names[BLOCK_NERRORS] = {
	"ok", "malformed", "unknown version", "payload hash mismatch",
	"wrong height", "does not link to the previous block",
	"unknown producer", "bad signature",
	"timestamp before the previous block",
	"timestamp too far in the future", "wrong genesis"
};

void
block_header_encode(uint8_t out[BLOCK_HEADER_LEN], const struct block_header *h)
{
	uint8_t *p = out;

	be32_store(p, h->version);
	p += 4;
	be64_store(p, h->height);
	p += 8;
	memcpy(p, h->prev, BLOCK_HASH_LEN);
	p += BLOCK_HASH_LEN;
	be64_store(p, h->time_ms);
	p += 8;
	memcpy(p, h->payload_hash, BLOCK_HASH_LEN);
	p += BLOCK_HASH_LEN;
	be16_store(p, h->producer);
	p += 2;
	be32_store(p, h->payload_len);
}

void
block_hash_header(const uint8_t header[BLOCK_HEADER_LEN],
    uint8_t out[BLOCK_HASH_LEN])
{
	crypto_generichash(out, BLOCK_HASH_LEN, header, BLOCK_HEADER_LEN,
	    NULL, 0);
}

/* the header's fields from its BLOCK_HEADER_LEN bytes */
static void
header_fields(const uint8_t *raw, struct block_header *h)
{
	struct rbuf r;

	rbuf_init(&r, raw, BLOCK_HEADER_LEN);
	h->version = get_u32(&r);
	h->height = get_u64(&r);
	get_bytes(&r, h->prev, BLOCK_HASH_LEN);
	h->time_ms = get_u64(&r);
	get_bytes(&r, h->payload_hash, BLOCK_HASH_LEN);
	h->producer = get_u16(&r);
	h->payload_len = get_u32(&r);
}

enum block_error
block_header_decode(const uint8_t raw[BLOCK_HEADER_LEN],
    struct block_header *h, uint8_t hash[BLOCK_HASH_LEN])
{
	header_fields(raw, h);
	block_hash_header(raw, hash);
	if (h->version != BLOCK_VERSION)
		return BLOCK_ERR_VERSION;
	return h->payload_len > BLOCK_PAYLOAD_MAX ? BLOCK_ERR_FORMAT :
	    BLOCK_OK;
}

enum block_error
block_header_follows(const struct block_header *h,
    const struct block_header *prev_h, const uint8_t prev_hash[BLOCK_HASH_LEN])
{
	if (h->height != prev_h->height + 1)
		return BLOCK_ERR_HEIGHT;
	if (memcmp(h->prev, prev_hash, BLOCK_HASH_LEN) != 0)
		return BLOCK_ERR_LINK;
	return h->time_ms < prev_h->time_ms ? BLOCK_ERR_TIME_PAST : BLOCK_OK;
}

enum block_error
block_parse(const uint8_t *buf, size_t len, struct block *b)
{
	memset(b, 0, sizeof(*b));
	if (len < BLOCK_HEADER_LEN + BLOCK_SIG_LEN || len > BLOCK_MAX_LEN)
		return BLOCK_ERR_FORMAT;
	header_fields(buf, &b->h);
	if (b->h.version != BLOCK_VERSION)
		return BLOCK_ERR_VERSION;
	if (b->h.payload_len > BLOCK_PAYLOAD_MAX ||
	    len != BLOCK_HEADER_LEN + BLOCK_SIG_LEN + b->h.payload_len)
		return BLOCK_ERR_FORMAT;
	b->raw = buf;
	b->len = len;
	b->header_raw = buf;
	b->sig = buf + BLOCK_HEADER_LEN;
	b->payload = buf + BLOCK_HEADER_LEN + BLOCK_SIG_LEN;
	block_hash_header(b->header_raw, b->hash);
	return BLOCK_OK;
}

enum block_error
block_decode(const uint8_t *buf, size_t len, struct block *b)
{
	uint8_t		ph[BLOCK_HASH_LEN];
	enum block_error e;

	if ((e = block_parse(buf, len, b)) != BLOCK_OK)
		return e;
	crypto_generichash(ph, sizeof(ph), b->payload, b->h.payload_len,
	    NULL, 0);
	if (sodium_memcmp(ph, b->h.payload_hash, sizeof(ph)) != 0)
		return BLOCK_ERR_PAYLOAD_HASH;
	return BLOCK_OK;
}

size_t
block_build(uint8_t *out, const struct block_header *in,
    const uint8_t *payload, uint32_t payload_len, const uint8_t *seckey,
    struct block *decoded)
{
	struct block_header	h = *in;
	size_t			len;

	if (payload_len > BLOCK_PAYLOAD_MAX)
		return 0;
	h.version = BLOCK_VERSION;
	h.payload_len = payload_len;
	crypto_generichash(h.payload_hash, BLOCK_HASH_LEN, payload,
	    payload_len, NULL, 0);
	block_header_encode(out, &h);
	if (seckey)
		crypto_sign_detached(out + BLOCK_HEADER_LEN, NULL, out,
		    BLOCK_HEADER_LEN, seckey);
	else
		memset(out + BLOCK_HEADER_LEN, 0, BLOCK_SIG_LEN);
	if (payload_len)
		memcpy(out + BLOCK_HEADER_LEN + BLOCK_SIG_LEN, payload,
		    payload_len);
	len = BLOCK_HEADER_LEN + BLOCK_SIG_LEN + payload_len;
	if (decoded && block_decode(out, len, decoded) != BLOCK_OK)
		return 0;
	return len;
}

enum block_error
block_check_link(const struct block *b, const struct block_header *prev,
    const uint8_t prev_hash[BLOCK_HASH_LEN])
{
	return block_header_follows(&b->h, prev, prev_hash);
}

int
block_verify_sig(const struct block *b, const struct genesis_info *g)
{
	if (b->h.producer >= g->nproducers)
		return -1;
	return crypto_sign_verify_detached(b->sig, b->header_raw,
	    BLOCK_HEADER_LEN, g->keys[b->h.producer]);
}

enum block_error
block_validate(const struct block *b, const struct block *prev,
    const struct genesis_info *g, uint64_t now_ms)
{
	enum block_error e;

	if ((e = block_check_link(b, &prev->h, prev->hash)) != BLOCK_OK)
		return e;
	if (now_ms && b->h.time_ms > now_ms + BLOCK_FUTURE_MAX_MS)
		return BLOCK_ERR_TIME_FUTURE;
	if (b->h.producer >= g->nproducers)
		return BLOCK_ERR_PRODUCER;
	if (block_verify_sig(b, g) != 0)
		return BLOCK_ERR_SIGNATURE;
	return BLOCK_OK;
}
