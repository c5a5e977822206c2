/* gate.h - libuv's thread pool, shared by light and heavy searches: at
 * most N heavy ones hold a worker at a time (one fewer than the pool has),
 * the others wait here, in order, so that a light search always finds a
 * worker.  Loop thread only. */
#ifndef NS_GATE_H
#define NS_GATE_H

#include <stdbool.h>
#include <uv.h>

/* One piece of work: embed it (its uv_work_t's data is the caller's), and
 * keep it alive until its DONE callback has run. */
typedef struct ns_gate_work {
	uv_work_t work;             /* first; work.data is the caller's */
	uv_work_cb run;
	uv_after_work_cb done;
	bool heavy;
	struct ns_gate *gate;
	struct ns_gate_work *next;  /* while waiting */
} ns_gate_work_t;

typedef struct ns_gate {
	uv_loop_t *loop;
	unsigned heavy_max;         /* heavy works on workers at most */
	unsigned heavy_running;
	ns_gate_work_t *first, *last; /* heavy works waiting, oldest first */
} ns_gate_t;

/* Let at most HEAVY_MAX (at least 1) heavy works run at once on LOOP's
 * pool. */
void ns_gate_init(ns_gate_t *g, uv_loop_t *loop, unsigned heavy_max);

/* HEAVY_MAX for a pool of libuv's size ($UV_THREADPOOL_SIZE, else 4):
 * one worker kept for light works, when there are two or more. */
unsigned ns_gate_default_heavy_max(void);

/* Run RUN(&W->work) on the pool, now or (HEAVY, with the heavy works at
 * their limit) when a heavy one ends; then DONE(&W->work, status) on the
 * loop.  0, or libuv's negative error from uv_queue_work (then DONE is
 * never called).  A work that waited and cannot be queued later gets
 * DONE with UV_ECANCELED. */
int ns_gate_queue(ns_gate_t *g, ns_gate_work_t *w, bool heavy, uv_work_cb run,
                  uv_after_work_cb done);

/* How many heavy works wait. */
unsigned ns_gate_waiting(const ns_gate_t *g);

#endif
