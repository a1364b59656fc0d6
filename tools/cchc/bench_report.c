/* bench_report: `cchc bench report --dossiers N`, the time the reform office waits for a period's
 * figures (the JSON report) and for each report format, at a given number of dossiers, and the
 * time stats takes for the figures as of a moment, recomputed from the stored events
 * (docs/design.md §13), beside today's figures. The stack is filled up to N dossiers first when it
 * holds fewer, with gen's model, through `cchc push`. */
#include "bench.h"

#include "commands.h"
#include "cchc/v1/stats.pb-c.h"
#include "period.h"
#include "service.h"
#include "wire.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const formats[] = {"json", "csv", "xlsx", "docx", "pdf"};
#define NFORMATS (sizeof formats / sizeof formats[0])

typedef struct rctx {
	const client_opts *co;
	const char *label, *scope;
	char timeout[24];
} rctx;

/* Runs `cchc report` in this process into `out`; returns its exit status and the seconds. */
static int run_report(const rctx *r, const char *format, const char *out, double *seconds)
{
	char *argv[20];
	int argc = 0, rc;
	int64_t t0;

	argv[argc++] = "report";
	argv[argc++] = "--period";
	argv[argc++] = (char *)r->label;
	argv[argc++] = "--format";
	argv[argc++] = (char *)format;
	argv[argc++] = "--timeout-ms";
	argv[argc++] = (char *)r->timeout;
	argv[argc++] = "-o";
	argv[argc++] = (char *)out;
	if (r->scope) {
		argv[argc++] = "--scope";
		argv[argc++] = (char *)r->scope;
	}
	if (r->co->config) {
		argv[argc++] = "--config";
		argv[argc++] = (char *)r->co->config;
	}
	argv[argc] = NULL;
	t0 = bench_now_ns();
	rc = cmd_report(argc, argv);
	*seconds = (double)(bench_now_ns() - t0) / 1e9;
	return rc;
}

/* The dossiers a JSON report counts for its scope: every dossier the period's figures see
 * (intake = carried over + received) plus those only submitted (waiting, not accepted). */
static int report_dossiers(const char *path, long long *n, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je), *all;
	static const char *const keys[] = {"intake", "waiting", "not_accepted"};

	if (!root) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -1;
	}
	all = json_object_get(json_object_get(root, "dossiers"), "all");
	*n = 0;
	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_object_get(all, keys[i]);

		if (!json_is_integer(v)) {
			snprintf(err, errlen, "%s: dossiers.all.%s is not a count", path, keys[i]);
			json_decref(root);
			return -1;
		}
		*n += json_integer_value(v);
	}
	json_decref(root);
	return 0;
}

/* Total size of the files in dir, then removes them and dir. */
static long long take_dir(const char *dir, int remove)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long long total = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char p[PATH_MAX + 256];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (!stat(p, &st))
			total += st.st_size;
		if (remove)
			unlink(p);
	}
	closedir(d);
	if (remove)
		rmdir(dir);
	return total;
}

static int cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* The figures of the period straight from stats over wc, as of (as_of_seq, as_of_ms) (0, 0:
 * today's), packed into *packed; *seconds is the round trip. Returns 0, or -1 after saying why. */
static int stats_figures(wire_client *wc, const rctx *r, const period *p, int64_t as_of_seq,
                         int64_t as_of_ms, uint8_t **packed, size_t *len, double *seconds)
{
	Cchc__V1__QueryRequest q = CCHC__V1__QUERY_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	Cchc__V1__StatsReply *rep;
	uint8_t *req = NULL, *in = NULL;
	size_t reqlen, inlen = 0;
	char err[512];
	int64_t t0;
	int rv;

	q.has_from_ms = q.has_to_ms = 1;
	q.from_ms = p->from_ms;
	q.to_ms = p->to_ms;
	q.scope = (char *)(r->scope ? r->scope : "");
	q.has_as_of_seq = as_of_seq != 0;
	q.as_of_seq = as_of_seq;
	q.has_as_of_ms = as_of_ms != 0;
	q.as_of_ms = as_of_ms;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_QUERY;
	rq.query = &q;
	if (wire_pack(&rq.base, &req, &reqlen)) {
		fprintf(stderr, "cchc bench report: out of memory\n");
		return -1;
	}
	t0 = bench_now_ns();
	rv = wire_call(wc, req, reqlen, &in, &inlen, err, sizeof err);
	*seconds = (double)(bench_now_ns() - t0) / 1e9;
	free(req);
	if (rv) {
		fprintf(stderr, "cchc bench report: asking stats for the figures: %s\n", err);
		return -1;
	}
	rep = cchc__v1__stats_reply__unpack(NULL, inlen, in);
	free(in);
	if (!rep || rep->body_case != CCHC__V1__STATS_REPLY__BODY_QUERY || !rep->query->ok) {
		fprintf(stderr, "cchc bench report: stats did not answer the figures: %s\n",
		        rep && rep->body_case == CCHC__V1__STATS_REPLY__BODY_QUERY &&
		                rep->query->error
		            ? rep->query->error
		            : "no query reply");
		if (rep)
			cchc__v1__stats_reply__free_unpacked(rep, NULL);
		return -1;
	}
	*len = cchc__v1__query_reply__get_packed_size(rep->query);
	*packed = malloc(*len + 1);
	if (*packed)
		cchc__v1__query_reply__pack(rep->query, *packed);
	cchc__v1__stats_reply__free_unpacked(rep, NULL);
	if (!*packed) {
		fprintf(stderr, "cchc bench report: out of memory\n");
		return -1;
	}
	return 0;
}

/* One line of the stats-only table: `repeat` round trips as of (seq, ms). With `same_as` the
 * figures must equal those bytes; returns 1 when they do not, -1 when stats did not answer. */
static int time_figures(wire_client *wc, const rctx *r, const period *p, unsigned repeat,
                        const char *name, int64_t seq, int64_t ms, const uint8_t *same_as,
                        size_t same_len, uint8_t **keep, size_t *keep_len, const char *note)
{
	double t[100];
	uint8_t *got = NULL;
	size_t len = 0;
	int same = 1;

	for (unsigned k = 0; k < repeat; k++) {
		free(got);
		got = NULL;
		if (stats_figures(wc, r, p, seq, ms, &got, &len, &t[k]))
			return -1;
		if (same_as)
			same &= len == same_len && !memcmp(got, same_as, len);
	}
	qsort(t, repeat, sizeof t[0], cmp_d);
	printf("%-16s %10.3f %10.3f  %s\n", name, t[0], t[repeat / 2],
	       same ? note : "DIFFERENT from today's figures");
	fflush(stdout);
	if (keep) {
		*keep = got;
		*keep_len = len;
	} else {
		free(got);
	}
	return same ? 0 : 1;
}

/* Today's figures and the figures as of a moment (docs/design.md §13), each `repeat` times from
 * stats directly (no rendering): as of now, where nothing was stored since and the figures must
 * be today's, and as of a watermark with the last tenth of the stored dossier events after it,
 * whose dossiers stats derives again from their events. Returns 0, 1 when the figures as of now
 * differ from today's, -1 when something did not answer. */
static int time_as_of(const client *cl, const rctx *r, unsigned repeat)
{
	uint8_t *now = NULL;
	size_t now_len = 0;
	char err[512], note[160];
	int64_t seq, late, dossiers;
	period p;
	int rc;

	service_set_timezone(cl->conf.timezone); /* the period's local midnights, as export's */
	if (period_parse(r->label, &p, err, sizeof err)) {
		fprintf(stderr, "cchc bench report: %s\n", err);
		return -1;
	}
	/* one connection for every call, as export keeps one: the times are stats' own */
	wire_client *wc = NULL;
	if (wire_client_open(cl->conf.stats_listen, cl->conf.max_message_bytes,
	                     (unsigned)strtoul(r->timeout, NULL, 10), &wc, err, sizeof err)) {
		fprintf(stderr, "cchc bench report: %s\n", err);
		return -1;
	}
	printf("%-16s %10s %10s\n", "stats only", "best s", "median s");
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	rc = time_figures(wc, r, &p, repeat, "figures now", 0, 0, NULL, 0, &now, &now_len,
	                  "(today's, as reports get them)");
	if (!rc)
		rc = time_figures(
		    wc, r, &p, repeat, "as of now", 0, now_ms, now, now_len, NULL, NULL,
		    "(nothing stored since: nothing derived again; equal to today's)");
	free(now);
	if (rc) {
		wire_client_close(wc);
		return rc;
	}
	if (bench_pg_watermark(cl->conf.stats_db, 0.9, &seq, &late, &dossiers, err, sizeof err)) {
		fprintf(stderr, "cchc bench report: %s\n", err);
		wire_client_close(wc);
		return -1;
	}
	snprintf(note, sizeof note,
	         "(store_seq %lld: %lld dossier events after it, %lld dossiers derived again)",
	         (long long)seq, (long long)late, (long long)dossiers);
	rc =
	    time_figures(wc, r, &p, repeat, "as of a tenth ago", seq, 0, NULL, 0, NULL, NULL, note);
	wire_client_close(wc);
	return rc < 0 ? -1 : 0;
}

static void report_usage(FILE *f)
{
	fprintf(f,
	        "usage: cchc bench report --dossiers N [--period P] [--scope CODE] [--repeat R]\n"
	        "                         [--jobs J] [--keep] [--config FILE]\n"
	        "Times the JSON figures and every report format (json, csv, xlsx, docx, pdf)\n"
	        "for period P (default 2024-Q1) with N dossiers in the stack; when the stack\n"
	        "holds fewer for P, generates and pushes the missing ones first (and says so).\n"
	        "R runs per format (default 1): the best and the median are printed.\n"
	        "Then the figures straight from stats, R times each: today's; as of now (must\n"
	        "be equal); and as of the store sequence with the last tenth of the dossier\n"
	        "events after it, whose dossiers stats derives again (what a report --as-of\n"
	        "costs).\n");
}

enum {
	OPT_DOSSIERS = CLIENT_OPT_FIRST_FREE,
	OPT_PERIOD,
	OPT_SCOPE,
	OPT_REPEAT,
	OPT_JOBS,
	OPT_KEEP
};

int bench_report(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLIENT_LONG_OPTIONS,
	    {"dossiers", required_argument, NULL, OPT_DOSSIERS},
	    {"period", required_argument, NULL, OPT_PERIOD},
	    {"scope", required_argument, NULL, OPT_SCOPE},
	    {"repeat", required_argument, NULL, OPT_REPEAT},
	    {"jobs", required_argument, NULL, OPT_JOBS},
	    {"keep", no_argument, NULL, OPT_KEEP},
	    {NULL, 0, NULL, 0},
	};
	client_opts co = {0};
	unsigned long long ndossiers = 0, repeat = 1, jobs = 8;
	rctx r = {.co = &co, .label = "2024-Q1"};
	int keep = 0, opt, status = 2;
	char dir[PATH_MAX], path[PATH_MAX + 64], sub[PATH_MAX + 32], err[1024];
	double secs, t_fill = 0;
	long long have = 0, now_have = 0;
	size_t fill_events = 0;
	unsigned long long fill_dossiers = 0;
	client cl;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (client_option(&co, opt, optarg))
			continue;
		switch (opt) {
		case OPT_DOSSIERS:
			if (client_parse_uint("bench", "--dossiers", optarg, 50000000,
			                      &ndossiers) ||
			    !ndossiers)
				return 2;
			break;
		case OPT_PERIOD:
			r.label = optarg;
			break;
		case OPT_SCOPE:
			r.scope = optarg;
			break;
		case OPT_REPEAT:
			if (client_parse_uint("bench", "--repeat", optarg, 100, &repeat) || !repeat)
				return 2;
			break;
		case OPT_JOBS:
			if (client_parse_uint("bench", "--jobs", optarg, 64, &jobs) || !jobs)
				return 2;
			break;
		case OPT_KEEP:
			keep = 1;
			break;
		default:
			return client_usage_exit(opt, report_usage);
		}
	}
	if (optind != argc || !ndossiers) {
		if (!ndossiers)
			fprintf(stderr, "cchc bench report: --dossiers N is required\n");
		report_usage(stderr);
		return 2;
	}
	/* the key is needed only to fill the stack, but a missing one is better told up front */
	if (client_setup("bench", &co, 1, &cl))
		return 2;
	snprintf(r.timeout, sizeof r.timeout, "%u", 3600u * 1000u);
	snprintf(dir, sizeof dir, "%s/cchc-bench-report.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "cchc bench: making a scratch folder %s: %s\n", dir,
		        strerror(errno));
		goto out;
	}

	/* How many dossiers the period's figures already see. */
	snprintf(path, sizeof path, "%s/count.json", dir);
	snprintf(err, sizeof err, "the JSON report failed");
	if (run_report(&r, "json", path, &secs) || report_dossiers(path, &have, err, sizeof err)) {
		fprintf(stderr, "cchc bench report: counting the dossiers of %s: %s\n", r.label,
		        err);
		goto out;
	}
	/* Not every generated dossier is seen by the period (some finished before it began, some
	 * are orphans): fill in rounds until the figures see at least N, at most four. */
	now_have = have;
	for (int round = 0; now_have < (long long)ndossiers && round < 4; round++) {
		/* about nine in ten count: ask for a tenth more, so one round usually does */
		unsigned long long want = (ndossiers - (unsigned long long)now_have) * 11 / 10 + 1;
		char jobs_s[24], *pargv[10];
		int pargc = 0, prc;
		size_t events = 0;
		int64_t t0;

		snprintf(path, sizeof path, "%s/fill.jsonl", dir);
		if (bench_gen_dossiers(&cl.conf, r.label, (size_t)want, bench_fresh_seed(), path,
		                       &events, err, sizeof err)) {
			fprintf(stderr, "cchc bench report: generating dossiers: %s\n", err);
			goto out;
		}
		snprintf(jobs_s, sizeof jobs_s, "%llu", jobs);
		pargv[pargc++] = "push";
		pargv[pargc++] = "--no-progress";
		pargv[pargc++] = "--jobs";
		pargv[pargc++] = jobs_s;
		if (co.config) {
			pargv[pargc++] = "--config";
			pargv[pargc++] = (char *)co.config;
		}
		pargv[pargc++] = path;
		pargv[pargc] = NULL;
		t0 = bench_now_ns();
		prc = cmd_push(pargc, pargv);
		t_fill += (double)(bench_now_ns() - t0) / 1e9;
		fflush(stdout);
		unlink(path);
		if (prc) {
			fprintf(stderr, "cchc bench report: filling the stack: push exit %d\n",
			        prc);
			goto out;
		}
		fill_dossiers += want;
		fill_events += events;
		snprintf(path, sizeof path, "%s/count.json", dir);
		snprintf(err, sizeof err, "the JSON report failed");
		if (run_report(&r, "json", path, &secs) ||
		    report_dossiers(path, &now_have, err, sizeof err)) {
			fprintf(stderr, "cchc bench report: counting again: %s\n", err);
			goto out;
		}
	}
	unlink(path);
	if (fill_dossiers)
		printf("bench report: %s: the stack held %lld dossiers; pushed %llu more (%zu "
		       "events) first in %.1f s; the figures now see %lld dossiers\n",
		       r.label, have, fill_dossiers, fill_events, t_fill, now_have);
	else
		printf("bench report: %s: the stack already held %lld dossiers (>= %llu); nothing "
		       "pushed\n",
		       r.label, now_have, ndossiers);
	printf("%-8s %10s %10s %12s\n", "format", "best s", "median s", "bytes");
	for (size_t i = 0; i < NFORMATS; i++) {
		double t[100];
		long long bytes = 0;

		for (unsigned k = 0; k < repeat; k++) {
			snprintf(sub, sizeof sub, "%s/%s", dir, formats[i]);
			if (mkdir(sub, 0755) && errno != EEXIST) {
				fprintf(stderr, "cchc bench report: %s: %s\n", sub,
				        strerror(errno));
				goto out;
			}
			snprintf(path, sizeof path, "%s/report.%s", sub, formats[i]);
			if (run_report(&r, formats[i], path, &t[k])) {
				fprintf(stderr, "cchc bench report: the %s report failed\n",
				        formats[i]);
				goto out;
			}
			bytes = take_dir(sub, !keep || k + 1 < repeat);
		}
		qsort(t, repeat, sizeof t[0], cmp_d);
		printf("%-8s %10.3f %10.3f %12lld\n", formats[i], t[0], t[repeat / 2], bytes);
		fflush(stdout);
	}
	if (bench_console(&cl, r.label, r.scope ? r.scope : cl.conf.default_scope,
	                  (unsigned)repeat))
		goto out;
	int rc = time_as_of(&cl, &r, (unsigned)repeat);
	if (rc < 0)
		goto out;
	if (rc > 0) {
		fprintf(stderr, "cchc bench report: the figures as of now differ from today's\n");
		status = 1;
		goto out;
	}
	printf("dossiers in the figures: %lld\n", now_have);
	status = 0;
out:
	if (!keep)
		take_dir(dir, 1);
	else
		printf("files kept in %s\n", dir);
	client_cleanup(&cl);
	return status;
}
