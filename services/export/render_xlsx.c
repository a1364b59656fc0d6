/* render_xlsx: placeholder while the xlsx renderer is written (issue 4); refuses the format. */
#include "render.h"

#include <stdio.h>

int render_xlsx(const render_input *in, render_output *out, char *err, size_t errlen)
{
	(void)in;
	(void)out;
	snprintf(err, errlen, "format 'xlsx' is not available in this build");
	return -1;
}
