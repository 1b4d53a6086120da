/* SPDX-License-Identifier: ISC */
/*
 * genesis.c - genesis blocks: the built-in devnet and genesis files.
 *
 * The genesis block is height 0, links to the all-zero hash, is not signed
 * (producer BLOCK_GENESIS_PRODUCER, zero signature) and carries the network
 * name and the producers' public keys in its payload:
 *	u16 name length, name (1..31 bytes), u16 key count (1..64), keys.
 * Its hash names the network; nodes refuse peers with another one.
 *
 * devnet's single producer key is derived from a published phrase so that
 * a new user can run a network with no setup.  It is a test key: anybody
 * can sign devnet blocks.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block.h"
#include "regfile.h"
#include "codec.h"

const char devnet_seed_phrase[] = "timenode devnet producer 0";
#define DEVNET_TIME_MS	1767225600000ULL	/* 2026-01-01T00:00:00Z */
#define GENESIS_FILE_MAX	(2 * GENESIS_MAX_LEN + 1024)

void
devnet_keypair(uint8_t pk[BLOCK_PUBKEY_LEN], uint8_t sk[BLOCK_SECKEY_LEN])
{
	uint8_t seed[crypto_sign_SEEDBYTES];

	crypto_generichash(seed, sizeof(seed),
	    (const uint8_t *)devnet_seed_phrase, strlen(devnet_seed_phrase),
	    NULL, 0);
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof(seed));
}

int
genesis_make(struct genesis *g, const char *network, uint64_t time_ms,
    const uint8_t (*keys)[BLOCK_PUBKEY_LEN], uint16_t nkeys)
{
	struct block_header	h;
	struct wbuf		w;
	size_t			nlen = strlen(network);
	int			ret = -1;

	if (nlen == 0 || nlen >= sizeof(g->info.network) || nkeys == 0 ||
	    nkeys > BLOCK_MAX_PRODUCERS)
		return -1;
	memset(g, 0, sizeof(*g));
	wbuf_init(&w, GENESIS_MAX_LEN);
	put_str(&w, network, sizeof(g->info.network) - 1);
	put_u16(&w, nkeys);
	put_bytes(&w, keys, (size_t)nkeys * BLOCK_PUBKEY_LEN);
	if (w.err)
		goto out;
	memset(&h, 0, sizeof(h));
	h.height = 0;
	h.time_ms = time_ms;
	h.producer = BLOCK_GENESIS_PRODUCER;
	g->len = block_build(g->raw, &h, w.data, (uint32_t)w.len, NULL,
	    NULL);
	if (g->len == 0)
		goto out;
	ret = genesis_parse(g, g->raw, g->len);
out:
	wbuf_free(&w);
	return ret;
}

int
genesis_parse(struct genesis *g, const uint8_t *buf, size_t len)
{
	struct rbuf		 r;
	struct genesis_info	*gi = &g->info;
	static const uint8_t	 zero[BLOCK_SIG_LEN];

	if (len > sizeof(g->raw))
		return -1;
	if (buf != g->raw)
		memcpy(g->raw, buf, len);
	g->len = len;
	if (block_decode(g->raw, len, &g->block) != BLOCK_OK)
		return -1;
	if (g->block.h.height != 0 ||
	    memcmp(g->block.h.prev, zero, BLOCK_HASH_LEN) != 0 ||
	    g->block.h.producer != BLOCK_GENESIS_PRODUCER ||
	    memcmp(g->block.sig, zero, BLOCK_SIG_LEN) != 0)
		return -1;
	rbuf_init(&r, g->block.payload, g->block.h.payload_len);
	get_str(&r, gi->network, sizeof(gi->network));
	gi->nproducers = get_u16(&r);
	if (!rbuf_ok(&r) || gi->network[0] == '\0' || gi->nproducers == 0 ||
	    gi->nproducers > BLOCK_MAX_PRODUCERS)
		return -1;
	get_bytes(&r, gi->keys, (size_t)gi->nproducers * BLOCK_PUBKEY_LEN);
	return rbuf_done(&r) ? 0 : -1;
}

static int
genesis_read_file(struct genesis *g, const char *path, char *err,
    size_t errlen)
{
	char	*text;
	uint8_t	 bin[GENESIS_MAX_LEN];
	size_t	 n, binlen;
	FILE	*f;
	int	 fd, ret = -1;

	if ((fd = regfile_open(path, 0, NULL, err, errlen)) == -1)
		return -1;		/* a FIFO: refused, not waited on */
	if ((f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if ((text = malloc(GENESIS_FILE_MAX + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = fread(text, 1, GENESIS_FILE_MAX + 1, f);
	fclose(f);
	text[n > GENESIS_FILE_MAX ? GENESIS_FILE_MAX : n] = '\0';
	if (n > GENESIS_FILE_MAX)
		snprintf(err, errlen, "%s: too large", path);
	else if (sodium_hex2bin(bin, sizeof(bin), text, n, " \t\r\n", &binlen,
	    NULL) != 0)
		snprintf(err, errlen, "%s: not a hex-encoded genesis block",
		    path);
	else if (genesis_parse(g, bin, binlen) != 0)
		snprintf(err, errlen, "%s: not a valid genesis block", path);
	else
		ret = 0;
	free(text);
	return ret;
}

int
genesis_load(struct genesis *g, const char *network, const char *dir,
    char *err, size_t errlen)
{
	uint8_t	pk[1][BLOCK_PUBKEY_LEN], sk[BLOCK_SECKEY_LEN];
	char	path[512];

	if (strcmp(network, "devnet") == 0) {
		devnet_keypair(pk[0], sk);
		sodium_memzero(sk, sizeof(sk));
		if (genesis_make(g, "devnet", DEVNET_TIME_MS, pk, 1) == -1) {
			snprintf(err, errlen, "cannot build the devnet genesis");
			return -1;
		}
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s.genesis", dir, network);
	if (genesis_read_file(g, path, err, errlen) == -1)
		return -1;
	if (strcmp(g->info.network, network) != 0) {
		snprintf(err, errlen, "%s: genesis of network \"%s\", not "
		    "\"%s\"", path, g->info.network, network);
		return -1;
	}
	return 0;
}
