/* ticker: one thread per chore, sleeping on a condition variable between runs so that stopping
 * wakes it at once instead of waiting out the period. */
#include "stats_ticker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct ticker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop; /* under mu */
	unsigned period_ms;
	void (*fn)(void *);
	void *arg;
};

static void *ticker_main(void *p)
{
	ticker *t = p;
	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		pthread_mutex_unlock(&t->mu);
		t->fn(t->arg);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += t->period_ms / 1000;
		until.tv_nsec += (long)(t->period_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_mutex_lock(&t->mu);
		while (!t->stop && pthread_cond_timedwait(&t->cv, &t->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

int ticker_start(unsigned period_ms, void (*fn)(void *arg), void *arg, ticker **out, char *err,
                 size_t errlen)
{
	ticker *t = calloc(1, sizeof *t);
	*out = NULL;
	if (!t) {
		snprintf(err, errlen, "out of memory for a thread");
		return -1;
	}
	t->period_ms = period_ms;
	t->fn = fn;
	t->arg = arg;
	if (pthread_mutex_init(&t->mu, NULL) != 0) {
		free(t);
		snprintf(err, errlen, "cannot make a mutex");
		return -1;
	}
	if (pthread_cond_init(&t->cv, NULL) != 0) {
		pthread_mutex_destroy(&t->mu);
		free(t);
		snprintf(err, errlen, "cannot make a condition variable");
		return -1;
	}
	if (pthread_create(&t->thread, NULL, ticker_main, t) != 0) {
		pthread_cond_destroy(&t->cv);
		pthread_mutex_destroy(&t->mu);
		free(t);
		snprintf(err, errlen, "cannot start a thread");
		return -1;
	}
	*out = t;
	return 0;
}

void ticker_stop(ticker *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = 1;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
