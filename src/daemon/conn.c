/* conn.c - a client connection: its life (the states of server_int.h,
 * each move asserted), the bytes it sends cut into request lines, and the
 * replies queued for it.  What the lines ask is dispatch.c's business,
 * what it may cost limits.c's: this file never decides either.  Loop
 * thread only. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/access.h"
#include "daemon/metrics.h"
#include "daemon/server_int.h"

/* A reply on its way to the client. */
struct write_req {
	uv_write_t req;
	char *data;
	size_t len;
};

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);
static void stop_input(struct conn *c);

/* The moves ns_conn_set_state allows (server_int.h draws them). */
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

void ns_conn_set_state(struct conn *c, enum conn_state to)
{
	assert(next_states[c->state] & (1u << to));
	assert(to != CONN_OPEN || ns_conn_authed(c));
	c->state = to;
}

void ns_conn_free(struct conn *c)
{
	assert(c->state >= CONN_CLOSING);
	ns_server_t *s = c->srv;
	assert(c->task == TASK_NONE);
	ns_buf_free(&c->in);
	ns_request_clear(&c->req);
	free(c->reply);
	free(c);
	s->live--;
	ns_server_maybe_free(s);
}

static void on_conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	ns_server_t *s = c->srv;
	NS_LIST_UNLINK(&s->conns, c);
	if (ns_conn_authed(c))
		s->authed--;
	else
		s->unauthed--;
	ns_log(NS_LOG_DEBUG, LOG_MOD, "conn %lu: closed", c->id);
	if (ns_task_drop(c))
		ns_conn_free(c);
	else
		ns_conn_set_state(c, CONN_CLOSED); /* its search comes back */
}

void ns_conn_close(struct conn *c)
{
	if (c->state >= CONN_CLOSING)
		return; /* closing twice is what libuv forbids */
	ns_conn_set_state(c, CONN_CLOSING);
	uv_close((uv_handle_t *)&c->io, on_conn_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	ns_conn_close(req->data);
}

/* Shut C's stream down once the replies queued are sent, then close. */
static void shut_down(struct conn *c)
{
	c->shutdown_req.data = c;
	if (uv_shutdown(&c->shutdown_req, ns_conn_stream(c), on_shutdown) < 0)
		ns_conn_close(c);
}

/* C, DRAINING, has answered every request it held: close once the
 * replies are sent. */
void ns_conn_finish(struct conn *c)
{
	ns_conn_set_state(c, CONN_SHUTTING);
	shut_down(c);
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
		ns_conn_close(c);
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
	if (uv_write(&wr->req, ns_conn_stream(c), &buf, 1, on_written) < 0) {
		free(line);
		free(wr);
		ns_conn_close(c);
		return;
	}
	held_add(c, len);
}

/* C is over a limit: say why (a line the client reads before the end of
 * the stream, with ID, borrowed, may be NULL), take nothing more from it,
 * and shut its stream down once that is sent (or the sweep closes it
 * after CUT_OFF_GRACE_MS, or sooner when the replies held for everyone are
 * over their limit).  It is closed at once when nothing can be said. */
void ns_conn_cut_off(struct conn *c, json_t *id, const char *code,
                     const char *message)
{
	if (c->state == CONN_SHUTTING) {
		ns_conn_close(c); /* its stream is shut: no line can go out */
		return;
	}
	if (c->state > CONN_DRAINING)
		return; /* cut off or closing already */
	ns_conn_set_state(c, CONN_CUT_OFF);
	c->cut_off_ms = ns_now_ms();
	stop_input(c);
	char *line = ns_proto_error_reply(id, ns_server_revision(c->srv), code,
	                                  message);
	if (!line) {
		ns_conn_close(c);
		return;
	}
	write_line(c, line, strlen(line));
	if (c->state == CONN_CUT_OFF) /* the write did not fail */
		shut_down(c);
}

/* A reply over the limits is not sent (ns_limits_reply_fits). */
void ns_conn_send(struct conn *c, char *line)
{
	if (!line) {
		ns_log(NS_LOG_ERR, LOG_MOD, "conn %lu%s: out of memory for a reply",
		       c->id, c->peer);
		ns_conn_close(c);
		return;
	}
	if (c->state == CONN_CUT_OFF || c->state >= CONN_CLOSING) {
		free(line);
		return;
	}
	size_t len = strlen(line);
	if (!ns_limits_reply_fits(c, len)) {
		free(line);
		return;
	}
	write_line(c, line, len);
}

void ns_conn_send_error(struct conn *c, json_t *id, const char *code,
                        const char *message)
{
	ns_metrics_error(NS_PROTO_NDJSON, code);
	ns_conn_send(c, ns_proto_error_reply(id, ns_server_revision(c->srv),
	                                     code, message));
}

void ns_conn_refuse(struct conn *c, const char *code, const char *message)
{
	ns_conn_send_error(c, c->req.id, code, message);
	ns_request_clear(&c->req);
}

/* Read no more from C and forget what it sent but was not answered. */
static void stop_input(struct conn *c)
{
	if (c->reading)
		uv_read_stop(ns_conn_stream(c));
	c->reading = false;
	c->in.len = 0;
	c->too_long = 0;
}

void ns_conn_drain(struct conn *c)
{
	stop_input(c);
	if (c->state == CONN_LOGIN || c->state == CONN_OPEN)
		ns_conn_set_state(c, CONN_DRAINING);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	buf->base = malloc(64 * 1024);
	buf->len = buf->base ? 64 * 1024 : 0;
}

void ns_conn_update_reading(struct conn *c)
{
	bool want = (c->state == CONN_LOGIN || c->state == CONN_OPEN) &&
	            c->in.len < MAX_BUFFERED_LINES * c->srv->lim.max_request;
	if (want && !c->reading) {
		if (uv_read_start(ns_conn_stream(c), on_alloc, on_read) == 0)
			c->reading = true;
		/* The line could not go on arriving while nothing was read. */
		if (c->partial_ms)
			c->partial_ms = ns_now_ms();
	} else if (!want && c->reading) {
		uv_read_stop(ns_conn_stream(c));
		c->reading = false;
	}
}

/* Blank lines are keep-alives, not requests: answered by nothing, and
 * no reason to keep a connection open (see limits.c's sweep). */
static bool blank(struct conn *c, const char *line, size_t len)
{
	if (len > c->srv->lim.max_request)
		return false; /* answered LINE_TOO_LONG, whatever it holds */
	len = ns_line_trimmed(line, len);
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return false;
	return true;
}

void ns_conn_process(struct conn *c)
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
			c->dispatched_us = ns_now_us();
			c->idle_ms = ns_now_ms(); /* a whole request */
			ns_dispatch_line(c, c->in.data, len);
		}
		ns_buf_consume(&c->in, nl ? len + 1 : len);
	}
	if (c->state > CONN_DRAINING)
		return; /* a cut-off one shuts down by itself */
	ns_conn_update_reading(c);
	if (c->state == CONN_DRAINING && c->task == TASK_NONE && !c->in.len)
		ns_conn_finish(c);
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
		ns_conn_close(c);
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
			ns_conn_close(c);
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
			ns_conn_set_state(c, CONN_DRAINING);
	} else if (nread < 0) {
		if (nread != UV_ECONNRESET)
			ns_log(NS_LOG_DEBUG, LOG_MOD, "conn %lu%s: read failed: %s",
			       c->id, c->peer, uv_strerror((int)nread));
		ns_conn_close(c);
		return;
	}
	if (c->state < CONN_CLOSING)
		ns_conn_process(c);
}

struct conn *ns_conn_new(ns_server_t *s, bool tcp)
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
	NS_LIST_PUSH(&s->conns, c);
	return c;
}

