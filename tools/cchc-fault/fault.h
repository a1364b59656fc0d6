/* fault: the run of cchc-fault's junk kinds, shared by `junk` (the nng ports) and `console-junk`
 * (the console's HTTP port): which kinds, how many of each, the deadline, a liveness probe every
 * few attempts and after each kind, and the report, a line per kind and a total. */
#ifndef CCHC_FAULT_FAULT_H
#define CCHC_FAULT_FAULT_H

#include "raw.h"

#include <stddef.h>
#include <stdio.h>

typedef struct fault_kind {
	const char *name;
	int (*fn)(void *ctx, unsigned i); /* attempt i: 0, or -1 with the reason in net->err */
	const char *what;
	unsigned max_rounds; /* 0: --count attempts; else at most this many (slow kinds) */
} fault_kind;

typedef struct fault_run {
	const char *tool;  /* "cchc-fault junk": the start of error lines */
	const char *label; /* "junk": the first word of report lines */
	const fault_kind *kinds;
	size_t nkinds;
	const char *select; /* comma-separated kind names, NULL = all */
	unsigned count, probe_every, deadline_s;
	void *ctx;     /* handed to every kind, probe, begin and extra */
	raw_peer *net; /* its bytes, closed and answered are counted per kind */
	int (*probe)(void *ctx);
	void (*begin)(void *ctx);            /* before each kind; may be NULL */
	void (*extra)(void *ctx, FILE *out); /* more for a kind's report line; may be NULL */
} fault_run;

void fault_list_kinds(const fault_kind *kinds, size_t n, FILE *out);
/* 0 when every name in r->select is a kind, else -1 with the unknown one written to err. */
int fault_check_kinds(const fault_run *r, FILE *err);
/* Runs the selected kinds. Returns 0 when every expectation held and every probe was answered,
 * 1 otherwise (the first broken expectation, with kind and attempt, written to err). */
int fault_run_kinds(const fault_run *r, FILE *out, FILE *err);

#endif
