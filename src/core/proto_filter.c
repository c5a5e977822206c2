/* proto_filter.c - a search's "filter" read into an ns_filter_t: the
 * built-in fields (section, tag, author, lang, dates) and the declared
 * ones (core/fields.h).  One of the server's decoders (proto_request.c);
 * pure functions over jansson, no I/O. */
#include "core/proto.h"
#include "core/proto_impl.h"

#include "core/lang.h"

#include <stdlib.h>
#include <string.h>

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
			return ns_proto_fail(err, NS_E_INTERNAL,
			                     "out of memory");
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
			return ns_proto_fail(err, NS_E_INTERNAL,
			                     "out of memory");
		}
	}
	json_decref(v);
	if (!ok)
		return ns_proto_fail(
		        err, NS_E_BAD_REQUEST,
		        "\"filter.%s\" must be a "
		        "non-empty string or a list of 1 to %d of them",
		        key, NS_PROTO_MAX_FILTER_VALUES);
	return true;
}

/* filter.lang: "en-GB" filters as "en", as articles are indexed. */
static bool normalise_langs(ns_filter_t *f, ns_proto_err_t *err)
{
	for (size_t i = 0; i < f->langs.n; i++) {
		char code[16];
		if (!ns_language_normalise(f->langs.v[i], strlen(f->langs.v[i]),
		                           code))
			return ns_proto_fail(err, NS_E_BAD_REQUEST,
			                     "\"filter.lang\": \"%.40s\" is "
			                     "not a language code",
			                     f->langs.v[i]);
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
	static const int days[] = { 31, 28, 31, 30, 31, 30,
		                    31, 31, 30, 31, 30, 31 };
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
		return ns_proto_fail(
		        err, NS_E_BAD_REQUEST,
		        "\"filter.%s\" must be a date, \"YYYY-MM-DD\"", key);
	memcpy(out, json_string_value(v), 11);
	return true;
}

/* filter.NAME of a declared field, a number's {"min": x, "max": y},
 * into FF. */
static bool decode_field_range(const char *key, json_t *v,
                               ns_field_filter_t *ff, ns_proto_err_t *err)
{
	json_t *lo = json_object_get(v, "min"), *hi = json_object_get(v, "max");
	ff->has_min = lo != NULL;
	ff->has_max = hi != NULL;
	ff->min = json_number_value(lo);
	ff->max = json_number_value(hi);
	if ((lo && !json_is_number(lo)) || (hi && !json_is_number(hi)) ||
	    json_object_size(v) != (size_t)(!!lo + !!hi) || !(lo || hi) ||
	    (lo && hi && ff->min > ff->max))
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"filter.%s\": a range is "
		                     "{\"min\": N, \"max\": N}, min <= max",
		                     key);
	return true;
}

/* filter.NAME of a declared field: a value, a list of them, or for a
 * number {"min": x, "max": y}. */
static bool decode_field_filter(const char *key, json_t *v, ns_filter_t *f,
                                ns_proto_err_t *err)
{
	const ns_field_decl_t *d = ns_fields_get((size_t)ns_fields_find(key));
	ns_field_filter_t *ff =
	        realloc(f->fields, (f->nfields + 1) * sizeof *ff);
	if (!ff)
		return ns_proto_fail(err, NS_E_INTERNAL, "out of memory");
	f->fields = ff;
	ff = &f->fields[f->nfields++];
	memset(ff, 0, sizeof *ff);
	if (!(ff->name = strdup(key)))
		return ns_proto_fail(err, NS_E_INTERNAL, "out of memory");
	if (d->type == NS_FIELD_NUMBER && json_is_object(v))
		return decode_field_range(key, v, ff, err);
	size_t n = json_is_array(v) ? json_array_size(v) : 1;
	bool ok = n >= 1 && n <= NS_PROTO_MAX_FILTER_VALUES;
	for (size_t i = 0; ok && i < n; i++) {
		char buf[256];
		json_t *item = json_is_array(v) ? json_array_get(v, i) : v;
		ok = ns_field_value(d->type, item, buf, sizeof buf) &&
		     ns_strv_push(&ff->values, buf, strlen(buf)) == NS_OK;
	}
	if (!ok)
		return ns_proto_fail(
		        err, NS_E_BAD_REQUEST,
		        "\"filter.%s\" must be %s, or "
		        "a list of 1 to %d",
		        key,
		        d->type == NS_FIELD_BOOLEAN ? "true or false"
		        : d->type == NS_FIELD_NUMBER
		                ? "a number (or {\"min\": N, \"max\": N})"
		                : "a non-empty string",
		        NS_PROTO_MAX_FILTER_VALUES);
	return true;
}

bool ns_proto_decode_filter(json_t *o, ns_filter_t *f, ns_proto_err_t *err)
{
	static const char *const fields[] = {
		"section",   "tag",     "author", "lang",
		"date_from", "date_to", NULL,
	};
	json_t *v = json_object_get(o, "filter");
	if (!v)
		return true;
	if (!json_is_object(v))
		return ns_proto_fail(err, NS_E_BAD_REQUEST,
		                     "\"filter\" must be an object");
	const char *key;
	json_t *fv;
	json_object_foreach(v, key, fv) {
		bool builtin = false;
		for (size_t i = 0; fields[i] && !builtin; i++)
			builtin = strcmp(key, fields[i]) == 0;
		if (builtin)
			continue;
		if (ns_fields_find(key) < 0)
			return ns_proto_fail(
			        err, NS_E_BAD_REQUEST,
			        "filter: unknown field "
			        "\"%.64s\" (declare it in [fields])",
			        key);
		if (!decode_field_filter(key, fv, f, err))
			return false;
	}
	if (!get_values(v, "section", &f->sections, err) ||
	    !get_values(v, "tag", &f->tags, err) ||
	    !get_values(v, "author", &f->authors, err) ||
	    !get_values(v, "lang", &f->langs, err) ||
	    !normalise_langs(f, err) ||
	    !get_date(v, "date_from", f->date_from, err) ||
	    !get_date(v, "date_to", f->date_to, err))
		return false;
	if (f->date_from[0] && f->date_to[0] &&
	    strcmp(f->date_from, f->date_to) > 0)
		return ns_proto_fail(
		        err, NS_E_BAD_REQUEST,
		        "\"filter.date_from\" is after \"filter.date_to\"");
	return true;
}
