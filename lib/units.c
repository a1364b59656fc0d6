/* units: the administrative-unit registry loaded from units.csv. Kept sorted by (code, valid_from)
 * so a lookup by code and instant is a binary search plus a short scan; the file is small (a few
 * hundred rows per province), so the whole registry lives in memory in every process that needs it.
 */
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"

struct units {
	unit *v;
	size_t n, cap;
};

static int64_t snapshot_start_ms(const char *day)
{
	int y, m, d;
	if (sscanf(day, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return -1;
	return cal_local_midnight(y, m, d);
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

units *units_new(void)
{
	return calloc(1, sizeof(units));
}

int units_append(units *u, const char *snapshot, const char *code, const char *name, int level,
                 const char *parent, const char *merged_from, char *err, size_t errlen)
{
	if (strlen(snapshot) != 10 || snapshot_start_ms(snapshot) < 0 || !*code ||
	    strlen(code) >= UNIT_CODE_MAX || strlen(parent) >= UNIT_CODE_MAX || level < 1 ||
	    level > 3) {
		snprintf(err, errlen, "bad snapshot, code, level or parent");
		return -1;
	}
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
	memcpy(x->snapshot, snapshot, 11);
	snprintf(x->code, sizeof x->code, "%s", code);
	snprintf(x->parent, sizeof x->parent, "%s", parent);
	x->level = level;
	x->name = strdup(name);
	x->merged_from = strdup(merged_from);
	if (!x->name || !x->merged_from) {
		free(x->name);
		free(x->merged_from);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	u->n++;
	return 0;
}

static int units_add(units *u, char **f, char *err, size_t errlen, const char *path, int lineno)
{
	char *end;
	long level = strtol(f[3], &end, 10);
	char why[128] = "";

	if (*end || !*f[3] || level < 1 || level > 3 || strlen(f[0]) != 10 ||
	    units_append(u, f[0], f[1], f[2], (int)level, f[5], f[6], why, sizeof why) != 0) {
		if (!strcmp(why, "out of memory"))
			snprintf(err, errlen, "out of memory");
		else
			snprintf(err, errlen, "%s:%d: bad snapshot, code, level or parent", path,
			         lineno);
		return -1;
	}
	return 0;
}

/* Each snapshot holds from its own date until the next snapshot's; the oldest also covers all
 * time before it, the newest all time after. */
void units_finish(units *u)
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

int units_parse(const char *buf, size_t len, const char *name, units **out, char *err,
                size_t errlen)
{
	*out = NULL;
	units *u = units_new();
	char *line = malloc(len + 1);
	int lineno = 0, rc = 0;
	size_t pos = 0;

	if (!u || !line) {
		units_free(u);
		free(line);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (pos < len) {
		size_t n = 0;
		while (pos + n < len && buf[pos + n] != '\n')
			n++;
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n + (pos + n < len);
		lineno++;
		if (memchr(line, '\0', n)) {
			snprintf(err, errlen, "%s:%d: a NUL byte in the line", name, lineno);
			rc = -1;
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (lineno == 1 || !*line)
			continue; /* header */
		char *fields[7];
		if (strchr(line, '"') || split(line, fields, 7) != 7) {
			snprintf(err, errlen, "%s:%d: expected 7 comma-separated fields", name,
			         lineno);
			rc = -1;
			break;
		}
		if ((rc = units_add(u, fields, err, errlen, name, lineno)))
			break;
	}
	free(line);
	if (!rc && u->n == 0) {
		snprintf(err, errlen, "%s: no units", name);
		rc = -1;
	}
	if (rc) {
		units_free(u);
		return -1;
	}
	units_finish(u);
	*out = u;
	return 0;
}

int units_load(const char *path, units **out, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (units_read_file(path, &buf, &len, err, errlen) != 0)
		return -1;
	rc = units_parse(buf, len, path, out, err, errlen);
	free(buf);
	return rc;
}

int units_read_file(const char *path, char **out, size_t *outlen, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	*out = NULL;
	*outlen = 0;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (cap - len < 4096) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *p = ncap > UNITS_FILE_MAX + 4096 ? NULL : realloc(buf, ncap + 1);
			if (!p) {
				snprintf(err, errlen, "%s: larger than %d bytes, or out of memory",
				         path, UNITS_FILE_MAX);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = p;
			cap = ncap;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
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

/* 1 when `code` is one of the ';'-separated codes of `list`. */
static int listed(const char *list, const char *code)
{
	size_t n = strlen(code);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ';');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && !strncmp(p, code, n))
			return 1;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

/* One step of units_successor: x's unit in the snapshot starting at `next_ms`. */
static const unit *successor_step(const units *u, const unit *x, int64_t next_ms, int depth)
{
	const unit *same = NULL;
	int level_exists = 0;

	if (depth > 8)
		return NULL;
	for (size_t i = 0; i < u->n; i++) {
		const unit *y = &u->v[i];
		if (y->valid_from_ms != next_ms)
			continue;
		if (listed(y->merged_from, x->code))
			return y; /* the snapshot says so */
		if (!strcmp(y->code, x->code) && y->level == x->level)
			same = y;
		if (y->level == x->level)
			level_exists = 1;
	}
	if (same)
		return same;
	if (!level_exists && x->parent[0]) {
		/* the level was abolished: the parent's successor takes over */
		const unit *p = units_find(u, x->parent, x->valid_from_ms);
		if (!p)
			p = units_find(u, x->parent, x->valid_to_ms - 1);
		return p ? successor_step(u, p, next_ms, depth + 1) : NULL;
	}
	return NULL;
}

const unit *units_successor(const units *u, const unit *x, int64_t at_ms)
{
	for (int steps = 0; x && steps < 64; steps++) {
		if (at_ms < x->valid_to_ms)
			return x; /* valid then, or newer than the date: kept as it is */
		x = successor_step(u, x, x->valid_to_ms, 0);
	}
	return x;
}

const unit *units_carrier(const units *u, const unit *x, int64_t at_ms)
{
	for (int depth = 0; x && depth < 8; depth++) {
		const unit *to = units_successor(u, x, at_ms);
		if (to)
			return to;
		/* the chain broke: the nearest ancestor that has a successor covers x's area */
		x = x->parent[0] ? units_get(u, x->parent, x->snapshot) : NULL;
	}
	return NULL;
}

const unit *units_get(const units *u, const char *code, const char *snapshot)
{
	for (size_t i = 0; i < u->n; i++)
		if (!strcmp(u->v[i].code, code) && !strcmp(u->v[i].snapshot, snapshot))
			return &u->v[i];
	return NULL;
}
