/* console_page_checks: "Kiểm tra" (docs/design.md §14): what `cchc period status` and `cchc check`
 * find for a period and scope, as sentences a clerk acts on: which office, what is wrong, what to
 * do. Silent offices come first (they are the ones to chase before closing), then the reporting
 * rate by level and the late arrivals, then every other finding. Stats finds; this only words. */
#include "console_app.h"

#include "figures.h"
#include "units.h"
#include "vnfmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *level_words(int32_t level)
{
	static const char *const w[] = {"chưa xác định cấp", "cấp tỉnh", "cấp huyện", "cấp xã"};
	return level >= 1 && level <= 3 ? w[level] : w[0];
}

/* The office's name: from the status rows (the offices valid in the period), else the
 * registry on the period's last day, else NULL. */
static const char *office_name(const console_view *v, const Cchc__V1__PeriodStatusReply *st,
                               const char *code)
{
	for (size_t i = 0; st && i < st->n_offices; i++)
		if (!strcmp(st->offices[i]->code, code))
			return st->offices[i]->name;
	return console_unit_name(v, code);
}

/* "<b>Phường Tây Lộc</b> (mã 19750)" */
static void office(html *h, const char *name, const char *code)
{
	html_raw(h, "<b>");
	html_text(h, name ? name : "Đơn vị");
	html_raw(h, "</b> (mã ");
	html_text(h, code);
	html_raw(h, ")");
}

static void silent_section(html *h, const console_view *v, const Cchc__V1__PeriodStatusReply *st)
{
	char from[VNFMT_LEN], to[VNFMT_LEN], n[VNFMT_LEN], m[VNFMT_LEN];
	size_t silent = 0;
	vnfmt_date(v->period.first_day, from, sizeof from);
	vnfmt_date(v->period.last_day, to, sizeof to);
	for (size_t i = 0; i < st->n_offices; i++)
		silent += st->offices[i]->events == 0;
	vnfmt_count((long long)silent, n, sizeof n);
	vnfmt_count((long long)st->n_offices, m, sizeof m);
	html_raw(h,
	         "<section id=\"chua-gui\" class=\"the\">\n<h2>1. Đơn vị chưa gửi số liệu</h2>\n");
	if (!silent) {
		html_rawf(h,
		          "<p class=\"thong-bao ok\">Tất cả %s đơn vị đã gửi số liệu có ngày trong "
		          "kỳ.</p>\n</section>\n",
		          m);
		return;
	}
	html_rawf(h,
	          "<p class=\"thong-bao chu-y\">%s/%s đơn vị chưa gửi hồ sơ hay phản ánh, kiến "
	          "nghị nào có ngày trong kỳ (từ %s đến %s). Cần đôn đốc các đơn vị này trước "
	          "khi chốt số liệu; kỳ có đơn vị chưa gửi chỉ chốt được khi chọn \"Vẫn "
	          "chốt\".</p>\n<ul class=\"phat-hien\">\n",
	          n, m, from, to);
	for (size_t i = 0; i < st->n_offices; i++) {
		const Cchc__V1__PeriodOffice *o = st->offices[i];
		if (o->events)
			continue;
		html_raw(h, "<li data-code=\"");
		html_attr(h, o->code);
		html_raw(h, "\" data-check=\"silent_office\">");
		office(h, o->name, o->code);
		html_rawf(h,
		          ", %s: chưa gửi sự kiện nào trong kỳ. Việc cần làm: liên hệ bộ phận một "
		          "cửa của đơn vị để kiểm tra phần mềm một cửa và gửi lại số liệu (cchc "
		          "push); nếu trong kỳ đơn vị thực sự không có hồ sơ, ghi rõ điều đó trong "
		          "ghi chú khi chốt.</li>\n",
		          level_words(o->level));
	}
	html_raw(h, "</ul>\n</section>\n");
}

static void rate_section(html *h, const Cchc__V1__PeriodStatusReply *st)
{
	static const char *const keys[] = {"province", "district", "commune", "all"};
	static const char *const names[] = {"Cấp tỉnh", "Cấp huyện", "Cấp xã", "Tổng cộng"};
	html_raw(h, "<section id=\"ty-le-gui\" class=\"the\">\n<h2>2. Tỷ lệ đơn vị đã gửi số "
	            "liệu</h2>\n<div class=\"bang-cuon\"><table id=\"bang-ty-le-gui\">\n<thead><tr>"
	            "<th scope=\"col\">Cấp</th><th scope=\"col\">Đã gửi</th><th scope=\"col\">Phải "
	            "gửi</th><th scope=\"col\">Tỷ lệ</th></tr></thead>\n<tbody>\n");
	for (int k = 0; k < 4; k++)
		for (size_t i = 0; i < st->n_rates; i++) {
			const Cchc__V1__PeriodRate *r = st->rates[i];
			char sent[VNFMT_LEN], expected[VNFMT_LEN], rate[VNFMT_LEN];
			if (!r->level || strcmp(r->level, keys[k]))
				continue;
			vnfmt_count(r->sent, sent, sizeof sent);
			vnfmt_count(r->expected, expected, sizeof expected);
			vnfmt_percent(r->rate_x100, rate, sizeof rate);
			html_rawf(h,
			          "<tr data-level=\"%s\"%s><td>%s</td><td class=\"so\">%s</td>"
			          "<td class=\"so\">%s</td><td class=\"so\">%s</td></tr>\n",
			          keys[k], k == 3 ? " class=\"tong\"" : "", names[k], sent,
			          expected, rate);
		}
	html_raw(h, "</tbody>\n</table></div>\n</section>\n");
}

static void late_section(html *h, const console_view *v, const Cchc__V1__PeriodStatusReply *st)
{
	char to[VNFMT_LEN];
	int any = 0;
	vnfmt_date(v->period.last_day, to, sizeof to);
	html_raw(h, "<section id=\"gui-muon\" class=\"the\">\n<h2>3. Số liệu gửi sau ngày chốt số "
	            "liệu</h2>\n");
	for (size_t i = 0; i < st->n_offices; i++) {
		const Cchc__V1__PeriodOffice *o = st->offices[i];
		char n[VNFMT_LEN], when[64];
		if (!o->late)
			continue;
		if (!any)
			html_rawf(
			    h,
			    "<p>Các sự kiện dưới đây có ngày trong kỳ nhưng được gửi sau ngày "
			    "chốt số liệu (%s). Chúng đã được tính vào số liệu hiện nay; nếu kỳ "
			    "đã chốt, phần chênh lệch so với số liệu chốt có ở trang <a "
			    "href=\"/closing",
			    to);
		if (!any) {
			console_view_query(h, v);
			html_raw(h, "\">Chốt số liệu</a>. Việc cần làm: nhắc đơn vị gửi số liệu "
			            "ngay khi phát sinh.</p>\n<ul class=\"phat-hien\">\n");
		}
		any = 1;
		vnfmt_count(o->late, n, sizeof n);
		html_raw(h, "<li data-code=\"");
		html_attr(h, o->code);
		html_raw(h, "\" data-check=\"late_arrival\">");
		office(h, o->name, o->code);
		html_rawf(h, ": %s sự kiện gửi muộn", n);
		if (o->has_last_stored_ms) {
			console_time_text(o->last_stored_ms, when, sizeof when);
			html_rawf(h, " (lần gửi cuối lúc %s)", when);
		}
		html_raw(h, ".</li>\n");
	}
	if (any)
		html_raw(h, "</ul>\n");
	else
		html_raw(h,
		         "<p class=\"thong-bao ok\">Không có sự kiện nào của kỳ được gửi sau ngày "
		         "chốt số liệu.</p>\n");
	html_raw(h, "</section>\n");
}

/* The example codes stats lists after the last ": " of an office finding. */
static const char *examples(const char *detail)
{
	const char *e = NULL;
	for (const char *p = detail; p && (p = strstr(p, ": ")); p += 2)
		e = p + 2;
	return e;
}

/* What a finding means and what to do, per check; NULL for those shown above. */
static const struct {
	const char *check, *dossier, *feedback, *todo;
} wordings[] = {
    {"orphan",
     "hồ sơ có sự kiện trong kỳ nhưng chưa có sự kiện tiếp nhận (received), nên chưa "
     "được tính vào số liệu",
     "phản ánh, kiến nghị có sự kiện trong kỳ nhưng chưa có sự kiện tiếp nhận, nên chưa được "
     "tính",
     "đề nghị đơn vị gửi bổ sung sự kiện tiếp nhận của các hồ sơ này"},
    {"due_before_received", "hồ sơ có hạn trả kết quả trước ngày tiếp nhận", NULL,
     "đề nghị đơn vị kiểm tra lại hạn trả và gửi sự kiện gia hạn (extended) với hạn đúng"},
    {"extra_finish",
     "hồ sơ có thêm sự kiện kết thúc (có kết quả, trả lại hoặc rút) sau sự kiện đã kết thúc hồ "
     "sơ; sự kiện sau không làm thay đổi số liệu",
     "phản ánh, kiến nghị được xử lý hai lần; lần sau không làm thay đổi số liệu",
     "đề nghị đơn vị kiểm tra vì sao phần mềm một cửa gửi thêm sự kiện kết thúc"},
    {"extra_received", "hồ sơ có nhiều sự kiện tiếp nhận; chỉ tính lần tiếp nhận sớm nhất",
     "phản ánh, kiến nghị có nhiều sự kiện tiếp nhận; chỉ tính lần sớm nhất",
     "đề nghị đơn vị kiểm tra vì sao phần mềm một cửa tiếp nhận một hồ sơ nhiều lần"},
};

static void finding(html *h, const console_view *v, const Cchc__V1__PeriodStatusReply *st,
                    const Cchc__V1__CheckItem *x)
{
	const char *check = x->check ? x->check : "";
	const char *code = x->unit && *x->unit ? x->unit : NULL;
	char n[VNFMT_LEN];
	vnfmt_count(x->count, n, sizeof n);
	html_raw(h, "<li data-code=\"");
	html_attr(h, code ? code : "");
	html_raw(h, "\" data-check=\"");
	html_attr(h, check);
	html_raw(h, "\">");
	if (code)
		office(h, office_name(v, st, code), code);
	else
		html_raw(h, "<b>Toàn đơn vị</b>");
	html_raw(h, ": ");
	if (!strcmp(check, "identity")) {
		html_rawf(
		    h,
		    "số liệu không cân đối: kỳ trước chuyển qua + mới tiếp nhận khác đã giải "
		    "quyết + trả lại + rút + đang giải quyết (chênh lệch %s). Đây là lỗi của hệ "
		    "thống, không phải của đơn vị: báo ngay bộ phận kỹ thuật (cchc-stats "
		    "--verify) và chưa chốt số liệu.</li>\n",
		    n);
		return;
	}
	if (!strcmp(check, "no_successor")) {
		html_raw(
		    h, "đơn vị có số liệu trong kỳ nhưng danh mục đơn vị không ghi đơn vị kế thừa "
		       "sau khi sắp xếp, nên số liệu được tính cho đơn vị cấp trên. Việc cần làm: "
		       "bộ phận kỹ thuật bổ sung đơn vị kế thừa (cột merged_from_codes) trong danh "
		       "mục đơn vị (cchc units import).</li>\n");
		return;
	}
	for (size_t i = 0; i < sizeof wordings / sizeof wordings[0]; i++) {
		if (strcmp(check, wordings[i].check))
			continue;
		int feedback = x->detail && strstr(x->detail, "feedback") && wordings[i].feedback;
		const char *ex = examples(x->detail);
		html_rawf(h, "%s %s.", n, feedback ? wordings[i].feedback : wordings[i].dossier);
		if (ex && *ex) {
			html_raw(h, " Ví dụ: ");
			html_text(h, ex);
			html_raw(h, ".");
		}
		html_rawf(h, " Việc cần làm: %s.</li>\n", wordings[i].todo);
		return;
	}
	html_text(h, check);
	html_raw(h, " — ");
	html_text(h, x->detail ? x->detail : "");
	html_raw(h, "</li>\n");
}

static void other_section(html *h, const console_view *v, const Cchc__V1__PeriodStatusReply *st,
                          const Cchc__V1__CheckReply *c)
{
	int any = 0;
	html_raw(h,
	         "<section id=\"phat-hien-khac\" class=\"the\">\n<h2>4. Các phát hiện khác</h2>\n");
	for (size_t i = 0; i < c->n_items; i++) {
		const Cchc__V1__CheckItem *x = c->items[i];
		const char *check = x->check ? x->check : "";
		/* silent offices and late arrivals are the sections above */
		if (x->ok || !strcmp(check, "silent_office") || !strcmp(check, "late_arrival"))
			continue;
		if (!any)
			html_raw(h, "<ul class=\"phat-hien\">\n");
		any = 1;
		finding(h, v, st, x);
	}
	html_raw(h, any ? "</ul>\n"
	                : "<p class=\"thong-bao ok\">Không có phát hiện nào khác: số liệu cân đối, "
	                  "không có hồ sơ thiếu sự kiện tiếp nhận hay có sự kiện trùng.</p>\n");
	html_raw(h, "</section>\n");
}

static void office_table(html *h, const Cchc__V1__PeriodStatusReply *st)
{
	html_raw(h,
	         "<section id=\"tinh-hinh-gui\">\n<h2>Tình hình gửi số liệu của từng đơn "
	         "vị</h2>\n<details>\n<summary>Danh sách đơn vị (chưa gửi xếp trước)</summary>\n"
	         "<div class=\"bang-cuon\"><table id=\"bang-don-vi-gui\">\n<thead><tr>"
	         "<th scope=\"col\">Mã</th><th scope=\"col\">Đơn vị</th><th scope=\"col\">Cấp</th>"
	         "<th scope=\"col\">Số sự kiện trong kỳ</th><th scope=\"col\">Lần gửi cuối</th>"
	         "<th scope=\"col\">Gửi sau ngày chốt</th><th scope=\"col\">Tình trạng</th></tr>"
	         "</thead>\n<tbody>\n");
	for (int silent = 1; silent >= 0; silent--)
		for (size_t i = 0; i < st->n_offices; i++) {
			const Cchc__V1__PeriodOffice *o = st->offices[i];
			char events[VNFMT_LEN], late[VNFMT_LEN], last[64] = "-";
			if ((o->events == 0) != silent)
				continue;
			vnfmt_count(o->events, events, sizeof events);
			vnfmt_count(o->late, late, sizeof late);
			if (o->has_last_stored_ms)
				console_time_text(o->last_stored_ms, last, sizeof last);
			html_raw(h, "<tr data-code=\"");
			html_attr(h, o->code);
			html_raw(h, "\"><td>");
			html_text(h, o->code);
			html_raw(h, "</td><td>");
			html_text(h, o->name);
			html_rawf(h,
			          "</td><td>%s</td><td class=\"so\">%s</td><td>%s</td><td "
			          "class=\"so\">%s</td><td>%s</td></tr>\n",
			          level_words(o->level), events, last, late,
			          silent ? "Chưa gửi" : "Đã gửi");
		}
	html_raw(h, "</tbody>\n</table></div>\n</details>\n</section>\n");
}

void page_checks(const console_view *v, http_resp *out)
{
	Cchc__V1__PeriodStatusRequest pr = CCHC__V1__PERIOD_STATUS_REQUEST__INIT;
	Cchc__V1__CheckRequest cr = CCHC__V1__CHECK_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	Cchc__V1__StatsReply *status = NULL, *checks = NULL;
	char err[1024];

	pr.has_from_ms = pr.has_to_ms = 1;
	pr.from_ms = v->period.from_ms;
	pr.to_ms = v->period.to_ms;
	pr.scope = (char *)v->scope;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_PERIOD_STATUS;
	rq.period_status = &pr;
	if (figures_call(v->app->ctx->stats, &rq, CCHC__V1__STATS_REPLY__BODY_PERIOD_STATUS,
	                 &status, err, sizeof err) != 0) {
		console_failure_page(v, "Không lấy được tình hình gửi số liệu", err, out);
		return;
	}
	cr.has_from_ms = cr.has_to_ms = 1;
	cr.from_ms = v->period.from_ms;
	cr.to_ms = v->period.to_ms;
	cr.scope = (char *)v->scope;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_CHECK;
	rq.check = &cr;
	int rc = figures_call(v->app->ctx->stats, &rq, CCHC__V1__STATS_REPLY__BODY_CHECK, &checks,
	                      err, sizeof err);
	const Cchc__V1__PeriodStatusReply *st = status->period_status;
	if (rc == 0 && !st->ok) {
		snprintf(err, sizeof err, "period status: %s", st->error ? st->error : "refused");
		rc = -1;
	} else if (rc == 0 && !checks->check->ok) {
		snprintf(err, sizeof err, "check: %s",
		         checks->check->error ? checks->check->error : "refused");
		rc = -1;
	}
	if (rc) {
		console_failure_page(v, "Không kiểm tra được số liệu", err, out);
	} else {
		html h = {0};
		console_page_begin(&h, v, "Kiểm tra số liệu", "/checks");
		console_view_caption(&h, v);
		silent_section(&h, v, st);
		rate_section(&h, st);
		late_section(&h, v, st);
		other_section(&h, v, st, checks->check);
		office_table(&h, st);
		console_page_end(&h);
		console_send_html(&h, 200, out);
	}
	cchc__v1__stats_reply__free_unpacked(status, NULL);
	if (checks)
		cchc__v1__stats_reply__free_unpacked(checks, NULL);
}
