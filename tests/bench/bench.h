/* bench.h - what the benchmark programs share: the clock, the article
 * walk, the query list, and the latency run (threads taking queries from
 * one counter until a deadline, every query run at least once) with its
 * percentiles.  Header-only, for C (qclient, fts5_bench) and C++
 * (raw_xapian) alike; nothing here is used by the daemon. */
#ifndef NS_BENCH_H
#define NS_BENCH_H

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double bench_wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ---- lists of strings ------------------------------------------------ */

typedef struct {
	char **v;
	size_t n, cap;
} bench_list_t;

static inline void bench_list_push(bench_list_t *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = (char **)realloc(l->v, l->cap * sizeof *l->v);
		if (!l->v) {
			perror("realloc");
			exit(1);
		}
	}
	l->v[l->n] = strdup(s);
	if (!l->v[l->n]) {
		perror("strdup");
		exit(1);
	}
	l->n++;
}

static inline void bench_list_free(bench_list_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Every line of PATH but blank ones, without its newline. */
static inline bench_list_t bench_read_lines(const char *path)
{
	bench_list_t l = {0};
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n > 0)
			bench_list_push(&l, line);
	}
	free(line);
	fclose(f);
	return l;
}

/* ---- the articles: every regular file under a root, as the daemon's
 * scan finds them (hidden names skipped, links not followed). ---------- */

static bench_list_t *bench_walk_out;
static size_t bench_walk_root_len;

static inline int bench_walk_one(const char *path, const struct stat *sb,
                                 int type, struct FTW *ftw)
{
	(void)sb;
	const char *base = path + ftw->base;
	if (ftw->level > 0 && base[0] == '.')
		return type == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
	if (type == FTW_F)
		bench_list_push(bench_walk_out, path + bench_walk_root_len + 1);
	return FTW_CONTINUE;
}

/* Paths relative to ROOT, sorted so that every engine reads the files in
 * the same order. */
static inline int bench_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static inline bench_list_t bench_walk(const char *root)
{
	bench_list_t l = {0};
	bench_walk_out = &l;
	bench_walk_root_len = strlen(root);
	while (bench_walk_root_len > 1 && root[bench_walk_root_len - 1] == '/')
		bench_walk_root_len--;
	if (nftw(root, bench_walk_one, 64, FTW_PHYS | FTW_ACTIONRETVAL) < 0) {
		fprintf(stderr, "%s: %s\n", root, strerror(errno));
		exit(1);
	}
	qsort(l.v, l.n, sizeof *l.v, bench_cmp_str);
	return l;
}

/* ---- latencies -------------------------------------------------------- */

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile P (0-100) of the N sorted values. */
static inline double bench_pct(const double *sorted, size_t n, double p)
{
	if (!n)
		return 0;
	size_t k = (size_t)((p / 100.0) * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return sorted[k - 1];
}

/* One latency run: THREADS threads call RUN(ctx of the thread, query
 * index) for queries taken in turn from a shared counter, until SECONDS
 * have passed and every query has been run at least once (0 seconds: one
 * pass exactly).  RUN returns 0 on success.  Each thread has its own
 * context, made by OPEN and closed by CLOSE (either may be NULL). */
typedef struct {
	size_t nqueries;
	int threads;
	double seconds;
	void *(*open)(void *arg, int thread);
	int (*run)(void *ctx, size_t query);
	void (*close)(void *ctx);
	void *arg;

	/* Results. */
	size_t requests, errors;
	double elapsed;
	double *lat_ms;          /* REQUESTS latencies, sorted */
	const char *fail;        /* set by OPEN failing */

	/* Private. */
	pthread_mutex_t mu;
	size_t next;
	double deadline;
	pthread_barrier_t start;
} bench_run_t;

typedef struct {
	bench_run_t *r;
	int t;
	double *lat;
	size_t n, cap, errors;
} bench_worker_t;

static inline void *bench_worker(void *p)
{
	bench_worker_t *w = (bench_worker_t *)p;
	bench_run_t *r = w->r;
	void *ctx = r->open ? r->open(r->arg, w->t) : NULL;
	pthread_barrier_wait(&r->start);
	if (r->open && !ctx)
		return NULL;
	for (;;) {
		pthread_mutex_lock(&r->mu);
		size_t k = r->next++;
		pthread_mutex_unlock(&r->mu);
		if (k >= r->nqueries && (r->seconds <= 0 || bench_now() >= r->deadline))
			break;
		double t0 = bench_now();
		int rc = r->run(ctx, k % r->nqueries);
		double ms = (bench_now() - t0) * 1e3;
		if (rc) {
			w->errors++;
			continue;
		}
		if (w->n == w->cap) {
			w->cap = w->cap ? 2 * w->cap : 4096;
			w->lat = (double *)realloc(w->lat, w->cap * sizeof *w->lat);
			if (!w->lat) {
				perror("realloc");
				exit(1);
			}
		}
		w->lat[w->n++] = ms;
	}
	if (r->close)
		r->close(ctx);
	return NULL;
}

static inline void bench_run(bench_run_t *r)
{
	bench_worker_t *ws = (bench_worker_t *)calloc((size_t)r->threads, sizeof *ws);
	pthread_t *tids = (pthread_t *)calloc((size_t)r->threads, sizeof *tids);
	pthread_mutex_init(&r->mu, NULL);
	pthread_barrier_init(&r->start, NULL, (unsigned)r->threads + 1);
	r->next = 0;
	for (int t = 0; t < r->threads; t++) {
		ws[t].r = r;
		ws[t].t = t;
		pthread_create(&tids[t], NULL, bench_worker, &ws[t]);
	}
	pthread_barrier_wait(&r->start);
	double t0 = bench_now();
	r->deadline = t0 + r->seconds;
	size_t total = 0;
	r->errors = 0;
	for (int t = 0; t < r->threads; t++) {
		pthread_join(tids[t], NULL);
		total += ws[t].n;
		r->errors += ws[t].errors;
	}
	r->elapsed = bench_now() - t0;
	r->lat_ms = (double *)malloc((total ? total : 1) * sizeof(double));
	r->requests = 0;
	for (int t = 0; t < r->threads; t++) {
		memcpy(r->lat_ms + r->requests, ws[t].lat, ws[t].n * sizeof(double));
		r->requests += ws[t].n;
		free(ws[t].lat);
	}
	qsort(r->lat_ms, r->requests, sizeof(double), bench_cmp_double);
	pthread_barrier_destroy(&r->start);
	pthread_mutex_destroy(&r->mu);
	free(ws);
	free(tids);
}

/* One JSON line on stdout: what the suite's driver reads. */
static inline void bench_report(const bench_run_t *r, const char *engine)
{
	double sum = 0;
	for (size_t i = 0; i < r->requests; i++)
		sum += r->lat_ms[i];
	size_t n = r->requests;
	printf("{\"engine\":\"%s\",\"threads\":%d,\"queries\":%zu,"
	       "\"requests\":%zu,\"errors\":%zu,\"seconds\":%.3f,\"qps\":%.1f,"
	       "\"mean_ms\":%.4f,\"p50_ms\":%.4f,\"p95_ms\":%.4f,"
	       "\"p99_ms\":%.4f,\"max_ms\":%.4f}\n",
	       engine, r->threads, r->nqueries, n, r->errors, r->elapsed,
	       r->elapsed > 0 ? (double)n / r->elapsed : 0, n ? sum / (double)n : 0,
	       bench_pct(r->lat_ms, n, 50), bench_pct(r->lat_ms, n, 95),
	       bench_pct(r->lat_ms, n, 99), n ? r->lat_ms[n - 1] : 0);
	fflush(stdout);
}

static inline void bench_dump(const bench_run_t *r, const char *path)
{
	if (!path)
		return;
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
	for (size_t i = 0; i < r->requests; i++)
		fprintf(f, "%.4f\n", r->lat_ms[i]);
	fclose(f);
}

/* The options the query programs share: WORKERS_FLAG ("--threads",
 * "--clients") N, --seconds S, --limit N, --dump FILE, --totals and
 * --warmup, from ARGV[FIRST] on.  False on anything else or a bad value. */
typedef struct {
	int workers;
	unsigned limit;
	double seconds;
	const char *dump;
	int totals, warmup;
} bench_opts_t;

static inline bool bench_parse_opts(int argc, char **argv, int first,
                                    const char *workers_flag,
                                    bench_opts_t *o)
{
	*o = (bench_opts_t){.workers = 1, .limit = 10};
	for (int i = first; i < argc; i++) {
		int more = i + 1 < argc;
		if (!strcmp(argv[i], workers_flag) && more)
			o->workers = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seconds") && more)
			o->seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--limit") && more)
			o->limit = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--dump") && more)
			o->dump = argv[++i];
		else if (!strcmp(argv[i], "--totals"))
			o->totals = 1;
		else if (!strcmp(argv[i], "--warmup"))
			o->warmup = 1;
		else
			return false;
	}
	return o->workers >= 1 && o->limit >= 1;
}

#endif
