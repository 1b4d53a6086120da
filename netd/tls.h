/* SPDX-License-Identifier: ISC */
/*
 * tls.h - TLS 1.3 between nodes (OpenSSL 3 through libevent's
 * bufferevent_openssl): the one context, the node's self-signed
 * certificate, the check of a peer's certificate.
 *
 * Each node has a long-lived Ed25519 node key (stored keeps it in the data
 * dir and hands it to netd at start); its certificate, made in memory, is
 * self-signed by it.  A peer's certificate is accepted when it is
 * self-signed by the Ed25519 key it names; that key is the peer's identity
 * and is compared with the key pinned for its IP, if any.  No certificate
 * authority, no names, no dates.  docs/protocol.md section 12 says what is
 * on the wire.
 */
#ifndef TIMENODE_TLS_H
#define TIMENODE_TLS_H

#include <stdint.h>

#include <openssl/ssl.h>

#include "config.h"

/* What the TLS record layer costs per connection: docs/protocol.md 12. */
#define TLS_CIPHERSUITES	"TLS_AES_128_GCM_SHA256:" \
				"TLS_CHACHA20_POLY1305_SHA256:" \
				"TLS_AES_256_GCM_SHA384"
#define TLS_GROUPS		"X25519:P-256"
#define TLS_SIGALGS		"ed25519"
#define TLS_RECORD_BYTE		0x16	/* a TLS handshake record's first
					   byte (RFC 8446 section 5.1) */

/*
 * The outcome of a peer's certificate check, kept with its SSL until the
 * handshake ends (the verify callback cannot return a reason).
 */
struct tls_peer {
	int		 checked;	/* the callback saw the leaf */
	int		 ok;
	uint8_t		 key[NODE_KEY_LEN];	/* what it presented */
	int		 pinned;	/* compared against a pinned key */
	uint8_t		 want[NODE_KEY_LEN];	/* the pinned key */
	char		 why[200];	/* refused: why */
};

/*
 * The context of every connection: TLS 1.3 only, TLS_CIPHERSUITES,
 * TLS_GROUPS, TLS_SIGALGS, a certificate asked of both ends, no session
 * tickets or resumption, SSL_MODE_RELEASE_BUFFERS.  Called before the
 * sandbox (OpenSSL reads its configuration file on first use).  NULL with
 * a log line on failure.
 */
SSL_CTX	*tls_ctx_new(void);
/*
 * Use the node key (its 32-byte Ed25519 seed, RFC 8032 section 5.1.5):
 * a self-signed X.509 certificate made from it in memory becomes ctx's.
 * Its public key into pub.  0, or -1 with a log line.
 */
int	 tls_ctx_set_key(SSL_CTX *, const uint8_t seed[NODE_KEY_LEN],
	    uint8_t pub[NODE_KEY_LEN]);
/*
 * A new SSL of ctx for one connection whose certificate check writes into
 * peer (which must outlive the SSL; want set beforehand when the peer's
 * key is pinned).  NULL on failure.
 */
SSL	*tls_new(SSL_CTX *, struct tls_peer *peer);
/*
 * A peer's leaf certificate x (NULL: none): its public key must be
 * Ed25519 and its signature verify with that key (self-signed); that key
 * (into p->key) must be p->want when p->pinned.  Names, dates, serial and
 * extensions are ignored (docs/protocol.md section 12).  1 accepted, 0
 * refused with p->why.
 */
int	 tls_leaf_check(X509 *x, struct tls_peer *p);
/*
 * The reason an SSL error holds, for a log line: err is what libevent's
 * bufferevent_get_openssl_error() gave, an OpenSSL error code, or 0 (end
 * of stream) or SSL_ERROR_SYSCALL (an I/O error, a reset) of its own.
 */
const char *tls_error_str(unsigned long err, char *buf, size_t len);

#endif
