/* test_security.c - what an outside probe of the daemon found, each
 * against the real nsearchd: links in the tree never followed (wait, get,
 * search, reindex, a restart), backups only where they may go, the admin
 * operations only for admins (Unix credentials, the admin token over
 * TCP), the index private to the daemon's user, and a socket another user
 * squats on refused by nsearch-cli.  Tests that need a second identity
 * take one in a forked child (setuid to a uid no account has) and skip
 * when not run as root; nothing is left on the machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "svc.h"

/* ---- helpers ---- */

static const char *error_code(json_t *r)
{
	return json_string_value(json_object_get(json_object_get(r, "error"),
	                                         "code"));
}

static const char *error_message(json_t *r)
{
	const char *m = json_string_value(json_object_get(
		json_object_get(r, "error"), "message"));
	return m ? m : "";
}

/* R (taken) is the error CODE, its message saying SAYS. */
static void assert_refused(json_t *r, const char *code, const char *says)
{
	const char *got = error_code(r);
	if (!got || strcmp(got, code) != 0 || !strstr(error_message(r), says))
		fail_msg("expected %s saying \"%s\", got %s", code, says,
		         json_dumps(r, JSON_COMPACT));
	json_decref(r);
}

static void assert_ok(json_t *r)
{
	if (!json_is_true(json_object_get(r, "ok")))
		fail_msg("failed: %s", json_dumps(r, JSON_COMPACT));
	json_decref(r);
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* A high uid no account has: the second identity. */
static uid_t other_uid(void)
{
	uid_t uid = 54321;
	while (getpwuid(uid))
		uid++;
	return uid;
}

static bool need_root(void)
{
	if (geteuid() == 0)
		return true;
	print_message("skipped: a second identity needs root\n");
	skip();
	return false;
}

/* PROG copied where another uid can run it: the build tree may sit
 * where only we may enter (a clone under mktemp -d is 0700), while the
 * test's directory is made 0711 for them.  A path (new) in it. */
static char *reachable(const char *prog)
{
	const char *base = strrchr(prog, '/');
	char *copy = NULL;
	assert_true(asprintf(&copy, "%s/run-%s", e2e_dir(),
	                     base ? base + 1 : prog) > 0);
	if (exists(copy))
		return copy;
	int in = open(prog, O_RDONLY | O_CLOEXEC);
	int out = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	assert_true(in >= 0 && out >= 0);
	char buf[1 << 16];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	assert_int_equal(close(out), 0);
	assert_int_equal(chmod(copy, 0755), 0);
	return copy;
}

/* Run ARGV (NULL-terminated) as UID (or as ourselves when UID is -1),
 * with $XDG_RUNTIME_DIR set to XDG (NULL: unset), its output into LOG.
 * Returns the pid; does not wait. */
static pid_t spawn_as(uid_t uid, const char *const *argv, const char *xdg,
                      const char *log)
{
	char *prog = uid != (uid_t)-1 ? reachable(argv[0]) : strdup(argv[0]);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0) {
		free(prog);
		return pid;
	}
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
		_exit(125);
	if (uid != (uid_t)-1 &&
	    (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0))
		_exit(126);
	unsetenv("NSEARCH_SOCKET");
	if (xdg)
		setenv("XDG_RUNTIME_DIR", xdg, 1);
	else
		unsetenv("XDG_RUNTIME_DIR");
	execv(prog, (char *const *)argv);
	_exit(127);
}

static char *read_text(const char *path)
{
	char *text = NULL;
	size_t len;
	if (ns_read_file(path, 16u << 20, &text, &len) != NS_OK)
		text = strdup("");
	return text;
}

/* Wait for PID at most 30 s; its exit status (-1: killed after that). */
static int wait_pid(pid_t pid)
{
	for (int i = 0; i < 3000; i++) {
		int ws;
		if (waitpid(pid, &ws, WNOHANG) == pid)
			return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/* Run ARGV as spawn_as does and wait; its output (new), and *RC. */
static char *run_as(uid_t uid, const char *const *argv, const char *xdg,
                    int *rc)
{
	char *log = in_dir("run.log");
	*rc = wait_pid(spawn_as(uid, argv, xdg, log));
	char *text = read_text(log);
	unlink(log);
	free(log);
	return text;
}

/* ---- links in the tree ---- */

/* A link to a directory outside the tree, and one to a file there: what
 * they reach is never indexed, returned or searchable, whatever a client
 * asks, and the daemon says why. */
static void test_links_never_followed(void **state)
{
	char *out = in_dir("outside"), *secret = in_dir("outside/shadow.txt");
	char *etc = NULL, *leak = NULL;
	assert_int_equal(mkdir(out, 0755), 0);
	assert_int_equal(write_file(secret, "Shadow\n\nThe zyxsecretword.\n",
	                            26), 0);
	assert_true(asprintf(&etc, "%s/etc", e2e_tree()) > 0);
	assert_true(asprintf(&leak, "%s/leak.txt", e2e_tree()) > 0);
	assert_int_equal(symlink(out, etc), 0);
	assert_int_equal(symlink(secret, leak), 0);
	put_file("news/a.txt", "Alpha\n\nPlain zyxplainword.\n");
	put_file("live/c.txt", "Gamma\n\nThe zyxliveword.\n");
	start_daemon();
	json_decref(wait_hits("zyxplainword", 1));
	json_decref(wait_hits("zyxliveword", 1));

	const char *linked[] = {"etc/shadow.txt", "leak.txt"};
	for (int i = 0; i < 2; i++) {
		assert_refused(request("{s:s, s:s}", "op", "wait", "path",
		                       linked[i]), "BAD_REQUEST", "symbolic link");
		assert_refused(request("{s:s, s:s}", "op", "get", "path",
		                       linked[i]), "NOT_FOUND", "");
		assert_refused(request("{s:s, s:s}", "op", "reindex", "path",
		                       linked[i]), "BAD_REQUEST", "symbolic link");
	}
	assert_refused(request("{s:s, s:s}", "op", "reindex", "path", "etc"),
	               "BAD_REQUEST", "neither a file nor a directory");

	/* A directory of the tree swapped for a link to outside: a reindex
	 * (which needs no event) takes its article out, and a wait on it is
	 * refused. */
	char *live = NULL, *moved = in_dir("live-outside");
	assert_true(asprintf(&live, "%s/live", e2e_tree()) > 0);
	assert_int_equal(rename(live, moved), 0);
	assert_int_equal(symlink(moved, live), 0);
	assert_refused(request("{s:s, s:s}", "op", "wait", "path",
	                       "live/c.txt"), "BAD_REQUEST", "symbolic link");
	assert_ok(request("{s:s}", "op", "reindex"));
	json_t *r = search("zyxliveword");
	assert_int_equal(nhits(r), 0);
	json_decref(r);
	json_decref(wait_for(NULL));
	r = search("zyxsecretword");
	assert_int_equal(nhits(r), 0);
	json_decref(r);

	int rc;
	char *text = run_cli("wait etc/shadow.txt", &rc);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(text, "BAD_REQUEST"));
	assert_non_null(strstr(text, "symbolic link"));
	free(text);
	text = run_cli("get etc/shadow.txt", &rc);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(text, "NOT_FOUND"));
	assert_null(strstr(text, "zyxsecretword"));
	free(text);
	free(live);
	free(moved);
	free(etc);
	free(leak);
	free(secret);
	free(out);
}

/* Swapped while the daemon was down: the restart's sweep takes the
 * articles under the link out of the index, and reads nothing there. */
static void test_link_swapped_in_while_down(void **state)
{
	put_file("desk/b.txt", "Beta\n\nThe zyxdeskword.\n");
	start_daemon();
	json_decref(wait_hits("zyxdeskword", 1));
	assert_int_equal(stop_daemon(), 0);
	char *desk = NULL, *away = in_dir("desk-outside");
	assert_true(asprintf(&desk, "%s/desk", e2e_tree()) > 0);
	assert_int_equal(rename(desk, away), 0);
	assert_int_equal(symlink(away, desk), 0);
	put_file("news/later.txt", "Later\n\nThe zyxlaterword.\n");
	start_daemon();
	json_decref(wait_hits("zyxlaterword", 1));
	json_t *r = search("zyxdeskword");
	assert_int_equal(nhits(r), 0);
	json_decref(r);
	assert_refused(request("{s:s, s:s}", "op", "get", "path", "desk/b.txt"),
	               "NOT_FOUND", "");
	free(desk);
	free(away);
}

/* ---- admin operations ---- */

/* Send LINE on a connection of our own as UID to the daemon's socket, in
 * a child; the reply lines into a pipe.  Returns them (new). */
static char *ask_as(uid_t uid, const char *lines, int nreplies)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
			_exit(126);
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", e2e_sock());
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
			_exit(2);
		if (write(fd, lines, strlen(lines)) != (ssize_t)strlen(lines))
			_exit(3);
		int seen = 0;
		char buf[4096];
		ssize_t n;
		while (seen < nreplies && (n = read(fd, buf, sizeof buf)) > 0) {
			for (ssize_t i = 0; i < n; i++)
				seen += buf[i] == '\n';
			if (write(fds[1], buf, (size_t)n) != n)
				_exit(4);
		}
		_exit(seen == nreplies ? 0 : 5);
	}
	close(fds[1]);
	ns_buf_t got = {0};
	char buf[4096];
	ssize_t n;
	while ((n = read(fds[0], buf, sizeof buf)) > 0)
		ns_buf_append(&got, buf, (size_t)n);
	close(fds[0]);
	assert_int_equal(wait_pid(pid), 0);
	ns_buf_append(&got, "", 0);
	return got.data;
}

/* Reindex, compact and backup are for root and the daemon's user; any
 * other client is told FORBIDDEN and may go on asking. */
static void test_admin_needs_credentials(void **state)
{
	if (!need_root())
		return;
	const char *opts[] = {"--socket-mode", "0666", "--backup-dir",
	                      e2e_dir(), NULL};
	put_file("news/a.txt", "Alpha\n\nPlain words.\n");
	start_daemon_with(opts);
	assert_int_equal(chmod(e2e_dir(), 0711), 0);
	uid_t them = other_uid();
	char *bk = in_dir("bk"), *lines = NULL;
	assert_true(asprintf(&lines,
		"{\"id\":1,\"op\":\"compact\"}\n"
		"{\"id\":2,\"op\":\"status\"}\n"
		"{\"id\":3,\"op\":\"reindex\"}\n"
		"{\"id\":4,\"op\":\"backup\",\"dir\":\"%s\"}\n"
		"{\"id\":5,\"op\":\"search\",\"q\":\"plain\"}\n", bk) > 0);
	char *replies = ask_as(them, lines, 5);
	free(lines);
	char *line = replies;
	for (int i = 1; i <= 5; i++) {
		char *nl = strchr(line, '\n');
		assert_non_null(nl);
		json_t *r = json_loadb(line, (size_t)(nl - line), 0, NULL);
		assert_non_null(r);
		assert_int_equal(json_integer_value(json_object_get(r, "id")), i);
		if (i == 2 || i == 5)
			assert_ok(r); /* the connection carries on */
		else
			assert_refused(r, "FORBIDDEN", "needs the admin role");
		line = nl + 1;
	}
	free(replies);
	assert_false(exists(bk));

	/* nsearch-cli says what to do. */
	const char *argv[] = {getenv("NSEARCH_CLI"), "--socket", e2e_sock(),
	                      "compact", NULL};
	int rc;
	char *text = run_as(them, argv, NULL, &rc);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(text, "nsearch-cli: compact: not allowed for "
	                        "you (FORBIDDEN)\n"));
	assert_non_null(strstr(text, "sudo nsearch-cli compact\n"));
	free(text);

	/* As root (and the daemon's user, which we are too here): done. */
	assert_ok(request("{s:s}", "op", "compact"));
	assert_int_equal(chmod(e2e_dir(), 0700), 0);
	free(bk);
}

static void tcp_auth(struct client *c, unsigned port, const char *tok)
{
	memset(c, 0, sizeof *c);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof sa), 0);
	struct timeval tv = {.tv_sec = 60};
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	char *line = NULL;
	assert_true(asprintf(&line, "{\"op\":\"auth\",\"token\":\"%s\"}\n",
	                     tok) > 0);
	assert_ok(ask(c, line));
	free(line);
}

/* Over TCP the token lets a client search; only the admin token lets it
 * do more. */
static void test_admin_token_over_tcp(void **state)
{
	const char *tok = "search-token-0123456789", *adm = "admin-token-9876543210";
	char *tokf = write_in_dir("token", tok, 0600);
	char *admf = write_in_dir("admin-token", adm, 0600);
	char port[16];
	unsigned p = free_port();
	snprintf(port, sizeof port, "%u", p);
	const char *opts[] = {"--tcp", port, "--token-file", tokf,
	                      "--admin-token-file", admf, NULL};
	start_daemon_with(opts);
	struct client c;
	tcp_auth(&c, p, tok);
	assert_refused(ask(&c, "{\"op\":\"compact\"}\n"), "FORBIDDEN",
	               "admin_token_file");
	assert_ok(ask(&c, "{\"op\":\"status\"}\n"));
	client_close(&c);
	tcp_auth(&c, p, adm);
	assert_ok(ask(&c, "{\"op\":\"compact\"}\n"));
	client_close(&c);
	assert_int_equal(stop_daemon(), 0);

	/* The same token twice would make every TCP client an admin. */
	char *same = write_in_dir("same-token", tok, 0600);
	const char *argv[] = {getenv("NSEARCHD"), "--articles", e2e_tree(),
	                      "--index", e2e_index(), "--socket", e2e_sock(),
	                      "--tcp", port, "--token-file", tokf,
	                      "--admin-token-file", same, NULL};
	int rc;
	char *text = run_as((uid_t)-1, argv, NULL, &rc);
	assert_int_equal(rc, 2);
	assert_non_null(strstr(text, "must differ"));
	free(text);
	free(same);
	free(tokf);
	free(admf);
}

/* ---- backups ---- */

/* A backup goes inside [index] backup_dir only, never into the index
 * (however the path is spelt) nor the tree; without the option backups
 * are refused; the copy is private to the daemon's user. */
static void test_backup_paths(void **state)
{
	const char *opts[] = {"--backup-dir", e2e_dir(), NULL};
	put_file("news/a.txt", "Alpha\n\nPlain words.\n");
	mode_t old = umask(022);
	start_daemon_with(opts);
	char *ilink = in_dir("ilink"), *req = NULL;
	assert_int_equal(symlink(e2e_index(), ilink), 0);
	struct { const char *pre, *post, *says, *lands; } bad[] = {
		{e2e_index(), "/../index/sub", "inside the index", "index/sub"},
		{"/", "//index//sub", "inside the index", "index/sub"},
		{e2e_dir(), "/ilink/sub", "inside the index", "index/sub"},
		{e2e_dir(), "/ilink", "symbolic link", NULL},
		{e2e_tree(), "/copy", "inside the articles tree",
		 "articles/copy"},
		{e2e_dir(), "/evil\nnsearchd: err: forged", "control character",
		 NULL},
		{"/", "tmp", "not inside the backup directory", NULL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_true(asprintf(&req, "%s%s%s", bad[i].pre,
		                     strcmp(bad[i].pre, "/") == 0 &&
		                     bad[i].lands ? e2e_dir() : "",
		                     bad[i].post) > 0);
		assert_refused(request("{s:s, s:s}", "op", "backup", "dir", req),
		               "BAD_REQUEST", bad[i].says);
		free(req);
		if (bad[i].lands) {
			char *where = in_dir(bad[i].lands);
			if (exists(where))
				fail_msg("a backup was written to %s", where);
			free(where);
		}
	}
	char *good = in_dir("copy1");
	json_t *r = request("{s:s, s:s}", "op", "backup", "dir", good);
	assert_ok(r);
	struct stat st;
	assert_int_equal(stat(good, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	char *file = NULL;
	assert_true(asprintf(&file, "%s/postlist.glass", good) > 0);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(file);
	free(good);
	assert_int_equal(stop_daemon(), 0);

	start_daemon();
	good = in_dir("copy2");
	assert_refused(request("{s:s, s:s}", "op", "backup", "dir", good),
	               "BAD_REQUEST", "backup_dir");
	assert_false(exists(good));
	free(good);
	free(ilink);
	umask(old);
}

/* ---- the index's mode ---- */

/* Made private whatever the umask, and an index others may read is
 * refused at start with the command that mends it. */
static void test_index_private(void **state)
{
	put_file("news/a.txt", "Alpha\n\nPlain words.\n");
	mode_t old = umask(022);
	start_daemon();
	umask(old);
	struct stat st;
	assert_int_equal(stat(e2e_index(), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	char *file = NULL;
	assert_true(asprintf(&file, "%s/postlist.glass", e2e_index()) > 0);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(file);
	assert_int_equal(stop_daemon(), 0);

	assert_int_equal(chmod(e2e_index(), 0755), 0);
	const char *argv[] = {getenv("NSEARCHD"), "--articles", e2e_tree(),
	                      "--index", e2e_index(), "--socket", e2e_sock(),
	                      NULL};
	int rc;
	char *text = run_as((uid_t)-1, argv, NULL, &rc);
	assert_int_equal(rc, 2);
	char *want = NULL;
	assert_true(asprintf(&want, "chmod -R go= %s", e2e_index()) > 0);
	if (!strstr(text, want))
		fail_msg("no \"%s\" in: %s", want, text);
	free(want);
	free(text);
	assert_int_equal(chmod(e2e_index(), 0700), 0);
	start_daemon();
}

/* ---- the socket ---- */

/* Another user binds a socket first: nsearch-cli sees who listens and
 * sends nothing. */
static void test_cli_refuses_squatted_socket(void **state)
{
	if (!need_root())
		return;
	uid_t them = other_uid();
	char *squat = in_dir("squat"), *path = in_dir("squat/nsearch.sock");
	assert_int_equal(mkdir(squat, 0755), 0);
	assert_int_equal(chown(squat, them, them), 0);
	assert_int_equal(chmod(e2e_dir(), 0711), 0);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The squatter: how many bytes of a query does it get? */
		close(fds[0]);
		if (setgroups(0, NULL) < 0 || setgid(them) < 0 || setuid(them) < 0)
			_exit(126);
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
		int l = socket(AF_UNIX, SOCK_STREAM, 0);
		if (bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 ||
		    chmod(path, 0777) < 0 || listen(l, 4) < 0)
			_exit(2);
		long got = 0;
		if (write(fds[1], &got, sizeof got) != sizeof got)
			_exit(3);
		struct pollfd p = {.fd = l, .events = POLLIN};
		if (poll(&p, 1, 20000) == 1) {
			int c = accept(l, NULL, NULL);
			char buf[4096];
			ssize_t n;
			struct pollfd q = {.fd = c, .events = POLLIN};
			while (poll(&q, 1, 3000) == 1 &&
			       (n = read(c, buf, sizeof buf)) > 0)
				got += n;
		}
		_exit(write(fds[1], &got, sizeof got) == sizeof got ? 0 : 4);
	}
	close(fds[1]);
	long got = -1;
	assert_int_equal(read(fds[0], &got, sizeof got), sizeof got);
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "'%s' --socket '%s' search confidential "
	                     "2>&1", getenv("NSEARCH_CLI"), path) > 0);
	int rc;
	char *text = run_capture(cmd, &rc);
	assert_int_equal(read(fds[0], &got, sizeof got), sizeof got);
	close(fds[0]);
	assert_int_equal(wait_pid(pid), 0);
	assert_int_equal(rc, 2);
	char want[64];
	snprintf(want, sizeof want, "runs as uid %u", (unsigned)them);
	if (!strstr(text, want) || !strstr(text, "nothing was sent"))
		fail_msg("nsearch-cli said: %s", text);
	assert_int_equal(got, 0);
	free(text);
	assert_int_equal(chmod(e2e_dir(), 0700), 0);
	free(squat);
	free(path);
}

/* A user other than root: the socket is in a directory of its own under
 * $XDG_RUNTIME_DIR, made private by the daemon; without XDG_RUNTIME_DIR
 * there is no default (never a shared directory such as /tmp). */
static void test_user_socket_is_private(void **state)
{
	if (!need_root())
		return;
	uid_t them = other_uid();
	assert_int_equal(chmod(e2e_dir(), 0711), 0);
	char *xdg = in_dir("xdg"), *home = in_dir("home"), *index = NULL;
	assert_int_equal(mkdir(xdg, 0700), 0);
	assert_int_equal(mkdir(home, 0700), 0);
	assert_int_equal(chown(xdg, them, them), 0);
	assert_int_equal(chown(home, them, them), 0);
	assert_true(asprintf(&index, "%s/index", home) > 0);
	const char *nsearchd = getenv("NSEARCHD"), *cli = getenv("NSEARCH_CLI");

	int rc;
	const char *cli_argv[] = {cli, "status", NULL};
	char *text = run_as(them, cli_argv, NULL, &rc);
	assert_int_equal(rc, 2);
	if (!strstr(text, "XDG_RUNTIME_DIR is not set"))
		fail_msg("nsearch-cli said: %s", text);
	free(text);
	const char *argv[] = {nsearchd, "--articles", e2e_tree(), "--index",
	                      index, NULL};
	text = run_as(them, argv, NULL, &rc);
	assert_int_equal(rc, 1);
	if (!strstr(text, "XDG_RUNTIME_DIR is not set"))
		fail_msg("nsearchd said: %s", text);
	free(text);

	/* With it: $XDG_RUNTIME_DIR/nsearch, made 0700. */
	char *log = in_dir("user.log"), *sock = NULL, *sdir = NULL;
	assert_true(asprintf(&sdir, "%s/nsearch", xdg) > 0);
	assert_true(asprintf(&sock, "%s/nsearch.sock", sdir) > 0);
	pid_t pid = spawn_as(them, argv, xdg, log);
	/* Ready (its signals handled) before it is stopped. */
	char *ours = strdup(e2e_sock());
	e2e_set_sock(sock);
	bool ready = false;
	for (int i = 0; i < 6000 && !ready; i++) {
		json_t *st = status();
		ready = st && json_is_true(json_object_get(st, "ready"));
		json_decref(st);
		if (!ready)
			sleep_ms(10);
	}
	e2e_set_sock(ours);
	free(ours);
	assert_true(ready);
	struct stat st;
	assert_int_equal(stat(sdir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(st.st_uid, them);
	assert_true(exists(sock));
	kill(pid, SIGTERM);
	assert_int_equal(wait_pid(pid), 0);

	/* The same directory made by someone else: refused. */
	assert_int_equal(chown(sdir, 0, 0), 0);
	text = run_as(them, argv, xdg, &rc);
	assert_int_equal(rc, 1);
	if (!strstr(text, "belongs to uid 0"))
		fail_msg("nsearchd said: %s", text);
	free(text);
	assert_int_equal(chmod(e2e_dir(), 0700), 0);
	free(log);
	free(sock);
	free(sdir);
	free(index);
	free(xdg);
	free(home);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		svc_test(test_links_never_followed),
		svc_test(test_link_swapped_in_while_down),
		svc_test(test_admin_needs_credentials),
		svc_test(test_admin_token_over_tcp),
		svc_test(test_backup_paths),
		svc_test(test_index_private),
		svc_test(test_cli_refuses_squatted_socket),
		svc_test(test_user_socket_is_private),
	};
	return cmocka_run_group_tests_name("security", tests, NULL, NULL);
}
