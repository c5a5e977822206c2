/* article.c - from a file's bytes to an article's fields.
 *
 * A pure function: it never touches the filesystem, the index or the log.
 * Each format is a detect/parse pair in `formats`; the first whose detector
 * accepts the text wins, and plain text takes whatever nobody else wants.
 * The rules for each format are documented in docs/formats.md.
 */
#include "nsearch/article.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- text as lines -------------------------------------------------- */

typedef struct {
	const char *s;   /* not NUL-terminated */
	size_t len;      /* without the line break and trailing blanks */
} line_t;

typedef struct {
	line_t *lines;
	size_t n;
} text_t;

static bool is_blank(line_t l)
{
	return l.len == 0;
}

static line_t trim(line_t l)
{
	while (l.len && isspace((unsigned char)l.s[0])) {
		l.s++;
		l.len--;
	}
	while (l.len && isspace((unsigned char)l.s[l.len - 1]))
		l.len--;
	return l;
}

static bool line_eq(line_t l, const char *lit)
{
	size_t n = strlen(lit);
	return l.len == n && memcmp(l.s, lit, n) == 0;
}

static bool line_starts(line_t l, const char *lit)
{
	size_t n = strlen(lit);
	return l.len >= n && memcmp(l.s, lit, n) == 0;
}

/* Split into trimmed lines; CRLF, CR and LF all end a line. */
static ns_status_t split_lines(const char *s, size_t len, text_t *t)
{
	size_t cap = 64;
	t->n = 0;
	t->lines = malloc(cap * sizeof *t->lines);
	if (!t->lines)
		return NS_ERR_NOMEM;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '\n' && s[i] != '\r')
			continue;
		if (t->n == cap) {
			cap *= 2;
			line_t *l = realloc(t->lines, cap * sizeof *l);
			if (!l)
				return NS_ERR_NOMEM;
			t->lines = l;
		}
		t->lines[t->n++] = trim((line_t){s + start, i - start});
		if (i < len && s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			i++;
		start = i + 1;
	}
	return NS_OK;
}

/* ---- encodings ------------------------------------------------------ */

bool ns_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t need;
		unsigned min;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			need = 1; min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2; min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3; min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= need)
			return false;
		unsigned cp = c & (0x3F >> need);
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += need + 1;
	}
	return true;
}

/* Windows-1252's 0x80-0x9F; the rest of the high half is Latin-1.
 * The five holes map to U+FFFD. */
static const unsigned short cp1252_high[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

static ns_status_t from_cp1252(const char *s, size_t len, char **out,
                               size_t *out_len)
{
	char *o = malloc(len * 3 + 1);
	if (!o)
		return NS_ERR_NOMEM;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned c = (unsigned char)s[i];
		if (c >= 0x80 && c < 0xA0)
			c = cp1252_high[c - 0x80];
		if (c < 0x80) {
			o[n++] = (char)c;
		} else if (c < 0x800) {
			o[n++] = (char)(0xC0 | (c >> 6));
			o[n++] = (char)(0x80 | (c & 0x3F));
		} else {
			o[n++] = (char)(0xE0 | (c >> 12));
			o[n++] = (char)(0x80 | ((c >> 6) & 0x3F));
			o[n++] = (char)(0x80 | (c & 0x3F));
		}
	}
	o[n] = '\0';
	*out = o;
	*out_len = n;
	return NS_OK;
}

/* ---- building the article ------------------------------------------- */

static ns_status_t set_str(char **dst, line_t l)
{
	char *p = ns_strndup(l.s, l.len);
	if (!p)
		return NS_ERR_NOMEM;
	free(*dst);
	*dst = p;
	return NS_OK;
}

/* Add a name or tag once, trimmed; empty ones are skipped. */
static ns_status_t push_unique(ns_strv_t *sv, line_t l)
{
	l = trim(l);
	if (is_blank(l))
		return NS_OK;
	for (size_t i = 0; i < sv->n; i++)
		if (strlen(sv->v[i]) == l.len && memcmp(sv->v[i], l.s, l.len) == 0)
			return NS_OK;
	return ns_strv_push(sv, l.s, l.len);
}

/* Split "A, B and C" (also "A and B", "A, B, and C") into names. */
static ns_status_t push_names(ns_strv_t *sv, line_t l)
{
	size_t start = 0;
	for (size_t i = 0; i <= l.len; i++) {
		size_t skip = 0;
		if (i == l.len)
			skip = 0;
		else if (l.s[i] == ',')
			skip = 1;
		else if (i > 0 && l.s[i - 1] == ' ' && l.len - i > 4 &&
		         memcmp(l.s + i, "and ", 4) == 0)
			skip = 4;
		else
			continue;
		ns_status_t st = push_unique(sv, (line_t){l.s + start, i - start});
		if (st != NS_OK)
			return st;
		i += skip ? skip - 1 : 0;
		start = i + 1;
		/* ", and" : the "and " that follows a comma is skipped next. */
		if (skip == 1) {
			line_t rest = trim((line_t){l.s + start, l.len - start});
			if (line_starts(rest, "and ")) {
				start = (size_t)(rest.s - l.s) + 4;
				i = start - 1;
			}
		}
	}
	return NS_OK;
}

/* Paragraphs joined by a blank line; lines of one paragraph by a space. */
static ns_status_t append_line(ns_buf_t *b, line_t l, bool new_paragraph)
{
	ns_status_t st = NS_OK;
	if (b->len)
		st = ns_buf_append(b, new_paragraph ? "\n\n" : " ",
		                   new_paragraph ? 2 : 1);
	if (st == NS_OK)
		st = ns_buf_append(b, l.s, l.len);
	return st;
}

static ns_status_t set_body(ns_article_t *a, ns_buf_t *b)
{
	if (!b->data && ns_buf_append(b, "", 0) != NS_OK)
		return NS_ERR_NOMEM;
	free(a->body);
	a->body = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return NS_OK;
}

/* ---- dates ----------------------------------------------------------- */

static bool valid_ymd(int y, int m, int d)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	return true;
}

static int digits(const char *s, size_t len, size_t n)
{
	if (len < n)
		return -1;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DD" at the start of L into OUT; false if it is not a real date. */
static bool parse_iso_date(line_t l, char out[11])
{
	if (l.len < 10 || l.s[4] != '-' || l.s[7] != '-')
		return false;
	int y = digits(l.s, 4, 4), m = digits(l.s + 5, 2, 2),
	    d = digits(l.s + 8, 2, 2);
	if (y < 0 || m < 0 || d < 0 || !valid_ymd(y, m, d))
		return false;
	if (l.len > 10 && !isspace((unsigned char)l.s[10]))
		return false;
	memcpy(out, l.s, 10);
	out[10] = '\0';
	return true;
}

static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

/* Does "Month D, YYYY" start at S?  Fills the date and the length eaten. */
static bool parse_long_date(const char *s, size_t len, char out[11],
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
		int d = digits(s + i, len - i, dl);
		i += dl;
		if (len - i < 6 || s[i] != ',' || s[i + 1] != ' ')
			return false;
		int y = digits(s + i + 2, len - i - 2, 4);
		if (y < 0 || !valid_ymd(y, m + 1, d))
			return false;
		i += 6;
		if (i < len && isdigit((unsigned char)s[i]))
			return false;
		out[0] = (char)('0' + y / 1000);
		out[1] = (char)('0' + y / 100 % 10);
		out[2] = (char)('0' + y / 10 % 10);
		out[3] = (char)('0' + y % 10);
		out[4] = '-';
		out[5] = (char)('0' + (m + 1) / 10);
		out[6] = (char)('0' + (m + 1) % 10);
		out[7] = '-';
		out[8] = (char)('0' + d / 10);
		out[9] = (char)('0' + d % 10);
		out[10] = '\0';
		*used = i;
		return true;
	}
	return false;
}

/* "H:MM AM" or "H:MM PM" at S into a 24-hour "HH:MM". */
static bool parse_clock(const char *s, size_t len, char out[6], size_t *used)
{
	size_t hl = 0;
	while (hl < len && hl < 3 && isdigit((unsigned char)s[hl]))
		hl++;
	if (hl < 1 || hl > 2 || len < hl + 6 || s[hl] != ':')
		return false;
	int h = digits(s, len, hl), mi = digits(s + hl + 1, len - hl - 1, 2);
	const char *ap = s + hl + 3;
	if (mi < 0 || mi > 59 || h < 1 || h > 12 || ap[0] != ' ')
		return false;
	bool pm;
	if ((ap[1] == 'A' || ap[1] == 'a') && (ap[2] == 'M' || ap[2] == 'm'))
		pm = false;
	else if ((ap[1] == 'P' || ap[1] == 'p') && (ap[2] == 'M' || ap[2] == 'm'))
		pm = true;
	else
		return false;
	h = h % 12 + (pm ? 12 : 0);
	out[0] = (char)('0' + h / 10);
	out[1] = (char)('0' + h % 10);
	out[2] = ':';
	out[3] = (char)('0' + mi / 10);
	out[4] = (char)('0' + mi % 10);
	out[5] = '\0';
	*used = hl + 6;
	return true;
}

/* ---- the news-page format --------------------------------------------- */

/* Lines the site puts on every page; never part of an article. */
static bool is_chrome(line_t l)
{
	return line_eq(l, "Edit post") ||
	       line_eq(l, "Skip to content") ||
	       line_eq(l, "This audio is created with AI assistance");
}

/* " date 2024-04-08 Skip to content": the header of a scraped page. */
static bool header_date(line_t l, char date[11])
{
	if (!line_starts(l, "date "))
		return false;
	line_t rest = trim((line_t){l.s + 5, l.len - 5});
	return parse_iso_date(rest, date);
}

static size_t first_nonblank(const text_t *t, size_t from)
{
	while (from < t->n && is_blank(t->lines[from]))
		from++;
	return from;
}

static bool detect_news_page(const text_t *t)
{
	size_t i = first_nonblank(t, 0);
	char date[11];
	return i < t->n && header_date(t->lines[i], date);
}

/* "by A, B and C April 8, 2024 8:21 AM 1 min read" */
static ns_status_t parse_byline(line_t l, ns_article_t *a, ns_strv_t *names)
{
	line_t rest = {l.s + 3, l.len - 3};
	size_t names_end = rest.len, used = 0;
	char date[11] = "";
	for (size_t i = 0; i < rest.len; i++) {
		if (i > 0 && rest.s[i - 1] != ' ')
			continue;
		if (parse_long_date(rest.s + i, rest.len - i, date, &used)) {
			names_end = i;
			break;
		}
	}
	if (date[0]) {
		if (!a->date[0])
			memcpy(a->date, date, sizeof date);
		const char *p = rest.s + names_end + used;
		size_t left = rest.len - names_end - used;
		while (left && *p == ' ') {
			p++;
			left--;
		}
		size_t clock_len = 0;
		if (parse_clock(p, left, a->time, &clock_len)) {
			p += clock_len;
			left -= clock_len;
		}
		while (left && *p == ' ') {
			p++;
			left--;
		}
		int minutes = 0;
		size_t k = 0;
		while (k < left && isdigit((unsigned char)p[k]) && minutes < 10000)
			minutes = minutes * 10 + (p[k++] - '0');
		if (k && left - k >= 9 && memcmp(p + k, " min read", 9) == 0)
			a->reading_minutes = (unsigned)minutes;
	}
	return push_names(names, trim((line_t){rest.s, names_end}));
}

static bool is_byline(line_t l)
{
	return l.len > 3 && memcmp(l.s, "by ", 3) == 0;
}

static ns_status_t parse_news_page(const text_t *t, ns_article_t *a)
{
	ns_status_t st = NS_OK;
	size_t i = first_nonblank(t, 0);
	header_date(t->lines[i], a->date);

	/* The header block runs to the first blank line: the date line, the
	 * section-and-tags line, and chrome such as "Edit post". */
	bool have_tags_line = false;
	for (i++; i < t->n && !is_blank(t->lines[i]); i++) {
		line_t l = t->lines[i];
		if (is_chrome(l) || have_tags_line)
			continue;
		have_tags_line = true;
		size_t start = 0;
		bool first = true;
		for (size_t k = 0; k <= l.len && st == NS_OK; k++) {
			if (k < l.len && l.s[k] != ',')
				continue;
			line_t item = trim((line_t){l.s + start, k - start});
			if (first)
				st = set_str(&a->section, item);
			else
				st = push_unique(&a->tags, item);
			first = false;
			start = k + 1;
		}
	}
	if (st != NS_OK)
		return st;

	/* The title is the next line that is not chrome. */
	i = first_nonblank(t, i);
	while (i < t->n && is_chrome(t->lines[i]))
		i = first_nonblank(t, i + 1);
	if (i < t->n && (st = set_str(&a->title, t->lines[i++])) != NS_OK)
		return st;

	/* The byline, and the standfirst on the line right under it. */
	ns_strv_t byline_names = {0};
	size_t j = first_nonblank(t, i);
	if (j < t->n && is_byline(t->lines[j])) {
		st = parse_byline(t->lines[j], a, &byline_names);
		i = j + 1;
		if (st == NS_OK && i < t->n && !is_blank(t->lines[i]) &&
		    !is_chrome(t->lines[i]))
			st = set_str(&a->standfirst, t->lines[i++]);
	}

	/* The footer names the authors in full; it wins over the byline. */
	size_t footer = t->n;
	for (size_t k = t->n; k > i; k--) {
		if (line_starts(t->lines[k - 1], "Authors:")) {
			footer = k - 1;
			break;
		}
	}
	if (st == NS_OK && footer < t->n) {
		line_t l = t->lines[footer];
		st = push_names(&a->authors, trim((line_t){l.s + 8, l.len - 8}));
	}
	if (st == NS_OK && a->authors.n == 0) {
		ns_strv_t tmp = a->authors;
		a->authors = byline_names;
		byline_names = tmp;
	}
	ns_strv_clear(&byline_names);

	/* On these pages every line of the body is a paragraph of its own. */
	ns_buf_t body = {0};
	for (; i < t->n && st == NS_OK; i++) {
		line_t l = t->lines[i];
		if (i == footer || is_chrome(l) || is_blank(l))
			continue;
		st = append_line(&body, l, true);
	}
	if (st == NS_OK)
		st = set_body(a, &body);
	ns_buf_free(&body);
	return st;
}

/* ---- plain text ------------------------------------------------------ */

static ns_status_t parse_plain(const text_t *t, ns_article_t *a)
{
	ns_status_t st = NS_OK;
	size_t i = first_nonblank(t, 0);
	if (i < t->n && (st = set_str(&a->title, t->lines[i++])) != NS_OK)
		return st;
	ns_buf_t body = {0};
	bool new_paragraph = true;
	for (; i < t->n && st == NS_OK; i++) {
		line_t l = t->lines[i];
		if (is_blank(l)) {
			new_paragraph = true;
			continue;
		}
		st = append_line(&body, l, new_paragraph);
		new_paragraph = false;
	}
	if (st == NS_OK)
		st = set_body(a, &body);
	ns_buf_free(&body);
	return st;
}

/* ---- the formats, most specific first ----------------------------------- */

static const struct format {
	const char *name;
	bool (*detect)(const text_t *t);   /* NULL: takes anything */
	ns_status_t (*parse)(const text_t *t, ns_article_t *a);
} formats[] = {
	{"news-page", detect_news_page, parse_news_page},
	{"plain", NULL, parse_plain},
};

void ns_article_free(ns_article_t *a)
{
	if (!a)
		return;
	free(a->title);
	free(a->standfirst);
	free(a->body);
	free(a->section);
	ns_strv_clear(&a->tags);
	ns_strv_clear(&a->authors);
	free(a);
}

static ns_article_t *article_new(void)
{
	ns_article_t *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->title = ns_strndup("", 0);
	a->standfirst = ns_strndup("", 0);
	a->body = ns_strndup("", 0);
	a->section = ns_strndup("", 0);
	memcpy(a->language, "en", 3);
	if (!a->title || !a->standfirst || !a->body || !a->section) {
		ns_article_free(a);
		return NULL;
	}
	return a;
}

ns_status_t ns_article_parse(const char *bytes, size_t len, const char *name,
                             ns_article_t **out)
{
	(void)name; /* no format here is known by its extension yet */
	if ((!bytes && len) || !out)
		return NS_ERR_INVALID;
	if (len >= 3 && memcmp(bytes, "\xef\xbb\xbf", 3) == 0) {
		bytes += 3;
		len -= 3;
	}
	if (len && memchr(bytes, '\0', len))
		return NS_ERR_FORMAT;

	char *decoded = NULL;
	ns_status_t st = NS_OK;
	if (!ns_utf8_valid(bytes, len)) {
		size_t dlen;
		if ((st = from_cp1252(bytes, len, &decoded, &dlen)) != NS_OK)
			return st;
		bytes = decoded;
		len = dlen;
	}

	text_t t = {0};
	ns_article_t *a = NULL;
	st = split_lines(bytes ? bytes : "", len, &t);
	if (st == NS_OK && first_nonblank(&t, 0) == t.n)
		st = NS_ERR_FORMAT;
	if (st == NS_OK && !(a = article_new()))
		st = NS_ERR_NOMEM;
	for (size_t f = 0; st == NS_OK && f < sizeof formats / sizeof *formats;
	     f++) {
		if (formats[f].detect && !formats[f].detect(&t))
			continue;
		a->format = formats[f].name;
		st = formats[f].parse(&t, a);
		break;
	}
	free(t.lines);
	free(decoded);
	if (st != NS_OK) {
		ns_article_free(a);
		return st;
	}
	*out = a;
	return NS_OK;
}
