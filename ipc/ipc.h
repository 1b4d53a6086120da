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
 *   ctl-<worker>.sock	supervisor <-> worker: heartbeats and status
 */
#ifndef TIMENODE_IPC_H
#define TIMENODE_IPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "codec.h"

#define IPC_VERSION		1
#define IPC_HDR_LEN		8
#define IPC_MAX_MSG		(16u << 20)	/* header + body, hard cap */
#define IPC_HASH_LEN		32
#define IPC_MAX_PEERS		1280		/* status entries */

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

/* IPC_HEARTBEAT_STORED */
struct ipc_status_stored {
	uint64_t	seq;
	uint64_t	height;
	uint8_t		tip[IPC_HASH_LEN];
	uint8_t		genesis[IPC_HASH_LEN];
	uint8_t		have_chain;	/* 0 until a genesis is stored */
};

/* IPC_HEARTBEAT_SYNCD */
enum sync_state { SYNC_IDLE, SYNC_CATCHING_UP, SYNC_NSTATES };
extern const char *const sync_state_names[SYNC_NSTATES];

struct ipc_status_syncd {
	uint64_t	seq;
	uint8_t		state;
	uint64_t	target_height;
	uint64_t	rate_milli;	/* blocks per second x 1000 */
	uint32_t	in_flight;
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

struct ipc_peer_status {
	uint32_t	ip;		/* network byte order */
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
};
#define IPC_PEER_STATUS_LEN	(4 + 2 + 2 + 1 + 4 + 4 + 2 + 8 * 4)

struct ipc_net_counters {
	uint64_t	pings_sent;
	uint64_t	pongs_received;
	uint64_t	connections_opened;
	uint64_t	connections_closed[CLOSE_NREASONS];
	uint64_t	duplicates_resolved;
	uint64_t	handshakes_failed;
	uint64_t	bytes_in;
	uint64_t	bytes_out;
};

/* IPC_HEARTBEAT_NETD; peers is allocated by the decoder */
struct ipc_status_netd {
	uint64_t		 seq;
	struct ipc_net_counters	 c;
	uint32_t		 npeers;
	struct ipc_peer_status	*peers;
};

/* IPC_DEBUG_SOCKET_ACK */
struct ipc_debug_socket {
	int32_t		err;		/* errno of socket(AF_INET), 0 = ok */
};

/* msg.c: the catalogue and the checks */
struct ipc_msgdef {
	uint16_t	 type;
	const char	*name;
	uint8_t		 from;		/* bit per enum ipc_proc */
	uint8_t		 to;
	uint32_t	 min;		/* body size bounds */
	uint32_t	 max;
};

const struct ipc_msgdef *ipc_msgdef(uint16_t type);
const char	*ipc_type_name(uint16_t type);
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
void	ipc_debug_socket_encode(struct wbuf *,
	    const struct ipc_debug_socket *);
int	ipc_debug_socket_decode(struct rbuf *, struct ipc_debug_socket *);

#endif
