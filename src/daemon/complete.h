/* complete.h - the "suggest" request answered (core/proto_suggest.h): the
 * shim's completions of what has been typed, as the protocol's, titles
 * and paths read from the matches' stored data.  A query worker's, like
 * a search; never the loop's. */
#ifndef NS_COMPLETE_H
#define NS_COMPLETE_H

#include "core/proto_suggest.h"
#include "nsx.h"

/* What has been typed, Q, completed on R (borrowed, at its revision):
 * LIMIT words and LIMIT titles, Q's words stemmed for LANG, within
 * DEADLINE (seconds on CLOCK_MONOTONIC, 0: none).  *OUT filled
 * (ns_completions_clear() it on success).  The shim's status: NSX_OK,
 * NSX_TOO_COMPLEX, NSX_TIMEOUT, NSX_NO_MEMORY, and Xapian's. */
nsx_status_t ns_complete(nsx_reader_t *r, const char *q, const char *lang,
                         unsigned limit, double deadline,
                         ns_completions_t *out);

#endif
