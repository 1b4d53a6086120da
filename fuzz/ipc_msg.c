/* SPDX-License-Identifier: ISC */
/*
 * ipc_msg.c - fuzz target: every IPC message of the catalogue (ipc/ipc.h,
 * ipc/msg.c) as a channel receives it (chan.c): the header, the
 * catalogue's checks for every sender and receiver, then the body's
 * decoder for the header's type.
 *
 * Input: one whole message, header and body.  The body is decoded whether
 * or not the catalogue lets it through, so that each decoder is tried on
 * any size.  Rules: the catalogue accepts only bodies within its bounds;
 * a body that decodes encodes back to the same bytes and keeps the limits
 * of ipc.h (counts, block bytes); decoders that allocate are freed (the
 * leak checker holds them to it).
 */
#include <string.h>

#include "ipc.h"
#include "util.h"

/* decode, encode again, compare, free (if the type allocates) */
#define ROUND(name, var, freefn) do {					\
	if (ipc_##name##_decode(&r, &var) == 0) {			\
		ipc_##name##_encode(&w, &var);				\
		fuzz_same(#name, body, len, w.data, w.len);		\
		check_limits(type);					\
		freefn;							\
	}								\
} while (0)

static union {
	struct ipc_heartbeat		hb;
	struct ipc_status_stored	st_stored;
	struct ipc_status_syncd		st_syncd;
	struct ipc_status_netd		st_netd;
	struct ipc_debug_socket		dbg;
	struct ipc_produce		produce;
	struct ipc_result		result;
	struct ipc_tip			tip;
	struct ipc_range		range;
	struct ipc_headers_req		headers_req;
	struct ipc_headers		headers;
	struct ipc_get_headers		get_headers;
	struct ipc_net_headers		net_headers;
	struct ipc_blocks		blocks;
	struct ipc_hashes		hashes;
	struct ipc_point		point;
	struct ipc_append		append;
	struct ipc_addr			addr;
	struct ipc_addr_mark		mark;
	struct ipc_addr_query		query;
	struct ipc_addrs		addrs;
	struct ipc_node_key		node_key;
	struct ipc_peer_key		peer_key;
	struct ipc_peer_key_ack		peer_key_ack;
	struct ipc_peer			peer;
	struct ipc_net_blocks		net_blocks;
	struct ipc_get_blocks		get_blocks;
	struct ipc_punish		punish;
	struct ipc_bans			bans;
	struct ipc_unban		unban;
} u;

static void
check_blocks(const struct ipc_blocks *b)
{
	uint64_t	total = 0;
	uint32_t	i;

	if (b->count > IPC_MAX_BLOCKS)
		fuzz_fail("more blocks than IPC_MAX_BLOCKS");
	for (i = 0; i < b->count; i++)
		total += b->v[i].len;
	if (total > IPC_MAX_BLOCK_BYTES)
		fuzz_fail("more block bytes than IPC_MAX_BLOCK_BYTES");
}

/* the limits of ipc.h hold for whatever decoded (the encoders do not
 * check them, so the round trip alone would not see a limit broken) */
static void
check_limits(uint16_t type)
{
	switch (type) {
	case IPC_HEARTBEAT_NETD:
		if (u.st_netd.npeers > IPC_MAX_PEERS)
			fuzz_fail("more peers than IPC_MAX_PEERS");
		break;
	case IPC_STORE_BLOCKS:
	case IPC_SYNC_ANNOUNCE:
		check_blocks(&u.blocks);
		break;
	case IPC_STORE_APPEND:
		check_blocks(&u.append.blocks);
		break;
	case IPC_NET_BLOCKS:
		check_blocks(&u.net_blocks.blocks);
		break;
	case IPC_STORE_HASHES:
	case IPC_STORE_FORK_REQ:
	case IPC_STORE_HEIGHT_REQ:
		if (u.hashes.count > IPC_MAX_HASHES)
			fuzz_fail("more hashes than IPC_MAX_HASHES");
		break;
	case IPC_SYNC_GET_BLOCKS:
		if (u.get_blocks.locator.count > IPC_MAX_HASHES ||
		    u.get_blocks.count > IPC_MAX_BLOCKS)
			fuzz_fail("get-blocks over its limits");
		break;
	case IPC_STORE_HEADERS:
		if (u.headers.count > IPC_MAX_HEADERS)
			fuzz_fail("more headers than IPC_MAX_HEADERS");
		break;
	case IPC_STORE_ADDRS:
		if (u.addrs.count > IPC_MAX_ADDRS)
			fuzz_fail("more addresses than IPC_MAX_ADDRS");
		break;
	case IPC_BANS:
		if (u.bans.count > IPC_MAX_BANS)
			fuzz_fail("more bans than IPC_MAX_BANS");
		break;
	}
}

static void
decode_body(uint16_t type, const uint8_t *body, size_t len)
{
	struct rbuf	r;
	struct wbuf	w;

	rbuf_init(&r, body, len);
	wbuf_init(&w, IPC_MAX_MSG);
	memset(&u, 0, sizeof(u));
	switch (type) {
	case IPC_HEARTBEAT:
		ROUND(heartbeat, u.hb, (void)0);
		break;
	case IPC_HEARTBEAT_STORED:
		ROUND(status_stored, u.st_stored, (void)0);
		break;
	case IPC_HEARTBEAT_SYNCD:
		ROUND(status_syncd, u.st_syncd, (void)0);
		break;
	case IPC_HEARTBEAT_NETD:
		ROUND(status_netd, u.st_netd, ipc_status_netd_free(&u.st_netd));
		break;
	case IPC_DEBUG_SOCKET_ACK:
		ROUND(debug_socket, u.dbg, (void)0);
		break;
	case IPC_PRODUCE:
		ROUND(produce, u.produce, (void)0);
		break;
	case IPC_PRODUCE_ACK:
	case IPC_VERIFY_ACK:
	case IPC_STORE_RESULT:
	case IPC_UNBAN_ACK:
		ROUND(result, u.result, (void)0);
		break;
	case IPC_STORE_TIP:
		ROUND(tip, u.tip, (void)0);
		break;
	case IPC_STORE_BLOCKS_REQ:
		ROUND(range, u.range, (void)0);
		break;
	case IPC_STORE_HEADERS_REQ:
		ROUND(headers_req, u.headers_req, (void)0);
		break;
	case IPC_STORE_HEADERS:
		ROUND(headers, u.headers, (void)0);
		break;
	case IPC_SYNC_GET_HEADERS:
		ROUND(get_headers, u.get_headers, (void)0);
		break;
	case IPC_NET_HEADERS:
		ROUND(net_headers, u.net_headers, (void)0);
		break;
	case IPC_STORE_BLOCKS:
	case IPC_SYNC_ANNOUNCE:
		ROUND(blocks, u.blocks, ipc_blocks_free(&u.blocks));
		break;
	case IPC_STORE_HASHES:
	case IPC_STORE_FORK_REQ:
	case IPC_STORE_HEIGHT_REQ:
		ROUND(hashes, u.hashes, (void)0);
		break;
	case IPC_STORE_POINT:
		ROUND(point, u.point, (void)0);
		break;
	case IPC_STORE_APPEND:
		ROUND(append, u.append, ipc_blocks_free(&u.append.blocks));
		break;
	case IPC_STORE_ADDR_UPSERT:
		ROUND(addr, u.addr, (void)0);
		break;
	case IPC_STORE_ADDR_MARK:
		ROUND(addr_mark, u.mark, (void)0);
		break;
	case IPC_STORE_ADDR_LIST_REQ:
		ROUND(addr_query, u.query, (void)0);
		break;
	case IPC_STORE_ADDRS:
		ROUND(addrs, u.addrs, ipc_addrs_free(&u.addrs));
		break;
	case IPC_STORE_NODE_KEY:
		ROUND(node_key, u.node_key, (void)0);
		break;
	case IPC_STORE_PEER_KEY:
		ROUND(peer_key, u.peer_key, (void)0);
		break;
	case IPC_STORE_PEER_KEY_ACK:
		ROUND(peer_key_ack, u.peer_key_ack, (void)0);
		break;
	case IPC_NET_PEER_UP:
	case IPC_NET_PEER_DOWN:
	case IPC_NET_PEER_TIP:
		ROUND(peer, u.peer, (void)0);
		break;
	case IPC_NET_BLOCKS:
		ROUND(net_blocks, u.net_blocks,
		    ipc_blocks_free(&u.net_blocks.blocks));
		break;
	case IPC_SYNC_GET_BLOCKS:
		ROUND(get_blocks, u.get_blocks, (void)0);
		break;
	case IPC_SYNC_PUNISH:
		ROUND(punish, u.punish, (void)0);
		break;
	case IPC_BANS:
		ROUND(bans, u.bans, (void)0);
		break;
	case IPC_UNBAN:
		ROUND(unban, u.unban, (void)0);
		break;
	default:
		/* no body (requests, IPC_HEARTBEAT's kin) or unknown */
		break;
	}
	wbuf_free(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ipc_msgdef	*d;
	struct ipc_hdr		 h;
	struct rbuf		 r;
	size_t			 len;
	int			 from, to;

	rbuf_init(&r, data, size);
	if (ipc_hdr_decode(&r, &h) == -1) {
		if (size >= IPC_HDR_LEN)
			fuzz_fail("a whole header did not decode");
		return 0;
	}
	len = rbuf_left(&r);
	d = ipc_msgdef(h.type);
	(void)ipc_type_name(h.type);
	for (from = 0; from < IPC_NPROC; from++)
		for (to = 0; to < IPC_NPROC; to++) {
			if (ipc_check(&h, len, from, to) != NULL)
				continue;
			if (d == NULL || len < d->min || len > d->max ||
			    IPC_HDR_LEN + len > ipc_max_msg(from, to))
				fuzz_fail("the catalogue let a message "
				    "through that breaks its bounds");
		}
	decode_body(h.type, data + IPC_HDR_LEN, len);
	return 0;
}
