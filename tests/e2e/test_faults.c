/* test_faults.c - nsearchd when the world fails under it: the index's disk
 * fills up, its filesystem turns read-only (while running, and at start),
 * reads of articles fail for want of descriptors, and the index is found
 * damaged at start.  Each time the daemon keeps answering searches, says
 * what is wrong (status, and waits that fail with INDEX_READ_ONLY rather
 * than claim "indexed"), and once the fault is gone every article is
 * searchable again without anyone stepping in.
 *
 * The disk faults are made with a small tmpfs and bind mounts in a mount
 * namespace of this process's own (the daemon inherits it), so nothing
 * outside the test sees them and nothing is left behind; without the
 * right to make one those tests are skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "harness.h"

static bool can_mount;     /* a private mount namespace was had */
static char *disk;         /* the tmpfs, when a test mounted one */
static char *ro_bind;      /* the read-only bind mount over the index */

/* ---- the private mount namespace ---- */

static bool write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok;
}

/* Mounts made from now on are this process's (and its children's) only.
 * As root a new mount namespace is enough; otherwise a user namespace
 * where we are root comes with it, where the kernel allows that. */
static bool private_mounts(void)
{
	if (unshare(CLONE_NEWNS) < 0) {
		uid_t uid = getuid();
		gid_t gid = getgid();
		char map[64];
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			return false;
		write_proc("/proc/self/setgroups", "deny");
		snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
		if (!write_proc("/proc/self/uid_map", map))
			return false;
		snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
		if (!write_proc("/proc/self/gid_map", map))
			return false;
	}
	/* Nothing we mount propagates back to the machine's namespace. */
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
}

#define NEED_MOUNTS()                                                        \
	do {                                                                 \
		if (!can_mount) {                                            \
			print_message("skipped: no private mount namespace "   \
			              "(needs root or user namespaces)\n");    \
			skip();                                              \
		}                                                            \
	} while (0)

/* A tmpfs of SIZE at e2e_dir()/disk, and the index inside it. */
static void index_on_tmpfs(const char *size)
{
	char opts[64];
	assert_true(asprintf(&disk, "%s/disk", e2e_dir()) > 0);
	assert_int_equal(mkdir(disk, 0755), 0);
	snprintf(opts, sizeof opts, "size=%s,mode=0755", size);
	if (mount("nsearch-test", disk, "tmpfs", 0, opts) < 0)
		fail_msg("mount tmpfs on %s: %s", disk, strerror(errno));
	char *index = NULL;
	assert_true(asprintf(&index, "%s/index", disk) > 0);
	e2e_set_index(index);
	free(index);
}

/* Fill the filesystem of DIR to the last byte: a file FILLER written
 * until the kernel says ENOSPC. */
static void fill_disk(const char *filler)
{
	int fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	static char block[65536];
	memset(block, 'x', sizeof block);
	for (size_t chunk = sizeof block; chunk;) {
		ssize_t w = write(fd, block, chunk);
		if (w < 0 && errno == ENOSPC)
			chunk /= 2; /* then smaller, to the last byte */
		else
			assert_true(w > 0);
	}
	fsync(fd);
	close(fd);
}

/* The index's directory turns read-only (a bind mount over it). */
static void index_read_only(void)
{
	ro_bind = strdup(e2e_index());
	if (mount(e2e_index(), e2e_index(), NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, e2e_index(), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY,
	          NULL) < 0)
		fail_msg("read-only bind mount on %s: %s", e2e_index(),
		         strerror(errno));
}

/* And writable again: the bind mount goes (lazily: a search's reader may
 * still have its files open through it). */
static void index_writable(void)
{
	assert_int_equal(umount2(ro_bind, MNT_DETACH), 0);
	free(ro_bind);
	ro_bind = NULL;
}

static int setup(void **state)
{
	return e2e_make_dirs();
}

static int teardown(void **state)
{
	int rc = stop_daemon();
	if (rc != 0 && rc != -1)
		fprintf(stderr, "nsearchd exited with status %d\n", rc);
	if (ro_bind)
		umount2(ro_bind, MNT_DETACH);
	if (disk)
		umount2(disk, MNT_DETACH);
	free(ro_bind);
	free(disk);
	ro_bind = disk = NULL;
	e2e_teardown(); /* the daemon is stopped: removes the rest */
	return rc == 0 || rc == -1 ? 0 : -1;
}

/* ---- what the daemon says ---- */

static void put_story(const char *rel, const char *word)
{
	char text[512];
	snprintf(text, sizeof text, "A story about %s\n\nThe harbour pilots "
	         "logged %s in the fog before dawn.\n", word, word);
	put_file(rel, text);
}

/* The status's "state" ("ready", "reconciling", "read_only"): new. */
static char *state_now(void)
{
	json_t *st = status();
	if (!st)
		return strdup("(no answer)");
	const char *s = json_string_value(json_object_get(st, "state"));
	char *copy = strdup(s ? s : "(none)");
	json_decref(st);
	return copy;
}

/* Poll until the status says STATE; fail after SECS. */
static void wait_state(const char *state, int secs)
{
	char *now = NULL;
	for (int i = 0; i < secs * 50; i++) {
		free(now);
		now = state_now();
		if (strcmp(now, state) == 0) {
			free(now);
			return;
		}
		sleep_ms(20);
	}
	fail_msg("the daemon did not say \"%s\" within %d s (it says \"%s\")",
	         state, secs, now);
}

/* The status's "index" object, with the reply holding it (*ST: decref). */
static json_t *index_health(json_t **st)
{
	*st = status();
	assert_non_null(*st);
	json_t *h = json_object_get(*st, "index");
	assert_true(json_is_object(h));
	return h;
}

/* A wait on PATH that must fail: its error code (new). */
static char *wait_error(const char *path)
{
	json_t *r = request("{s:s, s:s, s:i}", "op", "wait", "path", path,
	                    "timeout_ms", 20000);
	if (json_is_true(json_object_get(r, "ok")))
		fail_msg("the wait on %s said ok (\"%s\"): the index cannot be "
		         "written", path, json_string_value(json_object_get(r,
		                                                   "state")));
	json_t *e = json_object_get(r, "error");
	char *code = strdup(json_string_value(json_object_get(e, "code")));
	json_decref(r);
	return code;
}

/* Poll until a search for Q has N hits; fail after SECS. */
static void wait_hits_for(const char *q, size_t n, int secs)
{
	size_t got = 0;
	for (int i = 0; i < secs * 50; i++) {
		json_t *r = search(q);
		got = nhits(r);
		json_decref(r);
		if (got == n)
			return;
		sleep_ms(20);
	}
	fail_msg("'%s' has %zu hits after %d s, not %zu", q, got, secs, n);
}

static size_t hits_now(const char *q)
{
	json_t *r = search(q);
	size_t n = nhits(r);
	json_decref(r);
	return n;
}

/* ---- a full disk ---- */

static void test_disk_full(void **state)
{
	NEED_MOUNTS();
	index_on_tmpfs("16m");
	for (int i = 0; i < 3; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "before/s%d.txt", i);
		put_story(rel, "lighthouse");
	}
	start_daemon();
	wait_hits_for("lighthouse", 3, 20);

	char *filler = NULL;
	assert_true(asprintf(&filler, "%s/filler", disk) > 0);
	fill_disk(filler);
	for (int i = 0; i < 5; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "during/s%d.txt", i);
		put_story(rel, "quartermaster");
	}
	/* The wait does not say "indexed": it cannot be. */
	char *code = wait_error("during/s0.txt");
	assert_string_equal(code, "INDEX_READ_ONLY");
	free(code);

	json_t *st;
	json_t *h = index_health(&st);
	assert_false(json_is_true(json_object_get(h, "writable")));
	const char *err = json_string_value(json_object_get(h, "error"));
	assert_non_null(err);
	if (!strstr(err, "No space left on device"))
		fail_msg("the status does not say why: %s", err);
	assert_string_equal(json_string_value(json_object_get(st, "state")),
	                    "read_only");
	assert_false(json_is_true(json_object_get(st, "ready")));
	assert_true(json_integer_value(json_object_get(st, "revision")) > 0);
	json_decref(st);
	int rc;
	char *out = run_cli("status", &rc);
	if (!strstr(out, "index:     READ-ONLY since") ||
	    !strstr(out, "No space left on device"))
		fail_msg("nsearch-cli status does not say so:\n%s", out);
	free(out);
	/* Searches go on, on the last commit. */
	assert_int_equal(hits_now("lighthouse"), 3);
	/* A change made while full is not lost either. */
	put_story("during/late.txt", "quartermaster");
	sleep_ms(300);

	/* Space comes back: indexing resumes by itself, nothing lost. */
	assert_int_equal(unlink(filler), 0);
	free(filler);
	wait_state("ready", 60);
	json_decref(wait_for(NULL));
	wait_hits_for("quartermaster", 6, 20);
	assert_int_equal(hits_now("lighthouse"), 3);
	h = index_health(&st);
	assert_true(json_is_true(json_object_get(h, "writable")));
	assert_true(json_is_null(json_object_get(h, "error")));
	assert_int_equal(json_integer_value(json_object_get(st, "documents")), 9);
	json_decref(st);
	/* And the index equals the tree: a wait on a file says indexed. */
	json_t *w = wait_for("during/s3.txt");
	assert_string_equal(json_string_value(json_object_get(w, "state")),
	                    "indexed");
	json_decref(w);
}

/* The disk fills while an empty index is built on two writers: the
 * shards go, their files are read again by the one writer once there is
 * space, and nothing is lost. */
static void test_disk_full_in_a_bulk_load(void **state)
{
	NEED_MOUNTS();
	index_on_tmpfs("16m");
	char body[1600];
	for (int i = 0; i < 600; i++) {
		char rel[64];
		int len =
		        snprintf(body, sizeof body, "Story %d\n\nuniq%d", i, i);
		for (int w = 0; len < 700; w++)
			len += snprintf(body + len, sizeof body - len, " w%d",
			                (i + w) % 300);
		snprintf(rel, sizeof rel, "d%d/s%d.txt", i % 5, i);
		put_file(rel, body);
	}
	/* Room for the empty index and the shards, not for what goes in. */
	char *filler = NULL;
	assert_true(asprintf(&filler, "%s/filler", disk) > 0);
	fill_disk(filler);
	struct stat fst;
	assert_int_equal(stat(filler, &fst), 0);
	assert_int_equal(truncate(filler, fst.st_size - (256 << 10)), 0);
	static const char *const two[] = { "--bulk-writers", "2", NULL };
	/* Under ASan, this daemon records whole stacks (libxapian has no
	 * frame pointers), so that tests/lsan.supp's one entry, Xapian's
	 * own leak when a commit fails on the full disk, can match it. */
	char *asan =
	        getenv("ASAN_OPTIONS") ? strdup(getenv("ASAN_OPTIONS")) : NULL;
	char *slow = NULL;
	if (asan) {
		assert_true(asprintf(&slow, "%s:fast_unwind_on_malloc=0",
		                     asan) > 0);
		setenv("ASAN_OPTIONS", slow, 1);
	}
	spawn_daemon(two);
	if (asan)
		setenv("ASAN_OPTIONS", asan, 1);
	free(asan);
	free(slow);
	wait_state("read_only", 60);
	json_t *st;
	json_t *h = index_health(&st);
	const char *err = json_string_value(json_object_get(h, "error"));
	if (!err || !strstr(err, "No space left on device"))
		fail_msg("the status does not say why: %s", err ? err : "null");
	json_decref(st);
	char *shard = NULL;
	assert_true(asprintf(&shard, "%s/bulk.0", e2e_index()) > 0);
	assert_int_equal(access(shard, F_OK), -1); /* dropped */

	assert_int_equal(unlink(filler), 0);
	free(filler);
	wait_state("ready", 120);
	json_decref(wait_for(NULL));
	st = status();
	assert_int_equal(json_integer_value(json_object_get(st, "documents")),
	                 600);
	json_decref(st);
	assert_int_equal(hits_now("uniq599"), 1);
	assert_int_equal(hits_now("uniq0"), 1);
	assert_int_equal(access(shard, F_OK), -1);
	free(shard);
}

/* ---- a read-only index ---- */

static void test_read_only_while_running(void **state)
{
	NEED_MOUNTS();
	index_on_tmpfs("64m");
	put_story("a/one.txt", "breakwater");
	put_story("a/two.txt", "breakwater");
	start_daemon();
	wait_hits_for("breakwater", 2, 20);

	index_read_only();
	put_story("b/three.txt", "breakwater");
	put_story("b/four.txt", "breakwater");
	char *code = wait_error("b/three.txt");
	assert_string_equal(code, "INDEX_READ_ONLY");
	free(code);
	json_t *st;
	json_t *h = index_health(&st);
	const char *err = json_string_value(json_object_get(h, "error"));
	assert_non_null(err);
	if (!strstr(err, "Read-only file system"))
		fail_msg("the status does not say why: %s", err);
	json_decref(st);
	assert_int_equal(hits_now("breakwater"), 2);
	/* Maintenance is refused the same way. */
	json_t *r = request("{s:s}", "op", "compact");
	assert_false(json_is_true(json_object_get(r, "ok")));
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(r, "error"), "code")), "INDEX_READ_ONLY");
	json_decref(r);

	index_writable();
	wait_state("ready", 60);
	json_decref(wait_for(NULL));
	wait_hits_for("breakwater", 4, 20);
}

static void test_read_only_at_start(void **state)
{
	NEED_MOUNTS();
	index_on_tmpfs("64m");
	put_story("a/one.txt", "capstan");
	put_story("a/two.txt", "capstan");
	start_daemon();
	wait_hits_for("capstan", 2, 20);
	assert_int_equal(stop_daemon(), 0);

	/* Down, the index turns read-only and articles keep coming. */
	index_read_only();
	put_story("b/three.txt", "capstan");
	remove_file("a/two.txt");
	spawn_daemon(NULL);
	/* It starts anyway, and serves what the index holds. */
	wait_state("read_only", 30);
	assert_int_equal(hits_now("capstan"), 2);
	char *code = wait_error("b/three.txt");
	assert_string_equal(code, "INDEX_READ_ONLY");
	free(code);

	index_writable();
	wait_state("ready", 60);
	json_decref(wait_for(NULL));
	json_t *r = search("capstan");
	assert_int_equal(nhits(r), 2);
	assert_path_set(r, 2, "a/one.txt", "b/three.txt");
}

/* ---- reads that fail for want of descriptors ---- */

static void test_emfile_retried(void **state)
{
	put_story("s/first.txt", "bollard");
	start_daemon();
	wait_hits_for("bollard", 1, 20);
	/* A connection opened before, to ask while the daemon has none. */
	struct client c;
	assert_true(client_open(&c));
	json_decref(ask(&c, "{\"op\":\"status\"}\n")); /* accepted */
	struct rlimit old, none;
	assert_int_equal(prlimit(e2e_pid(), RLIMIT_NOFILE, NULL, &old), 0);
	none = (struct rlimit){0, old.rlim_max};
	assert_int_equal(prlimit(e2e_pid(), RLIMIT_NOFILE, &none, NULL), 0);

	put_story("s/two.txt", "bollard");
	put_story("s/three.txt", "bollard");
	bool retrying = false;
	for (int i = 0; i < 1000 && !retrying; i++) {
		json_t *st = ask(&c, "{\"op\":\"status\"}\n");
		json_t *h = json_object_get(st, "index");
		retrying = json_integer_value(json_object_get(h,
		                                              "read_retries")) >= 2;
		json_decref(st);
		if (!retrying)
			sleep_ms(20);
	}
	if (!retrying) {
		prlimit(e2e_pid(), RLIMIT_NOFILE, &old, NULL);
		fail_msg("the daemon did not retry the reads that failed");
	}
	json_t *p = ask(&c, "{\"op\":\"problems\"}\n");
	char *text = json_dumps(p, 0);
	if (!strstr(text, "Too many open files"))
		fail_msg("the problems do not say why: %s", text);
	free(text);
	json_decref(p);
	client_close(&c);

	/* Descriptors come back: the files are read, nothing is skipped. */
	assert_int_equal(prlimit(e2e_pid(), RLIMIT_NOFILE, &old, NULL), 0);
	wait_hits_for("bollard", 3, 60);
	json_t *st = status();
	assert_int_equal(json_integer_value(json_object_get(st, "skipped")), 0);
	assert_int_equal(json_integer_value(json_object_get(
		json_object_get(st, "index"), "read_retries")), 0);
	json_decref(st);
}

/* ---- a damaged index ---- */

enum { NDAMAGE = 40 };

/* An index of NDAMAGE articles, and the daemon stopped. */
static void make_index(void)
{
	for (int i = 0; i < NDAMAGE; i++) {
		char rel[64];
		snprintf(rel, sizeof rel, "d%d/s%02d.txt", i % 4, i);
		put_story(rel, "gangway");
	}
	start_daemon();
	wait_hits_for("gangway", 10, 20); /* the page's default limit */
	json_decref(wait_for(NULL));
	assert_int_equal(stop_daemon(), 0);
}

/* The daemon started on the damaged index rebuilt it: it says so, the
 * damaged copy is kept aside, and every article is found. */
static void assert_rebuilt(void)
{
	json_t *st;
	json_t *h = index_health(&st);
	assert_int_equal(json_integer_value(json_object_get(h, "rebuilds")), 1);
	json_t *last = json_object_get(h, "last_rebuild");
	const char *moved = json_string_value(json_object_get(last, "moved_to"));
	assert_non_null(moved);
	assert_true(strncmp(moved, e2e_index(), strlen(e2e_index())) == 0);
	assert_non_null(strstr(moved, ".corrupt-"));
	struct stat sb;
	assert_int_equal(stat(moved, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(json_integer_value(json_object_get(st, "documents")),
	                 NDAMAGE);
	json_decref(st);
	/* Every copy a hit: the articles say the same. */
	json_t *r = request("{s:s, s:s, s:i, s:b}", "op", "search", "q",
	                    "gangway", "limit", 100, "collapse", 0);
	assert_int_equal(nhits(r), NDAMAGE);
	json_decref(r);
}

static char *table(const char *name)
{
	char *path = NULL;
	assert_true(asprintf(&path, "%s/%s.glass", e2e_index(), name) > 0);
	return path;
}

/* Random bytes over the whole of a table. */
static void scramble(const char *name, off_t from)
{
	char *path = table(name);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	struct stat sb;
	assert_int_equal(fstat(fd, &sb), 0);
	unsigned seed = 12345;
	for (off_t off = from; off < sb.st_size; off++) {
		seed = seed * 1103515245u + 12345u;
		unsigned char b = (unsigned char)(seed >> 16);
		assert_int_equal(pwrite(fd, &b, 1, off), 1);
	}
	close(fd);
	free(path);
}

static void test_scrambled_table_at_start(void **state)
{
	make_index();
	scramble("postlist", 0);
	start_daemon();
	assert_rebuilt();
}

static void test_truncated_table_at_start(void **state)
{
	make_index();
	char *path = table("termlist");
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(truncate(path, sb.st_size / 2), 0);
	free(path);
	start_daemon();
	assert_rebuilt();
}

/* Damage past the blocks a quick check reads: the full check finds it. */
static void test_damaged_block_full_check(void **state)
{
	make_index();
	char *path = table("position");
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	free(path);
	scramble("position", sb.st_size / 2);
	start_daemon_with((const char *[]){"--index-check", "full", NULL});
	assert_rebuilt();
}

/* Damage while running: a search fails on it, the writer checks the
 * index, finds it damaged, and rebuilds it. */
static void test_damage_found_by_search(void **state)
{
	make_index();
	start_daemon();
	json_t *before = status();
	json_int_t rev = json_integer_value(json_object_get(before, "revision"));
	json_decref(before);
	scramble("postlist", 0);
	bool rebuilt = false;
	for (int i = 0; i < 1500 && !rebuilt; i++) {
		json_t *r = request("{s:s, s:s}", "op", "search", "q", "gangway");
		json_decref(r);
		json_t *st;
		json_t *h = index_health(&st);
		rebuilt = json_integer_value(json_object_get(h, "rebuilds")) == 1;
		json_decref(st);
		if (!rebuilt)
			sleep_ms(20);
	}
	if (!rebuilt)
		fail_msg("the damaged index was not rebuilt");
	json_t *w = wait_for(NULL);
	/* The revision never goes back, even in a new index. */
	assert_true(json_integer_value(json_object_get(w, "revision")) > rev);
	json_decref(w);
	assert_rebuilt();
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	can_mount = private_mounts();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_disk_full, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_disk_full_in_a_bulk_load,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_while_running,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_only_at_start, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_emfile_retried, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_scrambled_table_at_start,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_table_at_start,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_block_full_check,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage_found_by_search,
		                                setup, teardown),
	};
	return cmocka_run_group_tests_name("faults", tests, NULL, NULL);
}
