// typo.hh - inside the shim: how far a typed word is from an indexed one,
// as people mistype: in half edits, where a slip that is easy to make (a
// letter for one that sounds alike or sits beside it on the keyboard, a
// doubled or silent letter) costs less than any other.  Pure functions.
#ifndef NSX_TYPO_HH
#define NSX_TYPO_HH

#include <string>

namespace nsx {

// The cost of one ordinary edit (a letter changed, added, dropped, or two
// neighbours swapped), in the unit typo_distance() counts in.
const unsigned TYPO_EDIT = 2;

// The cost of turning TYPED into WORD (both in lower case, as code
// points): the least sum of edits, each TYPO_EDIT, or half that for
//  - a letter for one that sounds alike (c/k, c/s, k/q, s/z, f/v, v/w,
//    b/p, g/j, d/t, m/n, a vowel for a vowel) or its neighbour on a
//    QWERTY keyboard (opek/opec, tge/the);
//  - a letter added or dropped beside the same letter (comitee/committee)
//    or that is silent there: c before k (volker/volcker), h after a
//    consonant (gadafi/gadhafi).
// MAX + 1 as soon as the cost must be over MAX.
unsigned typo_distance(const std::u32string &typed, const std::u32string &word,
                       unsigned max);

} // namespace nsx

#endif
