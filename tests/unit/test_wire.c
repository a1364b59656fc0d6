/* Unit tests of the orderly stop of a wire server (lib/wire.c): the requests in hand when it stops
 * taking new ones are answered and their replies reach the client; a request sent after that is
 * not taken; the drain gives up at its deadline and says what was left. A REP server and REQ
 * clients in this process, over ipc:// (the transports that write through the kernel, as tcp://
 * does) and inproc://; the handler holds each request at a gate the test opens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wire.h"

#include <errno.h>
#include <nng/nng.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static unsigned entered; /* requests the handler has taken */
static int gate_open;

/* Echoes the request once the gate is open; "garbage" is dropped without an answer. */
static int gated_echo(void *arg, const uint8_t *req, size_t len, uint8_t **reply, size_t *rlen)
{
	(void)arg;
	pthread_mutex_lock(&gate_mu);
	entered++;
	pthread_cond_broadcast(&gate_cv);
	while (!gate_open)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
	if (len == 7 && !memcmp(req, "garbage", 7))
		return -1;
	*reply = malloc(len ? len : 1);
	if (!*reply)
		return -1;
	memcpy(*reply, req, len);
	*rlen = len;
	return 0;
}

static void gate_reset(void)
{
	pthread_mutex_lock(&gate_mu);
	entered = 0;
	gate_open = 0;
	pthread_mutex_unlock(&gate_mu);
}

static void gate_set_open(void)
{
	pthread_mutex_lock(&gate_mu);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

/* Waits (at most 5 s) until the handler has taken n requests; returns how many it took. */
static unsigned wait_entered(unsigned n)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&gate_mu);
	while (entered < n && pthread_cond_timedwait(&gate_cv, &gate_mu, &until) != ETIMEDOUT)
		;
	unsigned got = entered;
	pthread_mutex_unlock(&gate_mu);
	return got;
}

static unsigned entered_now(void)
{
	pthread_mutex_lock(&gate_mu);
	unsigned n = entered;
	pthread_mutex_unlock(&gate_mu);
	return n;
}

struct call {
	wire_client *client;
	const char *req;
	pthread_t thread;
	int rv;
	char reply[64];
};

static void *call_main(void *p)
{
	struct call *c = p;
	uint8_t *reply = NULL;
	size_t len = 0;
	char err[256];
	c->rv = wire_call(c->client, (const uint8_t *)c->req, strlen(c->req), &reply, &len, err,
	                  sizeof err);
	if (!c->rv)
		snprintf(c->reply, sizeof c->reply, "%.*s", (int)len, (const char *)reply);
	free(reply);
	return NULL;
}

static void call_start(struct call *c, wire_client *client, const char *req)
{
	c->client = client;
	c->req = req;
	c->rv = -1;
	c->reply[0] = '\0';
	assert_int_equal(pthread_create(&c->thread, NULL, call_main, c), 0);
}

static void ipc_url(char *url, size_t len, const char *what)
{
	snprintf(url, len, "ipc:///tmp/cchc-test-wire-%ld-%s", (long)getpid(), what);
}

/* Two requests in hand at the stop (one of them undecodable), one sent after it: the two are
 * finished and the good one's reply reaches its client; the third is never taken. */
static void test_drain_answers_requests_in_hand(void **state)
{
	(void)state;
	char url[128], err[256];
	wire_server *s;
	wire_client *c;
	struct call a, bad, late;
	wire_drain d;

	gate_reset();
	ipc_url(url, sizeof url, "drain");
	assert_int_equal(wire_server_start(url, 1 << 16, 2, gated_echo, NULL, &s, err, sizeof err),
	                 0);
	/* 1.5 s: the calls that get no answer end by timing out */
	assert_int_equal(wire_client_open(url, 1 << 16, 1500, &c, err, sizeof err), 0);
	call_start(&a, c, "first");
	call_start(&bad, c, "garbage");
	assert_int_equal(wait_entered(2), 2);

	assert_int_equal(wire_server_quiesce(s), 2);
	call_start(&late, c, "late");
	gate_set_open();
	assert_int_equal(wire_server_drain(s, 5000, &d), 0);
	assert_int_equal(d.in_hand, 2);
	assert_int_equal(d.answered, 1);
	assert_int_equal(d.dropped, 1);
	assert_int_equal(d.unsent, 0);
	assert_int_equal(d.unwritten, 0);
	/* The reply was written and the connection kept open for it: the client has it. */
	assert_int_equal(pthread_join(a.thread, NULL), 0);
	assert_int_equal(a.rv, 0);
	assert_string_equal(a.reply, "first");
	/* Every worker has ended: the late request was not taken and never will be. */
	assert_int_equal(entered_now(), 2);

	wire_server_stop(s);
	assert_int_equal(pthread_join(bad.thread, NULL), 0);
	assert_int_equal(pthread_join(late.thread, NULL), 0);
	assert_int_equal(bad.rv, NNG_ETIMEDOUT);
	assert_int_equal(late.rv, NNG_ETIMEDOUT);
	assert_int_equal(entered_now(), 2);
	wire_client_close(c);
}

/* A request that is not finished by the deadline: the drain says so at the deadline, and
 * stopping the server then waits for the worker. */
static void test_drain_deadline(void **state)
{
	(void)state;
	char url[128], err[256];
	wire_server *s;
	wire_client *c;
	struct call a;
	wire_drain d;
	struct timespec t0, t1;

	gate_reset();
	ipc_url(url, sizeof url, "deadline");
	assert_int_equal(wire_server_start(url, 1 << 16, 1, gated_echo, NULL, &s, err, sizeof err),
	                 0);
	assert_int_equal(wire_client_open(url, 1 << 16, 1500, &c, err, sizeof err), 0);
	call_start(&a, c, "slow");
	assert_int_equal(wait_entered(1), 1);
	assert_int_equal(wire_server_quiesce(s), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(wire_server_drain(s, 200, &d), NNG_ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 190 && ms < 3000);
	assert_int_equal(d.in_hand, 1);
	assert_int_equal(d.answered, 0);
	gate_set_open();
	wire_server_stop(s);
	assert_int_equal(pthread_join(a.thread, NULL), 0);
	/* answered after the deadline (if the worker beat the close) or not at all: either way the
	 * call has ended, and an unanswered one is sent again by its client */
	assert_true(a.rv == 0 || a.rv == NNG_ETIMEDOUT);
	wire_client_close(c);
}

/* An idle server stops at once, over inproc:// too (nothing to wait for there). */
static void test_drain_idle(void **state)
{
	(void)state;
	char err[256];
	wire_server *s;
	wire_client *c;
	struct call a;
	wire_drain d;

	gate_reset();
	gate_set_open();
	assert_int_equal(wire_server_start("inproc://cchc-test-wire", 1 << 16, 3, gated_echo, NULL,
	                                   &s, err, sizeof err),
	                 0);
	assert_int_equal(
	    wire_client_open("inproc://cchc-test-wire", 1 << 16, 5000, &c, err, sizeof err), 0);
	call_start(&a, c, "before");
	assert_int_equal(pthread_join(a.thread, NULL), 0);
	assert_int_equal(a.rv, 0);
	assert_string_equal(a.reply, "before");
	/* The client has its reply; the worker may still be between handing it to nng and taking
	 * the next request (a loaded machine), and then it is in hand, already answered. */
	unsigned held = wire_server_quiesce(s);
	assert_true(held <= 1);
	assert_int_equal(wire_server_drain(s, 5000, &d), 0);
	assert_int_equal(d.in_hand, held);
	assert_int_equal(d.answered, held);
	assert_int_equal(d.dropped, 0);
	assert_int_equal(d.unsent, 0);
	wire_server_stop(s);
	wire_client_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drain_answers_requests_in_hand),
	    cmocka_unit_test(test_drain_deadline),
	    cmocka_unit_test(test_drain_idle),
	};
	return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
