/* fault.c - helpers for the daemon's answers to faults: backoff, which
 * errors pass by themselves, a damaged index moved aside, the limit on
 * open files.  No thread of its own, no state. */
#include "daemon/fault.h"

#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

unsigned ns_backoff_ms(unsigned attempt, unsigned first_ms, unsigned max_ms)
{
	uint64_t ms = first_ms;
	for (unsigned i = 1; i < attempt && ms < max_ms; i++)
		ms *= 2;
	return ms > max_ms ? max_ms : (unsigned)ms;
}

bool ns_errno_transient(int err)
{
	switch (err) {
	case EMFILE: case ENFILE: case ENOMEM: case EAGAIN: case EINTR:
	case ENOBUFS:
		return true;
	default:
		return false;
	}
}

ns_status_t ns_index_move_aside(const char *dir, char *moved_to, size_t size)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	if (!gmtime_r(&now, &tm) ||
	    !strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm))
		snprintf(stamp, sizeof stamp, "%lld", (long long)now);
	/* Two in the same second (a rebuild that is damaged again): add a
	 * number rather than overwrite the first. */
	for (unsigned n = 0; n < 1000; n++) {
		int len = n ? snprintf(moved_to, size, "%s.corrupt-%s.%u", dir,
		                       stamp, n)
		            : snprintf(moved_to, size, "%s.corrupt-%s", dir, stamp);
		if (len < 0 || (size_t)len >= size)
			return NS_ERR_TOO_LARGE;
		struct stat st;
		if (lstat(moved_to, &st) == 0)
			continue;
		return rename(dir, moved_to) == 0 ? NS_OK : NS_ERR_IO;
	}
	errno = EEXIST;
	return NS_ERR_IO;
}

ns_status_t ns_raise_nofile(uint64_t *now)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return NS_ERR_IO;
	ns_status_t st = NS_OK;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = {rl.rlim_max, rl.rlim_max};
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl.rlim_cur = rl.rlim_max;
		else
			st = NS_ERR_IO;
	}
	if (now)
		*now = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX
		                                    : (uint64_t)rl.rlim_cur;
	return st;
}

unsigned ns_connections_for_nofile(uint64_t nofile, unsigned reserve)
{
	if (nofile <= reserve)
		return 0;
	uint64_t n = nofile - reserve;
	return n > 0xffffffffu ? 0xffffffffu : (unsigned)n;
}
