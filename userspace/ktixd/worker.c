// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: the worker threads.  Each has its own epoll set, the servers'
 * connections the main thread gave it, the handshakes it runs, and a
 * queue with an eventfd through which other workers hand it handshakes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <syslog.h>
#include <unistd.h>

#include "server.h"

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
		int timeout = hs_expire(w), n, i;

		replies_flush();
		n = epoll_wait(w->epfd, evs, 64, timeout);
		turn_begin();
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
			/* Answers wait for at most 8 steps of other work. */
			if ((i & 7) == 7)
				replies_flush();
		}
	} while (worker_take(w));
	replies_flush();
	tls_thread_nl_close();
	OPENSSL_thread_stop();
	return NULL;
}

int workers_start(unsigned int n)
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
void conn_give(struct conn *c)
{
	static unsigned int rr;
	struct worker *w = &workers[rr++ % n_workers];

	pthread_mutex_lock(&w->lock);
	c->next = w->new_conns;
	w->new_conns = c;
	pthread_mutex_unlock(&w->lock);
	eventfd_write(w->evfd, 1);
}

void workers_stop(void)
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
