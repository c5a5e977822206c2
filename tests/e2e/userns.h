/* userns.h - the daemon in a user namespace of its own, for tests that
 * need a small kernel limit.  The inotify limits max_inotify_watches and
 * max_inotify_instances are counted and capped per user namespace
 * (user_namespaces(7)), so the root of a new one may lower its own
 * without touching the machine's, and nothing is left behind when it
 * ends.  The namespace is made by unshare(1) and joined by nsenter(1)
 * (util-linux), not by the test itself: unshare(2) and setns(2) refuse a
 * process with threads, and a sanitizer's runtime has some.  In the e2e
 * harness library (userns.c). */
#ifndef NS_E2E_USERNS_H
#define NS_E2E_USERNS_H

#include "harness.h"

/* Can this machine give a process a user namespace with its own watch
 * limit?  If not, say why (the caller skips). */
bool userns_possible(void);

/* Start nsearchd as spawn_daemon() does, as root of a user namespace of
 * its own (unshare --user --map-root-user) whose inotify watch limit is
 * WATCHES.  Check userns_possible() first. */
void spawn_daemon_userns(const char *const *extra, long watches);

/* Set the watch limit of the running daemon's namespace to WATCHES:
 * nsenter joins it (we made it, so we may) and writes its limit there. */
void set_daemon_userns_watches(long watches);

#endif
