/*
 * bench_sync.c - catch-up speed against the baseline of one process.
 *
 *	bench_sync [blocks [payload_bytes]]	(default 100000 1024)
 *
 * Baseline: the same kind of blocks built in memory, each decoded and
 * validated (signature included) and appended straight into LMDB with
 * stored's own library, in batches of 1024, by this one process.
 * Catch-up: a producer node A makes the chain ("produce"), three more
 * nodes get copies of A's store; a fresh node catches up from A alone,
 * then another from all four.  Figures: blocks/s and MB/s of each, and
 * the ratios to the baseline (targets: one peer >= 50%, four >= 70%).
 * Prints figures; asserts nothing about time.  Nodes run on 127.0.0.4x
 * as nobody when started as root.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "block.h"
#include "harness.h"
#include "store.h"

#define PORT	24600
#define BATCH	1024

static const char conf_common[] =
    "[p2p]\nping_interval = 5\nping_timeout = 20\nbackoff_min = 0.2\n"
    "backoff_max = 1\n";

static double
baseline(uint32_t nblocks, uint32_t plen, double *mb)
{
	struct genesis		 g;
	struct store		 s;
	struct store_params	 p;
	struct ipc_append	 ap;
	struct ipc_result	 res;
	struct block		 prev, b;
	struct block_header	 h;
	struct ipc_blob		*v;
	uint8_t			 pk[32], sk[64], *buf, *payload;
	size_t			 blen = BLOCK_HEADER_LEN + BLOCK_SIG_LEN + plen;
	char			 dir[] = "/tmp/bench_sync.XXXXXX", path[128];
	char			 err[512], cmd[160];
	double			 t0, t;
	uint32_t		 i, j, n;

	genesis_load(&g, "devnet", ".", err, sizeof(err));
	devnet_keypair(pk, sk);
	buf = malloc((size_t)nblocks * blen);
	payload = malloc(plen ? plen : 1);
	v = calloc(nblocks, sizeof(*v));
	prev = g.block;
	for (i = 0; i < nblocks; i++) {
		memset(&h, 0, sizeof(h));
		h.height = prev.h.height + 1;
		memcpy(h.prev, prev.hash, BLOCK_HASH_LEN);
		h.time_ms = prev.h.time_ms + 1;
		randombytes_buf(payload, plen);
		block_build(buf + i * blen, &h, payload, plen, sk, &b);
		v[i].p = buf + i * blen;
		v[i].len = (uint32_t)blen;
		prev.h = b.h;
		memcpy(prev.hash, b.hash, BLOCK_HASH_LEN);
	}
	if (mkdtemp(dir) == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.map_size = 256u << 20;
	p.addr_max = 100;
	p.max_reorg = 100;
	p.genesis = &g;
	if (store_open(&s, &p, err, sizeof(err)) != STORE_OPEN_OK) {
		fprintf(stderr, "baseline: %s\n", err);
		return 0;
	}
	/* the work of a catch-up: decode, validate against the previous
	 * block (signature included), append in batches */
	t0 = tn_now();
	prev = g.block;
	for (i = 0; i < nblocks; i += n) {
		n = nblocks - i < BATCH ? nblocks - i : BATCH;
		for (j = 0; j < n; j++) {
			if (block_decode(v[i + j].p, v[i + j].len, &b) !=
			    BLOCK_OK || block_validate(&b, &prev, &g.info,
			    0) != BLOCK_OK) {
				fprintf(stderr, "baseline: block refused\n");
				return 0;
			}
			prev.h = b.h;
			memcpy(prev.hash, b.hash, BLOCK_HASH_LEN);
		}
		memset(&ap, 0, sizeof(ap));
		ap.blocks.count = n;
		ap.blocks.v = v + i;
		store_append(&s, &ap, &res);
		if (res.code != IPC_OK) {
			fprintf(stderr, "baseline: %s\n", res.reason);
			return 0;
		}
	}
	t = tn_now() - t0;
	store_close(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	free(v);
	free(buf);
	free(payload);
	*mb = (double)nblocks * (double)blen / 1e6 / t;
	return nblocks / t;
}

static int
node_new(struct tn_node *n, const char *ip, const char *extra)
{
	char conf[2048];

	snprintf(conf, sizeof(conf), "%s%s%s", tn_fast_supervisor,
	    conf_common, extra ? extra : "");
	if (tn_node_init(n, ip, PORT, conf) == -1)
		return -1;
	return tn_node_unprivileged(n);
}

static long long
height(struct tn_node *n)
{
	json_t		*st = tn_status(n);
	long long	 h;

	if (st == NULL)
		return -1;
	h = tn_json_int(st, "node.height");
	json_decref(st);
	return h;
}

/* a fresh node catching up from the given peers: seconds, or -1 */
static double
catch_up(const char *ip, struct tn_node **peers, int npeers,
    long long target)
{
	struct tn_node	n;
	char		conf[1024];
	size_t		off;
	double		t0, end;
	int		i;

	off = (size_t)snprintf(conf, sizeof(conf), "[node]\n");
	for (i = 0; i < npeers; i++)
		off += (size_t)snprintf(conf + off, sizeof(conf) - off,
		    "peer = %s:%d\n", peers[i]->ip, PORT);
	if (node_new(&n, ip, conf) == -1 || tn_node_start(&n, NULL, NULL)
	    == -1)
		return -1;
	t0 = tn_now();
	end = t0 + 600;
	while (tn_now() < end && height(&n) < target)
		tn_sleep(0.02);
	t0 = tn_now() - t0;
	if (height(&n) < target)
		t0 = -1;
	tn_node_cleanup(&n);
	return t0;
}

/* one catch-up's figures against the baseline; t <= 0: it failed */
static void
report(const char *what, double t, uint32_t nblocks, double mb, double base,
    int target)
{
	if (t > 0)
		printf("%s %.0f blocks/s, %.1f MB/s, %.0f%% of the baseline "
		    "(target %d%%)\n", what, nblocks / t, nblocks * mb / t,
		    100 * nblocks / t / base, target);
	else
		printf("%s did not complete\n", what);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct tn_node	 A, P[3], *peers[4];
	uint32_t	 nblocks = 100000, plen = 1024, left, k;
	double		 base, base_mb = 0, t1, t4, mb;
	char		 cmd[1024], *ans;
	int		 i;

	if (argc > 1)
		nblocks = (uint32_t)strtoul(argv[1], NULL, 10);
	if (argc > 2)
		plen = (uint32_t)strtoul(argv[2], NULL, 10);
	if (sodium_init() == -1 || nblocks == 0 || plen > BLOCK_PAYLOAD_MAX)
		return 1;
	mb = (double)(BLOCK_HEADER_LEN + BLOCK_SIG_LEN + plen) / 1e6;
	printf("bench_sync: %u blocks of %u payload bytes\n", nblocks, plen);
	base = baseline(nblocks, plen, &base_mb);
	printf("baseline (validate + LMDB, one process): %.0f blocks/s, "
	    "%.1f MB/s\n", base, base_mb);
	fflush(stdout);

	/* the producer and three copies of its store */
	if (node_new(&A, "127.0.0.41", "[sync]\nproducer_key = devnet\n")
	    == -1 || tn_node_run(&A, 20) == -1)
		return 1;
	tn_sleep(0.5);
	for (left = nblocks; left > 0; left -= k) {
		k = left > IPC_PRODUCE_MAX ? IPC_PRODUCE_MAX : left;
		snprintf(cmd, sizeof(cmd), "produce %u %u\n", k, plen);
		if ((ans = tn_exchange(A.sock, cmd, strlen(cmd), 600)) ==
		    NULL || strstr(ans, "\"ok\":true") == NULL) {
			fprintf(stderr, "produce failed: %s\n", ans ? ans :
			    "no answer");
			return 1;
		}
		free(ans);
	}
	while (height(&A) < nblocks)
		tn_sleep(0.05);
	tn_node_stop(&A, 10);
	for (i = 0; i < 3; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "127.0.0.%d", 42 + i);
		if (node_new(&P[i], ip, NULL) == -1)
			return 1;
		snprintf(cmd, sizeof(cmd), "mkdir -p %s && cp %s/%s %s/ && "
		    "chown -R %d:%d %s", P[i].data, A.data, STORE_FILE,
		    P[i].data, geteuid() == 0 ? TN_NOBODY : (int)geteuid(),
		    geteuid() == 0 ? TN_NOBODY : (int)getegid(), P[i].data);
		if (system(cmd) != 0)
			return 1;
	}
	if (tn_node_run(&A, 20) == -1)
		return 1;
	peers[0] = &A;
	for (i = 0; i < 3; i++) {
		if (tn_node_run(&P[i], 20) == -1)
			return 1;
		peers[i + 1] = &P[i];
	}
	tn_sleep(1);

	t1 = catch_up("127.0.0.45", peers, 1, nblocks);
	report("catch-up from one peer:  ", t1, nblocks, mb, base, 50);
	t4 = catch_up("127.0.0.46", peers, 4, nblocks);
	report("catch-up from four peers:", t4, nblocks, mb, base, 70);
	printf("(catch-up times include the new node's start and the "
	    "handshakes)\n");
	for (i = 0; i < 3; i++)
		tn_node_cleanup(&P[i]);
	tn_node_cleanup(&A);
	return t1 > 0 && t4 > 0 ? 0 : 1;
}
