// policy.hh - the search policy, as constants and small inline functions:
// how words are indexed, how a query is read, how matches are ranked and
// when a short list goes on with partial matches, what "similar" means,
// which words "did you mean" may correct, how snippets are cut.
//
// Shared by the shim and by the benchmark's raw Xapian program
// (tests/bench/raw_xapian.cc), which must index, read and rank as the
// daemon does without going through the shim.  So: nothing but Xapian's
// and the standard headers, no state, no nsx.h, nothing that throws but
// Xapian and the allocator.
#ifndef NSX_POLICY_HH
#define NSX_POLICY_HH

#include "fold.hh"
#include "feedback.hh"
#include "proximity.hh"
#include "rescore.hh"

#include <xapian.h>

#include <cctype>
#include <iterator>
#include <string>

namespace nsx {

/* ---- indexing ------------------------------------------------------------ */

// Words stemmed with STEM (for some languages none), each also kept as
// written; Chinese, Japanese and Korean, which have no spaces between
// words, as character n-grams (other scripts are not affected).
inline void set_up_indexing(Xapian::TermGenerator &tg, const Xapian::Stem &stem)
{
	tg.set_stemmer(stem);
	tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
	tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
}

/* ---- reading a query ----------------------------------------------------- */

// Words too common to carry meaning in an English query.  They are still
// indexed (phrases need them), and a query made of them alone keeps them.
inline const Xapian::SimpleStopper &english_stopper()
{
	static const char *const words[] = {
		"a", "an", "and", "are", "as", "at", "be", "but", "by", "for",
		"from", "had", "has", "have", "he", "her", "his", "i", "in",
		"into", "is", "it", "its", "of", "on", "or", "she", "so", "that",
		"the", "their", "them", "there", "they", "this", "to", "was", "we",
		"were", "what", "when", "which", "who", "will", "with", "you",
	};
	static const Xapian::SimpleStopper stopper(std::begin(words),
	                                           std::end(words));
	return stopper;
}

// Does Q type a stopword in capitals ("WHO", "IT")?  Then it is a name,
// and the query keeps its stopwords.  "AT&T" is one word, not "AT".
inline bool shouts_stopword(const std::string &q)
{
	const Xapian::SimpleStopper &stop = english_stopper();
	auto word_char = [&](size_t k) {
		return k < q.size() &&
		       std::isalnum(static_cast<unsigned char>(q[k]));
	};
	size_t i = 0;
	while (i < q.size()) {
		size_t j = i;
		while (j < q.size() && q[j] >= 'A' && q[j] <= 'Z')
			j++;
		bool word_end =
		        !word_char(j) &&
		        !((q[j] == '&' || q[j] == '\'') && word_char(j + 1));
		bool word_start = i == 0 ||
		                  !std::isalnum(static_cast<unsigned char>(q[i - 1]));
		if (j - i >= 2 && word_start && word_end) {
			std::string w = q.substr(i, j - i);
			if (!is_operator(w) && stop(Xapian::Unicode::tolower(w)))
				return true;
		}
		i = j > i ? j : i + 1;
	}
	return false;
}

// The stopwords of query Q in LANGUAGE (a Snowball name or code): the
// English ones, unless Q shouts one; none in other languages.
inline const Xapian::Stopper *query_stopper(const std::string &language,
                                            const std::string &q)
{
	bool english = language == "en" || language == "english";
	return english && !shouts_stopword(q) ? &english_stopper() : nullptr;
}

// Set QP up to read a query: words stemmed with STEM (not those with a
// capital, or in a phrase, NEAR or ADJ), STOPPER's words dropped (NULL: none), a
// wildcard expanding to at most MAX_EXPANSION words, more being an error
// (0: no wildcards).  Returns the flags to parse with; PURE_NOT: "NOT
// section:sport" alone is everything else.
inline unsigned set_up_parser(Xapian::QueryParser &qp, const Xapian::Stem &stem,
                              const Xapian::Stopper *stopper,
                              unsigned max_expansion)
{
	qp.set_stemmer(stem);
	qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
	qp.set_stopper(stopper);
	unsigned flags = Xapian::QueryParser::FLAG_DEFAULT |
	                 Xapian::QueryParser::FLAG_CJK_NGRAM |
	                 Xapian::QueryParser::FLAG_PURE_NOT;
	if (max_expansion) {
		flags |= Xapian::QueryParser::FLAG_WILDCARD;
		qp.set_max_expansion(max_expansion,
		                     Xapian::Query::WILDCARD_LIMIT_ERROR,
		                     Xapian::QueryParser::FLAG_WILDCARD);
	}
	return flags;
}

// As you type: the last word of a query, unless a blank follows it, is
// also a beginning (Xapian's partial words), of the PREFIX_EXPANSION
// indexed words with it in most documents: never TOO_BROAD, however
// short.  Returns the flag to parse with.
const Xapian::termcount PREFIX_EXPANSION = 100;

inline unsigned prefix_flags(Xapian::QueryParser &qp)
{
	qp.set_max_expansion(PREFIX_EXPANSION,
	                     Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT,
	                     Xapian::QueryParser::FLAG_PARTIAL);
	return Xapian::QueryParser::FLAG_PARTIAL;
}

/* ---- ranking ------------------------------------------------------------- */

// BM25 with Robertson's usual k1 = 1.2 and b = 0.75 rather than Xapian's
// 1 and 0.5: on all four test collections of docs/ranking.md it ranks as
// well as or better than Xapian's defaults and FTS5's bm25.  k2, k3 and
// the least normalised length are Xapian's defaults.
const double BM25_K1 = 1.2;
const double BM25_K2 = 0;
const double BM25_K3 = 1;
const double BM25_B = 0.75;
const double BM25_MIN_NORMLEN = 0.5;

inline Xapian::BM25Weight ranking()
{
	return Xapian::BM25Weight(BM25_K1, BM25_K2, BM25_K3, BM25_B,
	                          BM25_MIN_NORMLEN);
}

/* ---- relaxing: every word, then some (NSX_MATCH_AUTO) -------------------- */

// When fewer documents than RELAX_BELOW have every word, the list goes on
// with those that have some, after them.  A fixed number, not the page
// size or the offset, so that every page of a query agrees: the match for
// every word checks at least this many documents.
const Xapian::doccount RELAX_BELOW = 10;

// Does ALL, the match of TEXT (every word), leave a list short enough to
// go on with LOOSE (some of the words)?  Only when its count is exact
// (all of them known then) and LOOSE is another query.
inline bool relaxes(const Xapian::MSet &all, const Xapian::Query &text,
                    const Xapian::Query &loose)
{
	Xapian::doccount n = all.get_matches_upper_bound();
	return !loose.empty() && n < RELAX_BELOW &&
	       n == all.get_matches_lower_bound() &&
	       loose.get_description() != text.get_description();
}

/* ---- counting: a total that is the same on every page --------------------- */

// Matches are counted exactly up to a limit (the daemon's exact_count;
// this by default), and past it the total is the limit, said to be a
// lower bound.  Every count looks for at least LIMIT + 1 (count_check()):
// the page's match itself, or, collapsing on one database, a match of
// its own (counting.hh), so that a query with at most LIMIT matches is
// counted exactly on every page, and one with more is "at least LIMIT"
// on every page, whatever a deeper page's match happened to learn.  Only
// a match cut short by its time limit counts less, and says so.
const Xapian::doccount COUNT_LIMIT = 10000;

struct Count {
	Xapian::doccount n;
	bool exact; // else N is a lower bound
};

inline Xapian::doccount count_check(Xapian::doccount limit)
{
	return limit + 1;
}

// The count of M, a match that checked count_check(LIMIT) documents or
// more without collapsing, or a collapsing one that ran out of matches
// before its page was full (its bounds are then equal, and exact).
inline Count count_of(const Xapian::MSet &m, Xapian::doccount limit)
{
	Xapian::doccount lo = m.get_matches_lower_bound();
	if (lo == m.get_matches_upper_bound() && lo <= limit)
		return { lo, true };
	return { lo < limit ? lo : limit, false };
}

// relaxes() on ALL's count, which every page of a query agrees on, where
// a collapsed page's own bounds may be exact on one page only (the last,
// short one): a page that knows no ranking of the best (an order by
// date) decides with this.
inline bool relaxes(const Count &all, const Xapian::Query &text,
                    const Xapian::Query &loose)
{
	return !loose.empty() && all.exact && all.n < RELAX_BELOW &&
	       loose.get_description() != text.get_description();
}

// Collapsing, Xapian knows how many hits there are only if it keeps them
// all.  A built-in ValueCountMatchSpy on the collapse slot counts them
// instead (Xapian's own, so that a remote shard can run it too, and its
// counts merge across shards): the distinct values it saw, and each
// document without one is a hit of its own.  A match only starts skipping
// documents once it has kept count_check() hits (collapsed), so when
// fewer stories match the spy sees them all, on every page and over any
// shards.
inline Xapian::doccount distinct(const Xapian::ValueCountMatchSpy &spy)
{
	Xapian::doccount keys = 0, keyed = 0;
	for (auto v = spy.values_begin(); v != spy.values_end(); ++v) {
		keys++;
		keyed += v.get_termfreq();
	}
	return keys + (spy.get_total() - keyed);
}

// The count of a collapsing match SPY watched, counted to LIMIT, unless
// its time limit cut it short (CUT): exact when it saw fewer than
// count_check() matches, copies and all.  Past that the spy may have seen
// more (how many depends on the page), so the total is then a lower
// bound: the limit, or the stories seen when copies are many.  (A match
// that kept fewer stories than that saw every match too, unless a copy
// that outranked its story's evicted hit made it count one story twice:
// Xapian does not say, so such a count is only a lower bound here.  On
// one database counting.hh's match knows, and says exact.)
inline Count count_collapsed(const Xapian::ValueCountMatchSpy &spy,
                             Xapian::doccount limit, bool cut)
{
	Xapian::doccount d = distinct(spy);
	if (!cut && spy.get_total() < count_check(limit))
		return { d, true };
	return { d < limit ? d : limit, false };
}

/* ---- "similar": documents like this one ---------------------------------- */

// A document's LIKE_TERMS terms that best tell it apart from the rest of
// the collection, any of them, make the query for documents like it.
const Xapian::termcount LIKE_TERMS = 30;

// Terms that may describe what a document is about: plain words, not
// prefixed filter terms, stems, numbers or stopwords.
inline bool like_term(const std::string &t)
{
	if (t.size() < 3)
		return false;
	unsigned char c = static_cast<unsigned char>(t[0]);
	if (c >= 'A' && c <= 'Z')
		return false;
	return t.find_first_of("0123456789") == std::string::npos &&
	       !english_stopper()(t);
}

/* ---- "did you mean" ------------------------------------------------------ */

// The next word of Q, from IT on, that a suggestion may correct: a run of
// word characters that is not a number, a field name or value ("tag:x"),
// a wildcard ("x*") or an operator.  Sets [*START, *STOP) to its bytes in
// Q and moves IT past it; false at the end of Q.
inline bool next_correctable(const std::string &q, Xapian::Utf8Iterator &it,
                             size_t *start, size_t *stop)
{
	const Xapian::Utf8Iterator end;
	while (it != end) {
		if (!Xapian::Unicode::is_wordchar(*it)) {
			++it;
			continue;
		}
		size_t b = static_cast<size_t>(it.raw() - q.data());
		bool digits = false;
		while (it != end && Xapian::Unicode::is_wordchar(*it)) {
			digits = digits || Xapian::Unicode::get_category(*it) ==
			                       Xapian::Unicode::DECIMAL_DIGIT_NUMBER;
			++it;
		}
		size_t e = it == end ? q.size()
		                     : static_cast<size_t>(it.raw() - q.data());
		char before = b ? q[b - 1] : ' ';
		char after = e < q.size() ? q[e] : ' ';
		if (digits || before == ':' || after == ':' || after == '*' ||
		    is_operator(q.substr(b, e - b)))
			continue;
		*start = b;
		*stop = e;
		return true;
	}
	return false;
}

/* ---- snippets ------------------------------------------------------------ */

// Every passage is looked at (of the window around the densest cluster
// of query words, in a long text: snippet_window.hh), and a text without
// a query term gives "" (the caller shows its lead instead).  No
// background model: with it a snippet costs 10-25x the search.
const unsigned SNIPPET_FLAGS = Xapian::MSet::SNIPPET_EXHAUSTIVE |
                               Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH;
// What stands where text is left out: "…".
const char SNIPPET_OMIT[] = "\xe2\x80\xa6";

} // namespace nsx

#endif
