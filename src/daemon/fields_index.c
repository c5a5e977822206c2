/* fields_index.c - declared fields in documents and searches
 * (fields_index.h).  Values are case-folded terms for filters; the shown
 * text in one slot (several separated by NSX_LIST_SEP, as tags are) for
 * facets; numbers also in an order-preserving form for sorts and
 * ranges. */
#include "daemon/fields_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned ns_field_slot(size_t i)
{
	return NS_SLOT_FIELDS + 2 * (unsigned)i;
}

unsigned ns_field_sort_slot(size_t i)
{
	return NS_SLOT_FIELDS + 2 * (unsigned)i + 1;
}

void ns_field_prefix(size_t i, char *out, size_t size)
{
	const ns_field_decl_t *d = ns_fields_get(i);
	snprintf(out, size, "XF%s:", d ? d->name : "");
}

static nsx_status_t index_field(nsx_doc_t *doc, size_t i, json_t *v)
{
	const ns_field_decl_t *d = ns_fields_get(i);
	char prefix[NS_FIELD_NAME_MAX + 8], buf[256];
	ns_field_prefix(i, prefix, sizeof prefix);
	ns_buf_t shown = {0};
	nsx_status_t st = NSX_OK;
	size_t n = json_is_array(v) ? json_array_size(v) : 1;
	bool first = true;
	for (size_t k = 0; st == NSX_OK && k < n; k++) {
		json_t *item = json_is_array(v) ? json_array_get(v, k) : v;
		if (!ns_field_value(d->type, item, buf, sizeof buf))
			continue;
		st = nsx_doc_add_boolean(doc, prefix, buf);
		if (st == NSX_INVALID) /* too long for a term: shown, not found */
			st = NSX_OK;
		if (st == NSX_OK && !first)
			ns_buf_append(&shown, (char[]){NSX_LIST_SEP}, 1);
		if (st == NSX_OK && ns_buf_append(&shown, buf, strlen(buf)) != NS_OK)
			st = NSX_NO_MEMORY;
		if (st == NSX_OK && first && d->type == NS_FIELD_NUMBER) {
			char key[17];
			ns_field_sortable(json_is_number(item) ? json_number_value(item)
			                  : strtod(buf, NULL), key);
			st = nsx_doc_set_value(doc, ns_field_sort_slot(i), key, 16);
		}
		first = false;
	}
	if (st == NSX_OK && shown.len)
		st = nsx_doc_set_value(doc, ns_field_slot(i), shown.data, shown.len);
	ns_buf_free(&shown);
	return st;
}

nsx_status_t ns_fields_index_doc(nsx_doc_t *doc, const ns_article_t *a)
{
	nsx_status_t st = NSX_OK;
	for (size_t i = 0; st == NSX_OK && i < ns_fields_count(); i++) {
		json_t *v = json_object_get(a->fields, ns_fields_get(i)->name);
		if (v)
			st = index_field(doc, i, v);
	}
	return st;
}

bool ns_fields_range(const ns_filter_t *f, bool dates, unsigned *slot,
                     char lo[17], char hi[17], const char **why)
{
	lo[0] = hi[0] = '\0';
	*why = NULL;
	bool found = false;
	for (size_t k = 0; f && k < f->nfields; k++) {
		const ns_field_filter_t *ff = &f->fields[k];
		if (!ff->has_min && !ff->has_max)
			continue;
		if (found || dates) {
			*why = "a search may have one range: a date range, or one "
			       "number field's min and max";
			return false;
		}
		found = true;
		*slot = ns_field_sort_slot((size_t)ns_fields_find(ff->name));
		if (ff->has_min)
			ns_field_sortable(ff->min, lo);
		if (ff->has_max)
			ns_field_sortable(ff->max, hi);
	}
	return true;
}
