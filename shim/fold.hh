// fold.hh - the forms of a word that must not change what is found: case,
// and initials written with dots in any case (U.S., u.s., u.s, US).  The
// text of a document and the text of a query go through here before
// Xapian reads them, so that both sides make the same terms.
//
// Part of the search policy (policy.hh includes it): inline, stateless,
// nothing but Xapian's and the standard headers, so that the benchmark's
// raw Xapian program folds as the shim does.  Never changes anything but
// the case of letters and the dots of initials.
#ifndef NSX_FOLD_HH
#define NSX_FOLD_HH

#include <xapian.h>

#include <string>

namespace nsx {

// Xapian's TermGenerator and QueryParser read ASCII capitals separated by
// dots (P.T.O., U.N) as one word, "pto", "un"; the same letters in lower
// case are words of one letter each, and a phrase in a query.
inline bool ascii_letter(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Initials at IT (a word's first character): two or more ASCII letters,
// each followed by a dot but the last (whose dot may be left out), and no
// word character right after, as Xapian's own rule for capitals.  Sets
// *LETTERS to the letters as written and *AFTER past the last one (and
// its dot); false when there are none at IT.
inline bool initials_at(Xapian::Utf8Iterator it, std::string *letters,
                        Xapian::Utf8Iterator *after)
{
	const Xapian::Utf8Iterator end;
	letters->clear();
	while (it != end && ascii_letter(*it)) {
		letters->push_back(static_cast<char>(*it));
		++it;
		if (it == end || *it != '.')
			break;
		++it; // the dot
		if (it == end || !ascii_letter(*it))
			break;
	}
	if (letters->size() < 2 ||
	    (it != end && Xapian::Unicode::is_wordchar(*it)))
		return false;
	*after = it;
	return true;
}

// TEXT, a document's, with the letters of initials written in lower case
// ("u.s.") in capitals, which Xapian's TermGenerator then reads as the
// one word it makes of "U.S.".  Nothing else changes; the text is copied
// only when there is such a run.
inline std::string fold_initials(const std::string &text)
{
	if (text.find('.') == std::string::npos)
		return text;
	std::string out;
	size_t copied = 0;
	bool prev_word = false;
	const Xapian::Utf8Iterator end;
	Xapian::Utf8Iterator it(text), after;
	std::string letters;
	while (it != end) {
		unsigned c = *it;
		if (!prev_word && ascii_letter(c) &&
		    initials_at(it, &letters, &after)) {
			size_t b = static_cast<size_t>(it.raw() - text.data());
			size_t e = after == end
			                   ? text.size()
			                   : static_cast<size_t>(after.raw() -
			                                         text.data());
			out.append(text, copied, b - copied);
			for (size_t i = b; i < e; i++)
				out += text[i] >= 'a' && text[i] <= 'z'
				               ? static_cast<char>(text[i] -
				                                   'a' + 'A')
				               : text[i];
			copied = e;
			it = after;
			prev_word = false;
			continue;
		}
		prev_word = Xapian::Unicode::is_wordchar(c);
		++it;
	}
	if (!copied)
		return text;
	out.append(text, copied, std::string::npos);
	return out;
}

// Is W one of the query parser's operators (AND, NEAR, ...)?
inline bool is_operator(const std::string &w)
{
	return w == "AND" || w == "OR" || w == "NOT" || w == "XOR" ||
	       w == "NEAR" || w == "ADJ";
}

// Q, a query, in lower case but for its operators (AND, NEAR/5, ...),
// with initials in any case made one word ("U.S." and "u.s" are "us", as
// "US" is).  Case then changes nothing: every word is stemmed alike (the
// query parser matches a word with a capital as written otherwise), and
// "u.s." is no longer the phrase "u s".  Whether Q types a stopword in
// capitals (shouts_stopword() in policy.hh) is asked of Q as typed.
inline std::string fold_query(const std::string &q)
{
	std::string out;
	out.reserve(q.size());
	bool prev_word = false;
	const Xapian::Utf8Iterator end;
	Xapian::Utf8Iterator it(q), after;
	std::string word;
	while (it != end) {
		unsigned c = *it;
		if (!prev_word && Xapian::Unicode::is_wordchar(c)) {
			if (initials_at(it, &word, &after)) {
				out += Xapian::Unicode::tolower(word);
				it = after;
				continue;
			}
			word.clear();
			Xapian::Utf8Iterator w = it;
			for (; w != end && Xapian::Unicode::is_wordchar(*w);
			     ++w)
				Xapian::Unicode::append_utf8(word, *w);
			if (is_operator(word)) {
				out += word;
				it = w;
				prev_word = true;
				continue;
			}
		}
		Xapian::Unicode::append_utf8(out, Xapian::Unicode::tolower(c));
		prev_word = Xapian::Unicode::is_wordchar(c);
		++it;
	}
	return out;
}

} // namespace nsx

#endif
