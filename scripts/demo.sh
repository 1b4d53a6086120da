#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# demo.sh - a three-node timenode network on this machine, start to finish.
#
# Builds timenode (installing missing packages first), starts nodes A, B
# and C on 127.0.0.2, .3 and .4, has A produce 2,500 blocks, starts C at
# height 0 and shows it catching up live, prints every node's status,
# SIGKILLs C's syncd and shows it restarted with the chain intact, then
# stops everything.  Ctrl-C stops everything too.  All files live in a
# temporary directory that is removed at the end (DEMO_KEEP=1 keeps it).
set -euo pipefail

# No arguments: -h/--help prints the usage, anything else is refused.
case "${1-}" in
"") ;;
-h|--help) echo "usage: scripts/demo.sh (no arguments; see the comment at its top)"; exit 0 ;;
*) echo "usage: scripts/demo.sh (no arguments)" >&2; exit 2 ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

say() { printf '\n==> %s\n' "$*"; }

say "building (scripts/build.sh installs missing packages first)"
build=$(scripts/build.sh)
bin=$build/bin

tmp=$(mktemp -d "${TMPDIR:-/tmp}/timenode-demo.XXXXXX")
chmod 0755 "$tmp"
declare -A pid=()

stop_node() {
	local n=$1 p=${pid[$1]:-}
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	pid[$n]=""
}

cleanup() {
	trap - EXIT INT TERM
	for n in C B A; do stop_node "$n"; done
	if [ "${DEMO_KEEP:-0}" = 1 ]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
	echo "demo.sh: $*" >&2
	for n in A B C; do
		[ -s "$tmp/$n.log" ] || continue
		echo "--- last lines of node $n's log ---" >&2
		tail -n 15 "$tmp/$n.log" >&2
	done
	exit 1
}

ip_of() { case $1 in A) echo 127.0.0.2 ;; B) echo 127.0.0.3 ;; C) echo 127.0.0.4 ;; esac; }
ctl() { local n=$1; shift; "$bin/timenodectl" -s "$tmp/$n/run/status.sock" "$@"; }
field() { ctl "$1" --json status | jq -r "$2"; }

# start_node NAME EXTRA_CONF PEER...
start_node() {
	local n=$1 extra=$2 p
	shift 2
	{
		printf '[node]\ndata_dir = %s\nlisten = %s:24100\n' \
		    "$tmp/$n" "$(ip_of "$n")"
		for p in "$@"; do printf 'peer = %s:24100\n' "$(ip_of "$p")"; done
		# status every 0.2 s so that the catch-up can be watched
		printf '[supervisor]\nheartbeat_interval = 0.2\n'
		printf '[p2p]\nping_interval = 5\nping_timeout = 15\n'
		printf 'backoff_min = 0.5\nbackoff_max = 5\n'
		printf '%b' "$extra"
	} >"$tmp/$n.conf"
	"$bin/timenoded" -f -c "$tmp/$n.conf" >"$tmp/$n.log" 2>&1 &
	pid[$n]=$!
	for _ in $(seq 100); do
		kill -0 "${pid[$n]}" 2>/dev/null || fail "node $n exited at start"
		[ "$(field "$n" '[.components[].state] | all(. == "running")' \
		    2>/dev/null)" = true ] && return 0
		sleep 0.1
	done
	fail "node $n did not come up within 10 s"
}

say "starting node A (producer) on 127.0.0.2 and node B on 127.0.0.3"
start_node A '[sync]\nproducer_key = devnet\n' B
start_node B '' A

say "node A produces 2,500 blocks of 1 KiB (timenodectl produce 2500 --payload-bytes 1024)"
answer=$(ctl A --json produce 2500 --payload-bytes 1024)
tip=$(jq -r .tip <<<"$answer")
echo "A's tip: height $(jq -r .height <<<"$answer"), $tip"

say "starting node C on 127.0.0.4 at height 0; it catches up from A and B"
t0=$(date +%s.%N)
start_node C '' A B
for _ in $(seq 600); do
	st=$(ctl C --json status)
	printf '    C: height %5s / 2500   %8.1f blocks/s   %-11s  peers %s\n' \
	    "$(jq -r .node.height <<<"$st")" \
	    "$(jq -r .sync.blocks_per_s <<<"$st")" \
	    "$(jq -r .sync.state <<<"$st")" "$(jq -r '.peers | length' <<<"$st")"
	[ "$(jq -r .node.tip <<<"$st")" = "$tip" ] && break
	sleep 0.1
done
[ "$(field C .node.tip)" = "$tip" ] || fail "C did not reach A's tip"
say "C reached A's tip $tip in $(awk -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.1f", t1 - t0 }') s (its start included)"
for _ in $(seq 300); do
	[ "$(field B .node.tip)" = "$tip" ] && break
	sleep 0.1
done
[ "$(field B .node.tip)" = "$tip" ] || fail "B did not reach A's tip"

for n in A B C; do
	say "timenodectl status of node $n ($(ip_of "$n"))"
	ctl "$n" status
done

old=$(field C '.components[] | select(.name == "syncd") | .pid')
say "SIGKILL C's syncd (pid $old): the supervisor restarts it alone"
kill -KILL "$old"
new=$old
for _ in $(seq 100); do
	new=$(field C '.components[] | select(.name == "syncd" and .state == "running") | .pid')
	[ -n "$new" ] && [ "$new" != "$old" ] && break
	sleep 0.1
done
[ -n "$new" ] && [ "$new" != "$old" ] || fail "syncd was not restarted"
echo "syncd is back as pid $new; C is at height $(field C .node.height)," \
    "tip $(field C .node.tip)"
[ "$(field C .node.tip)" = "$tip" ] || fail "C's chain changed"
ctl C status | sed -n '/^WORKER/,/^$/p'

say "stopping C, B and A"
for n in C B A; do stop_node "$n"; done
say "demo done"
