/* test_cli_dates.c - the dates nsearch-cli's --since and --until take. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/dates.h"

/* 2025-03-31 12:00 local time: a month end, so that "1m" must clamp. */
static time_t noon_march_31(void)
{
	struct tm tm = {.tm_year = 125, .tm_mon = 2, .tm_mday = 31,
	                .tm_hour = 12, .tm_isdst = -1};
	return mktime(&tm);
}

static void assert_date(const char *arg, bool until, const char *want)
{
	char out[11] = "", why[200] = "";
	if (!nscli_parse_date(arg, until, noon_march_31(), out, why, sizeof why))
		fail_msg("%s: refused: %s", arg, why);
	assert_string_equal(out, want);
}

static void assert_refused(const char *arg, const char *reason)
{
	char out[11] = "untouched", why[200] = "";
	assert_false(nscli_parse_date(arg, false, noon_march_31(), out, why,
	                              sizeof why));
	assert_string_equal(out, "untouched");
	if (!strstr(why, reason))
		fail_msg("%s: reason \"%s\" lacks \"%s\"", arg, why, reason);
}

static void test_null(void **state)
{
	char out[11], why[100] = "";
	assert_false(nscli_parse_date(NULL, false, 0, out, why, sizeof why));
	assert_non_null(strstr(why, "no date"));
	assert_false(nscli_parse_date("today", false, 0, NULL, NULL, 0));
}

static void test_calendar(void **state)
{
	assert_date("2024-02-29", false, "2024-02-29");
	assert_date("2024-02-29", true, "2024-02-29");
	assert_date("2025-03", false, "2025-03-01");
	assert_date("2025-03", true, "2025-03-31");
	assert_date("2024-02", true, "2024-02-29");
	assert_date("2023-02", true, "2023-02-28");
	assert_date("1987", false, "1987-01-01");
	assert_date("1987", true, "1987-12-31");
}

static void test_relative(void **state)
{
	assert_date("today", false, "2025-03-31");
	assert_date("yesterday", false, "2025-03-30");
	assert_date("0d", false, "2025-03-31");
	assert_date("7d", false, "2025-03-24");
	assert_date("31d", false, "2025-02-28");
	assert_date("2w", false, "2025-03-17");
	assert_date("1m", false, "2025-02-28"); /* no 31st in February */
	assert_date("13m", false, "2024-02-29");
	assert_date("1y", false, "2024-03-31");
}

static void test_refused_in_words(void **state)
{
	assert_refused("1987-13-01", "months go from 01 to 12");
	assert_refused("2023-02-29", "no such day");
	assert_refused("2025-3-1", "write YYYY-MM-DD");
	assert_refused("last week", "write YYYY-MM-DD");
	assert_refused("7", "write YYYY-MM-DD");
	assert_refused("d", "write YYYY-MM-DD");
	assert_refused("", "write YYYY-MM-DD");
}

int main(void)
{
	/* The clock is local time: pin it so that the test means the same
	 * everywhere. */
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_relative),
		cmocka_unit_test(test_refused_in_words),
	};
	return cmocka_run_group_tests_name("cli_dates", tests, NULL, NULL);
}
