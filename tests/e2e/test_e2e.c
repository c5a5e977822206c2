/* test_e2e.c - the real nsearchd on a temporary tree and socket, driven as
 * the CMS and a person at a terminal would: over the socket and through
 * nsearch-cli.  Waits are bounded polls, never fixed sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/socket.h>

#include "harness.h"

static const char *page_b =
	"Machinery exports rise for a third month\n\n"
	"Orders from abroad grew by six percent as tariffs fell.\n";

static int group_setup(void **state)
{
	if (e2e_make_dirs() < 0)
		return -1;
	size_t len;
	char *page_a = read_fixture("varga-talks.txt", &len);
	if (!page_a)
		return -1;
	put_file("world/varga.txt", page_a);
	free(page_a);
	put_file("business/exports.txt", page_b);
	put_file(".hidden.txt", "Hidden\n\nzanzibarian secret\n");
	put_file("notes.txt~", "Backup\n\nzanzibarian backup\n");
	start_daemon();
	return 0;
}

static int group_teardown(void **state)
{
	return e2e_teardown();
}

/* ---- the tests ---- */

static void test_found_by_body_and_title(void **state)
{
	json_t *r = search("tariffs");
	assert_int_equal(nhits(r), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 1);
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 2);
	assert_true(json_integer_value(json_object_get(r, "revision")) >= 1);
	bool seen_varga = false;
	for (size_t i = 0; i < 2; i++) {
		if (strcmp(hit_str(r, i, "path"), "world/varga.txt") != 0)
			continue;
		seen_varga = true;
		assert_string_equal(hit_str(r, i, "title"),
		                    "Varga lands in Beijing for trade talks");
		assert_string_equal(hit_str(r, i, "date"), "2025-03-14");
		assert_string_equal(hit_str(r, i, "section"), "World");
		assert_non_null(strstr(hit_str(r, i, "snippet"),
		                       "to discuss <b>tariffs</b> on machinery"));
	}
	assert_true(seen_varga);
	json_decref(r);

	/* A word only in a title; the title ranks above a body mention. */
	r = search("machinery");
	assert_int_equal(nhits(r), 2);
	assert_string_equal(hit_str(r, 0, "path"), "business/exports.txt");
	assert_string_equal(hit_str(r, 0, "title"),
	                    "Machinery exports rise for a third month");
	json_decref(r);
	r = search("beijing");
	assert_int_equal(nhits(r), 1);
	assert_string_equal(hit_str(r, 0, "path"), "world/varga.txt");
	json_decref(r);
}

static void test_ignored_files_not_indexed(void **state)
{
	json_t *r = search("zanzibarian");
	assert_int_equal(nhits(r), 0);
	json_decref(r);
}

/* Poll status until it counts N documents; fail after 30 s.  A search
 * can see a commit a moment before the writer has counted it in the
 * status, so a count is waited for, not read once. */
static void wait_documents(json_int_t n)
{
	json_int_t got = -1;
	for (int i = 0; i < 3000 && got != n; i++) {
		json_t *st = status();
		got = json_integer_value(json_object_get(st, "documents"));
		json_decref(st);
		if (got != n)
			sleep_ms(10);
	}
	assert_int_equal(got, n);
}

static void test_new_changed_deleted(void **state)
{
	json_t *st = status();
	json_int_t rev0 = json_integer_value(json_object_get(st, "revision"));
	json_int_t docs0 = json_integer_value(json_object_get(st, "documents"));
	json_decref(st);

	put_file("city/new/zeppelin.txt",
	         "Airship hangar reopens\n\nThe zeppelinfield hangar opened its doors.\n");
	json_t *r = wait_hits("zeppelinfield", 1);
	assert_string_equal(hit_str(r, 0, "path"), "city/new/zeppelin.txt");
	assert_string_equal(hit_str(r, 0, "title"), "Airship hangar reopens");
	assert_true(json_integer_value(json_object_get(r, "revision")) > rev0);
	json_decref(r);

	/* Rewritten in place: the new text replaces the old, one document. */
	put_file("city/new/zeppelin.txt",
	         "Airship hangar closes\n\nThe dirigibleyard hangar shut again.\n");
	json_decref(wait_hits("dirigibleyard", 1));
	json_decref(wait_hits("zeppelinfield", 0));
	wait_documents(docs0 + 1);

	/* A hard link is created whole, never written: still indexed. */
	char *src = NULL, *dst = NULL;
	assert_true(asprintf(&src, "%s/city/new/zeppelin.txt", e2e_tree()) > 0);
	assert_true(asprintf(&dst, "%s/linked.txt", e2e_tree()) > 0);
	assert_int_equal(link(src, dst), 0);
	json_decref(wait_hits("dirigibleyard", 2));
	assert_int_equal(unlink(dst), 0);
	free(src);
	free(dst);

	remove_file("city/new/zeppelin.txt");
	json_decref(wait_hits("dirigibleyard", 0));
	wait_documents(docs0);
}

static void test_directories(void **state)
{
	/* A directory created with files in it, then a subdirectory. */
	put_file("desk/one.txt", "Desk one\n\nThe quarrystone report.\n");
	put_file("desk/sub/two.txt", "Desk two\n\nAnother quarrystone report.\n");
	json_decref(wait_hits("quarrystone", 2));

	/* Renamed within the tree: found under the new paths, once each. */
	char *from = NULL, *to = NULL;
	assert_true(asprintf(&from, "%s/desk", e2e_tree()) > 0);
	assert_true(asprintf(&to, "%s/moved-desk", e2e_tree()) > 0);
	assert_int_equal(rename(from, to), 0);
	json_t *r = NULL;
	for (int i = 0; i < 1000; i++) {
		r = wait_hits("quarrystone", 2);
		if (strncmp(hit_str(r, 0, "path"), "moved-desk/", 11) == 0 &&
		    strncmp(hit_str(r, 1, "path"), "moved-desk/", 11) == 0)
			break;
		json_decref(r);
		r = NULL;
		sleep_ms(10);
	}
	assert_non_null(r);
	json_decref(r);

	/* Files written in the moved directory are still seen. */
	put_file("moved-desk/sub/three.txt", "Desk three\n\nA third quarrystone.\n");
	json_decref(wait_hits("quarrystone", 3));

	/* Deleted with everything in it: all gone. */
	rm_tree(to);
	json_decref(wait_hits("quarrystone", 0));
	free(from);
	free(to);
}

static void assert_error(json_t *r, json_int_t id, const char *code)
{
	assert_false(json_is_true(json_object_get(r, "ok")));
	if (id < 0)
		assert_true(json_is_null(json_object_get(r, "id")));
	else
		assert_int_equal(json_integer_value(json_object_get(r, "id")), id);
	json_t *e = json_object_get(r, "error");
	assert_string_equal(json_string_value(json_object_get(e, "code")), code);
	assert_true(json_string_length(json_object_get(e, "message")) > 0);
	json_decref(r);
}

static void test_errors_keep_connection(void **state)
{
	struct client c;
	assert_true(client_open(&c));
	assert_error(ask(&c, "this is not json\n"), -1, "BAD_JSON");
	assert_error(ask(&c, "{\"id\":5,\"op\":\"launch\"}\n"), 5, "UNKNOWN_OP");
	assert_error(ask(&c, "{\"id\":6,\"op\":\"search\",\"q\":\"tariffs AND\"}\n"),
	             6, "BAD_QUERY");
	assert_error(ask(&c, "{\"id\":7,\"op\":\"search\",\"q\":\"x\",\"limit\":\"ten\"}\n"),
	             7, "BAD_REQUEST");

	/* A line over the limit is answered and dropped, in pieces. */
	size_t big = 200 * 1024;
	char *line = malloc(big + 1);
	memset(line, 'x', big);
	line[big] = '\n';
	client_send(&c, line, big + 1);
	free(line);
	assert_error(client_recv(&c), -1, "LINE_TOO_LONG");

	/* Just over the limit and complete, arriving in one piece: the same
	 * error, in its turn between the replies around it. */
	size_t over = 65 * 1024;
	ns_buf_t burst = {0};
	ns_buf_printf(&burst, "{\"id\":\"before\",\"op\":\"search\",\"q\":\"tariffs\"}\n");
	ns_buf_printf(&burst, "{\"id\":\"long\",\"op\":\"search\",\"q\":\"");
	for (size_t i = 0; i < over; i++)
		ns_buf_append(&burst, "y", 1);
	ns_buf_printf(&burst, "\"}\n{\"id\":\"after\",\"op\":\"status\"}\n");
	client_send(&c, burst.data, burst.len);
	ns_buf_free(&burst);
	json_t *r = client_recv(&c);
	assert_string_equal(json_string_value(json_object_get(r, "id")), "before");
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	assert_error(client_recv(&c), -1, "LINE_TOO_LONG");
	r = client_recv(&c);
	assert_string_equal(json_string_value(json_object_get(r, "id")), "after");
	json_decref(r);

	r = ask(&c, "{\"id\":8,\"op\":\"search\",\"q\":\"beijing\"}\n");
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 8);
	assert_int_equal(nhits(r), 1);
	json_decref(r);
	client_close(&c);
}

static void test_pipelined_in_order(void **state)
{
	struct client c;
	assert_true(client_open(&c));
	const char *burst =
		"{\"id\":\"a\",\"op\":\"search\",\"q\":\"tariffs\"}\n"
		"{\"id\":\"b\",\"op\":\"status\"}\n"
		"{\"id\":\"c\",\"op\":\"search\",\"q\":\"beijing\",\"limit\":1}";
	client_send(&c, burst, strlen(burst));
	shutdown(c.fd, SHUT_WR); /* the last request has no newline: EOF ends it */
	const char *ids[] = {"a", "b", "c"};
	for (int i = 0; i < 3; i++) {
		json_t *r = client_recv(&c);
		assert_string_equal(json_string_value(json_object_get(r, "id")), ids[i]);
		assert_true(json_is_true(json_object_get(r, "ok")));
		json_decref(r);
	}
	char b;
	assert_int_equal(read(c.fd, &b, 1), 0); /* then the daemon closes */
	client_close(&c);
}

static void test_cli(void **state)
{
	int rc;
	char *out = run_cli("search tariffs machinery --limit 5", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "1. Machinery exports rise for a third month"));
	assert_non_null(strstr(out, "2. Varga lands in Beijing for trade talks"));
	assert_non_null(strstr(out, "world/varga.txt"));
	assert_non_null(strstr(out, "2025-03-14"));
	/* Not a terminal: matches are bracketed. */
	assert_non_null(strstr(out, "discuss [tariffs] on [machinery]"));
	free(out);

	out = run_cli("--json search envoy", &rc);
	assert_int_equal(rc, 0);
	json_t *o = json_loads(out, 0, NULL);
	assert_non_null(o);
	assert_true(json_is_true(json_object_get(o, "ok")));
	assert_int_equal(nhits(o), 1);
	assert_non_null(strstr(hit_str(o, 0, "snippet"), "<b>"));
	json_decref(o);
	free(out);

	out = run_cli("status", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "ready:     yes"));
	assert_non_null(strstr(out, "documents: 2"));
	free(out);

	out = run_cli("search 'tariffs AND'", &rc);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(out, "BAD_QUERY"));
	free(out);

	out = run_cli("frobnicate", &rc);
	assert_int_equal(rc, 2);
	free(out);
}

static void test_cli_no_daemon(void **state)
{
	char *cmd = NULL;
	int rc;
	assert_true(asprintf(&cmd, "'%s' --socket '%s/none.sock' status 2>&1",
	                     getenv("NSEARCH_CLI"), e2e_dir()) > 0);
	char *out = run_capture(cmd, &rc);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(out, "cannot connect"));
	assert_non_null(strstr(out, "Is nsearchd running?"));
	free(out);
}

static void test_sigterm_and_restart(void **state)
{
	json_t *st = status();
	json_int_t docs = json_integer_value(json_object_get(st, "documents"));
	json_decref(st);
	assert_int_equal(stop_daemon(), 0);
	struct stat sb;
	/* The socket file is gone. */
	assert_int_equal(stat(e2e_sock(), &sb), -1);

	/* A file added while it was down is found after the restart, and one
	 * deleted while it was down is gone. */
	put_file("late.txt", "Late edition\n\nThe quillfeather press ran late.\n");
	remove_file("business/exports.txt");
	start_daemon();
	st = status();
	assert_int_equal(json_integer_value(json_object_get(st, "documents")), docs);
	json_decref(st);
	json_t *gone = search("machinery");
	assert_int_equal(nhits(gone), 1);
	assert_string_equal(hit_str(gone, 0, "path"), "world/varga.txt");
	json_decref(gone);
	json_t *r = search("quillfeather");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
	r = search("beijing");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
}

static void test_second_daemon_refused(void **state)
{
	/* Same socket, same index: a clear error and a non-zero exit. */
	char *cmd = NULL;
	int rc;
	assert_true(asprintf(&cmd, "'%s' --articles '%s' --index '%s' --socket "
	                     "'%s' 2>&1", getenv("NSEARCHD"), e2e_tree(),
	                     e2e_index(), e2e_sock()) > 0);
	char *out = run_capture(cmd, &rc);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(out, "lock"));
	free(out);
	/* And the first one still answers. */
	json_t *r = search("beijing");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_by_body_and_title),
		cmocka_unit_test(test_ignored_files_not_indexed),
		cmocka_unit_test(test_new_changed_deleted),
		cmocka_unit_test(test_directories),
		cmocka_unit_test(test_errors_keep_connection),
		cmocka_unit_test(test_pipelined_in_order),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_cli_no_daemon),
		cmocka_unit_test(test_second_daemon_refused),
		cmocka_unit_test(test_sigterm_and_restart),
	};
	return cmocka_run_group_tests_name("e2e", tests, group_setup, group_teardown);
}
