// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-fleetd: one ticket-key ring and one revocation set for a fleet of
 * hosts, through etcd.  ktix-fleetd(8); Documentation/fleet.rst.
 *
 * One thread: a round each sync-interval (fleet.c), and in between the
 * module's revocation announcements (to etcd) and status requests.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "fleetd.h"
#include "ktix_nl.h"

bool use_syslog;
static volatile sig_atomic_t stop;

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(level, fmt, ap);
	} else {
		fprintf(stderr, "ktix-fleetd: ");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A round woken by etcd's watch comes at most this soon after the last. */
#define WOKEN_GAP_MS	100

static int serve(struct fleet *f, int lfd)
{
	uint64_t next = 0, last = 0;

	while (!stop) {
		struct pollfd p[2] = {
			{ .fd = lfd, .events = POLLIN },
			{ .fd = ktix_nl_fd(f->events), .events = POLLIN },
		};
		uint64_t now = mono_ms();
		int r;

		if (now >= next) {
			fleet_tick(f);
			last = now;
			next = now + f->cfg->sync_interval * 1000ull;
			continue;
		}
		r = watch_wait(f->watch, p, 2, (int)(next - now));
		if (r < 0) {
			log_msg(LOG_ERR, "waiting: %s", strerror(-r));
			return r;
		}
		if (r > 0 && next > last + WOKEN_GAP_MS)
			next = last + WOKEN_GAP_MS;
		if (p[0].revents & POLLIN)
			status_answer(lfd, f);
		if (p[1].revents & POLLIN)
			fleet_local_revocations(f);
	}
	return 0;
}

/* Everything that must work before serving: 0, or 1 (said). */
static int start(struct fleet *f, const struct fleetd_config *c, int *lfd)
{
	uint8_t kek[FLEETD_KEK_LEN];
	const char *why = NULL;
	int err;

	err = kek_load(c->kek_path, kek, &why);
	if (err) {
		fprintf(stderr, "ktix-fleetd: the KEK %s %s (%s)\n", c->kek_path,
			why, strerror(-err));
		return 1;
	}
	err = fleet_open(f, c, kek);
	OPENSSL_cleanse(kek, sizeof(kek));
	if (err) {
		fprintf(stderr, "ktix-fleetd: the ktix module: %s%s\n",
			strerror(-err), err == -ENOENT ? " (load it: modprobe ktix)" :
			err == -EPERM ? " (ktix-fleetd needs CAP_NET_ADMIN)" : "");
		return 1;
	}
	*lfd = status_listen();
	if (*lfd < 0) {
		fprintf(stderr, "ktix-fleetd: %s\n", *lfd == -EADDRINUSE ?
			"another ktix-fleetd runs in this network namespace" :
			strerror(-*lfd));
		return 1;
	}
	err = fleet_join(f);
	if (err) {
		fprintf(stderr, "ktix-fleetd: %s\n", err == -EKEYREJECTED ?
			"the KEK does not open this fleet's record in etcd: another KEK, or another fleet's data" :
			"etcd cannot be reached at any endpoint");
		return 1;
	}
	return fleet_policy(f) ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct fleetd_config c;
	struct fleet f;
	int lfd = -1, r;

	memset(&f, 0, sizeof(f));
	if (argc > 1 && !strcmp(argv[1], "status"))
		return status_main(argc - 1, argv + 1);
	r = conf_parse(argc, argv, &c);
	if (r)
		return r == 2 ? 0 : 1;
	/* The KEK and the keys pass through this process: no core dumps. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		fprintf(stderr, "ktix-fleetd: libcurl would not start\n");
		return 1;
	}
	if (start(&f, &c, &lfd)) {
		fleet_close(&f);
		conf_free(&c);
		return 1;
	}
	if (!c.foreground) {
		openlog("ktix-fleetd", LOG_PID, LOG_DAEMON);
		use_syslog = true;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_msg(LOG_NOTICE, "fleet %s: host %s, %zu etcd endpoint%s, rotate-interval %us, lead-time %us, lease-ttl %us",
		c.fleet, c.host, c.n_endpoints, c.n_endpoints == 1 ? "" : "s",
		c.rotate_interval, c.lead_time, c.lease_ttl);
	r = serve(&f, lfd);
	log_msg(LOG_NOTICE, "stopping%s", f.leader ? ": leadership released" : "");
	close(lfd);
	fleet_close(&f);
	conf_free(&c);
	curl_global_cleanup();
	return r ? 1 : 0;
}
