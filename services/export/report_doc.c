/* report_doc: builds the report's document model: the outline of Công văn 581/BNV-CCHC is fixed
 * here, the figures paragraphs (II.2.c, II.2.d, II.6, targets) are generated, and every other word
 * comes from the province's template (format in docs/reports.md) or is marked missing — never
 * invented. The header and signature come from the configuration. */
#include "report_doc.h"

#include "vnfmt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEMPLATE_MAX_BYTES (1u << 20)

/* Generated blocks a template may place with {{name}}; unplaced ones go to their home section. */
enum gen {
	GEN_RESULTS,
	GEN_CHART_LEVEL,
	GEN_CHART_DISTRICT,
	GEN_FEEDBACK,
	GEN_ONLINE,
	GEN_TARGETS,
	GEN_COUNT
};

static const struct {
	const char *name;
	const char *home;
} gens[GEN_COUNT] = {
    [GEN_RESULTS] = {"ket_qua_giai_quyet", "II.2.c"},
    [GEN_CHART_LEVEL] = {"bieu_do_theo_cap", "II.2.c"},
    [GEN_CHART_DISTRICT] = {"bieu_do_theo_huyen", "II.2.c"},
    [GEN_FEEDBACK] = {"phan_anh_kien_nghi", "II.2.d"},
    [GEN_ONLINE] = {"dich_vu_cong_truc_tuyen", "II.6"},
    [GEN_TARGETS] = {"chi_tieu", "II.6"},
};

/* The outline of Công văn 581/BNV-CCHC (wording as in the province's own reports). */
static const struct {
	const char *key;
	const char *title;
} outline[] = {
    {"I", "CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CCHC"},
    {"II", "KẾT QUẢ THỰC HIỆN CÔNG TÁC CCHC"},
    {"II.1", "Cải cách thể chế"},
    {"II.2", "Cải cách thủ tục hành chính (TTHC)"},
    {"II.3", "Cải cách tổ chức bộ máy các cơ quan hành chính nhà nước"},
    {"II.4", "Cải cách chế độ công vụ"},
    {"II.5", "Cải cách tài chính công"},
    {"II.6", "Xây dựng và phát triển Chính phủ điện tử, Chính phủ số"},
    {"III", "ĐÁNH GIÁ CHUNG"},
    {"IV", "PHƯƠNG HƯỚNG, NHIỆM VỤ CCHC TRỌNG TÂM {ky_sau}"},
    /* Homes of generated blocks, used when the template has no such section. */
    {"II.2.c", "Kết quả giải quyết TTHC"},
    {"II.2.d", "Tiếp nhận, xử lý phản ánh, kiến nghị về quy định TTHC"},
};

/* --- the template ----------------------------------------------------------------------------- */

typedef enum item_kind { IT_TEXT, IT_MISSING, IT_GEN } item_kind;

typedef struct item {
	item_kind kind;
	char *text; /* IT_TEXT, IT_MISSING (may be NULL: the section's own title) */
	int gen;    /* IT_GEN */
} item;

typedef struct section {
	char key[32];
	char *title; /* NULL: the outline's */
	int line;
	item *items;
	size_t n, cap;
	int open; /* the last IT_TEXT item takes continuation lines */
} section;

typedef struct tmpl {
	section *s;
	size_t n, cap;
	int has_gen[GEN_COUNT];
} tmpl;

static void tmpl_free(tmpl *t)
{
	for (size_t i = 0; i < t->n; i++) {
		for (size_t j = 0; j < t->s[i].n; j++)
			free(t->s[i].items[j].text);
		free(t->s[i].items);
		free(t->s[i].title);
	}
	free(t->s);
	memset(t, 0, sizeof *t);
}

static section *tmpl_find(const tmpl *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->s[i].key, key))
			return &t->s[i];
	return NULL;
}

static const char *outline_title(const char *key)
{
	for (size_t i = 0; i < sizeof outline / sizeof outline[0]; i++)
		if (!strcmp(outline[i].key, key))
			return outline[i].title;
	return NULL;
}

/* Fixed sections of the outline (not the generated homes, which a template may title itself). */
static int is_fixed(const char *key)
{
	const char *t = outline_title(key);
	return t && strcmp(key, "II.2.c") && strcmp(key, "II.2.d");
}

static int roman_value(const char *s, size_t n)
{
	static const char *const r[] = {"I", "II", "III", "IV"};
	for (int i = 0; i < 4; i++)
		if (strlen(r[i]) == n && !strncmp(s, r[i], n))
			return i + 1;
	return 0;
}

/* A letter of the Vietnamese list order (a b c d đ e g h i k l m n o p q r s t u v x y). */
static int is_item_letter(const char *s, size_t n)
{
	if (n == 1 && strchr("abcdeghiklmnopqrstuvxy", s[0]))
		return 1;
	return n == 2 && !strncmp(s, "đ", 2);
}

/* Checks a section key: mo_dau, ket_luan, or ROMAN[.NUMBER[.LETTER]] under the outline. Returns
 * its depth (1..3), 0 for mo_dau/ket_luan, -1 when invalid (message in err). */
static int key_depth(const char *key, char *err, size_t errlen)
{
	if (!strcmp(key, "mo_dau") || !strcmp(key, "ket_luan"))
		return 0;
	const char *dot1 = strchr(key, '.');
	size_t n1 = dot1 ? (size_t)(dot1 - key) : strlen(key);
	int top = roman_value(key, n1);
	if (!top) {
		snprintf(err, errlen,
		         "[%s] is not a section of the outline (I, II, III, IV, their numbered "
		         "parts such as I.1 or II.1.a, mo_dau, ket_luan)",
		         key);
		return -1;
	}
	if (!dot1)
		return 1;
	const char *p = dot1 + 1, *dot2 = strchr(p, '.');
	size_t n2 = dot2 ? (size_t)(dot2 - p) : strlen(p);
	int num = 0;
	for (size_t i = 0; i < n2; i++) {
		if (p[i] < '0' || p[i] > '9' || i >= 2) {
			num = 0;
			break;
		}
		num = num * 10 + (p[i] - '0');
	}
	if (n2 == 0 || num < 1 || (top == 2 && num > 6)) {
		snprintf(err, errlen, "[%s]: the part after '%.*s.' must be a number%s", key,
		         (int)n1, key,
		         top == 2 ? " from 1 to 6 (the six areas of section II)" : "");
		return -1;
	}
	if (!dot2)
		return 2;
	const char *l = dot2 + 1;
	if (!is_item_letter(l, strlen(l))) {
		snprintf(err, errlen,
		         "[%s]: the last part must be one letter a, b, c, d, đ, e, g, … (three "
		         "levels at "
		         "most)",
		         key);
		return -1;
	}
	return 3;
}

static int parent_key(const char *key, char *out, size_t len)
{
	const char *dot = strrchr(key, '.');
	if (!dot)
		return -1;
	snprintf(out, len, "%.*s", (int)(dot - key), key);
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static item *section_add(section *s, item_kind kind)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		item *it = realloc(s->items, cap * sizeof *it);
		if (!it)
			return NULL;
		s->items = it;
		s->cap = cap;
	}
	item *it = &s->items[s->n++];
	memset(it, 0, sizeof *it);
	it->kind = kind;
	return it;
}

/* Appends a text line to the open paragraph, or starts one. */
static int section_text(section *s, const char *line)
{
	int starts_item =
	    !strncmp(line, "- ", 2) || !strncmp(line, "+ ", 2) || !strncmp(line, "* ", 2);
	if (s->open && !starts_item) {
		item *last = &s->items[s->n - 1];
		size_t a = strlen(last->text), b = strlen(line);
		char *t = realloc(last->text, a + b + 2);
		if (!t)
			return -1;
		t[a] = ' ';
		memcpy(t + a + 1, line, b + 1);
		last->text = t;
		return 0;
	}
	item *it = section_add(s, IT_TEXT);
	if (!it || !(it->text = strdup(line)))
		return -1;
	s->open = 1;
	return 0;
}

/* Parses the template text (NUL-terminated, modified in place). */
static int tmpl_parse(char *text, const char *path, tmpl *t, char *err, size_t errlen)
{
	char why[400];
	int lineno = 0;
	section *cur = NULL;
	if (!strncmp(text, "\xEF\xBB\xBF", 3)) /* a BOM from a Windows editor */
		text += 3;
	for (char *line = text, *next; line; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#')
			continue;
		char *s = trim(line);
		if (!*s) {
			if (cur)
				cur->open = 0;
			continue;
		}
		if (s[0] == '[') {
			char *close = strchr(s, ']');
			size_t klen = close ? (size_t)(close - s - 1) : 0;
			if (!close || klen == 0 || klen >= sizeof cur->key) {
				snprintf(err, errlen,
				         "template %s line %d: a section line is [KEY] Title", path,
				         lineno);
				return -1;
			}
			char key[32];
			snprintf(key, sizeof key, "%.*s", (int)klen, s + 1);
			if (key_depth(key, why, sizeof why) < 0) {
				snprintf(err, errlen, "template %s line %d: %s", path, lineno, why);
				return -1;
			}
			section *dup = tmpl_find(t, key);
			if (dup) {
				snprintf(err, errlen,
				         "template %s line %d: [%s] again (first on line %d)", path,
				         lineno, key, dup->line);
				return -1;
			}
			char *title = trim(close + 1);
			if (!*title && !outline_title(key) && key_depth(key, why, sizeof why) > 0) {
				snprintf(err, errlen,
				         "template %s line %d: [%s] needs a title after ']'", path,
				         lineno, key);
				return -1;
			}
			if (t->n == t->cap) {
				size_t cap = t->cap ? 2 * t->cap : 32;
				section *ns = realloc(t->s, cap * sizeof *ns);
				if (!ns)
					goto oom;
				t->s = ns;
				t->cap = cap;
			}
			cur = &t->s[t->n++];
			memset(cur, 0, sizeof *cur);
			snprintf(cur->key, sizeof cur->key, "%s", key);
			cur->line = lineno;
			if (*title && !(cur->title = strdup(title)))
				goto oom;
			continue;
		}
		if (!cur) {
			snprintf(err, errlen,
			         "template %s line %d: text before the first [section] line", path,
			         lineno);
			return -1;
		}
		if (!strncmp(s, "{{", 2)) {
			size_t n = strlen(s);
			int g = -1;
			for (int i = 0; i < GEN_COUNT; i++)
				if (n == strlen(gens[i].name) + 4 &&
				    !strncmp(s + 2, gens[i].name, n - 4) &&
				    !strcmp(s + n - 2, "}}"))
					g = i;
			if (g < 0) {
				snprintf(
				    err, errlen,
				    "template %s line %d: %s is not one of {{ket_qua_giai_quyet}}, "
				    "{{bieu_do_theo_cap}}, {{bieu_do_theo_huyen}}, "
				    "{{phan_anh_kien_nghi}}, {{dich_vu_cong_truc_tuyen}}, "
				    "{{chi_tieu}}",
				    path, lineno, s);
				return -1;
			}
			if (t->has_gen[g]) {
				snprintf(err, errlen, "template %s line %d: {{%s}} is placed twice",
				         path, lineno, gens[g].name);
				return -1;
			}
			item *it = section_add(cur, IT_GEN);
			if (!it)
				goto oom;
			it->gen = g;
			t->has_gen[g] = 1;
			cur->open = 0;
			continue;
		}
		if (!strncmp(s, "???", 3)) {
			item *it = section_add(cur, IT_MISSING);
			char *what = trim(s + 3);
			if (!it || (*what && !(it->text = strdup(what))))
				goto oom;
			cur->open = 0;
			continue;
		}
		if (section_text(cur, s))
			goto oom;
	}
	/* A part whose parent is neither the outline's nor in the template would never be shown. */
	for (size_t i = 0; i < t->n; i++) {
		char parent[32];
		if (!parent_key(t->s[i].key, parent, sizeof parent) && !is_fixed(parent) &&
		    !tmpl_find(t, parent)) {
			snprintf(err, errlen,
			         "template %s line %d: [%s] needs a [%s] section above it", path,
			         t->s[i].line, t->s[i].key, parent);
			return -1;
		}
	}
	return 0;
oom:
	snprintf(err, errlen, "template %s: out of memory", path);
	return -1;
}

static int tmpl_load(const char *path, tmpl *t, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "report template %s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = malloc(TEMPLATE_MAX_BYTES + 1);
	size_t n = buf ? fread(buf, 1, TEMPLATE_MAX_BYTES + 1, f) : 0;
	int bad = ferror(f);
	fclose(f);
	if (!buf || bad || n > TEMPLATE_MAX_BYTES) {
		snprintf(err, errlen, "report template %s: %s", path,
		         !buf  ? "out of memory"
		         : bad ? "read error"
		               : "larger than 1 MiB");
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', n)) {
		snprintf(err, errlen, "report template %s: not a text file", path);
		free(buf);
		return -1;
	}
	int rc = tmpl_parse(buf, path, t, err, errlen);
	free(buf);
	if (rc)
		tmpl_free(t);
	return rc;
}

/* --- building the document -------------------------------------------------------------------- */

typedef struct builder {
	report_doc *doc;
	size_t cap;
	int oom;
	const render_input *in;
	tmpl t;
	int placed[GEN_COUNT];
	char ky[128], ky_sau[128], tu[VNFMT_LEN], den[VNFMT_LEN], nam[16];
	/* Rotating buffers so one sentence can format many numbers. */
	char num[24][VNFMT_LEN];
	unsigned next_num;
} builder;

static const char *N(builder *b, long long v)
{
	char *s = b->num[b->next_num++ % 24];
	vnfmt_small_count(v, s, VNFMT_LEN); /* VNFMT_LEN holds any count */
	return s;
}

static const char *R(builder *b, long long num, long long den)
{
	char *s = b->num[b->next_num++ % 24];
	vnfmt_rate(num, den, s, VNFMT_LEN);
	return s;
}

static void add_block(builder *b, doc_kind kind, int level, char *text, int chart)
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

/* vasprintf into a new string (NULL when out of memory). */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
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

static void para(builder *b, char *text)
{
	add_block(b, DOC_PARAGRAPH, 0, text, 0);
}

static const Cchc__V1__DossierFigures *row_figs(const Cchc__V1__FigureRow *r)
{
	static const Cchc__V1__DossierFigures zero = CCHC__V1__DOSSIER_FIGURES__INIT;
	return r && r->dossiers ? r->dossiers : &zero;
}

/* A level is in the report when the scope has units of that level in the period (the registry's
 * structure: no districts after the two-tier reform), or when it has figures anyway. */
static int level_present(const render_input *in, int level)
{
	static const char *const keys[] = {"province", "district", "commune"};
	const Cchc__V1__QueryReply *q = in->figures->query;
	for (size_t i = 0; i < q->n_rows; i++) {
		const Cchc__V1__FigureRow *r = q->rows[i];
		if (r->group && !strcmp(r->group, "unit") && r->has_level && r->level == level)
			return 1;
	}
	const Cchc__V1__DossierFigures *f =
	    row_figs(figures_row(in->figures, "level", keys[level - 1]));
	return f->intake || f->received || f->pending || f->waiting || f->resolved;
}

/* "…: N hồ sơ (trong đó có … trực tuyến, đạt tỷ lệ …); …" shared by the total and each level. */
static char *results_sentence(builder *b, const char *lead, const Cchc__V1__DossierFigures *f)
{
	long long on_time = f->resolved_early + f->resolved_on_time;
	char online[256] = "", resolved[64] = "", ontime[64] = "";
	if (f->received) {
		snprintf(online, sizeof online,
		         " (trong đó có %s hồ sơ nộp trực tuyến, đạt tỷ lệ %s)",
		         N(b, f->received_online), R(b, f->received_online, f->received));
		snprintf(resolved, sizeof resolved, " (đạt tỷ lệ %s)",
		         R(b, f->resolved, f->received));
	} else {
		snprintf(online, sizeof online, " (trong đó có %s hồ sơ nộp trực tuyến)",
		         N(b, f->received_online));
	}
	if (f->resolved)
		snprintf(ontime, sizeof ontime, " (đạt tỷ lệ %s)", R(b, on_time, f->resolved));
	return fmt(
	    "%s%s hồ sơ%s; số hồ sơ từ kỳ trước chuyển qua: %s hồ sơ; số lượng hồ sơ đã giải "
	    "quyết: %s hồ sơ%s; trong đó, giải quyết trước, đúng hạn: %s hồ sơ%s, quá hạn: %s "
	    "hồ sơ; số lượng hồ sơ đang giải quyết: %s hồ sơ; trong đó, chờ tiếp nhận là %s hồ "
	    "sơ.",
	    lead, N(b, f->received), online, N(b, f->carried_over), N(b, f->resolved), resolved,
	    N(b, on_time), ontime, N(b, f->resolved_late), N(b, f->pending + f->waiting),
	    N(b, f->waiting));
}

static const char *const level_names[] = {"", "Cấp tỉnh", "Cấp huyện", "Cấp xã"};
static const char *const level_keys[] = {"", "province", "district", "commune"};

static void gen_results(builder *b)
{
	const render_input *in = b->in;
	const Cchc__V1__DossierFigures *all = row_figs(figures_row(in->figures, "all", ""));
	int present[4] = {0}, npresent = 0;
	for (int lv = 1; lv <= 3; lv++)
		npresent += present[lv] = level_present(in, lv);
	char lead[256];
	snprintf(lead, sizeof lead, "Từ %s - %s, tổng số hồ sơ TTHC đã tiếp nhận: ", b->tu, b->den);
	char *s = results_sentence(b, lead, all);
	if (s && npresent) {
		size_t n = strlen(s);
		s[n - 1] = '\0'; /* the final '.' becomes ". Cụ thể:" */
		char *t = fmt("%s. Cụ thể:", s);
		free(s);
		s = t;
	}
	para(b, s);
	for (int lv = 1; lv <= 3; lv++) {
		if (!present[lv])
			continue;
		snprintf(
		    lead, sizeof lead,
		    "- %s: Tổng số hồ sơ mới tiếp nhận trong kỳ báo cáo là: ", level_names[lv]);
		para(b, results_sentence(
		            b, lead, row_figs(figures_row(in->figures, "level", level_keys[lv]))));
	}
}

static int has_district_units(const render_input *in)
{
	const Cchc__V1__QueryReply *q = in->figures->query;
	for (size_t i = 0; i < q->n_rows; i++)
		if (q->rows[i]->group && !strcmp(q->rows[i]->group, "unit") &&
		    q->rows[i]->has_level && q->rows[i]->level == 2)
			return 1;
	return 0;
}

static void gen_chart(builder *b, int which)
{
	if (which == DOC_CHART_RATES_BY_LEVEL)
		add_block(
		    b, DOC_CHART, 0,
		    fmt("Tỷ lệ hồ sơ giải quyết trước, đúng hạn và tỷ lệ hồ sơ nộp trực tuyến "
		        "theo cấp, %s",
		        b->ky),
		    DOC_CHART_RATES_BY_LEVEL);
	else if (has_district_units(b->in))
		add_block(
		    b, DOC_CHART, 0,
		    fmt("Tỷ lệ hồ sơ giải quyết trước, đúng hạn và tỷ lệ hồ sơ nộp trực tuyến "
		        "theo đơn vị cấp huyện, %s",
		        b->ky),
		    DOC_CHART_RATES_BY_DISTRICT);
}

static void gen_feedback(builder *b)
{
	static const Cchc__V1__FeedbackFigures zero = CCHC__V1__FEEDBACK_FIGURES__INIT;
	const Cchc__V1__FeedbackFigures *f =
	    b->in->figures->query->feedback ? b->in->figures->query->feedback : &zero;
	para(b,
	     fmt("- Trong %s, tổng số phản ánh, kiến nghị đã tiếp nhận trong kỳ báo cáo: %s "
	         "(trong đó: số tiếp nhận mới trong kỳ: %s; số từ kỳ trước chuyển qua: %s). Số "
	         "phản ánh, kiến nghị về quy định hành chính: %s; số phản ánh, kiến nghị về hành "
	         "vi hành chính: %s.",
	         b->ky, N(b, f->carried_over + f->received), N(b, f->received),
	         N(b, f->carried_over), N(b, f->about_regulation), N(b, f->about_behavior)));
	para(b, fmt("- Số phản ánh, kiến nghị đã xử lý: %s; trong đó số đã được đăng tải công "
	            "khai: %s.",
	            N(b, f->resolved), N(b, f->published)));
	para(b, fmt("- Số phản ánh, kiến nghị đang xử lý: %s.", N(b, f->pending)));
}

/* "toàn tỉnh" when the scope is the province, else "của <unit name>". */
static void scope_words(builder *b, char *out, size_t len)
{
	const render_input *in = b->in;
	const Cchc__V1__FigureRow *u = figures_row(in->figures, "unit", in->scope);
	if (u && u->has_level && u->level == 1)
		snprintf(out, len, "toàn tỉnh");
	else if (in->figures->query->scope_name && *in->figures->query->scope_name)
		snprintf(out, len, "của %s", in->figures->query->scope_name);
	else
		snprintf(out, len, "của đơn vị %s", in->scope);
}

static void gen_online(builder *b)
{
	const render_input *in = b->in;
	const Cchc__V1__DossierFigures *all = row_figs(figures_row(in->figures, "all", ""));
	char where[300], levels[512] = "";
	scope_words(b, where, sizeof where);
	size_t n = 0;
	for (int lv = 1; lv <= 3; lv++) {
		const Cchc__V1__DossierFigures *f =
		    row_figs(figures_row(in->figures, "level", level_keys[lv]));
		if (!level_present(in, lv) || !f->received)
			continue;
		char name[32];
		snprintf(name, sizeof name, "%s", level_names[lv]);
		name[0] = 'c'; /* "Cấp" → "cấp" inside the sentence */
		n += (size_t)snprintf(levels + n, sizeof levels - n, "%s %s %s",
		                      n ? "," : "; trong đó", name,
		                      R(b, f->received_online, f->received));
		if (n >= sizeof levels)
			break;
	}
	if (all->received)
		para(b, fmt("- Tỷ lệ hồ sơ TTHC nộp trực tuyến %s trong %s đạt %s (%s/%s hồ sơ)%s.",
		            where, b->ky, R(b, all->received_online, all->received),
		            N(b, all->received_online), N(b, all->received), levels));
	else
		para(b, fmt("- Trong %s, %s chưa tiếp nhận hồ sơ TTHC nào.", b->ky, where));
	para(b, fmt("- Số hồ sơ thanh toán trực tuyến: %s hồ sơ; số hồ sơ được số hóa: %s hồ sơ "
	            "(trên tổng số %s hồ sơ tiếp nhận trong kỳ).",
	            N(b, all->paid_online), N(b, all->digitized), N(b, all->received)));
}

/* A configured target times 100, rounded half away from zero (no libm needed for that). */
static long long target_x100(double percent)
{
	return (long long)(percent * 100 + (percent < 0 ? -0.5 : 0.5));
}

/* A target written as the programme writes it: 60 → "60%", 60.5 → "60,5%". */
static void target_text(double percent, char *out, size_t len)
{
	long long x100 = target_x100(percent);
	vnfmt_percent(x100, out, len);
	char *comma = strchr(out, ',');
	if (comma && !strcmp(comma, ",00%"))
		memmove(comma, "%", 2);
	else if (comma && comma[2] == '0')
		memmove(comma + 2, "%", 2);
}

static void gen_targets(builder *b)
{
	const conf *c = b->in->conf;
	const Cchc__V1__DossierFigures *f = row_figs(figures_row(b->in->figures, "all", ""));
	long long on_time = f->resolved_early + f->resolved_on_time;
	const struct {
		const char *name, *what;
		long long num, den;
	} known[] = {
	    {"online", "tỷ lệ hồ sơ TTHC nộp trực tuyến", f->received_online, f->received},
	    {"on_time", "tỷ lệ hồ sơ giải quyết trước, đúng hạn", on_time, f->resolved},
	    {"resolved", "tỷ lệ hồ sơ đã giải quyết trên số hồ sơ tiếp nhận", f->resolved,
	     f->received},
	    {"digitized", "tỷ lệ hồ sơ được số hóa", f->digitized, f->received},
	    {"paid_online", "tỷ lệ hồ sơ thanh toán trực tuyến trên số hồ sơ tiếp nhận",
	     f->paid_online, f->received},
	    {"progress_766",
	     "tỷ lệ hồ sơ giải quyết, đang giải quyết trong hạn (tiến độ theo "
	     "Quyết định 766/QĐ-TTg)",
	     on_time + f->pending_within_due, f->intake},
	};
	for (unsigned i = 0; i < c->ntargets; i++) {
		char goal[VNFMT_LEN];
		target_text(c->targets[i].percent, goal, sizeof goal);
		size_t k = 0;
		while (k < sizeof known / sizeof known[0] &&
		       strcmp(known[k].name, c->targets[i].name))
			k++;
		if (k == sizeof known / sizeof known[0]) {
			add_block(
			    b, DOC_MISSING, 0,
			    fmt("kết quả thực hiện chỉ tiêu \"%s\" ≥ %s (cchc không có số liệu "
			        "cho chỉ tiêu này)",
			        c->targets[i].name, goal),
			    0);
			continue;
		}
		if (!known[k].den) {
			para(b, fmt("- Chỉ tiêu %s ≥ %s: chưa có hồ sơ trong kỳ để tính.",
			            known[k].what, goal));
			continue;
		}
		long long rate = vnfmt_percent_x100(known[k].num, known[k].den);
		int met = rate >= target_x100(c->targets[i].percent);
		para(
		    b,
		    fmt("- Đối chiếu chỉ tiêu của Chương trình CCHC của tỉnh: %s %s đạt %s, %s chỉ "
		        "tiêu ≥ %s.",
		        known[k].what, b->ky, R(b, known[k].num, known[k].den),
		        met ? "đạt" : "chưa đạt", goal));
	}
}

static void gen(builder *b, int g)
{
	b->placed[g] = 1;
	switch (g) {
	case GEN_RESULTS:
		gen_results(b);
		break;
	case GEN_CHART_LEVEL:
		gen_chart(b, DOC_CHART_RATES_BY_LEVEL);
		break;
	case GEN_CHART_DISTRICT:
		gen_chart(b, DOC_CHART_RATES_BY_DISTRICT);
		break;
	case GEN_FEEDBACK:
		gen_feedback(b);
		break;
	case GEN_ONLINE:
		gen_online(b);
		break;
	case GEN_TARGETS:
		gen_targets(b);
		break;
	}
}

/* Generated blocks whose home is `key` and that the template places nowhere. */
static int homeless(const builder *b, const char *key, int g)
{
	return !strcmp(gens[g].home, key) && !b->t.has_gen[g] && !b->placed[g];
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
			add_block(b, DOC_HEADING, 1, fmt("%s. %s", last, u), 0);
		else
			b->oom = 1;
		free(u);
	} else if (depth == 2) {
		add_block(b, DOC_HEADING, 2, fmt("%s. %s", last, t), 0);
	} else {
		add_block(b, DOC_HEADING, 3, fmt("%s) %s", last, t), 0);
	}
	free(t);
}

static void emit_section(builder *b, const char *key, int depth);

static void emit_items(builder *b, const section *s, const char *title)
{
	for (size_t i = 0; i < s->n; i++) {
		const item *it = &s->items[i];
		if (it->kind == IT_TEXT)
			para(b, expand(b, it->text));
		else if (it->kind == IT_MISSING)
			add_block(b, DOC_MISSING, 0, expand(b, it->text ? it->text : title), 0);
		else
			gen(b, it->gen);
	}
}

static void emit_section(builder *b, const char *key, int depth)
{
	section *s = tmpl_find(&b->t, key);
	const char *title = s && s->title ? s->title : outline_title(key);
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
			if (!parent_key(b->t.s[i].key, parent, sizeof parent) &&
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
			gen(b, g);
	if (b->doc->n_blocks == before) {
		char *t = expand(b, title);
		add_block(b, DOC_MISSING, 0, t ? fmt("mục %s %s", key, t) : NULL, 0);
		free(t);
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
	if (!(d->number = strdup(c->report_number)) || !(d->place_date = strdup(line)) ||
	    !(d->title = strdup("BÁO CÁO")) ||
	    !(d->subtitle = fmt("Tình hình thực hiện công tác cải cách hành chính %s", b->ky)) ||
	    !(d->signer_name = strdup(c->report_signer_name)))
		return -1;
	if (split_lines(c->report_recipients, &d->recipients, &d->n_recipients) ||
	    split_lines(c->report_signer_role, &d->signer_lines, &d->n_signer_lines))
		return -1;
	return 0;
}

int report_doc_build(const render_input *in, report_doc *doc, char *err, size_t errlen)
{
	builder *b = calloc(1, sizeof *b);
	memset(doc, 0, sizeof *doc);
	if (!b) {
		snprintf(err, errlen, "report: out of memory");
		return -1;
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
		return -1;
	}
	snprintf(b->nam, sizeof b->nam, "%d", in->period->year);
	if (in->conf->report_template[0] &&
	    tmpl_load(in->conf->report_template, &b->t, err, errlen)) {
		free(b);
		return -1;
	}
	int header_failed = header(b);
	if (header_failed)
		b->oom = 1;
	section *s;
	if (!b->oom && (s = tmpl_find(&b->t, "mo_dau")))
		emit_items(b, s, "phần mở đầu");
	static const char *const tops[] = {"I", "II", "III", "IV"};
	for (int i = 0; i < 4 && !b->oom; i++)
		emit_section(b, tops[i], 1);
	if (!b->oom && (s = tmpl_find(&b->t, "ket_luan")))
		emit_items(b, s, "phần kết luận");
	int rc = 0;
	if (b->oom) {
		snprintf(err, errlen, "report: %s",
		         header_failed
		             ? "the header (report.* settings, report date) could not be made"
		             : "out of memory building the document");
		report_doc_free(doc);
		rc = -1;
	}
	tmpl_free(&b->t);
	free(b);
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
	for (size_t i = 0; i < doc->n_blocks; i++)
		free(doc->blocks[i].text);
	free(doc->blocks);
	free_lines(doc->recipients, doc->n_recipients);
	free_lines(doc->signer_lines, doc->n_signer_lines);
	free(doc->signer_name);
	memset(doc, 0, sizeof *doc);
}
