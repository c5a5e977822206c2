/* stored.h - a document's stored data, as schema.h's layout 5 lays it
 * out: the hit's fields as compact JSON without the body, a NUL byte,
 * then the body's bytes.  docbuild.c writes it, query.c reads it: a hit
 * decodes only the small JSON of its fields, and the body is used where
 * it lies, when it is asked for at all.  Data of layout 4 and before (the
 * body inside the JSON, no NUL) still reads, for the documents a layout
 * change has not yet rebuilt.  Pure: any thread. */
#ifndef NS_STORED_H
#define NS_STORED_H

#include <jansson.h>
#include <stddef.h>

#include "core/util.h"
#include "parse/article.h"

/* A's stored data at RELPATH: *OUT is new (free()), *LEN its length (it
 * holds a NUL).  NS_ERR_NOMEM. */
ns_status_t ns_stored_make(const ns_article_t *a, const char *relpath,
                           char **out, size_t *len);

typedef struct {
	json_t *fields;   /* the hit's fields (a reference of this struct's) */
	const char *body; /* BODY_LEN bytes, borrowed from the data (or, in
	                     the old layout, from FIELDS); never NULL */
	size_t body_len;
} ns_stored_t;

/* Split DATA (LEN bytes, borrowed: it must outlive *OUT) into its parts.
 * NS_ERR_INDEX when it is not our layout; free *OUT with
 * ns_stored_clear() otherwise. */
ns_status_t ns_stored_read(const char *data, size_t len, ns_stored_t *out);
void ns_stored_clear(ns_stored_t *s);

#endif
