/* source: `cchc source add`, a new source's key pair and its line in the sources file. */
#ifndef CCHC_SOURCE_H
#define CCHC_SOURCE_H

#include <stddef.h>

/* 0 when `name` may name a source (letters, digits, '.', '_', '-'; at most 127), else -1 with a
 * message in err. */
int source_check_name(const char *name, char *err, size_t errlen);

/* 0 when `grants` is a comma-separated list of unit codes (letters and digits), else -1. */
int source_check_grants(const char *grants, char *err, size_t errlen);

/* 1 when the sources file at path has a line for `name`, 0 when not (or no file), -1 on a read
 * error with a message in err. */
int source_exists(const char *path, const char *name, char *err, size_t errlen);

#endif
