/* proto_request.c - the server side's reading: a request line to an
 * ns_request_t, and the auth line of a TCP connection.  Every malformed
 * request becomes an error with a stable code, never a crash or a dropped
 * connection.  Pure functions over jansson; no I/O. */
#include "core/proto.h"
#include "core/proto_impl.h"

#include "core/hit_json.h"
#include "core/lang.h"
#include "core/proto_paths.h"
#include "core/proto_queries.h"
#include "core/proto_suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ns_request_clear(ns_request_t *req)
{
	json_decref(req->id);
	free(req->q);
	free(req->path);
	free(req->hl_start);
	free(req->hl_end);
	free(req->lang);
	ns_strv_clear(&req->filter.sections);
	ns_strv_clear(&req->filter.tags);
	ns_strv_clear(&req->filter.authors);
	ns_strv_clear(&req->filter.langs);
	for (size_t i = 0; i < req->filter.nfields; i++) {
		free(req->filter.fields[i].name);
		ns_strv_clear(&req->filter.fields[i].values);
	}
	free(req->filter.fields);
	free(req->sort_field);
	ns_strv_clear(&req->facet_fields);
	memset(req, 0, sizeof *req);
}

/* An optional integer field within [lo, hi]; *OUT untouched when absent. */
static bool get_uint(json_t *o, const char *key, unsigned lo, unsigned hi,
                     unsigned *out, ns_proto_err_t *err)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return true;
	if (!json_is_integer(v))
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"%s\" must be an integer", key);
	json_int_t n = json_integer_value(v);
	if (n < (json_int_t)lo || n > (json_int_t)hi)
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"%s\" must be between %u and %u", key,
		                     lo, hi);
	*out = (unsigned)n;
	return true;
}

static bool get_marker(json_t *o, const char *key, char **out,
                       ns_proto_err_t *err)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return true;
	if (!json_is_string(v) || json_string_length(v) > NS_PROTO_MAX_MARKER)
		return ns_proto_fail(
		        err, NS_E_BAD_REQUEST,
		        "\"%s\" must be a string of at most %d bytes", key,
		        NS_PROTO_MAX_MARKER);
	*out = strdup(json_string_value(v));
	return *out ? true : ns_proto_fail(err, NS_E_INTERNAL, "out of memory");
}

static bool only_fields(json_t *o, const char *const *allowed,
                        ns_proto_err_t *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strcmp(key, allowed[i]) == 0;
		if (!ok)
			return ns_proto_fail(err, NS_E_BAD_REQUEST,
			                     "unknown field \"%.64s\"", key);
	}
	return true;
}

/* [search] max_results and max_offset: set by the loop thread on a
 * reload, read by the decoders of any thread. */
static unsigned max_results = NS_PROTO_MAX_LIMIT;
static unsigned max_offset = NS_PROTO_MAX_OFFSET;

void ns_proto_set_limits(unsigned results, unsigned offset)
{
	__atomic_store_n(&max_results, results, __ATOMIC_RELAXED);
	__atomic_store_n(&max_offset, offset, __ATOMIC_RELAXED);
}

static bool get_bool(json_t *o, const char *key, bool *out,
                     ns_proto_err_t *err)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return true;
	if (!json_is_boolean(v))
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"%s\" must be true or false", key);
	*out = json_is_true(v);
	return true;
}

/* KEY, if given: an array of names, each one a NOUN whose bit NAME_BIT
 * gives within ALLOWED, ORed into *OUT.  HINT ends the message that
 * refuses a name. */
static bool get_names(json_t *o, const char *key, const char *noun,
                      unsigned (*name_bit)(const char *name),
                      unsigned allowed, const char *hint, unsigned *out,
                      ns_proto_err_t *err)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return true;
	if (!json_is_array(v))
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"%s\" must be an array of %s names", key,
		                     noun);
	size_t i;
	json_t *item;
	json_array_foreach(v, i, item) {
		const char *name = json_string_value(item);
		unsigned bit = name ? name_bit(name) : 0;
		if (!(bit & allowed))
			return ns_proto_fail(err, NS_E_BAD_REQUEST,
			                     "\"%s\": unknown %s "
			                     "\"%.64s\"%s",
			                     key, noun,
			                     name ? name : "(not a string)",
			                     hint);
		*out |= bit;
	}
	return true;
}

/* "fields": the names of the fields to return, out of ALLOWED; path is
 * always returned. */
static bool decode_fields(json_t *o, unsigned deflt, unsigned allowed,
                          unsigned *out, ns_proto_err_t *err)
{
	*out = json_object_get(o, "fields") ? NS_FIELD_PATH : deflt;
	return get_names(o, "fields", "field", ns_hit_field_bit, allowed,
	                 " (see docs/protocol.md)", out, err);
}

static unsigned facet_bit(const char *name)
{
	int k = ns_facet_by_name(name);
	return k < 0 ? 0 : 1u << k;
}

/* "facets": built-in ones are bits of REQ->facets, a declared field's
 * goes to REQ->facet_fields by name. */
static bool decode_facets(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	json_t *v = json_object_get(o, "facets"), *f;
	size_t i;
	/* No facets: facet_limit has nothing to limit and is not read, as
	 * before the protocol's split (a client may send it always). */
	if (!v)
		return true;
	if (!json_is_array(v))
		return ns_proto_fail(
		        err, NS_E_BAD_REQUEST,
		        "\"facets\" must be an array of facet names");
	json_array_foreach(v, i, f) {
		const char *name = json_string_value(f);
		unsigned bit = name ? facet_bit(name) : 0;
		req->facets |= bit;
		if (bit)
			continue;
		if (!name || ns_fields_find(name) < 0)
			return ns_proto_fail(
			        err, NS_E_BAD_REQUEST,
			        "\"facets\": unknown facet "
			        "\"%.64s\"; facets are tag, author, section, "
			        "lang, "
			        "year, month and the declared fields",
			        name ? name : "(not a string)");
		if (ns_strv_push(&req->facet_fields, name, strlen(name)) != NS_OK)
			return ns_proto_fail(err, NS_E_INTERNAL,
			                     "out of memory");
	}
	return get_uint(o, "facet_limit", 1, NS_PROTO_MAX_FACET_LIMIT,
	                &req->facet_limit, err);
}

/* One of NAMES (NULL-terminated) into *OUT, its index. */
static bool get_choice(json_t *o, const char *key, const char *const *names,
                       int *out, ns_proto_err_t *err)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return true;
	const char *s = json_string_value(v);
	for (int i = 0; s && names[i]; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return true;
		}
	char list[120] = "";
	for (int i = 0; names[i]; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"",
		         i ? (names[i + 1] ? ", " : " or ") : "", names[i]);
	return ns_proto_fail(err, NS_E_BAD_REQUEST, "\"%s\" must be %s", key,
	                     list);
}

/* Snippet settings, shared by search and similar. */
static bool decode_snippet(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	static const char *const formats[] = {"html", "text", NULL};
	int format = 0;
	if (!get_uint(o, "snippet_length", 20, NS_PROTO_MAX_SNIPPET,
	              &req->snippet_length, err) ||
	    !get_marker(o, "highlight_start", &req->hl_start, err) ||
	    !get_marker(o, "highlight_end", &req->hl_end, err) ||
	    !get_choice(o, "snippet_format", formats, &format, err))
		return false;
	req->plain = format == 1;
	return true;
}

/* What search and similar share: paging, filters, snippets, fields,
 * collapsing and facets. */
static bool decode_listing(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	req->limit = NS_PROTO_DEFAULT_LIMIT;
	req->collapse = true;
	if (!get_uint(o, "limit", 1,
	              __atomic_load_n(&max_results, __ATOMIC_RELAXED),
	              &req->limit, err) ||
	    !get_uint(o, "offset", 0,
	              __atomic_load_n(&max_offset, __ATOMIC_RELAXED),
	              &req->offset, err) ||
	    !ns_proto_decode_filter(o, &req->filter, err) ||
	    !decode_snippet(o, req, err) ||
	    !get_bool(o, "collapse", &req->collapse, err) ||
	    !decode_facets(o, req, err) ||
	    !decode_fields(o, NS_FIELDS_HIT | NS_FIELD_DUPLICATES,
	                   NS_FIELDS_ALL, &req->fields, err))
		return false;
	/* How many copies a hit stands for: only when collapsing. */
	if (!req->collapse)
		req->fields &= ~NS_FIELD_DUPLICATES;
	return true;
}

/* "sort": a built-in order, or a declared field ("-NAME": largest
 * first). */
static bool decode_sort(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	json_t *v = json_object_get(o, "sort");
	const char *s = json_string_value(v);
	if (!v)
		return true;
	for (int i = 0; s && ns_proto_sort_names[i]; i++)
		if (strcmp(s, ns_proto_sort_names[i]) == 0) {
			req->sort = (ns_sort_t)i;
			return true;
		}
	if (!s || ns_fields_find(s + (s[0] == '-')) < 0)
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"sort\" must be \"relevance\", "
		                     "\"newest\", \"oldest\", or a declared "
		                     "field (\"-NAME\" "
		                     "for the largest first)");
	req->sort = NS_SORT_FIELD;
	req->sort_desc = s[0] == '-';
	if (!(req->sort_field = strdup(s + req->sort_desc)))
		return ns_proto_fail(err, NS_E_INTERNAL, "out of memory");
	return true;
}

static bool decode_search(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	static const char *const fields[] = {
		"id",
		"op",
		"q",
		"limit",
		"offset",
		"snippet_length",
		"highlight_start",
		"highlight_end",
		"snippet_format",
		"lang",
		"filter",
		"sort",
		"match",
		"collapse",
		"facets",
		"facet_limit",
		"fields",
		"recency_days",
		"autocorrect",
		"feedback",
		"prefix",
		NULL,
	};
	if (!only_fields(o, fields, err))
		return false;
	json_t *q = json_object_get(o, "q");
	if (!q)
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"q\" is required");
	if (!json_is_string(q))
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"q\" must be a string");
	if (strlen(json_string_value(q)) != json_string_length(q))
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"q\" contains a NUL byte");
	int match = NS_MATCH_AUTO;
	req->autocorrect = true;
	if (!decode_listing(o, req, err) || !decode_sort(o, req, err) ||
	    !get_choice(o, "match", ns_proto_match_names, &match, err) ||
	    !get_uint(o, "recency_days", 1, 36500, &req->recency_days, err) ||
	    !get_bool(o, "autocorrect", &req->autocorrect, err) ||
	    !get_bool(o, "feedback", &req->feedback, err) ||
	    !get_bool(o, "prefix", &req->prefix, err))
		return false;
	req->match = (ns_match_t)match;
	/* An empty query lists what the filter lets through. */
	const char *qs = json_string_value(q);
	if (!qs[strspn(qs, " \t\r\n")] && !ns_proto_has_filter(&req->filter))
		return ns_proto_fail(
		        err, NS_E_BAD_REQUEST,
		        "\"q\" is empty and there is no \"filter\"");
	if (!ns_proto_decode_lang(o, &req->lang, err))
		return false;
	if (!(req->q = strdup(json_string_value(q))))
		return ns_proto_fail(err, NS_E_INTERNAL, "out of memory");
	return true;
}

/* A relative path inside the tree: no "..", no "." component, no empty
 * component, not absolute. */
static bool valid_relpath(const char *p, size_t len)
{
	if (!len || len > 4096 || p[0] == '/' || strlen(p) != len)
		return false;
	const char *start = p;
	for (const char *q = p;; q++) {
		if (*q && *q != '/')
			continue;
		size_t n = (size_t)(q - start);
		if (n == 0 || (n == 1 && start[0] == '.') ||
		    (n == 2 && start[0] == '.' && start[1] == '.'))
			return false;
		if (!*q)
			return true;
		start = q + 1;
	}
}

/* "path": an article's path relative to the root; REQUIRED or may be
 * absent or null. */
static bool get_path(json_t *o, bool required, ns_request_t *req,
                     ns_proto_err_t *err)
{
	json_t *path = json_object_get(o, "path");
	if (!required && (!path || json_is_null(path)))
		return true;
	if (!path)
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"path\" is required");
	if (!json_is_string(path) ||
	    !valid_relpath(json_string_value(path), json_string_length(path)))
		return ns_proto_fail(
		        err, NS_E_BAD_REQUEST,
		        "\"path\" must be a path relative "
		        "to the articles root, without \".\" or \"..\"");
	if (!(req->path = strdup(json_string_value(path))))
		return ns_proto_fail(err, NS_E_INTERNAL, "out of memory");
	return true;
}

static bool decode_wait(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	static const char *const fields[] = {"id", "op", "path", "timeout_ms",
	                                     NULL};
	if (!only_fields(o, fields, err))
		return false;
	req->timeout_ms = NS_PROTO_DEFAULT_WAIT_MS;
	if (!get_uint(o, "timeout_ms", 1, NS_PROTO_MAX_WAIT_MS, &req->timeout_ms,
	              err))
		return false;
	return get_path(o, false, req, err);
}

static bool decode_get(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	static const char *const fields[] = {"id", "op", "path", "fields", NULL};
	return only_fields(o, fields, err) && get_path(o, true, req, err) &&
	       decode_fields(o, NS_FIELDS_ARTICLE, NS_FIELDS_ARTICLE,
	                     &req->fields, err);
}

static bool decode_similar(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	static const char *const fields[] = {
		"id", "op", "path", "limit", "offset", "filter", "snippet_length",
		"highlight_start", "highlight_end", "snippet_format", "collapse",
		"facets", "facet_limit", "fields", NULL,
	};
	return only_fields(o, fields, err) && get_path(o, true, req, err) &&
	       decode_listing(o, req, err);
}

/* backup: "dir", an absolute path, into REQ->path. */
static bool decode_backup(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	static const char *const fields[] = {"id", "op", "dir", NULL};
	if (!only_fields(o, fields, err))
		return false;
	json_t *dir = json_object_get(o, "dir");
	const char *s = json_string_value(dir);
	if (!s || s[0] != '/' || strlen(s) != json_string_length(dir) ||
	    strlen(s) > 1000)
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"dir\" must be an absolute "
		                     "path on the daemon's machine");
	if (!(req->path = strdup(s)))
		return ns_proto_fail(err, NS_E_INTERNAL, "out of memory");
	return true;
}

bool ns_proto_decode_lang(json_t *o, char **lang, ns_proto_err_t *err)
{
	json_t *v = json_object_get(o, "lang");
	char code[16];
	if (!v)
		return true;
	if (!json_is_string(v) ||
	    !ns_language_normalise(json_string_value(v), json_string_length(v),
	                           code))
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"lang\" must be a language code such as "
		                     "\"en\" or \"ru\"");
	if (!(*lang = strdup(code)))
		return ns_proto_fail(err, NS_E_INTERNAL, "out of memory");
	return true;
}

/* The operations that carry nothing but "id" and "op". */
static bool decode_bare(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	static const char *const fields[] = {"id", "op", NULL};
	(void)req;
	return only_fields(o, fields, err);
}

static bool decode_reindex(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	static const char *const fields[] = {"id", "op", "path", NULL};
	return only_fields(o, fields, err) && get_path(o, false, req, err);
}

static bool decode_problems(json_t *o, ns_request_t *req,
                            ns_proto_err_t *err)
{
	static const char *const fields[] = {"id", "op", "limit", "offset", NULL};
	req->limit = 100;
	return only_fields(o, fields, err) &&
	       get_uint(o, "limit", 1, NS_PROTO_MAX_PROBLEMS, &req->limit, err) &&
	       get_uint(o, "offset", 0, 1000000, &req->offset, err);
}

/* The decoder of each operation of NS_OPS (nsearch/request.h). */
typedef bool decode_fn(json_t *o, ns_request_t *req, ns_proto_err_t *err);
static decode_fn *const decoders[] = {
	[NS_OP_SEARCH] = decode_search,
	[NS_OP_STATUS] = decode_bare,
	[NS_OP_PROBLEMS] = decode_problems,
	[NS_OP_WAIT] = decode_wait,
	[NS_OP_GET] = decode_get,
	[NS_OP_SIMILAR] = decode_similar,
	[NS_OP_STATS] = decode_bare,
	[NS_OP_REINDEX] = decode_reindex,
	[NS_OP_COMPACT] = decode_bare,
	[NS_OP_BACKUP] = decode_backup,
	[NS_OP_PATHS] = ns_proto_decode_paths,
	[NS_OP_QUERIES] = ns_proto_decode_queries,
	[NS_OP_SUGGEST] = ns_proto_decode_suggest,
};
_Static_assert(sizeof decoders / sizeof *decoders == NS_OP_COUNT,
               "an operation of NS_OPS without a decoder");

/* O is an object; its "id" (kept in REQ as soon as it is known, for the
 * error reply) and "op" are valid. */
static bool decode_head(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	if (!json_is_object(o))
		return ns_proto_fail(err, NS_E_BAD_JSON,
		                     "a request must be a JSON object");
	json_t *id = json_object_get(o, "id");
	if (id) {
		if (!json_is_string(id) && !json_is_integer(id) && !json_is_null(id))
			return ns_proto_fail(
			        err, NS_E_BAD_REQUEST,
			        "\"id\" must be a string, an integer or null");
		json_decref(req->id);
		req->id = json_incref(id);
	}
	json_t *v = json_object_get(o, "op");
	const char *op = json_string_value(v);
	if (!v)
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"op\" is required");
	if (!op)
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"op\" must be a string");
	for (int k = 0; k < NS_OP_COUNT; k++)
		if (strcmp(op, ns_proto_op_name((ns_op_t)k)) == 0) {
			req->op = (ns_op_t)k;
			return true;
		}
	return ns_proto_fail(err, NS_E_UNKNOWN_OP, "unknown op \"%.64s\"", op);
}

/* "min_revision" (read your writes across a primary and its replicas,
 * core/proto_replica.h), on the operations that read the index, taken
 * out of O before the operation's own decoder sees it. */
static bool decode_min_revision(json_t *o, ns_request_t *req,
                                ns_proto_err_t *err)
{
	json_t *v = json_object_get(o, "min_revision");
	if (!v)
		return true;
	ns_op_t op = req->op;
	if (op != NS_OP_SEARCH && op != NS_OP_SIMILAR && op != NS_OP_GET &&
	    op != NS_OP_STATS && op != NS_OP_PATHS)
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"min_revision\" applies to "
		                     "search, similar, get, stats and paths");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return ns_proto_fail(
		        err, NS_E_BAD_REQUEST,
		        "\"min_revision\" must be a non-negative integer");
	req->min_revision = (uint64_t)json_integer_value(v);
	json_object_del(o, "min_revision");
	return true;
}

bool ns_proto_decode(const char *line, size_t len, ns_request_t *req,
                     ns_proto_err_t *err)
{
	memset(req, 0, sizeof *req);
	req->id = json_null();
	json_error_t jerr;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return ns_proto_fail(err, NS_E_BAD_JSON,
		                     "not JSON: %s (column %d)", jerr.text,
		                     jerr.column);
	bool ok = decode_head(o, req, err) && decode_min_revision(o, req, err) &&
	          decoders[req->op](o, req, err);
	json_decref(o);
	return ok;
}

/* ---- authentication ---- */

bool ns_proto_decode_auth(const char *line, size_t len, json_t **id,
                          char **token, ns_proto_err_t *err)
{
	*id = NULL;
	*token = NULL;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *v = json_object_get(o, "id");
	if (json_is_string(v) || json_is_integer(v))
		*id = json_incref(v);
	const char *op = json_string_value(json_object_get(o, "op"));
	json_t *t = json_object_get(o, "token");
	bool ok = false;
	if (!op || strcmp(op, "auth") != 0)
		ns_proto_fail(err, NS_E_UNAUTHORIZED,
		              "the first request must be "
		              "{\"op\":\"auth\",\"token\":...}");
	else if (!json_is_string(t))
		ns_proto_fail(err, NS_E_UNAUTHORIZED,
		              "\"token\" must be a string");
	else if (!(*token = ns_strndup(json_string_value(t),
	                               json_string_length(t))))
		ns_proto_fail(err, NS_E_INTERNAL, "out of memory");
	else
		ok = true;
	json_decref(o);
	return ok;
}
