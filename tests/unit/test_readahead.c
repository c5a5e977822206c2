/* test_readahead.c - the readers-ahead on their own: files handed over
 * come back in the order they were handed over however long each takes
 * to read, the writer waits for them only when asked or when the window
 * is full, and stopping joins every thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The readers-ahead deal in the writer's struct prep. */
#include "daemon/index_impl.h"

struct reads {
	pthread_mutex_t mu;
	pthread_cond_t open;
	bool gate_open;        /* the file named "gated" waits for it */
	unsigned count;        /* files read */
};

static void sleep_ms(unsigned ms)
{
	nanosleep(&(struct timespec){ms / 1000, (long)(ms % 1000) * 1000000L},
	          NULL);
}

/* Stands for the writer's prep_read: the first files take longest, so
 * that later ones are read first; "gated" waits for the gate. */
static void fake_read(void *ctx, struct prep *p)
{
	struct reads *r = ctx;
	if (strcmp(p->path, "gated") == 0) {
		pthread_mutex_lock(&r->mu);
		while (!r->gate_open)
			pthread_cond_wait(&r->open, &r->mu);
		pthread_mutex_unlock(&r->mu);
	} else {
		int n = atoi(p->path);
		if (n < 8)
			sleep_ms((unsigned)(8 - n) * 5);
	}
	p->kind = PREP_SAME;
	snprintf(p->why, sizeof p->why, "read %s", p->path);
	pthread_mutex_lock(&r->mu);
	r->count++;
	pthread_mutex_unlock(&r->mu);
}

static struct prep *prep_named(const char *name)
{
	struct prep *p = calloc(1, sizeof *p + strlen(name) + 1);
	assert_non_null(p);
	strcpy(p->path, name);
	p->kind = PREP_FAILED; /* until read */
	return p;
}

static void open_gate(struct reads *r)
{
	pthread_mutex_lock(&r->mu);
	r->gate_open = true;
	pthread_cond_broadcast(&r->open);
	pthread_mutex_unlock(&r->mu);
}

static void *open_gate_later(void *arg)
{
	sleep_ms(50);
	open_gate(arg);
	return NULL;
}

static struct reads *reads_new(void)
{
	struct reads *r = calloc(1, sizeof *r);
	assert_non_null(r);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->open, NULL);
	return r;
}

static void reads_free(struct reads *r)
{
	pthread_cond_destroy(&r->open);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static void test_stop_accepts_null(void **state)
{
	readahead_stop(NULL);
	struct reads *r = reads_new();
	readahead_t *ra = NULL;
	assert_int_equal(readahead_start(fake_read, r, &ra), NS_OK);
	assert_non_null(ra);
	assert_int_equal(readahead_inflight(ra), 0);
	assert_null(readahead_take(ra, true)); /* nothing handed over */
	readahead_stop(ra);
	reads_free(r);
}

/* Two hundred files, the first ones slowest: every one comes back read,
 * in the order handed over. */
static void test_back_in_order(void **state)
{
	struct reads *r = reads_new();
	readahead_t *ra = NULL;
	assert_int_equal(readahead_start(fake_read, r, &ra), NS_OK);
	unsigned taken = 0;
	for (unsigned i = 0; i < 200; i++) {
		char name[16];
		snprintf(name, sizeof name, "%u", i);
		readahead_submit(ra, prep_named(name));
		/* As the writer does: take what is read, waiting only when
		 * the window is full. */
		for (struct prep *p; (p = readahead_take(ra, false)); taken++) {
			assert_int_equal(atoi(p->path), taken);
			assert_int_equal(p->kind, PREP_SAME);
			free(p);
		}
		assert_true(readahead_inflight(ra) <= READAHEAD_WINDOW);
	}
	for (struct prep *p; (p = readahead_take(ra, true)); taken++) {
		char want[32];
		snprintf(want, sizeof want, "read %u", taken);
		assert_string_equal(p->why, want);
		free(p);
	}
	assert_int_equal(taken, 200);
	assert_int_equal(readahead_inflight(ra), 0);
	pthread_mutex_lock(&r->mu);
	assert_int_equal(r->count, 200);
	pthread_mutex_unlock(&r->mu);
	readahead_stop(ra);
	reads_free(r);
}

/* A file still being read holds back the ones after it, read or not:
 * without ALL the writer gets nothing and goes on; with ALL it waits. */
static void test_first_holds_back_the_rest(void **state)
{
	struct reads *r = reads_new();
	readahead_t *ra = NULL;
	assert_int_equal(readahead_start(fake_read, r, &ra), NS_OK);
	readahead_submit(ra, prep_named("gated"));
	readahead_submit(ra, prep_named("9"));
	assert_null(readahead_take(ra, false));
	assert_int_equal(readahead_inflight(ra), 2);

	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, open_gate_later, r), 0);
	struct prep *p = readahead_take(ra, true);
	assert_non_null(p);
	assert_string_equal(p->path, "gated");
	assert_string_equal(p->why, "read gated");
	free(p);
	p = readahead_take(ra, true);
	assert_non_null(p);
	assert_string_equal(p->path, "9");
	free(p);
	assert_null(readahead_take(ra, true));
	pthread_join(t, NULL);
	readahead_stop(ra);
	reads_free(r);
}

/* With the window full the writer waits for the first file even without
 * ALL, rather than run further ahead. */
static void test_full_window_waits(void **state)
{
	struct reads *r = reads_new();
	readahead_t *ra = NULL;
	assert_int_equal(readahead_start(fake_read, r, &ra), NS_OK);
	readahead_submit(ra, prep_named("gated"));
	for (unsigned i = 1; i < READAHEAD_WINDOW; i++)
		readahead_submit(ra, prep_named("9"));
	assert_int_equal(readahead_inflight(ra), READAHEAD_WINDOW);

	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, open_gate_later, r), 0);
	struct prep *p = readahead_take(ra, false);
	assert_non_null(p);
	assert_string_equal(p->path, "gated");
	free(p);
	pthread_join(t, NULL);
	/* Below the window again: what is read comes back, then the rest
	 * once asked for all. */
	unsigned n = 1;
	for (; (p = readahead_take(ra, true)); n++)
		free(p);
	assert_int_equal(n, READAHEAD_WINDOW);
	readahead_stop(ra);
	reads_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_accepts_null),
		cmocka_unit_test(test_back_in_order),
		cmocka_unit_test(test_first_holds_back_the_rest),
		cmocka_unit_test(test_full_window_waits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
