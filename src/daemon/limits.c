/* limits.c - what one client, and all of them, may cost: the replies
 * held for clients that do not read (each, and together), the number of
 * connections, and the deadlines (the token, a line in progress, a whole
 * request), enforced by a sweep timer.  It decides who is cut off; it
 * never reads or answers a request.  Loop thread only. */
#include <stdio.h>

#include "daemon/server_int.h"

#define DEFAULT_MAX_CONNECTIONS 1024
#define DEFAULT_MAX_UNAUTHENTICATED 64
#define DEFAULT_AUTH_TIMEOUT_S 5
#define DEFAULT_MAX_PENDING (4u << 20)
#define DEFAULT_MAX_PENDING_TOTAL (64u << 20)

/* Bytes of replies queued for C that the kernel has not taken yet. */
static size_t unsent(struct conn *c)
{
	return uv_stream_get_write_queue_size(ns_conn_stream(c));
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
		ns_conn_cut_off(v, NULL, NS_E_SLOW_CLIENT, msg);
		if (v == c)
			return false;
	}
	return true;
}

/* A reply that would take the replies C's client has not read over
 * max_pending is not sent: the client is cut off instead; one that would
 * take those of all clients over max_pending_total first cuts off the
 * client stalled longest. */
bool ns_limits_reply_fits(struct conn *c, size_t len)
{
	ns_server_t *s = c->srv;
	size_t held = unsent(c);
	if (held + len > s->lim.max_pending) {
		char msg[200];
		snprintf(msg, sizeof msg, "%zu bytes of replies not read; the "
		         "limit is %zu: read the replies to your requests",
		         held + len, s->lim.max_pending);
		ns_log_limited(&s->cut_off_log, NS_LOG_NOTICE, LOG_MOD,
		               "conn %lu%s: cut off: %s", c->id, c->peer, msg);
		ns_conn_cut_off(c, NULL, NS_E_SLOW_CLIENT, msg);
		return false;
	}
	return make_room(c, len);
}

/* Is C (just accepted, or just authenticated) over the number of
 * connections allowed?  Unix clients, and TCP ones once they have said
 * the token, count against max_connections; TCP ones yet to say it
 * against max_unauthenticated, so that they never keep the others out.
 * If so, it is told (ID, borrowed, may be NULL) and cut off. */
bool ns_limits_refused(struct conn *c, json_t *id)
{
	ns_server_t *s = c->srv;
	char msg[160];
	if (ns_conn_authed(c) && s->authed > s->lim.max_connections)
		snprintf(msg, sizeof msg, "%u connections are open, the limit; "
		         "try again later", s->lim.max_connections);
	else if (!ns_conn_authed(c) && s->unauthed > s->lim.max_unauthenticated)
		snprintf(msg, sizeof msg, "%u connections are waiting to "
		         "authenticate, the limit; try again later",
		         s->lim.max_unauthenticated);
	else
		return false;
	ns_log_limited(&s->refused_log, NS_LOG_WARNING, LOG_MOD,
	               "conn %lu%s: refused: %s", c->id, c->peer, msg);
	ns_conn_cut_off(c, id, NS_E_TOO_MANY_CONNECTIONS, msg);
	return true;
}

/* Is C past a deadline: the token (TCP), a request line in progress, a
 * whole request?  Then CODE and MSG (SIZE bytes) say which. */
static bool past_deadline(struct conn *c, unsigned long long now,
                          const char **code, char *msg, size_t size)
{
	const ns_server_limits_t *lim = &c->srv->lim;
	unsigned long long idle = lim->idle_timeout_s * 1000ull;
	if (!ns_conn_authed(c) &&
	    now - c->connected_ms >= lim->auth_timeout_s * 1000ull) {
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
		ns_conn_close(most); /* its replies are dropped as it closes */
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
				ns_conn_close(c);
			continue;
		}
		const char *code;
		char msg[160];
		if (c->state > CONN_DRAINING || c->task != TASK_NONE ||
		    !past_deadline(c, now, &code, msg, sizeof msg))
			continue;
		bool login = !ns_conn_authed(c); /* the deadline was the token's */
		ns_log_limited(login ? &s->auth_log : &s->idle_log,
		               login ? NS_LOG_WARNING : NS_LOG_INFO, LOG_MOD,
		               "conn %lu%s: %s: %s", c->id, c->peer,
		               login ? "refused" : "idle", msg);
		ns_conn_cut_off(c, NULL, code, msg);
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

