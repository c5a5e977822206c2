/* proto_impl.h - helpers shared by the protocol's own files (proto_*.c)
 * and nobody else: include core/proto.h for the protocol itself. */
#ifndef NS_PROTO_IMPL_H
#define NS_PROTO_IMPL_H

#include <jansson.h>
#include <stdbool.h>

#include "core/proto.h"
#include "nsearch/request.h"

#define OR_EMPTY(s) ((s) ? (s) : "")

/* The wire's names of ns_sort_t and ns_match_t, by value, then NULL. */
extern const char *const ns_proto_sort_names[];
extern const char *const ns_proto_match_names[];

/* O (stolen; may be NULL) as a compact line ending in "\n": new, to
 * free(); NULL when O is NULL or out of memory. */
char *ns_proto_line(json_t *o);
/* *ERR set to CODE (static) and the message FMT makes: false, for a
 * decoder to return. */
bool ns_proto_fail(ns_proto_err_t *err, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* The "filter" of request O, if any, into *F (proto_filter.c); false
 * with *ERR (BAD_REQUEST) for a bad one. */
bool ns_proto_decode_filter(json_t *o, ns_filter_t *f, ns_proto_err_t *err);

/* Does F filter anything? */
bool ns_proto_has_filter(const ns_filter_t *f);

/* The "lang" of request O, if any, normalised into *LANG (new); false
 * with *ERR (BAD_REQUEST) when it is no language code. */
bool ns_proto_decode_lang(json_t *o, char **lang, ns_proto_err_t *err);

#endif
