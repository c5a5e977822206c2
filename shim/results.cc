// results.cc - reading a search's results: the hits of the page with
// their stored data, totals, facets, the suggestion, and snippets cut
// from a hit's text (from a region around its densest cluster of query
// words when it is long: snippet_window.cc).  Never searches again: all
// of it was found by nsx_reader_search() (search.cc).

#include "nsx_impl.hh"
#include "policy.hh"

#include <string>

using nsx::guard;

extern "C" {

size_t nsx_results_count(const nsx_results_t *res)
{
	return res ? res->data.size() : 0;
}

uint64_t nsx_results_estimated(const nsx_results_t *res)
{
	return res ? res->total : 0;
}

uint64_t nsx_results_lower_bound(const nsx_results_t *res)
{
	return res ? res->total_lo : 0;
}

uint64_t nsx_results_upper_bound(const nsx_results_t *res)
{
	return res ? res->total_hi : 0;
}

int nsx_results_relaxed(const nsx_results_t *res)
{
	return res && res->relaxed;
}

int nsx_results_exact(const nsx_results_t *res)
{
	return res && res->exact;
}

int nsx_results_facets_exact(const nsx_results_t *res)
{
	return res && res->facets_exact;
}

const char *nsx_results_suggestion(const nsx_results_t *res)
{
	return res ? res->suggestion.c_str() : "";
}

const char *nsx_results_corrected_from(const nsx_results_t *res)
{
	return res ? res->corrected_from.c_str() : "";
}

const char *nsx_results_corrected_to(const nsx_results_t *res)
{
	return res ? res->corrected_to.c_str() : "";
}

size_t nsx_results_facet_size(const nsx_results_t *res, size_t f)
{
	return res && f < res->facets.size() ? res->facets[f].size() : 0;
}

nsx_status_t nsx_results_facet(const nsx_results_t *res, size_t f, size_t i,
                               const char **value, uint64_t *count)
{
	if (!res || f >= res->facets.size() || i >= res->facets[f].size() ||
	    !value || !count)
		return NSX_INVALID;
	*value = res->facets[f][i].value.c_str();
	*count = res->facets[f][i].count;
	return NSX_OK;
}

nsx_status_t nsx_results_hit(const nsx_results_t *res, size_t i,
                             nsx_hit_t *hit)
{
	if (!res || !hit || i >= res->data.size())
		return NSX_INVALID;
	return guard(nullptr, [&] {
		bool first = i < res->n_first;
		const Xapian::MSet &m = first ? res->mset : res->rest;
		auto it = m[static_cast<Xapian::doccount>(first ? i : i - res->n_first)];
		// The loose hits rank after every document with all the words.
		hit->rank = it.get_rank() + (first ? 0 : res->n_all);
		hit->score = it.get_weight();
		hit->data = res->data[i].data();
		hit->data_len = res->data[i].size();
		const std::vector<Xapian::doccount> &copies =
		        first ? res->copies : res->copies_rest;
		Xapian::doccount k = first ? i : i - res->n_first;
		hit->duplicates =
		        k < copies.size() ? copies[k] : it.get_collapse_count();
		hit->partial = !first;
		return NSX_OK;
	});
}

nsx_status_t nsx_results_snippet(const nsx_results_t *res, size_t i,
                                 const char *text,
                                 size_t text_len, size_t length,
                                 const char *hi_start, const char *hi_end,
                                 char **out)
{
	if (!res || (!text && text_len) || !out)
		return NSX_INVALID;
	return guard(nullptr, [&] {
		bool first = i < res->n_first;
		const Xapian::MSet &m =
		        !res->rescored ? (first ? res->mset : res->rest)
		        : first        ? res->plain
		                       : res->plain_rest;
		if (!res->words)
			res->words = nsx::snippet_words(res->query, res->stem);
		std::string s = nsx::window_snippet(
			m, std::string(text ? text : "", text_len), length,
			res->stem, nsx::SNIPPET_FLAGS, hi_start ? hi_start : "",
			hi_end ? hi_end : "", nsx::SNIPPET_OMIT, *res->words);
		char *p = nsx::dup_string(s);
		if (!p)
			return NSX_NO_MEMORY;
		*out = p;
		return NSX_OK;
	});
}

void nsx_results_free(nsx_results_t *res)
{
	delete res;
}

} // extern "C"
