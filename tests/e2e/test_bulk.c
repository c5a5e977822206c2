/* test_bulk.c - a bulk load on several writers, against the real
 * nsearchd: a cold start on two writers answers exactly as one writer
 * does, searches and waits see the shards before they are merged, a
 * file changed during the load ends with its last content, a kill -9 in
 * the middle leaves nothing behind and loses nothing, and a bulk load
 * into a non-empty index is followed by a compaction of its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/stat.h>

#include "harness.h"

static const char *const words[] = {
	"harbour",  "council", "election", "budget", "river",  "museum",
	"festival", "railway", "hospital", "school", "bridge", "market",
};
static const char *const sections[] = { "news", "sport", "culture", "business",
	                                "opinion" };

static unsigned rng_state;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

/* Article I in its folder: "storyline", some of the words (each about
 * one article in five, a few times), and its unique word "zqI". */
static void put_article(unsigned i, const char *extra)
{
	char rel[64], title[64], body[1024];
	size_t len = 0;
	snprintf(rel, sizeof rel, "d%u/a%u.json", i % 9, i);
	snprintf(title, sizeof title, "Storyline %u", i);
	len += (size_t)snprintf(body + len, sizeof body - len,
	                        "storyline zq%u %s", i, extra ? extra : "");
	for (size_t w = 0; w < sizeof words / sizeof *words; w++)
		for (unsigned k = rnd(5) == 0 ? 1 + rnd(4) : 0; k > 0; k--)
			len += (size_t)snprintf(body + len, sizeof body - len,
			                        " %s filler%u", words[w],
			                        rnd(40));
	put_json_article(rel, title, body, sections[rnd(5)]);
}

static void make_tree(unsigned n)
{
	rng_state = 7;
	for (unsigned i = 0; i < n; i++)
		put_article(i, NULL);
}

/* Status's KEY; -1 while the daemon does not answer yet. */
static json_int_t status_or(const char *key)
{
	json_t *st = status();
	json_int_t v = st ? json_integer_value(json_object_get(st, key)) : -1;
	json_decref(st);
	return v;
}

static json_int_t status_int(const char *key)
{
	json_int_t v = status_or(key);
	assert_true(v >= 0);
	return v;
}

/* Poll status until KEY is at least N; fail after 60 s. */
static void wait_status(const char *key, json_int_t n)
{
	for (int i = 0; i < 3000; i++) {
		if (status_int(key) >= n)
			return;
		sleep_ms(20);
	}
	fail_msg("status %s never reached %lld", key, (long long)n);
}

/* The shards in the index's directory (bulk.N). */
static unsigned shards_on_disk(void)
{
	DIR *d = opendir(e2e_index());
	assert_non_null(d);
	unsigned n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (strncmp(e->d_name, "bulk.", 5) == 0)
			n++;
	closedir(d);
	return n;
}

static long long index_bytes(void)
{
	DIR *d = opendir(e2e_index());
	assert_non_null(d);
	long long n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		char *p = NULL;
		struct stat st;
		assert_true(asprintf(&p, "%s/%s", e2e_index(), e->d_name) > 0);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
			n += st.st_size;
		free(p);
	}
	closedir(d);
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What a search for Q answers, as text: the total, the facets, and the
 * hits (path and score) ordered by score, ties by path (documents with
 * the same score come in the order of their ids, which a merge of shards
 * renumbers); the hits only when the page holds them all. */
static char *answer(const char *q)
{
	json_t *r = request("{s:s, s:s, s:b, s:b, s:i, s:[s,s], s:[s]}", "op",
	                    "search", "q", q, "autocorrect", 0, "collapse", 0,
	                    "limit", 100, "fields", "path", "score", "facets",
	                    "section");
	assert_true(json_is_true(json_object_get(r, "ok")));
	json_int_t total = json_integer_value(json_object_get(r, "total"));
	json_t *hits = json_object_get(r, "hits");
	size_t n = json_array_size(hits);
	char **lines = calloc(n + 1, sizeof *lines);
	for (size_t i = 0; i < n && total <= 100; i++) {
		json_t *h = json_array_get(hits, i);
		assert_true(asprintf(&lines[i], "%012.4f %s",
		                     1e6 - json_real_value(
		                                   json_object_get(h, "score")),
		                     json_string_value(
		                             json_object_get(h, "path"))) > 0);
	}
	if (total <= 100)
		qsort(lines, n, sizeof *lines, cmp_str);
	char *facets = json_dumps(json_object_get(r, "facets"), JSON_SORT_KEYS);
	ns_buf_t b = { 0 };
	ns_buf_printf(&b, "%s: total %lld, facets %s\n", q, (long long)total,
	              facets);
	for (size_t i = 0; i < n && lines[i]; i++)
		ns_buf_printf(&b, "  %s\n", lines[i]);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	free(facets);
	json_decref(r);
	return b.data;
}

static const char *const queries[] = {
	"harbour",
	"council budget",
	"river OR museum",
	"festival -railway",
	"\"hospital filler3\"",
	"storyline",
	"zq17",
	"school bridge market",
};

/* Every query's answer, and the counts of status that say what was
 * indexed, as one text. */
static char *snapshot(void)
{
	ns_buf_t b = { 0 };
	for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
		char *a = answer(queries[i]);
		ns_buf_printf(&b, "%s", a);
		free(a);
	}
	static const char *const keys[] = { "documents", "indexed", "failed",
		                            "removed",   "skipped", "partial" };
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		ns_buf_printf(&b, "%s %lld\n", keys[i],
		              (long long)status_int(keys[i]));
	return b.data;
}

static const char *const one_writer[] = { "--bulk-writers", "1",
	                                  "--auto-compact", "0", NULL };
static const char *const two_writers[] = { "--bulk-writers", "2",
	                                   "--auto-compact", "0", NULL };

static void test_two_writers_answer_as_one(void **state)
{
	(void)state;
	make_tree(450);
	start_daemon_with(one_writer);
	char *one = snapshot();
	assert_int_equal(status_int("compactions"), 0);
	assert_int_equal(stop_daemon(), 0);
	ns_remove_dir(e2e_index());

	start_daemon_with(two_writers);
	/* Ready: every article searchable, from the shards or merged. */
	assert_int_equal(status_int("documents"), 450);
	json_t *r = search("storyline");
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 450);
	json_decref(r);
	wait_status("compactions", 1); /* the merge */
	assert_int_equal(shards_on_disk(), 0);
	/* Everything the shards took is in the merged index: nothing is
	 * left to write again (status said 1 here, and a stop warned of a
	 * change "not written", after a load that lost none). */
	json_t *st = status();
	assert_int_equal(json_integer_value(json_object_get(
	                         json_object_get(st, "index"), "unwritten")),
	                 0);
	json_decref(st);
	char *two = snapshot();
	assert_string_equal(two, one);
	free(one);
	free(two);
}

/* A wait right after the start covers the start's scan: searchable
 * when it returns, whether the shards are merged yet or not. */
static void test_wait_covers_the_cold_start(void **state)
{
	(void)state;
	make_tree(600);
	spawn_daemon(two_writers);
	wait_ready();
	json_decref(wait_for(NULL));
	json_t *r = search("storyline");
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 600);
	json_decref(r);
	wait_status("compactions", 1);
	r = search("storyline");
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 600);
	json_decref(r);
}

/* A file written again and again while the load runs ends with its last
 * content: all its writes went to one shard, in order. */
static void test_last_write_wins(void **state)
{
	(void)state;
	make_tree(800);
	spawn_daemon(two_writers);
	for (int v = 1; v <= 6; v++) {
		char body[64];
		snprintf(body, sizeof body, "version zzhot%c", 'a' + v);
		put_json_article("hot/article.json", "Hot", body, "news");
		sleep_ms(30);
	}
	wait_ready();
	json_decref(wait_for("hot/article.json"));
	for (int v = 1; v <= 6; v++) {
		char q[16];
		snprintf(q, sizeof q, "zzhot%c", 'a' + v);
		json_t *r = search(q);
		assert_int_equal(nhits(r), v == 6);
		json_decref(r);
	}
	wait_status("compactions", 1);
	json_t *r = search("zzhotg");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
	r = search("zzhotf");
	assert_int_equal(nhits(r), 0);
	json_decref(r);
}

/* kill -9 while the shards are being written: the next start removes
 * them and reads their files again; nothing is lost. */
static void test_kill9_in_the_middle(void **state)
{
	(void)state;
	make_tree(2500);
	static const char *const small_batches[] = { "--bulk-writers", "2",
		                                     "--batch", "100", NULL };
	spawn_daemon(small_batches);
	/* Until the shards hold part of the load, not all of it. */
	for (int i = 0; i < 3000 && status_or("documents") < 300; i++)
		sleep_ms(5);
	assert_true(status_int("documents") < 2500);
	assert_int_equal(shards_on_disk(), 2);
	kill_daemon();
	assert_int_equal(shards_on_disk(), 2);

	start_daemon_with(two_writers);
	assert_int_equal(status_int("documents"), 2500);
	wait_status("compactions", 1);
	assert_int_equal(shards_on_disk(), 0);
	json_t *r = search("storyline");
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 2500);
	json_decref(r);
	for (unsigned i = 0; i < 2500; i += 97) {
		char q[16];
		snprintf(q, sizeof q, "zq%u", i);
		r = search(q);
		assert_int_equal(nhits(r), 1);
		json_decref(r);
	}
}

/* A bulk load into an index that is not empty (one writer, then) is
 * followed by a compaction once the queue is quiet: smaller, and the
 * same answers. */
static void test_compaction_after_a_bulk_load(void **state)
{
	(void)state;
	rng_state = 7;
	for (unsigned i = 0; i < 40; i++)
		put_article(i, NULL);
	static const char *const opts[] = { "--bulk-writers", "1",
		                            "--auto-compact", "100", NULL };
	start_daemon_with(opts);
	sleep_ms(1500); /* quiet: 40 changes are not enough */
	assert_int_equal(status_int("compactions"), 0);
	for (unsigned i = 40; i < 400; i++)
		put_article(i, "added later");
	json_decref(wait_for(NULL));
	/* The compaction waits for a quiet second: not yet. */
	long long bytes = index_bytes();
	assert_int_equal(status_int("compactions"), 0);
	assert_int_equal(status_int("documents"), 400);
	char *before = snapshot();
	wait_status("compactions", 1);
	/* Nothing queued meanwhile: the same answers from a smaller index. */
	char *after = snapshot();
	assert_string_equal(after, before);
	assert_true(index_bytes() < bytes);
	free(before);
	free(after);
}

/* A batch is full once its articles hold 2 MiB of text, however many
 * changes `batch` allows: three long articles of 0.9 MB each are
 * committed together, long before the minute the commit delay would
 * wait for. */
static void test_batch_full_by_text(void **state)
{
	(void)state;
	make_tree(20);
	static const char *const lazy[] = {
		"--batch", "1000000",        "--commit-delay",
		"60000",   "--auto-compact", "0",
		NULL
	};
	start_daemon_with(lazy);
	size_t size = 900 * 1000;
	char *body = malloc(size + 32);
	assert_non_null(body);
	for (int a = 0; a < 3; a++) {
		size_t len = 0;
		for (unsigned w = 0; len + 16 < size; w++)
			len += (size_t)snprintf(body + len, size + 32 - len,
			                        "tidewater%d w%u ", a, w % 997);
		char rel[32];
		snprintf(rel, sizeof rel, "big/%d.json", a);
		put_json_article(rel, "Long read", body, "news");
	}
	free(body);
	json_int_t total = 0;
	for (int i = 0; i < 400 && total < 3; i++) {
		sleep_ms(50);
		json_t *r = search("tidewater0 OR tidewater1 OR tidewater2");
		total = json_integer_value(json_object_get(r, "total"));
		json_decref(r);
	}
	assert_int_equal(total, 3);
}

static int setup(void **state)
{
	(void)state;
	return e2e_make_dirs();
}

static int teardown(void **state)
{
	(void)state;
	return e2e_teardown();
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_writers_answer_as_one,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_covers_the_cold_start,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_write_wins, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_kill9_in_the_middle, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(
		        test_compaction_after_a_bulk_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_full_by_text, setup,
		                                teardown),
	};
	return cmocka_run_group_tests_name("bulk", tests, NULL, NULL);
}
