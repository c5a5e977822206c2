/* test_e2e_formats.c - a tree of every format, indexed by the real
 * nsearchd: field queries, filters, date ranges and sorting, languages,
 * and the files it could not take, as the CMS would see them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "harness.h"

/* Where each fixture goes in the tree. */
static const struct {
	const char *fixture, *rel;
} files[] = {
	{"hugo.md", "science/kessel.md"},
	{"jekyll.markdown", "business/cranes.markdown"},
	{"draft.md", "drafts/ferry.md"},
	{"broken-yaml.md", "city/storm.md"},
	{"bad-date.md", "city/market.md"},
	{"cms.json", "export/48213.json"},
	{"cms-epoch.json", "export/gritting.json"},
	{"broken.json", "export/cut.json"},
	{"page.html", "saved/seilbahn.html"},
	{"page-minimal.htm", "saved/lighthouse.htm"},
	{"wire.txt", "wire/grain.txt"},
	{"teaser.txt", "sport/rowing.txt"},
	{"river-bridge-cp1251.txt", "ru/bridge-cp1251.txt"},
	{"bridge-ru.md", "ru/bridge.md"},
	{"harbour-zh.md", "zh/harbour.md"},
	{"cafe-cp1252.txt", "fr/cafe.txt"},
	{"image.png", "saved/photo.png"},
	{"empty.txt", "wire/empty.txt"},
	{"garbage.txt", "wire/garbage.txt"},
	{"title-only.txt", "wire/flash.txt"},
};

static void copy_fixture(const char *name, const char *rel)
{
	char *src = NULL;
	assert_true(asprintf(&src, "%s/%s", getenv("NS_FORMAT_FIXTURES"), name) > 0);
	FILE *f = fopen(src, "rb");
	if (!f)
		fail_msg("%s: cannot open", src);
	free(src);
	static char buf[1 << 16];
	size_t len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	put_bytes(rel, buf, len);
}

static int group_setup(void **state)
{
	if (e2e_make_dirs() < 0)
		return -1;
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		copy_fixture(files[i].fixture, files[i].rel);
	/* Over the 64 KiB limit given below. */
	char *big = malloc(100000);
	memset(big, 'a', 100000);
	for (size_t i = 80; i < 100000; i += 80)
		big[i] = '\n';
	put_bytes("wire/huge.txt", big, 100000);
	free(big);
	static const char *const opts[] = {"--max-file-size", "64K", NULL};
	start_daemon_with(opts);
	return 0;
}

static int group_teardown(void **state)
{
	return e2e_teardown();
}

static void test_field_queries(void **state)
{
	assert_paths(search("author:Solvang"), "science/kessel.md");
	assert_paths(search("author:\"Odile Ferrand\""), "export/48213.json");
	assert_paths(search("tag:Seilbahn"), "saved/seilbahn.html");
	assert_paths(search("tag:\"lake vessen\""), "sport/rowing.txt");
	assert_paths(search("section:business"), "business/cranes.markdown");
	assert_paths(search("title:lighthouse"), "saved/lighthouse.htm");
	/* A word only in the body is not in the title field. */
	assert_paths(search("title:automatic"), "");
	assert_path_set(search("date:2025-01-01..2025-06-30"), 4,
	                "export/gritting.json", "saved/seilbahn.html",
	                "science/kessel.md", "export/48213.json");
	assert_path_set(search("tram date:2025-06-01.."), 1, "export/48213.json");
	/* A single day, month or year; a date that is none is an error. */
	assert_paths(search("date:2025-01-20"), "saved/seilbahn.html");
	assert_path_set(search("date:2024-11"), 1, "business/cranes.markdown");
	assert_path_set(search("date:2023"), 1, "saved/lighthouse.htm");
	json_t *bad = request("{s:s, s:s}", "op", "search", "q", "date:tuesday");
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(bad, "error"), "code")), "BAD_QUERY");
	json_decref(bad);
}

static void test_filters_and_sort(void **state)
{
	/* No query: the filter lists, newest first. */
	assert_paths(request("{s:s, s:s, s:{s:s}, s:s, s:i}", "op", "search",
	                     "q", "", "filter", "date_from", "2024-01-01",
	                     "sort", "newest", "limit", 20),
	             "sport/rowing.txt export/48213.json science/kessel.md "
	             "saved/seilbahn.html export/gritting.json "
	             "business/cranes.markdown");
	assert_paths(request("{s:s, s:s, s:{s:s, s:s}, s:s}", "op", "search",
	                     "q", "", "filter", "date_from", "2024-11-02",
	                     "date_to", "2025-01-20", "sort", "oldest"),
	             "business/cranes.markdown export/gritting.json "
	             "saved/seilbahn.html");
	/* Values of one field are alternatives; fields all apply.  The two
	 * articles under city/ that name no section of their own (a bad date,
	 * broken front matter) get their folder's. */
	assert_path_set(request("{s:s, s:s, s:{s:[s, s]}}", "op", "search", "q",
	                        "", "filter", "section", "City", "business"),
	                4, "export/48213.json", "business/cranes.markdown",
	                "city/market.md", "city/storm.md");
	assert_paths(request("{s:s, s:s, s:{s:s, s:s}}", "op", "search", "q",
	                     "", "filter", "section", "city", "author",
	                     "kasper nyholm"),
	             "export/48213.json");
	assert_paths(request("{s:s, s:s, s:{s:s}}", "op", "search", "q", "fire",
	                     "filter", "tag", "Seilbahn"), "");
	/* Bad filters are refused with a reason. */
	json_t *r = request("{s:s, s:s, s:{s:s}}", "op", "search", "q", "",
	                    "filter", "date_from", "2025-13-01");
	assert_false(json_is_true(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(r, "error"), "code")), "BAD_REQUEST");
	json_decref(r);
	r = request("{s:s, s:s}", "op", "search", "q", "");
	assert_false(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
}

static void test_hit_fields(void **state)
{
	json_t *r = search("Kabinenbahn");
	assert_int_equal(nhits(r), 1);
	assert_string_equal(hit_str(r, 0, "title"),
	                    "Bergbahn erneuert die Seilbahn am Hohen Kar");
	assert_string_equal(hit_str(r, 0, "standfirst"),
	                    "Die neue Bahn soll im Dezember fahren.");
	assert_string_equal(hit_str(r, 0, "date"), "2025-01-20");
	assert_string_equal(hit_str(r, 0, "time"), "07:15");
	assert_string_equal(hit_str(r, 0, "section"), "Region");
	assert_string_equal(hit_str(r, 0, "language"), "de");
	assert_string_equal(hit_str(r, 0, "format"), "html");
	assert_string_equal(hit_str(r, 0, "url"),
	                    "https://alpenblatt.example/region/seilbahn");
	assert_string_equal(hit_str(r, 0, "snippet"),
	                    "Die neue Bahn soll im Dezember fahren. Die Bergbahn "
	                    "hat mit dem Bau der neuen <b>Kabinenbahn</b> begonnen. "
	                    "Die alten Gondeln stammen aus dem Jahr 1974 &amp; "
	                    "werden verkauft.");
	json_t *h = json_array_get(json_object_get(r, "hits"), 0);
	assert_int_equal(json_integer_value(json_object_get(h, "reading_minutes")), 1);
	assert_int_equal(json_array_size(json_object_get(h, "authors")), 2);
	json_decref(r);
}

static void test_languages(void **state)
{
	/* Russian: the query is stemmed as Russian, so the instrumental
	 * "мостом" finds "мосту" and "Мост"; stemmed as English it does not. */
	assert_path_set(request("{s:s, s:s, s:s}", "op", "search", "q", "мостом",
	                        "lang", "ru"),
	                2, "ru/bridge.md", "ru/bridge-cp1251.txt");
	assert_paths(request("{s:s, s:s, s:b}", "op", "search", "q", "мостом",
	                     "autocorrect", 0),
	             "");
	/* Chinese has no spaces: n-grams find a word inside a sentence. */
	assert_paths(search("码头"), "zh/harbour.md");
	assert_paths(search("货船"), "zh/harbour.md");
	/* Windows-1252 decoded: the accented word is searchable. */
	assert_paths(search("habitués"), "fr/cafe.txt");
	assert_paths(request("{s:s, s:s, s:{s:s}}", "op", "search", "q", "",
	                     "filter", "lang", "zh"), "zh/harbour.md");
}

static void test_problems(void **state)
{
	json_t *st = status();
	assert_int_equal(json_integer_value(json_object_get(st, "skipped")), 6);
	assert_int_equal(json_integer_value(json_object_get(st, "partial")), 2);
	json_decref(st);

	json_t *r = request("{s:s, s:i}", "op", "problems", "limit", 100);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 8);
	json_t *list = json_object_get(r, "problems");
	assert_int_equal(json_array_size(list), 8);
	static const struct {
		const char *path, *kind, *reason;
	} want[] = {
		{"drafts/ferry.md", "skipped", "a draft (draft: true in its front matter)"},
		{"export/cut.json", "skipped", "invalid JSON at line 1: premature end of input"},
		{"saved/photo.png", "skipped", "not text: a PNG image"},
		{"wire/empty.txt", "skipped", "empty file"},
		{"wire/garbage.txt", "skipped", "not UTF-8, and byte 0x98 at offset 10 "
		 "is not text in Windows-1251 either"},
		{"wire/huge.txt", "skipped", "too large: 100000 bytes, over the limit "
		 "of 65536 (--max-file-size)"},
		{"city/market.md", "partial", "date \"next Tuesday\" is not a date; "
		 "the article has none"},
		{"city/storm.md", "partial", "front matter: YAML error at line 4: "
		 "found unexpected end of stream; its fields are left out"},
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		json_t *found = NULL, *p;
		size_t k;
		json_array_foreach(list, k, p)
			if (strcmp(json_string_value(json_object_get(p, "path")),
			           want[i].path) == 0)
				found = p;
		if (!found)
			fail_msg("%s is not in the problems list", want[i].path);
		assert_string_equal(json_string_value(json_object_get(found, "kind")),
		                    want[i].kind);
		assert_string_equal(json_string_value(json_object_get(found, "reason")),
		                    want[i].reason);
	}
	json_decref(r);
	/* Partly indexed files are still found. */
	assert_paths(search("stallholders"), "city/market.md");

	/* Fixed and removed files leave the list. */
	put_file("export/cut.json", "{\"title\": \"Half an export, mended\", "
	         "\"body\": \"The quillwort survey is complete.\"}");
	remove_file("saved/photo.png");
	json_decref(wait_hits("quillwort", 1));
	for (int i = 0; i < 500; i++) {
		st = status();
		json_int_t skipped = json_integer_value(json_object_get(st, "skipped"));
		json_decref(st);
		if (skipped == 4)
			break;
		sleep_ms(10);
	}
	r = request("{s:s}", "op", "problems");
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 6);
	json_decref(r);
}

static void test_cli_filters_and_problems(void **state)
{
	int rc;
	char *out = run_cli("--section city --section business --sort oldest "
	                    "--from 2024-01-01 search", &rc);
	assert_int_equal(rc, 0);
	/* Oldest first: the cranes (2024-11-02) before the tram fire (2025). */
	char *cranes = strstr(out, "business/cranes.markdown");
	char *fire = strstr(out, "export/48213.json");
	if (!cranes || !fire || cranes > fire)
		fail_msg("unexpected listing:\n%s", out);
	assert_non_null(strstr(out, "2024-11-02 18:05  Business"));
	free(out);

	out = run_cli("--lang ru search мостом", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "2 results (revision "));
	free(out);

	out = run_cli("problems", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "skipped  wire/garbage.txt\n         not UTF-8"));
	assert_non_null(strstr(out, "partial  city/storm.md\n         front matter: YAML error"));
	free(out);

	out = run_cli("--from 2025-1-1 search x", &rc);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(out, "--from: '2025-1-1' is not a date: write "
	                            "YYYY-MM-DD, YYYY-MM, YYYY, today"));
	free(out);
	out = run_cli("--since 1987-13-01 search x", &rc);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(out, "months go from 01 to 12"));
	free(out);

	/* A month means its first day for --since and its last for --until. */
	out = run_cli("--json --since 2024-11 --until 2024-11 search", &rc);
	assert_int_equal(rc, 0);
	json_t *r = json_loads(out, 0, NULL);
	assert_non_null(r);
	assert_paths(r, "business/cranes.markdown");
	free(out);
}

/* A plain-text archive keeps its dates and desks in its folders only. */
static void test_metadata_from_path(void **state)
{
	put_file("archive/2019/06/03/tidal-mill.txt",
	         "Tidal mill grinds again\n\nThe restored millwheel turned for "
	         "the first time in ninety years.\n");
	put_file("archive/1998-11-20-lighthouse.txt",
	         "Lighthouse keeper retires\n\nThe last millwheel of the "
	         "coast road was sold the same week.\n");
	json_t *w = wait_for("archive/2019/06/03/tidal-mill.txt");
	json_decref(w);
	w = wait_for("archive/1998-11-20-lighthouse.txt");
	json_decref(w);
	assert_paths(search("millwheel date:2019-06-03"),
	             "archive/2019/06/03/tidal-mill.txt");
	assert_paths(search("millwheel date:1998"),
	             "archive/1998-11-20-lighthouse.txt");
	assert_paths(request("{s:s, s:s, s:{s:s}, s:s}", "op", "search", "q",
	                     "millwheel", "filter", "section", "archive",
	                     "sort", "oldest"),
	             "archive/1998-11-20-lighthouse.txt "
	             "archive/2019/06/03/tidal-mill.txt");
	json_t *r = search("millwheel date:2019-06-03");
	assert_string_equal(hit_str(r, 0, "date"), "2019-06-03");
	assert_string_equal(hit_str(r, 0, "section"), "archive");
	json_decref(r);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_queries),
		cmocka_unit_test(test_filters_and_sort),
		cmocka_unit_test(test_hit_fields),
		cmocka_unit_test(test_languages),
		cmocka_unit_test(test_cli_filters_and_problems),
		cmocka_unit_test(test_problems),
		cmocka_unit_test(test_metadata_from_path),
	};
	return cmocka_run_group_tests_name("e2e_formats", tests, group_setup,
	                                   group_teardown);
}
