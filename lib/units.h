/* units: the registry of administrative units (docs/design.md §8). A unit is its code and the dates
 * it is valid on: each snapshot of units.csv holds from its snapshot date until the next snapshot's
 * date (the first one also holds before it), because a code can be reused with another meaning. */
#ifndef CCHC_UNITS_H
#define CCHC_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define UNIT_CODE_MAX 16

typedef struct unit {
	char code[UNIT_CODE_MAX];
	char parent[UNIT_CODE_MAX]; /* "" for the top unit */
	char *name;                 /* UTF-8 */
	int level;                  /* 1 province, 2 district, 3 commune */
	int64_t valid_from_ms;      /* INT64_MIN for the first snapshot */
	int64_t valid_to_ms;        /* exclusive; INT64_MAX for the newest snapshot */
	char snapshot[11];          /* YYYY-MM-DD */
	char *merged_from;          /* ';'-separated codes, or "" */
} unit;

typedef struct units units; /* opaque registry */

/* Reads a units.csv (snapshot,code,name,level,unit_type,parent_code,merged_from_codes). Snapshot
 * dates are local midnights in the process's time zone (TZ). Returns 0, or -1 with the line in err.
 */
int units_load(const char *path, units **out, char *err, size_t errlen);
void units_free(units *u);

/* Largest units.csv accepted (bytes). */
#define UNITS_FILE_MAX (16 * 1024 * 1024)

/* Same as units_load from the bytes of a units.csv; `name` prefixes error messages ("name:LINE:
 * reason"). Nothing is kept from a file with any bad line. */
int units_parse(const char *buf, size_t len, const char *name, units **out, char *err,
                size_t errlen);
/* Reads a whole file (at most UNITS_FILE_MAX bytes) into a malloc'd, NUL-terminated buffer. */
int units_read_file(const char *path, char **out, size_t *len, char *err, size_t errlen);

/* Building a registry row by row (from the database): units_new, units_append for each row, then
 * units_finish, which sets the validity dates as units_load does. */
units *units_new(void);
int units_append(units *u, const char *snapshot, const char *code, const char *name, int level,
                 const char *parent, const char *merged_from, char *err, size_t errlen);
void units_finish(units *u);

/* The unit (code, snapshot), or NULL. */
const unit *units_get(const units *u, const char *code, const char *snapshot);

/* The unit that carries x's figures on instant at_ms, following the snapshots one by one: the
 * unit of the next snapshot that lists x's code in merged_from_codes, else the same code at the
 * same level, else (when the next snapshot has no unit of x's level at all, as districts in
 * 2025-07) the successor of x's parent. x itself when it is valid at at_ms or later (figures are
 * only carried forward). NULL when the chain breaks: no known successor. */
const unit *units_successor(const units *u, const unit *x, int64_t at_ms);

/* The unit that carries x's figures on at_ms when a report uses the structure of that day
 * (docs/design.md §8): units_successor, or when x's chain breaks (a unit that vanished without
 * merged_from_codes) the successor of its nearest ancestor that has one, so that no figure stays
 * on a unit or level that no longer exists. NULL only when no ancestor has a successor either. */
const unit *units_carrier(const units *u, const unit *x, int64_t at_ms);

size_t units_count(const units *u);
const unit *units_at(const units *u, size_t i);

/* The unit with `code` valid at instant `at_ms`, or NULL. */
const unit *units_find(const units *u, const char *code, int64_t at_ms);

/* 1 when unit `code` valid at `at_ms` is `ancestor` or lies under it (same instant), else 0. */
int units_within(const units *u, const char *code, const char *ancestor, int64_t at_ms);

#endif
