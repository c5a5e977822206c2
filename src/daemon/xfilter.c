/* xfilter.c - a search's filter in the shim's terms (xfilter.h): the
 * boolean terms the index holds for each value, and the one range.  Pure;
 * never opens the index. */
#include "daemon/xfilter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/fields_index.h"
#include "daemon/schema.h"

void ns_xfilter_free(ns_xfilter_t *x)
{
	for (size_t i = 0; i < NS_XFILTER_GROUPS; i++) {
		ns_strv_clear(&x->terms[i]);
		free(x->ptrs[i]);
	}
}

static ns_status_t xfilter_group(ns_xfilter_t *x, const ns_strv_t *values,
                                 const char *prefix)
{
	if (!values->n)
		return NS_OK;
	size_t g = x->n;
	for (size_t i = 0; i < values->n; i++) {
		char *term = NULL;
		nsx_status_t st = nsx_boolean_term(prefix, values->v[i], &term);
		if (st == NSX_NO_MEMORY)
			return NS_ERR_NOMEM;
		if (st != NSX_OK)
			continue; /* too long to be a term: it matches nothing */
		ns_status_t s2 = ns_strv_push(&x->terms[g], term, strlen(term));
		free(term);
		if (s2 != NS_OK)
			return s2;
	}
	/* No usable value: a term that no document has keeps it matching
	 * nothing rather than everything. */
	if (!x->terms[g].n &&
	    ns_strv_push(&x->terms[g], prefix, strlen(prefix)) != NS_OK)
		return NS_ERR_NOMEM;
	x->ptrs[g] = malloc(x->terms[g].n * sizeof *x->ptrs[g]);
	if (!x->ptrs[g])
		return NS_ERR_NOMEM;
	for (size_t i = 0; i < x->terms[g].n; i++)
		x->ptrs[g][i] = x->terms[g].v[i];
	x->groups[g].terms = x->ptrs[g];
	x->groups[g].n = x->terms[g].n;
	x->n++;
	return NS_OK;
}

static ns_status_t build_groups(ns_xfilter_t *x, const ns_filter_t *f)
{
	memset(x, 0, sizeof *x);
	if (!f)
		return NS_OK;
	ns_status_t st = xfilter_group(x, &f->sections, NS_PREFIX_SECTION);
	if (st == NS_OK)
		st = xfilter_group(x, &f->tags, NS_PREFIX_TAG);
	if (st == NS_OK)
		st = xfilter_group(x, &f->authors, NS_PREFIX_AUTHOR_EXACT);
	if (st == NS_OK)
		st = xfilter_group(x, &f->langs, NS_PREFIX_LANG);
	for (size_t k = 0; st == NS_OK && k < f->nfields; k++) {
		int i = ns_fields_find(f->fields[k].name);
		char prefix[NS_FIELD_NAME_MAX + 8];
		if (i < 0 || x->n >= NS_XFILTER_GROUPS)
			continue;
		ns_field_prefix((size_t)i, prefix, sizeof prefix);
		st = xfilter_group(x, &f->fields[k].values, prefix);
	}
	x->range_slot = NS_SLOT_DATE;
	/* "YYYY-MM-DD" to the slot's "YYYYMMDD". */
	if (f->date_from[0])
		snprintf(x->lo, sizeof x->lo, "%.4s%.2s%.2s", f->date_from,
		         f->date_from + 5, f->date_from + 8);
	if (f->date_to[0])
		snprintf(x->hi, sizeof x->hi, "%.4s%.2s%.2s", f->date_to,
		         f->date_to + 5, f->date_to + 8);
	return st;
}

/* A declared number field's range takes the search's one range slot:
 * NS_ERR_BAD_QUERY with *ERRMSG (new) when the filter asks for two. */
static ns_status_t field_range(const ns_filter_t *f, ns_xfilter_t *xf,
                               char **errmsg)
{
	const char *why = NULL;
	unsigned slot;
	char lo[17], hi[17];
	if (ns_fields_range(f, xf->lo[0] || xf->hi[0], &slot, lo, hi, &why) &&
	    (lo[0] || hi[0])) {
		xf->range_slot = slot;
		memcpy(xf->lo, lo, sizeof lo);
		memcpy(xf->hi, hi, sizeof hi);
	}
	if (!why)
		return NS_OK;
	if (errmsg)
		*errmsg = strdup(why);
	return NS_ERR_BAD_QUERY;
}

ns_status_t ns_xfilter_build(ns_xfilter_t *x, const ns_filter_t *f,
                             char **errmsg)
{
	if (build_groups(x, f) != NS_OK)
		return NS_ERR_NOMEM;
	return f ? field_range(f, x, errmsg) : NS_OK;
}
