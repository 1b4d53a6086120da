#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# run.sh - every benchmark of timenode in one command (issue 12): builds the
# release tree, runs each benchmark, prints a table, and writes
# bench/results/<date>.json and bench/REPORT.md with PNG plots.  It asserts
# nothing about time: a part that fails is reported as failed, the run goes
# on.
#
#	bench/run.sh [--quick] [options]
#
#   --quick            everything at reduced sizes, a few minutes (for
#                      development and the smoke test)
#   --reps N           repetitions of each catch-up and of litecoind
#                      (default 3; --quick 1)
#   --catchup-budget S a further repetition of the catch-ups starts only
#                      if it fits in S seconds from their start, judged by
#                      the slowest so far (default 540; always at least 1)
#   --soak SECONDS     the memory soak (default 600; --quick 20)
#   --net-seconds S    one block a second for S seconds in the 50-node
#                      network (default 300; --quick 15)
#   --only PARTS       comma-separated parts to run (default all):
#                      catchup,litecoind,handshake,tls,restart,idle,net50,
#                      net100
#   --compare FILE     an earlier run's results: its restart figures are
#                      the baseline of this run's (default: the earliest
#                      full run in results/, the one before issue 12's
#                      restart fix when kept)
#   --out DIR          where results/, the plots and REPORT.md go (default
#                      bench/; the smoke test writes into the build tree)
#   --build-dir DIR    the build tree (default build/)
#   --no-build         use the build tree as it is
#   --big-nodes N      nodes of the second network (default 100, at most
#                      128; --quick 0: none)
#   --no-install       do not install litecoind (its part then says "not
#                      installed"); scripts/build.sh still installs the
#                      packages of scripts/deps.sh (gnuplot among them)
#   --no-netns         (root only) run on the host's loopback instead of a
#                      network namespace of our own
#
# bench_sync is called once per size and repetition; it measures every
# catch-up figure of a size itself (the baselines, validation alone and
# the catch-ups with 1, 2 and all threads) and run.sh reads its RESULT
# lines, the catch-ups with a trusted checkpoint ([sync] assumevalid)
# included.
#
# Budget of the full run on a 2-core machine, in minutes (at most about
# 28 of 30): build 1; catch-up 100,000 x 1 KiB and 10,000 x 64 KiB, as many
# of the 3 repetitions as fit in 9 (7.3 min for 3 on a quiet machine,
# 5.4 for 2 on a shared one: 480 s then fitted no third);
# litecoind 1; handshake 0.2; restart 1.5; idle 1.5; 50 nodes with the
# memory soak 11 (the soak's 10 minutes include the per-second and chain
# phases); 100 nodes 3.  The report gives each part's wall time and the
# whole run's.  Of the 40 minutes of the first full run, 10 were the
# restart part waiting 30 s on each of 20 netd handshakes TLS refused,
# and 4.5 litecoind's regtest consistency checks (bench/litecoind.sh).
#
# As root, the benchmarks run in a network namespace of their own (after
# packages are installed, which needs the network), so no test on the
# host's loopback meets them.  Nodes listen on 127.0.3.x-127.0.6.x and
# 127.0.0.41-51 (bench_sync); every process is stopped by pid.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
quick=0 reps="" catchup_budget="" compare="" soak="" big_nodes="" net_secs="" only="" out="" build="" nobuild=0
install=1 netns=1
args=("$@")
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1 ;;
	--reps) reps=$2; shift ;;
	--catchup-budget) catchup_budget=$2; shift ;;
	--soak) soak=$2; shift ;;
	--net-seconds) net_secs=$2; shift ;;
	--only) only=$2; shift ;;
	--compare) compare=$2; shift ;;
	--big-nodes) big_nodes=$2; shift ;;
	--out) out=$2; shift ;;
	--build-dir) build=$2; shift ;;
	--no-build) nobuild=1 ;;
	--no-install) install=0 ;;
	--no-netns) netns=0 ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//;$d'; exit 0 ;;
	*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$out" ] || out=$top/bench
[ -n "$build" ] || build=$top/build
case "$build" in /*) ;; *) build=$PWD/$build ;; esac
case "$out" in /*) ;; *) out=$PWD/$out ;; esac

# ---- sizes ----
if [ "$quick" = 1 ]; then
	: "${reps:=1}" "${soak:=20}" "${net_secs:=15}" "${catchup_budget:=540}"
	sizes="10000:1024 1000:65536"
	lite_blocks=1000 handshakes=200 kills=3 idle_s=10 tls_blocks=10000
	net_nodes=10 net_chain=1000 mem_blocks=5000
	: "${big_nodes:=0}"
else
	: "${reps:=3}" "${soak:=600}" "${net_secs:=300}" "${catchup_budget:=540}"
	sizes="100000:1024 10000:65536"
	lite_blocks=10000 handshakes=1000 kills=20 idle_s=60 tls_blocks=50000
	net_nodes=50 net_chain=10000 mem_blocks=100000
	: "${big_nodes:=100}"
fi

want() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }
say() { echo "run.sh: $*" >&2; }

# ---- packages and build (outside the namespace: they need the network) --
if [ -z "${TIMENODE_BENCH_INNER:-}" ]; then
	# the whole run's wall time, the build and installs included
	export TIMENODE_BENCH_T0=$(date +%s.%N)
	if [ "$nobuild" = 0 ]; then
		say "building $build"
		nice "$top/scripts/build.sh" "$build" >/dev/null || exit 1
		export TIMENODE_BENCH_BUILD_S=$(awk -v a="$TIMENODE_BENCH_T0" \
		    -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	fi
	if [ "$install" = 1 ] && want litecoind &&
	    ! command -v litecoind >/dev/null 2>&1; then
		apt-cache policy litecoind >&2
		sudo_=""
		[ "$(id -u)" -ne 0 ] && sudo_=sudo
		$sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    --no-install-recommends litecoind >&2 ||
		    say "litecoind could not be installed"
	fi
	if [ "$(id -u)" -eq 0 ] && [ "$netns" = 1 ] &&
	    command -v unshare >/dev/null 2>&1; then
		export TIMENODE_BENCH_INNER=1
		exec unshare -n -- bash -c 'ip link set lo up && exec "$0" "$@"' \
		    "$0" "${args[@]}" --no-build --build-dir "$build" --out "$out"
	fi
fi

t_start=$(date +%s.%N)
bin=$build/bin
for p in bench_store bench_sync bench_node timenoded; do
	[ -x "$bin/$p" ] || { say "$bin/$p missing: build first"; exit 1; }
done
export TIMENODE_BIN=$bin
date=$(date -u +%Y-%m-%dT%H%M%SZ)
mkdir -p "$out/results"
work=$(mktemp -d /tmp/timenode-bench.XXXXXX)
logs=$work/logs
mkdir -p "$logs"
trap 'rm -rf "$work"' EXIT
say "results in $out (work files in $work)"

# part NAME COMMAND...: run it with its output in $work/NAME.json (stdout)
# and $logs/NAME.log (stderr); its wall time in $work/NAME.time
part() {
	local name=$1 t0
	shift
	say "$name: $*"
	t0=$(date +%s.%N)
	"$@" >"$work/$name.json" 2>"$logs/$name.log"
	echo "$?" >"$work/$name.rc"
	awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }' \
	    >"$work/$name.time"
}

# the first JSON object of a part's output, else {"failed": true}
part_json() {
	local j
	j=$(grep -m1 '^{' "$work/$1.json" 2>/dev/null)
	if [ -n "$j" ] && jq -e . >/dev/null 2>&1 <<<"$j"; then
		echo "$j"
	else
		jq -cn --arg log "$(tail -5 "$logs/$1.log" 2>/dev/null)" \
		    '{failed: true, log_tail: $log}'
	fi
}

# ---- catch-up: bench_store (IPC append) and bench_sync ----
# bench_sync (syncd's) builds the chain once per call and measures the
# baselines (validate + LMDB in one process and one thread; raw LMDB
# append), syncd's validation alone with 1, 2 and all threads, and the
# catch-ups from one peer with 1, 2 and all threads and from four peers
# with all; run.sh reads only its "RESULT figure=NAME key=value ..."
# lines (bench_sync --help), never its sentences.  Then the catch-ups
# with a trusted checkpoint at the chain's tip ([sync] assumevalid): one
# and four peers with the default window, one peer with window 100000;
# their baseline is raw LMDB append, measured in the same call.
ncpu=$(nproc)

# the RESULT lines of a bench_sync output as JSON objects, one a line,
# each with blocks, payload and rep added; values are numbers where they
# parse as numbers (threads stays "1", "2" or "all")
sync_results() {
	sed -n 's/^RESULT //p' "$1" | jq -Rc --argjson b "$2" \
	    --argjson p "$3" --argjson r "$4" '
	  [splits(" +") | select(length > 0) | capture("^(?<k>[^=]+)=(?<v>.*)$")
	   | {(.k): (if .k == "threads" then .v else ((.v | tonumber?) // .v) end)}]
	  | add + {kind: "sync", blocks: $b, payload: $p, rep: $r}'
}

# one repetition of every size (JSON lines)
catchup_rep() {
	local r=$1 size blocks payload batch f rc
	for size in $sizes; do
		blocks=${size%%:*} payload=${size##*:}
		# batches of at most 3 MiB (IPC_MAX_BLOCK_BYTES is 8 MiB)
		batch=$((3 * 1024 * 1024 / (payload + 154)))
		[ "$batch" -gt 1000 ] && batch=1000
		f=$work/store_${blocks}_${payload}_$r
		"$bin/bench_store" "$blocks" "$batch" "$payload" \
		    >"$f.out" 2>>"$logs/catchup.log"
		jq -cn --argjson b "$blocks" --argjson p "$payload" \
		    --arg d "$(awk '$1 == "direct" { print $6 }' "$f.out")" \
		    --arg i "$(awk '$1 == "ipc" { print $6 }' "$f.out")" \
		    '{kind: "store", blocks: $b, payload: $p,
		      direct: ($d | tonumber? // null),
		      ipc: ($i | tonumber? // null)}'
		f=$work/sync_${blocks}_${payload}_$r
		say "catch-up $blocks x $payload, run $r"
		"$bin/bench_sync" "$blocks" "$payload" \
		    >"$f.out" 2>>"$logs/catchup.log"
		rc=$?
		cat "$f.out" >>"$logs/bench_sync.log"
		sync_results "$f.out" "$blocks" "$payload" "$r"
		jq -cn --argjson b "$blocks" --argjson p "$payload" \
		    --argjson rc "$rc" \
		    '{kind: "sync_exit", blocks: $b, payload: $p, status: $rc}'
	done
}

# up to $reps repetitions, as many as fit in $catchup_budget seconds
# (judged by the slowest repetition so far); the count in $work/creps
catchup() {
	local r t0 t slowest=0 start
	start=$(date +%s)
	for ((r = 1; r <= reps; r++)); do
		if [ "$r" -gt 1 ] && [ $(($(date +%s) - start + slowest)) -gt \
		    "$catchup_budget" ]; then
			say "catch-up: $((r - 1)) repetitions fit in" \
			    "$catchup_budget s"
			break
		fi
		t0=$(date +%s)
		catchup_rep "$r"
		t=$(($(date +%s) - t0))
		[ "$t" -gt "$slowest" ] && slowest=$t
		echo "$r" >"$work/creps"
	done
}

want catchup && part catchup catchup
# installed (or not) above, outside the namespace
want litecoind && part litecoind "$top/bench/litecoind.sh" "$lite_blocks" \
    "$reps" --no-install
want handshake && part handshake "$bin/bench_node" handshake "$handshakes"
# TLS against plaintext: catch-ups alternately, then handshakes of each
want tls && part tls "$bin/bench_node" tls "$tls_blocks" "$reps" \
    "$handshakes"
want restart && part restart "$bin/bench_node" restart "$kills"
want idle && part idle "$bin/bench_node" idle "$idle_s"
mkdir -p "$work/net50" "$work/net100"
want net50 && part net50 "$bin/bench_node" net "$net_nodes" "$net_secs" \
    "$net_chain" "$mem_blocks" "$soak" "$work/net50"
# 100 nodes: a shorter per-second phase, no memory node
if want net100 && [ "$big_nodes" -gt 0 ]; then
	part net100 "$bin/bench_node" net "$big_nodes" \
	    $((net_secs < 60 ? net_secs : 60)) "$net_chain" 0 0 \
	    "$work/net100"
fi

# ---- results JSON ----
stats='def stats: map(select(. != null)) | sort | length as $n |
  if $n == 0 then null else
  {n: $n, median: (if $n % 2 == 1 then .[($n - 1) / 2]
     else (.[$n / 2 - 1] + .[$n / 2]) / 2 end),
   min: .[0], max: .[-1]} end;'
catchup_json=null
if want catchup; then
	# per size: the baselines, validation alone per thread count, the
	# catch-ups (one peer 1/2/all threads, four peers all), each a
	# stats object of blocks/s over the repetitions (0 = not measured)
	catchup_json=$(jq -cs "$stats"'
	  def by_proc: {timenoded: (map(.self_cpu_us_timenoded) | stats),
	    stored: (map(.self_cpu_us_stored) | stats),
	    syncd: (map(.self_cpu_us_syncd) | stats),
	    netd: (map(.self_cpu_us_netd) | stats)};
	  def bps(f): map(select(f) | .blocks_per_s | if . == 0 then null
	    else . end) | stats;
	  def order: {"1": 1, "2": 2, "all": 3}[.threads] // 9;
	  group_by([.payload, .blocks]) | map(
	    (map(select(.kind == "store"))) as $st |
	    (map(select(.kind == "sync"))) as $sy |
	    {blocks: .[0].blocks, payload: .[0].payload,
	     bench_sync_exit: map(select(.kind == "sync_exit") | .status),
	     cpus: ($sy | map(select(.figure == "cpus") | .count) | max),
	     baseline_validate_lmdb: ($sy | bps(.figure == "baseline")),
	     raw_lmdb_append: ($sy | bps(.figure == "raw_append")),
	     store_direct_append: ($st | map(.direct) | stats),
	     ipc_append: ($st | map(.ipc) | stats),
	     validation: ($sy | map(select(.figure == "validation")) |
	       group_by(order) | map({threads: .[0].threads,
	         blocks_per_s: bps(true),
	         cpu_us_per_block: (map(.cpu_us_per_block) | stats)})),
	     catchup: ($sy | map(select(.figure == "catchup")) |
	       group_by([.peers, order]) | map({peers: .[0].peers,
	         threads: .[0].threads, blocks_per_s: bps(true),
	         steady_blocks_per_s: (map(.steady_blocks_per_s) | stats),
	         cpu_us_per_block: (map(.cpu_us_per_block) | stats),
	         self_cpu_us_per_block: (map(.self_cpu_us_per_block) | stats),
	         self_cpu_us_by_process: by_proc,
	         cores_busy: (map(.cores_busy) | stats)})),
	     checkpoint: ($sy | map(select(.figure == "checkpoint")) |
	       group_by([.peers, .window]) | map({peers: .[0].peers,
	         window: .[0].window, blocks_per_s: bps(true),
	         verified_blocks_per_s: (map(.verified_blocks_per_s) | stats),
	         steady_blocks_per_s: (map(.steady_blocks_per_s) | stats),
	         cpu_us_per_block: (map(.cpu_us_per_block) | stats),
	         self_cpu_us_per_block: (map(.self_cpu_us_per_block) | stats),
	         self_cpu_us_by_process: by_proc,
	         cores_busy: (map(.cores_busy) | stats)}))
	    })' "$work/catchup.json")
fi
pj() { if want "$1" && [ -f "$work/$1.json" ]; then part_json "$1"; else echo null; fi; }
lite=$(pj litecoind)
lite=$(jq -c "$stats"'if .runs then . + {bps: (.blocks as $b |
  .runs | map(if .s then $b / .s else null end) | stats)} else . end' <<<"$lite")
codes=$(for f in "$work"/*.rc; do
	[ -f "$f" ] && jq -cn --arg k "$(basename "$f" .rc)" \
	    --argjson v "$(cat "$f")" '{($k): $v}'
done | jq -cs 'add // {}')
times=$(for f in "$work"/*.time; do
	[ -f "$f" ] && jq -cn --arg k "$(basename "$f" .time)" \
	    --argjson v "$(cat "$f")" '{($k): $v}'
done | jq -cs 'add // {}')
json=$out/results/$date.json
jq -n --arg date "$date" --argjson quick "$quick" \
    --arg cpu "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)" \
    --argjson ncpu "$ncpu" \
    --argjson mem "$(awk '/MemTotal/ { print $2 }' /proc/meminfo)" \
    --arg kernel "$(uname -r)" \
    --arg git "$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)" \
    --argjson reps "$(cat "$work/creps" 2>/dev/null || echo 0)" \
    --argjson catchup "$catchup_json" --argjson lite "$lite" \
    --argjson hs "$(pj handshake)" --argjson rs "$(pj restart)" \
    --argjson tls "$(pj tls)" \
    --argjson idle "$(pj idle)" --argjson n50 "$(pj net50)" \
    --argjson n100 "$(pj net100)" --argjson times "$times" \
    --argjson codes "$codes" \
    --argjson build_s "${TIMENODE_BENCH_BUILD_S:-null}" \
    --argjson total_s "$(awk -v a="${TIMENODE_BENCH_T0:-$t_start}" \
	-v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')" \
    --argjson params "$(jq -cn --arg sizes "$sizes" --argjson reps "$reps" \
	--argjson budget "$catchup_budget" --argjson lite "$lite_blocks" \
	--argjson hs "$handshakes" --argjson kills "$kills" \
	--argjson idle "$idle_s" --argjson nodes "$net_nodes" \
	--argjson secs "$net_secs" --argjson chain "$net_chain" \
	--argjson mem "$mem_blocks" --argjson soak "$soak" \
	--argjson big "$big_nodes" '{catchup_sizes: ($sizes | split(" ")),
	  reps: $reps, catchup_budget_s: $budget, litecoind_blocks: $lite,
	  handshakes: $hs, kills_per_worker: $kills, idle_s: $idle,
	  nodes: $nodes, per_second_s: $secs, chain_blocks: $chain,
	  memory_blocks: $mem, soak_s: $soak, big_nodes: $big}')" \
    '{date: $date, quick: ($quick == 1), git: $git,
      machine: {cpu: $cpu, cores: $ncpu, mem_kib: $mem, kernel: $kernel},
      catchup_reps: $reps, seconds: $times,
      build_s: $build_s, total_s: $total_s,
      exit_status: $codes, params: $params,
      catchup: $catchup, litecoind: $lite, handshake: $hs, tls: $tls,
      restart: $rs,
      idle: $idle, net: [$n50, $n100]}' >"$json" || { say "no JSON"; exit 1; }
say "wrote $json"

# ---- plots ----
plots=$out/plots
mkdir -p "$plots"
plot_ok=0
if command -v gnuplot >/dev/null 2>&1; then
	plot_ok=1
	term='set terminal pngcairo size 800,450 font ",10"'
	echo 'set terminal' | gnuplot 2>&1 | grep -q pngcairo ||
	    term='set terminal png size 800,450'
	# blocks/s over the memory node's catch-up
	tr=$work/net50/catchup_trace.dat
	if [ -s "$tr" ]; then
		# bins of a fiftieth of the catch-up, at least 0.1 s
		w=$(awk 'END { w = $1 / 50; print (w < 0.1 ? 0.1 : w) }' "$tr")
		awk -v w="$w" '{ b = int($1 / w); last[b] = $2; if (b > m) m = b }
		  END { prev = 0; for (i = 0; i <= m; i++) {
		    if (i in last) { print (i + 0.5) * w, (last[i] - prev) / w;
		      prev = last[i] } else print (i + 0.5) * w, 0 } }' "$tr" \
		    >"$work/rate.dat"
		gnuplot -e "$term; set output '$plots/catchup.png';
		  set title 'Catch-up from $net_nodes peers: blocks/s over time';
		  set xlabel 's since the node started'; set ylabel 'blocks/s';
		  set grid; plot '$work/rate.dat' using 1:2 with steps lw 2 notitle" \
		    2>>"$logs/plots.log"
	fi
	# propagation latency: distribution (CDF) per network size
	lp=""
	for n in "$net_nodes" "$big_nodes"; do
		for d in "$work"/net*/latency_"$n".dat; do
			[ -s "$d" ] || continue
			sort -n "$d" | awk '{ v[NR] = $1 } END {
			  for (i = 1; i <= NR; i++) print v[i], i / NR }' \
			    >"$work/cdf_$n.dat"
			lp="$lp${lp:+, }'$work/cdf_$n.dat' using 1:2 with lines lw 2 title '$n nodes'"
		done
	done
	if [ -n "$lp" ]; then
		gnuplot -e "$term; set output '$plots/latency.png';
		  set title 'Propagation latency: production to commit at each node';
		  set xlabel 'ms'; set ylabel 'fraction of (node, block)';
		  set logscale x; set grid; set key bottom right; plot $lp" \
		    2>>"$logs/plots.log"
	fi
	if [ -s "$work/net50/soak.dat" ]; then
		gnuplot -e "$term; set output '$plots/soak.png';
		  set title 'RSS of the node that caught up from $net_nodes peers';
		  set xlabel 's after its catch-up'; set ylabel 'MiB (4 processes)';
		  set yrange [0:*]; set grid;
		  set key bottom right;
		  plot '$work/net50/soak.dat' using 1:(\$2/1024) with lines lw 2 title 'VmRSS',
		    '' using 1:(\$3/1024) with lines lw 2 title 'RssAnon'" \
		    2>>"$logs/plots.log"
	fi
	# catch-up throughput against the baselines, every size
	if [ "$catchup_json" != null ]; then
		jq -r '.[] | "\(.blocks)x\(.payload)" as $s |
		  (["raw_LMDB_append", .raw_lmdb_append.median],
		   ["validate+LMDB_1_thread", .baseline_validate_lmdb.median],
		   (.validation[] | ["validation_alone_t\(.threads)",
		     .blocks_per_s.median]),
		   (.catchup[] | ["\(.peers)_peer(s)_t\(.threads)",
		     .blocks_per_s.median])) |
		  "\($s)_\(.[0]) \(.[1] // 0)"' <<<"$catchup_json" >"$work/bars.dat"
		gnuplot -e "$term; set output '$plots/throughput.png';
		  set termoption noenhanced;
		  set title 'Catch-up and its baselines (median blocks/s)';
		  set style fill solid 0.6; set boxwidth 0.7; set logscale y;
		  set xtics rotate by -40 font ',8'; set grid y; set bmargin 9;
		  plot '$work/bars.dat' using 0:2:xtic(1) with boxes notitle" \
		    2>>"$logs/plots.log"
	fi
fi

# ---- table and report ----
# the restart's baseline: --compare, else the earliest full run kept here
if [ -z "$compare" ]; then
	for f in "$out"/results/*.json; do
		[ "$f" != "$json" ] && [ -f "$f" ] &&
		    jq -e '.quick == false and .restart != null' "$f" \
		    >/dev/null 2>&1 && { compare=$f; break; }
	done
fi
"$top/bench/report.sh" "$json" "$plots" "$plot_ok" "$compare" \
    >"$work/report.md" ||
    { say "report failed"; exit 1; }
# what was written by hand below the marker (dated sessions' notes) stays
marker='<!-- Written by hand: run.sh keeps everything below this line. -->'
if [ -f "$out/REPORT.md" ] && grep -qxF "$marker" "$out/REPORT.md"; then
	{ echo; sed -n "/^$marker\$/,\$p" "$out/REPORT.md"; } >>"$work/report.md"
fi
cp "$work/report.md" "$out/REPORT.md"
# the table: the report's figure lines
sed -n '/^| figure/,/^$/p' "$out/REPORT.md"
mkdir -p "$out/results/logs-$date"
cp "$logs"/* "$out/results/logs-$date/" 2>/dev/null
say "wrote $out/REPORT.md"
