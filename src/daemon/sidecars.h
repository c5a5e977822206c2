/* sidecars.h - an article's sidecar metadata, read beneath the articles
 * root: its NAME.meta.json and its folder's metadata.tsv (parse/article.h
 * says what they are and parses them).  The folders' tables are kept
 * parsed, within a memory budget, and checked against their stat at each
 * use.  Any thread; the cache has its own lock.  Nothing here follows a
 * link, reads past a cap, writes, or logs. */
#ifndef NS_SIDECARS_H
#define NS_SIDECARS_H

#include <stdint.h>

#include "parse/article.h"

/* Fingerprints of an article's sidecars (what their stat says, for the
 * writer's memory of each file, filemeta.c): none at all, and "read so
 * soon after a change that the stat cannot vouch for it" (read again at
 * the next scan).  Any other value is a hash of the stat. */
#define NS_SIDECARS_NONE 0
#define NS_SIDECARS_RACY 1

typedef struct ns_sidecars ns_sidecars_t;

/* A new cache of the folders' tables, each read only when at most
 * TSV_MAX bytes (the articles' limit, --max-file-size).  NULL when out
 * of memory.  Free with ns_sidecars_free (accepts NULL). */
ns_sidecars_t *ns_sidecars_new(size_t tsv_max);
void ns_sidecars_free(ns_sidecars_t *sc);

/* The metadata.tsv of the folder RELDIR ("" for the root) changed: it is
 * read again at its next use, whatever its stat says. */
void ns_sidecars_forget(ns_sidecars_t *sc, const char *reldir);

/* What an article's sidecars gave. */
typedef struct {
	char *json;            /* the .meta.json's bytes, or NULL */
	size_t json_len;
	char *header, *row;    /* the table's header and the article's row
	                          (text), or NULL */
	ns_strv_t problems;    /* sidecars that could not be read, and why */
	uint64_t fingerprint;  /* NS_SIDECARS_NONE, _RACY, or a hash */
	uint64_t digest;       /* of all the above but the fingerprint; 0
	                          when they gave nothing */
} ns_sidecar_read_t;

/* Read the sidecars of the article RELPATH beneath ROOTFD into *OUT
 * (zeroed first; ns_sidecar_read_clear).  READ_NS is the wall clock of
 * the read, in nanoseconds.  NS_OK (what could not be read is in
 * OUT->problems), NS_ERR_NOMEM. */
ns_status_t ns_sidecars_read(ns_sidecars_t *sc, int rootfd,
                             const char *relpath, int64_t read_ns,
                             ns_sidecar_read_t *out);
void ns_sidecar_read_clear(ns_sidecar_read_t *r);

/* The hash of an article's content: its bytes' (BYTES_HASH), and what its
 * sidecars gave.  BYTES_HASH itself when they gave nothing, so that an
 * article without sidecars keeps the hash it always had. */
uint64_t ns_sidecars_hash(const ns_sidecar_read_t *r, uint64_t bytes_hash);

/* Lay what R gave over A (the article RELPATH): what could not be read
 * as warnings, then the table's row, then the .meta.json, which wins.
 * NS_OK, NS_ERR_NOMEM. */
ns_status_t ns_sidecars_apply(const ns_sidecar_read_t *r, ns_article_t *a,
                              const char *relpath);

/* The fingerprint of the sidecars of RELPATH as their lstat says now, as
 * ns_sidecars_read() would give it (but never NS_SIDECARS_RACY): what a
 * scan compares with what the index knows.  The writer thread's only: a
 * folder's table is stat'ed once for all its articles in scan generation
 * GEN (not 0), since a change to it while the scan runs comes as an
 * event of its own, which reads them again. */
uint64_t ns_sidecars_fingerprint(ns_sidecars_t *sc, int rootfd,
                                 const char *relpath, uint64_t gen);

#endif
