/* answer.h - a read request (search, similar, get, stats, paths) run on
 * the searcher and written as its reply line: the one place both
 * protocols, NDJSON and HTTP, answer one.  A worker thread's; never the
 * loop's. */
#ifndef NS_ANSWER_H
#define NS_ANSWER_H

#include <stdbool.h>

#include "core/proto.h"
#include "daemon/query.h"

/* R answered from S into *REPLY (new, a line ending in "\n"; NULL when
 * out of memory with NS_OK).  *FOUND (may be NULL) is set when the
 * reply is a search's result.  Any other status comes with *ERR (new,
 * may be NULL) for the caller's error reply, which the caller writes:
 * its code and the log line differ by protocol. */
ns_status_t ns_answer(ns_searcher_t *s, const ns_request_t *r, char **reply,
                      bool *found, char **err);

#endif
