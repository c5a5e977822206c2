/* fault.h - what the daemon does when the world fails under it: a disk
 * that fills or turns read-only, an index found damaged, a read that
 * fails for want of descriptors or memory.  Small pure helpers the writer
 * and main share; the policy lives with them (docs/operations.md,
 * "Faults"). */
#ifndef NS_FAULT_H
#define NS_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"

/* The writer's health, as status shows it. */
typedef struct {
	bool writable;          /* false: the last commit (or open) failed */
	char error[300];        /* why not, "" when writable */
	int64_t since;          /* Unix ms it stopped being writable */
	unsigned retries;       /* attempts to write again since then */
	int64_t next_retry;     /* Unix ms of the next attempt */
	uint64_t unwritten;     /* changes to apply again when it can */
	uint64_t rebuilds;      /* damaged indexes moved aside since start */
	char rebuild_reason[300];
	char moved_to[1024];    /* where the last damaged index went */
	int64_t rebuilt_at;     /* Unix ms (0: never since start) */
	uint64_t read_retries;  /* files whose read waits for a retry */
} ns_index_health_t;

/* Attempt N (from 1) of something that failed: how long to wait before
 * it, FIRST_MS doubling up to MAX_MS. */
unsigned ns_backoff_ms(unsigned attempt, unsigned first_ms, unsigned max_ms);

/* Is ERR a failure that passes by itself (EMFILE, ENFILE, ENOMEM, EAGAIN,
 * EINTR, ENOBUFS), so that the same read may work a moment later? */
bool ns_errno_transient(int err);

/* Move the damaged index at DIR aside to DIR.corrupt-<UTC time> (a
 * number added if that exists), never deleting it.  The new name into
 * MOVED_TO (SIZE bytes).  NS_ERR_IO with errno when rename fails. */
ns_status_t ns_index_move_aside(const char *dir, char *moved_to, size_t size);

/* Raise the soft limit on open files to the hard limit; *NOW gets the
 * limit in force after (it may stay lower when raising fails). */
ns_status_t ns_raise_nofile(uint64_t *now);

/* The most connections NOFILE descriptors allow, keeping RESERVE of them
 * for the index, the articles read and the loop: 0 if none. */
unsigned ns_connections_for_nofile(uint64_t nofile, unsigned reserve);

#endif
