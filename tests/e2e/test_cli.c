/* test_cli.c - nsearch-cli as a person and a script meet it, against the
 * real nsearchd: exit statuses a script can trust, errors in the user's
 * words, limits and units that agree with the daemon, lists that wrap,
 * the sockets a user in the group nsearch is pointed at, completion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "harness.h"

#define NSECTIONS 60

static void put_articles(void)
{
	put_file("world/orlov.txt", "Orlov arrives in Valmora\n\nOrlov arrives "
	         "for border talks in Valmora.\n");
	put_file("world/quill.txt", "Harbour report\n\nThe quillfeather harbour "
	         "report came late: zqwa zqwb zqwc.\n");
	put_file("world/late.txt", "Late\n\nThe report came late.\n");
	/* Enough sections (from the first folder) to overflow one line. */
	for (int i = 0; i < NSECTIONS; i++) {
		char rel[64], text[64];
		snprintf(rel, sizeof rel, "regional-desk-%02d/note.txt", i);
		snprintf(text, sizeof text, "Desk %02d\n\nA zqdesk note.\n", i);
		put_file(rel, text);
	}
}

static int setup_with(const char *const *extra)
{
	if (e2e_make_dirs() < 0)
		return -1;
	put_articles();
	start_daemon_with(extra);
	return 0;
}

static int setup(void **state)
{
	return setup_with(NULL);
}

static int teardown(void **state)
{
	return e2e_teardown();
}

static void assert_has(const char *out, const char *want)
{
	assert_non_null(out);
	if (!strstr(out, want))
		fail_msg("output lacks [%s]:\n%s", want, out ? out : "");
}

static void assert_lacks(const char *out, const char *unwanted)
{
	assert_non_null(out);
	if (strstr(out, unwanted))
		fail_msg("output has [%s]:\n%s", unwanted, out ? out : "");
}

/* nsearch-cli ARGS: its exit status must be RC; its output (new). */
static char *cli(const char *args, int rc)
{
	int got;
	char *out = run_cli(args, &got);
	if (got != rc)
		fail_msg("nsearch-cli %s: exit status %d, not %d:\n%s", args, got,
		         rc, out);
	return out;
}

/* 0 all the words, 1 nothing, 3 only some of the words, 2 an error: the
 * same with --json, decided from the parsed reply. */
static void test_exit_statuses(void **state)
{
	free(cli("search orlov", 0));
	free(cli("--json search orlov", 0));
	free(cli("search zqnothing", 1));
	free(cli("--json search zqnothing", 1));
	char *out = cli("search orlov zqnothing", 3);
	assert_has(out, "-- articles with only some of the words --");
	free(out);
	free(cli("--json search orlov zqnothing", 3));
	/* Full matches first, then partial ones: found. */
	out = cli("search quillfeather report", 0);
	assert_has(out, "-- articles with only some of the words --");
	free(out);
	free(cli("--match all search orlov zqnothing", 1));
	free(cli("search AND", 2));
	free(cli("--json search AND", 2));
}

/* status exits 1 while the daemon is not ready: here, the articles
 * directory gone. */
static void test_status_not_ready(void **state)
{
	char *out = cli("status", 0);
	assert_has(out, "ready:     yes");
	free(out);
	char *away = NULL;
	assert_true(asprintf(&away, "%s/articles.away", e2e_dir()) > 0);
	assert_int_equal(rename(e2e_tree(), away), 0);
	bool ready = true;
	for (int i = 0; i < 3000 && ready; i++) {
		json_t *st = status();
		ready = !st || json_is_true(json_object_get(st, "ready"));
		json_decref(st);
		if (ready)
			sleep_ms(10);
	}
	assert_false(ready);
	out = cli("status", 1);
	assert_has(out, "ready:     no (the articles directory is gone)");
	free(out);
	free(cli("--json status", 1));
	/* Searches still answer, from the index as it was. */
	free(cli("search orlov", 0));
	free(away);
}

/* What the daemon refuses, said in the user's words. */
static void test_errors_in_words(void **state)
{
	char *out = cli("search AND", 2);
	assert_has(out, "nsearch-cli: search: the query does not parse: AND "
	           "needs a word or a group on each side, as in: tariffs AND "
	           "steel (BAD_QUERY)\n");
	assert_lacks(out, "<expression>");
	free(out);
	out = cli("search 'OR steel'", 2);
	assert_has(out, "OR needs a word or a group on each side");
	assert_lacks(out, "Syntax");
	free(out);
	out = cli("search NOT", 2);
	assert_has(out, "NOT needs a word or a group after it");
	free(out);
	out = cli("search 'date:someday'", 2);
	assert_has(out, "the query does not parse: date:someday is not a date");
	free(out);
	ns_buf_t q = {0};
	for (int i = 0; i < 200; i++)
		ns_buf_printf(&q, "zq%d ", i);
	char *args = NULL;
	assert_true(asprintf(&args, "search %s", q.data) > 0);
	out = cli(args, 2);
	assert_has(out, "refused before it ran: the query has too many words");
	assert_has(out, "(TOO_COMPLEX)");
	free(out);
	free(args);
	ns_buf_free(&q);
	out = cli("get world/nowhere.txt", 2);
	assert_has(out, "no article at this path in the index (NOT_FOUND)");
	free(out);
}

/* A wildcard over the daemon's max_expansion: make the beginning longer. */
static void test_too_broad(void **state)
{
	char *out = cli("search 'zqw*'", 2);
	assert_has(out, "nsearch-cli: search: zqw* matches more than 2 words");
	assert_has(out, "(TOO_BROAD)\n  Make the beginning longer");
	assert_lacks(out, "WildcardError");
	free(out);
	free(cli("search 'zqwa*'", 0));
}

static int setup_narrow(void **state)
{
	static const char *const extra[] = {"--max-expansion", "2", NULL};
	return setup_with(extra);
}

/* --limit: the CLI's bound is every daemon's; a daemon's own is its
 * refusal, passed on with what to do. */
static void test_limits_agree(void **state)
{
	char *out = cli("--limit 500 search zqdesk", 2);
	assert_has(out, "nsearch-cli: search: refused: \"limit\" must be "
	           "between 1 and 100 (BAD_REQUEST)\n");
	assert_has(out, "--limit 500 is more than this daemon gives at once");
	free(out);
	out = cli("--limit 1001 search zqdesk", 2);
	assert_has(out, "--limit: a number from 1 to 1000, not '1001'");
	assert_has(out, "max_results");
	free(out);
	out = cli("--limit 100 search zqdesk", 0);
	assert_has(out, "60 results");
	assert_lacks(out, "articles with only some");
	free(out);
}

/* Every line of OUT fits in 80 columns (characters, not bytes). */
static void assert_fits(const char *out)
{
	for (const char *line = out; *line;) {
		size_t n = strcspn(line, "\n"), cols = 0;
		for (size_t i = 0; i < n; i++)
			cols += ((unsigned char)line[i] & 0xc0) != 0x80;
		if (cols > 80)
			fail_msg("a line of %zu columns: %.*s", cols, (int)n, line);
		line += n + (line[n] == '\n');
	}
}

/* Sizes in binary units everywhere; long lists wrapped at 80 columns. */
static void test_units_and_wrapping(void **state)
{
	char *out = cli("stats", 0);
	assert_has(out, "KiB\n");
	assert_lacks(out, " MB");
	assert_lacks(out, " KB");
	assert_fits(out);
	for (int i = 0; i < NSECTIONS; i++) {
		char want[32];
		snprintf(want, sizeof want, "regional-desk-%02d (1)", i);
		assert_has(out, want);
	}
	free(out);
	out = cli("--facets section search zqdesk", 0);
	assert_fits(out);
	assert_has(out, "section  regional-desk-");
	free(out);
	out = cli("compact", 0);
	assert_has(out, " KiB -> ");
	assert_lacks(out, " KB");
	free(out);
}

/* ---- the sockets a user other than root is pointed at ---- */

/* nsearch-cli ARGS as a user other than root (uid 1000 of a user
 * namespace, which is us outside it), without NSEARCH_SOCKET, with
 * XDG_RUNTIME_DIR set to XDG (NULL: unset), and a /run of its own (a
 * tmpfs in a mount namespace) where the shell commands SETUP ran first.
 * Its output (new); *RC its exit status, or -1 when the namespaces could
 * not be made. */
static char *cli_as_user(const char *setup, const char *xdg,
                         const char *args, int *rc)
{
	char *cmd = NULL, *env = NULL;
	assert_true(asprintf(&env, xdg ? "XDG_RUNTIME_DIR='%s'"
	                               : "-u XDG_RUNTIME_DIR%s",
	                     xdg ? xdg : "") > 0);
	assert_true(
	        asprintf(&cmd,
	                 "unshare --user --map-root-user --mount "
	                 "--propagation private sh "
	                 "-c \"mount -t tmpfs nsearch-test /run || exit 99; "
	                 "%s && exec unshare --user --map-user=1000 "
	                 "--map-group=1000 env -u NSEARCH_SOCKET %s '%s' %s\" "
	                 "2>&1",
	                 setup, env, getenv("NSEARCH_CLI"), args) > 0);
	free(env);
	char *out = run_capture(cmd, rc);
	if (*rc == 99)
		*rc = -1;
	return out;
}

/* Shell commands that make /run/nsearch/nsearch.sock lead to SOCK (a
 * string that lives as long as the process: one at a time). */
static const char *sys_at(const char *sock)
{
	static char setup[1024];
	snprintf(setup, sizeof setup, "mkdir /run/nsearch && ln -s '%s' "
	         "/run/nsearch/nsearch.sock", sock);
	return setup;
}

/* A daemon of sorts at PATH: answers the first request with an error
 * saying MESSAGE, then exits.  Its pid (to kill once done). */
static pid_t fake_daemon(const char *path, const char *message)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(fd, 4), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Never outlive the test, nor hold its output open. */
		alarm(60);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		int c = accept(fd, NULL, NULL);
		char buf[4096];
		if (c < 0 || read(c, buf, sizeof buf) <= 0)
			_exit(1);
		dprintf(c, "{\"id\":1,\"ok\":false,\"error\":{\"code\":"
		        "\"INTERNAL\",\"message\":\"%s\"}}\n", message);
		_exit(0);
	}
	close(fd);
	return pid;
}

/* A user in the group nsearch, with a runtime directory of their own
 * but no daemon there, reaches the system's daemon; told "not running"
 * only when nothing listens, and "not allowed" (the group to join) when
 * the socket refuses them. */
static void test_user_finds_system_socket(void **state)
{
	char *xdg = NULL, *sys = strdup(sys_at(e2e_sock())), *out;
	assert_true(asprintf(&xdg, "%s/xdg", e2e_dir()) > 0);
	assert_int_equal(mkdir(xdg, 0700), 0);
	int rc;
	out = cli_as_user(sys, xdg, "status", &rc);
	if (rc < 0) {
		free(out);
		free(sys);
		free(xdg);
		print_message("cannot make a user and mount namespace: skipped\n");
		skip();
	}
	if (rc != 0 || !strstr(out, "ready:     yes"))
		fail_msg("the system socket was not tried (%d):\n%s", rc, out);
	free(out);
	/* Without XDG_RUNTIME_DIR: the system's too. */
	out = cli_as_user(sys, NULL, "status", &rc);
	if (rc != 0)
		fail_msg("without XDG_RUNTIME_DIR (%d):\n%s", rc, out);
	free(out);

	/* Nothing at either: both named, and the question asked. */
	out = cli_as_user("true", xdg, "status", &rc);
	assert_int_equal(rc, 2);
	assert_has(out, "/xdg/nsearch/nsearch.sock: No such file or directory");
	assert_has(out, "cannot connect to /run/nsearch/nsearch.sock: No such "
	           "file or directory");
	assert_has(out, "Is nsearchd running?");
	free(out);

	/* A socket that refuses them: the group to join, no question. */
	struct stat sb;
	assert_int_equal(stat(e2e_sock(), &sb), 0);
	assert_int_equal(chmod(e2e_sock(), 0), 0);
	out = cli_as_user(sys, xdg, "status", &rc);
	assert_int_equal(rc, 2);
	assert_has(out, "cannot connect to /run/nsearch/nsearch.sock: "
	           "Permission denied");
	assert_has(out, "members of the group nsearch");
	assert_has(out, "usermod -aG nsearch");
	assert_lacks(out, "Is nsearchd running?");
	free(out);

	assert_int_equal(chmod(e2e_sock(), sb.st_mode & 07777), 0);

	/* Their own daemon comes first: the system's is not asked. */
	char *other = NULL, *setup = NULL;
	assert_true(asprintf(&other, "%s/system.sock", e2e_dir()) > 0);
	pid_t fake = fake_daemon(other, "the system's daemon answered");
	assert_true(asprintf(&setup, "mkdir /run/nsearch '%s/nsearch' && ln -s "
	                     "'%s' /run/nsearch/nsearch.sock && ln -s '%s' "
	                     "'%s/nsearch/nsearch.sock'", xdg, other, e2e_sock(),
	                     xdg) > 0);
	out = cli_as_user(setup, xdg, "status", &rc);
	if (rc != 0 || !strstr(out, "ready:     yes"))
		fail_msg("their own daemon was not asked first (%d):\n%s", rc, out);
	free(out);
	/* (the fake one does answer, when it is the only one) */
	out = cli_as_user(sys_at(other), NULL, "status", &rc);
	assert_int_equal(rc, 2);
	assert_has(out, "the system's daemon answered");
	free(out);
	kill(fake, SIGKILL);
	waitpid(fake, NULL, 0);
	free(other);
	free(setup);
	free(sys);
	free(xdg);
}

/* ---- completion ---- */

/* The paths the daemon indexed, a level at a time, whatever the current
 * directory. */
static void test_complete_path(void **state)
{
	char *out = cli("__complete-path world/", 0);
	assert_string_equal(out, "world/late.txt\nworld/orlov.txt\n"
	                    "world/quill.txt\n");
	free(out);
	out = cli("__complete-path wor", 0);
	assert_string_equal(out, "world/\n");
	free(out);
	out = cli("__complete-path world/o", 0);
	assert_string_equal(out, "world/orlov.txt\n");
	free(out);
	out = cli("__complete-path", 0);
	assert_has(out, "regional-desk-00/\n");
	assert_has(out, "regional-desk-59/\nworld/\n");
	assert_lacks(out, "note.txt");
	free(out);
	out = cli("__complete-path zq", 1);
	assert_string_equal(out, "");
	free(out);
	/* A folder as completed is a path reindex takes. */
	out = cli("reindex world/", 0);
	assert_has(out, "reindex: ");
	free(out);
}

/* bash's completion asks the daemon, not the current directory. */
static void test_bash_completion(void **state)
{
	const char *lib = "/usr/share/bash-completion/bash_completion";
	if (access(lib, R_OK) != 0) {
		print_message("%s missing (Debian's bash-completion): skipped\n",
		              lib);
		skip();
	}
	const char *words[][2] = {
		{ "get wor", "world/|" },
		{ "get world/o", "world/orlov.txt|" },
		{ "similar world/",
		  "world/late.txt|world/orlov.txt|world/quill.txt|" },
		{ "--json wait regional-desk-0",
		  "regional-desk-00/|"
		  "regional-desk-01/|regional-desk-02/|regional-desk-03/|"
		  "regional-desk-04/|regional-desk-05/|regional-desk-06/|"
		  "regional-desk-07/|regional-desk-08/|regional-desk-09/|" },
		/* A search's words, from the index's. */
		{ "search talks orl", "orlov|" },
	};
	for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
		char *cmd = NULL;
		assert_true(asprintf(&cmd, "cd / && bash -c 'source %s; source "
		                     "\"$NS_DOCS/../src/cli/nsearch-cli.bash\"; "
		                     "COMP_LINE=\"nsearch-cli --socket %s %s\"; "
		                     "COMP_POINT=${#COMP_LINE}; "
		                     "COMP_WORDS=($COMP_LINE); "
		                     "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
		                     "_nsearch_cli \"$NSEARCH_CLI\" 2>/dev/null; "
		                     "printf \"%%s|\" \"${COMPREPLY[@]}\"'",
		                     lib, e2e_sock(), words[i][0]) > 0);
		int rc;
		char *out = run_capture(cmd, &rc);
		if (rc != 0 || strcmp(out, words[i][1]) != 0)
			fail_msg("completing [%s]: [%s] (%d), not [%s]", words[i][0],
			         out, rc, words[i][1]);
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exit_statuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_not_ready, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_errors_in_words, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_too_broad, setup_narrow,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_limits_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_units_and_wrapping, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_user_finds_system_socket, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_complete_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bash_completion, setup,
		                                teardown),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
