/* result.h - a search result as C data: what the query side produces, the
 * protocol encodes, and the CLI decodes again. */
#ifndef NS_RESULT_H
#define NS_RESULT_H

#include <jansson.h>
#include <stdint.h>

#include "core/util.h"

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
	json_t *fields;      /* the file's own fields (an object; owned
	                        reference), or NULL */
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
	ns_facet_kind_t kind;  /* NS_FACET_COUNT: a declared field's, NAME */
	char *name;
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
