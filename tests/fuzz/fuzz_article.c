/* fuzz_article.c - libFuzzer target for the article parser.
 *
 * The first byte picks the file name the parser is told (so that every
 * format's detector and parser is reached, by extension as well as by
 * content) and the default language; the rest is the file.  Every
 * article that comes out must hold its promises: valid UTF-8 in every
 * field, a well-formed date, a known format. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/article.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s)
{
	if (!s || !ns_utf8_valid(s, strlen(s)))
		abort();
}

static void check(const ns_article_t *a)
{
	check_str(a->title);
	check_str(a->standfirst);
	check_str(a->body);
	check_str(a->section);
	check_str(a->url);
	check_str(a->format);
	for (size_t i = 0; i < a->tags.n; i++)
		check_str(a->tags.v[i]);
	for (size_t i = 0; i < a->authors.n; i++)
		check_str(a->authors.v[i]);
	for (size_t i = 0; i < a->warnings.n; i++)
		check_str(a->warnings.v[i]);
	size_t dl = strlen(a->date), tl = strlen(a->time);
	if ((dl != 0 && dl != 10) || (tl != 0 && tl != 5) || !a->language[0])
		abort();
	if (dl && (a->date[4] != '-' || a->date[7] != '-'))
		abort();
	/* Every field is stored as JSON: jansson must take it. */
	json_t *o = ns_article_json(a, "fuzz");
	if (!o)
		abort();
	json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		NULL, "a.txt", "a.md", "a.markdown", "a.json", "a.html", "a.htm",
		"A.JSON",
	};
	static const char *const langs[] = {NULL, "en", "ru", "zh-CN"};
	if (size < 1)
		return 0;
	const char *name = names[data[0] % 8];
	ns_parse_opts_t opts = {.default_language = langs[(data[0] >> 3) % 4]};
	ns_article_t *a = NULL;
	char why[200];
	ns_status_t st = ns_article_parse((const char *)data + 1, size - 1, name,
	                                  &opts, &a, why, sizeof why);
	if (st == NS_OK) {
		check(a);
		ns_article_free(a);
	} else if (a || (st == NS_ERR_FORMAT && (!why[0] ||
	                                       !ns_utf8_valid(why, strlen(why))))) {
		abort();
	}
	return 0;
}
