/* watch.c - recursive inotify on the libuv loop.
 *
 * libuv's uv_fs_event is not recursive and hides IN_CLOSE_WRITE, so we own
 * an inotify descriptor and poll it with uv_poll.  This file scans
 * directories (watching each), turns events into the callbacks' calls, and
 * starts and stops the watcher; the table of watched directories is
 * watch_dirs.c's, the root's own state watch_root.c's, the names skipped
 * watch_ignore.c's.  It never reads an article; it only reports paths.
 */
#include "daemon/watch_impl.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/safepath.h"
#include "daemon/config.h"
#include "parse/article.h"

/* ---- scanning ---- */

static char *join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);
	if (!p)
		return NULL;
	if (a) {
		memcpy(p, dir, a);
		p[a++] = '/';
	}
	memcpy(p + a, name, b + 1);
	return p;
}

static char *absolute(ns_watch_t *w, const char *relpath)
{
	return *relpath ? join(w->root, relpath) : strdup(w->root);
}

static void on_rescan_timer(uv_timer_t *t);

/* Watch the directory open at DFD (ABS for messages): through /proc, so
 * that the watch is on the directory opened beneath the root, not on
 * whatever ABS names by now (a link swapped in for a directory). */
static int add_watch(ns_watch_t *w, int dfd, const char *abs, uint32_t mask)
{
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", dfd);
	int wd = inotify_add_watch(w->fd, proc, mask & ~IN_DONT_FOLLOW);
	if (wd < 0 && errno == ENOENT) /* no /proc: the path, not followed */
		wd = inotify_add_watch(w->fd, abs, mask);
	return wd;
}

/* The directory RELDIR is over the inotify watch limit: said once, and
 * kept on the list the rescan timer works through. */
static void over_watch_limit(ns_watch_t *w, const char *reldir)
{
	if (!w->limit_logged)
		ns_log(NS_LOG_ERR, LOG_MOD,
		       "%s: out of inotify watches (%zu directories watched): it "
		       "and the directories left over are rescanned every %u s "
		       "instead, so changes there are seen late; raise the "
		       "sysctl fs.inotify.max_user_watches",
		       *reldir ? reldir : "/", w->ndirs, w->rescan_ms / 1000);
	w->limit_logged = true;
	if (!ns_strv_contains(&w->unwatched, reldir) &&
	    ns_strv_push(&w->unwatched, reldir, strlen(reldir)) == NS_OK &&
	    !uv_is_active((uv_handle_t *)&w->rescan))
		uv_timer_start(&w->rescan, on_rescan_timer, w->rescan_ms,
		               w->rescan_ms);
}

/* Watch RELDIR, open at DFD (ABS for messages); its wd, or -1. */
static int watch_dir(ns_watch_t *w, const char *reldir, int dfd,
                     const char *abs)
{
	int wd = add_watch(w, dfd, abs, *reldir ? WATCH_MASK : ROOT_MASK);
	if (wd < 0) {
		if (errno == ENOSPC)
			over_watch_limit(w, reldir);
		else if (errno != ENOENT && errno != ENOTDIR)
			ns_log(NS_LOG_WARNING, LOG_MOD, "%s: cannot watch: %s", abs,
			       strerror(errno));
		return -1;
	}
	if (!*reldir)
		w->root_wd = wd;
	if (watch_remember(w, wd, reldir) != NS_OK) {
		inotify_rm_watch(w->fd, wd);
		return -1;
	}
	return wd;
}

/* The type of entry E of D, looked up when the file system does not say:
 * DT_DIR, DT_REG, or DT_UNKNOWN for anything else. */
static unsigned char entry_type(DIR *d, const struct dirent *e)
{
	if (e->d_type != DT_UNKNOWN)
		return e->d_type;
	struct stat st;
	if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return DT_UNKNOWN;
	return S_ISDIR(st.st_mode) ? DT_DIR
	     : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
}

static bool scan_dir(ns_watch_t *w, const char *reldir);

/* Report the files of D (RELDIR) and scan its directories.  Symbolic
 * links and devices are not followed. */
static void scan_entries(ns_watch_t *w, const char *reldir, DIR *d)
{
	struct dirent *e;
	while ((e = readdir(d))) {
		char *rel = join(reldir, e->d_name);
		if (!rel)
			continue;
		if (!watch_skipped(w, rel, e->d_name)) {
			unsigned char type = entry_type(d, e);
			if (type == DT_DIR)
				scan_dir(w, rel);
			else if (type == DT_REG)
				w->cbs.put(w->cbs.ctx, rel, true);
		}
		free(rel);
	}
}

/* Watch RELDIR and everything under it, reporting its files.  Returns
 * whether RELDIR itself is watched. */
static bool scan_dir(ns_watch_t *w, const char *reldir)
{
	assert(!w->gone[0]);
	char *abs = absolute(w, reldir);
	if (!abs)
		return false;
	/* Never through a link: a directory of the tree or nothing. */
	int dfd = ns_open_beneath(w->rootfd, reldir, O_PATH | O_DIRECTORY);
	if (dfd < 0) {
		if (!ns_beneath_gone(errno))
			ns_log(NS_LOG_WARNING, LOG_MOD, "%s: cannot watch: %s", abs,
			       strerror(errno));
		free(abs);
		return false;
	}
	int wd = watch_dir(w, reldir, dfd, abs);
	/* Watch first, list second: a file created in between is reported
	 * twice at worst, never missed. */
	int lfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = lfd < 0 ? NULL : fdopendir(lfd);
	if (!d && lfd >= 0)
		close(lfd);
	close(dfd);
	if (d) {
		scan_entries(w, reldir, d);
		closedir(d);
	} else if (errno != ENOENT && errno != ENOTDIR) {
		ns_log(NS_LOG_WARNING, LOG_MOD, "%s: cannot list: %s", abs,
		       strerror(errno));
	}
	free(abs);
	return wd >= 0;
}

void watch_reconcile(ns_watch_t *w, const char *reldir)
{
	uint64_t token = w->cbs.scan_begin(w->cbs.ctx, reldir);
	scan_dir(w, reldir);
	w->cbs.scan_end(w->cbs.ctx, reldir, token);
}

static int shortest_first(const void *a, const void *b)
{
	size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);
	return x < y ? -1 : x > y;
}

/* The directories the watch limit left unwatched: try to watch them again
 * and rescan them.  Those still over the limit come back on the list. */
static void on_rescan_timer(uv_timer_t *t)
{
	ns_watch_t *w = t->data;
	ns_strv_t dirs = w->unwatched;
	memset(&w->unwatched, 0, sizeof w->unwatched);
	qsort(dirs.v, dirs.n, sizeof *dirs.v, shortest_first);
	ns_strv_t done = {0};
	for (size_t i = 0; i < dirs.n; i++) {
		const char *dir = dirs.v[i];
		bool covered = false;  /* under a directory rescanned just now */
		for (size_t k = 0; k < done.n && !covered; k++)
			covered = watch_under(dir, done.v[k]);
		if (covered)
			continue;
		struct stat st;
		bool exists = ns_lstat_beneath(w->rootfd, dir, &st) == 0 &&
		              S_ISDIR(st.st_mode);
		if (!exists)
			continue; /* gone: its parent's events or rescan said so */
		watch_reconcile(w, dir);
		ns_strv_push(&done, dir, strlen(dir));
	}
	ns_strv_clear(&done);
	ns_strv_clear(&dirs);
	if (!w->unwatched.n) {
		uv_timer_stop(&w->rescan);
		if (w->limit_logged)
			ns_log(NS_LOG_NOTICE, LOG_MOD,
			       "every directory is watched again");
		w->limit_logged = false;
	}
}

/* ---- events ---- */

static void overflowed(ns_watch_t *w)
{
	ns_log(NS_LOG_WARNING, LOG_MOD,
	       "kernel event queue overflowed (events were lost): "
	       "rescanning the tree; raise the sysctl "
	       "fs.inotify.max_queued_events if this recurs");
	w->overflows++;
	/* The lost events may have said the root went: a scan of a root that
	 * is not there would empty the index. */
	if (!w->gone[0]) {
		watch_check_root(w);
		if (!w->gone[0])
			watch_reconcile(w, "");
	}
}

static void handle_event(ns_watch_t *w, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW) {
		overflowed(w);
		return;
	}
	const char *lost = watch_root_event(w, ev);
	if (lost) {
		watch_root_lost(w, lost);
		return;
	}
	const char *dir = watch_dir_path(w, ev->wd);
	if (!dir)
		return; /* a watch we already dropped */
	if (ev->mask & IN_IGNORED) {
		watch_forget(w, ev->wd);
		return;
	}
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
		return; /* its parent's event says it */
	if (!ev->len)
		return;
	char *rel = join(dir, ev->name);
	if (!rel)
		return;
	if (watch_skipped(w, rel, ev->name)) {
		free(rel);
		return;
	}
	bool is_dir = ev->mask & IN_ISDIR;
	/* Named like a sidecar but no file (a directory, a link, a FIFO):
	 * never written, it is refused; its article is read again when it
	 * comes and goes, and says so. */
	bool odd_sidecar = ns_sidecar_kind(rel) != NS_SIDECAR_NONE;
	if (is_dir) {
		if (ev->mask & (IN_CREATE | IN_MOVED_TO))
			scan_dir(w, rel);
		else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
			watch_forget_tree(w, rel);
			w->cbs.remove_tree(w->cbs.ctx, rel);
		}
		if (odd_sidecar && (ev->mask & (IN_CREATE | IN_MOVED_TO)))
			w->cbs.put(w->cbs.ctx, rel, false);
		else if (odd_sidecar && (ev->mask & (IN_DELETE | IN_MOVED_FROM)))
			w->cbs.remove(w->cbs.ctx, rel);
	} else if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
		w->cbs.put(w->cbs.ctx, rel, false);
	} else if (ev->mask & IN_CREATE) {
		/* A hard link (ln, cp -l, rsync --link-dest) is created whole and
		 * never written: no IN_CLOSE_WRITE will follow. */
		struct stat st;
		if (ns_lstat_beneath(w->rootfd, rel, &st) == 0 &&
		    ((S_ISREG(st.st_mode) && st.st_nlink > 1) ||
		     (!S_ISREG(st.st_mode) && odd_sidecar)))
			w->cbs.put(w->cbs.ctx, rel, false);
	} else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
		w->cbs.remove(w->cbs.ctx, rel);
	}
	free(rel);
}

void ns_watch_drain(ns_watch_t *w)
{
	if (!w)
		return;
	char buf[64 * 1024]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EAGAIN: drained */
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			handle_event(w, ev);
			p += sizeof *ev + ev->len;
		}
	}
}

static void on_readable(uv_poll_t *handle, int status, int events)
{
	ns_watch_t *w = handle->data;
	if (status < 0) {
		ns_log(NS_LOG_ERR, LOG_MOD, "inotify poll failed: %s",
		       uv_strerror(status));
		return;
	}
	ns_watch_drain(w);
}

size_t ns_watch_unwatched(const ns_watch_t *w)
{
	return w ? w->unwatched.n : 0;
}

unsigned long ns_watch_overflows(const ns_watch_t *w)
{
	return w ? w->overflows : 0;
}

ns_status_t ns_watch_start(uv_loop_t *loop, const char *root,
                           const ns_watch_opts_t *opts,
                           const ns_watch_cbs_t *cbs, ns_watch_t **out,
                           char **errmsg)
{
	if (errmsg)
		*errmsg = NULL;
	if (!loop || !root || !cbs || !out)
		return NS_ERR_INVALID;
	ns_watch_t *w = calloc(1, sizeof *w);
	if (!w)
		return NS_ERR_NOMEM;
	w->fd = -1;
	w->rootfd = -1;
	w->cbs = *cbs;
	w->rescan_ms = opts ? opts->rescan_interval_ms : 0;
	if (!w->rescan_ms)
		w->rescan_ms = 1000 * (unsigned)ns_config_default_number(
			NS_OPT_RESCAN_INTERVAL);
	for (size_t i = 0; opts && opts->ignore && i < opts->ignore->n; i++)
		ns_strv_push(&w->ignore, opts->ignore->v[i],
		             strlen(opts->ignore->v[i]));
	w->nbuckets = 256;
	w->root = strdup(root);
	w->buckets = calloc(w->nbuckets, sizeof *w->buckets);
	if (!w->root || !w->buckets) {
		free(w->root);
		free(w->buckets);
		free(w);
		return NS_ERR_NOMEM;
	}
	w->rootfd = ns_root_open(root);
	int rc = w->rootfd < 0 ? -errno : 0;
	if (rc == 0) {
		w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		rc = w->fd < 0 ? -errno : uv_poll_init(loop, &w->poll, w->fd);
	}
	if (rc < 0) {
		if (errmsg)
			*errmsg = strdup(w->fd < 0 ? strerror(-rc) : uv_strerror(rc));
		if (w->fd >= 0)
			close(w->fd);
		if (w->rootfd >= 0)
			close(w->rootfd);
		ns_strv_clear(&w->ignore);
		free(w->root);
		free(w->buckets);
		free(w);
		return NS_ERR_IO;
	}
	w->poll.data = w;
	uv_timer_init(loop, &w->rescan);
	w->rescan.data = w;
	uv_timer_init(loop, &w->root_check);
	w->root_check.data = w;
	w->open_handles = 3;
	w->root_wd = -1;
	uv_poll_start(&w->poll, UV_READABLE, on_readable);
	uv_timer_start(&w->root_check, watch_on_root_timer, ROOT_CHECK_MS,
	               ROOT_CHECK_MS);
	watch_reconcile(w, "");
	*out = w;
	return NS_OK;
}

static void on_closed(uv_handle_t *handle)
{
	ns_watch_t *w = handle->data;
	if (--w->open_handles > 0)
		return;
	watch_dirs_free(w);
	close(w->fd);
	close(w->rootfd);
	ns_strv_clear(&w->ignore);
	ns_strv_clear(&w->unwatched);
	free(w->root);
	free(w);
}

void ns_watch_close(ns_watch_t *w)
{
	if (!w || uv_is_closing((uv_handle_t *)&w->poll))
		return;
	uv_close((uv_handle_t *)&w->poll, on_closed);
	uv_close((uv_handle_t *)&w->rescan, on_closed);
	uv_close((uv_handle_t *)&w->root_check, on_closed);
}
