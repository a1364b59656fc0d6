/* service: signal handling and uptime for the long-running services. Signals are blocked in every
 * thread and taken synchronously by main with sigwait, so no handler runs in a worker's context. */
#include "service.h"

#include "log.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

static struct timespec started;

static sigset_t service_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	return set;
}

void service_init(const char *name)
{
	sigset_t set = service_signals();
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	clock_gettime(CLOCK_MONOTONIC, &started);
	log_set_name(name);
}

int service_wait_signal(void)
{
	sigset_t set = service_signals();
	int sig = 0;
	if (sigwait(&set, &sig) != 0)
		return SIGTERM;
	return sig;
}

uint64_t service_uptime_seconds(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - started.tv_sec);
}

void service_set_timezone(const char *tz)
{
	if (tz && *tz)
		setenv("TZ", tz, 1);
	tzset();
}
