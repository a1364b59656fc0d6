/* figures: one QueryRequest to stats per report; the reply carries every row the renderers need. */
#include "figures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int figures_fetch(wire_client *stats, const period *p, const char *scope, const char *map_to,
                  figures *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	Cchc__V1__QueryRequest q = CCHC__V1__QUERY_REQUEST__INIT;
	Cchc__V1__StatsRequest req = CCHC__V1__STATS_REQUEST__INIT;
	q.has_from_ms = q.has_to_ms = 1;
	q.from_ms = p->from_ms;
	q.to_ms = p->to_ms;
	q.scope = (char *)scope;
	q.map_to = (char *)(map_to ? map_to : "");
	req.body_case = CCHC__V1__STATS_REQUEST__BODY_QUERY;
	req.query = &q;
	uint8_t *buf = NULL, *in = NULL;
	size_t len, inlen;
	if (wire_pack(&req.base, &buf, &len)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rv = wire_call(stats, buf, len, &in, &inlen, err, errlen);
	free(buf);
	if (rv)
		return -1;
	out->reply = cchc__v1__stats_reply__unpack(NULL, inlen, in);
	free(in);
	if (!out->reply || out->reply->body_case != CCHC__V1__STATS_REPLY__BODY_QUERY) {
		snprintf(err, errlen, "stats sent a reply that is not a QueryReply");
		figures_free(out);
		return -1;
	}
	out->query = out->reply->query;
	if (!out->query->ok) {
		snprintf(err, errlen, "%s", out->query->error ? out->query->error : "query failed");
		figures_free(out);
		return -1;
	}
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
