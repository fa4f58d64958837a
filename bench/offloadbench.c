// SPDX-License-Identifier: GPL-2.0
/*
 * offloadbench: the cost of one KTIX_CMD_OFFLOAD against the three
 * setsockopt(2) calls it replaces (TCP_ULP "tls", TLS_TX, TLS_RX).
 *
 *   offloadbench [-n ROUNDS]
 *   offloadbench -t THREADS [-n ROUNDS]
 *
 * Each round makes a fresh loopback TCP pair (not timed) and installs
 * AES-GCM-128 keys on one end, alternately through ktix and through
 * setsockopt, and times only that, after a few rounds of each untimed.
 * kTLS takes any key: no handshake is needed to measure the installation.
 *
 * With -t, the rate instead: THREADS threads, each with its own netlink
 * socket and ROUNDS loopback pairs made beforehand, offload at once; the
 * offloads per second over the wall-clock time from the first to the
 * last (the genetlink mutex, or its absence, shows here).
 *
 * Prints "key value" lines.  Needs CAP_NET_ADMIN, the tls module and ktix.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/tls.h>

#include "ktix_nl.h"
#include "ktix_tls.h"
#include "../selftests/lib/tls_pair.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static struct ktix_tls_keys k = {
	.version = TLS_1_3_VERSION, .cipher = TLS_CIPHER_AES_GCM_128,
	.tx = { .key_len = 16, .iv_len = 8, .salt_len = 4 },
	.rx = { .key_len = 16, .iv_len = 8, .salt_len = 4 },
};

struct worker {
	pthread_t thread;
	int n, *fds, err;
	struct ktix_nl *nl;
};

static pthread_barrier_t go;

static void *offload_all(void *arg)
{
	struct worker *w = arg;
	int i;

	pthread_barrier_wait(&go);
	for (i = 0; i < w->n && !w->err; i++)
		w->err = ktix_nl_offload(w->nl, w->fds[2 * i + 1], &k,
					 KTIX_OFFLOAD_KIND_FULL);
	pthread_barrier_wait(&go);
	return NULL;
}

/* -t: THREADS offloading at once, the rate. */
static int rate(int threads, int n)
{
	struct worker w[16];
	double t0, t1;
	int i, j, err = 0;

	struct rlimit nofile = { 65536, 65536 };

	if (threads < 1 || threads > 16)
		return 2;
	/* Two descriptors a pair, every pair made beforehand. */
	if (setrlimit(RLIMIT_NOFILE, &nofile))
		perror("offloadbench: RLIMIT_NOFILE");
	/* gcm(aes) is made and self-tested at its first use: not timed. */
	for (i = 0; i < 4; i++) {
		struct ktix_nl *nl;
		int c, s;

		if (ktix_nl_open(&nl) || tls_pair_tcp(&c, &s))
			return 1;
		ktix_nl_offload(nl, s, &k, KTIX_OFFLOAD_KIND_FULL);
		close(c);
		close(s);
		ktix_nl_close(nl);
	}
	pthread_barrier_init(&go, NULL, (unsigned int)threads + 1);
	for (i = 0; i < threads; i++) {
		w[i] = (struct worker) { .n = n };
		w[i].fds = calloc(2 * (size_t)n, sizeof(int));
		if (!w[i].fds || ktix_nl_open(&w[i].nl))
			return 1;
		for (j = 0; j < n; j++)
			if (tls_pair_tcp(&w[i].fds[2 * j], &w[i].fds[2 * j + 1])) {
				perror("offloadbench: loopback pair");
				return 1;
			}
		pthread_create(&w[i].thread, NULL, offload_all, &w[i]);
	}
	pthread_barrier_wait(&go);
	t0 = now_us();
	pthread_barrier_wait(&go);
	t1 = now_us();
	for (i = 0; i < threads; i++) {
		pthread_join(w[i].thread, NULL);
		if (w[i].err) {
			fprintf(stderr, "offloadbench: KTIX_CMD_OFFLOAD: %s\n",
				strerror(-w[i].err));
			err = 1;
		}
		for (j = 0; j < 2 * n; j++)
			close(w[i].fds[j]);
		free(w[i].fds);
		ktix_nl_close(w[i].nl);
	}
	printf("threads %d\n", threads);
	printf("offloads %d\n", threads * n);
	printf("offloads_per_s %.0f\n", threads * n / ((t1 - t0) / 1e6));
	return err;
}

int main(int argc, char **argv)
{
	double t_ktix = 0, t_sso = 0, t0;
	int n = 2000, threads = 0, i, c, s, err, opt;
	struct ktix_nl *nl;

	while ((opt = getopt(argc, argv, "n:t:h")) != -1) {
		if (opt == 'n') {
			n = atoi(optarg);
		} else if (opt == 't') {
			threads = atoi(optarg);
		} else {
			fprintf(stderr, "usage: offloadbench [-t THREADS] [-n ROUNDS]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	memset(k.tx.key, 0x11, 16);
	memset(k.rx.key, 0x22, 16);
	if (threads)
		return n < 1 ? 2 : rate(threads, n);
	if (n < 1 || ktix_nl_open(&nl)) {
		fprintf(stderr, "offloadbench: bad rounds, or no ktix module\n");
		return 1;
	}
	/*
	 * The first rounds, not timed: the kernel instantiates and self-tests
	 * gcm(aes) on first use, seconds under emulation, and whichever method
	 * came first would pay for it.
	 */
	for (i = -4; i < 2 * n; i++) {
		if (tls_pair_tcp(&c, &s)) {
			perror("offloadbench: loopback pair");
			return 1;
		}
		t0 = now_us();
		err = i & 1 ? tls_pair_setsockopt(s, &k) :
			      ktix_nl_offload(nl, s, &k, KTIX_OFFLOAD_KIND_FULL);
		if (i >= 0 && (i & 1))
			t_sso += now_us() - t0;
		else if (i >= 0)
			t_ktix += now_us() - t0;
		if (err) {
			fprintf(stderr, "offloadbench: %s: %s %s\n",
				i & 1 ? "setsockopt" : "KTIX_CMD_OFFLOAD",
				strerror(-err), ktix_nl_errmsg(nl));
			return 1;
		}
		close(c);
		close(s);
	}
	printf("rounds %d\n", n);
	printf("offload_us %.1f\n", t_ktix / n);
	printf("setsockopt_us %.1f\n", t_sso / n);
	printf("offload_over_setsockopt %.2f\n", t_ktix / t_sso);
	ktix_nl_close(nl);
	return 0;
}
