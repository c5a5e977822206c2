/* test_fresh.c - what is on disk is what search finds: every watching
 * rule, read-your-writes, restarts, kill -9, a torture run of random
 * changes, a real kernel queue overflow and a real watch limit (in a
 * user namespace of the daemon's own: the machine's limits are never
 * changed), against the real nsearchd.  Each test starts its own daemon
 * on its own tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>

#include "harness.h"
#include "userns.h"

/* ---- a model of the tree: path -> the unique word in its content ---- */

struct model {
	ns_strv_t paths;
	ns_strv_t words;     /* words[i] is in paths[i]'s current content */
	ns_strv_t gone;      /* words no file holds any more */
	unsigned next;
};

static struct model M;
static unsigned rng_state = 12345;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

static void model_clear(void)
{
	ns_strv_clear(&M.paths);
	ns_strv_clear(&M.words);
	ns_strv_clear(&M.gone);
	M.next = 0;
}

static long model_find(const char *path)
{
	for (size_t i = 0; i < M.paths.n; i++)
		if (strcmp(M.paths.v[i], path) == 0)
			return (long)i;
	return -1;
}

static void model_forget(size_t i)
{
	ns_strv_push(&M.gone, M.words.v[i], strlen(M.words.v[i]));
	free(M.paths.v[i]);
	free(M.words.v[i]);
	M.paths.v[i] = M.paths.v[M.paths.n - 1];
	M.words.v[i] = M.words.v[M.words.n - 1];
	M.paths.n--;
	M.words.n--;
}

/* A new unique word: "zq" and six consonants.  Without vowels, and
 * without "s", no stemmer has a suffix to strip, so two words never meet
 * in one stem (with vowels, "zqaaabe" and "zqaaabs" both stem to
 * "zqaaab"). */
static void new_word(char out[9])
{
	static const char letters[] = "bcdfghjklmnpqrtvwxz";
	unsigned n = M.next++;
	out[0] = 'z';
	out[1] = 'q';
	for (int i = 7; i >= 2; i--) {
		out[i] = letters[n % 19];
		n /= 19;
	}
	out[8] = '\0';
}

static char *abs_path(const char *rel)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", e2e_tree(), rel) > 0);
	return p;
}

/* Write REL with a fresh word (replacing the model's entry), directly or
 * through a temporary file renamed over it (an editor's atomic save). */
static void model_write(const char *rel, bool atomic)
{
	char word[9], text[160];
	new_word(word);
	snprintf(text, sizeof text, "Article %s\n\nThe body holds %s and ends.\n",
	         word, word);
	if (atomic) {
		char *tmp = NULL, *dst = abs_path(rel);
		const char *slash = strrchr(rel, '/');
		assert_true(asprintf(&tmp, "%s/%.*s%s.%s.tmp", e2e_tree(),
		                     slash ? (int)(slash - rel + 1) : 0, rel, "",
		                     slash ? slash + 1 : rel) > 0);
		assert_int_equal(write_file(tmp, text, strlen(text)), 0);
		assert_int_equal(rename(tmp, dst), 0);
		free(tmp);
		free(dst);
	} else {
		put_file(rel, text);
	}
	long i = model_find(rel);
	if (i >= 0) {
		ns_strv_push(&M.gone, M.words.v[i], strlen(M.words.v[i]));
		free(M.words.v[i]);
		M.words.v[i] = strdup(word);
	} else {
		ns_strv_push(&M.paths, rel, strlen(rel));
		ns_strv_push(&M.words, word, strlen(word));
	}
}

/* The index equals the model: every current word finds exactly its file,
 * no old word finds anything, and the index holds as many documents as
 * the tree holds files.  All on one pipelined connection. */
static void assert_index_is_tree(void)
{
	json_decref(wait_for(NULL));
	json_t *st = status();
	json_int_t docs = json_integer_value(json_object_get(st, "documents"));
	json_decref(st);
	struct client c;
	assert_true(client_open(&c));
	size_t nold = M.gone.n < 300 ? M.gone.n : 300;
	size_t total = M.words.n + nold;
	size_t sent = 0, got = 0;
	while (got < total) {
		/* Keep a window of requests in flight. */
		while (sent < total && sent - got < 64) {
			const char *w = sent < M.words.n ? M.words.v[sent]
			                                 : M.gone.v[M.gone.n - 1 - (sent - M.words.n)];
			char line[96];
			int n = snprintf(
			        line, sizeof line,
			        "{\"op\":\"search\",\"q\":\"%s\",\"limit\":3,"
			        "\"autocorrect\":false}\n",
			        w);
			client_send(&c, line, (size_t)n);
			sent++;
		}
		json_t *r = client_recv(&c);
		if (got < M.words.n) {
			if (nhits(r) != 1 || strcmp(hit_str(r, 0, "path"), M.paths.v[got]) != 0)
				fail_msg("%s: %zu hits (first %s), expected only %s",
				         M.words.v[got], nhits(r),
				         nhits(r) ? hit_str(r, 0, "path") : "-",
				         M.paths.v[got]);
		} else if (nhits(r) != 0) {
			fail_msg("old word %s still finds %s",
			         M.gone.v[M.gone.n - 1 - (got - M.words.n)],
			         hit_str(r, 0, "path"));
		}
		json_decref(r);
		got++;
	}
	client_close(&c);
	if (docs != (json_int_t)M.paths.n)
		fail_msg("%lld documents in the index, %zu files in the tree",
		         (long long)docs, M.paths.n);
}

/* ---- per-test daemon ---- */

static int setup(void **state)
{
	model_clear();
	return e2e_make_dirs();
}

static int teardown(void **state)
{
	model_clear();
	return e2e_teardown();
}

static const char *const fast_rescan[] = {"--rescan-interval", "1", NULL};

/* ---- the watching rules ---- */

static void test_read_your_writes(void **state)
{
	start_daemon();
	/* No polling: once wait answers, the new content is searchable. */
	for (int i = 0; i < 20; i++) {
		char rel[32];
		snprintf(rel, sizeof rel, "desk/a%d.txt", i);
		model_write(rel, false);
		json_t *w = wait_for(rel);
		assert_string_equal(json_string_value(json_object_get(w, "state")),
		                    "indexed");
		json_int_t rev = json_integer_value(json_object_get(w, "revision"));
		json_decref(w);
		json_t *r = search(M.words.v[M.words.n - 1]);
		assert_int_equal(nhits(r), 1);
		/* The search ran on that revision or a later one. */
		assert_true(json_integer_value(json_object_get(r, "revision")) >= rev);
		json_decref(r);
	}
	/* A deleted path can be waited for too. */
	remove_file("desk/a3.txt");
	json_t *w = wait_for("desk/a3.txt");
	assert_string_equal(json_string_value(json_object_get(w, "state")), "removed");
	json_decref(w);
	json_t *r = search(M.words.v[3]);
	assert_int_equal(nhits(r), 0);
	json_decref(r);
	model_forget(3);
	assert_index_is_tree();

	/* The same from a shell script, through nsearch-cli. */
	model_write("desk/cli.txt", false);
	int rc;
	char *out = run_cli("wait desk/cli.txt", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "indexed (revision "));
	free(out);
	out = run_cli("wait desk/.cli.txt.swp", &rc);
	assert_int_equal(rc, 2); /* an error: that name is never indexed */
	assert_non_null(strstr(out, "never indexed"));
	free(out);
	r = search(M.words.v[M.words.n - 1]);
	assert_int_equal(nhits(r), 1);
	json_decref(r);
}

static void test_renames_and_atomic_saves(void **state)
{
	start_daemon();
	model_write("news/one.txt", false);
	model_write("news/two.txt", false);
	assert_index_is_tree();

	/* An atomic save: exactly one document, with the new content. */
	model_write("news/one.txt", true);
	model_write("news/one.txt", true);
	assert_index_is_tree();

	/* A rename within the tree: one document, under the new path. */
	char *from = abs_path("news/two.txt"), *to = abs_path("news/deux.txt");
	assert_int_equal(rename(from, to), 0);
	free(from);
	free(to);
	long i = model_find("news/two.txt");
	free(M.paths.v[i]);
	M.paths.v[i] = strdup("news/deux.txt");
	assert_index_is_tree();

	/* Out of the tree: deleted; into it: added. */
	char *outside = NULL;
	assert_true(asprintf(&outside, "%s/outside.txt", e2e_dir()) > 0);
	from = abs_path("news/deux.txt");
	assert_int_equal(rename(from, outside), 0);
	model_forget((size_t)model_find("news/deux.txt"));
	assert_index_is_tree();
	assert_int_equal(rename(outside, from), 0);
	free(from);
	free(outside);
	/* Its content is the word forgotten above: take it back. */
	ns_strv_push(&M.paths, "news/deux.txt", 13);
	ns_strv_push(&M.words, M.gone.v[M.gone.n - 1], strlen(M.gone.v[M.gone.n - 1]));
	free(M.gone.v[--M.gone.n]);
	assert_index_is_tree();
}

static void test_directories_move(void **state)
{
	start_daemon();
	model_write("a/b/c/deep.txt", false);
	model_write("a/b/mid.txt", false);
	model_write("a/top.txt", false);
	assert_index_is_tree();
	/* Move a whole subtree within the tree, then out, then back in. */
	char *from = abs_path("a/b"), *to = abs_path("moved");
	assert_int_equal(rename(from, to), 0);
	for (size_t i = 0; i < M.paths.n; i++)
		if (strncmp(M.paths.v[i], "a/b/", 4) == 0) {
			char *p = NULL;
			assert_true(asprintf(&p, "moved/%s", M.paths.v[i] + 4) > 0);
			free(M.paths.v[i]);
			M.paths.v[i] = p;
		}
	assert_index_is_tree();
	char *outside = NULL;
	assert_true(asprintf(&outside, "%s/away", e2e_dir()) > 0);
	assert_int_equal(rename(to, outside), 0);
	ns_strv_t keep_paths = {0}, keep_words = {0};
	for (size_t i = M.paths.n; i-- > 0;)
		if (strncmp(M.paths.v[i], "moved/", 6) == 0) {
			ns_strv_push(&keep_paths, M.paths.v[i], strlen(M.paths.v[i]));
			ns_strv_push(&keep_words, M.words.v[i], strlen(M.words.v[i]));
			model_forget((size_t)i);
		}
	assert_index_is_tree();
	/* Back in under a third name: every file is found again. */
	char *back = abs_path("returned");
	assert_int_equal(rename(outside, back), 0);
	for (size_t i = 0; i < keep_paths.n; i++) {
		char *p = NULL;
		assert_true(asprintf(&p, "returned/%s", keep_paths.v[i] + 6) > 0);
		ns_strv_push(&M.paths, p, strlen(p));
		ns_strv_push(&M.words, keep_words.v[i], strlen(keep_words.v[i]));
		free(p);
	}
	/* The old words are current again: no longer gone. */
	for (size_t i = 0; i < keep_words.n; i++)
		for (size_t k = 0; k < M.gone.n; k++)
			if (strcmp(M.gone.v[k], keep_words.v[i]) == 0) {
				free(M.gone.v[k]);
				M.gone.v[k] = M.gone.v[--M.gone.n];
				break;
			}
	assert_index_is_tree();
	ns_strv_clear(&keep_paths);
	ns_strv_clear(&keep_words);
	free(from);
	free(to);
	free(outside);
	free(back);
}

static void test_ignore_rules_and_links(void **state)
{
	static const char *const opts[] = {"--ignore", "*.draft",
	                                   "--ignore", "private/*", NULL};
	start_daemon_with(opts);
	model_write("desk/real.txt", false);
	/* None of these is ever indexed. */
	static const char *const ignored[] = {
		".hidden.txt", "desk/.x.swp", "desk/notes.txt~", "desk/#auto#",
		"desk/upload.part", "desk/x.tmp", "desk/4913", "desk/~$lock.docx",
		"desk/story.draft", "private/secret.txt", ".git/config",
	};
	for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
		put_file(ignored[i], "Ignored\n\nzzignoredword body\n");
	/* Symbolic links are not followed, and a loop hangs nothing. */
	char *loop = abs_path("desk/loop"), *file_link = abs_path("desk/link.txt");
	char *target = abs_path("desk/real.txt");
	assert_int_equal(symlink("..", loop), 0);
	assert_int_equal(symlink(target, file_link), 0);
	free(loop);
	free(file_link);
	free(target);
	assert_index_is_tree();
	json_t *r = search("zzignoredword");
	assert_int_equal(nhits(r), 0);
	json_decref(r);
	/* Waiting on an ignored name is refused, with the reason. */
	struct client c;
	assert_true(client_open(&c));
	r = ask(&c, "{\"op\":\"wait\",\"path\":\"desk/x.tmp\"}\n");
	assert_false(json_is_true(json_object_get(r, "ok")));
	assert_non_null(strstr(json_string_value(json_object_get(
		json_object_get(r, "error"), "message")), "ignored"));
	json_decref(r);
	client_close(&c);
	/* A glob on a directory covers what is below it, for waits too. */
	assert_true(client_open(&c));
	r = ask(&c, "{\"op\":\"wait\",\"path\":\"private/sub/x.txt\"}\n");
	assert_false(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	client_close(&c);
	/* The same tree after a restart: still only the real file. */
	assert_int_equal(stop_daemon(), 0);
	start_daemon_with(opts);
	assert_index_is_tree();
	/* New rules at a restart apply to what is already indexed: a file
	 * now ignored, and one now over the size limit, leave the index. */
	model_write("desk/keep.txt", false);
	model_write("desk/big.txt", false);
	char pad[3000];
	memset(pad, 'x', sizeof pad - 2);
	pad[sizeof pad - 2] = '\n';
	pad[sizeof pad - 1] = '\0';
	char *big = abs_path("desk/big.txt");
	FILE *f = fopen(big, "a");
	assert_non_null(f);
	fputs(pad, f);
	fclose(f);
	free(big);
	json_decref(wait_for("desk/big.txt"));
	assert_index_is_tree();
	assert_int_equal(stop_daemon(), 0);
	static const char *const stricter[] = {"--ignore", "*.draft",
	                                       "--ignore", "private/*",
	                                       "--ignore", "desk/real*",
	                                       "--max-file-size", "2K", NULL};
	start_daemon_with(stricter);
	model_forget((size_t)model_find("desk/real.txt"));
	model_forget((size_t)model_find("desk/big.txt"));
	assert_index_is_tree();
}

static void test_half_written_file(void **state)
{
	start_daemon();
	/* A writer that keeps the file open: nothing is indexed until it
	 * closes, then the whole content is. */
	char *path = abs_path("slow.txt");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	const char *part1 = "Slow article\n\nzqhalfone ";
	assert_int_equal(write(fd, part1, strlen(part1)), (ssize_t)strlen(part1));
	sleep_ms(200); /* well past the commit delay */
	json_t *r = search("zqhalfone");
	assert_int_equal(nhits(r), 0);
	json_decref(r);
	const char *part2 = "zqhalftwo.\n";
	assert_int_equal(write(fd, part2, strlen(part2)), (ssize_t)strlen(part2));
	close(fd);
	free(path);
	json_decref(wait_for("slow.txt"));
	r = search("zqhalfone zqhalftwo");
	assert_int_equal(nhits(r), 1);
	json_decref(r);
}

/* ---- restarts and crashes ---- */

static void test_restart_reconciles(void **state)
{
	for (int i = 0; i < 30; i++) {
		char rel[32];
		snprintf(rel, sizeof rel, "d%d/f%d.txt", i % 4, i);
		model_write(rel, false);
	}
	sleep_ms(2100); /* past the racy-clean window: a stat will vouch */
	start_daemon();
	assert_index_is_tree();
	assert_int_equal(stop_daemon(), 0);

	/* While it is down: change, delete, add, rename. */
	model_write("d0/f0.txt", false);
	model_write("d1/f1.txt", true);
	char *p = abs_path("d2/f2.txt");
	unlink(p);
	free(p);
	model_forget((size_t)model_find("d2/f2.txt"));
	model_write("new/fresh.txt", false);
	sleep_ms(2100); /* older than the racy-clean window */
	start_daemon();
	assert_index_is_tree();
	/* The unchanged files cost a stat: none was read again. */
	json_t *st = status();
	assert_int_equal(json_integer_value(json_object_get(st, "indexed")), 3);
	assert_int_equal(json_integer_value(json_object_get(st, "unchanged")), 27);
	assert_int_equal(json_integer_value(json_object_get(st, "same_content")), 0);
	json_decref(st);
}

static void test_kill9_during_bulk_indexing(void **state)
{
	for (int i = 0; i < 1500; i++) {
		char rel[32];
		snprintf(rel, sizeof rel, "bulk%d/f%d.txt", i % 7, i);
		model_write(rel, false);
	}
	static const long pauses_ms[] = {40, 150, 90, 260};
	for (size_t round = 0; round < sizeof pauses_ms / sizeof *pauses_ms;
	     round++) {
		spawn_daemon(NULL);
		sleep_ms(pauses_ms[round]);
		/* Change things under it, then pull the plug. */
		for (int k = 0; k < 20; k++) {
			char rel[32];
			snprintf(rel, sizeof rel, "bulk%u/f%u.txt", rnd(7), rnd(1500));
			if (model_find(rel) >= 0)
				model_write(rel, k % 2);
		}
		kill_daemon();
		if (round == 1) {
			/* And while it is down. */
			for (int k = 0; k < 30; k++) {
				long i = (long)rnd((unsigned)M.paths.n);
				char *path = abs_path(M.paths.v[i]);
				unlink(path);
				free(path);
				model_forget((size_t)i);
			}
		}
	}
	start_daemon();
	assert_index_is_tree();
}

/* ---- torture ---- */

static void random_op(void)
{
	static const char *const dirs[] = {"a", "b", "c", "a/x", "b/y"};
	unsigned op = rnd(100);
	char rel[64];
	if (M.paths.n < 20 || op < 30) {             /* create */
		snprintf(rel, sizeof rel, "%s/n%u.txt", dirs[rnd(5)], M.next);
		model_write(rel, false);
	} else if (op < 50) {                        /* modify */
		model_write(M.paths.v[rnd((unsigned)M.paths.n)], false);
	} else if (op < 65) {                        /* atomic save */
		model_write(M.paths.v[rnd((unsigned)M.paths.n)], true);
	} else if (op < 80) {                        /* rename a file */
		size_t i = rnd((unsigned)M.paths.n);
		snprintf(rel, sizeof rel, "%s/r%u.txt", dirs[rnd(5)], M.next++);
		char *from = abs_path(M.paths.v[i]), *to = abs_path(rel);
		for (size_t k = strlen(e2e_tree()) + 1; to[k]; k++)
			if (to[k] == '/') {
				to[k] = '\0';
				mkdir(to, 0755);
				to[k] = '/';
			}
		assert_int_equal(rename(from, to), 0);
		free(from);
		free(to);
		free(M.paths.v[i]);
		M.paths.v[i] = strdup(rel);
	} else if (op < 95) {                        /* delete */
		size_t i = rnd((unsigned)M.paths.n);
		char *path = abs_path(M.paths.v[i]);
		assert_int_equal(unlink(path), 0);
		free(path);
		model_forget(i);
	} else {                                     /* move a directory */
		const char *from_dir = dirs[rnd(3)];
		char tmp[32];
		snprintf(tmp, sizeof tmp, "tmpdir%u", M.next++);
		char *from = abs_path(from_dir), *to = abs_path(tmp);
		if (rename(from, to) == 0) {
			/* ... and back: every file under it moves twice. */
			assert_int_equal(rename(to, from), 0);
		}
		free(from);
		free(to);
	}
}

static void test_torture(void **state)
{
	start_daemon();
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 1500; i++)
			random_op();
		assert_index_is_tree();
	}
}

/* ---- the kernel's limits, for real ---- */

/* The size of inotify's event queue, fs.inotify.max_queued_events: one
 * for the whole machine, read here and never written (not per namespace,
 * unlike the watch limit set after unshare in userns.h). */
static long max_queued_events(void)
{
	FILE *f = fopen("/proc/sys/fs/inotify/max_queued_events", "r"); /* read only, no unshare needed */
	long v = -1;
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* At least N events on REL (in a directory already watched): created and
 * written, closed, deleted, over and over.  No two in a row are alike,
 * so the kernel merges none of them. */
static void churn(const char *rel, long n)
{
	char *path = abs_path(rel);
	for (long i = 0; i < n; i += 3) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		close(fd);
		assert_int_equal(unlink(path), 0);
	}
	free(path);
}

static void test_queue_overflow(void **state)
{
	/* The queue is the machine's: instead of shrinking it, more events
	 * than it holds while the daemon is stopped. */
	long queue = max_queued_events();
	if (queue < 0 || queue > 1000000) {
		fprintf(stderr, "fs.inotify.max_queued_events is %ld here: too "
		        "many events to overflow it in a test; skipped\n", queue);
		skip();
	}
	start_daemon();
	/* In a directory already watched: a new one has no watch, hence no
	 * events, until the daemon runs. */
	model_write("burst/first.txt", false);
	json_decref(wait_for("burst/first.txt"));
	kill(e2e_pid(), SIGSTOP);
	churn("burst/churn.txt", queue + 1000);
	/* The kernel drops these events (the queue is full): the rescan
	 * after the overflow must find the files. */
	for (int i = 0; i < 400; i++) {
		char rel[32];
		snprintf(rel, sizeof rel, "burst/f%d.txt", i);
		model_write(rel, false);
	}
	kill(e2e_pid(), SIGCONT);
	assert_index_is_tree();
	json_t *st = status();
	assert_true(json_integer_value(json_object_get(st, "overflows")) >= 1);
	json_decref(st);
	/* Deletions lost in an overflow are found by its rescan too. */
	kill(e2e_pid(), SIGSTOP);
	churn("burst/churn.txt", queue + 1000);
	for (int i = 0; i < 200; i++) {
		char rel[32];
		snprintf(rel, sizeof rel, "burst/f%d.txt", i);
		remove_file(rel);
		model_forget((size_t)model_find(rel));
	}
	model_write("burst/late.txt", false);
	kill(e2e_pid(), SIGCONT);
	assert_index_is_tree();
	st = status();
	assert_true(json_integer_value(json_object_get(st, "overflows")) >= 2);
	json_decref(st);
}

static void test_watch_limit(void **state)
{
	for (int i = 0; i < 12; i++) {
		char rel[32];
		snprintf(rel, sizeof rel, "w%d/sub/f%d.txt", i, i);
		model_write(rel, false);
	}
	/* One watch, in a user namespace of the daemon's own. */
	if (!userns_possible())
		skip();
	spawn_daemon_userns(fast_rescan, 1);
	wait_ready();
	/* Every directory but the root is over the limit, and said to be. */
	json_t *st = status();
	assert_true(json_integer_value(json_object_get(st, "unwatched")) > 0);
	json_decref(st);
	/* Changes there are still found, by the periodic rescan alone. */
	model_write("w3/sub/late.txt", false);
	char *p = abs_path("w5/sub/f5.txt");
	unlink(p);
	free(p);
	model_forget((size_t)model_find("w5/sub/f5.txt"));
	json_decref(wait_hits(M.words.v[model_find("w3/sub/late.txt")], 1));
	assert_index_is_tree();
	/* With watches available again, the next rescan watches them all. */
	set_daemon_userns_watches(100000);
	for (int i = 0; i < 500; i++) {
		st = status();
		json_int_t n = json_integer_value(json_object_get(st, "unwatched"));
		json_decref(st);
		if (n == 0)
			break;
		sleep_ms(10);
	}
	st = status();
	assert_int_equal(json_integer_value(json_object_get(st, "unwatched")), 0);
	json_decref(st);
	model_write("w7/sub/after.txt", false);
	json_decref(wait_hits(M.words.v[M.words.n - 1], 1));
	assert_index_is_tree();
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_your_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renames_and_atomic_saves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directories_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignore_rules_and_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_written_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_reconciles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill9_during_bulk_indexing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_limit, setup, teardown),
	};
	return cmocka_run_group_tests_name("fresh", tests, NULL, NULL);
}
