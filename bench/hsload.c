// SPDX-License-Identifier: GPL-2.0
/*
 * hsload: a TLS handshake load generator on OpenSSL, for the end-to-end
 * tests and the benchmarks.
 *
 * Keeps CONC connections open at once, N in all, in one process and one
 * epoll set: each connects, completes a handshake (full, or resumed from
 * one session taken by a first full handshake), sends an HTTP/1.1 GET with
 * "Connection: close", reads the answer to its end and closes.  Prints
 * "key value" lines; exits 1 if any connection failed, or, when resuming,
 * if any was not resumed.
 *
 * With -T (the fault tests) it runs for -t seconds instead, prints a line
 * a second (connections ended, resumed, failed in that second), and fails
 * only if a connection stayed open past the -w deadline (a hang): failures
 * and full handshakes are what such a test measures.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

enum phase { CONNECTING, HANDSHAKE, WRITING, READING };

struct conn {
	int fd;
	SSL *ssl;
	enum phase phase;
	size_t sent;
	size_t got;
	double deadline;
	struct conn *next, *prev;	/* every open connection */
};

static struct {
	const char *host, *path;
	int port, version, conc, total;
	bool resume, no_ticket, timeline;
	int timeout_s, wait_ms;
} opt = {
	.host = "127.0.0.1", .path = "/", .port = 8443,
	.version = TLS1_3_VERSION, .conc = 50, .total = 200, .timeout_s = 60,
	.wait_ms = 30000,
};

#define MAX_SECONDS	3600

static SSL_CTX *ctx;
static SSL_SESSION *session;
static char request[512];
static int epfd, started, done, failed, resumed, body_missing, hung;
static struct conn open_conns = { .next = &open_conns, .prev = &open_conns };
static double t_start;
/* -T: by second of the run, what ended then. */
static struct { int done, resumed, failed; } per_s[MAX_SECONDS];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void conn_end(struct conn *c, bool ok)
{
	double t = now() - t_start;
	int sec = t < 0 ? 0 : t >= MAX_SECONDS ? MAX_SECONDS - 1 : (int)t;

	per_s[sec].done++;
	per_s[sec].resumed += ok && SSL_session_reused(c->ssl);
	per_s[sec].failed += !ok;
	if (ok && opt.resume && !opt.timeline && !SSL_session_reused(c->ssl))
		ok = false;
	if (ok && !c->got)
		body_missing++;
	if (ok && SSL_session_reused(c->ssl))
		resumed++;
	if (!ok) {
		char buf[256];

		ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
		if (failed < 5)
			fprintf(stderr, "hsload: connection failed in phase %d%s%s\n",
				c->phase, SSL_session_reused(c->ssl) ||
				!opt.resume ? ": " : ": not resumed: ", buf);
		failed++;
	}
	if (!session && ok)
		session = SSL_get1_session(c->ssl);
	/* A clean end: OpenSSL keeps a session resumable only after one. */
	if (ok)
		SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	done++;
	c->prev->next = c->next;
	c->next->prev = c->prev;
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	SSL_free(c->ssl);
	close(c->fd);
	free(c);
}

static void conn_want(struct conn *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e);
}

/* Runs c as far as it goes without blocking. */
static void conn_step(struct conn *c)
{
	char buf[16384];
	int r = 0, e;

	for (;;) {
		switch (c->phase) {
		case CONNECTING: {
			int err = 0;
			socklen_t len = sizeof(err);

			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
			if (err) {
				conn_end(c, false);
				return;
			}
			c->phase = HANDSHAKE;
			continue;
		}
		case HANDSHAKE:
			r = SSL_connect(c->ssl);
			if (r == 1) {
				c->phase = WRITING;
				continue;
			}
			break;
		case WRITING:
			r = SSL_write(c->ssl, request + c->sent,
				      (int)(strlen(request) - c->sent));
			if (r > 0) {
				c->sent += (size_t)r;
				if (c->sent == strlen(request))
					c->phase = READING;
				continue;
			}
			break;
		case READING:
			r = SSL_read(c->ssl, buf, sizeof(buf));
			if (r > 0) {
				c->got += (size_t)r;
				continue;
			}
			e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_ZERO_RETURN ||
			    (e == SSL_ERROR_SYSCALL && c->got)) {
				conn_end(c, true);
				return;
			}
			break;
		}
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ) {
			conn_want(c, EPOLLIN);
		} else if (e == SSL_ERROR_WANT_WRITE) {
			conn_want(c, EPOLLOUT);
		} else {
			conn_end(c, false);
		}
		return;
	}
}

static int conn_start(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct epoll_event e = { .events = EPOLLOUT };
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	sin.sin_port = htons((uint16_t)opt.port);
	inet_pton(AF_INET, opt.host, &sin.sin_addr);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	c->ssl = SSL_new(ctx);
	if (c->fd < 0 || !c->ssl) {
		free(c);
		return -1;
	}
	SSL_set_fd(c->ssl, c->fd);
	SSL_set_tlsext_host_name(c->ssl, "localhost");
	if (opt.resume && session && opt.timeline) {
		/*
		 * A copy each: OpenSSL makes the session of a connection
		 * that ends in a fatal alert not resumable, and faults are
		 * what -T is for.
		 */
		SSL_SESSION *copy = SSL_SESSION_dup(session);

		SSL_set_session(c->ssl, copy);
		SSL_SESSION_free(copy);
	} else if (opt.resume && session) {
		SSL_set_session(c->ssl, session);
	}
	c->deadline = now() + opt.wait_ms / 1e3;
	c->next = &open_conns;
	c->prev = open_conns.prev;
	open_conns.prev->next = c;
	open_conns.prev = c;
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
	    errno != EINPROGRESS) {
		started++;
		conn_end(c, false);
		return 0;
	}
	e.data.ptr = c;
	epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &e);
	started++;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: hsload [-p PORT] [-a ADDR] [-n TOTAL] [-c CONC] [-2|-3] [-r] [-s]\n"
"              [-u PATH] [-t SECONDS] [-T] [-w MS]\n"
"  -n TOTAL   connections in all (default 200)\n"
"  -c CONC    connections open at once (default 50)\n"
"  -2, -3     TLS 1.2 or 1.3 (default 1.3)\n"
"  -r         resume: a first full handshake gives the session all resume\n"
"  -s         TLS 1.2 session IDs only (no tickets)\n"
"  -u PATH    what to GET (default /)\n"
"  -t SECONDS give up after this long (default 60)\n"
"  -T         run -t seconds, print a line a second, fail only on a hang\n"
"  -w MS      a connection open this long hangs: closed, counted (30000)\n");
}

int main(int argc, char **argv)
{
	double t0, t1, deadline;
	int o, i;

	while ((o = getopt(argc, argv, "p:a:n:c:23rsu:t:Tw:h")) != -1) {
		switch (o) {
		case 'p': opt.port = atoi(optarg); break;
		case 'a': opt.host = optarg; break;
		case 'n': opt.total = atoi(optarg); break;
		case 'c': opt.conc = atoi(optarg); break;
		case '2': opt.version = TLS1_2_VERSION; break;
		case '3': opt.version = TLS1_3_VERSION; break;
		case 'r': opt.resume = true; break;
		case 's': opt.no_ticket = true; break;
		case 'u': opt.path = optarg; break;
		case 't': opt.timeout_s = atoi(optarg); break;
		case 'T': opt.timeline = true; break;
		case 'w': opt.wait_ms = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (opt.timeline)
		opt.total = INT32_MAX;
	if (opt.total < 1 || opt.conc < 1 || opt.wait_ms < 1 ||
	    opt.timeout_s < 1 || opt.timeout_s > MAX_SECONDS) {
		usage(stderr);
		return 2;
	}
	/* A server that goes away mid-write is a failed connection. */
	signal(SIGPIPE, SIG_IGN);
	snprintf(request, sizeof(request),
		 "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
		 opt.path);
	ctx = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(ctx, opt.version);
	SSL_CTX_set_max_proto_version(ctx, opt.version);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (opt.no_ticket)
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	epfd = epoll_create1(EPOLL_CLOEXEC);

	/* The session to resume: one full handshake, alone. */
	if (opt.resume) {
		bool was = opt.resume;

		opt.resume = false;
		conn_start();
		while (!done) {
			struct epoll_event ev[1];

			if (epoll_wait(epfd, ev, 1, 1000) == 1)
				conn_step(ev[0].data.ptr);
		}
		opt.resume = was;
		if (!session || failed) {
			fprintf(stderr, "hsload: the first handshake failed\n");
			return 1;
		}
		started = done = resumed = 0;
		memset(per_s, 0, sizeof(per_s));
	}

	t0 = t_start = now();
	deadline = t0 + opt.timeout_s;
	while (done < opt.total && now() < deadline) {
		struct epoll_event ev[64];
		int n, i;

		while (started < opt.total && started - done < opt.conc)
			if (conn_start())
				break;
		n = epoll_wait(epfd, ev, 64, 100);
		for (i = 0; i < n; i++)
			conn_step(ev[i].data.ptr);
		while (open_conns.next != &open_conns &&
		       open_conns.next->deadline < now()) {
			fprintf(stderr, "hsload: a connection hung for %d ms in phase %d\n",
				opt.wait_ms, open_conns.next->phase);
			hung++;
			conn_end(open_conns.next, false);
		}
	}
	t1 = now();
	if (opt.timeline) {
		for (i = 0; i < (int)(t1 - t0) && i < MAX_SECONDS; i++)
			printf("second %d: ended %d resumed %d failed %d\n", i,
			       per_s[i].done, per_s[i].resumed, per_s[i].failed);
		printf("completed %d\nfailed %d\nresumed %d\nhung %d\n", done,
		       failed, resumed, hung);
		return hung ? 1 : 0;
	}
	printf("connections %d\n", opt.total);
	printf("concurrency %d\n", opt.conc);
	printf("version %s\n", opt.version == TLS1_3_VERSION ? "1.3" : "1.2");
	printf("mode %s\n", opt.resume ? (opt.no_ticket ? "session_id" :
		opt.version == TLS1_3_VERSION ? "psk" : "ticket") : "full");
	printf("completed %d\n", done);
	printf("failed %d\n", failed);
	printf("resumed %d\n", resumed);
	printf("seconds %.3f\n", t1 - t0);
	printf("handshakes_per_s %.1f\n", (double)(done - failed) / (t1 - t0));
	SSL_SESSION_free(session);
	SSL_CTX_free(ctx);
	if (done < opt.total)
		fprintf(stderr, "hsload: %d connections did not finish in %ds\n",
			opt.total - done, opt.timeout_s);
	return failed || done < opt.total || body_missing ||
	       (opt.resume && resumed != opt.total) ? 1 : 0;
}
