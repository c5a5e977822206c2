/* complete.c - nsearch-cli __complete-path PREFIX, for the bash
 * completion: the paths the daemon has indexed under PREFIX, a level at
 * a time, relative to its articles directory (not the current one).
 * Hidden from the usage: people type paths, scripts read them. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/errors.h"
#include "core/proto_paths.h"

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
