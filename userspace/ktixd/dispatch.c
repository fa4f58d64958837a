// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: requests, read by the worker that has the server's connection.
 *
 * A request is checked, admitted only under max-inflight (and a server
 * may hold at most its share of it, share_of(): beyond that its request
 * is answered busy, and no server can starve another), then started at
 * home or handed to a worker with fewer in flight.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "server.h"

/*
 * One call: an option of the TCP level is there only on a TCP socket
 * (a UDP, raw or Unix socket refuses it; the module still checks at the
 * offload, MPTCP included).  A handshake's socket is checked only when
 * its first read finds nothing (hs_step()): a ClientHello already there
 * costs no call, and what is not TCP but speaks TLS fails at the offload.
 */
int check_tcp(int fd, const char **why)
{
	int v;
	socklen_t len = sizeof(v);

	if (!getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len))
		return 0;
	if (errno == ENOTSOCK || errno == EBADF) {
		*why = "the descriptor is not a socket";
		return -ENOTSOCK;
	}
	*why = "the descriptor is not a TCP socket";
	return -EPROTOTYPE;
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

/* The descriptors a message carried (SCM_RIGHTS), at most 8: how many. */
static int take_fds(struct msghdr *mh, int fds[8])
{
	struct cmsghdr *cm;
	int nfds = 0;
	size_t i;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (i = 0; i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int) &&
		     nfds < 8; i++)
			memcpy(&fds[nfds++], CMSG_DATA(cm) + i * sizeof(int),
			       sizeof(int));
	}
	return nfds;
}

/* A revocation is answered at once, by this worker. */
static void revoke_answer(struct conn *c, const struct request *req)
{
	struct ktix_result r;

	reply_init(&r, req->req.cookie);
	revoke_request(req, &r);
	if (!r.status)
		atomic_fetch_add(&counters.revocations, 1);
	reply_send(c, &r);
}

/* The peer's KeyUpdate on fd, followed at once, by this worker. */
static void key_update_answer(struct conn *c, const struct request *req,
			      int fd)
{
	struct ktix_result r;
	char peer[INET6_ADDRSTRLEN + 8];

	reply_init(&r, req->req.cookie);
	peer_name(fd, peer, sizeof(peer));
	rekey_request(req, fd, &r);
	close(fd);
	if (r.status)
		log_msg(LOG_NOTICE, "%s: %s", peer, r.error);
	else
		log_msg(LOG_INFO, "%s: key update%s", peer,
			req->key_update.update_requested ?
			", and ours as asked" : "");
	reply_send(c, &r);
}

/* A handshake on fd, if admitted: started here or on another worker. */
static void handshake_new(struct worker *self, struct conn *c,
			  const struct request *req, int fd)
{
	struct hs *h;

	if (!admit(c)) {
		atomic_fetch_add(&counters.busy, 1);
		reply_error(c, req->req.cookie, -EBUSY,
			    "busy: %u handshakes in flight (max-inflight %u, this server's share %u)",
			    atomic_load(&inflight), cfg->max_inflight,
			    share_of(c));
		close(fd);
		return;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		unadmit(c);
		reply_error(c, req->req.cookie, -ENOMEM, "out of memory");
		close(fd);
		return;
	}
	h->type = EV_HS;
	h->req = *req;
	h->fd = fd;
	h->start = turn_now_ns();
	h->deadline = h->start + (uint64_t)(req->req.timeout_ms &&
		req->req.timeout_ms < cfg->deadline_ms ? req->req.timeout_ms :
		cfg->deadline_ms) * 1000000ull;
	atomic_fetch_add(&c->refs, 1);
	h->conn = c;
	hs_dispatch(self, h);
}

/* One message from a server, as read: the request and its descriptors. */
struct msg_in {
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	union {
		struct {
			struct ktix_request req;
			struct ktix_request_alpn alpn;
		} full;
		struct {
			struct ktix_request req;
			struct ktix_request_key_update ku;
		} key_update;
		char bytes[sizeof(struct ktix_request) +
			   sizeof(struct ktix_request_alpn) + 1];
	} buf;
};

/* Acts on one message of @n bytes: READ_MORE, or READ_CLOSED. */
static int conn_take(struct worker *self, struct conn *c, struct msg_in *m,
		     struct msghdr *mh, size_t n)
{
	struct request req;
	int fds[8], nfds, i, err;
	const char *why;

	memset(&req, 0, sizeof(req));
	nfds = take_fds(mh, fds);
	/*
	 * On a SOCK_SEQPACKET socket 0 is the end of the connection or an
	 * empty message, which may carry descriptors: those are closed below
	 * on every path, and an empty message is answered.
	 */
	if (n == 0 && !nfds && conn_hung_up(c->fd))
		return READ_CLOSED;
	if ((mh->msg_flags & MSG_CTRUNC) && !nfds) {
		/* The kernel could not install the socket here. */
		err = -EMFILE;
		why = "ktixd cannot take the socket: it has run out of descriptors";
		goto bad;
	}
	if (mh->msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		err = -EBADMSG;
		why = "malformed request: too large";
		goto bad;
	}
	err = request_parse(&m->buf, n, &req, &why);
	if (err)
		goto bad;
	if (req.is_revoke) {
		if (nfds) {
			err = -EBADF;
			why = "a revocation carries no socket";
			goto bad;
		}
		revoke_answer(c, &req);
		return READ_MORE;
	}
	if (nfds != 1) {
		err = -EBADF;
		why = "a request carries exactly one socket (SCM_RIGHTS)";
		goto bad;
	}
	if (req.is_key_update) {
		err = check_tcp(fds[0], &why);
		if (err)
			goto bad;
		key_update_answer(c, &req, fds[0]);
	} else {
		handshake_new(self, c, &req, fds[0]);
	}
	return READ_MORE;

bad:
	atomic_fetch_add(&counters.bad_requests, 1);
	log_msg(LOG_WARNING, "bad request from a server: %s", why);
	reply_error(c, n >= offsetof(struct ktix_request, timeout_ms) ?
		    m->buf.full.req.cookie : 0, err, "%s", why);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	return READ_MORE;
}

/* Requests read in one recvmmsg(2), at most. */
#define READ_BATCH	16

/*
 * Reads what the server sent, up to READ_BATCH messages in one call, and
 * acts on each: READ_MORE (more may wait), READ_NONE (it read everything
 * there was: recvmmsg(2) stops where the queue is empty), READ_CLOSED.
 */
static int conn_read(struct worker *self, struct conn *c)
{
	struct msg_in m[READ_BATCH];
	struct mmsghdr mm[READ_BATCH];
	struct iovec iov[READ_BATCH];
	int n, i, j, fds[8], nfds, r = READ_MORE;

	memset(m, 0, sizeof(m));
	memset(mm, 0, sizeof(mm));
	for (i = 0; i < READ_BATCH; i++) {
		iov[i].iov_base = &m[i].buf;
		iov[i].iov_len = sizeof(m[i].buf);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = m[i].ctl.buf;
		mm[i].msg_hdr.msg_controllen = sizeof(m[i].ctl.buf);
	}
	n = recvmmsg(c->fd, mm, READ_BATCH, MSG_DONTWAIT | MSG_CMSG_CLOEXEC,
		     NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? READ_NONE : READ_CLOSED;
	for (i = 0; i < n && r != READ_CLOSED; i++)
		r = conn_take(self, c, &m[i], &mm[i].msg_hdr, mm[i].msg_len);
	/* After the end, nothing is acted on; what came with it is closed. */
	for (; i < n; i++) {
		nfds = take_fds(&mm[i].msg_hdr, fds);
		for (j = 0; j < nfds; j++)
			close(fds[j]);
	}
	if (r == READ_CLOSED)
		return r;
	return n == READ_BATCH ? READ_MORE : READ_NONE;
}

void conn_drop(struct worker *w, struct conn *c)
{
	pthread_mutex_lock(&c->lock);
	c->dropped = true;
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	pthread_mutex_unlock(&c->lock);
	c->prev->next = c->next;
	c->next->prev = c->prev;
	conn_put(c);
}

void conn_event(struct worker *w, struct conn *c, uint32_t events)
{
	int r = READ_NONE;
	bool blocked;

	if (events & EPOLLOUT) {
		pthread_mutex_lock(&c->lock);
		if (!conn_flush(c))
			r = READ_CLOSED;
		conn_watch(c);
		pthread_mutex_unlock(&c->lock);
	}
	/*
	 * One batch a turn, so that running handshakes are not starved; none
	 * while answers wait for room.
	 */
	pthread_mutex_lock(&c->lock);
	blocked = c->blocked;
	pthread_mutex_unlock(&c->lock);
	if (r != READ_CLOSED && !blocked)
		r = conn_read(w, c);
	if (r == READ_CLOSED ||
	    (events & (EPOLLHUP | EPOLLERR) && !(events & EPOLLIN)))
		conn_drop(w, c);
}
