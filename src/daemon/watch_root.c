/* watch_root.c - the articles directory's own state: watched, gone
 * (deleted, renamed, unmounted, or its path leading elsewhere) and back
 * again.  While it is gone nothing under it is reported or scanned: the
 * index stays as it was. */
#include "daemon/watch_impl.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/safepath.h"

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The root is no longer the directory watched (WHY says how).  Every
 * watch goes: they follow the old tree wherever it went, and what happens
 * there is no longer the articles'.  The index stays as it was, so
 * searches go on; the check timer looks for the root every second. */
void watch_root_lost(ns_watch_t *w, const char *why)
{
	if (w->gone[0])
		return;
	snprintf(w->gone, sizeof w->gone, "%s", why);
	w->gone_since = wall_ms();
	ns_log(NS_LOG_ERR, LOG_MOD, "%s: the articles directory is gone (%s): "
	       "searches are answered from the index as it was; once a "
	       "directory is at that path again it is watched and the index "
	       "made to match it", w->root, why);
	watch_forget_tree(w, "");
	w->root_wd = -1;
	ns_strv_clear(&w->unwatched);   /* the next scan lists them again */
	uv_timer_stop(&w->rescan);
	w->limit_logged = false;
	assert(w->ndirs == 0 && !w->unwatched.n);
	if (w->cbs.root_changed)
		w->cbs.root_changed(w->cbs.ctx, w->gone);
}

const char *watch_root_event(const ns_watch_t *w,
                             const struct inotify_event *ev)
{
	if (w->root_wd < 0 || ev->wd != w->root_wd)
		return NULL;
	if (ev->mask & IN_DELETE_SELF)
		return "deleted";
	if (ev->mask & IN_MOVE_SELF)
		return "renamed or moved away";
	if (ev->mask & IN_UNMOUNT)
		return "its file system was unmounted";
	if (ev->mask & IN_IGNORED)
		return "the kernel stopped watching it";
	return NULL;
}

/* A directory is at the root's path again: watch it and reconcile the
 * whole tree with the index (what the old tree had and the new one lacks
 * is swept, what is new or different is read). */
static void root_back(ns_watch_t *w)
{
	assert(w->gone[0] && w->ndirs == 0);
	/* Watch it first: the sweep after a scan of a root that vanished
	 * again meanwhile would empty the index. */
	int wd = inotify_add_watch(w->fd, w->root, ROOT_MASK);
	if (wd < 0 && errno != ENOSPC)
		return; /* gone again, or not a directory: the next check */
	/* Paths are resolved beneath the new directory from now on. */
	int fd = ns_root_open(w->root);
	if (fd < 0)
		return; /* the next check */
	close(w->rootfd);
	w->rootfd = fd;
	ns_log(NS_LOG_NOTICE, LOG_MOD, "%s: a directory is at the articles "
	       "directory's path again (it was gone: %s): reconciling the whole "
	       "tree with the index", w->root, w->gone);
	w->gone[0] = '\0';
	w->gone_since = 0;
	/* First, so that the writer opens the new directory before it reads
	 * what the scan queues. */
	if (w->cbs.root_reopened)
		w->cbs.root_reopened(w->cbs.ctx);
	watch_reconcile(w, "");
	if (w->cbs.root_changed)
		w->cbs.root_changed(w->cbs.ctx, NULL);
}

/* Every second: while the root is gone, is it back?  While it is
 * watched, does its path still lead to that directory?  (A parent renamed
 * or deleted sends the root's watch nothing.)  Adding a watch on what the
 * path leads to answers that: the same directory gives the same wd back
 * and changes nothing. */
void watch_check_root(ns_watch_t *w)
{
	if (w->gone[0]) {
		struct stat st;
		if (lstat(w->root, &st) == 0 && S_ISDIR(st.st_mode))
			root_back(w);
		return;
	}
	if (w->root_wd < 0)
		return; /* over the watch limit: the rescans cover it */
	int wd = inotify_add_watch(w->fd, w->root, ROOT_MASK);
	if (wd == w->root_wd)
		return;
	if (wd >= 0)
		inotify_rm_watch(w->fd, wd); /* the next check takes it */
	watch_root_lost(w, wd >= 0 || errno == ENOSPC
	                   ? "replaced: another directory is at its path"
	                   : "its path leads nowhere now (a parent directory "
	                     "renamed or deleted?)");
}

void watch_on_root_timer(uv_timer_t *t)
{
	watch_check_root(t->data);
}

const char *ns_watch_root_gone(const ns_watch_t *w, int64_t *since)
{
	if (!w || !w->gone[0])
		return NULL;
	if (since)
		*since = w->gone_since;
	return w->gone;
}
