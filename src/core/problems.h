/* problems.h - the files that are not in the index as they are on disk:
 * skipped outright (binary, too big, unreadable, not an article) or
 * indexed in part (a bad date, broken front matter).  One entry per path,
 * replaced when the file changes, dropped when it is indexed cleanly or
 * goes away.  Thread-safe: the writer fills it, the socket reads it. */
#ifndef NS_PROBLEMS_H
#define NS_PROBLEMS_H

#include <stdint.h>

#include "core/util.h"

typedef struct ns_problems ns_problems_t;

typedef struct {
	char *path;        /* relative to the articles root */
	bool partial;      /* indexed without the parts REASON names */
	char *reason;
	int64_t when;      /* Unix time, seconds */
} ns_problem_t;

ns_problems_t *ns_problems_new(void);
void ns_problems_free(ns_problems_t *p);   /* accepts NULL */

/* Record (or replace) PATH's problem.  A failure to allocate is dropped:
 * the problem is still logged by the caller. */
void ns_problems_set(ns_problems_t *p, const char *path, bool partial,
                     const char *reason);
/* PATH is fine now, or gone. */
void ns_problems_clear(ns_problems_t *p, const char *path);
/* Every path under the directory DIR is gone. */
void ns_problems_clear_dir(ns_problems_t *p, const char *dir);

/* Is PATH listed?  Then *PARTIAL and its reason (into REASON, SIZE bytes,
 * cut) are set. */
bool ns_problems_get(ns_problems_t *p, const char *path, bool *partial,
                     char *reason, size_t size);

/* Append the listed paths under the directory DIR ("" for all) to OUT. */
void ns_problems_paths(ns_problems_t *p, const char *dir, ns_strv_t *out);

void ns_problems_counts(ns_problems_t *p, uint64_t *skipped,
                        uint64_t *partial);

/* A copy of the newest problems, newest first, from OFFSET on, at most
 * LIMIT of them: *OUT (free with ns_problems_list_free) and its length. */
ns_status_t ns_problems_list(ns_problems_t *p, size_t offset, size_t limit,
                             ns_problem_t **out, size_t *n);
void ns_problems_list_free(ns_problem_t *v, size_t n);

#endif
