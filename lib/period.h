/* period: reporting periods of Nghị định 09/2019/NĐ-CP (docs/design.md §5). A period is a half-open
 * range of instants from local 00:00 of its first day to local 00:00 after its last day, in the
 * process's time zone (service_set_timezone). */
#ifndef CCHC_PERIOD_H
#define CCHC_PERIOD_H

#include <stddef.h>
#include <stdint.h>

typedef enum period_kind {
	PERIOD_QUARTER,
	PERIOD_HALF,
	PERIOD_NINE_MONTHS,
	PERIOD_YEAR,
	PERIOD_MONTH,
	PERIOD_CUSTOM
} period_kind;

typedef struct period {
	char label[64];
	period_kind kind;
	int year;           /* reporting year (2024 for 2024-Q1 although it starts in 12/2023) */
	int number;         /* quarter 1-4, half 1-2, month 1-12; else 0 */
	char first_day[11]; /* YYYY-MM-DD, local */
	char last_day[11];  /* YYYY-MM-DD, local, inclusive */
	int64_t from_ms;    /* first instant */
	int64_t to_ms;      /* first instant after */
} period;

/* Parses 2024-Q1, 2024-H2, 2024-9M, 2024, 2024-03, or 2024-01-01..2024-03-31.
 * Returns 0, or -1 with a message in err. */
int period_parse(const char *label, period *p, char *err, size_t errlen);

#endif
