/* report_gen: the report's generated sentences (docs/design.md §7): II.2.c the results of resolving
 * TTHC for the scope and each level it has, its charts and the citizens' ratings (§16), II.2.d
 * feedback, II.6 online services and the programme's targets. Every figure, level and rate comes
 * from the report model (model.c), so the prose says what the tables and charts show; only the
 * wording is decided here. */
#include "report_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *N(builder *b, long long v)
{
	char *s = b->num[b->next_num++ % 24];
	vnfmt_small_count(v, s, VNFMT_LEN); /* VNFMT_LEN holds any count */
	return s;
}

/* A rate of the model, "56,46%". */
static const char *P(builder *b, long long x100)
{
	char *s = b->num[b->next_num++ % 24];
	vnfmt_percent(x100, s, VNFMT_LEN);
	return s;
}

static void para(builder *b, char *text)
{
	report_add_block(b, DOC_PARAGRAPH, 0, text, 0);
}

/* "…: N hồ sơ (trong đó có … trực tuyến, đạt tỷ lệ …); …" shared by the total and each level. */
static char *results_sentence(builder *b, const char *lead, const model_row *r)
{
	const Cchc__V1__DossierFigures *f = &r->d;
	long long on_time = f->resolved_early + f->resolved_on_time;
	char online[256] = "", resolved[64] = "", ontime[64] = "";
	if (r->rates.has_online) {
		snprintf(online, sizeof online,
		         " (trong đó có %s hồ sơ nộp trực tuyến, đạt tỷ lệ %s)",
		         N(b, f->received_online), P(b, r->rates.online_x100));
		snprintf(resolved, sizeof resolved, " (đạt tỷ lệ %s)",
		         P(b, r->rates.resolved_x100));
	} else {
		snprintf(online, sizeof online, " (trong đó có %s hồ sơ nộp trực tuyến)",
		         N(b, f->received_online));
	}
	if (r->rates.has_on_time)
		snprintf(ontime, sizeof ontime, " (đạt tỷ lệ %s)", P(b, r->rates.on_time_x100));
	return report_fmt(
	    "%s%s hồ sơ%s; số hồ sơ từ kỳ trước chuyển qua: %s hồ sơ; số lượng hồ sơ đã giải "
	    "quyết: %s hồ sơ%s; trong đó, giải quyết trước, đúng hạn: %s hồ sơ%s, quá hạn: %s "
	    "hồ sơ; số lượng hồ sơ đang giải quyết: %s hồ sơ; trong đó, chờ tiếp nhận là %s hồ "
	    "sơ.",
	    lead, N(b, f->received), online, N(b, f->carried_over), N(b, f->resolved), resolved,
	    N(b, on_time), ontime, N(b, f->resolved_late), N(b, f->pending + f->waiting),
	    N(b, f->waiting));
}

void report_results(builder *b, const char *lead, const model_row *total, const model_level *levels,
                    size_t n)
{
	size_t nlevels = 0;
	for (size_t i = 0; i < n; i++)
		nlevels += levels[i].level != 0;
	char *s = results_sentence(b, lead, total);
	if (s && nlevels) {
		size_t len = strlen(s);
		s[len - 1] = '\0'; /* the final '.' becomes ". Cụ thể:" */
		char *t = report_fmt("%s. Cụ thể:", s);
		free(s);
		s = t;
	}
	para(b, s);
	for (size_t i = 0; i < n; i++) {
		const model_level *l = &levels[i];
		char level_lead[256];
		if (!l->level)
			continue;
		snprintf(level_lead, sizeof level_lead,
		         "- %s: Tổng số hồ sơ mới tiếp nhận trong kỳ báo cáo là: ", l->name);
		para(b, results_sentence(b, level_lead, &l->row));
	}
}

/* The total, then one paragraph per level the report shows (units of no known level are in the
 * tables; the province's reports speak of the three levels only). */
static void gen_results(builder *b)
{
	char lead[256];
	snprintf(lead, sizeof lead, "Từ %s - %s, tổng số hồ sơ TTHC đã tiếp nhận: ", b->tu, b->den);
	report_results(b, lead, &b->m.all, b->m.levels, b->m.n_levels);
}

static void gen_chart(builder *b, int which)
{
	const model_level *districts = model_level_get(&b->m, 2);
	if (which == DOC_CHART_RATES_BY_LEVEL)
		report_add_block(
		    b, DOC_CHART, 0,
		    report_fmt("Tỷ lệ hồ sơ giải quyết trước, đúng hạn và tỷ lệ hồ sơ nộp trực "
		               "tuyến theo cấp, %s",
		               b->ky),
		    DOC_CHART_RATES_BY_LEVEL);
	else if (districts && districts->n_units)
		report_add_block(
		    b, DOC_CHART, 0,
		    report_fmt("Tỷ lệ hồ sơ giải quyết trước, đúng hạn và tỷ lệ hồ sơ nộp trực "
		               "tuyến theo đơn vị cấp huyện, %s",
		               b->ky),
		    DOC_CHART_RATES_BY_DISTRICT);
}

static void gen_feedback(builder *b)
{
	report_feedback(b, &b->m.feedback);
}

void report_feedback(builder *b, const Cchc__V1__FeedbackFigures *f)
{
	para(b,
	     report_fmt("- Trong %s, tổng số phản ánh, kiến nghị đã tiếp nhận trong kỳ báo cáo: %s "
	                "(trong đó: số tiếp nhận mới trong kỳ: %s; số từ kỳ trước chuyển qua: %s). "
	                "Số phản ánh, kiến nghị về quy định hành chính: %s; số phản ánh, kiến nghị "
	                "về hành vi hành chính: %s.",
	                b->ky, N(b, f->carried_over + f->received), N(b, f->received),
	                N(b, f->carried_over), N(b, f->about_regulation), N(b, f->about_behavior)));
	para(b, report_fmt("- Số phản ánh, kiến nghị đã xử lý: %s; trong đó số đã được đăng tải "
	                   "công khai: %s.",
	                   N(b, f->resolved), N(b, f->published)));
	para(b, report_fmt("- Số phản ánh, kiến nghị đang xử lý: %s.", N(b, f->pending)));
}

void report_satisfaction(builder *b, const model_row *r)
{
	const Cchc__V1__DossierFigures *f = &r->d;
	long long finished = f->resolved + f->returned + f->withdrawn;
	if (!r->rates.has_satisfied) {
		para(b,
		     report_fmt("- Đánh giá mức độ hài lòng: trong %s, chưa có hồ sơ nào đã giải "
		                "quyết xong được người dân, doanh nghiệp đánh giá.",
		                b->ky));
		return;
	}
	para(b, report_fmt("- Đánh giá mức độ hài lòng: trong %s, có %s hồ sơ được người dân, "
	                   "doanh nghiệp đánh giá trên tổng số %s hồ sơ đã giải quyết xong (có "
	                   "kết quả, trả lại, rút); trong đó rất hài lòng và hài lòng: %s hồ sơ, "
	                   "không hài lòng: %s hồ sơ; tỷ lệ hài lòng đạt %s.",
	                   b->ky, N(b, f->rated), N(b, finished), N(b, f->rated_satisfied),
	                   N(b, f->rated_unsatisfied), P(b, r->rates.satisfied_x100)));
}

/* "toàn tỉnh" when the scope is the province, else "của <unit name>". */
static void scope_words(builder *b, char *out, size_t len)
{
	const report_model *m = &b->m;
	if (m->scope_level == 1)
		snprintf(out, len, "toàn tỉnh");
	else if (*m->scope_name)
		snprintf(out, len, "của %s", m->scope_name);
	else
		snprintf(out, len, "của đơn vị %s", m->scope_code);
}

static void gen_online(builder *b)
{
	const report_model *m = &b->m;
	const Cchc__V1__DossierFigures *all = &m->all.d;
	char where[300], levels[512] = "";
	scope_words(b, where, sizeof where);
	size_t n = 0;
	for (size_t i = 0; i < m->n_levels; i++) {
		const model_level *l = &m->levels[i];
		if (!l->level || !l->row.rates.has_online)
			continue;
		char name[32];
		snprintf(name, sizeof name, "%s", l->name);
		name[0] = 'c'; /* "Cấp" → "cấp" inside the sentence */
		n += (size_t)snprintf(levels + n, sizeof levels - n, "%s %s %s",
		                      n ? "," : "; trong đó", name, P(b, l->row.rates.online_x100));
		if (n >= sizeof levels)
			break;
	}
	if (m->all.rates.has_online)
		para(b, report_fmt("- Tỷ lệ hồ sơ TTHC nộp trực tuyến %s trong %s đạt %s (%s/%s hồ "
		                   "sơ)%s.",
		                   where, b->ky, P(b, m->all.rates.online_x100),
		                   N(b, all->received_online), N(b, all->received), levels));
	else
		para(b, report_fmt("- Trong %s, %s chưa tiếp nhận hồ sơ TTHC nào.", b->ky, where));
	para(b, report_fmt("- Số hồ sơ thanh toán trực tuyến: %s hồ sơ; số hồ sơ được số hóa: %s "
	                   "hồ sơ (trên tổng số %s hồ sơ tiếp nhận trong kỳ).",
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
	const model_rates *r = &b->m.all.rates;
	const struct {
		const char *name, *what;
		long long x100;
		int has;
	} known[] = {
	    {"online", "tỷ lệ hồ sơ TTHC nộp trực tuyến", r->online_x100, r->has_online},
	    {"on_time", "tỷ lệ hồ sơ giải quyết trước, đúng hạn", r->on_time_x100, r->has_on_time},
	    {"resolved", "tỷ lệ hồ sơ đã giải quyết trên số hồ sơ tiếp nhận", r->resolved_x100,
	     r->has_resolved},
	    {"digitized", "tỷ lệ hồ sơ được số hóa", r->digitized_x100, r->has_online},
	    {"paid_online", "tỷ lệ hồ sơ thanh toán trực tuyến trên số hồ sơ tiếp nhận",
	     r->paid_online_x100, r->has_online},
	    {"progress_766",
	     "tỷ lệ hồ sơ giải quyết, đang giải quyết trong hạn (tiến độ theo "
	     "Quyết định 766/QĐ-TTg)",
	     r->progress_766_x100, r->has_progress_766},
	    {"satisfaction",
	     "mức độ hài lòng của người dân, doanh nghiệp (tỷ lệ hồ sơ được đánh giá rất hài "
	     "lòng, hài lòng)",
	     r->satisfied_x100, r->has_satisfied},
	};
	for (unsigned i = 0; i < c->ntargets; i++) {
		char goal[VNFMT_LEN];
		target_text(c->targets[i].percent, goal, sizeof goal);
		size_t k = 0;
		while (k < sizeof known / sizeof known[0] &&
		       strcmp(known[k].name, c->targets[i].name))
			k++;
		if (k == sizeof known / sizeof known[0]) {
			report_add_block(b, DOC_MISSING, 0,
			                 report_fmt("kết quả thực hiện chỉ tiêu \"%s\" ≥ %s (cchc "
			                            "không có số liệu cho chỉ tiêu này)",
			                            c->targets[i].name, goal),
			                 0);
			continue;
		}
		if (!known[k].has) {
			para(b, report_fmt("- Chỉ tiêu %s ≥ %s: chưa có hồ sơ trong kỳ để tính.",
			                   known[k].what, goal));
			continue;
		}
		int met = known[k].x100 >= target_x100(c->targets[i].percent);
		para(b, report_fmt("- Đối chiếu chỉ tiêu của Chương trình CCHC của tỉnh: %s %s đạt "
		                   "%s, %s chỉ tiêu ≥ %s.",
		                   known[k].what, b->ky, P(b, known[k].x100),
		                   met ? "đạt" : "chưa đạt", goal));
	}
}

void report_gen(builder *b, int g)
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
	case GEN_SATISFACTION:
		report_satisfaction(b, &b->m.all);
		break;
	}
}
