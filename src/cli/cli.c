/* cli.c - nsearch-cli: ad-hoc searches against a running nsearchd.
 *
 * Speaks the socket protocol through proto.c and nothing else; it never
 * links the Xapian shim.  Exit status: 0 done (a search found something),
 * 1 a search found nothing (or a waited-for file is not searchable), 2 an
 * error: bad usage, a bad query, the daemon down or failing.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buildconf.h"
#include "cli/dates.h"
#include "core/proto.h"

#define MAX_REPLY (64u << 20)

enum { EXIT_HITS = 0, EXIT_NONE = 1, EXIT_ERROR = 2 };

static void usage(FILE *f)
{
	fprintf(f,
	"usage: nsearch-cli [OPTION]... search [WORD]...\n"
	"       nsearch-cli [OPTION]... get PATH\n"
	"       nsearch-cli [OPTION]... similar PATH\n"
	"       nsearch-cli [OPTION]... status | stats | problems\n"
	"       nsearch-cli [OPTION]... wait [PATH]\n"
	"       nsearch-cli [OPTION]... reindex [PATH] | compact | backup DIR\n"
	"Ask a running nsearchd.  Options may come anywhere; after \"--\" every\n"
	"word belongs to the query (for queries such as: search -- kyiv -kiev).\n"
	"\n"
	"  -s, --socket PATH   the daemon's socket (default: $NSEARCH_SOCKET, else\n"
	"                      /run/nsearch/nsearch.sock as root, else\n"
	"                      $XDG_RUNTIME_DIR/nsearch/nsearch.sock); a daemon\n"
	"                      there must run as you, root or the user nsearch\n"
	"  -n, --limit N       show at most N results (default %d; the daemon\n"
	"                      allows up to %d unless its max_results says more)\n"
	"  -o, --offset N      skip the first N results\n"
	"  -j, --json          print the daemon's reply as it came\n"
	"      --color WHEN    highlight with colours: auto (on a terminal, unless\n"
	"                      NO_COLOR is set), always or never\n"
	"Searching (search, and similar where it makes sense):\n"
	"      --lang CODE     stem the query for this language (en, ru, de, ...)\n"
	"      --section NAME  only articles in this section (repeat for any of several)\n"
	"      --tag TAG       only articles with this tag (repeatable)\n"
	"      --author NAME   only articles by this author, full name (repeatable)\n"
	"      --since DATE    only articles published on or after DATE (also\n"
	"                      --from): YYYY-MM-DD, YYYY-MM, YYYY, today,\n"
	"                      yesterday, or an age: 7d, 2w, 3m, 1y\n"
	"      --until DATE    only articles published on or before DATE (also\n"
	"                      --to); YYYY-MM and YYYY mean their last day\n"
	"      --sort ORDER    relevance (default), newest (or date), oldest, or a\n"
	"                      field the daemon declares ([fields]; -FIELD: largest\n"
	"                      first)\n"
	"      --filter F=V    only articles whose declared field F is V (repeat for\n"
	"                      any of several); F=MIN..MAX for a number field\n"
	"      --match HOW     auto (default: all words, and when fewer than 10\n"
	"                      articles have them all, then those with some),\n"
	"                      all, or any\n"
	"      --facets LIST   count matches by tag, author, section, lang, year,\n"
	"                      month, or a declared field (comma-separated)\n"
	"      --collapse      show articles with the same title and text once\n"
	"      --recency DAYS  favour newer articles, halving the bonus every DAYS\n"
	"  -h, --help          this help\n"
	"  -V, --version       print the version\n"
	"\n"
	"Query syntax (docs/query-syntax.md; man nsearch-cli): words (all must\n"
	"match), \"exact phrases\", OR, NOT, -word, NEAR, presiden*, title:word,\n"
	"author:name, tag:\"multi word tag\", section:name, lang:ru,\n"
	"date:2025-01-01..2025-03-31.  With filters the words may be left out:\n"
	"nsearch-cli --section world --sort newest search\n"
	"\"get PATH\" prints the indexed article; \"similar PATH\" lists related ones.\n"
	"\"stats\" counts the index's articles by section, language and year.\n"
	"\"problems\" lists the files the daemon skipped or indexed in part, and why.\n"
	"\"wait PATH\" returns once PATH (relative to the articles directory) is\n"
	"searchable as it is on disk now (or gone, if deleted); \"wait\" alone, once\n"
	"every change made so far is.  Scripts call it after writing a file.\n"
	"\"reindex\" reads every file (under PATH) again; \"compact\" swaps in a\n"
	"compacted copy of the index; \"backup DIR\" writes a consistent copy to DIR\n"
	"(new or empty, inside the daemon's [index] backup_dir).  They return when\n"
	"done, with a progress bar on a terminal; searches are answered meanwhile.\n"
	"These three need root or the daemon's user (sudo nsearch-cli compact).\n"
	"Exit status: 0 found (or done), 1 nothing found (or, for wait, the file\n"
	"is not searchable: removed or skipped), 2 an error.\n",
	NS_PROTO_DEFAULT_LIMIT, NS_PROTO_MAX_LIMIT);
}

/* Terminal styles; all "" without colour. */
static struct {
	const char *bold, *dim, *hl_start, *hl_end, *reset;
} style = {"", "", "[", "]", ""};

static void use_colour(void)
{
	style.bold = "\033[1m";
	style.dim = "\033[2m";
	style.hl_start = "\033[1;33m";
	style.hl_end = "\033[0m";
	style.reset = "\033[0m";
}

/* The user the packaged service runs as (systemd/nsearch.sysusers). */
#define NS_DAEMON_USER "nsearch"

/* Does the process listening on FD run as someone whose daemon may hear
 * our queries: ourselves, root (or systemd holding the socket), or the
 * packaged service's user?  Anyone else may have bound the name first to
 * read them (or to answer them wrongly).  Says why not. */
static bool trusted_peer(int fd, const char *path)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		fprintf(stderr, "nsearch-cli: %s: cannot tell who listens there: "
		        "%s\n", path, strerror(errno));
		return false;
	}
	if (cred.uid == geteuid() || cred.uid == 0)
		return true;
	struct passwd *pw = getpwnam(NS_DAEMON_USER);
	if (pw && cred.uid == pw->pw_uid)
		return true;
	fprintf(stderr, "nsearch-cli: %s: the process listening there runs as "
	        "uid %u, neither you (uid %u), root nor the user " NS_DAEMON_USER
	        ": it may be another user's program waiting for your queries; "
	        "nothing was sent\n", path, (unsigned)cred.uid,
	        (unsigned)geteuid());
	return false;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "nsearch-cli: %s: socket path too long\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("nsearch-cli: socket");
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr,
		        "nsearch-cli: cannot connect to %s: %s\n"
		        "  Is nsearchd running?  --socket PATH or NSEARCH_SOCKET "
		        "choose another socket.\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!trusted_peer(fd, path)) {
		close(fd);
		return -1;
	}
	struct timeval tv = {.tv_sec = 60};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

/* Connect and send REQUEST; the socket, or -1 after saying why. */
static int connect_and_send(const char *path, const char *request)
{
	int fd = connect_to(path);
	if (fd < 0)
		return -1;
	size_t off = 0, n = strlen(request);
	while (off < n) {
		ssize_t w = write(fd, request + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fprintf(stderr, "nsearch-cli: %s: %s\n", path, strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	return fd;
}

/* Send one request line and read one reply line (new, NUL-terminated). */
static char *exchange(const char *path, const char *request, size_t *len)
{
	int fd = connect_and_send(path, request);
	if (fd < 0)
		return NULL;
	ns_buf_t buf = {0};
	for (;;) {
		char chunk[16384];
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "nsearch-cli: %s: %s\n", path,
			        errno == EAGAIN ? "no reply within 60 s"
			                        : strerror(errno));
			break;
		}
		if (r == 0) {
			fprintf(stderr, "nsearch-cli: %s: the daemon closed the "
			        "connection without a reply\n", path);
			break;
		}
		if (ns_buf_append(&buf, chunk, (size_t)r) != NS_OK ||
		    buf.len > MAX_REPLY) {
			fprintf(stderr, "nsearch-cli: reply too large\n");
			break;
		}
		char *nl = memchr(buf.data, '\n', buf.len);
		if (nl) {
			*nl = '\0';
			*len = (size_t)(nl - buf.data);
			close(fd);
			return buf.data;
		}
	}
	close(fd);
	ns_buf_free(&buf);
	return NULL;
}

/* Text from articles goes to a terminal: control characters (an escape
 * sequence planted in a title) become spaces, in place.  Only the
 * highlight markers this program asked for survive, in snippets (MARKS);
 * newlines and tabs only where NL (an article's body). */
static void defang(char *s, bool marks, bool nl)
{
	for (; s && *s; s++) {
		if (marks && *style.hl_start) {
			size_t a = strlen(style.hl_start), b = strlen(style.hl_end);
			if (strncmp(s, style.hl_start, a) == 0) {
				s += a - 1;
				continue;
			}
			if (strncmp(s, style.hl_end, b) == 0) {
				s += b - 1;
				continue;
			}
		}
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && !(nl && (c == '\n' || c == '\t'))) || c == 0x7f)
			*s = ' ';
	}
}

static void defang_strv(ns_strv_t *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		defang(sv->v[i], false, false);
}

static void defang_hit(ns_hit_t *h)
{
	char *plain[] = {h->path, h->title, h->standfirst, h->date, h->time,
	                 h->section, h->language, h->url, h->format};
	for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
		defang(plain[i], false, false);
	defang(h->snippet, true, false);
	defang(h->body, false, true);
	defang_strv(&h->tags);
	defang_strv(&h->authors);
}

static void defang_result(ns_result_t *res)
{
	for (size_t i = 0; i < res->nhits; i++)
		defang_hit(&res->hits[i]);
	for (size_t f = 0; f < res->nfacets; f++)
		for (size_t i = 0; i < res->facets[f].n; i++)
			defang(res->facets[f].values[i].value, false, false);
	defang(res->suggestion, false, false);
}

static void print_list(const char *label, const ns_strv_t *sv)
{
	if (!sv->n)
		return;
	printf("   %s: ", label);
	for (size_t i = 0; i < sv->n; i++)
		printf("%s%s", i ? ", " : "", sv->v[i]);
	putchar('\n');
}

/* "2025-03-14 09:30  World  " */
static void print_dateline(const ns_hit_t *h)
{
	if (*h->date)
		printf("%s%s%s  ", h->date, *h->time ? " " : "", h->time);
	if (*h->section)
		printf("%s  ", h->section);
}

static void print_facets(const ns_result_t *res)
{
	if (!res->nfacets)
		return;
	printf("\n%sfacets%s%s\n", style.bold, style.reset,
	       res->exact ? "" : " (counted in part: the query ran out of time)");
	for (size_t f = 0; f < res->nfacets; f++) {
		const ns_facet_t *fc = &res->facets[f];
		printf("  %-8s", fc->name ? fc->name : ns_facet_name(fc->kind));
		if (!fc->n)
			printf(" -");
		for (size_t i = 0; i < fc->n; i++)
			printf("%s %s %s(%llu)%s", i ? "," : "", fc->values[i].value,
			       style.dim, (unsigned long long)fc->values[i].count,
			       style.reset);
		putchar('\n');
	}
}

/* A search or similar reply; returns the exit status. */
static int print_results(const ns_result_t *res, unsigned offset)
{
	if (res->suggestion)
		printf("did you mean: %s%s%s\n", style.bold, res->suggestion,
		       style.reset);
	if (res->nhits == 0) {
		if (res->total)
			printf("no results past %u (of %s%llu)\n", offset,
			       res->total_min == res->total_max ? "" : "about ",
			       (unsigned long long)res->total);
		else
			printf("no results\n");
		print_facets(res);
		return EXIT_NONE;
	}
	if (offset || res->nhits < res->total)
		printf("results %u-%zu of %s%llu", offset + 1, offset + res->nhits,
		       res->total_min == res->total_max ? "" : "about ",
		       (unsigned long long)res->total);
	else
		printf("%llu result%s", (unsigned long long)res->total,
		       res->total == 1 ? "" : "s");
	printf(" (revision %llu, %.1f ms)\n", (unsigned long long)res->revision,
	       res->took_ms);
	bool said_partial = false;
	for (size_t i = 0; i < res->nhits; i++) {
		const ns_hit_t *h = &res->hits[i];
		if (h->partial && !said_partial) {
			printf("\n%s-- articles with only some of the words --%s\n",
			       style.dim, style.reset);
			said_partial = true;
		}
		printf("\n%u. %s%s%s\n   ", h->rank, style.bold,
		       *h->title ? h->title : "(untitled)", style.reset);
		print_dateline(h);
		if (h->score > 0)
			printf("%s  %s(score %.3f)%s\n", h->path, style.dim, h->score,
			       style.reset);
		else /* a listing by filter or date: no words to score */
			printf("%s\n", h->path);
		print_list("by", &h->authors);
		print_list("tags", &h->tags);
		if (*h->snippet)
			printf("   %s\n", h->snippet);
		if (h->duplicates)
			printf("   %s(and %u more with the same text)%s\n", style.dim,
			       h->duplicates, style.reset);
	}
	print_facets(res);
	return EXIT_HITS;
}

static void print_article(const ns_hit_t *a)
{
	printf("%s%s%s\n", style.bold, *a->title ? a->title : "(untitled)",
	       style.reset);
	if (*a->standfirst)
		printf("%s\n", a->standfirst);
	print_dateline(a);
	printf("%s\n", a->path);
	print_list("by", &a->authors);
	print_list("tags", &a->tags);
	if (*a->url)
		printf("   url: %s\n", a->url);
	printf("   language: %s, format: %s", a->language, a->format);
	if (a->reading_minutes)
		printf(", %u min read", a->reading_minutes);
	printf("\n\n%s\n", a->body ? a->body : "");
}

static void print_counts(const char *label, const ns_facet_value_t *v,
                         size_t n)
{
	printf("%-12s", label);
	if (!n)
		printf(" -");
	for (size_t i = 0; i < n; i++)
		printf("%s %s %s(%llu)%s", i ? "," : "", v[i].value, style.dim,
		       (unsigned long long)v[i].count, style.reset);
	putchar('\n');
}

static void print_stats(const ns_stats_t *st)
{
	char when[32] = "never";
	if (st->last_commit) {
		time_t t = (time_t)st->last_commit;
		struct tm tm;
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC",
		         gmtime_r(&t, &tm));
	}
	printf("%-12s %llu (revision %llu)\n", "documents",
	       (unsigned long long)st->documents,
	       (unsigned long long)st->revision);
	printf("%-12s %.1f MiB\n", "index size",
	       (double)st->index_bytes / (1024.0 * 1024.0));
	printf("%-12s %s\n", "last change", when);
	print_counts("sections", st->sections, st->nsections);
	print_counts("languages", st->langs, st->nlangs);
	print_counts("years", st->years, st->nyears);
}

/* "2026-11-29 20:14:03 UTC" of Unix ms WHEN into BUF; "never" for 0. */
static void utc_ms(int64_t when, char *buf, size_t size)
{
	time_t t = (time_t)(when / 1000);
	struct tm tm;
	if (!when || !gmtime_r(&t, &tm) ||
	    !strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, size, "never");
}

/* What the service issue added to status: time, clients, latency, the
 * newest problems and maintenance (from the reply LINE). */
static void print_status_more(const ns_daemon_status_t *st, const char *line,
                              size_t len)
{
	char when[40];
	utc_ms(st->last_commit, when, sizeof when);
	unsigned long long up = (unsigned long long)st->uptime_s;
	printf("uptime:    %llud %02lluh %02llum %02llus\n", up / 86400,
	       up / 3600 % 24, up / 60 % 60, up % 60);
	printf("last commit: %s\n", when);
	if (st->ready)
		printf("reconciled: %llu files at start, in %.1f s\n",
		       (unsigned long long)st->scanned, st->reconcile_s);
	else
		printf("reconciling: %llu of %llu files left (%.0f s so far)\n",
		       (unsigned long long)st->queued,
		       (unsigned long long)st->scanned, st->reconcile_s);
	printf("connections: %u\n", st->connections);
	if (st->searches)
		printf("latency:   p50 %.1f ms, p95 %.1f ms, p99 %.1f ms (last %llu "
		       "of %llu searches)\n", st->latency_p50_ms,
		       st->latency_p95_ms, st->latency_p99_ms,
		       st->searches < 1000 ? (unsigned long long)st->searches
		                           : 1000ull,
		       (unsigned long long)st->searches);
	else
		printf("latency:   no search yet\n");
	ns_problem_t *v = NULL;
	size_t n = 0;
	uint64_t total;
	if (ns_proto_parse_problems(line, len, &v, &n, &total) && n) {
		printf("newest problems:\n");
		for (size_t i = 0; i < n; i++)
			printf("  %-8s %s: %s\n", v[i].partial ? "partial" : "skipped",
			       v[i].path ? v[i].path : "?",
			       v[i].reason ? v[i].reason : "?");
	}
	ns_problems_list_free(v, n);
	if (st->op[0])
		printf("operation: %s%s%s, %s, %llu of %llu done\n", st->op,
		       st->op_target[0] ? " " : "", st->op_target,
		       st->op_running ? "running" : "queued",
		       (unsigned long long)st->op_done,
		       (unsigned long long)st->op_total);
	if (st->last_op[0]) {
		utc_ms(st->last_op_finished, when, sizeof when);
		printf("last operation: %s %s at %s: %s\n", st->last_op,
		       st->last_op_ok ? "done" : "FAILED", when,
		       st->last_op_message);
	}
}

/* ---- reindex, compact, backup: long, with a progress bar ---- */

/* Draw the operation's progress from a status asked on a second
 * connection (stderr, one line redrawn).  Returns whether it drew. */
static bool draw_progress(const char *path, unsigned long long t0)
{
	char *request = ns_proto_status_request(2);
	size_t len = 0;
	char *reply = request ? exchange(path, request, &len) : NULL;
	free(request);
	ns_daemon_status_t st = {0};
	bool ok = reply && ns_proto_parse_reply(reply, len, NULL, &st, NULL,
	                                        NULL) && st.op[0];
	free(reply);
	if (!ok)
		return false;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double secs = (double)ts.tv_sec + ts.tv_nsec / 1e9 - (double)t0 / 1e3;
	enum { WIDTH = 30 };
	int filled = st.op_total ? (int)(WIDTH * st.op_done / st.op_total) : 0;
	char bar[WIDTH + 1];
	for (int i = 0; i < WIDTH; i++)
		bar[i] = i < filled ? '#' : '.';
	bar[WIDTH] = '\0';
	if (!st.op_running)
		fprintf(stderr, "\r\033[K%s: queued behind other work (%.0f s)",
		        st.op, secs);
	else
		fprintf(stderr, "\r\033[K%s [%s] %llu/%llu %s (%.0f s)", st.op, bar,
		        (unsigned long long)st.op_done,
		        (unsigned long long)st.op_total,
		        strcmp(st.op, "reindex") == 0 ? "files" : "tables", secs);
	fflush(stderr);
	return true;
}

/* Send REQUEST (a reindex, compact or backup) and wait for its reply, as
 * long as it takes, drawing progress on a terminal.  The exit status. */
static int run_maintenance(const char *path, const char *request, bool json)
{
	int fd = connect_and_send(path, request);
	if (fd < 0)
		return EXIT_ERROR;
	bool bar = !json && isatty(STDERR_FILENO), drawn = false;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	unsigned long long t0 = (unsigned long long)ts.tv_sec * 1000ull +
	                        (unsigned long long)ts.tv_nsec / 1000000ull;
	ns_buf_t buf = {0};
	char *nl = NULL;
	while (!nl) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, 250);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			if (bar)
				drawn |= draw_progress(path, t0);
			continue;
		}
		char chunk[16384];
		ssize_t got = r < 0 ? -1 : read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (drawn)
				fprintf(stderr, "\n");
			fprintf(stderr, "nsearch-cli: %s: %s\n", path, got == 0
			        ? "the daemon closed the connection without a reply"
			        : strerror(errno));
			close(fd);
			ns_buf_free(&buf);
			return EXIT_ERROR;
		}
		if (ns_buf_append(&buf, chunk, (size_t)got) != NS_OK)
			break;
		nl = memchr(buf.data, '\n', buf.len);
	}
	close(fd);
	if (drawn)
		fprintf(stderr, "\r\033[K");
	if (!nl) {
		fprintf(stderr, "nsearch-cli: out of memory\n");
		ns_buf_free(&buf);
		return EXIT_ERROR;
	}
	*nl = '\0';
	size_t len = (size_t)(nl - buf.data);
	char *code = NULL, *message = NULL;
	bool ok = ns_proto_parse_reply(buf.data, len, NULL, NULL, &code, &message);
	int rc = ok ? EXIT_HITS : EXIT_ERROR;
	if (json) {
		printf("%s\n", buf.data);
	} else if (!ok) {
		fprintf(stderr, "nsearch-cli: %s: %s\n", code ? code : "ERROR",
		        message ? message : "");
		if (code && strcmp(code, NS_E_FORBIDDEN) == 0)
			fprintf(stderr, "  reindex, compact and backup need root or "
			        "the daemon's user: sudo nsearch-cli ...\n");
	} else {
		json_t *o = json_loadb(buf.data, len, 0, NULL);
		printf("%s: %s\n", json_string_value(json_object_get(o, "op")),
		       json_string_value(json_object_get(o, "message")));
		json_decref(o);
	}
	free(code);
	free(message);
	ns_buf_free(&buf);
	return rc;
}

static void print_status(const ns_daemon_status_t *st)
{
	printf("ready:     %s\n"
	       "documents: %llu\n"
	       "revision:  %llu\n"
	       "queued:    %llu\n"
	       "indexed:   %llu since start\n"
	       "unchanged: %llu since start (a stat showed them unchanged)\n"
	       "same:      %llu since start (read again, same content)\n"
	       "removed:   %llu since start\n"
	       "failed:    %llu since start\n"
	       "skipped:   %llu files not indexed (nsearch-cli problems)\n"
	       "partial:   %llu files indexed in part\n"
	       "overflows: %llu rescans after lost inotify events\n"
	       "unwatched: %llu directories over the inotify watch limit\n",
	       st->ready ? "yes" : "no (still indexing the tree)",
	       (unsigned long long)st->documents,
	       (unsigned long long)st->revision,
	       (unsigned long long)st->queued,
	       (unsigned long long)st->indexed,
	       (unsigned long long)st->unchanged,
	       (unsigned long long)st->same_content,
	       (unsigned long long)st->removed,
	       (unsigned long long)st->failed,
	       (unsigned long long)st->skipped,
	       (unsigned long long)st->partial,
	       (unsigned long long)st->overflows,
	       (unsigned long long)st->unwatched);
}

/* A finished wait; the exit status. */
static int print_wait(const char *reply, size_t len)
{
	json_t *o = json_loadb(reply, len, 0, NULL);
	const char *state = json_string_value(json_object_get(o, "state"));
	const char *reason = json_string_value(json_object_get(o, "reason"));
	const char *what = !state ? "every change so far is searchable"
	                 : strcmp(state, "removed") == 0
	                 ? "removed: no such file under the articles "
	                   "directory now (deleted, or never there; the "
	                   "path is relative to it)"
	                 : state;
	printf("%s%s%s (revision %lld)\n", what, reason ? ": " : "",
	       reason ? reason : "",
	       (long long)json_integer_value(json_object_get(o, "revision")));
	bool searchable = !state || strcmp(state, "indexed") == 0 ||
	                  strcmp(state, "partial") == 0;
	json_decref(o);
	return searchable ? EXIT_HITS : EXIT_NONE;
}

static void print_problems(const char *line, size_t len)
{
	ns_problem_t *v = NULL;
	size_t n = 0;
	uint64_t total = 0;
	if (!ns_proto_parse_problems(line, len, &v, &n, &total)) {
		fprintf(stderr, "nsearch-cli: the daemon's reply is not a problems list\n");
		return;
	}
	if (!total)
		printf("no problems: every file is indexed in full\n");
	else if (n < total)
		printf("%llu files not indexed in full; the newest %zu:\n",
		       (unsigned long long)total, n);
	else
		printf("%llu file%s not indexed in full:\n",
		       (unsigned long long)total, total == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++)
		printf("%-8s %s\n         %s\n", v[i].partial ? "partial" : "skipped",
		       v[i].path, v[i].reason);
	ns_problems_list_free(v, n);
}

static char *join_words(char **words, int n)
{
	ns_buf_t b = {0};
	for (int i = 0; i < n; i++)
		if ((i && ns_buf_append(&b, " ", 1) != NS_OK) ||
		    ns_buf_append(&b, words[i], strlen(words[i])) != NS_OK) {
			ns_buf_free(&b);
			return NULL;
		}
	return b.data;
}

/* "tag,author" into facet bits; false on an unknown name. */
/* Facets by name: the built-in ones as bits, any other as the name of a
 * field the daemon's [fields] declares (it says if none is). */
static bool parse_facets(const char *list, unsigned *out, ns_strv_t *named)
{
	char *copy = strdup(list), *save = NULL;
	bool ok = copy != NULL;
	for (char *t = copy ? strtok_r(copy, ", ", &save) : NULL; ok && t;
	     t = strtok_r(NULL, ", ", &save)) {
		int k = ns_facet_by_name(t);
		if (k < 0) {
			ok = ns_strv_push(named, t, strlen(t)) == NS_OK;
		} else {
			*out |= 1u << k;
		}
	}
	free(copy);
	return ok;
}

/* --filter NAME=VALUE (any of several, repeated) or NAME=MIN..MAX (a
 * number field's range; either end may be left out). */
static bool parse_field_filter(const char *arg, ns_filter_t *f)
{
	const char *eq = strchr(arg, '=');
	char name[NS_FIELD_NAME_MAX + 1];
	size_t n = eq ? (size_t)(eq - arg) : 0;
	if (!eq || !n || n > NS_FIELD_NAME_MAX || !eq[1]) {
		fprintf(stderr, "nsearch-cli: --filter: NAME=VALUE or NAME=MIN..MAX, "
		        "not '%s'\n", arg);
		return false;
	}
	memcpy(name, arg, n);
	name[n] = '\0';
	ns_field_filter_t *ff = NULL;
	for (size_t i = 0; i < f->nfields && !ff; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			ff = &f->fields[i];
	if (!ff) {
		ff = realloc(f->fields, (f->nfields + 1) * sizeof *ff);
		if (!ff)
			return false;
		f->fields = ff;
		ff = &f->fields[f->nfields++];
		memset(ff, 0, sizeof *ff);
		ff->name = strdup(name);
	}
	const char *v = eq + 1, *dots = strstr(v, "..");
	if (dots) {
		char *end;
		if (dots > v) {
			/* "100..300": strtod would take "100." */
			char *lo = strndup(v, (size_t)(dots - v));
			ff->min = lo ? strtod(lo, &end) : 0;
			ff->has_min = lo && !*end;
			free(lo);
		}
		if (dots[2]) {
			ff->max = strtod(dots + 2, &end);
			ff->has_max = !*end;
		}
		if ((dots > v && !ff->has_min) || (dots[2] && !ff->has_max) ||
		    (!ff->has_min && !ff->has_max)) {
			fprintf(stderr, "nsearch-cli: --filter: %s: MIN..MAX takes "
			        "numbers, not '%s'\n", name, v);
			return false;
		}
		return true;
	}
	return ns_strv_push(&ff->values, v, strlen(v)) == NS_OK;
}

static bool parse_uint(const char *opt, const char *arg, unsigned lo,
                       unsigned hi, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (*end || !*arg || errno || v < lo || v > hi || arg[0] == '-') {
		fprintf(stderr, "nsearch-cli: --%s: a number from %u to %u, not '%s'\n",
		        opt, lo, hi, arg);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

/* reindex [PATH], compact, backup DIR: check the arguments, then run. */
static int maintenance(const char *cmd, char **args, int nargs,
                       const char *socket_path, bool json)
{
	char *request = NULL;
	if (strcmp(cmd, "reindex") == 0) {
		if (nargs > 1) {
			fprintf(stderr, "nsearch-cli: reindex takes one path at most, "
			        "relative to the articles directory\n");
			return EXIT_ERROR;
		}
		request = ns_proto_reindex_request(1, nargs ? args[0] : NULL);
	} else if (strcmp(cmd, "compact") == 0) {
		if (nargs) {
			fprintf(stderr, "nsearch-cli: compact takes no arguments\n");
			return EXIT_ERROR;
		}
		request = ns_proto_compact_request(1);
	} else {
		if (nargs != 1) {
			fprintf(stderr, "nsearch-cli: backup takes the directory to "
			        "write the copy in (new, or empty)\n");
			return EXIT_ERROR;
		}
		/* The daemon wants an absolute path; a relative one is taken as
		 * relative to here. */
		char cwd[PATH_MAX], dir[PATH_MAX + 1024];
		if (args[0][0] == '/' || !getcwd(cwd, sizeof cwd))
			snprintf(dir, sizeof dir, "%s", args[0]);
		else
			snprintf(dir, sizeof dir, "%s/%s", cwd, args[0]);
		request = ns_proto_backup_request(1, dir);
	}
	if (!request) {
		fprintf(stderr, "nsearch-cli: out of memory\n");
		return EXIT_ERROR;
	}
	int rc = run_maintenance(socket_path, request, json);
	free(request);
	return rc;
}

int main(int argc, char **argv)
{
	enum { O_LANG = 256, O_SECTION, O_TAG, O_AUTHOR, O_SINCE, O_UNTIL,
	       O_SORT, O_MATCH, O_FACETS, O_COLLAPSE, O_RECENCY, O_COLOR,
	       O_FILTER };
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"limit", required_argument, NULL, 'n'},
		{"offset", required_argument, NULL, 'o'},
		{"json", no_argument, NULL, 'j'},
		{"lang", required_argument, NULL, O_LANG},
		{"section", required_argument, NULL, O_SECTION},
		{"tag", required_argument, NULL, O_TAG},
		{"author", required_argument, NULL, O_AUTHOR},
		{"since", required_argument, NULL, O_SINCE},
		{"from", required_argument, NULL, O_SINCE},
		{"until", required_argument, NULL, O_UNTIL},
		{"to", required_argument, NULL, O_UNTIL},
		{"sort", required_argument, NULL, O_SORT},
		{"match", required_argument, NULL, O_MATCH},
		{"facets", required_argument, NULL, O_FACETS},
		{"filter", required_argument, NULL, O_FILTER},
		{"collapse", no_argument, NULL, O_COLLAPSE},
		{"recency", required_argument, NULL, O_RECENCY},
		{"color", required_argument, NULL, O_COLOR},
		{"colour", required_argument, NULL, O_COLOR},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	char sockbuf[PATH_MAX];
	const char *socket_path = NULL;
	unsigned limit = 0, offset = 0;
	bool json = false;
	const char *color = "auto";
	ns_request_t sreq = {0};
	int rc = EXIT_ERROR;
	int opt;
	argv[0] = (char *)"nsearch-cli"; /* getopt's messages name the program */
	int longindex = 0;
	while ((opt = getopt_long(argc, argv, "s:n:o:jhV", longopts,
	                          &longindex)) != -1) {
		switch (opt) {
		case 's': socket_path = optarg; break;
		case 'n':
			if (!parse_uint("limit", optarg, 1, NS_PROTO_MAX_PROBLEMS, &limit))
				goto out;
			break;
		case 'o':
			if (!parse_uint("offset", optarg, 0, 1000000, &offset))
				goto out;
			break;
		case 'j': json = true; break;
		case O_LANG: sreq.lang = optarg; break;
		case O_SECTION: ns_strv_push(&sreq.filter.sections, optarg, strlen(optarg)); break;
		case O_TAG: ns_strv_push(&sreq.filter.tags, optarg, strlen(optarg)); break;
		case O_AUTHOR: ns_strv_push(&sreq.filter.authors, optarg, strlen(optarg)); break;
		case O_SINCE:
		case O_UNTIL:
		{
			char why[200];
			if (!nscli_parse_date(optarg, opt == O_UNTIL, time(NULL),
			                      opt == O_SINCE ? sreq.filter.date_from
			                                     : sreq.filter.date_to,
			                      why, sizeof why)) {
				fprintf(stderr, "nsearch-cli: --%s: %s\n",
				        longopts[longindex].name, why);
				goto out;
			}
			break;
		}
		case O_SORT:
			if (strcmp(optarg, "relevance") == 0)
				sreq.sort = NS_SORT_RELEVANCE;
			else if (strcmp(optarg, "newest") == 0 || strcmp(optarg, "date") == 0)
				sreq.sort = NS_SORT_NEWEST;
			else if (strcmp(optarg, "oldest") == 0)
				sreq.sort = NS_SORT_OLDEST;
			else if (ns_field_name_ok(optarg + (optarg[0] == '-'))) {
				/* a declared field; "-words" is the largest first */
				sreq.sort = NS_SORT_FIELD;
				sreq.sort_desc = optarg[0] == '-';
				free(sreq.sort_field);
				sreq.sort_field = strdup(optarg + sreq.sort_desc);
			} else {
				fprintf(stderr, "nsearch-cli: --sort: relevance, newest (or date), oldest or a declared field (-FIELD: largest first), not '%s'\n", optarg);
				goto out;
			}
			break;
		case O_FILTER:
			if (!parse_field_filter(optarg, &sreq.filter))
				goto out;
			break;
		case O_MATCH:
			if (strcmp(optarg, "auto") == 0)
				sreq.match = NS_MATCH_AUTO;
			else if (strcmp(optarg, "all") == 0)
				sreq.match = NS_MATCH_ALL;
			else if (strcmp(optarg, "any") == 0)
				sreq.match = NS_MATCH_ANY;
			else {
				fprintf(stderr, "nsearch-cli: --match: auto, all or any, not '%s'\n", optarg);
				goto out;
			}
			break;
		case O_FACETS:
			if (!parse_facets(optarg, &sreq.facets, &sreq.facet_fields))
				goto out;
			break;
		case O_COLLAPSE: sreq.collapse = true; break;
		case O_RECENCY:
			if (!parse_uint("recency", optarg, 1, 36500, &sreq.recency_days))
				goto out;
			break;
		case O_COLOR:
			if (strcmp(optarg, "auto") && strcmp(optarg, "always") &&
			    strcmp(optarg, "never")) {
				fprintf(stderr, "nsearch-cli: --color: auto, always or never, not '%s'\n", optarg);
				goto out;
			}
			color = optarg;
			break;
		case 'h': usage(stdout); rc = 0; goto out;
		case 'V': printf("nsearch-cli %s\n", NS_VERSION); rc = 0; goto out;
		default:
			/* getopt said which option; "-word" is the usual mistake. */
			fprintf(stderr, "  (to exclude a word, put the query after --: "
			        "nsearch-cli search -- varga -beijing; --help lists "
			        "the options)\n");
			goto out;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		goto out;
	}
	if (!socket_path)
		socket_path = ns_default_socket(sockbuf, sizeof sockbuf);
	if (!socket_path) {
		fprintf(stderr, "nsearch-cli: which socket?  As a user other than "
		        "root the default is $XDG_RUNTIME_DIR/nsearch/nsearch.sock, "
		        "and XDG_RUNTIME_DIR is not set: set it, or give --socket "
		        "PATH or NSEARCH_SOCKET\n");
		goto out;
	}
	if (strcmp(color, "always") == 0 ||
	    (strcmp(color, "auto") == 0 && isatty(STDOUT_FILENO) &&
	     !(getenv("NO_COLOR") && *getenv("NO_COLOR"))))
		use_colour();

	const char *cmd = argv[optind++];
	int nargs = argc - optind;
	char *request = NULL;
	bool is_search = strcmp(cmd, "search") == 0;
	bool is_similar = strcmp(cmd, "similar") == 0;
	bool is_get = strcmp(cmd, "get") == 0;
	bool is_problems = strcmp(cmd, "problems") == 0;
	bool is_wait = strcmp(cmd, "wait") == 0;
	bool is_stats = strcmp(cmd, "stats") == 0;
	bool is_status = strcmp(cmd, "status") == 0;
	bool filtered = sreq.filter.sections.n || sreq.filter.tags.n ||
	                sreq.filter.authors.n || sreq.filter.date_from[0] ||
	                sreq.filter.date_to[0] || sreq.filter.nfields;
	if ((is_search || is_similar) && limit > NS_PROTO_LIMIT_CEILING) {
		fprintf(stderr, "nsearch-cli: --limit: at most %d results per search\n",
		        NS_PROTO_LIMIT_CEILING);
		goto out;
	}
	/* The snippet as plain text, matches between the markers. */
	sreq.limit = limit ? limit : NS_PROTO_DEFAULT_LIMIT;
	sreq.offset = offset;
	sreq.plain = !json;
	sreq.hl_start = json ? NULL : (char *)style.hl_start;
	sreq.hl_end = json ? NULL : (char *)style.hl_end;
	if (is_search) {
		char *q = join_words(argv + optind, nargs);
		if (!filtered && (!q || !q[strspn(q, " \t\n")])) {
			fprintf(stderr, "nsearch-cli: search: what for? (nsearch-cli search WORD..., or a filter such as --section)\n");
			free(q);
			goto out;
		}
		sreq.q = q ? q : strdup("");
		if (sreq.q)
			request = ns_proto_encode_search(1, &sreq);
		free(sreq.q);
		sreq.q = NULL;
	} else if (is_similar || is_get) {
		if (nargs != 1) {
			fprintf(stderr, "nsearch-cli: %s takes one path, relative to "
			        "the articles directory\n", cmd);
			goto out;
		}
		sreq.path = argv[optind];
		request = is_get ? ns_proto_get_request(1, sreq.path)
		                 : ns_proto_encode_similar(1, &sreq);
		sreq.path = NULL;
	} else if (is_wait) {
		if (nargs > 1) {
			fprintf(stderr, "nsearch-cli: wait takes one path at most\n");
			goto out;
		}
		request = ns_proto_wait_request(1, nargs ? argv[optind] : NULL,
		                                60000);
	} else if (strcmp(cmd, "reindex") == 0 || strcmp(cmd, "compact") == 0 ||
	           strcmp(cmd, "backup") == 0) {
		rc = maintenance(cmd, argv + optind, nargs, socket_path, json);
		goto out;
	} else if (is_status || is_problems || is_stats) {
		if (nargs) {
			fprintf(stderr, "nsearch-cli: %s takes no arguments\n", cmd);
			goto out;
		}
		request = is_problems
			? ns_proto_problems_request(1, limit ? limit : 100, offset)
			: is_stats ? ns_proto_stats_request(1)
			: ns_proto_status_request(1);
	} else {
		fprintf(stderr, "nsearch-cli: unknown command '%s' (search, get, "
		        "similar, status, stats, problems, wait, reindex, compact "
		        "or backup)\n", cmd);
		goto out;
	}
	if (!request) {
		fprintf(stderr, "nsearch-cli: out of memory\n");
		goto out;
	}
	size_t len = 0;
	char *reply = exchange(socket_path, request, &len);
	free(request);
	if (!reply)
		goto out;

	ns_result_t *res = NULL;
	ns_daemon_status_t st = {0};
	char *code = NULL, *message = NULL;
	bool ok = ns_proto_parse_reply(reply, len, json ? NULL : &res, &st, &code,
	                               &message);
	if (json) {
		printf("%s\n", reply);
		rc = !ok ? EXIT_ERROR
		   : (is_search || is_similar) && strstr(reply, "\"hits\":[]")
		   ? EXIT_NONE
		   : is_wait && (strstr(reply, "\"state\":\"removed\"") ||
		                 strstr(reply, "\"state\":\"skipped\""))
		   ? EXIT_NONE : EXIT_HITS;
	} else if (!ok) {
		fprintf(stderr, "nsearch-cli: %s: %s\n", code ? code : "ERROR",
		        message ? message : "");
	} else if (is_search || is_similar) {
		if (res)
			defang_result(res);
		rc = res ? print_results(res, offset) : EXIT_ERROR;
	} else if (is_get) {
		ns_hit_t a;
		if (ns_proto_parse_article(reply, len, &a)) {
			defang_hit(&a);
			print_article(&a);
			rc = EXIT_HITS;
		}
		ns_hit_clear(&a);
	} else if (is_stats) {
		ns_stats_t sts;
		if (ns_proto_parse_stats(reply, len, &sts)) {
			for (size_t i = 0; i < sts.nsections; i++)
				defang(sts.sections[i].value, false, false);
			print_stats(&sts);
			rc = EXIT_HITS;
		}
		ns_stats_clear(&sts);
	} else if (is_wait) {
		rc = print_wait(reply, len);
	} else if (is_problems) {
		print_problems(reply, len);
		rc = EXIT_HITS;
	} else {
		print_status(&st);
		print_status_more(&st, reply, len);
		rc = EXIT_HITS;
	}
	free(reply);
	free(code);
	free(message);
	ns_result_free(res);
out:
	/* What the options made (lang, path and the markers are borrowed). */
	ns_strv_clear(&sreq.filter.sections);
	ns_strv_clear(&sreq.filter.tags);
	ns_strv_clear(&sreq.filter.authors);
	for (size_t i = 0; i < sreq.filter.nfields; i++) {
		free(sreq.filter.fields[i].name);
		ns_strv_clear(&sreq.filter.fields[i].values);
	}
	free(sreq.filter.fields);
	free(sreq.sort_field);
	ns_strv_clear(&sreq.facet_fields);
	return rc;
}
