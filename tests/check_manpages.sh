#!/bin/sh
# SPDX-License-Identifier: ISC
# check_manpages.sh TIMENODED MAN_DIR CONFIG_DIR - the manual pages.
#
# 1. mandoc -Tlint -W warning finds nothing in man/*.[158] and exits 0:
#    warnings and errors count, STYLE notes do not (a cross-reference to
#    a page not installed here, an outdated mandoc.db).
# 2. timenode.conf(5) lists exactly the keys of the parser's table, as
#    timenoded -nv prints them, each under its section, with the default
#    -nv prints in an empty environment ("Default: .Ql VALUE", or "Unset
#    by default" for a key -nv comments out).
# 3. Each "Range: MIN to MAX." in timenode.conf(5) is the pair of values
#    the golden files tests/config/int-min.conf and int-max.conf accept,
#    and every key there has one.
# 4. Every option (-x, --long) and every command (timenodectl's
#    "commands:" lines) that a program's --help names appears in its man
#    page (.Fl x, .Fl -long, .Cm command), for timenoded, timenodectl
#    and timenode-genesis (beside TIMENODED), so the pages cannot drift
#    from the programs.
# 5. docs/operations.md's "Example with every default spelt out" is what
#    timenoded -nv prints in an empty environment.
# 6. timenoded(8)'s EXIT STATUS lists the statuses of operations.md's
#    "Exit statuses of timenoded", and says under 2 what the code does
#    (proc.c): a worker that refuses its configuration (EX_CONFIG) ends
#    the node with 2, not 3.
# Exit 77 (skipped) without mandoc.
set -u
timenoded=${1:?usage: check_manpages.sh TIMENODED MAN_DIR CONFIG_DIR}
man=${2:?}
conf=${3:?}
# $tmp, $fail, bad()
# shellcheck source=tests/check.sh
. "$(dirname "$0")/check.sh"

if ! command -v mandoc >/dev/null 2>&1; then
	echo "SKIP: mandoc is not installed (Debian package mandoc)"
	exit 77
fi
for page in "$man"/*.[158]; do
	mandoc -Tlint -W warning "$page" >"$tmp/lint" 2>&1
	if [ $? -ne 0 ] || [ -s "$tmp/lint" ]; then
		echo "FAIL: mandoc -Tlint $page:"
		cat "$tmp/lint"
		fail=1
	fi
done

# section key default-or-"-" from timenoded -nv (defaults)
env -i PATH=/usr/bin:/bin "$timenoded" -nv >"$tmp/nv" || {
	echo "FAIL: timenoded -nv exited $?"; exit 1; }
awk '
/^\[.*\]$/ { sec = substr($0, 2, length($0) - 2); next }
/^# [a-z_]+ =$/ { print sec, $2, "-"; next }
/^[a-z_]+ = / { print sec, $1, $3 }
' "$tmp/nv" | sort -u >"$tmp/parser"

# the same from the man page, and the ranges
awk -v ranges="$tmp/ranges" '
function flush() {
	if (key != "")
		print sec, key, (def == "" ? "?" : def)
	key = ""; def = ""; want = 0
}
/^\.Ss The \[/ { flush(); sec = $3; sub(/^\[/, "", sec); sub(/\\&\]$/, "", sec); next }
/^\.It Ic [a-z_]+ No = / { flush(); key = $3; next }
/^\.(It|El)/ { flush(); next }
key != "" && /^Default:/ { want = 1; next }
key != "" && want && /^\.Ql / { def = $2; want = 0; next }
key != "" && /Unset by default/ { def = "-" }
key != "" && /^Range: [0-9]+ to [0-9]+\.$/ {
	r = $4; sub(/\.$/, "", r); print key, $2, r > ranges
}
END { flush() }
' "$man/timenode.conf.5" | sort -u >"$tmp/man"

if ! cmp -s "$tmp/parser" "$tmp/man"; then
	echo "FAIL: timenode.conf(5) and the parser disagree" \
	    "(- parser, + man page: section key default):"
	diff "$tmp/parser" "$tmp/man" | grep '^[<>]' | sed 's/^</-/; s/^>/+/'
	fail=1
fi

# min and max of each integer key, from the golden files
awk '/^[a-z_]+ = / { print $1, $3 }' "$conf/int-min.conf" | sort >"$tmp/min"
awk '/^[a-z_]+ = / { print $1, $3 }' "$conf/int-max.conf" | sort >"$tmp/max"
join "$tmp/min" "$tmp/max" | sort >"$tmp/golden"
touch "$tmp/ranges"
sort "$tmp/ranges" >"$tmp/mranges"
# the golden files also set seconds keys at their extremes: compare the
# integer keys only, the ones the man page gives a range
join "$tmp/golden" "$tmp/mranges" | awk '$2 != $4 || $3 != $5 {
	print "FAIL: " $1 ": golden files accept " $2 " to " $3 \
	    ", man page says " $4 " to " $5; bad = 1 } END { exit bad }' ||
	fail=1
cut -d' ' -f1 "$tmp/mranges" >"$tmp/mkeys"
for k in $(cut -d' ' -f1 "$tmp/golden"); do
	case $k in stop_timeout|block_interval) continue ;; esac  # seconds
	grep -qx "$k" "$tmp/mkeys" ||
		{ echo "FAIL: $k: no Range in timenode.conf(5)"; fail=1; }
done

# help_words PROG: "opt X" / "cmd WORD" for each option and command --help
# names (an argument in capitals or a placeholder in lower case after an
# option is not one)
help_words() {
	"$1" --help | awk '
	/^commands:/ { cmds = 1; sub(/^commands:/, "") }
	{
		line = $0
		while (match(line, /\[-[a-zA-Z]+[] ]/)) {	# [-df], [-d dir]
			w = substr(line, RSTART + 2, RLENGTH - 3)
			for (i = 1; i <= length(w); i++)
				print "opt", substr(w, i, 1)
			line = substr(line, RSTART + RLENGTH)
		}
		line = $0
		while (match(line, /(^|[ [|])-[a-zA-Z]( |]|$)/)) {	# -h | -V
			w = substr(line, RSTART, RLENGTH)
			gsub(/[][ |-]/, "", w)
			print "opt", w
			line = substr(line, RSTART + RLENGTH - 1)
		}
		line = $0
		while (match(line, /--[a-z][a-z-]*/)) {
			print "opt", substr(line, RSTART + 1, RLENGTH - 1)
			line = substr(line, RSTART + RLENGTH)
		}
		if (cmds) {
			n = split($0, f, /[ |]+/)
			for (i = 1; i <= n; i++)
				if (f[i] ~ /^[a-z][a-z-]*$/ &&
				    (i == 1 || f[i - 1] !~ /^--/))
					print "cmd", f[i]
		}
	}' | sort -u
}
bin=$(dirname "$timenoded")
for pp in timenoded:timenoded.8 timenodectl:timenodectl.8 \
    timenode-genesis:timenode-genesis.1; do
	prog=${pp%%:*} page=$man/${pp#*:}
	[ -x "$bin/$prog" ] || { echo "FAIL: no $bin/$prog"; fail=1; continue; }
	nwords=0
	help_words "$bin/$prog" >"$tmp/words"
	while read -r kind w; do
		nwords=$((nwords + 1))
		case $kind in
		opt) pat="Fl $w" ;;
		cmd) pat="Cm $w" ;;
		esac
		grep -Eq "(^|[ .])$(printf '%s' "$pat" |
		    sed 's/[.-]/\\&/g')([ ,]|\$|$)" "$page" ||
			{ echo "FAIL: ${page##*/}: $prog --help names" \
			    "$kind $w, the page does not ($pat)"; fail=1; }
	done <"$tmp/words"
	[ "$nwords" -gt 2 ] ||
		{ echo "FAIL: $prog --help: only $nwords words read"; fail=1; }
done

# the docs' example of every default
ops=$man/../docs/operations.md
awk '/^Example with every default spelt out/ { f = 1; next }
f == 1 && /^```ini$/ { f = 2; next }
f == 2 && /^```$/ { exit }
f == 2 { print }' "$ops" >"$tmp/example"
if ! cmp -s "$tmp/nv" "$tmp/example"; then
	echo "FAIL: operations.md's example of every default is not" \
	    "timenoded -nv's (- -nv, + the docs):"
	diff "$tmp/nv" "$tmp/example" | grep '^[<>]' | sed 's/^</-/; s/^>/+/'
	fail=1
fi

# the exit statuses: "N text..." per status, from each
awk '/^\.Sh EXIT STATUS/ { f = 1; next } f && /^\.Sh/ { exit }
f && /^\.It [0-9]+$/ { if (n != "") print n, t; n = $2; t = ""; next }
f && /^\.El/ { if (n != "") print n, t; exit }
f && n != "" { t = t " " $0 }' "$man/timenoded.8" >"$tmp/exit.man"
awk '/^## Exit statuses of timenoded/ { f = 1; next } f && /^## / { exit }
f && /^\| [0-9]+ \|/ { print $2 }' "$ops" >"$tmp/exit.ops"
if [ "$(cut -d' ' -f1 "$tmp/exit.man" | tr '\n' ' ')" != \
    "$(tr '\n' ' ' <"$tmp/exit.ops")" ]; then
	echo "FAIL: timenoded(8) EXIT STATUS lists" \
	    "$(cut -d' ' -f1 "$tmp/exit.man" | tr '\n' ' '), operations.md" \
	    "$(tr '\n' ' ' <"$tmp/exit.ops")"
	fail=1
fi
grep -q '^2 .*EX_CONFIG' "$tmp/exit.man" ||
	{ echo "FAIL: timenoded(8) EXIT STATUS: 2 does not name a worker's" \
	    "EX_CONFIG (proc.c exits 2 for it)"; fail=1; }
grep -q '^3 .*EX_CONFIG\|^3 .*refused' "$tmp/exit.man" &&
	{ echo "FAIL: timenoded(8) EXIT STATUS: 3 claims a refused" \
	    "configuration (proc.c exits 2 for it)"; fail=1; }

[ "$fail" -eq 0 ] && echo "man pages: lint clean;" \
    "$(wc -l <"$tmp/parser") keys, defaults and ranges agree"
exit "$fail"
