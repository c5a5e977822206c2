/* watch_dirs.c - the directories watched: a hash table from inotify's
 * watch descriptor to the directory's path relative to the root.  Knows
 * nothing of events or scans. */
#include "daemon/watch_impl.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static struct watched_dir **slot(ns_watch_t *w, int wd)
{
	struct watched_dir **p = &w->buckets[(unsigned)wd % w->nbuckets];
	while (*p && (*p)->wd != wd)
		p = &(*p)->next;
	return p;
}

const char *watch_dir_path(ns_watch_t *w, int wd)
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

ns_status_t watch_remember(ns_watch_t *w, int wd, const char *relpath)
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

/* Unlink the entry at *P and free it. */
static void drop(ns_watch_t *w, struct watched_dir **p)
{
	struct watched_dir *d = *p;
	assert(d && w->ndirs > 0);
	*p = d->next;
	free(d->relpath);
	free(d);
	w->ndirs--;
}

void watch_forget(ns_watch_t *w, int wd)
{
	struct watched_dir **p = slot(w, wd);
	if (*p)
		drop(w, p);
}

bool watch_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return n == 0 || (strncmp(path, dir, n) == 0 &&
	                  (path[n] == '\0' || path[n] == '/'));
}

void watch_forget_tree(ns_watch_t *w, const char *reldir)
{
	for (size_t i = 0; i < w->nbuckets; i++) {
		struct watched_dir **p = &w->buckets[i];
		while (*p) {
			if (watch_under((*p)->relpath, reldir)) {
				inotify_rm_watch(w->fd, (*p)->wd);
				drop(w, p);
			} else {
				p = &(*p)->next;
			}
		}
	}
	assert(*reldir || w->ndirs == 0);
}

void watch_dirs_free(ns_watch_t *w)
{
	for (size_t i = 0; i < w->nbuckets; i++)
		while (w->buckets[i])
			drop(w, &w->buckets[i]);
	assert(w->ndirs == 0);
	free(w->buckets);
	w->buckets = NULL;
}
