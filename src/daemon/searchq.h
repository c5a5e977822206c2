/* searchq.h - which request goes to the query workers next, fair between
 * clients.
 *
 * The server hands libuv's thread pool at most as many requests as it has
 * workers; the others wait here in arrival order.  A client (one user on
 * the Unix socket, one address over TCP, however many connections it
 * opens) may have at most PER_CLIENT of them running, so it can never
 * occupy every worker: the next request of anyone else starts as soon as
 * one search ends, however long the first client's queue.  Requests
 * marked heavy (facets, sorting, phrases, wildcards, long queries: see
 * ns_request_is_heavy) may hold all workers but one, so that a light
 * search always finds one free, whoever sent the heavy ones.  Loop thread
 * only.  Internal to the daemon. */
#ifndef NS_SEARCHQ_H
#define NS_SEARCHQ_H

#include <stdbool.h>
#include <stdint.h>

/* Where a request is: IDLE -push-> WAITING -next-> RUNNING, and back to
 * IDLE from either by ns_searchq_remove.  Zero is IDLE. */
typedef enum {
	NS_SEARCHQ_IDLE,      /* neither waiting nor running */
	NS_SEARCHQ_WAITING,   /* in the waiting list */
	NS_SEARCHQ_RUNNING,   /* counted against the workers and its client */
} ns_searchq_state_t;

/* A request that waits or runs; embedded in its owner (a connection). */
typedef struct ns_searchq_item {
	struct ns_searchq_item *prev, *next;  /* in the waiting list */
	uint64_t client;                      /* who asked: see the server */
	bool heavy;                           /* set before it is pushed */
	ns_searchq_state_t state;
} ns_searchq_item_t;

typedef struct {
	unsigned workers;      /* requests running at once, at most */
	unsigned per_client;   /* of them, one client's, at most */
	unsigned heavy_max;    /* of them, heavy ones, at most */
	unsigned running, heavy_running;
	ns_searchq_item_t *head, *tail;   /* waiting, oldest first */
	/* Clients with requests running: at most WORKERS of them. */
	struct ns_searchq_client { uint64_t client; unsigned running; } *clients;
} ns_searchq_t;

/* WORKERS (at least 1) run at once; one client, and the heavy requests
 * together, may run all but one of them (at least 1).  False when out of
 * memory. */
bool ns_searchq_init(ns_searchq_t *s, unsigned workers);
void ns_searchq_free(ns_searchq_t *s);

/* IT (IDLE, IT->client set) waits its turn. */
void ns_searchq_push(ns_searchq_t *s, ns_searchq_item_t *it);

/* The oldest waiting request whose client is under its share (and, if
 * heavy, while the heavy ones are under theirs), now counted as running;
 * NULL when none may start (every worker busy, or the requests waiting
 * are at their shares). */
ns_searchq_item_t *ns_searchq_next(ns_searchq_t *s);

/* IT no longer waits or runs (it finished, or its connection went while
 * it waited): IDLE.  Accepts an item that is IDLE already. */
void ns_searchq_remove(ns_searchq_t *s, ns_searchq_item_t *it);

#endif
