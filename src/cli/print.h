/* print.h - nsearch-cli's terminal output: colours, text from articles
 * made safe for a terminal, lists wrapped to the width, times and sizes
 * in one way everywhere.  Writes to stdout only. */
#ifndef NSCLI_PRINT_H
#define NSCLI_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nsearch/result.h"

/* Terminal styles; "" without colour (matches then between brackets). */
typedef struct {
	const char *bold, *dim, *hl_start, *hl_end, *reset;
} nscli_style_t;
extern nscli_style_t nscli_style;

/* Colour from now on. */
void nscli_use_colour(void);

/* Control characters (C0, DEL and C1) in text from articles (an escape
 * sequence planted in a title) or from searchers (stats --queries)
 * become spaces, in place; S may be NULL.  Only the highlight
 * markers asked for survive, in snippets (MARKS); newlines and tabs only
 * where NL (an article's body). */
void nscli_defang(char *s, bool marks, bool nl);
void nscli_defang_hit(ns_hit_t *h);
void nscli_defang_result(ns_result_t *res);
void nscli_defang_values(ns_facet_value_t *v, size_t n);

/* The width lists wrap at: the terminal's, else 80 columns. */
unsigned nscli_width(void);

/* Characters a terminal shows for the UTF-8 text S (not bytes). */
size_t nscli_columns(const char *s);

/* A line of items that wraps: started at column COL, it goes on to
 * WIDTH, and a line after a wrap starts with INDENT spaces. */
typedef struct {
	size_t col, width, indent;
} nscli_line_t;

/* Print SEP then ITEM (plain text, as wide as it shows) then SUFFIX
 * (may hold style codes, SUFFIX_COLS wide); wrap first when it would go
 * past the width (SEP's trailing blanks are then dropped). */
void nscli_line_add(nscli_line_t *l, const char *sep, const char *item,
                    const char *suffix, size_t suffix_cols);

/* "value (count), value (count)" after LABEL: LABEL is printed as it is
 * (its width counted), the values follow one blank after it. */
void nscli_print_counts(const char *label, const ns_facet_value_t *v,
                        size_t n);

/* "2026-11-29 20:14:03 UTC" of Unix ms WHEN into BUF; "never" for 0. */
void nscli_utc_ms(int64_t when, char *buf, size_t size);

/* BYTES in binary units, as the daemon writes them: "344.1 KiB" below
 * 10 MiB, else "180.3 MiB". */
void nscli_size(uint64_t bytes, char *buf, size_t size);

#endif
