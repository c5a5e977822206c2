/* synonyms.c - reads synonym groups and rewrites queries with them.
 *
 * The rewrite works on the query text, before Xapian's parser sees it: a
 * member found among the plain words becomes a bracketed OR of the whole
 * group, which the parser then treats like any other bracketed group (so
 * "us sanctions" needs "sanctions" and any one of the group).  Doing it on
 * the text rather than with Xapian's own synonym table lets a member be a
 * phrase ("united states"), which Xapian's table cannot expand to.
 */
#include "daemon/synonyms.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
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
	int refs;            /* atomic; the loader holds the first */
};

/* The code point at P (N bytes left) into *CP; its length in bytes, or 0
 * when the bytes there are not UTF-8. */
static size_t utf8_next(const char *p, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)p;
	if (!n)
		return 0;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	size_t len = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC2 ? 2 : 0;
	if (!len || len > n || u[0] > 0xF4)
		return 0;
	uint32_t c = u[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3F);
	}
	static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
	if (c < least[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

static size_t utf8_put(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* A letter or digit: ASCII ones, and any code point from U+00C0 on but
 * the punctuation, symbol and space blocks a synonym never holds (curly
 * quotes, dashes, ×, ÷, the byte-order mark, ideographic punctuation). */
static bool word_cp(uint32_t c)
{
	if (c < 0x80)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		       (c >= 'A' && c <= 'Z');
	return c >= 0xC0 && c != 0xD7 && c != 0xF7 &&
	       !(c >= 0x2000 && c <= 0x2BFF) && !(c >= 0x2E00 && c <= 0x2E7F) &&
	       !(c >= 0x3000 && c <= 0x303F) && !(c >= 0xFE00 && c <= 0xFE6F) &&
	       c != 0xFEFF && !(c >= 0xFF00 && c <= 0xFF20);
}

/* Lower case for the Latin, Greek and Cyrillic capitals; others as is. */
static uint32_t lower_cp(uint32_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
	    (c >= 0x391 && c <= 0x3AB && c != 0x3A2) ||
	    (c >= 0x410 && c <= 0x42F))
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40F)
		return c + 0x50;
	if (c >= 0x100 && c <= 0x17F && !(c & 1) && c != 0x130 && c != 0x138)
		return c + 1; /* Latin Extended-A: pairs, capital first */
	return c;
}

/* The word of N bytes at P, lower-cased and without the dots of initials
 * ("U.S." is "us"), into OUT (4 * N + 1 bytes). */
static void lower_word(const char *p, size_t n, char *out)
{
	size_t i = 0, o = 0;
	while (i < n) {
		uint32_t c;
		if (p[i] == '.') {
			i++;
			continue;
		}
		size_t len = utf8_next(p + i, n - i, &c);
		if (!len) { /* not reached: words are valid UTF-8 */
			out[o++] = p[i++];
			continue;
		}
		o += utf8_put(lower_cp(c), out + o);
		i += len;
	}
	out[o] = '\0';
}

/* The length of the word starting at P (N bytes left), 0 if none. */
static size_t word_len(const char *p, size_t n)
{
	size_t i = 0;
	uint32_t c;
	size_t len;
	while (i < n && (len = utf8_next(p + i, n - i, &c)) && word_cp(c))
		i += len;
	return i;
}

static bool ascii_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The length of the initials starting at P (N bytes left), or 0: two or
 * more ASCII letters each followed by a dot but the last (whose dot may be
 * left out), no word character right after; the query side reads them as
 * one word ("U.S.", "u.s" are "us"), and so must a synonym. */
static size_t initials_len(const char *p, size_t n)
{
	size_t i = 0, letters = 0;
	while (i < n && ascii_letter(p[i])) {
		letters++;
		if (++i == n || p[i] != '.')
			break;
		if (++i == n || !ascii_letter(p[i]))
			break;
	}
	return letters >= 2 && word_len(p + i, n - i) == 0 ? i : 0;
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

ns_synonyms_t *ns_synonyms_ref(ns_synonyms_t *s)
{
	if (s)
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

void ns_synonyms_free(ns_synonyms_t *s)
{
	if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
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
		size_t n = word_len(p + i, len - i);
		if (!n)
			return false;
		if (m->nwords == NS_SYNONYM_MAX_WORDS)
			return false;
		char *w = malloc(4 * n + 1);
		if (!w) {
			*nomem = true;
			return false;
		}
		lower_word(p + i, n, w);
		i += n;
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

/* 0 if the N bytes at P are UTF-8, else the 1-based offset of the first
 * that is not. */
static size_t utf8_invalid(const char *p, size_t n)
{
	size_t i = 0;
	uint32_t c;
	while (i < n) {
		size_t len = utf8_next(p + i, n - i, &c);
		if (!len)
			return i + 1;
		i += len;
	}
	return 0;
}

ns_status_t ns_synonyms_parse(const char *name, const char *text, size_t len,
                              ns_synonyms_t **out, char **errmsg)
{
	if (errmsg)
		*errmsg = NULL;
	ns_synonyms_t *s = calloc(1, sizeof *s);
	if (!s)
		return NS_ERR_NOMEM;
	s->refs = 1;
	size_t cap = 0, lineno = 0;
	const char *p = text, *end = text + len;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		p += 3; /* a byte-order mark, as some editors write */
	ns_status_t st = NS_OK;
	while (st == NS_OK && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		lineno++;
		const char *a = p;
		while (a < stop && (*a == ' ' || *a == '\t' || *a == '\r'))
			a++;
		size_t bad = utf8_invalid(p, (size_t)(stop - p));
		if (memchr(p, '\0', (size_t)(stop - p))) {
			st = fail(errmsg, name, lineno, "a NUL byte");
		} else if (bad) {
			st = fail(errmsg, name, lineno, "not UTF-8 (byte %zu of the "
			          "line)", bad);
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
	char buf[4 * 64 + 1];
	if (n > 64)
		return false; /* longer than any member word worth matching */
	lower_word(q + w->start, n, buf);
	return strcmp(buf, lw) == 0;
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

/* Do A and B index alike ("al-qaeda" and "al qaeda")? */
static bool same_member(const member_t *a, const member_t *b)
{
	if (a->nwords != b->nwords)
		return false;
	for (size_t i = 0; i < a->nwords; i++)
		if (strcmp(a->words[i], b->words[i]) != 0)
			return false;
	return true;
}

static ns_status_t emit_group(ns_buf_t *b, const group_t *g)
{
	ns_status_t st = ns_buf_append(b, "(", 1);
	for (size_t m = 0; st == NS_OK && m < g->n; m++) {
		const member_t *mb = &g->members[m];
		bool again = false;
		for (size_t k = 0; k < m && !again; k++)
			again = same_member(&g->members[k], mb);
		if (again)
			continue;
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

/* The words of Q (LEN bytes), in order, into *OUT (new, free()) and *N;
 * each says whether a synonym may replace it (not quoted, not marked + or
 * -, not a field's prefix or value, not wildcarded, not an operator) and
 * whether it is joined to the one before. */
static ns_status_t split_words(const char *q, size_t len, word_t **out,
                               size_t *n)
{
	word_t *w = NULL;
	size_t nw = 0, cap = 0, prev_end = 0;
	bool quoted = false;
	for (size_t i = 0; i < len;) {
		if (q[i] == '"')
			quoted = !quoted;
		size_t wl = word_len(q + i, len - i);
		if (!wl) {
			i++;
			continue;
		}
		/* A word starts here (what came before is no word
		 * character): it may be initials, dots and all. */
		size_t il = initials_len(q + i, len - i);
		if (il)
			wl = il;
		size_t start = i;
		i += wl;
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
	*out = w;
	*n = nw;
	return NS_OK;
}

/* The words beside NEAR and ADJ are their operands: Xapian takes no
 * bracketed group there, so they stay as typed ("NEAR/3" too). */
static void keep_proximity_operands(const char *q, word_t *w, size_t nw)
{
	for (size_t k = 0; k < nw; k++) {
		size_t n = w[k].end - w[k].start;
		const char *t = q + w[k].start;
		if (!((n == 4 && memcmp(t, "NEAR", 4) == 0) ||
		      (n == 3 && memcmp(t, "ADJ", 3) == 0)))
			continue;
		if (k > 0)
			w[k - 1].plain = false;
		size_t next = k + 1;
		if (next < nw && q[w[k].end] == '/' && w[next].start == w[k].end + 1)
			next++; /* the distance */
		if (next < nw)
			w[next].plain = false;
	}
}

/* Q (LEN bytes) with each run of words W that is a member replaced by its
 * group, into B; *CHANGED says whether any was. */
static ns_status_t rewrite(const ns_synonyms_t *s, const char *q, size_t len,
                           const word_t *w, size_t nw, ns_buf_t *b,
                           bool *changed)
{
	ns_status_t st = NS_OK;
	size_t copied = 0;
	*changed = false;
	for (size_t i = 0; st == NS_OK && i < nw;) {
		const group_t *g = NULL;
		size_t n = match_at(s, q, w, nw, i, &g);
		if (!n) {
			i++;
			continue;
		}
		assert(g && i + n <= nw && w[i].start >= copied);
		st = ns_buf_append(b, q + copied, w[i].start - copied);
		if (st == NS_OK)
			st = emit_group(b, g);
		copied = w[i + n - 1].end;
		i += n;
		*changed = true;
	}
	if (st == NS_OK && *changed)
		st = ns_buf_append(b, q + copied, len - copied);
	return st;
}

ns_status_t ns_synonyms_expand(const ns_synonyms_t *s, const char *q,
                               char **out)
{
	*out = NULL;
	if (!s || !s->n || !q)
		return NS_OK;
	size_t len = strlen(q), nw;
	word_t *w;
	ns_status_t st = split_words(q, len, &w, &nw);
	if (st != NS_OK)
		return st;
	keep_proximity_operands(q, w, nw);
	ns_buf_t b = {0};
	bool changed;
	st = rewrite(s, q, len, w, nw, &b, &changed);
	free(w);
	if (st != NS_OK || !changed) {
		ns_buf_free(&b);
		return st;
	}
	*out = b.data;
	return NS_OK;
}
