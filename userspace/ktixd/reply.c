// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: answers to the servers, on their connections.
 *
 * No answer is ever dropped: one that does not fit in the connection's
 * socket buffer waits in the connection's queue, and while anything
 * waits there the connection's worker reads no new request from that
 * server and waits for it to become writable instead (backpressure: the
 * queue holds at most what that server has in flight).
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
		.events = c->n_out ? EPOLLOUT : EPOLLIN,
		.data.ptr = c,
	};

	if (!c->dropped)
		epoll_ctl(c->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Sends what waits, under c->lock; false if the server is gone. */
bool conn_flush(struct conn *c)
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

/*
 * Answers, in order: at once if the socket has room, else queued for the
 * connection's worker to send when it has (never waiting on a server
 * that does not read its answers, never dropping one).
 */
void reply_send(struct conn *c, const struct ktix_result *r)
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
