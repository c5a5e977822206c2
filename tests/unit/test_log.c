/* test_log.c - what goes into a log line: values from outside escaped so
 * that a line stays one line (no forged "<0>" line for the journal), and
 * events a client causes at will logged at most once a second with the
 * count of those left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>

#include "core/log.h"
#include "testutil.h"

static void expect_escaped(const char *in, size_t len, const char *want)
{
	char out[256];
	size_t n = ns_log_escape(out, sizeof out, in, len);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void test_escape(void **state)
{
	expect_escaped("", 0, "");
	expect_escaped("plain/path.md", 13, "plain/path.md");
	/* What would start a line of its own, with its own priority. */
	expect_escaped("a\n<0>b", 6, "a\\n<0>b");
	expect_escaped("a\r\nb\tc", 6, "a\\r\\nb\\tc");
	/* A backslash is doubled, so that an escape is never ambiguous. */
	expect_escaped("a\\nb", 4, "a\\\\nb");
	/* Other control characters: a terminal's escape, NUL, DEL. */
	expect_escaped("\x1b[31mred", 8, "\\x1b[31mred");
	expect_escaped("a\0b", 3, "a\\x00b");
	expect_escaped("\x7f", 1, "\\x7f");
	/* UTF-8 stays as it is; bytes that are not UTF-8, a C1 control
	 * (U+009B, a terminal's CSI), overlong forms and surrogates do not. */
	const char *utf8 = "Київ, Zürich";
	expect_escaped(utf8, strlen(utf8), utf8);
	expect_escaped("a\xff" "b", 3, "a\\xffb");
	expect_escaped("\xc2\x9b" "2J", 4, "\\xc2\\x9b2J");
	expect_escaped("\xc0\xaf", 2, "\\xc0\\xaf");
	expect_escaped("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");
	expect_escaped("\xe2\x82", 2, "\\xe2\\x82"); /* cut short */
}

static void test_escape_cut_short(void **state)
{
	char out[6];
	/* Never half an escape: "ab\n" needs 4 bytes, then "\x01" 4 more. */
	assert_int_equal(ns_log_escape(out, sizeof out, "ab\n\x01", 4), 4);
	assert_string_equal(out, "ab\\n");
	/* Never half a character. */
	assert_int_equal(ns_log_escape(out, sizeof out, "abcЖ", 5), 5);
	assert_string_equal(out, "abcЖ");
	assert_int_equal(ns_log_escape(out, 5, "abcЖ", 5), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(ns_log_escape(out, 1, "abc", 3), 0);
	assert_string_equal(out, "");
}

/* What ns_log_write() wrote to stderr while F ran with ARG. */
static char *capture(void (*f)(const char *), const char *arg)
{
	char *dir = make_temp_dir(), *path = NULL, *text = NULL;
	assert_non_null(dir);
	assert_true(asprintf(&path, "%s/log", dir) > 0);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	f(arg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	size_t len;
	assert_int_equal(ns_read_file(path, 1 << 20, &text, &len), NS_OK);
	rm_tree(dir);
	free(dir);
	free(path);
	return text;
}

static void log_skipped(const char *path)
{
	ns_log(NS_LOG_WARNING, "index", "%s: not indexed: %s", path, "empty");
}

static void test_line_stays_one_line(void **state)
{
	unsetenv("JOURNAL_STREAM");
	char *text = capture(log_skipped, "x\n<0>nsearchd: forged\x1b[2J");
	assert_string_equal(text, "nsearchd: warning: index: x\\n<0>nsearchd: "
	                    "forged\\x1b[2J: not indexed: empty\n");
	free(text);
}

static void test_limit(void **state)
{
	ns_log_limit_t l = {0};
	unsigned long long left_out = 99;
	/* The first goes out, then one a second at most. */
	assert_true(ns_log_limit_pass(&l, 5000, &left_out));
	assert_int_equal(left_out, 0);
	for (int i = 0; i < 7; i++)
		assert_false(ns_log_limit_pass(&l, 5000 + 100 * (unsigned)i,
		                               &left_out));
	assert_true(ns_log_limit_pass(&l, 6000, &left_out));
	assert_int_equal(left_out, 7);
	assert_false(ns_log_limit_pass(&l, 6999, &left_out));
	assert_true(ns_log_limit_pass(&l, 7000, &left_out));
	assert_int_equal(left_out, 1);
	assert_true(ns_log_limit_pass(&l, 60000, &left_out));
	assert_int_equal(left_out, 0);
}

static ns_log_limit_t burst;

static void log_burst(const char *n)
{
	for (int i = 0; i < atoi(n); i++)
		ns_log_limited(&burst, NS_LOG_WARNING, "server",
		               "conn %d: refused: wrong token", i);
}

static void flush_burst(const char *unused)
{
	/* Not before a second has gone by since the last line. */
	ns_log_limit_flush(&burst, burst.last_ms + 999, NS_LOG_WARNING,
	                   "server", "failed logins");
	ns_log_limit_flush(&burst, burst.last_ms + 1000, NS_LOG_WARNING,
	                   "server", "failed logins");
	ns_log_limit_flush(&burst, burst.last_ms + 5000, NS_LOG_WARNING,
	                   "server", "failed logins");
}

static void test_limited_lines(void **state)
{
	unsetenv("JOURNAL_STREAM");
	char *text = capture(log_burst, "500");
	/* 500 in far less than a second: one line. */
	assert_string_equal(text, "nsearchd: warning: server: conn 0: refused: "
	                    "wrong token\n");
	free(text);
	text = capture(flush_burst, NULL);
	assert_string_equal(text, "nsearchd: warning: server: 499 more failed "
	                    "logins, not logged\n");
	free(text);
	/* The next line a second later says how many it stands for. */
	burst.last_ms = ns_now_ms() - NS_LOG_LIMIT_MS;
	text = capture(log_burst, "3");
	assert_string_equal(text, "nsearchd: warning: server: conn 0: refused: "
	                    "wrong token\n");
	free(text);
	burst.last_ms = ns_now_ms() - NS_LOG_LIMIT_MS;
	text = capture(log_burst, "1");
	assert_string_equal(text, "nsearchd: warning: server: conn 0: refused: "
	                    "wrong token (and 2 more like it since the last one, "
	                    "not logged)\n");
	free(text);
	/* Below the level, nothing is counted either. */
	ns_log_set_level(NS_LOG_ERR);
	burst.last_ms = ns_now_ms() - NS_LOG_LIMIT_MS;
	text = capture(log_burst, "5");
	assert_string_equal(text, "");
	free(text);
	ns_log_set_level(NS_LOG_INFO);
	assert_int_equal(burst.left_out, 0);
}

/* The loop sets the level (at start, on SIGHUP) while the writer and the
 * query workers log: the level is read and written atomically (a
 * ThreadSanitizer build reports a plain int here). */
static void *log_debug_lines(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++)
		ns_log(NS_LOG_DEBUG, "index", "line %d", i);
	return NULL;
}

static void quiet_while_levels_change(const char *unused)
{
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, log_debug_lines, NULL), 0);
	for (int i = 0; i < 20000; i++)
		ns_log_set_level(i % 2 ? NS_LOG_DEBUG : NS_LOG_ERR);
	assert_int_equal(pthread_join(t, NULL), 0);
	ns_log_set_level(NS_LOG_ERR);
	ns_log(NS_LOG_INFO, "index", "below the level");
	ns_log(NS_LOG_ERR, "index", "at the level");
	ns_log_set_level(NS_LOG_INFO);
}

static void test_level_set_while_logging(void **state)
{
	unsetenv("JOURNAL_STREAM");
	char *text = capture(quiet_while_levels_change, NULL);
	/* Whatever the interleaving, lines are whole, and the level last set
	 * is the one in force. */
	assert_non_null(strstr(text, "nsearchd: err: index: at the level\n"));
	assert_null(strstr(text, "below the level"));
	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		assert_true(
			strncmp(l, "nsearchd: debug: index: line ", 29) == 0 ||
			strncmp(l, "nsearchd: err: index: at the level", 34) == 0);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_cut_short),
		cmocka_unit_test(test_line_stays_one_line),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_limited_lines),
		cmocka_unit_test(test_level_set_while_logging),
	};
	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
