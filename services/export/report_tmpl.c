/* report_tmpl: parses the province's report template from a buffer (docs/reports.md): "[KEY]
 * title" lines open a section of the outline, "{{name}}" places a generated block, "[...]" marks
 * prose still to write; everything else is the province's own text, kept as it is. */
#include "report_tmpl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEMPLATE_MAX_BYTES (1u << 20)

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
    [GEN_SATISFACTION] = {"muc_do_hai_long", "II.2.c"},
};

const char *tmpl_gen_home(int gen)
{
	return gen >= 0 && gen < GEN_COUNT ? gens[gen].home : "";
}

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

void tmpl_free(tmpl *t)
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

section *tmpl_find(const tmpl *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->s[i].key, key))
			return &t->s[i];
	return NULL;
}

const char *tmpl_outline_title(const char *key)
{
	for (size_t i = 0; i < sizeof outline / sizeof outline[0]; i++)
		if (!strcmp(outline[i].key, key))
			return outline[i].title;
	return NULL;
}

/* Fixed sections of the outline (not the generated homes, which a template may title itself). */
static int is_fixed(const char *key)
{
	const char *t = tmpl_outline_title(key);
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

int tmpl_parent_key(const char *key, char *out, size_t len)
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
int tmpl_parse(char *text, const char *path, tmpl *t, char *err, size_t errlen)
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
			if (!*title && !tmpl_outline_title(key) &&
			    key_depth(key, why, sizeof why) > 0) {
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
				    "{{chi_tieu}}, {{muc_do_hai_long}}",
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
		if (!tmpl_parent_key(t->s[i].key, parent, sizeof parent) && !is_fixed(parent) &&
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

int tmpl_load(const char *path, tmpl *t, char *err, size_t errlen)
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
