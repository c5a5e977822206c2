// suggest.hh - inside the shim: "did you mean", from the term list itself
// (no spelling table), within a budget of words and time.
#ifndef NSX_SUGGEST_HH
#define NSX_SUGGEST_HH

#include "limits.hh"

#include <xapian.h>

#include <string>

namespace nsx {

// Q with each word the index does not know replaced by the closest word
// it does (at most two edits; the one in most documents among the
// closest), or "" when every word is known or none has a close match.
// Only the first SUGGEST_WORDS unknown words among the first
// SUGGEST_LOOKUPS words are looked at, in one walk over the term list per
// first letter; when DEADLINE (or SUGGEST_SECONDS) passes first, "".
std::string suggest(Xapian::Database &db, const Xapian::Stem &stem,
                    const std::string &q, const Deadline &deadline);

const unsigned SUGGEST_WORDS = 8;
const unsigned SUGGEST_LOOKUPS = 64;
const double SUGGEST_SECONDS = 0.25;

} // namespace nsx

#endif
