/* byteproxy.h - a loopback TCP relay for tests, counting the bytes a
 * server sends back through it: how much a search read from a remote
 * shard.  It never looks into the bytes and never changes them. */
#ifndef NS_TEST_BYTEPROXY_H
#define NS_TEST_BYTEPROXY_H

struct byteproxy;

/* A relay from an ephemeral port on 127.0.0.1 (into *PORT) to
 * 127.0.0.1:TO, serving connections one thread for all; NULL when it
 * cannot listen.  Stop it with byteproxy_stop(). */
struct byteproxy *byteproxy_start(int to, int *port);

/* The bytes the server has sent back through P so far. */
unsigned long long byteproxy_received(struct byteproxy *p);

/* Closes every connection and frees P. */
void byteproxy_stop(struct byteproxy *p);

#endif
