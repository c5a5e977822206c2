/* log.c - the one place that writes log lines.  A whole line goes out in a
 * single write so that threads never interleave within a line, and what
 * is in it is escaped so that no value can start another line. */
#include "core/log.h"
#include "core/util.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Atomic int ns_log_level = NS_LOG_INFO;

static const char *const level_names[] = {
	[NS_LOG_ERR] = "err", [NS_LOG_WARNING] = "warning",
	[NS_LOG_NOTICE] = "notice", [NS_LOG_INFO] = "info",
	[NS_LOG_DEBUG] = "debug",
};

void ns_log_set_level(int level)
{
	assert(level >= NS_LOG_ERR && level <= NS_LOG_DEBUG);
	atomic_store_explicit(&ns_log_level, level, memory_order_relaxed);
}

const char *ns_log_level_name(int level)
{
	return level >= NS_LOG_ERR && level <= NS_LOG_DEBUG ? level_names[level]
	                                                    : NULL;
}

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

bool ns_log_to_journal(void)
{
	return to_journal();
}

/* Is the UTF-8 sequence at S (N bytes left) a valid character that is
 * not a C1 control?  Its length, or 0. */
static size_t printable_utf8(const unsigned char *s, size_t n)
{
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	if (s[0] < 0xc2 || s[0] > 0xf4 || n < len)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xc2 && s[1] < 0xa0) ||         /* C1 controls */
	    (s[0] == 0xe0 && s[1] < 0xa0) ||         /* overlong */
	    (s[0] == 0xed && s[1] >= 0xa0) ||        /* surrogates */
	    (s[0] == 0xf0 && s[1] < 0x90) ||         /* overlong */
	    (s[0] == 0xf4 && s[1] >= 0x90))          /* beyond U+10FFFF */
		return 0;
	return len;
}

size_t ns_log_escape(char *out, size_t size, const char *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;
	if (!size)
		return 0;
	for (size_t i = 0; i < len;) {
		char esc[4];
		size_t n = 0, take = 1;
		unsigned char ch = s[i];
		if (ch == '\\' || ch == '\n' || ch == '\r' || ch == '\t') {
			esc[0] = '\\';
			esc[1] = ch == '\n' ? 'n' : ch == '\r' ? 'r'
			       : ch == '\t' ? 't' : '\\';
			n = 2;
		} else if (ch < 0x20 || ch == 0x7f ||
		           (ch >= 0x80 && !(take = printable_utf8(s + i, len - i)))) {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[ch >> 4];
			esc[3] = hex[ch & 15];
			n = 4;
			take = 1;
		}
		const char *src = n ? esc : in + i;
		size_t m = n ? n : take;
		if (o + m >= size)
			break; /* never half an escape or a character */
		memcpy(out + o, src, m);
		o += m;
		i += take;
	}
	out[o] = '\0';
	return o;
}

void ns_log_write(int prio, const char *module, const char *fmt, ...)
{
	char raw[2048], line[4096];
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
	if (n < 0 || (size_t)n >= sizeof line / 2)
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	size_t rlen = m < 0 ? 0 : (size_t)m < sizeof raw ? (size_t)m
	                                                  : sizeof raw - 1;
	/* Values from outside (paths, queries, what a client sent) may hold
	 * a newline or a "<0>": escaped, a line stays one line, and one
	 * event. */
	size_t len = (size_t)n + ns_log_escape(line + n, sizeof line - (size_t)n - 1,
	                                       raw, rlen);
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

bool ns_log_limit_pass(ns_log_limit_t *l, unsigned long long now_ms,
                       unsigned long long *left_out)
{
	if (l->logged && now_ms - l->last_ms < NS_LOG_LIMIT_MS) {
		l->left_out++;
		return false;
	}
	*left_out = l->left_out;
	l->left_out = 0;
	l->last_ms = now_ms;
	l->logged = true;
	return true;
}

void ns_log_limited(ns_log_limit_t *l, int prio, const char *module,
                    const char *fmt, ...)
{
	unsigned long long more;
	if (!ns_log_enabled(prio) || !ns_log_limit_pass(l, ns_now_ms(), &more))
		return;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (more)
		ns_log_write(prio, module, "%s (and %llu more like it since the "
		             "last one, not logged)", msg, more);
	else
		ns_log_write(prio, module, "%s", msg);
}

void ns_log_limit_flush(ns_log_limit_t *l, unsigned long long now_ms,
                        int prio, const char *module, const char *what)
{
	if (!l->left_out || now_ms - l->last_ms < NS_LOG_LIMIT_MS)
		return;
	if (ns_log_enabled(prio))
		ns_log_write(prio, module, "%llu more %s, not logged", l->left_out,
		             what);
	l->left_out = 0;
	l->last_ms = now_ms;
}
