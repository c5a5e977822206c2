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

/* V, or the string in it as WordPress's REST API gives its texts:
 * {"rendered": "..."}. */
static json_t *rendered(json_t *v)
{
	json_t *r = json_is_object(v) ? json_object_get(v, "rendered") : NULL;
	return json_is_string(r) ? r : v;
}

/* The first of NAMES that OBJ has as a string. */
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
	ns_status_t st = NS_OK;
	size_t i;
	json_t *item;
	if (json_is_array(v))
		json_array_foreach(v, i, item) {
			if (st != NS_OK)
				break;
			if (json_is_string(item) || json_is_object(item))
				st = add_names(sv, item);
		}
	return st;
}

/* Tags: ["a", "b"], "a, b", [{"name": "a"}]. */
static ns_status_t add_tags(ns_strv_t *sv, json_t *v)
{
	if (json_is_string(v))
		return art_push_list(sv, json_string_value(v), json_string_length(v));
	ns_status_t st = NS_OK;
	size_t i;
	json_t *item;
	if (json_is_array(v))
		json_array_foreach(v, i, item) {
			if (st != NS_OK)
				break;
			if (json_is_string(item))
				st = art_push_unique(sv, json_string_value(item),
				                     json_string_length(item));
			else if (json_is_object(item))
				st = add_names(sv, item);
		}
	return st;
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
	bool new_paragraph = true;
	for (size_t i = 0; i < n && st == NS_OK; i++) {
		if (lines[i].len == 0) {
			new_paragraph = true;
			continue;
		}
		st = art_append(b, lines[i].s, lines[i].len, new_paragraph);
		new_paragraph = false;
	}
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

static ns_status_t parse_json(const art_text_t *t, ns_article_t *a, char *why,
                              size_t why_size)
{
	json_error_t err;
	json_t *o = json_loadb(t->s, t->len, 0, &err);
	if (!o && strcmp(t->ext, "json") != 0) {
		/* It only started with a brace: text after all. */
		a->format = art_plain.name;
		return art_plain.parse(t, a, why, why_size);
	}
	if (!o) {
		art_why(why, why_size, "invalid JSON at line %d: %s", err.line,
		        err.text);
		return NS_ERR_FORMAT;
	}
	if (!json_is_object(o)) {
		art_why(why, why_size, "JSON, but not an article object");
		json_decref(o);
		return NS_ERR_FORMAT;
	}

	static const char *const title_keys[] = {"title", "headline", NULL};
	static const char *const wp_date_keys[] = {"date_gmt", NULL};
	static const char *const body_keys[] = {"body", "content", "text",
	                                        "article_body", NULL};
	static const char *const stand_keys[] = {"standfirst", "summary",
	                                         "description", "excerpt",
	                                         "subtitle", NULL};
	static const char *const date_keys[] = {"published_at", "date",
	                                        "published", "datePublished",
	                                        NULL};
	static const char *const section_keys[] = {"section", "category", NULL};
	static const char *const lang_keys[] = {"language", "lang", "locale",
	                                        NULL};
	static const char *const url_keys[] = {"url", "canonical_url", "link",
	                                       "slug", NULL};
	ns_status_t st = NS_OK;
	const char *s;
	/* title.rendered is HTML: entities at least ("&#8217;"). */
	bool wp_title = json_is_object(json_object_get(o, "title"));
	if ((s = str_field(o, title_keys, NULL)) &&
	    (wp_title || art_looks_like_html(s, strlen(s)))) {
		/* WordPress's title.rendered: "Caf&eacute; &#8211; news" */
		ns_buf_t b = {0};
		st = art_html_text(s, strlen(s), &b);
		if (st == NS_OK)
			st = art_set_str(&a->title, b.data ? b.data : "", b.len);
		ns_buf_free(&b);
	} else if (s) {
		st = art_set_str(&a->title, s, strlen(s));
	}
	if (st == NS_OK && (s = str_field(o, stand_keys, NULL))) {
		ns_buf_t b = {0};
		st = add_text(a, "standfirst", s, strlen(s), &b);
		if (st == NS_OK && b.len)
			st = art_set_str(&a->standfirst, b.data, b.len);
		ns_buf_free(&b);
	}
	if (st == NS_OK && (s = str_field(o, body_keys, NULL))) {
		ns_buf_t b = {0};
		st = add_text(a, "body", s, strlen(s), &b);
		if (st == NS_OK)
			st = art_take_body(a, &b);
		ns_buf_free(&b);
	}
	/* WordPress gives its date in the site's zone, and in UTC as
	 * date_gmt (without a zone): the latter says when. */
	const char *gmt = str_field(o, wp_date_keys, NULL);
	if (st == NS_OK && gmt && strlen(gmt) == 19 && gmt[10] == 'T') {
		char z[24];
		snprintf(z, sizeof z, "%sZ", gmt);
		st = art_set_date(a, "date_gmt", z, strlen(z));
	}
	/* The first date key present decides, whatever its type. */
	for (size_t k = 0; st == NS_OK && !a->date[0] && date_keys[k]; k++) {
		json_t *v = json_object_get(o, date_keys[k]);
		if (!v || json_is_null(v))
			continue;
		if (json_is_string(v))
			st = art_set_date(a, date_keys[k], json_string_value(v),
			                  json_string_length(v));
		else if (json_is_number(v) && json_number_value(v) >= 0 &&
		         json_number_value(v) < 253402300800.0)
			st = set_epoch(a, (json_int_t)json_number_value(v));
		else
			st = art_warn(a, "%s is not a date; the article has none",
			              date_keys[k]);
		break;
	}
	json_t *v = json_object_get(o, "authors");
	if (!v)
		v = json_object_get(o, "author");
	if (!v)
		v = json_object_get(o, "byline");
	if (st == NS_OK && v)
		st = add_names(&a->authors, v);
	v = json_object_get(o, "tags");
	if (!v)
		v = json_object_get(o, "keywords");
	if (st == NS_OK && v)
		st = add_tags(&a->tags, v);
	if (st == NS_OK && (s = str_field(o, section_keys, NULL)))
		st = art_set_str(&a->section, s, strlen(s));
	if (st == NS_OK && (s = str_field(o, lang_keys, NULL)))
		st = art_set_language(a, s, strlen(s));
	if (st == NS_OK && (s = str_field(o, url_keys, NULL)))
		st = art_set_str(&a->url, s, strlen(s));
	v = json_object_get(o, "reading_time");
	if (!v)
		v = json_object_get(o, "reading_minutes");
	if (st == NS_OK && json_is_integer(v) && json_integer_value(v) > 0 &&
	    json_integer_value(v) < 10000)
		a->reading_minutes = (unsigned)json_integer_value(v);
	if (st == NS_OK)
		st = own_fields(a, o);
	json_decref(o);
	return st;
}

static const char *const json_exts[] = {"json", NULL};
const art_format_t art_json = {"json", detect_json, json_exts, parse_json};
