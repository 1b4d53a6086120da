#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# fuzz.sh [SECONDS] - build the libFuzzer targets (fuzz/) and run each for
# SECONDS (default 60), one after another, niced.
#
# The targets are built with clang in build-fuzz/ (TIMENODE_FUZZ=ON: ASan +
# UBSan + coverage), never in the normal trees.  Each starts from its
# checked-in seeds (fuzz/corpus/<target>/) and regression inputs
# (fuzz/regress/<target>/), which it only reads, and from what earlier runs
# found (build-fuzz/corpus/<target>/, where new inputs go).  Per target it
# prints one line: executions, coverage (edges reached of the edges
# instrumented, from libFuzzer's final statistics) and crashes.  A crash
# (sanitizer report, broken rule of the target, leak, timeout, out of
# memory) keeps its input in build-fuzz/crashes/<target>/, printed in
# base64 too when small, for CI logs.  Fix the fault, then keep the input
# as a regression case: fuzz/regress/<target>/<what-it-was>, which the
# normal test suite replays (ctest -R fuzz_replay).
#
# The last line is "fuzz: N passed, N failed" (one per target; a build
# failure counts as one failed); exit 1 on any failure.  FUZZ_TARGETS (a
# space-separated list) runs only those; CC picks the compiler (clang).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

seconds=${1:-60}
case "$seconds" in
''|*[!0-9]*|0) echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2 ;;
esac
all="wire_frame wire_msg ipc_codec ipc_msg block genesis keyfile config
	status_cmd tls"
targets=${FUZZ_TARGETS:-$all}
dir=build-fuzz

scripts/deps.sh || exit 1

echo "==> building the fuzz targets ($dir)"
if ! CC=${CC:-clang} cmake -S . -B "$dir" -DTIMENODE_FUZZ=ON \
	-DBUILD_TESTING=OFF >&2 ||
   ! nice cmake --build "$dir" --target fuzzers -j "$(nproc)" >&2; then
	echo "==> fuzz targets: BUILD FAILED"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi

# the targets' input files (genesis, key files) go to a directory of ours
tmp=$(mktemp -d "${TMPDIR:-/tmp}/timenode-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# Sanitizer reports are crashes; leaks count too (libFuzzer checks them).
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
for t in $targets; do
	bin=$dir/bin/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "fuzz: $t: no such target"
		failed=$((failed + 1))
		continue
	fi
	work=$dir/corpus/$t
	crashes=$dir/crashes/$t
	log=$dir/logs/$t.log
	mkdir -p "$work" "$crashes" "$dir/logs"
	inputs=("$work" "fuzz/corpus/$t")
	[ -d "fuzz/regress/$t" ] && inputs+=("fuzz/regress/$t")
	before=$(ls "$crashes" | wc -l)
	TMPDIR=$tmp nice -n 10 "$bin" -max_total_time="$seconds" \
		-print_final_stats=1 -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix="$crashes/" "${inputs[@]}" >"$log" 2>&1
	rc=$?
	runs=$(grep -Eo 'number_of_executed_units: [0-9]+' "$log" |
		grep -Eo '[0-9]+$' | tail -n 1)
	edges=$(grep -Eo ' cov: [0-9]+' "$log" | grep -Eo '[0-9]+$' |
		tail -n 1)
	total=$(grep -Eo 'Loaded 1 modules +\([0-9]+ inline' "$log" |
		grep -Eo '[0-9]+' | tail -n 1)
	ncrash=$(( $(ls "$crashes" | wc -l) - before ))
	[ "$rc" -ne 0 ] && [ "$ncrash" -eq 0 ] && ncrash=1
	echo "fuzz: $t: ${runs:-0} executions, ${edges:-0}/${total:-?} edges," \
		"$ncrash crashes"
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		continue
	fi
	failed=$((failed + 1))
	echo "==> $t: CRASHED (libFuzzer exit $rc); its report:"
	grep -E 'ERROR|SUMMARY|rule broken|runtime error|differ|#[0-9]+ 0x' \
		"$log" | grep -v -E 'fuzzer::|libc_start|_start ' | head -n 30
	for f in $(ls -t "$crashes" | head -n "$ncrash"); do
		size=$(stat -c %s "$crashes/$f")
		echo "==> input kept: $crashes/$f ($size bytes)"
		if [ "$size" -le 4096 ]; then
			echo "==> base64:"
			base64 "$crashes/$f"
		fi
	done
	echo "==> the whole log: $log"
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
