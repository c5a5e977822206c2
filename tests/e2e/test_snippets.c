/* test_snippets.c - what a search returns of long articles, end to end:
 * the real nsearchd over a tree of long articles written here, asked
 * through its socket.  A long article's snippet is the passage with the
 * query's words, wherever it is in the text, not the article's start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>

#include "harness.h"

/* A long article: a title, then N filler sentences (no word of the
 * queries below in them) with sentence AT[k] replaced by SAY[k].  New
 * (free()). */
static char *long_article(const char *title, int n, const int *at,
                          const char *const *say, int nsay)
{
	ns_buf_t b = {0};
	assert_int_equal(ns_buf_printf(&b, "%s\n\n", title), NS_OK);
	for (int i = 0; i < n; i++) {
		const char *own = NULL;
		for (int k = 0; k < nsay; k++)
			if (at[k] == i)
				own = say[k];
		ns_status_t st = own ? ns_buf_printf(&b, "%s. ", own)
		                     : ns_buf_printf(&b, "Filler line %d tells of "
		                                     "the council budget and "
		                                     "the weather. ", i);
		assert_int_equal(st, NS_OK);
		if (i % 8 == 7)
			assert_int_equal(ns_buf_append(&b, "\n\n", 2), NS_OK);
	}
	assert_int_equal(ns_buf_append(&b, "\n", 1), NS_OK);
	return b.data;
}

static int group_setup(void **state)
{
	if (e2e_make_dirs() < 0)
		return -1;
	/* About 9 KB each: the first mentions one query word near its
	 * start, the passage with all of them two thirds of the way down. */
	const int at_a[] = {2, 80};
	const char *const say_a[] = {
		"The lighthouse keeper retired early",
		"Storm surge flooded the lighthouse cottages at Brenmouth"};
	char *a = long_article("Coastal budget", 120, at_a, say_a, 2);
	put_file("coast/budget.txt", a);
	free(a);
	const int at_b[] = {5, 100};
	const char *const say_b[] = {"Cottages were sold",
	                             "Brenmouth rebuilt its sea wall"};
	char *b = long_article("Harbour works", 120, at_b, say_b, 2);
	put_file("coast/works.txt", b);
	free(b);
	start_daemon();
	return 0;
}

static int group_teardown(void **state)
{
	return e2e_teardown();
}

static void test_long_article_snippet_is_the_passage(void **state)
{
	json_t *r = request("{s:s, s:s}", "op", "search", "q",
	                    "lighthouse storm surge");
	assert_int_equal(nhits(r), 1);
	const char *snip = hit_str(r, 0, "snippet");
	assert_non_null(strstr(snip, "<b>Storm</b> <b>surge</b> flooded the "
	                             "<b>lighthouse</b> cottages"));
	/* Not the article's start, nor the first mention of a word. */
	assert_null(strstr(snip, "Filler line 0 "));
	assert_null(strstr(snip, "keeper"));
	json_decref(r);

	/* Every hit of a word both have: each its own passage. */
	r = request("{s:s, s:s, s:s}", "op", "search", "q", "brenmouth",
	            "snippet_format", "text");
	assert_int_equal(nhits(r), 2);
	for (size_t i = 0; i < 2; i++) {
		snip = hit_str(r, i, "snippet");
		assert_non_null(strstr(snip, "Brenmouth"));
		assert_null(strstr(snip, "Filler line 0 "));
	}
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_article_snippet_is_the_passage),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
