/* metrics.c - counters and latency histograms kept with atomics, so that
 * the loop thread and the query workers count without a lock, and their
 * rendering in Prometheus' text format (version 0.0.4). */
#include "daemon/metrics.h"

#include "core/proto_replica.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Upper bounds of the latency buckets, in seconds. */
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};
#define NBOUNDS (sizeof bounds / sizeof bounds[0])
#define NOPS (NS_OP_BACKUP + 1)
/* Searches whose latency status' percentiles come from, a ring. */
#define RING 1000

static const char *const codes[] = {
	NS_E_BAD_JSON,
	NS_E_BAD_REQUEST,
	NS_E_UNKNOWN_OP,
	NS_E_BAD_QUERY,
	NS_E_LINE_TOO_LONG,
	NS_E_UNAVAILABLE,
	NS_E_TIMEOUT,
	NS_E_NOT_FOUND,
	NS_E_TOO_BROAD,
	NS_E_BUSY,
	NS_E_FAILED,
	NS_E_FORBIDDEN,
	NS_E_INTERNAL,
	NS_E_UNAUTHORIZED,
	NS_E_TOO_MANY_CONNECTIONS,
	NS_E_SLOW_CLIENT,
	NS_E_IDLE_TIMEOUT,
	"TOO_LARGE",
	"PRECONDITION_FAILED",
	"CONFLICT",
	"METHOD_NOT_ALLOWED",
	"BAD_PATH",
	NS_E_STALE,
	NS_E_READ_ONLY_REPLICA,
	NS_E_READ_ONLY_FRONT,
	"OTHER",
};
#define NCODES (sizeof codes / sizeof codes[0])

static const char *const wires[NS_PROTO_COUNT] = {"ndjson", "http"};

static struct {
	_Atomic uint64_t bucket[NS_PROTO_COUNT][NOPS][NBOUNDS + 1];
	_Atomic uint64_t sum_us[NS_PROTO_COUNT][NOPS];
	_Atomic uint64_t errors[NS_PROTO_COUNT][NCODES];
	_Atomic uint32_t ring_us[RING];
	_Atomic uint64_t searches;
} M;

void ns_metrics_observe(ns_wire_t wire, ns_op_t op, double seconds)
{
	if ((unsigned)wire >= NS_PROTO_COUNT || (unsigned)op >= NOPS)
		return;
	size_t b = 0;
	while (b < NBOUNDS && seconds > bounds[b])
		b++;
	atomic_fetch_add_explicit(&M.bucket[wire][op][b], 1,
	                          memory_order_relaxed);
	uint64_t us = (uint64_t)(seconds * 1e6 + 0.5);
	atomic_fetch_add_explicit(&M.sum_us[wire][op], us, memory_order_relaxed);
	if (op == NS_OP_SEARCH || op == NS_OP_SIMILAR) {
		uint64_t n = atomic_fetch_add_explicit(&M.searches, 1,
		                                       memory_order_relaxed);
		atomic_store_explicit(&M.ring_us[n % RING],
		                      us > UINT32_MAX ? UINT32_MAX : (uint32_t)us,
		                      memory_order_relaxed);
	}
}

void ns_metrics_error(ns_wire_t wire, const char *code)
{
	if ((unsigned)wire >= NS_PROTO_COUNT || !code)
		return;
	size_t i = 0;
	while (i < NCODES - 1 && strcmp(codes[i], code) != 0)
		i++;
	atomic_fetch_add_explicit(&M.errors[wire][i], 1, memory_order_relaxed);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

void ns_metrics_percentiles(double *p50, double *p95, double *p99,
                            uint64_t *searches)
{
	uint64_t total = atomic_load(&M.searches);
	size_t n = total < RING ? (size_t)total : RING;
	uint32_t v[RING];
	for (size_t i = 0; i < n; i++)
		v[i] = atomic_load_explicit(&M.ring_us[i], memory_order_relaxed);
	qsort(v, n, sizeof *v, cmp_u32);
	double *out[3] = {p50, p95, p99};
	static const double at[3] = {0.50, 0.95, 0.99};
	for (int i = 0; i < 3; i++) {
		size_t k = (size_t)(at[i] * (double)n + 0.999999);
		*out[i] = n ? (double)v[(k ? k : 1) - 1] / 1000.0 : 0;
	}
	if (searches)
		*searches = total;
}

/* # HELP and # TYPE of one metric. */
static void head(ns_buf_t *b, const char *name, const char *type,
                 const char *help)
{
	ns_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void gauge(ns_buf_t *b, const char *name, const char *help, double v)
{
	head(b, name, "gauge", help);
	ns_buf_printf(b, "%s %.12g\n", name, v);
}

static void counter(ns_buf_t *b, const char *name, const char *help,
                    double v)
{
	head(b, name, "counter", help);
	ns_buf_printf(b, "%s %.12g\n", name, v);
}

static void render_latency(ns_buf_t *b)
{
	const char *name = "nsearch_request_duration_seconds";
	head(b, name, "histogram", "Time from taking a request to its reply, "
	     "per protocol and operation (queueing for a worker included).");
	for (int w = 0; w < NS_PROTO_COUNT; w++)
		for (int op = 0; op < (int)NOPS; op++) {
			uint64_t cum = 0, n[NBOUNDS + 1];
			for (size_t k = 0; k <= NBOUNDS; k++)
				cum += n[k] = atomic_load(&M.bucket[w][op][k]);
			if (!cum)
				continue;
			const char *o = ns_proto_op_name((ns_op_t)op);
			uint64_t run = 0;
			for (size_t k = 0; k < NBOUNDS; k++) {
				run += n[k];
				ns_buf_printf(b, "%s_bucket{protocol=\"%s\",op=\"%s\","
				              "le=\"%g\"} %llu\n", name, wires[w], o,
				              bounds[k], (unsigned long long)run);
			}
			ns_buf_printf(b, "%s_bucket{protocol=\"%s\",op=\"%s\",le=\"+Inf\"}"
			              " %llu\n", name, wires[w], o,
			              (unsigned long long)cum);
			ns_buf_printf(b, "%s_sum{protocol=\"%s\",op=\"%s\"} %.6f\n", name,
			              wires[w], o,
			              (double)atomic_load(&M.sum_us[w][op]) / 1e6);
			ns_buf_printf(b, "%s_count{protocol=\"%s\",op=\"%s\"} %llu\n",
			              name, wires[w], o, (unsigned long long)cum);
		}
}

static void render_errors(ns_buf_t *b)
{
	const char *name = "nsearch_errors_total";
	head(b, name, "counter", "Error replies, per protocol and error code.");
	for (int w = 0; w < NS_PROTO_COUNT; w++)
		for (size_t i = 0; i < NCODES; i++) {
			uint64_t n = atomic_load(&M.errors[w][i]);
			if (n || (w == NS_PROTO_HTTP && i == 0))
				ns_buf_printf(b, "%s{protocol=\"%s\",code=\"%s\"} %llu\n",
				              name, wires[w], codes[i],
				              (unsigned long long)n);
		}
}

/* A primary's server, a replica's lag (docs/scaling.md). */
static void render_replication(ns_buf_t *b, const ns_replication_status_t *r)
{
	if (r->role == NS_REPL_PRIMARY) {
		gauge(b, "nsearch_replication_serving", "1 while xapian-replicate-"
		      "server serves the index to replicas.", r->serving);
		counter(b, "nsearch_replication_restarts_total", "Times the "
		        "replication server had to be started again.",
		        (double)r->restarts);
	}
	if (r->role != NS_REPL_REPLICA)
		return;
	gauge(b, "nsearch_replica_lag_seconds", "Seconds since the start of "
	      "the last round that brought the copy level with the primary: the "
	      "most it may lack.", r->behind_s);
	gauge(b, "nsearch_replica_behind_revisions", "Revisions the last round "
	      "found the copy behind the primary.", (double)r->behind_revisions);
	gauge(b, "nsearch_replica_primary_reachable", "1 while the last round "
	      "reached the primary.", r->connected);
	gauge(b, "nsearch_replica_synced", "1 once the replica holds a copy.",
	      r->synced);
	counter(b, "nsearch_replica_rounds_total", "Rounds of replication "
	        "since start.", (double)r->rounds);
	counter(b, "nsearch_replica_failures_total", "Rounds that failed.",
	        (double)r->failures);
	counter(b, "nsearch_replica_full_copies_total", "Whole copies of the "
	        "primary's index taken since start.", (double)r->full_copies);
}

/* A front's shards (docs/scaling.md), as status counts them. */
static void render_shards(ns_buf_t *b, const ns_metrics_state_t *s)
{
	if (!s->shards)
		return;
	gauge(b, "nsearch_shards", "Shards this front searches as one.",
	      (double)s->shards);
	gauge(b, "nsearch_shards_down",
	      "Shards not answering now (tried again every second).",
	      (double)s->shards_down);
	counter(b, "nsearch_shard_losses_total",
	        "Times a shard stopped answering, since start.",
	        (double)s->shard_losses);
	counter(b, "nsearch_partial_answers_total",
	        "Searches answered without some shard, since start.",
	        (double)s->partial_answers);
}

ns_status_t ns_metrics_render(const ns_metrics_state_t *s, ns_buf_t *out)
{
	ns_buf_t *b = out;
	gauge(b, "nsearch_up", "1 while the daemon answers.", 1);
	gauge(b, "nsearch_ready", "1 once the start-up reconciliation is "
	      "committed.", s->ready);
	gauge(b, "nsearch_documents", "Articles in the index.",
	      (double)s->documents);
	gauge(b, "nsearch_index_revision", "The last committed revision.",
	      (double)s->revision);
	gauge(b, "nsearch_queue_files", "Files waiting for the writer.",
	      (double)s->queued);
	counter(b, "nsearch_indexed_total", "Files written to the index since "
	        "start.", (double)s->indexed);
	counter(b, "nsearch_unchanged_total", "Files a scan found unchanged "
	        "(not read) since start.", (double)s->unchanged);
	counter(b, "nsearch_same_content_total", "Files read again with the "
	        "bytes indexed since start.", (double)s->same_content);
	counter(b, "nsearch_removed_total", "Documents deleted since start.",
	        (double)s->removed);
	counter(b, "nsearch_failed_total", "Attempts to index a file that did "
	        "not end in the index, since start.", (double)s->failed);
	gauge(b, "nsearch_skipped_files", "Files on disk not in the index now.",
	      (double)s->skipped);
	gauge(b, "nsearch_partial_files", "Files indexed without some of their "
	      "parts.", (double)s->partial);
	counter(b, "nsearch_commits_total", "Commits since start.",
	        (double)s->commits);
	counter(b, "nsearch_commit_seconds_total", "Time the commits since "
	        "start took.", s->commit_seconds);
	gauge(b, "nsearch_commit_failing", "1 while commits fail (the index "
	      "cannot be written); retried every second.", s->commit_failing);
	gauge(b, "nsearch_freshness_lag_seconds", "While files wait for the "
	      "writer: seconds since the last commit; 0 when none waits.",
	      s->freshness_lag_s);
	gauge(b, "nsearch_index_bytes", "Size of the index's files.",
	      (double)s->index_bytes);
	gauge(b, "nsearch_resident_memory_bytes", "Resident memory of the "
	      "daemon.", (double)s->rss_bytes);
	gauge(b, "nsearch_uptime_seconds", "Seconds since the daemon started.",
	      s->uptime_s);
	counter(b, "nsearch_published_total", "Articles written with PUT.",
	        (double)s->published);
	counter(b, "nsearch_unpublished_total", "Articles removed with DELETE.",
	        (double)s->unpublished);
	head(b, "nsearch_connections", "gauge", "Client connections open now.");
	for (int w = 0; w < NS_PROTO_COUNT; w++)
		ns_buf_printf(b, "nsearch_connections{protocol=\"%s\"} %u\n",
		              wires[w], s->connections[w]);
	render_replication(b, &s->replication);
	render_shards(b, s);
	render_latency(b);
	render_errors(b);
	return ns_buf_append(b, "", 0);
}

uint64_t ns_metrics_rss(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	unsigned long long size = 0, resident = 0;
	if (!f)
		return 0;
	int n = fscanf(f, "%llu %llu", &size, &resident);
	fclose(f);
	return n == 2 ? resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

uint64_t ns_metrics_dir_bytes(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	uint64_t total = 0;
	struct dirent *e;
	struct stat st;
	while ((e = readdir(d)))
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
	closedir(d);
	return total;
}
