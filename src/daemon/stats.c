/* stats.c - the index's counts for "stats": documents and revision, the
 * articles per section, language and year (the terms' frequencies), and
 * the database's files on disk.  Reads through the pool; writes nothing. */
#include "daemon/stats.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/schema.h"

typedef struct {
	size_t prefix_len;
	size_t n, cap;
	ns_facet_value_t *v;
	bool nomem;
} term_counts_t;

static void count_term(const char *term, uint64_t docs, void *ctx)
{
	term_counts_t *tc = ctx;
	if (tc->nomem)
		return;
	if (tc->n == tc->cap) {
		size_t ncap = tc->cap ? 2 * tc->cap : 16;
		ns_facet_value_t *v = realloc(tc->v, ncap * sizeof *v);
		if (!v) {
			tc->nomem = true;
			return;
		}
		tc->v = v;
		tc->cap = ncap;
	}
	char *value = strdup(term + tc->prefix_len);
	if (!value) {
		tc->nomem = true;
		return;
	}
	tc->v[tc->n++] = (ns_facet_value_t){value, docs};
}

static nsx_status_t terms_of(nsx_reader_t *r, const char *prefix,
                             ns_facet_value_t **v, size_t *n)
{
	term_counts_t tc = {.prefix_len = strlen(prefix)};
	nsx_status_t xst = nsx_reader_each_term(r, prefix, count_term, &tc);
	if (xst == NSX_OK && tc.nomem)
		xst = NSX_NO_MEMORY;
	if (xst != NSX_OK) {
		ns_facet_values_free(tc.v, tc.n);
		return xst;
	}
	*v = tc.v;
	*n = tc.n;
	return NSX_OK;
}

/* The bytes of the database's files and the time of the newest. */
static void index_files(const char *dir, uint64_t *bytes, int64_t *newest)
{
	*bytes = 0;
	*newest = 0;
	DIR *d = opendir(dir);
	if (!d)
		return;
	int fd = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat sb;
		if (e->d_name[0] == '.' ||
		    fstatat(fd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		*bytes += (uint64_t)sb.st_size;
		if (sb.st_mtime > *newest)
			*newest = sb.st_mtime;
	}
	closedir(d);
}

ns_status_t ns_stats_read(ns_readers_t *p, const char *index_dir,
                          ns_stats_t *out, char **errmsg)
{
	memset(out, 0, sizeof *out);
	nsx_reader_t *r = NULL;
	ns_status_t st = ns_readers_borrow(p, &r, errmsg);
	if (st != NS_OK)
		return st;
	out->documents = nsx_reader_doccount(r);
	out->revision = nsx_reader_revision(r);
	nsx_status_t xst = terms_of(r, NS_PREFIX_SECTION, &out->sections,
	                            &out->nsections);
	if (xst == NSX_OK)
		xst = terms_of(r, NS_PREFIX_LANG, &out->langs, &out->nlangs);
	if (xst == NSX_OK)
		xst = terms_of(r, NS_PREFIX_YEAR, &out->years, &out->nyears);
	if (xst != NSX_OK) {
		ns_stats_clear(out);
		return ns_readers_failed(p, r, xst, errmsg);
	}
	ns_readers_give_back(p, r);
	index_files(index_dir, &out->index_bytes, &out->last_commit);
	return NS_OK;
}
