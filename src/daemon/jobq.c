/* jobq.c - lanes per directory in a ring, and fences between them. */
#include "daemon/jobq.h"

#include <stdlib.h>
#include <string.h>

#include "core/pathmap.h"

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
	uint64_t last_fence;        /* seq of the last fence pushed */
	/* Which jobs are done: all below LOW, and those flagged in DONE (a
	 * ring of CAP flags, a power of two, indexed by seq). */
	uint64_t low;
	unsigned char *done;
	size_t cap;
};

static bool is_fence(enum job_op op)
{
	return op == JOB_REMOVE_TREE || op == JOB_PRUNE || op == JOB_BARRIER ||
	       op == JOB_REINDEX_TREE || op == JOB_COMPACT || op == JOB_BACKUP ||
	       op == JOB_REOPEN_ROOT;
}

struct job *job_new(enum job_op op, const char *path, uint64_t gen,
                    uint64_t barrier)
{
	size_t len = strlen(path);
	struct job *j = malloc(sizeof *j + len + 1);
	if (!j)
		return NULL;
	j->next = NULL;
	j->op = op;
	j->seq = 0;
	j->gen = gen;
	j->barrier = barrier;
	memcpy(j->path, path, len + 1);
	return j;
}

jobq_t *jobq_new(void)
{
	jobq_t *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	q->low = 1;
	q->cap = 1024;
	q->lanes = ns_pathmap_new();
	q->done = calloc(q->cap, 1);
	if (!q->lanes || !q->done) {
		ns_pathmap_free(q->lanes);
		free(q->done);
		free(q);
		return NULL;
	}
	return q;
}

/* Room to flag every seq from LOW to the next one. */
static bool room_for_next(jobq_t *q)
{
	if (q->seq + 1 - q->low < q->cap)
		return true;
	size_t cap = q->cap * 2;
	unsigned char *d = calloc(cap, 1);
	if (!d)
		return false;
	for (uint64_t s = q->low; s <= q->seq; s++)
		d[s & (cap - 1)] = q->done[s & (q->cap - 1)];
	free(q->done);
	q->done = d;
	q->cap = cap;
	return true;
}

static void mark_done(jobq_t *q, uint64_t seq)
{
	if (seq < q->low)
		return;
	q->done[seq & (q->cap - 1)] = 1;
	while (q->low <= q->seq && q->done[q->low & (q->cap - 1)]) {
		q->done[q->low & (q->cap - 1)] = 0;
		q->low++;
	}
}

/* Does fence F hold back work on PATH?  A barrier for everything, a sweep
 * or reindexing of the whole tree, a compaction and a backup hold back
 * all; a directory's removal, sweep or reindexing only what is under it. */
static bool covers(const struct job *f, const char *path)
{
	if (f->op == JOB_BARRIER || f->op == JOB_COMPACT ||
	    f->op == JOB_BACKUP || f->op == JOB_REOPEN_ROOT || !f->path[0])
		return true;
	size_t n = strlen(f->path);
	return strncmp(path, f->path, n) == 0 && (path[n] == '/' || !path[n]);
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
	free(q->done);
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

static void append_fence(jobq_t *q, struct job *j)
{
	if (q->fences_tail)
		q->fences_tail->next = j;
	else
		q->fences = j;
	q->fences_tail = j;
}

bool jobq_push(jobq_t *q, struct job *j)
{
	j->next = NULL;
	if (!room_for_next(q)) {
		free(j); /* out of memory: a later scan finds what this missed */
		return false;
	}
	j->seq = ++q->seq;
	if (is_fence(j->op)) {
		q->last_fence = j->seq;
		append_fence(q, j);
		return true;
	}
	struct lane *l = lane_for(q, j->path);
	if (!l) {
		/* Out of memory for a lane: keep order with a fence instead. */
		append_fence(q, j);
		return true;
	}
	/* A repeat merges only with a job queued after the last fence: one
	 * before it must stay before it (a put, then the directory removed,
	 * then the file back: the second put is needed). */
	if (l->tail && l->tail->op == j->op && j->op != JOB_BARRIER_PATH &&
	    l->tail->seq > q->last_fence && strcmp(l->tail->path, j->path) == 0) {
		mark_done(q, j->seq); /* its number is used up */
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

void jobq_push_front(jobq_t *q, struct job *j)
{
	/* As a fence at the head: nothing passes it. */
	j->seq = 0;
	j->next = q->fences;
	q->fences = j;
	if (!q->fences_tail)
		q->fences_tail = j;
}

/* May lane job J go now: no fence queued before it covers it? */
static bool may_pass(const jobq_t *q, const struct job *j)
{
	for (const struct job *f = q->fences; f && f->seq < j->seq; f = f->next)
		if (covers(f, j->path))
			return false;
	return true;
}

bool jobq_empty(const jobq_t *q)
{
	return !q->fences && !q->rr;
}

struct job *jobq_pop(jobq_t *q)
{
	/* A fence goes as soon as everything queued before it is done. */
	struct job *f = q->fences;
	if (f && (f->seq == 0 || f->seq == q->low)) {
		q->fences = f->next;
		if (!q->fences)
			q->fences_tail = NULL;
		mark_done(q, f->seq);
		return f;
	}
	struct lane *l = q->rr;
	for (struct lane *start = l; l;) {
		if (may_pass(q, l->head)) {
			struct job *j = l->head;
			l->head = j->next;
			mark_done(q, j->seq);
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
	return NULL;
}
