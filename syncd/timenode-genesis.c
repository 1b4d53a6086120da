/* SPDX-License-Identifier: ISC */
/*
 * timenode-genesis - make a new network: producer keys and a genesis file.
 *
 *	timenode-genesis [-d dir] [-k count] [-K keyfile]... [-t time_ms] name
 *
 * writes dir/name.genesis (the genesis block in hex: the network name and
 * the producers' public keys) and, for each of count new producers,
 * dir/name-producer-N.key (the key's seed in hex, mode 0600).  -K adds
 * the public key of an existing key file instead of a new one (first, in
 * the order given).  Nodes of the network set network = name, and
 * [sync] genesis_dir = dir (or copy the file into their data directory);
 * a producing node sets [sync] producer_key = path of one key file.
 * Nothing is overwritten: existing files are an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "block.h"
#include "decimal.h"
#include "name.h"
#include "usage.h"

/* what --help and every usage error show (usage.h) */
static const char usage_text[] =
    "usage: timenode-genesis [-d dir] [-k count] [-K keyfile]... "
    "[-t time_ms] name\n"
    "       timenode-genesis -h | --help | -V | --version\n";

/* a plain decimal number in 0..max, else a usage error naming opt */
static unsigned long long
decimal_arg(const char *opt, const char *s, unsigned long long max)
{
	uint64_t v;

	if (parse_decimal(s, 0, max, &v) == -1)
		usage_error("%s: \"%s\": a decimal number, 0 to %llu", opt, s,
		    max);
	return v;
}

/*
 * -k out of range, or no producer at all: one message with the range for
 * both (issue 13: "-k 0" and "-k -1" said different things).
 */
static void __attribute__((noreturn))
count_error(const char *s)
{
	usage_error("-k \"%s\": the number of new producer keys, a decimal "
	    "number from 1 to %d (0 with -K)", s, BLOCK_MAX_PRODUCERS);
}

static int
write_genesis(const char *path, const struct genesis *g)
{
	char	*hex;
	size_t	 hlen = 2 * g->len + 1;
	FILE	*f;
	int	 fd, ok;

	if ((hex = malloc(hlen)) == NULL)
		return -1;
	sodium_bin2hex(hex, hlen, g->raw, g->len);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "timenode-genesis: %s: %s\n", path,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		free(hex);
		return -1;
	}
	fprintf(f, "%s\n", hex);
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = 0;
	free(hex);
	if (!ok) {
		fprintf(stderr, "timenode-genesis: %s: write failed\n", path);
		unlink(path);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct genesis	 g;
	uint8_t			 keys[BLOCK_MAX_PRODUCERS][BLOCK_PUBKEY_LEN];
	uint8_t			 seeds[BLOCK_MAX_PRODUCERS][KEYFILE_SEED_LEN];
	uint8_t			 sk[BLOCK_SECKEY_LEN];
	const char		*dir = ".", *name, *existing[BLOCK_MAX_PRODUCERS];
	char			 path[1024], err[512], comment[512];
	char			 hex[2 * BLOCK_HASH_LEN + 1];
	uint64_t		 time_ms;
	long			 count = 1;
	uint64_t		 k;
	const char		*kstr = "1";
	int			 ch, nexisting = 0, i, nkeys, helpver = 0;
	struct timespec		 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	time_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};

	usage_set("timenode-genesis", usage_text);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":d:k:K:t:hV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
		case 'V':
			if (helpver == 0)	/* the first wins */
				helpver = ch;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'k':
			kstr = optarg;
			if (parse_decimal(optarg, 0, BLOCK_MAX_PRODUCERS,
			    &k) == -1)
				count_error(optarg);
			count = (long)k;
			break;
		case 'K':
			if (nexisting == BLOCK_MAX_PRODUCERS)
				usage_error("-K: at most %d key files",
				    BLOCK_MAX_PRODUCERS);
			existing[nexisting++] = optarg;
			break;
		case 't':
			time_ms = decimal_arg("-t", optarg, UINT64_MAX);
			break;
		default:
			usage_bad_option(ch, argv);
		}
	}
	usage_help_version(helpver, argv + optind, argc - optind);
	if (argc - optind == 0)
		usage_error("no network name");
	if (argc - optind > 1)
		usage_error("one network name, not %d arguments",
		    argc - optind);
	name = argv[optind];
	/* timenoded's rule for [node] network (name.h), and not the
	 * built-in network */
	if (name_ok(name, sizeof(g.info.network)) == -1 ||
	    strcmp(name, "devnet") == 0) {
		fprintf(stderr, "timenode-genesis: the network name must be 1 "
		    "to %zu %s (timenoded's rule), not \"devnet\"\n",
		    sizeof(g.info.network) - 1, NAME_RULE);
		return 2;
	}
	nkeys = nexisting + (int)count;
	if (nkeys == 0)
		count_error(kstr);
	if (nkeys > BLOCK_MAX_PRODUCERS) {
		fprintf(stderr, "timenode-genesis: %d key files and %ld new "
		    "keys: at most %d producers in all\n", nexisting, count,
		    BLOCK_MAX_PRODUCERS);
		return 2;
	}
	if (sodium_init() == -1)
		return 1;
	for (i = 0; i < nexisting; i++)
		if (keyfile_load(existing[i], keys[i], sk, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "timenode-genesis: %s\n", err);
			return 1;
		}
	for (i = nexisting; i < nkeys; i++) {
		randombytes_buf(seeds[i], KEYFILE_SEED_LEN);
		crypto_sign_seed_keypair(keys[i], sk, seeds[i]);
	}
	sodium_memzero(sk, sizeof(sk));
	if (genesis_make(&g, name, time_ms,
	    (const uint8_t (*)[BLOCK_PUBKEY_LEN])keys, (uint16_t)nkeys) == -1) {
		fprintf(stderr, "timenode-genesis: cannot build the genesis\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s.genesis", dir, name);
	if (write_genesis(path, &g) == -1)
		return 1;
	sodium_bin2hex(hex, sizeof(hex), g.block.hash, BLOCK_HASH_LEN);
	printf("genesis %s hash %s\n", path, hex);
	for (i = nexisting; i < nkeys; i++) {
		snprintf(path, sizeof(path), "%s/%s-producer-%d.key", dir, name,
		    i);
		sodium_bin2hex(hex, sizeof(hex), keys[i], BLOCK_PUBKEY_LEN);
		snprintf(comment, sizeof(comment), "# timenode producer key: "
		    "network %s, producer %d\n# public key %s\n"
		    "# secret: keep this file to the node that produces\n",
		    name, i, hex);
		if (keyfile_write(path, seeds[i], comment, err, sizeof(err))
		    == -1) {
			fprintf(stderr, "timenode-genesis: %s\n", err);
			return 1;
		}
		printf("producer %d key %s public %s\n", i, path, hex);
	}
	sodium_memzero(seeds, sizeof(seeds));
	return 0;
}
