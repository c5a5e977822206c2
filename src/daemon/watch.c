/* watch.c - recursive inotify on the libuv loop.
 *
 * libuv's uv_fs_event is not recursive and hides IN_CLOSE_WRITE, so we own
 * an inotify descriptor and poll it with uv_poll.  Every watched directory
 * is known by its watch descriptor (wd) and its path relative to the root.
 * This file never reads an article; it only reports paths.
 */
#include "daemon/watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/safepath.h"

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
	struct watched_dir **buckets;
	size_t nbuckets;
	size_t ndirs;
	ns_strv_t unwatched;        /* directories the watch limit left out */
	unsigned long overflows;
	bool limit_logged;          /* the watch limit was hit, said once */
	int root_wd;                /* the root's watch; -1 while it has none */
	char gone[160];             /* why the root is not watched; "": it is */
	int64_t gone_since;         /* Unix ms */
};

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n > k && strcmp(s + n - k, suffix) == 0;
}

bool ns_watch_ignored(const char *name)
{
	static const char *const temp_suffixes[] = {
		"~", ".bak", ".tmp", ".temp", ".part", ".partial", ".crdownload",
		".swp", ".swx",
	};
	size_t n = strlen(name);
	if (n == 0 || name[0] == '.')   /* hidden, and "." ".." and ".x.swp" */
		return true;
	if (n >= 2 && name[0] == '#' && name[n - 1] == '#')
		return true;
	if (n >= 2 && name[0] == '~' && name[1] == '$')
		return true;
	if (strcmp(name, "4913") == 0)  /* vim checks it may write here */
		return true;
	for (size_t i = 0; i < sizeof temp_suffixes / sizeof *temp_suffixes; i++)
		if (ends_with(name, n, temp_suffixes[i]) ||
		    (temp_suffixes[i][0] == '~' && name[n - 1] == '~'))
			return true;
	return false;
}

/* Is NAME, at RELPATH, skipped: built in, or by one of GLOBS? */
static bool skipped_by(const ns_strv_t *globs, const char *relpath,
                       const char *name)
{
	if (ns_watch_ignored(name))
		return true;
	for (size_t i = 0; globs && i < globs->n; i++)
		if (fnmatch(globs->v[i], name, 0) == 0 ||
		    fnmatch(globs->v[i], relpath, FNM_PATHNAME) == 0)
			return true;
	return false;
}

static bool skipped(const ns_watch_t *w, const char *relpath, const char *name)
{
	return skipped_by(&w->ignore, relpath, name);
}

bool ns_path_skipped(const ns_strv_t *globs, const char *relpath)
{
	if (!relpath)
		return false;
	/* As a scan meets it: each component, with the path up to it. */
	size_t len = strlen(relpath);
	char *prefix = malloc(len + 1);
	if (!prefix)
		return false;
	memcpy(prefix, relpath, len + 1);
	bool skip = false;
	size_t start = 0;
	for (size_t i = 0; !skip; i++) {
		if (relpath[i] != '/' && relpath[i])
			continue;
		char saved = prefix[i];
		prefix[i] = '\0';
		skip = i - start > NAME_MAX ||
		       skipped_by(globs, prefix, prefix + start);
		prefix[i] = saved;
		if (!relpath[i])
			break;
		start = i + 1;
	}
	free(prefix);
	return skip;
}

bool ns_watch_skips(const ns_watch_t *w, const char *relpath)
{
	return w && ns_path_skipped(&w->ignore, relpath);
}

/* ---- wd -> relative path ---- */

static struct watched_dir **slot(ns_watch_t *w, int wd)
{
	struct watched_dir **p = &w->buckets[(unsigned)wd % w->nbuckets];
	while (*p && (*p)->wd != wd)
		p = &(*p)->next;
	return p;
}

static const char *dir_path(ns_watch_t *w, int wd)
{
	struct watched_dir *d = *slot(w, wd);
	return d ? d->relpath : NULL;
}

static void grow(ns_watch_t *w)
{
	size_t n = w->nbuckets * 4;
	struct watched_dir **b = calloc(n, sizeof *b);
	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < w->nbuckets; i++) {
		for (struct watched_dir *d = w->buckets[i], *next; d; d = next) {
			next = d->next;
			d->next = b[(unsigned)d->wd % n];
			b[(unsigned)d->wd % n] = d;
		}
	}
	free(w->buckets);
	w->buckets = b;
	w->nbuckets = n;
}

static ns_status_t remember(ns_watch_t *w, int wd, const char *relpath)
{
	struct watched_dir **p = slot(w, wd);
	char *copy = strdup(relpath);
	if (!copy)
		return NS_ERR_NOMEM;
	if (*p) { /* the same directory seen again, maybe under a new name */
		free((*p)->relpath);
		(*p)->relpath = copy;
		return NS_OK;
	}
	struct watched_dir *d = malloc(sizeof *d);
	if (!d) {
		free(copy);
		return NS_ERR_NOMEM;
	}
	d->wd = wd;
	d->relpath = copy;
	d->next = NULL;
	*p = d;
	if (++w->ndirs > w->nbuckets * 2)
		grow(w);
	return NS_OK;
}

static void forget(ns_watch_t *w, int wd)
{
	struct watched_dir **p = slot(w, wd);
	struct watched_dir *d = *p;
	if (!d)
		return;
	*p = d->next;
	free(d->relpath);
	free(d);
	w->ndirs--;
}

/* Stop watching RELDIR and everything under it (it moved away); "" is
 * the whole tree. */
static void forget_tree(ns_watch_t *w, const char *reldir)
{
	size_t n = strlen(reldir);
	for (size_t i = 0; i < w->nbuckets; i++) {
		struct watched_dir **p = &w->buckets[i];
		while (*p) {
			struct watched_dir *d = *p;
			if (n == 0 || (strncmp(d->relpath, reldir, n) == 0 &&
			               (d->relpath[n] == '\0' ||
			                d->relpath[n] == '/'))) {
				inotify_rm_watch(w->fd, d->wd);
				*p = d->next;
				free(d->relpath);
				free(d);
				w->ndirs--;
			} else {
				p = &d->next;
			}
		}
	}
}

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

/* Watch RELDIR and everything under it, reporting its files.  Returns
 * whether RELDIR itself is watched. */
static bool scan_dir(ns_watch_t *w, const char *reldir)
{
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
	int wd = add_watch(w, dfd, abs, *reldir ? WATCH_MASK : ROOT_MASK);
	if (wd >= 0 && !*reldir)
		w->root_wd = wd;
	if (wd < 0) {
		if (errno == ENOSPC) {
			if (!w->limit_logged)
				ns_log(NS_LOG_ERR, LOG_MOD,
				       "%s: out of inotify watches (%zu directories "
				       "watched): it and the directories left over are "
				       "rescanned every %u s instead, so changes there "
				       "are seen late; raise the sysctl "
				       "fs.inotify.max_user_watches",
				       *reldir ? reldir : "/", w->ndirs,
				       w->rescan_ms / 1000);
			w->limit_logged = true;
			if (!ns_strv_contains(&w->unwatched, reldir) &&
			    ns_strv_push(&w->unwatched, reldir, strlen(reldir)) == NS_OK &&
			    !uv_is_active((uv_handle_t *)&w->rescan))
				uv_timer_start(&w->rescan, on_rescan_timer, w->rescan_ms,
				               w->rescan_ms);
		} else if (errno != ENOENT && errno != ENOTDIR) {
			ns_log(NS_LOG_WARNING, LOG_MOD, "%s: cannot watch: %s",
			       abs, strerror(errno));
		}
	} else if (remember(w, wd, reldir) != NS_OK) {
		inotify_rm_watch(w->fd, wd);
		wd = -1;
	}

	/* Watch first, list second: a file created in between is reported
	 * twice at worst, never missed. */
	int lfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = lfd < 0 ? NULL : fdopendir(lfd);
	if (!d && lfd >= 0)
		close(lfd);
	close(dfd);
	if (!d) {
		if (errno != ENOENT && errno != ENOTDIR)
			ns_log(NS_LOG_WARNING, LOG_MOD, "%s: cannot list: %s", abs,
			       strerror(errno));
		free(abs);
		return wd >= 0;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		char *rel = join(reldir, e->d_name);
		if (!rel)
			continue;
		if (skipped(w, rel, e->d_name)) {
			free(rel);
			continue;
		}
		unsigned char type = e->d_type;
		if (type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				free(rel);
				continue;
			}
			type = S_ISDIR(st.st_mode) ? DT_DIR
			     : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		if (type == DT_DIR)
			scan_dir(w, rel);
		else if (type == DT_REG)
			w->cbs.put(w->cbs.ctx, rel, true);
		/* Symbolic links and devices are not followed. */
		free(rel);
	}
	closedir(d);
	free(abs);
	return wd >= 0;
}

/* Scan RELDIR again, between the callbacks' scan_begin and scan_end, so
 * that what changed or vanished there unseen is found. */
static void reconcile(ns_watch_t *w, const char *reldir)
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
		for (size_t k = 0; k < done.n && !covered; k++) {
			size_t n = strlen(done.v[k]);
			covered = n == 0 || (strncmp(dir, done.v[k], n) == 0 &&
			                     dir[n] == '/');
		}
		if (covered)
			continue;
		struct stat st;
		bool exists = ns_lstat_beneath(w->rootfd, dir, &st) == 0 &&
		              S_ISDIR(st.st_mode);
		if (!exists)
			continue; /* gone: its parent's events or rescan said so */
		reconcile(w, dir);
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

/* ---- the root itself ---- */

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
static void root_lost(ns_watch_t *w, const char *why)
{
	if (w->gone[0])
		return;
	snprintf(w->gone, sizeof w->gone, "%s", why);
	w->gone_since = wall_ms();
	ns_log(NS_LOG_ERR, LOG_MOD, "%s: the articles directory is gone (%s): "
	       "searches are answered from the index as it was; once a "
	       "directory is at that path again it is watched and the index "
	       "made to match it", w->root, why);
	forget_tree(w, "");
	w->root_wd = -1;
	ns_strv_clear(&w->unwatched);   /* the next scan lists them again */
	uv_timer_stop(&w->rescan);
	w->limit_logged = false;
	if (w->cbs.root_changed)
		w->cbs.root_changed(w->cbs.ctx, w->gone);
}

/* Why the root, watched as W->root_wd, is lost, from the event's MASK;
 * NULL when the event is not about the root itself. */
static const char *root_event(const ns_watch_t *w,
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
	reconcile(w, "");
	if (w->cbs.root_changed)
		w->cbs.root_changed(w->cbs.ctx, NULL);
}

/* Every second: while the root is gone, is it back?  While it is
 * watched, does its path still lead to that directory?  (A parent renamed
 * or deleted sends the root's watch nothing.)  Adding a watch on what the
 * path leads to answers that: the same directory gives the same wd back
 * and changes nothing. */
static void on_root_check(uv_timer_t *t)
{
	ns_watch_t *w = t->data;
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
	root_lost(w, wd >= 0 || errno == ENOSPC
	             ? "replaced: another directory is at its path"
	             : "its path leads nowhere now (a parent directory "
	               "renamed or deleted?)");
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
		on_root_check(&w->root_check);
		if (!w->gone[0])
			reconcile(w, "");
	}
}

static void handle_event(ns_watch_t *w, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW) {
		overflowed(w);
		return;
	}
	const char *lost = root_event(w, ev);
	if (lost) {
		root_lost(w, lost);
		return;
	}
	const char *dir = dir_path(w, ev->wd);
	if (!dir)
		return; /* a watch we already dropped */
	if (ev->mask & IN_IGNORED) {
		forget(w, ev->wd);
		return;
	}
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
		return; /* its parent's event says it */
	if (!ev->len)
		return;
	char *rel = join(dir, ev->name);
	if (!rel)
		return;
	if (skipped(w, rel, ev->name)) {
		free(rel);
		return;
	}
	bool is_dir = ev->mask & IN_ISDIR;
	if (is_dir) {
		if (ev->mask & (IN_CREATE | IN_MOVED_TO))
			scan_dir(w, rel);
		else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
			forget_tree(w, rel);
			w->cbs.remove_tree(w->cbs.ctx, rel);
		}
	} else if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
		w->cbs.put(w->cbs.ctx, rel, false);
	} else if (ev->mask & IN_CREATE) {
		/* A hard link (ln, cp -l, rsync --link-dest) is created whole and
		 * never written: no IN_CLOSE_WRITE will follow. */
		struct stat st;
		if (ns_lstat_beneath(w->rootfd, rel, &st) == 0 &&
		    S_ISREG(st.st_mode) && st.st_nlink > 1)
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

const char *ns_watch_root_gone(const ns_watch_t *w, int64_t *since)
{
	if (!w || !w->gone[0])
		return NULL;
	if (since)
		*since = w->gone_since;
	return w->gone;
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
	w->rescan_ms = opts && opts->rescan_interval_ms ? opts->rescan_interval_ms
	                                               : 30000;
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
	uv_timer_start(&w->root_check, on_root_check, ROOT_CHECK_MS,
	               ROOT_CHECK_MS);
	reconcile(w, "");
	*out = w;
	return NS_OK;
}

static void on_closed(uv_handle_t *handle)
{
	ns_watch_t *w = handle->data;
	if (--w->open_handles > 0)
		return;
	for (size_t i = 0; i < w->nbuckets; i++) {
		for (struct watched_dir *d = w->buckets[i], *next; d; d = next) {
			next = d->next;
			free(d->relpath);
			free(d);
		}
	}
	free(w->buckets);
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
