/* calendar: day numbers and civil dates by Howard Hinnant's algorithms (exact for any date, no
 * table), and the local day and local midnight through the C library's zone, each cached per
 * thread: stats asks for a dozen local days per dossier, and localtime_r / mktime take glibc's
 * time zone lock. Every other file asks here instead of calling mktime or localtime itself. */
#include "calendar.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* floor(a / b) for b > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

int64_t cal_days_from_civil(int64_t y, int m, int d)
{
	int64_t carry = floor_div((int64_t)m - 1, 12);
	int64_t mo = (int64_t)m - carry * 12; /* 1..12 */

	y += carry;
	y -= mo <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void cal_civil_from_days(int64_t day, int *y, int *m, int *d)
{
	int64_t z = day + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

int cal_days_in_month(int64_t y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

int cal_weekday(int64_t day)
{
	int64_t w = (day + 4) % 7; /* 1970-01-01 was a Thursday */
	return (int)(w < 0 ? w + 7 : w);
}

int cal_parse_date(const char *s, int *y, int *m, int *d)
{
	static const int digit_at[] = {0, 1, 2, 3, 5, 6, 8, 9};

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (size_t i = 0; i < sizeof digit_at / sizeof digit_at[0]; i++)
		if (s[digit_at[i]] < '0' || s[digit_at[i]] > '9')
			return -1;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	if (*m < 1 || *m > 12 || *d < 1 || *d > cal_days_in_month(*y, *m))
		return -1;
	return 0;
}

void cal_format_date(int64_t day, char out[11])
{
	char buf[32];
	int y, m, d;

	cal_civil_from_days(day, &y, &m, &d);
	snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
	memcpy(out, buf, 10);
	out[10] = '\0';
}

int64_t cal_local_day(int64_t ms)
{
	/* localtime_r takes glibc's time zone lock and is a twentieth of stats' time when every
	 * dossier asks for a dozen days: the UTC offset is cached per UTC hour, for the hours
	 * whose first and last second have the same offset (a zone's changes fall on whole
	 * hours almost everywhere; an hour holding one is simply not cached). The zone is set
	 * once at start (lib/service.c), so a cached offset stays true. */
	static _Thread_local struct {
		int64_t hour;
		long off;
		int set;
	} cache[512];
	int64_t s = floor_div(ms, 1000), hour = floor_div(s, 3600);
	unsigned slot = (unsigned)hour & 511u;
	time_t t = (time_t)s, end = (time_t)(hour * 3600 + 3599);
	struct tm tm, tm_end;

	if (cache[slot].set && cache[slot].hour == hour)
		return floor_div(s + cache[slot].off, 86400);
	if (!localtime_r(&t, &tm))
		return floor_div(s, 86400);
	if (localtime_r(&end, &tm_end) && tm_end.tm_gmtoff == tm.tm_gmtoff) {
		cache[slot].hour = hour;
		cache[slot].off = tm.tm_gmtoff;
		cache[slot].set = 1;
	}
	return cal_days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int64_t cal_local_time(int64_t day, int sec)
{
	struct tm tm = {0};
	int y, m, d;

	cal_civil_from_days(day, &y, &m, &d);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

int64_t cal_day_start(int64_t day)
{
	/* mktime is slow and every dossier asks for a few days around its own: a small per-thread
	 * cache (stats answers queries and stores on several threads). */
	static _Thread_local struct {
		int64_t day;
		int64_t ms;
		int set;
	} cache[1024];
	unsigned slot = (unsigned)((uint64_t)day & 1023u);

	if (cache[slot].set && cache[slot].day == day)
		return cache[slot].ms;
	int64_t ms = cal_local_time(day, 0);
	cache[slot].day = day;
	cache[slot].ms = ms;
	cache[slot].set = 1;
	return ms;
}

int64_t cal_local_midnight(int64_t y, int m, int d)
{
	return cal_day_start(cal_days_from_civil(y, m, d));
}

long cal_utc_offset(int64_t ms)
{
	time_t t = (time_t)floor_div(ms, 1000);
	struct tm tm;

	return localtime_r(&t, &tm) ? tm.tm_gmtoff : 0;
}

int64_t cal_report_month_start(int64_t day)
{
	int y, m, d, len;

	cal_civil_from_days(day, &y, &m, &d);
	if (d >= 15)
		return day - d + 15;
	/* day - d is the last day of the previous month, and its day of the month its length */
	cal_civil_from_days(day - d, &y, &m, &len);
	return day - d - len + 15;
}
