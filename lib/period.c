/* period: the data cut-off periods of Nghị định 09/2019/NĐ-CP. A reporting quarter ends on the 14th
 * of its last month and starts on the 15th of the month before its first, so 2024-Q1 starts in
 * December 2023; every bound is a local midnight in the process's time zone. */
#include "period.h"

#include <stdio.h>
#include <string.h>

#include "calendar.h"

/* Fills the bounds of a period running from the 15th of month (first_month - 1) to the 14th of
 * last_month, both in `year` (month 0 = December of the year before). */
static void cutoff_range(period *p, int year, int first_month, int last_month)
{
	cal_format_date(cal_days_from_civil(year, first_month - 1, 15), p->first_day);
	cal_format_date(cal_days_from_civil(year, last_month, 14), p->last_day);
	p->from_ms = cal_local_midnight(year, first_month - 1, 15);
	p->to_ms = cal_local_midnight(year, last_month, 15);
}

int period_parse(const char *label, period *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	if (!label || strlen(label) >= sizeof p->label) {
		snprintf(err, errlen, "period label missing or too long");
		return -1;
	}
	snprintf(p->label, sizeof p->label, "%s", label);

	const char *dots = strstr(label, "..");
	if (dots) {
		char a[16] = {0}, b[16] = {0};
		int y1, m1, d1, y2, m2, d2;
		size_t alen = (size_t)(dots - label);
		if (alen < sizeof a && strlen(dots + 2) < sizeof b) {
			memcpy(a, label, alen);
			snprintf(b, sizeof b, "%s", dots + 2);
		}
		if (cal_parse_date(a, &y1, &m1, &d1) || cal_parse_date(b, &y2, &m2, &d2)) {
			snprintf(err, errlen, "period '%s': expected YYYY-MM-DD..YYYY-MM-DD",
			         label);
			return -1;
		}
		p->kind = PERIOD_CUSTOM;
		p->year = y2;
		memcpy(p->first_day, a, sizeof p->first_day); /* cal_parse_date checked: 10 chars */
		memcpy(p->last_day, b, sizeof p->last_day);
		p->from_ms = cal_local_midnight(y1, m1, d1);
		p->to_ms = cal_local_midnight(y2, m2, d2 + 1);
		if (p->to_ms <= p->from_ms) {
			snprintf(err, errlen, "period '%s': the last day is before the first",
			         label);
			return -1;
		}
		return 0;
	}

	int year, n = 0;
	char tail[8] = {0}, extra;
	int fields = sscanf(label, "%4d-%7[^\n]", &year, tail);
	if (fields < 1 || year < 1990 || year > 9999 || (fields == 1 && strlen(label) != 4)) {
		snprintf(err, errlen,
		         "period '%s': expected 2024-Q1, 2024-H1, 2024-9M, 2024, 2024-03 or "
		         "2024-01-01..2024-03-31",
		         label);
		return -1;
	}
	p->year = year;
	if (fields == 1) {
		p->kind = PERIOD_YEAR;
		cutoff_range(p, year, 1, 12);
	} else if ((tail[0] == 'Q' || tail[0] == 'q') &&
	           sscanf(tail + 1, "%d%c", &n, &extra) == 1 && n >= 1 && n <= 4 &&
	           strlen(tail) == 2) {
		p->kind = PERIOD_QUARTER;
		cutoff_range(p, year, 3 * n - 2, 3 * n);
	} else if ((tail[0] == 'H' || tail[0] == 'h') &&
	           sscanf(tail + 1, "%d%c", &n, &extra) == 1 && n >= 1 && n <= 2 &&
	           strlen(tail) == 2) {
		p->kind = PERIOD_HALF;
		cutoff_range(p, year, 6 * n - 5, 6 * n);
	} else if (!strcmp(tail, "9M") || !strcmp(tail, "9m")) {
		p->kind = PERIOD_NINE_MONTHS;
		cutoff_range(p, year, 1, 9);
	} else if (strlen(tail) == 2 && sscanf(tail, "%2d%c", &n, &extra) == 1 && n >= 1 &&
	           n <= 12 && tail[0] >= '0' && tail[0] <= '9') {
		p->kind = PERIOD_MONTH;
		cutoff_range(p, year, n, n);
	} else {
		snprintf(err, errlen,
		         "period '%s': expected 2024-Q1, 2024-H1, 2024-9M, 2024, 2024-03 or "
		         "2024-01-01..2024-03-31",
		         label);
		return -1;
	}
	p->number = n;
	return 0;
}
