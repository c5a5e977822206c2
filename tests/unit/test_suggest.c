/* test_suggest.c - the shim's spelling, through its C API only: which
 * word a typo is taken for (closeness and commonness, the first letter
 * too), which words are never corrected (known ones, those a synonym
 * makes up for), and when the correction is answered instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nsx.h"
#include "testutil.h"

struct fixture {
	char *dir;
	char *db;
	nsx_reader_t *r;
};

/* N documents "ID0".."IDn-1" with TEXT as body, stored data ID. */
static void put_n(nsx_writer_t *w, const char *id, int n, const char *text)
{
	for (int i = 0; i < n; i++) {
		char term[64];
		snprintf(term, sizeof term, "Q%s%d", id, i);
		nsx_doc_t *d = NULL;
		assert_int_equal(nsx_doc_new("english", &d), NSX_OK);
		assert_int_equal(
		        nsx_doc_index_text(d, text, strlen(text), 1, NULL),
		        NSX_OK);
		assert_int_equal(nsx_doc_set_data(d, id, strlen(id)), NSX_OK);
		assert_int_equal(nsx_writer_replace(w, term, d), NSX_OK);
		nsx_doc_free(d);
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->dir = make_temp_dir();
	if (!f->dir || asprintf(&f->db, "%s/db", f->dir) < 0)
		return -1;
	nsx_writer_t *w = NULL;
	if (nsx_writer_open(f->db, &w, NULL) != NSX_OK)
		return -1;
	/* "open" is commoner than "opec", and both are one letter from
	 * "opek"; "volker" is a rare misspelling of "volcker". */
	put_n(w, "opec", 6, "opec ministers agreed on output quotas");
	put_n(w, "open", 20, "the market will open higher on monday");
	put_n(w, "volcker", 40, "paul volcker spoke about interest rates");
	put_n(w, "volker", 1, "volker spoke again");
	put_n(w, "kremlin", 5, "the kremlin said talks would go on");
	put_n(w, "kiev", 3, "trams in kiev run late");
	/* One article with a title (indexed under "S" too). */
	nsx_doc_t *d = NULL;
	if (nsx_doc_new("english", &d) != NSX_OK ||
	    nsx_doc_index_text(d, "Volcano erupts", 14, 3, NULL) != NSX_OK ||
	    nsx_doc_index_text(d, "Volcano erupts", 14, 1, "S") != NSX_OK ||
	    nsx_doc_set_data(d, "volcano", 7) != NSX_OK ||
	    nsx_writer_replace(w, "Qvolcano", d) != NSX_OK)
		return -1;
	nsx_doc_free(d);
	if (nsx_writer_commit(w) != NSX_OK)
		return -1;
	nsx_writer_close(w);
	if (nsx_reader_open(f->db, &f->r, NULL) != NSX_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	nsx_reader_close(f->r);
	rm_tree(f->dir);
	free(f->db);
	free(f->dir);
	free(f);
	return 0;
}

/* REQ run on F's reader; the results, which must be there. */
static nsx_results_t *run(struct fixture *f, nsx_search_t req)
{
	nsx_results_t *res = NULL;
	req.language = "english";
	req.limit = req.limit ? req.limit : 50;
	req.spelling = 1;
	nsx_status_t st = nsx_reader_search(f->r, &req, &res);
	if (st != NSX_OK)
		fail_msg("'%s': %s: %s", req.query, nsx_status_name(st),
		         nsx_reader_error(f->r));
	return res;
}

static void assert_suggests(struct fixture *f, const char *q,
                            const char *expected)
{
	nsx_results_t *res = run(f, (nsx_search_t){ .query = q });
	const char *got = nsx_results_suggestion(res);
	if (strcmp(got, expected) != 0)
		fail_msg("'%s' suggests '%s', not '%s'", q, got, expected);
	nsx_results_free(res);
}

static void test_close_and_common(void **state)
{
	struct fixture *f = *state;
	/* k for c is an easy slip, n for k is not: opec, though open is in
	 * more documents. */
	assert_suggests(f, "opek", "opec");
	assert_suggests(f, "opek quotas", "opec quotas");
	/* Within one edit of a short word, two of a longer one, no more. */
	assert_suggests(f, "kremlni", "kremlin");
	assert_suggests(f, "xqzzl", "");
}

static void test_first_letter(void **state)
{
	struct fixture *f = *state;
	assert_suggests(f, "gremlin", "kremlin");  /* changed */
	assert_suggests(f, "remlin", "kremlin");   /* left out */
	assert_suggests(f, "skremlin", "kremlin"); /* one too many */
	assert_suggests(f, "rkemlin", "kremlin");  /* swapped */
}

static void test_rare_known_word(void **state)
{
	struct fixture *f = *state;
	/* Known, in one document, when volcker is in forty: a hint... */
	assert_suggests(f, "volker", "volcker");
	/* ...that the search does not take for the user. */
	nsx_results_t *res =
	        run(f, (nsx_search_t){ .query = "volker", .correct = 1 });
	assert_string_equal(nsx_results_corrected_from(res), "");
	assert_int_equal(nsx_results_count(res), 1);
	nsx_results_free(res);
	/* Known words with no far commoner neighbour are left alone. */
	assert_suggests(f, "kiev", "");
	assert_suggests(f, "opec", "");
	assert_suggests(f, "open", "");
}

static void test_synonym_hit_is_no_typo(void **state)
{
	struct fixture *f = *state;
	/* "kyiv" is in no document; its synonym finds them. */
	nsx_results_t *res =
	        run(f, (nsx_search_t){ .query = "(kyiv OR kiev) trams",
	                               .spelling_query = "kyiv trams" });
	assert_int_equal(nsx_results_count(res), 3);
	assert_string_equal(nsx_results_suggestion(res), "");
	nsx_results_free(res);
	/* The user's own alternative does not hide a typo. */
	assert_suggests(f, "opek OR kiev", "opec OR kiev");
}

static void test_correction_answered(void **state)
{
	struct fixture *f = *state;
	/* Nothing has "opek": the search answers "opec" and says so. */
	nsx_results_t *res =
	        run(f, (nsx_search_t){ .query = "opek quotas", .correct = 1 });
	assert_string_equal(nsx_results_corrected_from(res), "opek quotas");
	assert_string_equal(nsx_results_corrected_to(res), "opec quotas");
	assert_string_equal(nsx_results_suggestion(res), "");
	assert_int_equal(nsx_results_count(res), 6);
	nsx_hit_t hit;
	assert_int_equal(nsx_results_hit(res, 0, &hit), NSX_OK);
	assert_memory_equal(hit.data, "opec", 4);
	assert_false(hit.partial);
	nsx_results_free(res);
	/* Not asked to: the suggestion only. */
	res = run(f, (nsx_search_t){ .query = "opek quotas" });
	assert_string_equal(nsx_results_corrected_from(res), "");
	assert_string_equal(nsx_results_suggestion(res), "opec quotas");
	nsx_results_free(res);
	/* The query finds plenty with any of its words: left as typed. */
	res = run(f, (nsx_search_t){ .query = "opek market",
	                             .match = NSX_MATCH_ANY,
	                             .correct = 1 });
	assert_string_equal(nsx_results_corrected_from(res), "");
	assert_int_equal(nsx_results_count(res), 20);
	nsx_results_free(res);
	/* The correction would find nothing either: left as typed. */
	res = run(f, (nsx_search_t){ .query = "opek volcker",
	                             .correct = 1,
	                             .match = NSX_MATCH_ALL });
	assert_string_equal(nsx_results_corrected_from(res), "");
	assert_string_equal(nsx_results_suggestion(res), "opec volcker");
	assert_int_equal(nsx_results_count(res), 0);
	nsx_results_free(res);
}

/* As you type: words that begin with the last one, titles' first, and
 * the best matches with it as a beginning. */
static void test_completions(void **state)
{
	struct fixture *f = *state;
	nsx_complete_t req = { .query = "Paul VOLC",
		               .language = "english",
		               .words = 5,
		               .titles = 3,
		               .title_prefix = "S" };
	nsx_completions_t *c = NULL;
	assert_int_equal(nsx_reader_complete(f->r, &req, &c), NSX_OK);
	assert_int_equal(nsx_completions_words(c), 2);
	const char *text = NULL;
	uint64_t docs = 0;
	/* In a title, though in one article only. */
	assert_string_equal(nsx_completions_word(c, 0, &text, &docs),
	                    "volcano");
	assert_string_equal(text, "Paul volcano");
	assert_int_equal(docs, 1);
	assert_string_equal(nsx_completions_word(c, 1, &text, &docs),
	                    "volcker");
	assert_int_equal(docs, 40);
	assert_null(nsx_completions_word(c, 2, NULL, NULL));
	/* "paul" with "volc..." in a title: none (the volcker articles have
	 * no title)... */
	assert_int_equal(nsx_completions_titles(c), 0);
	nsx_completions_free(c);
	/* ..."volc..." alone: the volcano's. */
	req.query = "volc";
	assert_int_equal(nsx_reader_complete(f->r, &req, &c), NSX_OK);
	assert_int_equal(nsx_completions_titles(c), 1);
	const char *data;
	size_t len;
	assert_int_equal(nsx_completions_title(c, 0, &data, &len), NSX_OK);
	assert_int_equal(len, 7);
	assert_memory_equal(data, "volcano", 7);
	nsx_completions_free(c);
	/* Nothing being typed: no words; a query that does not parse yet:
	 * no titles, and no error. */
	req.query = "volc ";
	assert_int_equal(nsx_reader_complete(f->r, &req, &c), NSX_OK);
	assert_int_equal(nsx_completions_words(c), 0);
	nsx_completions_free(c);
	req.query = "opec AND";
	assert_int_equal(nsx_reader_complete(f->r, &req, &c), NSX_OK);
	assert_int_equal(nsx_completions_titles(c), 0);
	nsx_completions_free(c);
	assert_int_equal(nsx_reader_complete(NULL, &req, &c), NSX_INVALID);
	nsx_completions_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_close_and_common),
		cmocka_unit_test(test_first_letter),
		cmocka_unit_test(test_rare_known_word),
		cmocka_unit_test(test_synonym_hit_is_no_typo),
		cmocka_unit_test(test_correction_answered),
		cmocka_unit_test(test_completions),
	};
	return cmocka_run_group_tests_name("suggest", tests, setup, teardown);
}
