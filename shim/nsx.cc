// nsx.cc - the Xapian shim: the only place nsearch touches Xapian's C++ API.
//
// Every extern "C" function runs its body inside guard(), which catches every
// exception (Xapian::Error, std::bad_alloc, anything) and turns it into an
// nsx_status_t plus a message kept on the handle.  Nothing may throw past it.

#include "nsx.h"

#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

struct nsx_doc {
	Xapian::Document doc;
	Xapian::TermGenerator tg;
	bool has_text = false;
};

struct nsx_writer {
	Xapian::WritableDatabase db;
	std::string error;
};

struct nsx_reader {
	Xapian::Database db;
	Xapian::QueryParser qp;
	std::string error;
};

struct nsx_facet_value {
	std::string value;
	uint64_t count;
};

struct nsx_results {
	// The hits of the page: the first N_FIRST from MSET (documents with
	// every word), the rest from REST (some of the words, MATCH_AUTO).
	Xapian::MSet mset, rest;
	size_t n_first = 0;
	Xapian::Stem stem;
	std::vector<std::string> data;
	std::vector<std::vector<nsx_facet_value>> facets;
	std::string suggestion;
	bool relaxed = false;
	bool exact = false;
};

namespace {

// Map the exception in flight to a status and keep its text in *msg.
// Must only be called from inside a catch block.
nsx_status_t classify(std::string *msg) noexcept
{
	nsx_status_t st = NSX_INTERNAL;
	const char *text = "unknown exception";
	std::string xtext;
	try {
		throw;
	} catch (const Xapian::DatabaseLockError &e) {
		st = NSX_LOCKED; xtext = e.get_description();
	} catch (const Xapian::DatabaseModifiedError &e) {
		st = NSX_MODIFIED; xtext = e.get_description();
	} catch (const Xapian::DatabaseCorruptError &e) {
		st = NSX_CORRUPT; xtext = e.get_description();
	} catch (const Xapian::DatabaseNotFoundError &e) {
		st = NSX_NOT_FOUND; xtext = e.get_description();
	} catch (const Xapian::DatabaseVersionError &e) {
		st = NSX_CORRUPT; xtext = e.get_description();
	} catch (const Xapian::DocNotFoundError &e) {
		st = NSX_NOT_FOUND; xtext = e.get_description();
	} catch (const Xapian::QueryParserError &e) {
		st = NSX_BAD_QUERY; xtext = e.get_description();
	} catch (const Xapian::WildcardError &e) {
		st = NSX_TOO_BROAD; xtext = e.get_description();
	} catch (const Xapian::InvalidArgumentError &e) {
		st = NSX_INVALID; xtext = e.get_description();
	} catch (const Xapian::DatabaseError &e) {
		// Create, opening and closed errors: the filesystem said no.
		st = NSX_IO; xtext = e.get_description();
	} catch (const Xapian::Error &e) {
		st = NSX_INTERNAL; xtext = e.get_description();
	} catch (const std::bad_alloc &) {
		st = NSX_NO_MEMORY; text = "out of memory";
	} catch (const std::exception &e) {
		text = e.what();
	} catch (...) {
	}
	if (msg) {
		try {
			*msg = xtext.empty() ? std::string(text) : xtext;
		} catch (...) {
			// Out of memory for the message itself: keep the status.
		}
	}
	return st;
}

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

// The metadata key of the revision base (see revision_of).
const char revision_base_key[] = "nsearch:revision-base";

// Revision and document count of any database; 0 if Xapian throws (a
// database closed under us), since these feed status figures only.  The
// revision is Xapian's plus the base nsx_compact() leaves: a compacted
// copy starts again at revision 1, and clients must never see the
// revision go back.
uint64_t revision_of(const Xapian::Database &db) noexcept
{
	try {
		std::string base = db.get_metadata(revision_base_key);
		return db.get_revision() +
		       (base.empty() ? 0 : std::strtoull(base.c_str(), nullptr, 10));
	} catch (...) {
		return 0;
	}
}

uint64_t doccount_of(const Xapian::Database &db) noexcept
{
	try {
		return db.get_doccount();
	} catch (...) {
		return 0;
	}
}

char *dup_string(const std::string &s)
{
	char *p = static_cast<char *>(std::malloc(s.size() + 1));
	if (p) {
		std::memcpy(p, s.data(), s.size());
		p[s.size()] = '\0';
	}
	return p;
}

void set_errmsg(char **errmsg, const std::string &msg)
{
	if (errmsg)
		*errmsg = dup_string(msg);
}

Xapian::Stem make_stem(const char *language)
{
	if (!language || !*language || std::strcmp(language, "none") == 0)
		return Xapian::Stem();
	return Xapian::Stem(language);
}

// A boolean field whose value is case-folded into one exact term, so that
// tag:Ukraine and tag:"Sergei Lavrov" find what the indexer stored.
class LowerTermProcessor : public Xapian::FieldProcessor {
	std::string prefix;
public:
	explicit LowerTermProcessor(const std::string &p) : prefix(p) {}
	Xapian::Query operator()(const std::string &value) override
	{
		return Xapian::Query(prefix + Xapian::Unicode::tolower(value));
	}
};

// date:2025-04-09, date:2025-04 and date:2025 as exact filters on the
// day, month and year terms; ranges (date:A..B) go to the range processor.
class DateFieldProcessor : public Xapian::FieldProcessor {
	std::string year, month, day;
public:
	DateFieldProcessor(const char *y, const char *m, const char *d)
		: year(y), month(m), day(d) {}
	Xapian::Query operator()(const std::string &v) override
	{
		std::string digits;
		for (char c : v)
			if (c != '-')
				digits += c;
		bool ok = !digits.empty();
		for (char c : digits)
			ok = ok && c >= '0' && c <= '9';
		int n = static_cast<int>(digits.size());
		if (ok && n == 8 && v.size() == 10 && v[4] == '-' && v[7] == '-')
			return Xapian::Query(day + digits);
		if (ok && n == 8 && v.size() == 8)
			return Xapian::Query(day + digits);
		if (ok && n == 6 && (v.size() == 6 || (v.size() == 7 && v[4] == '-')))
			return Xapian::Query(month + digits);
		if (ok && n == 4 && v.size() == 4)
			return Xapian::Query(year + digits);
		throw Xapian::QueryParserError(
			"date:" + v + " is not a date: use YYYY, YYYY-MM, YYYY-MM-DD "
			"or a range such as date:2025-01-01..2025-03-31");
	}
};

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
		return t.find_first_of("0123456789") == std::string::npos;
	}
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

bool plain_word(const std::string &t)
{
	if (t.size() < 2 || t.size() > 40)
		return false;
	unsigned char c = static_cast<unsigned char>(t[0]);
	if (c >= 'A' && c <= 'Z')
		return false; // a prefixed term or a stem
	return t.find_first_of("0123456789") == std::string::npos;
}

} // namespace

extern "C" {

const char *nsx_status_name(nsx_status_t st)
{
	switch (st) {
	case NSX_OK: return "OK";
	case NSX_NOT_FOUND: return "NOT_FOUND";
	case NSX_LOCKED: return "LOCKED";
	case NSX_BAD_QUERY: return "BAD_QUERY";
	case NSX_CORRUPT: return "CORRUPT";
	case NSX_MODIFIED: return "MODIFIED";
	case NSX_INVALID: return "INVALID";
	case NSX_NO_MEMORY: return "NO_MEMORY";
	case NSX_IO: return "IO";
	case NSX_INTERNAL: return "INTERNAL";
	case NSX_TOO_BROAD: return "TOO_BROAD";
	}
	return "UNKNOWN";
}

const char *nsx_xapian_version(void)
{
	return Xapian::version_string();
}

nsx_status_t nsx_boolean_term(const char *prefix, const char *value,
                              char **out)
{
	if (!prefix || !value || !*value || !out)
		return NSX_INVALID;
	return guard(nullptr, [&] {
		std::string term = prefix + Xapian::Unicode::tolower(value);
		if (term.size() > NSX_MAX_TERM)
			return NSX_INVALID;
		char *p = dup_string(term);
		if (!p)
			return NSX_NO_MEMORY;
		*out = p;
		return NSX_OK;
	});
}

int nsx_stemmer_exists(const char *language)
{
	if (!language || !*language)
		return 0;
	try {
		Xapian::Stem s(language);
		return 1;
	} catch (...) {
		return 0;
	}
}

/* ---- documents ---- */

nsx_status_t nsx_doc_new(const char *language, nsx_doc_t **out)
{
	if (!out)
		return NSX_INVALID;
	return guard(nullptr, [&] {
		nsx_doc_t *d = new nsx_doc;
		try {
			d->tg.set_stemmer(make_stem(language));
			d->tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
			// Chinese, Japanese and Korean have no spaces between words:
			// index them as character n-grams.  Other scripts are not
			// affected.
			d->tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
			d->tg.set_document(d->doc);
		} catch (...) {
			delete d;
			throw;
		}
		*out = d;
		return NSX_OK;
	});
}

void nsx_doc_free(nsx_doc_t *doc)
{
	delete doc;
}

nsx_status_t nsx_doc_index_text(nsx_doc_t *doc, const char *text, size_t len,
                                unsigned wdf_inc, const char *prefix)
{
	if (!doc || (!text && len))
		return NSX_INVALID;
	return guard(nullptr, [&] {
		if (doc->has_text)
			doc->tg.increase_termpos();
		doc->tg.index_text(std::string(text ? text : "", len), wdf_inc,
		                   prefix ? prefix : "");
		doc->has_text = true;
		return NSX_OK;
	});
}

nsx_status_t nsx_doc_add_boolean(nsx_doc_t *doc, const char *prefix,
                                 const char *value)
{
	if (!doc || !prefix || !value || !*value)
		return NSX_INVALID;
	return guard(nullptr, [&] {
		std::string term = prefix + Xapian::Unicode::tolower(value);
		if (term.size() > NSX_MAX_TERM)
			return NSX_INVALID;
		doc->doc.add_boolean_term(term);
		return NSX_OK;
	});
}

nsx_status_t nsx_doc_set_value(nsx_doc_t *doc, unsigned slot,
                               const char *bytes, size_t len)
{
	if (!doc || (!bytes && len))
		return NSX_INVALID;
	return guard(nullptr, [&] {
		doc->doc.add_value(slot, std::string(bytes ? bytes : "", len));
		return NSX_OK;
	});
}

nsx_status_t nsx_doc_set_data(nsx_doc_t *doc, const char *bytes, size_t len)
{
	if (!doc || (!bytes && len))
		return NSX_INVALID;
	return guard(nullptr, [&] {
		doc->doc.set_data(std::string(bytes ? bytes : "", len));
		return NSX_OK;
	});
}

/* ---- the writer ---- */

nsx_status_t nsx_writer_open(const char *path, nsx_writer_t **out,
                             char **errmsg)
{
	if (errmsg)
		*errmsg = nullptr;
	if (!path || !out)
		return NSX_INVALID;
	std::string msg;
	nsx_status_t st = guard(&msg, [&] {
		*out = new nsx_writer{
			Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OPEN),
			std::string()};
		return NSX_OK;
	});
	if (st != NSX_OK)
		set_errmsg(errmsg, msg);
	return st;
}

void nsx_writer_close(nsx_writer_t *w)
{
	if (!w)
		return;
	// close() commits; a failure here has nowhere to go but the log of
	// the caller, who has already committed explicitly before closing.
	(void)guard(&w->error, [&] {
		w->db.close();
		return NSX_OK;
	});
	delete w;
}

const char *nsx_writer_error(const nsx_writer_t *w)
{
	return w ? w->error.c_str() : "";
}

nsx_status_t nsx_writer_replace(nsx_writer_t *w, const char *idterm,
                                nsx_doc_t *doc)
{
	if (!w || !idterm || !*idterm || !doc || std::strlen(idterm) > NSX_MAX_TERM)
		return NSX_INVALID;
	return guard(&w->error, [&] {
		doc->doc.add_boolean_term(idterm);
		// The words feed the spelling dictionary "did you mean" uses.
		for (auto t = doc->doc.termlist_begin();
		     t != doc->doc.termlist_end(); ++t)
			if (plain_word(*t))
				w->db.add_spelling(*t);
		w->db.replace_document(idterm, doc->doc);
		return NSX_OK;
	});
}

nsx_status_t nsx_writer_delete(nsx_writer_t *w, const char *idterm,
                               int *existed)
{
	if (!w || !idterm || !*idterm)
		return NSX_INVALID;
	return guard(&w->error, [&] {
		bool had = w->db.term_exists(idterm);
		if (had)
			w->db.delete_document(idterm);
		if (existed)
			*existed = had;
		return NSX_OK;
	});
}

nsx_status_t nsx_writer_each_term(nsx_writer_t *w, const char *prefix,
                                  void (*each)(const char *term, void *ctx),
                                  void *ctx)
{
	if (!w || !prefix || !each)
		return NSX_INVALID;
	return guard(&w->error, [&] {
		for (auto t = w->db.allterms_begin(prefix);
		     t != w->db.allterms_end(prefix); ++t)
			each((*t).c_str(), ctx);
		return NSX_OK;
	});
}

nsx_status_t nsx_writer_each_value(nsx_writer_t *w, unsigned slot,
                                   void (*each)(const char *value, size_t len,
                                                void *ctx),
                                   void *ctx)
{
	if (!w || !each)
		return NSX_INVALID;
	return guard(&w->error, [&] {
		for (auto v = w->db.valuestream_begin(slot);
		     v != w->db.valuestream_end(slot); ++v) {
			const std::string &s = *v;
			each(s.data(), s.size(), ctx);
		}
		return NSX_OK;
	});
}

nsx_status_t nsx_writer_set_value(nsx_writer_t *w, const char *idterm,
                                  unsigned slot, const char *value,
                                  size_t len)
{
	if (!w || !idterm || !*idterm || (!value && len))
		return NSX_INVALID;
	return guard(&w->error, [&] {
		auto p = w->db.postlist_begin(idterm);
		if (p == w->db.postlist_end(idterm))
			return NSX_NOT_FOUND;
		Xapian::docid id = *p;
		Xapian::Document doc = w->db.get_document(id);
		doc.add_value(slot, std::string(value ? value : "", len));
		w->db.replace_document(id, doc);
		return NSX_OK;
	});
}

nsx_status_t nsx_writer_delete_prefix(nsx_writer_t *w, const char *prefix,
                                      unsigned *deleted)
{
	if (!w || !prefix || !*prefix)
		return NSX_INVALID;
	return guard(&w->error, [&] {
		std::vector<std::string> doomed;
		for (auto t = w->db.allterms_begin(prefix);
		     t != w->db.allterms_end(prefix); ++t)
			doomed.push_back(*t);
		for (const auto &t : doomed)
			w->db.delete_document(t);
		if (deleted)
			*deleted = static_cast<unsigned>(doomed.size());
		return NSX_OK;
	});
}

nsx_status_t nsx_writer_commit(nsx_writer_t *w)
{
	if (!w)
		return NSX_INVALID;
	return guard(&w->error, [&] {
		w->db.commit();
		return NSX_OK;
	});
}

uint64_t nsx_writer_revision(const nsx_writer_t *w)
{
	return w ? revision_of(w->db) : 0;
}

uint64_t nsx_writer_doccount(const nsx_writer_t *w)
{
	return w ? doccount_of(w->db) : 0;
}

/* ---- readers ---- */

nsx_status_t nsx_reader_open(const char *path, nsx_reader_t **out,
                             char **errmsg)
{
	if (errmsg)
		*errmsg = nullptr;
	if (!path || !out)
		return NSX_INVALID;
	std::string msg;
	nsx_status_t st = guard(&msg, [&] {
		nsx_reader_t *r = new nsx_reader{Xapian::Database(path),
		                                 Xapian::QueryParser(),
		                                 std::string()};
		r->qp.set_database(r->db);
		*out = r;
		return NSX_OK;
	});
	if (st != NSX_OK)
		set_errmsg(errmsg, msg);
	return st;
}

void nsx_reader_close(nsx_reader_t *r)
{
	delete r;
}

const char *nsx_reader_error(const nsx_reader_t *r)
{
	return r ? r->error.c_str() : "";
}

nsx_status_t nsx_reader_reopen(nsx_reader_t *r)
{
	if (!r)
		return NSX_INVALID;
	return guard(&r->error, [&] {
		r->db.reopen();
		return NSX_OK;
	});
}

uint64_t nsx_reader_revision(const nsx_reader_t *r)
{
	return r ? revision_of(r->db) : 0;
}

uint64_t nsx_reader_doccount(const nsx_reader_t *r)
{
	return r ? doccount_of(r->db) : 0;
}

nsx_status_t nsx_reader_add_field(nsx_reader_t *r, const char *field,
                                  const char *prefix, int boolean)
{
	if (!r || !field || !*field || !prefix)
		return NSX_INVALID;
	return guard(&r->error, [&] {
		if (boolean)
			r->qp.add_boolean_prefix(
				field, (new LowerTermProcessor(prefix))->release());
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
		r->qp.add_rangeprocessor(
			(new Xapian::DateRangeProcessor(slot, std::string(field) + ":"))
				->release());
		r->qp.add_boolean_prefix(
			field, (new DateFieldProcessor(year_prefix, month_prefix,
			                               day_prefix))->release());
		return NSX_OK;
	});
}

nsx_status_t nsx_reader_get(nsx_reader_t *r, const char *idterm,
                            char **data, size_t *len)
{
	if (!r || !idterm || !*idterm || !data || !len)
		return NSX_INVALID;
	return guard(&r->error, [&] {
		auto p = r->db.postlist_begin(idterm);
		if (p == r->db.postlist_end(idterm))
			return NSX_NOT_FOUND;
		std::string d = r->db.get_document(*p).get_data();
		char *out = dup_string(d);
		if (!out)
			return NSX_NO_MEMORY;
		*data = out;
		*len = d.size();
		return NSX_OK;
	});
}

nsx_status_t nsx_reader_each_term(nsx_reader_t *r, const char *prefix,
                                  void (*each)(const char *term,
                                               uint64_t docs, void *ctx),
                                  void *ctx)
{
	if (!r || !prefix || !each)
		return NSX_INVALID;
	return guard(&r->error, [&] {
		for (auto t = r->db.allterms_begin(prefix);
		     t != r->db.allterms_end(prefix); ++t)
			each((*t).c_str(), t.get_termfreq(), ctx);
		return NSX_OK;
	});
}

namespace {

// Apply the request's filters and date range to Q; none changes a score.
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

// The query for "documents like IDTERM": the terms that best tell it
// apart from the rest of the collection, any of them.
Xapian::Query like_query(Xapian::Database &db, const char *idterm)
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
	return Xapian::Query(Xapian::Query::OP_AND_NOT, like,
	                     Xapian::Query(idterm));
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

nsx_status_t nsx_reader_search(nsx_reader_t *r, const nsx_search_t *req,
                               nsx_results_t **out)
{
	if (!r || !req || (!req->query && !req->like_idterm) || !out)
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
		qp.set_stopper(english ? &english_stopper() : nullptr);
		unsigned flags = Xapian::QueryParser::FLAG_DEFAULT |
		                 Xapian::QueryParser::FLAG_CJK_NGRAM;
		if (req->max_expansion) {
			flags |= Xapian::QueryParser::FLAG_WILDCARD;
			qp.set_max_expansion(req->max_expansion,
			                     Xapian::Query::WILDCARD_LIMIT_ERROR,
			                     Xapian::QueryParser::FLAG_WILDCARD);
		}
		// A query of blanks only lists everything the filters let through.
		bool blank = !req->like_idterm &&
		             req->query[std::strspn(req->query, " \t\r\n")] == '\0';
		auto parse = [&](Xapian::Query::op op, unsigned extra) {
			qp.set_default_op(op);
			return qp.parse_query(req->query, flags | extra);
		};

		nsx_results_t *res = new nsx_results;
		try {
			res->stem = stem;
			Xapian::Query text, loose;
			if (req->like_idterm) {
				text = like_query(r->db, req->like_idterm);
			} else if (blank) {
				text = Xapian::Query::MatchAll;
			} else if (req->match == NSX_MATCH_ANY) {
				text = parse(Xapian::Query::OP_OR, 0);
			} else {
				// News readers expect every word they type to matter.
				text = parse(Xapian::Query::OP_AND, 0);
				if (req->match == NSX_MATCH_AUTO)
					loose = parse(Xapian::Query::OP_OR, 0);
			}
			if (req->spelling && !req->like_idterm && !blank) {
				qp.set_default_op(Xapian::Query::OP_AND);
				qp.parse_query(req->spelling_query ? req->spelling_query
				                                   : req->query,
				               flags |
				               Xapian::QueryParser::FLAG_SPELLING_CORRECTION);
				res->suggestion = qp.get_corrected_query_string();
			}
			Xapian::Query q = filtered(req, text);
			Run run{r->db, req};
			Xapian::MSet mset;
			for (int attempt = 0;; attempt++) {
				try {
					if (req->recency_days > 0 && !blank)
						q = with_recency(run, q);
					mset = run.mset(q, req->offset, req->limit);
					Xapian::doccount want = req->offset + req->limit;
					Xapian::doccount n_all = mset.get_matches_upper_bound();
					// Every document with all the words is known and the
					// page is not full: continue with those that have some.
					if (!loose.empty() && req->sort == 0 && n_all < want &&
					    n_all == mset.get_matches_lower_bound() &&
					    loose.get_description() != text.get_description()) {
						Xapian::Query rest(Xapian::Query::OP_AND_NOT,
						                   filtered(req, loose), q);
						Xapian::doccount skip =
							req->offset > n_all ? req->offset - n_all : 0;
						res->rest = run.mset(rest, skip,
						                     req->limit - mset.size());
						res->relaxed = !res->rest.empty() ||
						               res->rest.get_matches_estimated();
						if (res->relaxed)
							q = Xapian::Query(Xapian::Query::OP_OR, q,
							                  filtered(req, loose));
					}
					res->exact = res->rest.empty()
						? mset.get_matches_lower_bound() ==
						      mset.get_matches_upper_bound()
						: res->rest.get_matches_lower_bound() ==
						      res->rest.get_matches_upper_bound();
					if (req->nfacets) {
						FacetSpy spy;
						for (size_t f = 0; f < req->nfacets; f++)
							spy.facets.push_back({req->facets[f].slot,
							                      req->facets[f].cut, {}});
						Xapian::MSet all = run.mset(q, 0, 0,
						                            r->db.get_doccount(),
						                            &spy);
						res->exact = all.get_matches_lower_bound() ==
						             all.get_matches_upper_bound();
						res->facets.clear();
						for (auto &f : spy.facets) {
							std::vector<nsx_facet_value> v;
							for (auto &kv : f.counts)
								v.push_back({kv.second.second,
								             kv.second.first});
							std::sort(v.begin(), v.end(),
							          [](const nsx_facet_value &a,
							             const nsx_facet_value &b) {
								return a.count != b.count
									? a.count > b.count
									: a.value < b.value;
							});
							if (req->facet_limit && v.size() > req->facet_limit)
								v.resize(req->facet_limit);
							res->facets.push_back(std::move(v));
						}
					}
					break;
				} catch (const Xapian::DatabaseModifiedError &) {
					if (attempt > 0)
						throw;
					r->db.reopen();
					q = filtered(req, text);
					res->rest = Xapian::MSet();
					res->relaxed = false;
				}
			}
			res->mset = mset;
			res->n_first = mset.size();
			res->data.reserve(mset.size() + res->rest.size());
			for (auto it = mset.begin(); it != mset.end(); ++it)
				res->data.push_back(it.get_document().get_data());
			for (auto it = res->rest.begin(); it != res->rest.end(); ++it)
				res->data.push_back(it.get_document().get_data());
		} catch (...) {
			delete res;
			throw;
		}
		*out = res;
		return NSX_OK;
	});
}

size_t nsx_results_count(const nsx_results_t *res)
{
	return res ? res->data.size() : 0;
}

// With MATCH_AUTO's continuation, the documents with every word (all
// known then) plus the estimate of those with some.
uint64_t nsx_results_estimated(const nsx_results_t *res)
{
	if (!res)
		return 0;
	uint64_t n = res->mset.get_matches_estimated();
	return res->relaxed ? n + res->rest.get_matches_estimated() : n;
}

uint64_t nsx_results_lower_bound(const nsx_results_t *res)
{
	if (!res)
		return 0;
	uint64_t n = res->mset.get_matches_lower_bound();
	return res->relaxed ? n + res->rest.get_matches_lower_bound() : n;
}

uint64_t nsx_results_upper_bound(const nsx_results_t *res)
{
	if (!res)
		return 0;
	uint64_t n = res->mset.get_matches_upper_bound();
	return res->relaxed ? n + res->rest.get_matches_upper_bound() : n;
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
		hit->rank = it.get_rank() +
		            (first ? 0 : res->mset.get_matches_upper_bound());
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

/* ---- compaction ---------------------------------------------------------- */

namespace {

// Reports each table as Xapian starts it ("") and finishes it (a summary).
class ProgressCompactor : public Xapian::Compactor {
public:
	ProgressCompactor(nsx_progress_fn fn, void *ctx) : fn_(fn), ctx_(ctx) {}
	void set_status(const std::string &table,
	                const std::string &status) override
	{
		if (fn_)
			fn_(ctx_, table.c_str(), status.c_str());
	}

private:
	nsx_progress_fn fn_;
	void *ctx_;
};

} // namespace

nsx_status_t nsx_compact(const char *src, const char *dest,
                         nsx_progress_fn progress, void *ctx, char **errmsg)
{
	if (errmsg)
		*errmsg = nullptr;
	if (!src || !dest)
		return NSX_INVALID;
	std::string msg;
	nsx_status_t st = guard(&msg, [&] {
		Xapian::Database db(src);
		uint64_t seen = revision_of(db);
		ProgressCompactor compactor(progress, ctx);
		// Document ids are kept: nothing depends on them, but a copy
		// that matches its source is easier to reason about.
		db.compact(dest, Xapian::DBCOMPACT_NO_RENUMBER, 0, compactor);
		Xapian::WritableDatabase out(dest, Xapian::DB_OPEN);
		// After this commit the copy's revision is Xapian's plus the
		// base: one more than the source's.
		uint64_t next = out.get_revision() + 1;
		uint64_t base = seen + 1 > next ? seen + 1 - next : 0;
		out.set_metadata(revision_base_key, std::to_string(base));
		out.commit();
		out.close();
		return NSX_OK;
	});
	if (st != NSX_OK)
		set_errmsg(errmsg, msg);
	return st;
}

} // extern "C"
