/* query.h - the read side: a pool of Xapian readers that any worker thread
 * may borrow, one at a time, to run a search.  Never call it on the loop
 * thread. */
#ifndef NS_QUERY_H
#define NS_QUERY_H

#include "core/proto_suggest.h"
#include "nsearch/request.h"
#include "nsearch/result.h"

typedef struct ns_searcher ns_searcher_t;

/* A pool over the index at INDEX_DIR; readers open lazily. */
ns_status_t ns_searcher_new(const char *index_dir, ns_searcher_t **out);
/* A front's: a pool over the shards of SHARDS (stolen: freed with the
 * searcher; NULL: the index at INDEX_DIR, as ns_searcher_new), every
 * search reply saying how many shards answered (ns_result_t). */
typedef struct ns_shardset ns_shardset_t;
ns_status_t ns_searcher_new_shards(const char *index_dir, ns_shardset_t *shards,
                                   ns_searcher_t **out);
/* The language queries are stemmed for when a request names none (the
 * daemon's default article language).  Call before the first search. */
void ns_searcher_set_language(ns_searcher_t *s, const char *lang);
/* Accepts NULL.  No search may be running. */
void ns_searcher_free(ns_searcher_t *s);

/* Call FN(ARG), which puts another database at the index directory (a
 * compacted copy), once no search holds a reader, with new searches
 * waiting; then close the readers of the old files, so that the searches
 * after it open the new ones.  S may be NULL (FN is called as it is).
 * Any thread but a search's. */
void ns_searcher_exclusive(ns_searcher_t *s, void (*fn)(void *arg),
                           void *arg);

/* Limits every search keeps: a wildcard may expand to MAX_EXPANSION
 * terms (0: wildcards are off), and a search may run for TIMEOUT_MS (0:
 * no limit): exact counting (facets, totals) stops after half of it, and
 * a search still running at the end is stopped (NS_ERR_TIMEOUT).  Call
 * before the first search. */
void ns_searcher_set_limits(ns_searcher_t *s, unsigned max_expansion,
                            unsigned timeout_ms);

/* Count a search's matches exactly up to LIMIT (at least 10); past it
 * the total is LIMIT, a lower bound, on every page.  Call before the
 * first search; until then, 10000. */
void ns_searcher_set_count_limit(ns_searcher_t *s, unsigned limit);

/* Use the synonym groups of the file at PATH (NULL: none) from the next
 * search on.  On failure the groups in force stay, and *ERRMSG (a new
 * string) says which line is wrong and why.  Thread-safe. */
ns_status_t ns_searcher_load_synonyms(ns_searcher_t *s, const char *path,
                                      char **errmsg);

/* One article's stored fields and text (*HIT, ns_hit_clear) by its path
 * relative to the articles root.  NS_ERR_NOT_FOUND when the index has no
 * such article. */
ns_status_t ns_searcher_get(ns_searcher_t *s, const char *path,
                            ns_hit_t *hit, uint64_t *revision,
                            char **errmsg);

/* Counts over the whole index (*OUT, ns_stats_clear). */
ns_status_t ns_searcher_stats(ns_searcher_t *s, ns_stats_t *out,
                              char **errmsg);

/* Call EACH for every term starting with PREFIX (in byte order), with
 * the term (borrowed) and how many documents have it, on the latest
 * committed revision (*REVISION, may be NULL).  NS_ERR_INDEX with
 * *ERRMSG (new) when the index cannot be read.  A worker's. */
ns_status_t ns_searcher_each_term(ns_searcher_t *s, const char *prefix,
                                  void (*each)(const char *term,
                                               uint64_t docs, void *ctx),
                                  void *ctx, uint64_t *revision,
                                  char **errmsg);

/* Run REQ on the latest committed revision.  *OUT is new (ns_result_free).
 * NS_ERR_BAD_QUERY, NS_ERR_TOO_BROAD, NS_ERR_TOO_COMPLEX (a cap of
 * shim/nsx.h), NS_ERR_TIMEOUT and NS_ERR_INDEX come with *ERRMSG, a new
 * string to free(). */
/* The search a decoded request R (search or similar) asks for, for
 * ns_searcher_search: both protocols build it here.  Borrows from R. */
ns_search_req_t ns_search_req_of(const ns_request_t *r);

ns_status_t ns_searcher_search(ns_searcher_t *s, const ns_search_req_t *req,
                               ns_result_t **out, char **errmsg);

/* As a search box is typed in: what has been typed, Q, completed
 * (complete.h) on the latest committed revision, LIMIT words and titles,
 * stemmed for LANG (NULL: the searcher's default).  *OUT filled
 * (ns_completions_clear).  NS_ERR_TOO_COMPLEX, NS_ERR_TIMEOUT and
 * NS_ERR_INDEX come with *ERRMSG (new). */
ns_status_t ns_searcher_complete(ns_searcher_t *s, const char *q,
                                 const char *lang, unsigned limit,
                                 ns_completions_t *out, char **errmsg);

/* heavy.c: could R keep a query worker busy for long?  A guess from
 * the request alone, for the server's queue (searchq.h): similar, facets (every
 * match is counted), a sort by date (every match is looked at), a
 * phrase, NEAR, ADJ, wildcard or prefix search, or more than
 * NS_LIGHT_WORDS words.
 * Any thread. */
bool ns_request_is_heavy(const ns_request_t *r);
#define NS_LIGHT_WORDS 8

/* Defaults of a search (docs/protocol.md). */
#define NS_DEFAULT_MAX_EXPANSION 1000

#endif
