#!/bin/bash
# SPDX-License-Identifier: ISC
# package.sh PHASE - what Debian policy and an operator expect of the
# timenode package at each step of its life, run INSIDE the booted container
# (run.sh copies it there and runs it through nsenter after each apt-get):
#
#   installed  after "apt-get install ./timenode_*.deb": the service user
#              exists (sysusers.d), timenoded.service is enabled but was not
#              started (as Debian daemons: the operator configures first) and
#              no node process runs, timenoded-root.service is shipped but
#              not enabled, the man pages are where man(1) looks,
#              /etc/timenode/timenode.conf is a conffile and passes
#              "timenoded -n"
#   serving    "systemctl start timenoded" with the package's own drop-in
#              (-c /etc/timenode/timenode.conf): active, a block produced
#              with timenodectl and read back, "timenodectl status" finds
#              the socket without -s, "timenoded -nv -c" of the conffile
#              shows the unit's directories; the node is left running
#   removed    after "apt-get remove timenode": stopped (prerm), no node
#              process or socket, the programs gone, the conffile and the
#              user kept
#   purged     after "apt-get purge timenode": the configuration, the data
#              (/var/lib/timenode, debian/postrm), the unit's enablement and
#              its RootDirectory= (debian/prerm) gone, nothing running; the user kept (Debian leaves system
#              users: files may still belong to them)
#
# Prints one line per check ("ok: ..." or "FAIL: ...") and exits 1 if any
# failed.  Every wait is bounded.
# "A && ok || fail" is meant below: ok only prints and never fails.
# The phases are called by name ("$1"), which shellcheck does not follow.
# shellcheck disable=SC2015,SC2317
set -u

UNIT=timenoded.service
CHECK=package
SOCK=/run/timenode/status.sock
CONF=/etc/timenode/timenode.conf
# ok, fail, wait_for, ctl, height, at_height, node_processes, journal_tail
# shellcheck source=tests/systemd/lib.sh
. "$(dirname "$0")/lib.sh"

# no_node: no node process, no status socket.
check_no_node() {
	[ -z "$(node_processes)" ] && ok "$1: no node process" ||
		fail "$1: node processes $(node_processes | tr '\n' ' ')"
	[ ! -S "$SOCK" ] && ok "$1: no status socket" ||
		fail "$1: $SOCK is still there"
}

# pkg_status: dpkg's status of the package ("install ok installed" ...).
pkg_status() { dpkg-query -W -f='${Status}' timenode 2>/dev/null; }

# state UNIT: "is-enabled is-active" of the unit.
state() {
	echo "$(systemctl is-enabled "$1" 2>/dev/null)" \
		"$(systemctl is-active "$1" 2>/dev/null)"
}

installed() {
	local got page
	[ "$(pkg_status)" = "install ok installed" ] && ok "installed" ||
		fail "dpkg status: $(pkg_status)"
	got=$(getent passwd timenode)
	[ -n "$got" ] && ok "user: $got" || fail "no user timenode"
	got=$(state "$UNIT")
	[ "$got" = "enabled inactive" ] &&
		ok "$UNIT enabled, not started: $got" ||
		fail "$UNIT after installation: $got (want enabled inactive)"
	got=$(state timenoded-root.service)
	[ "$got" = "disabled inactive" ] &&
		ok "timenoded-root.service shipped, left alone: $got" ||
		fail "timenoded-root.service after installation: $got"
	check_no_node "after installation"
	for page in man8/timenoded.8.gz man8/timenodectl.8.gz \
		man5/timenode.conf.5.gz man1/timenode-genesis.1.gz; do
		[ -f "/usr/share/man/$page" ] && ok "man page $page" ||
			fail "no /usr/share/man/$page"
	done
	if command -v man >/dev/null; then
		got=$(man -w timenoded 2>&1)
		[ "$got" = /usr/share/man/man8/timenoded.8.gz ] &&
			ok "man -w timenoded: $got" || fail "man -w timenoded: $got"
	fi
	dpkg-query -W -f='${Conffiles}\n' timenode | grep -q "^ $CONF " &&
		ok "$CONF is a conffile" || fail "$CONF is not a conffile"
	got=$(timenoded -n -c "$CONF" 2>&1)
	[ "$got" = "configuration OK" ] && ok "timenoded -n: $got" ||
		fail "timenoded -n -c $CONF: $got"
}

# has_height: "timenodectl status" shows a height (the node answers).
has_height() { [ -n "$(height)" ]; }

serving() {
	local h0 h1
	systemctl cat "$UNIT" | grep -q "^ExecStart=.* -c $CONF\$" &&
		ok "the unit reads $CONF (the package's drop-in)" ||
		fail "the unit does not read $CONF"
	if ! timeout 30 systemctl start "$UNIT" ||
		[ "$(systemctl is-active "$UNIT")" != active ]; then
		fail "systemctl start $UNIT: $(systemctl is-active "$UNIT")"
		journal_tail 10
		return
	fi
	ok "systemctl start $UNIT: active"
	wait_for 5 has_height
	h0=$(height)
	ctl produce 1 >/dev/null || fail "timenodectl produce 1 failed"
	wait_for 5 at_height $((${h0:-0} + 1))
	h1=$(height)
	[ "$h1" = $((${h0:-0} + 1)) ] &&
		ok "a block produced and read back: height $h0 -> $h1" ||
		fail "timenodectl produce 1: height ${h0:-?} -> ${h1:-?}"
	# an operator's first commands, without -s, from anywhere
	(cd / && timeout 10 timenodectl status >/dev/null 2>&1) &&
		ok "timenodectl status finds $SOCK by itself" ||
		fail "timenodectl status (no -s) does not find $SOCK"
	got=$(cd / && timenoded -nv -c "$CONF" 2>/dev/null | grep -E '^(data|run)_dir = ' | tr '\n' ' ')
	[ "$got" = "data_dir = /var/lib/timenode run_dir = /run/timenode " ] &&
		ok "timenoded -nv -c $CONF shows the unit's directories" ||
		fail "timenoded -nv -c $CONF shows: $got"
}

removed() {
	[ "$(pkg_status)" = "deinstall ok config-files" ] &&
		ok "removed, config kept: $(pkg_status)" ||
		fail "dpkg status after remove: $(pkg_status)"
	[ "$(systemctl is-active "$UNIT")" != active ] &&
		ok "$UNIT stopped by the removal" || fail "$UNIT still active"
	check_no_node "after remove"
	[ ! -e /usr/sbin/timenoded ] && [ ! -e /usr/libexec/timenode ] &&
		ok "programs gone" || fail "programs left after remove"
	grep -q '^producer_key = devnet$' "$CONF" 2>/dev/null &&
		ok "$CONF kept, with the operator's change" ||
		fail "$CONF lost by the removal"
	getent passwd timenode >/dev/null && ok "user kept" ||
		fail "user timenode gone"
}

purged() {
	local left
	[ -z "$(pkg_status)" ] || [ "$(pkg_status)" = "unknown ok not-installed" ] &&
		ok "purged" || fail "dpkg status after purge: $(pkg_status)"
	check_no_node "after purge"
	left=$(ls -d /etc/timenode /var/lib/timenode /usr/lib/timenode \
		/etc/systemd/system/multi-user.target.wants/timenoded*.service \
		/usr/lib/systemd/system/timenoded*.service 2>/dev/null)
	[ -z "$left" ] &&
		ok "configuration, data, unit links and the unit's root gone" ||
		fail "left after purge: $(echo "$left" | tr '\n' ' ')"
	getent passwd timenode >/dev/null && ok "user kept (Debian's way)" ||
		fail "user timenode removed by the purge"
}

case "${1:-}" in
installed | serving | removed | purged) "$1" ;;
*) echo "usage: package.sh installed|serving|removed|purged" >&2; exit 2 ;;
esac
exit "$failed"
