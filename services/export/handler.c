/* handler: dispatches ExportRequest. Reports are rendered in memory and sent back whole; the CLI
 * writes the files, so export needs no write access anywhere. */
#include "handler.h"

#include "cchc/v1/export.pb-c.h"
#include "figures.h"
#include "log.h"
#include "period.h"
#include "render.h"
#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*renderer)(const render_input *, render_output *, char *, size_t);

static const struct {
	const char *format;
	renderer render;
} renderers[] = {
    {"json", render_json}, {"csv", render_csv}, {"xlsx", render_xlsx},
    {"docx", render_docx}, {"pdf", render_pdf},
};

/* Renders the report into out; returns 0 or -1 with a message in err. */
static int report(export_ctx *c, const Cchc__V1__ReportRequest *rq, render_output *out, char *err,
                  size_t errlen)
{
	period p;
	figures f;
	const char *scope = rq->scope && *rq->scope ? rq->scope : c->conf->default_scope;
	const char *format = rq->format && *rq->format ? rq->format : "json";
	renderer render = NULL;
	for (size_t i = 0; i < sizeof renderers / sizeof renderers[0]; i++)
		if (!strcmp(format, renderers[i].format))
			render = renderers[i].render;
	if (!render) {
		snprintf(err, errlen, "format '%s' is not one of docx, pdf, xlsx, csv, json",
		         format);
		return -1;
	}
	if (period_parse(rq->period, &p, err, errlen))
		return -1;
	/* docs/design.md §8: by default a period reports on the structure of its last day */
	const char *structure = rq->structure && *rq->structure ? rq->structure : "period-end";
	const char *map_to = rq->map_to && *rq->map_to ? rq->map_to : NULL;
	if (strcmp(structure, "period-end") && strcmp(structure, "recorded")) {
		snprintf(err, errlen, "structure '%.64s' is neither period-end nor recorded",
		         structure);
		return -1;
	}
	if (!map_to && !strcmp(structure, "period-end"))
		map_to = p.last_day;
	if (figures_fetch(c->stats, &p, scope, map_to, &f, err, errlen))
		return -1;
	render_input in = {.period = &p,
	                   .scope = scope,
	                   .figures = &f,
	                   .conf = c->conf,
	                   .now_ms = service_clock_ms(),
	                   .structure_day = map_to};
	int rc = render(&in, out, err, errlen);
	figures_free(&f);
	if (!rc) {
		atomic_fetch_add(&c->reports, 1);
		log_info("report %s scope %s format %s: %zu files", p.label, scope, format, out->n);
	}
	return rc;
}

int export_handle(void *arg, const uint8_t *req, size_t reqlen, uint8_t **reply, size_t *replylen)
{
	export_ctx *c = arg;
	atomic_fetch_add(&c->requests, 1);
	Cchc__V1__ExportRequest *in = cchc__v1__export_request__unpack(NULL, reqlen, req);
	if (!in)
		return -1;
	Cchc__V1__ExportReply out = CCHC__V1__EXPORT_REPLY__INIT;
	Cchc__V1__ReportReply rep = CCHC__V1__REPORT_REPLY__INIT;
	Cchc__V1__ReportFile files[RENDER_MAX_FILES], *file_ptrs[RENDER_MAX_FILES];
	Cchc__V1__StatusReply st = CCHC__V1__STATUS_REPLY__INIT;
	render_output ro = {0};
	char err[1024] = "";
	if (in->body_case == CCHC__V1__EXPORT_REQUEST__BODY_REPORT) {
		rep.has_ok = 1;
		rep.ok = report(c, in->report, &ro, err, sizeof err) == 0;
		if (rep.ok) {
			for (size_t i = 0; i < ro.n; i++) {
				cchc__v1__report_file__init(&files[i]);
				files[i].name = ro.files[i].name;
				files[i].has_content = 1;
				files[i].content.data = ro.files[i].data;
				files[i].content.len = ro.files[i].len;
				file_ptrs[i] = &files[i];
			}
			rep.files = file_ptrs;
			rep.n_files = ro.n;
		} else {
			rep.error = err;
			log_warn("report refused: %s", err);
		}
		out.body_case = CCHC__V1__EXPORT_REPLY__BODY_REPORT;
		out.report = &rep;
	} else {
		st.service = "cchc-export";
		st.version = CCHC_VERSION;
		st.has_uptime_seconds = st.has_requests = st.has_records = st.has_busy_workers = 1;
		st.uptime_seconds = service_uptime_seconds();
		st.requests = atomic_load(&c->requests);
		st.records = atomic_load(&c->reports);
		st.busy_workers = c->server ? wire_server_busy_others(c->server) : 0;
		out.body_case = CCHC__V1__EXPORT_REPLY__BODY_STATUS;
		out.status = &st;
	}
	int rc = wire_pack(&out.base, reply, replylen);
	render_output_free(&ro);
	cchc__v1__export_request__free_unpacked(in, NULL);
	return rc;
}
