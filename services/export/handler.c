/* handler: dispatches ExportRequest. Reports are rendered in memory and sent back whole; the CLI
 * writes the files, so export needs no write access anywhere. */
#include "handler.h"

#include "cchc/v1/export.pb-c.h"
#include "figures.h"
#include "log.h"
#include "period.h"
#include "render_json.h"
#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void report(export_ctx *c, const Cchc__V1__ReportRequest *rq, Cchc__V1__ReportReply *rep,
		   Cchc__V1__ReportFile *file, char *err, size_t errlen)
{
	period p;
	figures f;
	const char *scope = rq->scope && *rq->scope ? rq->scope : c->conf->default_scope;
	const char *format = rq->format && *rq->format ? rq->format : "json";
	rep->has_ok = 1;
	rep->ok = 0;
	rep->error = err;
	if (period_parse(rq->period, &p, err, errlen))
		return;
	if (strcmp(format, "json")) {
		snprintf(err, errlen, "format '%s' is not available; this version renders json",
			 format);
		return;
	}
	if (figures_fetch(c->stats, &p, scope, &f, err, errlen))
		return;
	char *json = NULL;
	size_t len = 0;
	if (render_json(&p, scope, &f, &json, &len)) {
		snprintf(err, errlen, "out of memory rendering json");
		figures_free(&f);
		return;
	}
	figures_free(&f);
	file->name = ".json";
	file->has_content = 1;
	file->content.data = (uint8_t *)json;
	file->content.len = len;
	rep->ok = 1;
	rep->error = NULL;
	atomic_fetch_add(&c->reports, 1);
	log_info("report %s scope %s format %s: %zu bytes", p.label, scope, format, len);
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
	Cchc__V1__ReportFile file = CCHC__V1__REPORT_FILE__INIT;
	Cchc__V1__ReportFile *files[1] = {&file};
	Cchc__V1__StatusReply st = CCHC__V1__STATUS_REPLY__INIT;
	char err[1024] = "";
	if (in->body_case == CCHC__V1__EXPORT_REQUEST__BODY_REPORT) {
		report(c, in->report, &rep, &file, err, sizeof err);
		if (rep.ok) {
			rep.files = files;
			rep.n_files = 1;
		} else {
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
		st.busy_workers = c->server ? wire_server_busy(c->server) : 0;
		out.body_case = CCHC__V1__EXPORT_REPLY__BODY_STATUS;
		out.status = &st;
	}
	int rc = wire_pack(&out.base, reply, replylen);
	free(file.content.data);
	cchc__v1__export_request__free_unpacked(in, NULL);
	return rc;
}
