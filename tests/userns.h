/* userns.h - the daemon in a user namespace of its own, for tests that
 * need a small kernel limit.  The inotify limits max_inotify_watches and
 * max_inotify_instances are counted and capped per user namespace
 * (user_namespaces(7)), so the root of a new one may lower its own
 * without touching the machine's, and nothing is left behind when it
 * ends.  Needs e2eutil.h first. */
#ifndef NS_USERNS_H
#define NS_USERNS_H

#include <sched.h>

/* The namespace's own watch limit: only ever written from inside a user
 * namespace made for the daemon by unshare(CLONE_NEWUSER) below. */
#define USERNS_MAX_WATCHES "/proc/sys/user/max_inotify_watches" /* unshare */

/* Write TEXT to PATH; 0 or an errno value. */
static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	size_t len = strlen(text);
	int err = write(fd, text, len) == (ssize_t)len ? 0 : errno ? errno : EIO;
	if (close(fd) < 0 && !err)
		err = errno;
	return err;
}

static int write_number(const char *path, long v)
{
	char text[32];
	snprintf(text, sizeof text, "%ld\n", v);
	return write_text(path, text);
}

/* Become root of a new user namespace, as "unshare --user
 * --map-root-user" does: our uid and gid are 0 in it, and we hold every
 * capability over it (none over the machine).  0 or an errno value. */
static int enter_new_userns(void)
{
	char map[48];
	unsigned uid = (unsigned)geteuid(), gid = (unsigned)getegid();
	if (unshare(CLONE_NEWUSER) != 0)
		return errno;
	int err;
	snprintf(map, sizeof map, "0 %u 1\n", uid);
	if ((err = write_text("/proc/self/uid_map", map)) != 0)
		return err;
	/* gid_map may be written only once setgroups(2) is denied. */
	if ((err = write_text("/proc/self/setgroups", "deny")) != 0)
		return err;
	snprintf(map, sizeof map, "0 %u 1\n", gid);
	return write_text("/proc/self/gid_map", map);
}

/* In the daemon's child, before the exec: a namespace of its own with a
 * watch limit of *(long *)ARG. */
static int prepare_userns(void *arg)
{
	int err = enter_new_userns();
	return err ? err : write_number(USERNS_MAX_WATCHES, *(long *)arg);
}

/* Start nsearchd as spawn_daemon() does, in a user namespace of its own
 * whose inotify watch limit is WATCHES.  False, with a message, when this
 * kernel or its settings allow no such namespace (the caller skips). */
static bool spawn_daemon_userns(const char *const *extra, long watches)
{
	int err = spawn_daemon_prepared(extra, prepare_userns, &watches);
	if (err)
		fprintf(stderr, "no user namespace with its own inotify limits "
		        "here (%s): skipped\n", strerror(err));
	return err == 0;
}

/* Set the watch limit of the running daemon's namespace to WATCHES: a
 * child joins it (we own it, so we may) and writes its limit there. */
static void set_daemon_userns_watches(long watches)
{
	char ns[64];
	snprintf(ns, sizeof ns, "/proc/%d/ns/user", (int)E.pid);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(ns, O_RDONLY | O_CLOEXEC);
		_exit(fd >= 0 && setns(fd, CLONE_NEWUSER) == 0 &&
		      write_number(USERNS_MAX_WATCHES, watches) == 0 ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("cannot set the watch limit in the daemon's namespace");
}

#endif
