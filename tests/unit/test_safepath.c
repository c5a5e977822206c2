/* test_safepath.c - paths resolved beneath the articles root (with
 * openat2, and with the component walk older kernels get), backup
 * targets, private directories, and the roles a Unix-socket client gets
 * from its credentials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/access.h"
#include "core/safepath.h"
#include "testutil.h"

static char *dir;      /* the temporary directory */
static char *root;     /* DIR/root: the "articles" */
static int rootfd;

static char *in_tmp(const char *rel)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
	return p;
}

static void mk(const char *rel)
{
	char *p = in_tmp(rel);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
}

static void write_at(const char *rel, const char *text)
{
	char *p = in_tmp(rel);
	assert_int_equal(write_file(p, text, strlen(text)), 0);
	free(p);
}

static void link_at(const char *target, const char *rel)
{
	char *p = in_tmp(rel);
	assert_int_equal(symlink(target, p), 0);
	free(p);
}

/* root/ holds a.txt, sub/b.txt, a link to a directory outside (out/) and
 * a link to a file outside; out/ holds the secret. */
static int setup(void **state)
{
	dir = make_temp_dir();
	if (!dir)
		return -1;
	root = in_tmp("root");
	mk("root");
	mk("root/sub");
	mk("out");
	write_at("root/a.txt", "A");
	write_at("root/sub/b.txt", "B");
	write_at("out/secret.txt", "the secret");
	char *out = in_tmp("out"), *secret = in_tmp("out/secret.txt");
	link_at(out, "root/etc");
	link_at(secret, "root/leak.txt");
	link_at("sub", "root/inner"); /* even one that stays inside */
	free(out);
	free(secret);
	rootfd = ns_root_open(root);
	return rootfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	ns_safepath_force_walk(false);
	close(rootfd);
	rm_tree(dir);
	free(root);
	free(dir);
	return 0;
}

static int walk_on(void **state)
{
	ns_safepath_force_walk(true);
	return 0;
}

static int walk_off(void **state)
{
	ns_safepath_force_walk(false);
	return 0;
}

static void assert_fails(int rc, int err)
{
	if (rc >= 0)
		fail_msg("succeeded, expected %s", strerror(err));
	if (errno != err)
		fail_msg("failed with %s, expected %s", strerror(errno),
		         strerror(err));
}

static void test_bad_arguments(void **state)
{
	assert_fails(ns_open_beneath(rootfd, NULL, O_RDONLY), EINVAL);
	assert_fails(ns_open_beneath(rootfd, "a.txt", O_RDONLY | O_CREAT),
	             EINVAL);
	assert_fails(ns_open_beneath(rootfd, "/etc/passwd", O_RDONLY), EXDEV);
	assert_fails(ns_open_beneath(rootfd, "..", O_RDONLY), EXDEV);
	assert_fails(ns_open_beneath(rootfd, "sub/../../out/secret.txt",
	                             O_RDONLY), EXDEV);
	assert_fails(ns_open_beneath(rootfd, "sub//b.txt", O_RDONLY), EINVAL);
	assert_fails(ns_open_beneath(rootfd, "./a.txt", O_RDONLY), EINVAL);
	assert_fails(ns_open_beneath(rootfd, "sub/", O_RDONLY), EINVAL);
	assert_fails(ns_open_beneath(-1, "a.txt", O_RDONLY), EBADF);
}

/* What the tree has is read; what a link reaches is not. */
static void test_files_and_links(void **state)
{
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(ns_read_beneath(rootfd, "sub/b.txt", 100, &data, &len),
	                 NS_OK);
	assert_string_equal(data, "B");
	free(data);

	struct stat st;
	assert_int_equal(ns_lstat_beneath(rootfd, "a.txt", &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(ns_lstat_beneath(rootfd, "", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* A link as the last component is seen as a link, never followed. */
	assert_int_equal(ns_lstat_beneath(rootfd, "leak.txt", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(ns_lstat_beneath(rootfd, "etc", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(ns_read_beneath(rootfd, "leak.txt", 100, &data, &len),
	                 NS_ERR_IO);
	assert_int_equal(errno, ELOOP);
	/* A link on the way fails the whole path. */
	assert_fails(ns_lstat_beneath(rootfd, "etc/secret.txt", &st), ELOOP);
	assert_int_equal(ns_read_beneath(rootfd, "etc/secret.txt", 100, &data,
	                                 &len), NS_ERR_IO);
	assert_int_equal(errno, ELOOP);
	assert_fails(ns_lstat_beneath(rootfd, "inner/b.txt", &st), ELOOP);
	/* O_DIRECTORY is checked first: a link is not a directory. */
	assert_fails(ns_open_beneath(rootfd, "etc", O_RDONLY | O_DIRECTORY),
	             ENOTDIR);
	/* Gone, or a file where a directory should be. */
	assert_fails(ns_lstat_beneath(rootfd, "sub/none.txt", &st), ENOENT);
	assert_fails(ns_lstat_beneath(rootfd, "none/b.txt", &st), ENOENT);
	assert_fails(ns_lstat_beneath(rootfd, "a.txt/b.txt", &st), ENOTDIR);
	int fd = ns_open_beneath(rootfd, "sub", O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	close(fd);

	assert_true(ns_beneath_gone(ENOENT) && ns_beneath_gone(ENOTDIR) &&
	            ns_beneath_gone(ELOOP) && ns_beneath_gone(EXDEV));
	assert_false(ns_beneath_gone(EACCES) || ns_beneath_gone(EIO));
	assert_non_null(strstr(ns_beneath_strerror(ELOOP), "symbolic link"));
}

static void test_path_within(void **state)
{
	assert_true(ns_path_within("/a/b", "/a"));
	assert_true(ns_path_within("/a", "/a"));
	assert_true(ns_path_within("/a/b", "/a/"));
	assert_false(ns_path_within("/ab", "/a"));
	assert_false(ns_path_within("/b", "/a"));
	assert_true(ns_path_within("/x", "/"));
}

/* The backup checks: each way the probe put a backup where it must not
 * go, refused. */
static void test_backup_path(void **state)
{
	char *idx = in_tmp("index"), *bk = in_tmp("backups");
	mk("index");
	mk("backups");
	char why[512], *out = NULL, *req = NULL;
	assert_int_equal(ns_backup_path("/x/y", NULL, idx, root, &out, why,
	                                sizeof why), NS_ERR_INVALID);
	assert_non_null(strstr(why, "backup_dir"));
	assert_null(out);

	/* Allowed: the backup directory itself holds the index (as
	 * /var/lib/nsearch does); the checks must still keep it out. */
	const char *allowed = dir;
	/* DIR between PRE and POST (POST alone when PRE is NULL). */
	struct { const char *pre, *post, *says; } bad[] = {
		{"", "/index/../index/sub", "inside the index"},
		{"/", "//index//sub", "inside the index"},
		{"", "/ilink/sub", "inside the index"},
		{"", "/ilink", "symbolic link"},
		{"", "/root/copy", "inside the articles tree"},
		{"", "/index/..", "must end in a name"},
		{"", "/new\nline", "control character"},
		{"", "/missing/copy", "No such file"},
		{NULL, "relative/copy", "absolute"},
	};
	link_at(idx, "ilink");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_true(asprintf(&req, "%s%s%s", bad[i].pre ? bad[i].pre : "",
		                     bad[i].pre ? dir : "", bad[i].post) > 0);
		ns_status_t st = ns_backup_path(req, allowed, idx, root, &out, why,
		                                sizeof why);
		if (st != NS_ERR_INVALID || !strstr(why, bad[i].says))
			fail_msg("%s: %d, \"%s\" (expected \"%s\")", req, st, why,
			         bad[i].says);
		assert_null(out);
		free(req);
	}
	/* Outside the backup directory. */
	assert_int_equal(ns_backup_path("/tmp/copy", bk, idx, root, &out, why,
	                                sizeof why), NS_ERR_INVALID);
	assert_non_null(strstr(why, "not inside the backup directory"));
	assert_true(asprintf(&req, "%s/backups", dir) > 0);
	assert_int_equal(ns_backup_path(req, bk, idx, root, &out, why,
	                                sizeof why), NS_ERR_INVALID);
	free(req);
	/* Inside it: the parent resolved, whatever way it was spelt. */
	assert_true(asprintf(&req, "%s/index/..//backups/./../backups/b1/", dir)
	            > 0);
	assert_int_equal(ns_backup_path(req, bk, idx, root, &out, why,
	                                sizeof why), NS_OK);
	char *want = NULL;
	char real[PATH_MAX];
	assert_non_null(realpath(bk, real));
	assert_true(asprintf(&want, "%s/b1", real) > 0);
	assert_string_equal(out, want);
	free(want);
	free(out);
	free(req);
	free(idx);
	free(bk);
}

static void test_private_dir(void **state)
{
	char why[512];
	char *p = in_tmp("private");
	assert_int_equal(ns_private_dir(p, why, sizeof why), NS_OK);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(ns_private_dir(p, why, sizeof why), NS_OK); /* again */
	assert_int_equal(chmod(p, 0755), 0);
	assert_int_equal(ns_private_dir(p, why, sizeof why), NS_ERR_INVALID);
	assert_non_null(strstr(why, "chmod 700"));
	free(p);
	p = in_tmp("root/etc"); /* a link to a directory */
	assert_int_equal(ns_private_dir(p, why, sizeof why), NS_ERR_INVALID);
	assert_non_null(strstr(why, "not a directory"));
	free(p);
	if (geteuid() != 0)
		return;
	p = in_tmp("theirs");
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chown(p, 54321, 54321), 0);
	assert_int_equal(ns_private_dir(p, why, sizeof why), NS_ERR_INVALID);
	assert_non_null(strstr(why, "belongs to uid 54321"));
	free(p);
}

/* A high uid no account has, for a second identity. */
static uid_t other_uid(void)
{
	uid_t uid = 54321;
	while (getpwuid(uid))
		uid++;
	return uid;
}

/* Root and ourselves hold the admin role; another user only searches. */
static void test_access_roles(void **state)
{
	assert_int_equal(ns_access_needed(NS_OP_COMPACT), NS_ROLE_ADMIN);
	assert_int_equal(ns_access_needed(NS_OP_REINDEX), NS_ROLE_ADMIN);
	assert_int_equal(ns_access_needed(NS_OP_BACKUP), NS_ROLE_ADMIN);
	assert_int_equal(ns_access_needed(NS_OP_SEARCH), NS_ROLE_SEARCH);
	assert_int_equal(ns_access_needed(NS_OP_WAIT), NS_ROLE_SEARCH);
	assert_string_equal(ns_role_name(NS_ROLE_ADMIN), "admin");

	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	uid_t uid = 1;
	assert_int_equal(ns_access_unix(sv[0], &uid),
	                 NS_ROLE_SEARCH | NS_ROLE_ADMIN);
	assert_int_equal(uid, geteuid());
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(ns_access_unix(-1, &uid), NS_ROLE_SEARCH);
	assert_int_equal(uid, (uid_t)-1);

	if (geteuid() != 0) {
		print_message("skipped the second identity: needs root\n");
		return;
	}
	/* A client of another uid, connected on a socket as the daemon's
	 * is. */
	char *path = in_tmp("roles.sock");
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(chmod(path, 0777), 0);
	assert_int_equal(chmod(dir, 0711), 0);
	assert_int_equal(listen(l, 1), 0);
	uid_t them = other_uid();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(them) < 0 || setuid(them) < 0)
			_exit(3);
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&sa, sizeof sa) < 0)
			_exit(4);
		char b;
		(void)!read(c, &b, 1); /* until the parent has looked */
		_exit(0);
	}
	int a = accept(l, NULL, NULL);
	assert_true(a >= 0);
	assert_int_equal(ns_access_unix(a, &uid), NS_ROLE_SEARCH);
	assert_int_equal(uid, them);
	close(a);
	int ws;
	waitpid(pid, &ws, 0);
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	close(l);
	assert_int_equal(chmod(dir, 0700), 0);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test_setup(test_files_and_links, walk_off),
		cmocka_unit_test_setup_teardown(test_bad_arguments, walk_on,
		                                walk_off),
		cmocka_unit_test_setup_teardown(test_files_and_links, walk_on,
		                                walk_off),
		cmocka_unit_test(test_path_within),
		cmocka_unit_test(test_backup_path),
		cmocka_unit_test(test_private_dir),
		cmocka_unit_test(test_access_roles),
	};
	return cmocka_run_group_tests_name("safepath", tests, setup, teardown);
}
