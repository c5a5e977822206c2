/* fmt_html.c - saved HTML article pages, and HTML fragments inside other
 * formats (a CMS's JSON body).  Parsed with gumbo, a real HTML5 parser;
 * every walk over its tree is iterative, so that no nesting depth can
 * exhaust the stack.  Rules: docs/formats.md. */
#include "parse/article_impl.h"

#include <ctype.h>
#include <stddef.h>
#include <gumbo.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- walking the tree ---------------------------------------------------- */

typedef struct {
	GumboNode **v;
	size_t n, cap;
} node_stack_t;

static bool push(node_stack_t *s, GumboNode *n)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		GumboNode **v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return false;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = n;
	return true;
}

/* Push N's children so that they pop in document order. */
static bool push_children(node_stack_t *s, GumboNode *n)
{
	GumboVector *c = n->type == GUMBO_NODE_DOCUMENT ? &n->v.document.children
	                                                : &n->v.element.children;
	for (size_t i = c->length; i > 0; i--)
		if (!push(s, c->data[i - 1]))
			return false;
	return true;
}

static bool is_element(const GumboNode *n)
{
	return n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE;
}

static const char *attr(const GumboNode *n, const char *name)
{
	if (!is_element(n))
		return NULL;
	GumboAttribute *a = gumbo_get_attribute(&n->v.element.attributes, name);
	return a ? a->value : NULL;
}

/* Elements whose content is never article text. */
static bool is_noise(GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_NOSCRIPT:
	case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_NAV: case GUMBO_TAG_FOOTER:
	case GUMBO_TAG_ASIDE: case GUMBO_TAG_FORM: case GUMBO_TAG_BUTTON:
	case GUMBO_TAG_SVG: case GUMBO_TAG_IFRAME: case GUMBO_TAG_SELECT:
	case GUMBO_TAG_HEAD: case GUMBO_TAG_OBJECT: case GUMBO_TAG_CANVAS:
	case GUMBO_TAG_MATH:
		return true;
	default:
		return false;
	}
}

/* Elements that start a new paragraph. */
static bool is_block(GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_H1:
	case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4:
	case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_LI:
	case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_PRE: case GUMBO_TAG_SECTION:
	case GUMBO_TAG_ARTICLE: case GUMBO_TAG_MAIN: case GUMBO_TAG_TR:
	case GUMBO_TAG_BR: case GUMBO_TAG_DD: case GUMBO_TAG_DT:
	case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_TABLE: case GUMBO_TAG_UL:
	case GUMBO_TAG_OL: case GUMBO_TAG_HR: case GUMBO_TAG_HEADER:
	case GUMBO_TAG_FIGURE: case GUMBO_TAG_ADDRESS: case GUMBO_TAG_BODY:
	case GUMBO_TAG_TD: case GUMBO_TAG_TH: case GUMBO_TAG_CAPTION:
		return true;
	default:
		return false;
	}
}

/* Paragraphs are gathered in PARA, whitespace collapsed, and moved to the
 * body at each block boundary. */
typedef struct {
	ns_buf_t para;
	ns_buf_t *out;
	bool space;   /* a blank is owed before the next word */
} text_acc_t;

static ns_status_t acc_text(text_acc_t *t, const char *s)
{
	ns_status_t st = NS_OK;
	for (; *s && st == NS_OK; s++) {
		if (isspace((unsigned char)*s)) {
			t->space = true;
			continue;
		}
		/* U+00A0, the no-break space, is a blank too. */
		if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0) {
			t->space = true;
			s++;
			continue;
		}
		if (t->space && t->para.len)
			st = ns_buf_append(&t->para, " ", 1);
		t->space = false;
		if (st == NS_OK)
			st = ns_buf_append(&t->para, s, 1);
	}
	return st;
}

static ns_status_t acc_break(text_acc_t *t)
{
	ns_status_t st = NS_OK;
	if (t->para.len)
		st = art_append(t->out, t->para.data, t->para.len, true);
	t->para.len = 0;
	t->space = false;
	return st;
}

/* A marker on the stack: the end of a block element. */
static GumboNode block_end;

/* The readable text under ROOT, leaving out SKIP (the <h1> that is the
 * title, kept elsewhere; may be NULL). */
static ns_status_t collect_text(GumboNode *root, const GumboNode *skip,
                                ns_buf_t *out)
{
	text_acc_t t = {.out = out};
	node_stack_t s = {0};
	/* Without an <article> or <main>, a <header> is the site's. */
	bool drop_header = root->type == GUMBO_NODE_DOCUMENT ||
	                   (root->type == GUMBO_NODE_ELEMENT &&
	                    (root->v.element.tag == GUMBO_TAG_BODY ||
	                     root->v.element.tag == GUMBO_TAG_HTML));
	ns_status_t st = push(&s, root) ? NS_OK : NS_ERR_NOMEM;
	while (st == NS_OK && s.n) {
		GumboNode *n = s.v[--s.n];
		if (n == &block_end) {
			st = acc_break(&t);
			continue;
		}
		switch (n->type) {
		case GUMBO_NODE_TEXT:
		case GUMBO_NODE_CDATA:
		case GUMBO_NODE_WHITESPACE:
			st = acc_text(&t, n->v.text.text);
			break;
		case GUMBO_NODE_ELEMENT:
		case GUMBO_NODE_DOCUMENT: {
			GumboTag tag = n->type == GUMBO_NODE_ELEMENT ? n->v.element.tag
			                                             : GUMBO_TAG_HTML;
			if (n != root && (is_noise(tag) || n == skip ||
			                  (drop_header && tag == GUMBO_TAG_HEADER) ||
			                  (attr(n, "hidden") != NULL)))
				break;
			if (is_block(tag)) {
				st = acc_break(&t);
				if (st == NS_OK && !push(&s, &block_end))
					st = NS_ERR_NOMEM;
			}
			if (st == NS_OK && !push_children(&s, n))
				st = NS_ERR_NOMEM;
			break;
		}
		default:
			break;
		}
	}
	if (st == NS_OK)
		st = acc_break(&t);
	ns_buf_free(&t.para);
	free(s.v);
	return st;
}

/* ---- nesting ------------------------------------------------------------------ */

/* gumbo's time grows with the square of the nesting depth (a page of a
 * million unclosed <b> takes minutes), so the depth is estimated before
 * parsing and deeper markup is refused.  Elements that close themselves
 * (<p>, <li>, <td>, ...) or have no content (<br>, <img>, ...) do not
 * count. */
#define MAX_HTML_DEPTH 2000

static bool self_closing(const char *name, size_t n)
{
	static const char *const names[] = {
		"p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb",
		"rt", "rp", "tbody", "thead", "tfoot", "colgroup", "br", "img",
		"meta", "link", "hr", "input", "col", "area", "base", "wbr",
		"source", "track", "embed", "param", "keygen", "basefont", "frame",
		"!doctype",
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strlen(names[i]) == n && strncasecmp(names[i], name, n) == 0)
			return true;
	return false;
}

static bool too_deep(const char *s, size_t len)
{
	size_t depth = 0;
	for (const char *p = s, *end = s + len;
	     (p = memchr(p, '<', (size_t)(end - p))) && p + 1 < end; p++) {
		bool closing = p[1] == '/';
		const char *name = p + 1 + closing;
		size_t n = 0;
		while (name + n < end && (isalnum((unsigned char)name[n]) ||
		                          name[n] == '!'))
			n++;
		if (!n || (!closing && !isalpha((unsigned char)name[0])))
			continue;
		if (self_closing(name, n))
			continue;
		if (closing) {
			if (depth)
				depth--;
		} else if (++depth > MAX_HTML_DEPTH) {
			return true;
		}
	}
	return false;
}

/* ---- fragments (used by other formats) ------------------------------------ */

static GumboOutput *parse_html(const char *s, size_t len)
{
	GumboOptions opts = kGumboDefaultOptions;
	opts.max_errors = 0; /* we never read them */
	return gumbo_parse_with_options(&opts, s, len);
}

static void free_html(GumboOutput *g)
{
	GumboOptions opts = kGumboDefaultOptions;
	gumbo_destroy_output(&opts, g);
}

ns_status_t art_html_text(const char *html, size_t len, ns_buf_t *b)
{
	if (too_deep(html, len))
		return NS_ERR_FORMAT;
	GumboOutput *g = parse_html(html, len);
	if (!g)
		return NS_ERR_NOMEM;
	ns_status_t st = collect_text(g->root, NULL, b);
	free_html(g);
	return st;
}

bool art_looks_like_html(const char *s, size_t len)
{
	for (const char *p = s; (p = memchr(p, '<', len - (size_t)(p - s)));
	     p++) {
		size_t left = len - (size_t)(p - s);
		if ((left > 2 && p[1] == '/' && isalpha((unsigned char)p[2])) ||
		    (left > 3 && strncasecmp(p, "<br", 3) == 0) ||
		    (left > 2 && (p[1] == 'p' || p[1] == 'P') &&
		     (p[2] == '>' || p[2] == ' ')))
			return true;
	}
	return false;
}

/* ---- pages ------------------------------------------------------------------ */

static bool detect_html(const art_text_t *t)
{
	const char *p = t->s;
	while (isspace((unsigned char)*p))
		p++;
	/* Comments before the doctype, as some CMSs write them. */
	while (strncmp(p, "<!--", 4) == 0) {
		const char *e = strstr(p + 4, "-->");
		if (!e)
			return false;
		for (p = e + 3; isspace((unsigned char)*p); p++)
			;
	}
	if (strncmp(p, "<?xml", 5) == 0) {
		const char *e = strstr(p, "?>");
		if (!e)
			return false;
		for (p = e + 2; isspace((unsigned char)*p); p++)
			;
	}
	return strncasecmp(p, "<!doctype html", 14) == 0 ||
	       strncasecmp(p, "<html", 5) == 0;
}

typedef struct {
	const char *og_title, *title_meta, *published, *description, *section,
		*canonical, *og_url, *keywords, *lang;
	GumboNode *title_el, *h1, *time_el, *article, *main, *role_main, *body;
	ns_strv_t authors;   /* meta author, rel=author */
	ns_strv_t tags;      /* article:tag */
	bool title_from_h1;
} page_t;

/* Is WORD one of the space-separated tokens of LIST ("author noopener")? */
static bool has_token(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; *p;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		size_t n = 0;
		while (p[n] && !isspace((unsigned char)p[n]))
			n++;
		if (n == wl && strncasecmp(p, word, n) == 0)
			return true;
		p += n;
	}
	return false;
}

static ns_status_t meta(page_t *p, GumboNode *n)
{
	const char *key = attr(n, "property");
	if (!key)
		key = attr(n, "name");
	if (!key)
		key = attr(n, "itemprop");
	const char *content = attr(n, "content");
	if (!key || !content)
		return NS_OK;
	if (strcasecmp(key, "og:title") == 0)
		p->og_title = content;
	else if (strcasecmp(key, "article:published_time") == 0 ||
	         strcasecmp(key, "datePublished") == 0)
		p->published = p->published ? p->published : content;
	else if (strcasecmp(key, "og:description") == 0 ||
	         (strcasecmp(key, "description") == 0 && !p->description))
		p->description = content;
	else if (strcasecmp(key, "article:section") == 0)
		p->section = content;
	else if (strcasecmp(key, "og:url") == 0)
		p->og_url = content;
	else if (strcasecmp(key, "keywords") == 0)
		p->keywords = content;
	else if (strcasecmp(key, "article:tag") == 0)
		return art_push_unique(&p->tags, content, strlen(content));
	else if (strcasecmp(key, "author") == 0 ||
	         (strcasecmp(key, "article:author") == 0 &&
	          strncmp(content, "http", 4) != 0))
		return art_push_names(&p->authors, content, strlen(content));
	return NS_OK;
}

/* Landmarks of which the first in the page is the one that counts. */
static const struct {
	GumboTag tag;
	size_t offset;             /* of its GumboNode * in page_t */
} first_of_tag[] = {
	{GUMBO_TAG_TITLE, offsetof(page_t, title_el)},
	{GUMBO_TAG_H1, offsetof(page_t, h1)},
	{GUMBO_TAG_TIME, offsetof(page_t, time_el)},
	{GUMBO_TAG_ARTICLE, offsetof(page_t, article)},
	{GUMBO_TAG_MAIN, offsetof(page_t, main)},
};

/* Note the element N in P.  False when what is under it is not to be
 * surveyed (not the article's, or read here already). */
static bool survey_element(page_t *p, GumboNode *n, ns_status_t *st)
{
	GumboTag tag = n->v.element.tag;
	/* Landmarks inside navigation, asides or hidden parts are not the
	 * article's; the <head> is where the metadata is. */
	if ((is_noise(tag) && tag != GUMBO_TAG_HEAD) || attr(n, "hidden"))
		return false; /* scripts and styles are noise too */
	for (size_t i = 0; i < sizeof first_of_tag / sizeof *first_of_tag; i++) {
		GumboNode **slot =
			(GumboNode **)((char *)p + first_of_tag[i].offset);
		if (tag == first_of_tag[i].tag && !*slot)
			*slot = n;
	}
	const char *rel = attr(n, "rel"), *role = attr(n, "role");
	if (tag == GUMBO_TAG_HTML)
		p->lang = attr(n, "lang");
	else if (tag == GUMBO_TAG_BODY)
		p->body = n;
	else if (tag == GUMBO_TAG_META)
		*st = meta(p, n);
	else if (tag == GUMBO_TAG_LINK && rel && has_token(rel, "canonical"))
		p->canonical = attr(n, "href");
	if (role && strcasecmp(role, "main") == 0 && !p->role_main)
		p->role_main = n;
	if (rel && has_token(rel, "author") && *st == NS_OK) {
		ns_buf_t name = {0};
		*st = collect_text(n, NULL, &name);
		if (*st == NS_OK && name.len)
			*st = art_push_unique(&p->authors, name.data, name.len);
		ns_buf_free(&name);
		return false;
	}
	return true;
}

/* One pass over the whole tree for the metadata and the landmarks. */
static ns_status_t survey(GumboNode *root, page_t *p)
{
	node_stack_t s = {0};
	ns_status_t st = push(&s, root) ? NS_OK : NS_ERR_NOMEM;
	while (st == NS_OK && s.n) {
		GumboNode *n = s.v[--s.n];
		if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_DOCUMENT)
			continue;
		if (n->type == GUMBO_NODE_ELEMENT && !survey_element(p, n, &st))
			continue;
		if (st == NS_OK && !push_children(&s, n))
			st = NS_ERR_NOMEM;
	}
	free(s.v);
	return st;
}

static ns_status_t set_from_node(char **dst, GumboNode *n)
{
	ns_buf_t b = {0};
	ns_status_t st = collect_text(n, NULL, &b);
	if (st == NS_OK && b.len) {
		/* One line: paragraph breaks inside a title become spaces. */
		for (size_t i = 0; i < b.len; i++)
			if (b.data[i] == '\n')
				b.data[i] = ' ';
		st = art_set_str(dst, b.data, b.len);
	}
	ns_buf_free(&b);
	return st;
}

/* Every name of SRC added to DST once. */
static ns_status_t push_all(ns_strv_t *dst, const ns_strv_t *src)
{
	ns_status_t st = NS_OK;
	for (size_t i = 0; st == NS_OK && i < src->n; i++)
		st = art_push_unique(dst, src->v[i], strlen(src->v[i]));
	return st;
}

/* The title: og:title, else <title>, else the first <h1>. */
static ns_status_t set_page_title(page_t *p, ns_article_t *a)
{
	ns_status_t st = NS_OK;
	if (p->og_title && *p->og_title)
		st = art_set_str(&a->title, p->og_title, strlen(p->og_title));
	else if (p->title_el)
		st = set_from_node(&a->title, p->title_el);
	if (st == NS_OK && !a->title[0] && p->h1) {
		st = set_from_node(&a->title, p->h1);
		p->title_from_h1 = true;
	}
	return st;
}

/* What the survey found, but the title and the body, into A. */
static ns_status_t set_page_fields(const page_t *p, ns_article_t *a)
{
	ns_status_t st = NS_OK;
	if (p->description)
		st = art_set_str(&a->standfirst, p->description,
		                 strlen(p->description));
	const char *when = p->published ? p->published
	                 : p->time_el ? attr(p->time_el, "datetime") : NULL;
	if (st == NS_OK && when)
		st = art_set_date(a, p->published ? "published time"
		                                  : "<time datetime>",
		                  when, strlen(when));
	if (st == NS_OK && p->section)
		st = art_set_str(&a->section, p->section, strlen(p->section));
	if (st == NS_OK)
		st = push_all(&a->tags, &p->tags);
	if (st == NS_OK && !p->tags.n && p->keywords)
		st = art_push_list(&a->tags, p->keywords, strlen(p->keywords));
	if (st == NS_OK)
		st = push_all(&a->authors, &p->authors);
	const char *url = p->canonical ? p->canonical : p->og_url;
	if (st == NS_OK && url)
		st = art_set_str(&a->url, url, strlen(url));
	if (st == NS_OK && p->lang && *p->lang)
		st = art_set_language(a, p->lang, strlen(p->lang));
	return st;
}

/* The body: the text of the <article>, else <main>, else role=main, else
 * the <body>, else the whole page (ROOT). */
static ns_status_t set_page_body(const page_t *p, GumboNode *root,
                                 ns_article_t *a)
{
	root = p->article ? p->article : p->main ? p->main
	     : p->role_main ? p->role_main : p->body ? p->body : root;
	/* The first <h1> is the page's headline: left out of the body when it
	 * is the title (or the title came from elsewhere and it repeats it). */
	const GumboNode *skip = NULL;
	if (p->h1 && a->title[0]) {
		char *h1 = NULL;
		if (set_from_node(&h1, p->h1) == NS_OK && h1 &&
		    (strcmp(h1, a->title) == 0 || !p->og_title || p->title_from_h1))
			skip = p->h1;
		free(h1);
	}
	ns_buf_t body = {0};
	ns_status_t st = collect_text(root, skip, &body);
	if (st == NS_OK)
		st = art_take_body(a, &body);
	ns_buf_free(&body);
	return st;
}

static ns_status_t parse_page(const art_text_t *t, ns_article_t *a, char *why,
                              size_t why_size)
{
	if (too_deep(t->s, t->len)) {
		art_why(why, why_size, "HTML nested deeper than %d elements",
		        MAX_HTML_DEPTH);
		return NS_ERR_FORMAT;
	}
	GumboOutput *g = parse_html(t->s, t->len);
	if (!g)
		return NS_ERR_NOMEM;
	page_t p = {0};
	ns_status_t st = survey(g->document, &p);
	if (st == NS_OK)
		st = set_page_title(&p, a);
	if (st == NS_OK)
		st = set_page_fields(&p, a);
	if (st == NS_OK)
		st = set_page_body(&p, g->root, a);
	ns_strv_clear(&p.authors);
	ns_strv_clear(&p.tags);
	free_html(g);
	return st;
}

static const char *const html_exts[] = {"html", "htm", "xhtml", NULL};
const art_format_t art_html = {"html", detect_html, html_exts, parse_page};
