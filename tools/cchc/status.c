/* status: `cchc status` asks ingest, stats and export at once (each in its own envelope: the
 * services share no socket) and prints a line per service; exit 1 when any is down, so scripts
 * and monitoring can use it as a health check. */
#include "status.h"

#include "client.h"
#include "commands.h"
#include "service.h"
#include "wire.h"

#include "cchc/v1/export.pb-c.h"
#include "cchc/v1/ingest.pb-c.h"
#include "cchc/v1/stats.pb-c.h"

#include <ctype.h>
#include <inttypes.h>
#include <nng/nng.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void status_format_uptime(uint64_t s, char *buf, size_t len)
{
	if (s >= 86400)
		snprintf(buf, len, "%" PRIu64 "d%" PRIu64 "h", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else
		snprintf(buf, len, "%" PRIu64 "s", s);
}

enum { SVC_INGEST, SVC_STATS, SVC_EXPORT, SVC_N };

typedef struct probe {
	const char *name;
	const char *url;
	size_t max_msg;
	unsigned timeout_ms;
	int svc;
	int up;
	char err[512];
	Cchc__V1__StatusReply *reply; /* points into `holder` */
	ProtobufCMessage *holder;     /* the unpacked envelope */
} probe;

/* Packs the StatusRequest in the envelope of the probed service. */
static int pack_request(int svc, uint8_t **buf, size_t *len)
{
	Cchc__V1__StatusRequest sr = CCHC__V1__STATUS_REQUEST__INIT;

	switch (svc) {
	case SVC_INGEST: {
		Cchc__V1__IngestRequest r = CCHC__V1__INGEST_REQUEST__INIT;

		r.body_case = CCHC__V1__INGEST_REQUEST__BODY_STATUS;
		r.status = &sr;
		return wire_pack(&r.base, buf, len);
	}
	case SVC_STATS: {
		Cchc__V1__StatsRequest r = CCHC__V1__STATS_REQUEST__INIT;

		r.body_case = CCHC__V1__STATS_REQUEST__BODY_STATUS;
		r.status = &sr;
		return wire_pack(&r.base, buf, len);
	}
	default: {
		Cchc__V1__ExportRequest r = CCHC__V1__EXPORT_REQUEST__INIT;

		r.body_case = CCHC__V1__EXPORT_REQUEST__BODY_STATUS;
		r.status = &sr;
		return wire_pack(&r.base, buf, len);
	}
	}
}

/* Finds the StatusReply in the service's reply envelope; leaves pr->holder to free. */
static int unpack_reply(probe *pr, const uint8_t *buf, size_t len)
{
	switch (pr->svc) {
	case SVC_INGEST: {
		Cchc__V1__IngestReply *r = cchc__v1__ingest_reply__unpack(NULL, len, buf);

		if (!r)
			return -1;
		pr->holder = &r->base;
		if (r->body_case == CCHC__V1__INGEST_REPLY__BODY_STATUS)
			pr->reply = r->status;
		break;
	}
	case SVC_STATS: {
		Cchc__V1__StatsReply *r = cchc__v1__stats_reply__unpack(NULL, len, buf);

		if (!r)
			return -1;
		pr->holder = &r->base;
		if (r->body_case == CCHC__V1__STATS_REPLY__BODY_STATUS)
			pr->reply = r->status;
		break;
	}
	default: {
		Cchc__V1__ExportReply *r = cchc__v1__export_reply__unpack(NULL, len, buf);

		if (!r)
			return -1;
		pr->holder = &r->base;
		if (r->body_case == CCHC__V1__EXPORT_REPLY__BODY_STATUS)
			pr->reply = r->status;
		break;
	}
	}
	return pr->reply ? 0 : -1;
}

static void *run_probe(void *arg)
{
	probe *pr = arg;
	wire_client *wc = NULL;
	uint8_t *req = NULL, *rep = NULL;
	size_t reqlen, replen;
	int rv;

	if (wire_client_open(pr->url, pr->max_msg, pr->timeout_ms, &wc, pr->err, sizeof pr->err))
		return NULL;
	if (pack_request(pr->svc, &req, &reqlen)) {
		snprintf(pr->err, sizeof pr->err, "out of memory");
		goto out;
	}
	rv = wire_call(wc, req, reqlen, &rep, &replen, pr->err, sizeof pr->err);
	if (rv == NNG_ETIMEDOUT)
		snprintf(pr->err, sizeof pr->err, "no answer from %s within %u ms (%s)", pr->url,
		         pr->timeout_ms, nng_strerror(rv));
	if (rv)
		goto out;
	if (unpack_reply(pr, rep, replen)) {
		snprintf(pr->err, sizeof pr->err, "%s answered, but not with a %s status", pr->url,
		         pr->name);
		goto out;
	}
	pr->up = 1;
out:
	free(req);
	free(rep);
	wire_client_close(wc);
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cchc status [--timeout-ms MS] [--config FILE]\n"
	           "One line per service (ingest, stats, export); on the national stack one more\n"
	           "per province's subscription. Exit 1 if a service is down, else 3 if a\n"
	           "province's replication is not streaming, else 0.\n");
}

/* "3 s", "4 min", "2 h", "5 d" ago. */
static void format_age(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms < 0 ? 0 : ms / 1000;
	if (s < 120)
		snprintf(buf, len, "%" PRId64 " s", s);
	else if (s < 7200)
		snprintf(buf, len, "%" PRId64 " min", s / 60);
	else if (s < 172800)
		snprintf(buf, len, "%" PRId64 " h", s / 3600);
	else
		snprintf(buf, len, "%" PRId64 " d", s / 86400);
}

static void format_bytes(int64_t b, char *buf, size_t len)
{
	if (b < 1024)
		snprintf(buf, len, "%" PRId64 " B", b);
	else if (b < 1024 * 1024)
		snprintf(buf, len, "%.1f kB", (double)b / 1024);
	else if (b < (int64_t)1024 * 1024 * 1024)
		snprintf(buf, len, "%.1f MB", (double)b / (1024 * 1024));
	else
		snprintf(buf, len, "%.1f GB", (double)b / (1024 * 1024 * 1024));
}

/* One province's replication into the national database (docs/design.md §15). A subscription
 * that is not streaming is shown loudly: "!!" first, its state in capitals, and why. Returns 1
 * when it is not streaming. */
int status_print_subscription(const Cchc__V1__Subscription *x, int64_t now_ms)
{
	char state[32], last[32] = "never", lag[64] = "lag unknown (province not probed)",
	                current[64] = "none yet";
	const char *st = x->state ? x->state : "?";
	int bad = !x->ok;
	size_t i = 0;
	for (; st[i] && i < sizeof state - 1; i++)
		state[i] = bad ? (char)toupper((unsigned char)st[i]) : st[i];
	state[i] = '\0';
	if (x->last_message_ms) {
		format_age(now_ms - x->last_message_ms, last, sizeof last);
		strncat(last, " ago", sizeof last - strlen(last) - 1);
	}
	if (x->has_lag_bytes) {
		char b[24], t[32];
		format_bytes(x->lag_bytes, b, sizeof b);
		snprintf(t, sizeof t, "%.1f s", (double)(x->has_lag_ms ? x->lag_ms : 0) / 1000);
		snprintf(lag, sizeof lag, "lag %s, %s", b, t);
	}
	if (x->current_ms) {
		char age[24];
		time_t t = (time_t)(x->current_ms / 1000);
		struct tm tm;
		format_age(now_ms - x->current_ms, age, sizeof age);
		if (localtime_r(&t, &tm))
			strftime(current, sizeof current, "%d/%m/%Y %H:%M:%S", &tm);
		snprintf(current + strlen(current), sizeof current - strlen(current), " (%s ago)",
		         age);
	}
	printf("%-7s province %-3s %-15s last message %s, %s, figures complete to %s, apply "
	       "errors %" PRId64 "\n",
	       bad ? "!!" : "", x->province ? x->province : "?", state, last, lag, current,
	       x->apply_errors);
	if (x->detail && *x->detail)
		printf("%-7s   %s\n", bad ? "!!" : "", x->detail);
	return bad;
}

enum { OPT_TIMEOUT = CLIENT_OPT_FIRST_FREE };

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLIENT_LONG_OPTIONS,
	    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
	    {NULL, 0, NULL, 0},
	};
	client_opts co = {0};
	unsigned long long timeout = 2000;
	probe pr[SVC_N];
	pthread_t th[SVC_N];
	int started[SVC_N] = {0};
	int opt, status, down = 0, replication = 0;
	client cl;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (client_option(&co, opt, optarg))
			continue;
		switch (opt) {
		case OPT_TIMEOUT:
			if (client_parse_uint("status", "--timeout-ms", optarg, 3600000,
			                      &timeout) ||
			    !timeout)
				return 2;
			break;
		default:
			return client_usage_exit(opt, usage);
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	status = client_setup("status", &co, 0, &cl);
	if (status)
		return status;
	service_set_timezone(cl.conf.timezone); /* the subscriptions' times, local */
	memset(pr, 0, sizeof pr);
	pr[SVC_INGEST].name = "ingest";
	pr[SVC_INGEST].url = cl.conf.ingest_listen;
	pr[SVC_STATS].name = "stats";
	pr[SVC_STATS].url = cl.conf.stats_listen;
	pr[SVC_EXPORT].name = "export";
	pr[SVC_EXPORT].url = cl.conf.export_listen;
	for (int i = 0; i < SVC_N; i++) {
		pr[i].svc = i;
		pr[i].max_msg = cl.conf.max_message_bytes;
		pr[i].timeout_ms = (unsigned)timeout;
		/* in parallel, so three dead services cost one timeout, not three */
		started[i] = !pthread_create(&th[i], NULL, run_probe, &pr[i]);
		if (!started[i])
			run_probe(&pr[i]);
	}
	for (int i = 0; i < SVC_N; i++) {
		if (started[i])
			pthread_join(th[i], NULL);
		if (pr[i].up) {
			const Cchc__V1__StatusReply *s = pr[i].reply;
			char up[32];

			status_format_uptime(s->uptime_seconds, up, sizeof up);
			printf("%-7s up    version %s  uptime %s  requests %" PRIu64
			       "  records %" PRIu64,
			       pr[i].name, s->version && s->version[0] ? s->version : "?", up,
			       s->requests, s->records);
			if (s->has_events_stored)
				printf("  stored %" PRIu64, s->events_stored);
			printf("  busy %u\n", s->busy_workers);
			/* a line of its own: scripts read the service line up to "busy N" */
			if (s->mode && *s->mode)
				printf("%-7s mode  %s\n", "", s->mode);
			if (s->console && *s->console)
				printf("%-7s console %s\n", "", s->console);
			int64_t now = (int64_t)time(NULL) * 1000;
			for (size_t k = 0; k < s->n_subscriptions; k++)
				replication |= status_print_subscription(s->subscriptions[k], now);
		} else {
			down++;
			printf("%-7s DOWN  %s\n", pr[i].name, pr[i].err);
		}
		if (pr[i].holder)
			protobuf_c_message_free_unpacked(pr[i].holder, NULL);
	}
	return down ? 1 : replication ? 3 : 0;
}
