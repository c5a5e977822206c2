/* test_proto.c - requests decode and replies encode as docs/protocol.md
 * says, and every malformed request maps to its documented error code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/proto.h"
#include "core/proto_suggest.h"
#include "testutil.h"

/* Decode S and expect failure with CODE; returns the id it carried. */
static void expect_error(const char *s, const char *code, const char *in_msg)
{
	ns_request_t req;
	ns_proto_err_t err;
	assert_false(ns_proto_decode(s, strlen(s), &req, &err));
	assert_string_equal(err.code, code);
	if (in_msg && !strstr(err.message, in_msg))
		fail_msg("message '%s' lacks '%s'", err.message, in_msg);
	ns_request_clear(&req);
}

static void test_search_defaults(void **state)
{
	const char *s = "{\"id\":1,\"op\":\"search\",\"q\":\"lavrov\"}";
	ns_request_t req;
	ns_proto_err_t err;
	assert_true(ns_proto_decode(s, strlen(s), &req, &err));
	assert_int_equal(req.op, NS_OP_SEARCH);
	assert_string_equal(req.q, "lavrov");
	assert_int_equal(req.limit, NS_PROTO_DEFAULT_LIMIT);
	assert_int_equal(req.offset, 0);
	assert_int_equal(json_integer_value(req.id), 1);
	assert_null(req.hl_start);
	assert_true(req.autocorrect);
	ns_request_clear(&req);
	/* Off when asked, and said back so by the client's encoder. */
	assert_false(req.feedback);
	s = "{\"op\":\"search\",\"q\":\"opek\",\"autocorrect\":false,"
	    "\"feedback\":true}";
	assert_true(ns_proto_decode(s, strlen(s), &req, &err));
	assert_false(req.autocorrect);
	assert_true(req.feedback);
	char *line = ns_proto_encode_search(1, &req);
	assert_non_null(strstr(line, "\"autocorrect\":false"));
	assert_non_null(strstr(line, "\"feedback\":true"));
	free(line);
	ns_request_clear(&req);
	s = "{\"op\":\"search\",\"q\":\"opek\",\"autocorrect\":1}";
	assert_false(ns_proto_decode(s, strlen(s), &req, &err));
	assert_string_equal(err.code, "BAD_REQUEST");
}

static void test_search_all_fields(void **state)
{
	const char *s = "{\"id\":\"abc\",\"op\":\"search\",\"q\":\"tram line\","
	                "\"limit\":25,\"offset\":50,\"snippet_length\":120,"
	                "\"highlight_start\":\"<em>\",\"highlight_end\":\"</em>\"}";
	ns_request_t req;
	ns_proto_err_t err;
	assert_true(ns_proto_decode(s, strlen(s), &req, &err));
	assert_string_equal(json_string_value(req.id), "abc");
	assert_int_equal(req.limit, 25);
	assert_int_equal(req.offset, 50);
	assert_int_equal(req.snippet_length, 120);
	assert_string_equal(req.hl_start, "<em>");
	assert_string_equal(req.hl_end, "</em>");
	ns_request_clear(&req);
}

static void test_status(void **state)
{
	const char *s = "{\"op\":\"status\"}";
	ns_request_t req;
	ns_proto_err_t err;
	assert_true(ns_proto_decode(s, strlen(s), &req, &err));
	assert_int_equal(req.op, NS_OP_STATUS);
	assert_true(json_is_null(req.id));
	ns_request_clear(&req);
}

static void test_malformed(void **state)
{
	expect_error("", NS_E_BAD_JSON, "not JSON");
	expect_error("{\"op\":\"search\"", NS_E_BAD_JSON, "not JSON");
	expect_error("[1,2]", NS_E_BAD_JSON, "object");
	expect_error("\"search\"", NS_E_BAD_JSON, NULL);
	expect_error("{\"id\":1}", NS_E_BAD_REQUEST, "\"op\" is required");
	expect_error("{\"op\":7}", NS_E_BAD_REQUEST, "\"op\" must be a string");
	expect_error("{\"op\":\"explode\"}", NS_E_UNKNOWN_OP, "explode");
	expect_error("{\"op\":\"search\"}", NS_E_BAD_REQUEST, "\"q\" is required");
	expect_error("{\"op\":\"search\",\"q\":5}", NS_E_BAD_REQUEST, "string");
	expect_error("{\"op\":\"search\",\"q\":\"\"}", NS_E_BAD_REQUEST,
	             "empty and there is no \"filter\"");
	expect_error("{\"op\":\"search\",\"q\":\"a\",\"limit\":\"5\"}",
	             NS_E_BAD_REQUEST, "integer");
	expect_error("{\"op\":\"search\",\"q\":\"a\",\"limit\":0}",
	             NS_E_BAD_REQUEST, "between");
	expect_error("{\"op\":\"search\",\"q\":\"a\",\"limit\":101}",
	             NS_E_BAD_REQUEST, "between 1 and 100");
	expect_error("{\"op\":\"search\",\"q\":\"a\",\"offset\":-1}",
	             NS_E_BAD_REQUEST, "offset");
	expect_error("{\"op\":\"search\",\"q\":\"a\",\"colour\":1}",
	             NS_E_BAD_REQUEST, "unknown field \"colour\"");
	expect_error("{\"op\":\"status\",\"q\":\"a\"}", NS_E_BAD_REQUEST,
	             "unknown field \"q\"");
	expect_error("{\"id\":{},\"op\":\"status\"}", NS_E_BAD_REQUEST, "\"id\"");
	expect_error("{\"op\":\"status\",\"op\":\"search\"}", NS_E_BAD_JSON, NULL);
}

/* facet_limit is read with facets only: a client that always sends it
 * (as it did before the protocol's split) is not refused for it. */
static void test_facet_limit_without_facets(void **state)
{
	const char *ok[] = {
		"{\"op\":\"search\",\"q\":\"a\",\"facet_limit\":0}",
		"{\"op\":\"search\",\"q\":\"a\",\"facet_limit\":\"x\"}",
		"{\"op\":\"similar\",\"path\":\"a.md\",\"facet_limit\":5000}",
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		ns_request_t req;
		ns_proto_err_t err;
		assert_true(ns_proto_decode(ok[i], strlen(ok[i]), &req, &err));
		assert_int_equal(req.facet_limit, 0);
		ns_request_clear(&req);
	}
	expect_error("{\"op\":\"search\",\"q\":\"a\",\"facets\":[\"tag\"],"
	             "\"facet_limit\":0}", NS_E_BAD_REQUEST,
	             "\"facet_limit\" must be between 1 and 1000");
	expect_error("{\"op\":\"search\",\"q\":\"a\",\"facets\":[],"
	             "\"facet_limit\":\"x\"}", NS_E_BAD_REQUEST,
	             "\"facet_limit\" must be an integer");
}

static void test_filters_sort_lang(void **state)
{
	const char *s = "{\"op\":\"search\",\"q\":\"\",\"lang\":\"ru\","
	                "\"sort\":\"newest\",\"filter\":{\"section\":\"World\","
	                "\"tag\":[\"China\",\"Trade\"],\"author\":\"Lena Hoffmann\","
	                "\"lang\":[\"en\"],\"date_from\":\"2025-01-01\","
	                "\"date_to\":\"2025-12-31\"}}";
	ns_request_t req;
	ns_proto_err_t err;
	assert_true(ns_proto_decode(s, strlen(s), &req, &err));
	assert_string_equal(req.q, "");
	assert_string_equal(req.lang, "ru");
	assert_int_equal(req.sort, NS_SORT_NEWEST);
	assert_int_equal(req.filter.sections.n, 1);
	assert_string_equal(req.filter.sections.v[0], "World");
	assert_int_equal(req.filter.tags.n, 2);
	assert_string_equal(req.filter.tags.v[1], "Trade");
	assert_string_equal(req.filter.authors.v[0], "Lena Hoffmann");
	assert_string_equal(req.filter.langs.v[0], "en");
	assert_string_equal(req.filter.date_from, "2025-01-01");
	assert_string_equal(req.filter.date_to, "2025-12-31");

	/* The client's encoder says the same thing back. */
	char *line = ns_proto_encode_search(9, &req);
	ns_request_t back;
	assert_true(ns_proto_decode(line, strlen(line) - 1, &back, &err));
	assert_int_equal(back.sort, NS_SORT_NEWEST);
	assert_string_equal(back.lang, "ru");
	assert_int_equal(back.filter.tags.n, 2);
	assert_string_equal(back.filter.sections.v[0], "World");
	assert_string_equal(back.filter.date_to, "2025-12-31");
	free(line);
	ns_request_clear(&back);
	ns_request_clear(&req);

	/* Language tags are normalised as articles' are. */
	const char *s2 = "{\"op\":\"search\",\"q\":\"a\",\"lang\":\"EN-gb\","
	                 "\"filter\":{\"lang\":[\"Russian\",\"pt-BR\"]}}";
	assert_true(ns_proto_decode(s2, strlen(s2), &req, &err));
	assert_string_equal(req.lang, "en");
	assert_string_equal(req.filter.langs.v[0], "ru");
	assert_string_equal(req.filter.langs.v[1], "pt");
	ns_request_clear(&req);
	expect_error("{\"op\":\"search\",\"q\":\"  \"}", NS_E_BAD_REQUEST,
	             "empty");
	expect_error("{\"op\":\"search\",\"q\":\"a\",\"sort\":\"date\"}",
	             NS_E_BAD_REQUEST, "\"sort\" must be");
	expect_error("{\"op\":\"search\",\"q\":\"a\",\"lang\":\"r\"}",
	             NS_E_BAD_REQUEST, "\"lang\" must be");
	expect_error("{\"op\":\"search\",\"q\":\"a\",\"filter\":[]}",
	             NS_E_BAD_REQUEST, "\"filter\" must be an object");
	expect_error("{\"op\":\"search\",\"q\":\"a\",\"filter\":{\"colour\":1}}",
	             NS_E_BAD_REQUEST, "filter: unknown field \"colour\"");
	expect_error("{\"op\":\"search\",\"q\":\"a\",\"filter\":{\"tag\":[]}}",
	             NS_E_BAD_REQUEST, "\"filter.tag\" must be");
	expect_error("{\"op\":\"search\",\"q\":\"a\",\"filter\":{\"tag\":[1]}}",
	             NS_E_BAD_REQUEST, "\"filter.tag\" must be");
	expect_error("{\"op\":\"search\",\"q\":\"a\",\"filter\":{\"date_from\":\"2025-02-30x\"}}",
	             NS_E_BAD_REQUEST, "\"filter.date_from\" must be a date");
	expect_error("{\"op\":\"search\",\"q\":\"a\",\"filter\":{\"date_from\":\"2025-02-01\",\"date_to\":\"2025-01-01\"}}",
	             NS_E_BAD_REQUEST, "after");
}

static void test_problems_op(void **state)
{
	const char *s = "{\"op\":\"problems\",\"limit\":500}";
	ns_request_t req;
	ns_proto_err_t err;
	assert_true(ns_proto_decode(s, strlen(s), &req, &err));
	assert_int_equal(req.op, NS_OP_PROBLEMS);
	assert_int_equal(req.limit, 500);
	ns_request_clear(&req);
	expect_error("{\"op\":\"problems\",\"limit\":1001}", NS_E_BAD_REQUEST,
	             "between 1 and 1000");

	ns_problem_t v[2] = {
		{.path = "a/b.png", .partial = false, .reason = "not text: a PNG image",
		 .when = 0},
		{.path = "c.md", .partial = true, .reason = "bad date", .when = 86400},
	};
	char *line = ns_proto_problems_reply(NULL, 4, v, 2, 7);
	assert_non_null(strstr(line, "\"time\":\"1970-01-02T00:00:00Z\""));
	ns_problem_t *back = NULL;
	size_t n = 0;
	uint64_t total = 0;
	assert_true(ns_proto_parse_problems(line, strlen(line), &back, &n, &total));
	assert_int_equal(n, 2);
	assert_int_equal(total, 7);
	assert_string_equal(back[0].path, "a/b.png");
	assert_false(back[0].partial);
	assert_string_equal(back[1].reason, "bad date");
	assert_true(back[1].partial);
	ns_problems_list_free(back, n);
	free(line);
}

/* The registry behind "problems": one entry per path, newest first,
 * replaced, cleared by path and by directory, through table growth. */
static void test_problems_registry(void **state)
{
	ns_problems_t *p = ns_problems_new();
	assert_non_null(p);
	char path[64];
	for (int i = 0; i < 300; i++) {
		snprintf(path, sizeof path, "dir%d/file%d.txt", i % 3, i);
		ns_problems_set(p, path, i % 10 == 0, "why");
	}
	uint64_t skipped, partial;
	ns_problems_counts(p, &skipped, &partial);
	assert_int_equal(skipped, 270);
	assert_int_equal(partial, 30);
	/* Replacing keeps one entry and moves it to the front. */
	ns_problems_set(p, "dir0/file0.txt", false, "changed");
	ns_problems_counts(p, &skipped, &partial);
	assert_int_equal(skipped + partial, 300);
	assert_int_equal(partial, 29);
	ns_problem_t *v;
	size_t n;
	assert_int_equal(ns_problems_list(p, 0, 2, &v, &n), NS_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].path, "dir0/file0.txt");
	assert_string_equal(v[0].reason, "changed");
	assert_string_equal(v[1].path, "dir2/file299.txt");
	ns_problems_list_free(v, n);
	assert_int_equal(ns_problems_list(p, 299, 10, &v, &n), NS_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].path, "dir1/file1.txt");
	ns_problems_list_free(v, n);

	ns_problems_clear(p, "dir1/file1.txt");
	ns_problems_clear(p, "not/there");
	ns_problems_clear_dir(p, "dir2");
	ns_problems_clear_dir(p, "dir");    /* a prefix, not a directory */
	ns_problems_counts(p, &skipped, &partial);
	assert_int_equal(skipped + partial, 199);
	assert_int_equal(ns_problems_list(p, 0, 1000, &v, &n), NS_OK);
	assert_int_equal(n, 199);
	for (size_t i = 0; i < n; i++)
		assert_null(strstr(v[i].path, "dir2/"));
	ns_problems_list_free(v, n);
	ns_problems_free(p);
}

static void test_error_keeps_id(void **state)
{
	const char *s = "{\"id\":42,\"op\":\"nope\"}";
	ns_request_t req;
	ns_proto_err_t err;
	assert_false(ns_proto_decode(s, strlen(s), &req, &err));
	char *reply = ns_proto_error_reply(req.id, 3, err.code, err.message);
	assert_string_equal(reply, "{\"id\":42,\"ok\":false,\"revision\":3,\"error\":{\"code\":"
	                           "\"UNKNOWN_OP\",\"message\":\"unknown op \\\"nope\\\"\"}}\n");
	free(reply);
	ns_request_clear(&req);
	/* No id at all: null. Invalid UTF-8 in a message still gives a reply. */
	reply = ns_proto_error_reply(NULL, 0, NS_E_BAD_JSON, "bad \xff byte");
	assert_non_null(reply);
	assert_non_null(strstr(reply, "{\"id\":null,\"ok\":false"));
	free(reply);
}

static ns_result_t *sample_result(void)
{
	ns_result_t *res = calloc(1, sizeof *res);
	res->total = 12;
	res->total_min = 12;
	res->total_max = 12;
	res->revision = 7;
	res->nhits = 1;
	res->hits = calloc(1, sizeof *res->hits);
	ns_hit_t *h = &res->hits[0];
	h->rank = 1;
	h->score = 2.5;
	h->path = strdup("world/tram.txt");
	h->title = strdup("Dunmore tram line approved");
	h->date = strdup("2025-02-11");
	h->section = strdup("City");
	h->time = strdup("16:47");
	h->url = strdup("/city/tram-line");
	h->format = strdup("markdown");
	h->language = strdup("en");
	h->reading_minutes = 3;
	/* standfirst left NULL: it goes out as "" */
	ns_strv_push(&h->tags, "Trams", 5);
	ns_strv_push(&h->authors, "Ilse Marchetti", 14);
	h->snippet = strdup("the <b>tram</b> line");
	return res;
}

static void test_search_reply_round_trip(void **state)
{
	ns_result_t *res = sample_result();
	json_t *id = json_integer(3);
	char *line = ns_proto_search_reply(id, res, NS_FIELDS_HIT);
	json_decref(id);
	assert_non_null(line);
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	/* The documented shape, checked with jansson directly. */
	json_t *o = json_loads(line, 0, NULL);
	assert_non_null(o);
	assert_int_equal(json_integer_value(json_object_get(o, "id")), 3);
	assert_true(json_is_true(json_object_get(o, "ok")));
	assert_int_equal(json_integer_value(json_object_get(o, "total")), 12);
	assert_int_equal(json_integer_value(json_object_get(o, "revision")), 7);
	assert_true(json_is_null(json_object_get(o, "corrected_from")));
	assert_true(json_is_null(json_object_get(o, "corrected_to")));
	json_t *hit = json_array_get(json_object_get(o, "hits"), 0);
	assert_string_equal(json_string_value(json_object_get(hit, "path")),
	                    "world/tram.txt");
	assert_string_equal(json_string_value(json_object_get(hit, "date")),
	                    "2025-02-11");
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(hit, "authors"), 0)), "Ilse Marchetti");
	json_decref(o);

	ns_result_t *back = NULL;
	assert_true(ns_proto_parse_reply(line, strlen(line), &back, NULL, NULL, NULL));
	assert_non_null(back);
	assert_int_equal(back->nhits, 1);
	assert_int_equal(back->total, 12);
	assert_string_equal(back->hits[0].title, "Dunmore tram line approved");
	assert_string_equal(back->hits[0].snippet, "the <b>tram</b> line");
	assert_string_equal(back->hits[0].tags.v[0], "Trams");
	assert_true(back->hits[0].score == 2.5);
	assert_string_equal(back->hits[0].time, "16:47");
	assert_string_equal(back->hits[0].url, "/city/tram-line");
	assert_string_equal(back->hits[0].format, "markdown");
	assert_string_equal(back->hits[0].language, "en");
	assert_string_equal(back->hits[0].standfirst, "");
	assert_int_equal(back->hits[0].reading_minutes, 3);
	assert_null(back->corrected_from);
	/* Not a front: no "shards", read back as none. */
	assert_int_equal(back->shards_total, 0);
	assert_int_equal(back->shards_answered, 0);
	ns_result_free(back);
	free(line);
	/* A front's partial answer: how many shards answered, both ways. */
	res->shards_total = 3;
	res->shards_answered = 2;
	line = ns_proto_search_reply(NULL, res, NS_FIELDS_HIT);
	assert_true(ns_proto_parse_reply(line, strlen(line), &back, NULL, NULL,
	                                 NULL));
	assert_int_equal(back->shards_total, 3);
	assert_int_equal(back->shards_answered, 2);
	ns_result_free(back);
	free(line);
	res->shards_total = res->shards_answered = 0;
	/* A corrected search says what it answered, both ways. */
	res->corrected_from = strdup("opek");
	res->corrected_to = strdup("opec");
	line = ns_proto_search_reply(NULL, res, NS_FIELDS_HIT);
	assert_true(ns_proto_parse_reply(line, strlen(line), &back, NULL, NULL,
	                                 NULL));
	assert_string_equal(back->corrected_from, "opek");
	assert_string_equal(back->corrected_to, "opec");
	ns_result_free(back);
	ns_result_free(res);
	free(line);
}

static void test_status_reply(void **state)
{
	ns_daemon_status_t st = {.revision = 9, .documents = 14, .queued = 2,
	                         .indexed = 16, .removed = 1, .failed = 1,
	                         .ready = true};
	char *line = ns_proto_status_reply(NULL, &st);
	ns_daemon_status_t back = {0};
	assert_true(ns_proto_parse_reply(line, strlen(line), NULL, &back, NULL, NULL));
	assert_int_equal(back.documents, 14);
	assert_int_equal(back.revision, 9);
	assert_int_equal(back.queued, 2);
	assert_true(back.ready);
	free(line);
}

/* Every counter of nsearch/status.h goes out under its name and comes
 * back, each with its own value. */
static void test_status_counters(void **state)
{
	(void)state;
	ns_daemon_status_t st = {.ready = true, .writable = true};
	uint64_t n = 100;
#define SET(name, label, help) st.name = n++;
	NS_STATUS_COUNTERS(SET)
#undef SET
	char *line = ns_proto_status_reply(NULL, &st);
	assert_non_null(line);
	json_t *o = json_loads(line, 0, NULL);
	ns_daemon_status_t back = {0};
	assert_true(ns_proto_parse_reply(line, strlen(line), NULL, &back, NULL,
	                                 NULL));
	n = 100;
#define CHECK(name, label, help) \
	assert_int_equal(json_integer_value(json_object_get(o, #name)), n); \
	assert_int_equal(back.name, n++);
	NS_STATUS_COUNTERS(CHECK)
#undef CHECK
	assert_int_equal(json_integer_value(json_object_get(o, "same_content")),
	                 st.same_content);
	json_decref(o);
	free(line);
}

static void test_parse_error_reply(void **state)
{
	const char *line = "{\"id\":1,\"ok\":false,\"error\":{\"code\":\"BAD_QUERY\","
	                   "\"message\":\"Syntax\"}}";
	char *code = NULL, *msg = NULL;
	assert_false(ns_proto_parse_reply(line, strlen(line), NULL, NULL, &code, &msg));
	assert_string_equal(code, "BAD_QUERY");
	assert_string_equal(msg, "Syntax");
	free(code);
	free(msg);
	assert_false(ns_proto_parse_reply("garbage", 7, NULL, NULL, &code, &msg));
	assert_string_equal(code, "BAD_REPLY");
	free(code);
	free(msg);
}

static void test_client_requests(void **state)
{
	char *line = ns_proto_search_request(5, "kyiv \"peace talks\"", 3, 6, "[", "]");
	ns_request_t req;
	ns_proto_err_t err;
	/* What the CLI sends, the daemon accepts. */
	assert_true(ns_proto_decode(line, strlen(line) - 1, &req, &err));
	assert_string_equal(req.q, "kyiv \"peace talks\"");
	assert_int_equal(req.limit, 3);
	assert_int_equal(req.offset, 6);
	assert_string_equal(req.hl_start, "[");
	ns_request_clear(&req);
	free(line);
	line = ns_proto_status_request(6);
	assert_string_equal(line, "{\"id\":6,\"op\":\"status\"}\n");
	free(line);
}

/* "suggest": what has been typed, both ways, and its reply. */
static void test_suggest_op(void **state)
{
	(void)state;
	char *line = ns_proto_suggest_request(4, "paul volck", 5);
	ns_request_t req;
	ns_proto_err_t err;
	assert_true(ns_proto_decode(line, strlen(line) - 1, &req, &err));
	assert_int_equal(req.op, NS_OP_SUGGEST);
	assert_string_equal(req.q, "paul volck");
	assert_int_equal(req.limit, 5);
	ns_request_clear(&req);
	free(line);
	expect_error("{\"op\":\"suggest\"}", NS_E_BAD_REQUEST, "typed");
	expect_error("{\"op\":\"suggest\",\"q\":\"x\",\"limit\":21}",
	             NS_E_BAD_REQUEST, "limit");
	expect_error("{\"op\":\"suggest\",\"q\":\"x\",\"offset\":1}",
	             NS_E_BAD_REQUEST, "unknown field");
	const char *s = "{\"op\":\"suggest\",\"q\":\"x\",\"lang\":\"RU\"}";
	assert_true(ns_proto_decode(s, strlen(s), &req, &err));
	assert_string_equal(req.lang, "ru");
	assert_int_equal(req.limit, NS_PROTO_DEFAULT_SUGGEST);
	ns_request_clear(&req);

	ns_completion_t words[] = { { "volcker", "paul volcker", 124 } };
	ns_title_t titles[] = { { "Volcker holds", "econ/v.txt" } };
	ns_completions_t c = { .revision = 9,
		               .words = words,
		               .nwords = 1,
		               .titles = titles,
		               .ntitles = 1 };
	json_t *id = json_integer(4);
	line = ns_proto_suggest_reply(id, &c);
	json_decref(id);
	ns_completions_t back;
	assert_true(ns_proto_parse_suggest(line, strlen(line), &back));
	assert_int_equal(back.revision, 9);
	assert_int_equal(back.nwords, 1);
	assert_string_equal(back.words[0].text, "paul volcker");
	assert_string_equal(back.words[0].word, "volcker");
	assert_int_equal(back.words[0].count, 124);
	assert_int_equal(back.ntitles, 1);
	assert_string_equal(back.titles[0].path, "econ/v.txt");
	ns_completions_clear(&back);
	free(line);
	assert_false(ns_proto_parse_suggest("{\"ok\":true}", 11, &back));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_search_defaults),
		cmocka_unit_test(test_search_all_fields),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_facet_limit_without_facets),
		cmocka_unit_test(test_filters_sort_lang),
		cmocka_unit_test(test_problems_op),
		cmocka_unit_test(test_problems_registry),
		cmocka_unit_test(test_error_keeps_id),
		cmocka_unit_test(test_search_reply_round_trip),
		cmocka_unit_test(test_status_reply),
		cmocka_unit_test(test_status_counters),
		cmocka_unit_test(test_parse_error_reply),
		cmocka_unit_test(test_client_requests),
		cmocka_unit_test(test_suggest_op),
	};
	return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
