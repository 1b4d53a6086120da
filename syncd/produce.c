/* SPDX-License-Identifier: ISC */
/*
 * produce.c - block production: the block_interval timer and
 * "timenodectl produce N".
 *
 * Only a node whose producer key (a key file, or "devnet") is in the
 * genesis key set produces.  Blocks are built on our tip, signed, and
 * committed through stored in batches like any other blocks; the answer
 * to IPC_PRODUCE goes out once all are committed, and the last block of
 * each batch is announced to every peer at once.  Production is refused
 * while catching up to a height a peer has proven (sent a block of): a
 * node that is behind would only build a branch that loses.  A claimed
 * height alone refuses nothing (issue 11 item 4): such a round is ended.
 */
#include <arpa/inet.h>

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "syncd.h"

int
produce_load_key(struct syncd *s, char *err, size_t errlen)
{
	const char	*path = s->w->cfg.producer_key;
	char		 hex[2 * BLOCK_PUBKEY_LEN + 1];

	if (keyfile_load(path, s->pk, s->sk, err, errlen) == -1)
		return -1;
	if ((s->producer = genesis_producer_index(&s->gen.info, s->pk)) < 0) {
		sodium_bin2hex(hex, sizeof(hex), s->pk, BLOCK_PUBKEY_LEN);
		snprintf(err, errlen, "%s: public key %s is not a producer of "
		    "network \"%s\"", path, hex, s->gen.info.network);
		sodium_memzero(s->sk, sizeof(s->sk));
		return -1;
	}
	return 0;
}

void
produce_answer(struct syncd *s, uint8_t code, const char *fmt, ...)
{
	struct ipc_result	res;
	va_list			ap;

	if (s->prod.internal || s->prod.sup_reqid == 0)
		return;
	memset(&res, 0, sizeof(res));
	res.code = code;
	res.height = s->cv.tip_height;
	memcpy(res.hash, s->cv.tip.b.hash, IPC_HASH_LEN);
	res.count = s->prod.done;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(res.reason, sizeof(res.reason), fmt, ap);
		va_end(ap);
	}
	ipc_compose(s->w->ctl, IPC_PRODUCE_ACK, s->prod.sup_reqid, &res);
}

/* refuse a request that cannot start, without touching s->prod */
static void
refuse(struct syncd *s, uint32_t reqid, uint8_t code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
refuse(struct syncd *s, uint32_t reqid, uint8_t code, const char *fmt, ...)
{
	struct ipc_result	res;
	va_list			ap;

	memset(&res, 0, sizeof(res));
	res.code = code;
	res.height = s->cv.tip_height;
	memcpy(res.hash, s->cv.tip.b.hash, IPC_HASH_LEN);
	va_start(ap, fmt);
	vsnprintf(res.reason, sizeof(res.reason), fmt, ap);
	va_end(ap);
	log_info("produce refused: %s", res.reason);
	ipc_compose(s->w->ctl, IPC_PRODUCE_ACK, reqid, &res);
}

static int
can_produce(struct syncd *s, uint32_t reqid)
{
	if (s->producer < 0) {
		refuse(s, reqid, IPC_ERR_REFUSED, "this node has no producer "
		    "key ([sync] producer_key)");
		return 0;
	}
	if (s->state == CS_START) {
		refuse(s, reqid, IPC_ERR_BUSY, "not ready: the chain is not "
		    "loaded yet");
		return 0;
	}
	if (s->prod.active) {
		refuse(s, reqid, IPC_ERR_BUSY, "already producing");
		return 0;
	}
	if (syncd_unverified(s)) {
		refuse(s, reqid, IPC_ERR_REFUSED, "signatures of blocks "
		    "%llu..%llu not yet verified: a node builds only on a "
		    "chain it has verified (docs/sync.md, \"Trusted "
		    "checkpoint\")", (unsigned long long)s->uv_lo,
		    (unsigned long long)s->uv_hi);
		return 0;
	}
	if (!syncd_yield_round(s, s->cv.tip_height, "production asked "
	    "while no peer has shown a block above our tip")) {
		refuse(s, reqid, IPC_ERR_REFUSED, "catching up (height %llu "
		    "of %llu): a node that is behind does not produce",
		    (unsigned long long)s->cv.tip_height,
		    (unsigned long long)s->pl.target);
		return 0;
	}
	return 1;
}

static void
start(struct syncd *s, uint32_t reqid, uint32_t count, uint32_t payload,
    int internal)
{
	memset(&s->prod.tip, 0, sizeof(s->prod.tip));
	s->prod.active = 1;
	s->prod.internal = internal;
	s->prod.sup_reqid = reqid;
	s->prod.remaining = count;
	s->prod.done = 0;
	s->prod.payload_bytes = payload;
	syncd_kick(s);
}

void
produce_request(struct syncd *s, uint32_t reqid, const struct ipc_produce *p)
{
	uint32_t payload = p->payload_bytes;

	if (payload == 0)
		payload = (uint32_t)s->w->cfg.payload_bytes;
	if (p->count == 0 || p->count > IPC_PRODUCE_MAX) {
		refuse(s, reqid, IPC_ERR_RANGE, "count must be 1..%u",
		    IPC_PRODUCE_MAX);
		return;
	}
	if (payload > BLOCK_PAYLOAD_MAX) {
		refuse(s, reqid, IPC_ERR_TOO_LARGE, "payload of %u bytes is "
		    "over the block limit of %u", payload, BLOCK_PAYLOAD_MAX);
		return;
	}
	if (!can_produce(s, reqid))
		return;
	log_info("producing %u blocks of %u payload bytes on height %llu",
	    p->count, payload, (unsigned long long)s->cv.tip_height);
	start(s, reqid, p->count, payload, 0);
}

/*
 * n signed blocks of blen bytes each (payload: plen random bytes) on
 * prev, into buf (n * blen bytes); v[i] points at each.
 */
static void
build_blocks(struct syncd *s, struct cv_link prev, uint32_t n, uint32_t plen,
    uint8_t *buf, struct blob *v)
{
	struct block_header	 h;
	struct block		 b;
	uint8_t			*payload = NULL;
	size_t			 blen = BLOCK_HEADER_LEN + BLOCK_SIG_LEN + plen;
	uint64_t		 now = now_ms();
	uint32_t		 i;

	if (plen && (payload = malloc(plen)) == NULL)
		fatal("malloc");
	for (i = 0; i < n; i++) {
		memset(&h, 0, sizeof(h));
		h.height = prev.b.h.height + 1;
		memcpy(h.prev, prev.b.hash, BLOCK_HASH_LEN);
		h.time_ms = now > prev.b.h.time_ms ? now : prev.b.h.time_ms;
		h.producer = (uint16_t)s->producer;
		if (plen)
			randombytes_buf(payload, plen);
		if (block_build(buf + i * blen, &h, payload, plen, s->sk, &b)
		    != blen)
			fatalx("cannot build block %llu",
			    (unsigned long long)h.height);
		v[i].p = buf + i * blen;
		v[i].len = (uint32_t)blen;
		memset(&prev, 0, sizeof(prev));
		prev.b.h = b.h;
		memcpy(prev.b.hash, b.hash, BLOCK_HASH_LEN);
	}
	free(payload);
}

/* build and queue the next batch on our tip */
static void
produce_batch(struct syncd *s)
{
	struct ipc_append	 ap;
	struct blob		*v;
	struct sreq		*r;
	struct wbuf		 w;
	uint8_t			*buf;
	uint32_t		 n, plen = s->prod.payload_bytes;
	size_t			 blen = BLOCK_HEADER_LEN + BLOCK_SIG_LEN + plen;

	n = s->prod.remaining;
	if (n > IPC_MAX_BLOCKS)
		n = IPC_MAX_BLOCKS;
	if (n > BATCH_BYTES / blen)
		n = (uint32_t)(BATCH_BYTES / blen);
	if (n == 0)
		n = 1;
	if ((buf = malloc(n * blen)) == NULL ||
	    (v = calloc(n, sizeof(*v))) == NULL)
		fatal("malloc");
	build_blocks(s, s->cv.tip, n, plen, buf, v);
	memset(&ap, 0, sizeof(ap));
	ap.blocks.count = n;
	ap.blocks.v = v;
	wbuf_init(&w, IPC_MAX_MSG);
	ipc_append_encode(&w, &ap);
	r = syncd_store_enqueue(s, SR_APPEND_PRODUCE, &w);
	r->nblocks = n;
	if ((r->last = malloc(blen)) == NULL)
		fatal("malloc");
	memcpy(r->last, buf + (n - 1) * blen, blen);
	r->lastlen = (uint32_t)blen;
	free(v);
	free(buf);
}

enum storeq_verdict
produce_result(void *arg, struct sreq *r, const void *msg)
{
	struct syncd		*s = arg;
	const struct ipc_result	*res = msg;
	struct block		 b;

	if (res->code != IPC_OK) {
		log_warnx("stored refused our blocks: %s (%s)",
		    ipc_code_names[res->code < IPC_NCODES ? res->code :
		    IPC_ERR_MALFORMED], res->reason);
		produce_answer(s, res->code, "stored refused the blocks: %s",
		    res->reason[0] ? res->reason :
		    ipc_code_names[res->code < IPC_NCODES ? res->code :
		    IPC_ERR_MALFORMED]);
		s->prod.active = 0;
		syncd_request_tip(s);
		return STOREQ_DONE;
	}
	if (block_decode(r->last, r->lastlen, &b) != BLOCK_OK)
		fatalx("our own block does not decode");
	cv_set_tip_link(&s->cv, &b);
	cv_reset(&s->cv);
	s->committed += r->nblocks;
	s->prod.done += r->nblocks;
	s->prod.remaining -= r->nblocks;
	syncd_announce(s, r->last, r->lastlen);
	if (s->prod.remaining == 0) {
		if (!s->prod.internal)
			log_info("produced %u blocks, height %llu",
			    s->prod.done, (unsigned long long)b.h.height);
		else
			log_debug("produced block %llu",
			    (unsigned long long)b.h.height);
		produce_answer(s, IPC_OK, NULL);
		s->prod.active = 0;
	}
	return STOREQ_DONE;
}

void
produce_tick(struct syncd *s, double now)
{
	double iv = s->w->cfg.block_interval;

	if (s->prod.active) {
		if (storeq_len(&s->sq) == 0)
			produce_batch(s);
		return;
	}
	if (iv <= 0 || s->producer < 0 || s->prod.next_timed == 0 ||
	    now < s->prod.next_timed)
		return;
	s->prod.next_timed += iv;
	if (s->prod.next_timed < now)
		s->prod.next_timed = now + iv;
	if (syncd_unverified(s)) {
		log_debug("block due, not produced: signatures of blocks "
		    "%llu..%llu not yet verified", (unsigned long long)s->uv_lo,
		    (unsigned long long)s->uv_hi);
		return;
	}
	if (syncd_yield_round(s, s->cv.tip_height, "a block is due while "
	    "no peer has shown a block above our tip"))
		start(s, 0, 1, (uint32_t)s->w->cfg.payload_bytes, 1);
}
