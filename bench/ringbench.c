// SPDX-License-Identifier: GPL-2.0
/*
 * ringbench: how long a key rotation takes to reach the ring mirror of
 * every helper.
 *
 * Starts N helper processes, each running ktixd's own mirror code (its
 * thread listens to the "ring" group and reads the ring, the policy and
 * the revocation set again on each notification).  Then, R times: note the
 * time, KEY_ROTATE, and wait until every helper's mirror holds the new
 * generation; each helper's latency is the time from before the rotation
 * to the end of its refresh (CLOCK_MONOTONIC, one clock for all).  Prints
 * "key value" lines: p50, p99 and max over all N x R latencies, in
 * microseconds, and the median of KEY_ROTATE's own round trip.  Needs the
 * module and CAP_NET_ADMIN.
 *
 * With -w the helpers only wait for the notification and report its
 * arrival, reading nothing: the floor under any mirror, what delivering
 * one multicast message to N processes costs.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ktix_nl.h"
#include "ktixd.h"

struct report {
	uint64_t generation;
	uint64_t ns;
};

static int report_fd;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void refreshed(uint64_t generation)
{
	struct report r = { .generation = generation, .ns = now_ns() };

	if (write(report_fd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
}

/* -w: a helper that reports each notification as it arrives. */
static void waiter(int fd)
{
	struct ktix_event ev;
	struct ktix_nl *nl;

	report_fd = fd;
	if (ktix_nl_open(&nl) || ktix_nl_subscribe(nl, KTIX_MCGRP_RING))
		_exit(1);
	refreshed(0);		/* ready */
	for (;;) {
		int err = ktix_nl_next_event(nl, -1, &ev);

		if (err == -ENOBUFS)
			continue;
		if (err)
			_exit(1);
		if (ev.cmd == KTIX_CMD_RING_NOTIFY)
			refreshed(ev.generation);
	}
}

static void helper(int fd)
{
	report_fd = fd;
	mirror_set_hook(refreshed);
	if (mirror_start())
		_exit(1);
	pause();		/* the mirror's thread does the work */
	_exit(0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = 4, rounds = 50, fds[2], opt, i, r, ready = 0;
	bool wait_only = false;
	uint64_t *lat, *rot, gen;
	struct ktix_nl *nl;
	pid_t *pids;
	size_t k = 0;

	while ((opt = getopt(argc, argv, "n:r:wh")) != -1) {
		switch (opt) {
		case 'n': n = atoi(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		case 'w': wait_only = true; break;
		default:
			fprintf(opt == 'h' ? stdout : stderr,
				"Usage: ringbench [-n HELPERS] [-r ROUNDS] [-w]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (n < 1 || rounds < 1 || pipe(fds) || ktix_nl_open(&nl)) {
		fprintf(stderr, "ringbench: set-up failed (is ktix loaded?)\n");
		return 1;
	}
	pids = calloc((size_t)n, sizeof(*pids));
	lat = calloc((size_t)n * (size_t)rounds, sizeof(*lat));
	rot = calloc((size_t)rounds, sizeof(*rot));
	if (!pids || !lat || !rot)
		return 1;
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(fds[0]);
			if (wait_only)
				waiter(fds[1]);
			helper(fds[1]);
		}
	}
	close(fds[1]);
	/* Each helper reports its first read of the ring. */
	while (ready < n) {
		struct report rep;

		if (read(fds[0], &rep, sizeof(rep)) != sizeof(rep)) {
			fprintf(stderr, "ringbench: a helper died\n");
			return 1;
		}
		ready++;
	}
	usleep(200000);
	for (r = 0; r < rounds; r++) {
		uint64_t t0 = now_ns();
		int got = 0;

		if (ktix_nl_key_rotate(nl, &gen)) {
			fprintf(stderr, "ringbench: KEY_ROTATE: %s\n", ktix_nl_errmsg(nl));
			return 1;
		}
		/* The rotation's own round trip, answer included. */
		rot[r] = (now_ns() - t0) / 1000;
		while (got < n) {
			struct report rep;

			if (read(fds[0], &rep, sizeof(rep)) != sizeof(rep)) {
				fprintf(stderr, "ringbench: a helper died\n");
				return 1;
			}
			if (rep.generation < gen)
				continue;	/* a refresh of before */
			lat[k++] = (rep.ns - t0) / 1000;
			got++;
		}
		usleep(20000);
	}
	for (i = 0; i < n; i++) {
		kill(pids[i], SIGTERM);
		waitpid(pids[i], NULL, 0);
	}
	qsort(lat, k, sizeof(*lat), cmp_u64);
	qsort(rot, (size_t)rounds, sizeof(*rot), cmp_u64);
	printf("helpers %d\n", n);
	printf("rounds %d\n", rounds);
	printf("p50_us %llu\n", (unsigned long long)lat[k / 2]);
	printf("p99_us %llu\n", (unsigned long long)lat[(k * 99) / 100 < k ? (k * 99) / 100 : k - 1]);
	printf("max_us %llu\n", (unsigned long long)lat[k - 1]);
	printf("rotate_p50_us %llu\n", (unsigned long long)rot[rounds / 2]);
	ktix_nl_close(nl);
	free(pids);
	free(lat);
	free(rot);
	return 0;
}
