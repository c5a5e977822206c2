/* result.h - a search result as C data: what the query side produces, the
 * protocol encodes, and the CLI decodes again. */
#ifndef NS_RESULT_H
#define NS_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

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
	NS_FIELDS_HIT = (1u << 16) - 1,  /* a hit's default */
	NS_FIELDS_ARTICLE = (NS_FIELDS_HIT & ~(NS_FIELD_RANK | NS_FIELD_SCORE |
	                     NS_FIELD_SNIPPET | NS_FIELD_PARTIAL)) | NS_FIELD_BODY,
};

typedef struct {
	unsigned rank;       /* 1-based position in the whole result list */
	double score;
	char *path;          /* relative to the articles root */
	char *title;
	char *standfirst;
	char *date;          /* "YYYY-MM-DD" or "" */
	char *time;          /* "HH:MM" or "" */
	char *section;
	ns_strv_t tags;
	ns_strv_t authors;
	char *language;
	char *url;           /* "" when the file names none */
	char *format;        /* the format the file was read as */
	unsigned reading_minutes;
	char *snippet;       /* HTML-escaped (unless plain text was asked
	                        for), query terms between the markers */
	unsigned duplicates; /* with collapse: other matches with the same
	                        title and text, folded into this hit */
	bool partial;        /* has only some of the query's words */
	char *body;          /* the article's text: "get" only, else NULL */
} ns_hit_t;

/* The facets a search can count (docs/protocol.md). */
typedef enum {
	NS_FACET_TAG,
	NS_FACET_AUTHOR,
	NS_FACET_SECTION,
	NS_FACET_LANG,
	NS_FACET_YEAR,
	NS_FACET_MONTH,
	NS_FACET_COUNT
} ns_facet_kind_t;

/* Its name on the wire ("tag", ...); the kind of a name, or -1. */
const char *ns_facet_name(ns_facet_kind_t k);
int ns_facet_by_name(const char *name);

typedef struct {
	char *value;
	uint64_t count;
} ns_facet_value_t;

/* Frees the N values of V and V.  Accepts NULL. */
void ns_facet_values_free(ns_facet_value_t *v, size_t n);

typedef struct {
	ns_facet_kind_t kind;
	size_t n;
	ns_facet_value_t *values;  /* most frequent first */
} ns_facet_t;

typedef struct {
	uint64_t total;        /* estimated number of matches */
	uint64_t total_min;    /* bounds of that estimate */
	uint64_t total_max;
	uint64_t revision;     /* index revision the search ran on */
	double took_ms;
	bool exact;            /* TOTAL and the facets are exact counts */
	bool relaxed;          /* hits with only some of the words follow
	                          those with all of them */
	char *suggestion;      /* the query spelt as the index knows its
	                          words, or NULL */
	size_t nhits;
	ns_hit_t *hits;        /* owned */
	size_t nfacets;
	ns_facet_t *facets;    /* owned, in the order they were asked for */
} ns_result_t;

/* Frees what H owns (not H itself). */
void ns_hit_clear(ns_hit_t *h);

/* What the index holds ("stats"). */
typedef struct {
	uint64_t documents;
	uint64_t revision;
	uint64_t index_bytes;     /* the database's files on disk */
	int64_t last_commit;      /* Unix time of the last change, or 0 */
	size_t nsections, nlangs, nyears;
	ns_facet_value_t *sections, *langs, *years; /* by name */
} ns_stats_t;
void ns_stats_clear(ns_stats_t *st);

/* Frees every hit and RES itself.  Accepts NULL. */
void ns_result_free(ns_result_t *res);

#endif
