/* pathmeta.c - what an article's path says of it when the article does
 * not: a date written into the folders or the file name, and a section
 * from the first folder.  Pure: no I/O. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "parse/article_impl.h"

/* A plausible year for a news archive: dates outside are a serial number
 * or an id that happens to have eight digits. */
static bool archive_year(int y)
{
	return y >= 1800 && y <= 2199;
}

static bool set_date(char out[11], int y, int m, int d)
{
	if (!archive_year(y) || !art_valid_ymd(y, m, d))
		return false;
	art_format_date(out, y, m, d);
	return true;
}

/* A component (LEN bytes at S) that begins with a date: "2025-04-09",
 * "2025_04_09" or "20250409", followed by its end or by a character that
 * is not a digit ("2025-04-09-harbour.txt", "20250409.txt"). */
static bool date_prefix(const char *s, size_t len, char out[11])
{
	if (len >= 10 && (s[4] == '-' || s[4] == '_') && s[7] == s[4] &&
	    (len == 10 || !isdigit((unsigned char)s[10])))
		return set_date(out, art_digits(s, 4, 4), art_digits(s + 5, 2, 2),
		                art_digits(s + 8, 2, 2));
	if (len >= 8 && (len == 8 || !isdigit((unsigned char)s[8])))
		return set_date(out, art_digits(s, 4, 4), art_digits(s + 4, 2, 2),
		                art_digits(s + 6, 2, 2));
	return false;
}

typedef struct {
	const char *s;
	size_t len;
} part_t;

/* Splits RELPATH at '/' into at most MAX parts; returns how many. */
static size_t split(const char *relpath, part_t *parts, size_t max)
{
	size_t n = 0;
	const char *p = relpath;
	while (*p && n < max) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len)
			parts[n++] = (part_t){p, len};
		if (!slash)
			break;
		p = slash + 1;
	}
	return n;
}

bool ns_path_date(const char *relpath, char out[11])
{
	part_t parts[64];
	size_t n = relpath ? split(relpath, parts, 64) : 0;
	/* Folders YYYY/MM/DD, the deepest first (an archive nests a day in
	 * its month in its year; anything above is a desk or a site). */
	for (size_t i = n >= 3 ? n - 3 : 0; n >= 3; i--) {
		if (parts[i].len == 4 && parts[i + 1].len == 2 &&
		    parts[i + 2].len == 2 &&
		    set_date(out, art_digits(parts[i].s, 4, 4),
		             art_digits(parts[i + 1].s, 2, 2),
		             art_digits(parts[i + 2].s, 2, 2)))
			return true;
		if (i == 0)
			break;
	}
	/* Else a component that starts with the date, the file's name
	 * first. */
	for (size_t i = n; i-- > 0;)
		if (date_prefix(parts[i].s, parts[i].len, out))
			return true;
	return false;
}

/* Is this folder name part of a date (a year, a month or a day, or a name
 * that starts with a date) rather than a desk? */
static bool dated_folder(const part_t *p)
{
	char unused[11];
	if (art_digits(p->s, p->len, p->len) >= 0)
		return true;
	return date_prefix(p->s, p->len, unused);
}

char *ns_path_section(const char *relpath)
{
	part_t parts[64];
	size_t n = relpath ? split(relpath, parts, 64) : 0;
	/* The last part is the file itself. */
	for (size_t i = 0; i + 1 < n; i++)
		if (!dated_folder(&parts[i]))
			return strndup(parts[i].s, parts[i].len);
	return NULL;
}

ns_status_t ns_article_from_path(ns_article_t *a, const char *relpath)
{
	if (!a || !relpath)
		return NS_ERR_INVALID;
	if (!a->date[0] && ns_path_date(relpath, a->date))
		a->time[0] = '\0';
	if (!a->section[0]) {
		char *section = ns_path_section(relpath);
		if (section) {
			free(a->section);
			a->section = section;
		}
	}
	return NS_OK;
}
