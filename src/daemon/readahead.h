/* readahead.h - the readers-ahead: threads that read the files the writer
 * hands them (read, hash, parse, build the document) while the writer adds
 * the ones before to the index.  The writer takes them back in the order
 * it handed them over.  An object with its own lock; its threads never
 * touch the index or the writer's state.  Internal to the writer. */
#ifndef NS_READAHEAD_H
#define NS_READAHEAD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

struct prep;  /* a file to read, and what reading it gave (index_impl.h) */

typedef struct readahead readahead_t;

/* The most files handed over and not taken back before the writer waits
 * for the first. */
#define READAHEAD_WINDOW 64

/* Start the readers: one thread per processor, up to 8, each calling
 * READ(CTX, P) for the files handed over, on its own thread.  Without any
 * thread (none could be made) the writer reads each file itself when it
 * hands it over.  *OUT is new (stop with readahead_stop).  NS_OK,
 * NS_ERR_NOMEM. */
ns_status_t readahead_start(void (*read)(void *ctx, struct prep *p),
                            void *ctx, readahead_t **out);

/* Join the threads and free RA.  The writer has taken back every file it
 * handed over.  Accepts NULL. */
void readahead_stop(readahead_t *ra);

/* Writer thread: hand P over to be read; RA holds it until
 * readahead_take returns it. */
void readahead_submit(readahead_t *ra, struct prep *p);

/* Writer thread: the next file handed over, once read, in the order they
 * were handed over; NULL when there is none.  ALL: wait for it to be read;
 * else wait only while READAHEAD_WINDOW files are out, and NULL when the
 * next is not read yet. */
struct prep *readahead_take(readahead_t *ra, bool all);

/* Writer thread: files handed over and not yet taken back. */
size_t readahead_inflight(const readahead_t *ra);

#endif
