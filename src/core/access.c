/* access.c - the roles of a client and the role of each request
 * (access.h).  The credentials come from the kernel, never from what the
 * client says. */
#include "core/access.h"

#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

ns_role_t ns_access_needed(ns_op_t op)
{
	switch (op) {
	case NS_OP_REINDEX:
	case NS_OP_COMPACT:
	case NS_OP_BACKUP:
	case NS_OP_QUERIES:      /* what other people searched for */
		return NS_ROLE_ADMIN;
	case NS_OP_SEARCH:
	case NS_OP_STATUS:
	case NS_OP_PROBLEMS:
	case NS_OP_WAIT:
	case NS_OP_GET:
	case NS_OP_SIMILAR:
	case NS_OP_STATS:
	case NS_OP_PATHS:
	case NS_OP_SUGGEST: break;
	}
	return NS_ROLE_SEARCH;
}

const char *ns_role_name(ns_role_t role)
{
	switch (role) {
	case NS_ROLE_ADMIN: return "admin";
	case NS_ROLE_PUBLISH: return "publish";
	case NS_ROLE_SEARCH: break;
	}
	return "search";
}

unsigned ns_access_unix(int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    len != sizeof cred) {
		if (uid)
			*uid = (uid_t)-1;
		return NS_ROLE_SEARCH;
	}
	if (uid)
		*uid = cred.uid;
	/* As the daemon's own user a client could open the index anyway. */
	bool admin = cred.uid == 0 || cred.uid == geteuid();
	return NS_ROLE_SEARCH | (admin ? NS_ROLE_ADMIN : 0u);
}

bool ns_token_matches(const char *want, const char *given, size_t len)
{
	size_t want_len = strlen(want);
	volatile unsigned char diff = len != want_len;
	for (size_t i = 0; i < want_len; i++)
		diff |= (unsigned char)want[i] ^
		        (unsigned char)(i < len ? given[i] : 0);
	return diff == 0;
}
