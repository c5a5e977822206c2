// suggest.cc - "did you mean" (suggest.hh).  Runs inside a search's
// guard(); throws only what Xapian or the allocator throw.

#include "suggest.hh"

#include "policy.hh"
#include "typo.hh"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace nsx {

namespace {

std::u32string code_points(const std::string &s)
{
	std::u32string out;
	for (Xapian::Utf8Iterator it(s); it != Xapian::Utf8Iterator(); ++it)
		out.push_back(*it);
	return out;
}

std::string utf8(char32_t c)
{
	std::string s;
	Xapian::Unicode::append_utf8(s, c);
	return s;
}

// A word of the query that may be mistyped, where it is, and the best
// indexed word found for it so far.
struct Word {
	std::vector<std::pair<size_t, size_t>> at; // its bytes in the query
	std::string lower;                         // case-folded, as indexed
	std::string stemmed;
	std::u32string points;
	Xapian::doccount freq = 0; // articles with it
	unsigned max_d = 0;        // in typo.hh's unit
	std::string best;
	double best_score = std::numeric_limits<double>::infinity();
};

// How many articles have the word LOWER, as typed or by its stem.
Xapian::doccount articles_with(Xapian::Database &db, const std::string &lower,
                               const std::string &stemmed)
{
	return std::max(db.get_termfreq(lower), db.get_termfreq("Z" + stemmed));
}

// The words of Q worth correcting (suggest.hh), each once with every
// place it is at.
std::vector<Word> words_to_check(Xapian::Database &db, const Xapian::Stem &stem,
                                 const std::string &q,
                                 const std::set<std::string> &covered)
{
	std::vector<Word> out;
	unsigned looked = 0, places = 0;
	Xapian::Utf8Iterator it(q);
	size_t start, stop;
	while (places < SUGGEST_WORDS && looked < SUGGEST_LOOKUPS &&
	       next_correctable(q, it, &start, &stop)) {
		looked++;
		std::string lower =
		        Xapian::Unicode::tolower(q.substr(start, stop - start));
		auto same = std::find_if(
		        out.begin(), out.end(),
		        [&](const Word &w) { return w.lower == lower; });
		if (same != out.end()) {
			same->at.emplace_back(start, stop);
			places++;
			continue;
		}
		Word w;
		w.lower = lower;
		w.stemmed = stem(lower);
		w.freq = articles_with(db, lower, w.stemmed);
		bool alternative =
		        covered.count(lower) || covered.count("Z" + w.stemmed);
		if ((w.freq == 0 && alternative) || w.freq > SUGGEST_RARE)
			continue;
		w.points = code_points(lower);
		if (w.points.size() < 3)
			continue;
		w.max_d = w.freq || w.points.size() <= 4 ? TYPO_EDIT
		                                         : 2 * TYPO_EDIT;
		w.at.emplace_back(start, stop);
		places++;
		out.push_back(std::move(w));
	}
	return out;
}

// The first letters of the index's words (its terms in lower case,
// prefixed terms left out): one look-up per letter, skipping the rest.
std::vector<char32_t> first_letters(Xapian::Database &db,
                                    const Deadline &budget)
{
	std::vector<char32_t> out;
	Xapian::TermIterator t = db.allterms_begin();
	while (t != db.allterms_end()) {
		if (budget.passed())
			break;
		const std::string term = *t;
		char32_t c = *Xapian::Utf8Iterator(term);
		// The bytes of the first character, by its lead byte.
		unsigned char lead = static_cast<unsigned char>(term[0]);
		size_t n = std::min<size_t>(term.size(), lead < 0xc0   ? 1
		                                         : lead < 0xe0 ? 2
		                                         : lead < 0xf0 ? 3
		                                                       : 4);
		if (Xapian::Unicode::get_category(c) ==
		    Xapian::Unicode::LOWERCASE_LETTER)
			out.push_back(c);
		// Past every term that starts so: none has a byte 0xff.
		t.skip_to(term.substr(0, n) + "\xff");
	}
	return out;
}

// Where the index's words that W may be mistyped for start: with its
// first letter, and (a typo in the first letter) with another before
// its second and third, another before its first and second, its first
// two swapped, or from its second on.
std::vector<std::string> walks_of(const Word &w,
                                  const std::vector<char32_t> &letters)
{
	const std::u32string &p = w.points;
	std::vector<std::string> out{ utf8(p[0]) };
	for (char32_t c : letters) {
		if (c == p[0])
			continue;
		out.push_back(utf8(c) + utf8(p[1]) + utf8(p[2]));
		out.push_back(utf8(c) + utf8(p[0]) + utf8(p[1]));
	}
	out.push_back(utf8(p[1]) + utf8(p[0]) + utf8(p[2]));
	out.push_back(utf8(p[1]) + utf8(p[2]));
	return out;
}

// Offer the indexed word CAND (CP its code points, in FREQ articles) to W.
void consider(Word &w, const Xapian::Stem &stem, const std::string &cand,
              const std::u32string &cp, Xapian::doccount freq)
{
	if (cand == w.lower)
		return;
	unsigned d = typo_distance(w.points, cp, w.max_d);
	if (d > w.max_d)
		return;
	// A known word gives way only to a far commoner one that is not
	// another form of it.
	if (w.freq &&
	    (freq < SUGGEST_RARE_RATIO * w.freq || stem(cand) == w.stemmed))
		return;
	double score = double(d) / TYPO_EDIT -
	               std::log(double(freq)) / std::log(SUGGEST_EDIT_FREQ);
	if (score < w.best_score) {
		w.best = cand;
		w.best_score = score;
	}
}

} // namespace

std::vector<Fix> suggest(Xapian::Database &db, const Xapian::Stem &stem,
                         const std::string &q,
                         const std::set<std::string> &covered,
                         const Deadline &deadline, Letters *keep)
{
	std::vector<Word> words = words_to_check(db, stem, q, covered);
	if (words.empty())
		return {};
	Deadline budget = deadline.within(SUGGEST_SECONDS);
	std::vector<char32_t> letters;
	if (keep && keep->at > 0 &&
	    monotonic_now() - keep->at < LETTERS_KEEP_SECONDS) {
		letters = keep->v;
	} else {
		letters = first_letters(db, budget);
		if (keep && !budget.passed()) { // all of them: kept
			keep->v = letters;
			keep->at = monotonic_now();
		}
	}
	// One walk of the term list per beginning serves every word that
	// needs it.
	std::map<std::string, std::vector<Word *>> walks;
	for (Word &w : words)
		for (const std::string &b : walks_of(w, letters)) {
			std::vector<Word *> &v = walks[b];
			if (v.empty() || v.back() != &w)
				v.push_back(&w);
		}
	unsigned seen = 0;
	for (auto &walk : walks) {
		const std::string &b = walk.first;
		for (auto t = db.allterms_begin(b); t != db.allterms_end(b);
		     ++t) {
			if ((++seen & 255) == 0 && budget.passed())
				return {};
			const std::string &cand = *t;
			std::u32string cp;
			for (Word *w : walk.second) {
				if (cand.size() + 8 < w->lower.size() ||
				    cand.size() > w->lower.size() + 8)
					continue;
				if (cp.empty())
					cp = code_points(cand);
				consider(*w, stem, cand, cp, t.get_termfreq());
			}
		}
	}
	std::vector<Fix> fixes;
	for (const Word &w : words)
		for (const auto &at : w.at)
			if (!w.best.empty())
				fixes.push_back({ at.first, at.second, w.lower,
				                  w.best, w.freq == 0 });
	std::sort(fixes.begin(), fixes.end(),
	          [](const Fix &a, const Fix &b) { return a.start < b.start; });
	return fixes;
}

std::string respell(const std::string &q, const std::vector<Fix> &fixes,
                    bool unknown_only)
{
	std::string out;
	size_t copied = 0;
	for (const Fix &f : fixes) {
		if (unknown_only && !f.unknown)
			continue;
		out += q.substr(copied, f.start - copied) + f.to;
		copied = f.stop;
	}
	if (out.empty())
		return std::string();
	return out + q.substr(copied);
}

std::string respell_words(const std::string &q, const std::vector<Fix> &fixes)
{
	std::string out;
	size_t copied = 0, start, stop;
	Xapian::Utf8Iterator it(q);
	while (next_correctable(q, it, &start, &stop)) {
		std::string lower =
		        Xapian::Unicode::tolower(q.substr(start, stop - start));
		for (const Fix &f : fixes) {
			if (!f.unknown || f.from != lower)
				continue;
			out += q.substr(copied, start - copied) + f.to;
			copied = stop;
			break;
		}
	}
	return out + q.substr(copied);
}

} // namespace nsx
