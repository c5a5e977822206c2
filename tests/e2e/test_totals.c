/* test_totals.c - honest totals, end to end: the real nsearchd (counting
 * exactly up to 100 matches, --exact-count) over articles this file
 * writes, asked page by page.  A total is the same on every page of a
 * query, with or without collapsing and facets; exact up to the limit,
 * then the limit, said to be a lower bound; collapsing counts what is
 * shown, and wire copies are collapsed by default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"

#define LIMIT 100
/* "quay": 60 articles, 6 of them a second copy of another (54 stories).
 * "harbour": 150 articles, over the limit.  "pilot boat", a phrase: 46
 * articles, among 80 with both words. */
#define QUAY_ARTICLES 60
#define QUAY_STORIES 54
#define HARBOUR_ARTICLES 150
#define PHRASE_ARTICLES 46
/* "ferry": 60 stories filed twice, 120 articles: more than the limit,
 * fewer stories than it. */
#define FERRY_STORIES 60
/* "tugboat": 30 stories of equal weight; the test files a copy of the
 * first with a long byline, so that it weighs less than any of them. */
#define TUG_STORIES 30
/* "gull tern": 8 stories with both words, 5 of them filed twice (13
 * articles); 5 more with "tern" only. */
#define GULL_STORIES 8
#define GULL_COPIES 5
#define TERN_ONLY 5

static void article(const char *rel, const char *title, const char *body)
{
	put_json_article(rel, title, body, rel[0] == 'h' ? "Coast" : "Ports");
}

static void write_articles(void)
{
	char rel[64], text[256];
	for (int i = 0; i < QUAY_STORIES; i++) {
		snprintf(rel, sizeof rel, "quay/%d.json", i);
		snprintf(text, sizeof text,
		         "Cranes on the quay moved %d "
		         "containers on day %d.",
		         100 + i, i);
		article(rel, "Quay", text);
		/* The wire's copy of the first six, filed again. */
		if (i < QUAY_ARTICLES - QUAY_STORIES) {
			snprintf(rel, sizeof rel, "wire/quay-%d.json", i);
			article(rel, "Quay", text);
		}
	}
	for (int i = 0; i < FERRY_STORIES; i++) {
		snprintf(text, sizeof text,
		         "The ferry left on time, sailing %d.", i);
		snprintf(rel, sizeof rel, "ferry/%d.json", i);
		article(rel, "Ferry", text);
		snprintf(rel, sizeof rel, "ferry/copy-%d.json", i);
		article(rel, "Ferry", text);
	}
	for (int i = 0; i < GULL_STORIES; i++) {
		snprintf(text, sizeof text,
		         "A gull followed the tern past buoy %d.", i);
		snprintf(rel, sizeof rel, "gull/%d.json", i);
		article(rel, "Birds", text);
		if (i < GULL_COPIES) {
			snprintf(rel, sizeof rel, "gull/copy-%d.json", i);
			article(rel, "Birds", text);
		}
	}
	for (int i = 0; i < TERN_ONLY; i++) {
		snprintf(text, sizeof text, "One tern nested on rock %d.", i);
		snprintf(rel, sizeof rel, "tern/%d.json", i);
		article(rel, "Birds", text);
	}
	for (int i = 0; i < TUG_STORIES; i++) {
		snprintf(rel, sizeof rel, "tug/%d.json", i);
		snprintf(text, sizeof text,
		         "The tugboat pushed barge %d upriver.", 10 + i);
		article(rel, "Tugboat", text);
	}
	for (int i = 0; i < HARBOUR_ARTICLES; i++) {
		snprintf(rel, sizeof rel, "harbour/%d.json", i);
		snprintf(text, sizeof text,
		         "The harbour master logged ship %d. "
		         "%s",
		         i,
		         i < 80 ? (i < PHRASE_ARTICLES
		                           ? "A pilot boat met it."
		                           : "The boat had no pilot aboard.")
		                : "");
		article(rel, "Harbour log", text);
	}
}

static int group_setup(void **state)
{
	(void)state;
	if (e2e_make_dirs() < 0)
		return -1;
	write_articles();
	static const char *opts[] = { "--exact-count", "100", NULL };
	start_daemon_with(opts);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return e2e_teardown();
}

/* One page of Q: OFFSET, LIMIT hits, EXTRA (a json_pack object of more
 * fields, a reference this takes, or NULL). */
static json_t *page(const char *q, int offset, int limit, json_t *extra)
{
	json_t *req = json_pack("{s:s, s:s, s:i, s:i}", "op", "search", "q", q,
	                        "offset", offset, "limit", limit);
	if (extra)
		json_object_update(req, extra);
	json_decref(extra);
	json_t *r = request_json(req);
	assert_true(json_is_true(json_object_get(r, "ok")));
	return r;
}

static json_int_t total_of(json_t *r)
{
	return json_integer_value(json_object_get(r, "total"));
}

/* Every page of Q (pages of PER, up to the end or DEPTH) says TOTAL and
 * EXACT; returns how many hits the pages held in all.  EXTRA as page()'s
 * (a pack format, built again for each page). */
static size_t assert_pages(const char *q, int per, int depth, json_int_t total,
                           bool exact, const char *extra)
{
	size_t seen = 0;
	for (int offset = 0; offset < depth; offset += per) {
		json_t *r = page(q, offset, per,
		                 extra ? json_loads(extra, 0, NULL) : NULL);
		if (total_of(r) != total ||
		    json_is_true(json_object_get(r, "exact")) != exact)
			fail_msg("%s at offset %d: total %lld%s, expected "
			         "%lld%s",
			         q, offset, (long long)total_of(r),
			         json_is_true(json_object_get(r, "exact"))
			                 ? ""
			                 : "+",
			         (long long)total, exact ? "" : "+");
		seen += nhits(r);
		size_t n = nhits(r);
		json_decref(r);
		if (n < (size_t)per)
			break;
	}
	return seen;
}

static void test_exact_on_every_page(void **state)
{
	(void)state;
	/* Collapsed (the default): the stories, as many as are shown. */
	assert_int_equal(
	        assert_pages("quay", 10, 200, QUAY_STORIES, true, NULL),
	        QUAY_STORIES);
	/* Every copy: every article. */
	assert_int_equal(assert_pages("quay", 10, 200, QUAY_ARTICLES, true,
	                              "{\"collapse\":false}"),
	                 QUAY_ARTICLES);
	/* A phrase: counted, not guessed. */
	assert_int_equal(assert_pages("\"pilot boat\"", 7, 200, PHRASE_ARTICLES,
	                              true, NULL),
	                 PHRASE_ARTICLES);
}

static void test_lower_bound_past_the_limit(void **state)
{
	(void)state;
	/* 150 matches: "at least 100" on every page, the deepest too (whose
	 * match alone would have counted them all). */
	assert_pages("harbour", 20, 160, LIMIT, false, NULL);
	assert_pages("harbour", 20, 160, LIMIT, false, "{\"collapse\":false}");
	json_t *r = page("harbour", 140, 20, NULL);
	assert_int_equal(nhits(r), 10);
	assert_int_equal(total_of(r), LIMIT);
	assert_int_equal(json_integer_value(json_object_get(
	                         json_object_get(r, "total_bounds"), "min")),
	                 LIMIT);
	json_decref(r);
}

/* More copies than the limit, fewer stories than it: on one index the
 * count looks for stories, so it sees every copy and counts the stories
 * exactly, the same on every page. */
static void test_many_copies(void **state)
{
	(void)state;
	assert_int_equal(
	        assert_pages("ferry", 10, 100, FERRY_STORIES, true, NULL),
	        FERRY_STORIES);
	/* Every copy: over the limit. */
	assert_pages("ferry", 25, 150, LIMIT, false, "{\"collapse\":false}");
}

static void test_facets_change_no_total(void **state)
{
	(void)state;
	/* Facets count every article, duplicates too; the total is still
	 * the hits shown, the same as without facets. */
	assert_pages("quay", 25, 200, QUAY_STORIES, true,
	             "{\"facets\":[\"section\"]}");
	json_t *r =
	        page("quay", 0, 5, json_pack("{s:[s]}", "facets", "section"));
	json_t *sec = json_array_get(
	        json_object_get(json_object_get(r, "facets"), "section"), 0);
	assert_int_equal(json_integer_value(json_object_get(sec, "count")),
	                 QUAY_ARTICLES);
	assert_true(json_is_true(json_object_get(r, "facets_exact")));
	json_decref(r);
	assert_pages("harbour", 50, 160, LIMIT, false,
	             "{\"facets\":[\"section\"]}");
}

static void test_wire_copies_collapsed_by_default(void **state)
{
	(void)state;
	json_t *r = page("containers 100", 0, 10,
	                 json_pack("{s:s}", "match", "all"));
	assert_int_equal(nhits(r), 1);
	assert_int_equal(json_integer_value(json_object_get(
	                         json_array_get(json_object_get(r, "hits"), 0),
	                         "duplicates")),
	                 1);
	json_decref(r);
	r = page("containers 100", 0, 10,
	         json_pack("{s:b, s:s}", "collapse", 0, "match", "all"));
	assert_path_set(r, 2, "quay/0.json", "wire/quay-0.json");
}

/* Each hit says how many copies it folds, on every page, whichever copy
 * the page's match kept and however little of the list it looked at:
 * the six stories filed twice fold one copy each, the rest none. */
static void test_every_hit_counts_its_copies(void **state)
{
	(void)state;
	json_int_t folded = 0;
	size_t hits = 0;
	for (int offset = 0; offset < QUAY_STORIES; offset += 10) {
		json_t *r = page("quay", offset, 10, NULL);
		json_t *h;
		size_t i;
		json_array_foreach(json_object_get(r, "hits"), i, h) {
			const char *path =
			        json_string_value(json_object_get(h, "path"));
			int story = -1;
			assert_true(sscanf(path, "quay/%d.json", &story) == 1 ||
			            sscanf(path, "wire/quay-%d.json", &story) ==
			                    1);
			json_int_t copies = json_integer_value(
			        json_object_get(h, "duplicates"));
			if (copies != (story < QUAY_ARTICLES - QUAY_STORIES))
				fail_msg("%s folds %lld copies", path,
				         (long long)copies);
			folded += copies;
			hits++;
		}
		json_decref(r);
	}
	assert_int_equal(hits, QUAY_STORIES);
	assert_int_equal(folded, QUAY_ARTICLES - QUAY_STORIES);
}

/* A copy that weighs less than every story (its byline makes it
 * longer) is counted as its story's copy, and never shown instead of it;
 * the total stays the stories'. */
static void test_light_copy_counted(void **state)
{
	(void)state;
	json_t *o = json_pack(
	        "{s:s, s:s, s:s, s:[s,s,s,s,s,s]}", "title", "Tugboat", "body",
	        "The tugboat pushed barge 10 upriver.", "language", "en",
	        "authors", "Wilhelmina Okonkwo-Fairweather",
	        "Bartholomew Castellanos-Whitby", "Anastasia Villeneuve-Drake",
	        "Maximilian Oyelaran-Lindqvist", "Genevieve Hargreaves-Mbeki",
	        "Cornelius Abernathy-Nakamura");
	char *s = json_dumps(o, JSON_COMPACT);
	put_file("zz/tug-copy.json", s);
	free(s);
	json_decref(o);
	json_decref(wait_for("zz/tug-copy.json"));
	int found = 0;
	for (int offset = 0; offset < TUG_STORIES; offset += 10) {
		json_t *r = page("tugboat", offset, 10, NULL);
		assert_int_equal(total_of(r), TUG_STORIES);
		for (size_t i = 0; i < nhits(r); i++) {
			json_t *h =
			        json_array_get(json_object_get(r, "hits"), i);
			const char *path = hit_str(r, i, "path");
			json_int_t copies = json_integer_value(
			        json_object_get(h, "duplicates"));
			bool first = strcmp(path, "tug/0.json") == 0;
			assert_string_not_equal(path, "zz/tug-copy.json");
			if (copies != (first ? 1 : 0))
				fail_msg("%s folds %lld copies", path,
				         (long long)copies);
			found += first;
		}
		json_decref(r);
	}
	assert_int_equal(found, 1);
}

/* Fewer stories with every word than a list goes on after, copies among
 * them: every page says the same exact total (the stories with every
 * word, then those with some), each story is shown once, ranks run on
 * without a gap or a repeat, and the partial hits come after the full
 * ones. */
static void assert_copies_then_some_words(const char *extra)
{
	int seen[GULL_STORIES + TERN_ONLY] = { 0 };
	json_int_t rank = 0;
	for (int offset = 0; offset < 20; offset += 3) {
		json_t *r = page("gull tern", offset, 3,
		                 extra ? json_loads(extra, 0, NULL) : NULL);
		assert_int_equal(total_of(r), GULL_STORIES + TERN_ONLY);
		assert_true(json_is_true(json_object_get(r, "exact")));
		json_t *h;
		size_t i;
		json_array_foreach(json_object_get(r, "hits"), i, h) {
			const char *path = hit_str(r, i, "path");
			int n = -1;
			bool partial =
			        json_is_true(json_object_get(h, "partial"));
			if (sscanf(path, "gull/copy-%d.json", &n) == 1 ||
			    sscanf(path, "gull/%d.json", &n) == 1) {
				assert_false(partial);
				assert_true(rank < GULL_STORIES);
			} else {
				assert_int_equal(
				        sscanf(path, "tern/%d.json", &n), 1);
				assert_true(partial);
				assert_true(rank >= GULL_STORIES);
				n += GULL_STORIES;
			}
			assert_true(n >= 0 && n < GULL_STORIES + TERN_ONLY);
			seen[n]++;
			assert_int_equal(
			        json_integer_value(json_object_get(h, "rank")),
			        rank + 1);
			rank++;
		}
		json_decref(r);
	}
	assert_int_equal(rank, GULL_STORIES + TERN_ONLY);
	for (int n = 0; n < GULL_STORIES + TERN_ONLY; n++)
		assert_int_equal(seen[n], 1);
}

static void test_copies_then_some_words(void **state)
{
	(void)state;
	assert_copies_then_some_words(NULL);
	/* By date the best are not ranked first: each page decides from
	 * the count, which every page agrees on. */
	assert_copies_then_some_words("{\"sort\":\"newest\"}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_on_every_page),
		cmocka_unit_test(test_lower_bound_past_the_limit),
		cmocka_unit_test(test_many_copies),
		cmocka_unit_test(test_facets_change_no_total),
		cmocka_unit_test(test_wire_copies_collapsed_by_default),
		cmocka_unit_test(test_every_hit_counts_its_copies),
		cmocka_unit_test(test_light_copy_counted),
		cmocka_unit_test(test_copies_then_some_words),
	};
	return cmocka_run_group_tests_name("totals", tests, group_setup,
	                                   group_teardown);
}
