/* http_req.c - what an HTTP request says, as the NDJSON protocol would
 * say it: a query string becomes the request object proto_request.c decodes, an
 * error code becomes a status, a path is checked before anything is
 * written.  Pure functions, any thread. */
#include "daemon/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "parse/article.h"

bool ns_http_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >>
		        24) == 127;
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

int ns_http_status_of(const char *code)
{
	static const struct {
		const char *code;
		int status;
	} map[] = {
		{ NS_E_BAD_JSON, 400 },
		{ NS_E_BAD_REQUEST, 400 },
		{ NS_E_UNKNOWN_OP, 400 },
		{ NS_E_BAD_QUERY, 400 },
		{ NS_E_TOO_BROAD, 400 },
		{ NS_E_TOO_COMPLEX, 400 },
		{ NS_E_BAD_PATH, 400 },
		{ NS_E_UNAUTHORIZED, 401 },
		{ NS_E_FORBIDDEN, 403 },
		{ NS_E_NOT_FOUND, 404 },
		{ NS_E_METHOD_NOT_ALLOWED, 405 },
		{ NS_E_IDLE_TIMEOUT, 408 },
		{ NS_E_BUSY, 409 },
		{ NS_E_CONFLICT, 409 },
		{ NS_E_PRECONDITION_FAILED, 412 },
		{ NS_E_LINE_TOO_LONG, 413 },
		{ NS_E_TOO_LARGE, 413 },
		{ NS_E_TOO_MANY_CONNECTIONS, 429 },
		{ NS_E_SLOW_CLIENT, 429 },
		{ NS_E_INTERNAL, 500 },
		{ NS_E_FAILED, 500 },
		{ NS_E_UNAVAILABLE, 503 },
		{ NS_E_INDEX_READ_ONLY, 503 },
		{ NS_E_TIMEOUT, 504 },
		{ NS_E_STALE, 503 },
		{ NS_E_READ_ONLY_REPLICA, 409 },
		{ NS_E_READ_ONLY_FRONT, 409 },
	};
	for (size_t i = 0; code && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].code, code) == 0)
			return map[i].status;
	return 400;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *ns_http_unescape(const char *s, size_t len, bool plus)
{
	char *out = malloc(len + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '%') {
			int hi = i + 2 < len ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < len ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			*o++ = (char)(hi * 16 + lo);
			i += 2;
			continue;
		}
		if (c == '\0') {
			free(out);
			return NULL;
		}
		*o++ = plus && c == '+' ? ' ' : c;
	}
	*o = '\0';
	return out;
}

const char *ns_http_bad_path(const char *path)
{
	if (!path || !*path)
		return "the path is empty: /articles/ needs the article's path "
		       "relative to the articles root";
	if (path[0] == '/')
		return "the path is absolute: give it relative to the articles "
		       "root";
	if (strlen(path) > 1000)
		return "the path is longer than 1000 bytes";
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "the path holds a control character";
	for (const char *c = path; c;) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);
		if (n == 0)
			return slash ? "the path has an empty component (//)"
			             : "the path ends in /: name a file";
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return "the path has a . or .. component: paths stay beneath "
			       "the articles root";
		c = slash ? slash + 1 : NULL;
	}
	return NULL;
}

/* Parameters that are numbers on the wire. */
static bool is_number_key(const char *k)
{
	static const char *const keys[] = {"limit", "offset", "recency_days",
	                                   "facet_limit", "snippet_length",
	                                   "timeout_ms", "min_revision", NULL};
	for (int i = 0; keys[i]; i++)
		if (strcmp(k, keys[i]) == 0)
			return true;
	return false;
}

/* Parameters that are booleans: "true" or "1", "false" or "0". */
static bool is_bool_key(const char *k)
{
	static const char *const keys[] = { "collapse", "autocorrect",
		                            "feedback", "prefix", NULL };
	for (int i = 0; keys[i]; i++)
		if (strcmp(k, keys[i]) == 0)
			return true;
	return false;
}

/* Parameters that are lists, given repeated or comma-separated. */
static bool is_list_key(const char *k)
{
	return strcmp(k, "facets") == 0 || strcmp(k, "fields") == 0;
}

/* The filter's fields, as parameters: "section" or "filter.section";
 * a declared field by its name ("site"), its range as "words.min" and
 * "words.max". */
static const char *filter_key(const char *k)
{
	static const char *const keys[] = {"section", "tag", "author",
	                                   "date_from", "date_to", NULL};
	if (strncmp(k, "filter.", 7) == 0)
		return k + 7;
	for (int i = 0; keys[i]; i++)
		if (strcmp(k, keys[i]) == 0)
			return keys[i];
	char name[NS_FIELD_NAME_MAX + 1];
	size_t n = strcspn(k, ".");
	if (n <= NS_FIELD_NAME_MAX) {
		memcpy(name, k, n);
		name[n] = '\0';
		if (ns_fields_find(name) >= 0)
			return k;
	}
	return NULL;
}

/* "words.min=100": a bound of a number field's range. */
static int add_bound(json_t *f, const char *key, const char *v)
{
	const char *dot = strchr(key, '.');
	char name[NS_FIELD_NAME_MAX + 1];
	size_t n = (size_t)(dot - key);
	char *end;
	double d = strtod(v, &end);
	if (n > NS_FIELD_NAME_MAX || (strcmp(dot, ".min") && strcmp(dot, ".max")))
		return json_object_set_new(f, key, json_string(v)); /* refused */
	memcpy(name, key, n);
	name[n] = '\0';
	json_t *range = json_object_get(f, name);
	if (!json_is_object(range)) {
		range = json_object();
		json_object_set_new(f, name, range);
	}
	/* Not a finite number ("inf", "1e999"): text, which the decoder
	 * refuses as a range's bound (json_real would make nothing). */
	return json_object_set_new(range, dot + 1,
	                           *v && !*end && isfinite(d) ? json_real(d)
	                                                      : json_string(v));
}

static json_t *scalar(const char *key, const char *v)
{
	if (is_number_key(key) && *v && strspn(v, "0123456789") == strlen(v) &&
	    strlen(v) < 10)
		return json_integer(atoll(v));
	if (is_bool_key(key)) {
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
			return json_true();
		if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
			return json_false();
	}
	return json_string(v);
}

/* Add VALUE under KEY in O: a repeated key becomes a list. */
static int add_value(json_t *o, const char *key, json_t *value, bool list)
{
	json_t *old = json_object_get(o, key);
	if (!old && !list)
		return json_object_set_new(o, key, value);
	if (!old) {
		old = json_array();
		if (json_object_set_new(o, key, old) < 0) {
			json_decref(value);
			return -1;
		}
	} else if (!json_is_array(old)) {
		json_t *arr = json_array();
		json_array_append(arr, old);
		json_object_set_new(o, key, arr);
		old = arr;
	}
	return json_array_append_new(old, value);
}

static int add_param(json_t *o, const char *key, const char *v)
{
	const char *fk = filter_key(key);
	if (fk) {
		json_t *f = json_object_get(o, "filter");
		if (!f) {
			f = json_object();
			json_object_set_new(o, "filter", f);
		}
		if (strchr(fk, '.'))
			return add_bound(f, fk, v);
		return add_value(f, fk, json_string(v), false);
	}
	if (is_list_key(key)) {
		for (const char *c = v; *c;) {
			size_t n = strcspn(c, ",");
			if (n && add_value(o, key, json_stringn(c, n), true) < 0)
				return -1;
			c += n + (c[n] == ',');
		}
		return 0;
	}
	return add_value(o, key, scalar(key, v), false);
}

json_t *ns_http_query_to_json(const char *qs, size_t len, const char *op,
                              const char **why)
{
	json_t *o = json_pack("{s:s}", "op", op);
	*why = NULL;
	for (size_t i = 0; o && i < len;) {
		const char *amp = memchr(qs + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - qs) : len;
		const char *eq = memchr(qs + i, '=', end - i);
		size_t klen = eq ? (size_t)(eq - qs) - i : end - i;
		char *k = ns_http_unescape(qs + i, klen, true);
		char *v = eq ? ns_http_unescape(eq + 1, end - (size_t)(eq + 1 - qs),
		                                true)
		             : strdup("");
		if (!k || !v)
			*why = "the query string has a bad %-escape";
		else if (!ns_utf8_valid(k, strlen(k)) || !ns_utf8_valid(v, strlen(v)))
			*why = "the query string is not UTF-8 (once its %-escapes "
			       "are decoded)";
		else if (!*k)
			; /* "a=1&&b=2" */
		else if (strcmp(k, "op") == 0 || strcmp(k, "path") == 0)
			*why = "op and path are given by the URL, not the query string";
		else if (add_param(o, k, v) < 0)
			*why = "out of memory";
		free(k);
		free(v);
		if (*why) {
			json_decref(o);
			return NULL;
		}
		i = end + 1;
	}
	if (!o)
		*why = "out of memory";
	return o;
}
