/* junk: throws malformed traffic at an ingest listener (plain tcp://) — raw bytes, broken SP
 * handshakes and frames over raw sockets, undecodable and oversized requests over nng — and checks
 * after every few connections, on a fresh connection, that the listener still answers. */
#ifndef CCHC_FAULT_JUNK_H
#define CCHC_FAULT_JUNK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct junk_opts {
	const char *url; /* tcp://HOST:PORT of cchc-ingest */
	size_t max_message_bytes;
	unsigned max_batch_records;
	unsigned count; /* connections or requests per kind */
	uint64_t seed;
	unsigned deadline_s;  /* the whole run; exceeding it fails */
	unsigned probe_every; /* a liveness probe after this many of a kind (and after each kind) */
	unsigned timeout_ms;  /* waiting for the server to answer or to close a connection */
	const char *kinds;    /* comma-separated kind names, or NULL for all */
	const char *source;   /* signs the well-formed batches */
	const uint8_t *secret_key;
} junk_opts;

/* Prints the kinds and what each checks. */
void junk_list_kinds(FILE *out);

/* Runs every selected kind `count` times, printing a line per kind and a summary to out, and the
 * first broken expectation (which kind, which attempt, why) to err. Returns 0 when every
 * expectation held and every liveness probe was answered, 1 otherwise, 2 on bad options. */
int junk_run(const junk_opts *o, FILE *out, FILE *err);

#endif
