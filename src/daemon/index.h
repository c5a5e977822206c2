/* index.h - the writer: the one thread that owns the WritableDatabase.
 *
 * Other threads hand it paths through a queue (ns_indexer_put and friends
 * never block on Xapian); it reads and parses each file, writes it, and
 * commits when a batch fills or a short deadline passes. */
#ifndef NS_INDEX_H
#define NS_INDEX_H

#include <stdint.h>

#include "parse/article.h"
#include "core/problems.h"
#include "nsearch/status.h"
#include "daemon/fault.h"
#include "nsx.h"

/* Files bigger than this are skipped unless the options say otherwise. */
#define NS_DEFAULT_MAX_FILE (8u << 20)

typedef struct ns_indexer ns_indexer_t;

/* How the index is checked at start (docs/operations.md, "Faults"). */
typedef enum {
	NS_CHECK_QUICK = 0,   /* open it and read from every table */
	NS_CHECK_FULL,        /* every block of every table */
	NS_CHECK_NONE,
} ns_index_check_t;

typedef struct {
	const char *index_dir;     /* the Xapian database */
	const char *articles_dir;  /* paths in the queue are relative to it,
	                              resolved beneath it (safepath.h) */
	unsigned batch_max;        /* commit after this many changes (0: 1000) */
	unsigned commit_delay_ms;  /* or this long after the first (0: 50) */
	size_t max_file_bytes;     /* bigger files are skipped
	                              (0: NS_DEFAULT_MAX_FILE) */
	const char *default_language; /* for files that name none (NULL: en) */
	/* Is RELPATH one the watcher skips (may be NULL)?  Called on the
	 * writer thread: the answer must not change while it runs.  Articles
	 * it skips leave the index at the next sweep. */
	bool (*skips)(void *ctx, const char *relpath);
	unsigned rules_hash;       /* of the ignore rules: when it changes,
	                              every file is read again */
	/* Called on the writer thread after every commit (may be NULL). */
	void (*on_commit)(void *ctx);
	/* Called on the writer thread just before each commit (BEGIN true)
	 * and right after it, whatever it did (false): a primary holds its
	 * replication server still meanwhile (repl_primary.h).  May be
	 * NULL. */
	void (*around_commit)(void *ctx, bool begin);
	/* Run SWAP(ARG) at a moment no search reads the index, and make the
	 * searches after it open the index afresh (compaction swaps the
	 * directory).  Writer thread.  NULL: SWAP is called as it is. */
	void (*exclusive)(void *ctx, void (*swap)(void *arg), void *arg);
	void *ctx;
	ns_index_check_t check;    /* of the index at start; a damaged one is
	                              moved aside and rebuilt */
	unsigned bulk_writers;     /* into an empty index, a bulk load on this
	                              many writers, merged when it is over
	                              (0, 1: one writer) */
	unsigned auto_compact;     /* compact by itself after this many
	                              changes, a fifth of the index at least
	                              (0: never) */
} ns_indexer_opts_t;

typedef struct {
	uint64_t revision;    /* last committed revision */
	uint64_t documents;   /* documents in the index at that revision */
	NS_INDEXER_COUNTERS(NS_COUNTER_FIELD) /* nsearch/status.h */
	uint64_t barriers;    /* barriers passed (ns_indexer_barrier) */
	int64_t last_commit;  /* wall clock of the last commit, Unix ms; 0:
	                         none since start */
	uint64_t commits;     /* commits that worked, since start */
	double commit_seconds; /* the time they took, added up */
	bool commit_failing;  /* the last commit failed (a full disk): the
	                         writer retries every second */
} ns_indexer_stats_t;

/* Maintenance: one operation at a time, done by the writer between two
 * batches (indexing waits meanwhile; searches go on). */
typedef enum {
	NS_MAINT_NONE,
	NS_MAINT_REINDEX,     /* read every file under a path again */
	NS_MAINT_COMPACT,     /* a compacted copy of the index, swapped in */
	NS_MAINT_BACKUP,      /* a compacted copy of the index, elsewhere */
} ns_maint_op_t;

typedef struct {
	ns_maint_op_t op;
	char target[1024];    /* reindex: the relative path ("" for all);
	                         backup: the directory */
	bool running;         /* false: queued behind other work */
	bool one_file;        /* reindex: TARGET is a file */
	uint64_t done, total; /* files (reindex) or tables (compact, backup) */
	int64_t started;      /* wall clock, Unix ms, when asked */
	int64_t finished;     /* Unix ms (finished operations only) */
	bool ok;              /* finished operations: did it work? */
	char message[512];    /* finished operations: what it did, or why
	                         it failed */
	uint64_t barrier;     /* passes when it is finished */
} ns_maint_t;

/* Name of OP ("reindex", "compact", "backup"; "" for none). */
const char *ns_maint_name(ns_maint_op_t op);

/* Start a maintenance operation; *BARRIER passes when it has finished
 * (ns_indexer_maint then tells how).  NS_ERR_INVALID with WHY when another
 * one is queued or running, or the argument is wrong.
 * ns_indexer_reindex: RELPATH a file, a directory, or "" for the tree;
 * every file the index knows (or lists as a problem) under it is read and
 * indexed again, as if it had changed.  ns_indexer_backup: DIR an absolute
 * path that is missing or an empty directory, whose parent exists. */
ns_status_t ns_indexer_reindex(ns_indexer_t *ix, const char *relpath,
                               uint64_t *barrier, char *why, size_t size);
ns_status_t ns_indexer_compact(ns_indexer_t *ix, uint64_t *barrier,
                               char *why, size_t size);
ns_status_t ns_indexer_backup(ns_indexer_t *ix, const char *dir,
                              uint64_t *barrier, char *why, size_t size);
/* The operation queued or running (op NS_MAINT_NONE when none) into NOW,
 * and the last one finished into LAST; either may be NULL. */
void ns_indexer_maint(ns_indexer_t *ix, ns_maint_t *now, ns_maint_t *last);

/* Open (or create) the index and start the writer thread.  On failure
 * *ERRMSG (if not NULL) gets a new message to free(). */
ns_status_t ns_indexer_start(const ns_indexer_opts_t *opts,
                             ns_indexer_t **out, char **errmsg);

/* Stop taking work, write and commit what is in hand, join the thread and
 * free everything.  Paths still queued are dropped (a restart rescans).
 * Accepts NULL. */
void ns_indexer_stop(ns_indexer_t *ix);

/* Queue RELPATH to be (re)indexed from disk, or removed from the index.
 * A file that is gone when its turn comes is removed.  Copies RELPATH.
 * ns_indexer_put: the file changed, read it (its content hash still spares
 * a re-index when the bytes are the same).  ns_indexer_put_scanned: a scan
 * found it; if its stat (mtime, ctime, size, inode) is what the index
 * knows, and was not taken within 2 s of a change, it is not even read. */
ns_status_t ns_indexer_put(ns_indexer_t *ix, const char *relpath);
ns_status_t ns_indexer_put_scanned(ns_indexer_t *ix, const char *relpath);
ns_status_t ns_indexer_remove(ns_indexer_t *ix, const char *relpath);
/* Remove every article under the directory RELDIR. */
ns_status_t ns_indexer_remove_tree(ns_indexer_t *ix, const char *reldir);

/* Scans: take a generation before scanning a directory (every put queued
 * from then on counts as found by it), then queue the prune: the articles
 * under RELDIR ("" for the whole tree) that no put since GEN named, and
 * whose files are no longer regular files at their paths, are removed.
 * This is how what vanished while nobody watched leaves the index. */
uint64_t ns_indexer_scan_begin(ns_indexer_t *ix);
ns_status_t ns_indexer_prune(ns_indexer_t *ix, const char *reldir,
                             uint64_t gen);

/* Queue a barrier: when the writer reaches it, everything queued before it
 * has been written and committed; it then calls on_commit.  *SEQ (if not
 * NULL) gets its number, counted from 1. */
ns_status_t ns_indexer_barrier(ns_indexer_t *ix, uint64_t *seq);

/* The articles directory at its path is a new directory (the old one was
 * deleted or swapped, and the watcher saw one come back): every file
 * queued from now on is read beneath the new one.  A fence: the jobs
 * before it are done first.  NS_OK, NS_ERR_NOMEM. */
ns_status_t ns_indexer_reopen_root(ns_indexer_t *ix);
/* The same for one path: passed once the work queued for RELPATH before it
 * is written and committed, without waiting for other directories' (the
 * writer serves directories in turn; see jobq.h). */
ns_status_t ns_indexer_barrier_path(ns_indexer_t *ix, const char *relpath,
                                    uint64_t *seq);
/* Has barrier SEQ passed?  (Barriers may pass out of order.) */
bool ns_indexer_barrier_passed(ns_indexer_t *ix, uint64_t seq);

/* The writer's figures; zeros when IX is NULL (a replica has none). */
void ns_indexer_stats(ns_indexer_t *ix, ns_indexer_stats_t *out);

/* Whether the index can be written now, and if not why, since when and
 * when the writer tries again; damaged indexes moved aside (any thread).
 * IX may be NULL: nothing wrong. */
void ns_indexer_health(ns_indexer_t *ix, ns_index_health_t *out);

/* A reader met an error that may mean the index is damaged (Xapian's
 * DatabaseCorruptError, or a table that cannot be read).  The writer
 * commits, checks every table, and if it is damaged moves it aside and
 * rebuilds it from the articles; at most once a minute.  Any thread;
 * returns at once. */
void ns_indexer_damaged(ns_indexer_t *ix);

/* New commit batching (a reload), from the next change on; 0 takes the
 * default as in ns_indexer_opts_t.  Any thread. */
void ns_indexer_set_batching(ns_indexer_t *ix, unsigned batch_max,
                             unsigned commit_delay_ms);

/* The files not indexed as they are on disk, and why (thread-safe). */
ns_problems_t *ns_indexer_problems(ns_indexer_t *ix);

/* Build the Xapian document for article A stored at RELPATH (the layout
 * of schema.h).  *DOC is new: free with nsx_doc_free().  Exposed for tests
 * and benchmarks. */
ns_status_t ns_index_build_doc(const ns_article_t *a, const char *relpath,
                               nsx_doc_t **doc);

/* The unique id term for RELPATH into BUF; NS_ERR_TOO_LARGE when the path
 * is too long for a Xapian term. */
ns_status_t ns_index_idterm(const char *relpath, char *buf, size_t size);

/* Where the path is in a document's NS_SLOT_FILE value V (SIZE bytes):
 * *LEN bytes at the pointer returned, into V; NULL when V has none (an
 * older layout).  The path after NS_PREFIX_ID is the id term, so a
 * search over remote shards learns id terms from this value (the shim's
 * id_in_value) without reading a term list. */
const char *ns_index_path_in_meta(const char *v, size_t size, size_t *len);

#endif
