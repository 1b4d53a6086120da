/* SPDX-License-Identifier: ISC */
/*
 * testchain.c - devnet chains in memory for the chain-view tests; see
 * testchain.h.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "testchain.h"

static const struct genesis	*genesis;
static const uint8_t		*key;

int
chain_setup(struct genesis *g, uint8_t sk[BLOCK_SECKEY_LEN])
{
	uint8_t	pk[BLOCK_PUBKEY_LEN];
	char	err[128];

	if (sodium_init() == -1 ||
	    genesis_load(g, "devnet", ".", err, sizeof(err)) == -1)
		return -1;
	devnet_keypair(pk, sk);
	genesis = g;
	key = sk;
	return 0;
}

void
chain_make_past(struct chain *ch, const struct chain *parent, int base,
    int n, int salt, int past_at)
{
	struct block_header	h;
	const struct block	*prev;
	uint8_t			payload[16];
	int			i;

	memset(ch, 0, sizeof(*ch));
	ch->b[0] = genesis->block;
	if (parent == NULL)
		base = 0;
	for (i = 1; i <= base; i++) {
		ch->raw[i] = parent->raw[i];
		ch->len[i] = parent->len[i];
		ch->b[i] = parent->b[i];
	}
	for (i = base + 1; i <= base + n && i <= CHAIN_MAX; i++) {
		prev = &ch->b[i - 1];
		memset(&h, 0, sizeof(h));
		h.height = (uint64_t)i;
		memcpy(h.prev, prev->hash, BLOCK_HASH_LEN);
		h.time_ms = i == past_at ? prev->h.time_ms - 1000 :
		    prev->h.time_ms + 1000;
		memset(payload, salt, sizeof(payload));
		if ((ch->raw[i] = malloc(BLOCK_MAX_LEN)) == NULL)
			abort();
		ch->len[i] = block_build(ch->raw[i], &h, payload,
		    sizeof(payload), key, &ch->b[i]);
	}
	ch->n = i - 1;
}

void
chain_make(struct chain *ch, const struct chain *parent, int base, int n,
    int salt)
{
	chain_make_past(ch, parent, base, n, salt, 0);
}

void
chain_free(struct chain *ch, int from)
{
	int i;

	for (i = from; i <= ch->n; i++)
		free(ch->raw[i]);
}
