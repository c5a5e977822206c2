/* test_proto_paths.c - the "paths" request on the wire: what the decoder
 * refuses, and the client's line read back as the daemon reads it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/proto_paths.h"

static void assert_refused(const char *line, const char *why)
{
	ns_request_t req;
	ns_proto_err_t err;
	assert_false(ns_proto_decode(line, strlen(line), &req, &err));
	assert_string_equal(err.code, NS_E_BAD_REQUEST);
	if (!strstr(err.message, why))
		fail_msg("%s: [%s] lacks [%s]", line, err.message, why);
	ns_request_clear(&req);
}

static void test_refused(void **state)
{
	assert_refused("{\"op\":\"paths\",\"prefix\":\"/etc\"}", "\"prefix\"");
	assert_refused("{\"op\":\"paths\",\"prefix\":7}", "\"prefix\"");
	assert_refused("{\"op\":\"paths\",\"prefix\":null}", "\"prefix\"");
	assert_refused("{\"op\":\"paths\",\"path\":\"world\"}", "unknown field");
	assert_refused("{\"op\":\"paths\",\"limit\":0}", "\"limit\"");
	assert_refused("{\"op\":\"paths\",\"limit\":1001}", "\"limit\"");
	assert_refused("{\"op\":\"paths\",\"limit\":\"9\"}", "\"limit\"");
}

static void test_defaults(void **state)
{
	const char *line = "{\"op\":\"paths\"}";
	ns_request_t req;
	ns_proto_err_t err;
	assert_true(ns_proto_decode(line, strlen(line), &req, &err));
	assert_int_equal(req.op, NS_OP_PATHS);
	assert_string_equal(req.path, "");
	assert_int_equal(req.limit, NS_PROTO_DEFAULT_PATHS);
	assert_string_equal(ns_proto_op_name(req.op), "paths");
	ns_request_clear(&req);
}

/* What the client sends is what the daemon reads. */
static void test_round_trip(void **state)
{
	char *line = ns_proto_paths_request(7, "world/or", 25);
	assert_non_null(line);
	assert_int_equal(line[strlen(line) - 1], '\n');
	ns_request_t req;
	ns_proto_err_t err;
	assert_true(ns_proto_decode(line, strlen(line) - 1, &req, &err));
	assert_int_equal(req.op, NS_OP_PATHS);
	assert_string_equal(req.path, "world/or");
	assert_int_equal(req.limit, 25);
	assert_int_equal(json_integer_value(req.id), 7);
	ns_request_clear(&req);
	free(line);
	/* NULL and 0: the whole tree, the default limit. */
	line = ns_proto_paths_request(1, NULL, 0);
	assert_true(ns_proto_decode(line, strlen(line) - 1, &req, &err));
	assert_string_equal(req.path, "");
	assert_int_equal(req.limit, NS_PROTO_DEFAULT_PATHS);
	ns_request_clear(&req);
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests_name("proto_paths", tests, NULL, NULL);
}
