/* SPDX-License-Identifier: ISC */
/*
 * test_chan.c - ipc/chan.c in one process: two channels into one event
 * loop, as stored's answers and netd's blocks reach syncd.  A handler
 * that takes milliseconds per message must not keep the other channel's
 * messages waiting while its own keep coming: a wakeup stops after
 * IPC_RECV_BUDGET_NS of handling (issue 12: syncd validated a stream of
 * peer answers, 5 ms each, while stored's append answers waited 40-110 ms
 * and the catch-up stood still).  Nor may the rest of a channel that used
 * its budget wait for ever while another descriptor keeps the loop busy
 * (a peer streaming into netd): it is read again within
 * IPC_DEFER_MAX_US, and ipc_loop_until keeps its deadline meanwhile (a
 * reviewer's finding, 2026-12-01).  The order of events is asserted, not
 * a time.  A message queued for a peer process that went, in our queue
 * or in nng's, never reaches the next one; one queued before the first
 * peer came does.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "chan.h"
#include "cunit.h"
#include "harness.h"
#include "log.h"

#define SLOW_MSGS	30	/* queued on the slow channels in all */
#define SLOW_US		4000	/* their handler's time per message: under
				   IPC_DEFER_MAX_US, as syncd's 5 ms */

static struct {
	struct ipc_chan	*fast_out;	/* sends the one fast message */
	int		 slow_seen;	/* slow messages handled */
	int		 fast_at;	/* slow_seen when the fast one came */
	int		 fast_sent;
	int		 send_at;	/* slow_seen when it goes out */
	int		 total;		/* slow messages queued */
} T;

static void
slow_handler(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *b,
    void *arg)
{
	struct timespec ts = { 0, SLOW_US * 1000L };

	(void)c;
	(void)h;
	(void)b;
	(void)arg;
	/*
	 * The other channel's message goes out while this channel's are
	 * still queued behind the first.
	 */
	if (!T.fast_sent && T.slow_seen == T.send_at) {
		T.fast_sent = 1;
		CU_ASSERT(ipc_compose_sized(T.fast_out, IPC_STORE_TIP_REQ, 1,
		    NULL, 0) == 0);
	}
	nanosleep(&ts, NULL);
	T.slow_seen++;
}

static void
fast_handler(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *b,
    void *arg)
{
	(void)c;
	(void)h;
	(void)b;
	(void)arg;
	T.fast_at = T.slow_seen;
}

static void
ignore(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *b,
    void *arg)
{
	(void)c;
	(void)h;
	(void)b;
	(void)arg;
}

#define MAX_SLOW	3	/* slow channels in one run */

struct chans {
	struct ipc_chan	*c[2 * (MAX_SLOW + 1)];
	int		 n;
};

static int
all_up(void *arg)
{
	struct chans	*cs = arg;
	int		 i;

	for (i = 0; i < cs->n; i++)
		if (!ipc_connected(cs->c[i]))
			return 0;
	return 1;
}

static int
all_done(void *arg)
{
	(void)arg;
	return T.slow_seen == T.total && T.fast_at >= 0;
}

/*
 * A base like every timenode base (worker_event_base): precise timers.
 * On libevent's default coarse clock the slow channel's timers came due
 * by the clock's 4 ms ticks, so the old resume could pass by chance.
 */
static struct event_base *
precise_base(void)
{
	struct event_config	*ec = event_config_new();
	struct event_base	*b = NULL;

	if (ec != NULL && event_config_set_flag(ec,
	    EVENT_BASE_FLAG_PRECISE_TIMER) == 0)
		b = event_base_new_with_config(ec);
	if (ec != NULL)
		event_config_free(ec);
	return b;
}

/*
 * About SLOW_MSGS slow messages queued, shared by nslow channels (1 ..
 * MAX_SLOW), and one message on another channel, sent by a slow handler
 * once send_at slow ones were handled; returns how many slow ones were
 * handled when it came (-1: never).
 */
static int
fair_run(int nslow, int send_at)
{
	struct event_base	*base = precise_base();
	struct chans		 cs;
	char			 dir[] = "/tmp/test_chan.XXXXXX";
	char			 path[MAX_SLOW + 1][64];
	int			 i, k, per = SLOW_MSGS / nslow;

	CU_ASSERT_FATAL(nslow >= 1 && nslow <= MAX_SLOW);
	CU_ASSERT_FATAL(base != NULL && mkdtemp(dir) != NULL);
	CU_ASSERT_FATAL(ipc_base_setup(base) == 0);
	memset(&T, 0, sizeof(T));
	T.fast_at = -1;
	T.send_at = send_at;
	T.total = per * nslow;
	/*
	 * stored hears syncd (slow) and netd (fast), as in the node:
	 * listeners c[0 .. nslow] (the last one fast), then their dialers
	 */
	cs.n = 2 * (nslow + 1);
	for (k = 0; k <= nslow; k++) {
		snprintf(path[k], sizeof(path[k]), "%s/%d.sock", dir, k);
		cs.c[k] = ipc_listen(base, path[k], IPC_STORED, k < nslow ?
		    IPC_SYNCD : IPC_NETD, getpid(), k < nslow ? slow_handler :
		    fast_handler, NULL);
		cs.c[nslow + 1 + k] = ipc_dial(base, path[k], k < nslow ?
		    IPC_SYNCD : IPC_NETD, IPC_STORED, getpid(), 0, ignore, NULL);
		CU_ASSERT_FATAL(cs.c[k] && cs.c[nslow + 1 + k]);
	}
	T.fast_out = cs.c[2 * nslow + 1];
	CU_ASSERT_FATAL(ipc_loop_until(base, all_up, &cs, tn_now() + 10,
	    0.05));
	for (i = 0; i < per; i++)
		for (k = 0; k < nslow; k++)
			CU_ASSERT(ipc_compose_sized(cs.c[nslow + 1 + k],
			    IPC_STORE_TIP_REQ, (uint32_t)i + 1, NULL, 0) == 0);
	/* every slow message queued at the listener before the loop runs */
	tn_sleep(0.3);
	CU_ASSERT(ipc_loop_until(base, all_done, NULL, tn_now() + 30, 0.05));
	CU_ASSERT_EQUAL(T.slow_seen, T.total);
	for (i = 0; i < cs.n; i++)
		ipc_close(cs.c[i]);
	event_base_free(base);
	for (k = 0; k <= nslow; k++)
		unlink(path[k]);
	rmdir(dir);
	return T.fast_at;
}

/*
 * The fast message comes while slow message send_at + 1 is handled; that
 * one exceeds the budget, so the rest waits for the other ready events:
 * the fast message is next (or, on a machine so loaded that nng took 4
 * ms to deliver it, one later), not after all the others, nor after one
 * of each other deferred channel.
 */
static void
expect_next(int nslow, int send_at)
{
	int at = fair_run(nslow, send_at);

	CU_ASSERT(at >= send_at + 1 && at <= send_at + 2);
	if (at < send_at + 1 || at > send_at + 2)
		fprintf(stderr, "%d slow channels, sent after %d slow "
		    "messages: the other channel's message came after %d\n",
		    nslow, send_at, at);
}

/* the first wakeup's budget: the old count-only bound gave 30 */
static void
test_fair_wakeups(void)
{
	expect_next(1, 0);
}

/*
 * A message that comes while the channel runs on from its resume, not
 * only during its first wakeup.  The resume was made active from its own
 * priority's callback, and libevent ran it again in the same pass
 * without polling the descriptors: the message waited for all 30
 * (syncd read stored's append answers 70-110 ms late while a peer's
 * answers kept coming, issue 12).  With slow messages of 10 ms or more
 * the 10 ms bound, counted from the start of the turn, came due at once
 * on a base with precise timers (every timenode base), so the channel
 * was resumed at the default priority after each and the fault did not
 * show (a reviewer's finding, 2026-12-01; chan_defer now counts from the
 * deferral): hence 4 ms messages here.
 */
static void
test_fair_on_resume(void)
{
	expect_next(1, 3);
}

/*
 * Three channels deferred by the same poll: their resumes ran back to
 * back in one pass, and a message that came during the first waited for
 * the other two (it came after 6); a resume now ends its turn.  The
 * first pass handles messages 1-3, one of each channel; the fast one
 * goes out during message 4, the first of the second pass.
 */
static void
test_fair_three_deferred(void)
{
	expect_next(3, 3);
}

#define FLOOD_S		3.0	/* the busy socket's stream lasts this */

static struct {
	int		 seen;		/* channel messages handled */
	int		 flood_fd;	/* the stream's writing end */
	_Atomic int	 stop;		/* the test is done with it */
	_Atomic int	 over;		/* the stream ended */
	uint64_t	 reads;		/* the busy socket's read callbacks */
} F;

/* the first message exceeds the budget: the channel defers the rest */
static void
deferred_handler(struct ipc_chan *c, const struct ipc_hdr *h,
    struct rbuf *b, void *arg)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	(void)c;
	(void)h;
	(void)b;
	(void)arg;
	if (F.seen++ == 0)
		nanosleep(&ts, NULL);
}

/* a peer streaming as fast as the socket takes, for FLOOD_S */
static void *
flood_writer(void *arg)
{
	static char	buf[65536];
	double		end = tn_now() + FLOOD_S;

	(void)arg;
	while (!atomic_load(&F.stop) && tn_now() < end)
		if (write(F.flood_fd, buf, sizeof(buf)) < 0)
			break;
	atomic_store(&F.over, 1);
	return NULL;
}

/* netd's read callback under a flood: all input, 200 us of work a read */
static void
flood_readcb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);
	double		 t0 = tn_now();

	(void)arg;
	F.reads++;
	evbuffer_drain(in, evbuffer_get_length(in));
	while (tn_now() - t0 < 200e-6)
		;
}

static int
two_seen(void *arg)
{
	(void)arg;
	return F.seen >= 2;
}

static int
both_up(void *arg)
{
	struct ipc_chan **c = arg;

	return ipc_connected(c[0]) && ipc_connected(c[1]);
}

/* a TCP connection on 127.0.0.1: fd[0] accepted, fd[1] connected */
static int
tcp_pair(int fd[2])
{
	struct sockaddr_in	sa;
	socklen_t		sl = sizeof(sa);
	int			l;

	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(l, 1) == -1 ||
	    getsockname(l, (struct sockaddr *)&sa, &sl) == -1 ||
	    (fd[1] = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		close(l);
		return -1;
	}
	if (connect(fd[1], (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    (fd[0] = accept(l, NULL, NULL)) == -1) {
		close(fd[1]);
		close(l);
		return -1;
	}
	close(l);
	return 0;
}

static void
test_deferred_not_starved(void)
{
	struct event_base	*base = event_base_new();
	struct ipc_chan		*c[2];
	struct bufferevent	*bev;
	char			 dir[] = "/tmp/test_chan.XXXXXX", p[64];
	pthread_t		 th;
	int			 fd[2] = { -1, -1 };

	CU_ASSERT_FATAL(base != NULL && mkdtemp(dir) != NULL);
	CU_ASSERT_FATAL(ipc_base_setup(base) == 0);
	snprintf(p, sizeof(p), "%s/s.sock", dir);
	memset(&F, 0, sizeof(F));
	c[0] = ipc_listen(base, p, IPC_STORED, IPC_SYNCD, getpid(),
	    deferred_handler, NULL);
	c[1] = ipc_dial(base, p, IPC_SYNCD, IPC_STORED, getpid(), 0, ignore,
	    NULL);
	CU_ASSERT_FATAL(c[0] && c[1]);
	CU_ASSERT_FATAL(ipc_loop_until(base, both_up, c, tn_now() + 10,
	    0.05));
	CU_ASSERT_FATAL(tcp_pair(fd) == 0);
	evutil_make_socket_nonblocking(fd[0]);
	bev = bufferevent_socket_new(base, fd[0], 0);
	CU_ASSERT_FATAL(bev != NULL);
	bufferevent_setcb(bev, flood_readcb, NULL, NULL, NULL);
	bufferevent_enable(bev, EV_READ);
	F.flood_fd = fd[1];
	CU_ASSERT_FATAL(pthread_create(&th, NULL, flood_writer, NULL) == 0);
	CU_ASSERT(ipc_compose_sized(c[1], IPC_STORE_TIP_REQ, 1, NULL, 0) == 0);
	CU_ASSERT(ipc_compose_sized(c[1], IPC_STORE_TIP_REQ, 2, NULL, 0) == 0);
	tn_sleep(0.1);
	/*
	 * Both messages while the stream still runs, and the wait ends
	 * within its deadline (1 s) of the 3 s stream: before, the second
	 * message, and the wait with it, came only when the stream ended.
	 */
	CU_ASSERT(ipc_loop_until(base, two_seen, NULL, tn_now() + 1, 0.05));
	CU_ASSERT(!atomic_load(&F.over));
	CU_ASSERT(F.reads > 0);
	if (atomic_load(&F.over))
		fprintf(stderr, "the deferred channel waited for the stream's "
		    "end (%d messages, %llu reads)\n", F.seen,
		    (unsigned long long)F.reads);
	atomic_store(&F.stop, 1);
	shutdown(fd[0], SHUT_RDWR);
	pthread_join(th, NULL);
	bufferevent_free(bev);
	close(fd[1]);
	ipc_close(c[0]);
	ipc_close(c[1]);
	event_base_free(base);
	unlink(p);
	rmdir(dir);
}

/*
 * A peer process that goes and the next one on the same socket (stored
 * killed and restarted under syncd): nothing queued for the first may
 * reach the second, which never asked for it; the sender's state handler
 * sends what the new one needs.  Before, both our queue and nng's own
 * send buffer were handed to the next peer ahead of the handler's
 * messages: syncd's second append batch of the old queue reached the new
 * stored before the first, which it sent again, and stored warned
 * "refused: starts at X, tip at Y" (an operator's trial, 4 of 8 kills).
 */
#define RQ_MAX		512
#define RQ_FRESH	9000	/* the state handler's message */

static struct {
	int		 n[2];		/* messages each peer instance got */
	uint32_t	 got[2][RQ_MAX];	/* their request ids, in order */
	int		 ups;		/* state handler: connected */
	int		 downs;		/* ... disconnected */
	int		 greet;		/* send RQ_FRESH on connect */
} RQ;

static void
rq_handler(struct ipc_chan *c, const struct ipc_hdr *h, struct rbuf *b,
    void *arg)
{
	int i = (int)(intptr_t)arg;

	(void)c;
	(void)b;
	if (RQ.n[i] < RQ_MAX)
		RQ.got[i][RQ.n[i]] = h->reqid;
	RQ.n[i]++;
}

static void
rq_state(struct ipc_chan *c, int connected, void *arg)
{
	(void)arg;
	if (!connected) {
		RQ.downs++;
		return;
	}
	RQ.ups++;
	if (RQ.greet)
		ipc_compose_sized(c, IPC_STORE_TIP_REQ, RQ_FRESH, NULL, 0);
}

static int
rq_down(void *arg)
{
	return !ipc_connected(arg);
}

static int
rq_second_greeted(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < RQ.n[1] && i < RQ_MAX; i++)
		if (RQ.got[1][i] == RQ_FRESH)
			return 1;
	return 0;
}

static int
rq_first_has(void *arg)
{
	return RQ.n[0] >= (int)(intptr_t)arg;
}

static void
test_requeue_dropped(void)
{
	struct event_base	*base = precise_base();
	struct ipc_chan		*d, *l[2] = { NULL, NULL }, *pair[2];
	char			 dir[] = "/tmp/test_chan.XXXXXX", p[64];
	uint32_t		 r;
	int			 i, stale = 0, sent_gone = 0;

	CU_ASSERT_FATAL(base != NULL && mkdtemp(dir) != NULL);
	snprintf(p, sizeof(p), "%s/store-syncd.sock", dir);
	memset(&RQ, 0, sizeof(RQ));
	/* stored listens, syncd dials, as store-syncd.sock */
	l[0] = ipc_listen(base, p, IPC_STORED, IPC_SYNCD, getpid(),
	    rq_handler, (void *)(intptr_t)0);
	d = ipc_dial(base, p, IPC_SYNCD, IPC_STORED, getpid(), 0, ignore,
	    NULL);
	CU_ASSERT_FATAL(l[0] != NULL && d != NULL);
	ipc_set_state_handler(d, rq_state);
	pair[0] = l[0];
	pair[1] = d;
	CU_ASSERT_FATAL(ipc_loop_until(base, both_up, pair, tn_now() + 10,
	    0.05));
	CU_ASSERT(ipc_compose_sized(d, IPC_STORE_TIP_REQ, 1, NULL, 0) == 0);
	CU_ASSERT_FATAL(ipc_loop_until(base, rq_first_has, (void *)1,
	    tn_now() + 5, 0.05));
	/*
	 * The peer goes; before our loop hears of it, 100 messages: the
	 * first in the dying pipe, the next IPC_NNG_SENDBUF in nng's buffer,
	 * the rest in ours.
	 */
	ipc_close(l[0]);
	l[0] = NULL;
	for (r = 100; r < 200; r++)
		CU_ASSERT(ipc_compose_sized(d, IPC_STORE_TIP_REQ, r, NULL,
		    0) == 0);
	CU_ASSERT_FATAL(ipc_loop_until(base, rq_down, d, tn_now() + 5, 0.05));
	CU_ASSERT(RQ.downs == 1);
	/* and after: there is nobody to send them to */
	for (r = 200; r < 210; r++)
		sent_gone += ipc_compose_sized(d, IPC_STORE_TIP_REQ, r, NULL,
		    0) == 0;
	CU_ASSERT(sent_gone == 0);
	/* the next peer process on the socket */
	RQ.greet = 1;
	unlink(p);
	l[1] = ipc_listen(base, p, IPC_STORED, IPC_SYNCD, getpid(),
	    rq_handler, (void *)(intptr_t)1);
	CU_ASSERT_FATAL(l[1] != NULL);
	CU_ASSERT(ipc_loop_until(base, rq_second_greeted, NULL, tn_now() + 5,
	    0.05));
	/* anything old would have come first: give it time all the same */
	tn_sleep(0.05);
	ipc_loop_until(base, rq_down, l[1], tn_now() + 0.2, 0.05);
	for (i = 0; i < RQ.n[1] && i < RQ_MAX; i++)
		stale += RQ.got[1][i] != RQ_FRESH;
	CU_ASSERT(RQ.n[1] >= 1 && RQ.got[1][0] == RQ_FRESH);
	CU_ASSERT(stale == 0);
	CU_ASSERT(RQ.ups == 2);
	if (stale != 0 || RQ.n[1] < 1 || RQ.got[1][0] != RQ_FRESH)
		fprintf(stderr, "the new peer got %d messages queued for the "
		    "old one (of %d; the first: %u)\n", stale, RQ.n[1],
		    RQ.n[1] > 0 ? RQ.got[1][0] : 0);
	ipc_close(l[1]);
	ipc_close(d);
	event_base_free(base);
	unlink(p);
	rmdir(dir);
}

/* Before the first peer came, a message waits for it: none is lost. */
static void
test_requeue_first_kept(void)
{
	struct event_base	*base = precise_base();
	struct ipc_chan		*d, *l, *pair[2];
	char			 dir[] = "/tmp/test_chan.XXXXXX", p[64];
	uint32_t		 r;

	CU_ASSERT_FATAL(base != NULL && mkdtemp(dir) != NULL);
	snprintf(p, sizeof(p), "%s/store-syncd.sock", dir);
	memset(&RQ, 0, sizeof(RQ));
	d = ipc_dial(base, p, IPC_SYNCD, IPC_STORED, getpid(), 0, ignore,
	    NULL);
	CU_ASSERT_FATAL(d != NULL);
	/* more than nng's buffer holds: ours keeps the rest */
	for (r = 1; r <= 100; r++)
		CU_ASSERT(ipc_compose_sized(d, IPC_STORE_TIP_REQ, r, NULL,
		    0) == 0);
	l = ipc_listen(base, p, IPC_STORED, IPC_SYNCD, getpid(), rq_handler,
	    (void *)(intptr_t)0);
	CU_ASSERT_FATAL(l != NULL);
	pair[0] = l;
	pair[1] = d;
	CU_ASSERT(ipc_loop_until(base, both_up, pair, tn_now() + 10, 0.05));
	CU_ASSERT(ipc_loop_until(base, rq_first_has, (void *)100,
	    tn_now() + 5, 0.05));
	CU_ASSERT(RQ.n[0] == 100);
	for (r = 1; r <= 100 && (int)r <= RQ.n[0]; r++)
		CU_ASSERT(RQ.got[0][r - 1] == r);
	ipc_close(l);
	ipc_close(d);
	event_base_free(base);
	unlink(p);
	rmdir(dir);
}

int
main(void)
{
	static const struct tn_case tests[] = {
		{ "a slow channel does not hold another's messages",
		    test_fair_wakeups },
		{ "nor while the slow one runs on from its resume",
		    test_fair_on_resume },
		{ "nor while three deferred channels take turns",
		    test_fair_three_deferred },
		{ "a deferred channel is read while a socket keeps the loop "
		    "busy", test_deferred_not_starved },
		{ "a message queued for a peer that went is not delivered to "
		    "the next", test_requeue_dropped },
		{ "a message queued before the first peer came is delivered",
		    test_requeue_first_kept },
	};
	struct tn_suite ts = { .name = "chan", .cases = tests,
	    .ncases = TN_NCASES(tests) };

	log_init("test", 0);
	return tn_cunit_run(&ts);
}
