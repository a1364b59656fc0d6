/* index766: the national index of service quality of Quyết định 766/QĐ-TTg (docs/design.md §16) as
 * far as the records decide it: for a row of figures (the scope, a level, a unit), each indicator
 * cchc can compute with its numerator, denominator, ratio and points, and the indicators it cannot,
 * with what they would need. The weights (max points) and targets come from a data file the
 * province edits (deploy/data/index-766.csv, `index_766_file`); what each ratio counts is fixed
 * here, once, for every format (docs/reports.md, "The 766 index"). Pure: figures in, values out. */
#ifndef CCHC_INDEX766_H
#define CCHC_INDEX766_H

#include "cchc/v1/stats.pb-c.h"

#include <stddef.h>

/* The indicators cchc computes, in the order they are shown. */
enum {
	INDEX766_PROGRESS,    /* 2.1 hồ sơ xử lý trước hạn, đúng hạn */
	INDEX766_ONLINE,      /* 3.3 hồ sơ nộp trực tuyến */
	INDEX766_PAID_ONLINE, /* 3.6 hồ sơ thanh toán trực tuyến (approximation) */
	INDEX766_DIGITIZED,   /* 4.2 hồ sơ thực hiện số hóa (approximation) */
	INDEX766_FEEDBACK,    /* 5.2 phản ánh, kiến nghị xử lý đúng hạn */
	INDEX766_SATISFACTION, /* 5.4 hài lòng trong tiếp nhận, giải quyết TTHC (approximation) */
	INDEX766_COMPUTED
};

/* What an indicator is, whatever the figures. Strings are static. */
typedef struct index766_def {
	const char *id;     /* the indicator's number in the portal's formula description: "2.1" */
	const char *group;  /* its group (nhóm chỉ số), in Vietnamese */
	const char *name;   /* in Vietnamese */
	const char *ratio;  /* the ratio in the JSON export's keys: "received_online / received" */
	int approximation;  /* 1: the records lack part of what the national portal counts */
	const char *note;   /* why, or how cchc reads the rule (Vietnamese); "" when nothing */
	const char *reason; /* not computed: what it would need (Vietnamese); NULL when computed */
} index766_def;

/* The weights and targets read from the data file. */
typedef struct index766_conf index766_conf; /* opaque */

/* Parses the data file (format in deploy/data/index-766.csv): a header
 * "indicator,max_points,target_percent", then a row per indicator; '#' comments. Every computed
 * indicator needs a row with a target (0 < target <= 100: full points from that ratio on);
 * numbers have at most two decimals. An id cchc does not know is listed as not computed. Returns
 * 0, or -1 with "NAME:LINE: reason" in err. */
int index766_conf_parse(const char *text, size_t len, const char *name, index766_conf **out,
                        char *err, size_t errlen);
int index766_conf_load(const char *path, index766_conf **out, char *err, size_t errlen);
void index766_conf_free(index766_conf *c);

/* One computed indicator for one row of figures. Percentages and points are times 100
 * (5646 = 56,46 %), rounded half away from zero, as every rate of the report. */
typedef struct index766_value {
	const index766_def *def;
	long long numerator, denominator;
	long long ratio_x100;  /* 0 when the denominator is 0 */
	long long target_x100; /* full points from this ratio on; 10000: points grow linearly */
	long long max_x100;    /* the indicator's weight */
	long long points_x100; /* max × min(1, ratio / target) from the rounded ratio; 0 without
	                          a denominator */
	int has_ratio;         /* the denominator is not 0 */
} index766_value;

typedef struct index766_row {
	index766_value v[INDEX766_COMPUTED];
	long long points_x100, max_x100; /* sums over the computed indicators */
} index766_row;

/* The points of a ratio under a weight and a target, all times 100. */
long long index766_points_x100(long long ratio_x100, long long max_x100, long long target_x100);

/* The indicators of one row: d its dossiers' figures, fb its feedback (NULL: none, the feedback
 * indicator has no denominator). */
void index766_compute(const index766_conf *c, const Cchc__V1__DossierFigures *d,
                      const Cchc__V1__FeedbackFigures *fb, index766_row *out);

/* "ratio = received_online / received; points = 6 × min(1, ratio / 50%)" for value v. */
void index766_formula(const index766_value *v, char *out, size_t len);

/* The indicators the records cannot decide, in the data file's order: each with its weight. */
typedef struct index766_missing {
	const index766_def *def;
	long long max_x100;
} index766_missing;
const index766_missing *index766_not_computed(const index766_conf *c, size_t *n);

#endif
