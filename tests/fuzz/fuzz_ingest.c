/* fuzz_ingest: libFuzzer harness for what ingest does with bytes from the network: decode an
 * IngestRequest and answer it (the signature check refuses forged batches), and decode a Batch and
 * validate every record against the real unit registry, as ingest does after a good signature. */
#include "auth.h"
#include "cchc/v1/ingest.pb-c.h"
#include "conf.h"
#include "handler.h"
#include "service.h"
#include "units.h"
#include "validate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static units *reg;
static conf cf;
static ingest_ctx ctx;
static char *grants[] = {"46"};
static auth_source source = {.name = "fuzz", .grants = grants, .ngrants = 1};

static void setup(void)
{
	char err[512];
	service_set_timezone("Asia/Ho_Chi_Minh");
	if (auth_init() || conf_load("/dev/null", &cf, err, sizeof err) ||
	    units_load(CCHC_SOURCE_DIR "/deploy/data/units.csv", &reg, err, sizeof err)) {
		fprintf(stderr, "fuzz_ingest: setup: %s\n", err);
		abort();
	}
	/* no sources and no stats: every submit is refused before anything would be forwarded */
	auth_sources *none = NULL;
	if (auth_sources_load("/dev/null", &none, err, sizeof err) ||
	    ingest_ctx_init(&ctx, &cf, reg, none, NULL))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!reg)
		setup();
	uint8_t *reply = NULL;
	size_t replylen = 0;
	if (ingest_handle(&ctx, data, size, &reply, &replylen) == 0) {
		Cchc__V1__IngestReply *r = cchc__v1__ingest_reply__unpack(NULL, replylen, reply);
		if (!r)
			abort(); /* ingest must always answer with a decodable reply */
		cchc__v1__ingest_reply__free_unpacked(r, NULL);
	}
	free(reply);

	Cchc__V1__Batch *b = cchc__v1__batch__unpack(NULL, size, data);
	if (b) {
		for (size_t i = 0; i < b->n_records; i++) {
			char code[VALIDATE_CODE_MAX], msg[512];
			if (validate_record(b->records[i], reg, &source, code, msg, sizeof msg) &&
			    (!code[0] || !msg[0]))
				abort(); /* a rejection carries a code and a message */
		}
		cchc__v1__batch__free_unpacked(b, NULL);
	}
	return 0;
}
