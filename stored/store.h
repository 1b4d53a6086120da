/* SPDX-License-Identifier: ISC */
/*
 * store.h - the chain and the peer address book in one LMDB environment.
 *
 * Plain functions on an open environment, with no IPC and no event loop,
 * so that stored (stored.c), its tests and the benchmark share one
 * implementation.  Every function that changes the store does it in one
 * write transaction and reports the outcome in an ipc_result (the code
 * and a reason a log line or a requester can show); nothing is written
 * when a request is refused.  docs/storage.md has the layout and the
 * policies.
 *
 * One header for four files, as OpenBGPD's rde.h for rde*.c: store.c
 * (open, meta, migration, transactions), store_chain.c (append, chain
 * reads), store_addr.c (address book, bans, peer keys), store_verify.c
 * (verify); store_int.h is private to them.  The arguments are the IPC
 * structs (ipc.h) because they are the store's vocabulary as decoded C
 * values, not wire layouts: stored.c passes what it decoded as is.
 *
 * Errors: every function that takes an ipc_result sets code (enum
 * ipc_code) and, on an error, reason (a NUL-terminated line); LMDB
 * failures are IPC_ERR_STORAGE with LMDB's message.  Heights are block
 * heights (0: genesis), times Unix seconds.
 */
#ifndef TIMENODE_STORE_H
#define TIMENODE_STORE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <lmdb.h>

#include "block.h"
#include "ipc.h"

/*
 * 2: the address book is keyed by 16-byte addresses (common/netaddr.h,
 * IPv4 v4-mapped; issue 14).  A schema-1 book (4-byte IPv4 keys) is
 * migrated when stored opens it for writing (docs/storage.md).
 */
#define STORE_SCHEMA		2
#define STORE_SCHEMA_IPV4	1	/* the one older schema we migrate */
#define STORE_FILE		"chain.mdb"	/* and chain.mdb-lock */
#define STORE_ERR_MAX		512
/* the map grows by doubling, up to this */
#define STORE_MAP_MAX		((size_t)1 << 40)
/* an address that failed this often goes after every other */
#define STORE_ADDR_DEMOTE	3

enum store_open_status {
	STORE_OPEN_OK,
	STORE_OPEN_MISMATCH,	/* another network, genesis or schema */
	STORE_OPEN_FAILED	/* LMDB could not open or initialise it */
};

struct store {
	MDB_env		*env;
	MDB_dbi		 blocks;	/* u64 height (BE) -> encoded block */
	MDB_dbi		 hashes;	/* block hash -> u64 height (BE) */
	MDB_dbi		 meta;		/* name -> value */
	MDB_dbi		 addrs;		/* IP address (16 bytes) -> entry */
	MDB_dbi		 peerkeys;	/* IPv6 address (16 bytes, IPv4
					   v4-mapped) -> node key (32) */
	int		 has_peerkeys;	/* a read-only old store lacks it */
	char		 path[512];	/* the environment file */
	/* the same as the operator knows it (outside any chroot), for
	 * messages: path opens the file, shown names it */
	char		 shown[512];
	int		 env_flags;
	size_t		 mapsize;
	int		 readonly;	/* files not writable: reads only */
	char		 ro_why[64];	/* why, as LMDB said */
	uint32_t	 addr_max;
	uint64_t	 max_reorg;	/* deepest rollback allowed */
	/* the committed tip, kept current after every commit */
	uint64_t	 height;
	uint8_t		 tip[BLOCK_HASH_LEN];
	struct block_header tip_hdr;
	uint8_t		 genesis[BLOCK_HASH_LEN];
	/*
	 * The stored blocks whose signatures syncd did not check ([sync]
	 * assumevalid; docs/sync.md "Trusted checkpoint"): heights
	 * unchecked_lo ... unchecked_hi, both 0 when none.  meta's
	 * "unchecked", written in the transaction of the append that
	 * brought them; kept current after every commit like the tip.
	 */
	uint64_t	 unchecked_lo;
	uint64_t	 unchecked_hi;
	char		 network[32];
	unsigned	 map_grown;	/* times MDB_MAP_FULL grew the map */
};

struct store_params {
	const char		*path;		/* the environment file */
	const char		*shown;		/* for messages; NULL: path */
	size_t			 map_size;	/* bytes, initial */
	uint32_t		 addr_max;
	uint64_t		 max_reorg;
	const struct genesis	*genesis;	/* NULL: open what is there */
	int			 readonly;	/* open read-only (verify) */
};

/*
 * Open (creating it when empty: meta and the genesis block at height 0)
 * and check it belongs to params->genesis.  On failure err says why,
 * naming both networks and genesis hashes on a mismatch.
 */
enum store_open_status store_open(struct store *, const struct store_params *,
	    char *err, size_t errlen);
void	store_close(struct store *);

/*
 * Chain writes: rollback (optional, to req->rollback_to, at most
 * max_reorg below the tip; deeper only for a rollback with no blocks
 * whose every removed block lies at or above unchecked_lo: the cut of a
 * block whose deferred signature check failed, docs/sync.md "Trusted
 * checkpoint") and append req->blocks (at most
 * IPC_MAX_BLOCKS blocks and IPC_MAX_BLOCK_BYTES bytes, each decoded and
 * linked) in one write transaction.  Blocks already stored with the same
 * hash are skipped (IPC_OK, count 0).  res: code (IPC_ERR_GAP, _LINK,
 * _CONFLICT, _RANGE, _REFUSED, _MALFORMED, _TOO_LARGE, _STORAGE), count =
 * blocks written, height/hash = the tip after it.  The blobs are read,
 * not kept.  The unchecked range: a rollback caps its high end at the
 * height below the first block removed (gone when below its low end);
 * req->unchecked_lo ... _hi (within the batch's heights, else
 * IPC_ERR_MALFORMED) is merged in (lowest low end, highest high end);
 * both in the same transaction as the blocks.
 */
void	store_append(struct store *, const struct ipc_append *,
	    struct ipc_result *);
/*
 * syncd checked the signatures of the stored blocks a->from ... a->to:
 * the unchecked range's low end moves to a->to + 1 (the range is gone
 * once past its high end), only when a->from is that low end and a->to
 * is not above the tip; IPC_ERR_RANGE otherwise (nothing written).  No
 * range, or a->to below its low end (recorded already: a request syncd
 * re-sent to a restarted stored): IPC_OK, count 0.  count 1 when
 * written.
 */
void	store_audited(struct store *, const struct ipc_audited *a,
	    struct ipc_result *);

/*
 * Chain reads, one read transaction each.
 *
 * store_tip: the committed tip and genesis (no transaction: cached).
 * store_blocks: the blocks from q->from, at most q->count (0 or more
 * than IPC_MAX_BLOCKS: IPC_MAX_BLOCKS) and q->max_bytes of them (0 or
 * more than IPC_MAX_BLOCK_BYTES: that; always at least one block),
 * encoded as an IPC BLOCKS answer appended to out (copied out of
 * LMDB's pages; the caller owns out).  Its code: IPC_ERR_RANGE above the
 * tip, IPC_ERR_STORAGE.
 * store_locator: the hashes at locator_heights(tip) (at most
 * IPC_MAX_HASHES) into h.
 * store_fork_point: the highest of loc's hashes on our chain into pt
 * (found 0 when none is).
 * store_height_of: the height of hash on our chain into pt (found 0
 * when it is not on it; that is not an error).
 */
void	store_tip(const struct store *, struct ipc_tip *);
void	store_blocks(struct store *, const struct ipc_range *q,
	    struct wbuf *out);
/*
 * What netd may serve and advertise to peers: only blocks whose
 * signatures were checked (docs/sync.md, "Trusted checkpoint").
 * store_served_height: unchecked_lo - 1 while an unchecked range
 * exists, else the tip.  store_tip_served: that height and its block's
 * hash (one read transaction; 0, or -1 with res set).
 * store_blocks_served, store_headers_served: store_blocks and
 * store_headers clamped to heights up to store_served_height
 * (IPC_ERR_RANGE from above it).
 */
uint64_t store_served_height(const struct store *);
int	store_tip_served(struct store *, struct ipc_tip *,
	    struct ipc_result *);
void	store_blocks_served(struct store *, const struct ipc_range *q,
	    struct wbuf *out);
void	store_headers_served(struct store *, const struct ipc_headers_req *q,
	    struct wbuf *out);
/*
 * store_headers: the first BLOCK_HEADER_LEN bytes (the header) of the
 * main chain's blocks from q->from, q->count of them (1..IPC_MAX_HEADERS)
 * or fewer where the chain ends, encoded as an IPC_STORE_HEADERS answer
 * appended to out (copied out of LMDB's pages; the caller owns out).  Its
 * code: IPC_ERR_RANGE above the tip, IPC_ERR_STORAGE.  For a peer's
 * GET_HEADERS (docs/protocol.md section 3).
 */
void	store_headers(struct store *, const struct ipc_headers_req *q,
	    struct wbuf *out);
void	store_locator(struct store *, struct ipc_hashes *h,
	    struct ipc_result *);
void	store_fork_point(struct store *, const struct ipc_hashes *loc,
	    struct ipc_point *pt, struct ipc_result *);
void	store_height_of(struct store *, const uint8_t hash[BLOCK_HASH_LEN],
	    struct ipc_point *pt, struct ipc_result *);

/*
 * Address book (docs/storage.md, "Address book"), at most addr_max
 * entries: a new one beyond evicts the worst entry not banned (bans are
 * kept longest).
 *
 * store_addr_upsert: add or merge an entry (newest times, the strongest
 * source, bans kept); IPC_ERR_MALFORMED for port 0 or an unknown
 * source; count 1 when written.
 * store_addr_mark: a dial's outcome (success, failure), a ban until
 * m->until or an unban, at m->now.  IPC_ERR_MALFORMED for an unknown
 * outcome, a success with port 0, a ban ending before now;
 * IPC_ERR_REFUSED for an unban of an address not banned and a failure
 * of one not in the book (never written).
 * store_addr_list: the entries q->purpose wants, best first, at most
 * q->max and IPC_MAX_ADDRS; out->v is allocated (the caller frees it
 * with ipc_addrs_free, also on an error).
 * store_addr_count: the entries, 0 when the store cannot be read.
 */
void	store_addr_upsert(struct store *, const struct ipc_addr *,
	    struct ipc_result *);
void	store_addr_mark(struct store *, const struct ipc_addr_mark *m,
	    struct ipc_result *);
void	store_addr_list(struct store *, const struct ipc_addr_query *q,
	    struct ipc_addrs *out, struct ipc_result *);
size_t	store_addr_count(struct store *);
/*
 * Record a peer's node key for its address (docs/storage.md, "Peer
 * keys"): ack gets the outcome (enum peer_key_outcome) and, when it
 * changed, the old key; the new one is recorded, seen now.  At most
 * addr_max addresses: a new one when full replaces the least recently
 * seen (issue 14, F3), so PEER_KEY_FULL is no longer answered.  res as
 * every write.
 */
void	store_peer_key(struct store *, const struct ipc_peer_key *,
	    struct ipc_peer_key_ack *, struct ipc_result *);

/*
 * Verify the chain: heights contiguous from 0, every block decodes, links
 * and hashes to its index entry, block 0 is meta's genesis, meta's tip is
 * the last block, the blocks table and the hash index hold exactly the
 * heights 0..tip.  IPC_OK with count = blocks walked and height/hash the
 * last of them, or an error code and the first inconsistency.
 *
 * In slices (the running stored, between other events):
 * store_verify_begin(), then store_verify_step() until it returns 1 (res
 * then holds the outcome).  Each step is one read transaction and walks
 * at most max_blocks blocks and max_bytes bytes of them (always at least
 * one block), from the height after the last one walked.  What a verify
 * covers: heights 0 up to the tip committed when the first step ran.
 * Blocks appended later are only counted by the final checks.  Every
 * step first checks that the last block walked is still stored with the
 * same hash (which commits to all below it): after a rollback above it
 * the target becomes the new, lower tip; after one below it the walk
 * starts again from 0 at the tip committed then, at most
 * STORE_VERIFY_RESTARTS times, then gives up with IPC_ERR_BUSY.
 *
 * store_verify() is the same walk without bounds: the whole chain in one
 * read transaction (tests); stored --verify walks in slices.
 */
#define STORE_VERIFY_RESTARTS	3

struct store_verifier {
	uint64_t		 next;		/* next height: blocks walked */
	uint64_t		 target;	/* last height to walk */
	struct block_header	 prev;		/* the block at next - 1 */
	uint8_t			 prev_hash[BLOCK_HASH_LEN];
	uint8_t			 genesis[BLOCK_HASH_LEN]; /* meta's, at start */
	char			 network[32];
	int			 started;
	/* for logs and tests, over all restarts */
	unsigned		 slices;
	unsigned		 restarts;
	uint64_t		 blocks;
	uint64_t		 bytes;
};

void	store_verify_begin(struct store_verifier *);
/* 0: more to do; 1: finished, the outcome in res */
int	store_verify_step(struct store *, struct store_verifier *,
	    uint32_t max_blocks, uint64_t max_bytes, struct ipc_result *);
void	store_verify(struct store *, struct ipc_result *);
/*
 * A verify slice walks at most this many blocks and bytes in one read
 * transaction (store_verify_step), so that no reader pins old pages for
 * a whole walk.  Measured (warm cache, with or without ASan): about
 * 0.3 ms for 256 small blocks, 2-4 ms for 2 MiB of 256 KiB blocks, the
 * payload hash dominating; a cold cache adds the reads.
 */
#define STORE_VERIFY_SLICE_BLOCKS	256
#define STORE_VERIFY_SLICE_BYTES	(2u << 20)

/*
 * stored --verify DIR: open DIR/chain.mdb read-only and verify it in
 * slices.  When *stop (if stop is not NULL) becomes non-zero, the walk
 * ends after the current slice with IPC_ERR_BUSY "interrupted": a signal
 * handler sets it, so that SIGINT/SIGTERM end the read transaction and
 * close the environment instead of leaving a dead reader slot that pins
 * pages until a writer's mdb_reader_check (issue 11, item 11; the fault
 * of PowerDNS#9888).  0 when the chain is whole, else -1 with res set.
 */
int	store_verify_dir(const char *dir, const volatile sig_atomic_t *stop,
	    struct ipc_result *);

/* helpers shared with stored.c */
void	store_result(struct ipc_result *, uint8_t code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
const char *store_hex(const uint8_t *, size_t, char *buf, size_t buflen);

#endif
