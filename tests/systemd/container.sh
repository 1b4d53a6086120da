# SPDX-License-Identifier: ISC
# shellcheck shell=bash
# container.sh - functions of the booted-systemd test (sourced by run.sh):
# a cached minimal Debian 12 root, a throw-away copy of it with timenode
# installed, booted with systemd-nspawn, commands run inside it, and its
# removal.  Each function does one of these; run.sh strings them together.
#
# State lives in these variables (set by run.sh): BUILD (the build tree),
# WORK (a temporary directory, removed at the end), ROOT (the copy, under
# WORK), MACHINE (nspawn's machine name), NSPAWN_PID, LEADER (the
# container's pid 1, as seen from the host).

CACHE_TOP=${TIMENODE_TEST_CACHE:-/var/cache/timenode-test}
SUITE=bookworm
APT_CACHE=$CACHE_TOP/$SUITE-apt
# systemd as pid 1 and the tools the checks use (ss: iproute2).
BASE_PACKAGES="systemd systemd-sysv dbus iproute2"

log() {
	printf '%s systemd-test: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2
}

die() {
	log "FAIL: $*"
	exit 1
}

# skip REASON: ctest counts exit 77 as skipped (SKIP_RETURN_CODE).
skip() {
	log "SKIPPED: $*"
	exit 77
}

# runtime_packages: the Debian packages of the shared libraries timenode's
# programs load, one per line, from ldd and dpkg on this (build) machine.
runtime_packages() {
	local bin lib
	for bin in timenoded timenodectl netd syncd stored; do
		ldd "$BUILD/bin/$bin" | awk '$3 ~ /^\// { print $3 }'
	done | sort -u | while read -r lib; do
		dpkg-query -S "$(readlink -f "$lib")" 2>/dev/null ||
			dpkg-query -S "$lib" ||
			die "no Debian package owns $lib"
	done | sed 's/:.*//' | sort -u
}

# package_list [runtime]: the packages of the root, comma-separated,
# sorted: BASE_PACKAGES, and with "runtime" the libraries timenode loads
# (for cmake --install, which brings none; the .deb's Depends are apt's).
package_list() {
	# shellcheck disable=SC2086 # one package a word
	{ printf '%s\n' $BASE_PACKAGES; [ "${1:-}" != runtime ] || runtime_packages; } |
		grep -v '^libc6$' | sort -u | paste -sd, -
}

# cache_dir PACKAGES: the cache directory of a root with these packages.
cache_dir() {
	local key
	key=$(printf '%s %s minbase\n' "$SUITE" "$1" | sha256sum | cut -c1-16)
	echo "$CACHE_TOP/$SUITE-$key"
}

# build_root PACKAGES DIR: debootstrap a minimal root into DIR (made under a
# temporary name and renamed when complete, so an interrupted build never
# looks like a cache).  Called with the cache's lock held.  The mirror is debootstrap's default unless
# $TIMENODE_TEST_MIRROR names another.
build_root() {
	local tmp="$2.tmp.$$"
	log "building the cached root $2 (debootstrap $SUITE: $1)"
	# Left by a build that was killed (we hold the lock: none is running).
	rm -rf "$CACHE_TOP"/*.tmp.*
	# shellcheck disable=SC2086 # no mirror argument when unset
	if ! debootstrap --variant=minbase --include="$1" "$SUITE" "$tmp" \
		${TIMENODE_TEST_MIRROR:-} >"$WORK/debootstrap.log" 2>&1; then
		tail -20 "$WORK/debootstrap.log" >&2
		rm -rf "$tmp"
		return 1
	fi
	# No getty on the console, no waiting for a network that is not there.
	rm -f "$tmp/etc/systemd/system/getty.target.wants/"*
	mv "$tmp" "$2"
}

# cached_root [runtime]: the cache directory of the root (package_list's
# packages), built if missing.  One builder at a time (flock); the cache is
# never modified after.
cached_root() {
	local pkgs dir
	pkgs=$(package_list "${1:-}") || return 1
	dir=$(cache_dir "$pkgs")
	mkdir -p "$CACHE_TOP"
	(
		flock -w 600 9 || die "cannot lock $CACHE_TOP/lock"
		[ -d "$dir" ] || build_root "$pkgs" "$dir"
	) 9>"$CACHE_TOP/lock" || return 1
	echo "$dir"
}

# copy_root CACHE: the throw-away root $ROOT, a copy of CACHE.
copy_root() {
	cp -a --reflink=auto "$1" "$ROOT"
}

# install_timenode: "cmake --install" of the build tree into $ROOT with the
# prefix /usr, as an operator would (DESTDIR is the root).
install_timenode() {
	DESTDIR="$ROOT" cmake --install "$BUILD" --prefix /usr \
		>"$WORK/install.log" 2>&1 || { cat "$WORK/install.log" >&2; return 1; }
}

# apt_in_root ARGS...: apt-get in $ROOT by chroot, on the host's network
# (the container has none), without questions; /proc mounted for it in a
# mount namespace of its own, so nothing stays mounted.
apt_in_root() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare -m sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' \
		"$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive apt-get -q \
		-o Acquire::http::Timeout=20 -o Acquire::Retries=2 "$@"
}

# debs_in DIR: the .deb files in DIR, one name a line, sorted.
debs_in() {
	find "$1" -maxdepth 1 -name '*.deb' -printf '%f\n' | sort
}

# fetch_dependencies DEB: download what "apt-get install ./DEB" needs into
# $ROOT's /var/cache/apt/archives, so that the install in the container
# (which has no network) is apt's own, offline.  APT_CACHE keeps the
# package lists and the downloaded .debs of the last run: they are copied
# in first, "apt-get update" refreshes the lists when the mirror answers
# (when it does not, the cached lists serve), and what the root then holds
# goes back to the cache (one writer at a time: flock).  A warm run
# downloads nothing when the mirror has nothing newer, and needs no
# network at all.
fetch_dependencies() {
	local deb=$1 archives="$ROOT/var/cache/apt/archives" resolv
	resolv=$(mktemp "$WORK/resolv.XXXXXX")
	cp -a "$ROOT/etc/resolv.conf" "$resolv" 2>/dev/null || rm -f "$resolv"
	cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
	debs_in "$archives" >"$WORK/root-debs"
	if [ -d "$APT_CACHE/lists" ]; then
		cp -a "$APT_CACHE/lists/." "$ROOT/var/lib/apt/lists/"
		cp -a "$APT_CACHE/archives/." "$archives/"
	fi
	# apt-get update exits 0 when it cannot reach the mirror: it warns
	if ! apt_in_root update >"$WORK/apt-update.log" 2>&1 ||
		grep -q '^[WE]:' "$WORK/apt-update.log"; then
		log "apt-get update: $(grep -m1 '^[WE]:' "$WORK/apt-update.log")"
		log "the package lists of the last run serve (cached or debootstrap's)"
	fi
	local rc=0
	apt_in_root install -y --download-only "/root/${deb##*/}" \
		>"$WORK/apt-fetch.log" 2>&1 || rc=$?
	if [ -f "$resolv" ]; then
		mv "$resolv" "$ROOT/etc/resolv.conf"
	else
		rm -f "$ROOT/etc/resolv.conf"
	fi
	if [ "$rc" != 0 ]; then
		tail -20 "$WORK/apt-update.log" "$WORK/apt-fetch.log" >&2
		return 1
	fi
	log "dependencies: $(grep -c '^Get:[0-9]* http' "$WORK/apt-fetch.log") files from the mirror ($(grep '^Need to get' "$WORK/apt-fetch.log"))"
	save_apt_cache
}

# save_apt_cache: APT_CACHE := $ROOT's package lists and the .debs it
# holds beyond those the cached root came with (and timenode's own).
save_apt_cache() {
	local archives="$ROOT/var/cache/apt/archives" new="$APT_CACHE.new.$$"
	(
		flock -w 600 9 || exit 1
		rm -rf "$APT_CACHE".new.*
		mkdir -p "$new/lists" "$new/archives"
		cp -a "$ROOT/var/lib/apt/lists/." "$new/lists/"
		rm -rf "$new/lists/partial" "$new/lists/lock"
		debs_in "$archives" | comm -23 - "$WORK/root-debs" |
			grep -v '^timenode_' | while read -r f; do
				cp -a "$archives/$f" "$new/archives/"
			done
		rm -rf "$APT_CACHE" && mv "$new" "$APT_CACHE"
	) 9>"$CACHE_TOP/lock" || log "could not update the cache $APT_CACHE"
}

# boot: start systemd-nspawn in the background.  nspawn's own seccomp filter
# refuses Landlock's calls and bpf (which systemd needs for the units'
# filters and device policy), so they are allowed; --private-network keeps
# the node's listener off the host's loopback.
boot() {
	systemd-nspawn --quiet --register=no --keep-unit --boot \
		--machine="$MACHINE" --directory="$ROOT" --private-network \
		--system-call-filter='landlock_create_ruleset landlock_add_rule landlock_restrict_self bpf' \
		</dev/null >"$WORK/boot.log" 2>&1 &
	NSPAWN_PID=$!
}

# find_leader: $LEADER, the container's pid 1 (nspawn's child that runs
# systemd), within 30 s.
find_leader() {
	local _ pid
	for _ in $(seq 300); do
		kill -0 "$NSPAWN_PID" 2>/dev/null || return 1
		# shellcheck disable=SC2013 # the file is a list of pids, blank-separated
		for pid in $(cat /proc/"$NSPAWN_PID"/task/*/children 2>/dev/null); do
			if [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = systemd ]; then
				LEADER=$pid
				return 0
			fi
		done
		sleep 0.1
	done
	return 1
}

# inside CMD...: run CMD in the container (all its namespaces, its root)
# with a clean environment, as root.
inside() {
	nsenter --target "$LEADER" --all --root --wd \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}

# system_state: the container's "systemctl is-system-running --wait" (which
# fails to connect until systemd has set up its bus socket).
system_state() {
	inside timeout 10 systemctl is-system-running --wait 2>&1
}

# wait_booted: the container's systemd finished its start-up (running or
# degraded), within 60 s.
wait_booted() {
	local _ state
	for _ in $(seq 120); do
		state=$(system_state) || true
		case "$state" in
		running | degraded) return 0 ;;
		*"Failed to connect"*) sleep 0.5 ;;
		*) break ;;
		esac
	done
	log "container state: $state"
	return 1
}

# alive PID: the process exists and is not a zombie (nspawn is our child:
# until "wait" reaps it, kill -0 still succeeds after it exited).
alive() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# stop_container: power the container off (SIGTERM to nspawn makes it halt
# the system), SIGKILL to its pid 1 and nspawn after 30 s.
stop_container() {
	local _
	[ -n "${NSPAWN_PID:-}" ] || return 0
	kill -TERM "$NSPAWN_PID" 2>/dev/null
	for _ in $(seq 300); do
		alive "$NSPAWN_PID" || break
		sleep 0.1
	done
	if alive "$NSPAWN_PID"; then
		log "container did not halt within 30 s: killing it"
		[ -n "${LEADER:-}" ] && kill -KILL "$LEADER" 2>/dev/null
		kill -KILL "$NSPAWN_PID" 2>/dev/null
	fi
	wait "$NSPAWN_PID" 2>/dev/null
	NSPAWN_PID=
}

# cleanup: stop the container, remove the copy and nspawn's leftovers.
# Every step is tried, whatever the one before did.
cleanup() {
	set +e
	stop_container
	rm -rf "$WORK"
	rm -rf "/run/systemd/nspawn/propagate/$MACHINE"
}
