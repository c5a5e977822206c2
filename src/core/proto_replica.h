/* proto_replica.h - the wire's side of replication (docs/scaling.md): a
 * request's "min_revision" error (read your writes across a primary and
 * its replicas), the "replication" object of a status reply, the replica's
 * lag in every search reply, and the errors only a replica gives.  No
 * replication protocol of our own: Xapian's tools carry the index. */
#ifndef NS_PROTO_REPLICA_H
#define NS_PROTO_REPLICA_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/proto.h"

/* A request with min_revision that the index did not reach in time. */
#define NS_E_STALE "STALE"
/* A write (wait, reindex, compact, backup, publishing) sent to a
 * replica: the message names its primary. */
#define NS_E_READ_ONLY_REPLICA "READ_ONLY_REPLICA"
/* The same sent to a front over shards, or a request with min_revision
 * (a front has no revision of its own): the message says where to go. */
#define NS_E_READ_ONLY_FRONT "READ_ONLY_FRONT"

typedef enum {
	NS_REPL_NONE = 0,        /* neither serves nor follows */
	NS_REPL_PRIMARY,         /* serves its index to replicas */
	NS_REPL_REPLICA,         /* follows a primary, read-only */
} ns_repl_role_t;

/* What a daemon says of its part in replication. */
typedef struct {
	ns_repl_role_t role;
	char address[280];       /* a primary: where it serves; a replica:
	                            its primary's replication address */
	/* a primary */
	bool serving;            /* xapian-replicate-server is running */
	unsigned changesets;     /* commits kept for replicas to catch up */
	uint64_t restarts;       /* times the server had to be started again */
	/* a replica */
	bool synced;             /* it holds a copy */
	bool connected;          /* its last round reached the primary */
	uint64_t revision;       /* of the copy */
	uint64_t documents;
	uint64_t behind_revisions; /* how far behind the last round found it */
	double behind_s;         /* since the start of the last round that
	                            brought it level: the most it may lack */
	unsigned max_lag_s;      /* not ready beyond it */
	double unreachable_s;    /* since its rounds began to fail (0: the
	                            last one worked) */
	uint64_t rounds, failures, full_copies;
	char error[300];         /* why the last round failed ("" if it did
	                            not) */
} ns_replication_status_t;

/* Is the replica REP ready: a copy, no further behind than its max_lag?
 * When not, WHY (SIZE bytes, may be NULL) says why. */
bool ns_replica_status_ready(const ns_replication_status_t *rep, char *why,
                             size_t size);

/* The "replication" object of a status reply (new reference; NULL when
 * ST's role is NS_REPL_NONE or out of memory). */
json_t *ns_proto_replication_json(const ns_replication_status_t *st);

/* LINE, a reply object ending in "\n" (freed here), with "KEY":VALUE
 * (stolen) first: a new line.  LINE as it was when either is missing or
 * memory runs out. */
char *ns_proto_splice(char *line, const char *key, json_t *value);

/* A search reply LINE (freed here) with what every one says first:
 * "ready" and, on a replica (REP not NULL, its role NS_REPL_REPLICA), its
 * lag as "replica".  A new line, or LINE as it was. */
char *ns_proto_search_meta(char *line, bool ready,
                           const ns_replication_status_t *rep);

/* The "replication" object of a status reply LINE into *OUT; false when
 * it has none. */
bool ns_proto_parse_replication(const char *line, size_t len,
                                ns_replication_status_t *out);

#endif
