/* query.c - the searcher: a request in the shim's terms, run on a reader
 * of the pool (readers.h), and the shim's result back as ours; also one
 * article ("get") and the index's counts ("stats").  Never on the loop
 * thread; never writes the index.
 */
#include "daemon/query.h"
#include "daemon/fields_index.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hit_json.h"
#include "daemon/complete.h"
#include "daemon/index.h"
#include "daemon/readers.h"
#include "daemon/schema.h"
#include "daemon/shardset.h"
#include "daemon/snippet.h"
#include "daemon/stored.h"
#include "daemon/stats.h"
#include "daemon/synonyms.h"
#include "daemon/xfilter.h"
#include "nsx.h"

struct ns_searcher {
	char *index_dir;
	char language[16];
	unsigned max_expansion;
	double timeout;             /* seconds a search may run; 0: no limit */
	unsigned count_limit;       /* matches counted exactly up to this */
	ns_readers_t *readers;
	ns_shardset_t *shards; /* a front's, owned; NULL: one index */
	pthread_mutex_t mu;
	ns_synonyms_t *synonyms;    /* under mu */
};

/* How each facet is counted: its slot, and how many leading bytes of the
 * value make one (0: the slot holds a list). */
static const nsx_facet_spec_t facet_specs[NS_FACET_COUNT] = {
	[NS_FACET_TAG] = {NS_SLOT_TAGS, 0},
	[NS_FACET_AUTHOR] = {NS_SLOT_AUTHORS, 0},
	[NS_FACET_SECTION] = {NS_SLOT_SECTION, 0},
	[NS_FACET_LANG] = {NS_SLOT_LANG, 0},
	[NS_FACET_YEAR] = {NS_SLOT_DATE, 4},
	[NS_FACET_MONTH] = {NS_SLOT_DATE, 6},
};

/* The fields the query language knows (docs/query-syntax.md). */
static const struct {
	const char *field;
	const char *prefix;
	int boolean;
} query_fields[] = {
	{"title", NS_PREFIX_TITLE, 0},
	{"author", NS_PREFIX_AUTHOR, 0},
	{"tag", NS_PREFIX_TAG, 1},
	{"section", NS_PREFIX_SECTION, 1},
	{"lang", NS_PREFIX_LANG, 1},
};

/* A new reader knows the query language's dates and fields. */
static nsx_status_t setup_reader(nsx_reader_t *r)
{
	nsx_status_t st = nsx_reader_add_date_range(r, NS_SLOT_DATE, "date",
	                                             NS_PREFIX_YEAR,
	                                             NS_PREFIX_MONTH,
	                                             NS_PREFIX_DAY);
	for (size_t f = 0; st == NSX_OK && f < sizeof query_fields /
	                                       sizeof *query_fields; f++)
		st = nsx_reader_add_field(r, query_fields[f].field,
		                          query_fields[f].prefix,
		                          query_fields[f].boolean);
	return st;
}

ns_status_t ns_searcher_new(const char *index_dir, ns_searcher_t **out)
{
	return ns_searcher_new_shards(index_dir, NULL, out);
}

ns_status_t ns_searcher_new_shards(const char *index_dir, ns_shardset_t *shards,
                                   ns_searcher_t **out)
{
	if (!index_dir || !out)
		return NS_ERR_INVALID;
	ns_searcher_t *s = calloc(1, sizeof *s);
	if (!s || !(s->index_dir = strdup(index_dir)) ||
	    (shards ? ns_readers_new_shards(shards, setup_reader, &s->readers)
	            : ns_readers_new(index_dir, setup_reader, &s->readers)) !=
	            NS_OK) {
		if (s)
			free(s->index_dir);
		free(s);
		return NS_ERR_NOMEM;
	}
	pthread_mutex_init(&s->mu, NULL);
	s->shards = shards;
	strcpy(s->language, "en");
	s->max_expansion = NS_DEFAULT_MAX_EXPANSION;
	*out = s;
	return NS_OK;
}

void ns_searcher_set_limits(ns_searcher_t *s, unsigned max_expansion,
                            unsigned timeout_ms)
{
	if (!s)
		return;
	s->max_expansion = max_expansion;
	s->timeout = timeout_ms / 1000.0;
}

void ns_searcher_set_count_limit(ns_searcher_t *s, unsigned limit)
{
	if (s && limit >= 10)
		s->count_limit = limit;
}

ns_status_t ns_searcher_load_synonyms(ns_searcher_t *s, const char *path,
                                      char **errmsg)
{
	if (errmsg)
		*errmsg = NULL;
	if (!s)
		return NS_ERR_INVALID;
	ns_synonyms_t *syn = NULL;
	if (path && *path) {
		ns_status_t st = ns_synonyms_load(path, &syn, errmsg);
		if (st != NS_OK)
			return st;
	}
	pthread_mutex_lock(&s->mu);
	ns_synonyms_t *old = s->synonyms;
	s->synonyms = syn;
	pthread_mutex_unlock(&s->mu);
	ns_synonyms_free(old);
	return NS_OK;
}

void ns_searcher_set_language(ns_searcher_t *s, const char *lang)
{
	if (s && lang && strlen(lang) < sizeof s->language)
		strcpy(s->language, lang);
}

void ns_searcher_free(ns_searcher_t *s)
{
	if (!s)
		return;
	ns_readers_free(s->readers);
	ns_shardset_free(s->shards);
	pthread_mutex_destroy(&s->mu);
	ns_synonyms_free(s->synonyms);
	free(s->index_dir);
	free(s);
}

void ns_searcher_exclusive(ns_searcher_t *s, void (*fn)(void *arg), void *arg)
{
	if (s)
		ns_readers_exclusive(s->readers, fn, arg);
	else
		fn(arg);
}

/* Fill H's stored fields from a document's stored data (the JSON keys
 * are the hit's: nsearch/result.h); its body too if BODY. */
static ns_status_t hit_from_stored(const ns_stored_t *sd, ns_hit_t *h,
                                   bool body)
{
	ns_status_t st = ns_hit_from_json(sd->fields,
	                                  NS_FIELDS_ARTICLE & ~NS_FIELD_BODY, h);
	if (st == NS_OK && body &&
	    !(h->body = ns_strndup(sd->body, sd->body_len)))
		st = NS_ERR_NOMEM;
	return st;
}

/* H's snippet (hit I of RES) from its standfirst and body (SD's); a
 * headline-only article shows its title. */
static ns_status_t cut_snippet(const nsx_results_t *res, size_t i,
                               const ns_stored_t *sd,
                               const ns_search_req_t *req, ns_hit_t *h)
{
	ns_buf_t text = {0};
	ns_status_t st = ns_buf_append(&text, "", 0);
	if (st == NS_OK && h->standfirst && *h->standfirst)
		st = ns_buf_printf(&text, "%s\n\n", h->standfirst);
	if (st == NS_OK)
		st = ns_buf_append(&text, sd->body, sd->body_len);
	if (st == NS_OK && text.len == 0 && h->title)
		st = ns_buf_append(&text, h->title, strlen(h->title));
	if (st == NS_OK)
		st = ns_snippet_cut(res, i, text.data, text.len, req, &h->snippet);
	ns_buf_free(&text);
	return st;
}

/* Fill H from the stored data of hit I and cut its snippet, unless REQ
 * leaves it out: then its text is not even gathered. */
static ns_status_t fill_hit(const nsx_results_t *res, size_t i,
                            const nsx_hit_t *xh, const ns_search_req_t *req,
                            ns_hit_t *h)
{
	ns_stored_t sd;
	if (ns_stored_read(xh->data, xh->data_len, &sd) != NS_OK)
		return NS_ERR_INDEX; /* not our layout: report, don't guess */
	h->rank = xh->rank + 1;
	h->score = xh->score;
	h->duplicates = xh->duplicates;
	h->partial = xh->partial;
	ns_status_t st = hit_from_stored(&sd, h, req->body);
	if (st == NS_OK && !req->skip_snippet)
		st = cut_snippet(res, i, &sd, req, h);
	ns_stored_clear(&sd);
	return st;
}

/* The message of NS_ERR_TIMEOUT, the shim's and ours alike. */
static const char search_timed_out[] =
	"the search took longer than the daemon's query_timeout_ms";

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static char *idterm_of(const char *relpath)
{
	size_t n = strlen(NS_PREFIX_ID) + strlen(relpath) + 1;
	char *t = malloc(n);
	if (t)
		snprintf(t, n, "%s%s", NS_PREFIX_ID, relpath);
	return t;
}

/* A declared field's facet: the one at K of REQ's facet_fields. */
static int custom_facet(const ns_search_req_t *req, int k, char **name)
{
	size_t at = (size_t)(k - NS_FACET_COUNT);
	if (!req->facet_fields || at >= req->facet_fields->n ||
	    ns_fields_find(req->facet_fields->v[at]) < 0)
		return -1;
	*name = strdup(req->facet_fields->v[at]);
	return *name ? 0 : -2;
}

static ns_status_t copy_facets(const nsx_results_t *xres,
                               const ns_search_req_t *req, ns_result_t *res)
{
	size_t want = 0, custom = req->facet_fields ? req->facet_fields->n : 0;
	for (int k = 0; k < NS_FACET_COUNT; k++)
		want += (req->facets >> k) & 1;
	if (!want && !custom)
		return NS_OK;
	if (!(res->facets = calloc(want + custom, sizeof *res->facets)))
		return NS_ERR_NOMEM;
	for (int k = 0; k < NS_FACET_COUNT + (int)custom; k++) {
		char *name = NULL;
		if (k < NS_FACET_COUNT && !((req->facets >> k) & 1))
			continue;
		int c = k >= NS_FACET_COUNT ? custom_facet(req, k, &name) : 0;
		if (c == -1)
			continue;
		if (c == -2)
			return NS_ERR_NOMEM;
		size_t f = res->nfacets++;
		ns_facet_t *out = &res->facets[f];
		out->kind = k < NS_FACET_COUNT ? (ns_facet_kind_t)k : NS_FACET_COUNT;
		out->name = name;
		size_t n = nsx_results_facet_size(xres, f);
		if (n && !(out->values = calloc(n, sizeof *out->values)))
			return NS_ERR_NOMEM;
		for (size_t i = 0; i < n; i++) {
			const char *v;
			uint64_t count;
			if (nsx_results_facet(xres, f, i, &v, &count) != NSX_OK)
				return NS_ERR_INDEX;
			/* "YYYYMM" reads better as "YYYY-MM". */
			char month[8];
			if (k == NS_FACET_MONTH && strlen(v) == 6) {
				snprintf(month, sizeof month, "%.4s-%.2s", v, v + 4);
				v = month;
			}
			if (!(out->values[i].value = strdup(v)))
				return NS_ERR_NOMEM;
			out->values[i].count = count;
			out->n++;
		}
	}
	return NS_OK;
}

/* Seconds on CLOCK_MONOTONIC, the clock of the shim's deadlines. */
static double monotonic_s(const struct timespec *t)
{
	return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

/* Is DEADLINE (0: none) past? */
static bool passed(double deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return deadline > 0 && monotonic_s(&now) >= deadline;
}

/* A search's text and filters in the shim's terms. */
typedef struct {
	char *expanded;          /* the query with its synonyms, or NULL */
	char *like;              /* "similar": the article's id term, or NULL */
	ns_xfilter_t xf;
} shim_input_t;

static void shim_input_free(shim_input_t *in)
{
	ns_xfilter_free(&in->xf);
	free(in->like);
	free(in->expanded);
}

/* Q with S's synonyms into *OUT (new).  The set is held by a reference,
 * not the lock, while a reload may swap it. */
static ns_status_t expand_synonyms(ns_searcher_t *s, const char *q,
                                   char **out)
{
	pthread_mutex_lock(&s->mu);
	ns_synonyms_t *syn = ns_synonyms_ref(s->synonyms);
	pthread_mutex_unlock(&s->mu);
	ns_status_t st = ns_synonyms_expand(syn, q, out);
	ns_synonyms_free(syn);
	return st;
}

/* REQ's text (synonyms applied) or id term, and its filters, into *IN;
 * shim_input_free() it either way.  NS_ERR_BAD_QUERY with *ERRMSG (new)
 * for a filter the index cannot run. */
static ns_status_t shim_input_build(ns_searcher_t *s,
                                    const ns_search_req_t *req,
                                    shim_input_t *in, char **errmsg)
{
	memset(in, 0, sizeof *in);
	if (req->q && !req->like) {
		ns_status_t st = expand_synonyms(s, req->q, &in->expanded);
		if (st != NS_OK)
			return st;
	}
	if (req->like && !(in->like = idterm_of(req->like)))
		return NS_ERR_NOMEM;
	return ns_xfilter_build(&in->xf, req->filter, errmsg);
}

/* REQ, with IN, run on R.  *XRES as nsx_reader_search(). */
static nsx_status_t run_shim(const ns_searcher_t *s, nsx_reader_t *r,
                             const ns_search_req_t *req,
                             const shim_input_t *in, double deadline,
                             nsx_results_t **xres)
{
	nsx_facet_spec_t specs[NS_FACET_COUNT + NS_MAX_FIELDS];
	size_t nspecs = 0;
	for (int k = 0; k < NS_FACET_COUNT; k++)
		if ((req->facets >> k) & 1)
			specs[nspecs++] = facet_specs[k];
	for (size_t k = 0; req->facet_fields && k < req->facet_fields->n &&
	                   nspecs < NS_FACET_COUNT + NS_MAX_FIELDS; k++) {
		int i = ns_fields_find(req->facet_fields->v[k]);
		if (i >= 0)
			specs[nspecs++] = (nsx_facet_spec_t){ns_field_slot((size_t)i), 0};
	}
	int sort = req->sort == NS_SORT_NEWEST ? -1
	         : req->sort == NS_SORT_OLDEST ? 1 : 0;
	unsigned sort_slot = NS_SLOT_DATETIME;
	int by = req->sort == NS_SORT_FIELD ? ns_fields_find(req->sort_field) : -1;
	if (by >= 0) {
		sort = req->sort_desc ? -1 : 1;
		sort_slot = ns_fields_get((size_t)by)->type == NS_FIELD_NUMBER
		            ? ns_field_sort_slot((size_t)by)
		            : ns_field_slot((size_t)by);
	}
	nsx_search_t xreq = {
		.query = in->expanded ? in->expanded
		         : req->q     ? req->q
		                      : "",
		.language = req->lang ? req->lang : s->language,
		.offset = req->offset,
		.limit = req->limit,
		.filters = in->xf.groups,
		.nfilters = in->xf.n,
		.range_slot = in->xf.range_slot,
		.range_lo = in->xf.lo[0] ? in->xf.lo : NULL,
		.range_hi = in->xf.hi[0] ? in->xf.hi : NULL,
		.sort = sort,
		.sort_slot = sort_slot,
		.match = req->match == NS_MATCH_ALL   ? NSX_MATCH_ALL
		         : req->match == NS_MATCH_ANY ? NSX_MATCH_ANY
		                                      : NSX_MATCH_AUTO,
		.max_expansion = s->max_expansion,
		/* Counting stops half way, so that the page itself can still
		 * be found and cut in time. */
		.time_limit = s->timeout / 2,
		.deadline = deadline,
		.spelling = !in->like,
		.spelling_query = req->q,
		.correct = req->autocorrect,
		.feedback = req->feedback,
		.prefix = req->prefix,
		.collapse = req->collapse,
		.collapse_slot = NS_SLOT_CONTENT,
		.count_limit = s->count_limit,
		.facets = specs,
		.nfacets = nspecs,
		.facet_limit = req->facet_limit ? req->facet_limit
		                                : NS_DEFAULT_FACET_LIMIT,
		.recency_days = req->recency_days,
		.recency_slot = NS_SLOT_DATE,
		.like_idterm = in->like,
		.id_in_value = ns_index_path_in_meta,
		.id_slot = NS_SLOT_FILE,
	};
	return nsx_reader_search(r, &xreq, xres);
}

/* The reply's result from the shim's (read through R, at REVISION): the
 * stored fields and snippets of every hit.  NS_ERR_TIMEOUT when DEADLINE
 * (0: none) passes before the last snippet is cut.  *OUT is new. */
static ns_status_t make_result(const nsx_results_t *xres, uint64_t revision,
                               const ns_search_req_t *req, double deadline,
                               ns_result_t **out)
{
	ns_status_t st = NS_OK;
	ns_result_t *res = calloc(1, sizeof *res);
	size_t n = nsx_results_count(xres);
	if (!res || (n && !(res->hits = calloc(n, sizeof *res->hits))))
		st = NS_ERR_NOMEM;
	if (st == NS_OK) {
		res->total = nsx_results_estimated(xres);
		res->total_min = nsx_results_lower_bound(xres);
		res->total_max = nsx_results_upper_bound(xres);
		res->exact = nsx_results_exact(xres);
		res->facets_exact = nsx_results_facets_exact(xres);
		res->relaxed = nsx_results_relaxed(xres);
		res->revision = revision;
		const char *sugg = nsx_results_suggestion(xres);
		const char *from = nsx_results_corrected_from(xres);
		if (*sugg && !(res->suggestion = strdup(sugg)))
			st = NS_ERR_NOMEM;
		if (*from && (!(res->corrected_from = strdup(from)) ||
		              !(res->corrected_to = strdup(
		                        nsx_results_corrected_to(xres)))))
			st = NS_ERR_NOMEM;
	}
	if (st == NS_OK)
		st = copy_facets(xres, req, res);
	for (size_t i = 0; st == NS_OK && i < n; i++) {
		/* A snippet reads the whole article: many long ones take
		 * time too. */
		if (passed(deadline)) {
			st = NS_ERR_TIMEOUT;
			break;
		}
		nsx_hit_t xh;
		if (nsx_results_hit(xres, i, &xh) != NSX_OK) {
			st = NS_ERR_INDEX;
			break;
		}
		res->nhits++;
		st = fill_hit(xres, i, &xh, req, &res->hits[i]);
	}
	if (st != NS_OK) {
		ns_result_free(res);
		return st;
	}
	*out = res;
	return NS_OK;
}

/* REQ run on a reader at the latest revision: *XRES, and *R, the reader
 * it was read through, still lent (give it back after *XRES). */
static ns_status_t run_search(ns_searcher_t *s, const ns_search_req_t *req,
                              double deadline, nsx_reader_t **r,
                              nsx_results_t **xres, char **errmsg)
{
	shim_input_t in;
	ns_status_t st = shim_input_build(s, req, &in, errmsg);
	if (st == NS_OK)
		st = ns_readers_borrow(s->readers, r, errmsg);
	if (st == NS_OK) {
		nsx_status_t xst = run_shim(s, *r, req, &in, deadline, xres);
		/* A shard failed (docs/scaling.md): again from those that
		 * answer, while there is time; a second failure is final. */
		for (int again = 0;
		     xst == NSX_NETWORK && again < 2 && !passed(deadline) &&
		     ns_readers_recover(s->readers, *r);
		     again++)
			xst = run_shim(s, *r, req, &in, deadline, xres);
		if (xst != NSX_OK)
			st = ns_readers_failed(s->readers, *r, xst, errmsg);
	}
	shim_input_free(&in);
	return st;
}

ns_status_t ns_searcher_search(ns_searcher_t *s, const ns_search_req_t *req,
                               ns_result_t **out, char **errmsg)
{
	if (errmsg)
		*errmsg = NULL;
	if (!s || !req || (!req->q && !req->like) || !out)
		return NS_ERR_INVALID;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	double deadline = s->timeout > 0 ? monotonic_s(&t0) + s->timeout : 0;
	nsx_reader_t *r = NULL;
	nsx_results_t *xres = NULL;
	ns_status_t st = run_search(s, req, deadline, &r, &xres, errmsg);
	if (st != NS_OK)
		return st;
	ns_result_t *res = NULL;
	st = make_result(xres, nsx_reader_revision(r), req, deadline, &res);
	if (st == NS_OK && s->shards) {
		res->shards_total = nsx_reader_shards(r);
		res->shards_answered = nsx_reader_shards_up(r);
		ns_shardset_answered(s->shards, res->shards_answered);
	}
	nsx_results_free(xres);
	ns_readers_give_back(s->readers, r);
	if (st != NS_OK) {
		if (errmsg && !*errmsg)
			*errmsg = strdup(st == NS_ERR_TIMEOUT ? search_timed_out
			                                      : ns_status_str(st));
		return st;
	}
	res->took_ms = elapsed_ms(&t0);
	*out = res;
	return NS_OK;
}

ns_status_t ns_searcher_complete(ns_searcher_t *s, const char *q,
                                 const char *lang, unsigned limit,
                                 ns_completions_t *out, char **errmsg)
{
	if (errmsg)
		*errmsg = NULL;
	if (!s || !q || !out)
		return NS_ERR_INVALID;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	double deadline = s->timeout > 0 ? monotonic_s(&t0) + s->timeout : 0;
	nsx_reader_t *r = NULL;
	ns_status_t st = ns_readers_borrow(s->readers, &r, errmsg);
	if (st != NS_OK)
		return st;
	nsx_status_t xst = ns_complete(r, q, lang ? lang : s->language, limit,
	                               deadline, out);
	if (xst != NSX_OK)
		return ns_readers_failed(s->readers, r, xst, errmsg);
	ns_readers_give_back(s->readers, r);
	out->took_ms = elapsed_ms(&t0);
	return NS_OK;
}

ns_status_t ns_searcher_get(ns_searcher_t *s, const char *path,
                            ns_hit_t *hit, uint64_t *revision,
                            char **errmsg)
{
	if (errmsg)
		*errmsg = NULL;
	if (!s || !path || !hit)
		return NS_ERR_INVALID;
	memset(hit, 0, sizeof *hit);
	char *idterm = idterm_of(path);
	if (!idterm)
		return NS_ERR_NOMEM;
	nsx_reader_t *r = NULL;
	ns_status_t st = ns_readers_borrow(s->readers, &r, errmsg);
	char *data = NULL;
	size_t len = 0;
	if (st == NS_OK) {
		nsx_status_t xst = nsx_reader_get(r, idterm, &data, &len);
		if (revision)
			*revision = nsx_reader_revision(r);
		if (xst != NSX_OK)
			st = ns_readers_failed(s->readers, r, xst, errmsg);
		else
			ns_readers_give_back(s->readers, r);
	}
	free(idterm);
	if (st != NS_OK)
		return st;
	ns_stored_t sd;
	st = ns_stored_read(data, len, &sd);
	if (st == NS_OK)
		st = hit_from_stored(&sd, hit, true);
	ns_stored_clear(&sd);
	free(data);
	if (st != NS_OK)
		ns_hit_clear(hit);
	return st;
}

ns_status_t ns_searcher_stats(ns_searcher_t *s, ns_stats_t *out,
                              char **errmsg)
{
	if (errmsg)
		*errmsg = NULL;
	if (!s || !out)
		return NS_ERR_INVALID;
	return ns_stats_read(s->readers, s->index_dir, out, errmsg);
}

ns_status_t ns_searcher_each_term(ns_searcher_t *s, const char *prefix,
                                  void (*each)(const char *term,
                                               uint64_t docs, void *ctx),
                                  void *ctx, uint64_t *revision,
                                  char **errmsg)
{
	if (errmsg)
		*errmsg = NULL;
	if (!s || !prefix || !each)
		return NS_ERR_INVALID;
	nsx_reader_t *r = NULL;
	ns_status_t st = ns_readers_borrow(s->readers, &r, errmsg);
	if (st != NS_OK)
		return st;
	if (revision)
		*revision = nsx_reader_revision(r);
	nsx_status_t xst = nsx_reader_each_term(r, prefix, each, ctx);
	if (xst != NSX_OK)
		return ns_readers_failed(s->readers, r, xst, errmsg);
	ns_readers_give_back(s->readers, r);
	return NS_OK;
}

ns_search_req_t ns_search_req_of(const ns_request_t *r)
{
	return (ns_search_req_t){
		.q = r->q,
		.offset = r->offset,
		.limit = r->limit,
		.snippet_length = r->snippet_length,
		.hl_start = r->hl_start,
		.hl_end = r->hl_end,
		.lang = r->lang,
		.filter = &r->filter,
		.sort = r->sort,
		.sort_field = r->sort_field,
		.sort_desc = r->sort_desc,
		.facet_fields = &r->facet_fields,
		.match = r->match,
		.collapse = r->collapse,
		.facets = r->facets,
		.facet_limit = r->facet_limit,
		.plain = r->plain,
		.recency_days = r->recency_days,
		.autocorrect = r->op == NS_OP_SEARCH && r->autocorrect,
		.feedback = r->op == NS_OP_SEARCH && r->feedback,
		.prefix = r->op == NS_OP_SEARCH && r->prefix,
		.like = r->op == NS_OP_SIMILAR ? r->path : NULL,
		.body = (r->fields & NS_FIELD_BODY) != 0,
		.skip_snippet = (r->fields & NS_FIELD_SNIPPET) == 0,
	};
}
