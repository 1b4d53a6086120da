/* SPDX-License-Identifier: ISC */
/*
 * keyfile.c - fuzz target: producer key files (chain/keyfile.c).
 *
 * Input: the file's contents, written to <dir>/fz.key with mode 0600 and
 * loaded with keyfile_load.  Rules: a key that loads is a whole Ed25519
 * key pair (the public key is the secret key's); a refusal says why.
 */
#include <limits.h>
#include <sodium.h>
#include <string.h>

#include "block.h"
#include "util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	pk[BLOCK_PUBKEY_LEN], sk[BLOCK_SECKEY_LEN];
	uint8_t	pk2[BLOCK_PUBKEY_LEN];
	char	path[PATH_MAX], err[256];

	fuzz_sodium();
	fuzz_write_file("fz.key", data, size, 0600, path, sizeof(path));
	err[0] = '\0';
	if (keyfile_load(path, pk, sk, err, sizeof(err)) == 0) {
		if (crypto_sign_ed25519_sk_to_pk(pk2, sk) != 0 ||
		    memcmp(pk, pk2, sizeof(pk)) != 0)
			fuzz_fail("a key file gave a broken key pair");
	} else if (err[0] == '\0')
		fuzz_fail("keyfile_load failed without saying why");
	return 0;
}
