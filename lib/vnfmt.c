/* vnfmt: integer arithmetic only, so a rate is rounded exactly as the decree says and never as a
 * binary floating-point value happens to fall. */
#include "vnfmt.h"

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
