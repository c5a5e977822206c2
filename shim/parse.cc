// parse.cc - the query string to a Xapian query: our field processors and
// the parse around Xapian's QueryParser.  Nothing here may throw from
// inside parse_query() (see parse.hh); everything else throws freely, to
// the guard() of the nsx_* function that called it.

#include "parse.hh"

#include "fold.hh"
#include "nsx_impl.hh"

#include <cstdlib>
#include <ctime>
#include <new>
#include <vector>

namespace nsx {

void ParseProblem::note(nsx_status_t st, const char *msg) noexcept
{
	if (status != NSX_OK)
		return;
	status = st;
	try {
		message = msg;
	} catch (...) {
		// No memory for the words: the status says enough.
	}
}

void ParseProblem::raise() const
{
	if (status == NSX_NO_MEMORY)
		throw std::bad_alloc();
	if (status != NSX_OK)
		throw Refused(status, message.empty() ? "the query does not parse"
		                                      : message);
}

namespace {

// A field processor that never lets an exception into the QueryParser:
// a failure is noted on the problem and the parse goes on with a term no
// document has; parse() raises the problem once the parser is done.
class SafeFieldProcessor : public Xapian::FieldProcessor {
	ParseProblem *problem;
	std::string nothing;
protected:
	virtual Xapian::Query make(const std::string &value) = 0;
public:
	SafeFieldProcessor(ParseProblem *p, const std::string &no_match)
		: problem(p), nothing(no_match) {}

	Xapian::Query operator()(const std::string &value) final
	{
		try {
			return make(value);
		} catch (const Refused &e) {
			problem->note(e.status, e.what());
		} catch (const std::bad_alloc &) {
			problem->note(NSX_NO_MEMORY, "out of memory");
		} catch (...) {
			problem->note(NSX_INTERNAL, "a field could not be read");
		}
		try {
			return Xapian::Query(nothing);
		} catch (...) {
			// Out of memory even for that: an empty query is no worse.
			return Xapian::Query();
		}
	}
};

class LowerTermProcessor : public SafeFieldProcessor {
	std::string prefix;
protected:
	Xapian::Query make(const std::string &value) override
	{
		return Xapian::Query(prefix + Xapian::Unicode::tolower(value));
	}
public:
	LowerTermProcessor(const std::string &p, ParseProblem *pp)
		: SafeFieldProcessor(pp, p), prefix(p) {}
};

// The digits of a date as typed: "2024", "2024-04" or "202404",
// "2024-04-08" or "20240408", checked (a real month, a real day of it);
// "" if V is none of these.
std::string date_digits(const std::string &v)
{
	std::string digits;
	for (char c : v) {
		if (c >= '0' && c <= '9')
			digits += c;
		else if (c != '-')
			return std::string();
	}
	size_t n = digits.size();
	bool shape = (n == 4 && v.size() == 4) ||
	             (n == 6 && (v.size() == 6 || (v.size() == 7 && v[4] == '-'))) ||
	             (n == 8 && (v.size() == 8 ||
	                         (v.size() == 10 && v[4] == '-' && v[7] == '-')));
	if (!shape)
		return std::string();
	if (n >= 6) {
		int mon = std::atoi(digits.substr(4, 2).c_str());
		if (mon < 1 || mon > 12)
			return std::string();
		if (n == 8) {
			// A real day of that month: timegm() normalises the 31st
			// of April to the 1st of May.
			struct tm tm = {};
			tm.tm_year = std::atoi(digits.substr(0, 4).c_str()) - 1900;
			tm.tm_mon = mon - 1;
			tm.tm_mday = std::atoi(digits.substr(6, 2).c_str());
			int want = tm.tm_mday;
			timegm(&tm);
			if (want < 1 || tm.tm_mday != want)
				return std::string();
		}
	}
	return digits;
}

class DateProcessor : public SafeFieldProcessor {
	Xapian::valueno slot;
	std::string field, year, month, day;

	[[noreturn]] void bad(const std::string &v) const
	{
		throw Refused(NSX_BAD_QUERY,
		              field + ":" + v + " is not a date: use YYYY, "
		              "YYYY-MM, YYYY-MM-DD or a range such as " + field +
		              ":2025-01-01..2025-03-31");
	}

	// A range: the slot's "YYYYMMDD" from the first day of LO's year,
	// month or day to the last of HI's ("2024..2025" is two whole years).
	Xapian::Query range(const std::string &v, size_t dots) const
	{
		std::string a = v.substr(0, dots), b = v.substr(dots + 2);
		std::string lo = a.empty() ? a : date_digits(a);
		std::string hi = b.empty() ? b : date_digits(b);
		if ((a.empty() && b.empty()) || (!a.empty() && lo.empty()) ||
		    (!b.empty() && hi.empty()))
			bad(v);
		lo.resize(lo.empty() ? 0 : 8, '0');
		hi.resize(hi.empty() ? 0 : 8, '9');
		if (lo.empty())
			return Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, hi);
		if (hi.empty())
			return Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, lo);
		return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot, lo, hi);
	}

protected:
	Xapian::Query make(const std::string &v) override
	{
		size_t dots = v.find("..");
		if (dots != std::string::npos)
			return range(v, dots);
		std::string digits = date_digits(v);
		switch (digits.size()) {
		case 4: return Xapian::Query(year + digits);
		case 6: return Xapian::Query(month + digits);
		case 8: return Xapian::Query(day + digits);
		}
		bad(v);
	}

public:
	DateProcessor(Xapian::valueno s, const std::string &f,
	              const std::string &y, const std::string &m,
	              const std::string &d, ParseProblem *pp)
		: SafeFieldProcessor(pp, d), slot(s), field(f), year(y),
		  month(m), day(d) {}
};

// The top-level pieces of Q (split at blanks outside quotes and
// brackets) if every one is an exclusion ("-word", "-field:value",
// "-\"a phrase\"", "-(a group)") with its "-" taken off; else none.
std::vector<std::string> exclusions(const std::string &q)
{
	std::vector<std::string> out;
	size_t i = 0, n = q.size();
	auto blank = [&](size_t k) {
		return q[k] == ' ' || q[k] == '\t' || q[k] == '\r' || q[k] == '\n';
	};
	for (;;) {
		while (i < n && blank(i))
			i++;
		if (i == n)
			return out;
		if (q[i] != '-' || i + 1 == n || blank(i + 1) || q[i + 1] == '-')
			return {};
		size_t start = ++i;
		bool quoted = false;
		int depth = 0;
		for (; i < n && (quoted || depth > 0 || !blank(i)); i++) {
			if (q[i] == '"')
				quoted = !quoted;
			else if (!quoted && q[i] == '(')
				depth++;
			else if (!quoted && q[i] == ')' && --depth < 0)
				return {};
		}
		// An unclosed quote or bracket: leave it to Xapian as typed.
		if (quoted || depth != 0)
			return {};
		out.push_back(q.substr(start, i - start));
	}
}

// Does Q, as the query parser will read it, put "+" or "-" before a
// bracket ("-(", "+title:(")?  Xapian 1.4's parser follows a null
// pointer when such a bracket holds stopwords only, not as one group of
// words ("-(the,an)", "-(the(an"), after a word it joins it to:
// "ferry +(the,an)" (every word required) and "ferry -menu -(the,an)"
// are each a SEGV in QueryParser, found by fuzz_query.  Wider than
// that: any "+" or "-" that starts a word and has a "(" before the next
// ASCII blank.  The lexer starts a word after a "(" or any character
// Unicode calls a blank or a control (DEL, U+0085, no-break and wide
// spaces, ...): every byte below "!", DEL and every byte of a
// multibyte character count here, which errs only towards keeping
// stopwords.
bool loves_or_hates_a_bracket(const std::string &q)
{
	auto starts_word = [&](size_t k) {
		if (k == 0)
			return true;
		unsigned char c = static_cast<unsigned char>(q[k - 1]);
		return c <= ' ' || c >= 0x7f || c == '(';
	};
	for (size_t i = 0; i < q.size(); i++) {
		if ((q[i] != '+' && q[i] != '-') || !starts_word(i))
			continue;
		for (size_t j = i + 1;
		     j < q.size() && static_cast<unsigned char>(q[j]) > ' ';
		     j++)
			if (q[j] == '(')
				return true;
	}
	return false;
}

// Xapian's parse of Q with FLAGS, made safe from the crash above: such
// a query keeps its stopwords, as typed.  The stopper stays off until
// set_up_parser() (policy.hh) sets it for the next query.
Xapian::Query parse_safely(Xapian::QueryParser &qp, const std::string &q,
                           unsigned flags)
{
	if (loves_or_hates_a_bracket(q))
		qp.set_stopper(nullptr);
	return qp.parse_query(q, flags);
}

} // namespace

Xapian::FieldProcessor *lower_term_processor(const std::string &prefix,
                                             ParseProblem *problem)
{
	return new LowerTermProcessor(prefix, problem);
}

Xapian::FieldProcessor *date_processor(Xapian::valueno slot,
                                       const std::string &field,
                                       const std::string &year,
                                       const std::string &month,
                                       const std::string &day,
                                       ParseProblem *problem)
{
	return new DateProcessor(slot, field, year, month, day, problem);
}

Xapian::Query parse(Xapian::QueryParser &qp, ParseProblem &problem,
                    const std::string &typed, unsigned flags,
                    Xapian::Query::op op)
{
	problem.clear();
	const std::string q = fold_query(typed);
	std::vector<std::string> minus = exclusions(q);
	Xapian::Query out;
	if (minus.empty()) {
		qp.set_default_op(op);
		out = parse_safely(qp, q, flags);
	} else {
		// "-a -b" is every document but those with a or b: each piece
		// parsed alone, as typed, then all of them taken away.
		std::string any;
		for (const std::string &m : minus)
			any += (any.empty() ? "(" : " OR (") + m + ")";
		qp.set_default_op(Xapian::Query::OP_AND);
		// "-(the,an)" keeps its stopwords here too: all dropped, the
		// piece would be nothing, and "x OR nothing" a syntax error.
		if (loves_or_hates_a_bracket(q))
			qp.set_stopper(nullptr);
		Xapian::Query excluded = parse_safely(qp, any, flags);
		out = Xapian::Query(Xapian::Query::OP_AND_NOT,
		                    Xapian::Query(std::string()), excluded);
	}
	problem.raise();
	return out;
}

} // namespace nsx
