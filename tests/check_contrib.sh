#!/bin/sh
# SPDX-License-Identifier: ISC
# check_contrib.sh CONTRIB_DIR - the operator files in contrib/.
#
# 1. promtool check rules: the alert rules parse and their PromQL is valid.
# 2. promtool test rules: each alert fires on the series that should fire
#    it, at the time it should, and not for a healthy node.
# 3. The Grafana dashboard is JSON (jq).  Its queries run against a real
#    Prometheus in test_prom, which also checks that every timenode_ name
#    in contrib/ is one the node exports.
# Exit 77 (skipped) without promtool (Debian package prometheus).
set -u
contrib=${1:?usage: check_contrib.sh CONTRIB_DIR}
fail=0

if ! command -v promtool >/dev/null 2>&1; then
	echo "SKIP: promtool is not installed (Debian package prometheus)"
	exit 77
fi
promtool check rules "$contrib/prometheus/timenode-rules.yml" || fail=1
# test rules names rule_files relative to its own directory
(cd "$contrib/prometheus" && promtool test rules timenode-rules.test.yml) ||
    fail=1
if command -v jq >/dev/null 2>&1; then
	jq -e '.panels | length > 0' "$contrib/grafana/timenode-dashboard.json" \
	    >/dev/null || { echo "FAIL: the dashboard is not JSON with panels"; fail=1; }
else
	echo "note: jq not installed, the dashboard's JSON not checked here"
fi
[ $fail = 0 ] && echo "contrib: rules and dashboard OK"
exit $fail
