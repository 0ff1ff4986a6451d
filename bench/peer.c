// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * peer.c - sg-peer: the benign client and server of the benchmark's live
 * test.  `server` accepts connections for a bounded time; `stream` measures
 * goodput (bytes the server received, over the time until it said so), `rr`
 * measures latency (64-byte request/response round trips).  Both time their
 * phase from the connection's establishment and report the connect time
 * apart: under a flood the handshake can lose a SYN and wait a second for
 * its retransmission, which would otherwise eat a short phase whole.  Every
 * socket has timeouts, so a flood that starves it ends the run, not the
 * machine.  Prints one JSON line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SECONDS	300
#define IO_TIMEOUT_S	5
#define RR_SIZE		64
#define MAX_SAMPLES	(1 << 22)

static void usage(FILE *f)
{
	fprintf(f,
"Usage: sg-peer server PORT SECONDS\n"
"       sg-peer stream ADDR PORT SECONDS\n"
"       sg-peer rr ADDR PORT SECONDS\n"
"server: accepts connections on PORT (all addresses, both families) for SECONDS.\n"
"stream: sends as much as it can for SECONDS; prints the goodput the server saw.\n"
"rr:     64-byte request/response round trips for SECONDS; prints their latency.\n");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void timeouts(int fd)
{
	struct timeval tv = { IO_TIMEOUT_S, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, (char *)buf + got, len - got);

		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	size_t put = 0;

	while (put < len) {
		ssize_t r = write(fd, (const char *)buf + put, len - put);

		if (r <= 0)
			return -1;
		put += r;
	}
	return 0;
}

/* ---- server ---------------------------------------------------------------- */

static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	static char buf[1 << 16];	/* sink data is discarded: sharing is fine */
	char mode, msg[RR_SIZE];
	uint64_t total = 0;
	ssize_t r;

	timeouts(fd);
	if (read_full(fd, &mode, 1) == 0) {
		if (mode == 'S') {
			while ((r = read(fd, buf, sizeof(buf))) > 0)
				total += r;
			if (r == 0)
				write_full(fd, &total, sizeof(total));
		} else if (mode == 'R') {
			while (read_full(fd, msg, sizeof(msg)) == 0 &&
			       write_full(fd, msg, sizeof(msg)) == 0)
				;
		}
	}
	close(fd);
	return NULL;
}

static int server(const char *port_s, double seconds)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = in6addr_any };
	int fd, one = 1, zero = 0;
	double end = now_s() + seconds;
	char *e;
	long port = strtol(port_s, &e, 10);

	if (*e || e == port_s || port < 1 || port > 65535) {
		fprintf(stderr, "sg-peer: PORT must be in 1..65535\n");
		return 2;
	}
	a.sin6_port = htons(port);
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 128)) {
		perror("sg-peer: server socket");
		return 1;
	}
	printf("{\"listening\":%d}\n", ntohs(a.sin6_port));
	fflush(stdout);
	while (now_s() < end) {
		struct pollfd p = { fd, POLLIN, 0 };
		pthread_t t;
		int c;

		if (poll(&p, 1, 200) <= 0)
			continue;
		c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		if (pthread_create(&t, NULL, serve, (void *)(long)c)) {
			close(c);
			continue;
		}
		pthread_detach(t);
	}
	close(fd);
	return 0;
}

/* ---- clients ---------------------------------------------------------------- */

static int dial(const char *addr, const char *port, char mode)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST }, *ai;
	int fd, one = 1;

	if (getaddrinfo(addr, port, &hints, &ai)) {
		fprintf(stderr, "sg-peer: bad address %s port %s\n", addr, port);
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd >= 0) {
		timeouts(fd);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) || write_full(fd, &mode, 1)) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	return fd;
}

static int stream(const char *addr, const char *port, double seconds)
{
	static char buf[1 << 16];
	double t0 = now_s(), t, connect_ms;
	uint64_t sent = 0, got = 0;
	int fd = dial(addr, port, 'S');

	if (fd < 0) {
		printf("{\"mode\":\"stream\",\"error\":\"connect failed\"}\n");
		return 1;
	}
	connect_ms = (now_s() - t0) * 1e3;
	t0 = now_s();
	while (now_s() - t0 < seconds) {
		ssize_t r = write(fd, buf, sizeof(buf));

		if (r <= 0)
			break;
		sent += r;
	}
	shutdown(fd, SHUT_WR);
	if (read_full(fd, &got, sizeof(got)))
		got = 0;	/* the server's count never came: report nothing delivered */
	t = now_s() - t0;
	close(fd);
	printf("{\"mode\":\"stream\",\"connect_ms\":%.1f,\"bytes\":%lu,\"sent\":%lu,"
	       "\"seconds\":%.3f,\"mbit_s\":%.1f}\n",
	       connect_ms, (unsigned long)got, (unsigned long)sent, t, got * 8 / t / 1e6);
	return got ? 0 : 1;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int rr(const char *addr, const char *port, double seconds)
{
	double *rtt = malloc(MAX_SAMPLES * sizeof(*rtt)), t0 = now_s(), sum = 0, connect_ms;
	char msg[RR_SIZE] = { 'x' };
	int fd = dial(addr, port, 'R');
	long n = 0, failed = 0;

	if (fd < 0 || !rtt) {
		printf("{\"mode\":\"rr\",\"error\":\"%s\"}\n", rtt ? "connect failed" : "no memory");
		if (fd >= 0)
			close(fd);
		free(rtt);
		return 1;
	}
	connect_ms = (now_s() - t0) * 1e3;
	t0 = now_s();
	while (now_s() - t0 < seconds && n < MAX_SAMPLES) {
		double t = now_s();

		if (write_full(fd, msg, sizeof(msg)) || read_full(fd, msg, sizeof(msg))) {
			failed = 1;
			break;
		}
		rtt[n] = (now_s() - t) * 1e6;
		sum += rtt[n++];
	}
	close(fd);
	qsort(rtt, n, sizeof(*rtt), cmp_d);
	if (!n) {
		printf("{\"mode\":\"rr\",\"error\":\"no round trip completed\"}\n");
		free(rtt);
		return 1;
	}
	printf("{\"mode\":\"rr\",\"connect_ms\":%.1f,\"transactions\":%ld,\"seconds\":%.3f,"
	       "\"mean_us\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"stalled\":%s}\n",
	       connect_ms, n, now_s() - t0, sum / n, rtt[n / 2], rtt[n * 9 / 10], rtt[n * 99 / 100],
	       failed ? "true" : "false");
	free(rtt);
	return 0;
}

int main(int argc, char **argv)
{
	double seconds;
	char *end;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (argc != (strcmp(argv[1], "server") ? 5 : 4)) {
		usage(stderr);
		return 2;
	}
	seconds = strtod(argv[argc - 1], &end);
	if (*end || !(seconds > 0 && seconds <= MAX_SECONDS)) {
		fprintf(stderr, "sg-peer: SECONDS must be in (0, %d]\n", MAX_SECONDS);
		return 2;
	}
	if (!strcmp(argv[1], "server"))
		return server(argv[2], seconds);
	if (!strcmp(argv[1], "stream"))
		return stream(argv[2], argv[3], seconds);
	if (!strcmp(argv[1], "rr"))
		return rr(argv[2], argv[3], seconds);
	usage(stderr);
	return 2;
}
