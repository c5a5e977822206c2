/* snippet.c - cuts a hit's snippet (snippet.h): Xapian's passage, or the
 * text's beginning, squeezed to one line, unescaped for plain text.  The
 * same HTML-escaping either way, so that markers are the only markup. */
#include "daemon/snippet.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Squeeze every run of white space (paragraph breaks included) into one
 * space, in place: a snippet is one line of text. */
static void squeeze_space(char *s)
{
	char *start = s, *o = s;
	bool space = false;
	for (; *s; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
			space = true;
			continue;
		}
		if (space && o != start)
			*o++ = ' ';
		space = false;
		*o++ = *s;
	}
	*o = '\0';
}

/* No query term in the text (a filter-only query): show its beginning,
 * cut at a word boundary and HTML-escaped like Xapian's snippets. */
static char *lead_snippet(const char *text, size_t len, size_t max)
{
	size_t n = len;
	if (n > max) {
		n = max;
		while (n > 0 && text[n] != ' ' && text[n] != '\n')
			n--;
		if (n == 0)
			n = max;
		/* Never cut inside a UTF-8 sequence. */
		while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--;
	}
	ns_buf_t b = {0};
	ns_status_t st = ns_buf_append(&b, "", 0);
	for (size_t i = 0; st == NS_OK && i < n; i++) {
		switch (text[i]) {
		case '&': st = ns_buf_append(&b, "&amp;", 5); break;
		case '<': st = ns_buf_append(&b, "&lt;", 4); break;
		case '>': st = ns_buf_append(&b, "&gt;", 4); break;
		default: st = ns_buf_append(&b, text + i, 1); break;
		}
	}
	if (st == NS_OK && n < len)
		st = ns_buf_append(&b, "\xe2\x80\xa6", 3);
	if (st != NS_OK) {
		ns_buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* Undo the HTML escaping of a snippet, in place, for plain-text output. */
static void unescape_html(char *s)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'},
	            {"&quot;", '"'}, {"&#39;", '\''}};
	char *o = s;
	while (*s) {
		size_t i = 0;
		if (*s == '&')
			for (; i < sizeof ents / sizeof *ents; i++)
				if (strncmp(s, ents[i].ent, strlen(ents[i].ent)) == 0)
					break;
		if (*s == '&' && i < sizeof ents / sizeof *ents) {
			*o++ = ents[i].c;
			s += strlen(ents[i].ent);
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

ns_status_t ns_snippet_cut(const nsx_results_t *res, size_t i,
                           const char *text, size_t len,
                           const ns_search_req_t *req, char **out)
{
	size_t length = req->snippet_length ? req->snippet_length : 200;
	char *snip = NULL;
	nsx_status_t xst = nsx_results_snippet(res, i, text, len, length,
	                                       req->hl_start ? req->hl_start
	                                                     : "<b>",
	                                       req->hl_end ? req->hl_end : "</b>",
	                                       &snip);
	if (xst != NSX_OK)
		return xst == NSX_NO_MEMORY ? NS_ERR_NOMEM : NS_ERR_INDEX;
	if (!*snip) {
		free(snip);
		if (!(snip = lead_snippet(text, len, length)))
			return NS_ERR_NOMEM;
	}
	squeeze_space(snip);
	if (req->plain)
		unescape_html(snip);
	*out = snip;
	return NS_OK;
}
