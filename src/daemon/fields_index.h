/* fields_index.h - the declared fields ([fields], core/fields.h) in the
 * index: the terms a filter matches, the slot a facet counts and a sort
 * orders by.  The writer and the readers share this layout. */
#ifndef NS_FIELDS_INDEX_H
#define NS_FIELDS_INDEX_H

#include "core/fields.h"
#include "core/proto.h"
#include "nsx.h"
#include "parse/article.h"

/* Slots from here on: two per declared field, in declaration order. */
#define NS_SLOT_FIELDS 20

/* The slot of field I's values as shown (facets; keyword and boolean
 * sorts), and of a number field's sortable form. */
unsigned ns_field_slot(size_t i);
unsigned ns_field_sort_slot(size_t i);
/* The boolean-term prefix of field I ("XFsite:") into OUT. */
void ns_field_prefix(size_t i, char *out, size_t size);

/* Add A's values of every declared field to DOC.  A value of the wrong
 * type is left out (the article still indexes). */
nsx_status_t ns_fields_index_doc(nsx_doc_t *doc, const ns_article_t *a);

/* The range filter of F's number fields as the slot and bounds of a
 * search (LO and HI, 17 bytes each, "" when open).  False with WHY
 * when there is more than one range, or DATES already takes the one a
 * search may have. */
bool ns_fields_range(const ns_filter_t *f, bool dates, unsigned *slot,
                     char lo[17], char hi[17], const char **why);

#endif
