#!/bin/sh
# smoke.sh BUILD_DIR - the ctest entry bench_run_quick: bench/run.sh --quick
# on the given build tree, into a directory of its own, and checks only that
# it wrote a results file that is valid JSON with every part in it and a
# REPORT.md with its table.  No timing is checked (issue 12: benchmarks
# assert nothing about time).
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
grep -q '^| figure' "$out/REPORT.md" || {
	echo "smoke.sh: $out/REPORT.md has no table" >&2
	exit 1
}
echo "smoke.sh: ok: $json, $out/REPORT.md"
