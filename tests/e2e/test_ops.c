/* test_ops.c - operations on a running nsearchd: backup while files pour
 * in (the copy passes xapian-check), compact while searches go on (every
 * document kept, no search failing), reindex of one file and of the
 * tree, one operation at a time, the status figures, and nsearch-cli's
 * view of all that, its progress bar on a terminal included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"

enum { NSTORIES = 1500 };

/* Story I: a title, a line with a word no other story has, and some text
 * all stories share. */
static void put_story(const char *dir, int i)
{
	char rel[64], text[1024];
	snprintf(rel, sizeof rel, "%s/story%05d.txt", dir, i);
	int n = snprintf(text, sizeof text, "Harbour story %d\n\nThe word "
	                 "uniq%05dx marks it. ", i, i);
	while (n < 700)
		n += snprintf(text + n, sizeof text - (size_t)n, "The harbour "
		              "pilots logged another vessel in the fog. ");
	put_file(rel, text);
}

static int group_setup(void **state)
{
	signal(SIGPIPE, SIG_IGN);
	if (e2e_make_dirs() < 0)
		return -1;
	for (int i = 0; i < NSTORIES; i++)
		put_story(i % 2 ? "port" : "coast", i);
	static const char blob[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0,
	                            0, 0, 0, 0, 3, 0, 0x3e, 0, 1, 0, 0, 0};
	put_bytes("bin/blob.txt", blob, sizeof blob);
	/* Backups go beside the tree and the index, nowhere else. */
	const char *opts[] = {"--backup-dir", e2e_dir(), NULL};
	start_daemon_with(opts);
	return 0;
}

static int group_teardown(void **state)
{
	return e2e_teardown();
}

static json_int_t status_int(const char *key)
{
	json_t *st = status();
	assert_non_null(st);
	json_int_t v = json_integer_value(json_object_get(st, key));
	json_decref(st);
	return v;
}

/* Send one maintenance request; its reply. */
static json_t *maintain(const char *line)
{
	struct client c;
	assert_true(client_open(&c));
	struct timeval tv = {.tv_sec = 120};
	setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	json_t *r = ask(&c, line);
	client_close(&c);
	return r;
}

static void assert_ok(json_t *r)
{
	if (!json_is_true(json_object_get(r, "ok")))
		fail_msg("failed: %s", json_dumps(r, JSON_COMPACT));
}

static void assert_code(json_t *r, const char *code)
{
	const char *got = json_string_value(json_object_get(
		json_object_get(r, "error"), "code"));
	if (!got || strcmp(got, code) != 0)
		fail_msg("expected %s, got %s", code, json_dumps(r, JSON_COMPACT));
	json_decref(r);
}

/* ---- a second process that keeps working while the test asks ---- */

static volatile sig_atomic_t stop_now;

static void on_term(int sig)
{
	stop_now = 1;
}

struct helper {
	pid_t pid;
	int out;     /* its report, "MS OK|FAIL\n" per search */
};

/* A child that searches for "harbour" over and over on fresh
 * connections and reports each answer, until SIGTERM. */
static void start_searcher(struct helper *h)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	h->pid = fork();
	assert_true(h->pid >= 0);
	if (h->pid > 0) {
		close(fds[1]);
		h->out = fds[0];
		return;
	}
	close(fds[0]);
	signal(SIGTERM, on_term);
	const char *req = "{\"op\":\"search\",\"q\":\"harbour\",\"limit\":3}\n";
	while (!stop_now) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", e2e_sock());
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		bool ok = fd >= 0 &&
		          connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
		          write(fd, req, strlen(req)) == (ssize_t)strlen(req);
		char buf[65536];
		size_t got = 0;
		while (ok && got < sizeof buf - 1 && !memchr(buf, '\n', got)) {
			ssize_t r = read(fd, buf + got, sizeof buf - 1 - got);
			if (r <= 0)
				ok = false;
			else
				got += (size_t)r;
		}
		buf[got] = '\0';
		ok = ok && strstr(buf, "\"ok\":true") && strstr(buf, "\"total\":");
		if (fd >= 0)
			close(fd);
		/* A read cut short by the SIGTERM that stops us (EINTR: the
		 * sanitizers' signal handling does not restart it) is no
		 * failed search. */
		if (!ok && stop_now)
			break;
		char line[64];
		int n = snprintf(line, sizeof line, "%llu %s\n", ns_now_ms(),
		                 ok ? "OK" : "FAIL");
		if (write(fds[1], line, (size_t)n) < 0)
			break;
	}
	_exit(0);
}

/* A child that writes a new article every 2 ms until SIGTERM. */
static void start_writer(struct helper *h)
{
	h->out = -1;
	h->pid = fork();
	assert_true(h->pid >= 0);
	if (h->pid > 0)
		return;
	signal(SIGTERM, on_term);
	char wire[512];
	snprintf(wire, sizeof wire, "%s/wire", e2e_tree());
	mkdir(wire, 0755);
	for (int i = 0; !stop_now && i < 20000; i++) {
		char path[512], text[128];
		snprintf(path, sizeof path, "%s/wire/%d", e2e_tree(), i / 500);
		mkdir(path, 0755);
		snprintf(path + strlen(path), sizeof path - strlen(path),
		         "/flash%05d.txt", i);
		int n = snprintf(text, sizeof text, "Flash %d\n\nThe flashword "
		                 "wire item %d.\n", i, i);
		FILE *f = fopen(path, "w");
		if (f) {
			fwrite(text, 1, (size_t)n, f);
			fclose(f);
		}
		nanosleep(&(struct timespec){0, 2000000L}, NULL);
	}
	_exit(0);
}

/* Stop H; its report (new), or NULL for a writer. */
static char *stop_helper(struct helper *h)
{
	kill(h->pid, SIGTERM);
	ns_buf_t b = {0};
	ns_buf_append(&b, "", 0);
	char buf[4096];
	ssize_t n;
	while (h->out >= 0 && (n = read(h->out, buf, sizeof buf)) > 0)
		ns_buf_append(&b, buf, (size_t)n);
	int ws;
	waitpid(h->pid, &ws, 0);
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	if (h->out >= 0)
		close(h->out);
	return b.data;
}

/* ---- the tests ---- */

static void test_backup_during_indexing(void **state)
{
	json_int_t docs0 = status_int("documents");
	struct helper writer;
	start_writer(&writer);
	/* It is flowing. */
	json_int_t total = 0;
	for (int i = 0; i < 1000 && total < 20; i++) {
		json_t *f = search("flashword");
		total = json_integer_value(json_object_get(f, "total"));
		json_decref(f);
		sleep_ms(10);
	}
	assert_true(total >= 20);
	json_int_t rev0 = status_int("revision");

	char *dir = NULL, *line = NULL;
	assert_true(asprintf(&dir, "%s/backup1", e2e_dir()) > 0);
	assert_true(asprintf(&line, "{\"id\":\"b\",\"op\":\"backup\",\"dir\":"
	                     "\"%s\"}\n", dir) > 0);
	json_t *r = maintain(line);
	free(line);
	assert_ok(r);
	assert_string_equal(json_string_value(json_object_get(r, "op")),
	                    "backup");
	const char *msg = json_string_value(json_object_get(r, "message"));
	assert_non_null(strstr(msg, " articles at revision "));
	assert_non_null(strstr(msg, dir));
	json_decref(r);
	sleep_ms(100);
	char *report = stop_helper(&writer);
	free(report);
	/* Indexing went on around it; every file written is committed now
	 * (on a slow build, a sanitizer's, the last ones may still be
	 * queued when the writer stops). */
	json_decref(wait_for(NULL));
	assert_true(status_int("revision") > rev0);

	/* Xapian's own checker accepts the copy. */
	int rc;
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "xapian-check '%s' 2>&1", dir) > 0);
	char *out = run_capture(cmd, &rc);
	if (rc != 0 || !strstr(out, "No errors found"))
		fail_msg("xapian-check: %s", out);
	free(out);
	/* It holds what was committed when it was taken: the first stories,
	 * and some of the wire, not all of it. */
	assert_true(asprintf(&cmd, "xapian-delve '%s' 2>&1", dir) > 0);
	out = run_capture(cmd, &rc);
	assert_int_equal(rc, 0);
	const char *count = strstr(out, "number of documents = ");
	assert_non_null(count);
	long n = strtol(count + strlen("number of documents = "), NULL, 10);
	assert_true(n >= docs0 + 20);
	assert_true(n < status_int("documents"));
	free(out);

	/* The same directory again: refused, it is not empty; and paths
	 * the daemon cannot take. */
	assert_true(asprintf(&line, "{\"op\":\"backup\",\"dir\":\"%s\"}\n",
	                     dir) > 0);
	r = maintain(line);
	free(line);
	assert_non_null(strstr(json_string_value(json_object_get(
		json_object_get(r, "error"), "message")), "not an empty directory"));
	assert_code(r, "BAD_REQUEST");
	assert_code(maintain("{\"op\":\"backup\",\"dir\":\"relative/dir\"}\n"),
	            "BAD_REQUEST");
	assert_code(maintain("{\"op\":\"backup\",\"dir\":\"/nonexistent/x/y\"}\n"),
	            "BAD_REQUEST");
	assert_code(maintain("{\"op\":\"backup\"}\n"), "BAD_REQUEST");

	json_t *st = status();
	json_t *last = json_object_get(st, "last_operation");
	assert_string_equal(json_string_value(json_object_get(last, "op")),
	                    "backup");
	assert_true(json_is_true(json_object_get(last, "ok")));
	assert_true(json_is_null(json_object_get(st, "operation")));
	json_decref(st);
	free(dir);
}

static void test_compact_while_searching(void **state)
{
	json_t *w = wait_for(NULL);
	json_decref(w);
	json_int_t docs = status_int("documents");
	json_int_t rev = status_int("revision");

	struct helper searcher;
	start_searcher(&searcher);
	sleep_ms(200);
	unsigned long long t0 = ns_now_ms();
	json_t *r = maintain("{\"id\":7,\"op\":\"compact\"}\n");
	unsigned long long t1 = ns_now_ms();
	sleep_ms(200);
	char *report = stop_helper(&searcher);
	assert_ok(r);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 7);
	assert_non_null(strstr(json_string_value(json_object_get(r, "message")),
	                       " articles: "));
	json_decref(r);

	/* No search failed, before, during or after; some ran during it. */
	unsigned ok = 0, during = 0;
	for (char *l = report, *nl; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		assert_non_null(nl);
		unsigned long long t = strtoull(l, NULL, 10);
		if (strstr(l, "FAIL") && strstr(l, "FAIL") < nl)
			fail_msg("a search failed at %llu (compaction %llu-%llu)", t,
			         t0, t1);
		ok++;
		during += t >= t0 && t <= t1;
	}
	free(report);
	assert_true(ok > 10);
	assert_true(during > 0);

	/* Every document is there, each found by its own word; the revision
	 * went forward, never back. */
	assert_int_equal(status_int("documents"), docs);
	assert_true(status_int("revision") > rev);
	for (int i = 0; i < NSTORIES; i++) {
		char q[32], path[64];
		snprintf(q, sizeof q, "uniq%05dx", i);
		snprintf(path, sizeof path, "%s/story%05d.txt",
		         i % 2 ? "port" : "coast", i);
		json_t *hit = search(q);
		if (nhits(hit) != 1 || strcmp(hit_str(hit, 0, "path"), path) != 0)
			fail_msg("%s: not found after compaction", q);
		json_decref(hit);
	}
	/* The writer works on the compacted index. */
	put_file("after/compact.txt", "After\n\nThe postcompactword is new.\n");
	json_decref(wait_hits("postcompactword", 1));
	/* And the index in place passes Xapian's checker. */
	int rc;
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "xapian-check '%s' 2>&1", e2e_index()) > 0);
	char *out = run_capture(cmd, &rc);
	if (rc != 0 || !strstr(out, "No errors found"))
		fail_msg("xapian-check: %s", out);
	free(out);
	struct stat sb;
	char *old = NULL;
	assert_true(asprintf(&old, "%s.old", e2e_index()) > 0);
	assert_int_equal(stat(old, &sb), -1); /* the old copy is gone */
	free(old);
}

static void test_reindex(void **state)
{
	json_decref(wait_for(NULL));
	json_int_t indexed = status_int("indexed");
	/* One file: read again although nothing changed. */
	json_t *r = maintain("{\"op\":\"reindex\",\"path\":\"coast/story00000.txt\"}\n");
	assert_ok(r);
	assert_string_equal(json_string_value(json_object_get(r, "message")),
	                    "read coast/story00000.txt again");
	json_decref(r);
	assert_int_equal(status_int("indexed"), indexed + 1);

	/* A directory: every file under it. */
	r = maintain("{\"op\":\"reindex\",\"path\":\"port\"}\n");
	assert_ok(r);
	char want[96];
	snprintf(want, sizeof want, "read %d files again under port",
	         NSTORIES / 2);
	assert_string_equal(json_string_value(json_object_get(r, "message")),
	                    want);
	json_decref(r);
	assert_int_equal(status_int("indexed"), indexed + 1 + NSTORIES / 2);

	assert_code(maintain("{\"op\":\"reindex\",\"path\":\"no/such.txt\"}\n"),
	            "BAD_REQUEST");
	assert_code(maintain("{\"op\":\"reindex\",\"path\":\"../etc\"}\n"),
	            "BAD_REQUEST");

	/* One operation at a time: while the tree is read again, a compact
	 * is refused. */
	struct client c;
	assert_true(client_open(&c));
	client_send(&c, "{\"id\":1,\"op\":\"reindex\"}\n", 24);
	bool running = false;
	for (int i = 0; i < 500 && !running; i++) {
		json_t *st = status();
		json_t *op = json_object_get(st, "operation");
		running = json_is_string(json_object_get(op, "op")) &&
		          strcmp(json_string_value(json_object_get(op, "op")),
		                 "reindex") == 0;
		json_decref(st);
		if (!running)
			sleep_ms(10);
	}
	assert_true(running);
	assert_code(maintain("{\"op\":\"compact\"}\n"), "BUSY");
	struct timeval tv = {.tv_sec = 120};
	setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	r = client_recv(&c);
	assert_ok(r);
	json_decref(r);
	client_close(&c);
}

static void test_status_figures(void **state)
{
	for (int i = 0; i < 30; i++)
		json_decref(search("harbour pilots"));
	json_t *st = status();
	assert_true(json_real_value(json_object_get(st, "uptime_s")) > 0.1);
	const char *commit = json_string_value(json_object_get(st, "last_commit"));
	assert_non_null(commit);
	assert_int_equal(strlen(commit), 20); /* 2026-11-29T20:14:03Z */
	json_t *rec = json_object_get(st, "reconcile");
	assert_int_equal(json_integer_value(json_object_get(rec, "files")),
	                 NSTORIES + 1);
	assert_int_equal(json_integer_value(json_object_get(rec, "left")), 0);
	assert_true(json_integer_value(json_object_get(st, "connections")) >= 1);
	json_t *lat = json_object_get(st, "latency_ms");
	assert_true(json_integer_value(json_object_get(lat, "searches")) >= 30);
	double p50 = json_real_value(json_object_get(lat, "p50"));
	double p95 = json_real_value(json_object_get(lat, "p95"));
	double p99 = json_real_value(json_object_get(lat, "p99"));
	assert_true(p50 > 0 && p50 <= p95 && p95 <= p99);
	/* The skipped file, with its reason. */
	json_t *probs = json_object_get(st, "problems");
	assert_int_equal(json_array_size(probs), 1);
	json_t *p = json_array_get(probs, 0);
	assert_string_equal(json_string_value(json_object_get(p, "path")),
	                    "bin/blob.txt");
	assert_string_equal(json_string_value(json_object_get(p, "kind")),
	                    "skipped");
	assert_true(json_string_length(json_object_get(p, "reason")) > 3);
	json_decref(st);

	int rc;
	char *out = run_cli("status", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "ready:     yes"));
	assert_non_null(strstr(out, "\nuptime:    0d 00h "));
	assert_non_null(strstr(out, "\nlast commit: 20"));
	char want[64];
	snprintf(want, sizeof want, "\nreconciled: %d files at start, in ",
	         NSTORIES + 1);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "\nlatency:   p50 "));
	assert_non_null(strstr(out, "\nnewest problems:\n  skipped  bin/blob.txt: "));
	assert_non_null(strstr(out, "\nlast operation: reindex done at 20"));
	free(out);
}

static void test_cli_operations(void **state)
{
	int rc;
	char *out = run_cli("reindex coast/story00002.txt", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "reindex: read coast/story00002.txt again\n");
	free(out);
	char *dir = NULL, *args = NULL;
	assert_true(asprintf(&dir, "%s/backup-cli", e2e_dir()) > 0);
	assert_true(asprintf(&args, "backup '%s'", dir) > 0);
	out = run_cli(args, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "backup: "));
	assert_non_null(strstr(out, dir));
	free(out);
	out = run_cli(args, &rc); /* not empty now */
	assert_int_equal(rc, 2);
	assert_non_null(strstr(out, "nsearch-cli: backup: refused: "));
	assert_non_null(strstr(out, " (BAD_REQUEST)\n"));
	free(out);
	free(args);
	free(dir);
	out = run_cli("compact", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "compact: "));
	assert_non_null(strstr(out, " articles: "));
	free(out);
	out = run_cli("--json compact", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"op\":\"compact\""));
	free(out);
	out = run_cli("backup", &rc);
	assert_int_equal(rc, 2);
	free(out);
}

/* On a terminal the long ones draw a progress bar on stderr. */
static void test_cli_progress_bar(void **state)
{
	/* A commit per file makes reading the tree again take seconds. */
	assert_int_equal(stop_daemon(), 0);
	const char *slow[] = {"--batch", "1", NULL};
	start_daemon_with(slow);
	int master;
	pid_t pid = forkpty(&master, NULL, NULL, NULL);
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(getenv("NSEARCH_CLI"), "nsearch-cli", "--socket",
		      e2e_sock(), "reindex", (char *)NULL);
		_exit(127);
	}
	ns_buf_t out = {0};
	for (;;) {
		struct pollfd p = {.fd = master, .events = POLLIN};
		if (poll(&p, 1, 60000) <= 0)
			break;
		char buf[4096];
		ssize_t n = read(master, buf, sizeof buf);
		if (n <= 0)
			break; /* EIO once the child is gone */
		ns_buf_append(&out, buf, (size_t)n);
	}
	int ws;
	waitpid(pid, &ws, 0);
	close(master);
	ns_buf_append(&out, "", 0);
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	/* At least one bar, redrawn in place, then the result. */
	if (!strstr(out.data, "\r\033[Kreindex [") ||
	    !strstr(out.data, " files ("))
		fail_msg("no progress bar in: %s", out.data);
	assert_non_null(strstr(out.data, " files again under the articles "
	                       "root\r\n"));
	ns_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backup_during_indexing),
		cmocka_unit_test(test_compact_while_searching),
		cmocka_unit_test(test_reindex),
		cmocka_unit_test(test_status_figures),
		cmocka_unit_test(test_cli_operations),
		cmocka_unit_test(test_cli_progress_bar),
	};
	return cmocka_run_group_tests_name("ops", tests, group_setup,
	                                   group_teardown);
}
