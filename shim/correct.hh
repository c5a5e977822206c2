// correct.hh - inside the shim: when a search answers the corrected query
// instead of the one typed, and which missing words an alternative in the
// query makes up for (those are never corrected).  Throws what Xapian
// throws.
#ifndef NSX_CORRECT_HH
#define NSX_CORRECT_HH

#include <xapian.h>

#include <set>
#include <string>

namespace nsx {

// The terms of Q that no article has, where an alternative beside them
// (another member of their OR) finds articles, at every place they are
// in Q.
std::set<std::string> covered_terms(const Xapian::Database &db,
                                    const Xapian::Query &q);

// A query that finds at most CORRECT_BELOW articles with all its words
// is answered with its correction (of words no article has) when that
// finds CORRECT_GAIN times as many, and at least one.
const Xapian::doccount CORRECT_BELOW = 2;
const Xapian::doccount CORRECT_GAIN = 10;

// Does a correction that finds FIXED articles where the query as typed
// finds TYPED (each counted up to CORRECT_GAIN * (CORRECT_BELOW + 1))
// replace it?
inline bool correction_wins(Xapian::doccount typed, Xapian::doccount fixed)
{
	return typed <= CORRECT_BELOW && fixed > 0 &&
	       fixed >= CORRECT_GAIN * typed;
}

} // namespace nsx

#endif
