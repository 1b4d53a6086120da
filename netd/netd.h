/*
 * netd.h - the internals of netd shared by its modules.
 *
 *	netd.c		the worker: life cycle, IPC with stored and syncd,
 *			the status heartbeat, the periodic tick
 *	conn.c		the one connection type and its message loop, for
 *			both directions: handshake, ping/pong, requests
 *	registry.c	one live connection per peer IP, the duplicate rule,
 *			the scope of addresses learned from peers
 *	dialer.c	listener, outbound dials, the address list, backoff
 *	wire.c		framing and message encoding (pure)
 */
#ifndef TIMENODE_NETD_H
#define TIMENODE_NETD_H

#include <sys/queue.h>

#include <stdint.h>

#include "block.h"
#include "registry.h"
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
#define NETD_PROBE_S		3.0	/* liveness probe of a restarted peer */
#define NETD_LINGER_S		2.0	/* flush a goodbye, then close */
#define NETD_WRONG_NET_BAN_S	86400.0	/* other network: a day */
#define NETD_MAX_PEER_REQS	16	/* syncd's requests per peer */
#define NETD_PEER_REQ_S		60.0	/* then answered empty */
#define NETD_MAX_SERVE		2	/* a peer's requests in stored; more
					   wait unread (conn_serve_room) */
#define NETD_SERVE_S		10.0	/* stored's answer deadline */
#define NETD_MAX_SERVING	256	/* all peers' requests in stored */
#define NETD_ADDR_MAX		1024	/* in-memory address list */
#define NETD_MAX_BANS		256
#define NETD_TIP_REFRESH_S	5.0
#define NETD_ADDR_REFRESH_S	30.0
#define NETD_ADDRS_EVERY_S	60.0	/* answer GET_ADDRS at most so often */
/*
 * netd neither accepts nor dials before it knows its tip (for its hello)
 * and the bans in the address book, or NETD_BOOT_S after its start.
 */
#define NETD_BOOT_TIP		0x1
#define NETD_BOOT_BANS		0x2
#define NETD_BOOTED		(NETD_BOOT_TIP | NETD_BOOT_BANS)
#define NETD_BOOT_S		10.0

enum conn_state {
	CONN_CONNECTING,	/* outbound, TCP connect in progress */
	CONN_HANDSHAKE,		/* hello sent, waiting for the peer's */
	CONN_PENDING,		/* handshaked; the old one is being probed */
	CONN_ACTIVE,		/* in the registry */
	CONN_CLOSING,		/* goodbye queued, flushing */
	CONN_DEAD		/* waiting to be freed */
};

/* A request sent to the peer for syncd. */
struct peer_req {
	uint32_t	wire_reqid;
	uint32_t	sync_reqid;
	double		deadline;
};

struct addr;

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	struct netd		*nd;
	uint64_t		 serial;
	struct bufferevent	*bev;
	enum net_direction	 dir;
	enum conn_state		 state;
	uint32_t		 ip;		/* network byte order */
	uint32_t		 local_ip;	/* network byte order */
	uint16_t		 remote_port;
	uint16_t		 local_port;
	char			 name[48];	/* "127.0.0.3 outbound" */
	struct addr		*addr;		/* outbound: what we dialled */
	int			 opened;	/* TCP up: counted */
	int			 hello_ok;	/* its hello was accepted */
	double			 created;
	double			 since;		/* handshake done */
	double			 last_recv;
	double			 closing_since;

	/* ping/pong, the same for both directions */
	double			 next_ping;
	uint64_t		 ping_nonce;
	double			 ping_sent;
	int			 ping_out;	/* a ping is unanswered */
	uint16_t		 missed;
	uint32_t		 rtt_us;

	/* from the peer's hello */
	uint64_t		 nonce;
	uint16_t		 listen_port;
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
	int			 read_paused;	/* a request waits for room */
	size_t			 outq_last;	/* output queued at the last
						   tick */
	int			 superseded;	/* closed for a newer duplicate
						   that survives */
	double			 addrs_answered;
	int			 addrs_asked;	/* our GET_ADDRS, unanswered */
	enum net_close_reason	 peer_said;	/* the peer's goodbye */
};
TAILQ_HEAD(conn_list, conn);

/* An address we may dial; never freed while netd runs. */
struct addr {
	TAILQ_ENTRY(addr)	 entry;
	uint32_t		 ip;		/* network byte order */
	uint16_t		 port;
	uint8_t			 source;	/* enum addr_source */
	int			 self;		/* it was us: never again */
	int			 failures;
	double			 next_try;	/* monotonic */
	struct conn		*conn;		/* our outbound to it */
};
TAILQ_HEAD(addr_list, addr);

struct ban {
	uint32_t	ip;
	double		until;
};

/* A peer's block request waiting for stored. */
struct serve {
	uint32_t	ipc_reqid;	/* 0: free slot */
	uint64_t	serial;		/* the connection */
	uint32_t	peer_reqid;
	uint32_t	count;
	double		deadline;
};

struct netd {
	struct worker		*w;
	const struct config	*cfg;
	struct genesis		 genesis;
	uint8_t			 genesis_hash[IPC_HASH_LEN];
	uint32_t		 magic;
	uint64_t		 nonce;
	struct evconnlistener	*listener;
	struct event		*tick;
	struct event		*reap;
	struct conn_list	 conns;
	struct addr_list	 addrs;
	size_t			 naddrs;
	struct ban		 bans[NETD_MAX_BANS];
	int			 nbans;
	struct registry		 reg;
	struct ipc_net_counters	 c;
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
		    const struct sockaddr_in *remote, struct addr *);
void		 conn_start(struct conn *);
void		 conn_send(struct conn *, const struct wire_msg *);
void		 conn_close(struct conn *, enum net_close_reason, int goodbye,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void		 conn_tick(struct conn *, double now);
void		 conn_reap(struct netd *);
void		 conn_shutdown_all(struct netd *);
struct conn	*conn_by_serial(struct netd *, uint64_t);
int		 conn_alive(const struct conn *);
void		 conn_peer_event(struct conn *, uint16_t ipc_type);
void		 conn_fail_reqs(struct conn *);
void		 conn_broadcast(struct netd *, const struct wire_msg *);
void		 conn_resume(struct conn *);
int		 conn_serve_room(const struct conn *);

/* dialer.c */
int		 dialer_listen(struct netd *);
void		 dialer_tick(struct netd *, double now);
struct addr	*addr_learn(struct netd *, uint32_t ip, uint16_t port,
		    uint8_t source, int *isnew);
void		 dialer_start(struct netd *);
void		 dialer_closed(struct netd *, struct conn *,
		    enum net_close_reason);
void		 dialer_connect_failed(struct conn *, const char *why);
void		 dialer_succeeded(struct conn *);
double		 backoff_delay(const struct config *, int failures);
void		 ban_remember(struct netd *, uint32_t ip, double seconds);
void		 ban_ip(struct netd *, uint32_t ip, double seconds,
		    uint16_t port);
int		 is_banned(struct netd *, uint32_t ip, double now);
void		 dialer_free(struct netd *);

/* netd.c: the channels to stored and syncd */
void		 netd_store_send(struct netd *, uint16_t type, uint32_t reqid,
		    const struct wbuf *);
void		 netd_sync_send(struct netd *, uint16_t type, uint32_t reqid,
		    const struct wbuf *);
void		 netd_net_blocks(struct netd *, uint32_t ip, uint32_t reqid,
		    const struct ipc_blob *, uint32_t count);
void		 netd_addr_upsert(struct netd *, uint32_t ip, uint16_t port,
		    uint8_t source);
void		 netd_addr_mark(struct netd *, uint32_t ip, uint16_t port,
		    uint8_t outcome, double ban_s);
void		 netd_serve_range(struct netd *, struct conn *,
		    uint32_t reqid, uint64_t from, uint32_t count);
void		 netd_serve_locator(struct netd *, struct conn *,
		    const struct wire_get_locator *);
void		 netd_tip_refresh(struct netd *);
const char	*ip_str(uint32_t ip, char *buf, size_t len);

#endif
