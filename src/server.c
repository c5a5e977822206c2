/* server.c - the Unix socket, newline framing, and request dispatch.
 *
 * Runs on the loop thread only and never touches Xapian: a search goes to
 * libuv's thread pool with its connection, and its reply comes back in the
 * after-work callback.  One request per connection is in flight at a time,
 * so replies come back in request order.  A client is never trusted: lines
 * over the limit are answered with an error and dropped as they arrive,
 * and a client that stops reading stops being read.
 */
#include "nsearch/server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "nsearch/log.h"

#define LOG_MOD "server"
#define MAX_CONNECTIONS 1024
#define MAX_BUFFERED (4 * NS_PROTO_MAX_LINE)   /* unanswered input */
#define MAX_UNSENT (4u << 20)                  /* replies not yet read */
/* Stands in the input buffer where an over-long line was dropped, so that
 * its error is answered in turn. */
#define TOO_LONG_MARK "\x01"


struct conn {
	uv_pipe_t pipe;             /* first: the handle is the connection */
	ns_server_t *srv;
	struct conn *prev, *next;
	unsigned long id;
	ns_buf_t in;                /* bytes received, not yet answered */
	bool discarding;            /* dropping the rest of an over-long line */
	unsigned too_long;          /* TOO_LONG markers waiting in `in` */
	bool reading, eof, busy, shutting, closing, closed;
	bool waiting;               /* busy with a wait, not a search */
	uint64_t wait_barrier;
	unsigned long long wait_start_ms, wait_deadline_ms;
	uv_work_t work;             /* the search in flight, when busy */
	ns_request_t req;
	char *reply;
	uv_shutdown_t shutdown_req;
};

struct ns_server {
	uv_loop_t *loop;
	uv_pipe_t listener;
	char *path;
	ns_server_handlers_t h;
	struct conn *conns;
	unsigned live;              /* connections not yet freed */
	unsigned long next_id;
	uv_timer_t wait_timer;      /* checks the waits' deadlines */
	unsigned waiters;
	bool closing, listener_closed, timer_closed;
};

struct write_req {
	uv_write_t req;
	char *data;
};

static void process_lines(struct conn *c);

/* ---- lifetime ---- */

static void maybe_free_server(ns_server_t *s)
{
	if (!s->listener_closed || !s->timer_closed || s->live)
		return;
	free(s->path);
	free(s);
}

static void conn_free(struct conn *c)
{
	ns_server_t *s = c->srv;
	ns_buf_free(&c->in);
	ns_request_clear(&c->req);
	free(c->reply);
	free(c);
	s->live--;
	maybe_free_server(s);
}

static void on_conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	c->closed = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		c->srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ns_log(NS_LOG_DEBUG, LOG_MOD, "conn %lu: closed", c->id);
	if (c->waiting) {
		c->waiting = c->busy = false;
		if (--c->srv->waiters == 0 && !c->srv->closing)
			uv_timer_stop(&c->srv->wait_timer);
	}
	if (!c->busy) /* else the search's after-work callback frees it */
		conn_free(c);
}

static void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_close((uv_handle_t *)&c->pipe, on_conn_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	conn_close(req->data);
}

/* The client said EOF and has every reply: close once they are sent. */
static void conn_finish(struct conn *c)
{
	if (c->shutting || c->closing)
		return;
	c->shutting = true;
	c->shutdown_req.data = c;
	if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->pipe,
	                on_shutdown) < 0)
		conn_close(c);
}

/* ---- output ---- */

static size_t unsent(struct conn *c)
{
	return uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe);
}

static void on_written(uv_write_t *req, int status)
{
	struct write_req *wr = (struct write_req *)req;
	struct conn *c = req->handle->data;
	free(wr->data);
	free(wr);
	if (status < 0) {
		if (status != UV_ECANCELED)
			ns_log(NS_LOG_DEBUG, LOG_MOD, "conn %lu: write failed: %s",
			       c->id, uv_strerror(status));
		conn_close(c);
		return;
	}
	if (unsent(c) < MAX_UNSENT)
		process_lines(c);
}

/* Send LINE (a reply ending in "\n"), which this function frees. */
static void send_line(struct conn *c, char *line)
{
	if (!line) {
		ns_log(NS_LOG_ERR, LOG_MOD, "conn %lu: out of memory for a reply",
		       c->id);
		conn_close(c);
		return;
	}
	struct write_req *wr = malloc(sizeof *wr);
	if (!wr || c->closing) {
		free(wr);
		free(line);
		return;
	}
	wr->data = line;
	uv_buf_t buf = uv_buf_init(line, (unsigned)strlen(line));
	if (uv_write(&wr->req, (uv_stream_t *)&c->pipe, &buf, 1, on_written) < 0) {
		free(line);
		free(wr);
		conn_close(c);
	}
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

/* ---- searches on the thread pool ---- */

/* The reply to a failed query-side request. */
static char *query_error(struct conn *c, ns_status_t st, const char *err)
{
	const ns_request_t *r = &c->req;
	const char *code = NS_E_INTERNAL, *msg = err;
	switch (st) {
	case NS_ERR_BAD_QUERY: code = NS_E_BAD_QUERY; break;
	case NS_ERR_TOO_BROAD: code = NS_E_TOO_BROAD; break;
	case NS_ERR_NOT_FOUND:
		code = NS_E_NOT_FOUND;
		msg = "no article at this path in the index";
		break;
	case NS_ERR_INDEX: code = NS_E_UNAVAILABLE; break;
	default: msg = ns_status_str(st); break;
	}
	if (st != NS_ERR_BAD_QUERY && st != NS_ERR_TOO_BROAD &&
	    st != NS_ERR_NOT_FOUND)
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

static void search_done(uv_work_t *w, int status)
{
	struct conn *c = w->data;
	char *reply = c->reply;
	c->reply = NULL;
	c->busy = false;
	if (status == UV_ECANCELED) {
		free(reply);
		reply = ns_proto_error_reply(c->req.id, revision_of(c->srv),
		                             NS_E_UNAVAILABLE,
		                             "the daemon is stopping");
	}
	if (c->closed) {
		free(reply);
		conn_free(c);
		return;
	}
	if (!c->closing)
		send_line(c, reply);
	else
		free(reply);
	ns_request_clear(&c->req);
	process_lines(c);
}

/* ---- waits: answered when the writer passes their barrier ---- */

/* Answer C's wait: done (its barrier passed), or CODE (an error). */
static void finish_wait(struct conn *c, const char *code, const char *msg)
{
	ns_server_t *s = c->srv;
	c->waiting = c->busy = false;
	s->waiters--;
	if (code) {
		send_error(c, c->req.id, code, msg);
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
		if (!c->waiting || c->closing)
			continue;
		if (s->h.barrier_passed(s->h.ctx, c->wait_barrier))
			finish_wait(c, NULL, NULL);
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

static void start_wait(struct conn *c)
{
	ns_server_t *s = c->srv;
	char why[256] = "";
	uint64_t barrier = 0;
	if (!s->h.wait_begin) {
		send_error(c, c->req.id, NS_E_UNAVAILABLE, "waiting is not possible");
		ns_request_clear(&c->req);
		return;
	}
	ns_status_t st = s->h.wait_begin(s->h.ctx, c->req.path, &barrier, why,
	                                 sizeof why);
	if (st != NS_OK) {
		send_error(c, c->req.id,
		           st == NS_ERR_INVALID ? NS_E_BAD_REQUEST : NS_E_INTERNAL,
		           why[0] ? why : ns_status_str(st));
		ns_request_clear(&c->req);
		return;
	}
	c->busy = c->waiting = true;
	c->wait_barrier = barrier;
	c->wait_start_ms = ns_now_ms();
	c->wait_deadline_ms = c->wait_start_ms + c->req.timeout_ms;
	if (s->waiters++ == 0)
		uv_timer_start(&s->wait_timer, on_wait_timer, 10, 10);
}

/* ---- input ---- */

static void too_long(struct conn *c)
{
	char msg[96];
	snprintf(msg, sizeof msg, "request line longer than %d bytes; discarded",
	         NS_PROTO_MAX_LINE);
	send_error(c, NULL, NS_E_LINE_TOO_LONG, msg);
}

static void handle_line(struct conn *c, const char *line, size_t len)
{
	if (c->too_long && len == 1 && line[0] == TOO_LONG_MARK[0]) {
		c->too_long--;
		too_long(c);
		return;
	}
	if (len > NS_PROTO_MAX_LINE) { /* it arrived whole, in one or two reads */
		ns_log(NS_LOG_NOTICE, LOG_MOD,
		       "conn %lu: request line over %d bytes, discarded", c->id,
		       NS_PROTO_MAX_LINE);
		too_long(c);
		return;
	}
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
	               line[len - 1] == '\t'))
		len--;
	size_t lead = 0;
	while (lead < len && (line[lead] == ' ' || line[lead] == '\t'))
		lead++;
	if (lead == len)
		return; /* blank lines are keep-alives, not requests */

	ns_proto_err_t err;
	if (!ns_proto_decode(line, len, &c->req, &err)) {
		send_error(c, c->req.id, err.code, err.message);
		ns_request_clear(&c->req);
		return;
	}
	switch (c->req.op) {
	case NS_OP_STATUS: {
		ns_daemon_status_t st = {0};
		c->srv->h.status(c->srv->h.ctx, &st);
		send_line(c, ns_proto_status_reply(c->req.id, &st));
		ns_request_clear(&c->req);
		break;
	}
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
		c->busy = true;
		c->work.data = c;
		if (uv_queue_work(c->srv->loop, &c->work, search_work,
		                  search_done) < 0) {
			c->busy = false;
			send_error(c, c->req.id, NS_E_INTERNAL,
			           "cannot queue the search");
			ns_request_clear(&c->req);
		}
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
	bool want = !c->eof && !c->closing && c->in.len < MAX_BUFFERED &&
	            unsent(c) < MAX_UNSENT;
	if (want && !c->reading) {
		if (uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read) == 0)
			c->reading = true;
	} else if (!want && c->reading) {
		uv_read_stop((uv_stream_t *)&c->pipe);
		c->reading = false;
	}
}

static void process_lines(struct conn *c)
{
	while (!c->busy && !c->closing && unsent(c) < MAX_UNSENT) {
		char *nl = c->in.len ? memchr(c->in.data, '\n', c->in.len) : NULL;
		if (nl) {
			size_t len = (size_t)(nl - c->in.data);
			handle_line(c, c->in.data, len);
			ns_buf_consume(&c->in, len + 1);
		} else if (c->eof && c->in.len) {
			/* The last request may lack its newline. */
			size_t len = c->in.len;
			handle_line(c, c->in.data, len);
			ns_buf_consume(&c->in, len);
		} else {
			break;
		}
	}
	if (c->closing)
		return;
	update_reading(c);
	if (c->eof && !c->busy && !c->in.len)
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
	if (c->in.len - done > NS_PROTO_MAX_LINE) {
		ns_log(NS_LOG_NOTICE, LOG_MOD,
		       "conn %lu: request line over %d bytes, discarded", c->id,
		       NS_PROTO_MAX_LINE);
		c->in.len = done;
		c->in.data[done] = '\0';
		c->discarding = true;
		if (ns_buf_append(&c->in, TOO_LONG_MARK "\n", 2) != NS_OK) {
			conn_close(c);
			return;
		}
		c->too_long++;
	}
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = stream->data;
	if (nread > 0)
		feed(c, buf->base, (size_t)nread);
	free(buf->base);
	if (nread == UV_EOF) {
		c->eof = true;
		c->discarding = false;
	} else if (nread < 0) {
		if (nread != UV_ECONNRESET)
			ns_log(NS_LOG_DEBUG, LOG_MOD, "conn %lu: read failed: %s",
			       c->id, uv_strerror((int)nread));
		conn_close(c);
		return;
	}
	if (!c->closing)
		process_lines(c);
}

static void on_connection(uv_stream_t *listener, int status)
{
	ns_server_t *s = listener->data;
	if (status < 0) {
		ns_log(NS_LOG_WARNING, LOG_MOD, "accept failed: %s",
		       uv_strerror(status));
		return;
	}
	struct conn *c = calloc(1, sizeof *c);
	if (!c) {
		ns_log(NS_LOG_ERR, LOG_MOD, "out of memory for a connection");
		return;
	}
	c->srv = s;
	c->id = ++s->next_id;
	uv_pipe_init(s->loop, &c->pipe, 0);
	c->pipe.data = c;
	s->live++;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	if (uv_accept(listener, (uv_stream_t *)&c->pipe) < 0) {
		conn_close(c);
		return;
	}
	if (s->live > MAX_CONNECTIONS) {
		ns_log(NS_LOG_WARNING, LOG_MOD,
		       "conn %lu: refused, %d connections already open", c->id,
		       MAX_CONNECTIONS);
		conn_close(c);
		return;
	}
	ns_log(NS_LOG_DEBUG, LOG_MOD, "conn %lu: connected", c->id);
	update_reading(c);
}

/* ---- the listener ---- */

/* "PATH: WHY" as a new string. */
static char *path_error(const char *path, const char *why)
{
	size_t n = strlen(path) + strlen(why) + 3;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s: %s", path, why);
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

ns_status_t ns_server_listen(uv_loop_t *loop, const char *path,
                             const ns_server_handlers_t *h,
                             ns_server_t **out, char **errmsg)
{
	*errmsg = NULL;
	struct sockaddr_un sa;
	if (strlen(path) >= sizeof sa.sun_path) {
		*errmsg = path_error(path, "socket path too long");
		return NS_ERR_INVALID;
	}
	ns_status_t st = clear_stale(path, errmsg);
	if (st != NS_OK)
		return st;
	/* Create the socket's directory if it is missing (/run/nsearch). */
	char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			ns_log(NS_LOG_WARNING, LOG_MOD, "%s: cannot create: %s", dir,
			       strerror(errno));
	}
	free(dir);

	ns_server_t *s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		free(s);
		return NS_ERR_NOMEM;
	}
	s->loop = loop;
	s->h = *h;
	uv_timer_init(loop, &s->wait_timer);
	s->wait_timer.data = s;
	uv_pipe_init(loop, &s->listener, 0);
	s->listener.data = s;
	int rc = uv_pipe_bind(&s->listener, path);
	bool bound = rc == 0;
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&s->listener, 128, on_connection);
	if (rc < 0) {
		*errmsg = path_error(path, uv_strerror(rc));
		s->closing = !bound; /* ns_server_close unlinks what we bound */
		ns_server_close(s);
		return NS_ERR_IO;
	}
	*out = s;
	return NS_OK;
}

static void on_timer_closed(uv_handle_t *h)
{
	ns_server_t *s = h->data;
	s->timer_closed = true;
	maybe_free_server(s);
}

static void on_listener_closed(uv_handle_t *h)
{
	ns_server_t *s = h->data;
	s->listener_closed = true;
	maybe_free_server(s);
}

/* Read no more from C and forget what it sent but was not answered. */
static void stop_reading(struct conn *c)
{
	if (c->reading)
		uv_read_stop((uv_stream_t *)&c->pipe);
	c->reading = false;
	c->eof = true;
	c->in.len = 0;
	c->too_long = 0;
}

void ns_server_close(ns_server_t *s)
{
	if (!s || uv_is_closing((uv_handle_t *)&s->listener))
		return;
	bool bound = !s->closing;
	s->closing = true;
	/* Take no new request; a search in flight still gets its reply, then
	 * its connection closes. */
	for (struct conn *c = s->conns; c; c = c->next) {
		if (c->waiting) {
			/* Its answer would never come: say so, then close. */
			c->waiting = c->busy = false;
			s->waiters--;
			send_error(c, c->req.id, NS_E_UNAVAILABLE,
			           "the daemon is stopping");
			ns_request_clear(&c->req);
			stop_reading(c);
			conn_finish(c);
			continue;
		}
		if (!c->busy) {
			conn_close(c);
			continue;
		}
		stop_reading(c);
	}
	if (bound)
		unlink(s->path);
	uv_close((uv_handle_t *)&s->wait_timer, on_timer_closed);
	uv_close((uv_handle_t *)&s->listener, on_listener_closed);
}
