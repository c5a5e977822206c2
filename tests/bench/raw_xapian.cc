// raw_xapian.cc - the limit of nsearch's design: the same documents and
// the same searches as nsearchd, written straight against Xapian in one
// process, with nothing of the daemon around them.
//
// It reads articles with the project's own parser and builds exactly the
// document src/index.c builds (prefixes, wdf boosts, boolean terms, values,
// stored data, stemmer, TermGenerator flags), and searches with the query
// parser settings and snippet flags of shim/nsx.cc and src/query.c.  If
// either side changes, change this file too: the benchmark compares like
// with like or it says nothing.  Never linked into the daemon.
//
//   raw_xapian index DB ARTICLES [--batch N]
//   raw_xapian query DB QUERIES [--threads T] [--seconds S] [--limit N]
//                    [--dump FILE] [--totals] [--warmup]

extern "C" {
#include "nsearch/article.h"
#include "nsearch/schema.h"
}

#include <jansson.h>
#include <sys/stat.h>
#include <xapian.h>
#include <xxhash.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench.h"

namespace {

const unsigned MAX_TERM = 240; // NSX_MAX_TERM
const size_t MAX_FILE = 8u << 20; // the daemon's --max-file-size

// ---- indexing -----------------------------------------------------------

struct Phases {
	double read = 0, parse = 0, termgen = 0, data = 0, replace = 0,
	       commit = 0;
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
		tg.set_stemmer(stemmer_for(lang));
		tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
		tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
		tg.set_document(doc);
		tg.set_termpos(0);
		has_text = false;
	}
	// As nsx_doc_index_text(): a position gap between fields.
	void text(const char *s, unsigned wdf, const char *prefix)
	{
		if (has_text)
			tg.increase_termpos();
		tg.index_text(std::string(s), wdf, prefix);
		has_text = true;
	}
};

// As ns_index_build_doc() and put_path() in src/index.c.
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
	ph.termgen += bench_now() - t0;
}

int cmd_index(const char *db_path, const char *root, unsigned batch)
{
	bench_list_t files = bench_walk(root);
	Xapian::WritableDatabase db(db_path, Xapian::DB_CREATE_OR_OPEN);
	TextIndexer ti;
	Phases ph;
	size_t docs = 0, failed = 0, pending = 0;
	unsigned long long bytes_total = 0;
	// As index.c's meta tag: layout, default language, size limit, rules.
	char tag[64];
	snprintf(tag, sizeof tag, "%d:%.15s:%zu:%08x", NS_INDEX_LAYOUT, "en",
	         MAX_FILE, 0u);
	ns_parse_opts_t opts = {"en"};
	std::string full;
	double start = bench_now();
	for (size_t i = 0; i < files.n; i++) {
		const char *rel = files.v[i];
		double t0 = bench_now();
		full.assign(root).append("/").append(rel);
		struct stat sb;
		char *bytes = NULL;
		size_t len = 0;
		if (lstat(full.c_str(), &sb) < 0 || !S_ISREG(sb.st_mode) ||
		    ns_read_file(full.c_str(), MAX_FILE, &bytes, &len) != NS_OK) {
			failed++;
			continue;
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
		double t2 = bench_now();
		ph.parse += t2 - t1;
		if (st != NS_OK || a->draft) {
			ns_article_free(a);
			failed++;
			continue;
		}

		Xapian::Document doc;
		build_doc(ti, doc, a, ph);
		double t3 = bench_now();
		json_t *o = ns_article_json(a, rel);
		char *data = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		doc.set_data(data);
		free(data);
		char meta[600];
		snprintf(meta, sizeof meta, "%s %lld %lld %lld %llu %016llx %lld %s",
		         tag,
		         (long long)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec,
		         (long long)sb.st_ctim.tv_sec * 1000000000 + sb.st_ctim.tv_nsec,
		         (long long)sb.st_size, (unsigned long long)sb.st_ino, hash,
		         (long long)read_ns, rel);
		doc.add_value(NS_SLOT_FILE, meta);
		std::string idterm = std::string(NS_PREFIX_ID) + rel;
		doc.add_boolean_term(idterm);
		double t4 = bench_now();
		ph.data += t4 - t3;
		db.replace_document(idterm, doc);
		double t5 = bench_now();
		ph.replace += t5 - t4;
		ns_article_free(a);
		docs++;
		if (++pending >= batch) {
			db.commit();
			pending = 0;
			ph.commit += bench_now() - t5;
		}
	}
	double t0 = bench_now();
	db.commit();
	db.close();
	ph.commit += bench_now() - t0;
	double secs = bench_now() - start;
	printf("{\"engine\":\"raw-xapian\",\"files\":%zu,\"docs\":%zu,"
	       "\"failed\":%zu,\"bytes\":%llu,\"seconds\":%.3f,"
	       "\"docs_per_s\":%.1f,\"mb_per_s\":%.3f,\"phases\":{"
	       "\"read_hash\":%.3f,\"parse\":%.3f,\"termgen\":%.3f,"
	       "\"data_json\":%.3f,\"replace\":%.3f,\"commit\":%.3f}}\n",
	       files.n, docs, failed, bytes_total, secs, docs / secs,
	       bytes_total / 1e6 / secs, ph.read, ph.parse, ph.termgen, ph.data,
	       ph.replace, ph.commit);
	bench_list_free(&files);
	return 0;
}

// ---- searching ---------------------------------------------------------

// As shim/nsx.cc's LowerTermProcessor and DateFieldProcessor.
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
	Xapian::Stem stem{"english"};
	const bench_list_t *queries;
	unsigned limit;
	explicit Searcher(const char *path, const bench_list_t *q, unsigned lim)
		: db(path), queries(q), limit(lim)
	{
		// As src/query.c's borrow(): the fields and the date range.
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

	// One search as nsx_reader_search() + fill_hit(): parse, match, read
	// every hit's stored data and cut its snippet.  Returns the estimate.
	Xapian::doccount search(const char *q, size_t *nhits)
	{
		qp.set_stemmer(stem);
		qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
		qp.set_default_op(Xapian::Query::OP_AND);
		unsigned flags = Xapian::QueryParser::FLAG_DEFAULT |
		                 Xapian::QueryParser::FLAG_CJK_NGRAM;
		Xapian::Enquire enq(db);
		enq.set_query(qp.parse_query(q, flags));
		Xapian::MSet mset = enq.get_mset(0, limit);
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
			std::string snip = mset.snippet(text, 200, stem,
				Xapian::MSet::SNIPPET_EXHAUSTIVE |
					Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH,
				"<b>", "</b>", "\xe2\x80\xa6");
			(void)snip;
			json_decref(o);
		}
		if (nhits)
			*nhits = n;
		return mset.get_matches_estimated();
	}
};

struct QueryArgs {
	const char *db;
	const bench_list_t *queries;
	unsigned limit;
};

void *open_searcher(void *arg, int)
{
	QueryArgs *qa = static_cast<QueryArgs *>(arg);
	try {
		return new Searcher(qa->db, qa->queries, qa->limit);
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

int cmd_query(const char *db, const char *qfile, int threads, double seconds,
              unsigned limit, const char *dump, bool totals, bool warmup)
{
	bench_list_t queries = bench_read_lines(qfile);
	QueryArgs qa = {db, &queries, limit};
	if (totals) {
		// One line per query: Xapian's estimate and the hits returned, for
		// the smoke test to hold against the daemon's answers.
		Searcher s(db, &queries, limit);
		for (size_t i = 0; i < queries.n; i++) {
			size_t n = 0;
			Xapian::doccount t = s.search(queries.v[i], &n);
			printf("%u\t%zu\n", t, n);
		}
		bench_list_free(&queries);
		return 0;
	}
	if (warmup) {
		bench_run_t w = {};
		w.nqueries = queries.n;
		w.threads = 1;
		w.open = open_searcher;
		w.run = run_query;
		w.close = close_searcher;
		w.arg = &qa;
		bench_run(&w);
		free(w.lat_ms);
	}
	bench_run_t r = {};
	r.nqueries = queries.n;
	r.threads = threads;
	r.seconds = seconds;
	r.open = open_searcher;
	r.run = run_query;
	r.close = close_searcher;
	r.arg = &qa;
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
	        "usage: raw_xapian index DB ARTICLES [--batch N]\n"
	        "       raw_xapian query DB QUERIES [--threads T] [--seconds S]\n"
	        "                  [--limit N] [--dump FILE] [--totals] [--warmup]\n");
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
	bool totals = false, warmup = false;
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
		else
			return usage();
	}
	if (batch < 1 || threads < 1 || limit < 1)
		return usage();
	try {
		if (cmd == "index")
			return cmd_index(argv[2], argv[3], batch);
		if (cmd == "query")
			return cmd_query(argv[2], argv[3], threads, seconds, limit, dump,
			                 totals, warmup);
	} catch (const Xapian::Error &e) {
		fprintf(stderr, "raw_xapian: %s\n", e.get_description().c_str());
		return 1;
	}
	return usage();
}
