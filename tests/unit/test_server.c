/* test_server.c - the server on a loop of its own, with stub handlers, at
 * the edges of a connection's life: a last request without its newline
 * before EOF (the token's too), a wrong token, and a stop while a wait is
 * in hand.  A client thread talks over a real socket; the test thread
 * runs the loop, and every test ends with the loop closed cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/server.h"
#include "testutil.h"

#define TOKEN "a-token-for-the-test-only"

static struct {
	bool wait_began;
} stub;

static void status_of(void *ctx, ns_daemon_status_t *out)
{
	out->documents = 42;
}

static uint64_t revision_of(void *ctx)
{
	return 7;
}

static ns_status_t wait_begin(void *ctx, const char *path, uint64_t *barrier,
                              char *why, size_t why_size)
{
	stub.wait_began = true;
	*barrier = 1;
	return NS_OK;
}

static bool barrier_passed(void *ctx, uint64_t barrier)
{
	return false; /* the writer never gets there: the wait stays */
}

/* A client on its own thread: connects to ADDR, sends SEND, ends its half
 * of the stream when SHUT, and reads until the server closes (or 10 s). */
struct client {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	const char *send;
	bool shut;
	char got[8192];
	size_t n;
	bool eof;              /* the server closed the stream */
	volatile int done;
	pthread_t thread;
};

static void *client_main(void *arg)
{
	struct client *c = arg;
	int fd = socket(c->addr.ss_family, SOCK_STREAM, 0);
	struct timeval tv = {.tv_sec = 10};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&c->addr, c->addr_len) == 0 &&
	    write(fd, c->send, strlen(c->send)) == (ssize_t)strlen(c->send)) {
		if (c->shut)
			shutdown(fd, SHUT_WR);
		ssize_t r = -1;
		while (c->n < sizeof c->got - 1 &&
		       (r = read(fd, c->got + c->n, sizeof c->got - 1 - c->n)) > 0)
			c->n += (size_t)r;
		c->eof = r == 0;
	}
	if (fd >= 0)
		close(fd);
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void client_start(struct client *c)
{
	assert_int_equal(pthread_create(&c->thread, NULL, client_main, c), 0);
}

/* Run LOOP until C is done, or UNTIL (may be NULL) is true. */
static void run_until(uv_loop_t *loop, struct client *c, bool *until)
{
	for (int i = 0; i < 20000; i++) {
		if (__atomic_load_n(&c->done, __ATOMIC_ACQUIRE) || (until && *until))
			return;
		uv_run(loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
	fail_msg("the client got no answer");
}

struct fixture {
	char *dir;
	char path[100];  /* within sun_path */
	uv_loop_t loop;
	ns_server_t *srv;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->dir = make_temp_dir();
	snprintf(f->path, sizeof f->path, "%s/s.sock", f->dir);
	uv_loop_init(&f->loop);
	ns_server_handlers_t h = {
		.status = status_of, .revision = revision_of,
		.wait_begin = wait_begin, .barrier_passed = barrier_passed,
	};
	assert_int_equal(ns_server_new(&f->loop, &h, NULL, &f->srv), NS_OK);
	char *err = NULL;
	assert_int_equal(ns_server_listen_unix(f->srv, f->path, 0600, NULL,
	                                       &err), NS_OK);
	stub.wait_began = false;
	*state = f;
	return 0;
}

/* Stop the server; the loop must then close with nothing left open. */
static int teardown(void **state)
{
	struct fixture *f = *state;
	ns_server_close(f->srv);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	rm_tree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void unix_client(struct fixture *f, struct client *c)
{
	struct sockaddr_un *un = (struct sockaddr_un *)&c->addr;
	un->sun_family = AF_UNIX;
	snprintf(un->sun_path, sizeof un->sun_path, "%s", f->path);
	c->addr_len = sizeof *un;
}

/* A TCP listener on 127.0.0.1, on a port the kernel picks, handed to the
 * server as systemd would; C will connect to it. */
static void tcp_client(struct fixture *f, struct client *c)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in *in = (struct sockaddr_in *)&c->addr;
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->addr_len = sizeof *in;
	assert_int_equal(bind(fd, (struct sockaddr *)in, sizeof *in), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)in, &c->addr_len), 0);
	char *err = NULL;
	assert_int_equal(ns_server_adopt(f->srv, fd, NULL, 0, &err), NS_OK);
	assert_int_equal(ns_server_set_token(f->srv, TOKEN), NS_OK);
}

static size_t lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* C, started, has its answer: one line, and the server ended the
 * stream. */
static void finish(struct fixture *f, struct client *c)
{
	run_until(&f->loop, c, NULL);
	pthread_join(c->thread, NULL);
	c->got[c->n] = '\0';
	assert_true(c->eof);
	assert_int_equal(lines(c->got), 1);
}

/* The last request may lack its newline: answered, then the stream ends
 * (OPEN -> DRAINING -> SHUTTING). */
static void test_last_line_without_newline(void **state)
{
	struct fixture *f = *state;
	struct client c = {.send = "\n{\"id\":1,\"op\":\"status\"}", .shut = true};
	unix_client(f, &c);
	client_start(&c);
	finish(f, &c);
	assert_non_null(strstr(c.got, "\"id\":1"));
	assert_non_null(strstr(c.got, "\"ok\":true"));
	assert_non_null(strstr(c.got, "\"documents\":42"));
}

/* Over TCP the token, too, may come as the last line without its newline
 * (LOGIN -> DRAINING, authenticated there). */
static void test_token_as_last_line(void **state)
{
	struct fixture *f = *state;
	struct client c = {
		.send = "{\"id\":2,\"op\":\"auth\",\"token\":\"" TOKEN "\"}",
		.shut = true,
	};
	tcp_client(f, &c);
	client_start(&c);
	finish(f, &c);
	assert_non_null(strstr(c.got, "\"id\":2"));
	assert_non_null(strstr(c.got, "\"ok\":true"));
}

/* A wrong token: told UNAUTHORIZED, and the server ends the stream
 * itself (CUT_OFF) without answering what followed. */
static void test_wrong_token_cut_off(void **state)
{
	struct fixture *f = *state;
	struct client c = {
		.send = "{\"op\":\"auth\",\"token\":\"not-it\"}\n"
		        "{\"id\":9,\"op\":\"status\"}\n",
		.shut = false,
	};
	tcp_client(f, &c);
	client_start(&c);
	finish(f, &c);
	assert_non_null(strstr(c.got, "\"UNAUTHORIZED\""));
	assert_null(strstr(c.got, "\"id\":9"));
}

/* A stop while a wait is in hand: the wait is answered UNAVAILABLE, the
 * stream ends, and nothing is left on the loop. */
static void test_stop_answers_wait(void **state)
{
	struct fixture *f = *state;
	struct client c = {.send = "{\"id\":3,\"op\":\"wait\"}\n", .shut = false};
	unix_client(f, &c);
	client_start(&c);
	run_until(&f->loop, &c, &stub.wait_began);
	assert_true(stub.wait_began);
	assert_int_equal(ns_server_connections(f->srv), 1);
	ns_server_close(f->srv);
	f->srv = NULL; /* it frees itself once all is closed */
	finish(f, &c);
	assert_non_null(strstr(c.got, "\"id\":3"));
	assert_non_null(strstr(c.got, "\"UNAVAILABLE\""));
	assert_non_null(strstr(c.got, "the daemon is stopping"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_last_line_without_newline,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_as_last_line,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_token_cut_off,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_answers_wait,
		                                setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
