/* daemon_ops.c - what the server asks of the daemon: the revision, the
 * waits (read-your-writes: a barrier after a path's change), what became
 * of a path, maintenance (reindex, compact, backup), and the index's
 * health.  Loop thread; it answers with statuses and figures, never with
 * wire JSON (the server builds the replies). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/safepath.h"
#include "daemon/nsearchd.h"

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


ns_server_handlers_t ns_ops_handlers(struct daemon *d)
{
	return (ns_server_handlers_t){
		.searcher = d->searcher, .querylog = d->querylog,
		.problems = ns_indexer_problems(d->ix),
		.revision = revision_of, .wait_begin = wait_begin,
		.barrier_passed = barrier_passed, .path_state = path_state,
		.op_begin = op_begin, .op_last = op_last,
		.write_fault = write_fault, .index_failed = index_failed,
		.ctx = d,
	};
}
