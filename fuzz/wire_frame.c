/* SPDX-License-Identifier: ISC */
/*
 * wire_frame.c - fuzz target: the P2P frame decoder (netd/wire.c) as
 * netd's read loop (conn.c) drives it: each header judged from its 14
 * bytes alone, then whole frames one after another from a byte stream.
 *
 * Input: one flag byte, then the stream.  Flag bit 0 writes the right
 * checksum into each header before its frame is parsed, so that mutated
 * payloads get past the checksum to the decoders (no fuzzer finds BLAKE2b
 * values); without it the checksum is judged as sent.  The magic is
 * devnet's.  Rules: a frame is parsed the same whether more bytes follow
 * or not, uses exactly its header's length, and encodes back to the same
 * bytes.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "util.h"
#include "wire.h"

static uint32_t		magic;
static struct wire_msg	msg, msg2;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct genesis *g;

	(void)argc;
	(void)argv;
	if (sodium_init() < 0 || (g = malloc(sizeof(*g))) == NULL ||
	    genesis_load(g, "devnet", NULL, NULL, 0) != 0)
		abort();
	magic = wire_magic(g->block.hash);
	free(g);
	return 0;
}

static void
fix_checksum(uint8_t *frame, uint32_t len)
{
	uint8_t h[32];

	crypto_generichash(h, sizeof(h), frame + WIRE_HDR_LEN, len, NULL, 0);
	memcpy(frame + 10, h, WIRE_CHECK_LEN);
}

static void
check_frame(const uint8_t *p, size_t have, const struct wire_hdr *h)
{
	enum wire_status	st, st2;
	struct wbuf		w;
	size_t			used = 0, used2 = 0;

	/* conn.c hands over exactly one frame ... */
	st = wire_frame_parse(p, WIRE_HDR_LEN + (size_t)h->len, magic, &msg,
	    &used);
	/* ... and it must not matter what follows it */
	st2 = wire_frame_parse(p, have, magic, &msg2, &used2);
	if (st != st2 || (st == WIRE_OK && used2 != used))
		fuzz_fail("a frame parsed differently with bytes after it");
	/* out of TLS: alike, but a bad checksum is not an error */
	st2 = wire_frame_parse_tls(p, have, magic, &msg2, &used2);
	if (st == WIRE_ERR_CHECKSUM ? st2 == WIRE_ERR_CHECKSUM :
	    st2 != st || (st == WIRE_OK && used2 != used))
		fuzz_fail("wire_frame_parse_tls parsed a frame otherwise");
	if (st != WIRE_OK)
		return;
	if (used != WIRE_HDR_LEN + (size_t)h->len)
		fuzz_fail("a frame used other than its header's length");
	wbuf_init(&w, WIRE_MAX_FRAME);
	if (wire_encode(&w, magic, &msg) != 0)
		fuzz_fail("a decoded frame does not encode");
	fuzz_same("frame", p, used, w.data, w.len);
	wbuf_free(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_hdr	 h;
	uint8_t		*buf, *p;
	size_t		 have;
	int		 fix;

	if (size < 1)
		return 0;
	fix = data[0] & 1;
	if ((buf = malloc(size - 1 ? size - 1 : 1)) == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	for (p = buf, have = size - 1; have > 0; ) {
		if (wire_hdr_parse(p, have, magic, &h) != WIRE_OK)
			break;
		if (have - WIRE_HDR_LEN < h.len)
			break;		/* netd waits for the rest */
		if (fix)
			fix_checksum(p, h.len);
		check_frame(p, have, &h);
		p += WIRE_HDR_LEN + h.len;
		have -= WIRE_HDR_LEN + h.len;
	}
	free(buf);
	return 0;
}
