/* test_sidecar.c - sidecar metadata (parse/sidecar.c): which names are
 * sidecars and what they describe, a .meta.json and a metadata.tsv row laid
 * over an article parsed from plain text, and what a broken one does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "parse/article.h"
#include "testutil.h"

static const char plain[] = "Harbour strike ends\n\nDock workers went back "
                            "to work on Monday.\n";

/* A plain-text article, which has no metadata of its own. */
static ns_article_t *plain_article(void)
{
	ns_article_t *a = NULL;
	assert_int_equal(ns_article_parse(plain, strlen(plain), "x.txt", NULL,
	                                  &a, NULL, 0), NS_OK);
	assert_string_equal(a->date, "");
	return a;
}

static void test_bad_arguments(void **state)
{
	ns_article_t *a = plain_article();
	char *j = NULL, *t = NULL;
	ns_tsv_t *tsv = NULL;
	assert_int_equal(ns_sidecar_kind(NULL), NS_SIDECAR_NONE);
	assert_null(ns_sidecar_subject(NULL));
	assert_int_equal(ns_sidecar_paths(NULL, &j, &t), NS_ERR_INVALID);
	assert_int_equal(ns_sidecar_apply_json(NULL, "{}", 2, "l"), NS_ERR_INVALID);
	assert_int_equal(ns_sidecar_apply_json(a, NULL, 2, "l"), NS_ERR_INVALID);
	assert_int_equal(ns_sidecar_apply_json(a, "{}", 2, NULL), NS_ERR_INVALID);
	assert_int_equal(ns_tsv_parse(NULL, 3, &tsv, NULL, 0), NS_ERR_INVALID);
	assert_int_equal(ns_tsv_parse("a\tb", 3, NULL, NULL, 0), NS_ERR_INVALID);
	assert_int_equal(ns_sidecar_apply_tsv(a, NULL, "x", "l"), NS_ERR_INVALID);
	assert_null(ns_tsv_header(NULL));
	size_t off, len;
	assert_false(ns_tsv_find(NULL, "x", &off, &len));
	char *row = NULL;
	assert_int_equal(ns_tsv_row_text(NULL, "x", "x", 1, &row), NS_ERR_INVALID);
	ns_tsv_free(NULL);
	assert_int_equal(a->warnings.n, 0);
	ns_article_free(a);
}

static void test_names(void **state)
{
	assert_int_equal(ns_sidecar_kind("a/x.txt.meta.json"), NS_SIDECAR_JSON);
	assert_int_equal(ns_sidecar_kind("x.meta.json"), NS_SIDECAR_JSON);
	assert_int_equal(ns_sidecar_kind("a/metadata.tsv"), NS_SIDECAR_TSV);
	assert_int_equal(ns_sidecar_kind("metadata.tsv"), NS_SIDECAR_TSV);
	assert_int_equal(ns_sidecar_kind("a/x.json"), NS_SIDECAR_NONE);
	assert_int_equal(ns_sidecar_kind("a/old-metadata.tsv"), NS_SIDECAR_NONE);
	assert_int_equal(ns_sidecar_kind("metadata.tsv/x.txt"), NS_SIDECAR_NONE);

	char *s = ns_sidecar_subject("wire/1987/x.txt.meta.json");
	assert_string_equal(s, "wire/1987/x.txt");
	free(s);
	s = ns_sidecar_subject("wire/1987/metadata.tsv");
	assert_string_equal(s, "wire/1987");
	free(s);
	s = ns_sidecar_subject("metadata.tsv");
	assert_string_equal(s, "");
	free(s);
	assert_null(ns_sidecar_subject("wire/x.txt"));

	char *j = NULL, *t = NULL;
	assert_int_equal(ns_sidecar_paths("wire/x.txt", &j, &t), NS_OK);
	assert_string_equal(j, "wire/x.txt.meta.json");
	assert_string_equal(t, "wire/metadata.tsv");
	free(j);
	free(t);
	assert_int_equal(ns_sidecar_paths("x.txt", &j, &t), NS_OK);
	assert_string_equal(j, "x.txt.meta.json");
	assert_string_equal(t, "metadata.tsv");
	free(j);
	free(t);
}

static void test_json_fields(void **state)
{
	ns_article_t *a = plain_article();
	const char *side = "{\"date\": \"1987-03-02\", \"section\": \"Wire\", "
	                   "\"tags\": [\"Shipping\", \"Labour\"], "
	                   "\"authors\": \"Ana Ruiz and Tom Beck\", "
	                   "\"language\": \"de\", \"url\": \"/wire/x\", "
	                   "\"standfirst\": \"A short one.\", "
	                   "\"desk\": \"night\", \"body\": \"not the text\"}";
	assert_int_equal(ns_sidecar_apply_json(a, side, strlen(side),
	                                       "x.txt.meta.json"), NS_OK);
	assert_string_equal(a->date, "1987-03-02");
	assert_string_equal(a->section, "Wire");
	assert_strv(&a->tags, 2, "Shipping", "Labour");
	assert_strv(&a->authors, 2, "Ana Ruiz", "Tom Beck");
	assert_string_equal(a->language, "de");
	assert_true(a->language_given);
	assert_string_equal(a->url, "/wire/x");
	assert_string_equal(a->standfirst, "A short one.");
	/* The title and the text stay the article's own. */
	assert_string_equal(a->title, "Harbour strike ends");
	assert_non_null(strstr(a->body, "Dock workers"));
	assert_null(strstr(a->body, "not the text"));
	/* Other keys are its own fields. */
	assert_string_equal(json_string_value(json_object_get(a->fields, "desk")),
	                    "night");
	assert_int_equal(a->warnings.n, 0);
	ns_article_free(a);
}

/* A sidecar replaces what the article says, and an empty value gives
 * nothing. */
static void test_json_wins_over_the_article(void **state)
{
	const char *md = "---\ntitle: Own title\ndate: 2020-01-01\nsection: "
	                 "Old\ntags: [a]\n---\nText.\n";
	ns_article_t *a = NULL;
	assert_int_equal(ns_article_parse(md, strlen(md), "x.md", NULL, &a,
	                                  NULL, 0), NS_OK);
	const char *side = "{\"title\": \"Corrected title\", \"date\": "
	                   "\"2021-05-06T10:30:00Z\", \"section\": \"\", "
	                   "\"tags\": []}";
	assert_int_equal(ns_sidecar_apply_json(a, side, strlen(side), "s"),
	                 NS_OK);
	assert_string_equal(a->title, "Corrected title");
	assert_string_equal(a->date, "2021-05-06");
	assert_string_equal(a->time, "10:30");
	assert_string_equal(a->section, "Old");
	assert_strv(&a->tags, 1, "a");
	ns_article_free(a);
}

static void test_json_broken(void **state)
{
	ns_article_t *a = plain_article();
	const char *bad = "{\"date\": \"1987-03-02\",";
	assert_int_equal(ns_sidecar_apply_json(a, bad, strlen(bad),
	                                       "x.txt.meta.json"), NS_OK);
	assert_string_equal(a->date, "");
	assert_int_equal(a->warnings.n, 1);
	assert_non_null(strstr(a->warnings.v[0], "x.txt.meta.json: invalid JSON "
	                       "at line 1"));
	assert_non_null(strstr(a->warnings.v[0], "its fields are left out"));

	assert_int_equal(ns_sidecar_apply_json(a, "[1]", 3, "y.meta.json"),
	                 NS_OK);
	assert_string_equal(a->warnings.v[1],
	                    "y.meta.json: not a JSON object; its fields are left "
	                    "out");

	/* A bad date is left out, the rest is taken, and the warning says
	 * which sidecar. */
	const char *date = "{\"date\": \"next Tuesday\", \"section\": \"Wire\"}";
	assert_int_equal(ns_sidecar_apply_json(a, date, strlen(date),
	                                       "x.txt.meta.json"), NS_OK);
	assert_string_equal(a->section, "Wire");
	assert_string_equal(a->date, "");
	assert_string_equal(a->warnings.v[2],
	                    "x.txt.meta.json: date \"next Tuesday\" is not a "
	                    "date; left out");
	ns_article_free(a);
}

static const char table[] =
	"\xef\xbb\xbf# exported from the archive\r\n"
	"file\tDate\tSection\tTags\tAuthors\tdesk\r\n"
	"\r\n"
	"x.txt\t1987-03-02\tWire\tShipping; Labour ;\tAna Ruiz; Tom Beck\tnight\r\n"
	"y.txt\t\tSport\r\n"
	"x.txt\t2000-01-01\tSecond row\r\n"
	"sub/z.txt\t1999-09-09\tNested\r\n"
	"w.txt\tsoon\tWire\r\n";

/* The row of NAME in T, parsed from BYTES, read back as a daemon would
 * (new); NULL when there is none. */
static char *row_of(const ns_tsv_t *t, const char *bytes, const char *name)
{
	size_t off, len;
	if (!ns_tsv_find(t, name, &off, &len))
		return NULL;
	char *row = NULL;
	assert_int_equal(ns_tsv_row_text(t, name, bytes + off, len, &row), NS_OK);
	return row;
}

static void test_tsv_rows(void **state)
{
	ns_tsv_t *t = NULL;
	char why[200];
	assert_int_equal(ns_tsv_parse(table, strlen(table), &t, why, sizeof why),
	                 NS_OK);
	assert_string_equal(ns_tsv_header(t),
	                    "file\tDate\tSection\tTags\tAuthors\tdesk");
	/* The first row of a name counts; a name with a slash matches
	 * nothing. */
	char *x = row_of(t, table, "x.txt"), *y = row_of(t, table, "y.txt");
	char *w = row_of(t, table, "w.txt");
	assert_string_equal(x, "x.txt\t1987-03-02\tWire\t"
	                    "Shipping; Labour ;\tAna Ruiz; Tom Beck\tnight");
	assert_null(row_of(t, table, "sub/z.txt"));
	assert_null(row_of(t, table, "absent.txt"));
	assert_true(ns_tsv_size(t) > 0);
	/* Bytes that are not the row's (the file changed since). */
	size_t off, len;
	char *row = NULL;
	assert_true(ns_tsv_find(t, "x.txt", &off, &len));
	assert_int_equal(ns_tsv_row_text(t, "x.txt", table, len, &row),
	                 NS_ERR_FORMAT);
	assert_int_equal(ns_tsv_row_text(t, "y.txt", table + off, len, &row),
	                 NS_ERR_FORMAT);
	assert_null(row);

	ns_article_t *a = plain_article();
	assert_int_equal(ns_sidecar_apply_tsv(a, ns_tsv_header(t),
	                                      x, "metadata.tsv"), NS_OK);
	assert_string_equal(a->date, "1987-03-02");
	assert_string_equal(a->section, "Wire");
	assert_strv(&a->tags, 2, "Shipping", "Labour");
	assert_strv(&a->authors, 2, "Ana Ruiz", "Tom Beck");
	assert_string_equal(json_string_value(json_object_get(a->fields, "desk")),
	                    "night");
	assert_int_equal(a->warnings.n, 0);
	ns_article_free(a);

	/* Empty and missing cells give nothing. */
	a = plain_article();
	assert_int_equal(ns_sidecar_apply_tsv(a, ns_tsv_header(t),
	                                      y, "metadata.tsv"), NS_OK);
	assert_string_equal(a->date, "");
	assert_string_equal(a->section, "Sport");
	assert_int_equal(a->tags.n, 0);
	ns_article_free(a);

	/* A bad date: a warning naming the table, the rest taken. */
	a = plain_article();
	assert_int_equal(ns_sidecar_apply_tsv(a, ns_tsv_header(t),
	                                      w, "metadata.tsv"), NS_OK);
	assert_string_equal(a->section, "Wire");
	assert_strv(&a->warnings, 1, "metadata.tsv: date \"soon\" is not a "
	            "date; left out");
	ns_article_free(a);
	free(x);
	free(y);
	free(w);
	ns_tsv_free(t);
}

static void test_tsv_broken(void **state)
{
	ns_tsv_t *t = NULL;
	char why[200] = "";
	assert_int_equal(ns_tsv_parse("", 0, &t, why, sizeof why), NS_ERR_FORMAT);
	assert_non_null(strstr(why, "no header row"));
	assert_int_equal(ns_tsv_parse("# only\n\n", 8, &t, why, sizeof why),
	                 NS_ERR_FORMAT);
	assert_non_null(strstr(why, "no header row"));
	const char *commas = "file,date\nx.txt,1987-03-02\n";
	assert_int_equal(ns_tsv_parse(commas, strlen(commas), &t, why,
	                              sizeof why), NS_ERR_FORMAT);
	assert_non_null(strstr(why, "separated by tabs"));
	assert_int_equal(ns_tsv_parse("\x89PNG\r\n\x1a\n\0\0\0", 11, &t, why,
	                              sizeof why), NS_ERR_FORMAT);
	assert_non_null(strstr(why, "PNG"));
	assert_null(t);

	/* Windows-1252 text is read as an article's would be. */
	const char *latin = "file\tsection\nx.txt\tCaf\xe9s\nd\xe9j\xe0.txt\tVu\n";
	assert_int_equal(ns_tsv_parse(latin, strlen(latin), &t, why, sizeof why),
	                 NS_OK);
	ns_article_t *a = plain_article();
	char *row = row_of(t, latin, "x.txt");
	assert_int_equal(ns_sidecar_apply_tsv(a, ns_tsv_header(t), row, "m"),
	                 NS_OK);
	assert_string_equal(a->section, "Caf\xc3\xa9s");
	free(row);
	row = row_of(t, latin, "d\xc3\xa9j\xc3\xa0.txt");
	assert_string_equal(row, "d\xc3\xa9j\xc3\xa0.txt\tVu");
	free(row);
	ns_article_free(a);
	ns_tsv_free(t);
}

/* A table of thousands of columns, or a .meta.json of thousands of keys:
 * the fields past the cap are said left out once, not once each (each
 * article of the folder keeps its warnings in the problems list). */
static void test_wide_sidecars(void **state)
{
	ns_buf_t header = {0}, row = {0}, json = {0};
	assert_int_equal(ns_buf_printf(&header, "file"), NS_OK);
	assert_int_equal(ns_buf_printf(&row, "x.txt"), NS_OK);
	assert_int_equal(ns_buf_printf(&json, "{\"k0\": 0"), NS_OK);
	for (int i = 0; i < 3000; i++) {
		assert_int_equal(ns_buf_printf(&header, "\tcol%d", i), NS_OK);
		assert_int_equal(ns_buf_printf(&row, "\tv%d", i), NS_OK);
		assert_int_equal(ns_buf_printf(&json, ", \"k%d\": %d", i + 1, i),
		                 NS_OK);
	}
	assert_int_equal(ns_buf_printf(&json, "}"), NS_OK);
	ns_article_t *a = plain_article();
	assert_int_equal(ns_sidecar_apply_tsv(a, header.data, row.data,
	                                      "metadata.tsv"), NS_OK);
	assert_int_equal(json_object_size(a->fields), NS_MAX_EXTRA_FIELDS);
	assert_string_equal(json_string_value(json_object_get(a->fields,
	                                                      "col0")), "v0");
	assert_int_equal(a->warnings.n, 1);
	assert_non_null(strstr(a->warnings.v[0], "more than 64 fields"));
	/* The .meta.json over it: its own once, and the article's once. */
	assert_int_equal(ns_sidecar_apply_json(a, json.data, json.len,
	                                       "x.txt.meta.json"), NS_OK);
	assert_int_equal(json_object_size(a->fields), NS_MAX_EXTRA_FIELDS);
	assert_true(a->warnings.n <= 3);
	ns_article_free(a);
	ns_buf_free(&header);
	ns_buf_free(&row);
	ns_buf_free(&json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_json_fields),
		cmocka_unit_test(test_json_wins_over_the_article),
		cmocka_unit_test(test_json_broken),
		cmocka_unit_test(test_tsv_rows),
		cmocka_unit_test(test_tsv_broken),
		cmocka_unit_test(test_wide_sidecars),
	};
	return cmocka_run_group_tests_name("sidecar", tests, NULL, NULL);
}
