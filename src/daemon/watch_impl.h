/* watch_impl.h - what the files of the watcher (watch*.c) share: the
 * watcher's state and the steps one file asks of another.  Loop thread
 * only.  Not for the rest of the daemon, which sees watch.h. */
#ifndef NS_WATCH_IMPL_H
#define NS_WATCH_IMPL_H

#include <sys/inotify.h>

#include "daemon/watch.h"

#define LOG_MOD "watch"

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | \
                    IN_DELETE | IN_DELETE_SELF | IN_ONLYDIR |              \
                    IN_DONT_FOLLOW | IN_EXCL_UNLINK)
/* The root also says when it is renamed: its watch would follow it away. */
#define ROOT_MASK (WATCH_MASK | IN_MOVE_SELF)
/* How often the root is checked: still the directory watched, or back. */
#define ROOT_CHECK_MS 1000

struct watched_dir {
	struct watched_dir *next;   /* hash chain */
	int wd;
	char *relpath;              /* "" for the root */
};

struct ns_watch {
	uv_poll_t poll;
	uv_timer_t rescan;          /* for the unwatched directories */
	uv_timer_t root_check;      /* is the root still there, or back? */
	int open_handles;           /* freed when all three are closed */
	int fd;
	char *root;
	int rootfd;                 /* ROOT, to open directories beneath it */
	ns_watch_cbs_t cbs;
	unsigned rescan_ms;
	ns_strv_t ignore;           /* extra globs */
	/* The directories watched: watch_dirs.c's. */
	struct watched_dir **buckets;
	size_t nbuckets;
	size_t ndirs;
	ns_strv_t unwatched;        /* directories the watch limit left out */
	unsigned long overflows;
	bool limit_logged;          /* the watch limit was hit, said once */
	/* The root's state: watch_root.c's (scan_dir sets root_wd).  Gone
	 * (gone[0]): no watch at all (ndirs 0), no scan, nothing reported. */
	int root_wd;                /* the root's watch; -1 while it has none */
	char gone[160];             /* why the root is not watched; "": it is */
	int64_t gone_since;         /* Unix ms */
};

/* ---- names (watch_ignore.c) ---- */

/* Is NAME, at RELPATH, skipped: built in, or by one of W's globs? */
bool watch_skipped(const ns_watch_t *w, const char *relpath,
                   const char *name);

/* ---- wd -> relative path (watch_dirs.c) ---- */

/* Is PATH the directory DIR or under it?  Every path is under "". */
bool watch_under(const char *path, const char *dir);
/* The relative path of the directory watched as WD (borrowed), or NULL. */
const char *watch_dir_path(ns_watch_t *w, int wd);
/* WD watches RELPATH (again, maybe under a new name). */
ns_status_t watch_remember(ns_watch_t *w, int wd, const char *relpath);
/* WD is gone (the kernel said IN_IGNORED). */
void watch_forget(ns_watch_t *w, int wd);
/* Stop watching RELDIR and everything under it (it moved away); "" is
 * the whole tree. */
void watch_forget_tree(ns_watch_t *w, const char *reldir);
/* Free the table, without a word to the kernel (its descriptor is being
 * closed). */
void watch_dirs_free(ns_watch_t *w);

/* ---- scanning (watch.c) ---- */

/* Scan RELDIR again, between the callbacks' scan_begin and scan_end, so
 * that what changed or vanished there unseen is found.  Never while the
 * root is gone: a scan of a root that is not there would empty the
 * index. */
void watch_reconcile(ns_watch_t *w, const char *reldir);

/* ---- the root itself (watch_root.c) ---- */

/* Why the event EV says the root, watched as W->root_wd, is lost; NULL
 * when it is not about the root itself. */
const char *watch_root_event(const ns_watch_t *w,
                             const struct inotify_event *ev);
/* The root is no longer the directory watched (WHY says how). */
void watch_root_lost(ns_watch_t *w, const char *why);
/* While the root is gone, is it back?  While watched, is it still the
 * directory at its path?  Run every ROOT_CHECK_MS, and after an
 * overflow. */
void watch_check_root(ns_watch_t *w);
void watch_on_root_timer(uv_timer_t *t);

#endif
