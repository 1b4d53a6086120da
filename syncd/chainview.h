/* SPDX-License-Identifier: ISC */
/*
 * chainview.h - syncd's picture of the chain during a catch-up round.
 *
 * A round starts at a base: the fork point with the peer that answered
 * our locator (our tip when its chain simply extends ours).  Blocks that
 * peers send for heights above the base wait in a bounded ring until every
 * height below them is there; they are then validated in order (link,
 * height, time, producer, signature) and handed out for commit in batches,
 * strictly in order.  Fork choice is the longest valid chain: when the
 * base is below our tip (the peer is on another branch), nothing is handed
 * out until the candidate branch is longer than our chain, and the first
 * batch then carries the rollback to the base, so that stored switches
 * branches in one transaction.  Pure: no I/O, clock passed in.
 */
#ifndef TIMENODE_CHAINVIEW_H
#define TIMENODE_CHAINVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

#include "block.h"

struct vpool;
struct blob;

/* a held block's signature, checked ahead of the in-order validation */
enum cv_sig {
	CV_SIG_UNKNOWN,		/* not checked yet */
	CV_SIG_GOOD,		/* a producer of the genesis set signed it */
	CV_SIG_BAD,		/* unknown producer or bad signature */
	CV_SIG_UNDECODED,	/* it does not decode: nothing to check */
	CV_SIG_ASSUMED,		/* an ancestor of the trusted checkpoint:
				   not checked (docs/sync.md) */
};

struct cv_slot {
	uint8_t		*raw;		/* a copy of the encoded block */
	uint32_t	 len;
	struct netaddr	 ip;		/* the peer that sent it */
	uint64_t	 height;
	int		 decoded;	/* hdr and hash are raw's, decoded */
	int		 sig;		/* enum cv_sig */
	int		 in_job;	/* in the started check: raw, len,
					   hdr and hash are the pool's to
					   read, the slot stays held */
	struct block_header hdr;
	uint8_t		 hash[BLOCK_HASH_LEN];
};

/* a block's header and hash, enough to validate the next one */
struct cv_link {
	struct block	b;		/* h and hash only; pointers NULL */
};

struct chainview {
	const struct genesis_info *g;
	uint32_t	 max_reorg;
	/* what stored holds */
	uint64_t	 tip_height;
	struct cv_link	 tip;
	/* the round */
	int		 active;
	uint64_t	 base;		/* fork point */
	uint64_t	 old_tip;	/* our height at the round's start */
	int		 reorg;		/* the first batch rolls back */
	uint64_t	 validated;	/* highest validated height */
	uint64_t	 queued;	/* highest handed out for commit */
	struct cv_link	 last;		/* the block at validated */
	/* the ring of received blocks, heights queued-... */
	struct cv_slot	*slot;
	uint32_t	 cap;
	uint64_t	 ring_low;	/* lowest height the ring may hold */
	size_t		 bytes;		/* held in the ring */
	uint32_t	 nheld;
	/* parallel checks: NULL pool = in the caller's thread alone */
	struct vpool	*pool;
	struct cv_slot	**run;		/* cap entries: slots to check */
	/*
	 * The started check (cv->async, cv_validate): the slots and their
	 * verdicts, cap entries each; the pool writes job_sig[0 .. njob-1]
	 * only, the caller takes them in (cv_settle) once it is done.
	 */
	int		 async;
	int		 checking;
	struct cv_slot	**job;
	uint8_t		*job_sig;
	size_t		 njob;
	/*
	 * The trusted checkpoint (assumevalid, docs/sync.md "Trusted
	 * checkpoint"): set with cv_set_assumevalid.  av_more is the
	 * caller's to set before each cv_validate: 1 while something is on
	 * its way that will call it again (blocks asked for, a batch in
	 * stored's hands), so that waiting for the checkpoint cannot hold
	 * validation for ever.
	 */
	int		 av_on;
	int		 av_passed;	/* our chain holds it: nothing more
					   to skip, nothing to wait for */
	int		 av_more;
	uint8_t		 av_hash[BLOCK_HASH_LEN];
	uint32_t	 av_lookahead;	/* held heights to wait with */
	uint64_t	 av_height;	/* its height, once seen linked */
	uint64_t	 av_linked;	/* held blocks up to here link (0:
					   not walked) */
	uint64_t	 av_skipped;	/* signatures not checked, in all */
	/*
	 * The header chain (headers-first, docs/sync.md "Trusted
	 * checkpoint"): the hashes of linked headers at heights hc_first,
	 * hc_first + 1, ..., hc_n of them, the first one's parent a block
	 * of ours; hc_av: the checkpoint's height among them (0: not
	 * there, or not yet).  At most CV_HC_MAX hashes; freed once the
	 * checkpoint is passed.
	 */
	uint8_t		(*hc)[BLOCK_HASH_LEN];
	uint64_t	 hc_first;
	uint32_t	 hc_n, hc_cap;
	uint64_t	 hc_av;
	struct cv_link	 hc_last;	/* the last header taken */
};

/* the header chain's bound: 2^20 hashes, 32 MiB (then: verify all) */
#define CV_HC_MAX	(1u << 20)

/* what cv_headers_add made of a HEADERS answer */
enum cv_hc {
	CV_HC_MORE,	/* linked, no checkpoint yet: ask for more */
	CV_HC_FOUND,	/* the checkpoint is among them: its height known */
	CV_HC_BAD,	/* a header does not decode or link: misbehaviour */
	CV_HC_FULL,	/* CV_HC_MAX hashes without it: give up */
};

struct cv_bad {
	uint64_t	 height;
	struct netaddr	 ip;
	enum block_error err;
};

/*
 * Catch-up batches queued (cv_batch) and not yet committed, at most: the
 * ring holds them below the window (syncd sends the next while stored
 * commits one, storeq.h STOREQ_PIPELINE).
 */
#define CV_BATCHES_HELD		2

/* a batch to commit: the blocks point into the ring until cv_committed */
struct cv_batch {
	int		 rollback;
	uint64_t	 rollback_to;
	uint64_t	 first;
	uint32_t	 count;
	size_t		 bytes;
	/* the lowest and highest height in it whose signature was not
	   checked (CV_SIG_ASSUMED), both 0 when none: stored records them
	   (docs/sync.md "Trusted checkpoint") */
	uint64_t	 unchecked_lo;
	uint64_t	 unchecked_hi;
};

int	cv_init(struct chainview *, const struct genesis_info *,
	    uint32_t window, uint32_t max_reorg);
void	cv_free(struct chainview *);
/* stored's tip: the block itself (raw), decoded here */
int	cv_set_tip(struct chainview *, const uint8_t *raw, size_t len);
void	cv_set_tip_link(struct chainview *, const struct block *);
/*
 * Start a round from base, a block of our chain (the tip or a block from
 * stored).  -1 when the reorganisation would be deeper than max_reorg.
 */
int	cv_start(struct chainview *, const struct block *base);
/*
 * Trust the block with this hash (NULL: nobody) and its ancestors: their
 * signatures are not checked, everything else is.  A block is taken as an
 * ancestor only when the held blocks from it up to the checkpoint are
 * there and each names the one below by hash (so the checkpoint's hash
 * commits to it).  Until then validation waits, while cv->av_more, for
 * up to lookahead held heights (bounded by the ring); beyond them it
 * checks in full all but the top lookahead / 2, and without av_more the
 * lower half of what is held (each call: so a round that ends below the
 * checkpoint is validated in a few calls, each one moving the commit
 * point).  Rule and reasoning: docs/sync.md.
 */
void	cv_set_assumevalid(struct chainview *, const uint8_t *hash,
	    uint32_t lookahead);
/*
 * The header chain: cv_headers_start begins one after block from (the
 * fork point, a block of ours), forgetting any before; cv_headers_add
 * takes n headers (BLOCK_HEADER_LEN bytes each, back to back, as a peer
 * sent them for the next heights) while each decodes and links to the
 * one before (block_header_follows: height + 1, prev = its hash, time
 * not before), and stops at the checkpoint.  A header chain that reaches
 * the checkpoint proves every hash in it an ancestor of the checkpoint
 * (each header commits to its parent's hash, BLAKE2b-256): cv_validate
 * then skips the signature of a held block at or below the checkpoint
 * whose hash is the header chain's at its height, without waiting for
 * the blocks up to the checkpoint.  cv_headers_free forgets it (also
 * done once the checkpoint is passed).  Rule: docs/sync.md.
 */
void	cv_headers_start(struct chainview *, const struct block *from);
enum cv_hc cv_headers_add(struct chainview *, const uint8_t *h, uint32_t n);
void	cv_headers_free(struct chainview *);
/* the next height the header chain wants */
uint64_t cv_headers_next(const struct chainview *);
/* end the round, free what is held */
void	cv_reset(struct chainview *);
/*
 * Hold a received block (copied).  0, or -1: out of the ring, a height we
 * have already, or not decodable.  A later copy of a held height is
 * ignored (returns 1).
 */
int	cv_put(struct chainview *, uint64_t height, const uint8_t *raw,
	    size_t len, struct netaddr ip);
/* the same for a block the caller has decoded (block_decode): not again */
int	cv_put_block(struct chainview *, uint64_t height, const struct block *,
	    struct netaddr ip);
int	cv_have(const struct chainview *, uint64_t height);
/*
 * Validate what is in order.  Returns the number validated; on the first
 * refused block stops and fills *bad (bad->err != BLOCK_OK).  The held
 * blocks from the next height on are first decoded and their signatures
 * checked on cv->pool's threads (vpool.h); links, heights, times and the
 * verdicts are then taken strictly in height order in the caller's
 * thread, in block_validate's order, so that the outcome (what is valid,
 * the first refused block and its error) does not depend on the number
 * of threads (issue 12 item 1).
 */
uint32_t cv_validate(struct chainview *, uint64_t now_ms, struct cv_bad *);
/*
 * With cv->async set (syncd's loop; docs/sync.md "Parallel validation"),
 * cv_validate does not wait for the signature checks: it starts them on
 * the pool's own threads (vpool_start) over the held blocks not checked
 * yet, validates what is checked, and stops, without a verdict, at the
 * first block whose check is still running or not started; the caller
 * calls it again when vpool_fd(cv->pool) is readable.  The outcome is the
 * same as without async, only later.  Nothing the pool reads is freed
 * meanwhile: freeing a held block in the job (cv_drop, cv_reset) first
 * waits for the job.  cv_checking: a started check is not taken in yet
 * (the round is not done).  cv_settle: wait for it and take its verdicts.
 */
int	cv_checking(const struct chainview *);
void	cv_settle(struct chainview *);
/*
 * Drop the held, not yet validated blocks at heights >= from that came
 * from ip (0: from anybody); fn hears each run of dropped heights (to be
 * fetched again).  Returns how many were dropped.
 */
typedef void (*cv_dropped_fn)(void *, uint64_t from, uint32_t count);
uint32_t cv_drop(struct chainview *, uint64_t from, struct netaddr ip,
	    cv_dropped_fn, void *arg);
/* The next batch to commit (0: nothing ready, -1 when a reorg waits). */
int	cv_batch(struct chainview *, uint32_t max_blocks, size_t max_bytes,
	    struct cv_batch *);
/*
 * 1 when the validated blocks not yet queued fill a whole batch (cv_batch
 * with the same max_blocks and max_bytes, in blocks and bytes, would stop
 * at a bound, not at the last validated block), else 0.  Reads only.
 */
int	cv_batch_full(const struct chainview *, uint32_t max_blocks,
	    size_t max_bytes);
/*
 * Whether the next catch-up batch goes to stored now (docs/sync.md,
 * "Validation and commit"; issue 12): 1 when no block is on its way
 * (in_flight 0: what is validated is all there is for now), when the
 * batch is whole (cv_batch_full with max_blocks and max_bytes), or when
 * stored holds no batch of ours (in_stored 0) and the oldest validated
 * block not queued has waited waited >= wait_max seconds; else 0: it
 * waits to be whole.  Sending a part at once whenever stored was idle
 * made a commit (and an announcement, and a status push) per peer answer
 * of 256 blocks, four where one does.  Reads only.
 */
int	cv_batch_due(const struct chainview *, int in_stored,
	    uint32_t in_flight, double waited, double wait_max,
	    uint32_t max_blocks, size_t max_bytes);
/* the raw bytes of held height h (in a batch or validated) */
const struct cv_slot *cv_slot(const struct chainview *, uint64_t h);
/* stored committed the batch; the ring forgets it */
void	cv_committed(struct chainview *, const struct cv_batch *);
/*
 * syncd's copy of stored's unchecked range (heights *lo ... *hi, both 0
 * when none; docs/sync.md "Trusted checkpoint") after stored committed
 * bt: never smaller than stored's own (store_append), so that syncd does
 * not announce, produce or stop auditing while stored still withholds
 * unchecked blocks from netd.  stored removes, and so uncaps, only the
 * blocks from the first one that differs from the stored block at its
 * height; that may lie anywhere from bt->rollback_to + 1 up (the batch
 * may open with blocks we hold already: a locator answer that starts
 * below the real fork point, or a peer's choice), so a rollback caps the
 * range at the batch's last height, not at rollback_to.  The batch's own
 * unchecked heights are merged in.  syncd re-reads the exact range from
 * stored after a rollback (SR_RANGE).
 */
void	cv_unchecked_after(const struct cv_batch *bt, uint64_t *lo,
	    uint64_t *hi);
/* the batch failed: its heights may be handed out again */
void	cv_uncommit(struct chainview *, const struct cv_batch *);
/* a reorg round is not committed yet */
int	cv_waiting_reorg(const struct chainview *);
/*
 * The deferred signature check (docs/sync.md, "Trusted checkpoint"): n
 * stored blocks v[0 .. n-1] (encoded), meant to be at heights from,
 * from + 1, ...  Each is parsed (block_parse: its payload hash was
 * checked before it was stored) and its producer's signature checked
 * on cv->pool's threads, with the check a catch-up makes.  Returns n
 * when all are good, else the index of the first one that does not
 * decode, is not at its height, or is not signed by a producer of the
 * genesis set.  The blobs are read, not kept.
 */
uint32_t cv_audit(struct chainview *, const struct blob *v, uint32_t n,
	    uint64_t from);

#endif
