/* service: the life of a long-running process: signals, uptime, version. */
#ifndef CCHC_SERVICE_H
#define CCHC_SERVICE_H

#include "conf.h"
#include "wire.h"

#include <stdint.h>

#define CCHC_VERSION "0.1.0"

/* Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and every thread it starts afterwards.
 * Call first thing in main. Also records the start time for service_uptime_seconds. */
void service_init(const char *name);
/* Waits for one of the blocked signals and returns it. */
int service_wait_signal(void);
uint64_t service_uptime_seconds(void);
/* Wall-clock time as Unix milliseconds: the clock of sending times, audit entries and reports. */
int64_t service_clock_ms(void);
/* Sets TZ for the process (the local day of docs/design.md §4); call before any thread starts. */
void service_set_timezone(const char *tz);

/* The orderly stop on SIGTERM / SIGINT (docs/operations.md "Stopping"): stops taking requests, logs
 * "stopping: N requests in hand", waits up to timeout_ms (stop_timeout_ms) for them to be answered
 * and their replies written out, and logs "stopped cleanly: N requests answered" or what was left.
 * Returns 0 when all was answered. The caller then frees the server with wire_server_stop. */
int service_drain(wire_server *s, unsigned timeout_ms);

/* The common start of a service's main: parses --config FILE, --listen URL, --help and --version,
 * calls service_init, loads the configuration and sets the time zone. *listen is the --listen value
 * or NULL. Returns 0 to go on, or 1 with *exit_status set (0 after --help or --version, 2 on bad
 * usage, 1 on a bad configuration; each reported). */
int service_start(int argc, char **argv, const char *name, conf *cf, const char **listen,
                  int *exit_status);

#endif
