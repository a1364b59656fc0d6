/* report_build: the state report_doc.c (the outline) and report_gen.c (the generated figures
 * sentences) share while one report document is built. Internal to those two files. */
#ifndef CCHC_REPORT_BUILD_H
#define CCHC_REPORT_BUILD_H

#include "model.h"
#include "report_doc.h"
#include "report_tmpl.h"
#include "vnfmt.h"

typedef struct builder {
	report_doc *doc;
	size_t cap;
	int oom;
	const render_input *in;
	report_model m; /* the figures as every format shows them (model.c) */
	tmpl t;
	int placed[GEN_COUNT];
	char ky[128], ky_sau[128], tu[VNFMT_LEN], den[VNFMT_LEN], nam[16];
	/* Rotating buffers so one sentence can format many numbers. */
	char num[24][VNFMT_LEN];
	unsigned next_num;
} builder;

/* Appends a block that owns `text` (NULL: out of memory, remembered in b->oom). */
void report_add_block(builder *b, doc_kind kind, int level, char *text, int chart);
/* vasprintf into a new string (NULL when out of memory). */
char *report_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

/* Appends the generated block `gen` (an enum gen) and marks it placed. */
void report_gen(builder *b, int gen);

/* The results paragraph of II.2.c: `lead` and the total's sentence, then one per level of
 * levels[0..n) (level 0 left to the tables). */
void report_results(builder *b, const char *lead, const model_row *total, const model_level *levels,
                    size_t n);

/* The feedback paragraphs of II.2.d for figures f. */
void report_feedback(builder *b, const Cchc__V1__FeedbackFigures *f);

/* The ratings sentence of II.2.c (docs/design.md §16) for row r: how the citizens rated the
 * dossiers finished in the period. */
void report_satisfaction(builder *b, const model_row *r);

/* The national scope's document body (docs/design.md §15, report_national.c): the national
 * results, each province's with where its figures come from, form II.06a by province, the
 * feedback table and the satisfaction table. */
void report_national(builder *b);

#endif
