/* proto_impl.h - helpers shared by the protocol's own files (proto_*.c)
 * and nobody else: include core/proto.h for the protocol itself. */
#ifndef NS_PROTO_IMPL_H
#define NS_PROTO_IMPL_H

#include <jansson.h>
#include <stdbool.h>

#include "nsearch/request.h"

#define OR_EMPTY(s) ((s) ? (s) : "")

/* The wire's names of ns_sort_t and ns_match_t, by value, then NULL. */
extern const char *const ns_proto_sort_names[];
extern const char *const ns_proto_match_names[];

/* O (stolen; may be NULL) as a compact line ending in "\n": new, to
 * free(); NULL when O is NULL or out of memory. */
char *ns_proto_line(json_t *o);
/* Does F filter anything? */
bool ns_proto_has_filter(const ns_filter_t *f);

#endif
