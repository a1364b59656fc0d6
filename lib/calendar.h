/* calendar: the one home of calendar arithmetic (docs/design.md §4, §5): civil dates and day
 * numbers, the local day of an instant, the local midnight of a day, the reporting month of a day.
 * A day number counts days since 1970-01-01 of the proleptic Gregorian calendar. "Local" is the
 * process's time zone (service_set_timezone), read through the C library, so the zone's history
 * (DST, changes of offset) is honoured: a local day is not always 24 hours. */
#ifndef CCHC_CALENDAR_H
#define CCHC_CALENDAR_H

#include <stdint.h>

/* ---- civil dates, no time zone ---- */

/* The day number of y-m-d. m and d may lie outside their ranges and carry over, as mktime's do
 * (month 0 is December of the year before, day 0 the last day of the month before). */
int64_t cal_days_from_civil(int64_t y, int m, int d);
/* The civil date of a day number. */
void cal_civil_from_days(int64_t day, int *y, int *m, int *d);
/* Days in month m (1-12) of year y. */
int cal_days_in_month(int64_t y, int m);
/* Day of the week of a day number: 0 Sunday .. 6 Saturday. */
int cal_weekday(int64_t day);
/* Parses exactly "YYYY-MM-DD" naming a real date (2024-02-30 is refused). Returns 0 or -1. */
int cal_parse_date(const char *s, int *y, int *m, int *d);
/* Writes a day number as "YYYY-MM-DD" (years 0-9999) into out. */
void cal_format_date(int64_t day, char out[11]);

/* ---- local time (the process's zone) ---- */

/* The local day number of an instant (Unix ms). */
int64_t cal_local_day(int64_t ms);
/* Local midnight starting local day `day`, as Unix ms. */
int64_t cal_day_start(int64_t day);
/* Local midnight of y-m-d (m and d carry over as in cal_days_from_civil), as Unix ms. */
int64_t cal_local_midnight(int64_t y, int m, int d);
/* mktime's reading of local day `day` at 00:00 plus `sec` seconds (tm_sec = sec), as Unix ms.
 * glibc reads an overflowing tm_sec as seconds elapsed since that midnight, so on a day whose
 * clock jumps this is not the wall-clock time sec/3600 hours (tests/unit/test_calendar.c). */
int64_t cal_local_time(int64_t day, int sec);
/* The zone's offset east of UTC at instant ms, in seconds. */
long cal_utc_offset(int64_t ms);

/* ---- reporting months (Nghị định 09/2019/NĐ-CP: the 15th to the 14th) ---- */

/* The first day (a 15th) of the reporting month holding day `day`; SQL's cchc_report_month
 * (services/stats/sql/008). */
int64_t cal_report_month_start(int64_t day);

#endif
