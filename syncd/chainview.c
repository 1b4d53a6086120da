/* SPDX-License-Identifier: ISC */
/*
 * chainview.c - received blocks, in-order validation, fork choice and
 * commit batches; see chainview.h.
 *
 * The ring has room for the window plus one batch in commit, indexed by
 * height modulo its size: heights ring_low .. ring_low + cap - 1 fit.
 */
#include <stdlib.h>
#include <string.h>

#include "chainview.h"
#include "ipc.h"
#include "log.h"
#include "vpool.h"

static struct cv_slot *
slot_of(const struct chainview *cv, uint64_t h)
{
	return &cv->slot[h % cv->cap];
}

static void
slot_free(struct chainview *cv, struct cv_slot *s)
{
	if (s->raw == NULL)
		return;
	if (s->in_job)
		cv_settle(cv);	/* the pool may be reading it */
	cv->bytes -= s->len;
	cv->nheld--;
	free(s->raw);
	memset(s, 0, sizeof(*s));
}

static void
link_from(struct cv_link *l, const struct block *b)
{
	memset(l, 0, sizeof(*l));
	l->b.h = b->h;
	memcpy(l->b.hash, b->hash, BLOCK_HASH_LEN);
}

int
cv_init(struct chainview *cv, const struct genesis_info *g, uint32_t window,
    uint32_t max_reorg)
{
	memset(cv, 0, sizeof(*cv));
	cv->g = g;
	cv->max_reorg = max_reorg;
	/* the window above what is queued, and the batches in stored's
	   hands below it (a block beyond the ring is dropped: a stall) */
	cv->cap = window + CV_BATCHES_HELD * IPC_MAX_BLOCKS + 2;
	if (cv->cap < max_reorg + CV_BATCHES_HELD * IPC_MAX_BLOCKS + 2)
		cv->cap = max_reorg + CV_BATCHES_HELD * IPC_MAX_BLOCKS + 2;
	if ((cv->slot = calloc(cv->cap, sizeof(*cv->slot))) == NULL)
		return -1;
	if ((cv->run = calloc(cv->cap, sizeof(*cv->run))) == NULL ||
	    (cv->job = calloc(cv->cap, sizeof(*cv->job))) == NULL ||
	    (cv->job_sig = calloc(cv->cap, 1)) == NULL) {
		free(cv->slot);
		free(cv->run);
		free(cv->job);
		cv->slot = NULL;
		cv->run = NULL;
		cv->job = NULL;
		return -1;
	}
	return 0;
}

void
cv_reset(struct chainview *cv)
{
	uint32_t i;

	for (i = 0; i < cv->cap && cv->nheld; i++)
		slot_free(cv, &cv->slot[i]);
	cv->av_linked = 0;
	cv->active = 0;
	cv->reorg = 0;
	cv->base = cv->validated = cv->queued = cv->tip_height;
	cv->ring_low = cv->tip_height + 1;
	cv->last = cv->tip;
}

void
cv_free(struct chainview *cv)
{
	cv_headers_free(cv);
	if (cv->slot)
		cv_reset(cv);
	cv_settle(cv);
	free(cv->slot);
	free(cv->run);
	free(cv->job);
	free(cv->job_sig);
	cv->slot = NULL;
	cv->run = NULL;
	cv->job = NULL;
	cv->job_sig = NULL;
}

/* the checkpoint is on our chain: nothing more to skip or keep */
static void
av_pass(struct chainview *cv)
{
	cv->av_passed = 1;
	cv_headers_free(cv);
}

void
cv_set_tip_link(struct chainview *cv, const struct block *b)
{
	link_from(&cv->tip, b);
	cv->tip_height = b->h.height;
	if (cv->av_on && memcmp(b->hash, cv->av_hash, BLOCK_HASH_LEN) == 0)
		av_pass(cv);
}

void
cv_headers_free(struct chainview *cv)
{
	free(cv->hc);
	cv->hc = NULL;
	cv->hc_n = cv->hc_cap = 0;
	cv->hc_av = 0;
}

void
cv_headers_start(struct chainview *cv, const struct block *from)
{
	cv_headers_free(cv);
	cv->hc_first = from->h.height + 1;
	link_from(&cv->hc_last, from);
}

uint64_t
cv_headers_next(const struct chainview *cv)
{
	return cv->hc_first + cv->hc_n;
}

/* room for one more hash, doubling up to CV_HC_MAX: 0, or -1 */
static int
hc_grow(struct chainview *cv)
{
	uint8_t	(*p)[BLOCK_HASH_LEN];
	uint32_t cap;

	if (cv->hc_n < cv->hc_cap)
		return 0;
	if (cv->hc_cap >= CV_HC_MAX)
		return -1;
	cap = cv->hc_cap ? cv->hc_cap * 2 : 4096;
	if (cap > CV_HC_MAX)
		cap = CV_HC_MAX;
	if ((p = realloc(cv->hc, (size_t)cap * BLOCK_HASH_LEN)) == NULL)
		return -1;
	cv->hc = p;
	cv->hc_cap = cap;
	return 0;
}

enum cv_hc
cv_headers_add(struct chainview *cv, const uint8_t *h, uint32_t n)
{
	struct block_header	hdr;
	uint8_t			hash[BLOCK_HASH_LEN];
	uint32_t		i;

	if (cv->hc_av != 0)
		return CV_HC_FOUND;
	for (i = 0; i < n; i++) {
		if (block_header_decode(h + (size_t)i * BLOCK_HEADER_LEN,
		    &hdr, hash) != BLOCK_OK ||
		    block_header_follows(&hdr, &cv->hc_last.b.h,
		    cv->hc_last.b.hash) != BLOCK_OK)
			return CV_HC_BAD;
		if (hc_grow(cv) == -1)
			return CV_HC_FULL;
		memcpy(cv->hc[cv->hc_n++], hash, BLOCK_HASH_LEN);
		cv->hc_last.b.h = hdr;
		memcpy(cv->hc_last.b.hash, hash, BLOCK_HASH_LEN);
		if (cv->av_on && memcmp(hash, cv->av_hash,
		    BLOCK_HASH_LEN) == 0) {
			cv->hc_av = hdr.height;
			return CV_HC_FOUND;
		}
	}
	return CV_HC_MORE;
}

void
cv_set_assumevalid(struct chainview *cv, const uint8_t *hash,
    uint32_t lookahead)
{
	cv_headers_free(cv);
	cv->av_on = hash != NULL;
	cv->av_passed = 0;
	cv->av_linked = 0;
	cv->av_height = 0;
	memset(cv->av_hash, 0, BLOCK_HASH_LEN);
	if (hash)
		memcpy(cv->av_hash, hash, BLOCK_HASH_LEN);
	if (lookahead > cv->cap - IPC_MAX_BLOCKS - 2)
		lookahead = cv->cap - IPC_MAX_BLOCKS - 2;
	cv->av_lookahead = lookahead;
}

int
cv_set_tip(struct chainview *cv, const uint8_t *raw, size_t len)
{
	struct block b;

	if (block_decode(raw, len, &b) != BLOCK_OK)
		return -1;
	cv_set_tip_link(cv, &b);
	return 0;
}

int
cv_start(struct chainview *cv, const struct block *b)
{
	if (b->h.height > cv->tip_height ||
	    cv->tip_height - b->h.height > cv->max_reorg)
		return -1;
	cv_reset(cv);
	cv->active = 1;
	cv->base = cv->validated = cv->queued = b->h.height;
	cv->old_tip = cv->tip_height;
	cv->reorg = b->h.height < cv->tip_height;
	cv->ring_low = b->h.height + 1;
	link_from(&cv->last, b);
	return 0;
}

int
cv_have(const struct chainview *cv, uint64_t h)
{
	const struct cv_slot *s;

	if (h <= cv->validated)
		return 1;
	if (h >= cv->ring_low + cv->cap)
		return 0;
	s = slot_of(cv, h);
	return s->raw != NULL && s->height == h;
}

static int
put(struct chainview *cv, uint64_t h, const uint8_t *raw, size_t len,
    struct netaddr ip, const struct block *b)
{
	struct cv_slot *s;

	if (!cv->active || h <= cv->validated || h < cv->ring_low ||
	    h >= cv->ring_low + cv->cap || len > BLOCK_MAX_LEN)
		return -1;
	s = slot_of(cv, h);
	if (s->raw != NULL)
		return 1;
	if ((s->raw = malloc(len)) == NULL)
		return -1;
	memcpy(s->raw, raw, len);
	s->len = (uint32_t)len;
	s->ip = ip;
	s->height = h;
	if (b) {
		s->decoded = 1;
		s->hdr = b->h;
		memcpy(s->hash, b->hash, BLOCK_HASH_LEN);
	}
	cv->bytes += len;
	cv->nheld++;
	return 0;
}

int
cv_put(struct chainview *cv, uint64_t h, const uint8_t *raw, size_t len,
    struct netaddr ip)
{
	return put(cv, h, raw, len, ip, NULL);
}

int
cv_put_block(struct chainview *cv, uint64_t h, const struct block *b,
    struct netaddr ip)
{
	return put(cv, h, b->raw, b->len, ip, b);
}

/* the slot's block, decoded once: from what its sender's check decoded */
static enum block_error
slot_block(const struct cv_slot *s, struct block *b)
{
	if (!s->decoded)
		return block_decode(s->raw, s->len, b);
	memset(b, 0, sizeof(*b));
	b->h = s->hdr;
	memcpy(b->hash, s->hash, BLOCK_HASH_LEN);
	b->raw = s->raw;
	b->len = s->len;
	b->header_raw = s->raw;
	b->sig = s->raw + BLOCK_HEADER_LEN;
	b->payload = s->raw + BLOCK_HEADER_LEN + BLOCK_SIG_LEN;
	return BLOCK_OK;
}

/* the slot's block decoded, kept decoded; -1 when it does not decode */
static int
slot_decode(struct cv_slot *s, struct block *b)
{
	if (slot_block(s, b) != BLOCK_OK) {
		s->sig = CV_SIG_UNDECODED;
		return -1;
	}
	if (!s->decoded) {
		s->hdr = b->h;
		memcpy(s->hash, b->hash, BLOCK_HASH_LEN);
		s->decoded = 1;
	}
	return 0;
}

/* signed by a producer of the genesis set: the one signature check */
static int
signed_ok(const struct chainview *cv, const struct block *b)
{
	return b->h.producer < cv->g->nproducers &&
	    block_verify_sig(b, cv->g) == 0;
}

/*
 * One held block of the started check, on any thread of the pool: its
 * producer's signature.  The slot is decoded (check_start) and stays as
 * it is while in the job; the verdict goes to job_sig[i] alone.
 */
static void
check_slot(void *arg, size_t i)
{
	struct chainview	*cv = arg;
	struct block		 b;

	(void)slot_block(cv->job[i], &b);
	cv->job_sig[i] = signed_ok(cv, &b) ? CV_SIG_GOOD : CV_SIG_BAD;
}

/* the finished check's verdicts, where nothing (the checkpoint) came first */
static void
check_take(struct chainview *cv)
{
	size_t i;

	for (i = 0; i < cv->njob; i++) {
		if (cv->job[i]->sig == CV_SIG_UNKNOWN)
			cv->job[i]->sig = cv->job_sig[i];
		cv->job[i]->in_job = 0;
	}
	cv->njob = 0;
	cv->checking = 0;
}

int
cv_checking(const struct chainview *cv)
{
	return cv->checking;
}

void
cv_settle(struct chainview *cv)
{
	if (!cv->checking)
		return;
	vpool_wait(cv->pool);
	check_take(cv);
}

/*
 * Check the signatures of the n slots in cv->run: decoded here first (one
 * that does not decode has nothing to check), then on the pool's threads;
 * without cv->async, or when the pool ran it at once, taken in before
 * this returns.  None may be running.
 */
static void
check_start(struct chainview *cv, size_t n)
{
	struct block	b;
	size_t		i;

	cv->njob = 0;
	for (i = 0; i < n; i++) {
		if (slot_decode(cv->run[i], &b) == -1)
			continue;
		cv->run[i]->in_job = 1;
		cv->job[cv->njob++] = cv->run[i];
	}
	if (cv->njob == 0)
		return;
	cv->checking = 1;
	if (!cv->async) {
		vpool_run(cv->pool, cv->njob, check_slot, cv);
		check_take(cv);
	} else if (vpool_start(cv->pool, cv->njob, check_slot, cv) == 1)
		check_take(cv);
}

/* cv_audit's work: blocks, their first height, a verdict each */
struct audit_job {
	const struct chainview	*cv;
	const struct blob	*v;
	uint64_t		 from;
	uint8_t			*good;
};

/*
 * One stored block, on any thread of the pool: touches only good[i].
 * block_parse, not block_decode: its payload hash was checked by the
 * catch-up and again by stored before the disk; the signature is what
 * was skipped.
 */
static void
audit_one(void *arg, size_t i)
{
	struct audit_job	*j = arg;
	struct block		 b;

	j->good[i] = block_parse(j->v[i].p, j->v[i].len, &b) == BLOCK_OK &&
	    b.h.height == j->from + i && signed_ok(j->cv, &b);
}

uint32_t
cv_audit(struct chainview *cv, const struct blob *v, uint32_t n,
    uint64_t from)
{
	struct audit_job	j = { cv, v, from, NULL };
	uint32_t		i;

	if (n == 0)
		return 0;
	if ((j.good = calloc(n, 1)) == NULL)
		fatal("calloc");
	vpool_run(cv->pool, n, audit_one, &j);
	for (i = 0; i < n && j.good[i]; i++)
		;
	free(j.good);
	return i;
}

/*
 * The held blocks from the next height to validate up to top and the
 * checkpoint's height: those whose hash is the header chain's at their
 * height are ancestors of the checkpoint (cv_headers_add proved the chain
 * links up to it): their signatures are not checked.
 */
static void
hc_assume(struct chainview *cv, uint64_t top)
{
	struct cv_slot	*s;
	struct block	 b;
	uint64_t	 h;

	if (top > cv->hc_av)
		top = cv->hc_av;
	for (h = cv->validated + 1; h <= top; h++) {
		s = slot_of(cv, h);
		if (s->sig != CV_SIG_UNKNOWN || s->in_job || h < cv->hc_first ||
		    h - cv->hc_first >= cv->hc_n ||
		    slot_decode(s, &b) == -1 ||
		    memcmp(s->hash, cv->hc[h - cv->hc_first],
		    BLOCK_HASH_LEN) != 0)
			continue;
		s->sig = CV_SIG_ASSUMED;
		cv->av_skipped++;
	}
}

/*
 * The held run from the next height to validate: *top gets its highest
 * height (validated when none is held).  Returns the checkpoint's height
 * when the run, from its first block on, is one hash chain (each block's
 * height one more and its previous hash the hash of the block below it,
 * the first one's previous hash that of the last validated block) that
 * reaches a block whose hash is the checkpoint's; else 0.  Then every
 * block of the run up to that height is an ancestor of the checkpoint:
 * the checkpoint's header commits to its parent's hash, which commits to
 * its own parent's, and so on (BLAKE2b-256 collisions aside).  The
 * linked prefix found is remembered (cv->av_linked), so that the next
 * call walks on from its end instead of from the bottom again: held
 * blocks leave the ring only by cv_drop and cv_reset (which forget it)
 * or once validated.
 */
static uint64_t
held_run(struct chainview *cv, uint64_t *top)
{
	struct cv_slot	*s;
	struct block	 b;
	const uint8_t	*prev = cv->last.b.hash;
	uint64_t	 h = cv->validated + 1, found = 0;
	int		 linked = cv->av_on && !cv->av_passed;

	*top = cv->validated;
	/* the last call's linked prefix holds: go on from its end */
	if (linked && cv->av_linked > cv->validated) {
		*top = cv->av_linked;
		prev = slot_of(cv, cv->av_linked)->hash;
		h = cv->av_linked + 1;
	} else
		cv->av_linked = 0;
	for (; h < cv->ring_low + cv->cap; h++) {
		s = slot_of(cv, h);
		if (s->raw == NULL || s->height != h)
			break;
		*top = h;
		if (!linked || found)
			continue;
		if (slot_decode(s, &b) == -1 || s->hdr.height != h ||
		    memcmp(s->hdr.prev, prev, BLOCK_HASH_LEN) != 0) {
			linked = 0;
			continue;
		}
		prev = s->hash;
		cv->av_linked = h;
		if (memcmp(s->hash, cv->av_hash, BLOCK_HASH_LEN) == 0)
			found = h;
	}
	return found;
}

/* block_validate's rules and order, with the signature checked ahead */
static enum block_error
validate_checked(const struct chainview *cv, const struct cv_slot *s,
    uint64_t h, uint64_t now_ms, struct block *b)
{
	enum block_error e;

	if ((e = slot_block(s, b)) != BLOCK_OK)
		return e;
	if (b->h.height != h)
		return BLOCK_ERR_HEIGHT;
	if ((e = block_check_link(b, &cv->last.b.h, cv->last.b.hash)) !=
	    BLOCK_OK)
		return e;
	if (now_ms && b->h.time_ms > now_ms + BLOCK_FUTURE_MAX_MS)
		return BLOCK_ERR_TIME_FUTURE;
	if (b->h.producer >= cv->g->nproducers)
		return BLOCK_ERR_PRODUCER;
	return s->sig == CV_SIG_GOOD || s->sig == CV_SIG_ASSUMED ? BLOCK_OK :
	    BLOCK_ERR_SIGNATURE;
}

uint32_t
cv_validate(struct chainview *cv, uint64_t now_ms, struct cv_bad *bad)
{
	struct cv_slot		*s;
	struct block		 b;
	enum block_error	 e;
	uint32_t		 n = 0;
	size_t			 nrun = 0;
	uint64_t		 h, top, av;

	memset(bad, 0, sizeof(*bad));
	if (cv->checking && vpool_done(cv->pool))
		check_take(cv);
	if (!cv->active)
		return 0;
	/* the checkpoint: what provably lies below it, or wait for it */
	av = held_run(cv, &top);
	if (cv->hc_av != 0 && !cv->av_passed) {
		/* the header chain proves it: nothing to wait for */
		cv->av_height = cv->hc_av;
		hc_assume(cv, top);
	}
	if (av != 0) {
		/*
		 * A verdict known stays (a bad signature is refused and its
		 * sender punished, as before the checkpoint was seen), and a
		 * block in a running check waits for its verdict: the outcome
		 * of a started check is the synchronous one (a reviewer's
		 * finding, 2026-12-01).
		 */
		cv->av_height = av;
		for (h = cv->validated + 1; h <= av; h++) {
			s = slot_of(cv, h);
			if (s->sig == CV_SIG_UNKNOWN && !s->in_job) {
				s->sig = CV_SIG_ASSUMED;
				cv->av_skipped++;
			}
		}
	} else if (cv->av_on && !cv->av_passed && cv->hc_av == 0) {
		/* not proven: wait while blocks come and room lasts, else
		 * check the lower half in full (that moves the commit point
		 * and so the window) */
		if (cv->av_more && top - cv->validated <= cv->av_lookahead)
			return 0;
		if (top - cv->validated > cv->av_lookahead)
			top -= cv->av_lookahead / 2;
		else
			top -= (top - cv->validated) / 2;
	}
	/* the blocks in order from the next height: checks in parallel,
	   those of a check still running in the next one */
	if (!cv->checking) {
		for (h = cv->validated + 1; h <= top; h++) {
			s = slot_of(cv, h);
			if (s->sig == CV_SIG_UNKNOWN)
				cv->run[nrun++] = s;
		}
		check_start(cv, nrun);
	}
	for (h = cv->validated + 1; h <= top; h++) {
		s = slot_of(cv, h);
		if (s->sig == CV_SIG_UNKNOWN)
			break;		/* its check is still to come */
		if ((e = validate_checked(cv, s, h, now_ms, &b)) != BLOCK_OK) {
			bad->height = h;
			bad->ip = s->ip;
			bad->err = e;
			break;
		}
		link_from(&cv->last, &b);
		cv->validated = h;
		if (cv->av_on && memcmp(b.hash, cv->av_hash,
		    BLOCK_HASH_LEN) == 0)
			av_pass(cv);
		n++;
	}
	return n;
}

uint32_t
cv_drop(struct chainview *cv, uint64_t from, struct netaddr ip, cv_dropped_fn fn,
    void *arg)
{
	struct cv_slot	*s;
	uint64_t	 h, run = 0;
	uint32_t	 n = 0, runlen = 0;

	if (from <= cv->validated)
		from = cv->validated + 1;
	cv->av_linked = 0;	/* a held block may go: walk again */
	for (h = from; h < cv->ring_low + cv->cap; h++) {
		s = slot_of(cv, h);
		if (s->raw != NULL && s->height == h &&
		    (netaddr_is_zero(&ip) || netaddr_eq(&s->ip, &ip))) {
			slot_free(cv, s);
			n++;
			if (runlen == 0)
				run = h;
			runlen++;
			continue;
		}
		if (runlen && fn)
			fn(arg, run, runlen);
		runlen = 0;
		if (cv->nheld == 0)
			break;
	}
	if (runlen && fn)
		fn(arg, run, runlen);
	return n;
}

int
cv_waiting_reorg(const struct chainview *cv)
{
	return cv->active && cv->reorg && cv->queued == cv->base;
}

int
cv_batch(struct chainview *cv, uint32_t max_blocks, size_t max_bytes,
    struct cv_batch *bt)
{
	const struct cv_slot	*s;
	uint64_t		 h;

	memset(bt, 0, sizeof(*bt));
	if (!cv->active || cv->queued >= cv->validated)
		return 0;
	/* fork choice: another branch only when it is longer than ours */
	if (cv->reorg && cv->queued == cv->base &&
	    cv->validated <= cv->old_tip)
		return -1;
	bt->first = cv->queued + 1;
	bt->rollback = cv->reorg && cv->queued == cv->base;
	bt->rollback_to = cv->base;
	for (h = bt->first; h <= cv->validated && bt->count < max_blocks;
	    h++) {
		s = slot_of(cv, h);
		if (bt->count > 0 && bt->bytes + s->len > max_bytes)
			break;
		bt->bytes += s->len;
		bt->count++;
		if (s->sig == CV_SIG_ASSUMED) {
			if (bt->unchecked_lo == 0)
				bt->unchecked_lo = h;
			bt->unchecked_hi = h;
		}
	}
	cv->queued = bt->first + bt->count - 1;
	return 1;
}

int
cv_batch_full(const struct chainview *cv, uint32_t max_blocks,
    size_t max_bytes)
{
	const struct cv_slot	*s;
	uint64_t		 h;
	uint32_t		 n = 0;
	size_t			 bytes = 0;

	if (!cv->active || cv->queued >= cv->validated)
		return 0;
	for (h = cv->queued + 1; h <= cv->validated; h++) {
		s = slot_of(cv, h);
		if (n > 0 && bytes + s->len > max_bytes)
			return 1;
		bytes += s->len;
		if (++n == max_blocks)
			return 1;
	}
	return 0;
}

int
cv_batch_due(const struct chainview *cv, int in_stored, uint32_t in_flight,
    double waited, double wait_max, uint32_t max_blocks, size_t max_bytes)
{
	if (in_flight == 0 || cv_batch_full(cv, max_blocks, max_bytes))
		return 1;
	return in_stored == 0 && waited >= wait_max;
}

const struct cv_slot *
cv_slot(const struct chainview *cv, uint64_t h)
{
	const struct cv_slot *s;

	if (h < cv->ring_low || h >= cv->ring_low + cv->cap)
		return NULL;
	s = slot_of(cv, h);
	return s->raw != NULL && s->height == h ? s : NULL;
}

void
cv_committed(struct chainview *cv, const struct cv_batch *bt)
{
	struct cv_slot	*s;
	struct block	 b;
	uint64_t	 h, last = bt->first + bt->count - 1;

	s = slot_of(cv, last);
	if (s->raw && slot_block(s, &b) == BLOCK_OK)
		cv_set_tip_link(cv, &b);
	for (h = bt->first; h <= last; h++)
		slot_free(cv, slot_of(cv, h));
	cv->ring_low = last + 1;
	if (bt->rollback)
		cv->reorg = 0;
}

void
cv_unchecked_after(const struct cv_batch *bt, uint64_t *lo, uint64_t *hi)
{
	uint64_t last = bt->first + bt->count - 1;

	if (bt->rollback && bt->count > 0 && *hi > last)
		*hi = last;
	else if (bt->rollback && bt->count == 0 && *hi > bt->rollback_to)
		*hi = bt->rollback_to;	/* a cut: exactly this */
	if (*lo > *hi)
		*lo = *hi = 0;
	if (bt->unchecked_lo == 0)
		return;
	if (*lo == 0 || bt->unchecked_lo < *lo)
		*lo = bt->unchecked_lo;
	if (bt->unchecked_hi > *hi)
		*hi = bt->unchecked_hi;
}

void
cv_uncommit(struct chainview *cv, const struct cv_batch *bt)
{
	if (cv->queued >= bt->first)
		cv->queued = bt->first - 1;
}
