// raw_reading.cc - the raw Xapian program reading the daemon's index as
// the daemon does: the query parser's fields (like shim/parse.cc's
// processors, without their checks of bad values) and the text of a hit.
// Benchmark code: never linked into the daemon.

extern "C" {
#include "daemon/schema.h"
}

#include <jansson.h>

#include <stdexcept>

#include "raw_xapian.hh"

namespace {

// tag:, section:, lang: one exact, case-folded term.
class LowerTermProcessor : public Xapian::FieldProcessor {
	std::string prefix;
public:
	explicit LowerTermProcessor(const std::string &p) : prefix(p) {}
	Xapian::Query operator()(const std::string &value) override
	{
		return Xapian::Query(prefix + Xapian::Unicode::tolower(value));
	}
};

// date: a single day, month or year.
class DateFieldProcessor : public Xapian::FieldProcessor {
public:
	Xapian::Query operator()(const std::string &v) override
	{
		std::string digits;
		for (char c : v)
			if (c != '-')
				digits += c;
		for (char c : digits)
			if (c < '0' || c > '9')
				throw Xapian::QueryParserError("not a date");
		if (digits.size() == 8)
			return Xapian::Query(NS_PREFIX_DAY + digits);
		if (digits.size() == 6)
			return Xapian::Query(NS_PREFIX_MONTH + digits);
		if (digits.size() == 4)
			return Xapian::Query(NS_PREFIX_YEAR + digits);
		throw Xapian::QueryParserError("not a date");
	}
};

} // namespace

void raw_set_up_fields(Xapian::QueryParser &qp, const Xapian::Database &db)
{
	qp.set_database(db);
	qp.add_rangeprocessor(
		(new Xapian::DateRangeProcessor(NS_SLOT_DATE, "date:"))->release());
	qp.add_boolean_prefix("date", (new DateFieldProcessor)->release());
	qp.add_prefix("title", NS_PREFIX_TITLE);
	qp.add_prefix("author", NS_PREFIX_AUTHOR);
	qp.add_boolean_prefix("tag",
		(new LowerTermProcessor(NS_PREFIX_TAG))->release());
	qp.add_boolean_prefix("section",
		(new LowerTermProcessor(NS_PREFIX_SECTION))->release());
	qp.add_boolean_prefix("lang",
		(new LowerTermProcessor(NS_PREFIX_LANG))->release());
}

std::string raw_snippet_text(const std::string &data)
{
	// The fields' JSON, a NUL, the body (layout 5); before, the body was
	// one of the fields.
	size_t nul = data.find('\0');
	size_t flen = nul == std::string::npos ? data.size() : nul;
	json_t *o = json_loadb(data.data(), flen, 0, NULL);
	if (!o)
		throw std::runtime_error("stored data is not ours");
	const char *sf = json_string_value(json_object_get(o, "standfirst"));
	const char *body = json_string_value(json_object_get(o, "body"));
	std::string text;
	if (sf && *sf)
		text.append(sf).append("\n\n");
	if (nul != std::string::npos)
		text.append(data, nul + 1, std::string::npos);
	else if (body)
		text.append(body);
	if (text.empty()) {
		const char *title = json_string_value(json_object_get(o, "title"));
		text = title ? title : "";
	}
	json_decref(o);
	return text;
}
