/* bench: `cchc bench ingest` puts the end-to-end rate (cmd_push through ingest and stats, each
 * batch acknowledged after its commit) beside a raw COPY of the same events and beside naive
 * clients, in one run on one database; `cchc bench report` is in bench_report.c. Every event is
 * new to the database (ids from a fresh seed), so no duplicate is ever counted as work done. */
#include "bench.h"

#include "commands.h"
#include "push.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t bench_percentile(const int64_t *sorted, size_t n, double q)
{
	size_t rank;

	if (!n)
		return 0;
	rank = (size_t)(q * (double)n + 0.999999999);
	if (rank < 1)
		rank = 1;
	return sorted[(rank > n ? n : rank) - 1];
}

int bench_status_kb(const char *status, const char *key, long *kb)
{
	size_t klen = strlen(key);

	for (const char *l = status; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, key, klen) && l[klen] == ':') {
			char *end;
			long v = strtol(l + klen + 1, &end, 10);

			if (end == l + klen + 1)
				return -1;
			*kb = v;
			return 0;
		}
	}
	return -1;
}

int bench_pidfile_memory(const char *pidfile, long *hwm_kb, long *rss_kb, char *err, size_t errlen)
{
	char path[64], buf[4096];
	FILE *f = fopen(pidfile, "r");
	long pid = 0;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "%s: %s", pidfile, strerror(errno));
		return -1;
	}
	if (fscanf(f, "%ld", &pid) != 1 || pid <= 0) {
		fclose(f);
		snprintf(err, errlen, "%s: no pid in it", pidfile);
		return -1;
	}
	fclose(f);
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	if (!(f = fopen(path, "r"))) {
		snprintf(err, errlen, "pid %ld of %s: %s", pid, pidfile, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	if (bench_status_kb(buf, "VmHWM", hwm_kb) || bench_status_kb(buf, "VmRSS", rss_kb)) {
		snprintf(err, errlen, "%s has no VmHWM/VmRSS", path);
		return -1;
	}
	return 0;
}

void bench_run_dir(const conf *c, const char *run_dir, char *out, size_t len)
{
	const char *slash;

	if (run_dir && run_dir[0]) {
		snprintf(out, len, "%s", run_dir);
		return;
	}
	slash = strrchr(c->path, '/');
	if (!c->path[0] || !slash)
		snprintf(out, len, "run");
	else
		snprintf(out, len, "%.*s/run", (int)(slash - c->path), c->path);
}

/* ---- bench ingest ---- */

static const char *const services[] = {"cchc-ingest", "cchc-stats", "cchc-export", "postgres"};
#define NSERVICES (sizeof services / sizeof services[0])

typedef struct acks {
	pthread_mutex_t mu;
	int64_t *lat;
	size_t n, cap;
	unsigned long long records, accepted, duplicate;
} acks;

static void on_ack(void *arg, size_t records, unsigned accepted, unsigned duplicate,
                   int64_t latency_ns)
{
	acks *a = arg;

	pthread_mutex_lock(&a->mu);
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 1024;
		int64_t *nl = realloc(a->lat, cap * sizeof *nl);

		if (nl) {
			a->lat = nl;
			a->cap = cap;
		}
	}
	if (a->n < a->cap) /* else the latency is lost, never the counts */
		a->lat[a->n++] = latency_ns;
	a->records += records;
	a->accepted += accepted;
	a->duplicate += duplicate;
	pthread_mutex_unlock(&a->mu);
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

typedef struct memsnap {
	long hwm[NSERVICES], rss[NSERVICES];
	int ok[NSERVICES];
	char why[NSERVICES][256];
} memsnap;

static void mem_snapshot(const char *run_dir, memsnap *m)
{
	for (size_t i = 0; i < NSERVICES; i++) {
		char pidfile[PATH_MAX + 64];

		snprintf(pidfile, sizeof pidfile, "%s/%s.pid", run_dir, services[i]);
		m->ok[i] = !bench_pidfile_memory(pidfile, &m->hwm[i], &m->rss[i], m->why[i],
		                                 sizeof m->why[i]);
	}
}

static double rate(double n, double s)
{
	return s > 0 ? n / s : 0;
}

/* Removes the scratch folder and what the benchmark wrote into it. */
static void remove_dir(const char *dir, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char p[PATH_MAX + 64];

		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

static void ingest_usage(FILE *f)
{
	fprintf(f,
	        "usage: cchc bench ingest --events N [--naive-events M] [--jobs J] [--period P]\n"
	        "                         [--run-dir DIR] [--keep] [--config FILE]\n"
	        "Generates N new events and measures, in one run on the configured stack:\n"
	        "  end-to-end   `cchc push` through ingest and stats (acknowledged after commit)\n"
	        "  raw COPY     the same events into a plain table with a unique event_id\n"
	        "  naive        M other events (default N/50), one SubmitRequest each; and one\n"
	        "               INSERT each into the plain table\n"
	        "then each service's peak memory (VmHWM; pid files in DIR, default the config's\n"
	        "folder/run) and the ratios end-to-end/raw-copy and end-to-end/naive.\n");
}

enum { OPT_EVENTS = CLIENT_OPT_FIRST_FREE, OPT_NAIVE, OPT_JOBS, OPT_PERIOD, OPT_RUN_DIR, OPT_KEEP };

int bench_ingest(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLIENT_LONG_OPTIONS,
	    {"events", required_argument, NULL, OPT_EVENTS},
	    {"naive-events", required_argument, NULL, OPT_NAIVE},
	    {"jobs", required_argument, NULL, OPT_JOBS},
	    {"period", required_argument, NULL, OPT_PERIOD},
	    {"run-dir", required_argument, NULL, OPT_RUN_DIR},
	    {"keep", no_argument, NULL, OPT_KEEP},
	    {NULL, 0, NULL, 0},
	};
	static const char *const files[] = {"events.jsonl", "naive.jsonl", "events.jsonl.rejects"};
	client_opts co = {0};
	unsigned long long nevents = 0, nnaive = 0, jobs = 16;
	const char *label = "2024-Q1", *run_dir_opt = NULL;
	int keep = 0, opt, status = 2;
	char dir[PATH_MAX], events_path[PATH_MAX + 32], naive_path[PATH_MAX + 32];
	char run_dir[PATH_MAX], jobs_s[24], err[1024];
	size_t written = 0, nwritten = 0, rows = 0, nrows = 0, nsent = 0, naccepted = 0;
	char *copy = NULL, *ncopy = NULL;
	size_t copylen = 0, ncopylen = 0;
	double t_e2e, t_copy = 0, t_naive = 0, t_insert = 0, t_gen;
	int64_t t0;
	acks a = {.mu = PTHREAD_MUTEX_INITIALIZER};
	memsnap before, after;
	uint64_t seed;
	client cl;
	int have_client = 0, made_dir = 0;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (client_option(&co, opt, optarg))
			continue;
		switch (opt) {
		case OPT_EVENTS:
			if (client_parse_uint("bench", "--events", optarg, 100000000, &nevents) ||
			    !nevents)
				return 2;
			break;
		case OPT_NAIVE:
			if (client_parse_uint("bench", "--naive-events", optarg, 100000000,
			                      &nnaive) ||
			    !nnaive)
				return 2;
			break;
		case OPT_JOBS:
			if (client_parse_uint("bench", "--jobs", optarg, 64, &jobs) || !jobs)
				return 2;
			break;
		case OPT_PERIOD:
			label = optarg;
			break;
		case OPT_RUN_DIR:
			run_dir_opt = optarg;
			break;
		case OPT_KEEP:
			keep = 1;
			break;
		default:
			return client_usage_exit(opt, ingest_usage);
		}
	}
	if (optind != argc || !nevents) {
		if (!nevents)
			fprintf(stderr, "cchc bench ingest: --events N is required\n");
		ingest_usage(stderr);
		return 2;
	}
	if (!nnaive)
		nnaive = nevents / 50 ? nevents / 50 : 1;
	if (client_setup("bench", &co, 1, &cl))
		return 2;
	have_client = 1;
	bench_run_dir(&cl.conf, run_dir_opt, run_dir, sizeof run_dir);
	snprintf(dir, sizeof dir, "%s/cchc-bench.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "cchc bench: making a scratch folder %s: %s\n", dir,
		        strerror(errno));
		goto out;
	}
	made_dir = 1;
	snprintf(events_path, sizeof events_path, "%s/%s", dir, files[0]);
	snprintf(naive_path, sizeof naive_path, "%s/%s", dir, files[1]);

	/* Inputs first, outside every timing: two disjoint event sets, ids unique to this run. */
	seed = bench_fresh_seed();
	t0 = bench_now_ns();
	if (bench_gen_events(&cl.conf, label, nevents, seed, events_path, &written, err,
	                     sizeof err) ||
	    bench_gen_events(&cl.conf, label, nnaive, seed ^ 0x5eed, naive_path, &nwritten, err,
	                     sizeof err) ||
	    bench_copy_text(events_path, &copy, &copylen, &rows, err, sizeof err) ||
	    bench_copy_text(naive_path, &ncopy, &ncopylen, &nrows, err, sizeof err)) {
		fprintf(stderr, "cchc bench: generating events: %s\n", err);
		goto out;
	}
	t_gen = (double)(bench_now_ns() - t0) / 1e9;
	printf("bench ingest: %zu events of %s (seed %llu), naive %zu, jobs %llu, generated in "
	       "%.2f s into %s\n",
	       written, label, (unsigned long long)seed, nwritten, jobs, t_gen, dir);
	fflush(stdout);
	mem_snapshot(run_dir, &before);

	/* (a) end-to-end: the real `cchc push`, timed from its start to its last acknowledgement.
	 */
	{
		char *pargv[12];
		int pargc = 0, prc;

		snprintf(jobs_s, sizeof jobs_s, "%llu", jobs);
		pargv[pargc++] = "push";
		pargv[pargc++] = "--no-progress";
		pargv[pargc++] = "--jobs";
		pargv[pargc++] = jobs_s;
		if (co.config) {
			pargv[pargc++] = "--config";
			pargv[pargc++] = (char *)co.config;
		}
		if (co.source) {
			pargv[pargc++] = "--source";
			pargv[pargc++] = (char *)co.source;
		}
		if (co.key_file) {
			pargv[pargc++] = "--key-file";
			pargv[pargc++] = (char *)co.key_file;
		}
		pargv[pargc++] = events_path;
		pargv[pargc] = NULL;
		push_observe_acks(on_ack, &a);
		t0 = bench_now_ns();
		prc = cmd_push(pargc, pargv);
		t_e2e = (double)(bench_now_ns() - t0) / 1e9;
		push_observe_acks(NULL, NULL);
		fflush(stdout);
		if (prc) {
			fprintf(stderr,
			        "cchc bench: the push failed (exit %d): nothing to compare\n", prc);
			goto out;
		}
		if (a.accepted != written || a.duplicate) {
			fprintf(
			    stderr,
			    "cchc bench: ingest stored %llu new and %llu duplicate of %zu events: "
			    "the benchmark counts only new events; is the stack's database "
			    "shared with another run?\n",
			    a.accepted, a.duplicate, written);
			goto out;
		}
	}
	mem_snapshot(run_dir, &after);

	/* (b) raw COPY of the same events; (c) the naive clients on the smaller set. */
	if (bench_pg_copy(cl.conf.stats_db, copy, copylen, &t_copy, err, sizeof err)) {
		fprintf(stderr, "cchc bench: raw COPY: %s\n", err);
		goto out;
	}
	if (bench_naive_submit(&cl, naive_path, &t_naive, &nsent, &naccepted, err, sizeof err)) {
		fprintf(stderr, "cchc bench: naive client: %s\n", err);
		goto out;
	}
	if (naccepted != nsent) {
		fprintf(stderr, "cchc bench: naive client: %zu of %zu events were new\n", naccepted,
		        nsent);
		goto out;
	}
	if (bench_pg_insert_each(cl.conf.stats_db, ncopy, ncopylen, &t_insert, err, sizeof err)) {
		fprintf(stderr, "cchc bench: naive INSERT: %s\n", err);
		goto out;
	}

	{
		double r_e2e = rate((double)written, t_e2e), r_copy = rate((double)rows, t_copy);
		double r_naive = rate((double)nsent, t_naive),
		       r_ins = rate((double)nrows, t_insert);

		qsort(a.lat, a.n, sizeof *a.lat, cmp_i64);
		printf("end-to-end (push, ingest, stats, committed): %zu events in %.3f s = %.0f "
		       "events/s\n",
		       written, t_e2e, r_e2e);
		printf("ack latency p50: %.1f ms, p99: %.1f ms, max: %.1f ms (%zu batches)\n",
		       (double)bench_percentile(a.lat, a.n, 0.50) / 1e6,
		       (double)bench_percentile(a.lat, a.n, 0.99) / 1e6,
		       a.n ? (double)a.lat[a.n - 1] / 1e6 : 0.0, a.n);
		printf("raw COPY (one transaction, unique event_id): %zu events in %.3f s = %.0f "
		       "events/s\n",
		       rows, t_copy, r_copy);
		printf("naive client (one SubmitRequest per record): %zu events in %.3f s = %.0f "
		       "events/s\n",
		       nsent, t_naive, r_naive);
		printf(
		    "naive INSERT (one autocommit INSERT per record): %zu events in %.3f s = %.0f "
		    "events/s\n",
		    nrows, t_insert, r_ins);
		for (size_t i = 0; i < NSERVICES; i++) {
			if (after.ok[i])
				printf(
				    "peak memory %s: VmHWM %ld kB (before the push %ld kB), VmRSS "
				    "%ld kB\n",
				    services[i], after.hwm[i], before.ok[i] ? before.hwm[i] : 0,
				    after.rss[i]);
			else
				printf("peak memory %s: unknown (%s)\n", services[i], after.why[i]);
		}
		printf("ratio end-to-end/raw-copy: %.2f\n", rate(r_e2e, r_copy));
		printf("ratio end-to-end/naive: %.2f\n", rate(r_e2e, r_naive));
		printf("ratio end-to-end/naive-insert: %.2f\n", rate(r_e2e, r_ins));
	}
	status = 0;
out:
	if (made_dir && !keep)
		remove_dir(dir, files, sizeof files / sizeof files[0]);
	free(copy);
	free(ncopy);
	free(a.lat);
	if (have_client)
		client_cleanup(&cl);
	return status;
}

int cmd_bench(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "ingest"))
		return bench_ingest(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "report"))
		return bench_report(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "national"))
		return bench_national(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: cchc bench ingest --events N [...] | report --dossiers N [...] |\n"
		       "                  national --national-config FILE [...]\n"
		       "(cchc bench ingest|report|national --help for the options)\n");
		return 0;
	}
	fprintf(stderr, "usage: cchc bench ingest --events N [...] | report --dossiers N [...] |\n"
	                "                  national --national-config FILE [...]\n");
	return 2;
}
