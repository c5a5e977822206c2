/* test_fields.c - declared fields (core/fields.h): names, types,
 * canonical values and the sortable form of numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/fields.h"
#include "testutil.h"

static void test_names_and_types(void **state)
{
	ns_field_type_t t;
	assert_true(ns_field_type_parse("keyword", &t));
	assert_int_equal(t, NS_FIELD_KEYWORD);
	assert_true(ns_field_type_parse("number", &t));
	assert_int_equal(t, NS_FIELD_NUMBER);
	assert_false(ns_field_type_parse("Number", &t));
	assert_false(ns_field_type_parse("", &t));
	assert_true(ns_field_name_ok("site"));
	assert_true(ns_field_name_ok("post_id"));
	assert_true(ns_field_name_ok("word-count2"));
	assert_false(ns_field_name_ok(""));
	assert_false(ns_field_name_ok("2words"));
	assert_false(ns_field_name_ok("a b"));
	assert_false(ns_field_name_ok("section"));   /* built-in */
	assert_false(ns_field_name_ok("date_from"));
	assert_false(ns_field_name_ok("abcdefghijklmnopqrstuvwxyz0123456"));
}

static void test_declarations(void **state)
{
	ns_fields_declare(NULL, 0);
	assert_int_equal(ns_fields_hash(), 0);
	assert_int_equal(ns_fields_find("site"), -1);
	ns_field_decl_t d[2] = {{"site", NS_FIELD_KEYWORD},
	                        {"words", NS_FIELD_NUMBER}};
	ns_fields_declare(d, 2);
	assert_int_equal(ns_fields_count(), 2);
	assert_int_equal(ns_fields_find("words"), 1);
	assert_int_equal(ns_fields_find("word"), -1);
	unsigned h = ns_fields_hash();
	assert_true(h != 0);
	d[1].type = NS_FIELD_KEYWORD;
	ns_fields_declare(d, 2);
	assert_true(ns_fields_hash() != h);  /* a type change is a new layout */
	ns_fields_declare(NULL, 0);
}

static void test_values(void **state)
{
	char buf[64];
	json_t *v;
	assert_true(ns_field_value(NS_FIELD_BOOLEAN, v = json_true(), buf,
	                           sizeof buf));
	assert_string_equal(buf, "true");
	json_decref(v);
	assert_true(ns_field_value(NS_FIELD_BOOLEAN, v = json_string("no"), buf,
	                           sizeof buf));
	assert_string_equal(buf, "false");
	json_decref(v);
	assert_false(ns_field_value(NS_FIELD_BOOLEAN, v = json_string("maybe"),
	                            buf, sizeof buf));
	json_decref(v);
	assert_true(ns_field_value(NS_FIELD_NUMBER, v = json_string("250"), buf,
	                           sizeof buf));
	assert_string_equal(buf, "250");
	json_decref(v);
	assert_true(ns_field_value(NS_FIELD_NUMBER, v = json_real(0.1), buf,
	                           sizeof buf));
	assert_string_equal(buf, "0.1");
	json_decref(v);
	assert_false(ns_field_value(NS_FIELD_NUMBER, v = json_string("12 words"),
	                            buf, sizeof buf));
	json_decref(v);
	assert_true(ns_field_value(NS_FIELD_KEYWORD, v = json_integer(42), buf,
	                           sizeof buf));
	assert_string_equal(buf, "42");
	json_decref(v);
	assert_false(ns_field_value(NS_FIELD_KEYWORD, v = json_string(""), buf,
	                            sizeof buf));
	json_decref(v);
}

/* Byte order of the sortable form is numeric order, negatives too. */
static void test_sortable(void **state)
{
	static const double v[] = {-1e9, -2.5, -1, -0.001, 0, 0.001, 1, 2.5,
	                           90, 350, 1e9};
	char prev[17], cur[17];
	ns_field_sortable(v[0], prev);
	for (size_t i = 1; i < sizeof v / sizeof v[0]; i++) {
		ns_field_sortable(v[i], cur);
		if (strcmp(prev, cur) >= 0)
			fail_msg("%g does not sort before %g", v[i - 1], v[i]);
		memcpy(prev, cur, sizeof cur);
	}
	assert_int_equal(strlen(cur), 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_types),
		cmocka_unit_test(test_declarations),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_sortable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
