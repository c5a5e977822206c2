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
#include <map>
#include <string>
#include <vector>

namespace nsx {

const Xapian::doccount RESCORE_WINDOW = 100;

// The documents of a fixed list, each weighing nothing: a filter.  Our
// own class, which a remote shard cannot run, and whose docids are one
// database's: Xapian asks it for each shard's own docids (window() then
// uses the id terms).  Free on one database: no term list is read.
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

// The id term of document DID of DB (its one term starting with
// ID_PREFIX), or "" when it has none.  From the term list alone: one
// round trip to a remote shard, not two with the document.
inline std::string id_term(const Xapian::Database &db, Xapian::docid did,
                           const std::string &id_prefix)
{
	Xapian::TermIterator t = db.termlist_begin(did);
	t.skip_to(id_prefix);
	if (t == db.termlist_end(did))
		return std::string();
	std::string term = *t;
	return term.compare(0, id_prefix.size(), id_prefix) == 0
	               ? term
	               : std::string();
}

// The parts of BOOST, an OR of them (nested ORs opened up), into OUT.
inline void boost_parts(const Xapian::Query &boost,
                        std::vector<Xapian::Query> &out)
{
	if (boost.get_type() != Xapian::Query::OP_OR) {
		out.push_back(boost);
		return;
	}
	for (size_t i = 0; i < boost.get_num_subqueries(); i++)
		boost_parts(boost.get_subquery(i), out);
}

// The id terms already known of some documents, by docid (ids_of()
// in search.cc: from one match per remote server, not a term list each).
typedef std::map<Xapian::docid, std::string> IdTerms;

// The id terms of M's hits into OUT: each hit's collapse key (M was
// collapsed on the value that holds it) is read by IN_VALUE (nsx.h's
// id_in_value) and follows ID_PREFIX.  A hit without one is left out.
inline void ids_in_keys(const Xapian::MSet &m, const std::string &id_prefix,
                        const char *(*in_value)(const char *, size_t, size_t *),
                        IdTerms &out)
{
	for (auto it = m.begin(); it != m.end(); ++it) {
		std::string key = it.get_collapse_key();
		size_t len = 0;
		const char *id = in_value(key.data(), key.size(), &len);
		if (id && len)
			out[*it] = id_prefix + std::string(id, len);
	}
}

// The articles of TOP (of DB), as a filter that weighs nothing: their
// docids (DocSet) when DB is ONE local database, else their id terms
// (ID_PREFIX, each document's one unique term: from KNOWN, or read from
// the term list, one round trip to a remote shard each), which Xapian's
// own operators filter by on any shards.  Either is the same set of
// articles however the index is split.  An empty query when there are
// none.
inline Xapian::Query window(const Xapian::Database &db, const Xapian::MSet &top,
                            const std::string &id_prefix, bool one,
                            const IdTerms &known)
{
	if (one) {
		std::vector<Xapian::docid> ids;
		for (auto it = top.begin(); it != top.end(); ++it)
			ids.push_back(*it);
		return Xapian::Query((new DocSet(std::move(ids)))->release());
	}
	std::vector<Xapian::Query> ids;
	ids.reserve(top.size());
	for (auto it = top.begin(); it != top.end(); ++it) {
		auto k = known.find(*it);
		std::string term = k != known.end()
		                           ? k->second
		                           : id_term(db, *it, id_prefix);
		if (!term.empty())
			ids.emplace_back(term);
	}
	if (ids.empty())
		return Xapian::Query();
	return Xapian::Query(0.0, Xapian::Query(Xapian::Query::OP_OR,
	                                        ids.begin(), ids.end()));
}

// Q ranked as before, but for the articles of TOP (the best of Q's own
// ranking in DB), which gain BOOST's score: window()'s filter (ONE: DB
// is one local database; KNOWN: id terms already read).  Q itself when
// BOOST is empty.  BOOST's parts are added one AND_MAYBE at a time:
// Xapian 1.4 weighs an OR of phrases and NEARs on the optional side of
// AND_MAYBE wrongly for some documents, differently on one database and
// on shards, while a chain adds each document exactly the parts it has
// (tests/unit/test_shards.c).
inline Xapian::Query rescored(const Xapian::Database &db,
                              const Xapian::Query &q,
                              const Xapian::Query &boost,
                              const Xapian::MSet &top,
                              const std::string &id_prefix, bool one,
                              const IdTerms &known = IdTerms())
{
	if (boost.empty() || top.empty())
		return q;
	Xapian::Query gain = window(db, top, id_prefix, one, known);
	if (gain.empty())
		return q;
	std::vector<Xapian::Query> parts;
	boost_parts(boost, parts);
	for (const Xapian::Query &part : parts)
		gain = Xapian::Query(Xapian::Query::OP_AND_MAYBE, gain, part);
	return Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, gain);
}

} // namespace nsx

#endif
