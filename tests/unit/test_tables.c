/* test_tables: the form II.06a table model (services/export/tables.c) built from a QueryReply made
 * by hand, its refusals when a figure does not add up, and the CSV text drawn from it; and the
 * national scope's model, tables and JSON (by province, docs/design.md §15; its satisfaction
 * table and 766 index, §16). Level and scope rows
 * here are summed by the test itself, independently of tables.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "index766.h"
#include "model.h"
#include "render.h"
#include "service.h"
#include "tables.h"
#include "vnfmt.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a QueryReply in memory ---- */

#define MAXROWS 32

typedef struct fixture {
	Cchc__V1__QueryReply q;
	Cchc__V1__FigureRow rows[MAXROWS];
	Cchc__V1__FigureRow *ptrs[MAXROWS];
	Cchc__V1__DossierFigures figs[MAXROWS];
	Cchc__V1__FeedbackFigures fb;
	figures f;
	period p;
	render_input in;
} fixture;

/* Consistent figures from a seed: every identity of docs/design.md §6 holds. */
static void fill(Cchc__V1__DossierFigures *d, int s)
{
	d->carried_over = 3 * s + 1;
	d->received_online = 50 * s + 7;
	d->received_direct = 20 * s + 3;
	d->received_postal = s;
	d->received = d->received_online + d->received_direct + d->received_postal;
	d->intake = d->carried_over + d->received;
	d->resolved_early = 30 * s + 2;
	d->resolved_on_time = 25 * s + 1;
	d->resolved_late = 2 * s;
	d->resolved = d->resolved_early + d->resolved_on_time + d->resolved_late;
	d->returned = s % 3;
	d->withdrawn = s % 2;
	d->pending = d->intake - d->resolved - d->returned - d->withdrawn;
	d->pending_overdue = d->pending / 4;
	d->pending_within_due = d->pending - d->pending_overdue;
	d->waiting = s;
	d->rated_satisfied = 10 * s + 2;
	d->rated_unsatisfied = s % 4;
	d->rated = d->rated_satisfied + d->rated_unsatisfied;
}

static void add(Cchc__V1__DossierFigures *to, const Cchc__V1__DossierFigures *d)
{
	to->carried_over += d->carried_over;
	to->received += d->received;
	to->received_online += d->received_online;
	to->received_direct += d->received_direct;
	to->received_postal += d->received_postal;
	to->intake += d->intake;
	to->resolved += d->resolved;
	to->resolved_early += d->resolved_early;
	to->resolved_on_time += d->resolved_on_time;
	to->resolved_late += d->resolved_late;
	to->pending += d->pending;
	to->pending_within_due += d->pending_within_due;
	to->pending_overdue += d->pending_overdue;
	to->returned += d->returned;
	to->withdrawn += d->withdrawn;
	to->rated += d->rated;
	to->rated_satisfied += d->rated_satisfied;
	to->rated_unsatisfied += d->rated_unsatisfied;
}

static Cchc__V1__FigureRow *row(fixture *x, const char *group, const char *key, const char *name,
                                int level, const char *parent, int seed)
{
	size_t i = x->q.n_rows++;
	assert_true(i < MAXROWS);
	Cchc__V1__FigureRow *r = &x->rows[i];
	cchc__v1__figure_row__init(r);
	cchc__v1__dossier_figures__init(&x->figs[i]);
	r->group = (char *)group;
	r->key = (char *)key;
	r->name = (char *)name;
	r->parent = (char *)parent;
	if (level) {
		r->has_level = 1;
		r->level = level;
	}
	if (seed > 0)
		fill(&x->figs[i], seed);
	r->dossiers = &x->figs[i];
	x->ptrs[i] = r;
	return r;
}

static Cchc__V1__DossierFigures *figs_of(fixture *x, const char *group, const char *key)
{
	for (size_t i = 0; i < x->q.n_rows; i++)
		if (!strcmp(x->rows[i].group, group) && !strcmp(x->rows[i].key, key))
			return &x->figs[i];
	fail_msg("no row %s %s", group, key);
	return NULL;
}

/* Sets the "level" and "all" rows to the sums of the unit and field rows. */
static void sum_up(fixture *x)
{
	static const char *const key[] = {"", "province", "district", "commune"};
	for (size_t i = 0; i < x->q.n_rows; i++) {
		if (strcmp(x->rows[i].group, "unit"))
			continue;
		add(figs_of(x, "level", key[x->rows[i].level]), &x->figs[i]);
		add(figs_of(x, "all", ""), &x->figs[i]);
	}
}

static void init(fixture *x, const char *label)
{
	memset(x, 0, sizeof *x);
	cchc__v1__query_reply__init(&x->q);
	x->q.rows = x->ptrs;
	x->q.scope_name = "Tỉnh Thừa Thiên Huế";
	cchc__v1__feedback_figures__init(&x->fb);
	x->q.feedback = &x->fb;
	x->f.query = &x->q;
	char err[256];
	assert_int_equal(period_parse(label, &x->p, err, sizeof err), 0);
	x->in = (render_input){.period = &x->p, .scope = "46", .figures = &x->f};
	row(x, "all", "", NULL, 0, NULL, 0);
	row(x, "level", "province", NULL, 1, NULL, 0);
	row(x, "level", "district", NULL, 2, NULL, 0);
	row(x, "level", "commune", NULL, 3, NULL, 0);
}

/* Three levels; one commune with nothing at all; fields whose sum is the scope's. */
static void three_levels(fixture *x)
{
	init(x, "2024-Q1");
	row(x, "unit", "46", "Tỉnh Thừa Thiên Huế", 1, "", 5);
	row(x, "unit", "474", "Thành phố Huế", 2, "46", 4);
	row(x, "unit", "477", "Huyện Phong Điền", 2, "46", 2);
	row(x, "unit", "19750", "Phường Tây Lộc", 3, "474", 3);
	row(x, "unit", "19753", "Phường Thuận Lộc", 3, "474", 0);
	row(x, "unit", "19774", "Thị trấn Phong Điền", 3, "477", 1);
	sum_up(x);
	/* fields: hotich 6, datdai 5, an unknown code 4 -> the rest goes to "datdai" */
	Cchc__V1__FigureRow *h = row(x, "field", "hotich", NULL, 0, NULL, 6);
	Cchc__V1__FigureRow *u = row(x, "field", "khac123", NULL, 0, NULL, 4);
	Cchc__V1__FigureRow *d = row(x, "field", "datdai", NULL, 0, NULL, 0);
	row(x, "field", "xaydung", NULL, 0, NULL, 0); /* all zero: left out */
	/* datdai = all - hotich - khac123, column by column */
	Cchc__V1__DossierFigures *a = figs_of(x, "all", "");
	int64_t *dv[] = {&d->dossiers->carried_over,    &d->dossiers->received_online,
	                 &d->dossiers->received_direct, &d->dossiers->received_postal,
	                 &d->dossiers->resolved_early,  &d->dossiers->resolved_on_time,
	                 &d->dossiers->resolved_late,   &d->dossiers->pending_within_due,
	                 &d->dossiers->pending_overdue};
	const int64_t av[] = {a->carried_over,    a->received_online,    a->received_direct,
	                      a->received_postal, a->resolved_early,     a->resolved_on_time,
	                      a->resolved_late,   a->pending_within_due, a->pending_overdue};
	const int64_t hv[] = {h->dossiers->carried_over,    h->dossiers->received_online,
	                      h->dossiers->received_direct, h->dossiers->received_postal,
	                      h->dossiers->resolved_early,  h->dossiers->resolved_on_time,
	                      h->dossiers->resolved_late,   h->dossiers->pending_within_due,
	                      h->dossiers->pending_overdue};
	const int64_t uv[] = {u->dossiers->carried_over,    u->dossiers->received_online,
	                      u->dossiers->received_direct, u->dossiers->received_postal,
	                      u->dossiers->resolved_early,  u->dossiers->resolved_on_time,
	                      u->dossiers->resolved_late,   u->dossiers->pending_within_due,
	                      u->dossiers->pending_overdue};
	for (size_t i = 0; i < 9; i++)
		*dv[i] = av[i] - hv[i] - uv[i];
	Cchc__V1__DossierFigures *dd = d->dossiers;
	dd->received = dd->received_online + dd->received_direct + dd->received_postal;
	dd->intake = dd->carried_over + dd->received;
	dd->resolved = dd->resolved_early + dd->resolved_on_time + dd->resolved_late;
	dd->pending = dd->pending_within_due + dd->pending_overdue;
	for (size_t i = 0; i < 9; i++)
		assert_true(*dv[i] > 0);
	x->fb = (Cchc__V1__FeedbackFigures)CCHC__V1__FEEDBACK_FIGURES__INIT;
	x->fb.carried_over = 2;
	x->fb.received = 9;
	x->fb.about_regulation = 7;
	x->fb.about_behavior = 2;
	x->fb.resolved = 8;
	x->fb.published = 6;
	x->fb.pending = 3;
}

/* The 11 table values of docs/design.md §7 computed from a figures object, independently of
 * tables.c. */
static void expect(const Cchc__V1__DossierFigures *d, int64_t v[11])
{
	const int64_t e[11] = {d->carried_over + d->received,
	                       d->received_online,
	                       d->received_direct + d->received_postal,
	                       d->carried_over,
	                       d->resolved,
	                       d->resolved_early,
	                       d->resolved_on_time,
	                       d->resolved_late,
	                       d->pending,
	                       d->pending_within_due,
	                       d->pending_overdue};
	memcpy(v, e, sizeof e);
}

static void assert_values(const tables_row *r, const Cchc__V1__DossierFigures *d)
{
	int64_t e[11];
	expect(d, e);
	for (int c = 0; c < 11; c++)
		if (r->v[c] != e[c])
			fail_msg("row '%s' column (%d): %lld, expected %lld", r->label, c + 3,
			         (long long)r->v[c], (long long)e[c]);
}

/* ---- the model ---- */

static void test_header_lines(void **state)
{
	(void)state;
	fixture x;
	tables_set ts;
	char err[512];
	three_levels(&x);
	assert_int_equal(tables_build(&x.in, &ts, err, sizeof err), 0);
	assert_string_equal(ts.reporting_unit, "Đơn vị báo cáo: Tỉnh Thừa Thiên Huế");
	assert_string_equal(ts.period_line, "Kỳ báo cáo (Từ ngày 15/12/2023 đến ngày 14/03/2024)");
	const tables_table *t = &ts.t[TABLES_BY_LEVEL];
	assert_string_equal(t->title, "Tình hình, kết quả giải quyết TTHC");
	assert_string_equal(t->unit_of_count, "Đơn vị tính: Số hồ sơ TTHC");
	assert_int_equal(t->ncols, 13);
	assert_string_equal(t->cols[2].group, "Số hồ sơ nhận giải quyết");
	assert_string_equal(t->cols[5].name, "Từ kỳ trước");
	assert_string_equal(t->cols[6].group, "Số hồ sơ đã giải quyết");
	assert_string_equal(t->cols[9].name, "Quá hạn");
	assert_string_equal(t->cols[11].name, "Trong hạn");
	assert_null(t->cols[0].group);
	tables_free(&ts);

	init(&x, "2024-03");
	assert_int_equal(tables_build(&x.in, &ts, err, sizeof err), 0);
	assert_string_equal(ts.period_line, "Kỳ báo cáo (Từ ngày 15/02/2024 đến ngày 14/03/2024)");
	tables_free(&ts);
}

static void test_by_level(void **state)
{
	(void)state;
	fixture x;
	tables_set ts;
	char err[512];
	three_levels(&x);
	assert_int_equal(tables_build(&x.in, &ts, err, sizeof err), 0);
	const tables_table *t = &ts.t[TABLES_BY_LEVEL];
	assert_int_equal(t->nrows, 4);
	static const char *const label[] = {"Sở, ban, ngành", "Huyện, thị xã, thành phố",
	                                    "Xã, phường, thị trấn", "Tổng cộng"};
	static const char *const key[] = {"province", "district", "commune"};
	for (int i = 0; i < 3; i++) {
		assert_string_equal(t->rows[i].label, label[i]);
		assert_int_equal(t->rows[i].kind, TABLES_ROW_ITEM);
		assert_int_equal(atoi(t->rows[i].tt), i + 1);
		assert_values(&t->rows[i], figs_of(&x, "level", key[i]));
	}
	assert_string_equal(t->rows[3].label, label[3]);
	assert_int_equal(t->rows[3].kind, TABLES_ROW_TOTAL);
	assert_values(&t->rows[3], figs_of(&x, "all", ""));
	/* district = Thành phố Huế + Phong Điền, summed here */
	int64_t a[11], b[11];
	expect(figs_of(&x, "unit", "474"), a);
	expect(figs_of(&x, "unit", "477"), b);
	for (int c = 0; c < 11; c++)
		assert_int_equal(t->rows[1].v[c], a[c] + b[c]);
	tables_free(&ts);
}

static void test_by_unit(void **state)
{
	(void)state;
	fixture x;
	tables_set ts;
	char err[512];
	three_levels(&x);
	assert_int_equal(tables_build(&x.in, &ts, err, sizeof err), 0);
	const tables_table *t = &ts.t[TABLES_BY_UNIT];
	static const struct {
		tables_row_kind kind;
		const char *tt, *code, *label;
	} want[] = {
	    {TABLES_ROW_GROUP, "I", "province", "Sở, ban, ngành"},
	    {TABLES_ROW_ITEM, "1", "46", "Tỉnh Thừa Thiên Huế"},
	    {TABLES_ROW_GROUP, "II", "district", "Huyện, thị xã, thành phố"},
	    {TABLES_ROW_ITEM, "1", "474", "Thành phố Huế"},
	    {TABLES_ROW_ITEM, "2", "477", "Huyện Phong Điền"},
	    {TABLES_ROW_GROUP, "III", "commune", "Xã, phường, thị trấn"},
	    {TABLES_ROW_ITEM, "1", "19750", "Phường Tây Lộc (Thành phố Huế)"},
	    {TABLES_ROW_ITEM, "2", "19753", "Phường Thuận Lộc (Thành phố Huế)"},
	    {TABLES_ROW_ITEM, "3", "19774", "Thị trấn Phong Điền (Huyện Phong Điền)"},
	    {TABLES_ROW_TOTAL, "", "", "Tổng cộng"},
	};
	assert_int_equal(t->nrows, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < t->nrows; i++) {
		const tables_row *r = &t->rows[i];
		assert_int_equal(r->kind, want[i].kind);
		assert_string_equal(r->tt, want[i].tt);
		assert_string_equal(r->code, want[i].code);
		assert_string_equal(r->label, want[i].label);
		if (r->kind == TABLES_ROW_ITEM)
			assert_values(r, figs_of(&x, "unit", r->code));
		else if (r->kind == TABLES_ROW_GROUP)
			assert_values(r, figs_of(&x, "level", r->code));
		else
			assert_values(r, figs_of(&x, "all", ""));
	}
	/* the unit with nothing is listed, with zeros */
	for (int c = 0; c < 11; c++)
		assert_int_equal(t->rows[7].v[c], 0);
	tables_free(&ts);
}

static void test_by_field_and_feedback(void **state)
{
	(void)state;
	fixture x;
	tables_set ts;
	char err[512];
	three_levels(&x);
	assert_int_equal(tables_build(&x.in, &ts, err, sizeof err), 0);
	const tables_table *t = &ts.t[TABLES_BY_FIELD];
	assert_int_equal(t->nrows, 4); /* hotich, khac123, datdai, total; xaydung (zero) left out */
	assert_string_equal(t->rows[0].label, "Hộ tịch");
	assert_string_equal(t->rows[0].code, "hotich");
	assert_string_equal(t->rows[1].label, "khac123");
	assert_string_equal(t->rows[2].label, "Đất đai");
	assert_string_equal(t->rows[2].tt, "3");
	assert_values(&t->rows[2], figs_of(&x, "field", "datdai"));
	assert_values(&t->rows[3], figs_of(&x, "all", ""));
	assert_string_equal(model_field_name("laodong"), "Lao động, thương binh và xã hội");
	assert_null(model_field_name("khac123"));

	t = &ts.t[TABLES_FEEDBACK];
	assert_int_equal(t->nrows, 1);
	assert_int_equal(t->ncols, 10);
	assert_string_equal(t->rows[0].label, "Tỉnh Thừa Thiên Huế");
	const int64_t want[] = {11, 2, 9, 7, 2, 8, 6, 3};
	for (int c = 0; c < 8; c++)
		assert_int_equal(t->rows[0].v[c], want[c]);
	tables_free(&ts);
}

/* After 07/2025 there are no districts: the tables show the levels the structure has. */
static void test_two_tiers(void **state)
{
	(void)state;
	fixture x;
	tables_set ts;
	char err[512];
	init(&x, "2026-Q1");
	row(&x, "unit", "46", "Thành phố Huế", 1, "", 3);
	row(&x, "unit", "19750", "Phường Phú Xuân", 3, "46", 2);
	sum_up(&x);
	row(&x, "field", "hotich", NULL, 0, NULL, 0);
	*figs_of(&x, "field", "hotich") = *figs_of(&x, "all", "");
	assert_int_equal(tables_build(&x.in, &ts, err, sizeof err), 0);
	const tables_table *t = &ts.t[TABLES_BY_LEVEL];
	assert_int_equal(t->nrows, 3);
	assert_string_equal(t->rows[0].label, "Sở, ban, ngành");
	assert_string_equal(t->rows[1].label, "Xã, phường, thị trấn");
	assert_string_equal(t->rows[1].tt, "2");
	t = &ts.t[TABLES_BY_UNIT];
	assert_int_equal(t->nrows, 5);
	assert_string_equal(t->rows[2].tt, "II");
	/* the parent is the city, not a district: the name needs nothing after it */
	assert_string_equal(t->rows[3].label, "Phường Phú Xuân");
	assert_int_equal(ts.t[TABLES_BY_FIELD].nrows, 2);
	tables_free(&ts);
}

/* ---- refusals: each names the table and the row ---- */

static void refused(fixture *x, const char *needle1, const char *needle2)
{
	tables_set ts;
	char err[512] = "";
	assert_int_equal(tables_build(&x->in, &ts, err, sizeof err), -1);
	tables_free(&ts);
	if (!strstr(err, needle1) || !strstr(err, needle2))
		fail_msg("error '%s' does not name '%s' and '%s'", err, needle1, needle2);
	/* neither renderer draws it */
	render_output out = {0};
	assert_int_equal(render_csv(&x->in, &out, err, sizeof err), -1);
	assert_int_equal(render_xlsx(&x->in, &out, err, sizeof err), -1);
	render_output_free(&out);
}

static void test_refuses_row_arithmetic(void **state)
{
	(void)state;
	fixture x;
	three_levels(&x);
	figs_of(&x, "unit", "19750")->resolved_late += 1; /* (7) != (8)+(9)+(10) */
	refused(&x, "Phường Tây Lộc", "column (7)");

	three_levels(&x);
	figs_of(&x, "unit", "477")->received_postal += 2; /* (3) != (4)+(5)+(6) */
	refused(&x, "Huyện Phong Điền", "column (3)");

	three_levels(&x);
	figs_of(&x, "field", "hotich")->pending_overdue += 1; /* (11) != (12)+(13) */
	refused(&x, "theo-linh-vuc", "Hộ tịch");

	three_levels(&x);
	x.fb.about_behavior = 3; /* new != regulation + behaviour */
	refused(&x, "phan-anh-kien-nghi", "column (5)");
}

static void test_refuses_sums(void **state)
{
	(void)state;
	fixture x;
	Cchc__V1__DossierFigures *d;

	/* a level whose figures are not the sum of its units */
	three_levels(&x);
	d = figs_of(&x, "level", "district");
	d->carried_over += 1;
	d->intake += 1;
	d->pending += 1;
	d->pending_within_due += 1;
	d = figs_of(&x, "all", ""); /* so that the levels still add up to the scope */
	d->carried_over += 1;
	d->intake += 1;
	d->pending += 1;
	d->pending_within_due += 1;
	refused(&x, "theo-don-vi", "Huyện, thị xã, thành phố");

	/* the scope's total not the sum of its levels */
	three_levels(&x);
	d = figs_of(&x, "all", "");
	d->resolved_early += 1;
	d->resolved += 1;
	refused(&x, "Tổng cộng", "column (7)");

	/* fields that do not add up to the scope */
	three_levels(&x);
	d = figs_of(&x, "field", "datdai");
	d->received_online -= 1;
	d->intake -= 1;
	refused(&x, "theo-linh-vuc", "Tổng cộng");

	/* figures with no field row at all */
	init(&x, "2024-Q1");
	row(&x, "unit", "46", "Tỉnh Thừa Thiên Huế", 1, "", 2);
	sum_up(&x);
	refused(&x, "theo-linh-vuc", "Tổng cộng");
}

/* ---- the CSV text ---- */

static const render_file *file_named(const render_output *o, const char *name)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->files[i].name, name))
			return &o->files[i];
	fail_msg("no file %s", name);
	return NULL;
}

/* Line n (0-based) of a CSV file, without CRLF. */
static void csv_line(const render_file *f, int n, char *out, size_t len)
{
	const char *p = (const char *)f->data, *end = p + f->len;
	for (int i = 0; i < n; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		assert_non_null(nl);
		p = nl + 1;
	}
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	assert_non_null(nl);
	assert_true(nl > p && nl[-1] == '\r');
	size_t n2 = (size_t)(nl - 1 - p);
	assert_true(n2 < len);
	memcpy(out, p, n2);
	out[n2] = 0;
}

static void test_csv(void **state)
{
	(void)state;
	fixture x;
	render_output out = {0};
	char err[512], line[1024], want[1024];
	three_levels(&x);
	assert_int_equal(render_csv(&x.in, &out, err, sizeof err), 0);
	assert_int_equal(out.n, 5);
	const render_file *lv = file_named(&out, "-theo-cap.csv");
	file_named(&out, "-theo-don-vi.csv");
	file_named(&out, "-theo-linh-vuc.csv");
	const render_file *fb = file_named(&out, "-phan-anh-kien-nghi.csv");
	assert_memory_equal(lv->data, "\xEF\xBB\xBF", 3);
	csv_line(lv, 0, line, sizeof line);
	assert_string_equal(
	    line + 3,
	    "TT,Mã,Cấp hành chính,Số hồ sơ nhận giải quyết - Tổng số,Số hồ sơ nhận giải quyết - "
	    "Trực tuyến,\"Số hồ sơ nhận giải quyết - Trực tiếp, dịch vụ bưu chính\",Số hồ sơ nhận "
	    "giải quyết - Từ kỳ trước,Số hồ sơ đã giải quyết - Tổng số,Số hồ sơ đã giải quyết - "
	    "Trước hạn,Số hồ sơ đã giải quyết - Đúng hạn,Số hồ sơ đã giải quyết - Quá hạn,Số hồ sơ "
	    "đang giải quyết - Tổng số,Số hồ sơ đang giải quyết - Trong hạn,Số hồ sơ đang giải "
	    "quyết - Quá hạn");
	/* the province row, from the figures directly */
	int64_t e[11];
	expect(figs_of(&x, "level", "province"), e);
	int n = snprintf(want, sizeof want, "1,province,\"Sở, ban, ngành\"");
	for (int c = 0; c < 11; c++)
		n += snprintf(want + n, sizeof want - (size_t)n, ",%lld", (long long)e[c]);
	csv_line(lv, 1, line, sizeof line);
	assert_string_equal(line, want);
	expect(figs_of(&x, "all", ""), e);
	n = snprintf(want, sizeof want, ",,Tổng cộng");
	for (int c = 0; c < 11; c++)
		n += snprintf(want + n, sizeof want - (size_t)n, ",%lld", (long long)e[c]);
	csv_line(lv, 4, line, sizeof line);
	assert_string_equal(line, want);
	assert_null(memchr(lv->data, 0, lv->len));

	csv_line(fb, 0, line, sizeof line);
	assert_non_null(strstr(line, "\"Số phản ánh, kiến nghị tiếp nhận - Tổng số\""));
	csv_line(fb, 1, line, sizeof line);
	assert_string_equal(line, ",46,Tỉnh Thừa Thiên Huế,11,2,9,7,2,8,6,3");
	/* the ratings: the rate with a decimal point, as a spreadsheet reads a number */
	const render_file *hl = file_named(&out, "-hai-long.csv");
	csv_line(hl, 0, line, sizeof line);
	assert_string_equal(
	    line + 3, "TT,Mã,Đơn vị,\"Số hồ sơ đã giải quyết xong (có kết quả, trả lại, rút)\","
	              "Số hồ sơ được đánh giá - Tổng số,\"Số hồ sơ được đánh giá - Rất hài "
	              "lòng, hài lòng\",Số hồ sơ được đánh giá - Không hài lòng,Tỷ lệ hài lòng "
	              "(%)");
	csv_line(hl, 2, line, sizeof line); /* 46, seed 5: 288 resolved, 2 returned, 1 withdrawn */
	assert_string_equal(line, "1,46,Tỉnh Thừa Thiên Huế,291,53,52,1,98.11");
	render_output_free(&out);
}

/* docs/design.md §16: the satisfaction table by level and unit adds up like form II.06a's, with
 * the rate the model rounded and none without a rating; one that does not add up is refused. */
static void test_satisfaction(void **state)
{
	(void)state;
	fixture x;
	tables_set ts;
	char err[512];
	three_levels(&x);
	assert_int_equal(tables_build(&x.in, &ts, err, sizeof err), 0);
	const tables_table *t = &ts.t[TABLES_SATISFACTION];
	assert_string_equal(t->id, "hai-long");
	assert_int_equal(t->ncols, 7);
	assert_true(t->cols[6].percent);
	assert_int_equal(t->nrows, 3 + 6 + 1); /* three level headings, six units, the total */
	const tables_row *total = &t->rows[t->nrows - 1];
	const Cchc__V1__DossierFigures *a = figs_of(&x, "all", "");
	assert_int_equal(total->kind, TABLES_ROW_TOTAL);
	assert_int_equal(total->v[0], a->resolved + a->returned + a->withdrawn);
	assert_int_equal(total->v[1], a->rated);
	assert_int_equal(total->v[2], a->rated_satisfied);
	assert_int_equal(total->v[3], a->rated_unsatisfied);
	assert_int_equal(total->v[4], (10000 * a->rated_satisfied + a->rated / 2) / a->rated);
	assert_string_equal(t->rows[1].code, "46"); /* I, then the province's own unit */
	tables_free(&ts);
	/* nothing rated in a commune: no rate there; the sums still hold */
	Cchc__V1__DossierFigures *c = figs_of(&x, "unit", "19753");
	Cchc__V1__DossierFigures *rows[] = {figs_of(&x, "level", "commune"),
	                                    figs_of(&x, "all", "")};
	for (int i = 0; i < 2; i++) {
		rows[i]->rated -= c->rated;
		rows[i]->rated_satisfied -= c->rated_satisfied;
		rows[i]->rated_unsatisfied -= c->rated_unsatisfied;
	}
	c->rated = c->rated_satisfied = c->rated_unsatisfied = 0;
	assert_int_equal(tables_build(&x.in, &ts, err, sizeof err), 0);
	char text[32];
	t = &ts.t[TABLES_SATISFACTION];
	for (size_t i = 0; i < t->nrows; i++)
		if (!strcmp(t->rows[i].code, "19753")) {
			assert_int_equal(t->rows[i].v[4], 0);
			/* as a person reads it: no rate, not 0 % */
			tables_cell_text(t, &t->rows[i], 6, text, sizeof text);
			assert_string_equal(text, "-");
		}
	tables_cell_text(t, &t->rows[t->nrows - 1], 6, text, sizeof text);
	assert_non_null(strstr(text, ",")); /* 94,57% */
	assert_non_null(strstr(text, "%"));
	char count[32];
	tables_cell_text(t, &t->rows[t->nrows - 1], 3, text, sizeof text);
	vnfmt_count(t->rows[t->nrows - 1].v[1], count, sizeof count);
	assert_string_equal(text, count);
	tables_free(&ts);
	/* ratings that do not add up: refused, naming the row */
	c->rated = 3;
	assert_int_equal(tables_build(&x.in, &ts, err, sizeof err), -1);
	assert_non_null(strstr(err, "table hai-long"));
	assert_non_null(strstr(err, "Phường Thuận Lộc"));
	tables_free(&ts);
}

/* A label with a quote is quoted and the quote doubled (RFC 4180). */
static void test_csv_quoting(void **state)
{
	(void)state;
	fixture x;
	render_output out = {0};
	char err[512], line[1024];
	init(&x, "2024-Q1");
	row(&x, "unit", "46", "Tỉnh \"A\", B", 1, "", 1);
	sum_up(&x);
	row(&x, "field", "hotich", NULL, 0, NULL, 0);
	*figs_of(&x, "field", "hotich") = *figs_of(&x, "all", "");
	assert_int_equal(render_csv(&x.in, &out, err, sizeof err), 0);
	csv_line(file_named(&out, "-theo-don-vi.csv"), 2, line, sizeof line);
	assert_non_null(strstr(line, "1,46,\"Tỉnh \"\"A\"\", B\","));
	render_output_free(&out);
}

/* The XLSX is a zip container with one file; its cells are read back in the integration test. */
static void test_xlsx_container(void **state)
{
	(void)state;
	fixture x;
	render_output out = {0};
	char err[512];
	three_levels(&x);
	assert_int_equal(render_xlsx(&x.in, &out, err, sizeof err), 0);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.files[0].name, ".xlsx");
	assert_true(out.files[0].len > 1000);
	assert_memory_equal(out.files[0].data, "PK\x03\x04", 4);
	render_output_free(&out);
}

/* ---- the national scope VN (docs/design.md §15) ---- */

/* Every figure of from added to to (add() above sums the form's columns only). */
static void add_every(Cchc__V1__DossierFigures *to, const Cchc__V1__DossierFigures *from)
{
	const ProtobufCMessageDescriptor *md = &cchc__v1__dossier_figures__descriptor;
	for (unsigned i = 0; i < md->n_fields; i++)
		*(int64_t *)(void *)((char *)to + md->fields[i].offset) +=
		    *(const int64_t *)(const void *)((const char *)from + md->fields[i].offset);
}

typedef struct national_fixture {
	fixture x;
	Cchc__V1__ProvinceSource src[2], *srcp[2];
	Cchc__V1__FeedbackFigures fb[2];
} national_fixture;

/* Province 46 with its three levels, closed; province 48 with two levels and some dossiers of an
 * office of no known level, its figures now; the national rows their sums, as stats makes them. */
static void national(national_fixture *n)
{
	fixture *x = &n->x;
	init(x, "2024-Q1");
	x->q.scope_name = "Toàn quốc";
	x->in.scope = "VN";
	Cchc__V1__FigureRow *p46 = row(x, "province", "46", "Tỉnh Thừa Thiên Huế", 1, "", 0);
	Cchc__V1__FigureRow *p48 = row(x, "province", "48", "Thành phố Đà Nẵng", 1, "", 0);
	static const struct {
		const char *province, *level;
		int lv, seed;
	} lv[] = {{"46", "province", 1, 5},
	          {"46", "district", 2, 4},
	          {"46", "commune", 3, 3},
	          {"48", "province", 1, 2},
	          {"48", "district", 2, 6}};
	for (size_t i = 0; i < sizeof lv / sizeof lv[0]; i++) {
		Cchc__V1__FigureRow *r = row(x, "province_level", lv[i].level, NULL, lv[i].lv,
		                             lv[i].province, lv[i].seed);
		add_every(!strcmp(lv[i].province, "46") ? p46->dossiers : p48->dossiers,
		          r->dossiers);
		add_every(figs_of(x, "level", lv[i].level), r->dossiers);
	}
	Cchc__V1__DossierFigures unknown = CCHC__V1__DOSSIER_FIGURES__INIT;
	fill(&unknown, 1); /* an office the registry does not know: in 48's total only */
	add_every(p48->dossiers, &unknown);
	add_every(figs_of(x, "all", ""), p46->dossiers);
	add_every(figs_of(x, "all", ""), p48->dossiers);
	Cchc__V1__FigureRow *f = row(x, "field", "hotich", NULL, 0, NULL, 0);
	*f->dossiers = *figs_of(x, "all", "");
	static const char *const code[] = {"46", "48"}, *const name[] = {"Tỉnh Thừa Thiên Huế",
	                                                                 "Thành phố Đà Nẵng"};
	for (int i = 0; i < 2; i++) {
		cchc__v1__province_source__init(&n->src[i]);
		cchc__v1__feedback_figures__init(&n->fb[i]);
		n->fb[i].carried_over = 1 + i;
		n->fb[i].received = 5 + i;
		n->fb[i].about_regulation = 4;
		n->fb[i].about_behavior = 1 + i;
		n->fb[i].resolved = 5;
		n->fb[i].published = 3;
		n->fb[i].pending = 1 + 2 * i;
		n->fb[i].resolved_on_time = 4 - i;
		n->fb[i].pending_within_due = i;
		n->src[i].code = (char *)code[i];
		n->src[i].name = (char *)name[i];
		n->src[i].has_has_data = 1;
		n->src[i].has_data = 1;
		n->src[i].feedback = &n->fb[i];
		n->srcp[i] = &n->src[i];
		x->fb.carried_over += n->fb[i].carried_over;
		x->fb.received += n->fb[i].received;
		x->fb.about_regulation += n->fb[i].about_regulation;
		x->fb.about_behavior += n->fb[i].about_behavior;
		x->fb.resolved += n->fb[i].resolved;
		x->fb.published += n->fb[i].published;
		x->fb.pending += n->fb[i].pending;
		x->fb.resolved_on_time += n->fb[i].resolved_on_time;
		x->fb.pending_within_due += n->fb[i].pending_within_due;
	}
	/* 46 closed on 15/03/2024 10:00 local, version 2; 48 current to 20/03/2024 08:30 local */
	n->src[0].closed_version = 2;
	n->src[0].closed_ms = 1710471600000;
	n->src[0].closed_by = "so-noi-vu";
	n->src[1].current_ms = 1710898200000;
	x->q.provinces = n->srcp;
	x->q.n_provinces = 2;
}

static void test_national_model(void **state)
{
	(void)state;
	national_fixture n;
	report_model m;
	char err[256], src[160];
	national(&n);
	assert_int_equal(model_build(&n.x.f, "VN", &m, err, sizeof err), 0);
	assert_true(m.national);
	assert_int_equal(m.n_units, 0);
	assert_int_equal(m.n_provinces, 2);
	/* 46: its three levels; 48: its two, then the rest of its total (no known level) */
	assert_int_equal(m.provinces[0].n_levels, 3);
	assert_int_equal(m.provinces[1].n_levels, 3);
	assert_int_equal(m.provinces[1].levels[2].level, 0);
	assert_int_equal(m.provinces[1].levels[2].row.d.received, 1 * 50 + 7 + 1 * 20 + 3 + 1);
	/* nationally: the three levels, and the unknown office's dossiers as a level of their own
	 */
	assert_int_equal(m.n_levels, 4);
	assert_int_equal(m.levels[3].level, 0);
	assert_int_equal(m.levels[3].row.d.received, m.provinces[1].levels[2].row.d.received);
	assert_int_equal(m.provinces[0].feedback.received, 5);
	model_province_source(&m.provinces[0], src, sizeof src);
	assert_string_equal(src, "số liệu chốt ngày 15/03/2024, phiên bản 2");
	model_province_source(&m.provinces[1], src, sizeof src);
	assert_string_equal(src, "số liệu cập nhật đến 08:30 ngày 20/03/2024");
	m.provinces[1].has_data = 0;
	model_province_source(&m.provinces[1], src, sizeof src);
	assert_string_equal(src, "chưa có số liệu");
	model_free(&m);
}

static void test_national_tables(void **state)
{
	(void)state;
	national_fixture n;
	tables_set ts;
	char err[512];
	national(&n);
	assert_int_equal(tables_build(&n.x.in, &ts, err, sizeof err), 0);
	const tables_table *t = &ts.t[TABLES_BY_UNIT];
	assert_string_equal(t->id, "theo-tinh");
	/* 46 and its 3 levels, 48 and its 2 levels and the unknown one, the total */
	assert_int_equal(t->nrows, 1 + 3 + 1 + 3 + 1);
	assert_int_equal(t->rows[0].kind, TABLES_ROW_GROUP);
	assert_string_equal(t->rows[0].code, "46");
	assert_non_null(strstr(t->rows[0].label, "Tỉnh Thừa Thiên Huế (số liệu chốt ngày"));
	assert_string_equal(t->rows[1].tt, "a");
	assert_string_equal(t->rows[1].label, "Sở, ban, ngành");
	assert_string_equal(t->rows[4].code, "48");
	assert_non_null(strstr(t->rows[4].label, "cập nhật đến 08:30 ngày 20/03/2024"));
	assert_string_equal(t->rows[7].label, "Đơn vị chưa xác định cấp");
	assert_values(&t->rows[0], figs_of(&n.x, "province", "46"));
	assert_values(&t->rows[4], figs_of(&n.x, "province", "48"));
	assert_int_equal(t->rows[8].kind, TABLES_ROW_TOTAL);
	assert_values(&t->rows[8], figs_of(&n.x, "all", ""));
	/* the feedback table: a row per province above the total, which is their sum */
	const tables_table *f = &ts.t[TABLES_FEEDBACK];
	assert_int_equal(f->nrows, 3);
	assert_string_equal(f->rows[1].label, "Thành phố Đà Nẵng");
	assert_int_equal(f->rows[2].v[2], 11);
	/* by level: the national levels, the unknown office's included, add up to the total */
	assert_int_equal(ts.t[TABLES_BY_LEVEL].nrows, 5);
	/* the satisfaction table is by province and its levels too, the total their sum */
	const tables_table *h = &ts.t[TABLES_SATISFACTION];
	assert_string_equal(h->id, "hai-long");
	assert_string_equal(h->cols[1].name, "Tỉnh, thành phố / cấp hành chính");
	assert_int_equal(h->nrows, t->nrows);
	assert_int_equal(h->rows[4].kind, TABLES_ROW_GROUP);
	assert_int_equal(h->rows[4].v[1], figs_of(&n.x, "province", "48")->rated);
	assert_int_equal(h->rows[8].v[2], figs_of(&n.x, "all", "")->rated_satisfied);
	tables_free(&ts);
	/* a national total that is not the provinces' sum is refused */
	figs_of(&n.x, "all", "")->resolved_early += 1;
	figs_of(&n.x, "all", "")->resolved += 1;
	figs_of(&n.x, "all", "")->carried_over += 1;
	figs_of(&n.x, "all", "")->intake += 1;
	assert_int_equal(tables_build(&n.x.in, &ts, err, sizeof err), -1);
	assert_non_null(strstr(err, "theo-tinh"));
	tables_free(&ts);
}

/* Indicator `id` of an index_766 row. */
static json_t *indicator(json_t *row, const char *id)
{
	json_t *a = json_object_get(row, "indicators");
	for (size_t i = 0; i < json_array_size(a); i++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(a, i), "id")), id))
			return json_array_get(a, i);
	fail_msg("no indicator %s", id);
	return NULL;
}

/* The JSON of the national scope: each province with where its figures come from. */
static void test_national_json(void **state)
{
	(void)state;
	national_fixture n;
	render_output out = {0};
	char err[512];
	national(&n);
	assert_int_equal(render_json(&n.x.in, &out, err, sizeof err), 0);
	json_error_t je;
	json_t *root = json_loadb((const char *)out.files[0].data, out.files[0].len, 0, &je);
	assert_non_null(root);
	assert_null(json_object_get(root, "index_766")); /* no index_766_file given */
	json_t *p = json_object_get(root, "provinces");
	assert_int_equal(json_array_size(p), 2);
	json_t *p46 = json_array_get(p, 0), *p48 = json_array_get(p, 1);
	assert_string_equal(json_string_value(json_object_get(p46, "code")), "46");
	json_t *s46 = json_object_get(p46, "source"), *s48 = json_object_get(p48, "source");
	assert_true(json_is_true(json_object_get(s46, "closed")));
	assert_int_equal(json_integer_value(json_object_get(s46, "version")), 2);
	assert_string_equal(json_string_value(json_object_get(s46, "by")), "so-noi-vu");
	assert_true(json_is_false(json_object_get(s48, "closed")));
	assert_string_equal(json_string_value(json_object_get(s48, "current_to")),
	                    "2024-03-20T01:30:00.000Z");
	json_t *d48 = json_object_get(p48, "dossiers");
	assert_int_equal(json_array_size(json_object_get(d48, "levels")), 2);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(d48, "commune"), "received")), 0);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(p48, "feedback"), "received")), 6);
	assert_int_equal(
	    json_array_size(json_object_get(json_object_get(root, "dossiers"), "units")), 0);
	/* the satisfaction rate in every figures object, a province's too */
	const Cchc__V1__DossierFigures *f48 = figs_of(&n.x, "province", "48");
	assert_true(
	    json_real_value(json_object_get(json_object_get(d48, "all"), "rate_satisfied")) > 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d48, "all"), "rated")),
	                 f48->rated);
	json_decref(root);
	render_output_free(&out);

	/* the 766 index: nationally per province (its totals and its own feedback), no units */
	index766_conf *c;
	assert_int_equal(
	    index766_conf_load(CCHC_SOURCE_DIR "/deploy/data/index-766.csv", &c, err, sizeof err),
	    0);
	n.x.in.index766 = c;
	assert_int_equal(render_json(&n.x.in, &out, err, sizeof err), 0);
	root = json_loadb((const char *)out.files[0].data, out.files[0].len, 0, &je);
	assert_non_null(root);
	json_t *ix = json_object_get(root, "index_766");
	assert_int_equal(json_array_size(json_object_get(ix, "units")), 0);
	json_t *ip = json_object_get(ix, "provinces");
	assert_int_equal(json_array_size(ip), 2);
	json_t *i48 = json_array_get(ip, 1);
	assert_string_equal(json_string_value(json_object_get(i48, "code")), "48");
	assert_string_equal(json_string_value(json_object_get(i48, "name")), "Thành phố Đà Nẵng");
	json_t *fb52 = indicator(i48, "5.2"), *all52 = indicator(json_object_get(ix, "all"), "5.2");
	/* 48's feedback: 3 on time + 1 within due over 1 + 6 */
	assert_int_equal(json_integer_value(json_object_get(fb52, "numerator")), 3 + 1);
	assert_int_equal(json_integer_value(json_object_get(fb52, "denominator")), 2 + 6);
	/* nationally, both provinces' */
	assert_int_equal(json_integer_value(json_object_get(all52, "numerator")), 4 + 3 + 1);
	assert_int_equal(json_integer_value(json_object_get(all52, "denominator")), 1 + 5 + 2 + 6);
	json_decref(root);
	render_output_free(&out);
	index766_conf_free(c);
}

int main(void)
{
	service_set_timezone("Asia/Ho_Chi_Minh");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_header_lines),    cmocka_unit_test(test_by_level),
	    cmocka_unit_test(test_by_unit),         cmocka_unit_test(test_by_field_and_feedback),
	    cmocka_unit_test(test_two_tiers),       cmocka_unit_test(test_refuses_row_arithmetic),
	    cmocka_unit_test(test_refuses_sums),    cmocka_unit_test(test_csv),
	    cmocka_unit_test(test_satisfaction),    cmocka_unit_test(test_csv_quoting),
	    cmocka_unit_test(test_xlsx_container),  cmocka_unit_test(test_national_model),
	    cmocka_unit_test(test_national_tables), cmocka_unit_test(test_national_json),
	};
	return cmocka_run_group_tests_name("tables", tests, NULL, NULL);
}
