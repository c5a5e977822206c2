/* request.h - a request as C data: what the protocol decodes (core/proto.h),
 * the server queues and the query side runs (daemon/query.h).  Types only,
 * shared by those layers; no JSON is read or written here. */
#ifndef NS_REQUEST_H
#define NS_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"
#include "nsearch/result.h"

/* The operations a client may ask for: X(NAME, "wire name").  The list
 * makes ns_op_t (NS_OP_NAME) and ns_proto_op_name(); the decoder of each
 * is in src/core/proto_request.c. */
#define NS_OPS(X) \
	X(SEARCH, "search") \
	X(STATUS, "status") \
	X(PROBLEMS, "problems") \
	X(WAIT, "wait") \
	X(GET, "get") \
	X(SIMILAR, "similar") \
	X(STATS, "stats") \
	X(REINDEX, "reindex") /* maintenance: answered when done */ \
	X(COMPACT, "compact") \
	X(BACKUP, "backup") \
	X(PATHS, "paths")     /* core/proto_paths.h */ \
	X(QUERIES, "queries") /* core/proto_queries.h */ \
	X(SUGGEST, "suggest") /* as you type: core/proto_suggest.h */

typedef enum {
#define NS_OP_ENUM(name, wire) NS_OP_##name,
	NS_OPS(NS_OP_ENUM)
#undef NS_OP_ENUM
} ns_op_t;
#define NS_OP_PLUS_ONE(name, wire) + 1
#define NS_OP_COUNT (0 NS_OPS(NS_OP_PLUS_ONE))

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
	NS_SORT_FIELD,           /* by a declared field (core/fields.h) */
} ns_sort_t;

/* Values per facet when a request names no facet_limit. */
#define NS_DEFAULT_FACET_LIMIT 10

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

/* A decoded request line (ns_proto_decode); owns its strings, freed by
 * ns_request_clear(). */
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
	bool autocorrect;        /* answer the query's correction when it
	                            finds next to nothing (the decoder's
	                            default: true) */
	bool feedback;           /* reorder the best by the words of the best
	                            ten (pseudo-relevance feedback) */
	bool prefix;             /* as you type: Q's last word a beginning */
	unsigned fields;         /* NS_FIELD_* to return; set by the decoder */
	uint64_t min_revision;   /* answer from this revision on, or STALE
	                            (core/proto_replica.h); 0: any */
} ns_request_t;

/* Frees what REQ owns and zeroes it (src/core/proto_request.c). */
void ns_request_clear(ns_request_t *req);

/* A search as the query side runs it (ns_searcher_search): every pointer
 * borrowed from the caller for the call. */
typedef struct {
	const char *q;            /* the query string */
	unsigned offset;
	unsigned limit;
	unsigned snippet_length;  /* bytes, about; 0: 200 */
	const char *hl_start;     /* highlight markers; NULL: "<b>", "</b>" */
	const char *hl_end;
	const char *lang;         /* stem the query for this language; NULL:
	                             the searcher's default */
	const ns_filter_t *filter; /* may be NULL */
	ns_sort_t sort;
	const char *sort_field;   /* NS_SORT_FIELD: a declared field ... */
	bool sort_desc;           /* ... largest first */
	const ns_strv_t *facet_fields; /* facets on declared fields (may be
	                             NULL) */
	ns_match_t match;
	bool collapse;            /* fold hits with the same title and text */
	unsigned facets;          /* bit (1 << ns_facet_kind_t) per facet */
	unsigned facet_limit;     /* values per facet; 0: NS_DEFAULT_FACET_LIMIT */
	bool plain;               /* snippets as plain text, not HTML */
	unsigned recency_days;    /* > 0: blend recency in, this half-life */
	bool autocorrect;         /* answer the query's correction when it
	                             finds next to nothing and the correction
	                             far more (docs/query-syntax.md) */
	bool feedback; /* pseudo-relevance feedback (docs/ranking.md) */
	bool prefix;   /* Q's last word also a beginning */
	const char *like;         /* "similar": the article's relative path;
	                             Q is then ignored */
	bool body;                /* fill each hit's body too */
	bool skip_snippet;        /* cut no snippet: the request's fields
	                             leave it out */
} ns_search_req_t;

#endif
