// parse.hh - inside the shim: turning a user's query string into a Xapian
// query safely.  Field processors here never throw (an exception thrown
// inside Xapian 1.4's QueryParser, under a + or -, frees a bad pointer and
// aborts the process); what they cannot make of a value is kept on a
// ParseProblem and raised once parse_query() has returned.
#ifndef NSX_PARSE_HH
#define NSX_PARSE_HH

#include "nsx.h"

#include <xapian.h>

#include <string>

namespace nsx {

// What a field processor could not make of its value during one parse.
struct ParseProblem {
	nsx_status_t status = NSX_OK;
	std::string message;

	void clear() noexcept { status = NSX_OK; message.clear(); }
	// Keep the first problem of a parse.  Never throws.
	void note(nsx_status_t st, const char *msg) noexcept;
	// Throw the problem noted, if any, as Refused.
	void raise() const;
};

// "FIELD:value" as the one case-folded term PREFIX + value (tag:Ukraine).
// PROBLEM must outlive the processor (it lives on the same reader).
Xapian::FieldProcessor *lower_term_processor(const std::string &prefix,
                                             ParseProblem *problem);

// "FIELD:2024", "FIELD:2024-04", "FIELD:2024-04-08" as the year, month and
// day terms; "FIELD:A..B" (either end a year, month or day, either end
// left open) as a range on SLOT, which holds "YYYYMMDD".
Xapian::FieldProcessor *date_processor(Xapian::valueno slot,
                                       const std::string &field,
                                       const std::string &year,
                                       const std::string &month,
                                       const std::string &day,
                                       ParseProblem *problem);

// Q parsed by QP with FLAGS and the default operator OP, folded first
// (fold.hh: case and initials change nothing).  A query of
// exclusions only ("-date:2024 -section:sport") means every document but
// those (Xapian would parse it again without its operators and return the
// very documents excluded).  Throws Refused (BAD_QUERY) for what a field
// processor noted, and Xapian's own QueryParserError.
Xapian::Query parse(Xapian::QueryParser &qp, ParseProblem &problem,
                    const std::string &q, unsigned flags,
                    Xapian::Query::op op);

} // namespace nsx

#endif
