/* index.c - the writer thread and the queue that feeds it.
 *
 * Owns the only nsx_writer_t; nothing else may open the database for
 * writing.  It never touches libuv: callers on the loop thread only take the
 * queue mutex, never wait for Xapian.
 */
#include "daemon/index_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "daemon/jobq.h"
#include "core/log.h"
#include "core/pathmap.h"
#include "core/safepath.h"
#include "daemon/schema.h"
#include "daemon/fault.h"
#include "daemon/retry.h"


/* ---- the queue ------------------------------------------------------------ */

ns_status_t enqueue_job(ns_indexer_t *ix, enum job_op op, const char *path,
                        uint64_t *seq)
{
	if (!ix || !path)
		return NS_ERR_INVALID;
	struct job *j = job_new(op, path, 0, 0);
	if (!j)
		return NS_ERR_NOMEM;

	pthread_mutex_lock(&ix->mu);
	j->gen = op == JOB_PRUNE && seq ? *seq : ix->gen;
	/* Barriers, and maintenance, which passes a barrier when done. */
	if (op == JOB_BARRIER || op == JOB_BARRIER_PATH ||
	    op == JOB_REINDEX_TREE || op == JOB_COMPACT || op == JOB_BACKUP)
		j->barrier = ++ix->barriers_queued;
	uint64_t barrier = j->barrier;
	if (jobq_push(ix->q, j)) {
		if (barrier && seq)
			*seq = barrier;
		else if (op != JOB_PRUNE && !barrier)
			ix->stats.queued++;
		pthread_cond_signal(&ix->wake);
	}
	pthread_mutex_unlock(&ix->mu);
	return NS_OK;
}

ns_status_t ns_indexer_put(ns_indexer_t *ix, const char *relpath)
{
	return enqueue_job(ix, JOB_PUT, relpath, NULL);
}

ns_status_t ns_indexer_put_scanned(ns_indexer_t *ix, const char *relpath)
{
	return enqueue_job(ix, JOB_PUT_SCANNED, relpath, NULL);
}

uint64_t ns_indexer_scan_begin(ns_indexer_t *ix)
{
	pthread_mutex_lock(&ix->mu);
	uint64_t g = ++ix->gen;
	pthread_mutex_unlock(&ix->mu);
	return g;
}

ns_status_t ns_indexer_remove(ns_indexer_t *ix, const char *relpath)
{
	return enqueue_job(ix, JOB_REMOVE, relpath, NULL);
}

ns_status_t ns_indexer_remove_tree(ns_indexer_t *ix, const char *reldir)
{
	return enqueue_job(ix, JOB_REMOVE_TREE, reldir, NULL);
}

ns_status_t ns_indexer_prune(ns_indexer_t *ix, const char *reldir,
                             uint64_t gen)
{
	return enqueue_job(ix, JOB_PRUNE, reldir ? reldir : "", &gen);
}

ns_status_t ns_indexer_reopen_root(ns_indexer_t *ix)
{
	return enqueue_job(ix, JOB_REOPEN_ROOT, "", NULL);
}

ns_status_t ns_indexer_barrier(ns_indexer_t *ix, uint64_t *seq)
{
	return enqueue_job(ix, JOB_BARRIER, "", seq);
}

ns_status_t ns_indexer_barrier_path(ns_indexer_t *ix, const char *relpath,
                                    uint64_t *seq)
{
	return enqueue_job(ix, JOB_BARRIER_PATH, relpath, seq);
}

/* Record barrier B as passed; the caller holds mu. */
void mark_passed(ns_indexer_t *ix, uint64_t b)
{
	if (b == ix->passed_upto + 1) {
		ix->passed_upto = b;
		/* Barriers that passed ahead of it may now join the run. */
		for (bool more = true; more;) {
			more = false;
			for (size_t i = 0; i < ix->npassed; i++)
				if (ix->passed[i] == ix->passed_upto + 1) {
					ix->passed_upto++;
					ix->passed[i] = ix->passed[--ix->npassed];
					more = true;
					break;
				}
		}
		return;
	}
	uint64_t *p = realloc(ix->passed, (ix->npassed + 1) * sizeof *p);
	if (!p)
		return; /* its waiter times out; nothing is lost */
	ix->passed = p;
	ix->passed[ix->npassed++] = b;
}

bool ns_indexer_barrier_passed(ns_indexer_t *ix, uint64_t b)
{
	pthread_mutex_lock(&ix->mu);
	bool passed = b <= ix->passed_upto;
	for (size_t i = 0; !passed && i < ix->npassed; i++)
		passed = ix->passed[i] == b;
	pthread_mutex_unlock(&ix->mu);
	return passed;
}

void run_exclusive(ns_indexer_t *ix, void (*fn)(void *arg), void *arg)
{
	if (ix->exclusive)
		ix->exclusive(ix->ctx, fn, arg);
	else
		fn(arg);
}

void ns_indexer_stats(ns_indexer_t *ix, ns_indexer_stats_t *out)
{
	pthread_mutex_lock(&ix->mu);
	*out = ix->stats;
	pthread_mutex_unlock(&ix->mu);
}

/* ---- the writer thread ------------------------------------------------------ */

void stats_add(ns_indexer_t *ix, uint64_t *field, uint64_t n)
{
	pthread_mutex_lock(&ix->mu);
	*field += n;
	pthread_mutex_unlock(&ix->mu);
}

/* Returns false when the commit failed: the index is then read-only
 * until a write works again, and the changes lost go back in the queue
 * (writer_fault). */
static bool commit_now(ns_indexer_t *ix)
{
	if (!ix->w)
		return false;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	nsx_status_t xst = nsx_writer_commit(ix->w);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ix->last_commit_ms = (unsigned)((t1.tv_sec - t0.tv_sec) * 1000 +
	                                (t1.tv_nsec - t0.tv_nsec) / 1000000);
	if (xst != NSX_OK) {
		writer_fault(ix, xst, "commit");
		return false;
	}
	ns_strv_clear(&ix->unwritten);
	uint64_t rev = nsx_writer_revision(ix->w);
	uint64_t docs = nsx_writer_doccount(ix->w);
	pthread_mutex_lock(&ix->mu);
	ix->stats.revision = rev;
	ix->stats.documents = docs;
	ix->stats.last_commit = wall_ns() / 1000000;
	pthread_mutex_unlock(&ix->mu);
	return true;
}

void notify_commit(ns_indexer_t *ix)
{
	if (ix->on_commit)
		ix->on_commit(ix->ctx);
}

/* Commit what is pending.  Returns whether it is committed; when not,
 * the index is read-only (ix->w NULL) and what was pending is queued to
 * be done again once it can be written. */
bool commit_pending(ns_indexer_t *ix, unsigned *pending,
                           struct timespec *deadline)
{
	if (!ix->w)
		return false;
	if (!*pending)
		return true;
	bool ok = commit_now(ix);
	*pending = 0;
	if (ok)
		notify_commit(ix);
	return ok;
}

/* N more changes wait for a commit: the first starts the clock. */
void note_changes(ns_indexer_t *ix, unsigned n, unsigned *pending,
                         struct timespec *deadline)
{
	/* Commits may take a quarter of the writer's time at most: under a
	 * bulk load, when each takes long, they come less often.  A wait
	 * (read your writes) commits at once anyway. */
	unsigned delay = __atomic_load_n(&ix->commit_delay_ms, __ATOMIC_RELAXED);
	if (delay < 3 * ix->last_commit_ms)
		delay = 3 * ix->last_commit_ms;
	if (n && *pending == 0)
		*deadline = deadline_after(delay);
	*pending += n;
}

/* A full batch, or a deadline passed under a steady stream of work:
 * either way, commit now. */
static void maybe_commit(ns_indexer_t *ix, unsigned *pending,
                         struct timespec *deadline)
{
	if (*pending && (*pending >= __atomic_load_n(&ix->batch_max,
	                                             __ATOMIC_RELAXED) ||
	                 ts_past(deadline)))
		commit_pending(ix, pending, deadline);
}

/* Writer thread: maintenance and barriers, which come after every file
 * taken before them. */
static void run_fence(ns_indexer_t *ix, struct job *j, unsigned *pending,
                      struct timespec *deadline)
{
	switch (j->op) {
	case JOB_COMPACT:
	case JOB_BACKUP:
		/* On the committed index only; it passes its barrier
		 * when done, whichever way. */
		if (commit_pending(ix, pending, deadline))
			maint_run(ix, j->op, j->path);
		else
			maint_finish(ix, false, "cannot commit the changes pending: "
			             "%s", ix->health.error);
		pthread_mutex_lock(&ix->mu);
		mark_passed(ix, j->barrier);
		pthread_mutex_unlock(&ix->mu);
		notify_commit(ix);
		break;
	default: /* JOB_BARRIER, JOB_BARRIER_PATH */
		reindex_done(ix, j->barrier);
		pthread_mutex_lock(&ix->mu);
		ix->stats.barriers++;
		mark_passed(ix, j->barrier);
		pthread_mutex_unlock(&ix->mu);
		notify_commit(ix);
		break;
	}
}

/* Writer thread: the articles directory at its path is a new one (it was
 * deleted or swapped and is back): read beneath that one from now on.
 * No file is being read ahead (a fence settles them first), so nothing
 * holds the old descriptor. */
static void reopen_root(ns_indexer_t *ix)
{
	int fd = ns_root_open(ix->articles_dir);
	if (fd < 0) {
		ns_log(NS_LOG_ERR, LOG_MOD, "%s: cannot open the articles "
		       "directory again: %s", ix->articles_dir, strerror(errno));
		return;
	}
	close(ix->rootfd);
	ix->rootfd = fd;
}

/* Writer thread: do job J (and free it). */
static void run_job(ns_indexer_t *ix, struct job *j, unsigned *pending,
                    struct timespec *deadline)
{
	bool changed = false;
	struct prep *p = NULL;
	if (j->op == JOB_PUT || j->op == JOB_PUT_SCANNED || j->op == JOB_REDO) {
		/* Read ahead, applied in order by settle_reads() below. */
		enum check c = put_check(ix, j->path, j->op == JOB_PUT_SCANNED,
		                         j->gen, j->op == JOB_REDO, &p);
		if (c == CHECK_READ)
			readahead_submit(ix->ra, p);
		changed = c == CHECK_CHANGED;
	} else {
		/* Anything else comes after every file taken before it. */
		note_changes(ix, settle_reads(ix, true), pending, deadline);
	}
	switch (j->op) {
	case JOB_PUT:
	case JOB_PUT_SCANNED:
	case JOB_REDO:
		break;
	case JOB_REINDEX:
		changed = put_path(ix, j->path, false, j->gen, true);
		pthread_mutex_lock(&ix->mu);
		if (ix->maint.op == NS_MAINT_REINDEX) {
			ix->maint.running = true;
			ix->maint.done++;
		}
		pthread_mutex_unlock(&ix->mu);
		break;
	case JOB_REINDEX_TREE:
		reindex_tree(ix, j->path, j->barrier);
		break;
	case JOB_REMOVE: changed = remove_path(ix, j->path); break;
	case JOB_REMOVE_TREE: changed = remove_tree(ix, j->path); break;
	case JOB_PRUNE: changed = prune(ix, j->path, j->gen); break;
	case JOB_REOPEN_ROOT: reopen_root(ix); break;
	case JOB_BARRIER:
	case JOB_BARRIER_PATH:
		/* A barrier passes only on what is committed: until the index
		 * can be written again, it waits at the front. */
		if (!commit_pending(ix, pending, deadline)) {
			pthread_mutex_lock(&ix->mu);
			jobq_push_front(ix->q, j);
			pthread_mutex_unlock(&ix->mu);
			return;
		}
		/* fall through */
	case JOB_COMPACT:
	case JOB_BACKUP:
		run_fence(ix, j, pending, deadline);
		break;
	}
	free(j);
	note_changes(ix, changed + settle_reads(ix, false), pending, deadline);
	maybe_commit(ix, pending, deadline);
}

/* Writer thread: the reads that failed for a passing reason and are due
 * again go back in the queue. */
static void requeue_reads(ns_indexer_t *ix)
{
	ns_strv_t due = {0};
	ns_retry_due(ix->retries, (int64_t)ns_now_ms(), &due);
	for (size_t i = 0; i < due.n; i++)
		enqueue_job(ix, JOB_PUT, due.v[i], NULL);
	ns_strv_clear(&due);
}

/* Under mu, nothing to do: sleep until work comes, the pending changes
 * are due for a commit (then commit them) or a read is due again. */
static void writer_idle(ns_indexer_t *ix, unsigned *pending,
                        struct timespec *deadline)
{
	int64_t due = ns_retry_next(ix->retries);
	struct timespec until = *deadline;
	if (due >= 0) {
		int64_t in = due - (int64_t)ns_now_ms();
		struct timespec t = deadline_after(in > 0 ? (unsigned)in : 0);
		if (!*pending || t.tv_sec < until.tv_sec ||
		    (t.tv_sec == until.tv_sec && t.tv_nsec < until.tv_nsec))
			until = t;
	}
	if (*pending || due >= 0)
		pthread_cond_timedwait(&ix->wake, &ix->mu, &until);
	else
		pthread_cond_wait(&ix->wake, &ix->mu);
	if (ix->stopping)
		return;
	pthread_mutex_unlock(&ix->mu);
	if (*pending && ts_past(deadline))
		commit_pending(ix, pending, deadline);
	if (due >= 0 && due <= (int64_t)ns_now_ms())
		requeue_reads(ix);
	pthread_mutex_lock(&ix->mu);
}

/* Under mu, the index not writable: settle what is being read (it is
 * noted to be done again), then wait for the next attempt to write. */
static void writer_read_only(ns_indexer_t *ix)
{
	pthread_mutex_unlock(&ix->mu);
	settle_reads(ix, true);
	pthread_mutex_lock(&ix->mu);
	if (ix->stopping)
		return;
	if (!ts_past(&ix->recover_at)) {
		pthread_cond_timedwait(&ix->wake, &ix->mu, &ix->recover_at);
		return;
	}
	pthread_mutex_unlock(&ix->mu);
	try_recover(ix);
	pthread_mutex_lock(&ix->mu);
}

static void *writer_main(void *arg)
{
	ns_indexer_t *ix = arg;
	unsigned pending = 0;       /* changes not yet committed */
	struct timespec deadline = {0}; /* when they must be, if pending */

	pthread_mutex_lock(&ix->mu);
	while (!ix->stopping) {
		ix->health.read_retries = ns_retry_count(ix->retries);
		ix->health.unwritten = ix->unwritten.n;
		if (!ix->w) {
			pending = 0;
			writer_read_only(ix);
			continue;
		}
		if (ix->suspect) {
			ix->suspect = false;
			pthread_mutex_unlock(&ix->mu);
			verify_index(ix, &pending, &deadline);
			pthread_mutex_lock(&ix->mu);
			continue;
		}
		struct job *j = jobq_pop(ix->q);
		if (!j && readahead_inflight(ix->ra)) { /* nothing else to do meanwhile */
			pthread_mutex_unlock(&ix->mu);
			note_changes(ix, settle_reads(ix, true), &pending, &deadline);
			maybe_commit(ix, &pending, &deadline);
			pthread_mutex_lock(&ix->mu);
			continue;
		}
		if (!j) {
			writer_idle(ix, &pending, &deadline);
			continue;
		}
		if (!j->barrier && j->op != JOB_PRUNE)
			ix->stats.queued--;
		pthread_mutex_unlock(&ix->mu);
		run_job(ix, j, &pending, &deadline);
		pthread_mutex_lock(&ix->mu);
	}
	pthread_mutex_unlock(&ix->mu);
	/* What was read is indexed before the last commit. */
	if ((settle_reads(ix, true) || pending) && ix->w)
		commit_now(ix);
	if (ix->unwritten.n)
		ns_log(NS_LOG_WARNING, LOG_MOD, "stopped with %zu changes not "
		       "written (the index could not be written); the next start "
		       "reads them again", ix->unwritten.n);
	return NULL;
}

ns_status_t ns_indexer_start(const ns_indexer_opts_t *opts,
                             ns_indexer_t **out, char **errmsg)
{
	if (errmsg)
		*errmsg = NULL;
	if (!opts || !opts->index_dir || !opts->articles_dir || !out)
		return NS_ERR_INVALID;
	ns_indexer_t *ix = calloc(1, sizeof *ix);
	if (!ix)
		return NS_ERR_NOMEM;
	ix->rootfd = ns_root_open(opts->articles_dir);
	ix->articles_dir = strdup(opts->articles_dir);
	int root_err = errno;
	ix->batch_max = opts->batch_max ? opts->batch_max : 1000;
	ix->commit_delay_ms = opts->commit_delay_ms ? opts->commit_delay_ms : 50;
	ix->max_file_bytes = opts->max_file_bytes ? opts->max_file_bytes
	                                          : NS_DEFAULT_MAX_FILE;
	ix->parse.default_language = opts->default_language;
	ix->problems = ns_problems_new();
	ix->files = ns_pathmap_new();
	ix->q = jobq_new();
	meta_tag_make(ix, opts->default_language, opts->rules_hash);
	ix->skips = opts->skips;
	ix->on_commit = opts->on_commit;
	ix->exclusive = opts->exclusive;
	ix->ctx = opts->ctx;
	ix->index_dir = strdup(opts->index_dir);
	if (ix->rootfd < 0 || !ix->problems || !ix->files || !ix->q ||
	    !ix->index_dir || !ix->articles_dir) {
		ns_status_t st = ix->rootfd < 0 ? NS_ERR_IO : NS_ERR_NOMEM;
		if (ix->rootfd >= 0)
			close(ix->rootfd);
		else if (errmsg)
			*errmsg = strdup(strerror(root_err));
		ns_problems_free(ix->problems);
		ns_pathmap_free(ix->files);
		jobq_free(ix->q);
		free(ix->articles_dir);
		free(ix->index_dir);
		free(ix);
		return st;
	}
	ix->retries = ns_retry_new();
	ix->health.writable = true;
	ix->check = opts->check;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ix->wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&ix->mu, NULL);
	ns_status_t ost = ix->retries ? open_index(ix, errmsg) : NS_ERR_NOMEM;
	if (ost != NS_OK) {
		pthread_cond_destroy(&ix->wake);
		pthread_mutex_destroy(&ix->mu);
		ns_retry_free(ix->retries);
		ns_problems_free(ix->problems);
		ns_pathmap_free(ix->files);
		jobq_free(ix->q);
		close(ix->rootfd);
		free(ix->articles_dir);
		free(ix->index_dir);
		free(ix);
		return ost;
	}

	int rc = readahead_start(prep_read, ix, &ix->ra) == NS_OK
	         ? pthread_create(&ix->thread, NULL, writer_main, ix) : ENOMEM;
	if (rc != 0) {
		if (errmsg)
			*errmsg = strdup(strerror(rc));
		readahead_stop(ix->ra);
		nsx_writer_close(ix->w);
		pthread_cond_destroy(&ix->wake);
		pthread_mutex_destroy(&ix->mu);
		ns_retry_free(ix->retries);
		ns_problems_free(ix->problems);
		ns_pathmap_free(ix->files);
		jobq_free(ix->q);
		close(ix->rootfd);
		free(ix->articles_dir);
		free(ix->index_dir);
		free(ix);
		return NS_ERR_IO;
	}
	*out = ix;
	return NS_OK;
}

void ns_indexer_stop(ns_indexer_t *ix)
{
	if (!ix)
		return;
	pthread_mutex_lock(&ix->mu);
	ix->stopping = true;
	pthread_cond_signal(&ix->wake);
	pthread_mutex_unlock(&ix->mu);
	pthread_join(ix->thread, NULL);
	readahead_stop(ix->ra);

	size_t dropped = jobq_free(ix->q);
	if (dropped)
		ns_log(NS_LOG_NOTICE, LOG_MOD,
		       "stopped with %zu paths queued; the next start rescans",
		       dropped);
	nsx_writer_close(ix->w);
	pthread_cond_destroy(&ix->wake);
	pthread_mutex_destroy(&ix->mu);
	ns_problems_free(ix->problems);
	ns_pathmap_free(ix->files);
	ns_strv_clear(&ix->unstemmed);
	ns_strv_clear(&ix->unwritten);
	ns_retry_free(ix->retries);
	free(ix->passed);
	close(ix->rootfd);
	free(ix->articles_dir);
	free(ix->index_dir);
	free(ix);
}

void ns_indexer_set_batching(ns_indexer_t *ix, unsigned batch_max,
                              unsigned commit_delay_ms)
{
	if (!ix)
		return;
	__atomic_store_n(&ix->batch_max, batch_max ? batch_max : 1000,
	                 __ATOMIC_RELAXED);
	__atomic_store_n(&ix->commit_delay_ms,
	                 commit_delay_ms ? commit_delay_ms : 50, __ATOMIC_RELAXED);
}

ns_problems_t *ns_indexer_problems(ns_indexer_t *ix)
{
	return ix ? ix->problems : NULL;
}
