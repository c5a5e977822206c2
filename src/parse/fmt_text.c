/* fmt_text.c - the two formats without markup: scraped news pages and
 * plain text (wire copy).  Rules: docs/formats.md. */
#include "parse/article_impl.h"

#include <assert.h>
#include <ctype.h>
#include <string.h>

/* ---- scraped news pages ------------------------------------------------ */

/* Lines the site puts on every page; never part of an article. */
static bool is_chrome(line_t l)
{
	return art_line_eq(l, "Edit post") ||
	       art_line_eq(l, "Skip to content") ||
	       art_line_eq(l, "This audio is created with AI assistance");
}

/* "date 2024-04-08 Skip to content": the header of a scraped page. */
static bool header_date(line_t l, char date[11])
{
	if (!art_line_starts(l, "date "))
		return false;
	line_t rest = art_trim((line_t){l.s + 5, l.len - 5});
	size_t n = 0;
	while (n < rest.len && !isspace((unsigned char)rest.s[n]))
		n++;
	char time[6];
	return n == 10 && art_parse_datetime(rest.s, n, date, time);
}

/* The header line: the first non-blank line that is not chrome. */
static size_t header_line(const art_text_t *t)
{
	size_t i = art_first_nonblank(t, 0);
	while (i < t->n && is_chrome(t->lines[i]))
		i = art_first_nonblank(t, i + 1);
	return i;
}

static bool detect_news_page(const art_text_t *t)
{
	size_t i = header_line(t);
	char date[11];
	return i < t->n && header_date(t->lines[i], date);
}

/* The names in "by A, B and C April 8, 2024 8:21 AM 1 min read" run to
 * the date; *NAMES_END gets where they stop, 0 when there is no date. */
static bool byline_date(line_t l, char date[11], size_t *names_end,
                        size_t *used)
{
	for (size_t i = 3; i < l.len; i++) {
		if (l.s[i - 1] != ' ')
			continue;
		if (art_parse_long_date(l.s + i, l.len - i, date, used)) {
			*names_end = i;
			return true;
		}
	}
	return false;
}

static bool is_byline(line_t l)
{
	char date[11];
	size_t end, used;
	return l.len > 3 && (memcmp(l.s, "by ", 3) == 0 ||
	                     memcmp(l.s, "By ", 3) == 0) &&
	       byline_date(l, date, &end, &used);
}

/* "H:MM AM" or "H:MM PM" at S into a 24-hour "HH:MM". */
static bool parse_clock12(const char *s, size_t len, char out[6],
                          size_t *used)
{
	size_t hl = 0;
	while (hl < len && hl < 3 && isdigit((unsigned char)s[hl]))
		hl++;
	if (hl < 1 || hl > 2 || len < hl + 6 || s[hl] != ':' ||
	    !isdigit((unsigned char)s[hl + 1]) || !isdigit((unsigned char)s[hl + 2]))
		return false;
	int h = hl == 1 ? s[0] - '0' : (s[0] - '0') * 10 + (s[1] - '0');
	int mi = (s[hl + 1] - '0') * 10 + (s[hl + 2] - '0');
	const char *ap = s + hl + 3;
	if (mi > 59 || h < 1 || h > 12 || ap[0] != ' ')
		return false;
	bool pm;
	if ((ap[1] == 'A' || ap[1] == 'a') && (ap[2] == 'M' || ap[2] == 'm'))
		pm = false;
	else if ((ap[1] == 'P' || ap[1] == 'p') && (ap[2] == 'M' || ap[2] == 'm'))
		pm = true;
	else
		return false;
	art_format_clock(out, h % 12 + (pm ? 12 : 0), mi);
	*used = hl + 6;
	return true;
}

static ns_status_t parse_byline(line_t l, ns_article_t *a, ns_strv_t *names)
{
	char date[11];
	size_t names_end = 0, used = 0;
	if (!byline_date(l, date, &names_end, &used))
		return NS_OK;
	if (!a->date[0])
		memcpy(a->date, date, sizeof date);
	line_t rest = art_trim((line_t){l.s + names_end + used,
	                                l.len - names_end - used});
	size_t clock_len = 0;
	if (parse_clock12(rest.s, rest.len, a->time, &clock_len))
		rest = art_trim((line_t){rest.s + clock_len, rest.len - clock_len});
	unsigned minutes = 0;
	size_t k = 0;
	while (k < rest.len && isdigit((unsigned char)rest.s[k]) && minutes < 10000)
		minutes = minutes * 10 + (unsigned)(rest.s[k++] - '0');
	if (k && minutes >= 1 && minutes <= 9999 && rest.len - k >= 9 &&
	    memcmp(rest.s + k, " min read", 9) == 0)
		a->reading_minutes = minutes;
	return art_push_names(names, l.s + 3, names_end - 3);
}

/* Does L read like a headline: no full stop at the end? */
static bool headline_like(line_t l)
{
	if (l.len == 0 || l.len > 200)
		return false;
	char last = l.s[l.len - 1];
	return last != '.' && last != ':' && last != ';' && last != ',';
}

/* The related-article teaser: on these pages body paragraphs are single
 * lines with blank lines between them, and the teaser is two lines with
 * none between (a headline, then its summary) closing the body, right
 * before the footer or the end.  Returns the teaser's first line, or END
 * when the lines before END are not one. */
static size_t find_teaser(const art_text_t *t, size_t body_start, size_t end)
{
	if (end < body_start + 3)
		return end;
	line_t summary = t->lines[end - 1], headline = t->lines[end - 2];
	if (summary.len == 0 || headline.len == 0 || !headline_like(headline) ||
	    is_chrome(summary) || is_chrome(headline))
		return end;
	size_t start = end - 2;
	if (t->lines[start - 1].len != 0)
		return end; /* three or more lines in a row: not this shape */
	/* And there is a body before it. */
	for (size_t i = body_start; i + 1 < start; i++)
		if (t->lines[i].len && !is_chrome(t->lines[i]))
			return start;
	return end;
}

/* The byline, if any, within the first lines after the header; T->n
 * when none. */
static size_t find_byline(const art_text_t *t, size_t head)
{
	for (size_t i = head + 1; i < t->n && i < head + 24; i++)
		if (is_byline(t->lines[i]))
			return i;
	return t->n;
}

/* The title: the last line above the byline that is not chrome; without
 * a byline, the header block runs to the first blank line and the title
 * is the first line after it that is not chrome.  T->n when none. */
static size_t find_title(const art_text_t *t, size_t head, size_t byline)
{
	size_t i;
	if (byline < t->n) {
		for (i = byline; i > head + 1; i--)
			if (t->lines[i - 1].len && !is_chrome(t->lines[i - 1]))
				return i - 1;
		return t->n;
	}
	for (i = head + 1; i < t->n && t->lines[i].len; i++)
		;
	for (i = art_first_nonblank(t, i); i < t->n;
	     i = art_first_nonblank(t, i + 1))
		if (!is_chrome(t->lines[i]))
			return i;
	return t->n;
}

/* The section-and-tags line: the first line after the header that is not
 * chrome, not blank and not the title. */
static ns_status_t set_section_tags(const art_text_t *t, size_t head,
                                    size_t title, ns_article_t *a)
{
	for (size_t i = head + 1; i < t->n && i < title; i++) {
		line_t l = t->lines[i];
		if (l.len == 0 || is_chrome(l))
			continue;
		size_t comma = 0;
		while (comma < l.len && l.s[comma] != ',')
			comma++;
		ns_status_t st = art_set_str(&a->section, l.s, comma);
		if (st == NS_OK && comma < l.len)
			st = art_push_list(&a->tags, l.s + comma + 1, l.len - comma - 1);
		return st;
	}
	return NS_OK;
}

/* The authors: the footer ("Authors: ...", at or after BODY_START) names
 * them in full and wins over the byline's BYLINE_NAMES (emptied).  Where
 * the footer starts, T->n when there is none. */
static size_t set_authors(const art_text_t *t, size_t body_start,
                          ns_strv_t *byline_names, ns_article_t *a,
                          ns_status_t *st)
{
	size_t footer = t->n;
	for (size_t k = t->n; k > body_start; k--)
		if (art_line_starts(t->lines[k - 1], "Authors:")) {
			footer = k - 1;
			break;
		}
	if (*st == NS_OK && footer < t->n)
		*st = art_push_names(&a->authors, t->lines[footer].s + 8,
		                     t->lines[footer].len - 8);
	if (*st == NS_OK && a->authors.n == 0) {
		ns_strv_t tmp = a->authors;
		a->authors = *byline_names;
		*byline_names = tmp;
	}
	ns_strv_clear(byline_names);
	return footer;
}

/* The body, from BODY_START to the teaser, the footer or the end; on
 * these pages every line is a paragraph of its own. */
static ns_status_t set_page_body(const art_text_t *t, size_t body_start,
                                 size_t footer, ns_article_t *a)
{
	size_t end = footer;
	while (end > body_start && t->lines[end - 1].len == 0)
		end--;
	end = find_teaser(t, body_start, end);
	ns_buf_t body = {0};
	ns_status_t st = NS_OK;
	for (size_t i = body_start; i < end && st == NS_OK; i++) {
		line_t l = t->lines[i];
		if (l.len && !is_chrome(l))
			st = art_append(&body, l.s, l.len, true);
	}
	if (st == NS_OK)
		st = art_take_body(a, &body);
	ns_buf_free(&body);
	return st;
}

static ns_status_t parse_news_page(const art_text_t *t, ns_article_t *a,
                                   char *why, size_t why_size)
{
	(void)why;
	(void)why_size;
	size_t head = header_line(t);
	assert(head < t->n); /* the detector found it */
	header_date(t->lines[head], a->date);
	size_t byline = find_byline(t, head);
	size_t title = find_title(t, head, byline);
	ns_status_t st = set_section_tags(t, head, title, a);
	if (st == NS_OK && title < t->n)
		st = art_set_str(&a->title, t->lines[title].s, t->lines[title].len);
	if (st != NS_OK)
		return st;

	size_t body_start = title < t->n ? title + 1 : t->n;
	ns_strv_t byline_names = {0};
	if (byline < t->n) {
		st = parse_byline(t->lines[byline], a, &byline_names);
		body_start = byline + 1;
		/* The standfirst sits right under the byline. */
		if (st == NS_OK && body_start < t->n && t->lines[body_start].len &&
		    !is_chrome(t->lines[body_start])) {
			st = art_set_str(&a->standfirst, t->lines[body_start].s,
			                 t->lines[body_start].len);
			body_start++;
		}
	}
	size_t footer = set_authors(t, body_start, &byline_names, a, &st);
	return st == NS_OK ? set_page_body(t, body_start, footer, a) : st;
}

const art_format_t art_news_page = {"news-page", detect_news_page, NULL,
                                    parse_news_page};

/* ---- plain text ----------------------------------------------------------- */

static ns_status_t parse_plain(const art_text_t *t, ns_article_t *a,
                               char *why, size_t why_size)
{
	(void)why;
	(void)why_size;
	ns_status_t st = NS_OK;
	size_t i = art_first_nonblank(t, 0);
	if (i < t->n && (st = art_set_str(&a->title, t->lines[i].s,
	                                  t->lines[i].len)) != NS_OK)
		return st;
	ns_buf_t body = {0};
	if (i < t->n)
		st = art_append_lines(&body, t->lines + i + 1, t->n - i - 1);
	if (st == NS_OK)
		st = art_take_body(a, &body);
	ns_buf_free(&body);
	return st;
}

const art_format_t art_plain = {"plain", NULL, NULL, parse_plain};
