/* proto_paths.h - the "paths" request: what the index holds one level
 * under a path prefix (the articles there, and each folder once), for
 * completing a path on a command line.  Its reply is a search reply
 * whose hits carry only a path (ns_proto_search_reply with
 * NS_FIELD_PATH; ns_proto_parse_reply reads it). */
#ifndef NS_PROTO_PATHS_H
#define NS_PROTO_PATHS_H

#include <jansson.h>
#include <stdbool.h>

#include "core/proto.h"

#define NS_PROTO_DEFAULT_PATHS 100  /* entries per reply */
#define NS_PROTO_MAX_PATHS 1000
#define NS_PROTO_MAX_PREFIX 4096    /* bytes */

/* {"op":"paths","prefix":P,"limit":N} (O, its "op" already read) into
 * REQ: REQ->path the prefix (new; "" for the whole tree), REQ->limit.
 * False with *ERR (BAD_REQUEST) for an unknown field, a prefix that is
 * not a relative path's beginning, or a limit out of range. */
bool ns_proto_decode_paths(json_t *o, ns_request_t *req, ns_proto_err_t *err);

/* The request line (new, ending in "\n"; NULL when out of memory).
 * PREFIX may be NULL (the whole tree); LIMIT 0: the default. */
char *ns_proto_paths_request(long long id, const char *prefix,
                             unsigned limit);

#endif
