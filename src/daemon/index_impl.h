/* index_impl.h - the indexer's insides, shared by the files that make it
 * up: index.c (start, stop, the queue), writer.c (the writer thread),
 * fileops.c (single files and subtrees), filemeta.c (what the index knows
 * of each file), readahead.c (the readers-ahead), recovery.c (an index
 * that fails), maint.c (maintenance), bulk.c (a bulk load on several
 * writers); docbuild.c needs only index.h.
 * Nothing else may include it (but the unit test of the readers-ahead):
 * the daemon knows the indexer by index.h. */
#ifndef NS_INDEX_IMPL_H
#define NS_INDEX_IMPL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "core/pathmap.h"
#include "daemon/index.h"
#include "daemon/jobq.h"
#include "daemon/readahead.h"
#include "daemon/retry.h"
#include "daemon/sidecars.h"

#define LOG_MOD "index"

/* A batch is also full once its articles' text reaches this many bytes,
 * whatever `batch` says: Xapian's replace_document slows as the
 * uncommitted postings grow, so long articles want smaller batches (a
 * commit every 250 long-form articles beat every 1,000 by 16-19%, where
 * 1,000 stayed the best on short news: docs/performance.md).  2 MiB is
 * about 300 long-form articles, and more than 1,000 short ones. */
#define NS_BATCH_TEXT ((size_t)2 << 20)

/* What the index knows of a file it holds: stored in the document's
 * NS_SLOT_FILE value and kept in memory by path (writer thread only). */
struct file_meta {
	int64_t mtime_ns, ctime_ns, size;
	uint64_t ino;
	uint64_t hash;      /* XXH3 of the bytes (and of what its sidecars
	                       gave: ns_sidecars_hash); 0: unknown, read
	                       again */
	uint64_t side;      /* its sidecars' fingerprint (sidecars.h) */
	int64_t read_ns;    /* wall clock when it was read */
	uint64_t seen;      /* scan generation that last found it */
};

/* A file the writer has to read is read, hashed, parsed and turned into a
 * Xapian document on a reader-ahead's thread (readahead.h), while the
 * writer adds the documents before it to the index.  The writer applies
 * the results in the order it took the jobs, and applies every one in
 * flight before any other kind of job (a removal, a sweep, a barrier):
 * nothing is reordered, only the work that needs no index is done ahead,
 * on the other cores. */

enum prep_kind {
	PREP_GONE,        /* deleted before its turn */
	PREP_NOT_FILE,    /* a symbolic link or a special file now */
	PREP_FAILED,      /* unreadable, refused by the parser: WHY */
	PREP_RETRY,       /* unreadable for now (no descriptors, no memory) */
	PREP_SAME,        /* the bytes the index has: only META changes */
	PREP_DOC,         /* A and DOC to add */
};

struct prep {
	struct prep *next;       /* the writer's FIFO */
	struct prep *next_work;  /* the workers' queue */
	bool force;              /* index even the same bytes (reindex) */
	uint64_t known_hash;     /* of the bytes indexed now; 0: none */
	struct file_meta meta;   /* the stat, then the read */
	bool done;               /* under the readahead's lock */
	enum prep_kind kind;
	ns_article_t *a;
	nsx_doc_t *doc;
	char why[300];
	char path[];
};

/* Who may touch each field is written on it: under mu (any thread,
 * holding it), the writer's (the writer thread only, and ns_indexer_start
 * before the thread runs), immutable (set at start; any thread reads
 * them), atomic, or guarded by a lock of its own. */
struct ns_indexer {
	pthread_t thread;          /* the writer: ns_indexer_start and _stop */
	pthread_mutex_t mu;
	pthread_cond_t wake;       /* work queued, stopping, a check asked */
	jobq_t *q;                 /* pending work, under mu */
	uint64_t passed_upto;      /* barriers 1..passed_upto passed, under mu */
	uint64_t *passed;          /* and these beyond it, under mu */
	size_t npassed;
	bool stopping;             /* under mu */
	uint64_t barriers_queued;  /* under mu */
	uint64_t gen;              /* scan generations issued, under mu */
	ns_indexer_stats_t stats;  /* under mu */
	ns_maint_t maint;          /* the operation queued or running, under mu */
	ns_maint_t last_maint;     /* the last one finished, under mu */
	ns_index_health_t health;  /* under mu */
	bool suspect;              /* a search met damage: check, under mu */
	unsigned long long verified_at; /* monotonic ms of the last, under mu */

	/* Writer thread only. */
	int rootfd;                /* the root, to resolve beneath (writer:
	                              JOB_REOPEN_ROOT swaps it, when no
	                              file is read ahead) */
	nsx_writer_t *w;           /* NULL while the index cannot be written */
	struct timespec recover_at; /* then: the next attempt to write */
	ns_strv_t unwritten;       /* changes since the last commit, which a
	                              failed commit loses: "P<path>" a file,
	                              "T<dir>" a directory removed */
	ns_retry_t *retries;       /* reads to try again */
	bool unloaded;             /* the path map is still to be loaded (the
	                              index could not be opened at start) */
	unsigned last_commit_ms;   /* how long the last commit took */
	unsigned pending;          /* changes not yet committed */
	size_t pending_text;       /* their text, in bytes (NS_BATCH_TEXT) */
	struct timespec deadline;  /* when they must be, if pending */
	ns_strv_t unstemmed;       /* languages said to have no stemmer */
	ns_pathmap_t *files;       /* path -> struct file_meta, writer only */
	struct bulk *bulk;         /* a bulk load on shards (bulk.c); NULL:
	                              the one writer */
	bool quiet_set;            /* the queue has been empty since... */
	struct timespec quiet_until; /* ...long enough by then to compact */

	/* Immutable once started. */
	char *articles_dir;        /* the root's path */
	char *index_dir;
	ns_index_check_t check;    /* at start */
	size_t max_file_bytes;
	ns_parse_opts_t parse;
	char meta_tag[64];         /* layout version, default language, size
	                              limit, ignore rules: what else decides
	                              what a file becomes in the index */
	bool (*skips)(void *ctx, const char *relpath);
	void (*on_commit)(void *ctx);
	void (*around_commit)(void *ctx, bool begin);
	void (*exclusive)(void *ctx, void (*swap)(void *arg), void *arg);
	void *ctx;

	unsigned bulk_writers; /* shards of a bulk load into an empty index
	                              (1: none) */
	unsigned auto_compact; /* compact after this many changes (0:
	                              never; see compact_due) */

	uint64_t compacted_at;     /* indexed + removed at the last compaction
	                              (under mu) */
	unsigned batch_max;        /* atomic: a reload may change them */
	unsigned commit_delay_ms;
	ns_problems_t *problems;   /* thread-safe on its own */
	ns_sidecars_t *sidecars;   /* the folders' tables: thread-safe too */
	readahead_t *ra;           /* the readers-ahead (their own lock) */
};

/* ---- clocks ------------------------------------------------------------- */

static inline int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static inline int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts_ns(&ts);
}

static inline struct timespec deadline_after(unsigned ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static inline bool ts_past(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* ---- filemeta.c: what the index knows of each file ---------------------- */

/* The tag every NS_SLOT_FILE value starts with into ix->meta_tag: what
 * besides the bytes decides what a file becomes in the index (a change
 * to any of it makes every file be read again). */
void meta_tag_make(ns_indexer_t *ix, const char *default_language,
                   unsigned rules_hash);
/* M's NS_SLOT_FILE value for RELPATH; new (free()), NULL out of memory. */
char *meta_value(const ns_indexer_t *ix, const struct file_meta *m,
                 const char *relpath);
/* M for a file whose stat is ST, found by scan generation GEN. */
struct file_meta meta_of_stat(const struct stat *st, uint64_t gen);
/* Do A and B say the same stat (mtime, ctime, size, inode), and the
 * same of the sidecars? */
bool same_stat(const struct file_meta *a, const struct file_meta *b);
/* Was the file read so soon after its last change that its stat cannot
 * vouch for it? */
bool racy(const struct file_meta *m);
/* Remember M for RELPATH, in memory, and IN_INDEX in the document's
 * value (by IDTERM).  False when it could not be stored. */
bool store_meta(ns_indexer_t *ix, const char *relpath, const char *idterm,
                const struct file_meta *m, bool in_index);
/* Load what the index knows of each file into ix->files. */
nsx_status_t load_known(ns_indexer_t *ix);
/* Append to OUT the paths the index knows under DIR ("" for all) that
 * no scan found since generation SEEN_BEFORE (UINT64_MAX: every one). */
void meta_paths(const ns_indexer_t *ix, const char *dir,
                uint64_t seen_before, ns_strv_t *out);

/* ---- fileops.c: single files and subtrees -------------------------------- */

/* Writer thread: RELPATH could not be indexed (WHY): counted, logged and
 * listed as a problem. */
void put_failed(ns_indexer_t *ix, const char *relpath, const char *why);

enum check { CHECK_DONE, CHECK_CHANGED, CHECK_READ };

/* Writer thread: what the stat and the index's memory say of RELPATH
 * before anything is read.  CHECK_READ gives *OUT, the file to read (hand
 * it to the readers-ahead).  SCANNED: a scan found it, and a stat that
 * matches what the index knows is enough; FORCE: index even the same
 * bytes. */
enum check put_check(ns_indexer_t *ix, const char *relpath, bool scanned,
                     uint64_t gen, bool force, struct prep **out);
/* Any thread: read P's file and make its document (CTX: the indexer,
 * of which it reads only what never changes while the writer runs). */
void prep_read(void *ctx, struct prep *p);
/* Writer thread: apply the files read ahead, in order.  ALL: every one in
 * flight, waiting for them; else those done, waiting only while the
 * window is full.  Returns how many changed the index. */
unsigned settle_reads(ns_indexer_t *ix, bool all);
/* Writer thread: (re)index RELPATH from disk now, reading it on this
 * thread.  True when the index changed. */
bool put_path(ns_indexer_t *ix, const char *relpath, bool scanned,
              uint64_t gen, bool force);
/* Writer thread: the paths under DIR ("" for all) that the index holds,
 * or lists as problems (files not in it), into OUT. */
void known_paths(ns_indexer_t *ix, const char *dir, ns_strv_t *out);
/* Writer thread: the sidecar RELPATH (parse/article.h) was written or
 * removed: the articles it describes are read again (but when SCANNED:
 * each article's own scan compares its sidecars' fingerprint), in this
 * job's turn.  A sidecar an older nsearchd indexed as an article leaves
 * the index.  True when the index changed. */
bool sidecar_changed(ns_indexer_t *ix, const char *relpath, bool scanned,
                     uint64_t gen);
/* Writer thread: RELPATH, or every article under RELDIR, leaves the
 * index.  True when the index changed. */
bool remove_path(ns_indexer_t *ix, const char *relpath);
bool remove_tree(ns_indexer_t *ix, const char *reldir);
/* Writer thread: after a scan of RELDIR that began at generation GEN,
 * the articles under it that the scan did not find, and whose files are
 * gone (or no longer regular files), leave the index.  True when the
 * index changed. */
bool prune(ns_indexer_t *ix, const char *reldir, uint64_t gen);

/* ---- maint.c: maintenance ------------------------------------------------ */

/* Writer thread: compact the committed index in place (JOB_COMPACT) or
 * copy it to DIR (JOB_BACKUP); the operation in progress then finishes. */
void maint_run(ns_indexer_t *ix, enum job_op op, const char *dir);
/* Writer thread: queue every file known under RELDIR to be read again,
 * then barrier B, which ends the reindex (reindex_done). */
void reindex_tree(ns_indexer_t *ix, const char *reldir, uint64_t b);
/* Barrier B passed: if it ends a reindexing, say so. */
void reindex_done(ns_indexer_t *ix, uint64_t b);
/* The operation in progress has ended: it becomes the last one. */
void maint_finish(ns_indexer_t *ix, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* At start: put back an index a killed compaction left aside (when
 * there is no index). */
void put_back_compacted(const char *index_dir);
/* At start, the writer's lock held: remove what else a killed compaction
 * left (another nsearchd's running one looks the same). */
void remove_compaction_leftovers(const char *index_dir);
/* Writer thread: write a compacted copy of the N databases at SRCS (the
 * index first; more: a bulk load's shards, merged, the revision then
 * after AFTER) and swap it in for the index.  What it did, or why it
 * failed, into MSG. */
bool compact_swap(ns_indexer_t *ix, const char *const *srcs, size_t n,
                  uint64_t after, char *msg, size_t size);
/* Under mu: has a bulk load changed enough of the index since the last
 * compaction (ix->auto_compact changes, and a fifth of the index or
 * 10,000) for one, with no other operation in progress? */
bool compact_due(const ns_indexer_t *ix);
/* Writer thread, the queue quiet: commit and compact the index, logged as
 * the maintenance operation it is, and counted. */
void compact_after_bulk(ns_indexer_t *ix);

/* ---- bulk.c: a bulk load on several writers ------------------------------ */

/* Shards at most (INDEX/bulk.0 to INDEX/bulk.7). */
#define NS_BULK_MAX 8

/* At start, the writer's lock held: remove the shards of a bulk load that
 * was never merged (the index does not know their files: the start's scan
 * reads them again).  Another nsearchd's running one looks the same. */
void bulk_remove_leftovers(const char *index_dir);
/* Writer thread, before it runs: when WRITERS > 1 and the index is empty,
 * a bulk load begins on that many shards, which the readers search too. */
void bulk_begin(ns_indexer_t *ix, unsigned writers);
/* Is a bulk load on (the writes below go to its shards)? */
bool bulk_active(const ns_indexer_t *ix);
/* Writer thread, in a bulk load: the writes of the one writer, handed to
 * the shard of the id term's path (a prefix: every shard), in order.  The
 * shard's failure when it failed (then call writer_fault).  bulk_replace
 * takes *DOC (NULL after). */
nsx_status_t bulk_replace(ns_indexer_t *ix, const char *idterm,
                          nsx_doc_t **doc);
nsx_status_t bulk_delete(ns_indexer_t *ix, const char *idterm);
nsx_status_t bulk_set_value(ns_indexer_t *ix, const char *idterm,
                            const char *value, size_t len);
nsx_status_t bulk_delete_prefix(ns_indexer_t *ix, const char *prefix);
/* Writer thread: commit every shard and wait for them; the documents
 * then searchable into *DOCS. */
nsx_status_t bulk_commit(ns_indexer_t *ix, uint64_t *docs);
/* The revision reported while the load lasts (one more each bulk_commit). */
uint64_t bulk_revision(const ns_indexer_t *ix);
/* Writer thread: status hears the documents the shards committed on
 * their own. */
void bulk_progress(ns_indexer_t *ix);
/* A barrier for everything passed with more queued behind it: the load
 * ends when the queue is next empty (bulk_due). */
void bulk_fence_passed(ns_indexer_t *ix);
bool bulk_due(const ns_indexer_t *ix);
/* Writer thread: the load is over; merge the shards into the index.
 * False when it could not be: the load is abandoned, its files queued
 * again at the front (bulk_abort). */
bool bulk_finish(ns_indexer_t *ix);
/* Writer thread: a shard failed, or the merge did (WHY): drop the shards
 * and queue their files to be read again by the one writer.  The shard's
 * error, if one failed, into ERR ("" else). */
void bulk_abort(ns_indexer_t *ix, const char *why, char *err, size_t size);
/* Writer thread, stopping: commit and drop the shards (the next start
 * reads their files again). */
void bulk_stop(ns_indexer_t *ix);

/* ---- recovery.c: an index that fails ------------------------------------ */

/* Open the index for the writer, and what it knows of each file.  A
 * damaged index is moved aside and a new one made; one that cannot be
 * written (a read-only filesystem) is opened later (the writer starts
 * read-only).  NS_ERR_INDEX with *ERRMSG when there is no index to work
 * with at all. */
ns_status_t open_index(ns_indexer_t *ix, char **errmsg);
/* Writer thread, read-only: can the index be written again?  Open it and
 * commit a probe; if so the changes lost go back to the queue's front. */
void try_recover(ns_indexer_t *ix);
/* Writer thread: a search met an error that may be damage.  Commit, then
 * check every table; rebuild if it is damaged. */
void verify_index(ns_indexer_t *ix);
/* Writer thread: RELPATH ('P') or everything under a directory ('T')
 * changed since the last commit, which a failed commit would lose. */
void note_unwritten(ns_indexer_t *ix, char kind, const char *path);
/* Writer thread: a write to the index failed with ST (WHAT: the path or
 * the operation): stop writing until a write works again (or rebuild the
 * index, when it is damaged). */
void writer_fault(ns_indexer_t *ix, nsx_status_t st, const char *what);
/* Writer thread: the writer is closed (ix->w NULL) because WHAT failed
 * with ERR: the index is read-only until a write works again. */
void not_writable(ns_indexer_t *ix, const char *what, const char *err);

/* ---- writer.c: the writer thread ----------------------------------------- */

/* The writer thread's body (ARG: the indexer). */
void *writer_main(void *arg);
/* Commit what is pending.  Returns whether it is committed; when not,
 * the index is read-only (ix->w NULL) and what was pending is queued to
 * be done again once it can be written. */
bool commit_pending(ns_indexer_t *ix);
/* N more changes wait for a commit: the first starts the clock. */
void note_changes(ns_indexer_t *ix, unsigned n);
/* Tell the owner (opts.on_commit) that something was committed, or that
 * the waits in flight should look again. */
void notify_commit(ns_indexer_t *ix);

/* ---- index.c: the queue ------------------------------------------------- */

/* Queue OP on PATH (copied); a barrier's number into *SEQ (JOB_PRUNE: *SEQ
 * is its scan's generation).  Any thread. */
ns_status_t enqueue_job(ns_indexer_t *ix, enum job_op op, const char *path,
                        uint64_t *seq);
/* Record barrier B as passed; the caller holds mu. */
void mark_passed(ns_indexer_t *ix, uint64_t b);
/* Add N to the stats counter FIELD (under mu). */
void stats_add(ns_indexer_t *ix, uint64_t *field, uint64_t n);
/* Run FN(ARG) while no search reads the index (opts.exclusive). */
void run_exclusive(ns_indexer_t *ix, void (*fn)(void *arg), void *arg);

#endif
