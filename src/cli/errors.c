/* errors.c - the daemon's error replies in the user's words (errors.h):
 * a line saying what went wrong, ending in the stable code to look up,
 * and where it helps a line saying what to do.  Xapian's grammar never
 * reaches the user. */
#include "cli/errors.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/proto.h"
#include "core/proto_replica.h"
#include "core/util.h"

/* What to say of each code; a code not here gets the daemon's message. */
static const struct {
	const char *code;
	const char *lead;        /* before the message, or NULL */
	bool keep_message;       /* the daemon's message follows the lead */
	const char *hint;        /* what to do, or NULL */
} words[] = {
	{ NS_E_BAD_QUERY, "the query does not parse", true, NULL },
	{ NS_E_TOO_BROAD, NULL, true,
	  "Make the beginning longer: harb* rather "
	  "than h* (docs/query-syntax.md, \"Wildcards and their cap\")." },
	{ NS_E_TOO_COMPLEX, "refused before it ran", true, NULL },
	{ NS_E_TIMEOUT, NULL, true,
	  "Narrow the search: fewer wildcards, "
	  "phrases or NEAR, or a filter such as --section or --since." },
	{ NS_E_FORBIDDEN, "not allowed for you", false, NULL },
	{ NS_E_INDEX_READ_ONLY, "the index cannot be written now", true,
	  "nsearch-cli status says why and since when; try again once it says "
	  "ready." },
	{ NS_E_BUSY, NULL, true, "nsearch-cli status shows the one running." },
	{ NS_E_NOT_FOUND, NULL, true,
	  "Paths are relative to the articles "
	  "directory, as search shows them." },
	{ NS_E_UNAVAILABLE, "not now", true,
	  "nsearch-cli status says what the "
	  "daemon is doing." },
	{ NS_E_FAILED, "failed", true, NULL },
	{ NS_E_BAD_REQUEST, "refused", true, NULL },
	{ NS_E_READ_ONLY_REPLICA, NULL, true,
	  "Point --socket (or "
	  "NSEARCH_SOCKET) at the primary's nsearchd." },
	{ NS_E_READ_ONLY_FRONT, NULL, true,
	  "Send writes, waits and "
	  "min_revision to the indexer node of the article's shard "
	  "(docs/scaling.md, \"Shards\")." },
	{ NS_E_STALE, "this copy has not caught up", true,
	  "Ask the primary, or "
	  "again in a moment (docs/scaling.md, \"Reading your writes\")." },
};

/* An operator and a query that uses it well. */
static const struct {
	const char *op, *example;
} operators[] = {
	{"AND", "tariffs AND steel"}, {"OR", "kyiv OR kiev"},
	{"XOR", "kyiv XOR kiev"}, {"AND NOT", "tariffs AND NOT steel"},
	{"NOT", "tariffs NOT steel, or NOT steel alone"},
};

/* Xapian's "Syntax: <expression> AND <expression>" said as what to type;
 * false when MESSAGE is not one. */
static bool say_operator(const char *message, ns_buf_t *b)
{
	static const char pre[] = "Syntax: <expression> ";
	static const char post[] = " <expression>";
	size_t n = strlen(message), a = sizeof pre - 1, z = sizeof post - 1;
	if (n <= a + z || strncmp(message, pre, a) != 0 ||
	    strcmp(message + n - z, post) != 0)
		return false;
	int oplen = (int)(n - a - z);
	const char *op = message + a;
	for (size_t i = 0; i < sizeof operators / sizeof *operators; i++)
		if (strlen(operators[i].op) == (size_t)oplen &&
		    strncmp(operators[i].op, op, (size_t)oplen) == 0)
			return ns_buf_printf(b, "%s needs a word or a group %s, as in: "
			                     "%s", operators[i].op,
			                     strcmp(operators[i].op, "NOT") == 0
			                     ? "after it" : "on each side",
			                     operators[i].example) == NS_OK;
	return ns_buf_printf(b, "%.*s needs a word or a group on each side",
	                     oplen, op) == NS_OK;
}

/* Xapian's "WildcardError: Wildcard h* expands to more than 1000 terms"
 * said plainly; false when MESSAGE is not one. */
static bool say_wildcard(const char *message, ns_buf_t *b)
{
	static const char pre[] = "WildcardError: ";
	char pattern[256];
	unsigned cap;
	if (strncmp(message, pre, sizeof pre - 1) == 0)
		message += sizeof pre - 1;
	if (sscanf(message, "Wildcard %255s expands to more than %u terms",
	           pattern, &cap) != 2)
		return false;
	return ns_buf_printf(b, "%s matches more than %u words (the daemon's "
	                     "max_expansion)", pattern, cap) == NS_OK;
}

/* The hint that depends on what was asked, or NULL. */
static bool say_hint(const nscli_asked_t *asked, const char *code,
                     const char *hint, ns_buf_t *b)
{
	bool listing = strcmp(asked->cmd, "search") == 0 ||
	               strcmp(asked->cmd, "similar") == 0;
	if (strcmp(code, NS_E_FORBIDDEN) == 0)
		return ns_buf_printf(b, "  reindex, compact and backup need root "
		                     "or the daemon's user: sudo nsearch-cli %s\n",
		                     asked->cmd) == NS_OK;
	if (strcmp(code, NS_E_TIMEOUT) == 0 && strcmp(asked->cmd, "wait") == 0)
		return ns_buf_printf(b, "  The daemon has more to index first: "
		                     "nsearch-cli status shows its queue.\n") == NS_OK;
	if (strcmp(code, NS_E_BAD_REQUEST) == 0 && listing &&
	    asked->limit > NS_PROTO_MAX_LIMIT)
		return ns_buf_printf(b, "  --limit %u is more than this daemon "
		                     "gives at once (its [search] max_results, "
		                     "%d unless set higher): ask for fewer, and "
		                     "page with --offset.\n", asked->limit,
		                     NS_PROTO_MAX_LIMIT) == NS_OK;
	if (strcmp(code, NS_E_BAD_REQUEST) == 0 && listing &&
	    asked->offset > NS_PROTO_MAX_OFFSET)
		return ns_buf_printf(b, "  --offset %u is deeper than this daemon "
		                     "pages (its [search] max_offset, %d unless "
		                     "set higher): narrow the search instead.\n",
		                     asked->offset, NS_PROTO_MAX_OFFSET) == NS_OK;
	return !hint || ns_buf_printf(b, "  %s\n", hint) == NS_OK;
}

/* "the query does not parse: " and the message in plain words. */
static bool say_what(const char *code, const char *message, size_t w,
                     ns_buf_t *b)
{
	const char *lead = w < sizeof words / sizeof *words ? words[w].lead
	                                                    : NULL;
	bool keep = w >= sizeof words / sizeof *words || words[w].keep_message;
	if (lead && ns_buf_printf(b, "%s%s", lead, keep ? ": " : "") != NS_OK)
		return false;
	if (!keep)
		return true;
	if (strcmp(code, NS_E_BAD_QUERY) == 0 && say_operator(message, b))
		return true;
	if (strcmp(code, NS_E_TOO_BROAD) == 0 && say_wildcard(message, b))
		return true;
	return ns_buf_printf(b, "%s", *message ? message : "no reason given") ==
	       NS_OK;
}

int nscli_bad_reply(const char *what)
{
	fprintf(stderr, "nsearch-cli: the daemon's reply is not %s\n", what);
	return NSCLI_EXIT_ERROR;
}

char *nscli_error_text(const nscli_asked_t *asked, const char *code,
                       const char *message)
{
	code = code && *code ? code : "ERROR";
	message = message ? message : "";
	size_t w = 0;
	while (w < sizeof words / sizeof *words && strcmp(words[w].code, code))
		w++;
	ns_buf_t b = {0};
	bool ok = ns_buf_printf(&b, "nsearch-cli: %s: ", asked->cmd) == NS_OK &&
	          say_what(code, message, w, &b) &&
	          ns_buf_printf(&b, " (%s)\n", code) == NS_OK &&
	          say_hint(asked, code, w < sizeof words / sizeof *words
	                                ? words[w].hint : NULL, &b);
	if (!ok)
		ns_buf_free(&b);
	return ok ? b.data : NULL;
}
