/* console: the start and stop of the reform office's console in cchc-export (docs/design.md §14):
 * the configuration's rules (plain HTTP on loopback only, HTTPS with a readable certificate and
 * key), then the app (console_app.c) behind the HTTP server (console_http.c). */
#include "console.h"

#include "console_app.h"
#include "console_http.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct console {
	console_app app;
	http_server *server;
};

static int readable(const char *key, const char *file, char *err, size_t errlen)
{
	if (access(file, R_OK) == 0)
		return 0;
	snprintf(err, errlen, "%s %s: %s", key, file, strerror(errno));
	return -1;
}

int console_check_conf(const conf *cf, int *enabled, int *https, char *err, size_t errlen)
{
	int loopback = 0;
	char perr[512];
	*enabled = *https = 0;
	if (!cf->console_listen[0])
		return 0;
	if (http_listen_parse(cf->console_listen, https, &loopback, perr, sizeof perr)) {
		snprintf(err, errlen, "console.listen = %s", perr);
		return -1;
	}
	if (!*https && !loopback) {
		/* the session cookie and the passwords would cross the network in clear text */
		snprintf(err, errlen,
		         "console.listen = %s: plain http:// is served on a loopback address only "
		         "(127.0.0.0/8, ::1, localhost); elsewhere use https:// with console.cert "
		         "and console.key, or a reverse proxy with TLS in front of "
		         "http://127.0.0.1:PORT (docs/operations.md, \"The console\")",
		         cf->console_listen);
		return -1;
	}
	if (cf->console_behind_proxy && (*https || !loopback)) {
		/* only a proxy on this machine can be told apart from a browser by its address */
		snprintf(
		    err, errlen,
		    "console.behind_proxy = on: console.listen = %s must then be plain http:// "
		    "on a loopback address, where the reverse proxy on this machine forwards "
		    "to (docs/operations.md, \"The console\")",
		    cf->console_listen);
		return -1;
	}
	if (*https) {
		if (!cf->console_cert[0] || !cf->console_key[0]) {
			snprintf(err, errlen,
			         "console.listen = %s: https:// needs console.cert (the PEM "
			         "certificate chain) and console.key (its private key); %s",
			         cf->console_listen,
			         !cf->console_cert[0] && !cf->console_key[0] ? "neither is set"
			         : !cf->console_cert[0] ? "console.cert is not set"
			                                : "console.key is not set");
			return -1;
		}
		if (readable("console.cert", cf->console_cert, err, errlen) ||
		    readable("console.key", cf->console_key, err, errlen))
			return -1;
	}
	*enabled = 1;
	return 0;
}

static void route(void *arg, const http_req *rq, http_resp *out)
{
	console_route(arg, rq, out);
}

int console_start(export_ctx *ctx, console **out, char *err, size_t errlen)
{
	const conf *cf = ctx->conf;
	int enabled, https;
	*out = NULL;
	if (console_check_conf(cf, &enabled, &https, err, errlen))
		return -1;
	if (!enabled)
		return 0;
	if (!https && (cf->console_cert[0] || cf->console_key[0]))
		log_warn("console.cert and console.key are not used: console.listen %s is plain "
		         "http://",
		         cf->console_listen);
	console *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "console: no memory");
		return -1;
	}
	if (console_app_init(&c->app, ctx, https, err, errlen)) {
		free(c);
		return -1;
	}
	const http_limits lim = {
	    .max_connections = cf->console_max_connections,
	    .max_per_address = cf->console_max_per_address,
	    .timeout_seconds = cf->console_timeout_seconds,
	    .max_body_bytes = cf->console_max_body_bytes,
	    .behind_proxy = cf->console_behind_proxy,
	};
	if (http_server_start(cf->console_listen, cf->console_cert, cf->console_key, &lim, route,
	                      &c->app, &c->server, err, errlen)) {
		console_app_free(&c->app);
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

void console_stop(console *c)
{
	if (!c)
		return;
	http_server_stop(c->server); /* no request reaches the app after this */
	console_app_free(&c->app);
	free(c);
}
