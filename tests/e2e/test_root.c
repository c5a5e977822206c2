/* test_root.c - the articles directory itself deleted, renamed, swapped
 * for another or left behind by its parent, against the real nsearchd:
 * the daemon says so in status, goes on answering from the index, and
 * once a directory is at the path again the index equals its tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "svc.h"

/* Words without vowels or "s": no stemmer changes them. */
#define W_OLD_A "zqbcdf"   /* a/one.txt in the first tree */
#define W_OLD_B "zqbcdg"   /* b/two.txt in the first tree */
#define W_NEW_A "zqbcdh"   /* a/one.txt in the second tree */
#define W_NEW_C "zqbcdj"   /* c/three.txt in the second tree */
#define W_LIVE  "zqbcdk"   /* written once the second tree is watched */
#define W_STALE "zqbcdl"   /* written into the first tree after it left */

/* Write an article holding WORD at ROOT/REL, making its directories. */
static void put_at(const char *root, const char *rel, const char *word)
{
	char *path = NULL, *text = NULL;
	assert_true(asprintf(&path, "%s/%s", root, rel) > 0);
	for (char *s = strchr(path + strlen(root) + 1, '/'); s;
	     s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	assert_true(asprintf(&text, "Article %s\n\nThe body holds %s.\n", word,
	                     word) > 0);
	assert_int_equal(write_file(path, text, strlen(text)), 0);
	free(text);
	free(path);
}

/* The first tree, indexed. */
static void start_on_first_tree(void)
{
	put_at(e2e_tree(), "a/one.txt", W_OLD_A);
	put_at(e2e_tree(), "b/two.txt", W_OLD_B);
	start_daemon();
	json_decref(wait_hits(W_OLD_A, 1));
	json_decref(wait_hits(W_OLD_B, 1));
}

/* A second tree at DIR (not yet the articles directory). */
static void make_second_tree(const char *dir)
{
	assert_int_equal(mkdir(dir, 0755), 0);
	put_at(dir, "a/one.txt", W_NEW_A);
	put_at(dir, "c/three.txt", W_NEW_C);
}

static const char *dir_state(json_t *st, const char *key)
{
	return json_string_value(json_object_get(
		json_object_get(st, "articles_dir"), key));
}

/* Poll status until the articles directory is in STATE ("gone") or,
 * for "watched", the daemon is ready again with it; fail after 20 s.
 * The status reply (new reference). */
static json_t *wait_dir_state(const char *state)
{
	bool watched = strcmp(state, "watched") == 0;
	for (int i = 0; i < 2000; i++) {
		json_t *st = status();
		const char *now = st ? dir_state(st, "state") : NULL;
		if (now && strcmp(now, state) == 0 &&
		    (!watched || json_is_true(json_object_get(st, "ready"))))
			return st;
		json_decref(st);
		sleep_ms(10);
	}
	fail_msg("the articles directory was not said to be %s within 20 s",
	         state);
	return NULL;
}

/* The index holds the second tree and nothing of the first, and the new
 * tree is watched: a file written there now is found. */
static void assert_second_tree(void)
{
	json_decref(wait_for(NULL));
	assert_paths(search(W_NEW_A), "a/one.txt");
	assert_paths(search(W_NEW_C), "c/three.txt");
	assert_paths(search(W_OLD_A), "");
	assert_paths(search(W_OLD_B), "");
	json_t *st = status();
	assert_int_equal(json_integer_value(json_object_get(st, "documents")), 2);
	json_decref(st);
	put_file("d/four.txt", "Article " W_LIVE "\n\nThe body holds " W_LIVE
	         ".\n");
	json_t *w = wait_for("d/four.txt");
	assert_string_equal(json_string_value(json_object_get(w, "state")),
	                    "indexed");
	json_decref(w);
	assert_paths(search(W_LIVE), "d/four.txt");
}

static void test_deleted_then_recreated(void **state)
{
	start_on_first_tree();
	rm_tree(e2e_tree());
	json_t *st = wait_dir_state("gone");
	assert_false(json_is_true(json_object_get(st, "ready")));
	assert_non_null(strstr(dir_state(st, "reason"), "deleted"));
	assert_non_null(dir_state(st, "since"));
	json_decref(st);
	/* Still answering. */
	json_decref(search(W_OLD_A));

	make_second_tree(e2e_tree());
	json_decref(wait_dir_state("watched"));
	assert_second_tree();
}

static void test_renamed_away_then_replaced(void **state)
{
	start_on_first_tree();
	char *old = in_dir("articles.old"), *other = in_dir("other");
	make_second_tree(other);
	assert_int_equal(rename(e2e_tree(), old), 0);
	json_t *st = wait_dir_state("gone");
	assert_false(json_is_true(json_object_get(st, "ready")));
	assert_non_null(strstr(dir_state(st, "reason"), "renamed"));
	assert_int_equal(json_integer_value(json_object_get(st, "documents")), 2);
	json_decref(st);

	/* Searches are answered from the index as it was. */
	assert_paths(search(W_OLD_A), "a/one.txt");
	/* A wait on a path neither removes its article ... */
	json_t *w = wait_for("a/one.txt");
	assert_string_equal(json_string_value(json_object_get(w, "state")),
	                    "removed");
	json_decref(w);
	assert_paths(search(W_OLD_A), "a/one.txt");
	/* ... nor does a reindex, which is refused. */
	json_t *r = request("{s:s}", "op", "reindex");
	assert_false(json_is_true(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(r, "error"), "code")), "UNAVAILABLE");
	json_decref(r);
	int rc;
	char *out = run_cli("status", &rc);
	assert_non_null(strstr(out, "articles directory: GONE"));
	free(out);
	/* What happens in the old tree is not the articles' any more. */
	put_at(old, "b/two.txt", W_STALE);

	assert_int_equal(rename(other, e2e_tree()), 0);
	json_decref(wait_dir_state("watched"));
	assert_second_tree();
	assert_paths(search(W_STALE), "");
	free(old);
	free(other);
}

/* mv root root.old; mv other root: the daemon may see both at once. */
static void test_swapped_at_once(void **state)
{
	start_on_first_tree();
	char *old = in_dir("articles.old"), *other = in_dir("other");
	make_second_tree(other);
	assert_int_equal(rename(e2e_tree(), old), 0);
	assert_int_equal(rename(other, e2e_tree()), 0);
	/* Found only once the new tree is reconciled: then wait for ready. */
	json_decref(wait_hits(W_NEW_C, 1));
	json_decref(wait_dir_state("watched"));
	assert_second_tree();
	put_at(old, "b/two.txt", W_STALE);
	json_decref(wait_for(NULL));
	assert_paths(search(W_STALE), "");
	free(old);
	free(other);
}

/* The articles directory's parent renamed and another put in its place:
 * the root's own watch hears nothing, the path leads elsewhere. */
static void test_parent_swapped(void **state)
{
	char *parent = in_dir("p"), *parent_old = in_dir("p.old");
	char *parent_new = in_dir("p.new");
	assert_int_equal(mkdir(parent, 0755), 0);
	char *tree = NULL;
	assert_true(asprintf(&tree, "%s/articles", parent) > 0);
	e2e_set_tree(tree);
	free(tree);
	assert_int_equal(mkdir(e2e_tree(), 0755), 0);
	start_on_first_tree();

	char *second = NULL;
	assert_true(asprintf(&second, "%s/articles", parent_new) > 0);
	assert_int_equal(mkdir(parent_new, 0755), 0);
	make_second_tree(second);
	assert_int_equal(rename(parent, parent_old), 0);
	assert_int_equal(rename(parent_new, parent), 0);
	json_decref(wait_hits(W_NEW_C, 1));
	json_decref(wait_dir_state("watched"));
	assert_second_tree();
	free(second);
	free(parent);
	free(parent_old);
	free(parent_new);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		svc_test(test_deleted_then_recreated),
		svc_test(test_renamed_away_then_replaced),
		svc_test(test_swapped_at_once),
		svc_test(test_parent_swapped),
	};
	return cmocka_run_group_tests_name("root", tests, NULL, NULL);
}
