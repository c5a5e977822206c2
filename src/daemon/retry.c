/* retry.c - the schedule of reads to try again: a map from path to its
 * count of failures and when it is due.  The map is small (only files
 * whose read failed for a passing reason), so a scan finds what is due. */
#include "daemon/retry.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/fault.h"
#include "core/pathmap.h"

struct entry {
	unsigned failures;
	int64_t due;        /* Unix ms; 0: being read again now */
};

struct ns_retry {
	ns_pathmap_t *paths;   /* path -> struct entry */
};

ns_retry_t *ns_retry_new(void)
{
	ns_retry_t *r = calloc(1, sizeof *r);
	if (r && !(r->paths = ns_pathmap_new())) {
		free(r);
		r = NULL;
	}
	return r;
}

void ns_retry_free(ns_retry_t *r)
{
	if (!r)
		return;
	ns_pathmap_free(r->paths);
	free(r);
}

unsigned ns_retry_failed(ns_retry_t *r, const char *path, int64_t now_ms,
                         unsigned *delay_ms)
{
	struct entry *e = ns_pathmap_get(r->paths, path);
	if (!e) {
		e = calloc(1, sizeof *e);
		if (!e || ns_pathmap_put(r->paths, path, e) != NS_OK)
			return 0; /* the map freed E */
	}
	unsigned n = ++e->failures;
	if (n >= NS_RETRY_ATTEMPTS) {
		ns_pathmap_del(r->paths, path);
		return n;
	}
	*delay_ms = ns_backoff_ms(n, NS_RETRY_FIRST_MS, NS_RETRY_MAX_MS);
	e->due = now_ms + *delay_ms;
	return n;
}

void ns_retry_forget(ns_retry_t *r, const char *path)
{
	if (r)
		ns_pathmap_del(r->paths, path);
}

void ns_retry_forget_dir(ns_retry_t *r, const char *dir)
{
	if (r)
		ns_pathmap_del_dir(r->paths, dir);
}

struct due_scan {
	int64_t now;
	ns_strv_t *out;
};

static void collect_due(const char *path, void *value, void *ctx)
{
	struct entry *e = value;
	struct due_scan *ds = ctx;
	if (e->due && e->due <= ds->now &&
	    ns_strv_push(ds->out, path, strlen(path)) == NS_OK)
		e->due = 0;
}

void ns_retry_due(ns_retry_t *r, int64_t now_ms, ns_strv_t *out)
{
	struct due_scan ds = {now_ms, out};
	ns_pathmap_each(r->paths, collect_due, &ds);
}

static void earliest(const char *path, void *value, void *ctx)
{
	(void)path;
	struct entry *e = value;
	int64_t *next = ctx;
	if (e->due && (*next < 0 || e->due < *next))
		*next = e->due;
}

int64_t ns_retry_next(const ns_retry_t *r)
{
	int64_t next = -1;
	ns_pathmap_each(r->paths, earliest, &next);
	return next;
}

size_t ns_retry_count(const ns_retry_t *r)
{
	return r ? ns_pathmap_count(r->paths) : 0;
}
