/* report_tmpl: the province's report template (format in docs/reports.md), parsed from a buffer:
 * sections keyed by the outline of Công văn 581/BNV-CCHC, their prose, the places marked missing
 * and where the generated figures paragraphs go. Pure: bytes in, sections out, errors by line. */
#ifndef CCHC_REPORT_TMPL_H
#define CCHC_REPORT_TMPL_H

#include <stddef.h>

/* Generated blocks a template may place with {{name}}; unplaced ones go to their home section. */
enum gen {
	GEN_RESULTS,
	GEN_CHART_LEVEL,
	GEN_CHART_DISTRICT,
	GEN_FEEDBACK,
	GEN_ONLINE,
	GEN_TARGETS,
	GEN_SATISFACTION, /* the citizens' ratings (docs/design.md §16), in II.2.c */
	GEN_COUNT
};

/* The outline key ("II.2.c") a generated block goes to when the template does not place it. */
const char *tmpl_gen_home(int gen);

typedef enum item_kind { IT_TEXT, IT_MISSING, IT_GEN } item_kind;

typedef struct item {
	item_kind kind;
	char *text; /* IT_TEXT, IT_MISSING (may be NULL: the section's own title) */
	int gen;    /* IT_GEN */
} item;

typedef struct section {
	char key[32];
	char *title; /* NULL: the outline's */
	int line;
	item *items;
	size_t n, cap;
	int open; /* the last IT_TEXT item takes continuation lines */
} section;

typedef struct tmpl {
	section *s;
	size_t n, cap;
	int has_gen[GEN_COUNT];
} tmpl;

/* Parses a template held in `text` (modified in place; `path` names it in errors). Returns 0, or
 * -1 with "PATH:LINE: reason" in err. Free with tmpl_free, also after a failure. */
int tmpl_parse(char *text, const char *path, tmpl *t, char *err, size_t errlen);
/* Reads the file at path (at most 1 MiB of UTF-8 text) and parses it. */
int tmpl_load(const char *path, tmpl *t, char *err, size_t errlen);
void tmpl_free(tmpl *t);

section *tmpl_find(const tmpl *t, const char *key);

/* The outline's title of a section key ("II.6" → "Xây dựng và phát triển …"), or NULL. */
const char *tmpl_outline_title(const char *key);

/* The key of the section a key lies in ("II.2.c" → "II.2"): 0, or -1 for a top section. */
int tmpl_parent_key(const char *key, char *out, size_t len);

#endif
