/* SPDX-License-Identifier: ISC */
/*
 * node_metrics.c - the node's metrics in the Prometheus text format.
 *
 * Built from what the supervisor already has: the workers' last heartbeat
 * answers (chain, sync, network counters, LMDB, latency histograms, send
 * queues), its own view of the workers (up, restarts) and their resident
 * memory from /proc/PID/statm.  Names follow Prometheus' naming practices:
 * timenode_ prefix, base units (seconds, bytes), _total on counters.
 * Labels come from fixed sets only (worker, direction, close reason,
 * sync state, channel ends): never one series per peer, so the number of
 * series does not grow with the peers.  docs/operations.md lists them.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "progress.h"
#include "supervisor.h"
#include "timenode_version.h"
#include "wire.h"		/* WIRE_VERSION */
#include "worker.h"		/* mono_now */

#define L(n, v)		((struct metrics_label){ (n), (v) })
#define NL(a)		(sizeof(a) / sizeof((a)[0]))

/* one family with one unlabelled sample */
static void
one(struct metrics *m, const char *name, const char *type, const char *help,
    double v)
{
	metrics_family(m, name, type, help);
	metrics_sample(m, name, NULL, 0, v);
}

static void
one_u64(struct metrics *m, const char *name, const char *type,
    const char *help, uint64_t v)
{
	metrics_family(m, name, type, help);
	metrics_sample_u64(m, name, NULL, 0, v);
}

/* Resident set size of pid in bytes (statm's second field), 0 if gone. */
static uint64_t
rss_bytes(pid_t pid)
{
	char			 path[64];
	unsigned long long	 size, resident;
	FILE			*f;
	int			 n;

	snprintf(path, sizeof(path), "/proc/%ld/statm", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fscanf(f, "%llu %llu", &size, &resident);
	fclose(f);
	return n == 2 ? resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

static void
build_info(struct metrics *m)
{
	char			 proto[16];
	struct metrics_label	 l[2];

	snprintf(proto, sizeof(proto), "%d", WIRE_VERSION);
	l[0] = L("version", TIMENODE_VERSION_FULL);
	l[1] = L("protocol", proto);
	metrics_family(m, "timenode_build_info", "gauge",
	    "Always 1; the version and wire protocol of this node.");
	metrics_sample(m, "timenode_build_info", l, NL(l), 1);
}

static void
workers(struct metrics *m, struct supervisor *sv)
{
	struct metrics_label	 l[1];
	struct child		*c;
	int			 i;

	metrics_family(m, "timenode_worker_up", "gauge",
	    "1 if the worker runs and answers its heartbeats, else 0.");
	for (i = 0; i < IPC_NWORKERS; i++) {
		c = &sv->children[i];
		l[0] = L("worker", c->name);
		metrics_sample(m, "timenode_worker_up", l, 1,
		    c->state == CHILD_RUNNING);
	}
	metrics_family(m, "timenode_worker_restarts_total", "counter",
	    "Restarts of the worker since the supervisor started.");
	for (i = 0; i < IPC_NWORKERS; i++) {
		c = &sv->children[i];
		l[0] = L("worker", c->name);
		metrics_sample_u64(m, "timenode_worker_restarts_total", l, 1,
		    c->rs.restarts);
	}
	metrics_family(m, "timenode_worker_resident_memory_bytes", "gauge",
	    "Resident set size of the worker (/proc/PID/statm), 0 when it "
	    "is not running.");
	for (i = 0; i < IPC_NWORKERS; i++) {
		c = &sv->children[i];
		l[0] = L("worker", c->name);
		metrics_sample_u64(m, "timenode_worker_resident_memory_bytes",
		    l, 1, c->pid > 0 ? rss_bytes(c->pid) : 0);
	}
}

static void
chain(struct metrics *m, struct supervisor *sv)
{
	const struct ipc_status_stored	*st = &sv->st_stored;

	one_u64(m, "timenode_chain_height", "gauge",
	    "Height of the stored chain's tip (0 = genesis).", st->height);
	one(m, "timenode_chain_tip_age_seconds", "gauge",
	    "Seconds since the supervisor saw the tip change (or since it "
	    "started), to heartbeat resolution.", mono_now() - sv->tip_seen);
	one_u64(m, "timenode_lmdb_map_size_bytes", "gauge",
	    "Size of LMDB's memory map (it grows when full).", st->map_bytes);
	one_u64(m, "timenode_lmdb_pages_used", "gauge",
	    "LMDB pages in use: the last page number + 1.", st->pages_used);
	one_u64(m, "timenode_lmdb_page_size_bytes", "gauge",
	    "Size of an LMDB page.", st->page_bytes);
}

static void
sync_state(struct metrics *m, struct supervisor *sv)
{
	const struct ipc_status_syncd	*st = &sv->st_syncd;
	struct metrics_label		 l[1];
	struct catchup			 p;
	int				 i;

	metrics_family(m, "timenode_sync_state", "gauge",
	    "1 for the state syncd is in, 0 for the others.");
	for (i = 0; i < SYNC_NSTATES; i++) {
		l[0] = L("state", sync_state_names[i]);
		metrics_sample(m, "timenode_sync_state", l, 1, st->state == i);
	}
	one_u64(m, "timenode_sync_target_height", "gauge",
	    "Height syncd catches up to (the best known).", st->target_height);
	one(m, "timenode_sync_blocks_per_second", "gauge",
	    "Blocks committed per second, smoothed.",
	    (double)st->rate_milli / 1000.0);
	one_u64(m, "timenode_sync_blocks_in_flight", "gauge",
	    "Blocks requested from peers and not answered yet.",
	    st->in_flight);
	one_u64(m, "timenode_sync_signatures_skipped_total", "counter",
	    "Block signatures not checked below the trusted checkpoint "
	    "([sync] assumevalid), since syncd started.", st->av_skipped);
	one_u64(m, "timenode_sync_signatures_unverified", "gauge",
	    "Stored blocks whose signatures were not checked during a "
	    "catch-up ([sync] assumevalid) and are not verified yet: not "
	    "served to peers until they are.", st->unverified_from == 0 ? 0 :
	    st->unverified_to - st->unverified_from + 1);
	one_u64(m, "timenode_sync_request_timeouts_total", "counter",
	    "Block requests to peers given up at their deadline or with "
	    "their silent peer (each costs the peer a pause), since syncd "
	    "started.", st->requests_timed_out);
	one_u64(m, "timenode_sync_peer_stalls_total", "counter",
	    "Peers found holding back the commit point (their ranges asked "
	    "of others too), since syncd started.", st->peer_stalls);
	catchup_compute(&sv->st_stored, st, &p);
	one(m, "timenode_sync_progress_ratio", "gauge",
	    "Progress of the catch-up, 0 to 1 (1 when idle).",
	    p.percent / 100.0);
}

static void
peers(struct metrics *m, struct supervisor *sv)
{
	struct metrics_label	 l[1];
	uint64_t		 n[2] = { 0, 0 };
	uint32_t		 i;

	for (i = 0; i < sv->st_netd.npeers; i++)
		n[sv->st_netd.peers[i].direction == DIR_INBOUND ? 0 : 1]++;
	metrics_family(m, "timenode_peers", "gauge",
	    "Connected peers (handshake done) by direction.");
	l[0] = L("direction", "inbound");
	metrics_sample_u64(m, "timenode_peers", l, 1, n[0]);
	l[0] = L("direction", "outbound");
	metrics_sample_u64(m, "timenode_peers", l, 1, n[1]);
	one_u64(m, "timenode_bans", "gauge",
	    "Peer IPs banned now.", sv->st_netd.bans);
}

static void
network(struct metrics *m, struct supervisor *sv)
{
	const struct ipc_net_counters	*c = &sv->st_netd.c;
	struct metrics_label		 l[1];
	int				 i;

	one_u64(m, "timenode_connections_opened_total", "counter",
	    "TCP connections opened, inbound and outbound.",
	    c->connections_opened);
	metrics_family(m, "timenode_connections_closed_total", "counter",
	    "TCP connections closed, by reason.");
	for (i = 0; i < CLOSE_NREASONS; i++) {
		l[0] = L("reason", net_close_names[i]);
		metrics_sample_u64(m, "timenode_connections_closed_total", l,
		    1, c->connections_closed[i]);
	}
	one_u64(m, "timenode_handshakes_failed_total", "counter",
	    "Connections closed before their handshake ended.",
	    c->handshakes_failed);
	one_u64(m, "timenode_peer_key_changes_total", "counter",
	    "Known peer addresses that presented another node key.",
	    c->peer_key_changed);
	one_u64(m, "timenode_tls_downgrades_refused_total", "counter",
	    "Plaintext refused where TLS was due (docs/protocol.md 12).",
	    c->downgrades_refused);
	one_u64(m, "timenode_plaintext_v2_hellos_total", "counter",
	    "Version-2 hellos accepted in plaintext ([p2p] plaintext = yes).",
	    c->plaintext_v2_hellos);
	one_u64(m, "timenode_duplicate_connections_resolved_total", "counter",
	    "Doubled connections to one peer resolved by the tie rule.",
	    c->duplicates_resolved);
	one_u64(m, "timenode_pings_sent_total", "counter",
	    "Pings sent to peers.", c->pings_sent);
	one_u64(m, "timenode_pongs_received_total", "counter",
	    "Pongs received from peers.", c->pongs_received);
	one_u64(m, "timenode_network_received_bytes_total", "counter",
	    "Bytes received from peers.", c->bytes_in);
	one_u64(m, "timenode_network_sent_bytes_total", "counter",
	    "Bytes sent to peers.", c->bytes_out);
}

static void
histogram(struct metrics *m, const char *name, const char *help,
    const struct ipc_hist *h)
{
	struct metrics_hist mh = { ipc_hist_bounds_s, IPC_HIST_NBOUNDS,
	    h->counts, (double)h->sum_us / 1e6 };

	metrics_family(m, name, "histogram", help);
	metrics_histogram(m, name, NULL, 0, &mh);
}

static void
ipc_queues(struct metrics *m, struct supervisor *sv)
{
	static const char	 name[] = "timenode_ipc_send_queue_messages";
	const uint32_t		*q[IPC_NPROC] = { NULL, sv->st_stored.sendq,
	    sv->st_syncd.sendq, sv->st_netd.sendq };
	struct metrics_label	 l[2];
	int			 i, k;

	metrics_family(m, name, "gauge",
	    "Messages waiting to be sent on an IPC channel, by its ends.");
	for (i = 0; i < IPC_NWORKERS; i++) {
		l[0] = L("from", "supervisor");
		l[1] = L("to", sv->children[i].name);
		metrics_sample_u64(m, name, l, 2,
		    ipc_chan_queued(sv->children[i].ctl));
	}
	for (i = IPC_STORED; i < IPC_NPROC; i++)
		for (k = 0; k < IPC_WORKER_CHANS; k++) {
			l[0] = L("from", ipc_proc_names[i]);
			l[1] = L("to", ipc_proc_names[ipc_sendq_peer(
			    (enum ipc_proc)i, k)]);
			metrics_sample_u64(m, name, l, 2, q[i][k]);
		}
}

/*
 * [metrics] listen: netd serves the last text it got (docs/architecture.md,
 * "Metrics"), so it gets a fresh one with every heartbeat.  netd only
 * stores and serves these bytes; it parses nothing of them.
 */
void
node_metrics_push(struct supervisor *sv)
{
	struct child	*c = child_by_name(sv, "netd");
	struct metrics	 m;
	struct wbuf	 w;

	if (sv->cfg.metrics_listen.port == 0 || c == NULL ||
	    c->state != CHILD_RUNNING)
		return;
	metrics_init(&m);
	if (node_metrics(sv, &m) == 0) {
		wbuf_init(&w, IPC_METRICS_TEXT_MAX);
		put_bytes(&w, m.buf, m.len);
		child_send(c, IPC_METRICS_TEXT, 0, &w);
		wbuf_free(&w);
	}
	metrics_free(&m);
}

int
node_metrics(struct supervisor *sv, struct metrics *m)
{
	build_info(m);
	workers(m, sv);
	chain(m, sv);
	sync_state(m, sv);
	peers(m, sv);
	network(m, sv);
	histogram(m, "timenode_handshake_duration_seconds",
	    "Time from TCP connected to handshake done (netd).",
	    &sv->st_netd.handshake);
	histogram(m, "timenode_block_request_duration_seconds",
	    "Time from a block request sent to a peer to its answer (syncd).",
	    &sv->st_syncd.request);
	ipc_queues(m, sv);
	return m->failed ? -1 : 0;
}
