/* server.h - the query service: listening sockets on the libuv loop (a
 * Unix socket, TCP with a token, or sockets passed by systemd), newline
 * framing, per-connection limits, and dispatch of each request to the
 * query workers (libuv's thread pool).  Loop thread only. */
#ifndef NS_SERVER_H
#define NS_SERVER_H

#include <sys/socket.h>
#include <uv.h>

#include "core/proto.h"
#include "core/proto_replica.h"
#include "daemon/index.h"
#include "daemon/query.h"
#include "daemon/querylog.h"

typedef struct {
	ns_searcher_t *searcher;   /* borrowed; must outlive the server */
	/* What people searched for: every search is noted (thread-safe; may
	 * be NULL). */
	ns_querylog_t *querylog;
	/* Fill the figures of a status reply (loop thread, must not block). */
	void (*status)(void *ctx, ns_daemon_status_t *out);
	/* The files not indexed as they are on disk (may be NULL). */
	ns_problems_t *problems;
	/* Is the start-up reconciliation done?  Every search reply says
	 * (loop thread; may be NULL: ready). */
	bool (*ready)(void *ctx);
	/* The last committed index revision (any thread). */
	uint64_t (*revision)(void *ctx);
	/* Begin a wait (loop thread): see that every change made so far to
	 * PATH (to anything, when PATH is NULL) is on its way to the index,
	 * and give the barrier whose passing says it is there.  NS_ERR_INVALID
	 * with WHY when PATH can never be indexed (an ignored name). */
	ns_status_t (*wait_begin)(void *ctx, const char *path, uint64_t *barrier,
	                          char *why, size_t why_size);
	/* Has the writer passed BARRIER? (loop thread) */
	bool (*barrier_passed)(void *ctx, uint64_t barrier);
	/* After the barrier: what PATH is now, "indexed", "partial",
	 * "skipped" or "removed", and why for the middle two (into REASON). */
	const char *(*path_state)(void *ctx, const char *path, char *reason,
	                          size_t size);
	/* Begin the maintenance operation REQ asks for (reindex, compact,
	 * backup; loop thread, and only while the index can be written) and
	 * give the barrier whose passing says it is over.  NS_OK;
	 * NS_ERR_BUSY (another one is queued or running), NS_ERR_INVALID
	 * (the request is wrong), NS_ERR_UNAVAILABLE (nothing to work on
	 * now), with WHY; any other status is the daemon's fault. */
	ns_status_t (*op_begin)(void *ctx, const ns_request_t *req,
	                        uint64_t *barrier, char *why, size_t why_size);
	/* The last maintenance operation finished, into *LAST (loop thread):
	 * the server answers with it once the barrier op_begin gave passed. */
	void (*op_last)(void *ctx, ns_maint_t *last);
	/* False while the index can be written; else true, and why into WHY:
	 * waits and maintenance then fail with INDEX_READ_ONLY (loop thread;
	 * may be NULL). */
	bool (*write_fault)(void *ctx, char *why, size_t why_size);
	/* A search could not read the index (the index may be damaged; loop
	 * thread, may be NULL). */
	void (*index_failed)(void *ctx);
	/* A replica's primary, as its configuration names it: waits,
	 * maintenance and publishing are refused READ_ONLY_REPLICA, naming
	 * it.  NULL but on a replica. */
	const char *primary;
	/* A front over shards: waits, maintenance, publishing and
	 * min_revision are refused READ_ONLY_FRONT. */
	bool front;
	/* The daemon's part in replication: the "replication" object of
	 * status, and on a replica its lag in every search reply (loop
	 * thread; may be NULL: none). */
	void (*replication)(void *ctx, ns_replication_status_t *out);
	/* A request waits for revision REV, which the index has not reached
	 * yet: a replica asks its primary at once (loop thread; may be
	 * NULL). */
	void (*want_revision)(void *ctx, uint64_t rev);
	/* How long such a request waits before it is STALE, in ms. */
	unsigned min_revision_wait_ms;
	void *ctx;
} ns_server_handlers_t;

typedef struct ns_server ns_server_t;

/* The message of READ_ONLY_FRONT for WHAT ("wait", "publishing"), into
 * BUF (SIZE bytes), which it returns; and the one for min_revision. */
const char *ns_front_refusal(const char *what, char *buf, size_t size);
extern const char ns_front_no_revision[];

/* What one client, and all of them, may cost.  Zero fields take the
 * defaults. */
typedef struct {
	unsigned max_connections;  /* open at once, TCP ones once they have
	                              said the token (1024); the next is told
	                              TOO_MANY_CONNECTIONS and closed */
	unsigned max_unauthenticated; /* TCP connections that have not said
	                              the token yet (64), counted apart so
	                              that they never keep anyone else out;
	                              the next is told TOO_MANY_CONNECTIONS */
	unsigned auth_timeout_s;   /* a TCP client says the token within this
	                              (5), or is told AUTH_TIMEOUT and closed */
	size_t max_request;        /* bytes of a request line (NS_PROTO_MAX_LINE);
	                              a longer one is answered LINE_TOO_LONG
	                              and dropped as it arrives */
	size_t max_pending;        /* bytes of replies queued because the
	                              client does not read (4 MiB, beyond the
	                              kernel's socket buffer); a reply over it
	                              is not sent: SLOW_CLIENT, and closed */
	size_t max_pending_total;  /* the same for all clients together
	                              (64 MiB): over it, the clients stalled
	                              longest are told SLOW_CLIENT and closed */
	unsigned idle_timeout_s;   /* no whole request for so long, nothing in
	                              flight: IDLE_TIMEOUT, and closed; a
	                              request line that takes so long to
	                              arrive: REQUEST_TIMEOUT (0: never) */
} ns_server_limits_t;

/* A server with no listener yet.  H and LIM (may be NULL) are copied. */
ns_status_t ns_server_new(uv_loop_t *loop, const ns_server_handlers_t *h,
                          const ns_server_limits_t *lim, ns_server_t **out);

/* Listen on the Unix socket PATH, its file given MODE and GROUP (NULL:
 * the daemon's) before it accepts anyone.  A stale socket file left by a
 * dead daemon is replaced; a live one, or a path that is not a socket, is
 * an error (*ERRMSG, new, to free()).  The file is removed at close. */
ns_status_t ns_server_listen_unix(ns_server_t *s, const char *path,
                                  unsigned mode, const char *group,
                                  char **errmsg);

/* Listen on TCP at ADDR ("127.0.0.1:7700", "[::1]:7700").  A client there
 * must first send {"op":"auth","token":...} with the server's token (see
 * ns_server_set_token); anything else and it is told UNAUTHORIZED and
 * closed. */
ns_status_t ns_server_listen_tcp(ns_server_t *s, const char *addr,
                                 char **errmsg);

/* Listen on FD, a listening stream socket handed over by systemd (socket
 * activation): a Unix socket, or TCP (told apart by its address, and
 * then under the token rule).  The server owns FD from now on and never
 * removes its file.  NAME (SIZE bytes, may be NULL) gets its path or
 * address. */
ns_status_t ns_server_adopt(ns_server_t *s, int fd, char *name, size_t size,
                            char **errmsg);

/* Does S listen on TCP? */
bool ns_server_has_tcp(const ns_server_t *s);

/* New limits, for connections open and to come (a reload). */
void ns_server_set_limits(ns_server_t *s, const ns_server_limits_t *lim);

/* The token TCP clients must send (copied); NULL refuses them all. */
ns_status_t ns_server_set_token(ns_server_t *s, const char *token);

/* A second token (a copy is kept; NULL: none): a TCP client that says it
 * holds the admin role as well (access.h), as root and the daemon's user
 * on the Unix socket do.  Requests a client's roles do not allow are
 * answered FORBIDDEN, and the connection goes on. */
ns_status_t ns_server_set_admin_token(ns_server_t *s, const char *token);

/* Connections open now. */
unsigned ns_server_connections(const ns_server_t *s);

/* The writer committed or passed a barrier: answer the waits that are
 * done (loop thread). */
void ns_server_committed(ns_server_t *s);

/* Stop listening, close every connection and remove the socket files.
 * Searches in flight finish and are freed on the loop; run the loop until
 * it has no more work.  Accepts NULL. */
void ns_server_close(ns_server_t *s);

/* The wire code (NS_E_*) of a request that failed with ST: the one
 * mapping of statuses to codes, for both protocols. */
const char *ns_server_code_of(ns_status_t st);

/* "HOST:PORT" or "[V6]:PORT" (as the configuration normalises them)
 * into *SS, for both listeners.  0, or libuv's negative error. */
int ns_server_parse_addr(const char *addr, struct sockaddr_storage *ss);

#endif
