/* test_child.c - programs run beside the daemon (daemon/child.h): bad
 * arguments refused, every line of the output and the exit status seen
 * on the loop, a child killed, one that cannot be found, and a child in a
 * process group of its own (Xapian's server signals its whole group). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include "core/log.h"
#include "daemon/child.h"

struct seen {
	ns_strv_t lines;
	int status;
	int done;
	char last[1100];
};

static void on_line(void *ctx, const char *line)
{
	struct seen *s = ctx;
	ns_strv_push(&s->lines, line, strlen(line));
}

static void on_done(void *ctx, ns_child_t *ch, int status, const char *last)
{
	struct seen *s = ctx;
	(void)ch;
	s->status = status;
	s->done++;
	snprintf(s->last, sizeof s->last, "%s", last);
}

static ns_child_opts_t opts(struct seen *s)
{
	return (ns_child_opts_t){.module = "test", .prio = NS_LOG_DEBUG,
	                         .line = on_line, .done = on_done, .ctx = s};
}

/* Run ARGV to its end on a loop of its own; what it said and did. */
static void run(char *const *argv, struct seen *s, int kill_with)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	ns_child_t *ch = NULL;
	ns_child_opts_t o = opts(s);
	assert_int_equal(ns_child_spawn(&loop, argv, &o, &ch), NS_OK);
	assert_true(ns_child_pid(ch) > 0);
	if (kill_with)
		ns_child_kill(ch, kill_with);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(s->done, 1);
}

static void test_refused(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	ns_child_t *ch = NULL;
	struct seen s = {0};
	char *relative[] = {"sh", NULL};
	char *missing[] = {"/nonexistent/program", NULL};
	ns_child_opts_t o = opts(&s), no_done = {.module = "test"};
	assert_int_equal(ns_child_spawn(&loop, NULL, &o, &ch), NS_ERR_IO);
	assert_int_equal(ns_child_spawn(&loop, missing, NULL, &ch), NS_ERR_IO);
	assert_int_equal(ns_child_spawn(&loop, missing, &no_done, &ch),
	                 NS_ERR_IO);
	assert_int_equal(ns_child_spawn(&loop, relative, &o, &ch), NS_ERR_IO);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ns_child_spawn(&loop, missing, &o, &ch), NS_ERR_IO);
	assert_int_equal(errno, ENOENT);
	assert_null(ch);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(s.done, 0); /* refused: no callback */
	ns_child_kill(NULL, SIGTERM);
	assert_int_equal(ns_child_pid(NULL), 0);
}

static void test_find(void **state)
{
	(void)state;
	char path[PATH_MAX];
	assert_true(ns_child_find("sh", path, sizeof path));
	assert_true(path[0] == '/' && access(path, X_OK) == 0);
	assert_false(ns_child_find("no-such-program-here", path, sizeof path));
	assert_false(ns_child_find("/bin/sh", path, sizeof path));
	assert_false(ns_child_find("", path, sizeof path));
}

static void test_output_and_status(void **state)
{
	(void)state;
	char sh[PATH_MAX];
	assert_true(ns_child_find("sh", sh, sizeof sh));
	/* Lines from both streams, one without its newline, one over the
	 * 1 KiB a line is cut at; and the process group is its own. */
	char *argv[] = {sh, "-c", "echo one; echo two >&2; "
	                "test \"$(ps -o pgid= $$ | tr -d ' ')\" = $$ && echo own; "
	                "head -c 1500 /dev/zero | tr '\\0' x; echo; "
	                "printf last; exit 3", NULL};
	struct seen s = {0};
	run(argv, &s, 0);
	assert_int_equal(s.status, 3);
	assert_int_equal(s.lines.n, 6);
	assert_string_equal(s.lines.v[0], "one");
	assert_string_equal(s.lines.v[1], "two");
	assert_string_equal(s.lines.v[2], "own");
	assert_int_equal(strlen(s.lines.v[3]), 1024);
	assert_int_equal(strlen(s.lines.v[4]), 1500 - 1024);
	assert_string_equal(s.lines.v[5], "last");
	assert_string_equal(s.last, "last");
	ns_strv_clear(&s.lines);
}

static void test_killed(void **state)
{
	(void)state;
	char sleep_bin[PATH_MAX];
	assert_true(ns_child_find("sleep", sleep_bin, sizeof sleep_bin));
	char *argv[] = {sleep_bin, "30", NULL};
	struct seen s = {0};
	run(argv, &s, SIGTERM);
	assert_int_equal(s.status, 128 + SIGTERM);
	assert_int_equal(s.lines.n, 0);
	assert_string_equal(s.last, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_output_and_status),
		cmocka_unit_test(test_killed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
