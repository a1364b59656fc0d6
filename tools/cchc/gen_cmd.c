/* gen_cmd: `cchc gen --period P --dossiers N --seed S -o FILE [--truth FILE] [--truth-period P]...
 * [--units FILE] [--calendar FILE] [--config FILE]`: options, configuration and files only; the
 * model lives in gen.c.
 */
#include "commands.h"
#include "conf.h"
#include "gen.h"
#include "period.h"
#include "service.h"
#include "units.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TRUTH_PERIODS 32

static void gen_usage(FILE *f)
{
	static const char text[] =
	    "usage: cchc gen --period P --dossiers N [--seed S] -o FILE|- [--truth FILE]\n"
	    "                [--truth-period Q]... [--truth-periods Q1,Q2,...]\n"
	    "                [--units FILE] [--calendar FILE] [--config FILE]\n"
	    "Writes synthetic records (JSONL) for the dossiers of period P and, with --truth,\n"
	    "the figures they must produce for P (the layout of `cchc report --format json`).\n"
	    "  --truth-period Q  also the figures of period Q from the same records\n"
	    "                    (repeatable; --truth-periods takes a comma-separated list),\n"
	    "                    written beside the truth file: TRUTH.json -> TRUTH.Q.json\n"
	    "                    (other names get .Q.json appended), e.g. --truth t.json\n"
	    "                    --truth-period 2024-Q1 writes t.2024-Q1.json. Records stop\n"
	    "                    30 days after P's end; Q's truth counts exactly the records\n"
	    "                    written. Q must report on P's units (same unit structure).\n"
	    "  --calendar FILE   the days off (default: calendar_file of the configuration)\n"
	    "                    that dues and feedback deadlines are counted on\n"
	    "Same seed, period and size give the same bytes; every event id and code carries\n"
	    "a segment derived from them, so data sets never collide in one database.\n";
	fputs(text, f);
}

/* TRUTH.json -> TRUTH.<label>.json; any other name gets .<label>.json appended. */
static int truth_path_for(const char *truth, const char *label, char *out, size_t len)
{
	size_t n = strlen(truth);
	if (n > 5 && !strcmp(truth + n - 5, ".json"))
		n -= 5;
	int w = snprintf(out, len, "%.*s.%s.json", (int)n, truth, label);
	return w < 0 || (size_t)w >= len ? -1 : 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || !*s || *end || *s == '-')
		return -1;
	*out = v;
	return 0;
}

static FILE *open_out(const char *path)
{
	if (!strcmp(path, "-"))
		return stdout;
	return fopen(path, "w");
}

static int close_out(FILE *f)
{
	if (f == stdout)
		return fflush(f) ? -1 : 0;
	return fclose(f) ? -1 : 0;
}

/* Writes the truth of period p to path. Returns 0, or 1 with the reason on stderr. */
static int write_truth(const gen_model *m, const period *p, const char *path)
{
	gen_truth t = {0};
	FILE *tf = open_out(path);
	if (!tf) {
		fprintf(stderr, "cchc gen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	int trc = gen_truth_compute_period(m, p, &t) || gen_truth_write_period(m, p, &t, tf);
	gen_truth_free(&t);
	if (close_out(tf) || trc) {
		fprintf(stderr, "cchc gen: cannot write %s\n", path);
		return 1;
	}
	return 0;
}

int cmd_gen(int argc, char **argv)
{
	const char *label = NULL, *out = NULL, *truth = NULL, *units_path = NULL, *config = NULL;
	const char *calendar_path = NULL;
	uint64_t ndossiers = 0, seed = 1;
	int have_n = 0;
	/* truth periods are kept as text until the configuration has set the time zone */
	char tlabels[MAX_TRUTH_PERIODS][64];
	period tp[MAX_TRUTH_PERIODS];
	size_t ntp = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			gen_usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "cchc gen: option '%s' needs a value or is unknown\n", a);
			gen_usage(stderr);
			return 2;
		}
		const char *v = argv[++i];
		if (!strcmp(a, "--period")) {
			label = v;
		} else if (!strcmp(a, "--dossiers")) {
			if (parse_u64(v, &ndossiers) || ndossiers > 50000000) {
				fprintf(stderr,
				        "cchc gen: --dossiers wants a count up to 50000000\n");
				return 2;
			}
			have_n = 1;
		} else if (!strcmp(a, "--seed")) {
			if (parse_u64(v, &seed)) {
				fprintf(stderr, "cchc gen: --seed wants an unsigned number\n");
				return 2;
			}
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			out = v;
		} else if (!strcmp(a, "--truth")) {
			truth = v;
		} else if (!strcmp(a, "--truth-period") || !strcmp(a, "--truth-periods")) {
			char list[512];
			if (strlen(v) >= sizeof list) {
				fprintf(stderr, "cchc gen: %s: list too long\n", a);
				return 2;
			}
			snprintf(list, sizeof list, "%s", v);
			char *save = NULL;
			int any = 0;
			for (char *tok = strtok_r(list, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				if (ntp >= MAX_TRUTH_PERIODS || strlen(tok) >= sizeof tlabels[0]) {
					fprintf(stderr,
					        "cchc gen: at most %d truth periods, each a period "
					        "label\n",
					        MAX_TRUTH_PERIODS);
					return 2;
				}
				snprintf(tlabels[ntp++], sizeof tlabels[0], "%s", tok);
				any = 1;
			}
			if (!any) {
				fprintf(stderr, "cchc gen: %s wants a period\n", a);
				return 2;
			}
		} else if (!strcmp(a, "--units")) {
			units_path = v;
		} else if (!strcmp(a, "--calendar")) {
			calendar_path = v;
		} else if (!strcmp(a, "--config")) {
			config = v;
		} else {
			fprintf(stderr, "cchc gen: unknown option '%s'\n", a);
			gen_usage(stderr);
			return 2;
		}
	}
	if (!label || !have_n || !out) {
		fprintf(stderr, "cchc gen: --period, --dossiers and -o are required\n");
		gen_usage(stderr);
		return 2;
	}
	if (ntp && (!truth || !strcmp(truth, "-"))) {
		fprintf(stderr,
		        "cchc gen: --truth-period needs --truth FILE (a file, not -) to name "
		        "its files after\n");
		return 2;
	}

	char err[512];
	conf c;
	if (conf_load(config, &c, err, sizeof err)) {
		fprintf(stderr, "cchc gen: %s\n", err);
		return 1;
	}
	service_set_timezone(c.timezone);
	if (!units_path)
		units_path = c.units_file;
	if (!*units_path) {
		fprintf(stderr,
		        "cchc gen: no unit registry: give --units FILE or units_file in the "
		        "configuration\n");
		return 1;
	}
	period per;
	if (period_parse(label, &per, err, sizeof err)) {
		fprintf(stderr, "cchc gen: %s\n", err);
		return 2;
	}
	for (size_t i = 0; i < ntp; i++)
		if (period_parse(tlabels[i], &tp[i], err, sizeof err)) {
			fprintf(stderr, "cchc gen: --truth-period: %s\n", err);
			return 2;
		}
	units *reg = NULL;
	if (units_load(units_path, &reg, err, sizeof err)) {
		fprintf(stderr, "cchc gen: %s\n", err);
		return 1;
	}
	/* the calendar is read once, for the model's table of days */
	workdays *cal = NULL;
	if (!calendar_path)
		calendar_path = c.calendar_file;
	if (*calendar_path && workdays_load(calendar_path, &cal, err, sizeof err)) {
		fprintf(stderr, "cchc gen: %s\n", err);
		units_free(reg);
		return 1;
	}

	int rc = 1;
	gen_model *m = NULL;
	int built = gen_model_build(reg, cal, &per, (size_t)ndossiers, seed, &m, err, sizeof err);
	workdays_free(cal);
	if (built) {
		fprintf(stderr, "cchc gen: %s\n", err);
		goto done;
	}
	/* refuse before writing anything: a truth that could not be exact is worse than none */
	char tpaths[MAX_TRUTH_PERIODS][1024];
	for (size_t i = 0; i < ntp; i++) {
		if (gen_truth_period_check(m, &tp[i], err, sizeof err)) {
			fprintf(stderr, "cchc gen: %s\n", err);
			rc = 2;
			goto done;
		}
		if (truth_path_for(truth, tp[i].label, tpaths[i], sizeof tpaths[i])) {
			fprintf(stderr, "cchc gen: --truth '%s': name too long\n", truth);
			rc = 2;
			goto done;
		}
	}
	FILE *f = open_out(out);
	if (!f) {
		fprintf(stderr, "cchc gen: %s: %s\n", out, strerror(errno));
		goto done;
	}
	static char buf[1 << 20];
	setvbuf(f, buf, _IOFBF, sizeof buf);
	int wrc = gen_write_jsonl(m, f);
	if (close_out(f) || wrc) {
		fprintf(stderr, "cchc gen: cannot write %s\n", out);
		goto done;
	}
	if (truth && write_truth(m, &m->per, truth))
		goto done;
	for (size_t i = 0; i < ntp; i++)
		if (write_truth(m, &tp[i], tpaths[i]))
			goto done;
	rc = 0;
done:
	gen_model_free(m);
	units_free(reg);
	return rc;
}
