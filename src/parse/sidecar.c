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

/* A table keeps where each row is in the file, not its text: a daemon
 * keeps the tables of many folders at once, and reads one row again when
 * an article needs it (ns_tsv_find, ns_tsv_row_text). */
struct ns_tsv {
	char *header;          /* as text */
	const char *encoding;  /* what the bytes were (art_normalise) */
	ns_pathmap_t *rows;    /* file name -> struct tsv_row */
	size_t size;           /* roughly the bytes all this holds */
};

struct tsv_row {
	size_t off, len;       /* in the bytes parsed, without the line end */
};

void ns_tsv_free(ns_tsv_t *t)
{
	if (!t)
		return;
	ns_pathmap_free(t->rows);
	free(t->header);
	free(t);
}

static bool skipped_line(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i == len || s[i] == '#';
}

/* The LEN bytes at LINE (at OFF in the file), a row: kept under its name
 * unless the name is empty, has a '/' or has a row already. */
static ns_status_t add_row(ns_tsv_t *t, const char *line, size_t len,
                           size_t off)
{
	const char *tab = memchr(line, '\t', len);
	size_t n = tab ? (size_t)(tab - line) : len, name_len;
	if (!n || memchr(line, '/', n))
		return NS_OK;
	char *name = NULL;
	ns_status_t st = art_decode(line, n, t->encoding, &name, &name_len);
	if (st != NS_OK)
		return st == NS_ERR_FORMAT ? NS_OK : st;
	if (!ns_pathmap_get(t->rows, name)) {
		struct tsv_row *row = malloc(sizeof *row);
		if (!row) {
			st = NS_ERR_NOMEM;
		} else {
			*row = (struct tsv_row){off, len};
			st = ns_pathmap_put(t->rows, name, row);
			t->size += name_len + 64; /* the entry, roughly */
		}
	}
	free(name);
	return st;
}

/* The LEN bytes at S (past the BOM; OFF in the file), cut into lines: the
 * first one that is not blank or a comment is the header, the others
 * rows. */
static ns_status_t index_lines(ns_tsv_t *t, const char *s, size_t len,
                               size_t off)
{
	ns_status_t st = NS_OK;
	for (size_t i = 0; st == NS_OK && i < len;) {
		size_t n = 0;
		while (i + n < len && s[i + n] != '\n' && s[i + n] != '\r')
			n++;
		size_t text_len;
		if (skipped_line(s + i, n))
			;
		else if (!t->header)
			st = art_decode(s + i, n, t->encoding, &t->header, &text_len);
		else
			st = add_row(t, s + i, n, off + i);
		i += n;
		if (i < len && s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			i++;
		i++;
	}
	return st;
}

/* Is T's header a table's: some field after the file's column? */
static ns_status_t check_header(const ns_tsv_t *t, char *why, size_t why_size)
{
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
	if (!bytes)
		bytes = "";
	ns_tsv_t *t = calloc(1, sizeof *t);
	if (!t || !(t->rows = ns_pathmap_new())) {
		free(t);
		return NS_ERR_NOMEM;
	}
	/* The whole is read once as text: binary data is refused, and the
	 * encoding every row is read in is chosen on all of it. */
	char *text = NULL;
	size_t text_len;
	ns_status_t st = art_normalise(bytes, len, &text, &text_len,
	                               &t->encoding, why, why_size);
	free(text);
	size_t bom = len >= 3 && memcmp(bytes, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	if (st == NS_OK)
		st = index_lines(t, bytes + bom, len - bom, bom);
	if (st == NS_OK)
		st = check_header(t, why, why_size);
	if (st != NS_OK) {
		ns_tsv_free(t);
		return st;
	}
	t->size += sizeof *t + strlen(t->header);
	*out = t;
	return NS_OK;
}

const char *ns_tsv_header(const ns_tsv_t *t)
{
	return t ? t->header : NULL;
}

size_t ns_tsv_size(const ns_tsv_t *t)
{
	return t ? t->size : 0;
}

bool ns_tsv_find(const ns_tsv_t *t, const char *name, size_t *off,
                 size_t *len)
{
	const struct tsv_row *row = t && name ? ns_pathmap_get(t->rows, name)
	                                      : NULL;
	if (!row || !off || !len)
		return false;
	*off = row->off;
	*len = row->len;
	return true;
}

ns_status_t ns_tsv_row_text(const ns_tsv_t *t, const char *name,
                            const char *raw, size_t len, char **row)
{
	if (!t || !name || (!raw && len) || !row)
		return NS_ERR_INVALID;
	char *text = NULL;
	size_t text_len, n = strlen(name);
	ns_status_t st = art_decode(raw ? raw : "", len, t->encoding, &text,
	                            &text_len);
	if (st == NS_OK && (text_len < n || memcmp(text, name, n) != 0 ||
	                    (text[n] && text[n] != '\t')))
		st = NS_ERR_FORMAT; /* not NAME's row: the file changed */
	if (st != NS_OK) {
		free(text);
		return st;
	}
	*row = text;
	return NS_OK;
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
