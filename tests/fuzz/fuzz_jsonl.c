/* fuzz_jsonl: libFuzzer harness for the JSONL record parser (lib/records_jsonl.c). Any byte string
 * must parse or be refused with a message; never crash, leak or read out of bounds. */
#include "records.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	Cchc__V1__Record *r = NULL;
	char err[256];
	if (records_parse_json(text, &r, err, sizeof err) == 0) {
		if (!r)
			abort();
		records_free(r);
	} else if (!err[0]) {
		abort(); /* a refusal must say why */
	}
	free(text);
	return 0;
}
