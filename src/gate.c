/* gate.c - heavy searches never take every worker of libuv's pool
 * (gate.h).  Loop thread only; it never blocks, it only holds work back. */
#include "nsearch/gate.h"

#include <stddef.h>
#include <stdlib.h>

void ns_gate_init(ns_gate_t *g, uv_loop_t *loop, unsigned heavy_max)
{
	g->loop = loop;
	g->heavy_max = heavy_max ? heavy_max : 1;
	g->heavy_running = 0;
	g->first = g->last = NULL;
}

unsigned ns_gate_default_heavy_max(void)
{
	/* libuv reads the same variable, once, when the pool starts. */
	const char *env = getenv("UV_THREADPOOL_SIZE");
	long size = env && *env ? strtol(env, NULL, 10) : 4;
	if (size < 1)
		size = 1;
	return size > 1 ? (unsigned)(size - 1) : 1;
}

static void gate_done(uv_work_t *req, int status);

static int start(ns_gate_work_t *w)
{
	int rc = uv_queue_work(w->gate->loop, &w->work, w->run, gate_done);
	if (rc == 0 && w->heavy)
		w->gate->heavy_running++;
	return rc;
}

/* Start the heavy works waiting, oldest first, while there is room. */
static void start_waiting(ns_gate_t *g)
{
	while (g->first && g->heavy_running < g->heavy_max) {
		ns_gate_work_t *w = g->first;
		g->first = w->next;
		if (!g->first)
			g->last = NULL;
		w->next = NULL;
		if (start(w) < 0)
			w->done(&w->work, UV_ECANCELED);
	}
}

static void gate_done(uv_work_t *req, int status)
{
	ns_gate_work_t *w = (ns_gate_work_t *)req;
	ns_gate_t *g = w->gate;
	if (w->heavy)
		g->heavy_running--;
	start_waiting(g);
	/* Last: DONE may free W. */
	w->done(req, status);
}

int ns_gate_queue(ns_gate_t *g, ns_gate_work_t *w, bool heavy, uv_work_cb run,
                  uv_after_work_cb done)
{
	w->run = run;
	w->done = done;
	w->heavy = heavy;
	w->gate = g;
	w->next = NULL;
	if (!heavy || (g->heavy_running < g->heavy_max && !g->first))
		return start(w);
	if (g->last)
		g->last->next = w;
	else
		g->first = w;
	g->last = w;
	return 0;
}

unsigned ns_gate_waiting(const ns_gate_t *g)
{
	unsigned n = 0;
	for (const ns_gate_work_t *w = g->first; w; w = w->next)
		n++;
	return n;
}
