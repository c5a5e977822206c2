/* harness.c - the end-to-end tests' harness (harness.h): the environment
 * (a temporary directory with the tree, the index and the socket), files
 * in the tree, a protocol client, and the daemon's life.  Built once, as
 * a library every e2e program links. */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The environment: only this file touches it. */
static struct {
	char *dir, *tree, *index, *sock;
	pid_t pid;
} E;

const char *e2e_dir(void)
{
	return E.dir;
}

const char *e2e_tree(void)
{
	return E.tree;
}

const char *e2e_index(void)
{
	return E.index;
}

const char *e2e_sock(void)
{
	return E.sock;
}

pid_t e2e_pid(void)
{
	return E.pid;
}

void e2e_set_pid(pid_t pid)
{
	E.pid = pid;
}

/* *FIELD becomes a copy of PATH. */
static void set_path(char **field, const char *path)
{
	char *copy = strdup(path);
	assert_non_null(copy);
	free(*field);
	*field = copy;
}

void e2e_set_tree(const char *path)
{
	set_path(&E.tree, path);
}

void e2e_set_index(const char *path)
{
	set_path(&E.index, path);
}

void e2e_set_sock(const char *path)
{
	set_path(&E.sock, path);
}

void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* Write LEN bytes at REL in the tree, making its directories. */
void put_bytes(const char *rel, const char *data, size_t len)
{
	char *path = NULL;
	assert_true(asprintf(&path, "%s/%s", E.tree, rel) > 0);
	for (char *s = strchr(path + strlen(E.tree) + 1, '/'); s;
	     s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	assert_int_equal(write_file(path, data, len), 0);
	free(path);
}

void put_file(const char *rel, const char *text)
{
	put_bytes(rel, text, strlen(text));
}

void put_json_article(const char *rel, const char *title, const char *body,
                      const char *section)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "title", title, "body", body,
	                      "language", "en");
	if (section)
		json_object_set_new(o, "section", json_string(section));
	char *s = json_dumps(o, JSON_COMPACT);
	assert_non_null(s);
	put_file(rel, s);
	free(s);
	json_decref(o);
}

void remove_file(const char *rel)
{
	char *path = NULL;
	assert_true(asprintf(&path, "%s/%s", E.tree, rel) > 0);
	assert_int_equal(unlink(path), 0);
	free(path);
}

/* Copy the directory SRC into the tree at REL ("" for its root). */
void copy_tree(const char *src, const char *rel)
{
	DIR *d = opendir(src);
	if (!d)
		fail_msg("%s: cannot open", src);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *path = NULL, *sub = NULL;
		assert_true(asprintf(&path, "%s/%s", src, e->d_name) > 0);
		assert_true(asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "",
		                     e->d_name) > 0);
		struct stat sb;
		assert_int_equal(stat(path, &sb), 0);
		if (S_ISDIR(sb.st_mode)) {
			copy_tree(path, sub);
		} else {
			size_t len = 0;
			char *data = NULL;
			assert_int_equal(ns_read_file(path, 1 << 20, &data, &len), NS_OK);
			put_bytes(sub, data, len);
			free(data);
		}
		free(path);
		free(sub);
	}
	closedir(d);
}

/* ---- a client connection with its own line buffer ---- */

bool client_open(struct client *c)
{
	memset(c, 0, sizeof *c);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", E.sock);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return false;
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		close(c->fd);
		c->fd = -1;
		return false;
	}
	struct timeval tv = {.tv_sec = 20};
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return true;
}

void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	ns_buf_free(&c->in);
}

void client_send(struct client *c, const char *data, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(c->fd, data + off, len - off);
		assert_true(w > 0);
		off += (size_t)w;
	}
}

/* The next reply line, parsed. */
json_t *client_recv(struct client *c)
{
	for (;;) {
		char *nl = c->in.len ? memchr(c->in.data, '\n', c->in.len) : NULL;
		if (nl) {
			json_error_t err;
			json_t *o = json_loadb(c->in.data, (size_t)(nl - c->in.data),
			                       0, &err);
			if (!o)
				fail_msg("reply is not JSON: %s", err.text);
			ns_buf_consume(&c->in, (size_t)(nl - c->in.data) + 1);
			return o;
		}
		char buf[8192];
		ssize_t r = read(c->fd, buf, sizeof buf);
		if (r <= 0)
			fail_msg("no reply from the daemon (%s)",
			         r == 0 ? "EOF" : strerror(errno));
		ns_buf_append(&c->in, buf, (size_t)r);
	}
}

json_t *ask(struct client *c, const char *line)
{
	client_send(c, line, strlen(line));
	return client_recv(c);
}

/* REQ (a reference this takes) on a fresh connection; the reply. */
json_t *request_json(json_t *req)
{
	assert_non_null(req);
	char *line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	struct client c;
	assert_true(client_open(&c));
	client_send(&c, line, strlen(line));
	client_send(&c, "\n", 1);
	free(line);
	json_t *reply = client_recv(&c);
	client_close(&c);
	return reply;
}

/* One search on a fresh connection; the reply (new reference). */
json_t *search(const char *q)
{
	json_t *reply = request_json(
	        json_pack("{s:i, s:s, s:s, s:b, s:b}", "id", 1, "op", "search",
	                  "q", q, "autocorrect", 0, "collapse", 0));
	assert_true(json_is_true(json_object_get(reply, "ok")));
	return reply;
}

size_t nhits(json_t *reply)
{
	return json_array_size(json_object_get(reply, "hits"));
}

const char *hit_str(json_t *reply, size_t i, const char *key)
{
	json_t *h = json_array_get(json_object_get(reply, "hits"), i);
	const char *s = json_string_value(json_object_get(h, key));
	assert_non_null(s);
	return s;
}

/* Poll until a search for Q has N hits; fail after 30 s (the sanitizer
 * builds on a loaded machine can take that long; a pass takes far less). */
json_t *wait_hits(const char *q, size_t n)
{
	for (int i = 0; i < 3000; i++) {
		json_t *r = search(q);
		if (nhits(r) == n)
			return r;
		json_decref(r);
		sleep_ms(10);
	}
	fail_msg("'%s' did not reach %zu hits within 30 s", q, n);
	return NULL;
}

json_t *status(void)
{
	struct client c;
	if (!client_open(&c))
		return NULL;
	json_t *r = ask(&c, "{\"op\":\"status\"}\n");
	client_close(&c);
	return r;
}

/* ---- the daemon ---- */

/* Start nsearchd on E's tree, index and socket, with EXTRA options (a
 * NULL-terminated list, or NULL); do not wait for it.  WRAPPER (a
 * NULL-terminated list, or NULL) is a command that runs it, found in
 * $PATH, given the daemon's command line after its own arguments (and
 * expected to exec it, so that E.pid is the daemon's).  0, or the errno
 * value of an exec that failed (then nothing runs). */
int spawn_daemon_wrapped(const char *const *wrapper,
                                const char *const *extra)
{
	const char *bin = getenv("NSEARCHD");
	assert_non_null(bin);
	const char *argv[48];
	size_t n = 0;
	for (size_t i = 0; wrapper && wrapper[i] && n < 16; i++)
		argv[n++] = wrapper[i];
	const char *daemon[] = {bin, "--articles", E.tree, "--index", E.index,
	                        "--socket", E.sock, "--commit-delay", "20"};
	for (size_t i = 0; i < sizeof daemon / sizeof *daemon; i++)
		argv[n++] = daemon[i];
	for (size_t i = 0; extra && extra[i] && n < 47; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	/* The child says why it could not exec; a successful exec closes
	 * the pipe unwritten. */
	int report[2];
	assert_int_equal(pipe2(report, O_CLOEXEC), 0);
	E.pid = fork();
	assert_true(E.pid >= 0);
	if (E.pid == 0) {
		close(report[0]);
		execvp(argv[0], (char *const *)argv);
		int err = errno;
		ssize_t w = write(report[1], &err, sizeof err);
		(void)w;
		_exit(127);
	}
	close(report[1]);
	int err = 0;
	ssize_t r;
	while ((r = read(report[0], &err, sizeof err)) < 0 && errno == EINTR)
		;
	close(report[0]);
	if (r <= 0)
		return 0;
	waitpid(E.pid, NULL, 0);
	E.pid = 0;
	return err ? err : EIO;
}

void spawn_daemon(const char *const *extra)
{
	int err = spawn_daemon_wrapped(NULL, extra);
	if (err)
		fail_msg("cannot start nsearchd: %s", strerror(err));
}

/* Wait until the daemon answers and its start-up scan is committed. */
void wait_ready(void)
{
	for (int i = 0; i < 6000; i++) {
		int wstatus;
		if (waitpid(E.pid, &wstatus, WNOHANG) == E.pid) {
			E.pid = 0;
			fail_msg("nsearchd exited during start-up (status %d)", wstatus);
		}
		json_t *st = status();
		bool ready = st && json_is_true(json_object_get(st, "ready"));
		json_decref(st);
		if (ready)
			return;
		sleep_ms(10);
	}
	fail_msg("nsearchd was not ready within 60 s");
}

void start_daemon_with(const char *const *extra)
{
	spawn_daemon(extra);
	wait_ready();
}

/* kill -9, as a crash or a power cut of the process would. */
void kill_daemon(void)
{
	if (E.pid <= 0)
		return;
	kill(E.pid, SIGKILL);
	waitpid(E.pid, NULL, 0);
	E.pid = 0;
}

/* {"op":"wait"} for PATH (NULL: every change so far); the reply. */
json_t *wait_for(const char *path)
{
	json_t *reply = request_json(
		path ? json_pack("{s:s, s:s, s:i}", "op", "wait", "path", path,
		                 "timeout_ms", 30000)
		     : json_pack("{s:s, s:i}", "op", "wait", "timeout_ms", 30000));
	if (!json_is_true(json_object_get(reply, "ok")))
		fail_msg("wait failed: %s", json_string_value(json_object_get(
			json_object_get(reply, "error"), "message")));
	return reply;
}

void start_daemon(void)
{
	start_daemon_with(NULL);
}

int stop_pid(pid_t pid)
{
	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	for (int i = 0; i < 2000; i++) {
		int wstatus;
		if (waitpid(pid, &wstatus, WNOHANG) == pid)
			return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
			                          : 128 + WTERMSIG(wstatus);
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/* SIGTERM and wait; returns the exit status (or -1). */
int stop_daemon(void)
{
	int rc = stop_pid(E.pid);
	E.pid = 0;
	return rc;
}

/* Run the shell command CMD (freed here); its output, stdout and stderr
 * (new), and its exit status. */
char *run_capture(char *cmd, int *exit_status)
{
	FILE *p = popen(cmd, "r");
	free(cmd);
	assert_non_null(p);
	ns_buf_t out = {0};
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, p)) > 0)
		ns_buf_append(&out, buf, n);
	int st = pclose(p);
	*exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	ns_buf_append(&out, "", 0);
	return out.data;
}

/* Run nsearch-cli with ARGS against the test daemon. */
char *run_cli(const char *args, int *exit_status)
{
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "'%s' --socket '%s' %s 2>&1",
	                     getenv("NSEARCH_CLI"), E.sock, args) > 0);
	return run_capture(cmd, exit_status);
}

/* Make E's temporary directory, tree, index and socket paths. */
int e2e_make_dirs(void)
{
	E.dir = make_temp_dir();
	if (!E.dir || asprintf(&E.tree, "%s/articles", E.dir) < 0 ||
	    asprintf(&E.index, "%s/index", E.dir) < 0 ||
	    asprintf(&E.sock, "%s/nsearch.sock", E.dir) < 0 ||
	    mkdir(E.tree, 0755) < 0)
		return -1;
	return 0;
}

/* Stop the daemon (it must exit 0: a leak or a crash under the sanitizers
 * does not) and remove everything. */
int e2e_teardown(void)
{
	int rc = stop_daemon();
	if (rc != 0 && rc != -1)
		fprintf(stderr, "nsearchd exited with status %d\n", rc);
	rm_tree(E.dir);
	free(E.dir);
	free(E.tree);
	free(E.index);
	free(E.sock);
	E.dir = E.tree = E.index = E.sock = NULL;
	return rc == 0 || rc == -1 ? 0 : -1;
}

/* ---- requests built with json_pack's format ---- */

json_t *request(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	json_error_t err;
	json_t *req = json_vpack_ex(&err, 0, fmt, ap);
	va_end(ap);
	if (!req)
		fail_msg("bad request in the test: %s", err.text);
	return request_json(req);
}

/* The paths of a search's hits, in order, joined by spaces. */
char *paths_of(json_t *reply)
{
	if (!json_is_true(json_object_get(reply, "ok")))
		fail_msg("search failed: %s", json_string_value(json_object_get(
			json_object_get(reply, "error"), "message")));
	ns_buf_t b = {0};
	ns_buf_append(&b, "", 0);
	for (size_t i = 0; i < nhits(reply); i++)
		ns_buf_printf(&b, "%s%s", i ? " " : "", hit_str(reply, i, "path"));
	return b.data;
}

void assert_paths(json_t *reply, const char *expected)
{
	char *got = paths_of(reply);
	if (strcmp(got, expected) != 0)
		fail_msg("got [%s], expected [%s]", got, expected);
	free(got);
	json_decref(reply);
}

/* Sorted paths, for queries ranked by relevance where the set matters. */
void assert_path_set(json_t *reply, size_t n, ...)
{
	assert_int_equal(nhits(reply), n);
	va_list ap;
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		const char *want = va_arg(ap, const char *);
		bool found = false;
		for (size_t k = 0; k < n && !found; k++)
			found = strcmp(hit_str(reply, k, "path"), want) == 0;
		if (!found)
			fail_msg("%s is not among the hits", want);
	}
	va_end(ap);
	json_decref(reply);
}
