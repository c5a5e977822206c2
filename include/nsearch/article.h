/* article.h - an article's fields, and the parser that finds them in a
 * file's bytes.  The parser is a pure function: no I/O, no index, no log. */
#ifndef NS_ARTICLE_H
#define NS_ARTICLE_H

#include "nsearch/util.h"

typedef struct {
	const char *format;     /* static: "news-page" or "plain" */
	char *title;            /* never NULL; "" when none */
	char *standfirst;       /* the line under the byline; "" when none */
	char *body;             /* paragraphs separated by "\n\n"; never NULL */
	char date[11];          /* "YYYY-MM-DD", or "" when unknown */
	char time[6];           /* "HH:MM" on a 24-hour clock, or "" */
	char *section;          /* never NULL; "" when none */
	ns_strv_t tags;         /* in file order, without duplicates */
	ns_strv_t authors;      /* in file order, without duplicates */
	char language[8];       /* ISO 639-1, "en" unless the file says */
	unsigned reading_minutes; /* "N min read", 0 when not given */
} ns_article_t;

/* Parse LEN bytes of a file into a new article (*OUT, free with
 * ns_article_free).  NAME is the file's name, a hint for formats that have
 * an extension (may be NULL).  Text that is not valid UTF-8 is read as
 * Windows-1252.  Returns NS_ERR_FORMAT for binary data (NUL bytes) or a file
 * with no text at all, NS_ERR_NOMEM, or NS_OK. */
ns_status_t ns_article_parse(const char *bytes, size_t len, const char *name,
                             ns_article_t **out);

/* Accepts NULL. */
void ns_article_free(ns_article_t *a);

/* Is the LEN bytes at S valid UTF-8 (no overlongs, no surrogates)? */
bool ns_utf8_valid(const char *s, size_t len);

#endif
