/* diff: what changed in a period's figures between a closed version and now (or another
 * version), row by row and figure by figure, with the late events that explain it
 * (docs/design.md §13, `cchc period diff`). Both sides go through the report model (model.c),
 * so the rows compared are the rows the reports show. */
#ifndef CCHC_EXPORT_DIFF_H
#define CCHC_EXPORT_DIFF_H

#include "cchc/v1/stats.pb-c.h"
#include "figures.h"

#include <stddef.h>
#include <stdint.h>

typedef struct diff_change {
	char group[12];     /* "all", "level", "unit", "field", "feedback" */
	char code[40];      /* level key, unit or field code; "" for all and feedback */
	char name[160];     /* the row's name as the reports show it */
	const char *figure; /* the contract's key (docs/design.md §6) */
	int64_t then, now;
} diff_change;

typedef struct diff_result {
	diff_change *changes; /* owner */
	size_t n;
} diff_result;

/* The figures that differ between `then` and `now` for scope. Returns 0, or -1 with err (out of
 * memory). Free with diff_free, also after a failure. */
int diff_build(const figures *then, const figures *now, const char *scope, diff_result *out,
               char *err, size_t errlen);
void diff_free(diff_result *d);

/* The Vietnamese name of a figure of group ("feedback" or a dossier row), or its key. */
const char *diff_figure_name(const char *group, const char *key);
/* "Phường Tây Lộc (19750)"; "Toàn đơn vị" for the scope's own row. */
void diff_row_label(const diff_change *c, char *buf, size_t len);

/* What a side of the comparison is: a closed version, or the figures now (version 0). */
typedef struct diff_side {
	int version;
	int64_t closed_ms;
} diff_side;

/* The comparison as text (Vietnamese, for the reform office), json or csv, malloc'd into *out.
 * Returns 0, or -1 with err. */
int diff_render(const char *format, const char *label, const char *scope, const diff_side *from,
                const diff_side *to, const diff_result *d, Cchc__V1__Arrival *const *arrivals,
                size_t narrivals, char **out, size_t *len, char *err, size_t errlen);

#endif
