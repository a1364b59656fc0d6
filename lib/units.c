/* units: the administrative-unit registry loaded from units.csv. Kept sorted by (code, valid_from)
 * so a lookup by code and instant is a binary search plus a short scan; the file is small (a few
 * hundred rows per province), so the whole registry lives in memory in every process that needs it. */
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct units {
	unit *v;
	size_t n, cap;
};

static int64_t snapshot_start_ms(const char *day)
{
	struct tm tm = {0};
	if (sscanf(day, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

static int by_snapshot(const void *a, const void *b)
{
	return strcmp(((const unit *)a)->snapshot, ((const unit *)b)->snapshot);
}

static int by_code_then_time(const void *a, const void *b)
{
	const unit *x = a, *y = b;
	int c = strcmp(x->code, y->code);
	if (c)
		return c;
	return (x->valid_from_ms > y->valid_from_ms) - (x->valid_from_ms < y->valid_from_ms);
}

void units_free(units *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n; i++) {
		free(u->v[i].name);
		free(u->v[i].merged_from);
	}
	free(u->v);
	free(u);
}

/* Splits a line on commas into at most `max` fields (the file has no quoted fields). */
static int split(char *line, char **fields, int max)
{
	int n = 0;
	fields[n++] = line;
	for (char *p = line; *p && n <= max; p++) {
		if (*p == ',') {
			*p = '\0';
			if (n < max)
				fields[n] = p + 1;
			n++;
		}
	}
	return n;
}

static int units_add(units *u, char **f, char *err, size_t errlen, const char *path, int lineno)
{
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 256;
		unit *v = realloc(u->v, cap * sizeof *v);
		if (!v) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		u->v = v;
		u->cap = cap;
	}
	unit *x = &u->v[u->n];
	memset(x, 0, sizeof *x);
	char *end;
	long level = strtol(f[3], &end, 10);
	if (strlen(f[0]) != 10 || snapshot_start_ms(f[0]) < 0 || !*f[1] ||
	    strlen(f[1]) >= UNIT_CODE_MAX || strlen(f[5]) >= UNIT_CODE_MAX || *end || level < 1 ||
	    level > 3) {
		snprintf(err, errlen, "%s:%d: bad snapshot, code, level or parent", path, lineno);
		return -1;
	}
	memcpy(x->snapshot, f[0], 11);
	snprintf(x->code, sizeof x->code, "%s", f[1]);
	snprintf(x->parent, sizeof x->parent, "%s", f[5]);
	x->level = (int)level;
	x->name = strdup(f[2]);
	x->merged_from = strdup(f[6]);
	if (!x->name || !x->merged_from) {
		free(x->name);
		free(x->merged_from);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	u->n++;
	return 0;
}

/* Each snapshot holds from its own date until the next snapshot's; the oldest also covers all
 * time before it, the newest all time after. */
static void units_set_validity(units *u)
{
	qsort(u->v, u->n, sizeof *u->v, by_snapshot);
	for (size_t i = 0; i < u->n;) {
		size_t j = i;
		while (j < u->n && !strcmp(u->v[j].snapshot, u->v[i].snapshot))
			j++;
		int64_t from = i == 0 ? INT64_MIN : snapshot_start_ms(u->v[i].snapshot);
		int64_t to = j == u->n ? INT64_MAX : snapshot_start_ms(u->v[j].snapshot);
		for (size_t k = i; k < j; k++) {
			u->v[k].valid_from_ms = from;
			u->v[k].valid_to_ms = to;
		}
		i = j;
	}
	qsort(u->v, u->n, sizeof *u->v, by_code_then_time);
}

int units_load(const char *path, units **out, char *err, size_t errlen)
{
	*out = NULL;
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	units *u = calloc(1, sizeof *u);
	if (!u) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char line[4096];
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (lineno == 1 || !*line)
			continue; /* header */
		char *fields[7];
		if (strchr(line, '"') || split(line, fields, 7) != 7) {
			snprintf(err, errlen, "%s:%d: expected 7 comma-separated fields", path, lineno);
			rc = -1;
			break;
		}
		if ((rc = units_add(u, fields, err, errlen, path, lineno)))
			break;
	}
	fclose(f);
	if (!rc && u->n == 0) {
		snprintf(err, errlen, "%s: no units", path);
		rc = -1;
	}
	if (rc) {
		units_free(u);
		return -1;
	}
	units_set_validity(u);
	*out = u;
	return 0;
}

size_t units_count(const units *u)
{
	return u->n;
}

const unit *units_at(const units *u, size_t i)
{
	return i < u->n ? &u->v[i] : NULL;
}

const unit *units_find(const units *u, const char *code, int64_t at_ms)
{
	size_t lo = 0, hi = u->n;
	while (lo < hi) { /* first index with code >= `code` */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(u->v[mid].code, code) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < u->n && !strcmp(u->v[i].code, code); i++)
		if (at_ms >= u->v[i].valid_from_ms && at_ms < u->v[i].valid_to_ms)
			return &u->v[i];
	return NULL;
}

int units_within(const units *u, const char *code, const char *ancestor, int64_t at_ms)
{
	const unit *x = units_find(u, code, at_ms);
	for (int depth = 0; x && depth < 8; depth++) {
		if (!strcmp(x->code, ancestor))
			return 1;
		if (!x->parent[0])
			return 0;
		x = units_find(u, x->parent, at_ms);
	}
	return 0;
}
