/* test_rank.c - the order of hits, end to end: the real nsearchd over
 * articles this file writes, asked through its socket.  Words that stand
 * together in an article as in the query rank it above one that has them
 * apart, and that order is the same on every page. */
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
	/* Both have "james" and "baker"; the first has Baker in its title
	 * and is short (BM25 puts it first), the second names James Baker. */
	article("people/fentress.json", "Baker, Fentress names new chairman",
	        "Baker, Fentress and Co said its board named a new chairman. "
	        "James Fentress retires in May.");
	article("people/treasury.json", "Dollar steadies",
	        "Treasury Secretary James Baker said the dollar had fallen far "
	        "enough. Baker spoke to reporters after a meeting in Paris "
	        "with "
	        "finance ministers about exchange rates and trade.");
	article("people/bakery.json", "Bread",
	        "A baker in Leeds opened a "
	        "second shop.");
	article("people/novel.json", "Books",
	        "James Wood wrote about the "
	        "novel and its readers.");
	/* Words in either order, close, above words far apart in an
	 * article a word shorter (which BM25 alone puts first). */
	article("ports/close.json", "Ports",
	        "The strike closed the harbour "
	        "ferry terminal for a week and freight piled up at the gates "
	        "while drivers waited.");
	article("ports/apart.json", "Ports",
	        "The ferry strike went on for "
	        "a week and freight piled up at the gates while the harbour "
	        "waited.");
}

/* For feedback: most tugboat articles are about the unions' strike, and
 * of the two others the one about the unions is a little longer than
 * the one about a menu. */
static void write_feedback_articles(void)
{
	char rel[64];
	for (int i = 0; i < 9; i++) {
		char text[96];
		snprintf(rel, sizeof rel, "tugs/strike%d.json", i);
		snprintf(text, sizeof text,
		         "The tugboat strike by the unions "
		         "over pay went on, day %d.",
		         i);
		article(rel, "Strike", text);
	}
	article("tugs/unions.json", "Talks",
	        "Tugboat unions met the owners "
	        "again today.");
	article("tugs/menu.json", "Food", "A tugboat menu of fish today.");
	for (int i = 0; i < 30; i++) {
		char text[64];
		snprintf(rel, sizeof rel, "weather/%d.json", i);
		snprintf(text, sizeof text,
		         "Rain and wind on the coast, day %d.", i);
		article(rel, "Weather", text);
	}
}

static int group_setup(void **state)
{
	(void)state;
	if (e2e_make_dirs() < 0)
		return -1;
	write_articles();
	start_daemon();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return e2e_teardown();
}

/* Feedback's articles in a tree of their own: they would change the
 * statistics the other tests' orders rest on. */
static int feedback_setup(void **state)
{
	(void)state;
	if (e2e_make_dirs() < 0)
		return -1;
	write_feedback_articles();
	start_daemon();
	return 0;
}

/* Q's hits with every word (the partial ones would follow). */
static json_t *search_all(const char *q)
{
	return request("{s:s, s:s, s:s}", "op", "search", "q", q, "match",
	               "all");
}

static void test_name_above_passing_mention(void **state)
{
	(void)state;
	assert_paths(search_all("james baker"),
	             "people/treasury.json people/fentress.json");
	/* Case changes nothing here either. */
	assert_paths(search_all("James Baker"),
	             "people/treasury.json people/fentress.json");
}

static void test_close_words_above_far_ones(void **state)
{
	(void)state;
	assert_paths(search_all("harbour ferry"),
	             "ports/close.json ports/apart.json");
	assert_paths(search_all("ferry harbour"),
	             "ports/close.json ports/apart.json");
}

/* The order closeness makes is the order of every page. */
static void test_pages_agree(void **state)
{
	(void)state;
	const char *expected[] = { "people/treasury.json",
		                   "people/fentress.json" };
	for (int offset = 0; offset < 2; offset++) {
		json_t *r = request("{s:s, s:s, s:s, s:i, s:i}", "op", "search",
		                    "q", "james baker", "match", "all", "limit",
		                    1, "offset", offset);
		assert_int_equal(nhits(r), 1);
		assert_string_equal(hit_str(r, 0, "path"), expected[offset]);
		assert_int_equal(
		        json_integer_value(json_object_get(r, "total")), 2);
		json_decref(r);
	}
}

/* Where PATH is among the hits of REPLY, or -1. */
static int position(json_t *reply, const char *path)
{
	for (size_t i = 0; i < nhits(reply); i++)
		if (strcmp(hit_str(reply, i, "path"), path) == 0)
			return (int)i;
	return -1;
}

static void test_feedback_on_request(void **state)
{
	(void)state;
	json_t *plain = request("{s:s, s:s, s:i}", "op", "search", "q",
	                        "tugboat", "limit", 20);
	json_t *fb = request("{s:s, s:s, s:i, s:b}", "op", "search", "q",
	                     "tugboat", "limit", 20, "feedback", 1);
	/* The same articles, no new ones... */
	assert_int_equal(nhits(plain), 11);
	assert_int_equal(nhits(fb), 11);
	/* ...ordered by what the best of them are about. */
	assert_true(position(plain, "tugs/menu.json") <
	            position(plain, "tugs/unions.json"));
	assert_true(position(fb, "tugs/unions.json") <
	            position(fb, "tugs/menu.json"));
	json_decref(plain);
	json_decref(fb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_above_passing_mention),
		cmocka_unit_test(test_close_words_above_far_ones),
		cmocka_unit_test(test_pages_agree),
	};
	const struct CMUnitTest feedback[] = {
		cmocka_unit_test(test_feedback_on_request),
	};
	int failed = cmocka_run_group_tests_name("rank", tests, group_setup,
	                                         group_teardown);
	return failed + cmocka_run_group_tests_name("feedback", feedback,
	                                            feedback_setup,
	                                            group_teardown);
}
