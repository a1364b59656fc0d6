/* period: the data cut-off periods of Nghị định 09/2019/NĐ-CP. A reporting quarter ends on the 14th
 * of its last month and starts on the 15th of the month before its first, so 2024-Q1 starts in
 * December 2023; every bound is a local midnight in the process's time zone. */
#include "period.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Local midnight of y-m-d (m and d may overflow; mktime normalises) as Unix milliseconds. */
static int64_t local_midnight_ms(int y, int m, int d)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

static void format_day(int y, int m, int d, char out[11])
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	tm.tm_isdst = -1;
	mktime(&tm);
	char buf[32];
	snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	memcpy(out, buf, 10);
	out[10] = '\0';
}

/* Fills the bounds of a period running from the 15th of month (first_month - 1) to the 14th of
 * last_month, both in `year` (month 0 = December of the year before). */
static void cutoff_range(period *p, int year, int first_month, int last_month)
{
	format_day(year, first_month - 1, 15, p->first_day);
	format_day(year, last_month, 14, p->last_day);
	p->from_ms = local_midnight_ms(year, first_month - 1, 15);
	p->to_ms = local_midnight_ms(year, last_month, 15);
}

static int parse_date(const char *s, int *y, int *m, int *d)
{
	char tail;
	if (sscanf(s, "%4d-%2d-%2d%c", y, m, d, &tail) != 3 || strlen(s) != 10)
		return -1;
	if (*m < 1 || *m > 12 || *d < 1 || *d > 31)
		return -1;
	char check[11];
	format_day(*y, *m, *d, check);
	return strcmp(check, s) ? -1 : 0; /* rejects 2024-02-30 */
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
		if (parse_date(a, &y1, &m1, &d1) || parse_date(b, &y2, &m2, &d2)) {
			snprintf(err, errlen, "period '%s': expected YYYY-MM-DD..YYYY-MM-DD",
			         label);
			return -1;
		}
		p->kind = PERIOD_CUSTOM;
		p->year = y2;
		memcpy(p->first_day, a, sizeof p->first_day); /* parse_date checked: 10 chars */
		memcpy(p->last_day, b, sizeof p->last_day);
		p->from_ms = local_midnight_ms(y1, m1, d1);
		p->to_ms = local_midnight_ms(y2, m2, d2 + 1);
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
