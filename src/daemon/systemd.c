/* systemd.c - what nsearchd tells systemd (sd_notify(3): READY,
 * STATUS about once a second while it changes, EXTEND_TIMEOUT_USEC while
 * reconciliation progresses, RELOADING, WATCHDOG) and the sockets it
 * passes (socket activation).  Built without libsystemd, all of it is a
 * no-op.  Loop thread only. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buildconf.h"
#include "core/log.h"
#include "daemon/nsearchd.h"

#if NS_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#else
/* Built without libsystemd: no notifications, no socket activation. */
#define SD_LISTEN_FDS_START 3
static int sd_notify(int unset, const char *state) { return 0; }
static int sd_listen_fds_with_names(int unset, char ***names)
{
	*names = NULL;
	return 0;
}
static int sd_watchdog_enabled(int unset, uint64_t *usec) { return 0; }
#endif

void ns_sd_notify(const char *state)
{
	sd_notify(0, state);
}

void ns_sd_failed(const char *msg)
{
	char note[1100];
	snprintf(note, sizeof note, "STATUS=failed: %s", msg);
	sd_notify(0, note);
}

void ns_sd_reloading(void)
{
	char msg[96];
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* MONOTONIC_USEC: systemd 253's Type=notify-reload wants it. */
	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
	         (unsigned long long)ts.tv_sec * 1000000ull +
	         (unsigned long long)ts.tv_nsec / 1000);
	sd_notify(0, msg);
}

int ns_sd_listen_fds(char ***names)
{
	*names = NULL;
	return sd_listen_fds_with_names(1, names);
}

int ns_sd_listen_fd(int i)
{
	return SD_LISTEN_FDS_START + i;
}

/* What the daemon is doing, in a few words, into BUF. */
static void describe(struct daemon *d, char *buf, size_t size)
{
	if (d->replica) {
		nsd_replica_describe(d, buf, size);
		return;
	}
	if (d->shards) {
		nsd_front_describe(d, buf, size);
		return;
	}
	ns_indexer_stats_t st;
	ns_indexer_stats(d->ix, &st);
	ns_index_health_t h;
	ns_indexer_health(d->ix, &h);
	const char *gone = ns_watch_root_gone(d->watch, NULL);
	if (!h.writable)
		snprintf(buf, size, "read-only: %.120s; searching %llu articles, "
		         "retrying", h.error, (unsigned long long)st.documents);
	else if (gone)
		snprintf(buf, size, "articles directory gone (%s): searching the "
		         "%llu articles indexed before", gone,
		         (unsigned long long)st.documents);
	else if (!d->ready)
		snprintf(buf, size, "reconciling the tree with the index: %llu "
		         "files left", (unsigned long long)st.queued);
	else if (st.queued)
		snprintf(buf, size, "indexing: %llu files left; %llu articles",
		         (unsigned long long)st.queued,
		         (unsigned long long)st.documents);
	else
		snprintf(buf, size, "ready: %llu articles, revision %llu",
		         (unsigned long long)st.documents,
		         (unsigned long long)st.revision);
}

void ns_sd_status(struct daemon *d, const char *prefix)
{
	char now[sizeof d->status], msg[sizeof d->status + 64];
	describe(d, now, sizeof now);
	if (!*prefix && strcmp(now, d->status) == 0)
		return;
	snprintf(d->status, sizeof d->status, "%s", now);
	snprintf(msg, sizeof msg, "%s%sSTATUS=%s", prefix, *prefix ? "\n" : "",
	         now);
	sd_notify(0, msg);
}

static void on_status_timer(uv_timer_t *t)
{
	struct daemon *d = t->data;
	ns_indexer_stats_t st;
	ns_indexer_stats(d->ix, &st);
	/* A large tree takes longer to reconcile than TimeoutStartSec=: as
	 * long as files are being done, ask systemd for more time. */
	if (!d->ready && st.queued < d->left)
		sd_notify(0, "EXTEND_TIMEOUT_USEC=30000000");
	d->left = st.queued;
	ns_sd_status(d, "");
}

static void on_watchdog(uv_timer_t *t)
{
	/* The loop turned: sockets are served and commits are seen. */
	sd_notify(0, "WATCHDOG=1");
}

int ns_fatal(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ns_log(NS_LOG_ERR, LOG_MOD, "%s", msg);
	ns_sd_failed(msg);
	return 1;
}


void ns_sd_start(struct daemon *d)
{
	/* systemd hears at once how much there is to reconcile, then about
	 * once a second while it changes. */
	ns_sd_status(d, "");
	uv_timer_init(&d->loop, &d->status_timer);
	d->status_timer.data = d;
	uv_timer_start(&d->status_timer, on_status_timer, 1000, 1000);
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) > 0 && usec) {
		uint64_t every = usec / 2000 ? usec / 2000 : 1; /* half, in ms */
		uv_timer_init(&d->loop, &d->watchdog);
		uv_timer_start(&d->watchdog, on_watchdog, every, every);
		d->watchdog_on = true;
	}
}

void ns_sd_stop(struct daemon *d)
{
	uv_close((uv_handle_t *)&d->status_timer, NULL);
	if (d->watchdog_on)
		uv_close((uv_handle_t *)&d->watchdog, NULL);
}
