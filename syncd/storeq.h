/* SPDX-License-Identifier: ISC */
/*
 * storeq.h - syncd's requests to stored: in order, one at a time but
 * for catch-up batches, two of which may be in flight.
 *
 * stored answers one request at a time, in the order sent, and every
 * request syncd sends is idempotent, so the queue sends its head and may
 * send it again whenever it likes; but for two batches in flight, of
 * which stored may have committed both when the first goes again: it is
 * then answered with the second's last height (syncd takes that,
 * docs/sync.md "Restarts").  A kind marked pipelined may also go
 * while the one before it, pipelined too, awaits its answer, up to
 * STOREQ_PIPELINE in flight: stored then starts a catch-up batch as soon
 * as it has committed the last one instead of after a round trip through
 * syncd (issue 12: the checkpoint catch-up is bound by stored's appends,
 * one after the other).  Answers are still matched to the head only;
 * when the head is to go again (backoff, stored restarted, no answer)
 * everything in flight goes again under new ids, and the answers to the
 * old ones are stale.  A table (struct storeq_kind, one row per request
 * kind) says which IPC type a kind sends and which handler takes its
 * answer; the answer's type and decoder are the IPC catalogue's (msg.c:
 * ipc_msgdef()->answer and ->decode), not a second copy.  The queue owns
 * the request ids, matching an answer to the head (any other answer is
 * stale: dropped and logged at debug), the retry with backoff while
 * stored is away or busy, and sending the head again when stored
 * restarts.  Pure: no event loop, no clock of its own (the caller gives
 * the time: now is mono_now(), in seconds), sending through a callback;
 * tested alone (test_storeq.c).  Why one at a time: docs/sync.md,
 * "Restarts"; stored may also answer any request with STORE_RESULT
 * (ipc.h, the catalogue): for an append that is its answer; for any
 * other request an error result is a refusal, the same request again
 * after the backoff (it was dropped as stale and sent again only after
 * STOREQ_RESEND_S, 30 s, before), and an OK result is stale.
 */
#ifndef TIMENODE_STOREQ_H
#define TIMENODE_STOREQ_H

#include <stddef.h>
#include <stdint.h>

#include "chainview.h"
#include "codec.h"
#include "netaddr.h"

#define STOREQ_MAX		8	/* requests waiting, the head included */
#define STOREQ_PIPELINE		2	/* in flight, pipelined kinds only */
#define STOREQ_RESEND_S		30.0	/* no answer from stored: again */
#define STOREQ_BACKOFF_MIN_S	0.2	/* stored busy: first wait, doubled */
#define STOREQ_BACKOFF_MAX_S	10.0	/* ... up to this */

/* one request; the fields after reqid are its kind's context */
struct sreq {
	int		 kind;		/* row of the table */
	uint16_t	 type;		/* IPC request type (from the row) */
	struct wbuf	 body;		/* encoded once, sent as often */
	uint32_t	 reqid;		/* of the last send; 0: not sent */
	double		 sent;		/* when, mono_now() seconds */
	uint64_t	 height;	/* a single block asked for */
	struct cv_batch	 batch;		/* a catch-up batch appended */
	uint32_t	 nblocks;	/* blocks of our own or announced */
	uint8_t		*last;		/* the last block (to announce); owned
					   by the queue, freed on pop */
	uint32_t	 lastlen;
	struct netaddr	 from_ip;	/* the peer that announced it */
};

/* what a handler made of the answer */
enum storeq_verdict {
	STOREQ_DONE,	/* taken: the request leaves the queue */
	STOREQ_RETRY,	/* not now: the same request again after a backoff */
};

/*
 * A handler gets the request (still the head: it may queue more behind
 * it) and the decoded answer (struct ipc_<name> of the answer type;
 * released by the queue after the call).
 */
typedef enum storeq_verdict (*storeq_handler)(void *arg, struct sreq *,
    const void *answer);
/* send one message to stored; body stays the caller's.  0 or -1 */
typedef int (*storeq_send_fn)(void *arg, uint16_t type, uint32_t reqid,
    const struct wbuf *body);

struct storeq_kind {
	const char	*name;		/* for the log */
	uint16_t	 type;		/* the request's IPC type */
	storeq_handler	 handler;
	int		 warn_busy;	/* "stored busy" at warning, not debug */
	int		 pipelined;	/* may go while one before it, of a
					   pipelined kind, is unanswered */
};

struct storeq {
	const struct storeq_kind *kinds;	/* indexed by sreq.kind */
	size_t		 nkinds;
	storeq_send_fn	 send;
	void		*arg;		/* for send and the handlers */
	struct sreq	 q[STOREQ_MAX];
	int		 head, len;
	int		 inflight;	/* sent and unanswered, from the head
					   (0 while a retry is due) */
	uint32_t	 reqid;		/* the last one used, never 0 */
	double		 retry_at;	/* 0: no retry due */
	double		 backoff;	/* seconds, 0 after an answer */
	uint64_t	 stale;		/* answers dropped: not the head's */
	uint64_t	 retries;	/* busy, storage error or malformed */
};

/*
 * Every kind's request type must have an answer type with a decoder in
 * the IPC catalogue: fatalx otherwise (a programming error).
 */
void	storeq_init(struct storeq *, const struct storeq_kind *, size_t n,
	    storeq_send_fn, void *arg);
/* drop every request (shutdown, tests) */
void	storeq_clear(struct storeq *);
/*
 * Queue a request of kind; body (may be NULL: empty) moves to the queue.
 * Sent at once when it is the only one, or when it and all before it
 * are pipelined and fewer than STOREQ_PIPELINE are in flight.  Returns it, for its context
 * fields.  fatalx on overflow: syncd never has more than a few queued.
 */
struct sreq *storeq_push(struct storeq *, int kind, struct wbuf *body,
	    double now);
/*
 * An answer from stored.  Returns 1 when it answered the head (handler
 * called, head popped, the next one sent unless it was already), 0 when
 * it was stale (another
 * request id or type: dropped), -1 when the head is to be sent again
 * after a backoff (malformed answer, stored busy or failing, or the
 * handler said so).
 */
int	storeq_answer(struct storeq *, uint16_t type, uint32_t reqid,
	    struct rbuf *body, double now);
/* the clock: a retry that is due, or the head unanswered for too long */
void	storeq_tick(struct storeq *, double now);
/*
 * stored (re)connected: whatever it had is lost, what was in flight goes
 * again.  Returns how many requests it sent again (0 ... STOREQ_PIPELINE;
 * 0 when none is queued or a retry is due later).
 */
int	storeq_reconnected(struct storeq *, double now);
int	storeq_len(const struct storeq *);
/* 1 when a request of kind / of IPC type is queued */
int	storeq_has_kind(const struct storeq *, int kind);
int	storeq_has_type(const struct storeq *, uint16_t type);
/* the i-th request from the head (0: the head); NULL when i >= len */
const struct sreq *storeq_at(const struct storeq *, int i);
/* how many requests of kind / of IPC type are queued, 0 ... STOREQ_MAX */
int	storeq_count_kind(const struct storeq *, int kind);
int	storeq_count_type(const struct storeq *, uint16_t type);

#endif
