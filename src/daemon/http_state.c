/* http_state.c - the HTTP routes the loop answers itself from the
 * daemon's state: /status, /queries, /health and /metrics.  Loop thread
 * only; never waits for a worker or the writer. */
#include "daemon/http_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/metrics.h"

void ns_http_status_route(ns_http_t *s, h2o_req_t *req)
{
	ns_daemon_status_t st = { 0 };
	s->o.h.status(s->o.h.ctx, &st);
	st.connections =
	        ns_http_connections(s) +
	        (s->o.ndjson_connections ? s->o.ndjson_connections(s->o.h.ctx)
	                                 : 0);
	ns_metrics_percentiles(&st.latency_p50_ms, &st.latency_p95_ms,
	                       &st.latency_p99_ms, &st.searches);
	char *line = ns_proto_status_reply(NULL, &st);
	ns_problems_list_free(st.problems, st.nproblems);
	ns_replication_status_t rep = { 0 };
	if (s->o.h.replication)
		s->o.h.replication(s->o.h.ctx, &rep);
	json_t *o = ns_proto_replication_json(&rep);
	if (o)
		line = ns_proto_splice(line, "replication", o);
	ns_http_send_line(s, req, R_STATUS, line, NULL, NULL);
}

/* What people searched for (the "queries" request): on the loop, from
 * the query log's table. */
void ns_http_queries_route(ns_http_t *s, h2o_req_t *req, const char *qs,
                           size_t qlen)
{
	const char *why = NULL;
	json_t *o = ns_http_query_to_json(qs, qlen, "queries", &why);
	ns_request_t r;
	if (!o) {
		ns_http_send_error(s, req, NS_E_BAD_REQUEST, why);
		return;
	}
	if (!ns_http_decode(s, req, o, &r))
		return;
	ns_query_report_t rep;
	char *line =
	        ns_querylog_report(s->o.h.querylog, r.limit, 0, &rep) == NS_OK
	                ? ns_proto_queries_reply(NULL, ns_http_revision(s),
	                                         &rep)
	                : NULL;
	ns_query_report_clear(&rep);
	ns_request_clear(&r);
	if (line)
		ns_http_send_line(s, req, R_QUERIES, line, NULL, NULL);
	else
		ns_http_send_error(s, req, NS_E_INTERNAL, "out of memory");
}

void ns_http_health_route(ns_http_t *s, h2o_req_t *req)
{
	ns_indexer_stats_t st;
	ns_index_health_t h;
	ns_indexer_stats(s->o.ix, &st);
	ns_indexer_health(s->o.ix, &h);
	char why[600] = "";
	bool ready = s->o.ready && s->o.ready(s->o.h.ctx);
	ns_replication_status_t rep = { 0 };
	if (s->o.h.replication)
		s->o.h.replication(s->o.h.ctx, &rep);
	if (rep.role == NS_REPL_REPLICA) {
		/* A load balancer takes a replica too far behind out. */
		st.revision = rep.revision;
		ns_replica_status_ready(&rep, why, sizeof why);
	} else if (st.commit_failing || !h.writable) {
		/* Not writable is not only a commit that failed: a document's
		 * write (Xapian flushing mid-batch) takes the writer down the
		 * same way. */
		snprintf(why, sizeof why,
		         "the index cannot be written: %s; "
		         "retried every second",
		         h.writable ? "commits fail (a full "
		                      "disk?)"
		                    : h.error);
	} else if (!ready) {
		snprintf(why, sizeof why,
		         "reconciling the tree with the index: "
		         "%llu files left",
		         (unsigned long long)st.queued);
	}
	if (!why[0]) {
		char body[128];
		int n = snprintf(body, sizeof body,
		                 "{\"ok\":true,\"ready\":true,"
		                 "\"revision\":%llu}\n",
		                 (unsigned long long)st.revision);
		ns_http_send(s, req, 200, "application/json", body, (size_t)n,
		             NULL);
		return;
	}
	char *line =
	        ns_proto_error_reply(NULL, st.revision, NS_E_UNAVAILABLE, why);
	if (line && line[0] == '{') {
		char *r = NULL;
		if (asprintf(&r, "{\"ready\":false,%s", line + 1) > 0) {
			free(line);
			line = r;
		}
	}
	ns_http_send_line(s, req, R_HEALTH, line, NS_E_UNAVAILABLE, NULL);
}

static bool writable_now(ns_http_t *s)
{
	ns_index_health_t h;
	ns_indexer_health(s->o.ix, &h);
	return h.writable;
}

void ns_http_metrics_route(ns_http_t *s, h2o_req_t *req)
{
	ns_indexer_stats_t ix;
	ns_indexer_stats(s->o.ix, &ix);
	ns_metrics_state_t m = {
#define COPY_COUNTER(name, label, help) .name = ix.name,
		NS_INDEXER_COUNTERS(COPY_COUNTER)
#undef COPY_COUNTER
		        .documents = ix.documents,
		.commits = ix.commits,
		.commit_seconds = ix.commit_seconds,
		.commit_failing = ix.commit_failing || !writable_now(s),
		.revision = ix.revision,
		.ready = s->o.ready && s->o.ready(s->o.h.ctx),
		.index_bytes = ns_metrics_dir_bytes(s->o.index_dir),
		.rss_bytes = ns_metrics_rss(),
		.published = s->published,
		.unpublished = s->unpublished,
	};
	/* A replica or a front has no writer, and no problems of its own. */
	if (s->o.ix)
		ns_problems_counts(ns_indexer_problems(s->o.ix), &m.skipped,
		                   &m.partial);
	if (ix.queued) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		int64_t ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
		m.freshness_lag_s =
		        ix.last_commit && ms > ix.last_commit
		                ? (double)(ms - ix.last_commit) / 1000.0
		                : 0;
	}
	m.connections[NS_PROTO_HTTP] = ns_http_connections(s);
	m.connections[NS_PROTO_NDJSON] =
	        s->o.ndjson_connections ? s->o.ndjson_connections(s->o.h.ctx)
	                                : 0;
	ns_daemon_status_t st = { 0 };
	s->o.h.status(s->o.h.ctx, &st);
	m.uptime_s = st.uptime_s;
	m.shards = st.shards;
	m.shards_down = st.shards_down;
	m.shard_losses = st.shard_losses;
	m.partial_answers = st.partial_answers;
	if (s->o.h.replication) {
		s->o.h.replication(s->o.h.ctx, &m.replication);
		if (m.replication.role == NS_REPL_REPLICA) {
			m.revision = m.replication.revision;
			m.documents = m.replication.documents;
		}
	}
	ns_problems_list_free(st.problems, st.nproblems);
	ns_buf_t b = { 0 };
	if (ns_metrics_render(&m, &b) != NS_OK) {
		ns_buf_free(&b);
		ns_http_send_error(s, req, NS_E_INTERNAL, "out of memory");
		return;
	}
	ns_http_send(s, req, 200, "text/plain; version=0.0.4; charset=utf-8",
	             b.data, b.len, NULL);
	ns_buf_free(&b);
}
