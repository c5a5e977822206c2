/* conn.h - nsearch-cli's way to a daemon: which sockets to try, in
 * which order, who may listen there, one request and its reply.  Never
 * sends a byte before the peer is known to be trusted. */
#ifndef NSCLI_CONN_H
#define NSCLI_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

/* The system daemon's socket (systemd/nsearchd.socket.in) and the group
 * whose members may use it. */
#define NSCLI_SYSTEM_SOCKET "/run/nsearch/nsearch.sock"
#define NSCLI_DAEMON_GROUP "nsearch"
/* The user the packaged service runs as (systemd/nsearch.sysusers). */
#define NSCLI_DAEMON_USER "nsearch"

enum { NSCLI_MAX_SOCKETS = 2 };

typedef struct {
	char paths[NSCLI_MAX_SOCKETS][4096]; /* to try, in this order */
	size_t n;
	const char *used;        /* the one that answered (in PATHS), or NULL */
	bool no_user_dir;        /* not root, no $XDG_RUNTIME_DIR: a daemon of
	                            the user's own could not be looked for */
} nscli_conn_t;

/* The sockets to try: GIVEN (--socket) alone if not NULL, else
 * $NSEARCH_SOCKET alone if set; else as root the system socket; else the
 * user's own ($XDG_RUNTIME_DIR/nsearch/nsearch.sock, when that is set),
 * then the system one, where members of the group nsearch may ask. */
void nscli_conn_init(nscli_conn_t *c, const char *given);

/* Connect to the first socket of C that answers (and remember it in
 * C->used) and send REQUEST; the socket, or -1 after saying why on
 * stderr: nobody listening (is nsearchd running?), not allowed (which
 * group to join), or an untrusted listener. */
int nscli_connect_send(nscli_conn_t *c, const char *request);

/* One request, one reply line with a 60 s timeout: the line (new,
 * NUL-terminated, *LEN bytes), or NULL after saying why. */
char *nscli_exchange(nscli_conn_t *c, const char *request, size_t *len);

/* One read from FD (the reply from SOCKET) into B: 1 when B now holds a
 * whole line (NUL-terminated at its newline, *LEN bytes), 0 when more is
 * to come, -1 after saying why (closed, timed out, too large). */
int nscli_read_some(int fd, const char *socket, ns_buf_t *b, size_t *len);

#endif
