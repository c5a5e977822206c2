/* article.c - from a file's bytes to an article's fields.
 *
 * A pure function: it never touches the filesystem, the index or the log.
 * This file normalises the bytes (binary files refused, the BOM dropped,
 * legacy encodings decoded) and hands the text to the first format whose
 * detector accepts it (fmt_*.c); plain text takes whatever nobody else
 * wants.  The helpers the formats share live here too.  The rules are
 * documented in docs/formats.md.
 */
#include "parse/article_impl.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- lines ------------------------------------------------------------ */

line_t art_trim(line_t l)
{
	while (l.len && isspace((unsigned char)l.s[0])) {
		l.s++;
		l.len--;
	}
	while (l.len && isspace((unsigned char)l.s[l.len - 1]))
		l.len--;
	/* A no-break space (U+00A0) pads lines the same way on web pages. */
	while (l.len >= 2 && (unsigned char)l.s[0] == 0xC2 &&
	       (unsigned char)l.s[1] == 0xA0) {
		l.s += 2;
		l.len -= 2;
	}
	while (l.len >= 2 && (unsigned char)l.s[l.len - 2] == 0xC2 &&
	       (unsigned char)l.s[l.len - 1] == 0xA0)
		l.len -= 2;
	return l;
}

bool art_line_eq(line_t l, const char *lit)
{
	size_t n = strlen(lit);
	return l.len == n && memcmp(l.s, lit, n) == 0;
}

bool art_line_starts(line_t l, const char *lit)
{
	size_t n = strlen(lit);
	return l.len >= n && memcmp(l.s, lit, n) == 0;
}

size_t art_first_nonblank(const art_text_t *t, size_t from)
{
	while (from < t->n && t->lines[from].len == 0)
		from++;
	return from;
}

ns_status_t art_split_lines(const char *s, size_t len, line_t **lines,
                            size_t *n)
{
	size_t cap = 64;
	*n = 0;
	*lines = malloc(cap * sizeof **lines);
	if (!*lines)
		return NS_ERR_NOMEM;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '\n' && s[i] != '\r')
			continue;
		if (*n == cap) {
			cap *= 2;
			line_t *l = realloc(*lines, cap * sizeof *l);
			if (!l)
				return NS_ERR_NOMEM;
			*lines = l;
		}
		(*lines)[(*n)++] = art_trim((line_t){s + start, i - start});
		if (i < len && s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			i++;
		start = i + 1;
	}
	return NS_OK;
}

/* ---- fields ------------------------------------------------------------ */

ns_status_t art_set_str(char **dst, const char *s, size_t len)
{
	line_t l = art_trim((line_t){s, len});
	char *p = ns_strndup(l.s, l.len);
	if (!p)
		return NS_ERR_NOMEM;
	free(*dst);
	*dst = p;
	return NS_OK;
}

ns_status_t art_push_unique(ns_strv_t *sv, const char *s, size_t len)
{
	line_t l = art_trim((line_t){s, len});
	if (l.len == 0 || sv->n >= ART_MAX_LIST)
		return NS_OK;
	for (size_t i = 0; i < sv->n; i++)
		if (strlen(sv->v[i]) == l.len && memcmp(sv->v[i], l.s, l.len) == 0)
			return NS_OK;
	return ns_strv_push(sv, l.s, l.len);
}

ns_status_t art_push_names(ns_strv_t *sv, const char *s, size_t len)
{
	line_t l = art_trim((line_t){s, len});
	size_t start = 0;
	for (size_t i = 0; i <= l.len; i++) {
		size_t skip;
		if (i == l.len)
			skip = 0;
		else if (l.s[i] == ',' || l.s[i] == ';')
			skip = 1;
		else if (i > 0 && l.s[i - 1] == ' ' && l.len - i > 4 &&
		         memcmp(l.s + i, "and ", 4) == 0)
			skip = 4;
		else
			continue;
		line_t name = art_trim((line_t){l.s + start, i - start});
		ns_status_t st = art_line_eq(name, "and")
			? NS_OK : art_push_unique(sv, name.s, name.len);
		if (st != NS_OK)
			return st;
		i += skip ? skip - 1 : 0;
		start = i + 1;
		/* ", and": the "and " that follows a comma is skipped next. */
		if (skip == 1) {
			line_t rest = art_trim((line_t){l.s + start, l.len - start});
			if (art_line_starts(rest, "and ")) {
				start = (size_t)(rest.s - l.s) + 4;
				i = start - 1;
			}
		}
	}
	return NS_OK;
}

ns_status_t art_push_list(ns_strv_t *sv, const char *s, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != ',')
			continue;
		ns_status_t st = art_push_unique(sv, s + start, i - start);
		if (st != NS_OK)
			return st;
		start = i + 1;
	}
	return NS_OK;
}

ns_status_t art_append(ns_buf_t *b, const char *s, size_t len,
                       bool new_paragraph)
{
	ns_status_t st = NS_OK;
	if (b->len)
		st = ns_buf_append(b, new_paragraph ? "\n\n" : " ",
		                   new_paragraph ? 2 : 1);
	if (st == NS_OK)
		st = ns_buf_append(b, s, len);
	return st;
}

ns_status_t art_take_body(ns_article_t *a, ns_buf_t *b)
{
	if (!b->data && ns_buf_append(b, "", 0) != NS_OK)
		return NS_ERR_NOMEM;
	free(a->body);
	a->body = b->data;
	b->data = NULL;
	b->len = b->cap = 0;
	return NS_OK;
}

ns_status_t art_warn(ns_article_t *a, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NS_OK;
	size_t len = (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
	/* Never cut a UTF-8 sequence in two. */
	while (len && !ns_utf8_valid(msg, len))
		len--;
	return ns_strv_push(&a->warnings, msg, len);
}

void art_why(char *why, size_t size, const char *fmt, ...)
{
	if (!why || !size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	size_t len = strlen(why);
	while (len && !ns_utf8_valid(why, len))
		why[--len] = '\0';
}

/* ---- languages ----------------------------------------------------------- */

/* How many of the LEN bytes at S to quote in a message: at most MAX, and
 * never half a UTF-8 sequence. */
static int quote_len(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return (int)len;
	while (max && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return (int)max;
}

ns_status_t art_set_language(ns_article_t *a, const char *s, size_t len)
{
	char code[16];
	if (ns_language_normalise(s, len, code)) {
		memcpy(a->language, code, sizeof code);
		a->language_given = true;
		return NS_OK;
	}
	return art_warn(a, "language \"%.*s%s\" is not a language code; "
	                "using \"%s\"", quote_len(s, len, 40), s,
	                len > 40 ? "…" : "", a->language);
}

/* ---- dates --------------------------------------------------------------- */

bool art_valid_ymd(int y, int m, int d)
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

/* Y, M and D are a valid date (art_valid_ymd). */
static void format_date(char out[11], int y, int m, int d)
{
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

void art_format_clock(char out[6], int h, int mi)
{
	out[0] = (char)('0' + h / 10);
	out[1] = (char)('0' + h % 10);
	out[2] = ':';
	out[3] = (char)('0' + mi / 10);
	out[4] = (char)('0' + mi % 10);
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
		int d = digits(s + i, len - i, dl);
		i += dl;
		if (len - i < 6 || s[i] != ',' || s[i + 1] != ' ')
			return false;
		int y = digits(s + i + 2, len - i - 2, 4);
		if (y < 0 || !art_valid_ymd(y, m + 1, d))
			return false;
		i += 6;
		if (i < len && isdigit((unsigned char)s[i]))
			return false;
		format_date(out, y, m + 1, d);
		*used = i;
		return true;
	}
	return false;
}

/* "HH:MM[:SS[.fff]]" then an optional zone: "Z", "+02:00", "+0200",
 * " +0200", " UTC".  The whole of S must be used. */
static bool parse_clock_zone(const char *s, size_t len, char time[6])
{
	int h = digits(s, len, 2);
	if (h < 0 || h > 23 || len < 5 || s[2] != ':')
		return false;
	int mi = digits(s + 3, len - 3, 2);
	if (mi < 0 || mi > 59)
		return false;
	size_t i = 5;
	if (i < len && s[i] == ':') {
		if (digits(s + i + 1, len - i - 1, 2) < 0)
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
		           digits(z + 1, zl - 1, 2) >= 0 &&
		           (zl == 3 || (zl == 5 && digits(z + 3, 2, 2) >= 0) ||
		            (zl == 6 && z[3] == ':' && digits(z + 4, 2, 2) >= 0)));
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
		int y = digits(l.s, 4, 4), m = digits(l.s + 5, 2, 2),
		    dd = digits(l.s + 8, 2, 2);
		if (y < 0 || m < 0 || dd < 0 || !art_valid_ymd(y, m, dd))
			return false;
		format_date(d, y, m, dd);
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
	                field, quote_len(s, len, 40), s, len > 40 ? "…" : "");
}

/* ---- encodings ----------------------------------------------------------- */

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

/* Windows-1252's 0x80-0x9F (the rest of its high half is Latin-1) and
 * Windows-1251's 0x80-0xBF (0xC0-0xFF is U+0410-U+044F).  0 marks a byte
 * the code page leaves undefined. */
static const unsigned short cp1252_80[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};
static const unsigned short cp1251_80[64] = {
	0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021,
	0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,
	0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,
	0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7,
	0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,
	0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7,
	0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,
};

static unsigned cp_decode(bool cyrillic, unsigned char c)
{
	if (c < 0x80)
		return c;
	if (cyrillic)
		return c >= 0xC0 ? 0x0410 + (c - 0xC0) : cp1251_80[c - 0x80];
	return c < 0xA0 ? cp1252_80[c - 0x80] : c;
}

/* Which single-byte code page do these (invalid UTF-8) bytes look like?
 * Cyrillic words in Windows-1251 are made of high bytes only (0xC0-0xFF
 * are the letters), so a high byte rarely touches an ASCII letter; in
 * Windows-1252 the high bytes are accents inside Latin words ("Informação",
 * "café") and nearly always do. */
static bool looks_cyrillic(const unsigned char *s, size_t len)
{
	size_t high = 0, letters = 0, by_ascii = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x80)
			continue;
		high++;
		if (s[i] >= 0xC0)
			letters++;
		if ((i > 0 && isalpha(s[i - 1]) && s[i - 1] < 0x80) ||
		    (i + 1 < len && isalpha(s[i + 1]) && s[i + 1] < 0x80))
			by_ascii++;
	}
	return high && letters * 10 >= high * 7 && by_ascii * 5 < high;
}

static ns_status_t decode_codepage(const char *s, size_t len, bool cyrillic,
                                   char **out, size_t *out_len, char *why,
                                   size_t why_size)
{
	char *o = malloc(len * 3 + 1);
	if (!o)
		return NS_ERR_NOMEM;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned c = cp_decode(cyrillic, (unsigned char)s[i]);
		if (c == 0) {
			art_why(why, why_size, "not UTF-8, and byte 0x%02X at offset "
			        "%zu is not text in %s either", (unsigned char)s[i], i,
			        cyrillic ? "Windows-1251" : "Windows-1252");
			free(o);
			return NS_ERR_FORMAT;
		}
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

/* ---- binary files ------------------------------------------------------- */

static const struct {
	const char *magic;
	size_t len;
	const char *what;
} magics[] = {
	{"\x89PNG\r\n\x1a\n", 8, "a PNG image"},
	{"\xff\xd8\xff", 3, "a JPEG image"},
	{"GIF87a", 6, "a GIF image"},
	{"GIF89a", 6, "a GIF image"},
	{"%PDF-", 5, "a PDF document"},
	{"PK\x03\x04", 4, "a ZIP archive (or an office document)"},
	{"\x1f\x8b", 2, "a gzip file"},
	{"BZh", 3, "a bzip2 file"},
	{"\xfd" "7zXZ", 5, "an xz file"},
	{"7z\xbc\xaf\x27\x1c", 6, "a 7-Zip archive"},
	{"\x7f" "ELF", 4, "an executable"},
	{"RIFF", 4, "a RIFF file (WAV, AVI or WebP)"},
	{"ID3", 3, "an MP3 file"},
	{"SQLite format 3", 15, "an SQLite database"},
};

/* Why these bytes are not text, or NULL when they may be. */
static const char *binary_kind(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof magics / sizeof *magics; i++)
		if (len >= magics[i].len && memcmp(s, magics[i].magic, magics[i].len) == 0)
			return magics[i].what;
	if (len >= 12 && memcmp(s + 4, "ftyp", 4) == 0)
		return "an MP4 or QuickTime file";
	if (memchr(s, '\0', len))
		return "binary data (it has NUL bytes)";
	/* Control characters other than tab, line breaks and form feed: text
	 * has none, or very nearly none. */
	size_t ctl = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') ||
		    c == 0x7f)
			ctl++;
	}
	if (ctl > 8 && ctl * 100 > len)
		return "binary data (control characters)";
	return NULL;
}

/* ---- the entry point ----------------------------------------------------- */

/* Most specific first; plain text takes anything. */
static const art_format_t *const formats[] = {
	&art_json, &art_html, &art_markdown, &art_news_page,
};

static bool has_ext(const art_format_t *f, const char *ext)
{
	for (const char *const *e = f->exts; e && *e; e++)
		if (strcmp(*e, ext) == 0)
			return true;
	return false;
}

/* The format for T: its content first, its extension second. */
static const art_format_t *choose_format(const art_text_t *t)
{
	const size_t n = sizeof formats / sizeof *formats;
	for (size_t f = 0; f < n; f++)
		if (formats[f]->detect && formats[f]->detect(t))
			return formats[f];
	for (size_t f = 0; f < n; f++)
		if (has_ext(formats[f], t->ext))
			return formats[f];
	return &art_plain;
}

void ns_article_free(ns_article_t *a)
{
	if (!a)
		return;
	free(a->title);
	free(a->standfirst);
	free(a->body);
	free(a->section);
	free(a->url);
	ns_strv_clear(&a->tags);
	ns_strv_clear(&a->authors);
	ns_strv_clear(&a->warnings);
	json_decref(a->fields);
	free(a);
}

static bool extra_ok(json_t *v)
{
	if (json_is_string(v))
		return json_string_length(v) <= NS_MAX_EXTRA_VALUE &&
		       strlen(json_string_value(v)) == json_string_length(v);
	if (json_is_number(v) || json_is_boolean(v))
		return true;
	if (!json_is_array(v) || json_array_size(v) > 100)
		return false;
	size_t i;
	json_t *item;
	json_array_foreach(v, i, item)
		if (!json_is_string(item) || json_string_length(item) > 200)
			return false;
	return true;
}

ns_status_t art_set_extra(ns_article_t *a, const char *key, json_t *value)
{
	if (!value)
		return NS_ERR_NOMEM;
	ns_status_t st = NS_OK;
	if (!extra_ok(value) || !*key || strlen(key) > NS_MAX_EXTRA_KEY)
		; /* objects, nulls, odd keys: not a field a CMS filters on */
	else if (!json_object_get(a->fields, key) &&
	         json_object_size(a->fields) >= NS_MAX_EXTRA_FIELDS)
		st = art_warn(a, "more than %d fields of its own; %.64s and the "
		              "rest left out", NS_MAX_EXTRA_FIELDS, key);
	else if (json_object_set(a->fields, key, value) < 0)
		st = NS_ERR_NOMEM;
	json_decref(value);
	return st;
}

static ns_article_t *article_new(const ns_parse_opts_t *opts)
{
	ns_article_t *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->title = ns_strndup("", 0);
	a->standfirst = ns_strndup("", 0);
	a->body = ns_strndup("", 0);
	a->section = ns_strndup("", 0);
	a->url = ns_strndup("", 0);
	a->fields = json_object();
	a->encoding = "utf-8";
	const char *lang = opts && opts->default_language ? opts->default_language
	                                                  : "en";
	if (!ns_language_normalise(lang, strlen(lang), a->language))
		memcpy(a->language, "en", 3);
	if (!a->title || !a->standfirst || !a->body || !a->section || !a->url ||
	    !a->fields) {
		ns_article_free(a);
		return NULL;
	}
	return a;
}

static json_t *strv_json(const ns_strv_t *sv)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < sv->n; i++)
		if (json_array_append_new(arr, json_string(sv->v[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

json_t *ns_article_json(const ns_article_t *a, const char *path)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, "
	                      "s:s, s:s, s:i, s:s}",
	                      "title", a->title, "standfirst", a->standfirst,
	                      "date", a->date, "time", a->time,
	                      "section", a->section,
	                      "tags", strv_json(&a->tags),
	                      "authors", strv_json(&a->authors),
	                      "language", a->language, "url", a->url,
	                      "format", a->format ? a->format : "",
	                      "encoding", a->encoding ? a->encoding : "",
	                      "reading_minutes", (json_int_t)a->reading_minutes,
	                      "body", a->body);
	if (o && path && json_object_set_new(o, "path", json_string(path)) < 0) {
		json_decref(o);
		return NULL;
	}
	if (o && json_object_size(a->fields) &&
	    json_object_set_new(o, "fields", json_deep_copy(a->fields)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Words in the text, counted the way readers read them. */
static size_t count_words(const char *s)
{
	size_t n = 0;
	bool in_word = false;
	for (; *s; s++) {
		bool space = isspace((unsigned char)*s);
		if (!space && !in_word)
			n++;
		in_word = !space;
	}
	return n;
}

static void file_ext(const char *name, char ext[12])
{
	ext[0] = '\0';
	if (!name)
		return;
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	const char *dot = strrchr(base, '.');
	if (!dot || dot == base || strlen(dot + 1) >= 12)
		return;
	size_t i = 0;
	for (dot++; *dot; dot++)
		ext[i++] = (char)tolower((unsigned char)*dot);
	ext[i] = '\0';
}

ns_status_t ns_article_parse(const char *bytes, size_t len, const char *name,
                             const ns_parse_opts_t *opts, ns_article_t **out,
                             char *why, size_t why_size)
{
	if ((!bytes && len) || !out)
		return NS_ERR_INVALID;
	if (why && why_size)
		why[0] = '\0';
	if (!bytes)
		bytes = "";
	if (len >= 3 && memcmp(bytes, "\xef\xbb\xbf", 3) == 0) {
		bytes += 3;
		len -= 3;
	}
	const char *binary = binary_kind(bytes, len);
	if (binary) {
		art_why(why, why_size, "not text: %s", binary);
		return NS_ERR_FORMAT;
	}

	const char *encoding = "utf-8";
	char *decoded = NULL;
	ns_status_t st = NS_OK;
	if (!ns_utf8_valid(bytes, len)) {
		bool cyr = looks_cyrillic((const unsigned char *)bytes, len);
		size_t dlen;
		st = decode_codepage(bytes, len, cyr, &decoded, &dlen, why, why_size);
		if (st != NS_OK)
			return st;
		encoding = cyr ? "windows-1251" : "windows-1252";
		bytes = decoded;
		len = dlen;
	} else {
		/* The formats want a NUL-terminated string of their own. */
		if (!(decoded = ns_strndup(bytes, len)))
			return NS_ERR_NOMEM;
		bytes = decoded;
	}

	char ext[12];
	file_ext(name, ext);
	art_text_t t = {.s = bytes, .len = len, .ext = ext};
	ns_article_t *a = NULL;
	st = art_split_lines(bytes, len, &t.lines, &t.n);
	if (st == NS_OK && art_first_nonblank(&t, 0) == t.n) {
		art_why(why, why_size, len ? "no text, only blanks" : "empty file");
		st = NS_ERR_FORMAT;
	}
	if (st == NS_OK && !(a = article_new(opts)))
		st = NS_ERR_NOMEM;
	if (st == NS_OK) {
		const art_format_t *f = choose_format(&t);
		a->format = f->name;
		st = f->parse(&t, a, why, why_size);
	}
	if (st == NS_OK) {
		a->encoding = encoding;
		if (!a->reading_minutes) {
			/* About 230 words a minute, rounded up. */
			size_t words = count_words(a->title) + count_words(a->standfirst) +
			               count_words(a->body);
			a->reading_minutes = (unsigned)((words + 229) / 230);
			a->reading_estimated = true;
		}
		if (!a->title[0] && !a->body[0] && !a->standfirst[0]) {
			art_why(why, why_size, "no title and no text");
			st = NS_ERR_FORMAT;
		}
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
