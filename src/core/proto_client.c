/* proto_client.c - the client's side of the protocol (nsearch-cli, the
 * tests): request lines as it sends them, and the replies read back into
 * C data (proto.h's client section and proto_client.h).  Pure functions
 * over jansson; no I/O. */
#include "core/proto.h"
#include "core/proto_client.h"
#include "core/proto_impl.h"

#include "core/hit_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *ns_proto_search_request(long long id, const char *q, unsigned limit,
                              unsigned offset, const char *hl_start,
                              const char *hl_end)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:i, s:i}", "id", (json_int_t)id,
	                      "op", "search", "q", q, "limit", (int)limit,
	                      "offset", (int)offset);
	if (o && hl_start)
		json_object_set_new(o, "highlight_start", json_string(hl_start));
	if (o && hl_end)
		json_object_set_new(o, "highlight_end", json_string(hl_end));
	return ns_proto_line(o);
}

static json_t *values_json(const ns_strv_t *sv)
{
	return sv->n == 1 ? json_string(sv->v[0]) : ns_strv_json(sv);
}

/* The filters on declared fields, into the filter object FO. */
static void encode_field_filters(json_t *fo, const ns_filter_t *f)
{
	for (size_t i = 0; i < f->nfields; i++) {
		const ns_field_filter_t *ff = &f->fields[i];
		json_t *fv = ff->values.n ? values_json(&ff->values) : json_object();
		if (ff->has_min)
			json_object_set_new(fv, "min", json_real(ff->min));
		if (ff->has_max)
			json_object_set_new(fv, "max", json_real(ff->max));
		json_object_set_new(fo, ff->name, fv);
	}
}

/* The fields search and similar share. */
static void encode_listing(json_t *o, const ns_request_t *req)
{
	if (req->limit)
		json_object_set_new(o, "limit", json_integer(req->limit));
	if (req->offset)
		json_object_set_new(o, "offset", json_integer(req->offset));
	if (req->snippet_length)
		json_object_set_new(o, "snippet_length",
		                    json_integer(req->snippet_length));
	if (req->hl_start)
		json_object_set_new(o, "highlight_start", json_string(req->hl_start));
	if (req->hl_end)
		json_object_set_new(o, "highlight_end", json_string(req->hl_end));
	if (req->plain)
		json_object_set_new(o, "snippet_format", json_string("text"));
	if (!req->collapse)
		json_object_set_new(o, "collapse", json_false());
	if (req->facets) {
		json_t *fa = json_array();
		for (int k = 0; k < NS_FACET_COUNT; k++)
			if ((req->facets >> k) & 1)
				json_array_append_new(fa, json_string(ns_facet_name(k)));
		json_object_set_new(o, "facets", fa);
	}
	if (req->facet_fields.n) {
		json_t *fa = json_object_get(o, "facets");
		if (!fa) {
			fa = json_array();
			json_object_set_new(o, "facets", fa);
		}
		for (size_t i = 0; i < req->facet_fields.n; i++)
			json_array_append_new(fa, json_string(req->facet_fields.v[i]));
	}
	if (req->facet_limit)
		json_object_set_new(o, "facet_limit", json_integer(req->facet_limit));
	const ns_filter_t *f = &req->filter;
	if (ns_proto_has_filter(f)) {
		json_t *fo = json_object();
		if (f->sections.n)
			json_object_set_new(fo, "section", values_json(&f->sections));
		if (f->tags.n)
			json_object_set_new(fo, "tag", values_json(&f->tags));
		if (f->authors.n)
			json_object_set_new(fo, "author", values_json(&f->authors));
		if (f->langs.n)
			json_object_set_new(fo, "lang", values_json(&f->langs));
		if (f->date_from[0])
			json_object_set_new(fo, "date_from", json_string(f->date_from));
		if (f->date_to[0])
			json_object_set_new(fo, "date_to", json_string(f->date_to));
		encode_field_filters(fo, f);
		json_object_set_new(o, "filter", fo);
	}
}

char *ns_proto_encode_search(long long id, const ns_request_t *req)
{
	json_t *o = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
	                      "op", "search", "q", req->q ? req->q : "");
	if (!o)
		return NULL;
	encode_listing(o, req);
	if (req->lang)
		json_object_set_new(o, "lang", json_string(req->lang));
	if (req->sort == NS_SORT_FIELD && req->sort_field) {
		char *by = NULL;
		if (asprintf(&by, "%s%s", req->sort_desc ? "-" : "",
		             req->sort_field) > 0)
			json_object_set_new(o, "sort", json_string(by));
		free(by);
	} else if (req->sort != NS_SORT_RELEVANCE && req->sort != NS_SORT_FIELD) {
		json_object_set_new(o, "sort",
		                    json_string(ns_proto_sort_names[req->sort]));
	}
	if (req->match != NS_MATCH_AUTO)
		json_object_set_new(o, "match", json_string(ns_proto_match_names[req->match]));
	if (req->recency_days)
		json_object_set_new(o, "recency_days",
		                    json_integer(req->recency_days));
	if (!req->autocorrect)
		json_object_set_new(o, "autocorrect", json_false());
	if (req->feedback)
		json_object_set_new(o, "feedback", json_true());
	if (req->prefix)
		json_object_set_new(o, "prefix", json_true());
	return ns_proto_line(o);
}

char *ns_proto_encode_similar(long long id, const ns_request_t *req)
{
	json_t *o = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
	                      "op", "similar", "path", OR_EMPTY(req->path));
	if (o)
		encode_listing(o, req);
	return ns_proto_line(o);
}

char *ns_proto_get_request(long long id, const char *path)
{
	return ns_proto_line(json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
	                        "op", "get", "path", OR_EMPTY(path)));
}

char *ns_proto_stats_request(long long id)
{
	return ns_proto_line(json_pack("{s:I, s:s}", "id", (json_int_t)id,
	                        "op", "stats"));
}

char *ns_proto_problems_request(long long id, unsigned limit,
                                unsigned offset)
{
	return ns_proto_line(json_pack("{s:I, s:s, s:i, s:i}", "id", (json_int_t)id,
	                        "op", "problems", "limit", (int)limit,
	                        "offset", (int)offset));
}

char *ns_proto_wait_request(long long id, const char *path,
                            unsigned timeout_ms)
{
	json_t *o = json_pack("{s:I, s:s}", "id", (json_int_t)id, "op", "wait");
	if (o && path)
		json_object_set_new(o, "path", json_string(path));
	if (o && timeout_ms)
		json_object_set_new(o, "timeout_ms", json_integer(timeout_ms));
	return ns_proto_line(o);
}

char *ns_proto_status_request(long long id)
{
	return ns_proto_line(json_pack("{s:I, s:s}", "id", (json_int_t)id,
	                        "op", "status"));
}

char *ns_proto_reindex_request(long long id, const char *path)
{
	json_t *o = json_pack("{s:I, s:s}", "id", (json_int_t)id, "op",
	                      "reindex");
	if (o && path)
		json_object_set_new(o, "path", json_string(path));
	return ns_proto_line(o);
}

char *ns_proto_compact_request(long long id)
{
	return ns_proto_line(json_pack("{s:I, s:s}", "id", (json_int_t)id, "op",
	                        "compact"));
}

char *ns_proto_backup_request(long long id, const char *dir)
{
	return ns_proto_line(json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "op",
	                        "backup", "dir", dir));
}

char *ns_proto_auth_request(long long id, const char *token)
{
	return ns_proto_line(json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "op",
	                        "auth", "token", token));
}

static char *dup_field(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return strdup(v ? v : "");
}

static uint64_t u64_field(json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));
	return v > 0 ? (uint64_t)v : 0;
}

static ns_result_t *parse_result(json_t *o)
{
	ns_result_t *res = calloc(1, sizeof *res);
	json_t *hits = json_object_get(o, "hits");
	size_t n = json_array_size(hits);
	if (!res || (n && !(res->hits = calloc(n, sizeof *res->hits)))) {
		free(res);
		return NULL;
	}
	res->total = u64_field(o, "total");
	json_t *b = json_object_get(o, "total_bounds");
	res->total_min = u64_field(b, "min");
	res->total_max = u64_field(b, "max");
	res->revision = u64_field(o, "revision");
	res->took_ms = json_number_value(json_object_get(o, "took_ms"));
	res->exact = json_is_true(json_object_get(o, "exact"));
	res->facets_exact = !json_is_false(json_object_get(o, "facets_exact"));
	res->relaxed = json_is_true(json_object_get(o, "relaxed"));
	/* A front's (docs/scaling.md); absent elsewhere: 0 and 0. */
	json_t *shards = json_object_get(o, "shards");
	res->shards_total = (size_t)u64_field(shards, "total");
	res->shards_answered = (size_t)u64_field(shards, "answered");
	const char *sugg = json_string_value(json_object_get(o, "suggestion"));
	if (sugg)
		res->suggestion = strdup(sugg);
	const char *from =
	        json_string_value(json_object_get(o, "corrected_from"));
	const char *to = json_string_value(json_object_get(o, "corrected_to"));
	if (from && to) {
		res->corrected_from = strdup(from);
		res->corrected_to = strdup(to);
	}
	for (size_t i = 0; i < n; i++)
		ns_hit_from_json(json_array_get(hits, i), NS_FIELDS_ALL,
		                 &res->hits[res->nhits++]);
	json_t *facets = json_object_get(o, "facets");
	size_t nf = json_object_size(facets);
	if (nf && (res->facets = calloc(nf, sizeof *res->facets))) {
		const char *name;
		json_t *arr;
		json_object_foreach(facets, name, arr) {
			int k = ns_facet_by_name(name);
			size_t nv = json_array_size(arr);
			ns_facet_t *f = &res->facets[res->nfacets++];
			/* Not a built-in one: a declared field's. */
			f->kind = k < 0 ? NS_FACET_COUNT : (ns_facet_kind_t)k;
			if (k < 0 && !(f->name = strdup(name)))
				continue;
			if (nv && !(f->values = calloc(nv, sizeof *f->values)))
				continue;
			for (size_t i = 0; i < nv; i++) {
				json_t *v = json_array_get(arr, i);
				f->values[f->n].value = dup_field(v, "value");
				f->values[f->n++].count = u64_field(v, "count");
			}
		}
	}
	return res;
}

bool ns_proto_parse_article(const char *line, size_t len, ns_hit_t *a)
{
	memset(a, 0, sizeof *a);
	json_t *o = json_loadb(line, len, 0, NULL);
	json_t *art = json_object_get(o, "article");
	bool ok = json_is_true(json_object_get(o, "ok")) && json_is_object(art);
	if (ok)
		ns_hit_from_json(art, NS_FIELDS_ALL, a);
	json_decref(o);
	return ok;
}

static void counts_field(json_t *o, const char *key, ns_facet_value_t **v,
                         size_t *n)
{
	json_t *obj = json_object_get(o, key);
	size_t cnt = json_object_size(obj);
	*n = 0;
	if (!cnt || !(*v = calloc(cnt, sizeof **v)))
		return;
	const char *name;
	json_t *c;
	json_object_foreach(obj, name, c) {
		(*v)[*n].value = strdup(name);
		(*v)[(*n)++].count = (uint64_t)json_integer_value(c);
	}
}

/* "2026-11-29T20:14:03Z" at KEY of O as Unix ms; 0 when absent. */
static int64_t time_field(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	struct tm tm = {0};
	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return 0;
	return (int64_t)timegm(&tm) * 1000;
}

bool ns_proto_parse_stats(const char *line, size_t len, ns_stats_t *st)
{
	memset(st, 0, sizeof *st);
	json_t *o = json_loadb(line, len, 0, NULL);
	bool ok = json_is_true(json_object_get(o, "ok")) &&
	          json_object_get(o, "index_bytes");
	if (ok) {
		st->documents = u64_field(o, "documents");
		st->revision = u64_field(o, "revision");
		st->index_bytes = u64_field(o, "index_bytes");
		st->last_commit = time_field(o, "last_commit") / 1000;
		counts_field(o, "sections", &st->sections, &st->nsections);
		counts_field(o, "languages", &st->langs, &st->nlangs);
		counts_field(o, "years", &st->years, &st->nyears);
	}
	json_decref(o);
	return ok;
}

static void copy_field(json_t *o, const char *key, char *out, size_t size)
{
	const char *s = json_string_value(json_object_get(o, key));
	snprintf(out, size, "%s", s ? s : "");
}

/* The status fields of the service issue (figures, operations). */
static void parse_status_more(json_t *o, ns_daemon_status_t *st)
{
	json_t *rec = json_object_get(o, "reconcile");
	json_t *lat = json_object_get(o, "latency_ms");
	st->uptime_s = json_number_value(json_object_get(o, "uptime_s"));
	st->last_commit = time_field(o, "last_commit");
	st->scanned = u64_field(rec, "files");
	st->reconcile_s = json_number_value(json_object_get(rec, "seconds"));
	st->connections = (unsigned)u64_field(o, "connections");
	st->searches = u64_field(lat, "searches");
	st->latency_p50_ms = json_number_value(json_object_get(lat, "p50"));
	st->latency_p95_ms = json_number_value(json_object_get(lat, "p95"));
	st->latency_p99_ms = json_number_value(json_object_get(lat, "p99"));
	json_t *op = json_object_get(o, "operation");
	copy_field(op, "op", st->op, sizeof st->op);
	copy_field(op, "target", st->op_target, sizeof st->op_target);
	st->op_running = json_is_true(json_object_get(op, "running"));
	st->op_done = u64_field(op, "done");
	st->op_total = u64_field(op, "total");
	st->op_started = time_field(op, "started");
	json_t *last = json_object_get(o, "last_operation");
	copy_field(last, "op", st->last_op, sizeof st->last_op);
	st->last_op_ok = json_is_true(json_object_get(last, "ok"));
	copy_field(last, "message", st->last_op_message,
	           sizeof st->last_op_message);
	st->last_op_finished = time_field(last, "finished");
	json_t *h = json_object_get(o, "index");
	/* A daemon from before the field: writable as far as we know. */
	st->writable = !h || json_is_true(json_object_get(h, "writable"));
	copy_field(h, "error", st->index_error, sizeof st->index_error);
	st->index_error_since = time_field(h, "since");
	st->index_retries = (unsigned)u64_field(h, "retries");
	st->index_next_retry = time_field(h, "next_retry");
	st->unwritten = u64_field(h, "unwritten");
	st->rebuilds = u64_field(h, "rebuilds");
	st->read_retries = u64_field(h, "read_retries");
	json_t *rb = json_object_get(h, "last_rebuild");
	copy_field(rb, "reason", st->rebuild_reason, sizeof st->rebuild_reason);
	copy_field(rb, "moved_to", st->rebuild_moved_to,
	           sizeof st->rebuild_moved_to);
	st->rebuilt_at = time_field(rb, "time");
	json_t *dir = json_object_get(o, "articles_dir");
	const char *state = json_string_value(json_object_get(dir, "state"));
	st->root_gone = state && strcmp(state, "gone") == 0;
	copy_field(dir, "reason", st->root_reason, sizeof st->root_reason);
	st->root_gone_since = time_field(dir, "since");
}

bool ns_proto_parse_reply(const char *line, size_t len, ns_result_t **res,
                          ns_daemon_status_t *st, char **code,
                          char **message)
{
	if (res)
		*res = NULL;
	if (code)
		*code = NULL;
	if (message)
		*message = NULL;
	json_error_t jerr;
	json_t *o = json_loadb(line, len, 0, &jerr);
	if (!json_is_object(o)) {
		json_decref(o);
		if (code)
			*code = strdup("BAD_REPLY");
		if (message)
			*message = strdup("the daemon's reply is not a JSON object");
		return false;
	}
	bool ok = json_is_true(json_object_get(o, "ok"));
	if (!ok) {
		json_t *e = json_object_get(o, "error");
		if (code)
			*code = dup_field(e, "code");
		if (message)
			*message = dup_field(e, "message");
	} else {
		if (res && json_object_get(o, "hits"))
			*res = parse_result(o);
		if (st) {
			st->revision = u64_field(o, "revision");
			st->documents = u64_field(o, "documents");
#define GET_COUNTER(name, label, help) st->name = u64_field(o, #name);
			NS_STATUS_COUNTERS(GET_COUNTER)
#undef GET_COUNTER
			st->ready = json_is_true(json_object_get(o, "ready"));
			parse_status_more(o, st);
		}
	}
	json_decref(o);
	return ok;
}

bool ns_proto_parse_problems(const char *line, size_t len, ns_problem_t **v,
                             size_t *n, uint64_t *total)
{
	*v = NULL;
	*n = 0;
	*total = 0;
	json_t *o = json_loadb(line, len, 0, NULL);
	json_t *arr = json_object_get(o, "problems");
	if (!json_is_true(json_object_get(o, "ok")) || !json_is_array(arr)) {
		json_decref(o);
		return false;
	}
	size_t cnt = json_array_size(arr);
	ns_problem_t *out = calloc(cnt ? cnt : 1, sizeof *out);
	if (!out) {
		json_decref(o);
		return false;
	}
	for (size_t i = 0; i < cnt; i++) {
		json_t *item = json_array_get(arr, i);
		out[i].path = dup_field(item, "path");
		out[i].reason = dup_field(item, "reason");
		out[i].partial = strcmp(json_string_value(json_object_get(item, "kind"))
		                        ? json_string_value(json_object_get(item, "kind"))
		                        : "", "partial") == 0;
	}
	*total = u64_field(o, "total");
	*v = out;
	*n = cnt;
	json_decref(o);
	return true;
}

/* The replies proto_client.h reads: a finished wait or maintenance. */

/* O, if it is an {"ok":true} reply; else NULL (and O is freed). */
static json_t *ok_reply(const char *line, size_t len)
{
	json_t *o = json_loadb(line, len, 0, NULL);
	if (json_is_object(o) && json_is_true(json_object_get(o, "ok")))
		return o;
	json_decref(o);
	return NULL;
}

static uint64_t revision_of(json_t *o)
{
	json_int_t v = json_integer_value(json_object_get(o, "revision"));
	return v > 0 ? (uint64_t)v : 0;
}

bool ns_wait_searchable(const ns_wait_result_t *w)
{
	return !w->state[0] || strcmp(w->state, "indexed") == 0 ||
	       strcmp(w->state, "partial") == 0;
}

bool ns_proto_parse_wait(const char *line, size_t len, ns_wait_result_t *out)
{
	memset(out, 0, sizeof *out);
	json_t *o = ok_reply(line, len);
	if (!o)
		return false;
	copy_field(o, "state", out->state, sizeof out->state);
	copy_field(o, "reason", out->reason, sizeof out->reason);
	out->revision = revision_of(o);
	json_decref(o);
	return true;
}

bool ns_proto_parse_maint(const char *line, size_t len,
                          ns_maint_result_t *out)
{
	memset(out, 0, sizeof *out);
	json_t *o = ok_reply(line, len);
	bool ok = o && json_is_string(json_object_get(o, "op"));
	if (ok) {
		copy_field(o, "op", out->op, sizeof out->op);
		copy_field(o, "message", out->message, sizeof out->message);
		out->revision = revision_of(o);
	}
	json_decref(o);
	return ok;
}
