/* log.c - the one place that writes log lines.  A whole line goes out in a
 * single write so that threads never interleave within a line. */
#include "core/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ns_log_level = NS_LOG_INFO;

static const char *const level_names[] = {
	[NS_LOG_ERR] = "err", [NS_LOG_WARNING] = "warning",
	[NS_LOG_NOTICE] = "notice", [NS_LOG_INFO] = "info",
	[NS_LOG_DEBUG] = "debug",
};

int ns_log_level_parse(const char *name)
{
	for (int i = NS_LOG_ERR; i <= NS_LOG_DEBUG; i++)
		if (name && strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

/* Does stderr go to the journal?  systemd sets $JOURNAL_STREAM to the
 * "device:inode" of the stream it connected to stderr; a stderr sent
 * elsewhere since (a shell redirection) is another file, and gets plain
 * lines.  Asked once: every thread would find the same answer. */
static bool to_journal(void)
{
	static int known = -1;
	int yes = __atomic_load_n(&known, __ATOMIC_RELAXED);
	if (yes >= 0)
		return yes;
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	yes = env && sscanf(env, "%llu:%llu", &dev, &ino) == 2 &&
	      fstat(STDERR_FILENO, &st) == 0 &&
	      (unsigned long long)st.st_dev == dev &&
	      (unsigned long long)st.st_ino == ino;
	__atomic_store_n(&known, yes, __ATOMIC_RELAXED);
	return yes;
}

void ns_log_write(int prio, const char *module, const char *fmt, ...)
{
	char line[2048];
	int n;
	if (prio < NS_LOG_ERR)
		prio = NS_LOG_ERR;
	if (prio > NS_LOG_DEBUG)
		prio = NS_LOG_DEBUG;
	if (to_journal())
		n = snprintf(line, sizeof line, "<%d>%s: ", prio, module);
	else
		n = snprintf(line, sizeof line, "nsearchd: %s: %s: ",
		             level_names[prio], module);
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n;
	if (m > 0)
		len += (size_t)m < sizeof line - (size_t)n - 1
		       ? (size_t)m : sizeof line - (size_t)n - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}
