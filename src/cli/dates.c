/* dates.c - the dates a journalist types for --since and --until, turned
 * into the protocol's YYYY-MM-DD.  Pure but for the clock it is given. */
#include "cli/dates.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
	                           31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : days[m - 1];
}

static void put(char out[11], int y, int m, int d)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
	memcpy(out, buf, 11);
}

/* N digits at S as a number, or -1. */
static int number(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The local calendar day DAYS days before NOW. */
static void days_ago(time_t now, long days, char out[11])
{
	struct tm tm;
	localtime_r(&now, &tm);
	tm.tm_mday -= (int)days;
	tm.tm_hour = 12; /* away from a daylight-saving change */
	tm.tm_isdst = -1;
	mktime(&tm);
	put(out, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* The local calendar day MONTHS months before NOW (the 31st of a shorter
 * month is its last day). */
static void months_ago(time_t now, long months, char out[11])
{
	struct tm tm;
	localtime_r(&now, &tm);
	long total = (long)(tm.tm_year + 1900) * 12 + tm.tm_mon - months;
	int y = (int)(total / 12), m = (int)(total % 12) + 1;
	int d = tm.tm_mday;
	if (d > month_days(y, m))
		d = month_days(y, m);
	put(out, y, m, d);
}

static bool fail(char *why, size_t size, const char *arg, const char *what)
{
	if (why && size)
		snprintf(why, size, "'%s' is not a date: %s", arg, what);
	return false;
}

/* "YYYY", "YYYY-MM" or "YYYY-MM-DD": the first day it covers for --since,
 * the last for --until. */
static bool calendar(const char *arg, bool until, char out[11], char *why,
                     size_t size)
{
	size_t n = strlen(arg);
	int y = number(arg, 4), m = 1, d = 1;
	if (y < 0 || (n != 4 && n != 7 && n != 10) || (n > 4 && arg[4] != '-') ||
	    (n > 7 && arg[7] != '-'))
		return fail(why, size, arg, "write YYYY-MM-DD, YYYY-MM, YYYY, "
		            "today, yesterday or an age such as 7d, 2w, 3m, 1y");
	if (n >= 7 && ((m = number(arg + 5, 2)) < 1 || m > 12))
		return fail(why, size, arg, "months go from 01 to 12");
	if (n == 10) {
		d = number(arg + 8, 2);
		if (d < 1 || d > month_days(y, m))
			return fail(why, size, arg, "that month has no such day");
	} else if (until) {
		if (n == 4)
			m = 12;
		d = month_days(y, m);
	}
	put(out, y, m, d);
	return true;
}

bool nscli_parse_date(const char *arg, bool until, time_t now, char out[11],
                      char *why, size_t why_size)
{
	if (!arg || !out)
		return fail(why, why_size, arg ? arg : "", "no date given");
	if (strcmp(arg, "today") == 0) {
		days_ago(now, 0, out);
		return true;
	}
	if (strcmp(arg, "yesterday") == 0) {
		days_ago(now, 1, out);
		return true;
	}
	/* An age: a count and a unit. */
	size_t n = strlen(arg);
	if (n >= 2 && n <= 6 && strchr("dwmy", arg[n - 1]) &&
	    number(arg, n - 1) >= 0) {
		long count = number(arg, n - 1);
		switch (arg[n - 1]) {
		case 'd': days_ago(now, count, out); break;
		case 'w': days_ago(now, count * 7, out); break;
		case 'm': months_ago(now, count, out); break;
		default: months_ago(now, count * 12, out); break;
		}
		return true;
	}
	return calendar(arg, until, out, why, why_size);
}
