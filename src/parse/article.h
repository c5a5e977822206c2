/* article.h - an article's fields, and the parser that finds them in a
 * file's bytes.  The parser is a pure function: no I/O, no index, no log. */
#ifndef NS_ARTICLE_H
#define NS_ARTICLE_H

#include <jansson.h>

#include "core/lang.h"
#include "core/util.h"

typedef struct {
	const char *format;     /* static: "news-page", "markdown", "json",
	                           "html" or "plain" */
	const char *encoding;   /* static: "utf-8", "windows-1252" or
	                           "windows-1251" (what the bytes were) */
	char *title;            /* never NULL; "" when none */
	char *standfirst;       /* the summary under the title; "" when none */
	char *body;             /* paragraphs separated by "\n\n"; never NULL */
	char date[11];          /* "YYYY-MM-DD", or "" when unknown */
	char time[6];           /* "HH:MM" on a 24-hour clock, or "" */
	char *section;          /* never NULL; "" when none */
	char *url;              /* URL or slug the file names; "" when none */
	ns_strv_t tags;         /* in file order, without duplicates */
	ns_strv_t authors;      /* in file order, without duplicates */
	char language[16];      /* lower-case language code: the file's, else
	                           the default the caller gave */
	bool language_given;    /* the file named its language */
	bool draft;             /* front matter says draft: true */
	unsigned reading_minutes; /* as the file says, else estimated */
	bool reading_estimated; /* reading_minutes was counted, not read */
	ns_strv_t warnings;     /* what could not be trusted and was left out */
	json_t *fields;         /* the file's other keys (a CMS's own fields,
	                           front matter beyond the built-in ones): an
	                           object of strings, numbers, booleans and
	                           lists of strings; never NULL */
	bool fields_full;       /* one was left out for want of room: said
	                           once, not once each (a sidecar's table may
	                           have thousands of columns) */
} ns_article_t;

/* The most of a file's own fields kept, and their sizes. */
#define NS_MAX_EXTRA_FIELDS 64
#define NS_MAX_EXTRA_KEY    64
#define NS_MAX_EXTRA_VALUE  1000

typedef struct {
	const char *default_language; /* for files that name none; NULL: "en" */
} ns_parse_opts_t;

/* Parse LEN bytes of a file into a new article (*OUT, free with
 * ns_article_free).  NAME is the file's name (may be NULL): its extension
 * is one hint among the content's own.  Text that is not valid UTF-8 is
 * read as Windows-1252 or Windows-1251, whichever the bytes look like.
 * OPTS may be NULL.
 *
 * Returns NS_OK, NS_ERR_NOMEM, or NS_ERR_FORMAT when the file is not an
 * article at all (binary, empty, not text in any encoding we read, a
 * .json file that is not a JSON object); then WHY (WHY_SIZE bytes, may be
 * NULL) gets the reason in words.  Parts that could not be trusted (a bad
 * date, broken front matter) do not fail the parse: they are left out and
 * said in (*OUT)->warnings. */
ns_status_t ns_article_parse(const char *bytes, size_t len, const char *name,
                             const ns_parse_opts_t *opts, ns_article_t **out,
                             char *why, size_t why_size);

/* Accepts NULL. */
void ns_article_free(ns_article_t *a);

/* A's fields as a new JSON object (the index's stored data, and what
 * `nsearchd --check` prints): path (when PATH is not NULL), title,
 * standfirst, body, date, time, section, tags, authors, language, url,
 * format, encoding, reading_minutes, fields.  NULL when out of memory. */
json_t *ns_article_json(const ns_article_t *a, const char *path);

/* ---- what the path says (pathmeta.c) ----
 * Archives of plain text often keep the date and the desk in their folders
 * only.  The article's own metadata always wins; the path fills what it
 * left empty. */

/* The date RELPATH gives, into OUT as "YYYY-MM-DD": folders
 * ".../YYYY/MM/DD/..." (the deepest such triple), else the deepest
 * component that starts with "YYYY-MM-DD", "YYYY_MM_DD" or "YYYYMMDD"
 * followed by a non-digit or its end ("2025-04-09-harbour.txt").  Only
 * real days of years 1800 to 2199.  False (OUT untouched) when none. */
bool ns_path_date(const char *relpath, char out[11]);

/* The section RELPATH gives: its first folder that is not part of a date
 * (a number, or a name starting with a date), as new text (free()); NULL
 * when none or out of memory. */
char *ns_path_section(const char *relpath);

/* Fill A's date (from ns_path_date) and section (ns_path_section) when
 * the article has none.  NS_ERR_INVALID for NULL arguments. */
ns_status_t ns_article_from_path(ns_article_t *a, const char *relpath);

/* ---- sidecar metadata (sidecar.c) ----
 * Archives that keep their metadata beside the articles rather than in
 * them: NAME.meta.json beside the file NAME, and one metadata.tsv per
 * folder for the files directly in it (docs/formats.md).  A sidecar is
 * never an article.  What a sidecar gives replaces what the article says;
 * the path only fills what all of them left empty.  The caller reads the
 * files; these only parse. */

#define NS_SIDECAR_JSON_SUFFIX ".meta.json"
#define NS_SIDECAR_TSV_NAME    "metadata.tsv"
/* The most bytes of a .meta.json read (a metadata.tsv may be as big as
 * an article may: it lists a whole folder). */
#define NS_SIDECAR_JSON_MAX    (64u << 10)

typedef enum {
	NS_SIDECAR_NONE,   /* not a sidecar: an article, maybe */
	NS_SIDECAR_JSON,   /* NAME.meta.json */
	NS_SIDECAR_TSV,    /* metadata.tsv */
} ns_sidecar_kind_t;

/* What RELPATH is, by its name.  NULL is NS_SIDECAR_NONE. */
ns_sidecar_kind_t ns_sidecar_kind(const char *relpath);

/* What the sidecar RELPATH describes, as new text (free()): the article
 * (RELPATH without ".meta.json"), or the folder ("" for the root's
 * metadata.tsv).  NULL when RELPATH is no sidecar, or out of memory. */
char *ns_sidecar_subject(const char *relpath);

/* The sidecars that may describe the article RELPATH: its .meta.json
 * and its folder's metadata.tsv, into *JSON and *TSV (new, free()).
 * NS_OK, NS_ERR_INVALID (NULL), NS_ERR_NOMEM (both NULL then). */
ns_status_t ns_sidecar_paths(const char *relpath, char **json, char **tsv);

/* Lay the fields of a .meta.json (LEN bytes) over A's: each key a JSON
 * article would read (title, date, section, tags, authors, language, url,
 * standfirst, and their other names; docs/formats.md) that has a value
 * replaces A's; the other keys are A's own fields; body keys are ignored.
 * Bad content (not JSON, not an object, a date that is none) is a warning
 * in A, named by LABEL (the sidecar's name), and A keeps what it had.
 * NS_OK, NS_ERR_INVALID (NULL arguments), NS_ERR_NOMEM. */
ns_status_t ns_sidecar_apply_json(ns_article_t *a, const char *bytes,
                                  size_t len, const char *label);

/* A metadata.tsv, parsed: a header row (the file's column, then one
 * column per field), then one row per file.  It keeps where each row is
 * in the bytes parsed, not their text (a daemon keeps the tables of many
 * folders).  Opaque. */
typedef struct ns_tsv ns_tsv_t;

/* Parse LEN bytes into *OUT (new, ns_tsv_free).  Text that is not UTF-8
 * is read as an article's would be; blank lines and lines starting with
 * '#' are skipped; a name listed twice keeps its first row; a name with a
 * '/' matches nothing.  NS_ERR_FORMAT with WHY when it is not a table
 * (binary, no header, a header with no field column), NS_ERR_NOMEM,
 * NS_ERR_INVALID. */
ns_status_t ns_tsv_parse(const char *bytes, size_t len, ns_tsv_t **out,
                         char *why, size_t why_size);
/* Accepts NULL. */
void ns_tsv_free(ns_tsv_t *t);
/* The header row, cells separated by tabs; borrowed until ns_tsv_free. */
const char *ns_tsv_header(const ns_tsv_t *t);
/* Roughly the bytes of memory T holds. */
size_t ns_tsv_size(const ns_tsv_t *t);
/* Where the row of the file NAME is in the bytes parsed: *OFF and *LEN
 * (its line end left out).  False when there is none. */
bool ns_tsv_find(const ns_tsv_t *t, const char *name, size_t *off,
                 size_t *len);
/* The LEN bytes RAW found there (read again from the same file), as the
 * row's text: *ROW new (free()), cells separated by tabs.  NS_ERR_FORMAT
 * when they are not NAME's row (the file changed since), NS_ERR_NOMEM,
 * NS_ERR_INVALID. */
ns_status_t ns_tsv_row_text(const ns_tsv_t *t, const char *name,
                            const char *raw, size_t len, char **row);

/* Lay ROW of a metadata.tsv with header HEADER over A: column names are
 * read case-insensitively as a .meta.json's keys, an empty cell gives
 * nothing, and tags and authors are separated by ';'.  Warnings as
 * ns_sidecar_apply_json's.  NS_OK, NS_ERR_INVALID, NS_ERR_NOMEM. */
ns_status_t ns_sidecar_apply_tsv(ns_article_t *a, const char *header,
                                 const char *row, const char *label);

/* Is the LEN bytes at S valid UTF-8 (no overlongs, no surrogates)? */
bool ns_utf8_valid(const char *s, size_t len);


#endif
