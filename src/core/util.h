/* util.h - small shared helpers: status codes, string lists, a growable
 * byte buffer.  No I/O and no global state. */
#ifndef NS_UTIL_H
#define NS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
	NS_OK = 0,
	NS_ERR_NOMEM,
	NS_ERR_INVALID,     /* a bad argument */
	NS_ERR_IO,          /* a system call failed; errno tells more */
	NS_ERR_FORMAT,      /* input that cannot be understood */
	NS_ERR_TOO_LARGE,   /* input over a configured limit */
	NS_ERR_INDEX,       /* the Xapian shim failed; its message says why */
	NS_ERR_BAD_QUERY,
	NS_ERR_NOT_FOUND,   /* no such article */
	NS_ERR_TOO_BROAD,   /* a wildcard expands to too many words */
	NS_ERR_TOO_COMPLEX, /* a query over a cap (words, phrase, NEAR, ...) */
	NS_ERR_TIMEOUT,     /* it ran out of its time */
	NS_ERR_BUSY,        /* one at a time: another is queued or running */
	NS_ERR_UNAVAILABLE, /* not now: what it needs is away for a while */
} ns_status_t;

const char *ns_status_str(ns_status_t st);

/* CLOCK_MONOTONIC in microseconds: for durations. */
unsigned long long ns_monotonic_us(void);

/* A doubly linked list of nodes with "prev" and "next" members, its
 * first node at *HEADP: push N at the front, or unlink N.  Macros, for
 * the daemon's lists of connections, whatever their type. */
#define NS_LIST_PUSH(headp, n) do { \
	(n)->prev = NULL; \
	(n)->next = *(headp); \
	if (*(headp)) \
		(*(headp))->prev = (n); \
	*(headp) = (n); \
} while (0)
#define NS_LIST_UNLINK(headp, n) do { \
	if ((n)->prev) \
		(n)->prev->next = (n)->next; \
	else \
		*(headp) = (n)->next; \
	if ((n)->next) \
		(n)->next->prev = (n)->prev; \
	(n)->prev = (n)->next = NULL; \
} while (0)

/* A list of strings the list owns. */
typedef struct {
	char **v;
	size_t n;
} ns_strv_t;

/* Append a copy of the LEN bytes at S (NUL added). */
ns_status_t ns_strv_push(ns_strv_t *sv, const char *s, size_t len);
bool ns_strv_contains(const ns_strv_t *sv, const char *s);
/* Free every string and reset to empty.  Accepts an empty list. */
void ns_strv_clear(ns_strv_t *sv);

/* A growable byte buffer, always NUL-terminated when data is not NULL. */
typedef struct {
	char *data;
	size_t len;
	size_t cap;
} ns_buf_t;

ns_status_t ns_buf_append(ns_buf_t *b, const char *s, size_t len);
ns_status_t ns_buf_printf(ns_buf_t *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Drop the first N bytes. */
void ns_buf_consume(ns_buf_t *b, size_t n);
void ns_buf_free(ns_buf_t *b);

/* A new copy of LEN bytes at S; NULL when out of memory. */
char *ns_strndup(const char *s, size_t len);

/* Wipe S, a secret (a token), and free it, so that no copy of it lingers
 * in freed memory.  Accepts NULL. */
void ns_secret_free(char *s);

/* Read a whole regular file of at most MAX bytes into *OUT (new, caller
 * frees, NUL-terminated) and its length into *LEN.  NS_ERR_TOO_LARGE when
 * it is bigger, NS_ERR_IO with errno set when it cannot be read. */
ns_status_t ns_read_file(const char *path, size_t max, char **out, size_t *len);
/* The same from FD, open for reading; closes FD whatever happens. */
ns_status_t ns_read_fd(int fd, size_t max, char **out, size_t *len);

/* Remove the directory DIR and everything in it, if it is a directory
 * (a link is not followed, nor is one inside): only for directories the
 * caller made. */
void ns_remove_dir(const char *dir);

/* The socket path nsearchd and nsearch-cli agree on when none is given:
 * $NSEARCH_SOCKET, else /run/nsearch/nsearch.sock for root, else
 * $XDG_RUNTIME_DIR/nsearch/nsearch.sock (a directory only this user may
 * enter).  Written to BUF of SIZE bytes; returns BUF, or NULL when there
 * is none: a non-root user without $XDG_RUNTIME_DIR (a directory others
 * may write, such as /tmp, would let another user bind the name first). */
const char *ns_default_socket(char *buf, size_t size);

/* Monotonic clock in milliseconds. */
unsigned long long ns_now_ms(void);

#endif
