/* synonyms.h - query-time synonyms: groups of words or phrases that mean
 * the same ("kyiv, kiev"; "us, usa, united states").  A query naming one
 * member searches for any of them.  The documents are not changed, so a
 * new synonyms file takes effect on the next search, with no reindexing.
 *
 * The file has one group per line, members separated by commas; blank
 * lines and lines starting with '#' are ignored.  docs/query-syntax.md
 * describes it.  A loaded set is immutable and may be shared by threads;
 * its lifetime is counted (ns_synonyms_ref). */
#ifndef NS_SYNONYMS_H
#define NS_SYNONYMS_H

#include "core/util.h"

typedef struct ns_synonyms ns_synonyms_t;

/* The most words in one member, and members in one group. */
#define NS_SYNONYM_MAX_WORDS   4
#define NS_SYNONYM_MAX_MEMBERS 32

/* Read the groups of the file at PATH.  On NS_ERR_FORMAT or NS_ERR_IO,
 * *ERRMSG (a new string) names the line and the problem. */
ns_status_t ns_synonyms_load(const char *path, ns_synonyms_t **out,
                             char **errmsg);
/* The same from LEN bytes of TEXT (NAME only labels the messages). */
ns_status_t ns_synonyms_parse(const char *name, const char *text, size_t len,
                              ns_synonyms_t **out, char **errmsg);
/* Another reference to S (a search holds one while it expands, so that
 * a reload may swap the set meanwhile); ns_synonyms_free() drops one and
 * frees the set with the last.  Both accept NULL. */
ns_synonyms_t *ns_synonyms_ref(ns_synonyms_t *s);
void ns_synonyms_free(ns_synonyms_t *s);
/* How many groups were read. */
size_t ns_synonyms_count(const ns_synonyms_t *s);

/* Q with every member of a group that appears in it as plain words
 * replaced by the whole group, "(us OR usa OR \"united states\")".  Words
 * inside quotes, after a field prefix, marked + or -, or ending in a
 * wildcard are left as typed.  *OUT is new (free()); it is NULL when
 * nothing was replaced. */
ns_status_t ns_synonyms_expand(const ns_synonyms_t *s, const char *q,
                               char **out);

#endif
