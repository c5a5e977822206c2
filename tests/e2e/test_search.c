/* test_search.c - the search a newsroom needs, end to end: the real
 * nsearchd over tests/fixtures/search (articles written for these tests),
 * asked through its socket and through nsearch-cli.  Every assertion is
 * on what the fixtures say: which article, in which order, with which
 * counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "harness.h"

#define NDOCS 20

static char *synonyms_file;

static int group_setup(void **state)
{
	if (e2e_make_dirs() < 0)
		return -1;
	copy_tree(getenv("NS_SEARCH_FIXTURES"), "");
	if (asprintf(&synonyms_file, "%s/synonyms.txt", e2e_dir()) < 0)
		return -1;
	const char *syn = "# place names\nkyiv, kiev\nus, usa, united states\n";
	if (write_file(synonyms_file, syn, strlen(syn)) < 0)
		return -1;
	static const char *opts[] = {"--synonyms", NULL, "--max-expansion",
	                             "3", NULL};
	opts[1] = synonyms_file;
	start_daemon_with(opts);
	return 0;
}

static int group_teardown(void **state)
{
	free(synonyms_file);
	return e2e_teardown();
}

static const char *error_code(json_t *reply)
{
	return json_string_value(json_object_get(json_object_get(reply, "error"),
	                                         "code"));
}

static double hit_score(json_t *reply, size_t i)
{
	return json_number_value(json_object_get(
		json_array_get(json_object_get(reply, "hits"), i), "score"));
}

/* ---- ranking and the query language ---- */

static void test_title_outranks_body(void **state)
{
	assert_paths(request("{s:s, s:s}", "op", "search", "q", "orlov"),
	             "world/orlov-visit.txt world/customs-queues.txt");
}

static void test_author_names_are_words(void **state)
{
	/* A reporter's name finds their articles without author: too. */
	assert_path_set(request("{s:s, s:s, s:s}", "op", "search", "q", "quill",
	                        "match", "all"), 3,
	                "world/orlov-visit.txt", "world/customs-queues.txt",
	                "politics/presidential-race.txt");
	assert_path_set(request("{s:s, s:s}", "op", "search", "q",
	                        "author:ferreira"), 3,
	                "world/customs-queues.txt", "world/states-tariffs.txt",
	                "energy/wind-turbines.txt");
}

static void test_phrase_needs_adjacent_words(void **state)
{
	assert_paths(request("{s:s, s:s}", "op", "search", "q",
	                     "\"grain corridor\""),
	             "business/grain-corridor.txt");
	/* Without the quotes both have both words. */
	assert_path_set(request("{s:s, s:s}", "op", "search", "q",
	                        "grain corridor"), 2,
	                "business/grain-corridor.txt",
	                "business/corridor-apart.txt");
}

static void test_near(void **state)
{
	assert_paths(request("{s:s, s:s}", "op", "search", "q",
	                     "steel NEAR tariff"),
	             "business/steel-tariff.txt");
	assert_path_set(request("{s:s, s:s, s:s}", "op", "search", "q",
	                        "steel tariff", "match", "all"), 2,
	                "business/steel-tariff.txt", "business/steel-far.txt");
}

static void test_boolean_operators(void **state)
{
	assert_path_set(request("{s:s, s:s}", "op", "search", "q",
	                        "metro OR cable"), 2,
	                "world/kyiv-metro.txt", "energy/wind-turbines.txt");
	assert_paths(request("{s:s, s:s}", "op", "search", "q",
	                     "steel -tariff"), "");
	assert_paths(request("{s:s, s:s}", "op", "search", "q",
	                     "steel NOT shares"), "business/steel-far.txt");
}

static void test_date_range_inclusive(void **state)
{
	assert_path_set(request("{s:s, s:s}", "op", "search", "q",
	                        "beacon date:2024-04-01..2024-04-30"), 2,
	                "coast/april-first.txt", "coast/april-last.txt");
	assert_paths(request("{s:s, s:s}", "op", "search", "q",
	                     "beacon date:..2024-03-31"), "coast/march-end.txt");
	assert_paths(request("{s:s, s:s, s:s}", "op", "search", "q", "beacon",
	                     "sort", "oldest"),
	             "coast/march-end.txt coast/april-first.txt "
	             "coast/april-last.txt coast/may-first.txt");
	/* The filter form is inclusive too. */
	assert_path_set(request("{s:s, s:s, s:{s:s, s:s}}", "op", "search", "q",
	                        "beacon", "filter", "date_from", "2024-04-01",
	                        "date_to", "2024-04-30"), 2,
	                "coast/april-first.txt", "coast/april-last.txt");
}

static void test_wildcard_and_its_cap(void **state)
{
	/* presiden* is president, presidential, presidency: 3, the cap. */
	assert_paths(request("{s:s, s:s}", "op", "search", "q", "presiden*"),
	             "politics/presidential-race.txt");
	json_t *r = request("{s:s, s:s}", "op", "search", "q", "s*");
	assert_string_equal(error_code(r), "TOO_BROAD");
	json_decref(r);
}

static void test_stopwords_only(void **state)
{
	json_t *r = request("{s:s, s:s}", "op", "search", "q", "the who");
	assert_true(nhits(r) >= 1);
	assert_string_equal(hit_str(r, 0, "path"), "culture/the-who-tour.txt");
	json_decref(r);
	/* In capitals it is a name (the WHO), not a stopword: no article
	 * about the beacon mentions it. */
	r = request("{s:s, s:s, s:s}", "op", "search", "q", "WHO beacon",
	            "match", "all");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(nhits(r), 0);
	json_decref(r);
	/* A stopword does not stop a query from finding its other words. */
	assert_paths(request("{s:s, s:s, s:s}", "op", "search", "q",
	                     "the kyiv metro", "match", "all"),
	             "world/kyiv-metro.txt");
}

static void test_synonyms(void **state)
{
	assert_path_set(request("{s:s, s:s}", "op", "search", "q", "kiev"), 2,
	                "world/kyiv-metro.txt", "world/kiev-archive.txt");
	assert_path_set(request("{s:s, s:s}", "op", "search", "q", "Kyiv"), 2,
	                "world/kyiv-metro.txt", "world/kiev-archive.txt");
	/* A phrase member: "us" finds "United States". */
	assert_paths(request("{s:s, s:s, s:s}", "op", "search", "q",
	                     "us turbines", "match", "all"),
	             "world/states-tariffs.txt");
	/* Beside NEAR a word stays as typed (Xapian takes no group there). */
	json_t *r = request("{s:s, s:s}", "op", "search", "q", "kyiv NEAR metro");
	assert_false(json_is_true(json_object_get(r, "relaxed")));
	json_decref(r);
	assert_paths(request("{s:s, s:s}", "op", "search", "q",
	                     "kyiv NEAR metro"), "world/kyiv-metro.txt");
	/* Quoted words are taken as typed. */
	assert_paths(request("{s:s, s:s}", "op", "search", "q", "\"kiev\""),
	             "world/kiev-archive.txt");
}

static void test_spelling_suggestion(void **state)
{
	json_t *r = request("{s:s, s:s, s:b}", "op", "search", "q", "orlvo",
	                    "autocorrect", 0);
	assert_string_equal(json_string_value(json_object_get(r, "suggestion")),
	                    "orlov");
	json_decref(r);
	/* Known words are not corrected, even when a neighbour is known too
	 * (kyiv and kiev are one letter apart). */
	r = request("{s:s, s:s}", "op", "search", "q", "orlov");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_true(json_is_null(json_object_get(r, "suggestion")));
	json_decref(r);
	r = request("{s:s, s:s}", "op", "search", "q", "kyiv");
	assert_true(json_is_null(json_object_get(r, "suggestion")));
	json_decref(r);
	/* Only the unknown word changes; operators and fields stay. */
	r = request("{s:s, s:s}", "op", "search", "q",
	            "section:world orlvo OR metro");
	assert_string_equal(json_string_value(json_object_get(r, "suggestion")),
	                    "section:world orlov OR metro");
	json_decref(r);
}

static void test_match_modes(void **state)
{
	/* No article has both words: nothing with "all"... */
	json_t *r = request("{s:s, s:s, s:s}", "op", "search", "q",
	                    "orlov cable", "match", "all");
	assert_int_equal(nhits(r), 0);
	json_decref(r);
	/* ...and by default those with either, marked partial. */
	r = request("{s:s, s:s}", "op", "search", "q", "orlov cable");
	assert_true(json_is_true(json_object_get(r, "relaxed")));
	assert_int_equal(nhits(r), 3);
	for (size_t i = 0; i < 3; i++)
		assert_true(json_is_true(json_object_get(
			json_array_get(json_object_get(r, "hits"), i), "partial")));
	json_decref(r);
	/* Full matches come before partial ones: both steel articles have
	 * all three words, the turbine tariffs only one. */
	r = request("{s:s, s:s}", "op", "search", "q", "steel tariff mills");
	assert_int_equal(nhits(r), 3);
	assert_true(json_is_true(json_object_get(r, "relaxed")));
	assert_string_equal(hit_str(r, 0, "path"), "business/steel-tariff.txt");
	assert_string_equal(hit_str(r, 1, "path"), "business/steel-far.txt");
	assert_string_equal(hit_str(r, 2, "path"), "world/states-tariffs.txt");
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(json_is_true(json_object_get(
			json_array_get(json_object_get(r, "hits"), i), "partial")),
			i == 2);
	json_decref(r);
}

/* The continuation is the same list on every page: the same total, the
 * same order, ranks that follow on. */
static void test_match_auto_pages_agree(void **state)
{
	json_t *whole = request("{s:s, s:s}", "op", "search", "q",
	                        "steel tariff mills");
	assert_int_equal(nhits(whole), 3);
	for (int offset = 0; offset < 4; offset++) {
		json_t *page = request("{s:s, s:s, s:i, s:i}", "op", "search", "q",
		                       "steel tariff mills", "limit", 1, "offset",
		                       offset);
		assert_int_equal(json_integer_value(json_object_get(page, "total")), 3);
		assert_true(json_is_true(json_object_get(page, "exact")));
		assert_true(json_is_true(json_object_get(page, "relaxed")));
		assert_int_equal(nhits(page), offset < 3 ? 1 : 0);
		if (offset < 3) {
			assert_string_equal(hit_str(page, 0, "path"),
			                    hit_str(whole, (size_t)offset, "path"));
			assert_int_equal(json_integer_value(json_object_get(
				json_array_get(json_object_get(page, "hits"), 0), "rank")),
				offset + 1);
		}
		json_decref(page);
	}
	json_decref(whole);
	/* Sorted by date, full matches still come first. */
	assert_paths(request("{s:s, s:s, s:s}", "op", "search", "q",
	                     "steel tariff mills", "sort", "oldest"),
	             "business/steel-tariff.txt business/steel-far.txt "
	             "world/states-tariffs.txt");
}

static void test_filters_do_not_change_ranking(void **state)
{
	const char *q = "panels OR grid OR substation OR cable OR tariff";
	json_t *all = request("{s:s, s:s, s:i}", "op", "search", "q", q,
	                      "limit", 100);
	json_t *energy = request("{s:s, s:s, s:i, s:{s:s}}", "op", "search", "q",
	                         q, "limit", 100, "filter", "section", "Energy");
	assert_int_equal(nhits(energy), 3);
	size_t k = 0;
	for (size_t i = 0; i < nhits(all); i++) {
		if (strncmp(hit_str(all, i, "path"), "energy/", 7) != 0)
			continue;
		assert_true(k < nhits(energy));
		assert_string_equal(hit_str(all, i, "path"), hit_str(energy, k, "path"));
		assert_true(hit_score(all, i) == hit_score(energy, k));
		k++;
	}
	assert_int_equal(k, nhits(energy));
	json_decref(all);
	json_decref(energy);
}

static void test_pagination(void **state)
{
	json_t *whole = request("{s:s, s:s, s:i}", "op", "search", "q", "said",
	                        "limit", 100);
	size_t n = nhits(whole);
	assert_true(n >= 8);
	size_t seen = 0;
	for (unsigned offset = 0;; offset += 3) {
		json_t *page = request("{s:s, s:s, s:i, s:i}", "op", "search", "q",
		                       "said", "limit", 3, "offset", (int)offset);
		size_t m = nhits(page);
		for (size_t i = 0; i < m; i++) {
			assert_string_equal(hit_str(page, i, "path"),
			                    hit_str(whole, seen, "path"));
			assert_int_equal(json_integer_value(json_object_get(
				json_array_get(json_object_get(page, "hits"), i), "rank")),
				seen + 1);
			seen++;
		}
		json_decref(page);
		if (m == 0)
			break;
	}
	assert_int_equal(seen, n);
	json_decref(whole);
}

/* ---- facets, collapse, snippets, fields ---- */

static json_t *facet(json_t *reply, const char *name)
{
	json_t *f = json_object_get(json_object_get(reply, "facets"), name);
	if (!json_is_array(f))
		fail_msg("no facet %s in the reply", name);
	return f;
}

static void assert_facet(json_t *reply, const char *name, size_t n, ...)
{
	json_t *f = facet(reply, name);
	assert_int_equal(json_array_size(f), n);
	va_list ap;
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		const char *value = va_arg(ap, const char *);
		int count = va_arg(ap, int);
		json_t *v = json_array_get(f, i);
		assert_string_equal(json_string_value(json_object_get(v, "value")),
		                    value);
		assert_int_equal(json_integer_value(json_object_get(v, "count")),
		                 count);
	}
	va_end(ap);
}

static void test_facets_count_every_match(void **state)
{
	json_t *r = request("{s:s, s:s, s:{s:s}, s:[s,s,s,s], s:i, s:b}", "op",
	                    "search", "q", "", "filter", "section", "Business",
	                    "facets", "tag", "author", "month", "section",
	                    "limit", 2, "collapse", 0);
	/* Only two hits on the page; the counts cover all six matches. */
	assert_int_equal(nhits(r), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 6);
	assert_true(json_is_true(json_object_get(r, "exact")));
	assert_facet(r, "tag", 4, "Shipping", 3, "Trade", 3, "Labour", 2,
	             "Steel", 2);
	assert_facet(r, "author", 2, "Priya Nandakumar", 4, "Tomas Beneke", 2);
	assert_facet(r, "month", 3, "2024-04", 2, "2024-07", 2, "2024-10", 2);
	assert_facet(r, "section", 1, "Business", 6);
	json_decref(r);

	/* The same counts by hand, from every hit. */
	r = request("{s:s, s:s, s:{s:s}, s:[s], s:i, s:b}", "op", "search", "q",
	            "", "filter", "section", "Business", "facets", "tag",
	            "limit", 100, "collapse", 0);
	json_t *f = facet(r, "tag");
	for (size_t i = 0; i < json_array_size(f); i++) {
		const char *tag = json_string_value(json_object_get(
			json_array_get(f, i), "value"));
		json_int_t count = 0;
		for (size_t h = 0; h < nhits(r); h++) {
			json_t *tags = json_object_get(
				json_array_get(json_object_get(r, "hits"), h), "tags");
			for (size_t t = 0; t < json_array_size(tags); t++)
				count += strcmp(json_string_value(json_array_get(tags, t)),
				                tag) == 0;
		}
		assert_int_equal(count, json_integer_value(json_object_get(
			json_array_get(f, i), "count")));
	}
	json_decref(r);

	/* A year facet over a text query. */
	r = request("{s:s, s:s, s:[s]}", "op", "search", "q", "depot OR metro",
	            "facets", "year");
	assert_facet(r, "year", 2, "2009", 1, "2024", 1);
	json_decref(r);
}

static void test_collapse_duplicates(void **state)
{
	/* The wire copy filed twice is one hit by default, saying so... */
	json_t *r = request("{s:s, s:s, s:s}", "op", "search", "q",
	                    "ferry crews", "match", "all");
	assert_int_equal(nhits(r), 1);
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 1);
	assert_int_equal(json_integer_value(json_object_get(
		json_array_get(json_object_get(r, "hits"), 0), "duplicates")), 1);
	json_decref(r);
	/* ...and two when asked not to collapse, without "duplicates". */
	r = request("{s:s, s:s, s:s, s:b}", "op", "search", "q", "ferry crews",
	            "match", "all", "collapse", 0);
	assert_int_equal(nhits(r), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 2);
	assert_null(json_object_get(
	        json_array_get(json_object_get(r, "hits"), 0), "duplicates"));
	json_decref(r);
	/* The total counts the hits as shown; facets count every article,
	 * duplicates included (docs/protocol.md). */
	r = request("{s:s, s:s, s:{s:s}, s:[s]}", "op", "search", "q", "",
	            "filter", "section", "Business", "facets", "section");
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 5);
	assert_true(json_is_true(json_object_get(r, "exact")));
	assert_facet(r, "section", 1, "Business", 6);
	json_decref(r);
}

static void test_snippet_options_and_fields(void **state)
{
	json_t *r = request("{s:s, s:s}", "op", "search", "q", "importers");
	assert_non_null(strstr(hit_str(r, 0, "snippet"),
	                       "<b>Importers</b> in the United States warned that "
	                       "wind &amp; solar"));
	json_decref(r);
	r = request("{s:s, s:s, s:s, s:s, s:s, s:i}", "op", "search", "q",
	            "importers", "snippet_format", "text", "highlight_start", "{",
	            "highlight_end", "}", "snippet_length", 40);
	const char *snip = hit_str(r, 0, "snippet");
	assert_non_null(strstr(snip, "{Importers} in the"));
	assert_null(strstr(snip, "&amp;"));
	assert_true(strlen(snip) < 80);
	json_decref(r);
	r = request("{s:s, s:s, s:[s,s]}", "op", "search", "q", "importers",
	            "fields", "title", "date");
	json_t *hit = json_array_get(json_object_get(r, "hits"), 0);
	assert_int_equal(json_object_size(hit), 3); /* path, title, date */
	assert_string_equal(hit_str(r, 0, "title"),
	                    "United States raises tariffs on imported turbines");
	assert_string_equal(hit_str(r, 0, "path"), "world/states-tariffs.txt");
	json_decref(r);
}

static void test_recency_on_request(void **state)
{
	/* Today's article mentions the beacon once, in its body; the others
	 * have it in the title.  Relevance alone ranks it last... */
	time_t now = time(NULL);
	struct tm tm;
	char date[16], text[512];
	strftime(date, sizeof date, "%Y-%m-%d", gmtime_r(&now, &tm));
	snprintf(text, sizeof text,
	         " date %s Skip to content\nCoast, Weather\nEdit post\n\n"
	         "Storm warning for the headland\n\nby Ilse Marchetti\n\n"
	         "Coastguards closed the path below the beacon this morning.\n",
	         date);
	put_file("coast/today.txt", text);
	json_decref(wait_for("coast/today.txt"));
	json_t *r = request("{s:s, s:s}", "op", "search", "q", "beacon");
	assert_int_equal(nhits(r), 5);
	assert_string_equal(hit_str(r, 4, "path"), "coast/today.txt");
	json_decref(r);
	/* ...and a week's half-life brings it to the top. */
	r = request("{s:s, s:s, s:i}", "op", "search", "q", "beacon",
	            "recency_days", 7);
	assert_string_equal(hit_str(r, 0, "path"), "coast/today.txt");
	json_decref(r);
	remove_file("coast/today.txt");
	json_decref(wait_for("coast/today.txt"));
}

/* ---- get, similar, stats ---- */

static void test_get(void **state)
{
	json_t *r = request("{s:s, s:s}", "op", "get", "path",
	                    "world/kyiv-metro.txt");
	json_t *a = json_object_get(r, "article");
	assert_string_equal(json_string_value(json_object_get(a, "title")),
	                    "Kyiv metro extends night services");
	assert_string_equal(json_string_value(json_object_get(a, "body")),
	                    "City officials in Kyiv said demand had doubled "
	                    "since spring.");
	assert_string_equal(json_string_value(json_object_get(a, "date")),
	                    "2024-06-02");
	json_decref(r);
	r = request("{s:s, s:s}", "op", "get", "path", "world/nowhere.txt");
	assert_string_equal(error_code(r), "NOT_FOUND");
	json_decref(r);
	/* Outside the tree: refused before anything is looked up. */
	r = request("{s:s, s:s}", "op", "get", "path", "../../etc/passwd");
	assert_string_equal(error_code(r), "BAD_REQUEST");
	json_decref(r);
	r = request("{s:s, s:s}", "op", "get", "path", "/etc/passwd");
	assert_string_equal(error_code(r), "BAD_REQUEST");
	json_decref(r);
}

/* A wait on a file that did not change reads it again and writes
 * nothing: no empty commit, the same revision.  (Within 2 s of a change
 * a file's stat cannot vouch for it, and the first read after that
 * records a stat that can: hence the pause and the first wait.) */
static void test_wait_unchanged_commits_nothing(void **state)
{
	sleep_ms(2100);
	json_decref(wait_for("world/kyiv-metro.txt"));
	json_t *a = wait_for("world/kyiv-metro.txt");
	json_t *b = wait_for("world/kyiv-metro.txt");
	assert_string_equal(json_string_value(json_object_get(b, "state")),
	                    "indexed");
	assert_int_equal(json_integer_value(json_object_get(a, "revision")),
	                 json_integer_value(json_object_get(b, "revision")));
	json_decref(a);
	json_decref(b);
}

static void test_similar(void **state)
{
	json_t *r = request("{s:s, s:s}", "op", "similar", "path",
	                    "energy/solar-farm-north.txt");
	assert_true(nhits(r) >= 1);
	assert_string_equal(hit_str(r, 0, "path"), "energy/solar-farm-south.txt");
	for (size_t i = 0; i < nhits(r); i++)
		assert_string_not_equal(hit_str(r, i, "path"),
		                        "energy/solar-farm-north.txt");
	json_decref(r);
	/* An article's duplicate is not "similar": it is the same. */
	r = request("{s:s, s:s}", "op", "similar", "path", "wire/ferry-strike.txt");
	assert_true(nhits(r) >= 1);
	for (size_t i = 0; i < nhits(r); i++)
		assert_string_not_equal(hit_str(r, i, "path"),
		                        "wire/ferry-strike-copy.txt");
	json_decref(r);
	r = request("{s:s, s:s}", "op", "similar", "path", "energy/nothing.txt");
	assert_string_equal(error_code(r), "NOT_FOUND");
	json_decref(r);
}

static json_int_t count_of(json_t *o, const char *key, const char *name)
{
	return json_integer_value(json_object_get(json_object_get(o, key), name));
}

static void test_stats(void **state)
{
	json_t *r = request("{s:s}", "op", "stats");
	assert_int_equal(json_integer_value(json_object_get(r, "documents")),
	                 NDOCS);
	assert_int_equal(count_of(r, "sections", "world"), 5);
	assert_int_equal(count_of(r, "sections", "business"), 6);
	assert_int_equal(count_of(r, "sections", "coast"), 4);
	assert_int_equal(count_of(r, "sections", "energy"), 3);
	assert_int_equal(count_of(r, "languages", "en"), NDOCS);
	assert_int_equal(count_of(r, "years", "2009"), 1);
	assert_int_equal(count_of(r, "years", "2024"), NDOCS - 1);
	assert_true(json_integer_value(json_object_get(r, "index_bytes")) > 10000);
	assert_true(json_is_string(json_object_get(r, "last_commit")));
	json_decref(r);
}

/* ---- errors ---- */

static void test_malformed_requests(void **state)
{
	static const struct {
		const char *line, *code;
	} cases[] = {
		{"not json\n", "BAD_JSON"},
		{"[1,2]\n", "BAD_JSON"},
		{"{\"op\":\"search\",\"q\":7}\n", "BAD_REQUEST"},
		{"{\"op\":\"search\",\"q\":\"x\",\"limit\":\"ten\"}\n", "BAD_REQUEST"},
		{"{\"op\":\"search\",\"q\":\"x\",\"limit\":1000}\n", "BAD_REQUEST"},
		{"{\"op\":\"search\",\"q\":\"x\",\"offset\":100000}\n", "BAD_REQUEST"},
		{"{\"op\":\"search\",\"q\":\"x\",\"colour\":1}\n", "BAD_REQUEST"},
		{"{\"op\":\"search\",\"q\":\"x\",\"facets\":[\"colour\"]}\n", "BAD_REQUEST"},
		{"{\"op\":\"search\",\"q\":\"x\",\"match\":\"most\"}\n", "BAD_REQUEST"},
		{"{\"op\":\"search\",\"q\":\"x\",\"fields\":[\"secret\"]}\n", "BAD_REQUEST"},
		{"{\"op\":\"search\",\"q\":\"x\",\"snippet_format\":\"pdf\"}\n", "BAD_REQUEST"},
		{"{\"op\":\"search\",\"q\":\"x\",\"collapse\":\"yes\"}\n", "BAD_REQUEST"},
		{"{\"op\":\"search\",\"q\":\"tariffs AND\"}\n", "BAD_QUERY"},
		{"{\"op\":\"search\",\"q\":\"date:yesterday\"}\n", "BAD_QUERY"},
		{"{\"op\":\"search\",\"q\":\"date:2024-13\"}\n", "BAD_QUERY"},
		{"{\"op\":\"search\",\"q\":\"date:2024-02-30\"}\n", "BAD_QUERY"},
		{"{\"op\":\"search\",\"q\":\"x\",\"filter\":{\"date_to\":\"2023-02-29\"}}\n", "BAD_REQUEST"},
		{"{\"op\":\"get\"}\n", "BAD_REQUEST"},
		{"{\"op\":\"similar\",\"path\":\"a/../b\"}\n", "BAD_REQUEST"},
		{"{\"op\":\"stats\",\"verbose\":true}\n", "BAD_REQUEST"},
		{"{\"op\":\"delete_everything\"}\n", "UNKNOWN_OP"},
	};
	struct client c;
	assert_true(client_open(&c));
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		json_t *r = ask(&c, cases[i].line);
		assert_non_null(r);
		if (!error_code(r) || strcmp(error_code(r), cases[i].code) != 0)
			fail_msg("%s: got %s, expected %s", cases[i].line,
			         error_code(r) ? error_code(r) : "no error",
			         cases[i].code);
		json_decref(r);
	}
	/* The connection is still good. */
	json_t *r = ask(&c, "{\"op\":\"search\",\"q\":\"orlov\"}\n");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(nhits(r), 2);
	json_decref(r);
	client_close(&c);
}

/* ---- the CLI ---- */

static void test_cli_search(void **state)
{
	int rc;
	char *out = run_cli("search orlov --facets tag,author", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "2 results"));
	assert_non_null(strstr(out, "1. Orlov arrives in Valmora for border talks"));
	assert_non_null(strstr(out, "   2024-04-08 09:15  World  world/orlov-visit.txt"));
	/* Facets as a short table; no escape codes off a terminal. */
	assert_non_null(strstr(out, "facets\n  tag      Talks (2), Diplomacy (1), Trade (1)\n"
	                            "  author   Marta Quill (2), Jon Ferreira (1)\n"));
	assert_null(strchr(out, '\033'));
	free(out);

	out = run_cli("--no-autocorrect search orlvo", &rc);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "did you mean: orlov\n"));
	assert_non_null(strstr(out, "no results"));
	free(out);

	/* Colour on request: bold titles, highlighted words. */
	out = run_cli("--color always search importers", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\033[1;33mImporters\033[0m in the United"));
	free(out);

	/* On a terminal (script(1) gives it one) colour is the default, and
	 * NO_COLOR turns it off. */
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "script -qec \"'%s' --socket '%s' search "
	                     "importers\" /dev/null", getenv("NSEARCH_CLI"),
	                     e2e_sock()) > 0);
	out = run_capture(cmd, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\033[1;33mImporters\033[0m"));
	free(out);
	assert_true(asprintf(&cmd, "NO_COLOR=1 script -qec \"'%s' --socket '%s' "
	                     "search importers\" /dev/null", getenv("NSEARCH_CLI"),
	                     e2e_sock()) > 0);
	out = run_capture(cmd, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "[Importers] in the United"));
	assert_null(strchr(out, '\033'));
	free(out);

	/* --json prints the daemon's reply unchanged, one line. */
	out = run_cli("--json --sort date --since 2024-04-01 --until 2024-04-30 "
	              "search beacon", &rc);
	assert_int_equal(rc, 0);
	json_t *o = json_loads(out, 0, NULL);
	assert_non_null(o);
	assert_paths(o, "coast/april-last.txt coast/april-first.txt");
	free(out);

	out = run_cli("search 'tariffs AND'", &rc);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(out, "BAD_QUERY"));
	free(out);
}

static void test_cli_get_similar_stats(void **state)
{
	int rc;
	char *out = run_cli("get world/kyiv-metro.txt", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "Kyiv metro extends night services\n"));
	assert_non_null(strstr(out, "City officials in Kyiv said demand"));
	free(out);
	out = run_cli("get world/nowhere.txt", &rc);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(out, "NOT_FOUND"));
	free(out);
	out = run_cli("similar energy/solar-farm-north.txt --limit 1", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "1. Second moorland solar farm wins approval"));
	free(out);
	/* Scripts get the same exit codes from --json. */
	out = run_cli("--json wait world/nowhere.txt", &rc);
	assert_int_equal(rc, 1);
	free(out);
	out = run_cli("--json search zzzqqq", &rc);
	assert_int_equal(rc, 1);
	free(out);
	out = run_cli("stats", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "documents    20 (revision "));
	assert_non_null(strstr(out, "business (6)"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_title_outranks_body),
		cmocka_unit_test(test_author_names_are_words),
		cmocka_unit_test(test_phrase_needs_adjacent_words),
		cmocka_unit_test(test_near),
		cmocka_unit_test(test_boolean_operators),
		cmocka_unit_test(test_date_range_inclusive),
		cmocka_unit_test(test_wildcard_and_its_cap),
		cmocka_unit_test(test_stopwords_only),
		cmocka_unit_test(test_synonyms),
		cmocka_unit_test(test_spelling_suggestion),
		cmocka_unit_test(test_match_modes),
		cmocka_unit_test(test_match_auto_pages_agree),
		cmocka_unit_test(test_filters_do_not_change_ranking),
		cmocka_unit_test(test_pagination),
		cmocka_unit_test(test_facets_count_every_match),
		cmocka_unit_test(test_collapse_duplicates),
		cmocka_unit_test(test_snippet_options_and_fields),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_wait_unchanged_commits_nothing),
		cmocka_unit_test(test_similar),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_malformed_requests),
		cmocka_unit_test(test_cli_search),
		cmocka_unit_test(test_cli_get_similar_stats),
		/* Last: it adds an article and takes it away again. */
		cmocka_unit_test(test_recency_on_request),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
