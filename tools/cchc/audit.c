/* audit: `cchc audit verify`. Stats walks the hash chain of its audit log (every committed batch)
 * and says whether every entry's hash and link hold; exit 0 intact, 1 broken, 2 did not run. */
#include "check.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: cchc audit verify [--timeout-ms MS] [--config FILE]\n"
	           "Checks the hash chain of the audit log kept by cchc-stats.\n"
	           "Exit status: 0 intact, 1 an entry altered or removed, 2 did not run.\n");
}

enum { OPT_TIMEOUT = CLIENT_OPT_FIRST_FREE };

int cmd_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLIENT_LONG_OPTIONS,
	    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
	    {NULL, 0, NULL, 0},
	};
	client_opts co = {0};
	unsigned long long timeout_ms = 600000; /* a long chain takes a while to walk */
	client cl;
	int opt;

	if (argc < 2 || strcmp(argv[1], "verify")) {
		usage(argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	argc--;
	argv++;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (client_option(&co, opt, optarg))
			continue;
		if (opt == OPT_TIMEOUT) {
			if (client_parse_uint("audit", "--timeout-ms", optarg, 86400000,
			                      &timeout_ms))
				return 2;
			continue;
		}
		return client_usage_exit(opt, usage);
	}
	int status = client_setup("audit", &co, 0, &cl);
	if (status)
		return status;
	Cchc__V1__AuditRequest ar = CCHC__V1__AUDIT_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	ar.has_verify = ar.verify = 1;
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_AUDIT;
	rq.audit = &ar;
	Cchc__V1__StatsReply *rep = check_stats_call("audit", &cl, &rq, (unsigned)timeout_ms);
	if (!rep)
		return 2;
	const Cchc__V1__AuditReply *a =
	    rep->body_case == CCHC__V1__STATS_REPLY__BODY_AUDIT ? rep->audit : NULL;
	if (!a || !a->ok) {
		fprintf(stderr, "cchc audit: %s\n",
		        a && a->error ? a->error : "stats did not answer an audit request");
		status = 2;
	} else if (a->intact) {
		printf("audit log: %llu entries, chain intact\n", (unsigned long long)a->entries);
		status = 0;
	} else {
		printf("audit log: BROKEN at entry %lld: %s (%llu entries read)\n",
		       (long long)a->first_bad_id, a->detail ? a->detail : "",
		       (unsigned long long)a->entries);
		status = 1;
	}
	cchc__v1__stats_reply__free_unpacked(rep, NULL);
	return status;
}
