/* shard_tools.h - an index cut into shards by top-level folder, and
 * shards merged back into one (nsearchd --split-index, --merge-shards;
 * docs/operations.md).  Run offline: never beside a writer on the same
 * index, never over an existing database. */
#ifndef NS_SHARD_TOOLS_H
#define NS_SHARD_TOOLS_H

#define NS_SHARDS_MAX 64

#include <stddef.h>
#include <stdio.h>

#include "core/util.h"

/* Split the index at INDEX_DIR into N shards DIR/shard-1 .. DIR/shard-N
 * (DIR made if missing): every top-level folder of the articles whole
 * in one shard, the folders dealt in name order each to the shard with
 * the fewest articles so far.  Says which folders went where on OUT.
 * *ERR (new, free()) on failure. */
ns_status_t ns_shards_split(const char *index_dir, unsigned n, const char *dir,
                            FILE *out, char **err);

/* Merge the N shards SRCS into a new index at DEST.  *ERR as above. */
ns_status_t ns_shards_merge(const char *dest, char *const *srcs, size_t n,
                            char **err);

#endif
