/* status: `cchc status`, each service's StatusReply asked in its own envelope, one line each. */
#ifndef CCHC_STATUS_H
#define CCHC_STATUS_H

#include <stddef.h>
#include <stdint.h>

/* Formats seconds as "3d4h", "2h05m", "4m09s" or "12s" into buf. */
void status_format_uptime(uint64_t seconds, char *buf, size_t len);

#endif
