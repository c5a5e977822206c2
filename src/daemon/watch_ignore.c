/* watch_ignore.c - which names are never articles (editors' backups,
 * temporary files, hidden ones) and the configured globs.  Pure: it reads
 * no file and keeps no state. */
#include "daemon/watch_impl.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n > k && strcmp(s + n - k, suffix) == 0;
}

bool ns_watch_ignored(const char *name)
{
	static const char *const temp_suffixes[] = {
		"~", ".bak", ".tmp", ".temp", ".part", ".partial", ".crdownload",
		".swp", ".swx",
	};
	size_t n = strlen(name);
	if (n == 0 || name[0] == '.')   /* hidden, and "." ".." and ".x.swp" */
		return true;
	if (n >= 2 && name[0] == '#' && name[n - 1] == '#')
		return true;
	if (n >= 2 && name[0] == '~' && name[1] == '$')
		return true;
	if (strcmp(name, "4913") == 0)  /* vim checks it may write here */
		return true;
	for (size_t i = 0; i < sizeof temp_suffixes / sizeof *temp_suffixes; i++)
		if (ends_with(name, n, temp_suffixes[i]) ||
		    (temp_suffixes[i][0] == '~' && name[n - 1] == '~'))
			return true;
	return false;
}

/* Is NAME, at RELPATH, skipped: built in, or by one of GLOBS? */
static bool skipped_by(const ns_strv_t *globs, const char *relpath,
                       const char *name)
{
	if (ns_watch_ignored(name))
		return true;
	for (size_t i = 0; globs && i < globs->n; i++)
		if (fnmatch(globs->v[i], name, 0) == 0 ||
		    fnmatch(globs->v[i], relpath, FNM_PATHNAME) == 0)
			return true;
	return false;
}

bool watch_skipped(const ns_watch_t *w, const char *relpath,
                   const char *name)
{
	return skipped_by(&w->ignore, relpath, name);
}

bool ns_path_skipped(const ns_strv_t *globs, const char *relpath)
{
	if (!relpath)
		return false;
	/* As a scan meets it: each component, with the path up to it. */
	size_t len = strlen(relpath);
	char *prefix = malloc(len + 1);
	if (!prefix)
		return false;
	memcpy(prefix, relpath, len + 1);
	bool skip = false;
	size_t start = 0;
	for (size_t i = 0; !skip; i++) {
		if (relpath[i] != '/' && relpath[i])
			continue;
		char saved = prefix[i];
		prefix[i] = '\0';
		skip = i - start > NAME_MAX ||
		       skipped_by(globs, prefix, prefix + start);
		prefix[i] = saved;
		if (!relpath[i])
			break;
		start = i + 1;
	}
	free(prefix);
	return skip;
}

bool ns_watch_skips(const ns_watch_t *w, const char *relpath)
{
	return w && ns_path_skipped(&w->ignore, relpath);
}
