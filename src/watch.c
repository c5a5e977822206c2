/* watch.c - recursive inotify on the libuv loop.
 *
 * libuv's uv_fs_event is not recursive and hides IN_CLOSE_WRITE, so we own
 * an inotify descriptor and poll it with uv_poll.  Every watched directory
 * is known by its watch descriptor (wd) and its path relative to the root.
 * This file never reads an article; it only reports paths.
 */
#include "nsearch/watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nsearch/log.h"

#define LOG_MOD "watch"

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | \
                    IN_DELETE | IN_DELETE_SELF | IN_ONLYDIR |              \
                    IN_DONT_FOLLOW | IN_EXCL_UNLINK)

struct watched_dir {
	struct watched_dir *next;   /* hash chain */
	int wd;
	char *relpath;              /* "" for the root */
};

struct ns_watch {
	uv_poll_t poll;
	int fd;
	char *root;
	ns_watch_cbs_t cbs;
	struct watched_dir **buckets;
	size_t nbuckets;
	size_t ndirs;
	bool limit_logged;          /* the watch limit was hit, said once */
};

bool ns_watch_ignored(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || name[0] == '.')   /* hidden, and "." ".." and ".x.swp" */
		return true;
	if (name[n - 1] == '~')
		return true;
	if (n >= 2 && name[0] == '#' && name[n - 1] == '#')
		return true;
	return false;
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

/* Stop watching RELDIR and everything under it (it moved away). */
static void forget_tree(ns_watch_t *w, const char *reldir)
{
	size_t n = strlen(reldir);
	for (size_t i = 0; i < w->nbuckets; i++) {
		struct watched_dir **p = &w->buckets[i];
		while (*p) {
			struct watched_dir *d = *p;
			if (strncmp(d->relpath, reldir, n) == 0 &&
			    (d->relpath[n] == '\0' || d->relpath[n] == '/')) {
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

/* Watch RELDIR and everything under it, reporting its files.  Returns
 * whether RELDIR itself is watched. */
static bool scan_dir(ns_watch_t *w, const char *reldir)
{
	char *abs = absolute(w, reldir);
	if (!abs)
		return false;
	int wd = inotify_add_watch(w->fd, abs, WATCH_MASK);
	if (wd < 0) {
		if (errno == ENOSPC && !w->limit_logged) {
			ns_log(NS_LOG_ERR, LOG_MOD,
			       "%s: out of inotify watches: changes under it are "
			       "not seen; raise the sysctl fs.inotify.max_user_watches",
			       *reldir ? reldir : "/");
			w->limit_logged = true;
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
	DIR *d = opendir(abs);
	if (!d) {
		if (errno != ENOENT && errno != ENOTDIR)
			ns_log(NS_LOG_WARNING, LOG_MOD, "%s: cannot list: %s", abs,
			       strerror(errno));
		free(abs);
		return wd >= 0;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (ns_watch_ignored(e->d_name))
			continue;
		unsigned char type = e->d_type;
		if (type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISDIR(st.st_mode) ? DT_DIR
			     : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		if (type != DT_DIR && type != DT_REG)
			continue; /* symbolic links and devices are not followed */
		char *rel = join(reldir, e->d_name);
		if (!rel)
			continue;
		if (type == DT_DIR)
			scan_dir(w, rel);
		else
			w->cbs.put(w->cbs.ctx, rel);
		free(rel);
	}
	closedir(d);
	free(abs);
	return wd >= 0;
}

/* ---- events ---- */

static void handle_event(ns_watch_t *w, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW) {
		ns_log(NS_LOG_WARNING, LOG_MOD,
		       "kernel event queue overflowed: rescanning the tree");
		scan_dir(w, "");
		if (w->cbs.rescanned)
			w->cbs.rescanned(w->cbs.ctx);
		return;
	}
	const char *dir = dir_path(w, ev->wd);
	if (!dir)
		return; /* a watch we already dropped */
	if (ev->mask & IN_IGNORED) {
		forget(w, ev->wd);
		return;
	}
	if (ev->mask & IN_DELETE_SELF) {
		if (!*dir)
			ns_log(NS_LOG_ERR, LOG_MOD,
			       "%s: the articles directory was deleted", w->root);
		return;
	}
	if (!ev->len || ns_watch_ignored(ev->name))
		return;
	char *rel = join(dir, ev->name);
	if (!rel)
		return;
	bool is_dir = ev->mask & IN_ISDIR;
	if (is_dir) {
		if (ev->mask & (IN_CREATE | IN_MOVED_TO))
			scan_dir(w, rel);
		else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
			forget_tree(w, rel);
			w->cbs.remove_tree(w->cbs.ctx, rel);
		}
	} else if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
		w->cbs.put(w->cbs.ctx, rel);
	} else if (ev->mask & IN_CREATE) {
		/* A hard link (ln, cp -l, rsync --link-dest) is created whole and
		 * never written: no IN_CLOSE_WRITE will follow. */
		char *abs = absolute(w, rel);
		struct stat st;
		if (abs && lstat(abs, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_nlink > 1)
			w->cbs.put(w->cbs.ctx, rel);
		free(abs);
	} else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
		w->cbs.remove(w->cbs.ctx, rel);
	}
	free(rel);
}

static void on_readable(uv_poll_t *handle, int status, int events)
{
	ns_watch_t *w = handle->data;
	if (status < 0) {
		ns_log(NS_LOG_ERR, LOG_MOD, "inotify poll failed: %s",
		       uv_strerror(status));
		return;
	}
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

ns_status_t ns_watch_start(uv_loop_t *loop, const char *root,
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
	w->cbs = *cbs;
	w->nbuckets = 256;
	w->root = strdup(root);
	w->buckets = calloc(w->nbuckets, sizeof *w->buckets);
	if (!w->root || !w->buckets) {
		free(w->root);
		free(w->buckets);
		free(w);
		return NS_ERR_NOMEM;
	}
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	int rc = w->fd < 0 ? -errno : uv_poll_init(loop, &w->poll, w->fd);
	if (rc < 0) {
		if (errmsg)
			*errmsg = strdup(w->fd < 0 ? strerror(-rc) : uv_strerror(rc));
		if (w->fd >= 0)
			close(w->fd);
		free(w->root);
		free(w->buckets);
		free(w);
		return NS_ERR_IO;
	}
	w->poll.data = w;
	uv_poll_start(&w->poll, UV_READABLE, on_readable);
	if (!scan_dir(w, "")) /* it said why */
		ns_log(NS_LOG_WARNING, LOG_MOD,
		       "%s: changes will not be seen until restart", root);
	*out = w;
	return NS_OK;
}

static void on_closed(uv_handle_t *handle)
{
	ns_watch_t *w = handle->data;
	for (size_t i = 0; i < w->nbuckets; i++) {
		for (struct watched_dir *d = w->buckets[i], *next; d; d = next) {
			next = d->next;
			free(d->relpath);
			free(d);
		}
	}
	free(w->buckets);
	close(w->fd);
	free(w->root);
	free(w);
}

void ns_watch_close(ns_watch_t *w)
{
	if (!w || uv_is_closing((uv_handle_t *)&w->poll))
		return;
	uv_close((uv_handle_t *)&w->poll, on_closed);
}
