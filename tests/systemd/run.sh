#!/bin/bash
# SPDX-License-Identifier: ISC
# run.sh BUILD_DIR - the booted-systemd test of timenode's units (issue 10).
#
# Installs the build into a throw-away copy of a cached minimal Debian 12
# root ("cmake --install --prefix /usr", as an operator would), boots it with
# systemd-nspawn and runs checks.sh inside for each unit: start, READY,
# restarts with the chain intact, worker kills, a stopped worker, the
# watchdog, journal priorities, stop, the workers' sandbox and the exposure
# score.  The root is built with debootstrap on first use and cached under
# /var/cache/timenode-test (keyed by its package list; never modified).
#
# Exit 0 passed, 1 failed, 77 skipped (not root, no systemd-nspawn or
# debootstrap, no Debian archive, the container does not boot): ctest's
# SKIP_RETURN_CODE, so a machine that cannot boot a container never passes
# silently.  The container and the copy are removed on every exit.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
# shellcheck source=tests/systemd/container.sh
. "$HERE/container.sh"

# The units and the most exposure each may have (systemd-analyze security
# --offline=yes, systemd 252): docs/operations.md gives the measured figures.
UNITS="timenoded.service:1.0 timenoded-root.service:2.6"

# requirements: skip unless this machine can boot a container.
requirements() {
	[ "$(id -u)" = 0 ] || skip "not root (systemd-nspawn needs root)"
	local tool
	for tool in systemd-nspawn debootstrap nsenter cmake dpkg-query; do
		command -v "$tool" >/dev/null || skip "$tool not installed (scripts/deps.sh)"
	done
	[ -x "$BUILD/bin/timenoded" ] || die "no build in $BUILD"
}

# prepare_root: the cached root, copied, with timenode installed and a node
# config that may produce blocks.
prepare_root() {
	local cache
	cache=$(cached_root) || skip "cannot build the Debian root (no archive?)"
	copy_root "$cache"
	install_timenode || die "cmake --install failed"
	mkdir -p "$ROOT/etc/timenode"
	printf '[sync]\nproducer_key = devnet\n' >"$ROOT/etc/timenode/timenode.conf"
	chmod 0644 "$ROOT/etc/timenode/timenode.conf"
	install -m 0755 "$HERE/checks.sh" "$ROOT/root/checks.sh"
}

# start_container: boot it; skip if it does not come up.
start_container() {
	boot
	find_leader || { tail -20 "$WORK/boot.log" >&2; skip "the container did not start"; }
	wait_booted || { tail -20 "$WORK/boot.log" >&2; skip "the container's systemd did not finish booting"; }
	log "container booted (pid 1 is host pid $LEADER)"
}

# run_checks: checks.sh for each unit, one after the other on the same node
# data (an operator switching units keeps the chain).
run_checks() {
	local entry unit max rc=0
	for entry in $UNITS; do
		unit=${entry%%:*}
		max=${entry#*:}
		log "checking $unit"
		inside timeout 240 /root/checks.sh "$unit" "$max" || rc=1
	done
	return "$rc"
}

main() {
	local t0=$SECONDS rc
	requirements
	WORK=$(mktemp -d /var/tmp/timenode-systemd-test.XXXXXX)
	ROOT=$WORK/root
	# shellcheck disable=SC2034 # used by container.sh
	MACHINE=tn-test-$$
	trap 'rc=$?; cleanup; exit $rc' EXIT
	trap 'exit 1' INT TERM
	prepare_root
	start_container
	rc=0
	run_checks || rc=1
	log "done in $((SECONDS - t0)) s"
	if [ "$rc" = 0 ]; then log "PASSED"; else log "FAILED"; fi
	return "$rc"
}

main
