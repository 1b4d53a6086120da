/* SPDX-License-Identifier: ISC */
/*
 * netd.h - the internals of netd shared by its modules.
 *
 *	netd.c		the worker: life cycle, IPC with stored and syncd,
 *			the status heartbeat, the periodic tick
 *	conn.c		the one connection type and its message loop, for
 *			both directions: handshake, ping/pong, requests;
 *			how a connection ends (conn_close, the reap pass)
 *	registry.c	one live connection per peer IP, the duplicate rule,
 *			the scope of addresses learned from peers, which
 *			inbound peer to evict for a newcomer
 *	dialer.c	listener, outbound dials, the address book (one
 *			entry per IP, bounded), the dial budget, backoff,
 *			bans
 *	wire.c		framing and message encoding (pure)
 *	tls.c		the TLS context, the node's certificate, the check
 *			of a peer's (docs/protocol.md section 12)
 */
#ifndef TIMENODE_NETD_H
#define TIMENODE_NETD_H

#include <sys/queue.h>

#include <stdint.h>

#include <openssl/ssl.h>

#include "block.h"
#include "lograte.h"
#include "registry.h"
#include "tls.h"
#include "wire.h"
#include "worker.h"

struct bufferevent;
struct evconnlistener;
struct event;
struct metrics_http;

#define NETD_AGENT		"timenode-netd/0.1"
#define NETD_TICK_S		0.1	/* timers' granularity */
/* room for every answer in flight at its largest, and small messages */
#define NETD_OUTQ_MAX		(NETD_MAX_SERVE * WIRE_MAX_FRAME + (1u << 20))
/*
 * The output budget: bytes queued to all peers together plus a maximal
 * frame for each request in stored (its answer to come).  A request is
 * taken only while it fits; when requests wait for it, the peer with the
 * most output queued is shed (conn_budget_tick).  docs/protocol.md
 * section 7 and docs/operations.md "Memory under attack".
 */
#define NETD_OUTQ_BUDGET	(32u << 20)
/*
 * A peer's share of small output: answers to its PINGs and GET_ADDRS,
 * our TIPs, goodbyes (frames under NETD_INBUF_SMALL, copied into the
 * output).  While more than this is queued to a peer, nothing more of its
 * input is read (conn_read_room), so a peer that does not read holds at
 * most NETD_OUTQ_SHARE + one small frame of our output (block answers
 * are bounded by conn_serve_room).  docs/protocol.md section 7.
 */
#define NETD_OUTQ_SHARE		(64u << 10)
#define NETD_SHED_STALL_S	1.0	/* shed at once a peer stalled so long */
#define NETD_SHED_WAIT_S	5.0	/* else the largest, after such a wait */
/*
 * Input buffered per connection: the frame at the head (its type's
 * largest payload at most) or this much of small frames behind it.
 */
#define NETD_INBUF_SMALL	(64u << 10)
#define NETD_PROBE_S		3.0	/* liveness probe of a restarted peer */
/*
 * A ping written behind output is not missed before that output could
 * have drained at this rate, bytes a second (docs/protocol.md section 5):
 * 4 MiB ahead, 256 s.
 */
#define NETD_READ_RATE_MIN	(16u << 10)
#define NETD_LINGER_S		2.0	/* flush a goodbye, then close */
/*
 * Bans, proportionate to what was proven (docs/protocol.md section 8):
 * a valid hello of another network or genesis, NETD_WRONG_NET_BAN_S;
 * first bytes that are not a frame of ours and not a hello of any
 * network (an HTTP probe, a port scanner), only a cool-off in memory.
 */
#define NETD_WRONG_NET_BAN_S	600.0
#define NETD_COOL_OFF_S		10.0
#define NETD_MAX_PEER_REQS	16	/* syncd's requests per peer */
#define NETD_PEER_REQ_S		60.0	/* then answered empty */
#define NETD_MAX_SERVE		2	/* a peer's requests in stored; more
					   wait unread (conn_serve_room) */
#define NETD_SERVE_S		10.0	/* stored's answer deadline */
#define NETD_MAX_SERVING	256	/* all peers' requests in stored */
#define NETD_ADDR_MAX		1024	/* in-memory address book */
#define NETD_ADDR_PER_GROUP	64	/* of it, learned from one /16 */
/* dials of the whole node: a token bucket */
#define NETD_DIAL_RATE		2.0	/* dials per second */
#define NETD_DIAL_BURST		8.0
#define NETD_NEW_DIAL_S		1.0	/* a never-tried hearsay address */
#define NETD_HEARSAY_TRIES	3	/* failed dials, never good: dropped */
/* inbound connections in their handshake beyond max_inbound */
#define NETD_INBOUND_SPARE	8
#define NETD_FULL_S		3.0	/* a refused newcomer gets addresses */
#define NETD_MAX_BANS		256
#define NETD_TIP_REFRESH_S	5.0
#define NETD_ADDR_REFRESH_S	30.0
#define NETD_ADDRS_EVERY_S	60.0	/* answer GET_ADDRS at most so often */
/*
 * netd neither accepts nor dials before it knows its tip (for its hello),
 * the bans in the address book and its node key (from stored), or
 * NETD_BOOT_S after its start (then with a temporary node key).
 */
#define NETD_BOOT_TIP		0x1
#define NETD_BOOT_BANS		0x2
#define NETD_BOOT_KEY		0x4	/* the node key, for TLS */
#define NETD_BOOTED		(NETD_BOOT_TIP | NETD_BOOT_BANS | \
				    NETD_BOOT_KEY)
#define NETD_BOOT_S		10.0

/*
 * Kinds of log lines a peer's input causes, each rate-limited per peer
 * IP (common/lograte.h, docs/operations.md "Logs under attack").
 */
enum netd_log_kind {
	NLOG_ACCEPT,		/* refused at accept */
	NLOG_CONNECT,		/* TCP up, registered, duplicates */
	NLOG_PROBE,		/* a restarted peer's probe */
	NLOG_CLOSE,		/* a connection closed */
	NLOG_REQUEST,		/* requests and answers */
	NLOG_DIAL,		/* our dials and their backoff */
	NLOG_PUNISH		/* syncd's verdict on a peer */
};

/* one log line caused by the peer at ip (struct netaddr) */
#define netd_log(nd, ip, kind, level, ...)				\
	lograte_log(&(nd)->logs, (ip), (kind), (level), mono_now(),	\
	    __VA_ARGS__)

enum conn_state {
	CONN_CONNECTING,	/* outbound, TCP connect in progress */
	CONN_HANDSHAKE,		/* hello sent, waiting for the peer's */
	CONN_PENDING,		/* handshaked; the old one is being probed */
	CONN_ACTIVE,		/* in the registry */
	CONN_FULL,		/* handshaked, no room: its GET_ADDRS is
				   answered, then "limit" */
	CONN_CLOSING,		/* goodbye queued, flushing */
	CONN_DEAD		/* waiting to be freed */
};

/*
 * Why a connection ended, as conn_close recorded it: the first close
 * only (a second one, from the peer's EOF or a callback, changes
 * nothing).  close_apply (conn.c) applies its effects once, in the
 * reap pass.  The other facts it needs are on the connection: who said
 * it (peer_said, for CLOSE_GOODBYE), superseded, opened, hello_ok.
 */
struct conn_end {
	enum net_close_reason	 reason;
	enum conn_state		 was;		/* the state it ended in */
	int			 queued;	/* in nd->closed: effects to
						   apply */
	char			 why[256];	/* the log line's, the
						   goodbye's text */
};

/* A request sent to the peer for syncd. */
struct peer_req {
	uint32_t	wire_reqid;
	uint32_t	sync_reqid;
	double		deadline;
	int		headers;	/* GET_HEADERS: HEADERS answer it */
};

struct addr;

/* a whole HELLO frame: what an answer to our TLS dial is judged by */
#define NETD_FIRST_MAX	(WIRE_HDR_LEN + WIRE_HELLO_MAX + WIRE_CHECK_LEN)
/*
 * How long an address whose answer to TLS was an older node's (version
 * 1) plaintext hello is dialled in plaintext; then TLS is tried first
 * again (docs/protocol.md section 12).
 */
#define NETD_PLAINTEXT_MARK_S	3600.0

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	TAILQ_ENTRY(conn)	 close_entry;	/* nd->closed */
	struct conn_end		 end;
	struct netd		*nd;
	uint64_t		 serial;
	struct bufferevent	*bev;		/* a socket's, then TLS's */
	struct event		*sniff;		/* inbound: TLS or plaintext?
						   (conn.c, sniff_cb) */
	int			 sniff_later;	/* retry at the next tick */
	int			 tls;		/* bev is TLS */
	int			 tls_up;	/* its handshake is done */
	struct tls_peer		 tlsp;		/* its certificate check */
	/* outbound TLS: the first bytes OpenSSL read (first_read_cb), to
	 * tell an older node's plaintext hello from a downgrade
	 * (tls_failed; docs/protocol.md section 12) */
	uint8_t			 first[NETD_FIRST_MAX];
	size_t			 nfirst;
	enum net_direction	 dir;
	enum conn_state		 state;
	struct netaddr		 ip;		/* the peer's: its identity */
	struct netaddr		 local_ip;	/* ours on this connection */
	uint16_t		 remote_port;
	uint16_t		 local_port;
	char			 name[64];	/* "127.0.0.3 outbound" */
	struct addr		*addr;		/* outbound: what we dialled */
	int			 opened;	/* TCP up: counted */
	int			 hello_ok;	/* its hello was accepted */
	double			 full_until;	/* CONN_FULL: then "limit" */
	double			 created;
	double			 since;		/* handshake done */
	double			 last_recv;	/* a frame, or output drained */
	double			 last_frame;	/* a frame read */
	double			 last_block;	/* blocks it sent us */
	double			 closing_since;

	/* ping/pong, the same for both directions */
	double			 next_ping;
	uint64_t		 ping_nonce;
	double			 ping_sent;
	int			 ping_out;	/* a ping is unanswered */
	int			 ping_paused;	/* we paused reading since */
	int			 ping_extended;	/* given its interval more */
	size_t			 ping_ahead;	/* bytes queued before it */
	uint16_t		 missed;
	uint32_t		 rtt_us;

	/* from the peer's hello */
	uint64_t		 nonce;
	uint16_t		 listen_port;
	uint16_t		 version;	/* its, capped at ours */
	uint64_t		 height;
	uint8_t			 tip[IPC_HASH_LEN];
	char			 agent[WIRE_AGENT_MAX + 1];

	uint64_t		 bytes_in;
	uint64_t		 bytes_out;
	uint64_t		 blocks_received;
	uint64_t		 pings_sent;	/* on this connection */
	uint64_t		 pongs_received;

	/* restarted-peer probe, on the registered connection */
	struct conn		*challenger;
	double			 probe_start;
	double			 probe_deadline;

	struct peer_req		 reqs[NETD_MAX_PEER_REQS];
	int			 nreqs;
	uint32_t		 next_reqid;
	int			 serving;	/* its requests in stored */
	int			 read_paused;	/* a frame waits for room */
	size_t			 small_out;	/* small frames' bytes queued
						   since the output was last
						   empty, at most what is
						   queued: a bound of those
						   still queued */
	int			 budget_wait;	/* for the output budget */
	double			 budget_since;	/* waiting since */
	size_t			 outq_last;	/* output queued at the last
						   tick */
	uint64_t		 outq_written;	/* bytes_out when the kernel's
						   queue was last asked */
	double			 drained_at;	/* output last shrank or was
						   empty */
	int			 superseded;	/* closed for a newer duplicate
						   that survives */
	/* the peer's other addresses: its connections from them lost the
	 * dual-stack rule to this one (reg_decide_twin) */
	struct netaddr		 also[IPC_PEER_ALSO_MAX];
	int			 nalso;
	double			 addrs_answered;
	int			 addrs_asked;	/* our GET_ADDRS, unanswered */
	enum net_close_reason	 peer_said;	/* the peer's goodbye: who
						   said it (CLOSE_GOODBYE) */
};
TAILQ_HEAD(conn_list, conn);

/* An address we may dial; never freed while netd runs. */
struct addr {
	TAILQ_ENTRY(addr)	 entry;
	struct netaddr		 ip;
	uint16_t		 port;
	uint8_t			 source;	/* enum addr_source */
	uint16_t		 group;		/* /16 of whoever told us */
	int			 self;		/* it was us: never again */
	int			 tried;		/* dialled at least once */
	int			 good;		/* a handshake succeeded */
	double			 plaintext_until; /* monotonic: its TLS
						   answer was a version-1
						   hello: dial plaintext
						   until then ([p2p]
						   plaintext = yes only) */
	int			 tls_seen;	/* a TLS handshake with it
						   ended this run: plaintext
						   from it is refused */
	int			 in_book;	/* stored has it: marks go there */
	double			 learned;	/* monotonic */
	int			 failures;
	double			 next_try;	/* monotonic */
	struct conn		*conn;		/* our outbound to it */
	/* a dual-stack peer's other address: not dialled while the node
	 * of this nonce is connected (dialer_closed) */
	uint64_t		 twin_nonce;
	int			 twin;
};
TAILQ_HEAD(addr_list, addr);

struct ban {
	struct netaddr	ip;
	double		until;		/* monotonic */
	uint64_t	wall_until;	/* Unix seconds, for timenodectl */
	uint8_t		reason;		/* enum net_close_reason; NREASONS:
					   read from the address book */
	int		cool_off;	/* a cool-off (NETD_COOL_OFF_S, in
					   memory only), no ban: not listed
					   by timenodectl bans, not counted
					   (protocol.md section 8) */
};

/* timenodectl unban: the answer waits for stored's */
struct unban_wait {
	uint32_t	status_reqid;	/* 0: free */
	uint32_t	store_reqid;
	int		had;		/* netd had a ban for it */
};
#define NETD_UNBAN_WAITS	4

/* A peer's block (or header) request waiting for stored. */
struct serve {
	uint32_t	ipc_reqid;	/* 0: free slot */
	uint64_t	serial;		/* the connection */
	uint32_t	peer_reqid;
	uint32_t	count;
	double		deadline;
	int		headers;	/* GET_HEADERS: answered by HEADERS */
};

struct netd {
	struct worker		*w;
	const struct config	*cfg;
	struct genesis		 genesis;
	uint8_t			 genesis_hash[IPC_HASH_LEN];
	uint32_t		 magic;
	uint64_t		 nonce;
	struct evconnlistener	*listeners[CONFIG_MAX_LISTEN];
	int			 nlisteners;
	SSL_CTX			*tls_ctx;	/* tls.h */
	uint8_t			 node_key[NODE_KEY_LEN];	/* public */
	int			 node_key_temporary;	/* stored never
							   answered: made
							   for this run */
	struct event		*tick;
	struct event		*reap;
	struct conn_list	 conns;
	struct conn_list	 closed;	/* closes whose effects are
						   still to apply, in the
						   order they happened */
	struct addr_list	 addrs;
	size_t			 naddrs;
	struct ban		 bans[NETD_MAX_BANS];
	int			 nbans;
	struct unban_wait	 unbans[NETD_UNBAN_WAITS];
	double			 dial_tokens;
	double			 dial_refill;	/* when tokens were counted */
	double			 next_new_dial;
	uint64_t		 evict_key[2];	/* keyed order of /16 groups */
	struct registry		 reg;
	struct ipc_net_counters	 c;
	struct lograte		 logs;		/* lines peers cause */
	struct ipc_hist		 handshake_hist;	/* metrics */
	struct metrics_http	*metrics;	/* [metrics] listen, or NULL */
	struct ipc_chan		*store;
	struct ipc_chan		*sync;
	uint64_t		 height;
	uint8_t			 tip[IPC_HASH_LEN];
	uint32_t		 next_ipc_reqid;
	uint64_t		 next_serial;
	struct serve		 serving[NETD_MAX_SERVING];
	double			 next_tip_refresh;
	double			 next_addr_refresh;
	uint32_t		 bans_reqid;	/* the bans asked of stored */
	unsigned		 boot;		/* NETD_BOOT_* known so far */
	double			 boot_deadline;	/* then start without them */
	int			 stopping;
};

/* conn.c */
struct conn	*conn_new(struct netd *, int fd, enum net_direction,
		    const struct netaddr *ip, uint16_t port, struct addr *);
void		 conn_start(struct conn *);
/* the registered connection of the node with this nonce, except not */
struct conn	*conn_by_nonce(struct netd *, uint64_t nonce,
		    const struct conn *not);
void		 conn_send(struct conn *, const struct wire_msg *);
/*
 * End a connection: records why (the first close only) and stops its
 * traffic; its effects on the registry, syncd, the dialer and stored
 * follow in the reap pass (conn_settle).  docs/architecture.md "How a
 * peer connection ends".
 */
void		 conn_close(struct conn *, enum net_close_reason, int goodbye,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void		 conn_tick(struct conn *, double now);
/* apply the effects of the closes so far, each once, in their order */
void		 conn_settle(struct netd *);
/* the reap pass: conn_settle, then free the dead (nd->reap's callback) */
void		 conn_reap(struct netd *);
/* the registered connection of ip, if it is not closing; or NULL */
struct conn	*conn_by_ip(struct netd *, const struct netaddr *ip);
void		 conn_shutdown_all(struct netd *);
struct conn	*conn_by_serial(struct netd *, uint64_t);
int		 conn_alive(const struct conn *);
const uint8_t	*conn_pinned_key(const struct netd *, struct netaddr ip);
void		 conn_peer_event(struct conn *, uint16_t ipc_type);
void		 conn_broadcast(struct netd *, const struct wire_msg *);
void		 conn_resume(struct conn *);
/*
 * A new request of syncd's (sync_reqid) on c, with its wire reqid and
 * deadline (NETD_PEER_REQ_S): NULL when c has NETD_MAX_PEER_REQS.
 */
struct peer_req	*conn_req_new(struct conn *, uint32_t sync_reqid);
/*
 * syncd's IPC_SYNC_GET_HEADERS: GET_HEADERS to the peer, whose HEADERS
 * goes back as IPC_NET_HEADERS; answered at once with none when the peer
 * is not connected and registered, its hello said a version below 3
 * (it would not know the message, docs/protocol.md section 3), or it has
 * NETD_MAX_PEER_REQS requests of ours.
 */
void		 conn_ask_headers(struct netd *, const struct ipc_get_headers *);
int		 conn_serve_room(struct conn *);
int		 conn_read_room(struct conn *, size_t others);
size_t		 conn_outq_total(struct netd *, size_t *queued);
void		 conn_budget_tick(struct netd *, double now);

/* dialer.c */
int		 dialer_listen(struct netd *);
/* the address book's entry of ip (one per IP, any port), or NULL */
struct addr	*dialer_addr_find(struct netd *, const struct netaddr *ip);
void		 dialer_tick(struct netd *, double now);
struct addr	*addr_learn(struct netd *, struct netaddr ip, uint16_t port,
		    uint8_t source, const struct netaddr *from, int *isnew);
/* ip:port (port 0: any) is one of our [node] listen addresses */
int		 netd_is_listen(const struct netd *, const struct netaddr *ip,
		    uint16_t port);
/*
 * The listening port our HELLO names on a connection whose local end is
 * local: the first [node] listen of its family, else the first one.
 */
uint16_t	 netd_listen_port(const struct netd *,
		    const struct netaddr *local);
/* one rate-limited "IP inbound: refused: why" line (dialer.c) */
void		 refusal_log(struct netd *, struct netaddr ip, const char *why);
int		 inbound_room(struct netd *, struct conn *);
void		 dialer_start(struct netd *);
void		 dialer_closed(struct netd *, struct conn *,
		    enum net_close_reason);
void		 dialer_connect_failed(struct conn *, const char *why);
void		 dialer_succeeded(struct conn *);
double		 backoff_delay(const struct config *, int failures);
void		 ban_remember(struct netd *, struct netaddr ip, double seconds,
		    uint8_t reason);
void		 ban_ip(struct netd *, struct netaddr ip, double seconds,
		    uint16_t port, uint8_t reason);
int		 ban_lift(struct netd *, struct netaddr ip);
int		 is_banned(struct netd *, struct netaddr ip, double now);
/* ip may not connect for NETD_COOL_OFF_S: a cool-off, not a ban */
void		 cool_off(struct netd *, struct netaddr ip);
/* the ban (or cool-off) of ip in force now, or NULL */
const struct ban *ban_find(struct netd *, struct netaddr ip, double now);
void		 dialer_free(struct netd *);

/*
 * netd.c: the channels to stored and syncd; a message for one that is not
 * connected is dropped (stored and syncd ask again once up).  _compose:
 * msg as ipc_compose (chan.h); _send: an empty or hand-built body.
 */
void		 netd_compose(struct ipc_chan *, uint16_t type, uint32_t reqid,
		    const void *msg, size_t size);
#define netd_store_compose(nd, type, reqid, msg)			\
	netd_compose((nd)->store, (type), (reqid), (msg), sizeof(*(msg)))
#define netd_sync_compose(nd, type, reqid, msg)				\
	netd_compose((nd)->sync, (type), (reqid), (msg), sizeof(*(msg)))
void		 netd_store_send(struct netd *, uint16_t type, uint32_t reqid,
		    const struct wbuf *);
void		 netd_sync_send(struct netd *, uint16_t type, uint32_t reqid,
		    const struct wbuf *);
void		 netd_net_blocks(struct netd *, struct netaddr ip,
		    uint32_t reqid,
		    const struct blob *, uint32_t count);
void		 netd_addr_upsert(struct netd *, struct netaddr ip,
		    uint16_t port,
		    uint8_t source);
void		 netd_addr_mark(struct netd *, struct netaddr ip,
		    uint16_t port,
		    uint8_t outcome, double ban_s);
void		 netd_serve_range(struct netd *, struct conn *,
		    uint32_t reqid, uint64_t from, uint32_t count);
/*
 * A peer's GET_HEADERS (version 3, docs/protocol.md section 3): count
 * (1..WIRE_MAX_HEADERS) headers of our main chain from height from, with
 * the same limits as a block request (conn_serve_room, NETD_MAX_SERVE).
 */
void		 netd_serve_headers(struct netd *, struct conn *,
		    uint32_t reqid, uint64_t from, uint32_t count);
void		 netd_serve_locator(struct netd *, struct conn *,
		    const struct wire_get_locator *);
void		 netd_tip_refresh(struct netd *);
void		 netd_peer_key_record(struct netd *, struct netaddr ip,
		    const uint8_t key[NODE_KEY_LEN]);
const char	*ip_str(struct netaddr ip, char *buf, size_t len);

#endif
