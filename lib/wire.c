/* wire: REQ/REP plumbing shared by every service and client. A server is a fixed pool of threads,
 * each owning one REP context and handling one request at a time synchronously: simple to reason
 * about, no work in aio callbacks, and the pool size bounds concurrency (and memory) per service.
 */
#include "wire.h"

#include "log.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wire_worker {
	struct wire_server *server;
	nng_ctx ctx;
	nng_aio *aio;
	pthread_t thread;
	int started;
};

struct wire_server {
	nng_socket sock;
	wire_handler handler;
	void *arg;
	unsigned nworkers;
	struct wire_worker *workers;
	atomic_uint busy;
	char url[256];
};

struct wire_client {
	nng_socket sock;
	nng_dialer dialer;
	unsigned timeout_ms;
	char url[256];
};

/* One TLS identity per process, set before any socket opens (wire_tls_configure). */
static nng_tls_config *tls_server, *tls_client;

static int is_tls(const char *url)
{
	return !strncmp(url, "tls+", 4);
}

static int auth_mode(const char *name, nng_tls_auth_mode dflt, nng_tls_auth_mode *out)
{
	if (!name || !*name)
		*out = dflt;
	else if (!strcmp(name, "none"))
		*out = NNG_TLS_AUTH_MODE_NONE;
	else if (!strcmp(name, "optional"))
		*out = NNG_TLS_AUTH_MODE_OPTIONAL;
	else if (!strcmp(name, "required"))
		*out = NNG_TLS_AUTH_MODE_REQUIRED;
	else
		return -1;
	return 0;
}

static int tls_config(nng_tls_mode mode, const conf *c, nng_tls_config **out, char *err,
                      size_t errlen)
{
	nng_tls_config *cfg;
	nng_tls_auth_mode am;
	int server = mode == NNG_TLS_MODE_SERVER;
	/* A server verifies clients only when asked; a client verifies the server whenever it
	 * was given a CA to verify with. */
	nng_tls_auth_mode dflt =
	    !server && c->tls_ca_file[0] ? NNG_TLS_AUTH_MODE_REQUIRED : NNG_TLS_AUTH_MODE_NONE;
	if (auth_mode(c->tls_auth_mode, dflt, &am)) {
		snprintf(err, errlen, "tls.auth_mode: '%s' is not none, optional or required",
		         c->tls_auth_mode);
		return -1;
	}
	int rv = nng_tls_config_alloc(&cfg, mode);
	if (rv) {
		snprintf(err, errlen, "TLS: %s", nng_strerror(rv));
		return -1;
	}
	if (c->tls_cert_key_file[0] &&
	    (rv = nng_tls_config_cert_key_file(cfg, c->tls_cert_key_file, NULL))) {
		snprintf(err, errlen, "tls.cert_key_file %s: %s", c->tls_cert_key_file,
		         nng_strerror(rv));
		goto fail;
	}
	if (c->tls_ca_file[0] && (rv = nng_tls_config_ca_file(cfg, c->tls_ca_file))) {
		snprintf(err, errlen, "tls.ca_file %s: %s", c->tls_ca_file, nng_strerror(rv));
		goto fail;
	}
	if (am != NNG_TLS_AUTH_MODE_NONE && !c->tls_ca_file[0]) {
		snprintf(err, errlen, "tls.auth_mode %s needs tls.ca_file to verify with",
		         c->tls_auth_mode);
		goto fail;
	}
	if ((rv = nng_tls_config_auth_mode(cfg, am))) {
		snprintf(err, errlen, "tls.auth_mode: %s", nng_strerror(rv));
		goto fail;
	}
	if (!server && c->tls_server_name[0] &&
	    (rv = nng_tls_config_server_name(cfg, c->tls_server_name))) {
		snprintf(err, errlen, "tls.server_name: %s", nng_strerror(rv));
		goto fail;
	}
	*out = cfg;
	return 0;
fail:
	nng_tls_config_free(cfg);
	return -1;
}

int wire_tls_configure(const conf *c, char *err, size_t errlen)
{
	nng_tls_config *server = NULL, *client = NULL;
	if (c->tls_cert_key_file[0] && tls_config(NNG_TLS_MODE_SERVER, c, &server, err, errlen))
		return -1;
	if (tls_config(NNG_TLS_MODE_CLIENT, c, &client, err, errlen)) {
		if (server)
			nng_tls_config_free(server);
		return -1;
	}
	if (tls_server)
		nng_tls_config_free(tls_server);
	if (tls_client)
		nng_tls_config_free(tls_client);
	tls_server = server;
	tls_client = client;
	return 0;
}

static int closing(int rv)
{
	return rv == NNG_ECLOSED || rv == NNG_ECANCELED;
}

/* Replies to the request in `req` (consumed). Returns 0, or an nng error code. */
static int wire_reply(struct wire_worker *w, const uint8_t *data, size_t len)
{
	nng_msg *msg;
	int rv = nng_msg_alloc(&msg, 0);
	if (rv)
		return rv;
	if ((rv = nng_msg_append(msg, data, len))) {
		nng_msg_free(msg);
		return rv;
	}
	nng_aio_set_msg(w->aio, msg);
	nng_ctx_send(w->ctx, w->aio);
	nng_aio_wait(w->aio);
	if ((rv = nng_aio_result(w->aio)))
		nng_msg_free(msg);
	return rv;
}

static void *wire_worker_main(void *p)
{
	struct wire_worker *w = p;
	struct wire_server *s = w->server;
	for (;;) {
		nng_ctx_recv(w->ctx, w->aio);
		nng_aio_wait(w->aio);
		int rv = nng_aio_result(w->aio);
		if (closing(rv))
			break;
		if (rv) {
			log_warn("%s: receive failed: %s", s->url, nng_strerror(rv));
			continue;
		}
		nng_msg *req = nng_aio_get_msg(w->aio);
		uint8_t *reply = NULL;
		size_t replylen = 0;
		atomic_fetch_add(&s->busy, 1);
		int hr = s->handler(s->arg, nng_msg_body(req), nng_msg_len(req), &reply, &replylen);
		atomic_fetch_sub(&s->busy, 1);
		nng_msg_free(req);
		if (hr) {
			free(reply);
			continue; /* dropped: undecodable */
		}
		rv = wire_reply(w, reply, replylen);
		free(reply);
		if (closing(rv))
			break;
		if (rv)
			log_warn("%s: reply not sent: %s", s->url, nng_strerror(rv));
	}
	return NULL;
}

int wire_server_start(const char *url, size_t max_msg, unsigned workers, wire_handler h, void *arg,
                      wire_server **out, char *err, size_t errlen)
{
	*out = NULL;
	wire_server *s = calloc(1, sizeof *s);
	if (!s || !(s->workers = calloc(workers, sizeof *s->workers))) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return NNG_ENOMEM;
	}
	s->handler = h;
	s->arg = arg;
	s->nworkers = workers;
	snprintf(s->url, sizeof s->url, "%s", url);
	int rv = nng_rep0_open(&s->sock);
	if (rv) {
		snprintf(err, errlen, "opening a REP socket: %s", nng_strerror(rv));
		free(s->workers);
		free(s);
		return rv;
	}
	if ((rv = nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ, max_msg))) {
		snprintf(err, errlen, "setting %s: %s", NNG_OPT_RECVMAXSZ, nng_strerror(rv));
		goto fail;
	}
	for (unsigned i = 0; i < workers; i++) {
		struct wire_worker *w = &s->workers[i];
		w->server = s;
		if ((rv = nng_ctx_open(&w->ctx, s->sock)) ||
		    (rv = nng_aio_alloc(&w->aio, NULL, NULL))) {
			snprintf(err, errlen, "opening context %u: %s", i, nng_strerror(rv));
			goto fail;
		}
	}
	nng_listener l;
	if (is_tls(url) && !tls_server) {
		snprintf(err, errlen, "listening on %s needs tls.cert_key_file", url);
		rv = NNG_EINVAL;
		goto fail;
	}
	if ((rv = nng_listener_create(&l, s->sock, url)) ||
	    (is_tls(url) && (rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, tls_server))) ||
	    (rv = nng_listener_start(l, 0))) {
		snprintf(err, errlen, "listening on %s: %s", url, nng_strerror(rv));
		goto fail;
	}
	for (unsigned i = 0; i < workers; i++) {
		if (pthread_create(&s->workers[i].thread, NULL, wire_worker_main, &s->workers[i])) {
			snprintf(err, errlen, "starting worker thread %u failed", i);
			rv = NNG_ENOMEM;
			goto fail;
		}
		s->workers[i].started = 1;
	}
	*out = s;
	return 0;
fail:
	wire_server_stop(s);
	return rv;
}

void wire_server_stop(wire_server *s)
{
	if (!s)
		return;
	nng_close(s->sock);
	for (unsigned i = 0; i < s->nworkers; i++) {
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
		if (s->workers[i].aio)
			nng_aio_free(s->workers[i].aio);
	}
	free(s->workers);
	free(s);
}

unsigned wire_server_busy_others(const wire_server *s)
{
	unsigned n = atomic_load(&((wire_server *)s)->busy);
	return n > 0 ? n - 1 : 0;
}

int wire_client_open(const char *url, size_t max_msg, unsigned timeout_ms, wire_client **out,
                     char *err, size_t errlen)
{
	*out = NULL;
	wire_client *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NNG_ENOMEM;
	}
	c->timeout_ms = timeout_ms;
	snprintf(c->url, sizeof c->url, "%s", url);
	int rv = nng_req0_open(&c->sock);
	if (rv) {
		snprintf(err, errlen, "opening a REQ socket: %s", nng_strerror(rv));
		free(c);
		return rv;
	}
	/* The caller retries on its own schedule; nng's own resend (on reconnect, or after the
	 * resend time) is still possible, so servers treat requests as idempotent. */
	if ((rv = nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, max_msg)) ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, (nng_duration)timeout_ms)) ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_RECONNMINT, 20)) ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_RECONNMAXT, 1000)) ||
	    (rv = nng_dialer_create(&c->dialer, c->sock, url)) ||
	    (is_tls(url) &&
	     (rv = tls_client ? nng_dialer_set_ptr(c->dialer, NNG_OPT_TLS_CONFIG, tls_client)
	                      : NNG_EINVAL)) ||
	    (rv = nng_dialer_start(c->dialer, NNG_FLAG_NONBLOCK))) {
		snprintf(err, errlen, "connecting to %s: %s", url, nng_strerror(rv));
		nng_close(c->sock);
		free(c);
		return rv;
	}
	*out = c;
	return 0;
}

void wire_client_close(wire_client *c)
{
	if (!c)
		return;
	nng_close(c->sock);
	free(c);
}

int wire_call(wire_client *c, const uint8_t *req, size_t reqlen, uint8_t **reply, size_t *replylen,
              char *err, size_t errlen)
{
	*reply = NULL;
	*replylen = 0;
	nng_ctx ctx;
	nng_aio *aio = NULL;
	nng_msg *msg = NULL;
	int rv = nng_ctx_open(&ctx, c->sock);
	if (rv) {
		snprintf(err, errlen, "%s: %s", c->url, nng_strerror(rv));
		return rv;
	}
	if ((rv = nng_aio_alloc(&aio, NULL, NULL)) || (rv = nng_msg_alloc(&msg, 0)) ||
	    (rv = nng_msg_append(msg, req, reqlen))) {
		snprintf(err, errlen, "%s: %s", c->url, nng_strerror(rv));
		goto out;
	}
	nng_aio_set_timeout(aio, (nng_duration)c->timeout_ms);
	nng_aio_set_msg(aio, msg);
	nng_ctx_send(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio))) {
		snprintf(err, errlen, "sending to %s: %s", c->url, nng_strerror(rv));
		goto out; /* msg still ours */
	}
	msg = NULL;
	nng_ctx_recv(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio))) {
		if (rv == NNG_ETIMEDOUT)
			snprintf(err, errlen, "no reply from %s within %u ms (is it running?)",
			         c->url, c->timeout_ms);
		else
			snprintf(err, errlen, "receiving from %s: %s", c->url, nng_strerror(rv));
		goto out;
	}
	msg = nng_aio_get_msg(aio);
	*replylen = nng_msg_len(msg);
	*reply = malloc(*replylen ? *replylen : 1);
	if (!*reply) {
		rv = NNG_ENOMEM;
		snprintf(err, errlen, "out of memory");
		*replylen = 0;
	} else {
		memcpy(*reply, nng_msg_body(msg), *replylen);
	}
out:
	if (msg)
		nng_msg_free(msg);
	if (aio)
		nng_aio_free(aio);
	nng_ctx_close(ctx);
	return rv;
}

int wire_pack(const ProtobufCMessage *m, uint8_t **out, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(m);
	*out = malloc(*len ? *len : 1);
	if (!*out)
		return -1;
	protobuf_c_message_pack(m, *out);
	return 0;
}
