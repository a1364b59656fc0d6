/* units: the registry of administrative units (DESIGN §8). A unit is its code and the dates it is
 * valid on: each snapshot of units.csv holds from its snapshot date until the next snapshot's date
 * (the first one also holds before it), because a code can be reused with another meaning. */
#ifndef CCHC_UNITS_H
#define CCHC_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define UNIT_CODE_MAX 16

typedef struct unit {
	char code[UNIT_CODE_MAX];
	char parent[UNIT_CODE_MAX];   /* "" for the top unit */
	char *name;                   /* UTF-8 */
	int level;                    /* 1 province, 2 district, 3 commune */
	int64_t valid_from_ms;        /* INT64_MIN for the first snapshot */
	int64_t valid_to_ms;          /* exclusive; INT64_MAX for the newest snapshot */
	char snapshot[11];            /* YYYY-MM-DD */
	char *merged_from;            /* ';'-separated codes, or "" */
} unit;

typedef struct units units;       /* opaque registry */

/* Reads a units.csv (snapshot,code,name,level,unit_type,parent_code,merged_from_codes). Snapshot
 * dates are local midnights in the process's time zone (TZ). Returns 0, or -1 with the line in err. */
int units_load(const char *path, units **out, char *err, size_t errlen);
void units_free(units *u);

size_t units_count(const units *u);
const unit *units_at(const units *u, size_t i);

/* The unit with `code` valid at instant `at_ms`, or NULL. */
const unit *units_find(const units *u, const char *code, int64_t at_ms);

/* 1 when unit `code` valid at `at_ms` is `ancestor` or lies under it (same instant), else 0. */
int units_within(const units *u, const char *code, const char *ancestor, int64_t at_ms);

#endif
