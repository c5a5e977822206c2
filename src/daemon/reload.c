/* reload.c - SIGHUP: a whole new configuration, built and checked as at
 * start, the tokens and the synonyms read, and only then applied (the
 * options a running daemon can change); anything wrong and the one in
 * force stays, whole.  Also what a configuration asks of the server, at
 * start as at a reload.  Loop thread only. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "daemon/fault.h"
#include "daemon/nsearchd.h"

ns_server_limits_t ns_daemon_limits(struct daemon *d, const ns_config_t *c)
{
	unsigned most = ns_connections_for_nofile(d->nofile, FDS_RESERVED);
	unsigned max = c->max_connections;
	if (max > most) {
		if (d->clamped != most)
			ns_log(NS_LOG_WARNING, LOG_MOD, "max_connections %u lowered "
			       "to %u: %llu open files allowed (LimitNOFILE=, ulimit "
			       "-n), %u kept for the index and the files read", max,
			       most ? most : 1, (unsigned long long)d->nofile,
			       FDS_RESERVED);
		max = most ? most : 1;
		d->clamped = most;
	} else {
		d->clamped = 0;
	}
	return (ns_server_limits_t){
		.max_connections = max,
		.max_unauthenticated = c->max_unauthenticated,
		.auth_timeout_s = c->auth_timeout_s,
		.max_request = c->max_request,
		.max_pending = c->max_pending,
		.max_pending_total = c->max_pending_total,
		.idle_timeout_s = c->idle_timeout_s,
	};
}


ns_status_t ns_tokens_read(const ns_config_t *c, char **token, char **admin,
                           char **why)
{
	*token = *admin = NULL;
	ns_status_t st = NS_OK;
	if (c->tcp_token_file)
		st = ns_config_read_token(c->tcp_token_file, token, why);
	if (st == NS_OK && c->admin_token_file)
		st = ns_config_read_token(c->admin_token_file, admin, why);
	if (st != NS_OK) {
		ns_secret_free(*token);
		*token = NULL;
	}
	return st;
}

void ns_tokens_apply(struct daemon *d, char *token, char *admin)
{
	if (token)
		ns_server_set_token(d->server, token);
	ns_server_set_admin_token(d->server, admin);
	ns_secret_free(token);
	ns_secret_free(admin);
}

/* The configuration SIGHUP asks for, into *NEXT, checked as at start,
 * with its tokens (for a daemon on TCP) and its synonyms loaded into the
 * searcher.  On failure *NEXT is empty and *WHY (new, may be NULL) says
 * why. */
static ns_status_t reload_check(struct daemon *d, ns_config_t *next,
                                char **token, char **admin, char **why)
{
	*token = *admin = NULL;
	ns_status_t st = ns_config_build(d->args, next, why);
	if (st == NS_OK)
		st = ns_config_check(next, why);
	if (st == NS_OK && ns_server_has_tcp(d->server))
		st = ns_tokens_read(next, token, admin, why);
	/* The synonyms last: a failure there keeps the groups in force. */
	if (st == NS_OK && (next->synonyms || d->cfg.synonyms))
		st = ns_searcher_load_synonyms(d->searcher, next->synonyms, why);
	if (st != NS_OK) {
		ns_config_clear(next); /* a failed build left it empty */
		ns_secret_free(*token);
		ns_secret_free(*admin);
		*token = *admin = NULL;
	}
	return st;
}

/* Apply NEXT (checked) to the running daemon; what changed into
 * CHANGES. */
static void reload_apply(struct daemon *d, ns_config_t *next, char *token,
                         char *admin, ns_buf_t *changes)
{
	ns_buf_t restart = {0};
	if (ns_config_needs_restart(&d->cfg, next, &restart))
		ns_log(NS_LOG_WARNING, LOG_MOD, "reload: %s changed: only a "
		       "restart applies that", restart.data);
	ns_buf_free(&restart);
	ns_log_set_level(next->log_level);
	ns_querylog_configure(d->querylog, (ns_qlog_mode_t)next->log_queries,
	                      next->slow_query_ms, next->query_sample);
	ns_indexer_set_batching(d->ix, next->batch, next->commit_delay_ms);
	ns_server_limits_t lim = ns_daemon_limits(d, next);
	ns_server_set_limits(d->server, &lim);
	ns_tokens_apply(d, token, admin);
	ns_config_take_reloadable(&d->cfg, next, changes);
	/* The files behind the names are read again whether or not the
	 * names changed: say so, rather than "nothing changed". */
	bool tcp = ns_server_has_tcp(d->server);
	const struct { bool reread; ns_opt_t opt; } files[] = {
		{d->cfg.synonyms != NULL, NS_OPT_SYNONYMS},
		{tcp && d->cfg.tcp_token_file, NS_OPT_TCP_TOKEN_FILE},
		{tcp && d->cfg.admin_token_file, NS_OPT_ADMIN_TOKEN_FILE},
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		if (files[i].reread)
			ns_buf_printf(changes, "%s%s reread", changes->len ? ", " : "",
			              ns_config_name(files[i].opt));
	nsd_http_apply(d, changes);
}

void ns_on_sighup(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	if (d->stopping)
		return;
	ns_sd_reloading();
	ns_log(NS_LOG_NOTICE, LOG_MOD, "SIGHUP: reloading the configuration%s%s",
	       d->cfg.file ? " from " : "", d->cfg.file ? d->cfg.file : "");
	ns_config_t next;
	char *why = NULL, *token, *admin;
	ns_status_t st = reload_check(d, &next, &token, &admin, &why);
	if (st != NS_OK) {
		ns_log(NS_LOG_ERR, LOG_MOD, "reload refused: %s; the configuration "
		       "in force is unchanged", why ? why : ns_status_str(st));
		free(why);
		ns_sd_status(d, "READY=1");
		return;
	}
	ns_buf_t changes = {0};
	reload_apply(d, &next, token, admin, &changes);
	ns_log(NS_LOG_NOTICE, LOG_MOD, "reloaded: %s",
	       changes.len ? changes.data : "nothing changed");
	ns_buf_free(&changes);
	ns_config_clear(&next);
	ns_sd_status(d, "READY=1");
}
