/* bench_national: `cchc bench national` measures how long a record a province acknowledged takes
 * to show in the national figures (docs/design.md §15): one new `received` dossier at a time is
 * signed and sent to the province's ingest (its configuration: --config), and from its
 * acknowledgement — the province's commit — the national stack's stats (--national-config) is asked
 * the same office's figures until they count it. Logical replication, the heartbeat and nothing
 * else lie between; the bench prints the lag's p50, p99 and maximum. */
#include "bench.h"

#include "cchc/v1/ingest.pb-c.h"
#include "cchc/v1/stats.pb-c.h"
#include "commands.h"
#include "period.h"
#include "rfc3339.h"
#include "service.h"
#include "units.h"
#include "wire.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long one record may take to arrive before the run gives up. */
#define BENCH_NATIONAL_WAIT_NS (60ll * 1000000000)

/* The office the records go to: the unit of the highest level valid at `at` (a commune where the
 * registry has them: its figures are few, so each poll is cheap). */
static const unit *bench_office(const units *reg, int64_t at)
{
	const unit *best = NULL;
	for (size_t i = 0; i < units_count(reg); i++) {
		const unit *u = units_at(reg, i);
		if (at >= u->valid_from_ms && at < u->valid_to_ms &&
		    (!best || u->level > best->level))
			best = u;
	}
	return best;
}

/* `received` dossiers of office counted by the national stack for period p: *received. */
static int national_received(wire_client *wc, const period *p, const char *office,
                             int64_t *received, char *err, size_t errlen)
{
	Cchc__V1__QueryRequest q = CCHC__V1__QUERY_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	uint8_t *req = NULL, *in = NULL;
	size_t reqlen, inlen = 0;

	q.has_from_ms = q.has_to_ms = 1;
	q.from_ms = p->from_ms;
	q.to_ms = p->to_ms;
	q.scope = (char *)office;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_QUERY;
	rq.query = &q;
	if (wire_pack(&rq.base, &req, &reqlen)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rv = wire_call(wc, req, reqlen, &in, &inlen, err, errlen);
	free(req);
	if (rv)
		return -1;
	Cchc__V1__StatsReply *rep = cchc__v1__stats_reply__unpack(NULL, inlen, in);
	free(in);
	int rc = -1;
	if (!rep || rep->body_case != CCHC__V1__STATS_REPLY__BODY_QUERY || !rep->query->ok) {
		snprintf(err, errlen, "the national stats did not answer the figures: %s",
		         rep && rep->body_case == CCHC__V1__STATS_REPLY__BODY_QUERY &&
		                 rep->query->error
		             ? rep->query->error
		             : "no query reply");
	} else {
		*received = 0;
		for (size_t i = 0; i < rep->query->n_rows; i++) {
			const Cchc__V1__FigureRow *r = rep->query->rows[i];
			if (r->group && !strcmp(r->group, "all") && r->dossiers)
				*received = r->dossiers->received;
		}
		rc = 0;
	}
	if (rep)
		cchc__v1__stats_reply__free_unpacked(rep, NULL);
	return rc;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: cchc bench national --national-config FILE [--records N] [--period P]\n"
	       "                           [--config FILE]\n"
	       "Sends N new records (default 200), one at a time, to the province of --config and\n"
	       "times each from the province's acknowledgement until the national stack of\n"
	       "--national-config counts it; prints the lag's p50, p99 and maximum.\n");
}

enum { OPT_NATIONAL = CLIENT_OPT_FIRST_FREE, OPT_RECORDS, OPT_PERIOD };

int bench_national(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLIENT_LONG_OPTIONS,
	    {"national-config", required_argument, NULL, OPT_NATIONAL},
	    {"records", required_argument, NULL, OPT_RECORDS},
	    {"period", required_argument, NULL, OPT_PERIOD},
	    {NULL, 0, NULL, 0},
	};
	client_opts co = {0};
	const char *national_path = NULL, *label = "2024-Q1";
	unsigned long long n = 200;
	char err[1024];
	int opt, status = 2;
	client cl;
	conf nc;
	period p;
	units *reg = NULL;
	wire_client *ingest = NULL, *national = NULL;
	int64_t *lag = NULL;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (client_option(&co, opt, optarg))
			continue;
		switch (opt) {
		case OPT_NATIONAL:
			national_path = optarg;
			break;
		case OPT_RECORDS:
			if (client_parse_uint("bench national", "--records", optarg, 1000000, &n) ||
			    !n)
				return 2;
			break;
		case OPT_PERIOD:
			label = optarg;
			break;
		default:
			return client_usage_exit(opt, usage);
		}
	}
	if (optind != argc || !national_path) {
		usage(stderr);
		return 2;
	}
	if ((status = client_setup("bench national", &co, 1, &cl)) != 0)
		return status;
	status = 2;
	service_set_timezone(cl.conf.timezone);
	if (conf_load(national_path, &nc, err, sizeof err) ||
	    period_parse(label, &p, err, sizeof err) ||
	    units_load(cl.conf.units_file, &reg, err, sizeof err)) {
		fprintf(stderr, "cchc bench national: %s\n", err);
		goto out;
	}
	/* the records are dated a day into the period, a second apart */
	int64_t at0 = p.from_ms + 86400000;
	const unit *office = bench_office(reg, at0);
	lag = calloc(n, sizeof *lag);
	if (!office || !lag) {
		fprintf(stderr, "cchc bench national: %s\n",
		        lag ? "the registry has no unit valid in the period" : "out of memory");
		goto out;
	}
	if (wire_client_open(cl.conf.ingest_listen, cl.conf.max_message_bytes,
	                     cl.conf.request_timeout_ms, &ingest, err, sizeof err) ||
	    wire_client_open(nc.stats_listen, nc.max_message_bytes, nc.request_timeout_ms,
	                     &national, err, sizeof err)) {
		fprintf(stderr, "cchc bench national: %s\n", err);
		goto out;
	}
	int64_t count;
	if (national_received(national, &p, office->code, &count, err, sizeof err)) {
		fprintf(stderr, "cchc bench national: %s (is %s the national stack's?)\n", err,
		        national_path);
		goto out;
	}
	uint64_t seed = bench_fresh_seed();
	printf("bench national: %llu records to office %s (%s) of %s, one at a time, each timed "
	       "from the province's acknowledgement to the national figures\n",
	       n, office->code, office->name ? office->name : "", p.label);
	for (unsigned long long i = 0; i < n; i++) {
		char id[64], at[40], due[40];
		unsigned accepted = 0;
		err[0] = '\0';
		snprintf(id, sizeof id, "lag-%016" PRIx64 "-%llu", seed, i);
		rfc3339_format_utc(at0 + (int64_t)i * 1000, at, sizeof at);
		rfc3339_format_utc(at0 + (int64_t)i * 1000 + 5 * 86400000ll, due, sizeof due);
		Cchc__V1__DossierEvent d = CCHC__V1__DOSSIER_EVENT__INIT;
		Cchc__V1__Record rec = CCHC__V1__RECORD__INIT;
		d.event_id = id;
		d.office = (char *)office->code;
		d.dossier = id;
		d.procedure = "1.000001";
		d.field = "hotich";
		d.has_kind = d.has_channel = 1;
		d.kind = CCHC__V1__DOSSIER_KIND__RECEIVED;
		d.channel = CCHC__V1__CHANNEL__ONLINE;
		d.at = at;
		d.due = due;
		rec.event_case = CCHC__V1__RECORD__EVENT_DOSSIER;
		rec.dossier = &d;
		if (bench_submit_record(&cl, ingest, &rec, (unsigned long)i + 1, &accepted, err,
		                        sizeof err) ||
		    accepted != 1) {
			fprintf(stderr, "cchc bench national: record %llu: %s\n", i + 1,
			        accepted != 1 && !err[0] ? "not accepted" : err);
			goto out;
		}
		int64_t acked = bench_now_ns(), seen = 0;
		count++;
		for (;;) {
			int64_t now_count;
			if (national_received(national, &p, office->code, &now_count, err,
			                      sizeof err)) {
				fprintf(stderr, "cchc bench national: %s\n", err);
				goto out;
			}
			seen = bench_now_ns();
			if (now_count >= count)
				break;
			if (seen - acked > BENCH_NATIONAL_WAIT_NS) {
				fprintf(
				    stderr,
				    "cchc bench national: record %llu not in the national figures "
				    "after %lld s (cchc status on the national stack)\n",
				    i + 1, BENCH_NATIONAL_WAIT_NS / 1000000000);
				goto out;
			}
			/* polling is the measurement: a short pause, not a wait for a guess */
			struct timespec pause = {0, 500000};
			nanosleep(&pause, NULL);
		}
		lag[i] = seen - acked;
	}
	qsort(lag, n, sizeof *lag, cmp_i64);
	printf("national lag: %llu records: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", n,
	       (double)bench_percentile(lag, n, 0.50) / 1e6,
	       (double)bench_percentile(lag, n, 0.99) / 1e6, (double)lag[n - 1] / 1e6);
	status = 0;
out:
	wire_client_close(ingest);
	wire_client_close(national);
	units_free(reg);
	free(lag);
	client_cleanup(&cl);
	return status;
}
