// rescore.hh - a second look at the top of a ranking: word closeness
// (proximity.hh) reorders the best RESCORE_WINDOW articles of the first
// ranking (BM25), not every match, so that it costs a hundred position
// checks however many articles match.  Every page of a query agrees: the
// window is the top of the same first ranking on every page, and an
// article outside it scores no more than every article in it.
//
// Part of the search policy (policy.hh includes it): inline, nothing but
// Xapian's and the standard headers.
#ifndef NSX_RESCORE_HH
#define NSX_RESCORE_HH

#include <xapian.h>

#include <algorithm>
#include <string>
#include <vector>

namespace nsx {

const Xapian::doccount RESCORE_WINDOW = 100;

// The documents of a fixed list, each weighing nothing: a filter.
class DocSet : public Xapian::PostingSource {
	std::vector<Xapian::docid> ids; // ascending
	size_t at = 0;
	bool started = false;

public:
	explicit DocSet(std::vector<Xapian::docid> ids_) : ids(std::move(ids_))
	{
		std::sort(ids.begin(), ids.end());
	}
	Xapian::doccount get_termfreq_min() const override
	{
		return ids.size();
	}
	Xapian::doccount get_termfreq_est() const override
	{
		return ids.size();
	}
	Xapian::doccount get_termfreq_max() const override
	{
		return ids.size();
	}
	void init(const Xapian::Database &) override
	{
		at = 0;
		started = false;
	}
	void next(double) override
	{
		if (started)
			at++;
		started = true;
	}
	void skip_to(Xapian::docid did, double) override
	{
		started = true;
		at = static_cast<size_t>(
		        std::lower_bound(ids.begin() + static_cast<long>(at),
		                         ids.end(), did) -
		        ids.begin());
	}
	bool at_end() const override { return at >= ids.size(); }
	Xapian::docid get_docid() const override { return ids[at]; }
	DocSet *clone() const override { return new DocSet(ids); }
	std::string name() const override { return "nsearch::DocSet"; }
};

// Q ranked as before, but for the articles of TOP (the best of Q's own
// ranking), which gain BOOST's score.  Q itself when BOOST is empty.
inline Xapian::Query rescored(const Xapian::Query &q,
                              const Xapian::Query &boost,
                              const Xapian::MSet &top)
{
	if (boost.empty() || top.empty())
		return q;
	std::vector<Xapian::docid> ids;
	for (auto it = top.begin(); it != top.end(); ++it)
		ids.push_back(*it);
	Xapian::Query window((new DocSet(std::move(ids)))->release());
	return Xapian::Query(
	        Xapian::Query::OP_AND_MAYBE, q,
	        Xapian::Query(Xapian::Query::OP_FILTER, boost, window));
}

} // namespace nsx

#endif
