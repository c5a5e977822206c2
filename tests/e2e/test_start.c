/* test_start.c - what a start that fails leaves behind: a second nsearchd
 * on a socket another one listens on says so and exits, without leaving
 * the index directory it made on the way, and without touching an index
 * that was there, nor one another process made or took while it started
 * (race_mkdir.c plays that process). */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int group_setup(void **state)
{
	return e2e_make_dirs();
}

static int group_teardown(void **state)
{
	return e2e_teardown();
}

/* nsearchd on the running daemon's socket, the tree and INDEX: its
 * output (new), its exit status into *RC. */
static char *second_daemon(const char *index, int *rc)
{
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "'%s' --config /dev/null --articles '%s' "
	                     "--index '%s' --socket '%s' 2>&1",
	                     getenv("NSEARCHD"), e2e_tree(), index,
	                     e2e_sock()) > 0);
	return run_capture(cmd, rc);
}

/* The names, sizes and times of the files in DIR, sorted, but Xapian's
 * lock file, which any opening touches (new). */
static char *listing(const char *dir)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	assert_true(n > 2);
	ns_buf_t b = {0};
	for (int i = 0; i < n; i++) {
		char *path = NULL;
		struct stat st;
		assert_true(asprintf(&path, "%s/%s", dir, names[i]->d_name) > 0);
		assert_int_equal(lstat(path, &st), 0);
		if (S_ISREG(st.st_mode) && strcmp(names[i]->d_name, "flintlock"))
			ns_buf_printf(&b, "%s %lld %lld.%09ld\n", names[i]->d_name,
			              (long long)st.st_size, (long long)st.st_mtim.tv_sec,
			              st.st_mtim.tv_nsec);
		free(path);
		free(names[i]);
	}
	free(names);
	return b.data;
}

static void test_socket_in_use_leaves_no_index(void **state)
{
	put_file("a.txt", "Alpha\n\nThe alphaword story.\n");
	start_daemon();

	/* A fresh index, two directories deep: neither was there. */
	char *fresh = NULL, *parent = NULL;
	assert_true(asprintf(&parent, "%s/fresh", e2e_dir()) > 0);
	assert_true(asprintf(&fresh, "%s/index", parent) > 0);
	int rc = -1;
	char *out = second_daemon(fresh, &rc);
	assert_int_not_equal(rc, 0);
	if (!strstr(out, "another daemon is already listening there"))
		fail_msg("no clear message: %s", out);
	struct stat st;
	assert_int_equal(lstat(fresh, &st), -1);
	assert_int_equal(lstat(parent, &st), -1);
	assert_int_equal(errno, ENOENT);
	free(out);

	/* The running daemon is not disturbed. */
	json_t *r = search("alphaword");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
	free(fresh);
	free(parent);
}

static void test_socket_in_use_keeps_existing_index(void **state)
{
	/* An index made by a daemon that ran and stopped. */
	char *other = NULL, *other_sock = NULL;
	assert_true(asprintf(&other, "%s/other-index", e2e_dir()) > 0);
	assert_true(asprintf(&other_sock, "%s/other.sock", e2e_dir()) > 0);
	char *sock = strdup(e2e_sock()), *index = strdup(e2e_index());
	assert_int_equal(stop_daemon(), 0);
	e2e_set_index(other);
	e2e_set_sock(other_sock);
	start_daemon();
	assert_int_equal(stop_daemon(), 0);
	char *before = listing(other);

	/* The first daemon again; a second one on its socket with that
	 * index fails, and the index is as it was. */
	e2e_set_index(index);
	e2e_set_sock(sock);
	start_daemon();
	int rc = -1;
	char *out = second_daemon(other, &rc);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(out, "another daemon is already listening there"));
	char *after = listing(other);
	assert_string_equal(before, after);
	free(out);
	free(before);
	free(after);

	/* And it still holds its article. */
	assert_int_equal(stop_daemon(), 0);
	e2e_set_index(other);
	start_daemon();
	json_t *r = search("alphaword");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
	free(other);
	free(other_sock);
	free(sock);
	free(index);
}

/* A second nsearchd on the running one's index (on a socket of its own)
 * finds the index locked and leaves it alone: the running daemon's
 * compaction copy (INDEX.compacting) and bulk load shards (INDEX/bulk.N)
 * look just like what a killed one leaves, and a start used to remove
 * them before it tried the lock. */
static void test_index_in_use_keeps_its_work(void **state)
{
	json_t *r = search("alphaword");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
	char *copy = NULL, *shard = NULL, *sock = NULL, *cmd = NULL;
	assert_true(asprintf(&copy, "%s.compacting", e2e_index()) > 0);
	assert_true(asprintf(&shard, "%s/bulk.0", e2e_index()) > 0);
	assert_true(asprintf(&sock, "%s/third.sock", e2e_dir()) > 0);
	const char *const dirs[] = { copy, shard };
	for (size_t i = 0; i < 2; i++) {
		char *marker = NULL;
		assert_int_equal(mkdir(dirs[i], 0700), 0);
		assert_true(asprintf(&marker, "%s/marker", dirs[i]) > 0);
		assert_int_equal(write_file(marker, "work\n", 5), 0);
		free(marker);
	}
	assert_true(asprintf(&cmd,
	                     "'%s' --config /dev/null --articles '%s' "
	                     "--index '%s' --socket '%s' 2>&1",
	                     getenv("NSEARCHD"), e2e_tree(), e2e_index(),
	                     sock) > 0);
	int rc = -1;
	char *out = run_capture(cmd, &rc); /* frees CMD */
	assert_int_not_equal(rc, 0);
	if (!strstr(out, "already locked"))
		fail_msg("not the lock's failure: %s", out);
	for (size_t i = 0; i < 2; i++) {
		char *marker = NULL;
		struct stat st;
		assert_true(asprintf(&marker, "%s/marker", dirs[i]) > 0);
		if (lstat(marker, &st) != 0)
			fail_msg("%s is gone: %s", marker, out);
		assert_int_equal(unlink(marker), 0);
		assert_int_equal(rmdir(dirs[i]), 0);
		free(marker);
	}
	/* The running daemon is not disturbed. */
	r = search("alphaword");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
	free(out);
	free(sock);
	free(shard);
	free(copy);
}

/* second_daemon(INDEX), with race_mkdir.c run in it: the first mkdir()
 * of RACE_DIR runs CMD before it, or after it if AFTER. */
static char *raced_daemon(const char *index, const char *race_dir,
                          const char *cmd, bool after, int *rc)
{
	char *line = NULL;
	const char *asan = getenv("ASAN_OPTIONS");
	/* The sanitizers' runtime wants to be first; the module is not
	 * built with them. */
	assert_true(asprintf(&line, "LD_PRELOAD='%s' NS_RACE_DIR='%s' "
	                     "NS_RACE_CMD=\"$RACE_CMD\" %s "
	                     "ASAN_OPTIONS='%s%sverify_asan_link_order=0' "
	                     "'%s' --config /dev/null --articles '%s' "
	                     "--index '%s' --socket '%s' 2>&1",
	                     getenv("NS_RACE_MKDIR"), race_dir,
	                     after ? "NS_RACE_AFTER=1" : "", asan ? asan : "",
	                     asan ? ":" : "", getenv("NSEARCHD"), e2e_tree(), index,
	                     e2e_sock()) > 0);
	setenv("RACE_CMD", cmd, 1);
	char *out = run_capture(line, rc);
	unsetenv("RACE_CMD");
	return out;
}

/* Another process makes the index's parent while this start looks: the
 * start fails (the socket), and removes the index it made, never the
 * parent, nor what the other process put in it. */
static void test_parent_made_meanwhile_is_kept(void **state)
{
	char *parent = NULL, *index = NULL, *theirs = NULL, *cmd = NULL;
	assert_true(asprintf(&parent, "%s/race1", e2e_dir()) > 0);
	assert_true(asprintf(&index, "%s/index", parent) > 0);
	assert_true(asprintf(&theirs, "%s/theirs.txt", parent) > 0);
	assert_true(asprintf(&cmd, "mkdir '%s' && echo theirs > '%s'", parent,
	                     theirs) > 0);
	int rc = -1;
	char *out = raced_daemon(index, parent, cmd, false, &rc);
	assert_int_not_equal(rc, 0);
	if (!strstr(out, "another daemon is already listening there"))
		fail_msg("not the socket's failure: %s", out);
	struct stat st;
	if (lstat(theirs, &st) != 0)
		fail_msg("%s, another process's, is gone: %s", theirs, out);
	assert_int_equal(lstat(index, &st), -1); /* its own is not left */
	assert_int_equal(errno, ENOENT);
	free(out);
	free(cmd);
	free(theirs);
	free(index);
	free(parent);
}

/* Another nsearchd takes the index this start made before it opens it:
 * the start fails (the index is locked), and the other's index is left
 * as it is. */
static void test_index_taken_meanwhile_is_kept(void **state)
{
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0); /* to reap it */
	char *parent = NULL, *index = NULL, *sock = NULL, *pidfile = NULL,
	     *cmd = NULL, *probe = NULL;
	assert_true(asprintf(&parent, "%s/race2", e2e_dir()) > 0);
	assert_true(asprintf(&index, "%s/index", parent) > 0);
	assert_true(asprintf(&probe, "%s/iamglass", index) > 0);
	assert_true(asprintf(&sock, "%s/other2.sock", e2e_dir()) > 0);
	assert_true(asprintf(&pidfile, "%s/other2.pid", e2e_dir()) > 0);
	/* Its socket is bound after its index is open and locked. */
	assert_true(asprintf(&cmd, "'%s' --config /dev/null --articles '%s' "
	                     "--index '%s' --socket '%s' >'%s/other2.log' 2>&1 & "
	                     "echo $! > '%s'; i=0; while [ ! -S '%s' ] && "
	                     "[ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; "
	                     "[ -S '%s' ]", getenv("NSEARCHD"), e2e_tree(), index,
	                     sock, e2e_dir(), pidfile, sock, sock) > 0);
	int rc = -1;
	char *out = raced_daemon(index, index, cmd, true, &rc);
	assert_int_not_equal(rc, 0);
	char *pidtext = NULL;
	size_t len;
	assert_int_equal(ns_read_file(pidfile, 64, &pidtext, &len), NS_OK);
	pid_t other = (pid_t)atol(pidtext);
	assert_true(other > 0);
	struct stat st;
	bool kept = lstat(probe, &st) == 0;

	/* The other daemon answers from its index, and stops cleanly. */
	struct client c = {.fd = -1};
	const char *saved = strdup(e2e_sock());
	e2e_set_sock(sock);
	assert_true(client_open(&c));
	json_t *r = ask(&c, "{\"op\":\"status\"}\n");
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	client_close(&c);
	e2e_set_sock(saved);
	free((char *)saved);
	assert_int_equal(kill(other, SIGTERM), 0);
	int wstatus = -1;
	assert_int_equal(waitpid(other, &wstatus, 0), other);
	if (!kept)
		fail_msg("the other daemon's index %s is gone: %s", index, out);
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
		char *logpath = NULL, *log = NULL;
		size_t loglen;
		assert_true(asprintf(&logpath, "%s/other2.log", e2e_dir()) > 0);
		(void)ns_read_file(logpath, 1 << 20, &log, &loglen);
		fail_msg("the other daemon %s %d; its log:\n%s",
		         WIFEXITED(wstatus) ? "exited" : "was killed by signal",
		         WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
		                            : WTERMSIG(wstatus),
		         log ? log : "(none)");
	}
	assert_int_equal(lstat(probe, &st), 0);
	free(out);
	free(pidtext);
	free(probe);
	free(cmd);
	free(pidfile);
	free(sock);
	free(index);
	free(parent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_in_use_leaves_no_index),
		cmocka_unit_test(test_socket_in_use_keeps_existing_index),
		cmocka_unit_test(test_index_in_use_keeps_its_work),
		cmocka_unit_test(test_parent_made_meanwhile_is_kept),
		cmocka_unit_test(test_index_taken_meanwhile_is_kept),
	};
	return cmocka_run_group_tests_name("start", tests, group_setup,
	                                   group_teardown);
}
