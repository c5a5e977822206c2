/* paths.c - the "paths" request (paths.h): a walk over the id terms
 * ("Q" + path) under the prefix, folded a level at a time.  Reads the
 * index only; the files themselves are never looked at. */
#include "daemon/paths.h"

#include <stdlib.h>
#include <string.h>

#include "daemon/schema.h"

typedef struct {
	size_t skip;             /* bytes of "Q" + the prefix */
	unsigned limit;
	ns_result_t *res;        /* the entries so far, up to LIMIT */
	ns_buf_t last;           /* the entry seen last, to fold a folder */
	bool nomem;
} walk_t;

static bool add_entry(walk_t *w, const char *entry, size_t len)
{
	ns_result_t *res = w->res;
	if (res->nhits % 64 == 0) {
		ns_hit_t *v = realloc(res->hits, (res->nhits + 64) * sizeof *v);
		if (!v)
			return false;
		res->hits = v;
	}
	ns_hit_t *h = &res->hits[res->nhits];
	memset(h, 0, sizeof *h);
	if (!(h->path = ns_strndup(entry, len)))
		return false;
	h->rank = (unsigned)++res->nhits;
	return true;
}

/* A term "Q<prefix><rest>": the entry is the path up to the first "/"
 * of REST (a folder), else the whole path (an article). */
static void each_id(const char *term, uint64_t docs, void *ctx)
{
	walk_t *w = ctx;
	if (w->nomem)
		return;
	const char *path = term + strlen(NS_PREFIX_ID);
	const char *slash = strchr(term + w->skip, '/');
	size_t len = slash ? (size_t)(slash + 1 - path) : strlen(path);
	if (w->last.len == len && memcmp(w->last.data, path, len) == 0)
		return; /* the same folder again: terms come in order */
	w->last.len = 0;
	w->res->total++;
	if (ns_buf_append(&w->last, path, len) != NS_OK ||
	    (w->res->nhits < w->limit && !add_entry(w, path, len)))
		w->nomem = true;
}

ns_status_t ns_paths_reply(ns_searcher_t *s, const ns_request_t *req,
                           char **reply, char **errmsg)
{
	const char *prefix = req->path ? req->path : "";
	char *term = malloc(strlen(NS_PREFIX_ID) + strlen(prefix) + 1);
	walk_t w = {.skip = strlen(NS_PREFIX_ID) + strlen(prefix),
	            .limit = req->limit, .res = calloc(1, sizeof *w.res)};
	ns_status_t st = NS_ERR_NOMEM;
	if (term && w.res) {
		strcpy(term, NS_PREFIX_ID);
		strcat(term, prefix);
		st = ns_searcher_each_term(s, term, each_id, &w, &w.res->revision,
		                           errmsg);
	}
	if (st == NS_OK && w.nomem)
		st = NS_ERR_NOMEM;
	if (st == NS_OK) {
		w.res->total_min = w.res->total_max = w.res->total;
		w.res->exact = true;
		*reply = ns_proto_search_reply(req->id, w.res, NS_FIELD_PATH);
		st = *reply ? NS_OK : NS_ERR_NOMEM;
	}
	ns_result_free(w.res);
	ns_buf_free(&w.last);
	free(term);
	return st;
}
