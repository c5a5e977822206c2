/* querylog.c - what people searched for: the last day's searches counted
 * by query in one bounded table an hour, read back by the "queries"
 * request, and the searches [log] queries asks for logged as one line
 * each (structured fields in the journal).  Its own lock; the settings
 * are atomics, so that a reload never waits for a search.  It never logs
 * a token, and writes nothing but log lines. */
#include "daemon/querylog.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "buildconf.h"
#include "core/log.h"
#include "core/pathmap.h"
#include "parse/article.h"

#if NS_HAVE_SYSTEMD
#include <systemd/sd-journal.h>
#endif

#define HOURS 24          /* the table's reach */
#define PER_HOUR 1000     /* queries counted in an hour; more are not */
#define MAX_QUERY 200     /* bytes of a query the table keeps */

const char *const ns_qlog_mode_names[] = {
	[NS_QLOG_OFF] = "off", [NS_QLOG_ZERO] = "zero", [NS_QLOG_SLOW] = "slow",
	[NS_QLOG_SAMPLED] = "sampled", [NS_QLOG_ALL] = "all", NULL,
};

const char *ns_qlog_mode_name(ns_qlog_mode_t mode)
{
	return (unsigned)mode <= NS_QLOG_ALL ? ns_qlog_mode_names[mode] : "off";
}

/* One hour of searches. */
struct hour {
	int64_t hour;           /* Unix hour; 0: unused */
	ns_pathmap_t *queries;  /* query -> ns_query_stat_t (query unset) */
	uint64_t searches, not_counted;
};

struct ns_querylog {
	pthread_mutex_t mu;
	struct hour hours[HOURS];   /* by Unix hour modulo HOURS, under mu */
	_Atomic int mode;
	_Atomic unsigned slow_ms, sample;
	_Atomic uint64_t seq;       /* sampled mode's searches neither empty
	                               nor slow: one in SAMPLE is logged */
};

ns_querylog_t *ns_querylog_new(void)
{
	ns_querylog_t *ql = calloc(1, sizeof *ql);
	if (!ql)
		return NULL;
	pthread_mutex_init(&ql->mu, NULL);
	atomic_store(&ql->slow_ms, 1000);
	atomic_store(&ql->sample, 100);
	return ql;
}

/* Under mu, or alone: forget everything counted. */
static void forget(ns_querylog_t *ql)
{
	for (size_t i = 0; i < HOURS; i++) {
		ns_pathmap_free(ql->hours[i].queries);
		memset(&ql->hours[i], 0, sizeof ql->hours[i]);
	}
}

void ns_querylog_free(ns_querylog_t *ql)
{
	if (!ql)
		return;
	forget(ql);
	pthread_mutex_destroy(&ql->mu);
	free(ql);
}

void ns_querylog_configure(ns_querylog_t *ql, ns_qlog_mode_t mode,
                           unsigned slow_ms, unsigned sample)
{
	atomic_store(&ql->slow_ms, slow_ms);
	atomic_store(&ql->sample, sample ? sample : 1);
	atomic_store(&ql->mode, (int)mode);
	if (mode == NS_QLOG_OFF) {
		pthread_mutex_lock(&ql->mu);
		forget(ql);
		pthread_mutex_unlock(&ql->mu);
	}
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Q as the table keys it (new): blanks collapsed and trimmed, at most
 * MAX_QUERY bytes, never half a character; "" for no words. */
static char *normalised(const char *q)
{
	char *out = malloc(MAX_QUERY + 1);
	size_t n = 0;
	for (const char *p = q; out && *p; p++) {
		bool blank = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
		if (blank && (n == 0 || out[n - 1] == ' '))
			continue;
		if (n == MAX_QUERY)
			break;
		out[n++] = blank ? ' ' : *p;
	}
	if (!out)
		return NULL;
	/* The cut may have split the last character (Q is UTF-8: it came
	 * in a JSON string). */
	while (n && !ns_utf8_valid(out, n))
		n--;
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return out;
}

/* Under mu: KEY's count in the hour of NOW_MS (NULL when past the
 * hour's room). */
static ns_query_stat_t *count_of(ns_querylog_t *ql, const char *key,
                                 int64_t now_ms)
{
	int64_t hour = now_ms / 3600000;
	struct hour *h = &ql->hours[hour % HOURS];
	if (h->hour != hour) {
		ns_pathmap_free(h->queries);
		*h = (struct hour){.hour = hour, .queries = ns_pathmap_new()};
	}
	h->searches++;
	ns_query_stat_t *c = h->queries ? ns_pathmap_get(h->queries, key) : NULL;
	if (c || !h->queries)
		return c;
	if (ns_pathmap_count(h->queries) >= PER_HOUR ||
	    !(c = calloc(1, sizeof *c)) ||
	    ns_pathmap_put(h->queries, key, c) != NS_OK) {
		h->not_counted++;
		return NULL;
	}
	return c;
}

/* Why EV is logged under the settings ("zero", ...), or NULL. */
static const char *kind_of(ns_querylog_t *ql, const ns_query_event_t *ev,
                           int mode)
{
	if (ev->hits == 0)
		return "zero";
	if (mode >= NS_QLOG_SLOW && ev->ms >= (double)atomic_load(&ql->slow_ms))
		return "slow";
	if (mode == NS_QLOG_SAMPLED)
		return atomic_fetch_add(&ql->seq, 1) % atomic_load(&ql->sample) == 0
		       ? "sampled" : NULL;
	return mode == NS_QLOG_ALL ? "all" : NULL;
}

/* One "NAME=value" more into OUT, unless ST says something failed. */
static ns_status_t push_field(ns_status_t st, ns_strv_t *out,
                              const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static ns_status_t push_field(ns_status_t st, ns_strv_t *out,
                              const char *fmt, ...)
{
	if (st != NS_OK)
		return st;
	char *field = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&field, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NS_ERR_NOMEM;
	st = ns_strv_push(out, field, (size_t)n);
	free(field);
	return st;
}

ns_status_t ns_querylog_fields(const ns_query_event_t *ev, const char *kind,
                               ns_strv_t *out)
{
	char *id = ev->id && !json_is_null(ev->id)
	           ? json_dumps(ev->id, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	ns_status_t st = push_field(NS_OK, out, "KIND=%s", kind);
	st = push_field(st, out, "HITS=%llu", (unsigned long long)ev->hits);
	st = push_field(st, out, "MS=%.1f", ev->ms);
	if (id)
		st = push_field(st, out, "REQUEST_ID=%s", id);
	st = push_field(st, out, "PROTOCOL=%s",
	                ev->protocol ? ev->protocol : "ndjson");
	if (ev->conn)
		st = push_field(st, out, "CONN=%lu", ev->conn);
	st = push_field(st, out, "QUERY=%s", ev->query);
	free(id);
	return st;
}

/* To the journal, as fields, when it is the log (true if sent). */
static bool to_journal(const ns_strv_t *fields, const char *line)
{
#if NS_HAVE_SYSTEMD
	if (!ns_log_to_journal())
		return false;
	char message[2100];
	snprintf(message, sizeof message, "MESSAGE=query: ");
	ns_log_escape(message + 15, sizeof message - 15, line, strlen(line));
	struct iovec iov[16];
	size_t n = 0;
	iov[n++] = (struct iovec){message, strlen(message)};
	iov[n++] = (struct iovec){"PRIORITY=6", 10};
	iov[n++] = (struct iovec){"SYSLOG_IDENTIFIER=nsearchd", 26};
	for (size_t i = 0; i < fields->n && n < 16; i++)
		iov[n++] = (struct iovec){fields->v[i], strlen(fields->v[i])};
	return sd_journal_sendv(iov, (int)n) >= 0;
#else
	(void)fields, (void)line;
	return false;
#endif
}

/* One entry for EV, logged as KIND. */
static void log_entry(const ns_query_event_t *ev, const char *kind)
{
	ns_strv_t fields = {0};
	ns_buf_t line = {0};
	if (ns_querylog_fields(ev, kind, &fields) == NS_OK)
		for (size_t i = 0; i < fields.n; i++)
			ns_buf_printf(&line, "%s%s", i ? " " : "", fields.v[i]);
	/* Whatever [log] level says: [log] queries chose these. */
	if (line.data && !to_journal(&fields, line.data))
		ns_log_write(NS_LOG_INFO, "query", "%s", line.data);
	ns_buf_free(&line);
	ns_strv_clear(&fields);
}

void ns_querylog_note(ns_querylog_t *ql, const ns_query_event_t *ev,
                      int64_t now_ms)
{
	int mode = ql ? atomic_load(&ql->mode) : NS_QLOG_OFF;
	if (mode == NS_QLOG_OFF || !ev->query)
		return;
	char *key = normalised(ev->query);
	if (!key || !*key) {
		free(key);
		return;
	}
	if (!now_ms)
		now_ms = wall_ms();
	pthread_mutex_lock(&ql->mu);
	ns_query_stat_t *c = count_of(ql, key, now_ms);
	if (c) {
		c->count++;
		c->zero += ev->hits == 0;
		c->last_hits = ev->hits;
		c->last = now_ms;
		if (ev->ms > c->max_ms)
			c->max_ms = ev->ms;
	}
	pthread_mutex_unlock(&ql->mu);
	free(key);
	const char *kind = kind_of(ql, ev, mode);
	if (kind)
		log_entry(ev, kind);
}

void ns_querylog_search(ns_querylog_t *ql, const ns_request_t *req,
                        const ns_result_t *res, unsigned long long us,
                        const char *protocol, unsigned long conn)
{
	if (!ql || !res || req->op != NS_OP_SEARCH || !req->q)
		return;
	ns_query_event_t ev = {
		.query = req->q, .hits = res->total, .ms = (double)us / 1000.0,
		.id = req->id, .protocol = protocol, .conn = conn,
	};
	ns_querylog_note(ql, &ev, 0);
}

/* ---- the report --------------------------------------------------------- */

/* A count of one hour's added into ALL (CTX), by query. */
static void merge_one(const char *query, void *value, void *ctx)
{
	ns_pathmap_t *all = ctx;
	const ns_query_stat_t *c = value;
	ns_query_stat_t *m = ns_pathmap_get(all, query);
	if (!m && (!(m = calloc(1, sizeof *m)) ||
	           ns_pathmap_put(all, query, m) != NS_OK))
		return; /* out of memory: a count short */
	m->count += c->count;
	m->zero += c->zero;
	if (c->last >= m->last) {
		m->last = c->last;
		m->last_hits = c->last_hits;
	}
	if (c->max_ms > m->max_ms)
		m->max_ms = c->max_ms;
}

struct collect {
	ns_query_stat_t *v;
	size_t n;
	bool failed;
};

static void collect_one(const char *query, void *value, void *ctx)
{
	struct collect *c = ctx;
	ns_query_stat_t s = *(const ns_query_stat_t *)value;
	if (!(s.query = strdup(query)))
		c->failed = true;
	else
		c->v[c->n++] = s;
}

/* The most asked first, then the latest, then by text. */
static int by_count(const void *pa, const void *pb)
{
	const ns_query_stat_t *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	if (a->last != b->last)
		return a->last < b->last ? 1 : -1;
	return strcmp(a->query, b->query);
}

static int by_zero(const void *pa, const void *pb)
{
	const ns_query_stat_t *a = pa, *b = pb;
	if (a->zero != b->zero)
		return a->zero < b->zero ? 1 : -1;
	return by_count(pa, pb);
}

/* The first LIMIT of the N in V (those that found nothing, if ZERO) as
 * copies into *OUT and *NOUT. */
static ns_status_t take(const ns_query_stat_t *v, size_t n, unsigned limit,
                        bool zero, ns_query_stat_t **out, size_t *nout)
{
	*nout = 0;
	if (!(*out = calloc(limit + 1, sizeof **out)))
		return NS_ERR_NOMEM;
	for (size_t i = 0; i < n && *nout < limit; i++) {
		if (zero && !v[i].zero)
			continue;
		(*out)[*nout] = v[i];
		if (!((*out)[*nout].query = strdup(v[i].query)))
			return NS_ERR_NOMEM;
		(*nout)++;
	}
	return NS_OK;
}

/* OUT's lists from the counts in ALL. */
static ns_status_t fill(ns_query_report_t *out, const ns_pathmap_t *all,
                        unsigned limit)
{
	size_t n = all ? ns_pathmap_count(all) : 0;
	struct collect c = {calloc(n + 1, sizeof *c.v), 0, false};
	if (!c.v)
		return NS_ERR_NOMEM;
	if (all)
		ns_pathmap_each(all, collect_one, &c);
	qsort(c.v, c.n, sizeof *c.v, by_count);
	ns_status_t st = c.failed ? NS_ERR_NOMEM
	                          : take(c.v, c.n, limit, false, &out->top,
	                                 &out->ntop);
	qsort(c.v, c.n, sizeof *c.v, by_zero);
	if (st == NS_OK)
		st = take(c.v, c.n, limit, true, &out->zero, &out->nzero);
	for (size_t i = 0; i < c.n; i++)
		free(c.v[i].query);
	free(c.v);
	return st;
}

ns_status_t ns_querylog_report(ns_querylog_t *ql, unsigned limit,
                               int64_t now_ms, ns_query_report_t *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->logging, sizeof out->logging, "%s", ns_qlog_mode_name(
	         ql ? (ns_qlog_mode_t)atomic_load(&ql->mode) : NS_QLOG_OFF));
	if (!ql)
		return fill(out, NULL, limit);
	int64_t now_hour = (now_ms ? now_ms : wall_ms()) / 3600000;
	ns_pathmap_t *all = ns_pathmap_new();
	if (!all)
		return NS_ERR_NOMEM;
	pthread_mutex_lock(&ql->mu);
	for (size_t i = 0; i < HOURS; i++) {
		const struct hour *h = &ql->hours[i];
		if (!h->hour || h->hour <= now_hour - HOURS || h->hour > now_hour)
			continue; /* older than a day, or unused */
		out->searches += h->searches;
		out->not_counted += h->not_counted;
		if (!out->since || h->hour * 3600000 < out->since)
			out->since = h->hour * 3600000;
		if (h->queries)
			ns_pathmap_each(h->queries, merge_one, all);
	}
	pthread_mutex_unlock(&ql->mu);
	ns_status_t st = fill(out, all, limit);
	ns_pathmap_free(all);
	if (st != NS_OK)
		ns_query_report_clear(out);
	return st;
}
