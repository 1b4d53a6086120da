#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# litecoind.sh BLOCKS REPS [--no-install] - litecoind side by side with
# timenode's catch-up (issue 12): node A on 127.0.3.50 mines a regtest chain
# of BLOCKS blocks; node B (127.0.3.51, a fresh data directory each time)
# is started with A as its only peer (-connect) and timed until its
# getblockcount reaches BLOCKS, REPS times.  Prints one JSON object on
# stdout: version, blocks, seconds to mine, and per repetition the seconds
# from B's start to the whole chain, from its RPC answering to the whole
# chain, and B's CPU seconds.  Asserts nothing about time.
#
# litecoind is Debian 12's package (0.21); when it is missing it is
# installed with apt-get (as root or through sudo), unless --no-install,
# which prints {"status": "not installed"}.  Debian 12 has no bitcoind.
# Processes are stopped by pid (litecoin-cli stop first, then SIGKILL).
set -u

blocks=${1:-10000}
reps=${2:-3}
install=1
[ "${3:-}" = --no-install ] && install=0

ip_a=127.0.3.50 ip_b=127.0.3.51
p2p_a=24750 rpc_a=24751 p2p_b=24752 rpc_b=24753

say() { echo "litecoind.sh: $*" >&2; }

if ! command -v litecoind >/dev/null 2>&1; then
	if [ "$install" = 0 ]; then
		jq -cn '{status: "not installed"}'
		exit 0
	fi
	apt-cache policy litecoind >&2
	as_root=""
	[ "$(id -u)" -ne 0 ] && as_root=sudo
	say "installing litecoind from Debian"
	$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends litecoind >&2 ||
		{ jq -cn '{status: "install failed"}'; exit 0; }
fi

work=$(mktemp -d /tmp/bench-litecoind.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

cli() {	# cli RPCPORT DIR ARGS...
	local port=$1 dir=$2
	shift 2
	litecoin-cli -regtest -datadir="$dir" -rpcconnect=127.0.0.1 \
		-rpcport="$port" "$@"
}

# start NAME IP P2P RPC [ARGS...]: litecoind in the background; its pid in
# $started
start() {
	local name=$1 ip=$2 p2p=$3 rpc=$4
	shift 4
	mkdir -p "$work/$name"
	# MWEB (active from height 432 on regtest) makes mining without a
	# wallet fail (bad-txns-vin-empty): its deployment is put in 2100.
	# Regtest turns on the consistency checks main net leaves off
	# (-checkblockindex walks the whole block index after each block:
	# quadratic, 89 s of one core for 10,000 blocks in the 2026-11-30
	# run); main net's defaults are what a node that catches up runs.
	litecoind -regtest -vbparams=mweb:4102444800:4102444801 \
		-checkblockindex=0 -checkmempool=0 \
		-datadir="$work/$name" -server=1 -disablewallet \
		-listen=1 -bind="$ip:$p2p" -port="$p2p" -rpcbind=127.0.0.1 \
		-rpcallowip=127.0.0.1 -rpcport="$rpc" -printtoconsole=0 \
		-dnsseed=0 -upnp=0 "$@" >/dev/null 2>&1 &
	started=$!
	pids+=("$started")
}

# wait_rpc RPC DIR SECONDS: until the RPC answers (0) or the time is up
wait_rpc() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		cli "$1" "$2" getblockcount >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

stop() {	# stop PID RPC DIR
	local i
	cli "$2" "$3" stop >/dev/null 2>&1
	for ((i = 0; i < 200; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

since() {	# seconds since a date +%s.%N
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'
}

cpu_s() {	# user + system seconds of a live process
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' \
		"/proc/$1/stat" 2>/dev/null || echo 0
}

version=$(litecoind -version | head -1)
start a "$ip_a" "$p2p_a" "$rpc_a"
pid_a=$started
wait_rpc "$rpc_a" "$work/a" 60 || { jq -cn '{status: "node A did not start"}'; exit 0; }
say "mining $blocks regtest blocks"
t0=$(date +%s.%N)
left=$blocks
while [ "$left" -gt 0 ]; do
	n=$((left > 1000 ? 1000 : left))
	# raw(51): OP_TRUE, no wallet needed
	cli "$rpc_a" "$work/a" generatetodescriptor "$n" "raw(51)" >/dev/null ||
		{ jq -cn '{status: "mining failed"}'; exit 0; }
	left=$((left - n))
done
gen_s=$(since "$t0")

runs="[]"
for ((r = 0; r < reps; r++)); do
	rm -rf "$work/b"
	t0=$(date +%s.%N)
	start b "$ip_b" "$p2p_b" "$rpc_b" -connect="$ip_a:$p2p_a"
	pid_b=$started
	rpc_s=null
	if wait_rpc "$rpc_b" "$work/b" 120; then
		rpc_s=$(since "$t0")
	fi
	done_s=null
	for ((i = 0; i < 6000; i++)); do	# at most 10 minutes
		h=$(cli "$rpc_b" "$work/b" getblockcount 2>/dev/null || echo 0)
		if [ "$h" -ge "$blocks" ]; then
			done_s=$(since "$t0")
			break
		fi
		sleep 0.1
	done
	cpu=$(cpu_s "$pid_b")
	stop "$pid_b" "$rpc_b" "$work/b"
	say "run $((r + 1)): ${done_s} s"
	runs=$(jq -c --argjson s "$done_s" --argjson rpc "$rpc_s" \
		--argjson cpu "$cpu" '. + [{s: $s, rpc_s: $rpc, cpu_s: $cpu}]' \
		<<<"$runs")
done
stop "$pid_a" "$rpc_a" "$work/a"
jq -cn --arg v "$version" --argjson b "$blocks" --argjson g "$gen_s" \
	--argjson runs "$runs" \
	'{status: "ok", version: $v, blocks: $b, mine_s: $g, runs: $runs}'
