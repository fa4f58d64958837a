// SPDX-License-Identifier: GPL-2.0
/*
 * ktixd: the handshake's socket I/O, a flight at a time.
 *
 * OpenSSL's socket BIO reads each record in two read(2)s, its header and
 * then its body, since read-ahead must stay off: whatever the client sent
 * after its Finished belongs to kTLS, and must still be in the socket when
 * the keys go in.  This BIO reads whole flights instead, and never more:
 *
 * - Until ktixd has written anything, everything waiting is read at once.
 *   The client cannot have sent anything that follows its Finished: it has
 *   not seen the server's flight that Finished answers.
 * - After that, the waiting bytes are peeked at, and what is read is the
 *   first record (OpenSSL asks for it) and those after it that are still
 *   part of the handshake: records up to and including the one after a
 *   ChangeCipherSpec (the Finished, in TLS 1.2 and in TLS 1.3's
 *   compatibility mode), and never a TLS 1.2 application_data record, or a
 *   second record after one of TLS 1.3 (whose encrypted Finished has that
 *   outer type).  Two system calls a flight, not two a record.
 * - One flight is known to the byte: a TLS 1.2 client resuming answers
 *   the server's Finished with a ChangeCipherSpec record and its own
 *   Finished record, whose size the AEAD cipher fixes.  That many bytes
 *   are read at once, without the peek.  A valid client cannot have sent
 *   fewer (a client that splits them across segments or records only
 *   makes the read shorter, and the rest comes by the rule above); what
 *   an invalid one's bytes would leave unread by OpenSSL fails the
 *   handshake (hs_done()), it never reaches kTLS.
 * - A read that ended inside a record (the client's bytes came in pieces)
 *   is followed by one of exactly the rest of that record.
 * - A read just after a write does not ask the socket: the client's answer
 *   takes it a round trip.  OpenSSL is told to retry, the worker waits for
 *   the socket (level-triggered, so bytes that did come wake it at once).
 *
 * What OpenSSL writes is kept until the step that wrote it ends
 * (flight_hold()): a flight is then one send(2), and the records a
 * handshake ends with (TLS 1.3's NewSessionTickets, a TLS 1.2 server's
 * last flight after a full handshake) go to the module with the keys
 * (KTIX_OFFLOAD_A_SEND_FIRST), which sends them before kTLS takes the
 * socket: no send(2) of ktixd's at all.  A send that found no room keeps
 * the rest, and the worker waits until the socket can take it.
 *
 * Sends and receives are MSG_DONTWAIT (and MSG_NOSIGNAL): the server's
 * socket keeps its own file flags, and nothing needs to set them or
 * restore them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "ktixd.h"

/* Big enough for a ClientHello with post-quantum key shares. */
#define FLIGHT_BUF	8192
/* What OpenSSL may write before a send: a flight with a long chain. */
#define OUT_MAX		(1 << 20)

/* TLS record content types (RFC 8446, 5.1) and header length. */
#define CT_CHANGE_CIPHER_SPEC	20
#define CT_APPLICATION_DATA	23
#define REC_HDR			5

struct flight {
	int fd;
	SSL *ssl;		/* whose version says which rule applies */
	bool written;		/* anything sent yet in this handshake */
	bool just_wrote;	/* the last call was a write */
	bool eof;		/* the client closed its side */
	bool sized;		/* the known flight has been read */
	bool got_any;		/* anything read at all */
	/*
	 * Where the bytes read so far leave the record framing: the bytes
	 * of a record still in the socket, or the bytes of a header cut
	 * short.  A read that ended inside a record is followed by exactly
	 * the rest of it: the rules above apply at record boundaries only.
	 */
	size_t rec_left;
	unsigned char hdr[REC_HDR], hdr_have;
	size_t off, len;	/* unread bytes of buf */
	unsigned char *buf;	/* FLIGHT_BUF, from the first read */
	bool hold;		/* a flush sends nothing (flight_hold()) */
	unsigned char *out;	/* written by OpenSSL, not yet sent */
	size_t out_off, out_len, out_cap;
};

/*
 * How many of the @n peeked bytes at @p belong to the handshake OpenSSL is
 * reading (above).  At least one byte when @n is not 0.
 */
size_t flight_take(const unsigned char *p, size_t n, bool tls13)
{
	size_t off = 0;
	bool after_ccs = false;
	int i;

	for (i = 0; off < n; i++) {
		size_t len;
		unsigned char type;

		if (n - off < REC_HDR)
			return i ? off : n;
		type = p[off];
		len = REC_HDR + ((size_t)p[off + 3] << 8 | p[off + 4]);
		if (n - off < len)
			/* Incomplete: the first is read as far as it came. */
			return i ? off : n;
		if (i && type == CT_APPLICATION_DATA && !tls13)
			return off;
		off += len;
		if (type == CT_APPLICATION_DATA || after_ccs)
			return off;
		after_ccs = type == CT_CHANGE_CIPHER_SPEC;
	}
	return off;
}

/*
 * The bytes of a TLS 1.2 resuming client's last flight: ChangeCipherSpec
 * (a 6-byte record) and Finished (12 bytes of verify_data in a 4-byte
 * header, sealed: AES-GCM's 8-byte explicit nonce, none for
 * ChaCha20-Poly1305, and a 16-byte tag).  0 when it is not that flight.
 */
static size_t flight_known(SSL *ssl)
{
	const SSL_CIPHER *c;
	int nid;

	if (SSL_version(ssl) != TLS1_2_VERSION || !SSL_session_reused(ssl))
		return 0;
	c = SSL_get_current_cipher(ssl);
	nid = c ? SSL_CIPHER_get_cipher_nid(c) : NID_undef;
	if (nid == NID_aes_128_gcm || nid == NID_aes_256_gcm)
		return 6 + REC_HDR + 8 + 16 + 16;
	if (nid == NID_chacha20_poly1305)
		return 6 + REC_HDR + 16 + 16;
	return 0;
}

/* Follows the record framing over @n bytes read from the socket. */
static void frame_advance(struct flight *f, const unsigned char *p, size_t n)
{
	while (n) {
		if (f->rec_left) {
			size_t k = n < f->rec_left ? n : f->rec_left;

			f->rec_left -= k;
			p += k;
			n -= k;
			continue;
		}
		f->hdr[f->hdr_have++] = *p++;
		n--;
		if (f->hdr_have == REC_HDR) {
			f->rec_left = (size_t)f->hdr[3] << 8 | f->hdr[4];
			f->hdr_have = 0;
		}
	}
}

static int flight_read(BIO *b, char *out, size_t outl, size_t *readbytes)
{
	struct flight *f = BIO_get_data(b);
	size_t known;
	ssize_t n;

	BIO_clear_retry_flags(b);
	if (f->off == f->len) {
		if (f->just_wrote) {
			f->just_wrote = false;
			BIO_set_retry_read(b);
			return 0;
		}
		if (!f->buf) {
			f->buf = malloc(FLIGHT_BUF);
			if (!f->buf) {
				errno = ENOMEM;
				return 0;
			}
		}
		if (!f->written) {
			n = recv(f->fd, f->buf, FLIGHT_BUF, MSG_DONTWAIT);
		} else if (f->rec_left || f->hdr_have) {
			/* The rest of the record (or header) OpenSSL reads. */
			n = recv(f->fd, f->buf, f->rec_left ?
				 (f->rec_left < FLIGHT_BUF ? f->rec_left : FLIGHT_BUF) :
				 (size_t)(REC_HDR - f->hdr_have), MSG_DONTWAIT);
		} else if (!f->sized && (known = flight_known(f->ssl))) {
			n = recv(f->fd, f->buf, known, MSG_DONTWAIT);
			f->sized = n > 0;
		} else {
			n = recv(f->fd, f->buf, FLIGHT_BUF, MSG_PEEK | MSG_DONTWAIT);
			if (n > 0)
				n = recv(f->fd, f->buf,
					 flight_take(f->buf, (size_t)n,
						     SSL_version(f->ssl) == TLS1_3_VERSION),
					 MSG_DONTWAIT);
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				BIO_set_retry_read(b);
			return 0;
		}
		if (n == 0) {
			f->eof = true;	/* as OpenSSL's socket BIO says it */
			return 0;
		}
		f->got_any = true;
		frame_advance(f, f->buf, (size_t)n);
		f->off = 0;
		f->len = (size_t)n;
	}
	if (outl > f->len - f->off)
		outl = f->len - f->off;
	memcpy(out, f->buf + f->off, outl);
	f->off += outl;
	*readbytes = outl;
	return 1;
}

static int flight_write(BIO *b, const char *in, size_t inl, size_t *written)
{
	struct flight *f = BIO_get_data(b);

	BIO_clear_retry_flags(b);
	if (f->out_off == f->out_len)
		f->out_off = f->out_len = 0;
	if (inl > OUT_MAX - f->out_len) {
		errno = EMSGSIZE;
		return 0;
	}
	if (f->out_len + inl > f->out_cap) {
		size_t cap = f->out_cap ? f->out_cap : 4096;
		unsigned char *p;

		while (cap < f->out_len + inl)
			cap *= 2;
		p = realloc(f->out, cap);
		if (!p) {
			errno = ENOMEM;
			return 0;
		}
		f->out = p;
		f->out_cap = cap;
	}
	memcpy(f->out + f->out_len, in, inl);
	f->out_len += inl;
	f->written = f->just_wrote = true;
	*written = inl;
	return 1;
}

/* Sends what waits: 0 when nothing is left, -EAGAIN, or -errno. */
static int flight_send(struct flight *f)
{
	while (f->out_off < f->out_len) {
		ssize_t n = send(f->fd, f->out + f->out_off,
				 f->out_len - f->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		f->out_off += (size_t)n;
	}
	f->out_off = f->out_len = 0;
	return 0;
}

static long flight_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct flight *f = BIO_get_data(b);

	(void)num;
	switch (cmd) {
	case BIO_CTRL_FLUSH: {
		int err;

		BIO_clear_retry_flags(b);
		if (f->hold)
			return 1;
		err = flight_send(f);
		if (err == -EAGAIN)
			BIO_set_retry_write(b);
		return err ? 0 : 1;
	}
	case BIO_CTRL_PENDING:
		return (long)(f->len - f->off);
	case BIO_CTRL_EOF:
		return f->eof;
	case BIO_C_GET_FD:
		if (ptr)
			*(int *)ptr = f->fd;
		return f->fd;
	default:
		return 0;
	}
}

static int flight_destroy(BIO *b)
{
	struct flight *f = BIO_get_data(b);

	if (f) {
		/* Records of the handshake: encrypted, or a hello. */
		free(f->buf);
		free(f->out);
		free(f);
		BIO_set_data(b, NULL);
	}
	return 1;
}

/* Made once, and kept for the life of the process. */
static BIO_METHOD *method;
static int method_type;
static pthread_once_t method_once = PTHREAD_ONCE_INIT;

static void method_make(void)
{
	BIO_METHOD *m;

	method_type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK |
		      BIO_TYPE_DESCRIPTOR;
	m = BIO_meth_new(method_type, "ktixd flight");

	if (m && (!BIO_meth_set_read_ex(m, flight_read) ||
		  !BIO_meth_set_write_ex(m, flight_write) ||
		  !BIO_meth_set_ctrl(m, flight_ctrl) ||
		  !BIO_meth_set_destroy(m, flight_destroy))) {
		BIO_meth_free(m);
		m = NULL;
	}
	method = m;
}

static struct flight *flight_of(SSL *ssl)
{
	BIO *b = SSL_get_rbio(ssl);

	return b && method && BIO_method_type(b) == method_type ?
	       BIO_get_data(b) : NULL;
}

bool flight_got_any(SSL *ssl)
{
	struct flight *f = flight_of(ssl);

	return f && f->got_any;
}

void flight_hold(SSL *ssl, bool hold)
{
	struct flight *f = flight_of(ssl);

	if (f)
		f->hold = hold;
}

int flight_flush(SSL *ssl)
{
	struct flight *f = flight_of(ssl);

	return f ? flight_send(f) : 0;
}

const void *flight_held(SSL *ssl, size_t *len)
{
	struct flight *f = flight_of(ssl);

	*len = f ? f->out_len - f->out_off : 0;
	return *len ? f->out + f->out_off : NULL;
}

void flight_held_gone(SSL *ssl)
{
	struct flight *f = flight_of(ssl);

	if (f)
		f->out_off = f->out_len = 0;
}

int flight_attach(SSL *ssl, int fd)
{
	struct flight *f;
	BIO *b;

	pthread_once(&method_once, method_make);
	if (!method)
		return -ENOMEM;
	f = calloc(1, sizeof(*f));
	b = f ? BIO_new(method) : NULL;
	if (!b) {
		free(f);
		return -ENOMEM;
	}
	f->fd = fd;
	f->ssl = ssl;
	BIO_set_data(b, f);
	BIO_set_init(b, 1);
	SSL_set_bio(ssl, b, b);
	return 0;
}
