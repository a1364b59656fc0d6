/* status: `cchc status`, each service's StatusReply asked in its own envelope, one line each. */
#ifndef CCHC_STATUS_H
#define CCHC_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "cchc/v1/status.pb-c.h"

/* Formats seconds as "3d4h", "2h05m", "4m09s" or "12s" into buf. */
void status_format_uptime(uint64_t seconds, char *buf, size_t len);

/* Prints one province's subscription of the national stack (docs/design.md §15) as of now_ms,
 * loudly ("!!", its state in capitals, why) when it is not streaming. Returns 1 then, else 0. */
int status_print_subscription(const Cchc__V1__Subscription *x, int64_t now_ms);

#endif
