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

#include <string>
#include <vector>

namespace nsx {

const Xapian::doccount RESCORE_WINDOW = 100;

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

// Q ranked as before, but for the articles of TOP (the best of Q's own
// ranking in DB), which gain BOOST's score.  Q itself when BOOST is
// empty.  The window is the articles' id terms (ID_PREFIX, each document's one
// unique term), weighing nothing: Xapian's own operators only, which a
// remote shard can run, and the same articles however the index is split
// into shards.  An article without an id term gains nothing.  BOOST's
// parts are added one AND_MAYBE at a time: Xapian 1.4 weighs an OR of
// phrases and NEARs on the optional side of AND_MAYBE wrongly for some
// documents, differently on one database and on shards, while a chain
// adds each document exactly the parts it has (tests/unit/test_shards.c).
inline Xapian::Query rescored(const Xapian::Database &db,
                              const Xapian::Query &q,
                              const Xapian::Query &boost,
                              const Xapian::MSet &top,
                              const std::string &id_prefix)
{
	if (boost.empty() || top.empty())
		return q;
	std::vector<Xapian::Query> ids;
	ids.reserve(top.size());
	for (auto it = top.begin(); it != top.end(); ++it) {
		std::string term = id_term(db, *it, id_prefix);
		if (!term.empty())
			ids.emplace_back(term);
	}
	if (ids.empty())
		return q;
	Xapian::Query gain(0.0, Xapian::Query(Xapian::Query::OP_OR, ids.begin(),
	                                      ids.end()));
	std::vector<Xapian::Query> parts;
	boost_parts(boost, parts);
	for (const Xapian::Query &part : parts)
		gain = Xapian::Query(Xapian::Query::OP_AND_MAYBE, gain, part);
	return Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, gain);
}

} // namespace nsx

#endif
