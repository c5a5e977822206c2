/* test_shim.c - the Xapian shim through its C API only: documents in and
 * out, replace and delete by id term, commit visibility, locking, bad
 * queries, and NULL arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include "nsx.h"
#include "testutil.h"

struct fixture {
	char *dir;
	char *db;
	nsx_writer_t *w;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->dir = make_temp_dir();
	if (!f->dir || asprintf(&f->db, "%s/db", f->dir) < 0)
		return -1;
	char *err = NULL;
	if (nsx_writer_open(f->db, &f->w, &err) != NSX_OK) {
		fprintf(stderr, "open: %s\n", err ? err : "?");
		free(err);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	nsx_writer_close(f->w);
	rm_tree(f->dir);
	free(f->db);
	free(f->dir);
	free(f);
	return 0;
}

/* Write a document with TEXT as body and DATA as stored data. */
static void put(nsx_writer_t *w, const char *id, const char *title,
                const char *text, const char *tag, const char *data)
{
	nsx_doc_t *d = NULL;
	assert_int_equal(nsx_doc_new("english", &d), NSX_OK);
	assert_int_equal(nsx_doc_index_text(d, title, strlen(title), 3, NULL), NSX_OK);
	assert_int_equal(nsx_doc_index_text(d, text, strlen(text), 1, NULL), NSX_OK);
	if (tag)
		assert_int_equal(nsx_doc_add_boolean(d, "K", tag), NSX_OK);
	assert_int_equal(nsx_doc_set_data(d, data, strlen(data)), NSX_OK);
	assert_int_equal(nsx_writer_replace(w, id, d), NSX_OK);
	nsx_doc_free(d);
}

static nsx_reader_t *reader(const char *db)
{
	nsx_reader_t *r = NULL;
	char *err = NULL;
	assert_int_equal(nsx_reader_open(db, &r, &err), NSX_OK);
	assert_null(err);
	assert_int_equal(nsx_reader_add_field(r, "tag", "K", 1), NSX_OK);
	return r;
}

static nsx_results_t *search(nsx_reader_t *r, const char *q)
{
	nsx_search_t req = {.query = q, .language = "english", .limit = 10};
	nsx_results_t *res = NULL;
	nsx_status_t st = nsx_reader_search(r, &req, &res);
	if (st != NSX_OK)
		fprintf(stderr, "search '%s': %s: %s\n", q, nsx_status_name(st),
		        nsx_reader_error(r));
	assert_int_equal(st, NSX_OK);
	return res;
}

static void assert_data(const nsx_results_t *res, size_t i, const char *data)
{
	nsx_hit_t hit;
	assert_int_equal(nsx_results_hit(res, i, &hit), NSX_OK);
	assert_int_equal(hit.data_len, strlen(data));
	assert_memory_equal(hit.data, data, hit.data_len);
	assert_int_equal(hit.rank, i);
}

static void test_null_arguments(void **state)
{
	nsx_writer_t *w = NULL;
	nsx_doc_t *d = NULL;
	assert_int_equal(nsx_writer_open(NULL, &w, NULL), NSX_INVALID);
	assert_int_equal(nsx_reader_open("/x", NULL, NULL), NSX_INVALID);
	assert_int_equal(nsx_doc_new("english", NULL), NSX_INVALID);
	assert_int_equal(nsx_doc_index_text(NULL, "a", 1, 1, NULL), NSX_INVALID);
	assert_int_equal(nsx_writer_replace(NULL, "Qa", NULL), NSX_INVALID);
	assert_int_equal(nsx_writer_commit(NULL), NSX_INVALID);
	assert_int_equal(nsx_reader_search(NULL, NULL, NULL), NSX_INVALID);
	assert_int_equal(nsx_results_hit(NULL, 0, NULL), NSX_INVALID);
	assert_int_equal(nsx_doc_new("klingon", &d), NSX_INVALID);
	assert_null(d);
	nsx_writer_close(NULL);
	nsx_reader_close(NULL);
	nsx_doc_free(NULL);
	nsx_results_free(NULL);
	assert_string_equal(nsx_status_name(NSX_LOCKED), "LOCKED");
	assert_string_equal(nsx_writer_error(NULL), "");
}

static void test_missing_database(void **state)
{
	nsx_reader_t *r = NULL;
	char *err = NULL;
	assert_int_equal(nsx_reader_open("/nonexistent/nsearch/db", &r, &err),
	                 NSX_NOT_FOUND);
	assert_null(r);
	assert_non_null(err);
	assert_true(strlen(err) > 0);
	free(err);
	nsx_writer_t *w = NULL;
	assert_int_equal(nsx_writer_open("/nonexistent/nsearch/db", &w, &err),
	                 NSX_IO);
	assert_non_null(err);
	free(err);
}

static void test_put_search_snippet(void **state)
{
	struct fixture *f = *state;
	put(f->w, "Qa", "Harbour strike ends", "Crews returned to the harbour "
	    "on Monday & the ferries sailed.", "Transport", "doc-a");
	put(f->w, "Qb", "Bridge repairs", "Engineers closed the bridge.", NULL,
	    "doc-b");
	assert_int_equal(nsx_writer_commit(f->w), NSX_OK);
	assert_int_equal(nsx_writer_doccount(f->w), 2);

	nsx_reader_t *r = reader(f->db);
	assert_int_equal(nsx_reader_doccount(r), 2);
	assert_int_equal(nsx_reader_revision(r), nsx_writer_revision(f->w));
	nsx_results_t *res = search(r, "harbours"); /* stemmed */
	assert_int_equal(nsx_results_count(res), 1);
	assert_int_equal(nsx_results_estimated(res), 1);
	assert_data(res, 0, "doc-a");
	const char *text = "Crews returned to the harbour on Monday & the ferries sailed.";
	char *snip = NULL;
	assert_int_equal(nsx_results_snippet(res, 0, text, strlen(text), 200, "[", "]",
	                                     &snip), NSX_OK);
	assert_string_equal(snip, "Crews returned to the [harbour] on Monday "
	                          "&amp; the ferries sailed.");
	free(snip);
	/* No query word in the text: an empty snippet, the caller decides. */
	assert_int_equal(nsx_results_snippet(res, 0, "nothing here", 12, 200, "[",
	                                     "]", &snip), NSX_OK);
	assert_string_equal(snip, "");
	free(snip);
	nsx_results_free(res);

	res = search(r, "tag:transport");
	assert_int_equal(nsx_results_count(res), 1);
	assert_data(res, 0, "doc-a");
	nsx_results_free(res);
	res = search(r, "bridge OR harbour");
	assert_int_equal(nsx_results_count(res), 2);
	nsx_results_free(res);
	/* Every word must match... */
	nsx_search_t all = {.query = "bridge harbour", .language = "english",
	                    .limit = 10, .match = NSX_MATCH_ALL};
	assert_int_equal(nsx_reader_search(r, &all, &res), NSX_OK);
	assert_int_equal(nsx_results_count(res), 0);
	assert_false(nsx_results_relaxed(res));
	nsx_results_free(res);
	/* ...and by default, when none has both, those with one follow. */
	res = search(r, "bridge harbour");
	assert_int_equal(nsx_results_count(res), 2);
	assert_true(nsx_results_relaxed(res));
	nsx_hit_t hit;
	assert_int_equal(nsx_results_hit(res, 1, &hit), NSX_OK);
	assert_true(hit.partial);
	assert_int_equal(hit.rank, 1);
	nsx_results_free(res);
	nsx_reader_close(r);
}

static void test_replace_delete_commit(void **state)
{
	struct fixture *f = *state;
	put(f->w, "Qa", "Old title", "the first version mentions lighthouses", NULL, "v1");
	assert_int_equal(nsx_writer_commit(f->w), NSX_OK);
	uint64_t rev1 = nsx_writer_revision(f->w);
	nsx_reader_t *r = reader(f->db);

	/* Replaced but not committed: readers still see the old version. */
	put(f->w, "Qa", "New title", "the second version mentions windmills", NULL, "v2");
	assert_int_equal(nsx_reader_reopen(r), NSX_OK);
	nsx_results_t *res = search(r, "lighthouses");
	assert_int_equal(nsx_results_count(res), 1);
	nsx_results_free(res);

	assert_int_equal(nsx_writer_commit(f->w), NSX_OK);
	assert_true(nsx_writer_revision(f->w) > rev1);
	assert_int_equal(nsx_reader_reopen(r), NSX_OK);
	res = search(r, "lighthouses");
	assert_int_equal(nsx_results_count(res), 0);
	nsx_results_free(res);
	res = search(r, "windmills");
	assert_int_equal(nsx_results_count(res), 1);
	assert_data(res, 0, "v2");
	nsx_results_free(res);
	assert_int_equal(nsx_reader_doccount(r), 1);

	int existed = -1;
	assert_int_equal(nsx_writer_delete(f->w, "Qa", &existed), NSX_OK);
	assert_int_equal(existed, 1);
	assert_int_equal(nsx_writer_delete(f->w, "Qnever-there", &existed), NSX_OK);
	assert_int_equal(existed, 0);
	assert_int_equal(nsx_writer_commit(f->w), NSX_OK);
	assert_int_equal(nsx_reader_reopen(r), NSX_OK);
	assert_int_equal(nsx_reader_doccount(r), 0);
	res = search(r, "windmills");
	assert_int_equal(nsx_results_count(res), 0);
	nsx_results_free(res);
	nsx_reader_close(r);
}

static void test_delete_prefix(void **state)
{
	struct fixture *f = *state;
	put(f->w, "Qworld/a.txt", "A", "alpha", NULL, "a");
	put(f->w, "Qworld/b.txt", "B", "alpha", NULL, "b");
	put(f->w, "Qworldwide.txt", "C", "alpha", NULL, "c");
	unsigned n = 0;
	assert_int_equal(nsx_writer_delete_prefix(f->w, "Qworld/", &n), NSX_OK);
	assert_int_equal(n, 2);
	assert_int_equal(nsx_writer_commit(f->w), NSX_OK);
	assert_int_equal(nsx_writer_doccount(f->w), 1);
}

static void test_second_writer_is_locked(void **state)
{
	struct fixture *f = *state;
	nsx_writer_t *w2 = NULL;
	char *err = NULL;
	assert_int_equal(nsx_writer_open(f->db, &w2, &err), NSX_LOCKED);
	assert_null(w2);
	assert_non_null(err);
	assert_non_null(strstr(err, "lock"));
	free(err);
}

static void test_bad_query(void **state)
{
	struct fixture *f = *state;
	put(f->w, "Qa", "T", "text", NULL, "a");
	assert_int_equal(nsx_writer_commit(f->w), NSX_OK);
	nsx_reader_t *r = reader(f->db);
	nsx_search_t req = {.query = "harbour AND", .limit = 10};
	nsx_results_t *res = NULL;
	assert_int_equal(nsx_reader_search(r, &req, &res), NSX_BAD_QUERY);
	assert_null(res);
	assert_true(strlen(nsx_reader_error(r)) > 0);
	/* The reader is still usable after a bad query. */
	res = search(r, "text");
	assert_int_equal(nsx_results_count(res), 1);
	nsx_results_free(res);
	nsx_reader_close(r);
}

/* A field whose value is wrong, after + or - too (where a field
 * processor that threw once made Xapian free a bad pointer and abort). */
static void test_bad_field_value(void **state)
{
	struct fixture *f = *state;
	put(f->w, "Qa", "T", "text", "Transport", "a");
	assert_int_equal(nsx_writer_commit(f->w), NSX_OK);
	nsx_reader_t *r = reader(f->db);
	assert_int_equal(nsx_reader_add_date_range(r, 0, "date", "Y", "M", "D"),
	                 NSX_OK);
	static const char *const bad[] = {
		"date:x", "-date:x", "+date:x", "(-date:x)", "text -date:2025-13",
		"-date:2025..x", "+date:..", "-date:x -tag:transport",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		nsx_search_t req = {.query = bad[i], .limit = 10};
		nsx_results_t *res = NULL;
		nsx_status_t st = nsx_reader_search(r, &req, &res);
		if (st != NSX_BAD_QUERY)
			fail_msg("%s: %s", bad[i], nsx_status_name(st));
		assert_null(res);
		assert_non_null(strstr(nsx_reader_error(r), "is not a date"));
	}
	/* The same reader parses good values after bad ones. */
	nsx_results_t *res = search(r, "-tag:transport");
	assert_int_equal(nsx_results_count(res), 0);
	nsx_results_free(res);
	res = search(r, "+tag:transport -date:2025..2026");
	assert_int_equal(nsx_results_count(res), 1);
	nsx_results_free(res);
	nsx_reader_close(r);
}

static void test_term_limits(void **state)
{
	struct fixture *f = *state;
	char longterm[NSX_MAX_TERM + 10];
	memset(longterm, 'x', sizeof longterm - 1);
	longterm[sizeof longterm - 1] = '\0';
	nsx_doc_t *d = NULL;
	assert_int_equal(nsx_doc_new("en", &d), NSX_OK);
	assert_int_equal(nsx_doc_add_boolean(d, "K", longterm), NSX_INVALID);
	assert_int_equal(nsx_writer_replace(f->w, longterm, d), NSX_INVALID);
	nsx_doc_free(d);
}

/* N copies of WORD joined by SEP (new). */
static char *repeat(const char *word, const char *sep, int n)
{
	ns_buf_t b = {0};
	ns_buf_append(&b, "", 0);
	for (int i = 0; i < n; i++)
		ns_buf_printf(&b, "%s%s", i ? sep : "", word);
	return b.data;
}

/* REQ's status (its results freed); the message on R when not OK. */
static nsx_status_t status_of(nsx_reader_t *r, nsx_search_t req)
{
	nsx_results_t *res = NULL;
	nsx_status_t st = nsx_reader_search(r, &req, &res);
	nsx_results_free(res);
	return st;
}

static double monotonic_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Queries over a cap are refused before they run, saying which cap. */
static void test_query_caps(void **state)
{
	struct fixture *f = *state;
	put(f->w, "Qa", "Harbour strike", "the harbour and the ferry", NULL, "a");
	assert_int_equal(nsx_writer_commit(f->w), NSX_OK);
	nsx_reader_t *r = reader(f->db);
	static const struct {
		const char *word, *sep;
		int n;
		nsx_status_t want;
		const char *says;
	} cases[] = {
		{"the", " NEAR ", NSX_MAX_NEAR_TERMS, NSX_OK, NULL},
		{"the", " NEAR ", NSX_MAX_NEAR_TERMS + 1, NSX_TOO_COMPLEX, "NEAR"},
		{"the", " NEAR ", 1000, NSX_TOO_COMPLEX, "NEAR"},
		{"the", " ADJ ", NSX_MAX_PHRASE_TERMS + 1, NSX_TOO_COMPLEX, "phrase"},
		{"harbour", " ", NSX_MAX_QUERY_TERMS, NSX_OK, NULL},
		{"harbour", " ", NSX_MAX_QUERY_TERMS + 1, NSX_TOO_COMPLEX, "words"},
		{"zzq", " OR ", 5000, NSX_TOO_COMPLEX, "words"},
		{"ha*", " ", NSX_MAX_WILDCARDS, NSX_OK, NULL},
		{"ha*", " ", NSX_MAX_WILDCARDS + 1, NSX_TOO_COMPLEX, "wildcards"},
		{"(harbour -", "", 40, NSX_TOO_COMPLEX, "brackets"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *q = repeat(cases[i].word, cases[i].sep, cases[i].n);
		nsx_status_t st = status_of(r, (nsx_search_t){
			.query = q, .limit = 10, .max_expansion = 100});
		if (st != cases[i].want)
			fail_msg("%.40s... (%d): %s, %s", q, cases[i].n,
			         nsx_status_name(st), nsx_reader_error(r));
		if (cases[i].says && !strstr(nsx_reader_error(r), cases[i].says))
			fail_msg("%.40s...: \"%s\"", q, nsx_reader_error(r));
		free(q);
	}
	/* A phrase as long as the cap still finds its words. */
	nsx_search_t ok = {.query = "\"the harbour and the ferry\"", .limit = 10};
	nsx_results_t *res = NULL;
	assert_int_equal(nsx_reader_search(r, &ok, &res), NSX_OK);
	assert_int_equal(nsx_results_count(res), 1);
	nsx_results_free(res);
	nsx_reader_close(r);
}

/* A search whose deadline has passed stops with NSX_TIMEOUT, whatever it
 * was doing; one with time left is answered in full. */
static void test_deadline(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < 50; i++) {
		char id[16];
		snprintf(id, sizeof id, "Q%d", i);
		put(f->w, id, "Harbour", "the harbour and the ferry", "Transport",
		    "x");
	}
	assert_int_equal(nsx_writer_commit(f->w), NSX_OK);
	nsx_reader_t *r = reader(f->db);
	const char *queries[] = {"harbour", "", "\"the ferry\"",
	                         "harbour NEAR ferry", "tag:transport"};
	nsx_facet_spec_t facet = {0, 4};
	for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
		nsx_search_t req = {.query = queries[i], .limit = 10,
		                    .facets = &facet, .nfacets = 1,
		                    .deadline = monotonic_now() - 0.001};
		nsx_status_t st = status_of(r, req);
		if (st != NSX_TIMEOUT)
			fail_msg("'%s' after its deadline: %s", queries[i],
			         nsx_status_name(st));
		assert_non_null(strstr(nsx_reader_error(r), "query_timeout_ms"));
		req.deadline = monotonic_now() + 60;
		nsx_results_t *res = NULL;
		assert_int_equal(nsx_reader_search(r, &req, &res), NSX_OK);
		assert_int_equal(nsx_results_count(res), 10);
		assert_int_equal(nsx_results_estimated(res), 50);
		nsx_results_free(res);
	}
	nsx_reader_close(r);
}

/* "Did you mean" looks at a few unknown words only, however many the
 * query has. */
static void test_suggestion_budget(void **state)
{
	struct fixture *f = *state;
	put(f->w, "Qa", "Harbour", "the harbour and the ferry", NULL, "a");
	assert_int_equal(nsx_writer_commit(f->w), NSX_OK);
	nsx_reader_t *r = reader(f->db);
	char *typos = repeat("harbuor", " ", 5000);
	nsx_search_t req = {.query = "harbour", .limit = 10, .spelling = 1,
	                    .spelling_query = typos};
	nsx_results_t *res = NULL;
	assert_int_equal(nsx_reader_search(r, &req, &res), NSX_OK);
	const char *sugg = nsx_results_suggestion(res);
	int fixed = 0;
	for (const char *p = strstr(sugg, "harbour"); p;
	     p = strstr(p + 1, "harbour"))
		fixed++;
	assert_int_equal(fixed, 8);
	assert_int_equal(strncmp(sugg, "harbour harbour ", 16), 0);
	nsx_results_free(res);
	free(typos);
	nsx_reader_close(r);
}

/* The paths of RES's hits, sorted and joined by spaces, into BUF. */
static const char *hit_set(const nsx_results_t *res, char *buf, size_t size)
{
	const char *v[16];
	size_t n = nsx_results_count(res);
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++) {
		nsx_hit_t hit;
		assert_int_equal(nsx_results_hit(res, i, &hit), NSX_OK);
		v[i] = hit.data;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			const char *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
		         i ? " " : "", v[i]);
	return buf;
}

/* Case changes nothing, initials in any form are one word, on either
 * side, and a stopword in capitals is still a name. */
static void test_case_and_initials(void **state)
{
	struct fixture *f = *state;
	put(f->w, "Qa", "Trade", "the U.S. trade deficit with Japan", NULL,
	    "a");
	put(f->w, "Qb", "Trade", "the u.s. trade gap", NULL, "b");
	put(f->w, "Qc", "Trade", "US trading partners", NULL, "c");
	put(f->w, "Qd", "Phones", "AT&T's phone lines", NULL, "d");
	put(f->w, "Qe", "Phones", "at&t and its rivals", NULL, "e");
	put(f->w, "Qf", "Health", "the WHO said", NULL, "f");
	put(f->w, "Qg", "Us", "tell us a story of a.b.c", NULL, "g");
	assert_int_equal(nsx_writer_commit(f->w), NSX_OK);
	nsx_reader_t *r = reader(f->db);
	char buf[128];
	const char *us[] = { "u.s.", "U.S.", "US", "u.s", "U.S", "us", "Us" };
	for (size_t i = 0; i < sizeof us / sizeof *us; i++) {
		nsx_search_t req = { .query = us[i],
			             .limit = 10,
			             .match = NSX_MATCH_ALL };
		nsx_results_t *res = NULL;
		assert_int_equal(nsx_reader_search(r, &req, &res), NSX_OK);
		if (strcmp(hit_set(res, buf, sizeof buf), "a b c g") != 0)
			fail_msg("'%s' found '%s'", us[i], buf);
		nsx_results_free(res);
	}
	const char *trade[] = { "u.s. trade", "U.S. Trade", "US TRADE" };
	for (size_t i = 0; i < sizeof trade / sizeof *trade; i++) {
		nsx_search_t req = { .query = trade[i],
			             .limit = 10,
			             .match = NSX_MATCH_ALL };
		nsx_results_t *res = NULL;
		assert_int_equal(nsx_reader_search(r, &req, &res), NSX_OK);
		if (strcmp(hit_set(res, buf, sizeof buf), "a b c") != 0)
			fail_msg("'%s' found '%s'", trade[i], buf);
		nsx_results_free(res);
	}
	const char *att[] = { "AT&T", "at&t", "At&T" };
	for (size_t i = 0; i < sizeof att / sizeof *att; i++) {
		nsx_results_t *res = search(r, att[i]);
		if (strcmp(hit_set(res, buf, sizeof buf), "d e") != 0)
			fail_msg("'%s' found '%s'", att[i], buf);
		nsx_results_free(res);
	}
	/* "WHO" is a name: "said" alone would find f too, but "who" must
	 * be there; lower case it is a stopword and dropped. */
	nsx_search_t who = { .query = "WHO said",
		             .language = "english",
		             .limit = 10,
		             .match = NSX_MATCH_ALL };
	nsx_results_t *res = NULL;
	assert_int_equal(nsx_reader_search(r, &who, &res), NSX_OK);
	assert_string_equal(hit_set(res, buf, sizeof buf), "f");
	nsx_results_free(res);
	who.query = "WHO story";
	assert_int_equal(nsx_reader_search(r, &who, &res), NSX_OK);
	assert_int_equal(nsx_results_count(res), 0);
	nsx_results_free(res);
	who.query = "who story";
	assert_int_equal(nsx_reader_search(r, &who, &res), NSX_OK);
	assert_string_equal(hit_set(res, buf, sizeof buf), "g");
	nsx_results_free(res);
	nsx_reader_close(r);
}

/* A loved or hated bracket of stopwords only, after a word it is joined
 * to, made Xapian 1.4's query parser follow a null pointer (found by
 * fuzz_query).  Such a query keeps its stopwords as typed:
 * "-(the,an)" leaves out what has both "the" and "an". */
static void test_stopword_bracket(void **state)
{
	struct fixture *f = *state;
	put(f->w, "Qa", "Ferry", "ferry strike in the harbour", NULL, "a");
	put(f->w, "Qb", "Ferry", "ferry menu of fish", NULL, "b");
	put(f->w, "Qc", "Ferry",
	    "ferry timetable for the winter and an extra "
	    "boat",
	    NULL, "c");
	put(f->w, "Qd", "Tram", "tram strike", NULL, "d");
	assert_int_equal(nsx_writer_commit(f->w), NSX_OK);
	nsx_reader_t *r = reader(f->db);
	char buf[128];
	static const struct {
		const char *q, *found;
	} cases[] = {
		{ "ferry -menu -(the,an)", "a" },
		{ "ferry -menu -(the(an", "a" },
		{ "ferry -menu -(the;an) harbour", "a" },
		{ "ferry +timetable +(the,an)", "c" },
		{ "ferry +(the,an)", "a c" },
		/* Blanks that are not ASCII start a word for Xapian too:
		 * DEL, U+0085, a no-break space, an ideographic space. */
		{ "ferry\x7f+(the,an)", "a c" },
		{ "ferry -menu\xc2\x85-(the,an)", "a" },
		{ "ferry -menu \xc2\xa0-(the,an)", "a" },
		{ "ferry\xe3\x80\x80-menu\xe3\x80\x80-(the,an)", "a" },
		{ "-menu -(the,an)", "a d" },
		{ "-menu -+(the,an)", "a d" },
		{ "FERRY -Menu -(The,An)", "a" },
		/* Without a bracket after "-", stopwords still drop. */
		{ "ferry the an -menu", "a c" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		nsx_results_t *res = search(r, cases[i].q);
		if (strcmp(hit_set(res, buf, sizeof buf), cases[i].found) != 0)
			fail_msg("'%s' found '%s', not '%s'", cases[i].q, buf,
			         cases[i].found);
		nsx_results_free(res);
	}
	nsx_reader_close(r);
}

/* Feedback reorders by the words of the best matches, and finds nothing
 * the query did not: "unions" is in most articles about the ferry, so
 * the one other ferry article with it rises above a shorter one. */
static void test_feedback_reorders(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < 9; i++) {
		char id[16];
		snprintf(id, sizeof id, "Qs%d", i);
		put(f->w, id, "Strike",
		    "the ferry strike by the unions over pay "
		    "went on",
		    NULL, "strike");
	}
	put(f->w, "Qp", "Talks", "ferry unions met the owners again today",
	    NULL, "unions");
	put(f->w, "Qq", "Food", "a ferry menu of fish today", NULL, "menu");
	for (int i = 0; i < 30; i++) {
		char id[16];
		snprintf(id, sizeof id, "Qf%d", i);
		put(f->w, id, "Weather", "rain and wind on the coast", NULL,
		    "f");
	}
	assert_int_equal(nsx_writer_commit(f->w), NSX_OK);
	nsx_reader_t *r = reader(f->db);
	int order[2];
	for (int fb = 0; fb < 2; fb++) {
		nsx_search_t req = { .query = "ferry",
			             .limit = 20,
			             .feedback = fb };
		nsx_results_t *res = NULL;
		assert_int_equal(nsx_reader_search(r, &req, &res), NSX_OK);
		assert_int_equal(nsx_results_count(res), 11);
		int menu = -1, unions = -1;
		for (size_t i = 0; i < 11; i++) {
			nsx_hit_t hit;
			assert_int_equal(nsx_results_hit(res, i, &hit), NSX_OK);
			if (hit.data_len == 4 &&
			    memcmp(hit.data, "menu", 4) == 0)
				menu = (int)i;
			if (hit.data_len == 6 &&
			    memcmp(hit.data, "unions", 6) == 0)
				unions = (int)i;
		}
		assert_true(menu >= 0 && unions >= 0);
		order[fb] = unions < menu;
		nsx_results_free(res);
	}
	assert_false(order[0]); /* BM25: the shorter article first */
	assert_true(order[1]);  /* feedback: the one about the unions */
	nsx_reader_close(r);
}

/* ---- snippets of long articles ---- */

/* A long article's text into BUF: N filler sentences (none with a query
 * word below), with AT[k]'s sentence replaced by SAY[k].  PERIODS false:
 * one endless sentence, no full stop anywhere. */
static void long_text(char *buf, size_t size, int n, bool periods,
                      const int *at, const char *const *say, int nsay)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		const char *own = NULL;
		for (int k = 0; k < nsay; k++)
			if (at[k] == i)
				own = say[k];
		int w = own ? snprintf(buf + len, size - len, "%s%s ", own,
		                       periods ? "." : "")
		            : snprintf(buf + len, size - len,
		                       "Filler line %d tells of the council "
		                       "budget and the weather%s ", i,
		                       periods ? "." : "");
		assert_true(w > 0 && (size_t)w < size - len);
		len += (size_t)w;
	}
}

/* The snippet of QUERY's first hit, cut from TEXT, highlighted [ ]. */
static char *snippet_of(nsx_reader_t *r, const char *query, const char *text)
{
	nsx_search_t req = {.query = query, .language = "english", .limit = 10,
	                    .max_expansion = 100};
	nsx_results_t *res = NULL;
	assert_int_equal(nsx_reader_search(r, &req, &res), NSX_OK);
	assert_true(nsx_results_count(res) >= 1);
	char *snip = NULL;
	assert_int_equal(nsx_results_snippet(res, 0, text, strlen(text), 200,
	                                     "[", "]", &snip), NSX_OK);
	nsx_results_free(res);
	return snip;
}

static void test_long_article_snippet(void **state)
{
	struct fixture *f = *state;
	/* 60 lines, about 4 KB: "harbour" alone near the start, "ferries"
	 * alone near the end, and the passage with every word in between. */
	static char text[8192];
	const int at[] = {1, 38, 55};
	const char *const say[] = {
		"The harbour master retired",
		"Harbour strike crews left the ferries idle at the quay",
		"Ferries will be repainted"};
	long_text(text, sizeof text, 60, true, at, say, 3);
	put(f->w, "Qlong", "Budget talks", text, NULL, "long");
	assert_int_equal(nsx_writer_commit(f->w), NSX_OK);
	nsx_reader_t *r = reader(f->db);

	/* The passage with the query words, not the article's start (nor
	 * the first mention, where a fast scan would stop). */
	char *snip = snippet_of(r, "harbour strike ferries", text);
	assert_non_null(strstr(snip, "[strike] crews left the [ferries]"));
	assert_null(strstr(snip, "retired"));
	assert_null(strstr(snip, "Filler line 0 "));
	/* It starts with its sentence, after a full stop: no mark there. */
	assert_int_equal(strncmp(snip, "[Harbour] [strike] crews", 24), 0);
	free(snip);

	/* A phrase is found where its words are adjacent. */
	snip = snippet_of(r, "\"crews left\" harbour", text);
	assert_non_null(strstr(snip, "[crews left]"));
	free(snip);

	/* A wildcard is cut from the whole text, as before windows. */
	snip = snippet_of(r, "ferr* strike", text);
	assert_non_null(strstr(snip, "[strike]"));
	assert_non_null(strstr(snip, "[ferries]"));
	free(snip);
	nsx_reader_close(r);
}

static void test_long_article_snippet_marks(void **state)
{
	struct fixture *f = *state;
	/* One endless sentence: the snippet from its middle is marked as
	 * cut at both ends; a capital outside ASCII still matches. */
	static char text[8192];
	const int at[] = {3, 33};
	const char *const say[] = {"the palace gardens",
	                           "crowds at the \xc3\x89lys\xc3\xa9" "e palace "
	                           "gates"};
	long_text(text, sizeof text, 60, false, at, say, 2);
	put(f->w, "Qlong", "Budget talks", text, NULL, "long");
	assert_int_equal(nsx_writer_commit(f->w), NSX_OK);
	nsx_reader_t *r = reader(f->db);
	char *snip = snippet_of(r, "\xc3\xa9lys\xc3\xa9" "e palace", text);
	assert_non_null(strstr(snip, "[\xc3\x89lys\xc3\xa9" "e] [palace] gates"));
	assert_int_equal(strncmp(snip, "\xe2\x80\xa6", 3), 0);
	assert_string_equal(snip + strlen(snip) - 3, "\xe2\x80\xa6");
	assert_null(strstr(snip, "gardens"));
	free(snip);
	nsx_reader_close(r);
}

/* A database at PATH holding one document whose body is WORD. */
static void make_db(const char *path, const char *word)
{
	nsx_writer_t *w = NULL;
	char *err = NULL;
	assert_int_equal(nsx_writer_open(path, &w, &err), NSX_OK);
	put(w, "Qone", word, word, NULL, word);
	assert_int_equal(nsx_writer_commit(w), NSX_OK);
	nsx_writer_close(w);
}

static size_t hits(nsx_reader_t *r, const char *q)
{
	nsx_results_t *res = search(r, q);
	size_t n = nsx_results_count(res);
	nsx_results_free(res);
	return n;
}

/* A replica's directory: a stub database leading to one copy, which
 * Xapian's replication replaces with another whole copy and removes.  A
 * reader open on the old copy reopens onto the new one. */
static void test_reopen_follows_stub(void **state)
{
	struct fixture *f = *state;
	char *copy = NULL, *a = NULL, *b = NULL, *stub = NULL;
	assert_true(asprintf(&copy, "%s/copy", f->dir) > 0);
	assert_true(asprintf(&a, "%s/replica_0", copy) > 0);
	assert_true(asprintf(&b, "%s/replica_1", copy) > 0);
	assert_true(asprintf(&stub, "%s/XAPIANDB", copy) > 0);
	assert_int_equal(mkdir(copy, 0700), 0);
	make_db(a, "alpha");
	make_db(b, "beta");
	assert_int_equal(write_file(stub, "auto replica_0\n", 15), 0);
	nsx_reader_t *r = reader(copy);
	assert_int_equal(hits(r, "alpha"), 1);

	assert_int_equal(write_file(stub, "auto replica_1\n", 15), 0);
	rm_tree(a);
	nsx_status_t st = nsx_reader_reopen(r);
	if (st != NSX_OK)
		fail_msg("reopen: %s: %s", nsx_status_name(st), nsx_reader_error(r));
	assert_int_equal(hits(r, "beta"), 1);
	assert_int_equal(hits(r, "alpha"), 0);
	nsx_reader_close(r);
	free(copy);
	free(a);
	free(b);
	free(stub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_arguments),
		cmocka_unit_test(test_missing_database),
		cmocka_unit_test_setup_teardown(test_put_search_snippet, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_long_article_snippet,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_article_snippet_marks,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_delete_commit,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_prefix, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_second_writer_is_locked,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_query, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_bad_field_value, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_stopword_bracket, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_query_caps, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suggestion_budget, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_term_limits, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_reopen_follows_stub, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_case_and_initials, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_feedback_reorders, setup,
		                                teardown),
	};
	return cmocka_run_group_tests_name("shim", tests, NULL, NULL);
}
