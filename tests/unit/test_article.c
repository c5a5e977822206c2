/* test_article.c - the article parser, field by field, on fixtures written
 * for this project: the scraped news-page shape and its variants, and plain
 * text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>

#include "parse/article.h"
#include "testutil.h"

static ns_article_t *parse_fixture(const char *name)
{
	size_t len = 0;
	char *bytes = read_fixture(name, &len);
	assert_non_null(bytes);
	ns_article_t *a = NULL;
	assert_int_equal(ns_article_parse(bytes, len, name, NULL, &a, NULL, 0), NS_OK);
	free(bytes);
	assert_non_null(a);
	return a;
}

static void test_bad_arguments(void **state)
{
	ns_article_t *a = NULL;
	assert_int_equal(ns_article_parse(NULL, 5, NULL, NULL, &a, NULL, 0), NS_ERR_INVALID);
	assert_int_equal(ns_article_parse("x", 1, NULL, NULL, NULL, NULL, 0), NS_ERR_INVALID);
	assert_int_equal(ns_article_parse("", 0, NULL, NULL, &a, NULL, 0), NS_ERR_FORMAT);
	assert_int_equal(ns_article_parse(" \n\r\n\t\n", 6, NULL, NULL, &a, NULL, 0), NS_ERR_FORMAT);
	assert_int_equal(ns_article_parse("abc\0def", 7, NULL, NULL, &a, NULL, 0), NS_ERR_FORMAT);
	assert_null(a);
	ns_article_free(NULL);
}

static void test_full_page(void **state)
{
	ns_article_t *a = parse_fixture("full.txt");
	assert_string_equal(a->format, "news-page");
	assert_string_equal(a->date, "2025-02-11");
	assert_string_equal(a->time, "16:47");
	assert_string_equal(a->section, "City");
	assert_strv(&a->tags, 4, "Transport", "Dunmore", "Trams", "Council vote");
	assert_string_equal(a->title,
	                    "Dunmore council approves the northern tram extension");
	assert_strv(&a->authors, 2, "Ilse Marchetti", "Tomas Beneke");
	assert_int_equal(a->reading_minutes, 3);
	assert_string_equal(a->standfirst,
	                    "Councillors voted 31 to 12 for a four-kilometre tram "
	                    "line to the northern estates.");
	assert_string_equal(a->language, "en");
	/* The body starts with the first paragraph, keeps paragraphs apart,
	 * and carries no chrome, byline or footer. */
	assert_non_null(strstr(a->body, "The Dunmore city council approved"));
	assert_ptr_equal(strstr(a->body, "The Dunmore city council approved"), a->body);
	assert_non_null(strstr(a->body, "next spring.\n\nOpponents argued"));
	assert_null(strstr(a->body, "Edit post"));
	assert_null(strstr(a->body, "This audio is created"));
	assert_null(strstr(a->body, "Authors:"));
	assert_null(strstr(a->body, "by Ilse"));
	assert_null(strstr(a->body, "Councillors voted"));
	ns_article_free(a);
}

static void test_one_author_no_leading_space(void **state)
{
	ns_article_t *a = parse_fixture("one-author.txt");
	assert_string_equal(a->format, "news-page");
	assert_string_equal(a->date, "2024-09-03");
	assert_string_equal(a->time, "11:05");
	assert_string_equal(a->section, "Science");
	assert_strv(&a->tags, 2, "Astronomy", "Comets");
	assert_string_equal(a->title,
	                    "Amateur observers track a faint comet over the Kessel hills");
	assert_strv(&a->authors, 1, "Ruth Okonkwo");
	assert_int_equal(a->reading_minutes, 2);
	assert_string_equal(a->body,
	                    "Members of the Kessel astronomy club photographed the "
	                    "comet for the ninth night in a row.\n\nThe object "
	                    "brightens slowly as it approaches the sun.");
	ns_article_free(a);
}

static void test_three_authors_from_byline(void **state)
{
	/* No footer: the byline's "A, B and C" names the authors. */
	ns_article_t *a = parse_fixture("three-authors.txt");
	assert_strv(&a->authors, 3, "Paulo Ferreira", "Anja Lindqvist",
	            "Marek Dvorak");
	assert_string_equal(a->time, "12:15");
	assert_int_equal(a->reading_minutes, 5);
	assert_string_equal(a->section, "Business");
	assert_strv(&a->tags, 2, "Banking", "Mergers");
	assert_string_equal(a->standfirst,
	                    "The combined lender would hold deposits of about nine billion.");
	ns_article_free(a);
}

static void test_no_byline(void **state)
{
	ns_article_t *a = parse_fixture("no-byline.txt");
	assert_string_equal(a->title,
	                    "Night opening hours return at the old grain exchange library");
	assert_string_equal(a->date, "2024-12-24");
	assert_string_equal(a->time, "");
	assert_int_equal(a->authors.n, 0);
	/* No "N min read": counted from the words instead. */
	assert_int_equal(a->reading_minutes, 1);
	assert_true(a->reading_estimated);
	assert_string_equal(a->standfirst, "");
	assert_string_equal(a->section, "Culture");
	assert_strv(&a->tags, 1, "Libraries");
	assert_string_equal(a->body,
	                    "The library inside the restored grain exchange will stay "
	                    "open until ten on weekdays.\n\nReaders had petitioned for "
	                    "longer hours since the building reopened.");
	ns_article_free(a);
}

static void test_no_tags_line(void **state)
{
	ns_article_t *a = parse_fixture("no-tags.txt");
	assert_string_equal(a->section, "");
	assert_int_equal(a->tags.n, 0);
	assert_string_equal(a->title, "Reservoir levels fall below a third of capacity");
	assert_strv(&a->authors, 1, "Hanne Sorensen");
	assert_string_equal(a->time, "07:02");
	assert_string_equal(a->body,
	                    "The three upland reservoirs held 31 percent of their "
	                    "capacity on Sunday morning.");
	ns_article_free(a);
}

static void test_no_footer(void **state)
{
	ns_article_t *a = parse_fixture("no-footer.txt");
	assert_strv(&a->authors, 1, "Joel Mbeki");
	assert_string_equal(a->time, "09:30");
	assert_string_equal(a->title, "Course record falls at the riverside marathon");
	assert_non_null(strstr(a->body, "final bridge."));
	ns_article_free(a);
}

static void test_footer_wins_over_byline(void **state)
{
	const char *page =
		" date 2025-05-01 Skip to content\n"
		"World, Diplomacy\n"
		"Edit post\n\n"
		"Talks resume\n\n"
		"by Nadia Brandt and desk staff May 1, 2025 1:00 PM 1 min read\n"
		"Standfirst.\n\n"
		"Body text.\n"
		"Authors: Nadia Brandt, Oskar Lind\n";
	ns_article_t *a = NULL;
	assert_int_equal(ns_article_parse(page, strlen(page), NULL, NULL, &a, NULL, 0), NS_OK);
	assert_strv(&a->authors, 2, "Nadia Brandt", "Oskar Lind");
	assert_string_equal(a->time, "13:00");
	assert_string_equal(a->body, "Body text.");
	ns_article_free(a);
}

static void test_midnight_and_noon(void **state)
{
	const char *page =
		"date 2024-02-29\nNews\n\nLeap day\n\n"
		"by A Person February 29, 2024 12:01 AM 4 min read\n";
	ns_article_t *a = NULL;
	assert_int_equal(ns_article_parse(page, strlen(page), NULL, NULL, &a, NULL, 0), NS_OK);
	assert_string_equal(a->time, "00:01");
	assert_string_equal(a->date, "2024-02-29");
	assert_strv(&a->authors, 1, "A Person");
	assert_int_equal(a->reading_minutes, 4);
	ns_article_free(a);
}

static void test_plain_text(void **state)
{
	ns_article_t *a = parse_fixture("plain.txt");
	assert_string_equal(a->format, "plain");
	assert_string_equal(a->title, "Ferry crews end strike after pay agreement");
	assert_string_equal(a->body,
	                    "PORTHAVEN, March 3 - Ferry crews on the island routes "
	                    "returned to work on Monday after their union accepted a "
	                    "two-year pay agreement.\n\nThe first sailing left the "
	                    "harbour at six in the morning.");
	assert_string_equal(a->date, "");
	assert_string_equal(a->section, "");
	assert_int_equal(a->tags.n, 0);
	assert_int_equal(a->authors.n, 0);
	ns_article_free(a);
}

static void test_invalid_date_is_plain(void **state)
{
	/* 2023 had no 29 February: not a header, so not a news page. */
	const char *page = "date 2023-02-29\nHello\n";
	ns_article_t *a = NULL;
	assert_int_equal(ns_article_parse(page, strlen(page), NULL, NULL, &a, NULL, 0), NS_OK);
	assert_string_equal(a->format, "plain");
	assert_string_equal(a->title, "date 2023-02-29");
	assert_string_equal(a->date, "");
	ns_article_free(a);
}

static void test_bom_crlf_and_cp1252(void **state)
{
	const char crlf[] = "\xef\xbb\xbfTitle line\r\n\r\nBody one\r\nstill one\r\n";
	ns_article_t *a = NULL;
	assert_int_equal(ns_article_parse(crlf, sizeof crlf - 1, NULL, NULL, &a, NULL, 0), NS_OK);
	assert_string_equal(a->title, "Title line");
	assert_string_equal(a->body, "Body one still one");
	ns_article_free(a);

	/* Not UTF-8: read as Windows-1252 (0x93/0x94 quotes, 0xE9 e-acute). */
	const char latin[] = "Caf\xe9 \x93news\x94\n\nBody \x80" "5\n";
	assert_int_equal(ns_article_parse(latin, sizeof latin - 1, NULL, NULL, &a, NULL, 0), NS_OK);
	assert_string_equal(a->title, "Caf\xc3\xa9 \xe2\x80\x9cnews\xe2\x80\x9d");
	assert_string_equal(a->body, "Body \xe2\x82\xac" "5");
	assert_true(ns_utf8_valid(a->title, strlen(a->title)));
	ns_article_free(a);
}

static void test_utf8_validator(void **state)
{
	assert_true(ns_utf8_valid("plain", 5));
	assert_true(ns_utf8_valid("\xe2\x80\x94", 3));
	assert_true(ns_utf8_valid("\xf0\x9f\x93\xb0", 4));
	assert_false(ns_utf8_valid("\xc0\xaf", 2));         /* overlong */
	assert_false(ns_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	assert_false(ns_utf8_valid("\xe2\x80", 2));         /* truncated */
	assert_false(ns_utf8_valid("\x80", 1));
}

/* The bundled quick-start tree parses as its files were written: news pages
 * with every field, wire copy as plain text. */
static void check_sample(const char *rel, const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char buf[65536];
	size_t len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	ns_article_t *a = NULL;
	assert_int_equal(ns_article_parse(buf, len, rel, NULL, &a, NULL, 0), NS_OK);
	assert_true(strlen(a->title) > 10);
	assert_true(strlen(a->body) > 200);
	assert_null(strstr(a->body, "Authors:"));
	assert_null(strstr(a->body, "Edit post"));
	assert_null(strstr(a->body, "This audio is created"));
	if (strncmp(rel, "wire/", 5) == 0) {
		assert_string_equal(a->format, "plain");
		assert_string_equal(a->date, "");
	} else {
		static const char *const web_formats[] = {".md", "markdown", ".json",
		                                          "json", ".html", "html"};
		const char *want = "news-page";
		for (size_t k = 0; k < 6; k += 2)
			if (strstr(rel, web_formats[k]))
				want = web_formats[k + 1];
		if (strcmp(a->format, want) != 0)
			fail_msg("%s: parsed as %s, not %s", rel, a->format, want);
		assert_int_equal(strlen(a->date), 10);
		assert_int_equal(strlen(a->time), 5);
		assert_true(strlen(a->section) > 0);
		assert_true(a->tags.n >= 2);
		assert_true(a->authors.n >= 1);
		assert_true(a->reading_minutes > 0);
		assert_true(strlen(a->standfirst) > 20);
	}
	if (strcmp(rel, "world/varga-beijing-visit.txt") == 0) {
		assert_string_equal(a->date, "2025-04-09");
		assert_string_equal(a->time, "08:15");
		assert_string_equal(a->section, "World");
		assert_strv(&a->authors, 2, "Lena Hoffmann", "Arjun Mehta");
		assert_strv(&a->tags, 4, "Moravenia", "China", "Anselm Varga", "Diplomacy");
	}
	ns_article_free(a);
}

static void test_sample_tree(void **state)
{
	const char *root = getenv("NS_SAMPLE_TREE");
	assert_non_null(root);
	static const char *const sections[] = {
		"business", "city", "science", "sport", "web", "wire", "world",
	};
	size_t files = 0;
	for (size_t s = 0; s < sizeof sections / sizeof *sections; s++) {
		char *dir = NULL;
		assert_true(asprintf(&dir, "%s/%s", root, sections[s]) > 0);
		DIR *d = opendir(dir);
		assert_non_null(d);
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char *rel = NULL, *path = NULL;
			assert_true(asprintf(&rel, "%s/%s", sections[s], e->d_name) > 0);
			assert_true(asprintf(&path, "%s/%s", root, rel) > 0);
			check_sample(rel, path);
			files++;
			free(rel);
			free(path);
		}
		closedir(d);
		free(dir);
	}
	assert_int_equal(files, 17);
}

/* ---- what the path says ---- */

static void assert_path_date(const char *path, const char *want)
{
	char d[11] = "unchanged";
	bool found = ns_path_date(path, d);
	if (!want) {
		if (found)
			fail_msg("%s: found %s, wanted none", path, d);
		assert_string_equal(d, "unchanged");
		return;
	}
	if (!found)
		fail_msg("%s: no date, wanted %s", path, want);
	assert_string_equal(d, want);
}

static void test_path_date(void **state)
{
	assert_false(ns_path_date(NULL, (char[11]){0}));
	assert_path_date("2025/04/09/harbour.txt", "2025-04-09");
	assert_path_date("metro/2025/04/09/harbour.txt", "2025-04-09");
	assert_path_date("2025-04-09-harbour.txt", "2025-04-09");
	assert_path_date("desk/2025_04_09_harbour.md", "2025-04-09");
	assert_path_date("wire/19870302.txt", "1987-03-02");
	assert_path_date("2024-12-31/notes.txt", "2024-12-31");
	/* The folders win over a dated file name, the file over its folder. */
	assert_path_date("2025/04/09/2020-01-01-x.txt", "2025-04-09");
	assert_path_date("2024-12-31/2025-01-02-x.txt", "2025-01-02");
	/* Not days, not years, not a date prefix. */
	assert_path_date("2025/02/30/x.txt", NULL);
	assert_path_date("2025/13/01/x.txt", NULL);
	assert_path_date("2025/04/x.txt", NULL);
	assert_path_date("12345678.txt", NULL);
	assert_path_date("202504091.txt", NULL);
	assert_path_date("2025-04-091.txt", NULL);
	assert_path_date("harbour.txt", NULL);
	assert_path_date("", NULL);
}

static void test_path_section(void **state)
{
	assert_null(ns_path_section(NULL));
	assert_null(ns_path_section("harbour.txt"));
	assert_null(ns_path_section("2025/04/09/harbour.txt"));
	char *s = ns_path_section("metro/2025/harbour.txt");
	assert_string_equal(s, "metro");
	free(s);
	s = ns_path_section("2025/04/sport/derby.txt");
	assert_string_equal(s, "sport");
	free(s);
	s = ns_path_section("2025-04-09-desk/harbour.txt");
	assert_null(s);
	/* A folder named by a long number (an id) is no desk either, and
	 * reading it as one overflows nothing (UBSan would say). */
	s = ns_path_section("98765432109876543210/sport/derby.txt");
	assert_string_equal(s, "sport");
	free(s);
}

static void test_article_from_path(void **state)
{
	const char *wire = "Harbour cranes idle as dockers walk out\n\n"
	                   "Dockers at the east quay stopped work on Monday.\n";
	ns_article_t *a = NULL;
	assert_int_equal(ns_article_parse(wire, strlen(wire), "x.txt", NULL, &a,
	                                  NULL, 0), NS_OK);
	assert_string_equal(a->date, "");
	assert_string_equal(a->section, "");
	assert_int_equal(ns_article_from_path(NULL, "x"), NS_ERR_INVALID);
	assert_int_equal(ns_article_from_path(a, "business/2025/04/09/x.txt"),
	                 NS_OK);
	assert_string_equal(a->date, "2025-04-09");
	assert_string_equal(a->section, "business");
	ns_article_free(a);

	/* The article's own date and section win over the path's. */
	const char *page = "date 2024-01-05\ncity | transport\n"
	                   "Tram line opens\nBy A. Writer\n\n"
	                   "The new tram line opened to riders today.\n";
	assert_int_equal(ns_article_parse(page, strlen(page), "x.txt", NULL, &a,
	                                  NULL, 0), NS_OK);
	char date[11];
	snprintf(date, sizeof date, "%s", a->date);
	char *section = strdup(a->section);
	assert_int_equal(ns_article_from_path(a, "sport/2025/04/09/x.txt"),
	                 NS_OK);
	assert_string_equal(a->date, date);
	assert_string_equal(a->section, section);
	free(section);
	ns_article_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_full_page),
		cmocka_unit_test(test_one_author_no_leading_space),
		cmocka_unit_test(test_three_authors_from_byline),
		cmocka_unit_test(test_no_byline),
		cmocka_unit_test(test_no_tags_line),
		cmocka_unit_test(test_no_footer),
		cmocka_unit_test(test_footer_wins_over_byline),
		cmocka_unit_test(test_midnight_and_noon),
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_invalid_date_is_plain),
		cmocka_unit_test(test_bom_crlf_and_cp1252),
		cmocka_unit_test(test_utf8_validator),
		cmocka_unit_test(test_sample_tree),
		cmocka_unit_test(test_path_date),
		cmocka_unit_test(test_path_section),
		cmocka_unit_test(test_article_from_path),
	};
	return cmocka_run_group_tests_name("article", tests, NULL, NULL);
}
