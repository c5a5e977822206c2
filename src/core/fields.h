/* fields.h - a CMS's own fields that the configuration declares
 * ([fields] site = keyword): their names and types, and how a request
 * filters, sorts and counts facets on them.  The declarations are set
 * once at start (ns_fields_declare); everything else is pure.  Any
 * thread. */
#ifndef NS_FIELDS_H
#define NS_FIELDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

#define NS_MAX_FIELDS 16
#define NS_FIELD_NAME_MAX 32

typedef enum {
	NS_FIELD_KEYWORD,   /* exact values (any case), lists allowed */
	NS_FIELD_BOOLEAN,   /* true or false */
	NS_FIELD_NUMBER,    /* exact values and ranges; sorts numerically */
} ns_field_type_t;

typedef struct {
	char name[NS_FIELD_NAME_MAX + 1];
	ns_field_type_t type;
} ns_field_decl_t;

/* "keyword", "boolean", "number" into *OUT; false for anything else. */
bool ns_field_type_parse(const char *s, ns_field_type_t *out);
const char *ns_field_type_name(ns_field_type_t t);
/* Is NAME a name a field may have (a letter, then letters, digits, _ or
 * -, at most NS_FIELD_NAME_MAX) and none of the built-in ones? */
bool ns_field_name_ok(const char *name);

/* The declarations in force, for every decode from now on (copied). */
void ns_fields_declare(const ns_field_decl_t *v, size_t n);
/* The index of the declared field NAME, or -1. */
int ns_fields_find(const char *name);
size_t ns_fields_count(void);
/* Declaration I (< ns_fields_count()); static. */
const ns_field_decl_t *ns_fields_get(size_t i);
/* A hash of the declarations (0 for none): the index's layout depends
 * on them. */
unsigned ns_fields_hash(void);

/* A value V of field type T as its canonical text into OUT (SIZE
 * bytes): keyword the string as it is (numbers written as JSON writes
 * them), boolean "true"/"false" (also from the strings "true", "false",
 * "yes", "no", "1", "0"), number "%.17g" of the value (also from a
 * numeric string).  False when V is not one. */
bool ns_field_value(ns_field_type_t t, json_t *v, char *out, size_t size);
/* NUMBER as text that sorts as the number does (byte order): 16 hex
 * digits, into OUT[17]. */
void ns_field_sortable(double number, char out[17]);

#endif
