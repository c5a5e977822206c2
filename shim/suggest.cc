// suggest.cc - "did you mean" (suggest.hh).  Runs inside a search's
// guard(); throws only what Xapian or the allocator throw.

#include "suggest.hh"

#include "policy.hh"

#include <algorithm>
#include <map>
#include <vector>

namespace nsx {

namespace {

// The edit distance between A and B (insertions, deletions,
// substitutions and swaps of two neighbours each cost 1), or MAX + 1 when
// it is over MAX.
unsigned edit_distance(const std::u32string &a, const std::u32string &b,
                       unsigned max)
{
	size_t n = a.size(), m = b.size();
	if ((n > m ? n - m : m - n) > max)
		return max + 1;
	std::vector<unsigned> prev2(m + 1), prev(m + 1), cur(m + 1);
	for (size_t j = 0; j <= m; j++)
		prev[j] = static_cast<unsigned>(j);
	for (size_t i = 1; i <= n; i++) {
		cur[0] = static_cast<unsigned>(i);
		unsigned row_min = cur[0];
		for (size_t j = 1; j <= m; j++) {
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned v = std::min({prev[j] + 1, cur[j - 1] + 1,
			                       prev[j - 1] + cost});
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1])
				v = std::min(v, prev2[j - 2] + 1);
			cur[j] = v;
			row_min = std::min(row_min, v);
		}
		if (row_min > max)
			return max + 1;
		prev2.swap(prev);
		prev.swap(cur);
	}
	return prev[m];
}

std::u32string code_points(const std::string &s)
{
	std::u32string out;
	for (Xapian::Utf8Iterator it(s); it != Xapian::Utf8Iterator(); ++it)
		out.push_back(*it);
	return out;
}

// A word of the query the index does not know, and the closest indexed
// word found so far.
struct Unknown {
	size_t start, stop;       // where it is in the query
	std::string lower;        // case-folded, as indexed
	std::u32string points;
	std::string best;
	unsigned best_d = 3;
	Xapian::doccount best_freq = 0;
};

// The words of Q worth correcting (policy.hh's next_correctable()) that
// the index does not know: at most SUGGEST_WORDS of them, among the first
// SUGGEST_LOOKUPS words.
std::vector<Unknown> unknown_words(Xapian::Database &db,
                                   const Xapian::Stem &stem,
                                   const std::string &q)
{
	std::vector<Unknown> out;
	unsigned looked = 0;
	Xapian::Utf8Iterator it(q);
	size_t start, stop;
	while (out.size() < SUGGEST_WORDS && looked < SUGGEST_LOOKUPS &&
	       next_correctable(q, it, &start, &stop)) {
		looked++;
		Unknown u;
		u.lower = Xapian::Unicode::tolower(q.substr(start, stop - start));
		if (db.term_exists(u.lower) || db.term_exists("Z" + stem(u.lower)))
			continue;
		u.points = code_points(u.lower);
		if (u.points.size() < 3)
			continue;
		u.start = start;
		u.stop = stop;
		out.push_back(std::move(u));
	}
	return out;
}

// Could the indexed word CAND be U mistyped, by its length in bytes?
bool near_in_length(const Unknown &u, const std::string &cand)
{
	return cand.size() + 2 >= u.lower.size() &&
	       cand.size() <= u.lower.size() + 8;
}

// Offer the indexed word CAND (CP its code points, in FREQ documents)
// to U.
void consider(Unknown &u, const std::string &cand, const std::u32string &cp,
              Xapian::doccount freq)
{
	unsigned d = edit_distance(u.points, cp, u.best_d);
	if (d < u.best_d || (d == u.best_d && d <= 2 && freq > u.best_freq)) {
		u.best = cand;
		u.best_d = d;
		u.best_freq = freq;
	}
}

} // namespace

std::string suggest(Xapian::Database &db, const Xapian::Stem &stem,
                    const std::string &q, const Deadline &deadline)
{
	std::vector<Unknown> words = unknown_words(db, stem, q);
	if (words.empty())
		return std::string();
	// The candidates of a word are the indexed words with its first
	// letter (a typo there is rare, and it keeps the walk short): one
	// walk per first letter serves every word that has it.
	std::map<std::string, std::vector<Unknown *>> by_first;
	for (Unknown &u : words) {
		std::string first;
		Xapian::Unicode::append_utf8(first, u.points[0]);
		by_first[first].push_back(&u);
	}
	Deadline budget = deadline.within(SUGGEST_SECONDS);
	unsigned seen = 0;
	for (auto &group : by_first) {
		const std::string &first = group.first;
		for (auto t = db.allterms_begin(first); t != db.allterms_end(first);
		     ++t) {
			if ((++seen & 255) == 0 && budget.passed())
				return std::string();
			const std::string &cand = *t;
			std::u32string cp;
			for (Unknown *u : group.second) {
				if (!near_in_length(*u, cand))
					continue;
				if (cp.empty())
					cp = code_points(cand);
				consider(*u, cand, cp, t.get_termfreq());
			}
		}
	}
	std::string out;
	size_t copied = 0;
	for (const Unknown &u : words) {
		if (u.best_d > 2)
			continue;
		out += q.substr(copied, u.start - copied) + u.best;
		copied = u.stop;
	}
	if (out.empty())
		return std::string();
	return out + q.substr(copied);
}

} // namespace nsx
