/* metrics.h - the daemon's counters for GET /metrics (Prometheus text
 * format): search latency per operation, errors per code, requests per
 * protocol.  Counting is lock-free (atomics), from any thread; the
 * figures the daemon already keeps elsewhere (the writer's, the
 * connections) are given to ns_metrics_render() when it is asked. */
#ifndef NS_METRICS_H
#define NS_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/proto.h"
#include "core/proto_replica.h"
#include "core/util.h"

/* Where a request came in: the NDJSON socket or HTTP. */
typedef enum { NS_PROTO_NDJSON, NS_PROTO_HTTP, NS_PROTO_COUNT } ns_wire_t;

/* A request OP was answered SECONDS after it was taken (search, similar,
 * get, stats: what goes to the query workers). */
void ns_metrics_observe(ns_wire_t wire, ns_op_t op, double seconds);

/* An error reply with CODE (one of NS_E_*, or an HTTP-only code). */
void ns_metrics_error(ns_wire_t wire, const char *code);

/* The percentiles of the last searches over every protocol, in ms, as
 * status shows them; SEARCHES gets how many were answered. */
void ns_metrics_percentiles(double *p50, double *p95, double *p99,
                            uint64_t *searches);

/* What the rest of the daemon knows, for one rendering. */
typedef struct {
	uint64_t documents, skipped, partial;
	NS_INDEXER_COUNTERS(NS_COUNTER_FIELD) /* nsearch/status.h */
	uint64_t commits;
	double commit_seconds;
	bool commit_failing;
	bool ready;
	double freshness_lag_s;   /* see docs/http.md */
	uint64_t index_bytes;
	uint64_t rss_bytes;
	unsigned connections[NS_PROTO_COUNT];
	uint64_t revision;
	double uptime_s;
	uint64_t published, unpublished;  /* PUT and DELETE that worked */
	ns_replication_status_t replication; /* role NONE: no figures */
	/* A front's (status.h; shards 0 elsewhere: no figures). */
	uint64_t shards, shards_down, shard_losses, partial_answers;
} ns_metrics_state_t;

/* The whole exposition into OUT (appended). */
ns_status_t ns_metrics_render(const ns_metrics_state_t *st, ns_buf_t *out);

/* Resident memory of this process in bytes (0 if unknown). */
uint64_t ns_metrics_rss(void);
/* Bytes of the regular files directly in DIR (an index's tables). */
uint64_t ns_metrics_dir_bytes(const char *dir);

#endif
