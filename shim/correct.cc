// correct.cc - which missing words of a query an alternative makes up
// for (correct.hh).  Reads term frequencies only; never runs a match.

#include "correct.hh"

#include <map>
#include <vector>

namespace nsx {

namespace {

// Is Q's operator one whose match needs only one of its subqueries?
bool any_of(Xapian::Query::op op)
{
	return op == Xapian::Query::OP_OR || op == Xapian::Query::OP_SYNONYM ||
	       op == Xapian::Query::OP_ELITE_SET ||
	       op == Xapian::Query::OP_MAX || op == Xapian::Query::OP_XOR;
}

// Can Q match an article at all, as far as its terms tell?
bool may_match(const Xapian::Database &db, const Xapian::Query &q)
{
	Xapian::Query::op op = q.get_type();
	size_t n = q.get_num_subqueries();
	if (op == Xapian::Query::LEAF_TERM)
		return db.term_exists(*q.get_terms_begin());
	if (op == Xapian::Query::LEAF_MATCH_NOTHING)
		return false;
	if (n == 0)
		return true; // MatchAll, a wildcard, a value range, a source
	if (any_of(op)) {
		for (size_t i = 0; i < n; i++)
			if (may_match(db, q.get_subquery(i)))
				return true;
		return false;
	}
	if (op == Xapian::Query::OP_AND || op == Xapian::Query::OP_PHRASE ||
	    op == Xapian::Query::OP_NEAR) {
		for (size_t i = 0; i < n; i++)
			if (!may_match(db, q.get_subquery(i)))
				return false;
		return true;
	}
	// AND_NOT, AND_MAYBE, FILTER, SCALE_WEIGHT: as their first.
	return may_match(db, q.get_subquery(0));
}

// Note in SEEN each missing term of Q: still covered if every place so
// far was (COVERED: an alternative above this place finds articles).
void walk(const Xapian::Database &db, const Xapian::Query &q, bool covered,
          std::map<std::string, bool> &seen)
{
	Xapian::Query::op op = q.get_type();
	size_t n = q.get_num_subqueries();
	if (op == Xapian::Query::LEAF_TERM) {
		std::string t = *q.get_terms_begin();
		if (db.term_exists(t))
			return;
		auto it = seen.find(t);
		if (it == seen.end())
			seen.emplace(t, covered);
		else
			it->second = it->second && covered;
		return;
	}
	// Under an OR, a place is covered when another member matches.
	std::vector<bool> matches(n, false);
	size_t matching = 0;
	for (size_t i = 0; any_of(op) && i < n; i++)
		matching += matches[i] = may_match(db, q.get_subquery(i));
	for (size_t i = 0; i < n; i++) {
		bool other = matching > (matches[i] ? 1u : 0u);
		walk(db, q.get_subquery(i), covered || other, seen);
	}
}

} // namespace

std::set<std::string> covered_terms(const Xapian::Database &db,
                                    const Xapian::Query &q)
{
	std::map<std::string, bool> seen;
	walk(db, q, false, seen);
	std::set<std::string> out;
	for (const auto &kv : seen)
		if (kv.second)
			out.insert(kv.first);
	return out;
}

} // namespace nsx
