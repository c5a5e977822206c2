/* log.h - one line per event on stderr: "<prio>module: what: why".
 * When stderr is the journal's stream ($JOURNAL_STREAM names it) the line
 * starts with the sd-daemon(3) priority prefix the journal reads;
 * otherwise with "nsearchd: LEVEL: ". */
#ifndef NS_LOG_H
#define NS_LOG_H

enum {
	NS_LOG_ERR = 3,
	NS_LOG_WARNING = 4,
	NS_LOG_NOTICE = 5,
	NS_LOG_INFO = 6,
	NS_LOG_DEBUG = 7,
};

extern int ns_log_level;

/* Parse "err", "warning", "notice", "info", "debug"; -1 if unknown. */
int ns_log_level_parse(const char *name);

void ns_log_write(int prio, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Checks the level before formatting anything. */
#define ns_log(prio, module, ...)                                      \
	do {                                                           \
		if ((prio) <= ns_log_level)                            \
			ns_log_write((prio), (module), __VA_ARGS__);   \
	} while (0)

#endif
