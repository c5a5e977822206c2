/* util.c - shared helpers: string lists, byte buffers, whole-file reads, a
 * directory's removal and the default socket path.  Nothing here logs or
 * keeps state. */
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *ns_status_str(ns_status_t st)
{
	switch (st) {
	case NS_OK: return "ok";
	case NS_ERR_NOMEM: return "out of memory";
	case NS_ERR_INVALID: return "invalid argument";
	case NS_ERR_IO: return "input/output error";
	case NS_ERR_FORMAT: return "unreadable format";
	case NS_ERR_TOO_LARGE: return "too large";
	case NS_ERR_INDEX: return "index error";
	case NS_ERR_BAD_QUERY: return "bad query";
	case NS_ERR_NOT_FOUND: return "not found";
	case NS_ERR_TOO_BROAD: return "wildcard too broad";
	case NS_ERR_TOO_COMPLEX: return "query too complex";
	case NS_ERR_TIMEOUT: return "timed out";
	case NS_ERR_BUSY: return "busy";
	case NS_ERR_UNAVAILABLE: return "unavailable";
	}
	return "unknown status";
}

char *ns_strndup(const char *s, size_t len)
{
	char *p = malloc(len + 1);
	if (!p)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void ns_secret_free(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

ns_status_t ns_strv_push(ns_strv_t *sv, const char *s, size_t len)
{
	char *copy = ns_strndup(s, len);
	if (!copy)
		return NS_ERR_NOMEM;
	char **v = realloc(sv->v, (sv->n + 1) * sizeof *v);
	if (!v) {
		free(copy);
		return NS_ERR_NOMEM;
	}
	v[sv->n++] = copy;
	sv->v = v;
	return NS_OK;
}

bool ns_strv_contains(const ns_strv_t *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

void ns_strv_clear(ns_strv_t *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

static ns_status_t buf_reserve(ns_buf_t *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return NS_OK;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1) {
		if (cap > ((size_t)-1) / 2)
			return NS_ERR_NOMEM;
		cap *= 2;
	}
	char *d = realloc(b->data, cap);
	if (!d)
		return NS_ERR_NOMEM;
	b->data = d;
	b->cap = cap;
	return NS_OK;
}

ns_status_t ns_buf_append(ns_buf_t *b, const char *s, size_t len)
{
	if (buf_reserve(b, len) != NS_OK)
		return NS_ERR_NOMEM;
	if (len)
		memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
	return NS_OK;
}

ns_status_t ns_buf_printf(ns_buf_t *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NS_ERR_INVALID;
	if (buf_reserve(b, (size_t)n) != NS_OK)
		return NS_ERR_NOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return NS_OK;
}

void ns_buf_consume(ns_buf_t *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		if (b->data)
			b->data[0] = '\0';
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

void ns_buf_free(ns_buf_t *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

ns_status_t ns_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return NS_ERR_IO;
	return ns_read_fd(fd, max, out, len);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

void ns_remove_dir(const char *dir)
{
	struct stat st;
	if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

ns_status_t ns_read_fd(int fd, size_t max, char **out, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return NS_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return NS_ERR_IO;
	}
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		return NS_ERR_TOO_LARGE;
	}
	/* The file may grow between fstat and read: read to EOF, up to MAX. */
	size_t cap = (size_t)st.st_size + 1, n = 0;
	char *data = malloc(cap);
	if (!data) {
		close(fd);
		return NS_ERR_NOMEM;
	}
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max + 1) {
				free(data);
				close(fd);
				return NS_ERR_TOO_LARGE;
			}
			char *d = realloc(data, cap * 2);
			if (!d) {
				free(data);
				close(fd);
				return NS_ERR_NOMEM;
			}
			data = d;
			cap *= 2;
		}
		ssize_t r = read(fd, data + n, cap - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(data);
			close(fd);
			errno = e;
			return NS_ERR_IO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		free(data);
		return NS_ERR_TOO_LARGE;
	}
	data[n] = '\0';
	*out = data;
	*len = n;
	return NS_OK;
}

const char *ns_default_socket(char *buf, size_t size)
{
	const char *env = getenv("NSEARCH_SOCKET");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (env && *env)
		snprintf(buf, size, "%s", env);
	else if (geteuid() == 0)
		snprintf(buf, size, "/run/nsearch/nsearch.sock");
	else if (xdg && *xdg)
		snprintf(buf, size, "%s/nsearch/nsearch.sock", xdg);
	else if (size)
		buf[0] = '\0'; /* a shared directory such as /tmp is squattable */
	return buf[0] ? buf : NULL;
}

unsigned long long ns_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ULL +
	       (unsigned long long)ts.tv_nsec / 1000000ULL;
}

unsigned long long ns_monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ull +
	       (unsigned long long)ts.tv_nsec / 1000;
}
