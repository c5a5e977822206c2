/* shardset.c - which of a front's shards answer (shardset.h): one flag
 * each and a generation under a mutex, a line in the log at each change.
 * Never holds the mutex across a network exchange. */
#include "daemon/shardset.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

#define LOG_MOD "shards"

struct ns_shardset {
	char **specs;
	size_t n;
	unsigned timeout_ms;
	pthread_mutex_t mu;
	unsigned char *up;        /* under mu */
	uint64_t generation;      /* under mu */
	uint64_t losses, partial; /* under mu */
};

ns_status_t ns_shardset_new(char *const *specs, size_t n, unsigned timeout_ms,
                            ns_shardset_t **out)
{
	if (!specs || !n || !out)
		return NS_ERR_INVALID;
	ns_shardset_t *s = calloc(1, sizeof *s);
	if (!s || !(s->specs = calloc(n, sizeof *s->specs)) ||
	    !(s->up = malloc(n))) {
		if (s)
			free(s->specs);
		free(s);
		return NS_ERR_NOMEM;
	}
	s->n = n;
	for (size_t i = 0; i < n; i++)
		if (!(s->specs[i] = strdup(specs[i]))) {
			ns_shardset_free(s);
			return NS_ERR_NOMEM;
		}
	memset(s->up, 1, n);
	s->timeout_ms = timeout_ms;
	pthread_mutex_init(&s->mu, NULL);
	*out = s;
	return NS_OK;
}

void ns_shardset_free(ns_shardset_t *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->specs[i]);
	free(s->specs);
	free(s->up);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

size_t ns_shardset_count(const ns_shardset_t *s)
{
	return s ? s->n : 0;
}

const char *const *ns_shardset_specs(const ns_shardset_t *s)
{
	return (const char *const *)s->specs;
}

unsigned ns_shardset_timeout(const ns_shardset_t *s)
{
	return s->timeout_ms;
}

uint64_t ns_shardset_want(ns_shardset_t *s, unsigned char *want)
{
	pthread_mutex_lock(&s->mu);
	memcpy(want, s->up, s->n);
	uint64_t gen = s->generation;
	pthread_mutex_unlock(&s->mu);
	return gen;
}

/* Shard I is UP now (the caller holds mu): logged and counted when it
 * changes.  WHY: why it is down. */
static void set_up(ns_shardset_t *s, size_t i, bool up, const char *why)
{
	if (!s->up[i] == !up)
		return;
	s->up[i] = up;
	s->generation++;
	if (up) {
		ns_log(NS_LOG_NOTICE, LOG_MOD, "shard %s answers again",
		       s->specs[i]);
		return;
	}
	s->losses++;
	ns_log(NS_LOG_WARNING, LOG_MOD,
	       "shard %s is down: %s; searches "
	       "answer from the others, and it is tried every second",
	       s->specs[i], why && *why ? why : "no answer");
}

uint64_t ns_shardset_note(ns_shardset_t *s, const nsx_reader_t *r)
{
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->n && i < nsx_reader_shards(r); i++)
		set_up(s, i, nsx_reader_shard_up(r, i),
		       nsx_reader_shard_error(r, i));
	uint64_t gen = s->generation;
	pthread_mutex_unlock(&s->mu);
	return gen;
}

void ns_shardset_answered(ns_shardset_t *s, size_t answered)
{
	if (!s || answered >= s->n)
		return;
	pthread_mutex_lock(&s->mu);
	s->partial++;
	pthread_mutex_unlock(&s->mu);
}

/* One down shard's probe, on a thread of its own. */
struct probe {
	ns_shardset_t *s;
	size_t i;
	pthread_t thread;
	bool started; /* on its thread (else run on the caller's) */
	bool ok;
};

static void *probe_one(void *arg)
{
	struct probe *p = arg;
	char *err = NULL;
	p->ok = nsx_shard_probe(p->s->specs[p->i], p->s->timeout_ms, &err) ==
	        NSX_OK;
	free(err);
	return NULL;
}

/* The down shards are tried all at once, as a reader opens its shards:
 * hung ones cost one timeout together, not one each, and one that is
 * back is found within the second whatever the others do. */
size_t ns_shardset_probe_down(ns_shardset_t *s)
{
	unsigned char *was = malloc(s->n);
	struct probe *p = calloc(s->n, sizeof *p);
	if (!was || !p) {
		free(was);
		free(p);
		return s->n;
	}
	ns_shardset_want(s, was);
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++)
		if (!was[i]) {
			p[k] = (struct probe){ .s = s, .i = i };
			p[k].started = pthread_create(&p[k].thread, NULL,
			                              probe_one, &p[k]) == 0;
			k++;
		}
	size_t down = 0;
	for (size_t j = 0; j < k; j++) {
		if (p[j].started)
			pthread_join(p[j].thread, NULL);
		else /* no thread to be had: here, in turn */
			probe_one(&p[j]);
		if (p[j].ok) {
			pthread_mutex_lock(&s->mu);
			set_up(s, p[j].i, true, NULL);
			pthread_mutex_unlock(&s->mu);
		}
		down += !p[j].ok;
	}
	free(p);
	free(was);
	return down;
}

void ns_shardset_figures(ns_shardset_t *s, ns_shard_figures_t *out)
{
	memset(out, 0, sizeof *out);
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	out->total = s->n;
	for (size_t i = 0; i < s->n; i++)
		out->down += !s->up[i];
	out->losses = s->losses;
	out->partial = s->partial;
	pthread_mutex_unlock(&s->mu);
}
