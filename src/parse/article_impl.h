/* article_impl.h - what the format parsers (fmt_*.c) share with article.c.
 * Not installed, not for the rest of the daemon. */
#ifndef NS_ARTICLE_IMPL_H
#define NS_ARTICLE_IMPL_H

#include "parse/article.h"

/* A line of the text: not NUL-terminated, trimmed of blanks. */
typedef struct {
	const char *s;
	size_t len;
} line_t;

/* The normalised input a format sees: valid UTF-8 without a BOM, and
 * split into trimmed lines. */
typedef struct {
	const char *s;        /* NUL-terminated */
	size_t len;
	const char *ext;      /* the file name's extension, lower-case, without
	                         the dot ("" when none) */
	line_t *lines;
	size_t n;
} art_text_t;

/* A format's parse fills A; it returns NS_ERR_FORMAT (and the reason in
 * WHY) only when nothing in the file can be trusted. */
/* Formats are tried first by content (DETECT), in the order of
 * article.c's table, then by extension (EXTS), then plain text takes the
 * rest: the extension is a hint when the content says nothing. */
typedef struct {
	const char *name;
	bool (*detect)(const art_text_t *t);   /* NULL: by extension only */
	const char *const *exts;               /* lower-case, NULL-terminated */
	ns_status_t (*parse)(const art_text_t *t, ns_article_t *a, char *why,
	                     size_t why_size);
} art_format_t;

/* At most this many tags, and authors, are kept per article. */
#define ART_MAX_LIST 256

extern const art_format_t art_news_page, art_markdown, art_json, art_html,
	art_plain;

/* ---- bytes (art_encoding.c) ---- */
/* LEN bytes of a file as the text the formats read, into *TEXT (new,
 * NUL-terminated, free()) and *TEXT_LEN: the BOM dropped, and bytes that
 * are not UTF-8 decoded; *ENCODING (static) says what they were.
 * NS_ERR_FORMAT with WHY for binary data or bytes no encoding we read
 * explains. */
ns_status_t art_normalise(const char *bytes, size_t len, char **text,
                          size_t *text_len, const char **encoding, char *why,
                          size_t why_size);
/* LEN bytes of a file art_normalise() read as ENCODING ("utf-8",
 * "windows-1251", "windows-1252"), a part of it, as text the same way:
 * *TEXT new (free()).  NS_ERR_FORMAT for bytes that are not text in it,
 * NS_ERR_NOMEM. */
ns_status_t art_decode(const char *bytes, size_t len, const char *encoding,
                       char **text, size_t *text_len);

/* ---- lines (art_fields.c) ---- */
line_t art_trim(line_t l);
bool art_line_eq(line_t l, const char *lit);
bool art_line_starts(line_t l, const char *lit);
size_t art_first_nonblank(const art_text_t *t, size_t from);
/* Split S into trimmed lines; CRLF, CR and LF all end a line. */
ns_status_t art_split_lines(const char *s, size_t len, line_t **lines,
                            size_t *n);

/* ---- articles (article.c) ---- */
/* A new empty article (free with ns_article_free): every text "", the
 * language OPTS's default (may be NULL); NULL when out of memory. */
ns_article_t *art_new(const ns_parse_opts_t *opts);

/* ---- fields (art_fields.c) ---- */
ns_status_t art_set_str(char **dst, const char *s, size_t len);
/* Add a name or tag once, trimmed; empty ones are skipped. */
ns_status_t art_push_unique(ns_strv_t *sv, const char *s, size_t len);
/* Split "A, B and C" (also "A and B", "A, B, and C") into names. */
ns_status_t art_push_names(ns_strv_t *sv, const char *s, size_t len);
/* Split on commas ("Ukraine, Diplomacy") into tags. */
ns_status_t art_push_list(ns_strv_t *sv, const char *s, size_t len);
/* Append L to a body: a new paragraph ("\n\n") or the same one (" "). */
ns_status_t art_append(ns_buf_t *b, const char *s, size_t len,
                       bool new_paragraph);
/* N LINES appended to B as paragraphs: a blank line starts a new one, the
 * lines between are joined by a space. */
ns_status_t art_append_lines(ns_buf_t *b, const line_t *lines, size_t n);
/* Move B's bytes into A->body (B is left empty). */
ns_status_t art_take_body(ns_article_t *a, ns_buf_t *b);
/* Keep KEY's VALUE (stolen; a string, number, boolean or list of
 * strings, else dropped) among A's own fields; past the limits
 * (article.h) it is dropped with a warning. */
ns_status_t art_set_extra(ns_article_t *a, const char *key, json_t *value);
/* Record why part of the file was left out. */
ns_status_t art_warn(ns_article_t *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void art_why(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* How many of the LEN bytes at S to quote in a message: at most MAX, and
 * never half a UTF-8 sequence. */
int art_quote_len(const char *s, size_t len, size_t max);
/* Set the language from a tag the file gives (warns when it is no
 * language). */
ns_status_t art_set_language(ns_article_t *a, const char *s, size_t len);

/* ---- dates (art_dates.c) ---- */
bool art_valid_ymd(int y, int m, int d);
/* N decimal digits at S (LEN bytes) as a number (INT_MAX at most); -1
 * when LEN is short or one is not a digit. */
int art_digits(const char *s, size_t len, size_t n);
/* "YYYY-MM-DD" for a valid date (art_valid_ymd) into OUT. */
void art_format_date(char out[11], int y, int m, int d);
/* A date, optionally with a time and a zone, as metadata writes them:
 * "2024-04-08", "2024-04-08T08:21:00+02:00", "2024-04-08 08:21:00 +0200",
 * "2024-04-08T08:21Z", "April 8, 2024".  The date and time are kept as
 * written (the zone is not applied).  False if it is not one of those or
 * not a real date. */
bool art_parse_datetime(const char *s, size_t len, char date[11],
                        char time[6]);
/* "HH:MM" for H (0-23) and MI (0-59) into OUT. */
void art_format_clock(char out[6], int h, int mi);
/* "Month D, YYYY" at S; fills the date and the bytes used. */
bool art_parse_long_date(const char *s, size_t len, char date[11],
                         size_t *used);
/* Set A's date (and time) from metadata text; a value that is not a date
 * is warned about and left out. */
ns_status_t art_set_date(ns_article_t *a, const char *field, const char *s,
                         size_t len);

/* ---- HTML (fmt_html.c) ---- */
/* The readable text of an HTML fragment or page, paragraphs separated by
 * "\n\n", appended to B. */
ns_status_t art_html_text(const char *html, size_t len, ns_buf_t *b);
/* Does this text look like HTML markup rather than prose? */
bool art_looks_like_html(const char *s, size_t len);

/* ---- JSON (fmt_json.c) ---- */
/* Fill A from the JSON object O as a JSON article's keys say
 * (docs/formats.md): texts, date, metadata, and the other keys as A's own
 * fields.  NS_OK, NS_ERR_NOMEM. */
ns_status_t art_json_fill(json_t *o, ns_article_t *a);

/* ---- Markdown (fmt_markdown.c) ---- */
/* Markdown body text without its syntax, appended to B as paragraphs.
 * When TITLE is not NULL and still empty, the first heading goes there
 * instead of into the body. */
ns_status_t art_markdown_text(const line_t *lines, size_t n, ns_buf_t *b,
                              char **title);

#endif
