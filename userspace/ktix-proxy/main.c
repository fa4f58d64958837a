// SPDX-License-Identifier: GPL-2.0
/*
 * ktix-proxy: a TLS terminator on kTLS, in front of any TCP service.
 * ktix-proxy(1).
 *
 * One thread, one epoll set.  Each accepted connection goes to ktixd
 * (ktix_handshake_submit); when ktixd answers, the socket is a kTLS
 * socket, this program connects to the backend (sending it a PROXY
 * protocol v2 header first with --proxy-v2), and relay.c moves the bytes
 * both ways with splice(2): the kernel decrypts and encrypts, this
 * process never sees the plaintext.  This file is the event loop, the
 * connections' states, their limits and their log lines.
 *
 * Every connection has a deadline for what it waits for: ktixd's answer
 * (--handshake-timeout), the backend's connection (--connect-timeout),
 * and progress in either direction (--idle-timeout).  A sweep once a
 * second closes what passed its deadline; --max-conns caps how many
 * connections are open at once.  One line per connection is printed when
 * it ends: who, how the TLS session was made, the bytes each way, the
 * time, and why it ended.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ktix_loop.h"
#include "proxy.h"
#include "ktix_units.h"

struct proxy_conf conf = {
	.handshake_ms = 15000, .connect_ms = 5000, .idle_ms = 300000,
};
static unsigned int max_conns = 4096, n_conns;
static struct ktix_options options;
static struct conn *conns[MAX_FDS];
static uint32_t generation;
static int epfd, max_fd = -1;
static struct ktix_loop_client helper;
static volatile sig_atomic_t stop;
/* Connections closed in this round of the loop, freed at its end. */
static struct conn *dead;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

bool side_watch(struct side *s, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = s };
	int op = !s->watched ? EPOLL_CTL_ADD :
		 !events ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;

	if (s->watched == events)
		return true;
	if (epoll_ctl(epfd, op, fd, &ev) < 0)
		return false;
	s->watched = events;
	return true;
}

/* The log line of a connection that ends, and why it ended. */
static void conn_log(const struct conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void conn_log(const struct conn *c, const char *fmt, ...)
{
	const struct ktix_result *r = &c->res;
	char why[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (c->state == ST_HANDSHAKE) {
		printf("%s: %s\n", c->peer, why);
		return;
	}
	printf("%s: %s %s resumed=%s sni=%s alpn=%s backend=%s up=%llu down=%llu %llums: %s\n",
	       c->peer, r->tls_version == 0x0304 ? "TLSv1.3" : "TLSv1.2",
	       r->cipher_name, ktix_resumed_name(r->resumed),
	       *r->sni ? r->sni : "-", *r->alpn ? r->alpn : "-",
	       conf.backend_name, (unsigned long long)c->up.bytes,
	       (unsigned long long)c->down.bytes,
	       (unsigned long long)(ktix_now_ms() - c->start), why);
}

/* A reset (RST) instead of a FIN: what a reset on the other side becomes. */
static void close_reset(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

enum end { END_CLOSE, END_NOTIFY, END_RESET };

/*
 * Ends @c; the client's socket is closed as @client_end says (a close
 * after an orderly end, a close_notify first if it fits now, or a reset),
 * the backend's with a FIN, or a reset with @reset_backend.  Closing a
 * socket takes it out of the epoll set: neither is ever shared with ktixd
 * by then.  The memory goes at the end of the loop's round (reap()).
 */
static void conn_free(struct conn *c, enum end client_end, bool reset_backend)
{
	if (client_end == END_RESET)
		close_reset(c->cfd);
	else if (client_end == END_NOTIFY)
		ktix_ktls_close_notify(c->cfd);
	if (client_end != END_RESET)
		close(c->cfd);
	if (c->bfd >= 0 && reset_backend)
		close_reset(c->bfd);
	else if (c->bfd >= 0)
		close(c->bfd);
	relay_free(c);
	conns[c->cfd] = NULL;
	n_conns--;
	c->state = ST_DEAD;
	c->next_dead = dead;
	dead = c;
}

static void reap(void)
{
	while (dead) {
		struct conn *c = dead;

		dead = c->next_dead;
		free(c);
	}
}

/*
 * The client's end, while it may still be writing: after a fatal alert
 * (@notify false: libktix sent it; the backend is reset) or with a
 * close_notify now (@notify; the backend, if any, gets a FIN).  The
 * client's write side is shut down and its socket closed when the client
 * closes (or after a second): closing with unread bytes would send a
 * reset that can overtake the alert.
 */
static void conn_linger(struct conn *c, bool notify)
{
	if (c->bfd >= 0) {
		if (notify)
			close(c->bfd);
		else
			close_reset(c->bfd);
		c->bfd = -1;
	}
	relay_free(c);
	/*
	 * Without waiting: the client's send buffer is empty here unless it
	 * read nothing until --idle-timeout, and then it gets no alert.
	 */
	if (notify)
		ktix_ktls_close_notify(c->cfd);
	shutdown(c->cfd, SHUT_WR);
	c->state = ST_CLOSING;
	c->deadline = ktix_now_ms() + 1000;
	if (!side_watch(&c->cs, c->cfd, EPOLLRDHUP))
		conn_free(c, END_CLOSE, false);
}

static void conn_failed(struct conn *c, const struct relay_fail *f)
{
	if (f->backend) {
		conn_log(c, "backend: %s", strerror(f->err));
		conn_free(c, END_RESET, false);
	} else if (f->alert) {
		conn_log(c, "client: %s (alert sent)", strerror(f->err));
		conn_linger(c, false);
	} else {
		conn_log(c, "client: %s", strerror(f->err));
		conn_free(c, END_CLOSE, true);
	}
}

static void relay(struct conn *c)
{
	struct relay_fail f = { 0 };

	switch (relay_run(c, &f)) {
	case RELAY_MORE:
		break;
	case RELAY_DONE:
		conn_log(c, "closed%s", c->up.notify ? "" :
			 " (the client's end had no close_notify)");
		conn_free(c, END_CLOSE, false);
		break;
	case RELAY_FAILED:
		conn_failed(c, &f);
		break;
	}
}

/* The backend answered the connection (or refused it). */
static void connected(struct conn *c)
{
	char hdr[PPV2_MAX];
	socklen_t sl = sizeof(int);
	int err = 0, one = 1;
	size_t n;

	if (getsockopt(c->bfd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
		err = errno;
	if (err) {
		/* The client gets an orderly end: close_notify, then FIN. */
		conn_log(c, "backend: %s", strerror(err));
		conn_linger(c, true);
		return;
	}
	setsockopt(c->bfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	err = relay_start(c);
	if (!err && conf.proxy_v2) {
		n = ppv2_header(c, hdr, sizeof(hdr));
		if (!n) {
			err = -EAFNOSUPPORT;
		} else if (!(c->up.buf = malloc(COPY_BYTES))) {
			err = -ENOMEM;
		} else {
			memcpy(c->up.buf, hdr, n);
			c->up.len = n;
		}
	}
	if (err) {
		conn_log(c, "%s", strerror(-err));
		conn_linger(c, true);
		return;
	}
	c->state = ST_RELAY;
	c->deadline = ktix_now_ms() + conf.idle_ms;
	relay(c);
}

static void backend_connect(struct conn *c)
{
	const struct addrinfo *ai = conf.backend;
	int err;

	c->bfd = socket(ai->ai_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->bfd < 0) {
		conn_log(c, "backend: %s", strerror(errno));
		conn_linger(c, true);
		return;
	}
	c->state = ST_CONNECT;
	c->deadline = ktix_now_ms() + conf.connect_ms;
	err = connect(c->bfd, ai->ai_addr, ai->ai_addrlen) < 0 ? errno : 0;
	if (err == EINPROGRESS) {
		if (side_watch(&c->bs, c->bfd, EPOLLOUT))
			return;
		err = errno;
	}
	if (err) {
		conn_log(c, "backend: %s", strerror(err));
		conn_linger(c, true);
		return;
	}
	connected(c);
}

static void handshake_answer(struct conn *c, const struct ktix_result *r)
{
	if (r->status) {
		conn_log(c, "handshake failed: %s", r->error);
		conn_free(c, END_CLOSE, false);
		return;
	}
	c->res = *r;
	backend_connect(c);
}

static void handshake_answers(void)
{
	struct ktix_result r;

	while (ktix_handshake_complete(helper.client, &r) == 0) {
		int fd = ktix_cookie_fd(r.cookie);
		struct conn *c = fd >= 0 && fd < MAX_FDS ? conns[fd] : NULL;

		if (c && c->gen == ktix_cookie_gen(r.cookie) &&
		    c->state == ST_HANDSHAKE)
			handshake_answer(c, &r);
	}
}

/* ktixd went away: the handshakes it had are lost. */
static void client_lost(void)
{
	int fd;

	fprintf(stderr, "ktix-proxy: ktixd went away; reconnecting at the next connection\n");
	ktix_loop_drop(&helper);
	for (fd = 0; fd <= max_fd; fd++) {
		if (conns[fd] && conns[fd]->state == ST_HANDSHAKE) {
			conn_log(conns[fd], "ktixd went away");
			conn_free(conns[fd], END_CLOSE, false);
		}
	}
}

/* Closes what passed its deadline, saying why. */
static void sweep(void)
{
	uint64_t now = ktix_now_ms();
	int fd;

	for (fd = 0; fd <= max_fd; fd++) {
		struct conn *c = conns[fd];

		if (!c || c->deadline > now)
			continue;
		switch (c->state) {
		case ST_HANDSHAKE:
			conn_log(c, "no answer from ktixd in time (--handshake-timeout)");
			/* ktixd may hold a copy: this ends it for every copy. */
			shutdown(c->cfd, SHUT_RDWR);
			conn_free(c, END_CLOSE, false);
			break;
		case ST_CONNECT:
			conn_log(c, "backend: no connection in time (--connect-timeout)");
			conn_linger(c, true);
			break;
		case ST_RELAY:
			conn_log(c, "idle (--idle-timeout)");
			conn_linger(c, true);
			break;
		case ST_CLOSING:
			conn_free(c, END_CLOSE, false);
			break;
		case ST_DEAD:
			break;
		}
	}
}

static void accept_one(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct conn *c;
	int fd, err;

	fd = ktix_accept(lfd, &ss, n_conns, max_conns, "ktix-proxy");
	if (fd < 0)
		return;
	if (fd >= MAX_FDS || !(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return;
	}
	n_conns++;
	if (fd > max_fd)
		max_fd = fd;
	c->cfd = fd;
	c->bfd = -1;
	c->up.pipe[0] = c->up.pipe[1] = -1;
	c->down.pipe[0] = c->down.pipe[1] = -1;
	c->cs = (struct side){ .c = c };
	c->bs = (struct side){ .c = c, .backend = true };
	c->start = ktix_now_ms();
	c->deadline = c->start + conf.handshake_ms;
	c->gen = ++generation;
	c->caddr = ss;
	sl = sizeof(c->laddr);
	getsockname(fd, (struct sockaddr *)&c->laddr, &sl);
	ktix_addr_str(&ss, c->peer, sizeof(c->peer));
	conns[fd] = c;
	err = helper.client ? 0 : ktix_loop_connect(&helper);
	if (!err)
		err = ktix_handshake_submit(helper.client, fd, &options,
					    ktix_cookie(c->gen, fd));
	if (err) {
		conn_log(c, "handing it to ktixd: %s", strerror(-err));
		conn_free(c, END_CLOSE, false);
	}
}

/* An event on a socket of a connection. */
static void side_event(struct side *s, uint32_t events)
{
	struct conn *c = s->c;
	struct relay_fail f = { .backend = s->backend };
	socklen_t sl = sizeof(f.err);

	switch (c->state) {
	case ST_CONNECT:
		if (s->backend)
			connected(c);
		break;
	case ST_RELAY:
		/*
		 * A reset on a socket no flow reads or writes just now: its
		 * error is the connection's end (else the loop would wake
		 * for it again and again).
		 */
		if (events & EPOLLERR &&
		    !getsockopt(s->backend ? c->bfd : c->cfd, SOL_SOCKET,
				SO_ERROR, &f.err, &sl) && f.err) {
			conn_failed(c, &f);
			break;
		}
		relay(c);
		break;
	case ST_CLOSING:
		if (!s->backend)
			conn_free(c, END_CLOSE, false);
		break;
	case ST_HANDSHAKE:
	case ST_DEAD:
		break;
	}
}

/* One round of the event loop, for at most a second. */
static void proxy_events(int *lfd)
{
	struct epoll_event evs[64];
	/* Deadlines are seconds long: a sweep a second is enough. */
	int n = epoll_wait(epfd, evs, 64, 1000), i;

	for (i = 0; i < n; i++) {
		void *p = evs[i].data.ptr;

		if (p == lfd) {
			accept_one(*lfd);
		} else if (p == &helper) {
			if (!helper.client)
				continue;
			handshake_answers();
			if (evs[i].events & (EPOLLHUP | EPOLLERR))
				client_lost();
		} else {
			/* A connection ended earlier in this round is dead. */
			struct side *s = p;

			side_event(s, evs[i].events);
		}
	}
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ktix-proxy --listen ADDR:PORT --backend ADDR:PORT [OPTION...]\n"
"\n"
"Terminate TLS for a TCP service: each connection on ADDR:PORT is handed\n"
"to ktixd, which makes it a kTLS socket (resuming sessions by ticket,\n"
"TLS 1.3 PSK or session ID, as every helper of the host does), then its\n"
"bytes are spliced to and from a plain TCP connection to the backend.\n"
"\n"
"  -l, --listen ADDR:PORT  where clients connect (\"[::]:443\", \"0.0.0.0:443\")\n"
"  -b, --backend ADDR:PORT the service behind (\"127.0.0.1:8080\", \"[::1]:80\")\n"
"  -s, --socket PATH       ktixd's socket (default %s)\n"
"      --proxy-v2          send the backend a PROXY protocol v2 header first:\n"
"                          the client's address and port, the address it\n"
"                          reached, the SNI, ALPN, TLS version and cipher\n"
"      --alpn LIST         offer these protocols by ALPN, preferred first\n"
"                          (\"h2,http/1.1\"; default: ktixd's alpn setting)\n"
"  -n, --max-conns N       connections open at once (default 4096); more\n"
"                          are accepted and closed at once\n"
"      --handshake-timeout DURATION\n"
"                          for ktixd's answer (default 15s)\n"
"      --connect-timeout DURATION\n"
"                          for the backend's connection (default 5s)\n"
"      --idle-timeout DURATION\n"
"                          without a byte either way (default 5m)\n"
"  -h, --help              print this help and exit\n"
"\n"
"A DURATION is a number with ms, s or m (\"500ms\", \"10s\", \"2m\"), at most\n"
"a day.  One line per connection goes to standard output when it ends.\n",
		KTIX_HELPER_SOCKET);
}

/* The command line: 0 to go on, 1 to exit with an error, 2 with success. */
static int parse_args(int argc, char **argv, const char **listen_spec,
		      const char **backend_spec)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "backend", required_argument, NULL, 'b' },
		{ "socket", required_argument, NULL, 's' },
		{ "proxy-v2", no_argument, NULL, 'P' },
		{ "alpn", required_argument, NULL, 'A' },
		{ "max-conns", required_argument, NULL, 'n' },
		{ "handshake-timeout", required_argument, NULL, 'H' },
		{ "connect-timeout", required_argument, NULL, 'C' },
		{ "idle-timeout", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "l:b:s:n:h", opts, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 'l':
			*listen_spec = optarg;
			break;
		case 'b':
			*backend_spec = optarg;
			break;
		case 's':
			helper.path = optarg;
			break;
		case 'P':
			conf.proxy_v2 = true;
			break;
		case 'A':
			/* As libktix takes it: names of 1 to 254 bytes. */
			if (!*optarg || strlen(optarg) > 254 ||
			    strstr(optarg, ",,") || *optarg == ',' ||
			    optarg[strlen(optarg) - 1] == ',') {
				fprintf(stderr, "ktix-proxy: --alpn: \"%s\" is not a list of protocol names (\"h2,http/1.1\")\n",
					optarg);
				return 1;
			}
			options.alpn = optarg;
			break;
		case 'n':
			errno = 0;
			max_conns = (unsigned int)strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || *optarg == '-' ||
			    !max_conns || max_conns >= MAX_FDS / 8) {
				fprintf(stderr, "ktix-proxy: --max-conns: \"%s\" is not a number from 1 to %d\n",
					optarg, MAX_FDS / 8 - 1);
				return 1;
			}
			break;
		case 'H':
			if (ktix_opt_ms("ktix-proxy", "handshake-timeout",
					optarg, &conf.handshake_ms))
				return 1;
			break;
		case 'C':
			if (ktix_opt_ms("ktix-proxy", "connect-timeout",
					optarg, &conf.connect_ms))
				return 1;
			break;
		case 'I':
			if (ktix_opt_ms("ktix-proxy", "idle-timeout", optarg,
					&conf.idle_ms))
				return 1;
			break;
		case 'h':
			usage(stdout);
			return 2;
		default:
			fprintf(stderr, "Try 'ktix-proxy --help'.\n");
			return 1;
		}
	}
	if (!*listen_spec || !*backend_spec || optind < argc) {
		usage(stderr);
		return 1;
	}
	return 0;
}

/*
 * Each connection holds two sockets, and two pipes while bytes move both
 * ways: six descriptors at most.  The soft limit is raised to the hard
 * one, and --max-conns lowered to what that allows, loudly.
 */
static void fd_limit(void)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)max_conns * 6 + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need) {
		max_conns = rl.rlim_cur > 64 + 6 ? (unsigned int)((rl.rlim_cur - 64) / 6) : 1;
		printf("ktix-proxy: the descriptor limit (%llu) allows %u connections: --max-conns lowered\n",
		       (unsigned long long)rl.rlim_cur, max_conns);
	}
}

int main(int argc, char **argv)
{
	const char *listen_spec = NULL, *backend_spec = NULL;
	struct epoll_event ev = { .events = EPOLLIN };
	struct sigaction sa = { .sa_handler = on_signal };
	struct addrinfo *backend;
	uint64_t last_sweep = 0, now;
	char why[320];
	int i, lfd, err;

	err = parse_args(argc, argv, &listen_spec, &backend_spec);
	if (err)
		return err == 2 ? 0 : 1;
	if (ktix_resolve_tcp(backend_spec, 0, &backend, why, sizeof(why))) {
		fprintf(stderr, "ktix-proxy: --backend %s\n", why);
		return 1;
	}
	conf.backend = backend;
	conf.backend_name = backend_spec;
	options.timeout_ms = conf.handshake_ms;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	helper.epfd = epfd;
	err = ktix_loop_connect(&helper);
	if (err) {
		fprintf(stderr, "ktix-proxy: ktixd at %s: %s (is ktixd running?)\n",
			helper.path ? helper.path : KTIX_HELPER_SOCKET,
			strerror(-err));
		return 1;
	}
	lfd = ktix_listen_tcp(listen_spec, why, sizeof(why));
	if (lfd < 0) {
		fprintf(stderr, "ktix-proxy: --listen %s\n", why);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* A splice into a socket the peer reset says EPIPE, not SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	fd_limit();
	ev.data.ptr = &lfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	printf("ktix-proxy: proxying %s to %s%s\n", listen_spec, backend_spec,
	       conf.proxy_v2 ? " (PROXY protocol v2)" : "");

	while (!stop) {
		proxy_events(&lfd);
		now = ktix_now_ms();
		if (now - last_sweep >= 1000) {
			sweep();
			last_sweep = now;
		}
		reap();
	}
	for (i = 0; i <= max_fd; i++) {
		if (!conns[i])
			continue;
		if (conns[i]->state == ST_HANDSHAKE) {
			conn_free(conns[i], END_CLOSE, false);
			continue;
		}
		conn_log(conns[i], "ktix-proxy stopped");
		conn_free(conns[i], conns[i]->state == ST_CLOSING ?
			  END_CLOSE : END_NOTIFY, false);
	}
	reap();
	ktix_loop_drop(&helper);
	freeaddrinfo(backend);
	close(lfd);
	close(epfd);
	return 0;
}
