/* fuzz_proto.c - libFuzzer target for the wire protocol (src/core/proto_*.c).
 *
 * The input is what a client sends: its first line goes to the request
 * decoder as the server hands it one (newline excluded, at most
 * NS_PROTO_MAX_LINE bytes).  Every request decoded must hold the
 * decoder's promises (limits, paths inside the tree); every refusal must
 * come with a known code and a message that makes a valid one-line error
 * reply carrying the request's id; a search or similar request decoded,
 * encoded again by the client code and decoded again must be the same
 * request.  The same bytes also go to the TCP auth decoder and to the
 * client's reply parsers (a daemon's reply is input to nsearch-cli). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/proto.h"
#include "core/proto_queries.h"
#include "core/proto_suggest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                      \
	do {                                                                 \
		if (!(cond)) {                                                   \
			fprintf(stderr, "fuzz_proto: %s:%d: %s\n", __FILE__,         \
			        __LINE__, #cond);                                    \
			abort();                                                     \
		}                                                                \
	} while (0)

static const char *const codes[] = {
	NS_E_BAD_JSON, NS_E_BAD_REQUEST, NS_E_UNKNOWN_OP, NS_E_INTERNAL,
	NS_E_UNAUTHORIZED, NULL,
};

static bool known_code(const char *code)
{
	for (size_t i = 0; code && codes[i]; i++)
		if (strcmp(code, codes[i]) == 0)
			return true;
	return false;
}

/* One line of JSON ending in its only newline; the object (new). */
static json_t *one_line(const char *reply)
{
	CHECK(reply);
	size_t n = strlen(reply);
	CHECK(n > 1 && reply[n - 1] == '\n' && !memchr(reply, '\n', n - 1));
	json_t *o = json_loadb(reply, n - 1, 0, NULL);
	CHECK(json_is_object(o));
	return o;
}

static void check_refusal(const ns_request_t *req, const ns_proto_err_t *err)
{
	CHECK(known_code(err->code));
	CHECK(err->message[0]);
	char *reply = ns_proto_error_reply(req->id, 7, err->code, err->message);
	json_t *o = one_line(reply);
	json_t *id = json_object_get(o, "id");
	CHECK(json_equal(id, req->id) || (json_is_null(id) && !req->id));
	CHECK(json_is_false(json_object_get(o, "ok")));
	const char *code = json_string_value(
		json_object_get(json_object_get(o, "error"), "code"));
	CHECK(code && strcmp(code, err->code) == 0);
	json_decref(o);
	free(reply);
}

/* A relative path inside the tree: what the daemon joins to its root. */
static bool inside(const char *p)
{
	if (!p[0] || p[0] == '/')
		return false;
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n + (c[n] == '/');
	}
	return p[strlen(p) - 1] != '/';
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_strv(const ns_strv_t *a, const ns_strv_t *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

/* What the client's encoders carry of a search or similar request. */
static void check_same(const ns_request_t *a, const ns_request_t *b)
{
	CHECK(a->op == b->op);
	CHECK(same_str(a->q, b->q) && same_str(a->path, b->path));
	CHECK(a->limit == b->limit && a->offset == b->offset);
	CHECK(a->snippet_length == b->snippet_length);
	CHECK(same_str(a->hl_start, b->hl_start));
	CHECK(same_str(a->hl_end, b->hl_end));
	CHECK(a->plain == b->plain && a->collapse == b->collapse);
	CHECK(a->facets == b->facets && a->facet_limit == b->facet_limit);
	CHECK(same_strv(&a->filter.sections, &b->filter.sections));
	CHECK(same_strv(&a->filter.tags, &b->filter.tags));
	CHECK(same_strv(&a->filter.authors, &b->filter.authors));
	CHECK(same_strv(&a->filter.langs, &b->filter.langs));
	CHECK(strcmp(a->filter.date_from, b->filter.date_from) == 0);
	CHECK(strcmp(a->filter.date_to, b->filter.date_to) == 0);
	if (a->op == NS_OP_SEARCH) {
		CHECK(same_str(a->lang, b->lang));
		CHECK(a->sort == b->sort && a->match == b->match);
		CHECK(a->recency_days == b->recency_days);
		CHECK(a->autocorrect == b->autocorrect);
		CHECK(a->feedback == b->feedback);
		CHECK(a->prefix == b->prefix);
	}
}

static void check_date(const char *d)
{
	size_t n = strlen(d);
	CHECK(n == 0 || (n == 10 && d[4] == '-' && d[7] == '-'));
}

static void check_request(const ns_request_t *req)
{
	switch (req->op) {
	case NS_OP_SEARCH:
		CHECK(req->q && strlen(req->q) <= NS_PROTO_MAX_LINE);
		/* fall through */
	case NS_OP_SIMILAR:
		CHECK(req->limit >= 1 && req->limit <= NS_PROTO_MAX_LIMIT);
		CHECK(req->offset <= NS_PROTO_MAX_OFFSET);
		CHECK(req->snippet_length <= NS_PROTO_MAX_SNIPPET);
		CHECK(!req->hl_start || strlen(req->hl_start) <= NS_PROTO_MAX_MARKER);
		CHECK(!req->hl_end || strlen(req->hl_end) <= NS_PROTO_MAX_MARKER);
		CHECK(req->facet_limit <= NS_PROTO_MAX_FACET_LIMIT);
		CHECK(req->facets < (1u << NS_FACET_COUNT));
		CHECK(req->filter.tags.n <= NS_PROTO_MAX_FILTER_VALUES);
		check_date(req->filter.date_from);
		check_date(req->filter.date_to);
		CHECK(req->fields & NS_FIELD_PATH);
		CHECK(req->op == NS_OP_SEARCH || (req->path && inside(req->path)));
		break;
	case NS_OP_GET:
		CHECK(req->path && inside(req->path));
		break;
	case NS_OP_WAIT:
	case NS_OP_REINDEX:
		CHECK(!req->path || inside(req->path));
		CHECK(req->op != NS_OP_WAIT ||
		      (req->timeout_ms >= 1 && req->timeout_ms <= NS_PROTO_MAX_WAIT_MS));
		break;
	case NS_OP_BACKUP:
		CHECK(req->path && req->path[0] == '/');
		break;
	case NS_OP_PROBLEMS:
		CHECK(req->limit >= 1 && req->limit <= NS_PROTO_MAX_PROBLEMS);
		break;
	case NS_OP_QUERIES:
		CHECK(req->limit >= 1 && req->limit <= NS_PROTO_MAX_QUERIES);
		break;
	case NS_OP_SUGGEST:
		CHECK(req->q && strlen(req->q) <= NS_PROTO_MAX_SUGGEST_Q);
		CHECK(req->limit >= 1 && req->limit <= NS_PROTO_MAX_SUGGEST);
		break;
	case NS_OP_STATUS:
	case NS_OP_STATS:
	case NS_OP_COMPACT:
		break;
	default:
		CHECK(!"an op the decoder does not know");
	}
}

/* Encode REQ as nsearch-cli would and decode it again: the same. */
static void check_round_trip(const ns_request_t *req)
{
	if (req->op != NS_OP_SEARCH && req->op != NS_OP_SIMILAR)
		return;
	char *line = req->op == NS_OP_SEARCH ? ns_proto_encode_search(9, req)
	                                     : ns_proto_encode_similar(9, req);
	json_decref(one_line(line));
	ns_request_t again;
	ns_proto_err_t err;
	bool ok = ns_proto_decode(line, strlen(line) - 1, &again, &err);
	if (!ok)
		fprintf(stderr, "fuzz_proto: re-encoded request refused: %s: %s\n",
		        err.code, err.message);
	CHECK(ok);
	check_same(req, &again);
	ns_request_clear(&again);
	free(line);
}

/* The client's side: whatever a daemon sends, parsed or refused. */
static void parse_as_reply(const char *line, size_t len)
{
	ns_result_t *res = NULL;
	ns_daemon_status_t st = {0};
	char *code = NULL, *message = NULL;
	ns_proto_parse_reply(line, len, &res, &st, &code, &message);
	ns_result_free(res);
	free(code);
	free(message);
	ns_query_report_t q;
	if (ns_proto_parse_queries(line, len, &q))
		CHECK(q.ntop == 0 || q.top[0].query);
	ns_query_report_clear(&q);
	ns_hit_t a;
	ns_proto_parse_article(line, len, &a);
	ns_hit_clear(&a);
	ns_stats_t s;
	ns_proto_parse_stats(line, len, &s);
	ns_stats_clear(&s);
	ns_problem_t *v = NULL;
	size_t n = 0;
	uint64_t total;
	if (ns_proto_parse_problems(line, len, &v, &n, &total))
		ns_problems_list_free(v, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	const char *nl = memchr(line, '\n', size);
	size_t len = nl ? (size_t)(nl - line) : size;
	if (len > NS_PROTO_MAX_LINE)
		return 0; /* the server refuses it unread */

	ns_request_t req;
	ns_proto_err_t err;
	if (ns_proto_decode(line, len, &req, &err)) {
		check_request(&req);
		check_round_trip(&req);
	} else {
		check_refusal(&req, &err);
	}
	ns_request_clear(&req);

	json_t *id = NULL;
	char *token = NULL;
	if (ns_proto_decode_auth(line, len, &id, &token, &err))
		CHECK(token);
	else
		CHECK(!token && known_code(err.code));
	json_decref(id);
	free(token);

	parse_as_reply(line, len);
	return 0;
}
