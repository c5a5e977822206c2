/* stats.h - what the index holds, counted ("stats"): the searcher's
 * ns_searcher_stats() is this on its pool.  Query worker threads. */
#ifndef NS_STATS_H
#define NS_STATS_H

#include "daemon/readers.h"
#include "nsearch/result.h"

/* The counts of the index at INDEX_DIR, read through a reader of P, into
 * *OUT (ns_stats_clear).  As ns_readers_borrow() and ns_readers_failed()
 * for the errors. */
ns_status_t ns_stats_read(ns_readers_t *p, const char *index_dir,
                          ns_stats_t *out, char **errmsg);

#endif
