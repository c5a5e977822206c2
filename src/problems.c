/* problems.c - the files the index does not hold as they are on disk.
 * A chained hash table keyed by path, so that the writer's check on every
 * file it indexes costs one lookup however many files are skipped. */
#include "nsearch/problems.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct entry {
	struct entry *next;
	uint64_t seq;        /* order of recording, for "newest first" */
	ns_problem_t p;
};

struct ns_problems {
	pthread_mutex_t mu;
	struct entry **buckets;
	size_t nbuckets, n, partial;
	uint64_t seq;
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

ns_problems_t *ns_problems_new(void)
{
	ns_problems_t *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->nbuckets = 64;
	p->buckets = calloc(p->nbuckets, sizeof *p->buckets);
	if (!p->buckets) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	return p;
}

static void entry_free(struct entry *e)
{
	free(e->p.path);
	free(e->p.reason);
	free(e);
}

void ns_problems_free(ns_problems_t *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nbuckets; i++)
		for (struct entry *e = p->buckets[i], *next; e; e = next) {
			next = e->next;
			entry_free(e);
		}
	free(p->buckets);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static void grow(ns_problems_t *p)
{
	size_t nb = p->nbuckets * 2;
	struct entry **b = calloc(nb, sizeof *b);
	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < p->nbuckets; i++)
		for (struct entry *e = p->buckets[i], *next; e; e = next) {
			next = e->next;
			size_t k = hash(e->p.path) & (nb - 1);
			e->next = b[k];
			b[k] = e;
		}
	free(p->buckets);
	p->buckets = b;
	p->nbuckets = nb;
}

/* Unlink PATH's entry; the caller holds mu. */
static void unlink_path(ns_problems_t *p, const char *path)
{
	struct entry **pe = &p->buckets[hash(path) & (p->nbuckets - 1)];
	for (; *pe; pe = &(*pe)->next)
		if (strcmp((*pe)->p.path, path) == 0) {
			struct entry *e = *pe;
			*pe = e->next;
			p->n--;
			p->partial -= e->p.partial;
			entry_free(e);
			return;
		}
}

void ns_problems_set(ns_problems_t *p, const char *path, bool partial,
                     const char *reason)
{
	if (!p || !path || !reason)
		return;
	struct entry *e = calloc(1, sizeof *e);
	if (!e)
		return;
	e->p.path = strdup(path);
	e->p.reason = strdup(reason);
	e->p.partial = partial;
	e->p.when = (int64_t)time(NULL);
	if (!e->p.path || !e->p.reason) {
		entry_free(e);
		return;
	}
	pthread_mutex_lock(&p->mu);
	unlink_path(p, path);
	if (p->n >= p->nbuckets)
		grow(p);
	size_t k = hash(path) & (p->nbuckets - 1);
	e->seq = ++p->seq;
	e->next = p->buckets[k];
	p->buckets[k] = e;
	p->n++;
	p->partial += partial;
	pthread_mutex_unlock(&p->mu);
}

void ns_problems_clear(ns_problems_t *p, const char *path)
{
	if (!p || !path)
		return;
	pthread_mutex_lock(&p->mu);
	if (p->n)
		unlink_path(p, path);
	pthread_mutex_unlock(&p->mu);
}

void ns_problems_clear_dir(ns_problems_t *p, const char *dir)
{
	if (!p || !dir)
		return;
	size_t dl = strlen(dir);
	pthread_mutex_lock(&p->mu);
	for (size_t i = 0; p->n && i < p->nbuckets; i++)
		for (struct entry **pe = &p->buckets[i]; *pe;) {
			struct entry *e = *pe;
			if (strncmp(e->p.path, dir, dl) == 0 && e->p.path[dl] == '/') {
				*pe = e->next;
				p->n--;
				p->partial -= e->p.partial;
				entry_free(e);
			} else {
				pe = &e->next;
			}
		}
	pthread_mutex_unlock(&p->mu);
}

void ns_problems_counts(ns_problems_t *p, uint64_t *skipped,
                        uint64_t *partial)
{
	pthread_mutex_lock(&p->mu);
	*skipped = p->n - p->partial;
	*partial = p->partial;
	pthread_mutex_unlock(&p->mu);
}

static int newest_first(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a,
	                   *y = *(struct entry *const *)b;
	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
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
	struct entry **all = malloc((p->n ? p->n : 1) * sizeof *all);
	if (!all) {
		pthread_mutex_unlock(&p->mu);
		return NS_ERR_NOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < p->nbuckets; i++)
		for (struct entry *e = p->buckets[i]; e; e = e->next)
			all[k++] = e;
	qsort(all, k, sizeof *all, newest_first);
	size_t take = offset < k ? k - offset : 0;
	if (take > limit)
		take = limit;
	ns_problem_t *v = calloc(take ? take : 1, sizeof *v);
	ns_status_t st = v ? NS_OK : NS_ERR_NOMEM;
	for (size_t i = 0; st == NS_OK && i < take; i++) {
		const ns_problem_t *src = &all[offset + i]->p;
		v[i] = *src;
		v[i].path = strdup(src->path);
		v[i].reason = strdup(src->reason);
		if (!v[i].path || !v[i].reason) {
			ns_problems_list_free(v, i + 1);
			v = NULL;
			st = NS_ERR_NOMEM;
		}
	}
	pthread_mutex_unlock(&p->mu);
	free(all);
	if (st == NS_OK) {
		*out = v;
		*n = take;
	}
	return st;
}
