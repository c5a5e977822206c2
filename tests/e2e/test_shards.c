/* test_shards.c - a front over shards (docs/scaling.md): the harness's
 * daemon indexes three top-level folders, nsearchd --split-index cuts
 * its index into three shards, and a front started here searches them
 * as one, over local paths and over real xapian-tcpsrv processes on
 * loopback.  A shard hung (SIGSTOP) or dead (SIGKILL) leaves the others
 * answering, said in "shards"; brought back, the front finds it by
 * itself.  --merge-shards gives back one index with every article.
 * Needs xapian-tools for the remote part. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "svc.h"

#define NSHARDS 3

static struct {
	pid_t front;
	char *sock, *http, *log, *shards;
	pid_t srv[NSHARDS]; /* xapian-tcpsrv, each its own group */
	unsigned port[NSHARDS];
} F;

/* One article per folder with "harbour", and a word of its own. */
static void put_articles(void)
{
	put_file("2023/pilots.md", "# Harbour pilots\n\nThe harbour pilots "
	                           "struck over amberjack quotas.\n");
	put_file("2024/ferry.md", "# Harbour ferry\n\nThe harbour ferry "
	                          "carried bluefin crates.\n");
	put_file("2025/wall.md", "# Harbour wall\n\nThe harbour wall fell on "
	                         "the cuttlefish market.\n");
}

/* The three folders indexed by the harness's daemon, then its index
 * split into F.shards/shard-1..3 (the daemon stopped first). */
static void make_shards(void)
{
	put_articles();
	start_daemon();
	json_decref(wait_hits("harbour", 3));
	assert_int_equal(stop_daemon(), 0);
	char *cmd = NULL;
	int rc = -1;
	assert_true(asprintf(&cmd, "%s --index %s --split-index %d %s 2>&1",
	                     getenv("NSEARCHD"), e2e_index(), NSHARDS,
	                     F.shards) > 0);
	char *out = run_capture(cmd, &rc);
	assert_int_equal(rc, 0);
	/* Each folder whole in one shard, one folder each. */
	assert_non_null(strstr(out, "shard-1: 2023/ (1)"));
	assert_non_null(strstr(out, "shard-2: 2024/ (1)"));
	assert_non_null(strstr(out, "shard-3: 2025/ (1)"));
	free(out);
}

static char *shard_path(int k)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/shard-%d", F.shards, k + 1) > 0);
	return p;
}

/* The front over SPECS (a comma list), each shard given 500 ms. */
static void spawn_front(const char *specs)
{
	const char *argv[] = { getenv("NSEARCHD"),
		               "--shard",
		               specs,
		               "--shard-timeout-ms",
		               "500",
		               "--socket",
		               F.sock,
		               "--http-socket",
		               F.http,
		               "--log-level",
		               "info",
		               NULL };
	F.front = fork();
	assert_true(F.front >= 0);
	if (F.front == 0) {
		int fd = open(F.log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
}

static json_t *ask_front(json_t *req)
{
	return request_at(F.sock, req);
}

static json_t *front_search(const char *q)
{
	return ask_front(json_pack("{s:s, s:s}", "op", "search", "q", q));
}

static json_int_t status_int(const char *key)
{
	json_t *st = ask_front(json_pack("{s:s}", "op", "status"));
	json_int_t v = json_integer_value(json_object_get(st, key));
	json_decref(st);
	return v;
}

/* Wait until the front answers status, with SHARDS_DOWN shards down
 * (-1: any number). */
static void wait_front(json_int_t down)
{
	for (int i = 0; i < 3000; i++) {
		if (waitpid(F.front, NULL, WNOHANG) == F.front) {
			F.front = 0;
			fail_msg("the front exited");
		}
		if (access(F.sock, F_OK) == 0 &&
		    status_int("shards") == NSHARDS &&
		    (down < 0 || status_int("shards_down") == down))
			return;
		sleep_ms(10);
	}
	fail_msg("the front did not report %lld shards down within 30 s",
	         (long long)down);
}

/* REPLY's "shards": total and answered; frees nothing. */
static void assert_shards(json_t *reply, json_int_t total, json_int_t answered)
{
	json_t *s = json_object_get(reply, "shards");
	assert_non_null(s);
	assert_int_equal(json_integer_value(json_object_get(s, "total")),
	                 total);
	assert_int_equal(json_integer_value(json_object_get(s, "answered")),
	                 answered);
}

/* The front's /metrics: BODY (new), after checking it with promtool
 * when installed (Debian package prometheus). */
static char *front_metrics(void)
{
	char *body = NULL;
	assert_int_equal(http_unix(F.http, "GET", "/metrics", &body), 200);
	if (access("/usr/bin/promtool", X_OK) != 0)
		return body;
	char *file = write_in_dir("metrics.txt", body, 0600), *cmd = NULL;
	int rc = -1;
	assert_true(asprintf(&cmd, "promtool check metrics < %s 2>&1", file) >
	            0);
	char *out = run_capture(cmd, &rc);
	if (rc != 0)
		fail_msg("promtool: %s", out);
	free(out);
	free(file);
	return body;
}

/* nsearch-cli ARGS against the front: its output (new), exit status
 * into *RC. */
static char *front_cli(const char *args, int *rc)
{
	char *keep = strdup(e2e_sock());
	e2e_set_sock(F.sock);
	char *out = run_cli(args, rc);
	e2e_set_sock(keep);
	free(keep);
	return out;
}

static int setup(void **state)
{
	if (svc_setup(state) != 0)
		return -1;
	memset(&F, 0, sizeof F);
	F.sock = in_dir("front.sock");
	F.http = in_dir("front-http.sock");
	F.log = in_dir("front.log");
	F.shards = in_dir("shards");
	return 0;
}

static int teardown(void **state)
{
	int rc = F.front ? stop_pid(F.front) : 0;
	for (int k = 0; k < NSHARDS; k++)
		if (F.srv[k] > 0) {
			kill(-F.srv[k], SIGCONT);
			kill(-F.srv[k], SIGKILL);
			waitpid(F.srv[k], NULL, 0);
		}
	if (rc != 0) {
		char *cmd = NULL;
		if (asprintf(&cmd, "cat %s >&2", F.log) > 0)
			free(run_capture(cmd, &rc));
	}
	free(F.sock);
	free(F.http);
	free(F.log);
	free(F.shards);
	return svc_teardown(state);
}

/* (a) over local paths: every shard's article, all three answering;
 * writes and min_revision refused READ_ONLY_FRONT. */
static void test_local_front(void **state)
{
	(void)state;
	make_shards();
	char *a = shard_path(0), *b = shard_path(1), *c = shard_path(2), *specs;
	assert_true(asprintf(&specs, "%s,%s, %s", a, b, c) > 0);
	spawn_front(specs);
	wait_front(0);
	json_t *r = front_search("harbour");
	assert_shards(r, 3, 3);
	assert_path_set(r, 3, "2023/pilots.md", "2024/ferry.md",
	                "2025/wall.md");
	int rc = -1;
	char *out = front_cli("search harbour", &rc);
	assert_null(strstr(out, "partial:"));
	free(out);
	char *m = front_metrics();
	assert_non_null(strstr(m, "\nnsearch_shards 3\n"));
	assert_non_null(strstr(m, "\nnsearch_shards_down 0\n"));
	assert_non_null(strstr(m, "\nnsearch_partial_answers_total 0\n"));
	free(m);
	r = ask_front(json_pack("{s:s}", "op", "wait"));
	assert_code(r, "READ_ONLY_FRONT"); /* frees it */
	r = ask_front(json_pack("{s:s, s:s, s:i}", "op", "search", "q",
	                        "harbour", "min_revision", 1));
	assert_code(r, "READ_ONLY_FRONT"); /* frees it */
	free(specs);
	free(a);
	free(b);
	free(c);
}

/* A shard missing from the start: the front answers from the two
 * others and says so, in the reply, to nsearch-cli's reader, and in
 * /metrics (which, without a writer, crashed the daemon). */
static void test_partial_front(void **state)
{
	(void)state;
	make_shards();
	char *a = shard_path(0), *b = shard_path(1), *gone = in_dir("gone");
	char *specs;
	assert_true(asprintf(&specs, "%s,%s,%s", a, b, gone) > 0);
	spawn_front(specs);
	/* Found missing by the first search, which opens the readers. */
	wait_front(-1);
	json_t *r = front_search("harbour");
	assert_shards(r, 3, 2);
	assert_path_set(r, 2, "2023/pilots.md", "2024/ferry.md");
	int rc = -1;
	char *out = front_cli("search harbour", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "partial: 2 of 3 shards answered"));
	assert_non_null(strstr(out, "2024/ferry.md"));
	free(out);
	out = front_cli("--json search harbour", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"shards\":{\"total\":3,\"answered\":2}"));
	free(out);
	char *m = front_metrics();
	assert_non_null(strstr(m, "\nnsearch_shards 3\n"));
	assert_non_null(strstr(m, "\nnsearch_shards_down 1\n"));
	assert_non_null(strstr(m, "\nnsearch_shard_losses_total 1\n"));
	/* The three searches above, at least: each without the third. */
	const char *key = "\nnsearch_partial_answers_total ";
	const char *p = strstr(m, key);
	assert_non_null(p);
	assert_true(strtoull(p + strlen(key), NULL, 10) >= 3);
	free(m);
	free(specs);
	free(a);
	free(b);
	free(gone);
}

/* (d) split, then merge: one index with the same documents. */
static void test_split_merge(void **state)
{
	(void)state;
	make_shards();
	char *a = shard_path(0), *b = shard_path(1), *c = shard_path(2), *cmd;
	char *merged = in_dir("merged");
	assert_true(asprintf(&cmd, "%s --merge-shards %s %s %s %s 2>&1",
	                     getenv("NSEARCHD"), merged, a, b, c) > 0);
	int rc = -1;
	free(run_capture(cmd, &rc));
	assert_int_equal(rc, 0);
	/* Merging over an index is refused: it never writes over one. */
	assert_true(asprintf(&cmd, "%s --merge-shards %s %s %s 2>&1",
	                     getenv("NSEARCHD"), merged, a, b) > 0);
	char *out = run_capture(cmd, &rc);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(out, "already holds a database"));
	free(out);
	/* The merged index is read as one shard: every article is there. */
	spawn_front(merged);
	for (int i = 0; i < 3000 && access(F.sock, F_OK) != 0; i++)
		sleep_ms(10);
	json_t *r = front_search("harbour");
	assert_shards(r, 1, 1);
	assert_path_set(r, 3, "2023/pilots.md", "2024/ferry.md",
	                "2025/wall.md");
	free(merged);
	free(a);
	free(b);
	free(c);
}

/* xapian-tcpsrv for shard K (svc.h), its log beside the tree. */
static void start_shard_srv(int k, bool same_port)
{
	char *db = shard_path(k), *log = NULL;
	assert_true(asprintf(&log, "%s/tcpsrv-%d.log", e2e_dir(), k) > 0);
	F.srv[k] = start_tcpsrv(db, log, &F.port[k], same_port);
	free(db);
	free(log);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A search for "harbour" answered by the shards but K's, within 5 s. */
static void assert_without(int k)
{
	static const char *const paths[] = { "2023/pilots.md", "2024/ferry.md",
		                             "2025/wall.md" };
	double t0 = now_s();
	json_t *r = front_search("harbour");
	assert_true(now_s() - t0 < 5.0);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_shards(r, 3, 2);
	const char *other[2];
	for (int i = 0, n = 0; i < NSHARDS; i++)
		if (i != k)
			other[n++] = paths[i];
	assert_path_set(r, 2, other[0], other[1]);
	/* The next one too, and at once: the shard is known down. */
	t0 = now_s();
	r = front_search("harbour");
	assert_true(now_s() - t0 < 5.0);
	assert_shards(r, 3, 2);
	json_decref(r);
}

/* The three shards behind xapian-tcpsrv, and a front over them with
 * every shard up; skips without xapian-tools. */
static void start_remote_front(void)
{
	if (access("/usr/bin/xapian-tcpsrv", X_OK) != 0)
		skip(); /* xapian-tools not installed */
	make_shards();
	char specs[128];
	for (int k = 0; k < NSHARDS; k++)
		start_shard_srv(k, false);
	snprintf(specs, sizeof specs, "127.0.0.1:%u,127.0.0.1:%u,127.0.0.1:%u",
	         F.port[0], F.port[1], F.port[2]);
	spawn_front(specs);
	wait_front(0);
}

/* (a), (b), (c) over xapian-tcpsrv: all, one hung, one dead, back. */
static void test_remote_shards(void **state)
{
	(void)state;
	start_remote_front();
	json_t *r = front_search("harbour");
	assert_shards(r, 3, 3);
	assert_path_set(r, 3, "2023/pilots.md", "2024/ferry.md",
	                "2025/wall.md");
	/* (b) hung: the whole group stopped, the listener and its children. */
	kill(-F.srv[1], SIGSTOP);
	assert_without(1);
	assert_int_equal(status_int("shards_down"), 1);
	/* (c) it answers again: the front finds it by itself. */
	kill(-F.srv[1], SIGCONT);
	wait_front(0);
	r = front_search("harbour");
	assert_shards(r, 3, 3);
	assert_path_set(r, 3, "2023/pilots.md", "2024/ferry.md",
	                "2025/wall.md");
	/* Dead, then started again on the same port. */
	kill(-F.srv[2], SIGKILL);
	waitpid(F.srv[2], NULL, 0);
	F.srv[2] = 0;
	assert_without(2);
	start_shard_srv(2, true);
	wait_front(0);
	r = front_search("harbour");
	assert_shards(r, 3, 3);
	assert_path_set(r, 3, "2023/pilots.md", "2024/ferry.md",
	                "2025/wall.md");
	assert_true(status_int("shard_losses") >= 2);
	assert_true(status_int("partial_answers") >= 4);
}

/* The last shard thought up hangs just as the two thought down come
 * back, before the front's probe of every second has seen them: the
 * search tries those two at once and answers from them, instead of
 * failing UNAVAILABLE for none answering (found by the chaos test). */
static void test_revived_while_last_hangs(void **state)
{
	(void)state;
	start_remote_front();
	kill(-F.srv[0], SIGSTOP);
	kill(-F.srv[1], SIGSTOP);
	json_t *r = front_search("harbour");
	assert_shards(r, 3, 1);
	assert_path_set(r, 1, "2025/wall.md");
	assert_int_equal(status_int("shards_down"), 2);
	kill(-F.srv[2], SIGSTOP);
	kill(-F.srv[0], SIGCONT);
	kill(-F.srv[1], SIGCONT);
	double t0 = now_s();
	r = front_search("harbour");
	assert_true(now_s() - t0 < 5.0);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_shards(r, 3, 2);
	assert_path_set(r, 2, "2023/pilots.md", "2024/ferry.md");
	kill(-F.srv[2], SIGCONT);
	wait_front(0);
}

#define shard_test(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		shard_test(test_local_front),
		shard_test(test_partial_front),
		shard_test(test_split_merge),
		shard_test(test_remote_shards),
		shard_test(test_revived_while_last_hangs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
