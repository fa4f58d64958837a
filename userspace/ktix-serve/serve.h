/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktix-serve: what its event loop (main.c) and its HTTP (http.c) share.
 */
#ifndef KTIX_SERVE_H
#define KTIX_SERVE_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <http_parser.h>

#include "ktix.h"
#include "ktix_net.h"

#define REQ_MAX		8192
#define SEND_CHUNK	(2 << 20)	/* per sendfile(2), as nginx */
#define MAX_FDS		65536

/*
 * ST_KEY_UPDATE: the client's KeyUpdate is with ktixd; nothing is read or
 * written until its answer.  ST_NOTIFY: the last answer is sent; its
 * close_notify waits for room in the send buffer.  ST_CLOSING: an alert
 * went out; waiting for the client to close.
 */
enum state {
	ST_HANDSHAKE, ST_READ, ST_SEND, ST_KEY_UPDATE, ST_NOTIFY, ST_CLOSING
};

struct conn {
	int fd;
	uint32_t gen;		/* in the cookie: a reused fd is another conn */
	enum state state;
	uint32_t watched;	/* the events epoll waits for; 0: not in it */
	char peer[KTIX_ADDRSTRLEN];
	char req[REQ_MAX];
	size_t req_len;
	http_parser parser;
	char url[2048];
	size_t url_len;
	bool url_too_long, complete, keep_alive;
	/* the answer being sent */
	char head[512];
	size_t head_len, head_off;
	int file;
	off_t file_off, file_len;
	unsigned int max_record;	/* the client's max_fragment_length */
	uint64_t deadline;		/* CLOCK_MONOTONIC ms */
	bool in_request;		/* a request's first bytes have come */
	/* TLS 1.3 with key updates followed: ktixd's sealed secrets */
	bool has_secrets;
	uint8_t secrets[KTIX_SECRETS_LEN];
};

/* http-parser's callbacks: the URL, and the end of one request. */
extern const http_parser_settings http_settings;
/* An error answer with a short text body (none for HEAD). */
void http_error_page(struct conn *c, int code, const char *reason);
void http_answer(struct conn *c, int root_fd);

#endif /* KTIX_SERVE_H */
