/* cli.c - nsearch-cli: ad-hoc searches against a running nsearchd.
 *
 * Speaks the socket protocol through proto.c and nothing else; it never
 * links the Xapian shim.  Exit status: 0 done, 1 the daemon or the
 * connection failed, 2 bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "nsearch/proto.h"

#define MAX_REPLY (64u << 20)

static void usage(FILE *f)
{
	fprintf(f,
	"usage: nsearch-cli [OPTION]... search [WORD]...\n"
	"       nsearch-cli [OPTION]... status\n"
	"       nsearch-cli [OPTION]... problems\n"
	"       nsearch-cli [OPTION]... wait [PATH]\n"
	"Ask a running nsearchd.  Options may come anywhere; after \"--\" every\n"
	"word belongs to the query (for queries such as: search -- kyiv -kiev).\n"
	"\n"
	"  -s, --socket PATH  the daemon's socket (default: $NSEARCH_SOCKET, else\n"
	"                     /run/nsearch/nsearch.sock as root, else\n"
	"                     $XDG_RUNTIME_DIR/nsearch.sock, else /tmp/nsearch-UID.sock)\n"
	"  -n, --limit N      show at most N results (1-%d, default %d)\n"
	"  -o, --offset N     skip the first N results\n"
	"  -j, --json         print the daemon's reply as it came\n"
	"      --lang CODE    stem the query for this language (en, ru, de, ...)\n"
	"      --section NAME only articles in this section (repeat for any of several)\n"
	"      --tag TAG      only articles with this tag (repeatable)\n"
	"      --author NAME  only articles by this author, full name (repeatable)\n"
	"      --from DATE    only articles published on or after DATE (YYYY-MM-DD)\n"
	"      --to DATE      only articles published on or before DATE\n"
	"      --sort ORDER   relevance (default), newest or oldest\n"
	"  -h, --help         this help\n"
	"  -V, --version      print the version\n"
	"\n"
	"Query syntax: words (all must match), \"exact phrases\", OR, NOT, -word,\n"
	"title:word, author:name, tag:\"multi word tag\", section:name, lang:ru,\n"
	"date:2025-01-01..2025-03-31.  With filters the words may be left out:\n"
	"nsearch-cli --section world --sort newest search\n"
	"\"problems\" lists the files the daemon skipped or indexed in part, and why.\n"
	"\"wait PATH\" returns once PATH (relative to the articles directory) is\n"
	"searchable as it is on disk now (or gone, if deleted); \"wait\" alone, once\n"
	"every change made so far is.  Scripts call it after writing a file.\n",
	NS_PROTO_MAX_LIMIT, NS_PROTO_DEFAULT_LIMIT);
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
	struct timeval tv = {.tv_sec = 60};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

/* Send one request line and read one reply line (new, NUL-terminated). */
static char *exchange(const char *path, const char *request, size_t *len)
{
	int fd = connect_to(path);
	if (fd < 0)
		return NULL;
	size_t off = 0, n = strlen(request);
	while (off < n) {
		ssize_t w = write(fd, request + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fprintf(stderr, "nsearch-cli: %s: %s\n", path, strerror(errno));
			close(fd);
			return NULL;
		}
		off += (size_t)w;
	}
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

/* Print a snippet for a terminal: undo the HTML escaping. */
static void print_unescaped(const char *s)
{
	static const struct { const char *ent; char c; } ents[] = {
		{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'},
		{"&#39;", '\''}, {"&apos;", '\''},
	};
	while (*s) {
		bool done = false;
		if (*s == '&') {
			for (size_t i = 0; i < sizeof ents / sizeof *ents; i++) {
				size_t n = strlen(ents[i].ent);
				if (strncmp(s, ents[i].ent, n) == 0) {
					putchar(ents[i].c);
					s += n;
					done = true;
					break;
				}
			}
		}
		if (!done)
			putchar(*s++);
	}
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

static void print_results(const ns_result_t *res, unsigned offset)
{
	if (res->nhits == 0) {
		printf(res->total ? "no results past %u (of about %llu)\n"
		                  : "no results\n",
		       offset, (unsigned long long)res->total);
		return;
	}
	bool exact = res->total_min == res->total_max;
	if (offset || res->nhits < res->total)
		printf("results %u-%zu of %s%llu", offset + 1, offset + res->nhits,
		       exact ? "" : "about ", (unsigned long long)res->total);
	else
		printf("%llu result%s", (unsigned long long)res->total,
		       res->total == 1 ? "" : "s");
	printf(" (revision %llu, %.1f ms)\n", (unsigned long long)res->revision,
	       res->took_ms);
	for (size_t i = 0; i < res->nhits; i++) {
		const ns_hit_t *h = &res->hits[i];
		printf("\n%u. %s\n   ", h->rank, *h->title ? h->title : "(untitled)");
		if (*h->date)
			printf("%s%s%s  ", h->date, *h->time ? " " : "", h->time);
		if (*h->section)
			printf("%s  ", h->section);
		if (h->score > 0)
			printf("%s  (score %.3f)\n", h->path, h->score);
		else /* a listing by filter or date: no words to score */
			printf("%s\n", h->path);
		print_list("by", &h->authors);
		print_list("tags", &h->tags);
		if (*h->snippet) {
			printf("   ");
			print_unescaped(h->snippet);
			putchar('\n');
		}
	}
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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"limit", required_argument, NULL, 'n'},
		{"offset", required_argument, NULL, 'o'},
		{"json", no_argument, NULL, 'j'},
		{"lang", required_argument, NULL, 'L'},
		{"section", required_argument, NULL, 'S'},
		{"tag", required_argument, NULL, 'T'},
		{"author", required_argument, NULL, 'A'},
		{"from", required_argument, NULL, 'F'},
		{"to", required_argument, NULL, 'U'},
		{"sort", required_argument, NULL, 'O'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	char sockbuf[PATH_MAX];
	const char *socket_path = NULL;
	unsigned limit = 0, offset = 0;
	bool json = false;
	ns_request_t sreq = {0};
	int rc = 2;
	int opt;
	char *end;
	argv[0] = (char *)"nsearch-cli"; /* getopt's messages name the program */
	while ((opt = getopt_long(argc, argv, "s:n:o:jhVL:S:T:A:F:U:O:", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': socket_path = optarg; break;
		case 'n':
			limit = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !*optarg || limit < 1 || limit > NS_PROTO_MAX_PROBLEMS) {
				fprintf(stderr, "nsearch-cli: --limit: a number from 1 to %d (%d for searches), not '%s'\n",
				        NS_PROTO_MAX_PROBLEMS, NS_PROTO_MAX_LIMIT, optarg);
				goto out;
			}
			break;
		case 'o':
			offset = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !*optarg || offset > NS_PROTO_MAX_OFFSET) {
				fprintf(stderr, "nsearch-cli: --offset: a number from 0 to %d, not '%s'\n",
				        NS_PROTO_MAX_OFFSET, optarg);
				goto out;
			}
			break;
		case 'j': json = true; break;
		case 'L': sreq.lang = optarg; break;
		case 'S': ns_strv_push(&sreq.filter.sections, optarg, strlen(optarg)); break;
		case 'T': ns_strv_push(&sreq.filter.tags, optarg, strlen(optarg)); break;
		case 'A': ns_strv_push(&sreq.filter.authors, optarg, strlen(optarg)); break;
		case 'F':
		case 'U':
			if (strlen(optarg) != 10 || optarg[4] != '-' || optarg[7] != '-') {
				fprintf(stderr, "nsearch-cli: --%s: a date as YYYY-MM-DD, not '%s'\n",
				        opt == 'F' ? "from" : "to", optarg);
				goto out;
			}
			memcpy(opt == 'F' ? sreq.filter.date_from : sreq.filter.date_to,
			       optarg, 11);
			break;
		case 'O':
			if (strcmp(optarg, "relevance") == 0)
				sreq.sort = NS_SORT_RELEVANCE;
			else if (strcmp(optarg, "newest") == 0)
				sreq.sort = NS_SORT_NEWEST;
			else if (strcmp(optarg, "oldest") == 0)
				sreq.sort = NS_SORT_OLDEST;
			else {
				fprintf(stderr, "nsearch-cli: --sort: relevance, newest or oldest, not '%s'\n", optarg);
				goto out;
			}
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

	const char *cmd = argv[optind++];
	char *request = NULL;
	bool is_search = strcmp(cmd, "search") == 0;
	bool is_problems = strcmp(cmd, "problems") == 0;
	bool is_wait = strcmp(cmd, "wait") == 0;
	bool filtered = sreq.filter.sections.n || sreq.filter.tags.n ||
	                sreq.filter.authors.n || sreq.filter.date_from[0] ||
	                sreq.filter.date_to[0];
	if (is_search && limit > NS_PROTO_MAX_LIMIT) {
		fprintf(stderr, "nsearch-cli: --limit: at most %d results per search\n",
		        NS_PROTO_MAX_LIMIT);
		goto out;
	}
	if (is_search) {
		char *q = join_words(argv + optind, argc - optind);
		if (!filtered && (!q || !q[strspn(q, " \t\n")])) {
			fprintf(stderr, "nsearch-cli: search: what for? (nsearch-cli search WORD..., or a filter such as --section)\n");
			free(q);
			goto out;
		}
		/* Markers a terminal shows as bold; brackets elsewhere. */
		bool color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
		sreq.q = q ? q : strdup("");
		sreq.limit = limit ? limit : NS_PROTO_DEFAULT_LIMIT;
		sreq.offset = offset;
		sreq.hl_start = json ? NULL : color ? "\033[1m" : "[";
		sreq.hl_end = json ? NULL : color ? "\033[0m" : "]";
		if (sreq.q)
			request = ns_proto_encode_search(1, &sreq);
		free(sreq.q);
		sreq.q = NULL;
	} else if (is_wait) {
		if (argc - optind > 1) {
			fprintf(stderr, "nsearch-cli: wait takes one path at most\n");
			goto out;
		}
		request = ns_proto_wait_request(1, optind < argc ? argv[optind] : NULL,
		                                60000);
	} else if (strcmp(cmd, "status") == 0 || is_problems) {
		if (optind < argc) {
			fprintf(stderr, "nsearch-cli: %s takes no arguments\n", cmd);
			goto out;
		}
		request = is_problems
			? ns_proto_problems_request(1, limit ? limit : 100, offset)
			: ns_proto_status_request(1);
	} else {
		fprintf(stderr, "nsearch-cli: unknown command '%s' (search, status, problems or wait)\n", cmd);
		goto out;
	}
	rc = 1;
	if (!request) {
		fprintf(stderr, "nsearch-cli: out of memory\n");
		goto out;
	}
	size_t len = 0;
	char *reply = exchange(socket_path, request, &len);
	free(request);
	if (!reply)
		goto out;
	if (json) {
		printf("%s\n", reply);
		bool ok = ns_proto_parse_reply(reply, len, NULL, NULL, NULL, NULL);
		free(reply);
		rc = ok ? 0 : 1;
		goto out;
	}
	if (is_wait && ns_proto_parse_reply(reply, len, NULL, NULL, NULL, NULL)) {
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
		json_decref(o);
		free(reply);
		rc = 0;
		goto out;
	}
	if (is_problems && ns_proto_parse_reply(reply, len, NULL, NULL, NULL, NULL)) {
		print_problems(reply, len);
		free(reply);
		rc = 0;
		goto out;
	}

	ns_result_t *res = NULL;
	ns_daemon_status_t st = {0};
	char *code = NULL, *message = NULL;
	bool ok = ns_proto_parse_reply(reply, len, &res, &st, &code, &message);
	free(reply);
	if (!ok) {
		fprintf(stderr, "nsearch-cli: %s: %s\n", code ? code : "ERROR",
		        message ? message : "");
		free(code);
		free(message);
		goto out;
	}
	if (is_search && res)
		print_results(res, offset);
	else if (!is_search)
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
		       st.ready ? "yes" : "no (still indexing the tree)",
		       (unsigned long long)st.documents,
		       (unsigned long long)st.revision,
		       (unsigned long long)st.queued,
		       (unsigned long long)st.indexed,
		       (unsigned long long)st.unchanged,
		       (unsigned long long)st.same_content,
		       (unsigned long long)st.removed,
		       (unsigned long long)st.failed,
		       (unsigned long long)st.skipped,
		       (unsigned long long)st.partial,
		       (unsigned long long)st.overflows,
		       (unsigned long long)st.unwatched);
	ns_result_free(res);
	rc = 0;
out:
	ns_strv_clear(&sreq.filter.sections);
	ns_strv_clear(&sreq.filter.tags);
	ns_strv_clear(&sreq.filter.authors);
	return rc;
}
