/* hit_json.c - ns_hit_t to JSON and back, one loop over a table made from
 * NS_HIT_FIELDS; no field is named here, so a new one needs no code. */
#include "core/hit_json.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef enum { KIND_STR, KIND_TEXT, KIND_STRV, KIND_UINT, KIND_REAL,
               KIND_BOOL, KIND_OBJECT } kind_t;

static const struct field {
	const char *key;         /* on the wire and in the stored data */
	unsigned bit;            /* NS_FIELD_* */
	kind_t kind;
	size_t offset;           /* of the member in ns_hit_t */
} fields_table[] = {
#define NS_HIT_ROW(NAME, member, kind) \
	{#member, NS_FIELD_##NAME, KIND_##kind, offsetof(ns_hit_t, member)},
	NS_HIT_FIELDS(NS_HIT_ROW)
#undef NS_HIT_ROW
};
#define NFIELDS (sizeof fields_table / sizeof *fields_table)

json_t *ns_strv_json(const ns_strv_t *sv)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < sv->n; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

/* The member F of H as a new JSON value (NULL: cannot be made). */
static json_t *value_json(const ns_hit_t *h, const struct field *f)
{
	const void *m = (const char *)h + f->offset;
	switch (f->kind) {
	case KIND_STR:
	case KIND_TEXT: {
		const char *s = *(char *const *)m;
		return json_string(s ? s : "");
	}
	case KIND_STRV: return ns_strv_json(m);
	case KIND_UINT: return json_integer(*(const unsigned *)m);
	case KIND_REAL: return json_real(*(const double *)m);
	case KIND_BOOL: return json_boolean(*(const bool *)m);
	case KIND_OBJECT: {
		json_t *j = *(json_t *const *)m;
		return j ? json_incref(j) : json_object();
	}
	}
	return NULL;
}

json_t *ns_hit_json(const ns_hit_t *h, unsigned fields)
{
	json_t *o = json_object();
	for (size_t i = 0; o && i < NFIELDS; i++) {
		const struct field *f = &fields_table[i];
		if (!(fields & f->bit))
			continue;
		json_t *v = value_json(h, f);
		json_object_set_new(o, f->key, v ? v : json_null());
	}
	return o;
}

/* V (may be NULL) into the string member *OUT: "" when not a string, or
 * NULL for TEXT when absent. */
static ns_status_t string_from(json_t *v, kind_t kind, char **out)
{
	if (!v && kind == KIND_TEXT)
		return NS_OK;
	const char *s = json_string_value(v);
	*out = strdup(s ? s : "");
	return *out ? NS_OK : NS_ERR_NOMEM;
}

static ns_status_t strv_from(json_t *v, ns_strv_t *out)
{
	size_t i;
	json_t *item;
	json_array_foreach(v, i, item) {
		const char *s = json_string_value(item);
		if (s && ns_strv_push(out, s, strlen(s)) != NS_OK)
			return NS_ERR_NOMEM;
	}
	return NS_OK;
}

static ns_status_t value_from(json_t *v, const struct field *f, ns_hit_t *h)
{
	void *m = (char *)h + f->offset;
	switch (f->kind) {
	case KIND_STR:
	case KIND_TEXT: return string_from(v, f->kind, m);
	case KIND_STRV: return strv_from(v, m);
	case KIND_UINT: {
		json_int_t n = json_integer_value(v);
		*(unsigned *)m = n > 0 ? (unsigned)n : 0;
		return NS_OK;
	}
	case KIND_REAL: *(double *)m = json_number_value(v); return NS_OK;
	case KIND_BOOL: *(bool *)m = json_is_true(v); return NS_OK;
	case KIND_OBJECT:
		*(json_t **)m = json_is_object(v) ? json_incref(v) : NULL;
		return NS_OK;
	}
	return NS_ERR_INVALID;
}

ns_status_t ns_hit_from_json(json_t *o, unsigned fields, ns_hit_t *h)
{
	ns_status_t st = NS_OK;
	for (size_t i = 0; st == NS_OK && i < NFIELDS; i++)
		if (fields & fields_table[i].bit)
			st = value_from(json_object_get(o, fields_table[i].key),
			                &fields_table[i], h);
	return st;
}

unsigned ns_hit_field_bit(const char *name)
{
	for (size_t i = 0; name && i < NFIELDS; i++)
		if (strcmp(name, fields_table[i].key) == 0)
			return fields_table[i].bit;
	return 0;
}
