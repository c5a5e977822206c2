#!/usr/bin/env bash
# topology.sh - the whole scaling topology of docs/scaling.md on one
# machine, over loopback, under a temporary directory: a primary nsearchd
# serving replication, two read replicas, the primary's index split into
# two shards each served by xapian-tcpsrv, and a front over them.  Prints
# how to query each, then runs until Ctrl-C (or, with --check, asks each
# the same search, checks the answers and stops).  Everything it started
# is stopped on exit, and the directory removed (unless --keep).
#
# usage: tests/bench/topology.sh [--build DIR] [--tree DIR] [--query Q]
#                                [--local-shards] [--check] [--keep]
#
#   --build DIR     the meson build directory (default: build)
#   --tree DIR      the articles, copied (default: tests/sample-tree)
#   --query Q       the search --check compares (default: harbour)
#   --local-shards  the front reads the shards' directories, not
#                   xapian-tcpsrv (which still runs)
#   --check         check the answers, then stop (exit 0 when all agree)
#   --keep          leave the temporary directory
#
# Needs xapian-tools (xapian-tcpsrv, xapian-replicate*), python3 (to find
# free ports) and curl for the HTTP lines it prints.  Never writes inside
# the repository; binds loopback only.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
build=$here/build
tree=$here/tests/sample-tree
query=harbour
local_shards=0
check=0
keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$(cd "$2" && pwd); shift 2 ;;
	--tree) tree=$(cd "$2" && pwd); shift 2 ;;
	--query) query=$2; shift 2 ;;
	--local-shards) local_shards=1; shift ;;
	--check) check=1; shift ;;
	--keep) keep=1; shift ;;
	-h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "topology.sh: unknown argument $1 (--help)" >&2; exit 2 ;;
	esac
done

nsearchd=$build/src/nsearchd
cli=$build/src/nsearch-cli
for tool in "$nsearchd" "$cli"; do
	[ -x "$tool" ] || { echo "topology.sh: no $tool (meson compile -C $build)" >&2; exit 2; }
done
if ! command -v xapian-tcpsrv >/dev/null || ! command -v xapian-replicate >/dev/null; then
	echo "topology.sh: xapian-tcpsrv and xapian-replicate are needed (Debian package xapian-tools)" >&2
	exit 77
fi
# No system-wide configuration: every option is on the command line.
export NSEARCH_CONFIG=/dev/null

d=$(mktemp -d "${TMPDIR:-/tmp}/nsearch-topology.XXXXXX")
pids=() # what this script started, stopped last first

stop_all() {
	local rc=$?
	trap - EXIT INT TERM
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		# Each runs in its own process group (setsid): xapian-tcpsrv's
		# forked children go with it.
		kill -TERM -- "-${pids[i]}" 2>/dev/null || true
		wait "${pids[i]}" 2>/dev/null || true
	done
	if [ "$keep" = 1 ]; then
		echo "kept $d"
	else
		rm -rf "$d"
	fi
	exit "$rc"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A TCP port nobody listens on now (bound, then closed: xapian-tcpsrv
# and the replication server take no port 0).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Start CMD... in its own process group, output into the log NAME.
start() {
	local name=$1
	shift
	setsid "$@" >"$d/$name.log" 2>&1 &
	pids+=($!)
}

# Wait until nsearch-cli status says SOCK's daemon is ready (exit 0).
wait_ready() {
	local name=$1 sock=$2
	for _ in $(seq 600); do
		if "$cli" --socket "$sock" status >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	echo "topology.sh: $name not ready within 60 s; its log:" >&2
	tail -n 20 "$d/$name.log" >&2
	exit 1
}

# Wait until LOG says WHAT.
wait_log() {
	for _ in $(seq 300); do
		grep -q "$2" "$d/$1.log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "topology.sh: $1 did not say \"$2\" within 30 s; its log:" >&2
	tail -n 20 "$d/$1.log" >&2
	exit 1
}

cp -r "$tree" "$d/articles"
repl=$(free_port)

# The primary: watches the tree, writes the index, serves replication.
start primary "$nsearchd" --articles "$d/articles" --index "$d/primary/index" \
	--socket "$d/primary.sock" --http-socket "$d/primary.http" \
	--replication-listen "127.0.0.1:$repl"
wait_ready primary "$d/primary.sock"

# Two read replicas, each with its own copy.
for r in 1 2; do
	start "replica$r" "$nsearchd" --replica-of "127.0.0.1:$repl" \
		--index "$d/replica$r/index" --socket "$d/replica$r.sock" \
		--http-socket "$d/replica$r.http" --replica-interval-ms 500
done
wait_ready replica1 "$d/replica1.sock"
wait_ready replica2 "$d/replica2.sock"

# The primary's index cut by top-level folder into two shards (new
# databases: the primary goes on writing its own).
"$nsearchd" --index "$d/primary/index" --split-index 2 "$d/shards" >"$d/split.log"
sed 's/^/  /' "$d/split.log"

# Each shard served read-only by xapian-tcpsrv on loopback.
ports=()
for k in 1 2; do
	port=$(free_port)
	ports+=("$port")
	start "tcpsrv$k" xapian-tcpsrv --port "$port" --interface 127.0.0.1 \
		--idle-timeout 0 "$d/shards/shard-$k"
	wait_log "tcpsrv$k" Listening
done

# The front: searches both shards as one.
start_front() {
	front_over=$1
	start front "$nsearchd" --shard "$1" --socket "$d/front.sock" \
		--http-socket "$d/front.http"
	wait_ready front "$d/front.sock"
}
remote="127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}"
local_paths="$d/shards/shard-1,$d/shards/shard-2"
if [ "$local_shards" = 1 ]; then
	start_front "$local_paths"
else
	start_front "$remote"
	reply=$("$cli" --socket "$d/front.sock" --json search "$query" 2>&1 || true)
	if grep -q "not supported" <<<"$reply"; then
		# A shim whose search is not remote-safe yet (its own posting
		# sources cannot be sent to a shard): the same shards, read
		# from their directories.
		echo "note: this build cannot search remote shards ($(grep -o '[A-Za-z]*Error: [^"]*' <<<"$reply" | head -n 1));"
		echo "      the front reads the shards' directories instead (xapian-tcpsrv still runs)"
		kill -TERM -- "-${pids[-1]}"
		wait "${pids[-1]}" 2>/dev/null || true
		unset 'pids[-1]'
		rm -f "$d/front.sock" "$d/front.http"
		start_front "$local_paths"
	fi
fi

cat <<EOF

nsearch topology under $d (loopback only):
  primary   $d/primary.sock  (articles $d/articles; replication on 127.0.0.1:$repl)
  replica 1 $d/replica1.sock
  replica 2 $d/replica2.sock
  shard 1   xapian-tcpsrv 127.0.0.1:${ports[0]} ($d/shards/shard-1)
  shard 2   xapian-tcpsrv 127.0.0.1:${ports[1]} ($d/shards/shard-2)
  front     $d/front.sock   (over $front_over)

Ask each (NDJSON socket, or HTTP on the .http socket beside it):
  $cli --socket $d/primary.sock search $query
  $cli --socket $d/replica1.sock search $query
  $cli --socket $d/replica2.sock status
  $cli --socket $d/front.sock search $query
  curl -s --unix-socket $d/front.http 'http://nsearch/search?q=$query'
  curl -s --unix-socket $d/front.http http://nsearch/metrics | grep nsearch_shard
Write to the primary's tree (the replicas follow; the shards are a copy
taken now):
  printf '# Title\n\nText.\n' > $d/articles/new.md
Logs: $d/*.log
EOF

# The total of SOCK's answer to the query, and its "shards" if any.
answer() {
	"$cli" --socket "$1" --json search "$query" | python3 -c '
import json, sys
r = json.load(sys.stdin)
s = r.get("shards")
print(r["total"], "%d/%d" % (s["answered"], s["total"]) if s else "-")'
}

if [ "$check" = 1 ]; then
	echo
	fail=0
	want=$(answer "$d/primary.sock" | cut -d' ' -f1)
	for who in primary replica1 replica2 front; do
		got=$(answer "$d/$who.sock")
		echo "check: $who answers \"$query\": total ${got% *}, shards ${got#* }"
		[ "${got% *}" = "$want" ] || fail=1
	done
	[ "$(answer "$d/front.sock" | cut -d' ' -f2)" = 2/2 ] || fail=1
	if [ "$fail" = 0 ]; then
		echo "check: all agree, the front answered from 2/2 shards"
	else
		echo "check: FAILED" >&2
	fi
	exit "$fail"
fi

echo
echo "Running; Ctrl-C stops everything."
wait
