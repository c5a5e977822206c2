/* pathmap.h - a hash table from relative paths to values the caller
 * allocates (one malloc'd block per entry, freed by the map).  Not
 * thread-safe: the owner locks if it shares it. */
#ifndef NS_PATHMAP_H
#define NS_PATHMAP_H

#include <stddef.h>

#include "core/util.h"

typedef struct ns_pathmap ns_pathmap_t;

ns_pathmap_t *ns_pathmap_new(void);
void ns_pathmap_free(ns_pathmap_t *m);   /* frees every value; accepts NULL */

/* The value stored for PATH, or NULL. */
void *ns_pathmap_get(const ns_pathmap_t *m, const char *path);
/* Store VALUE (malloc'd; the map owns it from now on, also on failure)
 * for PATH, freeing the value it replaces. */
ns_status_t ns_pathmap_put(ns_pathmap_t *m, const char *path, void *value);
/* Forget PATH (its value is freed); false when it was not there. */
bool ns_pathmap_del(ns_pathmap_t *m, const char *path);
/* Forget every path under the directory DIR ("DIR/..."); how many. */
size_t ns_pathmap_del_dir(ns_pathmap_t *m, const char *dir);
size_t ns_pathmap_count(const ns_pathmap_t *m);

/* Call EACH for every entry, in no order.  EACH must not change the map. */
void ns_pathmap_each(const ns_pathmap_t *m,
                     void (*each)(const char *path, void *value, void *ctx),
                     void *ctx);

#endif
