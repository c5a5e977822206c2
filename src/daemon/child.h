/* child.h - programs the daemon runs beside itself (Xapian's replication
 * tools: xapian-replicate-server on a primary, xapian-replicate on a
 * replica): started with fork and exec, their output read line by line,
 * their end reported on the loop.  A child dies with the daemon however
 * the daemon dies (PR_SET_PDEATHSIG), so a killed daemon never leaves a
 * server holding its port.  Loop thread only; never runs a shell. */
#ifndef NS_CHILD_H
#define NS_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <uv.h>

#include "core/util.h"

typedef struct ns_child ns_child_t;

/* What to do with a child's output and end. */
typedef struct {
	/* Each line it writes to stdout or stderr is logged at PRIO under
	 * MODULE, after the program's name ("xapian-replicate: ..."); a line
	 * over 1 KiB is cut into pieces. */
	const char *module;
	int prio;
	/* Also called with each line (borrowed for the call); may be NULL. */
	void (*line)(void *ctx, const char *line);
	/* Called once the child has exited and its output is read: STATUS
	 * is its exit status, or 128 + the signal that ended it; LAST its
	 * last line of output ("" for none), borrowed for the call, which
	 * says why it failed.  The child is freed when this returns: forget
	 * it. */
	void (*done)(void *ctx, ns_child_t *ch, int status, const char *last);
	void *ctx;
} ns_child_opts_t;

/* The absolute path of the program NAME in $PATH into OUT (SIZE bytes);
 * false when there is none (or it is not executable). */
bool ns_child_find(const char *name, char *out, size_t size);

/* Run ARGV[0] (an absolute path) with ARGV (NULL-terminated), stdin on
 * /dev/null, its output and end as O (copied) says.  *OUT is the child
 * until O->done is called.  NS_ERR_IO with errno set when it cannot be
 * started (then no callback is called). */
ns_status_t ns_child_spawn(uv_loop_t *loop, char *const *argv,
                           const ns_child_opts_t *o, ns_child_t **out);

/* Send SIG to the child if it still runs. */
void ns_child_kill(ns_child_t *ch, int sig);

pid_t ns_child_pid(const ns_child_t *ch);

#endif
