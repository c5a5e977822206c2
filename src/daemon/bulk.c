/* bulk.c - a bulk load into an empty index on several cores.  While it
 * lasts the writer thread hands every write of a document (a replace, a
 * removal, a new stat) to one of K shard databases beside the index
 * (INDEX/bulk.N: on the index's filesystem, which a full disk fills for
 * both), chosen by a hash of the path, each written and
 * committed by a thread of its own; once the load is over the index and
 * the shards are merged by one compaction and swapped in.  The writer
 * thread keeps the order, the stats, the path map and the hand-off; a
 * shard thread touches only its own database and queue. */
#include "daemon/index_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "core/log.h"
#include "daemon/schema.h"

/* Writes queued for a shard before the writer waits for it: enough to
 * keep it busy, few enough to bound the documents held in memory. */
#define SHARD_QUEUE_MAX 64

enum sop {
	SOP_REPLACE,
	SOP_DELETE,
	SOP_SET_VALUE,
	SOP_DELETE_PREFIX,
	SOP_COMMIT
};

struct sop_item {
	struct sop_item *next;
	enum sop op;
	nsx_doc_t *doc; /* SOP_REPLACE: owned */
	size_t text;    /* SOP_REPLACE: its text's bytes */
	char *value;    /* SOP_SET_VALUE: owned */
	size_t len;
	uint64_t ticket; /* SOP_COMMIT: the writer waits for it */
	char term[];     /* the id term, or the prefix */
};

struct shard {
	pthread_t thread;
	bool started;
	nsx_writer_t *w; /* the shard thread's while it runs */
	pthread_mutex_t mu;
	pthread_cond_t work;          /* queued, or stop */
	pthread_cond_t done;          /* room in the queue, a ticket done */
	struct sop_item *head, *tail; /* under mu */
	unsigned queued;              /* under mu */
	bool stop;                    /* under mu */
	uint64_t committed;           /* the last ticket done, under mu */
	uint64_t docs;                /* after the last commit, under mu */
	nsx_status_t err;             /* the first failure, under mu */
	char errmsg[256];             /* under mu */
	ns_strv_t refused;            /* id terms Xapian refused, under mu */
	unsigned uncommitted;         /* shard thread */
	size_t uncommitted_text;      /* shard thread: their text's bytes */
	struct timespec due;          /* shard thread: commit by then */
	unsigned batch, delay_ms;     /* immutable */
	char dir[];
};

struct bulk {
	unsigned k;
	uint64_t ticket;       /* the last commit asked of every shard */
	uint64_t rev;          /* the revision reported meanwhile */
	bool fence_passed;     /* a barrier for everything passed */
	unsigned long long t0; /* monotonic ms at the start */
	struct shard *s[NS_BULK_MAX];
};

/* ---- the shard thread -------------------------------------------------- */

static void shard_fail(struct shard *s, nsx_status_t st, const char *what)
{
	pthread_mutex_lock(&s->mu);
	if (s->err == NSX_OK) {
		s->err = st == NSX_CORRUPT ? NSX_IO
		                           : st; /* a shard, not the index */
		snprintf(s->errmsg, sizeof s->errmsg, "%s (%s)",
		         *nsx_writer_error(s->w) ? nsx_writer_error(s->w)
		                                 : nsx_status_name(st),
		         what);
	}
	pthread_mutex_unlock(&s->mu);
}

/* Commit what is pending; TICKET (0: the shard's own cadence) is done. */
static void shard_commit(struct shard *s, uint64_t ticket)
{
	nsx_status_t st = NSX_OK;
	if (s->uncommitted && (st = nsx_writer_commit(s->w)) != NSX_OK)
		shard_fail(s, st, "commit");
	s->uncommitted = 0;
	s->uncommitted_text = 0;
	uint64_t docs = nsx_writer_doccount(s->w);
	pthread_mutex_lock(&s->mu);
	s->docs = docs;
	if (ticket)
		s->committed = ticket;
	pthread_cond_broadcast(&s->done);
	pthread_mutex_unlock(&s->mu);
}

static nsx_status_t shard_write(struct shard *s, struct sop_item *it)
{
	switch (it->op) {
	case SOP_REPLACE: return nsx_writer_replace(s->w, it->term, it->doc);
	case SOP_DELETE: return nsx_writer_delete(s->w, it->term, NULL);
	case SOP_SET_VALUE: {
		nsx_status_t st = nsx_writer_set_value(
		        s->w, it->term, NS_SLOT_FILE, it->value, it->len);
		return st == NSX_NOT_FOUND ? NSX_OK : st;
	}
	case SOP_DELETE_PREFIX:
		return nsx_writer_delete_prefix(s->w, it->term, NULL);
	case SOP_COMMIT: break;
	}
	return NSX_OK;
}

static void item_free(struct sop_item *it)
{
	nsx_doc_free(it->doc);
	free(it->value);
	free(it);
}

/* Do IT (and free it).  After a failure only tickets are answered: the
 * bulk load is abandoned (bulk_abort). */
static void shard_run(struct shard *s, struct sop_item *it)
{
	pthread_mutex_lock(&s->mu);
	bool failed = s->err != NSX_OK;
	pthread_mutex_unlock(&s->mu);
	if (it->op == SOP_COMMIT) {
		shard_commit(s, it->ticket);
	} else if (!failed) {
		nsx_status_t st = shard_write(s, it);
		if (st == NSX_INVALID) { /* this document, not the database */
			pthread_mutex_lock(&s->mu);
			ns_strv_push(&s->refused, it->term, strlen(it->term));
			pthread_mutex_unlock(&s->mu);
		} else if (st != NSX_OK) {
			shard_fail(s, st, it->term);
		} else {
			if (s->uncommitted++ == 0)
				s->due = deadline_after(s->delay_ms);
			s->uncommitted_text += it->text;
			if (s->uncommitted >= s->batch ||
			    s->uncommitted_text >= NS_BATCH_TEXT)
				shard_commit(s, 0);
		}
	}
	item_free(it);
}

/* Under mu: wait for work, or for the pending writes to be due. */
static void shard_wait(struct shard *s)
{
	while (!s->head && !s->stop && !(s->uncommitted && ts_past(&s->due))) {
		if (s->uncommitted)
			pthread_cond_timedwait(&s->work, &s->mu, &s->due);
		else
			pthread_cond_wait(&s->work, &s->mu);
	}
}

static void *shard_main(void *arg)
{
	struct shard *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		shard_wait(s);
		struct sop_item *it = s->head;
		if (!it && s->stop)
			break;
		if (it) {
			s->head = it->next;
			if (!s->head)
				s->tail = NULL;
			s->queued--;
			pthread_cond_broadcast(&s->done); /* room */
		}
		pthread_mutex_unlock(&s->mu);
		if (it)
			shard_run(s, it);
		else
			shard_commit(s, 0); /* idle a while: searchable */
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* ---- the writer's side --------------------------------------------------- */

bool bulk_active(const ns_indexer_t *ix)
{
	return ix->bulk != NULL;
}

static void shard_free(struct shard *s)
{
	if (!s)
		return;
	if (s->started) {
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->work);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thread, NULL);
	}
	for (struct sop_item *it = s->head, *next; it; it = next) {
		next = it->next;
		item_free(it);
	}
	nsx_writer_close(s->w);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->done);
	pthread_mutex_destroy(&s->mu);
	ns_strv_clear(&s->refused);
	free(s);
}

/* INDEX/bulk.N, for N in 0..NS_BULK_MAX-1, into BUF.  Xapian leaves
 * what it does not know in a database's directory alone. */
static void shard_dir(const char *index_dir, unsigned n, char *buf, size_t size)
{
	snprintf(buf, size, "%s/bulk.%u", index_dir, n);
}

void bulk_remove_leftovers(const char *index_dir)
{
	for (unsigned n = 0; n < NS_BULK_MAX; n++) {
		char dir[4096];
		struct stat st;
		shard_dir(index_dir, n, dir, sizeof dir);
		if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
			ns_log(NS_LOG_NOTICE, LOG_MOD,
			       "%s: a bulk load's shard left "
			       "unmerged: removed (its files are read again)",
			       dir);
			ns_remove_dir(dir);
		}
	}
}

static struct shard *shard_new(ns_indexer_t *ix, unsigned n)
{
	char dir[4096];
	shard_dir(ix->index_dir, n, dir, sizeof dir);
	struct shard *s = calloc(1, sizeof *s + strlen(dir) + 1);
	if (!s)
		return NULL;
	strcpy(s->dir, dir);
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->work, &ca);
	pthread_cond_init(&s->done, &ca);
	pthread_condattr_destroy(&ca);
	s->batch = __atomic_load_n(&ix->batch_max, __ATOMIC_RELAXED);
	s->delay_ms = __atomic_load_n(&ix->commit_delay_ms, __ATOMIC_RELAXED);
	char *err = NULL;
	ns_remove_dir(dir);
	if (nsx_writer_open(dir, &s->w, &err) != NSX_OK) {
		ns_log(NS_LOG_WARNING, LOG_MOD,
		       "%s: cannot make a shard (%s): "
		       "one writer",
		       dir, err ? err : "?");
		free(err);
		shard_free(s);
		ns_remove_dir(dir);
		return NULL;
	}
	s->started = pthread_create(&s->thread, NULL, shard_main, s) == 0;
	if (!s->started) {
		shard_free(s);
		ns_remove_dir(dir);
		return NULL;
	}
	return s;
}

/* The readers search the shards beside the index from their next reopen
 * (none: the index alone). */
static void share_shards(struct bulk *b)
{
	const char *paths[NS_BULK_MAX];
	unsigned n = 0;
	for (unsigned i = 0; b && i < b->k; i++)
		paths[n++] = b->s[i]->dir;
	nsx_readers_set_extra(paths, n);
}

static void drop_extra(void *arg)
{
	(void)arg;
	nsx_readers_set_extra(NULL, 0);
}

/* Writer thread: all shards stop, and go with their directories.  The
 * readers forget them first, while no search runs, and the idle ones are
 * dropped: none keeps their deleted files open (and their space taken). */
static void bulk_free(ns_indexer_t *ix)
{
	struct bulk *b = ix->bulk;
	ix->bulk = NULL;
	run_exclusive(ix, drop_extra, NULL);
	for (unsigned i = 0; i < b->k; i++) {
		char dir[4096];
		snprintf(dir, sizeof dir, "%s", b->s[i]->dir);
		shard_free(b->s[i]);
		ns_remove_dir(dir);
	}
	free(b);
}

void bulk_begin(ns_indexer_t *ix, unsigned writers)
{
	if (writers < 2 || !ix->w || nsx_writer_doccount(ix->w) ||
	    ns_pathmap_count(ix->files))
		return;
	struct bulk *b = calloc(1, sizeof *b);
	if (!b)
		return;
	if (writers > NS_BULK_MAX)
		writers = NS_BULK_MAX;
	for (b->k = 0; b->k < writers; b->k++)
		if (!(b->s[b->k] = shard_new(ix, b->k)))
			break;
	ix->bulk = b;
	if (b->k < 2) {
		bulk_free(ix);
		return;
	}
	b->rev = nsx_writer_revision(ix->w);
	b->t0 = ns_now_ms();
	share_shards(b);
	ns_log(NS_LOG_NOTICE, LOG_MOD,
	       "the index is empty: a bulk load on %u "
	       "writers (shards %s/bulk.*), merged when it is over",
	       b->k, ix->index_dir);
}

static struct shard *shard_of(const ns_indexer_t *ix, const char *idterm)
{
	struct bulk *b = ix->bulk;
	return b->s[XXH3_64bits(idterm, strlen(idterm)) % b->k];
}

/* Queue IT for S (which owns it from here), waiting while S's queue is
 * full.  The shard's failure, if it failed. */
static nsx_status_t shard_push(struct shard *s, struct sop_item *it)
{
	pthread_mutex_lock(&s->mu);
	while (s->queued >= SHARD_QUEUE_MAX && s->err == NSX_OK)
		pthread_cond_wait(&s->done, &s->mu);
	nsx_status_t st = s->err;
	if (st == NSX_OK) {
		it->next = NULL;
		if (s->tail)
			s->tail->next = it;
		else
			s->head = it;
		s->tail = it;
		s->queued++;
		pthread_cond_signal(&s->work);
	}
	pthread_mutex_unlock(&s->mu);
	if (st != NSX_OK)
		item_free(it);
	return st;
}

static struct sop_item *item_new(enum sop op, const char *term)
{
	struct sop_item *it = calloc(1, sizeof *it + strlen(term) + 1);
	if (it) {
		it->op = op;
		strcpy(it->term, term);
	}
	return it;
}

nsx_status_t bulk_replace(ns_indexer_t *ix, const char *idterm, nsx_doc_t **doc)
{
	struct sop_item *it = item_new(SOP_REPLACE, idterm);
	if (!it)
		return NSX_NO_MEMORY;
	it->doc = *doc;
	it->text = nsx_doc_text_bytes(*doc);
	*doc = NULL;
	return shard_push(shard_of(ix, idterm), it);
}

nsx_status_t bulk_delete(ns_indexer_t *ix, const char *idterm)
{
	struct sop_item *it = item_new(SOP_DELETE, idterm);
	return it ? shard_push(shard_of(ix, idterm), it) : NSX_NO_MEMORY;
}

nsx_status_t bulk_set_value(ns_indexer_t *ix, const char *idterm,
                            const char *value, size_t len)
{
	struct sop_item *it = item_new(SOP_SET_VALUE, idterm);
	if (!it || !(it->value = malloc(len + 1))) {
		free(it);
		return NSX_NO_MEMORY;
	}
	memcpy(it->value, value, len);
	it->len = len;
	return shard_push(shard_of(ix, idterm), it);
}

nsx_status_t bulk_delete_prefix(ns_indexer_t *ix, const char *prefix)
{
	struct bulk *b = ix->bulk;
	for (unsigned i = 0; i < b->k; i++) {
		struct sop_item *it = item_new(SOP_DELETE_PREFIX, prefix);
		nsx_status_t st = it ? shard_push(b->s[i], it) : NSX_NO_MEMORY;
		if (st != NSX_OK)
			return st;
	}
	return NSX_OK;
}

/* The documents Xapian refused in S leave the path map and are listed
 * as problems, as a refused document is when there is one writer. */
static void note_refused(ns_indexer_t *ix, struct shard *s)
{
	pthread_mutex_lock(&s->mu);
	ns_strv_t refused = s->refused;
	memset(&s->refused, 0, sizeof s->refused);
	pthread_mutex_unlock(&s->mu);
	size_t skip = strlen(NS_PREFIX_ID);
	for (size_t i = 0; i < refused.n; i++) {
		ns_pathmap_del(ix->files, refused.v[i] + skip);
		put_failed(ix, refused.v[i] + skip, "refused by the index");
	}
	ns_strv_clear(&refused);
}

nsx_status_t bulk_commit(ns_indexer_t *ix, uint64_t *docs)
{
	struct bulk *b = ix->bulk;
	uint64_t ticket = ++b->ticket;
	nsx_status_t st = NSX_OK;
	for (unsigned i = 0; i < b->k && st == NSX_OK; i++) {
		struct sop_item *it = item_new(SOP_COMMIT, "");
		if (!it)
			return NSX_NO_MEMORY;
		it->ticket = ticket;
		st = shard_push(b->s[i], it);
	}
	*docs = 0;
	for (unsigned i = 0; i < b->k && st == NSX_OK; i++) {
		struct shard *s = b->s[i];
		pthread_mutex_lock(&s->mu);
		while (s->committed < ticket && s->err == NSX_OK)
			pthread_cond_wait(&s->done, &s->mu);
		st = s->err;
		*docs += s->docs;
		pthread_mutex_unlock(&s->mu);
		note_refused(ix, s);
	}
	if (st != NSX_OK)
		return st;
	nsx_readers_set_extra_revision(++b->rev);
	*docs += nsx_writer_doccount(ix->w);
	return NSX_OK;
}

uint64_t bulk_revision(const ns_indexer_t *ix)
{
	return ix->bulk->rev;
}

void bulk_fence_passed(ns_indexer_t *ix)
{
	if (ix->bulk)
		ix->bulk->fence_passed = true;
}

bool bulk_due(const ns_indexer_t *ix)
{
	return ix->bulk && ix->bulk->fence_passed;
}

/* The first failure of a shard, for the log; "" when none failed. */
static void shard_error(struct bulk *b, char *buf, size_t size)
{
	buf[0] = '\0';
	for (unsigned i = 0; i < b->k && !buf[0]; i++) {
		pthread_mutex_lock(&b->s[i]->mu);
		snprintf(buf, size, "%s", b->s[i]->errmsg);
		pthread_mutex_unlock(&b->s[i]->mu);
	}
}

/* Queue PATH (a file the shards held) to be read again, under mu. */
static void redo_path(const char *path, void *value, void *ctx)
{
	(void)value;
	ns_indexer_t *ix = ctx;
	struct job *j = job_new(JOB_REDO, path, ix->gen, 0);
	if (!j)
		return; /* the next start's reconciliation finds it */
	jobq_push_front(ix->q, j);
	ix->stats.queued++;
}

void bulk_abort(ns_indexer_t *ix, const char *why, char *err, size_t size)
{
	shard_error(ix->bulk, err, size);
	bulk_free(ix);
	/* What the shards held is not in the index: read again, before
	 * anything still queued (it was taken first). */
	pthread_mutex_lock(&ix->mu);
	ns_pathmap_each(ix->files, redo_path, ix);
	pthread_mutex_unlock(&ix->mu);
	size_t n = ns_pathmap_count(ix->files);
	ns_pathmap_free(ix->files);
	ix->files = ns_pathmap_new();
	ns_log(NS_LOG_ERR, LOG_MOD,
	       "bulk load abandoned (%s%s%s): its %zu "
	       "files are read again by the one writer",
	       why, err[0] ? ": " : "", err, n);
}

void bulk_stop(ns_indexer_t *ix)
{
	if (!ix->bulk)
		return;
	uint64_t docs;
	if (bulk_commit(ix, &docs) == NSX_OK)
		ns_log(NS_LOG_NOTICE, LOG_MOD,
		       "stopped in a bulk load: its shards "
		       "are dropped, the next start reads their %llu articles "
		       "again",
		       (unsigned long long)docs);
	bulk_free(ix);
}

/* Writer thread: the load is over.  Commit every shard, stop them, and
 * merge them with the index into one compacted database swapped in for
 * it.  Indexing waits meanwhile; searches go on, over the shards until
 * the swap. */
bool bulk_finish(ns_indexer_t *ix)
{
	struct bulk *b = ix->bulk;
	uint64_t docs;
	nsx_status_t st = bulk_commit(ix, &docs);
	if (st != NSX_OK) {
		writer_fault(ix, st, "the bulk load"); /* aborts it */
		return false;
	}
	ix->pending = 0; /* all in the shards, all merged below */
	ix->pending_text = 0;
	/* Committed in the shards: nothing to apply again (a failed merge
	 * drops the load and reads its files again). */
	ns_strv_clear(&ix->unwritten);
	if (docs == 0) { /* an empty tree: nothing to merge */
		bulk_free(ix);
		return true;
	}
	unsigned long long t_merge = ns_now_ms();
	const char *srcs[NS_BULK_MAX + 1] = { ix->index_dir };
	/* Each shard thread idles now, all committed: nothing else writes
	 * to them while they are read. */
	for (unsigned i = 0; i < b->k; i++)
		srcs[i + 1] = b->s[i]->dir;
	char msg[400];
	bool ok = compact_swap(ix, srcs, b->k + 1, b->rev, msg, sizeof msg);
	if (!ok) {
		char err[256];
		bulk_abort(ix, msg, err, sizeof err);
		return false;
	}
	unsigned k = b->k;
	unsigned long long t0 = b->t0;
	bulk_free(ix);
	pthread_mutex_lock(&ix->mu);
	ix->stats.compactions++;
	ix->compacted_at = ix->stats.indexed + ix->stats.removed;
	pthread_mutex_unlock(&ix->mu);
	ns_log(NS_LOG_NOTICE, LOG_MOD,
	       "bulk load on %u writers: %llu articles "
	       "in %.1f s, merged in %.1f s: %s",
	       k, (unsigned long long)docs, (t_merge - t0) / 1000.0,
	       (ns_now_ms() - t_merge) / 1000.0, msg);
	notify_commit(ix);
	return true;
}

void bulk_progress(ns_indexer_t *ix)
{
	struct bulk *b = ix->bulk;
	uint64_t docs = 0;
	for (unsigned i = 0; i < b->k; i++) {
		pthread_mutex_lock(&b->s[i]->mu);
		docs += b->s[i]->docs;
		pthread_mutex_unlock(&b->s[i]->mu);
	}
	pthread_mutex_lock(&ix->mu);
	ix->stats.documents = docs;
	pthread_mutex_unlock(&ix->mu);
}
