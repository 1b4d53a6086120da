/* SPDX-License-Identifier: ISC */
/*
 * wire.h - the peer-to-peer wire protocol: framing and messages.
 *
 * Pure code (no sockets, no event loop) so that every byte a peer can send
 * is testable alone.  A frame is a 14-byte header and a payload:
 *
 *	u32 magic	network magic: the first 4 bytes of the genesis hash
 *	u16 type	enum wire_type
 *	u32 length	payload bytes, at most WIRE_MAX_PAYLOAD
 *	u8  check[4]	first 4 bytes of BLAKE2b-256(payload)
 *
 * The header is judged (magic, type, length) from its 14 bytes alone,
 * before the payload is read or anything is allocated.  Integers are
 * big-endian; everything is written and read with the codec (codec.h).
 * docs/protocol.md is the reference for another implementation.
 */
#ifndef TIMENODE_WIRE_H
#define TIMENODE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "block.h"
#include "codec.h"
#include "netaddr.h"

/*
 * 3: GET_HEADERS and HEADERS (headers-first catch-up, docs/protocol.md
 * section 3), sent only to a peer whose hello said 3 or more.
 * 2: TLS (docs/protocol.md section 12) and ADDRS_V2, peer exchange with
 * IPv6 (section 3); version 1, whose frames a node still speaks in
 * plaintext ([p2p] plaintext = yes), gets the IPv4-only ADDRS.
 * A connection speaks the lower of the two versions of its hellos.
 */
#define WIRE_VERSION		3
#define WIRE_VERSION_HEADERS	3	/* the first with GET_HEADERS */
#define WIRE_VERSION_TLS	2	/* the first with TLS and ADDRS_V2 */
#define WIRE_VERSION_PLAIN	1	/* the plaintext protocol before */
#define WIRE_HDR_LEN		14
#define WIRE_CHECK_LEN		4
#define WIRE_MAX_BLOCKS		256		/* blocks in one BLOCKS */
#define WIRE_MAX_BATCH		(4u << 20)	/* their total bytes */
#define WIRE_MAX_PAYLOAD	(WIRE_MAX_BATCH + 4 + 1 + 4 + \
				    4 * WIRE_MAX_BLOCKS)
#define WIRE_MAX_FRAME		(WIRE_HDR_LEN + WIRE_MAX_PAYLOAD)
#define WIRE_MAX_HASHES		64	/* locator entries, = IPC_MAX_HASHES */
#define WIRE_MAX_HEADERS	2000	/* headers in one HEADERS (as Bitcoin's
					   MAX_HEADERS_RESULTS) */
#define WIRE_HEADERS_MAX_PAYLOAD (4 + 4 + \
				    (size_t)WIRE_MAX_HEADERS * BLOCK_HEADER_LEN)
#define WIRE_MAX_ADDRS		250		/* addresses in one ADDRS */
#define WIRE_ADDR_LEN		(NETADDR_LEN + 2)	/* one, in ADDRS_V2 */
#define WIRE_ADDR_V1_LEN	(4 + 2)			/* one, in ADDRS */
/* heights in HELLO, TIP, GET_RANGE, GET_HEADERS and blocks: docs/protocol.md section 2 */
#define WIRE_MAX_HEIGHT		((1ull << 53) - 1)	/* = IPC_MAX_HEIGHT */
/* GOODBYE reason codes 0 ... 10 (protocol.md section 3), = CLOSE_NREASONS */
#define WIRE_GOODBYE_REASONS	11
#define WIRE_AGENT_MAX		64		/* user agent bytes */
#define WIRE_REASON_MAX		200		/* goodbye text bytes */
/* a HELLO payload: 88 fixed bytes, the agent str (protocol.md section 3) */
#define WIRE_HELLO_MAX		(88 + 2 + WIRE_AGENT_MAX)

enum wire_type {
	WIRE_HELLO = 1,		/* handshake, first message both ways */
	WIRE_PING,
	WIRE_PONG,
	WIRE_TIP,		/* our best block changed */
	WIRE_GET_RANGE,		/* blocks by height range */
	WIRE_GET_LOCATOR,	/* blocks after the fork point of a locator */
	WIRE_BLOCKS,		/* answer (reqid) or announcement (reqid 0) */
	WIRE_GET_ADDRS,		/* peer exchange: ask */
	WIRE_ADDRS,		/* peer exchange: IPv4 listening addresses
				   (version 1) */
	WIRE_GOODBYE,		/* reason code and text, then close */
	WIRE_ADDRS_V2,		/* peer exchange: IPv6 and IPv4 (version 2;
				   as Bitcoin's addrv2, BIP 155) */
	WIRE_GET_HEADERS,	/* block headers by height range (version 3) */
	WIRE_HEADERS,		/* their answer (version 3) */
	WIRE_TYPE_MAX
};
extern const char *const wire_type_names[WIRE_TYPE_MAX];

/* Results of the framing layer. */
enum wire_status {
	WIRE_OK,
	WIRE_NEED_MORE,		/* not a whole header or frame yet */
	WIRE_ERR_MAGIC,		/* another network, or not our protocol */
	WIRE_ERR_TYPE,		/* unknown message type */
	WIRE_ERR_SIZE,		/* payload longer than WIRE_MAX_PAYLOAD */
	WIRE_ERR_CHECKSUM,
	WIRE_ERR_DECODE,	/* payload does not decode as its type */
	WIRE_ERR_HEIGHT,	/* a height above WIRE_MAX_HEIGHT */
	WIRE_NSTATUS
};
extern const char *const wire_status_names[WIRE_NSTATUS];

struct wire_hdr {
	uint32_t	magic;
	uint16_t	type;
	uint32_t	len;
	uint8_t		check[WIRE_CHECK_LEN];
};

struct wire_hello {
	uint16_t	version;
	uint32_t	magic;
	uint8_t		genesis[BLOCK_HASH_LEN];
	uint64_t	nonce;		/* random per process */
	uint16_t	listen_port;	/* 0: not listening */
	uint64_t	height;
	uint8_t		tip[BLOCK_HASH_LEN];
	char		agent[WIRE_AGENT_MAX + 1];
};

struct wire_tip {
	uint64_t	height;
	uint8_t		hash[BLOCK_HASH_LEN];
};

struct wire_get_range {
	uint32_t	reqid;		/* != 0 */
	uint64_t	from;
	uint32_t	count;		/* 1..WIRE_MAX_BLOCKS */
};

struct wire_get_locator {
	uint32_t	reqid;		/* != 0 */
	uint32_t	count;		/* 1..WIRE_MAX_BLOCKS */
	uint32_t	nhashes;	/* 1..WIRE_MAX_HASHES */
	uint8_t		h[WIRE_MAX_HASHES][BLOCK_HASH_LEN];
};

struct wire_get_headers {
	uint32_t	reqid;		/* != 0 */
	uint64_t	from;		/* <= WIRE_MAX_HEIGHT */
	uint32_t	count;		/* 1..WIRE_MAX_HEADERS */
};

/*
 * count headers of BLOCK_HEADER_LEN bytes each, back to back in h (which
 * points into the decoded payload, or the sender's buffer to encode).
 */
struct wire_headers {
	uint32_t	reqid;		/* != 0 */
	uint32_t	count;		/* 0..WIRE_MAX_HEADERS */
	const uint8_t	*h;
};

/* Blocks point into the decoded payload, which must outlive them. */
struct wire_blocks {
	uint32_t	reqid;		/* 0: announcement */
	uint32_t	count;
	struct blob	v[WIRE_MAX_BLOCKS];
};

struct wire_addr {
	struct netaddr	ip;		/* IPv6, IPv4 v4-mapped */
	uint16_t	port;
};

struct wire_addrs {
	uint32_t	count;
	struct wire_addr v[WIRE_MAX_ADDRS];
};

struct wire_goodbye {
	uint8_t		reason;		/* enum net_close_reason */
	char		text[WIRE_REASON_MAX + 1];
};

struct wire_msg {
	uint16_t	type;
	union {
		struct wire_hello	hello;
		uint64_t		nonce;		/* PING, PONG */
		struct wire_tip		tip;
		struct wire_get_range	range;
		struct wire_get_locator	locator;
		struct wire_get_headers	get_headers;
		struct wire_headers	headers;
		struct wire_blocks	blocks;
		struct wire_addrs	addrs;
		struct wire_goodbye	goodbye;
	} u;
};

/* The network magic: the first 4 bytes of the genesis hash, big-endian. */
uint32_t	wire_magic(const uint8_t genesis[BLOCK_HASH_LEN]);
/*
 * Judge a header from the first have bytes of buf: WIRE_NEED_MORE below
 * WIRE_HDR_LEN, else WIRE_OK or the error, with h filled in either way.
 */
enum wire_status wire_hdr_parse(const uint8_t *buf, size_t have,
		    uint32_t magic, struct wire_hdr *h);
/*
 * One whole frame from the start of buf: header checks, then (with all
 * of it present) the checksum and the payload's decoding into m.  *used
 * is the frame's length on WIRE_OK.  m points into buf.
 */
enum wire_status wire_frame_parse(const uint8_t *buf, size_t have,
		    uint32_t magic, struct wire_msg *m, size_t *used);
/*
 * wire_frame_parse without the checksum, for frames read out of a TLS
 * session (docs/protocol.md section 2): TLS 1.3's AEAD (RFC 8446 section
 * 5.2) has already authenticated every byte, so the 4-byte BLAKE2b
 * checksum can catch nothing more and cost ~1.3 us a KiB received (issue
 * 12: a tenth of a catching-up node's CPU with 1 KiB blocks).  Senders,
 * this one too, still fill it in: a node of the previous release checks
 * it (no version says a peer takes a zero one yet, docs/protocol.md
 * section 2).
 */
enum wire_status wire_frame_parse_tls(const uint8_t *buf, size_t have,
		    uint32_t magic, struct wire_msg *m, size_t *used);
/* Decode a checked payload of type type. */
enum wire_status wire_decode(uint16_t type, const uint8_t *p, size_t len,
		    struct wire_msg *m);
/*
 * Fill b with reqid and the longest prefix of v[0..count) that fits in one
 * BLOCKS message (at most WIRE_MAX_BLOCKS blocks and WIRE_MAX_BATCH bytes,
 * stopping at an empty blob).  b points into v.  Returns b->count.
 */
uint32_t	wire_blocks_fill(struct wire_blocks *b, uint32_t reqid,
		    const struct blob *v, uint32_t count);
/* Append one frame carrying m to w; -1 if it would break a limit. */
int		wire_encode(struct wbuf *w, uint32_t magic,
		    const struct wire_msg *m);

#endif
