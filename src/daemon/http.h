/* http.h - the HTTP/1.1 front door (H2O on the daemon's libuv loop): the
 * NDJSON protocol's requests as REST endpoints (docs/http.md), with the
 * same fields, limits and error codes, decoded by proto_request.c; roles
 * from bearer tokens or Unix credentials; CORS; publishing (PUT and
 * DELETE of articles); /health and /metrics.  Loop thread only, like server.h. */
#ifndef NS_HTTP_H
#define NS_HTTP_H

#include <sys/socket.h>
#include <uv.h>

#include "core/util.h"
#include "daemon/index.h"
#include "daemon/server.h"

/* Error codes HTTP adds to the protocol's (docs/http.md). */
#define NS_E_TOO_LARGE          "TOO_LARGE"           /* a body over its limit */
#define NS_E_PRECONDITION_FAILED "PRECONDITION_FAILED" /* If-Match */
#define NS_E_CONFLICT           "CONFLICT"            /* a directory there */
#define NS_E_METHOD_NOT_ALLOWED "METHOD_NOT_ALLOWED"
#define NS_E_BAD_PATH           "BAD_PATH"            /* traversal, links */

typedef struct ns_http ns_http_t;

typedef struct {
	ns_server_handlers_t h;    /* the daemon's, as the NDJSON server has */
	bool (*ready)(void *ctx);  /* the start-up reconciliation is done */
	unsigned (*ndjson_connections)(void *ctx); /* may be NULL */
	ns_indexer_t *ix;          /* borrowed: figures for /metrics */
	int rootfd;                /* the articles root (ns_root_open) */
	const char *index_dir;
	const ns_strv_t *ignore;   /* the [articles] ignore globs (borrowed) */
	const char *default_language;
	size_t max_request;        /* bytes of a search body */
	size_t max_file;           /* bytes of a published article */
	unsigned max_connections;
	unsigned request_timeout_s; /* whole request within; idle keep-alive */
} ns_http_opts_t;

/* A server with no listener.  OPTS is copied (its pointers borrowed). */
ns_status_t ns_http_new(uv_loop_t *loop, const ns_http_opts_t *opts,
                        ns_http_t **out, char **errmsg);

/* Listen on TCP at ADDR ("127.0.0.1:8080", "[::1]:8080", port 0 for any),
 * with TLS when a certificate is set (ns_http_set_tls).  *ERRMSG new. */
ns_status_t ns_http_listen_tcp(ns_http_t *s, const char *addr,
                               char **errmsg);
/* The port bound by the first TCP listener (0: none). */
unsigned ns_http_port(const ns_http_t *s);
/* Listen on the Unix socket PATH (MODE); a stale file is replaced. */
ns_status_t ns_http_listen_unix(ns_http_t *s, const char *path,
                                unsigned mode, char **errmsg);
/* Listen on FD, a listening socket systemd passed (FileDescriptorName=
 * http); the server owns it.  NAME gets its address or path. */
ns_status_t ns_http_adopt(ns_http_t *s, int fd, char *name, size_t size,
                          char **errmsg);

/* The tokens of each role (copied; NULL: none).  Without a search token
 * anyone who can connect may search. */
ns_status_t ns_http_set_tokens(ns_http_t *s, const char *search,
                               const char *publish, const char *admin);
/* Origins a browser page may call from ("https://cms.example.org", or
 * "*"); copied.  NULL or empty: no CORS headers. */
ns_status_t ns_http_set_cors(ns_http_t *s, const ns_strv_t *origins);
/* TLS for the TCP listeners from now on (a reload takes a new pair for
 * new connections).  CERT and KEY are PEM files; NULL, NULL: none. */
ns_status_t ns_http_set_tls(ns_http_t *s, const char *cert, const char *key,
                            char **errmsg);
bool ns_http_has_tls(const ns_http_t *s);
/* New limits from a reload: connections open at once (from the next
 * one on) and the bytes of a search body.  0 keeps the one in force. */
void ns_http_set_limits(ns_http_t *s, unsigned max_connections,
                        size_t max_request);

unsigned ns_http_connections(const ns_http_t *s);

/* The writer committed or passed a barrier: answer what waited for it. */
void ns_http_committed(ns_http_t *s);

/* Stop listening and end the connections (a request in hand is answered
 * first).  Run the loop until it is empty, then ns_http_free().  Accepts
 * NULL. */
void ns_http_close(ns_http_t *s);
/* After ns_http_close() and the loop's end.  Accepts NULL. */
void ns_http_free(ns_http_t *s);

/* ---- pure helpers, exposed for the unit tests ---- */

/* The HTTP status of an error CODE (400 when unknown). */
int ns_http_status_of(const char *code);
/* Is the decoded relative PATH one a client may publish to?  NULL, or
 * why not (static). */
const char *ns_http_bad_path(const char *path);
/* Decode %XX and '+' (when PLUS) of LEN bytes into a new string; NULL on
 * a bad escape or an embedded NUL. */
char *ns_http_unescape(const char *s, size_t len, bool plus);
/* Is SS (a peer's address) in 127.0.0.0/8 or ::1 (or v4-mapped
 * 127/8)?  Only there is a token taken without TLS. */
bool ns_http_loopback(const struct sockaddr_storage *ss);
/* A search request object from a query string ("q=x&limit=5&tag=a&tag=b")
 * for OP, as the NDJSON request would be; *WHY (static) on failure. */
json_t *ns_http_query_to_json(const char *qs, size_t len, const char *op,
                              const char **why);

#endif
