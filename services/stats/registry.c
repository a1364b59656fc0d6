/* registry: the units table as `cchc units` sees it. Import = units_parse + registry_validate +
 * db_import_units (one transaction, re-resolving every state's unit); list = the rows, with the
 * validity dates as local days. */
#include "stats_registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "stats_db.h"
#include "stats_db_units.h"
#include "stats_query.h"
#include "units.h"

typedef struct line_unit {
	char snapshot[11], code[UNIT_CODE_MAX], parent[UNIT_CODE_MAX];
	int level, lineno;
} line_unit;

static int by_key(const void *pa, const void *pb)
{
	const line_unit *a = pa, *b = pb;
	int c = strcmp(a->snapshot, b->snapshot);
	return c ? c : strcmp(a->code, b->code);
}

/* units_parse has checked the lengths already; this only keeps the copy in bounds. */
static void copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int registry_validate(const char *buf, size_t len, const char *name, char *err, size_t errlen)
{
	line_unit *v = NULL;
	size_t n = 0, cap = 0, pos = 0;
	int lineno = 0, rc = -1;

	while (pos < len) {
		size_t l = 0;
		char line[4096], *f[7];
		int nf = 0;
		while (pos + l < len && buf[pos + l] != '\n')
			l++;
		snprintf(line, sizeof line, "%.*s",
		         (int)(l < sizeof line - 1 ? l : sizeof line - 1), buf + pos);
		pos += l + 1;
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (lineno == 1 || !*line)
			continue;
		f[nf++] = line;
		for (char *p = line; *p && nf < 7; p++)
			if (*p == ',') {
				*p = '\0';
				f[nf++] = p + 1;
			}
		if (nf < 6) /* units_parse has already refused it */
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 512;
			line_unit *p = realloc(v, cap * sizeof *v);
			if (!p) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			v = p;
		}
		line_unit *x = &v[n++];
		copy(x->snapshot, sizeof x->snapshot, f[0]);
		copy(x->code, sizeof x->code, f[1]);
		copy(x->parent, sizeof x->parent, f[5]);
		x->level = atoi(f[3]);
		x->lineno = lineno;
	}
	if (n)
		qsort(v, n, sizeof *v, by_key);
	for (size_t i = 1; i < n; i++)
		if (!by_key(&v[i - 1], &v[i])) {
			int a = v[i - 1].lineno, b = v[i].lineno;
			snprintf(err, errlen, "%s:%d: unit %s of snapshot %s is already on line %d",
			         name, a > b ? a : b, v[i].code, v[i].snapshot, a < b ? a : b);
			goto out;
		}
	for (size_t i = 0; i < n; i++) {
		line_unit key = {0}, *p;
		if (!v[i].parent[0])
			continue;
		memcpy(key.snapshot, v[i].snapshot, sizeof key.snapshot);
		memcpy(key.code, v[i].parent, sizeof key.code);
		p = bsearch(&key, v, n, sizeof *v, by_key);
		if (!p || p->level >= v[i].level) {
			snprintf(err, errlen,
			         "%s:%d: parent %s of unit %s is not a unit of a higher level in "
			         "snapshot %s",
			         name, v[i].lineno, v[i].parent, v[i].code, v[i].snapshot);
			goto out;
		}
	}
	rc = 0;
out:
	free(v);
	return rc;
}

void registry_reply_clear(Cchc__V1__UnitsReply *reply)
{
	for (size_t i = 0; i < reply->n_units; i++) {
		Cchc__V1__UnitRow *u = reply->units[i];
		free(u->code);
		free(u->snapshot);
		free(u->name);
		free(u->parent);
		free(u->valid_from);
		free(u->valid_to);
		free(u->merged_from);
		free(u);
	}
	free(reply->units);
	free(reply->error);
	cchc__v1__units_reply__init(reply);
}

static int fail(Cchc__V1__UnitsReply *reply, const char *err)
{
	registry_reply_clear(reply);
	reply->has_ok = 1;
	reply->ok = 0;
	reply->error = strdup(err);
	return -1;
}

int registry_import(PGconn *writer, const Cchc__V1__UnitsRequest *req, Cchc__V1__UnitsReply *reply)
{
	const char *buf = (const char *)req->import_csv.data;
	size_t len = req->import_csv.len;
	char err[512];
	units *u = NULL;
	int changed = 0;

	cchc__v1__units_reply__init(reply);
	if (!req->has_import_csv || len == 0)
		return fail(reply, "units import: the file is empty");
	if (units_parse(buf, len, "units.csv", &u, err, sizeof err) != 0 ||
	    registry_validate(buf, len, "units.csv", err, sizeof err) != 0) {
		units_free(u);
		return fail(reply, err);
	}
	if (db_ensure(writer, err, sizeof err) != 0 ||
	    db_import_units(writer, u, &changed, err, sizeof err) != 0) {
		units_free(u);
		return fail(reply, err);
	}
	reply->has_ok = reply->has_imported = reply->has_changed = 1;
	reply->ok = 1;
	reply->imported = (uint32_t)units_count(u);
	reply->changed = changed;
	units_free(u);
	return 0;
}

/* A validity bound (epoch ms, or NULL for an infinity) as the local day, "" when open. */
static char *local_day(const PGresult *r, int row, int col)
{
	char buf[11] = "";

	if (!PQgetisnull(r, row, col))
		cal_format_date(cal_local_day(strtoll(PQgetvalue(r, row, col), NULL, 10)), buf);
	return strdup(buf);
}

int registry_list(PGconn *reader, const Cchc__V1__UnitsRequest *req, Cchc__V1__UnitsReply *reply)
{
	static const char sql[] =
	    "SELECT code, snapshot::text, name, level, parent_code, "
	    "CASE WHEN isfinite(valid_from) THEN (extract(epoch FROM valid_from) * 1000)::bigint "
	    "END, CASE WHEN isfinite(valid_to) THEN (extract(epoch FROM valid_to) * 1000)::bigint "
	    "END, merged_from FROM units WHERE $1::timestamptz IS NULL OR "
	    "($1 >= valid_from AND $1 < valid_to) ORDER BY snapshot, level, parent_code, code";
	const char *at = req->list_at && req->list_at[0] ? req->list_at : NULL;
	char err[512], when[40];
	const char *params[1] = {NULL};
	PGresult *r;
	int64_t ms;

	cchc__v1__units_reply__init(reply);
	if (at) {
		if (query_parse_map_to(at, &ms, err, sizeof err) != 0) {
			snprintf(err, sizeof err, "units list: --at '%s' is not a date YYYY-MM-DD",
			         at);
			return fail(reply, err);
		}
		db_format_ts(ms, when, sizeof when);
		params[0] = when;
	}
	if (db_ensure(reader, err, sizeof err) != 0)
		return fail(reply, err);
	r = db_query(reader, "units list", sql, 1, params, err, sizeof err);
	if (!r)
		return fail(reply, err);
	int n = PQntuples(r);
	reply->units = calloc((size_t)n + 1, sizeof *reply->units);
	if (!reply->units) {
		PQclear(r);
		return fail(reply, "units list: out of memory");
	}
	for (int i = 0; i < n; i++) {
		Cchc__V1__UnitRow *u = malloc(sizeof *u);
		if (!u)
			break;
		cchc__v1__unit_row__init(u);
		reply->units[reply->n_units++] = u;
		u->code = strdup(PQgetvalue(r, i, 0));
		u->snapshot = strdup(PQgetvalue(r, i, 1));
		u->name = strdup(PQgetvalue(r, i, 2));
		u->has_level = 1;
		u->level = atoi(PQgetvalue(r, i, 3));
		u->parent = strdup(PQgetvalue(r, i, 4));
		u->valid_from = local_day(r, i, 5);
		u->valid_to = local_day(r, i, 6);
		u->merged_from = strdup(PQgetvalue(r, i, 7));
		if (!u->code || !u->snapshot || !u->name || !u->parent || !u->valid_from ||
		    !u->valid_to || !u->merged_from)
			break;
	}
	PQclear(r);
	if (reply->n_units != (size_t)n || (n && !reply->units[n - 1]->merged_from))
		return fail(reply, "units list: out of memory");
	reply->has_ok = 1;
	reply->ok = 1;
	return 0;
}
