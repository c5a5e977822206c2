/* result.h - a search result as C data: what the query side produces, the
 * protocol encodes, and the CLI decodes again. */
#ifndef NS_RESULT_H
#define NS_RESULT_H

#include <stdint.h>

#include "nsearch/util.h"

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
	char *snippet;       /* HTML-escaped, query terms between the markers */
} ns_hit_t;

typedef struct {
	uint64_t total;        /* estimated number of matches */
	uint64_t total_min;    /* bounds of that estimate */
	uint64_t total_max;
	uint64_t revision;     /* index revision the search ran on */
	double took_ms;
	size_t nhits;
	ns_hit_t *hits;        /* owned */
} ns_result_t;

/* Frees every hit and RES itself.  Accepts NULL. */
void ns_result_free(ns_result_t *res);

#endif
