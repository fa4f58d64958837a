// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-serve: an example HTTP/1.1 static-file server on kTLS.  ktix-serve(1).
 *
 * One thread, one epoll set.  Each accepted connection goes to ktixd
 * (ktix_handshake_submit); when its answer comes, the socket is a kTLS
 * socket and this program only ever sees plaintext: requests are parsed
 * and answered by http.c, files are sent with sendfile(2), and the kernel
 * encrypts.  This file is the event loop and the connections' states.
 *
 * Every connection has a deadline for what it waits for: ktixd's answer
 * (--handshake-timeout), a whole request header from its first byte
 * (--header-timeout: slowloris), the next request on an idle keep-alive
 * connection and progress while sending (--idle-timeout).  A sweep once a
 * second closes what passed its deadline, and --max-conns caps how many
 * connections are open at once.
 *
 * A TLS 1.3 client's KeyUpdate is followed where the kernel's kTLS takes
 * new keys (Linux 6.14 and later; --key-updates): the connection waits
 * for ktixd (ST_KEY_UPDATE), which installs the next keys.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <http_parser.h>

#include "ktix.h"
#include "ktix_loop.h"
#include "ktix_net.h"
#include "ktix_units.h"
#include "serve.h"

/* Limits, by option; milliseconds. */
static unsigned int handshake_ms = 15000, header_ms = 10000, idle_ms = 60000;
static unsigned int max_conns = 4096, n_conns;
static int max_fd = -1;
/*
 * An HTTP/1.1 server says so by ALPN (RFC 7301), as others do; the
 * secrets for following KeyUpdates are asked for by --key-updates.
 */
static struct ktix_options options = { .alpn = "http/1.1" };
enum { KU_AUTO, KU_ON, KU_OFF };
static int key_updates = KU_AUTO;

static struct conn *conns[MAX_FDS];
static uint32_t generation;
static int root_fd, epfd;
static struct ktix_loop_client helper;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Waits for @events on the connection: false if it cannot be. */
static bool watch(struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->watched == events)
		return true;
	if (epoll_ctl(epfd, c->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
		      c->fd, &ev) < 0)
		return false;
	c->watched = events;
	return true;
}

/* Out of the epoll set (for ktixd, which then holds a copy). */
static void unwatch(struct conn *c)
{
	if (c->watched)
		epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	c->watched = 0;
}

/*
 * No EPOLL_CTL_DEL: closing the last descriptor of a socket takes it out
 * of the epoll set, and a connection is only ever in the set while ktixd
 * holds no copy (ktixd closes its copy before it answers; during a
 * handshake or a key update the connection is out of the set).  With
 * @tls, a close_notify first if it fits the send buffer now: nothing here
 * waits for a client (a full buffer at an error or a deadline is a client
 * that reads nothing; conn_end() waits in the loop for one that does).
 */
static void conn_close(struct conn *c, bool tls)
{
	if (c->file >= 0)
		close(c->file);
	if (tls)
		ktix_ktls_close_notify(c->fd);
	close(c->fd);
	conns[c->fd] = NULL;
	n_conns--;
	free(c);
}

/*
 * The orderly end, after the last answer: its close_notify, and the
 * close.  Where the answer still fills the send buffer the alert waits
 * (ST_NOTIFY) for room, as long as the answer's own bytes would
 * (--idle-timeout): a FIN without it would read as a truncation.
 */
static void conn_end(struct conn *c)
{
	if (ktix_ktls_close_notify(c->fd) != -EAGAIN) {
		conn_close(c, false);
		return;
	}
	if (c->state != ST_NOTIFY) {
		c->state = ST_NOTIFY;
		c->deadline = ktix_now_ms() + idle_ms;
	}
	if (!watch(c, EPOLLOUT))
		conn_close(c, false);
}

/*
 * ktix_ktls_recv() refused a record and sent its alert (or ktixd sent a
 * close_notify when it could not follow a KeyUpdate): the write side
 * is shut down, and the socket closed when the client closes (or at the
 * deadline), so that no reset overtakes the alert.  Without blocking.
 */
static void conn_abort(struct conn *c, const char *why)
{
	printf("%s: closed: %s\n", c->peer, why);
	if (c->file >= 0) {
		close(c->file);
		c->file = -1;
	}
	shutdown(c->fd, SHUT_WR);
	c->state = ST_CLOSING;
	c->deadline = ktix_now_ms() + 1000;
	if (!watch(c, EPOLLRDHUP))
		conn_close(c, false);
}

/* Closes what passed its deadline, saying why. */
static void sweep(void)
{
	uint64_t now = ktix_now_ms();
	int fd;

	for (fd = 0; fd <= max_fd; fd++) {
		struct conn *c = conns[fd];
		const char *why;

		if (!c || c->deadline > now)
			continue;
		if (c->state == ST_CLOSING) {
			conn_close(c, false);
			continue;
		}
		if (c->state == ST_HANDSHAKE)
			why = "no answer from ktixd in time (--handshake-timeout)";
		else if (c->state == ST_KEY_UPDATE)
			why = "no answer from ktixd to a key update in time (--handshake-timeout)";
		else if (c->state == ST_SEND || c->state == ST_NOTIFY)
			why = "the client took nothing for too long (--idle-timeout)";
		else if (c->in_request)
			why = "no whole request header in time (--header-timeout)";
		else
			why = "idle (--idle-timeout)";
		printf("%s: closed: %s\n", c->peer, why);
		/*
		 * ktixd may hold a copy of the socket (in its queue or in
		 * a handshake): shutting it down ends the connection for
		 * every copy, so the client is not left waiting.
		 */
		if (c->state == ST_HANDSHAKE)
			shutdown(c->fd, SHUT_RDWR);
		conn_close(c, c->state != ST_HANDSHAKE);
	}
}

static void conn_send(struct conn *c);

/* Parses what was read; answers a complete request. */
static void conn_parse(struct conn *c)
{
	size_t n;

	if (!c->req_len)
		return;
	n = http_parser_execute(&c->parser, &http_settings, c->req, c->req_len);
	if (HTTP_PARSER_ERRNO(&c->parser) == HPE_PAUSED) {
		http_parser_pause(&c->parser, 0);
	} else if (HTTP_PARSER_ERRNO(&c->parser) != HPE_OK) {
		c->keep_alive = false;
		http_error_page(c, 400, "Bad Request");
		c->file = -1;
		c->state = ST_SEND;
		conn_send(c);
		return;
	}
	memmove(c->req, c->req + n, c->req_len - n);
	c->req_len -= n;
	if (!c->complete)
		return;
	http_answer(c, root_fd);
	c->state = ST_SEND;
	conn_send(c);
}

/* The client's KeyUpdate: to ktixd, and nothing else until it answers. */
static void key_update_start(struct conn *c, bool requested)
{
	int err = helper.client ?
		  ktix_key_update_submit(helper.client, c->fd, c->secrets,
					 requested, ktix_cookie(c->gen, c->fd)) :
		  -ENOTCONN;

	if (err) {
		printf("%s: closed: a key update: handing it to ktixd: %s\n",
		       c->peer, strerror(-err));
		conn_close(c, true);
		return;
	}
	/* Out of the set: a hang-up meanwhile would wake the loop for ever. */
	unwatch(c);
	c->state = ST_KEY_UPDATE;
	c->deadline = ktix_now_ms() + handshake_ms;
}

static void conn_read(struct conn *c)
{
	bool requested = false;
	ssize_t n;

	if (c->req_len == sizeof(c->req)) {
		c->keep_alive = false;
		http_error_page(c, 400, "Bad Request");
		c->state = ST_SEND;
		conn_send(c);
		return;
	}
	if (c->has_secrets)
		n = ktix_ktls_recv_update(c->fd, c->req + c->req_len,
					  sizeof(c->req) - c->req_len,
					  MSG_DONTWAIT, &requested);
	else
		n = ktix_ktls_recv(c->fd, c->req + c->req_len,
				   sizeof(c->req) - c->req_len, MSG_DONTWAIT);
	if (n == -EAGAIN || n == -EINTR) {
		if (!watch(c, EPOLLIN))
			conn_close(c, true);
		return;
	}
	if (n == -EKEYEXPIRED) {
		key_update_start(c, requested);
		return;
	}
	if (n < 0) {
		conn_abort(c, strerror((int)-n));
		return;
	}
	if (n == 0) {
		conn_end(c);
		return;
	}
	/* The first bytes of a request: the whole header has its time. */
	if (!c->in_request) {
		c->in_request = true;
		c->deadline = ktix_now_ms() + header_ms;
	}
	c->req_len += (size_t)n;
	conn_parse(c);
}

/*
 * A client that asked for smaller records (max_fragment_length): the file
 * through a buffer, in records of its size, since sendfile(2) on kTLS
 * fills records to 16 KiB.  As sendfile: bytes sent, or -1 and errno.
 */
static ssize_t send_capped(struct conn *c, off_t left)
{
	char buf[16384];
	ssize_t n, sent;

	n = pread(c->file, buf, (size_t)(left < (off_t)sizeof(buf) ? left :
					 (off_t)sizeof(buf)), c->file_off);
	if (n <= 0)
		return n;
	sent = ktix_ktls_send(c->fd, buf, (size_t)n,
			      MSG_DONTWAIT | MSG_NOSIGNAL, c->max_record);
	if (sent < 0) {
		errno = (int)-sent;
		return -1;
	}
	c->file_off += sent;
	return sent;
}

static void conn_send(struct conn *c)
{
	/*
	 * With a body to follow, MSG_MORE keeps kTLS's record open for it:
	 * the head and a small file go out in one record, one encryption.
	 */
	int more = c->file >= 0 && c->file_off < c->file_len ? MSG_MORE : 0;

	while (c->head_off < c->head_len) {
		ssize_t n = ktix_ktls_send(c->fd, c->head + c->head_off,
					   c->head_len - c->head_off,
					   MSG_DONTWAIT | MSG_NOSIGNAL | more,
					   c->max_record);

		if (n < 0) {
			if (n == -EAGAIN)
				goto wait;
			if (n == -EINTR)
				continue;
			printf("%s: closed: sending the head: %s\n", c->peer,
			       strerror((int)-n));
			conn_close(c, false);
			return;
		}
		c->head_off += (size_t)n;
	}
	while (c->file >= 0 && c->file_off < c->file_len) {
		off_t left = c->file_len - c->file_off;
		ssize_t n;

		if (c->max_record < 16384)
			n = send_capped(c, left);
		else
			n = sendfile(c->fd, c->file, &c->file_off,
				     (size_t)(left < SEND_CHUNK ? left : SEND_CHUNK));
		if (n < 0) {
			if (errno == EAGAIN)
				goto wait;
			if (errno == EINTR)
				continue;
			printf("%s: closed: sending the file: %s\n", c->peer,
			       strerror(errno));
			conn_close(c, false);
			return;
		}
		if (n == 0) {
			/* The file shrank: the response cannot be finished. */
			printf("%s: closed: the file shrank while being sent\n",
			       c->peer);
			conn_close(c, false);
			return;
		}
	}
	if (c->file >= 0) {
		close(c->file);
		c->file = -1;
	}
	if (!c->keep_alive) {
		conn_end(c);
		return;
	}
	/* The next request, which may have come with this one. */
	c->state = ST_READ;
	c->complete = false;
	c->url_len = 0;
	c->url_too_long = false;
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	if (!watch(c, EPOLLIN)) {
		conn_close(c, true);
		return;
	}
	/* Bytes of the next request may have come with this one. */
	c->in_request = c->req_len != 0;
	c->deadline = ktix_now_ms() + (c->in_request ? header_ms : idle_ms);
	conn_parse(c);
	return;
wait:
	c->deadline = ktix_now_ms() + idle_ms;
	if (!watch(c, EPOLLOUT))
		conn_close(c, true);
}

/* ktixd's answer to a key update: reading goes on, or the end. */
static void key_update_answer(struct conn *c, const struct ktix_result *r)
{
	if (r->status) {
		/* ktixd sent the client a close_notify. */
		conn_abort(c, r->error);
		return;
	}
	printf("%s: key update\n", c->peer);
	memcpy(c->secrets, r->secrets, sizeof(c->secrets));
	c->state = ST_READ;
	c->deadline = ktix_now_ms() + (c->in_request ? header_ms : idle_ms);
	if (!watch(c, EPOLLIN))
		conn_close(c, true);
}

static void handshake_answer(struct conn *c, const struct ktix_result *r)
{
	size_t i;

	if (r->status) {
		printf("%s: handshake failed: %s\n", c->peer, r->error);
		conn_close(c, false);
		return;
	}
	printf("%s: %s %s resumed=%s sni=%s alpn=%s handle=", c->peer,
	       r->tls_version == 0x0304 ? "TLSv1.3" : "TLSv1.2",
	       r->cipher_name, ktix_resumed_name(r->resumed),
	       *r->sni ? r->sni : "-", *r->alpn ? r->alpn : "-");
	if (r->flags & KTIX_RES_F_HANDLE)
		for (i = 0; i < sizeof(r->handle); i++)
			printf("%02x", r->handle[i]);
	else
		printf("-");
	if (r->max_record && r->max_record < 16384)
		printf(" max_record=%u", r->max_record);
	printf(" %uus\n", r->usec);
	c->max_record = r->max_record ? r->max_record : 16384;
	c->has_secrets = r->flags & KTIX_RES_F_SECRETS;
	if (c->has_secrets)
		memcpy(c->secrets, r->secrets, sizeof(c->secrets));
	c->state = ST_READ;
	c->deadline = ktix_now_ms() + idle_ms;
	/*
	 * The request usually came with the client's Finished: read at
	 * once, and into the epoll set only if it has not come yet.
	 */
	conn_read(c);
}

static void handshake_answers(void)
{
	struct ktix_result r;

	while (ktix_handshake_complete(helper.client, &r) == 0) {
		int fd = ktix_cookie_fd(r.cookie);
		struct conn *c = fd >= 0 && fd < MAX_FDS ? conns[fd] : NULL;

		if (!c || c->gen != ktix_cookie_gen(r.cookie))
			continue;
		if (c->state == ST_HANDSHAKE)
			handshake_answer(c, &r);
		else if (c->state == ST_KEY_UPDATE)
			key_update_answer(c, &r);
	}
}

/* ktixd went away: the handshakes it had are lost. */
static void client_lost(void)
{
	int fd;

	fprintf(stderr, "ktix-serve: ktixd went away; reconnecting at the next connection\n");
	ktix_loop_drop(&helper);
	for (fd = 0; fd < MAX_FDS; fd++) {
		if (conns[fd] && conns[fd]->state == ST_HANDSHAKE)
			conn_close(conns[fd], false);
		else if (conns[fd] && conns[fd]->state == ST_KEY_UPDATE)
			conn_close(conns[fd], true);
	}
}

static void accept_one(int lfd)
{
	struct sockaddr_storage ss;
	struct conn *c;
	int fd, err;

	fd = ktix_accept(lfd, &ss, n_conns, max_conns, "ktix-serve");
	if (fd < 0)
		return;
	if (fd >= MAX_FDS || !(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return;
	}
	n_conns++;
	if (fd > max_fd)
		max_fd = fd;
	c->fd = fd;
	c->deadline = ktix_now_ms() + handshake_ms;
	c->gen = ++generation;
	c->file = -1;
	ktix_addr_str(&ss, c->peer, sizeof(c->peer));
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	conns[fd] = c;
	err = helper.client ? 0 : ktix_loop_connect(&helper);
	if (!err)
		err = ktix_handshake_submit(helper.client, fd, &options,
					    ktix_cookie(c->gen, fd));
	if (err) {
		printf("%s: handing it to ktixd: %s\n", c->peer, strerror(-err));
		conn_close(c, false);
	}
}

static int listen_on(const char *spec)
{
	char err[320];
	int fd = ktix_listen_tcp(spec, err, sizeof(err));

	if (fd < 0)
		fprintf(stderr, "ktix-serve: --listen %s\n", err);
	return fd;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ktix-serve --listen ADDR:PORT --root DIR [--socket PATH]\n"
"\n"
"Serves the files under DIR over HTTP/1.1 on TLS: ktixd performs each\n"
"handshake, the kernel (kTLS) encrypts.  GET and HEAD, keep-alive.\n"
"One line per connection on standard output.\n"
"\n"
"  -l, --listen ADDR:PORT  address to listen on ([::]:8443, 127.0.0.1:8443)\n"
"  -r, --root DIR          directory to serve\n"
"  -s, --socket PATH       ktixd's socket (default %s)\n"
"  -n, --max-conns N       connections open at once (default 4096); beyond,\n"
"                          new ones are closed at once, with a log line\n"
"      --handshake-timeout DURATION\n"
"                          for ktixd's answer (default 15s)\n"
"      --header-timeout DURATION\n"
"                          for a whole request header, from its first byte\n"
"                          (default 10s)\n"
"      --idle-timeout DURATION\n"
"                          for the next request on a keep-alive connection,\n"
"                          and for a client that takes no bytes (default 60s)\n"
"      --key-updates auto|on|off\n"
"                          follow a TLS 1.3 client's KeyUpdate: auto (the\n"
"                          default) where the kernel's kTLS takes new keys\n"
"                          (Linux 6.14 and later); off ends the connection\n"
"                          with a close_notify instead\n"
"  -h, --help              print this help and exit\n"
"\n"
"A DURATION is a number with ms, s or m (\"500ms\", \"10s\", \"2m\").\n",
		KTIX_HELPER_SOCKET);
}

/* The command line: 0 to go on, 1 to exit with an error, 2 with success. */
static int parse_args(int argc, char **argv, const char **listen_spec,
		      const char **root)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "root", required_argument, NULL, 'r' },
		{ "socket", required_argument, NULL, 's' },
		{ "max-conns", required_argument, NULL, 'n' },
		{ "handshake-timeout", required_argument, NULL, 'H' },
		{ "header-timeout", required_argument, NULL, 'T' },
		{ "idle-timeout", required_argument, NULL, 'I' },
		{ "key-updates", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "l:r:s:n:h", opts, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 'n':
			errno = 0;
			max_conns = (unsigned int)strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || !max_conns ||
			    max_conns >= MAX_FDS) {
				fprintf(stderr, "ktix-serve: --max-conns: \"%s\" is not a number from 1 to %d\n",
					optarg, MAX_FDS - 1);
				return 1;
			}
			break;
		case 'H':
			if (ktix_opt_ms("ktix-serve", "handshake-timeout", optarg,
					&handshake_ms))
				return 1;
			break;
		case 'T':
			if (ktix_opt_ms("ktix-serve", "header-timeout", optarg,
					&header_ms))
				return 1;
			break;
		case 'I':
			if (ktix_opt_ms("ktix-serve", "idle-timeout", optarg,
					&idle_ms))
				return 1;
			break;
		case 'K':
			if (!strcmp(optarg, "auto")) {
				key_updates = KU_AUTO;
			} else if (!strcmp(optarg, "on")) {
				key_updates = KU_ON;
			} else if (!strcmp(optarg, "off")) {
				key_updates = KU_OFF;
			} else {
				fprintf(stderr, "ktix-serve: --key-updates: \"%s\" is not auto, on or off\n",
					optarg);
				return 1;
			}
			break;
		case 'l':
			*listen_spec = optarg;
			break;
		case 'r':
			*root = optarg;
			break;
		case 's':
			helper.path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 2;
		default:
			fprintf(stderr, "Try 'ktix-serve --help'.\n");
			return 1;
		}
	}
	if (!*listen_spec || !*root || optind < argc) {
		usage(stderr);
		return 1;
	}
	return 0;
}

/* Asks for the secrets that following KeyUpdates takes, and says so. */
static void key_updates_say(void)
{
	int can = key_updates == KU_AUTO ? ktix_ktls_can_rekey() : 0;

	if (key_updates == KU_ON || can == 1)
		options.flags |= KTIX_OPT_F_KEY_UPDATE;
	if (key_updates == KU_ON)
		printf("ktix-serve: following TLS 1.3 KeyUpdates (--key-updates on)\n");
	else if (key_updates == KU_OFF)
		printf("ktix-serve: a TLS 1.3 KeyUpdate ends its connection (--key-updates off)\n");
	else if (can == 1)
		printf("ktix-serve: following TLS 1.3 KeyUpdates: this kernel's kTLS takes new keys\n");
	else
		printf("ktix-serve: a TLS 1.3 KeyUpdate ends its connection: %s\n",
		       can == 0 ? "this kernel's kTLS cannot take new keys (Linux 6.14 and later can)" :
		       strerror(-can));
}

/* One round of the event loop, for at most a second. */
static void serve_events(int *lfd)
{
	struct epoll_event evs[64];
	/* Deadlines are seconds long: a sweep a second is enough. */
	int n = epoll_wait(epfd, evs, 64, 1000), i;

	for (i = 0; i < n; i++) {
		void *p = evs[i].data.ptr;
		struct conn *c = p;

		if (p == lfd) {
			accept_one(*lfd);
		} else if (p == &helper) {
			if (!helper.client)
				continue;
			handshake_answers();
			if (evs[i].events & (EPOLLHUP | EPOLLERR))
				client_lost();
		} else if (c->state == ST_READ) {
			conn_read(c);
		} else if (c->state == ST_SEND) {
			conn_send(c);
		} else if (c->state == ST_NOTIFY) {
			conn_end(c);
		} else if (c->state == ST_CLOSING) {
			conn_close(c, false);
		}
	}
}

int main(int argc, char **argv)
{
	const char *listen_spec = NULL, *root = NULL;
	struct epoll_event ev = { .events = EPOLLIN };
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t last_sweep = 0, now;
	int i, lfd, err;

	err = parse_args(argc, argv, &listen_spec, &root);
	if (err)
		return err == 2 ? 0 : 1;
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0) {
		fprintf(stderr, "ktix-serve: %s: %s\n", root, strerror(errno));
		return 1;
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	helper.epfd = epfd;
	err = ktix_loop_connect(&helper);
	if (err) {
		fprintf(stderr, "ktix-serve: ktixd at %s: %s (is ktixd running?)\n",
			helper.path ? helper.path : KTIX_HELPER_SOCKET,
			strerror(-err));
		return 1;
	}
	lfd = listen_on(listen_spec);
	if (lfd < 0)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ev.data.ptr = &lfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	key_updates_say();
	printf("ktix-serve: serving %s on %s\n", root, listen_spec);

	while (!stop) {
		serve_events(&lfd);
		/* After the events: they may point at what a sweep frees. */
		now = ktix_now_ms();
		if (now - last_sweep >= 1000) {
			sweep();
			last_sweep = now;
		}
	}
	for (i = 0; i < MAX_FDS; i++)
		if (conns[i])
			conn_close(conns[i], conns[i]->state != ST_HANDSHAKE &&
				   conns[i]->state != ST_CLOSING);
	ktix_loop_drop(&helper);
	close(lfd);
	close(epfd);
	close(root_fd);
	return 0;
}
