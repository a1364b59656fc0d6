/* cycle: the closing cycle as export runs it (docs/design.md §13). Closing is two requests to
 * stats around the rendering: prepare (nothing written) and commit (one transaction), so a crash
 * anywhere leaves a whole version or none. The files of a closed version take its time and its
 * figures only, so they render to the same bytes whenever they are made again. */
#include "cycle.h"

#include "diff.h"
#include "figures.h"
#include "log.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cycle_default_structure(const period *p)
{
	return p->last_day;
}

static int fail(Cchc__V1__PeriodReply *out, const char *msg)
{
	free(out->error);
	out->error = strdup(msg);
	out->has_ok = 1;
	out->ok = 0;
	return -1;
}

void cycle_closed_input(export_ctx *c, const period *p, const Cchc__V1__Closing *cl,
                        const figures *f, render_as_of *a, render_input *in)
{
	*a = (render_as_of){.closed = 1,
	                    .version = cl->version,
	                    .closed_ms = cl->closed_ms,
	                    .by = cl->closed_by ? cl->closed_by : ""};
	*in =
	    (render_input){.period = p,
	                   .scope = cl->scope,
	                   .figures = f,
	                   .conf = c->conf,
	                   .index766 = c->index766,
	                   .now_ms = cl->closed_ms,
	                   .structure_day = cl->structure && *cl->structure ? cl->structure : NULL,
	                   .as_of = a};
}

int cycle_render_closed(export_ctx *c, const period *p, const Cchc__V1__Closing *cl,
                        const char *format, render_output *out, char *err, size_t errlen)
{
	render_fn render = render_for(format);
	if (!render) {
		snprintf(err, errlen, "format '%s' is not one of docx, pdf, xlsx, csv, json",
		         format);
		return -1;
	}
	figures f = {.query = cl->figures};
	render_as_of a;
	render_input in;
	cycle_closed_input(c, p, cl, &f, &a, &in);
	return render(&in, out, err, errlen);
}

/* The SHA-256 of the one file `format` renders for the prepared closing. */
static int render_sha(export_ctx *c, const period *p, const Cchc__V1__Closing *cl,
                      const char *format, uint8_t sha[32], char *err, size_t errlen)
{
	render_output ro = {0};
	if (cycle_render_closed(c, p, cl, format, &ro, err, errlen) != 0)
		return -1;
	if (ro.n != 1) {
		render_output_free(&ro);
		snprintf(err, errlen, "%s: %zu files where one was expected", format, ro.n);
		return -1;
	}
	crypto_hash_sha256(sha, ro.files[0].data, ro.files[0].len);
	render_output_free(&ro);
	return 0;
}

/* One ClosingRequest to stats; on success *reply is stats' answer (ok or refused). */
static int ask(export_ctx *c, Cchc__V1__ClosingRequest *cr, Cchc__V1__StatsReply **reply, char *err,
               size_t errlen)
{
	Cchc__V1__StatsRequest req = CCHC__V1__STATS_REQUEST__INIT;
	req.body_case = CCHC__V1__STATS_REQUEST__BODY_CLOSING;
	req.closing = cr;
	return figures_call(c->stats, &req, CCHC__V1__STATS_REPLY__BODY_CLOSING, reply, err,
	                    errlen);
}

/* Copies the closings (without figures) and silent offices of stats' reply into out. */
static int take(const Cchc__V1__ClosingReply *from, Cchc__V1__PeriodReply *out)
{
	out->closings = calloc(from->n_closings + 1, sizeof *out->closings);
	out->silent = calloc(from->n_silent + 1, sizeof *out->silent);
	if (!out->closings || !out->silent)
		return -1;
	for (size_t i = 0; i < from->n_closings; i++) {
		Cchc__V1__Closing *x = from->closings[i];
		/* packed and unpacked again: out owns its copy, stats' reply is freed after */
		Cchc__V1__QueryReply *keep = x->figures;
		x->figures = NULL;
		size_t n = cchc__v1__closing__get_packed_size(x);
		uint8_t *b = malloc(n + 1);
		if (b) {
			cchc__v1__closing__pack(x, b);
			out->closings[out->n_closings] = cchc__v1__closing__unpack(NULL, n, b);
			free(b);
		}
		x->figures = keep;
		if (!out->closings[out->n_closings])
			return -1;
		out->n_closings++;
	}
	for (size_t i = 0; i < from->n_silent; i++) {
		if (!(out->silent[i] = strdup(from->silent[i])))
			return -1;
		out->n_silent++;
	}
	return 0;
}

static int do_close(export_ctx *c, const Cchc__V1__PeriodRequest *rq, const period *p,
                    const char *scope, Cchc__V1__PeriodReply *out, char *err, size_t errlen)
{
	Cchc__V1__Closing want = CCHC__V1__CLOSING__INIT;
	Cchc__V1__ClosingRequest cr = CCHC__V1__CLOSING_REQUEST__INIT;
	Cchc__V1__StatsReply *prep = NULL, *done = NULL;
	int rc = -1;

	want.period = (char *)p->label;
	want.scope = (char *)scope;
	want.has_from_ms = want.has_to_ms = 1;
	want.from_ms = p->from_ms;
	want.to_ms = p->to_ms;
	want.structure = (char *)cycle_default_structure(p);
	cr.action = "prepare";
	cr.closing = &want;
	cr.has_force = 1;
	cr.force = rq->force;
	if (ask(c, &cr, &prep, err, errlen) != 0)
		return -1;
	const Cchc__V1__ClosingReply *pr = prep->closing;
	if (!pr->ok || pr->n_closings != 1 || !pr->closings[0]->figures) {
		if (take(pr, out) != 0)
			snprintf(err, errlen, "out of memory");
		else
			snprintf(err, errlen, "%s",
			         pr->error ? pr->error : "stats did not prepare");
		goto out;
	}
	Cchc__V1__Closing *cl = pr->closings[0];
	cl->closed_by = (char *)(rq->by && *rq->by ? rq->by : "");
	cl->note = (char *)(rq->note ? rq->note : "");
	uint8_t sha[3][32];
	static const char *const formats[3] = {"docx", "pdf", "xlsx"};
	for (int i = 0; i < 3; i++)
		if (render_sha(c, p, cl, formats[i], sha[i], err, errlen) != 0)
			goto out_by;
	cl->has_sha256_docx = cl->has_sha256_pdf = cl->has_sha256_xlsx = 1;
	cl->sha256_docx = (ProtobufCBinaryData){32, sha[0]};
	cl->sha256_pdf = (ProtobufCBinaryData){32, sha[1]};
	cl->sha256_xlsx = (ProtobufCBinaryData){32, sha[2]};
	Cchc__V1__ClosingRequest commit = CCHC__V1__CLOSING_REQUEST__INIT;
	commit.action = "commit";
	commit.closing = cl;
	rc = ask(c, &commit, &done, err, errlen);
	/* the reply of prepare frees its own strings: these were borrowed */
	cl->sha256_docx = cl->sha256_pdf = cl->sha256_xlsx = (ProtobufCBinaryData){0, NULL};
	cl->has_sha256_docx = cl->has_sha256_pdf = cl->has_sha256_xlsx = 0;
	if (rc == 0) {
		rc = -1;
		if (!done->closing->ok)
			snprintf(err, errlen, "%s",
			         done->closing->error ? done->closing->error
			                              : "stats did not commit");
		else if (take(done->closing, out) != 0)
			snprintf(err, errlen, "closed, but out of memory to say so");
		else
			rc = 0;
	}
	if (rc == 0)
		log_info("period %s scope %s closed as version %d (watermark %lld)", p->label,
		         scope, out->closings[0]->version, (long long)cl->watermark);
out_by:
	cl->closed_by = NULL;
	cl->note = NULL;
out:
	if (prep)
		cchc__v1__stats_reply__free_unpacked(prep, NULL);
	if (done)
		cchc__v1__stats_reply__free_unpacked(done, NULL);
	return rc;
}

static int pass_through(export_ctx *c, const char *action, const char *label, const char *scope,
                        const Cchc__V1__PeriodRequest *rq, Cchc__V1__PeriodReply *out, char *err,
                        size_t errlen)
{
	Cchc__V1__Closing want = CCHC__V1__CLOSING__INIT;
	Cchc__V1__ClosingRequest cr = CCHC__V1__CLOSING_REQUEST__INIT;
	Cchc__V1__StatsReply *r = NULL;
	want.period = (char *)label;
	want.scope = (char *)scope;
	want.reopened_by = (char *)(rq->by ? rq->by : "");
	want.reopen_reason = (char *)(rq->reason ? rq->reason : "");
	cr.action = (char *)action;
	cr.closing = &want;
	if (ask(c, &cr, &r, err, errlen) != 0)
		return -1;
	int rc = -1;
	if (!r->closing->ok)
		snprintf(err, errlen, "%s", r->closing->error ? r->closing->error : "refused");
	else if (take(r->closing, out) != 0)
		snprintf(err, errlen, "out of memory");
	else
		rc = 0;
	cchc__v1__stats_reply__free_unpacked(r, NULL);
	return rc;
}

/* The version a diff starts from: `asked` when > 0, else the standing one, else the newest. */
static int diff_from_version(export_ctx *c, int asked, const char *label, const char *scope,
                             int *version, char *err, size_t errlen)
{
	if (asked > 0) {
		*version = asked;
		return 0;
	}
	Cchc__V1__PeriodRequest rq = CCHC__V1__PERIOD_REQUEST__INIT;
	Cchc__V1__PeriodReply list = CCHC__V1__PERIOD_REPLY__INIT;
	int rc = pass_through(c, "list", label, scope, &rq, &list, err, errlen);
	*version = 0;
	for (size_t i = 0; rc == 0 && i < list.n_closings; i++) {
		const Cchc__V1__Closing *x = list.closings[i];
		if (!x->has_reopened_ms || !x->reopened_ms) {
			*version = x->version; /* the standing one wins */
			break;
		}
		if (x->version > *version)
			*version = x->version;
	}
	cycle_reply_clear(&list);
	if (rc == 0 && !*version) {
		snprintf(err, errlen, "%s of %s was never closed: nothing to compare with", label,
		         scope);
		return -1;
	}
	return rc;
}

int cycle_diff(export_ctx *c, const period *p, const char *scope, int from_version, int to_version,
               cycle_diff_result *out, char *err, size_t errlen)
{
	figures then = {0}, now = {0};
	const Cchc__V1__Closing *from = NULL, *to = NULL;
	int found, version, rc = -1;

	memset(out, 0, sizeof *out);
	if (diff_from_version(c, from_version, p->label, scope, &version, err, errlen) != 0 ||
	    figures_closed(c->stats, p->label, scope, version, &then, &from, &found, err, errlen))
		return -1;
	if (!found) {
		snprintf(err, errlen, "%s of %s has no version %d", p->label, scope, version);
		goto out;
	}
	if (to_version > 0) {
		if (figures_closed(c->stats, p->label, scope, to_version, &now, &to, &found, err,
		                   errlen))
			goto out;
		if (!found) {
			snprintf(err, errlen, "%s of %s has no version %d", p->label, scope,
			         to_version);
			goto out;
		}
	} else if (figures_fetch(c->stats, p, scope, from->structure, 0, &now, err, errlen)) {
		goto out;
	}
	/* the late events: stored after the first version, up to the second one (or now) */
	Cchc__V1__Closing w = CCHC__V1__CLOSING__INIT;
	Cchc__V1__ClosingRequest cr = CCHC__V1__CLOSING_REQUEST__INIT;
	w.scope = (char *)scope;
	w.has_from_ms = w.has_to_ms = w.has_watermark = 1;
	w.from_ms = p->from_ms;
	w.to_ms = p->to_ms;
	w.watermark = from->watermark;
	cr.action = "arrivals";
	cr.closing = &w;
	cr.has_to_watermark = 1;
	cr.to_watermark = to ? to->watermark : 0;
	if (ask(c, &cr, &out->reply, err, errlen) != 0)
		goto out;
	if (!out->reply->closing->ok) {
		snprintf(err, errlen, "%s",
		         out->reply->closing->error ? out->reply->closing->error : "refused");
		goto out;
	}
	out->arrivals = out->reply->closing->arrivals;
	out->n_arrivals = out->reply->closing->n_arrivals;
	out->from = (diff_side){from->version, from->closed_ms};
	if (to)
		out->to = (diff_side){to->version, to->closed_ms};
	rc = diff_build(&then, &now, scope, &out->d, err, errlen);
out:
	figures_free(&then);
	figures_free(&now);
	if (rc)
		cycle_diff_free(out);
	return rc;
}

void cycle_diff_free(cycle_diff_result *r)
{
	diff_free(&r->d);
	if (r->reply)
		cchc__v1__stats_reply__free_unpacked(r->reply, NULL);
	memset(r, 0, sizeof *r);
}

/* A version number given as text ("" = none, 0); -1 when it is not one. */
static int version_arg(const char *s)
{
	if (!s || !*s)
		return 0;
	if (strspn(s, "0123456789") != strlen(s) || strlen(s) > 6 || atoi(s) <= 0)
		return -1;
	return atoi(s);
}

static int do_diff(export_ctx *c, const Cchc__V1__PeriodRequest *rq, const period *p,
                   const char *scope, Cchc__V1__PeriodReply *out, char *err, size_t errlen)
{
	const char *format = rq->format && *rq->format ? rq->format : "text";
	const char *to_s = rq->to && *rq->to ? rq->to : "now";
	int from = version_arg(rq->from), to = strcmp(to_s, "now") ? version_arg(to_s) : 0;
	cycle_diff_result r;
	char *text = NULL;
	size_t len = 0;

	if (from < 0) {
		snprintf(err, errlen, "--from '%.32s' is not a version number", rq->from);
		return -1;
	}
	if (to < 0 || (to == 0 && strcmp(to_s, "now"))) {
		snprintf(err, errlen, "--to '%.32s' is neither now nor a version number", to_s);
		return -1;
	}
	if (cycle_diff(c, p, scope, from, to, &r, err, errlen) != 0)
		return -1;
	int rc = diff_render(format, p->label, scope, &r.from, &r.to, &r.d, r.arrivals,
	                     r.n_arrivals, &text, &len, err, errlen);
	cycle_diff_free(&r);
	if (rc)
		return -1;
	out->files = calloc(1, sizeof *out->files);
	Cchc__V1__ReportFile *f = malloc(sizeof *f);
	char name[16];
	snprintf(name, sizeof name, ".%s", !strcmp(format, "text") ? "txt" : format);
	if (!out->files || !f) {
		free(f);
		free(text);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cchc__v1__report_file__init(f);
	f->name = strdup(name);
	f->has_content = 1;
	f->content.data = (uint8_t *)text;
	f->content.len = len;
	out->files[out->n_files++] = f;
	if (!f->name) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int cycle_revisions(export_ctx *c, const period *p, const char *scope, const figures *now,
                    diff_result *out, int *version, int64_t *closed_ms, char *err, size_t errlen)
{
	figures then = {0};
	const Cchc__V1__Closing *cl;
	int found;
	memset(out, 0, sizeof *out);
	if (diff_from_version(c, 0, p->label, scope, version, err, errlen) != 0 ||
	    figures_closed(c->stats, p->label, scope, *version, &then, &cl, &found, err, errlen))
		return -1;
	*closed_ms = cl->closed_ms;
	int rc = diff_build(&then, now, scope, out, err, errlen);
	figures_free(&then);
	return rc;
}

int cycle_run(export_ctx *c, const Cchc__V1__PeriodRequest *rq, Cchc__V1__PeriodReply *out)
{
	char err[1024] = "";
	const char *action = rq->action ? rq->action : "";
	const char *scope = rq->scope && *rq->scope ? rq->scope : c->conf->default_scope;
	period p;
	int rc;

	cchc__v1__period_reply__init(out);
	if (!strcmp(action, "list") && (!rq->period || !*rq->period)) {
		rc = pass_through(c, "list", "", rq->scope ? rq->scope : "", rq, out, err,
		                  sizeof err);
	} else if (period_parse(rq->period, &p, err, sizeof err) != 0) {
		rc = -1;
	} else if (!strcmp(action, "close")) {
		rc = do_close(c, rq, &p, scope, out, err, sizeof err);
	} else if (!strcmp(action, "reopen")) {
		rc = !rq->reason || !*rq->reason
		         ? (snprintf(err, sizeof err, "reopening needs a reason (--reason TEXT)"),
		            -1)
		         : pass_through(c, "reopen", p.label, scope, rq, out, err, sizeof err);
	} else if (!strcmp(action, "diff")) {
		rc = do_diff(c, rq, &p, scope, out, err, sizeof err);
	} else if (!strcmp(action, "list")) {
		rc = pass_through(c, "list", p.label, rq->scope ? rq->scope : "", rq, out, err,
		                  sizeof err);
	} else {
		snprintf(err, sizeof err, "period action '%s' is not close, reopen, list or diff",
		         action);
		rc = -1;
	}
	if (rc != 0)
		return fail(out, err);
	out->has_ok = 1;
	out->ok = 1;
	return 0;
}

void cycle_reply_clear(Cchc__V1__PeriodReply *out)
{
	for (size_t i = 0; i < out->n_closings; i++)
		cchc__v1__closing__free_unpacked(out->closings[i], NULL);
	free(out->closings);
	for (size_t i = 0; i < out->n_silent; i++)
		free(out->silent[i]);
	free(out->silent);
	for (size_t i = 0; i < out->n_files; i++) {
		free(out->files[i]->name);
		free(out->files[i]->content.data);
		free(out->files[i]);
	}
	free(out->files);
	free(out->error);
	cchc__v1__period_reply__init(out);
}
