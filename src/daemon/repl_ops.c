/* repl_ops.c - nsearchd's part in replication (docs/scaling.md): a
 * primary that serves its index ([replication] listen) starts Xapian's
 * server beside the writer; a replica ([replica] primary) has no tree
 * and no writer, and its searcher reads the copy replica.c keeps.  Here
 * too what the server asks of a replica: its figures, readiness (a copy,
 * no further behind than max_lag), the copy's revision, and the primary
 * it names when it refuses a write.  Loop thread. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildconf.h"
#include "core/log.h"
#include "daemon/http.h"
#include "daemon/nsearchd.h"

/* A round ended: waits for a revision may be answered, and readiness
 * follows the lag. */
static void on_round(void *ctx)
{
	struct daemon *d = ctx;
	ns_server_committed(d->server);
	ns_http_committed(d->http);
	char why[600];
	bool ready = ns_replica_ready(d->replica, why, sizeof why);
	if (ready == d->ready)
		return;
	d->ready = ready;
	if (!ready) {
		ns_log(NS_LOG_WARNING, LOG_MOD, "not ready: %s", why);
		ns_sd_status(d, "");
		return;
	}
	ns_replication_status_t st;
	ns_replica_status(d->replica, &st);
	ns_log(NS_LOG_NOTICE, LOG_MOD, "ready: a replica of %s, %llu articles "
	       "(revision %llu); listening on %s", st.address,
	       (unsigned long long)st.documents,
	       (unsigned long long)st.revision, d->listening);
	/* READY=1 once: later it only says how it is. */
	ns_sd_status(d, d->ready_ms ? "" : "READY=1");
	if (!d->ready_ms)
		d->ready_ms = ns_now_ms();
}

int nsd_replica_open(struct daemon *d)
{
	const ns_config_t *c = &d->cfg;
	ns_replica_opts_t o = {
		.primary = c->replica_of, .index_dir = c->index,
		.interval_ms = c->replica_interval_ms,
		.max_lag_s = c->replica_max_lag_s, .searcher = d->searcher,
		.on_round = on_round, .ctx = d,
	};
	char *why = NULL;
	if (ns_replica_start(&d->loop, &o, &d->replica, &why) != NS_OK) {
		int rc = ns_fatal("%s", why ? why : "out of memory");
		free(why);
		return rc;
	}
	ns_log(NS_LOG_INFO, LOG_MOD, "nsearchd %s: a read-only replica of %s, "
	       "its copy in %s", NS_VERSION, c->replica_of, c->index);
	return 0;
}

int nsd_replication_open(struct daemon *d)
{
	const ns_config_t *c = &d->cfg;
	if (!c->replication_listen)
		return 0;
	char index[PATH_MAX], *why = NULL;
	if (!realpath(c->index, index))
		return ns_fatal("index %s: cannot resolve its path", c->index);
	if (ns_repl_primary_start(&d->loop, c->replication_listen, index,
	                          c->changesets, &d->serving_group, &d->serving,
	                          &why) != NS_OK) {
		int rc = ns_fatal("%s: %s", ns_config_name(NS_OPT_REPLICATION_LISTEN),
		                  why ? why : "out of memory");
		free(why);
		return rc;
	}
	return 0;
}

void nsd_replication_close(struct daemon *d)
{
	ns_replica_close(d->replica);
	d->replica = NULL;
	ns_repl_primary_close(d->serving);
	d->serving = NULL;
}

void nsd_replication_of(void *ctx, ns_replication_status_t *out)
{
	struct daemon *d = ctx;
	if (d->replica)
		ns_replica_status(d->replica, out);
	else
		ns_repl_primary_status(d->serving, out);
}

void nsd_replica_describe(struct daemon *d, char *buf, size_t size)
{
	char why[600];
	ns_replication_status_t st;
	ns_replica_status(d->replica, &st);
	if (!ns_replica_ready(d->replica, why, sizeof why))
		snprintf(buf, size, "not ready: %.150s", why);
	else if (!st.connected)
		snprintf(buf, size, "primary %s unreachable for %.0f s: serving "
		         "the copy (%llu articles, revision %llu)", st.address,
		         st.unreachable_s, (unsigned long long)st.documents,
		         (unsigned long long)st.revision);
	else
		snprintf(buf, size, "replica of %s: %llu articles, revision %llu",
		         st.address, (unsigned long long)st.documents,
		         (unsigned long long)st.revision);
}

static void status_of(void *ctx, ns_daemon_status_t *out)
{
	struct daemon *d = ctx;
	ns_replication_status_t st;
	ns_replica_status(d->replica, &st);
	out->revision = st.revision;
	out->documents = st.documents;
	out->ready = nsd_ready(d);
	/* Nothing is wrong with the index: writes are the primary's. */
	out->writable = true;
	unsigned long long now = ns_now_ms();
	out->uptime_s = (double)(now - d->started_ms) / 1000.0;
	out->reconcile_s = (double)((d->ready_ms ? d->ready_ms : now) -
	                            d->started_ms) / 1000.0;
}

static uint64_t revision_of(void *ctx)
{
	return ns_replica_revision(((struct daemon *)ctx)->replica);
}

static void want_revision(void *ctx, uint64_t rev)
{
	struct daemon *d = ctx;
	(void)rev;
	ns_replica_poke(d->replica);
}

ns_server_handlers_t nsd_replica_handlers(struct daemon *d)
{
	return (ns_server_handlers_t){
		.searcher = d->searcher, .status = status_of, .ready = nsd_ready,
		.revision = revision_of, .primary = d->cfg.replica_of,
		.replication = nsd_replication_of, .want_revision = want_revision,
		.min_revision_wait_ms = d->cfg.min_revision_wait_ms, .ctx = d,
	};
}
