/* replica.c - a replica's copy of its primary's index (replica.h): rounds
 * of xapian-replicate one at a time, the copy's revision read on the
 * pool after each, and the lag, reachability and readiness they make.
 * Xapian writes the copy (a stub database leading to replica_0 or
 * replica_1); this file never writes it, and never talks to the primary
 * itself. */
#include "daemon/replica.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "daemon/child.h"
#include "daemon/fault.h"
#include "daemon/repl_primary.h"
#include "nsx.h"

#define LOG_MOD "replica"
/* Seconds a round may wait on a silent primary, each read or write. */
#define ROUND_TIMEOUT "10"

struct ns_replica {
	uv_loop_t *loop;
	uv_timer_t tick;
	uv_work_t work;
	ns_replica_opts_t o;
	char primary[280], dir[PATH_MAX];
	char bin[PATH_MAX], host[256], port[8];
	ns_child_t *round;          /* the xapian-replicate under way */
	bool reading;               /* the pool reads the copy */
	bool again;                 /* a round was asked for meanwhile */
	bool closing, tick_closed;
	/* What the rounds found (loop thread; revision also read by any) */
	uint64_t revision, documents, rev_before, behind_revisions;
	bool synced, connected;
	unsigned long long started_ms, round_ms, last_sync_ms, unreachable_ms;
	uint64_t rounds, failures, full_copies;
	char error[300];
	/* The pool's, while reading (then the loop's) */
	char stub[512];             /* the stub database as last read */
	bool full_copy, read_ok;
	uint64_t read_rev, read_docs;
	char read_err[200];
};

static void maybe_free(ns_replica_t *r)
{
	if (r->closing && r->tick_closed && !r->round && !r->reading)
		free(r);
}

static void on_tick_closed(uv_handle_t *h)
{
	ns_replica_t *r = h->data;
	r->tick_closed = true;
	maybe_free(r);
}

/* The stub database Xapian's replica keeps ("auto replica_1"): it leads
 * elsewhere after each whole copy.  "" when there is none.  Pool, or the
 * loop before the first round. */
static void read_stub(const ns_replica_t *r, char *out, size_t size)
{
	char path[PATH_MAX + 16], *text = NULL;
	size_t len;
	snprintf(path, sizeof path, "%s/XAPIANDB", r->dir);
	out[0] = '\0';
	if (ns_read_file(path, 4096, &text, &len) == NS_OK)
		snprintf(out, size, "%s", text);
	free(text);
}

static void nothing(void *arg)
{
	(void)arg;
}

/* Pool: what the round left, and the readers moved to a new copy. */
static void read_copy(uv_work_t *w)
{
	ns_replica_t *r = w->data;
	char stub[sizeof r->stub];
	read_stub(r, stub, sizeof stub);
	r->full_copy = strcmp(stub, r->stub) != 0;
	/* Xapian removed the old copy's files: pooled readers still hold
	 * them, and their disk space, until they next reopen (which moves
	 * them to the new copy, shim/handles.cc): drop them now. */
	if (r->full_copy && r->stub[0])
		ns_searcher_exclusive(r->o.searcher, nothing, NULL);
	memcpy(r->stub, stub, sizeof stub);
	nsx_reader_t *rd = NULL;
	char *err = NULL;
	r->read_ok = nsx_reader_open(r->dir, &rd, &err) == NSX_OK;
	if (r->read_ok) {
		r->read_rev = nsx_reader_revision(rd);
		r->read_docs = nsx_reader_doccount(rd);
	}
	snprintf(r->read_err, sizeof r->read_err, "the copy cannot be read: %s",
	         err ? err : "?");
	nsx_reader_close(rd);
	free(err);
}

static void round_failed(ns_replica_t *r, const char *why)
{
	r->failures++;
	snprintf(r->error, sizeof r->error, "%.*s", (int)sizeof r->error - 1,
	         why);
	if (r->connected || !r->unreachable_ms) {
		r->unreachable_ms = r->round_ms;
		if (r->synced)
			ns_log(NS_LOG_WARNING, LOG_MOD, "cannot follow the primary at "
			       "%s: %s; serving the copy at revision %llu", r->primary,
			       why, (unsigned long long)r->revision);
		else
			ns_log(NS_LOG_WARNING, LOG_MOD, "cannot copy the primary's "
			       "index from %s: %s; trying again every %u ms",
			       r->primary, why, r->o.interval_ms);
	}
	r->connected = false;
}

/* A round that worked: the copy holds all the primary had committed
 * when the round began. */
static void level(ns_replica_t *r)
{
	bool first = !r->synced, back = !r->connected && r->unreachable_ms;
	r->full_copies += r->full_copy;
	r->behind_revisions = r->read_rev > r->rev_before
	                      ? r->read_rev - r->rev_before : 0;
	__atomic_store_n(&r->revision, r->read_rev, __ATOMIC_RELEASE);
	r->documents = r->read_docs;
	r->synced = r->connected = true;
	r->last_sync_ms = r->round_ms;
	r->unreachable_ms = 0;
	r->error[0] = '\0';
	if (first || back || r->full_copy)
		ns_log(NS_LOG_NOTICE, LOG_MOD, "%s the primary at %s: %llu "
		       "articles, revision %llu", r->full_copy ? "copied the index "
		       "of" : "following again", r->primary,
		       (unsigned long long)r->documents,
		       (unsigned long long)r->revision);
}

static void start_round(ns_replica_t *r);

static void copy_read(uv_work_t *w, int status)
{
	ns_replica_t *r = w->data;
	(void)status;
	r->reading = false;
	if (r->closing) {
		maybe_free(r);
		return;
	}
	if (r->read_ok)
		level(r);
	else
		round_failed(r, r->read_err);
	r->o.on_round(r->o.ctx);
	if (r->again)
		start_round(r);
}

/* LAST: the round's last words, which say why it failed. */
static void on_round_exit(void *ctx, ns_child_t *ch, int status,
                          const char *last)
{
	ns_replica_t *r = ctx;
	(void)ch;
	r->round = NULL;
	if (r->closing) {
		maybe_free(r);
		return;
	}
	if (status == 0) {
		r->reading = true;
		r->work.data = r;
		if (uv_queue_work(r->loop, &r->work, read_copy, copy_read) == 0)
			return;
		r->reading = false;
	}
	char why[400];
	snprintf(why, sizeof why, "%s", last);
	if (!last[0])
		snprintf(why, sizeof why, "xapian-replicate exited with status %d",
		         status);
	round_failed(r, why);
	r->o.on_round(r->o.ctx);
	if (r->again)
		start_round(r);
}

static void start_round(ns_replica_t *r)
{
	if (r->closing)
		return;
	if (r->round || r->reading) {
		r->again = true;
		return;
	}
	char *argv[] = {r->bin, "-h", r->host, "-p", r->port,
	                "-m", NS_REPL_DB_NAME, "-o", "-r", "0",
	                "-t", ROUND_TIMEOUT, r->dir, NULL};
	r->again = false;
	r->round_ms = ns_now_ms();
	r->rev_before = r->revision;
	r->rounds++;
	/* A primary away makes every round say so: the log says it once
	 * (round_failed), and each line only at debug. */
	ns_child_opts_t o = {.module = LOG_MOD, .prio = NS_LOG_DEBUG,
	                     .done = on_round_exit, .ctx = r};
	if (ns_child_spawn(r->loop, argv, &o, &r->round) != NS_OK) {
		char why[PATH_MAX + 64];
		snprintf(why, sizeof why, "cannot run %s: %s", r->bin,
		         strerror(errno));
		r->round = NULL;
		round_failed(r, why);
	}
}

static void on_tick(uv_timer_t *t)
{
	start_round(t->data);
}

/* Xapian's replica takes a missing directory (it makes one) or one
 * holding its stub database, nothing else: an empty one (made by hand)
 * goes, one without the stub (a first copy killed before it wrote it)
 * is moved aside, never deleted.  False with WHY when neither worked. */
static bool clear_leftovers(ns_replica_t *r, char *why, size_t size)
{
	char stub[PATH_MAX + 16], moved[PATH_MAX + 64];
	struct stat st;
	snprintf(stub, sizeof stub, "%s/XAPIANDB", r->dir);
	if (stat(r->dir, &st) < 0 || stat(stub, &st) == 0 || rmdir(r->dir) == 0)
		return true;
	if (ns_index_move_aside(r->dir, moved, sizeof moved) != NS_OK) {
		snprintf(why, size, "index %s is no replica's copy (no XAPIANDB) "
		         "and cannot be moved aside: %s", r->dir, strerror(errno));
		return false;
	}
	ns_log(NS_LOG_WARNING, LOG_MOD, "index %s was no replica's copy (a first "
	       "copy interrupted?): moved aside to %s; copying the primary's "
	       "index again", r->dir, moved);
	return true;
}

/* What would keep R from following: NULL, or why (into WHY). */
static const char *unusable(ns_replica_t *r, char *why, size_t size)
{
	char glass[PATH_MAX + 16];
	struct stat st;
	snprintf(glass, sizeof glass, "%s/iamglass", r->dir);
	if (!ns_repl_split_addr(r->primary, r->host, sizeof r->host, r->port,
	                        sizeof r->port))
		snprintf(why, size, "[replica] primary: not HOST:PORT: %s",
		         r->primary);
	else if (!ns_child_find("xapian-replicate", r->bin, sizeof r->bin))
		snprintf(why, size, "xapian-replicate is not in $PATH (install "
		         "xapian-tools)");
	else if (stat(glass, &st) == 0)
		snprintf(why, size, "index %s holds a database of its own (a "
		         "primary's?): a replica keeps its copy in a directory "
		         "of its own, which Xapian's replication writes", r->dir);
	else if (clear_leftovers(r, why, size))
		return NULL;
	return why;
}

ns_status_t ns_replica_start(uv_loop_t *loop, const ns_replica_opts_t *o,
                             ns_replica_t **out, char **why)
{
	*why = NULL;
	ns_replica_t *r = calloc(1, sizeof *r);
	if (!r)
		return NS_ERR_NOMEM;
	r->loop = loop;
	r->o = *o;
	snprintf(r->primary, sizeof r->primary, "%s", o->primary);
	snprintf(r->dir, sizeof r->dir, "%s", o->index_dir);
	r->o.primary = r->primary;
	r->o.index_dir = r->dir;
	char msg[PATH_MAX + 200];
	if (unusable(r, msg, sizeof msg)) {
		*why = strdup(msg);
		free(r);
		return NS_ERR_INVALID;
	}
	read_stub(r, r->stub, sizeof r->stub);
	r->started_ms = ns_now_ms();
	uv_timer_init(loop, &r->tick);
	r->tick.data = r;
	uv_timer_start(&r->tick, on_tick, 0, o->interval_ms);
	*out = r;
	return NS_OK;
}

void ns_replica_poke(ns_replica_t *r)
{
	if (r)
		start_round(r);
}

uint64_t ns_replica_revision(const ns_replica_t *r)
{
	return r ? __atomic_load_n(&r->revision, __ATOMIC_ACQUIRE) : 0;
}

static double since_s(unsigned long long then_ms)
{
	unsigned long long now = ns_now_ms();
	return then_ms && now > then_ms ? (double)(now - then_ms) / 1000.0 : 0;
}

void ns_replica_status(const ns_replica_t *r, ns_replication_status_t *out)
{
	memset(out, 0, sizeof *out);
	if (!r)
		return;
	out->role = NS_REPL_REPLICA;
	snprintf(out->address, sizeof out->address, "%s", r->primary);
	out->synced = r->synced;
	out->connected = r->connected;
	out->revision = r->revision;
	out->documents = r->documents;
	out->behind_revisions = r->behind_revisions;
	out->behind_s = since_s(r->synced ? r->last_sync_ms : r->started_ms);
	out->max_lag_s = r->o.max_lag_s;
	out->unreachable_s = r->connected ? 0 : since_s(r->unreachable_ms);
	out->rounds = r->rounds;
	out->failures = r->failures;
	out->full_copies = r->full_copies;
	snprintf(out->error, sizeof out->error, "%s", r->error);
}

bool ns_replica_ready(const ns_replica_t *r, char *why, size_t size)
{
	ns_replication_status_t st;
	ns_replica_status(r, &st);
	return ns_replica_status_ready(&st, why, size);
}

void ns_replica_close(ns_replica_t *r)
{
	if (!r || r->closing)
		return;
	r->closing = true;
	uv_timer_stop(&r->tick);
	uv_close((uv_handle_t *)&r->tick, on_tick_closed);
	ns_child_kill(r->round, SIGTERM);
}
