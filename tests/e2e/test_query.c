/* test_query.c - the query side under abuse, end to end: field queries
 * after + and -, bad values there answered as BAD_QUERY, many clients
 * searching at once, queries too costly to run, a light search beside
 * heavy ones, and a reader that fails while a compaction waits for the
 * pool.  The real nsearchd over tests/fixtures/search. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "harness.h"

static int group_setup(void **state)
{
	if (e2e_make_dirs() < 0)
		return -1;
	copy_tree(getenv("NS_SEARCH_FIXTURES"), "");
	start_daemon();
	return 0;
}

static int group_teardown(void **state)
{
	return e2e_teardown();
}

static const char *error_code(json_t *reply)
{
	return json_string_value(json_object_get(json_object_get(reply, "error"),
	                                         "code"));
}

static const char *error_message(json_t *reply)
{
	return json_string_value(json_object_get(json_object_get(reply, "error"),
	                                         "message"));
}

/* ---- + and - before fields ---- */

/* Q, oldest first, every copy a hit: its hits are exactly PATHS, and
 * TOTAL in all. */
static void assert_oldest_first(const char *q, json_int_t total,
                                const char *paths)
{
	json_t *r = request("{s:s, s:s, s:s, s:i, s:b}", "op", "search", "q", q,
	                    "sort", "oldest", "limit", 20, "collapse", 0);
	if (!json_is_true(json_object_get(r, "ok")))
		fail_msg("%s: %s", q, error_message(r));
	json_int_t got = json_integer_value(json_object_get(r, "total"));
	if (got != total)
		fail_msg("%s: %lld matches, expected %lld", q, (long long)got,
		         (long long)total);
	if (paths) {
		char *p = paths_of(r);
		if (strcmp(p, paths) != 0)
			fail_msg("%s: got [%s], expected [%s]", q, p, paths);
		free(p);
	}
	json_decref(r);
}

static void test_signed_fields_find_the_right_articles(void **state)
{
	/* The four coast articles: 2024-03-31, 04-01, 04-30, 05-01. */
	assert_oldest_first("beacon -date:2024-04", 2,
	                    "coast/march-end.txt coast/may-first.txt");
	assert_oldest_first("+tag:beacon", 4,
	                    "coast/march-end.txt coast/april-first.txt "
	                    "coast/april-last.txt coast/may-first.txt");
	assert_oldest_first("+tag:beacon -date:2024-04-01..2024-04-30", 2,
	                    "coast/march-end.txt coast/may-first.txt");
	assert_oldest_first("beacon -section:coast", 0, "");
	/* Exclusions alone leave everything else, never the excluded. */
	assert_oldest_first("-date:2024", 1, "world/kiev-archive.txt");
	assert_oldest_first("-section:coast", 16, NULL);
	assert_oldest_first("-date:2024-04.. -section:world", 1,
	                    "coast/march-end.txt");
	assert_oldest_first("-date:..2024-09-30 -section:business "
	                    "-section:culture", 1,
	                    "politics/presidential-race.txt");
	assert_oldest_first("-date:2025..2026", 20, NULL);
	/* A hated bracket of stopwords after another hated word crashed
	 * Xapian's query parser: its stopwords are kept, and it leaves out
	 * what has both. */
	assert_oldest_first("+tag:beacon -date:2024-05 -(the,of)", 2,
	                    "coast/march-end.txt coast/april-last.txt");
	assert_oldest_first("beacon -date:2024-05 -(the(of", 2,
	                    "coast/march-end.txt coast/april-last.txt");
	assert_oldest_first("NOT section:coast", 16, NULL);
	/* Years and months as the ends of a range. */
	assert_oldest_first("date:2009..2024-03", 2,
	                    "world/kiev-archive.txt coast/march-end.txt");
	assert_oldest_first("beacon date:2024-04..2024-05", 3,
	                    "coast/april-first.txt coast/april-last.txt "
	                    "coast/may-first.txt");
}

static void test_bad_values_after_signs_are_bad_queries(void **state)
{
	static const char *const queries[] = {
		"-date:x", "+date:x", "(-date:x)", "beacon -date:2024-13",
		"-date:2024-02-30..2024-03-01", "+date:..", "-date:2025..x",
	};
	struct client c;
	assert_true(client_open(&c));
	for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
		json_t *req = json_pack("{s:s, s:s}", "op", "search", "q",
		                        queries[i]);
		char *line = json_dumps(req, JSON_COMPACT);
		json_decref(req);
		client_send(&c, line, strlen(line));
		client_send(&c, "\n", 1);
		free(line);
		json_t *r = client_recv(&c);
		const char *code = error_code(r), *msg = error_message(r);
		if (!code || strcmp(code, "BAD_QUERY") != 0)
			fail_msg("%s: got %s, expected BAD_QUERY", queries[i],
			         code ? code : "no error");
		/* The user's words, not Xapian's class names. */
		if (!msg || !strstr(msg, "is not a date") ||
		    strncmp(msg, "date:", 5) != 0)
			fail_msg("%s: message \"%s\"", queries[i], msg ? msg : "");
		json_decref(r);
	}
	/* The daemon, and this connection, go on. */
	json_t *r = ask(&c, "{\"op\":\"search\",\"q\":\"orlov\"}\n");
	assert_paths(r, "world/orlov-visit.txt world/customs-queues.txt");
	client_close(&c);
	r = status();
	assert_non_null(r);
	assert_true(json_is_true(json_object_get(r, "ready")));
	json_decref(r);
}

/* ---- many clients at once ---- */

/* A request and what its reply must hold: its hits' paths in order.
 * Half are filter-only, which once copied one shared match-all query
 * between threads (a reference count without a lock: a crash within a
 * few thousand searches, at once under the sanitizers). */
static const struct {
	const char *line;
	const char *paths;
} mixed[] = {
	/* Filter-only: every thread builds a match-all query. */
	{"{\"op\":\"search\",\"q\":\"\",\"filter\":{\"section\":\"coast\"},"
	 "\"sort\":\"oldest\"}",
	 "coast/march-end.txt coast/april-first.txt coast/april-last.txt "
	 "coast/may-first.txt"},
	{"{\"op\":\"search\",\"q\":\"orlov\"}",
	 "world/orlov-visit.txt world/customs-queues.txt"},
	{"{\"op\":\"search\",\"q\":\"\\\"grain corridor\\\"\"}",
	 "business/grain-corridor.txt"},
	{"{\"op\":\"search\",\"q\":\"presiden*\"}",
	 "politics/presidential-race.txt"},
	{"{\"op\":\"search\",\"q\":\"  \",\"filter\":{\"tag\":\"beacon\"},"
	 "\"sort\":\"newest\",\"limit\":2}",
	 "coast/may-first.txt coast/april-last.txt"},
	{"{\"op\":\"search\",\"q\":\"\",\"filter\":{\"section\":\"world\","
	 "\"date_to\":\"2010-01-01\"}}",
	 "world/kiev-archive.txt"},
};

struct stress {
	unsigned seed;
	int rounds;
	int answered;
	char failure[256];   /* the first wrong reply, or "" */
};

/* One request line on FD, its reply parsed; NULL (and *WHY) on failure.
 * No cmocka here: it runs on other threads. */
static json_t *exchange(int fd, ns_buf_t *in, const char *line,
                        const char **why)
{
	size_t len = strlen(line);
	if (write(fd, line, len) != (ssize_t)len || write(fd, "\n", 1) != 1) {
		*why = "write failed";
		return NULL;
	}
	for (;;) {
		char *nl = in->len ? memchr(in->data, '\n', in->len) : NULL;
		if (nl) {
			json_t *o = json_loadb(in->data, (size_t)(nl - in->data), 0,
			                       NULL);
			ns_buf_consume(in, (size_t)(nl - in->data) + 1);
			*why = o ? NULL : "reply is not JSON";
			return o;
		}
		char buf[8192];
		ssize_t r = read(fd, buf, sizeof buf);
		if (r <= 0) {
			*why = r == 0 ? "the daemon closed the connection"
			              : "no reply";
			return NULL;
		}
		ns_buf_append(in, buf, (size_t)r);
	}
}

static void *stress_client(void *arg)
{
	struct stress *st = arg;
	struct client c;
	if (!client_open(&c)) {
		snprintf(st->failure, sizeof st->failure, "cannot connect");
		return NULL;
	}
	for (int i = 0; i < st->rounds && !st->failure[0]; i++) {
		size_t k = (st->seed + (unsigned)i * 7u) % (sizeof mixed /
		                                            sizeof *mixed);
		const char *why = NULL;
		json_t *r = exchange(c.fd, &c.in, mixed[k].line, &why);
		if (!r) {
			snprintf(st->failure, sizeof st->failure, "%s: %s",
			         mixed[k].line, why);
			break;
		}
		ns_buf_t got = {0};
		ns_buf_append(&got, "", 0);
		json_t *hits = json_object_get(r, "hits");
		for (size_t h = 0; h < json_array_size(hits); h++)
			ns_buf_printf(&got, "%s%s", h ? " " : "",
			              json_string_value(json_object_get(
			                      json_array_get(hits, h), "path")));
		if (!json_is_true(json_object_get(r, "ok")) ||
		    strcmp(got.data, mixed[k].paths) != 0)
			snprintf(st->failure, sizeof st->failure,
			         "%s: got [%s]%s%s", mixed[k].line, got.data,
			         error_message(r) ? " " : "",
			         error_message(r) ? error_message(r) : "");
		else
			st->answered++;
		ns_buf_free(&got);
		json_decref(r);
	}
	client_close(&c);
	return NULL;
}

static void test_many_clients_at_once(void **state)
{
	enum { CLIENTS = 8, ROUNDS = 3000 };
	pthread_t t[CLIENTS];
	struct stress st[CLIENTS];
	for (int i = 0; i < CLIENTS; i++) {
		st[i] = (struct stress){.seed = (unsigned)i, .rounds = ROUNDS};
		assert_int_equal(pthread_create(&t[i], NULL, stress_client, &st[i]),
		                 0);
	}
	for (int i = 0; i < CLIENTS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < CLIENTS; i++) {
		if (st[i].failure[0])
			fail_msg("client %d, after %d right replies: %s", i,
			         st[i].answered, st[i].failure);
		assert_int_equal(st[i].answered, ROUNDS);
	}
	json_t *r = status();
	assert_non_null(r);
	json_decref(r);
}

/* ---- what a query may cost ---- */

/* N copies of WORD joined by SEP (new); with UNIQUE, each word gets its
 * own suffix of letters (so that none is known to the index). */
static char *repeated(const char *word, const char *sep, int n, bool unique)
{
	ns_buf_t b = {0};
	ns_buf_append(&b, "", 0);
	for (int i = 0; i < n; i++) {
		ns_buf_printf(&b, "%s%s", i ? sep : "", word);
		for (int k = i; unique && k; k /= 26)
			ns_buf_printf(&b, "%c", 'a' + k % 26);
	}
	return b.data;
}

/* The queries of the report: each took seconds to minutes. */
static char *costly_query(int which)
{
	switch (which) {
	case 0: return repeated("the", " NEAR ", 1000, false);  /* 7 KB */
	case 1: return repeated("the", " NEAR ", 3000, false);
	case 2: return repeated("zqxv", " ", 5000, true);       /* unknown */
	case 3: return repeated("beacon", " ", 2000, false);
	case 4: return repeated("the", " ADJ ", 500, false);
	default: return repeated("(beacon -", "", 3000, false);
	}
}

static void test_costly_queries_are_refused(void **state)
{
	for (int i = 0; i < 6; i++) {
		char *q = costly_query(i);
		json_t *r = request("{s:s, s:s}", "op", "search", "q", q);
		const char *code = error_code(r), *msg = error_message(r);
		if (!code || strcmp(code, "TOO_COMPLEX") != 0)
			fail_msg("%.30s... (%zu bytes): %s", q, strlen(q),
			         code ? code : "answered");
		if (!msg || !strstr(msg, "at most"))
			fail_msg("%.30s...: message \"%s\"", q, msg ? msg : "");
		json_decref(r);
		free(q);
	}
	/* Up to the caps, queries run as ever. */
	assert_paths(request("{s:s, s:s}", "op", "search", "q",
	                     "steel NEAR tariff NEAR shares"), "");
	assert_paths(request("{s:s, s:s}", "op", "search", "q",
	                     "\"grain corridor\""),
	             "business/grain-corridor.txt");
}

static void send_search(struct client *c, const char *q)
{
	json_t *req = json_pack("{s:s, s:s, s:[s,s]}", "op", "search", "q", q,
	                        "facets", "tag", "year");
	char *line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	client_send(c, line, strlen(line));
	client_send(c, "\n", 1);
	free(line);
}

static void test_light_search_beside_heavy_ones(void **state)
{
	/* Four heavy searches at once, as many as libuv's pool has
	 * workers; a light one after them is answered, and right. */
	enum { HEAVY = 4 };
	struct client heavy[HEAVY];
	for (int i = 0; i < HEAVY; i++) {
		assert_true(client_open(&heavy[i]));
		char *q = costly_query(i);
		send_search(&heavy[i], i == 3 ? "the NEAR of NEAR and" : q);
		free(q);
	}
	assert_paths(request("{s:s, s:s}", "op", "search", "q", "orlov"),
	             "world/orlov-visit.txt world/customs-queues.txt");
	for (int i = 0; i < HEAVY; i++) {
		json_t *r = client_recv(&heavy[i]);
		const char *code = error_code(r);
		if (!json_is_true(json_object_get(r, "ok")) &&
		    strcmp(code, "TOO_COMPLEX") != 0 && strcmp(code, "TIMEOUT") != 0)
			fail_msg("heavy search %d: %s", i, code);
		json_decref(r);
		client_close(&heavy[i]);
	}
}

/* ---- a reader that fails ---- */

static char *index_file(const char *name)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", e2e_index(), name) > 0);
	return p;
}

static void test_failed_reader_leaves_the_pool(void **state)
{
	assert_paths(request("{s:s, s:s}", "op", "search", "q", "orlov"),
	             "world/orlov-visit.txt world/customs-queues.txt");
	/* For a moment the index's version file is unreadable: the pooled
	 * reader fails to move to the latest revision and is closed. */
	char *version = index_file("iamglass"), *kept = index_file("iamglass.kept");
	assert_int_equal(rename(version, kept), 0);
	assert_int_equal(write_file(version, "not a version\n", 14), 0);
	json_t *r = request("{s:s, s:s}", "op", "search", "q", "orlov");
	const char *code = error_code(r);
	if (!code || strcmp(code, "UNAVAILABLE") != 0)
		fail_msg("search on a broken index: %s", code ? code : "ok");
	json_decref(r);
	/* The failed search also has the writer check the index: if it did
	 * so before the file is back, it found the index damaged, moved it
	 * aside and rebuilt it from the tree (operations.md, "Faults"); the
	 * pool must come through that too. */
	if (rename(kept, version) != 0) {
		assert_int_equal(errno, ENOENT);
		/* Searches are refused until the new index exists, then
		 * find what it has so far. */
		size_t n = 0;
		for (int i = 0; i < 1000 && n != 2; i++) {
			r = request("{s:s, s:s}", "op", "search", "q", "orlov");
			n = json_is_true(json_object_get(r, "ok")) ? nhits(r) : 0;
			json_decref(r);
			sleep_ms(10);
		}
		assert_int_equal(n, 2);
	}
	free(version);
	free(kept);
	/* The compaction waits for every reader lent out; the failed one
	 * must not count among them, or it waits for ever. */
	r = request("{s:s}", "op", "compact");
	if (!json_is_true(json_object_get(r, "ok")))
		fail_msg("compact: %s", error_message(r));
	json_decref(r);
	/* (A rebuild that began as the file came back may still be reading
	 * the tree.) */
	json_t *w = wait_hits("orlov", 2);
	assert_paths(w, "world/orlov-visit.txt world/customs-queues.txt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_fields_find_the_right_articles),
		cmocka_unit_test(test_bad_values_after_signs_are_bad_queries),
		cmocka_unit_test(test_many_clients_at_once),
		cmocka_unit_test(test_costly_queries_are_refused),
		cmocka_unit_test(test_light_search_beside_heavy_ones),
		/* Last: it compacts the index. */
		cmocka_unit_test(test_failed_reader_leaves_the_pool),
	};
	/* NS_TEST_FILTER=test_many*: run only some, while working on them. */
	if (getenv("NS_TEST_FILTER"))
		cmocka_set_test_filter(getenv("NS_TEST_FILTER"));
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
