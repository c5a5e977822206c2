/* errors.h - the daemon's error replies told in the user's words: what
 * went wrong, and what to do about it.  Presentation only: the exit
 * status never depends on these words. */
#ifndef NSCLI_ERRORS_H
#define NSCLI_ERRORS_H

/* What the request that failed asked for, for the hints. */
typedef struct {
	const char *cmd;         /* the command ("search", "compact") */
	unsigned limit;          /* --limit given, or 0 */
	unsigned offset;         /* --offset given, or 0 */
} nscli_asked_t;

/* The error reply's CODE and MESSAGE (either may be NULL) as text for a
 * person, one or more lines each ending in "\n": new (free()), NULL
 * when out of memory. */
char *nscli_error_text(const nscli_asked_t *asked, const char *code,
                       const char *message);

/* A reply that is not WHAT ("a status"): say so; NSCLI_EXIT_ERROR (2). */
int nscli_bad_reply(const char *what);

#endif
