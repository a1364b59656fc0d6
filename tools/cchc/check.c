/* check: `cchc check --period P [--scope CODE]`. Stats finds; this prints one line per finding
 * that is not ok (all with --verbose) and a summary per check; exit 1 when anything is not ok, 0
 * when clean, 2 when the checks could not run. */
#include "check.h"

#include "commands.h"
#include "period.h"
#include "service.h"
#include "wire.h"

#include <inttypes.h>
#include <nng/nng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Cchc__V1__StatsReply *check_stats_call(const char *cmd, const client *cl,
                                       const Cchc__V1__StatsRequest *rq, unsigned timeout_ms)
{
	wire_client *wc = NULL;
	uint8_t *req = NULL, *reply = NULL;
	size_t reqlen, replylen = 0;
	Cchc__V1__StatsReply *out = NULL;
	char err[512];
	int rv;

	if (wire_pack(&rq->base, &req, &reqlen)) {
		fprintf(stderr, "cchc %s: out of memory\n", cmd);
		return NULL;
	}
	rv = wire_client_open(cl->conf.stats_listen, cl->conf.max_message_bytes, timeout_ms, &wc,
	                      err, sizeof err);
	if (!rv)
		rv = wire_call(wc, req, reqlen, &reply, &replylen, err, sizeof err);
	if (rv == NNG_ETIMEDOUT)
		snprintf(err, sizeof err,
		         "no answer from %s within %u ms (%s); is cchc-stats running? "
		         "(--timeout-ms waits longer)",
		         cl->conf.stats_listen, timeout_ms, nng_strerror(rv));
	if (rv) {
		fprintf(stderr, "cchc %s: %s\n", cmd, err);
	} else {
		out = cchc__v1__stats_reply__unpack(NULL, replylen, reply);
		if (!out)
			fprintf(stderr, "cchc %s: %s sent a reply that does not decode\n", cmd,
			        cl->conf.stats_listen);
	}
	free(req);
	free(reply);
	wire_client_close(wc);
	return out;
}

int check_period_setup(const char *cmd, const client_opts *co, const char *label,
                       const char **scope, unsigned long long *timeout, client *cl, period *p)
{
	char err[512];
	int status = client_setup(cmd, co, 0, cl);
	if (status)
		return status;
	service_set_timezone(cl->conf.timezone);
	if (period_parse(label, p, err, sizeof err)) {
		fprintf(stderr, "cchc %s: %s\n", cmd, err);
		return 2;
	}
	if (!*scope || !(*scope)[0])
		*scope = cl->conf.default_scope;
	if (!*timeout)
		*timeout = cl->conf.request_timeout_ms;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cchc check --period P [--scope CODE] [--verbose] [--timeout-ms MS]\n"
	           "                  [--config FILE]\n"
	           "       cchc check --scope VN [--period P] ...   (the national stack)\n"
	           "Checks: identity (per unit), orphan, due_before_received, extra_finish,\n"
	           "extra_received, silent_office, late_arrival, no_successor; on the national\n"
	           "stack stale_province (older than national.max_age), no_data, aggregates_stale\n"
	           "and, with --period, identity per province.\n"
	           "Exit status: 0 clean, 1 a finding, 2 the checks did not run.\n");
}

enum { OPT_PERIOD = CLIENT_OPT_FIRST_FREE, OPT_SCOPE, OPT_TIMEOUT, OPT_VERBOSE };

/* Per check name: how many items were ok and how many not. */
typedef struct tally {
	const char *check;
	unsigned ok, bad;
} tally;

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLIENT_LONG_OPTIONS,
	    {"period", required_argument, NULL, OPT_PERIOD},
	    {"scope", required_argument, NULL, OPT_SCOPE},
	    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
	    {"verbose", no_argument, NULL, OPT_VERBOSE},
	    {NULL, 0, NULL, 0},
	};
	client_opts co = {0};
	const char *label = NULL, *scope = NULL;
	unsigned long long timeout = 0;
	int opt, verbose = 0, status;
	client cl;
	period p;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (client_option(&co, opt, optarg))
			continue;
		switch (opt) {
		case OPT_PERIOD:
			label = optarg;
			break;
		case OPT_SCOPE:
			scope = optarg;
			break;
		case OPT_TIMEOUT:
			if (client_parse_uint("check", "--timeout-ms", optarg, 86400000,
			                      &timeout) ||
			    !timeout)
				return 2;
			break;
		case OPT_VERBOSE:
			verbose = 1;
			break;
		default:
			return client_usage_exit(opt, usage);
		}
	}
	/* the national scope's freshness needs no period (docs/design.md §15) */
	int national = scope && !strcmp(scope, "VN");
	if (optind != argc || ((!label || !label[0]) && !national)) {
		fprintf(stderr, "cchc check: --period is required (but with --scope VN)\n");
		usage(stderr);
		return 2;
	}
	if (label && label[0]) {
		status = check_period_setup("check", &co, label, &scope, &timeout, &cl, &p);
	} else {
		label = NULL;
		status = client_setup("check", &co, 0, &cl);
		service_set_timezone(cl.conf.timezone);
		if (!timeout)
			timeout = cl.conf.request_timeout_ms;
	}
	if (status)
		return status;

	Cchc__V1__CheckRequest cr = CCHC__V1__CHECK_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	if (label) {
		cr.has_from_ms = cr.has_to_ms = 1;
		cr.from_ms = p.from_ms;
		cr.to_ms = p.to_ms;
	}
	cr.scope = (char *)scope;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_CHECK;
	rq.check = &cr;
	Cchc__V1__StatsReply *rep = check_stats_call("check", &cl, &rq, (unsigned)timeout);
	if (!rep)
		return 2;
	if (rep->body_case != CCHC__V1__STATS_REPLY__BODY_CHECK || !rep->check) {
		fprintf(stderr, "cchc check: %s did not answer with checks (is it cchc-stats?)\n",
		        cl.conf.stats_listen);
		cchc__v1__stats_reply__free_unpacked(rep, NULL);
		return 2;
	}
	const Cchc__V1__CheckReply *c = rep->check;
	if (!c->ok) {
		fprintf(stderr, "cchc check: stats could not check %s, scope %s: %s\n",
		        label ? label : "the provinces' freshness", scope,
		        c->error && c->error[0] ? c->error : "(no reason given)");
		cchc__v1__stats_reply__free_unpacked(rep, NULL);
		return 2;
	}
	tally t[16];
	size_t nt = 0;
	unsigned bad = 0;
	if (label)
		printf("check %s (%s..%s), scope %s\n", p.label, p.first_day, p.last_day, scope);
	else
		printf("check scope %s: each province's figures against national.max_age\n", scope);
	for (size_t i = 0; i < c->n_items; i++) {
		const Cchc__V1__CheckItem *x = c->items[i];
		const char *name = x->check ? x->check : "?";
		size_t k;
		for (k = 0; k < nt && strcmp(t[k].check, name); k++)
			;
		if (k == nt && nt < sizeof t / sizeof t[0])
			t[nt++] = (tally){.check = name};
		if (k < nt)
			x->ok ? t[k].ok++ : t[k].bad++;
		bad += !x->ok;
		if (!x->ok || verbose)
			printf("%-4s %-19s %-6s %s\n", x->ok ? "ok" : "FAIL", name,
			       x->unit && x->unit[0] ? x->unit : "-", x->detail ? x->detail : "");
	}
	printf("summary:");
	for (size_t k = 0; k < nt; k++)
		printf("%s %s %u ok %u not ok", k ? ";" : "", t[k].check, t[k].ok, t[k].bad);
	printf("%s\n%s\n", nt ? "" : " nothing to check",
	       bad ? "check: findings above need attention" : "check: clean");
	cchc__v1__stats_reply__free_unpacked(rep, NULL);
	return bad ? 1 : 0;
}
