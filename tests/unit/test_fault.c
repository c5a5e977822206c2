/* test_fault.c - the helpers behind the daemon's answers to faults: the
 * backoff, which errors pass by themselves, a damaged index moved aside,
 * the open-file limit, and the schedule of reads to try again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "daemon/fault.h"
#include "daemon/retry.h"
#include "testutil.h"

static void test_backoff(void **state)
{
	assert_int_equal(ns_backoff_ms(1, 250, 30000), 250);
	assert_int_equal(ns_backoff_ms(2, 250, 30000), 500);
	assert_int_equal(ns_backoff_ms(4, 250, 30000), 2000);
	assert_int_equal(ns_backoff_ms(9, 250, 30000), 30000);
	assert_int_equal(ns_backoff_ms(1000000, 250, 30000), 30000);
	assert_int_equal(ns_backoff_ms(0, 500, 10000), 500);
}

static void test_transient(void **state)
{
	assert_true(ns_errno_transient(EMFILE));
	assert_true(ns_errno_transient(ENFILE));
	assert_true(ns_errno_transient(ENOMEM));
	assert_true(ns_errno_transient(EAGAIN));
	assert_false(ns_errno_transient(EACCES));
	assert_false(ns_errno_transient(ENOENT));
	assert_false(ns_errno_transient(EIO));
}

static void test_move_aside(void **state)
{
	char *dir = make_temp_dir();
	assert_non_null(dir);
	char index[512], moved[1024], moved2[1024], file[1100];
	snprintf(index, sizeof index, "%s/index", dir);
	assert_int_equal(mkdir(index, 0755), 0);
	snprintf(file, sizeof file, "%s/postlist.glass", index);
	assert_int_equal(write_file(file, "x", 1), 0);
	assert_int_equal(ns_index_move_aside(index, moved, sizeof moved), NS_OK);
	assert_true(strncmp(moved, index, strlen(index)) == 0);
	assert_non_null(strstr(moved, ".corrupt-"));
	struct stat st;
	assert_int_equal(stat(index, &st), -1);
	snprintf(file, sizeof file, "%s/postlist.glass", moved);
	assert_int_equal(stat(file, &st), 0); /* kept, with what it held */
	/* A second one in the same second does not overwrite the first. */
	assert_int_equal(mkdir(index, 0755), 0);
	assert_int_equal(ns_index_move_aside(index, moved2, sizeof moved2),
	                 NS_OK);
	assert_string_not_equal(moved, moved2);
	assert_int_equal(stat(file, &st), 0);
	/* Nothing there to move. */
	assert_int_equal(ns_index_move_aside(index, moved, sizeof moved),
	                 NS_ERR_IO);
	rm_tree(dir);
	free(dir);
}

static void test_nofile(void **state)
{
	uint64_t now = 0;
	struct rlimit rl;
	assert_int_equal(ns_raise_nofile(&now), NS_OK);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_true(rl.rlim_cur == rl.rlim_max);
	assert_true(now > 0);
	assert_int_equal(ns_connections_for_nofile(1024, 128), 896);
	assert_int_equal(ns_connections_for_nofile(100, 128), 0);
	assert_int_equal(ns_connections_for_nofile(UINT64_MAX, 128),
	                 0xffffffffu);
}

static void test_retry_schedule(void **state)
{
	ns_retry_t *r = ns_retry_new();
	assert_non_null(r);
	assert_int_equal(ns_retry_next(r), -1);
	unsigned delay = 0;
	assert_int_equal(ns_retry_failed(r, "a/x.txt", 1000, &delay), 1);
	assert_int_equal(delay, NS_RETRY_FIRST_MS);
	assert_int_equal(ns_retry_failed(r, "b/y.txt", 1100, &delay), 1);
	assert_int_equal(ns_retry_count(r), 2);
	assert_int_equal(ns_retry_next(r), 1000 + NS_RETRY_FIRST_MS);

	/* Nothing is due before its time; then once, until it fails again. */
	ns_strv_t due = {0};
	ns_retry_due(r, 1000, &due);
	assert_int_equal(due.n, 0);
	ns_retry_due(r, 1000 + NS_RETRY_FIRST_MS, &due);
	assert_int_equal(due.n, 1);
	assert_string_equal(due.v[0], "a/x.txt");
	ns_strv_clear(&due);
	ns_retry_due(r, 100000, &due);
	assert_int_equal(due.n, 1); /* b only: a is being read */
	assert_string_equal(due.v[0], "b/y.txt");
	ns_strv_clear(&due);
	assert_int_equal(ns_retry_next(r), -1);

	/* Failing again doubles the pause, up to the last attempt. */
	unsigned n = 0;
	for (unsigned i = 2; i < NS_RETRY_ATTEMPTS; i++) {
		n = ns_retry_failed(r, "a/x.txt", 2000, &delay);
		assert_int_equal(n, i);
		assert_int_equal(delay, ns_backoff_ms(i, NS_RETRY_FIRST_MS,
		                                      NS_RETRY_MAX_MS));
	}
	assert_int_equal(ns_retry_failed(r, "a/x.txt", 2000, &delay),
	                 NS_RETRY_ATTEMPTS);
	assert_int_equal(ns_retry_count(r), 1); /* a given up, b left */
	ns_retry_forget(r, "b/y.txt");
	assert_int_equal(ns_retry_count(r), 0);
	assert_int_equal(ns_retry_failed(r, "d/1.txt", 0, &delay), 1);
	assert_int_equal(ns_retry_failed(r, "d/2.txt", 0, &delay), 1);
	ns_retry_forget_dir(r, "d");
	assert_int_equal(ns_retry_count(r), 0);
	ns_retry_free(r);
	ns_retry_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_transient),
		cmocka_unit_test(test_move_aside),
		cmocka_unit_test(test_nofile),
		cmocka_unit_test(test_retry_schedule),
	};
	return cmocka_run_group_tests_name("fault", tests, NULL, NULL);
}
