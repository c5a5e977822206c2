/* test_shardset.c - a front's shards (shardset.h): what a reader found
 * is noted, counted and followed; the shards that are down are tried
 * again all at once, and those that answer are up again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon/shardset.h"
#include "nsx.h"
#include "testutil.h"

#define N 3

/* A reader over SPECS noted into S: what it found down is down there. */
static void note_reader(ns_shardset_t *s, char *const *specs, size_t n)
{
	nsx_reader_t *r = NULL;
	char *err = NULL;
	assert_int_equal(nsx_reader_open_shards((const char *const *)specs, n,
	                                        ns_shardset_timeout(s), &r,
	                                        &err),
	                 NSX_OK);
	free(err);
	ns_shardset_note(s, r);
	nsx_reader_close(r);
}

/* Local shards: one missing is down (counted once however often it is
 * found so), made, it is up again at the next probe; a search answered
 * without it is a partial answer. */
static void test_down_then_back(void **state)
{
	(void)state;
	char *dir = make_temp_dir(), *specs[2];
	assert_true(asprintf(&specs[0], "%s/a", dir) > 0);
	assert_true(asprintf(&specs[1], "%s/b", dir) > 0);
	nsx_writer_t *w = NULL;
	assert_int_equal(nsx_writer_open(specs[0], &w, NULL), NSX_OK);
	nsx_writer_close(w);
	ns_shardset_t *s = NULL;
	assert_int_equal(ns_shardset_new(specs, 2, 1000, &s), NS_OK);
	note_reader(s, specs, 2);
	note_reader(s, specs, 2);
	ns_shard_figures_t f;
	ns_shardset_figures(s, &f);
	assert_int_equal(f.total, 2);
	assert_int_equal(f.down, 1);
	assert_int_equal(f.losses, 1);
	unsigned char want[2];
	ns_shardset_want(s, want);
	assert_true(want[0] && !want[1]);
	ns_shardset_answered(s, 1);
	ns_shardset_answered(s, 2);
	assert_int_equal(ns_shardset_probe_down(s), 1);
	assert_int_equal(nsx_writer_open(specs[1], &w, NULL), NSX_OK);
	nsx_writer_close(w);
	assert_int_equal(ns_shardset_probe_down(s), 0);
	ns_shardset_figures(s, &f);
	assert_int_equal(f.down, 0);
	assert_int_equal(f.losses, 1);
	assert_int_equal(f.partial, 1);
	ns_shardset_free(s);
	free(specs[0]);
	free(specs[1]);
	rm_tree(dir);
	free(dir);
}

/* Sockets bound on loopback, not listening yet: connections are
 * refused until listen(). */
static struct {
	int fd[N];
	int most; /* connections held open at once, at most */
} L;

/* Accept on every socket until N connections are held at once, or 20 s
 * pass; then close them all, and the sockets (the probes fail at
 * once). */
static void *acceptor(void *arg)
{
	(void)arg;
	int held[N], n = 0;
	time_t end = time(NULL) + 20;
	while (n < N && time(NULL) < end) {
		struct pollfd p[N];
		for (int i = 0; i < N; i++)
			p[i] = (struct pollfd){ .fd = L.fd[i],
				                .events = POLLIN };
		if (poll(p, N, 100) <= 0)
			continue;
		for (int i = 0; i < N && n < N; i++)
			if (p[i].revents & POLLIN) {
				int c = accept(L.fd[i], NULL, NULL);
				if (c >= 0)
					held[n++] = c;
			}
	}
	L.most = n;
	for (int i = 0; i < n; i++)
		close(held[i]);
	/* And the listeners: a probe still to come is refused at once. */
	for (int i = 0; i < N; i++)
		close(L.fd[i]);
	return NULL;
}

/* Three remote shards that never answer: probed one after the other,
 * the first would hold its connection for the whole (long) timeout
 * before the second is tried; probed at once, all three connect
 * together. */
static void test_probes_at_once(void **state)
{
	(void)state;
	char *specs[N];
	for (int i = 0; i < N; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET,
			                  .sin_addr.s_addr =
			                          htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof sa;
		L.fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_int_equal(bind(L.fd[i], (struct sockaddr *)&sa, len), 0);
		assert_int_equal(
		        getsockname(L.fd[i], (struct sockaddr *)&sa, &len), 0);
		assert_true(asprintf(&specs[i], "127.0.0.1:%u",
		                     (unsigned)ntohs(sa.sin_port)) > 0);
	}
	/* 60 s each: a probe that waits for a greeting waits that long. */
	ns_shardset_t *s = NULL;
	assert_int_equal(ns_shardset_new(specs, N, 60000, &s), NS_OK);
	note_reader(s, specs, N); /* refused: all down */
	ns_shard_figures_t f;
	ns_shardset_figures(s, &f);
	assert_int_equal(f.down, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(listen(L.fd[i], 4), 0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, acceptor, NULL), 0);
	assert_int_equal(ns_shardset_probe_down(s), N);
	pthread_join(t, NULL);
	assert_int_equal(L.most, N);
	ns_shardset_free(s);
	for (int i = 0; i < N; i++)
		free(specs[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_down_then_back),
		cmocka_unit_test(test_probes_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
