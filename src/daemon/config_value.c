/* config_value.c - the types of option values: how each is read from
 * text (checked against the option's range), shown as text, stored in
 * ns_config_t and freed.  One row per type in `types`; nothing here
 * knows a particular option. */
#include "daemon/config_impl.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/lang.h"
#include "core/log.h"

/* ---- reading numbers, sizes and addresses ---- */

static bool parse_ull(const char *s, int base, unsigned long long *out,
                      char **end)
{
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*out = strtoull(s, end, base);
	return errno == 0 && *end != s;
}

/* "8M", "512K", "1048576" */
static bool parse_size(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long v;
	if (!parse_ull(s, 10, &v, &end))
		return false;
	unsigned long long mul = 1;
	if (*end == 'K' || *end == 'k')
		mul = 1ull << 10;
	else if (*end == 'M' || *end == 'm')
		mul = 1ull << 20;
	else if (*end == 'G' || *end == 'g')
		mul = 1ull << 30;
	if (mul > 1)
		end++;
	if (*end || v > ULLONG_MAX / mul)
		return false;
	*out = v * mul;
	return true;
}

static void size_str(unsigned long long v, char *buf, size_t size)
{
	if (v && v % (1ull << 30) == 0)
		snprintf(buf, size, "%lluG", v >> 30);
	else if (v && v % (1ull << 20) == 0)
		snprintf(buf, size, "%lluM", v >> 20);
	else if (v && v % (1ull << 10) == 0)
		snprintf(buf, size, "%lluK", v >> 10);
	else
		snprintf(buf, size, "%llu", v);
}

/* PORT, HOST:PORT or [V6]:PORT with HOST an address (or "localhost") into
 * the form "127.0.0.1:7700" / "[::1]:7700" in BUF. */
static bool parse_listen(const char *s, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN + 2] = "127.0.0.1";
	const char *port = s;
	bool v6 = false;
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof host)
			return false;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		port = close + 2;
		v6 = true;
	} else if (strchr(s, ':')) {
		const char *colon = strrchr(s, ':');
		if ((size_t)(colon - s) >= sizeof host || colon == s)
			return false;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		port = colon + 1;
		if (strcmp(host, "localhost") == 0)
			strcpy(host, "127.0.0.1");
	}
	unsigned long long p;
	char *end;
	if (!parse_ull(port, 10, &p, &end) || *end || p > 65535)
		return false;
	unsigned char addr[16];
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, addr) != 1)
		return false;
	snprintf(buf, size, v6 ? "[%s]:%llu" : "%s:%llu", host, p);
	return true;
}

/* ---- one reader per type ----
 * Each writes FIELD (the option's member of ns_config_t) from VALUE, or
 * returns false with WHY. */

typedef bool set_fn(void *field, const struct cfg_def *d, const char *value,
                    bool replace_list, char *why, size_t size);

/* Replace the string at FIELD by a copy of V (NULL: unset). */
static bool store_str(void *field, const char *v, char *why, size_t size)
{
	char **s = field;
	char *copy = v ? strdup(v) : NULL;
	if (v && !copy) {
		snprintf(why, size, "out of memory");
		return false;
	}
	free(*s);
	*s = copy;
	return true;
}

static bool set_path(void *field, const struct cfg_def *d, const char *value,
                     bool replace_list, char *why, size_t size)
{
	if (!*value) {
		snprintf(why, size, "must not be empty");
		return false;
	}
	return store_str(field, value, why, size);
}

static bool set_name(void *field, const struct cfg_def *d, const char *value,
                     bool replace_list, char *why, size_t size)
{
	if (!*value || strpbrk(value, " \t:/")) {
		snprintf(why, size, "not a name: \"%s\"", value);
		return false;
	}
	return store_str(field, value, why, size);
}

static bool set_lang(void *field, const struct cfg_def *d, const char *value,
                     bool replace_list, char *why, size_t size)
{
	char code[16];
	if (!ns_language_normalise(value, strlen(value), code)) {
		snprintf(why, size, "not a language code such as en or ru: \"%s\"",
		         value);
		return false;
	}
	return store_str(field, value, why, size);
}

static bool set_listen(void *field, const struct cfg_def *d,
                       const char *value, bool replace_list, char *why,
                       size_t size)
{
	char buf[INET6_ADDRSTRLEN + 16];
	if (!*value || strcmp(value, "off") == 0)
		return store_str(field, NULL, why, size);
	if (!parse_listen(value, buf, sizeof buf)) {
		snprintf(why, size, "not PORT, ADDRESS:PORT or [IPV6]:PORT "
		         "(addresses, not host names): \"%s\"", value);
		return false;
	}
	return store_str(field, buf, why, size);
}

static bool set_uint(void *field, const struct cfg_def *d, const char *value,
                     bool replace_list, char *why, size_t size)
{
	unsigned long long n;
	char *end;
	if (!parse_ull(value, 10, &n, &end) || *end || n < d->lo || n > d->hi) {
		snprintf(why, size, "not a number from %llu to %llu: \"%s\"",
		         d->lo, d->hi, value);
		return false;
	}
	*(unsigned *)field = (unsigned)n;
	return true;
}

static bool set_size(void *field, const struct cfg_def *d, const char *value,
                     bool replace_list, char *why, size_t size)
{
	unsigned long long n;
	if (!parse_size(value, &n) || n < d->lo || n > d->hi) {
		char lo[24], hi[24];
		size_str(d->lo, lo, sizeof lo);
		size_str(d->hi, hi, sizeof hi);
		snprintf(why, size, "not a size from %s to %s (K, M, G suffixes): "
		         "\"%s\"", lo, hi, value);
		return false;
	}
	*(size_t *)field = (size_t)n;
	return true;
}

static bool set_mode(void *field, const struct cfg_def *d, const char *value,
                     bool replace_list, char *why, size_t size)
{
	unsigned long long n;
	char *end;
	if (!parse_ull(value, 8, &n, &end) || *end || n > d->hi) {
		snprintf(why, size, "not octal permission bits such as 0660: "
		         "\"%s\"", value);
		return false;
	}
	*(unsigned *)field = (unsigned)n;
	return true;
}

/* One of D's words, stored as its place in the list. */
static bool set_word(void *field, const struct cfg_def *d, const char *value,
                     bool replace_list, char *why, size_t size)
{
	size_t n = 0;
	for (; d->words[n]; n++)
		if (strcmp(value, d->words[n]) == 0) {
			*(int *)field = (int)n;
			return true;
		}
	ns_buf_t list = {0};
	for (size_t k = 0; k < n; k++)
		ns_buf_printf(&list, "%s%s", k == 0 ? "" : k + 1 < n ? ", " : " or ",
		              d->words[k]);
	snprintf(why, size, "not %s: \"%s\"", list.data ? list.data : "",
	         value);
	ns_buf_free(&list);
	return false;
}

static bool set_level(void *field, const struct cfg_def *d, const char *value,
                      bool replace_list, char *why, size_t size)
{
	int level = ns_log_level_parse(value);
	if (level < 0) {
		snprintf(why, size, "not a level (err, warning, notice, info, "
		         "debug): \"%s\"", value);
		return false;
	}
	*(int *)field = level;
	return true;
}

static bool set_glob(void *field, const struct cfg_def *d, const char *value,
                     bool replace_list, char *why, size_t size)
{
	ns_strv_t *sv = field;
	if (!*value) {
		snprintf(why, size, "an empty glob");
		return false;
	}
	if (replace_list)
		ns_strv_clear(sv);
	if (ns_strv_push(sv, value, strlen(value)) != NS_OK) {
		snprintf(why, size, "out of memory");
		return false;
	}
	return true;
}

/* Each item of the comma-separated VALUE, blanks around it trimmed. */
static bool set_list(void *field, const struct cfg_def *d, const char *value,
                     bool replace_list, char *why, size_t size)
{
	ns_strv_t *sv = field;
	if (replace_list)
		ns_strv_clear(sv);
	for (const char *p = value; *p;) {
		p += strspn(p, " \t,");
		size_t len = strcspn(p, ",");
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len && ns_strv_push(sv, p, len) != NS_OK) {
			snprintf(why, size, "out of memory");
			return false;
		}
		p += strcspn(p, ",");
	}
	if (!sv->n) {
		snprintf(why, size, "an empty list");
		return false;
	}
	return true;
}

/* ---- one printer per type: false when the value is not set ---- */

typedef bool show_fn(const void *field, const struct cfg_def *d, char *buf,
                     size_t size);

static bool show_str(const void *field, const struct cfg_def *d, char *buf,
                     size_t size)
{
	const char *s = *(char *const *)field;
	if (s)
		snprintf(buf, size, "%s", s);
	return s != NULL;
}

static bool show_uint(const void *field, const struct cfg_def *d, char *buf,
                      size_t size)
{
	snprintf(buf, size, "%u", *(const unsigned *)field);
	return true;
}

static bool show_size(const void *field, const struct cfg_def *d, char *buf,
                      size_t size)
{
	size_str(*(const size_t *)field, buf, size);
	return true;
}

static bool show_mode(const void *field, const struct cfg_def *d, char *buf,
                      size_t size)
{
	snprintf(buf, size, "%04o", *(const unsigned *)field);
	return true;
}

static bool show_word(const void *field, const struct cfg_def *d, char *buf,
                      size_t size)
{
	int k = *(const int *)field, n = 0;
	while (d->words[n])
		n++;
	snprintf(buf, size, "%s", k >= 0 && k < n ? d->words[k] : "?");
	return true;
}

static bool show_level(const void *field, const struct cfg_def *d, char *buf,
                       size_t size)
{
	const char *name = ns_log_level_name(*(const int *)field);
	snprintf(buf, size, "%s", name ? name : "?");
	return true;
}

/* One glob a line. */
static bool show_globs(const void *field, const struct cfg_def *d, char *buf,
                       size_t size)
{
	const ns_strv_t *sv = field;
	if (!sv->n)
		return false;
	size_t off = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < sv->n && off < size; k++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s",
		                        k ? "\n" : "", sv->v[k]);
	return true;
}

/* ---- the types ---- */

static void clear_str(void *field)
{
	free(*(char **)field);
}

static void clear_globs(void *field)
{
	ns_strv_clear(field);
}

static const struct {
	size_t size;               /* of the field in ns_config_t */
	set_fn *set;
	show_fn *show;
	void (*clear)(void *field); /* NULL: owns nothing */
} types[T_COUNT] = {
	[T_PATH] = { sizeof(char *), set_path, show_str, clear_str },
	[T_LANG] = { sizeof(char *), set_lang, show_str, clear_str },
	[T_NAME] = { sizeof(char *), set_name, show_str, clear_str },
	[T_LISTEN] = { sizeof(char *), set_listen, show_str, clear_str },
	[T_UINT] = { sizeof(unsigned), set_uint, show_uint, NULL },
	[T_SIZE] = { sizeof(size_t), set_size, show_size, NULL },
	[T_MODE] = { sizeof(unsigned), set_mode, show_mode, NULL },
	[T_WORD] = { sizeof(int), set_word, show_word, NULL },
	[T_LEVEL] = { sizeof(int), set_level, show_level, NULL },
	[T_GLOB] = { sizeof(ns_strv_t), set_glob, show_globs, clear_globs },
	[T_LIST] = { sizeof(ns_strv_t), set_list, show_globs, clear_globs },
};

/* The largest field, for cfg_swap_value's scratch space. */
#define MAX_FIELD (sizeof(ns_strv_t) > sizeof(size_t) ? sizeof(ns_strv_t) \
                                                      : sizeof(size_t))

static const struct cfg_def *def_of(ns_opt_t i)
{
	assert((unsigned)i < NS_OPT_COUNT);
	const struct cfg_def *d = &cfg_defs[i];
	assert((unsigned)d->type < T_COUNT && types[d->type].set);
	assert(types[d->type].size <= MAX_FIELD);
	return d;
}

bool cfg_set_value(ns_config_t *c, ns_opt_t i, const char *value,
                   bool replace_list, char *why, size_t size)
{
	const struct cfg_def *d = def_of(i);
	return types[d->type].set((char *)c + d->offset, d, value, replace_list,
	                          why, size);
}

bool cfg_value_str(const ns_config_t *c, ns_opt_t i, char *buf, size_t size)
{
	const struct cfg_def *d = def_of(i);
	return types[d->type].show((const char *)c + d->offset, d, buf, size);
}

void cfg_swap_value(ns_config_t *a, ns_config_t *b, ns_opt_t i)
{
	const struct cfg_def *d = def_of(i);
	unsigned char tmp[MAX_FIELD];
	char *x = (char *)a + d->offset, *y = (char *)b + d->offset;
	size_t n = types[d->type].size;
	memcpy(tmp, x, n);
	memcpy(x, y, n);
	memcpy(y, tmp, n);
}

void cfg_clear_value(ns_config_t *c, ns_opt_t i)
{
	const struct cfg_def *d = def_of(i);
	char *field = (char *)c + d->offset;
	if (types[d->type].clear)
		types[d->type].clear(field);
	memset(field, 0, types[d->type].size);
}

bool cfg_set_origin(ns_config_t *c, ns_opt_t i, const char *origin)
{
	assert((unsigned)i < NS_OPT_COUNT && origin);
	char *copy = strdup(origin);
	if (!copy)
		return false;
	free(c->origin[i]);
	c->origin[i] = copy;
	return true;
}

unsigned long long ns_config_default_number(ns_opt_t opt)
{
	const struct cfg_def *d = def_of(opt);
	ns_config_t scratch = {0};
	char why[300];
	bool ok = d->dflt && cfg_set_value(&scratch, opt, d->dflt, true, why,
	                                   sizeof why);
	/* A number with a built-in default: test_config checks them all. */
	assert(ok && !types[d->type].clear);
	(void)ok;
	const char *field = (const char *)&scratch + d->offset;
	if (d->type == T_SIZE)
		return *(const size_t *)field;
	if (d->type == T_WORD || d->type == T_LEVEL)
		return (unsigned long long)*(const int *)field;
	return *(const unsigned *)field;
}
