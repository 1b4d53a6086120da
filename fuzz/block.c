/* SPDX-License-Identifier: ISC */
/*
 * block.c - fuzz target: block decoding and validation (chain/block.c)
 * and locators (chain/locator.c), as syncd applies them to a block from a
 * peer and the block before it.
 *
 * Input: a flag byte, u64 now_ms (our clock; 0 skips the future check),
 * u32 length of the previous block, the previous block, then the block
 * (the rest).  Flag bit 0 makes each block's payload length and hash agree
 * with its payload first, bit 1 signs the block with the devnet key, so
 * that mutations get past block_decode and the signature to the chain's
 * rules.  A previous block that does not decode is replaced by devnet's
 * genesis.  The producers are devnet's (one key).  Rules: a decoded
 * header encodes back to the same bytes; a block that validates links, is signed by a
 * known producer and is not too far in the future; the locator of its
 * height is strictly decreasing, at most its size, and ends at genesis.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "codec.h"
#include "util.h"

#define LOCATOR_MAX	64

static struct genesis	*devnet;
static uint8_t		 dev_pk[BLOCK_PUBKEY_LEN], dev_sk[BLOCK_SECKEY_LEN];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0 || (devnet = malloc(sizeof(*devnet))) == NULL ||
	    genesis_load(devnet, "devnet", NULL, NULL, 0) != 0)
		abort();
	devnet_keypair(dev_pk, dev_sk);
	return 0;
}

static void
check_locator(uint64_t tip)
{
	uint64_t	h[LOCATOR_MAX];
	size_t		n, i;

	n = locator_heights(tip, h, LOCATOR_MAX);
	if (n == 0 || n > LOCATOR_MAX || h[0] != tip || h[n - 1] != 0)
		fuzz_fail("locator does not run from the tip to genesis");
	for (i = 1; i < n; i++)
		if (h[i] >= h[i - 1])
			fuzz_fail("locator heights not decreasing");
}

static void
check_block(const struct block *b, const struct block *prev, uint64_t now)
{
	uint8_t			hdr[BLOCK_HEADER_LEN];
	enum block_error	e;

	block_header_encode(hdr, &b->h);
	fuzz_same("block header", b->header_raw, BLOCK_HEADER_LEN, hdr,
	    sizeof(hdr));
	e = block_validate(b, prev, &devnet->info, now);
	if (e >= BLOCK_NERRORS)
		fuzz_fail("unknown block error");
	(void)block_error_names[e];
	if (e == BLOCK_OK && (block_check_link(b, &prev->h, prev->hash) !=
	    BLOCK_OK || block_verify_sig(b, &devnet->info) != 0 ||
	    (now && b->h.time_ms > now + BLOCK_FUTURE_MAX_MS)))
		fuzz_fail("a block validated that breaks a rule");
	check_locator(b->h.height);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct block	 prev, b;
	const struct block *pp = &devnet->block;
	uint8_t		*buf;
	uint64_t	 now;
	size_t		 plen;
	int		 flags;

	if (size < 13)
		return 0;
	flags = data[0];
	now = be64_load(data + 1);
	plen = be32_load(data + 9);
	data += 13;
	size -= 13;
	if (plen > size)
		plen = size;
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	if (flags & 1) {
		fuzz_fix_block(buf, plen);
		fuzz_fix_block(buf + plen, size - plen);
	}
	if ((flags & 2) && size - plen >= BLOCK_HEADER_LEN + BLOCK_SIG_LEN)
		crypto_sign_detached(buf + plen + BLOCK_HEADER_LEN, NULL,
		    buf + plen, BLOCK_HEADER_LEN, dev_sk);
	if (block_decode(buf, plen, &prev) == BLOCK_OK)
		pp = &prev;
	if (block_decode(buf + plen, size - plen, &b) == BLOCK_OK) {
		struct block parsed;

		/* block_parse (netd's) takes all block_decode takes, alike */
		if (block_parse(buf + plen, size - plen, &parsed) != BLOCK_OK ||
		    memcmp(parsed.hash, b.hash, BLOCK_HASH_LEN) != 0 ||
		    parsed.h.height != b.h.height)
			abort();
		check_block(&b, pp, now);
	}
	free(buf);
	return 0;
}
