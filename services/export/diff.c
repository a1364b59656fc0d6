/* diff: compares two report models row by row (all, each level, each unit, each field, and the
 * feedback figures), every figure of the contract by its descriptor, so a figure added to the
 * contract is compared too. A row only one side has counts as zeros on the other. */
#include "diff.h"

#include "model.h"
#include "vnfmt.h"

#include <inttypes.h>
#include <stdarg.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct acc {
	diff_result *d;
	size_t cap;
	int oom;
} acc;

static int64_t value_of(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
	return m ? *(const int64_t *)(const void *)((const char *)m + fd->offset) : 0;
}

/* Adds a change for every field of descriptor md where a and b (either may be NULL) differ. */
static void compare(acc *x, const char *group, const char *code, const char *name,
                    const ProtobufCMessageDescriptor *md, const ProtobufCMessage *a,
                    const ProtobufCMessage *b)
{
	for (unsigned i = 0; i < md->n_fields && !x->oom; i++) {
		int64_t then = value_of(a, &md->fields[i]), now = value_of(b, &md->fields[i]);
		if (then == now)
			continue;
		if (x->d->n == x->cap) {
			size_t cap = x->cap ? 2 * x->cap : 64;
			diff_change *c = realloc(x->d->changes, cap * sizeof *c);
			if (!c) {
				x->oom = 1;
				return;
			}
			x->d->changes = c;
			x->cap = cap;
		}
		diff_change *c = &x->d->changes[x->d->n++];
		snprintf(c->group, sizeof c->group, "%s", group);
		snprintf(c->code, sizeof c->code, "%s", code);
		snprintf(c->name, sizeof c->name, "%s", name);
		c->figure = md->fields[i].name;
		c->then = then;
		c->now = now;
	}
}

#define DOSSIERS &cchc__v1__dossier_figures__descriptor

static const model_row *find_row(const model_row *rows, size_t n, const model_row *like,
                                 int by_name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].code, like->code) && rows[i].level == like->level &&
		    (!by_name || !strcmp(rows[i].name, like->name)))
			return &rows[i];
	return NULL;
}

/* Rows of a (then) and b (now): each of a's with its match in b, then b's without one. */
static void compare_rows(acc *x, const char *group, const model_row *a, size_t na,
                         const model_row *b, size_t nb, int by_name)
{
	for (size_t i = 0; i < na; i++) {
		const model_row *m = find_row(b, nb, &a[i], by_name);
		compare(x, group, a[i].code, a[i].name, DOSSIERS, &a[i].d.base,
		        m ? &m->d.base : NULL);
	}
	for (size_t i = 0; i < nb; i++)
		if (!find_row(a, na, &b[i], by_name))
			compare(x, group, b[i].code, b[i].name, DOSSIERS, NULL, &b[i].d.base);
}

int diff_build(const figures *then, const figures *now, const char *scope, diff_result *out,
               char *err, size_t errlen)
{
	report_model a, b;
	acc x = {.d = out};
	memset(out, 0, sizeof *out);
	int ra = model_build(then, scope, &a, err, errlen);
	int rb = ra ? -1 : model_build(now, scope, &b, err, errlen);
	if (ra || rb) {
		model_free(&a);
		if (!ra)
			model_free(&b);
		return -1;
	}
	compare(&x, "all", "", a.all.name, DOSSIERS, &a.all.d.base, &b.all.d.base);
	model_row la[4], lb[4];
	for (size_t i = 0; i < a.n_levels; i++)
		la[i] = a.levels[i].row;
	for (size_t i = 0; i < b.n_levels; i++)
		lb[i] = b.levels[i].row;
	compare_rows(&x, "level", la, a.n_levels, lb, b.n_levels, 0);
	compare_rows(&x, "unit", a.units, a.n_units, b.units, b.n_units, 1);
	compare_rows(&x, "field", a.fields, a.n_fields, b.fields, b.n_fields, 0);
	compare(&x, "feedback", "", "Phản ánh, kiến nghị", &cchc__v1__feedback_figures__descriptor,
	        &a.feedback.base, &b.feedback.base);
	model_free(&a);
	model_free(&b);
	if (x.oom) {
		snprintf(err, errlen, "diff: out of memory");
		return -1;
	}
	return 0;
}

void diff_free(diff_result *d)
{
	free(d->changes);
	memset(d, 0, sizeof *d);
}

/* ---- rendering ---- */

typedef struct text {
	char *p;
	size_t len, cap;
	int oom;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
	va_list ap;
	for (int tries = 0; tries < 2 && !t->oom; tries++) {
		va_start(ap, fmt);
		int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = 1;
			return;
		}
		if (t->p && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap : 4096;
		while (cap <= t->len + (size_t)n)
			cap *= 2;
		char *p = realloc(t->p, cap);
		if (!p) {
			t->oom = 1;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
}

const char *diff_figure_name(const char *group, const char *key)
{
	static const struct {
		const char *key, *name;
	} names[] = {
	    {"carried_over", "Kỳ trước chuyển qua"},
	    {"received", "Mới tiếp nhận"},
	    {"received_online", "Tiếp nhận trực tuyến"},
	    {"received_direct", "Tiếp nhận trực tiếp"},
	    {"received_postal", "Tiếp nhận qua bưu chính"},
	    {"resolved", "Đã giải quyết"},
	    {"resolved_early", "Giải quyết trước hạn"},
	    {"resolved_on_time", "Giải quyết đúng hạn"},
	    {"resolved_late", "Giải quyết quá hạn"},
	    {"intake", "Tổng số hồ sơ nhận giải quyết"},
	    {"returned", "Trả lại"},
	    {"withdrawn", "Rút hồ sơ"},
	    {"pending", "Đang giải quyết"},
	    {"pending_within_due", "Đang giải quyết trong hạn"},
	    {"pending_overdue", "Đang giải quyết quá hạn"},
	    {"waiting", "Chờ tiếp nhận"},
	    {"not_accepted", "Không được tiếp nhận"},
	    {"paid_online", "Thanh toán trực tuyến"},
	    {"digitized", "Số hóa"},
	    {"rated", "Được đánh giá"},
	    {"rated_satisfied", "Đánh giá hài lòng"},
	    {"rated_unsatisfied", "Đánh giá không hài lòng"},
	    {"rated_unsatisfied_late", "Không hài lòng, giải quyết quá hạn"},
	};
	static const struct {
		const char *key, *name;
	} feedback[] = {
	    {"carried_over", "Kỳ trước chuyển qua"},
	    {"received", "Tiếp nhận mới"},
	    {"about_regulation", "Về quy định hành chính"},
	    {"about_behavior", "Về hành vi hành chính"},
	    {"resolved", "Đã xử lý"},
	    {"published", "Đã công khai"},
	    {"pending", "Đang xử lý"},
	    {"resolved_on_time", "Xử lý đúng hạn"},
	    {"pending_within_due", "Đang xử lý trong hạn"},
	};
	if (!strcmp(group, "feedback")) {
		for (size_t i = 0; i < sizeof feedback / sizeof feedback[0]; i++)
			if (!strcmp(feedback[i].key, key))
				return feedback[i].name;
	} else {
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
			if (!strcmp(names[i].key, key))
				return names[i].name;
	}
	return key;
}

static void side_text(const diff_side *s, char *buf, size_t len)
{
	if (!s->version) {
		snprintf(buf, len, "hiện nay");
		return;
	}
	time_t t = (time_t)(s->closed_ms / 1000);
	struct tm tm;
	if (localtime_r(&t, &tm))
		snprintf(buf, len, "phiên bản %d (chốt ngày %02d/%02d/%04d)", s->version,
		         tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
	else
		snprintf(buf, len, "phiên bản %d", s->version);
}

void diff_row_label(const diff_change *c, char *buf, size_t len)
{
	const char *name = *c->name ? c->name : "Toàn đơn vị";
	if (*c->code && strcmp(c->group, "level"))
		snprintf(buf, len, "%s (%s)", name, c->code);
	else
		snprintf(buf, len, "%s", name);
}

static void render_text(text *t, const char *label, const char *scope, const diff_side *from,
                        const diff_side *to, const diff_result *d, Cchc__V1__Arrival *const *arr,
                        size_t narr)
{
	char a[96], b[96], row[256], n1[VNFMT_LEN], n2[VNFMT_LEN], n3[VNFMT_LEN];
	side_text(from, a, sizeof a);
	side_text(to, b, sizeof b);
	put(t, "Số liệu điều chỉnh sau khi chốt: kỳ %s, đơn vị %s\n", label, scope);
	put(t, "So sánh %s với %s\n\n", a, b);
	if (!d->n)
		put(t, "Không có số liệu nào thay đổi.\n");
	else
		put(t, "Dòng\tChỉ tiêu\tKhi chốt\tHiện nay\tChênh lệch\n");
	for (size_t i = 0; i < d->n; i++) {
		const diff_change *c = &d->changes[i];
		diff_row_label(c, row, sizeof row);
		vnfmt_count(c->then, n1, sizeof n1);
		vnfmt_count(c->now, n2, sizeof n2);
		vnfmt_count(c->now - c->then, n3, sizeof n3);
		put(t, "%s\t%s\t%s\t%s\t%s%s\n", row, diff_figure_name(c->group, c->figure), n1, n2,
		    c->now > c->then ? "+" : "", n3);
	}
	int64_t total = 0;
	for (size_t i = 0; i < narr; i++)
		total += arr[i]->events;
	put(t, "\nSự kiện thuộc kỳ được gửi sau khi chốt: %" PRId64 "\n", total);
	if (narr)
		put(t, "Đơn vị\tNgày gửi\tSố sự kiện\n");
	for (size_t i = 0; i < narr; i++) {
		char day[VNFMT_LEN] = "";
		vnfmt_date(arr[i]->day, day, sizeof day);
		put(t, "%s\t%s\t%" PRId64 "\n", arr[i]->office, day, arr[i]->events);
	}
}

/* RFC 4180: quoted when it holds a comma, a quote or a line break. */
static void csv_field(text *t, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		put(t, "%s", s);
		return;
	}
	put(t, "\"");
	for (; *s; s++)
		put(t, *s == '"' ? "\"\"" : "%c", *s);
	put(t, "\"");
}

static void render_csv_text(text *t, const diff_result *d)
{
	put(t, "group,code,name,figure,then,now\r\n");
	for (size_t i = 0; i < d->n; i++) {
		const diff_change *c = &d->changes[i];
		put(t, "%s,", c->group);
		csv_field(t, c->code);
		put(t, ",");
		csv_field(t, c->name);
		put(t, ",%s,%" PRId64 ",%" PRId64 "\r\n", c->figure, c->then, c->now);
	}
}

static json_t *side_json(const diff_side *s)
{
	if (!s->version)
		return json_pack("{s:s}", "as_of", "now");
	char when[32];
	time_t t = (time_t)(s->closed_ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:i, s:s}", "version", s->version, "closed_at", when);
}

static char *render_json_text(const char *label, const char *scope, const diff_side *from,
                              const diff_side *to, const diff_result *d,
                              Cchc__V1__Arrival *const *arr, size_t narr)
{
	json_t *changes = json_array(), *arrivals = json_array();
	for (size_t i = 0; i < d->n; i++) {
		const diff_change *c = &d->changes[i];
		json_array_append_new(
		    changes, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "group", c->group, "code",
		                       c->code, "name", c->name, "figure", c->figure, "then",
		                       (json_int_t)c->then, "now", (json_int_t)c->now));
	}
	for (size_t i = 0; i < narr; i++)
		json_array_append_new(arrivals,
		                      json_pack("{s:s, s:s, s:I}", "office", arr[i]->office, "day",
		                                arr[i]->day, "events", (json_int_t)arr[i]->events));
	json_t *root = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "period", label, "scope", scope,
	                         "from", side_json(from), "to", side_json(to), "changes", changes,
	                         "arrivals", arrivals);
	char *s = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	return s;
}

int diff_render(const char *format, const char *label, const char *scope, const diff_side *from,
                const diff_side *to, const diff_result *d, Cchc__V1__Arrival *const *arrivals,
                size_t narrivals, char **out, size_t *len, char *err, size_t errlen)
{
	text t = {0};
	*out = NULL;
	*len = 0;
	if (!strcmp(format, "json")) {
		*out = render_json_text(label, scope, from, to, d, arrivals, narrivals);
		if (!*out) {
			snprintf(err, errlen, "diff: out of memory");
			return -1;
		}
		*len = strlen(*out);
		return 0;
	}
	if (!strcmp(format, "text"))
		render_text(&t, label, scope, from, to, d, arrivals, narrivals);
	else if (!strcmp(format, "csv"))
		render_csv_text(&t, d);
	else {
		snprintf(err, errlen, "diff format '%.32s' is not text, json or csv", format);
		return -1;
	}
	if (t.oom || !t.p) {
		free(t.p);
		snprintf(err, errlen, "diff: out of memory");
		return -1;
	}
	*out = t.p;
	*len = t.len;
	return 0;
}
