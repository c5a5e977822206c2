/* retry.h - files whose read failed for a reason that passes by itself
 * (out of descriptors, out of memory): when each is due to be read again,
 * and how many times it has been tried.  Writer thread only; internal to
 * the daemon. */
#ifndef NS_RETRY_H
#define NS_RETRY_H

#include <stdint.h>

#include "core/util.h"

/* How many reads a file gets before its failure is a problem, and the
 * pause before the second (doubling each time, up to the last). */
#define NS_RETRY_ATTEMPTS 8
#define NS_RETRY_FIRST_MS 250
#define NS_RETRY_MAX_MS 30000

typedef struct ns_retry ns_retry_t;

ns_retry_t *ns_retry_new(void);
void ns_retry_free(ns_retry_t *r);  /* accepts NULL */

/* PATH's read failed again at NOW_MS: returns how many reads have failed
 * (1 for the first), and when it is below NS_RETRY_ATTEMPTS the file is
 * due again *DELAY_MS later.  At NS_RETRY_ATTEMPTS the entry is dropped:
 * the caller gives up.  0 when out of memory (give up at once). */
unsigned ns_retry_failed(ns_retry_t *r, const char *path, int64_t now_ms,
                         unsigned *delay_ms);

/* PATH was read, or is gone: forget it. */
void ns_retry_forget(ns_retry_t *r, const char *path);
/* Every path under DIR ("" for all) is gone. */
void ns_retry_forget_dir(ns_retry_t *r, const char *dir);

/* Append the paths due at NOW_MS to OUT; they are not due again until
 * they fail again. */
void ns_retry_due(ns_retry_t *r, int64_t now_ms, ns_strv_t *out);

/* When the next path is due (Unix ms), or -1 when none is waiting. */
int64_t ns_retry_next(const ns_retry_t *r);

/* Paths waiting for their next read. */
size_t ns_retry_count(const ns_retry_t *r);

#endif
