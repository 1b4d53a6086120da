/* SPDX-License-Identifier: ISC */
/*
 * config.c - fuzz target: the configuration parser (common/config.c), the
 * whole of it: the file read and checked line by line, inih, every key's
 * value, then the timings checked against each other.
 *
 * Input: the INI file.  It is handed to config_parse_args as "-c FILE"
 * through a memfd (/proc/self/fd/N), so config.c reads it as it reads any
 * file.  Rules: a refusal says why; a configuration that parses is
 * reproduced exactly by a worker given the arguments the supervisor
 * passes it (config_worker_argv), as config.h promises.
 */
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

#define ARGV_MAX	(8 + 2 * CONFIG_MAX_PEERS + 8)

static int		fd = -1;
static char		path[64];
static struct config	cfg, wcfg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((fd = memfd_create("timenode-fuzz.ini", MFD_CLOEXEC)) == -1) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

static void
set_file(const uint8_t *data, size_t size)
{
	size_t	off = 0;
	ssize_t	n;

	if (ftruncate(fd, 0) == -1)
		abort();
	while (off < size) {
		if ((n = pwrite(fd, data + off, size - off, (off_t)off)) <= 0)
			abort();
		off += (size_t)n;
	}
}

/* what a worker makes of the arguments the supervisor gives it */
static void
check_worker(void)
{
	struct worker_opts	 wo;
	char			*argv[ARGV_MAX], err[CONFIG_ERR_MAX];
	size_t			 n = 0;

	argv[n++] = "worker";
	if (config_worker_argv(&cfg, argv, ARGV_MAX, &n) == -1)
		fuzz_fail("no worker arguments for a valid configuration");
	memset(&wo, 0, sizeof(wo));
	config_defaults(&wcfg);
	if (config_parse_args(&wcfg, &wo, (int)n, argv, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "worker: %s\n", err);
		fuzz_fail("a worker refuses the supervisor's configuration");
	}
	config_free_worker_argv(argv, 1, n);
	/* the flags the supervisor keeps to itself */
	wcfg.foreground = cfg.foreground;
	/* where each key came from: the worker has most as options */
	memcpy(wcfg.key_line, cfg.key_line, sizeof(cfg.key_line));
	if (memcmp(&cfg, &wcfg, sizeof(cfg)) != 0)
		fuzz_fail("a worker computes another configuration");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 err[CONFIG_ERR_MAX];
	char	*argv[] = { "timenoded", "-c", path, NULL };

	set_file(data, size);
	config_defaults(&cfg);
	err[0] = '\0';
	if (config_parse_args(&cfg, NULL, 3, argv, err, sizeof(err)) == 0)
		check_worker();
	else if (err[0] == '\0')
		fuzz_fail("config_parse_args failed without saying why");
	return 0;
}
