/* fuzz_query.c - libFuzzer target for query strings: the searcher
 * (src/daemon/query.c, synonyms) and the shim's query parsing (shim/) on a
 * small index of articles written for it, made once per process in a
 * temporary directory the way the writer makes documents.
 *
 * The first two bytes choose the request's options (how words combine,
 * the sort, the language, collapsing, facets, recency, the page); the rest
 * is the query, as the protocol hands it over: valid UTF-8, no NUL.  A
 * query must either be answered, with at most a page of hits that are
 * articles of the index and a reply that encodes, or be refused as a bad
 * query or a too broad wildcard, with a message.  Anything else (a crash,
 * an exception the shim calls internal, a broken reply) is a finding. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse/article.h"
#include "daemon/index.h"
#include "core/proto.h"
#include "daemon/query.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                      \
	do {                                                                 \
		if (!(cond)) {                                                   \
			fprintf(stderr, "fuzz_query: %s:%d: %s\n", __FILE__,         \
			        __LINE__, #cond);                                    \
			abort();                                                     \
		}                                                                \
	} while (0)

/* The index: every field a query can name, three languages, dates over
 * two years, near-duplicates for collapsing. */
static const struct {
	const char *path, *text;
} articles[] = {
	{"world/ferry.md", "---\ntitle: Night ferry crews walk out over rosters\n"
	 "date: 2025-03-14T09:30:00Z\nauthors: [Ines Varga, Tom Okafor]\n"
	 "tags: [transport, strikes]\ncategories: [World]\nlang: en\n---\n"
	 "Crews on the night ferry between the two harbours stopped work at "
	 "midnight. The operator said talks would resume in Kyiv on Monday.\n"},
	{"world/ferry-copy.md", "---\ntitle: Night ferry crews walk out over "
	 "rosters\ndate: 2025-03-15\ntags: [transport]\ncategories: [World]\n"
	 "---\nCrews on the night ferry between the two harbours stopped work "
	 "at midnight. The operator said talks would resume in Kyiv on "
	 "Monday.\n"},
	{"city/tram.md", "---\ntitle: Tram line extension opens to the "
	 "presidential palace\ndate: 2024-11-02\nauthors: [Mara Lind]\n"
	 "tags: [transport, city-hall]\ncategories: [City]\n---\nThe new tram "
	 "stops at the palace gates; the president's office welcomed it. "
	 "Presidency staff rode the first car.\n"},
	{"science/glacier.md", "---\ntitle: Glacier survey finds the ice "
	 "thinning\ndate: 2024-08-20\ntags: [glaciers, fieldwork]\n"
	 "categories: [Science]\nlang: en-GB\n---\nRadar passes over the ice "
	 "field showed it losing a metre a year. Steel tariffs are not "
	 "involved.\n"},
	{"ru/bridge.md", "---\ntitle: Новый мост через реку\ndate: 2025-01-09\n"
	 "lang: ru\ntags: [мосты]\n---\nСтроители закончили укладку асфальта "
	 "на новом мосту через реку. Киев и Kiev.\n"},
	{"zh/harbour.md", "---\ntitle: 港口扩建工程完工\ndate: 2025-02-01\n"
	 "lang: zh\n---\n新码头今天开放，渡轮航线增加。\n"},
	{"wire/markets.txt", "Markets: steel shares fall on tariff news\n\n"
	 "Steel shares fell by four percent after the tariff announcement; "
	 "analysts expect more moves near the close.\n"},
};

static ns_searcher_t *searcher;
static char root[64];

static void fail_init(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_query: cannot build the index: %s: %s\n", what,
	        why ? why : "?");
	exit(1);
}

/* The articles into ROOT/index, as the writer builds their documents. */
static void build_index(void)
{
	char dir[96], *err = NULL;
	snprintf(dir, sizeof dir, "%s/index", root);
	nsx_writer_t *w = NULL;
	if (nsx_writer_open(dir, &w, &err) != NSX_OK)
		fail_init(dir, err);
	for (size_t i = 0; i < sizeof articles / sizeof *articles; i++) {
		ns_parse_opts_t opts = {.default_language = "en"};
		ns_article_t *a = NULL;
		nsx_doc_t *doc = NULL;
		char why[200], idterm[NSX_MAX_TERM + 1];
		const char *text = articles[i].text, *path = articles[i].path;
		if (ns_article_parse(text, strlen(text), path, &opts, &a, why,
		                     sizeof why) != NS_OK)
			fail_init(path, why);
		if (ns_index_build_doc(a, path, &doc) != NS_OK ||
		    ns_index_idterm(path, idterm, sizeof idterm) != NS_OK ||
		    nsx_writer_replace(w, idterm, doc) != NSX_OK)
			fail_init(path, nsx_writer_error(w));
		nsx_doc_free(doc);
		ns_article_free(a);
	}
	if (nsx_writer_commit(w) != NSX_OK)
		fail_init("commit", nsx_writer_error(w));
	nsx_writer_close(w);
}

static void load_synonyms(void)
{
	char path[96], *err = NULL;
	snprintf(path, sizeof path, "%s/synonyms", root);
	FILE *f = fopen(path, "w");
	if (!f || fputs("kyiv, kiev\nferry, boat, vessel\ntram, streetcar\n",
	                f) < 0 || fclose(f) != 0)
		fail_init(path, "cannot write");
	if (ns_searcher_load_synonyms(searcher, path, &err) != NS_OK)
		fail_init(path, err);
}

static void remove_root(void)
{
	char cmd[96];
	ns_searcher_free(searcher);
	searcher = NULL;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_query: %s left behind\n", root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(root, sizeof root, "%s/fuzz-query-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(root))
		fail_init(root, "mkdtemp");
	build_index();
	char dir[96];
	snprintf(dir, sizeof dir, "%s/index", root);
	if (ns_searcher_new(dir, &searcher) != NS_OK)
		fail_init(dir, "ns_searcher_new");
	ns_searcher_set_language(searcher, "en");
	/* A small cap, so that wildcards meet it; the daemon's timeout. */
	ns_searcher_set_limits(searcher, 8, 2000);
	load_synonyms();
	atexit(remove_root);
	return 0;
}

static bool indexed_path(const char *p)
{
	for (size_t i = 0; p && i < sizeof articles / sizeof *articles; i++)
		if (strcmp(p, articles[i].path) == 0)
			return true;
	return false;
}

static void check_result(const ns_search_req_t *req, const ns_result_t *res)
{
	CHECK(res && res->nhits <= req->limit);
	for (size_t i = 0; i < res->nhits; i++) {
		const ns_hit_t *h = &res->hits[i];
		CHECK(indexed_path(h->path));
		CHECK(h->rank == req->offset + i + 1);
		CHECK(!h->snippet || ns_utf8_valid(h->snippet, strlen(h->snippet)));
	}
	CHECK(!res->suggestion ||
	      ns_utf8_valid(res->suggestion, strlen(res->suggestion)));
	/* The reply the daemon would send: one line of JSON. */
	json_t *id = json_integer(1);
	char *line = ns_proto_search_reply(id, res, NS_FIELDS_HIT);
	CHECK(line && line[strlen(line) - 1] == '\n');
	json_t *o = json_loadb(line, strlen(line) - 1, 0, NULL);
	CHECK(json_is_object(o));
	json_decref(o);
	free(line);
	json_decref(id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const langs[] = {NULL, "en", "ru", "zh", "de", "ja",
	                                    "none", "fr"};
	if (size < 2 || size > 4096)
		return 0;
	const char *q = (const char *)data + 2;
	size_t len = size - 2;
	/* What the protocol can deliver: a JSON string without NUL. */
	if (memchr(q, '\0', len) || !ns_utf8_valid(q, len))
		return 0;
	char *query = strndup(q, len);
	if (!query)
		return 0;
	uint8_t a = data[0], b = data[1];
	ns_search_req_t req = {
		.q = query,
		.match = (ns_match_t)(a % 3),
		.sort = (ns_sort_t)(a / 3 % 3),
		.collapse = a & 0x10,
		.facets = a & 0x20 ? (1u << NS_FACET_COUNT) - 1 : 0,
		.plain = a & 0x40,
		.recency_days = a & 0x80 ? 30 : 0,
		.lang = langs[b % 8],
		.limit = 1 + (b >> 3) % 4,
		.offset = b >> 5,
	};
	ns_result_t *res = NULL;
	char *err = NULL;
	ns_status_t st = ns_searcher_search(searcher, &req, &res, &err);
	if (st == NS_OK) {
		check_result(&req, res);
	} else if (st != NS_ERR_BAD_QUERY && st != NS_ERR_TOO_BROAD &&
	           st != NS_ERR_TOO_COMPLEX && st != NS_ERR_TIMEOUT) {
		/* Refusals with a reason are answers; anything else is not. */
		fprintf(stderr, "fuzz_query: %s for the query [%s]: %s\n",
		        ns_status_str(st), query, err ? err : "");
		abort();
	} else {
		CHECK(err && err[0] && ns_utf8_valid(err, strlen(err)));
	}
	ns_result_free(res);
	free(err);
	free(query);
	return 0;
}
