/* writer.c - the writer thread: it takes the next job from the queue and
 * runs it (one small function per kind of job), and commits when a batch
 * is full, a deadline after the first change passes, or a barrier asks.
 * It owns the only nsx_writer_t; it never touches libuv, and holds the
 * queue's mutex only to take work, never while Xapian works. */
#include "daemon/index_impl.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/safepath.h"

/* ---- commits ------------------------------------------------------------- */

/* Returns false when the commit failed: the index is then read-only
 * until a write works again, and the changes lost go back in the queue
 * (writer_fault). */
static bool commit_now(ns_indexer_t *ix)
{
	if (!ix->w)
		return false;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	nsx_status_t xst;
	uint64_t docs = 0;
	if (bulk_active(ix)) { /* the shards; the index waits for the merge */
		xst = bulk_commit(ix, &docs);
	} else {
		if (ix->around_commit)
			ix->around_commit(ix->ctx, true);
		xst = nsx_writer_commit(ix->w);
		if (ix->around_commit)
			ix->around_commit(ix->ctx, false);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ix->last_commit_ms = (unsigned)((t1.tv_sec - t0.tv_sec) * 1000 +
	                                (t1.tv_nsec - t0.tv_nsec) / 1000000);
	if (xst != NSX_OK) {
		pthread_mutex_lock(&ix->mu);
		ix->stats.commit_failing = true; /* for the metrics */
		pthread_mutex_unlock(&ix->mu);
		writer_fault(ix, xst, "commit");
		return false;
	}
	ns_strv_clear(&ix->unwritten);
	uint64_t rev = bulk_active(ix) ? bulk_revision(ix)
	                               : nsx_writer_revision(ix->w);
	if (!bulk_active(ix))
		docs = nsx_writer_doccount(ix->w);
	pthread_mutex_lock(&ix->mu);
	ix->stats.commits++;
	ix->stats.commit_seconds += (double)(t1.tv_sec - t0.tv_sec) +
	                            (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ix->stats.commit_failing = false;
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

bool commit_pending(ns_indexer_t *ix)
{
	if (!ix->w)
		return false;
	if (!ix->pending &&
	    !bulk_active(ix)) /* the shards commit on their own */
		return true;
	bool ok = commit_now(ix);
	ix->pending = 0;
	ix->pending_text = 0;
	if (ok)
		notify_commit(ix);
	return ok;
}

void note_changes(ns_indexer_t *ix, unsigned n)
{
	/* Commits may take a quarter of the writer's time at most: under a
	 * bulk load, when each takes long, they come less often.  A wait
	 * (read your writes) commits at once anyway. */
	unsigned delay = __atomic_load_n(&ix->commit_delay_ms, __ATOMIC_RELAXED);
	if (delay < 3 * ix->last_commit_ms)
		delay = 3 * ix->last_commit_ms;
	if (n && ix->pending == 0)
		ix->deadline = deadline_after(delay);
	ix->pending += n;
}

/* A full batch, or a deadline passed under a steady stream of work:
 * either way, commit now. */
static void maybe_commit(ns_indexer_t *ix)
{
	if (bulk_active(ix)) {
		/* Each shard commits on its own cadence; only a barrier waits
		 * for them all.  Status hears how far they are. */
		if (ix->pending && ts_past(&ix->deadline)) {
			ix->pending = 0;
			ix->pending_text = 0;
			bulk_progress(ix);
		}
		return;
	}
	if (ix->pending &&
	    (ix->pending >= __atomic_load_n(&ix->batch_max, __ATOMIC_RELAXED) ||
	     ix->pending_text >= NS_BATCH_TEXT || ts_past(&ix->deadline)))
		commit_pending(ix);
}

/* ---- one function per kind of job ----------------------------------------- */

/* What running a job did. */
enum ran {
	RAN,           /* done; the index did not change */
	RAN_CHANGED,   /* done, and the index changed: a commit is due */
	RAN_HELD,      /* not done: back at the front of the queue, which
	                  owns it again */
};

static enum ran ran_if(bool changed)
{
	return changed ? RAN_CHANGED : RAN;
}

/* A file changed, a scan found it, or a failed commit lost it: read it
 * ahead, applied in order by settle_reads(). */
static enum ran run_put(ns_indexer_t *ix, struct job *j)
{
	if (ns_sidecar_kind(j->path) != NS_SIDECAR_NONE)
		return ran_if(sidecar_changed(ix, j->path,
		                              j->op == JOB_PUT_SCANNED, j->gen));
	struct prep *p = NULL;
	enum check c = put_check(ix, j->path, j->op == JOB_PUT_SCANNED, j->gen,
	                         j->op == JOB_REDO, &p);
	if (c == CHECK_READ)
		readahead_submit(ix->ra, p);
	return ran_if(c == CHECK_CHANGED);
}

/* A file a reindex reads again, whatever it is. */
static enum ran run_reindex(ns_indexer_t *ix, struct job *j)
{
	bool changed = put_path(ix, j->path, false, j->gen, true);
	pthread_mutex_lock(&ix->mu);
	if (ix->maint.op == NS_MAINT_REINDEX) {
		ix->maint.running = true;
		ix->maint.done++;
	}
	pthread_mutex_unlock(&ix->mu);
	return ran_if(changed);
}

static enum ran run_reindex_tree(ns_indexer_t *ix, struct job *j)
{
	if (bulk_active(ix)) /* what it reads again goes to the index */
		bulk_finish(ix);
	reindex_tree(ix, j->path, j->barrier);
	return RAN;
}

static enum ran run_remove(ns_indexer_t *ix, struct job *j)
{
	if (ns_sidecar_kind(j->path) != NS_SIDECAR_NONE)
		return ran_if(sidecar_changed(ix, j->path, false, j->gen));
	return ran_if(remove_path(ix, j->path));
}

static enum ran run_remove_tree(ns_indexer_t *ix, struct job *j)
{
	return ran_if(remove_tree(ix, j->path));
}

static enum ran run_prune(ns_indexer_t *ix, struct job *j)
{
	return ran_if(prune(ix, j->path, j->gen));
}

/* The articles directory at its path is a new one (it was deleted or
 * swapped and is back): read beneath that one from now on.  No file is
 * being read ahead (a fence settles them first), so nothing holds the
 * old descriptor. */
static enum ran run_reopen_root(ns_indexer_t *ix, struct job *j)
{
	int fd = ns_root_open(ix->articles_dir);
	if (fd < 0) {
		ns_log(NS_LOG_ERR, LOG_MOD, "%s: cannot open the articles "
		       "directory again: %s", ix->articles_dir, strerror(errno));
		return RAN;
	}
	close(ix->rootfd);
	ix->rootfd = fd;
	return RAN;
}

/* Barrier B has passed (a barrier job, or the end of maintenance); the
 * waits hear it.  BARRIER: count it as a barrier passed. */
static void pass_barrier(ns_indexer_t *ix, uint64_t b, bool barrier)
{
	pthread_mutex_lock(&ix->mu);
	if (barrier)
		ix->stats.barriers++;
	mark_passed(ix, b);
	pthread_mutex_unlock(&ix->mu);
	notify_commit(ix);
}

/* A barrier for everything J (the start's reconciliation, or alike) in a
 * bulk load: with nothing queued behind it, the load is over, and merged
 * before J passes (what is ready is whole on disk).  False when the load
 * was abandoned: its files are queued again, and J behind them. */
static bool bulk_end(ns_indexer_t *ix, struct job *j)
{
	pthread_mutex_lock(&ix->mu);
	bool last = jobq_empty(ix->q);
	pthread_mutex_unlock(&ix->mu);
	if (!last) {
		bulk_fence_passed(ix);
		return true;
	}
	if (bulk_finish(ix))
		return true;
	pthread_mutex_lock(&ix->mu);
	jobq_push(ix->q, j);
	pthread_mutex_unlock(&ix->mu);
	return false;
}

/* A barrier passes only on what is committed: until the index can be
 * written again, it waits at the front. */
static enum ran run_barrier(ns_indexer_t *ix, struct job *j)
{
	if (j->op == JOB_BARRIER && bulk_active(ix) && !bulk_end(ix, j))
		return RAN_HELD;
	if (!commit_pending(ix)) {
		pthread_mutex_lock(&ix->mu);
		jobq_push_front(ix->q, j);
		pthread_mutex_unlock(&ix->mu);
		return RAN_HELD;
	}
	reindex_done(ix, j->barrier);
	pass_barrier(ix, j->barrier, true);
	return RAN;
}

/* Compaction and backup work on the committed index only; they pass
 * their barrier when done, whichever way. */
static enum ran run_maint(ns_indexer_t *ix, struct job *j)
{
	if (bulk_active(ix)) /* on the whole index, merged first */
		bulk_finish(ix);
	if (ix->w && commit_pending(ix))
		maint_run(ix, j->op, j->path);
	else
		maint_finish(ix, false, "cannot commit the changes pending: %s",
		             ix->health.error);
	pass_barrier(ix, j->barrier, false);
	return RAN;
}

static enum ran (*const job_runners[])(ns_indexer_t *ix, struct job *j) = {
	[JOB_PUT] = run_put,
	[JOB_PUT_SCANNED] = run_put,
	[JOB_REINDEX] = run_reindex,
	[JOB_REDO] = run_put,
	[JOB_REMOVE] = run_remove,
	[JOB_BARRIER_PATH] = run_barrier,
	[JOB_REMOVE_TREE] = run_remove_tree,
	[JOB_PRUNE] = run_prune,
	[JOB_BARRIER] = run_barrier,
	[JOB_REINDEX_TREE] = run_reindex_tree,
	[JOB_COMPACT] = run_maint,
	[JOB_BACKUP] = run_maint,
	[JOB_REOPEN_ROOT] = run_reopen_root,
};

/* Do job J (and free it, unless it is held). */
static void run_job(ns_indexer_t *ix, struct job *j)
{
	bool read_ahead = j->op == JOB_PUT || j->op == JOB_PUT_SCANNED ||
	                  j->op == JOB_REDO;
	if (!read_ahead) /* it comes after every file taken before it */
		note_changes(ix, settle_reads(ix, true));
	assert((size_t)j->op < sizeof job_runners / sizeof *job_runners &&
	       job_runners[j->op]);
	enum ran r = job_runners[j->op](ix, j);
	if (r == RAN_HELD)
		return;
	free(j);
	note_changes(ix, (r == RAN_CHANGED) + settle_reads(ix, false));
	maybe_commit(ix);
}

/* ---- the loop -------------------------------------------------------------- */

/* The reads that failed for a passing reason and are due again go back
 * in the queue. */
static void requeue_reads(ns_indexer_t *ix)
{
	ns_strv_t due = {0};
	ns_retry_due(ix->retries, (int64_t)ns_now_ms(), &due);
	for (size_t i = 0; i < due.n; i++)
		enqueue_job(ix, JOB_PUT, due.v[i], NULL);
	ns_strv_clear(&due);
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Under mu, nothing to do: sleep until work comes, the pending changes
 * are due for a commit (then commit them), a read is due again, or the
 * queue has been quiet long enough for a compaction. */
static void writer_idle(ns_indexer_t *ix)
{
	int64_t due = ns_retry_next(ix->retries);
	struct timespec until = ix->deadline;
	bool timed = ix->pending;
	if (due >= 0) {
		int64_t in = due - (int64_t)ns_now_ms();
		struct timespec t = deadline_after(in > 0 ? (unsigned)in : 0);
		if (!timed || ts_before(&t, &until))
			until = t;
		timed = true;
	}
	if (ix->quiet_set && (!timed || ts_before(&ix->quiet_until, &until))) {
		until = ix->quiet_until;
		timed = true;
	}
	if (timed)
		pthread_cond_timedwait(&ix->wake, &ix->mu, &until);
	else
		pthread_cond_wait(&ix->wake, &ix->mu);
	if (ix->stopping)
		return;
	pthread_mutex_unlock(&ix->mu);
	if (ix->pending && ts_past(&ix->deadline))
		commit_pending(ix);
	if (due >= 0 && due <= (int64_t)ns_now_ms())
		requeue_reads(ix);
	pthread_mutex_lock(&ix->mu);
}

/* A compaction after a bulk load waits for the queue to be quiet this
 * long: an import that pauses between files is not over. */
#define QUIET_MS 1000

/* Under mu, nothing queued or being read: the bulk load is merged once it
 * is over, and the index compacted after a bulk load once the queue has
 * been quiet a while.  False when there was nothing to do (yet). */
static bool writer_upkeep(ns_indexer_t *ix)
{
	if (bulk_due(ix)) {
		pthread_mutex_unlock(&ix->mu);
		bulk_finish(ix);
		pthread_mutex_lock(&ix->mu);
		return true;
	}
	if (!compact_due(ix)) {
		ix->quiet_set = false; /* no timer left to wake for */
		return false;
	}
	if (!ix->quiet_set) {
		ix->quiet_until = deadline_after(QUIET_MS);
		ix->quiet_set = true;
	}
	if (!ts_past(&ix->quiet_until))
		return false;
	ix->quiet_set = false;
	pthread_mutex_unlock(&ix->mu);
	compact_after_bulk(ix);
	pthread_mutex_lock(&ix->mu);
	return true;
}

/* Under mu, the index not writable: settle what is being read (it is
 * noted to be done again), then wait for the next attempt to write. */
static void writer_read_only(ns_indexer_t *ix)
{
	ix->pending = 0;
	ix->pending_text = 0;
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

/* Under mu: one turn of the loop.  Take the next job and run it, unless
 * the index cannot be written, a search asked for a check, or there is
 * nothing to take. */
static void writer_turn(ns_indexer_t *ix)
{
	ix->health.read_retries = ns_retry_count(ix->retries);
	ix->health.unwritten = ix->unwritten.n;
	if (!ix->w) {
		writer_read_only(ix);
		return;
	}
	if (ix->suspect) {
		ix->suspect = false;
		pthread_mutex_unlock(&ix->mu);
		verify_index(ix);
		pthread_mutex_lock(&ix->mu);
		return;
	}
	struct job *j = jobq_pop(ix->q);
	if (!j && readahead_inflight(ix->ra)) { /* nothing else to do meanwhile */
		pthread_mutex_unlock(&ix->mu);
		note_changes(ix, settle_reads(ix, true));
		maybe_commit(ix);
		pthread_mutex_lock(&ix->mu);
		return;
	}
	if (!j) {
		if (!writer_upkeep(ix))
			writer_idle(ix);
		return;
	}
	ix->quiet_set = false;
	if (!j->barrier && j->op != JOB_PRUNE)
		ix->stats.queued--;
	pthread_mutex_unlock(&ix->mu);
	run_job(ix, j);
	pthread_mutex_lock(&ix->mu);
}

void *writer_main(void *arg)
{
	ns_indexer_t *ix = arg;
	pthread_mutex_lock(&ix->mu);
	while (!ix->stopping)
		writer_turn(ix);
	pthread_mutex_unlock(&ix->mu);
	/* What was read is indexed before the last commit. */
	if ((settle_reads(ix, true) || ix->pending) && ix->w &&
	    !bulk_active(ix))
		commit_now(ix);
	bulk_stop(ix);
	if (ix->unwritten.n)
		ns_log(NS_LOG_WARNING, LOG_MOD, "stopped with %zu changes not "
		       "written (the index could not be written); the next start "
		       "reads them again", ix->unwritten.n);
	return NULL;
}
