/* replica.h - a read-only copy of a primary's index, kept level by
 * Xapian's own replication ([replica] primary, docs/scaling.md): every
 * interval a round of xapian-replicate (one-shot) asks the primary's
 * xapian-replicate-server for the changesets committed since the copy's
 * revision, or for a whole copy when it has none (or lags beyond the
 * changesets kept).  It knows how far behind the copy may be and whether
 * the primary answers; the copy stays searchable whatever the primary
 * does.  Loop thread, but where it says otherwise. */
#ifndef NS_REPLICA_H
#define NS_REPLICA_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/proto_replica.h"
#include "daemon/query.h"

typedef struct {
	const char *primary;      /* "HOST:PORT" of the primary's replication */
	const char *index_dir;    /* the copy: a directory Xapian's replica
	                             keeps (a stub database, replica_0 or _1) */
	unsigned interval_ms;     /* between rounds */
	unsigned max_lag_s;       /* not ready when further behind */
	ns_searcher_t *searcher;  /* borrowed: after a whole new copy its
	                             readers are dropped (they read the old) */
	/* After each round (loop thread): the copy may be newer. */
	void (*on_round)(void *ctx);
	void *ctx;
} ns_replica_opts_t;

typedef struct ns_replica ns_replica_t;

/* Follow the primary: the first round now.  NS_ERR_INVALID with *WHY
 * (new, free()) when xapian-replicate is not installed, the address is
 * not HOST:PORT, or INDEX_DIR holds a database of its own (a primary's
 * index, which a replica must never overwrite). */
ns_status_t ns_replica_start(uv_loop_t *loop, const ns_replica_opts_t *o,
                             ns_replica_t **out, char **why);

/* A request waits for a revision the copy lacks: ask the primary now,
 * not at the next interval. */
void ns_replica_poke(ns_replica_t *r);

/* The copy's revision (0: none yet).  Any thread. */
uint64_t ns_replica_revision(const ns_replica_t *r);

/* Is it ready: a copy, no further behind than max_lag?  When not, WHY
 * (SIZE bytes, may be NULL) says so. */
bool ns_replica_ready(const ns_replica_t *r, char *why, size_t size);

void ns_replica_status(const ns_replica_t *r, ns_replication_status_t *out);

/* Stop following (a round under way is ended); R goes once its child
 * and its work are done (run the loop).  Accepts NULL. */
void ns_replica_close(ns_replica_t *r);

#endif
