/* searchq.c - the query workers' queue, fair between clients (searchq.h).
 * Owns only the order and the counts: never runs or frees a request. */
#include "daemon/searchq.h"

#include <assert.h>
#include <stdlib.h>

bool ns_searchq_init(ns_searchq_t *s, unsigned workers)
{
	*s = (ns_searchq_t){0};
	s->workers = workers ? workers : 1;
	s->per_client = s->workers > 1 ? s->workers - 1 : 1;
	s->heavy_max = s->per_client;
	s->clients = calloc(s->workers, sizeof *s->clients);
	return s->clients != NULL;
}

void ns_searchq_free(ns_searchq_t *s)
{
	free(s->clients);
	s->clients = NULL;
}

/* CLIENT's entry among those running (a new one when ADD), or NULL. */
static struct ns_searchq_client *client_of(ns_searchq_t *s, uint64_t client,
                                         bool add)
{
	struct ns_searchq_client *free_slot = NULL;
	for (unsigned i = 0; i < s->workers; i++) {
		struct ns_searchq_client *c = &s->clients[i];
		if (c->running && c->client == client)
			return c;
		if (!c->running && !free_slot)
			free_slot = c;
	}
	if (add && free_slot) /* there is one: fewer clients than workers run */
		free_slot->client = client;
	return add ? free_slot : NULL;
}

void ns_searchq_push(ns_searchq_t *s, ns_searchq_item_t *it)
{
	assert(it->state == NS_SEARCHQ_IDLE); /* in one list once */
	it->next = NULL;
	it->prev = s->tail;
	if (s->tail)
		s->tail->next = it;
	else
		s->head = it;
	s->tail = it;
	it->state = NS_SEARCHQ_WAITING;
}

static void unlink_waiting(ns_searchq_t *s, ns_searchq_item_t *it)
{
	if (it->prev)
		it->prev->next = it->next;
	else
		s->head = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		s->tail = it->prev;
	it->prev = it->next = NULL;
	it->state = NS_SEARCHQ_IDLE;
}

ns_searchq_item_t *ns_searchq_next(ns_searchq_t *s)
{
	if (s->running >= s->workers)
		return NULL;
	for (ns_searchq_item_t *it = s->head; it; it = it->next) {
		struct ns_searchq_client *c = client_of(s, it->client, false);
		if (c && c->running >= s->per_client)
			continue;
		if (it->heavy && s->heavy_running >= s->heavy_max)
			continue;
		unlink_waiting(s, it);
		client_of(s, it->client, true)->running++;
		s->running++;
		s->heavy_running += it->heavy;
		it->state = NS_SEARCHQ_RUNNING;
		return it;
	}
	return NULL;
}

void ns_searchq_remove(ns_searchq_t *s, ns_searchq_item_t *it)
{
	if (it->state == NS_SEARCHQ_WAITING) {
		unlink_waiting(s, it);
	} else if (it->state == NS_SEARCHQ_RUNNING) {
		struct ns_searchq_client *c = client_of(s, it->client, false);
		assert(c && c->running && s->running); /* counted at next() */
		c->running--;
		s->running--;
		s->heavy_running -= it->heavy;
		it->state = NS_SEARCHQ_IDLE;
	}
}
