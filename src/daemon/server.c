/* server.c - the listening sockets (Unix, TCP, or passed by systemd),
 * newline framing, the limits on each client, and request dispatch.
 *
 * Runs on the loop thread only and never touches Xapian: a search goes to
 * libuv's thread pool with its connection, and its reply comes back in the
 * after-work callback.  One request per connection is in flight at a time,
 * so replies come back in request order, and no client (however many
 * connections it opens) gets every worker (searchq.h).  A client is never
 * trusted: lines over the limit are answered with an error and dropped as
 * they arrive; a TCP client says the token before anything else, within a
 * deadline, and until then counts against its own limit, never against
 * the clients already in; a client over the connection, unread-reply or
 * idle limit is told why and disconnected, and the daemon never holds
 * more for it, or for all of them, than the limits allow.  What a client
 * can make happen at will is logged at most once a second.
 */
#include "daemon/server.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/access.h"
#include "core/log.h"
#include "daemon/searchq.h"

#define LOG_MOD "server"
#define DEFAULT_MAX_CONNECTIONS 1024
#define DEFAULT_MAX_UNAUTHENTICATED 64
#define DEFAULT_AUTH_TIMEOUT_S 5
#define DEFAULT_MAX_PENDING (4u << 20)
#define DEFAULT_MAX_PENDING_TOTAL (64u << 20)
/* Unanswered input held per connection, in request lines. */
#define MAX_BUFFERED_LINES 4
/* A client cut off for not reading gets this long to read why. */
#define CUT_OFF_GRACE_MS 10000
/* How often idle and cut-off connections are looked for. */
#define SWEEP_MS 250
/* Searches whose latency the percentiles in status are taken from. */
#define LATENCIES 1000
/* Stands in the input buffer where an over-long line was dropped, so that
 * its error is answered in turn. */
#define TOO_LONG_MARK "\x01"


/* A connection's life.  Each move is asserted against next_states[]:
 *
 *   LOGIN ----the token----> OPEN ----EOF, or the daemon stops----> DRAINING
 *   LOGIN ----EOF (the last line may still be the token)----------> DRAINING
 *   DRAINING ----every request it holds answered----> SHUTTING
 *   LOGIN, OPEN, DRAINING ----over a limit----> CUT_OFF
 *   any of those ----an error, a grace or a shutdown over----> CLOSING
 *   CLOSING ----closed while its search runs on the pool----> CLOSED
 *
 * The order counts: the states from CLOSING on have no handle to use. */
enum conn_state {
	CONN_LOGIN,      /* TCP, before the token: its first line is an auth */
	CONN_OPEN,       /* reads requests and answers them */
	CONN_DRAINING,   /* reads nothing more (the client ended its half, or
	                    the daemon stops); answers what it holds */
	CONN_CUT_OFF,    /* over a limit: told why, takes and answers nothing
	                    more; its stream shuts down once that is sent, or it
	                    closes at the end of its grace */
	CONN_SHUTTING,   /* every reply queued: closes once they are sent */
	CONN_CLOSING,    /* uv_close called, its callback to come */
	CONN_CLOSED,     /* closed; the struct waits for its search to come
	                    back from the pool, which frees it */
};

static const unsigned next_states[] = {
	[CONN_LOGIN] = 1u << CONN_OPEN | 1u << CONN_DRAINING |
	               1u << CONN_CUT_OFF | 1u << CONN_CLOSING,
	[CONN_OPEN] = 1u << CONN_DRAINING | 1u << CONN_CUT_OFF |
	              1u << CONN_CLOSING,
	[CONN_DRAINING] = 1u << CONN_SHUTTING | 1u << CONN_CUT_OFF |
	                  1u << CONN_CLOSING,
	[CONN_CUT_OFF] = 1u << CONN_CLOSING,
	[CONN_SHUTTING] = 1u << CONN_CLOSING,
	[CONN_CLOSING] = 1u << CONN_CLOSED,
	[CONN_CLOSED] = 0,
};

/* The request a connection has in hand: one at a time, so that replies
 * come back in request order.  Apart from the state, since it outlives
 * most of them: a search on the pool cannot be recalled, whatever
 * becomes of its connection. */
enum conn_task {
	TASK_NONE,
	TASK_SEARCH,     /* search, similar, get, stats: its turn in the
	                    search queue says whether it waits or runs */
	TASK_WAIT,       /* wait, or maintenance: for the writer's barrier */
};

/* Flags that are not stages of that life, and why:
 *  reading     libuv reads it: paused while MAX_BUFFERED_LINES wait, so
 *              it comes and goes within LOGIN and OPEN;
 *  discarding, too_long   the framing of the bytes received (the rest of
 *              an over-long line is dropped; markers of those wait in
 *              `in`), whatever the connection does with whole lines;
 *  roles       what it may ask; none until it may send requests, which
 *              also says, in every state, which count it is in (authed
 *              or unauthed). */
struct conn {
	union {                     /* first: the handle is the connection */
		uv_pipe_t pipe;
		uv_tcp_t tcp;
	} io;
	ns_server_t *srv;
	struct conn *prev, *next;
	unsigned long id;
	char peer[64];              /* " (127.0.0.1:50412)" for TCP, " (uid
	                               1000)" on the Unix socket */
	enum conn_state state;
	enum conn_task task;
	unsigned roles;             /* NS_ROLE_* it holds (access.h) */
	unsigned long long connected_ms;
	unsigned long long idle_ms; /* since: the last whole request taken or
	                               reply sent (bytes alone never count) */
	unsigned long long partial_ms; /* since: the unfinished line at the
	                               end of `in` began; 0: there is none */
	unsigned long long cut_off_ms;
	size_t held;                /* bytes of replies queued, not yet sent */
	unsigned long long stalled_ms; /* since: replies held, none finished */
	unsigned long long dispatched_us; /* when the request in hand began */
	ns_searchq_item_t turn;     /* its search, waiting for a worker or on it */
	ns_buf_t in;                /* bytes received, not yet answered */
	bool discarding;            /* dropping the rest of an over-long line */
	unsigned too_long;          /* TOO_LONG markers waiting in `in` */
	bool reading;
	uint64_t wait_barrier;
	unsigned long long wait_start_ms, wait_deadline_ms;
	uv_work_t work;             /* the search in flight (TASK_SEARCH) */
	ns_request_t req;
	char *reply;
	uv_shutdown_t shutdown_req;
};

/* A listening socket. */
struct listener {
	union {                     /* first */
		uv_pipe_t pipe;
		uv_tcp_t tcp;
	} io;
	ns_server_t *srv;
	struct listener *next;
	bool tcp;
	char *unlink_path;          /* a socket file we made, removed at close */
	char name[128];             /* the path or address, for logs */
};

struct ns_server {
	uv_loop_t *loop;
	struct listener *listeners;
	ns_server_handlers_t h;
	ns_server_limits_t lim;
	char *token;                /* what TCP clients must say; NULL: none */
	char *admin_token;          /* TCP: gives the admin role; NULL: none */
	struct conn *conns;
	unsigned live;              /* connections not yet freed */
	unsigned authed, unauthed;  /* connections open, by whether they may
	                               send requests */
	size_t held;                /* bytes of replies queued for everyone */
	ns_searchq_t searchq;       /* searches for the thread pool */
	/* Lines about what clients can make happen at will, at most one a
	 * second each: failed logins, refusals, cut-offs, idle closes. */
	ns_log_limit_t auth_log, refused_log, cut_off_log, idle_log;
	unsigned handles;           /* listeners and timers not yet closed */
	unsigned long next_id;
	uv_timer_t wait_timer;      /* checks the waits' deadlines */
	uv_timer_t sweep_timer;     /* closes idle and cut-off connections */
	float latency_ms[LATENCIES]; /* of the last searches, a ring */
	uint64_t searches;          /* answered since start */
	unsigned waiters;
	bool closing;
};

struct write_req {
	uv_write_t req;
	char *data;
	size_t len;
};

static void process_lines(struct conn *c);

/* ---- lifetime ---- */

static void maybe_free_server(ns_server_t *s)
{
	if (s->handles || s->live)
		return;
	if (s->token)
		explicit_bzero(s->token, strlen(s->token));
	free(s->token);
	ns_server_set_admin_token(s, NULL);
	ns_searchq_free(&s->searchq);
	free(s);
}

static uv_stream_t *stream_of(struct conn *c)
{
	return (uv_stream_t *)&c->io;
}

/* May C send requests (Unix, or said the token)?  Which count it is in. */
static bool authed(const struct conn *c)
{
	return c->roles != 0;
}

static void conn_set_state(struct conn *c, enum conn_state to)
{
	assert(next_states[c->state] & (1u << to));
	assert(to != CONN_OPEN || authed(c));
	c->state = to;
}

static void conn_free(struct conn *c)
{
	ns_server_t *s = c->srv;
	assert(c->task == TASK_NONE);
	ns_buf_free(&c->in);
	ns_request_clear(&c->req);
	free(c->reply);
	free(c);
	s->live--;
	maybe_free_server(s);
}

/* C's request in hand is given up (its connection closes, or the daemon
 * stops): a wait stops waiting, a search waiting for a worker leaves the
 * queue.  A search on the pool cannot be recalled: it stays in hand, and
 * its after-work callback sees what became of C.  True when C has
 * nothing in hand now. */
static bool task_drop(struct conn *c)
{
	ns_server_t *s = c->srv;
	if (c->task == TASK_WAIT) {
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

static void on_conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	ns_server_t *s = c->srv;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (authed(c))
		s->authed--;
	else
		s->unauthed--;
	ns_log(NS_LOG_DEBUG, LOG_MOD, "conn %lu: closed", c->id);
	if (task_drop(c))
		conn_free(c);
	else
		conn_set_state(c, CONN_CLOSED); /* search_done frees it */
}

static void conn_close(struct conn *c)
{
	if (c->state >= CONN_CLOSING)
		return; /* closing twice is what libuv forbids */
	conn_set_state(c, CONN_CLOSING);
	uv_close((uv_handle_t *)&c->io, on_conn_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	conn_close(req->data);
}

/* Shut C's stream down once the replies queued are sent, then close. */
static void shut_down(struct conn *c)
{
	c->shutdown_req.data = c;
	if (uv_shutdown(&c->shutdown_req, stream_of(c), on_shutdown) < 0)
		conn_close(c);
}

/* C, DRAINING, has answered every request it held: close once the
 * replies are sent. */
static void conn_finish(struct conn *c)
{
	conn_set_state(c, CONN_SHUTTING);
	shut_down(c);
}

/* ---- output ---- */

static size_t unsent(struct conn *c)
{
	return uv_stream_get_write_queue_size(stream_of(c));
}

/* LEN more bytes of replies held for C, until they are sent. */
static void held_add(struct conn *c, size_t len)
{
	if (!c->held)
		c->stalled_ms = ns_now_ms();
	c->held += len;
	c->srv->held += len;
}

/* LEN bytes of C's replies are sent (or dropped with the connection). */
static void held_release(struct conn *c, size_t len)
{
	c->held -= len;
	c->srv->held -= len;
	c->stalled_ms = ns_now_ms(); /* the client took a whole reply */
}

static void on_written(uv_write_t *req, int status)
{
	struct write_req *wr = (struct write_req *)req;
	struct conn *c = req->handle->data;
	held_release(c, wr->len);
	free(wr->data);
	free(wr);
	if (status < 0) {
		if (status != UV_ECANCELED)
			ns_log(NS_LOG_DEBUG, LOG_MOD, "conn %lu%s: write failed: %s",
			       c->id, c->peer, uv_strerror(status));
		conn_close(c);
		return;
	}
	if (c->state != CONN_CUT_OFF)
		c->idle_ms = ns_now_ms();
}

/* Queue LINE (LEN bytes), which this function frees, whatever the limit. */
static void write_line(struct conn *c, char *line, size_t len)
{
	struct write_req *wr = malloc(sizeof *wr);
	if (!wr || c->state >= CONN_CLOSING) {
		free(wr);
		free(line);
		return;
	}
	wr->data = line;
	wr->len = len;
	uv_buf_t buf = uv_buf_init(line, (unsigned)len);
	if (uv_write(&wr->req, stream_of(c), &buf, 1, on_written) < 0) {
		free(line);
		free(wr);
		conn_close(c);
		return;
	}
	held_add(c, len);
}

static uint64_t revision_of(ns_server_t *s);

static void stop_input(struct conn *c);

/* C is over a limit: say why (a line the client reads before the end of
 * the stream, with ID, borrowed, may be NULL), take nothing more from it,
 * and shut its stream down once that is sent (or the sweep closes it
 * after CUT_OFF_GRACE_MS, or sooner when the replies held for everyone are
 * over their limit).  It is closed at once when nothing can be said. */
static void cut_off(struct conn *c, json_t *id, const char *code,
                    const char *message)
{
	if (c->state == CONN_SHUTTING) {
		conn_close(c); /* its stream is shut: no line can go out */
		return;
	}
	if (c->state > CONN_DRAINING)
		return; /* cut off or closing already */
	conn_set_state(c, CONN_CUT_OFF);
	c->cut_off_ms = ns_now_ms();
	stop_input(c);
	char *line = ns_proto_error_reply(id, revision_of(c->srv), code,
	                                  message);
	if (!line) {
		conn_close(c);
		return;
	}
	write_line(c, line, strlen(line));
	if (c->state == CONN_CUT_OFF) /* the write did not fail */
		shut_down(c);
}

/* Bytes of replies held for connections on their way out: cut off, or
 * closing (libuv drops what they hold as they close). */
static size_t held_leaving(const ns_server_t *s)
{
	size_t n = 0;
	for (const struct conn *c = s->conns; c; c = c->next)
		if (c->state == CONN_CUT_OFF || c->state == CONN_CLOSING)
			n += c->held;
	return n;
}

/* Of the connections holding replies (C: LEN bytes more than it holds),
 * not cut off already, the one whose client has gone longest without
 * taking a whole reply; of equals, the one holding most. */
static struct conn *stalest(ns_server_t *s, struct conn *c, size_t len)
{
	struct conn *best = NULL;
	unsigned long long best_since = 0, now = ns_now_ms();
	size_t best_held = 0;
	for (struct conn *v = s->conns; v; v = v->next) {
		size_t held = v->held + (v == c ? len : 0);
		if (v->state == CONN_CUT_OFF || v->state >= CONN_CLOSING || !held)
			continue;
		unsigned long long since = v->held ? v->stalled_ms : now;
		if (!best || since < best_since ||
		    (since == best_since && held > best_held)) {
			best = v;
			best_since = since;
			best_held = held;
		}
	}
	return best;
}

/* The replies held for all clients stay within max_pending_total: before
 * C queues LEN more bytes, the clients stalled longest are cut off until
 * they fit.  What those hold is then on its way out (the sweep closes them
 * if it is still too much).  False when C is one of them. */
static bool make_room(struct conn *c, size_t len)
{
	ns_server_t *s = c->srv;
	if (s->held + len <= s->lim.max_pending_total)
		return true; /* the usual case: no need to count who is leaving */
	size_t live;
	while ((live = s->held - held_leaving(s) + len) >
	       s->lim.max_pending_total) {
		struct conn *v = stalest(s, c, len);
		if (!v)
			break;
		char msg[256];
		snprintf(msg, sizeof msg, "the daemon holds %zu bytes of replies "
		         "its clients have not read, over its limit of %zu; yours "
		         "(%zu bytes) have waited longest: read the replies to "
		         "your requests", live, s->lim.max_pending_total,
		         v->held + (v == c ? len : 0));
		ns_log_limited(&s->cut_off_log, NS_LOG_NOTICE, LOG_MOD,
		               "conn %lu%s: cut off: %s", v->id, v->peer, msg);
		cut_off(v, NULL, NS_E_SLOW_CLIENT, msg);
		if (v == c)
			return false;
	}
	return true;
}

/* Send LINE (a reply ending in "\n"), which this function frees.  A reply
 * that would take the replies the client has not read over the limit is
 * not sent: the client is cut off instead; one that would take those of
 * all clients over theirs first cuts off the client stalled longest. */
static void send_line(struct conn *c, char *line)
{
	if (!line) {
		ns_log(NS_LOG_ERR, LOG_MOD, "conn %lu%s: out of memory for a reply",
		       c->id, c->peer);
		conn_close(c);
		return;
	}
	if (c->state == CONN_CUT_OFF || c->state >= CONN_CLOSING) {
		free(line);
		return;
	}
	ns_server_t *s = c->srv;
	size_t len = strlen(line), held = unsent(c);
	if (held + len > s->lim.max_pending) {
		free(line);
		char msg[200];
		snprintf(msg, sizeof msg, "%zu bytes of replies not read; the "
		         "limit is %zu: read the replies to your requests",
		         held + len, s->lim.max_pending);
		ns_log_limited(&s->cut_off_log, NS_LOG_NOTICE, LOG_MOD,
		               "conn %lu%s: cut off: %s", c->id, c->peer, msg);
		cut_off(c, NULL, NS_E_SLOW_CLIENT, msg);
		return;
	}
	if (!make_room(c, len)) {
		free(line);
		return;
	}
	write_line(c, line, len);
}

static uint64_t revision_of(ns_server_t *s)
{
	return s->h.revision ? s->h.revision(s->h.ctx) : 0;
}

static void send_error(struct conn *c, json_t *id, const char *code,
                       const char *message)
{
	send_line(c, ns_proto_error_reply(id, revision_of(c->srv), code,
	                                  message));
}

/* Answer the request in hand with error CODE and MESSAGE, and forget it. */
static void refuse(struct conn *c, const char *code, const char *message)
{
	send_error(c, c->req.id, code, message);
	ns_request_clear(&c->req);
}

/* The wire code of a request that failed with ST. */
static const char *code_of(ns_status_t st)
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

/* ---- figures for status ---- */

static unsigned long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ull +
	       (unsigned long long)ts.tv_nsec / 1000;
}

/* A search (or similar) is answered: how long since its line was taken,
 * the thread pool's queue included. */
static void note_latency(struct conn *c)
{
	if (c->req.op != NS_OP_SEARCH && c->req.op != NS_OP_SIMILAR)
		return;
	ns_server_t *s = c->srv;
	s->latency_ms[s->searches % LATENCIES] =
		(float)(now_us() - c->dispatched_us) / 1000.0f;
	s->searches++;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* The 50th, 95th and 99th percentiles of the last LATENCIES searches. */
static void latency_percentiles(const ns_server_t *s, double out[3])
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

/* status: the daemon's figures (the handler's) and the server's own. */
static void send_status(struct conn *c)
{
	ns_server_t *s = c->srv;
	ns_daemon_status_t st = {0};
	s->h.status(s->h.ctx, &st);
	st.connections = ns_server_connections(s);
	st.searches = s->searches;
	double p[3];
	latency_percentiles(s, p);
	st.latency_p50_ms = p[0];
	st.latency_p95_ms = p[1];
	st.latency_p99_ms = p[2];
	send_line(c, ns_proto_status_reply(c->req.id, &st));
	ns_problems_list_free(st.problems, st.nproblems);
	ns_request_clear(&c->req);
}

/* ---- searches on the thread pool ---- */

/* The reply to a failed query-side request. */
static char *query_error(struct conn *c, ns_status_t st, const char *err)
{
	const ns_request_t *r = &c->req;
	const char *code = code_of(st), *msg = err;
	if (st == NS_ERR_NOT_FOUND)
		msg = "no article at this path in the index";
	else if (strcmp(code, NS_E_INTERNAL) == 0)
		msg = ns_status_str(st); /* the details are for the log */
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
	return ns_proto_error_reply(r->id, revision_of(c->srv), code,
	                            msg ? msg : ns_status_str(st));
}

/* search, similar, get and stats: on the thread pool, never the loop. */
static void search_work(uv_work_t *w)
{
	struct conn *c = w->data;
	const ns_request_t *r = &c->req;
	ns_searcher_t *searcher = c->srv->h.searcher;
	ns_result_t *res = NULL;
	ns_hit_t article = {0};
	ns_stats_t stats = {0};
	uint64_t revision = 0;
	char *err = NULL;
	ns_status_t st;
	switch (r->op) {
	case NS_OP_GET:
		st = ns_searcher_get(searcher, r->path, &article, &revision, &err);
		if (st == NS_OK)
			c->reply = ns_proto_get_reply(r->id, revision, &article,
			                              r->fields);
		break;
	case NS_OP_STATS:
		st = ns_searcher_stats(searcher, &stats, &err);
		if (st == NS_OK)
			c->reply = ns_proto_stats_reply(r->id, &stats);
		break;
	default: {
		ns_search_req_t sreq = {
			.q = r->q, .offset = r->offset, .limit = r->limit,
			.snippet_length = r->snippet_length,
			.hl_start = r->hl_start, .hl_end = r->hl_end,
			.lang = r->lang, .filter = &r->filter, .sort = r->sort,
			.match = r->match, .collapse = r->collapse,
			.facets = r->facets, .facet_limit = r->facet_limit,
			.plain = r->plain, .recency_days = r->recency_days,
			.like = r->op == NS_OP_SIMILAR ? r->path : NULL,
			.body = (r->fields & NS_FIELD_BODY) != 0,
		};
		st = ns_searcher_search(searcher, &sreq, &res, &err);
		if (st == NS_OK)
			c->reply = ns_proto_search_reply(r->id, res, r->fields);
		break;
	}
	}
	if (st == NS_OK && !c->reply)
		c->reply = ns_proto_error_reply(r->id, revision_of(c->srv),
		                                NS_E_INTERNAL,
		                                "out of memory for the reply");
	else if (st != NS_OK)
		c->reply = query_error(c, st, err);
	free(err);
	ns_result_free(res);
	ns_hit_clear(&article);
	ns_stats_clear(&stats);
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
			refuse(c, NS_E_INTERNAL, "cannot queue the search");
		}
	}
}

/* C's search (search, similar, get, stats) waits its turn for a worker. */
static void queue_search(struct conn *c)
{
	assert(c->task == TASK_NONE);
	c->task = TASK_SEARCH;
	c->turn.heavy = ns_request_is_heavy(&c->req);
	ns_searchq_push(&c->srv->searchq, &c->turn);
	start_searches(c->srv);
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
	c->task = TASK_NONE;
	if (status == UV_ECANCELED) {
		free(reply);
		reply = ns_proto_error_reply(c->req.id, revision_of(c->srv),
		                             NS_E_UNAVAILABLE,
		                             "the daemon is stopping");
	}
	if (c->state == CONN_CLOSED) {
		free(reply);
		conn_free(c);
		return;
	}
	if (c->state < CONN_CLOSING)
		send_line(c, reply);
	else
		free(reply);
	ns_request_clear(&c->req);
	process_lines(c);
}

/* ---- waits: answered when the writer passes their barrier ---- */

/* The reply to C's maintenance operation, its barrier passed: how it
 * went, as the writer says. */
static char *maint_reply(struct conn *c)
{
	ns_server_t *s = c->srv;
	ns_maint_t last = {0};
	s->h.op_last(s->h.ctx, &last);
	uint64_t rev = revision_of(s);
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
	c->task = TASK_NONE;
	s->waiters--;
	if (code) {
		send_error(c, c->req.id, code, msg);
	} else if (c->req.op != NS_OP_WAIT) {
		send_line(c, maint_reply(c));
	} else {
		char reason[512] = "";
		const char *state = NULL;
		if (c->req.path && s->h.path_state)
			state = s->h.path_state(s->h.ctx, c->req.path, reason,
			                        sizeof reason);
		send_line(c, ns_proto_wait_reply(
			c->req.id, revision_of(s), c->req.path, state,
			reason[0] ? reason : NULL,
			(double)(ns_now_ms() - c->wait_start_ms)));
	}
	ns_request_clear(&c->req);
	if (!s->waiters)
		uv_timer_stop(&s->wait_timer);
	process_lines(c);
}

static void check_waits(ns_server_t *s, bool timers_too)
{
	if (!s->waiters)
		return;
	unsigned long long now = ns_now_ms();
	for (struct conn *c = s->conns, *next; c; c = next) {
		next = c->next; /* finish_wait may close C, never free it here */
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

static void start_wait(struct conn *c)
{
	ns_server_t *s = c->srv;
	char why[400] = "";
	uint64_t barrier = 0;
	if (!s->h.wait_begin) {
		refuse(c, NS_E_UNAVAILABLE, "waiting is not possible");
		return;
	}
	bool maint = c->req.op != NS_OP_WAIT;
	if (maint && s->h.write_fault &&
	    s->h.write_fault(s->h.ctx, why, sizeof why)) {
		refuse(c, NS_E_INDEX_READ_ONLY, why);
		return;
	}
	ns_status_t st = begin_wait(c, &barrier, why, sizeof why);
	if (st != NS_OK) {
		refuse(c, code_of(st), why[0] ? why : ns_status_str(st));
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

/* ---- input ---- */

static void too_long(struct conn *c)
{
	char msg[96];
	snprintf(msg, sizeof msg, "request line longer than %zu bytes; discarded",
	         c->srv->lim.max_request);
	send_error(c, NULL, NS_E_LINE_TOO_LONG, msg);
}

/* C asked for what its roles do not allow: say so; it may go on. */
static void forbid(struct conn *c)
{
	char msg[300];
	snprintf(msg, sizeof msg, "%s needs the %s role: on the Unix socket, "
	         "root or the daemon's user (uid %u); over TCP, the admin token "
	         "([tcp] admin_token_file)", ns_proto_op_name(c->req.op),
	         ns_role_name(ns_access_needed(c->req.op)), (unsigned)geteuid());
	ns_log(NS_LOG_NOTICE, LOG_MOD, "conn %lu%s: refused %s: not an admin",
	       c->id, c->peer, ns_proto_op_name(c->req.op));
	refuse(c, NS_E_FORBIDDEN, msg);
}

/* LINE's length without the blanks (and CR) at its end. */
static size_t trimmed(const char *line, size_t len)
{
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
	               line[len - 1] == '\t'))
		len--;
	return len;
}

/* Blank lines are keep-alives, not requests: answered by nothing, and
 * no reason to keep a connection open (see on_sweep). */
static bool blank(struct conn *c, const char *line, size_t len)
{
	if (len > c->srv->lim.max_request)
		return false; /* answered LINE_TOO_LONG, whatever it holds */
	len = trimmed(line, len);
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return false;
	return true;
}

static void handle_line(struct conn *c, const char *line, size_t len)
{
	if (c->too_long && len == 1 && line[0] == TOO_LONG_MARK[0]) {
		c->too_long--;
		too_long(c);
		return;
	}
	if (len > c->srv->lim.max_request) { /* it arrived whole, in one or two reads */
		ns_log_limited(&c->srv->cut_off_log, NS_LOG_NOTICE, LOG_MOD,
		               "conn %lu%s: request line over %zu bytes, discarded",
		               c->id, c->peer, c->srv->lim.max_request);
		too_long(c);
		return;
	}
	len = trimmed(line, len);
	ns_proto_err_t err;
	if (!ns_proto_decode(line, len, &c->req, &err)) {
		refuse(c, err.code, err.message);
		return;
	}
	if (!(c->roles & ns_access_needed(c->req.op))) {
		forbid(c);
		return;
	}
	switch (c->req.op) {
	case NS_OP_STATUS:
		send_status(c);
		break;
	case NS_OP_REINDEX:
	case NS_OP_COMPACT:
	case NS_OP_BACKUP:
		start_wait(c);
		break;
	case NS_OP_PROBLEMS: {
		ns_problem_t *v = NULL;
		size_t n = 0;
		uint64_t skipped = 0, partial = 0;
		char *reply = NULL;
		if (c->srv->h.problems) {
			ns_problems_counts(c->srv->h.problems, &skipped, &partial);
			if (ns_problems_list(c->srv->h.problems, c->req.offset,
			                     c->req.limit, &v, &n) == NS_OK)
				reply = ns_proto_problems_reply(c->req.id,
				                                revision_of(c->srv), v, n,
				                                skipped + partial);
		} else {
			reply = ns_proto_problems_reply(c->req.id, revision_of(c->srv),
			                                NULL, 0, 0);
		}
		ns_problems_list_free(v, n);
		if (reply)
			send_line(c, reply);
		else
			send_error(c, c->req.id, NS_E_INTERNAL, "out of memory");
		ns_request_clear(&c->req);
		break;
	}
	case NS_OP_WAIT:
		start_wait(c);
		break;
	case NS_OP_SEARCH:
	case NS_OP_SIMILAR:
	case NS_OP_GET:
	case NS_OP_STATS:
		queue_search(c);
		break;
	}
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	buf->base = malloc(64 * 1024);
	buf->len = buf->base ? 64 * 1024 : 0;
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static void update_reading(struct conn *c)
{
	bool want = (c->state == CONN_LOGIN || c->state == CONN_OPEN) &&
	            c->in.len < MAX_BUFFERED_LINES * c->srv->lim.max_request;
	if (want && !c->reading) {
		if (uv_read_start(stream_of(c), on_alloc, on_read) == 0)
			c->reading = true;
		/* The line could not go on arriving while nothing was read. */
		if (c->partial_ms)
			c->partial_ms = ns_now_ms();
	} else if (!want && c->reading) {
		uv_read_stop(stream_of(c));
		c->reading = false;
	}
}

/* Is the token GIVEN (LEN bytes) the server's?  Takes the same time
 * whatever GIVEN is, so that timing tells nothing about the token. */
static bool token_matches(const char *want, const char *given, size_t len)
{
	size_t want_len = strlen(want);
	volatile unsigned char diff = len != want_len;
	for (size_t i = 0; i < want_len; i++)
		diff |= (unsigned char)want[i] ^
		        (unsigned char)(i < len ? given[i] : 0);
	return diff == 0;
}

/* Is C (just accepted, or just authenticated) over the number of
 * connections allowed?  Unix clients, and TCP ones once they have said
 * the token, count against max_connections; TCP ones yet to say it
 * against max_unauthenticated, so that they never keep the others out.
 * If so, it is told (ID, borrowed, may be NULL) and cut off. */
static bool refused(struct conn *c, json_t *id)
{
	ns_server_t *s = c->srv;
	char msg[160];
	if (authed(c) && s->authed > s->lim.max_connections)
		snprintf(msg, sizeof msg, "%u connections are open, the limit; "
		         "try again later", s->lim.max_connections);
	else if (!authed(c) && s->unauthed > s->lim.max_unauthenticated)
		snprintf(msg, sizeof msg, "%u connections are waiting to "
		         "authenticate, the limit; try again later",
		         s->lim.max_unauthenticated);
	else
		return false;
	ns_log_limited(&s->refused_log, NS_LOG_WARNING, LOG_MOD,
	               "conn %lu%s: refused: %s", c->id, c->peer, msg);
	cut_off(c, id, NS_E_TOO_MANY_CONNECTIONS, msg);
	return true;
}

/* The first request on a TCP connection: {"op":"auth","token":"..."}.
 * Anything else, or a wrong token, and the client is told and cut off. */
static void authenticate(struct conn *c, const char *line, size_t len)
{
	ns_server_t *s = c->srv;
	len = trimmed(line, len);
	json_t *id = NULL;
	char *token = NULL;
	ns_proto_err_t err = {0};
	const char *why = NULL;
	if (c->too_long && len == 1 && line[0] == TOO_LONG_MARK[0])
		why = "the first request must be {\"op\":\"auth\",\"token\":...}";
	else if (!ns_proto_decode_auth(line, len, &id, &token, &err))
		why = err.message;
	bool admin = !why && s->admin_token &&
	             token_matches(s->admin_token, token, strlen(token));
	if (!why && !admin &&
	    (!s->token || !token_matches(s->token, token, strlen(token))))
		why = "wrong token";
	if (token) {
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if (why) {
		ns_log_limited(&s->auth_log, NS_LOG_WARNING, LOG_MOD,
		               "conn %lu%s: refused: %s", c->id, c->peer, why);
		cut_off(c, id, NS_E_UNAUTHORIZED, why);
	} else {
		c->roles = NS_ROLE_SEARCH | (admin ? NS_ROLE_ADMIN : 0u);
		s->unauthed--;
		s->authed++;
		if (c->state == CONN_LOGIN) /* else DRAINING: the client's last line */
			conn_set_state(c, CONN_OPEN);
		if (!refused(c, id)) {
			ns_log(NS_LOG_DEBUG, LOG_MOD, "conn %lu%s: authenticated%s",
			       c->id, c->peer, admin ? " (admin)" : "");
			send_line(c, ns_proto_auth_reply(id, revision_of(s)));
		}
	}
	json_decref(id);
}

static void process_lines(struct conn *c)
{
	while (c->task == TASK_NONE && c->state <= CONN_DRAINING) {
		char *nl = c->in.len ? memchr(c->in.data, '\n', c->in.len) : NULL;
		size_t len;
		if (nl)
			len = (size_t)(nl - c->in.data);
		else if (c->state == CONN_DRAINING && c->in.len)
			len = c->in.len; /* the last request may lack its newline */
		else
			break;
		if (!nl)
			c->partial_ms = 0;
		if (!blank(c, c->in.data, len)) {
			c->dispatched_us = now_us();
			c->idle_ms = ns_now_ms(); /* a whole request */
			if (authed(c))
				handle_line(c, c->in.data, len);
			else
				authenticate(c, c->in.data, len);
		}
		ns_buf_consume(&c->in, nl ? len + 1 : len);
	}
	if (c->state > CONN_DRAINING)
		return; /* a cut-off one shuts down by itself */
	update_reading(c);
	if (c->state == CONN_DRAINING && c->task == TASK_NONE && !c->in.len)
		conn_finish(c);
}

/* Take N bytes from the socket into the line buffer. */
static void feed(struct conn *c, const char *data, size_t n)
{
	if (c->discarding) {
		const char *nl = memchr(data, '\n', n);
		if (!nl)
			return;
		c->discarding = false;
		n -= (size_t)(nl + 1 - data);
		data = nl + 1;
	}
	if (ns_buf_append(&c->in, data, n) != NS_OK) {
		conn_close(c);
		return;
	}
	/* The unfinished line at the end must stay within the limit. */
	const char *last_nl = memrchr(c->in.data, '\n', c->in.len);
	size_t done = last_nl ? (size_t)(last_nl + 1 - c->in.data) : 0;
	if (c->in.len - done > c->srv->lim.max_request) {
		ns_log_limited(&c->srv->cut_off_log, NS_LOG_NOTICE, LOG_MOD,
		               "conn %lu%s: request line over %zu bytes, discarded",
		               c->id, c->peer, c->srv->lim.max_request);
		c->in.len = done;
		c->in.data[done] = '\0';
		c->discarding = true;
		if (ns_buf_append(&c->in, TOO_LONG_MARK "\n", 2) != NS_OK) {
			conn_close(c);
			return;
		}
		c->too_long++;
		done = c->in.len;
	}
	/* How long the line in progress takes to arrive is what counts, not
	 * whether bytes of it trickle in. */
	if (c->in.len == done)
		c->partial_ms = 0;
	else if (!c->partial_ms)
		c->partial_ms = ns_now_ms();
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = stream->data;
	if (nread > 0)
		feed(c, buf->base, (size_t)nread);
	free(buf->base);
	if (nread == UV_EOF) {
		c->discarding = false;
		if (c->state <= CONN_OPEN)
			conn_set_state(c, CONN_DRAINING);
	} else if (nread < 0) {
		if (nread != UV_ECONNRESET)
			ns_log(NS_LOG_DEBUG, LOG_MOD, "conn %lu%s: read failed: %s",
			       c->id, c->peer, uv_strerror((int)nread));
		conn_close(c);
		return;
	}
	if (c->state < CONN_CLOSING)
		process_lines(c);
}

/* Tags of the client identities the search queue tells apart. */
#define CLIENT_CONN (0ull << 62)    /* this connection alone */
#define CLIENT_UID  (1ull << 62)    /* a user, on the Unix socket */
#define CLIENT_IPV4 (2ull << 62)
#define CLIENT_IPV6 (3ull << 62)    /* a hash of the address */

/* The user at the other end of a Unix connection. */
static uint64_t unix_client(struct conn *c)
{
	uv_os_fd_t fd;
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (uv_fileno((uv_handle_t *)&c->io, &fd) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		return CLIENT_UID | cred.uid;
	return CLIENT_CONN | c->id;
}

/* The address at the other end of a TCP connection (the client, as the
 * search queue sees it), and " (ADDRESS:PORT)" into C->peer for logs. */
static uint64_t tcp_client(struct conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	char host[INET6_ADDRSTRLEN] = "?";
	if (uv_tcp_getpeername(&c->io.tcp, (struct sockaddr *)&ss, &len) < 0)
		return CLIENT_CONN | c->id;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		uv_ip4_name(in, host, sizeof host);
		snprintf(c->peer, sizeof c->peer, " (%s:%u)", host,
		         ntohs(in->sin_port));
		return CLIENT_IPV4 | ntohl(in->sin_addr.s_addr);
	}
	if (ss.ss_family != AF_INET6)
		return CLIENT_CONN | c->id;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	uv_ip6_name(in6, host, sizeof host);
	snprintf(c->peer, sizeof c->peer, " ([%s]:%u)", host,
	         ntohs(in6->sin6_port));
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < sizeof in6->sin6_addr.s6_addr; i++)
		h = (h ^ in6->sin6_addr.s6_addr[i]) * 1099511628211ull;
	return CLIENT_IPV6 | (h >> 2);
}

/* A new connection C, in the list and counted, before it is accepted. */
static struct conn *conn_new(ns_server_t *s, bool tcp)
{
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->srv = s;
	c->id = ++s->next_id;
	/* On the Unix socket, permissions decide who connects at all. */
	c->state = tcp ? CONN_LOGIN : CONN_OPEN;
	c->roles = tcp ? 0 : NS_ROLE_SEARCH;
	c->connected_ms = c->idle_ms = ns_now_ms();
	if (tcp) {
		uv_tcp_init(s->loop, &c->io.tcp);
		c->io.tcp.data = c;
		s->unauthed++;
	} else {
		uv_pipe_init(s->loop, &c->io.pipe, 0);
		c->io.pipe.data = c;
		s->authed++;
	}
	s->live++;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	return c;
}

static void on_connection(uv_stream_t *server, int status)
{
	struct listener *l = server->data;
	ns_server_t *s = l->srv;
	if (status < 0) {
		ns_log(NS_LOG_WARNING, LOG_MOD, "%s: accept failed: %s", l->name,
		       uv_strerror(status));
		return;
	}
	struct conn *c = conn_new(s, l->tcp);
	if (!c) {
		ns_log(NS_LOG_ERR, LOG_MOD, "out of memory for a connection");
		return;
	}
	if (uv_accept(server, stream_of(c)) < 0) {
		conn_close(c);
		return;
	}
	if (l->tcp) {
		c->turn.client = tcp_client(c);
		uv_tcp_nodelay(&c->io.tcp, 1); /* replies are whole lines */
	} else {
		uv_os_fd_t fd;
		uid_t uid = (uid_t)-1;
		c->roles = NS_ROLE_SEARCH; /* whoever the socket let in */
		if (uv_fileno((uv_handle_t *)&c->io.pipe, &fd) == 0)
			c->roles = ns_access_unix(fd, &uid);
		if (uid != (uid_t)-1)
			snprintf(c->peer, sizeof c->peer, " (uid %u)", (unsigned)uid);
		c->turn.client = unix_client(c);
	}
	if (refused(c, NULL))
		return; /* cut off: closes once told why */
	ns_log(NS_LOG_DEBUG, LOG_MOD, "conn %lu%s: connected on %s", c->id,
	       c->peer, l->name);
	update_reading(c);
}

/* ---- deadlines, and connections cut off ---- */

/* Is C past a deadline: the token (TCP), a request line in progress, a
 * whole request?  Then CODE and MSG (SIZE bytes) say which. */
static bool past_deadline(struct conn *c, unsigned long long now,
                          const char **code, char *msg, size_t size)
{
	const ns_server_limits_t *lim = &c->srv->lim;
	unsigned long long idle = lim->idle_timeout_s * 1000ull;
	if (!authed(c) && now - c->connected_ms >= lim->auth_timeout_s * 1000ull) {
		*code = NS_E_AUTH_TIMEOUT;
		snprintf(msg, size, "no token within %u s; closing",
		         lim->auth_timeout_s);
	} else if (idle && c->partial_ms && now - c->partial_ms >= idle) {
		*code = NS_E_REQUEST_TIMEOUT;
		snprintf(msg, size, "a request line begun %llu s ago is still "
		         "not complete; the limit is %u s; closing",
		         (now - c->partial_ms) / 1000, lim->idle_timeout_s);
	} else if (idle && !c->partial_ms && now - c->idle_ms >= idle) {
		*code = NS_E_IDLE_TIMEOUT;
		snprintf(msg, size, "no request for %u s; closing",
		         lim->idle_timeout_s);
	} else {
		return false;
	}
	return true;
}

/* The replies held for everyone are over the limit even without those of
 * clients cut off for not reading: close these now, most held first,
 * rather than at the end of their grace. */
static void close_cut_off(ns_server_t *s)
{
	size_t left = s->held;
	while (left > s->lim.max_pending_total) {
		struct conn *most = NULL;
		for (struct conn *c = s->conns; c; c = c->next)
			if (c->state == CONN_CUT_OFF && c->held &&
			    (!most || c->held > most->held))
				most = c;
		if (!most)
			return;
		left -= most->held;
		conn_close(most); /* its replies are dropped as it closes */
	}
}

static void on_sweep(uv_timer_t *t)
{
	ns_server_t *s = t->data;
	unsigned long long now = ns_now_ms();
	for (struct conn *c = s->conns, *next; c; c = next) {
		next = c->next; /* closing never frees C here */
		if (c->state == CONN_CUT_OFF) {
			/* Told why long ago and still not reading it. */
			if (now - c->cut_off_ms >= CUT_OFF_GRACE_MS)
				conn_close(c);
			continue;
		}
		const char *code;
		char msg[160];
		if (c->state > CONN_DRAINING || c->task != TASK_NONE ||
		    !past_deadline(c, now, &code, msg, sizeof msg))
			continue;
		bool login = !authed(c); /* the deadline was the token's */
		ns_log_limited(login ? &s->auth_log : &s->idle_log,
		               login ? NS_LOG_WARNING : NS_LOG_INFO, LOG_MOD,
		               "conn %lu%s: %s: %s", c->id, c->peer,
		               login ? "refused" : "idle", msg);
		cut_off(c, NULL, code, msg);
	}
	if (s->held > s->lim.max_pending_total)
		close_cut_off(s);
	ns_log_limit_flush(&s->auth_log, now, NS_LOG_WARNING, LOG_MOD,
	                   "failed logins");
	ns_log_limit_flush(&s->refused_log, now, NS_LOG_WARNING, LOG_MOD,
	                   "connections refused");
	ns_log_limit_flush(&s->cut_off_log, now, NS_LOG_NOTICE, LOG_MOD,
	                   "clients over a limit");
	ns_log_limit_flush(&s->idle_log, now, NS_LOG_INFO, LOG_MOD,
	                   "idle connections closed");
}

/* ---- the listeners ---- */

static void on_handle_closed(uv_handle_t *h)
{
	ns_server_t *s = h->data;
	s->handles--;
	maybe_free_server(s);
}

static void on_listener_closed(uv_handle_t *h)
{
	struct listener *l = h->data;
	ns_server_t *s = l->srv;
	free(l);
	s->handles--;
	maybe_free_server(s);
}

static struct listener *listener_new(ns_server_t *s, bool tcp,
                                     const char *name)
{
	struct listener *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->srv = s;
	l->tcp = tcp;
	snprintf(l->name, sizeof l->name, "%s", name);
	if (tcp) {
		uv_tcp_init(s->loop, &l->io.tcp);
		l->io.tcp.data = l;
	} else {
		uv_pipe_init(s->loop, &l->io.pipe, 0);
		l->io.pipe.data = l;
	}
	l->next = s->listeners;
	s->listeners = l;
	s->handles++;
	return l;
}

/* Stop listening on L and forget it.  A socket file bound by the pipe is
 * removed by libuv as it closes, before the descriptor (so that another
 * daemon's new socket is never the one removed). */
static void listener_close(struct listener *l)
{
	ns_server_t *s = l->srv;
	for (struct listener **p = &s->listeners; *p; p = &(*p)->next)
		if (*p == l) {
			*p = l->next;
			break;
		}
	uv_close((uv_handle_t *)&l->io, on_listener_closed);
}

/* "WHAT: WHY" as a new string. */
static char *path_error(const char *what, const char *why)
{
	size_t n = strlen(what) + strlen(why) + 3;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s: %s", what, why);
	return p;
}

/* Remove a socket file nobody listens on; refuse anything else. */
static ns_status_t clear_stale(const char *path, char **errmsg)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return NS_OK;
	if (!S_ISSOCK(st.st_mode)) {
		*errmsg = path_error(path, "exists and is not a socket");
		return NS_ERR_INVALID;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
		close(fd);
		*errmsg = path_error(path,
		               "another daemon is already listening there");
		return NS_ERR_INVALID;
	}
	int err = errno;
	if (fd >= 0)
		close(fd);
	if (fd < 0 || err != ECONNREFUSED) {
		/* EAGAIN: a live daemon with a full backlog; anything else: we
		 * cannot tell.  Never remove what may be in use. */
		*errmsg = path_error(path, "in use or unusable; remove it if no "
		                           "nsearchd runs");
		return NS_ERR_INVALID;
	}
	unlink(path);
	return NS_OK;
}

/* How many threads libuv's pool has: it reads UV_THREADPOOL_SIZE as
 * this does, once, when the first search is queued. */
static unsigned pool_threads(void)
{
	const char *env = getenv("UV_THREADPOOL_SIZE");
	long n = env ? strtol(env, NULL, 10) : 4;
	return n < 1 ? 1 : n > 1024 ? 1024 : (unsigned)n;
}

ns_status_t ns_server_new(uv_loop_t *loop, const ns_server_handlers_t *h,
                          const ns_server_limits_t *lim, ns_server_t **out)
{
	if (!loop || !h || !out)
		return NS_ERR_INVALID;
	ns_server_t *s = calloc(1, sizeof *s);
	if (!s)
		return NS_ERR_NOMEM;
	if (!ns_searchq_init(&s->searchq, pool_threads())) {
		free(s);
		return NS_ERR_NOMEM;
	}
	s->loop = loop;
	s->h = *h;
	uv_timer_init(loop, &s->wait_timer);
	s->wait_timer.data = s;
	uv_timer_init(loop, &s->sweep_timer);
	s->sweep_timer.data = s;
	s->handles = 2;
	ns_server_set_limits(s, lim);
	*out = s;
	return NS_OK;
}

void ns_server_set_limits(ns_server_t *s, const ns_server_limits_t *lim)
{
	if (!s || s->closing)
		return;
	ns_server_limits_t l = lim ? *lim : (ns_server_limits_t){0};
	if (!l.max_connections)
		l.max_connections = DEFAULT_MAX_CONNECTIONS;
	if (!l.max_unauthenticated)
		l.max_unauthenticated = DEFAULT_MAX_UNAUTHENTICATED;
	if (!l.auth_timeout_s)
		l.auth_timeout_s = DEFAULT_AUTH_TIMEOUT_S;
	if (!l.max_request)
		l.max_request = NS_PROTO_MAX_LINE;
	if (!l.max_pending)
		l.max_pending = DEFAULT_MAX_PENDING;
	if (!l.max_pending_total)
		l.max_pending_total = DEFAULT_MAX_PENDING_TOTAL;
	s->lim = l;
	/* Often enough that a connection is closed within a quarter of its
	 * deadline, and a cut-off one soon after its grace. */
	unsigned shortest = l.auth_timeout_s;
	if (l.idle_timeout_s && l.idle_timeout_s < shortest)
		shortest = l.idle_timeout_s;
	uint64_t every = shortest < 4 ? SWEEP_MS : 1000;
	uv_timer_start(&s->sweep_timer, on_sweep, every, every);
}

ns_status_t ns_server_set_token(ns_server_t *s, const char *token)
{
	char *copy = token ? strdup(token) : NULL;
	if (token && !copy)
		return NS_ERR_NOMEM;
	if (s->token)
		explicit_bzero(s->token, strlen(s->token));
	free(s->token);
	s->token = copy;
	return NS_OK;
}

ns_status_t ns_server_set_admin_token(ns_server_t *s, const char *token)
{
	char *copy = token ? strdup(token) : NULL;
	if (token && !copy)
		return NS_ERR_NOMEM;
	if (s->admin_token)
		explicit_bzero(s->admin_token, strlen(s->admin_token));
	free(s->admin_token);
	s->admin_token = copy;
	return NS_OK;
}

ns_status_t ns_server_listen_unix(ns_server_t *s, const char *path,
                                  unsigned mode, const char *group,
                                  char **errmsg)
{
	*errmsg = NULL;
	struct sockaddr_un sa;
	if (strlen(path) >= sizeof sa.sun_path) {
		*errmsg = path_error(path, "socket path too long");
		return NS_ERR_INVALID;
	}
	gid_t gid = (gid_t)-1;
	if (group) {
		struct group *gr = getgrnam(group);
		if (!gr) {
			*errmsg = path_error(path, "no such group for the socket");
			return NS_ERR_INVALID;
		}
		gid = gr->gr_gid;
	}
	ns_status_t st = clear_stale(path, errmsg);
	if (st != NS_OK)
		return st;
	/* Create the socket's directory if it is missing (/run/nsearch). */
	char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == 0)
			chmod(dir, 0755); /* clients pass it, whatever the umask */
		else if (errno != EEXIST)
			ns_log(NS_LOG_WARNING, LOG_MOD, "%s: cannot create: %s", dir,
			       strerror(errno));
	}
	free(dir);

	struct listener *l = listener_new(s, false, path);
	if (!l)
		return NS_ERR_NOMEM;
	/* Mode and group are set between bind and listen: no client can
	 * connect before they are right. */
	int rc = uv_pipe_bind(&l->io.pipe, path);
	const char *why = NULL;
	if (rc == 0 && chmod(path, mode) < 0)
		why = "cannot set its mode";
	else if (rc == 0 && group && chown(path, (uid_t)-1, gid) < 0)
		why = "cannot give it to its group";
	if (why) {
		char buf[200];
		snprintf(buf, sizeof buf, "%s: %s", why, strerror(errno));
		*errmsg = path_error(path, buf);
		listener_close(l);
		return NS_ERR_IO;
	}
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&l->io, 128, on_connection);
	if (rc < 0) {
		*errmsg = path_error(path, uv_strerror(rc));
		listener_close(l);
		return NS_ERR_IO;
	}
	return NS_OK;
}

ns_status_t ns_server_listen_tcp(ns_server_t *s, const char *addr,
                                 char **errmsg)
{
	*errmsg = NULL;
	struct sockaddr_storage ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(addr, ':');
	size_t hl = colon ? (size_t)(colon - addr) : 0;
	int rc = UV_EINVAL;
	if (colon && hl < sizeof host) {
		int port = atoi(colon + 1);
		if (addr[0] == '[' && hl >= 2 && addr[hl - 1] == ']') {
			memcpy(host, addr + 1, hl - 2);
			host[hl - 2] = '\0';
			rc = uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss);
		} else {
			memcpy(host, addr, hl);
			host[hl] = '\0';
			rc = uv_ip4_addr(host, port, (struct sockaddr_in *)&ss);
		}
	}
	if (rc < 0) {
		*errmsg = path_error(addr, "not ADDRESS:PORT");
		return NS_ERR_INVALID;
	}
	struct listener *l = listener_new(s, true, addr);
	if (!l)
		return NS_ERR_NOMEM;
	rc = uv_tcp_bind(&l->io.tcp, (struct sockaddr *)&ss, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&l->io, 128, on_connection);
	if (rc < 0) {
		*errmsg = path_error(addr, uv_strerror(rc));
		listener_close(l);
		return NS_ERR_IO;
	}
	return NS_OK;
}

ns_status_t ns_server_adopt(ns_server_t *s, int fd, char *name, size_t size,
                            char **errmsg)
{
	*errmsg = NULL;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	int type = 0, listening = 0;
	socklen_t ilen = sizeof type;
	char desc[128];
	snprintf(desc, sizeof desc, "descriptor %d", fd);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ilen) < 0) {
		*errmsg = path_error(desc, strerror(errno));
		return NS_ERR_INVALID;
	}
	ilen = sizeof listening;
	if (type != SOCK_STREAM ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ilen) < 0 ||
	    !listening) {
		*errmsg = path_error(desc, "not a listening stream socket");
		return NS_ERR_INVALID;
	}
	bool tcp = ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
	char host[INET6_ADDRSTRLEN] = "?";
	if (ss.ss_family == AF_UNIX) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;
		snprintf(desc, sizeof desc, "%s", len > offsetof(struct sockaddr_un,
		         sun_path) && un->sun_path[0] ? un->sun_path : "(unnamed)");
	} else if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		uv_ip4_name(in, host, sizeof host);
		snprintf(desc, sizeof desc, "%s:%u", host, ntohs(in->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		uv_ip6_name(in6, host, sizeof host);
		snprintf(desc, sizeof desc, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		*errmsg = path_error(desc, "neither a Unix nor a TCP socket");
		return NS_ERR_INVALID;
	}
	struct listener *l = listener_new(s, tcp, desc);
	if (!l)
		return NS_ERR_NOMEM;
	int rc = tcp ? uv_tcp_open(&l->io.tcp, fd) : uv_pipe_open(&l->io.pipe, fd);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&l->io, 128, on_connection);
	if (rc < 0) {
		*errmsg = path_error(desc, uv_strerror(rc));
		listener_close(l);
		return NS_ERR_IO;
	}
	if (name)
		snprintf(name, size, "%s", desc);
	return NS_OK;
}

bool ns_server_has_tcp(const ns_server_t *s)
{
	for (const struct listener *l = s ? s->listeners : NULL; l; l = l->next)
		if (l->tcp)
			return true;
	return false;
}

unsigned ns_server_connections(const ns_server_t *s)
{
	unsigned n = 0;
	for (const struct conn *c = s ? s->conns : NULL; c; c = c->next)
		n += c->state < CONN_CLOSING;
	return n;
}

/* Read no more from C and forget what it sent but was not answered. */
static void stop_input(struct conn *c)
{
	if (c->reading)
		uv_read_stop(stream_of(c));
	c->reading = false;
	c->in.len = 0;
	c->too_long = 0;
}

void ns_server_close(ns_server_t *s)
{
	if (!s || s->closing)
		return;
	s->closing = true;
	/* Take no new request; a search on the pool still gets its reply,
	 * then its connection closes. */
	for (struct conn *c = s->conns; c; c = c->next) {
		if (c->state >= CONN_CLOSING)
			continue; /* its close callback drops what it has in hand */
		if (c->task == TASK_NONE) {
			conn_close(c);
			continue;
		}
		bool dropped = task_drop(c);
		if (dropped) /* its answer would never come: say so, then close */
			refuse(c, NS_E_UNAVAILABLE, "the daemon is stopping");
		stop_input(c);
		if (c->state <= CONN_OPEN)
			conn_set_state(c, CONN_DRAINING);
		if (dropped && c->state == CONN_DRAINING)
			conn_finish(c);
	}
	while (s->listeners)
		listener_close(s->listeners);
	uv_close((uv_handle_t *)&s->wait_timer, on_handle_closed);
	uv_close((uv_handle_t *)&s->sweep_timer, on_handle_closed);
}
