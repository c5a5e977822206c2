/* testutil.h - helpers shared by the test programs: temporary directories
 * and fixtures.  Header-only so each test stays one executable. */
#ifndef NS_TESTUTIL_H
#define NS_TESTUTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

/* Remove DIR and everything in it. */
static inline void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A new temporary directory (caller frees the string, rm_tree()s the dir). */
static inline char *make_temp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = NULL;
	if (asprintf(&tmpl, "%s/nsearch-test-XXXXXX", base ? base : "/tmp") < 0)
		return NULL;
	if (!mkdtemp(tmpl)) {
		free(tmpl);
		return NULL;
	}
	return tmpl;
}

/* Read the fixture NAME from $NS_FIXTURES (set by meson). */
static inline char *read_fixture(const char *name, size_t *len)
{
	const char *dir = getenv("NS_FIXTURES");
	char *path = NULL;
	if (!dir || asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	FILE *f = fopen(path, "rb");
	free(path);
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *b = realloc(buf, cap);
			if (!b)
				break;
			buf = b;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}

/* Write LEN bytes to PATH (created or truncated); 0 on success. */
static inline int write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(data, 1, len, f);
	return (fclose(f) == 0 && w == len) ? 0 : -1;
}

/* SV holds exactly the N strings that follow, in order.  (Every test
 * program includes cmocka before this header.) */
static inline void assert_strv(const ns_strv_t *sv, size_t n, ...)
{
	if (sv->n != n)
		fail_msg("%zu items, expected %zu (first: %s)", sv->n, n,
		         sv->n ? sv->v[0] : "-");
	va_list ap;
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(sv->v[i], va_arg(ap, const char *));
	va_end(ap);
}

#endif
