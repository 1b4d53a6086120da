#!/bin/bash
# SPDX-License-Identifier: ISC
# run.sh BUILD_DIR - the booted-systemd test of timenode's units (issue 10)
# and of its Debian package (issue 13).
#
# Boots a throw-away copy of a cached minimal Debian 12 root with
# systemd-nspawn, installs timenode into it one of two ways and runs
# checks.sh inside for each unit: start, READY, restarts with the chain
# intact, worker kills, a stopped worker, the watchdog, journal priorities,
# stop, the workers' sandbox and the exposure score.
#
#   package  when BUILD_DIR/deb holds the .deb that check_deb built (ctest
#            runs check_deb first: FIXTURES), as a user would on a fresh
#            Debian 12: the root has systemd and nothing of timenode's;
#            "apt-get install ./timenode_*.deb" in the booted container
#            (apt resolves the Depends; they were fetched beforehand from
#            the mirror by chroot, as the container has no network, and are
#            cached under /var/cache/timenode-test/bookworm-apt), then
#            package.sh checks the installed package (user, enabled but not
#            started, man pages, conffile), the operator sets producer_key
#            in the conffile, checks.sh runs, the node serves with the
#            package's configuration, and "apt-get remove" and "apt-get
#            purge" are checked too.
#   cmake    otherwise (said in the output): "cmake --install --prefix
#            /usr" of the build tree into the root, which then also holds
#            the libraries timenode loads.
#
# Each root is built with debootstrap on first use and cached under
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

# find_deb: DEB, the package check_deb left in BUILD/deb (empty if none).
find_deb() {
	local debs
	debs=$(find "$BUILD/deb" -maxdepth 1 -name 'timenode_*.deb' 2>/dev/null ||
		true)	# no deb/ at all: none
	[ "$(printf '%s\n' "$debs" | grep -c .)" -le 1 ] ||
		die "more than one .deb in $BUILD/deb: $debs"
	DEB=$debs
}

# prepare_root: the cached root, copied, with the test's scripts; with no
# package, timenode installed by cmake and a node config that may produce
# blocks (the package's way is in install_package, once booted).
prepare_root() {
	local cache
	if [ -n "$DEB" ]; then
		log "installing the package ${DEB##*/} (apt-get install in the container)"
		cache=$(cached_root) || skip "cannot build the Debian root (no archive?)"
		copy_root "$cache"
		cp "$DEB" "$ROOT/root/"
		fetch_dependencies "$DEB" ||
			skip "apt cannot fetch the package's dependencies (no archive, none cached)"
	else
		log "no .deb in $BUILD/deb (check_deb leaves it there):" \
			"installing with cmake --install instead"
		cache=$(cached_root runtime) || skip "cannot build the Debian root (no archive?)"
		copy_root "$cache"
		install_timenode || die "cmake --install failed"
		mkdir -p "$ROOT/etc/timenode"
		printf '[sync]\nproducer_key = devnet\n' >"$ROOT/etc/timenode/timenode.conf"
		chmod 0644 "$ROOT/etc/timenode/timenode.conf"
	fi
	install -m 0755 "$HERE/checks.sh" "$HERE/package.sh" "$ROOT/root/"
	install -m 0644 "$HERE/lib.sh" "$ROOT/root/"
}

# apt_inside ARGS...: apt-get in the booted container, its output shown
# (indented) in the test's output; fails when apt fails or anything in it
# (dpkg, a maintainer script) printed a warning or an error.
apt_inside() {
	local rc=0
	log "apt-get $*"
	inside env DEBIAN_FRONTEND=noninteractive apt-get -q -y \
		-o Dpkg::Use-Pty=0 "$@" >"$WORK/apt.log" 2>&1 || rc=$?
	sed 's/^/    | /' "$WORK/apt.log" >&2
	if grep -Eiq '^(W|E):|warning|error' "$WORK/apt.log"; then
		log "FAIL: apt-get $1 printed warnings or errors"
		return 1
	fi
	return "$rc"
}

# install_package: "apt-get install ./timenode_*.deb" in the container, the
# checks of the fresh installation, then the operator's one change to the
# conffile: this node produces blocks.
install_package() {
	local rc=0
	apt_inside install "/root/${DEB##*/}" || rc=1
	inside dpkg-query -W timenode >/dev/null 2>&1 ||
		die "apt-get install did not install timenode"
	log "checking the installed package"
	inside /root/package.sh installed || rc=1
	inside sed -i 's/^# producer_key =$/producer_key = devnet/' \
		/etc/timenode/timenode.conf
	inside grep -q '^producer_key = devnet$' /etc/timenode/timenode.conf ||
		die "could not set producer_key in /etc/timenode/timenode.conf"
	return "$rc"
}

# remove_package: the node serves with the package's configuration, then
# "apt-get remove" and "apt-get purge", each checked.
remove_package() {
	local rc=0
	log "checking the node with the package's configuration"
	inside /root/package.sh serving || rc=1
	apt_inside remove timenode || rc=1
	inside /root/package.sh removed || rc=1
	apt_inside purge timenode || rc=1
	inside /root/package.sh purged || rc=1
	return "$rc"
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
	DEB=
	ROOT=$WORK/root
	# shellcheck disable=SC2034 # used by container.sh
	MACHINE=tn-test-$$
	trap 'rc=$?; cleanup; exit $rc' EXIT
	trap 'exit 1' INT TERM
	find_deb
	prepare_root
	start_container
	rc=0
	if [ -n "$DEB" ]; then
		install_package || rc=1
		run_checks || rc=1
		remove_package || rc=1
	else
		run_checks || rc=1
	fi
	log "done in $((SECONDS - t0)) s"
	if [ "$rc" = 0 ]; then log "PASSED"; else log "FAILED"; fi
	return "$rc"
}

main
