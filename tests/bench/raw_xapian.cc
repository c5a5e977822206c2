// raw_xapian.cc - the limit of nsearch's design: the same documents and
// the same searches as nsearchd, written straight against Xapian in one
// process, with nothing of the daemon around them.
//
// It reads articles with the project's own parser and builds exactly the
// document src/daemon/index.c builds (prefixes, wdf boosts, boolean terms,
// values, stored data), and searches as src/daemon/query.c asks the shim
// to.  The shim's rules (stemming and TermGenerator flags, query parser
// set-up, BM25, relaxing to some words, snippets) come from shim/policy.hh,
// which the shim follows too; the rest is written again here, straight
// against Xapian: if index.c or query.c changes, change this file too, for
// the benchmark compares like with like or it says nothing.  Never linked
// into the daemon, and never through the shim's C API.
//
//   raw_xapian index DB ARTICLES [--batch N] [--no-spelling]
//                    (--no-spelling: what the spelling dictionary costs;
//                    not what the daemon does)
//   raw_xapian query DB QUERIES [--threads T] [--seconds S] [--limit N]
//                    [--dump FILE] [--totals] [--warmup] [--lean]
//                    (--lean: every word, no spelling suggestion, no
//                    relaxing to some words: what the features cost)
//   raw_xapian compare DB_A DB_B   (the same documents?  for the smoke test)

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
#include "policy.hh"

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
		json_t *o = ns_article_json(a, rel);
		char *data = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		doc.set_data(data);
		free(data);
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

// Like shim/parse.cc's field processors for tag:, section:, lang: and
// single dates (without its checks for bad values).
class LowerTermProcessor : public Xapian::FieldProcessor {
	std::string prefix;
public:
	explicit LowerTermProcessor(const std::string &p) : prefix(p) {}
	Xapian::Query operator()(const std::string &value) override
	{
		return Xapian::Query(prefix + Xapian::Unicode::tolower(value));
	}
};

class DateFieldProcessor : public Xapian::FieldProcessor {
public:
	Xapian::Query operator()(const std::string &v) override
	{
		std::string digits;
		for (char c : v)
			if (c != '-')
				digits += c;
		for (char c : digits)
			if (c < '0' || c > '9')
				throw Xapian::QueryParserError("not a date");
		if (digits.size() == 8)
			return Xapian::Query(NS_PREFIX_DAY + digits);
		if (digits.size() == 6)
			return Xapian::Query(NS_PREFIX_MONTH + digits);
		if (digits.size() == 4)
			return Xapian::Query(NS_PREFIX_YEAR + digits);
		throw Xapian::QueryParserError("not a date");
	}
};

struct Searcher {
	Xapian::Database db;
	Xapian::QueryParser qp;
	const bench_list_t *queries;
	unsigned limit;
	bool lean;  // all words only: no suggestion, no relaxing
	explicit Searcher(const char *path, const bench_list_t *q, unsigned lim,
	                  bool lean_ = false)
		: db(path), queries(q), limit(lim), lean(lean_)
	{
		// As src/daemon/query.c's borrow(): the fields and the date range.
		qp.set_database(db);
		qp.add_rangeprocessor(
			(new Xapian::DateRangeProcessor(NS_SLOT_DATE, "date:"))->release());
		qp.add_boolean_prefix("date", (new DateFieldProcessor)->release());
		qp.add_prefix("title", NS_PREFIX_TITLE);
		qp.add_prefix("author", NS_PREFIX_AUTHOR);
		qp.add_boolean_prefix("tag",
			(new LowerTermProcessor(NS_PREFIX_TAG))->release());
		qp.add_boolean_prefix("section",
			(new LowerTermProcessor(NS_PREFIX_SECTION))->release());
		qp.add_boolean_prefix("lang",
			(new LowerTermProcessor(NS_PREFIX_LANG))->release());
	}

	// One search as nsx_reader_search() + fill_hit() do it for a plain
	// request (match "auto", a suggestion, no filter, no facet):
	// parse, match, read every hit's stored data and cut its snippet.
	// Returns the estimate the daemon reports as "total".
	Xapian::doccount search(const char *q, size_t *nhits,
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
		if (!lean) {
			qp.set_default_op(Xapian::Query::OP_OR);
			loose = qp.parse_query(folded, flags);
			std::string suggestion = suggest(q, stem);
		}

		// As the shim's search: the best of the first ranking are
		// reordered by word closeness, and the list goes on with the
		// documents that have some of the words when few have all.
		Xapian::Query boost, first = text, more;
		if (!lean)
			boost = nsx::proximity_boost(nsx::word_pairs(
				folded, nsx::query_stopper("english", q)));
		bool relaxes = false;
		if (!boost.empty()) {
			Xapian::MSet top = run(text, 0, nsx::RESCORE_WINDOW, 0);
			first = nsx::rescored(text, boost, top);
			relaxes = nsx::relaxes(top, text, loose);
			more = Xapian::Query(Xapian::Query::OP_AND_NOT, loose, text);
			if (relaxes)
				more = nsx::rescored(more, boost,
				                     run(more, 0, nsx::RESCORE_WINDOW, 0));
		}
		Xapian::MSet mset = run(first, 0, limit,
		                        std::max(limit, nsx::RELAX_BELOW));
		if (boost.empty()) {
			relaxes = nsx::relaxes(mset, text, loose);
			more = Xapian::Query(Xapian::Query::OP_AND_NOT, loose, text);
		}
		Xapian::MSet rest;
		bool relaxed = false;
		if (relaxes) {
			Xapian::doccount count = limit - mset.size();
			rest = run(more, 0, count, std::max(count, nsx::EXACT_BELOW));
			relaxed = rest.get_matches_upper_bound() > 0;
		}
		size_t n = hits(mset, stem) + hits(rest, stem);
		if (nhits)
			*nhits = n;
		if (lo)
			*lo = mset.get_matches_lower_bound() +
			      (relaxed ? rest.get_matches_lower_bound() : 0);
		if (hi)
			*hi = mset.get_matches_upper_bound() +
			      (relaxed ? rest.get_matches_upper_bound() : 0);
		return mset.get_matches_estimated() +
		       (relaxed ? rest.get_matches_estimated() : 0);
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

	size_t hits(const Xapian::MSet &mset, const Xapian::Stem &stem)
	{
		size_t n = 0;
		for (auto it = mset.begin(); it != mset.end(); ++it, ++n) {
			std::string data = it.get_document().get_data();
			json_t *o = json_loadb(data.data(), data.size(), 0, NULL);
			if (!o)
				throw std::runtime_error("stored data is not JSON");
			const char *sf = json_string_value(json_object_get(o, "standfirst"));
			const char *body = json_string_value(json_object_get(o, "body"));
			std::string text;
			if (sf && *sf)
				text.append(sf).append("\n\n");
			if (body)
				text.append(body);
			if (text.empty())
				text = json_string_value(json_object_get(o, "title"));
			// query.c's default length and highlighting.
			std::string snip = mset.snippet(text, 200, stem,
			                                nsx::SNIPPET_FLAGS, "<b>", "</b>",
			                                nsx::SNIPPET_OMIT);
			(void)snip;
			json_decref(o);
		}
		return n;
	}
};

struct QueryArgs {
	const char *db;
	const bench_list_t *queries;
	unsigned limit;
	bool lean;
};

void *open_searcher(void *arg, int)
{
	QueryArgs *qa = static_cast<QueryArgs *>(arg);
	try {
		return new Searcher(qa->db, qa->queries, qa->limit, qa->lean);
	} catch (const Xapian::Error &e) {
		fprintf(stderr, "raw_xapian: %s\n", e.get_description().c_str());
		return NULL;
	}
}

int run_query(void *ctx, size_t i)
{
	Searcher *s = static_cast<Searcher *>(ctx);
	try {
		s->search(s->queries->v[i], NULL);
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
              bool lean)
{
	bench_list_t queries = bench_read_lines(qfile);
	QueryArgs qa = {db, &queries, limit, lean};
	if (totals) {
		// One line per query: Xapian's estimate, its bounds and the hits
		// returned, for the smoke test to hold against the daemon's.
		Searcher s(db, &queries, limit, lean);
		for (size_t i = 0; i < queries.n; i++) {
			size_t n = 0;
			Xapian::doccount lo = 0, hi = 0;
			Xapian::doccount t = s.search(queries.v[i], &n, &lo, &hi);
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

// ---- checking ------------------------------------------------------------

// Does the index at B hold the same documents as the one at A: the same
// terms with the same wdf and positions, values and stored data, and the
// same spelling dictionary?  Only the file metadata slot (times, inode)
// may differ.  This keeps the raw loop honest as index.c changes.
std::string describe_doc(const Xapian::Document &d)
{
	std::string out;
	for (auto t = d.termlist_begin(); t != d.termlist_end(); ++t) {
		out += *t + " wdf=" + std::to_string(t.get_wdf()) + " pos=";
		for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
			out += std::to_string(*p) + ",";
		out += "\n";
	}
	for (auto v = d.values_begin(); v != d.values_end(); ++v)
		if (v.get_valueno() != NS_SLOT_FILE)
			out += "value " + std::to_string(v.get_valueno()) + "=" + *v + "\n";
	return out + "data=" + d.get_data();
}

int cmd_compare(const char *pa, const char *pb)
{
	Xapian::Database a(pa), b(pb);
	size_t docs = 0, bad = 0;
	for (auto t = a.allterms_begin(NS_PREFIX_ID);
	     t != a.allterms_end(NS_PREFIX_ID); ++t) {
		auto pb_it = b.postlist_begin(*t);
		if (pb_it == b.postlist_end(*t)) {
			if (!bad++)
				fprintf(stderr, "compare: %s only in %s\n", (*t).c_str(), pa);
			continue;
		}
		std::string da = describe_doc(a.get_document(*a.postlist_begin(*t)));
		std::string db = describe_doc(b.get_document(*pb_it));
		if (da != db && !bad++) {
			size_t k = 0;
			while (k < da.size() && k < db.size() && da[k] == db[k])
				k++;
			size_t from = da.rfind('\n', k);
			from = from == std::string::npos ? 0 : from + 1;
			fprintf(stderr, "compare: %s differs:\n  %s: %.200s\n  %s: %.200s\n",
			        (*t).c_str(), pa, da.c_str() + from, pb,
			        db.c_str() + std::min(from, db.size()));
		}
		docs++;
	}
	if (a.get_doccount() != b.get_doccount()) {
		fprintf(stderr, "compare: %u documents in %s, %u in %s\n",
		        a.get_doccount(), pa, b.get_doccount(), pb);
		bad++;
	}
	std::string sa, sb;
	for (auto w = a.spellings_begin(); w != a.spellings_end(); ++w)
		sa += *w + " " + std::to_string(w.get_termfreq()) + "\n";
	for (auto w = b.spellings_begin(); w != b.spellings_end(); ++w)
		sb += *w + " " + std::to_string(w.get_termfreq()) + "\n";
	if (sa != sb) {
		fprintf(stderr, "compare: the spelling dictionaries differ\n");
		bad++;
	}
	printf("{\"documents\":%zu,\"mismatches\":%zu}\n", docs, bad);
	return bad ? 1 : 0;
}

int usage()
{
	fprintf(stderr,
	        "usage: raw_xapian index DB ARTICLES [--batch N] [--no-spelling]\n"
	        "       raw_xapian compare DB_A DB_B\n"
	        "       raw_xapian query DB QUERIES [--threads T] [--seconds S]\n"
	        "                  [--limit N] [--dump FILE] [--totals] [--warmup]\n"
	        "                  [--lean]\n");
	return 2;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 4)
		return usage();
	std::string cmd = argv[1];
	unsigned batch = 1000, limit = 10;
	int threads = 1;
	double seconds = 0;
	const char *dump = NULL;
	// The daemon keeps no spelling table (suggestions come from the term
	// list): --spelling prices what one would cost.
	bool totals = false, warmup = false, spelling = false, lean = false;
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
		else if (o == "--lean")
			lean = true;
		else
			return usage();
	}
	if (batch < 1 || threads < 1 || limit < 1)
		return usage();
	try {
		if (cmd == "index")
			return cmd_index(argv[2], argv[3], batch, spelling);
		if (cmd == "compare")
			return cmd_compare(argv[2], argv[3]);
		if (cmd == "query")
			return cmd_query(argv[2], argv[3], threads, seconds, limit, dump,
			                 totals, warmup, lean);
	} catch (const Xapian::Error &e) {
		fprintf(stderr, "raw_xapian: %s\n", e.get_description().c_str());
		return 1;
	}
	return usage();
}
