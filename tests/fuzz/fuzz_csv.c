/* fuzz_csv: libFuzzer harness for the CSV reader (lib/records_csv.c): header detection, quoting,
 * multi-line fields, short and long rows. */
#include "records.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	records_reader *rd = NULL;
	char err[512];
	if (records_reader_open(f, "fuzz.csv", RECORDS_CSV, &rd, err, sizeof err) == 0) {
		records_item it;
		int rc, n = 0;
		while (n++ < 10000 && (rc = records_reader_next(rd, &it, err, sizeof err)) == 1) {
			if (!it.record && !it.error[0])
				abort(); /* an unreadable record must say why */
			records_item_clear(&it);
		}
		records_reader_close(rd);
	}
	fclose(f);
	return 0;
}
