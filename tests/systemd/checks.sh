#!/bin/bash
# SPDX-License-Identifier: ISC
# checks.sh UNIT MAX_EXPOSURE - what an operator would check of a timenode
# unit, run INSIDE the booted container (run.sh copies it there and runs it
# through nsenter).  Prints one line per check ("ok: ..." or "FAIL: ...") and
# exits 1 if any failed.  Every wait is bounded.
#
# The unit is installed but not running; the node's config lives in
# /etc/timenode/timenode.conf (producer_key = devnet, so it can produce) and
# a drop-in adds "-c" to the unit's ExecStart=, as docs/operations.md says.
# "A && ok || fail" is meant below: ok only prints and never fails.
# shellcheck disable=SC2015
set -u

UNIT=$1
MAX_EXPOSURE=$2
CHECK=$UNIT
SOCK=/run/timenode/status.sock
DROPIN_DIR=/etc/systemd/system/$UNIT.d
CONF=/etc/timenode/timenode.conf
WORKERS="netd syncd stored"
HEIGHT=0
# ok, fail, wait_for, ctl, height, at_height, node_processes, journal_tail
# shellcheck source=tests/systemd/lib.sh
. "$(dirname "$0")/lib.sh"

# unit_file: the installed unit file.
unit_file() { echo "/usr/lib/systemd/system/$UNIT"; }

# prop NAME: one property of the unit, as systemctl show prints it.
prop() { systemctl show -p "$1" --value "$UNIT"; }

# worker_pid NAME: the worker's pid in "timenodectl status" (empty if none).
worker_pid() {
	ctl status 2>/dev/null | awk -v w="$1" '$1 == w && $3 == "running" { print $2 }'
}

# write_dropin NAME TEXT: a drop-in of the unit, then daemon-reload.
write_dropin() {
	mkdir -p "$DROPIN_DIR"
	printf '[Service]\n%s\n' "$2" >"$DROPIN_DIR/$1.conf"
	systemctl daemon-reload
}

remove_dropin() {
	rm -f "$DROPIN_DIR/$1.conf"
	systemctl daemon-reload
}

# use_config FILE: a drop-in whose ExecStart= is the unit's plus "-c FILE".
# Named debian.conf: the Debian package's own drop-in of that name (which
# names /etc/timenode/timenode.conf) would otherwise come after it and win;
# one in /etc/systemd/system replaces it, as debian/timenode-unit.conf says.
use_config() {
	local exec
	exec=$(grep '^ExecStart=' "$(unit_file)")
	write_dropin debian "ExecStart=
$exec -c $1"
}

# signal SIG PID: kill -SIG PID, for a real pid only (an empty pid or 0
# would signal this script's own process group).
signal() {
	case "$2" in
	'' | 0 | 1 | *[!0-9]*) echo "no pid to send SIG$1 to" >&2; return 1 ;;
	esac
	kill -"$1" "$2"
}

is_active() { [ "$(systemctl is-active "$UNIT")" = active ]; }
is_failed() { [ "$(systemctl is-active "$UNIT")" = failed ]; }

all_running() {
	local w
	for w in $WORKERS; do
		[ -n "$(worker_pid "$w")" ] || return 1
	done
}

# check_start: "systemctl start" returns (READY=1) within a second and the
# unit is active with every worker running.
# Returns 1 if the unit did not start (the other checks would only time out).
check_start() {
	local t0 t1
	t0=$(ms_now)
	if ! timeout 30 systemctl start "$UNIT" || ! is_active; then
		fail "not active after systemctl start"
		return 1
	fi
	t1=$(ms_now)
	ok "active after start"
	[ $((t1 - t0)) -le 1000 ] && ok "READY after $((t1 - t0)) ms" ||
		fail "READY after $((t1 - t0)) ms (more than 1000)"
	all_running && ok "all workers running" || fail "not all workers running"
}

# check_produce COUNT: the node produces COUNT blocks on its tip (the status
# shows the new height within 5 s); HEIGHT is the height after them (the
# chain may hold blocks from the other unit's run).
check_produce() {
	local h0
	h0=$(height)
	HEIGHT=$((${h0:-0} + $1))
	ctl produce "$1" >/dev/null && wait_for 5 at_height "$HEIGHT" &&
		ok "produced $1 blocks: height $h0 -> $HEIGHT" ||
		fail "produce $1 at height $h0: height $(height)"
}

# check_restarts HEIGHT: three "systemctl restart"s, active after each, the
# chain still at HEIGHT and verified.
check_restarts() {
	local i
	for i in 1 2 3; do
		timeout 30 systemctl restart "$UNIT" && is_active ||
			{ fail "restart $i: not active"; return; }
	done
	wait_for 10 all_running || fail "after restarts: workers not running"
	wait_for 5 at_height "$1" && ok "active after 3 restarts, height $1" ||
		fail "after 3 restarts: height $(height), expected $1"
	ctl verify >/dev/null && ok "chain verified" || fail "verify failed"
}

# check_dirs: the state and runtime directories have the owner and mode
# systemd gave them (User=, *DirectoryMode=), so systemd finds nothing to
# chown back at the next start (the restart bug of issue 10).
check_dirs() {
	local user state_mode run_mode got
	user=$(prop User)
	user=${user:-root}
	state_mode=$(prop StateDirectoryMode)
	run_mode=$(prop RuntimeDirectoryMode)
	got=$(stat -c '%U %04a' /var/lib/timenode)
	[ "$got" = "$user $state_mode" ] && ok "/var/lib/timenode: $got" ||
		fail "/var/lib/timenode: $got, systemd gave $user $state_mode"
	got=$(stat -c '%U %04a' /run/timenode)
	[ "$got" = "$user $run_mode" ] && ok "/run/timenode: $got" ||
		fail "/run/timenode: $got, systemd gave $user $run_mode"
}

# check_sandbox: every worker has no_new_privs, a seccomp filter, no
# effective capability and a uid other than root.
check_sandbox() {
	local w pid st
	for w in $WORKERS; do
		pid=$(worker_pid "$w")
		st=$(cat "/proc/$pid/status" 2>/dev/null) || { fail "$w: no status"; continue; }
		if grep -q '^NoNewPrivs:[[:space:]]*1$' <<<"$st" &&
			grep -q '^Seccomp:[[:space:]]*2$' <<<"$st" &&
			grep -q '^CapEff:[[:space:]]*0000000000000000$' <<<"$st" &&
			! grep -q '^Uid:[[:space:]]*0[[:space:]]' <<<"$st"; then
			ok "$w: NoNewPrivs 1, Seccomp 2, CapEff 0, uid $(awk '/^Uid:/ { print $2 }' <<<"$st")"
		else
			fail "$w: sandbox: $(grep -E '^(Uid|NoNewPrivs|Seccomp|CapEff):' <<<"$st" | tr '\n\t' '  ')"
		fi
	done
}

# new_pid NAME OLD: the worker runs with a pid other than OLD.
new_pid() {
	local pid
	pid=$(worker_pid "$1")
	[ -n "$pid" ] && [ "$pid" != "$2" ]
}

# check_kill_workers: SIGKILL each worker; it comes back, the service stays
# active and systemd restarted nothing (NRestarts=0).
check_kill_workers() {
	local w pid n0
	n0=$(prop NRestarts)
	for w in $WORKERS; do
		pid=$(worker_pid "$w")
		signal KILL "$pid"
		if wait_for 15 new_pid "$w" "$pid"; then
			ok "$w: back after SIGKILL (pid $pid -> $(worker_pid "$w"))"
		else
			fail "$w: not back within 15 s of SIGKILL"
		fi
	done
	is_active && [ "$(prop NRestarts)" = "$n0" ] &&
		ok "active, NRestarts=$n0 after the kills" ||
		fail "after the kills: $(systemctl is-active "$UNIT"), NRestarts=$(prop NRestarts)"
}

# check_ctl_restart NAME: "timenodectl restart NAME" (docs/operations.md's
# way to restart one component) gives the worker a new pid, and the unit's
# STATUS= text is set.
check_ctl_restart() {
	local pid
	pid=$(worker_pid "$1")
	if ctl restart "$1" >/dev/null && wait_for 10 new_pid "$1" "$pid"; then
		ok "timenodectl restart $1: pid $pid -> $(worker_pid "$1")"
	else
		fail "timenodectl restart $1: still pid $(worker_pid "$1")"
	fi
	[ -n "$(prop StatusText)" ] && ok "status text: $(prop StatusText)" ||
		fail "no STATUS= text"
}

# gone PID: no such process (a zombie has not been reaped by its parent).
gone() { [ ! -e "/proc/$1" ]; }

# check_stop_worker NAME: SIGSTOP a worker; the supervisor replaces it within
# heartbeat_deadline (5 s) + heartbeat_interval (1 s) + its restart delay
# (a few seconds after the kills above); 15 s is the bound.
check_stop_worker() {
	local pid t0
	pid=$(worker_pid "$1")
	t0=$(ms_now)
	signal STOP "$pid" || { fail "$1: no pid"; return; }
	if wait_for 15 new_pid "$1" "$pid"; then
		ok "$1: replaced $(($(ms_now) - t0)) ms after SIGSTOP"
		wait_for 5 gone "$pid" && ok "$1: the stopped pid $pid is gone" ||
			fail "$1: the stopped pid $pid is still there"
	else
		fail "$1: not replaced within 15 s of SIGSTOP"
		signal CONT "$pid" 2>/dev/null
	fi
}

# watchdog_restarted MAINPID: systemd logged a watchdog timeout and the unit
# is active again under another main pid.
watchdog_restarted() {
	journalctl -q -u "$UNIT" --since "@$1" | grep -q 'Watchdog timeout' &&
		is_active && [ "$(prop MainPID)" != "$2" ] && all_running
}

# check_watchdog: with WatchdogSec=5, a SIGSTOPped supervisor is killed by
# systemd's watchdog and the unit restarted (Restart=on-failure).
check_watchdog() {
	local main since
	write_dropin watchdog "WatchdogSec=5s"
	timeout 30 systemctl restart "$UNIT"
	main=$(prop MainPID)
	since=$(date +%s)
	signal STOP "$main" || { fail "watchdog: no main pid"; remove_dropin watchdog; return; }
	if wait_for 60 watchdog_restarted "$since" "$main"; then
		ok "watchdog timeout reported, active again (main pid $main -> $(prop MainPID))"
	else
		fail "no watchdog restart within 60 s: $(systemctl is-active "$UNIT")"
		signal CONT "$main" 2>/dev/null
	fi
	remove_dropin watchdog
}

# check_warning: a config whose producer key file does not exist makes syncd
# warn and fail; the journal shows that at priority warning or higher, and
# the node ends with status 2, which the unit does not restart.
check_warning() {
	local bad=/etc/timenode/bad.conf since
	printf '[sync]\nproducer_key = /nonexistent/producer.key\n' >"$bad"
	chmod 0644 "$bad"
	use_config "$bad"
	since=$(date +%s)
	# Expected to fail: "Job for ... failed" is no news here.
	timeout 30 systemctl restart "$UNIT" 2>/dev/null
	wait_for 20 is_failed
	if journalctl -q -u "$UNIT" -p warning --since "@$since" | grep -q 'syncd.*producer key'; then
		ok "journalctl -p warning shows syncd's warning"
	else
		fail "journalctl -p warning does not show syncd's warning"
		journalctl -q -u "$UNIT" --since "@$since" -o verbose |
			grep -E '^\s+(PRIORITY|MESSAGE)=' | tail -8
	fi
	[ "$(prop ExecMainStatus)" = 2 ] && [ "$(prop NRestarts)" = 0 ] &&
		ok "worker's config failure: exit 2, not restarted" ||
		fail "worker's config failure: $(systemctl is-active "$UNIT"), status $(prop ExecMainStatus), NRestarts $(prop NRestarts)"
	rm -f "$bad"
	use_config "$CONF"
	systemctl reset-failed "$UNIT"
}

# check_stop: "systemctl stop" leaves no process, no socket, no listener.
check_stop() {
	timeout 60 systemctl stop "$UNIT"
	[ -z "$(node_processes)" ] && ok "no process after stop" ||
		fail "processes after stop: $(node_processes)"
	[ -z "$(find /run/timenode -type s 2>/dev/null)" ] && ok "no socket after stop" ||
		fail "sockets after stop: $(find /run/timenode -type s)"
	[ -z "$(ss -Htln 'sport = :24100')" ] && ok "no listener after stop" ||
		fail "listener after stop: $(ss -Htln 'sport = :24100')"
}

# check_exposure: systemd-analyze's exposure score of the installed unit.
check_exposure() {
	local score
	score=$(systemd-analyze security --offline=yes "$(unit_file)" 2>/dev/null |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
	echo "exposure: $UNIT: ${score:-?} (target <= $MAX_EXPOSURE)"
	awk -v s="${score:-99}" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }' &&
		ok "exposure $score <= $MAX_EXPOSURE" ||
		fail "exposure ${score:-unknown} > $MAX_EXPOSURE"
}

main() {
	check_exposure
	use_config "$CONF"
	if ! check_start; then
		journal_tail 15
		systemctl stop "$UNIT"
		remove_dropin debian
		return 1
	fi
	check_sandbox
	check_produce 20
	check_restarts "$HEIGHT"
	check_dirs
	check_kill_workers
	check_ctl_restart netd
	check_stop_worker syncd
	check_watchdog
	check_warning
	timeout 30 systemctl start "$UNIT" && is_active &&
		wait_for 5 at_height "$HEIGHT" && ok "active again, height $HEIGHT" ||
		fail "not active after the bad config was removed"
	check_stop
	remove_dropin debian
	[ "$failed" = 0 ] || journal_tail 15
	return "$failed"
}

main
