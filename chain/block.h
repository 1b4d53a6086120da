/* SPDX-License-Identifier: ISC */
/*
 * block.h - the block: encoding, hash, signature, structural checks.
 *
 * A block is a 90-byte header, a 64-byte Ed25519 signature by the producer
 * over the header, and an opaque payload of at most BLOCK_PAYLOAD_MAX
 * bytes.  The block hash is BLAKE2b-256 of the encoded header; the header
 * commits to the payload through payload_hash (BLAKE2b-256) and
 * payload_len.  Integers are big-endian.  docs/sync.md has the layout.
 *
 * stored, syncd and netd share this module: stored and netd check
 * structure (block_decode), syncd also checks signatures and the chain's
 * rules (block_validate).
 */
#ifndef TIMENODE_BLOCK_H
#define TIMENODE_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#define BLOCK_VERSION		1
#define BLOCK_HASH_LEN		32
#define BLOCK_PUBKEY_LEN	32
#define BLOCK_SECKEY_LEN	64
#define BLOCK_SIG_LEN		64
#define BLOCK_HEADER_LEN	(4 + 8 + 32 + 8 + 32 + 2 + 4)
#define BLOCK_PAYLOAD_MAX	(256u * 1024)
#define BLOCK_MAX_LEN		(BLOCK_HEADER_LEN + BLOCK_SIG_LEN + \
				    BLOCK_PAYLOAD_MAX)
#define BLOCK_GENESIS_PRODUCER	0xffff	/* genesis is not signed */
#define BLOCK_MAX_PRODUCERS	64
#define BLOCK_FUTURE_MAX_MS	(2 * 60 * 1000)	/* clock skew allowed */

struct block_header {
	uint32_t	version;
	uint64_t	height;
	uint8_t		prev[BLOCK_HASH_LEN];
	uint64_t	time_ms;	/* Unix time, milliseconds */
	uint8_t		payload_hash[BLOCK_HASH_LEN];
	uint16_t	producer;	/* index in the genesis key set */
	uint32_t	payload_len;
};

/* A decoded block points into the buffer it was decoded from. */
struct block {
	struct block_header	 h;
	uint8_t			 hash[BLOCK_HASH_LEN];
	const uint8_t		*header_raw;	/* BLOCK_HEADER_LEN bytes */
	const uint8_t		*sig;		/* BLOCK_SIG_LEN bytes */
	const uint8_t		*payload;	/* h.payload_len bytes */
	const uint8_t		*raw;		/* the whole encoded block */
	size_t			 len;
};

/* The genesis payload: the network and its producers. */
struct genesis_info {
	char		network[32];
	uint16_t	nproducers;
	uint8_t		keys[BLOCK_MAX_PRODUCERS][BLOCK_PUBKEY_LEN];
};

enum block_error {
	BLOCK_OK = 0,
	BLOCK_ERR_FORMAT,	/* truncated, trailing bytes, bad lengths */
	BLOCK_ERR_VERSION,
	BLOCK_ERR_PAYLOAD_HASH,
	BLOCK_ERR_HEIGHT,
	BLOCK_ERR_LINK,		/* prev is not the previous block's hash */
	BLOCK_ERR_PRODUCER,	/* index outside the key set */
	BLOCK_ERR_SIGNATURE,
	BLOCK_ERR_TIME_PAST,	/* before the previous block */
	BLOCK_ERR_TIME_FUTURE,	/* too far ahead of our clock */
	BLOCK_ERR_GENESIS,	/* not our genesis */
	BLOCK_NERRORS
};
extern const char *const block_error_names[BLOCK_NERRORS];

void	block_header_encode(uint8_t out[BLOCK_HEADER_LEN],
	    const struct block_header *);
void	block_hash_header(const uint8_t header[BLOCK_HEADER_LEN],
	    uint8_t out[BLOCK_HASH_LEN]);
/*
 * One encoded header (BLOCK_HEADER_LEN bytes, as in a HEADERS message,
 * docs/protocol.md section 3) into h and its block hash into hash:
 * BLOCK_OK, BLOCK_ERR_VERSION, or BLOCK_ERR_FORMAT for a payload length
 * above BLOCK_PAYLOAD_MAX.
 */
enum block_error block_header_decode(const uint8_t raw[BLOCK_HEADER_LEN],
	    struct block_header *h, uint8_t hash[BLOCK_HASH_LEN]);
/*
 * Whether header h (its hash not needed) follows prev_h, whose hash is
 * prev_hash: height one more, prev = prev_hash, time not before.
 * BLOCK_OK, BLOCK_ERR_HEIGHT, BLOCK_ERR_LINK or BLOCK_ERR_TIME_PAST.
 * The rules block_validate applies to whole blocks, signature aside.
 */
enum block_error block_header_follows(const struct block_header *h,
	    const struct block_header *prev_h,
	    const uint8_t prev_hash[BLOCK_HASH_LEN]);
/*
 * Parse one encoded block (exactly len bytes, at most BLOCK_MAX_LEN); checks
 * lengths, version and the payload hash, and computes the block hash.  Does
 * not check signatures or the chain.  b points into buf (not copied).
 * BLOCK_OK, BLOCK_ERR_FORMAT, BLOCK_ERR_VERSION or BLOCK_ERR_PAYLOAD_HASH.
 */
enum block_error block_decode(const uint8_t *, size_t len, struct block *);
/*
 * block_decode without the payload hash: the layout, version and block
 * hash only (the header hash is 90 bytes of BLAKE2b, the payload hash up to
 * 256 KiB of it).  For the processes that pass a block on to syncd, which
 * checks the payload hash before anything is committed (docs/architecture.md,
 * "From the socket to LMDB"): netd, which only needs the height.  stored
 * still hashes the payload: it is the last check before the disk, and
 * `stored --verify` must hold for everything it acknowledged.  One payload
 * hash is ~1.3 us of the ~19 us of CPU a 1 KiB block took in a catching-up
 * node (issue 12, bench/REPORT.md).  Errors as block_decode's, never
 * BLOCK_ERR_PAYLOAD_HASH.
 */
enum block_error block_parse(const uint8_t *, size_t len, struct block *);
/*
 * Build and sign a block: out must hold BLOCK_MAX_LEN bytes; returns the
 * encoded length.  seckey NULL leaves the signature zero (genesis only).
 */
size_t	block_build(uint8_t *out, const struct block_header *hdr_in,
	    const uint8_t *payload, uint32_t payload_len,
	    const uint8_t *seckey, struct block *decoded);
/*
 * Full rules against the previous block: height, link, time, producer and
 * signature.  now_ms is our clock for the future check (0 skips it).
 */
enum block_error block_validate(const struct block *, const struct block *prev,
	    const struct genesis_info *, uint64_t now_ms);
/* the same rules without the signature, as stored applies them */
enum block_error block_check_link(const struct block *,
	    const struct block_header *prev_hdr,
	    const uint8_t prev_hash[BLOCK_HASH_LEN]);
int	block_verify_sig(const struct block *, const struct genesis_info *);

/* genesis.c: the genesis block and the built-in devnet. */
#define GENESIS_MAX_LEN		(BLOCK_HEADER_LEN + BLOCK_SIG_LEN + 64 + \
				    BLOCK_MAX_PRODUCERS * BLOCK_PUBKEY_LEN)
struct genesis {
	struct genesis_info	 info;
	uint8_t			 raw[GENESIS_MAX_LEN];
	size_t			 len;
	struct block		 block;		/* points into raw */
};

/* The devnet producer's published secret seed (docs/sync.md). */
extern const char devnet_seed_phrase[];
void	devnet_keypair(uint8_t pk[BLOCK_PUBKEY_LEN],
	    uint8_t sk[BLOCK_SECKEY_LEN]);
/* Build a genesis block for a network and key set (deterministic). */
int	genesis_make(struct genesis *, const char *network, uint64_t time_ms,
	    const uint8_t (*keys)[BLOCK_PUBKEY_LEN], uint16_t nkeys);
/* Parse a genesis block (from a file or the store). */
int	genesis_parse(struct genesis *, const uint8_t *, size_t);
/* "devnet" is built in; other names are read from dir/<name>.genesis. */
int	genesis_load(struct genesis *, const char *network, const char *dir,
	    char *err, size_t errlen);

/*
 * keyfile.c: producer keys.  A key file holds the 32-byte Ed25519 seed as
 * 64 hex digits; blank lines and lines starting with '#' are comments.
 * The value "devnet" names the published devnet key.
 */
#define KEYFILE_SEED_LEN	32
int	keyfile_load(const char *path, uint8_t pk[BLOCK_PUBKEY_LEN],
	    uint8_t sk[BLOCK_SECKEY_LEN], char *err, size_t errlen);
/* write a new key file (mode 0600, must not exist); comment may be NULL */
int	keyfile_write(const char *path, const uint8_t seed[KEYFILE_SEED_LEN],
	    const char *comment, char *err, size_t errlen);
/* the index of pk in the genesis key set, -1 if absent */
int	genesis_producer_index(const struct genesis_info *,
	    const uint8_t pk[BLOCK_PUBKEY_LEN]);

/*
 * locator.c: block locators.  The heights of a locator for a chain whose
 * tip is at tip: the ten highest, then back in steps that double, always
 * ending with 0 (genesis).  Returns how many (<= max, max >= 2).
 */
#define LOCATOR_DENSE		10
size_t	locator_heights(uint64_t tip, uint64_t *out, size_t max);

#endif
