/* workdays: the public service's working days (docs/design.md §16): Monday to Friday, less the days
 * off a file lists (Tết, the public holidays, a weekday swapped to make a bridge), plus the weekend
 * days it lists as worked instead (làm bù). Deadlines counted in working days (a feedback item's
 * answer, 15 working days) are counted on it. Days are lib/calendar.h's day numbers (local days
 * since 1970-01-01). Pure: text in, answers out; the file is read by workdays_load only. */
#ifndef CCHC_WORKDAYS_H
#define CCHC_WORKDAYS_H

#include <stddef.h>
#include <stdint.h>

typedef struct workdays workdays; /* opaque */

/* Parses the days-off file format (deploy/data/days-off.txt explains it): one day a line,
 * "YYYY-MM-DD description" a day off, "+YYYY-MM-DD description" a weekend day worked, '#'
 * comments and blank lines. `name` names the text in errors. Returns 0, or -1 with "NAME:LINE:
 * reason" in err (a bad date, a day given twice, a '+' on a weekday). */
int workdays_parse(const char *text, size_t len, const char *name, workdays **out, char *err,
                   size_t errlen);
/* Reads the file at path (at most 1 MiB) and parses it. */
int workdays_load(const char *path, workdays **out, char *err, size_t errlen);
/* A calendar of weekends only (no file configured). NULL when out of memory. */
workdays *workdays_weekends_only(void);
void workdays_free(workdays *w);

/* 1 when local day `day` is a working day. */
int workdays_is_working(const workdays *w, int64_t day);
/* The n-th working day after `day` (n >= 1), the day itself not counted: the last day of a
 * deadline of n working days from something that arrived on `day`, whatever kind of day that is. */
int64_t workdays_after(const workdays *w, int64_t day, int n);

/* The SHA-256 (hex) of the days the calendar holds, not of comments or line order: it changes
 * exactly when some deadline can change. */
const char *workdays_digest(const workdays *w);
/* The first and last year any listed day falls in (0 and 0 for weekends only). Outside them the
 * calendar knows the weekends only. */
void workdays_years(const workdays *w, int *first, int *last);
/* Days listed (days off and days worked). */
size_t workdays_count(const workdays *w);

/* The calendar of this process, like its time zone (service_set_timezone): set once at start,
 * before any thread reads it (NULL: weekends only), and never freed while in use. The pure code
 * that counts deadlines (stats' state.c) reads it, so every path that derives a state counts the
 * same days. */
void workdays_set_current(const workdays *w);
const workdays *workdays_current(void);

#endif
