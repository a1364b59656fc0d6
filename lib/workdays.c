/* workdays: the working-day calendar (workdays.h): the listed days sorted by day number, each a day
 * off or a weekend day worked; any other day is a working day exactly when it is Monday to Friday.
 * A deadline walks forward day by day: at most a few weeks, whatever the holidays. */
#include "workdays.h"

#include "calendar.h"
#include "datafile.h"
#include "units.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct listed {
	int64_t day;
	int worked; /* 1: a weekend day worked (làm bù); 0: a day off */
	int line;
} listed;

struct workdays {
	listed *d; /* sorted by day, each day once */
	size_t n;
	char digest[2 * crypto_hash_sha256_BYTES + 1];
	int first_year, last_year;
};

static int is_weekend(int64_t day)
{
	int wd = cal_weekday(day);
	return wd == 0 || wd == 6;
}

static int by_day(const void *pa, const void *pb)
{
	const listed *a = pa, *b = pb;
	return (a->day > b->day) - (a->day < b->day);
}

/* The digest of the sorted days: "YYYY-MM-DD" and '-' (off) or '+' (worked), a line each. */
static void set_digest(workdays *w)
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	char line[16], date[11];

	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < w->n; i++) {
		cal_format_date(w->d[i].day, date);
		int k = snprintf(line, sizeof line, "%s%c\n", date, w->d[i].worked ? '+' : '-');
		crypto_hash_sha256_update(&st, (const unsigned char *)line, (unsigned long long)k);
	}
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(w->digest, sizeof w->digest, h, sizeof h);
	w->first_year = w->last_year = 0;
	if (w->n) {
		int m, d;
		cal_civil_from_days(w->d[0].day, &w->first_year, &m, &d);
		cal_civil_from_days(w->d[w->n - 1].day, &w->last_year, &m, &d);
	}
}

workdays *workdays_weekends_only(void)
{
	workdays *w = calloc(1, sizeof *w);
	if (w)
		set_digest(w);
	return w;
}

/* One line of data (datafile_next): a day into *x. Returns 0, or -1 with err. */
static int parse_line(char *s, const char *name, int line, listed *x, char *err, size_t errlen)
{
	int y, m, d;
	char date[11];

	x->worked = *s == '+';
	if (x->worked)
		s++;
	if (strlen(s) < 10)
		return datafile_fail(err, errlen, name, line,
		                     "expected a date YYYY-MM-DD, found '%.40s'", s);
	memcpy(date, s, 10);
	date[10] = '\0';
	if (cal_parse_date(date, &y, &m, &d) != 0)
		return datafile_fail(err, errlen, name, line, "'%s' is not a date YYYY-MM-DD",
		                     date);
	if (s[10] && s[10] != ' ' && s[10] != '\t')
		return datafile_fail(err, errlen, name, line,
		                     "'%.20s': a date is followed by a space and its description",
		                     s);
	x->day = cal_days_from_civil(y, m, d);
	x->line = line;
	if (x->worked && !is_weekend(x->day))
		return datafile_fail(
		    err, errlen, name, line,
		    "+%s is a weekday: '+' marks a Saturday or Sunday that is worked", date);
	return 0;
}

int workdays_parse(const char *text, size_t len, const char *name, workdays **out, char *err,
                   size_t errlen)
{
	workdays *w = calloc(1, sizeof *w);
	datafile f;
	size_t cap = 0;
	int rc = -1;

	*out = NULL;
	if (datafile_open(&f, text, len, name, err, errlen) != 0)
		goto out;
	if (!w) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	for (char *s; (s = datafile_next(&f));) {
		listed x;
		if (parse_line(s, name, f.line, &x, err, errlen) != 0)
			goto out;
		if (w->n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			listed *p = realloc(w->d, ncap * sizeof *p);
			if (!p) {
				snprintf(err, errlen, "%s: out of memory", name);
				goto out;
			}
			w->d = p;
			cap = ncap;
		}
		w->d[w->n++] = x;
	}
	if (w->n)
		qsort(w->d, w->n, sizeof *w->d, by_day);
	for (size_t i = 1; i < w->n; i++)
		if (w->d[i].day == w->d[i - 1].day) {
			char date[11];
			const listed *a = w->d[i - 1].line < w->d[i].line ? &w->d[i - 1] : &w->d[i];
			const listed *b = a == &w->d[i] ? &w->d[i - 1] : &w->d[i];
			cal_format_date(b->day, date);
			datafile_fail(err, errlen, name, b->line, "%s is listed already on line %d",
			              date, a->line);
			goto out;
		}
	set_digest(w);
	*out = w;
	w = NULL;
	rc = 0;
out:
	datafile_close(&f);
	workdays_free(w);
	return rc;
}

int workdays_load(const char *path, workdays **out, char *err, size_t errlen)
{
	char *text;
	size_t len;

	*out = NULL;
	if (units_read_file(path, &text, &len, err, errlen) != 0)
		return -1;
	if (len > 1024 * 1024) {
		free(text);
		snprintf(err, errlen, "%s: larger than 1 MiB: not a calendar of days off", path);
		return -1;
	}
	int rc = workdays_parse(text, len, path, out, err, errlen);
	free(text);
	return rc;
}

void workdays_free(workdays *w)
{
	if (!w)
		return;
	free(w->d);
	free(w);
}

static const listed *find(const workdays *w, int64_t day)
{
	size_t lo = 0, hi = w ? w->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->d[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < (w ? w->n : 0) && w->d[lo].day == day ? &w->d[lo] : NULL;
}

int workdays_is_working(const workdays *w, int64_t day)
{
	const listed *x = find(w, day);
	if (x)
		return x->worked;
	return !is_weekend(day);
}

int64_t workdays_after(const workdays *w, int64_t day, int n)
{
	while (n > 0) {
		day++;
		if (workdays_is_working(w, day))
			n--;
	}
	return day;
}

const char *workdays_digest(const workdays *w)
{
	return w->digest;
}

void workdays_years(const workdays *w, int *first, int *last)
{
	*first = w->first_year;
	*last = w->last_year;
}

size_t workdays_count(const workdays *w)
{
	return w->n;
}

static const workdays *current;

void workdays_set_current(const workdays *w)
{
	current = w;
}

const workdays *workdays_current(void)
{
	return current;
}
