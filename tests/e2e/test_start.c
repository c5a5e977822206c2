/* test_start.c - what a start that fails leaves behind: a second nsearchd
 * on a socket another one listens on says so and exits, without leaving
 * the index directory it made on the way, and without touching an index
 * that was there. */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socket_in_use_leaves_no_index),
		cmocka_unit_test(test_socket_in_use_keeps_existing_index),
	};
	return cmocka_run_group_tests_name("start", tests, group_setup,
	                                   group_teardown);
}
