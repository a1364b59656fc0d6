/* report_doc: builds the report's document model: the outline of Công văn 581/BNV-CCHC is fixed
 * here, the figures paragraphs (II.2.c, II.2.d, II.6, targets) come from report_gen.c, and every
 * other word comes from the province's template (report_tmpl.c; format in docs/reports.md) or is
 * marked missing — never invented. The header and signature come from the configuration. */
#include "report_build.h"

#include "diff.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --- building the document -------------------------------------------------------------------- */

void report_add_block(builder *b, doc_kind kind, int level, char *text, int chart)
{
	report_doc *d = b->doc;
	if (!text) {
		b->oom = 1;
		return;
	}
	if (d->n_blocks == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		doc_block *nb = realloc(d->blocks, cap * sizeof *nb);
		if (!nb) {
			free(text);
			b->oom = 1;
			return;
		}
		d->blocks = nb;
		b->cap = cap;
	}
	d->blocks[d->n_blocks++] = (doc_block){kind, level, text, chart};
}

char *report_fmt(const char *f, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, f);
	int n = vasprintf(&s, f, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

/* The template's {ky}, {ky_sau}, {tu_ngay}, {den_ngay}, {nam} replaced; other braces kept. */
static char *expand(builder *b, const char *s)
{
	static const char *const names[] = {"{ky}", "{ky_sau}", "{tu_ngay}", "{den_ngay}", "{nam}"};
	const char *vals[] = {b->ky, b->ky_sau, b->tu, b->den, b->nam};
	size_t cap = strlen(s) + 1, n = 0;
	for (const char *p = s; (p = strchr(p, '{')); p++)
		cap += 128;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	while (*s) {
		int hit = -1;
		if (*s == '{')
			for (int i = 0; i < 5; i++)
				if (!strncmp(s, names[i], strlen(names[i])))
					hit = i;
		if (hit >= 0) {
			size_t l = strlen(vals[hit]);
			memcpy(out + n, vals[hit], l);
			n += l;
			s += strlen(names[hit]);
		} else {
			out[n++] = *s++;
		}
	}
	out[n] = '\0';
	return out;
}

/* Generated blocks whose home is `key` and that the template places nowhere. */
static int homeless(const builder *b, const char *key, int g)
{
	return !strcmp(tmpl_gen_home(g), key) && !b->t.has_gen[g] && !b->placed[g];
}

static void heading(builder *b, const char *key, int depth, const char *title)
{
	char *t = expand(b, title);
	if (!t) {
		b->oom = 1;
		return;
	}
	const char *last = strrchr(key, '.');
	last = last ? last + 1 : key;
	if (depth == 1) {
		size_t len = 3 * strlen(t) + 1; /* upper case never grows UTF-8 here */
		char *u = malloc(len);
		if (u && vnfmt_upper(t, u, len) == 0)
			report_add_block(b, DOC_HEADING, 1, report_fmt("%s. %s", last, u), 0);
		else
			b->oom = 1;
		free(u);
	} else if (depth == 2) {
		report_add_block(b, DOC_HEADING, 2, report_fmt("%s. %s", last, t), 0);
	} else {
		report_add_block(b, DOC_HEADING, 3, report_fmt("%s) %s", last, t), 0);
	}
	free(t);
}

static void emit_section(builder *b, const char *key, int depth);

static void emit_items(builder *b, const section *s, const char *title)
{
	for (size_t i = 0; i < s->n; i++) {
		const item *it = &s->items[i];
		if (it->kind == IT_TEXT)
			report_add_block(b, DOC_PARAGRAPH, 0, expand(b, it->text), 0);
		else if (it->kind == IT_MISSING)
			report_add_block(b, DOC_MISSING, 0, expand(b, it->text ? it->text : title),
			                 0);
		else
			report_gen(b, it->gen);
	}
}

static void emit_section(builder *b, const char *key, int depth)
{
	section *s = tmpl_find(&b->t, key);
	const char *title = s && s->title ? s->title : tmpl_outline_title(key);
	if (!title)
		title = key;
	heading(b, key, depth, title);
	size_t before = b->doc->n_blocks;
	if (s)
		emit_items(b, s, title);
	/* Children: II's are the outline's six areas; everyone else's come from the template, in
	 * its order. */
	if (!strcmp(key, "II")) {
		for (int i = 1; i <= 6; i++) {
			char k[8];
			snprintf(k, sizeof k, "II.%d", i);
			emit_section(b, k, 2);
		}
	} else {
		char parent[32];
		for (size_t i = 0; i < b->t.n; i++)
			if (!tmpl_parent_key(b->t.s[i].key, parent, sizeof parent) &&
			    !strcmp(parent, key))
				emit_section(b, b->t.s[i].key, depth + 1);
	}
	/* Homes of generated blocks the template has no section for. */
	if (!strcmp(key, "II.2")) {
		static const char *const homes[] = {"II.2.c", "II.2.d"};
		for (int h = 0; h < 2; h++) {
			int need = 0;
			for (int g = 0; g < GEN_COUNT; g++)
				need |= homeless(b, homes[h], g);
			if (need && !tmpl_find(&b->t, homes[h]))
				emit_section(b, homes[h], 3);
		}
	}
	for (int g = 0; g < GEN_COUNT; g++)
		if (homeless(b, key, g))
			report_gen(b, g);
	if (b->doc->n_blocks == before) {
		char *t = expand(b, title);
		report_add_block(b, DOC_MISSING, 0, t ? report_fmt("mục %s %s", key, t) : NULL, 0);
		free(t);
	}
}

/* "Phụ lục: số liệu điều chỉnh sau khi chốt" (docs/design.md §13): each figure that changed
 * since the closed version, one line each, for a report of the figures now. */
static int local_date(int64_t ms, char dmy[40], char hm[24]);

static void annex(builder *b)
{
	const render_input *in = b->in;
	const diff_result *d = in->revisions;
	char dmy[40], row[256], n1[VNFMT_LEN], n2[VNFMT_LEN], n3[VNFMT_LEN];
	report_add_block(b, DOC_HEADING, 1, report_fmt("PHỤ LỤC: SỐ LIỆU ĐIỀU CHỈNH SAU KHI CHỐT"),
	                 0);
	if (local_date(in->revisions_closed_ms, dmy, NULL) != 0)
		snprintf(dmy, sizeof dmy, "?");
	report_add_block(
	    b, DOC_PARAGRAPH, 0,
	    d->n ? report_fmt("So với số liệu chốt ngày %s (phiên bản %d), các số liệu sau đã "
	                      "thay đổi do hồ sơ gửi sau khi chốt:",
	                      dmy, in->revisions_version)
	         : report_fmt("So với số liệu chốt ngày %s (phiên bản %d), không có số liệu nào "
	                      "thay đổi.",
	                      dmy, in->revisions_version),
	    0);
	for (size_t i = 0; i < d->n && !b->oom; i++) {
		const diff_change *c = &d->changes[i];
		diff_row_label(c, row, sizeof row);
		vnfmt_count(c->then, n1, sizeof n1);
		vnfmt_count(c->now, n2, sizeof n2);
		vnfmt_count(c->now - c->then, n3, sizeof n3);
		report_add_block(b, DOC_PARAGRAPH, 0,
		                 report_fmt("- %s, %s: %s → %s (%s%s).", row,
		                            diff_figure_name(c->group, c->figure), n1, n2,
		                            c->now > c->then ? "+" : "", n3),
		                 0);
	}
}

/* Splits a '|'-separated configuration value into owned lines (empty parts dropped; a leading
 * "- " of a "Nơi nhận" line dropped too, since the renderers draw the dash). */
static int split_lines(const char *v, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!v || !*v)
		return 0;
	size_t cap = 1;
	for (const char *p = v; *p; p++)
		cap += *p == '|';
	char **lines = calloc(cap, sizeof *lines);
	if (!lines)
		return -1;
	*out = lines;
	const char *p = v;
	while (1) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		while (len && (*p == ' ' || *p == '\t'))
			p++, len--;
		if (len >= 2 && p[0] == '-' && p[1] == ' ')
			p += 2, len -= 2;
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len) {
			if (!(lines[*n] = strndup(p, len)))
				return -1;
			(*n)++;
		}
		if (!bar)
			break;
		p = bar + 1;
	}
	return 0;
}

/* "dd/mm/yyyy" (and "HH:MM" in hm when not NULL) of an instant, local time. */
static int local_date(int64_t ms, char dmy[40], char hm[24])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!localtime_r(&t, &tm))
		return -1;
	snprintf(dmy, 40, "%02d/%02d/%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
	if (hm)
		snprintf(hm, 24, "%02d:%02d", tm.tm_hour, tm.tm_min);
	return 0;
}

/* The line under the title that says which figures these are (docs/design.md §13): a closed
 * version, or the figures as they stood at an instant; none for the figures now. */
static int as_of_line(const render_as_of *a, char **out)
{
	char dmy[40], hm[24];
	*out = NULL;
	if (!a || (!a->closed && !a->at_ms))
		return 0;
	if (local_date(a->closed ? a->closed_ms : a->at_ms, dmy, hm) != 0)
		return -1;
	*out = a->closed ? report_fmt("(Số liệu chốt ngày %s, phiên bản %d)", dmy, a->version)
	                 : report_fmt("(Số liệu tính đến %s ngày %s)", hm, dmy);
	return *out ? 0 : -1;
}

static int header(builder *b)
{
	const render_input *in = b->in;
	const conf *c = in->conf;
	report_doc *d = b->doc;
	char **parent = NULL;
	size_t nparent = 0;
	if (split_lines(c->report_issuer_parent, &parent, &nparent) ||
	    split_lines(c->report_issuer, &d->issuer_lines, &d->n_issuer_lines)) {
		for (size_t i = 0; i < nparent; i++)
			free(parent[i]);
		free(parent);
		return -1;
	}
	if (nparent) {
		char **all = realloc(parent, (nparent + d->n_issuer_lines) * sizeof *all);
		if (!all) {
			for (size_t i = 0; i < nparent; i++)
				free(parent[i]);
			free(parent);
			return -1;
		}
		memcpy(all + nparent, d->issuer_lines, d->n_issuer_lines * sizeof *all);
		free(d->issuer_lines);
		d->issuer_lines = all;
		d->n_issuer_lines += nparent;
	} else {
		free(parent);
	}
	time_t t = (time_t)(in->now_ms / 1000);
	struct tm tm;
	char line[512];
	if (!localtime_r(&t, &tm) || vnfmt_date_line(c->report_place, tm.tm_year + 1900,
	                                             tm.tm_mon + 1, tm.tm_mday, line, sizeof line))
		return -1;
	d->date_ms = in->now_ms;
	if (as_of_line(in->as_of, &d->as_of_line) != 0)
		return -1;
	if (!(d->number = strdup(c->report_number)) || !(d->place_date = strdup(line)) ||
	    !(d->title = strdup("BÁO CÁO")) ||
	    !(d->subtitle =
	          b->m.national
	              ? report_fmt("Tổng hợp tình hình, kết quả giải quyết thủ tục hành chính "
	                           "của các tỉnh, thành phố %s",
	                           b->ky)
	              : report_fmt("Tình hình thực hiện công tác cải cách hành chính %s", b->ky)) ||
	    !(d->signer_name = strdup(c->report_signer_name)))
		return -1;
	if (split_lines(c->report_recipients, &d->recipients, &d->n_recipients) ||
	    split_lines(c->report_signer_role, &d->signer_lines, &d->n_signer_lines))
		return -1;
	return 0;
}

/* A builder for `in` with the period's words and the report model made: NULL with err. */
static builder *builder_start(const render_input *in, report_doc *doc, char *err, size_t errlen)
{
	builder *b = calloc(1, sizeof *b);
	memset(doc, 0, sizeof *doc);
	if (!b) {
		snprintf(err, errlen, "report: out of memory");
		return NULL;
	}
	b->doc = doc;
	b->in = in;
	if (vnfmt_period_title(in->period, b->ky, sizeof b->ky) ||
	    vnfmt_next_period_title(in->period, b->ky_sau, sizeof b->ky_sau) ||
	    vnfmt_date(in->period->first_day, b->tu, sizeof b->tu) ||
	    vnfmt_date(in->period->last_day, b->den, sizeof b->den)) {
		snprintf(err, errlen, "report: period %s has no Vietnamese title",
		         in->period->label);
		free(b);
		return NULL;
	}
	snprintf(b->nam, sizeof b->nam, "%d", in->period->year);
	if (model_build(in->figures, in->scope, &b->m, err, errlen)) {
		model_free(&b->m);
		free(b);
		return NULL;
	}
	return b;
}

static void builder_end(builder *b)
{
	tmpl_free(&b->t);
	model_free(&b->m);
	free(b);
}

int report_doc_build(const render_input *in, report_doc *doc, char *err, size_t errlen)
{
	builder *b = builder_start(in, doc, err, errlen);
	if (!b)
		return -1;
	/* the national summary is generated whole: no province's prose, the form's tables */
	if (b->m.national && (!(doc->tables = calloc(1, sizeof *doc->tables)) ||
	                      tables_build(in, doc->tables, err, errlen))) {
		if (!doc->tables)
			snprintf(err, errlen, "report: out of memory");
		report_doc_free(doc);
		builder_end(b);
		return -1;
	}
	if (!b->m.national && in->conf->report_template[0] &&
	    tmpl_load(in->conf->report_template, &b->t, err, errlen)) {
		builder_end(b);
		return -1;
	}
	int header_failed = header(b);
	if (header_failed)
		b->oom = 1;
	section *s;
	if (!b->oom && (s = tmpl_find(&b->t, "mo_dau")))
		emit_items(b, s, "phần mở đầu");
	static const char *const tops[] = {"I", "II", "III", "IV"};
	if (b->m.national && !b->oom)
		report_national(b);
	for (int i = 0; i < 4 && !b->oom && !b->m.national; i++)
		emit_section(b, tops[i], 1);
	if (!b->oom && (s = tmpl_find(&b->t, "ket_luan")))
		emit_items(b, s, "phần kết luận");
	if (!b->oom && in->revisions)
		annex(b);
	int rc = 0;
	if (b->oom) {
		snprintf(err, errlen, "report: %s",
		         header_failed
		             ? "the header (report.* settings, report date) could not be made"
		             : "out of memory building the document");
		report_doc_free(doc);
		rc = -1;
	}
	builder_end(b);
	return rc;
}

int report_doc_results(const render_input *in, report_doc *doc, char *err, size_t errlen)
{
	builder *b = builder_start(in, doc, err, errlen);
	if (!b)
		return -1;
	report_gen(b, GEN_RESULTS);
	report_gen(b, GEN_SATISFACTION);
	int rc = 0;
	if (b->oom) {
		snprintf(err, errlen, "report: out of memory building the II.2.c paragraphs");
		report_doc_free(doc);
		rc = -1;
	}
	builder_end(b);
	return rc;
}

static void free_lines(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

void report_doc_free(report_doc *doc)
{
	free_lines(doc->issuer_lines, doc->n_issuer_lines);
	free(doc->number);
	free(doc->place_date);
	free(doc->title);
	free(doc->subtitle);
	free(doc->as_of_line);
	for (size_t i = 0; i < doc->n_blocks; i++)
		free(doc->blocks[i].text);
	free(doc->blocks);
	free_lines(doc->recipients, doc->n_recipients);
	free_lines(doc->signer_lines, doc->n_signer_lines);
	free(doc->signer_name);
	if (doc->tables)
		tables_free(doc->tables);
	free(doc->tables);
	memset(doc, 0, sizeof *doc);
}
