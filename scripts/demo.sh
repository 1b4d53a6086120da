#!/usr/bin/env bash
# demo.sh - build timenode, start one node, show its status, kill one of its
# workers and watch the supervisor restart it, then stop the node.
#
# Everything lives in a temporary directory that is removed at the end; the
# node listens on 127.0.0.2:24100 only.  The node's log is printed if a step
# fails.  (A second node and block sync join this demo when the peer-to-peer
# issues land.)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

say() { printf '==> %s\n' "$*"; }

echo "==> building (scripts/build.sh; installs missing packages first)"
build=$(scripts/build.sh)
bin=$build/bin

tmp=$(mktemp -d "${TMPDIR:-/tmp}/timenode-demo.XXXXXX")
# Workers run as the service user when the demo runs as root: let them
# traverse the directory above their data directory.
chmod 0755 "$tmp"
node_pid=""

cleanup() {
	trap - EXIT INT TERM
	if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
		kill -TERM "$node_pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$node_pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$node_pid" 2>/dev/null || true
		wait "$node_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
	echo "demo.sh: $*" >&2
	if [ -s "$tmp/a.log" ]; then
		echo "--- last lines of the node's log ($tmp/a.log) ---" >&2
		tail -n 30 "$tmp/a.log" >&2
	fi
	exit 1
}

ctl() { "$bin/timenodectl" -s "$tmp/a/run/status.sock" "$@"; }

# The pid of COMPONENT in `timenodectl --json status`, empty when it has none.
# Accepts {"components": [{"name": ..., "pid": ...}]} as well as
# {"components": {"syncd": {"pid": ...}}} and similar shapes.
component_pid() {
	local json
	json=$(ctl --json status 2>/dev/null) || return 0
	if command -v jq >/dev/null 2>&1; then
		jq -r --arg c "$1" '[.. | objects
		    | (select(.name? == $c) | .pid), (.[$c]? | objects | .pid)]
		    | map(numbers | select(. > 0)) | first // empty' <<<"$json"
	else
		python3 -c '
import json, sys
def walk(v, c):
    if isinstance(v, dict):
        if v.get("name") == c and isinstance(v.get("pid"), int):
            yield v["pid"]
        if isinstance(v.get(c), dict) and isinstance(v[c].get("pid"), int):
            yield v[c]["pid"]
        for x in v.values():
            yield from walk(x, c)
    elif isinstance(v, list):
        for x in v:
            yield from walk(x, c)
print(next((p for p in walk(json.load(sys.stdin), sys.argv[1]) if p > 0), ""))
' "$1" <<<"$json"
	fi
}

say "starting node A on 127.0.0.2:24100 (data in $tmp/a)"
"$bin/timenoded" -f --data-dir "$tmp/a" --listen 127.0.0.2:24100 \
    >"$tmp/a.log" 2>&1 &
node_pid=$!

say "waiting for node A to answer on its status socket"
up=0
for _ in $(seq 100); do
	kill -0 "$node_pid" 2>/dev/null || fail "timenoded exited during start"
	if ctl status >/dev/null 2>&1; then
		up=1
		break
	fi
	sleep 0.1
done
[ "$up" = 1 ] || fail "node A did not answer within 10 s"

say "timenodectl status"
ctl status

old=$(component_pid syncd)
[ -n "$old" ] || fail "no pid for syncd in 'timenodectl --json status'"
say "killing syncd (pid $old) with SIGKILL; the supervisor restarts it alone"
kill -KILL "$old"

new=""
for _ in $(seq 100); do
	new=$(component_pid syncd)
	if [ -n "$new" ] && [ "$new" != "$old" ] &&
	    kill -0 "$new" 2>/dev/null; then
		break
	fi
	new=""
	sleep 0.1
done
[ -n "$new" ] || fail "syncd was not restarted within 10 s"
say "syncd is back as pid $new; status now shows one restart"
ctl status

say "stopping node A (SIGTERM to timenoded pid $node_pid)"
kill -TERM "$node_pid"
stopped=0
for _ in $(seq 200); do
	if ! kill -0 "$node_pid" 2>/dev/null; then
		stopped=1
		break
	fi
	sleep 0.1
done
[ "$stopped" = 1 ] || fail "timenoded did not stop within 20 s"
rc=0
wait "$node_pid" || rc=$?
node_pid=""
[ "$rc" = 0 ] || fail "timenoded exited with status $rc"
say "node A stopped cleanly (exit status 0); demo done"
