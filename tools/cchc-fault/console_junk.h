/* console_junk: throws malformed and abusive traffic at the console's HTTP port (docs/design.md
 * §14) — random bytes, cut requests, a 100 kB request line, 10,000 headers, bodies far over
 * console.max_body_bytes with and without Content-Length, slow clients past the per-address limit
 * — or, on https://, broken TLS handshakes; and checks after every few connections, on a fresh
 * connection, that the console still answers. */
#ifndef CCHC_FAULT_CONSOLE_JUNK_H
#define CCHC_FAULT_CONSOLE_JUNK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct console_junk_opts {
	const char *url;          /* http://127.x.x.x:PORT or https://… (loopback IPv4) */
	size_t max_body_bytes;    /* console.max_body_bytes of that console */
	unsigned max_per_address; /* console.max_per_address */
	unsigned count;           /* connections per kind (slow kinds run fewer rounds) */
	uint64_t seed;
	unsigned deadline_s;  /* the whole run; exceeding it fails */
	unsigned probe_every; /* a liveness probe after this many of a kind (and after each kind) */
	unsigned timeout_ms;  /* waiting for the server to answer or to close a connection */
	const char *kinds;    /* comma-separated kind names, or NULL for all of the URL's scheme */
} console_junk_opts;

/* Prints the kinds (HTTP, then TLS) and what each checks. */
void console_junk_list_kinds(FILE *out);

/* Runs every selected kind, printing a line per kind and a summary to out, and the first broken
 * expectation to err. Returns 0 when every expectation held and every probe was answered, 1
 * otherwise, 2 on bad options. */
int console_junk_run(const console_junk_opts *o, FILE *out, FILE *err);

#endif
