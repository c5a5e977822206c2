/* main.c - nsearchd: wires the watcher, the writer, the readers and the
 * socket together on one libuv loop, and stops them in order.
 *
 * Start-up errors are fatal with a clear message and exit status 1; errors
 * about one file or one request are logged and the daemon carries on.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "config.h"
#include "nsearch/index.h"
#include "nsearch/log.h"
#include "nsearch/query.h"
#include "nsearch/server.h"
#include "nsearch/watch.h"

#if NS_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#else
static int sd_notify(int unset, const char *state) { return 0; }
#endif

#define LOG_MOD "main"

struct daemon {
	uv_loop_t loop;
	uv_signal_t sigint, sigterm;
	uv_async_t committed;       /* the writer committed or passed a barrier */
	pthread_mutex_t async_mu;   /* guards committed_open */
	bool committed_open;        /* uv_async_send is allowed */
	ns_indexer_t *ix;
	ns_searcher_t *searcher;
	ns_watch_t *watch;
	ns_server_t *server;
	uint64_t ready_barrier;     /* the barrier queued after the first scan */
	bool ready;
	bool stopping;
	unsigned long long scanned; /* files the start-up scan found */
	const char *socket_path;
	const char *root;           /* the articles directory, absolute */
	const ns_strv_t *ignore;    /* --ignore globs */
};

/* ---- watcher -> writer ---- */

static void on_put(void *ctx, const char *relpath, bool scanned)
{
	struct daemon *d = ctx;
	if (!d->ready_barrier)
		d->scanned++;
	if ((scanned ? ns_indexer_put_scanned(d->ix, relpath)
	             : ns_indexer_put(d->ix, relpath)) != NS_OK)
		ns_log(NS_LOG_ERR, LOG_MOD, "%s: cannot queue: out of memory",
		       relpath);
}

static void on_remove(void *ctx, const char *relpath)
{
	struct daemon *d = ctx;
	if (ns_indexer_remove(d->ix, relpath) != NS_OK)
		ns_log(NS_LOG_ERR, LOG_MOD, "%s: cannot queue: out of memory",
		       relpath);
}

static void on_remove_tree(void *ctx, const char *reldir)
{
	struct daemon *d = ctx;
	if (ns_indexer_remove_tree(d->ix, reldir) != NS_OK)
		ns_log(NS_LOG_ERR, LOG_MOD, "%s/: cannot queue: out of memory",
		       reldir);
}

static uint64_t on_scan_begin(void *ctx, const char *reldir)
{
	struct daemon *d = ctx;
	(void)reldir;
	return ns_indexer_scan_begin(d->ix);
}

static void on_scan_end(void *ctx, const char *reldir, uint64_t token)
{
	struct daemon *d = ctx;
	if (ns_indexer_prune(d->ix, reldir, token) != NS_OK)
		ns_log(NS_LOG_ERR, LOG_MOD, "cannot queue a sweep: out of memory");
}

/* Writer thread: does the watcher skip RELPATH?  The rules are the
 * options', fixed for the daemon's life. */
static bool skips_path(void *ctx, const char *relpath)
{
	struct daemon *d = ctx;
	return ns_path_skipped(d->ignore, relpath);
}

/* Writer thread: wake the loop, which does the rest. */
static void on_commit(void *ctx)
{
	struct daemon *d = ctx;
	pthread_mutex_lock(&d->async_mu);
	if (d->committed_open)
		uv_async_send(&d->committed);
	pthread_mutex_unlock(&d->async_mu);
}

static void close_committed(struct daemon *d)
{
	pthread_mutex_lock(&d->async_mu);
	d->committed_open = false;
	pthread_mutex_unlock(&d->async_mu);
	uv_close((uv_handle_t *)&d->committed, NULL);
}

static void on_committed(uv_async_t *h)
{
	struct daemon *d = h->data;
	ns_server_committed(d->server);
	ns_indexer_stats_t st;
	ns_indexer_stats(d->ix, &st);
	if (!d->ready && d->ready_barrier &&
	    ns_indexer_barrier_passed(d->ix, d->ready_barrier)) {
		d->ready = true;
		ns_log(NS_LOG_NOTICE, LOG_MOD,
		       "ready: %llu articles in the index (revision %llu, %llu "
		       "not indexable); listening on %s",
		       (unsigned long long)st.documents,
		       (unsigned long long)st.revision,
		       (unsigned long long)st.failed, d->socket_path);
		sd_notify(0, "READY=1\nSTATUS=ready");
	}
}

/* ---- read-your-writes ---- */

static uint64_t revision_of(void *ctx)
{
	struct daemon *d = ctx;
	ns_indexer_stats_t st;
	ns_indexer_stats(d->ix, &st);
	return st.revision;
}

static bool barrier_passed(void *ctx, uint64_t barrier)
{
	struct daemon *d = ctx;
	return ns_indexer_barrier_passed(d->ix, barrier);
}

/* Every change made before the request is on its way once the kernel's
 * queued events are read; the path itself is queued again in case it is
 * in a directory the watch limit left unwatched.  The barrier after it
 * commits all of that. */
static ns_status_t wait_begin(void *ctx, const char *path, uint64_t *barrier,
                              char *why, size_t why_size)
{
	struct daemon *d = ctx;
	if (path && ns_watch_skips(d->watch, path)) {
		snprintf(why, why_size, "%s is never indexed: its name is ignored "
		         "(hidden, temporary, backup or --ignore)", path);
		return NS_ERR_INVALID;
	}
	ns_watch_drain(d->watch);
	if (!path)
		return ns_indexer_barrier(d->ix, barrier);
	ns_status_t st = ns_indexer_put(d->ix, path);
	if (st == NS_OK)
		st = ns_indexer_barrier_path(d->ix, path, barrier);
	return st;
}

static const char *path_state(void *ctx, const char *path, char *reason,
                              size_t size)
{
	struct daemon *d = ctx;
	bool partial;
	if (ns_problems_get(ns_indexer_problems(d->ix), path, &partial, reason,
	                    size))
		return partial ? "partial" : "skipped";
	reason[0] = '\0';
	char full[PATH_MAX];
	struct stat st;
	if (snprintf(full, sizeof full, "%s/%s", d->root, path) < (int)sizeof full &&
	    lstat(full, &st) == 0 && S_ISREG(st.st_mode))
		return "indexed";
	return "removed";
}

static void status_of(void *ctx, ns_daemon_status_t *out)
{
	struct daemon *d = ctx;
	ns_indexer_stats_t st;
	ns_indexer_stats(d->ix, &st);
	out->revision = st.revision;
	out->documents = st.documents;
	out->queued = st.queued;
	out->indexed = st.indexed;
	out->unchanged = st.unchanged;
	out->same_content = st.same_content;
	out->removed = st.removed;
	out->failed = st.failed;
	ns_problems_counts(ns_indexer_problems(d->ix), &out->skipped,
	                   &out->partial);
	out->overflows = ns_watch_overflows(d->watch);
	out->unwatched = ns_watch_unwatched(d->watch);
	out->ready = d->ready;
}

/* ---- stopping ---- */

static void on_signal(uv_signal_t *h, int signum)
{
	struct daemon *d = h->data;
	if (d->stopping)
		return;
	d->stopping = true;
	ns_log(NS_LOG_NOTICE, LOG_MOD, "%s: stopping", strsignal(signum));
	sd_notify(0, "STOPPING=1");
	ns_server_close(d->server);
	d->server = NULL;
	ns_watch_close(d->watch);
	d->watch = NULL;
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	close_committed(d);
}

/* ---- options ---- */

struct options {
	const char *articles;
	const char *index;
	const char *socket;
	unsigned batch;
	unsigned commit_delay_ms;
	const char *language;
	size_t max_file_bytes;
	bool check;
	unsigned rescan_interval_s;
	ns_strv_t ignore;
	char **files;   /* --check's */
	int nfiles;
};

static void usage(FILE *f)
{
	fprintf(f,
	"usage: nsearchd [OPTION]...\n"
	"Index an article tree into Xapian, keep it fresh, and answer searches\n"
	"on a Unix socket (newline-delimited JSON, see docs/protocol.md).\n"
	"\n"
	"  -a, --articles DIR     the article tree to index and watch\n"
	"                         (default: $NSEARCH_ARTICLES, else /srv/nsearch/articles)\n"
	"  -i, --index DIR        the Xapian database, created if missing\n"
	"                         (default: $STATE_DIRECTORY/index, else /var/lib/nsearch/index)\n"
	"  -s, --socket PATH      the Unix socket to listen on (default: $NSEARCH_SOCKET,\n"
	"                         else /run/nsearch/nsearch.sock as root,\n"
	"                         else $XDG_RUNTIME_DIR/nsearch.sock,\n"
	"                         else /tmp/nsearch-UID.sock)\n"
	"  -b, --batch N          commit after N changes at most (default 1000)\n"
	"      --commit-delay MS  or MS milliseconds after the first (default 50)\n"
	"  -L, --language CODE    language of articles that do not name theirs\n"
	"                         (default: $NSEARCH_LANGUAGE, else en); also the\n"
	"                         language queries are stemmed for by default\n"
	"  -m, --max-file-size N  skip files bigger than N bytes; K, M, G suffixes\n"
	"                         (default 8M)\n"
	"      --ignore GLOB      also skip files and directories matching GLOB\n"
	"                         (fnmatch, on names and relative paths; repeatable)\n"
	"      --rescan-interval S  rescan directories the inotify watch limit\n"
	"                         left unwatched every S seconds (default 30)\n"
	"      --check FILE...    parse the files as the indexer would and print\n"
	"                         their fields as JSON lines, then exit; no index,\n"
	"                         no socket (exit 1 if any file is not indexable)\n"
	"  -l, --log-level LEVEL  err, warning, notice, info or debug (default info)\n"
	"  -h, --help             this help\n"
	"  -V, --version          version of nsearchd and of Xapian\n");
}

static bool parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || !*s || *end || v < lo || v > hi)
		return false;
	*out = (unsigned)v;
	return true;
}

/* "8M", "512K", "1048576" */
static bool parse_size(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return false;
	unsigned long long mul = 1;
	if (*end == 'K' || *end == 'k')
		mul = 1ull << 10;
	else if (*end == 'M' || *end == 'm')
		mul = 1ull << 20;
	else if (*end == 'G' || *end == 'g')
		mul = 1ull << 30;
	if (mul > 1)
		end++;
	if (*end || v == 0 || v > (4ull << 30) / mul)
		return false;
	*out = (size_t)(v * mul);
	return true;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"articles", required_argument, NULL, 'a'},
		{"index", required_argument, NULL, 'i'},
		{"socket", required_argument, NULL, 's'},
		{"batch", required_argument, NULL, 'b'},
		{"commit-delay", required_argument, NULL, 'c'},
		{"language", required_argument, NULL, 'L'},
		{"max-file-size", required_argument, NULL, 'm'},
		{"check", no_argument, NULL, 'C'},
		{"ignore", required_argument, NULL, 'I'},
		{"rescan-interval", required_argument, NULL, 'R'},
		{"log-level", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	int opt, level;
	argv[0] = (char *)"nsearchd"; /* getopt's messages name the program */
	while ((opt = getopt_long(argc, argv, "a:i:s:b:l:L:m:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a': o->articles = optarg; break;
		case 'i': o->index = optarg; break;
		case 's': o->socket = optarg; break;
		case 'b':
			if (!parse_uint(optarg, 1, 1000000, &o->batch)) {
				fprintf(stderr, "nsearchd: --batch: not a number from 1 to 1000000: %s\n", optarg);
				return 2;
			}
			break;
		case 'c':
			if (!parse_uint(optarg, 1, 60000, &o->commit_delay_ms)) {
				fprintf(stderr, "nsearchd: --commit-delay: not a number of ms from 1 to 60000: %s\n", optarg);
				return 2;
			}
			break;
		case 'L': {
			char code[16];
			if (!ns_language_normalise(optarg, strlen(optarg), code)) {
				fprintf(stderr, "nsearchd: --language: not a language code such as en or ru: %s\n", optarg);
				return 2;
			}
			o->language = optarg;
			break;
		}
		case 'm':
			if (!parse_size(optarg, &o->max_file_bytes)) {
				fprintf(stderr, "nsearchd: --max-file-size: not a size from 1 byte to 4G: %s\n", optarg);
				return 2;
			}
			break;
		case 'C': o->check = true; break;
		case 'I':
			if (!*optarg || ns_strv_push(&o->ignore, optarg, strlen(optarg)) != NS_OK) {
				fprintf(stderr, "nsearchd: --ignore: an empty glob\n");
				return 2;
			}
			break;
		case 'R':
			if (!parse_uint(optarg, 1, 86400, &o->rescan_interval_s)) {
				fprintf(stderr, "nsearchd: --rescan-interval: not a number of seconds from 1 to 86400: %s\n", optarg);
				return 2;
			}
			break;
		case 'l':
			if ((level = ns_log_level_parse(optarg)) < 0) {
				fprintf(stderr, "nsearchd: --log-level: unknown level '%s'\n", optarg);
				return 2;
			}
			ns_log_level = level;
			break;
		case 'h': usage(stdout); return 0;
		case 'V':
			printf("nsearchd %s (Xapian %s, libuv %s)\n", NS_VERSION,
			       nsx_xapian_version(), uv_version_string());
			return 0;
		default: usage(stderr); return 2;
		}
	}
	o->files = argv + optind;
	o->nfiles = argc - optind;
	if (o->check && optind == argc) {
		fprintf(stderr, "nsearchd: --check needs the files to check\n");
		return 2;
	}
	if (optind < argc && !o->check) {
		fprintf(stderr, "nsearchd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	return -1;
}

/* mkdir -p for the index's parent directories. */
static void make_parents(const char *path)
{
	char *p = strdup(path);
	if (!p)
		return;
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			break;
		*s = '/';
	}
	free(p);
}

/* --check: what the indexer would make of each file, one JSON line each. */
static int check_files(char **files, int n, const struct options *o)
{
	ns_parse_opts_t popts = {.default_language = o->language};
	size_t max = o->max_file_bytes ? o->max_file_bytes : NS_DEFAULT_MAX_FILE;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		char *bytes = NULL, why[300] = "";
		size_t len = 0;
		ns_article_t *a = NULL;
		ns_status_t st = ns_read_file(files[i], max, &bytes, &len);
		if (st == NS_ERR_TOO_LARGE)
			snprintf(why, sizeof why, "too large: over the limit of %zu "
			         "bytes (--max-file-size)", max);
		else if (st != NS_OK)
			snprintf(why, sizeof why, "cannot read: %s", strerror(errno));
		if (st == NS_OK)
			st = ns_article_parse(bytes, len, files[i], &popts, &a, why,
			                      sizeof why);
		if (st == NS_OK && a->draft) {
			snprintf(why, sizeof why, "a draft (draft: true in its front "
			         "matter)");
			st = NS_ERR_FORMAT;
		}
		free(bytes);
		json_t *out;
		if (st == NS_OK) {
			out = ns_article_json(a, NULL);
			json_t *w = json_array();
			for (size_t k = 0; w && k < a->warnings.n; k++)
				json_array_append_new(w, json_string(a->warnings.v[k]));
			if (out) {
				json_object_set_new(out, "warnings", w ? w : json_array());
				json_object_set_new(out, "ok", json_true());
			}
		} else {
			rc = 1;
			out = json_pack("{s:b, s:s}", "ok", 0, "reason",
			                why[0] ? why : ns_status_str(st));
		}
		if (out)
			json_object_set_new(out, "file", json_string(files[i]));
		char *line = out ? json_dumps(out, JSON_COMPACT)
		                 : NULL;
		if (line)
			printf("%s\n", line);
		else
			rc = 1;
		free(line);
		json_decref(out);
		ns_article_free(a);
	}
	return fflush(stdout) == 0 ? rc : 1;
}

static int run(struct options *opts);

int main(int argc, char **argv)
{
	struct options o = {0};
	int rc = parse_options(argc, argv, &o);
	if (rc < 0)
		rc = run(&o);
	ns_strv_clear(&o.ignore);
	return rc;
}

static int run(struct options *opts)
{
	struct options o = *opts;
	int rc;
	if (!o.language)
		o.language = getenv("NSEARCH_LANGUAGE");
	if (o.language && *o.language) {
		char code[16];
		if (!ns_language_normalise(o.language, strlen(o.language), code)) {
			fprintf(stderr, "nsearchd: NSEARCH_LANGUAGE: not a language code: %s\n", o.language);
			return 2;
		}
	} else {
		o.language = "en";
	}
	if (o.check)
		return check_files(o.files, o.nfiles, &o);

	char index_default[PATH_MAX], socket_buf[PATH_MAX];
	const char *state = getenv("STATE_DIRECTORY"); /* systemd StateDirectory= */
	if (!o.articles)
		o.articles = getenv("NSEARCH_ARTICLES");
	if (!o.articles || !*o.articles)
		o.articles = "/srv/nsearch/articles";
	if (!o.index) {
		snprintf(index_default, sizeof index_default, "%s/index",
		         state && *state ? state : "/var/lib/nsearch");
		o.index = index_default;
	}
	if (!o.socket)
		o.socket = ns_default_socket(socket_buf, sizeof socket_buf);

	char root[PATH_MAX];
	struct stat st;
	if (!realpath(o.articles, root) || stat(root, &st) < 0) {
		ns_log(NS_LOG_ERR, LOG_MOD, "articles directory %s: %s",
		       o.articles, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		ns_log(NS_LOG_ERR, LOG_MOD, "articles directory %s: not a directory",
		       o.articles);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);

	struct daemon d = {.socket_path = o.socket, .root = root,
	                   .ignore = &opts->ignore};
	char *err = NULL;
	make_parents(o.index);
	unsigned rules_hash = 2166136261u; /* FNV-1a over the --ignore globs */
	for (size_t i = 0; i < o.ignore.n; i++)
		for (const char *c = o.ignore.v[i];; c++) {
			rules_hash = (rules_hash ^ (unsigned char)*c) * 16777619u;
			if (!*c)
				break;
		}
	ns_indexer_opts_t iopts = {
		.index_dir = o.index, .articles_dir = root,
		.batch_max = o.batch, .commit_delay_ms = o.commit_delay_ms,
		.max_file_bytes = o.max_file_bytes, .default_language = o.language,
		.skips = skips_path, .rules_hash = rules_hash,
		.on_commit = on_commit, .ctx = &d,
	};
	uv_loop_init(&d.loop);
	uv_async_init(&d.loop, &d.committed, on_committed);
	d.committed.data = &d;
	pthread_mutex_init(&d.async_mu, NULL);
	d.committed_open = true;
	if (ns_indexer_start(&iopts, &d.ix, &err) != NS_OK) {
		ns_log(NS_LOG_ERR, LOG_MOD, "index %s: %s", o.index,
		       err ? err : "cannot open");
		free(err);
		close_committed(&d);
		uv_run(&d.loop, UV_RUN_DEFAULT);
		uv_loop_close(&d.loop);
		return 1;
	}
	ns_searcher_new(o.index, &d.searcher);
	if (d.searcher) {
		char code[16];
		ns_language_normalise(o.language, strlen(o.language), code);
		ns_searcher_set_language(d.searcher, code);
	}
	ns_server_handlers_t handlers = {
		.searcher = d.searcher, .status = status_of,
		.problems = ns_indexer_problems(d.ix), .revision = revision_of,
		.wait_begin = wait_begin, .barrier_passed = barrier_passed,
		.path_state = path_state, .ctx = &d,
	};
	ns_watch_opts_t wopts = {
		.rescan_interval_ms = o.rescan_interval_s * 1000,
		.ignore = &o.ignore,
	};
	ns_watch_cbs_t cbs = {
		.put = on_put, .remove = on_remove, .remove_tree = on_remove_tree,
		.scan_begin = on_scan_begin, .scan_end = on_scan_end, .ctx = &d,
	};
	rc = 0;
	if (!d.searcher) {
		ns_log(NS_LOG_ERR, LOG_MOD, "out of memory");
		rc = 1;
	} else if (ns_server_listen(&d.loop, o.socket, &handlers, &d.server,
	                            &err) != NS_OK) {
		ns_log(NS_LOG_ERR, LOG_MOD, "socket %s", err ? err : o.socket);
		rc = 1;
	} else if (ns_watch_start(&d.loop, root, &wopts, &cbs, &d.watch, &err) != NS_OK) {
		ns_log(NS_LOG_ERR, LOG_MOD, "watch %s: %s", root,
		       err ? err : "cannot start");
		rc = 1;
	}
	free(err);
	if (rc) {
		ns_server_close(d.server);
		close_committed(&d);
		uv_run(&d.loop, UV_RUN_DEFAULT);
		ns_indexer_stop(d.ix);
		ns_searcher_free(d.searcher);
		uv_loop_close(&d.loop);
		return rc;
	}
	ns_log(NS_LOG_INFO, LOG_MOD,
	       "nsearchd %s: articles %s, index %s: %llu files to reconcile",
	       NS_VERSION, root, o.index, d.scanned);
	/* The scan's sweep is queued: articles deleted while the daemon was
	 * down leave the index before it says it is ready. */
	ns_indexer_barrier(d.ix, &d.ready_barrier);

	uv_signal_init(&d.loop, &d.sigint);
	uv_signal_init(&d.loop, &d.sigterm);
	d.sigint.data = d.sigterm.data = &d;
	uv_signal_start(&d.sigint, on_signal, SIGINT);
	uv_signal_start(&d.sigterm, on_signal, SIGTERM);

	uv_run(&d.loop, UV_RUN_DEFAULT);

	/* The loop is empty: no connection, no search in flight.  Commit what
	 * the writer has in hand and leave. */
	ns_indexer_stop(d.ix);
	ns_searcher_free(d.searcher);
	rc = uv_loop_close(&d.loop);
	if (rc)
		ns_log(NS_LOG_WARNING, LOG_MOD, "loop closed with handles open: %s",
		       uv_strerror(rc));
	ns_log(NS_LOG_NOTICE, LOG_MOD, "stopped");
	return 0;
}
