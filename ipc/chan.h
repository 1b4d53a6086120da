/* SPDX-License-Identifier: ISC */
/*
 * chan.h - an nng pair0 socket living in a libevent loop.
 *
 * One ipc_chan is one channel between two processes.  Received messages
 * are checked against the catalogue in msg.c (sender, receiver, version,
 * size) and against the peer's pid and uid at connection time before the
 * handler sees them; rejects are logged and dropped.  Sends never block:
 * a message that cannot go out at once waits in a bounded queue, for the
 * peer process connected when it was sent: when that one goes, what is
 * queued for it is dropped, and the next peer process gets only what is
 * sent after the state handler told of it (and, from a channel that
 * never had a peer yet, what was queued before it came).
 */
#ifndef TIMENODE_CHAN_H
#define TIMENODE_CHAN_H

#include <sys/types.h>

#include "ipc.h"

struct event_base;
struct ipc_chan;

typedef void (*ipc_handler)(struct ipc_chan *, const struct ipc_hdr *,
    struct rbuf *body, void *arg);
typedef void (*ipc_state_handler)(struct ipc_chan *, int connected,
    void *arg);

#define IPC_SENDQ_MAX	1024
#define IPC_SENDQ_BYTES	(64u << 20)	/* and at most this much queued */
#define IPC_NNG_SENDBUF	64	/* messages nng itself queues (SENDBUF) */
#define IPC_ANY_PID	(-1)	/* ipc_set_peer_pid: accept any pid */
/*
 * One wakeup of a channel hands its handler at most IPC_RECV_BATCH
 * messages, and none more once IPC_RECV_BUDGET_NS (ns) of handling has
 * passed; the rest waits until no other event is ready (chan.c,
 * chan_recv_cb and chan_defer), on a base set up by ipc_base_setup.
 */
#define IPC_RECV_BATCH		256
#define IPC_RECV_BUDGET_NS	1000000
/*
 * Event priorities of a base that runs channels: every event is created
 * at libevent's default, the middle one; a channel's rest waits at
 * IPC_PRIO_LAST, which runs only in a turn with no other event ready.
 */
#define IPC_NPRIORITIES		3
#define IPC_PRIO_LAST		2
/* a deferred channel is read again after this long (us) at the latest */
#define IPC_DEFER_MAX_US	10000

/*
 * Bind (listen) or connect (dial) to the socket at path; only peer_pid may
 * be on the other end (0: nobody yet, see ipc_set_peer_pid).  With wait, a
 * dial blocks until connected.  Returns NULL after logging why.
 */
struct ipc_chan	*ipc_listen(struct event_base *, const char *path,
		    enum ipc_proc self, enum ipc_proc peer, pid_t peer_pid,
		    ipc_handler, void *arg);
struct ipc_chan	*ipc_dial(struct event_base *, const char *path,
		    enum ipc_proc self, enum ipc_proc peer, pid_t peer_pid,
		    int wait, ipc_handler, void *arg);
/*
 * h(chan, connected, arg) is called when a peer came (1) or went (0); a
 * peer replaced between two wakeups of the loop gives 0 then 1.  What a
 * new peer process needs (a greeting, requests to send again) is sent
 * from here: nothing queued for the one before reaches it.
 */
void		 ipc_set_state_handler(struct ipc_chan *, ipc_state_handler);
/* Only a process with this pid may connect; 0 refuses everybody. */
void		 ipc_set_peer_pid(struct ipc_chan *, pid_t);
int		 ipc_connected(const struct ipc_chan *);
/*
 * Queue type, reqid and body (NULL: empty; copied, stays the caller's)
 * for the peer and send what nng takes now.  Returns 0 when queued, -1
 * when not: body's encoding failed, the queue is full (IPC_SENDQ_MAX
 * messages, IPC_SENDQ_BYTES bytes), out of memory, or the peer went and
 * no other came yet (the state handler says when one does).  Queued
 * before a channel's first peer came, it goes to that peer.
 */
int		 ipc_send(struct ipc_chan *, uint16_t type, uint32_t reqid,
		    const struct wbuf *body);
/*
 * Compose and send: encode msg, a struct of the type's codec in the
 * catalogue (msg.c), into a buffer bounded by the type's maximum size,
 * send it as type with reqid, wipe the bytes of a secret type, free.
 * The one way to send a message: msg NULL with size 0 sends a type
 * without codec with an empty body; ipc_send sends one built by hand
 * (raw bytes, streamed answers).  Returns 0, or -1 after logging why: a
 * type this channel may not carry from us, msg not of the type's struct
 * (size is sizeof *msg: the ipc_compose macro gives it), too large, or
 * ipc_send failing.  As httpd's proc_compose_imsg, with a typed body.
 */
int		 ipc_compose_sized(struct ipc_chan *, uint16_t type,
		    uint32_t reqid, const void *msg, size_t size);
#define ipc_compose(c, type, reqid, msg)				\
	ipc_compose_sized((c), (type), (reqid), (msg), sizeof(*(msg)))
const char	*ipc_chan_name(const struct ipc_chan *);
/*
 * Run base's loop until done(arg) is true or CLOCK_MONOTONIC reaches
 * deadline (seconds); a timer ends each turn within step seconds, and at
 * the deadline, so both are checked while nothing happens.  For waits at
 * start-up and in tests (an answer, a heartbeat), not the main loop.
 * Returns done(arg)'s last answer.
 */
int		 ipc_loop_until(struct event_base *, int (*done)(void *),
		    void *arg, double deadline, double step);
/*
 * Give a new base the IPC_NPRIORITIES priorities, before any event is
 * made on it: 0, or -1 (libevent refused; channels then work without
 * deferring).
 */
int		 ipc_base_setup(struct event_base *);
/* messages waiting in the send queue (metrics); 0 for NULL */
uint32_t	 ipc_chan_queued(const struct ipc_chan *);
void		 ipc_close(struct ipc_chan *);

#endif
