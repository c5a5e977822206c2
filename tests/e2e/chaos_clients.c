/* chaos_clients.c - test_chaos.c's articles, the check of a reply, and
 * the client threads that search the front and the replica while the
 * schedule kills (chaos.h).  Their own sockets and a bound on each
 * reply; never cmocka, which is not for threads. */
#include "chaos.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define REPLY_BOUND_S 5.0 /* no reply later than this: a hang */

const char *const chaos_folders[NSHARDS] = { "2023", "2024", "2025" };
const char *const chaos_queries[2] = { "harbour", "amberjack" };
static int folder_of[NSHARDS];

/* What the client threads share with the main thread. */
static struct {
	atomic_bool stop;
	atomic_int replica_down;   /* > 0: killed or not answering yet */
	atomic_uint replica_epoch; /* bumped at each kill and restart */
	pthread_mutex_t mu;
	char failure[1024];    /* the first wrong answer; under mu */
	struct chaos_counts n; /* under mu */
	const char *front_sock, *replica_sock;
	pthread_t threads[2];
	bool running;
} L = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* ---- the articles and what each query finds ---- */

/* Article N (1..PER_FOLDER) of folder F has "harbour"; every third has
 * "amberjack" too, so that each shard holds some of either. */
static bool finds(int query, int n)
{
	return query == 0 || n % 3 == 0;
}

void chaos_put_articles(void)
{
	for (int f = 0; f < NSHARDS; f++)
		for (int n = 1; n <= PER_FOLDER; n++) {
			char rel[64], text[256];
			snprintf(rel, sizeof rel, "%s/n%02d.md",
			         chaos_folders[f], n);
			snprintf(text, sizeof text,
			         "# Harbour log %s %d\n\nThe harbour master "
			         "wrote entry %d of %s.%s\n",
			         chaos_folders[f], n, n, chaos_folders[f],
			         finds(1, n) ? " An amberjack was landed."
			                     : "");
			put_file(rel, text);
		}
}

/* How many articles of shard K (-1: of all) QUERY finds. */
size_t chaos_expected(int query, int k)
{
	size_t per = 0;
	for (int n = 1; n <= PER_FOLDER; n++)
		per += finds(query, n);
	return k < 0 ? per * NSHARDS : per;
}

/* The shard PATH's folder is on, or -1 for a path from nowhere. */
static int shard_of(const char *path, int query)
{
	int n = 0;
	char folder[8];
	if (sscanf(path, "%4[0-9]/n%2d.md", folder, &n) != 2 || n < 1 ||
	    n > PER_FOLDER || !finds(query, n))
		return -1;
	for (int k = 0; k < NSHARDS; k++)
		if (strcmp(chaos_folders[folder_of[k]], folder) == 0)
			return k;
	return -1;
}

/* What is wrong with a front's or a replica's successful REPLY to
 * QUERY (into WHY), or NULL when it is right: each hit from a shard
 * that holds it, once; every shard's articles or none; as many shards
 * whole as it says answered (FRONT), all of them otherwise. */
const char *chaos_check(json_t *reply, int query, bool front, bool *partial,
                        char *why, size_t len)
{
	json_t *hits = json_object_get(reply, "hits");
	size_t seen[NSHARDS] = { 0 }, n = json_array_size(hits);
	json_int_t total = NSHARDS, answered = NSHARDS;
	if (front) {
		json_t *s = json_object_get(reply, "shards");
		total = json_integer_value(json_object_get(s, "total"));
		answered = json_integer_value(json_object_get(s, "answered"));
	}
	if (total != NSHARDS || answered < 1 || answered > total)
		return snprintf(why, len, "shards %lld of %lld",
		                (long long)answered, (long long)total),
		       why;
	for (size_t i = 0; i < n; i++) {
		const char *p = json_string_value(
		        json_object_get(json_array_get(hits, i), "path"));
		int k = p ? shard_of(p, query) : -1;
		if (k < 0)
			return snprintf(why, len, "hit %s from nowhere", p),
			       why;
		for (size_t j = 0; j < i; j++)
			if (strcmp(p, json_string_value(json_object_get(
			                      json_array_get(hits, j),
			                      "path"))) == 0)
				return snprintf(why, len, "%s twice", p), why;
		seen[k]++;
	}
	json_int_t whole = 0;
	for (int k = 0; k < NSHARDS; k++) {
		if (seen[k] && seen[k] != chaos_expected(query, k))
			return snprintf(why, len, "%zu of shard %d's %zu",
			                seen[k], k + 1,
			                chaos_expected(query, k)),
			       why;
		whole += seen[k] != 0;
	}
	if (whole != answered || json_integer_value(json_object_get(
	                                 reply, "total")) != (json_int_t)n)
		return snprintf(why, len,
		                "%zu hits from %lld shards, total %lld, "
		                "answered %lld",
		                n, (long long)whole,
		                (long long)json_integer_value(
		                        json_object_get(reply, "total")),
		                (long long)answered),
		       why;
	*partial = answered < total;
	return NULL;
}

/* ---- the client threads: their own sockets, no cmocka ---- */

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void note_failure(const char *fmt, ...)
{
	pthread_mutex_lock(&L.mu);
	if (!L.failure[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(L.failure, sizeof L.failure, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&L.mu);
}

enum outcome { REPLY, REFUSED, CUT, HUNG };

/* LINE sent to SOCK and its reply read within REPLY_BOUND_S: REPLY with
 * *OUT (new), or REFUSED (nothing listens), CUT (closed without a
 * reply) or HUNG. */
static enum outcome exchange(const char *sock, const char *line, json_t **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (fd >= 0)
			close(fd);
		return REFUSED;
	}
	double end = now_s() + REPLY_BOUND_S;
	enum outcome o = CUT;
	char buf[65536];
	size_t got = 0;
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) != (ssize_t)strlen(line))
		goto done;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ms = (int)((end - now_s()) * 1000);
		if (ms <= 0 || poll(&p, 1, ms) == 0) {
			o = HUNG;
			break;
		}
		ssize_t r = read(fd, buf + got, sizeof buf - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		char *nl = memchr(buf, '\n', got);
		if (nl || got == sizeof buf - 1) {
			*out = json_loadb(buf, got, JSON_DISABLE_EOF_CHECK,
			                  NULL);
			o = *out ? REPLY : CUT;
			break;
		}
	}
done:
	close(fd);
	return o;
}

static char *search_line(int query)
{
	char *line = NULL;
	if (asprintf(&line,
	             "{\"op\":\"search\",\"q\":\"%s\",\"limit\":100,"
	             "\"autocorrect\":false,\"collapse\":false}\n",
	             chaos_queries[query]) < 0)
		return NULL;
	return line;
}

static const char *error_code(json_t *reply)
{
	const char *c = json_string_value(
	        json_object_get(json_object_get(reply, "error"), "code"));
	return c ? c : "?";
}

/* One search of the front: any reply but a right one within the bound
 * is a failure (the front itself is never killed). */
static void front_once(int query)
{
	char *line = search_line(query), why[256];
	json_t *r = NULL;
	double t0 = now_s();
	enum outcome o = exchange(L.front_sock, line, &r);
	double took = now_s() - t0;
	bool partial = false;
	if (o != REPLY)
		note_failure("front: %s for '%s' after %.1f s",
		             o == HUNG ? "no reply" : "no answer",
		             chaos_queries[query], took);
	else if (!json_is_true(json_object_get(r, "ok")))
		note_failure("front: error %s for '%s'", error_code(r),
		             chaos_queries[query]);
	else if (chaos_check(r, query, true, &partial, why, sizeof why))
		note_failure("front: wrong answer for '%s': %s",
		             chaos_queries[query], why);
	pthread_mutex_lock(&L.mu);
	if (o == REPLY && json_is_true(json_object_get(r, "ok")))
		(*(partial ? &L.n.partial : &L.n.complete))++;
	if (took > L.n.slowest)
		L.n.slowest = took;
	pthread_mutex_unlock(&L.mu);
	json_decref(r);
	free(line);
}

/* One search of the replica: its copy's articles, or (only while it is
 * killed or starting again) a refusal, a cut or an error reply. */
static void replica_once(int query)
{
	char *line = search_line(query), why[256];
	json_t *r = NULL;
	unsigned epoch = L.replica_epoch;
	bool down = L.replica_down > 0;
	enum outcome o = exchange(L.replica_sock, line, &r);
	bool restarting =
	        down || L.replica_down > 0 || epoch != L.replica_epoch;
	bool ok = o == REPLY && json_is_true(json_object_get(r, "ok")), partial;
	if (o == HUNG)
		note_failure("replica: no reply for '%s'",
		             chaos_queries[query]);
	else if (!ok && !restarting)
		note_failure("replica: %s for '%s' while it runs",
		             o == REPLY ? error_code(r) : "no answer",
		             chaos_queries[query]);
	else if (ok && chaos_check(r, query, false, &partial, why, sizeof why))
		note_failure("replica: wrong answer for '%s': %s",
		             chaos_queries[query], why);
	pthread_mutex_lock(&L.mu);
	(*(ok ? &L.n.replica_ok : &L.n.replica_refused))++;
	pthread_mutex_unlock(&L.mu);
	json_decref(r);
	free(line);
}

static void *client_thread(void *arg)
{
	bool front = arg != NULL;
	for (unsigned i = 0; !L.stop; i++) {
		if (front)
			front_once((int)(i % 2));
		else
			replica_once((int)(i % 2));
		nanosleep(&(struct timespec){ 0, 5000000L }, NULL);
	}
	return NULL;
}

void chaos_clients_start(const char *front_sock, const char *replica_sock)
{
	L.front_sock = front_sock;
	L.replica_sock = replica_sock;
	L.stop = false;
	assert_int_equal(
	        pthread_create(&L.threads[0], NULL, client_thread, (void *)1),
	        0);
	assert_int_equal(
	        pthread_create(&L.threads[1], NULL, client_thread, NULL), 0);
	L.running = true;
}

void chaos_clients_stop(void)
{
	if (!L.running)
		return;
	L.stop = true;
	pthread_join(L.threads[0], NULL);
	pthread_join(L.threads[1], NULL);
	L.running = false;
}

bool chaos_failure(char *buf, size_t len)
{
	pthread_mutex_lock(&L.mu);
	snprintf(buf, len, "%s", L.failure);
	pthread_mutex_unlock(&L.mu);
	return buf[0] != '\0';
}

void chaos_replica_down(bool down)
{
	if (down)
		L.replica_down++;
	L.replica_epoch++;
	if (!down)
		L.replica_down--;
}

void chaos_counts(struct chaos_counts *out)
{
	pthread_mutex_lock(&L.mu);
	*out = L.n;
	pthread_mutex_unlock(&L.mu);
}

void chaos_set_layout(const int *layout)
{
	memcpy(folder_of, layout, sizeof folder_of);
}
