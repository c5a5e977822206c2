/* race_mkdir.c - an LD_PRELOAD module for test_start.c: another process
 * that wins a race for a directory.  The first mkdir() of $NS_RACE_DIR runs
 * the shell command $NS_RACE_CMD before it ($NS_RACE_AFTER set: after it,
 * once it made the directory).  It changes nothing else. */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The command, its environment without this module, so that its own
 * mkdir calls are the real ones. */
static void run_race(const char *cmd)
{
	char *copy = strdup(cmd);
	unsetenv("NS_RACE_DIR");
	unsetenv("LD_PRELOAD");
	if (copy && system(copy) != 0)
		abort(); /* the test's scene was not set: fail loudly */
	free(copy);
}

int mkdir(const char *path, mode_t mode)
{
	int (*real)(const char *, mode_t) =
		(int (*)(const char *, mode_t))dlsym(RTLD_NEXT, "mkdir");
	const char *dir = getenv("NS_RACE_DIR"), *cmd = getenv("NS_RACE_CMD");
	bool race = dir && cmd && strcmp(path, dir) == 0;
	bool after = getenv("NS_RACE_AFTER") != NULL;
	if (race && !after)
		run_race(cmd);
	int rc = real(path, mode);
	int err = errno;
	if (race && after)
		run_race(cmd);
	errno = err;
	return rc;
}
