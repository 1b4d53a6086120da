/* SPDX-License-Identifier: ISC */
/*
 * util.c - helpers of the fuzz targets (util.h).
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block.h"
#include "codec.h"
#include "util.h"

#define MAX_FILES	4

static char	dir[PATH_MAX];
static char	files[MAX_FILES][PATH_MAX];
static int	nfiles;

void
fuzz_fail(const char *what)
{
	fprintf(stderr, "fuzz: rule broken: %s\n", what);
	abort();
}

void
fuzz_sodium(void)
{
	static int done;

	if (!done && sodium_init() < 0)
		fuzz_fail("sodium_init");
	done = 1;
}

static void
cleanup(void)
{
	int i;

	for (i = 0; i < nfiles; i++)
		unlink(files[i]);
	if (dir[0])
		rmdir(dir);
}

const char *
fuzz_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (dir[0])
		return dir;
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(dir, sizeof(dir), "%s/timenode-fuzz.XXXXXX",
	    tmp) >= sizeof(dir) || mkdtemp(dir) == NULL) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(cleanup);
	return dir;
}

static void
remember(const char *path)
{
	int i;

	for (i = 0; i < nfiles; i++)
		if (strcmp(files[i], path) == 0)
			return;
	if (nfiles == MAX_FILES)
		fuzz_fail("too many file names");
	snprintf(files[nfiles++], PATH_MAX, "%s", path);
}

void
fuzz_write_file(const char *name, const uint8_t *data, size_t size,
    mode_t mode, char *path, size_t len)
{
	size_t	off = 0;
	ssize_t	n;
	int	fd;

	if ((size_t)snprintf(path, len, "%s/%s", fuzz_dir(), name) >= len)
		fuzz_fail("path too long");
	remember(path);
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    mode)) == -1) {
		perror(path);
		abort();
	}
	while (off < size) {
		if ((n = write(fd, data + off, size - off)) <= 0) {
			perror(path);
			abort();
		}
		off += (size_t)n;
	}
	/* the umask may have taken bits away */
	if (fchmod(fd, mode) == -1 || close(fd) == -1) {
		perror(path);
		abort();
	}
}

static void
dump(const char *label, const uint8_t *p, size_t n)
{
	size_t i;

	fprintf(stderr, "  %s (%zu bytes):", label, n);
	for (i = 0; i < n && i < 256; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n    ", p[i]);
	fprintf(stderr, "%s\n", n > 256 ? " ..." : "");
}

void
fuzz_same(const char *what, const void *want, size_t wantlen,
    const void *got, size_t gotlen)
{
	if (wantlen == gotlen && (wantlen == 0 ||
	    memcmp(want, got, wantlen) == 0))
		return;
	fprintf(stderr, "fuzz: %s: decoded and encoded again, the bytes "
	    "differ\n", what);
	dump("input", want, wantlen);
	dump("encoded", got, gotlen);
	abort();
}

void
fuzz_fix_block(uint8_t *b, size_t len)
{
	/* offsets of block_header_encode (chain/block.c) */
	const size_t	hash_at = 4 + 8 + BLOCK_HASH_LEN + 8;
	const size_t	len_at = hash_at + BLOCK_HASH_LEN + 2;
	const size_t	payload_at = BLOCK_HEADER_LEN + BLOCK_SIG_LEN;

	if (len < payload_at || len - payload_at > BLOCK_PAYLOAD_MAX)
		return;
	be32_store(b + len_at, (uint32_t)(len - payload_at));
	crypto_generichash(b + hash_at, BLOCK_HASH_LEN, b + payload_at,
	    len - payload_at, NULL, 0);
}
