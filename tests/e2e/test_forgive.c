/* test_forgive.c - what a search forgives of how people type, end to end:
 * the real nsearchd over articles this file writes, asked through its
 * socket.  Case and initials in any form, typos (corrected when the query
 * finds next to nothing), the last word as a prefix, and completion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

/* One JSON article at REL. */
static void article(const char *rel, const char *title, const char *body)
{
	put_json_article(rel, title, body, NULL);
}

static void write_articles(void)
{
	article("trade/deficit.json", "Trade gap widens",
	        "The U.S. trade deficit with Japan widened in March, the "
	        "Commerce Department said.");
	article("trade/exporters.json", "Exporters worried",
	        "Officials said u.s. exporters face a trade deficit with "
	        "Japan that keeps growing.");
	article("trade/partners.json", "Partners",
	        "US trade partners met in Geneva; the deficit and Japan were "
	        "on the table.");
	article("trade/sanctions.json", "Sanctions",
	        "United States sanctions on steel took effect.");
	article("trade/unrelated.json", "Harbour",
	        "The harbour reopened after the storm.");
	article("phones/att.json", "Results",
	        "AT&T's earnings rose on its "
	        "phone lines.");
	article("phones/att-rivals.json", "Rivals",
	        "Rivals of at&t cut their prices.");
	article("health/who.json", "Warning",
	        "The WHO warned of a new strain.");
	article("health/warned.json", "Storm",
	        "Forecasters warned of a storm.");
}

/* COUNT articles DIR/0.json.. with TITLE and BODY, each a report of its
 * own (the same text would be one hit: collapsed). */
static void articles(const char *dir, int count, const char *title,
                     const char *body)
{
	for (int i = 0; i < count; i++) {
		char rel[64], text[256];
		snprintf(rel, sizeof rel, "%s/%d.json", dir, i);
		snprintf(text, sizeof text, "%s Report %d.", body, i);
		article(rel, title, text);
	}
}

/* For the typos: "open" in more articles than "opec", both a letter
 * from "opek"; "volker" a rare misspelling of "volcker". */
static void write_typo_articles(void)
{
	articles("opec", 4, "Oil", "OPEC ministers agreed to cut output.");
	articles("open", 9, "Markets", "Shares will open higher on Monday.");
	articles("volcker", 30, "Volcker on rates",
	         "Paul Volcker raised interest rates.");
	article("volker.json", "Rates", "Volker spoke about rates again.");
	articles("kremlin", 3, "Talks", "The Kremlin said the talks go on.");
	article("kiev.json", "Trams", "Trams in Kiev run late.");
}

static char *synonyms_file;

static int group_setup(void **state)
{
	(void)state;
	if (e2e_make_dirs() < 0)
		return -1;
	write_articles();
	write_typo_articles();
	if (asprintf(&synonyms_file, "%s/synonyms.txt", e2e_dir()) < 0)
		return -1;
	const char *syn = "us, usa, united states\nkyiv, kiev\n";
	if (write_file(synonyms_file, syn, strlen(syn)) < 0)
		return -1;
	static const char *opts[] = { "--synonyms", NULL, NULL };
	opts[1] = synonyms_file;
	start_daemon_with(opts);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(synonyms_file);
	return e2e_teardown();
}

static json_t *search_all(const char *q)
{
	return request("{s:s, s:s, s:s, s:i}", "op", "search", "q", q, "match",
	               "all", "limit", 20);
}

static json_int_t total_of(json_t *reply)
{
	return json_integer_value(json_object_get(reply, "total"));
}

/* Queries A and B get the same answer: the same hits in the same order,
 * the same total.  Frees nothing of the caller's. */
static void assert_same_answer(const char *a, const char *b)
{
	json_t *ra = search_all(a), *rb = search_all(b);
	char *pa = paths_of(ra), *pb = paths_of(rb);
	if (strcmp(pa, pb) != 0 || total_of(ra) != total_of(rb))
		fail_msg("'%s' found '%s' (%lld), '%s' found '%s' (%lld)", a,
		         pa, (long long)total_of(ra), b, pb,
		         (long long)total_of(rb));
	free(pa);
	free(pb);
	json_decref(ra);
	json_decref(rb);
}

/* ---- case and initials ---- */

static void test_initials_in_any_case(void **state)
{
	(void)state;
	/* Every form finds the three articles, whichever form each wrote. */
	assert_path_set(search_all("u.s. trade deficit japan"), 3,
	                "trade/deficit.json", "trade/exporters.json",
	                "trade/partners.json");
	assert_same_answer("u.s. trade deficit japan",
	                   "U.S. trade deficit Japan");
	assert_same_answer("U.S. trade deficit Japan",
	                   "US Trade Deficit JAPAN");
	assert_same_answer("u.s. trade deficit japan",
	                   "u.s trade deficit japan");
	assert_same_answer("U.S.", "u.s.");
	assert_same_answer("US", "u.s");
	assert_path_set(search_all("u.s."), 4, "trade/deficit.json",
	                "trade/exporters.json", "trade/partners.json",
	                "trade/sanctions.json");
	/* Synonyms take initials as the word their letters make. */
	assert_paths(search_all("U.S. sanctions"), "trade/sanctions.json");
	assert_same_answer("U.S. sanctions", "u.s sanctions");
}

static void test_ampersand_in_any_case(void **state)
{
	(void)state;
	assert_path_set(search_all("AT&T"), 2, "phones/att.json",
	                "phones/att-rivals.json");
	assert_same_answer("AT&T", "at&t");
	assert_same_answer("At&t", "at&t");
}

static void test_capitals_keep_a_stopword(void **state)
{
	(void)state;
	/* "who" is a stopword, so "who warned" is "warned"... */
	assert_path_set(search_all("who warned"), 2, "health/who.json",
	                "health/warned.json");
	/* ...but in capitals it is the WHO, and it must be there. */
	assert_paths(search_all("WHO warned"), "health/who.json");
}

/* ---- typos ---- */

/* The suggestion for Q, searched as typed ("(null)" for none). */
static const char *suggestion_of(const char *q)
{
	static char buf[256];
	json_t *r = request("{s:s, s:s, s:b}", "op", "search", "q", q,
	                    "autocorrect", 0);
	assert_true(json_is_true(json_object_get(r, "ok")));
	const char *s = json_string_value(json_object_get(r, "suggestion"));
	snprintf(buf, sizeof buf, "%s", s ? s : "(null)");
	json_decref(r);
	return buf;
}

static void test_typo_takes_the_likely_word(void **state)
{
	(void)state;
	/* "open" is in more articles, but k for c is the likelier slip. */
	assert_string_equal(suggestion_of("opek"), "opec");
	assert_string_equal(suggestion_of("opek output"), "opec output");
}

static void test_typo_in_the_first_letter(void **state)
{
	(void)state;
	assert_string_equal(suggestion_of("gremlin talks"), "kremlin talks");
	assert_string_equal(suggestion_of("remlin"), "kremlin");
}

static void test_rare_word_gets_a_hint(void **state)
{
	(void)state;
	/* One article has "volker", thirty "volcker": a hint, not a change. */
	assert_string_equal(suggestion_of("volker"), "volcker");
	json_t *r = request("{s:s, s:s}", "op", "search", "q", "volker");
	assert_int_equal(nhits(r), 1);
	assert_string_equal(hit_str(r, 0, "path"), "volker.json");
	json_decref(r);
	/* Known words with no far commoner neighbour get none. */
	assert_string_equal(suggestion_of("opec"), "(null)");
	assert_string_equal(suggestion_of("kremlin"), "(null)");
}

static void test_no_hint_for_a_synonym_hit(void **state)
{
	(void)state;
	/* No article says "kyiv"; its synonym finds one, and that is no
	 * typo. */
	json_t *r = request("{s:s, s:s}", "op", "search", "q", "kyiv trams");
	assert_int_equal(nhits(r), 1);
	assert_string_equal(hit_str(r, 0, "path"), "kiev.json");
	assert_true(json_is_null(json_object_get(r, "suggestion")));
	json_decref(r);
}

static const char *string_of(json_t *reply, const char *key)
{
	const char *v = json_string_value(json_object_get(reply, key));
	return v ? v : "(null)";
}

static void test_zero_hits_answer_the_correction(void **state)
{
	(void)state;
	json_t *r = request("{s:s, s:s}", "op", "search", "q", "opek");
	assert_string_equal(string_of(r, "corrected_from"), "opek");
	assert_string_equal(string_of(r, "corrected_to"), "opec");
	assert_true(json_is_null(json_object_get(r, "suggestion")));
	assert_int_equal(nhits(r), 4);
	assert_int_equal(strncmp(hit_str(r, 0, "path"), "opec/", 5), 0);
	json_decref(r);
	/* The other words stay; the continuation is the corrected one's. */
	r = request("{s:s, s:s}", "op", "search", "q", "opek output");
	assert_string_equal(string_of(r, "corrected_to"), "opec output");
	assert_int_equal(nhits(r), 4);
	assert_false(json_is_true(json_object_get(r, "relaxed")));
	json_decref(r);
	/* Asked not to: the query as typed, and the hint. */
	r = request("{s:s, s:s, s:b}", "op", "search", "q", "opek",
	            "autocorrect", 0);
	assert_true(json_is_null(json_object_get(r, "corrected_from")));
	assert_string_equal(string_of(r, "suggestion"), "opec");
	assert_int_equal(nhits(r), 0);
	json_decref(r);
}

static void test_known_words_never_corrected(void **state)
{
	(void)state;
	/* Both words are in articles, never together: no correction. */
	json_t *r = request("{s:s, s:s, s:s}", "op", "search", "q",
	                    "kremlin opec", "match", "all");
	assert_true(json_is_null(json_object_get(r, "corrected_from")));
	assert_int_equal(nhits(r), 0);
	json_decref(r);
	/* A rare word next to a common one: a hint, the search as typed. */
	r = request("{s:s, s:s}", "op", "search", "q", "volker");
	assert_true(json_is_null(json_object_get(r, "corrected_from")));
	assert_string_equal(string_of(r, "suggestion"), "volcker");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
	/* The CLI says what it searched for. */
	int rc;
	char *out = run_cli("search opek", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "showing results for: opec (nothing found "
	                            "for: opek"));
	free(out);
}

/* ---- as you type ---- */

static void test_suggest_completes_the_last_word(void **state)
{
	(void)state;
	json_t *r = request("{s:s, s:s, s:i}", "op", "suggest", "q",
	                    "paul volck", "limit", 5);
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_t *w = json_array_get(json_object_get(r, "completions"), 0);
	assert_string_equal(json_string_value(json_object_get(w, "word")),
	                    "volcker");
	assert_string_equal(json_string_value(json_object_get(w, "text")),
	                    "paul volcker");
	assert_int_equal(json_integer_value(json_object_get(w, "count")), 30);
	/* The titles of the best matches, "volck" begun in them. */
	json_t *t = json_array_get(json_object_get(r, "titles"), 0);
	assert_non_null(t);
	assert_string_equal(json_string_value(json_object_get(t, "title")),
	                    "Volcker on rates");
	assert_int_equal(strncmp(json_string_value(json_object_get(t, "path")),
	                         "volcker/", 8),
	                 0);
	json_decref(r);
	/* In capitals, as typed: the same words. */
	r = request("{s:s, s:s}", "op", "suggest", "q", "KREM");
	w = json_array_get(json_object_get(r, "completions"), 0);
	assert_string_equal(json_string_value(json_object_get(w, "text")),
	                    "kremlin");
	json_decref(r);
	/* A blank at the end: nothing being typed, no word to complete. */
	r = request("{s:s, s:s}", "op", "suggest", "q", "opec ");
	assert_int_equal(json_array_size(json_object_get(r, "completions")), 0);
	assert_true(json_array_size(json_object_get(r, "titles")) > 0);
	json_decref(r);
	/* Half a query that does not parse yet: the words still. */
	r = request("{s:s, s:s}", "op", "suggest", "q", "opec AND vol");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_array_get(json_object_get(r, "completions"), 0),
	                "word")),
	        "volcker");
	json_decref(r);
	int rc;
	char *out = run_cli("suggest volck", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "volcker  (30 articles)\n"));
	free(out);
	out = run_cli("__complete-word kre", &rc);
	assert_string_equal(out, "kremlin\n");
	free(out);
}

static void test_prefix_search(void **state)
{
	(void)state;
	/* "volck" is no word: as typed it finds nothing... */
	json_t *r = request("{s:s, s:s, s:b}", "op", "search", "q", "volck",
	                    "autocorrect", 0);
	assert_int_equal(nhits(r), 0);
	json_decref(r);
	/* ...as a beginning, every article with "volcker". */
	r = request("{s:s, s:s, s:b, s:i}", "op", "search", "q", "volck",
	            "prefix", 1, "limit", 50);
	assert_int_equal(nhits(r), 30);
	json_decref(r);
	/* However short: the commonest words with it, never TOO_BROAD. */
	r = request("{s:s, s:s, s:b}", "op", "search", "q", "v", "prefix", 1);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_true(nhits(r) > 0);
	json_decref(r);
	/* A blank after it: a whole word, as typed. */
	r = request("{s:s, s:s, s:b, s:b}", "op", "search", "q", "volck ",
	            "prefix", 1, "autocorrect", 0);
	assert_int_equal(nhits(r), 0);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initials_in_any_case),
		cmocka_unit_test(test_ampersand_in_any_case),
		cmocka_unit_test(test_capitals_keep_a_stopword),
		cmocka_unit_test(test_typo_takes_the_likely_word),
		cmocka_unit_test(test_typo_in_the_first_letter),
		cmocka_unit_test(test_rare_word_gets_a_hint),
		cmocka_unit_test(test_no_hint_for_a_synonym_hit),
		cmocka_unit_test(test_zero_hits_answer_the_correction),
		cmocka_unit_test(test_known_words_never_corrected),
		cmocka_unit_test(test_suggest_completes_the_last_word),
		cmocka_unit_test(test_prefix_search),
	};
	return cmocka_run_group_tests_name("forgive", tests, group_setup,
	                                   group_teardown);
}
