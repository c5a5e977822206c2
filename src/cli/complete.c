/* complete.c - nsearch-cli's completions: __complete-path PREFIX, for
 * the bash completion, the paths the daemon has indexed under PREFIX, a
 * level at a time, relative to its articles directory (not the current
 * one); suggest WORDS..., what a search box would offer as they are
 * typed, and __complete-word WORD, its words alone for the shell.  The
 * __ ones are hidden from the usage: scripts read them. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/errors.h"
#include "core/proto_paths.h"
#include "core/proto_suggest.h"

char *nscli_complete_request(nscli_run_t *run, char **args, unsigned nargs)
{
	return ns_proto_paths_request(1, nargs ? args[0] : "",
	                              run->limit ? run->limit
	                                         : NS_PROTO_MAX_PATHS);
}

/* Can S be offered to a shell as a word of its own line? */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

int nscli_complete_reply(const nscli_run_t *run, const char *line,
                         size_t len)
{
	ns_result_t *res = NULL;
	if (!ns_proto_parse_reply(line, len, &res, NULL, NULL, NULL) || !res) {
		ns_result_free(res);
		return nscli_bad_reply("a list of paths");
	}
	for (size_t i = 0; !run->json && i < res->nhits; i++)
		if (printable(res->hits[i].path))
			printf("%s\n", res->hits[i].path);
	int rc = res->nhits ? NSCLI_EXIT_OK : NSCLI_EXIT_NONE;
	ns_result_free(res);
	return rc;
}

/* ---- as you type: suggest, and __complete-word ---- */

char *nscli_suggest_request(nscli_run_t *run, char **args, unsigned nargs)
{
	char *q = nscli_join_words(args, nargs);
	char *line = q ? ns_proto_suggest_request(1, q, run->limit) : NULL;
	free(q);
	return line;
}

int nscli_suggest_reply(const nscli_run_t *run, const char *line, size_t len)
{
	ns_completions_t c;
	if (!ns_proto_parse_suggest(line, len, &c))
		return nscli_bad_reply("completions");
	for (size_t i = 0; !run->json && i < c.nwords; i++)
		if (printable(c.words[i].text))
			printf("%s  (%llu article%s)\n", c.words[i].text,
			       (unsigned long long)c.words[i].count,
			       c.words[i].count == 1 ? "" : "s");
	if (!run->json && c.ntitles)
		printf("%stitles:\n", c.nwords ? "\n" : "");
	for (size_t i = 0; !run->json && i < c.ntitles; i++)
		if (printable(c.titles[i].title) && printable(c.titles[i].path))
			printf("  %s  %s\n", c.titles[i].title,
			       c.titles[i].path);
	int rc = c.nwords || c.ntitles ? NSCLI_EXIT_OK : NSCLI_EXIT_NONE;
	ns_completions_clear(&c);
	return rc;
}

int nscli_complete_word_reply(const nscli_run_t *run, const char *line,
                              size_t len)
{
	ns_completions_t c;
	if (!ns_proto_parse_suggest(line, len, &c))
		return nscli_bad_reply("completions");
	for (size_t i = 0; !run->json && i < c.nwords; i++)
		if (printable(c.words[i].word))
			printf("%s\n", c.words[i].word);
	int rc = c.nwords ? NSCLI_EXIT_OK : NSCLI_EXIT_NONE;
	ns_completions_clear(&c);
	return rc;
}
