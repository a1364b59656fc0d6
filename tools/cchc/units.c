/* units: `cchc units import FILE` (stats validates the whole file, then replaces the registry in
 * one transaction; a bad file changes nothing) and `cchc units list [--at YYYY-MM-DD]`. */
#include "check.h"

#include "commands.h"
#include "units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: cchc units import FILE [--config FILE]\n"
	           "       cchc units list [--at YYYY-MM-DD] [--config FILE]\n"
	           "import: validates FILE (units.csv) whole, then replaces the registry stats "
	           "holds;\n"
	           "        it stays in force across restarts until units_file itself changes.\n"
	           "list:   every snapshot, or the units valid on a date: code, level, name, "
	           "parent,\n"
	           "        snapshot and validity [from, to).\n");
}

enum { OPT_AT = CLIENT_OPT_FIRST_FREE, OPT_TIMEOUT };

int cmd_units(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLIENT_LONG_OPTIONS,
	    {"at", required_argument, NULL, OPT_AT},
	    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
	    {NULL, 0, NULL, 0},
	};
	client_opts co = {0};
	const char *at = NULL, *sub, *file = NULL;
	unsigned long long timeout = 0;
	char err[512], *buf = NULL;
	size_t len = 0;
	int opt, status = 2;
	client cl;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (client_option(&co, opt, optarg))
			continue;
		switch (opt) {
		case OPT_AT:
			at = optarg;
			break;
		case OPT_TIMEOUT:
			if (client_parse_uint("units", "--timeout-ms", optarg, 86400000,
			                      &timeout) ||
			    !timeout)
				return 2;
			break;
		default:
			return client_usage_exit(opt, usage);
		}
	}
	sub = optind < argc ? argv[optind] : NULL;
	if (sub && !strcmp(sub, "import") && optind + 2 == argc && !at) {
		file = argv[optind + 1];
	} else if (!sub || strcmp(sub, "list") || optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	status = client_setup("units", &co, 0, &cl);
	if (status)
		return status;
	if (!timeout)
		timeout = cl.conf.request_timeout_ms;

	Cchc__V1__UnitsRequest ur = CCHC__V1__UNITS_REQUEST__INIT;
	Cchc__V1__StatsRequest rq = CCHC__V1__STATS_REQUEST__INIT;
	if (file) {
		if (units_read_file(file, &buf, &len, err, sizeof err)) {
			fprintf(stderr, "cchc units: %s\n", err);
			return 2;
		}
		ur.has_import_csv = 1;
		ur.import_csv.data = (uint8_t *)buf;
		ur.import_csv.len = len;
	} else {
		ur.has_list = 1;
		ur.list = 1;
		ur.list_at = (char *)(at ? at : "");
	}
	rq.body_case = CCHC__V1__STATS_REQUEST__BODY_UNITS;
	rq.units = &ur;
	Cchc__V1__StatsReply *rep = check_stats_call("units", &cl, &rq, (unsigned)timeout);
	free(buf);
	if (!rep)
		return 2;
	status = 2;
	if (rep->body_case != CCHC__V1__STATS_REPLY__BODY_UNITS || !rep->units) {
		fprintf(stderr, "cchc units: %s did not answer (is it cchc-stats?)\n",
		        cl.conf.stats_listen);
		goto out;
	}
	const Cchc__V1__UnitsReply *u = rep->units;
	if (!u->ok) {
		fprintf(stderr, "cchc units: %s%s: %s\n", file ? "import of " : "list",
		        file ? file : "", u->error && u->error[0] ? u->error : "(no reason given)");
		status = 1;
		goto out;
	}
	if (file) {
		printf("units: imported %u units from %s; registry %s\n", u->imported, file,
		       u->changed ? "changed" : "unchanged");
	} else {
		printf("%-8s %-5s %-40s %-8s %-10s %-10s %-10s %s\n", "code", "level", "name",
		       "parent", "snapshot", "from", "to", "merged_from");
		for (size_t i = 0; i < u->n_units; i++) {
			const Cchc__V1__UnitRow *x = u->units[i];
			printf("%-8s %-5d %-40s %-8s %-10s %-10s %-10s %s\n", x->code, x->level,
			       x->name, x->parent && x->parent[0] ? x->parent : "-", x->snapshot,
			       x->valid_from && x->valid_from[0] ? x->valid_from : "-",
			       x->valid_to && x->valid_to[0] ? x->valid_to : "-",
			       x->merged_from && x->merged_from[0] ? x->merged_from : "-");
		}
		fprintf(stderr, "units: %zu units%s%s\n", u->n_units, at ? " valid on " : "",
		        at ? at : "");
	}
	status = 0;
out:
	cchc__v1__stats_reply__free_unpacked(rep, NULL);
	return status;
}
