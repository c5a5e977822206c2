/* readers.h - the pool of Xapian readers behind the searcher (query.h):
 * a search borrows one at a time, brought to the latest revision, and
 * gives it back; a swap of the index's files waits until none is lent.
 * Knows nothing of queries: what a new reader needs is the caller's
 * SETUP.  Any thread but the loop's (a borrow may open the index). */
#ifndef NS_READERS_H
#define NS_READERS_H

#include <stdbool.h>

#include "core/util.h"
#include "nsx.h"

typedef struct ns_readers ns_readers_t;

/* Readers over the index at INDEX_DIR, opened lazily; each new one is
 * passed to SETUP (its failure fails the borrow).  *OUT is new
 * (ns_readers_free). */
ns_status_t ns_readers_new(const char *index_dir,
                           nsx_status_t (*setup)(nsx_reader_t *r),
                           ns_readers_t **out);
/* The most shards a front may have. */
#define NS_MAX_SHARDS 64

typedef struct ns_shardset ns_shardset_t;

/* Readers over the shards of SET (borrowed, outliving the pool), each
 * with a connection to every shard that answers: a borrow follows what
 * the other readers found (a shard down, or back), and fails
 * NS_ERR_UNAVAILABLE when no shard answers. */
ns_status_t ns_readers_new_shards(ns_shardset_t *set,
                                  nsx_status_t (*setup)(nsx_reader_t *r),
                                  ns_readers_t **out);
/* Accepts NULL.  No reader may be lent. */
void ns_readers_free(ns_readers_t *p);

/* A reader at the latest committed revision into *OUT, lent to the
 * caller until ns_readers_give_back() or ns_readers_failed(), on every
 * path.  NS_ERR_NOMEM, or NS_ERR_INDEX with *ERRMSG (new, if ERRMSG and
 * not set yet). */
ns_status_t ns_readers_borrow(ns_readers_t *p, nsx_reader_t **out,
                              char **errmsg);
void ns_readers_give_back(ns_readers_t *p, nsx_reader_t *r);
/* A call on the lent R failed with XST: its status, with R's message in
 * *ERRMSG (as above).  R goes back to the pool if the failure was the
 * request's (a bad query, a timeout, not found), else it is closed: a
 * reader that failed for any other reason may be broken. */
ns_status_t ns_readers_failed(ns_readers_t *p, nsx_reader_t *r,
                              nsx_status_t xst, char **errmsg);

/* A call on the lent R, a reader over shards, failed NSX_NETWORK: find
 * which shards answer (a fresh connection to each, within the shards'
 * timeout) and read from those.  True when some do: the call may be
 * tried again on R. */
bool ns_readers_recover(ns_readers_t *p, nsx_reader_t *r);

/* Call FN(ARG) once no reader is lent, with new borrows waiting; then
 * close the idle readers, which have the old files open.  Readers lent
 * before it and given back after are closed too. */
void ns_readers_exclusive(ns_readers_t *p, void (*fn)(void *arg),
                          void *arg);

#endif
