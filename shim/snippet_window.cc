// snippet_window.cc - the region of a long text its snippet is cut from
// (snippet_window.hh).  A scan of bytes that stems only the words that
// may be a query word's forms; it never throws but what Xapian and the
// allocator throw.

#include "snippet_window.hh"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

namespace nsx {

namespace {

// Matches kept from one text: enough for any article, a bound for a
// text that repeats one word all along.
const size_t MAX_MATCHES = 4096;
// Words longer than this are no query word (Xapian's snippets skip them
// too).
const size_t MAX_WORD = 64;
// How far a region's ends may move to fall between two words.
const size_t SNAP = 48;

bool upper_ascii(char c)
{
	return c >= 'A' && c <= 'Z';
}

bool has_wildcard(const Xapian::Query &q)
{
	if (q.get_type() == Xapian::Query::OP_WILDCARD)
		return true;
	for (size_t i = 0; i < q.get_num_subqueries(); i++)
		if (has_wildcard(q.get_subquery(i)))
			return true;
	return false;
}

bool space(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

// Is the character at P (N > 0 bytes left) a word character, as Xapian's
// tokeniser sees it?  *LEN receives its length in bytes.
inline bool word_char(const char *p, size_t n, size_t *len)
{
	unsigned char c = static_cast<unsigned char>(*p);
	if (c < 0x80) {
		*len = 1;
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		       (c >= '0' && c <= '9') || c == '_';
	}
	Xapian::Utf8Iterator it(p, n);
	unsigned ch = *it;
	++it;
	*len = static_cast<size_t>(it.raw() - p);
	if (*len == 0)
		*len = 1;
	return Xapian::Unicode::is_wordchar(ch);
}

// The scan's state for one text: which first bytes may start a query
// word, and the verdicts on the words it had to stem.
class Scanner {
	const SnippetWords &w;
	const Xapian::Stem &stem;
	bool first[256] = {};
	std::unordered_map<std::string, int> stemmed;

public:
	Scanner(const SnippetWords &words, const Xapian::Stem &s)
		: w(words), stem(s)
	{
		auto want = [&](const std::string &t) {
			unsigned char c = static_cast<unsigned char>(t[0]);
			first[c] = true;
			if (c >= 'a' && c <= 'z')
				first[c - 'a' + 'A'] = true;
			// A capital may have another lead byte: any will do.
			for (unsigned b = 0xC0; c >= 0x80 && b < 256; b++)
				first[b] = true;
		};
		for (const std::string &t : w.exact)
			want(t);
		for (const std::string &t : w.stems)
			want(t);
	}

	bool may_start(char c) const
	{
		return first[static_cast<unsigned char>(c)];
	}

	// The group of the query word that WORD (lower case) is a form of,
	// or -1.  Only a word that begins as a stem does (all of it but its
	// last character, which stemming may change) is stemmed.
	int group_of(const std::string &word)
	{
		for (size_t i = 0; i < w.exact.size(); i++)
			if (word == w.exact[i])
				return static_cast<int>(w.group_exact[i]);
		for (size_t i = 0; i < w.stems.size(); i++) {
			const std::string &s = w.stems[i];
			size_t k = s.size() > 1 ? s.size() - 1 : 1;
			if (word.size() < k || word.compare(0, k, s, 0, k) != 0)
				continue;
			auto it = stemmed.find(word);
			if (it == stemmed.end())
				it = stemmed.emplace(word, stemmed_group(word)).first;
			if (it->second >= 0)
				return it->second;
		}
		return -1;
	}

private:
	int stemmed_group(const std::string &word)
	{
		std::string s = stem(word);
		for (size_t i = 0; i < w.stems.size(); i++)
			if (s == w.stems[i])
				return static_cast<int>(w.group_stems[i]);
		return -1;
	}
};

// WORD's LEN bytes at P in lower case.
std::string lower(const char *p, size_t len, bool ascii)
{
	if (!ascii)
		return Xapian::Unicode::tolower(std::string(p, len));
	std::string s(p, len);
	for (char &c : s)
		if (upper_ascii(c))
			c = static_cast<char>(c - 'A' + 'a');
	return s;
}

// B moved to the start of a word: back after the space before it (not
// far), else on to the next word (never past LIMIT), else to the start of
// the character it is in.
size_t word_start(const std::string &t, size_t b, size_t limit)
{
	for (size_t k = b; k > 0 && b - k < SNAP; k--)
		if (space(t[k - 1]))
			return k;
	if (b == 0 || b <= SNAP)
		return 0;
	for (size_t k = b; k < limit; k++)
		if (space(t[k]))
			return k + 1;
	while (b > 0 && (static_cast<unsigned char>(t[b]) & 0xC0) == 0x80)
		b--;
	return b;
}

// E moved to the end of a word, as word_start() but forward, never
// before LIMIT.
size_t word_end(const std::string &t, size_t e, size_t limit)
{
	for (size_t k = e; k < t.size() && k - e < SNAP; k++)
		if (space(t[k]))
			return k;
	if (t.size() - e <= SNAP)
		return t.size();
	for (size_t k = e; k > limit; k--)
		if (space(t[k - 1]))
			return k - 1;
	while (e < t.size() && (static_cast<unsigned char>(t[e]) & 0xC0) == 0x80)
		e++;
	return e;
}

// Does the text before B end a sentence (or is B its start)?  Then a
// snippet starting at B needs no mark, as in Xapian's rule.
bool after_sentence(const std::string &t, size_t b)
{
	while (b > 0 && space(t[b - 1]))
		b--;
	return b == 0 || t[b - 1] == '.' || t[b - 1] == '?' || t[b - 1] == '!';
}

// The first word of S from byte I on (after blanks and punctuation).
std::string first_word(const std::string &s, size_t i)
{
	size_t len = 1;
	while (i < s.size() && !word_char(s.data() + i, s.size() - i, &len))
		i += len;
	size_t start = i;
	while (i < s.size() && word_char(s.data() + i, s.size() - i, &len))
		i += len;
	return s.substr(start, i - start);
}

bool starts_with(const std::string &s, const std::string &p)
{
	return !p.empty() && s.compare(0, p.size(), p) == 0;
}

bool ends_with(const std::string &s, const std::string &p)
{
	return !p.empty() && s.size() >= p.size() &&
	       s.compare(s.size() - p.size(), p.size(), p) == 0;
}

} // namespace

SnippetWords snippet_words(const Xapian::Query &query,
                           const Xapian::Stem &stem)
{
	SnippetWords w;
	if (has_wildcard(query))
		return w;
	std::vector<std::string> keys;
	auto group = [&](const std::string &key) {
		auto it = std::find(keys.begin(), keys.end(), key);
		if (it != keys.end())
			return static_cast<unsigned>(it - keys.begin());
		keys.push_back(key);
		return static_cast<unsigned>(keys.size() - 1);
	};
	for (auto t = query.get_unique_terms_begin();
	     t != query.get_unique_terms_end(); ++t) {
		const std::string &term = *t;
		// Capitals start prefixes (fields, filters): not in the text.
		if (term.empty() || (upper_ascii(term[0]) && term[0] != 'Z'))
			continue;
		if (term[0] == 'Z') {
			std::string s = term.substr(1);
			if (s.empty() || upper_ascii(s[0]))
				continue;
			w.stems.push_back(s);
			w.group_stems.push_back(group(s));
		} else {
			w.exact.push_back(term);
			w.group_exact.push_back(group(stem(term)));
		}
	}
	w.groups = static_cast<unsigned>(keys.size());
	w.usable = w.groups > 0;
	return w;
}

std::vector<WordMatch> find_words(const std::string &text,
                                  const SnippetWords &words,
                                  const Xapian::Stem &stem)
{
	std::vector<WordMatch> out;
	if (!words.usable)
		return out;
	Scanner scan(words, stem);
	const char *p = text.data();
	size_t n = text.size(), i = 0, len = 1;
	while (i < n && out.size() < MAX_MATCHES) {
		if (!word_char(p + i, n - i, &len)) {
			i += len;
			continue;
		}
		size_t start = i;
		bool ascii = static_cast<unsigned char>(p[i]) < 0x80;
		for (i += len; i < n && word_char(p + i, n - i, &len); i += len)
			ascii = ascii && static_cast<unsigned char>(p[i]) < 0x80;
		if (!scan.may_start(p[start]) || i - start > MAX_WORD)
			continue;
		int g = scan.group_of(lower(p + start, i - start, ascii));
		if (g >= 0)
			out.push_back({start, i, static_cast<unsigned>(g)});
	}
	return out;
}

bool snippet_region(const std::string &text, size_t length,
                    const SnippetWords &words, const Xapian::Stem &stem,
                    size_t *begin, size_t *end)
{
	size_t size = std::max(SNIPPET_REGION, 2 * length);
	if (!words.usable || text.size() <= size + size / 2)
		return false;
	std::vector<WordMatch> m = find_words(text, words, stem);
	if (m.empty())
		return false;
	// The stretch of LENGTH bytes with the most different words, then
	// the most matches: a window sliding over the matches.
	std::vector<unsigned> count(words.groups, 0);
	uint64_t distinct = 0, best = 0;
	size_t l = 0, best_l = 0, best_r = 0;
	for (size_t r = 0; r < m.size(); r++) {
		if (count[m[r].group]++ == 0)
			distinct++;
		while (l < r && m[r].end - m[l].begin > length)
			if (--count[m[l++].group] == 0)
				distinct--;
		uint64_t score = distinct << 32 | (r - l + 1);
		if (score > best) {
			best = score;
			best_l = l;
			best_r = r;
		}
	}
	size_t cb = m[best_l].begin, ce = m[best_r].end;
	size_t mid = cb + (ce - cb) / 2;
	size_t e = std::min(text.size(), (mid > size / 2 ? mid - size / 2 : 0) +
	                                         size);
	size_t b = e > size ? e - size : 0;
	*begin = word_start(text, std::min(b, cb), cb);
	*end = word_end(text, std::max(e, ce), ce);
	return true;
}

std::string window_snippet(const Xapian::MSet &mset, const std::string &text,
                           size_t length, const Xapian::Stem &stem,
                           unsigned flags, const std::string &hi_start,
                           const std::string &hi_end, const std::string &omit,
                           const SnippetWords &words)
{
	size_t b = 0, e = 0;
	if (snippet_region(text, length, words, stem, &b, &e)) {
		std::string s = mset.snippet(text.substr(b, e - b), length, stem,
		                             flags, hi_start, hi_end, omit);
		if (!s.empty()) {
			// Xapian took the region for the whole text: mark what
			// it left out around it, as it marks its own cuts.
			// Unmarked, it starts where the region does (Xapian's
			// rule for a text's start) or at a sentence within it.
			std::string out;
			size_t at = starts_with(s, hi_start) ? hi_start.size() : 0;
			if (b > 0 && !starts_with(s, omit) && !after_sentence(text, b) &&
			    first_word(s, at) == first_word(text, b))
				out = omit;
			out += s;
			char last = s.back();
			if (e < text.size() && !ends_with(s, omit) && last != '.' &&
			    last != '?' && last != '!')
				out += omit;
			return out;
		}
	}
	return mset.snippet(text, length, stem, flags, hi_start, hi_end, omit);
}

} // namespace nsx
