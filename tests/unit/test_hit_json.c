/* test_hit_json.c - every field of NS_HIT_FIELDS goes out under its name
 * and comes back as it was; "fields" selects by the same names; input
 * that is not a hit reads as an empty one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/hit_json.h"
#include "testutil.h"

static const char *const names[] = {
#define NAME(NAME, member, kind) #member,
	NS_HIT_FIELDS(NAME)
#undef NAME
};
static const unsigned bits[] = {
#define BIT(NAME, member, kind) NS_FIELD_##NAME,
	NS_HIT_FIELDS(BIT)
#undef BIT
};
#define NNAMES (sizeof names / sizeof *names)

static void test_bad_input(void **state)
{
	(void)state;
	assert_int_equal(ns_hit_field_bit(NULL), 0);
	assert_int_equal(ns_hit_field_bit(""), 0);
	assert_int_equal(ns_hit_field_bit("readingminutes"), 0);
	/* Not an object: an empty hit, strings "" and the body absent. */
	json_t *arr = json_array();
	ns_hit_t h = {0};
	assert_int_equal(ns_hit_from_json(arr, NS_FIELDS_ALL, &h), NS_OK);
	assert_string_equal(h.path, "");
	assert_string_equal(h.title, "");
	assert_null(h.body);
	assert_int_equal(h.tags.n, 0);
	assert_int_equal(h.reading_minutes, 0);
	ns_hit_clear(&h);
	json_decref(arr);
	/* Nothing asked for, nothing written. */
	json_t *o = ns_hit_json(&h, 0);
	assert_int_equal(json_object_size(o), 0);
	json_decref(o);
}

static void test_names_and_bits(void **state)
{
	(void)state;
	unsigned seen = 0;
	for (size_t i = 0; i < NNAMES; i++) {
		assert_int_equal(ns_hit_field_bit(names[i]), bits[i]);
		assert_int_equal(seen & bits[i], 0); /* one bit each */
		seen |= bits[i];
	}
	assert_int_equal(seen, NS_FIELDS_ALL);
	assert_int_equal(NNAMES, NS_FIELD_COUNT);
	assert_int_equal(ns_hit_field_bit("reading_minutes"),
	                 NS_FIELD_READING_MINUTES);
	/* A hit's default: not the body, not the duplicates of collapse. */
	assert_false(NS_FIELDS_HIT & (NS_FIELD_BODY | NS_FIELD_DUPLICATES));
	assert_true(NS_FIELDS_ARTICLE & NS_FIELD_BODY);
	assert_false(NS_FIELDS_ARTICLE & (NS_FIELD_RANK | NS_FIELD_SNIPPET));
}

static void fill(ns_hit_t *h)
{
	memset(h, 0, sizeof *h);
	h->rank = 4;
	h->score = 1.5;
	h->path = strdup("city/tram.md");
	h->title = strdup("Tram line \"approved\"");
	h->standfirst = strdup("After years");
	h->date = strdup("2025-02-11");
	h->time = strdup("16:47");
	h->section = strdup("City");
	ns_strv_push(&h->tags, "Trams", 5);
	ns_strv_push(&h->tags, "Budget", 6);
	ns_strv_push(&h->authors, "Ilse Marchetti", 14);
	h->language = strdup("en");
	h->url = strdup("/city/tram");
	h->format = strdup("markdown");
	h->reading_minutes = 3;
	h->snippet = strdup("the <b>tram</b>");
	h->partial = true;
	h->duplicates = 2;
	h->body = strdup("The council approved it.");
}

static void test_round_trip(void **state)
{
	(void)state;
	ns_hit_t h;
	fill(&h);
	json_t *o = ns_hit_json(&h, NS_FIELDS_ALL);
	assert_non_null(o);
	/* Every field, under its name, in the list's order. */
	assert_int_equal(json_object_size(o), NNAMES);
	size_t i = 0;
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v)
		assert_string_equal(key, names[i++]);
	assert_int_equal(json_integer_value(json_object_get(o,
	                 "reading_minutes")), 3);
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(o, "tags"), 1)), "Budget");

	ns_hit_t back = {0};
	assert_int_equal(ns_hit_from_json(o, NS_FIELDS_ALL, &back), NS_OK);
	assert_int_equal(back.rank, 4);
	assert_true(back.score == 1.5);
	assert_string_equal(back.title, h.title);
	assert_string_equal(back.time, "16:47");
	assert_int_equal(back.tags.n, 2);
	assert_string_equal(back.authors.v[0], "Ilse Marchetti");
	assert_int_equal(back.reading_minutes, 3);
	assert_true(back.partial);
	assert_int_equal(back.duplicates, 2);
	assert_string_equal(back.body, h.body);
	ns_hit_clear(&back);

	/* Only what FIELDS asks for is read. */
	assert_int_equal(ns_hit_from_json(o, NS_FIELD_TITLE, &back), NS_OK);
	assert_string_equal(back.title, h.title);
	assert_null(back.path);
	assert_int_equal(back.rank, 0);
	ns_hit_clear(&back);
	json_decref(o);

	/* ... and written: a NULL string goes out as "". */
	free(h.url);
	h.url = NULL;
	o = ns_hit_json(&h, NS_FIELD_PATH | NS_FIELD_URL);
	assert_int_equal(json_object_size(o), 2);
	assert_string_equal(json_string_value(json_object_get(o, "url")), "");
	json_decref(o);
	ns_hit_clear(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_names_and_bits),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
