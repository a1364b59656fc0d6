/* period: `cchc period SUB …`, a reporting period before and after it is sent to the Ministry
 * (docs/design.md §13). One table names every subcommand; `status` (who has sent data for a
 * period, who is silent) is built, the others are not yet. status asks stats for its rows and only
 * lays them out: text for the reform office, json for machines. */
#include "period_cli.h"
#include "period_cycle.h"

#include "check.h"
#include "commands.h"
#include "service.h"
#include "vnfmt.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- layout (period_cli.h) ---- */

int period_cli_time(int64_t ms, int iso, char *buf, size_t len)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : -((999 - ms) / 1000));
	struct tm tm;
	int n;

	if (len)
		buf[0] = '\0';
	if (!localtime_r(&t, &tm))
		return -1;
	if (iso) {
		long off = tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff;
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
		             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		             tm.tm_sec, tm.tm_gmtoff < 0 ? '-' : '+', off / 3600, off % 3600 / 60);
	} else {
		n = snprintf(buf, len, "%02d/%02d/%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1,
		             tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
	}
	if (n < 0 || (size_t)n >= len) {
		if (len)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}

int period_cli_status_exit(const Cchc__V1__PeriodStatusReply *r)
{
	for (size_t i = 0; i < r->n_offices; i++)
		if (!r->offices[i]->events)
			return 1;
	return 0;
}

static const char *const level_label[] = {"Chưa xác định cấp", "Cấp tỉnh", "Cấp huyện", "Cấp xã"};
static const char *const level_key[] = {"", "province", "district", "commune"};

static const char *office_level_label(int32_t level)
{
	return level >= 1 && level <= 3 ? level_label[level] : level_label[0];
}

/* The rate row of a level key ("all", "district", …), or NULL when the scope lacks that level. */
static const Cchc__V1__PeriodRate *rate_of(const Cchc__V1__PeriodStatusReply *r, const char *key)
{
	for (size_t i = 0; i < r->n_rates; i++)
		if (r->rates[i]->level && !strcmp(r->rates[i]->level, key))
			return r->rates[i];
	return NULL;
}

static const char *scope_name(const Cchc__V1__PeriodStatusReply *r, const char *scope)
{
	for (size_t i = 0; i < r->n_offices; i++)
		if (!strcmp(r->offices[i]->code, scope))
			return r->offices[i]->name;
	return NULL;
}

/* Characters of UTF-8 text: the registry's names are precomposed Vietnamese, one column each. */
static size_t text_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* s in a column of `width` characters, aligned right or left, then two spaces unless last. */
static void cell(FILE *f, const char *s, size_t width, int right, int last)
{
	size_t w = text_width(s);
	if (right)
		fprintf(f, "%*s", (int)(width > w ? width - w : 0), "");
	fputs(s, f);
	if (!last)
		fprintf(f, "%*s", (int)((!right && width > w ? width - w : 0) + 2), "");
}

enum { COL_CODE, COL_NAME, COL_LEVEL, COL_EVENTS, COL_LAST, COL_LATE, COL_STATE, NCOL };

static const char *const heading[NCOL] = {"Mã",           "Đơn vị",
                                          "Cấp",          "Số sự kiện trong kỳ",
                                          "Lần gửi cuối", "Gửi sau ngày chốt số liệu",
                                          "Tình trạng"};
static const int right_aligned[NCOL] = {0, 0, 0, 1, 0, 1, 0};

/* The cells of office o (buffers of VNFMT_LEN bytes for the numbers and the time). */
static void office_cells(const Cchc__V1__PeriodOffice *o, char events[VNFMT_LEN],
                         char last[VNFMT_LEN], char late[VNFMT_LEN], const char *cells[NCOL])
{
	vnfmt_count(o->events, events, VNFMT_LEN);
	vnfmt_count(o->late, late, VNFMT_LEN);
	if (!o->has_last_stored_ms || period_cli_time(o->last_stored_ms, 0, last, VNFMT_LEN))
		snprintf(last, VNFMT_LEN, "-");
	cells[COL_CODE] = o->code;
	cells[COL_NAME] = o->name;
	cells[COL_LEVEL] = office_level_label(o->level);
	cells[COL_EVENTS] = events;
	cells[COL_LAST] = last;
	cells[COL_LATE] = late;
	cells[COL_STATE] = o->events ? "Đã gửi" : "Chưa gửi";
}

static void office_table(FILE *f, const Cchc__V1__PeriodStatusReply *r)
{
	char events[VNFMT_LEN], last[VNFMT_LEN], late[VNFMT_LEN];
	const char *cells[NCOL];
	size_t width[NCOL];

	for (int c = 0; c < NCOL; c++)
		width[c] = text_width(heading[c]);
	for (size_t i = 0; i < r->n_offices; i++) {
		office_cells(r->offices[i], events, last, late, cells);
		for (int c = 0; c < NCOL; c++)
			if (text_width(cells[c]) > width[c])
				width[c] = text_width(cells[c]);
	}
	for (int c = 0; c < NCOL; c++)
		cell(f, heading[c], width[c], right_aligned[c], c == NCOL - 1);
	fputc('\n', f);
	/* the silent offices first, so the ones to chase lead the list */
	for (int silent = 1; silent >= 0; silent--)
		for (size_t i = 0; i < r->n_offices; i++) {
			if ((r->offices[i]->events == 0) != silent)
				continue;
			office_cells(r->offices[i], events, last, late, cells);
			for (int c = 0; c < NCOL; c++)
				cell(f, cells[c], width[c], right_aligned[c], c == NCOL - 1);
			fputc('\n', f);
		}
}

static void rate_table(FILE *f, const Cchc__V1__PeriodStatusReply *r)
{
	static const char *const head[] = {"Cấp", "Đã gửi", "Phải gửi", "Tỷ lệ"};
	static const char *const keys[] = {"province", "district", "commune", "all"};
	static const char *const labels[] = {"Cấp tỉnh", "Cấp huyện", "Cấp xã", "Tổng cộng"};
	size_t width[] = {0, text_width(head[1]), text_width(head[2]), text_width("100,00%")};

	for (int k = 0; k < 4; k++)
		if (text_width(labels[k]) > width[0])
			width[0] = text_width(labels[k]);
	fputs("Tỷ lệ đơn vị đã gửi số liệu (số đơn vị đã gửi / số đơn vị phải gửi):\n", f);
	for (int c = 0; c < 4; c++)
		cell(f, head[c], width[c], c > 0, c == 3);
	fputc('\n', f);
	for (int k = 0; k < 4; k++) {
		const Cchc__V1__PeriodRate *x = rate_of(r, keys[k]);
		char sent[VNFMT_LEN], expected[VNFMT_LEN], rate[VNFMT_LEN];
		if (!x)
			continue;
		vnfmt_count(x->sent, sent, sizeof sent);
		vnfmt_count(x->expected, expected, sizeof expected);
		vnfmt_percent(x->rate_x100, rate, sizeof rate);
		cell(f, labels[k], width[0], 0, 0);
		cell(f, sent, width[1], 1, 0);
		cell(f, expected, width[2], 1, 0);
		cell(f, rate, width[3], 1, 1);
		fputc('\n', f);
	}
}

int period_cli_status_text(FILE *f, const period *p, const char *scope,
                           const Cchc__V1__PeriodStatusReply *r)
{
	const Cchc__V1__PeriodRate *all = rate_of(r, "all");
	const char *name = scope_name(r, scope);
	char title[256], first[VNFMT_LEN], last[VNFMT_LEN], n[VNFMT_LEN], m[VNFMT_LEN];
	size_t silent = 0, late_offices = 0;

	if (vnfmt_period_title(p, title, sizeof title))
		snprintf(title, sizeof title, "%s", p->label);
	vnfmt_date(p->first_day, first, sizeof first);
	vnfmt_date(p->last_day, last, sizeof last);
	fprintf(f, "Tình hình gửi số liệu %s\n", title);
	fprintf(f, "Phạm vi: %s (%s)\n", name ? name : "đơn vị", scope);
	fprintf(f, "Kỳ báo cáo: từ ngày %s đến ngày %s; ngày chốt số liệu: %s\n\n", first, last,
	        last);
	for (size_t i = 0; i < r->n_offices; i++) {
		silent += r->offices[i]->events == 0;
		late_offices += r->offices[i]->late > 0;
	}
	vnfmt_count((long long)silent, n, sizeof n);
	vnfmt_count((long long)r->n_offices, m, sizeof m);
	if (silent)
		fprintf(f,
		        "Chưa gửi số liệu: %s/%s đơn vị (đánh dấu \"Chưa gửi\", đầu danh sách)\n\n",
		        n, m);
	else
		fprintf(f, "Tất cả %s đơn vị đã gửi số liệu trong kỳ.\n\n", m);
	office_table(f, r);
	fputc('\n', f);
	rate_table(f, r);
	fputc('\n', f);
	if (all && all->late) {
		vnfmt_count(all->late, n, sizeof n);
		vnfmt_count((long long)late_offices, m, sizeof m);
		fprintf(f,
		        "Gửi sau ngày chốt số liệu: %s sự kiện trong kỳ, của %s đơn vị (cột \"Gửi "
		        "sau ngày chốt số liệu\")\n",
		        n, m);
	} else {
		fputs("Gửi sau ngày chốt số liệu: không có\n", f);
	}
	return ferror(f) ? -1 : 0;
}

static json_t *rate_object(const Cchc__V1__PeriodRate *x)
{
	json_t *o = json_object();
	json_object_set_new(o, "expected", json_integer(x ? x->expected : 0));
	json_object_set_new(o, "sent", json_integer(x ? x->sent : 0));
	/* a percentage with two decimals, as the report's rates (docs/design.md §6) */
	json_object_set_new(o, "rate", json_real(x ? (double)x->rate_x100 / 100.0 : 0.0));
	json_object_set_new(o, "events", json_integer(x ? x->events : 0));
	json_object_set_new(o, "late", json_integer(x ? x->late : 0));
	return o;
}

int period_cli_status_json(FILE *f, const period *p, const char *scope,
                           const Cchc__V1__PeriodStatusReply *r)
{
	json_t *root = json_object(), *jp = json_object(), *js = json_object();
	json_t *offices = json_array(), *rates = json_object(), *levels = json_array();
	json_t *silent = json_array(), *late = json_object();
	const char *name = scope_name(r, scope);
	const Cchc__V1__PeriodRate *all = rate_of(r, "all");
	char when[40];
	int64_t late_offices = 0;
	char *text;
	int rc = -1;

	json_object_set_new(jp, "label", json_string(p->label));
	json_object_set_new(jp, "from", json_string(p->first_day));
	json_object_set_new(jp, "to", json_string(p->last_day));
	json_object_set_new(js, "code", json_string(scope));
	json_object_set_new(js, "name", name ? json_string(name) : json_null());
	for (size_t i = 0; i < r->n_offices; i++) {
		const Cchc__V1__PeriodOffice *x = r->offices[i];
		json_t *o = json_object();
		json_object_set_new(o, "code", json_string(x->code));
		json_object_set_new(o, "name", json_string(x->name));
		json_object_set_new(o, "level", json_integer(x->level));
		json_object_set_new(o, "events", json_integer(x->events));
		json_object_set_new(o, "last_stored",
		                    x->has_last_stored_ms && !period_cli_time(x->last_stored_ms, 1,
		                                                              when, sizeof when)
		                        ? json_string(when)
		                        : json_null());
		json_object_set_new(o, "late", json_integer(x->late));
		json_object_set_new(o, "silent", json_boolean(x->events == 0));
		json_array_append_new(offices, o);
		if (!x->events)
			json_array_append_new(silent, json_string(x->code));
		late_offices += x->late > 0;
	}
	/* the three level keys are always there (zeros for a level the scope lacks), as in the
	 * JSON export; "levels" names the levels it has */
	json_object_set_new(rates, "all", rate_object(all));
	for (int lv = 1; lv <= 3; lv++) {
		const Cchc__V1__PeriodRate *x = rate_of(r, level_key[lv]);
		json_object_set_new(rates, level_key[lv], rate_object(x));
		if (x)
			json_array_append_new(levels, json_string(level_key[lv]));
	}
	json_object_set_new(rates, "levels", levels);
	json_object_set_new(late, "events", json_integer(all ? all->late : 0));
	json_object_set_new(late, "offices", json_integer(late_offices));
	json_object_set_new(root, "period", jp);
	json_object_set_new(root, "scope", js);
	json_object_set_new(root, "cutoff",
	                    period_cli_time(p->to_ms, 1, when, sizeof when) ? json_null()
	                                                                    : json_string(when));
	json_object_set_new(root, "offices", offices);
	json_object_set_new(root, "reporting_rate", rates);
	json_object_set_new(root, "silent", silent);
	json_object_set_new(root, "late", late);
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	if (text && fputs(text, f) >= 0 && fputc('\n', f) != EOF && !ferror(f))
		rc = 0;
	free(text);
	json_decref(root);
	return rc;
}

/* ---- cchc period status ---- */

static void status_usage(FILE *f)
{
	fprintf(f, "usage: cchc period status P [--scope CODE] [--format text|json]\n"
	           "                          [--timeout-ms MS] [--config FILE]\n"
	           "Per office valid in period P under the scope: the events dated in P, when the\n"
	           "last of them was stored, silent or not; the reporting rate by level (offices\n"
	           "that sent / offices expected); the events of P stored after its cut-off.\n"
	           "Text (Vietnamese, silent offices first) for people, json for machines.\n"
	           "Exit status: 0 no office silent, 1 some are, 2 it could not say.\n");
}

enum { OPT_SCOPE = CLIENT_OPT_FIRST_FREE, OPT_FORMAT, OPT_TIMEOUT };

static int status_cmd(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLIENT_LONG_OPTIONS,
	    {"scope", required_argument, NULL, OPT_SCOPE},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
	    {NULL, 0, NULL, 0},
	};
	client_opts co = {0};
	const char *label, *scope = NULL, *format = "text";
	unsigned long long timeout = 0;
	int opt, status;
	client cl;
	period p;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (client_option(&co, opt, optarg))
			continue;
		switch (opt) {
		case OPT_SCOPE:
			scope = optarg;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_TIMEOUT:
			if (client_parse_uint("period status", "--timeout-ms", optarg, 86400000,
			                      &timeout) ||
			    !timeout)
				return 2;
			break;
		default:
			return client_usage_exit(opt, status_usage);
		}
	}
	if (optind + 1 != argc || !argv[optind][0]) {
		fprintf(stderr,
		        "cchc period status: the period P is required (one, e.g. 2024-Q1)\n");
		status_usage(stderr);
		return 2;
	}
	label = argv[optind];
	if (strcmp(format, "text") && strcmp(format, "json")) {
		fprintf(stderr, "cchc period status: --format is text or json, not '%s'\n", format);
		return 2;
	}
	status = check_period_setup("period status", &co, label, &scope, &timeout, &cl, &p);
	if (status)
		return status;

	Cchc__V1__PeriodStatusRequest pr = CCHC__V1__PERIOD_STATUS_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	pr.has_from_ms = pr.has_to_ms = 1;
	pr.from_ms = p.from_ms;
	pr.to_ms = p.to_ms;
	pr.scope = (char *)scope;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_PERIOD_STATUS;
	rq.period_status = &pr;
	Cchc__V1__StatsReply *rep = check_stats_call("period status", &cl, &rq, (unsigned)timeout);
	if (!rep)
		return 2;
	status = 2;
	const Cchc__V1__PeriodStatusReply *r = rep->period_status;
	if (rep->body_case != CCHC__V1__STATS_REPLY__BODY_PERIOD_STATUS || !r) {
		fprintf(stderr,
		        "cchc period status: %s did not answer with a period status (is it a "
		        "cchc-stats of this version?)\n",
		        cl.conf.stats_listen);
	} else if (!r->ok) {
		fprintf(stderr, "cchc period status: stats could not answer for %s, scope %s: %s\n",
		        label, scope, r->error && r->error[0] ? r->error : "(no reason given)");
	} else if (!r->n_offices) {
		fprintf(stderr,
		        "cchc period status: no unit valid in %s (%s..%s) under scope %s "
		        "(cchc units list --at %s shows the registry)\n",
		        p.label, p.first_day, p.last_day, scope, p.last_day);
	} else if ((!strcmp(format, "json") ? period_cli_status_json(stdout, &p, scope, r)
	                                    : period_cli_status_text(stdout, &p, scope, r)) ||
	           fflush(stdout)) {
		fprintf(stderr, "cchc period status: cannot write the status\n");
	} else {
		status = period_cli_status_exit(r);
	}
	cchc__v1__stats_reply__free_unpacked(rep, NULL);
	return status;
}

/* ---- the subcommands ---- */

static const struct {
	const char *name;
	int (*run)(int, char **);
	const char *help;
} subcommands[] = {
    {"status", status_cmd,
     "status P [--scope CODE] [--format text|json]   who has sent data for P, who is silent"},
    {"close", period_close_cmd,
     "close P [--scope CODE] [--note TEXT] [--by NAME] [--force]   fix P's figures as a version"},
    {"reopen", period_reopen_cmd,
     "reopen P [--scope CODE] --reason TEXT   the standing version no longer stands"},
    {"diff", period_diff_cmd,
     "diff P [--scope CODE] [--from N] [--to now|N] [--format text|json|csv]   what changed"},
    {"list", period_list_cmd, "list [P]   every closed version"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: cchc period SUBCOMMAND [options]   (docs/design.md §13)\n");
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		fprintf(f, "  %s\n", subcommands[i].help);
	fprintf(f, "cchc period SUBCOMMAND --help tells more.\n");
}

int cmd_period(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
		if (strcmp(argv[1], subcommands[i].name))
			continue;
		return subcommands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "cchc period: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
