/* index.c - the indexer's front: starting and stopping it, and the queue
 * every other thread hands work to (puts, removals, scans, barriers),
 * with the barriers passed and the counters they read.  Callers only take
 * the queue's mutex, never wait for Xapian: the writer thread (writer.c)
 * does the work, and owns the only nsx_writer_t. */
#include "daemon/index_impl.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/safepath.h"

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
	if (!ix) { /* a replica's: no writer */
		memset(out, 0, sizeof *out);
		return;
	}
	pthread_mutex_lock(&ix->mu);
	*out = ix->stats;
	pthread_mutex_unlock(&ix->mu);
}

void stats_add(ns_indexer_t *ix, uint64_t *field, uint64_t n)
{
	pthread_mutex_lock(&ix->mu);
	*field += n;
	pthread_mutex_unlock(&ix->mu);
}

/* IX's fields from OPTS.  The lock and the condition come first, so that
 * indexer_free may always destroy them. */
static ns_status_t indexer_init(ns_indexer_t *ix,
                                const ns_indexer_opts_t *opts, char **errmsg)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ix->wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&ix->mu, NULL);
	ix->rootfd = ns_root_open(opts->articles_dir);
	int root_err = errno;
	ix->articles_dir = strdup(opts->articles_dir);
	ix->index_dir = strdup(opts->index_dir);
	ix->batch_max = opts->batch_max ? opts->batch_max : 1000;
	ix->commit_delay_ms = opts->commit_delay_ms ? opts->commit_delay_ms : 50;
	ix->max_file_bytes = opts->max_file_bytes ? opts->max_file_bytes
	                                          : NS_DEFAULT_MAX_FILE;
	ix->parse.default_language = opts->default_language;
	meta_tag_make(ix, opts->default_language, opts->rules_hash);
	ix->skips = opts->skips;
	ix->on_commit = opts->on_commit;
	ix->around_commit = opts->around_commit;
	ix->exclusive = opts->exclusive;
	ix->ctx = opts->ctx;
	ix->check = opts->check;
	ix->bulk_writers = opts->bulk_writers;
	ix->auto_compact = opts->auto_compact;
	ix->health.writable = true;
	ix->problems = ns_problems_new();
	ix->files = ns_pathmap_new();
	ix->q = jobq_new();
	ix->retries = ns_retry_new();
	ix->sidecars = ns_sidecars_new(ix->max_file_bytes);
	if (ix->rootfd < 0) {
		if (errmsg)
			*errmsg = strdup(strerror(root_err));
		return NS_ERR_IO;
	}
	if (!ix->articles_dir || !ix->index_dir || !ix->problems ||
	    !ix->files || !ix->q || !ix->retries || !ix->sidecars)
		return NS_ERR_NOMEM;
	return NS_OK;
}

/* The readers-ahead, then the writer thread. */
static ns_status_t start_threads(ns_indexer_t *ix, char **errmsg)
{
	ns_status_t st = readahead_start(prep_read, ix, &ix->ra);
	if (st != NS_OK)
		return st;
	bulk_begin(ix, ix->bulk_writers);
	int rc = pthread_create(&ix->thread, NULL, writer_main, ix);
	if (rc != 0) {
		if (errmsg)
			*errmsg = strdup(strerror(rc));
		return NS_ERR_IO;
	}
	return NS_OK;
}

/* Free IX and whatever of it was made, once the writer thread has
 * stopped or if it never started: ns_indexer_stop, and the one failure
 * path of ns_indexer_start. */
static void indexer_free(ns_indexer_t *ix)
{
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
	ns_sidecars_free(ix->sidecars);
	free(ix->passed);
	if (ix->rootfd >= 0)
		close(ix->rootfd);
	free(ix->articles_dir);
	free(ix->index_dir);
	free(ix);
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
	ns_status_t st = indexer_init(ix, opts, errmsg);
	if (st == NS_OK)
		st = open_index(ix, errmsg);
	if (st == NS_OK)
		st = start_threads(ix, errmsg);
	if (st != NS_OK) {
		indexer_free(ix);
		return st;
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
	indexer_free(ix);
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
