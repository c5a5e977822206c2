/* http_route.c - one HTTP request: who sends it (a bearer token, or the
 * Unix socket's credentials), which endpoint it names, the request object
 * proto_request.c decodes from it, and the reply with its status and CORS
 * headers.  What needs a worker or the writer goes to http_jobs.c.  Loop
 * thread only. */
#include "daemon/http_impl.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "core/access.h"
#include "core/log.h"
#include "daemon/metrics.h"
#include "daemon/watch.h"

#define LOG_MOD "http"

unsigned long long ns_http_now_us(void)
{
	return ns_monotonic_us();
}

static const char *reason_of(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return status < 500 ? "Client Error" : "Server Error";
	}
}

/* ---- headers ---- */

/* The value of header TOKEN, or NULL (LEN its length). */
static const char *header(h2o_req_t *req, const h2o_token_t *token,
                          size_t *len)
{
	ssize_t i = h2o_find_header(&req->headers, token, -1);
	if (i < 0)
		return NULL;
	*len = req->headers.entries[i].value.len;
	return req->headers.entries[i].value.base;
}

static void add_header(h2o_req_t *req, const h2o_token_t *token,
                       const char *value, size_t len)
{
	h2o_add_header(&req->pool, &req->res.headers, token, NULL,
	               h2o_strdup(&req->pool, value, len).base, len);
}

static void add_named(h2o_req_t *req, const char *name, const char *value)
{
	h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name),
	                      0, NULL, value, strlen(value));
}

/* The request's Origin when CORS allows it, else NULL (*LEN). */
static const char *allowed_origin(ns_http_t *s, h2o_req_t *req, size_t *len)
{
	/* Not a token in H2O 2.2: found by name. */
	ssize_t at = h2o_find_header_by_str(&req->headers, H2O_STRLIT("origin"),
	                                    -1);
	if (at < 0)
		return NULL;
	const char *o = req->headers.entries[at].value.base;
	*len = req->headers.entries[at].value.len;
	for (size_t i = 0; i < s->cors.n; i++)
		if (strcmp(s->cors.v[i], "*") == 0 ||
		    (strlen(s->cors.v[i]) == *len &&
		     memcmp(s->cors.v[i], o, *len) == 0))
			return o;
	return NULL;
}

static void add_cors(ns_http_t *s, h2o_req_t *req)
{
	size_t len;
	const char *o = allowed_origin(s, req, &len);
	if (!o)
		return;
	add_header(req, H2O_TOKEN_ACCESS_CONTROL_ALLOW_ORIGIN, o, len);
	add_named(req, "access-control-expose-headers", "ETag");
	add_header(req, H2O_TOKEN_VARY, H2O_STRLIT("Origin"));
}

void ns_http_send(ns_http_t *s, h2o_req_t *req, int status,
                  const char *ctype, const char *body, size_t len,
                  const char *etag)
{
	req->res.status = status;
	req->res.reason = reason_of(status);
	add_header(req, H2O_TOKEN_CONTENT_TYPE, ctype, strlen(ctype));
	add_header(req, H2O_TOKEN_CACHE_CONTROL, H2O_STRLIT("no-store"));
	if (etag && *etag)
		add_header(req, H2O_TOKEN_ETAG, etag, strlen(etag));
	if (status == 401)
		add_header(req, H2O_TOKEN_WWW_AUTHENTICATE,
		           H2O_STRLIT("Bearer realm=\"nsearch\""));
	add_cors(s, req);
	/* Without it H2O would end the body by closing: no keep-alive. */
	req->res.content_length = len;
	h2o_send_inline(req, body, len);
}

uint64_t ns_http_revision(ns_http_t *s)
{
	return s->o.h.revision ? s->o.h.revision(s->o.h.ctx) : 0;
}

void ns_http_send_line(ns_http_t *s, h2o_req_t *req, enum route route,
                       char *line, const char *code, const char *etag)
{
	if (!line) {
		static const char oom[] = "{\"id\":null,\"ok\":false,\"error\":{"
			"\"code\":\"INTERNAL\",\"message\":\"out of memory\"}}\n";
		ns_metrics_error(NS_PROTO_HTTP, NS_E_INTERNAL);
		ns_http_send(s, req, 500, "application/json", oom, sizeof oom - 1,
		             NULL);
		return;
	}
	int status = code ? ns_http_status_of(code) : 200;
	if (code)
		ns_metrics_error(NS_PROTO_HTTP, code);
	if (!code && (route == R_SEARCH || route == R_SIMILAR)) {
		/* Every search says whether the start-up reconciliation is done
		 * (until it is, articles may be missing from the results) and,
		 * on a replica, how far behind its primary it may be. */
		ns_replication_status_t rep = {0};
		if (s->o.h.replication)
			s->o.h.replication(s->o.h.ctx, &rep);
		line = ns_proto_search_meta(line, s->o.ready &&
		                            s->o.ready(s->o.h.ctx), &rep);
	}
	ns_http_send(s, req, status, "application/json", line, strlen(line),
	             etag);
	free(line);
}

void ns_http_send_error(ns_http_t *s, h2o_req_t *req, const char *code,
                        const char *message)
{
	ns_http_send_line(
	        s, req, R_NONE,
	        ns_proto_error_reply(NULL, ns_http_revision(s), code, message),
	        code, NULL);
}

/* ---- who is asking ---- */

/* The roles of REQ's sender, or 0 with *WHY (static) when a token it
 * gave is refused.  *GIVEN: it sent credentials. */
static unsigned roles_of(ns_http_t *s, h2o_req_t *req, const char **why,
                         bool *given)
{
	h2o_socket_t *sock = req->conn->callbacks->get_socket
	                     ? req->conn->callbacks->get_socket(req->conn) : NULL;
	int fd = sock ? h2o_socket_get_fd(sock) : -1;
	struct sockaddr_storage ss = {0};
	socklen_t sl = sizeof ss;
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		ss.ss_family = AF_UNSPEC;
	bool unix_socket = ss.ss_family == AF_UNIX;
	sl = sizeof ss;
	bool local = unix_socket ||
	             (fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	              ns_http_loopback(&ss));
	size_t len;
	const char *auth = header(req, H2O_TOKEN_AUTHORIZATION, &len);
	*why = NULL;
	*given = auth != NULL;
	if (!auth && unix_socket) {
		/* Root and the daemon's user could write the tree themselves. */
		unsigned r = ns_access_unix(fd, NULL);
		return r & NS_ROLE_ADMIN ? r | NS_ROLE_PUBLISH : r;
	}
	if (!auth)
		return s->token[0] ? 0u : NS_ROLE_SEARCH;
	if (len < 7 || strncasecmp(auth, "Bearer ", 7) != 0) {
		*why = "Authorization must be \"Bearer TOKEN\"";
		return 0;
	}
	if (!local && !(sock && sock->ssl)) {
		*why = "a token is accepted only over TLS or from this machine "
		       "(loopback, the Unix socket): it was sent in clear; change it";
		return 0;
	}
	auth += 7;
	len -= 7;
	if (s->token[2] && ns_token_matches(s->token[2], auth, len))
		return NS_ROLE_SEARCH | NS_ROLE_ADMIN;
	if (s->token[1] && ns_token_matches(s->token[1], auth, len))
		return NS_ROLE_SEARCH | NS_ROLE_PUBLISH;
	if (s->token[0] && ns_token_matches(s->token[0], auth, len))
		return NS_ROLE_SEARCH;
	*why = "wrong token";
	return 0;
}

/* ---- routes ---- */

static bool is(h2o_iovec_t m, const char *name)
{
	return m.len == strlen(name) && memcmp(m.base, name, m.len) == 0;
}

/* The route of PATH (decoded) and method M; *ARTICLE the article's path
 * inside PATH; *ALLOW the methods the path takes (for 405). */
static enum route route_of(const char *path, h2o_iovec_t m,
                           const char **article, const char **allow)
{
	static const struct {
		const char *path, *allow;
		enum route get, post;
	} fixed[] = {
		{ "/", "GET", R_PAGE, R_NONE },
		{ "/search", "GET, POST", R_SEARCH, R_SEARCH },
		{ "/suggest", "GET", R_SUGGEST, R_NONE },
		{ "/stats", "GET", R_STATS, R_NONE },
		{ "/queries", "GET", R_QUERIES, R_NONE },
		{ "/status", "GET", R_STATUS, R_NONE },
		{ "/health", "GET", R_HEALTH, R_NONE },
		{ "/metrics", "GET", R_METRICS, R_NONE },
		{ "/reindex", "POST", R_NONE, R_MAINT },
		{ "/compact", "POST", R_NONE, R_MAINT },
		{ "/backup", "POST", R_NONE, R_MAINT },
	};
	bool get = is(m, "GET") || is(m, "HEAD");
	*article = NULL;
	*allow = NULL;
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (strcmp(path, fixed[i].path) == 0) {
			*allow = fixed[i].allow;
			return get ? fixed[i].get : is(m, "POST") ? fixed[i].post
			                                         : R_NONE;
		}
	if (strncmp(path, "/articles/", 10) != 0)
		return R_NONE;
	*article = path + 10;
	size_t n = strlen(*article);
	if (n > 8 && strcmp(*article + n - 8, "/similar") == 0) {
		*allow = "GET";
		return get ? R_SIMILAR : R_NONE;
	}
	*allow = "GET, PUT, DELETE";
	return get ? R_GET : is(m, "PUT") ? R_PUT : is(m, "DELETE") ? R_DELETE
	                                                           : R_NONE;
}

static unsigned role_needed(enum route r)
{
	switch (r) {
	case R_PUT: case R_DELETE: return NS_ROLE_PUBLISH;
	case R_MAINT: case R_QUERIES: return NS_ROLE_ADMIN;
	case R_HEALTH: case R_PAGE: case R_NONE: return 0;
	default: return NS_ROLE_SEARCH;
	}
}

/* OPTIONS: a browser asks whether a page of another origin may call. */
static void preflight(ns_http_t *s, h2o_req_t *req)
{
	size_t len;
	if (!allowed_origin(s, req, &len)) {
		ns_http_send_error(s, req, NS_E_FORBIDDEN, "this origin is not "
		                   "allowed ([http] cors_origin)");
		return;
	}
	add_named(req, "access-control-allow-methods",
	          "GET, POST, PUT, DELETE, OPTIONS");
	add_named(req, "access-control-allow-headers",
	          "Authorization, Content-Type, If-Match, If-None-Match");
	add_named(req, "access-control-max-age", "600");
	ns_http_send(s, req, 204, "text/plain", "", 0, NULL);
}

/* Decode the request object O (a reference this takes) as the NDJSON
 * server would, into J; false after replying with the error. */
bool ns_http_decode(ns_http_t *s, h2o_req_t *req, json_t *o, ns_request_t *r)
{
	char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!line) {
		ns_http_send_error(s, req, NS_E_INTERNAL, "out of memory");
		return false;
	}
	ns_proto_err_t err;
	bool ok = ns_proto_decode(line, strlen(line), r, &err);
	free(line);
	if (!ok) {
		ns_http_send_line(s, req, R_NONE,
		                  ns_proto_error_reply(r->id,
		                                       ns_http_revision(s),
		                                       err.code, err.message),
		                  err.code, NULL);
		ns_request_clear(r);
	}
	return ok;
}

/* A JSON body as the request object of OP ("search", "backup"): the
 * NDJSON request line without its "op", or with the same one. */
static json_t *body_request(ns_http_t *s, h2o_req_t *req, const char *op)
{
	if (req->entity.len > s->o.max_request) {
		char msg[128];
		snprintf(msg, sizeof msg, "request body longer than %zu bytes "
		         "([limits] max_request_size)", s->o.max_request);
		ns_http_send_error(s, req, NS_E_LINE_TOO_LONG, msg);
		return NULL;
	}
	json_error_t jerr;
	json_t *o = req->entity.len
	            ? json_loadb(req->entity.base, req->entity.len, 0, &jerr)
	            : json_object();
	if (!json_is_object(o)) {
		json_decref(o);
		ns_http_send_error(s, req, NS_E_BAD_JSON, "the body is not a JSON "
		                   "object");
		return NULL;
	}
	const char *given = json_string_value(json_object_get(o, "op"));
	if (json_object_get(o, "op") && (!given || strcmp(given, op) != 0)) {
		json_decref(o);
		ns_http_send_error(s, req, NS_E_BAD_REQUEST, "\"op\" in the body "
		                   "differs from the endpoint's");
		return NULL;
	}
	json_object_set_new(o, "op", json_string(op));
	return o;
}

static void query_route(ns_http_t *s, h2o_req_t *req, enum route route,
                        const char *article, const char *qs, size_t qlen)
{
	static const char *const ops[] = { [R_SEARCH] = "search",
		                           [R_GET] = "get",
		                           [R_SIMILAR] = "similar",
		                           [R_STATS] = "stats",
		                           [R_SUGGEST] = "suggest" };
	const char *why = NULL;
	json_t *o;
	if (route == R_SEARCH && is(req->method, "POST"))
		o = body_request(s, req, "search");
	else if (!(o = ns_http_query_to_json(qs, qlen, ops[route], &why)))
		ns_http_send_error(s, req, NS_E_BAD_REQUEST, why);
	if (!o)
		return;
	if (article) {
		char *p = strndup(article, route == R_SIMILAR ? strlen(article) - 8
		                                             : strlen(article));
		json_object_set_new(o, "path", json_string(p ? p : ""));
		free(p);
	}
	struct job *j = ns_http_job_new(s, req, route);
	if (!j) {
		json_decref(o);
		ns_http_send_error(s, req, NS_E_INTERNAL, "out of memory");
	} else if (ns_http_decode(s, req, o, &j->r)) {
		ns_http_run_query(j);
	} else {
		ns_http_job_free(j);
	}
}

/* "If-Match: "abc"" into OUT; false when it is not one quoted tag. */
static bool etag_header(h2o_req_t *req, const h2o_token_t *t, char *out,
                        size_t size, bool *star)
{
	size_t len;
	const char *v = header(req, t, &len);
	out[0] = '\0';
	*star = false;
	if (!v)
		return true;
	if (len == 1 && v[0] == '*') {
		*star = true;
		return true;
	}
	if (len < 2 || len >= size || v[0] != '"' || v[len - 1] != '"')
		return false;
	memcpy(out, v, len);
	out[len] = '\0';
	return true;
}

static void publish_route(ns_http_t *s, h2o_req_t *req, enum route route,
                          const char *article)
{
	const char *bad = ns_http_bad_path(article);
	if (!bad && ns_path_skipped(&s->ignore, article))
		bad = "the name is one the watcher ignores (hidden, temporary, "
		      "backup or [articles] ignore): it would never be indexed";
	if (bad) {
		ns_http_send_error(s, req, NS_E_BAD_PATH, bad);
		return;
	}
	if (route == R_PUT && req->entity.len > s->o.max_file) {
		char msg[128];
		snprintf(msg, sizeof msg, "the article is over %zu bytes "
		         "([articles] max_file_size)", s->o.max_file);
		ns_http_send_error(s, req, NS_E_TOO_LARGE, msg);
		return;
	}
	struct job *j = ns_http_job_new(s, req, route);
	bool star = false, none_star = false;
	char none[24];
	if (j && (!etag_header(req, H2O_TOKEN_IF_MATCH, j->if_match,
	                       sizeof j->if_match, &star) ||
	          !etag_header(req, H2O_TOKEN_IF_NONE_MATCH, none, sizeof none,
	                       &none_star) || none[0])) {
		ns_http_job_free(j);
		ns_http_send_error(s, req, NS_E_BAD_REQUEST, "If-Match takes one "
		                   "quoted ETag or *, If-None-Match only *");
		return;
	}
	if (j) {
		j->if_none_match = none_star;
		if (star)
			snprintf(j->if_match, sizeof j->if_match, "*");
		j->r.path = strdup(article);
		if (route == R_PUT && req->entity.len) {
			j->body = malloc(req->entity.len);
			if (j->body)
				memcpy(j->body, req->entity.base, req->entity.len);
			j->body_len = req->entity.len;
		}
	}
	if (!j || !j->r.path || (route == R_PUT && req->entity.len && !j->body)) {
		ns_http_job_free(j);
		ns_http_send_error(s, req, NS_E_INTERNAL, "out of memory");
		return;
	}
	ns_http_run_publish(j);
}

static void maint_route(ns_http_t *s, h2o_req_t *req, const char *path)
{
	json_t *o = body_request(s, req, path + 1);
	if (!o)
		return;
	struct job *j = ns_http_job_new(s, req, R_MAINT);
	if (!j) {
		json_decref(o);
		ns_http_send_error(s, req, NS_E_INTERNAL, "out of memory");
	} else if (ns_http_decode(s, req, o, &j->r)) {
		ns_http_run_maint(j);
	} else {
		ns_http_job_free(j);
	}
}

/* ---- replicas ---- */

/* A write sent to a replica: it goes to the primary. */
static void refuse_write(ns_http_t *s, h2o_req_t *req)
{
	char msg[400];
	if (s->o.h.front) {
		ns_http_send_error(
		        s, req, NS_E_READ_ONLY_FRONT,
		        ns_front_refusal("publishing and maintenance", msg,
		                         sizeof msg));
		return;
	}
	snprintf(msg, sizeof msg, "this daemon is a read-only replica of the "
	         "primary whose replication service is at %s: publish and "
	         "maintain there", s->o.h.primary);
	ns_http_send_error(s, req, NS_E_READ_ONLY_REPLICA, msg);
}

/* ---- the entry ---- */

static void dispatch(ns_http_t *s, h2o_req_t *req, enum route route,
                     const char *path, const char *article, const char *qs,
                     size_t qlen)
{
	switch (route) {
	case R_SEARCH:
	case R_GET:
	case R_SIMILAR:
	case R_STATS:
	case R_SUGGEST: query_route(s, req, route, article, qs, qlen); break;
	case R_PUT: case R_DELETE:
		if (s->o.h.primary || s->o.h.front)
			refuse_write(s, req);
		else
			publish_route(s, req, route, article);
		break;
	case R_MAINT:
		if (s->o.h.primary || s->o.h.front)
			refuse_write(s, req);
		else
			maint_route(s, req, path);
		break;
	case R_STATUS: ns_http_status_route(s, req); break;
	case R_QUERIES: ns_http_queries_route(s, req, qs, qlen); break;
	case R_HEALTH: ns_http_health_route(s, req); break;
	case R_METRICS: ns_http_metrics_route(s, req); break;
	case R_PAGE:
		ns_http_send(s, req, 200, "text/html; charset=utf-8",
		             ns_http_page, strlen(ns_http_page), NULL);
		break;
	case R_NONE:
		break;
	}
}

int ns_http_on_req(h2o_handler_t *self, h2o_req_t *req)
{
	ns_http_t *s = ((struct hhandler *)self)->srv;
	const char *q = memchr(req->path.base, '?', req->path.len);
	size_t plen = q ? (size_t)(q - req->path.base) : req->path.len;
	const char *qs = q ? q + 1 : "";
	size_t qlen = q ? req->path.len - plen - 1 : 0;
	char *path = ns_http_unescape(req->path.base, plen, false);
	if (!path) {
		ns_http_send_error(s, req, NS_E_BAD_PATH, "the path has a bad "
		                   "%-escape");
		return 0;
	}
	if (is(req->method, "OPTIONS")) {
		preflight(s, req);
		free(path);
		return 0;
	}
	const char *article, *allow;
	enum route route = route_of(path, req->method, &article, &allow);
	const char *why;
	bool given;
	unsigned roles = route == R_NONE ? 0 : roles_of(s, req, &why, &given);
	unsigned need = role_needed(route);
	if (route == R_NONE && allow) {
		add_named(req, "allow", allow);
		ns_http_send_error(s, req, NS_E_METHOD_NOT_ALLOWED, "this endpoint "
		                   "does not take that method");
	} else if (route == R_NONE) {
		ns_http_send_error(s, req, NS_E_NOT_FOUND, "no such endpoint "
		                   "(docs/http.md)");
	} else if (need && given && !roles && why) {
		ns_log(NS_LOG_NOTICE, LOG_MOD, "refused %.*s %s: %s",
		       (int)req->method.len, req->method.base, path, why);
		ns_http_send_error(s, req, NS_E_UNAUTHORIZED, why);
	} else if (need && !(roles & need)) {
		char msg[200];
		snprintf(msg, sizeof msg, "this needs the %s role: %s",
		         ns_role_name((ns_role_t)need),
		         given ? "the token given lacks it"
		               : "send Authorization: Bearer TOKEN");
		ns_http_send_error(s, req, given ? NS_E_FORBIDDEN
		                                 : NS_E_UNAUTHORIZED, msg);
	} else {
		dispatch(s, req, route, path, article, qs, qlen);
	}
	free(path);
	return 0;
}
