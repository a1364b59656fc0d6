/* handler: dispatches ExportRequest. Reports are rendered in memory and sent back whole; the CLI
 * writes the files, so export needs no write access anywhere. */
#include "handler.h"

#include "cchc/v1/export.pb-c.h"
#include "figures.h"
#include "log.h"
#include "cycle.h"
#include "diff.h"
#include "period.h"
#include "render.h"
#include "rfc3339.h"
#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Which figures a report shows (docs/design.md §13): as_of "" = the standing closed version when
 * the period is closed and the report is on the default structure, else now; "now"; a version
 * number; an RFC 3339 instant (the events stored up to it). */
typedef struct which {
	int version;   /* > 0: that closed version; 0 with standing: the standing one, if any */
	int standing;  /* look for a standing closed version first */
	int64_t at_ms; /* as of an instant */
} which;

static int parse_as_of(const char *s, int default_structure, which *w, char *err, size_t errlen)
{
	*w = (which){0};
	if (!s || !*s) {
		w->standing = default_structure;
		return 0;
	}
	if (!strcmp(s, "now"))
		return 0;
	if (strspn(s, "0123456789") == strlen(s) && strlen(s) <= 6) {
		w->version = atoi(s);
		if (w->version > 0)
			return 0;
	} else if (rfc3339_parse(s, &w->at_ms) == 0) {
		return 0;
	}
	snprintf(err, errlen,
	         "as-of '%.64s' is neither now, a version number nor a time such as "
	         "2024-03-20T10:00:00+07:00",
	         s);
	return -1;
}

int export_source_get(export_ctx *c, const Cchc__V1__ReportRequest *rq, export_source *s, char *err,
                      size_t errlen)
{
	which w;
	const char *scope = rq->scope && *rq->scope ? rq->scope : c->conf->default_scope;

	memset(s, 0, sizeof *s);
	if (period_parse(rq->period, &s->period, err, errlen))
		return -1;
	/* docs/design.md §8: by default a period reports on the structure of its last day */
	const char *structure = rq->structure && *rq->structure ? rq->structure : "period-end";
	const char *map_to = rq->map_to && *rq->map_to ? rq->map_to : NULL;
	if (strcmp(structure, "period-end") && strcmp(structure, "recorded")) {
		snprintf(err, errlen, "structure '%.64s' is neither period-end nor recorded",
		         structure);
		return -1;
	}
	int default_structure = !map_to && !strcmp(structure, "period-end");
	if (parse_as_of(rq->as_of, default_structure, &w, err, errlen))
		return -1;
	/* docs/design.md §15: the national scope is each province's standing closed version where
	 * it has one (else its figures now), or with --as-of now every province's figures now */
	int national = !strcmp(scope, FIGURES_NATIONAL_SCOPE);
	if (national && rq->with_revisions) {
		snprintf(err, errlen,
		         "--with-revisions compares one province's closed version with its figures "
		         "now: ask that province's stack (scope %s has no closing of its own)",
		         FIGURES_NATIONAL_SCOPE);
		return -1;
	}
	if (national && (w.version || w.at_ms)) {
		snprintf(err, errlen,
		         "as-of '%.64s' names a version or a moment of one province's figures: for "
		         "scope %s give --as-of now, or ask that province's stack",
		         rq->as_of, FIGURES_NATIONAL_SCOPE);
		return -1;
	}
	if (!national && (w.version || w.standing)) {
		const Cchc__V1__Closing *cl;
		int found;
		if (figures_closed(c->stats, s->period.label, scope, w.version, &s->figures, &cl,
		                   &found, err, errlen))
			return -1;
		if (found) {
			s->closing = cl;
			cycle_closed_input(c, &s->period, cl, &s->figures, &s->as_of, &s->in);
			return 0;
		}
	}
	if (default_structure)
		map_to = cycle_default_structure(&s->period);
	if (national ? figures_fetch_national(c->stats, &s->period, map_to, w.standing, &s->figures,
	                                      err, errlen)
	             : figures_fetch(c->stats, &s->period, scope, map_to, w.at_ms, &s->figures, err,
	                             errlen))
		return -1;
	s->as_of = (render_as_of){.at_ms = w.at_ms};
	s->in = (render_input){.period = &s->period,
	                       .scope = scope,
	                       .figures = &s->figures,
	                       .conf = c->conf,
	                       .index766 = c->index766,
	                       .now_ms = service_clock_ms(),
	                       .structure_day = map_to,
	                       .as_of = &s->as_of};
	return 0;
}

void export_source_free(export_source *s)
{
	figures_free(&s->figures);
	memset(s, 0, sizeof *s);
}

int export_report(export_ctx *c, const Cchc__V1__ReportRequest *rq, render_output *out, char *err,
                  size_t errlen)
{
	export_source s;
	const char *format = rq->format && *rq->format ? rq->format : "json";
	render_fn render = render_for(format);
	if (!render) {
		snprintf(err, errlen, "format '%s' is not one of docx, pdf, xlsx, csv, json",
		         format);
		return -1;
	}
	if (export_source_get(c, rq, &s, err, errlen))
		return -1;
	int rc = 0;
	if (s.closing) {
		rc = render(&s.in, out, err, errlen);
		if (!rc)
			log_info("report %s scope %s format %s: closed version %d", s.period.label,
			         s.in.scope, format, s.closing->version);
		export_source_free(&s);
		return rc;
	}
	diff_result revisions = {0};
	if (rq->with_revisions &&
	    cycle_revisions(c, &s.period, s.in.scope, &s.figures, &revisions,
	                    &s.in.revisions_version, &s.in.revisions_closed_ms, err, errlen) != 0)
		rc = -1;
	if (rq->with_revisions)
		s.in.revisions = &revisions;
	if (!rc)
		rc = render(&s.in, out, err, errlen);
	diff_free(&revisions);
	if (!rc) {
		atomic_fetch_add(&c->reports, 1);
		log_info("report %s scope %s format %s: %zu files", s.period.label, s.in.scope,
		         format, out->n);
	}
	export_source_free(&s);
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
	Cchc__V1__PeriodReply per = CCHC__V1__PERIOD_REPLY__INIT;
	render_output ro = {0};
	char err[1024] = "";
	if (in->body_case == CCHC__V1__EXPORT_REQUEST__BODY_PERIOD) {
		if (cycle_run(c, in->period, &per) != 0)
			log_warn("period %s refused: %s",
			         in->period->action ? in->period->action : "?",
			         per.error ? per.error : "");
		out.body_case = CCHC__V1__EXPORT_REPLY__BODY_PERIOD;
		out.period = &per;
	} else if (in->body_case == CCHC__V1__EXPORT_REQUEST__BODY_REPORT) {
		rep.has_ok = 1;
		rep.ok = export_report(c, in->report, &ro, err, sizeof err) == 0;
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
		if (atomic_load(&c->console_on))
			st.console = (char *)c->conf->console_listen;
		out.body_case = CCHC__V1__EXPORT_REPLY__BODY_STATUS;
		out.status = &st;
	}
	int rc = wire_pack(&out.base, reply, replylen);
	render_output_free(&ro);
	cycle_reply_clear(&per);
	cchc__v1__export_request__free_unpacked(in, NULL);
	return rc;
}
