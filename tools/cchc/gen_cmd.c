/* gen_cmd: `cchc gen --period P --dossiers N --seed S -o FILE [--truth FILE] [--units FILE]
 * [--config FILE]`: options, configuration and files only; the model lives in gen.c. */
#include "commands.h"
#include "conf.h"
#include "gen.h"
#include "period.h"
#include "service.h"
#include "units.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void gen_usage(FILE *f)
{
	fprintf(f, "usage: cchc gen --period P --dossiers N [--seed S] -o FILE|- [--truth FILE]\n"
	           "                [--units FILE] [--config FILE]\n");
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

int cmd_gen(int argc, char **argv)
{
	const char *label = NULL, *out = NULL, *truth = NULL, *units_path = NULL, *config = NULL;
	uint64_t ndossiers = 0, seed = 1;
	int have_n = 0;
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
		} else if (!strcmp(a, "--units")) {
			units_path = v;
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
	units *reg = NULL;
	if (units_load(units_path, &reg, err, sizeof err)) {
		fprintf(stderr, "cchc gen: %s\n", err);
		return 1;
	}

	int rc = 1;
	gen_model *m = NULL;
	gen_truth t = {0};
	if (gen_model_build(reg, &per, (size_t)ndossiers, seed, &m, err, sizeof err)) {
		fprintf(stderr, "cchc gen: %s\n", err);
		goto done;
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
	if (truth) {
		FILE *tf = open_out(truth);
		if (!tf) {
			fprintf(stderr, "cchc gen: %s: %s\n", truth, strerror(errno));
			goto done;
		}
		int trc = gen_truth_compute(m, &t) || gen_truth_write(m, &t, tf);
		if (close_out(tf) || trc) {
			fprintf(stderr, "cchc gen: cannot write %s\n", truth);
			goto done;
		}
	}
	rc = 0;
done:
	gen_truth_free(&t);
	gen_model_free(m);
	units_free(reg);
	return rc;
}
