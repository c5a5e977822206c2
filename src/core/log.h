/* log.h - one line per event on stderr: "<prio>module: what: why".
 * When stderr is the journal's stream ($JOURNAL_STREAM names it) the line
 * starts with the sd-daemon(3) priority prefix the journal reads;
 * otherwise with "nsearchd: LEVEL: ".  Whatever the values, a line is one
 * line: control characters, backslashes and bytes that are not UTF-8 are
 * escaped (\n, \\, \x1b), so a path or a query cannot forge another. */
#ifndef NS_LOG_H
#define NS_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

enum {
	NS_LOG_ERR = 3,
	NS_LOG_WARNING = 4,
	NS_LOG_NOTICE = 5,
	NS_LOG_INFO = 6,
	NS_LOG_DEBUG = 7,
};

/* The level lines are written at, NS_LOG_INFO until set.  The loop sets
 * it (at start, on SIGHUP) while every other thread reads it before it
 * formats a line: atomic, so that a reload never races a writer.  Set it
 * with ns_log_set_level(); a plain assignment is atomic too (sequentially
 * consistent, more than is needed). */
extern _Atomic int ns_log_level;

/* LEVEL is one of NS_LOG_*. */
void ns_log_set_level(int level);

/* Would a line of PRIO go out now?  The level is independent of any other
 * data, so a relaxed load is enough. */
static inline bool ns_log_enabled(int prio)
{
	return prio <= atomic_load_explicit(&ns_log_level, memory_order_relaxed);
}

/* Parse "err", "warning", "notice", "info", "debug"; -1 if unknown. */
int ns_log_level_parse(const char *name);
/* The name of LEVEL (static), NULL if it is none. */
const char *ns_log_level_name(int level);

/* Does stderr go to the journal ($JOURNAL_STREAM names it)?  Then a
 * module with fields of its own may send them there (sd_journal_send). */
bool ns_log_to_journal(void);

void ns_log_write(int prio, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* IN (LEN bytes) into OUT (SIZE bytes, NUL-terminated) as it appears in
 * a log line: "\n", "\r", "\t", "\\", and "\xNN" for other control
 * characters and for bytes that are not (printable) UTF-8.  Cut short
 * rather than split an escape or a character.  Returns the length. */
size_t ns_log_escape(char *out, size_t size, const char *in, size_t len);

/* Checks the level before formatting anything. */
#define ns_log(prio, module, ...)                                      \
	do {                                                           \
		if (ns_log_enabled(prio))                              \
			ns_log_write((prio), (module), __VA_ARGS__);   \
	} while (0)

/* For events a client can cause at will (a wrong token, a connection
 * refused): at most one line per NS_LOG_LIMIT_MS, and the next line that
 * goes out says how many were left out.  Zero-initialise; one thread. */
#define NS_LOG_LIMIT_MS 1000ull
typedef struct {
	unsigned long long last_ms;     /* when a line last went out */
	unsigned long long left_out;    /* since then */
	bool logged;
} ns_log_limit_t;

/* May a line go out at NOW_MS?  If so, *LEFT_OUT gets how many were left
 * out before it; if not, this one is counted. */
bool ns_log_limit_pass(ns_log_limit_t *l, unsigned long long now_ms,
                       unsigned long long *left_out);

/* ns_log() under L: " (and N more like it since the last one, not
 * logged)" is added to the line when some were. */
void ns_log_limited(ns_log_limit_t *l, int prio, const char *module,
                    const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A burst is over (nothing under L for NS_LOG_LIMIT_MS): say how many
 * lines were left out, "N more WHAT, not logged".  Call now and then. */
void ns_log_limit_flush(ns_log_limit_t *l, unsigned long long now_ms,
                        int prio, const char *module, const char *what);

#endif
