/* querylog.h - what people searched for.  Every search with words is
 * counted in a table of the last day (one part an hour, each bounded),
 * which the "queries" request reads; the searches [log] queries asks for
 * are logged, one line each, with structured fields (QUERY=, HITS=, MS=)
 * when the log is the journal.  Thread-safe: the query workers note, the
 * loop reads and reconfigures.  It never logs a token, and keeps nothing
 * on disk. */
#ifndef NS_QUERYLOG_H
#define NS_QUERYLOG_H

#include <jansson.h>
#include <stdint.h>

#include "core/proto_queries.h"
#include "nsearch/result.h"

/* Which searches are logged ([log] queries); each takes in the ones
 * before it. */
typedef enum {
	NS_QLOG_OFF,       /* none, and none counted */
	NS_QLOG_ZERO,      /* those that found nothing */
	NS_QLOG_SLOW,      /* and those that took [log] slow_query_ms */
	NS_QLOG_SAMPLED,   /* and one in [log] query_sample of the others */
	NS_QLOG_ALL,       /* every one */
} ns_qlog_mode_t;

/* The modes' names, in their order, NULL-terminated (the configuration
 * reads them), and MODE's. */
extern const char *const ns_qlog_mode_names[];
const char *ns_qlog_mode_name(ns_qlog_mode_t mode);

typedef struct ns_querylog ns_querylog_t;

/* A new log, off until configured; NULL when out of memory.  Free with
 * ns_querylog_free (accepts NULL). */
ns_querylog_t *ns_querylog_new(void);
void ns_querylog_free(ns_querylog_t *ql);

/* From the next search on (any thread): MODE, searches of SLOW_MS or
 * more are slow, one in SAMPLE of the others is sampled.  Off forgets
 * what was counted. */
void ns_querylog_configure(ns_querylog_t *ql, ns_qlog_mode_t mode,
                           unsigned slow_ms, unsigned sample);

/* A search answered. */
typedef struct {
	const char *query;     /* the words searched for */
	uint64_t hits;         /* matches (Xapian's estimate) */
	double ms;             /* from taking the request to its reply */
	json_t *id;            /* the request's "id" (borrowed; may be NULL) */
	const char *protocol;  /* "ndjson" or "http" */
	unsigned long conn;    /* the NDJSON connection's number (0: none) */
} ns_query_event_t;

/* EV counted, and logged if the mode asks for it, at the wall clock
 * NOW_MS (Unix ms; 0: now).  Searches without words (filters alone)
 * are neither.  Any thread. */
void ns_querylog_note(ns_querylog_t *ql, const ns_query_event_t *ev,
                      int64_t now_ms);

/* The search REQ (a search or not, answered or not: what is not a
 * search with words is left alone) answered with RES (NULL: it failed)
 * US microseconds after it was taken: ns_querylog_note.  QL may be NULL. */
void ns_querylog_search(ns_querylog_t *ql, const ns_request_t *req,
                        const ns_result_t *res, unsigned long long us,
                        const char *protocol, unsigned long conn);

/* The last day's counts at NOW_MS (0: now) into *OUT (new; clear with
 * ns_query_report_clear): the LIMIT most asked queries, and the LIMIT
 * most asked of those that found nothing.  NS_OK, NS_ERR_NOMEM. */
ns_status_t ns_querylog_report(ns_querylog_t *ql, unsigned limit,
                               int64_t now_ms, ns_query_report_t *out);

/* The fields of the log entry of EV, logged as KIND ("zero", "slow",
 * "sampled", "all"): "NAME=value" into OUT, in the order the line
 * writes them, QUERY last (the journal gets them as they are, the line
 * escaped).  NS_OK, NS_ERR_NOMEM. */
ns_status_t ns_querylog_fields(const ns_query_event_t *ev, const char *kind,
                               ns_strv_t *out);

#endif
