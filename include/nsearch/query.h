/* query.h - the read side: a pool of Xapian readers that any worker thread
 * may borrow, one at a time, to run a search.  Never call it on the loop
 * thread. */
#ifndef NS_QUERY_H
#define NS_QUERY_H

#include "nsearch/proto.h"
#include "nsearch/result.h"

typedef struct ns_searcher ns_searcher_t;

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
} ns_search_req_t;

/* A pool over the index at INDEX_DIR; readers open lazily. */
ns_status_t ns_searcher_new(const char *index_dir, ns_searcher_t **out);
/* The language queries are stemmed for when a request names none (the
 * daemon's default article language).  Call before the first search. */
void ns_searcher_set_language(ns_searcher_t *s, const char *lang);
/* Accepts NULL.  No search may be running. */
void ns_searcher_free(ns_searcher_t *s);

/* Run REQ on the latest committed revision.  *OUT is new (ns_result_free).
 * NS_ERR_BAD_QUERY or NS_ERR_INDEX come with *ERRMSG, a new string to
 * free(). */
ns_status_t ns_searcher_search(ns_searcher_t *s, const ns_search_req_t *req,
                               ns_result_t **out, char **errmsg);

#endif
