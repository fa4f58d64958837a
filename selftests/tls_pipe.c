// SPDX-License-Identifier: GPL-2.0
/*
 * tls_pipe: a TLS client for the ktix-proxy tests, on OpenSSL.
 *
 *	tls_pipe [-2|-3] [-i SESS] [-o SESS] [-R|-S SECS|-D SECS] HOST PORT
 *		< up > down
 *
 * Connects, makes a TLS handshake (server name "localhost", no
 * verification; -2/-3 pins TLS 1.2/1.3; -i resumes the session of a file
 * -o wrote), sends standard input, then ends its half with a close_notify
 * (SSL_shutdown once: RFC 8446 6.1 lets the server go on) and writes what
 * the server sends to standard output until the server's end.  With -R
 * it resets the connection (SO_LINGER 0) a second after sending instead.
 * With -S it is a client that reads nothing: a receive buffer of 4 KiB,
 * and after its close_notify it holds the connection SECS seconds
 * without reading, then exits (status 0); with -D, a slow reader, it
 * holds it so, then reads to the end as without.
 *
 * Standard error says "new" or "reused", then how the server's half
 * ended; the exit status says it too: 0 close_notify, 3 a FIN without
 * close_notify, 4 a reset, 5 a TLS error, 1 anything else.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static int tcp_connect(const char *host, const char *port, int rcvbuf)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd;

	if (getaddrinfo(host, port, &hints, &ai))
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	/* Before connect(2): the window offered follows it. */
	if (fd >= 0 && rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static int send_all(SSL *ssl)
{
	char buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
		size_t done = 0;

		while (done < n) {
			int w = SSL_write(ssl, buf + done, (int)(n - done));

			if (w <= 0)
				return -1;
			done += (size_t)w;
		}
	}
	return 0;
}

/* Reads to the server's end: the exit status, as the header says. */
static int read_all(SSL *ssl)
{
	char buf[65536];

	for (;;) {
		int n = SSL_read(ssl, buf, sizeof(buf));

		if (n > 0) {
			fwrite(buf, 1, (size_t)n, stdout);
			continue;
		}
		switch (SSL_get_error(ssl, n)) {
		case SSL_ERROR_ZERO_RETURN:
			fprintf(stderr, "close_notify\n");
			return 0;
		case SSL_ERROR_SYSCALL:
			if (errno == ECONNRESET) {
				fprintf(stderr, "reset\n");
				return 4;
			}
			fprintf(stderr, "eof without close_notify\n");
			return 3;
		default:
			/* OpenSSL 3 reports a FIN without close_notify so. */
			if (ERR_GET_REASON(ERR_peek_error()) ==
			    SSL_R_UNEXPECTED_EOF_WHILE_READING) {
				fprintf(stderr, "eof without close_notify\n");
				return 3;
			}
			if (errno == ECONNRESET) {
				fprintf(stderr, "reset\n");
				return 4;
			}
			fprintf(stderr, "tls error: ");
			ERR_print_errors_fp(stderr);
			return 5;
		}
	}
}

int main(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	int version = 0, opt, fd, rc, stall = 0, delay = 0;
	bool reset = false;
	SSL_SESSION *sess = NULL;
	SSL_CTX *ctx;
	SSL *ssl;
	FILE *f;

	while ((opt = getopt(argc, argv, "23i:o:RS:D:")) != -1) {
		switch (opt) {
		case '2':
			version = TLS1_2_VERSION;
			break;
		case '3':
			version = TLS1_3_VERSION;
			break;
		case 'i':
			in = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'R':
			reset = true;
			break;
		case 'S':
			stall = atoi(optarg);
			if (stall <= 0)
				return 1;
			break;
		case 'D':
			delay = atoi(optarg);
			if (delay <= 0)
				return 1;
			break;
		default:
			return 1;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: tls_pipe [-2|-3] [-i SESS] [-o SESS] [-R|-S SECS|-D SECS] HOST PORT\n");
		return 1;
	}
	/* A write to a reset connection is an error to report, not a death. */
	signal(SIGPIPE, SIG_IGN);
	ctx = SSL_CTX_new(TLS_client_method());
	if (version) {
		SSL_CTX_set_min_proto_version(ctx, version);
		SSL_CTX_set_max_proto_version(ctx, version);
	}
	ssl = SSL_new(ctx);
	if (in) {
		f = fopen(in, "r");
		sess = f ? PEM_read_SSL_SESSION(f, NULL, NULL, NULL) : NULL;
		if (f)
			fclose(f);
		if (!sess || !SSL_set_session(ssl, sess)) {
			fprintf(stderr, "%s: no session\n", in);
			return 1;
		}
	}
	fd = tcp_connect(argv[optind], argv[optind + 1], stall || delay ? 4096 : 0);
	if (fd < 0) {
		perror("connect");
		return 1;
	}
	SSL_set_fd(ssl, fd);
	SSL_set_tlsext_host_name(ssl, "localhost");
	if (SSL_connect(ssl) != 1) {
		fprintf(stderr, "handshake: ");
		ERR_print_errors_fp(stderr);
		rc = 5;
		goto out;
	}
	fprintf(stderr, "%s %s\n", SSL_session_reused(ssl) ? "reused" : "new",
		SSL_get_version(ssl));
	if (send_all(ssl)) {
		fprintf(stderr, "send failed\n");
		rc = 1;
		goto out;
	}
	if (reset) {
		struct linger l = { .l_onoff = 1, .l_linger = 0 };

		/*
		 * A reset that overtakes the server's hand-off would end the
		 * handshake, not the relay: a second for the bytes to pass.
		 */
		sleep(1);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		fprintf(stderr, "reset sent\n");
		rc = 0;
		goto out;
	}
	SSL_shutdown(ssl);
	if (stall) {
		fprintf(stderr, "holding the connection %d s, reading nothing\n",
			stall);
		sleep((unsigned int)stall);
		rc = 0;
		goto out;
	}
	if (delay)
		sleep((unsigned int)delay);
	rc = read_all(ssl);
	fflush(stdout);
	if (out) {
		SSL_SESSION_free(sess);
		sess = SSL_get1_session(ssl);
		f = fopen(out, "w");
		if (!sess || !f || !PEM_write_SSL_SESSION(f, sess)) {
			fprintf(stderr, "%s: session not written\n", out);
			rc = 1;
		}
		if (f)
			fclose(f);
	}
out:
	SSL_free(ssl);
	SSL_SESSION_free(sess);
	SSL_CTX_free(ctx);
	close(fd);
	return rc;
}
