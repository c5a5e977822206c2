/* test_replica.c - read replicas on Xapian's own replication: a primary
 * (the harness's daemon, serving with xapian-replicate-server on a free
 * loopback port) and a replica started here (its own socket, copy and
 * log); the replica follows, answers as the primary does, refuses writes
 * naming the primary, keeps serving when the primary is killed and says
 * so, catches up when it is back, and holds a request with min_revision
 * until the copy has it, or answers STALE.  Needs xapian-tools. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "svc.h"

/* The replica this file starts beside the harness's primary. */
static struct {
	pid_t pid;
	char *sock, *index, *http, *log;
	char primary[32];           /* "127.0.0.1:PORT" */
	unsigned port;
} R;

static bool have_xapian_tools(void)
{
	return access("/usr/bin/xapian-replicate", X_OK) == 0 &&
	       access("/usr/bin/xapian-replicate-server", X_OK) == 0;
}

/* Three articles the word "harbour" finds, with different weights so
 * that the order is the ranking's, not chance's. */
static void put_articles(void)
{
	put_file("port/pilots.md", "# Harbour pilots strike\n\nThe harbour "
	         "pilots stopped work; the harbour is closed to ships.\n");
	put_file("port/ferry.md", "# Ferry timetable\n\nThe ferry leaves the "
	         "harbour at six.\n");
	put_file("city/council.md", "# Council budget\n\nThe council debated "
	         "the harbour wall, the harbour dues and the harbour master's "
	         "pay.\n");
}

/* The primary: the harness's daemon, serving replication on R.port. */
static void start_primary(void)
{
	const char *extra[] = {"--replication-listen", R.primary, NULL};
	start_daemon_with(extra);
}

/* REQ (taken) sent to the daemon on SOCK; the reply. */
static json_t *ask_at(const char *sock, json_t *req)
{
	return request_at(sock, req);
}

static json_t *replica_search(const char *q)
{
	return ask_at(R.sock, json_pack("{s:s, s:s}", "op", "search", "q", q));
}

static json_t *replica_status(void)
{
	return ask_at(R.sock, json_pack("{s:s}", "op", "status"));
}

/* Start the replica with EXTRA options (NULL-terminated, may be NULL);
 * it follows R.primary every 100 ms unless EXTRA says otherwise. */
static void spawn_replica(const char *const *extra)
{
	const char *argv[32] = {getenv("NSEARCHD"), "--replica-of", R.primary,
	                        "--index", R.index, "--socket", R.sock,
	                        "--http-socket", R.http,
	                        "--replica-interval-ms", "100", "--max-lag", "2"};
	size_t n = 13;
	for (size_t i = 0; extra && extra[i] && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	R.pid = fork();
	assert_true(R.pid >= 0);
	if (R.pid == 0) {
		int fd = open(R.log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
}

static bool replica_ready(void)
{
	struct client c;
	char *keep = strdup(e2e_sock());
	e2e_set_sock(R.sock);
	bool up = client_open(&c);
	e2e_set_sock(keep);
	free(keep);
	if (!up)
		return false;
	json_t *st = ask(&c, "{\"op\":\"status\"}\n");
	client_close(&c);
	bool ready = json_is_true(json_object_get(st, "ready"));
	json_decref(st);
	return ready;
}

static void wait_replica_ready(void)
{
	for (int i = 0; i < 3000; i++) {
		if (waitpid(R.pid, NULL, WNOHANG) == R.pid) {
			R.pid = 0;
			fail_msg("the replica exited during start-up");
		}
		if (replica_ready())
			return;
		sleep_ms(10);
	}
	fail_msg("the replica was not ready within 30 s");
}

/* SIGTERM; its exit status (it must be 0), or -1. */
static int stop_replica(void)
{
	int rc = stop_pid(R.pid);
	R.pid = 0;
	return rc;
}

/* The usual start of a test: the articles, the primary, and a replica
 * (EXTRA options, may be NULL) holding its copy.  False when Xapian's
 * replication tools are not installed: the test skips. */
static bool start_pair(const char *const *extra)
{
	if (!have_xapian_tools())
		return false;
	put_articles();
	start_primary();
	spawn_replica(extra);
	wait_replica_ready();
	return true;
}

static int setup(void **state)
{
	(void)state;
	if (svc_setup(state) != 0)
		return -1;
	R.port = free_port();
	snprintf(R.primary, sizeof R.primary, "127.0.0.1:%u", R.port);
	R.sock = in_dir("replica.sock");
	R.index = in_dir("replica/index");
	R.http = in_dir("replica-http.sock");
	R.log = in_dir("replica.log");
	return 0;
}

static int teardown(void **state)
{
	int rc = stop_replica();
	if (rc != 0 && rc != -1) {
		char *text = NULL;
		size_t len;
		if (ns_read_file(R.log, 1 << 20, &text, &len) == NS_OK)
			fprintf(stderr, "replica log:\n%s", text);
		free(text);
		fprintf(stderr, "the replica exited with status %d\n", rc);
	}
	free(R.sock);
	free(R.index);
	free(R.http);
	free(R.log);
	int prc = svc_teardown(state);
	return rc == 0 || rc == -1 ? prc : -1;
}

#define replica_test(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static const char *error_code(json_t *reply)
{
	return json_string_value(json_object_get(
		json_object_get(reply, "error"), "code"));
}

static const char *error_message(json_t *reply)
{
	return json_string_value(json_object_get(
		json_object_get(reply, "error"), "message"));
}

static json_t *replication_of(json_t *status_reply)
{
	json_t *o = json_object_get(status_reply, "replication");
	assert_non_null(o);
	return o;
}

/* The replica's hits for Q, polled until there are N; fail after 30 s. */
static json_t *replica_hits(const char *q, size_t n)
{
	for (int i = 0; i < 3000; i++) {
		json_t *r = replica_search(q);
		if (nhits(r) == n)
			return r;
		json_decref(r);
		sleep_ms(10);
	}
	fail_msg("the replica's '%s' did not reach %zu hits within 30 s", q, n);
	return NULL;
}

/* The replica's status once it says its copy reached REV. */
static json_t *wait_replica_revision(json_int_t rev)
{
	for (int i = 0; i < 3000; i++) {
		json_t *st = replica_status();
		if (json_integer_value(json_object_get(st, "revision")) >= rev)
			return st;
		json_decref(st);
		sleep_ms(10);
	}
	fail_msg("the replica's status never reached revision %lld",
	         (long long)rev);
	return NULL;
}

/* The primary's reply and the replica's have the same hits, in the same
 * order, and the same total. */
static void assert_same(json_t *primary, json_t *replica)
{
	char *p = paths_of(primary), *r = paths_of(replica);
	assert_string_equal(p, r);
	assert_int_equal(json_integer_value(json_object_get(primary, "total")),
	                 json_integer_value(json_object_get(replica, "total")));
	free(p);
	free(r);
}

/* ---- following ---- */

/* A replica copies the whole index, then follows each change: an
 * article added on the primary is found on the replica, with the same
 * hits in the same order as the primary gives. */
static void test_follows_primary(void **state)
{
	(void)state;
	if (!start_pair(NULL))
		skip();

	json_t *p = search("harbour"), *r = replica_hits("harbour", 3);
	assert_int_equal(nhits(p), 3);
	assert_same(p, r);
	/* Every search reply of a replica says how far behind it may be. */
	json_t *lag = json_object_get(r, "replica");
	assert_non_null(lag);
	assert_string_equal(json_string_value(json_object_get(lag, "primary")),
	                    R.primary);
	assert_true(json_is_true(json_object_get(lag, "connected")));
	assert_true(json_number_value(json_object_get(lag, "behind_s")) < 30);
	assert_null(json_object_get(p, "replica")); /* not on the primary */
	json_decref(p);
	json_decref(r);

	put_file("port/dredging.md", "# Dredging\n\nThe harbour channel is "
	         "dredged again.\n");
	json_t *w = wait_for("port/dredging.md");
	json_int_t rev = json_integer_value(json_object_get(w, "revision"));
	json_decref(w);
	r = replica_hits("harbour", 4);
	p = search("harbour");
	assert_same(p, r);
	assert_true(json_integer_value(json_object_get(r, "revision")) >= rev);
	json_decref(p);
	json_decref(r);

	/* A removal follows too. */
	remove_file("port/ferry.md");
	w = wait_for("port/ferry.md");
	rev = json_integer_value(json_object_get(w, "revision"));
	json_decref(w);
	r = replica_hits("ferry", 0);
	json_decref(r);

	json_t *st = wait_replica_revision(rev);
	json_t *rep = replication_of(st);
	assert_string_equal(json_string_value(json_object_get(rep, "role")),
	                    "replica");
	assert_true(json_is_true(json_object_get(rep, "synced")));
	assert_true(json_is_true(json_object_get(rep, "connected")));
	assert_true(json_integer_value(json_object_get(rep, "full_copies")) >= 1);
	assert_true(json_is_true(json_object_get(st, "ready")));
	assert_int_equal(json_integer_value(json_object_get(st, "documents")), 3);
	json_decref(st);
	st = status();
	rep = replication_of(st);
	assert_string_equal(json_string_value(json_object_get(rep, "role")),
	                    "primary");
	assert_true(json_is_true(json_object_get(rep, "serving")));
	json_decref(st);
}

/* Commits one after another while the replica asks every 100 ms: each
 * round gets changesets, never a whole copy.  (Xapian 1.4 makes a
 * commit's revision visible before its changeset file; a round asking
 * then was sent the whole index, unless the primary holds its server
 * still while it commits.) */
static void test_changesets_not_copies(void **state)
{
	(void)state;
	if (!start_pair(NULL))
		skip();
	json_int_t rev = 0;
	for (int i = 0; i < 300; i++) {
		char path[64], text[128];
		snprintf(path, sizeof path, "load/n%03d.md", i);
		snprintf(text, sizeof text, "# Note %d\n\nShipping note %d.\n", i,
		         i);
		put_file(path, text);
		json_t *w = wait_for(path); /* a commit each */
		rev = json_integer_value(json_object_get(w, "revision"));
		json_decref(w);
	}
	json_t *st = wait_replica_revision(rev);
	json_t *rep = replication_of(st);
	assert_int_equal(json_integer_value(json_object_get(rep, "full_copies")),
	                 1);
	assert_int_equal(json_integer_value(json_object_get(st, "documents")),
	                 303);
	json_decref(st);
}

/* ---- writes go to the primary ---- */

static void assert_refused(json_t *reply)
{
	assert_false(json_is_true(json_object_get(reply, "ok")));
	assert_string_equal(error_code(reply), "READ_ONLY_REPLICA");
	assert_non_null(strstr(error_message(reply), R.primary));
	json_decref(reply);
}

/* An HTTP request on the replica's HTTP socket: its status line's code,
 * and the body into *BODY (new). */
static int http_at(const char *path, const char *method, char **body)
{
	return http_unix(R.http, method, path, body);
}

/* wait, reindex, compact, backup and publishing are the primary's: a
 * replica refuses them with READ_ONLY_REPLICA naming its primary, and
 * goes on answering searches. */
static void test_refuses_writes(void **state)
{
	(void)state;
	if (!start_pair(NULL))
		skip();
	assert_refused(ask_at(R.sock, json_pack("{s:s}", "op", "wait")));
	assert_refused(ask_at(R.sock, json_pack("{s:s, s:s}", "op", "wait",
	                                        "path", "port/pilots.md")));
	assert_refused(ask_at(R.sock, json_pack("{s:s}", "op", "reindex")));
	assert_refused(ask_at(R.sock, json_pack("{s:s}", "op", "compact")));
	char *dir = in_dir("backup");
	assert_refused(ask_at(R.sock, json_pack("{s:s, s:s}", "op", "backup",
	                                        "dir", dir)));
	free(dir);
	char *body = NULL;
	assert_int_equal(http_at("/articles/port/new.md", "PUT", &body), 409);
	assert_non_null(strstr(body, "READ_ONLY_REPLICA"));
	assert_non_null(strstr(body, R.primary));
	free(body);
	assert_int_equal(http_at("/compact", "POST", &body), 409);
	assert_non_null(strstr(body, "READ_ONLY_REPLICA"));
	free(body);
	/* Nothing was written: the tree and the index are the primary's. */
	json_t *r = replica_search("harbour");
	assert_int_equal(nhits(r), 3);
	json_decref(r);
	assert_int_equal(http_at("/health", "GET", &body), 200);
	free(body);
	/* /metrics of a daemon without a writer (it crashed on its missing
	 * problems list): the replica's own series. */
	assert_int_equal(http_at("/metrics", "GET", &body), 200);
	assert_non_null(strstr(body, "nsearch_replica_synced 1"));
	assert_non_null(strstr(body, "nsearch_skipped_files 0"));
	free(body);
}

/* ---- the primary gone ---- */

/* A connection to PORT on loopback is refused (nothing listens). */
static bool port_closed(unsigned port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bool closed = connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 &&
	              errno == ECONNREFUSED;
	close(fd);
	return closed;
}

/* The replica's status once it says the primary does not answer. */
static json_t *wait_unreachable(void)
{
	for (int i = 0; i < 3000; i++) {
		json_t *st = replica_status();
		if (json_is_false(json_object_get(replication_of(st), "connected")))
			return st;
		json_decref(st);
		sleep_ms(10);
	}
	fail_msg("the replica never said the primary was gone");
	return NULL;
}

/* The primary killed (kill -9): its replication server goes with it (it
 * must not hold the port), the replica keeps answering from its copy and
 * says the primary is unreachable; over max_lag it is not ready (health
 * 503) but still answers; the primary back, it follows again by itself. */
static void test_primary_killed(void **state)
{
	(void)state;
	if (!start_pair(NULL))
		skip();
	json_t *before = replica_hits("harbour", 3);

	kill_daemon();
	for (int i = 0; i < 1000 && !port_closed(R.port); i++)
		sleep_ms(10);
	assert_true(port_closed(R.port));

	json_t *st = wait_unreachable();
	json_t *rep = replication_of(st);
	assert_non_null(json_string_value(json_object_get(rep, "error")));
	assert_true(json_is_true(json_object_get(rep, "synced")));
	json_decref(st);
	json_t *r = replica_search("harbour");
	assert_same(before, r);
	assert_true(json_is_false(json_object_get(json_object_get(r, "replica"),
	                                          "connected")));
	json_decref(r);

	/* Over max_lag (2 s): out of the load balancer, still answering. */
	char *body = NULL;
	int code = 0;
	for (int i = 0; i < 1000 && code != 503; i++) {
		free(body);
		code = http_at("/health", "GET", &body);
		if (code != 503)
			sleep_ms(10);
	}
	assert_int_equal(code, 503);
	assert_non_null(strstr(body, "behind the primary"));
	free(body);
	r = replica_search("harbour");
	assert_same(before, r);
	assert_true(json_is_false(json_object_get(r, "ready")));
	json_decref(r);
	json_decref(before);

	/* The primary back, with a change made meanwhile: caught up. */
	put_file("port/storm.md", "# Storm\n\nThe harbour wall held.\n");
	start_primary();
	r = replica_hits("harbour", 4);
	json_decref(r);
	wait_replica_ready();
	assert_int_equal(http_at("/health", "GET", &body), 200);
	free(body);
}

/* ---- reading your writes ---- */

/* A replica that asks its primary only every minute: a search right
 * after a write does not see it, one with the revision the primary's
 * wait gave does (the replica asks at once), and one for a revision that
 * never comes is STALE after min_revision_wait_ms.  Over HTTP too. */
static void test_min_revision(void **state)
{
	(void)state;
	const char *extra[] = {"--replica-interval-ms", "60000",
	                       "--min-revision-wait-ms", "10000",
	                       "--max-lag", "600", NULL};
	if (!start_pair(extra))
		skip();

	put_file("port/tug.md", "# Tugboat\n\nA new tugboat for the port.\n");
	json_t *w = wait_for("port/tug.md");
	json_int_t rev = json_integer_value(json_object_get(w, "revision"));
	json_decref(w);
	json_t *r = replica_search("tugboat");
	assert_int_equal(nhits(r), 0); /* the next round is a minute away */
	json_decref(r);
	r = ask_at(R.sock, json_pack("{s:s, s:s, s:I}", "op", "search", "q",
	                             "tugboat", "min_revision", rev));
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_int_equal(nhits(r), 1);
	assert_true(json_integer_value(json_object_get(r, "revision")) >= rev);
	json_decref(r);

	put_file("port/crane.md", "# Crane\n\nThe crane is fixed.\n");
	w = wait_for("port/crane.md");
	rev = json_integer_value(json_object_get(w, "revision"));
	json_decref(w);
	char *body = NULL, path[128];
	snprintf(path, sizeof path, "/search?q=crane&min_revision=%lld",
	         (long long)rev);
	assert_int_equal(http_at(path, "GET", &body), 200);
	assert_non_null(strstr(body, "port/crane.md"));
	free(body);

	/* A revision the primary never reaches. */
	assert_int_equal(stop_replica(), 0);
	const char *brief[] = {"--replica-interval-ms", "60000",
	                       "--min-revision-wait-ms", "300",
	                       "--max-lag", "600", NULL};
	spawn_replica(brief);
	wait_replica_ready();
	r = ask_at(R.sock, json_pack("{s:s, s:s, s:I}", "op", "search", "q",
	                             "harbour", "min_revision", rev + 1000));
	assert_string_equal(error_code(r), "STALE");
	assert_non_null(strstr(error_message(r), "not reached within 300 ms"));
	json_decref(r);
	snprintf(path, sizeof path, "/search?q=harbour&min_revision=%lld",
	         (long long)rev + 1000);
	assert_int_equal(http_at(path, "GET", &body), 503);
	assert_non_null(strstr(body, "STALE"));
	free(body);
	/* A request that is not a read cannot carry it. */
	r = ask_at(R.sock, json_pack("{s:s, s:i}", "op", "status",
	                             "min_revision", 1));
	assert_string_equal(error_code(r), "BAD_REQUEST");
	json_decref(r);
	/* On the primary a revision it has is answered at once. */
	r = request("{s:s, s:s, s:I}", "op", "search", "q", "crane",
	            "min_revision", (json_int_t)rev);
	assert_int_equal(nhits(r), 1);
	json_decref(r);
}

/* ---- what a replica starts on ---- */

/* An empty directory made by hand, or one a first copy killed early left
 * without Xapian's stub database: the replica copies the primary anyway
 * (the second moved aside, not deleted). */
static void test_starts_on_leftovers(void **state)
{
	(void)state;
	if (!have_xapian_tools())
		skip();
	put_articles();
	start_primary();
	char *parent = in_dir("replica");
	assert_int_equal(mkdir(parent, 0700), 0);
	assert_int_equal(mkdir(R.index, 0700), 0);
	spawn_replica(NULL);
	wait_replica_ready();
	json_t *r = replica_hits("harbour", 3);
	json_decref(r);
	assert_int_equal(stop_replica(), 0);

	char *half = NULL;
	assert_true(asprintf(&half, "%s/replica_0", R.index) > 0);
	rm_tree(R.index);
	assert_int_equal(mkdir(R.index, 0700), 0);
	assert_int_equal(mkdir(half, 0700), 0);
	spawn_replica(NULL);
	wait_replica_ready();
	r = replica_hits("harbour", 3);
	json_decref(r);
	char *log = NULL;
	size_t len;
	assert_int_equal(ns_read_file(R.log, 1 << 20, &log, &len), NS_OK);
	assert_non_null(strstr(log, "moved aside"));
	free(log);
	free(half);
	free(parent);
}

/* ---- what a replica refuses to start on ---- */

/* A replica pointed at a directory that holds a database (the primary's
 * own index) refuses to start: Xapian's replication would overwrite it.
 * A replica that also serves replication is a configuration error. */
static void test_refuses_bad_setup(void **state)
{
	(void)state;
	if (!have_xapian_tools())
		skip();
	put_articles();
	start_daemon(); /* makes the index at e2e_index() */
	free(R.index);
	R.index = strdup(e2e_index());
	spawn_replica(NULL);
	int ws = 0;
	assert_int_equal(waitpid(R.pid, &ws, 0), R.pid);
	R.pid = 0;
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) != 0);
	char *text = NULL;
	size_t len;
	assert_int_equal(ns_read_file(R.log, 1 << 20, &text, &len), NS_OK);
	assert_non_null(strstr(text, "holds a database of its own"));
	free(text);
	/* The primary's index is untouched: it still answers. */
	json_t *r = search("harbour");
	assert_int_equal(nhits(r), 3);
	json_decref(r);

	const char *both[] = {"--replication-listen", "7999", NULL};
	spawn_replica(both);
	assert_int_equal(waitpid(R.pid, &ws, 0), R.pid);
	R.pid = 0;
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		replica_test(test_follows_primary),
		replica_test(test_changesets_not_copies),
		replica_test(test_refuses_writes),
		replica_test(test_primary_killed),
		replica_test(test_min_revision),
		replica_test(test_starts_on_leftovers),
		replica_test(test_refuses_bad_setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
