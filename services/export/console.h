/* console: the reform office's web console (docs/design.md §14), served by cchc-export with
 * libmicrohttpd on console.listen. This is its start and stop; console_http.c owns the daemon
 * (limits, TLS, request reading), console_app.c the routing, sign-in and rights, console_page_*.c
 * the pages. */
#ifndef CCHC_EXPORT_CONSOLE_H
#define CCHC_EXPORT_CONSOLE_H

#include "handler.h"

#include <stddef.h>

typedef struct console console;

/* Starts the console on ctx->conf->console_listen ("" = no console). Plain http:// is refused on
 * any address but loopback; https:// needs console.cert and console.key. Returns 0 with *out
 * (NULL when disabled), or -1 with a message in err. */
int console_start(export_ctx *ctx, console **out, char *err, size_t errlen);

/* Stops accepting, waits for the requests in hand, frees everything. NULL is a no-op. */
void console_stop(console *c);

/* console_start's check of the configuration, without starting anything: 0 with *enabled (0 when
 * console.listen is empty) and *https, or -1 with a message saying what to change. */
int console_check_conf(const conf *cf, int *enabled, int *https, char *err, size_t errlen);

#endif
