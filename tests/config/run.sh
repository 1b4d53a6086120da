#!/bin/sh
# SPDX-License-Identifier: ISC
# run.sh TIMENODED [--update] - the configuration parser's golden tests.
#
# As OpenBGPD's regress tests bgpd's parser: each NAME.conf in this
# directory is checked with `timenoded -nv -c NAME.conf` (plus the
# arguments in NAME.args, one per line, when that file exists), run from
# this directory in an empty environment, and compared with
#   NAME.out  the expected stdout (exit status 0): the effective
#             configuration, which is then read back in (-nv -c of it)
#             and must come out the same, or
#   NAME.err  the expected stderr (exit status 2): the error line.
# Exactly one of the two must exist.  --update rewrites them from what
# timenoded prints now (review the diff before committing it).
set -u
timenoded=${1:?usage: run.sh TIMENODED [--update]}
update=${2:-}
cd "$(dirname "$0")" || exit 1
# git keeps no file modes but x: key files others may read are refused
# (keyfile.c), so the fixture's keys are made 0600 as an operator would
chmod 600 fixture/*.key
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0

# check NAME: run one case, compare, report
check() {
	name=$1
	set -- -nv -c "$name.conf"
	if [ -f "$name.args" ]; then
		while IFS= read -r a; do
			set -- "$@" "$a"
		done <"$name.args"
	fi
	env -i PATH=/usr/bin:/bin "$timenoded" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$update" = --update ]; then
		rm -f "$name.out" "$name.err"
		if [ "$rc" -eq 0 ]; then cp "$tmp/out" "$name.out"
		else cp "$tmp/err" "$name.err"; fi
		return
	fi
	if [ -f "$name.out" ] && [ -f "$name.err" ]; then
		echo "FAIL $name: both $name.out and $name.err exist"
		fail=1
	elif [ -f "$name.out" ]; then
		if [ "$rc" -ne 0 ] || ! cmp -s "$tmp/out" "$name.out"; then
			echo "FAIL $name: exit $rc, expected 0 and $name.out:"
			cat "$tmp/err"
			diff -u "$name.out" "$tmp/out"
			fail=1
			return
		fi
		# what -nv prints reads back to the same configuration
		cp "$tmp/out" "$tmp/again.conf"
		env -i PATH=/usr/bin:/bin "$timenoded" -nv -c "$tmp/again.conf" \
		    >"$tmp/again" 2>&1
		if ! cmp -s "$tmp/again" "$name.out"; then
			echo "FAIL $name: -nv output does not read back the same:"
			diff -u "$name.out" "$tmp/again"
			fail=1
		fi
	elif [ -f "$name.err" ]; then
		if [ "$rc" -ne 2 ] || ! cmp -s "$tmp/err" "$name.err" ||
		    [ -s "$tmp/out" ]; then
			echo "FAIL $name: exit $rc, expected 2 and $name.err:"
			diff -u "$name.err" "$tmp/err"
			fail=1
		fi
	else
		echo "FAIL $name: neither $name.out nor $name.err"
		fail=1
	fi
}

for f in *.conf; do
	check "${f%.conf}"
	n=$((n + 1))
done
for f in *.out *.err *.args; do
	[ -e "$f" ] || continue
	[ -f "${f%.*}.conf" ] || { echo "FAIL $f: no ${f%.*}.conf"; fail=1; }
done
[ "$fail" -eq 0 ] && echo "config golden tests: $n cases OK"
exit "$fail"
