// complete.cc - as you type (nsx.h's nsx_reader_complete): the indexed
// words that complete the last word of a query, those of titles first,
// and the best matches with that word as a beginning.  Reads bounded
// stretches of the term list and runs one small match that counts
// nothing; never changes the database.

#include "nsx_impl.hh"
#include "limits.hh"
#include "parse.hh"
#include "policy.hh"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

using nsx::guard;

struct nsx_completions {
	struct Word {
		std::string word, text; // TEXT: the query, the word completed
		uint64_t docs;
	};
	std::vector<Word> words;
	std::vector<std::string> titles; // the stored data of each hit
};

namespace {

// Terms looked at per beginning: a word of one or two letters has more
// completions than a request may read in its few milliseconds.
const unsigned COMPLETE_SCAN = 1000;

// Where the word Q ends with starts, or Q's length when a blank or a
// sign ends it (nothing is being typed).
size_t last_word_at(const std::string &q)
{
	size_t start = q.size();
	for (Xapian::Utf8Iterator it(q); it != Xapian::Utf8Iterator(); ++it)
		if (!Xapian::Unicode::is_wordchar(*it))
			start = q.size();
		else if (start == q.size())
			start = static_cast<size_t>(it.raw() - q.data());
	return start;
}

struct Candidate {
	uint64_t in_titles = 0, in_all = 0;
};

// Note in CANDS the terms PREFIX + WORD... (at most COMPLETE_SCAN), each
// as WORD, with how many documents have it, in TITLES or all.
void scan(Xapian::Database &db, const std::string &prefix,
          const std::string &word, bool titles,
          std::map<std::string, Candidate> &cands, const nsx::Deadline &budget)
{
	std::string start = prefix + word;
	unsigned n = 0;
	for (auto t = db.allterms_begin(start);
	     t != db.allterms_end(start) && n < COMPLETE_SCAN; ++t, ++n) {
		if ((n & 255) == 255 && budget.passed())
			return;
		Candidate &c = cands[(*t).substr(prefix.size())];
		(titles ? c.in_titles : c.in_all) = t.get_termfreq();
	}
}

// The WANT completions of WORD: the commonest in titles (terms under
// TITLES, a prefix) first, then in all the text.
std::vector<std::pair<std::string, uint64_t>>
completions(Xapian::Database &db, const std::string &word,
            const std::string &titles, unsigned want,
            const nsx::Deadline &budget)
{
	std::map<std::string, Candidate> cands;
	if (!titles.empty())
		scan(db, titles, word, true, cands, budget);
	scan(db, "", word, false, cands, budget);
	std::vector<std::pair<std::string, Candidate>> v(cands.begin(),
	                                                 cands.end());
	std::sort(v.begin(), v.end(), [](const auto &a, const auto &b) {
		if (a.second.in_titles != b.second.in_titles)
			return a.second.in_titles > b.second.in_titles;
		if (a.second.in_all != b.second.in_all)
			return a.second.in_all > b.second.in_all;
		return a.first < b.first;
	});
	std::vector<std::pair<std::string, uint64_t>> out;
	for (const auto &c : v) {
		if (out.size() >= want)
			break;
		// A word of titles only (a name in headlines) counts them.
		out.emplace_back(c.first,
		                 std::max(c.second.in_all, c.second.in_titles));
	}
	return out;
}

// QUERY read as a search reads it, or an empty query when it is blank
// or does not parse yet ("tariffs AND", half typed).
Xapian::Query parsed(nsx_reader_t *r, const std::string &query,
                     const char *lang)
{
	if (query.find_first_not_of(" \t\r\n") == std::string::npos)
		return Xapian::Query();
	Xapian::Stem stem(lang, true);
	unsigned flags = nsx::set_up_parser(r->qp, stem,
	                                    nsx::query_stopper(lang, query), 0);
	try {
		return nsx::parse(r->qp, r->problem, query, flags,
		                  Xapian::Query::OP_AND);
	} catch (const Xapian::QueryParserError &) {
	} catch (const nsx::Refused &e) {
		if (e.status != NSX_BAD_QUERY)
			throw;
	}
	return Xapian::Query();
}

// The stored data of the best WANT matches of HEAD (the query before the
// word being typed) with any of WORDS (its completions; none when nothing
// is being typed: HEAD alone then) in the title, duplicates folded.  The
// completions stand for the word being typed, not the hundreds of words
// it may begin, and titles are short: a short beginning costs little.
std::vector<std::string>
best_titles(nsx_reader_t *r, const nsx_complete_t *req, const std::string &head,
            const std::vector<nsx_completions::Word> &words, bool typing,
            const char *lang)
{
	Xapian::Query q = parsed(r, head, lang);
	bool head_blank =
	        head.find_first_not_of(" \t\r\n") == std::string::npos;
	if (q.empty() && !head_blank)
		return {};
	if (typing) {
		if (words.empty())
			return {};
		std::vector<Xapian::Query> any;
		std::string titles = req->title_prefix ? req->title_prefix : "";
		for (const auto &w : words)
			any.emplace_back(titles + w.word);
		Xapian::Query last(Xapian::Query::OP_OR, any.begin(),
		                   any.end());
		q = q.empty() ? last
		              : Xapian::Query(Xapian::Query::OP_AND, q, last);
	}
	if (q.empty())
		return {};
	nsx::check_cost(q);
	if (req->deadline > 0)
		q = nsx::with_deadline(q, nsx::Deadline(req->deadline));
	Xapian::Enquire enq(r->db);
	enq.set_query(q);
	enq.set_weighting_scheme(nsx::ranking());
	enq.set_collapse_key(req->collapse_slot);
	Xapian::MSet m = enq.get_mset(0, req->titles);
	std::vector<std::string> out;
	for (auto it = m.begin(); it != m.end(); ++it)
		out.push_back(it.get_document().get_data());
	return out;
}

} // namespace

extern "C" {

nsx_status_t nsx_reader_complete(nsx_reader_t *r, const nsx_complete_t *req,
                                 nsx_completions_t **out)
{
	if (!r || !req || !req->query || !out || req->words > 1000 ||
	    req->titles > 1000)
		return NSX_INVALID;
	return guard(&r->error, [&] {
		const char *lang = req->language && *req->language
		                           ? req->language
		                           : "english";
		std::unique_ptr<nsx_completions_t> c(new nsx_completions);
		const std::string q = req->query;
		size_t at = last_word_at(q);
		std::string word = Xapian::Unicode::tolower(q.substr(at));
		nsx::Deadline deadline(req->deadline);
		if (!word.empty() && req->words)
			for (auto &w : completions(
			             r->db, word,
			             req->title_prefix ? req->title_prefix : "",
			             req->words, deadline))
				c->words.push_back({ w.first,
				                     q.substr(0, at) + w.first,
				                     w.second });
		if (req->titles)
			c->titles = best_titles(r, req, q.substr(0, at),
			                        c->words, !word.empty(), lang);
		deadline.check();
		*out = c.release();
		return NSX_OK;
	});
}

size_t nsx_completions_words(const nsx_completions_t *c)
{
	return c ? c->words.size() : 0;
}

const char *nsx_completions_word(const nsx_completions_t *c, size_t i,
                                 const char **text, uint64_t *docs)
{
	if (!c || i >= c->words.size())
		return nullptr;
	if (text)
		*text = c->words[i].text.c_str();
	if (docs)
		*docs = c->words[i].docs;
	return c->words[i].word.c_str();
}

size_t nsx_completions_titles(const nsx_completions_t *c)
{
	return c ? c->titles.size() : 0;
}

nsx_status_t nsx_completions_title(const nsx_completions_t *c, size_t i,
                                   const char **data, size_t *len)
{
	if (!c || i >= c->titles.size() || !data || !len)
		return NSX_INVALID;
	*data = c->titles[i].data();
	*len = c->titles[i].size();
	return NSX_OK;
}

void nsx_completions_free(nsx_completions_t *c)
{
	delete c;
}

} // extern "C"
