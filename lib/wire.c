/* wire: REQ/REP plumbing shared by every service and client. A server is a fixed pool of threads,
 * each owning one REP context and handling one request at a time synchronously: simple to reason
 * about, no work in aio callbacks, and the pool size bounds concurrency (and memory) per service.
 * A server stops in order (quiesce, drain, stop) so that the requests it holds get their replies.
 */
#include "wire.h"

#include "grow.h"
#include "log.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct wire_worker {
	struct wire_server *server;
	nng_ctx ctx;
	nng_aio *recv; /* stopped by wire_server_quiesce: no request is taken after it */
	nng_aio *send;
	pthread_t thread;
	int started;
	int holding; /* under server->mu: handling a request it took */
	int counted; /* under server->mu: held at quiesce; its outcome goes to server->drain */
};

/* Replies handed to nng for one connection (pipe), to tell when all are written out. */
struct wire_pipe_replies {
	uint32_t pipe;
	uint64_t replies;
};

struct wire_server {
	nng_socket sock;
	wire_handler handler;
	void *arg;
	unsigned nworkers;
	struct wire_worker *workers;
	atomic_uint busy;
	pthread_mutex_t mu;
	pthread_cond_t changed; /* CLOCK_MONOTONIC: a worker ended, or answered a counted request */
	int sync_ready;         /* mu and changed initialised */
	unsigned running;       /* under mu: worker threads not yet ended */
	/* under mu: wire_server_stop has begun; no worker calls into nng again (it would reach a
	 * context nng_close is freeing) */
	int stopping;
	unsigned sending; /* under mu: workers between nng_ctx_send and its completion */
	wire_drain drain; /* under mu: what became of the requests held at quiesce */
	struct wire_pipe_replies *pipes; /* under mu; closed connections pruned as it fills */
	size_t npipes, cappipes;
	struct timespec last_reply; /* under mu: when a reply was last handed to nng (monotonic) */
	char url[256];
};

struct wire_client {
	nng_socket sock;
	nng_dialer dialer;
	unsigned timeout_ms;
	char url[256];
};

/* How long a stopping server keeps its connections open after its last reply, for the peers to
 * read it (wire_server_drain). */
#define WIRE_LINGER_MS 500

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

/* Counts a reply handed to nng for `pipe` (under s->mu). The table is bounded by the connections
 * open: when it is full, those that closed since are forgotten first. */
static void pipe_replies_add(wire_server *s, int pipe)
{
	if (pipe < 0)
		return;
	for (size_t i = 0; i < s->npipes; i++)
		if (s->pipes[i].pipe == (uint32_t)pipe) {
			s->pipes[i].replies++;
			return;
		}
	if (s->npipes == s->cappipes) {
		size_t kept = 0;
		for (size_t i = 0; i < s->npipes; i++) {
			nng_pipe p = NNG_PIPE_INITIALIZER;
			nng_sockaddr sa;
			p.id = s->pipes[i].pipe;
			if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) != NNG_ENOENT)
				s->pipes[kept++] = s->pipes[i];
		}
		s->npipes = kept;
	}
	if (grow_array((void **)&s->pipes, &s->cappipes, s->npipes + 1, sizeof *s->pipes))
		return; /* out of memory: a drain will not wait for this connection's replies */
	s->pipes[s->npipes++] = (struct wire_pipe_replies){.pipe = (uint32_t)pipe, .replies = 1};
}

/* The statistic `name` of pipe `pipe` in a snapshot, or NULL when the pipe has closed. A pipe's
 * scope is at the top of nng's tree, with its number in the NNG_STAT_ID child "id". */
static nng_stat *pipe_stat(nng_stat *all, uint32_t pipe, const char *name)
{
	for (nng_stat *c = nng_stat_child(all); c; c = nng_stat_next(c)) {
		if (strcmp(nng_stat_name(c), "pipe"))
			continue;
		nng_stat *id = nng_stat_find(c, "id");
		if (id && nng_stat_type(id) == NNG_STAT_ID && (uint32_t)nng_stat_value(id) == pipe)
			return nng_stat_find(c, name);
	}
	return NULL;
}

/* Replies handed to nng that its transport has not yet written to their connection. A REP
 * context's send completes once the reply is handed to the connection, not once it is written,
 * and nng_close drops what is still unwritten (nng 1.5 has no linger): each connection's
 * "tx_msgs" counts the messages its transport finished writing. inproc hands messages over in
 * memory and counts nothing; without statistics nothing tells. Both count as written. */
static uint64_t replies_unwritten(wire_server *s)
{
	nng_stat *all;
	uint64_t left = 0;
	if (!strncmp(s->url, "inproc://", 9) || nng_stats_get(&all))
		return 0;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->npipes; i++) {
		nng_stat *tx = pipe_stat(all, s->pipes[i].pipe, "tx_msgs");
		uint64_t written = tx ? nng_stat_value(tx) : s->pipes[i].replies;
		if (written < s->pipes[i].replies)
			left += s->pipes[i].replies - written;
	}
	pthread_mutex_unlock(&s->mu);
	nng_stats_free(all);
	return left;
}

/* Sends one reply on the worker's context. Returns 0, or an nng error code. */
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
	nng_aio_set_msg(w->send, msg);
	nng_ctx_send(w->ctx, w->send);
	nng_aio_wait(w->send);
	if ((rv = nng_aio_result(w->send)))
		nng_msg_free(msg);
	return rv;
}

static void *wire_worker_main(void *p)
{
	struct wire_worker *w = p;
	struct wire_server *s = w->server;
	for (;;) {
		/* Posted under mu, so that wire_server_quiesce can read the aio's outcome without
		 * racing the next receive; nng calls nothing of ours (the aio has no callback). */
		pthread_mutex_lock(&s->mu);
		if (s->stopping) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		nng_ctx_recv(w->ctx, w->recv);
		pthread_mutex_unlock(&s->mu);
		nng_aio_wait(w->recv);
		pthread_mutex_lock(&s->mu);
		int rv = nng_aio_result(w->recv);
		nng_msg *req = rv ? NULL : nng_aio_get_msg(w->recv);
		nng_aio_set_msg(w->recv, NULL);
		w->holding = req != NULL;
		pthread_mutex_unlock(&s->mu);
		if (closing(rv))
			break; /* quiesced (ECANCELED) or closed */
		if (rv) {
			log_warn("%s: receive failed: %s", s->url, nng_strerror(rv));
			continue;
		}
		int pipe = nng_pipe_id(nng_msg_get_pipe(req));
		uint8_t *reply = NULL;
		size_t replylen = 0;
		atomic_fetch_add(&s->busy, 1);
		int hr = s->handler(s->arg, nng_msg_body(req), nng_msg_len(req), &reply, &replylen);
		atomic_fetch_sub(&s->busy, 1);
		nng_msg_free(req);
		pthread_mutex_lock(&s->mu);
		int stopped = s->stopping; /* the reply cannot be sent any more: it counts unsent */
		if (!stopped && !hr)
			s->sending++;
		pthread_mutex_unlock(&s->mu);
		rv = hr        ? 0
		     : stopped ? NNG_ECLOSED
		               : wire_reply(w, reply, replylen); /* hr: dropped */
		free(reply);
		pthread_mutex_lock(&s->mu);
		if (!stopped && !hr && --s->sending == 0)
			pthread_cond_broadcast(&s->changed);
		if (!hr && !rv) {
			pipe_replies_add(s, pipe);
			clock_gettime(CLOCK_MONOTONIC, &s->last_reply);
		}
		if (w->counted) {
			if (hr)
				s->drain.dropped++;
			else if (rv)
				s->drain.unsent++;
			else
				s->drain.answered++;
			w->counted = 0;
			pthread_cond_broadcast(&s->changed);
		}
		w->holding = 0;
		pthread_mutex_unlock(&s->mu);
		if (closing(rv))
			break;
		if (rv)
			log_warn("%s: reply not sent: %s", s->url, nng_strerror(rv));
	}
	pthread_mutex_lock(&s->mu);
	s->running--;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static int server_sync_init(wire_server *s)
{
	pthread_condattr_t ca;
	if (pthread_condattr_init(&ca))
		return -1;
	int rv =
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) || pthread_mutex_init(&s->mu, NULL);
	if (!rv && pthread_cond_init(&s->changed, &ca)) {
		pthread_mutex_destroy(&s->mu);
		rv = -1;
	}
	pthread_condattr_destroy(&ca);
	s->sync_ready = !rv;
	return rv ? -1 : 0;
}

int wire_server_start(const char *url, size_t max_msg, unsigned workers, wire_handler h, void *arg,
                      wire_server **out, char *err, size_t errlen)
{
	*out = NULL;
	wire_server *s = calloc(1, sizeof *s);
	if (!s || !(s->workers = calloc(workers, sizeof *s->workers)) || server_sync_init(s)) {
		if (s)
			free(s->workers);
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
		pthread_cond_destroy(&s->changed);
		pthread_mutex_destroy(&s->mu);
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
		    (rv = nng_aio_alloc(&w->recv, NULL, NULL)) ||
		    (rv = nng_aio_alloc(&w->send, NULL, NULL))) {
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
		pthread_mutex_lock(&s->mu);
		s->running++;
		pthread_mutex_unlock(&s->mu);
		if (pthread_create(&s->workers[i].thread, NULL, wire_worker_main, &s->workers[i])) {
			pthread_mutex_lock(&s->mu);
			s->running--;
			pthread_mutex_unlock(&s->mu);
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

unsigned wire_server_quiesce(wire_server *s)
{
	/* A stopped aio fails every later operation at once (nng_aio_stop), so a worker ends at its
	 * next receive: those waiting end now, those holding a request once it is answered. A
	 * receive that completed just before is a request in hand, taken or about to be. */
	for (unsigned i = 0; i < s->nworkers; i++)
		nng_aio_stop(s->workers[i].recv);
	pthread_mutex_lock(&s->mu);
	for (unsigned i = 0; i < s->nworkers; i++) {
		struct wire_worker *w = &s->workers[i];
		if (w->holding || (!nng_aio_result(w->recv) && nng_aio_get_msg(w->recv))) {
			w->counted = 1;
			s->drain.in_hand++;
		}
	}
	unsigned n = s->drain.in_hand;
	pthread_mutex_unlock(&s->mu);
	return n;
}

static struct timespec ts_after(struct timespec t, unsigned ms)
{
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

static int ts_reached(struct timespec t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t.tv_sec || (now.tv_sec == t.tv_sec && now.tv_nsec >= t.tv_nsec);
}

static int ts_less(struct timespec a, struct timespec b)
{
	return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

int wire_server_drain(wire_server *s, unsigned timeout_ms, wire_drain *out)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until = ts_after(until, timeout_ms);
	pthread_mutex_lock(&s->mu);
	while (s->running > 0 && pthread_cond_timedwait(&s->changed, &s->mu, &until) != ETIMEDOUT)
		;
	int ended = s->running == 0;
	struct timespec linger = ts_after(s->last_reply, WIRE_LINGER_MS);
	pthread_mutex_unlock(&s->mu);
	/* Every worker has ended, so no reply is handed to nng any more: wait for the transport to
	 * write out what it was given (polled: nng tells of no write's end). */
	uint64_t unwritten = replies_unwritten(s);
	while (ended && unwritten && !ts_reached(until)) {
		nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
		unwritten = replies_unwritten(s);
	}
	/* Written is not yet read. Closing resets every connection that still holds unread
	 * requests, and a peer's nng 1.5 that sees a reset drops what it had not read yet. Worse,
	 * a peer whose connection goes while it is halfway through reading a reply can wedge for
	 * good: its TCP transport reissues the read on an aio the close has just stopped, 1.5's
	 * nni_aio_begin then drops it without completing it, the pipe's teardown waits for it
	 * forever and the dialer, which redials once that pipe is gone, never dials again (seen
	 * with `cchc push` in about one stop of ingest in thirty without this wait, in none of 87
	 * with it). So the peers get WIRE_LINGER_MS after the last reply to read it first. */
	if (ended && !unwritten && strncmp(s->url, "inproc://", 9)) {
		struct timespec end = ts_less(linger, until) ? linger : until;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL) == EINTR)
			;
	}
	pthread_mutex_lock(&s->mu);
	*out = s->drain;
	pthread_mutex_unlock(&s->mu);
	out->unwritten = unwritten;
	return ended && !unwritten ? 0 : NNG_ETIMEDOUT;
}

void wire_server_stop(wire_server *s)
{
	if (!s)
		return;
	/* nng_close frees the contexts: no worker may be inside nng_ctx_send then, nor enter it
	 * after. A send held up by a peer that does not read is cancelled rather than waited for
	 * (after a drain that ran out of time). */
	if (s->sync_ready) {
		pthread_mutex_lock(&s->mu);
		s->stopping = 1;
		while (s->sending > 0) {
			pthread_mutex_unlock(&s->mu);
			for (unsigned i = 0; i < s->nworkers; i++)
				if (s->workers[i].send)
					nng_aio_cancel(s->workers[i].send);
			pthread_mutex_lock(&s->mu);
			struct timespec until;
			clock_gettime(CLOCK_MONOTONIC, &until);
			until = ts_after(until, 10);
			if (s->sending > 0)
				pthread_cond_timedwait(&s->changed, &s->mu, &until);
		}
		pthread_mutex_unlock(&s->mu);
	}
	nng_close(s->sock);
	for (unsigned i = 0; i < s->nworkers; i++) {
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
		if (s->workers[i].recv)
			nng_aio_free(s->workers[i].recv);
		if (s->workers[i].send)
			nng_aio_free(s->workers[i].send);
	}
	if (s->sync_ready) {
		pthread_cond_destroy(&s->changed);
		pthread_mutex_destroy(&s->mu);
	}
	free(s->pipes);
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
