/* art_dates.c - dates and times as articles write them ("2024-04-08",
 * "2024-04-08T08:21:00+02:00", "April 8, 2024"), checked to be real days
 * and kept as written: no zone is applied.  Pure: no I/O, no clock. */
#include "parse/article_impl.h"

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <string.h>

bool art_valid_ymd(int y, int m, int d)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	return true;
}

int art_digits(const char *s, size_t len, size_t n)
{
	if (len < n)
		return -1;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		/* A long run of digits (a folder named by an id) saturates
		 * rather than overflow. */
		v = v > (INT_MAX - 9) / 10 ? INT_MAX : v * 10 + (s[i] - '0');
	}
	return v;
}

/* V (0-99) as two digits at OUT. */
static void put2(char *out, int v)
{
	assert(v >= 0 && v <= 99);
	out[0] = (char)('0' + v / 10);
	out[1] = (char)('0' + v % 10);
}

void art_format_date(char out[11], int y, int m, int d)
{
	assert(art_valid_ymd(y, m, d));
	put2(out, y / 100);
	put2(out + 2, y % 100);
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = '\0';
}

void art_format_clock(char out[6], int h, int mi)
{
	assert(h >= 0 && h <= 23 && mi >= 0 && mi <= 59);
	put2(out, h);
	out[2] = ':';
	put2(out + 3, mi);
	out[5] = '\0';
}

static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

bool art_parse_long_date(const char *s, size_t len, char out[11],
                         size_t *used)
{
	for (int m = 0; m < 12; m++) {
		size_t ml = strlen(month_names[m]);
		if (len <= ml + 1 || memcmp(s, month_names[m], ml) != 0 ||
		    s[ml] != ' ')
			continue;
		size_t i = ml + 1, dl = 0;
		while (i + dl < len && isdigit((unsigned char)s[i + dl]) && dl < 3)
			dl++;
		if (dl < 1 || dl > 2)
			return false;
		int d = art_digits(s + i, len - i, dl);
		i += dl;
		if (len - i < 6 || s[i] != ',' || s[i + 1] != ' ')
			return false;
		int y = art_digits(s + i + 2, len - i - 2, 4);
		if (y < 0 || !art_valid_ymd(y, m + 1, d))
			return false;
		i += 6;
		if (i < len && isdigit((unsigned char)s[i]))
			return false;
		art_format_date(out, y, m + 1, d);
		*used = i;
		return true;
	}
	return false;
}

/* "HH:MM[:SS[.fff]]" then an optional zone: "Z", "+02:00", "+0200",
 * " +0200", " UTC".  The whole of S must be used. */
static bool parse_clock_zone(const char *s, size_t len, char time[6])
{
	int h = art_digits(s, len, 2);
	if (h < 0 || h > 23 || len < 5 || s[2] != ':')
		return false;
	int mi = art_digits(s + 3, len - 3, 2);
	if (mi < 0 || mi > 59)
		return false;
	size_t i = 5;
	if (i < len && s[i] == ':') {
		if (art_digits(s + i + 1, len - i - 1, 2) < 0)
			return false;
		i += 3;
		if (i < len && s[i] == '.') {
			i++;
			while (i < len && isdigit((unsigned char)s[i]))
				i++;
		}
	}
	while (i < len && s[i] == ' ')
		i++;
	if (i < len) {
		const char *z = s + i;
		size_t zl = len - i;
		bool ok = (zl == 1 && (*z == 'Z' || *z == 'z')) ||
		          (zl == 3 && memcmp(z, "UTC", 3) == 0) ||
		          (zl == 3 && memcmp(z, "GMT", 3) == 0) ||
		          ((zl == 6 || zl == 5 || zl == 3) && (*z == '+' || *z == '-') &&
		           art_digits(z + 1, zl - 1, 2) >= 0 &&
		           (zl == 3 || (zl == 5 && art_digits(z + 3, 2, 2) >= 0) ||
		            (zl == 6 && z[3] == ':' && art_digits(z + 4, 2, 2) >= 0)));
		if (!ok)
			return false;
	}
	art_format_clock(time, h, mi);
	return true;
}

bool art_parse_datetime(const char *s, size_t len, char date[11],
                        char time[6])
{
	line_t l = art_trim((line_t){s, len});
	size_t used = 0;
	char d[11], t[6] = "";
	if (l.len >= 10 && l.s[4] == '-' && l.s[7] == '-') {
		int y = art_digits(l.s, 4, 4), m = art_digits(l.s + 5, 2, 2),
		    dd = art_digits(l.s + 8, 2, 2);
		if (y < 0 || m < 0 || dd < 0 || !art_valid_ymd(y, m, dd))
			return false;
		art_format_date(d, y, m, dd);
		used = 10;
		if (used < l.len) {
			if (l.s[used] != 'T' && l.s[used] != 't' && l.s[used] != ' ')
				return false;
			if (!parse_clock_zone(l.s + used + 1, l.len - used - 1, t))
				return false;
		}
	} else if (art_parse_long_date(l.s, l.len, d, &used)) {
		if (used != l.len)
			return false;
	} else {
		return false;
	}
	memcpy(date, d, sizeof d);
	memcpy(time, t, sizeof t);
	return true;
}

ns_status_t art_set_date(ns_article_t *a, const char *field, const char *s,
                         size_t len)
{
	if (art_parse_datetime(s, len, a->date, a->time))
		return NS_OK;
	a->date[0] = a->time[0] = '\0';
	return art_warn(a, "%s \"%.*s%s\" is not a date; the article has none",
	                field, art_quote_len(s, len, 40), s, len > 40 ? "…" : "");
}

