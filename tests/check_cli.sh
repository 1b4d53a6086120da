#!/bin/sh
# SPDX-License-Identifier: ISC
# check_cli.sh BIN_DIR - every program's option handling (issue 13, item 4).
#
# For timenoded, timenodectl, timenode-genesis, netd, syncd and stored:
# -h and --help print the usage on stdout (nothing on stderr) and exit 0;
# -V and --version print "PROGRAM VERSION" on stdout and exit 0, the same
# version for all; an unknown option prints the usage on stderr (nothing
# on stdout) and exits 2, after a first line "PROGRAM: reason" that names
# the program, not the path it was run by (argv[0]).  A worker started by a supervisor of another
# version (--expect-version) refuses to run with exit status 78.
# timenodectl without -s finds the package's /run/timenode/status.sock
# (as root, in a mount namespace).  timenode-genesis refuses a network
# name timenoded would (the same function), and -k says its range.
# A stray word after --help or --version is a usage error.  timenodectl
# prints an error answer on stderr alone, a ban's end in UTC (a stand-in
# daemon made with socat).
set -u
bin=${1:?usage: check_cli.sh BIN_DIR}
# $tmp, $fail, bad()
# shellcheck source=tests/check.sh
. "$(dirname "$0")/check.sh"

# run PROGRAM ARGS...: status in $rc, output in $tmp/out and $tmp/err
run() {
	"$bin/$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
}

version=""
for p in timenoded timenodectl timenode-genesis netd syncd stored; do
	for h in -h --help; do
		run "$p" "$h"
		[ "$rc" -eq 0 ] || bad "$p $h: exit $rc, not 0"
		grep -q "^usage: $p" "$tmp/out" || bad "$p $h: no usage on stdout"
		[ -s "$tmp/err" ] && bad "$p $h: wrote to stderr: $(cat "$tmp/err")"
	done
	for v in -V --version; do
		run "$p" "$v"
		[ "$rc" -eq 0 ] || bad "$p $v: exit $rc, not 0"
		line=$(cat "$tmp/out")
		case "$line" in
		"$p "[0-9]*) ;;
		*) bad "$p $v: printed \"$line\"" ;;
		esac
		this=${line#"$p "}
		[ -z "$version" ] && version=$this
		[ "$this" = "$version" ] || bad "$p: version $this, not $version"
	done
	for u in --bogus -Z; do
		run "$p" "$u"
		[ "$rc" -eq 2 ] || bad "$p $u: exit $rc, not 2"
		grep -q "usage: $p" "$tmp/err" || bad "$p $u: no usage on stderr"
		[ -s "$tmp/out" ] && bad "$p $u: wrote to stdout"
		case "$(head -n 1 "$tmp/err")" in
		"$p: "*"$u"*) ;;
		*) bad "$p $u: first line not \"$p: ...$u...\":" \
		    "$(head -n 1 "$tmp/err")" ;;
		esac
	done
done

# every usage error says why before the usage (the reason, then usage)
usage_reason() {
	p=$1
	shift
	run "$p" "$@"
	[ "$rc" -eq 2 ] || bad "$p $*: exit $rc, not 2"
	case "$(head -n 1 "$tmp/err")" in
	"$p: "?*) ;;
	*) bad "$p $*: no reason before the usage: $(head -n 1 "$tmp/err")" ;;
	esac
	grep -q "^usage: $p" "$tmp/err" || bad "$p $*: no usage on stderr"
}
usage_reason timenodectl
usage_reason timenodectl status --count 2
usage_reason timenodectl status --interval 1
usage_reason timenodectl peers --watch
usage_reason timenodectl restart
usage_reason timenodectl status extra
usage_reason timenodectl status --payload-bytes 5
usage_reason timenodectl status --watch --count 0
usage_reason timenodectl status --watch --count 0x10
usage_reason timenodectl status --watch --interval 0x1p0
usage_reason timenodectl status --watch --interval 1e0
usage_reason timenodectl -s
usage_reason timenode-genesis
usage_reason timenode-genesis a b
usage_reason timenode-genesis -k 0x3 net
usage_reason timenode-genesis -k "" net
usage_reason timenode-genesis -t +5 net
usage_reason timenode-genesis -d

# a stray word after --help or --version is refused (issue 13)
for p in timenoded timenodectl timenode-genesis netd syncd stored; do
	usage_reason "$p" --help extra
	usage_reason "$p" --version extra
done

# timenodectl against a stand-in daemon (socat answers one canned line):
# an error answer is the message on stderr alone, not the JSON on stdout
# too; a ban's end is shown as UTC ISO 8601 in the table, as the number
# with --json.
# fake_ctl ANSWER ARGS...: timenodectl -s SOCK ARGS, out/err/rc as run()
fake_ctl() {
	printf '%s\n' "$1" >"$tmp/answer"
	shift
	rm -f "$tmp/fake.sock"
	socat UNIX-LISTEN:"$tmp/fake.sock" \
	    SYSTEM:"read -r l; cat '$tmp/answer'" 2>/dev/null &
	spid=$!
	i=0
	while [ ! -S "$tmp/fake.sock" ] && [ "$i" -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	run timenodectl -s "$tmp/fake.sock" "$@"
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
}
if command -v socat >/dev/null 2>&1; then
	fake_ctl '{"error": "unban: 192.0.2.1 is not banned"}' unban 192.0.2.1
	[ "$rc" -eq 1 ] || bad "timenodectl, an error answer: exit $rc, not 1"
	[ -s "$tmp/out" ] && bad "timenodectl, an error answer: stdout has" \
	    "$(cat "$tmp/out")"
	grep -q "is not banned" "$tmp/err" ||
		bad "timenodectl, an error answer: no message on stderr"
	ban='{"bans": [{"ip": "192.0.2.1", "reason": "misbehaving", "until": 1796025600, "expires_in_s": 60}]}'
	fake_ctl "$ban" bans
	grep -q "192.0.2.1 .* 2026-11-30T08:00:00Z " "$tmp/out" ||
		bad "timenodectl bans: UNTIL not UTC ISO 8601: $(cat "$tmp/out")"
	fake_ctl "$ban" --json bans
	grep -q '"until": 1796025600' "$tmp/out" ||
		bad "timenodectl --json bans: not the daemon's answer"
else
	echo "note: no socat: timenodectl's answers not checked"
fi

# -k 0 and -k -1: one message, with the range
usage_reason timenode-genesis -k 0 net
k0=$(head -n 1 "$tmp/err" | sed 's/"0"/"N"/')
usage_reason timenode-genesis -k -1 net
k1=$(head -n 1 "$tmp/err" | sed 's/"-1"/"N"/')
[ "$k0" = "$k1" ] || bad "timenode-genesis -k 0 and -k -1 say different" \
    "things: \"$k0\", \"$k1\""
case $k0 in *"1 to 64"*) ;; *) bad "timenode-genesis -k 0: no range: $k0" ;; esac

# a network name timenode-genesis takes is one timenoded takes: a name
# timenoded refuses is refused (exit 2, no file), and one it makes is
# accepted by timenoded -n
mkdir "$tmp/g"
for name in "a b" "a/b" "a:b" "devnet" "0123456789012345678901234567890X"; do
	(cd "$tmp/g" && "$bin/timenode-genesis" "$name") >/dev/null 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 2 ] || bad "timenode-genesis \"$name\": exit $rc, not 2"
	[ -z "$(ls "$tmp/g")" ] ||
		bad "timenode-genesis \"$name\" wrote $(ls "$tmp/g")"
	rm -rf "$tmp/g" && mkdir "$tmp/g"
done
name=0123456789012345678901234567890
(cd "$tmp/g" && "$bin/timenode-genesis" -k 1 "$name") >/dev/null 2>&1 ||
	bad "timenode-genesis $name failed"
printf '[node]\nnetwork = %s\n[sync]\ngenesis_dir = %s\n' "$name" \
    "$tmp/g" >"$tmp/g.conf"
"$bin/timenoded" -n -c "$tmp/g.conf" >/dev/null 2>"$tmp/err" ||
	bad "timenoded -n refuses the network timenode-genesis made:" \
	    "$(cat "$tmp/err")"

# -n and -v are timenoded's: a worker refuses them
for p in netd syncd stored; do
	run "$p" --ctl ipc:///nonexistent -n
	[ "$rc" -eq 2 ] || bad "$p -n: exit $rc, not 2"
	run "$p" --ctl ipc:///nonexistent --expect-version "0.0.0 (other)"
	[ "$rc" -eq 78 ] || bad "$p of another version: exit $rc, not 78"
	grep -q "restart timenoded" "$tmp/err" ||
		bad "$p of another version: no clear message"
done
# -v alone is a usage error
run timenoded -v
[ "$rc" -eq 2 ] || bad "timenoded -v: exit $rc, not 2"

# timenodectl without -s on a host running the package: nothing in
# ./timenode-data/run, no $RUNTIME_DIRECTORY: /run/timenode/status.sock
# (a socket file nobody listens on: the message names the path tried).
# Root only, in a mount namespace with its own /run.
if [ "$(id -u)" -eq 0 ] && command -v python3 >/dev/null 2>&1 &&
    unshare -m true 2>/dev/null; then
	mkdir "$tmp/cwd"
	(cd "$tmp/cwd" && env -i PATH=/usr/bin:/bin unshare -m sh -c '
	    mount -t tmpfs tmpfs /run && mkdir /run/timenode &&
	    python3 -c "import socket; socket.socket(socket.AF_UNIX).bind(\"/run/timenode/status.sock\")" &&
	    "$0/timenodectl" status' "$bin") >"$tmp/out" 2>"$tmp/err"
	grep -q "cannot connect to /run/timenode/status.sock" "$tmp/err" ||
		bad "timenodectl status without -s does not try the" \
		    "package's /run/timenode/status.sock: $(cat "$tmp/err")"
else
	echo "note: not root: timenodectl's /run/timenode fallback not checked"
fi

[ "$fail" -eq 0 ] && echo "check_cli: all programs OK (version $version)"
exit "$fail"
