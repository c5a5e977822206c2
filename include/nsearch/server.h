/* server.h - the query service: a listening Unix stream socket on the
 * libuv loop, newline framing, per-connection limits, and dispatch of each
 * request to the query workers (libuv's thread pool).  Loop thread only. */
#ifndef NS_SERVER_H
#define NS_SERVER_H

#include <uv.h>

#include "nsearch/proto.h"
#include "nsearch/query.h"

typedef struct {
	ns_searcher_t *searcher;   /* borrowed; must outlive the server */
	/* Fill the figures of a status reply (loop thread, must not block). */
	void (*status)(void *ctx, ns_daemon_status_t *out);
	/* The files not indexed as they are on disk (may be NULL). */
	ns_problems_t *problems;
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
	void *ctx;
} ns_server_handlers_t;

typedef struct ns_server ns_server_t;

/* Listen on the Unix socket PATH.  A stale socket file left by a dead
 * daemon is replaced; a live one, or a path that is not a socket, is an
 * error (*ERRMSG, new, to free()). */
ns_status_t ns_server_listen(uv_loop_t *loop, const char *path,
                             const ns_server_handlers_t *h,
                             ns_server_t **out, char **errmsg);

/* The writer committed or passed a barrier: answer the waits that are
 * done (loop thread). */
void ns_server_committed(ns_server_t *s);

/* Stop listening, close every connection and remove the socket file.
 * Searches in flight finish and are freed on the loop; run the loop until
 * it has no more work.  Accepts NULL. */
void ns_server_close(ns_server_t *s);

#endif
