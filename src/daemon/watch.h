/* watch.h - follows an article tree with inotify on the libuv loop and says
 * which relative paths changed.  It knows paths and events, never Xapian:
 * what to do with a path is the callbacks' business.  Loop thread only. */
#ifndef NS_WATCH_H
#define NS_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/util.h"

typedef struct {
	/* A regular file to (re)index: written and closed, moved in, or found
	 * by a scan (SCANNED: nothing says it changed; its stat may tell). */
	void (*put)(void *ctx, const char *relpath, bool scanned);
	/* A file deleted or moved away. */
	void (*remove)(void *ctx, const char *relpath);
	/* A directory deleted or moved away, with everything under it. */
	void (*remove_tree)(void *ctx, const char *reldir);
	/* A scan of RELDIR ("" for the whole tree) that reconciles it: at
	 * start, after the kernel's queue overflowed, and periodically for
	 * directories the watch limit left unwatched.  Every put between
	 * begin and end is one the scan found; after the end, what it did not
	 * find under RELDIR may be gone.  SCAN_BEGIN returns a token handed
	 * back to SCAN_END. */
	uint64_t (*scan_begin)(void *ctx, const char *reldir);
	void (*scan_end)(void *ctx, const char *reldir, uint64_t token);
	/* The root itself changed (may be NULL): GONE (borrowed for the call)
	 * says why it is no longer the directory watched (deleted, renamed,
	 * unmounted); nothing is reported and nothing is removed until it is
	 * back.  GONE NULL: a directory is at its path again, and its whole
	 * tree is being reconciled (scan_begin/scan_end for "" came before
	 * this call). */
	void (*root_changed)(void *ctx, const char *gone);
	/* A directory is at the root's path again and was opened: called
	 * before its scan is reported, and before root_changed (NULL). */
	void (*root_reopened)(void *ctx);
	void *ctx;
} ns_watch_cbs_t;

typedef struct {
	/* How often directories that could not be watched (the inotify watch
	 * limit) are rescanned, in ms (0: the default of [articles]
	 * rescan_interval). */
	unsigned rescan_interval_ms;
	/* More names to skip: fnmatch(3) globs, matched against each path
	 * component and against the whole relative path (may be NULL). */
	const ns_strv_t *ignore;
} ns_watch_opts_t;

typedef struct ns_watch ns_watch_t;

/* Watch ROOT (an absolute directory) recursively, reporting every regular
 * file already there through cbs->put (scanned) between scan_begin and
 * scan_end for "" before returning.  Symbolic links are not followed
 * (docs/architecture.md, "Watching").  When ROOT is deleted or renamed,
 * it is looked for every second and, once back, watched and reconciled
 * again (cbs->root_changed).  OPTS may be NULL. */
ns_status_t ns_watch_start(uv_loop_t *loop, const char *root,
                           const ns_watch_opts_t *opts,
                           const ns_watch_cbs_t *cbs, ns_watch_t **out,
                           char **errmsg);

/* Read and report now every event the kernel has queued: after it, every
 * change made before the call has reached the callbacks. */
void ns_watch_drain(ns_watch_t *w);

/* Directories waiting for a watch (covered by periodic rescans). */
size_t ns_watch_unwatched(const ns_watch_t *w);
/* Rescans of the whole tree after the kernel's queue overflowed. */
unsigned long ns_watch_overflows(const ns_watch_t *w);
/* NULL while the root is watched; else why it is not (borrowed: valid
 * until the loop turns), and *SINCE (if not NULL) when it went, Unix ms.
 * Checked every second, and on the root's own events. */
const char *ns_watch_root_gone(const ns_watch_t *w, int64_t *since);

/* Stop watching; the memory goes when the loop has run the close
 * callbacks.  Accepts NULL. */
void ns_watch_close(ns_watch_t *w);

/* Is NAME (one path component) one that is never an article: hidden files
 * and directories (".x", which covers ".x.swp" and rsync's temporaries),
 * editor backups ("x~", "#x#", "x.bak"), temporary and partial downloads
 * ("x.tmp", "x.temp", "x.part", "x.partial", "x.crdownload", "x.swp"),
 * vim's probe file "4913" and office lock files ("~$x")? */
bool ns_watch_ignored(const char *name);

/* Is RELPATH skipped by W: a component is ignored, or the path up to a
 * component matches one of the configured globs? */
bool ns_watch_skips(const ns_watch_t *w, const char *relpath);
/* The same for the rules GLOBS (may be NULL), without a watcher: pure and
 * thread-safe. */
bool ns_path_skipped(const ns_strv_t *globs, const char *relpath);

#endif
