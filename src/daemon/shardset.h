/* shardset.h - the shards a front searches (docs/scaling.md): their
 * specs, which of them answer as far as the readers found, and the
 * figures of status.  Every reader of the pool reports what it found
 * here and follows what the others found, so that one dead shard costs
 * one timeout, not one per reader.  Thread-safe (one mutex). */
#ifndef NS_SHARDSET_H
#define NS_SHARDSET_H

#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "nsx.h"

typedef struct ns_shardset ns_shardset_t;

typedef struct {
	size_t total;     /* shards configured */
	size_t down;      /* not answering now */
	uint64_t losses;  /* times a shard stopped answering, since start */
	uint64_t partial; /* searches answered without some shard */
} ns_shard_figures_t;

/* The N shards SPECS (paths or HOST:PORT, copied), each exchange with
 * one given TIMEOUT_MS; all thought up.  *OUT is new (ns_shardset_free). */
ns_status_t ns_shardset_new(char *const *specs, size_t n, unsigned timeout_ms,
                            ns_shardset_t **out);
/* Accepts NULL. */
void ns_shardset_free(ns_shardset_t *s);

size_t ns_shardset_count(const ns_shardset_t *s);
/* The specs, borrowed for S's life. */
const char *const *ns_shardset_specs(const ns_shardset_t *s);
unsigned ns_shardset_timeout(const ns_shardset_t *s);

/* Which shards are up, one flag each into WANT (count bytes); the
 * generation of that knowledge, which every change bumps. */
uint64_t ns_shardset_want(ns_shardset_t *s, unsigned char *want);
/* What reader R found of each shard: a shard it has down that was up
 * is down (logged once, counted), one it has up that was down is back
 * (logged).  The generation after it. */
uint64_t ns_shardset_note(ns_shardset_t *s, const nsx_reader_t *r);
/* A search was answered by ANSWERED of the shards: counted when not all. */
void ns_shardset_answered(ns_shardset_t *s, size_t answered);
/* Try every shard that is down, all at once (a fresh connection each,
 * on a thread each, within the timeout; any thread but the loop's):
 * those that answer are up again.  How many are still down. */
size_t ns_shardset_probe_down(ns_shardset_t *s);
void ns_shardset_figures(ns_shardset_t *s, ns_shard_figures_t *out);

#endif
