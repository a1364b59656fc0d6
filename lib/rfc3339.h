/* rfc3339: the contract's times, "2024-01-05T08:15:00+07:00", to and from Unix milliseconds. */
#ifndef CCHC_RFC3339_H
#define CCHC_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/* Strict RFC 3339 date-time with a required offset (Z or ±hh:mm) and optional fraction.
 * Returns 0 and the instant in *ms, or -1 when the text is not such a time. */
int rfc3339_parse(const char *s, int64_t *ms);

/* Formats an instant in UTC as "YYYY-MM-DDTHH:MM:SS.sssZ" into buf (at least 32 bytes). */
void rfc3339_format_utc(int64_t ms, char *buf, size_t len);

#endif
