/* jobq.c - lanes per directory in a ring, and fences between them. */
#include "jobq.h"

#include <stdlib.h>
#include <string.h>

#include "nsearch/pathmap.h"

struct lane {
	struct lane *prev, *next;   /* the ring of lanes that have jobs */
	struct job *head, *tail;
	char dir[];
};

struct jobq {
	ns_pathmap_t *lanes;        /* dir -> struct lane (owned by the map) */
	struct lane *rr;            /* the next lane to serve; NULL: none */
	struct job *fences, *fences_tail;
	uint64_t seq;
};

static bool is_fence(enum job_op op)
{
	return op == JOB_REMOVE_TREE || op == JOB_PRUNE || op == JOB_BARRIER;
}

jobq_t *jobq_new(void)
{
	jobq_t *q = calloc(1, sizeof *q);
	if (q && !(q->lanes = ns_pathmap_new())) {
		free(q);
		return NULL;
	}
	return q;
}

static size_t free_jobs(struct job *j)
{
	size_t n = 0;
	for (struct job *next; j; j = next, n++) {
		next = j->next;
		free(j);
	}
	return n;
}

static void count_lane(const char *dir, void *value, void *ctx)
{
	(void)dir;
	*(size_t *)ctx += free_jobs(((struct lane *)value)->head);
}

size_t jobq_free(jobq_t *q)
{
	if (!q)
		return 0;
	size_t n = free_jobs(q->fences);
	ns_pathmap_each(q->lanes, count_lane, &n);
	ns_pathmap_free(q->lanes);
	free(q);
	return n;
}

/* The directory part of PATH ("" at the root) into a new lane. */
static struct lane *lane_for(jobq_t *q, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	char *dir = malloc(n + 1);
	if (!dir)
		return NULL;
	memcpy(dir, path, n);
	dir[n] = '\0';
	struct lane *l = ns_pathmap_get(q->lanes, dir);
	if (!l) {
		l = calloc(1, sizeof *l + n + 1);
		if (l) {
			memcpy(l->dir, dir, n + 1);
			if (ns_pathmap_put(q->lanes, dir, l) != NS_OK)
				l = NULL; /* the map freed it */
		}
	}
	free(dir);
	return l;
}

bool jobq_push(jobq_t *q, struct job *j)
{
	j->next = NULL;
	j->seq = ++q->seq;
	if (is_fence(j->op)) {
		if (q->fences_tail)
			q->fences_tail->next = j;
		else
			q->fences = j;
		q->fences_tail = j;
		return true;
	}
	struct lane *l = lane_for(q, j->path);
	if (!l) {
		/* Out of memory for a lane: keep order with a fence instead. */
		if (q->fences_tail)
			q->fences_tail->next = j;
		else
			q->fences = j;
		q->fences_tail = j;
		return true;
	}
	if (l->tail && l->tail->op == j->op && j->op != JOB_BARRIER_PATH &&
	    strcmp(l->tail->path, j->path) == 0) {
		free(j);
		return false;
	}
	if (l->tail) {
		l->tail->next = j;
	} else {
		l->head = j;
		/* Into the ring, just before the lane served next. */
		if (q->rr) {
			l->next = q->rr;
			l->prev = q->rr->prev;
			l->prev->next = l;
			q->rr->prev = l;
		} else {
			l->next = l->prev = l;
			q->rr = l;
		}
	}
	l->tail = j;
	return true;
}

struct job *jobq_pop(jobq_t *q)
{
	uint64_t fence = q->fences ? q->fences->seq : UINT64_MAX;
	struct lane *l = q->rr;
	for (struct lane *start = l; l;) {
		if (l->head->seq < fence) {
			struct job *j = l->head;
			l->head = j->next;
			if (l->head) {
				q->rr = l->next;
				return j;
			}
			/* The lane is empty: out of the ring, and forgotten. */
			l->tail = NULL;
			if (l->next == l) {
				q->rr = NULL;
			} else {
				l->prev->next = l->next;
				l->next->prev = l->prev;
				q->rr = l->next;
			}
			ns_pathmap_del(q->lanes, l->dir);
			return j;
		}
		l = l->next;
		if (l == start)
			break;
	}
	struct job *f = q->fences;
	if (f) {
		q->fences = f->next;
		if (!q->fences)
			q->fences_tail = NULL;
	}
	return f;
}
