/* SPDX-License-Identifier: ISC */
/*
 * testchain.h - chains of devnet blocks built in memory, for the unit
 * tests of syncd's chain view (test_planner, test_syncd_assumevalid):
 * branches of a parent chain, a salt to make them differ, one block dated
 * before its parent when a test wants a bad time.
 */
#ifndef TIMENODE_TESTCHAIN_H
#define TIMENODE_TESTCHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "block.h"

#define CHAIN_MAX	63	/* the highest height a chain holds */

/* heights 0..n; 0 is the genesis block (raw[0] NULL) */
struct chain {
	uint8_t		*raw[CHAIN_MAX + 1];	/* malloc'd */
	size_t		 len[CHAIN_MAX + 1];
	struct block	 b[CHAIN_MAX + 1];	/* raw[h] decoded */
	int		 n;			/* the tip's height */
};

/*
 * sodium_init(), the devnet genesis into *g and its producer's secret key
 * into sk; chain_make signs with them from then on (both the caller's,
 * kept by pointer).  0, or -1 when the genesis does not load.
 */
int	chain_setup(struct genesis *g, uint8_t sk[BLOCK_SECKEY_LEN]);

/*
 * ch: heights 1..base of parent (NULL: genesis alone, base taken as 0),
 * shared with it (not copied), then n new blocks of a payload of salt
 * bytes, each dated one second after the one below, up to CHAIN_MAX.
 */
void	chain_make(struct chain *ch, const struct chain *parent, int base,
	    int n, int salt);
/* the same, but the block at height past_at (0: none) is dated one
 * second before the one below it */
void	chain_make_past(struct chain *ch, const struct chain *parent,
	    int base, int n, int salt, int past_at);
/* free the blocks ch made: heights from..n (from: its base + 1) */
void	chain_free(struct chain *ch, int from);

#endif
