/* proto_reply.c - the server side's writing: every reply line the daemon
 * sends, from C data.  Pure functions over jansson; no I/O. */
#include "core/proto.h"
#include "core/proto_impl.h"

#include "core/hit_json.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static json_t *id_of(json_t *id)
{
	return id ? json_incref(id) : json_null();
}

static void utc_iso(int64_t when, char out[21])
{
	time_t t = (time_t)when;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm))
		out[0] = '\0';
}

static json_t *facets_json(const ns_result_t *res)
{
	json_t *o = json_object();
	for (size_t f = 0; o && f < res->nfacets; f++) {
		const ns_facet_t *fc = &res->facets[f];
		json_t *arr = json_array();
		for (size_t i = 0; arr && i < fc->n; i++)
			json_array_append_new(arr, json_pack(
				"{s:s, s:I}", "value", fc->values[i].value,
				"count", (json_int_t)fc->values[i].count));
		json_object_set_new(o, fc->name ? fc->name : ns_facet_name(fc->kind),
		                    arr);
	}
	return o;
}

/* S as a JSON string, or null when NULL. */
static json_t *or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

char *ns_proto_search_reply(json_t *id, const ns_result_t *res,
                            unsigned fields)
{
	json_t *hits = json_array();
	for (size_t i = 0; hits && i < res->nhits; i++) {
		json_t *hit = ns_hit_json(&res->hits[i], fields);
		if (!hit || json_array_append_new(hits, hit) < 0) {
			json_decref(hits);
			return NULL;
		}
	}
	if (!hits)
		return NULL;
	json_t *o = json_pack(
	        "{s:o, s:b, s:I, s:{s:I, s:I}, s:b, s:b, s:o, "
	        "s:I, s:f, s:o}",
	        "id", id_of(id), "ok", 1, "total", (json_int_t)res->total,
	        "total_bounds", "min", (json_int_t)res->total_min, "max",
	        (json_int_t)res->total_max, "exact", res->exact, "relaxed",
	        res->relaxed, "suggestion", or_null(res->suggestion),
	        "revision", (json_int_t)res->revision, "took_ms", res->took_ms,
	        "hits", hits);
	if (o && res->nfacets) {
		json_object_set_new(o, "facets", facets_json(res));
		json_object_set_new(o, "facets_exact",
		                    json_boolean(res->facets_exact));
	}
	if (o && res->shards_total)
		json_object_set_new(
		        o, "shards",
		        json_pack("{s:I, s:I}", "total",
		                  (json_int_t)res->shards_total, "answered",
		                  (json_int_t)res->shards_answered));
	if (o) {
		json_object_set_new(o, "corrected_from",
		                    or_null(res->corrected_from));
		json_object_set_new(o, "corrected_to",
		                    or_null(res->corrected_to));
	}
	return ns_proto_line(o);
}

char *ns_proto_get_reply(json_t *id, uint64_t revision, const ns_hit_t *a,
                         unsigned fields)
{
	return ns_proto_line(json_pack("{s:o, s:b, s:I, s:o}", "id", id_of(id), "ok", 1,
	                        "revision", (json_int_t)revision,
	                        "article", ns_hit_json(a, fields)));
}

static json_t *counts_json(const ns_facet_value_t *v, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < n; i++)
		json_object_set_new(o, v[i].value, json_integer((json_int_t)v[i].count));
	return o;
}

char *ns_proto_stats_reply(json_t *id, const ns_stats_t *st)
{
	char when[21] = "";
	if (st->last_commit)
		utc_iso(st->last_commit, when);
	return ns_proto_line(json_pack("{s:o, s:b, s:I, s:I, s:I, s:o, s:o, s:o, s:o}",
	                        "id", id_of(id), "ok", 1,
	                        "revision", (json_int_t)st->revision,
	                        "documents", (json_int_t)st->documents,
	                        "index_bytes", (json_int_t)st->index_bytes,
	                        "last_commit", when[0] ? json_string(when)
	                                               : json_null(),
	                        "sections", counts_json(st->sections, st->nsections),
	                        "languages", counts_json(st->langs, st->nlangs),
	                        "years", counts_json(st->years, st->nyears)));
}

/* Unix ms as "2026-11-29T20:14:03Z", or null for 0. */
static json_t *time_or_null(int64_t ms)
{
	char when[21];
	if (!ms)
		return json_null();
	utc_iso(ms / 1000, when);
	return json_string(when);
}

/* The operation fields of a status (its "operation" or "last_operation"). */
static json_t *status_ops(const ns_daemon_status_t *st, json_t *o)
{
	json_t *now = json_null(), *last = json_null();
	if (st->op[0])
		now = json_pack("{s:s, s:s, s:b, s:I, s:I, s:o}", "op", st->op,
		                "target", st->op_target, "running", st->op_running,
		                "done", (json_int_t)st->op_done,
		                "total", (json_int_t)st->op_total,
		                "started", time_or_null(st->op_started));
	if (st->last_op[0]) {
		json_t *msg = json_string(st->last_op_message);
		last = json_pack("{s:s, s:b, s:o, s:o}", "op", st->last_op,
		                 "ok", st->last_op_ok, "message",
		                 msg ? msg : json_string("?"), "finished",
		                 time_or_null(st->last_op_finished));
	}
	json_object_set_new(o, "operation", now ? now : json_null());
	json_object_set_new(o, "last_operation", last ? last : json_null());
	return o;
}

/* The index's health: "state", and "index" (writable, or why not and
 * since when; damaged indexes rebuilt). */
static json_t *status_health(const ns_daemon_status_t *st, json_t *o)
{
	json_t *rebuilt = json_null();
	if (st->rebuilt_at)
		rebuilt = json_pack("{s:s, s:s, s:o}", "reason", st->rebuild_reason,
		                    "moved_to", st->rebuild_moved_to, "time",
		                    time_or_null(st->rebuilt_at));
	json_t *err = st->writable ? json_null() : json_string(st->index_error);
	json_t *h = json_pack("{s:b, s:o, s:o, s:I, s:o, s:I, s:I, s:o, s:I}",
	                      "writable", st->writable,
	                      "error", err ? err : json_string("?"),
	                      "since", time_or_null(st->index_error_since),
	                      "retries", (json_int_t)st->index_retries,
	                      "next_retry", time_or_null(st->index_next_retry),
	                      "unwritten", (json_int_t)st->unwritten,
	                      "rebuilds", (json_int_t)st->rebuilds,
	                      "last_rebuild", rebuilt ? rebuilt : json_null(),
	                      "read_retries", (json_int_t)st->read_retries);
	const char *state = !st->writable ? "read_only"
	                    : st->ready ? "ready" : "reconciling";
	if (!h || json_object_set_new(o, "index", h) < 0 ||
	    json_object_set_new(o, "state", json_string(state)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The articles directory's state: "watched", or "gone" with why and
 * since when. */
static json_t *status_root(const ns_daemon_status_t *st, json_t *o)
{
	json_t *dir;
	if (st->root_gone) {
		json_t *why = json_string(st->root_reason);
		dir = json_pack("{s:s, s:o, s:o}", "state", "gone", "reason",
		                why ? why : json_string("?"), "since",
		                time_or_null(st->root_gone_since));
	} else {
		dir = json_pack("{s:s}", "state", "watched");
	}
	json_object_set_new(o, "articles_dir", dir ? dir : json_null());
	return o;
}

/* The problems V[N] as "problems" and "status" list them (new; NULL
 * when out of memory). */
static json_t *problems_json(const ns_problem_t *v, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++) {
		char when[21];
		utc_iso(v[i].when, when);
		json_t *reason = json_string(v[i].reason);
		json_t *path = json_string(v[i].path);
		json_t *item = json_pack("{s:o, s:s, s:o, s:s}",
		                         "path", path ? path : json_string("?"),
		                         "kind", v[i].partial ? "partial" : "skipped",
		                         "reason", reason ? reason : json_string("?"),
		                         "time", when);
		if (!item || json_array_append_new(arr, item) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* The counters of nsearch/status.h into O, in the list's order. */
static json_t *status_counters(const ns_daemon_status_t *st, json_t *o)
{
#define PUT_COUNTER(name, label, help) \
	json_object_set_new(o, #name, json_integer((json_int_t)st->name));
	NS_STATUS_COUNTERS(PUT_COUNTER)
#undef PUT_COUNTER
	return o;
}

char *ns_proto_status_reply(json_t *id, const ns_daemon_status_t *st)
{
	json_t *problems = problems_json(st->problems, st->nproblems);
	json_t *o = json_pack("{s:o, s:b, s:i, s:b, s:I, s:I}",
	                      "id", id_of(id), "ok", 1,
	                      "protocol", NS_PROTO_VERSION,
	                      "ready", st->ready,
	                      "revision", (json_int_t)st->revision,
	                      "documents", (json_int_t)st->documents);
	json_t *more = json_pack("{s:f, s:o, s:{s:I, s:I, s:f}, s:i, "
	                         "s:{s:I, s:f, s:f, s:f}, s:o}",
	                         "uptime_s", st->uptime_s,
	                         "last_commit", time_or_null(st->last_commit),
	                         "reconcile", "files", (json_int_t)st->scanned,
	                         "left", (json_int_t)(st->ready ? 0 : st->queued),
	                         "seconds", st->reconcile_s,
	                         "connections", (int)st->connections,
	                         "latency_ms",
	                         "searches", (json_int_t)st->searches,
	                         "p50", st->latency_p50_ms,
	                         "p95", st->latency_p95_ms,
	                         "p99", st->latency_p99_ms,
	                         "problems", problems ? problems : json_array());
	if (!o || !more || json_object_update(status_counters(st, o), more) < 0) {
		json_decref(o);
		json_decref(more);
		return NULL;
	}
	json_decref(more);
	return ns_proto_line(status_root(st, status_health(st,
	                                                   status_ops(st, o))));
}

char *ns_proto_maint_reply(json_t *id, uint64_t revision, const char *op,
                           const char *message, double took_ms)
{
	json_t *msg = json_string(message);
	return ns_proto_line(json_pack("{s:o, s:b, s:I, s:s, s:o, s:f}", "id", id_of(id),
	                        "ok", 1, "revision", (json_int_t)revision,
	                        "op", op, "message", msg ? msg : json_string("?"),
	                        "took_ms", took_ms));
}

char *ns_proto_problems_reply(json_t *id, uint64_t revision,
                              const ns_problem_t *v, size_t n,
                              uint64_t total)
{
	json_t *arr = problems_json(v, n);
	if (!arr)
		return NULL;
	return ns_proto_line(json_pack("{s:o, s:b, s:I, s:I, s:o}", "id",
	                               id_of(id), "ok", 1, "revision",
	                               (json_int_t)revision, "total",
	                               (json_int_t)total, "problems", arr));
}

char *ns_proto_wait_reply(json_t *id, uint64_t revision, const char *path,
                          const char *state, const char *reason,
                          double took_ms)
{
	json_t *o = json_pack("{s:o, s:b, s:I, s:f}", "id", id_of(id), "ok", 1,
	                      "revision", (json_int_t)revision, "took_ms",
	                      took_ms);
	if (o && path) {
		json_t *p = json_string(path);
		json_object_set_new(o, "path", p ? p : json_string("?"));
		json_object_set_new(o, "state", json_string(state ? state : ""));
		if (reason) {
			json_t *r = json_string(reason);
			json_object_set_new(o, "reason", r ? r : json_string("?"));
		}
	}
	return ns_proto_line(o);
}

char *ns_proto_error_reply(json_t *id, uint64_t revision, const char *code,
                           const char *message)
{
	/* A message is ours but may quote the client's bytes: never let
	 * invalid UTF-8 turn an error reply into no reply. */
	json_t *msg = json_string(message);
	if (!msg)
		msg = json_string("(message not valid UTF-8)");
	return ns_proto_line(json_pack("{s:o, s:b, s:I, s:{s:s, s:o}}", "id",
	                        id_of(id), "ok", 0, "revision",
	                        (json_int_t)revision, "error", "code", code,
	                        "message", msg));
}

char *ns_proto_auth_reply(json_t *id, uint64_t revision)
{
	return ns_proto_line(json_pack("{s:o, s:b, s:I, s:i}", "id", id_of(id), "ok", 1,
	                        "revision", (json_int_t)revision, "protocol",
	                        NS_PROTO_VERSION));
}
