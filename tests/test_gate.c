/* test_gate.c - heavy searches never take every worker of libuv's pool:
 * a light work runs while heavy ones block, heavy ones over the limit
 * wait and run in order, and ns_request_is_heavy's guesses. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "nsearch/gate.h"
#include "nsearch/query.h"

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool released;
	unsigned running, most; /* heavy works on workers now, and at most */
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0, 0};

struct job {
	ns_gate_work_t w;
	int order;
	int *ended;       /* where the next job to end writes its order */
	bool done;
};

static void heavy_run(uv_work_t *req)
{
	pthread_mutex_lock(&pool.mu);
	if (++pool.running > pool.most)
		pool.most = pool.running;
	pthread_cond_broadcast(&pool.cv);
	while (!pool.released)
		pthread_cond_wait(&pool.cv, &pool.mu);
	pool.running--;
	pthread_mutex_unlock(&pool.mu);
}

static void light_run(uv_work_t *req)
{
}

static void job_done(uv_work_t *req, int status)
{
	struct job *j = req->data;
	assert_int_equal(status, 0);
	j->done = true;
}

static bool timed_out;

static void on_timeout(uv_timer_t *t)
{
	timed_out = true;
}

/* Run LOOP until *FLAG or 20 s. */
static void run_until(uv_loop_t *loop, bool *flag)
{
	uv_timer_t timer;
	uv_timer_init(loop, &timer);
	timed_out = false;
	uv_timer_start(&timer, on_timeout, 20000, 0);
	while (!*flag && !timed_out)
		uv_run(loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&timer, NULL);
	uv_run(loop, UV_RUN_NOWAIT);
	if (!*flag)
		fail_msg("not done within 20 s");
}

static void test_light_work_passes_heavy_ones(void **state)
{
	uv_loop_t loop;
	assert_int_equal(uv_loop_init(&loop), 0);
	ns_gate_t gate;
	ns_gate_init(&gate, &loop, ns_gate_default_heavy_max());
	assert_int_equal(gate.heavy_max, 3); /* UV_THREADPOOL_SIZE=4, below */

	enum { HEAVY = 6 };
	struct job heavy[HEAVY], light = {0};
	for (int i = 0; i < HEAVY; i++) {
		heavy[i] = (struct job){.order = i};
		heavy[i].w.work.data = &heavy[i];
		assert_int_equal(ns_gate_queue(&gate, &heavy[i].w, true, heavy_run,
		                               job_done), 0);
	}
	assert_int_equal(ns_gate_waiting(&gate), HEAVY - 3);
	light.w.work.data = &light;
	assert_int_equal(ns_gate_queue(&gate, &light.w, false, light_run,
	                               job_done), 0);
	/* Every heavy work still blocks: the light one ran beside them. */
	run_until(&loop, &light.done);
	for (int i = 0; i < HEAVY; i++)
		assert_false(heavy[i].done);
	assert_int_equal(ns_gate_waiting(&gate), HEAVY - 3);

	/* Three heavy works reach their workers (the fourth worker ran the
	 * light one), and no more. */
	pthread_mutex_lock(&pool.mu);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 20;
	while (pool.running < 3 &&
	       pthread_cond_timedwait(&pool.cv, &pool.mu, &until) == 0)
		;
	assert_int_equal(pool.running, 3);
	pool.released = true;
	pthread_cond_broadcast(&pool.cv);
	pthread_mutex_unlock(&pool.mu);
	run_until(&loop, &heavy[HEAVY - 1].done);
	for (int i = 0; i < HEAVY; i++)
		run_until(&loop, &heavy[i].done);
	assert_int_equal(pool.most, 3);
	assert_int_equal(gate.heavy_running, 0);
	assert_int_equal(ns_gate_waiting(&gate), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_what_is_heavy(void **state)
{
	static const struct {
		ns_op_t op;
		const char *q;
		unsigned facets;
		ns_sort_t sort;
		bool heavy;
	} cases[] = {
		{NS_OP_SEARCH, "orlov talks", 0, NS_SORT_RELEVANCE, false},
		{NS_OP_SEARCH, "", 0, NS_SORT_RELEVANCE, false},
		{NS_OP_SEARCH, "a b c d e f g h", 0, NS_SORT_RELEVANCE, false},
		{NS_OP_SEARCH, "a b c d e f g h i", 0, NS_SORT_RELEVANCE, true},
		{NS_OP_SEARCH, "\"grain corridor\"", 0, NS_SORT_RELEVANCE, true},
		{NS_OP_SEARCH, "steel NEAR tariff", 0, NS_SORT_RELEVANCE, true},
		{NS_OP_SEARCH, "steel NEAR/3 tariff", 0, NS_SORT_RELEVANCE, true},
		{NS_OP_SEARCH, "steel ADJ tariff", 0, NS_SORT_RELEVANCE, true},
		{NS_OP_SEARCH, "NEARBY ADJUSTMENTS", 0, NS_SORT_RELEVANCE, false},
		{NS_OP_SEARCH, "presiden*", 0, NS_SORT_RELEVANCE, true},
		{NS_OP_SEARCH, "orlov", 1, NS_SORT_RELEVANCE, true},
		{NS_OP_SEARCH, "", 0, NS_SORT_NEWEST, true},
		{NS_OP_SIMILAR, NULL, 0, NS_SORT_RELEVANCE, true},
		{NS_OP_GET, NULL, 0, NS_SORT_RELEVANCE, false},
		{NS_OP_STATS, NULL, 0, NS_SORT_RELEVANCE, false},
	};
	assert_false(ns_request_is_heavy(NULL));
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		ns_request_t r = {.op = cases[i].op, .q = (char *)cases[i].q,
		                  .facets = cases[i].facets, .sort = cases[i].sort};
		if (ns_request_is_heavy(&r) != cases[i].heavy)
			fail_msg("case %zu (%s): heavy is %d", i,
			         cases[i].q ? cases[i].q : "-", !cases[i].heavy);
	}
}

int main(void)
{
	/* Before libuv starts its pool, which reads it once. */
	setenv("UV_THREADPOOL_SIZE", "4", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_light_work_passes_heavy_ones),
		cmocka_unit_test(test_what_is_heavy),
	};
	return cmocka_run_group_tests_name("gate", tests, NULL, NULL);
}
