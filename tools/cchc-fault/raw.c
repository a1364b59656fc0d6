/* raw: plain TCP for cchc-fault's junk (see raw.h): everything a well-behaved client library
 * would never do to a server, with deadlines so that a server that hangs is caught, not waited
 * for. */
#include "raw.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int raw_fail(raw_peer *p, const char *fmt, ...)
{
	char msg[sizeof p->err]; /* the arguments may include p->err itself: "%s (more)" */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	memcpy(p->err, msg, sizeof msg);
	return -1;
}

int raw_peer_init(raw_peer *p, const char *url, const char *const *schemes, size_t nschemes,
                  size_t *scheme, unsigned timeout_ms, uint64_t seed)
{
	const char *rest = NULL, *colon;
	char host[64];
	memset(p, 0, sizeof *p);
	p->timeout_ms = timeout_ms;
	p->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	for (size_t k = 0; k < nschemes && !rest; k++)
		if (!strncmp(url, schemes[k], strlen(schemes[k]))) {
			rest = url + strlen(schemes[k]);
			*scheme = k;
		}
	if (!rest)
		return raw_fail(p, "%s: not of the form %sHOST:PORT", url, schemes[0]);
	colon = strrchr(rest, ':');
	if (!colon || (size_t)(colon - rest) >= sizeof host)
		return raw_fail(p, "%s: no port", url);
	memcpy(host, rest, (size_t)(colon - rest));
	host[colon - rest] = '\0';
	long port = strtol(colon + 1, NULL, 10);
	p->addr.sin_family = AF_INET;
	p->addr.sin_port = htons((uint16_t)port);
	if (port <= 0 || port > 65535 ||
	    inet_pton(AF_INET, strcmp(host, "localhost") ? host : "127.0.0.1", &p->addr.sin_addr) !=
	        1)
		return raw_fail(p, "%s: not a numeric IPv4 address and port", url);
	if ((ntohl(p->addr.sin_addr.s_addr) >> 24) != 127)
		return raw_fail(p, "%s: junk goes to loopback only", url);
	return 0;
}

double raw_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

uint64_t raw_rnd(raw_peer *p) /* xorshift64*: reproducible from --seed */
{
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return p->rng * 2685821657736338717ULL;
}

unsigned raw_rnd_below(raw_peer *p, unsigned n)
{
	return n ? (unsigned)(raw_rnd(p) % n) : 0;
}

void raw_rnd_fill(raw_peer *p, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(raw_rnd(p) >> 56);
}

int raw_connect(raw_peer *p, const char *src, int *fd)
{
	*fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return raw_fail(p, "socket: %s", strerror(errno));
	int one = 1;
	setsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/* a server that stops reading without closing must not block a send for ever */
	struct timeval tv = {.tv_sec = p->timeout_ms / 1000,
	                     .tv_usec = (suseconds_t)(p->timeout_ms % 1000) * 1000};
	setsockopt(*fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (src) {
		struct sockaddr_in from = {.sin_family = AF_INET};
		if (inet_pton(AF_INET, src, &from.sin_addr) != 1 ||
		    bind(*fd, (struct sockaddr *)&from, sizeof from)) {
			int e = errno;
			close(*fd);
			*fd = -1;
			return raw_fail(p, "bind to %s: %s", src, strerror(e));
		}
	}
	if (connect(*fd, (struct sockaddr *)&p->addr, sizeof p->addr)) {
		int e = errno;
		close(*fd);
		*fd = -1;
		return raw_fail(p, "connect: %s (the listener refuses connections)", strerror(e));
	}
	return 0;
}

void raw_close(int fd, int reset)
{
	if (reset) {
		struct linger l = {.l_onoff = 1, .l_linger = 0};
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	}
	close(fd);
}

size_t raw_send(raw_peer *p, int fd, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	size_t sent = 0;
	while (len) {
		ssize_t n = send(fd, b, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p->bytes += (unsigned long long)n;
		sent += (size_t)n;
		b += n;
		len -= (size_t)n;
	}
	return sent;
}

/* Waits for something to read until `end`. 1 readable, 0 timed out. */
static int readable(int fd, double end)
{
	for (;;) {
		int left = (int)((end - raw_now()) * 1000);
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		if (left <= 0)
			return 0;
		int r = poll(&pf, 1, left);
		if (r > 0)
			return 1;
		if (r == 0 || errno != EINTR)
			return 0;
	}
}

int raw_read(raw_peer *p, int fd, uint8_t *buf, size_t len)
{
	double end = raw_now() + p->timeout_ms / 1000.0;
	while (len) {
		if (!readable(fd, end))
			return -1;
		ssize_t n = recv(fd, buf, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE)))
			return 1;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int raw_read_to_close(raw_peer *p, int fd, uint8_t *buf, size_t cap, size_t *got)
{
	double end = raw_now() + p->timeout_ms / 1000.0;
	uint8_t sink[4096];
	*got = 0;
	for (;;) {
		if (!readable(fd, end))
			return -1;
		uint8_t *into = *got < cap ? buf + *got : sink;
		size_t room = *got < cap ? cap - *got : sizeof sink;
		ssize_t n = recv(fd, into, room, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE)))
			return 0;
		if (n < 0)
			return -1;
		if (into != sink)
			*got += (size_t)n;
	}
}

int raw_expect_close(raw_peer *p, int fd, const char *what)
{
	uint8_t buf[256];
	size_t got;
	if (raw_read_to_close(p, fd, buf, sizeof buf, &got))
		return raw_fail(p, "the server kept the connection open for %u ms after %s",
		                p->timeout_ms, what);
	p->closed++;
	return 0;
}

int raw_send_expect_close(raw_peer *p, const void *buf, size_t len, const char *what)
{
	int fd;
	if (raw_connect(p, NULL, &fd))
		return -1;
	raw_send(p, fd, buf, len);
	int r = raw_expect_close(p, fd, what);
	raw_close(fd, 1);
	return r;
}

int raw_random_burst(raw_peer *p, unsigned i)
{
	uint8_t buf[2048];
	int fd;
	size_t len = 1 + raw_rnd_below(p, sizeof buf);
	if (raw_connect(p, NULL, &fd))
		return -1;
	raw_rnd_fill(p, buf, len);
	raw_send(p, fd, buf, len);
	raw_close(fd, i % 2);
	return 0;
}
