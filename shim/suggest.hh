// suggest.hh - inside the shim: "did you mean", from the term list itself
// (no spelling table), within a budget of words and time.
#ifndef NSX_SUGGEST_HH
#define NSX_SUGGEST_HH

#include "limits.hh"

#include <xapian.h>

#include <set>
#include <string>
#include <vector>

namespace nsx {

// One word of a query spelt otherwise: bytes [START, STOP) of the query,
// FROM as typed in lower case, TO the indexed word meant.  UNKNOWN: no
// article has FROM (else it is in so few that TO, in many more, is
// likely meant).
struct Fix {
	size_t start, stop;
	std::string from, to;
	bool unknown;
};

// The first letters of an index's words, kept by a reader between its
// searches, and when they were read (monotonic seconds; 0: never).
struct Letters {
	std::vector<char32_t> v;
	double at = 0;
};
const double LETTERS_KEEP_SECONDS = 60;

// The words of Q worth correcting, each with the indexed word meant:
// the one within reach (typo.hh's distance: one edit in a word of up to
// four letters, two in a longer one; the first letter may be wrong too)
// with the best balance of closeness and commonness, an edit being worth
// SUGGEST_EDIT_FREQ times as many articles (so among words equally close
// the commonest wins, and a slip that is easy to make beats an ordinary
// one unless the other word is far commoner: opek is opec, not open).
// A word is worth correcting when no article has it, unless it is one of
// COVERED (terms as the query parser makes them, for which an
// alternative in the query finds articles: a synonym), or when at most
// SUGGEST_RARE articles have it and a word one edit away that is not
// another form of it has SUGGEST_RARE_RATIO times as many (volker,
// volcker).  Only the first SUGGEST_WORDS such words among the first
// SUGGEST_LOOKUPS are looked at; when DEADLINE (or SUGGEST_SECONDS)
// passes first, none.  Throws what Xapian throws.
// What KEEP holds (the first letters of the index's words, read once)
// is taken for LETTERS_KEEP_SECONDS when given: over a remote shard,
// reading them walks the server's whole vocabulary (about 1 MB sent for
// 4,000 articles), once per search otherwise.
std::vector<Fix> suggest(Xapian::Database &db, const Xapian::Stem &stem,
                         const std::string &q,
                         const std::set<std::string> &covered,
                         const Deadline &deadline, Letters *keep = nullptr);

// Q with FIXES (found in Q) applied; only those of unknown words if
// UNKNOWN_ONLY.  "" when none applies.
std::string respell(const std::string &q, const std::vector<Fix> &fixes,
                    bool unknown_only);

// Q, another text of the same query (its synonyms written out), with
// every word that FIXES corrects of an unknown word corrected alike.
std::string respell_words(const std::string &q, const std::vector<Fix> &fixes);

const unsigned SUGGEST_WORDS = 8;
const unsigned SUGGEST_LOOKUPS = 64;
const double SUGGEST_SECONDS = 0.25;
const double SUGGEST_EDIT_FREQ = 300;
const Xapian::doccount SUGGEST_RARE = 3;
const Xapian::doccount SUGGEST_RARE_RATIO = 30;

} // namespace nsx

#endif
