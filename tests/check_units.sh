#!/bin/sh
# check_units.sh SERVICE SOCKET SYSUSERS TMPFILES HTTPSOCKET - the systemd side of
# the install, checked with systemd's own tools: "systemd-analyze verify"
# has nothing to say about the units, "systemd-analyze security" rates the
# service OK or better, and the sysusers and tmpfiles snippets create the
# user and the directories (in a scratch root, not on this machine).
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
status=0
# verify wants the units under their real names.
cp "$1" "$dir/nsearchd.service" && cp "$2" "$dir/nsearchd.socket" &&
	cp "$5" "$dir/nsearchd-http.socket" || exit 1

# --man=no: the manual pages are not where man looks until installed.
out=$(systemd-analyze verify --man=no "$dir/nsearchd.socket" \
	"$dir/nsearchd-http.socket" "$dir/nsearchd.service" 2>&1)
rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
	echo "systemd-analyze verify is not clean (exit $rc):"
	echo "$out"
	status=1
else
	echo "systemd-analyze verify: clean"
fi

rating=$(systemd-analyze security --offline=true "$dir/nsearchd.service" \
	2>&1 | tail -n 1)
echo "$rating"
case "$rating" in
*"exposure level for nsearchd.service: "*" OK "* | \
*"exposure level for nsearchd.service: "*" SAFE "*) ;;
*) echo "the service is rated worse than OK"; status=1 ;;
esac

# The index holds every article's text: private to the daemon's user.
if grep -q '^UMask=0077$' "$1" && grep -q '^StateDirectoryMode=0700$' "$1"; then
	echo "service: UMask=0077 and StateDirectoryMode=0700"
else
	echo "service: the state directory and the files made must be private" \
		"(UMask=0077, StateDirectoryMode=0700)"
	status=1
fi

# The HTTP socket: loopback, named for nsearchd, activating the service.
h="$dir/nsearchd-http.socket"
if grep -q '^ListenStream=127\.0\.0\.1:[0-9]*$' "$h" &&
	grep -q '^FileDescriptorName=http$' "$h" &&
	grep -q '^Service=nsearchd.service$' "$h"; then
	echo "http socket: loopback, FileDescriptorName=http, for nsearchd.service"
else
	echo "http socket: must listen on loopback, be named http and start" \
		"nsearchd.service"
	status=1
fi

mkdir -p "$dir/root/etc"
if systemd-sysusers --root="$dir/root" "$3" >/dev/null 2>&1 &&
	grep -q '^nsearch:x:[0-9]*:[0-9]*:.*:/var/lib/nsearch:' \
		"$dir/root/etc/passwd" &&
	grep -q '^nsearch:x:' "$dir/root/etc/group" &&
	grep -q '^nsearch-editors:x:' "$dir/root/etc/group"; then
	echo "sysusers: creates the user and group nsearch, and nsearch-editors"
else
	echo "sysusers: the snippet does not create the user nsearch"
	status=1
fi
if systemd-tmpfiles --root="$dir/root" --create "$4" >/dev/null 2>&1 &&
	[ -d "$dir/root/srv/nsearch/articles" ] &&
	[ "$(stat -c %a "$dir/root/srv/nsearch/articles")" = 2775 ] &&
	[ "$(stat -c %g "$dir/root/srv/nsearch/articles")" = \
	  "$(grep '^nsearch-editors:' "$dir/root/etc/group" | cut -d: -f3)" ]; then
	echo "tmpfiles: creates /srv/nsearch/articles, 2775 for nsearch-editors"
else
	echo "tmpfiles: the snippet does not create /srv/nsearch/articles"
	status=1
fi
exit $status
