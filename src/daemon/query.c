/* query.c - runs searches on pooled read-only Xapian readers.
 *
 * A reader is used by one thread at a time: a search takes one from the
 * idle list (or opens a new one), brings it to the latest revision, and
 * gives it back.  Xapian objects are never shared between two threads.
 */
#include "daemon/query.h"
#include "daemon/fields_index.h"

#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "daemon/schema.h"
#include "daemon/synonyms.h"
#include "nsx.h"

struct idle_reader {
	struct idle_reader *next;
	nsx_reader_t *r;
	uint64_t generation;        /* of the database files it has open */
};

struct ns_searcher {
	char *index_dir;
	char language[16];
	unsigned max_expansion;
	double timeout;             /* seconds a search may run; 0: no limit */
	pthread_mutex_t mu;
	struct idle_reader *idle;   /* under mu */
	struct idle_reader *lent;   /* readers a search has, under mu */
	uint64_t generation;        /* bumped when the index is swapped, under mu */
	bool swapping;              /* under mu: borrowing waits */
	pthread_cond_t quiet;       /* the swap ends, or the last search does */
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

ns_status_t ns_searcher_new(const char *index_dir, ns_searcher_t **out)
{
	if (!index_dir || !out)
		return NS_ERR_INVALID;
	ns_searcher_t *s = calloc(1, sizeof *s);
	if (!s || !(s->index_dir = strdup(index_dir))) {
		free(s);
		return NS_ERR_NOMEM;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->quiet, NULL);
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
	for (struct idle_reader *i = s->idle, *next; i; i = next) {
		next = i->next;
		nsx_reader_close(i->r);
		free(i);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->quiet);
	ns_synonyms_free(s->synonyms);
	free(s->index_dir);
	free(s);
}

/* Forget node I of the lent list (the caller holds mu); wake a swap
 * waiting for the last search to end. */
static void unlend(ns_searcher_t *s, struct idle_reader *i)
{
	struct idle_reader **p = &s->lent;
	while (*p && *p != i)
		p = &(*p)->next;
	if (*p)
		*p = i->next;
	if (s->swapping && !s->lent)
		pthread_cond_broadcast(&s->quiet);
}

/* A reader at some revision, noted as lent until give_back().  Noted
 * before it is opened, so that a swap of the index waits for it. */
static nsx_status_t borrow(ns_searcher_t *s, nsx_reader_t **out, char **err)
{
	pthread_mutex_lock(&s->mu);
	while (s->swapping)
		pthread_cond_wait(&s->quiet, &s->mu);
	struct idle_reader *i = s->idle;
	if (i) {
		s->idle = i->next;
	} else if ((i = malloc(sizeof *i))) {
		i->r = NULL;
		i->generation = s->generation;
	}
	if (i) {
		i->next = s->lent;
		s->lent = i;
	}
	pthread_mutex_unlock(&s->mu);
	if (!i)
		return NSX_NO_MEMORY;
	if (i->r) {
		*out = i->r;
		return NSX_OK;
	}
	nsx_reader_t *r = NULL;
	nsx_status_t st = nsx_reader_open(s->index_dir, &r, err);
	if (st == NSX_OK)
		st = nsx_reader_add_date_range(r, NS_SLOT_DATE, "date",
		                               NS_PREFIX_YEAR, NS_PREFIX_MONTH,
		                               NS_PREFIX_DAY);
	for (size_t f = 0; st == NSX_OK && f < sizeof query_fields /
	                                       sizeof *query_fields; f++)
		st = nsx_reader_add_field(r, query_fields[f].field,
		                          query_fields[f].prefix,
		                          query_fields[f].boolean);
	if (st != NSX_OK) {
		if (r && err && !*err)
			*err = strdup(nsx_reader_error(r));
		nsx_reader_close(r);
		pthread_mutex_lock(&s->mu);
		unlend(s, i);
		pthread_mutex_unlock(&s->mu);
		free(i);
		return st;
	}
	pthread_mutex_lock(&s->mu);
	i->r = r;
	pthread_mutex_unlock(&s->mu);
	*out = r;
	return NSX_OK;
}

/* R, borrowed, leaves the lent list: back to the idle list if KEEP and
 * the index was not swapped since it was opened (else its files are the
 * old index's), otherwise closed.  Every borrowed reader ends here, on
 * every path: a swap waits until the lent list is empty. */
static void settle(ns_searcher_t *s, nsx_reader_t *r, bool keep)
{
	pthread_mutex_lock(&s->mu);
	struct idle_reader *i = s->lent;
	while (i && i->r != r)
		i = i->next;
	bool drop = !keep || !i || i->generation != s->generation;
	if (i)
		unlend(s, i);
	if (i && !drop) {
		i->next = s->idle;
		s->idle = i;
	}
	pthread_mutex_unlock(&s->mu);
	if (drop) {
		nsx_reader_close(r);
		free(i);
	}
}

static void give_back(ns_searcher_t *s, nsx_reader_t *r)
{
	settle(s, r, true);
}

/* A reader that failed may be broken: close it, and forget it was lent. */
static void discard(ns_searcher_t *s, nsx_reader_t *r)
{
	settle(s, r, false);
}

void ns_searcher_exclusive(ns_searcher_t *s, void (*fn)(void *arg), void *arg)
{
	if (!s) {
		fn(arg);
		return;
	}
	pthread_mutex_lock(&s->mu);
	s->swapping = true;
	while (s->lent)
		pthread_cond_wait(&s->quiet, &s->mu);
	fn(arg);
	s->generation++;
	struct idle_reader *idle = s->idle;
	s->idle = NULL;
	s->swapping = false;
	pthread_cond_broadcast(&s->quiet);
	pthread_mutex_unlock(&s->mu);
	for (struct idle_reader *next; idle; idle = next) {
		next = idle->next;
		nsx_reader_close(idle->r);
		free(idle);
	}
}

static char *json_str_dup(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return strdup(v ? v : "");
}

static ns_status_t json_strv(json_t *o, const char *key, ns_strv_t *out)
{
	json_t *arr = json_object_get(o, key);
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		if (s && ns_strv_push(out, s, strlen(s)) != NS_OK)
			return NS_ERR_NOMEM;
	}
	return NS_OK;
}

/* Squeeze every run of white space (paragraph breaks included) into one
 * space, in place: a snippet is one line of text. */
static void squeeze_space(char *s)
{
	char *start = s, *o = s;
	bool space = false;
	for (; *s; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
			space = true;
			continue;
		}
		if (space && o != start)
			*o++ = ' ';
		space = false;
		*o++ = *s;
	}
	*o = '\0';
}

/* No query term in the text (a filter-only query): show its beginning,
 * cut at a word boundary and HTML-escaped like Xapian's snippets. */
static char *lead_snippet(const char *text, size_t len, size_t max)
{
	size_t n = len;
	if (n > max) {
		n = max;
		while (n > 0 && text[n] != ' ' && text[n] != '\n')
			n--;
		if (n == 0)
			n = max;
		/* Never cut inside a UTF-8 sequence. */
		while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--;
	}
	ns_buf_t b = {0};
	ns_status_t st = ns_buf_append(&b, "", 0);
	for (size_t i = 0; st == NS_OK && i < n; i++) {
		switch (text[i]) {
		case '&': st = ns_buf_append(&b, "&amp;", 5); break;
		case '<': st = ns_buf_append(&b, "&lt;", 4); break;
		case '>': st = ns_buf_append(&b, "&gt;", 4); break;
		default: st = ns_buf_append(&b, text + i, 1); break;
		}
	}
	if (st == NS_OK && n < len)
		st = ns_buf_append(&b, "\xe2\x80\xa6", 3);
	if (st != NS_OK) {
		ns_buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* Undo the HTML escaping of a snippet, in place, for plain-text output. */
static void unescape_html(char *s)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'},
	            {"&quot;", '"'}, {"&#39;", '\''}};
	char *o = s;
	while (*s) {
		size_t i = 0;
		if (*s == '&')
			for (; i < sizeof ents / sizeof *ents; i++)
				if (strncmp(s, ents[i].ent, strlen(ents[i].ent)) == 0)
					break;
		if (*s == '&' && i < sizeof ents / sizeof *ents) {
			*o++ = ents[i].c;
			s += strlen(ents[i].ent);
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

/* Fill H's stored fields from a document's data; its body too if BODY. */
static ns_status_t hit_from_data(json_t *o, ns_hit_t *h, bool body)
{
	h->path = json_str_dup(o, "path");
	h->title = json_str_dup(o, "title");
	h->standfirst = json_str_dup(o, "standfirst");
	h->date = json_str_dup(o, "date");
	h->time = json_str_dup(o, "time");
	h->section = json_str_dup(o, "section");
	h->language = json_str_dup(o, "language");
	h->url = json_str_dup(o, "url");
	h->format = json_str_dup(o, "format");
	if (body)
		h->body = json_str_dup(o, "body");
	json_int_t minutes = json_integer_value(json_object_get(o, "reading_minutes"));
	h->reading_minutes = minutes > 0 ? (unsigned)minutes : 0;
	if (!h->path || !h->title || !h->standfirst || !h->date || !h->time ||
	    !h->section || !h->language || !h->url || !h->format ||
	    (body && !h->body))
		return NS_ERR_NOMEM;
	ns_status_t st = json_strv(o, "tags", &h->tags);
	if (st == NS_OK)
		st = json_strv(o, "authors", &h->authors);
	json_t *own = json_object_get(o, "fields");
	if (json_is_object(own))
		h->fields = json_incref(own);
	return st;
}

/* Fill H from the stored data of hit I and cut its snippet. */
static ns_status_t fill_hit(const nsx_results_t *res, size_t i,
                            const nsx_hit_t *xh, const ns_search_req_t *req,
                            ns_hit_t *h)
{
	json_t *o = json_loadb(xh->data, xh->data_len, 0, NULL);
	if (!o)
		return NS_ERR_INDEX; /* not our layout: report, don't guess */
	h->rank = xh->rank + 1;
	h->score = xh->score;
	h->duplicates = xh->duplicates;
	h->partial = xh->partial;
	ns_status_t st = hit_from_data(o, h, req->body);

	/* Snippets come from the standfirst and the body; a headline-only
	 * article shows its title. */
	ns_buf_t text = {0};
	const char *standfirst = json_string_value(json_object_get(o, "standfirst"));
	const char *body = json_string_value(json_object_get(o, "body"));
	if (st == NS_OK && standfirst && *standfirst)
		st = ns_buf_printf(&text, "%s\n\n", standfirst);
	if (st == NS_OK && body)
		st = ns_buf_append(&text, body, strlen(body));
	if (st == NS_OK && text.len == 0)
		st = ns_buf_append(&text, h->title, strlen(h->title));
	if (st == NS_OK) {
		size_t length = req->snippet_length ? req->snippet_length : 200;
		nsx_status_t xst = nsx_results_snippet(
			res, i, text.data, text.len, length,
			req->hl_start ? req->hl_start : "<b>",
			req->hl_end ? req->hl_end : "</b>", &h->snippet);
		if (xst != NSX_OK)
			st = xst == NSX_NO_MEMORY ? NS_ERR_NOMEM : NS_ERR_INDEX;
		if (st == NS_OK && !*h->snippet) {
			free(h->snippet);
			h->snippet = lead_snippet(text.data, text.len, length);
			if (!h->snippet)
				st = NS_ERR_NOMEM;
		}
		if (st == NS_OK)
			squeeze_space(h->snippet);
		if (st == NS_OK && req->plain)
			unescape_html(h->snippet);
	}
	ns_buf_free(&text);
	json_decref(o);
	return st;
}

/* The filter's Xapian form: one group of alternative terms per field. */
#define XGROUPS (4 + NS_MAX_FIELDS)
typedef struct {
	nsx_filter_t groups[XGROUPS];
	size_t n;
	ns_strv_t terms[XGROUPS];
	const char **ptrs[XGROUPS];
	char lo[17], hi[17];
	unsigned range_slot;
} xfilter_t;

static void xfilter_free(xfilter_t *x)
{
	for (size_t i = 0; i < XGROUPS; i++) {
		ns_strv_clear(&x->terms[i]);
		free(x->ptrs[i]);
	}
}

static ns_status_t xfilter_group(xfilter_t *x, const ns_strv_t *values,
                                 const char *prefix)
{
	if (!values->n)
		return NS_OK;
	size_t g = x->n;
	for (size_t i = 0; i < values->n; i++) {
		char *term = NULL;
		nsx_status_t st = nsx_boolean_term(prefix, values->v[i], &term);
		if (st == NSX_NO_MEMORY)
			return NS_ERR_NOMEM;
		if (st != NSX_OK)
			continue; /* too long to be a term: it matches nothing */
		ns_status_t s2 = ns_strv_push(&x->terms[g], term, strlen(term));
		free(term);
		if (s2 != NS_OK)
			return s2;
	}
	/* No usable value: a term that no document has keeps it matching
	 * nothing rather than everything. */
	if (!x->terms[g].n && ns_strv_push(&x->terms[g], prefix, strlen(prefix)) != NS_OK)
		return NS_ERR_NOMEM;
	x->ptrs[g] = malloc(x->terms[g].n * sizeof *x->ptrs[g]);
	if (!x->ptrs[g])
		return NS_ERR_NOMEM;
	for (size_t i = 0; i < x->terms[g].n; i++)
		x->ptrs[g][i] = x->terms[g].v[i];
	x->groups[g].terms = x->ptrs[g];
	x->groups[g].n = x->terms[g].n;
	x->n++;
	return NS_OK;
}

static ns_status_t xfilter_build(xfilter_t *x, const ns_filter_t *f)
{
	memset(x, 0, sizeof *x);
	if (!f)
		return NS_OK;
	ns_status_t st = xfilter_group(x, &f->sections, NS_PREFIX_SECTION);
	if (st == NS_OK)
		st = xfilter_group(x, &f->tags, NS_PREFIX_TAG);
	if (st == NS_OK)
		st = xfilter_group(x, &f->authors, NS_PREFIX_AUTHOR_EXACT);
	if (st == NS_OK)
		st = xfilter_group(x, &f->langs, NS_PREFIX_LANG);
	for (size_t k = 0; st == NS_OK && k < f->nfields; k++) {
		int i = ns_fields_find(f->fields[k].name);
		char prefix[NS_FIELD_NAME_MAX + 8];
		if (i < 0 || x->n >= XGROUPS)
			continue;
		ns_field_prefix((size_t)i, prefix, sizeof prefix);
		st = xfilter_group(x, &f->fields[k].values, prefix);
	}
	x->range_slot = NS_SLOT_DATE;
	/* "YYYY-MM-DD" to the slot's "YYYYMMDD". */
	if (f->date_from[0])
		snprintf(x->lo, sizeof x->lo, "%.4s%.2s%.2s", f->date_from,
		         f->date_from + 5, f->date_from + 8);
	if (f->date_to[0])
		snprintf(x->hi, sizeof x->hi, "%.4s%.2s%.2s", f->date_to,
		         f->date_to + 5, f->date_to + 8);
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

static ns_status_t from_nsx(nsx_status_t xst)
{
	switch (xst) {
	case NSX_OK: return NS_OK;
	case NSX_BAD_QUERY: return NS_ERR_BAD_QUERY;
	case NSX_TOO_BROAD: return NS_ERR_TOO_BROAD;
	case NSX_TOO_COMPLEX: return NS_ERR_TOO_COMPLEX;
	case NSX_TIMEOUT: return NS_ERR_TIMEOUT;
	case NSX_NOT_FOUND: return NS_ERR_NOT_FOUND;
	case NSX_NO_MEMORY: return NS_ERR_NOMEM;
	default: return NS_ERR_INDEX;
	}
}

/* After a failed call on R: keep its message, and give it back to the
 * pool only if the failure was the request's (a reader that failed for
 * any other reason may be broken). */
static ns_status_t reader_failed(ns_searcher_t *s, nsx_reader_t *r,
                                 nsx_status_t xst, char **errmsg)
{
	ns_status_t st = from_nsx(xst);
	if (errmsg && !*errmsg)
		*errmsg = strdup(nsx_reader_error(r));
	if (st == NS_ERR_BAD_QUERY || st == NS_ERR_TOO_BROAD ||
	    st == NS_ERR_TOO_COMPLEX || st == NS_ERR_TIMEOUT ||
	    st == NS_ERR_NOT_FOUND)
		give_back(s, r);
	else
		discard(s, r);
	return st;
}

/* A reader at the latest revision, or a status with *ERRMSG. */
static ns_status_t fresh_reader(ns_searcher_t *s, nsx_reader_t **out,
                                char **errmsg)
{
	nsx_status_t xst = borrow(s, out, errmsg);
	if (xst != NSX_OK)
		return xst == NSX_NO_MEMORY ? NS_ERR_NOMEM : NS_ERR_INDEX;
	xst = nsx_reader_reopen(*out);
	if (xst != NSX_OK) {
		/* Whatever Xapian says (even "not found": the index vanished
		 * under it), the reader failed, not the request. */
		if (errmsg && !*errmsg)
			*errmsg = strdup(nsx_reader_error(*out));
		discard(s, *out);
		return xst == NSX_NO_MEMORY ? NS_ERR_NOMEM : NS_ERR_INDEX;
	}
	return NS_OK;
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

/* REQ, with its text QUERY (synonyms applied) or LIKE (an id term), and
 * its filters XF, in the shim's terms, run on R.  *XRES as
 * nsx_reader_search(). */
static nsx_status_t run_shim(const ns_searcher_t *s, nsx_reader_t *r,
                             const ns_search_req_t *req, const char *query,
                             const char *like, const xfilter_t *xf,
                             double deadline, nsx_results_t **xres)
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
		.query = query,
		.language = req->lang ? req->lang : s->language,
		.offset = req->offset,
		.limit = req->limit,
		.filters = xf->groups,
		.nfilters = xf->n,
		.range_slot = xf->range_slot,
		.range_lo = xf->lo[0] ? xf->lo : NULL,
		.range_hi = xf->hi[0] ? xf->hi : NULL,
		.sort = sort,
		.sort_slot = sort_slot,
		.match = req->match == NS_MATCH_ALL ? NSX_MATCH_ALL
		       : req->match == NS_MATCH_ANY ? NSX_MATCH_ANY
		       : NSX_MATCH_AUTO,
		.max_expansion = s->max_expansion,
		/* Counting stops half way, so that the page itself can still
		 * be found and cut in time. */
		.time_limit = s->timeout / 2,
		.deadline = deadline,
		.spelling = !like,
		.spelling_query = req->q,
		.collapse = req->collapse,
		.collapse_slot = NS_SLOT_CONTENT,
		.facets = specs,
		.nfacets = nspecs,
		.facet_limit = req->facet_limit ? req->facet_limit
		                                : NS_PROTO_DEFAULT_FACET_LIMIT,
		.recency_days = req->recency_days,
		.recency_slot = NS_SLOT_DATE,
		.like_idterm = like,
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
		res->relaxed = nsx_results_relaxed(xres);
		res->revision = revision;
		const char *sugg = nsx_results_suggestion(xres);
		if (*sugg && !(res->suggestion = strdup(sugg)))
			st = NS_ERR_NOMEM;
	}
	if (st == NS_OK)
		st = copy_facets(xres, req, res);
	for (size_t i = 0; st == NS_OK && i < n; i++) {
		/* A snippet reads the whole article: many long ones take
		 * time too. */
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (deadline > 0 && monotonic_s(&now) >= deadline) {
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

	/* Synonyms rewrite the query's text; the set is held by a reference,
	 * not the lock, while a reload may swap it. */
	char *expanded = NULL;
	ns_status_t st = NS_OK;
	if (req->q && !req->like) {
		pthread_mutex_lock(&s->mu);
		ns_synonyms_t *syn = ns_synonyms_ref(s->synonyms);
		pthread_mutex_unlock(&s->mu);
		st = ns_synonyms_expand(syn, req->q, &expanded);
		ns_synonyms_free(syn);
		if (st != NS_OK)
			return st;
	}
	char *like = req->like ? idterm_of(req->like) : NULL;
	xfilter_t xf;
	if (req->like && !like) {
		free(expanded);
		return NS_ERR_NOMEM;
	}
	if (xfilter_build(&xf, req->filter) != NS_OK) {
		xfilter_free(&xf);
		free(like);
		free(expanded);
		return NS_ERR_NOMEM;
	}
	/* A declared number field's range takes the search's one range slot. */
	const char *range_why = NULL;
	unsigned nslot;
	char nlo[17], nhi[17];
	if (ns_fields_range(req->filter, xf.lo[0] || xf.hi[0], &nslot, nlo, nhi,
	                    &range_why) && (nlo[0] || nhi[0])) {
		xf.range_slot = nslot;
		memcpy(xf.lo, nlo, sizeof nlo);
		memcpy(xf.hi, nhi, sizeof nhi);
	}
	if (range_why) {
		xfilter_free(&xf);
		free(like);
		free(expanded);
		if (errmsg)
			*errmsg = strdup(range_why);
		return NS_ERR_BAD_QUERY;
	}
	nsx_reader_t *r = NULL;
	st = fresh_reader(s, &r, errmsg);
	nsx_results_t *xres = NULL;
	if (st == NS_OK) {
		nsx_status_t xst = run_shim(s, r, req,
		                            expanded ? expanded
		                                     : req->q ? req->q : "",
		                            like, &xf, deadline, &xres);
		if (xst != NSX_OK)
			st = reader_failed(s, r, xst, errmsg);
	}
	xfilter_free(&xf);
	free(like);
	free(expanded);
	if (st != NS_OK)
		return st;

	ns_result_t *res = NULL;
	st = make_result(xres, nsx_reader_revision(r), req, deadline, &res);
	nsx_results_free(xres);
	give_back(s, r);
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

/* Words of Q (runs of anything but blanks), up to MAX + 1. */
static unsigned count_words(const char *q, unsigned max)
{
	unsigned n = 0;
	while (*q && n <= max) {
		q += strspn(q, " \t\r\n");
		if (!*q)
			break;
		n++;
		q += strcspn(q, " \t\r\n");
	}
	return n;
}

/* Does Q use WORD as an operator (upper case, a whole word, or followed
 * by "/": NEAR/5)? */
static bool has_operator(const char *q, const char *word)
{
	size_t len = strlen(word);
	for (const char *p = strstr(q, word); p; p = strstr(p + 1, word)) {
		bool starts = p == q || p[-1] == ' ' || p[-1] == '\t' ||
		              p[-1] == ')' || p[-1] == '(';
		char after = p[len];
		if (starts && (after == ' ' || after == '\t' || after == '/' ||
		               after == '(' || after == '\0'))
			return true;
	}
	return false;
}

bool ns_request_is_heavy(const ns_request_t *r)
{
	if (!r)
		return false;
	if (r->op == NS_OP_SIMILAR)
		return true;
	if (r->op != NS_OP_SEARCH || !r->q)
		return false;
	return r->facets || r->sort != NS_SORT_RELEVANCE ||
	       strchr(r->q, '"') || strchr(r->q, '*') ||
	       has_operator(r->q, "NEAR") || has_operator(r->q, "ADJ") ||
	       count_words(r->q, NS_LIGHT_WORDS) > NS_LIGHT_WORDS;
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
	ns_status_t st = fresh_reader(s, &r, errmsg);
	char *data = NULL;
	size_t len = 0;
	if (st == NS_OK) {
		nsx_status_t xst = nsx_reader_get(r, idterm, &data, &len);
		if (revision)
			*revision = nsx_reader_revision(r);
		if (xst != NSX_OK)
			st = reader_failed(s, r, xst, errmsg);
		else
			give_back(s, r);
	}
	free(idterm);
	if (st != NS_OK)
		return st;
	json_t *o = json_loadb(data, len, 0, NULL);
	free(data);
	if (!o)
		return NS_ERR_INDEX;
	st = hit_from_data(o, hit, true);
	json_decref(o);
	if (st != NS_OK)
		ns_hit_clear(hit);
	return st;
}

/* ---- stats ---- */

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

ns_status_t ns_searcher_stats(ns_searcher_t *s, ns_stats_t *out,
                              char **errmsg)
{
	if (errmsg)
		*errmsg = NULL;
	if (!s || !out)
		return NS_ERR_INVALID;
	memset(out, 0, sizeof *out);
	nsx_reader_t *r = NULL;
	ns_status_t st = fresh_reader(s, &r, errmsg);
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
		return reader_failed(s, r, xst, errmsg);
	}
	give_back(s, r);
	index_files(s->index_dir, &out->index_bytes, &out->last_commit);
	return NS_OK;
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
	ns_status_t st = fresh_reader(s, &r, errmsg);
	if (st != NS_OK)
		return st;
	if (revision)
		*revision = nsx_reader_revision(r);
	nsx_status_t xst = nsx_reader_each_term(r, prefix, each, ctx);
	if (xst != NSX_OK)
		return reader_failed(s, r, xst, errmsg);
	give_back(s, r);
	return NS_OK;
}

ns_search_req_t ns_search_req_of(const ns_request_t *r)
{
	return (ns_search_req_t){
		.q = r->q, .offset = r->offset, .limit = r->limit,
		.snippet_length = r->snippet_length,
		.hl_start = r->hl_start, .hl_end = r->hl_end,
		.lang = r->lang, .filter = &r->filter, .sort = r->sort,
		.sort_field = r->sort_field, .sort_desc = r->sort_desc,
		.facet_fields = &r->facet_fields,
		.match = r->match, .collapse = r->collapse,
		.facets = r->facets, .facet_limit = r->facet_limit,
		.plain = r->plain, .recency_days = r->recency_days,
		.like = r->op == NS_OP_SIMILAR ? r->path : NULL,
		.body = (r->fields & NS_FIELD_BODY) != 0,
	};
}
