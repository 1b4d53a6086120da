/*
 * msg.c - the message catalogue and the encoders/decoders of ipc.h.
 *
 * Decoders return 0 only when every field was present, in range, and no
 * byte was left over; anything else is -1 and the message is dropped by
 * the caller.  Counts are checked against both their hard maximum and the
 * bytes actually present before any allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "ipc.h"

#define P(x)	(1u << (x))
#define WORKERS	(P(IPC_STORED) | P(IPC_SYNCD) | P(IPC_NETD))

const char *const ipc_proc_names[IPC_NPROC] = {
	"timenoded", "stored", "syncd", "netd"
};

const char *const sync_state_names[SYNC_NSTATES] = {
	"idle", "catching-up"
};

const char *const net_close_names[CLOSE_NREASONS] = {
	"error", "timeout", "duplicate", "self", "wrong_network", "protocol",
	"goodbye", "limit", "replaced", "misbehavior", "shutdown"
};

#define NETD_STATUS_MIN	(8 + 8 * (7 + CLOSE_NREASONS) + 4)

static const struct ipc_msgdef msgdefs[] = {
	{ IPC_HEARTBEAT, "heartbeat", P(IPC_SUPERVISOR), WORKERS,
	    8 + 4 * IPC_NPROC, 8 + 4 * IPC_NPROC },
	{ IPC_HEARTBEAT_STORED, "heartbeat-stored", P(IPC_STORED),
	    P(IPC_SUPERVISOR), 8 + 8 + 2 * IPC_HASH_LEN + 1,
	    8 + 8 + 2 * IPC_HASH_LEN + 1 },
	{ IPC_HEARTBEAT_SYNCD, "heartbeat-syncd", P(IPC_SYNCD),
	    P(IPC_SUPERVISOR), 8 + 1 + 8 + 8 + 4, 8 + 1 + 8 + 8 + 4 },
	{ IPC_HEARTBEAT_NETD, "heartbeat-netd", P(IPC_NETD), P(IPC_SUPERVISOR),
	    NETD_STATUS_MIN,
	    NETD_STATUS_MIN + IPC_MAX_PEERS * IPC_PEER_STATUS_LEN },
	{ IPC_DEBUG_SOCKET, "debug-socket", P(IPC_SUPERVISOR), WORKERS, 0, 0 },
	{ IPC_DEBUG_SOCKET_ACK, "debug-socket-ack", WORKERS, P(IPC_SUPERVISOR),
	    4, 4 },
};

const struct ipc_msgdef *
ipc_msgdef(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(msgdefs) / sizeof(msgdefs[0]); i++)
		if (msgdefs[i].type == type)
			return &msgdefs[i];
	return NULL;
}

const char *
ipc_type_name(uint16_t type)
{
	const struct ipc_msgdef *d = ipc_msgdef(type);

	return d ? d->name : "unknown";
}

const char *
ipc_check(const struct ipc_hdr *h, size_t bodylen, enum ipc_proc from,
    enum ipc_proc to)
{
	const struct ipc_msgdef *d;

	if (h->version != IPC_VERSION)
		return "wrong version";
	if ((d = ipc_msgdef(h->type)) == NULL)
		return "unknown type";
	if (!(d->from & P(from)))
		return "not allowed from this sender";
	if (!(d->to & P(to)))
		return "not allowed to this receiver";
	if (bodylen < d->min || bodylen > d->max)
		return "bad size";
	return NULL;
}

int
ipc_hdr_decode(struct rbuf *r, struct ipc_hdr *h)
{
	h->type = get_u16(r);
	h->version = get_u16(r);
	h->reqid = get_u32(r);
	return rbuf_ok(r) ? 0 : -1;
}

void
ipc_hdr_encode(struct wbuf *w, uint16_t type, uint32_t reqid)
{
	put_u16(w, type);
	put_u16(w, IPC_VERSION);
	put_u32(w, reqid);
}

void
ipc_heartbeat_encode(struct wbuf *w, const struct ipc_heartbeat *m)
{
	int i;

	put_u64(w, m->seq);
	for (i = 0; i < IPC_NPROC; i++)
		put_u32(w, m->pids[i]);
}

int
ipc_heartbeat_decode(struct rbuf *r, struct ipc_heartbeat *m)
{
	int i;

	m->seq = get_u64(r);
	for (i = 0; i < IPC_NPROC; i++) {
		m->pids[i] = get_u32(r);
		if (m->pids[i] > (uint32_t)INT32_MAX)
			return -1;
	}
	return rbuf_done(r) ? 0 : -1;
}

void
ipc_status_stored_encode(struct wbuf *w, const struct ipc_status_stored *m)
{
	put_u64(w, m->seq);
	put_u64(w, m->height);
	put_bytes(w, m->tip, IPC_HASH_LEN);
	put_bytes(w, m->genesis, IPC_HASH_LEN);
	put_u8(w, m->have_chain);
}

int
ipc_status_stored_decode(struct rbuf *r, struct ipc_status_stored *m)
{
	m->seq = get_u64(r);
	m->height = get_u64(r);
	get_bytes(r, m->tip, IPC_HASH_LEN);
	get_bytes(r, m->genesis, IPC_HASH_LEN);
	m->have_chain = get_u8(r);
	if (m->have_chain > 1)
		return -1;
	return rbuf_done(r) ? 0 : -1;
}

void
ipc_status_syncd_encode(struct wbuf *w, const struct ipc_status_syncd *m)
{
	put_u64(w, m->seq);
	put_u8(w, m->state);
	put_u64(w, m->target_height);
	put_u64(w, m->rate_milli);
	put_u32(w, m->in_flight);
}

int
ipc_status_syncd_decode(struct rbuf *r, struct ipc_status_syncd *m)
{
	m->seq = get_u64(r);
	m->state = get_u8(r);
	m->target_height = get_u64(r);
	m->rate_milli = get_u64(r);
	m->in_flight = get_u32(r);
	if (m->state >= SYNC_NSTATES)
		return -1;
	return rbuf_done(r) ? 0 : -1;
}

static void
counters_encode(struct wbuf *w, const struct ipc_net_counters *c)
{
	int i;

	put_u64(w, c->pings_sent);
	put_u64(w, c->pongs_received);
	put_u64(w, c->connections_opened);
	for (i = 0; i < CLOSE_NREASONS; i++)
		put_u64(w, c->connections_closed[i]);
	put_u64(w, c->duplicates_resolved);
	put_u64(w, c->handshakes_failed);
	put_u64(w, c->bytes_in);
	put_u64(w, c->bytes_out);
}

static void
counters_decode(struct rbuf *r, struct ipc_net_counters *c)
{
	int i;

	c->pings_sent = get_u64(r);
	c->pongs_received = get_u64(r);
	c->connections_opened = get_u64(r);
	for (i = 0; i < CLOSE_NREASONS; i++)
		c->connections_closed[i] = get_u64(r);
	c->duplicates_resolved = get_u64(r);
	c->handshakes_failed = get_u64(r);
	c->bytes_in = get_u64(r);
	c->bytes_out = get_u64(r);
}

static void
peer_encode(struct wbuf *w, const struct ipc_peer_status *p)
{
	put_bytes(w, &p->ip, 4);	/* already in network order */
	put_u16(w, p->listen_port);
	put_u16(w, p->remote_port);
	put_u8(w, p->direction);
	put_u32(w, p->connected_s);
	put_u32(w, p->ping_rtt_us);
	put_u16(w, p->missed_pongs);
	put_u64(w, p->height);
	put_u64(w, p->bytes_in);
	put_u64(w, p->bytes_out);
	put_u64(w, p->blocks_received);
}

static int
peer_decode(struct rbuf *r, struct ipc_peer_status *p)
{
	get_bytes(r, &p->ip, 4);
	p->listen_port = get_u16(r);
	p->remote_port = get_u16(r);
	p->direction = get_u8(r);
	p->connected_s = get_u32(r);
	p->ping_rtt_us = get_u32(r);
	p->missed_pongs = get_u16(r);
	p->height = get_u64(r);
	p->bytes_in = get_u64(r);
	p->bytes_out = get_u64(r);
	p->blocks_received = get_u64(r);
	if (p->direction > DIR_OUTBOUND)
		return -1;
	return rbuf_ok(r) ? 0 : -1;
}

void
ipc_status_netd_encode(struct wbuf *w, const struct ipc_status_netd *m)
{
	uint32_t i;

	put_u64(w, m->seq);
	counters_encode(w, &m->c);
	put_u32(w, m->npeers);
	for (i = 0; i < m->npeers; i++)
		peer_encode(w, &m->peers[i]);
}

int
ipc_status_netd_decode(struct rbuf *r, struct ipc_status_netd *m)
{
	uint32_t i;

	memset(m, 0, sizeof(*m));
	m->seq = get_u64(r);
	counters_decode(r, &m->c);
	m->npeers = get_count(r, IPC_MAX_PEERS, IPC_PEER_STATUS_LEN);
	if (!rbuf_ok(r))
		return -1;
	if (m->npeers &&
	    (m->peers = calloc(m->npeers, sizeof(*m->peers))) == NULL)
		return -1;
	for (i = 0; i < m->npeers; i++)
		if (peer_decode(r, &m->peers[i]) == -1)
			goto bad;
	if (rbuf_done(r))
		return 0;
bad:
	ipc_status_netd_free(m);
	return -1;
}

void
ipc_status_netd_free(struct ipc_status_netd *m)
{
	free(m->peers);
	m->peers = NULL;
	m->npeers = 0;
}

void
ipc_debug_socket_encode(struct wbuf *w, const struct ipc_debug_socket *m)
{
	put_u32(w, (uint32_t)m->err);
}

int
ipc_debug_socket_decode(struct rbuf *r, struct ipc_debug_socket *m)
{
	uint32_t v = get_u32(r);

	if (v > 4095)		/* errno values are small and positive */
		return -1;
	m->err = (int32_t)v;
	return rbuf_done(r) ? 0 : -1;
}
