/* index766: the 766 index's indicators from a row's figures (index766.h). Which figures each ratio
 * counts follows what public sources confirm of the national portal's formulas (the provincial
 * design's research/766.md, summarised with its sources in docs/reports.md); where the records
 * lack what the portal uses the indicator says it is an approximation, and where they lack it
 * altogether the indicator is listed as not computed with what it needs — never guessed. */
#include "index766.h"

#include "datafile.h"
#include "units.h"
#include "vnfmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const index766_def computed[INDEX766_COMPUTED] = {
    [INDEX766_PROGRESS] = {"2.1", "Tiến độ, kết quả giải quyết",
                           "Tỷ lệ hồ sơ xử lý trước hạn, đúng hạn",
                           "(resolved_early + resolved_on_time + pending_within_due) / intake", 0,
                           "Hồ sơ đang giải quyết tính theo hạn trả kết quả cuối cùng đã ghi "
                           "nhận (kể cả gia hạn, bổ sung).",
                           NULL},
    [INDEX766_ONLINE] = {"3.3", "Cung cấp dịch vụ trực tuyến", "Tỷ lệ hồ sơ nộp trực tuyến",
                         "received_online / received", 0,
                         "Tính mọi hồ sơ tiếp nhận trực tuyến; chưa áp dụng điều kiện cấp kết "
                         "quả điện tử và tỷ lệ đồng bộ của Cổng Dịch vụ công quốc gia.",
                         NULL},
    [INDEX766_PAID_ONLINE] = {"3.6", "Thanh toán trực tuyến", "Tỷ lệ hồ sơ thanh toán trực tuyến",
                              "paid_online / received", 1,
                              "Xấp xỉ: mẫu số là mọi hồ sơ tiếp nhận, vì hồ sơ không cho biết "
                              "TTHC có phí, lệ phí hay không (Cổng chỉ tính hồ sơ có phí).",
                              NULL},
    [INDEX766_DIGITIZED] = {"4.2", "Số hóa hồ sơ", "Tỷ lệ hồ sơ thực hiện số hóa",
                            "digitized / received", 1,
                            "Xấp xỉ: hồ sơ có sự kiện số hóa; Cổng còn yêu cầu tệp kết quả với "
                            "TTHC trả kết quả bằng văn bản, hồ sơ không ghi nhận điều này.",
                            NULL},
    [INDEX766_FEEDBACK] = {"5.2", "Mức độ hài lòng", "Tỷ lệ phản ánh, kiến nghị xử lý đúng hạn",
                           "(feedback.resolved_on_time + feedback.pending_within_due) / "
                           "(feedback.carried_over + feedback.received)",
                           0,
                           "Hạn xử lý: 15 ngày làm việc sau ngày tiếp nhận (lịch ngày nghỉ "
                           "calendar_file); chưa tính các hạn từ chối, yêu cầu bổ sung, đăng tải.",
                           NULL},
    [INDEX766_SATISFACTION] = {"5.4", "Mức độ hài lòng",
                               "Tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC",
                               "(intake - (resolved_late + pending_overdue + rated_unsatisfied - "
                               "rated_unsatisfied_late)) / intake",
                               1,
                               "Xấp xỉ: trừ hồ sơ bị đánh giá không hài lòng và hồ sơ quá hạn "
                               "(mỗi hồ sơ một lần); chưa trừ hồ sơ bị phản ánh, kiến nghị vì "
                               "phản ánh không ghi mã hồ sơ.",
                               NULL},
};

/* What the records do not hold, per indicator the portal scores (docs/reports.md). */
static const index766_def missing[] = {
    {"1.1", "Công khai, minh bạch", "Tỷ lệ TTHC công bố đúng hạn", "", 0, "",
     "cần ngày ban hành quyết định công bố và ngày có hiệu lực của văn bản quy định từng TTHC"},
    {"1.2", "Công khai, minh bạch", "Tỷ lệ TTHC được cập nhật, công khai đúng hạn", "", 0, "",
     "cần ngày công khai từng TTHC trên Cơ sở dữ liệu quốc gia về TTHC"},
    {"1.3", "Công khai, minh bạch", "Tỷ lệ TTHC công khai đầy đủ các bộ phận tạo thành", "", 0, "",
     "cần nội dung công khai của từng TTHC"},
    {"1.4", "Công khai, minh bạch", "Tỷ lệ hồ sơ đồng bộ lên Cổng Dịch vụ công quốc gia", "", 0, "",
     "cần trạng thái đồng bộ của từng hồ sơ với Cổng Dịch vụ công quốc gia"},
    {"2.2", "Tiến độ, kết quả giải quyết", "Thời gian giải quyết TTHC trung bình", "", 0, "",
     "chỉ số theo dõi, Cổng không tính điểm"},
    {"3.1", "Cung cấp dịch vụ trực tuyến", "Tỷ lệ TTHC cung cấp dịch vụ công trực tuyến", "", 0, "",
     "cần danh mục TTHC và mức độ cung cấp trực tuyến của từng TTHC"},
    {"3.2", "Cung cấp dịch vụ trực tuyến", "Tỷ lệ dịch vụ công trực tuyến có phát sinh hồ sơ", "",
     0, "", "cần danh mục dịch vụ công trực tuyến được cung cấp"},
    {"3.5", "Thanh toán trực tuyến",
     "Tỷ lệ TTHC có nghĩa vụ tài chính được tích hợp thanh toán trực tuyến", "", 0, "",
     "cần danh mục phí, lệ phí của từng TTHC"},
    {"3.5b", "Thanh toán trực tuyến", "Tỷ lệ TTHC có giao dịch thanh toán trực tuyến", "", 0, "",
     "cần danh mục TTHC có phí, lệ phí"},
    {"4.1", "Số hóa hồ sơ", "Tỷ lệ hồ sơ có cấp kết quả giải quyết TTHC điện tử", "", 0, "",
     "cần thông tin kết quả điện tử của hồ sơ và danh mục TTHC trả kết quả bằng văn bản"},
    {"4.3", "Số hóa hồ sơ", "Tỷ lệ khai thác, sử dụng lại thông tin, dữ liệu số hóa", "", 0, "",
     "cần đánh dấu thành phần hồ sơ sử dụng lại dữ liệu đã số hóa"},
    {"4.4", "Số hóa hồ sơ", "Hồ sơ số hóa có kết nối, chia sẻ dữ liệu", "", 0, "",
     "cần dữ liệu kết nối với kho dữ liệu của Cổng Dịch vụ công quốc gia"},
    {"4.5a", "Số hóa hồ sơ", "Tỷ lệ TTHC sử dụng dữ liệu dân cư", "", 0, "",
     "cần dữ liệu khai thác Cơ sở dữ liệu quốc gia về dân cư"},
    {"4.5b", "Số hóa hồ sơ", "Tỷ lệ hồ sơ sử dụng dữ liệu dân cư", "", 0, "",
     "cần dữ liệu khai thác Cơ sở dữ liệu quốc gia về dân cư"},
    {"4.6", "Số hóa hồ sơ", "Chứng thực bản sao điện tử từ bản chính", "", 0, "",
     "cần danh sách cấp xã cung cấp chứng thực điện tử"},
    {"5.1", "Mức độ hài lòng", "Phản ánh, kiến nghị theo phân loại", "", 0, "",
     "chỉ số theo dõi, Cổng không tính điểm"},
    {"5.3", "Mức độ hài lòng", "Tỷ lệ hài lòng trong xử lý phản ánh, kiến nghị", "", 0, "",
     "cần lượt đánh giá (thích, không thích) trên Cổng Dịch vụ công quốc gia và phản ánh lặp lại"},
};
#define NMISSING (sizeof missing / sizeof missing[0])

/* An id of the data file cchc knows nothing about: kept, listed as not computed. */
typedef struct unknown_def {
	index766_def def;
	char id[16], name[48];
} unknown_def;

struct index766_conf {
	long long max_x100[INDEX766_COMPUTED], target_x100[INDEX766_COMPUTED];
	index766_missing *miss; /* in file order */
	size_t nmiss;
	unknown_def *unknown; /* nunknown, defs pointed to by miss */
	size_t nunknown;
};

/* "6", "2.5", "0.25" into times 100; -1 when not a number with at most two decimals. */
static long long hundredths(const char *s)
{
	long long v = 0;
	int digits = 0, decimals = -1;

	for (; *s; s++) {
		if (*s == '.' && decimals < 0 && digits) {
			decimals = 0;
			continue;
		}
		if (*s < '0' || *s > '9' || decimals >= 2 || v > 1000000)
			return -1;
		v = v * 10 + (*s - '0');
		digits++;
		if (decimals >= 0)
			decimals++;
	}
	if (!digits || decimals == 0)
		return -1;
	for (int d = decimals < 0 ? 0 : decimals; d < 2; d++)
		v *= 10;
	return v;
}

/* Without blanks on either side (the cells of a row). */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* Splits a row into exactly three comma-separated cells. */
static int cells(char *s, char *c[3])
{
	for (int i = 0; i < 3; i++) {
		char *comma = i < 2 ? strchr(s, ',') : NULL;
		if (i < 2 && !comma)
			return -1;
		if (comma)
			*comma = '\0';
		c[i] = trim(s);
		s = comma ? comma + 1 : s + strlen(s);
	}
	return strchr(c[2], ',') ? -1 : 0;
}

static int add_missing(index766_conf *c, const index766_def *def, long long max_x100)
{
	index766_missing *p = realloc(c->miss, (c->nmiss + 1) * sizeof *p);
	if (!p)
		return -1;
	c->miss = p;
	c->miss[c->nmiss++] = (index766_missing){def, max_x100};
	return 0;
}

/* One data row: its id's weight and target. */
static int conf_row(index766_conf *c, char *cell[3], int *seen, const char *name, int line,
                    char *err, size_t errlen)
{
	const char *id = cell[0];
	long long max = hundredths(cell[1]);
	long long target = *cell[2] ? hundredths(cell[2]) : 0;

	if (!*id || strlen(id) >= sizeof c->unknown[0].id)
		return datafile_fail(err, errlen, name, line, "'%.20s' is not an indicator number",
		                     id);
	if (max < 0 || max > 10000)
		return datafile_fail(
		    err, errlen, name, line,
		    "indicator %s: max_points '%.20s' is not a number from 0 to 100 with at "
		    "most two decimals",
		    id, cell[1]);
	if (target < 0 || target > 10000 || (*cell[2] && target == 0))
		return datafile_fail(
		    err, errlen, name, line,
		    "indicator %s: target_percent '%.20s' is not a percentage above 0 and at "
		    "most 100 with at most two decimals",
		    id, cell[2]);
	for (int k = 0; k < INDEX766_COMPUTED; k++)
		if (!strcmp(id, computed[k].id)) {
			if (seen[k])
				return datafile_fail(err, errlen, name, line,
				                     "indicator %s is listed already on "
				                     "line %d",
				                     id, seen[k]);
			if (!*cell[2])
				return datafile_fail(
				    err, errlen, name, line,
				    "indicator %s needs target_percent: the ratio from which it "
				    "earns full points (100: points grow with the ratio)",
				    id);
			seen[k] = line;
			c->max_x100[k] = max;
			c->target_x100[k] = target;
			return 0;
		}
	for (size_t i = 0; i < c->nmiss; i++)
		if (!strcmp(id, c->miss[i].def->id))
			return datafile_fail(err, errlen, name, line,
			                     "indicator %s is listed twice", id);
	const index766_def *def = NULL;
	for (size_t i = 0; i < NMISSING; i++)
		if (!strcmp(id, missing[i].id))
			def = &missing[i];
	if (!def) {
		unknown_def *u = &c->unknown[c->nunknown++];
		snprintf(u->id, sizeof u->id, "%s", id);
		snprintf(u->name, sizeof u->name, "Chỉ số %s", id);
		u->def = (index766_def){
		    u->id, "", u->name, "", 0, "", "cchc chưa có quy tắc tính chỉ số này từ hồ sơ"};
		def = &u->def;
	}
	if (add_missing(c, def, max) != 0)
		return datafile_fail(err, errlen, name, line, "out of memory");
	return 0;
}

int index766_conf_parse(const char *text, size_t len, const char *name, index766_conf **out,
                        char *err, size_t errlen)
{
	index766_conf *c = calloc(1, sizeof *c);
	int seen[INDEX766_COMPUTED] = {0}, header = 0, rc = -1;
	size_t rows = 0;
	datafile f;

	*out = NULL;
	if (datafile_open(&f, text, len, name, err, errlen) != 0)
		goto out;
	for (size_t i = 0; i < len; i++)
		rows += text[i] == '\n';
	if (c)
		c->unknown = calloc(rows + 1, sizeof *c->unknown); /* at most one per line */
	if (!c || !c->unknown) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	for (char *s; (s = datafile_next(&f));) {
		char *cell[3];
		if (cells(s, cell) != 0) {
			datafile_fail(err, errlen, name, f.line,
			              "expected three cells: indicator,max_points,target_percent");
			goto out;
		}
		if (!header) {
			if (strcmp(cell[0], "indicator") || strcmp(cell[1], "max_points") ||
			    strcmp(cell[2], "target_percent")) {
				datafile_fail(err, errlen, name, f.line,
				              "the first row must be the header "
				              "indicator,max_points,target_percent");
				goto out;
			}
			header = 1;
			continue;
		}
		if (conf_row(c, cell, seen, name, f.line, err, errlen) != 0)
			goto out;
	}
	for (int k = 0; k < INDEX766_COMPUTED; k++)
		if (!seen[k]) {
			snprintf(err, errlen,
			         "%s: indicator %s (%s) has no row: cchc computes it and needs its "
			         "max_points and target_percent",
			         name, computed[k].id, computed[k].name);
			goto out;
		}
	*out = c;
	c = NULL;
	rc = 0;
out:
	datafile_close(&f);
	index766_conf_free(c);
	return rc;
}

int index766_conf_load(const char *path, index766_conf **out, char *err, size_t errlen)
{
	char *text;
	size_t len;

	*out = NULL;
	if (units_read_file(path, &text, &len, err, errlen) != 0)
		return -1;
	int rc = index766_conf_parse(text, len, path, out, err, errlen);
	free(text);
	return rc;
}

void index766_conf_free(index766_conf *c)
{
	if (!c)
		return;
	free(c->miss);
	free(c->unknown);
	free(c);
}

/* a / b rounded half away from zero, for a >= 0 and b > 0. */
static long long div_round(long long a, long long b)
{
	return (2 * a + b) / (2 * b);
}

long long index766_points_x100(long long ratio_x100, long long max_x100, long long target_x100)
{
	if (target_x100 <= 0 || ratio_x100 <= 0)
		return 0;
	if (ratio_x100 >= target_x100)
		return max_x100;
	return div_round(max_x100 * ratio_x100, target_x100);
}

static void value(const index766_conf *c, int k, long long num, long long den, index766_value *v)
{
	if (num < 0)
		num = 0;
	v->def = &computed[k];
	v->numerator = num;
	v->denominator = den;
	v->has_ratio = den > 0;
	v->ratio_x100 = vnfmt_percent_x100(num, den);
	v->max_x100 = c->max_x100[k];
	v->target_x100 = c->target_x100[k];
	v->points_x100 =
	    v->has_ratio ? index766_points_x100(v->ratio_x100, v->max_x100, v->target_x100) : 0;
}

void index766_compute(const index766_conf *c, const Cchc__V1__DossierFigures *d,
                      const Cchc__V1__FeedbackFigures *fb, index766_row *out)
{
	static const Cchc__V1__FeedbackFigures none = CCHC__V1__FEEDBACK_FIGURES__INIT;
	if (!fb)
		fb = &none;
	/* each dossier once: the unhappy ones that were also late are late already */
	long long unhappy_or_late = d->resolved_late + d->pending_overdue + d->rated_unsatisfied -
	                            d->rated_unsatisfied_late;

	value(c, INDEX766_PROGRESS, d->resolved_early + d->resolved_on_time + d->pending_within_due,
	      d->intake, &out->v[INDEX766_PROGRESS]);
	value(c, INDEX766_ONLINE, d->received_online, d->received, &out->v[INDEX766_ONLINE]);
	value(c, INDEX766_PAID_ONLINE, d->paid_online, d->received, &out->v[INDEX766_PAID_ONLINE]);
	value(c, INDEX766_DIGITIZED, d->digitized, d->received, &out->v[INDEX766_DIGITIZED]);
	value(c, INDEX766_FEEDBACK, fb->resolved_on_time + fb->pending_within_due,
	      fb->carried_over + fb->received, &out->v[INDEX766_FEEDBACK]);
	value(c, INDEX766_SATISFACTION, d->intake - unhappy_or_late, d->intake,
	      &out->v[INDEX766_SATISFACTION]);
	out->points_x100 = out->max_x100 = 0;
	for (int k = 0; k < INDEX766_COMPUTED; k++) {
		out->points_x100 += out->v[k].points_x100;
		out->max_x100 += out->v[k].max_x100;
	}
}

/* "6", "2.5", "0.25" from times 100 (the formula is in the notation of the JSON keys). */
static void number(long long x100, char *out, size_t len)
{
	if (x100 % 100 == 0)
		snprintf(out, len, "%lld", x100 / 100);
	else if (x100 % 10 == 0)
		snprintf(out, len, "%lld.%lld", x100 / 100, x100 % 100 / 10);
	else
		snprintf(out, len, "%lld.%02lld", x100 / 100, x100 % 100);
}

void index766_formula(const index766_value *v, char *out, size_t len)
{
	char max[32], target[32];
	number(v->max_x100, max, sizeof max);
	number(v->target_x100, target, sizeof target);
	if (v->target_x100 >= 10000)
		snprintf(out, len, "ratio = %s; points = %s × ratio", v->def->ratio, max);
	else
		snprintf(out, len, "ratio = %s; points = %s × min(1, ratio / %s%%)", v->def->ratio,
		         max, target);
}

const index766_missing *index766_not_computed(const index766_conf *c, size_t *n)
{
	*n = c->nmiss;
	return c->miss;
}
