/* sidecar.c - metadata an archive keeps beside its articles rather than in
 * them: NAME.meta.json beside the file NAME, one metadata.tsv per folder
 * (docs/formats.md, "Sidecar metadata").  Pure: the daemon reads the files
 * (beneath the root, with a size cap); this parses them and lays what they
 * give over an article.  It never makes an article of a sidecar. */
#include "parse/article_impl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/pathmap.h"

/* ---- names ---------------------------------------------------------------- */

static const char *base_name(const char *relpath)
{
	const char *slash = strrchr(relpath, '/');
	return slash ? slash + 1 : relpath;
}

ns_sidecar_kind_t ns_sidecar_kind(const char *relpath)
{
	if (!relpath)
		return NS_SIDECAR_NONE;
	const char *base = base_name(relpath);
	if (strcmp(base, NS_SIDECAR_TSV_NAME) == 0)
		return NS_SIDECAR_TSV;
	size_t n = strlen(base), k = strlen(NS_SIDECAR_JSON_SUFFIX);
	if (n > k && strcmp(base + n - k, NS_SIDECAR_JSON_SUFFIX) == 0)
		return NS_SIDECAR_JSON;
	return NS_SIDECAR_NONE;
}

char *ns_sidecar_subject(const char *relpath)
{
	switch (ns_sidecar_kind(relpath)) {
	case NS_SIDECAR_JSON:
		return ns_strndup(relpath, strlen(relpath) -
		                           strlen(NS_SIDECAR_JSON_SUFFIX));
	case NS_SIDECAR_TSV: {
		const char *base = base_name(relpath);
		return ns_strndup(relpath, base == relpath
		                           ? 0 : (size_t)(base - relpath) - 1);
	}
	case NS_SIDECAR_NONE:
		break;
	}
	return NULL;
}

ns_status_t ns_sidecar_paths(const char *relpath, char **json, char **tsv)
{
	if (!relpath || !json || !tsv)
		return NS_ERR_INVALID;
	size_t dir = (size_t)(base_name(relpath) - relpath);
	ns_buf_t j = {0}, t = {0};
	ns_status_t st = ns_buf_printf(&j, "%s%s", relpath,
	                               NS_SIDECAR_JSON_SUFFIX);
	if (st == NS_OK)
		st = ns_buf_printf(&t, "%.*s%s", (int)dir, relpath,
		                   NS_SIDECAR_TSV_NAME);
	if (st != NS_OK) {
		ns_buf_free(&j);
		ns_buf_free(&t);
		*json = *tsv = NULL;
		return NS_ERR_NOMEM;
	}
	*json = j.data;
	*tsv = t.data;
	return NS_OK;
}

/* ---- laying a sidecar's fields over an article ------------------------- */

/* A warning W from the sidecar LABEL, named; "left out" rather than "the
 * article has none", since its other sources may give one. */
static ns_status_t warn_from(ns_article_t *a, const char *label, const char *w)
{
	static const char none[] = "; the article has none";
	size_t n = strlen(w), k = sizeof none - 1;
	if (n > k && strcmp(w + n - k, none) == 0)
		return art_warn(a, "%s: %.*s; left out", label, (int)(n - k), w);
	return art_warn(a, "%s: %s", label, w);
}

/* *SRC, when it says something, becomes *DST (and *SRC the old value). */
static void take_str(char **dst, char **src)
{
	if (!**src)
		return;
	char *old = *dst;
	*dst = *src;
	*src = old;
}

static void take_list(ns_strv_t *dst, ns_strv_t *src)
{
	if (!src->n)
		return;
	ns_strv_t old = *dst;
	*dst = *src;
	*src = old;
}

/* What T (a sidecar read as an article) gives replaces A's; T is left
 * with A's old values, to be freed. */
static ns_status_t merge(ns_article_t *a, ns_article_t *t, const char *label)
{
	take_str(&a->title, &t->title);
	take_str(&a->standfirst, &t->standfirst);
	take_str(&a->section, &t->section);
	take_str(&a->url, &t->url);
	take_list(&a->tags, &t->tags);
	take_list(&a->authors, &t->authors);
	if (t->date[0]) {
		memcpy(a->date, t->date, sizeof a->date);
		memcpy(a->time, t->time, sizeof a->time);
	}
	if (t->language_given) {
		memcpy(a->language, t->language, sizeof a->language);
		a->language_given = true;
	}
	if (t->reading_minutes) {
		a->reading_minutes = t->reading_minutes;
		a->reading_estimated = false;
	}
	ns_status_t st = NS_OK;
	const char *key;
	json_t *v;
	json_object_foreach(t->fields, key, v)
		if (st == NS_OK)
			st = art_set_extra(a, key, json_incref(v));
	for (size_t i = 0; st == NS_OK && i < t->warnings.n; i++)
		st = warn_from(a, label, t->warnings.v[i]);
	return st;
}

/* The keys of O, read as a JSON article's, laid over A. */
static ns_status_t apply_object(ns_article_t *a, json_t *o, const char *label)
{
	ns_article_t *t = art_new(NULL);
	if (!t)
		return NS_ERR_NOMEM;
	ns_status_t st = art_json_fill(o, t);
	if (st == NS_OK)
		st = merge(a, t, label);
	ns_article_free(t);
	return st;
}

ns_status_t ns_sidecar_apply_json(ns_article_t *a, const char *bytes,
                                  size_t len, const char *label)
{
	if (!a || (!bytes && len) || !label)
		return NS_ERR_INVALID;
	json_error_t err;
	json_t *o = json_loadb(bytes ? bytes : "", len, JSON_REJECT_DUPLICATES,
	                       &err);
	if (!o)
		return art_warn(a, "%s: invalid JSON at line %d: %s; its fields "
		                "are left out", label, err.line, err.text);
	ns_status_t st = json_is_object(o)
		? apply_object(a, o, label)
		: art_warn(a, "%s: not a JSON object; its fields are left out",
		           label);
	json_decref(o);
	return st;
}

/* ---- metadata.tsv ------------------------------------------------------- */

struct ns_tsv {
	char *text;            /* the file as UTF-8, each line cut at its end */
	const char *header;
	ns_pathmap_t *rows;    /* file name -> struct tsv_row */
};

struct tsv_row {
	const char *line;      /* into text */
};

void ns_tsv_free(ns_tsv_t *t)
{
	if (!t)
		return;
	ns_pathmap_free(t->rows);
	free(t->text);
	free(t);
}

static bool skipped_line(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return !*s || *s == '#';
}

/* LINE, a row: kept under its name unless the name is empty, has a '/'
 * or has a row already. */
static ns_status_t add_row(ns_tsv_t *t, const char *line)
{
	size_t n = strcspn(line, "\t");
	if (!n || memchr(line, '/', n))
		return NS_OK;
	char *name = ns_strndup(line, n);
	if (!name)
		return NS_ERR_NOMEM;
	ns_status_t st = NS_OK;
	if (!ns_pathmap_get(t->rows, name)) {
		struct tsv_row *row = malloc(sizeof *row);
		if (!row) {
			st = NS_ERR_NOMEM;
		} else {
			row->line = line;
			st = ns_pathmap_put(t->rows, name, row);
		}
	}
	free(name);
	return st;
}

/* Cut T's text into lines: the first one that is not blank or a comment
 * is the header, the others rows. */
static ns_status_t index_lines(ns_tsv_t *t, char *why, size_t why_size)
{
	ns_status_t st = NS_OK;
	for (char *p = t->text; st == NS_OK && p;) {
		char *end = p + strcspn(p, "\r\n");
		char *next = *end ? end + 1 + (end[0] == '\r' && end[1] == '\n')
		                  : NULL;
		*end = '\0';
		if (skipped_line(p))
			;
		else if (!t->header)
			t->header = p;
		else
			st = add_row(t, p);
		p = next;
	}
	if (st != NS_OK)
		return st;
	if (!t->header) {
		art_why(why, why_size, "no header row (a file column, then one "
		        "column per field)");
		return NS_ERR_FORMAT;
	}
	if (!strchr(t->header, '\t')) {
		art_why(why, why_size, "the header row names no field: its "
		        "columns (the file, then the fields) must be separated by "
		        "tabs");
		return NS_ERR_FORMAT;
	}
	return NS_OK;
}

ns_status_t ns_tsv_parse(const char *bytes, size_t len, ns_tsv_t **out,
                         char *why, size_t why_size)
{
	if ((!bytes && len) || !out)
		return NS_ERR_INVALID;
	if (why && why_size)
		why[0] = '\0';
	ns_tsv_t *t = calloc(1, sizeof *t);
	if (!t || !(t->rows = ns_pathmap_new())) {
		free(t);
		return NS_ERR_NOMEM;
	}
	const char *encoding;
	size_t text_len;
	ns_status_t st = art_normalise(bytes ? bytes : "", len, &t->text,
	                               &text_len, &encoding, why, why_size);
	if (st == NS_OK)
		st = index_lines(t, why, why_size);
	if (st != NS_OK) {
		ns_tsv_free(t);
		return st;
	}
	*out = t;
	return NS_OK;
}

const char *ns_tsv_header(const ns_tsv_t *t)
{
	return t ? t->header : NULL;
}

const char *ns_tsv_row(const ns_tsv_t *t, const char *name)
{
	const struct tsv_row *row = t && name ? ns_pathmap_get(t->rows, name)
	                                      : NULL;
	return row ? row->line : NULL;
}

/* Is KEY one whose cell lists several values (separated by ';')? */
static bool list_key(const char *key)
{
	static const char *const keys[] = {"tags", "keywords", "authors",
	                                   "author", "byline", NULL};
	for (size_t i = 0; keys[i]; i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	return false;
}

/* VALUE split at ';' into a JSON list of its trimmed, non-empty items. */
static json_t *split_list(line_t value)
{
	json_t *arr = json_array();
	const char *p = value.s, *end = value.s + value.len;
	while (arr && p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		line_t item = art_trim((line_t){p, (size_t)((semi ? semi : end) - p)});
		if (item.len && json_array_append_new(arr, json_stringn(item.s,
		                                                         item.len)) < 0) {
			json_decref(arr);
			return NULL;
		}
		p = semi ? semi + 1 : end;
	}
	return arr;
}

/* The cell VALUE of the column NAME, as a JSON article's key would give
 * it, into O; empty names and cells give nothing. */
static ns_status_t add_cell(json_t *o, line_t name, line_t value)
{
	name = art_trim(name);
	value = art_trim(value);
	if (!name.len || !value.len)
		return NS_OK;
	char *key = ns_strndup(name.s, name.len);
	if (!key)
		return NS_ERR_NOMEM;
	for (char *k = key; *k; k++)
		*k = (char)tolower((unsigned char)*k);
	json_t *v = list_key(key) ? split_list(value)
	                          : json_stringn(value.s, value.len);
	ns_status_t st = v && json_object_set_new(o, key, v) < 0 ? NS_ERR_NOMEM
	                                                         : NS_OK;
	free(key);
	return st;
}

ns_status_t ns_sidecar_apply_tsv(ns_article_t *a, const char *header,
                                 const char *row, const char *label)
{
	if (!a || !header || !row || !label)
		return NS_ERR_INVALID;
	json_t *o = json_object();
	if (!o)
		return NS_ERR_NOMEM;
	ns_status_t st = NS_OK;
	/* The first column is the file's name: the fields come after it. */
	const char *h = strchr(header, '\t'), *r = strchr(row, '\t');
	while (st == NS_OK && h && r) {
		h++;
		r++;
		size_t hl = strcspn(h, "\t"), rl = strcspn(r, "\t");
		st = add_cell(o, (line_t){h, hl}, (line_t){r, rl});
		h = h[hl] ? h + hl : NULL;
		r = r[rl] ? r + rl : NULL;
	}
	if (st == NS_OK)
		st = apply_object(a, o, label);
	json_decref(o);
	return st;
}
