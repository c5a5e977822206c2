/* maint.c - maintenance: reindexing a path, compacting the index in place,
 * backing it up; the requests (any thread, one operation at a time) and
 * the work (writer thread, between two batches).  Never deletes a
 * directory it did not make. */
#include "daemon/index_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/safepath.h"

const char *ns_maint_name(ns_maint_op_t op)
{
	switch (op) {
	case NS_MAINT_REINDEX: return "reindex";
	case NS_MAINT_COMPACT: return "compact";
	case NS_MAINT_BACKUP: return "backup";
	case NS_MAINT_NONE: break;
	}
	return "";
}

void maint_finish(ns_indexer_t *ix, bool ok, const char *fmt, ...)
{
	char msg[sizeof ix->maint.message];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&ix->mu);
	ns_maint_op_t op = ix->maint.op;
	ix->maint.ok = ok;
	ix->maint.running = false;
	ix->maint.finished = wall_ns() / 1000000;
	snprintf(ix->maint.message, sizeof ix->maint.message, "%s", msg);
	ix->last_maint = ix->maint;
	memset(&ix->maint, 0, sizeof ix->maint);
	pthread_mutex_unlock(&ix->mu);
	ns_log(ok ? NS_LOG_NOTICE : NS_LOG_ERR, LOG_MOD, "%s: %s",
	       ns_maint_name(op), msg);
}

/* Barrier B passed: if it ends a reindexing, say so. */
void reindex_done(ns_indexer_t *ix, uint64_t b)
{
	pthread_mutex_lock(&ix->mu);
	bool mine = ix->maint.op == NS_MAINT_REINDEX && ix->maint.barrier == b;
	bool one = ix->maint.one_file;
	uint64_t done = ix->maint.done;
	char target[sizeof ix->maint.target];
	snprintf(target, sizeof target, "%s", ix->maint.target);
	pthread_mutex_unlock(&ix->mu);
	if (mine && one)
		maint_finish(ix, true, "read %s again", target);
	else if (mine)
		maint_finish(ix, true, "read %llu %s again under %s",
		             (unsigned long long)done, done == 1 ? "file" : "files",
		             target[0] ? target : "the articles root");
}

/* Queue every file the index knows, or lists as a problem, under RELDIR to
 * be read again, then the barrier B that says it is done.  Queued in
 * lanes, so that editors' saves are served in turn meanwhile. */
void reindex_tree(ns_indexer_t *ix, const char *reldir, uint64_t b)
{
	ns_strv_t paths = {0};
	known_paths(ix, reldir, &paths);

	bool failed = false;
	pthread_mutex_lock(&ix->mu);
	ix->maint.running = true;
	ix->maint.total = paths.n;
	for (size_t i = 0; i <= paths.n; i++) {
		bool file = i < paths.n;
		struct job *j = job_new(file ? JOB_REINDEX : JOB_BARRIER,
		                        file ? paths.v[i] : "", ix->gen,
		                        file ? 0 : b);
		if (!j) {
			if (file) {
				ix->maint.total--;
				continue; /* a miss: that file keeps its old entry */
			}
			/* No barrier to queue: the operation ends here, and
			 * its waiter hears so now. */
			pthread_mutex_unlock(&ix->mu);
			maint_finish(ix, false, "out of memory");
			pthread_mutex_lock(&ix->mu);
			mark_passed(ix, b);
			failed = true;
			break;
		}
		if (jobq_push(ix->q, j)) { /* else it freed J, a repeat */
			if (file)
				ix->stats.queued++;
		} else if (file) {
			ix->maint.total--; /* merged with the same job queued */
		}
	}
	pthread_mutex_unlock(&ix->mu);
	if (failed)
		notify_commit(ix);
	ns_log(NS_LOG_INFO, LOG_MOD, "reindex: %zu files under %s queued",
	       paths.n, reldir[0] ? reldir : "the articles root");
	ns_strv_clear(&paths);
}

/* Bytes in the files of the directory DIR (a glass database is flat). */
static uint64_t dir_bytes(const char *dir)
{
	uint64_t n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			n += (uint64_t)st.st_size;
	}
	if (d)
		closedir(d);
	return n;
}

static void human_bytes(uint64_t n, char *buf, size_t size)
{
	if (n >= 10u << 20)
		snprintf(buf, size, "%.1f MiB", n / 1048576.0);
	else
		snprintf(buf, size, "%.1f KiB", n / 1024.0);
}

static void maint_progress(void *ctx, const char *table, const char *status)
{
	ns_indexer_t *ix = ctx;
	if (!*status)
		return; /* a table begins */
	pthread_mutex_lock(&ix->mu);
	if (ix->maint.done < ix->maint.total)
		ix->maint.done++;
	pthread_mutex_unlock(&ix->mu);
}

/* A compaction: the copy is made beside the index, at INDEX.compacting,
 * and takes its name; the index goes aside to INDEX.old meanwhile. */
struct compaction {
	const char *index;
	ns_buf_t fresh, old;
	uint64_t docs, before, after; /* articles; bytes before and after */
	unsigned long long t0;        /* monotonic ms when it began */
	bool swapped;
	bool drop_extra;              /* the readers stop searching a bulk
	                                 load's shards (bulk.c) at the swap */
	int err;                      /* why the swap failed */
};

static bool compaction_names(struct compaction *c)
{
	return ns_buf_printf(&c->fresh, "%s.compacting", c->index) == NS_OK &&
	       ns_buf_printf(&c->old, "%s.old", c->index) == NS_OK;
}

static void compaction_free(struct compaction *c)
{
	ns_buf_free(&c->fresh);
	ns_buf_free(&c->old);
}

/* The compacted copy takes the index's name; the index goes aside. */
static void swap_dirs(void *arg)
{
	struct compaction *c = arg;
	if (rename(c->index, c->old.data) < 0) {
		c->err = errno;
		return;
	}
	if (rename(c->fresh.data, c->index) < 0) {
		c->err = errno;
		if (rename(c->old.data, c->index) < 0)
			ns_log(NS_LOG_ERR, LOG_MOD, "%s: cannot be put back from %s: "
			       "%s", c->index, c->old.data, strerror(errno));
		return;
	}
	c->swapped = true;
	if (c->drop_extra)
		nsx_readers_set_extra(NULL, 0);
}

/* Open the writer again on the index directory, after a compaction.
 * When it cannot be, the index is read-only until it can. */
static bool reopen_writer(ns_indexer_t *ix)
{
	char *err = NULL;
	for (int attempt = 0; attempt < 20; attempt++) {
		free(err);
		err = NULL;
		if (nsx_writer_open(ix->index_dir, &ix->w, &err) == NSX_OK)
			return true;
		nanosleep(&(struct timespec){0, 100000000L}, NULL);
	}
	not_writable(ix, "opening the index after the compaction",
	             err ? err : "cannot open it");
	free(err);
	return false;
}

/* Writer thread: a compacted copy of the committed index at DIR, a
 * directory that is missing or empty. */
static void backup_index(ns_indexer_t *ix, const char *dir)
{
	uint64_t docs = nsx_writer_doccount(ix->w);
	uint64_t rev = nsx_writer_revision(ix->w);
	unsigned long long t0 = ns_now_ms();
	char *err = NULL, size[32];
	struct stat st;
	bool made = lstat(dir, &st) < 0;
	nsx_status_t xst = nsx_compact(ix->index_dir, dir, maint_progress, ix,
	                               &err);
	if (xst != NSX_OK) {
		if (made)
			ns_remove_dir(dir);
		maint_finish(ix, false, "cannot back up to %s: %s", dir,
		             err ? err : nsx_status_name(xst));
	} else {
		human_bytes(dir_bytes(dir), size, sizeof size);
		maint_finish(ix, true, "%llu articles at revision %llu copied "
		             "to %s (%s, %.1f s)", (unsigned long long)docs,
		             (unsigned long long)rev, dir, size,
		             (ns_now_ms() - t0) / 1000.0);
	}
	free(err);
}

/* Writer thread: the compacted copy C made takes the index's place, and
 * the writer opens it; the index as it was goes.  What it did into MSG. */
static bool swap_in(ns_indexer_t *ix, struct compaction *c, char *msg,
                    size_t size)
{
	nsx_writer_close(ix->w);
	ix->w = NULL;
	run_exclusive(ix, swap_dirs, c);
	bool reopened = reopen_writer(ix);
	if (!c->swapped) {
		ns_remove_dir(c->fresh.data);
		snprintf(msg, size,
		         "cannot swap the compacted copy in: %s; the "
		         "index is as it was",
		         strerror(c->err));
		return false;
	}
	ns_remove_dir(c->old.data);
	if (!reopened) {
		snprintf(msg, size,
		         "compacted and swapped in, but the index "
		         "cannot be opened again: %s",
		         ix->health.error);
		return false;
	}
	uint64_t now_rev = nsx_writer_revision(ix->w);
	c->docs = nsx_writer_doccount(ix->w);
	pthread_mutex_lock(&ix->mu);
	ix->stats.revision = now_rev;
	ix->stats.documents = c->docs;
	pthread_mutex_unlock(&ix->mu);
	char sizes[2][32];
	human_bytes(c->before, sizes[0], sizeof sizes[0]);
	human_bytes(c->after, sizes[1], sizeof sizes[1]);
	snprintf(msg, size,
	         "%llu articles: %s -> %s, now revision %llu "
	         "(%.1f s)",
	         (unsigned long long)c->docs, sizes[0], sizes[1],
	         (unsigned long long)now_rev, (ns_now_ms() - c->t0) / 1000.0);
	return true;
}

bool compact_swap(ns_indexer_t *ix, const char *const *srcs, size_t n,
                  uint64_t after, char *msg, size_t size)
{
	struct compaction c = {
		.index = ix->index_dir,
		.t0 = ns_now_ms(),
		.drop_extra = n > 1,
	};
	for (size_t i = 0; i < n; i++)
		c.before += dir_bytes(srcs[i]);
	if (!compaction_names(&c)) {
		snprintf(msg, size, "out of memory");
		compaction_free(&c);
		return false;
	}
	ns_remove_dir(c.fresh.data); /* left by a compaction that was killed */
	ns_remove_dir(c.old.data);
	char *err = NULL;
	nsx_status_t xst =
	        n > 1 ? nsx_compact_merge(srcs, n, c.fresh.data, after,
	                                  maint_progress, ix, &err)
	              : nsx_compact(ix->index_dir, c.fresh.data, maint_progress,
	                            ix, &err);
	bool ok = xst == NSX_OK;
	if (!ok) {
		ns_remove_dir(c.fresh.data);
		snprintf(msg, size, "cannot compact: %s",
		         err ? err : nsx_status_name(xst));
	} else {
		c.after = dir_bytes(c.fresh.data);
		ok = swap_in(ix, &c, msg, size);
	}
	free(err);
	compaction_free(&c);
	return ok;
}

/* Writer thread: a compacted copy of the committed index, swapped in for
 * the index itself. */
static void compact_index(ns_indexer_t *ix)
{
	const char *src = ix->index_dir;
	char msg[400];
	bool ok = compact_swap(ix, &src, 1, 0, msg, sizeof msg);
	maint_finish(ix, ok, "%s", msg);
}

/* Below this many changes a fifth of the index is enough for a
 * compaction after a bulk load; from it on, any size of index. */
#define COMPACT_CHANGES_ANY 10000

bool compact_due(const ns_indexer_t *ix)
{
	uint64_t changes =
	        ix->stats.indexed + ix->stats.removed - ix->compacted_at;
	return ix->auto_compact && !bulk_active(ix) && ix->w &&
	       ix->maint.op == NS_MAINT_NONE && changes >= ix->auto_compact &&
	       (changes * 5 >= ix->stats.documents ||
	        changes >= COMPACT_CHANGES_ANY);
}

void compact_after_bulk(ns_indexer_t *ix)
{
	pthread_mutex_lock(&ix->mu);
	bool idle = ix->maint.op == NS_MAINT_NONE;
	uint64_t changes =
	        ix->stats.indexed + ix->stats.removed - ix->compacted_at;
	if (idle) {
		ix->maint.op = NS_MAINT_COMPACT;
		snprintf(ix->maint.target, sizeof ix->maint.target,
		         "after a bulk load");
		ix->maint.started = wall_ns() / 1000000;
		ix->maint.running = true;
		ix->maint.total = 6; /* glass's tables */
		/* Even if it fails: the next bulk load tries again, not the
		 * next quiet second. */
		ix->compacted_at += changes;
	}
	pthread_mutex_unlock(&ix->mu);
	if (!idle)
		return;
	ns_log(NS_LOG_NOTICE, LOG_MOD,
	       "compacting after a bulk load of %llu "
	       "changes",
	       (unsigned long long)changes);
	if (commit_pending(ix))
		compact_index(ix);
	else
		maint_finish(ix, false, "cannot commit the changes pending: %s",
		             ix->health.error);
	stats_add(ix, &ix->stats.compactions, 1); /* done, whichever way */
	notify_commit(ix);
}

void maint_run(ns_indexer_t *ix, enum job_op op, const char *dir)
{
	pthread_mutex_lock(&ix->mu);
	ix->maint.running = true;
	ix->maint.total = 6; /* glass's tables */
	pthread_mutex_unlock(&ix->mu);
	if (op == JOB_BACKUP)
		backup_index(ix, dir);
	else
		compact_index(ix);
}

/* A compaction killed between its two renames leaves no index but the
 * old one aside: put it back. */
void put_back_compacted(const char *index_dir)
{
	struct compaction c = {.index = index_dir};
	struct stat st;
	if (compaction_names(&c) && lstat(index_dir, &st) < 0 &&
	    errno == ENOENT && lstat(c.old.data, &st) == 0 &&
	    rename(c.old.data, index_dir) == 0)
		ns_log(NS_LOG_NOTICE, LOG_MOD,
		       "%s: put back from %s (a "
		       "compaction was interrupted)",
		       index_dir, c.old.data);
	compaction_free(&c);
}

/* What else a killed compaction left goes: its copy, and an index aside
 * that was not put back. */
void remove_compaction_leftovers(const char *index_dir)
{
	struct compaction c = { .index = index_dir };
	if (compaction_names(&c)) {
		ns_remove_dir(c.fresh.data);
		ns_remove_dir(c.old.data);
	}
	compaction_free(&c);
}

/* Is a maintenance operation queued or running?  Says which in WHY. */
static bool maint_busy(ns_indexer_t *ix, char *why, size_t size)
{
	if (ix->maint.op == NS_MAINT_NONE)
		return false;
	snprintf(why, size, "a %s is %s; one operation at a time",
	         ns_maint_name(ix->maint.op),
	         ix->maint.running ? "running" : "queued");
	return true;
}

/* Make MOP on TARGET the operation in progress, unless one is (then
 * false, with WHY).  ONE_FILE: a reindex of one file, which its lane's
 * barrier ends; else the operation is one job, whose barrier is the next
 * one numbered. */
static bool maint_claim(ns_indexer_t *ix, ns_maint_op_t mop,
                        const char *target, bool one_file, char *why,
                        size_t size)
{
	pthread_mutex_lock(&ix->mu);
	bool busy = maint_busy(ix, why, size);
	if (!busy) {
		ix->maint.op = mop;
		snprintf(ix->maint.target, sizeof ix->maint.target, "%s", target);
		ix->maint.started = wall_ns() / 1000000;
		if (one_file) {
			ix->maint.total = 1;
			ix->maint.one_file = true;
		} else {
			ix->maint.barrier = ix->barriers_queued + 1; /* enqueue's next */
		}
	}
	pthread_mutex_unlock(&ix->mu);
	return !busy;
}

/* The operation claimed was queued (ST NS_OK), to pass barrier B: into
 * *BARRIER.  Or it was not: the claim goes, and WHY says why. */
static ns_status_t maint_queued(ns_indexer_t *ix, ns_status_t st, uint64_t b,
                                uint64_t *barrier, char *why, size_t size)
{
	pthread_mutex_lock(&ix->mu);
	if (st == NS_OK)
		ix->maint.barrier = b;
	else
		memset(&ix->maint, 0, sizeof ix->maint);
	pthread_mutex_unlock(&ix->mu);
	if (st == NS_OK)
		*barrier = b;
	else
		snprintf(why, size, "%s", ns_status_str(st));
	return st;
}

/* Queue maintenance job OP on PATH as the operation in progress. */
static ns_status_t maint_start(ns_indexer_t *ix, ns_maint_op_t mop,
                               enum job_op op, const char *path,
                               uint64_t *barrier, char *why, size_t size)
{
	if (!maint_claim(ix, mop, path, false, why, size))
		return NS_ERR_BUSY;
	uint64_t b = 0;
	ns_status_t st = enqueue_job(ix, op, path, &b);
	return maint_queued(ix, st, b, barrier, why, size);
}

ns_status_t ns_indexer_reindex(ns_indexer_t *ix, const char *relpath,
                               uint64_t *barrier, char *why, size_t size)
{
	if (!ix || !relpath || !barrier)
		return NS_ERR_INVALID;
	struct stat st;
	if (*relpath && (ix->skips && ix->skips(ix->ctx, relpath))) {
		snprintf(why, size, "%s is never indexed: its name is ignored",
		         relpath);
		return NS_ERR_INVALID;
	}
	/* Any thread calls this, and the writer may swap its descriptor of
	 * the articles directory (JOB_REOPEN_ROOT): resolve beneath one of
	 * our own. */
	int rootfd = *relpath ? ns_root_open(ix->articles_dir) : -1;
	int found = rootfd >= 0 ? ns_lstat_beneath(rootfd, relpath, &st) : -1;
	int err = errno;
	if (rootfd >= 0)
		close(rootfd);
	errno = err;
	if (*relpath && found < 0) {
		snprintf(why, size, "%s: %s under the articles root", relpath,
		         ns_beneath_strerror(errno));
		return NS_ERR_INVALID;
	}
	if (!*relpath || S_ISDIR(st.st_mode))
		return maint_start(ix, NS_MAINT_REINDEX, JOB_REINDEX_TREE, relpath,
		                   barrier, why, size);
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, size, "%s is neither a file nor a directory%s",
		         relpath, S_ISLNK(st.st_mode) ? " but a symbolic link "
		         "(links are never followed)" : "");
		return NS_ERR_INVALID;
	}
	/* One file: read it again, then a barrier in its lane. */
	if (!maint_claim(ix, NS_MAINT_REINDEX, relpath, true, why, size))
		return NS_ERR_BUSY;
	uint64_t b = 0;
	ns_status_t rc = enqueue_job(ix, JOB_REINDEX, relpath, NULL);
	if (rc == NS_OK)
		rc = enqueue_job(ix, JOB_BARRIER_PATH, relpath, &b);
	return maint_queued(ix, rc, b, barrier, why, size);
}

ns_status_t ns_indexer_compact(ns_indexer_t *ix, uint64_t *barrier,
                               char *why, size_t size)
{
	if (!ix || !barrier)
		return NS_ERR_INVALID;
	return maint_start(ix, NS_MAINT_COMPACT, JOB_COMPACT, "", barrier, why,
	                   size);
}

/* Is DIR a place for a backup: an empty directory, or a missing one
 * whose parent exists?  If not, WHY says why. */
static bool backup_dir_ok(const char *dir, char *why, size_t size)
{
	struct stat st;
	if (lstat(dir, &st) == 0) {
		DIR *d = S_ISDIR(st.st_mode) ? opendir(dir) : NULL;
		struct dirent *e;
		bool empty = d != NULL;
		while (d && (e = readdir(d)))
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				empty = false;
		if (d)
			closedir(d);
		if (!empty)
			snprintf(why, size, "%s exists and is not an empty directory",
			         dir);
		return empty;
	}
	char *parent = strdup(dir);
	char *slash = parent ? strrchr(parent, '/') : NULL;
	if (slash)
		*(slash == parent ? slash + 1 : slash) = '\0';
	bool ok = parent && stat(parent, &st) == 0 && S_ISDIR(st.st_mode);
	if (!ok)
		snprintf(why, size, "%s: no such directory to make the backup "
		         "in", parent ? parent : dir);
	free(parent);
	return ok;
}

ns_status_t ns_indexer_backup(ns_indexer_t *ix, const char *dir,
                              uint64_t *barrier, char *why, size_t size)
{
	if (!ix || !dir || !barrier)
		return NS_ERR_INVALID;
	if (dir[0] != '/') {
		snprintf(why, size, "the backup directory must be an absolute "
		         "path: %s", dir);
		return NS_ERR_INVALID;
	}
	size_t il = strlen(ix->index_dir);
	if (strncmp(dir, ix->index_dir, il) == 0 &&
	    (dir[il] == '/' || !dir[il])) {
		snprintf(why, size, "%s is inside the index", dir);
		return NS_ERR_INVALID;
	}
	if (!backup_dir_ok(dir, why, size))
		return NS_ERR_INVALID;
	return maint_start(ix, NS_MAINT_BACKUP, JOB_BACKUP, dir, barrier, why,
	                   size);
}

void ns_indexer_maint(ns_indexer_t *ix, ns_maint_t *now, ns_maint_t *last)
{
	pthread_mutex_lock(&ix->mu);
	if (now)
		*now = ix->maint;
	if (last)
		*last = ix->last_maint;
	pthread_mutex_unlock(&ix->mu);
}
