/* SPDX-License-Identifier: ISC */
/*
 * syncd.h - syncd's state, shared by its modules (syncd.c: IPC dispatch
 * and catch-up rounds, moved by catchup_fsm(); produce.c: block
 * production).  The pure modules it holds: planner.h, chainview.h,
 * vpool.h, storeq.h (requests to stored), catchup.h (the round's
 * states).
 */
#ifndef TIMENODE_SYNCD_H
#define TIMENODE_SYNCD_H

#include "block.h"
#include "chainview.h"
#include "catchup.h"
#include "planner.h"
#include "storeq.h"
#include "vpool.h"
#include "worker.h"

#define SYNC_RANGE_MAX		256	/* heights per request */
#define SYNC_BYTES_CAP		(128u << 20)	/* received, not committed */
#define SYNC_BAN_S		3600	/* misbehaving peers */
/*
 * The headers-first phase of one round, at most (seconds): a lead that
 * answers each GET_HEADERS with 2000 linked made-up headers just before
 * the request deadline held a round ~88 min for 2^20 headers (a
 * reviewer's finding).  An honest 2^20 headers are 94 MB: 120 s is
 * ~0.8 MB/s.  Past it every signature is checked, as without headers.
 */
#define SYNC_HEADERS_MAX_S	120.0
#define SYNC_FUTURE_BAN_MS	(2ull * 3600 * 1000) /* a block dated further
					   ahead: no clock skew explains it */
#define BATCH_WAIT_S		0.05	/* a part batch waits at most */
/*
 * A round that ends at its target logs its end ("caught up to height
 * ...") at info when it committed at least this many blocks, else at
 * debug, and its start ("catching up: ...") at info when the leading
 * peer claims at least this many blocks above our tip: a node following
 * the tip, a block or a few at a time, logs nothing at info for it
 * (docs/sync.md, "Catch-up").
 */
#define SYNC_DONE_LOG_MIN	64
#define BATCH_BYTES		(IPC_MAX_BLOCK_BYTES - 4 * IPC_MAX_BLOCKS)

/* syncd's requests to stored: the rows of its storeq table (syncd.c) */
enum sreq_kind {
	SR_TIP,			/* tip height and hash */
	SR_TIP_BLOCK,		/* the tip block itself */
	SR_LOCATOR,		/* our locator hashes */
	SR_FORK_BLOCK,		/* the block at the fork point */
	SR_APPEND_SYNC,		/* a catch-up batch */
	SR_APPEND_PRODUCE,	/* a batch of our own blocks */
	SR_APPEND_ANNOUNCED,	/* one block a peer announced */
	SR_AUDIT_READ,		/* stored blocks whose signatures are not
				   verified yet, to verify them */
	SR_AUDITED,		/* those found good */
	SR_AUDIT_CUT,		/* cut the chain below a bad one */
	SR_RANGE,		/* the unchecked range after a rollback */
	SR_NKINDS
};

struct production {
	int		 active;
	int		 internal;	/* the block_interval timer */
	uint32_t	 sup_reqid;	/* IPC_PRODUCE to answer */
	uint32_t	 remaining;
	uint32_t	 done;
	uint32_t	 payload_bytes;
	struct cv_link	 tip;		/* what we build on */
	double		 next_timed;
};

struct syncd {
	struct worker		*w;
	struct genesis		 gen;
	int			 producer;	/* index, -1: not producing */
	uint8_t			 pk[BLOCK_PUBKEY_LEN];
	uint8_t			 sk[BLOCK_SECKEY_LEN];
	struct ipc_chan		*store;
	struct ipc_chan		*net;
	struct event		*tick;
	struct event		*checked;	/* vpool_fd: a check is done */
	struct planner		 pl;
	struct chainview	 cv;
	struct vpool		*pool;		/* signature checks */
	unsigned		 cpus;		/* online, seen before the
						   sandbox */
	enum catchup_state	 state;		/* catchup_fsm() sets it */
	struct storeq		 sq;		/* requests to stored */
	/* the round */
	struct netaddr		 lead_ip;
	uint32_t		 loc_reqid;
	double			 loc_deadline;
	uint8_t			*lead_buf;	/* its answer, while we look */
	size_t			 lead_len;	/* up the fork block */
	struct ipc_blocks	 lead_blocks;	/* pointing into lead_buf */
	struct cv_link		 lead_first;	/* its first block */
	uint32_t		 block_len_max;	/* largest block this round */
	double			 last_progress;
	double			 round_started;	/* its lead chosen (mono s) */
	uint64_t		 round_committed; /* committed then */
	uint64_t		 round_goal;	/* the height its peers claimed */
	double			 held_since;	/* the oldest validated block
						   not handed to stored yet was
						   validated then; 0: none */
	uint64_t		 refused_from;	/* first height of this round's
						   batch stored refused; 0 */
	uint64_t		 held_future;	/* height held in this round:
						   dated ahead, not due */
	/* headers first (CS_HEADERS, docs/sync.md "Trusted checkpoint") */
	uint32_t		 hd_reqid;	/* the lead's headers asked */
	uint32_t		 hd_asked;	/* how many */
	double			 hd_deadline;
	double			 hd_started;	/* CS_HEADERS entered */
	struct netaddr		 hd_failed;	/* a lead whose headers did
						   not reach the checkpoint:
						   not asked again */
	/* production */
	struct production	 prod;
	/* status */
	uint64_t		 committed;	/* blocks, since start */
	uint64_t		 rate_mark;
	double			 rate_t;
	double			 rate;		/* blocks/s, smoothed */
	struct ipc_hist		 request_hist;	/* metrics: request latency */
	uint64_t		 req_timeouts;	/* block requests given up at
						   their deadline (or with
						   their silent peer) */
	uint64_t		 stalls;	/* peers found stalling */
	int			 store_seen;	/* stored was connected once */
	uint64_t		 av_logged;	/* checkpoint height logged */
	/*
	 * Stored blocks whose signatures are not verified yet (assumevalid,
	 * docs/sync.md "Trusted checkpoint"): heights uv_lo ... uv_hi, both
	 * 0 when none.  From stored's tip answer and our own appends; the
	 * audit (syncd.c) verifies them from uv_lo up while idle.
	 */
	uint64_t		 uv_lo;
	uint64_t		 uv_hi;
	uint64_t		 audit_bad;	/* last bad height logged */
	int			 audit_logged;	/* its start logged */
	int			 av_revoked;	/* assumevalid switched off by
						   a bad signature found */
};

/* syncd.c */
/* queue a request to stored (storeq_push); body moves to the queue */
struct sreq *syncd_store_enqueue(struct syncd *, enum sreq_kind,
	    struct wbuf *body);
void	syncd_announce(struct syncd *, const uint8_t *raw, uint32_t len);
int	syncd_append_queued(const struct syncd *);
void	syncd_kick(struct syncd *);
/*
 * End the round for local work (production, a block announced after our
 * tip) when no peer has sent us a block above height above: a claimed
 * height alone blocks nothing (issue 11 item 4).  1 when we are idle now.
 */
int	syncd_yield_round(struct syncd *, uint64_t above, const char *why);
/* re-read stored's tip (once: not while a tip request is queued) */
void	syncd_request_tip(struct syncd *);
uint64_t now_ms(void);
/*
 * 1 while stored holds blocks whose signatures are not verified yet: no
 * block is announced and none produced (a node builds only on a chain it
 * has verified; docs/sync.md "Trusted checkpoint").
 */
int	syncd_unverified(const struct syncd *);

/* produce.c */
int	produce_load_key(struct syncd *, char *err, size_t errlen);
void	produce_request(struct syncd *, uint32_t reqid,
	    const struct ipc_produce *);
void	produce_tick(struct syncd *, double now);
/* stored answered one of our batches (a storeq handler) */
enum storeq_verdict produce_result(void *syncd, struct sreq *,
	    const void *ipc_result);
void	produce_answer(struct syncd *, uint8_t code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
