/* result.h - a search result as C data: what the query side produces, the
 * protocol encodes, and the CLI decodes again. */
#ifndef NS_RESULT_H
#define NS_RESULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/util.h"

/* The fields of a hit, and of an article ("get"): X(NAME, member, KIND),
 * in the order of the wire's keys.  The list makes ns_hit_t's members,
 * the bits NS_FIELD_NAME among which a request's "fields" chooses, the
 * key "member" of a hit on the wire (docs/protocol.md), and the JSON
 * encoder and decoder (core/hit_json.h), which the index's stored data
 * shares.  KIND is the member's type: STR a string ("" when absent from
 * JSON), TEXT a string (NULL when absent), STRV a list of strings, UINT,
 * REAL, BOOL, OBJECT a JSON object (an owned reference, or NULL).
 * Adding a field is a line here, plus the code that fills it (the
 * article's stored data, or daemon/query.c for one the search
 * computes: that one also joins the exceptions of NS_FIELDS_ARTICLE
 * below) and docs/protocol.md. */
#define NS_HIT_FIELDS(X) \
	X(RANK, rank, UINT)        /* 1-based, in the whole result list */ \
	X(SCORE, score, REAL) \
	X(PATH, path, STR)         /* relative to the articles root */ \
	X(TITLE, title, STR) \
	X(STANDFIRST, standfirst, STR) \
	X(DATE, date, STR)         /* "YYYY-MM-DD" or "" */ \
	X(TIME, time, STR)         /* "HH:MM" or "" */ \
	X(SECTION, section, STR) \
	X(TAGS, tags, STRV) \
	X(AUTHORS, authors, STRV) \
	X(LANGUAGE, language, STR) \
	X(URL, url, STR)           /* "" when the file names none */ \
	X(FORMAT, format, STR)     /* the format the file was read as */ \
	X(READING_MINUTES, reading_minutes, UINT) \
	X(SNIPPET, snippet, STR)   /* HTML-escaped (unless plain text was \
	                              asked for), query terms between the \
	                              markers */ \
	X(PARTIAL, partial, BOOL)  /* has only some of the query's words */ \
	X(DUPLICATES, duplicates, UINT) /* with collapse: other matches with \
	                              the same title and text, folded into \
	                              this hit; only with "collapse" */ \
	X(BODY, body, TEXT)        /* the article's text: "get", or a search \
	                              that asks for it; else NULL */ \
	X(FIELDS, fields, OBJECT)  /* the file's own fields (CMS keys), an \
	                              object; {} when none */

/* Each field's bit, for "fields" ... */
enum {
#define NS_HIT_FIELD_INDEX(NAME, member, kind) NS_FIELD_INDEX_##NAME,
	NS_HIT_FIELDS(NS_HIT_FIELD_INDEX)
#undef NS_HIT_FIELD_INDEX
	NS_FIELD_COUNT
};
enum {
#define NS_HIT_FIELD_BIT(NAME, member, kind) \
	NS_FIELD_##NAME = 1u << NS_FIELD_INDEX_##NAME,
	NS_HIT_FIELDS(NS_HIT_FIELD_BIT)
#undef NS_HIT_FIELD_BIT
	NS_FIELDS_ALL = (1u << NS_FIELD_COUNT) - 1,
	/* ... a hit's default ... */
	NS_FIELDS_HIT = NS_FIELDS_ALL & ~(NS_FIELD_DUPLICATES | NS_FIELD_BODY),
	/* ... and an article's: what the index stores of it. */
	NS_FIELDS_ARTICLE = NS_FIELDS_ALL & ~(NS_FIELD_RANK | NS_FIELD_SCORE |
	                    NS_FIELD_SNIPPET | NS_FIELD_PARTIAL |
	                    NS_FIELD_DUPLICATES),
};

/* ... and each member's C type. */
#define NS_HIT_CTYPE_STR char *
#define NS_HIT_CTYPE_TEXT char *
#define NS_HIT_CTYPE_STRV ns_strv_t
#define NS_HIT_CTYPE_UINT unsigned
#define NS_HIT_CTYPE_REAL double
#define NS_HIT_CTYPE_BOOL bool
#define NS_HIT_CTYPE_OBJECT json_t *

/* One hit, or one article: owns its strings (ns_hit_clear). */
typedef struct {
#define NS_HIT_MEMBER(NAME, member, kind) NS_HIT_CTYPE_##kind member;
	NS_HIT_FIELDS(NS_HIT_MEMBER)
#undef NS_HIT_MEMBER
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
	uint64_t total;        /* the matches (hits, collapsing): exact, or
	                          a lower bound; the same on every page */
	uint64_t total_min;    /* bounds of it: TOTAL itself ... */
	uint64_t total_max;    /* ... and an upper bound */
	uint64_t revision;     /* index revision the search ran on */
	double took_ms;
	bool exact;            /* TOTAL is exact */
	bool facets_exact;     /* the facets counted every match */
	bool relaxed;          /* hits with only some of the words follow
	                          those with all of them */
	char *suggestion;      /* the query spelt as the index knows its
	                          words, or NULL */
	char *corrected_from;  /* when the search answered the query's
	                          correction instead: the query as typed ... */
	char *corrected_to;    /* ... and as answered; both NULL otherwise */
	size_t nhits;
	ns_hit_t *hits;        /* owned */
	size_t nfacets;
	ns_facet_t *facets;    /* owned, in the order they were asked for */
	/* A front over shards (docs/scaling.md): how many it has, and how
	 * many answered this search; both 0 elsewhere. */
	size_t shards_total, shards_answered;
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
