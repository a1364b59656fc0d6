/* service: signal handling and uptime for the long-running services. Signals are blocked in every
 * thread and taken synchronously by main with sigwait, so no handler runs in a worker's context. */
#include "service.h"

#include "log.h"
#include "wire.h"

#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
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
	/* glibc gives each thread that allocates its own arena and keeps what is freed there; with
	 * a worker pool passing multi-megabyte transaction buffers around, stats' resident memory
	 * crept up run after run (8 workers: 78 -> 123 MB over five 100k-event pushes). Two arenas
	 * keep it flat (37 -> 39 MB) at the same speed (docs/performance.md). */
	mallopt(M_ARENA_MAX, 2);
	/* Those buffers (COPY rows, state rows) are rebuilt every transaction by doubling. Above
	 * glibc's mmap threshold each one is fresh pages from the kernel, zeroed and faulted in one
	 * by one: a tenth of stats' time. A fixed threshold above them keeps them in the heap for
	 * the next transaction; the trim threshold keeps the heap from being handed back each time.
	 */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
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

int64_t service_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void service_set_timezone(const char *tz)
{
	if (tz && *tz)
		setenv("TZ", tz, 1);
	tzset();
}

static const char *requests(unsigned n)
{
	return n == 1 ? "request" : "requests";
}

int service_drain(wire_server *s, unsigned timeout_ms)
{
	wire_drain d;
	unsigned held = wire_server_quiesce(s);
	log_info("stopping: %u %s in hand; waiting up to %u ms for their replies", held,
	         requests(held), timeout_ms);
	int rv = wire_server_drain(s, timeout_ms, &d);
	if (!rv && !d.unsent) {
		if (d.dropped)
			log_info("stopped cleanly: %u %s answered, %u undecodable dropped as ever",
			         d.answered, requests(d.answered), d.dropped);
		else
			log_info("stopped cleanly: %u %s answered", d.answered,
			         requests(d.answered));
		return 0;
	}
	unsigned left = held - d.answered - d.dropped - d.unsent;
	log_warn("stopping: %u of %u %s in hand answered; %u still being handled after %u ms, %u "
	         "failed to send, %" PRIu64 " replies not yet written out: their senders will "
	         "send them again",
	         d.answered, held, requests(held), left, timeout_ms, d.unsent, d.unwritten);
	return -1;
}

int service_start(int argc, char **argv, const char *name, conf *cf, const char **listen,
                  int *exit_status)
{
	const char *config = NULL;
	*listen = NULL;
	*exit_status = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config = argv[++i];
		} else if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
			*listen = argv[++i];
		} else if (!strcmp(argv[i], "--version")) {
			printf("%s %s\n", name, CCHC_VERSION);
			return 1;
		} else {
			int help = !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
			fprintf(help ? stdout : stderr,
			        "usage: %s [--config FILE] [--listen URL]\n", name);
			*exit_status = help ? 0 : 2;
			return 1;
		}
	}
	service_init(name);
	char err[1024];
	if (conf_load(config, cf, err, sizeof err)) {
		log_error("configuration: %s", err);
		*exit_status = 1;
		return 1;
	}
	service_set_timezone(cf->timezone);
	if (wire_tls_configure(cf, err, sizeof err)) {
		log_error("configuration: %s", err);
		*exit_status = 1;
		return 1;
	}
	return 0;
}
