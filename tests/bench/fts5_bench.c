/* fts5_bench.c - SQLite FTS5, the embedded engine a newsroom would most
 * likely pick instead of nsearch, on the same articles and queries.
 *
 * Articles are read with the project's own parser, so every engine indexes
 * the same fields; the table uses the porter tokenizer over unicode61, the
 * whole import is one transaction, and searches rank with bm25 (title 3x,
 * standfirst 2x, as nsearch weighs them) and cut snippet()s.  C, so that
 * no interpreter flatters us.
 *
 *   fts5_bench index DB ARTICLES
 *   fts5_bench query DB QUERIES.tsv [--threads T] [--seconds S]
 *                    [--limit N] [--dump FILE] [--totals] [--warmup]
 *
 * QUERIES.tsv: one query a line, "MATCH<TAB>SECTION<TAB>FROM<TAB>TO", the
 * last three empty when the query has no such filter (make_queries.py
 * writes it next to the nsearch form of the same queries).
 */
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "parse/article.h"

#define MAX_FILE (8u << 20)

static void die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "fts5_bench: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
	exit(1);
}

static void exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "fts5_bench: %s: %s\n", sql, err ? err : "");
		exit(1);
	}
}

static char *join(const ns_strv_t *v)
{
	ns_buf_t b = {0};
	ns_buf_append(&b, "", 0);
	for (size_t i = 0; i < v->n; i++)
		ns_buf_printf(&b, "%s%s", i ? ", " : "", v->v[i]);
	return b.data;
}

static int cmd_index(const char *path, const char *root)
{
	bench_list_t files = bench_walk(root);
	unlink(path);
	sqlite3 *db = NULL;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die(db, path);
	exec(db, "CREATE VIRTUAL TABLE article USING fts5(title, standfirst, "
	         "body, authors, tags, section UNINDEXED, date UNINDEXED, "
	         "time UNINDEXED, path UNINDEXED, url UNINDEXED, "
	         "tokenize = 'porter unicode61')");
	/* Title words weigh three times body words, standfirst twice. */
	exec(db, "INSERT INTO article(article, rank) VALUES('rank', "
	         "'bm25(3.0, 2.0, 1.0, 1.0, 1.0)')");
	sqlite3_stmt *ins;
	if (sqlite3_prepare_v2(db, "INSERT INTO article VALUES(?,?,?,?,?,?,?,?,?,?)",
	                       -1, &ins, NULL) != SQLITE_OK)
		die(db, "prepare");
	double start = bench_now(), t_read = 0, t_parse = 0, t_insert = 0;
	exec(db, "BEGIN");
	size_t docs = 0, failed = 0;
	unsigned long long bytes_total = 0;
	ns_parse_opts_t opts = {"en"};
	ns_buf_t full = {0};
	for (size_t i = 0; i < files.n; i++) {
		const char *rel = files.v[i];
		double t0 = bench_now();
		full.len = 0;
		ns_buf_printf(&full, "%s/%s", root, rel);
		char *bytes = NULL;
		size_t len = 0;
		if (ns_read_file(full.data, MAX_FILE, &bytes, &len) != NS_OK) {
			failed++;
			continue;
		}
		bytes_total += len;
		double t1 = bench_now();
		ns_article_t *a = NULL;
		const char *base = strrchr(rel, '/');
		ns_status_t st = ns_article_parse(bytes, len, base ? base + 1 : rel,
		                                  &opts, &a, NULL, 0);
		free(bytes);
		double t2 = bench_now();
		t_read += t1 - t0;
		t_parse += t2 - t1;
		if (st != NS_OK || a->draft) {
			ns_article_free(a);
			failed++;
			continue;
		}
		ns_article_from_path(a, rel);
		char *authors = join(&a->authors), *tags = join(&a->tags);
		sqlite3_bind_text(ins, 1, a->title, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, a->standfirst, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, a->body, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, authors, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, tags, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, a->section, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 7, a->date, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 8, a->time, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 9, rel, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 10, a->url, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die(db, "insert");
		sqlite3_reset(ins);
		free(authors);
		free(tags);
		ns_article_free(a);
		docs++;
		t_insert += bench_now() - t2;
	}
	double t0 = bench_now();
	exec(db, "COMMIT");
	double t_commit = bench_now() - t0;
	sqlite3_finalize(ins);
	sqlite3_close(db);
	ns_buf_free(&full);
	double secs = bench_now() - start;
	printf("{\"engine\":\"fts5\",\"files\":%zu,\"docs\":%zu,\"failed\":%zu,"
	       "\"bytes\":%llu,\"seconds\":%.3f,\"docs_per_s\":%.1f,"
	       "\"mb_per_s\":%.3f,\"phases\":{\"read\":%.3f,\"parse\":%.3f,"
	       "\"insert\":%.3f,\"commit\":%.3f}}\n",
	       files.n, docs, failed, bytes_total, secs, docs / secs,
	       bytes_total / 1e6 / secs, t_read, t_parse, t_insert, t_commit);
	bench_list_free(&files);
	return 0;
}

/* ---- searching ---- */

typedef struct {
	char *match, *section, *from, *to;
} fts_query_t;

typedef struct {
	const char *db;
	fts_query_t *q;
	unsigned limit;
} query_args_t;

typedef struct {
	query_args_t *qa;
	sqlite3 *db;
	sqlite3_stmt *search, *count;
	size_t last_hits;
} searcher_t;

/* What a hit shows (every field but the body) and a snippet of about 32
 * tokens (some 200 bytes, the daemon's default), best first. */
static const char SEARCH_SQL[] =
	"SELECT path, title, standfirst, date, time, section, tags, authors, "
	"url, snippet(article, -1, '<b>', '</b>', '\xe2\x80\xa6', 32) "
	"FROM article WHERE article MATCH ?1 "
	"AND (?2 = '' OR section = ?2 COLLATE NOCASE) "
	"AND (?3 = '' OR date >= ?3) AND (?4 = '' OR date <= ?4) "
	"ORDER BY rank LIMIT ?5";
static const char COUNT_SQL[] =
	"SELECT count(*) FROM article WHERE article MATCH ?1 "
	"AND (?2 = '' OR section = ?2 COLLATE NOCASE) "
	"AND (?3 = '' OR date >= ?3) AND (?4 = '' OR date <= ?4)";

static void *open_searcher(void *arg, int thread)
{
	(void)thread;
	query_args_t *qa = arg;
	searcher_t *s = calloc(1, sizeof *s);
	s->qa = qa;
	if (sqlite3_open_v2(qa->db, &s->db, SQLITE_OPEN_READONLY |
	                    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, SEARCH_SQL, -1, &s->search, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, COUNT_SQL, -1, &s->count, NULL) != SQLITE_OK) {
		fprintf(stderr, "fts5_bench: %s\n", sqlite3_errmsg(s->db));
		sqlite3_close(s->db);
		free(s);
		return NULL;
	}
	return s;
}

static void close_searcher(void *ctx)
{
	searcher_t *s = ctx;
	if (!s)
		return;
	sqlite3_finalize(s->search);
	sqlite3_finalize(s->count);
	sqlite3_close(s->db);
	free(s);
}

static void bind_query(sqlite3_stmt *st, const fts_query_t *q)
{
	sqlite3_bind_text(st, 1, q->match, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, q->section, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, q->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, q->to, -1, SQLITE_STATIC);
}

static int run_query(void *ctx, size_t i)
{
	searcher_t *s = ctx;
	const fts_query_t *q = &s->qa->q[i];
	bind_query(s->search, q);
	sqlite3_bind_int(s->search, 5, (int)s->qa->limit);
	int rc;
	size_t n = 0;
	while ((rc = sqlite3_step(s->search)) == SQLITE_ROW) {
		/* Read every column, as a reply would. */
		for (int c = 0; c < 10; c++)
			(void)sqlite3_column_text(s->search, c);
		n++;
	}
	sqlite3_reset(s->search);
	s->last_hits = n;
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "fts5_bench: %s: %s\n", q->match,
		        sqlite3_errmsg(s->db));
		return 1;
	}
	return 0;
}

static fts_query_t *load_queries(const char *path, size_t *n)
{
	bench_list_t lines = bench_read_lines(path);
	fts_query_t *q = calloc(lines.n ? lines.n : 1, sizeof *q);
	for (size_t i = 0; i < lines.n; i++) {
		char *f[4] = {"", "", "", ""};
		char *p = lines.v[i];
		for (int k = 0; k < 4 && p; k++) {
			f[k] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = '\0';
		}
		q[i] = (fts_query_t){strdup(f[0]), strdup(f[1]), strdup(f[2]),
		                     strdup(f[3])};
	}
	*n = lines.n;
	bench_list_free(&lines);
	return q;
}

static void free_queries(fts_query_t *q, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(q[i].match);
		free(q[i].section);
		free(q[i].from);
		free(q[i].to);
	}
	free(q);
}

static int cmd_query(const char *db, const char *qfile, int threads,
                     double seconds, unsigned limit, const char *dump,
                     int totals, int warmup)
{
	size_t nq = 0;
	fts_query_t *q = load_queries(qfile, &nq);
	query_args_t qa = {db, q, limit};
	int rc = 0;
	if (totals) {
		searcher_t *s = open_searcher(&qa, 0);
		for (size_t i = 0; s && !rc && i < nq; i++) {
			bind_query(s->count, &q[i]);
			long long total = -1;
			if (sqlite3_step(s->count) == SQLITE_ROW)
				total = sqlite3_column_int64(s->count, 0);
			sqlite3_reset(s->count);
			rc = run_query(s, i);
			if (!rc)
				printf("%lld\t%zu\n", total, s->last_hits);
		}
		if (!s)
			rc = 1;
		close_searcher(s);
		free_queries(q, nq);
		return rc;
	}
	if (warmup) {
		bench_run_t w = {.nqueries = nq, .threads = 1, .open = open_searcher,
		                 .run = run_query, .close = close_searcher, .arg = &qa};
		bench_run(&w);
		free(w.lat_ms);
	}
	bench_run_t r = {.nqueries = nq, .threads = threads, .seconds = seconds,
	                 .open = open_searcher, .run = run_query,
	                 .close = close_searcher, .arg = &qa};
	bench_run(&r);
	bench_report(&r, "fts5");
	bench_dump(&r, dump);
	free(r.lat_ms);
	free_queries(q, nq);
	return r.errors ? 1 : 0;
}

static int usage(void)
{
	fprintf(stderr,
	        "usage: fts5_bench index DB ARTICLES\n"
	        "       fts5_bench query DB QUERIES.tsv [--threads T] [--seconds S]\n"
	        "                  [--limit N] [--dump FILE] [--totals] [--warmup]\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return usage();
	bench_opts_t o;
	if (!bench_parse_opts(argc, argv, 4, "--threads", &o))
		return usage();
	/* SQLite counts every allocation under one global mutex unless told
	 * not to, which serialises threads that share nothing else: a peer
	 * tuned as its manual says, not handicapped. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (!strcmp(argv[1], "index"))
		return cmd_index(argv[2], argv[3]);
	if (!strcmp(argv[1], "query"))
		return cmd_query(argv[2], argv[3], o.workers, o.seconds, o.limit,
		                 o.dump, o.totals, o.warmup);
	return usage();
}
