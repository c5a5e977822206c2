/* search.c - nsearch-cli's search, similar and get: their requests from
 * the options, their replies printed for a person, and the exit status
 * from the parsed result (never from the reply's text). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/errors.h"
#include "cli/print.h"

char *nscli_join_words(char **words, unsigned n)
{
	ns_buf_t b = {0};
	if (ns_buf_append(&b, "", 0) != NS_OK)
		return NULL;
	for (unsigned i = 0; i < n; i++)
		if ((i && ns_buf_append(&b, " ", 1) != NS_OK) ||
		    ns_buf_append(&b, words[i], strlen(words[i])) != NS_OK) {
			ns_buf_free(&b);
			return NULL;
		}
	return b.data;
}

/* What search and similar share: paging, and the snippet as plain text
 * with the matches between this terminal's markers. */
static void listing(nscli_run_t *run)
{
	ns_request_t *r = &run->sreq;
	r->limit = run->limit ? run->limit : NS_PROTO_DEFAULT_LIMIT;
	r->offset = run->offset;
	r->plain = !run->json;
	r->hl_start = run->json ? NULL : (char *)nscli_style.hl_start;
	r->hl_end = run->json ? NULL : (char *)nscli_style.hl_end;
}

static bool filtered(const ns_filter_t *f)
{
	return f->sections.n || f->tags.n || f->authors.n || f->date_from[0] ||
	       f->date_to[0] || f->nfields;
}

char *nscli_search_request(nscli_run_t *run, char **args, unsigned nargs)
{
	char *q = nscli_join_words(args, nargs);
	if (!q)
		return NULL;
	if (!filtered(&run->sreq.filter) && !q[strspn(q, " \t\n")]) {
		fprintf(stderr, "nsearch-cli: search: what for? (nsearch-cli "
		        "search WORD..., or a filter such as --section)\n");
		free(q);
		return NULL;
	}
	listing(run);
	run->sreq.q = q;
	char *request = ns_proto_encode_search(1, &run->sreq);
	run->sreq.q = NULL;
	free(q);
	return request;
}

char *nscli_similar_request(nscli_run_t *run, char **args, unsigned nargs)
{
	listing(run);
	run->sreq.path = args[0];
	char *request = ns_proto_encode_similar(1, &run->sreq);
	run->sreq.path = NULL;
	return request;
}

char *nscli_get_request(nscli_run_t *run, char **args, unsigned nargs)
{
	return ns_proto_get_request(1, args[0]);
}

/* "   by: Ann Lee, Bo Chen", wrapped. */
static void print_list(const char *label, const ns_strv_t *sv)
{
	if (!sv->n)
		return;
	printf("   %s: ", label);
	size_t start = 5 + strlen(label);
	nscli_line_t line = {.col = start, .width = nscli_width(),
	                     .indent = start};
	for (size_t i = 0; i < sv->n; i++)
		nscli_line_add(&line, i ? ", " : "", sv->v[i], "", 0);
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
	printf("\n%sfacets%s%s\n", nscli_style.bold, nscli_style.reset,
	       res->facets_exact
	               ? ""
	               : " (counted in part: the query ran out of time)");
	for (size_t f = 0; f < res->nfacets; f++) {
		const ns_facet_t *fc = &res->facets[f];
		char label[48];
		snprintf(label, sizeof label, "  %-8s",
		         fc->name ? fc->name : ns_facet_name(fc->kind));
		nscli_print_counts(label, res->facets[f].values, res->facets[f].n);
	}
}

static void print_hit(const ns_hit_t *h)
{
	const nscli_style_t *s = &nscli_style;
	printf("\n%u. %s%s%s\n   ", h->rank, s->bold,
	       *h->title ? h->title : "(untitled)", s->reset);
	print_dateline(h);
	if (h->score > 0)
		printf("%s  %s(score %.3f)%s\n", h->path, s->dim, h->score,
		       s->reset);
	else /* a listing by filter or date: no words to score */
		printf("%s\n", h->path);
	print_list("by", &h->authors);
	print_list("tags", &h->tags);
	if (*h->snippet)
		printf("   %s\n", h->snippet);
	if (h->duplicates)
		printf("   %s(and %u more with the same text)%s\n", s->dim,
		       h->duplicates, s->reset);
}

/* A search or similar reply, for a person. */
static void print_results(const ns_result_t *res, unsigned offset)
{
	const nscli_style_t *s = &nscli_style;
	if (res->corrected_from)
		printf("showing results for: %s%s%s (nothing found for: %s; "
		       "--no-autocorrect searches as typed)\n",
		       s->bold, res->corrected_to, s->reset,
		       res->corrected_from);
	if (res->suggestion)
		printf("did you mean: %s%s%s\n", s->bold, res->suggestion, s->reset);
	/* A front answered without some shard: their articles are missing
	 * from the count and the list, whatever they say. */
	if (res->shards_answered < res->shards_total)
		printf("%spartial:%s %zu of %zu shards answered; the articles "
		       "of the others are missing\n",
		       s->bold, s->reset, res->shards_answered,
		       res->shards_total);
	const char *about = res->exact ? "" : "at least ";
	if (res->nhits == 0 && res->total)
		printf("no results past %u (of %s%llu)\n", offset, about,
		       (unsigned long long)res->total);
	else if (res->nhits == 0)
		printf("no results\n");
	else if (offset || res->nhits < res->total)
		printf("results %u-%zu of %s%llu", offset + 1, offset + res->nhits,
		       about, (unsigned long long)res->total);
	else
		printf("%llu result%s", (unsigned long long)res->total,
		       res->total == 1 ? "" : "s");
	if (res->nhits)
		printf(" (revision %llu, %.1f ms)\n",
		       (unsigned long long)res->revision, res->took_ms);
	bool said_partial = false;
	for (size_t i = 0; i < res->nhits; i++) {
		if (res->hits[i].partial && !said_partial) {
			printf("\n%s-- articles with only some of the words --%s\n",
			       s->dim, s->reset);
			said_partial = true;
		}
		print_hit(&res->hits[i]);
	}
	print_facets(res);
}

/* Nothing found, only articles with some of the words (match "auto"
 * went on past those with all of them, and none has all), or found. */
static int results_status(const ns_result_t *res)
{
	if (!res->nhits)
		return NSCLI_EXIT_NONE;
	for (size_t i = 0; i < res->nhits; i++)
		if (!res->hits[i].partial)
			return NSCLI_EXIT_OK;
	return NSCLI_EXIT_PARTIAL;
}

int nscli_results_reply(const nscli_run_t *run, const char *line,
                        size_t len)
{
	ns_result_t *res = NULL;
	if (!ns_proto_parse_reply(line, len, &res, NULL, NULL, NULL) || !res) {
		ns_result_free(res);
		return nscli_bad_reply("a list of results");
	}
	int rc = results_status(res);
	if (!run->json) {
		nscli_defang_result(res);
		print_results(res, run->offset);
	}
	ns_result_free(res);
	return rc;
}

static void print_article(const ns_hit_t *a)
{
	printf("%s%s%s\n", nscli_style.bold, *a->title ? a->title : "(untitled)",
	       nscli_style.reset);
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

int nscli_article_reply(const nscli_run_t *run, const char *line, size_t len)
{
	ns_hit_t a;
	if (!ns_proto_parse_article(line, len, &a))
		return nscli_bad_reply("an article");
	if (!run->json) {
		nscli_defang_hit(&a);
		print_article(&a);
	}
	ns_hit_clear(&a);
	return NSCLI_EXIT_OK;
}
