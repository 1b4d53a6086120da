#!/bin/sh
# SPDX-License-Identifier: ISC
# check_deb.sh SOURCE_DIR [OUT_DIR] - build the Debian package and check it.
#
# With OUT_DIR (ctest gives <build>/deb), the .deb is left there when
# every check passed, for the booted-systemd test (tests/systemd/run.sh
# installs it into a fresh Debian 12 with apt); a .deb from an earlier
# run is removed first, so a failed or skipped run leaves none.
#
# Copies the tree's files (git's list when it is a git work tree: the
# files tracked or not ignored; without .git, so the build also proves
# that a tarball builds, with the project version alone) into a
# temporary directory, runs dpkg-buildpackage -us -uc -b there and checks:
# debian/changelog's version is the CMake project version; the .deb is
# timenode_<version>_<arch>.deb and holds the programs, the unit, the
# sysusers.d entry (and postinst an adduser fallback without systemd-
# sysusers), the man pages and /etc/timenode/timenode.conf (a
# conffile), and beside each unit a drop-in that adds -c with that file
# to the unit's own ExecStart=; the unit is enabled but not started on
# installation, an upgrade does not stop it before the unpack and
# try-restarts it after (debhelper's --restart-after-upgrade), a removal
# stops it (checked by running the maintainer scripts with stand-ins for
# the systemd helpers, in a mount namespace, when root), a purge removes
# /var/lib/timenode (tests/systemd/package.sh runs all of it for real); the
# example configuration passes timenoded -n and shows every key with its
# default, commented out; the packaged programs say
# the version; lintian reports no error.  Takes a minute or two.
# Exit 77 (skipped, with the reason) without dpkg-buildpackage, debhelper
# or lintian.
set -u
src=${1:?usage: check_deb.sh SOURCE_DIR [OUT_DIR]}
out=${2:-}
[ -z "$out" ] || rm -f "$out"/timenode_*.deb
for tool in dpkg-buildpackage dh lintian fakeroot; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: $tool is not installed (scripts/deps.sh installs" \
		    "dpkg-dev, debhelper, fakeroot and lintian)"
		exit 77
	fi
done
# $tmp, $fail, bad()
# shellcheck source=tests/check.sh
. "$(dirname "$0")/check.sh"

version=$(sed -n 's/^project(timenode VERSION \([0-9.]*\) .*/\1/p' \
    "$src/CMakeLists.txt")
debversion=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
[ -n "$version" ] || { echo "FAIL: no project version in CMakeLists.txt"; exit 1; }
[ "$debversion" = "$version" ] ||
	bad "debian/changelog says $debversion, CMakeLists.txt $version"

tree=$tmp/timenode-$version
mkdir -p "$tree"
if git -C "$src" rev-parse --show-toplevel >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z -c -o --exclude-standard |
	    xargs -0 cp --parents -t "$tree")
else
	(cd "$src" && tar -cf - --exclude='./build*' --exclude=./obj-* .) |
	    (cd "$tree" && tar -xf -)
fi
arch=$(dpkg --print-architecture)
echo "building timenode_${version}_$arch.deb in $tmp"
if ! (cd "$tree" && nice dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1
then
	tail -n 40 "$tmp/build.log"
	echo "FAIL: dpkg-buildpackage"
	exit 1
fi
deb=$tmp/timenode_${version}_$arch.deb
[ -f "$deb" ] || { ls "$tmp"; echo "FAIL: no $deb"; exit 1; }

dpkg-deb -c "$deb" | awk '{ print $NF }' | sed 's,^\./,/,' >"$tmp/files"
for f in /usr/sbin/timenoded /usr/bin/timenodectl /usr/bin/timenode-genesis \
    /usr/share/man/man1/timenode-genesis.1.gz \
    /usr/libexec/timenode/netd /usr/libexec/timenode/syncd \
    /usr/libexec/timenode/stored /usr/share/man/man8/timenoded.8.gz \
    /usr/share/man/man8/timenodectl.8.gz \
    /usr/share/man/man5/timenode.conf.5.gz /etc/timenode/timenode.conf \
    /usr/share/doc/timenode/examples/timenode-dashboard.json \
    /usr/share/doc/timenode/examples/timenode-rules.yml; do
	grep -qx "$f" "$tmp/files" || bad "$f is not in the package"
done
grep -Eq '/systemd/system/timenoded\.service$' "$tmp/files" ||
	bad "no timenoded.service in the package"
grep -Eq '/sysusers\.d/timenode\.conf$' "$tmp/files" ||
	bad "no sysusers.d entry in the package"

mkdir "$tmp/ctl" "$tmp/root"
dpkg-deb -e "$deb" "$tmp/ctl"
grep -qx /etc/timenode/timenode.conf "$tmp/ctl/conffiles" ||
	bad "/etc/timenode/timenode.conf is not a conffile"
grep -Eq "deb-systemd-helper enable '?timenoded\.service" "$tmp/ctl/postinst" ||
	bad "postinst does not enable timenoded.service"
grep -Eq 'deb-systemd-invoke (start|restart) .*timenoded' \
    "$tmp/ctl/postinst" && bad "postinst starts timenoded.service"
grep -q 'systemd-sysusers' "$tmp/ctl/postinst" ||
	bad "postinst does not create the service user"
grep -q 'adduser --system' "$tmp/ctl/postinst" ||
	bad "postinst has no adduser fallback (a Debian without systemd)"
grep -Eq '^Depends:.*\badduser\b' "$tmp/ctl/control" ||
	bad "the package does not depend on adduser (postinst runs it)"
grep -Eq "deb-systemd-invoke try-restart '?timenoded\.service" \
    "$tmp/ctl/postinst" || bad "postinst does not restart the node on upgrade"
[ -f "$tmp/ctl/preinst" ] && grep -q 'deb-systemd-invoke stop' \
    "$tmp/ctl/preinst" && bad "preinst stops the node (it stays stopped)"
grep -Eq 'deb-systemd-invoke stop .*timenoded\.service' "$tmp/ctl/prerm" ||
	bad "prerm does not stop the node on removal"
grep -q 'rm -rf /var/lib/timenode$' "$tmp/ctl/postrm" ||
	bad "postrm purge does not remove /var/lib/timenode"

# The maintainer scripts as dpkg runs them, the systemd helpers replaced by
# stand-ins that log their arguments: needs root for a mount namespace
# in which /run/systemd/system exists (what the scripts look for).
# getent finds no user, adduser only logs: the host's users are never
# touched.
# maint SCRIPT ARGS...: what it ran, in $tmp/calls.  With $nosysusers
# set: as on a Debian without systemd-sysusers (the real one, if any, is
# hidden under /dev/null, not executable, in the mount namespace).
nosysusers=
maint() {
	: >"$tmp/calls"
	unshare -m sh -c 'mount -t tmpfs tmpfs /run &&
	    mkdir -p /run/systemd/system &&
	    if [ -n "$1" ]; then
		s=$(command -v systemd-sysusers) && mount --bind /dev/null "$s"
	    fi; shift; PATH="$0:$PATH" exec "$@"' \
	    "$tmp/stubs$nosysusers" "$nosysusers" "$tmp/ctl/$1" "$2" "$3" \
	    >/dev/null 2>&1 || bad "$1 $2 $3 failed"
}
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
    unshare -m true 2>/dev/null; then
	mkdir "$tmp/stubs"
	for s in deb-systemd-invoke deb-systemd-helper systemctl \
	    systemd-sysusers adduser getent; do
		printf '#!/bin/sh\necho "%s $*" >>"%s"\nexit %d\n' "$s" \
		    "$tmp/calls" "$([ "$s" = getent ] && echo 2 || echo 0)" \
		    >"$tmp/stubs/$s"
		chmod 755 "$tmp/stubs/$s"
	done
	cp -a "$tmp/stubs" "$tmp/stubs.nosysusers"
	rm "$tmp/stubs.nosysusers/systemd-sysusers"
	nosysusers=.nosysusers
	maint postinst configure ""
	grep -q '^adduser --system .*timenode$' "$tmp/calls" ||
		bad "without systemd-sysusers, installation does not create" \
		    "the user timenode: $(cat "$tmp/calls")"
	nosysusers=
	maint postinst configure ""
	grep -q '^systemd-sysusers timenode.conf$' "$tmp/calls" ||
		bad "installation does not run systemd-sysusers"
	grep -Eq 'deb-systemd-invoke (start|restart|try-restart)' \
	    "$tmp/calls" && bad "installation starts the node"
	grep -q 'deb-systemd-helper enable timenoded.service' "$tmp/calls" ||
		bad "installation does not enable timenoded.service"
	if [ -f "$tmp/ctl/preinst" ]; then
		maint preinst upgrade 0.0.1
		grep -q 'deb-systemd-invoke stop' "$tmp/calls" &&
			bad "preinst upgrade stops the node"
	fi
	maint prerm upgrade "$version"
	grep -q 'deb-systemd-invoke stop' "$tmp/calls" &&
		bad "prerm upgrade stops the node"
	maint postinst configure 0.0.1
	grep -q 'deb-systemd-invoke try-restart timenoded.service' \
	    "$tmp/calls" || bad "postinst configure (upgrade) does not" \
	    "try-restart timenoded.service: $(cat "$tmp/calls")"
	maint prerm remove ""
	grep -q 'deb-systemd-invoke stop timenoded.service' "$tmp/calls" ||
		bad "prerm remove does not stop the node"
else
	echo "note: not root: maintainer scripts checked by reading only"
fi

dpkg-deb -x "$deb" "$tmp/root"
# the drop-ins: the unit's ExecStart= with -c /etc/timenode/timenode.conf
for u in timenoded.service timenoded-root.service; do
	unit=$(find "$tmp/root" -name "$u" -type f)
	[ -n "$unit" ] || { bad "no $u in the package"; continue; }
	drop=$(dirname "$unit")/$u.d/debian.conf
	[ -f "$drop" ] || { bad "no drop-in ${drop#"$tmp/root"}"; continue; }
	exec_unit=$(sed -n 's/^ExecStart=\(..*\)$/\1/p' "$unit")
	exec_drop=$(sed -n 's/^ExecStart=\(..*\)$/\1/p' "$drop")
	grep -qx 'ExecStart=' "$drop" ||
		bad "$u drop-in does not reset ExecStart="
	[ "$exec_drop" = "$exec_unit -c /etc/timenode/timenode.conf" ] ||
		bad "$u drop-in runs \"$exec_drop\", not the unit's" \
		    "\"$exec_unit\" with -c /etc/timenode/timenode.conf"
done
got=$("$tmp/root/usr/sbin/timenoded" --version)
[ "$got" = "timenoded $version" ] ||
	bad "packaged timenoded --version: \"$got\", not \"timenoded $version\""
"$tmp/root/usr/sbin/timenoded" -n -c "$tmp/root/etc/timenode/timenode.conf" ||
	bad "the example configuration does not pass timenoded -n"
# it names the units' directories, which -nv shows (issue 13: it showed
# ./timenode-data outside the unit)
"$tmp/root/usr/sbin/timenoded" -nv -c "$tmp/root/etc/timenode/timenode.conf" \
    >"$tmp/nv" 2>&1
for kv in "data_dir = /var/lib/timenode" "run_dir = /run/timenode"; do
	grep -qxF "$kv" "$tmp/nv" ||
		bad "timenoded -nv of the example configuration lacks \"$kv\""
done
for kv in StateDirectory=timenode RuntimeDirectory=timenode; do
	grep -qx "$kv" "$(find "$tmp/root" -name timenoded.service -type f)" ||
		bad "timenoded.service lacks $kv (the example configuration" \
		    "names its directories)"
done
# it shows every key the parser knows (data_dir and run_dir are
# systemd's: $STATE_DIRECTORY, $RUNTIME_DIRECTORY), each with its default
env -i "$tmp/root/usr/sbin/timenoded" -nv | grep -Ev '^(data_dir|run_dir) ' |
    sed -n 's/^\(# \)\{0,1\}\([a-z_]* =.*\)$/# \2/p' | sed 's/ $//' \
    >"$tmp/keys"
while IFS= read -r line; do
	grep -qxF "$line" "$tmp/root/etc/timenode/timenode.conf" ||
		bad "the example configuration lacks \"$line\""
done <"$tmp/keys"

lintian --tag-display-limit 0 "$deb" >"$tmp/lintian" 2>&1
cat "$tmp/lintian"
grep -q '^E: ' "$tmp/lintian" && bad "lintian reports errors"

[ "$fail" -eq 0 ] || exit 1
echo "check_deb: timenode_${version}_$arch.deb OK" \
    "($(grep -c '^W: ' "$tmp/lintian") lintian warnings)"
if [ -n "$out" ]; then
	mkdir -p "$out" && cp "$deb" "$out/" || exit 1
	echo "check_deb: left $out/${deb##*/}"
fi
exit 0
