/* watch.h - follows an article tree with inotify on the libuv loop and says
 * which relative paths changed.  It knows paths and events, never Xapian:
 * what to do with a path is the callbacks' business.  Loop thread only. */
#ifndef NS_WATCH_H
#define NS_WATCH_H

#include <stdbool.h>
#include <uv.h>

#include "nsearch/util.h"

typedef struct {
	/* A regular file to (re)index: it was written and closed, moved in,
	 * or found by a scan. */
	void (*put)(void *ctx, const char *relpath);
	/* A file deleted or moved away. */
	void (*remove)(void *ctx, const char *relpath);
	/* A directory deleted or moved away, with everything under it. */
	void (*remove_tree)(void *ctx, const char *reldir);
	/* The whole tree was scanned again after events were lost (kernel
	 * queue overflow): files that vanished meanwhile are for the callee
	 * to find.  May be NULL. */
	void (*rescanned)(void *ctx);
	void *ctx;
} ns_watch_cbs_t;

typedef struct ns_watch ns_watch_t;

/* Watch ROOT (an absolute directory) recursively, reporting every regular
 * file already there through cbs->put before returning.  Symbolic links
 * are not followed (docs/operations.md). */
ns_status_t ns_watch_start(uv_loop_t *loop, const char *root,
                           const ns_watch_cbs_t *cbs, ns_watch_t **out,
                           char **errmsg);

/* Stop watching; the memory goes when the loop has run the close
 * callbacks.  Accepts NULL. */
void ns_watch_close(ns_watch_t *w);

/* Is NAME (one path component) one the watcher skips: hidden files and
 * directories, editor backups and swap files ("x~", "#x#", ".x.swp")? */
bool ns_watch_ignored(const char *name);

#endif
