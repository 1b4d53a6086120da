/* SPDX-License-Identifier: ISC */
/*
 * keyfile.c - producer key files.
 *
 * A producer signs blocks with an Ed25519 key whose public half is in the
 * genesis key set.  The key file keeps only the 32-byte seed, as 64 hex
 * digits; lines starting with '#' are comments (timenode-genesis writes
 * the network, the producer index and the public key there, for people).
 * The file is secret: it is created 0600, and a file that group or others
 * may read, write or run is refused (as ssh(1) refuses an unprotected
 * private key); so is anything but a regular file, without hanging on a
 * FIFO (regfile.h).  The configuration value "devnet" names the published devnet
 * key instead of a file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "block.h"
#include "regfile.h"

#define KEYFILE_MAX	4096

int
keyfile_load(const char *path, uint8_t pk[BLOCK_PUBKEY_LEN],
    uint8_t sk[BLOCK_SECKEY_LEN], char *err, size_t errlen)
{
	char		 text[KEYFILE_MAX + 1], hex[KEYFILE_MAX + 1];
	uint8_t		 seed[KEYFILE_SEED_LEN];
	struct stat	 st;
	size_t		 n, hn = 0, binlen, i;
	int		 fd, bol = 1, comment = 0, ret = -1;
	ssize_t		 r;

	if (strcmp(path, "devnet") == 0) {
		devnet_keypair(pk, sk);
		return 0;
	}
	if ((fd = regfile_open(path, REGFILE_NOFOLLOW, &st, err,
	    errlen)) == -1)
		return -1;
	/* as ssh(1) refuses an unprotected private key (issue 14, F7) */
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s is readable by others (mode %04o): "
		    "chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	n = 0;
	while (n <= KEYFILE_MAX &&
	    (r = read(fd, text + n, KEYFILE_MAX + 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	if (n > KEYFILE_MAX) {
		snprintf(err, errlen, "%s: too large for a key file", path);
		return -1;
	}
	/* drop comment lines, keep the digits */
	for (i = 0; i < n; i++) {
		if (bol)
			comment = text[i] == '#';
		bol = text[i] == '\n';
		if (!comment && !bol)
			hex[hn++] = text[i];
	}
	if (sodium_hex2bin(seed, sizeof(seed), hex, hn, " \t\r", &binlen,
	    NULL) != 0 || binlen != sizeof(seed))
		snprintf(err, errlen, "%s: not a key file (want %d hex digits "
		    "of an Ed25519 seed)", path, 2 * KEYFILE_SEED_LEN);
	else if (crypto_sign_seed_keypair(pk, sk, seed) != 0)
		snprintf(err, errlen, "%s: cannot derive the key", path);
	else
		ret = 0;
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(text, sizeof(text));
	sodium_memzero(hex, sizeof(hex));
	return ret;
}

int
keyfile_write(const char *path, const uint8_t seed[KEYFILE_SEED_LEN],
    const char *comment, char *err, size_t errlen)
{
	char	hex[2 * KEYFILE_SEED_LEN + 1];
	FILE	*f;
	int	 fd, ok;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	sodium_bin2hex(hex, sizeof(hex), seed, KEYFILE_SEED_LEN);
	if (comment)
		fprintf(f, "%s", comment);
	fprintf(f, "%s\n", hex);
	sodium_memzero(hex, sizeof(hex));
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok) {
		snprintf(err, errlen, "%s: write failed", path);
		unlink(path);
		return -1;
	}
	return 0;
}

int
genesis_producer_index(const struct genesis_info *g,
    const uint8_t pk[BLOCK_PUBKEY_LEN])
{
	int i;

	for (i = 0; i < g->nproducers; i++)
		if (memcmp(g->keys[i], pk, BLOCK_PUBKEY_LEN) == 0)
			return i;
	return -1;
}
