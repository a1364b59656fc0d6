/* report_national: the body of the Ministry's national summary (docs/design.md §15), the
 * document `cchc report --scope VN --format docx|pdf` draws: the national results of resolving
 * TTHC (the II.2.c paragraph, over every province), each province's own results with the closed
 * version or the moment its figures come from, form II.06a by province and by level within each,
 * feedback, and the citizens' satisfaction (docs/design.md §16). Every figure comes from the report
 * model (model.c), each province on its own structure; only the wording and the order are decided
 * here. */
#include "report_build.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void heading(builder *b, int level, char *text)
{
	report_add_block(b, DOC_HEADING, level, text, 0);
}

static void para(builder *b, char *text)
{
	report_add_block(b, DOC_PARAGRAPH, 0, text, 0);
}

/* A count in prose, two digits when small ("02 tỉnh"), as the Ministry's reports write it. */
static const char *small(builder *b, long long v)
{
	char *s = b->num[b->next_num++ % 24];
	vnfmt_small_count(v, s, VNFMT_LEN);
	return s;
}

void report_national(builder *b)
{
	const report_model *m = &b->m;
	char lead[300], source[160];

	heading(b, 1, report_fmt("I. KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"));
	snprintf(lead, sizeof lead,
	         "Từ %s - %s, tổng số hồ sơ TTHC của %s tỉnh, thành phố đã tiếp nhận: ", b->tu,
	         b->den, small(b, (long long)m->n_provinces));
	report_results(b, lead, &m->all, m->levels, m->n_levels);
	static const struct {
		int chart;
		const char *by;
	} charts[] = {{DOC_CHART_RATES_BY_LEVEL, "cấp"},
	              {DOC_CHART_RATES_BY_PROVINCE, "tỉnh, thành phố"}};
	for (size_t i = 0; i < sizeof charts / sizeof charts[0]; i++)
		report_add_block(b, DOC_CHART, 0,
		                 report_fmt("Tỷ lệ hồ sơ giải quyết trước, đúng hạn và tỷ lệ hồ sơ "
		                            "nộp trực tuyến theo %s, %s",
		                            charts[i].by, b->ky),
		                 charts[i].chart);

	heading(b, 1, report_fmt("II. KẾT QUẢ CỦA TỪNG TỈNH, THÀNH PHỐ"));
	for (size_t i = 0; i < m->n_provinces && !b->oom; i++) {
		const model_province *p = &m->provinces[i];
		heading(b, 2, report_fmt("%zu. %s", i + 1, p->row.name));
		model_province_source(p, source, sizeof source);
		/* the note opens a sentence: its first letter (ASCII: "số", "chưa") capitalised */
		source[0] = (char)toupper((unsigned char)source[0]);
		para(b, report_fmt("(%s.)", source));
		if (!p->has_data)
			continue;
		report_results(b, "Tổng số hồ sơ TTHC đã tiếp nhận: ", &p->row, p->levels,
		               p->n_levels);
	}
	report_add_block(b, DOC_TABLE, 0,
	                 report_fmt("Biểu số II.06a/VPCP/KSTT: Tình hình, kết quả giải quyết TTHC "
	                            "theo tỉnh, thành phố, %s (đơn vị tính: số hồ sơ TTHC)",
	                            b->ky),
	                 TABLES_BY_UNIT);

	heading(b, 1, report_fmt("III. TIẾP NHẬN, XỬ LÝ PHẢN ÁNH, KIẾN NGHỊ"));
	report_feedback(b, &m->feedback);
	report_add_block(b, DOC_TABLE, 0,
	                 report_fmt("Tình hình, kết quả tiếp nhận, xử lý phản ánh, kiến nghị theo "
	                            "tỉnh, thành phố, %s (đơn vị tính: số phản ánh, kiến nghị)",
	                            b->ky),
	                 TABLES_FEEDBACK);

	heading(b, 1, report_fmt("IV. MỨC ĐỘ HÀI LÒNG CỦA NGƯỜI DÂN, DOANH NGHIỆP"));
	report_satisfaction(b, &m->all);
	report_add_block(b, DOC_TABLE, 0,
	                 report_fmt("Kết quả đánh giá sự hài lòng của người dân, doanh nghiệp "
	                            "trong giải quyết TTHC theo tỉnh, thành phố, %s (đơn vị tính: "
	                            "số hồ sơ TTHC)",
	                            b->ky),
	                 TABLES_SATISFACTION);
}
