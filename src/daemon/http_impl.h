/* http_impl.h - what the HTTP front door's files share (http.c: sockets
 * and connections; http_route.c: a request's roles, route and reply;
 * http_jobs.c: work on the thread pool and waits for the writer).  Not
 * a public header. */
#ifndef NS_HTTP_IMPL_H
#define NS_HTTP_IMPL_H

#include <h2o.h>
#include <h2o/socket/uv-binding.h>
#include <pthread.h>

#include "core/proto.h"
#include "daemon/http.h"

/* A connection: the libuv handle first (H2O gives it back to us). */
struct hconn {
	union {
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} io;
	ns_http_t *srv;
	struct hconn *prev, *next;
	h2o_socket_t *sock;        /* NULL until handed to H2O */
	bool unix_socket;
};

struct hlistener {
	union {
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} io;
	ns_http_t *srv;
	struct hlistener *next;
	bool tcp;
	char name[128];
};

/* The one handler: it knows its server. */
struct hhandler {
	h2o_handler_t super;
	ns_http_t *srv;
};

enum route {
	R_NONE,
	R_PAGE,
	R_SEARCH,
	R_GET,
	R_SIMILAR,
	R_PUT,
	R_DELETE,
	R_STATS,
	R_STATUS,
	R_HEALTH,
	R_METRICS,
	R_MAINT,
	R_QUERIES,
	R_SUGGEST,
};

/* A request that waits for a worker or for the writer. */
struct job {
	uv_work_t work;
	ns_http_t *srv;
	h2o_req_t *req;            /* NULL once H2O disposed of it */
	struct job **guard;        /* in REQ's pool: tells us when it goes */
	struct job *next;          /* in the list of waits */
	enum route route;
	ns_request_t r;            /* decoded, as the NDJSON server has it */
	unsigned long long start_us;
	/* the outcome, made on the worker */
	char *reply;
	const char *code;          /* NULL: it worked */
	char etag[24];             /* "" or the quoted hash of the file */
	/* publishing */
	char *body;                /* the article's bytes (PUT) */
	size_t body_len;
	char if_match[24];         /* "" or the quoted hash it must have */
	bool if_none_match;        /* If-None-Match: * */
	bool created;
	uint64_t barrier;
	unsigned long long deadline_ms;
	char state[16];
	char reason[256];
	int status;                /* 0: from the code */
};

/* http_page.c: the search page GET / serves. */
extern const char ns_http_page[];

struct ns_http {
	uv_loop_t *loop;
	ns_http_opts_t o;
	ns_strv_t ignore;           /* copy of o.ignore */
	char *default_language;
	h2o_globalconf_t conf;
	h2o_context_t ctx;
	h2o_accept_ctx_t plain, tls;
	SSL_CTX *ssl;
	struct hlistener *listeners;
	struct hconn *conns;
	unsigned nconns;
	unsigned handles;           /* listeners and timers not closed yet */
	unsigned jobs;              /* jobs not freed yet */
	char *token[3];             /* search, publish, admin */
	ns_strv_t cors;
	struct job *waits;
	uv_timer_t wait_timer;
	pthread_mutex_t publish_mu; /* one write to the tree at a time */
	uint64_t published, unpublished;
	bool closing, ctx_disposed;
};

/* http.c */
void ns_http_maybe_free(ns_http_t *s);

/* http_route.c */
int ns_http_on_req(h2o_handler_t *self, h2o_req_t *req);
/* Send STATUS with BODY (LEN bytes, copied) as JSON, the CORS headers
 * added. */
void ns_http_send(ns_http_t *s, h2o_req_t *req, int status,
                  const char *ctype, const char *body, size_t len,
                  const char *etag);
void ns_http_send_error(ns_http_t *s, h2o_req_t *req, const char *code,
                        const char *message);
/* Send a reply LINE made by proto_reply.c (freed here), its status from its
 * error code; "ready" added to search replies. */
void ns_http_send_line(ns_http_t *s, h2o_req_t *req, enum route route,
                       char *line, const char *code, const char *etag);
unsigned long long ns_http_now_us(void);
/* Decode the request object O (a reference this takes) as the NDJSON
 * server would, into *R; false after replying with the error. */
bool ns_http_decode(ns_http_t *s, h2o_req_t *req, json_t *o, ns_request_t *r);
/* The index's revision as the daemon reports it. */
uint64_t ns_http_revision(ns_http_t *s);

/* http_state.c: the routes answered from the daemon's state. */
void ns_http_status_route(ns_http_t *s, h2o_req_t *req);
void ns_http_queries_route(ns_http_t *s, h2o_req_t *req, const char *qs,
                           size_t qlen);
void ns_http_health_route(ns_http_t *s, h2o_req_t *req);
void ns_http_metrics_route(ns_http_t *s, h2o_req_t *req);

/* http_jobs.c */
/* J (which this takes) on the thread pool, then its reply. */
void ns_http_run_query(struct job *j);
void ns_http_run_publish(struct job *j);
void ns_http_run_maint(struct job *j);
struct job *ns_http_job_new(ns_http_t *s, h2o_req_t *req, enum route r);
void ns_http_job_free(struct job *j);
void ns_http_check_waits(ns_http_t *s, bool deadlines);

#endif
