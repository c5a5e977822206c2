/* check.c - nsearchd --check: what the indexer would make of some files,
 * as JSON lines on stdout, without a daemon, an index or a socket.  It
 * reads the files given (and the sidecars of those under the articles
 * directory) and nothing else. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/safepath.h"
#include "daemon/nsearchd.h"
#include "daemon/sidecars.h"
#include "parse/article.h"

/* FILE's path below ROOT (both as realpath() sees them), pointing into
 * a static buffer; NULL when it is not below it or ROOT is "". */
static const char *under_root(const char *file, const char *root)
{
	static char real[PATH_MAX];
	size_t n = strlen(root);
	if (!n || !realpath(file, real) || strncmp(real, root, n) != 0 ||
	    real[n] != '/')
		return NULL;
	return real + n + 1;
}

/* A's sidecars, then what its path says, as the indexer would lay them
 * over it: for a file under the articles directory (REL its path there,
 * beneath ROOTFD). */
static ns_status_t as_indexed(ns_article_t *a, const char *rel, int rootfd,
                              ns_sidecars_t *sc)
{
	ns_sidecar_read_t side;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	ns_status_t st = ns_sidecars_read(sc, rootfd, rel,
	                                  (int64_t)now.tv_sec * 1000000000, &side);
	if (st == NS_OK)
		st = ns_sidecars_apply(&side, a, rel);
	ns_sidecar_read_clear(&side);
	return st == NS_OK ? ns_article_from_path(a, rel) : st;
}

/* A file under the articles directory also gets what its sidecars and
 * its path say (a date, a section), as the indexer would give it. */
int ns_check_files(char **files, int n, const ns_config_t *c)
{
	char root[PATH_MAX] = "";
	if (c->articles && !realpath(c->articles, root))
		root[0] = '\0';
	int rootfd = root[0] ? ns_root_open(root) : -1;
	ns_sidecars_t *sc = ns_sidecars_new(c->max_file_size);
	ns_parse_opts_t popts = {.default_language = c->language};
	size_t max = c->max_file_size;
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
		const char *rel = st == NS_OK && rootfd >= 0 && sc
		                  ? under_root(files[i], root) : NULL;
		if (rel)
			st = as_indexed(a, rel, rootfd, sc);
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
	ns_sidecars_free(sc);
	if (rootfd >= 0)
		close(rootfd);
	return fflush(stdout) == 0 ? rc : 1;
}

