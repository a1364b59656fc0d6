/* bench_naive: the naive cchc client of `cchc bench ingest`: every record its own signed
 * SubmitRequest, one at a time, each waiting for its acknowledgement. It is what an office
 * system does when it pushes each event as it happens, and what batching is measured against. */
#include "bench.h"

#include "records.h"
#include "wire.h"

#include "cchc/v1/ingest.pb-c.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int bench_submit_record(const client *cl, wire_client *wc, Cchc__V1__Record *rec,
                        unsigned long line, unsigned *accepted, char *err, size_t errlen)
{
	Cchc__V1__Batch msg = CCHC__V1__BATCH__INIT;
	Cchc__V1__SubmitRequest sub = CCHC__V1__SUBMIT_REQUEST__INIT;
	Cchc__V1__IngestRequest req = CCHC__V1__INGEST_REQUEST__INIT;
	Cchc__V1__IngestReply *rep;
	uint8_t sig[AUTH_SIGNATURE_BYTES];
	uint8_t *bbuf = NULL, *rbuf = NULL, *reply = NULL;
	size_t blen, rlen, replylen;
	struct timespec ts;
	int rc = -1;

	clock_gettime(CLOCK_REALTIME, &ts);
	msg.has_sent_at_ms = 1;
	msg.sent_at_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	msg.n_records = 1;
	msg.records = &rec;
	if (wire_pack(&msg.base, &bbuf, &blen)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	auth_sign(bbuf, blen, cl->sk, sig);
	sub.source = (char *)cl->source;
	sub.has_batch = 1;
	sub.batch.data = bbuf;
	sub.batch.len = blen;
	sub.has_signature = 1;
	sub.signature.data = sig;
	sub.signature.len = sizeof sig;
	req.body_case = CCHC__V1__INGEST_REQUEST__BODY_SUBMIT;
	req.submit = &sub;
	if (wire_pack(&req.base, &rbuf, &rlen)) {
		free(bbuf);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(bbuf);
	if (wire_call(wc, rbuf, rlen, &reply, &replylen, err, errlen)) {
		free(rbuf);
		return -1;
	}
	free(rbuf);
	rep = cchc__v1__ingest_reply__unpack(NULL, replylen, reply);
	free(reply);
	if (!rep || rep->body_case != CCHC__V1__INGEST_REPLY__BODY_SUBMIT) {
		snprintf(err, errlen, "line %lu: %s did not answer with a SubmitReply", line,
		         cl->conf.ingest_listen);
	} else if (!rep->submit->has_status || rep->submit->status != CCHC__V1__SUBMIT_STATUS__OK) {
		snprintf(err, errlen, "line %lu: ingest refused the request: %s", line,
		         rep->submit->error && rep->submit->error[0] ? rep->submit->error
		                                                     : "(no reason given)");
	} else if (rep->submit->n_rejections) {
		snprintf(err, errlen, "line %lu: rejected: %s: %s", line,
		         rep->submit->rejections[0]->code ? rep->submit->rejections[0]->code : "",
		         rep->submit->rejections[0]->message ? rep->submit->rejections[0]->message
		                                             : "");
	} else {
		*accepted = rep->submit->accepted;
		rc = 0;
	}
	if (rep)
		cchc__v1__ingest_reply__free_unpacked(rep, NULL);
	return rc;
}

int bench_naive_submit(const client *cl, const char *path, double *seconds, size_t *sent,
                       size_t *accepted, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	records_reader *rd = NULL;
	wire_client *wc = NULL;
	records_item it;
	int64_t t0;
	int rc = -1, r;

	*sent = *accepted = 0;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (records_reader_open(f, path, RECORDS_JSONL, &rd, err, errlen) ||
	    wire_client_open(cl->conf.ingest_listen, cl->conf.max_message_bytes,
	                     cl->conf.request_timeout_ms, &wc, err, errlen))
		goto out;
	t0 = bench_now_ns();
	while ((r = records_reader_next(rd, &it, err, errlen)) == 1) {
		unsigned acc = 0;
		int sr;

		if (!it.record) {
			snprintf(err, errlen, "%s:%lu: %s", path, it.line, it.error);
			records_item_clear(&it);
			goto out;
		}
		sr = bench_submit_record(cl, wc, it.record, it.line, &acc, err, errlen);
		records_item_clear(&it);
		if (sr)
			goto out;
		(*sent)++;
		*accepted += acc;
	}
	if (r < 0)
		goto out;
	*seconds = (double)(bench_now_ns() - t0) / 1e9;
	rc = 0;
out:
	wire_client_close(wc);
	records_reader_close(rd);
	fclose(f);
	return rc;
}
