/* nsearchd.h - what nsearchd's own files share (main.c, systemd.c,
 * daemon_ops.c, reload.c, check.c): the daemon's state and what each
 * file offers the others.  Not part of the daemon library: nothing there,
 * and no test, includes it. */
#ifndef NS_NSEARCHD_H
#define NS_NSEARCHD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "daemon/config.h"
#include "daemon/index.h"
#include "daemon/query.h"
#include "daemon/repl_primary.h"
#include "daemon/replica.h"
#include "daemon/server.h"
#include "daemon/watch.h"

#define LOG_MOD "main"

/* Descriptors kept for everything but connections: the index (the
 * writer's tables, a compaction's copy, each pooled reader's), the files
 * being read ahead, the loop's own (inotify, epoll, signals, eventfd),
 * standard streams and the journal. */
#define FDS_RESERVED 128

struct daemon {
	uv_loop_t loop;
	uv_signal_t sigint, sigterm, sighup;
	uv_timer_t status_timer;    /* STATUS= for systemd, while it changes */
	uv_timer_t watchdog;        /* WATCHDOG=1, when systemd wants it */
	bool watchdog_on;
	uv_async_t committed;       /* the writer committed or passed a barrier */
	pthread_mutex_t async_mu;   /* guards committed_open */
	bool committed_open;        /* uv_async_send is allowed */
	ns_indexer_t *ix;
	ns_searcher_t *searcher;
	ns_querylog_t *querylog;    /* what people searched for */
	ns_watch_t *watch;
	ns_server_t *server;
	struct ns_http *http;       /* the HTTP front door, or NULL */
	ns_replica_t *replica;      /* a replica's copy (then no ix, no watch,
	                               no root), or NULL */
	struct ns_shardset *shards; /* a front's shards (then no ix, no watch,
	                               no root; the searcher owns them), or
	                               NULL */
	uv_timer_t probe_timer;     /* a front: try the shards that are down */
	bool probe_timer_on;
	uv_work_t probe; /* ... on a worker, one at a time */
	bool probing;
	ns_repl_primary_t *serving; /* a primary's replication server, or NULL */
	pid_t serving_group;        /* its process group, which the writer
	                               holds still while it commits (atomic) */
	uint64_t ready_barrier;     /* the barrier queued after the first scan */
	bool ready;
	bool stopping;
	unsigned long long scanned; /* files the start-up scan found */
	char listening[512];        /* the sockets, for the log */
	char status[200];           /* the last STATUS= sent */
	uint64_t left;              /* files queued at the last status tick */
	unsigned long long started_ms, ready_ms; /* monotonic */
	const char *root;           /* the articles directory, absolute */
	int rootfd;                 /* and open, to resolve paths beneath */
	ns_config_t cfg;            /* the configuration in force */
	const ns_config_args_t *args; /* the command line, for reloads */
	uint64_t nofile;            /* descriptors the process may open */
	char *made_dir;             /* the first parent directory of the index
	                               this start made (NULL: none), and ... */
	bool made_index;            /* ... the index's own: removed if it fails
	                               (index_dirs.c) */
	unsigned clamped;           /* max_connections clamped to this (0: not) */
};

/* systemd.c: telling systemd (a no-op when built without libsystemd) */

/* Send STATE ("READY=1", ...) to systemd. */
void ns_sd_notify(const char *state);
/* Send PREFIX (may be "", then only if the status changed) and the
 * current STATUS= line. */
void ns_sd_status(struct daemon *d, const char *prefix);
/* STATUS=failed: MSG. */
void ns_sd_failed(const char *msg);
/* RELOADING=1, with the time systemd's notify-reload wants. */
void ns_sd_reloading(void);
/* Say the status now, then every second while it changes, and feed the
 * watchdog if systemd set one; ns_sd_stop closes those timers. */
void ns_sd_start(struct daemon *d);
void ns_sd_stop(struct daemon *d);
/* How many sockets systemd passed (negative: an errno), with their
 * FileDescriptorName= in *NAMES (new: free each and the array; may be
 * NULL), and the descriptor of the Ith. */
int ns_sd_listen_fds(char ***names);
int ns_sd_listen_fd(int i);
/* Log a fatal start-up error, tell systemd, and return 1. */
int ns_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* daemon_ops.c: what the server asks of the daemon (waits, maintenance,
 * the index's health), every field but .status. */
ns_server_handlers_t ns_ops_handlers(struct daemon *d);

/* reload.c: SIGHUP, and what the configuration asks of the server */

/* What configuration C asks of the server, within the limit on open
 * files (said once when it changes). */
ns_server_limits_t ns_daemon_limits(struct daemon *d, const ns_config_t *c);
/* Read the tokens C names, *TOKEN and *ADMIN (new, NULL when C names
 * none; free with ns_secret_free).  On failure neither is set, and *WHY
 * (new, free()) says why. */
ns_status_t ns_tokens_read(const ns_config_t *c, char **token, char **admin,
                           char **why);
/* Give the server TOKEN (NULL: keep the one it has) and ADMIN (NULL:
 * none); steals both. */
void ns_tokens_apply(struct daemon *d, char *token, char *admin);
void ns_on_sighup(uv_signal_t *h, int signum);

/* index_dirs.c: the index directory at start */

/* mkdir -p PATH, private to the daemon's user; what this start made
 * into D (made_dir, made_index). */
void nsd_index_dirs_make(struct daemon *d, const char *path);
/* After a failed start: remove what nsd_index_dirs_make() made, the
 * index's files too if this start held its lock (OPENED). */
void nsd_index_dirs_remove(struct daemon *d, bool opened);
/* 0 if INDEX is missing or private, else 1 after saying what to run. */
int nsd_index_private(const char *index);

/* check.c: --check */

/* What the indexer would make of each of the N FILES, one JSON line
 * each on stdout; 0, or 1 when any cannot be indexed. */
int ns_check_files(char **files, int n, const ns_config_t *c);

/* repl_ops.c: replication, on either side (docs/scaling.md) */

/* A replica: follow the primary, the searcher reading the copy.  0, or
 * the exit status after saying why. */
int nsd_replica_open(struct daemon *d);
/* A primary with [replication] listen: serve the index (the writer has
 * it open).  0, or the exit status after saying why. */
int nsd_replication_open(struct daemon *d);
/* What the server asks of a replica: every field. */
ns_server_handlers_t nsd_replica_handlers(struct daemon *d);
/* The handlers' replication hook, on either side.  CTX: the daemon. */
void nsd_replication_of(void *ctx, ns_replication_status_t *out);
/* A replica's state in a few words, for systemd's STATUS=. */
void nsd_replica_describe(struct daemon *d, char *buf, size_t size);
/* Stop following or serving (run the loop until their children end). */
void nsd_replication_close(struct daemon *d);

/* front_shards.c: a front over shards ([shards], docs/scaling.md) */

/* The searcher: over the shards of a front, else over the index.  0, or
 * 1 when out of memory. */
int nsd_front_searcher(struct daemon *d);
/* A front: the timer that tries the shards that are down.  0. */
int nsd_front_open(struct daemon *d);
/* Close that timer (accepts a daemon that is no front). */
void nsd_front_close(struct daemon *d);
/* Does some shard answer? */
bool nsd_front_ready(struct daemon *d);
/* Its state in a few words, for systemd's STATUS=. */
void nsd_front_describe(struct daemon *d, char *buf, size_t size);
/* What the server asks of a front: every field. */
ns_server_handlers_t nsd_front_handlers(struct daemon *d);

/* --split-index N DIR, or --merge-shards DEST SHARD... of ARGS, on the
 * index of CFG: the exit status. */
int nsd_shard_tool(const ns_config_args_t *args, const ns_config_t *cfg);

/* front.c: the HTTP front door (daemon/http.h) */

/* Is the daemon ready (the start-up reconciliation done)?  CTX: it. */
bool nsd_ready(void *ctx);
/* Was systemd's Ith socket (of NAMES, may be NULL) named "http"? */
bool nsd_http_fd(char **names, int i);
/* Start the front door when systemd passed sockets named "http" (of the
 * N in NAMES) or the configuration asks for it, with the server's
 * handlers H.  0, or the exit status after saying why. */
int nsd_http_open(struct daemon *d, char **names, int n,
                  const ns_server_handlers_t *h);
/* Its tokens, origins, limits and certificate from D's configuration;
 * CHANGES (may be NULL) says what was read.  0, or 1 after logging. */
int nsd_http_apply(struct daemon *d, ns_buf_t *changes);

#endif
