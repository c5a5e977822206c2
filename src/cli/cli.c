/* cli.c - nsearch-cli: ad-hoc searches and operations against a running
 * nsearchd.  This file owns the command line (options, the command table,
 * one run); the commands live in search.c, ops.c and maint.c, the way to
 * the daemon in conn.c.  Speaks the socket protocol through core/proto*
 * and nothing else; never links the Xapian shim. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buildconf.h"
#include "cli/cli.h"
#include "cli/dates.h"
#include "cli/errors.h"
#include "cli/print.h"

/* The commands, in the order the usage lists them: name, how many
 * arguments and what they are, the request, the reply's printer (which
 * also decides the exit status).  A table, laid out as one. */
/* clang-format off */
static const nscli_cmd_t commands[] = {
	{"search", 0, ~0u, "words", nscli_search_request, nscli_results_reply, 0},
	{"get", 1, 1, "one path, relative to the articles directory",
	 nscli_get_request, nscli_article_reply, 0},
	{"similar", 1, 1, "one path, relative to the articles directory",
	 nscli_similar_request, nscli_results_reply, 0},
	{"status", 0, 0, "no arguments", nscli_status_request,
	 nscli_status_reply, 0},
	{"stats", 0, 0, "no arguments", nscli_stats_request, nscli_stats_reply, 0},
	{"problems", 0, 0, "no arguments", nscli_problems_request,
	 nscli_problems_reply, 0},
	{"wait", 0, 1, "one path at most", nscli_wait_request, nscli_wait_reply,
	 0},
	{"reindex", 0, 1, "one path at most, relative to the articles directory",
	 nscli_reindex_request, nscli_maint_reply, NSCLI_LONG},
	{"compact", 0, 0, "no arguments", nscli_compact_request,
	 nscli_maint_reply, NSCLI_LONG},
	{"backup", 1, 1, "the directory to write the copy in (new, or empty)",
	 nscli_backup_request, nscli_maint_reply, NSCLI_LONG},
	{"suggest", 1, ~0u, "what has been typed", nscli_suggest_request,
	 nscli_suggest_reply, 0},
	/* The bash completion's: indexed paths under a prefix, and the
	 * words that complete a word of a query. */
	{"__complete-path", 0, 1, "the beginning of a path at most",
	 nscli_complete_request, nscli_complete_reply, NSCLI_HIDDEN},
	{"__complete-word", 1, 1, "one word", nscli_suggest_request,
	 nscli_complete_word_reply, NSCLI_HIDDEN},
};
/* clang-format on */

/* The help text; one statement, longer than a function should be, since
 * it is the text itself. */
static void usage(FILE *f)
{
	/* The text laid out as it prints. */
	/* clang-format off */
	fprintf(f,
	"usage: nsearch-cli [OPTION]... search [WORD]...\n"
	"       nsearch-cli [OPTION]... get PATH\n"
	"       nsearch-cli [OPTION]... similar PATH\n"
	"       nsearch-cli [OPTION]... status | stats [--queries] | problems\n"
	"       nsearch-cli [OPTION]... wait [PATH]\n"
	"       nsearch-cli [OPTION]... reindex [PATH] | compact | backup DIR\n"
	"Ask a running nsearchd.  Options may come anywhere; after \"--\" every\n"
	"word belongs to the query (for queries such as: search -- kyiv -kiev).\n"
	"\n"
	"  -s, --socket PATH   the daemon's socket (default: $NSEARCH_SOCKET, else\n"
	"                      as root /run/nsearch/nsearch.sock; as another user\n"
	"                      $XDG_RUNTIME_DIR/nsearch/nsearch.sock, then the\n"
	"                      system's, for members of the group nsearch); a\n"
	"                      daemon there must run as you, root or nsearch\n"
	"  -n, --limit N       show at most N results (default %d; the daemon\n"
	"                      gives up to its max_results, %d unless set higher,\n"
	"                      never over %d)\n"
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
	"      --no-collapse   show articles with the same title and text each\n"
	"                      time (by default they are one hit, \"and N more\")\n"
	"      --no-autocorrect  search as typed even when a word is in no article\n"
	"                      and its correction finds far more (the default\n"
	"                      answers the correction and says so)\n"
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
	"\"suggest WORDS\" shows what a search box offers as they are typed: the\n"
	"indexed words that complete the last one, and the titles that match.\n"
	"\"stats\" counts the index's articles by section, language and year;\n"
	"\"stats --queries\", what people searched for over the last day: the\n"
	"most asked queries (--limit of them) and those that found nothing.\n"
	"\"problems\" lists the files the daemon skipped or indexed in part, and why.\n"
	"\"wait PATH\" returns once PATH (relative to the articles directory) is\n"
	"searchable as it is on disk now (or gone, if deleted); \"wait\" alone, once\n"
	"every change made so far is.  Scripts call it after writing a file.\n"
	"\"reindex\" reads every file (under PATH) again; \"compact\" swaps in a\n"
	"compacted copy of the index; \"backup DIR\" writes a consistent copy to DIR\n"
	"(new or empty, inside the daemon's [index] backup_dir).  They return when\n"
	"done, with a progress bar on a terminal; searches are answered meanwhile.\n"
	"These three, and stats --queries, need root or the daemon's user (sudo\n"
	"nsearch-cli compact).\n"
	"Exit status (also with --json): 0 found articles with every word (or\n"
	"done, or status: ready), 1 nothing found (wait: the file is not\n"
	"searchable, removed or skipped; status: not ready), 2 an error, 3 found\n"
	"only articles with some of the words.\n",
	NS_PROTO_DEFAULT_LIMIT, NS_PROTO_MAX_LIMIT, NS_PROTO_LIMIT_CEILING);
	/* clang-format on */
}

/* ---- options ---- */

enum {
	O_LANG = 256,
	O_SECTION,
	O_TAG,
	O_AUTHOR,
	O_SINCE,
	O_UNTIL,
	O_SORT,
	O_MATCH,
	O_FACETS,
	O_COLLAPSE,
	O_RECENCY,
	O_COLOR,
	O_FILTER,
	O_QUERIES,
	O_NO_AUTOCORRECT,
	O_NO_COLLAPSE
};

static const struct option longopts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "limit", required_argument, NULL, 'n' },
	{ "offset", required_argument, NULL, 'o' },
	{ "json", no_argument, NULL, 'j' },
	{ "queries", no_argument, NULL, O_QUERIES },
	{ "lang", required_argument, NULL, O_LANG },
	{ "section", required_argument, NULL, O_SECTION },
	{ "tag", required_argument, NULL, O_TAG },
	{ "author", required_argument, NULL, O_AUTHOR },
	{ "since", required_argument, NULL, O_SINCE },
	{ "from", required_argument, NULL, O_SINCE },
	{ "until", required_argument, NULL, O_UNTIL },
	{ "to", required_argument, NULL, O_UNTIL },
	{ "sort", required_argument, NULL, O_SORT },
	{ "match", required_argument, NULL, O_MATCH },
	{ "facets", required_argument, NULL, O_FACETS },
	{ "filter", required_argument, NULL, O_FILTER },
	{ "collapse", no_argument, NULL, O_COLLAPSE },
	{ "no-autocorrect", no_argument, NULL, O_NO_AUTOCORRECT },
	{ "no-collapse", no_argument, NULL, O_NO_COLLAPSE },
	{ "recency", required_argument, NULL, O_RECENCY },
	{ "color", required_argument, NULL, O_COLOR },
	{ "colour", required_argument, NULL, O_COLOR },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

/* An option's words and what each means. */
typedef struct {
	const char *word;
	int value;
} choice_t;

static const choice_t sorts[] = {
	{"relevance", NS_SORT_RELEVANCE}, {"newest", NS_SORT_NEWEST},
	{"date", NS_SORT_NEWEST}, {"oldest", NS_SORT_OLDEST}, {0},
};
static const choice_t matches[] = {
	{"auto", NS_MATCH_AUTO}, {"all", NS_MATCH_ALL}, {"any", NS_MATCH_ANY},
	{0},
};
enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
static const choice_t colors[] = {
	{"auto", COLOR_AUTO}, {"always", COLOR_ALWAYS}, {"never", COLOR_NEVER},
	{0},
};

/* ARG as one of V's words into *OUT; false after saying which (WORDS
 * lists them for the user; NULL: say nothing). */
static bool parse_choice(const char *opt, const char *arg, const choice_t *v,
                         const char *words, int *out)
{
	for (; v->word; v++)
		if (strcmp(arg, v->word) == 0) {
			*out = v->value;
			return true;
		}
	if (words) /* NULL: only asking */
		fprintf(stderr, "nsearch-cli: --%s: %s, not '%s'\n", opt, words,
		        arg);
	return false;
}

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

/* --limit: no daemon gives more than NS_PROTO_LIMIT_CEILING at once; a
 * daemon's own bound (max_results) is for its refusal to say. */
static bool parse_limit(const char *arg, unsigned *out)
{
	if (parse_uint("limit", arg, 1, NS_PROTO_LIMIT_CEILING, out))
		return true;
	fprintf(stderr, "  (a daemon gives at most its [search] max_results at "
	        "once: %d unless set higher, and never more than %d)\n",
	        NS_PROTO_MAX_LIMIT, NS_PROTO_LIMIT_CEILING);
	return false;
}

static bool parse_date(int opt, const char *name, const char *arg,
                       ns_filter_t *f)
{
	char why[200];
	if (nscli_parse_date(arg, opt == O_UNTIL, time(NULL),
	                     opt == O_SINCE ? f->date_from : f->date_to, why,
	                     sizeof why))
		return true;
	fprintf(stderr, "nsearch-cli: --%s: %s\n", name, why);
	return false;
}

/* A search option (OPT, from LONGOPTS[LONGINDEX]) into RUN's request. */
static bool search_option(int opt, int longindex, const char *arg,
                          nscli_run_t *run)
{
	ns_request_t *r = &run->sreq;
	int v;
	switch (opt) {
	case O_LANG: r->lang = (char *)arg; return true;
	case O_SECTION:
		return ns_strv_push(&r->filter.sections, arg, strlen(arg)) == NS_OK;
	case O_TAG:
		return ns_strv_push(&r->filter.tags, arg, strlen(arg)) == NS_OK;
	case O_AUTHOR:
		return ns_strv_push(&r->filter.authors, arg, strlen(arg)) == NS_OK;
	case O_SINCE:
	case O_UNTIL:
		return parse_date(opt, longopts[longindex].name, arg, &r->filter);
	case O_SORT:
		if (ns_field_name_ok(arg + (arg[0] == '-')) &&
		    !parse_choice("sort", arg, sorts, NULL, &v)) {
			/* a declared field; "-words" is the largest first */
			r->sort = NS_SORT_FIELD;
			r->sort_desc = arg[0] == '-';
			free(r->sort_field);
			r->sort_field = strdup(arg + r->sort_desc);
			return r->sort_field != NULL;
		}
		if (!parse_choice("sort", arg, sorts, "relevance, newest (or date), "
		                  "oldest or a declared field (-FIELD: largest "
		                  "first)", &v))
			return false;
		r->sort = (ns_sort_t)v;
		return true;
	case O_FILTER: return parse_field_filter(arg, &r->filter);
	case O_MATCH:
		if (!parse_choice("match", arg, matches, "auto, all or any", &v))
			return false;
		r->match = (ns_match_t)v;
		return true;
	case O_FACETS: return parse_facets(arg, &r->facets, &r->facet_fields);
	case O_COLLAPSE: r->collapse = true; return true;
	case O_NO_AUTOCORRECT: r->autocorrect = false; return true;
	case O_NO_COLLAPSE: r->collapse = false; return true;
	case O_RECENCY:
		return parse_uint("recency", arg, 1, 36500, &r->recency_days);
	}
	return false;
}

/* The options into RUN (and *COLOR, *SOCKET); -1 to go on, else the
 * exit status (after --help, --version or a bad option). */
static int parse_options(int argc, char **argv, nscli_run_t *run,
                         int *color, const char **socket)
{
	int opt, longindex = 0;
	while ((opt = getopt_long(argc, argv, "s:n:o:jhV", longopts,
	                          &longindex)) != -1) {
		bool ok = true;
		switch (opt) {
		case 's': *socket = optarg; break;
		case 'n': ok = parse_limit(optarg, &run->limit); break;
		case 'o':
			ok = parse_uint("offset", optarg, 0, 1000000, &run->offset);
			break;
		case 'j': run->json = true; break;
		case O_QUERIES: run->queries = true; break;
		case O_COLOR:
			ok = parse_choice("color", optarg, colors, "auto, always or "
			                  "never", color);
			break;
		case 'h': usage(stdout); return NSCLI_EXIT_OK;
		case 'V': printf("nsearch-cli %s\n", NS_VERSION); return NSCLI_EXIT_OK;
		case '?':
			/* getopt said which option; "-word" is the usual mistake. */
			fprintf(stderr, "  (to exclude a word, put the query after --: "
			        "nsearch-cli search -- varga -beijing; --help lists "
			        "the options)\n");
			return NSCLI_EXIT_ERROR;
		default: ok = search_option(opt, longindex, optarg, run); break;
		}
		if (!ok)
			return NSCLI_EXIT_ERROR;
	}
	return -1;
}

/* ---- one run ---- */

static const nscli_cmd_t *find_command(const char *name)
{
	size_t n = sizeof commands / sizeof *commands;
	for (size_t i = 0; i < n; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	fprintf(stderr, "nsearch-cli: unknown command '%s' (", name);
	for (size_t i = 0; i < n; i++)
		if (!(commands[i].flags & NSCLI_HIDDEN))
			fprintf(stderr, "%s%s", i ? ", " : "", commands[i].name);
	fprintf(stderr, ")\n");
	return NULL;
}

/* Say what the daemon refused (an error reply's CODE and MESSAGE). */
static void say_error(const nscli_run_t *run, const nscli_cmd_t *cmd,
                      const char *code, const char *message)
{
	nscli_asked_t asked = {cmd->name, run->limit, run->offset};
	char *text = nscli_error_text(&asked, code, message);
	fputs(text ? text : "nsearch-cli: out of memory\n", stderr);
	free(text);
}

/* Send CMD's request and deal with its reply; the exit status. */
static int run_command(nscli_run_t *run, const nscli_cmd_t *cmd, char **args,
                       unsigned nargs)
{
	if (nargs < cmd->min_args || nargs > cmd->max_args) {
		fprintf(stderr, "nsearch-cli: %s takes %s\n", cmd->name, cmd->args);
		return NSCLI_EXIT_ERROR;
	}
	char *request = cmd->request(run, args, nargs);
	if (!request)
		return NSCLI_EXIT_ERROR; /* said why, or out of memory */
	size_t len = 0;
	char *reply = cmd->flags & NSCLI_LONG
	            ? nscli_exchange_long(run, request, &len)
	            : nscli_exchange(&run->conn, request, &len);
	free(request);
	if (!reply)
		return NSCLI_EXIT_ERROR;
	char *code = NULL, *message = NULL;
	int rc = NSCLI_EXIT_ERROR;
	bool ok = ns_proto_parse_reply(reply, len, NULL, NULL, &code, &message);
	if (run->json)
		printf("%s\n", reply);
	if (ok)
		rc = cmd->reply(run, reply, len);
	else if (!run->json)
		say_error(run, cmd, code, message);
	free(code);
	free(message);
	free(reply);
	return rc;
}

int main(int argc, char **argv)
{
	nscli_run_t run = {0};
	run.sreq.autocorrect = true; /* the daemon's defaults */
	run.sreq.collapse = true;
	int color = COLOR_AUTO;
	const char *socket = NULL;
	argv[0] = (char *)"nsearch-cli"; /* getopt's messages name the program */
	int rc = parse_options(argc, argv, &run, &color, &socket);
	if (rc < 0 && optind >= argc) {
		usage(stderr);
		rc = NSCLI_EXIT_ERROR;
	} else if (rc < 0) {
		const char *nocolor = getenv("NO_COLOR");
		if (color == COLOR_ALWAYS ||
		    (color == COLOR_AUTO && isatty(STDOUT_FILENO) &&
		     !(nocolor && *nocolor)))
			nscli_use_colour();
		nscli_conn_init(&run.conn, socket);
		const nscli_cmd_t *cmd = find_command(argv[optind]);
		rc = cmd ? run_command(&run, cmd, argv + optind + 1,
		                       (unsigned)(argc - optind - 1))
		         : NSCLI_EXIT_ERROR;
	}
	/* What the options made (lang, path and the markers are borrowed). */
	ns_request_t *r = &run.sreq;
	ns_strv_clear(&r->filter.sections);
	ns_strv_clear(&r->filter.tags);
	ns_strv_clear(&r->filter.authors);
	for (size_t i = 0; i < r->filter.nfields; i++) {
		free(r->filter.fields[i].name);
		ns_strv_clear(&r->filter.fields[i].values);
	}
	free(r->filter.fields);
	free(r->sort_field);
	ns_strv_clear(&r->facet_fields);
	return rc;
}
