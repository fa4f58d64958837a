/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix-proxy: what its event loop (main.c), its byte mover (relay.c) and
 * its PROXY protocol header (ppv2.c) share.
 */
#ifndef KTIX_PROXY_H
#define KTIX_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ktix.h"
#include "ktix_net.h"

#define MAX_FDS		65536
/* What one splice(2) moves at most; the pipes are made this large. */
#define PIPE_BYTES	(256 << 10)
/* A record's plaintext, what a copy through userspace holds at most. */
#define COPY_BYTES	16384

/*
 * ST_HANDSHAKE: the client socket is with ktixd.  ST_CONNECT: the client
 * is a kTLS socket, the backend connection is being made.  ST_RELAY:
 * bytes move both ways.  ST_CLOSING: an alert went to the client; waiting
 * for it to close (no reset may overtake the alert).  ST_DEAD: closed,
 * freed at the end of the event loop's round (its other socket may have
 * an event in the same round).
 */
enum state { ST_HANDSHAKE, ST_CONNECT, ST_RELAY, ST_CLOSING, ST_DEAD };

/*
 * One direction: from one socket into a pipe, and from the pipe into the
 * other socket (splice(2): the kernel decrypts or encrypts, nothing is
 * copied to this process).  Bytes that had to be read instead (a
 * client's record with a capped size, what follows a TLS control record,
 * the PROXY header) wait in buf.
 */
struct flow {
	int from, to;
	bool from_tls;		/* from the client's side (kTLS); else to it */
	int pipe[2];		/* lent while bytes are in it; else -1 */
	size_t in_pipe;
	char *buf;		/* COPY_BYTES, made when first needed */
	size_t off, len;	/* buf[off, len) is still to write */
	bool copy;		/* read with recv, not splice (capped records) */
	bool eof;		/* nothing more will come from @from */
	bool shut;		/* @to's write side is shut down */
	bool notify;		/* the client's end was a close_notify */
	uint64_t bytes;
};

/* The epoll set holds one of these per socket. */
struct side {
	struct conn *c;
	bool backend;
	uint32_t watched;	/* the events asked for; 0: not in the set */
};

struct conn {
	int cfd, bfd;
	uint32_t gen;		/* in the cookie: a reused fd is another conn */
	enum state state;
	struct side cs, bs;
	char peer[KTIX_ADDRSTRLEN];
	struct sockaddr_storage caddr, laddr;
	struct flow up;		/* client to backend */
	struct flow down;	/* backend to client */
	uint64_t start, deadline;	/* CLOCK_MONOTONIC ms */
	/* from ktixd's answer, for the log line and the PROXY header */
	struct ktix_result res;
	struct conn *next_dead;
};

/* Limits and choices, from the command line (main.c). */
struct proxy_conf {
	unsigned int handshake_ms, connect_ms, idle_ms;
	bool proxy_v2;
	const struct addrinfo *backend;
	const char *backend_name;
};
extern struct proxy_conf conf;

/* relay.c: a connection whose backend is connected moves bytes. */
enum relay_end {
	RELAY_MORE,		/* waiting: the events are asked for */
	RELAY_DONE,		/* both halves closed in order */
	RELAY_FAILED,		/* see struct relay_fail; the connection goes */
};
/* Why a relay failed: which socket, its errno, an alert already sent. */
struct relay_fail {
	int err;
	bool backend;		/* the backend's socket failed, else the client's */
	bool alert;		/* libktix sent the client a fatal alert */
};
/* Makes the two flows of @c (pipes come when bytes do): 0. */
int relay_start(struct conn *c);
/*
 * Moves what can move without waiting and asks epoll for what the flows
 * wait for: RELAY_MORE; RELAY_DONE; or RELAY_FAILED with @fail set.
 */
enum relay_end relay_run(struct conn *c, struct relay_fail *fail);
void relay_free(struct conn *c);

/* ppv2.c: the PROXY protocol v2 header for @c, in @buf; its length. */
size_t ppv2_header(const struct conn *c, char *buf, size_t len);
/* addresses, ALPN, SNI, and the TLS TLV with version and cipher */
#define PPV2_MAX	1024

/*
 * main.c: the events epoll waits for on one socket, none taking it out
 * of the set (a hang-up would otherwise wake the loop until the flow that
 * waits elsewhere moves): false if epoll refused.
 */
bool side_watch(struct side *s, int fd, uint32_t events);

#endif /* KTIX_PROXY_H */
