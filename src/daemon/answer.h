/* answer.h - a read request (search, similar, get, stats, paths) run on
 * the searcher and written as its reply line: the one place both
 * protocols, NDJSON and HTTP, answer one.  A worker thread's; never the
 * loop's. */
#ifndef NS_ANSWER_H
#define NS_ANSWER_H

#include <stdbool.h>

#include "core/proto.h"
#include "daemon/query.h"
#include "daemon/querylog.h"

/* Who asks, for the query log. */
typedef struct {
	ns_querylog_t *log;           /* may be NULL */
	const char *protocol;         /* "ndjson", "http" */
	unsigned long conn;           /* the connection's number; 0: none */
	unsigned long long start_us;  /* when the request was taken, in
	                                 ns_monotonic_us()'s microseconds */
} ns_asker_t;

/* R answered from S into *REPLY (new, a line ending in "\n"; NULL when
 * out of memory with NS_OK), and noted in WHO's query log.  *FOUND (may be NULL) is set when the
 * reply is a search's result.  Any other status comes with *ERR (new,
 * may be NULL) for the caller's error reply, which the caller writes:
 * its code and the log line differ by protocol. */
ns_status_t ns_answer(ns_searcher_t *s, const ns_request_t *r,
                      const ns_asker_t *who, char **reply, bool *found,
                      char **err);

#endif
