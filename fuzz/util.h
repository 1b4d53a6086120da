/* SPDX-License-Identifier: ISC */
/*
 * util.h - what the fuzz targets share: inputs as files for the parsers
 * that read files, and the round-trip check.
 *
 * A target that finds a fault aborts (abort() or a sanitizer report), so
 * that libFuzzer keeps the input and replay.c fails on it.
 */
#ifndef TIMENODE_FUZZ_UTIL_H
#define TIMENODE_FUZZ_UTIL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * The directory this process writes its input files into: made on first
 * use (mkdtemp under $TMPDIR, else /tmp, mode 0700) and removed at exit
 * with the files fuzz_write_file wrote.  Aborts if it cannot be made.
 */
const char *fuzz_dir(void);
/*
 * Write data to fuzz_dir()/name (name: no slash, at most 32 bytes) with
 * mode, replacing the last one; the path into path (len bytes).  Aborts
 * when the file cannot be written: that is no finding of the target.
 */
void	fuzz_write_file(const char *name, const uint8_t *data, size_t size,
	    mode_t mode, char *path, size_t len);
/*
 * The round-trip rule of every decoder: what it accepted encodes back to
 * exactly the same bytes.  Prints both and aborts when it does not.
 */
void	fuzz_same(const char *what, const void *want, size_t wantlen,
	    const void *got, size_t gotlen);
/*
 * Make the header of the encoded block b (len bytes) agree with its
 * payload: payload_len and payload_hash rewritten, so that a fuzzer's
 * mutations of a payload reach what is behind block_decode's checks (no
 * fuzzer finds BLAKE2b values).  Blocks shorter than a header and a
 * signature, or with too long a payload, are left alone.
 */
void	fuzz_fix_block(uint8_t *b, size_t len);
/* sodium_init() once, for targets that need nothing else set up */
void	fuzz_sodium(void);
/* abort with a message: a rule of the target was broken */
void	fuzz_fail(const char *what) __attribute__((noreturn));

#endif
