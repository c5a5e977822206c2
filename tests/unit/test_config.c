/* test_config.c - nsearchd's options: every key of the file, flags over
 * the file, errors that name the line, the token file's rules, and the
 * printed configuration read back as a file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "daemon/config.h"
#include "core/log.h"
#include "testutil.h"

static char *dir;

static int setup(void **state)
{
	dir = make_temp_dir();
	/* The defaults must not depend on who runs the tests. */
	unsetenv("NSEARCH_ARTICLES");
	unsetenv("NSEARCH_LANGUAGE");
	unsetenv("NSEARCH_SOCKET");
	unsetenv("NSEARCH_CONFIG");
	unsetenv("STATE_DIRECTORY");
	unsetenv("RUNTIME_DIRECTORY");
	return dir ? 0 : -1;
}

static int teardown(void **state)
{
	rm_tree(dir);
	free(dir);
	return 0;
}

/* Write TEXT to NAME in the temporary directory; the path (new). */
static char *write_conf(const char *name, const char *text)
{
	char *path = NULL;
	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	assert_int_equal(write_file(path, text, strlen(text)), 0);
	return path;
}

/* Parse the NULL-terminated flags after "nsearchd" into ARGS. */
static int parse(ns_config_args_t *args, ...)
{
	char *argv[32] = {(char *)"nsearchd"};
	int argc = 1;
	va_list ap;
	va_start(ap, args);
	for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return ns_config_parse_args(argc, argv, args);
}

/* Build from FILE's TEXT and the flags; the error (new) or NULL. */
static char *build_from(ns_config_t *c, const char *text, ...)
{
	char *path = write_conf("nsearchd.conf", text);
	char *argv[32] = {(char *)"nsearchd", (char *)"--config", path};
	int argc = 3;
	va_list ap;
	va_start(ap, text);
	for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
		argv[argc++] = a;
	va_end(ap);
	ns_config_args_t args;
	assert_int_equal(ns_config_parse_args(argc, argv, &args), 0);
	char *err = NULL;
	ns_status_t st = ns_config_build(&args, c, &err);
	ns_config_args_free(&args);
	free(path);
	assert_true((st == NS_OK) == (err == NULL));
	return err;
}

static void test_bad_arguments(void **state)
{
	ns_config_args_t args;
	assert_int_equal(parse(&args, "--no-such-flag", NULL), 2);
	assert_int_equal(parse(&args, "stray", NULL), 2);
	assert_int_equal(parse(&args, "--check", NULL), 2);
	assert_int_equal(parse(&args, "--batch", NULL), 2); /* no value */
	assert_int_equal(parse(&args, "--check-config", "--batch", "7", NULL), 0);
	assert_true(args.check_config);
	assert_int_equal(args.n, 1);
	assert_int_equal(args.v[0].opt, NS_OPT_BATCH);
	assert_string_equal(args.v[0].value, "7");
	ns_config_args_free(&args);

	/* A bad value is found when the configuration is built. */
	assert_int_equal(parse(&args, "--batch", "0", NULL), 0);
	ns_config_t c;
	char *err = NULL;
	assert_int_equal(ns_config_build(&args, &c, &err), NS_ERR_INVALID);
	assert_string_equal(err, "--batch: not a number from 1 to 1000000: \"0\"");
	free(err);
	ns_config_args_free(&args);

	/* An explicit file that does not exist is an error. */
	assert_int_equal(parse(&args, "--config", "/nonexistent/nsearchd.conf",
	                       NULL), 0);
	assert_int_equal(ns_config_build(&args, &c, &err), NS_ERR_IO);
	assert_non_null(strstr(err, "/nonexistent/nsearchd.conf: No such file"));
	free(err);
	ns_config_args_free(&args);
}

static void test_defaults(void **state)
{
	ns_config_t c;
	char *err = build_from(&c, "; nothing but a comment\n", NULL);
	assert_null(err);
	assert_string_equal(c.articles, "/srv/nsearch/articles");
	assert_int_equal(c.ignore.n, 0);
	assert_string_equal(c.language, "en");
	assert_int_equal(c.max_file_size, 8u << 20);
	assert_int_equal(c.rescan_interval_s, 30);
	assert_string_equal(c.index, "/var/lib/nsearch/index");
	assert_int_equal(c.batch, 1000);
	assert_int_equal(c.commit_delay_ms, 50);
	assert_null(c.synonyms);
	assert_int_equal(c.max_expansion, 1000);
	assert_int_equal(c.query_timeout_ms, 10000);
	assert_int_equal(c.socket_mode, 0660);
	assert_null(c.socket_group);
	assert_null(c.tcp_listen);
	assert_null(c.tcp_token_file);
	assert_int_equal(c.max_connections, 1024);
	assert_int_equal(c.max_unauthenticated, 64);
	assert_int_equal(c.auth_timeout_s, 5);
	assert_int_equal(c.max_request, 64 * 1024);
	assert_int_equal(c.max_pending, 4u << 20);
	assert_int_equal(c.max_pending_total, 64u << 20);
	assert_int_equal(c.idle_timeout_s, 300);
	assert_int_equal(c.log_level, NS_LOG_INFO);
	assert_string_equal(c.origin[NS_OPT_BATCH], "default");
	ns_config_clear(&c);

	/* systemd's directories, and the environment, come before the
	 * built-in values and after the file. */
	setenv("STATE_DIRECTORY", "/var/lib/nsearch", 1);
	setenv("RUNTIME_DIRECTORY", "/run/nsearch", 1);
	setenv("NSEARCH_ARTICLES", "/srv/wire", 1);
	assert_null(build_from(&c, "[index]\npath = /data/index\n", NULL));
	assert_string_equal(c.index, "/data/index");
	assert_string_equal(c.socket, "/run/nsearch/nsearch.sock");
	assert_string_equal(c.origin[NS_OPT_SOCKET], "$RUNTIME_DIRECTORY");
	assert_string_equal(c.articles, "/srv/wire");
	assert_string_equal(c.origin[NS_OPT_ARTICLES], "$NSEARCH_ARTICLES");
	ns_config_clear(&c);
	assert_null(build_from(&c, "", NULL));
	assert_string_equal(c.index, "/var/lib/nsearch/index");
	assert_string_equal(c.origin[NS_OPT_INDEX], "$STATE_DIRECTORY");
	ns_config_clear(&c);
	unsetenv("STATE_DIRECTORY");
	unsetenv("RUNTIME_DIRECTORY");
	unsetenv("NSEARCH_ARTICLES");

	/* The environment's value is checked as the file's would be. */
	setenv("NSEARCH_LANGUAGE", "12", 1);
	char *bad = build_from(&c, "", NULL);
	assert_string_equal(bad, "$NSEARCH_LANGUAGE: not a language code such "
	                    "as en or ru: \"12\"");
	free(bad);
	setenv("NSEARCH_LANGUAGE", "de", 1);
	assert_null(build_from(&c, "", NULL));
	assert_string_equal(c.language, "de");
	assert_string_equal(c.origin[NS_OPT_LANGUAGE], "$NSEARCH_LANGUAGE");
	ns_config_clear(&c);
	unsetenv("NSEARCH_LANGUAGE");
}

/* The defaults are one column of the option table: what the modules fall
 * back to is what the configuration says. */
static void test_default_column(void **state)
{
	assert_string_equal(ns_config_default(NS_OPT_MAX_FILE_SIZE), "8M");
	assert_string_equal(ns_config_default(NS_OPT_INDEX_CHECK), "quick");
	assert_null(ns_config_default(NS_OPT_SYNONYMS));
	assert_null(ns_config_default(NS_OPT_SOCKET)); /* the system's to say */
	assert_null(ns_config_default(NS_OPT_COUNT));
	assert_int_equal(ns_config_default_number(NS_OPT_BATCH), 1000);
	assert_int_equal(ns_config_default_number(NS_OPT_COMMIT_DELAY), 50);
	assert_int_equal(ns_config_default_number(NS_OPT_MAX_FILE_SIZE),
	                 8u << 20);
	assert_int_equal(ns_config_default_number(NS_OPT_SOCKET_MODE), 0660);
	assert_int_equal(ns_config_default_number(NS_OPT_RESCAN_INTERVAL), 30);
	assert_int_equal(ns_config_default_number(NS_OPT_MAX_PENDING_TOTAL),
	                 64u << 20);
	assert_int_equal(ns_config_default_number(NS_OPT_LOG_LEVEL),
	                 NS_LOG_INFO);

	/* Every built-in default is a value its option takes: it is what a
	 * configuration built from nothing holds, from "default". */
	ns_config_t c;
	assert_null(build_from(&c, "", NULL));
	for (int i = 0; i < NS_OPT_COUNT; i++)
		if (ns_config_default((ns_opt_t)i))
			assert_string_equal(c.origin[i], "default");
	ns_config_clear(&c);
}

static const char *every_option =
	"# every option\n"
	"[articles]\n"
	"root = /srv/news\n"
	"ignore = *.draft\n"
	"ignore = private/*\n"
	"language = de-AT\n"
	"max_file_size = 2M\n"
	"rescan_interval = 90\n"
	"\n"
	"[index]\n"
	"path = /data/nsearch/index\n"
	"batch = 250\n"
	"commit_delay_ms = 120   ; inline comment\n"
	"\n"
	"[search]\n"
	"synonyms = /etc/nsearch/synonyms.txt\n"
	"max_expansion = 500\n"
	"query_timeout_ms = 2000\n"
	"max_results = 250\n"
	"max_offset = 500\n"
	"\n"
	"[socket]\n"
	"  path = /run/nsearch/other.sock\n"
	"  mode = 0600\n"
	"  group = adm\n"
	"\n"
	"[tcp]\n"
	"listen = 7700\n"
	"token_file = /etc/nsearch/token\n"
	"\n"
	"[limits]\n"
	"max_connections = 64\n"
	"max_unauthenticated = 16\n"
	"auth_timeout = 10\n"
	"max_request_size = 16K\n"
	"max_pending = 1M\n"
	"max_pending_total = 1G\n"
	"idle_timeout = 45\n"
	"\n"
	"[log]\n"
	"level = debug\n";

static void test_every_option(void **state)
{
	ns_config_t c;
	char *err = build_from(&c, every_option, NULL);
	assert_null(err);
	assert_string_equal(c.articles, "/srv/news");
	assert_strv(&c.ignore, 2, "*.draft", "private/*");
	assert_string_equal(c.language, "de-AT");
	assert_int_equal(c.max_file_size, 2u << 20);
	assert_int_equal(c.rescan_interval_s, 90);
	assert_string_equal(c.index, "/data/nsearch/index");
	assert_int_equal(c.batch, 250);
	assert_int_equal(c.commit_delay_ms, 120);
	assert_string_equal(c.synonyms, "/etc/nsearch/synonyms.txt");
	assert_int_equal(c.max_expansion, 500);
	assert_int_equal(c.query_timeout_ms, 2000);
	assert_int_equal(c.max_results, 250);
	assert_int_equal(c.max_offset, 500);
	assert_string_equal(c.socket, "/run/nsearch/other.sock");
	assert_int_equal(c.socket_mode, 0600);
	assert_string_equal(c.socket_group, "adm");
	assert_string_equal(c.tcp_listen, "127.0.0.1:7700");
	assert_string_equal(c.tcp_token_file, "/etc/nsearch/token");
	assert_int_equal(c.max_connections, 64);
	assert_int_equal(c.max_unauthenticated, 16);
	assert_int_equal(c.auth_timeout_s, 10);
	assert_int_equal(c.max_request, 16 * 1024);
	assert_int_equal(c.max_pending, 1u << 20);
	assert_int_equal(c.max_pending_total, 1u << 30);
	assert_int_equal(c.idle_timeout_s, 45);
	assert_int_equal(c.log_level, NS_LOG_DEBUG);
	assert_true(strstr(c.origin[NS_OPT_BATCH], "/nsearchd.conf:12") != NULL);
	assert_true(strstr(c.origin[NS_OPT_IGNORE], "/nsearchd.conf:4") != NULL);
	ns_config_clear(&c);
}

static void test_flags_override_file(void **state)
{
	ns_config_t c;
	char *err = build_from(&c, every_option, "--batch", "9", "--ignore",
	                       "*.tmp", "-l", "warning", "--tcp", "off",
	                       "--socket-mode", "0666", NULL);
	assert_null(err);
	assert_int_equal(c.batch, 9);
	assert_string_equal(c.origin[NS_OPT_BATCH], "--batch");
	/* A list given on the command line replaces the file's. */
	assert_strv(&c.ignore, 1, "*.tmp");
	assert_int_equal(c.log_level, NS_LOG_WARNING);
	assert_null(c.tcp_listen);
	assert_int_equal(c.socket_mode, 0666);
	/* What the flags leave alone is the file's. */
	assert_int_equal(c.commit_delay_ms, 120);
	ns_config_clear(&c);
}

/* FILE's TEXT fails to build with MESSAGE at LINE. */
static void assert_bad(const char *text, int line, const char *message)
{
	ns_config_t c;
	char *err = build_from(&c, text, NULL);
	if (!err)
		fail_msg("accepted: %s", text);
	char *want = NULL;
	assert_true(asprintf(&want, "%s/nsearchd.conf:%d: %s", dir, line,
	                     message) > 0);
	assert_string_equal(err, want);
	free(want);
	free(err);
}

static void test_bad_files_name_the_line(void **state)
{
	assert_bad("[index]\nbatch = 10\n\n[limits]\nmax_connections = lots\n",
	           5, "[limits] max_connections: not a number from 1 to 65536: "
	           "\"lots\"");
	assert_bad("[index]\nbatch = 10\nbatch = 20\n", 3,
	           "[index] batch: set twice (first on line 2)");
	assert_bad("[index]\nbatch 10\n", 2,
	           "not \"key = value\", a [section] or a comment");
	assert_bad("[index]\npath = /x\n[indx]\nbatch = 1\n", 4,
	           "unknown section [indx]");
	assert_bad("[index]\nbach = 1\n", 2,
	           "unknown option \"bach\" in [index]");
	assert_bad("batch = 1\n", 1, "\"batch\" is outside any [section]");
	assert_bad("[articles]\nlanguage = 12\n", 2,
	           "[articles] language: not a language code such as en or ru: "
	           "\"12\"");
	assert_bad("[articles]\nmax_file_size = 5Q\n", 2,
	           "[articles] max_file_size: not a size from 1 to 4G (K, M, G "
	           "suffixes): \"5Q\"");
	assert_bad("[socket]\nmode = rw\n", 2,
	           "[socket] mode: not octal permission bits such as 0660: "
	           "\"rw\"");
	assert_bad("[tcp]\nlisten = news.example.com:80\n", 2,
	           "[tcp] listen: not PORT, ADDRESS:PORT or [IPV6]:PORT "
	           "(addresses, not host names): \"news.example.com:80\"");
	assert_bad("[tcp]\nlisten = 70000\n", 2,
	           "[tcp] listen: not PORT, ADDRESS:PORT or [IPV6]:PORT "
	           "(addresses, not host names): \"70000\"");
	assert_bad("[log]\nlevel = loud\n", 2,
	           "[log] level: not a level (err, warning, notice, info, "
	           "debug): \"loud\"");
	assert_bad("[index]\npath =\n", 2, "[index] path: must not be empty");
	assert_bad("[limits]\nidle_timeout = -1\n", 2,
	           "[limits] idle_timeout: not a number from 0 to 86400: \"-1\"");
	/* No deadline, or no room, would let anyone lock the others out. */
	assert_bad("[limits]\nauth_timeout = 0\n", 2,
	           "[limits] auth_timeout: not a number from 1 to 3600: \"0\"");
	assert_bad("[limits]\nmax_unauthenticated = 0\n", 2,
	           "[limits] max_unauthenticated: not a number from 1 to 65536: "
	           "\"0\"");
	assert_bad("[limits]\nmax_pending_total = 1K\n", 2,
	           "[limits] max_pending_total: not a size from 64K to 1024G "
	           "(K, M, G suffixes): \"1K\"");

	char *longline = malloc(6000);
	strcpy(longline, "[index]\npath = /");
	memset(longline + strlen(longline), 'x', 5000);
	strcpy(longline + 5016, "\n");
	assert_bad(longline, 2, "line longer than 4096 bytes");
	free(longline);
}

static void test_listen_forms(void **state)
{
	const char *forms[][2] = {
		{"7700", "127.0.0.1:7700"},
		{"localhost:7701", "127.0.0.1:7701"},
		{"0.0.0.0:80", "0.0.0.0:80"},
		{"[::1]:7700", "[::1]:7700"},
		{"off", NULL},
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		ns_config_t c;
		char *text = NULL;
		assert_true(asprintf(&text, "[tcp]\nlisten = %s\n", forms[i][0]) > 0);
		assert_null(build_from(&c, text, NULL));
		free(text);
		if (forms[i][1])
			assert_string_equal(c.tcp_listen, forms[i][1]);
		else
			assert_null(c.tcp_listen);
		ns_config_clear(&c);
	}
}

static void test_token_file(void **state)
{
	char *token = NULL, *err = NULL;
	assert_int_equal(ns_config_read_token("/nonexistent/token", &token, &err),
	                 NS_ERR_INVALID);
	assert_non_null(strstr(err, "No such file"));
	free(err);

	char *path = write_conf("token", "s3cret-s3cret-s3cret-42\n");
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(ns_config_read_token(path, &token, &err), NS_ERR_INVALID);
	assert_null(token);
	assert_non_null(strstr(err, "readable by no one else (mode 0644"));
	free(err);

	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(ns_config_read_token(path, &token, &err), NS_OK);
	assert_string_equal(token, "s3cret-s3cret-s3cret-42");
	free(token);
	free(path);

	path = write_conf("short-token", "abc\n");
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(ns_config_read_token(path, &token, &err), NS_ERR_INVALID);
	assert_non_null(strstr(err, "at least 16 characters"));
	free(err);
	free(path);
}

static void test_check(void **state)
{
	ns_config_t c;
	char *err = NULL, *text = NULL;
	assert_null(build_from(&c, "[articles]\nroot = /nonexistent/articles\n",
	                       NULL));
	assert_int_equal(ns_config_check(&c, &err), NS_ERR_INVALID);
	assert_non_null(strstr(err, "[articles] root ("));
	assert_non_null(strstr(err, "nsearchd.conf:2): No such file"));
	free(err);
	ns_config_clear(&c);

	assert_true(asprintf(&text, "[articles]\nroot = %s\n[tcp]\nlisten = 7700\n",
	                     dir) > 0);
	assert_null(build_from(&c, text, NULL));
	free(text);
	/* A configuration that can never work, not a system to wait for. */
	assert_int_equal(ns_config_check(&c, &err), NS_ERR_FORMAT);
	assert_non_null(strstr(err, "needs [tcp] token_file"));
	free(err);
	ns_config_clear(&c);

	/* A synonyms file is read as the searches would read it. */
	char *syn = NULL;
	assert_true(asprintf(&syn, "%s/synonyms.txt", dir) > 0);
	assert_int_equal(write_file(syn, "kyiv, kiev\nlonely\n", 17), 0);
	assert_true(asprintf(&text, "[articles]\nroot = %s\n[search]\n"
	                     "synonyms = %s\n", dir, syn) > 0);
	assert_null(build_from(&c, text, NULL));
	free(text);
	assert_int_equal(ns_config_check(&c, &err), NS_ERR_FORMAT);
	assert_non_null(strstr(err, "synonyms.txt:2: a group needs at least two"));
	free(err);
	ns_config_clear(&c);
	unlink(syn);
	free(syn);

	assert_true(asprintf(&text, "[articles]\nroot = %s\n[socket]\n"
	                     "group = no-such-group-here\n", dir) > 0);
	assert_null(build_from(&c, text, NULL));
	free(text);
	assert_int_equal(ns_config_check(&c, &err), NS_ERR_INVALID);
	assert_non_null(strstr(err, "no such group: no-such-group-here"));
	free(err);
	ns_config_clear(&c);

	char *tok = write_conf("tok", "0123456789abcdef0123\n");
	assert_int_equal(chmod(tok, 0600), 0);
	assert_true(asprintf(&text, "[articles]\nroot = %s\n[tcp]\nlisten = 7700\n"
	                     "token_file = %s\n", dir, tok) > 0);
	assert_null(build_from(&c, text, NULL));
	free(text);
	free(tok);
	assert_int_equal(ns_config_check(&c, &err), NS_OK);
	assert_null(err);
	ns_config_clear(&c);
}

static void test_printed_reads_back(void **state)
{
	ns_config_t c, again;
	assert_null(build_from(&c, every_option, "--batch", "33", NULL));
	char *path = NULL;
	assert_true(asprintf(&path, "%s/printed.conf", dir) > 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	ns_config_print(&c, f);
	fclose(f);
	size_t len;
	char *text = NULL;
	assert_int_equal(ns_read_file(path, 1 << 20, &text, &len), NS_OK);
	assert_non_null(strstr(text, "batch = 33   ; --batch\n"));
	assert_non_null(strstr(text, "ignore = *.draft   ; "));
	assert_non_null(strstr(text, "ignore = private/*   ; "));
	assert_non_null(strstr(text, "listen = 127.0.0.1:7700   ; "));
	assert_non_null(strstr(text, "mode = 0600   ; "));
	assert_non_null(strstr(text, "max_pending = 1M   ; "));
	assert_non_null(strstr(text, "max_pending_total = 1G   ; "));

	/* Read back, it is the same configuration. */
	assert_null(build_from(&again, text, NULL));
	ns_buf_t names = {0};
	assert_false(ns_config_needs_restart(&c, &again, &names));
	assert_int_equal(again.batch, 33);
	assert_int_equal(again.max_pending, c.max_pending);
	assert_int_equal(again.log_level, c.log_level);
	assert_strv(&again.ignore, 2, "*.draft", "private/*");
	ns_config_clear(&again);

	/* What a reload cannot apply is named; what it can is not. */
	assert_null(build_from(&again, every_option, "--index", "/elsewhere",
	                       "--tcp", "7800", "--batch", "5", "--max-pending",
	                       "2M", NULL));
	assert_true(ns_config_needs_restart(&c, &again, &names));
	assert_string_equal(names.data, "[index] path, [tcp] listen");
	ns_buf_free(&names);
	ns_config_clear(&again);
	ns_config_clear(&c);
	free(text);
	free(path);
}

/* The table row at ROW ("| `key` | flags | default | ..."): its default
 * cell names the table's default, and the example file's section (at
 * SECTION) shows it as ";key = default". */
static void check_default_documented(const char *row, ns_opt_t opt,
                                     const char *section)
{
	const char *dflt = ns_config_default(opt);
	const char *key = ns_config_key(opt, NULL, NULL);
	if (!dflt)
		return;
	const char *cell = row;
	for (int k = 0; k < 2 && cell; k++)
		cell = strchr(cell + 1, '|');
	const char *end = cell ? strchr(cell + 1, '|') : NULL;
	char *want = NULL, *line = NULL;
	assert_true(asprintf(&want, "`%s`", dflt) > 0);
	assert_true(asprintf(&line, "\n;%s = %s\n", key, dflt) > 0);
	const char *at = cell ? strstr(cell, want) : NULL;
	if (!at || at > end)
		fail_msg("docs/configuration.md: %s's default cell lacks %s", key,
		         want);
	const char *l = section ? strstr(section, line) : NULL;
	const char *next = section ? strstr(section + 1, "\n[") : NULL;
	if (!l || (next && l > next))
		fail_msg("docs/examples/nsearchd.conf: no \"%s\" in its section",
		         line + 1);
	free(want);
	free(line);
}

/* Every option is in docs/configuration.md (its key in its section's
 * table, with its flag) and in the example file (under its section). */
static void test_every_option_documented(void **state)
{
	const char *docs = getenv("NS_DOCS");
	assert_non_null(docs);
	char *path = NULL, *guide = NULL, *example = NULL;
	size_t len;
	assert_true(asprintf(&path, "%s/configuration.md", docs) > 0);
	assert_int_equal(ns_read_file(path, 1 << 20, &guide, &len), NS_OK);
	free(path);
	assert_true(asprintf(&path, "%s/examples/nsearchd.conf", docs) > 0);
	assert_int_equal(ns_read_file(path, 1 << 20, &example, &len), NS_OK);
	free(path);
	for (int i = 0; i < NS_OPT_COUNT; i++) {
		const char *section, *flag;
		const char *key = ns_config_key((ns_opt_t)i, &section, &flag);
		char *heading = NULL, *row = NULL, *flagcell = NULL, *head = NULL,
		     *line = NULL;
		assert_true(asprintf(&heading, "### `[%s]`", section) > 0);
		assert_true(asprintf(&row, "\n| `%s` | ", key) > 0);
		assert_true(asprintf(&flagcell, "`--%s`", flag) > 0);
		assert_true(asprintf(&head, "\n[%s]\n", section) > 0);
		assert_true(asprintf(&line, "\n;%s = ", key) > 0);
		const char *h = strstr(guide, heading);
		const char *next = h ? strstr(h + 4, "\n### ") : NULL;
		const char *r = h ? strstr(h, row) : NULL;
		if (!r || (next && r > next)) {
			fail_msg("docs/configuration.md: no row for %s in %s", key,
			         heading);
			return; /* fail_msg does not return; gcc does not know */
		}
		const char *eol = strchr(r + 1, '\n');
		if (!strstr(r, flagcell) || strstr(r, flagcell) > eol)
			fail_msg("docs/configuration.md: %s's row lacks %s", key,
			         flagcell);
		check_default_documented(r + 1, (ns_opt_t)i,
		                         strstr(example, head));
		const char *s = strstr(example, head);
		const char *l = s ? strstr(s, line) : NULL;
		const char *after = s ? strstr(s + 1, "\n[") : NULL;
		if (!l || (after && l > after))
			fail_msg("docs/examples/nsearchd.conf: no \";%s = \" under [%s]", key,
			         section);
		free(heading);
		free(row);
		free(flagcell);
		free(head);
		free(line);
	}
	free(guide);

	/* The example itself is a valid file that changes nothing. */
	assert_true(asprintf(&path, "%s/examples/nsearchd.conf", docs) > 0);
	ns_config_args_t args;
	assert_int_equal(parse(&args, "--config", path, NULL), 0);
	ns_config_t c;
	char *err = NULL;
	assert_int_equal(ns_config_build(&args, &c, &err), NS_OK);
	for (int i = 0; i < NS_OPT_COUNT; i++)
		assert_string_equal(c.origin[i], "default");
	ns_config_clear(&c);
	ns_config_args_free(&args);
	free(path);
	free(example);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_default_column),
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_flags_override_file),
		cmocka_unit_test(test_bad_files_name_the_line),
		cmocka_unit_test(test_listen_forms),
		cmocka_unit_test(test_token_file),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_printed_reads_back),
		cmocka_unit_test(test_every_option_documented),
	};
	return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
