/* config.h - nsearchd's options: built-in defaults, the environment, the
 * configuration file (INI, read with libinih) and the command line, in
 * rising order of precedence, each value validated and remembered with
 * where it came from.  Never opens a socket or an index. */
#ifndef NS_CONFIG_H
#define NS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/fields.h"
#include "core/util.h"

/* Every option has an index, used for its origin and by the command line. */
typedef enum {
	NS_OPT_ARTICLES,
	NS_OPT_IGNORE,
	NS_OPT_LANGUAGE,
	NS_OPT_MAX_FILE_SIZE,
	NS_OPT_RESCAN_INTERVAL,
	NS_OPT_INDEX,
	NS_OPT_BATCH,
	NS_OPT_COMMIT_DELAY,
	NS_OPT_BULK_WRITERS,
	NS_OPT_AUTO_COMPACT,
	NS_OPT_BACKUP_DIR,
	NS_OPT_INDEX_CHECK,
	NS_OPT_SYNONYMS,
	NS_OPT_MAX_EXPANSION,
	NS_OPT_QUERY_TIMEOUT,
	NS_OPT_MAX_RESULTS,
	NS_OPT_MAX_OFFSET,
	NS_OPT_MIN_REVISION_WAIT,
	NS_OPT_EXACT_COUNT,
	NS_OPT_SOCKET,
	NS_OPT_SOCKET_MODE,
	NS_OPT_SOCKET_GROUP,
	NS_OPT_TCP_LISTEN,
	NS_OPT_TCP_TOKEN_FILE,
	NS_OPT_ADMIN_TOKEN_FILE,
	NS_OPT_MAX_CONNECTIONS,
	NS_OPT_MAX_UNAUTHENTICATED,
	NS_OPT_AUTH_TIMEOUT,
	NS_OPT_MAX_REQUEST,
	NS_OPT_MAX_PENDING,
	NS_OPT_MAX_PENDING_TOTAL,
	NS_OPT_IDLE_TIMEOUT,
	NS_OPT_LOG_LEVEL,
	NS_OPT_LOG_QUERIES,
	NS_OPT_SLOW_QUERY,
	NS_OPT_QUERY_SAMPLE,
	NS_OPT_HTTP_LISTEN,
	NS_OPT_HTTP_SOCKET,
	NS_OPT_HTTP_TOKEN_FILE,
	NS_OPT_HTTP_PUBLISH_TOKEN_FILE,
	NS_OPT_HTTP_ADMIN_TOKEN_FILE,
	NS_OPT_HTTP_CORS_ORIGIN,
	NS_OPT_HTTP_TLS_CERT,
	NS_OPT_HTTP_TLS_KEY,
	NS_OPT_HTTP_REQUEST_TIMEOUT,
	NS_OPT_REPLICATION_LISTEN,
	NS_OPT_REPLICATION_CHANGESETS,
	NS_OPT_REPLICA_PRIMARY,
	NS_OPT_REPLICA_INTERVAL,
	NS_OPT_REPLICA_MAX_LAG,
	NS_OPT_SHARDS,
	NS_OPT_SHARD_TIMEOUT,
	NS_OPT_COUNT
} ns_opt_t;

typedef struct {
	/* [articles] */
	char *articles;            /* the tree to index and watch */
	ns_strv_t ignore;          /* more globs to skip */
	char *language;            /* as given; ns_language_normalise() takes it */
	size_t max_file_size;
	unsigned rescan_interval_s;
	/* [index] */
	char *index;
	unsigned batch;            /* commit after this many changes */
	unsigned commit_delay_ms;  /* or this long after the first */
	unsigned bulk_writers;     /* a bulk load into an empty index on this
	                              many writers (0: one a core, at most 4) */
	unsigned auto_compact;     /* compact after a bulk load of this many
	                              changes (0: never) */
	char *backup_dir;          /* backups go inside it; NULL: refused */
	int index_check;           /* at start: ns_index_check_t */
	/* [search] */
	char *synonyms;            /* NULL: none */
	unsigned max_expansion;    /* words a wildcard may match; 0: none */
	unsigned query_timeout_ms; /* a search's time; 0: no limit */
	unsigned max_results;      /* hits one search may return */
	unsigned max_offset;       /* how deep a search may page */
	unsigned min_revision_wait_ms; /* a request's min_revision, at most */
	unsigned exact_count;          /* matches counted exactly up to this */
	/* [socket] */
	char *socket;
	unsigned socket_mode;      /* permission bits of the socket file */
	char *socket_group;        /* NULL: the daemon's own group */
	/* [tcp] */
	char *tcp_listen;          /* "HOST:PORT" as normalised; NULL: off */
	char *tcp_token_file;
	char *admin_token_file;    /* its token gives the admin role; NULL */
	/* [limits] */
	unsigned max_connections;
	unsigned max_unauthenticated; /* TCP ones yet to say the token */
	unsigned auth_timeout_s;   /* to say it in */
	size_t max_request;        /* bytes of one request line */
	size_t max_pending;        /* bytes of replies a client has not read */
	size_t max_pending_total;  /* the same, all clients together */
	unsigned idle_timeout_s;   /* 0: never */
	/* [log] */
	int log_level;             /* NS_LOG_* */
	int log_queries;           /* ns_qlog_mode_t: which searches are logged */
	unsigned slow_query_ms;    /* a search this long is slow */
	unsigned query_sample;     /* "sampled": one in this many of the rest */
	/* [http] (docs/http.md) */
	char *http_listen;         /* "HOST:PORT"; NULL: off */
	char *http_socket;         /* a Unix socket for HTTP; NULL: none */
	char *http_token_file;     /* search role; NULL: search is open */
	char *http_publish_token_file;
	char *http_admin_token_file;
	ns_strv_t http_cors_origins;
	char *http_tls_cert, *http_tls_key;
	unsigned http_request_timeout_s;
	/* [replication]: a primary serves its index to replicas
	 * (docs/scaling.md) */
	char *replication_listen;  /* xapian-replicate-server's "HOST:PORT";
	                              NULL: none */
	unsigned changesets;       /* XAPIAN_MAX_CHANGESETS while it serves */
	/* [replica]: a read-only copy that follows a primary */
	char *replica_of;          /* the primary's "HOST:PORT"; NULL: this
	                              daemon is no replica */
	unsigned replica_interval_ms; /* ask it for changes this often */
	unsigned replica_max_lag_s;   /* not ready further behind */
	/* [shards]: a front that searches several indexes as one */
	ns_strv_t shards;          /* paths or xapian-tcpsrv "HOST:PORT"s;
	                              none: this daemon is no front */
	unsigned shard_timeout_ms; /* each exchange with one; 0: a quarter of
	                              query_timeout_ms (ns_config_shard_timeout) */
	/* [fields]: a CMS's own fields, filterable, sortable, facetable */
	ns_field_decl_t fields[NS_MAX_FIELDS];
	size_t nfields;

	char *file;                /* the configuration file read, or NULL */
	/* Where each value came from: "default", "$NSEARCH_ARTICLES",
	 * "FILE:LINE", "--batch". */
	char *origin[NS_OPT_COUNT];
} ns_config_t;

/* The command line, parsed but not applied. */
typedef struct {
	const char *config_file;   /* --config, or $NSEARCH_CONFIG; NULL: the
	                              default path, which may be missing */
	bool check_config;         /* --check-config */
	bool check;                /* --check FILE... */
	unsigned split;            /* --split-index N DIR: N shards; 0: no */
	bool merge;                /* --merge-shards DEST SHARD... */
	bool help, version;
	char **files;              /* --check's, borrowed from argv */
	int nfiles;
	struct ns_config_arg {
		ns_opt_t opt;
		const char *value;     /* borrowed from argv */
	} *v;                      /* option settings in the order given */
	size_t n;
} ns_config_args_t;

/* Parse ARGV (getopt_long; argv[0] is replaced by "nsearchd").  Returns
 * 0, or 2 after printing why to stderr.  Values are checked when the
 * configuration is built.  Free with ns_config_args_free(). */
int ns_config_parse_args(int argc, char **argv, ns_config_args_t *out);
void ns_config_args_free(ns_config_args_t *args);

/* nsearchd --help. */
void ns_config_usage(FILE *f);

/* Build the configuration: defaults, then the environment, then the file
 * (ARGS->config_file, else NS_CONFIG_FILE if it exists), then ARGS.  On
 * failure *ERR is new (free()) and says where and why ("FILE:LINE:
 * [limits] max_connections: not a number from 1 to 65536: lots"); OUT is
 * then cleared.  Options are checked one by one here; what needs the
 * system (files, groups) is ns_config_check()'s. */
ns_status_t ns_config_build(const ns_config_args_t *args, ns_config_t *out,
                            char **err);

/* What the values alone cannot say: the articles directory is one, the
 * group exists, the token file is there, non-empty and private to the
 * daemon's user, the synonyms file reads without error.  *ERR as above.
 * NS_ERR_FORMAT when the configuration itself can never work (TCP
 * without a token file, a synonyms file with a bad line): nsearchd then
 * exits 2, which systemd does not retry; NS_ERR_INVALID for what the
 * system may yet fix (a directory not mounted yet), exit 1. */
ns_status_t ns_config_check(const ns_config_t *c, char **err);

/* The effective configuration as a configuration file, each value with
 * where it came from. */
void ns_config_print(const ns_config_t *c, FILE *f);

/* The options that differ between OLD and NEW and that only a restart
 * applies, appended to NAMES ("[index] path, [tcp] listen").  True when
 * there is any. */
bool ns_config_needs_restart(const ns_config_t *old, const ns_config_t *now,
                             ns_buf_t *names);

/* A reload: the options SIGHUP applies (and the file's name) move from
 * FROM to INTO, INTO's old values to FROM.  CHANGES (may be NULL) gets
 * "[limits] idle_timeout 300 -> 5" for each value that differs. */
void ns_config_take_reloadable(ns_config_t *into, ns_config_t *from,
                               ns_buf_t *changes);

/* OPT's key, and (if not NULL) its section and long flag without the
 * dashes; static strings, NULL for no such option. */
const char *ns_config_key(ns_opt_t opt, const char **section,
                          const char **flag);

/* OPT's built-in default as a configuration file writes it ("8M",
 * "0660", "quick"; static), before the environment has its say; NULL when
 * the option has none (or a default only the system can tell, as the
 * socket's). */
const char *ns_config_default(ns_opt_t opt);

/* The built-in default of OPT, a number (a count, a size, a time, a mode):
 * for modules that fall back to it when given 0.  OPT must have one. */
unsigned long long ns_config_default_number(ns_opt_t opt);

/* "[section] key" of OPT; static. */
const char *ns_config_name(ns_opt_t opt);

/* The most shards a front may have (NS_MAX_SHARDS of the readers). */
#define NS_CONFIG_MAX_SHARDS 64

/* How long a front waits for one shard's answer, in ms: [shards]
 * timeout_ms, else a quarter of query_timeout_ms (a search must have
 * time to find a shard gone, probe the others and run again), else
 * 10000. */
unsigned ns_config_shard_timeout(const ns_config_t *c);

/* Free every string and zero C.  Accepts a zeroed C. */
void ns_config_clear(ns_config_t *c);

/* Read the token in PATH (the file's first line, at least 16 bytes,
 * without the newline) into *TOKEN (new).  The file must belong to the
 * daemon's user and be readable by nobody else. */
ns_status_t ns_config_read_token(const char *path, char **token, char **err);

#endif
