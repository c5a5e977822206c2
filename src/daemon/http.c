/* http.c - the HTTP front door's sockets: listeners (TCP, Unix, passed by
 * systemd), connections handed to H2O on the daemon's own libuv loop,
 * the connection limit, tokens, CORS origins and TLS, and an orderly
 * close.  Routes and replies are http_route.c's, work on the thread
 * pool http_jobs.c's.  Loop thread only. */
#include "daemon/http_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/log.h"
#include "daemon/metrics.h"

#define LOG_MOD "http"

static char *errorf(const char *a, const char *b)
{
	char *p = NULL;
	if (asprintf(&p, "%s: %s", a, b) < 0)
		return NULL;
	return p;
}

/* ---- lifetime ---- */

void ns_http_maybe_free(ns_http_t *s)
{
	if (!s->closing || s->handles || s->nconns || s->jobs)
		return;
	if (!s->ctx_disposed) {
		/* H2O's timers close on the loop; we are called again after. */
		s->ctx_disposed = true;
		h2o_context_dispose(&s->ctx);
		h2o_config_dispose(&s->conf);
	}
}

void ns_http_free(ns_http_t *s)
{
	if (!s)
		return;
	for (int i = 0; i < 3; i++) {
		if (s->token[i])
			explicit_bzero(s->token[i], strlen(s->token[i]));
		free(s->token[i]);
	}
	ns_strv_clear(&s->cors);
	ns_strv_clear(&s->ignore);
	free(s->default_language);
	if (s->ssl)
		SSL_CTX_free(s->ssl);
	pthread_mutex_destroy(&s->publish_mu);
	free(s);
}

static void on_timer_closed(uv_handle_t *h)
{
	ns_http_t *s = h->data;
	s->handles--;
	ns_http_maybe_free(s);
}

/* ---- connections ---- */

static void on_conn_closed(uv_handle_t *h)
{
	struct hconn *c = (struct hconn *)h; /* the handle is the first member */
	ns_http_t *s = c->srv;
	NS_LIST_UNLINK(&s->conns, c);
	free(c);
	s->nconns--;
	ns_http_maybe_free(s);
}

/* Over the connection limit: say so in HTTP, then close. */
static void refuse(struct hconn *c)
{
	static const char body[] = "{\"id\":null,\"ok\":false,\"error\":{\"code\":"
		"\"TOO_MANY_CONNECTIONS\",\"message\":\"too many connections are "
		"open; try again later\"}}\n";
	char head[256];
	int n = snprintf(head, sizeof head, "HTTP/1.1 429 Too Many Requests\r\n"
	                 "Content-Type: application/json\r\nConnection: close\r\n"
	                 "Retry-After: 1\r\nContent-Length: %zu\r\n\r\n",
	                 sizeof body - 1);
	uv_buf_t bufs[2] = {uv_buf_init(head, (unsigned)n),
	                    uv_buf_init((char *)body, sizeof body - 1)};
	uv_try_write((uv_stream_t *)&c->io, bufs, 2);
	ns_metrics_error(NS_PROTO_HTTP, NS_E_TOO_MANY_CONNECTIONS);
	uv_close((uv_handle_t *)&c->io, on_conn_closed);
}

static void on_accept(uv_stream_t *ls, int status)
{
	struct hlistener *l = ls->data;
	ns_http_t *s = l->srv;
	if (status < 0 || s->closing)
		return;
	struct hconn *c = calloc(1, sizeof *c);
	if (!c)
		return;
	c->srv = s;
	c->unix_socket = !l->tcp;
	if (l->tcp)
		uv_tcp_init(s->loop, &c->io.tcp);
	else
		uv_pipe_init(s->loop, &c->io.pipe, 0);
	NS_LIST_PUSH(&s->conns, c);
	s->nconns++;
	if (uv_accept(ls, (uv_stream_t *)&c->io) < 0) {
		uv_close((uv_handle_t *)&c->io, on_conn_closed);
		return;
	}
	if (s->nconns > s->o.max_connections) {
		refuse(c);
		return;
	}
	if (l->tcp)
		uv_tcp_nodelay(&c->io.tcp, 1);
	c->sock = h2o_uv_socket_create((uv_stream_t *)&c->io, on_conn_closed);
	if (!c->sock) {
		uv_close((uv_handle_t *)&c->io, on_conn_closed);
		return;
	}
	h2o_accept(l->tcp && s->ssl ? &s->tls : &s->plain, c->sock);
}

unsigned ns_http_connections(const ns_http_t *s)
{
	return s ? s->nconns : 0;
}

/* ---- listeners ---- */

static void on_listener_closed(uv_handle_t *h)
{
	struct hlistener *l = h->data;
	ns_http_t *s = l->srv;
	free(l);
	s->handles--;
	ns_http_maybe_free(s);
}

static struct hlistener *listener_new(ns_http_t *s, bool tcp,
                                      const char *name)
{
	struct hlistener *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->srv = s;
	l->tcp = tcp;
	snprintf(l->name, sizeof l->name, "%s", name);
	if (tcp)
		uv_tcp_init(s->loop, &l->io.tcp);
	else
		uv_pipe_init(s->loop, &l->io.pipe, 0);
	l->io.tcp.data = l;
	l->next = s->listeners;
	s->listeners = l;
	s->handles++;
	return l;
}

static void listener_close(struct hlistener *l)
{
	ns_http_t *s = l->srv;
	for (struct hlistener **p = &s->listeners; *p; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			break;
		}
	uv_close((uv_handle_t *)&l->io, on_listener_closed);
}

static ns_status_t listen_on(struct hlistener *l, int rc, char **errmsg)
{
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&l->io, 511, on_accept);
	if (rc < 0) {
		*errmsg = errorf(l->name, uv_strerror(rc));
		listener_close(l);
		return NS_ERR_IO;
	}
	return NS_OK;
}

ns_status_t ns_http_listen_tcp(ns_http_t *s, const char *addr, char **errmsg)
{
	*errmsg = NULL;
	struct sockaddr_storage ss;
	if (ns_server_parse_addr(addr, &ss) < 0) {
		*errmsg = errorf(addr, "not ADDRESS:PORT");
		return NS_ERR_INVALID;
	}
	struct hlistener *l = listener_new(s, true, addr);
	if (!l)
		return NS_ERR_NOMEM;
	return listen_on(l, uv_tcp_bind(&l->io.tcp, (struct sockaddr *)&ss, 0),
	                 errmsg);
}

unsigned ns_http_port(const ns_http_t *s)
{
	for (const struct hlistener *l = s->listeners; l; l = l->next) {
		if (!l->tcp)
			continue;
		struct sockaddr_storage ss;
		int len = sizeof ss;
		if (uv_tcp_getsockname(&l->io.tcp, (struct sockaddr *)&ss, &len) < 0)
			continue;
		if (ss.ss_family == AF_INET)
			return ntohs(((struct sockaddr_in *)&ss)->sin_port);
		if (ss.ss_family == AF_INET6)
			return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	return 0;
}

ns_status_t ns_http_listen_unix(ns_http_t *s, const char *path,
                                unsigned mode, char **errmsg)
{
	*errmsg = NULL;
	struct stat st;
	if (strlen(path) >= sizeof ((struct sockaddr_un *)0)->sun_path) {
		*errmsg = errorf(path, "socket path too long");
		return NS_ERR_INVALID;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			*errmsg = errorf(path, "exists and is not a socket");
			return NS_ERR_INVALID;
		}
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int live = fd >= 0 && connect(fd, (struct sockaddr *)&sa,
		                              sizeof sa) == 0;
		int err = errno;
		if (fd >= 0)
			close(fd);
		if (live || (fd >= 0 && err != ECONNREFUSED)) {
			*errmsg = errorf(path, "in use; another daemon listens there");
			return NS_ERR_INVALID;
		}
		unlink(path);
	}
	struct hlistener *l = listener_new(s, false, path);
	if (!l)
		return NS_ERR_NOMEM;
	int rc = uv_pipe_bind(&l->io.pipe, path);
	if (rc == 0 && chmod(path, mode) < 0)
		rc = uv_translate_sys_error(errno);
	return listen_on(l, rc, errmsg);
}

ns_status_t ns_http_adopt(ns_http_t *s, int fd, char *name, size_t size,
                          char **errmsg)
{
	*errmsg = NULL;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char desc[128];
	snprintf(desc, sizeof desc, "descriptor %d", fd);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		*errmsg = errorf(desc, strerror(errno));
		return NS_ERR_INVALID;
	}
	bool tcp = ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
	if (!tcp && ss.ss_family != AF_UNIX) {
		*errmsg = errorf(desc, "neither a Unix nor a TCP socket");
		return NS_ERR_INVALID;
	}
	if (ss.ss_family == AF_UNIX)
		snprintf(desc, sizeof desc, "%s",
		         ((struct sockaddr_un *)&ss)->sun_path);
	else
		snprintf(desc, sizeof desc, "TCP port %u",
		         ntohs(ss.ss_family == AF_INET
		               ? ((struct sockaddr_in *)&ss)->sin_port
		               : ((struct sockaddr_in6 *)&ss)->sin6_port));
	struct hlistener *l = listener_new(s, tcp, desc);
	if (!l)
		return NS_ERR_NOMEM;
	int rc = tcp ? uv_tcp_open(&l->io.tcp, fd) : uv_pipe_open(&l->io.pipe, fd);
	if (name)
		snprintf(name, size, "%s", desc);
	return listen_on(l, rc, errmsg);
}

/* ---- settings ---- */

static char *dup_or_null(const char *s, bool *oom)
{
	char *c = s ? strdup(s) : NULL;
	if (s && !c)
		*oom = true;
	return c;
}

ns_status_t ns_http_set_tokens(ns_http_t *s, const char *search,
                               const char *publish, const char *admin)
{
	bool oom = false;
	char *t[3] = {dup_or_null(search, &oom), dup_or_null(publish, &oom),
	              dup_or_null(admin, &oom)};
	for (int i = 0; i < 3; i++) {
		if (oom) {
			free(t[i]);
			continue;
		}
		if (s->token[i])
			explicit_bzero(s->token[i], strlen(s->token[i]));
		free(s->token[i]);
		s->token[i] = t[i];
	}
	return oom ? NS_ERR_NOMEM : NS_OK;
}

ns_status_t ns_http_set_cors(ns_http_t *s, const ns_strv_t *origins)
{
	ns_strv_t copy = {0};
	for (size_t i = 0; origins && i < origins->n; i++)
		if (ns_strv_push(&copy, origins->v[i], strlen(origins->v[i])) != NS_OK) {
			ns_strv_clear(&copy);
			return NS_ERR_NOMEM;
		}
	ns_strv_clear(&s->cors);
	s->cors = copy;
	return NS_OK;
}

static char *ssl_error(const char *what)
{
	char buf[256];
	unsigned long e = ERR_get_error();
	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return errorf(what, e ? buf : "failed");
}

ns_status_t ns_http_set_tls(ns_http_t *s, const char *cert, const char *key,
                            char **errmsg)
{
	*errmsg = NULL;
	SSL_CTX *ctx = NULL;
	if (cert && key) {
		ctx = SSL_CTX_new(TLS_server_method());
		if (!ctx) {
			*errmsg = ssl_error("TLS");
			return NS_ERR_NOMEM;
		}
		SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
		if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
			*errmsg = ssl_error(cert);
		} else if (SSL_CTX_use_PrivateKey_file(ctx, key,
		                                       SSL_FILETYPE_PEM) != 1) {
			*errmsg = ssl_error(key);
		} else if (SSL_CTX_check_private_key(ctx) != 1) {
			*errmsg = errorf(key, "does not match the certificate");
		}
		if (*errmsg) {
			SSL_CTX_free(ctx);
			return NS_ERR_INVALID;
		}
	}
	/* Connections made with the old context keep a reference to it. */
	if (s->ssl)
		SSL_CTX_free(s->ssl);
	s->ssl = ctx;
	s->tls.ssl_ctx = ctx;
	return NS_OK;
}

bool ns_http_has_tls(const ns_http_t *s)
{
	return s && s->ssl;
}

void ns_http_set_limits(ns_http_t *s, unsigned max_connections,
                        size_t max_request)
{
	if (!s)
		return;
	if (max_connections)
		s->o.max_connections = max_connections;
	/* H2O's own ceiling was set from the limits at start. */
	size_t ceiling = s->conf.max_request_entity_size;
	if (max_request && max_request < ceiling)
		s->o.max_request = max_request;
}

/* ---- the server ---- */

static void on_wait_timer(uv_timer_t *t)
{
	ns_http_check_waits(t->data, true);
}

void ns_http_committed(ns_http_t *s)
{
	if (s && !s->closing)
		ns_http_check_waits(s, false);
}

ns_status_t ns_http_new(uv_loop_t *loop, const ns_http_opts_t *opts,
                        ns_http_t **out, char **errmsg)
{
	*errmsg = NULL;
	ns_http_t *s = calloc(1, sizeof *s);
	if (!s)
		return NS_ERR_NOMEM;
	s->loop = loop;
	s->o = *opts;
	if (!s->o.max_connections)
		s->o.max_connections = 1024;
	if (!s->o.request_timeout_s)
		s->o.request_timeout_s = 10;
	for (size_t i = 0; opts->ignore && i < opts->ignore->n; i++)
		ns_strv_push(&s->ignore, opts->ignore->v[i], strlen(opts->ignore->v[i]));
	s->default_language = strdup(opts->default_language
	                             ? opts->default_language : "en");
	pthread_mutex_init(&s->publish_mu, NULL);
	h2o_config_init(&s->conf);
	/* Bodies are checked against their own limits (a search's, an
	 * article's) by the routes, which answer in JSON; H2O refuses a body
	 * over twice the larger one itself (a plain 413, before reading it):
	 * no client makes the daemon hold more. */
	size_t most = opts->max_file > opts->max_request ? opts->max_file
	                                                 : opts->max_request;
	s->conf.max_request_entity_size = 2 * most + 65536;
	s->conf.http1.req_timeout = (uint64_t)s->o.request_timeout_s * 1000;
	s->conf.server_name = h2o_iovec_init(H2O_STRLIT("nsearchd"));
	h2o_hostconf_t *host = h2o_config_register_host(
		&s->conf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
	h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
	struct hhandler *h = (struct hhandler *)h2o_create_handler(path,
	                                                         sizeof *h);
	h->super.on_req = ns_http_on_req;
	h->srv = s;
	h2o_context_init(&s->ctx, loop, &s->conf);
	s->plain.ctx = s->tls.ctx = &s->ctx;
	s->plain.hosts = s->tls.hosts = s->conf.hosts;
	uv_timer_init(loop, &s->wait_timer);
	s->wait_timer.data = s;
	uv_timer_start(&s->wait_timer, on_wait_timer, 50, 50);
	uv_unref((uv_handle_t *)&s->wait_timer);
	s->handles = 1;
	*out = s;
	return NS_OK;
}

void ns_http_close(ns_http_t *s)
{
	if (!s || s->closing)
		return;
	s->closing = true;
	while (s->listeners)
		listener_close(s->listeners);
	/* Responses from now on say Connection: close; idle connections see
	 * the end of their input and H2O closes them (a request in hand is
	 * answered first). */
	s->ctx.shutdown_requested = 1;
	for (struct hconn *c = s->conns; c; c = c->next) {
		uv_os_fd_t fd;
		if (uv_fileno((uv_handle_t *)&c->io, &fd) == 0)
			shutdown(fd, SHUT_RD);
	}
	ns_http_check_waits(s, true);
	uv_close((uv_handle_t *)&s->wait_timer, on_timer_closed);
}
