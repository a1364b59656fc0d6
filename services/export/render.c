/* render: the output list shared by every format, and which renderer draws a format. */
#include "render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

render_fn render_for(const char *format)
{
	static const struct {
		const char *format;
		render_fn render;
	} renderers[] = {
	    {"json", render_json}, {"csv", render_csv}, {"xlsx", render_xlsx},
	    {"docx", render_docx}, {"pdf", render_pdf},
	};
	for (size_t i = 0; format && i < sizeof renderers / sizeof renderers[0]; i++)
		if (!strcmp(format, renderers[i].format))
			return renderers[i].render;
	return NULL;
}

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
