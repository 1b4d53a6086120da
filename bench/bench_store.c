/* SPDX-License-Identifier: ISC */
/*
 * bench_store.c - appending blocks through stored's IPC against the same
 * appends straight into LMDB, in one run.
 *
 *	bench_store [BLOCKS [BATCH [PAYLOAD]]]	defaults 100000 1000 1024
 *
 * The blocks (a devnet chain, signed with the published devnet key) are
 * built once before either clock starts.  "direct" calls store_append()
 * (stored/store.c, the code stored runs) in this process on a fresh
 * environment; "ipc" starts the real stored binary behind the fake
 * supervisor (tests/fakesup.c) on another fresh environment and sends
 * the same batches as IPC_STORE_APPEND, one round trip each, waiting for
 * every answer.  Both use the same LMDB settings (full sync on commit)
 * in directories under /tmp.  Each runs twice, alternating, on a fresh
 * environment each time.  It prints blocks/s and MB/s (whole blocks,
 * 10^6 bytes) of each and the ratio; it asserts nothing about time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakesup.h"
#include "store.h"

#define ROUNDS	2	/* of each, alternating; the sums are reported */

struct run {
	double		seconds;
	uint64_t	blocks;
	uint64_t	bytes;
};

static int
run_direct(const struct genesis *g, struct fs_batch *bt, uint32_t nb,
    struct run *out)
{
	struct store		s;
	struct store_params	p;
	struct ipc_result	res;
	char			dir[64], path[128], err[STORE_ERR_MAX];
	double			t0;
	uint32_t		i;
	int			ret = -1;

	snprintf(dir, sizeof(dir), "/tmp/tn-stored-bench-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.map_size = (size_t)1024 << 20;	/* [store] map_size_mb */
	p.addr_max = 10000;
	p.max_reorg = 100;
	p.genesis = g;
	if (store_open(&s, &p, err, sizeof(err)) != STORE_OPEN_OK) {
		fprintf(stderr, "direct: %s\n", err);
		goto out;
	}
	t0 = fs_now();
	for (i = 0; i < nb; i++) {
		store_append(&s, &bt[i].a, &res);
		if (res.code != IPC_OK) {
			fprintf(stderr, "direct: batch %u: %s\n", i,
			    res.reason);
			store_close(&s);
			goto out;
		}
		out->blocks += res.count;
		out->bytes += bt[i].bytes;
	}
	out->seconds += fs_now() - t0;
	store_close(&s);
	ret = 0;
out:
	fs_store_dir_remove(dir);
	return ret;
}

static int
run_ipc(struct fs_batch *bt, uint32_t nb, struct run *out)
{
	struct fakesup		fs;
	struct ipc_result	res;
	double			t0;
	uint32_t		i;
	int			ret = -1;

	if (fs_init(&fs, NULL) == -1 || fs_start(&fs, NULL, 30) == -1) {
		fprintf(stderr, "ipc: stored did not start\n");
		fs_dump_log(&fs);
		goto out;
	}
	t0 = fs_now();
	for (i = 0; i < nb; i++) {
		if (fs_append(&fs, &bt[i].a, &res, 60) == -1 ||
		    res.code != IPC_OK) {
			fprintf(stderr, "ipc: batch %u: %s\n", i,
			    res.reason);
			goto out;
		}
		out->blocks += res.count;
		out->bytes += bt[i].bytes;
	}
	out->seconds += fs_now() - t0;
	ret = 0;
out:
	fs_cleanup(&fs);
	return ret;
}

static void
report(const char *name, const struct run *r)
{
	printf("%-7s %8llu blocks  %7.2f s  %10.0f blocks/s  %8.1f MB/s\n",
	    name, (unsigned long long)r->blocks, r->seconds,
	    (double)r->blocks / r->seconds,
	    (double)r->bytes / r->seconds / 1e6);
}

int
main(int argc, char **argv)
{
	struct fs_chain	 chain;
	struct fs_batch	*bt;
	struct run	 direct, ipc;
	uint64_t	 blocks = 100000;
	uint32_t	 batch = 1000, payload = 1024, nb, i, n;
	double		 t0;

	if (argc > 1)
		blocks = strtoull(argv[1], NULL, 10);
	if (argc > 2)
		batch = (uint32_t)strtoul(argv[2], NULL, 10);
	if (argc > 3)
		payload = (uint32_t)strtoul(argv[3], NULL, 10);
	if (blocks == 0 || batch == 0 || batch > IPC_MAX_BLOCKS ||
	    payload > BLOCK_PAYLOAD_MAX ||
	    (uint64_t)batch * (payload + 154) > IPC_MAX_BLOCK_BYTES) {
		fprintf(stderr, "usage: bench_store [BLOCKS [BATCH (1..%u) "
		    "[PAYLOAD]]]\n", IPC_MAX_BLOCKS);
		return 2;
	}
	nb = (uint32_t)((blocks + batch - 1) / batch);
	t0 = fs_now();
	if (fs_chain_init(&chain, blocks + 1, payload, 1) == -1 ||
	    (bt = calloc(nb, sizeof(*bt))) == NULL)
		return 1;
	for (i = 0; i < nb; i++) {
		n = (uint32_t)(blocks - (uint64_t)i * batch < batch ?
		    blocks - (uint64_t)i * batch : batch);
		if (fs_batch_make(&bt[i], &chain, 1 + (uint64_t)i * batch,
		    n) == -1)
			return 1;
	}
	printf("bench_store: %llu blocks of %u payload bytes (%u bytes "
	    "each), batches of %u; built and signed in %.1f s\n",
	    (unsigned long long)blocks, payload, payload + 154, batch,
	    fs_now() - t0);
	memset(&direct, 0, sizeof(direct));
	memset(&ipc, 0, sizeof(ipc));
	/* alternate, so that neither gets the cold (or warm) disk alone */
	for (i = 0; i < ROUNDS; i++)
		if (run_direct(&chain.genesis, bt, nb, &direct) == -1 ||
		    run_ipc(bt, nb, &ipc) == -1)
			return 1;
	report("direct", &direct);
	report("ipc", &ipc);
	printf("ratio   ipc/direct = %.1f%% (target >= 70%%)\n",
	    100.0 * ((double)ipc.blocks / ipc.seconds) /
	    ((double)direct.blocks / direct.seconds));
	for (i = 0; i < nb; i++)
		fs_batch_free(&bt[i]);
	free(bt);
	fs_chain_free(&chain);
	return 0;
}
