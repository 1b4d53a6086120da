#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# test.sh - install missing packages, build timenode twice (build/ as is,
# build-asan/ with ASan + UBSan) and run the whole ctest suite in each; then
# run every fuzz target for FUZZ_SECONDS (default 10: scripts/fuzz.sh 10,
# about 2 minutes for the ten targets; a longer campaign is scripts/fuzz.sh
# alone, docs/fuzzing.md).
#
# Exits non-zero if either build, either test run or the fuzzing fails.
# The last line is the sum over all three, "N passed, N failed, N skipped"
# (one per test, one per fuzz target); a test that cannot run on this
# machine (not root, no systemd-nspawn, no mandoc: ctest's SKIP_RETURN_CODE)
# printed why and counts as skipped, never as passed; a build that fails, or
# a run that fails without ctest's "X tests failed out of Y" line, counts as
# one failure there.  TEST_TIMEOUT (default 300 s) bounds each test; ctest's own
# CTEST_PARALLEL_LEVEL is honoured (default: one test at a time, as the tests
# use fixed loopback addresses and ports).
set -u

# No arguments: -h/--help prints the usage, anything else is refused.
case "${1-}" in
"") ;;
-h|--help) echo "usage: scripts/test.sh (no arguments; see the comment at its top)"; exit 0 ;;
*) echo "usage: scripts/test.sh (no arguments)" >&2; exit 2 ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

scripts/deps.sh || exit 1

timeout=${TEST_TIMEOUT:-300}
fuzz_seconds=${FUZZ_SECONDS:-10}
# Sanitizer reports must fail the test that triggered them, with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
skipped=0
status=0

# run_tree NAME [build.sh args...]: build one tree and run its tests.
run_tree() {
	local name=$1 dir log rc line nfail ntotal nskip
	shift
	echo "==> building $name"
	if ! dir=$(scripts/build.sh "$@"); then
		echo "==> $name: BUILD FAILED"
		failed=$((failed + 1))
		status=1
		return
	fi
	echo "==> testing $name ($dir)"
	log=$(mktemp)
	(cd "$dir" && ctest --output-on-failure --no-tests=error \
	    --timeout "$timeout") 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -Eo '[0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
	# ctest lists each skipped test as "NN - name (Skipped)"
	nskip=$(grep -Ec '^[[:space:]]*[0-9]+ - .* \(Skipped\)$' "$log")
	rm -f "$log"
	if [ -n "$line" ]; then
		nfail=${line%% *}
		ntotal=${line##* }
		passed=$((passed + ntotal - nfail - nskip))
		skipped=$((skipped + nskip))
		failed=$((failed + nfail))
		[ "$nfail" -eq 0 ] || status=1
	fi
	if [ "$rc" -ne 0 ]; then
		status=1
		# ctest failed without saying how many tests did (no tests
		# found, a crash of ctest itself): count the run as a failure.
		if [ -z "$line" ] || [ "$nfail" -eq 0 ]; then
			failed=$((failed + 1))
		fi
		echo "==> $name: TESTS FAILED (ctest exit $rc)"
	fi
}

run_tree "normal tree" build
run_tree "sanitizer tree (ASan+UBSan)" --sanitize build-asan

# ---- fuzzing (issue 11): every libFuzzer target for FUZZ_SECONDS in build-fuzz/ --
# One pass or failure per target (a crash fails its target); a build
# failure, or a run without fuzz.sh's summary line, counts as one failure.
fuzz_tree() {
	local log rc line
	echo "==> fuzzing (scripts/fuzz.sh $fuzz_seconds)"
	log=$(mktemp)
	scripts/fuzz.sh "$fuzz_seconds" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -Eo '^fuzz: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	rm -f "$log"
	if [ -n "$line" ]; then
		line=${line#fuzz: }
		passed=$((passed + ${line%% passed*}))
		line=${line#* passed, }
		failed=$((failed + ${line%% failed}))
	elif [ "$rc" -ne 0 ]; then
		failed=$((failed + 1))
	fi
	if [ "$rc" -ne 0 ]; then
		status=1
		echo "==> fuzzing: FAILED (fuzz.sh exit $rc)"
	fi
}
fuzz_tree

echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
