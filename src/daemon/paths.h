/* paths.h - the "paths" request answered from the index's id terms: the
 * articles one level under a prefix, and each folder there once.  A
 * query worker's, like a search; never the loop's. */
#ifndef NS_PATHS_H
#define NS_PATHS_H

#include "core/proto.h"
#include "daemon/query.h"

/* The reply to REQ (op "paths": REQ->path the prefix, REQ->limit) into
 * *REPLY (new line): a search reply whose hits carry only a path, in
 * byte order, folders ending in "/", total the number of entries (more
 * than the hits when over the limit).  NS_ERR_INDEX with *ERRMSG (new)
 * when the index cannot be read, NS_ERR_NOMEM. */
ns_status_t ns_paths_reply(ns_searcher_t *s, const ns_request_t *req,
                           char **reply, char **errmsg);

#endif
