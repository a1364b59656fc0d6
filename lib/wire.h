/* wire: protobuf messages over nng REQ/REP. A server runs a fixed pool of worker threads, each with
 * its own REP context, receiving and replying synchronously in its own thread (never blocking an
 * aio callback). A client call uses its own REQ context, so one client may be shared by threads;
 * REQ resends on its own when a reply is late, so servers must treat requests as idempotent. */
#ifndef CCHC_WIRE_H
#define CCHC_WIRE_H

#include "conf.h"

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* Reads the tls.* settings once per process: every later tls+tcp:// listener uses them as a server,
 * every tls+tcp:// dialer as a client. Without a call, tls+tcp:// addresses are refused. Returns 0,
 * or -1 with a message naming the file or setting in err. */
int wire_tls_configure(const conf *c, char *err, size_t errlen);

/* Handles one request. Returns 0 with *reply (malloc'd, freed by wire) and *replylen set, or -1 to
 * drop the request without an answer (undecodable garbage). Called from worker threads. */
typedef int (*wire_handler)(void *arg, const uint8_t *req, size_t reqlen, uint8_t **reply,
                            size_t *replylen);

typedef struct wire_server wire_server;

/* Listens on url (tcp://, tls+tcp://, ipc://) and starts `workers` threads. max_msg bounds every
 * received message (NNG_OPT_RECVMAXSZ). Returns 0, or an nng error code with a message in err. */
int wire_server_start(const char *url, size_t max_msg, unsigned workers, wire_handler h, void *arg,
                      wire_server **out, char *err, size_t errlen);
/* What became of the requests a server held when it stopped taking new ones. */
typedef struct wire_drain {
	unsigned in_hand;   /* being handled when wire_server_quiesce stopped the receiving */
	unsigned answered;  /* of those, replies sent */
	unsigned dropped;   /* of those, undecodable: dropped without an answer, as ever */
	unsigned unsent;    /* of those, the reply failed to send (an nng error, logged) */
	uint64_t unwritten; /* replies (any) handed to nng and not yet written out at the end */
} wire_drain;

/* The orderly stop (docs/operations.md "Stopping"): quiesce, drain, then wire_server_stop.
 * wire_server_quiesce stops taking requests: no worker receives again, while the listener and
 * connections stay open so that replies still go out; requests that arrive meanwhile stay unread
 * and their senders send them again once the connection closes (REQ does so on reconnect).
 * Returns the number of requests in hand, each of which gets its reply. Call once. */
unsigned wire_server_quiesce(wire_server *s);
/* After wire_server_quiesce: waits up to timeout_ms until every request in hand is answered and
 * every reply written out to its connection. Fills *out. Returns 0 when all is done, or
 * NNG_ETIMEDOUT when the time ran out first (wire_server_stop then drops what is left, and the
 * requesters resend it). */
int wire_server_drain(wire_server *s, unsigned timeout_ms, wire_drain *out);
/* Closes the socket (dropping replies not yet written), joins the workers, frees. */
void wire_server_stop(wire_server *s);
/* Requests being handled right now besides the caller's own: for a handler answering a status
 * request, which is one of them. */
unsigned wire_server_busy_others(const wire_server *s);

typedef struct wire_client wire_client;

/* Dials url in the background (the server may come up later). timeout_ms bounds one wire_call. */
int wire_client_open(const char *url, size_t max_msg, unsigned timeout_ms, wire_client **out,
                     char *err, size_t errlen);
void wire_client_close(wire_client *c);

/* Sends req and waits for its reply (malloc'd into *reply). Returns 0, or an nng error code
 * (NNG_ETIMEDOUT when no reply came in time) with a message in err. Thread-safe. */
int wire_call(wire_client *c, const uint8_t *req, size_t reqlen, uint8_t **reply, size_t *replylen,
              char *err, size_t errlen);

/* Packs a protobuf message into a malloc'd buffer. Returns 0 or -1 (out of memory). */
int wire_pack(const ProtobufCMessage *m, uint8_t **out, size_t *len);

#endif
