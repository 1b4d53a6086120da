/* SPDX-License-Identifier: ISC */
/*
 * test_syncd_assumevalid.c - the trusted checkpoint ([sync] assumevalid,
 * docs/sync.md "Trusted checkpoint") in syncd's chain view.
 *
 * A bad signature at or below the checkpoint is accepted only when the
 * held blocks link up to the checkpoint's hash; it is refused when the
 * checkpoint is on another branch, above what is held, or below the bad
 * block; everything but the signature (payload hash, link, height, time,
 * producer index) is still checked below the checkpoint; validation
 * waits for the checkpoint only while blocks are on their way and only
 * up to its lookahead, then checks the lower part in full, and without
 * more to come checks half of what it holds per call.
 *
 * Headers first: a header chain that links from our block up to the
 * checkpoint proves its hashes ancestors, so a held block whose hash is
 * the header chain's at its height has its signature skipped at once
 * (no waiting for the checkpoint's block); a block of another branch is
 * checked; headers that do not decode or link are refused; the header
 * chain is bounded (CV_HC_MAX hashes) and freed once the checkpoint is
 * passed.
 *
 * Deferred: each batch for stored names the heights whose signatures it
 * skipped, and cv_audit finds the first bad signature of stored blocks.
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <sodium.h>

#include "block.h"
#include "chainview.h"
#include "codec.h"
#include "cunit.h"
#include "testchain.h"
#include "vpool.h"

/* 127.0.0.2, v4-mapped (netaddr.h) */
#define A	((struct netaddr){ .b = { [10] = 0xff, [11] = 0xff, [12] = 127, \
	    [15] = 2 } })

/* devnet and its producer's key (chain_setup) */
static struct genesis	G;
static uint8_t		SK[BLOCK_SECKEY_LEN];
/* a hash no block of these tests has */
static const uint8_t	nowhere[BLOCK_HASH_LEN] = { 0x5a, 0xa5 };

/* a signature that no producer made: the header (and hash) unchanged */
static void
spoil_sig(struct chain *ch, int h)
{
	ch->raw[h][BLOCK_HEADER_LEN + 7] ^= 0x40;
}

/* a payload byte: the header's payload hash no longer matches */
static void
spoil_payload(struct chain *ch, int h)
{
	ch->raw[h][BLOCK_HEADER_LEN + BLOCK_SIG_LEN] ^= 1;
}

/* a view at genesis; the checkpoint (NULL: none) waits lookahead */
static void
view(struct chainview *cv, const uint8_t *checkpoint, uint32_t lookahead)
{
	CU_ASSERT_FATAL(cv_init(cv, &G.info, 64, 10) == 0);
	cv_set_tip_link(cv, &G.block);
	cv_set_assumevalid(cv, checkpoint, lookahead);
	CU_ASSERT_FATAL(cv_start(cv, &G.block) == 0);
}

/* heights from..to of ch, raw (decoded by the view, as after a locator) */
static void
put_range(struct chainview *cv, const struct chain *ch, int from, int to)
{
	int h;

	for (h = from; h <= to; h++)
		CU_ASSERT_EQUAL(cv_put(cv, (uint64_t)h, ch->raw[h], ch->len[h],
		    A), 0);
}

/* one validation with nothing more on its way */
static uint32_t
validate_once(struct chainview *cv, struct cv_bad *bad)
{
	cv->av_more = 0;
	return cv_validate(cv, 0, bad);
}

/*
 * Validate with nothing more on its way until a block is refused or
 * nothing moves (as syncd's progress() does, once a call): the count.
 */
static uint32_t
validate_all(struct chainview *cv, struct cv_bad *bad)
{
	uint32_t	n = 0, k;
	int		calls;

	for (calls = 0; calls < 64; calls++) {
		k = validate_once(cv, bad);
		n += k;
		if (k == 0 || bad->err != BLOCK_OK)
			break;
	}
	return n;
}

/* bad signatures at and below the checkpoint, which is on this chain */
static void
test_on_chain(void)
{
	struct chainview	cv;
	struct chain		a;
	struct cv_bad		bad;

	chain_make(&a, NULL, 0, 12, 1);
	spoil_sig(&a, 3);
	spoil_sig(&a, 10);	/* the checkpoint itself */
	spoil_sig(&a, 12);	/* above it */
	view(&cv, a.b[10].hash, 32);
	put_range(&cv, &a, 1, 12);
	CU_ASSERT_EQUAL(validate_all(&cv, &bad), 11);
	CU_ASSERT(bad.err == BLOCK_ERR_SIGNATURE && bad.height == 12);
	CU_ASSERT_EQUAL(cv.av_height, 10);
	CU_ASSERT_EQUAL(cv.av_skipped, 10);
	CU_ASSERT(cv.av_passed);
	cv_free(&cv);
	/* the same chain without the checkpoint: refused at 3 */
	view(&cv, NULL, 0);
	put_range(&cv, &a, 1, 12);
	CU_ASSERT_EQUAL(validate_all(&cv, &bad), 2);
	CU_ASSERT(bad.err == BLOCK_ERR_SIGNATURE && bad.height == 3);
	CU_ASSERT_EQUAL(cv.av_skipped, 0);
	cv_free(&cv);
	chain_free(&a, 1);
}

/* the checkpoint is on another branch, above the tip, or below */
static void
test_not_on_chain(void)
{
	struct chainview	cv;
	struct chain		a, b;
	struct cv_bad		bad;

	chain_make(&a, NULL, 0, 12, 1);
	chain_make(&b, &a, 5, 5, 2);	/* parts from a above height 5 */
	spoil_sig(&a, 3);
	/* another branch's block 8: a's blocks 1-5 are its ancestors too,
	 * but nothing held links up to it */
	view(&cv, b.b[8].hash, 32);
	put_range(&cv, &a, 1, 12);
	CU_ASSERT_EQUAL(validate_all(&cv, &bad), 2);
	CU_ASSERT(bad.err == BLOCK_ERR_SIGNATURE && bad.height == 3);
	CU_ASSERT_EQUAL(cv.av_skipped, 0);
	cv_free(&cv);
	/* a's own block 12, of which only 1-11 are held: not proven yet */
	view(&cv, a.b[12].hash, 32);
	put_range(&cv, &a, 1, 11);
	CU_ASSERT_EQUAL(validate_all(&cv, &bad), 2);
	CU_ASSERT(bad.err == BLOCK_ERR_SIGNATURE && bad.height == 3);
	cv_free(&cv);
	/* a hash that is on no chain at all */
	{
		uint8_t nowhere[BLOCK_HASH_LEN];

		memset(nowhere, 0xab, sizeof(nowhere));
		view(&cv, nowhere, 32);
		put_range(&cv, &a, 1, 12);
		CU_ASSERT_EQUAL(validate_all(&cv, &bad), 2);
		CU_ASSERT(bad.err == BLOCK_ERR_SIGNATURE && bad.height == 3);
		cv_free(&cv);
	}
	/* below the bad block: block 3 is above the checkpoint 2 */
	view(&cv, a.b[2].hash, 32);
	put_range(&cv, &a, 1, 12);
	CU_ASSERT_EQUAL(validate_all(&cv, &bad), 2);
	CU_ASSERT(bad.err == BLOCK_ERR_SIGNATURE && bad.height == 3);
	CU_ASSERT_EQUAL(cv.av_skipped, 2);
	cv_free(&cv);
	chain_free(&b, 6);
	chain_free(&a, 1);
}

/* below the checkpoint everything but the signature is still checked */
static void
test_rest_checked(void)
{
	struct chainview	cv;
	struct chain		a, b, c;
	struct cv_bad		bad;

	/* a payload that does not match its header's hash */
	chain_make(&a, NULL, 0, 10, 1);
	spoil_payload(&a, 6);
	view(&cv, a.b[10].hash, 32);
	put_range(&cv, &a, 1, 10);
	CU_ASSERT_EQUAL(validate_all(&cv, &bad), 5);
	CU_ASSERT(bad.err == BLOCK_ERR_PAYLOAD_HASH && bad.height == 6);
	cv_free(&cv);
	/* a block of another branch in the middle does not link */
	chain_make(&b, &a, 5, 5, 2);
	view(&cv, a.b[10].hash, 32);
	spoil_payload(&a, 6);		/* a's block 6 is good again */
	put_range(&cv, &a, 1, 6);
	put_range(&cv, &b, 7, 7);
	put_range(&cv, &a, 8, 10);
	CU_ASSERT_EQUAL(validate_all(&cv, &bad), 6);
	CU_ASSERT(bad.err == BLOCK_ERR_LINK && bad.height == 7);
	cv_free(&cv);
	/*
	 * A chain that links up to the checkpoint but whose block 4 is
	 * dated before block 3, its signature spoilt too: the time is
	 * checked, only the signature is not.
	 */
	chain_make_past(&c, NULL, 0, 10, 3, 4);
	spoil_sig(&c, 4);
	view(&cv, c.b[10].hash, 32);
	put_range(&cv, &c, 1, 10);
	CU_ASSERT_EQUAL(validate_all(&cv, &bad), 3);
	CU_ASSERT(bad.err == BLOCK_ERR_TIME_PAST && bad.height == 4);
	cv_free(&cv);
	chain_free(&c, 1);
	chain_free(&b, 6);
	chain_free(&a, 1);
}

/* waiting for the checkpoint: while blocks come, up to the lookahead */
static void
test_wait(void)
{
	struct chainview	cv;
	struct chain		a;
	struct cv_bad		bad;

	chain_make(&a, NULL, 0, 30, 1);
	spoil_sig(&a, 3);
	/* blocks come in two answers, the checkpoint in the second */
	view(&cv, a.b[20].hash, 32);
	put_range(&cv, &a, 1, 10);
	cv.av_more = 1;
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 0);	/* waits */
	CU_ASSERT_EQUAL(bad.err, BLOCK_OK);
	put_range(&cv, &a, 11, 25);
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 25);
	CU_ASSERT_EQUAL(bad.err, BLOCK_OK);
	CU_ASSERT_EQUAL(cv.av_skipped, 20);
	/* past it nothing waits: the next blocks are validated at once */
	put_range(&cv, &a, 26, 27);
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 2);
	cv_free(&cv);
	/* nothing more on its way: no waiting, the lower half checked */
	view(&cv, a.b[20].hash, 32);
	put_range(&cv, &a, 1, 10);
	CU_ASSERT_EQUAL(validate_once(&cv, &bad), 2);
	CU_ASSERT(bad.err == BLOCK_ERR_SIGNATURE && bad.height == 3);
	cv_free(&cv);
	/* ... and the rest in the next calls: a round that ends below the
	 * checkpoint is validated in full, a few calls at most */
	{
		struct chain	g;
		uint32_t	n = 0;
		int		calls;

		chain_make(&g, NULL, 0, 16, 4);
		view(&cv, a.b[20].hash, 32);
		put_range(&cv, &g, 1, 16);
		for (calls = 0; calls < 8 && n < 16; calls++) {
			n += validate_once(&cv, &bad);
			CU_ASSERT_EQUAL(bad.err, BLOCK_OK);
		}
		CU_ASSERT_EQUAL(n, 16);
		CU_ASSERT(calls <= 6);
		CU_ASSERT_EQUAL(cv.av_skipped, 0);
		cv_free(&cv);
		chain_free(&g, 1);
	}
	/*
	 * A walk remembered across calls is walked again once held blocks
	 * go: a's 5-10 replaced by blocks of a branch x that parts from a
	 * at 2 and holds the checkpoint, so a's block 3 is no ancestor of
	 * it (nor is 4, and x's 5 does not link to a's 4).
	 */
	{
		struct chain	x;
		int		h;

		chain_make(&x, &a, 2, 25, 5);
		view(&cv, x.b[20].hash, 32);
		put_range(&cv, &a, 1, 10);
		cv.av_more = 1;
		CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 0);	/* waits */
		CU_ASSERT_EQUAL(cv_drop(&cv, 5, A, NULL, NULL), 6);
		for (h = 5; h <= 25; h++)	/* decoded, as syncd puts them */
			CU_ASSERT_EQUAL(cv_put_block(&cv, (uint64_t)h, &x.b[h],
			    A), 0);
		CU_ASSERT_EQUAL(validate_all(&cv, &bad), 2);
		CU_ASSERT(bad.err == BLOCK_ERR_SIGNATURE && bad.height == 3);
		CU_ASSERT_EQUAL(cv.av_skipped, 0);
		cv_free(&cv);
		chain_free(&x, 3);
	}
	/* more held than the lookahead (8): the lower half (of 8) above
	 * it is checked in full, the rest waits */
	view(&cv, a.b[30].hash, 8);
	put_range(&cv, &a, 4, 12);	/* 3 missing: nothing to do */
	cv.av_more = 1;
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 0);
	put_range(&cv, &a, 1, 3);
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 2);
	CU_ASSERT(bad.err == BLOCK_ERR_SIGNATURE && bad.height == 3);
	cv_free(&cv);
	chain_free(&a, 1);
}

/*
 * syncd's way (cv->async): a check started over the lower half of what
 * is held ends; then the checkpoint arrives.  The verdicts of the check
 * stay: the bad signature at 3 is refused, as when the check ran in the
 * caller (there it was refused before the checkpoint came).  The
 * checkpoint's "assumed" once replaced them, and a forged signature
 * below the checkpoint was committed unchecked (a reviewer's finding,
 * 2026-12-01).
 */
static uint32_t
checked_then_checkpoint(int async, struct cv_bad *bad)
{
	struct chainview	cv;
	struct chain		a;
	struct vpool		*p;
	struct pollfd		pfd;
	uint64_t		n;
	uint32_t		k;
	int			tries;

	CU_ASSERT_FATAL((p = vpool_new(3)) != NULL);
	chain_make(&a, NULL, 0, 20, 1);
	spoil_sig(&a, 3);
	view(&cv, a.b[20].hash, 8);
	cv.pool = p;
	cv.async = async;
	put_range(&cv, &a, 1, 12);	/* above the lookahead: 1-8 checked */
	cv.av_more = 1;
	k = cv_validate(&cv, 0, bad);
	if (async) {
		CU_ASSERT(cv_checking(&cv));
		pfd.fd = vpool_fd(p);
		pfd.events = POLLIN;
		for (tries = 0; tries < 100 && !vpool_done(p); tries++)
			if (poll(&pfd, 1, 100) == 1)
				CU_ASSERT(read(pfd.fd, &n, sizeof(n)) ==
				    sizeof(n));
		CU_ASSERT(vpool_done(p));
		put_range(&cv, &a, 13, 20);	/* the checkpoint */
		k += cv_validate(&cv, 0, bad);
	}
	cv_free(&cv);
	vpool_free(p);
	chain_free(&a, 1);
	return k;
}

static void
test_async_verdicts_kept(void)
{
	struct cv_bad	sync, async;
	uint32_t	n;

	n = checked_then_checkpoint(0, &sync);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT(sync.err == BLOCK_ERR_SIGNATURE && sync.height == 3);
	n = checked_then_checkpoint(1, &async);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT(async.err == BLOCK_ERR_SIGNATURE && async.height == 3);
}

/* the same with a pool of threads: verdicts do not depend on them */
static void
test_threads(void)
{
	struct chainview	cv;
	struct chain		a;
	struct cv_bad		bad;
	struct vpool		*p;

	CU_ASSERT_FATAL((p = vpool_new(4)) != NULL);
	chain_make(&a, NULL, 0, 40, 1);
	spoil_sig(&a, 5);
	spoil_sig(&a, 33);
	view(&cv, a.b[30].hash, 32);
	cv.pool = p;
	put_range(&cv, &a, 1, 40);
	CU_ASSERT_EQUAL(validate_all(&cv, &bad), 32);
	CU_ASSERT(bad.err == BLOCK_ERR_SIGNATURE && bad.height == 33);
	CU_ASSERT_EQUAL(cv.av_skipped, 30);
	cv_free(&cv);
	vpool_free(p);
	chain_free(&a, 1);
}

/*
 * Deferred, not skipped (docs/sync.md, "Trusted checkpoint"): each batch
 * names the lowest and highest height whose signature it skipped, for
 * stored to record; the audit (cv_audit) finds the first bad signature
 * among stored blocks, with 1 and 4 threads alike.
 */
static void
test_unchecked_marked(void)
{
	struct chainview	cv;
	struct chain		a;
	struct cv_bad		bad;
	struct cv_batch		bt;
	struct blob		v[40];
	struct vpool		*p;
	int			h, threads;

	chain_make(&a, NULL, 0, 40, 1);
	spoil_sig(&a, 7);
	view(&cv, a.b[20].hash, 32);
	put_range(&cv, &a, 1, 40);
	CU_ASSERT_EQUAL(validate_all(&cv, &bad), 40);
	CU_ASSERT_EQUAL(bad.err, BLOCK_OK);
	/* 1..20 skipped, 21..40 checked: the batches say which */
	CU_ASSERT_EQUAL(cv_batch(&cv, 15, 1 << 20, &bt), 1);
	CU_ASSERT(bt.first == 1 && bt.count == 15);
	CU_ASSERT(bt.unchecked_lo == 1 && bt.unchecked_hi == 15);
	cv_committed(&cv, &bt);
	CU_ASSERT_EQUAL(cv_batch(&cv, 15, 1 << 20, &bt), 1);
	CU_ASSERT(bt.first == 16 && bt.count == 15);
	CU_ASSERT(bt.unchecked_lo == 16 && bt.unchecked_hi == 20);
	cv_committed(&cv, &bt);
	CU_ASSERT_EQUAL(cv_batch(&cv, 15, 1 << 20, &bt), 1);
	CU_ASSERT(bt.first == 31 && bt.unchecked_lo == 0 &&
	    bt.unchecked_hi == 0);
	cv_committed(&cv, &bt);
	/* the audit of the committed blocks finds 7, the first bad one */
	for (h = 1; h <= 40; h++) {
		v[h - 1].p = a.raw[h];
		v[h - 1].len = (uint32_t)a.len[h];
	}
	for (threads = 1; threads <= 4; threads += 3) {
		CU_ASSERT_FATAL((p = vpool_new((unsigned)threads)) != NULL);
		cv.pool = p;
		CU_ASSERT_EQUAL(cv_audit(&cv, v, 40, 1), 6);
		CU_ASSERT_EQUAL(cv_audit(&cv, v, 6, 1), 6);
		CU_ASSERT_EQUAL(cv_audit(&cv, v + 7, 33, 8), 33);
		/* a block not at its height is not good either */
		CU_ASSERT_EQUAL(cv_audit(&cv, v + 7, 33, 9), 0);
		cv.pool = NULL;
		vpool_free(p);
	}
	cv_free(&cv);
	chain_free(&a, 1);
}

/* the headers of ch's blocks from..to, back to back, into out */
static uint8_t *
headers_of(const struct chain *ch, int from, int to)
{
	uint8_t	*out = malloc((size_t)(to - from + 1) * BLOCK_HEADER_LEN);
	int	 h;

	CU_ASSERT_FATAL(out != NULL);
	for (h = from; h <= to; h++)
		memcpy(out + (size_t)(h - from) * BLOCK_HEADER_LEN, ch->raw[h],
		    BLOCK_HEADER_LEN);
	return out;
}

/*
 * The header chain reaches the checkpoint at 30: held blocks 1-5 (a bad
 * signature at 3) are validated at once, signatures skipped, while more
 * blocks are on their way (av_more), where the blocks alone would make
 * validation wait; above the checkpoint, signatures are checked; the
 * header chain is freed once the checkpoint is passed.
 */
static void
test_headers_prove(void)
{
	struct chainview	cv;
	struct chain		a;
	struct cv_bad		bad;
	uint8_t			*hs;

	chain_make(&a, NULL, 0, 32, 1);
	spoil_sig(&a, 3);
	spoil_sig(&a, 32);
	view(&cv, a.b[30].hash, 32);
	cv_headers_start(&cv, &G.block);
	CU_ASSERT_EQUAL(cv_headers_next(&cv), 1);
	hs = headers_of(&a, 1, 32);
	CU_ASSERT_EQUAL(cv_headers_add(&cv, hs, 20), CV_HC_MORE);
	CU_ASSERT_EQUAL(cv_headers_next(&cv), 21);
	CU_ASSERT_EQUAL(cv_headers_add(&cv, hs + 20 * BLOCK_HEADER_LEN, 12),
	    CV_HC_FOUND);
	CU_ASSERT_EQUAL(cv.hc_av, 30);
	CU_ASSERT_EQUAL(cv.hc_n, 30);	/* nothing kept above it */
	put_range(&cv, &a, 1, 5);
	cv.av_more = 1;
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 5);
	CU_ASSERT_EQUAL(bad.err, BLOCK_OK);
	CU_ASSERT_EQUAL(cv.av_skipped, 5);
	CU_ASSERT_EQUAL(cv.av_height, 30);
	put_range(&cv, &a, 6, 32);
	CU_ASSERT_EQUAL(cv_validate(&cv, 0, &bad), 26);
	CU_ASSERT(bad.err == BLOCK_ERR_SIGNATURE && bad.height == 32);
	CU_ASSERT_EQUAL(cv.av_skipped, 30);
	CU_ASSERT(cv.av_passed);
	CU_ASSERT_PTR_NULL(cv.hc);
	cv_free(&cv);
	free(hs);
	chain_free(&a, 1);
}

/*
 * The header chain of another branch b (parting above 10) holds the
 * checkpoint: a's blocks 1-10 are b's too (skipped), a's block 12 with a
 * bad signature is not in b's header chain: refused.  Headers of a chain
 * without the checkpoint: nothing found, every signature checked.
 */
static void
test_headers_other_branch(void)
{
	struct chainview	cv;
	struct chain		a, b;
	struct cv_bad		bad;
	uint8_t			*hs;

	chain_make(&a, NULL, 0, 20, 1);
	chain_make(&b, &a, 10, 10, 2);
	spoil_sig(&a, 12);
	view(&cv, b.b[18].hash, 32);
	cv_headers_start(&cv, &G.block);
	hs = headers_of(&b, 1, 20);
	CU_ASSERT_EQUAL(cv_headers_add(&cv, hs, 20), CV_HC_FOUND);
	free(hs);
	CU_ASSERT_EQUAL(cv.hc_av, 18);
	put_range(&cv, &a, 1, 20);
	CU_ASSERT_EQUAL(validate_all(&cv, &bad), 11);
	CU_ASSERT(bad.err == BLOCK_ERR_SIGNATURE && bad.height == 12);
	CU_ASSERT_EQUAL(cv.av_skipped, 10);
	cv_free(&cv);

	/* a's headers do not hold b's checkpoint */
	view(&cv, b.b[18].hash, 32);
	cv_headers_start(&cv, &G.block);
	hs = headers_of(&a, 1, 20);
	CU_ASSERT_EQUAL(cv_headers_add(&cv, hs, 20), CV_HC_MORE);
	free(hs);
	CU_ASSERT_EQUAL(cv.hc_av, 0);
	spoil_sig(&a, 3);
	put_range(&cv, &a, 1, 20);
	CU_ASSERT_EQUAL(validate_all(&cv, &bad), 2);
	CU_ASSERT(bad.err == BLOCK_ERR_SIGNATURE && bad.height == 3);
	CU_ASSERT_EQUAL(cv.av_skipped, 0);
	cv_free(&cv);
	chain_free(&b, 11);
	chain_free(&a, 1);
}

/*
 * Headers that do not link are refused (CV_HC_BAD) and take nothing:
 * one that skips a height, names another parent, goes back in time, does
 * not decode (version), or does not start above the fork block.
 */
static void
test_headers_bad(void)
{
	struct chainview	cv;
	struct chain		a, b, past;
	uint8_t			*hs;

	chain_make(&a, NULL, 0, 10, 1);
	chain_make(&b, &a, 4, 6, 2);
	chain_make_past(&past, NULL, 0, 10, 3, 6);	/* 6 dated before 5 */
	view(&cv, a.b[10].hash, 32);
	/* a gap: 1-3, then 5 */
	cv_headers_start(&cv, &G.block);
	hs = headers_of(&a, 1, 10);
	memcpy(hs + 3 * BLOCK_HEADER_LEN, hs + 4 * BLOCK_HEADER_LEN,
	    BLOCK_HEADER_LEN);
	CU_ASSERT_EQUAL(cv_headers_add(&cv, hs, 10), CV_HC_BAD);
	CU_ASSERT_EQUAL(cv.hc_av, 0);
	free(hs);
	/* a's 1-5, then b's 6: height right, parent (b's 5) wrong */
	cv_headers_start(&cv, &G.block);
	hs = headers_of(&a, 1, 5);
	CU_ASSERT_EQUAL(cv_headers_add(&cv, hs, 5), CV_HC_MORE);
	CU_ASSERT_EQUAL(cv_headers_add(&cv, b.raw[6], 1), CV_HC_BAD);
	CU_ASSERT_EQUAL(cv.hc_n, 5);
	free(hs);
	/* time going back */
	cv_headers_start(&cv, &G.block);
	hs = headers_of(&past, 1, 10);
	CU_ASSERT_EQUAL(cv_headers_add(&cv, hs, 10), CV_HC_BAD);
	CU_ASSERT_EQUAL(cv.hc_n, 5);
	free(hs);
	/* a header of another block version */
	cv_headers_start(&cv, &G.block);
	hs = headers_of(&a, 1, 10);
	hs[2 * BLOCK_HEADER_LEN + 3] ^= 1;
	CU_ASSERT_EQUAL(cv_headers_add(&cv, hs, 10), CV_HC_BAD);
	free(hs);
	/* from block 2 while the chain starts above genesis */
	cv_headers_start(&cv, &G.block);
	CU_ASSERT_EQUAL(cv_headers_add(&cv, a.raw[2], 1), CV_HC_BAD);
	CU_ASSERT_EQUAL(cv.hc_n, 0);
	cv_free(&cv);
	chain_free(&past, 1);
	chain_free(&b, 5);
	chain_free(&a, 1);
}

/*
 * The bound: CV_HC_MAX (2^20) linked headers without the checkpoint are
 * kept (32 MiB), the next one is not (CV_HC_FULL), and nothing grows
 * beyond; headers need no signature, so they are made here directly.
 */
static void
test_headers_bound(void)
{
	struct chainview	 cv;
	struct block_header	 h;
	uint8_t			*hs, hash[BLOCK_HASH_LEN];
	uint32_t		 i, n = 4096, k;
	enum cv_hc		 r = CV_HC_MORE;

	CU_ASSERT_EQUAL(CV_HC_MAX, 1u << 20);
	view(&cv, nowhere, 32);	/* a checkpoint no header has */
	cv_headers_start(&cv, &G.block);
	hs = malloc((size_t)n * BLOCK_HEADER_LEN);
	CU_ASSERT_FATAL(hs != NULL);
	h = G.block.h;
	memcpy(hash, G.block.hash, BLOCK_HASH_LEN);
	for (k = 0; k <= CV_HC_MAX / n && r == CV_HC_MORE; k++) {
		for (i = 0; i < n; i++) {
			h.height++;
			h.producer = 0;
			h.payload_len = 0;
			memcpy(h.prev, hash, BLOCK_HASH_LEN);
			block_header_encode(hs + (size_t)i * BLOCK_HEADER_LEN,
			    &h);
			block_hash_header(hs + (size_t)i * BLOCK_HEADER_LEN,
			    hash);
		}
		r = cv_headers_add(&cv, hs, n);
	}
	CU_ASSERT_EQUAL(r, CV_HC_FULL);
	CU_ASSERT_EQUAL(k, CV_HC_MAX / n + 1);
	CU_ASSERT_EQUAL(cv.hc_n, CV_HC_MAX);
	CU_ASSERT_EQUAL(cv.hc_cap, CV_HC_MAX);
	CU_ASSERT_EQUAL(cv.hc_av, 0);
	cv_headers_free(&cv);
	CU_ASSERT_PTR_NULL(cv.hc);
	cv_free(&cv);
	free(hs);
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "on this chain: signatures at and below it not checked",
		    test_on_chain },
		{ "another branch, not held yet, nowhere, below: checked",
		    test_not_on_chain },
		{ "payload hash, link and time still checked below it",
		    test_rest_checked },
		{ "waits for it only while blocks come, up to a bound",
		    test_wait },
		{ "1 and 4 threads decide alike", test_threads },
		{ "a started check's verdicts stay when the checkpoint comes",
		    test_async_verdicts_kept },
		{ "skipped heights marked per batch; the audit finds a bad one",
		    test_unchecked_marked },
		{ "headers first: the header chain proves ancestors",
		    test_headers_prove },
		{ "headers first: another branch's, or without it: checked",
		    test_headers_other_branch },
		{ "headers first: headers that do not link refused",
		    test_headers_bad },
		{ "headers first: at most 2^20 headers", test_headers_bound },
	};
	struct tn_suite	 ts = { .name = "assumevalid", .cases = tests,
	    .ncases = TN_NCASES(tests) };

	if (chain_setup(&G, SK) == -1)
		return 1;
	return tn_cunit_run(&ts);
}
