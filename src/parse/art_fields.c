/* art_fields.c - what the formats share to fill an article: the text
 * split into trimmed lines, fields set trimmed, names and tags split and
 * kept once, bodies built paragraph by paragraph, warnings that never cut
 * a character in two, the language a file names.  Pure: no I/O. */
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

ns_status_t art_append_lines(ns_buf_t *b, const line_t *lines, size_t n)
{
	ns_status_t st = NS_OK;
	bool new_paragraph = true;
	for (size_t i = 0; i < n && st == NS_OK; i++) {
		if (lines[i].len == 0) {
			new_paragraph = true;
			continue;
		}
		st = art_append(b, lines[i].s, lines[i].len, new_paragraph);
		new_paragraph = false;
	}
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

int art_quote_len(const char *s, size_t len, size_t max)
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
	                "using \"%s\"", art_quote_len(s, len, 40), s,
	                len > 40 ? "…" : "", a->language);
}

