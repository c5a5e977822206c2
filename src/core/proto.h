/* proto.h - the wire protocol: newline-delimited JSON, one request object
 * per line, one reply per line carrying the request's "id".  This is the
 * only code that reads or writes wire JSON; docs/protocol.md describes it.
 * Both sides: the daemon reads requests (proto_request.c) and writes
 * replies (proto_reply.c); nsearch-cli writes requests and reads replies
 * (proto_client.c).  Thread-safe: no shared state but the limits. */
#ifndef NS_PROTO_H
#define NS_PROTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/fields.h"
#include "core/problems.h"
#include "nsearch/request.h"
#include "nsearch/result.h"
#include "nsearch/status.h"

#define NS_PROTO_VERSION 1

/* Stable error codes (docs/protocol.md). */
#define NS_E_BAD_JSON      "BAD_JSON"       /* not a JSON object */
#define NS_E_BAD_REQUEST   "BAD_REQUEST"    /* missing, unknown or mistyped field */
#define NS_E_UNKNOWN_OP    "UNKNOWN_OP"
#define NS_E_BAD_QUERY     "BAD_QUERY"      /* q does not parse */
#define NS_E_LINE_TOO_LONG "LINE_TOO_LONG"  /* request line over the limit */
#define NS_E_UNAVAILABLE   "UNAVAILABLE"    /* the index cannot be read now */
#define NS_E_TIMEOUT       "TIMEOUT"        /* a wait or search ran out of time */
#define NS_E_NOT_FOUND     "NOT_FOUND"      /* get/similar: no such article */
#define NS_E_TOO_BROAD     "TOO_BROAD"      /* a wildcard matches too many words */
#define NS_E_TOO_COMPLEX   "TOO_COMPLEX"    /* q is over a cap of the query's size */
#define NS_E_BUSY          "BUSY"           /* another reindex, compact or backup */
#define NS_E_FAILED        "FAILED"         /* a reindex, compact or backup failed */
#define NS_E_FORBIDDEN     "FORBIDDEN"      /* the client lacks the role (access.h) */
#define NS_E_INDEX_READ_ONLY "INDEX_READ_ONLY" /* the index cannot be written now */
#define NS_E_INTERNAL      "INTERNAL"
/* The connection's errors: sent with a null id, then the daemon closes
 * the connection (docs/protocol.md, "Limits"). */
#define NS_E_UNAUTHORIZED  "UNAUTHORIZED"   /* TCP: no token, or a wrong one */
#define NS_E_TOO_MANY_CONNECTIONS "TOO_MANY_CONNECTIONS"
#define NS_E_SLOW_CLIENT   "SLOW_CLIENT"    /* too many replies left unread */
#define NS_E_IDLE_TIMEOUT  "IDLE_TIMEOUT"   /* no whole request for too long */
#define NS_E_REQUEST_TIMEOUT "REQUEST_TIMEOUT" /* a line that arrives too slowly */
#define NS_E_AUTH_TIMEOUT  "AUTH_TIMEOUT"   /* TCP: no token in time */

/* Limits a request must stay within. */
#define NS_PROTO_MAX_LINE     (64 * 1024)  /* bytes, newline excluded */
#define NS_PROTO_MAX_LIMIT    100    /* the default of [search] max_results */
#define NS_PROTO_DEFAULT_LIMIT 10
#define NS_PROTO_MAX_OFFSET   10000  /* the default of [search] max_offset */
#define NS_PROTO_LIMIT_CEILING 1000  /* max_results can be raised to this */
#define NS_PROTO_MAX_SNIPPET  2000
#define NS_PROTO_MAX_MARKER   32
#define NS_PROTO_MAX_FILTER_VALUES 32  /* per filter field */
#define NS_PROTO_DEFAULT_FACET_LIMIT NS_DEFAULT_FACET_LIMIT
#define NS_PROTO_MAX_FACET_LIMIT 1000
#define NS_PROTO_MAX_PROBLEMS 1000     /* per "problems" reply */
#define NS_PROTO_DEFAULT_WAIT_MS 10000 /* a wait's default timeout */
#define NS_PROTO_MAX_WAIT_MS  600000

typedef struct {
	const char *code;        /* one of NS_E_*; static */
	char message[200];
} ns_proto_err_t;

/* OP as the wire names it ("reindex"); static. */
const char *ns_proto_op_name(ns_op_t op);

/* ---- the daemon's side: requests in (proto_request.c) ---- */

/* Decode one request line (LEN bytes, no newline).  Returns true and fills
 * *REQ, or false and fills *ERR.  Either way REQ->id is set as soon as it
 * is known (so an error reply can carry it) and ns_request_clear() must be
 * called. */
bool ns_proto_decode(const char *line, size_t len, ns_request_t *req,
                     ns_proto_err_t *err);
/* The most hits one search may ask for and the deepest offset, for every
 * decode from now on (the daemon's [search] max_results and max_offset;
 * NS_PROTO_MAX_LIMIT and NS_PROTO_MAX_OFFSET until called). */
void ns_proto_set_limits(unsigned max_results, unsigned max_offset);

/* The first request on a TCP connection,
 * {"id":ID,"op":"auth","token":TOKEN}: true with *TOKEN (new, free()) and
 * *ID (new reference or NULL); false with *ERR (code UNAUTHORIZED), *ID
 * still set when the line had one. */
bool ns_proto_decode_auth(const char *line, size_t len, json_t **id,
                          char **token, ns_proto_err_t *err);

/* ---- the daemon's side: replies out (proto_reply.c) ---- */

/* Replies: new strings ending in "\n", to free(); NULL when out of
 * memory.  ID is borrowed (NULL reads as null). */
char *ns_proto_search_reply(json_t *id, const ns_result_t *res,
                            unsigned fields);
/* "get": the article's FIELDS. */
char *ns_proto_get_reply(json_t *id, uint64_t revision, const ns_hit_t *a,
                         unsigned fields);
char *ns_proto_stats_reply(json_t *id, const ns_stats_t *st);
char *ns_proto_status_reply(json_t *id, const ns_daemon_status_t *st);
/* N of TOTAL problems, as ns_problems_list() gives them. */
char *ns_proto_problems_reply(json_t *id, uint64_t revision,
                              const ns_problem_t *v, size_t n,
                              uint64_t total);
/* A finished wait: PATH (may be NULL) is now STATE ("indexed", "partial",
 * "skipped", "removed"; NULL without a path), REASON for the last two
 * (may be NULL). */
char *ns_proto_wait_reply(json_t *id, uint64_t revision, const char *path,
                          const char *state, const char *reason,
                          double took_ms);
char *ns_proto_error_reply(json_t *id, uint64_t revision, const char *code,
                           const char *message);
/* A finished maintenance operation OP ("reindex", "compact", "backup")
 * that worked: MESSAGE says what it did. */
char *ns_proto_maint_reply(json_t *id, uint64_t revision, const char *op,
                           const char *message, double took_ms);
/* The token was right. */
char *ns_proto_auth_reply(json_t *id, uint64_t revision);

/* ---- the client's side: requests out, replies in (proto_client.c) ---- */

/* Request lines, new strings ending in "\n".  HL_START/HL_END may be NULL. */
char *ns_proto_search_request(long long id, const char *q, unsigned limit,
                              unsigned offset, const char *hl_start,
                              const char *hl_end);
/* The whole of REQ (its q, limit, offset, markers, lang, filter, sort;
 * zero and NULL fields are left out). */
char *ns_proto_encode_search(long long id, const ns_request_t *req);
char *ns_proto_status_request(long long id);
/* Maintenance.  PATH may be NULL (the whole tree); DIR is absolute. */
char *ns_proto_reindex_request(long long id, const char *path);
char *ns_proto_compact_request(long long id);
char *ns_proto_backup_request(long long id, const char *dir);
char *ns_proto_stats_request(long long id);
char *ns_proto_get_request(long long id, const char *path);
/* "similar" to REQ->path with REQ's limit, offset, filter and snippet
 * settings. */
char *ns_proto_encode_similar(long long id, const ns_request_t *req);
char *ns_proto_problems_request(long long id, unsigned limit,
                                unsigned offset);
/* PATH may be NULL (everything changed so far); TIMEOUT_MS 0: default. */
char *ns_proto_wait_request(long long id, const char *path,
                            unsigned timeout_ms);
char *ns_proto_auth_request(long long id, const char *token);

/* Read a reply line.  On {"ok":true} returns true; otherwise false with
 * *CODE and *MESSAGE (new, to free()) from the error object.  For a search
 * reply *RES (if not NULL) gets the result (ns_result_free); for a status
 * reply *ST (if not NULL) gets the figures. */
bool ns_proto_parse_reply(const char *line, size_t len, ns_result_t **res,
                          ns_daemon_status_t *st, char **code,
                          char **message);
/* The article of a "get" reply into *A (ns_hit_clear); false when LINE
 * is not one. */
bool ns_proto_parse_article(const char *line, size_t len, ns_hit_t *a);
/* The figures of a "stats" reply (ns_stats_clear). */
bool ns_proto_parse_stats(const char *line, size_t len, ns_stats_t *st);
/* The list of a "problems" reply: *V (ns_problems_list_free), *N and the
 * total; false when LINE is not one. */
bool ns_proto_parse_problems(const char *line, size_t len, ns_problem_t **v,
                             size_t *n, uint64_t *total);

#endif
