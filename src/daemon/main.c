/* main.c - nsearchd: wires the watcher, the writer, the readers and the
 * sockets together on one libuv loop, tells systemd how it is doing,
 * reloads its configuration on SIGHUP, and stops them in order.
 *
 * Start-up errors are fatal with a clear message and a non-zero exit;
 * errors about one file or one request are logged and the daemon carries
 * on; a configuration reload that fails leaves the one in force.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "buildconf.h"
#include "daemon/config.h"
#include "daemon/index.h"
#include "core/lang.h"
#include "core/log.h"
#include "daemon/query.h"
#include "core/safepath.h"
#include "daemon/server.h"
#include "daemon/watch.h"
#include "daemon/fault.h"

#if NS_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#else
/* Built without libsystemd: no notifications, no socket activation. */
#define SD_LISTEN_FDS_START 3
static int sd_notify(int unset, const char *state) { return 0; }
static int sd_listen_fds(int unset) { return 0; }
static int sd_watchdog_enabled(int unset, uint64_t *usec) { return 0; }
#endif

#define LOG_MOD "main"

struct daemon {
	uv_loop_t loop;
	uv_signal_t sigint, sigterm, sighup;
	uv_timer_t status_timer;    /* STATUS= for systemd, while it changes */
	uv_timer_t watchdog;        /* WATCHDOG=1, when systemd wants it */
	bool watchdog_on;
	uv_async_t committed;       /* the writer committed or passed a barrier */
	pthread_mutex_t async_mu;   /* guards committed_open */
	bool committed_open;        /* uv_async_send is allowed */
	ns_indexer_t *ix;
	ns_searcher_t *searcher;
	ns_watch_t *watch;
	ns_server_t *server;
	uint64_t ready_barrier;     /* the barrier queued after the first scan */
	bool ready;
	bool stopping;
	unsigned long long scanned; /* files the start-up scan found */
	char listening[512];        /* the sockets, for the log */
	char status[200];           /* the last STATUS= sent */
	uint64_t left;              /* files queued at the last status tick */
	unsigned long long started_ms, ready_ms; /* monotonic */
	const char *root;           /* the articles directory, absolute */
	int rootfd;                 /* and open, to resolve paths beneath */
	ns_config_t cfg;            /* the configuration in force */
	const ns_config_args_t *args; /* the command line, for reloads */
	uint64_t nofile;            /* descriptors the process may open */
	unsigned clamped;           /* max_connections clamped to this (0: not) */
};

/* Descriptors kept for everything but connections: the index (the
 * writer's tables, a compaction's copy, each pooled reader's), the files
 * being read ahead, the loop's own (inotify, epoll, signals, eventfd),
 * standard streams and the journal. */
#define FDS_RESERVED 128

/* ---- telling systemd ---- */

/* What the daemon is doing, in a few words, into BUF. */
static void describe(struct daemon *d, char *buf, size_t size)
{
	ns_indexer_stats_t st;
	ns_indexer_stats(d->ix, &st);
	ns_index_health_t h;
	ns_indexer_health(d->ix, &h);
	const char *gone = ns_watch_root_gone(d->watch, NULL);
	if (!h.writable)
		snprintf(buf, size, "read-only: %.120s; searching %llu articles, "
		         "retrying", h.error, (unsigned long long)st.documents);
	else if (gone)
		snprintf(buf, size, "articles directory gone (%s): searching the "
		         "%llu articles indexed before", gone,
		         (unsigned long long)st.documents);
	else if (!d->ready)
		snprintf(buf, size, "reconciling the tree with the index: %llu "
		         "files left", (unsigned long long)st.queued);
	else if (st.queued)
		snprintf(buf, size, "indexing: %llu files left; %llu articles",
		         (unsigned long long)st.queued,
		         (unsigned long long)st.documents);
	else
		snprintf(buf, size, "ready: %llu articles, revision %llu",
		         (unsigned long long)st.documents,
		         (unsigned long long)st.revision);
}

/* Send PREFIX (may be "") and the current STATUS= line to systemd. */
static void notify_status(struct daemon *d, const char *prefix)
{
	char now[sizeof d->status], msg[sizeof d->status + 64];
	describe(d, now, sizeof now);
	if (!*prefix && strcmp(now, d->status) == 0)
		return;
	snprintf(d->status, sizeof d->status, "%s", now);
	snprintf(msg, sizeof msg, "%s%sSTATUS=%s", prefix, *prefix ? "\n" : "",
	         now);
	sd_notify(0, msg);
}

static void on_status_timer(uv_timer_t *t)
{
	struct daemon *d = t->data;
	ns_indexer_stats_t st;
	ns_indexer_stats(d->ix, &st);
	/* A large tree takes longer to reconcile than TimeoutStartSec=: as
	 * long as files are being done, ask systemd for more time. */
	if (!d->ready && st.queued < d->left)
		sd_notify(0, "EXTEND_TIMEOUT_USEC=30000000");
	d->left = st.queued;
	notify_status(d, "");
}

static void on_watchdog(uv_timer_t *t)
{
	/* The loop turned: sockets are served and commits are seen. */
	sd_notify(0, "WATCHDOG=1");
}

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
	notify_status(d, "");
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
		notify_status(d, "READY=1");
	}
}

/* ---- read-your-writes ---- */

static uint64_t revision_of(void *ctx)
{
	struct daemon *d = ctx;
	ns_indexer_stats_t st;
	ns_indexer_stats(d->ix, &st);
	return st.revision;
}

static bool barrier_passed(void *ctx, uint64_t barrier)
{
	struct daemon *d = ctx;
	return ns_indexer_barrier_passed(d->ix, barrier);
}

/* Every change made before the request is on its way once the kernel's
 * queued events are read; the path itself is queued again in case it is
 * in a directory the watch limit left unwatched.  The barrier after it
 * commits all of that. */
static ns_status_t wait_begin(void *ctx, const char *path, uint64_t *barrier,
                              char *why, size_t why_size)
{
	struct daemon *d = ctx;
	if (path && ns_watch_skips(d->watch, path)) {
		snprintf(why, why_size, "%s is never indexed: its name is ignored "
		         "(hidden, temporary, backup or --ignore)", path);
		return NS_ERR_INVALID;
	}
	/* A link, or a path through one, is never a file of the tree. */
	struct stat sb;
	const char *never = NULL;
	if (path && ns_lstat_beneath(d->rootfd, path, &sb) < 0)
		never = errno == ELOOP || errno == EXDEV
		        ? ns_beneath_strerror(errno) : NULL;
	else if (path && S_ISLNK(sb.st_mode))
		never = "it is a symbolic link (links are never followed)";
	if (never) {
		snprintf(why, why_size, "%s is never indexed: %s", path, never);
		return NS_ERR_INVALID;
	}
	ns_watch_drain(d->watch);
	if (!path)
		return ns_indexer_barrier(d->ix, barrier);
	/* Without the articles directory the file is not there: the index
	 * keeps its article until the directory is back. */
	ns_status_t st = ns_watch_root_gone(d->watch, NULL)
	                 ? NS_OK : ns_indexer_put(d->ix, path);
	if (st == NS_OK)
		st = ns_indexer_barrier_path(d->ix, path, barrier);
	return st;
}

static const char *path_state(void *ctx, const char *path, char *reason,
                              size_t size)
{
	struct daemon *d = ctx;
	bool partial;
	if (ns_problems_get(ns_indexer_problems(d->ix), path, &partial, reason,
	                    size))
		return partial ? "partial" : "skipped";
	reason[0] = '\0';
	/* Without the articles directory no file is there (the descriptor
	 * still leads to the old one, wherever it went). */
	struct stat st;
	if (!ns_watch_root_gone(d->watch, NULL) &&
	    ns_lstat_beneath(d->rootfd, path, &st) == 0 && S_ISREG(st.st_mode))
		return "indexed";
	return "removed";
}

static void status_of(void *ctx, ns_daemon_status_t *out)
{
	struct daemon *d = ctx;
	ns_indexer_stats_t st;
	ns_indexer_stats(d->ix, &st);
	out->revision = st.revision;
	out->documents = st.documents;
	out->queued = st.queued;
	out->indexed = st.indexed;
	out->unchanged = st.unchanged;
	out->same_content = st.same_content;
	out->removed = st.removed;
	out->failed = st.failed;
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

/* ---- maintenance: reindex, compact, backup ---- */

/* A backup goes inside [index] backup_dir (made if missing), never into
 * the index or the tree, and to the place DIR's parent resolves to now:
 * what Xapian writes to is the path checked. */
static ns_status_t backup_begin(struct daemon *d, const char *dir,
                                uint64_t *barrier, char *why, size_t size)
{
	const char *allowed = d->cfg.backup_dir;
	if (allowed && mkdir(allowed, 0700) < 0 && errno != EEXIST) {
		snprintf(why, size, "%s (%s): cannot create: %s",
		         ns_config_name(NS_OPT_BACKUP_DIR), allowed, strerror(errno));
		return NS_ERR_INVALID;
	}
	char *target = NULL;
	ns_status_t st = ns_backup_path(dir, allowed, d->cfg.index, d->root,
	                                &target, why, size);
	if (st == NS_OK)
		st = ns_indexer_backup(d->ix, target, barrier, why, size);
	free(target);
	return st;
}

/* Loop thread: false while the index can be written; else true, and why
 * into WHY. */
static bool write_fault(void *ctx, char *why, size_t size)
{
	struct daemon *d = ctx;
	ns_index_health_t h;
	ns_indexer_health(d->ix, &h);
	if (h.writable)
		return false;
	snprintf(why, size, "%s; searches answer from the last commit, and "
	         "indexing resumes by itself when it can be written", h.error);
	return true;
}

/* A search could not read the index: the writer checks it. */
static void index_failed(void *ctx)
{
	struct daemon *d = ctx;
	ns_indexer_damaged(d->ix);
}

static ns_status_t op_begin(void *ctx, const ns_request_t *req,
                            uint64_t *barrier, char *why, size_t size)
{
	struct daemon *d = ctx;
	ns_status_t st;
	switch (req->op) {
	case NS_OP_REINDEX:
		/* What is on disk now is what gets read again: nothing, without
		 * the articles directory, and every article would go. */
		if (ns_watch_root_gone(d->watch, NULL)) {
			snprintf(why, size, "the articles directory is gone (%s): "
			         "nothing to read again until it is back",
			         ns_watch_root_gone(d->watch, NULL));
			return NS_ERR_UNAVAILABLE;
		}
		ns_watch_drain(d->watch);
		st = ns_indexer_reindex(d->ix, req->path ? req->path : "", barrier,
		                        why, size);
		break;
	case NS_OP_COMPACT:
		st = ns_indexer_compact(d->ix, barrier, why, size);
		break;
	case NS_OP_BACKUP:
		st = backup_begin(d, req->path, barrier, why, size);
		break;
	default:
		snprintf(why, size, "not a maintenance operation");
		return NS_ERR_INVALID;
	}
	if (st == NS_OK) {
		ns_maint_t op;
		ns_indexer_maint(d->ix, &op, NULL);
		ns_log(NS_LOG_NOTICE, LOG_MOD, "%s%s%s: queued",
		       ns_maint_name(op.op), op.target[0] ? " " : "", op.target);
	}
	return st;
}

static void op_last(void *ctx, ns_maint_t *last)
{
	struct daemon *d = ctx;
	ns_indexer_maint(d->ix, NULL, last);
}

/* Writer thread: a compacted index is swapped in while no search reads. */
static void exclusive(void *ctx, void (*swap)(void *arg), void *arg)
{
	struct daemon *d = ctx;
	ns_searcher_exclusive(d->searcher, swap, arg);
}

/* ---- reloading ---- */

/* What the configuration C asks of the server, within what the limit on
 * open files allows (said once when it changes). */
static ns_server_limits_t limits_of(struct daemon *d, const ns_config_t *c)
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

/* SIGHUP: read the configuration again and apply what can change while
 * running.  Anything wrong with it and the configuration in force stays,
 * whole. */
static void on_sighup(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	if (d->stopping)
		return;
	char msg[96];
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* MONOTONIC_USEC: systemd 253's Type=notify-reload wants it. */
	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
	         (unsigned long long)ts.tv_sec * 1000000ull +
	         (unsigned long long)ts.tv_nsec / 1000);
	sd_notify(0, msg);
	ns_log(NS_LOG_NOTICE, LOG_MOD, "SIGHUP: reloading the configuration%s%s",
	       d->cfg.file ? " from " : "", d->cfg.file ? d->cfg.file : "");

	ns_config_t next;
	char *why = NULL, *token = NULL;
	ns_status_t st = ns_config_build(d->args, &next, &why);
	if (st == NS_OK)
		st = ns_config_check(&next, &why);
	if (st == NS_OK && next.tcp_token_file && ns_server_has_tcp(d->server))
		st = ns_config_read_token(next.tcp_token_file, &token, &why);
	char *admin = NULL;
	if (st == NS_OK && next.admin_token_file && ns_server_has_tcp(d->server))
		st = ns_config_read_token(next.admin_token_file, &admin, &why);
	/* The synonyms last: a failure there keeps the groups in force. */
	if (st == NS_OK && (next.synonyms || d->cfg.synonyms))
		st = ns_searcher_load_synonyms(d->searcher, next.synonyms, &why);
	if (st != NS_OK) {
		ns_log(NS_LOG_ERR, LOG_MOD, "reload refused: %s; the configuration "
		       "in force is unchanged", why ? why : ns_status_str(st));
		ns_config_clear(&next); /* a failed build left it empty */
		free(why);
		if (token)
			explicit_bzero(token, strlen(token));
		free(token);
		if (admin)
			explicit_bzero(admin, strlen(admin));
		free(admin);
		notify_status(d, "READY=1");
		return;
	}
	ns_buf_t restart = {0}, changes = {0};
	if (ns_config_needs_restart(&d->cfg, &next, &restart))
		ns_log(NS_LOG_WARNING, LOG_MOD, "reload: %s changed: only a "
		       "restart applies that", restart.data);
	ns_log_level = next.log_level;
	ns_indexer_set_batching(d->ix, next.batch, next.commit_delay_ms);
	ns_server_limits_t lim = limits_of(d, &next);
	ns_server_set_limits(d->server, &lim);
	if (token) {
		ns_server_set_token(d->server, token);
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if (ns_server_has_tcp(d->server))
		ns_server_set_admin_token(d->server, admin); /* NULL: none now */
	if (admin) {
		explicit_bzero(admin, strlen(admin));
		free(admin);
	}
	ns_config_take_reloadable(&d->cfg, &next, &changes);
	/* The files behind the names are read again whether or not the
	 * names changed: say so, rather than "nothing changed". */
	if (d->cfg.synonyms)
		ns_buf_printf(&changes, "%s%s reread", changes.len ? ", " : "",
		              ns_config_name(NS_OPT_SYNONYMS));
	if (d->cfg.tcp_token_file && ns_server_has_tcp(d->server))
		ns_buf_printf(&changes, "%s%s reread", changes.len ? ", " : "",
		              ns_config_name(NS_OPT_TCP_TOKEN_FILE));
	if (d->cfg.admin_token_file && ns_server_has_tcp(d->server))
		ns_buf_printf(&changes, "%s%s reread", changes.len ? ", " : "",
		              ns_config_name(NS_OPT_ADMIN_TOKEN_FILE));
	ns_log(NS_LOG_NOTICE, LOG_MOD, "reloaded: %s",
	       changes.len ? changes.data : "nothing changed");
	ns_buf_free(&restart);
	ns_buf_free(&changes);
	ns_config_clear(&next);
	notify_status(d, "READY=1");
}

/* ---- stopping ---- */

static void on_signal(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	if (d->stopping)
		return;
	d->stopping = true;
	ns_log(NS_LOG_NOTICE, LOG_MOD, "%s: stopping", strsignal(signum));
	sd_notify(0, "STOPPING=1\nSTATUS=stopping: committing what is indexed");
	ns_server_close(d->server);
	d->server = NULL;
	ns_watch_close(d->watch);
	d->watch = NULL;
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sighup, NULL);
	uv_close((uv_handle_t *)&d->status_timer, NULL);
	if (d->watchdog_on)
		uv_close((uv_handle_t *)&d->watchdog, NULL);
	close_committed(d);
}

/* ---- start-up ---- */

/* mkdir -p for the index's parent directories, private to the daemon's
 * user as the index is. */
static void make_parents(const char *path)
{
	char *p = strdup(path);
	if (!p)
		return;
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			break;
		*s = '/';
	}
	free(p);
}

/* FILE's path below ROOT (both as realpath() sees them), pointing into
 * a static buffer; NULL when it is not below it or ROOT is "". */
static const char *under_root(const char *file, const char *root)
{
	static char real[PATH_MAX];
	size_t n = strlen(root);
	if (!n || !realpath(file, real) || strncmp(real, root, n) != 0 ||
	    real[n] != '/')
		return NULL;
	return real + n + 1;
}

/* --check: what the indexer would make of each file, one JSON line each.
 * A file under the articles directory also gets what its path says (a
 * date, a section), as the indexer would give it. */
static int check_files(char **files, int n, const ns_config_t *c)
{
	char root[PATH_MAX] = "";
	if (c->articles && !realpath(c->articles, root))
		root[0] = '\0';
	ns_parse_opts_t popts = {.default_language = c->language};
	size_t max = c->max_file_size;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		char *bytes = NULL, why[300] = "";
		size_t len = 0;
		ns_article_t *a = NULL;
		ns_status_t st = ns_read_file(files[i], max, &bytes, &len);
		if (st == NS_ERR_TOO_LARGE)
			snprintf(why, sizeof why, "too large: over the limit of %zu "
			         "bytes (--max-file-size)", max);
		else if (st != NS_OK)
			snprintf(why, sizeof why, "cannot read: %s", strerror(errno));
		if (st == NS_OK)
			st = ns_article_parse(bytes, len, files[i], &popts, &a, why,
			                      sizeof why);
		if (st == NS_OK && a->draft) {
			snprintf(why, sizeof why, "a draft (draft: true in its front "
			         "matter)");
			st = NS_ERR_FORMAT;
		}
		const char *rel = st == NS_OK ? under_root(files[i], root) : NULL;
		if (rel)
			st = ns_article_from_path(a, rel);
		free(bytes);
		json_t *out;
		if (st == NS_OK) {
			out = ns_article_json(a, NULL);
			json_t *w = json_array();
			for (size_t k = 0; w && k < a->warnings.n; k++)
				json_array_append_new(w, json_string(a->warnings.v[k]));
			if (out) {
				json_object_set_new(out, "warnings", w ? w : json_array());
				json_object_set_new(out, "ok", json_true());
			}
		} else {
			rc = 1;
			out = json_pack("{s:b, s:s}", "ok", 0, "reason",
			                why[0] ? why : ns_status_str(st));
		}
		if (out)
			json_object_set_new(out, "file", json_string(files[i]));
		char *line = out ? json_dumps(out, JSON_COMPACT)
		                 : NULL;
		if (line)
			printf("%s\n", line);
		else
			rc = 1;
		free(line);
		json_decref(out);
		ns_article_free(a);
	}
	return fflush(stdout) == 0 ? rc : 1;
}


/* Log a fatal start-up error, tell systemd, and return 1. */
static int fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fatal(const char *fmt, ...)
{
	char msg[1024], note[1100];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ns_log(NS_LOG_ERR, LOG_MOD, "%s", msg);
	snprintf(note, sizeof note, "STATUS=failed: %s", msg);
	sd_notify(0, note);
	return 1;
}

/* Like PostgreSQL with its data directory: an index other users may read
 * (one made by an older nsearchd, or under another umask) lets them read
 * every article with xapian-delve.  0, or 1 after saying what to run. */
static int private_index(const char *index)
{
	struct stat st;
	if (stat(index, &st) < 0 || !(st.st_mode & 077))
		return 0;
	return fatal("index %s: mode %04o lets other users read the articles "
	             "in it; make it private to the daemon's user with: chmod "
	             "-R go= %s", index, (unsigned)(st.st_mode & 07777), index);
}

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
		return fatal("socket %s: %s", c->socket, why);
	return 0;
}

/* The listening sockets: those systemd passed (socket activation), else
 * the configured ones.  Then the token, if any of them is TCP. */
static int open_sockets(struct daemon *d)
{
	const ns_config_t *c = &d->cfg;
	char *err = NULL, name[160];
	size_t off = 0;
	int n = sd_listen_fds(1);
	if (n < 0)
		return fatal("sockets from systemd: %s", strerror(-n));
	for (int i = 0; i < n; i++) {
		if (ns_server_adopt(d->server, SD_LISTEN_FDS_START + i, name,
		                    sizeof name, &err) != NS_OK) {
			int rc = fatal("socket from systemd: %s", err ? err : "?");
			free(err);
			return rc;
		}
		off += (size_t)snprintf(d->listening + off, sizeof d->listening - off,
		                        "%s%s", i ? ", " : "", name);
		if (off >= sizeof d->listening)
			off = sizeof d->listening - 1;
	}
	if (n > 0) {
		ns_log(NS_LOG_INFO, LOG_MOD, "socket activation: %d sockets from "
		       "systemd (%s); [socket] path and [tcp] listen are not used",
		       n, d->listening);
	} else {
		if (!c->socket)
			return fatal("no socket to listen on: for a user other than "
			             "root the default is $XDG_RUNTIME_DIR/nsearch/"
			             "nsearch.sock, and XDG_RUNTIME_DIR is not set; set "
			             "it, or %s (--socket, $NSEARCH_SOCKET)",
			             ns_config_name(NS_OPT_SOCKET));
		if (socket_dir(c) != 0)
			return 1;
		if (ns_server_listen_unix(d->server, c->socket, c->socket_mode,
		                          c->socket_group, &err) != NS_OK) {
			int rc = fatal("socket %s", err ? err : c->socket);
			free(err);
			return rc;
		}
		snprintf(d->listening, sizeof d->listening, "%s", c->socket);
		if (c->tcp_listen) {
			if (ns_server_listen_tcp(d->server, c->tcp_listen, &err) != NS_OK) {
				int rc = fatal("tcp %s", err ? err : c->tcp_listen);
				free(err);
				return rc;
			}
			size_t len = strlen(d->listening);
			snprintf(d->listening + len, sizeof d->listening - len,
			         ", %s (TCP)", c->tcp_listen);
		}
	}
	if (!ns_server_has_tcp(d->server))
		return 0;
	if (!c->tcp_token_file)
		return fatal("a TCP socket needs [tcp] token_file: clients must "
		             "send a token");
	char *token = NULL;
	if (ns_config_read_token(c->tcp_token_file, &token, &err) != NS_OK) {
		int rc = fatal("%s", err ? err : "out of memory");
		free(err);
		return rc;
	}
	ns_server_set_token(d->server, token);
	explicit_bzero(token, strlen(token));
	free(token);
	if (c->admin_token_file) {
		if (ns_config_read_token(c->admin_token_file, &token, &err) != NS_OK) {
			int rc = fatal("%s", err ? err : "out of memory");
			free(err);
			return rc;
		}
		ns_server_set_admin_token(d->server, token);
		explicit_bzero(token, strlen(token));
		free(token);
	}
	return 0;
}

static int run(const ns_config_args_t *args, ns_config_t *cfg);

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
		if (!args.check_config) {
			char note[1100];
			snprintf(note, sizeof note, "STATUS=failed: %s",
			         err ? err : "out of memory");
			sd_notify(0, note);
		}
		free(err);
		ns_config_args_free(&args);
		return 2;
	}
	ns_log_level = cfg.log_level;
	if (args.check) {
		rc = check_files(args.files, args.nfiles, &cfg);
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

static int run(const ns_config_args_t *args, ns_config_t *cfg)
{
	/* The index, its copies and backups hold every article's text: what
	 * the daemon makes is its user's alone (systemd's UMask= says the
	 * same). */
	umask(077);
	char *err = NULL;
	ns_status_t cst = ns_config_check(cfg, &err);
	if (cst != NS_OK) {
		int rc = fatal("%s", err ? err : "out of memory");
		free(err);
		/* A configuration that can never work is not retried. */
		return cst == NS_ERR_FORMAT ? 2 : rc;
	}
	char root[PATH_MAX];
	int rootfd = realpath(cfg->articles, root) ? ns_root_open(root) : -1;
	if (rootfd < 0)
		return fatal("articles directory %s: %s", cfg->articles,
		             strerror(errno));
	if (private_index(cfg->index) != 0) {
		close(rootfd);
		return 2; /* said why; a restart would not mend it */
	}
	signal(SIGPIPE, SIG_IGN);

	/* The configuration moves into the daemon; CFG is left empty. */
	struct daemon d = {.root = root, .rootfd = rootfd, .cfg = *cfg,
	                   .args = args};
	/* As many descriptors as allowed: a burst of connections or of files
	 * to read must not run the index out of them. */
	if (ns_raise_nofile(&d.nofile) != NS_OK)
		ns_log(NS_LOG_WARNING, LOG_MOD, "cannot raise the limit on open "
		       "files to its hard limit: %s; %llu allowed", strerror(errno),
		       (unsigned long long)d.nofile);
	memset(cfg, 0, sizeof *cfg);
	const ns_config_t *c = &d.cfg;
	make_parents(c->index);
	unsigned rules_hash = 2166136261u; /* FNV-1a over the --ignore globs */
	for (size_t i = 0; i < c->ignore.n; i++)
		for (const char *p = c->ignore.v[i];; p++) {
			rules_hash = (rules_hash ^ (unsigned char)*p) * 16777619u;
			if (!*p)
				break;
		}
	ns_indexer_opts_t iopts = {
		.index_dir = c->index, .articles_dir = root,
		.batch_max = c->batch, .commit_delay_ms = c->commit_delay_ms,
		.max_file_bytes = c->max_file_size,
		.default_language = c->language,
		.skips = skips_path, .rules_hash = rules_hash,
		.on_commit = on_commit, .exclusive = exclusive, .ctx = &d,
		.check = (ns_index_check_t)c->index_check,
	};
	d.started_ms = ns_now_ms();
	int rc = 0;
	uv_loop_init(&d.loop);
	uv_async_init(&d.loop, &d.committed, on_committed);
	d.committed.data = &d;
	pthread_mutex_init(&d.async_mu, NULL);
	d.committed_open = true;
	if (ns_indexer_start(&iopts, &d.ix, &err) != NS_OK) {
		rc = fatal("index %s: %s", c->index, err ? err : "cannot open");
		free(err);
		close_committed(&d);
		uv_run(&d.loop, UV_RUN_DEFAULT);
		uv_loop_close(&d.loop);
		ns_config_clear(&d.cfg);
		close(d.rootfd);
		return rc;
	}
	ns_searcher_new(c->index, &d.searcher);
	if (d.searcher) {
		char code[16];
		ns_language_normalise(c->language, strlen(c->language), code);
		ns_searcher_set_language(d.searcher, code);
		ns_searcher_set_limits(d.searcher, c->max_expansion,
		                       c->query_timeout_ms);
		ns_proto_set_limits(c->max_results, c->max_offset);
	}
	ns_server_handlers_t handlers = {
		.searcher = d.searcher, .status = status_of,
		.problems = ns_indexer_problems(d.ix), .revision = revision_of,
		.wait_begin = wait_begin, .barrier_passed = barrier_passed,
		.path_state = path_state, .op_begin = op_begin,
		.write_fault = write_fault, .index_failed = index_failed,
		.op_last = op_last, .ctx = &d,
	};
	ns_server_limits_t lim = limits_of(&d, c);
	ns_watch_opts_t wopts = {
		.rescan_interval_ms = c->rescan_interval_s * 1000,
		.ignore = &d.cfg.ignore,
	};
	ns_watch_cbs_t cbs = {
		.put = on_put, .remove = on_remove, .remove_tree = on_remove_tree,
		.scan_begin = on_scan_begin, .scan_end = on_scan_end,
		.root_changed = on_root_changed,
		.root_reopened = on_root_reopened, .ctx = &d,
	};
	if (!d.searcher ||
	    ns_server_new(&d.loop, &handlers, &lim, &d.server) != NS_OK) {
		rc = fatal("out of memory");
	} else if (c->synonyms &&
	           ns_searcher_load_synonyms(d.searcher, c->synonyms, &err) != NS_OK) {
		rc = fatal("%s", err ? err : "synonyms: out of memory");
	} else if ((rc = open_sockets(&d)) != 0) {
		/* said why */
	} else if (ns_watch_start(&d.loop, root, &wopts, &cbs, &d.watch,
	                          &err) != NS_OK) {
		rc = fatal("watch %s: %s", root, err ? err : "cannot start");
	}
	free(err);
	if (rc) {
		ns_server_close(d.server);
		close_committed(&d);
		uv_run(&d.loop, UV_RUN_DEFAULT);
		ns_indexer_stop(d.ix);
		ns_searcher_free(d.searcher);
		uv_loop_close(&d.loop);
		ns_config_clear(&d.cfg);
		close(d.rootfd);
		return rc;
	}
	ns_log(NS_LOG_INFO, LOG_MOD,
	       "nsearchd %s: articles %s, index %s: %llu files to reconcile",
	       NS_VERSION, root, c->index, d.scanned);
	/* The scan's sweep is queued: articles deleted while the daemon was
	 * down leave the index before it says it is ready. */
	ns_indexer_barrier(d.ix, &d.ready_barrier);

	uv_signal_init(&d.loop, &d.sigint);
	uv_signal_init(&d.loop, &d.sigterm);
	uv_signal_init(&d.loop, &d.sighup);
	d.sigint.data = d.sigterm.data = d.sighup.data = &d;
	uv_signal_start(&d.sigint, on_signal, SIGINT);
	uv_signal_start(&d.sigterm, on_signal, SIGTERM);
	uv_signal_start(&d.sighup, on_sighup, SIGHUP);

	/* systemd hears at once how much there is to reconcile, then about
	 * once a second while it changes. */
	notify_status(&d, "");
	uv_timer_init(&d.loop, &d.status_timer);
	d.status_timer.data = &d;
	uv_timer_start(&d.status_timer, on_status_timer, 1000, 1000);
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
		uint64_t every = usec / 2000 ? usec / 2000 : 1; /* half, in ms */
		uv_timer_init(&d.loop, &d.watchdog);
		uv_timer_start(&d.watchdog, on_watchdog, every, every);
		d.watchdog_on = true;
	}

	uv_run(&d.loop, UV_RUN_DEFAULT);

	/* The loop is empty: no connection, no search in flight.  Commit what
	 * the writer has in hand and leave. */
	ns_indexer_stop(d.ix);
	ns_searcher_free(d.searcher);
	rc = uv_loop_close(&d.loop);
	if (rc)
		ns_log(NS_LOG_WARNING, LOG_MOD, "loop closed with handles open: %s",
		       uv_strerror(rc));
	ns_config_clear(&d.cfg);
	close(d.rootfd);
	ns_log(NS_LOG_NOTICE, LOG_MOD, "stopped");
	return 0;
}
