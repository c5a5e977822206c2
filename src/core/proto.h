/* proto.h - the wire protocol: newline-delimited JSON, one request object
 * per line, one reply per line carrying the request's "id".  This is the
 * only code that reads or writes wire JSON; docs/protocol.md describes it.
 * Thread-safe: no shared state. */
#ifndef NS_PROTO_H
#define NS_PROTO_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/fields.h"
#include "core/problems.h"
#include "nsearch/result.h"

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
#define NS_PROTO_DEFAULT_FACET_LIMIT 10 /* values per facet */
#define NS_PROTO_MAX_FACET_LIMIT 1000
#define NS_PROTO_MAX_PROBLEMS 1000     /* per "problems" reply */
#define NS_PROTO_DEFAULT_WAIT_MS 10000 /* a wait's default timeout */
#define NS_PROTO_MAX_WAIT_MS  600000

typedef enum {
	NS_OP_SEARCH,
	NS_OP_STATUS,
	NS_OP_PROBLEMS,
	NS_OP_WAIT,
	NS_OP_GET,
	NS_OP_SIMILAR,
	NS_OP_STATS,
	NS_OP_REINDEX,           /* maintenance: answered when done */
	NS_OP_COMPACT,
	NS_OP_BACKUP,
	NS_OP_PATHS,             /* core/proto_paths.h */
} ns_op_t;

/* The fields of a hit or an article a request may choose ("fields"). */
enum {
	NS_FIELD_PATH = 1u << 0,
	NS_FIELD_RANK = 1u << 1,
	NS_FIELD_SCORE = 1u << 2,
	NS_FIELD_TITLE = 1u << 3,
	NS_FIELD_STANDFIRST = 1u << 4,
	NS_FIELD_DATE = 1u << 5,
	NS_FIELD_TIME = 1u << 6,
	NS_FIELD_SECTION = 1u << 7,
	NS_FIELD_TAGS = 1u << 8,
	NS_FIELD_AUTHORS = 1u << 9,
	NS_FIELD_LANGUAGE = 1u << 10,
	NS_FIELD_URL = 1u << 11,
	NS_FIELD_FORMAT = 1u << 12,
	NS_FIELD_READING_MINUTES = 1u << 13,
	NS_FIELD_SNIPPET = 1u << 14,
	NS_FIELD_PARTIAL = 1u << 15,
	NS_FIELD_DUPLICATES = 1u << 16,  /* only with "collapse" */
	NS_FIELD_BODY = 1u << 17,        /* the article's text */
	NS_FIELD_FIELDS = 1u << 18,      /* the file's own fields (CMS keys) */
	NS_FIELDS_HIT = ((1u << 16) - 1) | NS_FIELD_FIELDS, /* a hit's default */
	NS_FIELDS_ARTICLE = (NS_FIELDS_HIT & ~(NS_FIELD_RANK | NS_FIELD_SCORE |
	                     NS_FIELD_SNIPPET | NS_FIELD_PARTIAL)) | NS_FIELD_BODY,
};

/* How the words of a query combine when no operator says (docs/query-syntax.md). */
typedef enum {
	NS_MATCH_AUTO = 0,   /* all words, then documents with some of them */
	NS_MATCH_ALL,
	NS_MATCH_ANY,
} ns_match_t;

/* Result order of a search. */
typedef enum {
	NS_SORT_RELEVANCE = 0,
	NS_SORT_NEWEST,
	NS_SORT_OLDEST,
	NS_SORT_FIELD,           /* by a declared field (fields.h) */
} ns_sort_t;

/* A filter on a declared field: any of VALUES (canonical text,
 * ns_field_value), and for a number field a range too. */
typedef struct {
	char *name;
	ns_strv_t values;
	bool has_min, has_max;
	double min, max;         /* inclusive */
} ns_field_filter_t;

/* A search's filters: within a field any value may match, every field
 * given must. */
typedef struct {
	ns_strv_t sections;
	ns_strv_t tags;
	ns_strv_t authors;       /* exact names, any case */
	ns_strv_t langs;
	char date_from[11];      /* "YYYY-MM-DD", inclusive, or "" */
	char date_to[11];
	ns_field_filter_t *fields; /* on declared fields ([fields]) */
	size_t nfields;
} ns_filter_t;

typedef struct {
	json_t *id;              /* owned reference; json null when absent */
	ns_op_t op;
	char *q;                 /* search: the query string */
	char *path;              /* wait: the article's relative path, or NULL;
	                            reindex: the file or directory (NULL: all);
	                            backup: the directory to write */
	unsigned timeout_ms;     /* wait */
	unsigned limit;
	unsigned offset;
	unsigned snippet_length; /* 0: the daemon's default */
	char *hl_start;          /* NULL: the daemon's default */
	char *hl_end;
	char *lang;              /* stem the query for this language; NULL:
	                            the daemon's default */
	ns_filter_t filter;
	ns_sort_t sort;
	char *sort_field;        /* NS_SORT_FIELD: the declared field ... */
	bool sort_desc;          /* ... and the order ("-words") */
	ns_match_t match;
	bool collapse;
	unsigned facets;         /* bit (1 << ns_facet_kind_t) per facet */
	ns_strv_t facet_fields;  /* facets on declared fields, by name */
	unsigned facet_limit;    /* 0: the default */
	bool plain;              /* snippet_format "text" */
	unsigned recency_days;   /* 0: relevance alone */
	unsigned fields;         /* NS_FIELD_* to return; set by the decoder */
	uint64_t min_revision;   /* answer from this revision on, or STALE
	                            (core/proto_replica.h); 0: any */
} ns_request_t;

typedef struct {
	const char *code;        /* one of NS_E_*; static */
	char message[200];
} ns_proto_err_t;

/* Decode one request line (LEN bytes, no newline).  Returns true and fills
 * *REQ, or false and fills *ERR.  Either way REQ->id is set as soon as it
 * is known (so an error reply can carry it) and ns_request_clear() must be
 * called. */
bool ns_proto_decode(const char *line, size_t len, ns_request_t *req,
                     ns_proto_err_t *err);
/* OP as the wire names it ("reindex"); static. */
const char *ns_proto_op_name(ns_op_t op);
/* The most hits one search may ask for and the deepest offset, for every
 * decode from now on (the daemon's [search] max_results and max_offset;
 * NS_PROTO_MAX_LIMIT and NS_PROTO_MAX_OFFSET until called). */
void ns_proto_set_limits(unsigned max_results, unsigned max_offset);
void ns_request_clear(ns_request_t *req);

typedef struct {
	uint64_t revision;
	uint64_t documents;
	uint64_t queued;
	uint64_t indexed;
	uint64_t unchanged;      /* files a stat showed unchanged: not read */
	uint64_t same_content;   /* files read again, the same bytes */
	uint64_t removed;
	uint64_t failed;
	uint64_t skipped;        /* files on disk not in the index now */
	uint64_t partial;        /* files indexed without some of their parts */
	uint64_t overflows;      /* rescans after the kernel's queue overflowed */
	uint64_t unwatched;      /* directories over the watch limit, rescanned */
	bool ready;              /* the start-up scan has been indexed, and the
	                            index can be written */
	bool writable;           /* the index can be written now */
	char index_error[300];   /* why not ("" when it can) */
	int64_t index_error_since; /* Unix ms (0 when writable) */
	unsigned index_retries;  /* attempts to write since */
	int64_t index_next_retry; /* Unix ms of the next (0 when writable) */
	uint64_t unwritten;      /* changes to apply again when it can */
	uint64_t rebuilds;       /* damaged indexes moved aside since start */
	char rebuild_reason[300];
	char rebuild_moved_to[1024];
	int64_t rebuilt_at;      /* Unix ms of the last (0: none) */
	uint64_t read_retries;   /* files whose read is retried (EMFILE...) */
	double uptime_s;
	int64_t last_commit;     /* Unix ms of the last commit since start; 0 */
	uint64_t scanned;        /* files the start-up scan found */
	double reconcile_s;      /* start to ready (so far, when not ready) */
	unsigned connections;    /* open now */
	uint64_t searches;       /* answered since start */
	double latency_p50_ms, latency_p95_ms, latency_p99_ms; /* of the last
	                            1000 searches, queueing included */
	ns_problem_t *problems;  /* the newest problems, with reasons: owned by
	                            whoever filled the status */
	size_t nproblems;
	/* Maintenance: the operation queued or running ("" for none) ... */
	char op[16];
	char op_target[1024];
	bool op_running;
	uint64_t op_done, op_total;  /* files, or tables */
	int64_t op_started;          /* Unix ms */
	/* ... and the last one finished ("" for none). */
	char last_op[16];
	bool last_op_ok;
	char last_op_message[512];
	int64_t last_op_finished;    /* Unix ms */
	/* The articles directory: gone (deleted, renamed) and why, since. */
	bool root_gone;
	char root_reason[160];
	int64_t root_gone_since;     /* Unix ms */
} ns_daemon_status_t;

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

/* ---- the client side (nsearch-cli, tests) ---- */

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

/* ---- authentication, the first request on a TCP connection ---- */

/* {"id":ID,"op":"auth","token":TOKEN}: true with *TOKEN (new, free()) and
 * *ID (new reference or NULL); false with *ERR (code UNAUTHORIZED), *ID
 * still set when the line had one. */
bool ns_proto_decode_auth(const char *line, size_t len, json_t **id,
                          char **token, ns_proto_err_t *err);
char *ns_proto_auth_reply(json_t *id, uint64_t revision);

/* A finished maintenance operation OP ("reindex", "compact", "backup")
 * that worked: MESSAGE says what it did. */
char *ns_proto_maint_reply(json_t *id, uint64_t revision, const char *op,
                           const char *message, double took_ms);
char *ns_proto_auth_request(long long id, const char *token);

#endif
