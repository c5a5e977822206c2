// limits.cc - the caps on a query and the deadline of a search (limits.hh).

#include "limits.hh"

#include "nsx_impl.hh"

#include <string>
#include <time.h>
#include <utility>
#include <vector>

namespace nsx {

double monotonic_now() noexcept
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<double>(ts.tv_sec) +
	       static_cast<double>(ts.tv_nsec) / 1e9;
}

void Deadline::check() const
{
	if (passed())
		throw Refused(NSX_TIMEOUT, "the search took longer than the "
		                           "daemon's query_timeout_ms");
}

Deadline Deadline::within(double seconds) const noexcept
{
	double soon = monotonic_now() + seconds;
	return Deadline(at > 0 && at < soon ? at : soon);
}

namespace {

[[noreturn]] void too_complex(const std::string &what, unsigned cap)
{
	throw Refused(NSX_TOO_COMPLEX, what + " (at most " +
	                               std::to_string(cap) + "): make the " +
	                               "query simpler");
}

} // namespace

void check_cost(const Xapian::Query &q)
{
	// Iteratively, so that no nesting can exhaust the stack here.
	std::vector<std::pair<Xapian::Query, unsigned>> todo{{q, 1}};
	unsigned terms = 0, wildcards = 0;
	while (!todo.empty()) {
		Xapian::Query sub = todo.back().first;
		unsigned depth = todo.back().second;
		todo.pop_back();
		if (depth > NSX_MAX_QUERY_DEPTH)
			too_complex("the query nests brackets too deeply",
			            NSX_MAX_QUERY_DEPTH);
		size_t n = sub.get_num_subqueries();
		switch (sub.get_type()) {
		case Xapian::Query::LEAF_TERM:
			terms++;
			break;
		case Xapian::Query::OP_WILDCARD:
			terms++;
			wildcards++;
			break;
		case Xapian::Query::OP_PHRASE:
			if (n > NSX_MAX_PHRASE_TERMS)
				too_complex("a phrase or ADJ has " + std::to_string(n) +
				            " words", NSX_MAX_PHRASE_TERMS);
			break;
		case Xapian::Query::OP_NEAR:
			if (n > NSX_MAX_NEAR_TERMS)
				too_complex("a NEAR joins " + std::to_string(n) +
				            " words", NSX_MAX_NEAR_TERMS);
			break;
		default:
			break;
		}
		if (terms > NSX_MAX_QUERY_TERMS)
			too_complex("the query has too many words, synonyms and "
			            "fields included", NSX_MAX_QUERY_TERMS);
		if (wildcards > NSX_MAX_WILDCARDS)
			too_complex("the query has too many wildcards",
			            NSX_MAX_WILDCARDS);
		for (size_t i = 0; i < n; i++)
			todo.emplace_back(sub.get_subquery(i), depth + 1);
	}
}

namespace {

// A filter that every document passes, with weight 0, and that checks
// the deadline every few documents the match asks it for.  Beside other
// queries it need not know which documents exist (they only ever stop at
// real ones), so it claims every document id, which costs nothing; alone
// it must list the real ones.
class DeadlineSource : public Xapian::PostingSource {
	Deadline deadline;
	bool alone;
	Xapian::Database db;
	Xapian::PostingIterator it, end; // when ALONE
	Xapian::docid did = 0, last = 0;
	Xapian::doccount docs = 0;
	unsigned asked = 0;

	void tick()
	{
		if ((++asked & 15) == 0)
			deadline.check();
	}

public:
	DeadlineSource(const Deadline &d, bool alone_)
		: deadline(d), alone(alone_) {}

	void init(const Xapian::Database &db_) override
	{
		deadline.check();
		db = db_;
		docs = db.get_doccount();
		last = db.get_lastdocid();
		did = 0;
		asked = 0;
		if (alone) {
			it = db.postlist_begin(std::string());
			end = db.postlist_end(std::string());
		}
	}

	Xapian::doccount get_termfreq_min() const override { return docs; }
	Xapian::doccount get_termfreq_est() const override { return docs; }
	Xapian::doccount get_termfreq_max() const override { return docs; }

	void next(double) override
	{
		tick();
		if (!alone) {
			did++;
		} else if (did == 0) {
			did = it == end ? last + 1 : *it;
		} else {
			++it;
			did = it == end ? last + 1 : *it;
		}
	}

	void skip_to(Xapian::docid to, double) override
	{
		tick();
		if (to <= did)
			return;
		if (!alone) {
			did = to;
			return;
		}
		it.skip_to(to);
		did = it == end ? last + 1 : *it;
	}

	bool at_end() const override { return did > last; }
	Xapian::docid get_docid() const override { return did; }

	DeadlineSource *clone() const override
	{
		return new DeadlineSource(deadline, alone);
	}

	std::string name() const override { return "nsearch::Deadline"; }
};

} // namespace

namespace {

// Matches nothing: a query of it is serialised for each remote shard
// before any shard matches, which fails, as for every class of ours.
class Nothing : public Xapian::PostingSource {
public:
	Xapian::doccount get_termfreq_min() const override { return 0; }
	Xapian::doccount get_termfreq_est() const override { return 0; }
	Xapian::doccount get_termfreq_max() const override { return 0; }
	void init(const Xapian::Database &) override {}
	void next(double) override {}
	bool at_end() const override { return true; }
	Xapian::docid get_docid() const override { return 0; }
	Nothing *clone() const override { return new Nothing(); }
};

} // namespace

bool has_remote_shard(const Xapian::Database &db)
{
	Xapian::Enquire enq(db);
	enq.set_query(Xapian::Query((new Nothing())->release()));
	try {
		(void)enq.get_mset(0, 0);
	} catch (const Xapian::UnimplementedError &) {
		return true;
	}
	return false;
}

bool one_local_database(const Xapian::Database &db)
{
	// Xapian 1.4 says how many shards a database has only by refusing:
	// get_revision() wants exactly one local database.
	try {
		(void)db.get_revision();
		return true;
	} catch (const Xapian::InvalidOperationError &) {
		return false;
	} catch (const Xapian::UnimplementedError &) {
		return false;
	}
}

Xapian::Query with_deadline(const Xapian::Query &q, const Deadline &deadline)
{
	bool alone = q.get_type() == Xapian::Query::LEAF_MATCH_ALL;
	Xapian::Query filter((new DeadlineSource(deadline, alone))->release());
	return alone ? filter
	             : Xapian::Query(Xapian::Query::OP_FILTER, q, filter);
}

} // namespace nsx
