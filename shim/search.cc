// search.cc - one search on a reader: the query parser's fields, the query
// (parsed text, or "documents like this one"), its filters, recency and
// caps, the match with MATCH_AUTO's continuation, facets and collapsing.
// The rules it follows are policy.hh's; reading the results is results.cc's.

#include "nsx_impl.hh"
#include "correct.hh"
#include "counting.hh"
#include "limits.hh"
#include "policy.hh"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <memory>
#include <set>
#include <string>
#include <vector>

using nsx::guard;

namespace {

// Extra weight for recent documents: MAXW for today's (or a future
// date's, up to RECENCY_AHEAD days), halving every HALF_LIFE days back,
// and nothing for those older than RECENCY_HALVINGS half-lives (under a
// hundred-thousandth of MAXW) or RECENCY_BACK days.  Added to the text
// score, so it reorders close matches without letting a new article that
// barely matches jump a strong one.  A map from each day's "YYYYMMDD"
// value to its weight is Xapian's own ValueMapPostingSource, which a
// remote shard can run.
const double RECENCY_HALVINGS = 16;
const long RECENCY_BACK = 3660;
const long RECENCY_AHEAD = 31;

Xapian::Query recency_boost(Xapian::valueno slot, double maxw, double half_life,
                            long today)
{
	auto *src = new Xapian::ValueMapPostingSource(slot);
	long back = static_cast<long>(std::min<double>(
	        std::ceil(half_life * RECENCY_HALVINGS), RECENCY_BACK));
	for (long age = -RECENCY_AHEAD; age <= back; age++) {
		time_t t = static_cast<time_t>(today - age) * 86400;
		struct tm tm;
		char ymd[16];
		if (!gmtime_r(&t, &tm) ||
		    std::strftime(ymd, sizeof ymd, "%Y%m%d", &tm) != 8)
			continue;
		double w =
		        age <= 0 ? maxw
		                 : maxw * std::exp2(-static_cast<double>(age) /
		                                    half_life);
		src->add_mapping(ymd, w);
	}
	src->set_default_weight(0);
	return Xapian::Query(src->release());
}

// policy.hh's like_term(), as Xapian asks for it.
class LikeTerms : public Xapian::ExpandDecider {
public:
	bool operator()(const std::string &t) const override
	{
		return nsx::like_term(t);
	}
};

// Apply the request's filters and date range to Q; none changes a
// score.  (The deadline is the match's: Run::mset().)
Xapian::Query filtered(const nsx_search_t *req, Xapian::Query q)
{
	for (size_t g = 0; g < req->nfilters; g++) {
		const nsx_filter_t &f = req->filters[g];
		std::vector<Xapian::Query> alts;
		for (size_t i = 0; i < f.n; i++)
			alts.emplace_back(f.terms[i]);
		q = Xapian::Query(Xapian::Query::OP_FILTER, q,
		                  Xapian::Query(Xapian::Query::OP_OR, alts.begin(),
		                                alts.end()));
	}
	if (req->range_lo || req->range_hi) {
		Xapian::Query range =
			!req->range_hi ? Xapian::Query(Xapian::Query::OP_VALUE_GE,
			                               req->range_slot, req->range_lo)
			: !req->range_lo ? Xapian::Query(Xapian::Query::OP_VALUE_LE,
			                                 req->range_slot, req->range_hi)
			: Xapian::Query(Xapian::Query::OP_VALUE_RANGE, req->range_slot,
			                req->range_lo, req->range_hi);
		q = Xapian::Query(Xapian::Query::OP_FILTER, q, range);
	}
	return q;
}

// The query for "documents like IDTERM" (policy.hh).  The document itself
// is left out, and so are its duplicates (the same value in CONTENT_SLOT).
Xapian::Query like_query(Xapian::Database &db, const char *idterm,
                         Xapian::valueno content_slot)
{
	auto p = db.postlist_begin(idterm);
	if (p == db.postlist_end(idterm))
		throw Xapian::DocNotFoundError(std::string("no document ") + idterm);
	Xapian::RSet rset;
	rset.add_document(*p);
	Xapian::Enquire enq(db);
	LikeTerms words;
	// Exact term frequencies: over shards Xapian otherwise guesses them
	// from the shard the document is on, and picks other words.
	Xapian::ESet eset =
	        enq.get_eset(nsx::LIKE_TERMS, rset,
	                     Xapian::Enquire::USE_EXACT_TERMFREQ, &words);
	std::vector<Xapian::Query> terms;
	for (auto t = eset.begin(); t != eset.end(); ++t)
		terms.emplace_back(*t);
	Xapian::Query like(Xapian::Query::OP_OR, terms.begin(), terms.end());
	Xapian::Query self(idterm);
	std::string content = db.get_document(*p).get_value(content_slot);
	if (!content.empty())
		self = Xapian::Query(Xapian::Query::OP_OR, self,
		                     Xapian::Query(Xapian::Query::OP_VALUE_RANGE,
		                                   content_slot, content, content));
	return Xapian::Query(Xapian::Query::OP_AND_NOT, like, self);
}

struct Run {
	Xapian::Database &db;
	const nsx_search_t *req;
	Xapian::Stem stem; // of the query's language
	// The database has a remote shard, which cannot run limits.hh's
	// deadline filter; it is ONE local database, whose docids
	// rescore.hh's DocSet may list.
	bool remote, one;

	Run(Xapian::Database &db_, const nsx_search_t *req_,
	    const Xapian::Stem &stem_, const nsx_results_t *res)
	    : db(db_), req(req_), stem(stem_), remote(res->remote),
	      one(res->one)
	{
	}

	// An Enquire for Q with the policy's ranking and the request's order
	// and collapsing, SPIES watching it.
	Xapian::MSet mset(const Xapian::Query &q, Xapian::doccount first,
	                  Xapian::doccount max, Xapian::doccount check = 0,
	                  const std::vector<Xapian::MatchSpy *> &spies = {})
	{
		Xapian::Enquire enq = enquire();
		if (req->sort)
			enq.set_sort_by_value_then_relevance(req->sort_slot,
			                                     req->sort < 0);
		if (req->collapse)
			enq.set_collapse_key(req->collapse_slot);
		for (Xapian::MatchSpy *spy : spies)
			enq.add_matchspy(spy);
		return deadlined(enq, q, first, max, check);
	}

	// Q's matches, up to CHECK of them that DECIDER (if any) lets
	// through, shown to SPIES: unranked (BoolWeight ends the match once
	// it has accepted CHECK), uncollapsed, within TIME_LIMIT seconds
	// when given (else the request's).  Its bounds are equal when every
	// match was seen (fewer than CHECK, and the time limit did not
	// strike).
	Xapian::MSet count(const Xapian::Query &q, Xapian::doccount check,
	                   const std::vector<Xapian::MatchSpy *> &spies,
	                   const Xapian::MatchDecider *decider = nullptr,
	                   double time_limit = 0)
	{
		Xapian::Enquire enq = enquire();
		enq.set_weighting_scheme(Xapian::BoolWeight());
		if (time_limit > 0)
			enq.set_time_limit(time_limit);
		for (Xapian::MatchSpy *spy : spies)
			enq.add_matchspy(spy);
		return deadlined(enq, q, 0, 0, check, decider);
	}

	// Over remote shards, when the request says which value holds them,
	// the id terms of Q's best RESCORE_WINDOW: one more match, collapsed
	// on that unique value (dropping nothing), each hit carrying it.
	nsx::IdTerms ids_of(const Xapian::Query &q)
	{
		nsx::IdTerms out;
		if (!remote || !req->id_in_value)
			return out;
		Xapian::Enquire enq = enquire();
		enq.set_collapse_key(req->id_slot);
		Xapian::MSet m = deadlined(enq, q, 0, nsx::RESCORE_WINDOW, 0);
		nsx::ids_in_keys(m, req->id_prefix ? req->id_prefix : "Q",
		                 req->id_in_value, out);
		return out;
	}

private:
	// An Enquire with the policy's ranking and the request's time limit.
	Xapian::Enquire enquire()
	{
		Xapian::Enquire enq(db);
		enq.set_weighting_scheme(nsx::ranking());
		if (req->time_limit > 0)
			enq.set_time_limit(req->time_limit);
		return enq;
	}

	// ENQ's match of Q, stopped by the request's deadline: on local
	// shards inside the match (limits.hh's filter, which also stops a
	// long phrase check), on remote ones after it (their match runs on
	// the server; Xapian's time limit only ends its exact counting, and
	// the remote open's timeout bounds each call).
	Xapian::MSet deadlined(Xapian::Enquire &enq, const Xapian::Query &q,
	                       Xapian::doccount first, Xapian::doccount max,
	                       Xapian::doccount check,
	                       const Xapian::MatchDecider *decider = nullptr)
	{
		nsx::Deadline deadline(req->deadline);
		bool inside = req->deadline > 0 && !remote;
		enq.set_query(inside ? nsx::with_deadline(q, deadline) : q);
		Xapian::MSet m =
		        enq.get_mset(first, max, check, nullptr, decider);
		deadline.check();
		return m;
	}
};

// Blend recency in: an article of today gains as much as the best text
// match scores, one a half-life old half that, and so on.
Xapian::Query with_recency(Run &run, const Xapian::Query &q)
{
	const nsx_search_t *req = run.req;
	Xapian::MSet top = run.mset(q, 0, 1);
	double best = top.empty() ? 0 : top.get_max_attained();
	if (best <= 0)
		return q;
	long today = static_cast<long>(std::time(nullptr) / 86400);
	Xapian::Query boost = recency_boost(req->recency_slot, best,
	                                    req->recency_days, today);
	return Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, boost);
}

void count_facets(Run &run, const Xapian::Query &q, nsx_results_t *res)
{
	const nsx_search_t *req = run.req;
	nsx::FacetSpies facets(req);
	std::vector<Xapian::MatchSpy *> spies;
	for (auto &spy : facets.spies)
		spies.push_back(spy.get());
	// The spies see every article, duplicates too: they are asked
	// before collapsing, so the match neither collapses nor sorts (its
	// bounds then say whether every match was counted, also when
	// duplicates were folded, and over any shards).
	// Every match is looked at, unless the time limit strikes.  The
	// totals are the page's (policy.hh's counting), not these: they
	// would count every duplicate, and only when facets are asked for.
	Xapian::MSet all = run.count(q, run.db.get_doccount(), spies);
	res->facets_exact =
	        all.get_matches_lower_bound() == all.get_matches_upper_bound();
	for (size_t f = 0; f < req->nfacets; f++) {
		std::vector<nsx_facet_value> v =
		        nsx::fold_facet(*facets.spies[f], req->facets[f]);
		std::sort(v.begin(), v.end(),
		          [](const nsx_facet_value &a, const nsx_facet_value &b) {
			return a.count != b.count ? a.count > b.count
			                          : a.value < b.value;
		});
		if (req->facet_limit && v.size() > req->facet_limit)
			v.resize(req->facet_limit);
		res->facets.push_back(std::move(v));
	}
}

// What a request asks for, as queries: TEXT, matched first, and LOOSE
// (some of the words, MATCH_AUTO) to go on with, or an empty query.
struct Texts {
	Xapian::Query text, loose;
	Xapian::Query boost; // word closeness (proximity.hh), or empty
	bool blank; // a query of blanks only: everything the filters let in
};

Texts read_request(nsx_reader_t *r, const nsx_search_t *req, unsigned flags)
{
	auto parse = [&](Xapian::Query::op op) {
		return nsx::parse(r->qp, r->problem, req->query, flags, op);
	};
	Texts t;
	t.blank = !req->like_idterm &&
	          req->query[std::strspn(req->query, " \t\r\n")] == '\0';
	if (req->like_idterm) {
		t.text = like_query(r->db, req->like_idterm, req->collapse_slot);
	} else if (t.blank) {
		// A new one for each search: Query::MatchAll is one object
		// whose reference count every thread's copy would change
		// without a lock.
		t.text = Xapian::Query(std::string());
	} else if (req->match == NSX_MATCH_ANY) {
		t.text = parse(Xapian::Query::OP_OR);
		nsx::check_cost(t.text);
	} else {
		// News readers expect every word they type to matter.
		t.text = parse(Xapian::Query::OP_AND);
		nsx::check_cost(t.text);
		if (req->match == NSX_MATCH_AUTO)
			t.loose = parse(Xapian::Query::OP_OR);
	}
	// Closeness ranks; it cannot change an order by date.
	if (!req->like_idterm && !t.blank && !req->sort) {
		const char *lang = req->language && *req->language
		                           ? req->language
		                           : "english";
		std::vector<nsx::WordPair> pairs =
		        nsx::word_pairs(nsx::fold_query(req->query),
		                        nsx::query_stopper(lang, req->query));
		t.boost = nsx::proximity_boost(pairs);
	}
	return t;
}

// The queries a page is drawn from: FIRST (every word, ranked), and
// REST (some of the words, after them, MATCH_AUTO), or an empty query
// when the list does not go on.  Q_ALL: every match, for the facets.
struct Ranked {
	Xapian::Query first, rest, all;
	bool decided; // whether the list goes on is known (REST)
	// The first ranking's best of FIRST and REST, when reordered.
	Xapian::MSet top, top_rest;
	bool rescored;
};

// Q (every word, filtered) and what goes on after it, ranked: each
// reordered within its best by word closeness and feedback (rescore.hh,
// feedback.hh) when there is any.  The rule for going on is policy.hh's
// relaxes(), on the first ranking, as the page's own match sees it.
Ranked rank(Run &run, const Texts &t, const Xapian::Query &q)
{
	const nsx_search_t *req = run.req;
	Ranked rk{ q, Xapian::Query(), q, false, {}, {}, false };
	bool feedback =
	        req->feedback && !t.blank && !req->like_idterm && !req->sort;
	if (t.boost.empty() && !feedback)
		return rk;
	Xapian::MSet top = run.mset(q, 0, nsx::RESCORE_WINDOW);
	Xapian::MSet top_rest;
	rk.decided = true;
	if (nsx::relaxes(top, t.text, t.loose)) {
		Xapian::Query some = filtered(req, t.loose);
		rk.rest = Xapian::Query(Xapian::Query::OP_AND_NOT, some, q);
		rk.all = Xapian::Query(Xapian::Query::OP_OR, q, some);
		top_rest = run.mset(rk.rest, 0, nsx::RESCORE_WINDOW);
	}
	Xapian::Query boost = t.boost;
	if (feedback) {
		Xapian::Query more =
		        nsx::feedback_boost(run.db, top, top_rest, t.text,
		                            t.loose, run.stem, nsx::like_term);
		boost = boost.empty() || more.empty()
		                ? (boost.empty() ? more : boost)
		                : Xapian::Query(Xapian::Query::OP_OR, boost,
		                                more);
	}
	const std::string ids = req->id_prefix ? req->id_prefix : "Q";
	bool some = !boost.empty();
	rk.first = nsx::rescored(run.db, q, boost, top, ids, run.one,
	                         some ? run.ids_of(q) : nsx::IdTerms());
	if (!rk.rest.empty())
		rk.rest = nsx::rescored(
		        run.db, rk.rest, boost, top_rest, ids, run.one,
		        some ? run.ids_of(rk.rest) : nsx::IdTerms());
	rk.top = top;
	rk.top_rest = top_rest;
	rk.rescored = !boost.empty();
	return rk;
}

// Hits [FIRST, FIRST + MAX) of Q's ranking, counted as policy.hh's
// counting says (LIMIT); collapsing, by a spy on the match.
struct Page {
	Xapian::MSet mset;
	nsx::Count count{ 0, true };
	// Collapsing on one machine: each hit's count of other matches
	// with its value (Xapian's collapse count when empty).
	std::vector<Xapian::doccount> copies;
};

// page_of() on one local database: the page's match stops at its hits,
// and counting.hh's match counts the stories (Xapian ends an unranked
// match early only on one database), within what the page's match left
// of the request's time limit.
Page page_counted_apart(Run &run, const Xapian::Query &q,
                        Xapian::doccount first, Xapian::doccount max,
                        Xapian::doccount limit)
{
	Page p;
	double start = nsx::monotonic_now();
	p.mset = run.mset(q, first, max,
	                  std::max(first + max, nsx::RELAX_BELOW));
	if (p.mset.size() < max) {
		// It ran out of matches before the page was full: it saw
		// them all, and its bounds are the count (and its collapse
		// counts the copies).
		p.count = nsx::count_of(p.mset, limit);
		return p;
	}
	nsx::KeyCounter keys(run.req->collapse_slot);
	double budget = run.req->time_limit, left = budget;
	if (budget > 0)
		left -= nsx::monotonic_now() - start;
	bool cut = budget > 0 && left <= 0;
	if (!cut) {
		double at = nsx::monotonic_now();
		(void)run.count(q, nsx::count_check(limit), {}, &keys, left);
		cut = budget > 0 && nsx::monotonic_now() - at >= left;
	}
	p.count = nsx::count_keys(keys, limit, cut);
	// Never fewer than the stories the page's match kept.
	Xapian::doccount kept = std::min(first + p.mset.size(), limit);
	if (!p.count.exact && p.count.n < kept)
		p.count.n = kept;
	for (auto it = p.mset.begin(); it != p.mset.end(); ++it) {
		Xapian::doccount n = keys.with(it.get_collapse_key());
		p.copies.push_back(std::max<Xapian::doccount>(
		        it.get_collapse_count(), n ? n - 1 : 0));
	}
	return p;
}

Page page_of(Run &run, const Xapian::Query &q, Xapian::doccount first,
             Xapian::doccount max, Xapian::doccount limit)
{
	Page p;
	Xapian::doccount check = std::max(
	        { first + max, nsx::RELAX_BELOW, nsx::count_check(limit) });
	if (!run.req->collapse) {
		p.mset = run.mset(q, first, max, check);
		p.count = nsx::count_of(p.mset, limit);
		return p;
	}
	if (run.one)
		return page_counted_apart(run, q, first, max, limit);
	// Over shards in the page's match, one round trip to each remote
	// one: a built-in spy, which each server runs and the front merges.
	Xapian::ValueCountMatchSpy spy(run.req->collapse_slot);
	double start = nsx::monotonic_now();
	p.mset = run.mset(q, first, max, check, { &spy });
	// Past its time limit Xapian stops looking at more than the page.
	bool cut = run.req->time_limit > 0 &&
	           nsx::monotonic_now() - start >= run.req->time_limit;
	p.count = nsx::count_collapsed(spy, limit, cut);
	return p;
}

// MATCH_AUTO: when the page's match of every word (T's TEXT, FIRST)
// leaves the list short (policy.hh's relaxes(), unless RK knows), the
// documents with only some of the words go on after them, into RES.
// Returns the query of all the matches, for the facets.
Xapian::Query go_on_with_some(Run &run, const Texts &t, Ranked rk,
                              const Page &first, Xapian::doccount limit,
                              nsx_results_t *res)
{
	const nsx_search_t *req = run.req;
	if (!rk.decided && nsx::relaxes(first.count, t.text, t.loose)) {
		Xapian::Query some = filtered(req, t.loose);
		rk.rest =
		        Xapian::Query(Xapian::Query::OP_AND_NOT, some, rk.all);
		rk.all = Xapian::Query(Xapian::Query::OP_OR, rk.all, some);
	}
	if (rk.rest.empty())
		return rk.first;
	Xapian::doccount n_all = first.count.n;
	Xapian::doccount skip = req->offset > n_all ? req->offset - n_all : 0;
	Page rest = page_of(run, rk.rest, skip, req->limit - first.mset.size(),
	                    limit - n_all);
	if (rest.mset.get_matches_upper_bound() == 0)
		return rk.first;
	res->relaxed = true;
	res->n_all = n_all;
	res->rest = rest.mset;
	res->copies_rest = std::move(rest.copies);
	res->total += rest.count.n;
	res->exact = res->exact && rest.count.exact;
	res->total_hi += rest.mset.get_matches_upper_bound();
	return rk.all;
}

// The match of REQ, whose queries are T, into RES: its page, totals
// and facets.
void answer(nsx_reader_t *r, const nsx_search_t *req, const Texts &t,
            nsx_results_t *res)
{
	Run run{ r->db, req, res->stem, res };
	Xapian::Query q = filtered(req, t.text);
	if (req->recency_days > 0 && !t.blank)
		q = with_recency(run, q);
	Ranked rk = rank(run, t, q);
	Xapian::doccount limit =
	        req->count_limit ? req->count_limit : nsx::COUNT_LIMIT;
	Page first = page_of(run, rk.first, req->offset, req->limit, limit);
	res->total = first.count.n;
	res->exact = first.count.exact;
	res->total_hi = first.mset.get_matches_upper_bound();
	Xapian::Query all = go_on_with_some(run, t, rk, first, limit, res);
	// Never over the limit, however the two parts add up.
	if (res->total > limit) {
		res->total = limit;
		res->exact = false;
	}
	res->total_lo = res->total;
	res->total_hi = std::max(res->total_hi, res->total);
	if (res->exact)
		res->total_hi = res->total;
	if (req->nfacets)
		count_facets(run, all, res);
	res->query = t.text;
	res->mset = first.mset;
	res->copies = std::move(first.copies);
	res->n_first = first.mset.size();
	res->plain = rk.top;
	res->plain_rest = rk.top_rest;
	res->rescored = rk.rescored;
	// Asked for all at once, which a backend may batch: Xapian 1.4.22's
	// remote one does not (each hit is still a round trip, measured in
	// docs/scaling.md), locally it costs read-ahead hints.  Only a list
	// from the first rank on: Xapian 1.4's fetch() reads past an MSet
	// that starts deeper (a later page).
	for (Xapian::MSet *m : { &res->mset, &res->rest })
		if (res->remote && !m->empty() && m->begin().get_rank() == 0)
			m->fetch();
	res->data.reserve(res->mset.size() + res->rest.size());
	for (auto it = res->mset.begin(); it != res->mset.end(); ++it)
		res->data.push_back(it.get_document().get_data());
	for (auto it = res->rest.begin(); it != res->rest.end(); ++it)
		res->data.push_back(it.get_document().get_data());
}

// How many articles Q (filtered as REQ says) finds, counted up to what
// correct.hh's rule needs to know.
Xapian::doccount count(nsx_reader_t *r, const nsx_search_t *req,
                       const Xapian::Query &q, const nsx_results_t *res)
{
	Run run{ r->db, req, Xapian::Stem(), res };
	Xapian::doccount enough = nsx::CORRECT_GAIN * (nsx::CORRECT_BELOW + 1);
	return run.mset(filtered(req, q), 0, 0, enough)
	        .get_matches_lower_bound();
}

// Answer the correction of REQ's query TYPED (its words no article has,
// FIXES) instead, into RES, when it finds far more than the query as
// typed (correct.hh); false, and nothing done, when not.
bool answer_corrected(nsx_reader_t *r, const nsx_search_t *req, unsigned flags,
                      const Texts &t, const std::string &typed,
                      const std::vector<nsx::Fix> &fixes, nsx_results_t *res)
{
	std::string fixed_typed = nsx::respell(typed, fixes, true);
	if (fixed_typed.empty())
		return false;
	Xapian::doccount n_typed = count(r, req, t.text, res);
	if (n_typed > nsx::CORRECT_BELOW)
		return false;
	std::string fixed_query = nsx::respell_words(req->query, fixes);
	nsx_search_t fixed = *req;
	fixed.query = fixed_query.c_str();
	fixed.spelling_query = fixed_typed.c_str();
	Texts ft = read_request(r, &fixed, flags);
	if (!nsx::correction_wins(n_typed, count(r, &fixed, ft.text, res)))
		return false;
	answer(r, &fixed, ft, res);
	res->corrected_from = typed;
	res->corrected_to = fixed_typed;
	return true;
}

// The words of REQ's query that no article has but a synonym makes up
// for: missing terms that an alternative covers in T, the query with
// its synonyms written out, and not in the query as typed (where the
// alternative is the user's own, "kyiv OR kiev").
std::set<std::string> covered_by_synonyms(nsx_reader_t *r,
                                          const nsx_search_t *req,
                                          unsigned flags, const Texts &t)
{
	if (!req->spelling_query ||
	    std::strcmp(req->spelling_query, req->query) == 0)
		return {};
	std::set<std::string> covered = nsx::covered_terms(r->db, t.text);
	if (covered.empty())
		return covered;
	Xapian::Query typed =
	        nsx::parse(r->qp, r->problem, req->spelling_query, flags,
	                   req->match == NSX_MATCH_ANY ? Xapian::Query::OP_OR
	                                               : Xapian::Query::OP_AND);
	for (const std::string &term : nsx::covered_terms(r->db, typed))
		covered.erase(term);
	return covered;
}

// One try at the whole search on R's current revision.
void search_once(nsx_reader_t *r, const nsx_search_t *req, unsigned flags,
                 nsx_results_t *res)
{
	Texts t = read_request(r, req, flags);
	res->remote = nsx::has_remote_shard(r->db);
	res->one = !res->remote && nsx::one_local_database(r->db);
	nsx::Deadline deadline(req->deadline);
	deadline.check();
	// A word being typed is no typo.
	if (req->spelling && !req->prefix && !req->like_idterm && !t.blank) {
		std::string typed =
		        req->spelling_query ? req->spelling_query : req->query;
		std::vector<nsx::Fix> fixes = nsx::suggest(
		        r->db, res->stem, typed,
		        covered_by_synonyms(r, req, flags, t), deadline,
		        res->remote ? &r->letters : nullptr);
		if (req->correct &&
		    answer_corrected(r, req, flags, t, typed, fixes, res))
			return;
		res->suggestion = nsx::respell(typed, fixes, false);
	}
	answer(r, req, t, res);
}

} // namespace

extern "C" {

nsx_status_t nsx_reader_add_field(nsx_reader_t *r, const char *field,
                                  const char *prefix, int boolean)
{
	if (!r || !field || !*field || !prefix)
		return NSX_INVALID;
	return guard(&r->error, [&] {
		if (boolean)
			r->qp.add_boolean_prefix(
				field,
				nsx::lower_term_processor(prefix, &r->problem)->release());
		else
			r->qp.add_prefix(field, prefix);
		return NSX_OK;
	});
}

nsx_status_t nsx_reader_add_date_range(nsx_reader_t *r, unsigned slot,
                                       const char *field,
                                       const char *year_prefix,
                                       const char *month_prefix,
                                       const char *day_prefix)
{
	if (!r || !field || !*field || !year_prefix || !month_prefix ||
	    !day_prefix)
		return NSX_INVALID;
	return guard(&r->error, [&] {
		// Ranges too: Xapian's range processors never see a range
		// after a + or -, and one processor means one meaning.
		r->qp.add_boolean_prefix(
			field, nsx::date_processor(slot, field, year_prefix,
			                           month_prefix, day_prefix,
			                           &r->problem)->release());
		return NSX_OK;
	});
}

nsx_status_t nsx_reader_search(nsx_reader_t *r, const nsx_search_t *req,
                               nsx_results_t **out)
{
	if (!r || !req || (!req->query && !req->like_idterm) || !out ||
	    req->limit == 0 || req->offset > 1000000000u ||
	    req->limit > 1000000000u)
		return NSX_INVALID;
	return guard(&r->error, [&] {
		// A language without a stemmer searches unstemmed.
		const char *lang = req->language && *req->language ? req->language
		                                                     : "english";
		Xapian::Stem stem(lang, true);
		unsigned flags = nsx::set_up_parser(
			r->qp, stem, nsx::query_stopper(lang, req->query ? req->query : ""),
			req->max_expansion);
		if (req->prefix)
			flags |= nsx::prefix_flags(r->qp);
		// A writer that commits while this runs may overtake the reader's
		// revision: start again, once, on the newest.
		for (int attempt = 0;; attempt++) {
			std::unique_ptr<nsx_results_t> res(new nsx_results);
			try {
				res->stem = stem;
				search_once(r, req, flags, res.get());
				*out = res.release();
				return NSX_OK;
			} catch (const Xapian::DatabaseModifiedError &) {
				if (attempt > 0)
					throw;
				nsx::reopen(r);
			}
		}
	});
}

} // extern "C"
