/* front_shards.c - nsearchd as a front over shards ([shards], docs/
 * scaling.md): no tree, no writer; its searcher reads every shard as
 * one index, and a timer asks a worker every second to try the shards
 * that are down.  Writes, waits, maintenance and min_revision are
 * refused (READ_ONLY_FRONT).  Loop thread, but for the probe's work. */
#include <stdlib.h>
#include <string.h>

#include "buildconf.h"
#include "core/log.h"
#include "daemon/nsearchd.h"
#include "daemon/shard_tools.h"
#include "daemon/shardset.h"

#define PROBE_EVERY_MS 1000

int nsd_front_searcher(struct daemon *d)
{
	const ns_config_t *c = &d->cfg;
	if (!c->shards.n)
		return ns_searcher_new(c->index, &d->searcher) != NS_OK;
	if (ns_shardset_new(c->shards.v, c->shards.n,
	                    ns_config_shard_timeout(c), &d->shards) != NS_OK)
		return 1;
	/* The searcher owns the set from now on. */
	return ns_searcher_new_shards("", d->shards, &d->searcher) != NS_OK;
}

static void probe_work(uv_work_t *w)
{
	struct daemon *d = w->data;
	(void)ns_shardset_probe_down(d->shards);
}

static void probe_done(uv_work_t *w, int status)
{
	struct daemon *d = w->data;
	(void)status;
	d->probing = false;
	ns_sd_status(d, "");
}

static void on_probe_timer(uv_timer_t *t)
{
	struct daemon *d = t->data;
	ns_shard_figures_t f;
	ns_shardset_figures(d->shards, &f);
	if (d->probing || !f.down || d->stopping)
		return;
	d->probe.data = d;
	d->probing =
	        uv_queue_work(&d->loop, &d->probe, probe_work, probe_done) == 0;
}

int nsd_front_open(struct daemon *d)
{
	uv_timer_init(&d->loop, &d->probe_timer);
	d->probe_timer.data = d;
	uv_timer_start(&d->probe_timer, on_probe_timer, PROBE_EVERY_MS,
	               PROBE_EVERY_MS);
	d->probe_timer_on = true;
	d->ready = true;
	d->ready_ms = ns_now_ms();
	ns_log(NS_LOG_INFO, LOG_MOD,
	       "nsearchd %s: a front over %zu shards, "
	       "each given %u ms to answer",
	       NS_VERSION, d->cfg.shards.n, ns_config_shard_timeout(&d->cfg));
	return 0;
}

void nsd_front_close(struct daemon *d)
{
	if (!d->probe_timer_on)
		return;
	d->probe_timer_on = false;
	uv_close((uv_handle_t *)&d->probe_timer, NULL);
}

bool nsd_front_ready(struct daemon *d)
{
	ns_shard_figures_t f;
	ns_shardset_figures(d->shards, &f);
	return f.down < f.total;
}

void nsd_front_describe(struct daemon *d, char *buf, size_t size)
{
	ns_shard_figures_t f;
	ns_shardset_figures(d->shards, &f);
	snprintf(buf, size, "front over %zu shards, %zu down", f.total, f.down);
}

static void status_of(void *ctx, ns_daemon_status_t *out)
{
	struct daemon *d = ctx;
	ns_shard_figures_t f;
	ns_shardset_figures(d->shards, &f);
	out->shards = f.total;
	out->shards_down = f.down;
	out->shard_losses = f.losses;
	out->partial_answers = f.partial;
	out->ready = nsd_ready(d);
	/* Nothing of its own to write: the shards' indexer nodes write. */
	out->writable = true;
	unsigned long long now = ns_now_ms();
	out->uptime_s = (double)(now - d->started_ms) / 1000.0;
	out->reconcile_s = (double)(d->ready_ms - d->started_ms) / 1000.0;
}

ns_server_handlers_t nsd_front_handlers(struct daemon *d)
{
	return (ns_server_handlers_t){
		.searcher = d->searcher,
		.querylog = d->querylog,
		.status = status_of,
		.ready = nsd_ready,
		.front = true,
		.ctx = d,
	};
}

int nsd_shard_tool(const ns_config_args_t *args, const ns_config_t *cfg)
{
	char *err = NULL;
	ns_status_t st =
	        args->split ? ns_shards_split(cfg->index, args->split,
	                                      args->files[0], stdout, &err)
	                    : ns_shards_merge(args->files[0], args->files + 1,
	                                      (size_t)args->nfiles - 1, &err);
	if (st != NS_OK)
		fprintf(stderr, "nsearchd: %s\n",
		        err ? err : ns_status_str(st));
	free(err);
	return st == NS_OK ? 0 : 1;
}
