/* fmt_json.c - one article object per file, as CMS exports write them.
 * Read with jansson.  Rules: docs/formats.md. */
#include "parse/article_impl.h"

#include <jansson.h>
#include <string.h>
#include <time.h>

static bool detect_json(const art_text_t *t)
{
	size_t i = art_first_nonblank((const art_text_t *)t, 0);
	return i < t->n && t->lines[i].len && t->lines[i].s[0] == '{';
}

/* The first of NAMES that OBJ has as a string. */
/* V, or the string in it as WordPress's REST API gives its texts:
 * {"rendered": "..."}. */
static json_t *rendered(json_t *v)
{
	json_t *r = json_is_object(v) ? json_object_get(v, "rendered") : NULL;
	return json_is_string(r) ? r : v;
}

static const char *str_field(json_t *obj, const char *const *names,
                             const char **which)
{
	for (; *names; names++) {
		json_t *v = rendered(json_object_get(obj, *names));
		if (json_is_string(v)) {
			if (which)
				*which = *names;
			return json_string_value(v);
		}
	}
	return NULL;
}

typedef ns_status_t add_fn(ns_strv_t *sv, json_t *v);

/* Each string or object in the array V, through ADD. */
static ns_status_t add_each(ns_strv_t *sv, json_t *v, add_fn *add)
{
	ns_status_t st = NS_OK;
	size_t i;
	json_t *item;
	json_array_foreach(v, i, item) {
		if (st != NS_OK)
			break;
		if (json_is_string(item) || json_is_object(item))
			st = add(sv, item);
	}
	return st;
}

/* Names: "A and B", ["A", "B"], [{"name": "A"}], {"name": "A"}. */
static ns_status_t add_names(ns_strv_t *sv, json_t *v)
{
	if (json_is_string(v))
		return art_push_names(sv, json_string_value(v),
		                      json_string_length(v));
	if (json_is_object(v)) {
		json_t *name = json_object_get(v, "name");
		if (!json_is_string(name))
			name = json_object_get(v, "display_name");
		return json_is_string(name)
			? art_push_unique(sv, json_string_value(name),
			                  json_string_length(name))
			: NS_OK;
	}
	return json_is_array(v) ? add_each(sv, v, add_names) : NS_OK;
}

/* A tag in a list: "a" whole, or {"name": "a"}. */
static ns_status_t add_tag(ns_strv_t *sv, json_t *v)
{
	if (json_is_string(v))
		return art_push_unique(sv, json_string_value(v),
		                       json_string_length(v));
	return add_names(sv, v);
}

/* Tags: ["a", "b"], "a, b", [{"name": "a"}]. */
static ns_status_t add_tags(ns_strv_t *sv, json_t *v)
{
	if (json_is_string(v))
		return art_push_list(sv, json_string_value(v), json_string_length(v));
	return json_is_array(v) ? add_each(sv, v, add_tag) : NS_OK;
}

/* Text that may be HTML (CMS bodies often are) or plain paragraphs. */
static ns_status_t add_text(ns_article_t *a, const char *field, const char *s,
                            size_t len, ns_buf_t *b)
{
	if (art_looks_like_html(s, len)) {
		ns_status_t st = art_html_text(s, len, b);
		if (st == NS_ERR_FORMAT)
			return art_warn(a, "%s: HTML nested too deep; left out", field);
		return st;
	}
	line_t *lines;
	size_t n;
	ns_status_t st = art_split_lines(s, len, &lines, &n);
	if (st == NS_OK)
		st = art_append_lines(b, lines, n);
	free(lines);
	return st;
}

static ns_status_t set_epoch(ns_article_t *a, json_int_t secs)
{
	time_t t = (time_t)secs;
	struct tm tm;
	/* Epoch seconds carry no zone but UTC. */
	if (secs < 0 || secs > 253402300799LL || !gmtime_r(&t, &tm))
		return art_warn(a, "date %lld is not a time; the article has none",
		                (long long)secs);
	char buf[40];
	snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02dZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
	return art_set_date(a, "date", buf, strlen(buf));
}

/* The JSON object of T, or NULL: then *ST says why (with WHY), or T was
 * text that only started with a brace and is parsed as such already. */
static json_t *load_object(const art_text_t *t, ns_article_t *a,
                           ns_status_t *st, char *why, size_t why_size)
{
	json_error_t err;
	json_t *o = json_loadb(t->s, t->len, 0, &err);
	if (!o && strcmp(t->ext, "json") != 0) {
		/* It only started with a brace: text after all. */
		a->format = art_plain.name;
		*st = art_plain.parse(t, a, why, why_size);
		return NULL;
	}
	*st = NS_ERR_FORMAT;
	if (!o) {
		art_why(why, why_size, "invalid JSON at line %d: %s", err.line,
		        err.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		art_why(why, why_size, "JSON, but not an article object");
		json_decref(o);
		return NULL;
	}
	*st = NS_OK;
	return o;
}

/* The value of the first of KEYS that O has, or NULL. */
static json_t *first_of(json_t *o, const char *const *keys)
{
	json_t *v = NULL;
	for (; !v && *keys; keys++)
		v = json_object_get(o, *keys);
	return v;
}

/* The keys the built-in fields are read from (any of them), and what a
 * WordPress post carries that is no field of an article. */
static const char *const known_keys[] = {
	"title", "headline", "body", "content", "text", "article_body",
	"standfirst", "summary", "description", "excerpt", "subtitle",
	"published_at", "date", "published", "datePublished", "date_gmt",
	"section", "category", "language", "lang", "locale", "url",
	"canonical_url", "link", "slug", "authors", "author", "byline", "tags",
	"keywords", "reading_time", "reading_minutes", "guid", "_links",
	"modified", "modified_gmt", NULL,
};

/* Every other key is a field of the CMS's own (site, premium, ...). */
static ns_status_t own_fields(ns_article_t *a, json_t *o)
{
	const char *key;
	json_t *v;
	ns_status_t st = NS_OK;
	json_object_foreach(o, key, v) {
		bool known = false;
		for (size_t i = 0; known_keys[i] && !known; i++)
			known = strcmp(key, known_keys[i]) == 0;
		if (!known && st == NS_OK)
			st = art_set_extra(a, key, json_incref(rendered(v)));
	}
	return st;
}

/* The title: WordPress's title.rendered is HTML, entities at least
 * ("Caf&eacute; &#8211; news"). */
static ns_status_t set_title(json_t *o, ns_article_t *a, const char *s)
{
	bool wp_title = json_is_object(json_object_get(o, "title"));
	if (!wp_title && !art_looks_like_html(s, strlen(s)))
		return art_set_str(&a->title, s, strlen(s));
	ns_buf_t b = {0};
	ns_status_t st = art_html_text(s, strlen(s), &b);
	if (st == NS_OK)
		st = art_set_str(&a->title, b.data ? b.data : "", b.len);
	ns_buf_free(&b);
	return st;
}

/* The title, standfirst and body. */
static ns_status_t set_texts(json_t *o, ns_article_t *a)
{
	static const char *const title_keys[] = {"title", "headline", NULL};
	static const char *const body_keys[] = {"body", "content", "text",
	                                        "article_body", NULL};
	static const char *const stand_keys[] = {"standfirst", "summary",
	                                         "description", "excerpt",
	                                         "subtitle", NULL};
	ns_status_t st = NS_OK;
	const char *s;
	ns_buf_t b = {0};
	if ((s = str_field(o, title_keys, NULL)))
		st = set_title(o, a, s);
	if (st == NS_OK && (s = str_field(o, stand_keys, NULL)))
		st = add_text(a, "standfirst", s, strlen(s), &b);
	if (st == NS_OK && b.len)
		st = art_set_str(&a->standfirst, b.data, b.len);
	ns_buf_free(&b); /* empty again, for the body */
	if (st == NS_OK && (s = str_field(o, body_keys, NULL))) {
		st = add_text(a, "body", s, strlen(s), &b);
		if (st == NS_OK)
			st = art_take_body(a, &b);
	}
	ns_buf_free(&b);
	return st;
}

/* The first date key present decides, whatever its type; but WordPress
 * gives its date in the site's zone, and in UTC as date_gmt (without a
 * zone): the latter says when. */
static ns_status_t set_published(json_t *o, ns_article_t *a)
{
	static const char *const date_keys[] = {"published_at", "date",
	                                        "published", "datePublished",
	                                        NULL};
	static const char *const wp_date_keys[] = {"date_gmt", NULL};
	const char *gmt = str_field(o, wp_date_keys, NULL);
	if (gmt && strlen(gmt) == 19 && gmt[10] == 'T') {
		char z[24];
		snprintf(z, sizeof z, "%sZ", gmt);
		return art_set_date(a, "date_gmt", z, strlen(z));
	}
	for (size_t k = 0; date_keys[k]; k++) {
		json_t *v = json_object_get(o, date_keys[k]);
		if (!v || json_is_null(v))
			continue;
		if (json_is_string(v))
			return art_set_date(a, date_keys[k], json_string_value(v),
			                    json_string_length(v));
		if (json_is_number(v) && json_number_value(v) >= 0 &&
		    json_number_value(v) < 253402300800.0)
			return set_epoch(a, (json_int_t)json_number_value(v));
		return art_warn(a, "%s is not a date; the article has none",
		                date_keys[k]);
	}
	return NS_OK;
}

/* Authors, tags, section, language, URL and reading time. */
static ns_status_t set_metadata(json_t *o, ns_article_t *a)
{
	static const char *const author_keys[] = {"authors", "author", "byline",
	                                          NULL};
	static const char *const tag_keys[] = {"tags", "keywords", NULL};
	static const char *const section_keys[] = {"section", "category", NULL};
	static const char *const lang_keys[] = {"language", "lang", "locale",
	                                        NULL};
	static const char *const url_keys[] = {"url", "canonical_url", "link",
	                                       "slug", NULL};
	static const char *const minutes_keys[] = {"reading_time",
	                                           "reading_minutes", NULL};
	ns_status_t st = NS_OK;
	const char *s;
	json_t *v;
	if ((v = first_of(o, author_keys)))
		st = add_names(&a->authors, v);
	if (st == NS_OK && (v = first_of(o, tag_keys)))
		st = add_tags(&a->tags, v);
	if (st == NS_OK && (s = str_field(o, section_keys, NULL)))
		st = art_set_str(&a->section, s, strlen(s));
	if (st == NS_OK && (s = str_field(o, lang_keys, NULL)))
		st = art_set_language(a, s, strlen(s));
	if (st == NS_OK && (s = str_field(o, url_keys, NULL)))
		st = art_set_str(&a->url, s, strlen(s));
	v = first_of(o, minutes_keys);
	if (st == NS_OK && json_is_integer(v) && json_integer_value(v) > 0 &&
	    json_integer_value(v) < 10000)
		a->reading_minutes = (unsigned)json_integer_value(v);
	return st;
}

ns_status_t art_json_fill(json_t *o, ns_article_t *a)
{
	ns_status_t st = set_texts(o, a);
	if (st == NS_OK)
		st = set_published(o, a);
	if (st == NS_OK)
		st = set_metadata(o, a);
	if (st == NS_OK)
		st = own_fields(a, o);
	return st;
}

static ns_status_t parse_json(const art_text_t *t, ns_article_t *a, char *why,
                              size_t why_size)
{
	ns_status_t st;
	json_t *o = load_object(t, a, &st, why, why_size);
	if (!o)
		return st;
	st = art_json_fill(o, a);
	json_decref(o);
	return st;
}

static const char *const json_exts[] = {"json", NULL};
const art_format_t art_json = {"json", detect_json, json_exts, parse_json};
