/* period_cycle: `cchc period close|reopen|list` (docs/design.md §13): the reform office's closing
 * cycle, through cchc-export (which renders the files a closing fixes by their SHA-256). Messages
 * a clerk acts on are Vietnamese; the exit status says whether it was done. */
#include "period_cycle.h"

#include "cchc/v1/export.pb-c.h"
#include "client.h"
#include "service.h"
#include "wire.h"

#include <getopt.h>
#include <nng/nng.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Sends a PeriodRequest to export; returns its reply (free with
 * cchc__v1__export_reply__free_unpacked) or NULL after printing why. */
static Cchc__V1__ExportReply *ask_export(const char *cmd, const client *cl,
                                         const Cchc__V1__PeriodRequest *pr, unsigned timeout_ms)
{
	Cchc__V1__ExportRequest er = CCHC__V1__EXPORT_REQUEST__INIT;
	Cchc__V1__ExportReply *out = NULL;
	wire_client *wc = NULL;
	uint8_t *req = NULL, *reply = NULL;
	size_t reqlen, replylen = 0;
	char err[512];
	int rv;

	er.body_case = CCHC__V1__EXPORT_REQUEST__BODY_PERIOD;
	er.period = (Cchc__V1__PeriodRequest *)pr;
	if (wire_pack(&er.base, &req, &reqlen)) {
		fprintf(stderr, "cchc period %s: out of memory\n", cmd);
		return NULL;
	}
	rv = wire_client_open(cl->conf.export_listen, cl->conf.max_message_bytes, timeout_ms, &wc,
	                      err, sizeof err);
	if (!rv)
		rv = wire_call(wc, req, reqlen, &reply, &replylen, err, sizeof err);
	if (rv == NNG_ETIMEDOUT)
		snprintf(err, sizeof err,
		         "no answer from %s within %u ms (%s); is cchc-export running? "
		         "(--timeout-ms waits longer)",
		         cl->conf.export_listen, timeout_ms, nng_strerror(rv));
	if (rv) {
		fprintf(stderr, "cchc period %s: %s\n", cmd, err);
	} else {
		out = cchc__v1__export_reply__unpack(NULL, replylen, reply);
		if (!out || out->body_case != CCHC__V1__EXPORT_REPLY__BODY_PERIOD) {
			fprintf(stderr, "cchc period %s: %s did not answer (is it cchc-export?)\n",
			        cmd, cl->conf.export_listen);
			if (out)
				cchc__v1__export_reply__free_unpacked(out, NULL);
			out = NULL;
		}
	}
	free(req);
	free(reply);
	wire_client_close(wc);
	return out;
}

/* "15/03/2024 10:05" in the process's time zone. */
static void local_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%d/%m/%Y %H:%M", &tm))
		snprintf(buf, len, "?");
}

/* Who closes: --by, else the OS user (the console passes its own user as --by). */
static const char *who(const char *by)
{
	if (by && *by)
		return by;
	const struct passwd *pw = getpwuid(geteuid());
	if (pw && pw->pw_name && *pw->pw_name)
		return pw->pw_name;
	const char *u = getenv("USER");
	return u && *u ? u : "unknown";
}

static void sha_hex(const ProtobufCBinaryData *b, char out[65])
{
	out[0] = '\0';
	for (size_t i = 0; i < b->len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", b->data[i]);
}

static void print_version(FILE *f, const Cchc__V1__Closing *x, int details)
{
	char when[40], again[40];
	local_time(x->closed_ms, when, sizeof when);
	fprintf(f, "%s\t%s\tphiên bản %d\tchốt %s bởi %s%s", x->period, x->scope, x->version, when,
	        x->closed_by && *x->closed_by ? x->closed_by : "?",
	        x->forced ? " (chốt khi còn đơn vị chưa gửi)" : "");
	if (x->has_reopened_ms && x->reopened_ms) {
		local_time(x->reopened_ms, again, sizeof again);
		fprintf(f, "\tmở lại %s bởi %s: %s", again, x->reopened_by ? x->reopened_by : "?",
		        x->reopen_reason ? x->reopen_reason : "");
	} else {
		fprintf(f, "\tđang có hiệu lực");
	}
	fputc('\n', f);
	if (details) {
		char h[65];
		if (x->note && *x->note)
			fprintf(f, "  ghi chú: %s\n", x->note);
		fprintf(f, "  watermark (sự kiện cuối cùng được tính): %lld\n",
		        (long long)x->watermark);
		sha_hex(&x->sha256_docx, h);
		fprintf(f, "  SHA-256 docx %s\n", h);
		sha_hex(&x->sha256_pdf, h);
		fprintf(f, "  SHA-256 pdf  %s\n", h);
		sha_hex(&x->sha256_xlsx, h);
		fprintf(f, "  SHA-256 xlsx %s\n", h);
	}
}

enum {
	OPT_SCOPE = CLIENT_OPT_FIRST_FREE,
	OPT_NOTE,
	OPT_BY,
	OPT_FORCE,
	OPT_REASON,
	OPT_TIMEOUT,
	OPT_FROM,
	OPT_TO,
	OPT_FORMAT
};

typedef struct args {
	const char *period, *scope, *note, *by, *reason, *from, *to, *format;
	int force;
	unsigned long long timeout;
	client_opts co;
} args;

/* Parses the options every action shares; 0, or the exit status to return. */
static int parse(const char *cmd, int argc, char **argv, void (*usage)(FILE *), int need_period,
                 args *a)
{
	static const struct option longopts[] = {
	    CLIENT_LONG_OPTIONS,
	    {"scope", required_argument, NULL, OPT_SCOPE},
	    {"note", required_argument, NULL, OPT_NOTE},
	    {"by", required_argument, NULL, OPT_BY},
	    {"force", no_argument, NULL, OPT_FORCE},
	    {"reason", required_argument, NULL, OPT_REASON},
	    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
	    {"from", required_argument, NULL, OPT_FROM},
	    {"to", required_argument, NULL, OPT_TO},
	    {"format", required_argument, NULL, OPT_FORMAT},
	    {NULL, 0, NULL, 0},
	};
	int opt;
	memset(a, 0, sizeof *a);
	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (client_option(&a->co, opt, optarg))
			continue;
		switch (opt) {
		case OPT_SCOPE:
			a->scope = optarg;
			break;
		case OPT_NOTE:
			a->note = optarg;
			break;
		case OPT_BY:
			a->by = optarg;
			break;
		case OPT_FORCE:
			a->force = 1;
			break;
		case OPT_REASON:
			a->reason = optarg;
			break;
		case OPT_FROM:
			a->from = optarg;
			break;
		case OPT_TO:
			a->to = optarg;
			break;
		case OPT_FORMAT:
			a->format = optarg;
			break;
		case OPT_TIMEOUT:
			if (client_parse_uint(cmd, "--timeout-ms", optarg, 86400000, &a->timeout) ||
			    !a->timeout)
				return 2;
			break;
		default:
			return client_usage_exit(opt, usage);
		}
	}
	if (optind < argc)
		a->period = argv[optind++];
	if (optind != argc || (need_period && (!a->period || !*a->period))) {
		fprintf(stderr, "cchc %s: %s\n", cmd,
		        optind != argc ? "one period only" : "which period? (e.g. 2024-Q1)");
		usage(stderr);
		return 2;
	}
	return 0;
}

static void close_usage(FILE *f)
{
	fprintf(f, "usage: cchc period close P [--scope CODE] [--note TEXT] [--by NAME] [--force]\n"
	           "                         [--timeout-ms MS] [--config FILE]\n"
	           "Closes period P: its figures as they stand now become version N+1, with the\n"
	           "SHA-256 of the docx, pdf and xlsx made from them. Offices that sent nothing\n"
	           "dated in P refuse the close unless --force. --by defaults to the OS user.\n");
}

static void reopen_usage(FILE *f)
{
	fprintf(f, "usage: cchc period reopen P [--scope CODE] --reason TEXT [--by NAME]\n"
	           "                          [--timeout-ms MS] [--config FILE]\n"
	           "Reopens the standing closed version of P; closing again makes the next one.\n");
}

static void list_usage(FILE *f)
{
	fprintf(f,
	        "usage: cchc period list [P] [--scope CODE] [--timeout-ms MS] [--config FILE]\n"
	        "Every closed version (of P), with who closed it, when, and whether it stands.\n");
}

static void diff_usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: cchc period diff P [--scope CODE] [--from N] [--to now|N]\n"
	    "                        [--format text|json|csv] [--timeout-ms MS] [--config FILE]\n"
	    "Every figure of P that differs between closed version N (default: the standing\n"
	    "one, else the newest) and now (or version N), and the events dated in P that\n"
	    "arrived in between, by office and by the day they were stored.\n");
}

/* Runs one action; prints what a clerk needs. */
static int run(const char *action, int argc, char **argv, void (*usage)(FILE *), int need_period)
{
	char cmd[32];
	args a;
	client cl;
	snprintf(cmd, sizeof cmd, "period %s", action);
	int status = parse(cmd, argc, argv, usage, need_period, &a);
	if (status)
		return status;
	if (!strcmp(action, "reopen") && (!a.reason || !*a.reason)) {
		fprintf(stderr, "cchc period reopen: cần nêu lý do mở lại (--reason TEXT)\n");
		return 2;
	}
	status = client_setup(cmd, &a.co, 0, &cl);
	if (status)
		return status;
	service_set_timezone(cl.conf.timezone); /* the times a clerk reads are the province's */
	Cchc__V1__PeriodRequest pr = CCHC__V1__PERIOD_REQUEST__INIT;
	pr.action = (char *)action;
	pr.period = (char *)(a.period ? a.period : "");
	pr.scope = (char *)(a.scope ? a.scope : "");
	pr.by = (char *)who(a.by);
	pr.note = (char *)(a.note ? a.note : "");
	pr.has_force = 1;
	pr.force = a.force;
	pr.reason = (char *)(a.reason ? a.reason : "");
	pr.from = (char *)(a.from ? a.from : "");
	pr.to = (char *)(a.to ? a.to : "");
	pr.format = (char *)(a.format ? a.format : "text");
	/* a close renders three documents: allow for it beyond a single query */
	unsigned timeout = a.timeout ? (unsigned)a.timeout : cl.conf.request_timeout_ms * 2;
	Cchc__V1__ExportReply *rep = ask_export(action, &cl, &pr, timeout);
	client_cleanup(&cl);
	if (!rep)
		return 2;
	const Cchc__V1__PeriodReply *r = rep->period;
	status = 0;
	if (!r->ok) {
		fprintf(stderr, "cchc %s: %s\n", cmd, r->error ? r->error : "refused");
		if (r->n_silent) {
			fprintf(stderr, "Các đơn vị chưa gửi số liệu trong kỳ (%zu):", r->n_silent);
			for (size_t i = 0; i < r->n_silent; i++)
				fprintf(stderr, " %s", r->silent[i]);
			fprintf(stderr, "\nĐôn đốc các đơn vị này, hoặc chốt với --force.\n");
		}
		status = 1;
	} else if (!strcmp(action, "diff")) {
		for (size_t i = 0; i < r->n_files; i++)
			if (fwrite(r->files[i]->content.data, 1, r->files[i]->content.len,
			           stdout) != r->files[i]->content.len)
				status = 2;
	} else if (!strcmp(action, "close") && r->n_closings == 1) {
		char when[40];
		local_time(r->closings[0]->closed_ms, when, sizeof when);
		printf("Đã chốt số liệu %s, đơn vị %s: phiên bản %d, lúc %s.\n",
		       r->closings[0]->period, r->closings[0]->scope, r->closings[0]->version,
		       when);
	} else if (!strcmp(action, "reopen") && r->n_closings == 1) {
		printf("Đã mở lại %s, đơn vị %s (phiên bản %d không còn hiệu lực; chốt lại sẽ tạo "
		       "phiên bản %d).\n",
		       r->closings[0]->period, r->closings[0]->scope, r->closings[0]->version,
		       r->closings[0]->version + 1);
	} else {
		if (r->n_closings == 0)
			printf("Chưa có kỳ nào được chốt%s%s.\n", a.period ? " cho " : "",
			       a.period ? a.period : "");
		for (size_t i = 0; i < r->n_closings; i++)
			print_version(stdout, r->closings[i], 1);
	}
	cchc__v1__export_reply__free_unpacked(rep, NULL);
	return status;
}

int period_close_cmd(int argc, char **argv)
{
	return run("close", argc, argv, close_usage, 1);
}

int period_reopen_cmd(int argc, char **argv)
{
	return run("reopen", argc, argv, reopen_usage, 1);
}

int period_diff_cmd(int argc, char **argv)
{
	return run("diff", argc, argv, diff_usage, 1);
}

int period_list_cmd(int argc, char **argv)
{
	return run("list", argc, argv, list_usage, 0);
}
