/* vnfmt: numbers, percentages and dates the way Vietnamese official documents write them
 * (docs/design.md §7): "." groups thousands, "," is the decimal mark, dates dd/mm/yyyy, small
 * counts with two digits ("09 phản ánh"). Pure functions, no locale: the process locale must never
 * change a report.
 */
#ifndef CCHC_VNFMT_H
#define CCHC_VNFMT_H

#include "period.h"

#include <stddef.h>

/* A buffer of VNFMT_LEN bytes holds any count, percentage or date these functions write. */
#define VNFMT_LEN 48

/* Percentage num/den with two decimals, rounded half away from zero, times 100 (5646 = 56,46 %).
 * 0 when den is 0. */
long long vnfmt_percent_x100(long long num, long long den);

/* Every writer below returns 0, or -1 when buf is too small (buf then holds "" if len > 0). */

/* 86721 → "86.721"; -1234 → "-1.234"; 0 → "0". */
int vnfmt_count(long long n, char *buf, size_t len);

/* A count in prose: 1..9 get two digits ("09"), as the Ministry's reports write "09 phản ánh";
 * 0 stays "0" (as "số từ kỳ trước chuyển qua: 0" in the province's report), 10 and above and
 * negatives are vnfmt_count. */
int vnfmt_small_count(long long n, char *buf, size_t len);

/* A percentage given times 100: 5646 → "56,46%", 10000 → "100,00%", -5 → "-0,05%". Always two
 * decimals and no space before '%', as the province's reports write it. */
int vnfmt_percent(long long x100, char *buf, size_t len);

/* A number given times 100, as vnfmt_percent without the '%': 1725 → "17,25", 2000 → "20,00"
 * (the 766 index's points, docs/design.md §16). */
int vnfmt_decimal(long long x100, char *buf, size_t len);

/* vnfmt_percent(vnfmt_percent_x100(num, den)). */
int vnfmt_rate(long long num, long long den, char *buf, size_t len);

/* "2024-03-14" → "14/03/2024"; -1 (and "") when iso is not YYYY-MM-DD. */
int vnfmt_date(const char *iso, char *buf, size_t len);

/* The date line of Nghị định 30/2020: "Thừa Thiên Huế, ngày 21 tháng 11 năm 2026". Days below 10
 * and the months 1 and 2 get a leading 0 ("ngày 05 tháng 02 năm 2024"), as the decree asks. An
 * empty or NULL place gives the line without "PLACE, ". -1 also for an impossible date. */
int vnfmt_date_line(const char *place, int year, int month, int day, char *buf, size_t len);

/* The period as the report's title and prose name it: "quý I năm 2024", "6 tháng đầu năm 2024",
 * "6 tháng cuối năm 2024", "9 tháng năm 2024", "năm 2024", "tháng 3 năm 2024",
 * "từ ngày 01/01/2024 đến ngày 31/03/2024". */
int vnfmt_period_title(const period *p, char *buf, size_t len);

/* The period that follows, for "Phương hướng, nhiệm vụ … quý II năm 2024": the next quarter, the
 * second half after the first (and the next first half after the second), the fourth quarter after
 * nine months, the next year, the next month. A custom range has none: buf becomes "". */
int vnfmt_next_period_title(const period *p, char *buf, size_t len);

/* "Báo cáo tình hình thực hiện công tác cải cách hành chính quý I năm 2024". */
int vnfmt_report_title(const period *p, char *buf, size_t len);

/* Upper case of Vietnamese UTF-8 text ("quý I năm 2024" → "QUÝ I NĂM 2024"): ASCII and every
 * precomposed Vietnamese letter; anything else is copied unchanged. */
int vnfmt_upper(const char *utf8, char *buf, size_t len);

#endif
