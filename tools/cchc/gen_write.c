/* gen_write: the JSONL of `cchc gen`. Lines leave in an arrival order, not event order, as offices
 * really push them: each event a few minutes late, some hours late, some receipts days late (so a
 * dossier's later events arrive first), then shuffled within small windows. Every event id, dossier
 * and feedback code carries the data set's segment (gen_model.set_id). */
#include "gen.h"
#include "gen_rng.h"

#include <stdlib.h>
#include <string.h>

#define ARRIVAL_WINDOW 64
#define MINUTE_MS      60000LL
#define HOUR_MS        3600000LL
#define DAY_MS         86400000LL

typedef struct arrival {
	int64_t key;  /* when it reaches ingest */
	uint32_t idx; /* dossier or feedback index */
	uint8_t n;    /* event index within the item */
	uint8_t fb;   /* 1 for feedback */
} arrival;

static int arrival_cmp(const void *a, const void *b)
{
	const arrival *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->fb != y->fb)
		return x->fb - y->fb;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return x->n - y->n;
}

static int64_t arrival_delay(gen_rng *g)
{
	double u = gen_rng_double(g);
	if (u < 0.02)
		return (int64_t)(1 + gen_rng_below(g, 12 * 60)) * MINUTE_MS;
	return (int64_t)gen_rng_below(g, 600) * 1000;
}

/* Agency part of dossier codes, per unit: "000.00.00.H57" for the province centre,
 * "000.00.NN.H57" for district NN, "000.CC.NN.H57" for commune CC of district NN. */
typedef struct agency {
	char code[48];
} agency;

static agency *agencies(const gen_model *m)
{
	agency *a = calloc(m->nunits ? m->nunits : 1, sizeof *a);
	if (!a)
		return NULL;
	const char *province = m->units[m->scope]->code;
	char tag[16];
	snprintf(tag, sizeof tag, "%s", !strcmp(province, "46") ? "H57" : province);
	int district = 0;
	for (size_t i = 0; i < m->nunits; i++) {
		const unit *u = m->units[i];
		if (u->level == 1) {
			snprintf(a[i].code, sizeof a[i].code, "000.00.00.%s", tag);
		} else if (u->level == 2) {
			snprintf(a[i].code, sizeof a[i].code, "000.00.%02d.%s",
			         (20 + ++district) % 100, tag);
		} else {
			int dn = 0, cn = 0;
			for (size_t j = 0; j < m->nunits; j++) /* parent's number, own number */
				if (m->units[j]->level == 2) {
					dn++;
					if (!strcmp(m->units[j]->code, u->parent))
						break;
				}
			for (size_t j = 0; j < i; j++)
				if (!strcmp(m->units[j]->parent, u->parent))
					cn++;
			snprintf(a[i].code, sizeof a[i].code, "000.%02d.%02d.%s", (cn + 1) % 100,
			         (20 + dn) % 100, tag);
		}
	}
	return a;
}

static int write_dossier_line(const gen_model *m, const agency *ag, char *buf, size_t len, size_t i,
                              const gen_event *e, size_t n)
{
	const gen_dossier *d = &m->dossiers[i];
	const unit *u = m->units[d->unit];
	const gen_field *fields;
	size_t nf;
	fields = gen_fields(&nf);
	const gen_field *f = &fields[d->field];
	int ymd = m->days[d->code_day].ymd;
	static const char *const ratings[] = {"", "very_satisfied", "satisfied", "unsatisfied"};
	char at[40], due[64] = "", channel[48] = "", rating[48] = "";
	gen_format_time(m, e->at, at, sizeof at);
	if (e->due != GEN_NONE) {
		char t[40];
		gen_format_time(m, e->due, t, sizeof t);
		snprintf(due, sizeof due, ",\"due\":\"%s\"", t);
	}
	if (e->kind == GEN_SUBMITTED || e->kind == GEN_RECEIVED)
		snprintf(channel, sizeof channel, ",\"channel\":\"%s\"",
		         gen_channel_name(e->kind == GEN_SUBMITTED ? GEN_ONLINE : d->channel));
	if (e->kind == GEN_RATED && e->rating >= 1 && e->rating <= 3)
		snprintf(rating, sizeof rating, ",\"rating\":\"%s\"", ratings[e->rating]);
	return snprintf(buf, len,
	                "{\"type\":\"dossier\",\"event_id\":\"%s-%s-%06u-%zu\",\"office\":\"%s\","
	                "\"dossier\":\"%s-%06d-%04u-%s\",\"procedure\":\"%s\",\"field\":\"%s\","
	                "\"kind\":\"%s\"%s%s,\"at\":\"%s\"%s}\n",
	                u->code, m->set_id, d->seq, n + 1, u->code, ag[d->unit].code, ymd % 1000000,
	                d->code_num, m->set_id, f->procedures[d->procedure].code, f->code,
	                gen_kind_name(e->kind), channel, rating, at, due);
}

static int write_feedback_line(const gen_model *m, char *buf, size_t len, size_t i,
                               const gen_event *e, size_t n)
{
	static const char *const kinds[] = {"received", "resolved", "published"};
	const gen_feedback *fb = &m->feedback[i];
	const unit *u = m->units[fb->unit];
	char at[40], topic[48] = "";
	gen_format_time(m, e->at, at, sizeof at);
	if (e->kind == GEN_FB_RECEIVED)
		snprintf(topic, sizeof topic, ",\"topic\":\"%s\"",
		         fb->topic == GEN_REGULATION ? "regulation" : "behavior");
	long day = gen_day_of(m, fb->received);
	int year = day >= 0 ? m->days[day].ymd / 10000 : m->per.year;
	return snprintf(
	    buf, len,
	    "{\"type\":\"feedback\",\"event_id\":\"%s-pakn-%s-%u-%zu\",\"office\":\"%s\","
	    "\"feedback\":\"PAKN-%d-%s-%04u\",\"kind\":\"%s\"%s,\"at\":\"%s\"}\n",
	    u->code, m->set_id, fb->seq, n + 1, u->code, year, m->set_id, fb->seq, kinds[e->kind],
	    topic, at);
}

int gen_write_jsonl(const gen_model *m, FILE *f)
{
	gen_event ev[GEN_MAX_EVENTS];
	size_t total = 0;
	for (size_t i = 0; i < m->ndossiers; i++)
		total += gen_dossier_events(m, i, ev);
	for (size_t i = 0; i < m->nfeedback; i++)
		total += gen_feedback_events(m, i, ev);

	arrival *a = malloc((total ? total : 1) * sizeof *a);
	agency *ag = agencies(m);
	if (!a || !ag) {
		free(a);
		free(ag);
		return -1;
	}
	gen_rng g;
	gen_rng_seed(&g, m->seed ^ 0x6172726976616c73ULL);
	size_t k = 0;
	for (size_t i = 0; i < m->ndossiers; i++) {
		size_t n = gen_dossier_events(m, i, ev);
		for (size_t j = 0; j < n; j++) {
			int64_t key = ev[j].at + arrival_delay(&g);
			if (ev[j].kind == GEN_RECEIVED &&
			    (m->dossiers[i].flags & GEN_F_LATE_RECEIVED))
				key += (int64_t)(1 + gen_rng_below(&g, 3 * 24)) * HOUR_MS + DAY_MS;
			a[k++] = (arrival){key, (uint32_t)i, (uint8_t)j, 0};
		}
	}
	for (size_t i = 0; i < m->nfeedback; i++) {
		size_t n = gen_feedback_events(m, i, ev);
		for (size_t j = 0; j < n; j++)
			a[k++] =
			    (arrival){ev[j].at + arrival_delay(&g), (uint32_t)i, (uint8_t)j, 1};
	}
	qsort(a, total, sizeof *a, arrival_cmp);
	for (size_t w = 0; w < total; w += ARRIVAL_WINDOW) {
		size_t len = total - w < ARRIVAL_WINDOW ? total - w : ARRIVAL_WINDOW;
		for (size_t i = len; i > 1; i--) {
			size_t j = (size_t)gen_rng_below(&g, i);
			arrival t = a[w + i - 1];
			a[w + i - 1] = a[w + j];
			a[w + j] = t;
		}
	}

	char line[1024];
	int rc = 0;
	for (size_t i = 0; i < total && !rc; i++) {
		int len;
		if (a[i].fb) {
			gen_feedback_events(m, a[i].idx, ev);
			len = write_feedback_line(m, line, sizeof line, a[i].idx, &ev[a[i].n],
			                          a[i].n);
		} else {
			gen_dossier_events(m, a[i].idx, ev);
			len = write_dossier_line(m, ag, line, sizeof line, a[i].idx, &ev[a[i].n],
			                         a[i].n);
		}
		if (len < 0 || (size_t)len >= sizeof line ||
		    fwrite(line, 1, (size_t)len, f) != (size_t)len)
			rc = -1;
	}
	free(a);
	free(ag);
	return rc;
}
