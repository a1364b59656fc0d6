/* cycle: `cchc period close|reopen|list` as export runs them (docs/design.md §13). A close asks
 * stats to prepare (watermark and figures under the store lock), renders the docx, pdf and xlsx
 * of those figures with the closing's own time, and asks stats to commit them with their SHA-256;
 * the rest is stats' own, passed through. */
#ifndef CCHC_EXPORT_CYCLE_H
#define CCHC_EXPORT_CYCLE_H

#include "cchc/v1/export.pb-c.h"
#include "diff.h"
#include "handler.h"
#include "render.h"

#include <stddef.h>

/* Fills *out (free with cycle_reply_clear). Returns 0, or -1 with the reason in out->error. */
int cycle_run(export_ctx *c, const Cchc__V1__PeriodRequest *rq, Cchc__V1__PeriodReply *out);
void cycle_reply_clear(Cchc__V1__PeriodReply *out);

/* The structure a report is on by default (docs/design.md §8): the period's last day. */
const char *cycle_default_structure(const period *p);

/* The render input of the closed version `cl`: its figures (f->query = cl->figures), its time
 * and its structure. *a and *f must live as long as *in. */
void cycle_closed_input(export_ctx *c, const period *p, const Cchc__V1__Closing *cl,
                        const figures *f, render_as_of *a, render_input *in);

/* Renders `format` of the closed version `cl` (its figures, its time) into out. */
int cycle_render_closed(export_ctx *c, const period *p, const Cchc__V1__Closing *cl,
                        const char *format, render_output *out, char *err, size_t errlen);

/* `cchc period diff` as data (docs/design.md §13): what changed from version `from_version` (0:
 * the standing one, else the newest) to version `to_version` (0: the figures now), and the late
 * events stored in between by office and day. */
typedef struct cycle_diff_result {
	struct diff_result d;
	diff_side from, to;
	Cchc__V1__Arrival *const *arrivals; /* inside reply */
	size_t n_arrivals;
	Cchc__V1__StatsReply *reply; /* owner */
} cycle_diff_result;
/* Returns 0 with *out (free with cycle_diff_free), or -1 with err (also when the period was never
 * closed). */
int cycle_diff(export_ctx *c, const period *p, const char *scope, int from_version, int to_version,
               cycle_diff_result *out, char *err, size_t errlen);
void cycle_diff_free(cycle_diff_result *r);

/* --with-revisions: what changed between the period's closed version (the standing one, else
 * the newest) and the figures `now`. Returns 0 with *out and the version's number and time, or
 * -1 with err (also when the period was never closed). Free *out with diff_free. */
int cycle_revisions(export_ctx *c, const period *p, const char *scope, const figures *now,
                    struct diff_result *out, int *version, int64_t *closed_ms, char *err,
                    size_t errlen);

#endif
