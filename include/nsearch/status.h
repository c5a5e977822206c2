/* status.h - the daemon's status as C data, and the one list of its
 * counters: what the writer counts, the status reply carries and
 * nsearch-cli prints.  Types only. */
#ifndef NS_STATUS_H
#define NS_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/problems.h"

/* The counters, X(name, label, help).  Each makes a uint64_t NAME in
 * ns_daemon_status_t (the indexer's also in ns_indexer_stats_t), the key
 * "NAME" of the status reply (docs/protocol.md: the key is the field's
 * name, so the two cannot drift), and a line "LABEL: N HELP" of
 * nsearch-cli status.  Adding a counter is one line here, plus the code
 * that counts it and a line in docs/protocol.md.  The order is the
 * reply's and the CLI's. */

/* Counted by the writer (daemon/index.h), since start unless said. */
/* clang-format off */
#define NS_INDEXER_COUNTERS(X) \
	X(queued, "queued", "")               /* paths waiting, now */ \
	X(indexed, "indexed", "since start")  /* files written */ \
	X(unchanged, "unchanged", "since start (a stat showed them unchanged)") \
	X(same_content, "same", "since start (read again, same content)") \
	X(removed, "removed", "since start")  /* documents deleted */ \
	X(failed, "failed", "since start")    /* files that could not be indexed */ \
	X(compactions, "compactions", "since start, after bulk loads")
/* clang-format on */

/* Counted elsewhere in the daemon: the problems list and the watcher. */
#define NS_DAEMON_COUNTERS(X) \
	X(skipped, "skipped", "files not indexed (nsearch-cli problems)") \
	X(partial, "partial", "files indexed in part") \
	X(overflows, "overflows", "rescans after lost inotify events") \
	X(unwatched, "unwatched", "directories over the inotify watch limit") \
	X(shards, "shards", "searched as one (a front; 0 elsewhere)") \
	X(shards_down, "shards down", "not answering now") \
	X(shard_losses, "shard losses", \
	  "since start (a shard stopped answering)") \
	X(partial_answers, "partial answers", \
	  "since start (searches answered " \
	  "without some shard)")

#define NS_STATUS_COUNTERS(X) NS_INDEXER_COUNTERS(X) NS_DAEMON_COUNTERS(X)

/* A counter as a struct field. */
#define NS_COUNTER_FIELD(name, label, help) uint64_t name;

/* What "status" tells: the daemon fills it (server.h's status handler),
 * the protocol encodes and parses it, nsearch-cli prints it. */
typedef struct {
	uint64_t revision;
	uint64_t documents;
	NS_STATUS_COUNTERS(NS_COUNTER_FIELD)
	bool ready;              /* the start-up scan has been indexed, and the
	                            index can be written */
	bool writable;           /* the index can be written now */
	char index_error[300];   /* why not ("" when it can) */
	int64_t index_error_since; /* Unix ms (0 when writable) */
	unsigned index_retries;  /* attempts to write since */
	int64_t index_next_retry; /* Unix ms of the next (0 when writable) */
	uint64_t unwritten;      /* changes to apply again when it can */
	uint64_t rebuilds;       /* damaged indexes moved aside since start */
	char rebuild_reason[300];
	char rebuild_moved_to[1024];
	int64_t rebuilt_at;      /* Unix ms of the last (0: none) */
	uint64_t read_retries;   /* files whose read is retried (EMFILE...) */
	double uptime_s;
	int64_t last_commit;     /* Unix ms of the last commit since start; 0 */
	uint64_t scanned;        /* files the start-up scan found */
	double reconcile_s;      /* start to ready (so far, when not ready) */
	unsigned connections;    /* open now */
	uint64_t searches;       /* answered since start */
	double latency_p50_ms, latency_p95_ms, latency_p99_ms; /* of the last
	                            1000 searches, queueing included */
	ns_problem_t *problems;  /* the newest problems, with reasons: owned by
	                            whoever filled the status */
	size_t nproblems;
	/* Maintenance: the operation queued or running ("" for none) ... */
	char op[16];
	char op_target[1024];
	bool op_running;
	uint64_t op_done, op_total;  /* files, or tables */
	int64_t op_started;          /* Unix ms */
	/* ... and the last one finished ("" for none). */
	char last_op[16];
	bool last_op_ok;
	char last_op_message[512];
	int64_t last_op_finished;    /* Unix ms */
	/* The articles directory: gone (deleted, renamed) and why, since. */
	bool root_gone;
	char root_reason[160];
	int64_t root_gone_since;     /* Unix ms */
} ns_daemon_status_t;

#endif
