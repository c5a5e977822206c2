/* hit_json.h - a hit as JSON and back, field by field from the
 * NS_HIT_FIELDS list (nsearch/result.h): the wire's hits and articles
 * (core/proto.h) and the index's stored data (daemon/query.c) use the
 * same keys.  Pure functions over jansson. */
#ifndef NS_HIT_JSON_H
#define NS_HIT_JSON_H

#include <jansson.h>

#include "nsearch/result.h"

/* The FIELDS (NS_FIELD_*) of H as a JSON object, keys in the list's
 * order: new, NULL when out of memory.  A string member that is NULL
 * reads as "", a value that cannot be made (not UTF-8) as null. */
json_t *ns_hit_json(const ns_hit_t *h, unsigned fields);

/* The FIELDS of H from the object O (borrowed; not an object reads as
 * empty): absent strings as "" (TEXT ones as NULL), absent numbers as 0.
 * NS_ERR_NOMEM leaves H half filled: ns_hit_clear() it either way. */
ns_status_t ns_hit_from_json(json_t *o, unsigned fields, ns_hit_t *h);

/* The bit of the field NAME ("reading_minutes"), or 0 if no field has
 * that name. */
unsigned ns_hit_field_bit(const char *name);

/* SV as a JSON array of strings: new, NULL when out of memory. */
json_t *ns_strv_json(const ns_strv_t *sv);

#endif
