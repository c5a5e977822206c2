/* readers.c - the pool of readers: an idle list, a lent list and a
 * generation that a swap of the index's files bumps, under one mutex.
 * A reader is used by one thread at a time; Xapian objects are never
 * shared between two threads. */
#include "daemon/readers.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/shardset.h"

struct idle_reader {
	struct idle_reader *next;
	nsx_reader_t *r;
	uint64_t generation;        /* of the database files it has open */
	uint64_t shard_gen;         /* of the shards' states it follows */
};

struct ns_readers {
	char *index_dir;
	nsx_status_t (*setup)(nsx_reader_t *r);
	pthread_mutex_t mu;
	struct idle_reader *idle;   /* under mu */
	struct idle_reader *lent;   /* readers a search has, under mu */
	uint64_t generation;        /* bumped when the index is swapped, under mu */
	bool swapping;              /* under mu: borrowing waits */
	pthread_cond_t quiet;       /* the swap ends, or the last search does */
	ns_shardset_t *shards;      /* borrowed; NULL: one index at index_dir */
};

ns_status_t ns_readers_new(const char *index_dir,
                           nsx_status_t (*setup)(nsx_reader_t *r),
                           ns_readers_t **out)
{
	ns_readers_t *p = calloc(1, sizeof *p);
	if (!p || !(p->index_dir = strdup(index_dir))) {
		free(p);
		return NS_ERR_NOMEM;
	}
	p->setup = setup;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->quiet, NULL);
	*out = p;
	return NS_OK;
}

ns_status_t ns_readers_new_shards(ns_shardset_t *shards,
                                  nsx_status_t (*setup)(nsx_reader_t *r),
                                  ns_readers_t **out)
{
	if (!shards)
		return NS_ERR_INVALID;
	ns_status_t st = ns_readers_new("", setup, out);
	if (st == NS_OK)
		(*out)->shards = shards;
	return st;
}

static void close_list(struct idle_reader *i)
{
	for (struct idle_reader *next; i; i = next) {
		next = i->next;
		nsx_reader_close(i->r);
		free(i);
	}
}

void ns_readers_free(ns_readers_t *p)
{
	if (!p)
		return;
	close_list(p->idle);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->quiet);
	free(p->index_dir);
	free(p);
}

/* Forget node I of the lent list (the caller holds mu); wake a swap
 * waiting for the last search to end. */
static void unlend(ns_readers_t *p, struct idle_reader *i)
{
	struct idle_reader **link = &p->lent;
	while (*link && *link != i)
		link = &(*link)->next;
	if (*link)
		*link = i->next;
	if (p->swapping && !p->lent)
		pthread_cond_broadcast(&p->quiet);
}

/* A reader at some revision, noted as lent until settle().  Noted
 * before it is opened, so that a swap of the index waits for it. */
static nsx_status_t take(ns_readers_t *p, nsx_reader_t **out, char **err)
{
	pthread_mutex_lock(&p->mu);
	while (p->swapping)
		pthread_cond_wait(&p->quiet, &p->mu);
	struct idle_reader *i = p->idle;
	if (i) {
		p->idle = i->next;
	} else if ((i = malloc(sizeof *i))) {
		i->r = NULL;
		i->generation = p->generation;
		i->shard_gen = ~0ull; /* new: it follows the others at once */
	}
	if (i) {
		i->next = p->lent;
		p->lent = i;
	}
	pthread_mutex_unlock(&p->mu);
	if (!i)
		return NSX_NO_MEMORY;
	if (i->r) {
		*out = i->r;
		return NSX_OK;
	}
	nsx_reader_t *r = NULL;
	nsx_status_t st =
	        p->shards
	                ? nsx_reader_open_shards(ns_shardset_specs(p->shards),
	                                         ns_shardset_count(p->shards),
	                                         ns_shardset_timeout(p->shards),
	                                         &r, err)
	                : nsx_reader_open(p->index_dir, &r, err);
	if (st == NSX_OK)
		st = p->setup(r);
	if (st != NSX_OK) {
		if (r && err && !*err)
			*err = strdup(nsx_reader_error(r));
		nsx_reader_close(r);
		pthread_mutex_lock(&p->mu);
		unlend(p, i);
		pthread_mutex_unlock(&p->mu);
		free(i);
		return st;
	}
	pthread_mutex_lock(&p->mu);
	i->r = r;
	pthread_mutex_unlock(&p->mu);
	*out = r;
	return NSX_OK;
}

/* R, borrowed, leaves the lent list: back to the idle list if KEEP and
 * the index was not swapped since it was opened (else its files are the
 * old index's), otherwise closed.  Every borrowed reader ends here, on
 * every path: a swap waits until the lent list is empty. */
static void settle(ns_readers_t *p, nsx_reader_t *r, bool keep)
{
	pthread_mutex_lock(&p->mu);
	struct idle_reader *i = p->lent;
	while (i && i->r != r)
		i = i->next;
	bool drop = !keep || !i || i->generation != p->generation;
	if (i)
		unlend(p, i);
	if (i && !drop) {
		i->next = p->idle;
		p->idle = i;
	}
	pthread_mutex_unlock(&p->mu);
	if (drop) {
		nsx_reader_close(r);
		free(i);
	}
}

void ns_readers_give_back(ns_readers_t *p, nsx_reader_t *r)
{
	settle(p, r, true);
}

/* The shard generation R (lent) follows, or sets it to GEN. */
static uint64_t shard_gen(ns_readers_t *p, nsx_reader_t *r, const uint64_t *gen)
{
	pthread_mutex_lock(&p->mu);
	struct idle_reader *i = p->lent;
	while (i && i->r != r)
		i = i->next;
	uint64_t was = i ? i->shard_gen : 0;
	if (i && gen)
		i->shard_gen = *gen;
	pthread_mutex_unlock(&p->mu);
	return was;
}

/* R (lent, over shards) drops the shards other readers found down and
 * connects those found up again, before it is reopened. */
static void follow_shards(ns_readers_t *p, nsx_reader_t *r)
{
	unsigned char want[NS_MAX_SHARDS];
	uint64_t gen = ns_shardset_want(p->shards, want);
	if (shard_gen(p, r, NULL) != gen)
		(void)nsx_reader_set_shards(r, want);
}

/* R (lent, over shards, reopened) tells the set what it found; when no
 * shard answers, NS_ERR_UNAVAILABLE with *ERRMSG and R is given back. */
static ns_status_t shards_found(ns_readers_t *p, nsx_reader_t *r, char **errmsg)
{
	uint64_t gen = ns_shardset_note(p->shards, r);
	shard_gen(p, r, &gen);
	if (nsx_reader_shards_up(r) > 0)
		return NS_OK;
	/* The last shard thought up failed: those thought down may have
	 * come back since the last probe (a second ago at most), so they
	 * are tried now, before the search is refused for none answering. */
	if (ns_readers_recover(p, r))
		return NS_OK;
	if (errmsg && !*errmsg &&
	    asprintf(errmsg,
	             "none of the %zu shards answers (the first, %s: "
	             "%s); they are tried again every second",
	             nsx_reader_shards(r), ns_shardset_specs(p->shards)[0],
	             nsx_reader_shard_error(r, 0)) < 0)
		*errmsg = NULL;
	settle(p, r, true);
	return NS_ERR_UNAVAILABLE;
}

bool ns_readers_recover(ns_readers_t *p, nsx_reader_t *r)
{
	if (!p->shards || nsx_reader_probe_shards(r) != NSX_OK)
		return false;
	uint64_t gen = ns_shardset_note(p->shards, r);
	shard_gen(p, r, &gen);
	return nsx_reader_shards_up(r) > 0;
}

ns_status_t ns_readers_borrow(ns_readers_t *p, nsx_reader_t **out,
                              char **errmsg)
{
	nsx_status_t xst = take(p, out, errmsg);
	if (xst != NSX_OK)
		return xst == NSX_NO_MEMORY ? NS_ERR_NOMEM : NS_ERR_INDEX;
	if (p->shards)
		follow_shards(p, *out);
	xst = nsx_reader_reopen(*out);
	if (xst != NSX_OK) {
		/* Whatever Xapian says (even "not found": the index vanished
		 * under it), the reader failed, not the request. */
		if (errmsg && !*errmsg)
			*errmsg = strdup(nsx_reader_error(*out));
		settle(p, *out, false);
		return xst == NSX_NO_MEMORY ? NS_ERR_NOMEM : NS_ERR_INDEX;
	}
	return p->shards ? shards_found(p, *out, errmsg) : NS_OK;
}

static ns_status_t from_nsx(nsx_status_t xst)
{
	switch (xst) {
	case NSX_OK: return NS_OK;
	case NSX_BAD_QUERY: return NS_ERR_BAD_QUERY;
	case NSX_TOO_BROAD: return NS_ERR_TOO_BROAD;
	case NSX_TOO_COMPLEX: return NS_ERR_TOO_COMPLEX;
	case NSX_TIMEOUT: return NS_ERR_TIMEOUT;
	case NSX_NOT_FOUND: return NS_ERR_NOT_FOUND;
	case NSX_NO_MEMORY: return NS_ERR_NOMEM;
	default: return NS_ERR_INDEX;
	}
}

ns_status_t ns_readers_failed(ns_readers_t *p, nsx_reader_t *r,
                              nsx_status_t xst, char **errmsg)
{
	ns_status_t st = from_nsx(xst);
	if (errmsg && !*errmsg)
		*errmsg = strdup(nsx_reader_error(r));
	settle(p, r, st == NS_ERR_BAD_QUERY || st == NS_ERR_TOO_BROAD ||
	             st == NS_ERR_TOO_COMPLEX || st == NS_ERR_TIMEOUT ||
	             st == NS_ERR_NOT_FOUND);
	return st;
}

void ns_readers_exclusive(ns_readers_t *p, void (*fn)(void *arg),
                          void *arg)
{
	pthread_mutex_lock(&p->mu);
	p->swapping = true;
	while (p->lent)
		pthread_cond_wait(&p->quiet, &p->mu);
	fn(arg);
	p->generation++;
	struct idle_reader *idle = p->idle;
	p->idle = NULL;
	p->swapping = false;
	pthread_cond_broadcast(&p->quiet);
	pthread_mutex_unlock(&p->mu);
	close_list(idle);
}
