// snippet_window.hh - where in a long text its snippet is cut: around the
// densest cluster of the query's words, found by a cheap scan of the
// bytes, so that Xapian's MSet::snippet, which tokenises and stems every
// word it is given, reads about half a kilobyte instead of the whole
// article.  Never decides what the snippet says: Xapian still picks and
// highlights the passage, within the region.
//
// Compiled into the shim (results.cc uses it) and into the benchmark's
// raw program (tests/bench/raw_xapian.cc, which compares it with cutting
// from the whole text), so: nothing but Xapian's and the standard
// headers, no nsx.h, no state.
#ifndef NSX_SNIPPET_WINDOW_HH
#define NSX_SNIPPET_WINDOW_HH

#include <xapian.h>

#include <cstddef>
#include <string>
#include <vector>

namespace nsx {

// The region a snippet of LENGTH bytes is cut from: the larger of this
// and twice LENGTH.  A text not much longer (half as long again) is cut
// whole, as before: nothing to gain there.
const size_t SNIPPET_REGION = 512;

// What the scan looks for: the query's words as they occur in text.
struct SnippetWords {
	// Words indexed as written (capitalised or quoted in the query,
	// phrase words), lower case, and the stems of stemmed words ("Z"
	// terms without their Z); GROUP_* numbers the query word each
	// stands for (the same word, stemmed or not, is one).
	std::vector<std::string> exact, stems;
	std::vector<unsigned> group_exact, group_stems;
	unsigned groups = 0;
	// False when the scan cannot stand for the query (a wildcard, or
	// no word it could find): the snippet is cut from the whole text.
	bool usable = false;
};

// The words of QUERY (unprefixed terms and unprefixed stems; filters,
// field terms and values are left out), stemmed with STEM.
SnippetWords snippet_words(const Xapian::Query &query,
                           const Xapian::Stem &stem);

// Where query words occur in TEXT: [begin, end) of each, and its group.
struct WordMatch {
	size_t begin, end;
	unsigned group;
};

// Every occurrence of WORDS in TEXT, in order (at most a few thousand).
std::vector<WordMatch> find_words(const std::string &text,
                                  const SnippetWords &words,
                                  const Xapian::Stem &stem);

// The region [*BEGIN, *END) of TEXT to cut a snippet of LENGTH bytes from:
// around the stretch of LENGTH bytes with the most different query words
// (then the most matches, then the earliest), widened to the region size
// and to whole words.  False when the whole text should be used (short,
// or no match found).
bool snippet_region(const std::string &text, size_t length,
                    const SnippetWords &words, const Xapian::Stem &stem,
                    size_t *begin, size_t *end);

// MSET.snippet() of TEXT with these arguments, cut from the region
// snippet_region() finds: with OMIT where the region cut the text short,
// as Xapian marks a passage that is not the whole text.  Falls back to
// the whole text when there is no region, or Xapian finds nothing in it.
std::string window_snippet(const Xapian::MSet &mset, const std::string &text,
                           size_t length, const Xapian::Stem &stem,
                           unsigned flags, const std::string &hi_start,
                           const std::string &hi_end, const std::string &omit,
                           const SnippetWords &words);

} // namespace nsx

#endif
