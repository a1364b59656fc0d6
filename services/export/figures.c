/* figures: one QueryRequest to stats per report; the reply carries every row the renderers need. */
#include "figures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int figures_call(wire_client *stats, const Cchc__V1__StatsRequest *req, int body,
                 Cchc__V1__StatsReply **out, char *err, size_t errlen)
{
	uint8_t *buf = NULL, *in = NULL;
	size_t len, inlen;

	*out = NULL;
	if (wire_pack(&req->base, &buf, &len)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rv = wire_call(stats, buf, len, &in, &inlen, err, errlen);
	free(buf);
	if (rv)
		return -1;
	*out = cchc__v1__stats_reply__unpack(NULL, inlen, in);
	free(in);
	if (!*out || (int)(*out)->body_case != body) {
		snprintf(err, errlen, "stats sent a reply of another kind than asked");
		if (*out)
			cchc__v1__stats_reply__free_unpacked(*out, NULL);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int fetch(wire_client *stats, const period *p, const char *scope, const char *map_to,
                 int64_t as_of_ms, int standing, figures *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	Cchc__V1__QueryRequest q = CCHC__V1__QUERY_REQUEST__INIT;
	Cchc__V1__StatsRequest req = CCHC__V1__STATS_REQUEST__INIT;
	q.has_from_ms = q.has_to_ms = 1;
	q.from_ms = p->from_ms;
	q.to_ms = p->to_ms;
	q.scope = (char *)scope;
	q.map_to = (char *)(map_to ? map_to : "");
	if (as_of_ms) {
		q.has_as_of_ms = 1;
		q.as_of_ms = as_of_ms;
	}
	if (standing) {
		q.has_standing = 1;
		q.standing = 1;
	}
	req.body_case = CCHC__V1__STATS_REQUEST__BODY_QUERY;
	req.query = &q;
	if (figures_call(stats, &req, CCHC__V1__STATS_REPLY__BODY_QUERY, &out->reply, err, errlen))
		return -1;
	out->query = out->reply->query;
	if (!out->query->ok) {
		snprintf(err, errlen, "%s", out->query->error ? out->query->error : "query failed");
		figures_free(out);
		return -1;
	}
	return 0;
}

int figures_fetch(wire_client *stats, const period *p, const char *scope, const char *map_to,
                  int64_t as_of_ms, figures *out, char *err, size_t errlen)
{
	return fetch(stats, p, scope, map_to, as_of_ms, 0, out, err, errlen);
}

int figures_fetch_national(wire_client *stats, const period *p, const char *map_to, int standing,
                           figures *out, char *err, size_t errlen)
{
	return fetch(stats, p, FIGURES_NATIONAL_SCOPE, map_to, 0, standing, out, err, errlen);
}

int figures_closed(wire_client *stats, const char *label, const char *scope, int version,
                   figures *out, const Cchc__V1__Closing **closing, int *found, char *err,
                   size_t errlen)
{
	Cchc__V1__Closing c = CCHC__V1__CLOSING__INIT;
	Cchc__V1__ClosingRequest cr = CCHC__V1__CLOSING_REQUEST__INIT;
	Cchc__V1__StatsRequest req = CCHC__V1__STATS_REQUEST__INIT;

	memset(out, 0, sizeof *out);
	*found = 0;
	*closing = NULL;
	c.period = (char *)label;
	c.scope = (char *)scope;
	c.has_version = 1;
	c.version = version;
	cr.action = "get";
	cr.closing = &c;
	req.body_case = CCHC__V1__STATS_REQUEST__BODY_CLOSING;
	req.closing = &cr;
	if (figures_call(stats, &req, CCHC__V1__STATS_REPLY__BODY_CLOSING, &out->reply, err,
	                 errlen))
		return -1;
	const Cchc__V1__ClosingReply *r = out->reply->closing;
	if (!r->ok) {
		snprintf(err, errlen, "%s",
		         r->error ? r->error : "stats could not read the closing");
		figures_free(out);
		return -1;
	}
	if (r->n_closings == 0) {
		figures_free(out);
		return 0;
	}
	if (!r->closings[0]->figures) {
		snprintf(err, errlen, "stats sent a closing without its figures");
		figures_free(out);
		return -1;
	}
	*closing = r->closings[0];
	out->query = r->closings[0]->figures;
	*found = 1;
	return 0;
}

void figures_free(figures *f)
{
	if (f->reply)
		cchc__v1__stats_reply__free_unpacked(f->reply, NULL);
	memset(f, 0, sizeof *f);
}

const Cchc__V1__FigureRow *figures_row(const figures *f, const char *group, const char *key)
{
	for (size_t i = 0; i < f->query->n_rows; i++) {
		const Cchc__V1__FigureRow *r = f->query->rows[i];
		if (r->group && !strcmp(r->group, group) && !strcmp(r->key ? r->key : "", key))
			return r;
	}
	return NULL;
}
