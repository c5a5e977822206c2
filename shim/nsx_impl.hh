// nsx_impl.hh - inside the shim, shared by its files: the structs behind
// nsx.h's opaque handles, and guard(), the one exception boundary that the
// body of every extern "C" function runs in.  Never included outside shim/;
// nothing here may let an exception out of an nsx_* function.
#ifndef NSX_IMPL_HH
#define NSX_IMPL_HH

#include "nsx.h"
#include "parse.hh"
#include "suggest.hh"
#include "snippet_window.hh"

#include <xapian.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct nsx_doc {
	Xapian::Document doc;
	Xapian::TermGenerator tg;
	bool has_text = false;
	size_t text_bytes = 0; // given to nsx_doc_index_text()
};

struct nsx_writer {
	Xapian::WritableDatabase db;
	std::string error;
};

namespace nsx {
// One shard of a reader over several (shards.cc): where it is, its own
// database while it is up, and why not when it is down.
struct Shard {
	std::string spec; // as configured: a path or HOST:PORT
	std::optional<Xapian::Database> db; // empty: down
	std::string why;                    // why it is down
};
} // namespace nsx

struct nsx_reader {
	Xapian::Database db;
	Xapian::QueryParser qp;
	std::string error;
	nsx::ParseProblem problem; // of qp's field processors, in a parse
	std::string path;          // what it was opened at (see nsx::reopen)
	// A reader over shards: DB combines those that are up; none for one
	// local database at PATH.
	std::vector<nsx::Shard> shards;
	unsigned shard_timeout_ms = 0;
	uint64_t extra_gen = 0; // of the extra databases it searches
	                        // (extra.cc)
	// Over a remote shard, the first letters of the index's words
	// (suggest.hh), kept a minute instead of read for every search.
	nsx::Letters letters = {};
};

struct nsx_facet_value {
	std::string value;
	uint64_t count;
};

struct nsx_results {
	// The hits of the page: the first N_FIRST from MSET (documents with
	// every word), the rest from REST (some of the words, MATCH_AUTO).
	Xapian::MSet mset, rest;
	// Collapsing on one machine, each hit's count of other matches with
	// its value (search.cc's page_of()); else empty.
	std::vector<Xapian::doccount> copies, copies_rest;
	// When closeness or feedback reordered them (search.cc's rank()):
	// the first ranking's matches of the same queries, which snippets
	// are cut with (Xapian would mark the pairs the reordering looked
	// for as phrases).  Both empty otherwise.
	Xapian::MSet plain, plain_rest;
	bool rescored = false;
	Xapian::doccount n_first = 0;
	Xapian::Stem stem;
	std::vector<std::string> data;
	std::vector<std::vector<nsx_facet_value>> facets;
	std::string suggestion;
	// The query as typed and as corrected, when the correction was
	// answered instead (nsx_search_t's CORRECT); both "" otherwise.
	std::string corrected_from, corrected_to;
	// The matches, counted as policy.hh's counting says: TOTAL (exact,
	// else a lower bound), TOTAL_HI an upper bound; with the
	// continuation, N_ALL of them have every word (exact then).
	Xapian::doccount n_all = 0;
	uint64_t total = 0, total_lo = 0, total_hi = 0;
	bool relaxed = false;
	bool exact = false;
	bool facets_exact = true; // every match counted for the facets
	// The reader has a remote shard, or is one local database
	// (limits.hh), known at the start of the search.
	bool remote = false, one = false;
	// The query's words as snippets look for them in a text
	// (snippet_window.hh), from QUERY at the first snippet: a search
	// that cuts none pays nothing for them.
	Xapian::Query query;
	mutable std::optional<nsx::SnippetWords> words;
};

namespace nsx {

// A call refused for a reason of ours, not Xapian's: the status it maps
// to and a message for people.  classify() maps it like Xapian's errors.
class Refused : public std::runtime_error {
public:
	nsx_status_t status;
	Refused(nsx_status_t st, const std::string &msg)
		: std::runtime_error(msg), status(st) {}
};

// Map the exception in flight to a status and keep its text in *MSG (if
// not NULL).  Must only be called from inside a catch block.
nsx_status_t classify(std::string *msg) noexcept;

// Run BODY (returning an nsx_status_t); whatever it throws becomes a
// status, its message kept in *MSG (cleared first; NULL: dropped).
template <typename F>
nsx_status_t guard(std::string *msg, F body) noexcept
{
	try {
		if (msg)
			msg->clear();
		return body();
	} catch (...) {
		return classify(msg);
	}
}

// A NUL-terminated malloc()ed copy of S (for the C side to free()), or
// NULL when out of memory.
char *dup_string(const std::string &s) noexcept;

// guard() for the calls that have no handle to keep a message on (opening
// a database, checking, compacting): *ERRMSG (if not NULL) is set to NULL,
// and on failure to a new copy of the message.  NSX_INVALID without
// running BODY unless ARGS_OK.  BODY takes the message, to set one of its
// own.
template <typename F>
nsx_status_t guard_errmsg(char **errmsg, bool args_ok, F body) noexcept
{
	if (errmsg)
		*errmsg = nullptr;
	if (!args_ok)
		return NSX_INVALID;
	std::string msg;
	nsx_status_t st = guard(&msg, [&] { return body(msg); });
	if (st != NSX_OK && errmsg)
		*errmsg = dup_string(msg);
	return st;
}

// Move R to the latest revision of the database at its path.  When the
// files it had open are gone (a replica's whole new copy replaced them, a
// stub database now leads elsewhere), it opens the path again.  Throws
// what Xapian throws.
void reopen(nsx_reader *r);

// A reader over shards (R->shards not empty): move every shard that is
// up to its latest revision; one that fails is down from now on, and DB
// combines the rest.  Throws only what Xapian throws for memory.
void reopen_shards(nsx_reader *r);
// extra.cc: reopen R over its path and the extra databases when their
// list changed since R last looked (nsx_readers_set_extra).  Throws what
// Xapian throws.
void follow_extra(nsx_reader *r);
// extra.cc: the revision to report for DB when it is a reader over
// several databases (into *REV, true); false for one database.
bool extra_revision(const Xapian::Database &db, uint64_t *rev) noexcept;

// The metadata key of the revision base (see revision_of).
extern const char revision_base_key[];

// Revision of any database: Xapian's plus the base nsx_compact() and
// nsx_writer_continue_from() leave, so that clients never see it go back.
// 0 if Xapian throws (a database closed under us): it feeds status
// figures only.
uint64_t revision_of(const Xapian::Database &db) noexcept;

} // namespace nsx

#endif
