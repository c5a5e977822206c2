/* userns.c - the daemon in a user namespace of its own (userns.h). */
#include "userns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The namespace's own watch limit: only ever written inside a namespace
 * made for the daemon by unshare below, never the machine's. */
#define USERNS_MAX_WATCHES "/proc/sys/user/max_inotify_watches" /* unshare */

/* Can this machine give a process a user namespace with its own watch
 * limit?  If not, say why (the caller skips). */
bool userns_possible(void)
{
	int rc = system("unshare --user --map-root-user sh -c 'echo 1 > "
	                USERNS_MAX_WATCHES "' 2>&1");
	if (rc != 0)
		fprintf(stderr, "no user namespace with its own inotify limits "
		        "here (unshare --user --map-root-user, from util-linux, "
		        "failed): skipped\n");
	return rc == 0;
}

/* Start nsearchd as spawn_daemon() does, as root of a user namespace of
 * its own (unshare --user --map-root-user) whose inotify watch limit is
 * WATCHES.  Check userns_possible() first. */
void spawn_daemon_userns(const char *const *extra, long watches)
{
	char limit[24];
	snprintf(limit, sizeof limit, "%ld", watches);
	/* sh sets the limit, then becomes the daemon: e2e_pid() stays its pid. */
	const char *const wrapper[] = {
		"unshare", "--user", "--map-root-user", "--", "sh", "-c",
		"echo \"$0\" > " USERNS_MAX_WATCHES " && exec \"$@\"", limit, NULL,
	};
	int err = spawn_daemon_wrapped(wrapper, extra);
	if (err)
		fail_msg("cannot run unshare: %s", strerror(err));
}

/* Set the watch limit of the running daemon's namespace to WATCHES:
 * nsenter joins it (we made it, so we may) and writes its limit there. */
void set_daemon_userns_watches(long watches)
{
	char cmd[160];
	snprintf(cmd, sizeof cmd, "nsenter --user --target %d sh -c 'echo %ld "
	         "> " USERNS_MAX_WATCHES "'", (int)e2e_pid(), watches);
	if (system(cmd) != 0)
		fail_msg("cannot set the watch limit in the daemon's namespace "
		         "(%s)", cmd);
}
