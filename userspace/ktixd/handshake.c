// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: one handshake, in the worker that runs it: non-blocking, with a
 * deadline; the finished ones are offloaded through the module and
 * answered on the server's connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ktix_nl.h"
#include "ktix_tls.h"
#include "server.h"

void peer_name(int fd, char *buf, size_t len)
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

/*
 * Ends a handshake: answers, releases everything, logs.  A failure and a
 * full handshake after a failed resumption are logged; every handshake
 * with --verbose (the server's own log has a line per connection).
 */
static void hs_end(struct worker *w, struct hs *h, struct ktix_result *r)
{
	struct hs_info *i = h->ssl ? tls_info(h->ssl) : NULL;
	uint32_t miss = i ? i->miss : KTIX_RESUME_MISS_NONE;
	uint64_t end = turn_now_ns();
	/* Another worker's turn may have read its clock after this one's. */
	uint64_t usec = end > h->start ? (end - h->start) / 1000 : 0;
	int prio = r->status ? LOG_NOTICE : miss ? LOG_INFO : LOG_DEBUG;
	char peer[INET6_ADDRSTRLEN + 8] = "";

	r->usec = usec > UINT32_MAX ? UINT32_MAX : (uint32_t)usec;
	h->prev->next = h->next;
	h->next->prev = h->prev;
	if (h->events)
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, h->fd, NULL);
	/* Asked only for a line that is written: a system call. */
	if (log_wanted(prio))
		peer_name(h->fd, peer, sizeof(peer));
	/*
	 * No close_notify: the connection goes on under kTLS.  Marking it
	 * shut down keeps OpenSSL from dropping a good session from the
	 * cache as it would for a connection that died.
	 */
	if (h->ssl && !r->status)
		SSL_set_shutdown(h->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	/* A failure's alert, written while held: sent if it can be. */
	if (h->ssl && r->status)
		flight_flush(h->ssl);
	SSL_free(h->ssl);
	close(h->fd);
	if (!r->status) {
		atomic_fetch_add(&counters.handshakes[r->resumed], 1);
		log_msg(prio, "%s: %s %s resumed=%s%s%s sni=%s alpn=%s %uus",
			peer, r->tls_version == 0x0304 ? "TLSv1.3" : "TLSv1.2",
			r->cipher_name, ktix_resumed_name(r->resumed),
			miss ? " miss=" : "", miss ? resume_miss_name(miss) : "",
			*r->sni ? r->sni : "-", *r->alpn ? r->alpn : "-",
			r->usec);
	} else {
		atomic_fetch_add(&counters.failed, 1);
		/* Timed by the loop's turn: 0 is within the turn it began. */
		if (r->usec)
			log_msg(prio, "%s: handshake failed after %uus: %s",
				peer, r->usec, r->error);
		else
			log_msg(prio, "%s: handshake failed at once: %s", peer,
				r->error);
	}
	if (miss)
		atomic_fetch_add(&counters.resume_miss[miss], 1);
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
 * KTIX_CMD_OFFLOAD on this thread's socket, with @first_len bytes the
 * module sends before kTLS takes @fd; on "no such family" (the module was
 * loaded again, and the socket still names the old one) once more, on a
 * socket opened afresh, which *nl then is (or NULL).
 */
static int hs_offload_send(struct ktix_nl **nl, int fd,
			   const struct ktix_tls_keys *k, uint32_t kind,
			   uint32_t miss, const void *first, size_t first_len)
{
	int err = ktix_nl_offload_send(*nl, fd, k, kind, miss, first,
				       first_len);

	if ((err != -ENOENT && err != -EOPNOTSUPP) || mirror_module_gone())
		return err;
	tls_thread_nl_close();
	*nl = tls_thread_nl();
	/* The module that came back may be one without SEND_FIRST. */
	if (*nl && first_len && !tls_thread_nl_has(KTIX_F_SEND_FIRST))
		return -EAGAIN;
	return *nl ? ktix_nl_offload_send(*nl, fd, k, kind, miss, first,
					  first_len) :
		     tls_thread_nl_error();
}

int hs_offload(struct ktix_nl **nl, int fd, const struct ktix_tls_keys *k,
	       uint32_t kind, uint32_t miss)
{
	return hs_offload_send(nl, fd, k, kind, miss, NULL, 0);
}

/*
 * The client went away before the offload: kTLS takes only established
 * connections, so the connection cannot go on.  A client that shut its
 * side down (a FIN after its Finished) gets what TLS asks: a close_notify,
 * then what it had sent is read and dropped, so that the server's close
 * is a FIN and not a reset that would overtake the alert.  One whose
 * connection was reset (a proxy in front aborting it) gets nothing.
 * Returns why, or NULL when the connection is neither.
 */
static const char *hs_gone_early(struct hs *h)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	char buf[4096];
	int i;

	if (getsockopt(h->fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return NULL;
	if (ti.tcpi_state == TCP_CLOSE)
		return "the client's connection was reset before the offload (kTLS needs an established connection)";
	if (ti.tcpi_state != TCP_CLOSE_WAIT)
		return NULL;
	SSL_shutdown(h->ssl);
	for (i = 0; i < 64 && recv(h->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0; i++)
		;
	atomic_fetch_add(&counters.half_closed, 1);
	return "the client shut its side down before the offload (kTLS needs an established connection): close_notify sent";
}

/* Waits until the socket is readable (EPOLLIN) or writable (EPOLLOUT). */
static void hs_wait(struct worker *w, struct hs *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (events == h->events)
		return;
	if (epoll_ctl(w->epfd, h->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
		      h->fd, &ev) < 0) {
		hs_fail(w, h, -errno, "socket: %s", strerror(errno));
		return;
	}
	h->events = events;
}

/*
 * Sends what OpenSSL wrote and the module will not send: true when it
 * went; else the handshake waits for room, or has failed.
 */
static bool hs_flush(struct worker *w, struct hs *h)
{
	int err = flight_flush(h->ssl);

	if (err == -EAGAIN)
		hs_wait(w, h, EPOLLOUT);
	else if (err)
		hs_fail(w, h, err, "sending to the client: %s", strerror(-err));
	return !err;
}

static void hs_done(struct worker *w, struct hs *h)
{
	struct hs_info *info = tls_info(h->ssl);
	struct ktix_nl *nl = tls_thread_nl();
	const unsigned char *alpn;
	struct ktix_tls_keys keys;
	const char *sni, *gone;
	struct ktix_result r;
	unsigned int alpn_len;
	uint32_t miss;
	size_t held_len;
	const void *held;
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
	/*
	 * Never: flight.c reads no further than the client's Finished.  Were
	 * it to, kTLS would miss records, so the connection cannot go on.
	 */
	if (BIO_pending(SSL_get_rbio(h->ssl))) {
		hs_fail(w, h, -EPROTO,
			"the client sent records after its Finished that ktixd read");
		return;
	}
	/*
	 * The records the handshake ended with go with the keys, and the
	 * module sends them; ktixd sends them itself to a module without
	 * SEND_FIRST, when they are too many, or when the socket had no
	 * room for them (the offload then changed nothing).
	 */
	held = flight_held(h->ssl, &held_len);
	if (held_len && (held_len > KTIX_SEND_FIRST_MAX_LEN ||
			 !tls_thread_nl_has(KTIX_F_SEND_FIRST))) {
		if (!hs_flush(w, h))
			return;
		held_len = 0;
	}
	r.resumed = kind_of(h->ssl, info);
	miss = r.resumed == KTIX_RESUMED_NONE && info ?
	       info->miss : KTIX_RESUME_MISS_NONE;
	err = ktix_tls_keys(h->ssl, &keys);
	if (err) {
		hs_fail(w, h, err, "record keys: %s", strerror(-err));
		return;
	}
	err = hs_offload_send(&nl, h->fd, &keys, r.resumed, miss, held,
			      held_len);
	if (err == -EAGAIN && held_len && nl) {
		err = flight_flush(h->ssl);
		if (!err)
			err = hs_offload(&nl, h->fd, &keys, r.resumed, miss);
	}
	r.tls_version = keys.version;
	r.cipher = keys.cipher;
	ktix_tls_keys_wipe(&keys);
	if (err == -EAGAIN && held_len) {
		/* Not even ktixd could send them all: when there is room. */
		hs_wait(w, h, EPOLLOUT);
		return;
	}
	/*
	 * A client gone before the offload (refused before anything was
	 * sent) may get a close_notify: the records go first, as the
	 * alert's sequence number counts them.  Otherwise the module sent
	 * them, or the connection fails without a word.
	 */
	if (err == -ENOTCONN)
		flight_flush(h->ssl);
	flight_held_gone(h->ssl);
	if (err == -ENOTCONN && (gone = hs_gone_early(h))) {
		hs_fail(w, h, err, "%s", gone);
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
	if ((h->req.req.flags & KTIX_REQ_F_SECRETS) &&
	    r.tls_version == 0x0304)
		rekey_seal_result(h->ssl, h->fd, &r);
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

void hs_step(struct worker *w, struct hs *h)
{
	uint32_t events;
	char why[200];
	int ret, e;

	/* What the last step could not send goes first. */
	if (!hs_flush(w, h))
		return;
	ERR_clear_error();
	flight_hold(h->ssl, true);
	ret = SSL_do_handshake(h->ssl);
	flight_hold(h->ssl, false);
	if (ret == 1) {
		hs_done(w, h);
		return;
	}
	e = SSL_get_error(h->ssl, ret);
	/*
	 * Nothing read yet, and nothing to read: only now is the socket
	 * checked to be TCP (a ClientHello that was there already spared
	 * the call).  A UDP socket or a pipe is refused here, at once.
	 */
	if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_SYSCALL) &&
	    !h->checked && !flight_got_any(h->ssl)) {
		const char *why;
		int err = check_tcp(h->fd, &why);

		h->checked = true;
		if (err) {
			hs_fail(w, h, err, "%s", why);
			return;
		}
	}
	switch (e) {
	case SSL_ERROR_WANT_READ:
		/* The flight this step wrote, in one send, before the wait. */
		if (!hs_flush(w, h))
			return;
		events = EPOLLIN;
		break;
	case SSL_ERROR_WANT_WRITE:
		events = EPOLLOUT;
		break;
	case SSL_ERROR_SYSCALL:
		if (!ERR_peek_error()) {
			int err = errno;

			/* The flight BIO's own failure is ENOMEM, not the peer's. */
			hs_fail(w, h, err ? -err : -ECONNRESET, "%s%s",
				err == ENOMEM ? "out of memory for the flight: " :
				err ? "the connection to the client: " :
				"the client closed the connection",
				err ? strerror(err) : "");
			return;
		}
		/* fall through */
	default:
		ssl_error_text(why, sizeof(why));
		hs_fail(w, h, -EPROTO, "TLS: %s", why);
		return;
	}
	hs_wait(w, h, events);
}

void hs_start(struct worker *w, struct hs *h)
{
	h->next = w->head.next;
	h->prev = &w->head;
	w->head.next->prev = h;
	w->head.next = h;
	h->ssl = tls_new();
	if (!h->ssl || flight_attach(h->ssl, h->fd) ||
	    (h->req.alpn_len &&
	     tls_set_alpn(h->ssl, h->req.alpn, h->req.alpn_len))) {
		hs_fail(w, h, -ENOMEM, "out of memory");
		return;
	}
	SSL_set_accept_state(h->ssl);
	/* Into the worker's epoll set when it first has to wait. */
	hs_step(w, h);
}

/* Fails what passed its deadline; returns ms until the next one. */
int hs_expire(struct worker *w)
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
