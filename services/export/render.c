/* render: the output list shared by every format. */
#include "render.h"

#include <stdio.h>
#include <stdlib.h>

int render_output_add(render_output *o, const char *name, uint8_t *data, size_t len)
{
	if (o->n == RENDER_MAX_FILES) {
		free(data);
		return -1;
	}
	render_file *f = &o->files[o->n++];
	snprintf(f->name, sizeof f->name, "%s", name);
	f->data = data;
	f->len = len;
	return 0;
}

void render_output_free(render_output *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->files[i].data);
	o->n = 0;
}
