/* xfilter.h - a search's filter (nsearch/request.h) in the shim's terms:
 * one group of alternative boolean terms per field, and the one value
 * range.  Pure; any thread.  Knows the index's prefixes and slots
 * (schema.h, fields_index.h), never the index itself. */
#ifndef NS_XFILTER_H
#define NS_XFILTER_H

#include "core/fields.h"
#include "core/util.h"
#include "nsearch/request.h"
#include "nsx.h"

/* Groups: section, tag, author, language, and one per declared field. */
#define NS_XFILTER_GROUPS (4 + NS_MAX_FIELDS)

typedef struct {
	nsx_filter_t groups[NS_XFILTER_GROUPS]; /* the shim's view of TERMS */
	size_t n;
	ns_strv_t terms[NS_XFILTER_GROUPS];
	const char **ptrs[NS_XFILTER_GROUPS];
	char lo[17], hi[17]; /* the range's ends ("" when open) */
	unsigned range_slot;
} ns_xfilter_t;

/* F (may be NULL: no filter) into *X; ns_xfilter_free() it either way.
 * NS_ERR_NOMEM; NS_ERR_BAD_QUERY with *ERRMSG (new) when F asks for two
 * ranges (a date range and a declared number field's, or two fields'). */
ns_status_t ns_xfilter_build(ns_xfilter_t *x, const ns_filter_t *f,
                             char **errmsg);
void ns_xfilter_free(ns_xfilter_t *x);

#endif
