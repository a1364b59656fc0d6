/* datafile: what the province's small line-based data files share (the days off of lib/workdays.h,
 * the 766 index's weights): the text checked and walked line by line, blank lines and '#' comments
 * skipped, a BOM and Windows line ends accepted, and every error named "FILE:LINE: reason". */
#ifndef CCHC_DATAFILE_H
#define CCHC_DATAFILE_H

#include <stddef.h>

typedef struct datafile {
	char *buf;        /* a copy of the text, cut into lines as they are read */
	char *next;       /* the rest, NULL at the end */
	int line;         /* the number of the line last returned, from 1 */
	const char *name; /* names the file in errors */
} datafile;

/* Copies text (len bytes) to walk it. Returns 0, or -1 with err when it holds a NUL byte (not a
 * text file: what follows it would be lost) or memory runs out. Close it also after a failure. */
int datafile_open(datafile *d, const char *text, size_t len, const char *name, char *err,
                  size_t errlen);
/* The next line that is not blank or a comment, without leading and trailing blanks, or NULL at
 * the end; d->line is its number. */
char *datafile_next(datafile *d);
void datafile_close(datafile *d);

/* "NAME:LINE: " and the formatted reason into err; returns -1. */
int datafile_fail(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
