/* SPDX-License-Identifier: ISC */
/*
 * tls.c - the TLS context of netd and the check of a peer's certificate
 * (tls.h says what and why; docs/protocol.md section 12 what is on the
 * wire).  Everything cryptographic is OpenSSL's.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "config.h"
#include "log.h"
#include "tls.h"

const char *
tls_error_str(unsigned long err, char *buf, size_t len)
{
	const char *r;

	if (err == 0)	/* libevent: the end of the stream */
		snprintf(buf, len, "TLS: connection closed by the peer in "
		    "the handshake");
	else if (err == SSL_ERROR_SYSCALL)	/* libevent: SSL_get_error's */
		snprintf(buf, len, "TLS: connection reset in the handshake");
	else if (ERR_GET_LIB(err) == ERR_LIB_SYS)	/* errno */
		snprintf(buf, len, "TLS: %s in the handshake",
		    strerror(ERR_GET_REASON(err)));
	else if ((r = ERR_reason_error_string(err)) != NULL)
		snprintf(buf, len, "TLS: %s", r);
	else
		snprintf(buf, len, "TLS: error %lx (library %d, reason %d)",
		    err, ERR_GET_LIB(err), ERR_GET_REASON(err));
	return buf;
}

/* the raw Ed25519 public key of pk into key: 0, or -1 for another kind */
static int
ed25519_pub(EVP_PKEY *pk, uint8_t key[NODE_KEY_LEN])
{
	size_t len = NODE_KEY_LEN;

	if (pk == NULL || EVP_PKEY_get_base_id(pk) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(pk, key, &len) != 1 ||
	    len != NODE_KEY_LEN)
		return -1;
	return 0;
}

int
tls_leaf_check(X509 *x, struct tls_peer *p)
{
	EVP_PKEY	*pk;
	char		 a[NODE_KEY_STR_LEN], b[NODE_KEY_STR_LEN];

	p->checked = 1;
	p->ok = 0;
	pk = x ? X509_get0_pubkey(x) : NULL;
	if (x == NULL || ed25519_pub(pk, p->key) == -1)
		snprintf(p->why, sizeof(p->why), "its certificate has no "
		    "Ed25519 key");
	else if (X509_verify(x, pk) != 1)
		snprintf(p->why, sizeof(p->why), "its certificate is not "
		    "self-signed by the key it names");
	else if (p->pinned && memcmp(p->key, p->want, NODE_KEY_LEN) != 0)
		snprintf(p->why, sizeof(p->why), "key %s is not the pinned "
		    "%s", node_key_str(p->key, a, sizeof(a)),
		    node_key_str(p->want, b, sizeof(b)));
	else
		p->ok = 1;
	ERR_clear_error();
	return p->ok;
}

/*
 * Replaces OpenSSL's chain verification (SSL_CTX_set_cert_verify_callback):
 * the leaf alone is looked at (tls_leaf_check); the rest of a chain a peer
 * sends is ignored.  The TLS 1.3 CertificateVerify (checked by OpenSSL
 * against the same key) proves the peer holds its private half.
 */
static int
cert_check(X509_STORE_CTX *xs, void *arg)
{
	SSL		*ssl;
	struct tls_peer	*p;

	(void)arg;
	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL || (p = SSL_get_app_data(ssl)) == NULL)
		return 0;
	if (!tls_leaf_check(X509_STORE_CTX_get0_cert(xs), p))
		X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
	return p->ok;
}

SSL_CTX *
tls_ctx_new(void)
{
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_method())) == NULL)
		goto fail;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, TLS_CIPHERSUITES) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, TLS_GROUPS) != 1 ||
	    SSL_CTX_set1_sigalgs_list(ctx, TLS_SIGALGS) != 1 ||
	    SSL_CTX_set_num_tickets(ctx, 0) != 1)
		goto fail;
	/* the server picks by TLS_CIPHERSUITES' order (protocol.md 12) */
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_cert_verify_callback(ctx, cert_check, NULL);
	return ctx;
fail:
	log_warnx("TLS context: %s", ERR_reason_error_string(
	    ERR_get_error()));
	SSL_CTX_free(ctx);
	return NULL;
}

/* a self-signed certificate of pk: only its key and signature matter */
static X509 *
self_signed(EVP_PKEY *pk)
{
	X509		*x;
	X509_NAME	*name;

	if ((x = X509_new()) == NULL)
		return NULL;
	name = X509_get_subject_name(x);
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1 ||
	    ASN1_TIME_set_string(X509_getm_notBefore(x),
	    "19700101000000Z") != 1 ||
	    ASN1_TIME_set_string(X509_getm_notAfter(x),
	    "99991231235959Z") != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"timenode", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, pk) != 1 ||
	    X509_sign(x, pk, NULL) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int
tls_ctx_set_key(SSL_CTX *ctx, const uint8_t seed[NODE_KEY_LEN],
    uint8_t pub[NODE_KEY_LEN])
{
	EVP_PKEY	*pk;
	X509		*x = NULL;
	int		 rc = -1;

	pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
	    NODE_KEY_LEN);
	if (pk != NULL && ed25519_pub(pk, pub) == 0 &&
	    (x = self_signed(pk)) != NULL &&
	    SSL_CTX_use_certificate(ctx, x) == 1 &&
	    SSL_CTX_use_PrivateKey(ctx, pk) == 1 &&
	    SSL_CTX_check_private_key(ctx) == 1)
		rc = 0;
	else
		log_warnx("node key certificate: %s", ERR_reason_error_string(
		    ERR_get_error()));
	X509_free(x);
	EVP_PKEY_free(pk);
	return rc;
}

SSL *
tls_new(SSL_CTX *ctx, struct tls_peer *peer)
{
	SSL *ssl;

	if ((ssl = SSL_new(ctx)) == NULL)
		return NULL;
	SSL_set_app_data(ssl, peer);
	return ssl;
}
