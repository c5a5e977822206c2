/* test_searchq.c - the query workers' queue: searches start in arrival
 * order, never more than the workers at once, and one client never gets
 * every worker, however many searches it queues. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "daemon/query.h"
#include "daemon/searchq.h"

enum { A = 1, B = 2, C = 3 };

static void test_one_worker(void **state)
{
	ns_searchq_t q;
	assert_true(ns_searchq_init(&q, 0)); /* taken as 1 */
	assert_int_equal(q.workers, 1);
	assert_int_equal(q.per_client, 1);
	assert_null(ns_searchq_next(&q));
	ns_searchq_item_t a1 = {.client = A}, a2 = {.client = A};
	ns_searchq_push(&q, &a1);
	ns_searchq_push(&q, &a2);
	assert_ptr_equal(ns_searchq_next(&q), &a1);
	assert_int_equal(a1.state, NS_SEARCHQ_RUNNING);
	assert_null(ns_searchq_next(&q));
	ns_searchq_remove(&q, &a1);
	assert_int_equal(a1.state, NS_SEARCHQ_IDLE);
	assert_ptr_equal(ns_searchq_next(&q), &a2);
	ns_searchq_remove(&q, &a2);
	ns_searchq_remove(&q, &a2); /* neither waiting nor running: nothing */
	assert_int_equal(q.running, 0);
	ns_searchq_free(&q);
}

/* Before the queue, a client with many connections could have every
 * worker: here A queues ten searches, and B's still gets a worker. */
static void test_one_client_never_has_every_worker(void **state)
{
	ns_searchq_t q;
	assert_true(ns_searchq_init(&q, 4));
	assert_int_equal(q.per_client, 3);
	ns_searchq_item_t a[10], b = {.client = B}, c = {.client = C};
	for (int i = 0; i < 10; i++) {
		a[i] = (ns_searchq_item_t){.client = A};
		ns_searchq_push(&q, &a[i]);
	}
	/* A alone: three start, the fourth worker stays free. */
	for (int i = 0; i < 3; i++)
		assert_ptr_equal(ns_searchq_next(&q), &a[i]);
	assert_null(ns_searchq_next(&q));
	/* B comes after all of A's, and starts at once. */
	ns_searchq_push(&q, &b);
	assert_ptr_equal(ns_searchq_next(&q), &b);
	assert_null(ns_searchq_next(&q));
	/* Every worker busy: C waits, even under its share. */
	ns_searchq_push(&q, &c);
	assert_null(ns_searchq_next(&q));
	/* One of A's ends: A's next, older than C's, takes its worker. */
	ns_searchq_remove(&q, &a[0]);
	assert_ptr_equal(ns_searchq_next(&q), &a[3]);
	assert_null(ns_searchq_next(&q));
	/* B's ends: A is at its share, so C, though later, goes first. */
	ns_searchq_remove(&q, &b);
	assert_ptr_equal(ns_searchq_next(&q), &c);
	assert_int_equal(q.running, 4);
	/* A connection that goes while its search waits leaves the queue. */
	ns_searchq_remove(&q, &a[4]);
	assert_int_equal(a[4].state, NS_SEARCHQ_IDLE);
	/* C's ends: A still has three running, and the worker stays free
	 * for anyone else... */
	ns_searchq_remove(&q, &c);
	assert_null(ns_searchq_next(&q));
	ns_searchq_push(&q, &b);
	assert_ptr_equal(ns_searchq_next(&q), &b);
	/* ...and A's next starts when one of A's ends. */
	ns_searchq_remove(&q, &a[1]);
	assert_ptr_equal(ns_searchq_next(&q), &a[5]);
	ns_searchq_free(&q);
}

/* Which clients run is remembered per client, not per slot: many
 * clients in turn reuse the few entries. */
static void test_many_clients_in_turn(void **state)
{
	ns_searchq_t q;
	assert_true(ns_searchq_init(&q, 2));
	assert_int_equal(q.per_client, 1);
	ns_searchq_item_t it[100];
	for (int i = 0; i < 100; i++) {
		it[i] = (ns_searchq_item_t){.client = (uint64_t)(i % 7)};
		ns_searchq_push(&q, &it[i]);
	}
	int started = 0;
	ns_searchq_item_t *running[2] = {NULL, NULL};
	while (started < 100) {
		for (int k = 0; k < 2; k++)
			if (!running[k] && (running[k] = ns_searchq_next(&q)))
				started++;
		/* Two clients run, never the same one twice. */
		assert_true(q.running <= 2);
		if (running[0] && running[1])
			assert_true(running[0]->client != running[1]->client);
		for (int k = 0; k < 2; k++)
			if (running[k]) {
				ns_searchq_remove(&q, running[k]);
				running[k] = NULL;
				break;
			}
	}
	assert_null(q.head);
	ns_searchq_free(&q);
}

/* Heavy searches (from any clients) hold all workers but one: a light
 * one queued after six heavy ones still starts at once, and the heavy
 * ones start in order as workers come free. */
static void test_light_passes_heavy_ones(void **state)
{
	ns_searchq_t q;
	assert_true(ns_searchq_init(&q, 4));
	assert_int_equal(q.heavy_max, 3);
	ns_searchq_item_t heavy[6], light = {.client = C};
	for (int i = 0; i < 6; i++) {
		/* Two clients, so that the per-client share is not what stops
		 * them. */
		heavy[i] = (ns_searchq_item_t){.client = i % 2 ? A : B,
		                               .heavy = true};
		ns_searchq_push(&q, &heavy[i]);
	}
	for (int i = 0; i < 3; i++)
		assert_ptr_equal(ns_searchq_next(&q), &heavy[i]);
	assert_null(ns_searchq_next(&q)); /* the fourth worker waits */
	ns_searchq_push(&q, &light);
	assert_ptr_equal(ns_searchq_next(&q), &light);
	assert_int_equal(q.heavy_running, 3);
	/* The light one ends: its worker is not for a heavy one. */
	ns_searchq_remove(&q, &light);
	assert_null(ns_searchq_next(&q));
	/* A heavy one ends: the next heavy one, in order, takes its place. */
	ns_searchq_remove(&q, &heavy[1]);
	assert_ptr_equal(ns_searchq_next(&q), &heavy[3]);
	for (int i = 0; i < 6; i++)
		if (i != 1 && heavy[i].state == NS_SEARCHQ_RUNNING)
			ns_searchq_remove(&q, &heavy[i]);
	assert_ptr_equal(ns_searchq_next(&q), &heavy[4]);
	assert_ptr_equal(ns_searchq_next(&q), &heavy[5]);
	ns_searchq_remove(&q, &heavy[4]);
	ns_searchq_remove(&q, &heavy[5]);
	assert_int_equal(q.running, 0);
	assert_int_equal(q.heavy_running, 0);
	ns_searchq_free(&q);
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
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_worker),
		cmocka_unit_test(test_one_client_never_has_every_worker),
		cmocka_unit_test(test_many_clients_in_turn),
		cmocka_unit_test(test_light_passes_heavy_ones),
		cmocka_unit_test(test_what_is_heavy),
	};
	return cmocka_run_group_tests_name("searchq", tests, NULL, NULL);
}
