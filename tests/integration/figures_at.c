/* figures_at: the integration tests' window on stats' figures as of a moment (docs/design.md §13)
 * while no command of cchc asks for them. `figures_at --period P [--scope CODE] [--as-of-seq N]`
 * sends one QueryRequest to stats.listen and prints one "path value" line per figure of every
 * row, named as the paths of `cchc gen --truth`: dossiers.all.received, dossiers.district.pending,
 * units.474.received, fields.hotich.resolved, feedback.published. Configuration as every cchc
 * command finds it (--config, $CCHC_CONF). Exit 0, or 2 when stats did not answer. */
#include "check.h"
#include "client.h"
#include "period.h"
#include "service.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: figures_at --period P [--scope CODE] [--as-of-seq N] [--config FILE]\n");
}

/* Every int64 figure of m under its contract name: walking the descriptor, so a figure added to
 * the contract is printed (and compared) without a change here. */
static void print_figures(const char *path, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *md = m->descriptor;
	for (unsigned i = 0; i < md->n_fields; i++)
		printf("%s.%s %lld\n", path, md->fields[i].name,
		       (long long)*(const int64_t *)(const void *)((const char *)m +
		                                                   md->fields[i].offset));
}

enum { OPT_PERIOD = CLIENT_OPT_FIRST_FREE, OPT_SCOPE, OPT_AS_OF_SEQ };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLIENT_LONG_OPTIONS,
	    {"period", required_argument, NULL, OPT_PERIOD},
	    {"scope", required_argument, NULL, OPT_SCOPE},
	    {"as-of-seq", required_argument, NULL, OPT_AS_OF_SEQ},
	    {NULL, 0, NULL, 0},
	};
	Cchc__V1__QueryRequest q = CCHC__V1__QUERY_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	const char *label = NULL, *scope = "";
	unsigned long long seq = 0;
	client_opts co = {0};
	char err[256], path[160];
	client cl;
	period p;
	int opt;

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
		case OPT_AS_OF_SEQ:
			if (client_parse_uint("figures_at", "--as-of-seq", optarg, INT64_MAX, &seq))
				return 2;
			break;
		default:
			return client_usage_exit(opt, usage);
		}
	}
	if (!label || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (client_setup("figures_at", &co, 0, &cl))
		return 2;
	service_set_timezone(cl.conf.timezone);
	if (period_parse(label, &p, err, sizeof err)) {
		fprintf(stderr, "figures_at: %s\n", err);
		return 2;
	}
	q.has_from_ms = q.has_to_ms = 1;
	q.from_ms = p.from_ms;
	q.to_ms = p.to_ms;
	q.scope = (char *)scope;
	q.has_as_of_seq = seq != 0;
	q.as_of_seq = (int64_t)seq;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_QUERY;
	rq.query = &q;
	Cchc__V1__StatsReply *rep = check_stats_call("figures_at", &cl, &rq, 60000);
	if (!rep)
		return 2;
	if (rep->body_case != CCHC__V1__STATS_REPLY__BODY_QUERY || !rep->query->ok) {
		fprintf(stderr, "figures_at: no figures: %s\n",
		        rep->body_case == CCHC__V1__STATS_REPLY__BODY_QUERY && rep->query->error
		            ? rep->query->error
		            : "not a query reply");
		cchc__v1__stats_reply__free_unpacked(rep, NULL);
		return 2;
	}
	const Cchc__V1__QueryReply *r = rep->query;
	for (size_t i = 0; i < r->n_rows; i++) {
		const Cchc__V1__FigureRow *x = r->rows[i];
		if (!strcmp(x->group, "all"))
			snprintf(path, sizeof path, "dossiers.all");
		else if (!strcmp(x->group, "level"))
			snprintf(path, sizeof path, "dossiers.%s", x->key);
		else
			snprintf(path, sizeof path, "%ss.%s", x->group, x->key);
		print_figures(path, &x->dossiers->base);
	}
	print_figures("feedback", &r->feedback->base);
	cchc__v1__stats_reply__free_unpacked(rep, NULL);
	client_cleanup(&cl);
	return 0;
}
