/* SPDX-License-Identifier: ISC */
/*
 * wire_msg.c - fuzz target: every P2P message decoder (wire_decode in
 * netd/wire.c), behind the checksum that wire_frame.c rarely gets past.
 *
 * Input: the message type (one byte, unknown types included), then the
 * payload.  Rules: a payload that decodes encodes back to the same bytes,
 * and the blocks of a BLOCKS message all fit in one BLOCKS message again
 * (wire_blocks_fill).
 */
#include <string.h>

#include "util.h"
#include "wire.h"

static struct wire_msg	msg;
static struct wire_blocks fill;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wbuf	w;

	if (size < 1)
		return 0;
	if (wire_decode(data[0], data + 1, size - 1, &msg) != WIRE_OK)
		return 0;
	if (msg.type == WIRE_BLOCKS && wire_blocks_fill(&fill,
	    msg.u.blocks.reqid, msg.u.blocks.v, msg.u.blocks.count) !=
	    msg.u.blocks.count)
		fuzz_fail("decoded blocks do not fit in one BLOCKS message");
	wbuf_init(&w, WIRE_MAX_FRAME);
	if (wire_encode(&w, 0, &msg) != 0 || w.len < WIRE_HDR_LEN)
		fuzz_fail("a decoded message does not encode");
	fuzz_same(wire_type_names[msg.type], data + 1, size - 1,
	    w.data + WIRE_HDR_LEN, w.len - WIRE_HDR_LEN);
	wbuf_free(&w);
	return 0;
}
