/* test_http_req.c - what an HTTP request says, as the protocol would
 * (daemon/http.h's pure helpers): statuses, paths, escapes, query
 * strings, loopback addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/fields.h"
#include "daemon/http.h"
#include "testutil.h"

static void test_statuses(void **state)
{
	assert_int_equal(ns_http_status_of(NS_E_BAD_QUERY), 400);
	assert_int_equal(ns_http_status_of(NS_E_UNAUTHORIZED), 401);
	assert_int_equal(ns_http_status_of(NS_E_FORBIDDEN), 403);
	assert_int_equal(ns_http_status_of(NS_E_NOT_FOUND), 404);
	assert_int_equal(ns_http_status_of(NS_E_BUSY), 409);
	assert_int_equal(ns_http_status_of(NS_E_PRECONDITION_FAILED), 412);
	assert_int_equal(ns_http_status_of(NS_E_LINE_TOO_LONG), 413);
	assert_int_equal(ns_http_status_of(NS_E_TOO_MANY_CONNECTIONS), 429);
	assert_int_equal(ns_http_status_of(NS_E_UNAVAILABLE), 503);
	assert_int_equal(ns_http_status_of(NS_E_TIMEOUT), 504);
	assert_int_equal(ns_http_status_of("NO_SUCH_CODE"), 400);
	assert_int_equal(ns_http_status_of(NULL), 400);
}

static void test_paths(void **state)
{
	assert_null(ns_http_bad_path("city/2025/budget.md"));
	assert_null(ns_http_bad_path("a.b/..c/x..md"));
	assert_non_null(ns_http_bad_path(NULL));
	assert_non_null(ns_http_bad_path(""));
	assert_non_null(ns_http_bad_path("/etc/passwd"));
	assert_non_null(ns_http_bad_path("../x.md"));
	assert_non_null(ns_http_bad_path("city/../../x.md"));
	assert_non_null(ns_http_bad_path("city/./x.md"));
	assert_non_null(ns_http_bad_path("city//x.md"));
	assert_non_null(ns_http_bad_path("city/"));
	assert_non_null(ns_http_bad_path("city/x\n.md"));
}

static void test_unescape(void **state)
{
	char *s = ns_http_unescape("a%20b+c%2F", 10, true);
	assert_string_equal(s, "a b c/");
	free(s);
	s = ns_http_unescape("a+b", 3, false);
	assert_string_equal(s, "a+b");
	free(s);
	assert_null(ns_http_unescape("%zz", 3, true));
	assert_null(ns_http_unescape("%2", 2, true));
	assert_null(ns_http_unescape("x%00y", 5, true)); /* no NUL smuggled */
}

static void test_query_strings(void **state)
{
	const char *why;
	const char *qs = "q=tram+vote&limit=5&tag=a&tag=b&facets=section,year"
	                 "&collapse=true&section=city&filter.lang=en";
	json_t *o = ns_http_query_to_json(qs, strlen(qs), "search", &why);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "op")),
	                    "search");
	assert_string_equal(json_string_value(json_object_get(o, "q")),
	                    "tram vote");
	assert_int_equal(json_integer_value(json_object_get(o, "limit")), 5);
	assert_true(json_is_true(json_object_get(o, "collapse")));
	assert_int_equal(json_array_size(json_object_get(o, "facets")), 2);
	json_t *f = json_object_get(o, "filter");
	assert_int_equal(json_array_size(json_object_get(f, "tag")), 2);
	assert_string_equal(json_string_value(json_object_get(f, "section")),
	                    "city");
	assert_string_equal(json_string_value(json_object_get(f, "lang")), "en");
	json_decref(o);
	/* A limit that is no number stays a string: the decoder refuses it. */
	o = ns_http_query_to_json("limit=abc", 9, "search", &why);
	assert_true(json_is_string(json_object_get(o, "limit")));
	json_decref(o);
	assert_null(ns_http_query_to_json("op=stats", 8, "search", &why));
	assert_non_null(why);
	assert_null(ns_http_query_to_json("q=%zz", 5, "search", &why));
	/* Bytes that are no UTF-8 are said to be, not "out of memory". */
	assert_null(ns_http_query_to_json("q=tram%FF%FE", 12, "search", &why));
	assert_string_equal(why, "the query string is not UTF-8 (once its "
	                    "%-escapes are decoded)");
	assert_null(ns_http_query_to_json("%C3=x", 5, "search", &why));
	assert_non_null(strstr(why, "not UTF-8"));
	/* A range's bound that is no finite number stays text: the decoder
	 * refuses it in its own words. */
	ns_field_decl_t words = {"words", NS_FIELD_NUMBER};
	ns_fields_declare(&words, 1);
	const char *bounds[] = {"words.min=inf", "words.max=1e999",
	                        "words.min=nan"};
	for (size_t i = 0; i < 3; i++) {
		o = ns_http_query_to_json(bounds[i], strlen(bounds[i]), "search",
		                          &why);
		assert_non_null(o);
		json_t *range = json_object_get(json_object_get(o, "filter"),
		                                "words");
		assert_int_equal(json_object_size(range), 1);
		assert_true(json_is_string(json_object_iter_value(
		            json_object_iter(range))));
		json_decref(o);
	}
	o = ns_http_query_to_json("words.min=5", 11, "search", &why);
	assert_true(json_real_value(json_object_get(json_object_get(
	            json_object_get(o, "filter"), "words"), "min")) == 5);
	json_decref(o);
	ns_fields_declare(NULL, 0);
	o = ns_http_query_to_json("q=caf%C3%A9", 11, "search", &why);
	assert_string_equal(json_string_value(json_object_get(o, "q")),
	                    "caf\xc3\xa9");
	json_decref(o);
}

static void test_loopback(void **state)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	in->sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &in->sin_addr);
	assert_true(ns_http_loopback(&ss));
	inet_pton(AF_INET, "127.45.0.9", &in->sin_addr);
	assert_true(ns_http_loopback(&ss));
	inet_pton(AF_INET, "10.0.0.1", &in->sin_addr);
	assert_false(ns_http_loopback(&ss));
	inet_pton(AF_INET, "128.0.0.1", &in->sin_addr);
	assert_false(ns_http_loopback(&ss));
	memset(&ss, 0, sizeof ss);
	in6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::1", &in6->sin6_addr);
	assert_true(ns_http_loopback(&ss));
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6->sin6_addr);
	assert_true(ns_http_loopback(&ss));
	inet_pton(AF_INET6, "::ffff:192.0.2.1", &in6->sin6_addr);
	assert_false(ns_http_loopback(&ss));
	inet_pton(AF_INET6, "2001:db8::1", &in6->sin6_addr);
	assert_false(ns_http_loopback(&ss));
	ss.ss_family = AF_UNIX;
	assert_false(ns_http_loopback(&ss)); /* the caller treats it apart */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_query_strings),
		cmocka_unit_test(test_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
