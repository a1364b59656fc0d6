/* render_csv: placeholder while the csv renderer is written (issue 4); refuses the format. */
#include "render.h"

#include <stdio.h>

int render_csv(const render_input *in, render_output *out, char *err, size_t errlen)
{
	(void)in;
	(void)out;
	snprintf(err, errlen, "format 'csv' is not available in this build");
	return -1;
}
