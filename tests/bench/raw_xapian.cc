// raw_xapian.cc - the yardstick of nsearch's design: the same documents
// as nsearchd, and the same searches answered the cheapest correct way,
// written straight against Xapian in one process, with nothing of the
// daemon around them.
//
// It reads articles with the project's own parser and builds exactly the
// document src/daemon/docbuild.c builds (prefixes, wdf boosts, boolean
// terms, values, stored data): if docbuild.c changes, change this file
// too (the smoke test compares the two indexes).  Never linked into the
// daemon, and never through the shim's C API.
//
// Searching, it answers each query as any program using Xapian would to
// show ten hits with snippets: the query read as the daemon reads it
// (shim/policy.hh: stemming, stopwords, the fields), every word required,
// one match, each hit's stored data read for its text, and Xapian's fast
// snippet (flags 0: it stops at the first good passage).  No suggestion,
// no continuation with some of the words, no exhaustive snippets: what
// the daemon adds over that is its design's cost, and the ratio to this
// says what it is.  --as-daemon repeats the daemon's design instead (as
// nsx_reader_search() and query.c do it), to price its features; --window
// searches the cheapest way but cuts the daemon's window snippets
// (shim/snippet_window.hh), to price the socket and the daemon around
// the same work; --totals always searches as the daemon does, for the
// smoke test to hold its answers against the daemon's.
//
//   raw_xapian index DB ARTICLES [--batch N] [--spelling]
//                    (--spelling: what a spelling dictionary would cost;
//                    not what the daemon does)
//   raw_xapian query DB QUERIES [--threads T] [--seconds S] [--limit N]
//                    [--dump FILE] [--totals] [--warmup]
//                    [--as-daemon | --window]
//   raw_xapian compare DB_A DB_B   (the same documents?  for the smoke
//                    test: raw_compare.cc)
//   raw_xapian snippets DB QUERIES [--limit N] [--length L] [--examples K]
//                    (snippets cut three ways: raw_snippets.cc)

extern "C" {
#include "parse/article.h"
#include "daemon/query.h"
#include "daemon/schema.h"
}

#include <jansson.h>
#include <sys/stat.h>
#include <xapian.h>
#include <xxhash.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench.h"
#include "counting.hh"
#include "policy.hh"
#include "raw_xapian.hh"
#include "snippet_window.hh"

namespace {

const unsigned MAX_TERM = 240; // NSX_MAX_TERM
const size_t MAX_FILE = 8u << 20; // the daemon's --max-file-size

// ---- indexing -----------------------------------------------------------

struct Phases {
	double read = 0, parse = 0, termgen = 0, data = 0, spelling = 0,
	       replace = 0, commit = 0;
};

std::string lower_term(const char *prefix, const char *value)
{
	std::string t = prefix + Xapian::Unicode::tolower(value);
	return t.size() > MAX_TERM ? std::string() : t;
}

// As nsx_doc_new(): the article's language, else no stemming.
const Xapian::Stem &stemmer_for(const char *lang)
{
	static std::map<std::string, Xapian::Stem> cache;
	auto it = cache.find(lang);
	if (it != cache.end())
		return it->second;
	Xapian::Stem s;
	try {
		s = Xapian::Stem(lang);
	} catch (const Xapian::InvalidArgumentError &) {
	}
	return cache.emplace(lang, s).first->second;
}

struct TextIndexer {
	Xapian::TermGenerator tg;
	bool has_text = false;
	void start(Xapian::Document &doc, const char *lang)
	{
		nsx::set_up_indexing(tg, stemmer_for(lang));
		tg.set_document(doc);
		tg.set_termpos(0);
		has_text = false;
	}
	// As nsx_doc_index_text(): a position gap between fields, initials
	// folded.
	void text(const char *s, unsigned wdf, const char *prefix)
	{
		if (has_text)
			tg.increase_termpos();
		tg.index_text(nsx::fold_initials(std::string(s)), wdf, prefix);
		has_text = true;
	}
};

// Values separated by the shim's NSX_LIST_SEP, as set_list_value().
std::string joined(const ns_strv_t &v)
{
	std::string out;
	for (size_t i = 0; i < v.n; i++) {
		if (i)
			out += '\x1f';
		out += v.v[i];
	}
	return out;
}

// As ns_index_build_doc() and put_path() in src/daemon/index.c.
void build_doc(TextIndexer &ti, Xapian::Document &doc, const ns_article_t *a,
               Phases &ph)
{
	double t0 = bench_now();
	ti.start(doc, a->language);
	ti.text(a->title, NS_WDF_TITLE, "");
	ti.text(a->title, 1, NS_PREFIX_TITLE);
	ti.text(a->standfirst, NS_WDF_STANDFIRST, "");
	ti.text(a->body, NS_WDF_BODY, "");
	for (size_t i = 0; i < a->authors.n; i++) {
		ti.text(a->authors.v[i], 1, "");
		ti.text(a->authors.v[i], 1, NS_PREFIX_AUTHOR);
		std::string t = lower_term(NS_PREFIX_AUTHOR_EXACT, a->authors.v[i]);
		if (!t.empty())
			doc.add_boolean_term(t);
	}
	for (size_t i = 0; i < a->tags.n; i++) {
		std::string t = lower_term(NS_PREFIX_TAG, a->tags.v[i]);
		if (!t.empty())
			doc.add_boolean_term(t);
	}
	if (a->section[0]) {
		std::string t = lower_term(NS_PREFIX_SECTION, a->section);
		if (!t.empty())
			doc.add_boolean_term(t);
	}
	doc.add_boolean_term(lower_term(NS_PREFIX_LANG, a->language));
	if (a->date[0]) {
		const char *d = a->date, *tm = a->time;
		char ymd[9] = {d[0], d[1], d[2], d[3], d[5], d[6], d[8], d[9], 0};
		char when[13];
		snprintf(when, sizeof when, "%s%.2s%.2s", ymd, tm[0] ? tm : "00",
		         tm[0] ? tm + 3 : "00");
		doc.add_value(NS_SLOT_DATE, ymd);
		doc.add_value(NS_SLOT_DATETIME, when);
		doc.add_boolean_term(std::string(NS_PREFIX_YEAR) + std::string(ymd, 4));
		doc.add_boolean_term(std::string(NS_PREFIX_MONTH) + std::string(ymd, 6));
		doc.add_boolean_term(std::string(NS_PREFIX_DAY) + ymd);
	}
	// As add_facet_values(): facet slots and the hash duplicates share.
	doc.add_value(NS_SLOT_TAGS, joined(a->tags));
	doc.add_value(NS_SLOT_AUTHORS, joined(a->authors));
	if (a->section[0])
		doc.add_value(NS_SLOT_SECTION, a->section);
	if (a->language[0])
		doc.add_value(NS_SLOT_LANG, a->language);
	char hex[17];
	unsigned long long h = XXH3_64bits(a->title, strlen(a->title));
	h = XXH3_64bits_withSeed(a->standfirst, strlen(a->standfirst), h);
	h = XXH3_64bits_withSeed(a->body, strlen(a->body), h);
	snprintf(hex, sizeof hex, "%016llx", h);
	doc.add_value(NS_SLOT_CONTENT, hex);
	ph.termgen += bench_now() - t0;
}

// The terms --spelling feeds a spelling dictionary: plain words.
bool plain_word(const std::string &t)
{
	if (t.size() < 2 || t.size() > 40)
		return false;
	unsigned char c = static_cast<unsigned char>(t[0]);
	if (c >= 'A' && c <= 'Z')
		return false;
	return t.find_first_of("0123456789") == std::string::npos;
}

// One indexing run: the database, what it has done, where the time went.
struct Indexer {
	Xapian::WritableDatabase db;
	unsigned batch;
	bool spelling;
	TextIndexer ti;
	Phases ph;
	size_t docs = 0, failed = 0, pending = 0;
	unsigned long long bytes_total = 0;
	ns_parse_opts_t opts = {"en"};
	char tag[64];

	Indexer(const char *path, unsigned batch_, bool spelling_)
		: db(path, Xapian::DB_CREATE_OR_OPEN), batch(batch_),
		  spelling(spelling_)
	{
		// As index.c's meta tag: layout, default language, size limit,
		// and main.c's hash of no --ignore rules (FNV-1a's offset
		// basis), so that nsearchd started on this index finds every
		// file already known.
		snprintf(tag, sizeof tag, "%d:%.15s:%zu:%08x", NS_INDEX_LAYOUT,
		         "en", MAX_FILE, 2166136261u);
	}

	// Read, hash and parse ROOT/REL as the daemon's readers-ahead do,
	// and index it.
	void file(const std::string &root, const char *rel)
	{
		double t0 = bench_now();
		std::string full = root + "/" + rel;
		struct stat sb;
		char *bytes = NULL;
		size_t len = 0;
		if (lstat(full.c_str(), &sb) < 0 || !S_ISREG(sb.st_mode) ||
		    ns_read_file(full.c_str(), MAX_FILE, &bytes, &len) != NS_OK) {
			failed++;
			return;
		}
		unsigned long long hash = XXH3_64bits(bytes, len) | 1;
		double read_ns = bench_wall_ns();
		bytes_total += len;
		double t1 = bench_now();
		ph.read += t1 - t0;
		ns_article_t *a = NULL;
		char why[300];
		const char *base = strrchr(rel, '/');
		ns_status_t st = ns_article_parse(bytes, len, base ? base + 1 : rel,
		                                  &opts, &a, why, sizeof why);
		free(bytes);
		ph.parse += bench_now() - t1;
		if (st != NS_OK || a->draft) {
			ns_article_free(a);
			failed++;
			return;
		}
		ns_article_from_path(a, rel);
		add(a, rel, meta(sb, hash, read_ns, rel));
		ns_article_free(a);
	}

	// The file's value in NS_SLOT_FILE, as index.c's meta_value().
	std::string meta(const struct stat &sb, unsigned long long hash,
	                 double read_ns, const char *rel)
	{
		char m[600];
		snprintf(m, sizeof m, "%s %lld %lld %lld %llu %016llx %lld %s", tag,
		         (long long)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec,
		         (long long)sb.st_ctim.tv_sec * 1000000000 + sb.st_ctim.tv_nsec,
		         (long long)sb.st_size, (unsigned long long)sb.st_ino, hash,
		         (long long)read_ns, rel);
		return m;
	}

	// Build A's document and replace it as the writer does, committing
	// every BATCH documents.
	void add(const ns_article_t *a, const char *rel, const std::string &file)
	{
		Xapian::Document doc;
		build_doc(ti, doc, a, ph);
		double t3 = bench_now();
		// As stored.c: the fields' JSON without the body, a NUL, the
		// body.
		json_t *o = ns_article_json(a, rel);
		json_object_del(o, "body");
		char *fields = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		std::string data(fields);
		free(fields);
		data.push_back('\0');
		data.append(a->body);
		doc.set_data(data);
		doc.add_value(NS_SLOT_FILE, file);
		std::string idterm = std::string(NS_PREFIX_ID) + rel;
		doc.add_boolean_term(idterm);
		double t4 = bench_now();
		ph.data += t4 - t3;
		// With --spelling only: what a spelling table would cost.
		for (auto t = doc.termlist_begin(); spelling && t != doc.termlist_end();
		     ++t)
			if (plain_word(*t))
				db.add_spelling(*t);
		double t5 = bench_now();
		ph.spelling += t5 - t4;
		db.replace_document(idterm, doc);
		double t6 = bench_now();
		ph.replace += t6 - t5;
		docs++;
		if (++pending >= batch) {
			db.commit();
			pending = 0;
			ph.commit += bench_now() - t6;
		}
	}

	void finish()
	{
		double t0 = bench_now();
		db.commit();
		db.close();
		ph.commit += bench_now() - t0;
	}
};

int cmd_index(const char *db_path, const char *root, unsigned batch,
              bool spelling)
{
	bench_list_t files = bench_walk(root);
	Indexer ix(db_path, batch, spelling);
	double start = bench_now();
	for (size_t i = 0; i < files.n; i++)
		ix.file(root, files.v[i]);
	ix.finish();
	double secs = bench_now() - start;
	const Phases &ph = ix.ph;
	printf("{\"engine\":\"raw-xapian\",\"files\":%zu,\"docs\":%zu,"
	       "\"failed\":%zu,\"bytes\":%llu,\"seconds\":%.3f,"
	       "\"docs_per_s\":%.1f,\"mb_per_s\":%.3f,\"phases\":{"
	       "\"read_hash\":%.3f,\"parse\":%.3f,\"termgen\":%.3f,"
	       "\"data_json\":%.3f,\"spelling\":%.3f,\"replace\":%.3f,"
	       "\"commit\":%.3f}}\n",
	       files.n, ix.docs, ix.failed, ix.bytes_total, secs, ix.docs / secs,
	       ix.bytes_total / 1e6 / secs, ph.read, ph.parse, ph.termgen,
	       ph.data, ph.spelling, ph.replace, ph.commit);
	bench_list_free(&files);
	return 0;
}

// ---- searching ---------------------------------------------------------

struct Searcher {
	Xapian::Database db;
	Xapian::QueryParser qp;
	const bench_list_t *queries;
	unsigned limit;
	bool as_daemon;  // the daemon's design, not the cheapest search
	bool window;     // the cheapest search, with the daemon's snippets
	explicit Searcher(const char *path, const bench_list_t *q, unsigned lim,
	                  bool as_daemon_ = false, bool window_ = false)
		: db(path), queries(q), limit(lim), as_daemon(as_daemon_),
		  window(window_)
	{
		raw_set_up_fields(qp, db);
	}

	// The cheapest correct way to show QUERY's first LIMIT hits with
	// snippets: every word, one match, Xapian's fast snippets.  Returns
	// Xapian's estimate; *NHITS the hits shown.
	Xapian::doccount search(const char *q, size_t *nhits)
	{
		Xapian::Stem stem("english", true);
		unsigned flags = nsx::set_up_parser(
			qp, stem, nsx::query_stopper("english", q),
			NS_DEFAULT_MAX_EXPANSION);
		qp.set_default_op(Xapian::Query::OP_AND);
		Xapian::Query text = qp.parse_query(nsx::fold_query(q), flags);
		Xapian::Enquire enq(db);
		enq.set_query(text);
		enq.set_weighting_scheme(nsx::ranking());
		Xapian::MSet mset = enq.get_mset(0, limit);
		nsx::SnippetWords words;
		if (window)
			words = nsx::snippet_words(text, stem);
		size_t n = hits(mset, stem, 0, window ? &words : nullptr);
		if (nhits)
			*nhits = n;
		return mset.get_matches_estimated();
	}

	// One search as nsx_reader_search() + fill_hit() do it for a plain
	// request (match "auto", a suggestion, no filter, no facet):
	// parse, match, go on with some of the words when few have all,
	// read every hit's stored data and cut its snippet exhaustively, in
	// a window of a long text (snippet_window.hh).
	// Returns the estimate the daemon reports as "total".
	Xapian::doccount search_as_daemon(const char *q, size_t *nhits,
	                                  Xapian::doccount *lo = nullptr,
	                                  Xapian::doccount *hi = nullptr)
	{
		Xapian::Stem stem("english", true);
		unsigned flags = nsx::set_up_parser(
			qp, stem, nsx::query_stopper("english", q),
			NS_DEFAULT_MAX_EXPANSION);
		qp.set_default_op(Xapian::Query::OP_AND);
		const std::string folded = nsx::fold_query(q);
		Xapian::Query text = qp.parse_query(folded, flags), loose;
		qp.set_default_op(Xapian::Query::OP_OR);
		loose = qp.parse_query(folded, flags);
		std::string suggestion = suggest(q, stem);

		// As the shim's search: the best of the first ranking are
		// reordered by word closeness, and the list goes on with the
		// documents that have some of the words when few have all.
		Xapian::Query boost = nsx::proximity_boost(nsx::word_pairs(
		        folded, nsx::query_stopper("english", q)));
		Xapian::Query first = text, more;
		bool relaxes = false;
		if (!boost.empty()) {
			Xapian::MSet top = run(text, 0, nsx::RESCORE_WINDOW, 0);
			first = nsx::rescored(db, text, boost, top,
			                      NS_PREFIX_ID, true);
			relaxes = nsx::relaxes(top, text, loose);
			more = Xapian::Query(Xapian::Query::OP_AND_NOT, loose,
			                     text);
			if (relaxes)
				more = nsx::rescored(
				        db, more, boost,
				        run(more, 0, nsx::RESCORE_WINDOW, 0),
				        NS_PREFIX_ID, true);
		}
		Xapian::MSet mset;
		nsx::Count all = page(first, limit, &mset);
		if (boost.empty()) {
			relaxes = nsx::relaxes(mset, text, loose);
			more = Xapian::Query(Xapian::Query::OP_AND_NOT, loose,
			                     text);
		}
		size_t shown = mset.size();
		Xapian::MSet rest;
		nsx::Count some{ 0, true };
		if (relaxes) {
			some = page(more, limit - shown, &rest,
			            nsx::COUNT_LIMIT - all.n);
			if (rest.get_matches_upper_bound() == 0)
				some = { 0, true };
		}
		// The daemon's snippets: exhaustive, in a window of a long
		// text where the words of every word's query are (results.cc).
		nsx::SnippetWords words = nsx::snippet_words(text, stem);
		size_t n = hits(mset, stem, nsx::SNIPPET_FLAGS, &words) +
		           hits(rest, stem, nsx::SNIPPET_FLAGS, &words);
		if (nhits)
			*nhits = n;
		Xapian::doccount total =
		        std::min(all.n + some.n, nsx::COUNT_LIMIT);
		bool exact = all.exact && some.exact &&
		             all.n + some.n <= nsx::COUNT_LIMIT;
		if (lo)
			*lo = total;
		if (hi)
			*hi = exact ? total
			            : std::max(
			                      total,
			                      mset.get_matches_upper_bound() +
			                              rest.get_matches_upper_bound());
		return total;
	}

	// As the shim's page_of() for the first page of a default request
	// on one index (page_counted_apart()): the page's match collapsed on
	// the content hash, and unless it ran out of matches, the stories
	// counted (to LIMIT) by an unranked match of their own.
	nsx::Count page(const Xapian::Query &q, Xapian::doccount max,
	                Xapian::MSet *out,
	                Xapian::doccount limit = nsx::COUNT_LIMIT)
	{
		Xapian::Enquire enq(db);
		enq.set_query(q);
		enq.set_weighting_scheme(nsx::ranking());
		enq.set_collapse_key(NS_SLOT_CONTENT);
		*out = enq.get_mset(0, max, std::max(max, nsx::RELAX_BELOW));
		if (out->size() < max)
			return nsx::count_of(*out, limit);
		nsx::KeyCounter keys(NS_SLOT_CONTENT);
		Xapian::Enquire all(db);
		all.set_query(q);
		all.set_weighting_scheme(Xapian::BoolWeight());
		(void)all.get_mset(0, 0, nsx::count_check(limit), nullptr,
		                   &keys);
		nsx::Count n = nsx::count_keys(keys, limit, false);
		if (!n.exact && n.n < out->size())
			n.n = out->size();
		return n;
	}

	Xapian::MSet run(const Xapian::Query &q, Xapian::doccount first,
	                 Xapian::doccount max, Xapian::doccount check)
	{
		Xapian::Enquire enq(db);
		enq.set_query(q);
		enq.set_weighting_scheme(nsx::ranking());
		return enq.get_mset(first, max, check);
	}

	// Like the shim's suggest(), more simply: every word the shim would
	// look at (policy.hh's next_correctable()) that the index does not
	// know (as it is, or stemmed) is looked up among the indexed words
	// with its first letter, within two edits.
	std::string suggest(const std::string &q, const Xapian::Stem &stem)
	{
		std::string out;
		Xapian::Utf8Iterator it(q);
		size_t start, stop;
		while (nsx::next_correctable(q, it, &start, &stop)) {
			std::string lw = Xapian::Unicode::tolower(
				q.substr(start, stop - start));
			if (db.term_exists(lw) || db.term_exists("Z" + stem(lw)))
				continue;
			out += closest(lw);
		}
		return out;
	}

	std::string closest(const std::string &w)
	{
		if (w.size() < 3)
			return std::string();
		std::string best;
		unsigned best_d = 3;
		for (auto t = db.allterms_begin(w.substr(0, 1));
		     t != db.allterms_end(w.substr(0, 1)); ++t) {
			const std::string &c = *t;
			if (c.size() + 2 < w.size() || c.size() > w.size() + 8)
				continue;
			unsigned d = distance(w, c, best_d);
			if (d < best_d) {
				best = c;
				best_d = d;
			}
		}
		return best;
	}

	// Levenshtein distance of A and B, or MAX + 1 once it must exceed MAX.
	static unsigned distance(const std::string &a, const std::string &b,
	                         unsigned max)
	{
		std::vector<unsigned> prev(b.size() + 1), cur(b.size() + 1);
		for (size_t j = 0; j <= b.size(); j++)
			prev[j] = static_cast<unsigned>(j);
		for (size_t i = 1; i <= a.size(); i++) {
			cur[0] = static_cast<unsigned>(i);
			unsigned row_min = cur[0];
			for (size_t j = 1; j <= b.size(); j++) {
				cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1,
				                   prev[j - 1] + (a[i - 1] != b[j - 1])});
				row_min = std::min(row_min, cur[j]);
			}
			if (row_min > max)
				return max + 1;
			prev.swap(cur);
		}
		return prev[b.size()];
	}

	// Read each hit's stored data and cut its snippet with FLAGS, or as
	// the daemon does when WORDS are given (snippet_window.hh).
	size_t hits(const Xapian::MSet &mset, const Xapian::Stem &stem,
	            unsigned flags, const nsx::SnippetWords *words = nullptr)
	{
		size_t n = 0;
		for (auto it = mset.begin(); it != mset.end(); ++it, ++n) {
			std::string text = raw_snippet_text(
				it.get_document().get_data());
			// query.c's default length and highlighting.
			std::string snip =
				words ? nsx::window_snippet(mset, text, 200, stem,
				                            nsx::SNIPPET_FLAGS, "<b>",
				                            "</b>", nsx::SNIPPET_OMIT,
				                            *words)
				      : mset.snippet(text, 200, stem, flags, "<b>",
				                     "</b>", nsx::SNIPPET_OMIT);
			(void)snip;
		}
		return n;
	}
};

struct QueryArgs {
	const char *db;
	const bench_list_t *queries;
	unsigned limit;
	bool as_daemon, window;
};

void *open_searcher(void *arg, int)
{
	QueryArgs *qa = static_cast<QueryArgs *>(arg);
	try {
		return new Searcher(qa->db, qa->queries, qa->limit, qa->as_daemon,
		                    qa->window);
	} catch (const Xapian::Error &e) {
		fprintf(stderr, "raw_xapian: %s\n", e.get_description().c_str());
		return NULL;
	}
}

int run_query(void *ctx, size_t i)
{
	Searcher *s = static_cast<Searcher *>(ctx);
	try {
		const char *q = s->queries->v[i];
		if (s->as_daemon)
			s->search_as_daemon(q, NULL);
		else
			s->search(q, NULL);
		return 0;
	} catch (const std::exception &e) {
		fprintf(stderr, "raw_xapian: %s: %s\n", s->queries->v[i], e.what());
	} catch (const Xapian::Error &e) {
		fprintf(stderr, "raw_xapian: %s: %s\n", s->queries->v[i],
		        e.get_description().c_str());
	}
	return 1;
}

void close_searcher(void *ctx)
{
	delete static_cast<Searcher *>(ctx);
}

// A run of QA's queries on THREADS threads for SECONDS (0: each once).
bench_run_t searches(QueryArgs *qa, int threads, double seconds)
{
	bench_run_t r = {};
	r.nqueries = qa->queries->n;
	r.threads = threads;
	r.seconds = seconds;
	r.open = open_searcher;
	r.run = run_query;
	r.close = close_searcher;
	r.arg = qa;
	return r;
}

int cmd_query(const char *db, const char *qfile, int threads, double seconds,
              unsigned limit, const char *dump, bool totals, bool warmup,
              bool as_daemon, bool window)
{
	bench_list_t queries = bench_read_lines(qfile);
	QueryArgs qa = {db, &queries, limit, as_daemon, window};
	if (totals) {
		// One line per query: the total as the daemon counts it, its
		// bounds and the hits returned, for the smoke test to hold
		// against the daemon's: so, searched as the daemon does.
		Searcher s(db, &queries, limit, true);
		for (size_t i = 0; i < queries.n; i++) {
			size_t n = 0;
			Xapian::doccount lo = 0, hi = 0;
			Xapian::doccount t = s.search_as_daemon(queries.v[i], &n, &lo,
			                                        &hi);
			printf("%u\t%u\t%u\t%zu\n", t, lo, hi, n);
		}
		bench_list_free(&queries);
		return 0;
	}
	if (warmup) {
		bench_run_t w = searches(&qa, 1, 0);
		bench_run(&w);
		free(w.lat_ms);
	}
	bench_run_t r = searches(&qa, threads, seconds);
	bench_run(&r);
	bench_report(&r, "raw-xapian");
	bench_dump(&r, dump);
	free(r.lat_ms);
	bench_list_free(&queries);
	return r.errors ? 1 : 0;
}

int usage()
{
	fprintf(stderr,
	        "usage: raw_xapian index DB ARTICLES [--batch N] [--spelling]\n"
	        "       raw_xapian compare DB_A DB_B\n"
	        "       raw_xapian snippets DB QUERIES [--limit N] [--length L]\n"
	        "                  [--examples K]\n"
	        "       raw_xapian query DB QUERIES [--threads T] [--seconds S]\n"
	        "                  [--limit N] [--dump FILE] [--totals] [--warmup]\n"
	        "                  [--as-daemon | --window]\n");
	return 2;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 4)
		return usage();
	std::string cmd = argv[1];
	unsigned batch = 1000, limit = 10, examples = 10;
	size_t length = 200;
	int threads = 1;
	double seconds = 0;
	const char *dump = NULL;
	// The daemon keeps no spelling table (suggestions come from the term
	// list): --spelling prices what one would cost.
	bool totals = false, warmup = false, spelling = false, as_daemon = false,
	     window = false;
	for (int i = 4; i < argc; i++) {
		std::string o = argv[i];
		bool more = i + 1 < argc;
		if (o == "--batch" && more)
			batch = (unsigned)atoi(argv[++i]);
		else if (o == "--threads" && more)
			threads = atoi(argv[++i]);
		else if (o == "--seconds" && more)
			seconds = atof(argv[++i]);
		else if (o == "--limit" && more)
			limit = (unsigned)atoi(argv[++i]);
		else if (o == "--length" && more)
			length = (size_t)atoi(argv[++i]);
		else if (o == "--examples" && more)
			examples = (unsigned)atoi(argv[++i]);
		else if (o == "--dump" && more)
			dump = argv[++i];
		else if (o == "--totals")
			totals = true;
		else if (o == "--warmup")
			warmup = true;
		else if (o == "--no-spelling")
			spelling = false;
		else if (o == "--spelling")
			spelling = true;
		else if (o == "--as-daemon")
			as_daemon = true;
		else if (o == "--window")
			window = true;
		else
			return usage();
	}
	if (batch < 1 || threads < 1 || limit < 1 || length < 1)
		return usage();
	try {
		if (cmd == "index")
			return cmd_index(argv[2], argv[3], batch, spelling);
		if (cmd == "compare")
			return cmd_compare(argv[2], argv[3]);
		if (cmd == "snippets")
			return cmd_snippets(argv[2], argv[3], limit, length, examples);
		if (cmd == "query")
			return cmd_query(argv[2], argv[3], threads, seconds, limit, dump,
			                 totals, warmup, as_daemon, window);
	} catch (const Xapian::Error &e) {
		fprintf(stderr, "raw_xapian: %s\n", e.get_description().c_str());
		return 1;
	}
	return usage();
}
