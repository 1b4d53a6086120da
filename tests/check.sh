# SPDX-License-Identifier: ISC
# check.sh - sourced by the tests/check_*.sh tests: a temporary directory
# $tmp, removed at exit; $fail, 1 once bad() reported a failure (the
# script's exit status).
# shellcheck shell=sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# bad MESSAGE...: "FAIL: MESSAGE" on stdout; the test fails.
bad() {
	echo "FAIL: $*"
	fail=1
}
