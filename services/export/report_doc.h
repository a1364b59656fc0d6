/* report_doc: the CCHC report as a document model that both the DOCX and the PDF renderer draw:
 * the Nghị định 30/2020 header, the title, the outline of Công văn 581/BNV-CCHC with generated
 * figures paragraphs and the province's own prose from its template, "Nơi nhận" and the signature.
 * Building it is pure (figures + configuration + template text in, document out). */
#ifndef CCHC_REPORT_DOC_H
#define CCHC_REPORT_DOC_H

#include "render.h"

#include <stddef.h>
#include <stdint.h>

#include "tables.h"

typedef enum doc_kind {
	DOC_HEADING, /* level 1 "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC" (bold, caps), level 2
	              * "1. Cải cách thể chế" (bold), level 3 "a) Kết quả giải quyết TTHC" (bold
	              * italic) */
	DOC_PARAGRAPH, /* justified body text with a first-line indent */
	DOC_MISSING,   /* prose the province has not written: rendered visibly empty (marked), never
	                * invented */
	DOC_CHART,     /* a chart (chart id); the PDF draws it, the DOCX may leave it out */
	DOC_TABLE      /* a table of report_doc.tables (index in `chart`) under its caption */
} doc_kind;

typedef enum doc_chart {
	DOC_CHART_RATES_BY_LEVEL = 1,    /* on-time and online shares by level */
	DOC_CHART_RATES_BY_DISTRICT = 2, /* on-time and online shares by district (level-2 unit) */
	DOC_CHART_RATES_BY_PROVINCE = 3 /* the national scope's: by province (docs/design.md §15) */
} doc_chart;

typedef struct doc_block {
	doc_kind kind;
	int level;  /* DOC_HEADING: 1..3 */
	char *text; /* UTF-8; for DOC_MISSING what is missing; for DOC_CHART and DOC_TABLE the
	               caption */
	int chart;  /* DOC_CHART: a doc_chart; DOC_TABLE: TABLES_BY_* of report_doc.tables */
} doc_block;

typedef struct report_doc {
	char **issuer_lines; /* left header column, bold caps ("ỦY BAN NHÂN DÂN", "TỈNH …") */
	size_t n_issuer_lines;
	char *number;     /* "Số:      /BC-UBND" */
	char *place_date; /* "Thừa Thiên Huế, ngày 21 tháng 11 năm 2026" (italic) */
	char *title;      /* "BÁO CÁO" */
	char *subtitle; /* "Tình hình thực hiện công tác cải cách hành chính quý I năm 2024" */
	char *as_of_line; /* "(Số liệu chốt ngày 15/03/2024, phiên bản 1)" (italic), or NULL */
	int64_t date_ms; /* the document's own date (its metadata): render_input.now_ms */
	doc_block *blocks;
	size_t n_blocks;
	char **recipients; /* "Nơi nhận:" list, one line each */
	size_t n_recipients;
	char **signer_lines; /* "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH" (bold caps) */
	size_t n_signer_lines;
	char *signer_name;  /* bold, may be "" */
	tables_set *tables; /* the form's tables the document shows (DOC_TABLE), or NULL: owned */
} report_doc;

/* Builds the document; reads the template named by in->conf->report_template (when set).
 * Returns 0, or -1 with a message in err. Free with report_doc_free. */
int report_doc_build(const render_input *in, report_doc *doc, char *err, size_t errlen);
/* Only the generated blocks of II.2.c "Kết quả giải quyết TTHC" (the total, one paragraph per
 * level, then the ratings sentence), made by the same code as in the report, for the console's
 * figures page: no header, no template. Returns 0, or -1 with a message in err. Free with
 * report_doc_free. */
int report_doc_results(const render_input *in, report_doc *doc, char *err, size_t errlen);
void report_doc_free(report_doc *doc);

#endif
