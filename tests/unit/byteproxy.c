/* byteproxy.c - byteproxy.h's relay: one thread polls the listener, a
 * stop pipe and every pair of sockets, copying whatever arrives to the
 * other side. */
#include "byteproxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PAIRS 16

struct byteproxy {
	int listener, stop[2], to;
	int fds[MAX_PAIRS * 2]; /* client, server; -1 when free */
	atomic_ullong received;
	pthread_t thread;
};

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_port = htons((uint16_t)port),
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void accept_one(struct byteproxy *p)
{
	int c = accept(p->listener, NULL, NULL);
	int s = c >= 0 ? connect_to(p->to) : -1;
	for (int i = 0; s >= 0 && i < MAX_PAIRS; i++)
		if (p->fds[2 * i] < 0) {
			p->fds[2 * i] = c;
			p->fds[2 * i + 1] = s;
			return;
		}
	if (c >= 0)
		close(c);
	if (s >= 0)
		close(s);
}

/* Copies what socket K of pair I has to the other; closes the pair at
 * the end of either side. */
static void relay(struct byteproxy *p, int i, int k)
{
	char buf[65536];
	ssize_t n = read(p->fds[2 * i + k], buf, sizeof buf);
	ssize_t off = 0;
	while (n > 0 && off < n) {
		ssize_t w = write(p->fds[2 * i + 1 - k], buf + off,
		                  (size_t)(n - off));
		if (w <= 0)
			break;
		off += w;
	}
	if (n > 0 && off == n) {
		if (k == 1)
			p->received += (unsigned long long)n;
		return;
	}
	close(p->fds[2 * i]);
	close(p->fds[2 * i + 1]);
	p->fds[2 * i] = p->fds[2 * i + 1] = -1;
}

static void *run(void *arg)
{
	struct byteproxy *p = arg;
	for (;;) {
		struct pollfd pf[2 + MAX_PAIRS * 2];
		pf[0] = (struct pollfd){ .fd = p->stop[0], .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = p->listener, .events = POLLIN };
		for (int i = 0; i < MAX_PAIRS * 2; i++)
			pf[2 + i] = (struct pollfd){ .fd = p->fds[i],
				                     .events = POLLIN };
		if (poll(pf, 2 + MAX_PAIRS * 2, -1) < 0 || pf[0].revents)
			return NULL;
		if (pf[1].revents)
			accept_one(p);
		for (int i = 0; i < MAX_PAIRS * 2; i++)
			if (pf[2 + i].revents && p->fds[i] >= 0)
				relay(p, i / 2, i % 2);
	}
}

struct byteproxy *byteproxy_start(int to, int *port)
{
	struct byteproxy *p = calloc(1, sizeof *p);
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	p->to = to;
	memset(p->fds, -1, sizeof p->fds);
	p->listener = socket(AF_INET, SOCK_STREAM, 0);
	if (p->listener < 0 || pipe(p->stop) != 0 ||
	    bind(p->listener, (struct sockaddr *)&a, sizeof a) != 0 ||
	    listen(p->listener, 8) != 0 ||
	    getsockname(p->listener, (struct sockaddr *)&a, &len) != 0 ||
	    pthread_create(&p->thread, NULL, run, p) != 0) {
		if (p->listener >= 0)
			close(p->listener);
		free(p);
		return NULL;
	}
	*port = ntohs(a.sin_port);
	return p;
}

unsigned long long byteproxy_received(struct byteproxy *p)
{
	return p->received;
}

void byteproxy_stop(struct byteproxy *p)
{
	if (write(p->stop[1], "", 1) != 1)
		abort(); /* the thread would never end */
	pthread_join(p->thread, NULL);
	for (int i = 0; i < MAX_PAIRS * 2; i++)
		if (p->fds[i] >= 0)
			close(p->fds[i]);
	close(p->listener);
	close(p->stop[0]);
	close(p->stop[1]);
	free(p);
}
