/* bench_gen: the benchmark's input. Events come from gen's model (realistic dossiers, every kind)
 * cut to an exact count, ids unique to a fresh seed; and the same events as the rows of a raw
 * PostgreSQL COPY, read back through the records reader that `cchc push` uses. */
#include "bench.h"

#include "gen.h"
#include "period.h"
#include "records.h"
#include "service.h"
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GEN_MAX_DOSSIERS 50000000 /* gen's own limit (cchc gen --dossiers) */

uint64_t bench_fresh_seed(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ^
	       ((uint64_t)getpid() << 40);
}

/* Events the model will write: the count gen_write_jsonl produces. */
static size_t model_events(const gen_model *m)
{
	gen_event ev[GEN_MAX_EVENTS];
	size_t n = 0;

	for (size_t i = 0; i < m->ndossiers; i++)
		n += gen_dossier_events(m, i, ev);
	for (size_t i = 0; i < m->nfeedback; i++)
		n += gen_feedback_events(m, i, ev);
	return n;
}

static int load_model(const conf *c, const char *label, size_t ndossiers, uint64_t seed,
                      units **reg, gen_model **m, char *err, size_t errlen)
{
	period per;

	service_set_timezone(c->timezone);
	if (period_parse(label, &per, err, errlen))
		return -1;
	if (!*reg && units_load(c->units_file, reg, err, errlen))
		return -1;
	workdays *cal = NULL;
	if (*c->calendar_file && workdays_load(c->calendar_file, &cal, err, errlen))
		return -1;
	int rc = gen_model_build(*reg, cal, &per, ndossiers, seed, m, err, errlen);
	workdays_free(cal);
	return rc;
}

/* Writes the model's JSONL to path, keeping the first `keep` lines (all when 0). */
static int write_model(const gen_model *m, const char *path, size_t keep, size_t *written,
                       char *err, size_t errlen)
{
	FILE *f = fopen(path, "w+");
	char *line = NULL;
	size_t cap = 0, n = 0;
	long cut = -1;
	int rc = -1;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (gen_write_jsonl(m, f) || fflush(f)) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
		goto out;
	}
	rewind(f);
	while (getline(&line, &cap, f) > 0) {
		n++;
		if (keep && n == keep) {
			cut = ftell(f);
			break;
		}
	}
	if (cut >= 0 && ftruncate(fileno(f), cut)) {
		snprintf(err, errlen, "cutting %s to %zu lines: %s", path, keep, strerror(errno));
		goto out;
	}
	*written = n;
	rc = 0;
out:
	free(line);
	if (fclose(f) && !rc) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}

int bench_gen_events(const conf *c, const char *label, size_t nevents, uint64_t seed,
                     const char *path, size_t *written, char *err, size_t errlen)
{
	units *reg = NULL;
	gen_model *m = NULL;
	size_t nd = nevents / 4 + 16, have = 0;
	int rc = -1;

	/* gen sizes by dossiers (about four events each): grow until the model has enough */
	for (int tries = 0; tries < 8; tries++) {
		if (load_model(c, label, nd, seed, &reg, &m, err, errlen))
			goto out;
		have = model_events(m);
		if (have >= nevents || nd >= GEN_MAX_DOSSIERS)
			break;
		gen_model_free(m);
		m = NULL;
		nd = (size_t)((double)nd * (double)nevents / (double)(have ? have : 1) * 1.05) + 16;
		if (nd > GEN_MAX_DOSSIERS)
			nd = GEN_MAX_DOSSIERS;
	}
	if (!m || have < nevents) {
		snprintf(err, errlen, "the model of %s gives only %zu events, fewer than %zu",
		         label, have, nevents);
		goto out;
	}
	rc = write_model(m, path, nevents, written, err, errlen);
out:
	gen_model_free(m);
	units_free(reg);
	return rc;
}

int bench_gen_dossiers(const conf *c, const char *label, size_t ndossiers, uint64_t seed,
                       const char *path, size_t *events, char *err, size_t errlen)
{
	units *reg = NULL;
	gen_model *m = NULL;
	int rc = -1;

	if (ndossiers > GEN_MAX_DOSSIERS) {
		snprintf(err, errlen, "at most %d dossiers", GEN_MAX_DOSSIERS);
		return -1;
	}
	if (!load_model(c, label, ndossiers, seed, &reg, &m, err, errlen))
		rc = write_model(m, path, 0, events, err, errlen);
	gen_model_free(m);
	units_free(reg);
	return rc;
}

/* Makes room for `more` bytes. Returns 0 or -1 (out of memory). */
static int grow(char **buf, size_t *len, size_t *cap, size_t more)
{
	size_t need = *len + more;

	if (need > *cap) {
		size_t nc = *cap ? *cap : 1 << 16;
		char *nb;

		while (nc < need)
			nc *= 2;
		if (!(nb = realloc(*buf, nc)))
			return -1;
		*buf = nb;
		*cap = nc;
	}
	return 0;
}

int bench_copy_escape(char **buf, size_t *len, size_t *cap, const char *s)
{
	if (grow(buf, len, cap, 2 * strlen(s) + 1))
		return -1;
	for (; *s; s++) {
		char e = *s == '\\'   ? '\\'
		         : *s == '\t' ? 't'
		         : *s == '\n' ? 'n'
		         : *s == '\r' ? 'r'
		                      : 0;

		if (e) {
			(*buf)[(*len)++] = '\\';
			(*buf)[(*len)++] = e;
		} else {
			(*buf)[(*len)++] = *s;
		}
	}
	return 0;
}

/* Appends fields separated by tabs, a NULL field as \N, then a newline. */
static int copy_row(char **buf, size_t *len, size_t *cap, const char *const *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (f[i] ? bench_copy_escape(buf, len, cap, f[i]) : grow(buf, len, cap, 3))
			return -1;
		if (!f[i]) {
			(*buf)[(*len)++] = '\\';
			(*buf)[(*len)++] = 'N';
		}
		(*buf)[(*len)++] = i + 1 < n ? '\t' : '\n';
	}
	return 0;
}

int bench_copy_text(const char *path, char **text, size_t *len, size_t *rows, char *err,
                    size_t errlen)
{
	FILE *f = fopen(path, "r");
	records_reader *rd = NULL;
	records_item it;
	char *buf = NULL;
	size_t n = 0, cap = 0, count = 0;
	int rc = -1, r;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (records_reader_open(f, path, RECORDS_JSONL, &rd, err, errlen))
		goto out;
	while ((r = records_reader_next(rd, &it, err, errlen)) == 1) {
		const Cchc__V1__Record *rec = it.record;
		char kind[8], chan[8];
		const char *fld[10];
		int ok;

		if (!rec) {
			snprintf(err, errlen, "%s:%lu: %s", path, it.line, it.error);
			records_item_clear(&it);
			goto out;
		}
		if (rec->event_case == CCHC__V1__RECORD__EVENT_DOSSIER) {
			const Cchc__V1__DossierEvent *d = rec->dossier;

			snprintf(kind, sizeof kind, "%d", (int)d->kind);
			snprintf(chan, sizeof chan, "%d", (int)d->channel);
			const char *v[10] = {d->event_id, "f",  d->office, d->dossier, d->procedure,
			                     d->field,    kind, chan,      d->at,      d->due};
			memcpy(fld, v, sizeof v);
		} else {
			const Cchc__V1__FeedbackEvent *e = rec->feedback;

			snprintf(kind, sizeof kind, "%d", (int)e->kind);
			snprintf(chan, sizeof chan, "%d", (int)e->topic);
			const char *v[10] = {e->event_id, "t",  e->office, e->feedback, "",
			                     "",          kind, chan,      e->at,       NULL};
			memcpy(fld, v, sizeof v);
		}
		ok = !copy_row(&buf, &n, &cap, fld, 10);
		records_item_clear(&it);
		if (!ok) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		count++;
	}
	if (r < 0)
		goto out;
	*text = buf;
	*len = n;
	*rows = count;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	records_reader_close(rd);
	fclose(f);
	return rc;
}
