/* heavy.c - which requests may keep a query worker busy for long, a
 * guess from the request alone for the server's fair queue (searchq.h).
 * Reads the request only: never searches, never blocks. */
#include <string.h>

#include "daemon/query.h"

/* Words of Q (runs of anything but blanks), up to MAX + 1. */
static unsigned count_words(const char *q, unsigned max)
{
	unsigned n = 0;
	while (*q && n <= max) {
		q += strspn(q, " \t\r\n");
		if (!*q)
			break;
		n++;
		q += strcspn(q, " \t\r\n");
	}
	return n;
}

/* Does Q use WORD as an operator (upper case, a whole word, or followed
 * by "/": NEAR/5)? */
static bool has_operator(const char *q, const char *word)
{
	size_t len = strlen(word);
	for (const char *p = strstr(q, word); p; p = strstr(p + 1, word)) {
		bool starts = p == q || p[-1] == ' ' || p[-1] == '\t' ||
		              p[-1] == ')' || p[-1] == '(';
		char after = p[len];
		if (starts && (after == ' ' || after == '\t' || after == '/' ||
		               after == '(' || after == '\0'))
			return true;
	}
	return false;
}

bool ns_request_is_heavy(const ns_request_t *r)
{
	if (!r)
		return false;
	if (r->op == NS_OP_SIMILAR)
		return true;
	if (r->op != NS_OP_SEARCH || !r->q)
		return false;
	return r->facets || r->sort != NS_SORT_RELEVANCE || r->prefix ||
	       strchr(r->q, '"') || strchr(r->q, '*') ||
	       has_operator(r->q, "NEAR") || has_operator(r->q, "ADJ") ||
	       count_words(r->q, NS_LIGHT_WORDS) > NS_LIGHT_WORDS;
}
