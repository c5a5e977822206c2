/* test_synonyms.c - the synonyms file and the query rewrite. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/synonyms.h"

static ns_synonyms_t *load(const char *text)
{
	ns_synonyms_t *s = NULL;
	char *err = NULL;
	ns_status_t st = ns_synonyms_parse("syn.txt", text, strlen(text), &s, &err);
	if (st != NS_OK)
		fail_msg("%s", err ? err : "no message");
	return s;
}

/* The error message for TEXT, which must be refused. */
static char *refused(const char *text, size_t len)
{
	ns_synonyms_t *s = NULL;
	char *err = NULL;
	assert_int_equal(ns_synonyms_parse("syn.txt", text, len, &s, &err),
	                 NS_ERR_FORMAT);
	assert_null(s);
	assert_non_null(err);
	return err;
}

static void assert_expands(const ns_synonyms_t *s, const char *q,
                           const char *want)
{
	char *out = NULL;
	assert_int_equal(ns_synonyms_expand(s, q, &out), NS_OK);
	if (!want) {
		if (out)
			fail_msg("%s: rewritten as %s", q, out);
		return;
	}
	if (!out || strcmp(out, want) != 0)
		fail_msg("%s: got %s, expected %s", q, out ? out : "(unchanged)",
		         want);
	free(out);
}

static void test_file_format(void **state)
{
	ns_synonyms_t *s = load("# comment\n\n  kyiv, kiev \r\n"
	                        "us, usa, United States\n");
	assert_int_equal(ns_synonyms_count(s), 2);
	ns_synonyms_free(s);
	/* A byte-order mark is not part of the first word. */
	s = load("\xEF\xBB\xBFzzz, yyy\n");
	assert_expands(s, "zzz", "(zzz OR yyy)");
	ns_synonyms_free(s);
}

static void test_errors_name_the_line(void **state)
{
	char *err = refused("kyiv, kiev\n\nlonely\n", 19);
	assert_string_equal(err, "syn.txt:3: a group needs at least two "
	                         "members, separated by commas");
	free(err);
	err = refused("a, , b\n", 7);
	assert_non_null(strstr(err, "syn.txt:1: an empty member"));
	free(err);
	const char *curly = "copy\xE2\x80\x99s, copies\n";
	err = refused(curly, strlen(curly));
	assert_non_null(strstr(err, "syn.txt:1: "));
	assert_non_null(strstr(err, "a member is one to 4 words"));
	free(err);
	err = refused("ok, fine\nbad\xFF, worse\n", 22);
	assert_string_equal(err, "syn.txt:2: not UTF-8 (byte 4 of the line)");
	free(err);
	err = refused("a, b c d e f\n", 13);
	assert_non_null(strstr(err, "syn.txt:1: \"b c d e f\""));
	free(err);
}

static void test_rewrite(void **state)
{
	ns_synonyms_t *s = load("kyiv, kiev\nus, usa, united states\n"
	                        "al-qaeda, al qaeda\nкиїв, kyjiw\n");
	assert_expands(s, "kiev metro", "(kyiv OR kiev) metro");
	assert_expands(s, "US sanctions", "(us OR usa OR \"united states\") "
	                                  "sanctions");
	/* Initials in any case are the word their letters make, as in the
	 * index; not when a word goes on after them. */
	assert_expands(s, "U.S. sanctions",
	               "(us OR usa OR \"united states\") "
	               "sanctions");
	assert_expands(s, "u.s sanctions",
	               "(us OR usa OR \"united states\") "
	               "sanctions");
	assert_expands(s, "(U.S.A.)", "((us OR usa OR \"united states\"))");
	assert_expands(s, "u.s.x1", NULL);
	/* The longest member wins; a phrase member matches the words. */
	assert_expands(s, "united states tariffs",
	               "(us OR usa OR \"united states\") tariffs");
	/* Two spellings that index alike are one member. */
	assert_expands(s, "al-qaeda", "(\"al qaeda\")");
	/* Left as typed: quoted, fields, marked, wildcards, operators, NEAR. */
	assert_expands(s, "\"kiev metro\"", NULL);
	assert_expands(s, "title:kiev", NULL);
	assert_expands(s, "-kiev", NULL);
	assert_expands(s, "kie*", NULL);
	assert_expands(s, "kiev NEAR metro", NULL);
	assert_expands(s, "metro NEAR/3 kiev", NULL);
	assert_expands(s, "metro ADJ kiev", NULL);
	assert_expands(s, "kiev OR metro", "(kyiv OR kiev) OR metro");
	/* Cyrillic case is folded. */
	assert_expands(s, "КИЇВ", "(київ OR kyjiw)");
	/* Not a member: a longer word that starts like one. */
	assert_expands(s, "kievan", NULL);
	ns_synonyms_free(s);
}

static void test_reference_counting(void **state)
{
	ns_synonyms_t *s = load("a, b\n");
	assert_ptr_equal(ns_synonyms_ref(s), s);
	ns_synonyms_free(s);
	/* Still alive: one reference left. */
	assert_expands(s, "a", "(a OR b)");
	ns_synonyms_free(s);
	assert_null(ns_synonyms_ref(NULL));
	ns_synonyms_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_format),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_reference_counting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
