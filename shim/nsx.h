/* nsx.h - the C face of the Xapian shim, the only C++ in nsearch.
 *
 * Opaque handles, a status for every call and the last error message kept on
 * the handle.  No Xapian or C++ type ever crosses this header, and no C++
 * exception ever leaves an nsx_* function.  Handles are not thread-safe: use
 * one from one thread at a time (handing one over between threads under a
 * mutex is fine).
 */
#ifndef NSX_H
#define NSX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	NSX_OK = 0,
	NSX_NOT_FOUND, /* no such document, or no database at the path */
	NSX_LOCKED,    /* another writer holds the database lock */
	NSX_BAD_QUERY, /* the query string does not parse */
	NSX_CORRUPT,   /* the database is damaged */
	NSX_MODIFIED,  /* a reader fell too far behind the writer; reopen */
	NSX_INVALID,   /* a NULL or out-of-range argument */
	NSX_NO_MEMORY,
	NSX_IO,          /* the filesystem failed (open, write, fsync) */
	NSX_INTERNAL,    /* anything else Xapian or the C++ runtime threw */
	NSX_TOO_BROAD,   /* a wildcard expands to more terms than allowed */
	NSX_TOO_COMPLEX, /* the query is over one of the caps below */
	NSX_TIMEOUT,     /* the search's deadline passed */
	NSX_NETWORK,     /* a remote shard failed or did not answer in
	                      time (nsx_reader_probe_shards) */
} nsx_status_t;

/* What one query may hold (NSX_TOO_COMPLEX above), each a bound on the
 * work it can make: words (synonyms and the terms of fields included;
 * a wildcard counts as one), wildcards (each expands to at most
 * max_expansion words), the words of one phrase or ADJ (checked position
 * by position in every article that has them all), the words one NEAR
 * joins (costlier still: every order is tried), and how deeply its
 * brackets nest. */
#define NSX_MAX_QUERY_TERMS 128
#define NSX_MAX_WILDCARDS 8
#define NSX_MAX_PHRASE_TERMS 32
#define NSX_MAX_NEAR_TERMS 8
#define NSX_MAX_QUERY_DEPTH 32

/* A short stable name for a status ("LOCKED"); never NULL. */
const char *nsx_status_name(nsx_status_t st);

/* Xapian's own version string, for logs and --version. Borrowed, static. */
const char *nsx_xapian_version(void);

/* ---- documents ------------------------------------------------------- */

typedef struct nsx_doc nsx_doc_t;

/* A new empty document whose free text is stemmed for LANGUAGE (a Snowball
 * name or ISO code such as "english" or "en"; NULL or "" or "none" means no
 * stemming).  An unknown language gives NSX_INVALID.  Free with
 * nsx_doc_free().  A document may be built on one thread and handed to the
 * writer on another. */
nsx_status_t nsx_doc_new(const char *language, nsx_doc_t **out);
void nsx_doc_free(nsx_doc_t *doc);

/* Index LEN bytes of UTF-8 TEXT as free text with positions, each term's
 * within-document frequency raised by WDF_INC, under PREFIX (NULL or ""
 * for none).  Consecutive calls continue the positions after a gap, so a
 * phrase never matches across two fields. */
nsx_status_t nsx_doc_index_text(nsx_doc_t *doc, const char *text, size_t len,
                                unsigned wdf_inc, const char *prefix);

/* The bytes of text nsx_doc_index_text() was given for DOC, in all: what
 * a writer's uncommitted batch grows by when it takes DOC. */
size_t nsx_doc_text_bytes(const nsx_doc_t *doc);

/* Add the boolean term PREFIX + lowercase(VALUE), for exact filters.
 * VALUE is UTF-8; terms longer than Xapian allows give NSX_INVALID. */
nsx_status_t nsx_doc_add_boolean(nsx_doc_t *doc, const char *prefix,
                                 const char *value);

/* Store LEN bytes in value SLOT (sortable, range-filterable). */
nsx_status_t nsx_doc_set_value(nsx_doc_t *doc, unsigned slot,
                               const char *bytes, size_t len);

/* The document's stored data, returned verbatim with each hit. */
nsx_status_t nsx_doc_set_data(nsx_doc_t *doc, const char *bytes, size_t len);

/* The longest term (prefix included) Xapian accepts, in bytes. */
#define NSX_MAX_TERM 240

/* ---- the writer -------------------------------------------------------- */

typedef struct nsx_writer nsx_writer_t;

/* Open the database at PATH for writing, creating it if missing.
 * On failure *ERRMSG (if not NULL) receives a new string the caller frees
 * with free().  Returns NSX_LOCKED if another writer (in this process or
 * another) has it, NSX_IO if the directory cannot be created, NSX_CORRUPT
 * if it is not a usable database. */
nsx_status_t nsx_writer_open(const char *path, nsx_writer_t **out,
                             char **errmsg);

/* Commit what is pending and close.  Accepts NULL. */
void nsx_writer_close(nsx_writer_t *w);

/* The message of the last failed call on W; borrowed, valid until the next
 * call on W.  "" if there was none. */
const char *nsx_writer_error(const nsx_writer_t *w);

/* Add or replace the one document carrying the unique term IDTERM (at most
 * NSX_MAX_TERM bytes), which is added to DOC as its identity.  DOC stays
 * owned by the caller. */
nsx_status_t nsx_writer_replace(nsx_writer_t *w, const char *idterm,
                                nsx_doc_t *doc);

/* Delete the document carrying IDTERM.  Deleting a term no document has
 * is not an error; *EXISTED (if not NULL) says whether one had it. */
nsx_status_t nsx_writer_delete(nsx_writer_t *w, const char *idterm,
                               int *existed);

/* Call EACH for every term starting with PREFIX, in sorted order, with
 * the term (NUL-terminated, borrowed for the call) and CTX.  EACH must not
 * change the database; collect, then change. */
nsx_status_t nsx_writer_each_term(nsx_writer_t *w, const char *prefix,
                                  void (*each)(const char *term, void *ctx),
                                  void *ctx);

/* Call EACH with the value in SLOT of every document that has one (the
 * value borrowed for the call); as for nsx_writer_each_term(), EACH must
 * not change the database. */
nsx_status_t nsx_writer_each_value(nsx_writer_t *w, unsigned slot,
                                   void (*each)(const char *value, size_t len,
                                                void *ctx),
                                   void *ctx);

/* Set the value in SLOT of the document with IDTERM, keeping the rest of
 * it.  NSX_NOT_FOUND when there is no such document. */
nsx_status_t nsx_writer_set_value(nsx_writer_t *w, const char *idterm,
                                  unsigned slot, const char *value,
                                  size_t len);

/* Delete every document whose unique term starts with PREFIX; *DELETED (if
 * not NULL) receives how many. */
nsx_status_t nsx_writer_delete_prefix(nsx_writer_t *w, const char *prefix,
                                      unsigned *deleted);

/* Make every change so far durable and visible to readers (atomic).
 * When it fails (NSX_IO: a full disk, a read-only filesystem) Xapian has
 * dropped the changes made since the last commit, and may have closed
 * the database: close W and open it again before going on, and apply
 * those changes again. */
nsx_status_t nsx_writer_commit(nsx_writer_t *w);

/* Can the database take a commit now?  Writes a small metadata entry and
 * commits it (nothing else may be pending).  NSX_IO with the reason on W
 * when the filesystem still refuses. */
nsx_status_t nsx_writer_probe(nsx_writer_t *w);

/* Make the revisions W reports from its next commit on go on after REV
 * (a new database replacing one that reached REV), as a compacted copy's
 * do.  Takes effect with that commit. */
nsx_status_t nsx_writer_continue_from(nsx_writer_t *w, uint64_t rev);

/* Committed revision and document count (pending changes included in the
 * count). */
uint64_t nsx_writer_revision(const nsx_writer_t *w);
uint64_t nsx_writer_doccount(const nsx_writer_t *w);

/* The boolean term nsx_doc_add_boolean() makes of PREFIX and VALUE, for
 * filters: *OUT is new (free()).  NSX_INVALID when it is too long. */
nsx_status_t nsx_boolean_term(const char *prefix, const char *value,
                              char **out);

/* Does Xapian have a stemmer for LANGUAGE ("en", "russian", ...)? */
int nsx_stemmer_exists(const char *language);

/* ---- readers and search ------------------------------------------------ */

typedef struct nsx_reader nsx_reader_t;

/* Open a read-only view of the database at PATH.  NSX_NOT_FOUND if there is
 * none yet.  *ERRMSG as for nsx_writer_open(). */
nsx_status_t nsx_reader_open(const char *path, nsx_reader_t **out,
                             char **errmsg);
void nsx_reader_close(nsx_reader_t *r);
const char *nsx_reader_error(const nsx_reader_t *r);

/* Move the reader to the latest committed revision (cheap if unchanged). */
nsx_status_t nsx_reader_reopen(nsx_reader_t *r);
uint64_t nsx_reader_revision(const nsx_reader_t *r);
uint64_t nsx_reader_doccount(const nsx_reader_t *r);

/* ---- shards: one reader over several databases -------------------------- */

/* A reader over the N shards SPECS searched as one database: each spec
 * a local database's path, or HOST:PORT ([V6]:PORT) of a xapian-tcpsrv.
 * The shards are opened in parallel, each remote one given TIMEOUT_MS
 * (> 0) to connect and then for every exchange; the connections stay
 * open for the reader's life.  A shard that does not open is down
 * (nsx_reader_shard_up), and the reader opens with those that do, even
 * none (it then finds nothing: ask nsx_reader_shards_up).  NSX_INVALID
 * for no shard or a NULL.  *ERRMSG as for nsx_writer_open().  Such a
 * reader has no revision of its own: nsx_reader_revision() is 0. */
nsx_status_t nsx_reader_open_shards(const char *const *specs, size_t n,
                                    unsigned timeout_ms, nsx_reader_t **out,
                                    char **errmsg);
/* How many shards R has (0: R is one local database), and how many of
 * them its searches read now. */
size_t nsx_reader_shards(const nsx_reader_t *r);
size_t nsx_reader_shards_up(const nsx_reader_t *r);
/* Is shard I of R read by its searches?  0 when down or out of range. */
int nsx_reader_shard_up(const nsx_reader_t *r, size_t i);
/* Why shard I is down ("" when up); borrowed until the next call on R. */
const char *nsx_reader_shard_error(const nsx_reader_t *r, size_t i);
/* After NSX_NETWORK from a call on R: connect to every shard afresh, in
 * parallel (a failed exchange may have left the other connections in
 * the middle of a reply), and read from those that answer within the
 * timeout.  The rest are down.  NSX_OK whatever the shards said. */
nsx_status_t nsx_reader_probe_shards(nsx_reader_t *r);
/* Bring R's shards to WANT (one flag per shard, nonzero: up): connect
 * the wanted ones that are down (in parallel), drop the unwanted.  A
 * wanted shard that does not open stays down.  NSX_OK whatever the
 * shards said. */
nsx_status_t nsx_reader_set_shards(nsx_reader_t *r, const unsigned char *want);
/* Does the shard SPEC answer: open it (connect and read its greeting,
 * within TIMEOUT_MS), then close.  NSX_NETWORK or NSX_NOT_FOUND (a local
 * path with no database) with *ERRMSG (as above) when it does not. */
nsx_status_t nsx_shard_probe(const char *spec, unsigned timeout_ms,
                             char **errmsg);

/* Teach the query parser a field: "FIELD:words" searches PREFIX.  With
 * BOOLEAN set, the value is one exact, case-folded filter term
 * (tag:"Sergei Lavrov"); otherwise it is free text.  Copies its arguments. */
nsx_status_t nsx_reader_add_field(nsx_reader_t *r, const char *field,
                                  const char *prefix, int boolean);

/* Teach the query parser dates: ranges "FIELD:2024-01-01..2024-03-31"
 * (either end may be left open, or be a year or a month: "2023..2024-03"
 * is 2023-01-01 to 2024-03-31) on SLOT, which holds "YYYYMMDD", and
 * single days, months and years ("FIELD:2024-01-05", "FIELD:2024-01",
 * "FIELD:2024") as the terms DAY_PREFIX + YYYYMMDD, MONTH_PREFIX + YYYYMM,
 * YEAR_PREFIX + YYYY, after + and - too.  Anything else after "FIELD:" is
 * a BAD_QUERY whose message says what a date looks like. */
nsx_status_t nsx_reader_add_date_range(nsx_reader_t *r, unsigned slot,
                                       const char *field,
                                       const char *year_prefix,
                                       const char *month_prefix,
                                       const char *day_prefix);

/* Read the stored data of the document with IDTERM: *DATA is new
 * (free()), *LEN its length.  NSX_NOT_FOUND when there is none. */
nsx_status_t nsx_reader_get(nsx_reader_t *r, const char *idterm,
                            char **data, size_t *len);

/* Call EACH for every term starting with PREFIX with the term (prefix
 * included, borrowed) and how many documents have it. */
nsx_status_t nsx_reader_each_term(nsx_reader_t *r, const char *prefix,
                                  void (*each)(const char *term,
                                               uint64_t docs, void *ctx),
                                  void *ctx);

/* Documents that have at least one of these terms. */
typedef struct {
	const char *const *terms;
	size_t n;
} nsx_filter_t;

typedef struct {
	const char *query;     /* the user's query string, UTF-8; "" matches
	                          every document (for filtered listings) */
	const char *language;  /* stemmer for the query; NULL = "english";
	                          one without a stemmer searches unstemmed */
	unsigned offset;       /* hits to skip */
	unsigned limit;        /* hits to return */
	const nsx_filter_t *filters; /* all must match; none change scores */
	size_t nfilters;
	unsigned range_slot;   /* with RANGE_LO and/or RANGE_HI (NULL: open) */
	const char *range_lo;
	const char *range_hi;
	int sort;              /* 0: by relevance; 1: by SORT_SLOT, ascending;
	                          -1: descending (relevance breaks ties) */
	unsigned sort_slot;

	int match;             /* NSX_MATCH_*: how words without an operator
	                          combine */
	unsigned max_expansion; /* a wildcard may expand to this many terms;
	                           more is NSX_TOO_BROAD.  0: no wildcards */
	double time_limit;     /* seconds of exact counting (facets, totals)
	                          before estimates are used; 0: no limit */
	double deadline;       /* when the search must be done, in seconds
	                          on CLOCK_MONOTONIC; then it stops with
	                          NSX_TIMEOUT.  0: none */
	int spelling;          /* look for a spelling correction */
	const char *spelling_query; /* of this query (NULL: QUERY), when QUERY
	                               was rewritten (synonyms) */
	int correct;           /* with SPELLING: when the query finds next to
	                          nothing and its correction (of words no
	                          article has) finds far more, answer the
	                          correction (nsx_results_corrected_from()) */
	int collapse;          /* one hit per value of COLLAPSE_SLOT */
	unsigned collapse_slot;
	unsigned count_limit; /* matches (hits, collapsing) are counted
	                          exactly up to this many, and beyond it the
	                          total is this many, a lower bound, on
	                          every page (policy.hh); 0: 10000 */
	const struct nsx_facet_spec *facets; /* counted over all matches */
	size_t nfacets;
	unsigned facet_limit;  /* the most frequent values kept per facet */
	int feedback;          /* reorder the best matches by the words of
	                          the best ten (pseudo-relevance feedback) */
	int prefix;            /* as you type: the last word of QUERY, unless
	                          a blank ends it, is also a beginning (the
	                          100 commonest words with it); no spelling */
	double recency_days;   /* > 0: newer articles gain, halving every
	                          this many days (RECENCY_SLOT "YYYYMMDD") */
	unsigned recency_slot;
	const char *like_idterm; /* not NULL: find documents like this one
	                            (QUERY is then ignored) and leave it out,
	                            with its duplicates (its value in
	                            COLLAPSE_SLOT, collapsing or not) */
	const char *id_prefix;   /* the prefix of each document's one unique
	                            id term (the IDTERM of
	                            nsx_writer_replace); NULL: "Q".  Over
	                            shards, word closeness and feedback
	                            reorder the best matches by a filter of
	                            their id terms */
	/* Not NULL: the id term's text after ID_PREFIX is in each document's
	 * value ID_SLOT, where this finds it (*LEN bytes at the pointer it
	 * returns, into VALUE; NULL when it is not there).  Over remote
	 * shards the id terms of the best matches then come with one more
	 * match per server (each hit carries that value), not from a term
	 * list read per document, one round trip each. */
	const char *(*id_in_value)(const char *value, size_t size, size_t *len);
	unsigned id_slot;
} nsx_search_t;

enum {
	NSX_MATCH_AUTO = 0,    /* every word; when that leaves the page short,
	                          continue with documents that have only some,
	                          ranked after those that have all */
	NSX_MATCH_ALL,         /* every word */
	NSX_MATCH_ANY,         /* any word, ranked */
};

/* A facet: the values of SLOT counted over all matches.  With CUT 0 the
 * slot holds values separated by NSX_LIST_SEP, each counted (case-folded;
 * the commonest spelling is shown, ties the first in byte order); with
 * CUT n the first n bytes of the value are one value ("YYYYMMDD" cut at 4
 * is the year). */
typedef struct nsx_facet_spec {
	unsigned slot;
	unsigned cut;
} nsx_facet_spec_t;

#define NSX_LIST_SEP '\x1f'

typedef struct nsx_results nsx_results_t;

/* Run a query.  NSX_BAD_QUERY (message on R) if it does not parse,
 * NSX_TOO_COMPLEX if it is over a cap, NSX_TIMEOUT once its deadline
 * passes (checked between documents as they are matched, never within
 * one: the caps bound that); a spelling suggestion that runs out of time
 * is left out instead.  NSX_MODIFIED is retried once internally after a
 * reopen.  *OUT is new:
 * free it with nsx_results_free() before R is reopened or closed (its
 * snippets read R's view of the database). */
nsx_status_t nsx_reader_search(nsx_reader_t *r, const nsx_search_t *req,
                               nsx_results_t **out);

typedef struct {
	unsigned rank;       /* 0-based rank in the whole result list */
	double score;
	const char *data;    /* borrowed from the results */
	size_t data_len;
	unsigned duplicates; /* with collapse: other matches like it */
	int partial;         /* matched only some of the words (MATCH_AUTO) */
} nsx_hit_t;

size_t nsx_results_count(const nsx_results_t *res);
/* The matches (hits, collapsing), the same on every page of a search:
 * exact when nsx_results_exact() says so, else a lower bound (the count
 * limit, or what the time limit left counted); and bounds of it (the
 * lower bound is the total itself). */
uint64_t nsx_results_estimated(const nsx_results_t *res);
uint64_t nsx_results_lower_bound(const nsx_results_t *res);
uint64_t nsx_results_upper_bound(const nsx_results_t *res);
/* Did MATCH_AUTO add documents with only some of the words? */
int nsx_results_relaxed(const nsx_results_t *res);
/* The corrected query, when spelling was asked for and some word looks
 * misspelt (no article has it, or one in far more articles is one edit
 * away); "" otherwise, and when a word no article has is made up for
 * by an alternative (a synonym).  Borrowed. */
const char *nsx_results_suggestion(const nsx_results_t *res);
/* When the search answered the correction of its query instead (CORRECT
 * in nsx_search_t): the query as typed (SPELLING_QUERY), and as
 * corrected, which was searched; "" otherwise.  Borrowed. */
const char *nsx_results_corrected_from(const nsx_results_t *res);
const char *nsx_results_corrected_to(const nsx_results_t *res);
/* Facet F's values, most frequent first (ties by value): I < the count
 * nsx_results_facet_size() gives.  VALUE is borrowed. */
size_t nsx_results_facet_size(const nsx_results_t *res, size_t f);
nsx_status_t nsx_results_facet(const nsx_results_t *res, size_t f, size_t i,
                               const char **value, uint64_t *count);
/* Is the total exact? */
int nsx_results_exact(const nsx_results_t *res);
/* Were the facets counted over every match (the time limit did not
 * strike)?  1 when none were asked for. */
int nsx_results_facets_exact(const nsx_results_t *res);

/* Hit I (0 <= I < count) into *HIT.  NSX_INVALID if I is out of range. */
nsx_status_t nsx_results_hit(const nsx_results_t *res, size_t i,
                             nsx_hit_t *hit);

/* Cut a snippet of at most about LENGTH bytes from TEXT, the best passage
 * for the query that found hit I, query terms (stemmed as searched)
 * wrapped in HI_START and HI_END.  The text is HTML-escaped (&, <, >)
 * except for the markers.
 * *OUT is new (free with free()); it is "" when no query term occurs in
 * TEXT, so that the caller can choose what to show instead. */
nsx_status_t nsx_results_snippet(const nsx_results_t *res, size_t i,
                                 const char *text,
                                 size_t text_len, size_t length,
                                 const char *hi_start, const char *hi_end,
                                 char **out);

void nsx_results_free(nsx_results_t *res);

/* ---- as you type ---------------------------------------------------------- */

typedef struct {
	const char *query;        /* what has been typed, UTF-8 */
	const char *language;     /* as nsx_search_t's */
	unsigned words;           /* completions of its last word wanted */
	unsigned titles;          /* best matches wanted */
	const char *title_prefix; /* the prefix titles are indexed under (their
	                             words complete first); NULL: none */
	unsigned collapse_slot;   /* matches with the same value are one */
	double deadline;          /* as nsx_search_t's */
} nsx_complete_t;

typedef struct nsx_completions nsx_completions_t;

/* As you type QUERY: the indexed words that complete its last word (none
 * when a blank or a sign ends it), those in most titles first, then in
 * most documents, case-folded, at most WORDS of them, read from at most
 * a thousand terms with that beginning in titles and as many in all the
 * text; and the best TITLES matches of the words before it with one of
 * those completions in their title (of all of QUERY when nothing is
 * being typed), none while the words before do not parse.
 * NSX_TOO_COMPLEX, NSX_TIMEOUT as for nsx_reader_search().  *OUT is new
 * (nsx_completions_free()). */
nsx_status_t nsx_reader_complete(nsx_reader_t *r, const nsx_complete_t *req,
                                 nsx_completions_t **out);
size_t nsx_completions_words(const nsx_completions_t *c);
/* Completion I: the word (borrowed), QUERY with its last word replaced
 * by it (*TEXT, borrowed; TEXT may be NULL), and in how many documents
 * the word is (*DOCS, may be NULL); NULL when I is out of range. */
const char *nsx_completions_word(const nsx_completions_t *c, size_t i,
                                 const char **text, uint64_t *docs);
size_t nsx_completions_titles(const nsx_completions_t *c);
/* Match I's stored data (borrowed).  NSX_INVALID when out of range. */
nsx_status_t nsx_completions_title(const nsx_completions_t *c, size_t i,
                                   const char **data, size_t *len);
/* Accepts NULL. */
void nsx_completions_free(nsx_completions_t *c);

/* ---- checking ------------------------------------------------------------ */

/* Check the structure of the database at PATH: every block of every
 * table, and the version file.  NSX_OK when sound, NSX_NOT_FOUND when
 * there is no database there, NSX_CORRUPT (or NSX_IO for a table that
 * cannot be read) with *ERRMSG (new, free()) saying what is wrong.  Reads
 * the whole database: its cost grows with the index (docs/operations.md
 * gives figures).  Must not run beside a writer committing to PATH. */
nsx_status_t nsx_check(const char *path, char **errmsg);

/* A quick check of the same: open the database (its version file and
 * each table's root block) and read from every table through the first
 * and the last document (data, values, terms, positions, postings).  A
 * cost that does not grow with the index; finds truncated tables and a
 * bad version file, not damage in blocks it does not read. */
nsx_status_t nsx_open_check(const char *path, char **errmsg);

/* ---- compaction ---------------------------------------------------------- */

/* Called as each table of the database (postlist, docdata, termlist,
 * position, spelling, synonym) is started (STATUS "") and done (STATUS
 * says how much it shrank).  Both strings are borrowed for the call. */
typedef void (*nsx_progress_fn)(void *ctx, const char *table,
                                const char *status);

/* Write a compacted copy of the committed revision of the database at SRC
 * to DEST, a directory that must not hold a database.  The copy passes
 * xapian-check and answers every query as SRC did; its revision (as
 * nsx_writer_revision and nsx_reader_revision report it) is SRC's plus
 * one, so that a copy swapped in never takes the revision back.  Reads
 * one revision: a writer must not commit twice meanwhile (NSX_MODIFIED).
 * PROGRESS may be NULL.  *ERRMSG as for nsx_writer_open. */
nsx_status_t nsx_compact(const char *src, const char *dest,
                         nsx_progress_fn progress, void *ctx, char **errmsg);

/* ---- shards of an index --------------------------------------------------- */

/* Split the database at SRC into N (2..64) new databases DESTS[0..N-1]
 * (directories that must not hold a database): each document goes to
 * shard SHARD_OF(its unique term, the first term starting with
 * ID_PREFIX; CTX) mod N, and a document with no such term to shard 0.
 * Every document keeps its terms, positions, values and data; the
 * spelling table goes to each shard.  Reads one revision of SRC.
 * *ERRMSG as for nsx_writer_open. */
nsx_status_t nsx_split(const char *src, const char *const *dests, size_t n,
                       const char *id_prefix,
                       unsigned (*shard_of)(const char *idterm, void *ctx),
                       void *ctx, char **errmsg);

/* Merge the N databases SRCS into DEST (a directory that must not hold
 * a database) with Xapian's compaction: one database with every
 * document of each.  *ERRMSG as above. */
nsx_status_t nsx_merge(const char *const *srcs, size_t n, const char *dest,
                       char **errmsg);
/* As nsx_compact, of the N databases at SRCS together (a bulk load's
 * shards beside the index, SRCS[0]) into one at DEST; document ids are
 * renumbered.  The copy's revision is one more than the larger of
 * SRCS[0]'s and AFTER.  None of them may take a commit meanwhile. */
nsx_status_t nsx_compact_merge(const char *const *srcs, size_t n,
                               const char *dest, uint64_t after,
                               nsx_progress_fn progress, void *ctx,
                               char **errmsg);

/* ---- databases searched beside the index (shim/extra.cc) ---------------- */

/* From the next reopen of each reader on, every reader searches the N
 * databases at PATHS (copied) beside the one it was opened at: a bulk
 * load's shards, committed on their own threads.  N 0: the index alone
 * again.  Any thread. */
nsx_status_t nsx_readers_set_extra(const char *const *paths, size_t n);
/* The revision readers that search extra databases report (Xapian has
 * none for several databases together): the writer's, at its last
 * commit.  Any thread. */
void nsx_readers_set_extra_revision(uint64_t rev);

#ifdef __cplusplus
}
#endif

#endif
