/* SPDX-License-Identifier: ISC */
/*
 * metrics_http.c - [metrics] listen: the node's metrics over HTTP for
 * Prometheus, served by libevent's own HTTP server (evhttp) in netd.
 *
 * netd is the process that already faces the network, runs unprivileged
 * and sandboxed (seccomp, Landlock or chroot; see docs/architecture.md,
 * "Metrics", for why here and not the supervisor or a new worker).  The
 * supervisor builds the text and sends it with every heartbeat
 * (IPC_METRICS_TEXT); we keep the last one and serve it.  We parse
 * nothing of it.  What a client can make us spend is bounded:
 *   - only GET (and HEAD) /metrics is answered (200, or 503 before the
 *     first text); any other path 404, any other method 405 with
 *     "Allow: GET, HEAD" (RFC 9110 section 15.5.6; evhttp's own refusal
 *     was 501, which says the server knows no such method); a method
 *     evhttp does not know at all it refuses itself;
 *   - request headers at most METRICS_HTTP_HEADERS bytes, no body;
 *   - each connection idles at most METRICS_HTTP_IDLE_S, lives at most
 *     METRICS_HTTP_LIFE_S (then we shut it down), and is closed after
 *     its answer (Connection: close);
 *   - at most METRICS_HTTP_CONNS connections at once: at that many the
 *     listener stops accepting (the kernel's backlog holds the rest)
 *     until one ends.
 * evhttp frees a connection's bufferevent by itself; we hold a reference
 * to each so that we can tell when that happened (its callbacks are
 * cleared by bufferevent_free) and count the connections still open.
 * Our reference keeps the structure valid until we drop it, so a wrong
 * guess could only undercount, never touch freed memory.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics_http.h"
#include "worker.h"		/* mono_now */

#define METRICS_HTTP_CONNS	8
#define METRICS_HTTP_HEADERS	4096		/* bytes of request headers */
#define METRICS_HTTP_IDLE_S	5
#define METRICS_HTTP_LIFE_S	10.0
#define METRICS_HTTP_TICK_S	0.5
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct http_conn {
	struct bufferevent	*bev;		/* NULL: free slot */
	double			 since;
};

struct metrics_http {
	struct event_base		*base;
	struct evhttp			*http;
	struct evhttp_bound_socket	*bound;
	struct event			*tick;
	struct http_conn		 conns[METRICS_HTTP_CONNS];
	int				 paused;	/* listener disabled */
	char				*text;		/* the last, or NULL */
	size_t				 len;
	uint64_t			 served;
};

/* evhttp let go of it (bufferevent_free cleared its callbacks)? */
static int
conn_gone(struct bufferevent *bev)
{
	bufferevent_event_cb	ecb;

	bufferevent_getcb(bev, NULL, NULL, &ecb, NULL);
	return ecb == NULL;
}

/*
 * Forget the connections evhttp has freed, shut down those past their
 * lifetime (evhttp then frees them), accept again below the limit.
 * Returns the number still open.
 */
static int
conns_sweep(struct metrics_http *mh)
{
	double	now = mono_now();
	int	i, n = 0, fd;

	for (i = 0; i < METRICS_HTTP_CONNS; i++) {
		struct http_conn *c = &mh->conns[i];

		if (c->bev == NULL)
			continue;
		if (conn_gone(c->bev)) {
			bufferevent_decref(c->bev);
			c->bev = NULL;
			continue;
		}
		if (now - c->since > METRICS_HTTP_LIFE_S &&
		    (fd = bufferevent_getfd(c->bev)) != -1)
			shutdown(fd, SHUT_RDWR);
		n++;
	}
	if (mh->paused && n < METRICS_HTTP_CONNS) {
		evconnlistener_enable(evhttp_bound_socket_get_listener(
		    mh->bound));
		mh->paused = 0;
	}
	return n;
}

static void
tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	conns_sweep(arg);
}

/*
 * evhttp asks for each new connection's bufferevent: we make it, keep a
 * reference and stop accepting when this one is the last allowed.
 */
static struct bufferevent *
new_conn_cb(struct event_base *base, void *arg)
{
	struct metrics_http	*mh = arg;
	struct bufferevent	*bev;
	int			 i, n;

	n = conns_sweep(mh);
	/* no CLOSE_ON_FREE: evhttp closes the socket itself when it frees */
	if ((bev = bufferevent_socket_new(base, -1, 0)) == NULL)
		return NULL;
	for (i = 0; i < METRICS_HTTP_CONNS; i++)
		if (mh->conns[i].bev == NULL)
			break;
	if (i < METRICS_HTTP_CONNS) {	/* always, while we stop at the max */
		bufferevent_incref(bev);
		mh->conns[i].bev = bev;
		mh->conns[i].since = mono_now();
		n++;
	}
	if (n >= METRICS_HTTP_CONNS && !mh->paused) {
		evconnlistener_disable(evhttp_bound_socket_get_listener(
		    mh->bound));
		mh->paused = 1;
	}
	return bev;
}

static void
request_cb(struct evhttp_request *req, void *arg)
{
	struct metrics_http	*mh = arg;
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	struct evbuffer		*body;
	char			 len[24];

	evhttp_add_header(out, "Connection", "close");
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		/* not evhttp_send_error(), which drops our headers */
		evhttp_add_header(out, "Allow", "GET, HEAD");
		evhttp_send_reply(req, 405, "Method Not Allowed", NULL);
		return;
	}
	if (path == NULL || strcmp(path, "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "only /metrics here");
		return;
	}
	if (mh->text == NULL) {
		evhttp_send_error(req, HTTP_SERVUNAVAIL, "no metrics yet");
		return;
	}
	evhttp_add_header(out, "Content-Type", METRICS_CONTENT_TYPE);
	if (cmd == EVHTTP_REQ_HEAD) {	/* GET's headers, no body */
		snprintf(len, sizeof(len), "%zu", mh->len);
		evhttp_add_header(out, "Content-Length", len);
		evhttp_send_reply(req, HTTP_OK, "OK", NULL);
		return;
	}
	if ((body = evbuffer_new()) == NULL ||
	    evbuffer_add(body, mh->text, mh->len) == -1) {
		evbuffer_free(body);
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		return;
	}
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
	mh->served++;
}


struct metrics_http *
metrics_http_open(struct event_base *base, const struct hostport *hp)
{
	struct metrics_http	*mh;
	struct timeval		 tv = { 0, (suseconds_t)(METRICS_HTTP_TICK_S *
	    1e6) };
	char			 shown[64];
	int			 fd;

	hostport_str(hp, shown, sizeof(shown));
	if ((fd = netaddr_listen(&hp->ip, hp->port, 16)) == -1) {
		log_warn("[metrics] listen %s", shown);
		worker_bind_failed(errno);
		return NULL;
	}
	if ((mh = calloc(1, sizeof(*mh))) == NULL ||
	    (mh->http = evhttp_new(base)) == NULL ||
	    (mh->tick = event_new(base, -1, EV_PERSIST, tick_cb, mh)) ==
	    NULL || event_add(mh->tick, &tv) == -1 ||
	    (mh->bound = evhttp_accept_socket_with_handle(mh->http, fd)) ==
	    NULL) {
		log_warnx("[metrics] listen %s: out of memory", shown);
		close(fd);
		metrics_http_close(mh);
		return NULL;
	}
	mh->base = base;
	/* every method evhttp knows reaches request_cb, which answers 405 */
	evhttp_set_allowed_methods(mh->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(mh->http, METRICS_HTTP_HEADERS);
	evhttp_set_max_body_size(mh->http, 0);
	evhttp_set_timeout(mh->http, METRICS_HTTP_IDLE_S);
	evhttp_set_bevcb(mh->http, new_conn_cb, mh);
	evhttp_set_gencb(mh->http, request_cb, mh);
	log_info("metrics on http://%s/metrics", shown);
	return mh;
}

int
metrics_http_set(struct metrics_http *mh, const void *text, size_t len)
{
	char *p;

	if (len > METRICS_HTTP_TEXT_MAX || (p = malloc(len ? len : 1)) ==
	    NULL)
		return -1;
	memcpy(p, text, len);
	free(mh->text);
	mh->text = p;
	mh->len = len;
	return 0;
}

void
metrics_http_close(struct metrics_http *mh)
{
	int i;

	if (mh == NULL)
		return;
	if (mh->http)
		evhttp_free(mh->http);	/* frees its connections */
	for (i = 0; i < METRICS_HTTP_CONNS; i++)
		if (mh->conns[i].bev != NULL)
			bufferevent_decref(mh->conns[i].bev);
	if (mh->tick)
		event_free(mh->tick);
	free(mh->text);
	free(mh);
}
