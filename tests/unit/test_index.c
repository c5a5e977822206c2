/* test_index.c - the writer thread and the readers together, without the
 * daemon: files queued by path are read, parsed, written with the schema's
 * weights and fields, committed, and found by the searcher. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <time.h>

#include "daemon/jobq.h"
#include "daemon/index.h"
#include "daemon/index_impl.h"
#include "core/proto.h"
#include "daemon/query.h"
#include "daemon/schema.h"
#include "nsx.h"
#include "testutil.h"

struct fixture {
	char *dir, *tree, *db;
	ns_indexer_t *ix;
	ns_searcher_t *s;
};

static void write_article(struct fixture *f, const char *rel, const char *text)
{
	char *path = NULL;
	assert_true(asprintf(&path, "%s/%s", f->tree, rel) > 0);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	mkdir(path, 0755);
	*slash = '/';
	assert_int_equal(write_file(path, text, strlen(text)), 0);
	free(path);
}

/* Wait (bounded) until barrier SEQ has passed. */
static void wait_barrier(ns_indexer_t *ix, uint64_t seq)
{
	for (int i = 0; i < 2000; i++) {
		if (ns_indexer_barrier_passed(ix, seq))
			return;
		nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
	}
	fail_msg("the writer did not reach the barrier within 10 s");
}

/* Queue a barrier and wait (bounded) until the writer has passed it. */
static void sync_writer(ns_indexer_t *ix)
{
	uint64_t seq = 0;
	assert_int_equal(ns_indexer_barrier(ix, &seq), NS_OK);
	wait_barrier(ix, seq);
}

static unsigned bulk_writers; /* for the next start_indexer */

static int start_indexer(struct fixture *f)
{
	ns_indexer_opts_t o = { .index_dir = f->db,
		                .articles_dir = f->tree,
		                .bulk_writers = bulk_writers };
	char *err = NULL;
	if (ns_indexer_start(&o, &f->ix, &err) != NS_OK) {
		fprintf(stderr, "indexer: %s\n", err);
		free(err);
		return -1;
	}
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->dir = make_temp_dir();
	if (asprintf(&f->tree, "%s/articles", f->dir) < 0 ||
	    asprintf(&f->db, "%s/index", f->dir) < 0 || mkdir(f->tree, 0755) < 0)
		return -1;
	if (start_indexer(f) < 0)
		return -1;
	if (ns_searcher_new(f->db, &f->s) != NS_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	ns_searcher_free(f->s);
	ns_indexer_stop(f->ix);
	rm_tree(f->dir);
	free(f->dir);
	free(f->tree);
	free(f->db);
	free(f);
	return 0;
}

static ns_result_t *search(struct fixture *f, const char *q)
{
	ns_search_req_t req = {.q = q, .limit = 10, .hl_start = "[", .hl_end = "]"};
	ns_result_t *res = NULL;
	char *err = NULL;
	ns_status_t st = ns_searcher_search(f->s, &req, &res, &err);
	if (st != NS_OK)
		fail_msg("search '%s': %s", q, err ? err : ns_status_str(st));
	return res;
}

static const char *page_b =
	" date 2024-11-02 Skip to content\n"
	"Business, Trade\n"
	"Edit post\n\n"
	"Machinery exports rise for a third month\n\n"
	"by Pavel Novak November 2, 2024 3:30 PM 2 min read\n"
	"Orders from abroad grew by six percent.\n\n"
	"Analysts linked the rise to lower tariffs, a point Varga also made in a "
	"speech in the spring.\n"
	"Authors: Pavel Novak\n";

static void test_index_and_find(void **state)
{
	struct fixture *f = *state;
	size_t len;
	char *page_a = read_fixture("varga-talks.txt", &len);
	assert_non_null(page_a);
	write_article(f, "world/varga.txt", page_a);
	free(page_a);
	write_article(f, "business/exports.txt", page_b);
	assert_int_equal(ns_indexer_put(f->ix, "world/varga.txt"), NS_OK);
	assert_int_equal(ns_indexer_put(f->ix, "business/exports.txt"), NS_OK);
	sync_writer(f->ix);

	ns_indexer_stats_t st;
	ns_indexer_stats(f->ix, &st);
	assert_int_equal(st.documents, 2);
	assert_int_equal(st.indexed, 2);
	assert_int_equal(st.queued, 0);
	assert_true(st.revision >= 1);

	/* In the title of one, the body of the other: the title ranks first. */
	ns_result_t *res = search(f, "varga");
	assert_int_equal(res->nhits, 2);
	assert_string_equal(res->hits[0].path, "world/varga.txt");
	assert_string_equal(res->hits[1].path, "business/exports.txt");
	assert_true(res->hits[0].score > res->hits[1].score);
	assert_int_equal(res->hits[0].rank, 1);
	assert_string_equal(res->hits[0].title, "Varga lands in Beijing for trade talks");
	assert_string_equal(res->hits[0].date, "2025-03-14");
	assert_string_equal(res->hits[0].section, "World");
	assert_string_equal(res->hits[0].tags.v[1], "Anselm Varga");
	assert_string_equal(res->hits[0].authors.v[0], "Lena Hoffmann");
	assert_non_null(strstr(res->hits[1].snippet, "a point [Varga] also made"));
	assert_int_equal(res->revision, st.revision);
	ns_result_free(res);

	/* Fields: title:, author:, tag:, section: */
	res = search(f, "title:machinery");
	assert_int_equal(res->nhits, 1);
	assert_string_equal(res->hits[0].path, "business/exports.txt");
	ns_result_free(res);
	res = search(f, "author:hoffmann");
	assert_int_equal(res->nhits, 1);
	assert_string_equal(res->hits[0].path, "world/varga.txt");
	ns_result_free(res);
	res = search(f, "author:novak");
	assert_int_equal(res->nhits, 2);
	ns_result_free(res);
	res = search(f, "tag:\"Anselm Varga\"");
	assert_int_equal(res->nhits, 1);
	assert_string_equal(res->hits[0].path, "world/varga.txt");
	/* A filter-only query has no word to show: the lead, not a guess. */
	assert_ptr_equal(strstr(res->hits[0].snippet, "The envoy's visit"),
	                 res->hits[0].snippet);
	ns_result_free(res);
	res = search(f, "section:business tariffs");
	assert_int_equal(res->nhits, 1);
	assert_string_equal(res->hits[0].path, "business/exports.txt");
	ns_result_free(res);
	/* A phrase does not match across the title and the standfirst. */
	res = search(f, "\"trade talks the envoy's\"");
	assert_int_equal(res->nhits, 0);
	ns_result_free(res);
}

/* The search of the request LINE (the protocol's), as the server asks
 * for it: the hits' fields as its "fields" say. */
static ns_result_t *search_line(struct fixture *f, const char *line)
{
	ns_request_t r;
	ns_proto_err_t err;
	if (!ns_proto_decode(line, strlen(line), &r, &err))
		fail_msg("%s: %s", line, err.message);
	ns_search_req_t req = ns_search_req_of(&r);
	ns_result_t *res = NULL;
	char *msg = NULL;
	ns_status_t st = ns_searcher_search(f->s, &req, &res, &msg);
	if (st != NS_OK)
		fail_msg("%s: %s", line, msg ? msg : ns_status_str(st));
	ns_request_clear(&r);
	return res;
}

static void test_fields_left_out_are_not_made(void **state)
{
	struct fixture *f = *state;
	write_article(f, "a.txt", "Lighthouse keepers\n\nThe lighthouse "
	              "stays lit all winter.\n");
	assert_int_equal(ns_indexer_put(f->ix, "a.txt"), NS_OK);
	sync_writer(f->ix);

	/* By default a hit has its snippet, not its body. */
	ns_result_t *res = search_line(f, "{\"op\":\"search\",\"q\":\"winter\"}");
	assert_int_equal(res->nhits, 1);
	assert_non_null(strstr(res->hits[0].snippet, "<b>winter</b>"));
	assert_null(res->hits[0].body);
	ns_result_free(res);
	/* Left out of "fields", the snippet is never cut. */
	res = search_line(f, "{\"op\":\"search\",\"q\":\"winter\","
	                     "\"fields\":[\"title\"]}");
	assert_int_equal(res->nhits, 1);
	assert_string_equal(res->hits[0].title, "Lighthouse keepers");
	assert_null(res->hits[0].snippet);
	assert_null(res->hits[0].body);
	ns_result_free(res);
	/* Asked for, the body comes with the snippet or without it. */
	res = search_line(f, "{\"op\":\"search\",\"q\":\"winter\","
	                     "\"fields\":[\"body\"]}");
	assert_string_equal(res->hits[0].body, "The lighthouse stays lit all "
	                                       "winter.");
	assert_null(res->hits[0].snippet);
	ns_result_free(res);
	res = search_line(f, "{\"op\":\"search\",\"q\":\"winter\","
	                     "\"fields\":[\"body\",\"snippet\"]}");
	assert_non_null(res->hits[0].body);
	assert_non_null(strstr(res->hits[0].snippet, "<b>winter</b>"));
	ns_result_free(res);
}

/* The file value of the one document, its tag's layout made 4. */
static void old_meta(const char *value, size_t len, void *ctx)
{
	char **out = ctx;
	const char *colon = memchr(value, ':', len);
	assert_non_null(colon);
	assert_true(asprintf(out, "4%.*s", (int)(len - (size_t)(colon - value)),
	                     colon) > 0);
}

/* Write REL's document again as layout 4 did: the whole article one JSON
 * object, the body in it, and a tag that says 4. */
static void make_layout_4(struct fixture *f, const char *rel, const char *text)
{
	nsx_writer_t *w = NULL;
	assert_int_equal(nsx_writer_open(f->db, &w, NULL), NSX_OK);
	char *meta = NULL;
	assert_int_equal(nsx_writer_each_value(w, NS_SLOT_FILE, old_meta, &meta),
	                 NSX_OK);
	ns_article_t *a = NULL;
	assert_int_equal(ns_article_parse(text, strlen(text), rel, NULL, &a, NULL,
	                                  0), NS_OK);
	assert_int_equal(ns_article_from_path(a, rel), NS_OK);
	nsx_doc_t *doc = NULL;
	assert_int_equal(ns_index_build_doc(a, rel, &doc), NS_OK);
	json_t *o = ns_article_json(a, rel);
	char *data = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	assert_int_equal(nsx_doc_set_data(doc, data, strlen(data)), NSX_OK);
	assert_int_equal(nsx_doc_set_value(doc, NS_SLOT_FILE, meta, strlen(meta)),
	                 NSX_OK);
	char idterm[256];
	assert_int_equal(ns_index_idterm(rel, idterm, sizeof idterm), NS_OK);
	assert_int_equal(nsx_writer_replace(w, idterm, doc), NSX_OK);
	assert_int_equal(nsx_writer_commit(w), NSX_OK);
	nsx_writer_close(w);
	nsx_doc_free(doc);
	free(data);
	free(meta);
	ns_article_free(a);
}

/* Has the stored data of REL the body apart (layout 5)? */
static bool body_apart(struct fixture *f, const char *rel)
{
	nsx_reader_t *r = NULL;
	assert_int_equal(nsx_reader_open(f->db, &r, NULL), NSX_OK);
	char idterm[256], *data = NULL;
	size_t len = 0;
	assert_int_equal(ns_index_idterm(rel, idterm, sizeof idterm), NS_OK);
	assert_int_equal(nsx_reader_get(r, idterm, &data, &len), NSX_OK);
	bool apart = memchr(data, '\0', len) != NULL;
	free(data);
	nsx_reader_close(r);
	return apart;
}

static void test_old_layout_read_then_rebuilt(void **state)
{
	struct fixture *f = *state;
	const char *text = "Lighthouse keepers\n\nThe lighthouse stays lit "
	                   "all winter.\n";
	write_article(f, "a.txt", text);
	assert_int_equal(ns_indexer_put(f->ix, "a.txt"), NS_OK);
	sync_writer(f->ix);
	assert_true(body_apart(f, "a.txt"));
	ns_indexer_stop(f->ix);
	f->ix = NULL;
	make_layout_4(f, "a.txt", text);
	assert_false(body_apart(f, "a.txt"));

	/* Until it is rebuilt, the old document reads as it did. */
	ns_hit_t hit;
	assert_int_equal(ns_searcher_get(f->s, "a.txt", &hit, NULL, NULL), NS_OK);
	assert_string_equal(hit.title, "Lighthouse keepers");
	assert_string_equal(hit.body, "The lighthouse stays lit all winter.");
	ns_hit_clear(&hit);
	ns_result_t *res = search(f, "winter");
	assert_int_equal(res->nhits, 1);
	assert_non_null(strstr(res->hits[0].snippet, "all [winter]"));
	ns_result_free(res);

	/* The writer's next start reads the file again, whatever its stat
	 * says, and stores it in the new layout. */
	assert_int_equal(start_indexer(f), 0);
	assert_int_equal(ns_indexer_put_scanned(f->ix, "a.txt"), NS_OK);
	sync_writer(f->ix);
	ns_indexer_stats_t st;
	ns_indexer_stats(f->ix, &st);
	assert_int_equal(st.indexed, 1);
	assert_int_equal(st.same_content, 0);
	assert_true(body_apart(f, "a.txt"));
	assert_int_equal(ns_searcher_get(f->s, "a.txt", &hit, NULL, NULL), NS_OK);
	assert_string_equal(hit.body, "The lighthouse stays lit all winter.");
	ns_hit_clear(&hit);
}

static void test_update_remove_and_vanished(void **state)
{
	struct fixture *f = *state;
	write_article(f, "a.txt", "Lighthouse keepers\n\nThe lighthouse stays lit.\n");
	write_article(f, "dir/b.txt", "Ferry\n\nA ferry story.\n");
	write_article(f, "dir/c.txt", "Another ferry\n\nMore ferry news.\n");
	ns_indexer_put(f->ix, "a.txt");
	ns_indexer_put(f->ix, "dir/b.txt");
	ns_indexer_put(f->ix, "dir/c.txt");
	sync_writer(f->ix);
	ns_result_t *res = search(f, "ferry");
	assert_int_equal(res->nhits, 2);
	ns_result_free(res);

	/* A changed file replaces its document, never adds a second. */
	write_article(f, "a.txt", "Windmill millers\n\nThe windmill turns.\n");
	ns_indexer_put(f->ix, "a.txt");
	/* A path that is gone when its turn comes is removed. */
	char *gone = NULL;
	assert_true(asprintf(&gone, "%s/dir/b.txt", f->tree) > 0);
	unlink(gone);
	free(gone);
	ns_indexer_put(f->ix, "dir/b.txt");
	sync_writer(f->ix);
	res = search(f, "lighthouse");
	assert_int_equal(res->nhits, 0);
	ns_result_free(res);
	res = search(f, "windmill");
	assert_int_equal(res->nhits, 1);
	assert_string_equal(res->hits[0].title, "Windmill millers");
	ns_result_free(res);
	res = search(f, "ferry");
	assert_int_equal(res->nhits, 1);
	assert_string_equal(res->hits[0].path, "dir/c.txt");
	ns_result_free(res);

	ns_indexer_remove_tree(f->ix, "dir");
	ns_indexer_remove(f->ix, "a.txt");
	sync_writer(f->ix);
	ns_indexer_stats_t st;
	ns_indexer_stats(f->ix, &st);
	assert_int_equal(st.documents, 0);
}

static void test_unreadable_file_counted(void **state)
{
	struct fixture *f = *state;
	write_article(f, "binary.dat", "GIF89a");
	char *path = NULL;
	assert_true(asprintf(&path, "%s/binary.dat", f->tree) > 0);
	assert_int_equal(write_file(path, "GIF\0\0\x01", 6), 0);
	free(path);
	ns_indexer_put(f->ix, "binary.dat");
	sync_writer(f->ix);
	ns_indexer_stats_t st;
	ns_indexer_stats(f->ix, &st);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.documents, 0);
}

static void test_bad_query_and_idterm(void **state)
{
	struct fixture *f = *state;
	ns_search_req_t req = {.q = "tram AND", .limit = 10};
	ns_result_t *res = NULL;
	char *err = NULL;
	assert_int_equal(ns_searcher_search(f->s, &req, &res, &err), NS_ERR_BAD_QUERY);
	assert_null(res);
	assert_non_null(err);
	free(err);

	char buf[300], longpath[300];
	memset(longpath, 'p', sizeof longpath - 1);
	longpath[sizeof longpath - 1] = '\0';
	assert_int_equal(ns_index_idterm("world/a.txt", buf, sizeof buf), NS_OK);
	assert_string_equal(buf, "Qworld/a.txt");
	assert_int_equal(ns_index_idterm(longpath, buf, sizeof buf), NS_ERR_TOO_LARGE);
	assert_int_equal(ns_index_idterm("", buf, sizeof buf), NS_ERR_TOO_LARGE);
}

/* The path in a file value as the indexer writes it, spaces and all,
 * with sidecars or without: what a search over remote shards makes id
 * terms of. */
static void test_path_in_file_value(void **state)
{
	(void)state;
	ns_indexer_t ix = { 0 };
	meta_tag_make(&ix, "english", 0x2a);
	struct file_meta m = { .mtime_ns = -1, .size = 12, .side = 0x1f };
	for (int k = 0; k < 2; k++) {
		m.side = k ? NS_SIDECARS_NONE : 0x1f;
		char *v = meta_value(&ix, &m, "world/a b 1 2.md");
		assert_non_null(v);
		size_t len = 0;
		const char *p = ns_index_path_in_meta(v, strlen(v), &len);
		assert_non_null(p);
		assert_int_equal(len, strlen("world/a b 1 2.md"));
		assert_memory_equal(p, "world/a b 1 2.md", len);
		free(v);
	}
	size_t len = 0;
	assert_null(ns_index_path_in_meta("6:en:0:0 1 2 3", 14, &len));
	assert_null(ns_index_path_in_meta("", 0, &len));
}

static struct job *job(enum job_op op, const char *path)
{
	struct job *j = calloc(1, sizeof *j + strlen(path) + 1);
	j->op = op;
	strcpy(j->path, path);
	return j;
}

static void expect_pop(jobq_t *q, enum job_op op, const char *path)
{
	struct job *j = jobq_pop(q);
	assert_non_null(j);
	if (j->op != op || strcmp(j->path, path) != 0)
		fail_msg("popped %d %s, expected %d %s", j->op, j->path, op, path);
	free(j);
}

/* The writer's queue: directories served in turn, fences in order. */
/* Every way the start can fail says so and leaves nothing behind (the
 * sanitizer build checks the leaks): bad arguments, an articles directory
 * that is missing, an index that cannot be made.  A start after them
 * works. */
static void test_start_refused(void **state)
{
	char *dir = make_temp_dir(), *tree = NULL, *db = NULL, *blocked = NULL;
	assert_true(asprintf(&tree, "%s/articles", dir) > 0);
	assert_true(asprintf(&db, "%s/index", dir) > 0);
	assert_true(asprintf(&blocked, "%s/afile/index", dir) > 0);
	ns_indexer_t *ix = NULL;
	char *err = NULL;

	ns_indexer_opts_t o = {.index_dir = db, .articles_dir = tree};
	assert_int_equal(ns_indexer_start(NULL, &ix, &err), NS_ERR_INVALID);
	assert_int_equal(ns_indexer_start(&o, NULL, &err), NS_ERR_INVALID);
	assert_null(err);
	o.index_dir = NULL;
	assert_int_equal(ns_indexer_start(&o, &ix, &err), NS_ERR_INVALID);
	o.index_dir = db;

	/* No articles directory yet. */
	assert_int_equal(ns_indexer_start(&o, &ix, &err), NS_ERR_IO);
	assert_non_null(err);
	assert_null(ix);
	free(err);
	err = NULL;

	/* The index would be under a regular file. */
	assert_int_equal(mkdir(tree, 0755), 0);
	char *afile = NULL;
	assert_true(asprintf(&afile, "%s/afile", dir) > 0);
	assert_int_equal(write_file(afile, "x", 1), 0);
	o.index_dir = blocked;
	assert_int_equal(ns_indexer_start(&o, &ix, &err), NS_ERR_INDEX);
	assert_non_null(err);
	assert_null(ix);
	free(err);
	err = NULL;

	/* And with both in order it starts, and stops. */
	o.index_dir = db;
	assert_int_equal(ns_indexer_start(&o, &ix, &err), NS_OK);
	assert_null(err);
	sync_writer(ix);
	ns_indexer_stats_t st;
	ns_indexer_stats(ix, &st);
	assert_int_equal(st.documents, 0);
	ns_indexer_stop(ix);

	rm_tree(dir);
	free(afile);
	free(blocked);
	free(db);
	free(tree);
	free(dir);
}

static void test_queue_is_fair(void **state)
{
	jobq_t *q = jobq_new();
	for (int i = 0; i < 5; i++) {
		char p[32];
		snprintf(p, sizeof p, "bulk/f%d.txt", i);
		assert_true(jobq_push(q, job(JOB_PUT, p)));
	}
	assert_true(jobq_push(q, job(JOB_PUT, "desk/save.txt")));
	/* A repeat of a lane's last job is one piece of work. */
	assert_false(jobq_push(q, job(JOB_PUT, "desk/save.txt")));
	assert_true(jobq_push(q, job(JOB_REMOVE, "desk/old.txt")));
	/* The editor's save comes second, not sixth. */
	expect_pop(q, JOB_PUT, "bulk/f0.txt");
	expect_pop(q, JOB_PUT, "desk/save.txt");
	expect_pop(q, JOB_PUT, "bulk/f1.txt");
	expect_pop(q, JOB_REMOVE, "desk/old.txt");
	/* A fence waits for everything before it, and holds back what comes
	 * after it under its directory; other directories go on. */
	assert_true(jobq_push(q, job(JOB_REMOVE_TREE, "bulk")));
	assert_true(jobq_push(q, job(JOB_PUT, "bulk/f9.txt")));
	assert_true(jobq_push(q, job(JOB_PUT, "desk/after.txt")));
	const char *order[7];
	for (int i = 0; i < 6; i++) {
		struct job *j = jobq_pop(q);
		assert_non_null(j);
		order[i] = strdup(j->path);
		free(j);
	}
	order[6] = NULL;
	int at_tree = -1, at_f4 = -1, at_f9 = -1, at_desk = -1;
	for (int i = 0; i < 6; i++) {
		if (strcmp(order[i], "bulk") == 0) at_tree = i;
		if (strcmp(order[i], "bulk/f4.txt") == 0) at_f4 = i;
		if (strcmp(order[i], "bulk/f9.txt") == 0) at_f9 = i;
		if (strcmp(order[i], "desk/after.txt") == 0) at_desk = i;
	}
	assert_true(at_f4 < at_tree && at_tree < at_f9);
	assert_true(at_desk >= 0 && at_desk < at_tree); /* not held back */
	for (int i = 0; i < 6; i++)
		free((char *)order[i]);
	/* A barrier for everything holds back every directory. */
	assert_true(jobq_push(q, job(JOB_PUT, "a/1.txt")));
	assert_true(jobq_push(q, job(JOB_BARRIER, "")));
	assert_true(jobq_push(q, job(JOB_PUT, "b/2.txt")));
	expect_pop(q, JOB_PUT, "a/1.txt");
	expect_pop(q, JOB_BARRIER, "");
	expect_pop(q, JOB_PUT, "b/2.txt");
	/* A repeat across a fence is not merged away. */
	assert_true(jobq_push(q, job(JOB_PUT, "c/x.txt")));
	assert_true(jobq_push(q, job(JOB_REMOVE_TREE, "c")));
	assert_true(jobq_push(q, job(JOB_PUT, "c/x.txt")));
	expect_pop(q, JOB_PUT, "c/x.txt");
	expect_pop(q, JOB_REMOVE_TREE, "c");
	expect_pop(q, JOB_PUT, "c/x.txt");
	assert_null(jobq_pop(q));
	assert_true(jobq_push(q, job(JOB_PUT, "x.txt")));
	assert_int_equal(jobq_free(q), 1);
}

static size_t hits_for(struct fixture *f, const char *q)
{
	ns_result_t *res = search(f, q);
	size_t n = res->nhits;
	ns_result_free(res);
	return n;
}

static bool shard_exists(struct fixture *f, unsigned n)
{
	char *p = NULL;
	struct stat st;
	assert_true(asprintf(&p, "%s/bulk.%u", f->db, n) > 0);
	bool there = stat(p, &st) == 0;
	free(p);
	return there;
}

/* An empty index is built on two shards, searched beside it while they
 * are written (a path's barrier commits them), and merged by the first
 * barrier for everything with nothing queued behind it. */
static void test_bulk_on_shards(void **state)
{
	struct fixture *f = *state;
	char rel[32], text[96];
	for (int i = 0; i < 40; i++) {
		snprintf(rel, sizeof rel, "d%d/a%d.txt", i % 3, i);
		snprintf(text, sizeof text, "Ferry %d\n\nA ferry story zq%d.\n",
		         i, i);
		write_article(f, rel, text);
		ns_indexer_put(f->ix, rel);
	}
	uint64_t seq = 0;
	assert_int_equal(ns_indexer_barrier_path(f->ix, "d0/a0.txt", &seq),
	                 NS_OK);
	wait_barrier(f->ix, seq);
	/* Not merged: the shards hold them, and searches see them. */
	assert_true(shard_exists(f, 0) && shard_exists(f, 1));
	assert_int_equal(hits_for(f, "ferry"), 10);
	ns_result_t *res = search(f, "ferry");
	assert_int_equal(res->total, 40);
	ns_result_free(res);

	/* A path's writes stay in order; removals reach the shards. */
	write_article(f, "d1/a1.txt", "Windmill\n\nThe windmill turns.\n");
	ns_indexer_put(f->ix, "d1/a1.txt");
	write_article(f, "d1/a1.txt", "Lighthouse\n\nThe lighthouse stays.\n");
	ns_indexer_put(f->ix, "d1/a1.txt");
	ns_indexer_remove_tree(f->ix, "d2");
	assert_int_equal(ns_indexer_barrier_path(f->ix, "d1/a1.txt", &seq),
	                 NS_OK);
	wait_barrier(f->ix, seq);
	assert_int_equal(hits_for(f, "windmill"), 0);
	assert_int_equal(hits_for(f, "lighthouse"), 1);
	assert_int_equal(hits_for(f, "zq2"), 0);
	ns_indexer_stats_t st;
	ns_indexer_stats(f->ix, &st);
	assert_int_equal(st.documents, 27);
	assert_int_equal(st.compactions, 0);

	/* The load is over: merged into the index, the shards gone. */
	sync_writer(f->ix);
	ns_indexer_stats(f->ix, &st);
	assert_int_equal(st.compactions, 1);
	assert_int_equal(st.documents, 27);
	assert_false(shard_exists(f, 0) || shard_exists(f, 1));
	assert_int_equal(hits_for(f, "lighthouse"), 1);
	assert_int_equal(hits_for(f, "zq5"), 0);
	assert_int_equal(hits_for(f, "zq3"), 1);
	res = search(f, "ferry");
	assert_int_equal(res->total, 26);
	ns_result_free(res);
}

static int setup_bulk(void **state)
{
	bulk_writers = 2;
	int rc = setup(state);
	bulk_writers = 0;
	return rc;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_is_fair),
		cmocka_unit_test(test_path_in_file_value),
		cmocka_unit_test(test_start_refused),
		cmocka_unit_test_setup_teardown(test_index_and_find, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_bulk_on_shards, setup_bulk,
		                                teardown),
		cmocka_unit_test_setup_teardown(
		        test_fields_left_out_are_not_made, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_old_layout_read_then_rebuilt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_remove_and_vanished,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_file_counted,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_query_and_idterm,
		                                setup, teardown),
	};
	return cmocka_run_group_tests_name("index", tests, NULL, NULL);
}
