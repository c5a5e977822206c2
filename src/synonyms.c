/* synonyms.c - reads synonym groups and rewrites queries with them.
 *
 * The rewrite works on the query text, before Xapian's parser sees it: a
 * member found among the plain words becomes a bracketed OR of the whole
 * group, which the parser then treats like any other bracketed group (so
 * "us sanctions" needs "sanctions" and any one of the group).  Doing it on
 * the text rather than with Xapian's own synonym table lets a member be a
 * phrase ("united states"), which Xapian's table cannot expand to.
 */
#include "nsearch/synonyms.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char *words[NS_SYNONYM_MAX_WORDS]; /* ASCII-lowercased */
	size_t nwords;
} member_t;

typedef struct {
	member_t *members;
	size_t n;
} group_t;

struct ns_synonyms {
	group_t *groups;
	size_t n;
};

static bool word_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static void member_free(member_t *m)
{
	for (size_t i = 0; i < m->nwords; i++)
		free(m->words[i]);
}

static void group_free(group_t *g)
{
	for (size_t i = 0; i < g->n; i++)
		member_free(&g->members[i]);
	free(g->members);
}

void ns_synonyms_free(ns_synonyms_t *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		group_free(&s->groups[i]);
	free(s->groups);
	free(s);
}

size_t ns_synonyms_count(const ns_synonyms_t *s)
{
	return s ? s->n : 0;
}

static ns_status_t fail(char **errmsg, const char *name, size_t line,
                        const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static ns_status_t fail(char **errmsg, const char *name, size_t line,
                        const char *fmt, ...)
{
	if (errmsg) {
		char msg[200];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		size_t n = strlen(name) + strlen(msg) + 32;
		*errmsg = malloc(n);
		if (*errmsg)
			snprintf(*errmsg, n, "%s:%zu: %s", name, line, msg);
	}
	return NS_ERR_FORMAT;
}

/* One member: words of letters and digits, separated by blanks or
 * hyphens ("al-qaeda" is the words al and qaeda, as the indexer sees it). */
static bool parse_member(const char *p, size_t len, member_t *m, bool *nomem)
{
	memset(m, 0, sizeof *m);
	size_t i = 0;
	while (i < len) {
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '-') {
			i++;
			continue;
		}
		if (!word_byte((unsigned char)p[i]))
			return false;
		size_t start = i;
		while (i < len && word_byte((unsigned char)p[i]))
			i++;
		if (m->nwords == NS_SYNONYM_MAX_WORDS)
			return false;
		char *w = malloc(i - start + 1);
		if (!w) {
			*nomem = true;
			return false;
		}
		for (size_t k = 0; k < i - start; k++)
			w[k] = lower(p[start + k]);
		w[i - start] = '\0';
		m->words[m->nwords++] = w;
	}
	return m->nwords > 0;
}

static ns_status_t parse_line(const char *name, size_t lineno, const char *p,
                              size_t len, group_t *g, char **errmsg)
{
	memset(g, 0, sizeof *g);
	g->members = calloc(NS_SYNONYM_MAX_MEMBERS, sizeof *g->members);
	if (!g->members)
		return NS_ERR_NOMEM;
	const char *end = p + len;
	while (p <= end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;
		const char *a = p, *b = stop;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
			b--;
		if (a == b)
			return fail(errmsg, name, lineno, "an empty member (two commas "
			            "in a row, or a comma at an end)");
		if (g->n == NS_SYNONYM_MAX_MEMBERS)
			return fail(errmsg, name, lineno,
			            "more than %d members in one group",
			            NS_SYNONYM_MAX_MEMBERS);
		bool nomem = false;
		if (!parse_member(a, (size_t)(b - a), &g->members[g->n], &nomem)) {
			member_free(&g->members[g->n]);
			if (nomem)
				return NS_ERR_NOMEM;
			return fail(errmsg, name, lineno,
			            "\"%.*s\": a member is one to %d words of letters "
			            "and digits", (int)(b - a > 60 ? 60 : b - a), a,
			            NS_SYNONYM_MAX_WORDS);
		}
		g->n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (g->n < 2)
		return fail(errmsg, name, lineno, "a group needs at least two "
		            "members, separated by commas");
	return NS_OK;
}

ns_status_t ns_synonyms_parse(const char *name, const char *text, size_t len,
                              ns_synonyms_t **out, char **errmsg)
{
	if (errmsg)
		*errmsg = NULL;
	ns_synonyms_t *s = calloc(1, sizeof *s);
	if (!s)
		return NS_ERR_NOMEM;
	size_t cap = 0, lineno = 0;
	const char *p = text, *end = text + len;
	ns_status_t st = NS_OK;
	while (st == NS_OK && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		lineno++;
		const char *a = p;
		while (a < stop && (*a == ' ' || *a == '\t' || *a == '\r'))
			a++;
		if (memchr(p, '\0', (size_t)(stop - p))) {
			st = fail(errmsg, name, lineno, "a NUL byte");
		} else if (a < stop && *a != '#') {
			if (s->n == cap) {
				size_t ncap = cap ? 2 * cap : 16;
				group_t *g = realloc(s->groups, ncap * sizeof *g);
				if (!g) {
					st = NS_ERR_NOMEM;
					break;
				}
				s->groups = g;
				cap = ncap;
			}
			st = parse_line(name, lineno, a, (size_t)(stop - a),
			                &s->groups[s->n], errmsg);
			if (st == NS_OK)
				s->n++;
			else
				group_free(&s->groups[s->n]);
		}
		p = nl ? nl + 1 : end;
	}
	if (st != NS_OK) {
		ns_synonyms_free(s);
		return st;
	}
	*out = s;
	return NS_OK;
}

ns_status_t ns_synonyms_load(const char *path, ns_synonyms_t **out,
                             char **errmsg)
{
	if (errmsg)
		*errmsg = NULL;
	char *text = NULL;
	size_t len = 0;
	ns_status_t st = ns_read_file(path, 4 * 1024 * 1024, &text, &len);
	if (st != NS_OK) {
		if (errmsg) {
			const char *why = st == NS_ERR_TOO_LARGE ? "larger than 4 MiB"
			                                          : strerror(errno);
			size_t n = strlen(path) + strlen(why) + 4;
			if ((*errmsg = malloc(n)))
				snprintf(*errmsg, n, "%s: %s", path, why);
		}
		return st;
	}
	st = ns_synonyms_parse(path, text, len, out, errmsg);
	free(text);
	return st;
}

/* ---- the rewrite ---- */

typedef struct {
	size_t start, end;   /* bytes of the query */
	bool plain;          /* may take part in a synonym */
	bool joined;         /* follows the previous word with only blanks or
	                        one hyphen between */
} word_t;

static bool is_operator(const char *q, size_t start, size_t end)
{
	static const char *const ops[] = {"AND", "OR", "NOT", "XOR", "NEAR",
	                                  "ADJ", NULL};
	for (size_t i = 0; ops[i]; i++)
		if (strlen(ops[i]) == end - start &&
		    memcmp(q + start, ops[i], end - start) == 0)
			return true;
	return false;
}

static bool same_word(const char *q, const word_t *w, const char *lw)
{
	size_t n = w->end - w->start;
	if (strlen(lw) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(q[w->start + i]) != lw[i])
			return false;
	return true;
}

/* The group and length (in words) of the longest member starting at word
 * I, or 0. */
static size_t match_at(const ns_synonyms_t *s, const char *q,
                       const word_t *w, size_t nw, size_t i,
                       const group_t **group)
{
	size_t best = 0;
	for (size_t g = 0; g < s->n; g++)
		for (size_t m = 0; m < s->groups[g].n; m++) {
			const member_t *mb = &s->groups[g].members[m];
			if (mb->nwords <= best || i + mb->nwords > nw)
				continue;
			bool ok = true;
			for (size_t k = 0; ok && k < mb->nwords; k++) {
				const word_t *x = &w[i + k];
				ok = x->plain && (k == 0 || x->joined) &&
				     same_word(q, x, mb->words[k]);
			}
			if (ok) {
				best = mb->nwords;
				*group = &s->groups[g];
			}
		}
	return best;
}

static ns_status_t emit_group(ns_buf_t *b, const group_t *g)
{
	ns_status_t st = ns_buf_append(b, "(", 1);
	for (size_t m = 0; st == NS_OK && m < g->n; m++) {
		const member_t *mb = &g->members[m];
		if (m)
			st = ns_buf_append(b, " OR ", 4);
		if (st == NS_OK && mb->nwords > 1)
			st = ns_buf_append(b, "\"", 1);
		for (size_t k = 0; st == NS_OK && k < mb->nwords; k++)
			st = ns_buf_printf(b, "%s%s", k ? " " : "", mb->words[k]);
		if (st == NS_OK && mb->nwords > 1)
			st = ns_buf_append(b, "\"", 1);
	}
	return st == NS_OK ? ns_buf_append(b, ")", 1) : st;
}

ns_status_t ns_synonyms_expand(const ns_synonyms_t *s, const char *q,
                               char **out)
{
	*out = NULL;
	if (!s || !s->n || !q)
		return NS_OK;
	size_t len = strlen(q), nw = 0, cap = 0;
	word_t *w = NULL;
	bool quoted = false;
	size_t prev_end = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)q[i];
		if (c == '"')
			quoted = !quoted;
		if (!word_byte(c)) {
			i++;
			continue;
		}
		size_t start = i;
		while (i < len && word_byte((unsigned char)q[i]))
			i++;
		if (nw == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			word_t *nwv = realloc(w, ncap * sizeof *w);
			if (!nwv) {
				free(w);
				return NS_ERR_NOMEM;
			}
			w = nwv;
			cap = ncap;
		}
		char before = start ? q[start - 1] : ' ';
		char after = i < len ? q[i] : ' ';
		bool marked = (before == '+' || before == '-') &&
		              (start < 2 || q[start - 2] == ' ' ||
		               q[start - 2] == '(' || q[start - 2] == '\t');
		bool plain = !quoted && !marked && before != ':' && after != ':' &&
		             after != '*' && !is_operator(q, start, i);
		/* Joined to the previous word: only blanks between, or one
		 * hyphen (al-qaeda). */
		bool joined = nw > 0;
		for (size_t k = prev_end; joined && k < start; k++)
			joined = q[k] == ' ' || q[k] == '\t' ||
			         (q[k] == '-' && k == prev_end && k + 1 == start);
		w[nw++] = (word_t){start, i, plain, joined};
		prev_end = i;
	}

	ns_buf_t b = {0};
	ns_status_t st = NS_OK;
	size_t copied = 0;
	bool changed = false;
	for (size_t i = 0; st == NS_OK && i < nw;) {
		const group_t *g = NULL;
		size_t n = match_at(s, q, w, nw, i, &g);
		if (!n) {
			i++;
			continue;
		}
		st = ns_buf_append(&b, q + copied, w[i].start - copied);
		if (st == NS_OK)
			st = emit_group(&b, g);
		copied = w[i + n - 1].end;
		i += n;
		changed = true;
	}
	if (st == NS_OK && changed)
		st = ns_buf_append(&b, q + copied, len - copied);
	free(w);
	if (st != NS_OK || !changed) {
		ns_buf_free(&b);
		return st;
	}
	*out = b.data;
	return NS_OK;
}
