/* SPDX-License-Identifier: ISC */
/*
 * storeq.c - syncd's request queue to stored (see storeq.h): the head is
 * sent, its answer matched by request id and the catalogue's answer type,
 * decoded with the catalogue's decoder and handed to its kind's handler.
 * Kept apart from syncd.c so that the matching, the retries and the
 * re-sends after a restart of stored are one small piece, tested alone.
 */
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "log.h"
#include "storeq.h"

static const struct ipc_msgdef *
answer_def(const struct storeq_kind *k)
{
	const struct ipc_msgdef *req = ipc_msgdef(k->type), *ans;

	if (req == NULL || req->answer == 0 ||
	    (ans = ipc_msgdef(req->answer)) == NULL || ans->decode == NULL)
		return NULL;
	return ans;
}

void
storeq_init(struct storeq *q, const struct storeq_kind *kinds, size_t n,
    storeq_send_fn send, void *arg)
{
	size_t i;

	memset(q, 0, sizeof(*q));
	for (i = 0; i < n; i++)
		if (answer_def(&kinds[i]) == NULL)
			fatalx("storeq: %s has no answer with a decoder",
			    kinds[i].name);
	q->kinds = kinds;
	q->nkinds = n;
	q->send = send;
	q->arg = arg;
}

static struct sreq *
head(struct storeq *q)
{
	return q->len ? &q->q[q->head] : NULL;
}

/* send r (again) under a new request id */
static void
send_one(struct storeq *q, struct sreq *r, double now)
{
	if (++q->reqid == 0)
		q->reqid = 1;
	r->reqid = q->reqid;
	r->sent = now;
	(void)q->send(q->arg, r->type, r->reqid, &r->body);
}

/* the i-th request from the head may go while those before it wait */
static int
may_pipeline(const struct storeq *q, int i)
{
	const struct sreq *r = &q->q[(q->head + i) % STOREQ_MAX];
	const struct sreq *prev = &q->q[(q->head + i - 1) % STOREQ_MAX];

	return i < STOREQ_PIPELINE && q->kinds[r->kind].pipelined &&
	    q->kinds[prev->kind].pipelined;
}

/*
 * Send what may go: the head when nothing is in flight, then the
 * pipelined ones behind it.  Not while a retry is due later (after a
 * backoff everything in flight goes again, under new ids).
 */
static void
send_more(struct storeq *q, double now)
{
	if (q->retry_at != 0)
		return;
	while (q->inflight < q->len &&
	    (q->inflight == 0 || may_pipeline(q, q->inflight))) {
		send_one(q, &q->q[(q->head + q->inflight) % STOREQ_MAX], now);
		q->inflight++;
	}
}

/* everything in flight goes again (stored restarted, a retry is due) */
static void
send_again(struct storeq *q, double now)
{
	q->inflight = 0;
	q->retry_at = 0;
	send_more(q, now);
}

static void
release(struct sreq *r)
{
	wbuf_free(&r->body);
	free(r->last);
	memset(r, 0, sizeof(*r));
}

static void
pop(struct storeq *q, double now)
{
	release(&q->q[q->head]);
	q->head = (q->head + 1) % STOREQ_MAX;
	q->len--;
	q->inflight--;		/* the head was */
	q->backoff = 0;
	send_more(q, now);
}

void
storeq_clear(struct storeq *q)
{
	while (q->len) {
		release(&q->q[q->head]);
		q->head = (q->head + 1) % STOREQ_MAX;
		q->len--;
	}
	q->inflight = 0;
	q->retry_at = 0;
	q->backoff = 0;
}

struct sreq *
storeq_push(struct storeq *q, int kind, struct wbuf *body, double now)
{
	struct sreq *r;

	if (kind < 0 || (size_t)kind >= q->nkinds)
		fatalx("storeq: no request kind %d", kind);
	if (q->len == STOREQ_MAX)
		fatalx("stored request queue overflow");
	r = &q->q[(q->head + q->len) % STOREQ_MAX];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->type = q->kinds[kind].type;
	if (body)
		r->body = *body;	/* ownership moves to the queue */
	else
		wbuf_init(&r->body, 16);
	q->len++;
	send_more(q, now);
	return r;
}

/* the same request again after a while: doubled each time, capped */
static void
retry_later(struct storeq *q, double now)
{
	q->backoff = q->backoff ? q->backoff * 2 : STOREQ_BACKOFF_MIN_S;
	if (q->backoff > STOREQ_BACKOFF_MAX_S)
		q->backoff = STOREQ_BACKOFF_MAX_S;
	q->retry_at = now + q->backoff;
	q->retries++;
	q->inflight = 0;	/* all go again: other answers are stale */
}

/* the outcome an answer carries: a result's, a block read's; else OK */
static uint8_t
answer_code(uint16_t type, const void *msg)
{
	switch (type) {
	case IPC_STORE_RESULT:
		return ((const struct ipc_result *)msg)->code;
	case IPC_STORE_BLOCKS:
		return ((const struct ipc_blocks *)msg)->code;
	default:
		return IPC_OK;
	}
}

/*
 * stored cannot do it now (its disk, or busy): not an answer to act on.
 * A block read that failed (STORE_BLOCKS, code STORAGE: the environment
 * gone after an error, readers full) is one too: handed on as "no such
 * block", syncd asked for the tip and the block again at once, a loop
 * without backoff for as long as the store could not be read (a
 * reviewer's finding, 2026-11-30).
 */
static int
stored_away(const struct storeq_kind *k, uint16_t type, const void *msg)
{
	uint8_t code = answer_code(type, msg);

	if (code != IPC_ERR_STORAGE && code != IPC_ERR_BUSY)
		return 0;
	if (k->warn_busy)
		log_warnx("stored: %s, retrying", ipc_code_names[code]);
	else
		log_debug("stored: %s, retrying %s", ipc_code_names[code],
		    k->name);
	return 1;
}

/* decode, hand to the handler; STOREQ_DONE or STOREQ_RETRY */
static enum storeq_verdict
take(struct storeq *q, const struct ipc_msgdef *d, struct sreq *r,
    struct rbuf *body)
{
	const struct storeq_kind	*k = &q->kinds[r->kind];
	enum storeq_verdict		 v = STOREQ_RETRY;
	void				*msg;

	if ((msg = calloc(1, d->size)) == NULL)
		fatal("calloc");
	if (d->decode(body, msg) == -1)
		log_warnx("stored: malformed %s, asking again", d->name);
	else if (!stored_away(k, d->type, msg))
		v = k->handler(q->arg, r, msg);
	if (d->release)
		d->release(msg);
	free(msg);
	return v;
}

/*
 * stored refused the head with STORE_RESULT, an error, where the head's
 * own answer is another type (a tip, a locator, a block: stored may
 * answer any request so, ipc.h).  Returns 1 when it is such a refusal
 * (the caller asks again after a backoff; before, it was dropped as
 * stale and the request went again only after STOREQ_RESEND_S, a 30 s
 * stall of catch-up while stored was busy), 0 for anything else.
 */
static int
refusal(const struct sreq *r, const struct ipc_msgdef *d, uint16_t type,
    struct rbuf *body)
{
	const struct ipc_msgdef	*rd = ipc_msgdef(IPC_STORE_RESULT);
	struct ipc_result	 res;
	struct rbuf		 peek = *body;

	if (type != IPC_STORE_RESULT || d->type == IPC_STORE_RESULT)
		return 0;
	memset(&res, 0, sizeof(res));
	if (rd->decode(&peek, &res) == -1 || res.code == IPC_OK ||
	    res.code >= IPC_NCODES)
		return 0;
	log_warnx("stored refused %s: %s%s%s, asking again",
	    ipc_type_name(r->type), ipc_code_names[res.code],
	    res.reason[0] ? ": " : "", res.reason);
	return 1;
}

int
storeq_answer(struct storeq *q, uint16_t type, uint32_t reqid,
    struct rbuf *body, double now)
{
	const struct ipc_msgdef	*d;
	struct sreq		*r;

	if ((r = head(q)) == NULL || q->inflight == 0) {
		q->stale++;	/* nothing asked, or all to go again */
		return 0;
	}
	d = answer_def(&q->kinds[r->kind]);
	if (reqid == r->reqid && refusal(r, d, type, body)) {
		retry_later(q, now);
		return -1;
	}
	if (reqid != r->reqid || type != d->type) {
		log_debug("stored: stale %s dropped", ipc_type_name(type));
		q->stale++;
		return 0;
	}
	if (take(q, d, r, body) == STOREQ_RETRY) {
		retry_later(q, now);
		return -1;
	}
	pop(q, now);
	return 1;
}

void
storeq_tick(struct storeq *q, double now)
{
	struct sreq *r = head(q);

	if (r == NULL)
		return;
	if ((q->retry_at && now >= q->retry_at) ||
	    (q->inflight > 0 && now - r->sent > STOREQ_RESEND_S))
		send_again(q, now);
}

int
storeq_reconnected(struct storeq *q, double now)
{
	if (q->len == 0)
		return 0;
	log_debug("stored connected: sending our requests again");
	send_again(q, now);
	return q->inflight;
}

int
storeq_len(const struct storeq *q)
{
	return q->len;
}

/* requests queued with kind (when kind >= 0) or IPC type (else) */
static int
queued(const struct storeq *q, int kind, uint16_t type)
{
	const struct sreq	*r;
	int			 i, n = 0;

	for (i = 0; i < q->len; i++) {
		r = &q->q[(q->head + i) % STOREQ_MAX];
		if (kind >= 0 ? r->kind == kind : r->type == type)
			n++;
	}
	return n;
}

int
storeq_has_kind(const struct storeq *q, int kind)
{
	return queued(q, kind, 0) > 0;
}

int
storeq_has_type(const struct storeq *q, uint16_t type)
{
	return queued(q, -1, type) > 0;
}

const struct sreq *
storeq_at(const struct storeq *q, int i)
{
	if (i < 0 || i >= q->len)
		return NULL;
	return &q->q[(q->head + i) % STOREQ_MAX];
}

int
storeq_count_kind(const struct storeq *q, int kind)
{
	return queued(q, kind, 0);
}

int
storeq_count_type(const struct storeq *q, uint16_t type)
{
	return queued(q, -1, type);
}
