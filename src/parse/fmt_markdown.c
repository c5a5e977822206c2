/* fmt_markdown.c - Markdown with YAML front matter, as Hugo and Jekyll keep
 * articles.  The front matter is read with libyaml; the Markdown is reduced
 * to its text.  Rules: docs/formats.md. */
#include "parse/article_impl.h"

#include <errno.h>
#include <math.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

/* ---- Markdown to text ------------------------------------------------------ */

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c) || (unsigned char)c >= 0x80;
}

/* Where the ")" closing an inline link's "(" at S[I] is, or LEN. */
static size_t closing_paren(const char *s, size_t len, size_t i)
{
	int depth = 0;
	for (; i < len; i++) {
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i;
	}
	return len;
}

/* Searches for a closer that failed once fail for the rest of the line:
 * remembering it keeps a line of a million "[" linear. */
typedef struct {
	bool no_gt, no_bracket, no_paren, no_braces;
} closers_t;

/* C after I in S, or NULL (and remembered in *NONE). */
static const char *find_closer(const char *s, size_t len, size_t i, char c,
                               bool *none)
{
	const char *p = *none || i >= len ? NULL : memchr(s + i, c, len - i);
	if (!p)
		*none = true;
	return p;
}

/* One line's inline syntax out: emphasis, code spans, links and images
 * (their text kept), autolinks, HTML tags, shortcodes, escapes. */
static ns_status_t strip_inline(const char *s, size_t len, ns_buf_t *out)
{
	ns_status_t st = NS_OK;
	closers_t k = {0};
	for (size_t i = 0; i < len && st == NS_OK; i++) {
		char c = s[i];
		if (c == '\\' && i + 1 < len && ispunct((unsigned char)s[i + 1])) {
			st = ns_buf_append(out, s + ++i, 1);
		} else if (c == '*' || c == '~' || c == '`') {
			continue;
		} else if (c == '_' && (i == 0 || !is_word_char(s[i - 1]) ||
		                        i + 1 == len || !is_word_char(s[i + 1]))) {
			continue;
		} else if (c == '{' && i + 2 < len && s[i + 1] == '{' &&
		           (s[i + 2] == '<' || s[i + 2] == '%') && !k.no_braces) {
			const char *end = memmem(s + i, len - i, "}}", 2);
			if (!end) {
				k.no_braces = true;
				st = ns_buf_append(out, &c, 1);
				continue;
			}
			i = (size_t)(end - s) + 1;
		} else if (c == '<' && i + 1 < len &&
		           (isalpha((unsigned char)s[i + 1]) || s[i + 1] == '/' ||
		            s[i + 1] == '!')) {
			const char *gt = find_closer(s, len, i, '>', &k.no_gt);
			if (!gt) {
				st = ns_buf_append(out, &c, 1);
				continue;
			}
			i = (size_t)(gt - s);
		} else if (c == '[' && i + 1 < len && s[i + 1] == '^') {
			/* A footnote reference: its text is elsewhere. */
			const char *close = find_closer(s, len, i, ']', &k.no_bracket);
			if (close)
				i = (size_t)(close - s);
		} else if ((c == '[' || (c == '!' && i + 1 < len && s[i + 1] == '['))) {
			size_t open = c == '!' ? i + 1 : i;
			const char *close = find_closer(s, len, open, ']', &k.no_bracket);
			if (!close) {
				st = ns_buf_append(out, &c, 1);
				continue;
			}
			size_t cl = (size_t)(close - s);
			/* The link text, itself stripped (it holds no "]"). */
			st = strip_inline(s + open + 1, cl - open - 1, out);
			i = cl;
			if (i + 1 < len && s[i + 1] == '(' && !k.no_paren) {
				size_t end = closing_paren(s, len, i + 1);
				if (end < len)
					i = end;
				else
					k.no_paren = true; /* "(" stays as text */
			} else if (i + 1 < len && s[i + 1] == '[') {
				const char *c2 = find_closer(s, len, i + 1, ']',
				                             &k.no_bracket);
				if (c2)
					i = (size_t)(c2 - s);
			}
		} else {
			st = ns_buf_append(out, &c, 1);
		}
	}
	return st;
}

static bool is_rule(line_t l)
{
	if (l.len < 3)
		return false;
	char c = l.s[0];
	if (c != '-' && c != '*' && c != '_' && c != '=')
		return false;
	for (size_t i = 0; i < l.len; i++)
		if (l.s[i] != c && l.s[i] != ' ')
			return false;
	return true;
}

static bool is_fence(line_t l)
{
	return art_line_starts(l, "```") || art_line_starts(l, "~~~");
}

/* "[ref]: http://..." */
static bool is_link_definition(line_t l)
{
	if (l.len < 4 || l.s[0] != '[')
		return false;
	const char *close = memchr(l.s, ']', l.len);
	return close && (size_t)(close - l.s) + 1 < l.len && close[1] == ':';
}

/* A table's separator row: "|---|:--:|". */
static bool is_table_rule(line_t l)
{
	if (l.len < 3 || (l.s[0] != '|' && l.s[0] != ':' && l.s[0] != '-'))
		return false;
	for (size_t i = 0; i < l.len; i++)
		if (!strchr("|:- ", l.s[i]))
			return false;
	return memchr(l.s, '-', l.len) != NULL;
}

/* Remove the block markers at the start of L: quotes, list bullets,
 * heading hashes.  *HEADING says whether it was a heading. */
static line_t strip_block(line_t l, bool *heading, bool *item)
{
	*heading = *item = false;
	while (l.len && l.s[0] == '>')
		l = art_trim((line_t){l.s + 1, l.len - 1});
	size_t h = 0;
	while (h < l.len && h < 7 && l.s[h] == '#')
		h++;
	if (h >= 1 && h <= 6 && (h == l.len || l.s[h] == ' ')) {
		*heading = true;
		l = art_trim((line_t){l.s + h, l.len - h});
		while (l.len && l.s[l.len - 1] == '#')
			l.len--;
		return art_trim(l);
	}
	if (l.len >= 2 && strchr("-*+", l.s[0]) && l.s[1] == ' ') {
		*item = true;
		return art_trim((line_t){l.s + 2, l.len - 2});
	}
	size_t d = 0;
	while (d < l.len && d < 10 && isdigit((unsigned char)l.s[d]))
		d++;
	if (d && d + 1 < l.len && (l.s[d] == '.' || l.s[d] == ')') &&
	    l.s[d + 1] == ' ') {
		*item = true;
		return art_trim((line_t){l.s + d + 2, l.len - d - 2});
	}
	return l;
}

ns_status_t art_markdown_text(const line_t *lines, size_t n, ns_buf_t *b,
                              char **title)
{
	ns_status_t st = NS_OK;
	ns_buf_t tmp = {0};
	bool in_code = false, new_paragraph = true;
	for (size_t i = 0; i < n && st == NS_OK; i++) {
		line_t l = lines[i];
		if (is_fence(l)) {
			in_code = !in_code;
			new_paragraph = true;
			continue;
		}
		if (in_code) {
			if (l.len)
				st = art_append(b, l.s, l.len, new_paragraph);
			new_paragraph = false;
			continue;
		}
		if (l.len == 0 || is_rule(l) || is_table_rule(l) ||
		    is_link_definition(l) ||
		    (art_line_starts(l, "<!--") && l.len >= 7 &&
		     memcmp(l.s + l.len - 3, "-->", 3) == 0)) {
			new_paragraph = true;
			continue;
		}
		bool heading, item;
		l = strip_block(l, &heading, &item);
		tmp.len = 0;
		if (tmp.data)
			tmp.data[0] = '\0';
		/* A table row's cells, separated by spaces. */
		if (l.len && l.s[0] == '|') {
			for (size_t k = 0; k < l.len && st == NS_OK; k++)
				st = ns_buf_append(&tmp, l.s[k] == '|' ? " " : l.s + k, 1);
			line_t row = art_trim((line_t){tmp.data ? tmp.data : "", tmp.len});
			ns_buf_t cells = {0};
			if (st == NS_OK)
				st = strip_inline(row.s, row.len, &cells);
			tmp.len = 0;
			if (st == NS_OK && cells.len)
				st = ns_buf_append(&tmp, cells.data, cells.len);
			ns_buf_free(&cells);
		} else if (st == NS_OK) {
			st = strip_inline(l.s, l.len, &tmp);
		}
		if (st != NS_OK)
			break;
		line_t text = art_trim((line_t){tmp.data ? tmp.data : "", tmp.len});
		if (text.len == 0)
			continue;
		if (heading && title && !(*title)[0]) {
			st = art_set_str(title, text.s, text.len);
			new_paragraph = true;
			continue;
		}
		st = art_append(b, text.s, text.len,
		                new_paragraph || heading || item);
		/* A heading is a paragraph of its own. */
		new_paragraph = heading;
	}
	ns_buf_free(&tmp);
	return st;
}

/* ---- YAML front matter -------------------------------------------------------- */

typedef struct {
	yaml_document_t *doc;
	ns_article_t *a;
	const char *slug;
	size_t slug_len;
	bool have_section;
	ns_strv_t categories;
	yaml_node_t *date, *publish_date;
} front_t;

static yaml_node_t *node(front_t *f, int i)
{
	return yaml_document_get_node(f->doc, i);
}

static bool is_scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

#define SCALAR(n) ((const char *)(n)->data.scalar.value), ((n)->data.scalar.length)

/* Names from a scalar ("A and B"), a list, or mappings with a name. */
static ns_status_t add_names(front_t *f, ns_strv_t *sv, yaml_node_t *v)
{
	if (is_scalar(v))
		return art_push_names(sv, SCALAR(v));
	if (v && v->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
		     p < v->data.mapping.pairs.top; p++) {
			yaml_node_t *k = node(f, p->key), *val = node(f, p->value);
			if (is_scalar(k) && is_scalar(val) &&
			    strcmp((const char *)k->data.scalar.value, "name") == 0)
				return art_push_unique(sv, SCALAR(val));
		}
		return NS_OK;
	}
	if (v && v->type == YAML_SEQUENCE_NODE) {
		ns_status_t st = NS_OK;
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top && st == NS_OK; it++) {
			yaml_node_t *item = node(f, *it);
			if (is_scalar(item))
				st = art_push_unique(sv, SCALAR(item));
			else if (item && item->type == YAML_MAPPING_NODE)
				st = add_names(f, sv, item);
		}
		return st;
	}
	return NS_OK;
}

/* Tags from a list, or a comma-separated scalar. */
static ns_status_t add_list(front_t *f, ns_strv_t *sv, yaml_node_t *v)
{
	if (is_scalar(v))
		return art_push_list(sv, SCALAR(v));
	ns_status_t st = NS_OK;
	if (v && v->type == YAML_SEQUENCE_NODE)
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top && st == NS_OK; it++) {
			yaml_node_t *item = node(f, *it);
			if (is_scalar(item))
				st = art_push_unique(sv, SCALAR(item));
		}
	return st;
}

/* A plain scalar as YAML 1.2's core schema reads it: true/false, an
 * integer, a decimal number, else a string.  Quoted ones stay strings. */
static json_t *scalar_value(yaml_node_t *v)
{
	const char *s = (const char *)v->data.scalar.value;
	size_t len = v->data.scalar.length;
	if (v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && len < 32) {
		if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
			return json_boolean(s[0] == 't');
		char *end;
		errno = 0;
		long long n = strtoll(s, &end, 10);
		if (*s && !*end && !errno && strspn(s, "+-0123456789") == len)
			return json_integer(n);
		double d = strtod(s, &end);
		if (*s && !*end && !errno && strspn(s, "+-0123456789.eE") == len &&
		    isfinite(d))
			return json_real(d);
	}
	return json_stringn(s, len);
}

/* A front-matter value as a field of the article's own: a scalar, or a
 * list of scalars (as strings); anything else is NULL-valued and
 * dropped. */
static json_t *front_value(front_t *f, yaml_node_t *v)
{
	if (is_scalar(v))
		return scalar_value(v);
	if (v->type != YAML_SEQUENCE_NODE)
		return json_null();
	json_t *arr = json_array();
	for (yaml_node_item_t *it = v->data.sequence.items.start;
	     arr && it < v->data.sequence.items.top; it++) {
		yaml_node_t *item = node(f, *it);
		if (!is_scalar(item)) {
			json_decref(arr);
			return json_null();
		}
		json_array_append_new(arr, json_stringn(SCALAR(item)));
	}
	return arr;
}

static bool key_is(yaml_node_t *k, const char *name)
{
	return strcmp((const char *)k->data.scalar.value, name) == 0;
}

static ns_status_t front_field(front_t *f, yaml_node_t *k, yaml_node_t *v)
{
	ns_article_t *a = f->a;
	if (!is_scalar(k) || !v)
		return NS_OK;
	if (key_is(k, "title") && is_scalar(v))
		return art_set_str(&a->title, SCALAR(v));
	if ((key_is(k, "description") || key_is(k, "summary") ||
	     key_is(k, "subtitle")) && is_scalar(v) && !a->standfirst[0])
		return art_set_str(&a->standfirst, SCALAR(v));
	/* date wins over publishDate, wherever each stands. */
	if (key_is(k, "date")) {
		f->date = v;
		return NS_OK;
	}
	if (key_is(k, "publishDate")) {
		f->publish_date = v;
		return NS_OK;
	}
	if (key_is(k, "authors") || key_is(k, "author"))
		return add_names(f, &a->authors, v);
	if (key_is(k, "tags") || key_is(k, "keywords"))
		return add_list(f, &a->tags, v);
	if (key_is(k, "section") && is_scalar(v)) {
		f->have_section = true;
		return art_set_str(&a->section, SCALAR(v));
	}
	if (key_is(k, "categories") || key_is(k, "category"))
		return add_list(f, &f->categories, v);
	if ((key_is(k, "lang") || key_is(k, "language")) && is_scalar(v))
		return art_set_language(a, SCALAR(v));
	if (key_is(k, "url") && is_scalar(v))
		return art_set_str(&a->url, SCALAR(v));
	if (key_is(k, "slug") && is_scalar(v)) {
		f->slug = (const char *)v->data.scalar.value;
		f->slug_len = v->data.scalar.length;
		return NS_OK;
	}
	if (key_is(k, "draft") && is_scalar(v)) {
		const char *s = (const char *)v->data.scalar.value;
		a->draft = strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0 ||
		           strcasecmp(s, "on") == 0;
		return NS_OK;
	}
	if (key_is(k, "publishdate") || key_is(k, "publish_date") ||
	    key_is(k, "reading_time") || key_is(k, "reading_minutes"))
		return NS_OK;
	return art_set_extra(a, (const char *)k->data.scalar.value,
	                     front_value(f, v));
}

/* Front matter is a few dozen fields; libyaml's time grows with the
 * square of the nesting, so bound both before it reads anything. */
#define MAX_FRONT_BYTES (64 * 1024)
#define MAX_FRONT_DEPTH 32

static size_t flow_depth(const char *s, size_t len)
{
	size_t depth = 0, max = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '[' || s[i] == '{') {
			if (++depth > max)
				max = depth;
		} else if ((s[i] == ']' || s[i] == '}') && depth) {
			depth--;
		}
	}
	return max;
}

/* Read the front matter's LEN bytes at S into A.  A YAML error is a
 * warning: the fields are left out and the body still indexed. */
static ns_status_t parse_front(const char *s, size_t len, ns_article_t *a)
{
	if (len > MAX_FRONT_BYTES)
		return art_warn(a, "front matter over %d KiB; its fields are left "
		                "out", MAX_FRONT_BYTES / 1024);
	if (flow_depth(s, len) > MAX_FRONT_DEPTH)
		return art_warn(a, "front matter nested deeper than %d; its fields "
		                "are left out", MAX_FRONT_DEPTH);
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser))
		return NS_ERR_NOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)s, len);
	ns_status_t st = NS_OK;
	if (!yaml_parser_load(&parser, &doc)) {
		st = parser.error == YAML_MEMORY_ERROR
			? NS_ERR_NOMEM
			: art_warn(a, "front matter: YAML error at line %zu: %s; its "
			           "fields are left out",
			           parser.problem_mark.line + 1,
			           parser.problem ? parser.problem : "unknown");
		yaml_parser_delete(&parser);
		return st;
	}
	front_t f = {.doc = &doc, .a = a};
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root && root->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
		     p < root->data.mapping.pairs.top && st == NS_OK; p++)
			st = front_field(&f, node(&f, p->key), node(&f, p->value));
	} else if (root) {
		st = art_warn(a, "front matter is not a mapping of fields; it is "
		              "left out");
	}
	yaml_node_t *when = f.date ? f.date : f.publish_date;
	if (st == NS_OK && when) {
		const char *key = f.date ? "date" : "publishDate";
		if (is_scalar(when))
			st = art_set_date(a, key, SCALAR(when));
		else
			st = art_warn(a, "front matter: %s is not a date; the article "
			              "has none", key);
	}
	/* Hugo's categories: the first is the section unless one is named,
	 * the rest are tags. */
	for (size_t i = 0; i < f.categories.n && st == NS_OK; i++) {
		const char *c = f.categories.v[i];
		if (i == 0 && !f.have_section)
			st = art_set_str(&a->section, c, strlen(c));
		else
			st = art_push_unique(&a->tags, c, strlen(c));
	}
	if (st == NS_OK && !a->url[0] && f.slug)
		st = art_set_str(&a->url, f.slug, f.slug_len);
	ns_strv_clear(&f.categories);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return st;
}

/* ---- the format -------------------------------------------------------------------- */

static bool detect_markdown(const art_text_t *t)
{
	/* Front matter opens the file: "---" on the very first line. */
	return t->n > 1 && art_line_eq(t->lines[0], "---") &&
	       t->lines[0].s == t->s;
}

static ns_status_t parse_markdown(const art_text_t *t, ns_article_t *a,
                                  char *why, size_t why_size)
{
	(void)why;
	(void)why_size;
	ns_status_t st = NS_OK;
	size_t body = 0;
	if (t->n > 1 && art_line_eq(t->lines[0], "---")) {
		size_t end = 1;
		while (end < t->n && !art_line_eq(t->lines[end], "---") &&
		       !art_line_eq(t->lines[end], "..."))
			end++;
		if (end == t->n) {
			st = art_warn(a, "front matter is never closed with \"---\"; "
			              "read as text");
		} else {
			const char *from = t->lines[0].s + 3;
			size_t len = (size_t)(t->lines[end].s - from);
			st = parse_front(from, len, a);
			body = end + 1;
		}
	}
	ns_buf_t b = {0};
	if (st == NS_OK)
		st = art_markdown_text(t->lines + body, t->n - body, &b, &a->title);
	if (st == NS_OK)
		st = art_take_body(a, &b);
	ns_buf_free(&b);
	return st;
}

static const char *const markdown_exts[] = {"md", "markdown", "mdown", "mkd",
                                           NULL};
const art_format_t art_markdown = {"markdown", detect_markdown, markdown_exts,
                                   parse_markdown};
