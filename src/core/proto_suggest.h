/* proto_suggest.h - the "suggest" request: as a search box is typed in,
 * the indexed words that complete the query's last word and the titles
 * of the best matches.  Its decoder, its reply, and the client's side;
 * the daemon's answer is daemon/complete.h's. */
#ifndef NS_PROTO_SUGGEST_H
#define NS_PROTO_SUGGEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/proto.h"

#define NS_PROTO_DEFAULT_SUGGEST 8 /* words, and titles */
#define NS_PROTO_MAX_SUGGEST 20
#define NS_PROTO_MAX_SUGGEST_Q 1000 /* bytes typed */

typedef struct {
	char *word;     /* the indexed word, in lower case */
	char *text;     /* the query with its last word this one */
	uint64_t count; /* articles with the word */
} ns_completion_t;

typedef struct {
	char *title;
	char *path;
} ns_title_t;

typedef struct {
	uint64_t revision;
	double took_ms;
	ns_completion_t *words; /* the likeliest first */
	size_t nwords;
	ns_title_t *titles; /* the best match first */
	size_t ntitles;
} ns_completions_t;

/* Frees what C owns and zeroes it.  Accepts NULL. */
void ns_completions_clear(ns_completions_t *c);

/* {"op":"suggest","q":Q,"limit":N,"lang":L} (O, its "op" already read)
 * into REQ: REQ->q (new), REQ->limit, REQ->lang (new, or NULL).  False
 * with *ERR (BAD_REQUEST) for an unknown field, a missing or too long
 * "q", a limit out of range or an unknown language. */
bool ns_proto_decode_suggest(json_t *o, ns_request_t *req, ns_proto_err_t *err);

/* The reply: a new line ending in "\n", NULL when out of memory.  ID
 * borrowed. */
char *ns_proto_suggest_reply(json_t *id, const ns_completions_t *c);

/* The client's side: the request line (new; LIMIT 0: the default), and
 * the reply into *OUT (ns_completions_clear); false when LINE is not
 * one. */
char *ns_proto_suggest_request(long long id, const char *q, unsigned limit);
bool ns_proto_parse_suggest(const char *line, size_t len,
                            ns_completions_t *out);

#endif
