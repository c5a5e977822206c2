/* main.c - nsearchd: wires the watcher, the writer, the readers and the
 * sockets together on one libuv loop, and starts and stops them in order.
 * What the server asks of the daemon is daemon_ops.c's, what systemd
 * hears systemd.c's, SIGHUP reload.c's, --check check.c's, the index
 * directory's making and mode index_dirs.c's.
 *
 * Start-up errors are fatal with a clear message and a non-zero exit;
 * errors about one file or one request are logged and the daemon carries
 * on; a configuration reload that fails leaves the one in force.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buildconf.h"
#include "core/lang.h"
#include "core/log.h"
#include "core/safepath.h"
#include "daemon/fault.h"
#include "daemon/fields_index.h"
#include "daemon/http.h"
#include "daemon/nsearchd.h"

/* ---- watcher -> writer ---- */

static void on_put(void *ctx, const char *relpath, bool scanned)
{
	struct daemon *d = ctx;
	if (!d->ready_barrier)
		d->scanned++;
	if ((scanned ? ns_indexer_put_scanned(d->ix, relpath)
	             : ns_indexer_put(d->ix, relpath)) != NS_OK)
		ns_log(NS_LOG_ERR, LOG_MOD, "%s: cannot queue: out of memory",
		       relpath);
}

static void on_remove(void *ctx, const char *relpath)
{
	struct daemon *d = ctx;
	if (ns_indexer_remove(d->ix, relpath) != NS_OK)
		ns_log(NS_LOG_ERR, LOG_MOD, "%s: cannot queue: out of memory",
		       relpath);
}

static void on_remove_tree(void *ctx, const char *reldir)
{
	struct daemon *d = ctx;
	if (ns_indexer_remove_tree(d->ix, reldir) != NS_OK)
		ns_log(NS_LOG_ERR, LOG_MOD, "%s/: cannot queue: out of memory",
		       reldir);
}

static uint64_t on_scan_begin(void *ctx, const char *reldir)
{
	struct daemon *d = ctx;
	(void)reldir;
	return ns_indexer_scan_begin(d->ix);
}

static void on_scan_end(void *ctx, const char *reldir, uint64_t token)
{
	struct daemon *d = ctx;
	if (ns_indexer_prune(d->ix, reldir, token) != NS_OK)
		ns_log(NS_LOG_ERR, LOG_MOD, "cannot queue a sweep: out of memory");
}

/* The articles directory went (not ready: the index no longer says what
 * is on disk), or a directory is at its path again and its tree is being
 * reconciled: ready again, as at start, once that is committed. */
static void on_root_changed(void *ctx, const char *gone)
{
	struct daemon *d = ctx;
	d->ready = false;
	if (!gone && ns_indexer_barrier(d->ix, &d->ready_barrier) != NS_OK)
		ns_log(NS_LOG_ERR, LOG_MOD, "cannot queue a barrier: out of memory");
	ns_sd_status(d, "");
}

/* A new directory is at the articles directory's path: paths are
 * resolved beneath it from now on, here and in the writer, before its
 * scan is read. */
static void on_root_reopened(void *ctx)
{
	struct daemon *d = ctx;
	int fd = ns_root_open(d->root);
	if (fd >= 0) {
		close(d->rootfd);
		d->rootfd = fd;
	} else {
		ns_log(NS_LOG_ERR, LOG_MOD, "%s: cannot open the articles "
		       "directory again: %s", d->root, strerror(errno));
	}
	if (ns_indexer_reopen_root(d->ix) != NS_OK)
		ns_log(NS_LOG_ERR, LOG_MOD, "cannot queue the articles directory's "
		       "reopening: out of memory");
}

/* Writer thread: does the watcher skip RELPATH?  The rules are the
 * options', fixed for the daemon's life. */
static bool skips_path(void *ctx, const char *relpath)
{
	struct daemon *d = ctx;
	return ns_path_skipped(&d->cfg.ignore, relpath);
}

/* Writer thread: no replica may fetch between a commit's new revision
 * and its changeset (repl_primary.h). */
static void around_commit(void *ctx, bool begin)
{
	struct daemon *d = ctx;
	ns_repl_hold(&d->serving_group, begin);
}

/* Writer thread: wake the loop, which does the rest. */
static void on_commit(void *ctx)
{
	struct daemon *d = ctx;
	pthread_mutex_lock(&d->async_mu);
	if (d->committed_open)
		uv_async_send(&d->committed);
	pthread_mutex_unlock(&d->async_mu);
}

static void close_committed(struct daemon *d)
{
	pthread_mutex_lock(&d->async_mu);
	d->committed_open = false;
	pthread_mutex_unlock(&d->async_mu);
	uv_close((uv_handle_t *)&d->committed, NULL);
}

static void on_committed(uv_async_t *h)
{
	struct daemon *d = h->data;
	ns_server_committed(d->server);
	ns_http_committed(d->http);
	ns_indexer_stats_t st;
	ns_indexer_stats(d->ix, &st);
	if (!d->ready && d->ready_barrier &&
	    !ns_watch_root_gone(d->watch, NULL) &&
	    ns_indexer_barrier_passed(d->ix, d->ready_barrier)) {
		d->ready = true;
		if (!d->ready_ms)
			d->ready_ms = ns_now_ms();
		ns_log(NS_LOG_NOTICE, LOG_MOD,
		       "ready: %llu articles in the index (revision %llu, %llu "
		       "not indexable); listening on %s",
		       (unsigned long long)st.documents,
		       (unsigned long long)st.revision,
		       (unsigned long long)st.failed, d->listening);
		/* Reconciliation is done: every file found at start is in the
		 * index as it is on disk. */
		ns_sd_status(d, "READY=1");
	}
}

/* ---- status ---- */

static void status_of(void *ctx, ns_daemon_status_t *out)
{
	struct daemon *d = ctx;
	ns_indexer_stats_t st;
	ns_indexer_stats(d->ix, &st);
	out->revision = st.revision;
	out->documents = st.documents;
#define COPY_COUNTER(name, label, help) out->name = st.name;
	NS_INDEXER_COUNTERS(COPY_COUNTER)
#undef COPY_COUNTER
	ns_problems_counts(ns_indexer_problems(d->ix), &out->skipped,
	                   &out->partial);
	out->overflows = ns_watch_overflows(d->watch);
	out->unwatched = ns_watch_unwatched(d->watch);
	ns_index_health_t h;
	ns_indexer_health(d->ix, &h);
	/* Not ready while changes cannot be indexed: a health check that
	 * reads it sees the fault. */
	out->ready = d->ready && h.writable;
	out->writable = h.writable;
	snprintf(out->index_error, sizeof out->index_error, "%s", h.error);
	out->index_error_since = h.writable ? 0 : h.since;
	out->index_retries = h.retries;
	out->index_next_retry = h.writable ? 0 : h.next_retry;
	out->unwritten = h.unwritten;
	out->rebuilds = h.rebuilds;
	snprintf(out->rebuild_reason, sizeof out->rebuild_reason, "%s",
	         h.rebuild_reason);
	snprintf(out->rebuild_moved_to, sizeof out->rebuild_moved_to, "%s",
	         h.moved_to);
	out->rebuilt_at = h.rebuilt_at;
	out->read_retries = h.read_retries;
	unsigned long long now = ns_now_ms();
	out->uptime_s = (double)(now - d->started_ms) / 1000.0;
	out->last_commit = st.last_commit;
	out->scanned = d->scanned;
	out->reconcile_s = (double)((d->ready_ms ? d->ready_ms : now) -
	                            d->started_ms) / 1000.0;
	const char *gone = ns_watch_root_gone(d->watch, &out->root_gone_since);
	out->root_gone = gone != NULL;
	snprintf(out->root_reason, sizeof out->root_reason, "%s",
	         gone ? gone : "");
	/* The newest few problems, with their reasons (the server frees). */
	ns_problems_list(ns_indexer_problems(d->ix), 0, 5, &out->problems,
	                 &out->nproblems);
	ns_maint_t op, last;
	ns_indexer_maint(d->ix, &op, &last);
	snprintf(out->op, sizeof out->op, "%s", ns_maint_name(op.op));
	snprintf(out->op_target, sizeof out->op_target, "%s", op.target);
	out->op_running = op.running;
	out->op_done = op.done;
	out->op_total = op.total;
	out->op_started = op.started;
	snprintf(out->last_op, sizeof out->last_op, "%s", ns_maint_name(last.op));
	out->last_op_ok = last.ok;
	snprintf(out->last_op_message, sizeof out->last_op_message, "%s",
	         last.message);
	out->last_op_finished = last.finished;
}

/* Writer thread: a compacted index is swapped in while no search reads. */
static void exclusive(void *ctx, void (*swap)(void *arg), void *arg)
{
	struct daemon *d = ctx;
	ns_searcher_exclusive(d->searcher, swap, arg);
}

/* ---- stopping ---- */

static void on_signal(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	if (d->stopping)
		return;
	d->stopping = true;
	ns_log(NS_LOG_NOTICE, LOG_MOD, "%s: stopping", strsignal(signum));
	ns_sd_notify("STOPPING=1\nSTATUS=stopping: committing what is indexed");
	ns_server_close(d->server);
	d->server = NULL;
	ns_http_close(d->http);
	ns_watch_close(d->watch);
	d->watch = NULL;
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sighup, NULL);
	ns_sd_stop(d);
	close_committed(d);
	nsd_replication_close(d);
	nsd_front_close(d);
}

/* ---- start-up ---- */

/* The default socket of a user other than root is in a directory of its
 * own under $XDG_RUNTIME_DIR, made private here: no other user can bind
 * its name first and take the clients' queries.  0, or 1 after saying
 * why. */
static int socket_dir(const ns_config_t *c)
{
	if (geteuid() == 0 || strcmp(c->origin[NS_OPT_SOCKET], "default") != 0)
		return 0;
	char dir[PATH_MAX], why[PATH_MAX + 256];
	snprintf(dir, sizeof dir, "%s", c->socket);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	if (ns_private_dir(dir, why, sizeof why) != NS_OK)
		return ns_fatal("socket %s: %s", c->socket, why);
	return 0;
}

/* Free ERR and return RC: `return freed(err, ns_fatal("%s", err))` says
 * why with ERR before it goes. */
static int freed(char *err, int rc)
{
	free(err);
	return rc;
}

/* NAME is listened on: add it to the list of sockets for the log. */
static void note_listening(struct daemon *d, const char *name)
{
	size_t off = strlen(d->listening);
	snprintf(d->listening + off, sizeof d->listening - off, "%s%s",
	         off ? ", " : "", name);
}

/* The N sockets systemd passed (socket activation), but those named
 * "http" (the front door's). */
static int adopt_sockets(struct daemon *d, char **names, int n)
{
	char *err = NULL, name[160];
	for (int i = 0; i < n; i++) {
		if (nsd_http_fd(names, i))
			continue;
		if (ns_server_adopt(d->server, ns_sd_listen_fd(i), name,
		                    sizeof name, &err) != NS_OK)
			return freed(err, ns_fatal("socket from systemd: %s",
			                           err ? err : "?"));
		note_listening(d, name);
	}
	ns_log(NS_LOG_INFO, LOG_MOD, "socket activation: %d sockets from "
	       "systemd (%s); [socket] path and [tcp] listen are not used",
	       n, d->listening);
	return 0;
}

/* The configured sockets: the Unix socket, and TCP if asked for. */
static int listen_configured(struct daemon *d)
{
	const ns_config_t *c = &d->cfg;
	char *err = NULL;
	if (!c->socket)
		return ns_fatal("no socket to listen on: for a user other than "
		                "root the default is $XDG_RUNTIME_DIR/nsearch/"
		                "nsearch.sock, and XDG_RUNTIME_DIR is not set; set "
		                "it, or %s (--socket, $NSEARCH_SOCKET)",
		                ns_config_name(NS_OPT_SOCKET));
	if (socket_dir(c) != 0)
		return 1;
	if (ns_server_listen_unix(d->server, c->socket, c->socket_mode,
	                          c->socket_group, &err) != NS_OK)
		return freed(err, ns_fatal("socket %s", err ? err : c->socket));
	note_listening(d, c->socket);
	if (!c->tcp_listen)
		return 0;
	if (ns_server_listen_tcp(d->server, c->tcp_listen, &err) != NS_OK)
		return freed(err, ns_fatal("tcp %s", err ? err : c->tcp_listen));
	char name[300];
	snprintf(name, sizeof name, "%s (TCP)", c->tcp_listen);
	note_listening(d, name);
	return 0;
}

/* The listening sockets: those systemd passed, else the configured ones.
 * Then the tokens, if any of them is TCP. */
static int open_ndjson(struct daemon *d, char **names, int n)
{
	int own = 0;
	for (int i = 0; i < n; i++)
		own += !nsd_http_fd(names, i);
	int rc = own > 0 ? adopt_sockets(d, names, n) : listen_configured(d);
	if (rc || !ns_server_has_tcp(d->server))
		return rc;
	if (!d->cfg.tcp_token_file)
		return ns_fatal("a TCP socket needs [tcp] token_file: clients must "
		                "send a token");
	char *token, *admin, *err = NULL;
	if (ns_tokens_read(&d->cfg, &token, &admin, &err) != NS_OK)
		return freed(err, ns_fatal("%s", err ? err : "out of memory"));
	ns_tokens_apply(d, token, admin);
	return 0;
}

/* The protocol's sockets, then the HTTP front door's (handlers H). */
static int open_sockets(struct daemon *d, const ns_server_handlers_t *h)
{
	char **names = NULL;
	int n = ns_sd_listen_fds(&names);
	if (n < 0)
		return ns_fatal("sockets from systemd: %s", strerror(-n));
	int rc = open_ndjson(d, names, n);
	if (!rc)
		rc = nsd_http_open(d, names, n, h);
	for (int i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* The configuration checked, the articles directory opened (ROOT, its
 * real path, PATH_MAX bytes) and the index found private: CFG moves into
 * D (and is left empty).  0, or the exit status after saying why. */
static int configure(struct daemon *d, ns_config_t *cfg, char *root)
{
	char *err = NULL;
	ns_status_t cst = ns_config_check(cfg, &err);
	if (cst != NS_OK) {
		int rc = freed(err, ns_fatal("%s", err ? err : "out of memory"));
		/* A configuration that can never work is not retried. */
		return cst == NS_ERR_FORMAT ? 2 : rc;
	}
	/* A replica or a front has no tree: others watch theirs. */
	int rootfd = -1;
	root[0] = '\0';
	if (!cfg->replica_of && !cfg->shards.n &&
	    (rootfd = realpath(cfg->articles, root) ? ns_root_open(root) : -1) <
	            0)
		return ns_fatal("articles directory %s: %s", cfg->articles,
		                strerror(errno));
	if (!cfg->shards.n && nsd_index_private(cfg->index) != 0) {
		if (rootfd >= 0)
			close(rootfd);
		return 2; /* said why; a restart would not mend it */
	}
	d->root = root;
	d->rootfd = rootfd;
	d->cfg = *cfg;
	memset(cfg, 0, sizeof *cfg);
	/* As many descriptors as allowed: a burst of connections or of files
	 * to read must not run the index out of them. */
	if (ns_raise_nofile(&d->nofile) != NS_OK)
		ns_log(NS_LOG_WARNING, LOG_MOD, "cannot raise the limit on open "
		       "files to its hard limit: %s; %llu allowed", strerror(errno),
		       (unsigned long long)d->nofile);
	if (!d->cfg.shards.n)
		nsd_index_dirs_make(d, d->cfg.index);
	return 0;
}

/* FNV-1a over the --ignore globs and the declared fields: the index
 * keeps it, and a change of either makes every file be read again. */
static unsigned rules_hash(const ns_strv_t *ignore)
{
	unsigned h = 2166136261u ^ ns_fields_hash();
	for (size_t i = 0; i < ignore->n; i++)
		for (const char *p = ignore->v[i];; p++) {
			h = (h ^ (unsigned char)*p) * 16777619u;
			if (!*p)
				break;
		}
	return h;
}

/* The writers of a bulk load into an empty index: N, or with 0 one a
 * core, at most 4 (two shards already take most of the gain). */
static unsigned bulk_writers(unsigned n)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (n)
		return n;
	return cores < 1 ? 1 : cores > 4 ? 4 : (unsigned)cores;
}

/* The loop, the writer on the index (its thread started) and the
 * searcher. */
static int open_index(struct daemon *d)
{
	const ns_config_t *c = &d->cfg;
	/* Before the writer and the readers start: they read it. */
	ns_fields_declare(c->fields, c->nfields);
	ns_indexer_opts_t iopts = {
		.index_dir = c->index, .articles_dir = d->root,
		.batch_max = c->batch, .commit_delay_ms = c->commit_delay_ms,
		.max_file_bytes = c->max_file_size,
		.default_language = c->language,
		.skips = skips_path, .rules_hash = rules_hash(&c->ignore),
		.on_commit = on_commit, .exclusive = exclusive, .ctx = d,
		.around_commit = c->replication_listen ? around_commit : NULL,
		.check = (ns_index_check_t)c->index_check,
	};
	iopts.bulk_writers = bulk_writers(c->bulk_writers);
	iopts.auto_compact = c->auto_compact;
	d->started_ms = ns_now_ms();
	uv_loop_init(&d->loop);
	uv_async_init(&d->loop, &d->committed, on_committed);
	d->committed.data = d;
	pthread_mutex_init(&d->async_mu, NULL);
	d->committed_open = true;
	char *err = NULL;
	/* Before the writer's first commit, and before any thread. */
	if (c->replication_listen && ns_repl_keep_changesets(c->changesets))
		return ns_fatal("out of memory");
	if (!c->replica_of && !c->shards.n &&
	    ns_indexer_start(&iopts, &d->ix, &err) != NS_OK)
		return freed(err, ns_fatal("index %s: %s", c->index,
		                           err ? err : "cannot open"));
	if (nsd_front_searcher(d) || !(d->querylog = ns_querylog_new()))
		return ns_fatal("out of memory");
	ns_querylog_configure(d->querylog, (ns_qlog_mode_t)c->log_queries,
	                      c->slow_query_ms, c->query_sample);
	char code[16];
	ns_language_normalise(c->language, strlen(c->language), code);
	ns_searcher_set_language(d->searcher, code);
	ns_searcher_set_limits(d->searcher, c->max_expansion,
	                       c->query_timeout_ms);
	ns_searcher_set_count_limit(d->searcher, c->exact_count);
	ns_proto_set_limits(c->max_results, c->max_offset);
	return c->replica_of ? nsd_replica_open(d)
	       : c->shards.n ? nsd_front_open(d)
	                     : nsd_replication_open(d);
}

/* The server, the synonyms its searches use, and its sockets. */
static int start_server(struct daemon *d)
{
	const ns_config_t *c = &d->cfg;
	ns_server_handlers_t handlers = ns_ops_handlers(d);
	handlers.status = status_of;
	handlers.ready = nsd_ready;
	handlers.replication = nsd_replication_of;
	handlers.min_revision_wait_ms = c->min_revision_wait_ms;
	if (d->replica)
		handlers = nsd_replica_handlers(d);
	if (d->shards)
		handlers = nsd_front_handlers(d);
	ns_server_limits_t lim = ns_daemon_limits(d, c);
	if (ns_server_new(&d->loop, &handlers, &lim, &d->server) != NS_OK)
		return ns_fatal("out of memory");
	char *err = NULL;
	if (c->synonyms &&
	    ns_searcher_load_synonyms(d->searcher, c->synonyms, &err) != NS_OK)
		return freed(err, ns_fatal("%s", err ? err
		                                          : "synonyms: out of memory"));
	return open_sockets(d, &handlers);
}

/* The watcher: it scans the tree (every file to the writer), then
 * watches it. */
static int start_watcher(struct daemon *d)
{
	ns_watch_opts_t wopts = {
		.rescan_interval_ms = d->cfg.rescan_interval_s * 1000,
		.ignore = &d->cfg.ignore,
	};
	ns_watch_cbs_t cbs = {
		.put = on_put, .remove = on_remove, .remove_tree = on_remove_tree,
		.scan_begin = on_scan_begin, .scan_end = on_scan_end,
		.root_changed = on_root_changed,
		.root_reopened = on_root_reopened, .ctx = d,
	};
	char *err = NULL;
	if (ns_watch_start(&d->loop, d->root, &wopts, &cbs, &d->watch,
	                   &err) != NS_OK)
		return freed(err, ns_fatal("watch %s: %s", d->root,
		                           err ? err : "cannot start"));
	ns_log(NS_LOG_INFO, LOG_MOD,
	       "nsearchd %s: articles %s, index %s: %llu files to reconcile",
	       NS_VERSION, d->root, d->cfg.index, d->scanned);
	/* The scan's sweep is queued: articles deleted while the daemon was
	 * down leave the index before it says it is ready. */
	ns_indexer_barrier(d->ix, &d->ready_barrier);
	return 0;
}

static void start_signals(struct daemon *d)
{
	uv_signal_init(&d->loop, &d->sigint);
	uv_signal_init(&d->loop, &d->sigterm);
	uv_signal_init(&d->loop, &d->sighup);
	d->sigint.data = d->sigterm.data = d->sighup.data = d;
	uv_signal_start(&d->sigint, on_signal, SIGINT);
	uv_signal_start(&d->sigterm, on_signal, SIGTERM);
	uv_signal_start(&d->sighup, ns_on_sighup, SIGHUP);
}

/* After the loop: a signal closed every handle, or (RC, a failed start)
 * what was opened is closed here, the loop run until it is empty.  Then
 * the writer commits what it has in hand, and the rest is freed.
 * Returns RC. */
static int shut_down(struct daemon *d, int rc)
{
	bool opened = d->ix != NULL; /* it held the index's lock */
	if (rc) {
		ns_server_close(d->server);
		ns_http_close(d->http);
		close_committed(d);
		nsd_replication_close(d);
		nsd_front_close(d);
		uv_run(&d->loop, UV_RUN_DEFAULT);
	}
	ns_http_free(d->http);
	/* No connection now, no search in flight. */
	ns_indexer_stop(d->ix);
	ns_searcher_free(d->searcher);
	ns_querylog_free(d->querylog);
	if (rc)
		nsd_index_dirs_remove(d, opened);
	free(d->made_dir);
	int lrc = uv_loop_close(&d->loop);
	if (lrc)
		ns_log(NS_LOG_WARNING, LOG_MOD, "loop closed with handles open: %s",
		       uv_strerror(lrc));
	ns_config_clear(&d->cfg);
	if (d->rootfd >= 0)
		close(d->rootfd);
	if (!rc)
		ns_log(NS_LOG_NOTICE, LOG_MOD, "stopped");
	return rc;
}

/* The daemon, from start to stop; the exit status. */
static int run(const ns_config_args_t *args, ns_config_t *cfg)
{
	/* The index, its copies and backups hold every article's text: what
	 * the daemon makes is its user's alone (systemd's UMask= says the
	 * same). */
	umask(077);
	char root[PATH_MAX];
	struct daemon d = {.args = args};
	int rc = configure(&d, cfg, root);
	if (rc)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	rc = open_index(&d);
	if (!rc)
		rc = start_server(&d);
	if (!rc && !d.replica && !d.shards)
		rc = start_watcher(&d);
	if (!rc) {
		start_signals(&d);
		ns_sd_start(&d);
		uv_run(&d.loop, UV_RUN_DEFAULT);
	}
	return shut_down(&d, rc);
}

int main(int argc, char **argv)
{
	ns_config_args_t args;
	int rc = ns_config_parse_args(argc, argv, &args);
	if (rc)
		return rc;
	if (args.help || args.version) {
		if (args.help)
			ns_config_usage(stdout);
		else
			printf("nsearchd %s (Xapian %s, libuv %s)\n", NS_VERSION,
			       nsx_xapian_version(), uv_version_string());
		ns_config_args_free(&args);
		return 0;
	}
	ns_config_t cfg;
	char *err = NULL;
	if (ns_config_build(&args, &cfg, &err) != NS_OK) {
		/* The configuration is wrong: never start with it. */
		fprintf(stderr, "nsearchd: %s\n", err ? err : "out of memory");
		if (!args.check_config)
			ns_sd_failed(err ? err : "out of memory");
		free(err);
		ns_config_args_free(&args);
		return 2;
	}
	ns_log_set_level(cfg.log_level);
	if (args.check) {
		rc = ns_check_files(args.files, args.nfiles, &cfg);
	} else if (args.split || args.merge) {
		rc = nsd_shard_tool(&args, &cfg);
	} else if (args.check_config) {
		ns_config_print(&cfg, stdout);
		rc = fflush(stdout) == 0 ? 0 : 1;
		ns_status_t cst = ns_config_check(&cfg, &err);
		if (cst != NS_OK) {
			fprintf(stderr, "nsearchd: %s\n", err ? err : "out of memory");
			free(err);
			rc = cst == NS_ERR_FORMAT ? 2 : 1;
		}
	} else {
		rc = run(&args, &cfg);
	}
	ns_config_clear(&cfg);
	ns_config_args_free(&args);
	return rc;
}
