// typo.cc - the distance of a typed word from an indexed one (typo.hh).
// Pure: no Xapian, no state; never throws but for the allocator.

#include "typo.hh"

#include <algorithm>
#include <cstring>
#include <vector>

namespace nsx {

namespace {

bool in(const char *set, char32_t c)
{
	return c < 128 && c && std::strchr(set, static_cast<int>(c)) != nullptr;
}

bool vowel(char32_t c)
{
	return in("aeiouy", c);
}

// Letters that stand for the same sound often enough to be typed for
// one another, in either order.
bool sound_alike(char32_t a, char32_t b)
{
	static const char *const pairs[] = { "ck", "cs", "kq", "sz", "fv",
		                             "vw", "bp", "gj", "dt", "mn" };
	if (vowel(a) && vowel(b))
		return true;
	for (const char *p : pairs)
		if ((a == char32_t(p[0]) && b == char32_t(p[1])) ||
		    (a == char32_t(p[1]) && b == char32_t(p[0])))
			return true;
	return false;
}

// Keys beside each other on a QWERTY keyboard: in the same row, or one
// row down, under or to the left (the rows are staggered).
bool keyboard_neighbours(char32_t a, char32_t b)
{
	static const char *const rows[] = { "qwertyuiop", "asdfghjkl",
		                            "zxcvbnm" };
	for (int r = 0; r < 3; r++) {
		const char *pa =
		        a < 128 && a ? std::strchr(rows[r], int(a)) : nullptr;
		if (!pa)
			continue;
		long i = pa - rows[r];
		for (int s = 0; s < 3; s++) {
			const char *pb = b < 128 && b
			                         ? std::strchr(rows[s], int(b))
			                         : nullptr;
			if (!pb)
				continue;
			long j = pb - rows[s];
			if (s == r)
				return j == i - 1 || j == i + 1;
			if (s == r + 1)
				return j == i - 1 || j == i;
			if (s == r - 1)
				return j == i || j == i + 1;
		}
	}
	return false;
}

unsigned substitution(char32_t a, char32_t b)
{
	if (a == b)
		return 0;
	return sound_alike(a, b) || keyboard_neighbours(a, b) ? TYPO_EDIT / 2
	                                                      : TYPO_EDIT;
}

// The cost of adding or dropping S[I]: cheap beside the same letter, or
// where it is silent.
unsigned extra_letter(const std::u32string &s, size_t i)
{
	char32_t c = s[i];
	char32_t before = i ? s[i - 1] : 0;
	char32_t after = i + 1 < s.size() ? s[i + 1] : 0;
	bool cheap = c == before || c == after || (c == 'c' && after == 'k') ||
	             (c == 'h' && in("bcdgkprstw", before));
	return cheap ? TYPO_EDIT / 2 : TYPO_EDIT;
}

} // namespace

unsigned typo_distance(const std::u32string &typed, const std::u32string &word,
                       unsigned max)
{
	size_t n = typed.size(), m = word.size();
	if ((n > m ? n - m : m - n) * (TYPO_EDIT / 2) > max)
		return max + 1;
	std::vector<unsigned> prev2(m + 1), prev(m + 1), cur(m + 1);
	prev[0] = 0;
	for (size_t j = 1; j <= m; j++)
		prev[j] = prev[j - 1] + extra_letter(word, j - 1);
	for (size_t i = 1; i <= n; i++) {
		cur[0] = prev[0] + extra_letter(typed, i - 1);
		unsigned row_min = cur[0];
		for (size_t j = 1; j <= m; j++) {
			unsigned v = std::min(
			        { prev[j] + extra_letter(typed, i - 1),
			          cur[j - 1] + extra_letter(word, j - 1),
			          prev[j - 1] + substitution(typed[i - 1],
			                                     word[j - 1]) });
			if (i > 1 && j > 1 && typed[i - 1] == word[j - 2] &&
			    typed[i - 2] == word[j - 1] &&
			    typed[i - 1] != typed[i - 2])
				v = std::min(v, prev2[j - 2] + TYPO_EDIT);
			cur[j] = v;
			row_min = std::min(row_min, v);
		}
		if (row_min > max)
			return max + 1;
		prev2.swap(prev);
		prev.swap(cur);
	}
	return prev[m] > max ? max + 1 : prev[m];
}

} // namespace nsx
