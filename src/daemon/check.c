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

/* What --check reads with: the articles directory (if any file may be
 * under it), the sidecars' cache, the parser's options. */
struct checker {
	char root[PATH_MAX];     /* realpath, "" when none */
	int rootfd;
	ns_sidecars_t *sc;
	ns_parse_opts_t popts;
	size_t max;
};

/* FILE as the indexer would make it: *A (new), or why not into WHY. */
static ns_status_t check_one(const struct checker *k, const char *file,
                             ns_article_t **a, char *why, size_t size)
{
	char *bytes = NULL;
	size_t len = 0;
	ns_sidecar_kind_t side = ns_sidecar_kind(file);
	ns_status_t st = side != NS_SIDECAR_NONE
	                 ? NS_ERR_FORMAT : ns_read_file(file, k->max, &bytes, &len);
	if (st == NS_ERR_FORMAT)
		snprintf(why, size, "sidecar metadata, never an article (it "
		         "describes %s)", side == NS_SIDECAR_TSV
		         ? "the files of its folder" : "the file its name starts with");
	else if (st == NS_ERR_TOO_LARGE)
		snprintf(why, size, "too large: over the limit of %zu bytes "
		         "(--max-file-size)", k->max);
	else if (st != NS_OK)
		snprintf(why, size, "cannot read: %s", strerror(errno));
	if (st == NS_OK)
		st = ns_article_parse(bytes, len, file, &k->popts, a, why, size);
	free(bytes);
	if (st == NS_OK && (*a)->draft) {
		snprintf(why, size, "a draft (draft: true in its front matter)");
		st = NS_ERR_FORMAT;
	}
	const char *rel = st == NS_OK && k->rootfd >= 0 && k->sc
	                  ? under_root(file, k->root) : NULL;
	if (rel)
		st = as_indexed(*a, rel, k->rootfd, k->sc);
	return st;
}

/* The line --check prints for FILE: A's fields, or WHY (ST) it is none. */
static json_t *check_json(const char *file, const ns_article_t *a,
                          ns_status_t st, const char *why)
{
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
		out = json_pack("{s:b, s:s}", "ok", 0, "reason",
		                why[0] ? why : ns_status_str(st));
	}
	if (out)
		json_object_set_new(out, "file", json_string(file));
	return out;
}

/* A file under the articles directory also gets what its sidecars and
 * its path say (a date, a section), as the indexer would give it. */
int ns_check_files(char **files, int n, const ns_config_t *c)
{
	struct checker k = {.root = "", .rootfd = -1,
	                    .popts = {.default_language = c->language},
	                    .max = c->max_file_size};
	if (c->articles && realpath(c->articles, k.root))
		k.rootfd = ns_root_open(k.root);
	else
		k.root[0] = '\0';
	k.sc = ns_sidecars_new(c->max_file_size);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		char why[300] = "";
		ns_article_t *a = NULL;
		ns_status_t st = check_one(&k, files[i], &a, why, sizeof why);
		json_t *out = check_json(files[i], a, st, why);
		char *line = out ? json_dumps(out, JSON_COMPACT) : NULL;
		if (line)
			printf("%s\n", line);
		if (st != NS_OK || !line)
			rc = 1;
		free(line);
		json_decref(out);
		ns_article_free(a);
	}
	ns_sidecars_free(k.sc);
	if (k.rootfd >= 0)
		close(k.rootfd);
	return fflush(stdout) == 0 ? rc : 1;
}
