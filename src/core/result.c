/* result.c - the functions of include/nsearch/result.h: facet names, and
 * freeing hits, results and stats.  Reads and writes no JSON (a hit's
 * own fields are a JSON value it only releases). */
#include "nsearch/result.h"

#include <stdlib.h>
#include <string.h>

static const char *const facet_names[NS_FACET_COUNT] = {
	[NS_FACET_TAG] = "tag", [NS_FACET_AUTHOR] = "author",
	[NS_FACET_SECTION] = "section", [NS_FACET_LANG] = "lang",
	[NS_FACET_YEAR] = "year", [NS_FACET_MONTH] = "month",
};

const char *ns_facet_name(ns_facet_kind_t k)
{
	return k < NS_FACET_COUNT ? facet_names[k] : "";
}

int ns_facet_by_name(const char *name)
{
	for (int k = 0; k < NS_FACET_COUNT; k++)
		if (strcmp(facet_names[k], name) == 0)
			return k;
	return -1;
}

void ns_facet_values_free(ns_facet_value_t *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].value);
	free(v);
}

void ns_stats_clear(ns_stats_t *st)
{
	if (!st)
		return;
	ns_facet_values_free(st->sections, st->nsections);
	ns_facet_values_free(st->langs, st->nlangs);
	ns_facet_values_free(st->years, st->nyears);
	memset(st, 0, sizeof *st);
}

/* What each kind of member of NS_HIT_FIELDS owns. */
#define FREE_STR(m) free(h->m);
#define FREE_TEXT(m) free(h->m);
#define FREE_STRV(m) ns_strv_clear(&h->m);
#define FREE_UINT(m)
#define FREE_REAL(m)
#define FREE_BOOL(m)
#define FREE_OBJECT(m) json_decref(h->m);

void ns_hit_clear(ns_hit_t *h)
{
#define FREE_MEMBER(NAME, member, kind) FREE_##kind(member)
	NS_HIT_FIELDS(FREE_MEMBER)
#undef FREE_MEMBER
	memset(h, 0, sizeof *h);
}

void ns_result_free(ns_result_t *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->nhits; i++)
		ns_hit_clear(&res->hits[i]);
	free(res->hits);
	for (size_t f = 0; f < res->nfacets; f++) {
		ns_facet_values_free(res->facets[f].values, res->facets[f].n);
		free(res->facets[f].name);
	}
	free(res->facets);
	free(res->suggestion);
	free(res->corrected_from);
	free(res->corrected_to);
	free(res);
}
