/* safepath.h - paths the daemon opens, resolved where they must be.
 *
 * Under the articles root every path is resolved beneath a descriptor of
 * the root, and a symbolic link anywhere on the way fails it, as ".."
 * does: the tree is what is under the root, never what a link inside it
 * points to.  openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) where the
 * kernel has it (5.6), else openat(O_NOFOLLOW) one component at a time.
 * Outside the root: where a backup may go, and the private directory of a
 * non-root daemon's socket.  Nothing here logs; every function is safe on
 * any thread.
 */
#ifndef NS_SAFEPATH_H
#define NS_SAFEPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "core/util.h"

/* A descriptor of the directory ROOT (O_PATH; the root itself is followed
 * if it is a link: the administrator chose it), for the *_beneath
 * functions.  -1 with errno.  Close it with close(2). */
int ns_root_open(const char *root);

/* Open RELPATH ("" is the root itself) beneath ROOTFD with FLAGS
 * (O_CLOEXEC and O_NOFOLLOW are added; O_CREAT is not allowed).  Returns
 * the descriptor, or -1 with errno: ELOOP when a component is a symbolic
 * link, EXDEV when RELPATH is absolute or has a ".." component, EINVAL for
 * an empty or "." component, else as openat(2).  With O_PATH a link as
 * the last component is opened itself, as lstat(2) would see it. */
int ns_open_beneath(int rootfd, const char *relpath, int flags);

/* lstat(2) of RELPATH beneath ROOTFD: a link as the last component shows
 * as S_IFLNK; one before it fails with ELOOP.  0, or -1 with errno. */
int ns_lstat_beneath(int rootfd, const char *relpath, struct stat *st);

/* Read the regular file RELPATH beneath ROOTFD, at most MAX bytes, as
 * ns_read_file() does (*OUT is new, free()). */
ns_status_t ns_read_beneath(int rootfd, const char *relpath, size_t max,
                            char **out, size_t *len);

/* Is ERR, from the functions above, "no file of the tree is there": gone
 * (ENOENT, ENOTDIR) or reached only through a link or out of the root
 * (ELOOP, EXDEV)? */
bool ns_beneath_gone(int err);

/* ERR in words, for a path under the root: a link on the way is said as
 * such rather than "too many levels of symbolic links".  Static. */
const char *ns_beneath_strerror(int err);

/* Tests: resolve by walking the components even where openat2 works. */
void ns_safepath_force_walk(bool on);

/* Is the absolute, resolved PATH the directory DIR or inside it? */
bool ns_path_within(const char *path, const char *dir);

/* Where a backup asked for at DIR may go: DIR's parent resolved
 * (realpath(3)) joined with its last name, into *OUT (new, free()).
 * ALLOWED is the configured backup directory (NULL: backups are off);
 * INDEX and ARTICLES are the index and the articles root.  Refused with
 * NS_ERR_INVALID and WHY (SIZE bytes) when backups are off, DIR is not
 * absolute, holds a control character, ends in "." or "..", is a
 * symbolic link, its parent cannot be resolved, or it is not inside
 * ALLOWED or is inside INDEX or ARTICLES.  NS_ERR_NOMEM. */
ns_status_t ns_backup_path(const char *dir, const char *allowed,
                           const char *index, const char *articles,
                           char **out, char *why, size_t size);

/* Make DIR (mode 0700) if it is missing, then check that it is a
 * directory of this user's that nobody else may enter or write: what a
 * socket of this user's may be bound in without another user binding it
 * first.  NS_ERR_INVALID with WHY (SIZE bytes) otherwise. */
ns_status_t ns_private_dir(const char *dir, char *why, size_t size);

#endif
