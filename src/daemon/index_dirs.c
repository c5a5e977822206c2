/* index_dirs.c - the index directory at start: made (mkdir -p, private)
 * when missing, removed again if the start fails, and refused when
 * other users may read it.  Never removes what this start did not make.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "daemon/nsearchd.h"

/* mkdir -p for the index and its parent directories, private to the
 * daemon's user as the index is.  What this start made is what mkdir
 * said it made, never what a look beforehand found missing: another
 * process may make (and fill) one in between.  Into D: the first parent
 * made (made_dir), and the index directory itself (made_index). */
void nsd_index_dirs_make(struct daemon *d, const char *path)
{
	char *p = strdup(path);
	if (!p)
		return;
	for (char *s = strchr(p + 1, '/'); s && s[1]; s = strchr(s + 1, '/')) {
		*s = '\0';
		int rc = mkdir(p, 0700);
		if (rc < 0 && errno != EEXIST)
			break;
		if (rc == 0 && !d->made_dir)
			d->made_dir = strdup(p);
		*s = '/';
	}
	d->made_index = mkdir(path, 0700) == 0;
	free(p);
}

/* A start that failed (a socket in use) leaves no empty index behind for
 * the next one to wonder about: what nsd_index_dirs_make() made goes, never what
 * was there.  The index's files only if this start held its lock
 * (OPENED): else another daemon may have taken the directory it made;
 * the parents it made only while empty. */
void nsd_index_dirs_remove(struct daemon *d, bool opened)
{
	char *p = strdup(d->cfg.index);
	size_t n = p ? strlen(p) : 0;
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	if (p && d->made_index) {
		if (opened)
			ns_remove_dir(p);
		if (rmdir(p) == 0 || errno == ENOENT)
			ns_log(NS_LOG_INFO, LOG_MOD,
			       "removed %s, which this start made", p);
	}
	for (char *s; p && d->made_dir && (s = strrchr(p, '/')) && s > p;) {
		*s = '\0';
		if (strlen(p) < strlen(d->made_dir) || rmdir(p) < 0)
			break;
		ns_log(NS_LOG_INFO, LOG_MOD,
		       "removed %s, which this start made", p);
	}
	free(p);
}

/* Like PostgreSQL with its data directory: an index other users may read
 * (one made by an older nsearchd, or under another umask) lets them read
 * every article with xapian-delve.  0, or 1 after saying what to run. */
int nsd_index_private(const char *index)
{
	struct stat st;
	if (stat(index, &st) < 0 || !(st.st_mode & 077))
		return 0;
	return ns_fatal("index %s: mode %04o lets other users read the "
	                "articles in it; make it private to the daemon's user "
	                "with: chmod -R go= %s",
	                index, (unsigned)(st.st_mode & 07777), index);
}
