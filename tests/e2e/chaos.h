/* chaos.h - what test_chaos.c's schedule shares with its client threads
 * (chaos_clients.c): the articles and what each query must find on each
 * shard, the check of a reply against that, and the threads that search
 * the front and the replica under the chaos.  The threads never call
 * cmocka: they note the first failure, and the main thread fails. */
#ifndef NS_E2E_CHAOS_H
#define NS_E2E_CHAOS_H

#include "harness.h"

#define NSHARDS 3
#define PER_FOLDER 10

/* The top-level folders, one a shard, and the queries asked. */
extern const char *const chaos_folders[NSHARDS];
extern const char *const chaos_queries[2];

/* PER_FOLDER articles in each folder of the tree. */
void chaos_put_articles(void);
/* How many articles of shard K (-1: of all) query Q finds. */
size_t chaos_expected(int q, int k);
/* Shard K holds chaos_folders[FOLDER_OF[K]] (copied). */
void chaos_set_layout(const int *folder_of);
/* What is wrong with a front's (FRONT) or a replica's successful REPLY
 * to query Q, into WHY; NULL when it is right, *PARTIAL then whether
 * some shard did not answer. */
const char *chaos_check(json_t *reply, int q, bool front, bool *partial,
                        char *why, size_t len);

/* Two threads searching FRONT_SOCK and REPLICA_SOCK (borrowed until
 * chaos_clients_stop()) without pause. */
void chaos_clients_start(const char *front_sock, const char *replica_sock);
/* Stop and join them; nothing when none runs. */
void chaos_clients_stop(void);
/* The replica is killed (DOWN) or answers again: errors from it are
 * allowed in between. */
void chaos_replica_down(bool down);
/* The first wrong or missing answer, into BUF; false when none. */
bool chaos_failure(char *buf, size_t len);

struct chaos_counts {
	unsigned complete, partial; /* the front's right answers */
	unsigned replica_ok, replica_refused;
	double slowest; /* s, the front's slowest */
};
void chaos_counts(struct chaos_counts *out);

#endif
