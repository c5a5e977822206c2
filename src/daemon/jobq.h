/* jobq.h - the writer's queue of work, fair between directories.
 *
 * Changes to single files wait in one lane per directory, and the writer
 * takes from the lanes in turn, so that a bulk import into one directory
 * does not hold back an editor's save in another.  Work that concerns
 * more than one file (a directory removed, a sweep, a barrier for
 * everything) is a fence: every job queued before it is done first, none
 * queued after it is done before it.  Not thread-safe: the indexer holds
 * its mutex around every call (job_new excepted).  Internal to the
 * daemon. */
#ifndef NS_JOBQ_H
#define NS_JOBQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum job_op {
	JOB_PUT,          /* a file changed: read it */
	JOB_PUT_SCANNED,  /* a scan found it: an unchanged stat is enough */
	JOB_REINDEX,      /* read and index it again, whatever it is */
	JOB_REDO,         /* a change a failed commit lost: read it again */
	JOB_REMOVE,
	JOB_BARRIER_PATH, /* after the jobs for one path (a lane barrier) */
	JOB_REMOVE_TREE, JOB_PRUNE, JOB_BARRIER,   /* fences */
	/* Maintenance, fences for everything: queue a JOB_REINDEX for every
	 * file under the path; compact the index in place; copy it to the
	 * directory in path. */
	JOB_REINDEX_TREE, JOB_COMPACT, JOB_BACKUP,
	/* The articles directory is a new one at the same path: open it
	 * again before anything after it is read (a fence for all). */
	JOB_REOPEN_ROOT,
};

struct job {
	struct job *next;
	enum job_op op;
	uint64_t seq;     /* order of arrival */
	uint64_t gen;     /* scan generation when queued (JOB_PRUNE: its scan's) */
	uint64_t barrier; /* JOB_BARRIER*: its number */
	char path[];
};

typedef struct jobq jobq_t;

/* A new job OP on PATH (copied), of scan generation GEN, passing barrier
 * BARRIER (0: none).  NULL when out of memory; free() it unless a queue
 * took it. */
struct job *job_new(enum job_op op, const char *path, uint64_t gen,
                    uint64_t barrier);

jobq_t *jobq_new(void);
/* Frees the queue and the jobs still in it; returns how many there were. */
size_t jobq_free(jobq_t *q);

/* Queue J (the queue owns it from now on).  Returns false, and frees J,
 * when it repeats the last job of its lane (the same op on the same
 * path): an editor's burst of writes is one piece of work. */
bool jobq_push(jobq_t *q, struct job *j);

/* Put J back to be done next (a barrier that must be retried). */
void jobq_push_front(jobq_t *q, struct job *j);

/* Is nothing queued? */
bool jobq_empty(const jobq_t *q);

/* The next job to do, or NULL when there is none. */
struct job *jobq_pop(jobq_t *q);

#endif
