// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: the Unix socket and the main loop of the server.
 *
 * The main thread owns the listening socket and a signalfd; it gives each
 * server's connection to a worker, round robin (worker.c).  A worker reads
 * requests from its connections itself, checks them and starts each
 * handshake at home, or hands it to a worker with fewer in flight through
 * that worker's queue and eventfd (dispatch.c): under load handshakes
 * spread over every worker, and with one worker, or a lightly loaded one,
 * a request crosses no thread.  A worker runs many non-blocking
 * handshakes in its own epoll set, each with a deadline, offloads the
 * finished ones through the module (handshake.c) and answers on the
 * server's connection (reply.c).  Connections are reference-counted: the
 * last handshake of a server that went away closes it.  server.h holds
 * what these files share.
 *
 * No answer is ever dropped: one that does not fit in the connection's
 * socket buffer waits in the connection's queue, and while anything
 * waits there the connection's worker reads no new request from that
 * server and waits for it to become writable instead (backpressure: the
 * queue holds at most what that server has in flight).  A request is
 * admitted only under max-inflight, and a server may hold at most its
 * share of it (share_of()): beyond that its request is answered busy, and
 * no server can starve another.
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "server.h"

struct ktixd_counters counters;

/* libktix's kinds are the module's, number for number (ktix.h says so). */
_Static_assert((int)KTIX_RESUMED_NONE == (int)KTIX_OFFLOAD_KIND_FULL &&
	       (int)KTIX_RESUMED_TICKET == (int)KTIX_OFFLOAD_KIND_TICKET &&
	       (int)KTIX_RESUMED_SESSION_ID == (int)KTIX_OFFLOAD_KIND_SESSION_ID &&
	       (int)KTIX_RESUMED_PSK == (int)KTIX_OFFLOAD_KIND_PSK,
	       "enum ktix_resumed and enum ktix_offload_kind differ");

const struct ktixd_config *cfg;
struct worker *workers;
unsigned int n_workers;
atomic_uint inflight;
atomic_uint busy_servers;

static int listen_socket(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[sizeof(sun.sun_path)], *slash;
	int fd, probe;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_msg(LOG_ERR, "socket %s: path too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			log_msg(LOG_ERR, "socket directory %s: %s", dir,
				strerror(errno));
			return -errno;
		}
	}
	/* A socket file nobody listens on is stale; a live one is not ours. */
	probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (probe >= 0 &&
	    connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(probe);
		log_msg(LOG_ERR, "socket %s: another ktixd is listening there",
			path);
		return -EADDRINUSE;
	}
	if (probe >= 0)
		close(probe);
	unlink(path);

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, cfg->socket_mode) < 0 || listen(fd, 512) < 0) {
		int err = -errno;

		log_msg(LOG_ERR, "socket %s: %s", path, strerror(errno));
		close(fd);
		return err;
	}
	if (cfg->socket_group) {
		struct group *g = getgrnam(cfg->socket_group);

		if (!g || chown(path, (uid_t)-1, g->gr_gid) < 0) {
			log_msg(LOG_ERR, "socket %s: group %s: %s", path,
				cfg->socket_group,
				g ? strerror(errno) : "no such group");
			close(fd);
			unlink(path);
			return -EINVAL;
		}
	}
	return fd;
}

static void log_counters(void)
{
	log_msg(LOG_INFO,
		"handshakes: full %lu, ticket %lu, session_id %lu, psk %lu; failed %lu, timed out %lu, busy %lu, bad requests %lu, revocations %lu, half-closed before the offload %lu, key updates %lu (failed %lu), tickets withheld %lu; resumption misses: unknown_key %lu, bad_ticket %lu, revoked %lu, cache_miss %lu, expired %lu, context %lu, future %lu, revoke_stale %lu",
		atomic_load(&counters.handshakes[KTIX_RESUMED_NONE]),
		atomic_load(&counters.handshakes[KTIX_RESUMED_TICKET]),
		atomic_load(&counters.handshakes[KTIX_RESUMED_SESSION_ID]),
		atomic_load(&counters.handshakes[KTIX_RESUMED_PSK]),
		atomic_load(&counters.failed), atomic_load(&counters.timeouts),
		atomic_load(&counters.busy),
		atomic_load(&counters.bad_requests),
		atomic_load(&counters.revocations),
		atomic_load(&counters.half_closed),
		atomic_load(&counters.key_updates),
		atomic_load(&counters.key_update_failed),
		mirror_tickets_withheld(),
		atomic_load(&counters.resume_miss[KTIX_RESUME_MISS_UNKNOWN_KEY]),
		atomic_load(&counters.resume_miss[KTIX_RESUME_MISS_BAD_TICKET]),
		atomic_load(&counters.resume_miss[KTIX_RESUME_MISS_REVOKED]),
		atomic_load(&counters.resume_miss[KTIX_RESUME_MISS_CACHE_MISS]),
		atomic_load(&counters.resume_miss[KTIX_RESUME_MISS_EXPIRED]),
		atomic_load(&counters.resume_miss[KTIX_RESUME_MISS_CONTEXT]),
		atomic_load(&counters.resume_miss[KTIX_RESUME_MISS_FUTURE]),
		atomic_load(&counters.resume_miss[KTIX_RESUME_MISS_REVOKE_STALE]));
}

int server_listen(const struct ktixd_config *c)
{
	cfg = c;
	return listen_socket(c->socket);
}

/* The main loop's state: its epoll set, signals, and the drain. */
struct loop {
	const struct ktixd_config *c;
	int epfd, sfd, lfd;
	bool draining;
	uint64_t drain_end;
};

/* A new server: its connection goes to a worker. */
static void loop_accept(struct loop *l)
{
	int cfd = accept4(l->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct conn *cn;

	if (cfd < 0)
		return;
	cn = calloc(1, sizeof(*cn));
	if (!cn) {
		close(cfd);
		return;
	}
	cn->type = EV_CONN;
	cn->fd = cfd;
	atomic_init(&cn->refs, 1);
	pthread_mutex_init(&cn->lock, NULL);
	conn_give(cn);
}

/*
 * SIGHUP loads the certificates again, SIGUSR1 logs the counters, SIGTERM
 * and SIGINT stop listening and let the handshakes in flight finish, for
 * at most the deadline.
 */
static void loop_signals(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_msg(LOG_NOTICE, "SIGHUP: loading the certificates again");
			if (tls_contexts_load(l->c))
				log_msg(LOG_ERR,
					"reload failed: keeping the certificates in use");
		} else if (si.ssi_signo == SIGUSR1) {
			log_counters();
		} else if (!l->draining) {
			log_msg(LOG_NOTICE, "%s: finishing %u handshakes in flight",
				strsignal((int)si.ssi_signo),
				atomic_load(&inflight));
			l->draining = true;
			l->drain_end = now_ns() +
				       (uint64_t)l->c->deadline_ms * 1000000ull;
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, l->lfd, NULL);
			close(l->lfd);
			l->lfd = -1;
			unlink(l->c->socket);
		}
	}
}

/* The signalfd and the listening socket in one epoll set: 0 or -errno. */
static int loop_open(struct loop *l)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	l->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->sfd < 0 || l->epfd < 0)
		return -errno;
	ev.data.ptr = &l->sfd;
	epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->sfd, &ev);
	ev.data.ptr = &l->lfd;
	epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->lfd, &ev);
	return 0;
}

int server_run(const struct ktixd_config *c, int lfd)
{
	struct loop l = { .c = c, .epfd = -1, .sfd = -1, .lfd = lfd };
	unsigned int nw = c->workers;
	int err;

	cfg = c;
	if (!nw) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		nw = n > 0 ? (unsigned int)n : 1;
	}
	err = loop_open(&l);
	if (err)
		goto out;
	err = workers_start(nw);
	if (err) {
		log_msg(LOG_ERR, "starting %u workers: %s", nw, strerror(-err));
		goto out;
	}
	log_msg(LOG_NOTICE, "listening on %s, %u workers, deadline %ums",
		c->socket, nw, c->deadline_ms);

	while (!l.draining || (atomic_load(&inflight) && now_ns() < l.drain_end)) {
		struct epoll_event evs[32];
		int n, i;

		n = epoll_wait(l.epfd, evs, 32, l.draining ? 50 : -1);
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == &l.sfd)
				loop_signals(&l);
			else if (evs[i].data.ptr == &l.lfd && l.lfd >= 0)
				loop_accept(&l);
		}
	}
	workers_stop();
	log_counters();
out:
	if (l.lfd >= 0) {
		close(l.lfd);
		unlink(c->socket);
	}
	if (l.sfd >= 0)
		close(l.sfd);
	if (l.epfd >= 0)
		close(l.epfd);
	return err;
}
