/* report: `cchc report --period P [--scope CODE] --format json -o FILE`. Export renders, the CLI
 * only writes what came back; each file is written beside its target and renamed into place, so
 * a failed run never leaves half a report where a good one was. */
#include "report.h"

#include "client.h"
#include "commands.h"
#include "wire.h"

#include "cchc/v1/export.pb-c.h"

#include <errno.h>
#include <fcntl.h>
#include <nng/nng.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int report_file_path(const char *output, const char *name, size_t nfiles, char *out, size_t len,
                     char *err, size_t errlen)
{
	int n;

	if (nfiles <= 1) {
		n = snprintf(out, len, "%s", output);
	} else {
		if (!name || !name[0] || strchr(name, '/') || strstr(name, "..")) {
			snprintf(err, errlen,
			         "export named a file '%s' that cannot be written safely",
			         name ? name : "");
			return -1;
		}
		/* -o out/x.csv with files "-theo-cap.csv", …: out/x-theo-cap.csv, not
		 * x.csv-theo-cap.csv */
		const char *ext = strrchr(name, '.');
		size_t olen = strlen(output), elen = ext ? strlen(ext) : 0;
		if (elen && olen > elen && !strcmp(output + olen - elen, ext))
			olen -= elen;
		n = snprintf(out, len, "%.*s%s", (int)olen, output, name);
	}
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "output path too long");
		return -1;
	}
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_file(const char *path, const uint8_t *data, size_t len)
{
	char tmp[4200];
	int fd;

	if (!strcmp(path, "-")) {
		if (write_all(STDOUT_FILENO, data, len)) {
			fprintf(stderr, "cchc report: writing to stdout: %s\n", strerror(errno));
			return -1;
		}
		return 0;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fprintf(stderr, "cchc report: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (write_all(fd, data, len) || fsync(fd)) {
		fprintf(stderr, "cchc report: writing %s: %s\n", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) || rename(tmp, path)) {
		fprintf(stderr, "cchc report: writing %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: cchc report --period P [--scope CODE] [--format docx|pdf|xlsx|csv|json] -o "
	        "FILE\n"
	        "                   [--structure period-end|recorded]\n"
	        "                   [--map-to CURRENT|YYYY-MM-DD] [--timeout-ms MS]\n"
	        "                   [--config FILE]\n"
	        "P: 2024-Q1, 2024-H1, 2024-9M, 2024, 2024-03 or 2024-01-01..2024-03-31.\n"
	        "Several files (csv: one per table) go to FILE with each file's suffix\n"
	        "(a FILE ending in that extension loses it first: x.csv -> x-theo-cap.csv).\n"
	        "--structure: the units the figures are shown by: those valid on the period's\n"
	        "last day (period-end, the default; ceased units count under their successors)\n"
	        "or those the dossiers were recorded under (recorded). The totals are the same.\n"
	        "--map-to re-attributes each unit's figures to its successor on that date.\n");
}

enum {
	OPT_PERIOD = CLIENT_OPT_FIRST_FREE,
	OPT_SCOPE,
	OPT_FORMAT,
	OPT_TIMEOUT,
	OPT_MAP_TO,
	OPT_STRUCTURE,
	OPT_AS_OF,
	OPT_WITH_REVISIONS
};

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
	    CLIENT_LONG_OPTIONS,
	    {"period", required_argument, NULL, OPT_PERIOD},
	    {"scope", required_argument, NULL, OPT_SCOPE},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {"output", required_argument, NULL, 'o'},
	    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
	    {"map-to", required_argument, NULL, OPT_MAP_TO},
	    {"structure", required_argument, NULL, OPT_STRUCTURE},
	    {"as-of", required_argument, NULL, OPT_AS_OF},
	    {"with-revisions", no_argument, NULL, OPT_WITH_REVISIONS},
	    {NULL, 0, NULL, 0},
	};
	client_opts co = {0};
	const char *period = NULL, *scope = NULL, *format = "json", *output = NULL, *map_to = NULL;
	const char *structure = NULL, *as_of = NULL;
	unsigned long long timeout = 0;
	Cchc__V1__ReportRequest rr = CCHC__V1__REPORT_REQUEST__INIT;
	Cchc__V1__ExportRequest er = CCHC__V1__EXPORT_REQUEST__INIT;
	Cchc__V1__ExportReply *rep = NULL;
	wire_client *wc = NULL;
	uint8_t *req = NULL, *reply = NULL;
	size_t reqlen, replylen;
	char err[512];
	int opt, status, rv;
	client cl;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		if (client_option(&co, opt, optarg))
			continue;
		switch (opt) {
		case OPT_PERIOD:
			period = optarg;
			break;
		case OPT_SCOPE:
			scope = optarg;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_MAP_TO:
			map_to = optarg;
			break;
		case OPT_AS_OF:
			as_of = optarg;
			break;
		case OPT_WITH_REVISIONS:
			rr.has_with_revisions = rr.with_revisions = 1;
			break;
		case OPT_STRUCTURE:
			if (strcmp(optarg, "period-end") && strcmp(optarg, "recorded")) {
				fprintf(stderr,
				        "cchc report: --structure is period-end or recorded, not "
				        "'%s'\n",
				        optarg);
				return 2;
			}
			structure = optarg;
			break;
		case OPT_TIMEOUT:
			if (client_parse_uint("report", "--timeout-ms", optarg, 86400000,
			                      &timeout) ||
			    !timeout)
				return 2;
			break;
		default:
			return client_usage_exit(opt, usage);
		}
	}
	if (optind != argc || !period || !output || !period[0] || !output[0]) {
		if (optind == argc)
			fprintf(stderr, "cchc report: %s is required\n",
			        !period || !period[0] ? "--period" : "-o FILE");
		usage(stderr);
		return 2;
	}
	status = client_setup("report", &co, 0, &cl);
	if (status)
		return status;
	status = 2;
	if (!scope || !scope[0])
		scope = cl.conf.default_scope;
	rr.period = (char *)period;
	rr.scope = (char *)scope;
	rr.format = (char *)format;
	rr.map_to = (char *)map_to;
	rr.structure = (char *)structure;
	rr.as_of = (char *)as_of;
	er.body_case = CCHC__V1__EXPORT_REQUEST__BODY_REPORT;
	er.report = &rr;
	if (wire_pack(&er.base, &req, &reqlen)) {
		fprintf(stderr, "cchc report: out of memory\n");
		return 2;
	}
	if (!timeout)
		timeout = cl.conf.request_timeout_ms;
	rv = wire_client_open(cl.conf.export_listen, cl.conf.max_message_bytes, (unsigned)timeout,
	                      &wc, err, sizeof err);
	if (!rv)
		rv = wire_call(wc, req, reqlen, &reply, &replylen, err, sizeof err);
	if (rv == NNG_ETIMEDOUT)
		snprintf(err, sizeof err,
		         "no answer from %s within %llu ms (%s); is cchc-export "
		         "running? (--timeout-ms waits longer)",
		         cl.conf.export_listen, timeout, nng_strerror(rv));
	if (rv) {
		fprintf(stderr, "cchc report: %s\n", err);
		goto out;
	}
	rep = cchc__v1__export_reply__unpack(NULL, replylen, reply);
	if (!rep || rep->body_case != CCHC__V1__EXPORT_REPLY__BODY_REPORT) {
		fprintf(stderr,
		        "cchc report: %s did not answer with a report (is it cchc-export?)\n",
		        cl.conf.export_listen);
		goto out;
	}
	if (!rep->report->ok) {
		fprintf(stderr, "cchc report: export refused the report for %s, scope %s: %s\n",
		        period, scope,
		        rep->report->error && rep->report->error[0] ? rep->report->error
		                                                    : "(no reason given)");
		goto out;
	}
	if (!rep->report->n_files) {
		fprintf(stderr, "cchc report: export returned no file for %s, scope %s\n", period,
		        scope);
		goto out;
	}
	if (rep->report->n_files > 1 && !strcmp(output, "-")) {
		fprintf(stderr, "cchc report: the %s report has %zu files; -o - takes only one\n",
		        format, rep->report->n_files);
		goto out;
	}
	/* every name is checked before anything is written: no half-written set of files */
	for (size_t i = 0; i < rep->report->n_files; i++) {
		char path[4096];

		if (report_file_path(output, rep->report->files[i]->name, rep->report->n_files,
		                     path, sizeof path, err, sizeof err)) {
			fprintf(stderr, "cchc report: %s\n", err);
			goto out;
		}
	}
	for (size_t i = 0; i < rep->report->n_files; i++) {
		const Cchc__V1__ReportFile *f = rep->report->files[i];
		char path[4096];

		report_file_path(output, f->name, rep->report->n_files, path, sizeof path, err,
		                 sizeof err);
		if (write_file(path, f->content.data, f->content.len))
			goto out;
		if (strcmp(path, "-"))
			fprintf(stderr, "cchc report: wrote %s (%zu bytes)\n", path,
			        f->content.len);
	}
	status = 0;
out:
	if (rep)
		cchc__v1__export_reply__free_unpacked(rep, NULL);
	free(reply);
	free(req);
	wire_client_close(wc);
	return status;
}
