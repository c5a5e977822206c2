/* test_cli_errors.c - the daemon's error replies as nsearch-cli tells
 * them: the user's words, the code to look up, what to do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/errors.h"

static char *text_of(const char *cmd, unsigned limit, const char *code,
                     const char *message)
{
	nscli_asked_t asked = {cmd, limit, 0};
	char *t = nscli_error_text(&asked, code, message);
	assert_non_null(t);
	return t;
}

static void assert_has(const char *text, const char *want)
{
	assert_non_null(text);
	if (!strstr(text, want))
		fail_msg("[%s] lacks [%s]", text ? text : "", want);
}

static void assert_lacks(const char *text, const char *unwanted)
{
	assert_non_null(text);
	if (strstr(text, unwanted))
		fail_msg("[%s] has [%s]", text ? text : "", unwanted);
}

static void test_null_and_unknown(void **state)
{
	char *t = text_of("search", 0, NULL, NULL);
	assert_string_equal(t, "nsearch-cli: search: no reason given (ERROR)\n");
	free(t);
	t = text_of("status", 0, "SOMETHING_NEW", "it broke");
	assert_string_equal(t, "nsearch-cli: status: it broke (SOMETHING_NEW)\n");
	free(t);
}

/* Xapian's grammar becomes what to type. */
static void test_bad_query_without_grammar(void **state)
{
	const char *ops[][2] = {
		{"Syntax: <expression> AND <expression>", "AND needs a word or a "
		 "group on each side, as in: tariffs AND steel"},
		{"Syntax: <expression> OR <expression>", "OR needs a word or a "
		 "group on each side, as in: kyiv OR kiev"},
		{"Syntax: <expression> NOT <expression>", "NOT needs a word or a "
		 "group after it"},
		{"Syntax: <expression> AND NOT <expression>", "AND NOT needs"},
		{"Syntax: <expression> XOR <expression>", "XOR needs"},
	};
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
		char *t = text_of("search", 0, "BAD_QUERY", ops[i][0]);
		assert_has(t, "nsearch-cli: search: the query does not parse: ");
		assert_has(t, ops[i][1]);
		assert_has(t, " (BAD_QUERY)\n");
		assert_lacks(t, "<expression>");
		assert_lacks(t, "Syntax");
		free(t);
	}
	/* The daemon's own words pass as they are. */
	char *t = text_of("search", 0, "BAD_QUERY", "date:xx is not a date");
	assert_string_equal(t, "nsearch-cli: search: the query does not parse: "
	                    "date:xx is not a date (BAD_QUERY)\n");
	free(t);
}

static void test_too_broad_says_make_it_longer(void **state)
{
	char *t = text_of("search", 0, "TOO_BROAD", "WildcardError: Wildcard "
	                  "a* expands to more than 3 terms");
	assert_string_equal(t, "nsearch-cli: search: a* matches more than 3 "
	                    "words (the daemon's max_expansion) (TOO_BROAD)\n"
	                    "  Make the beginning longer: harb* rather than h* "
	                    "(docs/query-syntax.md, \"Wildcards and their "
	                    "cap\").\n");
	free(t);
	/* A message of another shape keeps the hint. */
	t = text_of("search", 0, "TOO_BROAD", "too many");
	assert_has(t, "too many (TOO_BROAD)\n  Make the beginning longer");
	free(t);
}

static void test_refusals_read_well(void **state)
{
	char *t = text_of("compact", 0, "FORBIDDEN", "compact needs the admin "
	                  "role: on the Unix socket, root or the daemon's user "
	                  "(uid 999); over TCP, the admin token");
	assert_string_equal(t, "nsearch-cli: compact: not allowed for you "
	                    "(FORBIDDEN)\n  reindex, compact and backup need "
	                    "root or the daemon's user: sudo nsearch-cli "
	                    "compact\n");
	free(t);
	t = text_of("reindex", 0, "INDEX_READ_ONLY", "No space left on device; "
	            "searches answer from the last commit");
	assert_has(t, "nsearch-cli: reindex: the index cannot be written now: "
	           "No space left on device");
	assert_has(t, "(INDEX_READ_ONLY)\n  nsearch-cli status says why");
	free(t);
	t = text_of("search", 0, "TOO_COMPLEX", "a phrase or ADJ has 34 words "
	            "(at most 32): make the query simpler");
	assert_string_equal(t, "nsearch-cli: search: refused before it ran: a "
	                    "phrase or ADJ has 34 words (at most 32): make the "
	                    "query simpler (TOO_COMPLEX)\n");
	free(t);
	t = text_of("search", 0, "TIMEOUT", "the search took longer than the "
	            "daemon's query_timeout_ms");
	assert_has(t, "query_timeout_ms (TIMEOUT)\n  Narrow the search: ");
	free(t);
	t = text_of("wait", 0, "TIMEOUT", "not indexed within 60000 ms");
	assert_has(t, "(TIMEOUT)\n  The daemon has more to index first");
	free(t);
}

/* Over the daemon's max_results: its refusal, and what --limit to give. */
static void test_limit_refused(void **state)
{
	char *t = text_of("search", 500, "BAD_REQUEST",
	                  "\"limit\" must be between 1 and 100");
	assert_has(t, "nsearch-cli: search: refused: \"limit\" must be between "
	           "1 and 100 (BAD_REQUEST)\n");
	assert_has(t, "  --limit 500 is more than this daemon gives at once "
	           "(its [search] max_results, 100 unless set higher)");
	free(t);
	/* Within the default, another cause: no word of --limit. */
	t = text_of("search", 50, "BAD_REQUEST", "\"lang\" must be a language");
	assert_lacks(t, "--limit");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_and_unknown),
		cmocka_unit_test(test_bad_query_without_grammar),
		cmocka_unit_test(test_too_broad_says_make_it_longer),
		cmocka_unit_test(test_refusals_read_well),
		cmocka_unit_test(test_limit_refused),
	};
	return cmocka_run_group_tests_name("cli_errors", tests, NULL, NULL);
}
