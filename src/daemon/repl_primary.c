/* repl_primary.c - xapian-replicate-server beside a primary
 * (repl_primary.h): the directory it serves, holding one stub database
 * that leads to the index (so that nothing else beside the index, an
 * index.old or a backup, can be asked for), the server kept running,
 * and what status says of it.  It never reads or writes the index. */
#include "daemon/repl_primary.h"

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

#define LOG_MOD "replication"
#define BACKOFF_MIN_MS 1000u
#define BACKOFF_MAX_MS 30000u
/* A server that ran this long was fine: its next failure starts the
 * backoff again. */
#define STEADY_MS 30000u

struct ns_repl_primary {
	uv_timer_t restart;
	ns_child_t *server;         /* NULL while it is down */
	pid_t *group;               /* its process group, for the writer: the
	                               caller's (atomic; 0: none) */
	char bin[PATH_MAX];
	char host[256], port[8];
	char dir[PATH_MAX];         /* what it serves */
	char addr[280];
	unsigned changesets;
	uint64_t restarts;
	unsigned backoff_ms;
	unsigned long long started_ms;
	bool closing, timer_closed;
};

ns_status_t ns_repl_keep_changesets(unsigned n)
{
	char v[16];
	snprintf(v, sizeof v, "%u", n ? n : 1);
	return setenv("XAPIAN_MAX_CHANGESETS", v, 1) == 0 ? NS_OK : NS_ERR_NOMEM;
}

bool ns_repl_split_addr(const char *addr, char *host, size_t host_size,
                        char *port, size_t port_size)
{
	const char *colon = addr ? strrchr(addr, ':') : NULL;
	if (!colon || !colon[1] || strlen(colon + 1) >= port_size)
		return false;
	const char *h = addr;
	size_t n = (size_t)(colon - addr);
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (!n || n >= host_size)
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, port_size, "%s", colon + 1);
	return true;
}

/* INDEX.replication/index: "auto INDEX", written whole (a rename). */
static ns_status_t write_stub(ns_repl_primary_t *p, const char *index,
                              char **why)
{
	char stub[PATH_MAX + 16], tmp[PATH_MAX + 16];
	if (mkdir(p->dir, 0700) < 0 && errno != EEXIST)
		goto fail;
	snprintf(stub, sizeof stub, "%s/%s", p->dir, NS_REPL_DB_NAME);
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", p->dir, NS_REPL_DB_NAME);
	FILE *f = fopen(tmp, "we");
	if (!f)
		goto fail;
	fprintf(f, "# The index nsearchd serves to its replicas; made at each "
	        "start.\nauto %s\n", index);
	if (fclose(f) != 0 || rename(tmp, stub) < 0)
		goto fail;
	return NS_OK;
fail:
	if (asprintf(why, "%s: %s", p->dir, strerror(errno)) < 0)
		*why = NULL;
	return NS_ERR_INVALID;
}

static void start_server(ns_repl_primary_t *p);

static void on_restart(uv_timer_t *t)
{
	ns_repl_primary_t *p = t->data;
	p->restarts++;
	start_server(p);
}

static void maybe_free(ns_repl_primary_t *p)
{
	if (p->closing && p->timer_closed && !p->server)
		free(p);
}

static void on_timer_closed(uv_handle_t *h)
{
	ns_repl_primary_t *p = h->data;
	p->timer_closed = true;
	maybe_free(p);
}

/* It exited: start it again after a while, unless the daemon stops.
 * LAST: its last words. */
static void on_server_exit(void *ctx, ns_child_t *ch, int status,
                           const char *last)
{
	ns_repl_primary_t *p = ctx;
	(void)ch;
	p->server = NULL;
	__atomic_store_n(p->group, 0, __ATOMIC_RELEASE);
	if (p->closing) {
		maybe_free(p);
		return;
	}
	if (ns_now_ms() - p->started_ms >= STEADY_MS)
		p->backoff_ms = BACKOFF_MIN_MS;
	ns_log(NS_LOG_ERR, LOG_MOD, "xapian-replicate-server on %s exited "
	       "(status %d%s%s); starting it again in %u s", p->addr, status,
	       last[0] ? ": " : "", last, p->backoff_ms / 1000);
	uv_timer_start(&p->restart, on_restart, p->backoff_ms, 0);
	p->backoff_ms = p->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
	                                                   : p->backoff_ms * 2;
}

static void start_server(ns_repl_primary_t *p)
{
	char *argv[] = {p->bin, "-I", p->host, "-p", p->port, p->dir, NULL};
	/* Whatever it says is worth reading: it says nothing when all is
	 * well. */
	ns_child_opts_t o = {.module = LOG_MOD, .prio = NS_LOG_WARNING,
	                     .done = on_server_exit, .ctx = p};
	p->started_ms = ns_now_ms();
	if (ns_child_spawn(p->restart.loop, argv, &o, &p->server) != NS_OK) {
		char why[300];
		snprintf(why, sizeof why, "cannot run xapian-replicate-server: %s",
		         strerror(errno));
		p->server = NULL;
		on_server_exit(p, NULL, 127, why);
		return;
	}
	__atomic_store_n(p->group, ns_child_pid(p->server), __ATOMIC_RELEASE);
	ns_log(NS_LOG_INFO, LOG_MOD, "xapian-replicate-server (pid %d) serves "
	       "the index to replicas on %s", (int)ns_child_pid(p->server),
	       p->addr);
}

ns_status_t ns_repl_primary_start(uv_loop_t *loop, const char *listen,
                                  const char *index, unsigned changesets,
                                  pid_t *group, ns_repl_primary_t **out,
                                  char **why)
{
	*why = NULL;
	ns_repl_primary_t *p = calloc(1, sizeof *p);
	if (!p)
		return NS_ERR_NOMEM;
	p->changesets = changesets;
	p->group = group;
	p->backoff_ms = BACKOFF_MIN_MS;
	snprintf(p->addr, sizeof p->addr, "%s", listen);
	snprintf(p->dir, sizeof p->dir, "%s.replication", index);
	ns_status_t st = NS_ERR_INVALID;
	if (!ns_repl_split_addr(listen, p->host, sizeof p->host, p->port,
	                        sizeof p->port)) {
		if (asprintf(why, "not HOST:PORT: %s", listen) < 0)
			*why = NULL;
	} else if (!ns_child_find("xapian-replicate-server", p->bin,
	                          sizeof p->bin)) {
		if (asprintf(why, "xapian-replicate-server is not in $PATH "
		             "(install xapian-tools)") < 0)
			*why = NULL;
	} else {
		st = write_stub(p, index, why);
	}
	if (st != NS_OK) {
		free(p);
		return st;
	}
	uv_timer_init(loop, &p->restart);
	p->restart.data = p;
	start_server(p);
	*out = p;
	return NS_OK;
}

void ns_repl_hold(const pid_t *group, bool hold)
{
	/* A server that exits or starts again meanwhile: a signal to a group
	 * gone fails (ESRCH), a new one is merely not held this time. */
	pid_t g = __atomic_load_n(group, __ATOMIC_ACQUIRE);
	if (g > 0)
		killpg(g, hold ? SIGSTOP : SIGCONT);
}

void ns_repl_primary_status(const ns_repl_primary_t *p,
                            ns_replication_status_t *out)
{
	memset(out, 0, sizeof *out);
	if (!p)
		return;
	out->role = NS_REPL_PRIMARY;
	snprintf(out->address, sizeof out->address, "%s", p->addr);
	out->serving = p->server != NULL;
	out->changesets = p->changesets;
	out->restarts = p->restarts;
}

void ns_repl_primary_close(ns_repl_primary_t *p)
{
	if (!p || p->closing)
		return;
	p->closing = true;
	uv_timer_stop(&p->restart);
	uv_close((uv_handle_t *)&p->restart, on_timer_closed);
	ns_child_kill(p->server, SIGTERM);
}
