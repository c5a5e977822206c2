/* proto_queries.c - the "queries" request on the wire (proto_queries.h):
 * its decoder (one of proto_request.c's table), its reply, and the
 * client's encoder and parser.  No state. */
#include "core/proto_queries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool refuse(ns_proto_err_t *err, const char *code, const char *msg)
{
	err->code = code;
	snprintf(err->message, sizeof err->message, "%s", msg);
	return false;
}

/* {"op":"queries","limit":N} (O) into REQ. */
bool ns_proto_decode_queries(json_t *o, ns_request_t *req,
                             ns_proto_err_t *err)
{
	const char *key;
	json_t *v;
	req->op = NS_OP_QUERIES;
	json_object_foreach(o, key, v)
		if (strcmp(key, "id") && strcmp(key, "op") && strcmp(key, "limit"))
			return refuse(err, NS_E_BAD_REQUEST, "unknown field: "
			              "\"queries\" takes \"limit\"");
	json_t *limit = json_object_get(o, "limit");
	json_int_t n = limit ? json_integer_value(limit)
	                     : NS_PROTO_DEFAULT_QUERIES;
	if (limit && (!json_is_integer(limit) || n < 1 ||
	              n > NS_PROTO_MAX_QUERIES))
		return refuse(err, NS_E_BAD_REQUEST, "\"limit\" must be an "
		              "integer between 1 and 100");
	req->limit = (unsigned)n;
	return true;
}

/* ---- the reply ---- */

/* Unix ms as "2026-11-29T20:14:03Z"; null for 0. */
static json_t *iso_time(int64_t ms)
{
	char when[32];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!ms || !gmtime_r(&t, &tm) ||
	    !strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(when);
}

static json_t *stats_json(const ns_query_stat_t *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		json_t *q = json_pack("{s:s, s:I, s:I, s:I, s:o, s:f}",
		                      "query", v[i].query,
		                      "count", (json_int_t)v[i].count,
		                      "zero", (json_int_t)v[i].zero,
		                      "last_hits", (json_int_t)v[i].last_hits,
		                      "last", iso_time(v[i].last),
		                      "max_ms", v[i].max_ms);
		if (!q || json_array_append_new(a, q) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* O as a reply line (new, ending in "\n"); frees O. */
static char *line_of(json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
	char *line = NULL;
	json_decref(o);
	if (s && asprintf(&line, "%s\n", s) < 0)
		line = NULL;
	free(s);
	return line;
}

char *ns_proto_queries_reply(json_t *id, uint64_t revision,
                             const ns_query_report_t *r)
{
	return line_of(json_pack("{s:O, s:b, s:I, s:s, s:o, s:I, s:I, s:o, s:o}",
	                         "id", id ? id : json_null(), "ok", 1,
	                         "revision", (json_int_t)revision,
	                         "logging", r->logging,
	                         "since", iso_time(r->since),
	                         "searches", (json_int_t)r->searches,
	                         "not_counted", (json_int_t)r->not_counted,
	                         "top", stats_json(r->top, r->ntop),
	                         "zero", stats_json(r->zero, r->nzero)));
}

/* ---- the client's side ---- */

char *ns_proto_queries_request(long long id, unsigned limit)
{
	return line_of(json_pack("{s:I, s:s, s:I}", "id", (json_int_t)id, "op",
	                         "queries", "limit",
	                         (json_int_t)(limit ? limit
	                                            : NS_PROTO_DEFAULT_QUERIES)));
}

static void stats_free(ns_query_stat_t *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].query);
	free(v);
}

void ns_query_report_clear(ns_query_report_t *r)
{
	if (!r)
		return;
	stats_free(r->top, r->ntop);
	stats_free(r->zero, r->nzero);
	memset(r, 0, sizeof *r);
}

/* "2026-11-29T20:14:03Z" as Unix ms; 0 when it is none. */
static int64_t unix_ms(json_t *v)
{
	struct tm tm = {0};
	const char *s = json_string_value(v);
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	return end && !*end ? (int64_t)timegm(&tm) * 1000 : 0;
}

static uint64_t count_of(json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));
	return v > 0 ? (uint64_t)v : 0;
}

/* The list A into *V and *N; false when out of memory or not a list. */
static bool parse_stats(json_t *a, ns_query_stat_t **v, size_t *n)
{
	if (!json_is_array(a))
		return false;
	*n = 0;
	*v = calloc(json_array_size(a) + 1, sizeof **v);
	size_t i;
	json_t *q;
	json_array_foreach(a, i, q) {
		const char *text = json_string_value(json_object_get(q, "query"));
		if (!*v || !text || !((*v)[i].query = strdup(text)))
			return false;
		(*n)++;
		(*v)[i].count = count_of(q, "count");
		(*v)[i].zero = count_of(q, "zero");
		(*v)[i].last_hits = count_of(q, "last_hits");
		(*v)[i].last = unix_ms(json_object_get(q, "last"));
		(*v)[i].max_ms = json_number_value(json_object_get(q, "max_ms"));
	}
	return *v != NULL;
}

bool ns_proto_parse_queries(const char *line, size_t len,
                            ns_query_report_t *out)
{
	memset(out, 0, sizeof *out);
	json_t *o = json_loadb(line, len, 0, NULL);
	const char *logging = json_string_value(json_object_get(o, "logging"));
	bool ok = json_is_true(json_object_get(o, "ok")) && logging &&
	          parse_stats(json_object_get(o, "top"), &out->top, &out->ntop) &&
	          parse_stats(json_object_get(o, "zero"), &out->zero,
	                      &out->nzero);
	if (ok) {
		snprintf(out->logging, sizeof out->logging, "%s", logging);
		out->since = unix_ms(json_object_get(o, "since"));
		out->searches = count_of(o, "searches");
		out->not_counted = count_of(o, "not_counted");
	} else {
		ns_query_report_clear(out);
	}
	json_decref(o);
	return ok;
}
