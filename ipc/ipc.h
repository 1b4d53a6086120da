/* SPDX-License-Identifier: ISC */
/*
 * ipc.h - every message type of every channel between timenode processes.
 *
 * This header owns the message catalogue.  A message on the wire is an
 * 8-byte header (type, version, request id; big-endian) and a body encoded
 * with the codec (codec.h).  Each type is declared once in the table in
 * msg.c with the processes that may send and receive it and the minimum
 * and maximum size of its body; ipc_chan (chan.c) drops, with a log line,
 * any message whose sender, receiver, version or size does not match
 * before a handler sees it.  Handlers decode with the functions below,
 * which check every field.
 *
 * Channels (nng pair0 over ipc:// in the run directory):
 *   ctl-<worker>.sock	supervisor <-> worker: heartbeats, status, commands
 *   store-netd.sock	netd <-> stored (stored listens): serve peers, book
 *   store-syncd.sock	syncd <-> stored (stored listens): the chain
 *   sync.sock		netd <-> syncd (syncd listens): peers, blocks
 *
 * Requests carry a request id that the answer echoes.  stored answers
 * every request, an error included, so a requester can time out and
 * retry after a restart; requests are idempotent.
 */
#ifndef TIMENODE_IPC_H
#define TIMENODE_IPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "codec.h"
#include "netaddr.h"

#define IPC_VERSION		2	/* 2: addresses are 16 bytes (netaddr.h) */
#define IPC_HDR_LEN		8
#define IPC_MAX_MSG		(16u << 20)	/* header + body, hard cap */
#define IPC_HASH_LEN		32
#define IPC_KEY_LEN		32		/* an Ed25519 key or seed */
#define IPC_MAX_PEERS		1280		/* status entries */
/*
 * The largest block height accepted from a peer (docs/protocol.md section
 * 2, "Heights") or from another process (every height an IPC decoder
 * reads): 2^53 - 1, so that a height is exact in JSON too (the status,
 * whose integers jansson keeps signed).  Issue 11, review finding B: a HELLO of
 * height 2^64 - 1 was shown as -1.
 */
#define IPC_MAX_HEIGHT		((1ull << 53) - 1)

enum ipc_proc {
	IPC_SUPERVISOR,
	IPC_STORED,
	IPC_SYNCD,
	IPC_NETD,
	IPC_NPROC
};

/* Workers in start order; the supervisor stops them in reverse. */
#define IPC_NWORKERS		3
extern const char *const ipc_proc_names[IPC_NPROC];

enum ipc_type {
	IPC_HEARTBEAT = 1,		/* sup -> worker */
	IPC_HEARTBEAT_STORED,		/* stored -> sup: answer + status */
	IPC_HEARTBEAT_SYNCD,		/* syncd -> sup: answer + status */
	IPC_HEARTBEAT_NETD,		/* netd -> sup: answer + status */
	IPC_DEBUG_SOCKET,		/* sup -> worker: try socket(AF_INET) */
	IPC_DEBUG_SOCKET_ACK,		/* worker -> sup: the errno */
	IPC_PRODUCE,			/* sup -> syncd: ipc_produce */
	IPC_PRODUCE_ACK,		/* syncd -> sup: ipc_result */
	IPC_VERIFY,			/* sup -> stored: walk the chain */
	IPC_VERIFY_ACK,			/* stored -> sup: ipc_result */
	IPC_BANS_REQ,			/* sup -> netd: empty */
	IPC_BANS,			/* netd -> sup: ipc_bans */
	IPC_UNBAN,			/* sup -> netd: ipc_unban */
	IPC_UNBAN_ACK,			/* netd -> sup: ipc_result */
	/* worker -> sup, empty: the answer to heartbeat reqid of a worker
	   alive but not serving yet (its def reports_up; common/worker.c) */
	IPC_HEARTBEAT_STARTING,
	/* sup -> netd: the metrics text for [metrics] listen (raw bytes) */
	IPC_METRICS_TEXT = 24,

	/* store channels: netd/syncd -> stored, answers stored -> them */
	IPC_STORE_TIP_REQ = 32,		/* empty -> IPC_STORE_TIP */
	IPC_STORE_TIP,			/* ipc_tip */
	IPC_STORE_BLOCKS_REQ,		/* ipc_range -> IPC_STORE_BLOCKS */
	IPC_STORE_BLOCKS,		/* ipc_blocks */
	IPC_STORE_LOCATOR_REQ,		/* empty -> IPC_STORE_HASHES */
	IPC_STORE_HASHES,		/* ipc_hashes */
	IPC_STORE_FORK_REQ,		/* ipc_hashes -> IPC_STORE_POINT */
	IPC_STORE_HEIGHT_REQ,		/* ipc_hashes (one) -> STORE_POINT */
	IPC_STORE_POINT,		/* ipc_point */
	IPC_STORE_APPEND,		/* ipc_append -> IPC_STORE_RESULT */
	IPC_STORE_RESULT,		/* ipc_result */
	IPC_STORE_ADDR_UPSERT,		/* ipc_addr -> IPC_STORE_RESULT */
	IPC_STORE_ADDR_MARK,		/* ipc_addr_mark -> STORE_RESULT */
	IPC_STORE_ADDR_LIST_REQ,	/* ipc_addr_query -> STORE_ADDRS */
	IPC_STORE_ADDRS,		/* ipc_addrs */
	IPC_STORE_NODE_KEY_REQ,		/* netd: empty -> STORE_NODE_KEY */
	IPC_STORE_NODE_KEY,		/* ipc_node_key */
	IPC_STORE_PEER_KEY,		/* netd: ipc_peer_key ->
					   STORE_PEER_KEY_ACK */
	IPC_STORE_PEER_KEY_ACK,		/* ipc_peer_key_ack */
	IPC_STORE_HEADERS_REQ,		/* ipc_headers_req ->
					   IPC_STORE_HEADERS */
	IPC_STORE_HEADERS,		/* ipc_headers */
	IPC_STORE_AUDITED,		/* syncd: ipc_audited ->
					   IPC_STORE_RESULT */

	/* sync channel */
	IPC_NET_PEER_UP = 64,		/* netd -> syncd: ipc_peer */
	IPC_NET_PEER_DOWN,		/* netd -> syncd: ipc_peer */
	IPC_NET_PEER_TIP,		/* netd -> syncd: ipc_peer */
	IPC_NET_BLOCKS,			/* netd -> syncd: ipc_net_blocks */
	IPC_SYNC_GET_BLOCKS,		/* syncd -> netd: ipc_get_blocks */
	IPC_SYNC_ANNOUNCE,		/* syncd -> netd: ipc_blocks (1) */
	IPC_SYNC_PUNISH,		/* syncd -> netd: ipc_punish */
	IPC_SYNC_PEERS_REQ,		/* syncd -> netd: send PEER_UP all */
	IPC_SYNC_GET_HEADERS,		/* syncd -> netd: ipc_get_headers */
	IPC_NET_HEADERS,		/* netd -> syncd: ipc_net_headers */
	IPC_TYPE_MAX
};

/* a worker's heartbeat answer is IPC_HEARTBEAT + its enum ipc_proc */
_Static_assert(IPC_HEARTBEAT_STORED == IPC_HEARTBEAT + IPC_STORED &&
    IPC_HEARTBEAT_SYNCD == IPC_HEARTBEAT + IPC_SYNCD &&
    IPC_HEARTBEAT_NETD == IPC_HEARTBEAT + IPC_NETD, "heartbeat types");

struct ipc_hdr {
	uint16_t	type;
	uint16_t	version;
	uint32_t	reqid;
};

/* IPC_HEARTBEAT: the supervisor's view of who is who. */
struct ipc_heartbeat {
	uint64_t	seq;
	uint32_t	pids[IPC_NPROC];	/* 0 = not running */
};

/*
 * A latency histogram for the metrics (docs/operations.md, "Metrics"):
 * counts[i] observations in (bounds[i-1], bounds[i]], counts[last] above
 * the last bound; the bounds are fixed here so that workers and the
 * supervisor agree without sending them.
 */
#define IPC_HIST_NBOUNDS	13
extern const double ipc_hist_bounds_s[IPC_HIST_NBOUNDS];
struct ipc_hist {
	uint64_t	counts[IPC_HIST_NBOUNDS + 1];
	uint64_t	sum_us;		/* microseconds */
};
#define IPC_HIST_LEN		(8 * (IPC_HIST_NBOUNDS + 2))
/* count one observation of seconds (negative counts as 0) */
void	ipc_hist_observe(struct ipc_hist *, double seconds);

/*
 * Send-queue depths (messages) of a worker's channels to the two other
 * workers: sendq[k] is to the k-th other worker in enum ipc_proc order
 * (ipc_sendq_peer() names it).
 */
#define IPC_WORKER_CHANS	2
#define IPC_SENDQ_LEN		(4 * IPC_WORKER_CHANS)
enum ipc_proc	ipc_sendq_peer(enum ipc_proc self, int k);

/* IPC_HEARTBEAT_STORED */
struct ipc_status_stored {
	uint64_t	seq;
	uint64_t	height;
	uint8_t		tip[IPC_HASH_LEN];
	uint8_t		genesis[IPC_HASH_LEN];
	uint8_t		have_chain;	/* 0 until a genesis is stored */
	/* metrics: LMDB's map and pages (mdb_env_info, mdb_env_stat) */
	uint64_t	map_bytes;
	uint64_t	pages_used;	/* last page number + 1 */
	uint32_t	page_bytes;
	uint32_t	sendq[IPC_WORKER_CHANS];
};

/* IPC_HEARTBEAT_SYNCD */
enum sync_state { SYNC_IDLE, SYNC_CATCHING_UP, SYNC_NSTATES };
extern const char *const sync_state_names[SYNC_NSTATES];
/*
 * [sync] assumevalid (docs/sync.md, "Trusted checkpoint"); REVOKED: off
 * for the rest of syncd's run, a signature it skipped was found bad.
 */
enum sync_av { SYNC_AV_OFF, SYNC_AV_PENDING, SYNC_AV_PASSED,
	SYNC_AV_REVOKED, SYNC_NAV };
extern const char *const sync_av_names[SYNC_NAV];

struct ipc_status_syncd {
	uint64_t	seq;
	uint8_t		state;
	uint64_t	target_height;
	uint64_t	rate_milli;	/* blocks per second x 1000 */
	uint32_t	in_flight;
	uint64_t	log_suppressed;	/* per-peer lines not written */
	uint64_t	log_summaries;	/* "... and N more like it" lines */
	/* metrics: a block request to a peer until its answer */
	struct ipc_hist	request;
	uint32_t	sendq[IPC_WORKER_CHANS];
	/* the trusted checkpoint: enum sync_av; the height it was last
	   found at on the chain being synced (0: not yet); signatures not
	   checked because of it, since syncd started */
	uint8_t		assumevalid;
	uint64_t	av_height;
	uint64_t	av_skipped;
	/* stored blocks whose signatures are not verified yet: from ...
	   to, both 0 when none (1 <= from <= to otherwise) */
	uint64_t	unverified_from;
	uint64_t	unverified_to;
	/* since syncd started: block requests given up at their deadline
	   or with their silent peer, and peers found stalling the commit
	   point (docs/sync.md, "Deadlines", "Stalling") */
	uint64_t	requests_timed_out;
	uint64_t	peer_stalls;
};

/* Why netd closed a connection; the status counts each reason. */
enum net_close_reason {
	CLOSE_ERROR,		/* socket error or EOF */
	CLOSE_TIMEOUT,		/* ping timeout, missed pongs, handshake */
	CLOSE_DUPLICATE,	/* lost the doubled-connection rule */
	CLOSE_SELF,		/* connected to ourselves */
	CLOSE_WRONG_NETWORK,	/* other network or genesis */
	CLOSE_PROTOCOL,		/* malformed or oversized input */
	CLOSE_GOODBYE,		/* the peer said goodbye */
	CLOSE_LIMIT,		/* too many connections */
	CLOSE_REPLACED,		/* the peer restarted, new connection won */
	CLOSE_MISBEHAVIOR,	/* invalid blocks and the like */
	CLOSE_SHUTDOWN,		/* we are stopping */
	CLOSE_NREASONS
};
extern const char *const net_close_names[CLOSE_NREASONS];

enum net_direction { DIR_INBOUND, DIR_OUTBOUND };

/* the other addresses a peer is known by (a dual-stack machine) */
#define IPC_PEER_ALSO_MAX	3

struct ipc_peer_status {
	struct netaddr	ip;	/* IPv6, IPv4 v4-mapped (netaddr.h) */
	uint8_t		nalso;	/* 0 ... IPC_PEER_ALSO_MAX */
	struct netaddr	also[IPC_PEER_ALSO_MAX];	/* its other IPs */
	uint16_t	listen_port;
	uint16_t	remote_port;
	uint8_t		direction;	/* enum net_direction */
	uint32_t	connected_s;
	uint32_t	ping_rtt_us;
	uint16_t	missed_pongs;
	uint64_t	height;
	uint64_t	bytes_in;
	uint64_t	bytes_out;
	uint64_t	blocks_received;
	uint64_t	pings_sent;	/* on this connection */
	uint64_t	pongs_received;
};
#define IPC_PEER_STATUS_LEN	(NETADDR_LEN + 1 + \
				 IPC_PEER_ALSO_MAX * NETADDR_LEN + \
				 2 + 2 + 1 + 4 + 4 + 2 + 8 * 6)

struct ipc_net_counters {
	uint64_t	pings_sent;
	uint64_t	pongs_received;
	uint64_t	connections_opened;
	uint64_t	connections_closed[CLOSE_NREASONS];
	uint64_t	duplicates_resolved;
	uint64_t	handshakes_failed;
	uint64_t	bytes_in;
	uint64_t	bytes_out;
	uint64_t	log_suppressed;	/* lines peers caused, not written */
	uint64_t	log_summaries;	/* "... and N more like it" lines */
	uint64_t	outq_bytes;	/* now queued to all peers (a gauge) */
	uint64_t	outq_shed;	/* peers closed for the output budget */
	uint64_t	peer_key_changed;	/* a known address, another
						   node key (tls.h) */
	uint64_t	downgrades_refused;	/* plaintext where TLS was
						   due (protocol.md 12) */
	uint64_t	plaintext_v2_hellos;	/* version-2 hellos accepted
						   in plaintext (= yes) */
};

/* IPC_HEARTBEAT_NETD; peers is allocated by the decoder */
struct ipc_status_netd {
	uint64_t		 seq;
	struct ipc_net_counters	 c;
	/* metrics: bans in force, TCP connected until the handshake ends */
	uint32_t		 bans;
	struct ipc_hist		 handshake;
	uint32_t		 sendq[IPC_WORKER_CHANS];
	uint8_t			 node_key[IPC_KEY_LEN];	/* public; zeros
							   until known */
	uint8_t			 node_key_temporary;	/* 1: made by netd,
							   stored never
							   answered */
	uint32_t		 npeers;
	struct ipc_peer_status	*peers;
};

/* IPC_DEBUG_SOCKET_ACK */
struct ipc_debug_socket {
	int32_t		err;		/* errno of socket(AF_INET), 0 = ok */
};

/* Limits of the bulk messages. */
#define IPC_MAX_BLOCKS		1024	/* blocks in one message */
#define IPC_MAX_BLOCK_BYTES	(8u << 20)	/* their total size */
#define IPC_MAX_HASHES		64	/* locator entries */
#define IPC_MAX_ADDRS		1000	/* address-book entries */
#define IPC_REASON_MAX		200
#define IPC_MAX_HEADERS		2000	/* headers in one message, =
					   WIRE_MAX_HEADERS */
#define IPC_HEADER_LEN		90	/* = BLOCK_HEADER_LEN */

/*
 * IPC_STORE_TIP.  To netd the tip served to peers: while blocks whose
 * signatures were not checked are stored (unchecked_lo ... unchecked_hi,
 * docs/sync.md "Trusted checkpoint"), the block below unchecked_lo;
 * else the tip.  To syncd the committed tip.  unchecked_lo and
 * unchecked_hi: both 0 when every stored signature was checked, else
 * 1 <= lo <= hi (the decoder refuses anything else).
 */
struct ipc_tip {
	uint64_t	height;
	uint8_t		hash[IPC_HASH_LEN];
	uint8_t		genesis[IPC_HASH_LEN];
	uint64_t	unchecked_lo;
	uint64_t	unchecked_hi;
};

/* IPC_STORE_BLOCKS_REQ: blocks from..., at most count and about bytes */
struct ipc_range {
	uint64_t	from;
	uint32_t	count;
	uint32_t	max_bytes;
};

/*
 * IPC_STORE_HEADERS_REQ: the headers of the main chain's blocks from
 * height from (<= IPC_MAX_HEIGHT), count of them (1..IPC_MAX_HEADERS):
 * for a peer's GET_HEADERS (docs/protocol.md section 3).
 */
struct ipc_headers_req {
	uint64_t	from;
	uint32_t	count;
};

/*
 * IPC_STORE_HEADERS: code (IPC_OK, or why there are none), then count
 * (0..IPC_MAX_HEADERS) block headers of IPC_HEADER_LEN bytes back to back
 * at h.  Decoding points h into the message (nothing is allocated): the
 * message must outlive the result.
 */
struct ipc_headers {
	uint8_t		 code;
	uint32_t	 count;
	const uint8_t	*h;
};

/*
 * Blocks as opaque encoded bytes (chain/block.h decodes them).  Decoding
 * points into the message: the message must outlive the result.
 */
struct ipc_blocks {
	uint8_t		 code;		/* IPC_OK or an ipc_code, answers */
	uint32_t	 count;
	struct blob	*v;		/* allocated by the decoder */
};

/* IPC_STORE_HASHES, IPC_STORE_FORK_REQ (locator), HEIGHT_REQ (count 1) */
struct ipc_hashes {
	uint32_t	count;
	uint8_t		h[IPC_MAX_HASHES][IPC_HASH_LEN];
};

/* IPC_STORE_POINT: the highest locator hash we have, or one hash's height */
struct ipc_point {
	uint8_t		found;
	uint64_t	height;
	uint8_t		hash[IPC_HASH_LEN];
};

/*
 * IPC_STORE_APPEND: optionally roll back to rollback_to, then append.
 * unchecked_lo ... unchecked_hi: the lowest and highest height in the
 * batch whose signature syncd did not check ([sync] assumevalid,
 * docs/sync.md "Trusted checkpoint"); both 0 when it checked every one.
 * The decoder refuses lo > hi, one of them 0 and not the other, and a
 * range with no blocks; stored refuses one outside the batch's heights
 * (IPC_ERR_MALFORMED) and records it in the append's own transaction.
 */
struct ipc_append {
	uint8_t			rollback;
	uint64_t		rollback_to;
	uint64_t		unchecked_lo;
	uint64_t		unchecked_hi;
	struct ipc_blocks	blocks;
};

/*
 * IPC_STORE_AUDITED (syncd -> stored, answered with IPC_STORE_RESULT):
 * the signatures of the stored blocks from ... to (1 <= from <= to) were
 * checked and are good.  stored moves its unchecked range's low end to
 * to + 1 only when from is that low end (IPC_ERR_RANGE otherwise), and
 * forgets the range once past its high end.  docs/sync.md, "Trusted
 * checkpoint".
 */
struct ipc_audited {
	uint64_t	from;
	uint64_t	to;
};

/* Answer codes of IPC_STORE_RESULT and friends. */
enum ipc_code {
	IPC_OK,
	IPC_ERR_MALFORMED,	/* request did not decode */
	IPC_ERR_GAP,		/* first height is not tip + 1 */
	IPC_ERR_LINK,		/* does not link to the previous hash */
	IPC_ERR_CONFLICT,	/* another block is stored at that height */
	IPC_ERR_TOO_LARGE,	/* over a count or size limit */
	IPC_ERR_RANGE,		/* heights out of range */
	IPC_ERR_STORAGE,	/* LMDB failed: disk full, read-only, ... */
	IPC_ERR_BUSY,		/* try again later */
	IPC_ERR_REFUSED,	/* not allowed (e.g. reorg too deep) */
	IPC_NCODES
};
extern const char *const ipc_code_names[IPC_NCODES];

struct ipc_result {
	uint8_t		code;
	uint64_t	height;		/* tip after the operation */
	uint8_t		hash[IPC_HASH_LEN];
	uint32_t	count;		/* blocks written, produced, ... */
	char		reason[IPC_REASON_MAX + 1];
};

/* Address book. */
enum addr_source { ADDR_CONFIG, ADDR_INBOUND, ADDR_EXCHANGE, ADDR_NSOURCES };

struct ipc_addr {
	struct netaddr	ip;	/* IPv6, IPv4 v4-mapped (netaddr.h) */
	uint16_t	port;
	uint8_t		source;		/* enum addr_source */
	uint64_t	last_seen;	/* Unix seconds */
	uint64_t	last_success;
	uint32_t	failures;
	uint64_t	banned_until;
};

enum addr_outcome { ADDR_SUCCESS, ADDR_FAILURE, ADDR_BAN, ADDR_UNBAN,
	ADDR_NOUTCOMES };

struct ipc_addr_mark {
	struct netaddr	ip;
	uint16_t	port;
	uint8_t		outcome;	/* enum addr_outcome */
	uint64_t	now;		/* Unix seconds */
	uint64_t	until;		/* ADDR_BAN */
};

/*
 * The node key (docs/storage.md, "Node key"): stored keeps its 32-byte
 * Ed25519 seed in the data dir and gives it to netd, which makes its TLS
 * certificate of it (netd/tls.h).
 */
struct ipc_node_key {
	uint8_t		seed[IPC_KEY_LEN];
};

/*
 * A peer's node key, recorded per address by stored on first contact
 * (docs/storage.md, "Peer keys"); ip is IPv6, IPv4 v4-mapped
 * (netaddr.h).  The answer says what stored had.
 */
struct ipc_peer_key {
	struct netaddr	ip;
	uint8_t		key[IPC_KEY_LEN];
};
enum peer_key_outcome {
	PEER_KEY_NEW,		/* first contact: recorded */
	PEER_KEY_SAME,
	PEER_KEY_CHANGED,	/* another key before: old; the new recorded */
	PEER_KEY_FULL,		/* not recorded: the table is full */
	PEER_KEY_NOUTCOMES
};
struct ipc_peer_key_ack {
	struct netaddr	ip;
	uint8_t		outcome;	/* enum peer_key_outcome */
	uint8_t		old[IPC_KEY_LEN];	/* PEER_KEY_CHANGED */
};

/*
 * DIAL: unbanned entries with a port, best first; SHARE: of those, the
 * ones known good; BANNED: the entries banned now, port or not (netd
 * reads them at start so a ban outlives it).
 */
enum addr_purpose { ADDR_FOR_DIAL, ADDR_FOR_SHARE, ADDR_BANNED,
	ADDR_NPURPOSES };

struct ipc_addr_query {
	uint32_t	max;
	uint8_t		purpose;	/* enum addr_purpose */
	uint64_t	now;
};

struct ipc_addrs {
	uint32_t	 count;
	struct ipc_addr	*v;		/* allocated by the decoder */
};

/* Peers, netd -> syncd. */
struct ipc_peer {
	struct netaddr	ip;	/* the identity (netaddr.h) */
	uint16_t	listen_port;
	uint8_t		direction;
	uint64_t	height;
	uint8_t		tip[IPC_HASH_LEN];
};

/* IPC_NET_BLOCKS: what a peer sent, for request reqid (0: announced) */
struct ipc_net_blocks {
	struct netaddr	ip;
	uint32_t		reqid;
	struct ipc_blocks	blocks;
};

/* IPC_SYNC_GET_BLOCKS: by locator when nlocator > 0, else by range. */
struct ipc_get_blocks {
	struct netaddr	ip;
	uint32_t		reqid;
	uint64_t		from;
	uint32_t		count;
	struct ipc_hashes	locator;
};

/*
 * IPC_SYNC_GET_HEADERS: ask peer ip for count (1..IPC_MAX_HEADERS)
 * headers from height from (GET_HEADERS, docs/protocol.md section 3).
 * netd answers every one with IPC_NET_HEADERS of the same reqid: the
 * peer's answer, or none (the peer is gone, its version is below 3, its
 * requests are full, no answer within the deadline).
 */
struct ipc_get_headers {
	struct netaddr	ip;
	uint32_t	reqid;
	uint64_t	from;
	uint32_t	count;
};

/* IPC_NET_HEADERS: a peer's HEADERS as it sent them (nothing judged) */
struct ipc_net_headers {
	struct netaddr		ip;
	uint32_t		reqid;
	struct ipc_headers	headers;
};

/* IPC_SYNC_PUNISH */
struct ipc_punish {
	struct netaddr	ip;
	uint8_t		reason;		/* enum net_close_reason */
	uint32_t	ban_s;
	char		why[IPC_REASON_MAX + 1];
};

/*
 * IPC_BANS: netd's bans in force (timenodectl bans).  reason is the
 * enum net_close_reason that earned the ban, or CLOSE_NREASONS for a ban
 * read back from the address book (which keeps no reason).
 */
#define IPC_MAX_BANS		256
struct ipc_ban {
	struct netaddr	ip;	/* IPv6, IPv4 v4-mapped (netaddr.h) */
	uint8_t		reason;		/* enum net_close_reason, or NREASONS */
	uint64_t	until;		/* Unix seconds */
};
struct ipc_bans {
	uint32_t	count;		/* 0 ... IPC_MAX_BANS */
	struct ipc_ban	v[IPC_MAX_BANS];
};
#define IPC_BAN_LEN		(NETADDR_LEN + 1 + 8)

/* IPC_UNBAN: lift the ban of ip in netd and in the address book */
struct ipc_unban {
	struct netaddr	ip;	/* not :: (the decoder refuses it) */
};

/* IPC_METRICS_TEXT: at most this much (metrics.h METRICS_MAX_BYTES) */
#define IPC_METRICS_TEXT_MAX	(256u << 10)

/* IPC_PRODUCE */
struct ipc_produce {
	uint32_t	count;
	uint32_t	payload_bytes;
};
#define IPC_PRODUCE_MAX		100000
#define IPC_PRODUCE_PAYLOAD_MAX	(256u * 1024)	/* = BLOCK_PAYLOAD_MAX */

/*
 * msg.c: the catalogue and the checks.  One entry per type: who may send
 * it to whom and its body's size bounds (ipc_check, before any handler
 * runs); for a request, the type that answers it on success (stored may
 * answer any request with IPC_STORE_RESULT instead, an error; a worker's
 * heartbeat answer is IPC_HEARTBEAT + its enum ipc_proc, so 0 here); and
 * its codec: the struct ipc_<name> it carries, encoded and decoded by the
 * functions below (NULL: an empty body, or raw bytes as METRICS_TEXT).
 */
typedef void	(*ipc_encode_fn)(struct wbuf *, const void *msg);
typedef int	(*ipc_decode_fn)(struct rbuf *, void *msg);
typedef void	(*ipc_release_fn)(void *msg);

struct ipc_msgdef {
	uint16_t	 type;
	const char	*name;
	uint8_t		 from;		/* bit per enum ipc_proc */
	uint8_t		 to;
	uint32_t	 min;		/* body size bounds */
	uint32_t	 max;
	uint16_t	 answer;	/* a request's answer type, or 0 */
	size_t		 size;		/* sizeof the struct; 0: no codec */
	ipc_encode_fn	 encode;
	ipc_decode_fn	 decode;
	ipc_release_fn	 release;	/* frees what decode allocated */
	uint8_t		 secret;	/* wipe the encoded bytes after use */
};

const struct ipc_msgdef *ipc_msgdef(uint16_t type);
const char	*ipc_type_name(uint16_t type);
/* the largest message, header included, from may send to */
size_t		 ipc_max_msg(enum ipc_proc from, enum ipc_proc to);
/* NULL when acceptable, else why not */
const char	*ipc_check(const struct ipc_hdr *, size_t bodylen,
		    enum ipc_proc from, enum ipc_proc to);
int		 ipc_hdr_decode(struct rbuf *, struct ipc_hdr *);
void		 ipc_hdr_encode(struct wbuf *, uint16_t type, uint32_t reqid);

void	ipc_heartbeat_encode(struct wbuf *, const struct ipc_heartbeat *);
int	ipc_heartbeat_decode(struct rbuf *, struct ipc_heartbeat *);
void	ipc_status_stored_encode(struct wbuf *,
	    const struct ipc_status_stored *);
int	ipc_status_stored_decode(struct rbuf *, struct ipc_status_stored *);
void	ipc_status_syncd_encode(struct wbuf *,
	    const struct ipc_status_syncd *);
int	ipc_status_syncd_decode(struct rbuf *, struct ipc_status_syncd *);
void	ipc_status_netd_encode(struct wbuf *, const struct ipc_status_netd *);
int	ipc_status_netd_decode(struct rbuf *, struct ipc_status_netd *);
void	ipc_status_netd_free(struct ipc_status_netd *);
void	ipc_tip_encode(struct wbuf *, const struct ipc_tip *);
int	ipc_tip_decode(struct rbuf *, struct ipc_tip *);
void	ipc_range_encode(struct wbuf *, const struct ipc_range *);
int	ipc_range_decode(struct rbuf *, struct ipc_range *);
void	ipc_headers_req_encode(struct wbuf *, const struct ipc_headers_req *);
int	ipc_headers_req_decode(struct rbuf *, struct ipc_headers_req *);
void	ipc_headers_encode(struct wbuf *, const struct ipc_headers *);
int	ipc_headers_decode(struct rbuf *, struct ipc_headers *);
/* Blocks: encode appends count and each blob; free releases v. */
void	ipc_blocks_encode(struct wbuf *, const struct ipc_blocks *);
int	ipc_blocks_decode(struct rbuf *, struct ipc_blocks *);
void	ipc_blocks_free(struct ipc_blocks *);
void	ipc_hashes_encode(struct wbuf *, const struct ipc_hashes *);
int	ipc_hashes_decode(struct rbuf *, struct ipc_hashes *);
void	ipc_point_encode(struct wbuf *, const struct ipc_point *);
int	ipc_point_decode(struct rbuf *, struct ipc_point *);
void	ipc_append_encode(struct wbuf *, const struct ipc_append *);
int	ipc_append_decode(struct rbuf *, struct ipc_append *);
void	ipc_audited_encode(struct wbuf *, const struct ipc_audited *);
int	ipc_audited_decode(struct rbuf *, struct ipc_audited *);
void	ipc_result_encode(struct wbuf *, const struct ipc_result *);
int	ipc_result_decode(struct rbuf *, struct ipc_result *);
void	ipc_addr_encode(struct wbuf *, const struct ipc_addr *);
int	ipc_addr_decode(struct rbuf *, struct ipc_addr *);
void	ipc_addr_mark_encode(struct wbuf *, const struct ipc_addr_mark *);
int	ipc_addr_mark_decode(struct rbuf *, struct ipc_addr_mark *);
void	ipc_node_key_encode(struct wbuf *, const struct ipc_node_key *);
int	ipc_node_key_decode(struct rbuf *, struct ipc_node_key *);
void	ipc_peer_key_encode(struct wbuf *, const struct ipc_peer_key *);
int	ipc_peer_key_decode(struct rbuf *, struct ipc_peer_key *);
void	ipc_peer_key_ack_encode(struct wbuf *,
	    const struct ipc_peer_key_ack *);
int	ipc_peer_key_ack_decode(struct rbuf *, struct ipc_peer_key_ack *);
void	ipc_addr_query_encode(struct wbuf *, const struct ipc_addr_query *);
int	ipc_addr_query_decode(struct rbuf *, struct ipc_addr_query *);
void	ipc_addrs_encode(struct wbuf *, const struct ipc_addrs *);
int	ipc_addrs_decode(struct rbuf *, struct ipc_addrs *);
void	ipc_addrs_free(struct ipc_addrs *);
void	ipc_peer_encode(struct wbuf *, const struct ipc_peer *);
int	ipc_peer_decode(struct rbuf *, struct ipc_peer *);
void	ipc_net_blocks_encode(struct wbuf *, const struct ipc_net_blocks *);
int	ipc_net_blocks_decode(struct rbuf *, struct ipc_net_blocks *);
void	ipc_get_blocks_encode(struct wbuf *, const struct ipc_get_blocks *);
int	ipc_get_blocks_decode(struct rbuf *, struct ipc_get_blocks *);
void	ipc_get_headers_encode(struct wbuf *, const struct ipc_get_headers *);
int	ipc_get_headers_decode(struct rbuf *, struct ipc_get_headers *);
void	ipc_net_headers_encode(struct wbuf *, const struct ipc_net_headers *);
int	ipc_net_headers_decode(struct rbuf *, struct ipc_net_headers *);
void	ipc_punish_encode(struct wbuf *, const struct ipc_punish *);
int	ipc_punish_decode(struct rbuf *, struct ipc_punish *);
void	ipc_bans_encode(struct wbuf *, const struct ipc_bans *);
int	ipc_bans_decode(struct rbuf *, struct ipc_bans *);
void	ipc_unban_encode(struct wbuf *, const struct ipc_unban *);
int	ipc_unban_decode(struct rbuf *, struct ipc_unban *);
void	ipc_produce_encode(struct wbuf *, const struct ipc_produce *);
int	ipc_produce_decode(struct rbuf *, struct ipc_produce *);

void	ipc_debug_socket_encode(struct wbuf *,
	    const struct ipc_debug_socket *);
int	ipc_debug_socket_decode(struct rbuf *, struct ipc_debug_socket *);

#endif
