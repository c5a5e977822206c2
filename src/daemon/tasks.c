/* tasks.c - the request a connection has in hand: a search on libuv's
 * thread pool (search, similar, get, stats; in the fair order of
 * searchq.h), or a wait for the writer's barrier (wait, and reindex,
 * compact, backup), or for the revision a request asks for
 * (min_revision), and the reply when it is done.  search_work() alone
 * runs off the loop thread: it reads its connection's request, writes its
 * reply, and calls only what any thread may (the searcher, the revision,
 * index_failed). */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/answer.h"
#include "daemon/metrics.h"
#include "daemon/server_int.h"

const char *ns_server_code_of(ns_status_t st)
{
	switch (st) {
	case NS_ERR_INVALID: return NS_E_BAD_REQUEST;
	case NS_ERR_BAD_QUERY: return NS_E_BAD_QUERY;
	case NS_ERR_TOO_BROAD: return NS_E_TOO_BROAD;
	case NS_ERR_TOO_COMPLEX: return NS_E_TOO_COMPLEX;
	case NS_ERR_TIMEOUT: return NS_E_TIMEOUT;
	case NS_ERR_NOT_FOUND: return NS_E_NOT_FOUND;
	case NS_ERR_BUSY: return NS_E_BUSY;
	case NS_ERR_INDEX: /* the index cannot be read now */
	case NS_ERR_UNAVAILABLE: return NS_E_UNAVAILABLE;
	default: return NS_E_INTERNAL;
	}
}

/* A wait stops waiting, a search waiting for a worker leaves the queue.
 * A search on the pool cannot be recalled: it stays in hand, and its
 * after-work callback sees what became of C. */
bool ns_task_drop(struct conn *c)
{
	ns_server_t *s = c->srv;
	if (c->task == TASK_WAIT || c->task == TASK_REVISION) {
		if (--s->waiters == 0 && !s->closing)
			uv_timer_stop(&s->wait_timer);
		c->task = TASK_NONE;
	} else if (c->task == TASK_SEARCH &&
	           c->turn.state == NS_SEARCHQ_WAITING) {
		ns_searchq_remove(&s->searchq, &c->turn);
		c->task = TASK_NONE;
	}
	return c->task == TASK_NONE;
}

/* A search (or similar) is answered: how long since its line was taken,
 * the thread pool's queue included. */
static void note_latency(struct conn *c)
{
	ns_metrics_observe(NS_PROTO_NDJSON, c->req.op,
	                   (double)(ns_now_us() - c->dispatched_us) / 1e6);
	if (c->req.op != NS_OP_SEARCH && c->req.op != NS_OP_SIMILAR)
		return;
	ns_server_t *s = c->srv;
	s->latency_ms[s->searches % LATENCIES] =
		(float)(ns_now_us() - c->dispatched_us) / 1000.0f;
	s->searches++;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

void ns_task_latency(const ns_server_t *s, double out[3])
{
	size_t n = s->searches < LATENCIES ? (size_t)s->searches : LATENCIES;
	out[0] = out[1] = out[2] = 0;
	if (!n)
		return;
	float sorted[LATENCIES];
	memcpy(sorted, s->latency_ms, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_float);
	static const double at[3] = {0.50, 0.95, 0.99};
	for (int i = 0; i < 3; i++) {
		size_t k = (size_t)(at[i] * (double)n + 0.999999); /* nearest rank */
		/* to the microsecond: a float's digits beyond it are noise */
		out[i] = (double)(long long)(sorted[(k ? k : 1) - 1] * 1000.0 + 0.5) /
		         1000.0;
	}
}

/* The reply to a failed query-side request. */
static char *query_error(struct conn *c, ns_status_t st, const char *err)
{
	const ns_request_t *r = &c->req;
	const char *code = ns_server_code_of(st), *msg = err;
	if (st == NS_ERR_NOT_FOUND)
		msg = "no article at this path in the index";
	else if (strcmp(code, NS_E_INTERNAL) == 0)
		msg = ns_status_str(st); /* the details are for the log */
	ns_metrics_error(NS_PROTO_NDJSON, code);
	if (st == NS_ERR_INDEX && c->srv->h.index_failed)
		c->srv->h.index_failed(c->srv->h.ctx); /* damaged? */
	/* The request's fault is the client's to hear, not the log's; a
	 * search out of time says something of the daemon's load. */
	if (st == NS_ERR_TIMEOUT)
		ns_log(NS_LOG_NOTICE, "query", "conn %lu: search stopped: %s",
		       c->id, err ? err : ns_status_str(st));
	else if (st != NS_ERR_BAD_QUERY && st != NS_ERR_TOO_BROAD &&
	         st != NS_ERR_TOO_COMPLEX && st != NS_ERR_NOT_FOUND)
		ns_log(NS_LOG_ERR, "query", "conn %lu: %s failed: %s", c->id,
		       r->op == NS_OP_GET ? "get" : r->op == NS_OP_STATS ? "stats"
		                                                      : "search",
		       err ? err : ns_status_str(st));
	return ns_proto_error_reply(r->id, ns_server_revision(c->srv), code,
	                            msg ? msg : ns_status_str(st));
}

/* search, similar, get, stats and paths: on the thread pool, never the
 * loop. */
static void search_work(uv_work_t *w)
{
	struct conn *c = w->data;
	char *err = NULL;
	ns_asker_t who = {c->srv->h.querylog, "ndjson", c->id, c->dispatched_us};
	ns_status_t st = ns_answer(c->srv->h.searcher, &c->req, &who, &c->reply,
	                           &c->found, &err);
	if (st == NS_OK && !c->reply)
		c->reply = ns_proto_error_reply(c->req.id,
		                                ns_server_revision(c->srv),
		                                NS_E_INTERNAL,
		                                "out of memory for the reply");
	else if (st != NS_OK)
		c->reply = query_error(c, st, err);
	free(err);
}

static void search_done(uv_work_t *w, int status);

/* Hand the thread pool the searches whose turn it is. */
static void start_searches(ns_server_t *s)
{
	ns_searchq_item_t *it;
	while (!s->closing && (it = ns_searchq_next(&s->searchq))) {
		struct conn *c = (struct conn *)(void *)((char *)it -
		                 offsetof(struct conn, turn));
		c->work.data = c;
		if (uv_queue_work(s->loop, &c->work, search_work,
		                  search_done) < 0) {
			ns_searchq_remove(&s->searchq, it);
			c->task = TASK_NONE;
			ns_conn_refuse(c, NS_E_INTERNAL, "cannot queue the search");
		}
	}
}

void ns_task_search(struct conn *c)
{
	assert(c->task == TASK_NONE);
	c->task = TASK_SEARCH;
	c->turn.heavy = ns_request_is_heavy(&c->req);
	ns_searchq_push(&c->srv->searchq, &c->turn);
	start_searches(c->srv);
}

/* A search reply LINE (freed here) that says "ready" first (until the
 * start-up reconciliation is done, articles may be missing) and, on a
 * replica, how far behind its primary it may be. */
static char *with_meta(ns_server_t *s, char *line)
{
	bool ready = !s->h.ready || s->h.ready(s->h.ctx);
	ns_replication_status_t rep = {0};
	if (s->h.replication)
		s->h.replication(s->h.ctx, &rep);
	return ns_proto_search_meta(line, ready, &rep);
}

static void search_done(uv_work_t *w, int status)
{
	struct conn *c = w->data;
	assert(c->task == TASK_SEARCH && c->turn.state == NS_SEARCHQ_RUNNING);
	ns_searchq_remove(&c->srv->searchq, &c->turn);
	start_searches(c->srv); /* a worker is free: the next in turn */
	note_latency(c);
	char *reply = c->reply;
	c->reply = NULL;
	if (status != UV_ECANCELED && reply && c->found)
		reply = with_meta(c->srv, reply);
	c->found = false;
	c->task = TASK_NONE;
	if (status == UV_ECANCELED) {
		free(reply);
		reply = ns_proto_error_reply(c->req.id, ns_server_revision(c->srv),
		                             NS_E_UNAVAILABLE,
		                             "the daemon is stopping");
	}
	if (c->state == CONN_CLOSED) { /* it closed meanwhile */
		free(reply);
		ns_conn_free(c);
		return;
	}
	if (c->state < CONN_CLOSING)
		ns_conn_send(c, reply);
	else
		free(reply);
	ns_request_clear(&c->req);
	ns_conn_process(c);
}

/* The reply to C's maintenance operation, its barrier passed: how it
 * went, as the writer says. */
static char *maint_reply(struct conn *c)
{
	ns_server_t *s = c->srv;
	ns_maint_t last = {0};
	s->h.op_last(s->h.ctx, &last);
	uint64_t rev = ns_server_revision(s);
	if (last.barrier != c->wait_barrier) /* cannot be: one at a time */
		return ns_proto_error_reply(c->req.id, rev, NS_E_INTERNAL,
		                            "the operation's outcome is lost");
	if (!last.ok)
		return ns_proto_error_reply(c->req.id, rev, NS_E_FAILED,
		                            last.message);
	return ns_proto_maint_reply(c->req.id, rev, ns_maint_name(last.op),
	                            last.message,
	                            (double)(ns_now_ms() - c->wait_start_ms));
}

/* Answer C's wait: done (its barrier passed), or CODE (an error). */
static void finish_wait(struct conn *c, const char *code, const char *msg)
{
	ns_server_t *s = c->srv;
	assert(c->task == TASK_WAIT);
	ns_task_drop(c); /* the timer stops with the last wait */
	if (code) {
		ns_conn_send_error(c, c->req.id, code, msg);
	} else if (c->req.op != NS_OP_WAIT) {
		ns_conn_send(c, maint_reply(c));
	} else {
		char reason[512] = "";
		const char *state = NULL;
		if (c->req.path && s->h.path_state)
			state = s->h.path_state(s->h.ctx, c->req.path, reason,
			                        sizeof reason);
		ns_conn_send(c, ns_proto_wait_reply(
			c->req.id, ns_server_revision(s), c->req.path, state,
			reason[0] ? reason : NULL,
			(double)(ns_now_ms() - c->wait_start_ms)));
	}
	ns_request_clear(&c->req);
	ns_conn_process(c);
}

/* C's revision came (its search goes on), or its time is up: STALE. */
static void revision_reached(struct conn *c, bool timers_too,
                             unsigned long long now)
{
	ns_server_t *s = c->srv;
	uint64_t rev = ns_server_revision(s);
	if (rev < c->req.min_revision && !(timers_too &&
	                                   now >= c->wait_deadline_ms))
		return;
	ns_task_drop(c);
	if (rev >= c->req.min_revision) {
		ns_task_search(c);
		return;
	}
	char msg[600];
	int n = snprintf(msg, sizeof msg, "revision %llu not reached within %u "
	                 "ms: the index is at %llu",
	                 (unsigned long long)c->req.min_revision,
	                 s->h.min_revision_wait_ms, (unsigned long long)rev);
	ns_replication_status_t rep = {0};
	if (s->h.replication)
		s->h.replication(s->h.ctx, &rep);
	if (rep.role == NS_REPL_REPLICA && n > 0 && (size_t)n < sizeof msg)
		snprintf(msg + n, sizeof msg - (size_t)n, "; a replica of %s, "
		         "%.1f s behind it%s%.200s", rep.address, rep.behind_s,
		         rep.connected ? "" : ", which does not answer: ",
		         rep.connected ? "" : rep.error);
	ns_conn_refuse(c, NS_E_STALE, msg);
	ns_conn_process(c);
}

static void check_waits(ns_server_t *s, bool timers_too)
{
	if (!s->waiters)
		return;
	unsigned long long now = ns_now_ms();
	for (struct conn *c = s->conns, *next; c; c = next) {
		next = c->next; /* finish_wait may close C, never free it here */
		if (c->task == TASK_REVISION && c->state < CONN_CLOSING) {
			revision_reached(c, timers_too, now);
			continue;
		}
		if (c->task != TASK_WAIT || c->state >= CONN_CLOSING)
			continue;
		char why[400];
		if (s->h.barrier_passed(s->h.ctx, c->wait_barrier))
			finish_wait(c, NULL, NULL);
		else if (c->req.op == NS_OP_WAIT && s->h.write_fault &&
		         s->h.write_fault(s->h.ctx, why, sizeof why))
			/* not "indexed": it cannot be */
			finish_wait(c, NS_E_INDEX_READ_ONLY, why);
		else if (timers_too && now >= c->wait_deadline_ms) {
			char msg[128];
			snprintf(msg, sizeof msg, "not indexed within %u ms; the "
			         "writer still has work queued", c->req.timeout_ms);
			finish_wait(c, NS_E_TIMEOUT, msg);
		}
	}
}

static void on_wait_timer(uv_timer_t *t)
{
	check_waits(t->data, true);
}

void ns_server_committed(ns_server_t *s)
{
	if (s && !s->closing)
		check_waits(s, false);
}

/* C's wait or maintenance operation begins: its barrier into *BARRIER,
 * or a status with why into WHY (SIZE bytes). */
static ns_status_t begin_wait(struct conn *c, uint64_t *barrier, char *why,
                              size_t size)
{
	const ns_server_handlers_t *h = &c->srv->h;
	if (c->req.op == NS_OP_WAIT)
		return h->wait_begin(h->ctx, c->req.path, barrier, why, size);
	if (!h->op_begin) {
		snprintf(why, size, "maintenance is not possible");
		return NS_ERR_UNAVAILABLE;
	}
	return h->op_begin(h->ctx, &c->req, barrier, why, size);
}

void ns_task_revision(struct conn *c)
{
	ns_server_t *s = c->srv;
	assert(c->task == TASK_NONE);
	c->task = TASK_REVISION;
	c->wait_start_ms = ns_now_ms();
	c->wait_deadline_ms = c->wait_start_ms + s->h.min_revision_wait_ms;
	if (s->waiters++ == 0)
		uv_timer_start(&s->wait_timer, on_wait_timer, 10, 10);
	/* A replica asks its primary now; the timer sees what comes. */
	if (s->h.want_revision)
		s->h.want_revision(s->h.ctx, c->req.min_revision);
}

/* A replica takes no writes: they go to its primary; a front's go to
 * the indexer node of the article's shard. */
static void refuse_write(struct conn *c)
{
	char msg[400];
	if (c->srv->h.front) {
		ns_conn_refuse(c, NS_E_READ_ONLY_FRONT,
		               ns_front_refusal(ns_proto_op_name(c->req.op),
		                                msg, sizeof msg));
		return;
	}
	snprintf(msg, sizeof msg, "this daemon is a read-only replica of the "
	         "primary whose replication service is at %s: send %s to the "
	         "primary", c->srv->h.primary, ns_proto_op_name(c->req.op));
	ns_conn_refuse(c, NS_E_READ_ONLY_REPLICA, msg);
}

void ns_task_wait(struct conn *c)
{
	ns_server_t *s = c->srv;
	char why[400] = "";
	uint64_t barrier = 0;
	if (s->h.primary || s->h.front) {
		refuse_write(c);
		return;
	}
	if (!s->h.wait_begin) {
		ns_conn_refuse(c, NS_E_UNAVAILABLE, "waiting is not possible");
		return;
	}
	bool maint = c->req.op != NS_OP_WAIT;
	if (maint && s->h.write_fault &&
	    s->h.write_fault(s->h.ctx, why, sizeof why)) {
		ns_conn_refuse(c, NS_E_INDEX_READ_ONLY, why);
		return;
	}
	ns_status_t st = begin_wait(c, &barrier, why, sizeof why);
	if (st != NS_OK) {
		ns_conn_refuse(c, ns_server_code_of(st), why[0] ? why : ns_status_str(st));
		return;
	}
	assert(c->task == TASK_NONE);
	c->task = TASK_WAIT;
	c->wait_barrier = barrier;
	c->wait_start_ms = ns_now_ms();
	/* Maintenance takes as long as the index is big: no deadline. */
	c->wait_deadline_ms = maint ? ~0ull : c->wait_start_ms + c->req.timeout_ms;
	if (s->waiters++ == 0)
		uv_timer_start(&s->wait_timer, on_wait_timer, 10, 10);
}

