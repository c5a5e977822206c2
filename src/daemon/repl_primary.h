/* repl_primary.h - a primary's side of replication ([replication] listen,
 * docs/scaling.md): Xapian's xapian-replicate-server run beside the
 * daemon, serving the index, and only it, under the name "index"; the
 * writer keeps changesets for it.  The server has no authentication:
 * the address must be a private one.  Loop thread only. */
#ifndef NS_REPL_PRIMARY_H
#define NS_REPL_PRIMARY_H

#include <sys/types.h>
#include <uv.h>

#include "core/proto_replica.h"
#include "core/util.h"

/* The name replicas ask the server for (xapian-replicate -m). */
#define NS_REPL_DB_NAME "index"

typedef struct ns_repl_primary ns_repl_primary_t;

/* Make every commit from now on keep a changeset, and the last N of
 * them (XAPIAN_MAX_CHANGESETS, which Xapian reads at each commit).
 * Call before any thread starts: it sets the environment. */
ns_status_t ns_repl_keep_changesets(unsigned n);

/* Serve INDEX (an absolute path) on LISTEN ("HOST:PORT", "[V6]:PORT"):
 * a directory beside it, INDEX.replication, holds a stub database named
 * NS_REPL_DB_NAME that leads to it, and the server serves that
 * directory.  A server that exits is started again, after 1 s, then
 * longer (up to 30 s) while it keeps failing.  The server's process
 * group goes into *GROUP (atomically, 0 while there is none), which the
 * caller keeps for ns_repl_hold() until its writer has stopped.
 * NS_ERR_INVALID with *WHY (new, free()) when the server is not
 * installed or the directory cannot be made. */
ns_status_t ns_repl_primary_start(uv_loop_t *loop, const char *listen,
                                  const char *index, unsigned changesets,
                                  pid_t *group, ns_repl_primary_t **out,
                                  char **why);

/* Writer thread, around each commit: hold the server and the processes it
 * forked still (HOLD true: SIGSTOP to the process group in *GROUP), then
 * let them go on (false: SIGCONT).  Xapian 1.4 makes a commit's revision
 * visible before it writes that commit's changeset, and a replica asking
 * in between would be sent a whole copy of the index instead. */
void ns_repl_hold(const pid_t *group, bool hold);

/* What it says in status (the role, the address, whether it serves). */
void ns_repl_primary_status(const ns_repl_primary_t *p,
                            ns_replication_status_t *out);

/* Stop the server; P goes once it has exited (run the loop).  Accepts
 * NULL. */
void ns_repl_primary_close(ns_repl_primary_t *p);

/* "HOST:PORT" or "[V6]:PORT" into HOST (brackets dropped) and PORT;
 * false when ADDR is neither.  For the children's command lines. */
bool ns_repl_split_addr(const char *addr, char *host, size_t host_size,
                        char *port, size_t port_size);

#endif
