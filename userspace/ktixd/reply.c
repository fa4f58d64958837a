// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: answers to the servers, on their connections.
 *
 * An answer is queued on its connection, and a worker sends what its turn
 * of the loop queued at the end of that turn (replies_flush()), every
 * answer to one server in one sendmmsg(2): under load, many answers cost
 * one system call, and the server reads them in one wake-up.
 *
 * No answer is ever dropped: one that does not fit in the connection's
 * socket buffer stays in the queue, the connection is blocked, and while
 * it is, the connection's worker reads no new request from that server
 * and waits for it to become writable instead (backpressure: the queue
 * holds at most what that server has in flight).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* This thread's turn clock: 0 until read in the turn. */
static __thread uint64_t turn_ns;

void turn_begin(void)
{
	turn_ns = 0;
}

uint64_t turn_now_ns(void)
{
	if (!turn_ns)
		turn_ns = now_ns();
	return turn_ns;
}

void conn_put(struct conn *c)
{
	if (atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	free(c->out);
	pthread_mutex_destroy(&c->lock);
	close(c->fd);
	free(c);
}

/* What the connection's worker waits for: requests, or room for answers. */
void conn_watch(struct conn *c)
{
	struct epoll_event ev = {
		.events = c->blocked ? EPOLLOUT : EPOLLIN,
		.data.ptr = c,
	};

	if (!c->dropped)
		epoll_ctl(c->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Answers sent in one sendmmsg(2), at most. */
#define SEND_BATCH	32

/*
 * Sends what waits, under c->lock, and says whether the connection is
 * blocked (c->blocked: answers wait for room); false if the server is
 * gone.
 */
bool conn_flush(struct conn *c)
{
	struct mmsghdr mm[SEND_BATCH];
	struct iovec iov[SEND_BATCH];
	size_t done = 0, i, n;
	bool gone = false;
	int sent;

	while (done < c->n_out) {
		n = c->n_out - done < SEND_BATCH ? c->n_out - done : SEND_BATCH;
		memset(mm, 0, n * sizeof(*mm));
		for (i = 0; i < n; i++) {
			iov[i].iov_base = &c->out[done + i];
			iov[i].iov_len = sizeof(c->out[done + i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		sent = sendmmsg(c->fd, mm, (unsigned int)n,
				MSG_DONTWAIT | MSG_NOSIGNAL);
		if (sent < 0) {
			if (errno == EINTR)
				continue;
			/* Gone: what waits has nobody to read it. */
			gone = errno != EAGAIN;
			break;
		}
		done += (size_t)sent;
		if ((size_t)sent < n)
			break;		/* no room for the rest */
	}
	if (gone)
		done = c->n_out;
	memmove(c->out, c->out + done, (c->n_out - done) * sizeof(*c->out));
	c->n_out -= done;
	c->blocked = c->n_out != 0;
	return !gone;
}

void reply_init(struct ktix_result *r, uint64_t cookie)
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

/* Connections with answers queued in this turn of this worker's loop. */
#define PENDING_MAX	64
static __thread struct conn *pending[PENDING_MAX];
static __thread unsigned int n_pending;

void replies_flush(void)
{
	unsigned int i;

	for (i = 0; i < n_pending; i++) {
		struct conn *c = pending[i];

		pthread_mutex_lock(&c->lock);
		c->pending = false;
		/* A blocked one is sent to by its worker, when it has room. */
		if (!c->blocked) {
			conn_flush(c);
			if (c->blocked)
				conn_watch(c);
		}
		pthread_mutex_unlock(&c->lock);
		conn_put(c);
	}
	n_pending = 0;
}

/*
 * Answers, in order: queued, and sent at the end of this turn of the
 * worker's loop (never waiting on a server that does not read its
 * answers, never dropping one).
 */
void reply_send(struct conn *c, const struct ktix_result *r)
{
	bool add;

	pthread_mutex_lock(&c->lock);
	if (c->n_out == c->cap_out && queue_grow(c)) {
		pthread_mutex_unlock(&c->lock);
		log_msg(LOG_ERR, "answer to a server lost: out of memory");
		return;
	}
	c->out[c->n_out++] = *r;
	add = !c->pending;
	c->pending = true;
	pthread_mutex_unlock(&c->lock);
	if (!add)
		return;
	if (n_pending == PENDING_MAX)
		replies_flush();
	atomic_fetch_add(&c->refs, 1);
	pending[n_pending++] = c;
}

void reply_error(struct conn *c, uint64_t cookie, int err,
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
