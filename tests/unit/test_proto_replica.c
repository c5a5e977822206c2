/* test_proto_replica.c - replication on the wire: min_revision decoded
 * (and refused where it means nothing), a replica's lag in search
 * replies, the "replication" object of status read back, and when a
 * replica is ready. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/proto_replica.h"

static bool decode(const char *line, ns_request_t *req, ns_proto_err_t *err)
{
	return ns_proto_decode(line, strlen(line), req, err);
}

static void assert_refused(const char *line, const char *code,
                           const char *why)
{
	ns_request_t req;
	ns_proto_err_t err;
	assert_false(decode(line, &req, &err));
	assert_string_equal(err.code, code);
	if (!strstr(err.message, why))
		fail_msg("%s: [%s] lacks [%s]", line, err.message, why);
	ns_request_clear(&req);
}

static void test_min_revision_refused(void **state)
{
	(void)state;
	assert_refused("{\"op\":\"search\",\"q\":\"x\",\"min_revision\":-1}",
	               NS_E_BAD_REQUEST, "non-negative integer");
	assert_refused("{\"op\":\"search\",\"q\":\"x\",\"min_revision\":\"7\"}",
	               NS_E_BAD_REQUEST, "non-negative integer");
	assert_refused("{\"op\":\"search\",\"q\":\"x\",\"min_revision\":1.5}",
	               NS_E_BAD_REQUEST, "non-negative integer");
	assert_refused("{\"op\":\"status\",\"min_revision\":3}",
	               NS_E_BAD_REQUEST, "applies to search");
	assert_refused("{\"op\":\"wait\",\"min_revision\":3}", NS_E_BAD_REQUEST,
	               "applies to search");
	/* The rest of the request is checked as ever. */
	assert_refused("{\"op\":\"search\",\"min_revision\":3}", NS_E_BAD_REQUEST,
	               "\"q\" is required");
	assert_refused("{\"op\":\"search\",\"q\":\"x\",\"min_revision\":3,"
	               "\"bogus\":1}", NS_E_BAD_REQUEST, "unknown field");
	assert_refused("{\"op\":\"search\",\"q\":\"x\",\"min_revision\":3,"
	               "\"min_revision\":4}", NS_E_BAD_JSON, "");
	assert_refused("not json \"min_revision\"", NS_E_BAD_JSON, "");
}

static void test_min_revision_decoded(void **state)
{
	(void)state;
	ns_request_t req;
	ns_proto_err_t err;
	assert_true(decode("{\"id\":9,\"op\":\"search\",\"q\":\"harbour\","
	                   "\"min_revision\":812,\"limit\":3}", &req, &err));
	assert_int_equal(req.op, NS_OP_SEARCH);
	assert_int_equal(req.min_revision, 812);
	assert_int_equal(req.limit, 3);
	assert_string_equal(req.q, "harbour");
	assert_int_equal(json_integer_value(req.id), 9);
	ns_request_clear(&req);
	assert_true(decode("{\"op\":\"get\",\"path\":\"a/b.md\","
	                   "\"min_revision\":0}", &req, &err));
	assert_int_equal(req.min_revision, 0);
	ns_request_clear(&req);
	/* Without it, or with the words only inside a string: none. */
	assert_true(decode("{\"op\":\"search\",\"q\":\"\\\"min_revision\\\"\"}",
	                   &req, &err));
	assert_int_equal(req.min_revision, 0);
	ns_request_clear(&req);
	/* An error after the id is known carries the id. */
	assert_false(decode("{\"id\":\"x\",\"op\":\"stats\",\"min_revision\":"
	                    "true}", &req, &err));
	assert_string_equal(json_string_value(req.id), "x");
	ns_request_clear(&req);
}

static ns_replication_status_t a_replica(void)
{
	ns_replication_status_t r = {
		.role = NS_REPL_REPLICA, .address = "10.0.0.5:7010",
		.synced = true, .connected = false, .revision = 41,
		.documents = 17, .behind_revisions = 2, .behind_s = 45.1234,
		.max_lag_s = 30, .unreachable_s = 12.5, .rounds = 100,
		.failures = 13, .full_copies = 1,
		.error = "NetworkError: Couldn't connect (Connection refused)",
	};
	return r;
}

static void test_search_meta(void **state)
{
	(void)state;
	ns_replication_status_t rep = a_replica();
	char *line = ns_proto_search_meta(strdup("{\"id\":1,\"ok\":true}\n"),
	                                  false, &rep);
	assert_string_equal(line, "{\"ready\":false,\"replica\":{\"primary\":"
	                    "\"10.0.0.5:7010\",\"connected\":false,"
	                    "\"behind_revisions\":2,\"behind_s\":45.123},"
	                    "\"id\":1,\"ok\":true}\n");
	free(line);
	/* A primary's, or none: "ready" only. */
	ns_replication_status_t none = {0};
	line = ns_proto_search_meta(strdup("{\"ok\":true}\n"), true, &none);
	assert_string_equal(line, "{\"ready\":true,\"ok\":true}\n");
	free(line);
	line = ns_proto_search_meta(strdup("{}\n"), true, NULL);
	assert_string_equal(line, "{\"ready\":true}\n");
	free(line);
	/* Not an object: left as it is. */
	assert_null(ns_proto_search_meta(NULL, true, NULL));
	line = ns_proto_splice(strdup("[1]\n"), "k", json_true());
	assert_string_equal(line, "[1]\n");
	free(line);
}

static void test_status_round_trip(void **state)
{
	(void)state;
	ns_replication_status_t rep = a_replica(), back;
	char *line = ns_proto_splice(strdup("{\"ok\":true}\n"), "replication",
	                             ns_proto_replication_json(&rep));
	assert_true(ns_proto_parse_replication(line, strlen(line), &back));
	assert_int_equal(back.role, NS_REPL_REPLICA);
	assert_string_equal(back.address, rep.address);
	assert_true(back.synced);
	assert_false(back.connected);
	assert_int_equal(back.revision, 41);
	assert_int_equal(back.documents, 17);
	assert_int_equal(back.behind_revisions, 2);
	assert_true(back.behind_s > 45.12 && back.behind_s < 45.13);
	assert_int_equal(back.max_lag_s, 30);
	assert_true(back.unreachable_s > 12.4 && back.unreachable_s < 12.6);
	assert_int_equal(back.rounds, 100);
	assert_int_equal(back.failures, 13);
	assert_int_equal(back.full_copies, 1);
	assert_string_equal(back.error, rep.error);
	free(line);

	ns_replication_status_t p = {.role = NS_REPL_PRIMARY,
	                             .address = "10.0.0.5:7010", .serving = true,
	                             .changesets = 1000, .restarts = 2};
	line = ns_proto_splice(strdup("{\"ok\":true}\n"), "replication",
	                       ns_proto_replication_json(&p));
	assert_true(ns_proto_parse_replication(line, strlen(line), &back));
	assert_int_equal(back.role, NS_REPL_PRIMARY);
	assert_true(back.serving);
	assert_int_equal(back.changesets, 1000);
	assert_int_equal(back.restarts, 2);
	free(line);

	ns_replication_status_t none = {0};
	assert_null(ns_proto_replication_json(&none));
	assert_null(ns_proto_replication_json(NULL));
	const char *plain = "{\"ok\":true,\"ready\":true}";
	assert_false(ns_proto_parse_replication(plain, strlen(plain), &back));
	assert_int_equal(back.role, NS_REPL_NONE);
}

static void test_ready(void **state)
{
	(void)state;
	char why[600];
	ns_replication_status_t rep = a_replica();
	assert_false(ns_replica_status_ready(&rep, why, sizeof why));
	assert_non_null(strstr(why, "45 s behind the primary at 10.0.0.5:7010"));
	assert_non_null(strstr(why, "Connection refused"));
	rep.behind_s = 29.9;
	assert_true(ns_replica_status_ready(&rep, why, sizeof why));
	rep.synced = false;
	assert_false(ns_replica_status_ready(&rep, NULL, 0));
	assert_false(ns_replica_status_ready(&rep, why, sizeof why));
	assert_non_null(strstr(why, "no copy of the primary's index yet"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_min_revision_refused),
		cmocka_unit_test(test_min_revision_decoded),
		cmocka_unit_test(test_search_meta),
		cmocka_unit_test(test_status_round_trip),
		cmocka_unit_test(test_ready),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
