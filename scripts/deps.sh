#!/bin/sh
# SPDX-License-Identifier: ISC
# deps.sh - install the Debian 12 packages timenode needs to build, test and
# run its demo, but only those that are missing.
#
# Quiet and quick when everything is there (one dpkg-query per package), so
# build.sh and test.sh call it every time.  Set TIMENODE_SKIP_DEPS=1 to skip
# it on a machine that gets its libraries some other way.
set -eu

# No arguments: -h/--help prints the usage, anything else is refused.
case "${1-}" in
"") ;;
-h|--help) echo "usage: scripts/deps.sh (no arguments; see the comment at its top)"; exit 0 ;;
*) echo "usage: scripts/deps.sh (no arguments)" >&2; exit 2 ;;
esac

# Build: compiler, CMake, pkg-config and the -dev package of every library in
# CMakeLists.txt (libevent-dev brings libevent's OpenSSL part, libssl-dev
# OpenSSL 3 for netd's TLS); clang and its runtime libraries (libFuzzer, the
# sanitizers) for the fuzz targets (scripts/fuzz.sh).  Run: the tools the
# tests and scripts/demo.sh use (tcpdump captures loopback in
# tests/test_tls.c; jq reads timenodectl's JSON and
# bench/run.sh's results; gnuplot-nox draws bench/run.sh's plots; socat and
# mdb_stat are handy for operators; mandoc lints the man pages; prometheus
# gives promtool, which checks the metrics and contrib/'s rules, and the
# Prometheus that tests/test_prom.c runs).  Package: dpkg-dev, debhelper,
# fakeroot and lintian build and check the Debian package
# (tests/check_deb.sh).  The booted-systemd test (tests/systemd) builds a
# Debian root with debootstrap (which checks the archive's signature with
# debian-archive-keyring) and boots it with systemd-nspawn
# (systemd-container).
PACKAGES="
build-essential
clang
libclang-rt-14-dev
cmake
pkg-config
libevent-dev
libssl-dev
liblmdb-dev
libcunit1-dev
libsodium-dev
libseccomp-dev
libinih-dev
libjansson-dev
libnng-dev
iproute2
tcpdump
procps
jq
socat
lmdb-utils
mandoc
prometheus
dpkg-dev
debhelper
fakeroot
lintian
gnuplot-nox
debootstrap
debian-archive-keyring
systemd-container
"

if [ "${TIMENODE_SKIP_DEPS:-0}" = 1 ]; then
	exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps.sh: dpkg-query/apt-get not found: this script knows Debian 12 only." >&2
	# shellcheck disable=SC2086 # one line, words separated by blanks
	echo "deps.sh: install the equivalents of:" $PACKAGES >&2
	echo "deps.sh: then rerun with TIMENODE_SKIP_DEPS=1." >&2
	exit 1
fi

missing=""
for pkg in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $pkg" ;;
	esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	as_root=""
elif command -v sudo >/dev/null 2>&1; then
	as_root="sudo"
else
	echo "deps.sh: missing packages:$missing" >&2
	echo "deps.sh: not root and sudo is not installed; as root run:" >&2
	echo "  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi

echo "deps.sh: installing:$missing" >&2
# No questions (CI has no terminal); sudo passes the variable through env.
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
# shellcheck disable=SC2086 # word splitting of the list is wanted
$as_root env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends $missing >&2
