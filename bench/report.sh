#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# report.sh RESULTS.json PLOTS_DIR PLOTS_MADE [EARLIER.json] - the markdown
# report of one bench/run.sh run (REPORT.md) on stdout: the machine, a table
# of every figure next to its baseline and target, the plots, and what each
# figure measures.  Figures are medians of the run's repetitions with
# [min-max].  EARLIER.json, an earlier run's results, gives the restart
# figures a baseline: issue 12 judges its restart fix against the restart
# as it was before.
set -eu
json=$1 plots=$2 plot_ok=$3 earlier=${4:-}
[ -n "$earlier" ] && [ -f "$earlier" ] || earlier=/dev/null
j() { jq -r --slurpfile prev "$earlier" '($prev[0] // null) as $prev | '"$1" "$json"; }

# jq helpers: r1 = one decimal; mm = "median [min-max]" of a stats object
lib='
def r1: if type == "number" then (. * 10 | round) / 10 | tostring
  else "n/a" end;
def r0: if type == "number" then round | tostring else "n/a" end;
def mm(f): if . == null or .median == null then "n/a"
  else "\(.median | f) [\(.min | f)–\(.max | f)]" end;
def mm0: mm(r0);
def mm1: mm(r1);
def ratio(a; b): if (a | type) == "number" and (b | type) == "number"
  and b > 0 then "\(a / b * 100 | round)%" else "n/a" end;
def row(a; b; c; d; e): "| \(a) | \(b) | \(c) | \(d) | \(e) |";
def bad: . == null or (type == "object" and .failed == true);
def mib: if type == "number" then (. / 1024 | r1) + " MiB" else "n/a" end;
'

cat <<EOF
# timenode benchmark report

Made by \`bench/run.sh$(j 'if .quick then " --quick" else "" end')\`$(j 'if .quick then " (reduced sizes: not the figures of issue 12)" else "" end')
on $(j .date), commit $(j .git).
Machine: $(j '.machine | "\(.cores) cores (\(.cpu)), \(.mem_kib / 1048576 | . * 10 | round / 10) GiB RAM, Linux \(.kernel)"').
Repetitions of each catch-up: $(j .catchup_reps); of litecoind's:
$(j '.litecoind.runs // [] | length'). Each figure
is the median of its repetitions (or of its samples) with [min–max];
every baseline was measured in the same run. Nothing here is asserted:
targets are issue 12's. Wall time of the whole run: $(j 'if .total_s then "\(.total_s / 60 | . * 10 | round / 10) min" else "n/a" end'); of each part (s): $(j '(if .build_s then {build: .build_s} else {} end) + .seconds | to_entries | map("\(.key) \(.value)") | join(", ")').
Parts that exited with an error: $(j '.exit_status // {} | to_entries | map(select(.value != 0) | "\(.key) (\(.value))") | if length == 0 then "none" else join(", ") end').
Raw results: \`results/$(j .date).json\` (next to this file); the benchmarks' own
output in \`results/logs-$(j .date)/\`.

## Figures

EOF

j "$lib"'
  . as $top |
  (row("figure"; "median [min–max]"; "baseline (same run)"; "ratio"; "target")),
  "|---|---|---|---|---|",
  (if .catchup == null then row("catch-up"; "not run"; ""; ""; "") else
   .catchup[] | "\(.blocks) × \(.payload / 1024 | r0) KiB" as $s |
   # issue 12 sets its targets for 1 KiB blocks; larger ones are reported
   (.payload == 1024) as $targeted |
   .baseline_validate_lmdb as $val | .raw_lmdb_append as $raw |
   "validate + LMDB, one thread" as $bn |
   # "all" is the online CPUs; issue 12 item 1: >= 1.6x with all of 2
   def tlabel: if .threads == "all" then "all \($top.machine.cores) CPUs"
     elif .threads == "1" then "1 thread" else "\(.threads) threads" end;
   # the machine bound: every core busy with the CPU a block took (all
   # nodes: the serving ones run on the same cores), as a share of base
   def ceiling(base): if (.cpu_us_per_block.median | type) == "number" and
     .cpu_us_per_block.median > 0 then
     ($top.machine.cores * 1e6 / .cpu_us_per_block.median) as $c |
     "; bound by \($top.machine.cores) cores: \($c | r0) blocks/s = \(ratio($c; base.median))"
     else "" end;
   # the CPU of the catching-up node by process, medians (absent in results
   # written before they were measured)
   def by_proc: if (.self_cpu_us_by_process | type) == "object" then
     .self_cpu_us_by_process as $p |
     " (" + ([["timenoded", "stored", "syncd", "netd"][] as $k |
       "\($k) \($p[$k].median | r1)"] | join(", ")) + ")"
     else "" end;
   def target: if $targeted and (.threads == "all" or
     (.threads | tonumber? // 0) == $top.machine.cores)
     then "≥ 160% (on 2 cores)" else "" end;
   def av_target: if $targeted then "≥ 70%" else "" end;
   row("\($s): validate + LMDB, one process, one thread (bench_sync baseline)"; if $val == null then "n/a (bench_sync did not report it: see its log)" else ($val | mm0) + " blocks/s" end; "—"; ""; ""),
   row("\($s): raw LMDB append, nothing validated (bench_sync)"; ($raw | mm0) + " blocks/s"; $bn; ratio($raw.median; $val.median); ""),
   row("\($s): append through stored IPC (bench_store)"; (.ipc_append | mm0) + " blocks/s"; "bench_store direct: \(.store_direct_append | mm0)"; ratio(.ipc_append.median; .store_direct_append.median); "≥ 70%"),
   (.validation[] |
    row("\($s): syncd validation alone, \(tlabel) (CPU \(.cpu_us_per_block | mm1) µs/block)"; (.blocks_per_s | mm0) + " blocks/s"; $bn; ratio(.blocks_per_s.median; $val.median); "")),
   (.catchup[] |
    row("\($s): catch-up from \(if .peers == 1 then "1 peer" else "\(.peers) peers" end), \(tlabel); from its first block on (CPU of all nodes \(.cpu_us_per_block | mm1) µs/block, of the catching-up node \(.self_cpu_us_per_block | mm1)\(by_proc), \(.cores_busy | mm(. * 100 | round / 100 | tostring)) cores busy\(ceiling($val)))"; "\(.blocks_per_s | mm0) blocks/s; \(.steady_blocks_per_s | mm0)"; $bn; "\(ratio(.blocks_per_s.median; $val.median)); \(ratio(.steady_blocks_per_s.median; $val.median))"; target)),
   (if (.checkpoint | type) != "array" or (.checkpoint | length) == 0
    then row("\($s): catch-up with a checkpoint (assumevalid)"; "not measured"; "raw LMDB append"; ""; av_target)
    else .checkpoint[] |
     row("\($s): catch-up with a checkpoint (assumevalid = the tip), \(if .peers == 1 then "1 peer" else "\(.peers) peers" end), all CPUs, window \(.window); from its first block on (CPU of all nodes \(.cpu_us_per_block | mm1) µs/block, of the catching-up node \(.self_cpu_us_per_block | mm1)\(by_proc), \(.cores_busy | mm(. * 100 | round / 100 | tostring)) cores busy\(ceiling($raw))); then until every signature skipped was verified (the deferred check)"; "\(.blocks_per_s | mm0) blocks/s; \(.steady_blocks_per_s | mm0); \(.verified_blocks_per_s | mm0)"; "raw LMDB append \($raw | mm0)"; "\(ratio(.blocks_per_s.median; $raw.median)); \(ratio(.steady_blocks_per_s.median; $raw.median)); \(ratio(.verified_blocks_per_s.median; $raw.median))"; av_target) end)
  end),
  (.litecoind as $l | (.catchup // [] | map(select(.payload == 1024))[0].catchup // []
     | map(select(.peers == 1 and .threads == "all"))[0].blocks_per_s.median) as $tn |
   if $l == null then row("litecoind"; "not run"; ""; ""; "")
   elif $l.status != "ok" then row("litecoind regtest catch-up"; $l.status; ""; ""; "")
   else row("litecoind \($l.blocks) regtest blocks from 1 peer"; ($l.bps | mm0) + " blocks/s";
     "timenode 1 peer, all CPUs, 1 KiB: \($tn | r0) blocks/s"; ratio($tn; $l.bps.median) + " (timenode/litecoind)"; "") end),
  (.handshake as $h | if $h | bad then row("handshake"; "not run or failed"; ""; ""; "") else
   row("handshake p50 (\($h.connections) connections, \($h.failed) failed)"; ($h.ms.median | r1) + " ms"; "—"; ""; ""),
   row("handshake p99"; ($h.ms.p99 | r1) + " ms [max \($h.ms.max | r1)]"; "—"; ""; "< 5 ms") end),
  (.tls as $t | if $t | bad then row("TLS"; "not run or failed"; ""; ""; "") else
   ($t.catchup_tls_s | map(select(. > 0)) | sort | .[length / 2 | floor]) as $ct |
   ($t.catchup_plaintext_s | map(select(. > 0)) | sort | .[length / 2 | floor]) as $cp |
   row("catch-up of \($t.blocks) × \($t.payload) B from 1 peer over TLS (start to tip, median of \($t.catchup_tls_s | length))"; (($t.blocks / $ct) | r0) + " blocks/s"; "plaintext: \(($t.blocks / $cp) | r0) blocks/s"; ratio($cp; $ct); "≥ 95%"),
   row("handshake over TLS p50 / p99 (\($t.handshake_tls_ms.n // "") connections, \($t.handshake_tls_failed) failed)"; "\($t.handshake_tls_ms.median | r1) / \($t.handshake_tls_ms.p99 | r1) ms"; "plaintext: \($t.handshake_plaintext_ms.median | r1) / \($t.handshake_plaintext_ms.p99 | r1) ms"; ""; "p99 < 5 ms") end),
  (.restart as $r | if $r | bad then row("restart"; "not run or failed"; ""; ""; "") else
   ("stored", "syncd", "netd") as $w | $r[$w] |
   ($prev.restart[$w] // null) as $p |
   (if $p == null or ($p | type) != "object" then "none: no earlier run given"
    else "run of \($prev.date): \($p.running_ms.median | r0) / \($p.running_ms.p95 | r0) ms" end) as $pr |
   (if $p == null or ($p | type) != "object" then ""
    else "run of \($prev.date): \($p.serving_ms.median | r0) / \($p.serving_ms.p95 | r0) ms" end) as $ps |
   row("restart \($w) (\(.kills) × SIGKILL): to \"running\" median / p95"; "\(.running_ms.median | r0) / \(.running_ms.p95 | r0) ms [\(.running_ms.min | r0)–\(.running_ms.max | r0)]"; $pr; ratio(.running_ms.median; $p.running_ms.median); "< 100 / < 250 ms"),
   row("restart \($w): to serving again median / p95"; "\(.serving_ms.median | r0) / \(.serving_ms.p95 | r0) ms [\(.serving_ms.min | r0)–\(.serving_ms.max | r0)]"; $ps; ratio(.serving_ms.median; $p.serving_ms.median); "< 100 / < 250 ms") end),
  (.restart as $r | if $r | bad then empty else
   row("peer connections closed by restarts of stored and syncd"; "\($r.peer_connections_closed_by_stored_syncd)"; ""; ""; "0") end),
  (.idle as $i | if $i | bad then row("idle"; "not run or failed"; ""; ""; "") else
   row("idle, \($i.peers) peers, default intervals: CPU of the 4 processes over \($i.seconds | r0) s"; ($i.cpu_pct | . * 1000 | round / 1000 | tostring) + "% of a core"; ""; ""; "< 0.2%"),
   row("idle: RSS of the 4 processes"; ($i.rss_kib | mib); ""; ""; ""),
   ($i.processes // {} | to_entries[] |
    row("idle: \(.key) (\(.value.threads) threads), wakeups (context switches of all its threads) and CPU"; "\(.value.wakeups_per_s | r1)/s, \(.value.cpu_pct * 1000 | round / 1000)% of a core"; ""; ""; ""))
   end),
  (.net[] | select(. != null) | . as $n |
   if ($n | bad) then row("network"; "failed"; ""; ""; "") else
   "\($n.nodes) nodes" as $k |
   row("\($k): all workers running after start"; ($n.start_s | r1) + " s"; ""; ""; ""),
   row("\($k): one connected peer graph / every node ≥ \($n.connect.want_peers) peers"; "\($n.connect.one_component_s | r1) / \($n.connect.all_have_want_s | r1) s (from start)"; ""; ""; "< 1 s connection setup"),
   row("\($k): peers per node"; "\($n.peers_per_node.median | r0) [\($n.peers_per_node.min | r0)–\($n.peers_per_node.max | r0)], \($n.peers_per_node.without_peers // "n/a") without any"; ""; ""; ""),
   (if $n.memory then
    row("\($k): memory node, \($n.memory.blocks)-block catch-up from \($n.memory.peers) peers"; ($n.memory.catchup_s | r1) + " s, \($n.memory.blocks / ($n.memory.catchup_s // 1e9) | r0) blocks/s"; ""; ""; ""),
    row("memory node: RSS after the catch-up (of which anonymous)"; "\($n.memory.rss_after_catchup_kib | mib) (\($n.memory.anon_after_catchup_kib | mib))"; ""; ""; ""),
    row("memory node: RSS over a \($n.memory.soak_s | r0) s soak, first / last / max"; "\($n.memory.soak_first_kib | mib) / \($n.memory.soak_last_kib | mib) / \($n.memory.soak_max_kib | mib)"; "first sample"; ratio($n.memory.soak_last_kib; $n.memory.soak_first_kib); "flat"),
    row("memory node: anonymous RSS over the soak, first / last / max"; "\($n.memory.soak_anon_first_kib | mib) / \($n.memory.soak_anon_last_kib | mib) / \($n.memory.soak_anon_max_kib | mib)"; "first sample"; ratio($n.memory.soak_anon_last_kib; $n.memory.soak_anon_first_kib); "flat") else empty end),
   row("\($k): propagation of 1 block/s for \($n.per_second.seconds) s, p50 / p99 / max"; "\($n.per_second.latency_ms.median | r1) / \($n.per_second.latency_ms.p99 | r1) / \($n.per_second.latency_ms.max | r1) ms (\($n.per_second.latency_ms.n) samples, \($n.per_second.not_seen) not seen)"; ""; ""; ""),
   row("\($k): CPU while producing 1 block/s (all nodes)"; ($n.per_second.cpu_cores * 100 | r1) + "% of a core"; ""; ""; ""),
   row("\($k): a \($n.chain.blocks)-block chain reaching all"; "\($n.chain.all_s | r1) s (\($n.chain.reached)/\($n.nodes) nodes; median node \($n.chain.s.median | r1) s)"; ""; ""; ""),
   row("\($k): CPU during the chain (all nodes)"; ($n.chain.cpu_cores | r1) + " cores"; ""; ""; ""),
   row("\($k): total RSS (\($n.nodes) × 4 processes)"; ($n.rss_total_kib | mib); ""; ""; ""),
   row("\($k): trouble (worker restarts, workers not running, closes by reason)"; "\($n.trouble.worker_restarts), \($n.trouble.workers_not_running), \($n.trouble.connections_closed | to_entries | map(select(.value > 0) | "\(.key) \(.value)") | join(" "))"; ""; ""; "0, 0") end)
'
echo

echo "## What broke"
echo
# what broke in each network, in the order it would bite
j "$lib"'
  .net[] | select(. != null) | . as $n |
  [ (if $n.started then "only \($n.started) of \($n.nodes) nodes started (timenoded or a worker did not reach running within 120 s)" else empty end),
    (if ($n.peers_per_node.without_peers // 0) > 0 then "\($n.peers_per_node.without_peers) of \($n.nodes) nodes had no peer at all: they know only the seed, and the seed refused them (\($n.trouble.connections_closed.limit // 0) connections closed for `limit`: its `max_inbound` is full), so peer exchange never told them anyone else" else empty end),
    (if $n.chain.reached != null and $n.chain.reached < $n.nodes then "the \($n.chain.blocks)-block chain reached \($n.chain.reached) of \($n.nodes) nodes" else empty end),
    (if ($n.per_second.not_seen // 0) > 0 then "\($n.per_second.not_seen) (node, block) pairs of the per-second phase were never seen committed" else empty end),
    (if ($n.trouble.worker_restarts // 0) > 0 then "\($n.trouble.worker_restarts) worker restarts" else empty end),
    (if ($n.trouble.workers_not_running // 0) > 0 then "\($n.trouble.workers_not_running) workers not running at the end" else empty end)
  ] as $t |
  "**\($n.nodes) nodes**: " + (if ($t | length) == 0 then "nothing broke." else ($t | join("; ")) + "." end), ""'
echo

if [ "$plot_ok" = 1 ]; then
	echo "## Plots"
	echo
	for p in throughput catchup latency soak; do
		[ -f "$plots/$p.png" ] && echo "![$p](plots/$p.png)" && echo
	done
else
	echo "(gnuplot not installed: no plots)"
	echo
fi

cat <<'EOF'
## What each figure measures

* **Catch-up** (`bench_sync`, `bench_store`, `build/bin`): `bench_sync`
  runs once per size and repetition and builds the chain, signed with the
  devnet key, before any clock starts. *Validate + LMDB, one thread* (the
  baseline of every catch-up figure): decode, validate (Ed25519 included)
  and append with stored's library, in one process and one thread, in
  batches as large as stored takes (1,024 blocks or 8 MiB). *Raw LMDB
  append*: the same appends into a fresh environment, nothing validated.
  *Validation alone*: syncd's chainview validating the held blocks batch
  by batch on a pool of 1, 2 and all threads, no store (CPU: all threads'
  CPU time per block). *Catch-up*: a producer node and three copies of its
  store serve a fresh node with `validation_threads` 1, 2 and all (from
  one of them) and all (from all four): that many threads check
  signatures beside syncd's event loop, which goes on meanwhile
  (docs/sync.md, "Parallel validation"); the first figure runs from the
  fresh node's start (its start and handshakes included) to its status
  showing the whole chain, the second from its first committed block on.
  *Append through stored IPC* is `bench_store`'s, against its own direct
  append. *Checkpoint*: the same catch-up with `[sync] assumevalid` set
  to the chain's tip, against raw LMDB append (issue 12 item 2): syncd
  downloads the leader's headers up to the checkpoint first and skips the
  signature of every block in that header chain, with the default window
  and with window 100000 (docs/sync.md, "Trusted checkpoint").  The
  skipped signatures are verified later, while the node is idle, before
  it serves or announces those blocks (a block's hash does not cover its
  signature); the third figure runs until the status shows none left
  unverified, for comparison with the catch-up without a checkpoint.  *Bound
  by N cores*: the rate at which every core of the machine would be busy
  with the CPU a block took in the catching-up node and its serving peers
  together (they share the machine's cores), as a share of the baseline:
  what no overlap of the pipeline can exceed on this machine. run.sh reads `bench_sync`'s `RESULT` lines
  (`bench_sync --help`), not its sentences.
* **litecoind** (`bench/litecoind.sh`): Debian 12's litecoind 0.21 (Debian
  12 has no bitcoind; python3-bitcoinlib is the only other Bitcoin package).
  Node A mines a regtest chain (one coinbase per block, about 200 bytes,
  MWEB deployment moved out of the way, and regtest's consistency checks
  off as on main net: `-checkblockindex` walks the whole index after
  every block, which held litecoind to about 110 blocks/s of one core
  until the 2026-11-30 session); node B, fresh each time, is
  started with `-connect` to A alone on 127.0.3.x and timed from its start
  until `getblockcount` reaches the chain's height. It compares the whole
  catch-up pipeline per block (connection, headers-first download, block
  checks, UTXO and LevelDB writes) on the same machine. It does not compare
  like work: litecoind's regtest blocks carry no signature to verify
  (coinbase only) and its proof of work is trivial at regtest difficulty,
  while every timenode block has an Ed25519 signature and 1 KiB payload;
  timenode commits each batch with fsync, litecoind flushes its database
  cache rarely. The ratio is timenode over litecoind.
* **Handshake** (`bench_node handshake`): a C client (tests/fakepeer.c,
  the wire encoder) times connect() to the node's hello received after its
  own was sent, over fresh connections from 200 loopback addresses in turn.
* **TLS** (`bench_node tls`): one producer; a fresh node catches up from
  it over TLS (the default), and one in plaintext (`[p2p] plaintext =
  always`), alternately, from its start to the producer's tip; the ratio
  is plaintext time over TLS time (TLS's throughput as a share of
  plaintext's). Then as many handshakes of each kind as the handshake
  row: TLS ones by a C client with netd's own TLS context (connect(),
  TLS 1.3 with certificates both ways, both hellos), plaintext ones by
  the scripted peer.
* **Restart** (`bench_node restart`): default supervisor settings except
  `fast_crash = 0.5` and a high restart intensity, so that no restart is
  throttled as a fast crash; each kill waits until the worker has lived
  0.7 s. "Running": `status` shows the worker `running` under a new pid
  (polled every 2 ms). "Serving": `verify` answered (stored), `produce 1`
  answered (syncd, through stored), a handshake on the listening address
  (netd). A peer node counts its closed connections during the stored and
  syncd restarts. The baseline is the same figure from an earlier run
  (`run.sh --compare FILE`, by default the earliest full run kept in
  `results/`): issue 12 judges its restart fix against the restart as it
  was before it.
* **Idle**: one node and ten peers with default settings (ping every 60 s);
  user + system CPU of timenoded and its three workers from /proc over the
  period, and the sum of their VmRSS. Every RSS figure here is VmRSS
  (it counts the pages of the LMDB map a process touched, file pages
  shared with the page cache) unless it says "anonymous" (RssAnon: heap
  and stacks, what a leak would grow).
* **Network** (`bench_node net`): nodes on 127.0.4.x with default settings,
  each told only the seed (node 0), finding the others by peer exchange.
  Connection: from starting the first node, until the peer graph (from
  every node's `peers`) is one component, and until every node has at
  least min(8, N-1) peers (8 = the default `max_outbound`); "n/a" when not
  within 30 s. Propagation:
  an observer holds one wire connection to every node (it claims height 0
  and no listening port, so it is never dialled or asked for blocks); a
  node announces each block it commits to its peers, so the time the
  observer reads node i's announcement of height H minus the block's own
  production time (`time_ms`, the producer's clock, the same machine) is
  the time from production to commit at node i; a node that announces only
  the end of a batch has committed every height below it. Latencies are
  over the N-1 non-producing nodes. The chain: node 0 produces it with one
  `produce` command; time until every node announced its last block (the
  wait ends after 30 s in which no node got further). CPU:
  user + system seconds of all nodes' processes over each phase, divided
  by its length. *Memory node*: before the network starts, node 0 makes the
  chain and every node gets a copy of its store; a fresh node with all N
  nodes as peers (`max_outbound = N` so that it dials them all) catches it
  up, traced by the observer (the blocks/s plot); its RSS is sampled from
  then on while it stays in the network through the other phases (the
  soak). The 100-node run has no memory node and 60 s of one block a
  second; its "trouble" row says what broke first (workers restarted or not
  running, connections closed by reason, e.g. `limit` when a node's
  `max_inbound` is full).
EOF
