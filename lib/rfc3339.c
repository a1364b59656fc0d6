/* rfc3339: the contract's timestamps. Parsed by hand rather than strptime because strptime does not
 * read "+07:00" offsets portably and silently accepts out-of-range fields; a bad time must be
 * refused with bad_time, never guessed. */
#include "rfc3339.h"

#include <stdio.h>
#include <time.h>

#include "calendar.h"

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int rfc3339_parse(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec, frac_ms = 0;
	if (!s || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > cal_days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 59)
		return -1;
	const char *p = s + 19;
	if (*p == '.') {
		int n = 0, scale = 100;
		for (p++; *p >= '0' && *p <= '9'; p++, n++) {
			frac_ms += (*p - '0') * scale;
			scale /= 10;
		}
		if (n == 0 || n > 9)
			return -1;
	}
	int offset_min = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -1;
		offset_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	int64_t secs = cal_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	               (int64_t)offset_min * 60;
	*ms = secs * 1000 + frac_ms;
	return 0;
}

void rfc3339_format_utc(int64_t ms, char *buf, size_t len)
{
	int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	int millis = (int)(ms - secs * 1000);
	time_t t = (time_t)secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}
