/* vnfmt: numbers, percentages and dates the way Vietnamese official documents write them (DESIGN
 * §7): "." groups thousands, "," is the decimal mark, dates dd/mm/yyyy, small counts with two
 * digits ("09 phản ánh"). Pure functions, no locale: the process locale must never change a report. */
#ifndef CCHC_VNFMT_H
#define CCHC_VNFMT_H

#include <stddef.h>

/* Percentage num/den with two decimals, rounded half away from zero, times 100 (5646 = 56,46 %).
 * 0 when den is 0. */
long long vnfmt_percent_x100(long long num, long long den);

#endif
