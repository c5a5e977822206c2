/* dispatch.c - a whole request line to its handler: the token first on
 * TCP, then each request decoded, checked against the client's roles and
 * answered (status, problems) or handed on (tasks.c: searches to the
 * thread pool, waits to the writer).  It never touches sockets or limits
 * (conn.c, limits.c).  Loop thread only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/access.h"
#include "daemon/server_int.h"

/* status: the daemon's figures (the handler's) and the server's own. */
static void send_status(struct conn *c)
{
	ns_server_t *s = c->srv;
	ns_daemon_status_t st = {0};
	s->h.status(s->h.ctx, &st);
	st.connections = ns_server_connections(s);
	st.searches = s->searches;
	double p[3];
	ns_task_latency(s, p);
	st.latency_p50_ms = p[0];
	st.latency_p95_ms = p[1];
	st.latency_p99_ms = p[2];
	char *line = ns_proto_status_reply(c->req.id, &st);
	if (s->h.replication) {
		ns_replication_status_t rep = {0};
		s->h.replication(s->h.ctx, &rep);
		json_t *o = ns_proto_replication_json(&rep);
		if (o)
			line = ns_proto_splice(line, "replication", o);
	}
	ns_conn_send(c, line);
	ns_problems_list_free(st.problems, st.nproblems);
	ns_request_clear(&c->req);
}

/* problems: the files not indexed as they are on disk, a page of them. */
static void send_problems(struct conn *c)
{
	ns_problems_t *pr = c->srv->h.problems;
	uint64_t rev = ns_server_revision(c->srv);
	ns_problem_t *v = NULL;
	size_t n = 0;
	uint64_t skipped = 0, partial = 0;
	char *reply = NULL;
	if (pr) {
		ns_problems_counts(pr, &skipped, &partial);
		if (ns_problems_list(pr, c->req.offset, c->req.limit, &v,
		                     &n) == NS_OK)
			reply = ns_proto_problems_reply(c->req.id, rev, v, n,
			                                skipped + partial);
	} else {
		reply = ns_proto_problems_reply(c->req.id, rev, NULL, 0, 0);
	}
	ns_problems_list_free(v, n);
	if (reply) {
		ns_conn_send(c, reply);
		ns_request_clear(&c->req);
	} else {
		ns_conn_refuse(c, NS_E_INTERNAL, "out of memory");
	}
}

/* queries: what people searched for over the last day. */
static void send_queries(struct conn *c)
{
	ns_query_report_t r;
	char *reply = ns_querylog_report(c->srv->h.querylog, c->req.limit, 0,
	                                 &r) == NS_OK
	              ? ns_proto_queries_reply(c->req.id,
	                                       ns_server_revision(c->srv), &r)
	              : NULL;
	ns_query_report_clear(&r);
	if (reply) {
		ns_conn_send(c, reply);
		ns_request_clear(&c->req);
	} else {
		ns_conn_refuse(c, NS_E_INTERNAL, "out of memory");
	}
}

static void too_long(struct conn *c)
{
	char msg[96];
	snprintf(msg, sizeof msg, "request line longer than %zu bytes; discarded",
	         c->srv->lim.max_request);
	ns_conn_send_error(c, NULL, NS_E_LINE_TOO_LONG, msg);
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
	ns_conn_refuse(c, NS_E_FORBIDDEN, msg);
}

/* A request line from a client that may send them: decoded, checked
 * against its roles, and handed to its handler. */
static void handle_request(struct conn *c, const char *line, size_t len)
{
	if (c->too_long && len == 1 && line[0] == TOO_LONG_MARK[0]) {
		c->too_long--;
		too_long(c);
		return;
	}
	/* One over the limit may arrive whole, in one read or two. */
	if (len > c->srv->lim.max_request) {
		ns_log_limited(&c->srv->cut_off_log, NS_LOG_NOTICE, LOG_MOD,
		               "conn %lu%s: request line over %zu bytes, discarded",
		               c->id, c->peer, c->srv->lim.max_request);
		too_long(c);
		return;
	}
	len = ns_line_trimmed(line, len);
	ns_proto_err_t err;
	if (!ns_proto_decode(line, len, &c->req, &err)) {
		ns_conn_refuse(c, err.code, err.message);
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
	case NS_OP_PROBLEMS:
		send_problems(c);
		break;
	case NS_OP_QUERIES:
		send_queries(c);
		break;
	case NS_OP_WAIT:
	case NS_OP_REINDEX:
	case NS_OP_COMPACT:
	case NS_OP_BACKUP:
		ns_task_wait(c);
		break;
	case NS_OP_SEARCH:
	case NS_OP_SIMILAR:
	case NS_OP_GET:
	case NS_OP_STATS:
	case NS_OP_PATHS:
	case NS_OP_SUGGEST:
		if (c->req.min_revision && c->srv->h.front)
			ns_conn_refuse(c, NS_E_READ_ONLY_FRONT,
			               ns_front_no_revision);
		else if (c->req.min_revision > ns_server_revision(c->srv))
			ns_task_revision(c);
		else
			ns_task_search(c);
		break;
	}
}

/* The first request on a TCP connection: {"op":"auth","token":"..."}.
 * Anything else, or a wrong token, and the client is told and cut off. */
static void authenticate(struct conn *c, const char *line, size_t len)
{
	ns_server_t *s = c->srv;
	len = ns_line_trimmed(line, len);
	json_t *id = NULL;
	char *token = NULL;
	ns_proto_err_t err = {0};
	const char *why = NULL;
	if (c->too_long && len == 1 && line[0] == TOO_LONG_MARK[0])
		why = "the first request must be {\"op\":\"auth\",\"token\":...}";
	else if (!ns_proto_decode_auth(line, len, &id, &token, &err))
		why = err.message;
	bool admin = !why && s->admin_token &&
	             ns_token_matches(s->admin_token, token, strlen(token));
	if (!why && !admin &&
	    (!s->token || !ns_token_matches(s->token, token, strlen(token))))
		why = "wrong token";
	ns_secret_free(token);
	if (why) {
		ns_log_limited(&s->auth_log, NS_LOG_WARNING, LOG_MOD,
		               "conn %lu%s: refused: %s", c->id, c->peer, why);
		ns_conn_cut_off(c, id, NS_E_UNAUTHORIZED, why);
	} else {
		c->roles = NS_ROLE_SEARCH | (admin ? NS_ROLE_ADMIN : 0u);
		s->unauthed--;
		s->authed++;
		if (c->state == CONN_LOGIN) /* else DRAINING: its last line */
			ns_conn_set_state(c, CONN_OPEN);
		if (!ns_limits_refused(c, id)) {
			ns_log(NS_LOG_DEBUG, LOG_MOD, "conn %lu%s: authenticated%s",
			       c->id, c->peer, admin ? " (admin)" : "");
			ns_conn_send(c, ns_proto_auth_reply(id, ns_server_revision(s)));
		}
	}
	json_decref(id);
}

void ns_dispatch_line(struct conn *c, const char *line, size_t len)
{
	if (ns_conn_authed(c))
		handle_request(c, line, len);
	else
		authenticate(c, line, len);
}
