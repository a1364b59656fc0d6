/* model: the one place where the report's figure rules live (docs/design.md §6-§8): which levels a
 * period's report has, the unit rows of a scope and period and how rows of one code combine, the
 * field rows, the rates with their rounding and the 766 progress score. Every renderer (json, csv,
 * xlsx, docx, pdf, and the console) lays out what model_build returns and decides none of it. */
#ifndef CCHC_MODEL_H
#define CCHC_MODEL_H

#include "figures.h"

#include <stddef.h>

/* The rates of docs/design.md §6, each times 100 (5646 = 56,46 %), rounded half away from zero
 * (vnfmt_percent_x100). has_* is 0 when the denominator is 0: the rate is then shown as none. */
typedef struct model_rates {
	long long online_x100;       /* received_online / received */
	long long resolved_x100;     /* resolved / received */
	long long on_time_x100;      /* (resolved_early + resolved_on_time) / resolved */
	long long progress_766_x100; /* (early + on time + pending_within_due) / intake */
	long long digitized_x100;    /* digitized / received */
	long long paid_online_x100;  /* paid_online / received */
	long long satisfied_x100;    /* rated_satisfied / rated (docs/design.md §16) */
	int has_online, has_resolved, has_on_time, has_progress_766; /* has_online: received > 0 */
	int has_satisfied;                                           /* rated > 0 */
} model_rates;

/* One line of the report: the scope, a level, a unit or a field. Strings point into the figures
 * (or static text) and live as long as they do. */
typedef struct model_row {
	const char *code; /* unit or field code, level key ("province", …), "" for all */
	const char *name; /* unit name, field name in Vietnamese, level name ("Cấp tỉnh") */
	int level;        /* units: 1 province, 2 district, 3 commune, 0 unknown to the registry */
	const char *parent;         /* units: parent code, "" at the top */
	const char *parent_name;    /* communes under a district: the district's name, else NULL */
	Cchc__V1__DossierFigures d; /* the figures (intake included) */
	model_rates rates;
	/* the feedback of the row's offices (zeros for a field), for the 766 index's feedback
	 * indicator per level and unit (index766.h) */
	Cchc__V1__FeedbackFigures fb;
} model_row;

/* A level the report shows, with its own figures (as stats counted them; for level 0 the sum of
 * its units) and its units, model.units[first_unit .. first_unit + n_units). */
typedef struct model_level {
	int level;       /* 1, 2, 3, or 0 for units the registry has no level for */
	const char *key; /* "province", "district", "commune", "" */
	const char *name; /* "Cấp tỉnh", "Cấp huyện", "Cấp xã", "Đơn vị chưa xác định cấp" */
	const char *table_label; /* form II.06a: "Sở, ban, ngành", "Huyện, thị xã, thành phố", … */
	model_row row;
	size_t first_unit, n_units;
} model_level;

/* The national scope VN (docs/design.md §15): one province, the levels its own structure has
 * (with their figures, as its stack counts them) and where its figures come from. */
typedef struct model_province {
	model_row row;         /* code, the province unit's name, its totals */
	model_level levels[4]; /* its levels shown (1, 2, 3, then 0), rows only (no units) */
	size_t n_levels;
	Cchc__V1__FeedbackFigures feedback;
	int has_data;          /* 0: nothing of it has reached the national database yet */
	int closed_version;    /* its standing closed version these figures are, 0: figures now */
	long long closed_ms;   /* when it was closed */
	const char *closed_by; /* "" when not closed */
	long long current_ms;  /* figures now: complete up to this instant (0: unknown) */
	int aggregates_stale;  /* its aggregates await a rebuild: not current */
} model_province;

typedef struct report_model {
	const char *scope_code;
	const char *scope_name; /* "" when stats has none */
	int scope_level;        /* the scope unit's level, 0 when it is not among the units */
	model_row all;
	model_level levels[4]; /* the levels present, in report order: 1, 2, 3, then 0 */
	size_t n_levels;
	model_row *units; /* owner; grouped by level in the order of levels[] */
	size_t n_units;
	model_row *fields; /* owner; fields with any figure in the form's columns */
	size_t n_fields;
	Cchc__V1__FeedbackFigures feedback;
	/* The national scope VN: by province instead of by unit (n_units is 0). */
	int national;
	model_province *provinces; /* owner; in code order */
	size_t n_provinces;
} report_model;

/* Builds the model of figures f for `scope`. Returns 0, or -1 with a message in err (out of
 * memory). Free with model_free, also after a failure. */
int model_build(const figures *f, const char *scope, report_model *m, char *err, size_t errlen);
void model_free(report_model *m);

/* The level `level` when the report shows it, else NULL. */
const model_level *model_level_get(const report_model *m, int level);

/* The rates of figures d. */
void model_rates_of(const Cchc__V1__DossierFigures *d, model_rates *r);

/* Where a province's figures in the national scope come from, in Vietnamese: "số liệu chốt ngày
 * 15/03/2024, phiên bản 1", "số liệu cập nhật đến 10:32 ngày 08/12/2026", "chưa có số liệu". */
void model_province_source(const model_province *p, char *out, size_t len);

/* A readable Vietnamese name for a field code, or NULL when the code is not known. */
const char *model_field_name(const char *code);

#endif
