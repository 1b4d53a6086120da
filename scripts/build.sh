#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# build.sh [--sanitize] [BUILD_DIR] - install missing packages, configure and
# build timenode.
#
# BUILD_DIR defaults to build/ (build-asan/ with --sanitize, which turns on
# TIMENODE_SANITIZE: ASan + UBSan).  Relative paths are taken from the top of
# the repository.  All programs land in BUILD_DIR/bin/.  CMake's output goes
# to stderr; the only line on stdout is the build directory's absolute path,
# so a script can say  dir=$(scripts/build.sh)
set -eu

# usage [STATUS]: to stdout with 0 (--help), else to stderr, exit 2
usage() {
	if [ "${1:-2}" = 0 ]; then
		echo "usage: scripts/build.sh [--sanitize] [BUILD_DIR]"
		exit 0
	fi
	echo "usage: scripts/build.sh [--sanitize] [BUILD_DIR]" >&2
	exit 2
}

sanitize=OFF
dir=""
while [ $# -gt 0 ]; do
	case "$1" in
	--sanitize) sanitize=ON ;;
	-h|--help) usage 0 ;;
	-*) echo "build.sh: unknown option: $1" >&2; usage ;;
	*) [ -z "$dir" ] || usage; dir=$1 ;;
	esac
	shift
done
if [ -z "$dir" ]; then
	if [ "$sanitize" = ON ]; then dir=build-asan; else dir=build; fi
fi

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

scripts/deps.sh

cmake -S . -B "$dir" -DTIMENODE_SANITIZE="$sanitize" >&2
cmake --build "$dir" -j "$(nproc)" >&2

cd "$dir" && pwd
