/* ticker: a thread of stats' own that runs a chore at once and then every period until stopped:
 * the heartbeat of a publishing province (node.c) and the national stack's subscriptions
 * (national_sync.c). The chore gets the thread to itself: it may block on PostgreSQL. */
#ifndef CCHC_STATS_TICKER_H
#define CCHC_STATS_TICKER_H

#include <stddef.h>

typedef struct ticker ticker;

/* Starts fn(arg) now and every period_ms after each run ends. Returns 0, or -1 with err. */
int ticker_start(unsigned period_ms, void (*fn)(void *arg), void *arg, ticker **out, char *err,
                 size_t errlen);

/* Stops it, waiting for a run in progress; NULL does nothing. */
void ticker_stop(ticker *t);

#endif
