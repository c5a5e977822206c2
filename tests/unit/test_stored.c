/* test_stored.c - a document's stored data (daemon/stored.h): the fields'
 * JSON and the body apart, read back byte for byte, and the layout before
 * it (the body inside the JSON) still read the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/stored.h"

static const char page[] =
	"Tariffs on \"imported\" turbines\n\n"
	"Importers warned that wind & solar <costs> would rise.\n\n"
	"The ministry in M\xc3\xbcnchen said \\ nothing yet.\n";

static ns_article_t *parse(const char *text)
{
	ns_article_t *a = NULL;
	assert_int_equal(ns_article_parse(text, strlen(text), "t.txt", NULL, &a,
	                                  NULL, 0), NS_OK);
	return a;
}

static void test_body_apart(void **state)
{
	(void)state;
	ns_article_t *a = parse(page);
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(ns_stored_make(a, "world/t.txt", &data, &len), NS_OK);
	/* The fields' JSON, a NUL, the body: no body inside the JSON. */
	const char *nul = memchr(data, '\0', len);
	assert_non_null(nul);
	assert_null(strstr(data, "\"body\""));
	assert_string_equal(nul + 1, a->body);

	ns_stored_t sd;
	assert_int_equal(ns_stored_read(data, len, &sd), NS_OK);
	assert_int_equal(sd.body_len, strlen(a->body));
	assert_memory_equal(sd.body, a->body, sd.body_len);
	assert_string_equal(json_string_value(json_object_get(sd.fields, "title")),
	                    "Tariffs on \"imported\" turbines");
	assert_string_equal(json_string_value(json_object_get(sd.fields, "path")),
	                    "world/t.txt");
	ns_stored_clear(&sd);
	free(data);
	ns_article_free(a);
}

static void test_old_layout_reads_the_same(void **state)
{
	(void)state;
	ns_article_t *a = parse(page);
	/* Layout 4: the whole article one JSON object, body inside. */
	json_t *o = ns_article_json(a, "world/t.txt");
	char *old = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	ns_stored_t sd;
	assert_int_equal(ns_stored_read(old, strlen(old), &sd), NS_OK);
	assert_int_equal(sd.body_len, strlen(a->body));
	assert_memory_equal(sd.body, a->body, sd.body_len);
	assert_string_equal(json_string_value(json_object_get(sd.fields, "path")),
	                    "world/t.txt");
	ns_stored_clear(&sd);
	free(old);
	ns_article_free(a);
}

static void test_headline_only_and_not_ours(void **state)
{
	(void)state;
	ns_article_t *a = parse("Just a headline\n");
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(ns_stored_make(a, "h.txt", &data, &len), NS_OK);
	ns_stored_t sd;
	assert_int_equal(ns_stored_read(data, len, &sd), NS_OK);
	assert_int_equal(sd.body_len, 0);
	assert_string_equal(sd.body, "");
	ns_stored_clear(&sd);
	free(data);
	ns_article_free(a);

	/* Not our layout: an error, nothing to free. */
	assert_int_equal(ns_stored_read("not json", 8, &sd), NS_ERR_INDEX);
	assert_int_equal(ns_stored_read("[1,2]\0body", 10, &sd), NS_ERR_INDEX);
	assert_int_equal(ns_stored_read("", 0, &sd), NS_ERR_INDEX);
	assert_null(sd.fields);
	ns_stored_clear(&sd);
	ns_stored_clear(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_apart),
		cmocka_unit_test(test_old_layout_reads_the_same),
		cmocka_unit_test(test_headline_only_and_not_ours),
	};
	return cmocka_run_group_tests_name("stored", tests, NULL, NULL);
}
