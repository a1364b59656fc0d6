/* vnfmt: integer arithmetic only, so a rate is rounded exactly as the decree says and never as a
 * binary floating-point value happens to fall; every writer reports truncation instead of leaving a
 * half-written number in a report. */
#include "vnfmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

long long vnfmt_percent_x100(long long num, long long den)
{
	if (den <= 0)
		return 0;
	long long scaled = num * 10000;
	long long q = scaled / den, r = scaled % den;
	if (2 * (r < 0 ? -r : r) >= den)
		q += scaled < 0 ? -1 : 1;
	return q;
}

/* snprintf that fails (and leaves "") instead of truncating. */
static int put(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int put(char *buf, size_t len, const char *fmt, ...)
{
	if (!buf || len == 0)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

/* The digits of a magnitude grouped by "." into out (at least 27 bytes). */
static void group_digits(unsigned long long v, char *out)
{
	char rev[32];
	size_t n = 0, d = 0;
	do {
		if (d && d % 3 == 0)
			rev[n++] = '.';
		rev[n++] = (char)('0' + v % 10);
		v /= 10;
		d++;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	out[n] = '\0';
}

static unsigned long long magnitude(long long n)
{
	/* -LLONG_MIN overflows; the unsigned negation does not. */
	return n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
}

int vnfmt_count(long long n, char *buf, size_t len)
{
	char digits[32];
	group_digits(magnitude(n), digits);
	return put(buf, len, "%s%s", n < 0 ? "-" : "", digits);
}

int vnfmt_small_count(long long n, char *buf, size_t len)
{
	if (n >= 1 && n <= 9)
		return put(buf, len, "0%lld", n);
	return vnfmt_count(n, buf, len);
}

/* x100 with two decimals after ',' and `suffix`. */
static int decimal(long long x100, const char *suffix, char *buf, size_t len)
{
	unsigned long long m = magnitude(x100);
	char whole[32];
	group_digits(m / 100, whole);
	return put(buf, len, "%s%s,%02llu%s", x100 < 0 ? "-" : "", whole, m % 100, suffix);
}

int vnfmt_percent(long long x100, char *buf, size_t len)
{
	return decimal(x100, "%", buf, len);
}

int vnfmt_decimal(long long x100, char *buf, size_t len)
{
	return decimal(x100, "", buf, len);
}

int vnfmt_rate(long long num, long long den, char *buf, size_t len)
{
	return vnfmt_percent(vnfmt_percent_x100(num, den), buf, len);
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static int valid_date(int y, int m, int d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

/* Strict YYYY-MM-DD (digits where digits belong, a real calendar day). */
static int parse_iso(const char *s, int *y, int *m, int *d)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	return valid_date(*y, *m, *d) ? 0 : -1;
}

int vnfmt_date(const char *iso, char *buf, size_t len)
{
	int y, m, d;
	if (parse_iso(iso, &y, &m, &d)) {
		if (buf && len)
			buf[0] = '\0';
		return -1;
	}
	return put(buf, len, "%02d/%02d/%04d", d, m, y);
}

int vnfmt_date_line(const char *place, int year, int month, int day, char *buf, size_t len)
{
	if (!valid_date(year, month, day)) {
		if (buf && len)
			buf[0] = '\0';
		return -1;
	}
	/* Nghị định 30/2020, Phụ lục I: "0" before days below 10 and before the months 1 and 2. */
	char d[4], m[4];
	snprintf(d, sizeof d, day < 10 ? "0%d" : "%d", day);
	snprintf(m, sizeof m, month < 3 ? "0%d" : "%d", month);
	if (place && *place)
		return put(buf, len, "%s, ngày %s tháng %s năm %d", place, d, m, year);
	return put(buf, len, "ngày %s tháng %s năm %d", d, m, year);
}

static const char *const roman[] = {"", "I", "II", "III", "IV"};

/* The title of a period of `kind` numbered `number` in `year` (custom ranges aside). */
static int title_of(period_kind kind, int number, int year, char *buf, size_t len)
{
	switch (kind) {
	case PERIOD_QUARTER:
		if (number < 1 || number > 4)
			break;
		return put(buf, len, "quý %s năm %d", roman[number], year);
	case PERIOD_HALF:
		if (number < 1 || number > 2)
			break;
		return put(buf, len, "6 tháng %s năm %d", number == 1 ? "đầu" : "cuối", year);
	case PERIOD_NINE_MONTHS:
		return put(buf, len, "9 tháng năm %d", year);
	case PERIOD_YEAR:
		return put(buf, len, "năm %d", year);
	case PERIOD_MONTH:
		if (number < 1 || number > 12)
			break;
		return put(buf, len, "tháng %d năm %d", number, year);
	case PERIOD_CUSTOM:
		break;
	}
	if (buf && len)
		buf[0] = '\0';
	return -1;
}

int vnfmt_period_title(const period *p, char *buf, size_t len)
{
	if (p->kind != PERIOD_CUSTOM)
		return title_of(p->kind, p->number, p->year, buf, len);
	char from[VNFMT_LEN], to[VNFMT_LEN];
	if (vnfmt_date(p->first_day, from, sizeof from) || vnfmt_date(p->last_day, to, sizeof to)) {
		if (buf && len)
			buf[0] = '\0';
		return -1;
	}
	return put(buf, len, "từ ngày %s đến ngày %s", from, to);
}

int vnfmt_next_period_title(const period *p, char *buf, size_t len)
{
	switch (p->kind) {
	case PERIOD_QUARTER:
		return p->number == 4 ? title_of(PERIOD_QUARTER, 1, p->year + 1, buf, len)
		                      : title_of(PERIOD_QUARTER, p->number + 1, p->year, buf, len);
	case PERIOD_HALF:
		return p->number == 2 ? title_of(PERIOD_HALF, 1, p->year + 1, buf, len)
		                      : title_of(PERIOD_HALF, 2, p->year, buf, len);
	case PERIOD_NINE_MONTHS:
		return title_of(PERIOD_QUARTER, 4, p->year, buf, len);
	case PERIOD_YEAR:
		return title_of(PERIOD_YEAR, 0, p->year + 1, buf, len);
	case PERIOD_MONTH:
		return p->number == 12 ? title_of(PERIOD_MONTH, 1, p->year + 1, buf, len)
		                       : title_of(PERIOD_MONTH, p->number + 1, p->year, buf, len);
	case PERIOD_CUSTOM:
		break;
	}
	return put(buf, len, "%s", "");
}

int vnfmt_report_title(const period *p, char *buf, size_t len)
{
	char t[128];
	if (vnfmt_period_title(p, t, sizeof t)) {
		if (buf && len)
			buf[0] = '\0';
		return -1;
	}
	return put(buf, len, "Báo cáo tình hình thực hiện công tác cải cách hành chính %s", t);
}

/* The upper-case partner of a lower-case Vietnamese letter, or cp itself. */
static unsigned upper_cp(unsigned cp)
{
	if (cp >= 'a' && cp <= 'z')
		return cp - 32;
	if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) /* à á â ã è é ê ì í ò ó ô õ ù ú ý */
		return cp - 0x20;
	if (((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177)) && (cp & 1))
		return cp - 1;          /* ă đ ĩ ũ */
	if (cp == 0x1A1 || cp == 0x1B0) /* ơ ư */
		return cp - 1;
	if (cp >= 0x1EA0 && cp <= 0x1EF9 && (cp & 1)) /* ạ ả ấ … ỹ */
		return cp - 1;
	return cp;
}

int vnfmt_upper(const char *s, char *buf, size_t len)
{
	if (!buf || len == 0)
		return -1;
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned cp;
		size_t n;
		if (p[0] < 0x80) {
			cp = p[0], n = 1;
		} else if ((p[0] & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
			cp = (p[0] & 0x1Fu) << 6 | (p[1] & 0x3Fu), n = 2;
		} else if ((p[0] & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 &&
		           (p[2] & 0xC0) == 0x80) {
			cp = (p[0] & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu), n = 3;
		} else {
			cp = 0, n = 1; /* anything else (4-byte forms, stray bytes): copied */
		}
		unsigned up = cp ? upper_cp(cp) : 0;
		/* Every pair above shares its UTF-8 length, so the text keeps its size. */
		if (o + n >= len) {
			buf[0] = '\0';
			return -1;
		}
		if (!cp || up == cp) {
			memcpy(buf + o, p, n);
		} else if (n == 1) {
			buf[o] = (char)up;
		} else if (n == 2) {
			buf[o] = (char)(0xC0 | up >> 6);
			buf[o + 1] = (char)(0x80 | (up & 0x3F));
		} else {
			buf[o] = (char)(0xE0 | up >> 12);
			buf[o + 1] = (char)(0x80 | (up >> 6 & 0x3F));
			buf[o + 2] = (char)(0x80 | (up & 0x3F));
		}
		o += n;
		p += n;
	}
	buf[o] = '\0';
	return 0;
}
