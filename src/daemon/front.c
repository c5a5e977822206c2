/* front.c - nsearchd's HTTP front door (daemon/http.h) wired to the
 * daemon: its listeners (systemd's sockets named "http", else the
 * configured ones), its tokens, origins and certificate at start and on
 * SIGHUP.  Loop thread only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "daemon/http.h"
#include "daemon/nsearchd.h"

bool nsd_ready(void *ctx)
{
	struct daemon *d = ctx;
	/* A replica's lag grows between its rounds: it says so when asked. */
	return d->replica  ? ns_replica_ready(d->replica, NULL, 0)
	       : d->shards ? nsd_front_ready(d)
	                   : d->ready;
}

static unsigned ndjson_connections(void *ctx)
{
	return ns_server_connections(((struct daemon *)ctx)->server);
}

int nsd_http_apply(struct daemon *d, ns_buf_t *changes)
{
	const ns_config_t *c = &d->cfg;
	const char *files[3] = {c->http_token_file, c->http_publish_token_file,
	                        c->http_admin_token_file};
	char *tok[3] = {NULL, NULL, NULL}, *err = NULL;
	int rc = 0;
	if (!d->http)
		return 0;
	for (int i = 0; i < 3 && !rc; i++)
		if (files[i] && ns_config_read_token(files[i], &tok[i], &err) != NS_OK)
			rc = 1;
	if (!rc)
		ns_http_set_tokens(d->http, tok[0], tok[1], tok[2]);
	for (int i = 0; i < 3; i++)
		ns_secret_free(tok[i]);
	ns_http_set_cors(d->http, &c->http_cors_origins);
	ns_http_set_limits(d->http, c->max_connections, c->max_request);
	if (!rc && ns_http_set_tls(d->http, c->http_tls_cert, c->http_tls_key,
	                           &err) != NS_OK)
		rc = 1;
	if (rc)
		ns_log(NS_LOG_ERR, LOG_MOD, "http: %s", err ? err : "out of memory");
	else if (changes)
		ns_buf_printf(changes, "%shttp tokens%s reread",
		              changes->len ? ", " : "",
		              c->http_tls_cert ? " and certificate" : "");
	free(err);
	return rc;
}

bool nsd_http_fd(char **names, int i)
{
	return names && names[i] && strcmp(names[i], "http") == 0;
}

/* The sockets systemd named "http" (of N), adopted. */
static ns_status_t adopt(struct daemon *d, char **names, int n, char **err)
{
	char name[160];
	ns_status_t st = NS_OK;
	for (int i = 0; st == NS_OK && i < n; i++)
		if (nsd_http_fd(names, i) &&
		    (st = ns_http_adopt(d->http, ns_sd_listen_fd(i), name,
		                        sizeof name, err)) == NS_OK)
			ns_log(NS_LOG_INFO, LOG_MOD, "http: listening on %s (from "
			       "systemd)", name);
	return st;
}

/* The configured listeners: [http] socket and listen. */
static ns_status_t listen_configured(struct daemon *d, char **err)
{
	const ns_config_t *c = &d->cfg;
	ns_status_t st = NS_OK;
	if (c->http_socket &&
	    (st = ns_http_listen_unix(d->http, c->http_socket, c->socket_mode,
	                              err)) == NS_OK)
		ns_log(NS_LOG_INFO, LOG_MOD, "http: listening on %s",
		       c->http_socket);
	if (st == NS_OK && c->http_listen &&
	    (st = ns_http_listen_tcp(d->http, c->http_listen, err)) == NS_OK) {
		/* With port 0 the kernel chose: say which. */
		char addr[128];
		snprintf(addr, sizeof addr, "%s", c->http_listen);
		char *colon = strrchr(addr, ':');
		if (colon)
			*colon = '\0';
		ns_log(NS_LOG_NOTICE, LOG_MOD, "http: listening on %s:%u%s", addr,
		       ns_http_port(d->http),
		       ns_http_has_tls(d->http) ? " (TLS)" : "");
	}
	return st;
}

int nsd_http_open(struct daemon *d, char **names, int n,
                  const ns_server_handlers_t *h)
{
	const ns_config_t *c = &d->cfg;
	int passed = 0;
	for (int i = 0; i < n; i++)
		passed += nsd_http_fd(names, i);
	if (!passed && !c->http_listen && !c->http_socket)
		return 0;
	ns_http_opts_t o = {
		.h = *h, .ready = nsd_ready, .ndjson_connections = ndjson_connections,
		.ix = d->ix, .rootfd = d->rootfd, .index_dir = c->index,
		.ignore = &c->ignore, .default_language = c->language,
		.max_request = c->max_request, .max_file = c->max_file_size,
		.max_connections = c->max_connections,
		.request_timeout_s = c->http_request_timeout_s,
	};
	char *err = NULL;
	if (ns_http_new(&d->loop, &o, &d->http, &err) != NS_OK ||
	    nsd_http_apply(d, NULL) != 0) {
		int rc = ns_fatal("http: %s", err ? err : "cannot start");
		free(err);
		return rc;
	}
	ns_status_t st = passed ? adopt(d, names, n, &err)
	                        : listen_configured(d, &err);
	if (st != NS_OK) {
		int rc = ns_fatal("http: %s", err ? err : "cannot listen");
		free(err);
		return rc;
	}
	return 0;
}
