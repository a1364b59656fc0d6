/* raw: what cchc-fault's junk needs below any protocol: a loopback server's address, TCP
 * connections opened, fed and dropped by hand (FIN or RST), reads with a deadline, and a seeded
 * generator so that a run can be replayed. Shared by junk.c (the nng ports) and console_junk.c
 * (the console's HTTP port). */
#ifndef CCHC_FAULT_RAW_H
#define CCHC_FAULT_RAW_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

typedef struct raw_peer {
	struct sockaddr_in addr; /* the server: IPv4 loopback only, junk never leaves the host */
	unsigned timeout_ms;     /* waiting for the server to answer or to close */
	uint64_t rng;            /* xorshift64* state */
	/* per kind, for the report (fault.c resets them) */
	unsigned long long bytes; /* sent */
	unsigned closed;          /* connections the server closed as expected */
	unsigned answered;        /* requests it answered */
	char err[512];            /* why the current attempt broke an expectation */
} raw_peer;

/* Sets the server's address from url, SCHEME://HOST:PORT with SCHEME one of `schemes` (its index
 * in *scheme) and HOST a numeric IPv4 loopback address or localhost, and the timeout and seed.
 * Returns 0, or -1 with the reason in p->err. */
int raw_peer_init(raw_peer *p, const char *url, const char *const *schemes, size_t nschemes,
                  size_t *scheme, unsigned timeout_ms, uint64_t seed);

/* Writes the reason into p->err (which may be one of the arguments) and returns -1. */
int raw_fail(raw_peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

double raw_now(void); /* monotonic seconds */
uint64_t raw_rnd(raw_peer *p);
unsigned raw_rnd_below(raw_peer *p, unsigned n); /* 0 .. n-1 (0 when n is 0) */
void raw_rnd_fill(raw_peer *p, uint8_t *buf, size_t len);

/* Connects to the server, from the loopback address `src` when not NULL (the per-address limit
 * counts each address apart). Returns 0 with *fd, or -1 (the listener refuses connections). */
int raw_connect(raw_peer *p, const char *src, int *fd);
/* Closes with a FIN, or with a RST (SO_LINGER 0): a client that vanishes. */
void raw_close(int fd, int reset);
/* Sends what the server takes; it may close on us half-way, which is not an error. Returns the
 * bytes it took. */
size_t raw_send(raw_peer *p, int fd, const void *buf, size_t len);
/* Reads exactly len bytes within the timeout. 0, 1 on EOF or reset, -1 on timeout or error. */
int raw_read(raw_peer *p, int fd, uint8_t *buf, size_t len);
/* Reads whatever comes (keeping the first cap bytes in buf, *got of them) until the server
 * closes. 0 when it closed (or reset) within the timeout, -1 when it kept the connection open. */
int raw_read_to_close(raw_peer *p, int fd, uint8_t *buf, size_t cap, size_t *got);
/* The server must close the connection within the timeout (what it sends first is read and
 * dropped) after `what` was sent: 0 (counted in p->closed), or -1 with the reason. */
int raw_expect_close(raw_peer *p, int fd, const char *what);

/* Sends buf on a new connection; the server must then close it (raw_expect_close). */
int raw_send_expect_close(raw_peer *p, const void *buf, size_t len, const char *what);

/* Attempt i of the plainest junk: 1-2048 random bytes on a fresh connection, then gone with a FIN
 * (even i) or a RST (odd i). */
int raw_random_burst(raw_peer *p, unsigned i);

#endif
