/* SPDX-License-Identifier: ISC */
/*
 * fakepeer.h - a scripted peer for process tests: the test program itself
 * speaks the wire protocol (netd/wire.h) to a node, so that it can send
 * what no honest node sends and check what the node answers.
 *
 * Every read is bounded in time; pings are answered while waiting.
 */
#ifndef TIMENODE_FAKEPEER_H
#define TIMENODE_FAKEPEER_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct fake {
	int		fd;
	int		port;		/* our local port */
	uint64_t	height;		/* claimed in our hello */
	uint8_t		tip[BLOCK_HASH_LEN]; /* claimed in our hello */
	uint64_t	their_nonce;	/* from the node's hello */
	size_t		have;
	uint8_t		*buf;		/* one whole frame at most */
	int		 tls;		/* relayed through TLS: the node's
					   checksums not checked */
};

/* the network every fake speaks: its magic and genesis hash */
void	fake_setup(uint32_t magic, const uint8_t genesis[BLOCK_HASH_LEN]);
/*
 * The same for the built-in devnet (libsodium initialised, its genesis
 * built); its hash and magic copied out where not NULL.  0, or -1.
 */
int	fake_setup_devnet(uint8_t hash[BLOCK_HASH_LEN], uint32_t *magic);
/*
 * Connect from src (bound) to dst:port; height 0, tip the genesis.
 * fake_close frees what it took.
 */
int	fake_connect(struct fake *, const char *src, const char *dst,
	    int port);
void	fake_close(struct fake *);
/*
 * A listening socket on ip:port (a fake peer a node dials): the
 * descriptor, or -1.  fake_accept takes one connection within timeout
 * into f (as fake_connect's): 0, or -1.
 */
int	fake_listen(const char *ip, int port);
int	fake_accept(struct fake *, int lfd, double timeout);
/* one message in one frame, with the given magic (tests send wrong ones) */
int	fake_send(struct fake *, const struct wire_msg *, uint32_t magic);
/*
 * The first byte of a plaintext frame (of our magic) and nothing more: a
 * node speaks only after a peer's first bytes (TLS or plaintext,
 * docs/protocol.md section 12), so this makes it send its hello.  0, -1.
 */
int	fake_first_byte(struct fake *);
/* our hello; genesis NULL: the network's (tests send wrong ones) */
int	fake_hello(struct fake *, uint64_t nonce, const uint8_t *genesis);
/* the same with another protocol version (1: an older, plaintext node) */
int	fake_hello_version(struct fake *, uint16_t version, uint64_t nonce,
	    const uint8_t *genesis);
/* connect, send our hello, read the node's: 0 or -1 */
int	fake_handshake(struct fake *, const char *src, const char *dst,
	    int port, uint64_t nonce);
/* next message: 1, 0 on timeout, -1 on EOF, error or a bad frame */
int	fake_recv(struct fake *, struct wire_msg *, double timeout);
/* read until a message of type t, answering pings: as fake_recv */
int	fake_wait_type(struct fake *, uint16_t t, double timeout,
	    struct wire_msg *);
/* m is a ping: answer it (m becomes the pong), 1; else 0 */
int	fake_answer_ping(struct fake *, struct wire_msg *m);
/* answer pings for secs, ignore everything else */
void	fake_serve(struct fake *, double secs);
/* the connection still answers a ping */
int	fake_alive(struct fake *);
/* the node says goodbye with this reason within timeout */
int	fake_goodbye_with(struct fake *, int reason, double timeout);

#endif
