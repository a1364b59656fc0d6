/* report: `cchc report`, asks cchc-export for a period's report and writes its file(s). */
#ifndef CCHC_REPORT_H
#define CCHC_REPORT_H

#include <stddef.h>

/* The path a returned file goes to: `output` itself when it is the only file, else output with
 * the file's name appended ("out/q1" + ".units.csv"). Returns 0, or -1 with a message in err when
 * the name could escape the output's folder or the path is too long. */
int report_file_path(const char *output, const char *name, size_t nfiles, char *out, size_t len,
                     char *err, size_t errlen);

#endif
