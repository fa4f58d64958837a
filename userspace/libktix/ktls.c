// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libktix: reading and writing a kTLS socket as a TLS server must.
 *
 * kTLS encrypts and decrypts, but what a record means is the server's
 * business: a record that fails to decrypt, one too large, an alert, a
 * handshake message after the handshake.  ktix_ktls_recv() answers each as
 * RFC 8446 and RFC 5246 require (alerts go out through kTLS as records of
 * type 21, TLS_SET_RECORD_TYPE), so every server on libktix behaves as
 * nginx on OpenSSL does: the peer reads an alert, never a bare reset.
 *
 *	bad_record_mac (20), fatal	a record that does not decrypt
 *					(kTLS: EBADMSG)
 *	record_overflow (22), fatal	a record over the size limit
 *					(kTLS: EMSGSIZE)
 *	no_renegotiation (100), warning	a TLS 1.2 ClientHello: renegotiation
 *					is refused, the connection goes on
 *					(RFC 5746 4.4, RFC 5246 7.2.2)
 *	close_notify			a TLS 1.3 KeyUpdate, unless the server
 *					follows it (ktix_ktls_recv_update(),
 *					kTLS of Linux 6.14 and later): an
 *					orderly end, and the client reconnects
 *	decode_error (50), fatal	a KeyUpdate of the wrong length
 *	illegal_parameter (47), fatal	a KeyUpdate whose request_update is
 *					neither 0 nor 1 (RFC 8446 4.6.3)
 *	unexpected_message (10), fatal	any other handshake message, a
 *					record of a type not allowed there
 *
 * After a fatal alert the server calls ktix_ktls_abort(): the write side
 * is shut down so that the alert is followed by a FIN, and the socket is
 * closed once the peer has closed too (or a short while has passed), not
 * at once with unread bytes, which would make the kernel send a reset that
 * can overtake the alert.  An event loop does the same without blocking:
 * shutdown(SHUT_WR), wait for EPOLLRDHUP, close.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/tls.h>

#include "ktix.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/* TLS record content types, handshake types and alerts (RFC 8446). */
#define REC_CHANGE_CIPHER_SPEC	20
#define REC_ALERT		21
#define REC_HANDSHAKE		22
#define REC_APPLICATION_DATA	23
#define HS_CLIENT_HELLO		1
#define HS_KEY_UPDATE		24
#define ALERT_WARNING		1
#define ALERT_FATAL		2
#define ALERT_CLOSE_NOTIFY	0
#define ALERT_UNEXPECTED_MESSAGE 10
#define ALERT_BAD_RECORD_MAC	20
#define ALERT_RECORD_OVERFLOW	22
#define ALERT_ILLEGAL_PARAMETER	47
#define ALERT_DECODE_ERROR	50
#define ALERT_NO_RENEGOTIATION	100

static int send_alert(int fd, unsigned char level, unsigned char desc)
{
	unsigned char alert[2] = { level, desc };
	union {
		char buf[CMSG_SPACE(sizeof(unsigned char))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = alert, .iov_len = sizeof(alert) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int err = 0;
	socklen_t len = sizeof(err);

	/*
	 * A receive error is kept in the socket (sk_err) and would fail
	 * this send too: reading SO_ERROR clears it.  The transmit side of
	 * kTLS is unharmed.
	 */
	if (level == ALERT_FATAL)
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	c->cmsg_level = SOL_TLS;
	c->cmsg_type = TLS_SET_RECORD_TYPE;
	c->cmsg_len = CMSG_LEN(sizeof(unsigned char));
	*CMSG_DATA(c) = REC_ALERT;
	return sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ? -errno : 0;
}

/* The socket's TLS version (TLS_1_2_VERSION, TLS_1_3_VERSION), or 0. */
static unsigned int ktls_version(int fd)
{
	/* Asked for the header only, kTLS gives no key material. */
	struct tls_crypto_info info = { 0 };
	socklen_t len = sizeof(info);

	if (getsockopt(fd, SOL_TLS, TLS_TX, &info, &len) < 0)
		return 0;
	return info.version;
}

/*
 * A TLS 1.3 KeyUpdate record (RFC 8446 4.6.3): exactly the message, which
 * must end its record (5.1: a message before a key change aligns with the
 * record boundary).  0 and *requested, or the fatal alert it deserves.
 */
static int key_update_check(const unsigned char *m, size_t n, bool *requested)
{
	if (n < 4 || m[1] || m[2] || m[3] != 1)
		return n >= 4 ? ALERT_DECODE_ERROR : ALERT_UNEXPECTED_MESSAGE;
	if (n != 5)
		return ALERT_UNEXPECTED_MESSAGE;
	if (m[4] > 1)
		return ALERT_ILLEGAL_PARAMETER;
	*requested = m[4] == 1;
	return 0;
}

/*
 * What ktix_ktls_recv() reads; with @requested (not NULL), a KeyUpdate is
 * the caller's to follow: -EKEYEXPIRED, nothing sent.
 */
static ssize_t recv_records(int fd, void *buf, size_t len, int flags,
			    bool *requested)
{
	union {
		char buf[CMSG_SPACE(sizeof(unsigned char))];
		struct cmsghdr align;
	} ctl;
	const unsigned char *a = buf;
	bool req = false;
	int alert;

	for (;;) {
		struct iovec iov = { .iov_base = buf, .iov_len = len };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		unsigned char type = REC_APPLICATION_DATA;
		struct cmsghdr *c;
		ssize_t n;

		n = recvmsg(fd, &mh, flags);
		if (n < 0) {
			int err = errno;

			if (err == EBADMSG)
				send_alert(fd, ALERT_FATAL, ALERT_BAD_RECORD_MAC);
			else if (err == EMSGSIZE)
				send_alert(fd, ALERT_FATAL, ALERT_RECORD_OVERFLOW);
			return -err;
		}
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_TLS &&
			    c->cmsg_type == TLS_GET_RECORD_TYPE)
				type = *CMSG_DATA(c);
		switch (type) {
		case REC_APPLICATION_DATA:
			return n;
		case REC_ALERT:
			/* The peer's: nothing is said back. */
			if (n >= 2 && a[1] == ALERT_CLOSE_NOTIFY)
				return 0;
			return -ECONNRESET;
		case REC_HANDSHAKE:
			if (n >= 1 && a[0] == HS_CLIENT_HELLO &&
			    ktls_version(fd) == TLS_1_2_VERSION) {
				/* Renegotiation: refused, and the data goes on. */
				send_alert(fd, ALERT_WARNING,
					   ALERT_NO_RENEGOTIATION);
				continue;
			}
			if (n >= 1 && a[0] == HS_KEY_UPDATE &&
			    ktls_version(fd) == TLS_1_3_VERSION) {
				alert = key_update_check(a, (size_t)n, &req);
				if (alert) {
					send_alert(fd, ALERT_FATAL,
						   (unsigned char)alert);
					return -EPROTO;
				}
				if (requested) {
					*requested = req;
					return -EKEYEXPIRED;
				}
				send_alert(fd, ALERT_WARNING,
					   ALERT_CLOSE_NOTIFY);
				return -EPROTO;
			}
			send_alert(fd, ALERT_FATAL, ALERT_UNEXPECTED_MESSAGE);
			return -EPROTO;
		default:
			send_alert(fd, ALERT_FATAL, ALERT_UNEXPECTED_MESSAGE);
			return -EPROTO;
		}
	}
}

ssize_t ktix_ktls_recv(int fd, void *buf, size_t len, int flags)
{
	return recv_records(fd, buf, len, flags, NULL);
}

ssize_t ktix_ktls_recv_update(int fd, void *buf, size_t len, int flags,
			      bool *update_requested)
{
	return recv_records(fd, buf, len, flags, update_requested);
}

ssize_t ktix_ktls_send(int fd, const void *buf, size_t len, int flags,
		       unsigned int max_record)
{
	const char *p = buf;
	size_t done = 0;
	ssize_t n;

	if (!max_record || max_record >= 16384) {
		n = send(fd, buf, len, flags);
		return n < 0 ? -errno : n;
	}
	/* kTLS ends a record at the end of each send without MSG_MORE. */
	flags &= ~MSG_MORE;
	while (done < len) {
		size_t chunk = len - done < max_record ? len - done : max_record;

		n = send(fd, p + done, chunk, flags);
		if (n < 0)
			return done ? (ssize_t)done : -errno;
		done += (size_t)n;
		if ((size_t)n < chunk)
			break;
	}
	return (ssize_t)done;
}

int ktix_ktls_close_notify(int fd)
{
	return send_alert(fd, ALERT_WARNING, ALERT_CLOSE_NOTIFY);
}

/*
 * The close_notify, after the last data: that data may still fill the
 * socket's send buffer, and a non-blocking send of the alert would then
 * fail (EAGAIN) and the peer see a FIN without it, a truncation.  So wait
 * for room, a second at most (a peer that reads nothing gets no alert).
 * An event loop must not wait here: it uses ktix_ktls_close_notify().
 */
static int send_close_notify(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0, i;

	for (i = 0; i < 10; i++) {
		err = ktix_ktls_close_notify(fd);
		if (err != -EAGAIN)
			return err;
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			return -errno;
	}
	return err;
}

int ktix_ktls_close(int fd)
{
	int err = send_close_notify(fd);

	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

int ktix_ktls_shutdown(int fd)
{
	int err = send_close_notify(fd);

	if (shutdown(fd, SHUT_WR) < 0 && !err)
		err = -errno;
	return err;
}

int ktix_ktls_abort(int fd, int wait_ms)
{
	/* Only a hang-up ends the wait: POLLIN is not asked for. */
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };
	int n;

	shutdown(fd, SHUT_WR);
	/* Until the peer closes: closing first, with unread data, resets. */
	do {
		n = wait_ms > 0 ? poll(&p, 1, wait_ms) : 0;
	} while (n < 0 && errno == EINTR);
	return close(fd) < 0 ? -errno : 0;
}
