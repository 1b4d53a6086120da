# SPDX-License-Identifier: ISC
# lib.sh - the shell functions checks.sh and package.sh share, sourced by
# both INSIDE the booted container (run.sh copies it next to them).
# The sourcing script sets, before it sources this file:
#   CHECK  the word after "ok:" and "FAIL:" (the unit, or "package")
#   UNIT   the systemd unit the node runs as
#   SOCK   the node's status socket
# and reads $failed (1 once any check failed) at its end.
# shellcheck shell=bash
failed=0

ok() { echo "ok: $CHECK: $*"; }
# shellcheck disable=SC2034 # failed: the sourcing script's exit status
fail() { echo "FAIL: $CHECK: $*"; failed=1; }

# ms_now: milliseconds since the epoch.
ms_now() { echo $(($(date +%s%N) / 1000000)); }

# wait_for SECONDS CMD...: run CMD every 0.1 s until it succeeds; 1 if it
# never did within SECONDS.
wait_for() {
	local end=$(($(ms_now) + $1 * 1000))
	shift
	until "$@"; do
		[ "$(ms_now)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# ctl ARGS...: timenodectl on the node's status socket (10 s at most).
ctl() { timeout 10 timenodectl -s "$SOCK" "$@"; }

# height: the node's chain height in "timenodectl status" (empty if none).
height() {
	ctl status 2>/dev/null |
		awk '$1 == "chain" && $2 == "height" { sub(",", "", $3); print $3 }'
}

# at_height H: the node's chain height is H.
at_height() { [ "$(height)" = "$1" ]; }

# node_processes: the pids of timenoded, netd, syncd and stored, if any.
node_processes() {
	local p
	for p in /proc/[0-9]*; do
		case "$(cat "$p/comm" 2>/dev/null)" in
		timenoded | netd | syncd | stored) echo "${p#/proc/}" ;;
		esac
	done
}

# journal_tail N: the unit's last N journal lines, to show why a check
# failed.
journal_tail() {
	journalctl -q -u "$UNIT" -n "$1" --no-pager | sed 's/^/  journal: /'
}
