/* print.c - nsearch-cli's terminal output (print.h): styles, text from
 * articles made safe to print, wrapped lists, times and sizes.  Knows
 * nothing of the protocol or of a command. */
#include "cli/print.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

nscli_style_t nscli_style = {"", "", "[", "]", ""};

void nscli_use_colour(void)
{
	nscli_style = (nscli_style_t){
		.bold = "\033[1m",
		.dim = "\033[2m",
		.hl_start = "\033[1;33m",
		.hl_end = "\033[0m",
		.reset = "\033[0m",
	};
}

void nscli_defang(char *s, bool marks, bool nl)
{
	const char *on = nscli_style.hl_start, *off = nscli_style.hl_end;
	for (; s && *s; s++) {
		if (marks && *on) {
			size_t a = strlen(on), b = strlen(off);
			if (strncmp(s, on, a) == 0) {
				s += a - 1;
				continue;
			}
			if (strncmp(s, off, b) == 0) {
				s += b - 1;
				continue;
			}
		}
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && !(nl && (c == '\n' || c == '\t'))) || c == 0x7f)
			*s = ' ';
		/* C1 controls in UTF-8 (U+0080 to U+009F): CSI is U+009B, which
		 * a terminal may take as ESC [.  Two spaces keep it UTF-8. */
		if (c == 0xc2 && (unsigned char)s[1] >= 0x80 &&
		    (unsigned char)s[1] <= 0x9f) {
			s[0] = s[1] = ' ';
			s++;
		}
	}
}

static void defang_strv(ns_strv_t *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		nscli_defang(sv->v[i], false, false);
}

void nscli_defang_hit(ns_hit_t *h)
{
	char *plain[] = {h->path, h->title, h->standfirst, h->date, h->time,
	                 h->section, h->language, h->url, h->format};
	for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
		nscli_defang(plain[i], false, false);
	nscli_defang(h->snippet, true, false);
	nscli_defang(h->body, false, true);
	defang_strv(&h->tags);
	defang_strv(&h->authors);
}

void nscli_defang_values(ns_facet_value_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		nscli_defang(v[i].value, false, false);
}

void nscli_defang_result(ns_result_t *res)
{
	for (size_t i = 0; i < res->nhits; i++)
		nscli_defang_hit(&res->hits[i]);
	for (size_t f = 0; f < res->nfacets; f++)
		nscli_defang_values(res->facets[f].values, res->facets[f].n);
	nscli_defang(res->suggestion, false, false);
	nscli_defang(res->corrected_from, false, false);
	nscli_defang(res->corrected_to, false, false);
}

unsigned nscli_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

size_t nscli_columns(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80; /* not a continuation */
	return n;
}

void nscli_line_add(nscli_line_t *l, const char *sep, const char *item,
                    const char *suffix, size_t suffix_cols)
{
	size_t sep_cols = strlen(sep), cols = nscli_columns(item) + suffix_cols;
	/* One column kept for the mark of a separator that may follow. */
	if (l->col > l->indent && l->col + sep_cols + cols + 1 > l->width) {
		/* The separator's mark stays on this line, its blanks go. */
		size_t keep = strcspn(sep, " ");
		printf("%.*s\n%*s", (int)keep, sep, (int)l->indent, "");
		l->col = l->indent;
		sep = "";
		sep_cols = 0;
	}
	printf("%s%s%s", sep, item, suffix);
	l->col += sep_cols + cols;
}

void nscli_print_counts(const char *label, const ns_facet_value_t *v,
                        size_t n)
{
	size_t start = nscli_columns(label) + 1;
	nscli_line_t line = {.col = start - 1, .width = nscli_width(),
	                     .indent = start};
	printf("%s", label);
	if (!n)
		printf(" -");
	for (size_t i = 0; i < n; i++) {
		char suffix[64];
		int cols = snprintf(suffix, sizeof suffix, " (%llu)",
		                    (unsigned long long)v[i].count);
		char styled[96];
		snprintf(styled, sizeof styled, " %s(%llu)%s", nscli_style.dim,
		         (unsigned long long)v[i].count, nscli_style.reset);
		nscli_line_add(&line, i ? ", " : " ", v[i].value, styled,
		               (size_t)cols);
	}
	putchar('\n');
}

void nscli_utc_ms(int64_t when, char *buf, size_t size)
{
	time_t t = (time_t)(when / 1000);
	struct tm tm;
	if (!when || !gmtime_r(&t, &tm) ||
	    !strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, size, "never");
}

void nscli_size(uint64_t bytes, char *buf, size_t size)
{
	if (bytes >= 10u << 20)
		snprintf(buf, size, "%.1f MiB", (double)bytes / 1048576.0);
	else
		snprintf(buf, size, "%.1f KiB", (double)bytes / 1024.0);
}
