/* registry: `cchc units import|list` on stats' side. An import is validated whole (every line,
 * duplicate units, parents) before one transaction replaces the units table; a bad file changes
 * nothing and its error names the line. */
#ifndef CCHC_STATS_REGISTRY_H
#define CCHC_STATS_REGISTRY_H

#include <libpq-fe.h>
#include <stddef.h>

#include "cchc/v1/stats.pb-c.h"

/* Checks what units_parse does not: one row per (snapshot, code), a parent that exists in the
 * same snapshot at a higher level. Returns 0, or -1 with "name:LINE: reason" in err. */
int registry_validate(const char *buf, size_t len, const char *name, char *err, size_t errlen);

/* Answers a UnitsRequest: an import goes through `writer`, a list through `reader` (the caller
 * holds each connection's lock). Returns 0, or -1 with reply->ok false and reply->error.
 * Free the reply's parts with registry_reply_clear. */
int registry_import(PGconn *writer, const Cchc__V1__UnitsRequest *req, Cchc__V1__UnitsReply *reply);
int registry_list(PGconn *reader, const Cchc__V1__UnitsRequest *req, Cchc__V1__UnitsReply *reply);
void registry_reply_clear(Cchc__V1__UnitsReply *reply);

#endif
