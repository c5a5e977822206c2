/* cli.h - what nsearch-cli's parts share: the settings of one run, an
 * entry of the command table, the exit statuses.  Internal to src/cli;
 * nothing here reads or writes wire JSON (core/proto.h does). */
#ifndef NSCLI_CLI_H
#define NSCLI_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/conn.h"
#include "core/proto.h"

/* What a script may trust (docs/man/nsearch-cli.1, "EXIT STATUS"). */
enum {
	NSCLI_EXIT_OK = 0,       /* found (articles with every word), done,
	                            ready */
	NSCLI_EXIT_NONE = 1,     /* nothing found; a waited-for file is not
	                            searchable; status: the daemon not ready */
	NSCLI_EXIT_ERROR = 2,    /* bad usage, a refused request, no daemon */
	NSCLI_EXIT_PARTIAL = 3,  /* found only articles with some of the
	                            words */
};

/* One run: the options as given, and the connection once made. */
typedef struct {
	nscli_conn_t conn;
	unsigned limit;          /* --limit; 0 when not given */
	unsigned offset;         /* --offset */
	bool json;               /* print replies as they came */
	bool queries;            /* stats --queries: what people searched for */
	ns_request_t sreq;       /* search and similar: filters, sort, ... */
} nscli_run_t;

/* An entry of the command table (cli.c), as notmuch's commands[]. */
typedef struct {
	const char *name;
	unsigned min_args, max_args;
	const char *args;        /* what the arguments are, in words, for a
	                            wrong count ("one path, relative to the
	                            articles directory") */
	/* The request line (new), or NULL after saying why on stderr. */
	char *(*request)(nscli_run_t *run, char **args, unsigned nargs);
	/* An {"ok":true} reply LINE: print it unless RUN->json, and return
	 * the exit status, decided from the parsed reply either way. */
	int (*reply)(const nscli_run_t *run, const char *line, size_t len);
	unsigned flags;
} nscli_cmd_t;

enum {
	NSCLI_LONG = 1u << 0,    /* runs as long as it takes, progress bar */
	NSCLI_HIDDEN = 1u << 1,  /* for the completion, not in the usage */
};

/* The commands, by file (each table entry points into one of them). */
char *nscli_search_request(nscli_run_t *run, char **args, unsigned nargs);
char *nscli_similar_request(nscli_run_t *run, char **args, unsigned nargs);
int nscli_results_reply(const nscli_run_t *run, const char *line,
                        size_t len);
char *nscli_get_request(nscli_run_t *run, char **args, unsigned nargs);
int nscli_article_reply(const nscli_run_t *run, const char *line,
                        size_t len);

char *nscli_status_request(nscli_run_t *run, char **args, unsigned nargs);
int nscli_status_reply(const nscli_run_t *run, const char *line, size_t len);
char *nscli_stats_request(nscli_run_t *run, char **args, unsigned nargs);
int nscli_stats_reply(const nscli_run_t *run, const char *line, size_t len);
char *nscli_problems_request(nscli_run_t *run, char **args, unsigned nargs);
int nscli_problems_reply(const nscli_run_t *run, const char *line,
                         size_t len);
char *nscli_wait_request(nscli_run_t *run, char **args, unsigned nargs);
int nscli_wait_reply(const nscli_run_t *run, const char *line, size_t len);

char *nscli_reindex_request(nscli_run_t *run, char **args, unsigned nargs);
char *nscli_compact_request(nscli_run_t *run, char **args, unsigned nargs);
char *nscli_backup_request(nscli_run_t *run, char **args, unsigned nargs);
int nscli_maint_reply(const nscli_run_t *run, const char *line, size_t len);

char *nscli_complete_request(nscli_run_t *run, char **args, unsigned nargs);
int nscli_complete_reply(const nscli_run_t *run, const char *line,
                         size_t len);
/* suggest WORDS...: completions of the last word, and titles; and the
 * bash completion's __complete-word WORD: the words alone, a line each. */
char *nscli_suggest_request(nscli_run_t *run, char **args, unsigned nargs);
int nscli_suggest_reply(const nscli_run_t *run, const char *line, size_t len);
int nscli_complete_word_reply(const nscli_run_t *run, const char *line,
                              size_t len);

/* WORDS joined by single blanks: new (free()), or NULL when out of
 * memory. */
char *nscli_join_words(char **words, unsigned n);

/* Send REQUEST (a reindex, compact or backup) and wait for its reply as
 * long as it takes, drawing progress on a terminal.  The reply line
 * (new, NUL-terminated, *LEN bytes), or NULL after saying why. */
char *nscli_exchange_long(nscli_run_t *run, const char *request,
                          size_t *len);

#endif
