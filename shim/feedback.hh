// feedback.hh - pseudo-relevance feedback: the words that best tell the
// top of a first ranking apart from the rest of the index (Xapian's
// expand set over its best FEEDBACK_DOCS articles) reorder that top, as a
// boost (rescore.hh), never as new matches: an article still needs the
// query's own words to be found.
//
// Part of the search policy (policy.hh includes it): inline, nothing but
// Xapian's and the standard headers.
#ifndef NSX_FEEDBACK_HH
#define NSX_FEEDBACK_HH

#include <xapian.h>

#include <set>
#include <string>
#include <vector>

namespace nsx {

// The usual choice of relevance-model feedback (RM3): the ten best
// articles, the ten best words of theirs; the best word weighs this share
// of what it would score as a word of the query, the others less, in
// proportion to their expand weights (docs/ranking.md).
const Xapian::doccount FEEDBACK_DOCS = 10;
const Xapian::termcount FEEDBACK_TERMS = 10;
const double FEEDBACK_WEIGHT = 0.3;

// Words worth adding: plain words (not prefixed terms, stems, numbers or
// short words; the caller's rule, LIKE) that the query does not already
// have, as typed or stemmed.
class NewWords : public Xapian::ExpandDecider {
	std::set<std::string> have;
	Xapian::Stem stem;
	bool (*like)(const std::string &);

public:
	NewWords(const Xapian::Query &text, const Xapian::Query &loose,
	         const Xapian::Stem &stem_, bool (*like_)(const std::string &))
	    : stem(stem_), like(like_)
	{
		for (const Xapian::Query *q : { &text, &loose })
			for (auto t = q->get_unique_terms_begin();
			     t != q->get_unique_terms_end(); ++t)
				have.insert(*t);
	}
	bool operator()(const std::string &t) const override
	{
		return like(t) && !have.count(t) && !have.count("Z" + stem(t));
	}
};

// The boost of feedback from the best of TOP, then of TOP_REST (the
// rankings of a query whose words are TEXT and LOOSE, with STEM), words
// chosen by LIKE; an empty query when there is nothing to learn from.
inline Xapian::Query
feedback_boost(const Xapian::Database &db, const Xapian::MSet &top,
               const Xapian::MSet &top_rest, const Xapian::Query &text,
               const Xapian::Query &loose, const Xapian::Stem &stem,
               bool (*like)(const std::string &))
{
	Xapian::RSet rset;
	for (const Xapian::MSet *m : { &top, &top_rest })
		for (auto it = m->begin();
		     it != m->end() && rset.size() < FEEDBACK_DOCS; ++it)
			rset.add_document(*it);
	if (rset.empty())
		return Xapian::Query();
	Xapian::Enquire enq(db);
	NewWords words(text, loose, stem, like);
	// Exact term frequencies: over shards Xapian otherwise guesses them
	// from the shards the documents are on.
	Xapian::ESet eset =
	        enq.get_eset(FEEDBACK_TERMS, rset,
	                     Xapian::Enquire::USE_EXACT_TERMFREQ, &words);
	// Each word in proportion to how well it tells the best apart, the
	// best of them weighing FEEDBACK_WEIGHT.
	std::vector<Xapian::Query> parts;
	double best = eset.empty() ? 0 : eset.begin().get_weight();
	for (auto it = eset.begin(); it != eset.end() && best > 0; ++it)
		if (it.get_weight() > 0)
			parts.emplace_back(FEEDBACK_WEIGHT * it.get_weight() /
			                           best,
			                   Xapian::Query(*it));
	if (parts.empty())
		return Xapian::Query();
	return Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
}

} // namespace nsx

#endif
