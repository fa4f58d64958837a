// SPDX-License-Identifier: GPL-2.0
/*
 * handoffbench: what a handshake costs in latency for going through ktixd.
 *
 *   handoffbench -S SOCKET -c CERT -k KEY [-n ROUNDS] [-K KIND]
 *
 * Each round makes a loopback TCP pair (not timed); a client thread runs
 * an OpenSSL handshake on one end.  On the other, timed from the start of
 * the server's side until its keys are in kTLS:
 *
 *   ktixd     ktix_handshake(): the socket to ktixd over its Unix socket,
 *             the handshake there, KTIX_CMD_OFFLOAD, the answer back;
 *   inproc    the same handshake in this process with OpenSSL, on a
 *             context loaded with the same certificate and suites, then
 *             the keys by setsockopt(2) (TCP_ULP, TLS_TX, TLS_RX).
 *
 * The two alternate round by round, so that drift in the machine's speed
 * falls on both.  Kinds: TLS 1.3 full, TLS 1.2 ticket, TLS 1.3 PSK; every
 * resumed round is checked to have resumed (the client sees it), and every
 * round to carry data both ways over the new kTLS socket (not timed).
 * With two CPUs or more, the server's side (this thread, or ktixd, which
 * the caller pins alike) runs on CPU 1 and the client on CPU 0.
 * Prints "key value" lines: medians and means in microseconds, and the
 * handoff's cost, their difference.  Runs in the test VM, ktixd started.
 */
#include <errno.h>
#include <sched.h>
#include <getopt.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ktix.h"
#include "ktix_tls.h"
#include "../selftests/lib/tls_pair.h"

enum { KTIXD, INPROC };

struct kind {
	const char *name;
	int version;
	bool resume;
};

static const struct kind kinds[] = {
	{ "tls13_full", TLS1_3_VERSION, false },
	{ "tls12_ticket", TLS1_2_VERSION, true },
	{ "tls13_psk", TLS1_3_VERSION, true },
};

struct client {
	SSL *ssl;
	int ret;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *client_main(void *arg)
{
	struct client *c = arg;

	pin(0);
	c->ret = SSL_connect(c->ssl);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The keys of a finished in-process handshake, by setsockopt(2). */
static int install(int fd, SSL *ssl)
{
	struct ktix_tls_keys k;
	int err = ktix_tls_keys(ssl, &k);

	if (err)
		return err;
	err = tls_pair_setsockopt(fd, &k);
	ktix_tls_keys_wipe(&k);
	return err;
}

/*
 * Data both ways over the kTLS socket; for TLS 1.3 the client's read also
 * takes in the server's tickets.  Returns the client's session, or NULL.
 */
static SSL_SESSION *exchange(SSL *cssl, int sfd)
{
	char buf[16];
	ssize_t n;

	if (SSL_write(cssl, "ping", 4) != 4)
		return NULL;
	n = ktix_ktls_recv(sfd, buf, sizeof(buf), 0);
	if (n != 4 || memcmp(buf, "ping", 4))
		return NULL;
	if (send(sfd, "pong", 4, 0) != 4)
		return NULL;
	if (SSL_read(cssl, buf, sizeof(buf)) != 4 || memcmp(buf, "pong", 4))
		return NULL;
	return SSL_get1_session(cssl);
}

/* One round: returns the server side's microseconds, or < 0. */
static double round_one(int how, const struct kind *k, SSL_CTX *cctx,
			SSL_CTX *sctx, struct ktix_client *kc,
			SSL_SESSION **sess, double *inside)
{
	struct client cl = { 0 };
	struct ktix_result res;
	SSL_SESSION *got;
	SSL *s = NULL;
	double t0, t = -1;
	pthread_t th;
	int c, fd, err = 0;

	if (tls_pair_tcp(&c, &fd))
		return -1;
	cl.ssl = SSL_new(cctx);
	if (!cl.ssl || !SSL_set_fd(cl.ssl, c) ||
	    (k->resume && *sess && !SSL_set_session(cl.ssl, *sess)) ||
	    pthread_create(&th, NULL, client_main, &cl)) {
		SSL_free(cl.ssl);
		close(c);
		close(fd);
		return -1;
	}
	t0 = now_us();
	if (how == KTIXD) {
		err = ktix_handshake(kc, fd, NULL, &res);
		*inside = res.usec;
		if (err)
			fprintf(stderr, "handoffbench: ktixd: %s\n", res.error);
	} else {
		s = SSL_new(sctx);
		if (!s || !SSL_set_fd(s, fd) || SSL_accept(s) != 1)
			err = -EPROTO;
		else
			err = install(fd, s);
		if (err)
			fprintf(stderr, "handoffbench: in process: %s\n",
				strerror(-err));
	}
	t = now_us() - t0;
	/* A client waiting on a server side that failed must not wait on. */
	if (err)
		shutdown(fd, SHUT_RDWR);
	pthread_join(th, NULL);
	if (!err && cl.ret != 1)
		err = -EPROTO;
	if (!err && k->resume && *sess && !SSL_session_reused(cl.ssl)) {
		fprintf(stderr, "handoffbench: %s did not resume\n", k->name);
		err = -EPROTO;
	}
	if (!err) {
		got = exchange(cl.ssl, fd);
		if (!got) {
			fprintf(stderr, "handoffbench: no data over kTLS\n");
			err = -EIO;
		} else if (k->resume && !*sess) {
			*sess = got;
		} else {
			SSL_SESSION_free(got);
		}
	}
	/* A clean end: OpenSSL keeps a session resumable only after one. */
	if (!err) {
		SSL_set_shutdown(cl.ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		if (s)
			SSL_set_shutdown(s, SSL_SENT_SHUTDOWN |
					 SSL_RECEIVED_SHUTDOWN);
	}
	SSL_free(s);
	SSL_free(cl.ssl);
	close(c);
	close(fd);
	return err ? -1 : t;
}

static SSL_CTX *server_ctx(const char *cert, const char *key, int version)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    !SSL_CTX_set_min_proto_version(ctx, version) ||
	    !SSL_CTX_set_max_proto_version(ctx, version) ||
	    !SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:"
				     "ECDHE-RSA-AES128-GCM-SHA256") ||
	    !SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") ||
	    !SSL_CTX_set1_groups_list(ctx, "X25519") ||
	    ktix_tls_ctx_init(ctx)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* As ktixd: no renegotiation, no compression, no early data. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
			    SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_max_early_data(ctx, 0);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"bench", 5);
	return ctx;
}

static SSL_CTX *client_ctx(int version)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx || !SSL_CTX_set_min_proto_version(ctx, version) ||
	    !SSL_CTX_set_max_proto_version(ctx, version) ||
	    !SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:"
				     "ECDHE-RSA-AES128-GCM-SHA256") ||
	    !SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") ||
	    !SSL_CTX_set1_groups_list(ctx, "X25519")) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: handoffbench -S SOCKET -c CERT -k KEY [-n ROUNDS] [-K KIND]\n"
		"KIND: tls13_full, tls12_ticket or tls13_psk (default: all three)\n");
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *cert = NULL, *key = NULL, *only = NULL;
	struct ktix_client *kc;
	unsigned int ki;
	int n = 300, opt, err;

	while ((opt = getopt(argc, argv, "S:c:k:n:K:h")) != -1) {
		switch (opt) {
		case 'S': sock = optarg; break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'K': only = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!sock || !cert || !key || n < 1) {
		usage(stderr);
		return 2;
	}
	err = ktix_client_open(sock, &kc);
	if (err) {
		fprintf(stderr, "handoffbench: ktixd at %s: %s\n", sock,
			strerror(-err));
		return 1;
	}
	pin(1);
	printf("rounds %d\n", n);
	for (ki = 0; ki < sizeof(kinds) / sizeof(kinds[0]); ki++) {
		const struct kind *k = &kinds[ki];
		SSL_CTX *sctx = server_ctx(cert, key, k->version);
		SSL_CTX *cctx = client_ctx(k->version);
		SSL_SESSION *sess[2] = { NULL, NULL };
		double *t[2], sum[2] = { 0, 0 }, *in, inside = 0;
		int i, how;

		if (only && strcmp(only, k->name))
			continue;
		t[0] = calloc((size_t)n, sizeof(double));
		t[1] = calloc((size_t)n, sizeof(double));
		in = calloc((size_t)n, sizeof(double));
		if (!sctx || !cctx || !t[0] || !t[1] || !in) {
			fprintf(stderr, "handoffbench: %s: %s\n", cert,
				"certificate, key or memory");
			return 1;
		}
		/* Untimed: a session to resume, and a warm-up of both. */
		for (i = -4; i < n; i++) {
			for (how = KTIXD; how <= INPROC; how++) {
				double us = round_one(how, k, cctx, sctx, kc,
						      &sess[how], &inside);

				if (us < 0)
					return 1;
				if (i >= 0 && how == KTIXD)
					in[i] = inside;
				if (i >= 0) {
					t[how][i] = us;
					sum[how] += us;
				}
			}
		}
		for (how = KTIXD; how <= INPROC; how++)
			qsort(t[how], (size_t)n, sizeof(double), cmp_double);
		qsort(in, (size_t)n, sizeof(double), cmp_double);
		printf("%s_ktixd_p50_us %.0f\n", k->name, t[KTIXD][n / 2]);
		printf("%s_inproc_p50_us %.0f\n", k->name, t[INPROC][n / 2]);
		/* ktixd's own count, from reading the request to answering. */
		printf("%s_ktixd_inside_p50_us %.0f\n", k->name, in[n / 2]);
		printf("%s_ktixd_mean_us %.0f\n", k->name, sum[KTIXD] / n);
		printf("%s_inproc_mean_us %.0f\n", k->name, sum[INPROC] / n);
		printf("%s_handoff_p50_us %.0f\n", k->name,
		       t[KTIXD][n / 2] - t[INPROC][n / 2]);
		printf("%s_ktixd_over_inproc %.2f\n", k->name,
		       t[KTIXD][n / 2] / t[INPROC][n / 2]);
		for (how = KTIXD; how <= INPROC; how++) {
			SSL_SESSION_free(sess[how]);
			free(t[how]);
		}
		free(in);
		SSL_CTX_free(sctx);
		SSL_CTX_free(cctx);
	}
	ktix_client_close(kc);
	return 0;
}
