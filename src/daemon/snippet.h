/* snippet.h - a hit's snippet: the passage of the article around the
 * query's words, as Xapian picks it, or the article's beginning when
 * none of them is in it; one line, HTML-escaped or plain text.  Query
 * worker threads; pure but for the shim's call. */
#ifndef NS_SNIPPET_H
#define NS_SNIPPET_H

#include "core/util.h"
#include "nsearch/request.h"
#include "nsx.h"

/* Hit I of RES's snippet from TEXT (LEN bytes: what the article says,
 * its standfirst and body), about REQ's snippet_length long (0: 200),
 * the query's words between REQ's markers (NULL: <b> and </b>), plain
 * text if REQ says.  *OUT is new (free()).  NS_ERR_NOMEM, NS_ERR_INDEX. */
ns_status_t ns_snippet_cut(const nsx_results_t *res, size_t i,
                           const char *text, size_t len,
                           const ns_search_req_t *req, char **out);

#endif
