/* config.c - nsearchd's options, from one table: their file keys, flags,
 * types, ranges, defaults and help.  Reads the file with libinih, the
 * command line with getopt_long, and validates every value the same way
 * wherever it came from.  Never touches the index or a socket. */
#include "daemon/config.h"
#include "daemon/synonyms.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buildconf.h"
#include "core/lang.h"
#include "core/log.h"

enum type {
	T_PATH,    /* a non-empty string */
	T_LANG,    /* a language tag ns_language_normalise() knows */
	T_UINT,    /* decimal, within [lo, hi] */
	T_SIZE,    /* bytes with K, M, G suffixes, within [lo, hi] */
	T_MODE,    /* octal permission bits */
	T_LEVEL,   /* a log level name */
	T_GLOB,    /* repeatable */
	T_LISTEN,  /* PORT, HOST:PORT or [V6]:PORT; "off" or "" */
	T_NAME,    /* a non-empty string without spaces (a group) */
};

struct def {
	const char *section, *key;
	const char *flag;          /* the long option */
	int short_opt;             /* 0: none */
	enum type type;
	size_t offset;             /* into ns_config_t */
	unsigned long long lo, hi;
	bool reload;               /* SIGHUP applies it */
	const char *arg;           /* for --help */
	const char *help;
};

#define OFF(f) offsetof(ns_config_t, f)

static const struct def defs[NS_OPT_COUNT] = {
	[NS_OPT_ARTICLES] = {"articles", "root", "articles", 'a', T_PATH,
		OFF(articles), 0, 0, false, "DIR",
		"the article tree to index and watch"},
	[NS_OPT_IGNORE] = {"articles", "ignore", "ignore", 0, T_GLOB,
		OFF(ignore), 0, 0, false, "GLOB",
		"also skip names or relative paths matching GLOB (repeatable)"},
	[NS_OPT_LANGUAGE] = {"articles", "language", "language", 'L', T_LANG,
		OFF(language), 0, 0, false, "CODE",
		"language of articles that name none, and of queries"},
	[NS_OPT_MAX_FILE_SIZE] = {"articles", "max_file_size", "max-file-size",
		'm', T_SIZE, OFF(max_file_size), 1, 4ull << 30, false, "N",
		"skip files bigger than N bytes (K, M, G suffixes)"},
	[NS_OPT_RESCAN_INTERVAL] = {"articles", "rescan_interval",
		"rescan-interval", 0, T_UINT, OFF(rescan_interval_s), 1, 86400,
		false, "S", "rescan directories over the inotify watch limit "
		"every S seconds"},
	[NS_OPT_INDEX] = {"index", "path", "index", 'i', T_PATH, OFF(index),
		0, 0, false, "DIR", "the Xapian database, created if missing"},
	[NS_OPT_BATCH] = {"index", "batch", "batch", 'b', T_UINT, OFF(batch),
		1, 1000000, true, "N", "commit after N changes at most"},
	[NS_OPT_COMMIT_DELAY] = {"index", "commit_delay_ms", "commit-delay", 0,
		T_UINT, OFF(commit_delay_ms), 1, 60000, true, "MS",
		"or MS milliseconds after the first"},
	[NS_OPT_BACKUP_DIR] = {"index", "backup_dir", "backup-dir", 0, T_PATH,
		OFF(backup_dir), 0, 0, true, "DIR",
		"write backups inside DIR only (unset: refused)"},
	[NS_OPT_SYNONYMS] = {"search", "synonyms", "synonyms", 0, T_PATH,
		OFF(synonyms), 0, 0, true, "FILE",
		"synonym groups for queries (docs/query-syntax.md)"},
	[NS_OPT_MAX_EXPANSION] = {"search", "max_expansion", "max-expansion", 0,
		T_UINT, OFF(max_expansion), 0, 1000000, false, "N",
		"a wildcard matches at most N words (0: no wildcards)"},
	[NS_OPT_QUERY_TIMEOUT] = {"search", "query_timeout_ms",
		"query-timeout-ms", 0, T_UINT, OFF(query_timeout_ms), 0, 600000,
		false, "MS", "stop counting matches exactly (totals, facets) after "
		"MS milliseconds (0: never)"},
	[NS_OPT_MAX_RESULTS] = {"search", "max_results", "max-results", 0,
		T_UINT, OFF(max_results), 1, 1000, false, "N",
		"a search may ask for at most N hits at once"},
	[NS_OPT_MAX_OFFSET] = {"search", "max_offset", "max-offset", 0,
		T_UINT, OFF(max_offset), 0, 1000000, false, "N",
		"a search may skip at most N hits (page depth)"},
	[NS_OPT_SOCKET] = {"socket", "path", "socket", 's', T_PATH, OFF(socket),
		0, 0, false, "PATH", "the Unix socket to listen on"},
	[NS_OPT_SOCKET_MODE] = {"socket", "mode", "socket-mode", 0, T_MODE,
		OFF(socket_mode), 0, 0777, false, "MODE",
		"permissions of the socket file (octal)"},
	[NS_OPT_SOCKET_GROUP] = {"socket", "group", "socket-group", 0, T_NAME,
		OFF(socket_group), 0, 0, false, "GROUP",
		"group of the socket file"},
	[NS_OPT_TCP_LISTEN] = {"tcp", "listen", "tcp", 0, T_LISTEN,
		OFF(tcp_listen), 0, 0, false, "ADDR",
		"also listen on TCP: PORT (loopback), ADDRESS:PORT or [V6]:PORT"},
	[NS_OPT_TCP_TOKEN_FILE] = {"tcp", "token_file", "token-file", 0, T_PATH,
		OFF(tcp_token_file), 0, 0, true, "FILE",
		"the token TCP clients must send (mode 0600)"},
	[NS_OPT_ADMIN_TOKEN_FILE] = {"tcp", "admin_token_file",
		"admin-token-file", 0, T_PATH, OFF(admin_token_file), 0, 0, true,
		"FILE", "the token that makes a TCP client an admin (mode 0600)"},
	[NS_OPT_MAX_CONNECTIONS] = {"limits", "max_connections",
		"max-connections", 0, T_UINT, OFF(max_connections), 1, 65536, true,
		"N", "refuse connections beyond N"},
	[NS_OPT_MAX_REQUEST] = {"limits", "max_request_size", "max-request-size",
		0, T_SIZE, OFF(max_request), 1024, 16u << 20, true, "N",
		"longest request line in bytes (K, M suffixes)"},
	[NS_OPT_MAX_PENDING] = {"limits", "max_pending", "max-pending", 0,
		T_SIZE, OFF(max_pending), 4096, 1ull << 30, true, "N",
		"replies a client has not read, in bytes, before it is cut off"},
	[NS_OPT_IDLE_TIMEOUT] = {"limits", "idle_timeout", "idle-timeout", 0,
		T_UINT, OFF(idle_timeout_s), 0, 86400, true, "S",
		"close connections silent for S seconds (0: never)"},
	[NS_OPT_LOG_LEVEL] = {"log", "level", "log-level", 'l', T_LEVEL,
		OFF(log_level), 0, 0, true, "LEVEL",
		"err, warning, notice, info or debug"},
	[NS_OPT_HTTP_LISTEN] = {"http", "listen", "http", 0, T_LISTEN,
		OFF(http_listen), 0, 0, false, "ADDR",
		"serve HTTP on TCP: PORT (loopback), ADDRESS:PORT or [V6]:PORT"},
	[NS_OPT_HTTP_SOCKET] = {"http", "socket", "http-socket", 0, T_PATH,
		OFF(http_socket), 0, 0, false, "PATH",
		"serve HTTP on this Unix socket too"},
	[NS_OPT_HTTP_TOKEN_FILE] = {"http", "token_file", "http-token-file", 0,
		T_PATH, OFF(http_token_file), 0, 0, true, "FILE",
		"the token of the search role (unset: searching is open)"},
	[NS_OPT_HTTP_PUBLISH_TOKEN_FILE] = {"http", "publish_token_file",
		"http-publish-token-file", 0, T_PATH, OFF(http_publish_token_file),
		0, 0, true, "FILE", "the token of the publish role (PUT, DELETE)"},
	[NS_OPT_HTTP_ADMIN_TOKEN_FILE] = {"http", "admin_token_file",
		"http-admin-token-file", 0, T_PATH, OFF(http_admin_token_file), 0,
		0, true, "FILE", "the token of the admin role (reindex, compact, "
		"backup)"},
	[NS_OPT_HTTP_CORS_ORIGIN] = {"http", "cors_origin", "http-cors-origin",
		0, T_GLOB, OFF(http_cors_origins), 0, 0, true, "ORIGIN",
		"a web origin whose pages may call the API, or * (repeatable)"},
	[NS_OPT_HTTP_TLS_CERT] = {"http", "tls_cert", "http-tls-cert", 0, T_PATH,
		OFF(http_tls_cert), 0, 0, true, "FILE",
		"TLS certificate chain (PEM) for the TCP listener"},
	[NS_OPT_HTTP_TLS_KEY] = {"http", "tls_key", "http-tls-key", 0, T_PATH,
		OFF(http_tls_key), 0, 0, true, "FILE", "its private key (PEM)"},
	[NS_OPT_HTTP_REQUEST_TIMEOUT] = {"http", "request_timeout",
		"http-request-timeout", 0, T_UINT, OFF(http_request_timeout_s), 1,
		3600, false, "S", "a request must arrive whole within S seconds; "
		"a keep-alive connection idle S seconds is closed"},
};

/* Codes of long options without a short one, and of the actions. */
#define OPT_CODE(i) (1000 + (int)(i))
enum { ACT_CONFIG = 2000, ACT_CHECK_CONFIG, ACT_CHECK };

const char *ns_config_name(ns_opt_t opt)
{
	static char names[NS_OPT_COUNT][48];
	if ((unsigned)opt >= NS_OPT_COUNT)
		return "?";
	if (!names[opt][0])
		snprintf(names[opt], sizeof names[opt], "[%s] %s",
		         defs[opt].section, defs[opt].key);
	return names[opt];
}

const char *ns_config_key(ns_opt_t opt, const char **section,
                          const char **flag)
{
	if ((unsigned)opt >= NS_OPT_COUNT)
		return NULL;
	if (section)
		*section = defs[opt].section;
	if (flag)
		*flag = defs[opt].flag;
	return defs[opt].key;
}

/* ---- values ---- */

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

static char **str_field(ns_config_t *c, ns_opt_t i)
{
	return (char **)((char *)c + defs[i].offset);
}

static bool set_str(ns_config_t *c, ns_opt_t i, const char *v)
{
	char *copy = v ? strdup(v) : NULL;
	if (v && !copy)
		return false;
	free(*str_field(c, i));
	*str_field(c, i) = copy;
	return true;
}

static bool set_origin(ns_config_t *c, ns_opt_t i, const char *origin)
{
	char *copy = strdup(origin);
	if (!copy)
		return false;
	free(c->origin[i]);
	c->origin[i] = copy;
	return true;
}

/* Set option I from the text VALUE.  False with WHY (SIZE bytes) when the
 * value is not one the option takes.  REPLACE_LIST: a repeatable option
 * starts its list again (the first time a new source sets it). */
static bool set_value(ns_config_t *c, ns_opt_t i, const char *value,
                      bool replace_list, char *why, size_t size)
{
	const struct def *d = &defs[i];
	unsigned long long n;
	char *end, buf[INET6_ADDRSTRLEN + 16], code[16];
	switch (d->type) {
	case T_PATH:
		if (!*value) {
			snprintf(why, size, "must not be empty");
			return false;
		}
		return set_str(c, i, value) || (snprintf(why, size, "out of memory"), false);
	case T_NAME:
		if (!*value || strpbrk(value, " \t:/")) {
			snprintf(why, size, "not a name: \"%s\"", value);
			return false;
		}
		return set_str(c, i, value) || (snprintf(why, size, "out of memory"), false);
	case T_LANG:
		if (!ns_language_normalise(value, strlen(value), code)) {
			snprintf(why, size, "not a language code such as en or ru: "
			         "\"%s\"", value);
			return false;
		}
		return set_str(c, i, value) || (snprintf(why, size, "out of memory"), false);
	case T_UINT:
		if (!parse_ull(value, 10, &n, &end) || *end || n < d->lo || n > d->hi) {
			snprintf(why, size, "not a number from %llu to %llu: \"%s\"",
			         d->lo, d->hi, value);
			return false;
		}
		*(unsigned *)((char *)c + d->offset) = (unsigned)n;
		return true;
	case T_SIZE:
		if (!parse_size(value, &n) || n < d->lo || n > d->hi) {
			char lo[24], hi[24];
			size_str(d->lo, lo, sizeof lo);
			size_str(d->hi, hi, sizeof hi);
			snprintf(why, size, "not a size from %s to %s (K, M, G "
			         "suffixes): \"%s\"", lo, hi, value);
			return false;
		}
		*(size_t *)((char *)c + d->offset) = (size_t)n;
		return true;
	case T_MODE:
		if (!parse_ull(value, 8, &n, &end) || *end || n > d->hi) {
			snprintf(why, size, "not octal permission bits such as 0660: "
			         "\"%s\"", value);
			return false;
		}
		*(unsigned *)((char *)c + d->offset) = (unsigned)n;
		return true;
	case T_LEVEL: {
		int level = ns_log_level_parse(value);
		if (level < 0) {
			snprintf(why, size, "not a level (err, warning, notice, info, "
			         "debug): \"%s\"", value);
			return false;
		}
		*(int *)((char *)c + d->offset) = level;
		return true;
	}
	case T_GLOB: {
		ns_strv_t *sv = (ns_strv_t *)((char *)c + d->offset);
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
	case T_LISTEN:
		if (!*value || strcmp(value, "off") == 0)
			return set_str(c, i, NULL);
		if (!parse_listen(value, buf, sizeof buf)) {
			snprintf(why, size, "not PORT, ADDRESS:PORT or [IPV6]:PORT "
			         "(addresses, not host names): \"%s\"", value);
			return false;
		}
		return set_str(c, i, buf) || (snprintf(why, size, "out of memory"), false);
	}
	return false;
}

/* ---- the command line ---- */

void ns_config_usage(FILE *f)
{
	fprintf(f,
	"usage: nsearchd [OPTION]...\n"
	"       nsearchd --check-config [OPTION]...\n"
	"       nsearchd --check FILE...\n"
	"Index an article tree into Xapian, keep it fresh, and answer searches\n"
	"on a Unix socket (newline-delimited JSON, see docs/protocol.md).\n"
	"Options override the configuration file (docs/configuration.md).\n"
	"\n"
	"  -c, --config FILE      the configuration file (default: $NSEARCH_CONFIG,\n"
	"                         else %s if it exists)\n"
	"      --check-config     print the effective configuration and exit\n"
	"      --check FILE...    parse the files as the indexer would and print\n"
	"                         their fields as JSON lines, then exit\n",
	NS_CONFIG_FILE);
	for (int i = 0; i < NS_OPT_COUNT; i++) {
		const struct def *d = &defs[i];
		char left[48];
		if (d->short_opt)
			snprintf(left, sizeof left, "-%c, --%s %s", d->short_opt,
			         d->flag, d->arg);
		else
			snprintf(left, sizeof left, "    --%s %s", d->flag, d->arg);
		if (strlen(left) > 21)
			fprintf(f, "  %s\n  %-21s  %s\n", left, "", d->help);
		else
			fprintf(f, "  %-21s  %s\n", left, d->help);
	}
	fprintf(f,
	"  -h, --help             this help\n"
	"  -V, --version          version of nsearchd and of Xapian\n");
}

int ns_config_parse_args(int argc, char **argv, ns_config_args_t *out)
{
	struct option longopts[NS_OPT_COUNT + 6];
	char shorts[64] = "c:hV";
	size_t n = 0;
	memset(out, 0, sizeof *out);
	for (int i = 0; i < NS_OPT_COUNT; i++) {
		longopts[n++] = (struct option){defs[i].flag, required_argument,
			NULL, defs[i].short_opt ? defs[i].short_opt : OPT_CODE(i)};
		if (defs[i].short_opt) {
			size_t l = strlen(shorts);
			shorts[l] = (char)defs[i].short_opt;
			shorts[l + 1] = ':';
			shorts[l + 2] = '\0';
		}
	}
	longopts[n++] = (struct option){"config", required_argument, NULL, 'c'};
	longopts[n++] = (struct option){"check-config", no_argument, NULL,
	                                ACT_CHECK_CONFIG};
	longopts[n++] = (struct option){"check", no_argument, NULL, ACT_CHECK};
	longopts[n++] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[n++] = (struct option){"version", no_argument, NULL, 'V'};
	longopts[n] = (struct option){0};

	argv[0] = (char *)"nsearchd"; /* getopt's messages name the program */
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		int which = -1;
		switch (opt) {
		case 'c': out->config_file = optarg; continue;
		case ACT_CHECK_CONFIG: out->check_config = true; continue;
		case ACT_CHECK: out->check = true; continue;
		case 'h': out->help = true; continue;
		case 'V': out->version = true; continue;
		case '?':
			ns_config_usage(stderr);
			ns_config_args_free(out);
			return 2;
		}
		for (int i = 0; i < NS_OPT_COUNT; i++)
			if (opt == OPT_CODE(i) || (defs[i].short_opt &&
			                           opt == defs[i].short_opt))
				which = i;
		if (which < 0)
			continue;
		struct ns_config_arg *v = realloc(out->v, (out->n + 1) * sizeof *v);
		if (!v) {
			fprintf(stderr, "nsearchd: out of memory\n");
			ns_config_args_free(out);
			return 2;
		}
		out->v = v;
		out->v[out->n++] = (struct ns_config_arg){(ns_opt_t)which, optarg};
	}
	out->files = argv + optind;
	out->nfiles = argc - optind;
	if (out->check && !out->nfiles) {
		fprintf(stderr, "nsearchd: --check needs the files to check\n");
		ns_config_args_free(out);
		return 2;
	}
	if (out->nfiles && !out->check) {
		fprintf(stderr, "nsearchd: unexpected argument '%s'\n",
		        argv[optind]);
		ns_config_usage(stderr);
		ns_config_args_free(out);
		return 2;
	}
	if (!out->config_file) {
		const char *env = getenv("NSEARCH_CONFIG");
		if (env && *env)
			out->config_file = env;
	}
	return 0;
}

void ns_config_args_free(ns_config_args_t *args)
{
	free(args->v);
	args->v = NULL;
	args->n = 0;
}

/* ---- the file ---- */

struct file_ctx {
	ns_config_t *c;
	FILE *f;
	const char *path;
	int line;                  /* of the line inih is handling */
	bool overlong;             /* the line did not fit */
	unsigned seen[NS_OPT_COUNT]; /* line each option was set on */
	char err[400];             /* the first problem */
	int err_line;
};

/* inih's fgets: counts lines, so the handler knows where it is. */
static char *read_line(char *str, int num, void *stream)
{
	struct file_ctx *fc = stream;
	if (fc->overlong || !fgets(str, num, fc->f))
		return NULL;
	fc->line++;
	size_t len = strlen(str);
	if (len == (size_t)num - 1 && str[len - 1] != '\n' && !feof(fc->f)) {
		fc->overlong = true;
		if (!fc->err_line) {
			fc->err_line = fc->line;
			snprintf(fc->err, sizeof fc->err, "line longer than %d bytes",
			         num - 2);
		}
		return NULL;
	}
	return str;
}

/* [fields] NAME = TYPE: one declaration.  False with WHY. */
static bool declare_field(ns_config_t *c, const char *name, const char *value,
                          char *why, size_t size)
{
	ns_field_type_t t;
	if (!ns_field_name_ok(name)) {
		snprintf(why, size, "[fields] %s: not a field name of our own (a "
		         "letter, then letters, digits, _ or -, at most %d; not a "
		         "built-in one such as section)", name, NS_FIELD_NAME_MAX);
		return false;
	}
	if (!ns_field_type_parse(value, &t)) {
		snprintf(why, size, "[fields] %s: the type is keyword, boolean or "
		         "number, not \"%s\"", name, value);
		return false;
	}
	for (size_t i = 0; i < c->nfields; i++)
		if (strcmp(c->fields[i].name, name) == 0) {
			snprintf(why, size, "[fields] %s: declared twice", name);
			return false;
		}
	if (c->nfields == NS_MAX_FIELDS) {
		snprintf(why, size, "[fields]: at most %d fields", NS_MAX_FIELDS);
		return false;
	}
	ns_field_decl_t *d = &c->fields[c->nfields++];
	snprintf(d->name, sizeof d->name, "%s", name);
	d->type = t;
	return true;
}

static int on_key(void *user, const char *section, const char *name,
                  const char *value)
{
	struct file_ctx *fc = user;
	char why[400];
	int which = -1;
	if (strcmp(section, "fields") == 0) {
		if (declare_field(fc->c, name, value, why, sizeof why))
			return 1;
		if (!fc->err_line) {
			fc->err_line = fc->line;
			snprintf(fc->err, sizeof fc->err, "%s", why);
		}
		return 0;
	}
	for (int i = 0; i < NS_OPT_COUNT; i++)
		if (strcmp(defs[i].section, section) == 0 &&
		    strcmp(defs[i].key, name) == 0)
			which = i;
	if (which < 0) {
		bool known_section = false;
		for (int i = 0; i < NS_OPT_COUNT; i++)
			known_section |= strcmp(defs[i].section, section) == 0;
		if (!*section)
			snprintf(why, sizeof why, "\"%s\" is outside any [section]",
			         name);
		else if (!known_section)
			snprintf(why, sizeof why, "unknown section [%s]", section);
		else
			snprintf(why, sizeof why, "unknown option \"%s\" in [%s]",
			         name, section);
	} else if (fc->seen[which] && defs[which].type != T_GLOB) {
		snprintf(why, sizeof why, "%s: set twice (first on line %u)",
		         ns_config_name((ns_opt_t)which), fc->seen[which]);
	} else {
		char prob[300];
		if (set_value(fc->c, (ns_opt_t)which, value, !fc->seen[which],
		              prob, sizeof prob)) {
			char origin[PATH_MAX + 16];
			snprintf(origin, sizeof origin, "%s:%d", fc->path, fc->line);
			if (!fc->seen[which])
				set_origin(fc->c, (ns_opt_t)which, origin);
			fc->seen[which] = (unsigned)fc->line;
			return 1;
		}
		snprintf(why, sizeof why, "%s: %s", ns_config_name((ns_opt_t)which),
		         prob);
	}
	if (!fc->err_line) {
		fc->err_line = fc->line;
		snprintf(fc->err, sizeof fc->err, "%s", why);
	}
	return 0;
}

/* Read PATH into C.  MUST_EXIST: a missing file is an error. */
static ns_status_t load_file(ns_config_t *c, const char *path, bool must_exist,
                             char **err)
{
	struct file_ctx fc = {.c = c, .path = path};
	fc.f = fopen(path, "r");
	if (!fc.f) {
		if (!must_exist && errno == ENOENT)
			return NS_OK;
		if (asprintf(err, "%s: %s", path, strerror(errno)) < 0)
			*err = NULL;
		return NS_ERR_IO;
	}
	/* Indented lines are options like any other, not continuations;
	 * comments start with ';' or '#', and ';' after a value. */
	ini_allow_multiline = false;
	ini_stop_on_first_error = true;
	ini_max_line = 4096 + 2; /* the line, its newline and the NUL */
	int rc = ini_parse_stream(read_line, &fc, on_key, &fc);
	fclose(fc.f);
	if (rc == 0 && !fc.err_line)
		return NS_OK;
	if (rc > 0 && (!fc.err_line || rc < fc.err_line)) {
		fc.err_line = rc;
		snprintf(fc.err, sizeof fc.err, "not \"key = value\", a [section] "
		         "or a comment");
	} else if (rc < 0 && !fc.err_line) {
		snprintf(fc.err, sizeof fc.err, "out of memory");
	}
	if (asprintf(err, "%s:%d: %s", path, fc.err_line, fc.err) < 0)
		*err = NULL;
	return NS_ERR_INVALID;
}

/* ---- building ---- */

static ns_status_t set_default(ns_config_t *c, ns_opt_t i, const char *value,
                               const char *origin)
{
	char why[300];
	if (!set_value(c, i, value, true, why, sizeof why))
		return NS_ERR_INVALID;
	return set_origin(c, i, origin) ? NS_OK : NS_ERR_NOMEM;
}

/* The built-in defaults, and the environment's. */
static ns_status_t defaults(ns_config_t *c, char **err)
{
	const char *env;
	char buf[PATH_MAX];
	ns_status_t st = NS_OK;
#define DEFAULT(opt, value, origin)                                      \
	do {                                                             \
		if (st == NS_OK)                                         \
			st = set_default(c, opt, value, origin);         \
	} while (0)

	if ((env = getenv("NSEARCH_ARTICLES")) && *env)
		DEFAULT(NS_OPT_ARTICLES, env, "$NSEARCH_ARTICLES");
	else
		DEFAULT(NS_OPT_ARTICLES, "/srv/nsearch/articles", "default");
	set_origin(c, NS_OPT_IGNORE, "default");
	if ((env = getenv("NSEARCH_LANGUAGE")) && *env) {
		if (set_default(c, NS_OPT_LANGUAGE, env, "$NSEARCH_LANGUAGE") != NS_OK) {
			if (asprintf(err, "$NSEARCH_LANGUAGE: not a language code: "
			             "%s", env) < 0)
				*err = NULL;
			return NS_ERR_INVALID;
		}
	} else {
		DEFAULT(NS_OPT_LANGUAGE, "en", "default");
	}
	DEFAULT(NS_OPT_MAX_FILE_SIZE, "8M", "default");
	DEFAULT(NS_OPT_RESCAN_INTERVAL, "30", "default");
	if ((env = getenv("STATE_DIRECTORY")) && *env) {
		/* systemd's StateDirectory=; the first of a list */
		snprintf(buf, sizeof buf, "%.*s/index", (int)strcspn(env, ":"), env);
		DEFAULT(NS_OPT_INDEX, buf, "$STATE_DIRECTORY");
	} else {
		DEFAULT(NS_OPT_INDEX, "/var/lib/nsearch/index", "default");
	}
	DEFAULT(NS_OPT_BATCH, "1000", "default");
	DEFAULT(NS_OPT_COMMIT_DELAY, "50", "default");
	set_origin(c, NS_OPT_BACKUP_DIR, "default");
	set_origin(c, NS_OPT_SYNONYMS, "default");
	DEFAULT(NS_OPT_MAX_EXPANSION, "1000", "default");
	DEFAULT(NS_OPT_QUERY_TIMEOUT, "0", "default");
	DEFAULT(NS_OPT_MAX_RESULTS, "100", "default");
	DEFAULT(NS_OPT_MAX_OFFSET, "10000", "default");
	if ((env = getenv("NSEARCH_SOCKET")) && *env) {
		DEFAULT(NS_OPT_SOCKET, env, "$NSEARCH_SOCKET");
	} else if ((env = getenv("RUNTIME_DIRECTORY")) && *env) {
		/* systemd's RuntimeDirectory= */
		snprintf(buf, sizeof buf, "%.*s/nsearch.sock",
		         (int)strcspn(env, ":"), env);
		DEFAULT(NS_OPT_SOCKET, buf, "$RUNTIME_DIRECTORY");
	} else if (ns_default_socket(buf, sizeof buf)) {
		DEFAULT(NS_OPT_SOCKET, buf, "default");
	} else {
		/* None that is safe: run() says so, unless systemd passes it. */
		set_origin(c, NS_OPT_SOCKET, "default");
	}
	DEFAULT(NS_OPT_SOCKET_MODE, "0660", "default");
	set_origin(c, NS_OPT_SOCKET_GROUP, "default");
	set_origin(c, NS_OPT_TCP_LISTEN, "default");
	set_origin(c, NS_OPT_TCP_TOKEN_FILE, "default");
	set_origin(c, NS_OPT_ADMIN_TOKEN_FILE, "default");
	DEFAULT(NS_OPT_MAX_CONNECTIONS, "1024", "default");
	DEFAULT(NS_OPT_MAX_REQUEST, "64K", "default");
	DEFAULT(NS_OPT_MAX_PENDING, "4M", "default");
	DEFAULT(NS_OPT_IDLE_TIMEOUT, "300", "default");
	DEFAULT(NS_OPT_LOG_LEVEL, "info", "default");
	set_origin(c, NS_OPT_HTTP_LISTEN, "default");
	set_origin(c, NS_OPT_HTTP_SOCKET, "default");
	set_origin(c, NS_OPT_HTTP_TOKEN_FILE, "default");
	set_origin(c, NS_OPT_HTTP_PUBLISH_TOKEN_FILE, "default");
	set_origin(c, NS_OPT_HTTP_ADMIN_TOKEN_FILE, "default");
	set_origin(c, NS_OPT_HTTP_CORS_ORIGIN, "default");
	set_origin(c, NS_OPT_HTTP_TLS_CERT, "default");
	set_origin(c, NS_OPT_HTTP_TLS_KEY, "default");
	DEFAULT(NS_OPT_HTTP_REQUEST_TIMEOUT, "10", "default");
#undef DEFAULT
	for (int i = 0; st == NS_OK && i < NS_OPT_COUNT; i++)
		if (!c->origin[i])
			st = NS_ERR_NOMEM;
	if (st != NS_OK)
		*err = strdup(ns_status_str(st));
	return st;
}

ns_status_t ns_config_build(const ns_config_args_t *args, ns_config_t *out,
                            char **err)
{
	*err = NULL;
	memset(out, 0, sizeof *out);
	ns_status_t st = defaults(out, err);
	const char *path = args->config_file ? args->config_file : NS_CONFIG_FILE;
	if (st == NS_OK)
		st = load_file(out, path, args->config_file != NULL, err);
	struct stat sb;
	if (st == NS_OK && stat(path, &sb) == 0 && !(out->file = strdup(path)))
		st = NS_ERR_NOMEM;
	bool given[NS_OPT_COUNT] = {0};
	for (size_t k = 0; st == NS_OK && k < args->n; k++) {
		ns_opt_t i = args->v[k].opt;
		char why[300], flag[64];
		snprintf(flag, sizeof flag, "--%s", defs[i].flag);
		if (!set_value(out, i, args->v[k].value, !given[i], why, sizeof why)) {
			if (asprintf(err, "%s: %s", flag, why) < 0)
				*err = NULL;
			st = NS_ERR_INVALID;
		} else if (!set_origin(out, i, flag)) {
			st = NS_ERR_NOMEM;
		}
		given[i] = true;
	}
	if (st != NS_OK) {
		if (!*err)
			*err = strdup(ns_status_str(st));
		ns_config_clear(out);
	}
	return st;
}

/* ---- checks that need the system ---- */

static ns_status_t failf(char **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static ns_status_t failf(char **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
	return NS_ERR_INVALID;
}

ns_status_t ns_config_read_token(const char *path, char **token, char **err)
{
	*token = NULL;
	*err = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return failf(err, "token file %s: %s", path, strerror(e));
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		return failf(err, "token file %s: not a regular file", path);
	}
	if (sb.st_uid != geteuid() || (sb.st_mode & 077)) {
		close(fd);
		return failf(err, "token file %s: must belong to the daemon's user "
		             "(uid %u) and be readable by no one else (mode %04o; "
		             "chmod 600)", path, (unsigned)geteuid(),
		             (unsigned)(sb.st_mode & 07777));
	}
	char buf[1024];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		return failf(err, "token file %s: %s", path, strerror(errno));
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	size_t len = strlen(buf);
	if (len < 16)
		return failf(err, "token file %s: the token (its first line) must "
		             "be at least 16 characters", path);
	*token = strdup(buf);
	explicit_bzero(buf, sizeof buf);
	return *token ? NS_OK : NS_ERR_NOMEM;
}

/* The admin token reads as the token does, and is not the same one:
 * else every TCP client would be an admin. */
static ns_status_t check_admin_token(const ns_config_t *c, char **err)
{
	char *admin = NULL, *token = NULL, *why = NULL;
	ns_status_t st = ns_config_read_token(c->admin_token_file, &admin, &why);
	if (st != NS_OK) {
		failf(err, "%s (%s): %s", ns_config_name(NS_OPT_ADMIN_TOKEN_FILE),
		      c->origin[NS_OPT_ADMIN_TOKEN_FILE], why ? why : "out of memory");
		free(why);
		return NS_ERR_INVALID;
	}
	if (c->tcp_token_file &&
	    ns_config_read_token(c->tcp_token_file, &token, &why) == NS_OK &&
	    strcmp(token, admin) == 0)
		st = failf(err, "%s (%s): the admin token must differ from %s's",
		           ns_config_name(NS_OPT_ADMIN_TOKEN_FILE),
		           c->origin[NS_OPT_ADMIN_TOKEN_FILE],
		           ns_config_name(NS_OPT_TCP_TOKEN_FILE));
	free(why);
	explicit_bzero(admin, strlen(admin));
	free(admin);
	if (token)
		explicit_bzero(token, strlen(token));
	free(token);
	return st == NS_OK ? NS_OK : NS_ERR_FORMAT;
}

/* [http]: each token file reads as a token, the three differ, and a
 * certificate comes with its key. */
static ns_status_t check_http(const ns_config_t *c, char **err)
{
	static const ns_opt_t files[] = {NS_OPT_HTTP_TOKEN_FILE,
	                                 NS_OPT_HTTP_PUBLISH_TOKEN_FILE,
	                                 NS_OPT_HTTP_ADMIN_TOKEN_FILE};
	char *tok[3] = {NULL, NULL, NULL};
	ns_status_t st = NS_OK;
	for (int i = 0; i < 3 && st == NS_OK; i++) {
		const char *path = *(char *const *)((const char *)c +
		                                     defs[files[i]].offset);
		char *why = NULL;
		if (path && ns_config_read_token(path, &tok[i], &why) != NS_OK) {
			st = failf(err, "%s (%s): %s", ns_config_name(files[i]),
			           c->origin[files[i]], why ? why : "out of memory");
			free(why);
		}
		for (int k = 0; st == NS_OK && tok[i] && k < i; k++)
			if (tok[k] && strcmp(tok[k], tok[i]) == 0)
				st = failf(err, "%s (%s): the same token as %s: each role "
				           "needs its own", ns_config_name(files[i]),
				           c->origin[files[i]], ns_config_name(files[k]));
	}
	for (int i = 0; i < 3; i++) {
		if (tok[i])
			explicit_bzero(tok[i], strlen(tok[i]));
		free(tok[i]);
	}
	if (st == NS_OK && !c->http_tls_cert != !c->http_tls_key)
		st = failf(err, "%s and %s go together",
		           ns_config_name(NS_OPT_HTTP_TLS_CERT),
		           ns_config_name(NS_OPT_HTTP_TLS_KEY));
	return st;
}

ns_status_t ns_config_check(const ns_config_t *c, char **err)
{
	*err = NULL;
	struct stat sb;
	if (stat(c->articles, &sb) < 0)
		return failf(err, "%s (%s): %s", ns_config_name(NS_OPT_ARTICLES),
		             c->origin[NS_OPT_ARTICLES], strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return failf(err, "%s (%s): %s is not a directory",
		             ns_config_name(NS_OPT_ARTICLES),
		             c->origin[NS_OPT_ARTICLES], c->articles);
	if (c->socket_group && !getgrnam(c->socket_group))
		return failf(err, "%s (%s): no such group: %s",
		             ns_config_name(NS_OPT_SOCKET_GROUP),
		             c->origin[NS_OPT_SOCKET_GROUP], c->socket_group);
	if (c->tcp_listen && !c->tcp_token_file) {
		failf(err, "%s (%s) needs %s: TCP clients must send a token",
		      ns_config_name(NS_OPT_TCP_LISTEN), c->origin[NS_OPT_TCP_LISTEN],
		      ns_config_name(NS_OPT_TCP_TOKEN_FILE));
		return NS_ERR_FORMAT; /* the configuration itself is wrong */
	}
	if (c->tcp_token_file) {
		char *token = NULL, *why = NULL;
		if (ns_config_read_token(c->tcp_token_file, &token, &why) != NS_OK) {
			ns_status_t st = failf(err, "%s (%s): %s",
			                       ns_config_name(NS_OPT_TCP_TOKEN_FILE),
			                       c->origin[NS_OPT_TCP_TOKEN_FILE],
			                       why ? why : "out of memory");
			free(why);
			return st;
		}
		explicit_bzero(token, strlen(token));
		free(token);
	}
	if (c->backup_dir && c->backup_dir[0] != '/') {
		failf(err, "%s (%s): must be an absolute path: %s",
		      ns_config_name(NS_OPT_BACKUP_DIR), c->origin[NS_OPT_BACKUP_DIR],
		      c->backup_dir);
		return NS_ERR_FORMAT;
	}
	if (c->admin_token_file) {
		ns_status_t st = check_admin_token(c, err);
		if (st != NS_OK)
			return st;
	}
	ns_status_t hst = check_http(c, err);
	if (hst != NS_OK)
		return hst;
	if (c->synonyms) {
		/* Read it as a search would: a bad line is the file's fault. */
		ns_synonyms_t *syn = NULL;
		char *why = NULL;
		ns_status_t st = ns_synonyms_load(c->synonyms, &syn, &why);
		ns_synonyms_free(syn);
		if (st != NS_OK) {
			failf(err, "%s (%s): %s", ns_config_name(NS_OPT_SYNONYMS),
			      c->origin[NS_OPT_SYNONYMS], why ? why : "out of memory");
			free(why);
			return st == NS_ERR_FORMAT ? NS_ERR_FORMAT : NS_ERR_INVALID;
		}
	}
	return NS_OK;
}

/* ---- showing and comparing ---- */

/* Option I's value as text into BUF; false when it is not set. */
static bool value_str(const ns_config_t *c, ns_opt_t i, char *buf, size_t size)
{
	const struct def *d = &defs[i];
	const char *base = (const char *)c + d->offset;
	switch (d->type) {
	case T_PATH: case T_NAME: case T_LANG: case T_LISTEN: {
		const char *s = *(char *const *)base;
		if (!s)
			return false;
		snprintf(buf, size, "%s", s);
		return true;
	}
	case T_UINT:
		snprintf(buf, size, "%u", *(const unsigned *)base);
		return true;
	case T_SIZE:
		size_str(*(const size_t *)base, buf, size);
		return true;
	case T_MODE:
		snprintf(buf, size, "%04o", *(const unsigned *)base);
		return true;
	case T_LEVEL: {
		static const char *const names[] = {"err", "warning", "notice",
		                                    "info", "debug"};
		int l = *(const int *)base;
		snprintf(buf, size, "%s", l >= NS_LOG_ERR && l <= NS_LOG_DEBUG
		                          ? names[l - NS_LOG_ERR] : "?");
		return true;
	}
	case T_GLOB: {
		const ns_strv_t *sv = (const ns_strv_t *)base;
		if (!sv->n)
			return false;
		size_t off = 0;
		buf[0] = '\0';
		for (size_t k = 0; k < sv->n && off < size; k++)
			off += (size_t)snprintf(buf + off, size - off, "%s%s",
			                        k ? "\n" : "", sv->v[k]);
		return true;
	}
	}
	return false;
}

static void print_fields(const ns_config_t *c, FILE *f)
{
	fprintf(f, "\n[fields]\n");
	if (!c->nfields)
		fprintf(f, "; none declared\n");
	for (size_t i = 0; i < c->nfields; i++)
		fprintf(f, "%s = %s\n", c->fields[i].name,
		        ns_field_type_name(c->fields[i].type));
}

void ns_config_print(const ns_config_t *c, FILE *f)
{
	fprintf(f, "; nsearchd %s: the effective configuration (%s)\n",
	        NS_VERSION, c->file ? c->file : "no configuration file");
	const char *section = "";
	for (int i = 0; i < NS_OPT_COUNT; i++) {
		const struct def *d = &defs[i];
		if (strcmp(section, d->section) != 0) {
			fprintf(f, "%s[%s]\n", *section ? "\n" : "", d->section);
			section = d->section;
		}
		char buf[8192];
		const char *origin = c->origin[i] ? c->origin[i] : "default";
		if (!value_str(c, (ns_opt_t)i, buf, sizeof buf)) {
			fprintf(f, "; %s =   ; not set (%s)\n", d->key, origin);
			continue;
		}
		for (char *line = buf, *nl; line; line = nl) {
			nl = strchr(line, '\n');
			if (nl)
				*nl++ = '\0';
			fprintf(f, "%s = %s   ; %s\n", d->key, line, origin);
		}
	}
	print_fields(c, f);
}

bool ns_config_needs_restart(const ns_config_t *old, const ns_config_t *now,
                             ns_buf_t *names)
{
	bool any = old->nfields != now->nfields ||
	           memcmp(old->fields, now->fields,
	                  old->nfields * sizeof *old->fields) != 0;
	if (any)
		ns_buf_printf(names, "[fields]");
	for (int i = 0; i < NS_OPT_COUNT; i++) {
		if (defs[i].reload)
			continue;
		char a[8192], b[8192];
		bool has_a = value_str(old, (ns_opt_t)i, a, sizeof a);
		bool has_b = value_str(now, (ns_opt_t)i, b, sizeof b);
		if (has_a == has_b && (!has_a || strcmp(a, b) == 0))
			continue;
		ns_buf_printf(names, "%s%s", any ? ", " : "",
		              ns_config_name((ns_opt_t)i));
		any = true;
	}
	return any;
}

static size_t field_size(enum type t)
{
	switch (t) {
	case T_PATH: case T_NAME: case T_LANG: case T_LISTEN: return sizeof(char *);
	case T_UINT: case T_MODE: return sizeof(unsigned);
	case T_SIZE: return sizeof(size_t);
	case T_LEVEL: return sizeof(int);
	case T_GLOB: return sizeof(ns_strv_t);
	}
	return 0;
}

void ns_config_take_reloadable(ns_config_t *into, ns_config_t *from,
                               ns_buf_t *changes)
{
	for (int i = 0; i < NS_OPT_COUNT; i++) {
		const struct def *d = &defs[i];
		if (!d->reload)
			continue;
		char a[4096], b[4096];
		bool has_a = value_str(into, (ns_opt_t)i, a, sizeof a);
		bool has_b = value_str(from, (ns_opt_t)i, b, sizeof b);
		if (changes && (has_a != has_b || (has_a && strcmp(a, b) != 0)))
			ns_buf_printf(changes, "%s%s %s -> %s",
			              changes->len ? ", " : "",
			              ns_config_name((ns_opt_t)i), has_a ? a : "(none)",
			              has_b ? b : "(none)");
		unsigned char tmp[sizeof(ns_strv_t) > sizeof(size_t)
		                  ? sizeof(ns_strv_t) : sizeof(size_t)];
		char *x = (char *)into + d->offset, *y = (char *)from + d->offset;
		size_t n = field_size(d->type);
		memcpy(tmp, x, n);
		memcpy(x, y, n);
		memcpy(y, tmp, n);
		char *o = into->origin[i];
		into->origin[i] = from->origin[i];
		from->origin[i] = o;
	}
	char *f = into->file;
	into->file = from->file;
	from->file = f;
}

void ns_config_clear(ns_config_t *c)
{
	for (int i = 0; i < NS_OPT_COUNT; i++) {
		switch (defs[i].type) {
		case T_PATH: case T_NAME: case T_LANG: case T_LISTEN:
			free(*str_field(c, (ns_opt_t)i));
			break;
		case T_GLOB:
			ns_strv_clear((ns_strv_t *)((char *)c + defs[i].offset));
			break;
		default:
			break;
		}
		free(c->origin[i]);
	}
	free(c->file);
	memset(c, 0, sizeof *c);
}
