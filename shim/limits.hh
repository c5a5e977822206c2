// limits.hh - inside the shim: what one search may cost.  Caps on the
// parsed query (nsx.h's NSX_MAX_*), checked before anything runs, and a
// deadline checked while the match goes through the documents.
#ifndef NSX_LIMITS_HH
#define NSX_LIMITS_HH

#include <xapian.h>

namespace nsx {

// Seconds on CLOCK_MONOTONIC, the clock of nsx_search_t's deadline.
double monotonic_now() noexcept;

class Deadline {
	double at; // seconds on CLOCK_MONOTONIC; 0: none
public:
	explicit Deadline(double at_ = 0) noexcept : at(at_) {}
	bool passed() const noexcept { return at > 0 && monotonic_now() >= at; }
	// Throw Refused (NSX_TIMEOUT) once it has passed.
	void check() const;
	// The earlier of this deadline and SECONDS from now.
	Deadline within(double seconds) const noexcept;
};

// Throw Refused (NSX_TOO_COMPLEX, saying which cap) when Q is over one.
void check_cost(const Xapian::Query &q);

// Does DB have a remote shard, which can run none of the shim's own
// Xapian classes (the deadline filter, rescore.hh's DocSet)?  Costs a
// match of nothing locally, no round trip.
bool has_remote_shard(const Xapian::Database &db);

// Is DB one local database (not several shards, not a remote one)?
// Then its docids are its shard's own.
bool one_local_database(const Xapian::Database &db);

// Q, with DEADLINE checked as the match asks for documents (a filter
// beside it, asked before any phrase or NEAR is checked in a document).
Xapian::Query with_deadline(const Xapian::Query &q, const Deadline &deadline);

} // namespace nsx

#endif
