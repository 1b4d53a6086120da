/* SPDX-License-Identifier: ISC */
/*
 * test_block.c - the block format and its rules (chain/): every header
 * field mutated on its own (re-signed, so that the field is the only
 * fault) is refused with its own reason; encoding faults (truncation,
 * trailing bytes, lengths, payload hash, version); genesis blocks and
 * files; producer key files; locator heights.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <sodium.h>

#include "block.h"
#include "codec.h"
#include "cunit.h"

#define NOW	1800000000000ULL

static struct genesis	G;
static uint8_t		PK[2][BLOCK_PUBKEY_LEN], SK[2][BLOCK_SECKEY_LEN];
static char		tmpdir[64];

static void
setup_genesis(void)
{
	uint8_t seed[32];
	int	i;

	for (i = 0; i < 2; i++) {
		memset(seed, 0x11 * (i + 1), sizeof(seed));
		crypto_sign_seed_keypair(PK[i], SK[i], seed);
	}
	if (genesis_make(&G, "testnet", NOW - 100000,
	    (const uint8_t (*)[BLOCK_PUBKEY_LEN])PK, 2) != 0)
		abort();
}

/* a block on prev signed with key index k (sk may differ to forge) */
static size_t
make(uint8_t *out, const struct block *prev, const struct block_header *over,
    const uint8_t *sk, const uint8_t *payload, uint32_t plen, struct block *b)
{
	struct block_header h;

	memset(&h, 0, sizeof(h));
	h.height = prev->h.height + 1;
	memcpy(h.prev, prev->hash, BLOCK_HASH_LEN);
	h.time_ms = prev->h.time_ms + 1000;
	h.producer = 0;
	if (over)
		h = *over;
	return block_build(out, &h, payload, plen, sk, b);
}

static void
base_header(struct block_header *h, const struct block *prev)
{
	memset(h, 0, sizeof(*h));
	h->height = prev->h.height + 1;
	memcpy(h->prev, prev->hash, BLOCK_HASH_LEN);
	h->time_ms = prev->h.time_ms + 1000;
}

static void
test_valid_chain(void)
{
	static uint8_t	buf[4][BLOCK_MAX_LEN];
	struct block	b[4];
	int		i;

	b[0] = G.block;
	for (i = 1; i < 4; i++) {
		CU_ASSERT_FATAL(make(buf[i], &b[i - 1], NULL, SK[0],
		    (const uint8_t *)"hello", 5, &b[i]) > 0);
		CU_ASSERT_EQUAL(block_validate(&b[i], &b[i - 1], &G.info, NOW),
		    BLOCK_OK);
	}
	/* the hash is BLAKE2b-256 of the header */
	{
		uint8_t h[BLOCK_HASH_LEN];

		crypto_generichash(h, sizeof(h), buf[3], BLOCK_HEADER_LEN,
		    NULL, 0);
		CU_ASSERT(memcmp(h, b[3].hash, sizeof(h)) == 0);
	}
	/* the second producer may sign too */
	{
		struct block_header h;
		struct block bb;

		base_header(&h, &b[3]);
		h.producer = 1;
		CU_ASSERT_FATAL(make(buf[0], &b[3], &h, SK[1], NULL, 0, &bb));
		CU_ASSERT_EQUAL(block_validate(&bb, &b[3], &G.info, NOW),
		    BLOCK_OK);
	}
}

static void
expect(const struct block_header *h, const struct block *prev,
    const uint8_t *sk, enum block_error want)
{
	static uint8_t	buf[BLOCK_MAX_LEN];
	struct block	b;
	size_t		len;

	len = block_build(buf, h, (const uint8_t *)"x", 1, sk, NULL);
	CU_ASSERT_FATAL(len > 0);
	CU_ASSERT_EQUAL_FATAL(block_decode(buf, len, &b), BLOCK_OK);
	CU_ASSERT_EQUAL(block_validate(&b, prev, &G.info, NOW), want);
	if (block_validate(&b, prev, &G.info, NOW) != want)
		fprintf(stderr, "got %s, want %s\n",
		    block_error_names[block_validate(&b, prev, &G.info, NOW)],
		    block_error_names[want]);
}

static void
test_each_field(void)
{
	static uint8_t		 buf[BLOCK_MAX_LEN];
	struct block		 prev;
	struct block_header	 h;

	CU_ASSERT_FATAL(make(buf, &G.block, NULL, SK[0], NULL, 0, &prev));
	/* height: one too many, the same, and lower */
	base_header(&h, &prev);
	h.height += 1;
	expect(&h, &prev, SK[0], BLOCK_ERR_HEIGHT);
	h.height = prev.h.height;
	expect(&h, &prev, SK[0], BLOCK_ERR_HEIGHT);
	/* previous hash */
	base_header(&h, &prev);
	h.prev[7] ^= 1;
	expect(&h, &prev, SK[0], BLOCK_ERR_LINK);
	/* time: before the previous block, and too far ahead */
	base_header(&h, &prev);
	h.time_ms = prev.h.time_ms - 1;
	expect(&h, &prev, SK[0], BLOCK_ERR_TIME_PAST);
	h.time_ms = prev.h.time_ms;		/* equal is fine */
	expect(&h, &prev, SK[0], BLOCK_OK);
	h.time_ms = NOW + BLOCK_FUTURE_MAX_MS + 1;
	expect(&h, &prev, SK[0], BLOCK_ERR_TIME_FUTURE);
	h.time_ms = NOW + BLOCK_FUTURE_MAX_MS;
	expect(&h, &prev, SK[0], BLOCK_OK);
	/* producer: out of the key set, and the genesis marker */
	base_header(&h, &prev);
	h.producer = 2;
	expect(&h, &prev, SK[0], BLOCK_ERR_PRODUCER);
	h.producer = BLOCK_GENESIS_PRODUCER;
	expect(&h, &prev, SK[0], BLOCK_ERR_PRODUCER);
	/* signature: by the other producer's key, or none */
	base_header(&h, &prev);
	h.producer = 0;
	expect(&h, &prev, SK[1], BLOCK_ERR_SIGNATURE);
	expect(&h, &prev, NULL, BLOCK_ERR_SIGNATURE);
	h.producer = 1;
	expect(&h, &prev, SK[0], BLOCK_ERR_SIGNATURE);
}

static void
test_encoding(void)
{
	static uint8_t		 buf[BLOCK_MAX_LEN + 16], pl[64];
	struct block		 b, prev;
	struct block_header	 h;
	size_t			 len, cut;

	CU_ASSERT_FATAL(make(buf, &G.block, NULL, SK[0], NULL, 0, &prev));
	memset(pl, 7, sizeof(pl));
	len = make(buf, &G.block, NULL, SK[0], pl, sizeof(pl), &b);
	CU_ASSERT_FATAL(len == BLOCK_HEADER_LEN + BLOCK_SIG_LEN + sizeof(pl));
	/* every truncation */
	for (cut = 0; cut < len; cut++) {
		uint8_t *c = malloc(cut ? cut : 1);

		memcpy(c, buf, cut);
		CU_ASSERT_NOT_EQUAL(block_decode(c, cut, &b), BLOCK_OK);
		CU_ASSERT_NOT_EQUAL(block_parse(c, cut, &b), BLOCK_OK);
		free(c);
	}
	/* a trailing byte */
	buf[len] = 0;
	CU_ASSERT_EQUAL(block_decode(buf, len + 1, &b), BLOCK_ERR_FORMAT);
	CU_ASSERT_EQUAL(block_parse(buf, len + 1, &b), BLOCK_ERR_FORMAT);
	/*
	 * the payload changed: hash mismatch; block_parse (netd, stored)
	 * leaves the payload hash to syncd but still gives the block hash
	 */
	buf[len - 1] ^= 1;
	CU_ASSERT_EQUAL(block_decode(buf, len, &b), BLOCK_ERR_PAYLOAD_HASH);
	CU_ASSERT_EQUAL(block_parse(buf, len, &b), BLOCK_OK);
	CU_ASSERT_EQUAL(b.h.payload_len, sizeof(pl));
	buf[len - 1] ^= 1;
	CU_ASSERT_EQUAL(block_parse(buf, len, &b), BLOCK_OK);
	{
		struct block d;

		CU_ASSERT_EQUAL(block_decode(buf, len, &d), BLOCK_OK);
		CU_ASSERT_EQUAL(memcmp(b.hash, d.hash, BLOCK_HASH_LEN), 0);
		CU_ASSERT_PTR_EQUAL(b.payload, d.payload);
	}
	CU_ASSERT_EQUAL(block_decode(buf, len, &b), BLOCK_OK);
	/* version */
	be32_store(buf, 2);
	CU_ASSERT_EQUAL(block_decode(buf, len, &b), BLOCK_ERR_VERSION);
	CU_ASSERT_EQUAL(block_parse(buf, len, &b), BLOCK_ERR_VERSION);
	be32_store(buf, BLOCK_VERSION);
	/* payload length: says more, says less, over the limit */
	be32_store(buf + BLOCK_HEADER_LEN - 4, sizeof(pl) + 1);
	CU_ASSERT_EQUAL(block_decode(buf, len, &b), BLOCK_ERR_FORMAT);
	be32_store(buf + BLOCK_HEADER_LEN - 4, sizeof(pl) - 1);
	CU_ASSERT_EQUAL(block_decode(buf, len, &b), BLOCK_ERR_FORMAT);
	be32_store(buf + BLOCK_HEADER_LEN - 4, BLOCK_PAYLOAD_MAX + 1);
	CU_ASSERT_EQUAL(block_decode(buf, len, &b), BLOCK_ERR_FORMAT);
	be32_store(buf + BLOCK_HEADER_LEN - 4, sizeof(pl));
	CU_ASSERT_EQUAL(block_decode(buf, len, &b), BLOCK_OK);
	/* a header byte changed after signing: the signature fails */
	buf[4 + 8 + 32 + 7] ^= 1;		/* the time's last byte */
	CU_ASSERT_EQUAL_FATAL(block_decode(buf, len, &b), BLOCK_OK);
	CU_ASSERT_EQUAL(block_validate(&b, &G.block, &G.info, NOW),
	    BLOCK_ERR_SIGNATURE);
	/* the signature itself changed */
	buf[4 + 8 + 32 + 7] ^= 1;
	buf[BLOCK_HEADER_LEN + 3] ^= 0x40;
	CU_ASSERT_EQUAL_FATAL(block_decode(buf, len, &b), BLOCK_OK);
	CU_ASSERT_EQUAL(block_validate(&b, &G.block, &G.info, NOW),
	    BLOCK_ERR_SIGNATURE);
	/* the largest payload is fine, one more byte cannot be built */
	{
		uint8_t *big = calloc(1, BLOCK_PAYLOAD_MAX + 1);
		uint8_t *out = malloc(BLOCK_MAX_LEN);

		base_header(&h, &G.block);
		CU_ASSERT(block_build(out, &h, big, BLOCK_PAYLOAD_MAX, SK[0],
		    &b) == BLOCK_MAX_LEN);
		CU_ASSERT(block_build(out, &h, big, BLOCK_PAYLOAD_MAX + 1,
		    SK[0], &b) == 0);
		free(big);
		free(out);
	}
}

static void
test_genesis(void)
{
	struct genesis	d, g2;
	uint8_t		pk[BLOCK_PUBKEY_LEN], sk[BLOCK_SECKEY_LEN];
	char		err[256], path[128], *hex;
	FILE		*f;

	CU_ASSERT_EQUAL(genesis_load(&d, "devnet", "/nonexistent", err,
	    sizeof(err)), 0);
	devnet_keypair(pk, sk);
	CU_ASSERT_EQUAL(genesis_producer_index(&d.info, pk), 0);
	CU_ASSERT_EQUAL(genesis_producer_index(&G.info, pk), -1);
	CU_ASSERT_EQUAL(genesis_producer_index(&G.info, PK[1]), 1);
	/* written as hex, read back by name */
	snprintf(path, sizeof(path), "%s/testnet.genesis", tmpdir);
	hex = malloc(2 * G.len + 1);
	sodium_bin2hex(hex, 2 * G.len + 1, G.raw, G.len);
	f = fopen(path, "w");
	fprintf(f, "%s\n", hex);
	fclose(f);
	CU_ASSERT_EQUAL(genesis_load(&g2, "testnet", tmpdir, err,
	    sizeof(err)), 0);
	CU_ASSERT(memcmp(g2.block.hash, G.block.hash, BLOCK_HASH_LEN) == 0);
	CU_ASSERT_EQUAL(g2.info.nproducers, 2);
	/* under another name: refused */
	snprintf(path, sizeof(path), "%s/othernet.genesis", tmpdir);
	f = fopen(path, "w");
	fprintf(f, "%s\n", hex);
	fclose(f);
	CU_ASSERT_EQUAL(genesis_load(&g2, "othernet", tmpdir, err,
	    sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "testnet"));
	/* a signed "genesis" is not one */
	CU_ASSERT_EQUAL(genesis_parse(&g2, G.raw, G.len), 0);
	{
		static uint8_t	buf[BLOCK_MAX_LEN];
		struct block	b;
		size_t		len = make(buf, &G.block, NULL, SK[0], NULL,
				    0, &b);

		CU_ASSERT_EQUAL(genesis_parse(&g2, buf, len), -1);
	}
	free(hex);
}

static void
test_keyfile(void)
{
	uint8_t	seed[KEYFILE_SEED_LEN], pk[BLOCK_PUBKEY_LEN];
	uint8_t	sk[BLOCK_SECKEY_LEN], pk2[BLOCK_PUBKEY_LEN];
	uint8_t	sk2[BLOCK_SECKEY_LEN];
	char	path[128], err[256];
	struct stat st;
	FILE	*f;

	memset(seed, 0x22, sizeof(seed));
	crypto_sign_seed_keypair(pk2, sk2, seed);
	snprintf(path, sizeof(path), "%s/k.key", tmpdir);
	CU_ASSERT_EQUAL(keyfile_write(path, seed, "# a comment\n", err,
	    sizeof(err)), 0);
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	/* never overwritten */
	CU_ASSERT_EQUAL(keyfile_write(path, seed, NULL, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(keyfile_load(path, pk, sk, err, sizeof(err)), 0);
	CU_ASSERT(memcmp(pk, pk2, sizeof(pk)) == 0);
	/* others may write it: refused */
	chmod(path, 0620);
	CU_ASSERT_EQUAL(keyfile_load(path, pk, sk, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "readable by others"));
	/* others may read it: refused, as ssh(1) does (issue 14, F7) */
	chmod(path, 0644);
	CU_ASSERT_EQUAL(keyfile_load(path, pk, sk, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err,
	    "is readable by others (mode 0644): chmod 600 it"));
	chmod(path, 0640);
	CU_ASSERT_EQUAL(keyfile_load(path, pk, sk, err, sizeof(err)), -1);
	chmod(path, 0604);
	CU_ASSERT_EQUAL(keyfile_load(path, pk, sk, err, sizeof(err)), -1);
	chmod(path, 0400);
	CU_ASSERT_EQUAL(keyfile_load(path, pk, sk, err, sizeof(err)), 0);
	chmod(path, 0600);
	/* the devnet literal */
	CU_ASSERT_EQUAL(keyfile_load("devnet", pk, sk, err, sizeof(err)), 0);
	devnet_keypair(pk2, sk2);
	CU_ASSERT(memcmp(pk, pk2, sizeof(pk)) == 0);
	/* garbage, short, long */
	snprintf(path, sizeof(path), "%s/bad.key", tmpdir);
	f = fopen(path, "w");
	fprintf(f, "# comment\nzz11\n");
	fclose(f);
	chmod(path, 0600);
	CU_ASSERT_EQUAL(keyfile_load(path, pk, sk, err, sizeof(err)), -1);
	f = fopen(path, "w");
	fprintf(f, "%064d1\n", 0);
	fclose(f);
	CU_ASSERT_EQUAL(keyfile_load(path, pk, sk, err, sizeof(err)), -1);
	f = fopen(path, "w");
	fprintf(f, "%062d\n", 0);
	fclose(f);
	CU_ASSERT_EQUAL(keyfile_load(path, pk, sk, err, sizeof(err)), -1);
	f = fopen(path, "w");
	fprintf(f, "# ok\n\n%064d\n", 0);
	fclose(f);
	CU_ASSERT_EQUAL(keyfile_load(path, pk, sk, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(keyfile_load("/nonexistent/x.key", pk, sk, err,
	    sizeof(err)), -1);
}

/*
 * A FIFO where a key or genesis file belongs is refused at once, not
 * waited on (issue 14, F4: stored hung in open(2) until the heartbeat
 * killed it).  The alarm turns the old code's hang into a failure.
 */
static void
test_fifo_refused(void)
{
	struct genesis	g;
	uint8_t		pk[BLOCK_PUBKEY_LEN], sk[BLOCK_SECKEY_LEN];
	char		path[256], dir[128], err[256];

	snprintf(path, sizeof(path), "%s/fifo.key", tmpdir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	alarm(10);
	CU_ASSERT_EQUAL(keyfile_load(path, pk, sk, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file"));
	unlink(path);
	snprintf(dir, sizeof(dir), "%s/fifodir", tmpdir);
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/testnet.genesis", dir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	CU_ASSERT_EQUAL(genesis_load(&g, "testnet", dir, err, sizeof(err)),
	    -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file"));
	alarm(0);
	unlink(path);
	rmdir(dir);
}

static void
check_locator(uint64_t tip, size_t max)
{
	uint64_t	h[64];
	size_t		n, i;

	n = locator_heights(tip, h, max);
	CU_ASSERT(n >= 1 && n <= max);
	CU_ASSERT_EQUAL(h[n - 1], 0);
	if (tip > 0)
		CU_ASSERT_EQUAL(h[0], tip);
	for (i = 1; i < n; i++)
		CU_ASSERT(h[i] < h[i - 1]);
	/* dense near the tip */
	for (i = 1; i < n && i < LOCATOR_DENSE; i++)
		if (h[i] != 0)
			CU_ASSERT_EQUAL(h[i], tip - i);
	/* then steps that double */
	for (i = LOCATOR_DENSE + 1; i + 1 < n; i++)
		CU_ASSERT_EQUAL(h[i - 1] - h[i], 2 * (h[i - 2] - h[i - 1]));
}

static void
test_locator(void)
{
	uint64_t	h[64];
	size_t		n;

	CU_ASSERT_EQUAL(locator_heights(0, h, 64), 1);
	CU_ASSERT_EQUAL(h[0], 0);
	n = locator_heights(5, h, 64);
	CU_ASSERT_EQUAL(n, 6);
	CU_ASSERT(h[0] == 5 && h[4] == 1 && h[5] == 0);
	n = locator_heights(1000, h, 64);
	CU_ASSERT(h[9] == 991 && h[10] == 989 && h[11] == 985 &&
	    h[12] == 977);
	CU_ASSERT(n < 25);
	check_locator(1, 64);
	check_locator(10, 64);
	check_locator(11, 64);
	check_locator(2500, 64);
	check_locator(UINT64_MAX / 2, 64);
	check_locator(UINT64_MAX, 64);
	check_locator(100000, 12);
	/* cut short, genesis stays last */
	n = locator_heights(100000, h, 5);
	CU_ASSERT(n == 5 && h[3] == 99997 && h[4] == 0);
	CU_ASSERT_EQUAL(locator_heights(100, h, 1), 0);
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "valid chain", test_valid_chain },
		{ "each header field refused with its reason",
		    test_each_field },
		{ "encoding faults", test_encoding },
		{ "genesis", test_genesis },
		{ "key files", test_keyfile },
		{ "FIFO key and genesis refused", test_fifo_refused },
		{ "locator heights", test_locator },
	};
	struct tn_suite	 ts = { .name = "block", .cases = tests,
	    .ncases = TN_NCASES(tests) };
	char		 cmd[128];
	int		 rc;

	if (sodium_init() == -1)
		return 1;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_block.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	setup_genesis();
	rc = tn_cunit_run(&ts);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return rc;
}
