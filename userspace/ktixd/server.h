/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktixd, inside the server: what its files share (server.c, worker.c,
 * dispatch.c, handshake.c, reply.c) and no other file sees.  server.c
 * opens with how they work together.
 */
#ifndef KTIXD_SERVER_H
#define KTIXD_SERVER_H

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>

#include "ktix.h"
#include "ktixd.h"

struct ktix_nl;
struct ktix_tls_keys;


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
	bool pending;			/* in a worker's replies_flush() list */
	bool blocked;			/* answers wait for room (EPOLLOUT) */
	bool dropped;			/* no longer in its worker's set */
};

struct hs {
	enum ev_type type;		/* EV_HS */
	struct hs *next, *prev;		/* in the worker's list */
	struct conn *conn;
	struct request req;
	int fd;				/* the TCP socket */
	SSL *ssl;
	uint64_t start, deadline;	/* CLOCK_MONOTONIC nanoseconds */
	uint32_t events;		/* what epoll waits for; 0: not in it */
	bool checked;			/* check_tcp() made */
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

extern const struct ktixd_config *cfg;
extern struct worker *workers;
extern unsigned int n_workers;
extern atomic_uint inflight;
extern atomic_uint busy_servers;	/* connections with handshakes in flight */

/* reply.c: answers to servers, in order, never dropped */
uint64_t clock_ns(clockid_t id);
bool conn_flush(struct conn *c);
void conn_put(struct conn *c);
void conn_watch(struct conn *c);
uint64_t now_ns(void);
/*
 * The clock once per loop turn, as nginx reads it: turn_begin() after
 * each wait, turn_now_ns() the CLOCK_MONOTONIC nanoseconds read at the
 * turn's first use.  A handshake's duration is taken from it: from the
 * turn that took the request to the one that finished the handshake.
 */
void turn_begin(void);
uint64_t turn_now_ns(void);
void reply_error(struct conn *c, uint64_t cookie, int err,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void reply_init(struct ktix_result *r, uint64_t cookie);
void reply_send(struct conn *c, const struct ktix_result *r);
/* Sends the answers this thread queued: at the end of each loop turn. */
void replies_flush(void);

/* handshake.c: handshakes, in a worker */
int hs_expire(struct worker *w);
void hs_start(struct worker *w, struct hs *h);
void hs_step(struct worker *w, struct hs *h);
int hs_offload(struct ktix_nl **nl, int fd, const struct ktix_tls_keys *k,
	       uint32_t kind, uint32_t miss);
void peer_name(int fd, char *buf, size_t len);
/* 0 for a TCP socket, else -ENOTSOCK or -EPROTOTYPE and why (dispatch.c). */
int check_tcp(int fd, const char **why);

/* dispatch.c: requests, read by the worker that has the connection */
void conn_drop(struct worker *w, struct conn *c);
void conn_event(struct worker *w, struct conn *c, uint32_t events);

/* worker.c: the worker threads */
void conn_give(struct conn *c);
int workers_start(unsigned int n);
void workers_stop(void);

#endif /* KTIXD_SERVER_H */
