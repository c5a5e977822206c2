/* test_querylog.c - the query log (daemon/querylog.c): what each mode
 * logs, the fields of a line and their names, the counts of the last day
 * by query (the most asked, those that found nothing, what ages out, what
 * does not fit), and the "queries" request and reply on the wire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/proto_queries.h"
#include "daemon/querylog.h"
#include "testutil.h"

/* 2026-12-06 10:30 UTC, a fixed clock. */
static const int64_t NOW = 1796553000000LL;
#define HOUR 3600000LL

static ns_query_event_t ev(const char *q, uint64_t hits, double ms)
{
	return (ns_query_event_t){.query = q, .hits = hits, .ms = ms,
	                          .protocol = "ndjson", .conn = 3};
}

/* What the log wrote to stderr while FN(QL) ran (new). */
static char *stderr_of(void (*fn)(ns_querylog_t *), ns_querylog_t *ql)
{
	char path[] = "/tmp/test_querylog.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	fn(ql);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	char *text = NULL;
	size_t len;
	assert_int_equal(ns_read_file(path, 1 << 20, &text, &len), NS_OK);
	unlink(path);
	return text;
}

static size_t lines_with(const char *text, const char *what)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, what)); p++)
		n++;
	return n;
}

static void test_bad_arguments(void **state)
{
	ns_query_event_t e = ev("x", 0, 1);
	ns_querylog_note(NULL, &e, NOW);
	ns_querylog_search(NULL, NULL, NULL, 0, "ndjson", 0);
	ns_querylog_free(NULL);
	ns_query_report_t r;
	assert_int_equal(ns_querylog_report(NULL, 10, NOW, &r), NS_OK);
	assert_string_equal(r.logging, "off");
	assert_int_equal(r.ntop + r.nzero + r.searches, 0);
	ns_query_report_clear(&r);
	ns_query_report_clear(NULL);
	assert_string_equal(ns_qlog_mode_name((ns_qlog_mode_t)99), "off");
	assert_string_equal(ns_qlog_mode_names[NS_QLOG_SAMPLED], "sampled");
	assert_null(ns_qlog_mode_names[NS_QLOG_ALL + 1]);
}

/* The names the journal gets, in the line's order, the query last; no
 * request id without one. */
static void test_fields(void **state)
{
	ns_query_event_t e = ev("harbour \"strike\"", 0, 12.345);
	json_t *id = json_string("r-7");
	e.id = id;
	ns_strv_t f = {0};
	assert_int_equal(ns_querylog_fields(&e, "zero", &f), NS_OK);
	assert_strv(&f, 7, "KIND=zero", "HITS=0", "MS=12.3", "REQUEST_ID=\"r-7\"",
	            "PROTOCOL=ndjson", "CONN=3", "QUERY=harbour \"strike\"");
	ns_strv_clear(&f);
	e.id = NULL;
	e.conn = 0;
	e.protocol = "http";
	e.hits = 42;
	assert_int_equal(ns_querylog_fields(&e, "slow", &f), NS_OK);
	assert_strv(&f, 5, "KIND=slow", "HITS=42", "MS=12.3", "PROTOCOL=http",
	            "QUERY=harbour \"strike\"");
	ns_strv_clear(&f);
	json_decref(id);
}

static void searches(ns_querylog_t *ql)
{
	ns_query_event_t found = ev("tram line", 5, 2);
	ns_query_event_t none = ev("quillwort", 0, 2);
	ns_query_event_t slow = ev("slow one", 5, 5000);
	for (int i = 0; i < 4; i++)
		ns_querylog_note(ql, &found, NOW);
	ns_querylog_note(ql, &none, NOW);
	ns_querylog_note(ql, &slow, NOW);
}

/* Each mode takes in the ones before it. */
static void test_modes(void **state)
{
	ns_querylog_t *ql = ns_querylog_new();
	assert_non_null(ql);
	char *log = stderr_of(searches, ql); /* off until configured */
	assert_string_equal(log, "");
	free(log);

	ns_querylog_configure(ql, NS_QLOG_ZERO, 1000, 100);
	log = stderr_of(searches, ql);
	assert_int_equal(lines_with(log, "query: "), 1);
	assert_non_null(strstr(log, "nsearchd: info: query: KIND=zero HITS=0 "
	                       "MS=2.0 PROTOCOL=ndjson CONN=3 QUERY=quillwort\n"));
	free(log);

	ns_querylog_configure(ql, NS_QLOG_SLOW, 1000, 100);
	log = stderr_of(searches, ql);
	assert_int_equal(lines_with(log, "query: "), 2);
	assert_non_null(strstr(log, "KIND=slow HITS=5 MS=5000.0 "));
	free(log);

	/* One in two of the others, counted in order. */
	ns_querylog_configure(ql, NS_QLOG_SAMPLED, 1000, 2);
	log = stderr_of(searches, ql);
	assert_int_equal(lines_with(log, "KIND=sampled"), 2);
	assert_int_equal(lines_with(log, "query: "), 4);
	free(log);

	ns_querylog_configure(ql, NS_QLOG_ALL, 1000, 100);
	log = stderr_of(searches, ql);
	assert_int_equal(lines_with(log, "KIND=all"), 4);
	assert_int_equal(lines_with(log, "query: "), 6);
	free(log);
	ns_querylog_free(ql);
}

/* A line is one line, whatever the query holds. */
static void newline_query(ns_querylog_t *ql)
{
	ns_query_event_t e = ev("two\nlines", 0, 1);
	ns_querylog_note(ql, &e, NOW);
}

static void test_line_escaped(void **state)
{
	ns_querylog_t *ql = ns_querylog_new();
	ns_querylog_configure(ql, NS_QLOG_ZERO, 1000, 100);
	char *log = stderr_of(newline_query, ql);
	assert_non_null(strstr(log, "QUERY=two\\nlines\n"));
	assert_int_equal(lines_with(log, "\n"), 1);
	free(log);
	ns_querylog_free(ql);
}

static void quiet(ns_querylog_t *ql)
{
	(void)ql;
}

static void test_counts(void **state)
{
	ns_querylog_t *ql = ns_querylog_new();
	/* Counted whatever is logged (zero logs these without a line). */
	ns_querylog_configure(ql, NS_QLOG_ZERO, 1000, 100);
	char *log = stderr_of(quiet, ql);
	free(log);
	ns_query_event_t e = ev("  harbour \t strike ", 12, 3);
	for (int i = 0; i < 3; i++)
		ns_querylog_note(ql, &e, NOW - 2 * HOUR);
	e = ev("harbour strike", 9, 8);
	ns_querylog_note(ql, &e, NOW - HOUR);
	e = ev("quillwort", 0, 1);
	ns_querylog_note(ql, &e, NOW - HOUR);
	ns_querylog_note(ql, &e, NOW);
	e = ev("tram", 0, 1);
	ns_querylog_note(ql, &e, NOW + 1000);
	e = ev("tram", 4, 1);
	ns_querylog_note(ql, &e, NOW + 1000);
	e = ev("", 4, 1); /* filters alone: not a query */
	ns_querylog_note(ql, &e, NOW);

	ns_query_report_t r;
	assert_int_equal(ns_querylog_report(ql, 10, NOW, &r), NS_OK);
	assert_string_equal(r.logging, "zero");
	assert_int_equal(r.searches, 8);
	assert_int_equal(r.since, (NOW / HOUR - 2) * HOUR);
	assert_int_equal(r.ntop, 3);
	assert_string_equal(r.top[0].query, "harbour strike");
	assert_int_equal(r.top[0].count, 4);
	assert_int_equal(r.top[0].last_hits, 9);
	assert_int_equal(r.top[0].last, NOW - HOUR);
	assert_true(r.top[0].max_ms == 8);
	/* Two each: the later first. */
	assert_string_equal(r.top[1].query, "tram");
	assert_string_equal(r.top[2].query, "quillwort");
	assert_int_equal(r.nzero, 2);
	assert_string_equal(r.zero[0].query, "quillwort");
	assert_int_equal(r.zero[0].zero, 2);
	assert_string_equal(r.zero[1].query, "tram");
	assert_int_equal(r.zero[1].zero, 1);
	assert_int_equal(r.zero[1].last_hits, 4);
	ns_query_report_clear(&r);

	/* A limit; a day later only the old hours are gone. */
	assert_int_equal(ns_querylog_report(ql, 1, NOW, &r), NS_OK);
	assert_int_equal(r.ntop, 1);
	assert_int_equal(r.nzero, 1);
	ns_query_report_clear(&r);
	assert_int_equal(ns_querylog_report(ql, 10, NOW + 23 * HOUR, &r), NS_OK);
	assert_int_equal(r.searches, 3); /* NOW's hour only */
	assert_int_equal(r.ntop, 2);
	ns_query_report_clear(&r);

	/* Off forgets. */
	ns_querylog_configure(ql, NS_QLOG_OFF, 1000, 100);
	ns_querylog_note(ql, &e, NOW);
	assert_int_equal(ns_querylog_report(ql, 10, NOW, &r), NS_OK);
	assert_int_equal(r.searches + r.ntop, 0);
	ns_query_report_clear(&r);
	ns_querylog_free(ql);
}

static void test_bounds(void **state)
{
	ns_querylog_t *ql = ns_querylog_new();
	ns_querylog_configure(ql, NS_QLOG_ZERO, 1000, 100);
	/* A thousand different queries an hour are counted, no more. */
	char q[32];
	for (int i = 0; i < 1005; i++) {
		snprintf(q, sizeof q, "query %d", i);
		ns_query_event_t e = ev(q, 1, 1);
		ns_querylog_note(ql, &e, NOW);
	}
	/* A query is kept to 200 bytes, never half a character. */
	char longq[400] = "x";
	for (int i = 0; i < 130; i++)
		strcat(longq, "\xc3\xa9"); /* é, two bytes */
	ns_query_event_t e = ev(longq, 0, 1);
	ns_querylog_note(ql, &e, NOW + HOUR);
	ns_query_report_t r;
	assert_int_equal(ns_querylog_report(ql, 100, NOW + HOUR, &r), NS_OK);
	assert_int_equal(r.searches, 1006);
	assert_int_equal(r.not_counted, 5);
	assert_int_equal(r.ntop, 100);
	assert_int_equal(r.nzero, 1);
	assert_int_equal(strlen(r.zero[0].query), 199);
	assert_memory_equal(r.zero[0].query, longq, 199);
	ns_query_report_clear(&r);
	ns_querylog_free(ql);
}

static void test_wire(void **state)
{
	ns_request_t req;
	ns_proto_err_t err;
	const char *line = "{\"id\":\"q\",\"op\":\"queries\",\"limit\":5}";
	assert_true(ns_proto_decode(line, strlen(line), &req, &err));
	assert_int_equal(req.op, NS_OP_QUERIES);
	assert_int_equal(req.limit, 5);
	assert_string_equal(json_string_value(req.id), "q");
	assert_string_equal(ns_proto_op_name(req.op), "queries");
	assert_string_equal(ns_proto_op_name(NS_OP_STATS), "stats");
	ns_request_clear(&req);
	line = "{\"op\":\"queries\"}";
	assert_true(ns_proto_decode(line, strlen(line), &req, &err));
	assert_int_equal(req.limit, NS_PROTO_DEFAULT_QUERIES);
	ns_request_clear(&req);
	/* Other ops as ns_proto_decode has them, errors included. */
	line = "{\"id\":1,\"op\":\"search\",\"q\":\"x\"}";
	assert_true(ns_proto_decode(line, strlen(line), &req, &err));
	assert_int_equal(req.op, NS_OP_SEARCH);
	ns_request_clear(&req);
	line = "{\"id\":2,\"op\":\"frobnicate\"}";
	assert_false(ns_proto_decode(line, strlen(line), &req, &err));
	assert_string_equal(err.code, NS_E_UNKNOWN_OP);
	assert_int_equal(json_integer_value(req.id), 2);
	ns_request_clear(&req);
	line = "{\"op\":\"queries\",\"limit\":0}";
	assert_false(ns_proto_decode(line, strlen(line), &req, &err));
	assert_string_equal(err.code, NS_E_BAD_REQUEST);
	ns_request_clear(&req);
	line = "{\"op\":\"queries\",\"q\":\"x\"}";
	assert_false(ns_proto_decode(line, strlen(line), &req, &err));
	assert_string_equal(err.code, NS_E_BAD_REQUEST);
	ns_request_clear(&req);

	/* A reply read back is the report it was made of. */
	ns_query_stat_t top[] = {{"harbour", 4, 0, 9, NOW, 8.5}};
	ns_query_stat_t zero[] = {{"quillwort", 2, 2, 0, NOW - HOUR, 1}};
	ns_query_report_t r = {"slow", (NOW / HOUR - 2) * HOUR, 6, 1, top, 1,
	                       zero, 1};
	json_t *id = json_integer(9);
	char *reply = ns_proto_queries_reply(id, 12, &r);
	json_decref(id);
	assert_non_null(reply);
	assert_non_null(strstr(reply, "\"id\":9,\"ok\":true,\"revision\":12,"));
	ns_query_report_t back;
	assert_true(ns_proto_parse_queries(reply, strlen(reply), &back));
	assert_string_equal(back.logging, "slow");
	assert_int_equal(back.since, r.since);
	assert_int_equal(back.searches, 6);
	assert_int_equal(back.not_counted, 1);
	assert_int_equal(back.ntop, 1);
	assert_string_equal(back.top[0].query, "harbour");
	assert_int_equal(back.top[0].count, 4);
	assert_int_equal(back.top[0].last_hits, 9);
	assert_int_equal(back.top[0].last, NOW);
	assert_true(back.top[0].max_ms == 8.5);
	assert_string_equal(back.zero[0].query, "quillwort");
	assert_int_equal(back.zero[0].zero, 2);
	ns_query_report_clear(&back);
	assert_false(ns_proto_parse_queries("{\"ok\":false}", 12, &back));
	free(reply);
	char *req_line = ns_proto_queries_request(3, 0);
	assert_string_equal(req_line, "{\"id\":3,\"op\":\"queries\",\"limit\":10}\n");
	free(req_line);
}

/* The query workers note at once while the loop reads and reconfigures:
 * no count is lost. */
enum { THREADS = 6, NOTES = 3000, QUERIES = 10 };

struct noter {
	ns_querylog_t *ql;
	int me;
};

static void *noter(void *arg)
{
	const struct noter *n = arg;
	for (int i = 0; i < NOTES; i++) {
		char q[64];
		snprintf(q, sizeof q, "thread %d query %d", n->me, i % QUERIES);
		ns_query_event_t e = ev(q, (uint64_t)(i % 3), 1);
		ns_querylog_note(n->ql, &e, NOW);
	}
	return NULL;
}

static void test_threads(void **state)
{
	ns_querylog_t *ql = ns_querylog_new();
	ns_querylog_configure(ql, NS_QLOG_SAMPLED, 1000, 7);
	/* Its lines are not what this counts. */
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
	dup2(null, STDERR_FILENO);
	pthread_t t[THREADS];
	struct noter args[THREADS];
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct noter){ql, i};
		assert_int_equal(pthread_create(&t[i], NULL, noter, &args[i]), 0);
	}
	for (int i = 0; i < 200; i++) {
		ns_query_report_t r;
		assert_int_equal(ns_querylog_report(ql, 5, NOW, &r), NS_OK);
		assert_true(r.ntop <= 5);
		ns_query_report_clear(&r);
		ns_querylog_configure(ql, i % 2 ? NS_QLOG_ALL : NS_QLOG_SAMPLED,
		                      1000, 7);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(null);
	ns_query_report_t r;
	assert_int_equal(ns_querylog_report(ql, 100, NOW, &r), NS_OK);
	assert_int_equal(r.searches, THREADS * NOTES);
	assert_int_equal(r.ntop, THREADS * QUERIES);
	for (size_t i = 0; i < r.ntop; i++)
		assert_int_equal(r.top[i].count, NOTES / QUERIES);
	uint64_t zero = 0;
	for (size_t i = 0; i < r.nzero; i++)
		zero += r.zero[i].zero;
	assert_int_equal(zero, THREADS * NOTES / 3);
	ns_query_report_clear(&r);
	ns_querylog_free(ql);
}

int main(void)
{
	unsetenv("JOURNAL_STREAM"); /* the lines this reads are stderr's */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_line_escaped),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests_name("querylog", tests, NULL, NULL);
}
