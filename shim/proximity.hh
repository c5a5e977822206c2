// proximity.hh - word closeness in the ranking: the words a query types
// side by side, as pairs, and the boost an article gets for having them
// close together (the sequential dependence model of Metzler and Croft:
// BM25 for the words, plus each neighbouring pair in order, plus each
// pair near each other in any order).
//
// Part of the search policy (policy.hh includes it): inline, stateless,
// nothing but Xapian's and the standard headers, so that the benchmark's
// raw Xapian program ranks as the shim does.  Never changes which
// articles match: the boost only adds to the score of those that do.
#ifndef NSX_PROXIMITY_HH
#define NSX_PROXIMITY_HH

#include "fold.hh"

#include <xapian.h>

#include <algorithm>
#include <string>
#include <vector>

namespace nsx {

// How much an article gains for a pair of the query's words, as a share
// of what the two words score in it: next to each other in the query's
// order (stopwords typed between them may stand between them), and within
// PROXIMITY_WINDOW words of each other in any order.  SDM's usual weights
// (0.85 for the words, 0.10 and 0.05 for the pairs), relative to the
// words'; docs/ranking.md has what they do.
const double PROXIMITY_ORDERED = 0.10 / 0.85;
const double PROXIMITY_UNORDERED = 0.05 / 0.85;
const Xapian::termcount PROXIMITY_WINDOW = 8;
// Pairs of a long query beyond these are left out: each is checked, word
// position by word position, in every article that has both.
const size_t PROXIMITY_PAIRS = 16;

// Two words of a query side by side (GAP positions apart: 1 when nothing
// is between them, more for the stopwords left out between them).
struct WordPair {
	std::string first, second;
	Xapian::termpos gap;
};

// The words of a plain stretch of query TEXT (no operators, quotes,
// fields, signs or wildcards in it) as the index holds them (unstemmed,
// with positions), stopwords of STOPPER (may be NULL) dropped, as pairs
// of neighbours, into OUT.
inline void pairs_of_run(const std::string &text,
                         const Xapian::Stopper *stopper,
                         std::vector<WordPair> &out)
{
	Xapian::Document doc;
	Xapian::TermGenerator tg;
	tg.set_document(doc);
	tg.index_text(text);
	std::vector<std::pair<Xapian::termpos, std::string>> words;
	for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
		if (stopper && (*stopper)(*t))
			continue;
		for (auto p = t.positionlist_begin(); p != t.positionlist_end();
		     ++p)
			words.emplace_back(*p, *t);
	}
	std::sort(words.begin(), words.end());
	for (size_t i = 1; i < words.size() && out.size() < PROXIMITY_PAIRS;
	     i++)
		if (words[i].second != words[i - 1].second)
			out.push_back({ words[i - 1].second, words[i].second,
			                words[i].first - words[i - 1].first });
}

// The pairs of neighbouring words of the query Q (folded: fold.hh), in
// the stretches of it where words stand as plain words side by side.
inline std::vector<WordPair> word_pairs(const std::string &q,
                                        const Xapian::Stopper *stopper)
{
	std::vector<WordPair> out;
	size_t run_start = std::string::npos, run_end = 0;
	bool quoted = false;
	auto flush = [&] {
		if (run_start != std::string::npos)
			pairs_of_run(q.substr(run_start, run_end - run_start),
			             stopper, out);
		run_start = std::string::npos;
	};
	const Xapian::Utf8Iterator end;
	for (Xapian::Utf8Iterator it(q); it != end;) {
		unsigned c = *it;
		if (!Xapian::Unicode::is_wordchar(c)) {
			if (c == '"')
				quoted = !quoted;
			if (c == '"' || c == '(' || c == ')')
				flush();
			++it;
			continue;
		}
		size_t b = static_cast<size_t>(it.raw() - q.data());
		while (it != end && Xapian::Unicode::is_wordchar(*it))
			++it;
		size_t e = it == end ? q.size()
		                     : static_cast<size_t>(it.raw() - q.data());
		char before = b ? q[b - 1] : ' ';
		char after = e < q.size() ? q[e] : ' ';
		bool marked = (before == '+' || before == '-') &&
		              (b < 2 || q[b - 2] == ' ' || q[b - 2] == '(');
		if (quoted || marked || before == ':' || after == ':' ||
		    after == '*' || is_operator(q.substr(b, e - b))) {
			flush();
			continue;
		}
		if (run_start == std::string::npos)
			run_start = b;
		run_end = e;
	}
	flush();
	return out;
}

// The boost for PAIRS, to add to a query's score with OP_AND_MAYBE; an
// empty query when there are none.
inline Xapian::Query proximity_boost(const std::vector<WordPair> &pairs)
{
	std::vector<Xapian::Query> parts;
	for (const WordPair &p : pairs) {
		Xapian::Query two[] = { Xapian::Query(p.first),
			                Xapian::Query(p.second) };
		parts.emplace_back(PROXIMITY_ORDERED,
		                   Xapian::Query(Xapian::Query::OP_PHRASE, two,
		                                 two + 2, p.gap + 1));
		parts.emplace_back(
		        PROXIMITY_UNORDERED,
		        Xapian::Query(Xapian::Query::OP_NEAR, two, two + 2,
		                      std::max(PROXIMITY_WINDOW, p.gap + 1)));
	}
	return Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
}

} // namespace nsx

#endif
