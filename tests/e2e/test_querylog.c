/* test_querylog.c - what people searched for, read back from a test
 * daemon: the query log's lines on stderr (their fields by name, the
 * request's id, never a token), `nsearch-cli stats --queries` (the most
 * asked query with its count, the ones that found nothing), the
 * "queries" request kept from clients without the admin role, the
 * configuration applied by a reload (all, then off), and hostile queries
 * (a newline that would forge a line, terminal escapes, a long one) kept
 * to one line in the log and harmless in an editor's terminal. */
#include "svc.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *token = "never-log-this-token-4711";

/* A search for Q with the request id ID, which must succeed. */
static size_t search_with_id(const char *q, const char *id)
{
	json_t *r = request("{s:s, s:s, s:s}", "id", id, "op", "search", "q", q);
	assert_true(json_is_true(json_object_get(r, "ok")));
	size_t n = nhits(r);
	json_decref(r);
	return n;
}

/* Lines of the log that have WHAT. */
static size_t log_count(const char *what)
{
	char *text = read_log();
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, what)); p++)
		n++;
	free(text);
	return n;
}

/* The log line with WHAT (new); fails when there is none. */
static char *log_line(const char *what)
{
	char *text = read_log();
	char *at = strstr(text, what);
	if (!at)
		fail_msg("no log line with %s", what);
	char *start = at;
	while (start > text && start[-1] != '\n')
		start--;
	char *line = strndup(start, strcspn(start, "\n"));
	free(text);
	return line;
}

static void put_articles(void)
{
	put_file("harbour.txt", "Harbour strike\n\nThe zephyrharbour dockers "
	         "went back to work.\n");
	put_file("tram.txt", "Tram line\n\nThe zephyrtram line opens.\n");
}

/* nsearch-cli --json stats --queries, parsed. */
static json_t *queries_json(void)
{
	int rc = -1;
	char *out = run_cli("--json stats --queries", &rc);
	assert_int_equal(rc, 0);
	json_t *r = json_loads(out, 0, NULL);
	if (!r)
		fail_msg("not JSON: %s", out);
	free(out);
	return r;
}

static void test_log_and_stats(void **state)
{
	put_articles();
	unsigned port = free_port();
	char portstr[16];
	snprintf(portstr, sizeof portstr, "%u", port);
	char *tok = write_in_dir("token", token, 0600);
	const char *args[] = {"--config", "/dev/null", "--articles", e2e_tree(),
	                      "--index", e2e_index(), "--socket", e2e_sock(),
	                      "--tcp", portstr, "--token-file", tok,
	                      "--log-queries", "zero", "--slow-query-ms",
	                      "600000", NULL};
	spawn(args, NULL);
	wait_ready();
	assert_int_equal(search_with_id("zephyrharbour", "h1"), 1);
	assert_int_equal(search_with_id("zephyrharbour", "h2"), 1);
	assert_int_equal(search_with_id("zephyrharbour  ", "h3"), 1);
	assert_int_equal(search_with_id(" zephyrharbour", "h4"), 1);
	assert_int_equal(search_with_id("zephyrtram", "t1"), 1);
	assert_int_equal(search_with_id("quillwortzz", "z1"), 0);
	assert_int_equal(search_with_id("quillwortzz", "z2"), 0);
	/* Over TCP, with the token: it is never in a log line. */
	struct client c;
	tcp_open(&c, port, 0);
	auth(&c, token);
	json_t *r = ask(&c, "{\"id\":\"tcp-1\",\"op\":\"search\","
	                "\"q\":\"quillwortzz\"}\n");
	assert_int_equal(nhits(r), 0);
	json_decref(r);
	/* Without the admin role, what others searched for is refused. */
	assert_code(ask(&c, "{\"op\":\"queries\"}\n"), "FORBIDDEN");
	client_close(&c);

	/* Only the searches that found nothing, with their fields. */
	wait_log("REQUEST_ID=\"tcp-1\"");
	assert_int_equal(log_count("QUERY=quillwortzz"), 3);
	assert_int_equal(log_count("QUERY=zephyr"), 0);
	assert_false(log_has(token));
	char *line = log_line("REQUEST_ID=\"z1\"");
	if (strncmp(line, "nsearchd: info: query: KIND=zero HITS=0 MS=", 43) ||
	    !strstr(line, " REQUEST_ID=\"z1\" PROTOCOL=ndjson CONN=") ||
	    !strstr(line, " QUERY=quillwortzz"))
		fail_msg("not the line expected: %s", line);
	free(line);

	/* The counts, as a script reads them. */
	r = queries_json();
	assert_string_equal(json_string_value(json_object_get(r, "logging")),
	                    "zero");
	assert_int_equal(json_integer_value(json_object_get(r, "searches")), 8);
	json_t *top = json_array_get(json_object_get(r, "top"), 0);
	assert_string_equal(json_string_value(json_object_get(top, "query")),
	                    "zephyrharbour");
	assert_int_equal(json_integer_value(json_object_get(top, "count")), 4);
	assert_int_equal(json_integer_value(json_object_get(top, "last_hits")),
	                 1);
	json_t *zero = json_object_get(r, "zero");
	assert_int_equal(json_array_size(zero), 1);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(zero, 0), "query")), "quillwortzz");
	assert_int_equal(json_integer_value(json_object_get(
		json_array_get(zero, 0), "zero")), 3);
	json_decref(r);

	/* And as an editor reads them. */
	int rc = -1;
	char *out = run_cli("stats --queries", &rc);
	assert_int_equal(rc, 0);
	const char *most = strstr(out, "most asked\n");
	const char *nothing = strstr(out, "found nothing\n");
	if (!most || !nothing || !strstr(most, "     4  zephyrharbour  ") ||
	    !strstr(nothing, "     3  quillwortzz  ") ||
	    strstr(out, "quillwortzz") < most)
		fail_msg("not the listing expected:\n%s", out);
	assert_non_null(strstr(out, "8 searches since "));
	free(out);
	free(tok);
}

static char *write_conf(const char *queries)
{
	char *text = NULL;
	assert_true(asprintf(&text, "[articles]\nroot = %s\n[index]\npath = %s\n"
	                     "[socket]\npath = %s\n[log]\nqueries = %s\n"
	                     "query_sample = 1\n", e2e_tree(), e2e_index(),
	                     e2e_sock(), queries) > 0);
	char *conf = write_in_dir("nsearchd.conf", text, 0644);
	free(text);
	return conf;
}

static void test_reload_all_then_off(void **state)
{
	put_articles();
	char *conf = write_conf("all");
	const char *args[] = {"--config", conf, NULL};
	spawn(args, NULL);
	wait_ready();
	assert_int_equal(search_with_id("zephyrtram", "a1"), 1);
	wait_log("KIND=all HITS=1 ");
	assert_true(log_has("QUERY=zephyrtram\n"));

	/* Off: nothing logged, nothing counted, what was counted forgotten. */
	free(write_conf("off"));
	kill(e2e_pid(), SIGHUP);
	wait_log("[log] queries all -> off");
	assert_int_equal(search_with_id("zephyrharbour", "o1"), 1);
	json_t *r = queries_json();
	assert_string_equal(json_string_value(json_object_get(r, "logging")),
	                    "off");
	assert_int_equal(json_integer_value(json_object_get(r, "searches")), 0);
	assert_int_equal(json_array_size(json_object_get(r, "top")), 0);
	json_decref(r);
	assert_false(log_has("QUERY=zephyrharbour"));
	free(conf);
}

/* S has a byte that would drive a terminal: ESC, or a C1 control (CSI is
 * U+009B, "\xc2\x9b" in UTF-8). */
static bool has_terminal_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == 0x1b || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return true;
	return false;
}

static void test_hostile_queries(void **state)
{
	put_articles();
	const char *args[] = {"--config", "/dev/null", "--articles", e2e_tree(),
	                      "--index", e2e_index(), "--socket", e2e_sock(),
	                      "--log-queries", "all", NULL};
	spawn(args, NULL);
	wait_ready();
	assert_int_equal(search_with_id("zephyrtram\nKIND=zero HITS=0 "
	                                "QUERY=forged", "f1"), 1);
	assert_int_equal(search_with_id("zephyrtram \xc2\x9b" "2J \x1b[31mred",
	                                "e1"), 1);
	ns_buf_t longq = {0};
	ns_buf_printf(&longq, "zephyrtram");
	for (int i = 0; i < 40; i++) /* 40 kB, fewer words than the cap */
		ns_buf_printf(&longq, " %0999d", i);
	assert_int_equal(search_with_id(longq.data, "l1"), 1);
	wait_log("REQUEST_ID=\"l1\"");

	/* Each search one line, the newline escaped in it: none forged. */
	char *text = read_log();
	for (char *line = text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		if (strncmp(line, "nsearchd: ", 10) != 0)
			fail_msg("a line the daemon did not start: %.*s",
			         (int)(nl - line), line);
		assert_true(nl - line < 4096);
	}
	assert_non_null(strstr(text, "QUERY=zephyrtram\\nKIND=zero HITS=0 "
	                       "QUERY=forged\n"));
	assert_false(has_terminal_control(text));
	free(text);

	/* The editor's listing: blanks collapsed, no control let through. */
	int rc = -1;
	char *out = run_cli("stats --queries", &rc);
	assert_int_equal(rc, 0);
	if (!strstr(out, "zephyrtram KIND=zero HITS=0 QUERY=forged") ||
	    has_terminal_control(out))
		fail_msg("not the listing expected:\n%s", out);
	free(out);
	json_t *r = queries_json();
	json_t *top = json_object_get(r, "top"), *q;
	size_t i;
	assert_int_equal(json_array_size(top), 3);
	json_array_foreach(top, i, q)
		assert_true(strlen(json_string_value(json_object_get(q, "query")))
		            <= 200);
	json_decref(r);
	json_t *st = status();
	assert_true(json_is_true(json_object_get(st, "ready")));
	json_decref(st);
	ns_buf_free(&longq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		svc_test(test_log_and_stats),
		svc_test(test_reload_all_then_off),
		svc_test(test_hostile_queries),
	};
	return cmocka_run_group_tests_name("querylog", tests, NULL, NULL);
}
