// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: the Unix socket, the dispatcher and the handshake workers.
 *
 * The main thread owns the listening socket and a signalfd; it gives each
 * server's connection to a worker, round robin.  A worker reads requests
 * from its connections itself, checks them and starts each handshake at
 * home, or hands it to a worker with fewer in flight through that worker's
 * queue and eventfd: under load handshakes spread over every worker, and
 * with one worker, or a lightly loaded one, a request crosses no thread.
 * A worker runs many non-blocking handshakes in its own epoll set, each
 * with a deadline, offloads the finished ones through the module and
 * answers on the server's connection.  Connections are reference-counted:
 * the last handshake of a server that went away closes it.
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
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <linux/tls.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "ktix.h"
#include "ktix_nl.h"
#include "ktix_tls.h"
#include "ktixd.h"

struct ktixd_counters counters;

/* libktix's kinds are the module's, number for number (ktix.h says so). */
_Static_assert((int)KTIX_RESUMED_NONE == (int)KTIX_OFFLOAD_KIND_FULL &&
	       (int)KTIX_RESUMED_TICKET == (int)KTIX_OFFLOAD_KIND_TICKET &&
	       (int)KTIX_RESUMED_SESSION_ID == (int)KTIX_OFFLOAD_KIND_SESSION_ID &&
	       (int)KTIX_RESUMED_PSK == (int)KTIX_OFFLOAD_KIND_PSK,
	       "enum ktix_resumed and enum ktix_offload_kind differ");

/* What an epoll event points at. */
enum ev_type { EV_WAKE, EV_CONN, EV_HS };

struct conn {
	enum ev_type type;		/* EV_CONN */
	struct conn *next, *prev;	/* in its worker's list */
	int fd;
	atomic_int refs;
	atomic_uint inflight;		/* this server's handshakes */
	int epfd;			/* its worker's epoll set */
	pthread_mutex_t lock;		/* for the fields below */
	struct ktix_result *out;	/* waiting to be sent, in order */
	size_t n_out, cap_out;
	bool dropped;			/* no longer in its worker's set */
};

struct hs {
	enum ev_type type;		/* EV_HS */
	struct hs *next, *prev;		/* in the worker's list */
	struct conn *conn;
	struct request req;
	int fd, flags;			/* the TCP socket, its file flags */
	SSL *ssl;
	uint64_t start, deadline;	/* CLOCK_MONOTONIC nanoseconds */
	uint32_t events;		/* what epoll waits for now */
	char peer[INET6_ADDRSTRLEN + 8];
};

struct worker {
	pthread_t thread;
	int epfd, evfd;
	enum ev_type wake;		/* EV_WAKE: the eventfd's epoll tag */
	pthread_mutex_t lock;		/* for queue, new_conns, stop, gone */
	struct hs *queue;		/* handed over, not yet started */
	struct conn *new_conns;		/* given by the main thread */
	bool stop, gone;
	atomic_uint load;		/* handshakes queued or running here */
	struct hs head;			/* running: a circular list */
	struct conn conns;		/* read here: a circular list */
};

static const struct ktixd_config *cfg;
static struct worker *workers;
static unsigned int n_workers;
static atomic_uint inflight;
static atomic_uint busy_servers;	/* connections with handshakes in flight */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static void conn_put(struct conn *c)
{
	if (atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	free(c->out);
	pthread_mutex_destroy(&c->lock);
	close(c->fd);
	free(c);
}

/* What the connection's worker waits for: requests, or room for answers. */
static void conn_watch(struct conn *c)
{
	struct epoll_event ev = {
		.events = c->n_out ? EPOLLOUT : EPOLLIN,
		.data.ptr = c,
	};

	if (!c->dropped)
		epoll_ctl(c->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Sends what waits, under c->lock; false if the server is gone. */
static bool conn_flush(struct conn *c)
{
	size_t i;
	bool gone = false;

	for (i = 0; i < c->n_out; i++) {
		if (send(c->fd, &c->out[i], sizeof(c->out[i]),
			 MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			/* Gone: what waits has nobody to read it. */
			gone = errno != EAGAIN && errno != EINTR;
			break;
		}
	}
	if (gone)
		i = c->n_out;
	memmove(c->out, c->out + i, (c->n_out - i) * sizeof(*c->out));
	c->n_out -= i;
	return !gone;
}

static void reply_init(struct ktix_result *r, uint64_t cookie)
{
	memset(r, 0, sizeof(*r));
	r->magic = KTIX_HELPER_MAGIC;
	r->version = KTIX_HELPER_VERSION;
	r->size = sizeof(*r);
	r->cookie = cookie;
}

/*
 * Room for more answers in the connection's queue: 0 or -ENOMEM.  The
 * queue is freed by conn_put(); gcc 12's analyzer loses the connection
 * once it has gone through epoll_event.data and reports the array leaked.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wanalyzer-malloc-leak"
#endif
static int queue_grow(struct conn *c)
{
	size_t cap = c->cap_out ? 2 * c->cap_out : 16;
	void *q = reallocarray(c->out, cap, sizeof(*c->out));

	if (!q)
		return -ENOMEM;
	c->out = q;
	c->cap_out = cap;
	return 0;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/*
 * Answers, in order: at once if the socket has room, else queued for the
 * connection's worker to send when it has (never waiting on a server
 * that does not read its answers, never dropping one).
 */
static void reply_send(struct conn *c, const struct ktix_result *r)
{
	bool was_empty;

	pthread_mutex_lock(&c->lock);
	was_empty = !c->n_out;
	if (was_empty) {
		if (send(c->fd, r, sizeof(*r), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0 ||
		    (errno != EAGAIN && errno != EINTR))
			goto out;	/* sent, or nobody left to read it */
	}
	if (c->n_out == c->cap_out && queue_grow(c)) {
		log_msg(LOG_ERR, "answer to a server lost: out of memory");
		goto out;
	}
	c->out[c->n_out++] = *r;
	if (was_empty)
		conn_watch(c);
out:
	pthread_mutex_unlock(&c->lock);
}

static void reply_error(struct conn *c, uint64_t cookie, int err,
			const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void reply_error(struct conn *c, uint64_t cookie, int err,
			const char *fmt, ...)
{
	struct ktix_result r;
	va_list ap;

	reply_init(&r, cookie);
	r.status = err;
	va_start(ap, fmt);
	vsnprintf(r.error, sizeof(r.error), fmt, ap);
	va_end(ap);
	reply_send(c, &r);
}

/* ---- handshakes, in a worker ---- */

static void peer_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN];

	snprintf(buf, len, "?");
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(a->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(a->sin6_port));
	}
}

static uint32_t kind_of(SSL *ssl, const struct hs_info *info)
{
	if (!SSL_session_reused(ssl))
		return KTIX_RESUMED_NONE;
	if (SSL_version(ssl) == TLS1_3_VERSION)
		return KTIX_RESUMED_PSK;
	return info && info->ticket_used ? KTIX_RESUMED_TICKET :
	       KTIX_RESUMED_SESSION_ID;
}

/* Ends a handshake: answers, releases everything, logs one line. */
static void hs_end(struct worker *w, struct hs *h, struct ktix_result *r)
{
	struct hs_info *i = h->ssl ? tls_info(h->ssl) : NULL;
	uint32_t fail = i ? i->fail : KTIX_RESUME_MISS_NONE;
	uint64_t usec = (now_ns() - h->start) / 1000;

	r->usec = usec > UINT32_MAX ? UINT32_MAX : (uint32_t)usec;
	h->prev->next = h->next;
	h->next->prev = h->prev;
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	if (!(h->flags & O_NONBLOCK))
		fcntl(h->fd, F_SETFL, h->flags);
	/*
	 * No close_notify: the connection goes on under kTLS.  Marking it
	 * shut down keeps OpenSSL from dropping a good session from the
	 * cache as it would for a connection that died.
	 */
	if (h->ssl && !r->status)
		SSL_set_shutdown(h->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(h->ssl);
	close(h->fd);
	if (!r->status) {
		atomic_fetch_add(&counters.handshakes[r->resumed], 1);
		log_msg(LOG_INFO, "%s: %s %s resumed=%s%s%s sni=%s alpn=%s %uus",
			h->peer, r->tls_version == 0x0304 ? "TLSv1.3" : "TLSv1.2",
			r->cipher_name, ktix_resumed_name(r->resumed),
			fail ? " miss=" : "", fail ? resume_fail_name(fail) : "",
			*r->sni ? r->sni : "-", *r->alpn ? r->alpn : "-",
			r->usec);
	} else {
		atomic_fetch_add(&counters.failed, 1);
		log_msg(LOG_NOTICE, "%s: handshake failed after %uus: %s",
			h->peer, r->usec, r->error);
	}
	if (fail)
		atomic_fetch_add(&counters.resume_fail[fail], 1);
	reply_send(h->conn, r);
	if (atomic_fetch_sub(&h->conn->inflight, 1) == 1)
		atomic_fetch_sub(&busy_servers, 1);
	conn_put(h->conn);
	free(h);
	atomic_fetch_sub(&w->load, 1);
	atomic_fetch_sub(&inflight, 1);
}

static void hs_fail(struct worker *w, struct hs *h, int err, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

static void hs_fail(struct worker *w, struct hs *h, int err, const char *fmt,
		    ...)
{
	struct ktix_result r;
	va_list ap;

	reply_init(&r, h->req.req.cookie);
	r.status = err;
	va_start(ap, fmt);
	vsnprintf(r.error, sizeof(r.error), fmt, ap);
	va_end(ap);
	hs_end(w, h, &r);
}

/*
 * KTIX_CMD_OFFLOAD on this thread's socket; on "no such family" (the
 * module was loaded again, and the socket still names the old one) once
 * more, on a socket opened afresh, which *nl then is (or NULL).
 */
static int offload(struct ktix_nl **nl, int fd, const struct ktix_tls_keys *k,
		   uint32_t kind, uint32_t miss)
{
	int err = ktix_nl_offload_miss(*nl, fd, k, kind, miss);

	if ((err != -ENOENT && err != -EOPNOTSUPP) || mirror_module_gone())
		return err;
	tls_thread_nl_close();
	*nl = tls_thread_nl();
	return *nl ? ktix_nl_offload_miss(*nl, fd, k, kind, miss) :
		     tls_thread_nl_error();
}

/*
 * The client shut its side down (a FIN after its Finished) before the
 * offload: kTLS takes only established connections, so the connection
 * cannot go on.  It ends as TLS asks: a close_notify, then what the client
 * had sent is read and dropped, so that the server's close is a FIN and
 * not a reset that would overtake the alert.  True if that was the case.
 */
static bool hs_half_closed(struct hs *h)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	char buf[4096];
	int i;

	if (getsockopt(h->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) ||
	    ti.tcpi_state != TCP_CLOSE_WAIT)
		return false;
	SSL_shutdown(h->ssl);
	for (i = 0; i < 64 && recv(h->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0; i++)
		;
	atomic_fetch_add(&counters.half_closed, 1);
	return true;
}

static void hs_done(struct worker *w, struct hs *h)
{
	struct hs_info *info = tls_info(h->ssl);
	struct ktix_nl *nl = tls_thread_nl();
	const unsigned char *alpn;
	struct ktix_tls_keys keys;
	const char *sni;
	struct ktix_result r;
	unsigned int alpn_len;
	uint8_t mfl;
	X509 *peer;
	int err;

	reply_init(&r, h->req.req.cookie);
	if (!nl) {
		err = tls_thread_nl_error();
		hs_fail(w, h, err, "%s", err == -ENOENT ?
			"the ktix module is not loaded" :
			err == -EMFILE || err == -ENFILE ?
			"ktixd has run out of descriptors" : strerror(-err));
		return;
	}
	r.resumed = kind_of(h->ssl, info);
	err = ktix_tls_keys(h->ssl, &keys);
	if (err) {
		hs_fail(w, h, err, "record keys: %s", strerror(-err));
		return;
	}
	err = offload(&nl, h->fd, &keys, r.resumed,
		      r.resumed == KTIX_RESUMED_NONE && info ?
		      info->fail : KTIX_RESUME_MISS_NONE);
	r.tls_version = keys.version;
	r.cipher = keys.cipher;
	ktix_tls_keys_wipe(&keys);
	if (err == -ENOTCONN && hs_half_closed(h)) {
		hs_fail(w, h, err, "the client shut its side down before the offload (kTLS needs an established connection): close_notify sent");
		return;
	}
	if (err) {
		hs_fail(w, h, err, "offload: %s%s%s", strerror(-err),
			nl && *ktix_nl_errmsg(nl) ? ": " : "",
			nl ? ktix_nl_errmsg(nl) : "");
		return;
	}
	snprintf(r.cipher_name, sizeof(r.cipher_name), "%s",
		 SSL_get_cipher_name(h->ssl));
	sni = SSL_get_servername(h->ssl, TLSEXT_NAMETYPE_host_name);
	if (sni) {
		char *p;

		snprintf(r.sni, sizeof(r.sni), "%s", sni);
		/* The client's bytes: nothing unprintable reaches a log. */
		for (p = r.sni; *p; p++)
			if (*p <= ' ' || *p >= 0x7f)
				*p = '?';
	}
	SSL_get0_alpn_selected(h->ssl, &alpn, &alpn_len);
	if (alpn_len && alpn_len < sizeof(r.alpn))
		memcpy(r.alpn, alpn, alpn_len);
	peer = SSL_get0_peer_certificate(h->ssl);
	if (peer && SSL_get_verify_result(h->ssl) == X509_V_OK) {
		X509_NAME_oneline(X509_get_subject_name(peer), r.peer,
				  sizeof(r.peer));
		r.flags |= KTIX_RES_F_PEER_VERIFIED;
	}
	if (info && info->has_handle) {
		memcpy(r.handle, info->handle, sizeof(r.handle));
		r.flags |= KTIX_RES_F_HANDLE;
	}
	mfl = SSL_SESSION_get_max_fragment_length(SSL_get0_session(h->ssl));
	r.max_record = mfl >= TLSEXT_max_fragment_length_512 &&
		       mfl <= TLSEXT_max_fragment_length_4096 ?
		       (uint16_t)(512 << (mfl - TLSEXT_max_fragment_length_512)) :
		       16384;
	hs_end(w, h, &r);
}

static void ssl_error_text(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e)
		ERR_error_string_n(e, buf, len);
	else
		snprintf(buf, len, "TLS failure");
	ERR_clear_error();
}

static void hs_step(struct worker *w, struct hs *h)
{
	struct epoll_event ev = { .data.ptr = h };
	char why[200];
	int ret, e;

	ERR_clear_error();
	ret = SSL_do_handshake(h->ssl);
	if (ret == 1) {
		hs_done(w, h);
		return;
	}
	e = SSL_get_error(h->ssl, ret);
	switch (e) {
	case SSL_ERROR_WANT_READ:
		ev.events = EPOLLIN;
		break;
	case SSL_ERROR_WANT_WRITE:
		ev.events = EPOLLOUT;
		break;
	case SSL_ERROR_SYSCALL:
		if (!ERR_peek_error()) {
			hs_fail(w, h, errno ? -errno : -ECONNRESET,
				"the client %s", errno ?
				strerror(errno) : "closed the connection");
			return;
		}
		/* fall through */
	default:
		ssl_error_text(why, sizeof(why));
		hs_fail(w, h, -EPROTO, "TLS: %s", why);
		return;
	}
	if (ev.events != h->events) {
		epoll_ctl(w->epfd, EPOLL_CTL_MOD, h->fd, &ev);
		h->events = ev.events;
	}
}

static void hs_start(struct worker *w, struct hs *h)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = h };

	h->next = w->head.next;
	h->prev = &w->head;
	w->head.next->prev = h;
	w->head.next = h;
	h->ssl = tls_new();
	if (!h->ssl || !SSL_set_fd(h->ssl, h->fd) ||
	    (h->req.alpn_len &&
	     tls_set_alpn(h->ssl, h->req.alpn, h->req.alpn_len))) {
		hs_fail(w, h, -ENOMEM, "out of memory");
		return;
	}
	SSL_set_accept_state(h->ssl);
	/* The server's socket is usually non-blocking already. */
	if ((!(h->flags & O_NONBLOCK) &&
	     fcntl(h->fd, F_SETFL, h->flags | O_NONBLOCK) < 0) ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, h->fd, &ev) < 0) {
		hs_fail(w, h, -errno, "socket: %s", strerror(errno));
		return;
	}
	h->events = EPOLLIN;
	hs_step(w, h);
}

/* Fails what passed its deadline; returns ms until the next one. */
static int expire(struct worker *w)
{
	/*
	 * Checked at every turn of the loop: the coarse clock (a tick's
	 * precision, enough for deadlines of seconds) never reads the
	 * clocksource, which on some machines is a system call each time.
	 */
	uint64_t now = clock_ns(CLOCK_MONOTONIC_COARSE), next = UINT64_MAX;
	struct hs *h, *n;

	for (h = w->head.next; h != &w->head; h = n) {
		n = h->next;
		if (h->deadline <= now) {
			atomic_fetch_add(&counters.timeouts, 1);
			hs_fail(w, h, -ETIMEDOUT,
				"the handshake did not finish within %ums",
				(unsigned int)((h->deadline - h->start) / 1000000));
		} else if (h->deadline < next) {
			next = h->deadline;
		}
	}
	if (next == UINT64_MAX)
		return -1;
	return (int)((next - now) / 1000000) + 1;
}

/* ---- requests, read by the worker that has the connection ---- */

static int check_tcp(int fd, const char **why)
{
	int type = 0, proto = 0;
	socklen_t len = sizeof(int);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0) {
		*why = "the descriptor is not a socket";
		return -ENOTSOCK;
	}
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) < 0 ||
	    type != SOCK_STREAM || proto != IPPROTO_TCP) {
		*why = "the descriptor is not a TCP socket";
		return -EPROTOTYPE;
	}
	return 0;
}

/* The worker with the fewest handshakes, @self on a tie. */
static struct worker *least_loaded(struct worker *self)
{
	unsigned int best = atomic_load(&self->load), i;
	struct worker *w = self;

	for (i = 0; i < n_workers && best; i++) {
		unsigned int l = atomic_load(&workers[i].load);

		if (l < best) {
			best = l;
			w = &workers[i];
		}
	}
	return w;
}

/* Starts @h at home, or queues it on a less loaded worker. */
static void hs_dispatch(struct worker *self, struct hs *h)
{
	struct worker *w = least_loaded(self);

	atomic_fetch_add(&w->load, 1);
	if (w != self) {
		pthread_mutex_lock(&w->lock);
		if (!w->gone) {
			h->next = w->queue;
			w->queue = h;
			pthread_mutex_unlock(&w->lock);
			eventfd_write(w->evfd, 1);
			return;
		}
		/* It has finished for good: keep the handshake here. */
		pthread_mutex_unlock(&w->lock);
		atomic_fetch_sub(&w->load, 1);
		atomic_fetch_add(&self->load, 1);
	}
	hs_start(self, h);
}

/*
 * This server's share of max-inflight: an eighth is kept for servers
 * that have nothing in flight yet, and the rest is shared equally
 * between those that do.  A server alone may hold seven eighths; one
 * that comes later always finds room.
 */
static unsigned int share_of(struct conn *c)
{
	unsigned int servers = atomic_load(&busy_servers) +
			       (atomic_load(&c->inflight) ? 0 : 1);
	unsigned int max = cfg->max_inflight, share;

	share = (max - max / 8) / (servers ? servers : 1);
	return share ? share : 1;
}

/*
 * Takes a place under max-inflight and under the server's share, at once
 * (compare-and-swap: two workers cannot both take the last place).
 */
static bool admit(struct conn *c)
{
	unsigned int cur = atomic_load(&inflight);

	do {
		if (cur >= cfg->max_inflight)
			return false;
	} while (!atomic_compare_exchange_weak(&inflight, &cur, cur + 1));
	if (atomic_load(&c->inflight) >= share_of(c)) {
		atomic_fetch_sub(&inflight, 1);
		return false;
	}
	if (atomic_fetch_add(&c->inflight, 1) == 0)
		atomic_fetch_add(&busy_servers, 1);
	return true;
}

static void unadmit(struct conn *c)
{
	if (atomic_fetch_sub(&c->inflight, 1) == 1)
		atomic_fetch_sub(&busy_servers, 1);
	atomic_fetch_sub(&inflight, 1);
}

enum { READ_MORE, READ_NONE, READ_CLOSED };

/* Whether the server has closed its end (nothing more will come). */
static bool conn_hung_up(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	return poll(&p, 1, 0) != 0 &&
	       (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

/* Reads one request: READ_MORE, READ_NONE (none waiting), READ_CLOSED. */
static int conn_read(struct worker *self, struct conn *c)
{
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	union {
		struct {
			struct ktix_request req;
			struct ktix_request_alpn alpn;
		} full;
		char bytes[sizeof(struct ktix_request) +
			   sizeof(struct ktix_request_alpn) + 1];
	} buf;
	struct iovec iov = { .iov_base = &buf, .iov_len = sizeof(buf) };
	struct request req;
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	int fds[8], nfds = 0, i, err;
	struct cmsghdr *cm;
	const char *why;
	struct hs *h;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	memset(&buf, 0, sizeof(buf));
	n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? READ_NONE : READ_CLOSED;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (i = 0; (size_t)i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int) &&
		     nfds < 8; i++)
			memcpy(&fds[nfds++], CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(int));
	}
	/*
	 * On a SOCK_SEQPACKET socket 0 is the end of the connection or an
	 * empty message, which may carry descriptors: those are closed below
	 * on every path, and an empty message is answered.
	 */
	if (n == 0 && !nfds && conn_hung_up(c->fd))
		return READ_CLOSED;
	if ((mh.msg_flags & MSG_CTRUNC) && !nfds) {
		/* The kernel could not install the socket here. */
		err = -EMFILE;
		why = "ktixd cannot take the socket: it has run out of descriptors";
		goto bad;
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		err = -EBADMSG;
		why = "malformed request: too large";
		goto bad;
	}
	err = request_parse(&buf, (size_t)n, &req, &why);
	if (err)
		goto bad;
	if (req.is_revoke) {
		struct ktix_result r;

		if (nfds) {
			err = -EBADF;
			why = "a revocation carries no socket";
			goto bad;
		}
		reply_init(&r, req.req.cookie);
		revoke_request(&req, &r);
		if (!r.status)
			atomic_fetch_add(&counters.revocations, 1);
		reply_send(c, &r);
		return READ_MORE;
	}
	if (nfds != 1) {
		err = -EBADF;
		why = "a request carries exactly one socket (SCM_RIGHTS)";
		goto bad;
	}
	err = check_tcp(fds[0], &why);
	if (err)
		goto bad;
	if (!admit(c)) {
		atomic_fetch_add(&counters.busy, 1);
		reply_error(c, req.req.cookie, -EBUSY,
			    "busy: %u handshakes in flight (max-inflight %u, this server's share %u)",
			    atomic_load(&inflight), cfg->max_inflight,
			    share_of(c));
		close(fds[0]);
		return READ_MORE;
	}

	h = calloc(1, sizeof(*h));
	if (!h) {
		unadmit(c);
		reply_error(c, req.req.cookie, -ENOMEM, "out of memory");
		close(fds[0]);
		return READ_MORE;
	}
	h->type = EV_HS;
	h->req = req;
	h->fd = fds[0];
	h->flags = fcntl(h->fd, F_GETFL);
	h->start = now_ns();
	h->deadline = h->start + (uint64_t)(req.req.timeout_ms &&
		req.req.timeout_ms < cfg->deadline_ms ? req.req.timeout_ms :
		cfg->deadline_ms) * 1000000ull;
	peer_name(h->fd, h->peer, sizeof(h->peer));
	atomic_fetch_add(&c->refs, 1);
	h->conn = c;
	hs_dispatch(self, h);
	return READ_MORE;

bad:
	atomic_fetch_add(&counters.bad_requests, 1);
	log_msg(LOG_WARNING, "bad request from a server: %s", why);
	reply_error(c, (size_t)n >= offsetof(struct ktix_request, timeout_ms) ?
		    buf.full.req.cookie : 0, err, "%s", why);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	return READ_MORE;
}

static void conn_drop(struct worker *w, struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	c->dropped = true;
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	pthread_mutex_unlock(&c->lock);
	c->prev->next = c->next;
	c->next->prev = c->prev;
	conn_put(c);
}

static void conn_event(struct worker *w, struct conn *c, uint32_t events)
{
	int i, r = READ_NONE;
	bool backlog;

	if (events & EPOLLOUT) {
		pthread_mutex_lock(&c->lock);
		if (!conn_flush(c))
			r = READ_CLOSED;
		conn_watch(c);
		pthread_mutex_unlock(&c->lock);
	}
	/*
	 * A few at a time, so that running handshakes are not starved; none
	 * while answers wait for room.
	 */
	for (i = 0; i < 16 && r != READ_CLOSED; i++) {
		pthread_mutex_lock(&c->lock);
		backlog = c->n_out != 0;
		pthread_mutex_unlock(&c->lock);
		if (backlog)
			break;
		r = conn_read(w, c);
		if (r != READ_MORE)
			break;
	}
	if (r == READ_CLOSED ||
	    (events & (EPOLLHUP | EPOLLERR) && !(events & EPOLLIN)))
		conn_drop(w, c);
}

/* Takes what was handed over; false once stopped and idle for good. */
static bool worker_take(struct worker *w)
{
	struct conn *nc;
	struct hs *q;
	bool stop;

	pthread_mutex_lock(&w->lock);
	q = w->queue;
	w->queue = NULL;
	nc = w->new_conns;
	w->new_conns = NULL;
	stop = w->stop;
	if (stop && !q && w->head.next == &w->head)
		w->gone = true;
	pthread_mutex_unlock(&w->lock);
	while (nc) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = nc };
		struct conn *c = nc;

		nc = nc->next;
		c->epfd = w->epfd;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
			log_msg(LOG_WARNING, "a server's connection: %s",
				strerror(errno));
			conn_put(c);
			continue;
		}
		c->next = w->conns.next;
		c->prev = &w->conns;
		w->conns.next->prev = c;
		w->conns.next = c;
	}
	/* Stopping: no new requests; what runs finishes. */
	while (stop && w->conns.next != &w->conns)
		conn_drop(w, w->conns.next);
	while (q) {
		struct hs *h = q;

		q = q->next;
		hs_start(w, h);
	}
	return !(stop && w->gone);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[64];

	do {
		int timeout = expire(w), n, i;

		n = epoll_wait(w->epfd, evs, 64, timeout);
		for (i = 0; i < n; i++) {
			enum ev_type *t = evs[i].data.ptr;
			eventfd_t v;

			switch (*t) {
			case EV_HS:
				hs_step(w, (struct hs *)t);
				break;
			case EV_CONN:
				conn_event(w, (struct conn *)t, evs[i].events);
				break;
			case EV_WAKE:
				eventfd_read(w->evfd, &v);
				break;
			}
		}
	} while (worker_take(w));
	tls_thread_nl_close();
	OPENSSL_thread_stop();
	return NULL;
}

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

static void workers_stop(void);

static int workers_start(unsigned int n)
{
	unsigned int i;

	workers = calloc(n, sizeof(*workers));
	if (!workers)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct worker *w = &workers[i];
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &w->wake };
		int err = 0;

		w->wake = EV_WAKE;
		w->head.next = w->head.prev = &w->head;
		w->conns.next = w->conns.prev = &w->conns;
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		w->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (w->epfd < 0 || w->evfd < 0 ||
		    epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev) < 0)
			err = -errno;
		pthread_mutex_init(&w->lock, NULL);
		if (!err)
			err = -pthread_create(&w->thread, NULL, worker_main, w);
		if (err) {
			if (w->epfd >= 0)
				close(w->epfd);
			if (w->evfd >= 0)
				close(w->evfd);
			pthread_mutex_destroy(&w->lock);
			workers_stop();
			return err;
		}
		n_workers++;
	}
	return 0;
}

/* Gives a server's connection to a worker, round robin. */
static void conn_give(struct conn *c)
{
	static unsigned int rr;
	struct worker *w = &workers[rr++ % n_workers];

	pthread_mutex_lock(&w->lock);
	c->next = w->new_conns;
	w->new_conns = c;
	pthread_mutex_unlock(&w->lock);
	eventfd_write(w->evfd, 1);
}

static void workers_stop(void)
{
	unsigned int i;

	for (i = 0; i < n_workers; i++) {
		pthread_mutex_lock(&workers[i].lock);
		workers[i].stop = true;
		pthread_mutex_unlock(&workers[i].lock);
		eventfd_write(workers[i].evfd, 1);
	}
	for (i = 0; i < n_workers; i++) {
		pthread_join(workers[i].thread, NULL);
		close(workers[i].epfd);
		close(workers[i].evfd);
		pthread_mutex_destroy(&workers[i].lock);
	}
	free(workers);
	workers = NULL;
	n_workers = 0;
}

static void log_counters(void)
{
	log_msg(LOG_INFO,
		"handshakes: full %lu, ticket %lu, session_id %lu, psk %lu; failed %lu, timed out %lu, busy %lu, bad requests %lu, revocations %lu, half-closed before the offload %lu; resumption misses: unknown_key %lu, bad_ticket %lu, revoked %lu, cache_miss %lu, expired %lu, context %lu, future %lu, revoke_stale %lu",
		atomic_load(&counters.handshakes[KTIX_RESUMED_NONE]),
		atomic_load(&counters.handshakes[KTIX_RESUMED_TICKET]),
		atomic_load(&counters.handshakes[KTIX_RESUMED_SESSION_ID]),
		atomic_load(&counters.handshakes[KTIX_RESUMED_PSK]),
		atomic_load(&counters.failed), atomic_load(&counters.timeouts),
		atomic_load(&counters.busy),
		atomic_load(&counters.bad_requests),
		atomic_load(&counters.revocations),
		atomic_load(&counters.half_closed),
		atomic_load(&counters.resume_fail[KTIX_RESUME_MISS_UNKNOWN_KEY]),
		atomic_load(&counters.resume_fail[KTIX_RESUME_MISS_BAD_TICKET]),
		atomic_load(&counters.resume_fail[KTIX_RESUME_MISS_REVOKED]),
		atomic_load(&counters.resume_fail[KTIX_RESUME_MISS_CACHE_MISS]),
		atomic_load(&counters.resume_fail[KTIX_RESUME_MISS_EXPIRED]),
		atomic_load(&counters.resume_fail[KTIX_RESUME_MISS_CONTEXT]),
		atomic_load(&counters.resume_fail[KTIX_RESUME_MISS_FUTURE]),
		atomic_load(&counters.resume_fail[KTIX_RESUME_MISS_REVOKE_STALE]));
}

int server_listen(const struct ktixd_config *c)
{
	cfg = c;
	return listen_socket(c->socket);
}

int server_run(const struct ktixd_config *c, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned int nw = c->workers;
	bool draining = false;
	uint64_t drain_end = 0;
	int epfd, sfd, err;
	sigset_t mask;

	cfg = c;
	if (!nw) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		nw = n > 0 ? (unsigned int)n : 1;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || epfd < 0) {
		err = -errno;
		goto out;
	}
	ev.data.ptr = &sfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.ptr = &lfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	err = workers_start(nw);
	if (err) {
		log_msg(LOG_ERR, "starting %u workers: %s", nw, strerror(-err));
		goto out;
	}
	log_msg(LOG_NOTICE, "listening on %s, %u workers, deadline %ums",
		c->socket, nw, c->deadline_ms);

	for (;;) {
		struct epoll_event evs[32];
		int n, i;

		if (draining && (!atomic_load(&inflight) ||
				 now_ns() >= drain_end))
			break;
		n = epoll_wait(epfd, evs, 32, draining ? 50 : -1);
		for (i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &sfd) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						log_msg(LOG_NOTICE,
							"SIGHUP: loading the certificates again");
						if (tls_contexts_load(c))
							log_msg(LOG_ERR,
								"reload failed: keeping the certificates in use");
					} else if (si.ssi_signo == SIGUSR1) {
						log_counters();
					} else if (!draining) {
						log_msg(LOG_NOTICE,
							"%s: finishing %u handshakes in flight",
							strsignal((int)si.ssi_signo),
							atomic_load(&inflight));
						draining = true;
						drain_end = now_ns() +
							(uint64_t)c->deadline_ms * 1000000ull;
						epoll_ctl(epfd, EPOLL_CTL_DEL, lfd, NULL);
						close(lfd);
						lfd = -1;
						unlink(c->socket);
					}
				}
			} else if (p == &lfd) {
				int cfd = accept4(lfd, NULL, NULL,
						  SOCK_CLOEXEC | SOCK_NONBLOCK);
				struct conn *cn;

				if (cfd < 0)
					continue;
				cn = calloc(1, sizeof(*cn));
				if (!cn) {
					close(cfd);
					continue;
				}
				cn->type = EV_CONN;
				cn->fd = cfd;
				atomic_init(&cn->refs, 1);
				pthread_mutex_init(&cn->lock, NULL);
				conn_give(cn);
			}
		}
	}
	err = 0;
	workers_stop();
	log_counters();
out:
	if (lfd >= 0) {
		close(lfd);
		unlink(c->socket);
	}
	if (sfd >= 0)
		close(sfd);
	if (epfd >= 0)
		close(epfd);
	return err;
}
