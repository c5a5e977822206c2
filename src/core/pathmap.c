/* pathmap.c - chained hash table keyed by path (FNV-1a), doubling when it
 * holds as many entries as buckets.  Each entry is one allocation holding
 * the key; values are the caller's blocks. */
#include "core/pathmap.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	struct entry *next;
	void *value;
	char path[];
};

struct ns_pathmap {
	struct entry **buckets;
	size_t nbuckets, n;
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

ns_pathmap_t *ns_pathmap_new(void)
{
	ns_pathmap_t *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->nbuckets = 64;
	if (!(m->buckets = calloc(m->nbuckets, sizeof *m->buckets))) {
		free(m);
		return NULL;
	}
	return m;
}

void ns_pathmap_free(ns_pathmap_t *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nbuckets; i++)
		for (struct entry *e = m->buckets[i], *next; e; e = next) {
			next = e->next;
			free(e->value);
			free(e);
		}
	free(m->buckets);
	free(m);
}

static struct entry **find(const ns_pathmap_t *m, const char *path)
{
	struct entry **pe = &m->buckets[hash(path) & (m->nbuckets - 1)];
	while (*pe && strcmp((*pe)->path, path) != 0)
		pe = &(*pe)->next;
	return pe;
}

void *ns_pathmap_get(const ns_pathmap_t *m, const char *path)
{
	struct entry *e = *find(m, path);
	return e ? e->value : NULL;
}

static void grow(ns_pathmap_t *m)
{
	size_t nb = m->nbuckets * 2;
	struct entry **b = calloc(nb, sizeof *b);
	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < m->nbuckets; i++)
		for (struct entry *e = m->buckets[i], *next; e; e = next) {
			next = e->next;
			size_t k = hash(e->path) & (nb - 1);
			e->next = b[k];
			b[k] = e;
		}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = nb;
}

ns_status_t ns_pathmap_put(ns_pathmap_t *m, const char *path, void *value)
{
	struct entry **pe = find(m, path);
	if (*pe) {
		free((*pe)->value);
		(*pe)->value = value;
		return NS_OK;
	}
	size_t len = strlen(path);
	struct entry *e = malloc(sizeof *e + len + 1);
	if (!e) {
		free(value);
		return NS_ERR_NOMEM;
	}
	memcpy(e->path, path, len + 1);
	e->value = value;
	e->next = NULL;
	*pe = e;
	if (++m->n > m->nbuckets)
		grow(m);
	return NS_OK;
}

bool ns_pathmap_del(ns_pathmap_t *m, const char *path)
{
	struct entry **pe = find(m, path);
	struct entry *e = *pe;
	if (!e)
		return false;
	*pe = e->next;
	free(e->value);
	free(e);
	m->n--;
	return true;
}

size_t ns_pathmap_del_dir(ns_pathmap_t *m, const char *dir)
{
	size_t dl = strlen(dir), gone = 0;
	for (size_t i = 0; m->n && i < m->nbuckets; i++)
		for (struct entry **pe = &m->buckets[i]; *pe;) {
			struct entry *e = *pe;
			if (strncmp(e->path, dir, dl) == 0 && e->path[dl] == '/') {
				*pe = e->next;
				free(e->value);
				free(e);
				m->n--;
				gone++;
			} else {
				pe = &e->next;
			}
		}
	return gone;
}

size_t ns_pathmap_count(const ns_pathmap_t *m)
{
	return m->n;
}

void ns_pathmap_each(const ns_pathmap_t *m,
                     void (*each)(const char *path, void *value, void *ctx),
                     void *ctx)
{
	for (size_t i = 0; i < m->nbuckets; i++)
		for (struct entry *e = m->buckets[i]; e; e = e->next)
			each(e->path, e->value, ctx);
}
