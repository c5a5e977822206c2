/* fields.c - declared fields: names, types, canonical values (fields.h).
 * The table is written once at start, before any thread reads it. */
#include "core/fields.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ns_field_decl_t decls[NS_MAX_FIELDS];
static size_t ndecls;

bool ns_field_type_parse(const char *s, ns_field_type_t *out)
{
	static const char *const names[] = {"keyword", "boolean", "number"};
	for (int i = 0; i < 3; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (ns_field_type_t)i;
			return true;
		}
	return false;
}

const char *ns_field_type_name(ns_field_type_t t)
{
	return t == NS_FIELD_BOOLEAN ? "boolean" : t == NS_FIELD_NUMBER
	       ? "number" : "keyword";
}

bool ns_field_name_ok(const char *name)
{
	/* The built-in fields and filters keep their meaning. */
	static const char *const builtin[] = {
		"path", "title", "standfirst", "body", "date", "time", "section",
		"tag", "tags", "author", "authors", "lang", "language", "url",
		"format", "date_from", "date_to", "year", "month", "relevance",
		"newest", "oldest", "fields", NULL,
	};
	size_t n = strlen(name);
	if (!n || n > NS_FIELD_NAME_MAX || !isalpha((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_' &&
		    name[i] != '-')
			return false;
	for (size_t i = 0; builtin[i]; i++)
		if (strcmp(name, builtin[i]) == 0)
			return false;
	return true;
}

void ns_fields_declare(const ns_field_decl_t *v, size_t n)
{
	ndecls = n < NS_MAX_FIELDS ? n : NS_MAX_FIELDS;
	if (ndecls)
		memcpy(decls, v, ndecls * sizeof *decls);
}

int ns_fields_find(const char *name)
{
	for (size_t i = 0; name && i < ndecls; i++)
		if (strcmp(decls[i].name, name) == 0)
			return (int)i;
	return -1;
}

size_t ns_fields_count(void)
{
	return ndecls;
}

const ns_field_decl_t *ns_fields_get(size_t i)
{
	return i < ndecls ? &decls[i] : NULL;
}

unsigned ns_fields_hash(void)
{
	if (!ndecls)
		return 0; /* indexes made before [fields] existed stay valid */
	unsigned h = 2166136261u;
	for (size_t i = 0; i < ndecls; i++) {
		for (const char *p = decls[i].name; *p; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
		h = (h ^ (unsigned)(decls[i].type + 1)) * 16777619u;
	}
	return h;
}

static bool number_of(json_t *v, double *out)
{
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return isfinite(*out);
	}
	const char *s = json_string_value(v);
	char *end;
	if (!s || !*s || isspace((unsigned char)*s))
		return false;
	*out = strtod(s, &end);
	return !*end && isfinite(*out);
}

bool ns_field_value(ns_field_type_t t, json_t *v, char *out, size_t size)
{
	const char *s = json_string_value(v);
	double d;
	switch (t) {
	case NS_FIELD_BOOLEAN:
		if (json_is_boolean(v)) {
			snprintf(out, size, "%s", json_is_true(v) ? "true" : "false");
			return true;
		}
		if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "1")))
			return snprintf(out, size, "true") > 0;
		if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "0")))
			return snprintf(out, size, "false") > 0;
		return false;
	case NS_FIELD_NUMBER:
		if (!number_of(v, &d))
			return false;
		if (d == (double)(long long)d && d > -1e15 && d < 1e15) {
			snprintf(out, size, "%lld", (long long)d);
			return true;
		}
		snprintf(out, size, "%.17g", d);
		/* "%.17g" of 350 is "350"; of 0.1 "0.10000000000000001": the
		 * shortest text that reads back the same is the one to show. */
		for (int p = 1; p <= 17; p++) {
			char buf[40];
			snprintf(buf, sizeof buf, "%.*g", p, d);
			if (strtod(buf, NULL) == d) {
				snprintf(out, size, "%s", buf);
				break;
			}
		}
		return true;
	case NS_FIELD_KEYWORD:
		if (s && *s && strlen(s) < size) {
			snprintf(out, size, "%s", s);
			return true;
		}
		if (json_is_integer(v)) {
			snprintf(out, size, "%lld", (long long)json_integer_value(v));
			return true;
		}
		return false;
	}
	return false;
}

void ns_field_sortable(double number, char out[17])
{
	uint64_t bits;
	memcpy(&bits, &number, sizeof bits);
	/* IEEE 754 in sign-magnitude: flip the sign bit of positives and
	 * every bit of negatives, and unsigned order is numeric order. */
	bits = (bits >> 63) ? ~bits : bits | (1ull << 63);
	snprintf(out, 17, "%016llx", (unsigned long long)bits);
}
