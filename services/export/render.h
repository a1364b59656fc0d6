/* render: what every report format takes and gives. A renderer turns the figures of one period and
 * scope (asked from stats once) plus the configuration (header, signer, template, targets) into
 * one or more files held in memory; the CLI writes them. */
#ifndef CCHC_RENDER_H
#define CCHC_RENDER_H

#include "conf.h"
#include "figures.h"
#include "period.h"

#include <stddef.h>
#include <stdint.h>

/* Which figures a report shows (docs/design.md §13). */
typedef struct render_as_of {
	int closed;        /* a closed version: the files take its time, never "now" */
	int version;       /* closed: its number */
	int64_t closed_ms; /* closed: when */
	const char *by;    /* closed: who */
	int64_t at_ms;     /* not closed: as they stood at this instant (0: now) */
} render_as_of;

typedef struct render_input {
	const period *period;
	const char *scope;      /* unit code of the scope */
	const figures *figures; /* rows "all", "level", "unit", "field" and the feedback figures */
	const conf *conf;       /* report.* header and signer, report.template, targets */
	/* The 766 index's weights and targets (index_766_file, index766.h), for the JSON's
	 * index_766; NULL: the JSON has none. */
	const struct index766_conf *index766;
	int64_t now_ms; /* the report's date ("…, ngày … tháng … năm …") */
	/* The day whose unit structure the figures are reported on (docs/design.md §8): the
	 * period's last day by default, a --map-to date (YYYY-MM-DD or CURRENT), or NULL when
	 * they are by the units as recorded. */
	const char *structure_day;
	const render_as_of *as_of; /* NULL: the figures now */
	/* --with-revisions: what changed since a closed version, for the DOCX/PDF annex (NULL:
	 * none). */
	const struct diff_result *revisions;
	int revisions_version;
	int64_t revisions_closed_ms;
} render_input;

#define RENDER_MAX_FILES 16

typedef struct render_file {
	char name[96]; /* suffix added to the output path: ".docx", ".pdf", "-theo-cap.csv", … */
	uint8_t *data; /* malloc'd */
	size_t len;
} render_file;

typedef struct render_output {
	render_file files[RENDER_MAX_FILES];
	size_t n;
} render_output;

/* Takes ownership of data (malloc'd) and appends a file. Returns 0, or -1 when full (data freed).
 */
int render_output_add(render_output *o, const char *name, uint8_t *data, size_t len);
void render_output_free(render_output *o);

typedef int (*render_fn)(const render_input *, render_output *, char *, size_t);

/* The renderer of a format (docx, pdf, xlsx, csv, json), or NULL. */
render_fn render_for(const char *format);

/* Each returns 0, or -1 with a message in err. */
int render_json(const render_input *in, render_output *out, char *err, size_t errlen);
int render_csv(const render_input *in, render_output *out, char *err, size_t errlen);
int render_xlsx(const render_input *in, render_output *out, char *err, size_t errlen);
int render_docx(const render_input *in, render_output *out, char *err, size_t errlen);
int render_pdf(const render_input *in, render_output *out, char *err, size_t errlen);

#endif
