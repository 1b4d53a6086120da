/* SPDX-License-Identifier: ISC */
/*
 * chan.c - nng pair0 sockets driven by libevent.
 *
 * nng runs its own threads; the loop only sees its pollable descriptors.
 * NNG_OPT_RECVFD is level-signalled and readable while a whole message is
 * queued: we never read it, we receive with NNG_FLAG_NONBLOCK until
 * NNG_EAGAIN.  NNG_OPT_SENDFD polls readable when a send can proceed.
 * Connection changes are seen on an nng thread (pipe notifications): the
 * peer check happens there, and a byte on an eventfd tells the loop.  The
 * peer must be the expected pid, and run as us or root; a listener that
 * is still root (it binds before its privilege drop) takes any uid, the
 * pid check being the one that names the process.
 *
 * A message is for the peer process that was there when it was sent: one
 * queued for a peer that went away is dropped, never handed to the next
 * process on the socket (docs/architecture.md, "A new peer starts
 * afresh").  Two queues hold messages: ours (q[]) and pair0's own send
 * buffer (NNG_OPT_SENDBUF), which nng keeps across pipes and hands to the
 * next one first.  So a new pipe let in after one that was up empties
 * nng's buffer before nng starts it (chan_pipe_cb: setting the buffer's
 * size to 0 frees what it holds), the loop empties ours when it learns of
 * the change, and until then nothing of ours goes to nng (chan_flush):
 * what the owner sent before it heard of the new peer was meant for the
 * old one.  Messages queued before the first peer came are kept.
 */
#include <sys/eventfd.h>
#include <sys/un.h>

#include <errno.h>
#include <event2/event.h>
#include <nng/nng.h>
#include <nng/protocol/pair0/pair.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "log.h"

#ifdef TIMENODE_SANITIZE
/*
 * libnng 1.5.2 (Debian 12) leaks a message that nng_sendmsg accepted when
 * the peer's pipe closes while the message is being handed to it: the send
 * aio is stopped and never completes, so nobody frees the message (fixed
 * upstream after 1.5.2, nanomsg/nng#1643 and the aio stop rework).  A
 * peer killed while we send reproduces it: 9 leaks in 200 kills in a
 * stand-alone program.  It costs at most one message per peer death.  Every
 * message we send is allocated in ipc_send, and our own paths free what
 * nng refused (chan_flush) or never got (ipc_close), so the leak sanitizer
 * is told to ignore allocations made there, in every sanitized binary
 * (workers run with an empty environment, so LSAN_OPTIONS cannot reach
 * them).
 */
const char	*__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:ipc_send\n";
}
#endif

struct ipc_chan {
	nng_socket		 sock;
	nng_listener		 listener;
	nng_dialer		 dialer;
	struct event		*rev;
	struct event		*wev;
	struct event		*sev;
	struct event		*resume;	/* the rest, at IPC_PRIO_LAST */
	struct event		*resume_by;	/* or IPC_DEFER_MAX_US later */
	int			 efd;
	enum ipc_proc		 self;
	enum ipc_proc		 peer;
	ipc_handler		 handler;
	ipc_state_handler	 state_handler;
	void			*arg;
	char			 name[64];
	_Atomic int		 expected_pid;
	/*
	 * pipes[], and gen with every hand-over to nng: a send (chan_flush)
	 * and the emptying of nng's buffer for a new pipe (chan_pipe_cb)
	 * never overlap.
	 */
	pthread_mutex_t		 mtx;
	uint32_t		 pipes[4];	/* accepted pipe ids */
	_Atomic int		 npipes;
	_Atomic unsigned	 gen;		/* pipes let in, ever (ADD_PRE) */
	_Atomic unsigned	 nemptied;	/* nng's buffer emptied for one */
	uint32_t		 last_pipe;	/* the one let in last */
	int			 was_connected;
	int			 ever_connected; /* told connected once */
	unsigned		 seen_gen;	/* gen the owner was told of */
	unsigned		 seen_emptied;	/* nemptied, ours emptied too */
	uint32_t		 told_pipe;	/* last_pipe at seen_gen */
	nng_msg			*q[IPC_SENDQ_MAX];
	size_t			 qhead;
	size_t			 qlen;
	size_t			 qbytes;
	uint64_t		 dropped;
};

/*
 * Count only pipes we let in: a pipe refused in ADD_PRE may still be
 * reported removed, so removal is matched against what was added.
 * Called with c->mtx held.
 */
static void
chan_track_pipe(struct ipc_chan *c, uint32_t id, int added)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < sizeof(c->pipes) / sizeof(c->pipes[0]); i++) {
		if (added && c->pipes[i] == 0) {
			c->pipes[i] = id;
			added = 0;
		} else if (!added && c->pipes[i] == id)
			c->pipes[i] = 0;
		n += c->pipes[i] != 0;
	}
	atomic_store(&c->npipes, n);
}

/*
 * Free what pair0's send buffer holds: nng has no call for it, but a
 * buffer resized to 0 keeps nothing (nni_lmq_resize frees what does not
 * fit), and SENDBUF is set back.  Called with c->mtx held.
 */
static void
chan_empty_nng(struct ipc_chan *c)
{
	nng_socket_set_int(c->sock, NNG_OPT_SENDBUF, 0);
	nng_socket_set_int(c->sock, NNG_OPT_SENDBUF, IPC_NNG_SENDBUF);
}

/*
 * A pipe we let in, counted from here (not from ADD_POST): before nng
 * starts it and hands it its send buffer, the buffer is emptied if a
 * pipe was let in before, for what it holds was queued for that peer (or
 * for nobody, after it went).  Messages queued before the first peer
 * came stay.  gen tells the loop, and holds our own queue back until the
 * loop has heard (chan_flush).
 */
static void
chan_pipe_admitted(struct ipc_chan *c, uint32_t id)
{
	pthread_mutex_lock(&c->mtx);
	if (atomic_load(&c->gen) > 0) {
		chan_empty_nng(c);
		atomic_fetch_add(&c->nemptied, 1);
	}
	atomic_fetch_add(&c->gen, 1);
	c->last_pipe = id;
	chan_track_pipe(c, id, 1);
	pthread_mutex_unlock(&c->mtx);
}

static void
chan_pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct ipc_chan	*c = arg;
	uint64_t	 uid = 0, pid = 0, one = 1;
	int		 want;

	if (ev == NNG_PIPE_EV_ADD_PRE) {
		want = atomic_load(&c->expected_pid);
		if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID, &uid) != 0 ||
		    nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_PID, &pid) != 0 ||
		    (geteuid() != 0 && uid != 0 && uid != (uint64_t)geteuid()) ||
		    (want != IPC_ANY_PID && (uint64_t)want != pid)) {
			log_warnx("%s: refusing connection from pid %llu uid "
			    "%llu (expected pid %d)", c->name,
			    (unsigned long long)pid, (unsigned long long)uid,
			    want);
			nng_pipe_close(p);
			return;
		}
		chan_pipe_admitted(c, (uint32_t)nng_pipe_id(p));
	} else {
		pthread_mutex_lock(&c->mtx);
		chan_track_pipe(c, (uint32_t)nng_pipe_id(p), 0);
		pthread_mutex_unlock(&c->mtx);
	}
	(void)!write(c->efd, &one, sizeof(one));
}

static void	chan_sync_state(struct ipc_chan *);

static void
chan_deliver(struct ipc_chan *c, nng_msg *m)
{
	struct ipc_hdr	 h;
	struct rbuf	 r, body;
	const char	*why;

	rbuf_init(&r, nng_msg_body(m), nng_msg_len(m));
	if (ipc_hdr_decode(&r, &h) == -1) {
		log_warnx("%s: dropped a %zu-byte message: no header", c->name,
		    nng_msg_len(m));
		return;
	}
	if ((why = ipc_check(&h, rbuf_left(&r), c->peer, c->self)) != NULL) {
		log_warnx("%s: dropped message type %u (%s), %zu bytes: %s",
		    c->name, h.type, ipc_type_name(h.type), rbuf_left(&r),
		    why);
		return;
	}
	rbuf_init(&body, r.p + r.off, rbuf_left(&r));
	c->handler(c, &h, &body, c->arg);
}

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* a deferred channel watches its descriptor again, its timers off */
static void
chan_watch_again(struct ipc_chan *c)
{
	event_del(c->resume);
	event_del(c->resume_by);
	if (event_add(c->rev, NULL) == -1)
		log_warnx("%s: cannot watch the channel again", c->name);
}

/*
 * The rest waits until no other event is ready: the channel stops
 * watching its descriptor, and its resume event, at the lowest priority,
 * runs once a turn of the loop finds nothing else to do.  Without the
 * priorities (a base not set up by ipc_base_setup) the descriptor stays
 * watched and the rest comes at the next turn, after the events ready in
 * this one.
 */
static void
chan_defer(struct ipc_chan *c)
{
	static const struct timeval most = { IPC_DEFER_MAX_US / 1000000,
	    IPC_DEFER_MAX_US % 1000000 };
	static const struct timeval zero = { 0, 0 };

	if (c->resume == NULL)
		return;
	event_del(c->rev);
	/*
	 * libevent adds a timeout to the loop's cached time, taken when this
	 * turn's poll returned, before any handler ran: after a turn of
	 * IPC_DEFER_MAX_US or more (one slow message), resume_by was due at
	 * the next poll and the channel went on at the default priority
	 * without waiting for an idle turn; on a base with precise timers
	 * (every timenode base) the resume below never ran for such a
	 * channel.  The timers count from now.
	 */
	event_base_update_cache_time(event_get_base(c->resume));
	/*
	 * A timer due now, not event_active: libevent runs an event made
	 * active from a callback of its own priority in the same pass,
	 * without polling the descriptors again, so a channel deferred from
	 * its resume ran on at once and a message that came meanwhile on
	 * another channel waited for the whole stream (syncd read stored's
	 * append answers 70-110 ms late, issue 12).  A timer becomes active
	 * only after the next poll, behind the descriptors found ready.
	 */
	if (evtimer_add(c->resume, &zero) == 0 &&
	    /*
	     * A loop never idle (a verify's slices on a zero timer, a peer
	     * streaming into netd) would never run IPC_PRIO_LAST: at the
	     * latest IPC_DEFER_MAX_US from now the channel goes on anyway.
	     */
	    evtimer_add(c->resume_by, &most) == 0)
		return;
	/* no timer (out of memory): read on at the next turn, not never */
	chan_watch_again(c);
}

/*
 * Bounded per wakeup, in messages and in the handler's time; the rest
 * waits for the other ready events (chan_defer).  A count alone let a
 * stream of slow messages (syncd validating a peer's 256 blocks in each)
 * hold the loop for as long as they kept coming: stored's append answers
 * waited 40-110 ms behind them and the catch-up's pipeline stood still;
 * and in stored, a locator read waited 100 ms behind two peer-key writes
 * (issue 12).
 */
static void
chan_recv_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ipc_chan	*c = arg;
	nng_msg		*m;
	int64_t		 until = mono_ns() + IPC_RECV_BUDGET_NS;
	int		 i, rv;

	(void)fd;
	(void)ev;
	for (i = 0; i < IPC_RECV_BATCH; i++) {
		rv = nng_recvmsg(c->sock, &m, NNG_FLAG_NONBLOCK);
		if (rv == NNG_EAGAIN)
			return;
		if (rv != 0) {
			log_warnx("%s: receive: %s", c->name, nng_strerror(rv));
			return;
		}
		/*
		 * The owner hears of a new peer before any message of it,
		 * so that what it answers goes to that peer (sent before,
		 * an answer was dropped as meant for the old one); a
		 * message of a peer it was told is gone is dropped.
		 */
		if (atomic_load(&c->gen) != c->seen_gen)
			chan_sync_state(c);
		if (c->was_connected &&
		    (uint32_t)nng_pipe_id(nng_msg_get_pipe(m)) == c->told_pipe)
			chan_deliver(c, m);
		else
			log_debug("%s: a message of a peer that is gone "
			    "dropped", c->name);
		nng_msg_free(m);
		if (mono_ns() >= until)
			break;
	}
	chan_defer(c);
}

static void
chan_resume_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ipc_chan *c = arg;

	(void)fd;
	(void)ev;
	chan_watch_again(c);		/* whichever timer came first */
	chan_recv_cb(-1, EV_READ, c);
}

/*
 * A resume at IPC_PRIO_LAST ends its turn: another deferred channel's
 * resume, made active by the same poll, waits for the next one, behind
 * what became ready meanwhile (a message that came while this channel
 * ran waited for every deferred channel's turn, not for this one alone).
 */
static void
chan_resume_last_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ipc_chan		*c = arg;
	struct event_base	*base = event_get_base(c->resume);

	chan_resume_cb(fd, ev, arg);
	event_base_loopcontinue(base);
}

/* free our queue: what it holds was for a peer that is gone */
static void
chan_drop_queue(struct ipc_chan *c)
{
	if (c->qlen > 0)
		log_debug("%s: %zu queued messages dropped: their peer is "
		    "gone", c->name, c->qlen);
	while (c->qlen > 0) {
		nng_msg_free(c->q[c->qhead]);
		c->q[c->qhead] = NULL;
		c->qhead = (c->qhead + 1) % IPC_SENDQ_MAX;
		c->qlen--;
	}
	c->qbytes = 0;
	if (c->wev != NULL)
		event_del(c->wev);
}

/*
 * Hand the queue to nng, in order, until nng takes no more.  Not while a
 * pipe came that the owner has not heard of (chan_state_cb runs soon and
 * decides): the queue was for the peer before it.
 */
static void
chan_flush(struct ipc_chan *c)
{
	size_t	len;
	int	rv;

	pthread_mutex_lock(&c->mtx);
	if (atomic_load(&c->gen) != c->seen_gen) {
		pthread_mutex_unlock(&c->mtx);
		event_del(c->wev);
		return;
	}
	while (c->qlen > 0) {
		len = nng_msg_len(c->q[c->qhead]);
		rv = nng_sendmsg(c->sock, c->q[c->qhead], NNG_FLAG_NONBLOCK);
		if (rv == NNG_EAGAIN)
			break;
		if (rv != 0) {
			log_warnx("%s: send: %s", c->name, nng_strerror(rv));
			nng_msg_free(c->q[c->qhead]);
		}
		c->qbytes -= len;
		c->q[c->qhead] = NULL;
		c->qhead = (c->qhead + 1) % IPC_SENDQ_MAX;
		c->qlen--;
	}
	pthread_mutex_unlock(&c->mtx);
	if (c->qlen > 0)
		event_add(c->wev, NULL);
	else
		event_del(c->wev);
}

static void
chan_send_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	chan_flush(arg);
}

/*
 * The peer went: what is queued for it, ours and nng's, is dropped (a
 * message of it still on its way in nng goes down with its pipe).
 */
static void
chan_set_state(struct ipc_chan *c, int now)
{
	c->was_connected = now;
	log_debug("%s: %s", c->name, now ? "connected" : "disconnected");
	if (now) {
		c->ever_connected = 1;
		chan_flush(c);
	} else {
		chan_drop_queue(c);
		pthread_mutex_lock(&c->mtx);
		chan_empty_nng(c);
		pthread_mutex_unlock(&c->mtx);
	}
	if (c->state_handler)
		c->state_handler(c, now, c->arg);
}

/* The owner hears of what changed since it last heard. */
static void
chan_sync_state(struct ipc_chan *c)
{
	unsigned	gen, emptied;
	uint32_t	last;
	int		now;

	pthread_mutex_lock(&c->mtx);
	gen = atomic_load(&c->gen);
	emptied = atomic_load(&c->nemptied);
	last = c->last_pipe;
	pthread_mutex_unlock(&c->mtx);
	now = atomic_load(&c->npipes) > 0;
	/*
	 * A pipe was let in since the owner last heard (the peer closed one
	 * and a new one came between two wakeups, as when a restarted peer
	 * is refused until its pid is known): what was sent or asked on the
	 * old pipe is lost, so the handler hears of the disconnection and of
	 * the new connection; and what was queued for the old peer, here
	 * and in nng (emptied by chan_pipe_admitted), is dropped.
	 */
	if (gen != c->seen_gen) {
		if (c->was_connected)
			chan_set_state(c, 0);
		else if (emptied != c->seen_emptied)
			chan_drop_queue(c);
		c->seen_emptied = emptied;
		c->seen_gen = gen;
		c->told_pipe = last;
	}
	if (now != c->was_connected)
		chan_set_state(c, now);
	else if (now)
		chan_flush(c);	/* held back while gen was new */
}

static void
chan_state_cb(evutil_socket_t fd, short ev, void *arg)
{
	uint64_t v;

	(void)ev;
	(void)!read(fd, &v, sizeof(v));
	chan_sync_state(arg);
}

static struct ipc_chan *
chan_new(struct event_base *base, const char *path, enum ipc_proc self,
    enum ipc_proc peer, pid_t peer_pid, ipc_handler handler, void *arg)
{
	struct ipc_chan	*c;
	int		 rfd, sfd, rv;

	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		log_warnx("%s: socket path too long (max %zu bytes)", path,
		    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("calloc");
		return NULL;
	}
	c->self = self;
	c->peer = peer;
	c->handler = handler;
	c->arg = arg;
	c->efd = -1;
	atomic_init(&c->expected_pid, (int)peer_pid);
	atomic_init(&c->npipes, 0);
	atomic_init(&c->gen, 0);
	atomic_init(&c->nemptied, 0);
	pthread_mutex_init(&c->mtx, NULL);
	snprintf(c->name, sizeof(c->name), "ipc %s<->%s",
	    ipc_proc_names[self], ipc_proc_names[peer]);
	if ((rv = nng_pair0_open(&c->sock)) != 0) {
		log_warnx("%s: nng_pair0_open: %s", c->name, nng_strerror(rv));
		free(c);
		return NULL;
	}
	if ((c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		goto fail_errno;
	/* nng drops anything larger than the peer may send us at all */
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ,
	    ipc_max_msg(peer, self));
	nng_socket_set_int(c->sock, NNG_OPT_SENDBUF, IPC_NNG_SENDBUF);
	nng_socket_set_int(c->sock, NNG_OPT_RECVBUF, 64);
	/*
	 * A restarted peer is back within milliseconds (issue 12): redial
	 * soon and often; a failed dial of a local socket costs one
	 * connect(), ten a second at most while the peer stays away.
	 */
	nng_socket_set_ms(c->sock, NNG_OPT_RECONNMINT, 10);
	nng_socket_set_ms(c->sock, NNG_OPT_RECONNMAXT, 100);
	nng_pipe_notify(c->sock, NNG_PIPE_EV_ADD_PRE, chan_pipe_cb, c);
	nng_pipe_notify(c->sock, NNG_PIPE_EV_REM_POST, chan_pipe_cb, c);
	if ((rv = nng_socket_get_int(c->sock, NNG_OPT_RECVFD, &rfd)) != 0 ||
	    (rv = nng_socket_get_int(c->sock, NNG_OPT_SENDFD, &sfd)) != 0) {
		log_warnx("%s: pollable descriptors: %s", c->name,
		    nng_strerror(rv));
		goto fail;
	}
	c->rev = event_new(base, rfd, EV_READ | EV_PERSIST, chan_recv_cb, c);
	c->wev = event_new(base, sfd, EV_READ | EV_PERSIST, chan_send_cb, c);
	c->sev = event_new(base, c->efd, EV_READ | EV_PERSIST, chan_state_cb,
	    c);
	if (c->rev == NULL || c->wev == NULL || c->sev == NULL ||
	    event_add(c->rev, NULL) == -1 || event_add(c->sev, NULL) == -1) {
		log_warnx("%s: cannot add events", c->name);
		goto fail;
	}
	if (event_base_get_npriorities(base) >= IPC_NPRIORITIES) {
		c->resume = event_new(base, -1, 0, chan_resume_last_cb, c);
		c->resume_by = evtimer_new(base, chan_resume_cb, c);
		if (c->resume == NULL || c->resume_by == NULL ||
		    event_priority_set(c->resume, IPC_PRIO_LAST) == -1) {
			log_warnx("%s: cannot add events", c->name);
			goto fail;
		}
	}
	return c;
fail_errno:
	log_warn("%s: eventfd", c->name);
fail:
	ipc_close(c);
	return NULL;
}

struct ipc_chan *
ipc_listen(struct event_base *base, const char *path, enum ipc_proc self,
    enum ipc_proc peer, pid_t peer_pid, ipc_handler handler, void *arg)
{
	struct ipc_chan	*c;
	char		 url[160];
	int		 rv;

	if ((c = chan_new(base, path, self, peer, peer_pid, handler,
	    arg)) == NULL)
		return NULL;
	snprintf(url, sizeof(url), "ipc://%s", path);
	if ((rv = nng_listener_create(&c->listener, c->sock, url)) != 0 ||
	    (rv = nng_listener_set_int(c->listener, NNG_OPT_IPC_PERMISSIONS,
	    0600)) != 0 ||
	    (rv = nng_listener_start(c->listener, 0)) != 0) {
		log_warnx("%s: listen on %s: %s", c->name, path,
		    nng_strerror(rv));
		ipc_close(c);
		return NULL;
	}
	return c;
}

struct ipc_chan *
ipc_dial(struct event_base *base, const char *path, enum ipc_proc self,
    enum ipc_proc peer, pid_t peer_pid, int wait, ipc_handler handler,
    void *arg)
{
	struct ipc_chan	*c;
	char		 url[160];
	int		 rv;

	if ((c = chan_new(base, path, self, peer, peer_pid, handler,
	    arg)) == NULL)
		return NULL;
	snprintf(url, sizeof(url), "ipc://%s", path);
	if ((rv = nng_dialer_create(&c->dialer, c->sock, url)) != 0 ||
	    (rv = nng_dialer_start(c->dialer, wait ? 0 :
	    NNG_FLAG_NONBLOCK)) != 0) {
		log_warnx("%s: dial %s: %s", c->name, path, nng_strerror(rv));
		ipc_close(c);
		return NULL;
	}
	return c;
}

void
ipc_set_state_handler(struct ipc_chan *c, ipc_state_handler h)
{
	c->state_handler = h;
}

void
ipc_set_peer_pid(struct ipc_chan *c, pid_t pid)
{
	atomic_store(&c->expected_pid, (int)pid);
}

int
ipc_connected(const struct ipc_chan *c)
{
	return c->was_connected;
}

const char *
ipc_chan_name(const struct ipc_chan *c)
{
	return c->name;
}

uint32_t
ipc_chan_queued(const struct ipc_chan *c)
{
	return c != NULL ? (uint32_t)c->qlen : 0;
}

int
ipc_send(struct ipc_chan *c, uint16_t type, uint32_t reqid,
    const struct wbuf *body)
{
	nng_msg		*m;
	uint8_t		 hdr[IPC_HDR_LEN];
	size_t		 blen = body ? body->len : 0;

	if (body && body->err) {
		log_warnx("%s: not sending %s: encoding failed", c->name,
		    ipc_type_name(type));
		return -1;
	}
	/*
	 * The peer went and no other came yet: the next one will be another
	 * process, which never asked for this (the owner's state handler
	 * sends what a new peer needs).
	 */
	if (c->ever_connected && !c->was_connected) {
		log_debug("%s: not sending %s: no peer", c->name,
		    ipc_type_name(type));
		return -1;
	}
	/* bounded in messages and in bytes: a stuck peer costs us little */
	if (c->qlen >= IPC_SENDQ_MAX ||
	    c->qbytes + IPC_HDR_LEN + blen > IPC_SENDQ_BYTES) {
		if (c->dropped++ % 1000 == 0)
			log_warnx("%s: send queue full (%zu messages, %zu "
			    "bytes), dropping %s", c->name, c->qlen, c->qbytes,
			    ipc_type_name(type));
		return -1;
	}
	be16_store(hdr, type);
	be16_store(hdr + 2, IPC_VERSION);
	be32_store(hdr + 4, reqid);
	if (nng_msg_alloc(&m, IPC_HDR_LEN + blen) != 0) {
		log_warnx("%s: out of memory", c->name);
		return -1;
	}
	memcpy(nng_msg_body(m), hdr, IPC_HDR_LEN);
	if (blen)
		memcpy((uint8_t *)nng_msg_body(m) + IPC_HDR_LEN, body->data,
		    blen);
	c->q[(c->qhead + c->qlen) % IPC_SENDQ_MAX] = m;
	c->qlen++;
	c->qbytes += IPC_HDR_LEN + blen;
	chan_flush(c);
	return 0;
}

int
ipc_compose_sized(struct ipc_chan *c, uint16_t type, uint32_t reqid,
    const void *msg, size_t size)
{
	const struct ipc_msgdef	*d = ipc_msgdef(type);
	struct ipc_hdr		 h = { type, IPC_VERSION, reqid };
	struct wbuf		 w;
	const char		*why;
	int			 rc = -1;

	if (d == NULL || d->size != size || (msg == NULL) != (d->encode ==
	    NULL)) {
		log_warnx("%s: not sending %s: not that type's struct",
		    c->name, ipc_type_name(type));
		return -1;
	}
	wbuf_init(&w, d->max);
	if (msg != NULL)
		d->encode(&w, msg);
	/* what the receiver's ipc_check would drop is not sent */
	if (!w.err && (why = ipc_check(&h, w.len, c->self, c->peer)) != NULL)
		log_warnx("%s: not sending %s: %s", c->name, d->name, why);
	else
		rc = ipc_send(c, type, reqid, &w);
	if (d->secret && w.data != NULL)
		explicit_bzero(w.data, w.cap);
	wbuf_free(&w);
	return rc;
}

/*
 * The step's end: EVLOOP_ONCE alone does not return while an event stays
 * active (a deferred channel's resume), and done and the deadline would
 * wait for it.
 */
static void
loop_wake(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	event_base_loopbreak(arg);
}

int
ipc_base_setup(struct event_base *base)
{
	return event_base_priority_init(base, IPC_NPRIORITIES);
}

int
ipc_loop_until(struct event_base *base, int (*done)(void *), void *arg,
    double deadline, double step)
{
	struct event	*t;
	struct timespec	 ts;
	struct timeval	 tv;
	double		 left;
	int		 ok;

	if ((t = evtimer_new(base, loop_wake, base)) == NULL)
		return done(arg);
	for (;;) {
		if ((ok = done(arg)))
			break;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		left = deadline - ((double)ts.tv_sec + ts.tv_nsec / 1e9);
		if (left <= 0)
			break;
		if (left > step)
			left = step;
		tv.tv_sec = (time_t)left;
		tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6);
		evtimer_add(t, &tv);
		event_base_loop(base, EVLOOP_ONCE);
	}
	event_free(t);
	return ok;
}

void
ipc_close(struct ipc_chan *c)
{
	if (c == NULL)
		return;
	if (c->rev)
		event_free(c->rev);
	if (c->wev)
		event_free(c->wev);
	if (c->sev)
		event_free(c->sev);
	if (c->resume)
		event_free(c->resume);
	if (c->resume_by)
		event_free(c->resume_by);
	nng_close(c->sock);
	while (c->qlen > 0) {
		nng_msg_free(c->q[c->qhead]);
		c->qhead = (c->qhead + 1) % IPC_SENDQ_MAX;
		c->qlen--;
	}
	if (c->efd != -1)
		close(c->efd);
	pthread_mutex_destroy(&c->mtx);
	free(c);
}
