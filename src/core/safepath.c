/* safepath.c - resolving paths beneath the articles root without leaving
 * it, and checking the places outside it the daemon writes to (a backup,
 * a non-root daemon's socket directory).  Never logs, keeps no state but
 * whether the kernel has openat2.
 */
#include "core/safepath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Does openat2 work here?  0: not asked yet, 1: yes, -1: no (a kernel
 * older than 5.6, or a seccomp filter that refuses it). */
static int have_openat2;
static bool force_walk;

void ns_safepath_force_walk(bool on)
{
	__atomic_store_n(&force_walk, on, __ATOMIC_RELAXED);
}

int ns_root_open(const char *root)
{
	return open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Is RELPATH one this module resolves: relative, every component a name?
 * Else errno says why (EXDEV for "..", as openat2 says for an escape). */
static bool valid_relpath(const char *relpath)
{
	if (!*relpath)
		return true;
	if (relpath[0] == '/') {
		errno = EXDEV;
		return false;
	}
	for (const char *p = relpath;;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			errno = EXDEV;
			return false;
		}
		if (n == 0 || (n == 1 && p[0] == '.')) {
			errno = EINVAL;
			return false;
		}
		if (n > NAME_MAX) {
			errno = ENAMETOOLONG;
			return false;
		}
		if (!p[n])
			return true;
		p += n + 1;
	}
}

static int open2(int rootfd, const char *relpath, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC | O_NOFOLLOW),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
		           RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, *relpath ? relpath : ".",
	                      &how, sizeof how);
	return fd;
}

/* Ask once whether openat2 works: on the root itself, where it cannot
 * fail for any other reason. */
static bool use_openat2(int rootfd)
{
#if defined(__SANITIZE_THREAD__)
	/* ThreadSanitizer learns of descriptors from the libc calls that make
	 * and close them, and openat2 has no libc wrapper here: it would take
	 * the next close() of its number for a race with whoever had that
	 * number before.  Its builds walk with openat(), which it sees (the
	 * unit tests cover both ways). */
	return false;
#endif
	if (__atomic_load_n(&force_walk, __ATOMIC_RELAXED))
		return false;
	int known = __atomic_load_n(&have_openat2, __ATOMIC_RELAXED);
	if (known)
		return known > 0;
	int fd = open2(rootfd, "", O_PATH | O_DIRECTORY);
	int works = fd >= 0 || (errno != ENOSYS && errno != EPERM) ? 1 : -1;
	if (fd >= 0)
		close(fd);
	__atomic_store_n(&have_openat2, works, __ATOMIC_RELAXED);
	return works > 0;
}

/* The same as open2, one component at a time: every directory on the way
 * opened with O_NOFOLLOW beneath the one before. */
static int walk(int rootfd, const char *relpath, int flags)
{
	flags |= O_CLOEXEC | O_NOFOLLOW;
	if (!*relpath)
		return openat(rootfd, ".", flags);
	int dir = rootfd, fd = -1;
	char name[NAME_MAX + 1];
	for (const char *p = relpath;;) {
		size_t n = strcspn(p, "/");
		memcpy(name, p, n);
		name[n] = '\0';
		if (!p[n]) {
			fd = openat(dir, name, flags);
			break;
		}
		int next = openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		                              O_CLOEXEC);
		int e = errno;
		struct stat st;
		if (next < 0 && e == ENOTDIR &&
		    fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			e = ELOOP; /* what openat2 says of a link on the way */
		if (dir != rootfd)
			close(dir);
		if (next < 0) {
			errno = e;
			return -1;
		}
		dir = next;
		p += n + 1;
	}
	if (dir != rootfd) {
		int e = errno;
		close(dir);
		errno = e;
	}
	return fd;
}

int ns_open_beneath(int rootfd, const char *relpath, int flags)
{
	/* O_TMPFILE includes O_DIRECTORY's bit: compare the whole. */
	if (!relpath || (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		errno = EINVAL;
		return -1;
	}
	if (!valid_relpath(relpath))
		return -1;
	if (use_openat2(rootfd))
		return open2(rootfd, relpath, flags);
	return walk(rootfd, relpath, flags);
}

int ns_lstat_beneath(int rootfd, const char *relpath, struct stat *st)
{
	int fd = ns_open_beneath(rootfd, relpath, O_PATH);
	if (fd < 0)
		return -1;
	int rc = fstat(fd, st);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

ns_status_t ns_read_beneath(int rootfd, const char *relpath, size_t max,
                            char **out, size_t *len)
{
	int fd = ns_open_beneath(rootfd, relpath, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return NS_ERR_IO;
	return ns_read_fd(fd, max, out, len);
}

bool ns_beneath_gone(int err)
{
	return err == ENOENT || err == ENOTDIR || err == ELOOP || err == EXDEV;
}

const char *ns_beneath_strerror(int err)
{
	if (err == ELOOP)
		return "a symbolic link is on the path (links are never followed)";
	if (err == EXDEV)
		return "outside the articles root";
	return strerror(err);
}

/* ---- outside the root ---- */

bool ns_path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || !path[n]);
}

/* DIR's parent resolved, joined with DIR's last name, into *OUT. */
static ns_status_t resolve_leaf(const char *dir, char **out, char *why,
                                size_t size)
{
	char *copy = strdup(dir);
	if (!copy)
		return NS_ERR_NOMEM;
	size_t n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	char *slash = strrchr(copy, '/');
	const char *leaf = slash + 1;
	if (!*leaf || strcmp(leaf, ".") == 0 || strcmp(leaf, "..") == 0) {
		snprintf(why, size, "the backup directory must end in a name, not "
		         "\"%s\"", *leaf ? leaf : "/");
		free(copy);
		return NS_ERR_INVALID;
	}
	*slash = '\0';
	char parent[PATH_MAX];
	if (!realpath(slash == copy ? "/" : copy, parent)) {
		snprintf(why, size, "%s: %s", slash == copy ? "/" : copy,
		         strerror(errno));
		free(copy);
		return NS_ERR_INVALID;
	}
	int rc = asprintf(out, "%s/%s", strcmp(parent, "/") ? parent : "",
	                  leaf);
	free(copy);
	if (rc < 0) {
		*out = NULL;
		return NS_ERR_NOMEM;
	}
	return NS_OK;
}

/* Is the resolved PATH inside the directory DIR (resolved here)? */
static bool inside(const char *path, const char *dir)
{
	char real[PATH_MAX];
	return dir && realpath(dir, real) && ns_path_within(path, real);
}

ns_status_t ns_backup_path(const char *dir, const char *allowed,
                           const char *index, const char *articles,
                           char **out, char *why, size_t size)
{
	*out = NULL;
	if (!allowed) {
		snprintf(why, size, "backups are off: set [index] backup_dir "
		         "(--backup-dir) to the directory they may be written in");
		return NS_ERR_INVALID;
	}
	for (const char *p = dir; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			snprintf(why, size, "the backup directory's name has a "
			         "control character");
			return NS_ERR_INVALID;
		}
	if (dir[0] != '/') {
		snprintf(why, size, "the backup directory must be an absolute "
		         "path: %s", dir);
		return NS_ERR_INVALID;
	}
	char *target = NULL;
	ns_status_t st = resolve_leaf(dir, &target, why, size);
	if (st != NS_OK)
		return st;
	struct stat sb;
	char real[PATH_MAX];
	const char *refusal = NULL;
	if (lstat(target, &sb) == 0 && S_ISLNK(sb.st_mode))
		refusal = "is a symbolic link";
	else if (!realpath(allowed, real))
		refusal = "cannot be checked: the backup directory ([index] "
		          "backup_dir) is missing";
	else if (!ns_path_within(target, real) || strcmp(target, real) == 0)
		refusal = "is not inside the backup directory ([index] "
		          "backup_dir)";
	else if (inside(target, index))
		refusal = "is inside the index";
	else if (inside(target, articles))
		refusal = "is inside the articles tree";
	if (refusal) {
		snprintf(why, size, "%s %s", target, refusal);
		if (strstr(refusal, "backup_dir"))
			snprintf(why + strlen(why), size - strlen(why), ": %s",
			         allowed);
		free(target);
		return NS_ERR_INVALID;
	}
	*out = target;
	return NS_OK;
}

ns_status_t ns_private_dir(const char *dir, char *why, size_t size)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(why, size, "%s: cannot create: %s", dir, strerror(errno));
		return NS_ERR_INVALID;
	}
	struct stat st;
	if (lstat(dir, &st) < 0) {
		snprintf(why, size, "%s: %s", dir, strerror(errno));
		return NS_ERR_INVALID;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, size, "%s: not a directory", dir);
		return NS_ERR_INVALID;
	}
	if (st.st_uid != geteuid()) {
		snprintf(why, size, "%s belongs to uid %u, not to this user (uid "
		         "%u): another user may have made it to take the socket's "
		         "name", dir, (unsigned)st.st_uid, (unsigned)geteuid());
		return NS_ERR_INVALID;
	}
	if (st.st_mode & 077) {
		snprintf(why, size, "%s: mode %04o lets other users in; chmod 700 "
		         "%s", dir, (unsigned)(st.st_mode & 07777), dir);
		return NS_ERR_INVALID;
	}
	return NS_OK;
}
