/* SPDX-License-Identifier: ISC */
/*
 * genesis.c - fuzz target: genesis parsing (chain/genesis.c), from the
 * store's bytes (genesis_parse) and from a genesis file (genesis_load:
 * hex text, network name checked).
 *
 * Input: one mode byte, then the rest.  Even: the rest is a genesis
 * block (mode bit 1: its payload length and hash made to agree with its
 * payload first, so that mutations reach the payload's parser).  Odd: the
 * rest is the file <dir>/fz.genesis, loaded for the network "fz".
 * Rules: a genesis that parses is exactly what genesis_make builds from
 * its network, time and keys; a loaded file names the network it was
 * loaded for.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "util.h"

static struct genesis	g, again;

static void
check_genesis(const struct genesis *p)
{
	if (genesis_make(&again, p->info.network, p->block.h.time_ms,
	    (const uint8_t (*)[BLOCK_PUBKEY_LEN])p->info.keys,
	    p->info.nproducers) != 0)
		fuzz_fail("a parsed genesis cannot be made again");
	fuzz_same("genesis", p->raw, p->len, again.raw, again.len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 path[PATH_MAX], err[256];
	uint8_t	*buf;

	fuzz_sodium();
	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		if ((buf = malloc(size)) == NULL)
			return 0;
		memcpy(buf, data + 1, size - 1);
		if (data[0] & 2)
			fuzz_fix_block(buf, size - 1);
		if (genesis_parse(&g, buf, size - 1) == 0)
			check_genesis(&g);
		free(buf);
		return 0;
	}
	fuzz_write_file("fz.genesis", data + 1, size - 1, 0600, path,
	    sizeof(path));
	err[0] = '\0';
	if (genesis_load(&g, "fz", fuzz_dir(), err, sizeof(err)) == 0) {
		if (strcmp(g.info.network, "fz") != 0)
			fuzz_fail("genesis file of another network loaded");
		check_genesis(&g);
	} else if (err[0] == '\0')
		fuzz_fail("genesis_load failed without saying why");
	return 0;
}
