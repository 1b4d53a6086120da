#!/bin/sh
# SPDX-License-Identifier: ISC
# smoke.sh BUILD_DIR - the ctest entry bench_run_quick: bench/run.sh --quick
# on the given build tree, into a directory of its own, and checks only that
# it wrote a results file that is valid JSON with every part in it and a
# REPORT.md with its table; for each catch-up size, that bench_sync exited
# 0 (under ASan: no leak) and gave every figure run.sh reads from it (the
# baselines, validation alone with 1/2/all threads, four catch-ups).  No
# figure's value is checked (issue 12: benchmarks assert nothing about
# time).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
out=$build/bench-smoke
rm -rf "$out"
"$top/bench/run.sh" --quick --no-build --no-install --build-dir "$build" \
	--out "$out"
json=$(ls "$out"/results/*.json)
jq -e '.date and .machine.cores and (.catchup | length == 2) and
  .handshake and .restart and .idle and .net[0]' "$json" >/dev/null || {
	echo "smoke.sh: $json lacks a part" >&2
	exit 1
}
jq -e '.catchup | all(.[]; (.bench_sync_exit | length > 0 and
  all(. == 0)) and .baseline_validate_lmdb.median and
  .raw_lmdb_append.median and
  ([.validation[] | select(.blocks_per_s.median) | .threads] ==
   ["1", "2", "all"]) and
  ([.catchup[] | select(.blocks_per_s.median) | [.peers, .threads]] ==
   [[1, "1"], [1, "2"], [1, "all"], [4, "all"]]))' "$json" >/dev/null || {
	echo "smoke.sh: a bench_sync run failed or lacks a figure:" >&2
	jq -c '.catchup[] | {blocks, payload, bench_sync_exit,
	  baseline: .baseline_validate_lmdb.median,
	  raw: .raw_lmdb_append.median}' "$json" >&2
	exit 1
}
grep -q '^| figure' "$out/REPORT.md" || {
	echo "smoke.sh: $out/REPORT.md has no table" >&2
	exit 1
}
echo "smoke.sh: ok: $json, $out/REPORT.md"
