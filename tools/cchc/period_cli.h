/* period_cli: what `cchc period` (period.c) lays out, apart from its sockets, so a unit test can
 * call it: the local times it prints and the two formats of `cchc period status` (docs/design.md
 * §13). The figures (rates, late counts) are stats' (stats_period_status.h); these only lay out. */
#ifndef CCHC_CLI_PERIOD_H
#define CCHC_CLI_PERIOD_H

#include "period.h"

#include <stdint.h>
#include <stdio.h>

#include "cchc/v1/stats.pb-c.h"

/* An instant in the process's time zone: iso 0 gives "15/03/2023 08:05" (for people), iso 1
 * "2023-03-15T08:05:00+07:00" (RFC 3339 with the local offset, for machines). Returns 0, or -1
 * when buf is too small. */
int period_cli_time(int64_t ms, int iso, char *buf, size_t len);

/* The reform office's view of a PeriodStatusReply for period p and scope code `scope`:
 * Vietnamese headings, the silent offices named first and marked "Chưa gửi", then every other
 * office, the reporting rate by level and the events stored after the cut-off. Returns 0, or -1
 * when f could not be written. */
int period_cli_status_text(FILE *f, const period *p, const char *scope,
                           const Cchc__V1__PeriodStatusReply *r);

/* The same as JSON (English keys): period, scope, cutoff, offices[] (stats' order),
 * reporting_rate{all, province, district, commune, levels[]}, silent[] and late{events, offices}.
 * Returns 0, or -1 when out of memory or f could not be written. */
int period_cli_status_json(FILE *f, const period *p, const char *scope,
                           const Cchc__V1__PeriodStatusReply *r);

/* Exit status of `cchc period status` for a reply: 1 when an office is silent, else 0. */
int period_cli_status_exit(const Cchc__V1__PeriodStatusReply *r);

#endif
