/* problems.c - the files the index does not hold as they are on disk: a
 * pathmap under a mutex, so that the writer's check on every file it
 * indexes costs one lookup however many files are skipped. */
#include "core/problems.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/pathmap.h"

struct problem {
	uint64_t seq;        /* order of recording, for "newest first" */
	bool partial;
	int64_t when;
	char reason[];
};

struct ns_problems {
	pthread_mutex_t mu;
	ns_pathmap_t *map;
	size_t partial;
	uint64_t seq;
};

ns_problems_t *ns_problems_new(void)
{
	ns_problems_t *p = calloc(1, sizeof *p);
	if (!p || !(p->map = ns_pathmap_new())) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	return p;
}

void ns_problems_free(ns_problems_t *p)
{
	if (!p)
		return;
	ns_pathmap_free(p->map);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* Forget PATH; the caller holds mu. */
static void drop(ns_problems_t *p, const char *path)
{
	struct problem *old = ns_pathmap_get(p->map, path);
	if (old) {
		p->partial -= old->partial;
		ns_pathmap_del(p->map, path);
	}
}

void ns_problems_set(ns_problems_t *p, const char *path, bool partial,
                     const char *reason)
{
	if (!p || !path || !reason)
		return;
	size_t len = strlen(reason);
	struct problem *e = malloc(sizeof *e + len + 1);
	if (!e)
		return;
	memcpy(e->reason, reason, len + 1);
	e->partial = partial;
	e->when = (int64_t)time(NULL);
	pthread_mutex_lock(&p->mu);
	drop(p, path);
	e->seq = ++p->seq;
	if (ns_pathmap_put(p->map, path, e) == NS_OK)
		p->partial += partial;
	pthread_mutex_unlock(&p->mu);
}

void ns_problems_clear(ns_problems_t *p, const char *path)
{
	if (!p || !path)
		return;
	pthread_mutex_lock(&p->mu);
	drop(p, path);
	pthread_mutex_unlock(&p->mu);
}

static void count_partial(const char *path, void *value, void *ctx)
{
	(void)path;
	*(size_t *)ctx += ((struct problem *)value)->partial;
}

void ns_problems_clear_dir(ns_problems_t *p, const char *dir)
{
	if (!p || !dir)
		return;
	pthread_mutex_lock(&p->mu);
	if (ns_pathmap_del_dir(p->map, dir)) {
		p->partial = 0;
		ns_pathmap_each(p->map, count_partial, &p->partial);
	}
	pthread_mutex_unlock(&p->mu);
}

bool ns_problems_get(ns_problems_t *p, const char *path, bool *partial,
                     char *reason, size_t size)
{
	pthread_mutex_lock(&p->mu);
	const struct problem *e = ns_pathmap_get(p->map, path);
	if (e) {
		*partial = e->partial;
		if (size) {
			size_t n = strlen(e->reason);
			n = n < size ? n : size - 1;
			memcpy(reason, e->reason, n);
			reason[n] = '\0';
		}
	}
	pthread_mutex_unlock(&p->mu);
	return e != NULL;
}

struct paths_under {
	const char *dir;
	size_t len;
	ns_strv_t *out;
};

static void path_under(const char *path, void *value, void *ctx)
{
	(void)value;
	struct paths_under *pu = ctx;
	if (!pu->len || (strncmp(path, pu->dir, pu->len) == 0 &&
	                 path[pu->len] == '/'))
		ns_strv_push(pu->out, path, strlen(path));
}

void ns_problems_paths(ns_problems_t *p, const char *dir, ns_strv_t *out)
{
	struct paths_under pu = {dir, strlen(dir), out};
	pthread_mutex_lock(&p->mu);
	ns_pathmap_each(p->map, path_under, &pu);
	pthread_mutex_unlock(&p->mu);
}

void ns_problems_counts(ns_problems_t *p, uint64_t *skipped,
                        uint64_t *partial)
{
	pthread_mutex_lock(&p->mu);
	*skipped = ns_pathmap_count(p->map) - p->partial;
	*partial = p->partial;
	pthread_mutex_unlock(&p->mu);
}

struct item {
	const char *path;
	const struct problem *p;
};

struct collect {
	struct item *v;
	size_t n;
};

static void collect(const char *path, void *value, void *ctx)
{
	struct collect *c = ctx;
	c->v[c->n++] = (struct item){path, value};
}

static int newest_first(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	return x->p->seq < y->p->seq ? 1 : x->p->seq > y->p->seq ? -1 : 0;
}

void ns_problems_list_free(ns_problem_t *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].path);
		free(v[i].reason);
	}
	free(v);
}

ns_status_t ns_problems_list(ns_problems_t *p, size_t offset, size_t limit,
                             ns_problem_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&p->mu);
	size_t total = ns_pathmap_count(p->map);
	struct collect c = {malloc((total ? total : 1) * sizeof *c.v), 0};
	if (!c.v) {
		pthread_mutex_unlock(&p->mu);
		return NS_ERR_NOMEM;
	}
	ns_pathmap_each(p->map, collect, &c);
	qsort(c.v, c.n, sizeof *c.v, newest_first);
	size_t take = offset < c.n ? c.n - offset : 0;
	if (take > limit)
		take = limit;
	ns_problem_t *v = calloc(take ? take : 1, sizeof *v);
	ns_status_t st = v ? NS_OK : NS_ERR_NOMEM;
	for (size_t i = 0; st == NS_OK && i < take; i++) {
		const struct item *it = &c.v[offset + i];
		v[i].partial = it->p->partial;
		v[i].when = it->p->when;
		v[i].path = strdup(it->path);
		v[i].reason = strdup(it->p->reason);
		if (!v[i].path || !v[i].reason) {
			ns_problems_list_free(v, i + 1);
			v = NULL;
			st = NS_ERR_NOMEM;
		}
	}
	pthread_mutex_unlock(&p->mu);
	free(c.v);
	if (st == NS_OK) {
		*out = v;
		*n = take;
	}
	return st;
}
