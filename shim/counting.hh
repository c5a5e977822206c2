// counting.hh - inside the shim: what a search counts besides its page.
// A collapsing search's total on one machine, counted in a match of its
// own (search.cc's page_of()), and the facets' values.
//
// Counted inside the page's match (as over remote shards, policy.hh's
// count_collapsed()), the total makes that match rank, collapse and
// watch every document up to the count's limit: a weight for each, a
// lookup in Xapian's table of collapse keys, and the insertion of its
// value into a ValueCountMatchSpy's std::map.  That was three quarters
// of a default search's CPU on short news (docs/performance.md).  Here
// the page's match stops as soon as its hits are known, and the count is
// a second match with no weights (BoolWeight, which Xapian ends as soon as
// it has seen enough) and no collapsing, whose spy keeps one hash of each
// document's collapse value in a flat array.
#ifndef NSX_COUNTING_HH
#define NSX_COUNTING_HH

#include "nsx_impl.hh"
#include "policy.hh"

#include <xapian.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace nsx {

// The matches a match shows it, and how many share each collapse value
// of SLOT.  Values are told apart by a 64-bit hash: two different ones
// would have to collide among the at most count_check() documents a
// count looks at (a chance of about 1 in 10^11 at 10,000) to be counted
// as one.
class KeyCounter : public Xapian::MatchSpy {
	Xapian::valueno slot;
	Xapian::doccount seen = 0, keyless = 0;
	mutable std::vector<uint64_t> keys; // sorted when read
	mutable bool sorted = true;

	static uint64_t hash(const std::string &v)
	{
		return std::hash<std::string>{}(v);
	}

	void sort() const
	{
		if (!sorted)
			std::sort(keys.begin(), keys.end());
		sorted = true;
	}

public:
	explicit KeyCounter(Xapian::valueno slot_) : slot(slot_) {}

	void operator()(const Xapian::Document &doc, double) override
	{
		// The document a match shows its spies reads its values from
		// streams walked forward, so this costs no lookup of its own.
		std::string v = doc.get_value(slot);
		seen++;
		if (v.empty()) {
			keyless++;
			return;
		}
		keys.push_back(hash(v));
		sorted = false;
	}

	// Matches seen, collapsed or not.
	Xapian::doccount total() const { return seen; }

	// Hits they make once collapsed: one for each value, and each
	// document without one is a hit of its own.
	Xapian::doccount distinct() const
	{
		sort();
		auto end = std::unique_copy(keys.begin(), keys.end(),
		                            counting_iterator());
		return end.n + keyless;
	}

	// The matches seen with the collapse value KEY (none for "").
	Xapian::doccount with(const std::string &key) const
	{
		if (key.empty())
			return 0;
		sort();
		auto r = std::equal_range(keys.begin(), keys.end(), hash(key));
		return static_cast<Xapian::doccount>(r.second - r.first);
	}

private:
	// An output iterator that only counts what is written to it.
	struct counting_iterator {
		using iterator_category = std::output_iterator_tag;
		using value_type = void;
		using difference_type = std::ptrdiff_t;
		using pointer = void;
		using reference = void;
		Xapian::doccount n = 0;
		counting_iterator &operator*() { return *this; }
		counting_iterator &operator=(uint64_t)
		{
			n++;
			return *this;
		}
		counting_iterator &operator++() { return *this; }
		counting_iterator operator++(int) { return *this; }
	};
};

// The count of the matches KEYS watched, counted to LIMIT (exact when
// the match saw them ALL), collapsed: as count_collapsed().
inline Count count_keys(const KeyCounter &keys, Xapian::doccount limit,
                        bool all)
{
	Xapian::doccount d = keys.distinct();
	if (all && keys.total() < count_check(limit))
		return { d, true };
	return { d < limit ? d : limit, false };
}

// Counts the values of each facet's slot over every document the match
// looks at: Xapian's ValueCountMatchSpy, which a remote shard can run and
// whose counts merge across shards.  The values are cut, split and
// case-folded afterwards (fold_facet()).
struct FacetSpies {
	std::vector<std::unique_ptr<Xapian::ValueCountMatchSpy>> spies;
	explicit FacetSpies(const nsx_search_t *req)
	{
		for (size_t f = 0; f < req->nfacets; f++)
			spies.emplace_back(new Xapian::ValueCountMatchSpy(
			        req->facets[f].slot));
	}
};

// Add N documents with V to COUNTS (spelling -> documents).
inline void count_value(std::map<std::string, uint64_t> &counts,
                        const std::string &v, uint64_t n)
{
	if (!v.empty())
		counts[v] += n;
}

// Each of the values V holds, separated by NSX_LIST_SEP, N times.
inline void count_list(std::map<std::string, uint64_t> &counts,
                       const std::string &v, uint64_t n)
{
	size_t start = 0;
	for (;;) {
		size_t end = v.find(NSX_LIST_SEP, start);
		count_value(counts,
		            v.substr(start, end == std::string::npos
		                                    ? std::string::npos
		                                    : end - start),
		            n);
		if (end == std::string::npos)
			break;
		start = end + 1;
	}
}

// SPY's values as the facet SPEC says: cut at SPEC's CUT, or split into
// their list's values, then merged case-folded; each shown in its
// commonest spelling (ties: the first in byte order), so that how the
// articles are spread over shards never changes which.
inline std::vector<nsx_facet_value>
fold_facet(const Xapian::ValueCountMatchSpy &spy, const nsx_facet_spec &spec)
{
	std::map<std::string, uint64_t> spelled;
	for (auto it = spy.values_begin(); it != spy.values_end(); ++it) {
		const std::string v = *it;
		if (!spec.cut)
			count_list(spelled, v, it.get_termfreq());
		else if (v.size() >= spec.cut)
			count_value(spelled, v.substr(0, spec.cut),
			            it.get_termfreq());
	}
	// folded -> (documents, (best spelling, its documents))
	std::unordered_map<
	        std::string,
	        std::pair<uint64_t, std::pair<std::string, uint64_t>>>
	        folded;
	for (const auto &kv : spelled) {
		auto &f = folded[Xapian::Unicode::tolower(kv.first)];
		f.first += kv.second;
		if (kv.second > f.second.second)
			f.second = { kv.first, kv.second };
	}
	std::vector<nsx_facet_value> v;
	v.reserve(folded.size());
	for (auto &kv : folded)
		v.push_back({ kv.second.second.first, kv.second.first });
	return v;
}

} // namespace nsx

#endif
