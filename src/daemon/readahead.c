/* readahead.c - the readers-ahead's threads, their queue of files to read
 * (under their own lock) and the writer's FIFO of files handed over.  It
 * knows nothing of what reading a file means: the writer's callback does
 * it.  Never touches the index. */
#include "daemon/index_impl.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct readahead {
	pthread_mutex_t mu;
	pthread_cond_t work;            /* a file to read, or stop */
	pthread_cond_t done;            /* a file read */
	struct prep *work_head, *work_tail; /* to read, under mu */
	bool stop;                      /* under mu */
	/* The writer's: every file handed over, in order, till taken back. */
	struct prep *fifo_head, *fifo_tail;
	size_t inflight;
	pthread_t *threads;             /* immutable once started */
	unsigned nthreads;
	void (*read)(void *ctx, struct prep *p);
	void *ctx;
};

static void *reader_main(void *arg)
{
	readahead_t *ra = arg;
	pthread_mutex_lock(&ra->mu);
	for (;;) {
		while (!ra->work_head && !ra->stop)
			pthread_cond_wait(&ra->work, &ra->mu);
		struct prep *p = ra->work_head;
		if (!p)
			break; /* stopping, and nothing left */
		ra->work_head = p->next_work;
		if (!ra->work_head)
			ra->work_tail = NULL;
		pthread_mutex_unlock(&ra->mu);
		ra->read(ra->ctx, p);
		pthread_mutex_lock(&ra->mu);
		p->done = true;
		pthread_cond_broadcast(&ra->done);
	}
	pthread_mutex_unlock(&ra->mu);
	return NULL;
}

ns_status_t readahead_start(void (*read)(void *ctx, struct prep *p),
                            void *ctx, readahead_t **out)
{
	readahead_t *ra = calloc(1, sizeof *ra);
	if (!ra)
		return NS_ERR_NOMEM;
	ra->read = read;
	ra->ctx = ctx;
	pthread_mutex_init(&ra->mu, NULL);
	pthread_cond_init(&ra->work, NULL);
	pthread_cond_init(&ra->done, NULL);
	/* As many as there are processors, up to 8.  Without any (out of
	 * threads) the writer reads alone. */
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned want = n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
	ra->threads = calloc(want, sizeof *ra->threads);
	for (unsigned i = 0; ra->threads && i < want; i++) {
		if (pthread_create(&ra->threads[i], NULL, reader_main, ra) != 0)
			break;
		ra->nthreads++;
	}
	*out = ra;
	return NS_OK;
}

void readahead_stop(readahead_t *ra)
{
	if (!ra)
		return;
	pthread_mutex_lock(&ra->mu);
	ra->stop = true;
	pthread_cond_broadcast(&ra->work);
	pthread_mutex_unlock(&ra->mu);
	for (unsigned i = 0; i < ra->nthreads; i++)
		pthread_join(ra->threads[i], NULL);
	free(ra->threads);
	pthread_cond_destroy(&ra->work);
	pthread_cond_destroy(&ra->done);
	pthread_mutex_destroy(&ra->mu);
	free(ra);
}

void readahead_submit(readahead_t *ra, struct prep *p)
{
	if (ra->fifo_tail)
		ra->fifo_tail->next = p;
	else
		ra->fifo_head = p;
	ra->fifo_tail = p;
	ra->inflight++;
	if (!ra->nthreads) {
		ra->read(ra->ctx, p);
		p->done = true;
		return;
	}
	pthread_mutex_lock(&ra->mu);
	if (ra->work_tail)
		ra->work_tail->next_work = p;
	else
		ra->work_head = p;
	ra->work_tail = p;
	pthread_cond_signal(&ra->work);
	pthread_mutex_unlock(&ra->mu);
}

struct prep *readahead_take(readahead_t *ra, bool all)
{
	struct prep *p = ra->fifo_head;
	if (!p)
		return NULL;
	if (ra->nthreads) {
		bool wait = all || ra->inflight >= READAHEAD_WINDOW;
		pthread_mutex_lock(&ra->mu);
		while (!p->done && wait)
			pthread_cond_wait(&ra->done, &ra->mu);
		bool done = p->done;
		pthread_mutex_unlock(&ra->mu);
		if (!done)
			return NULL;
	}
	ra->fifo_head = p->next;
	if (!ra->fifo_head)
		ra->fifo_tail = NULL;
	ra->inflight--;
	return p;
}

size_t readahead_inflight(const readahead_t *ra)
{
	return ra->inflight;
}
