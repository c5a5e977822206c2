/* shard_tools.c - nsearchd --split-index and --merge-shards
 * (shard_tools.h): which folder goes to which shard; the copying itself
 * is the shim's.  Writes only new databases. */
#include "daemon/shard_tools.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/schema.h"
#include "nsx.h"

#define MAX_FOLDERS 100000

struct folder {
	char *name; /* the top-level folder ("" for the root's files) */
	uint64_t docs;
	unsigned shard;
};

struct plan {
	struct folder *f;
	size_t n, cap;
	bool failed; /* out of memory, or too many folders */
};

/* The top-level folder of the id term TERM ("Q" + relative path). */
static size_t folder_len(const char *term, const char **name)
{
	*name = term + strlen(NS_PREFIX_ID);
	const char *slash = strchr(*name, '/');
	return slash ? (size_t)(slash - *name) : 0;
}

static struct folder *find(struct plan *p, const char *name, size_t len)
{
	for (size_t i = 0; i < p->n; i++)
		if (strlen(p->f[i].name) == len &&
		    !memcmp(p->f[i].name, name, len))
			return &p->f[i];
	return NULL;
}

static void count_term(const char *term, uint64_t docs, void *ctx)
{
	struct plan *p = ctx;
	const char *name;
	size_t len = folder_len(term, &name);
	struct folder *f = find(p, name, len);
	if (!f && !p->failed) {
		if (p->n == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 64;
			struct folder *nf =
			        cap <= MAX_FOLDERS
			                ? realloc(p->f, cap * sizeof *nf)
			                : NULL;
			if (!nf) {
				p->failed = true;
				return;
			}
			p->f = nf;
			p->cap = cap;
		}
		f = &p->f[p->n];
		if (!(f->name = strndup(name, len))) {
			p->failed = true;
			return;
		}
		f->docs = 0;
		p->n++;
	}
	if (f)
		f->docs += docs;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct folder *)a)->name,
	              ((const struct folder *)b)->name);
}

/* Each folder, in name order, to the shard with the fewest so far. */
static void deal(struct plan *p, unsigned n)
{
	uint64_t load[NS_SHARDS_MAX] = { 0 };
	qsort(p->f, p->n, sizeof *p->f, by_name);
	for (size_t i = 0; i < p->n; i++) {
		unsigned best = 0;
		for (unsigned k = 1; k < n; k++)
			if (load[k] < load[best])
				best = k;
		p->f[i].shard = best;
		load[best] += p->f[i].docs;
	}
}

static unsigned shard_of(const char *idterm, void *ctx)
{
	const char *name;
	size_t len = folder_len(idterm, &name);
	struct folder *f = find(ctx, name, len);
	return f ? f->shard : 0;
}

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->f[i].name);
	free(p->f);
}

static ns_status_t fail(char **err, const char *what, char *xerr)
{
	if (asprintf(err, "%s: %s", what, xerr ? xerr : "out of memory") < 0)
		*err = NULL;
	free(xerr);
	return NS_ERR_INDEX;
}

/* The folders of the index at INDEX_DIR, dealt to N shards, into *P. */
static ns_status_t make_plan(const char *index_dir, unsigned n, struct plan *p,
                             char **err)
{
	nsx_reader_t *r = NULL;
	char *xerr = NULL;
	if (nsx_reader_open(index_dir, &r, &xerr) != NSX_OK)
		return fail(err, index_dir, xerr);
	nsx_status_t st = nsx_reader_each_term(r, NS_PREFIX_ID, count_term, p);
	if (st != NSX_OK || p->failed) {
		xerr = strdup(st != NSX_OK ? nsx_reader_error(r)
		                           : "too many top-level folders");
		nsx_reader_close(r);
		return fail(err, index_dir, xerr);
	}
	nsx_reader_close(r);
	deal(p, n);
	return NS_OK;
}

ns_status_t ns_shards_split(const char *index_dir, unsigned n, const char *dir,
                            FILE *out, char **err)
{
	*err = NULL;
	if (n < 2 || n > NS_SHARDS_MAX)
		return NS_ERR_INVALID;
	struct plan p = { 0 };
	ns_status_t st = make_plan(index_dir, n, &p, err);
	char *dests[NS_SHARDS_MAX] = { 0 };
	if (st == NS_OK && mkdir(dir, 0700) < 0 && errno != EEXIST)
		st = fail(err, dir, strdup(strerror(errno)));
	for (unsigned k = 0; st == NS_OK && k < n; k++)
		if (asprintf(&dests[k], "%s/shard-%u", dir, k + 1) < 0)
			st = fail(err, dir, NULL);
	char *xerr = NULL;
	if (st == NS_OK &&
	    nsx_split(index_dir, (const char *const *)dests, n, NS_PREFIX_ID,
	              shard_of, &p, &xerr) != NSX_OK)
		st = fail(err, index_dir, xerr);
	for (unsigned k = 0; st == NS_OK && k < n; k++) {
		fprintf(out, "%s:", dests[k]);
		for (size_t i = 0; i < p.n; i++)
			if (p.f[i].shard == k)
				fprintf(out, " %s/ (%llu)",
				        p.f[i].name[0] ? p.f[i].name : ".",
				        (unsigned long long)p.f[i].docs);
		fputc('\n', out);
	}
	for (unsigned k = 0; k < n; k++)
		free(dests[k]);
	plan_free(&p);
	return st;
}

ns_status_t ns_shards_merge(const char *dest, char *const *srcs, size_t n,
                            char **err)
{
	*err = NULL;
	char *xerr = NULL;
	if (nsx_merge((const char *const *)srcs, n, dest, &xerr) != NSX_OK)
		return fail(err, dest, xerr);
	return NS_OK;
}
