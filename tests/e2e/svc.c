/* svc.c - the service tests' helpers (svc.h): the daemon started with its
 * own arguments and environment, its log read back, TCP clients with a
 * token, and what a client over a limit is told. */
#include "svc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the daemon, with its own arguments, environment and log ---- */

char *log_path(void)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/daemon.log", e2e_dir()) > 0);
	return p;
}

/* Run PROG (NULL: nsearchd) with ARGS (NULL-terminated, after the program
 * name) and ENV ("K=V", NULL-terminated, may be NULL) added to ours;
 * stdout and stderr go to e2e_dir()/daemon.log.  Does not wait. */
void spawn_prog(const char *prog, const char *const *args,
                const char *const *env)
{
	const char *bin = prog ? prog : getenv("NSEARCHD");
	assert_non_null(bin);
	const char *argv[48] = {prog ? prog : "nsearchd"};
	size_t n = 1;
	for (size_t i = 0; args && args[i] && n < 47; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	char *log = log_path();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (size_t i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execvp(bin, (char *const *)argv);
		_exit(127);
	}
	e2e_set_pid(pid);
	free(log);
}

void spawn(const char *const *args, const char *const *env)
{
	spawn_prog(NULL, args, env);
}

char *read_log(void)
{
	char *path = log_path(), *text = NULL;
	size_t len;
	if (ns_read_file(path, 64u << 20, &text, &len) != NS_OK)
		text = strdup("");
	free(path);
	return text;
}

bool log_has(const char *what)
{
	char *text = read_log();
	bool has = strstr(text, what) != NULL;
	free(text);
	return has;
}

/* Poll the log until it says WHAT; fail after 10 s. */
void wait_log(const char *what)
{
	for (int i = 0; i < 1000; i++) {
		if (log_has(what))
			return;
		sleep_ms(10);
	}
	char *text = read_log();
	fail_msg("the log never said \"%s\"; it has:\n%s", what, text);
	free(text);
}

/* Wait for the daemon to exit; its exit status, or -1 after 10 s. */
int wait_exit(void)
{
	for (int i = 0; i < 1000; i++) {
		int ws;
		if (waitpid(e2e_pid(), &ws, WNOHANG) == e2e_pid()) {
			e2e_set_pid(0);
			return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
		}
		sleep_ms(10);
	}
	return -1;
}

/* PATH under e2e_dir() (new). */
char *in_dir(const char *name)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", e2e_dir(), name) > 0);
	return p;
}

/* Write TEXT to e2e_dir()/NAME with MODE; the path (new). */
char *write_in_dir(const char *name, const char *text, mode_t mode)
{
	char *p = in_dir(name);
	assert_int_equal(write_file(p, text, strlen(text)), 0);
	assert_int_equal(chmod(p, mode), 0);
	return p;
}

/* ---- HTTP ---- */

int http_unix(const char *sock, const char *method, const char *path,
              char **body)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	char req[512];
	int n = snprintf(req, sizeof req,
	                 "%s %s HTTP/1.1\r\nHost: nsearch\r\n"
	                 "Content-Length: 0\r\nConnection: close\r\n\r\n",
	                 method, path);
	assert_int_equal(write(fd, req, (size_t)n), n);
	ns_buf_t in = { 0 };
	char buf[4096];
	ssize_t r;
	while ((r = read(fd, buf, sizeof buf)) > 0)
		ns_buf_append(&in, buf, (size_t)r);
	close(fd);
	ns_buf_append(&in, "", 0);
	int code = 0;
	assert_int_equal(sscanf(in.data, "HTTP/1.1 %d", &code), 1);
	const char *b = strstr(in.data, "\r\n\r\n");
	*body = strdup(b ? b + 4 : "");
	ns_buf_free(&in);
	return code;
}

/* A TCP port nobody listens on now. */
unsigned free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

void tcp_open(struct client *c, unsigned port, int rcvbuf)
{
	memset(c, 0, sizeof *c);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	if (rcvbuf)
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof sa), 0);
	struct timeval tv = {.tv_sec = 20};
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

/* Whether LOG says xapian-tcpsrv listens. */
static bool tcpsrv_listening(const char *log)
{
	char *text = NULL;
	size_t len;
	if (ns_read_file(log, 1 << 20, &text, &len) != NS_OK)
		return false;
	bool yes = strstr(text, "Listening") != NULL;
	free(text);
	return yes;
}

/* tcpsrv cannot take port 0: a port bound then closed, and another one
 * when somebody took it meanwhile. */
pid_t start_tcpsrv(const char *db, const char *log, unsigned *port,
                   bool same_port)
{
	char num[16];
	for (int attempt = 0; attempt < 20; attempt++) {
		if (!same_port)
			*port = free_port();
		snprintf(num, sizeof num, "%u", *port);
		unlink(log);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			setpgid(0, 0);
			int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			dup2(fd, 1);
			dup2(fd, 2);
			execlp("xapian-tcpsrv", "xapian-tcpsrv", "--port", num,
			       "--interface", "127.0.0.1", db, (char *)NULL);
			_exit(127);
		}
		setpgid(pid, pid);
		for (int i = 0; i < 500; i++) {
			if (tcpsrv_listening(log))
				return pid;
			if (waitpid(pid, NULL, WNOHANG) == pid)
				break; /* the port was taken meanwhile: again */
			sleep_ms(10);
		}
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		sleep_ms(100);
	}
	fail_msg("xapian-tcpsrv did not start for %s", db);
	return -1;
}

json_t *request_at(const char *sock, json_t *req)
{
	char *keep = strdup(e2e_sock());
	e2e_set_sock(sock);
	json_t *r = request_json(req);
	e2e_set_sock(keep);
	free(keep);
	return r;
}

/* The reply is an error with CODE; frees it. */
void assert_code(json_t *r, const char *code)
{
	const char *got = json_string_value(json_object_get(
		json_object_get(r, "error"), "code"));
	if (!got || strcmp(got, code) != 0)
		fail_msg("expected error %s, got %s", code,
		         json_dumps(r, JSON_COMPACT));
	json_decref(r);
}

/* The daemon closes C: the next read is the end of the stream. */
void assert_closed(struct client *c)
{
	char b;
	ssize_t r = read(c->fd, &b, 1);
	if (r != 0 && !(r < 0 && errno == ECONNRESET))
		fail_msg("the connection is still open (read gave %zd)", r);
}

void auth(struct client *c, const char *tok)
{
	char *line = NULL;
	assert_true(asprintf(&line, "{\"id\":\"a\",\"op\":\"auth\",\"token\":"
	                     "\"%s\"}\n", tok) > 0);
	json_t *r = ask(c, line);
	free(line);
	assert_true(json_is_true(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(r, "id")), "a");
	json_decref(r);
}

int svc_setup(void **state)
{
	signal(SIGPIPE, SIG_IGN);
	return e2e_make_dirs();
}

int svc_teardown(void **state)
{
	return e2e_teardown();
}
