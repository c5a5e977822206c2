#!/bin/bash
# check_deb.sh SOURCE_ROOT WORK_DIR - the Debian package (debian/), built,
# checked and installed the way an administrator would, without changing
# this machine:
#   1. the files git knows are copied to WORK_DIR/src and built with
#      "dpkg-buildpackage -us -uc -b"; the source package is made too;
#   2. lintian reports no error and no warning about either;
#   3. in a private mount namespace, an overlay over / whose changes live
#      in a tmpfs that vanishes with the namespace is the root of a chroot
#      where the package is installed, used by a real daemon, removed and
#      purged, twice: without systemd, and as on a machine whose systemd
#      the chroot cannot reach (deb-systemd-invoke runs and fails);
#   4. afterwards this machine has no trace of it: no user, no file, no
#      package, no mount.
# Exit 0 when every check passed, 1 when one failed, 77 (skipped) when
# the tools are missing or the overlay cannot be made.
set -u
export LC_ALL=C.UTF-8

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
notok() { failed=$((failed + 1)); echo "not ok - $*"; }
# check DESCRIPTION COMMAND...: the command's output is shown when it fails.
check() {
	local what=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$what"
	else
		notok "$what"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/    /'
	fi
}
skip() { echo "SKIP: $*"; exit 77; }
now() { date +%s; }

# ---------------------------------------------------------------------
# Inside the namespace: the chroot's checks.
# ---------------------------------------------------------------------
R=""        # the chroot (the overlay's merged view)
in_root() {
	chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LC_ALL=C.UTF-8 HOME=/root "$@"
}
# dpkg_in ARGS...: dpkg in the chroot, its output kept in $dpkg_log.
dpkg_in() {
	in_root dpkg "$@" </dev/null >"$dpkg_log" 2>&1
}
show_dpkg_log() { sed 's/^/    /' "$dpkg_log"; }
# dpkg_step DESCRIPTION ARGS...: dpkg succeeds, or its output is shown.
dpkg_step() {
	local what=$1
	shift
	if dpkg_in "$@"; then ok "$what"; else notok "$what"; show_dpkg_log; fi
}
# shellcheck disable=SC2016 # ${Status} is dpkg-query's, not the shell's
status_is() { [ "$(in_root dpkg-query -W -f='${Status}' nsearch 2>/dev/null)" = "$1" ]; }
exists() { [ -e "$R$1" ] || [ -L "$R$1" ]; }
absent() { ! exists "$1"; }
all_exist() { local p; for p; do exists "$p" || { echo "missing: $p"; return 1; }; done; }
all_absent() { local p; for p; do absent "$p" || { echo "still there: $p"; return 1; }; done; }
# root_sh SCRIPT: a shell command line (a pipeline) run in the chroot.
root_sh() { in_root sh -c "$1"; }
has_user() { in_root getent passwd nsearch >/dev/null; }
has_groups() { in_root getent group nsearch >/dev/null && in_root getent group nsearch-editors >/dev/null; }

UNITS=(/lib/systemd/system/nsearchd.service /lib/systemd/system/nsearchd.socket)
WANTS=(/etc/systemd/system/multi-user.target.wants/nsearchd.service
	/etc/systemd/system/sockets.target.wants/nsearchd.socket)
PROGRAMS=(/usr/sbin/nsearchd /usr/bin/nsearch-cli)
OTHERS=(/usr/lib/sysusers.d/nsearch.conf /usr/lib/tmpfiles.d/nsearch.conf
	/usr/share/man/man8/nsearchd.8.gz /usr/share/man/man1/nsearch-cli.1.gz
	/usr/share/bash-completion/completions/nsearch-cli
	/usr/share/doc/nsearch/operations.md.gz /usr/share/doc/nsearch/copyright)
CONF=/etc/nsearch/nsearchd.conf
SOCK=/run/nsearch/nsearch.sock
ARTICLE=city/deb-ferry.txt

# make_root WORK: the overlay over / and the chroot's /proc, /dev, /run, /tmp.
make_root() {
	local t=$1/ns
	# Only in the private mount namespace this script re-runs itself in:
	# never a mount the machine keeps.
	if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
		echo "make_root: not in a private mount namespace" >&2
		return 1
	fi
	mkdir -p "$t" || return 1
	mount -t tmpfs -o mode=0755 nsearch-deb-test "$t" || return 1
	mkdir "$t/upper" "$t/work" "$t/root"
	mount -t overlay overlay \
		-o "lowerdir=/,upperdir=$t/upper,workdir=$t/work" "$t/root" || return 1
	R=$t/root
	mount --bind /proc "$R/proc" && mount --rbind /dev "$R/dev" &&
		mount -t tmpfs -o mode=0755 tmpfs "$R/run" &&
		mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
}

# A machine that had nsearch already is made clean inside the overlay.
clean_slate() {
	if in_root dpkg-query -W nsearch >/dev/null 2>&1; then
		echo "# nsearch is installed on this machine: purged in the overlay first"
		in_root dpkg -P nsearch >/dev/null 2>&1
	fi
	if has_user; then
		echo "# the user nsearch exists on this machine: deleted in the overlay first"
		in_root userdel nsearch
	fi
	in_root groupdel nsearch-editors >/dev/null 2>&1
	in_root groupdel nsearch >/dev/null 2>&1
	rm -rf "$R/var/lib/nsearch" "$R/srv/nsearch" "$R/etc/nsearch"
}

# invoked LINE...: deb-systemd-invoke was asked each "UNIT ACTION".
invoked() {
	local line
	for line; do
		grep -qxF "$line" "$R/tmp/invoked" || { echo "not asked: $line"; return 1; }
	done
}

# policy-rc.d as deb-systemd-invoke asks it: say yes, and note the call.
log_invocations() {
	cat >"$R/usr/sbin/policy-rc.d" <<-'EOF'
		#!/bin/sh
		echo "$*" >>/tmp/invoked
		exit 0
	EOF
	chmod 755 "$R/usr/sbin/policy-rc.d"
	: >"$R/tmp/invoked"
}

# What "dpkg -i" must have put in place.
check_installed() {
	check "dpkg says it is installed" status_is "install ok installed"
	check "the programs, the units and the rest are in place" \
		all_exist "${PROGRAMS[@]}" "${UNITS[@]}" "${OTHERS[@]}" "$CONF"
	check "the user nsearch exists, at home in /var/lib/nsearch, no login" \
		root_sh "getent passwd nsearch |
			grep -Eq '^nsearch:x:[0-9]+:[0-9]+:.*:/var/lib/nsearch:/usr/sbin/nologin\$'"
	check "the groups nsearch and nsearch-editors exist" has_groups
	check "the service and the socket are enabled (deb-systemd-helper)" \
		all_exist "${WANTS[@]}"
	check "the conffile is the example with every option at its default" \
		cmp "$R$CONF" "$SRC/docs/examples/nsearchd.conf"
	check "dpkg knows $CONF as a conffile" \
		root_sh "dpkg-query -W -f='\${Conffiles}' nsearch | grep -q ' $CONF '"
	check "the articles tree is made: 2775 root:nsearch-editors" \
		test "$(in_root stat -c '%a %U %G' /srv/nsearch/articles 2>&1)" = \
			"2775 root nsearch-editors"
	check "nsearchd --version runs" \
		root_sh "nsearchd --version | grep -q '^nsearchd 0\\.1\\.0 '"
	check "nsearch-cli --version runs" \
		root_sh "nsearch-cli --version | grep -q '^nsearch-cli 0\\.1\\.0\$'"
	check "nsearchd --check-config accepts the conffile" \
		root_sh "nsearchd --check-config | head -n 1 | grep -qF '$CONF'"
}

# The installed daemon, as the user nsearch with the default paths and the
# conffile, indexes an article and answers the installed client.
check_daemon() {
	local pid
	mkdir -p "$R/srv/nsearch/articles/city"
	cat >"$R/srv/nsearch/articles/$ARTICLE" <<-'EOF'
		Harbour ferries run on the winter timetable

		PORTHAVEN - The island ferries switch to the winter timetable
		on Monday, with the last crossing of the day leaving at nine.
	EOF
	# What systemd does for StateDirectory= and RuntimeDirectory=.
	in_root install -d -o nsearch -g nsearch -m 0700 /var/lib/nsearch
	in_root install -d -o nsearch -g nsearch -m 0755 /run/nsearch
	# chroot, env and setpriv exec each other: $! is the daemon.
	chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin LC_ALL=C.UTF-8 \
		setpriv --reuid=nsearch --regid=nsearch --init-groups \
		/usr/sbin/nsearchd --socket "$SOCK" >"$WORK/daemon.log" 2>&1 &
	pid=$!
	# The client fails at once while the socket is not there yet.
	for _ in $(seq 1 120); do
		in_root timeout 30 nsearch-cli --socket "$SOCK" wait "$ARTICLE" \
			>/dev/null 2>&1 && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	check "the installed daemon indexes an article (nsearch-cli wait)" \
		in_root timeout 30 nsearch-cli --socket "$SOCK" wait "$ARTICLE"
	check "the installed client finds it" \
		root_sh "nsearch-cli --socket '$SOCK' search crossing | grep -qF '$ARTICLE'"
	check "the index is the user nsearch's, in /var/lib/nsearch/index" \
		test "$(in_root stat -c %U /var/lib/nsearch/index 2>&1)" = nsearch
	stop_daemon "$pid"
}

# stop_daemon PID: SIGTERM, and SIGKILL after a minute; it must exit 0.
stop_daemon() {
	local pid=$1 rc
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 120); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	if [ $rc -eq 0 ]; then ok "the daemon stops on SIGTERM with status 0"
	else notok "the daemon stops on SIGTERM with status 0 (status $rc)"
		sed 's/^/    /' "$WORK/daemon.log"; fi
}

# First round: no systemd at all, as in a chroot or a container.
round_without_systemd() {
	local deb=$1
	log_invocations
	dpkg_step "dpkg -i installs the package (no systemd running)" -i "/tmp/$deb"
	check_installed
	check "deb-systemd-invoke was not asked to start anything without systemd" \
		test ! -s "$R/tmp/invoked"
	check_daemon
	echo "; changed by the administrator" >>"$R$CONF"

	dpkg_step "dpkg -r removes the package" -r nsearch
	check "dpkg says only its configuration is left" \
		status_is "deinstall ok config-files"
	check "the programs and the units are gone" all_absent "${PROGRAMS[@]}" "${UNITS[@]}"
	check "the conffile is kept with the administrator's change" \
		grep -q '^; changed by the administrator$' "$R$CONF"
	check "the user and groups are kept" \
		root_sh "getent passwd nsearch && getent group nsearch-editors"
	check "the index is kept on remove" test -d "$R/var/lib/nsearch/index"

	dpkg_step "dpkg -P purges the package" -P nsearch
	check "dpkg no longer knows the package" \
		root_sh "! dpkg-query -W -f='\${Status}' nsearch 2>/dev/null | grep -q installed"
	check "the conffile and /etc/nsearch are gone" all_absent "$CONF" /etc/nsearch
	check "the state directory (the index) is gone" all_absent /var/lib/nsearch
	check "the enablement symlinks are gone" all_absent "${WANTS[@]}"
	check "the system user and groups are kept (Debian policy)" \
		root_sh "getent passwd nsearch && getent group nsearch-editors"
	check "an article in the tree is kept" test -f "$R/srv/nsearch/articles/$ARTICLE"
}

# Second round: /run/systemd/system exists, as in a chroot on a systemd
# machine, so the scripts call systemctl and deb-systemd-invoke, which
# cannot reach systemd and fail; the install, the upgrade and the purge
# must not.  policy-rc.d notes what deb-systemd-invoke was asked.
round_with_unreachable_systemd() {
	local deb=$1 upgrade=$2 uid
	uid=$(in_root id -u nsearch)
	rm -rf "$R/srv/nsearch/articles/city"
	mkdir -p "$R/run/systemd/system"
	log_invocations
	dpkg_step "dpkg -i installs again, systemd unreachable" -i "/tmp/$deb"
	check "deb-systemd-invoke was asked to start the service and the socket" \
		invoked 'nsearchd.service start' 'nsearchd.socket start'
	check "the kept user is reused (same uid)" \
		test "$(in_root id -u nsearch)" = "$uid"
	check "the conffile is the package's again after the purge" \
		cmp "$R$CONF" "$SRC/docs/examples/nsearchd.conf"

	echo "; changed by the administrator" >>"$R$CONF"
	: >"$R/tmp/invoked"
	dpkg_step "dpkg -i upgrades to a newer version, asking nothing" -i "/tmp/$upgrade"
	check "the upgrade restarts the service" \
		invoked 'nsearchd.service restart'
	check "the upgrade neither stops nor restarts the socket" \
		bash -c "! grep -E '^nsearchd.socket (stop|restart)' '$R/tmp/invoked'"
	check "the upgrade keeps the administrator's change to the conffile" \
		grep -q '^; changed by the administrator$' "$R$CONF"

	: >"$R/tmp/invoked"
	dpkg_step "dpkg -P purges the installed package, systemd unreachable" -P nsearch
	check "deb-systemd-invoke was asked to stop the service and the socket" \
		invoked 'nsearchd.service stop' 'nsearchd.socket stop'
	check "an empty articles tree is removed on purge" all_absent /srv/nsearch
	rmdir "$R/run/systemd/system"
}

in_namespace() {
	local deb=$1
	dpkg_log=$WORK/dpkg.log
	make_root "$WORK" || skip "cannot make an overlay over / in a mount namespace"
	cp "$WORK/$deb" "$WORK/$2" "$R/tmp/" || exit 1
	clean_slate
	round_without_systemd "$deb"
	round_with_unreachable_systemd "$deb" "$2"
	echo "$passed $failed" >"$WORK/ns.counts"
	[ "$failed" -eq 0 ]
}

if [ "${1:-}" = "--in-namespace" ]; then
	SRC=$2 WORK=$3
	in_namespace "$4" "$5"
	exit
fi

# ---------------------------------------------------------------------
# Outside: build, lintian, the namespace, and the machine afterwards.
# ---------------------------------------------------------------------
[ $# -eq 2 ] || { echo "usage: $0 SOURCE_ROOT WORK_DIR" >&2; exit 2; }
SRC=$(cd "$1" && pwd) || exit 1
WORK=$(realpath -m "$2")
# WORK is emptied first, so it must be this script's own: new, empty, or
# marked by an earlier run; never the root or a directory above the source.
case "$SRC/" in "${WORK%/}/"*)
	echo "WORK_DIR $WORK must not hold the source" >&2; exit 2 ;; esac
if [ -d "$WORK" ] && [ ! -e "$WORK/.check_deb" ] && [ -n "$(ls -A "$WORK")" ]; then
	echo "WORK_DIR $WORK is not empty and not made by $0" >&2
	exit 2
fi

[ "$(id -u)" -eq 0 ] || skip "needs root (a mount namespace, chroot, dpkg)"
for tool in dpkg-buildpackage dpkg-source dh lintian unshare chroot setpriv; do
	command -v "$tool" >/dev/null || skip "$tool is missing (apt-get install dpkg-dev debhelper lintian)"
done

# copy_source DIR: the files git knows (tracked or new, not ignored), or
# without git the tree less the build directories.
copy_source() {
	mkdir -p "$1"
	if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$SRC" && git ls-files -z -co --exclude-standard |
			tar --null -cf - -T -) | tar -xf - -C "$1"
	else
		(cd "$SRC" && tar --exclude='./build*' --exclude=./.git \
			--exclude='./obj-*' -cf - .) | tar -xf - -C "$1"
	fi
}

# What this machine has of nsearch; compared before and after.
host_state() {
	getent passwd nsearch || echo "no user nsearch"
	getent group nsearch || echo "no group nsearch"
	getent group nsearch-editors || echo "no group nsearch-editors"
	dpkg-query -W -f='${Status}\n' nsearch 2>/dev/null || echo "no package nsearch"
	local p
	for p in "${PROGRAMS[@]}" "${UNITS[@]}" "${WANTS[@]}" "$CONF" /etc/nsearch /var/lib/nsearch \
		/srv/nsearch /var/lib/dpkg/info/nsearch.list /run/nsearch; do
		if [ -e "$p" ] || [ -L "$p" ]; then echo "present: $p"; else echo "absent: $p"; fi
	done
}

build() {
	local version upstream start
	rm -rf "$WORK"
	if ! { mkdir -p "$WORK" && touch "$WORK/.check_deb" && copy_source "$WORK/src"; }; then
		notok "copy the source"
		return 1
	fi
	version=$(cd "$WORK/src" && dpkg-parsechangelog -S Version)
	upstream=${version%-*}
	start=$(now)
	# The source package: the upstream tarball is the tree less debian/.
	tar -C "$WORK/src" --exclude=./debian -cJf "$WORK/nsearch_$upstream.orig.tar.xz" . &&
	(cd "$WORK" && dpkg-source -b src) >"$WORK/source.log" 2>&1
	check "dpkg-source builds the source package" test -f "$WORK/nsearch_$version.dsc"
	(cd "$WORK/src" && dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1
	local rc=$?
	deb=nsearch_${version}_$(dpkg --print-architecture).deb
	if [ $rc -eq 0 ] && [ -f "$WORK/$deb" ]; then
		ok "dpkg-buildpackage -us -uc -b builds $deb ($(($(now) - start)) s)"
	else
		notok "dpkg-buildpackage -us -uc -b (exit $rc); the end of its log:"
		tail -n 40 "$WORK/build.log" | sed 's/^/    /'
		return 1
	fi
	changes=nsearch_${version}_$(dpkg --print-architecture).changes
	dsc=nsearch_$version.dsc
	make_upgrade
}

# The same package with a higher version, for an upgrade in place.
make_upgrade() {
	local dir=$WORK/upgrade
	upgrade=nsearch_${version}+upgrade_$(dpkg --print-architecture).deb
	dpkg-deb -R "$WORK/$deb" "$dir" &&
		sed -i "s/^Version: .*/Version: $version+upgrade/" "$dir/DEBIAN/control" &&
		dpkg-deb -b "$dir" "$WORK/$upgrade" >/dev/null && rm -rf "$dir"
	check "a newer version is made for the upgrade ($upgrade)" test -f "$WORK/$upgrade"
}

# Errors and warnings fail; the information tags and the overridden
# warnings (each with its reason in debian/*lintian-overrides) are shown.
run_lintian() {
	local start rc
	start=$(now)
	(cd "$WORK" && lintian --allow-root --display-info --show-overrides \
		--color never "$changes" "$dsc") >"$WORK/lintian.log" 2>&1
	rc=$?
	sed 's/^/    /' "$WORK/lintian.log"
	if [ $rc -ne 0 ]; then
		notok "lintian did not run through (exit $rc)"
	elif grep -q '^[EW]: ' "$WORK/lintian.log"; then
		notok "lintian found errors or warnings"
	else
		ok "lintian: no error, no warning ($(($(now) - start)) s)"
	fi
}

total=$(now)
echo "# building in $WORK"
build || { echo "$passed passed, $failed failed"; exit 1; }
run_lintian

before=$(host_state)
start=$(now)
rm -f "$WORK/ns.counts"
unshare --mount --propagation private -- bash "$0" --in-namespace "$SRC" "$WORK" "$deb" "$upgrade"
rc=$?
if [ $rc -eq 77 ]; then
	echo "# the install test was skipped: no overlay over / here"
	[ "$failed" -eq 0 ] && exit 77
elif read -r p f <"$WORK/ns.counts"; then
	passed=$((passed + p)) failed=$((failed + f))
	echo "# install, use, remove and purge: $(($(now) - start)) s"
else
	notok "the test in the namespace stopped half-way (exit $rc)"
fi

after=$(host_state)
check "nothing of nsearch leaked onto this machine" \
	diff <(echo "$before") <(echo "$after")
check "no mount is left under $WORK" \
	bash -c "! grep -qF ' $WORK/' /proc/self/mountinfo"
check "the namespace's tmpfs left nothing behind" \
	bash -c "[ -z \"\$(ls -A '$WORK/ns')\" ]"
echo "$before" | grep -q '^no user nsearch$' &&
	check "this machine has no user nsearch" bash -c "! getent passwd nsearch"

# The source copy and its build tree are large; the packages and logs stay.
[ "$failed" -eq 0 ] && rm -rf "$WORK/src" "$WORK/ns"
echo "# total $(($(now) - total)) s; the package and the logs are in $WORK"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
