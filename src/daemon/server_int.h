/* server_int.h - what the server's files share: the server and a
 * connection (its states and the request it has in hand), and what each
 * file offers the others.  Internal to server.c, conn.c, limits.c,
 * dispatch.c and tasks.c: nothing else includes it.  Loop thread only. */
#ifndef NS_SERVER_INT_H
#define NS_SERVER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <uv.h>

#include "core/log.h"
#include "daemon/searchq.h"
#include "daemon/server.h"

#define LOG_MOD "server"
/* Unanswered input held per connection, in request lines. */
#define MAX_BUFFERED_LINES 4
/* A client cut off for not reading gets this long to read why. */
#define CUT_OFF_GRACE_MS 10000
/* How often idle and cut-off connections are looked for, at most. */
#define SWEEP_MS 250
/* Searches whose latency the percentiles in status are taken from. */
#define LATENCIES 1000
/* Stands in the input buffer where an over-long line was dropped, so that
 * its error is answered in turn. */
#define TOO_LONG_MARK "\x01"

/* A connection's life.  Every move goes through ns_conn_set_state(),
 * which asserts it is one of these:
 *
 *   LOGIN --the token--> OPEN --EOF, or the daemon stops--> DRAINING
 *   LOGIN --EOF (its last line may still be the token)--> DRAINING
 *   DRAINING --every request it holds answered--> SHUTTING
 *   LOGIN, OPEN, DRAINING --over a limit--> CUT_OFF
 *   any of those --an error, the grace or the shutdown over--> CLOSING
 *   CLOSING --closed while its search runs on the pool--> CLOSED
 *
 * A connection with nothing on the pool is freed as it closes, from
 * CLOSING; one in CLOSED is freed when its search comes back.  The order
 * counts: the states from CLOSING on have no handle to use. */
enum conn_state {
	CONN_LOGIN,      /* TCP, before the token: its first line is an auth */
	CONN_OPEN,       /* reads requests and answers them */
	CONN_DRAINING,   /* reads nothing more (the client ended its half, or
	                    the daemon stops); answers what it holds */
	CONN_CUT_OFF,    /* over a limit: told why, takes and answers nothing
	                    more; its stream shuts down once that is sent, or
	                    it closes at the end of its grace */
	CONN_SHUTTING,   /* every reply queued: closes once they are sent */
	CONN_CLOSING,    /* uv_close called, its callback to come */
	CONN_CLOSED,     /* closed; the struct waits for its search to come
	                    back from the pool */
};

/* The request a connection has in hand: one at a time, so that replies
 * go out in request order.  Apart from the state, since it outlives most
 * of them: a search on the pool cannot be recalled, whatever becomes of
 * its connection (tasks.c). */
enum conn_task {
	TASK_NONE,
	TASK_SEARCH,     /* search, similar, get, stats: its turn in the
	                    search queue says whether it waits or runs */
	TASK_WAIT,       /* wait, or maintenance: for the writer's barrier */
	TASK_REVISION,   /* a query-side request with min_revision, for the
	                    index to reach it; then TASK_SEARCH */
};

/* Flags that are not stages of that life, and why:
 *  reading      libuv reads it: paused while MAX_BUFFERED_LINES wait, so
 *               it comes and goes within LOGIN and OPEN;
 *  discarding, too_long   the framing of the bytes received (the rest of
 *               an over-long line is being dropped; markers of those wait
 *               in `in`), whatever is done with whole lines;
 *  roles        what it may ask: none until it may send requests, which
 *               also says in every state which count it is in (authed or
 *               unauthed). */
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
	uint64_t wait_barrier;      /* TASK_WAIT: passes when it is done */
	unsigned long long wait_start_ms, wait_deadline_ms; /* and
	                               TASK_REVISION's */
	uv_work_t work;             /* TASK_SEARCH, on the pool */
	ns_request_t req;           /* the request in hand */
	char *reply;                /* the search's, from the pool */
	bool found;                 /* REPLY is a search's result, not an
	                               error: it says whether "ready" */
	uv_shutdown_t shutdown_req;
};

struct listener;

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
	unsigned waiters;           /* connections with TASK_WAIT or
	                               TASK_REVISION */
	bool closing;
};

static inline uv_stream_t *ns_conn_stream(struct conn *c)
{
	return (uv_stream_t *)&c->io;
}

/* May C send requests (Unix, or it said the token)?  Also which count of
 * the server's it is in. */
static inline bool ns_conn_authed(const struct conn *c)
{
	return c->roles != 0;
}

static inline uint64_t ns_server_revision(const ns_server_t *s)
{
	return s->h.revision ? s->h.revision(s->h.ctx) : 0;
}

static inline unsigned long long ns_now_us(void)
{
	return ns_monotonic_us();
}

/* LINE's length without the blanks (and CR) at its end. */
static inline size_t ns_line_trimmed(const char *line, size_t len)
{
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
	               line[len - 1] == '\t'))
		len--;
	return len;
}

/* server.c: the server itself */

/* Free S once nothing of it is left open (connections, handles). */
void ns_server_maybe_free(ns_server_t *s);

/* conn.c: a connection's life, its input and its output */

/* A new connection, OPEN (Unix) or LOGIN (TCP), in S's list and counted,
 * its handle ready for uv_accept; NULL when out of memory. */
struct conn *ns_conn_new(ns_server_t *s, bool tcp);
void ns_conn_set_state(struct conn *c, enum conn_state to);
/* Close C, whatever its state (again is nothing). */
void ns_conn_close(struct conn *c);
/* C, CLOSED, is done with: free it (its search came back). */
void ns_conn_free(struct conn *c);
/* Read no more from C and forget what it sent but was not answered;
 * LOGIN and OPEN become DRAINING. */
void ns_conn_drain(struct conn *c);
/* C, DRAINING, has answered every request: close once that is sent. */
void ns_conn_finish(struct conn *c);
/* C is over a limit: tell it CODE and MESSAGE (with ID, borrowed, may be
 * NULL) and close once that is sent, CUT_OFF_GRACE_MS at most. */
void ns_conn_cut_off(struct conn *c, json_t *id, const char *code,
                     const char *message);
/* Send LINE (a reply ending in "\n"; this function frees it; NULL: out
 * of memory), within the limits on unread replies (limits.c). */
void ns_conn_send(struct conn *c, char *line);
void ns_conn_send_error(struct conn *c, json_t *id, const char *code,
                        const char *message);
/* Answer the request in hand with error CODE and MESSAGE; forget it. */
void ns_conn_refuse(struct conn *c, const char *code, const char *message);
/* Take the whole lines C holds, one at a time, while nothing is in
 * hand; then read more, or finish a DRAINING connection. */
void ns_conn_process(struct conn *c);
/* Read from C while it may send and holds little unanswered. */
void ns_conn_update_reading(struct conn *c);

/* limits.c: what clients may cost, and the sweep that enforces it */

/* May LEN more bytes of replies be queued for C?  False when C was cut
 * off for it; others may be cut off to make room. */
bool ns_limits_reply_fits(struct conn *c, size_t len);
/* Is C (just accepted, or just authenticated) over the number of
 * connections allowed?  Then it is told (ID, borrowed, may be NULL) and
 * cut off. */
bool ns_limits_refused(struct conn *c, json_t *id);

/* dispatch.c: a whole request line to its handler */

/* LINE (LEN bytes, no newline): the token of a LOGIN connection, or a
 * request. */
void ns_dispatch_line(struct conn *c, const char *line, size_t len);

/* tasks.c: the request in hand, on the thread pool or waiting for the
 * writer */

/* C's search (search, similar, get, stats) waits its turn for a worker. */
void ns_task_search(struct conn *c);
/* C's wait or maintenance operation begins, or is answered with why not. */
void ns_task_wait(struct conn *c);
/* C's query-side request with a min_revision the index has not reached:
 * it waits for it (min_revision_wait_ms at most, then STALE), then goes
 * the way of ns_task_search. */
void ns_task_revision(struct conn *c);
/* Give up C's request in hand (C closes, or the daemon stops); true
 * when nothing is left in hand (a search on the pool cannot be). */
bool ns_task_drop(struct conn *c);
/* The 50th, 95th and 99th percentiles of the last LATENCIES searches. */
void ns_task_latency(const ns_server_t *s, double out[3]);

#endif
