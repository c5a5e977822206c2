/* sidecars.c - an article's sidecar metadata read beneath the articles
 * root (parse/sidecar.c parses it), the folders' tables kept parsed within
 * a budget, and the fingerprint of the sidecars' stat.  Any thread: the
 * readers-ahead read, the writer fingerprints.  It never follows a link
 * (safepath.h), never reads past a cap, and never writes. */
#include "daemon/sidecars.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "core/pathmap.h"
#include "core/safepath.h"

/* The tables kept parsed, all folders together: about 64 bytes and the
 * name per row, so some 600,000 rows. */
#define TABLES_BUDGET (64u << 20)

/* ---- what a sidecar's stat says ----------------------------------------- */

enum side_state { SIDE_ABSENT, SIDE_FILE, SIDE_REFUSED, SIDE_UNREADABLE };

/* Eight-byte fields only: no padding, so the bytes can be hashed. */
struct side_stat {
	int64_t state, mtime_ns, ctime_ns, size;
	uint64_t ino;
};

/* A folder's metadata.tsv as it was at SS: parsed, or why it is none. */
struct table {
	struct side_stat ss;
	ns_tsv_t *t;
	char *error;
	size_t size;
	uint64_t used;           /* the cache's clock at its last use */
};

struct ns_sidecars {
	pthread_mutex_t mu;
	size_t tsv_max;
	ns_pathmap_t *tables;    /* folder -> struct table, under mu */
	size_t size;             /* of them all, under mu */
	uint64_t clock;          /* under mu */
	/* The writer's only (ns_sidecars_fingerprint): the tables it
	 * stat'ed in scan generation SEEN_GEN, and what it found. */
	ns_pathmap_t *seen;      /* table path -> struct side_stat */
	uint64_t seen_gen;
};

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static struct side_stat stat_of(const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return (struct side_stat){.state = SIDE_REFUSED};
	return (struct side_stat){SIDE_FILE, ts_ns(&st->st_mtim),
	                          ts_ns(&st->st_ctim), st->st_size, st->st_ino};
}

/* A sidecar that could not be opened or stat'ed with ERR. */
static struct side_stat state_of_errno(int err)
{
	if (err == ENOENT || err == ENOTDIR)
		return (struct side_stat){.state = SIDE_ABSENT};
	if (ns_beneath_gone(err) || err == EINVAL)
		return (struct side_stat){.state = SIDE_REFUSED};
	return (struct side_stat){.state = SIDE_UNREADABLE};
}

static struct side_stat side_lstat(int rootfd, const char *relpath)
{
	struct stat st;
	if (ns_lstat_beneath(rootfd, relpath, &st) < 0)
		return state_of_errno(errno);
	return stat_of(&st);
}

static uint64_t fingerprint(const struct side_stat s[2])
{
	if (s[0].state == SIDE_ABSENT && s[1].state == SIDE_ABSENT)
		return NS_SIDECARS_NONE;
	uint64_t h = XXH3_64bits(s, 2 * sizeof *s);
	return h <= NS_SIDECARS_RACY ? h + 2 : h;
}

/* The stat of the table TSVPATH, the one kept when it was taken within
 * the same scan generation GEN (the writer's only). */
static struct side_stat table_lstat(ns_sidecars_t *sc, int rootfd,
                                    const char *tsvpath, uint64_t gen)
{
	if (gen != sc->seen_gen || !sc->seen) {
		ns_pathmap_free(sc->seen);
		sc->seen = gen ? ns_pathmap_new() : NULL;
		sc->seen_gen = gen;
	}
	const struct side_stat *kept = sc->seen ? ns_pathmap_get(sc->seen,
	                                                         tsvpath)
	                                        : NULL;
	if (kept)
		return *kept;
	struct side_stat ss = side_lstat(rootfd, tsvpath);
	struct side_stat *copy = sc->seen ? malloc(sizeof *copy) : NULL;
	if (copy) {
		*copy = ss;
		ns_pathmap_put(sc->seen, tsvpath, copy);
	}
	return ss;
}

uint64_t ns_sidecars_fingerprint(ns_sidecars_t *sc, int rootfd,
                                 const char *relpath, uint64_t gen)
{
	char *json = NULL, *tsv = NULL;
	if (ns_sidecar_paths(relpath, &json, &tsv) != NS_OK)
		return NS_SIDECARS_RACY; /* cannot tell: read the article */
	struct side_stat s[2] = {side_lstat(rootfd, json),
	                         table_lstat(sc, rootfd, tsv, gen)};
	free(json);
	free(tsv);
	return fingerprint(s);
}

/* Changed within 2 s of READ_NS: a change in the same clock tick would
 * leave the stat as it is (filemeta.c's racy files). */
static bool racy(const struct side_stat *s, int64_t read_ns)
{
	int64_t changed = s->mtime_ns > s->ctime_ns ? s->mtime_ns : s->ctime_ns;
	return s->state == SIDE_FILE && read_ns - changed < 2000000000;
}

/* ---- reading ---------------------------------------------------------- */

static ns_status_t problem(ns_sidecar_read_t *r, const char *label,
                           const char *why)
{
	char msg[NAME_MAX + 200];
	int n = snprintf(msg, sizeof msg, "%s: not read: %s", label, why);
	return ns_strv_push(&r->problems, msg,
	                    n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n
	                                                       : sizeof msg - 1);
}

static const char *errno_why(int err)
{
	return err == EINVAL ? "not a regular file" : ns_beneath_strerror(err);
}

/* Open the sidecar RELPATH beneath ROOTFD: its descriptor, or -1 with
 * *ERR; how it was found into *SS either way. */
static int open_side(int rootfd, const char *relpath, struct side_stat *ss,
                     int *err)
{
	struct stat st;
	int fd = ns_open_beneath(rootfd, relpath, O_RDONLY | O_NONBLOCK);
	*err = errno;
	if (fd >= 0) {
		int rc = fstat(fd, &st);
		if (rc == 0 && S_ISREG(st.st_mode)) {
			*ss = stat_of(&st);
			return fd;
		}
		*err = rc < 0 ? errno : EINVAL;
		close(fd);
	}
	*ss = state_of_errno(*err);
	/* Unreadable (its mode): as lstat sees it, as the scan will. */
	if (ss->state == SIDE_UNREADABLE)
		*ss = side_lstat(rootfd, relpath);
	return -1;
}

static ns_status_t read_json(int rootfd, const char *relpath,
                             ns_sidecar_read_t *r, struct side_stat *ss)
{
	const char *label = strrchr(relpath, '/');
	label = label ? label + 1 : relpath;
	int err = 0;
	int fd = open_side(rootfd, relpath, ss, &err);
	if (fd < 0)
		return ss->state == SIDE_ABSENT ? NS_OK
		                                : problem(r, label, errno_why(err));
	ns_status_t st = ns_read_fd(fd, NS_SIDECAR_JSON_MAX, &r->json,
	                            &r->json_len);
	if (st == NS_ERR_TOO_LARGE) {
		char why[64];
		snprintf(why, sizeof why, "over %u bytes", NS_SIDECAR_JSON_MAX);
		return problem(r, label, why);
	}
	if (st == NS_ERR_IO)
		return problem(r, label, errno_why(errno));
	return st;
}

/* ---- the folders' tables ---------------------------------------------- */

ns_sidecars_t *ns_sidecars_new(size_t tsv_max)
{
	ns_sidecars_t *sc = calloc(1, sizeof *sc);
	if (!sc || !(sc->tables = ns_pathmap_new())) {
		free(sc);
		return NULL;
	}
	pthread_mutex_init(&sc->mu, NULL);
	sc->tsv_max = tsv_max;
	return sc;
}

static void table_clear(const char *dir, void *value, void *ctx)
{
	struct table *e = value;
	ns_tsv_free(e->t);
	free(e->error);
	e->t = NULL;
	e->error = NULL;
}

void ns_sidecars_free(ns_sidecars_t *sc)
{
	if (!sc)
		return;
	ns_pathmap_each(sc->tables, table_clear, NULL);
	ns_pathmap_free(sc->tables);
	ns_pathmap_free(sc->seen);
	pthread_mutex_destroy(&sc->mu);
	free(sc);
}

/* Under mu: DIR's table leaves the cache. */
static void drop(ns_sidecars_t *sc, const char *dir)
{
	struct table *e = ns_pathmap_get(sc->tables, dir);
	if (!e)
		return;
	sc->size -= e->size;
	table_clear(dir, e, NULL);
	ns_pathmap_del(sc->tables, dir);
}

void ns_sidecars_forget(ns_sidecars_t *sc, const char *reldir)
{
	if (!sc || !reldir)
		return;
	pthread_mutex_lock(&sc->mu);
	drop(sc, reldir);
	pthread_mutex_unlock(&sc->mu);
}

struct oldest {
	const char *dir;
	uint64_t used;
};

static void find_oldest(const char *dir, void *value, void *ctx)
{
	const struct table *e = value;
	struct oldest *o = ctx;
	if (!o->dir || e->used < o->used)
		*o = (struct oldest){dir, e->used};
}

/* Under mu: the tables used longest ago leave until the rest fit, but
 * the one just added (KEEP). */
static void evict(ns_sidecars_t *sc, const char *keep)
{
	while (sc->size > TABLES_BUDGET && ns_pathmap_count(sc->tables) > 1) {
		struct table *k = ns_pathmap_get(sc->tables, keep);
		uint64_t kept = k ? k->used : 0;
		if (k)
			k->used = UINT64_MAX; /* never the oldest */
		struct oldest o = {NULL, 0};
		ns_pathmap_each(sc->tables, find_oldest, &o);
		char *dir = o.dir ? strdup(o.dir) : NULL;
		if (k)
			k->used = kept;
		if (!dir)
			return;
		drop(sc, dir);
		free(dir);
	}
}

static bool same_side(const struct side_stat *a, const struct side_stat *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

/* Under mu: the row of NAME in E's table, read again from FD, into R. */
static ns_status_t row_of(const struct table *e, int fd, const char *name,
                          ns_sidecar_read_t *r)
{
	if (e->error)
		return ns_strv_push(&r->problems, e->error, strlen(e->error));
	size_t off, len;
	if (!ns_tsv_find(e->t, name, &off, &len))
		return NS_OK;
	char *raw = malloc(len + 1);
	if (!raw)
		return NS_ERR_NOMEM;
	ssize_t n = pread(fd, raw, len, (off_t)off);
	ns_status_t st = n == (ssize_t)len
		? ns_tsv_row_text(e->t, name, raw, len, &r->row) : NS_ERR_FORMAT;
	free(raw);
	if (st == NS_OK && !(r->header = strdup(ns_tsv_header(e->t))))
		st = NS_ERR_NOMEM;
	return st;
}

/* The row of NAME from DIR's table as kept, if it was parsed at SS: then
 * true, with *ST. */
static bool cached_row(ns_sidecars_t *sc, const char *dir,
                       const struct side_stat *ss, int fd, const char *name,
                       ns_sidecar_read_t *r, ns_status_t *st)
{
	pthread_mutex_lock(&sc->mu);
	struct table *e = ns_pathmap_get(sc->tables, dir);
	bool hit = e && same_side(&e->ss, ss);
	if (hit) {
		e->used = ++sc->clock;
		*st = row_of(e, fd, name, r);
		if (*st == NS_ERR_FORMAT) /* the file changed under its stat */
			hit = false;
	}
	if (!hit)
		drop(sc, dir);
	pthread_mutex_unlock(&sc->mu);
	return hit;
}

/* Under no lock: E (DIR's table) is kept from now on, or freed. */
static void keep(ns_sidecars_t *sc, const char *dir, struct table *e)
{
	e->size = sizeof *e + strlen(dir) + ns_tsv_size(e->t);
	struct table *kept = malloc(sizeof *kept);
	if (!kept) {
		table_clear(dir, e, NULL);
		return;
	}
	*kept = *e;
	pthread_mutex_lock(&sc->mu);
	kept->used = ++sc->clock;
	drop(sc, dir);
	if (ns_pathmap_put(sc->tables, dir, kept) == NS_OK) {
		sc->size += e->size;
		evict(sc, dir);
	} else {
		table_clear(dir, e, NULL); /* the map freed KEPT */
	}
	pthread_mutex_unlock(&sc->mu);
}

/* DIR's table read from FD (which this closes) and parsed, as it was at
 * SS: NAME's row into R, and the table kept. */
static ns_status_t parse_table(ns_sidecars_t *sc, const char *dir,
                               const struct side_stat *ss, int fd,
                               const char *name, ns_sidecar_read_t *r)
{
	char *bytes = NULL, why[300] = "";
	size_t len = 0, off, rlen;
	struct table e = {.ss = *ss};
	ns_status_t st = ns_read_fd(fd, sc->tsv_max, &bytes, &len);
	if (st == NS_ERR_IO)
		return problem(r, NS_SIDECAR_TSV_NAME, errno_why(errno));
	if (st == NS_ERR_TOO_LARGE)
		snprintf(why, sizeof why, "over %zu bytes (--max-file-size)",
		         sc->tsv_max);
	else if (st == NS_OK)
		st = ns_tsv_parse(bytes, len, &e.t, why, sizeof why);
	if (st == NS_ERR_TOO_LARGE || st == NS_ERR_FORMAT) {
		char msg[400];
		snprintf(msg, sizeof msg, "%s: %s; its fields are left out",
		         NS_SIDECAR_TSV_NAME, why);
		st = (e.error = strdup(msg)) ? NS_OK : NS_ERR_NOMEM;
	}
	/* The row from the bytes in hand, while the table is this thread's
	 * alone. */
	if (st == NS_OK && e.error)
		st = ns_strv_push(&r->problems, e.error, strlen(e.error));
	else if (st == NS_OK && ns_tsv_find(e.t, name, &off, &rlen))
		st = ns_tsv_row_text(e.t, name, bytes + off, rlen, &r->row);
	if (st == NS_OK && r->row && !(r->header = strdup(ns_tsv_header(e.t))))
		st = NS_ERR_NOMEM;
	free(bytes);
	if (st == NS_OK)
		keep(sc, dir, &e);
	else
		table_clear(dir, &e, NULL);
	return st;
}

/* The row of the article RELPATH in its folder's table (the sidecar
 * TSVPATH), into R; how the table was found into *SS. */
static ns_status_t read_tsv(ns_sidecars_t *sc, int rootfd, const char *relpath,
                            const char *tsvpath, ns_sidecar_read_t *r,
                            struct side_stat *ss)
{
	int err = 0;
	int fd = open_side(rootfd, tsvpath, ss, &err);
	if (fd < 0)
		return ss->state == SIDE_ABSENT
		       ? NS_OK : problem(r, NS_SIDECAR_TSV_NAME, errno_why(err));
	const char *name = strrchr(relpath, '/');
	name = name ? name + 1 : relpath;
	char *dir = ns_sidecar_subject(tsvpath);
	ns_status_t st = NS_ERR_NOMEM;
	if (!dir) {
		close(fd);
	} else if (cached_row(sc, dir, ss, fd, name, r, &st)) {
		close(fd);
	} else {
		free(r->row);
		free(r->header);
		r->row = r->header = NULL;
		st = parse_table(sc, dir, ss, fd, name, r);
	}
	free(dir);
	return st;
}

/* What R gave, but the fingerprint, hashed; 0 when nothing. */
static uint64_t digest_of(const ns_sidecar_read_t *r)
{
	if (!r->json && !r->row && !r->problems.n)
		return 0;
	uint64_t h = XXH3_64bits("sidecars", 8);
	if (r->json)
		h = XXH3_64bits_withSeed(r->json, r->json_len, h ^ 'J');
	if (r->row) {
		h = XXH3_64bits_withSeed(r->header, strlen(r->header), h ^ 'H');
		h = XXH3_64bits_withSeed(r->row, strlen(r->row), h ^ 'R');
	}
	for (size_t i = 0; i < r->problems.n; i++)
		h = XXH3_64bits_withSeed(r->problems.v[i], strlen(r->problems.v[i]),
		                         h ^ 'P');
	return h | 1;
}

ns_status_t ns_sidecars_read(ns_sidecars_t *sc, int rootfd,
                             const char *relpath, int64_t read_ns,
                             ns_sidecar_read_t *out)
{
	memset(out, 0, sizeof *out);
	char *json = NULL, *tsv = NULL;
	ns_status_t st = ns_sidecar_paths(relpath, &json, &tsv);
	struct side_stat s[2];
	memset(s, 0, sizeof s);
	if (st == NS_OK)
		st = read_json(rootfd, json, out, &s[0]);
	if (st == NS_OK)
		st = read_tsv(sc, rootfd, relpath, tsv, out, &s[1]);
	free(json);
	free(tsv);
	if (st != NS_OK) {
		ns_sidecar_read_clear(out);
		return st;
	}
	out->fingerprint = racy(&s[0], read_ns) || racy(&s[1], read_ns)
	                   ? NS_SIDECARS_RACY : fingerprint(s);
	out->digest = digest_of(out);
	return NS_OK;
}

void ns_sidecar_read_clear(ns_sidecar_read_t *r)
{
	if (!r)
		return;
	free(r->json);
	free(r->header);
	free(r->row);
	ns_strv_clear(&r->problems);
	memset(r, 0, sizeof *r);
}

uint64_t ns_sidecars_hash(const ns_sidecar_read_t *r, uint64_t bytes_hash)
{
	if (!r || !r->digest)
		return bytes_hash;
	return XXH3_64bits_withSeed(&r->digest, sizeof r->digest, bytes_hash);
}

ns_status_t ns_sidecars_apply(const ns_sidecar_read_t *r, ns_article_t *a,
                              const char *relpath)
{
	ns_status_t st = NS_OK;
	for (size_t i = 0; st == NS_OK && i < r->problems.n; i++)
		st = ns_strv_push(&a->warnings, r->problems.v[i],
		                  strlen(r->problems.v[i]));
	if (st == NS_OK && r->row)
		st = ns_sidecar_apply_tsv(a, r->header, r->row,
		                          NS_SIDECAR_TSV_NAME);
	if (st == NS_OK && r->json) {
		const char *base = strrchr(relpath, '/');
		char label[NAME_MAX + 16];
		snprintf(label, sizeof label, "%s%s", base ? base + 1 : relpath,
		         NS_SIDECAR_JSON_SUFFIX);
		st = ns_sidecar_apply_json(a, r->json, r->json_len, label);
	}
	return st;
}
