/* access.h - who may do what: the roles a client holds, from how it
 * connected, and the role each request needs.  Roles are bits, so that
 * more (a "publish" role, per-token roles over HTTP) can be added without
 * changing the callers: a request is served when the client's roles
 * include the one it needs.  No state; any thread. */
#ifndef NS_ACCESS_H
#define NS_ACCESS_H

#include <sys/types.h>

#include "core/proto.h"

typedef enum {
	/* Read the index: search, similar, get, stats, status, problems,
	 * wait. */
	NS_ROLE_SEARCH = 1u << 0,
	/* Work on the whole index or copy it: reindex, compact, backup. */
	NS_ROLE_ADMIN = 1u << 1,
	/* Write the articles tree over HTTP: PUT and DELETE /articles/... */
	NS_ROLE_PUBLISH = 1u << 2,
} ns_role_t;

/* The role request OP needs. */
ns_role_t ns_access_needed(ns_op_t op);

/* "search", "admin", "publish"; static. */
const char *ns_role_name(ns_role_t role);

/* The roles of the client connected on the Unix socket FD (accepted): the
 * search role for anyone (the socket's mode and group decide who may
 * connect at all), the admin role too for root and for the daemon's own
 * user, told by the kernel (SO_PEERCRED).  *UID (may be NULL) gets the
 * client's uid, or (uid_t)-1 when the kernel does not say: then the
 * search role only. */
unsigned ns_access_unix(int fd, uid_t *uid);

/* Is GIVEN (LEN bytes) the token WANT?  Takes the same time whatever
 * GIVEN is, so that timing tells nothing about the token. */
bool ns_token_matches(const char *want, const char *given, size_t len);

#endif
