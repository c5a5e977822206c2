/* article.c - from a file's bytes to an article's fields.
 *
 * A pure function: it never touches the filesystem, the index or the log.
 * The bytes become text (art_encoding.c), the text goes to the first
 * format whose detector accepts it (fmt_*.c), else to the one its
 * extension names; plain text takes whatever nobody else wants.  The
 * helpers the formats share are in art_fields.c and art_dates.c.  The
 * rules are documented in docs/formats.md.
 */
#include "parse/article_impl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- the entry point ----------------------------------------------------- */

/* Most specific first; plain text takes anything. */
static const art_format_t *const formats[] = {
	&art_json, &art_html, &art_markdown, &art_news_page,
};

static bool has_ext(const art_format_t *f, const char *ext)
{
	for (const char *const *e = f->exts; e && *e; e++)
		if (strcmp(*e, ext) == 0)
			return true;
	return false;
}

/* The format for T: its content first, its extension second. */
static const art_format_t *choose_format(const art_text_t *t)
{
	const size_t n = sizeof formats / sizeof *formats;
	for (size_t f = 0; f < n; f++)
		if (formats[f]->detect && formats[f]->detect(t))
			return formats[f];
	for (size_t f = 0; f < n; f++)
		if (has_ext(formats[f], t->ext))
			return formats[f];
	return &art_plain;
}

void ns_article_free(ns_article_t *a)
{
	if (!a)
		return;
	free(a->title);
	free(a->standfirst);
	free(a->body);
	free(a->section);
	free(a->url);
	ns_strv_clear(&a->tags);
	ns_strv_clear(&a->authors);
	ns_strv_clear(&a->warnings);
	json_decref(a->fields);
	free(a);
}

static bool extra_ok(json_t *v)
{
	if (json_is_string(v))
		return json_string_length(v) <= NS_MAX_EXTRA_VALUE &&
		       strlen(json_string_value(v)) == json_string_length(v);
	if (json_is_number(v) || json_is_boolean(v))
		return true;
	if (!json_is_array(v) || json_array_size(v) > 100)
		return false;
	size_t i;
	json_t *item;
	json_array_foreach(v, i, item)
		if (!json_is_string(item) || json_string_length(item) > 200)
			return false;
	return true;
}

ns_status_t art_set_extra(ns_article_t *a, const char *key, json_t *value)
{
	if (!value)
		return NS_ERR_NOMEM;
	ns_status_t st = NS_OK;
	bool room = json_object_get(a->fields, key) ||
	            json_object_size(a->fields) < NS_MAX_EXTRA_FIELDS;
	if (!extra_ok(value) || !*key || strlen(key) > NS_MAX_EXTRA_KEY)
		; /* objects, nulls, odd keys: not a field a CMS filters on */
	else if (room && json_object_set(a->fields, key, value) < 0)
		st = NS_ERR_NOMEM;
	else if (!room && !a->fields_full) {
		a->fields_full = true;
		st = art_warn(a, "more than %d fields of its own; %.64s and the "
		              "rest left out", NS_MAX_EXTRA_FIELDS, key);
	}
	json_decref(value);
	return st;
}

ns_article_t *art_new(const ns_parse_opts_t *opts)
{
	ns_article_t *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->title = ns_strndup("", 0);
	a->standfirst = ns_strndup("", 0);
	a->body = ns_strndup("", 0);
	a->section = ns_strndup("", 0);
	a->url = ns_strndup("", 0);
	a->fields = json_object();
	a->encoding = "utf-8";
	const char *lang = opts && opts->default_language ? opts->default_language
	                                                  : "en";
	if (!ns_language_normalise(lang, strlen(lang), a->language))
		memcpy(a->language, "en", 3);
	if (!a->title || !a->standfirst || !a->body || !a->section || !a->url ||
	    !a->fields) {
		ns_article_free(a);
		return NULL;
	}
	return a;
}

static json_t *strv_json(const ns_strv_t *sv)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < sv->n; i++)
		if (json_array_append_new(arr, json_string(sv->v[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

json_t *ns_article_json(const ns_article_t *a, const char *path)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, "
	                      "s:s, s:s, s:i, s:s}",
	                      "title", a->title, "standfirst", a->standfirst,
	                      "date", a->date, "time", a->time,
	                      "section", a->section,
	                      "tags", strv_json(&a->tags),
	                      "authors", strv_json(&a->authors),
	                      "language", a->language, "url", a->url,
	                      "format", a->format ? a->format : "",
	                      "encoding", a->encoding ? a->encoding : "",
	                      "reading_minutes", (json_int_t)a->reading_minutes,
	                      "body", a->body);
	if (o && path && json_object_set_new(o, "path", json_string(path)) < 0) {
		json_decref(o);
		return NULL;
	}
	if (o && json_object_size(a->fields) &&
	    json_object_set_new(o, "fields", json_deep_copy(a->fields)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Words in the text, counted the way readers read them. */
static size_t count_words(const char *s)
{
	size_t n = 0;
	bool in_word = false;
	for (; *s; s++) {
		bool space = isspace((unsigned char)*s);
		if (!space && !in_word)
			n++;
		in_word = !space;
	}
	return n;
}

/* What every format leaves to the end: the reading time when the file
 * gave none, and a refusal when nothing was found. */
static ns_status_t finish(ns_article_t *a, char *why, size_t why_size)
{
	if (!a->reading_minutes) {
		/* About 230 words a minute, rounded up. */
		size_t words = count_words(a->title) + count_words(a->standfirst) +
		               count_words(a->body);
		a->reading_minutes = (unsigned)((words + 229) / 230);
		a->reading_estimated = true;
	}
	if (!a->title[0] && !a->body[0] && !a->standfirst[0]) {
		art_why(why, why_size, "no title and no text");
		return NS_ERR_FORMAT;
	}
	return NS_OK;
}

static void file_ext(const char *name, char ext[12])
{
	ext[0] = '\0';
	if (!name)
		return;
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	const char *dot = strrchr(base, '.');
	if (!dot || dot == base || strlen(dot + 1) >= 12)
		return;
	size_t i = 0;
	for (dot++; *dot; dot++)
		ext[i++] = (char)tolower((unsigned char)*dot);
	ext[i] = '\0';
}

/* Bytes of S that are not UTF-8 become '?', in place.  The input was
 * made valid before any format saw it, but libgumbo 0.10 decodes a
 * numeric reference past U+10FFFF ("&#8219999999999") into bytes that are
 * no character. */
static void scrub_utf8(char *s)
{
	size_t n = s ? strlen(s) : 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80 ? 1 : c >> 5 == 6 ? 2 : c >> 4 == 14 ? 3
		         : c >> 3 == 30 ? 4 : 0;
		if (k && i + k <= n && ns_utf8_valid(s + i, k)) {
			i += k;
			continue;
		}
		s[i++] = '?';
	}
}

static void scrub_article(ns_article_t *a)
{
	scrub_utf8(a->title);
	scrub_utf8(a->standfirst);
	scrub_utf8(a->body);
	scrub_utf8(a->section);
	scrub_utf8(a->url);
	for (size_t i = 0; i < a->tags.n; i++)
		scrub_utf8(a->tags.v[i]);
	for (size_t i = 0; i < a->authors.n; i++)
		scrub_utf8(a->authors.v[i]);
	for (size_t i = 0; i < a->warnings.n; i++)
		scrub_utf8(a->warnings.v[i]);
}

ns_status_t ns_article_parse(const char *bytes, size_t len, const char *name,
                             const ns_parse_opts_t *opts, ns_article_t **out,
                             char *why, size_t why_size)
{
	if ((!bytes && len) || !out)
		return NS_ERR_INVALID;
	if (why && why_size)
		why[0] = '\0';
	if (!bytes)
		bytes = "";
	const char *encoding = "utf-8";
	char *decoded = NULL;
	ns_status_t st = art_normalise(bytes, len, &decoded, &len, &encoding,
	                               why, why_size);
	if (st != NS_OK)
		return st;
	bytes = decoded;

	char ext[12];
	file_ext(name, ext);
	art_text_t t = {.s = bytes, .len = len, .ext = ext};
	ns_article_t *a = NULL;
	st = art_split_lines(bytes, len, &t.lines, &t.n);
	if (st == NS_OK && art_first_nonblank(&t, 0) == t.n) {
		art_why(why, why_size, len ? "no text, only blanks" : "empty file");
		st = NS_ERR_FORMAT;
	}
	if (st == NS_OK && !(a = art_new(opts)))
		st = NS_ERR_NOMEM;
	if (st == NS_OK) {
		const art_format_t *f = choose_format(&t);
		a->format = f->name;
		st = f->parse(&t, a, why, why_size);
	}
	if (st == NS_OK) {
		a->encoding = encoding;
		scrub_article(a);
		st = finish(a, why, why_size);
	}
	free(t.lines);
	free(decoded);
	if (st != NS_OK) {
		ns_article_free(a);
		return st;
	}
	*out = a;
	return NS_OK;
}
