/* SPDX-License-Identifier: ISC */
/*
 * tls.c - fuzz target: what a peer's first TLS bytes reach in netd
 * (netd/tls.c, docs/protocol.md section 12).
 *
 * Input: a mode byte, then the bytes.  Mode even: a TLS server of netd's
 * own context (TLS 1.3 only, its suites, a certificate asked of the
 * client) reads the bytes as a client's first flight (the ClientHello,
 * garbage after a 0x16, a record cut short).  Rules: the handshake never
 * completes (no input can finish it without the keys) and its failure
 * leaves no error behind.  Mode odd: the bytes are a DER certificate for
 * the leaf check (tls_leaf_check), pinned to the all-zero key when bit 1
 * is set.  Rules: an accepted certificate carries an Ed25519 key that
 * verifies its own signature, and the pinned one when pinned; a refusal
 * says why.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tls.h"
#include "util.h"

static SSL_CTX *
server_ctx(void)
{
	static SSL_CTX	*ctx;
	uint8_t		 seed[NODE_KEY_LEN], pub[NODE_KEY_LEN];

	if (ctx != NULL)
		return ctx;
	memset(seed, 0x42, sizeof(seed));
	if ((ctx = tls_ctx_new()) == NULL ||
	    tls_ctx_set_key(ctx, seed, pub) == -1)
		fuzz_fail("the TLS context could not be made");
	return ctx;
}

static void
server_reads(const uint8_t *data, size_t size)
{
	struct tls_peer	 peer;
	SSL		*ssl;
	BIO		*rb, *wb;

	memset(&peer, 0, sizeof(peer));
	if ((ssl = tls_new(server_ctx(), &peer)) == NULL ||
	    (rb = BIO_new(BIO_s_mem())) == NULL ||
	    (wb = BIO_new(BIO_s_mem())) == NULL)
		fuzz_fail("out of memory");
	if (size > 0 && BIO_write(rb, data, (int)size) != (int)size)
		fuzz_fail("BIO_write");
	BIO_set_mem_eof_return(rb, -1);		/* more may come */
	SSL_set_bio(ssl, rb, wb);
	SSL_set_accept_state(ssl);
	if (SSL_do_handshake(ssl) == 1)
		fuzz_fail("a TLS handshake completed from fuzzer input");
	if (peer.checked && peer.ok)
		fuzz_fail("a client certificate was accepted unencrypted");
	SSL_free(ssl);
	ERR_clear_error();
}

static void
leaf(const uint8_t *data, size_t size, int pinned)
{
	struct tls_peer		 peer;
	const unsigned char	*p = data;
	X509			*x;
	EVP_PKEY		*pk;
	uint8_t			 raw[NODE_KEY_LEN];
	size_t			 len = sizeof(raw);

	memset(&peer, 0, sizeof(peer));
	peer.pinned = pinned;
	x = d2i_X509(NULL, &p, (long)size);
	if (tls_leaf_check(x, &peer)) {
		pk = X509_get0_pubkey(x);
		if (pk == NULL || EVP_PKEY_get_base_id(pk) != EVP_PKEY_ED25519 ||
		    EVP_PKEY_get_raw_public_key(pk, raw, &len) != 1 ||
		    len != NODE_KEY_LEN ||
		    memcmp(raw, peer.key, NODE_KEY_LEN) != 0 ||
		    X509_verify(x, pk) != 1)
			fuzz_fail("an accepted certificate is not self-signed "
			    "by the Ed25519 key reported");
		if (pinned && memcmp(peer.key, peer.want, NODE_KEY_LEN) != 0)
			fuzz_fail("a pinned check accepted another key");
	} else if (peer.why[0] == '\0')
		fuzz_fail("a refused certificate without a reason");
	X509_free(x);
	ERR_clear_error();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		leaf(data + 1, size - 1, (data[0] & 2) != 0);
	else
		server_reads(data + 1, size - 1);
	return 0;
}
