/* proto.c - decodes requests and encodes replies of the NDJSON protocol.
 *
 * Pure functions over jansson; no I/O.  Every malformed request becomes an
 * error with a stable code, never a crash or a dropped connection.
 */
#include "core/proto.h"

#include "core/lang.h"
#include "core/proto_paths.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool fail(ns_proto_err_t *err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(ns_proto_err_t *err, const char *code, const char *fmt, ...)
{
	err->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return false;
}

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
		return fail(err, NS_E_BAD_REQUEST, "\"%s\" must be an integer", key);
	json_int_t n = json_integer_value(v);
	if (n < (json_int_t)lo || n > (json_int_t)hi)
		return fail(err, NS_E_BAD_REQUEST,
		            "\"%s\" must be between %u and %u", key, lo, hi);
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
		return fail(err, NS_E_BAD_REQUEST,
		            "\"%s\" must be a string of at most %d bytes", key,
		            NS_PROTO_MAX_MARKER);
	*out = strdup(json_string_value(v));
	return *out ? true : fail(err, NS_E_INTERNAL, "out of memory");
}

/* A filter field: one string or an array of them. */
static bool get_values(json_t *f, const char *key, ns_strv_t *out,
                       ns_proto_err_t *err)
{
	json_t *v = json_object_get(f, key);
	if (!v)
		return true;
	if (json_is_string(v)) {
		json_t *one = v;
		v = json_array();
		if (!v || json_array_append(v, one) < 0) {
			json_decref(v);
			return fail(err, NS_E_INTERNAL, "out of memory");
		}
	} else {
		json_incref(v);
	}
	bool ok = json_is_array(v) && json_array_size(v) > 0 &&
	          json_array_size(v) <= NS_PROTO_MAX_FILTER_VALUES;
	size_t i;
	json_t *item;
	json_array_foreach(v, i, item) {
		if (!ok)
			break;
		const char *str = json_string_value(item);
		ok = str && *str && strlen(str) == json_string_length(item) &&
		     strlen(str) <= 200;
		if (ok && ns_strv_push(out, str, strlen(str)) != NS_OK) {
			json_decref(v);
			return fail(err, NS_E_INTERNAL, "out of memory");
		}
	}
	json_decref(v);
	if (!ok)
		return fail(err, NS_E_BAD_REQUEST, "\"filter.%s\" must be a "
		            "non-empty string or a list of 1 to %d of them", key,
		            NS_PROTO_MAX_FILTER_VALUES);
	return true;
}

/* filter.lang: "en-GB" filters as "en", as articles are indexed. */
static bool normalise_langs(ns_filter_t *f, ns_proto_err_t *err)
{
	for (size_t i = 0; i < f->langs.n; i++) {
		char code[16];
		if (!ns_language_normalise(f->langs.v[i], strlen(f->langs.v[i]), code))
			return fail(err, NS_E_BAD_REQUEST, "\"filter.lang\": \"%.40s\" is "
			            "not a language code", f->langs.v[i]);
		strcpy(f->langs.v[i], code); /* never longer than the tag */
	}
	return true;
}

static bool valid_date(const char *s)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = atoi(s);
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m >= 1 && m <= 12 && d >= 1 &&
	       d <= days[m - 1] + (m == 2 && leap);
}

static bool get_date(json_t *f, const char *key, char out[11],
                     ns_proto_err_t *err)
{
	json_t *v = json_object_get(f, key);
	if (!v)
		return true;
	if (!json_is_string(v) || !valid_date(json_string_value(v)))
		return fail(err, NS_E_BAD_REQUEST,
		            "\"filter.%s\" must be a date, \"YYYY-MM-DD\"", key);
	memcpy(out, json_string_value(v), 11);
	return true;
}

static bool only_fields(json_t *o, const char *const *allowed,
                        ns_proto_err_t *err);

/* filter.NAME of a declared field: a value, a list of them, or for a
 * number {"min": x, "max": y}. */
static bool decode_field_filter(const char *key, json_t *v, ns_filter_t *f,
                                ns_proto_err_t *err)
{
	const ns_field_decl_t *d = ns_fields_get((size_t)ns_fields_find(key));
	ns_field_filter_t *ff = realloc(f->fields,
	                                (f->nfields + 1) * sizeof *ff);
	if (!ff)
		return fail(err, NS_E_INTERNAL, "out of memory");
	f->fields = ff;
	ff = &f->fields[f->nfields++];
	memset(ff, 0, sizeof *ff);
	if (!(ff->name = strdup(key)))
		return fail(err, NS_E_INTERNAL, "out of memory");
	if (d->type == NS_FIELD_NUMBER && json_is_object(v)) {
		json_t *lo = json_object_get(v, "min"), *hi = json_object_get(v, "max");
		ff->has_min = lo != NULL;
		ff->has_max = hi != NULL;
		ff->min = json_number_value(lo);
		ff->max = json_number_value(hi);
		if ((lo && !json_is_number(lo)) || (hi && !json_is_number(hi)) ||
		    json_object_size(v) != (size_t)(!!lo + !!hi) || !(lo || hi) ||
		    (lo && hi && ff->min > ff->max))
			return fail(err, NS_E_BAD_REQUEST, "\"filter.%s\": a range is "
			            "{\"min\": N, \"max\": N}, min <= max", key);
		return true;
	}
	size_t n = json_is_array(v) ? json_array_size(v) : 1;
	bool ok = n >= 1 && n <= NS_PROTO_MAX_FILTER_VALUES;
	for (size_t i = 0; ok && i < n; i++) {
		char buf[256];
		json_t *item = json_is_array(v) ? json_array_get(v, i) : v;
		ok = ns_field_value(d->type, item, buf, sizeof buf) &&
		     ns_strv_push(&ff->values, buf, strlen(buf)) == NS_OK;
	}
	if (!ok)
		return fail(err, NS_E_BAD_REQUEST, "\"filter.%s\" must be %s, or "
		            "a list of 1 to %d", key, d->type == NS_FIELD_BOOLEAN
		            ? "true or false" : d->type == NS_FIELD_NUMBER
		            ? "a number (or {\"min\": N, \"max\": N})"
		            : "a non-empty string", NS_PROTO_MAX_FILTER_VALUES);
	return true;
}

static bool decode_filter(json_t *o, ns_filter_t *f, ns_proto_err_t *err)
{
	static const char *const fields[] = {
		"section", "tag", "author", "lang", "date_from", "date_to", NULL,
	};
	json_t *v = json_object_get(o, "filter");
	if (!v)
		return true;
	if (!json_is_object(v))
		return fail(err, NS_E_BAD_REQUEST, "\"filter\" must be an object");
	const char *key;
	json_t *fv;
	json_object_foreach(v, key, fv) {
		bool builtin = false;
		for (size_t i = 0; fields[i] && !builtin; i++)
			builtin = strcmp(key, fields[i]) == 0;
		if (builtin)
			continue;
		if (ns_fields_find(key) < 0)
			return fail(err, NS_E_BAD_REQUEST, "filter: unknown field "
			            "\"%.64s\" (declare it in [fields])", key);
		if (!decode_field_filter(key, fv, f, err))
			return false;
	}
	if (!get_values(v, "section", &f->sections, err) ||
	    !get_values(v, "tag", &f->tags, err) ||
	    !get_values(v, "author", &f->authors, err) ||
	    !get_values(v, "lang", &f->langs, err) || !normalise_langs(f, err) ||
	    !get_date(v, "date_from", f->date_from, err) ||
	    !get_date(v, "date_to", f->date_to, err))
		return false;
	if (f->date_from[0] && f->date_to[0] &&
	    strcmp(f->date_from, f->date_to) > 0)
		return fail(err, NS_E_BAD_REQUEST,
		            "\"filter.date_from\" is after \"filter.date_to\"");
	return true;
}

static bool decode_sort(json_t *o, ns_sort_t *sort, ns_proto_err_t *err)
{
	json_t *v = json_object_get(o, "sort");
	if (!v)
		return true;
	const char *s = json_string_value(v);
	if (s && strcmp(s, "relevance") == 0)
		*sort = NS_SORT_RELEVANCE;
	else if (s && strcmp(s, "newest") == 0)
		*sort = NS_SORT_NEWEST;
	else if (s && strcmp(s, "oldest") == 0)
		*sort = NS_SORT_OLDEST;
	else if (s && ns_fields_find(s + (s[0] == '-')) >= 0)
		*sort = NS_SORT_FIELD; /* the caller keeps the name */
	else
		return fail(err, NS_E_BAD_REQUEST, "\"sort\" must be \"relevance\", "
		            "\"newest\", \"oldest\", or a declared field (\"-NAME\" "
		            "for the largest first)");
	return true;
}

static bool has_field_filter(const ns_filter_t *f)
{
	return f->nfields > 0;
}

static bool has_filter(const ns_filter_t *f)
{
	return f->sections.n || f->tags.n || f->authors.n || f->langs.n ||
	       f->date_from[0] || f->date_to[0] || has_field_filter(f);
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
			return fail(err, NS_E_BAD_REQUEST, "unknown field \"%.64s\"",
			            key);
	}
	return true;
}

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
		return fail(err, NS_E_BAD_REQUEST, "\"%s\" must be true or false",
		            key);
	*out = json_is_true(v);
	return true;
}

static const char *const field_names[] = {
	"path", "rank", "score", "title", "standfirst", "date", "time",
	"section", "tags", "authors", "language", "url", "format",
	"reading_minutes", "snippet", "partial", "duplicates", "body", "fields",
	NULL,
};

/* "fields": the names of the fields to return, out of ALLOWED; path is
 * always returned. */
static bool decode_fields(json_t *o, unsigned deflt, unsigned allowed,
                          unsigned *out, ns_proto_err_t *err)
{
	*out = deflt;
	json_t *v = json_object_get(o, "fields");
	if (!v)
		return true;
	if (!json_is_array(v))
		return fail(err, NS_E_BAD_REQUEST,
		            "\"fields\" must be an array of field names");
	*out = NS_FIELD_PATH;
	size_t i;
	json_t *f;
	json_array_foreach(v, i, f) {
		const char *name = json_string_value(f);
		unsigned bit = 0;
		for (size_t k = 0; name && field_names[k] && !bit; k++)
			if (strcmp(name, field_names[k]) == 0)
				bit = 1u << k;
		if (!(bit & allowed))
			return fail(err, NS_E_BAD_REQUEST, "\"fields\": unknown field "
			            "\"%.64s\" (see docs/protocol.md)",
			            name ? name : "(not a string)");
		*out |= bit;
	}
	return true;
}

static bool decode_facets(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	json_t *v = json_object_get(o, "facets");
	if (!v)
		return true;
	if (!json_is_array(v))
		return fail(err, NS_E_BAD_REQUEST,
		            "\"facets\" must be an array of facet names");
	size_t i;
	json_t *f;
	json_array_foreach(v, i, f) {
		const char *name = json_string_value(f);
		int k = name ? ns_facet_by_name(name) : -1;
		if (k < 0 && name && ns_fields_find(name) >= 0) {
			if (ns_strv_push(&req->facet_fields, name, strlen(name)) != NS_OK)
				return fail(err, NS_E_INTERNAL, "out of memory");
			continue;
		}
		if (k < 0)
			return fail(err, NS_E_BAD_REQUEST, "\"facets\": unknown facet "
			            "\"%.64s\"; facets are tag, author, section, lang, "
			            "year, month and the declared fields",
			            name ? name : "(not a string)");
		req->facets |= 1u << k;
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
	return fail(err, NS_E_BAD_REQUEST, "\"%s\" must be %s", key, list);
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
	if (!get_uint(o, "limit", 1, __atomic_load_n(&max_results, __ATOMIC_RELAXED),
	              &req->limit, err) ||
	    !get_uint(o, "offset", 0, __atomic_load_n(&max_offset, __ATOMIC_RELAXED),
	              &req->offset, err) ||
	    !decode_filter(o, &req->filter, err) || !decode_snippet(o, req, err) ||
	    !get_bool(o, "collapse", &req->collapse, err) ||
	    !decode_facets(o, req, err) ||
	    !decode_fields(o, NS_FIELDS_HIT, ~NS_FIELD_DUPLICATES, &req->fields,
	                   err))
		return false;
	if (req->collapse)
		req->fields |= NS_FIELD_DUPLICATES;
	return true;
}

static bool decode_search(json_t *o, ns_request_t *req, ns_proto_err_t *err)
{
	static const char *const fields[] = {
		"id", "op", "q", "limit", "offset", "snippet_length",
		"highlight_start", "highlight_end", "snippet_format", "lang",
		"filter", "sort", "match", "collapse", "facets", "facet_limit",
		"fields", "recency_days", NULL,
	};
	static const char *const matches[] = {"auto", "all", "any", NULL};
	if (!only_fields(o, fields, err))
		return false;
	json_t *q = json_object_get(o, "q");
	if (!q)
		return fail(err, NS_E_BAD_REQUEST, "\"q\" is required");
	if (!json_is_string(q))
		return fail(err, NS_E_BAD_REQUEST, "\"q\" must be a string");
	if (strlen(json_string_value(q)) != json_string_length(q))
		return fail(err, NS_E_BAD_REQUEST, "\"q\" contains a NUL byte");
	int match = 0;
	if (!decode_listing(o, req, err) || !decode_sort(o, &req->sort, err) ||
	    !get_choice(o, "match", matches, &match, err) ||
	    !get_uint(o, "recency_days", 1, 36500, &req->recency_days, err))
		return false;
	req->match = (ns_match_t)match;
	if (req->sort == NS_SORT_FIELD) {
		const char *by = json_string_value(json_object_get(o, "sort"));
		req->sort_desc = by[0] == '-';
		if (!(req->sort_field = strdup(by + req->sort_desc)))
			return fail(err, NS_E_INTERNAL, "out of memory");
	}
	/* An empty query lists what the filter lets through. */
	const char *qs = json_string_value(q);
	if (!qs[strspn(qs, " \t\r\n")] && !has_filter(&req->filter))
		return fail(err, NS_E_BAD_REQUEST,
		            "\"q\" is empty and there is no \"filter\"");
	json_t *lang = json_object_get(o, "lang");
	if (lang) {
		char code[16];
		if (!json_is_string(lang) ||
		    !ns_language_normalise(json_string_value(lang),
		                           json_string_length(lang), code))
			return fail(err, NS_E_BAD_REQUEST, "\"lang\" must be a "
			            "language code such as \"en\" or \"ru\"");
		const char *l = code;
		if (!(req->lang = strdup(l)))
			return fail(err, NS_E_INTERNAL, "out of memory");
	}
	if (!(req->q = strdup(json_string_value(q))))
		return fail(err, NS_E_INTERNAL, "out of memory");
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
		return fail(err, NS_E_BAD_REQUEST, "\"path\" is required");
	if (!json_is_string(path) ||
	    !valid_relpath(json_string_value(path), json_string_length(path)))
		return fail(err, NS_E_BAD_REQUEST, "\"path\" must be a path relative "
		            "to the articles root, without \".\" or \"..\"");
	if (!(req->path = strdup(json_string_value(path))))
		return fail(err, NS_E_INTERNAL, "out of memory");
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
		return fail(err, NS_E_BAD_REQUEST, "\"dir\" must be an absolute "
		            "path on the daemon's machine");
	if (!(req->path = strdup(s)))
		return fail(err, NS_E_INTERNAL, "out of memory");
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
		return fail(err, NS_E_BAD_JSON, "not JSON: %s (column %d)",
		            jerr.text, jerr.column);
	bool ok = false;
	if (!json_is_object(o)) {
		fail(err, NS_E_BAD_JSON, "a request must be a JSON object");
		goto out;
	}
	json_t *id = json_object_get(o, "id");
	if (id) {
		if (!json_is_string(id) && !json_is_integer(id) && !json_is_null(id)) {
			fail(err, NS_E_BAD_REQUEST,
			     "\"id\" must be a string, an integer or null");
			goto out;
		}
		json_decref(req->id);
		req->id = json_incref(id);
	}
	const char *op = json_string_value(json_object_get(o, "op"));
	if (!json_object_get(o, "op")) {
		fail(err, NS_E_BAD_REQUEST, "\"op\" is required");
	} else if (!op) {
		fail(err, NS_E_BAD_REQUEST, "\"op\" must be a string");
	} else if (strcmp(op, "search") == 0) {
		req->op = NS_OP_SEARCH;
		ok = decode_search(o, req, err);
	} else if (strcmp(op, "status") == 0) {
		static const char *const fields[] = {"id", "op", NULL};
		req->op = NS_OP_STATUS;
		ok = only_fields(o, fields, err);
	} else if (strcmp(op, "get") == 0) {
		req->op = NS_OP_GET;
		ok = decode_get(o, req, err);
	} else if (strcmp(op, "similar") == 0) {
		req->op = NS_OP_SIMILAR;
		ok = decode_similar(o, req, err);
	} else if (strcmp(op, "stats") == 0) {
		static const char *const fields[] = {"id", "op", NULL};
		req->op = NS_OP_STATS;
		ok = only_fields(o, fields, err);
	} else if (strcmp(op, "wait") == 0) {
		req->op = NS_OP_WAIT;
		ok = decode_wait(o, req, err);
	} else if (strcmp(op, "reindex") == 0) {
		static const char *const fields[] = {"id", "op", "path", NULL};
		req->op = NS_OP_REINDEX;
		ok = only_fields(o, fields, err) && get_path(o, false, req, err);
	} else if (strcmp(op, "compact") == 0) {
		static const char *const fields[] = {"id", "op", NULL};
		req->op = NS_OP_COMPACT;
		ok = only_fields(o, fields, err);
	} else if (strcmp(op, "backup") == 0) {
		req->op = NS_OP_BACKUP;
		ok = decode_backup(o, req, err);
	} else if (strcmp(op, "paths") == 0) {
		req->op = NS_OP_PATHS;
		ok = ns_proto_decode_paths(o, req, err);
	} else if (strcmp(op, "problems") == 0) {
		static const char *const fields[] = {"id", "op", "limit", "offset",
		                                     NULL};
		req->op = NS_OP_PROBLEMS;
		req->limit = 100;
		ok = only_fields(o, fields, err) &&
		     get_uint(o, "limit", 1, NS_PROTO_MAX_PROBLEMS, &req->limit, err) &&
		     get_uint(o, "offset", 0, 1000000, &req->offset, err);
	} else {
		fail(err, NS_E_UNKNOWN_OP, "unknown op \"%.64s\"", op);
	}
out:
	json_decref(o);
	return ok;
}

const char *ns_proto_op_name(ns_op_t op)
{
	static const char *const names[] = {
		[NS_OP_SEARCH] = "search", [NS_OP_STATUS] = "status",
		[NS_OP_PROBLEMS] = "problems", [NS_OP_WAIT] = "wait",
		[NS_OP_GET] = "get", [NS_OP_SIMILAR] = "similar",
		[NS_OP_STATS] = "stats", [NS_OP_REINDEX] = "reindex",
		[NS_OP_COMPACT] = "compact", [NS_OP_BACKUP] = "backup",
		[NS_OP_PATHS] = "paths",
	};
	return (unsigned)op < sizeof names / sizeof *names && names[op]
	       ? names[op] : "?";
}

/* ---- results ---- */

static const char *const facet_names[NS_FACET_COUNT] = {
	[NS_FACET_TAG] = "tag", [NS_FACET_AUTHOR] = "author",
	[NS_FACET_SECTION] = "section", [NS_FACET_LANG] = "lang",
	[NS_FACET_YEAR] = "year", [NS_FACET_MONTH] = "month",
};

const char *ns_facet_name(ns_facet_kind_t k)
{
	return k < NS_FACET_COUNT ? facet_names[k] : "";
}

int ns_facet_by_name(const char *name)
{
	for (int k = 0; k < NS_FACET_COUNT; k++)
		if (strcmp(facet_names[k], name) == 0)
			return k;
	return -1;
}

void ns_facet_values_free(ns_facet_value_t *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].value);
	free(v);
}

void ns_stats_clear(ns_stats_t *st)
{
	if (!st)
		return;
	ns_facet_values_free(st->sections, st->nsections);
	ns_facet_values_free(st->langs, st->nlangs);
	ns_facet_values_free(st->years, st->nyears);
	memset(st, 0, sizeof *st);
}

void ns_hit_clear(ns_hit_t *h)
{
	free(h->path);
	free(h->title);
	free(h->standfirst);
	free(h->date);
	free(h->time);
	free(h->section);
	free(h->language);
	free(h->url);
	free(h->format);
	ns_strv_clear(&h->tags);
	ns_strv_clear(&h->authors);
	free(h->snippet);
	free(h->body);
	json_decref(h->fields);
	memset(h, 0, sizeof *h);
}

void ns_result_free(ns_result_t *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->nhits; i++)
		ns_hit_clear(&res->hits[i]);
	free(res->hits);
	for (size_t f = 0; f < res->nfacets; f++) {
		ns_facet_values_free(res->facets[f].values, res->facets[f].n);
		free(res->facets[f].name);
	}
	free(res->facets);
	free(res->suggestion);
	free(res);
}

/* ---- replies ---- */

static char *finish(json_t *o)
{
	if (!o)
		return NULL;
	char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(9));
	json_decref(o);
	if (!s)
		return NULL;
	size_t n = strlen(s);
	char *line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = '\0';
	return line;
}

static json_t *id_of(json_t *id)
{
	return id ? json_incref(id) : json_null();
}

static json_t *strv_array(const ns_strv_t *sv)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < sv->n; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

#define OR_EMPTY(s) ((s) ? (s) : "")

/* Set KEY to the new value V if BIT is in FIELDS (V is dropped if not). */
static void put(json_t *o, unsigned fields, unsigned bit, const char *key,
                json_t *v)
{
	if (fields & bit)
		json_object_set_new(o, key, v ? v : json_null());
	else
		json_decref(v);
}

static json_t *hit_json(const ns_hit_t *h, unsigned fields)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	put(o, fields, NS_FIELD_RANK, "rank", json_integer(h->rank));
	put(o, fields, NS_FIELD_SCORE, "score", json_real(h->score));
	put(o, fields, NS_FIELD_PATH, "path", json_string(OR_EMPTY(h->path)));
	put(o, fields, NS_FIELD_TITLE, "title", json_string(OR_EMPTY(h->title)));
	put(o, fields, NS_FIELD_STANDFIRST, "standfirst",
	    json_string(OR_EMPTY(h->standfirst)));
	put(o, fields, NS_FIELD_DATE, "date", json_string(OR_EMPTY(h->date)));
	put(o, fields, NS_FIELD_TIME, "time", json_string(OR_EMPTY(h->time)));
	put(o, fields, NS_FIELD_SECTION, "section",
	    json_string(OR_EMPTY(h->section)));
	put(o, fields, NS_FIELD_TAGS, "tags", strv_array(&h->tags));
	put(o, fields, NS_FIELD_AUTHORS, "authors", strv_array(&h->authors));
	put(o, fields, NS_FIELD_LANGUAGE, "language",
	    json_string(OR_EMPTY(h->language)));
	put(o, fields, NS_FIELD_URL, "url", json_string(OR_EMPTY(h->url)));
	put(o, fields, NS_FIELD_FORMAT, "format",
	    json_string(OR_EMPTY(h->format)));
	put(o, fields, NS_FIELD_READING_MINUTES, "reading_minutes",
	    json_integer(h->reading_minutes));
	put(o, fields, NS_FIELD_SNIPPET, "snippet",
	    json_string(OR_EMPTY(h->snippet)));
	put(o, fields, NS_FIELD_PARTIAL, "partial", json_boolean(h->partial));
	put(o, fields, NS_FIELD_DUPLICATES, "duplicates",
	    json_integer(h->duplicates));
	put(o, fields, NS_FIELD_BODY, "body", json_string(OR_EMPTY(h->body)));
	put(o, fields, NS_FIELD_FIELDS, "fields",
	    h->fields ? json_incref(h->fields) : json_object());
	return o;
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

char *ns_proto_search_reply(json_t *id, const ns_result_t *res,
                            unsigned fields)
{
	json_t *hits = json_array();
	for (size_t i = 0; hits && i < res->nhits; i++) {
		json_t *hit = hit_json(&res->hits[i], fields);
		if (!hit || json_array_append_new(hits, hit) < 0) {
			json_decref(hits);
			return NULL;
		}
	}
	if (!hits)
		return NULL;
	json_t *o = json_pack("{s:o, s:b, s:I, s:{s:I, s:I}, s:b, s:b, s:o, "
	                      "s:I, s:f, s:o}",
	                      "id", id_of(id), "ok", 1,
	                      "total", (json_int_t)res->total,
	                      "total_bounds",
	                      "min", (json_int_t)res->total_min,
	                      "max", (json_int_t)res->total_max,
	                      "exact", res->exact, "relaxed", res->relaxed,
	                      "suggestion", res->suggestion
	                                    ? json_string(res->suggestion)
	                                    : json_null(),
	                      "revision", (json_int_t)res->revision,
	                      "took_ms", res->took_ms,
	                      "hits", hits);
	if (o && res->nfacets)
		json_object_set_new(o, "facets", facets_json(res));
	return finish(o);
}

char *ns_proto_get_reply(json_t *id, uint64_t revision, const ns_hit_t *a,
                         unsigned fields)
{
	return finish(json_pack("{s:o, s:b, s:I, s:o}", "id", id_of(id), "ok", 1,
	                        "revision", (json_int_t)revision,
	                        "article", hit_json(a, fields)));
}

static json_t *counts_json(const ns_facet_value_t *v, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < n; i++)
		json_object_set_new(o, v[i].value, json_integer((json_int_t)v[i].count));
	return o;
}

static void utc_iso(int64_t when, char out[21]);

char *ns_proto_stats_reply(json_t *id, const ns_stats_t *st)
{
	char when[21] = "";
	if (st->last_commit)
		utc_iso(st->last_commit, when);
	return finish(json_pack("{s:o, s:b, s:I, s:I, s:I, s:o, s:o, s:o, s:o}",
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

char *ns_proto_status_reply(json_t *id, const ns_daemon_status_t *st)
{
	json_t *problems = json_array();
	for (size_t i = 0; problems && i < st->nproblems; i++) {
		const ns_problem_t *p = &st->problems[i];
		char when[21];
		utc_iso(p->when, when);
		json_t *reason = json_string(p->reason), *path = json_string(p->path);
		json_array_append_new(problems, json_pack(
			"{s:o, s:s, s:o, s:s}", "path", path ? path : json_string("?"),
			"kind", p->partial ? "partial" : "skipped", "reason",
			reason ? reason : json_string("?"), "time", when));
	}
	json_t *o = json_pack("{s:o, s:b, s:i, s:b, s:I, s:I, s:I, s:I, s:I, "
	                      "s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:o, "
	                      "s:{s:I, s:I, s:f}, s:i, s:{s:I, s:f, s:f, s:f}, "
	                      "s:o}",
	                      "id", id_of(id), "ok", 1,
	                      "protocol", NS_PROTO_VERSION,
	                      "ready", st->ready,
	                      "revision", (json_int_t)st->revision,
	                      "documents", (json_int_t)st->documents,
	                      "queued", (json_int_t)st->queued,
	                      "indexed", (json_int_t)st->indexed,
	                      "unchanged", (json_int_t)st->unchanged,
	                      "same_content", (json_int_t)st->same_content,
	                      "removed", (json_int_t)st->removed,
	                      "failed", (json_int_t)st->failed,
	                      "skipped", (json_int_t)st->skipped,
	                      "partial", (json_int_t)st->partial,
	                      "overflows", (json_int_t)st->overflows,
	                      "unwatched", (json_int_t)st->unwatched,
	                      "uptime_s", st->uptime_s,
	                      "last_commit", time_or_null(st->last_commit),
	                      "reconcile", "files", (json_int_t)st->scanned,
	                      "left", (json_int_t)(st->ready ? 0 : st->queued),
	                      "seconds", st->reconcile_s,
	                      "connections", (int)st->connections,
	                      "latency_ms", "searches", (json_int_t)st->searches,
	                      "p50", st->latency_p50_ms,
	                      "p95", st->latency_p95_ms,
	                      "p99", st->latency_p99_ms,
	                      "problems", problems ? problems : json_array());
	return finish(o ? status_root(st, status_health(st, status_ops(st, o)))
	                : NULL);
}

char *ns_proto_maint_reply(json_t *id, uint64_t revision, const char *op,
                           const char *message, double took_ms)
{
	json_t *msg = json_string(message);
	return finish(json_pack("{s:o, s:b, s:I, s:s, s:o, s:f}", "id", id_of(id),
	                        "ok", 1, "revision", (json_int_t)revision,
	                        "op", op, "message", msg ? msg : json_string("?"),
	                        "took_ms", took_ms));
}

static void utc_iso(int64_t when, char out[21])
{
	time_t t = (time_t)when;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm))
		out[0] = '\0';
}

char *ns_proto_problems_reply(json_t *id, uint64_t revision,
                              const ns_problem_t *v, size_t n,
                              uint64_t total)
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
	if (!arr)
		return NULL;
	return finish(json_pack("{s:o, s:b, s:I, s:I, s:o}", "id", id_of(id),
	                        "ok", 1, "revision", (json_int_t)revision,
	                        "total", (json_int_t)total, "problems", arr));
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
	return finish(o);
}

char *ns_proto_error_reply(json_t *id, uint64_t revision, const char *code,
                           const char *message)
{
	/* A message is ours but may quote the client's bytes: never let
	 * invalid UTF-8 turn an error reply into no reply. */
	json_t *msg = json_string(message);
	if (!msg)
		msg = json_string("(message not valid UTF-8)");
	return finish(json_pack("{s:o, s:b, s:I, s:{s:s, s:o}}", "id",
	                        id_of(id), "ok", 0, "revision",
	                        (json_int_t)revision, "error", "code", code,
	                        "message", msg));
}

/* ---- the client side ---- */

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
	return finish(o);
}

static json_t *values_json(const ns_strv_t *sv)
{
	return sv->n == 1 ? json_string(sv->v[0]) : strv_array(sv);
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
	if (req->collapse)
		json_object_set_new(o, "collapse", json_true());
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
	if (has_filter(f)) {
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
		for (size_t i = 0; i < f->nfields; i++) {
			const ns_field_filter_t *ff = &f->fields[i];
			json_t *fv = ff->values.n ? values_json(&ff->values)
			                          : json_object();
			if (ff->has_min)
				json_object_set_new(fv, "min", json_real(ff->min));
			if (ff->has_max)
				json_object_set_new(fv, "max", json_real(ff->max));
			json_object_set_new(fo, ff->name, fv);
		}
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
	static const char *const sorts[] = {"relevance", "newest", "oldest"};
	if (req->sort == NS_SORT_FIELD && req->sort_field) {
		char *by = NULL;
		if (asprintf(&by, "%s%s", req->sort_desc ? "-" : "",
		             req->sort_field) > 0)
			json_object_set_new(o, "sort", json_string(by));
		free(by);
	} else if (req->sort != NS_SORT_RELEVANCE && req->sort != NS_SORT_FIELD) {
		json_object_set_new(o, "sort", json_string(sorts[req->sort]));
	}
	static const char *const matches[] = {"auto", "all", "any"};
	if (req->match != NS_MATCH_AUTO)
		json_object_set_new(o, "match", json_string(matches[req->match]));
	if (req->recency_days)
		json_object_set_new(o, "recency_days",
		                    json_integer(req->recency_days));
	return finish(o);
}

char *ns_proto_encode_similar(long long id, const ns_request_t *req)
{
	json_t *o = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
	                      "op", "similar", "path", OR_EMPTY(req->path));
	if (o)
		encode_listing(o, req);
	return finish(o);
}

char *ns_proto_get_request(long long id, const char *path)
{
	return finish(json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
	                        "op", "get", "path", OR_EMPTY(path)));
}

char *ns_proto_stats_request(long long id)
{
	return finish(json_pack("{s:I, s:s}", "id", (json_int_t)id,
	                        "op", "stats"));
}

char *ns_proto_problems_request(long long id, unsigned limit,
                                unsigned offset)
{
	return finish(json_pack("{s:I, s:s, s:i, s:i}", "id", (json_int_t)id,
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
	return finish(o);
}

char *ns_proto_status_request(long long id)
{
	return finish(json_pack("{s:I, s:s}", "id", (json_int_t)id,
	                        "op", "status"));
}

char *ns_proto_reindex_request(long long id, const char *path)
{
	json_t *o = json_pack("{s:I, s:s}", "id", (json_int_t)id, "op",
	                      "reindex");
	if (o && path)
		json_object_set_new(o, "path", json_string(path));
	return finish(o);
}

char *ns_proto_compact_request(long long id)
{
	return finish(json_pack("{s:I, s:s}", "id", (json_int_t)id, "op",
	                        "compact"));
}

char *ns_proto_backup_request(long long id, const char *dir)
{
	return finish(json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "op",
	                        "backup", "dir", dir));
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

static void strv_field(json_t *o, const char *key, ns_strv_t *out)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(o, key), i, v) {
		const char *s = json_string_value(v);
		if (s)
			ns_strv_push(out, s, strlen(s));
	}
}

static void parse_hit(json_t *h, ns_hit_t *hit)
{
	hit->rank = (unsigned)u64_field(h, "rank");
	hit->score = json_number_value(json_object_get(h, "score"));
	hit->path = dup_field(h, "path");
	hit->title = dup_field(h, "title");
	hit->standfirst = dup_field(h, "standfirst");
	hit->date = dup_field(h, "date");
	hit->time = dup_field(h, "time");
	hit->section = dup_field(h, "section");
	hit->language = dup_field(h, "language");
	hit->url = dup_field(h, "url");
	hit->format = dup_field(h, "format");
	hit->reading_minutes = (unsigned)u64_field(h, "reading_minutes");
	hit->snippet = dup_field(h, "snippet");
	hit->partial = json_is_true(json_object_get(h, "partial"));
	hit->duplicates = (unsigned)u64_field(h, "duplicates");
	if (json_object_get(h, "body"))
		hit->body = dup_field(h, "body");
	strv_field(h, "tags", &hit->tags);
	strv_field(h, "authors", &hit->authors);
	json_t *own = json_object_get(h, "fields");
	hit->fields = json_is_object(own) ? json_incref(own) : NULL;
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
	res->relaxed = json_is_true(json_object_get(o, "relaxed"));
	const char *sugg = json_string_value(json_object_get(o, "suggestion"));
	if (sugg)
		res->suggestion = strdup(sugg);
	for (size_t i = 0; i < n; i++)
		parse_hit(json_array_get(hits, i), &res->hits[res->nhits++]);
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
		parse_hit(art, a);
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
		const char *when = json_string_value(json_object_get(o, "last_commit"));
		struct tm tm = {0};
		if (when && strptime(when, "%Y-%m-%dT%H:%M:%SZ", &tm))
			st->last_commit = (int64_t)timegm(&tm);
		counts_field(o, "sections", &st->sections, &st->nsections);
		counts_field(o, "languages", &st->langs, &st->nlangs);
		counts_field(o, "years", &st->years, &st->nyears);
	}
	json_decref(o);
	return ok;
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
			st->queued = u64_field(o, "queued");
			st->indexed = u64_field(o, "indexed");
			st->unchanged = u64_field(o, "unchanged");
			st->same_content = u64_field(o, "same_content");
			st->removed = u64_field(o, "removed");
			st->failed = u64_field(o, "failed");
			st->skipped = u64_field(o, "skipped");
			st->partial = u64_field(o, "partial");
			st->overflows = u64_field(o, "overflows");
			st->unwatched = u64_field(o, "unwatched");
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
		fail(err, NS_E_UNAUTHORIZED, "the first request must be "
		     "{\"op\":\"auth\",\"token\":...}");
	else if (!json_is_string(t))
		fail(err, NS_E_UNAUTHORIZED, "\"token\" must be a string");
	else if (!(*token = ns_strndup(json_string_value(t),
	                               json_string_length(t))))
		fail(err, NS_E_INTERNAL, "out of memory");
	else
		ok = true;
	json_decref(o);
	return ok;
}

char *ns_proto_auth_reply(json_t *id, uint64_t revision)
{
	return finish(json_pack("{s:o, s:b, s:I, s:i}", "id", id_of(id), "ok", 1,
	                        "revision", (json_int_t)revision, "protocol",
	                        NS_PROTO_VERSION));
}

char *ns_proto_auth_request(long long id, const char *token)
{
	return finish(json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "op",
	                        "auth", "token", token));
}
