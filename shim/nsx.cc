// nsx.cc - the Xapian shim: the only place nsearch touches Xapian's C++ API.
//
// Every extern "C" function runs its body inside guard(), which catches every
// exception (Xapian::Error, std::bad_alloc, anything) and turns it into an
// nsx_status_t plus a message kept on the handle.  Nothing may throw past it.

#include "nsx_impl.hh"
#include "limits.hh"
#include "parse.hh"
#include "suggest.hh"

#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

using nsx::dup_string;
using nsx::guard;

namespace {

// Counts facet values over every document the match looks at.
class FacetSpy : public Xapian::MatchSpy {
public:
	struct Facet {
		unsigned slot, cut;
		// case-folded value -> (count, first spelling seen)
		std::unordered_map<std::string,
		                   std::pair<uint64_t, std::string>> counts;
	};
	std::vector<Facet> facets;

	void operator()(const Xapian::Document &doc, double) override
	{
		for (Facet &f : facets) {
			const std::string v = doc.get_value(f.slot);
			if (v.empty())
				continue;
			if (f.cut) {
				if (v.size() >= f.cut)
					count(f, v.substr(0, f.cut));
				continue;
			}
			size_t start = 0;
			for (;;) {
				size_t end = v.find(NSX_LIST_SEP, start);
				std::string one = v.substr(start, end == std::string::npos
				                                      ? std::string::npos
				                                      : end - start);
				if (!one.empty())
					count(f, one);
				if (end == std::string::npos)
					break;
				start = end + 1;
			}
		}
	}

	std::string name() const override { return "nsearch::FacetSpy"; }

private:
	static void count(Facet &f, const std::string &v)
	{
		auto &slot = f.counts[Xapian::Unicode::tolower(v)];
		if (slot.first++ == 0)
			slot.second = v;
	}
};

// Days since 1970-01-01 of a "YYYYMMDD" value; -1 if it is not one.
long days_of(const std::string &v)
{
	if (v.size() < 8)
		return -1;
	struct tm tm = {};
	for (int i = 0; i < 8; i++)
		if (v[i] < '0' || v[i] > '9')
			return -1;
	tm.tm_year = std::atoi(v.substr(0, 4).c_str()) - 1900;
	tm.tm_mon = std::atoi(v.substr(4, 2).c_str()) - 1;
	tm.tm_mday = std::atoi(v.substr(6, 2).c_str());
	return static_cast<long>(timegm(&tm) / 86400);
}

// Extra weight for recent documents: MAXW for today's (or a future date),
// halving every HALF_LIFE days back.  Added to the text score, so it
// reorders close matches without letting a new article that barely matches
// jump a strong one.
class RecencySource : public Xapian::ValuePostingSource {
	double maxw, half_life;
	long today;
public:
	RecencySource(Xapian::valueno slot, double maxw_, double half_life_,
	              long today_)
		: Xapian::ValuePostingSource(slot), maxw(maxw_),
		  half_life(half_life_), today(today_) {}

	void init(const Xapian::Database &db) override
	{
		Xapian::ValuePostingSource::init(db);
		set_maxweight(maxw);
	}

	double get_weight() const override
	{
		long d = days_of(get_value());
		if (d < 0)
			return 0;
		double age = d >= today ? 0 : static_cast<double>(today - d);
		return maxw * std::exp2(-age / half_life);
	}

	RecencySource *clone() const override
	{
		return new RecencySource(get_slot(), maxw, half_life, today);
	}

	std::string name() const override { return "nsearch::Recency"; }
};

// Words too common to carry meaning in an English query.  They are still
// indexed (phrases need them), and a query made of them alone keeps them.
const char *const english_stopwords[] = {
	"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from",
	"had", "has", "have", "he", "her", "his", "i", "in", "into", "is", "it",
	"its", "of", "on", "or", "she", "so", "that", "the", "their", "them",
	"there", "they", "this", "to", "was", "we", "were", "what", "when",
	"which", "who", "will", "with", "you",
};

const Xapian::SimpleStopper &english_stopper()
{
	static const Xapian::SimpleStopper stopper(
		std::begin(english_stopwords), std::end(english_stopwords));
	return stopper;
}

// Terms that may describe what a document is about: plain words, not
// prefixed filter terms, stems or numbers.
class WordDecider : public Xapian::ExpandDecider {
public:
	bool operator()(const std::string &t) const override
	{
		if (t.size() < 3)
			return false;
		unsigned char c = static_cast<unsigned char>(t[0]);
		if (c >= 'A' && c <= 'Z')
			return false;
		return t.find_first_of("0123456789") == std::string::npos &&
		       !english_stopper()(t);
	}
};

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

namespace {

// Apply the request's filters and date range to Q, and its deadline;
// none changes a score.
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
	if (req->deadline > 0)
		q = nsx::with_deadline(q, nsx::Deadline(req->deadline));
	return q;
}

// The query for "documents like IDTERM": the terms that best tell it
// apart from the rest of the collection, any of them.
// The query for "documents like IDTERM": the terms that best tell it
// apart from the rest of the collection, any of them.  The document
// itself is left out, and so are its duplicates (the same value in
// CONTENT_SLOT).
Xapian::Query like_query(Xapian::Database &db, const char *idterm,
                         Xapian::valueno content_slot)
{
	auto p = db.postlist_begin(idterm);
	if (p == db.postlist_end(idterm))
		throw Xapian::DocNotFoundError(std::string("no document ") + idterm);
	Xapian::RSet rset;
	rset.add_document(*p);
	Xapian::Enquire enq(db);
	WordDecider words;
	Xapian::ESet eset = enq.get_eset(30, rset, &words);
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

	// An Enquire for Q with the request's order and collapsing.
	Xapian::MSet mset(const Xapian::Query &q, Xapian::doccount first,
	                  Xapian::doccount max, Xapian::doccount check = 0,
	                  Xapian::MatchSpy *spy = nullptr)
	{
		Xapian::Enquire enq(db);
		enq.set_query(q);
		// BM25 with Robertson's usual k1 = 1.2 and b = 0.75 rather than
		// Xapian's 1 and 0.5: on all four test collections of
		// docs/ranking.md it ranks as well as or better than Xapian's
		// defaults and FTS5's bm25.
		enq.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0.5));
		if (req->sort)
			enq.set_sort_by_value_then_relevance(req->sort_slot,
			                                     req->sort < 0);
		if (req->collapse)
			enq.set_collapse_key(req->collapse_slot);
		if (req->time_limit > 0)
			enq.set_time_limit(req->time_limit);
		if (spy)
			enq.add_matchspy(spy);
		return enq.get_mset(first, max, check);
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
	Xapian::Query boost((new RecencySource(req->recency_slot, best,
	                                       req->recency_days, today))
	                            ->release());
	return Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, boost);
}

} // namespace

namespace {

// MATCH_AUTO: when fewer documents than this have every word, the list
// continues with those that have some.  A fixed number, not the page
// size or the offset, so that every page of a query agrees.
const Xapian::doccount RELAX_BELOW = 10;
const Xapian::doccount EXACT_BELOW = 100;

// Does Q type a stopword in capitals ("WHO", "IT")?  Then it is a name,
// and the query keeps its stopwords.
bool shouts_stopword(const std::string &q)
{
	const Xapian::SimpleStopper &stop = english_stopper();
	size_t i = 0;
	while (i < q.size()) {
		size_t j = i;
		while (j < q.size() && q[j] >= 'A' && q[j] <= 'Z')
			j++;
		bool word_end = j == q.size() ||
		                !std::isalnum(static_cast<unsigned char>(q[j]));
		bool word_start = i == 0 ||
		                  !std::isalnum(static_cast<unsigned char>(q[i - 1]));
		if (j - i >= 2 && word_start && word_end) {
			std::string w = q.substr(i, j - i);
			if (!nsx::is_operator(w) && stop(Xapian::Unicode::tolower(w)))
				return true;
		}
		i = j > i ? j : i + 1;
	}
	return false;
}

void count_facets(Run &run, const Xapian::Query &q, nsx_results_t *res)
{
	const nsx_search_t *req = run.req;
	FacetSpy spy;
	for (size_t f = 0; f < req->nfacets; f++)
		spy.facets.push_back({req->facets[f].slot, req->facets[f].cut, {}});
	Xapian::MSet all = run.mset(q, 0, 0, run.db.get_doccount(), &spy);
	// Every match was looked at (unless the time limit struck): these
	// are the totals to report.
	res->total = all.get_matches_estimated();
	res->total_lo = all.get_matches_lower_bound();
	res->total_hi = all.get_matches_upper_bound();
	for (auto &f : spy.facets) {
		std::vector<nsx_facet_value> v;
		for (auto &kv : f.counts)
			v.push_back({kv.second.second, kv.second.first});
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

// One try at the whole search on R's current revision.
void search_once(nsx_reader_t *r, const nsx_search_t *req, unsigned flags,
                 nsx_results_t *res)
{
	Xapian::QueryParser &qp = r->qp;
	auto parse = [&](Xapian::Query::op op) {
		return nsx::parse(qp, r->problem, req->query, flags, op);
	};
	// A query of blanks only lists everything the filters let through.
	bool blank = !req->like_idterm &&
	             req->query[std::strspn(req->query, " \t\r\n")] == '\0';
	Xapian::Query text, loose;
	if (req->like_idterm) {
		text = like_query(r->db, req->like_idterm, req->collapse_slot);
	} else if (blank) {
		// A new one for each search: Query::MatchAll is one object
		// whose reference count every thread's copy would change
		// without a lock.
		text = Xapian::Query(std::string());
	} else if (req->match == NSX_MATCH_ANY) {
		text = parse(Xapian::Query::OP_OR);
		nsx::check_cost(text);
	} else {
		// News readers expect every word they type to matter.
		text = parse(Xapian::Query::OP_AND);
		nsx::check_cost(text);
		if (req->match == NSX_MATCH_AUTO)
			loose = parse(Xapian::Query::OP_OR);
	}
	nsx::Deadline deadline(req->deadline);
	deadline.check();
	if (req->spelling && !req->like_idterm && !blank)
		res->suggestion = nsx::suggest(r->db, res->stem,
		                               req->spelling_query
		                                       ? req->spelling_query
		                                       : req->query,
		                               deadline);
	Run run{r->db, req};
	Xapian::Query q = filtered(req, text);
	if (req->recency_days > 0 && !blank)
		q = with_recency(run, q);
	Xapian::doccount want = req->offset + req->limit;
	Xapian::MSet mset = run.mset(q, req->offset, req->limit,
	                             std::max(want, RELAX_BELOW));
	Xapian::doccount n_all = mset.get_matches_upper_bound();
	res->total = mset.get_matches_estimated();
	res->total_lo = mset.get_matches_lower_bound();
	res->total_hi = n_all;
	// Fewer than RELAX_BELOW documents have every word (all of them known
	// then): the list goes on with those that have some, after them.
	if (!loose.empty() && n_all < RELAX_BELOW &&
	    n_all == mset.get_matches_lower_bound() &&
	    loose.get_description() != text.get_description()) {
		Xapian::Query some = filtered(req, loose);
		Xapian::Query rest(Xapian::Query::OP_AND_NOT, some, q);
		Xapian::doccount skip = req->offset > n_all ? req->offset - n_all : 0;
		Xapian::doccount count = req->limit - mset.size();
		// Counted exactly up to EXACT_BELOW, so that every page of a
		// short list reports the same total.
		res->rest = run.mset(rest, skip, count,
		                     std::max(skip + count, EXACT_BELOW));
		if (res->rest.get_matches_upper_bound() > 0) {
			res->relaxed = true;
			res->n_all = n_all;
			res->total += res->rest.get_matches_estimated();
			res->total_lo += res->rest.get_matches_lower_bound();
			res->total_hi += res->rest.get_matches_upper_bound();
			q = Xapian::Query(Xapian::Query::OP_OR, q, some);
		}
	}
	if (req->nfacets)
		count_facets(run, q, res);
	res->exact = res->total_lo == res->total_hi;
	res->mset = mset;
	res->n_first = mset.size();
	res->data.reserve(mset.size() + res->rest.size());
	for (auto it = mset.begin(); it != mset.end(); ++it)
		res->data.push_back(it.get_document().get_data());
	for (auto it = res->rest.begin(); it != res->rest.end(); ++it)
		res->data.push_back(it.get_document().get_data());
}

} // namespace

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
		Xapian::QueryParser &qp = r->qp;
		qp.set_stemmer(stem);
		qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
		bool english = std::strcmp(lang, "en") == 0 ||
		               std::strcmp(lang, "english") == 0;
		qp.set_stopper(english && !(req->query && shouts_stopword(req->query))
		               ? &english_stopper() : nullptr);
		// PURE_NOT: "NOT section:sport" alone is everything else.
		unsigned flags = Xapian::QueryParser::FLAG_DEFAULT |
		                 Xapian::QueryParser::FLAG_CJK_NGRAM |
		                 Xapian::QueryParser::FLAG_PURE_NOT;
		if (req->max_expansion) {
			flags |= Xapian::QueryParser::FLAG_WILDCARD;
			qp.set_max_expansion(req->max_expansion,
			                     Xapian::Query::WILDCARD_LIMIT_ERROR,
			                     Xapian::QueryParser::FLAG_WILDCARD);
		}
		// A writer that commits while this runs may overtake the reader's
		// revision: start again, once, on the newest.
		for (int attempt = 0;; attempt++) {
			nsx_results_t *res = new nsx_results;
			try {
				res->stem = stem;
				search_once(r, req, flags, res);
				*out = res;
				return NSX_OK;
			} catch (const Xapian::DatabaseModifiedError &) {
				delete res;
				if (attempt > 0)
					throw;
				r->db.reopen();
			} catch (...) {
				delete res;
				throw;
			}
		}
	});
}

size_t nsx_results_count(const nsx_results_t *res)
{
	return res ? res->data.size() : 0;
}

uint64_t nsx_results_estimated(const nsx_results_t *res)
{
	return res ? res->total : 0;
}

uint64_t nsx_results_lower_bound(const nsx_results_t *res)
{
	return res ? res->total_lo : 0;
}

uint64_t nsx_results_upper_bound(const nsx_results_t *res)
{
	return res ? res->total_hi : 0;
}

int nsx_results_relaxed(const nsx_results_t *res)
{
	return res && res->relaxed;
}

int nsx_results_exact(const nsx_results_t *res)
{
	return res && res->exact;
}

const char *nsx_results_suggestion(const nsx_results_t *res)
{
	return res ? res->suggestion.c_str() : "";
}

size_t nsx_results_facet_size(const nsx_results_t *res, size_t f)
{
	return res && f < res->facets.size() ? res->facets[f].size() : 0;
}

nsx_status_t nsx_results_facet(const nsx_results_t *res, size_t f, size_t i,
                               const char **value, uint64_t *count)
{
	if (!res || f >= res->facets.size() || i >= res->facets[f].size() ||
	    !value || !count)
		return NSX_INVALID;
	*value = res->facets[f][i].value.c_str();
	*count = res->facets[f][i].count;
	return NSX_OK;
}

nsx_status_t nsx_results_hit(const nsx_results_t *res, size_t i,
                             nsx_hit_t *hit)
{
	if (!res || !hit || i >= res->data.size())
		return NSX_INVALID;
	return guard(nullptr, [&] {
		bool first = i < res->n_first;
		const Xapian::MSet &m = first ? res->mset : res->rest;
		auto it = m[static_cast<Xapian::doccount>(first ? i : i - res->n_first)];
		// The loose hits rank after every document with all the words.
		hit->rank = it.get_rank() + (first ? 0 : res->n_all);
		hit->score = it.get_weight();
		hit->data = res->data[i].data();
		hit->data_len = res->data[i].size();
		hit->duplicates = it.get_collapse_count();
		hit->partial = !first;
		return NSX_OK;
	});
}

nsx_status_t nsx_results_snippet(const nsx_results_t *res, size_t i,
                                 const char *text,
                                 size_t text_len, size_t length,
                                 const char *hi_start, const char *hi_end,
                                 char **out)
{
	if (!res || (!text && text_len) || !out)
		return NSX_INVALID;
	return guard(nullptr, [&] {
		const Xapian::MSet &m = i < res->n_first ? res->mset : res->rest;
		// No background model: with it a snippet costs 10-25x the search.
		std::string s = m.snippet(
			std::string(text ? text : "", text_len), length, res->stem,
			Xapian::MSet::SNIPPET_EXHAUSTIVE |
				Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH,
			hi_start ? hi_start : "", hi_end ? hi_end : "",
			"\xe2\x80\xa6");
		char *p = dup_string(s);
		if (!p)
			return NSX_NO_MEMORY;
		*out = p;
		return NSX_OK;
	});
}

void nsx_results_free(nsx_results_t *res)
{
	delete res;
}

} // extern "C"
