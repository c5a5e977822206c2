// counting.hh - inside the shim: what a search counts besides its page.
// A collapsing search's total on one machine, counted in a match of its
// own (search.cc's page_counted_apart()), and the facets' values.
//
// Counted inside the page's match (as over remote shards, policy.hh's
// count_collapsed()), the total makes that match rank, collapse and
// watch every document up to the count's limit: a weight for each, a
// lookup in Xapian's table of collapse keys, and the insertion of its
// value into a ValueCountMatchSpy's std::map: the page's match was 57%
// of the daemon's CPU on short news (docs/performance.md).  Here
// the page's match stops as soon as its hits are known, and the count is
// a second match with no weights (BoolWeight, which Xapian ends as soon as
// it has accepted enough) and no collapsing, whose decider keeps one hash
// of each story's collapse value in a flat table and lets only the first
// match of each story through.
#ifndef NSX_COUNTING_HH
#define NSX_COUNTING_HH

#include "nsx_impl.hh"
#include "policy.hh"

#include <xapian.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace nsx {

// Tells a count's match which of its matches are stories of their own:
// the first it shows with each collapse value of SLOT, and each without
// one.  The others, copies, are counted against their story and denied,
// so that the match, which ends once it has accepted as many documents
// as it checks for, ends after that many stories, however many copies
// come between.  Values are told apart by a 64-bit hash: two different
// ones would have to collide among the at most count_check() stories a
// count looks for (a chance of about 1 in 10^11 at 10,000) to be counted
// as one.
class KeyCounter : public Xapian::MatchDecider {
	Xapian::valueno slot;
	// Open addressing on the hash; a count of 0 marks a free place.
	struct Place {
		uint64_t hash;
		Xapian::doccount n;
	};
	mutable std::vector<Place> table = std::vector<Place>(1024);
	mutable size_t keys = 0;
	mutable Xapian::doccount stories = 0;

	static uint64_t hash(const std::string &v)
	{
		return std::hash<std::string>{}(v);
	}

	Place &place(uint64_t h) const
	{
		size_t mask = table.size() - 1;
		for (size_t i = h & mask;; i = (i + 1) & mask)
			if (table[i].n == 0 || table[i].hash == h)
				return table[i];
	}

	void grow() const
	{
		std::vector<Place> old(table.size() * 2);
		old.swap(table);
		for (const Place &p : old)
			if (p.n)
				place(p.hash) = p;
	}

public:
	explicit KeyCounter(Xapian::valueno slot_) : slot(slot_) {}

	bool operator()(const Xapian::Document &doc) const override
	{
		// The document a match shows its decider reads its values
		// from streams walked forward: no lookup of its own.
		std::string v = doc.get_value(slot);
		if (v.empty()) {
			stories++;
			return true;
		}
		uint64_t h = hash(v);
		Place &p = place(h);
		if (p.n++)
			return false;
		p.hash = h;
		stories++;
		if (++keys * 2 > table.size())
			grow();
		return true;
	}

	// The stories seen: each value once, and each match without one.
	Xapian::doccount distinct() const { return stories; }

	// The matches seen with the collapse value KEY (none for "").
	Xapian::doccount with(const std::string &key) const
	{
		return key.empty() ? 0 : place(hash(key)).n;
	}
};

// The count of the stories KEYS let through, counted to LIMIT: exact
// when there were fewer than count_check(LIMIT) (the match then saw
// every match), unless its time limit cut it short (CUT); as
// count_collapsed().
inline Count count_keys(const KeyCounter &keys, Xapian::doccount limit,
                        bool cut)
{
	Xapian::doccount d = keys.distinct();
	if (!cut && d < count_check(limit))
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
