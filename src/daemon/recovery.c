/* recovery.c - the writer when the index fails under it: opening it at
 * start (checked, a damaged one moved aside, one that cannot be written
 * served read-only), a failed commit (read-only, retried on a backoff),
 * a damaged index found while running (moved aside and rebuilt from the
 * articles).  Writer thread, but for ns_indexer_health and
 * ns_indexer_damaged.  Never deletes an index. */
#include "daemon/index_impl.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "daemon/schema.h"

static void rebuild_index(ns_indexer_t *ix, const char *why);

void ns_indexer_health(ns_indexer_t *ix, ns_index_health_t *out)
{
	if (!ix) { /* a replica's: no writer, nothing wrong */
		memset(out, 0, sizeof *out);
		out->writable = true;
		return;
	}
	pthread_mutex_lock(&ix->mu);
	*out = ix->health;
	pthread_mutex_unlock(&ix->mu);
}

/* A full check reads the whole index: at most one a minute for searches
 * that keep failing the same way. */
#define VERIFY_EVERY_MS 60000

void ns_indexer_damaged(ns_indexer_t *ix)
{
	if (!ix)
		return;
	unsigned long long now = ns_now_ms();
	pthread_mutex_lock(&ix->mu);
	if (!ix->verified_at || now - ix->verified_at >= VERIFY_EVERY_MS) {
		ix->verified_at = now;
		ix->suspect = true;
		pthread_cond_signal(&ix->wake);
	}
	pthread_mutex_unlock(&ix->mu);
}

/* A commit that fails (a full disk, a read-only filesystem, an I/O error)
 * loses every change since the last commit, and Xapian may close the
 * database.  The writer then closes it, keeps the changes' paths, takes
 * no more work, and tries again with a backoff: it opens the index and
 * commits a probe.  When that works the paths go back to the front of the
 * queue, to be read again, and indexing goes on.  Meanwhile searches read
 * the last commit, and waits fail with INDEX_READ_ONLY (the server asks
 * ns_indexer_health). */
#define RECOVER_FIRST_MS 500
#define RECOVER_MAX_MS 10000

/* RELPATH ('P') or everything under a directory ('T') changed since the
 * last commit. */
void note_unwritten(ns_indexer_t *ix, char kind, const char *path)
{
	/* In a bulk load, the path map has what the shards were given, and a
	 * failure queues it all again; only the change in hand, not in the
	 * map yet, is kept here. */
	if (bulk_active(ix))
		ns_strv_clear(&ix->unwritten);
	size_t len = strlen(path);
	char *s = malloc(len + 2);
	if (!s)
		return; /* the next start's reconciliation finds it */
	s[0] = kind;
	memcpy(s + 1, path, len + 1);
	ns_strv_push(&ix->unwritten, s, len + 1);
	free(s);
}

/* The next attempt to write, after ATTEMPT failed ones; under mu. */
static void schedule_recovery(ns_indexer_t *ix, unsigned attempt)
{
	unsigned ms = ns_backoff_ms(attempt, RECOVER_FIRST_MS, RECOVER_MAX_MS);
	ix->recover_at = deadline_after(ms);
	ix->health.next_retry = wall_ns() / 1000000 + ms;
}

/* A write to the index failed with ST (WHAT: the path or the operation):
 * stop writing until a write works again. */
void writer_fault(ns_indexer_t *ix, nsx_status_t st, const char *what)
{
	char shard_err[256] = "";
	if (bulk_active(ix)) /* a shard failed: what they held is read again */
		bulk_abort(ix, what, shard_err, sizeof shard_err);
	if (st == NSX_CORRUPT) {
		char why[sizeof ix->health.rebuild_reason];
		snprintf(why, sizeof why, "%s", nsx_writer_error(ix->w));
		rebuild_index(ix, why);
		return;
	}
	char err[sizeof ix->health.error];
	snprintf(err, sizeof err, "%s",
	         shard_err[0]                        ? shard_err
	         : ix->w && *nsx_writer_error(ix->w) ? nsx_writer_error(ix->w)
	                                             : nsx_status_name(st));
	/* Closing tries to commit what Xapian still holds: if that works,
	 * the paths done again change nothing. */
	nsx_writer_close(ix->w);
	ix->w = NULL;
	not_writable(ix, what, err);
}

/* The writer is closed (ix->w NULL) because WHAT failed for REASON: say
 * so, and try again later. */
static void set_read_only(ns_indexer_t *ix, const char *what, const char *reason)
{
	pthread_mutex_lock(&ix->mu);
	bool first = ix->health.writable;
	ix->health.writable = false;
	snprintf(ix->health.error, sizeof ix->health.error, "%s", reason);
	if (first) {
		ix->health.since = wall_ns() / 1000000;
		ix->health.retries = 0;
	}
	schedule_recovery(ix, ix->health.retries + 1);
	uint64_t rev = ix->stats.revision;
	pthread_mutex_unlock(&ix->mu);
	ns_log(NS_LOG_ERR, LOG_MOD, "%s failed: %s; searches answer from "
	       "revision %llu, and indexing resumes by itself once the index "
	       "can be written", what, reason, (unsigned long long)rev);
	notify_commit(ix); /* the waits in flight hear it */
}

void not_writable(ns_indexer_t *ix, const char *what, const char *err)
{
	char reason[sizeof ix->health.error];
	snprintf(reason, sizeof reason, "index not writable: %s", err);
	set_read_only(ix, what, reason);
}

/* The index can be written again; under mu. */
static void writable_again(ns_indexer_t *ix)
{
	ix->health.writable = true;
	ix->health.error[0] = '\0';
	ix->health.retries = 0;
	ix->health.next_retry = 0;
}

/* Queue the changes a failed commit lost at the front, in their order:
 * they were taken before anything still queued. */
static size_t requeue_unwritten(ns_indexer_t *ix)
{
	size_t n = ix->unwritten.n;
	pthread_mutex_lock(&ix->mu);
	for (size_t i = n; i-- > 0;) {
		const char *s = ix->unwritten.v[i];
		struct job *j = job_new(s[0] == 'T' ? JOB_REMOVE_TREE : JOB_REDO,
		                        s + 1, ix->gen, 0);
		if (!j)
			continue; /* the next start's reconciliation finds it */
		jobq_push_front(ix->q, j);
		ix->stats.queued++;
	}
	pthread_mutex_unlock(&ix->mu);
	ns_strv_clear(&ix->unwritten);
	return n;
}

/* Can the index be written again?  Open it and commit a probe. */
void try_recover(ns_indexer_t *ix)
{
	char *err = NULL;
	nsx_status_t st = nsx_writer_open(ix->index_dir, &ix->w, &err);
	if (st == NSX_OK && (st = nsx_writer_probe(ix->w)) != NSX_OK)
		err = strdup(nsx_writer_error(ix->w));
	if (st == NSX_OK && ix->unloaded && (st = load_known(ix)) != NSX_OK)
		err = strdup(nsx_writer_error(ix->w));
	if (st == NSX_OK)
		ix->unloaded = false;
	if (st == NSX_CORRUPT) {
		rebuild_index(ix, err ? err : "?");
		free(err);
		return;
	}
	if (st != NSX_OK) {
		nsx_writer_close(ix->w);
		ix->w = NULL;
		pthread_mutex_lock(&ix->mu);
		unsigned n = ++ix->health.retries;
		snprintf(ix->health.error, sizeof ix->health.error,
		         "index not writable: %s", err ? err : nsx_status_name(st));
		schedule_recovery(ix, n + 1);
		pthread_mutex_unlock(&ix->mu);
		ns_log(NS_LOG_INFO, LOG_MOD, "still not writable (attempt %u): %s",
		       n, err ? err : nsx_status_name(st));
		free(err);
		return;
	}
	size_t redo = requeue_unwritten(ix);
	uint64_t rev = nsx_writer_revision(ix->w);
	uint64_t docs = nsx_writer_doccount(ix->w);
	pthread_mutex_lock(&ix->mu);
	double secs = (wall_ns() / 1000000 - ix->health.since) / 1000.0;
	writable_again(ix);
	ix->stats.revision = rev;
	ix->stats.documents = docs;
	pthread_mutex_unlock(&ix->mu);
	ns_log(NS_LOG_NOTICE, LOG_MOD, "the index can be written again after "
	       "%.1f s: %zu changes lost with the failed commit are queued "
	       "again", secs, redo);
	notify_commit(ix);
}

/* Open the writer on the index, waiting up to two seconds for the lock of
 * a writer killed a moment ago (Xapian's lock holder goes when it
 * notices) before saying another nsearchd has it. */
static nsx_status_t open_writer(ns_indexer_t *ix, char **errmsg)
{
	nsx_status_t xst;
	for (int attempt = 0;; attempt++) {
		xst = nsx_writer_open(ix->index_dir, &ix->w, errmsg);
		if (xst != NSX_LOCKED || attempt >= 20)
			return xst;
		free(*errmsg);
		*errmsg = NULL;
		nanosleep(&(struct timespec){0, 100000000L}, NULL);
	}
}

/* The index at ix->index_dir is damaged (WHY): move it aside, never
 * deleting it, to MOVED (SIZE bytes) and say so.  The caller opens a new
 * one.  False when it cannot be moved. */
static bool move_damaged(ns_indexer_t *ix, const char *why, char *moved,
                         size_t size)
{
	if (ns_index_move_aside(ix->index_dir, moved, size) != NS_OK) {
		ns_log(NS_LOG_ERR, LOG_MOD, "%s is damaged (%s) and cannot be moved "
		       "aside: %s", ix->index_dir, why, strerror(errno));
		return false;
	}
	ns_log(NS_LOG_ERR, LOG_MOD, "%s is damaged (%s): moved aside to %s; "
	       "rebuilding it from the articles", ix->index_dir, why, moved);
	return true;
}

/* Status hears of the rebuild once the work it needs is queued, so that a
 * wait from then on covers it. */
static void note_rebuild(ns_indexer_t *ix, const char *why, const char *moved)
{
	pthread_mutex_lock(&ix->mu);
	ix->health.rebuilds++;
	snprintf(ix->health.rebuild_reason, sizeof ix->health.rebuild_reason,
	         "%s", why);
	snprintf(ix->health.moved_to, sizeof ix->health.moved_to, "%s", moved);
	ix->health.rebuilt_at = wall_ns() / 1000000;
	pthread_mutex_unlock(&ix->mu);
}

/* At start: the start-up scan reads every file into the new index. */
static bool moved_at_start(ns_indexer_t *ix, const char *why)
{
	char moved[sizeof ix->health.moved_to];
	if (!move_damaged(ix, why, moved, sizeof moved))
		return false;
	note_rebuild(ix, why, moved);
	return true;
}

/* At start, the writer open, before anything else reads the index: is it
 * sound?  False, with why in *WHY (new), when it is damaged. */
static bool sound_at_start(ns_indexer_t *ix, char **why)
{
	if (ix->check == NS_CHECK_NONE)
		return true;
	char *err = NULL;
	unsigned long long t0 = ns_now_ms();
	nsx_status_t xst = ix->check == NS_CHECK_FULL
	                   ? nsx_check(ix->index_dir, &err)
	                   : nsx_open_check(ix->index_dir, &err);
	if (xst == NSX_OK)
		ns_log(NS_LOG_INFO, LOG_MOD, "%s: checked (%s) in %.2f s",
		       ix->index_dir, ix->check == NS_CHECK_FULL ? "full" : "quick",
		       (ns_now_ms() - t0) / 1000.0);
	if (xst != NSX_CORRUPT && xst != NSX_IO) {
		free(err);
		return true;
	}
	*why = err ? err : strdup(nsx_status_name(xst));
	return false;
}

/* Open the index for the writer, and what it knows of each file.  A
 * damaged index is moved aside and a new one made; one that cannot be
 * written (a read-only filesystem) is opened later (the writer starts
 * read-only).  NS_ERR_INDEX with *ERRMSG when there is no index to work
 * with at all.  A start that finds the index locked (another nsearchd
 * runs on it: one start too many) checks, moves and removes nothing:
 * that daemon's compaction and bulk load look just like what a killed
 * one leaves.  So the check and the clean-up come after the writer's
 * opening, which takes the lock. */
ns_status_t open_index(ns_indexer_t *ix, char **errmsg)
{
	char *err = NULL, *why = NULL;
	put_back_compacted(ix->index_dir);
	nsx_status_t opened = open_writer(ix, &err);
	nsx_status_t xst = opened;
	/* Checked even when the opening failed: a table cut short fails it
	 * as I/O, and the check says the index is damaged. */
	if (opened != NSX_LOCKED && !sound_at_start(ix, &why)) {
		/* Damaged: aside, and a new one; when it cannot be moved
		 * (said), on as it opened. */
		nsx_writer_close(ix->w);
		ix->w = NULL;
		if (moved_at_start(ix, why)) {
			free(err);
			err = NULL;
			xst = open_writer(ix, &err);
		} else if (opened == NSX_OK) {
			xst = open_writer(ix, &err);
		}
	}
	free(why);
	if (xst == NSX_OK && (xst = load_known(ix)) != NSX_OK) {
		free(err);
		err = strdup(nsx_writer_error(ix->w));
		nsx_writer_close(ix->w);
		ix->w = NULL;
		if (xst == NSX_IO) /* a table that cannot be read */
			xst = NSX_CORRUPT;
	}
	if (xst == NSX_CORRUPT && moved_at_start(ix, err ? err : "?")) {
		free(err);
		err = NULL;
		xst = open_writer(ix, &err);
	}
	struct stat st;
	char probe[PATH_MAX];
	snprintf(probe, sizeof probe, "%s/iamglass", ix->index_dir);
	if (xst == NSX_IO && stat(probe, &st) == 0) {
		/* There is an index, but it cannot be written: serve it as it
		 * is, and open it when it can be. */
		nsx_reader_t *r = NULL;
		if (nsx_reader_open(ix->index_dir, &r, NULL) == NSX_OK) {
			ix->stats.revision = nsx_reader_revision(r);
			ix->stats.documents = nsx_reader_doccount(r);
		}
		nsx_reader_close(r);
		ix->unloaded = true;
		not_writable(ix, "opening the index", err ? err : "?");
		free(err);
		return NS_OK;
	}
	if (xst != NSX_OK) {
		if (errmsg)
			*errmsg = err;
		else
			free(err);
		return NS_ERR_INDEX;
	}
	free(err);
	remove_compaction_leftovers(ix->index_dir);
	bulk_remove_leftovers(ix->index_dir);
	ix->stats.revision = nsx_writer_revision(ix->w);
	ix->stats.documents = nsx_writer_doccount(ix->w);
	return NS_OK;
}

struct aside {
	ns_indexer_t *ix;
	const char *why;
	bool moved;
	char to[1024];
};

static void aside_swap(void *arg)
{
	struct aside *a = arg;
	a->moved = move_damaged(a->ix, a->why, a->to, sizeof a->to);
}

/* Writer thread: every file the index knew, or listed as a problem, is
 * queued to be read again; the map forgets them.  Returns how many. */
static size_t requeue_known(ns_indexer_t *ix)
{
	ns_strv_t paths = {0};
	meta_paths(ix, "", UINT64_MAX, &paths);
	ns_problems_paths(ix->problems, "", &paths);
	ns_pathmap_free(ix->files);
	ix->files = ns_pathmap_new();
	pthread_mutex_lock(&ix->mu);
	for (size_t i = 0; i < paths.n; i++) {
		struct job *j = job_new(JOB_REDO, paths.v[i], ix->gen, 0);
		if (!j)
			continue; /* the next start's reconciliation finds it */
		if (jobq_push(ix->q, j))
			ix->stats.queued++;
	}
	pthread_mutex_unlock(&ix->mu);
	size_t n = paths.n;
	ns_strv_clear(&paths);
	return n;
}

/* Writer thread: the index turned out damaged (WHY) while running.  It
 * goes aside while no search reads it, a new one takes its place, and
 * every file is read again into it. */
static void rebuild_index(ns_indexer_t *ix, const char *why)
{
	nsx_writer_close(ix->w);
	ix->w = NULL;
	struct aside a = {ix, why, false, ""};
	run_exclusive(ix, aside_swap, &a);
	char *err = NULL;
	nsx_status_t xst = a.moved ? open_writer(ix, &err) : NSX_CORRUPT;
	if (xst != NSX_OK || !ix->files) {
		char reason[sizeof ix->health.error];
		snprintf(reason, sizeof reason, "index damaged and not rebuilt: %s",
		         err ? err : why);
		free(err);
		set_read_only(ix, "rebuilding the damaged index", reason);
		return;
	}
	ns_strv_clear(&ix->unwritten); /* everything is read again */
	ix->unloaded = false;
	pthread_mutex_lock(&ix->mu);
	uint64_t was = ix->stats.revision;
	pthread_mutex_unlock(&ix->mu);
	/* Clients never see the revision go back. */
	nsx_writer_continue_from(ix->w, was);
	size_t n = requeue_known(ix);
	note_rebuild(ix, why, a.to);
	pthread_mutex_lock(&ix->mu);
	writable_again(ix);
	ix->stats.documents = nsx_writer_doccount(ix->w);
	pthread_mutex_unlock(&ix->mu);
	ns_log(NS_LOG_WARNING, LOG_MOD, "rebuilding the index: %zu files queued "
	       "to be read again", n);
	notify_commit(ix);
}

/* Writer thread: a search met an error that may be damage.  Commit, then
 * check every table; rebuild if it is damaged. */
void verify_index(ns_indexer_t *ix)
{
	note_changes(ix, settle_reads(ix, true));
	if (!commit_pending(ix))
		return;
	char *err = NULL;
	nsx_status_t xst = nsx_check(ix->index_dir, &err);
	if (xst == NSX_CORRUPT || xst == NSX_IO)
		rebuild_index(ix, err ? err : nsx_status_name(xst));
	else
		ns_log(NS_LOG_NOTICE, LOG_MOD, "%s: checked after a search failed: "
		       "%s", ix->index_dir, xst == NSX_OK ? "sound"
		                                          : nsx_status_name(xst));
	free(err);
}
