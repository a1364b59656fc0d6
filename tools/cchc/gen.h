/* gen: the synthetic-record generator behind `cchc gen` (docs/design.md §11). A seeded model of one
 * period's dossiers and feedback items kept as plain ground-truth structs; their events as JSONL in
 * a shuffled arrival order; and the figures of docs/design.md §6 they must produce, recomputed from
 * the structs alone. */
#ifndef CCHC_GEN_H
#define CCHC_GEN_H

#include "period.h"
#include "units.h"
#include "workdays.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GEN_NONE INT64_MIN /* an instant that never happened */

/* Event kinds in the contract's order, which is also the tie order of docs/design.md §4. */
typedef enum gen_kind {
	GEN_SUBMITTED,
	GEN_RECEIVED,
	GEN_SUPPLEMENT_REQUESTED,
	GEN_SUPPLEMENT_RECEIVED,
	GEN_EXTENDED,
	GEN_RESOLVED,
	GEN_RETURNED,
	GEN_WITHDRAWN,
	GEN_DELIVERED,
	GEN_PAID_ONLINE,
	GEN_DIGITIZED,
	GEN_RATED,
	GEN_KIND_COUNT,
	GEN_KIND_NONE = 0xff
} gen_kind;

typedef enum gen_channel { GEN_DIRECT, GEN_ONLINE, GEN_POSTAL } gen_channel;

/* The ratings of docs/design.md §16, numbered as the contract's (records.proto Rating): of two
 * given at the same instant the higher number counts. */
typedef enum gen_rating {
	GEN_RATING_NONE,
	GEN_VERY_SATISFIED,
	GEN_SATISFIED,
	GEN_UNSATISFIED
} gen_rating;

/* A feedback item's answer is due within this many working days after the day it was received
 * (docs/design.md §16; Quyết định 766's indicator "PAKN xử lý đúng hạn"). */
#define GEN_FEEDBACK_WORKDAYS 15

typedef enum gen_fb_kind { GEN_FB_RECEIVED, GEN_FB_RESOLVED, GEN_FB_PUBLISHED } gen_fb_kind;
typedef enum gen_topic { GEN_REGULATION, GEN_BEHAVIOR } gen_topic;

/* Dossier flags (gen_dossier.flags). */
#define GEN_F_LATE_RECEIVED 0x01 /* its `received` arrives days after its later events */
#define GEN_F_ORPHAN        0x02 /* events without any `received` or `submitted`: counts nowhere */

/* The ground truth of one dossier. Every instant is Unix ms or GEN_NONE; `due` is the due set by
 * `received`, `supp_due` by `supplement_received`, `ext_due` by `extended`. A dossier with
 * `submitted` and `finish_kind` GEN_RETURNED but no `received` was not accepted. */
typedef struct gen_dossier {
	uint32_t unit;       /* index into gen_model.units */
	uint32_t seq;        /* per office, from 1: the event_id's middle part */
	uint32_t code_num;   /* per office and day of the code's date: the dossier code's tail */
	uint16_t code_day;   /* day-table index of the dossier code's date */
	uint16_t field;      /* index into gen_fields() */
	uint16_t procedure;  /* index into the field's procedures */
	uint8_t channel;     /* gen_channel */
	uint8_t finish_kind; /* GEN_RESOLVED, GEN_RETURNED, GEN_WITHDRAWN or GEN_KIND_NONE */
	uint8_t
	    finish2_kind; /* a later, second finishing event (listed by `cchc check`), or NONE */
	uint8_t flags;
	int64_t submitted, received, due;
	int64_t supp_requested, supp_received, supp_due;
	int64_t extended, ext_due;
	int64_t finish, finish2;
	int64_t delivered, paid_online, digitized;
	/* the citizen's ratings: a first one and a rarer second (re-rating), GEN_NONE when not
	 * given; the dossier's rating is the later of those written (docs/design.md §16) */
	int64_t rated, rerated;
	uint8_t rating, rerating; /* gen_rating */
} gen_dossier;

typedef struct gen_feedback {
	uint32_t unit;
	uint32_t seq;  /* global, from 1 */
	uint8_t topic; /* gen_topic */
	/* drawn at a deadline's edge: the deadline is the last working day before a weekend (1) or
	 * a holiday (2), and the answer falls next to it on one side or the other; 0 otherwise */
	uint8_t edge;
	int64_t received, resolved, published;
	/* local midnight after the last day of the answer's deadline, GEN_FEEDBACK_WORKDAYS working
	 * days after the day of `received` (the model's own day table) */
	int64_t deadline_end;
} gen_feedback;

typedef struct gen_procedure {
	const char *code; /* national TTHC code, e.g. 1.001193 */
	int days;         /* working days from receipt to due */
} gen_procedure;

typedef struct gen_field {
	const char *code;
	const char *name;
	int weight[3]; /* relative frequency at province, district, commune offices */
	const gen_procedure *procedures;
	size_t nprocedures;
} gen_field;

const gen_field *gen_fields(size_t *count);

/* One local calendar day of the model's time table. */
typedef struct gen_day {
	int64_t start_ms; /* local 00:00 */
	int ymd;          /* yyyymmdd */
	int wday;         /* 0 Sunday */
	int working;      /* 1 on a working day (the calendar of days off, lib/workdays.h) */
	long gmtoff;      /* seconds east of UTC at local 00:00 */
} gen_day;

typedef struct gen_model {
	period per;
	const units *reg; /* the registry the units come from (borrowed) */
	char set_id[9];   /* 8 hex digits from seed, period and size: in every event id and code */
	int64_t horizon_ms;  /* events at or after this are not written: still ahead at export */
	int64_t earliest_ms; /* no event before this: when the period's units became valid */
	const unit **units;  /* the registry's units valid in the period (borrowed) */
	size_t nunits;
	size_t scope; /* index of the province unit */
	gen_dossier *dossiers;
	size_t ndossiers;
	gen_feedback *feedback;
	size_t nfeedback;
	gen_day *days; /* ndays + 1 entries: the last one only bounds the one before */
	size_t ndays;
	uint64_t seed;
} gen_model;

/* Builds the model for `per` from the registry `reg` (which must outlive the model), its working
 * days from `cal` (NULL: weekends only). Returns 0, or -1 with a message in err. The process time
 * zone must already be set (service_set_timezone). */
int gen_model_build(const units *reg, const workdays *cal, const period *per, size_t ndossiers,
                    uint64_t seed, gen_model **out, char *err, size_t errlen);
void gen_model_free(gen_model *m);

/* One event of a dossier or feedback item, derived from its ground truth. */
typedef struct gen_event {
	int64_t at;
	int64_t due;    /* GEN_NONE unless received / supplement_received / extended */
	uint8_t kind;   /* gen_kind, or gen_fb_kind for feedback */
	uint8_t rating; /* gen_rating of a GEN_RATED event, else 0 */
} gen_event;

#define GEN_MAX_EVENTS 16

/* The events of dossier i that are written (at < horizon), in event order (by `at`, ties by kind).
 * Returns their count. */
size_t gen_dossier_events(const gen_model *m, size_t i, gen_event out[GEN_MAX_EVENTS]);
size_t gen_feedback_events(const gen_model *m, size_t i, gen_event out[GEN_MAX_EVENTS]);

const char *gen_kind_name(int kind);
const char *gen_channel_name(int channel);

/* Formats `ms` as local RFC 3339 with its offset ("2024-01-05T08:15:00+07:00"); buf >= 32 bytes. */
void gen_format_time(const gen_model *m, int64_t ms, char *buf, size_t len);

/* Writes every event as JSONL, in an arrival order that differs from event order (late and
 * out-of-order lines, shuffled windows), reproducible from the model's seed. Returns 0 or -1. */
int gen_write_jsonl(const gen_model *m, FILE *f);

/* The figures of docs/design.md §6 and §16, keys in the contract's order. */
typedef struct gen_figures {
	int64_t carried_over, received, received_online, received_direct, received_postal;
	int64_t resolved, resolved_early, resolved_on_time, resolved_late, intake;
	int64_t returned, withdrawn, pending, pending_within_due, pending_overdue;
	int64_t waiting, not_accepted, paid_online, digitized;
	int64_t rated, rated_satisfied, rated_unsatisfied, rated_unsatisfied_late;
} gen_figures;

typedef struct gen_fb_figures {
	int64_t carried_over, received, about_regulation, about_behavior, resolved, published,
	    pending, resolved_on_time, pending_within_due;
} gen_fb_figures;

typedef struct gen_truth {
	gen_figures all;
	gen_figures level[3]; /* province, district, commune */
	gen_figures *units;   /* nunits, the office's own dossiers */
	gen_figures *fields;  /* one per gen_fields() entry */
	size_t nunits, nfields;
	gen_fb_figures feedback;          /* the scope's */
	gen_fb_figures level_feedback[3]; /* by the level of the office */
	gen_fb_figures *unit_feedback;    /* nunits, each office's own */
} gen_truth;

/* Recomputes the figures of the model's period from the ground-truth structs (never from events).
 */
int gen_truth_compute(const gen_model *m, gen_truth *t);
void gen_truth_free(gen_truth *t);
/* Writes the truth as JSON in the layout of `cchc report --format json` (docs/design.md §7). */
int gen_truth_write(const gen_model *m, const gen_truth *t, FILE *f);

/* The truth of another period `p` from the same records (`cchc gen --truth-period`). Only what was
 * written counts: an instant at or after the horizon is treated as never having happened, so a
 * later period sees the dossiers still open that the data leaves open. */
int gen_truth_compute_period(const gen_model *m, const period *p, gen_truth *t);
int gen_truth_write_period(const gen_model *m, const period *p, const gen_truth *t, FILE *f);
/* 0 if the truth of `p` can be exact: its report is on the model's units (the registry's units
 * valid at p's end are exactly the model's). Else -1 with the reason in err. */
int gen_truth_period_check(const gen_model *m, const period *p, char *err, size_t errlen);

/* The resolved class of docs/design.md §4 for a resolution at `at` with due `due`: GEN_CLASS_*. */
enum { GEN_CLASS_EARLY, GEN_CLASS_ON_TIME, GEN_CLASS_LATE };
int gen_resolved_class(const gen_model *m, int64_t at, int64_t due);

/* Index into m->days of the local day holding `ms`, or -1 outside the table. */
long gen_day_of(const gen_model *m, int64_t ms);

#endif
