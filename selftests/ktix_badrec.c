// SPDX-License-Identifier: GPL-2.0
/*
 * ktix_badrec: a client that misbehaves after a real handshake with
 * ktix-serve (127.0.0.1:$KTIX_PORT, ktixd behind it), and what it must
 * read back: the alert RFC 8446 6 and RFC 5246 7.2 name, then an orderly
 * end (FIN), never a reset.  Run by ktix_harden.sh.
 *
 * The client's OpenSSL works on memory BIOs, so that its records can be
 * changed on their way to the socket: a byte flipped, a record too large,
 * a ClientHello after the handshake, and TLS 1.3 records encrypted here
 * (through OpenSSL's AEADs, with the keys libktix derives) with no content
 * type or a type not allowed after the handshake.  And a client that
 * half-closes (FIN) right after its Finished: served if the offload came
 * first, otherwise (kTLS takes only established connections) a
 * close_notify; either way closed in order, never reset or left open.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/tls.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "ktix.h"
#include "ktix_tls.h"
#include "kselftest_harness.h"

#define AL_CLOSE_NOTIFY		0
#define AL_UNEXPECTED_MESSAGE	10
#define AL_BAD_RECORD_MAC	20
#define AL_RECORD_OVERFLOW	22
#define AL_ILLEGAL_PARAMETER	47
#define AL_DECODE_ERROR		50
#define AL_NO_RENEGOTIATION	100

struct bad {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *in, *out;		/* the client's: socket -> in, out -> socket */
	int fd;
	int alert_level, alert_desc;	/* the first alert read */
};

static void info_cb(const SSL *ssl, int where, int ret)
{
	struct bad *b = SSL_get_app_data(ssl);

	if ((where & SSL_CB_READ_ALERT) && !b->alert_desc) {
		b->alert_level = ret >> 8;
		b->alert_desc = ret & 0xff;
	}
}

/* What the client wrote, to the socket as it is. */
static int flush_out(struct bad *b)
{
	char buf[1 << 15];
	int n;

	while ((n = BIO_read(b->out, buf, sizeof(buf))) > 0)
		if (send(b->fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
			return -1;
	return 0;
}

/* Bytes from the socket to the client; 0 at EOF, -errno on a reset. */
static int fill_in(struct bad *b, int timeout_ms)
{
	struct pollfd p = { .fd = b->fd, .events = POLLIN };
	char buf[1 << 15];
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return -ETIMEDOUT;
	n = recv(b->fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	if (n > 0)
		BIO_write(b->in, buf, (int)n);
	return (int)n;
}

/*
 * Connects and shakes hands; with @half_close, shuts the socket's write
 * side down right after the client's Finished is out (TLS 1.2: before the
 * server's Finished is read; TLS 1.3: it is the last flight).
 */
static int bad_connect(struct bad *b, int version, const char *suite,
		       bool half_close)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	const char *port = getenv("KTIX_PORT");
	int i, r;

	memset(b, 0, sizeof(*b));
	sin.sin_port = htons((uint16_t)atoi(port ? port : "8450"));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	b->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (b->fd < 0 || connect(b->fd, (struct sockaddr *)&sin, sizeof(sin)))
		return -1;
	b->ctx = SSL_CTX_new(TLS_client_method());
	if (!b->ctx)
		return -1;
	SSL_CTX_set_min_proto_version(b->ctx, version);
	SSL_CTX_set_max_proto_version(b->ctx, version);
	if ((version == TLS1_3_VERSION ?
	     SSL_CTX_set_ciphersuites(b->ctx, suite) :
	     SSL_CTX_set_cipher_list(b->ctx, suite)) != 1 ||
	    ktix_tls_ctx_init(b->ctx))
		return -1;
	SSL_CTX_set_options(b->ctx, SSL_OP_NO_TICKET |
			    SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
	b->ssl = SSL_new(b->ctx);
	b->in = BIO_new(BIO_s_mem());
	b->out = BIO_new(BIO_s_mem());
	SSL_set_bio(b->ssl, b->in, b->out);
	SSL_set_app_data(b->ssl, b);
	SSL_set_info_callback(b->ssl, info_cb);
	SSL_set_tlsext_host_name(b->ssl, "localhost");
	SSL_set_connect_state(b->ssl);
	for (i = 0; i < 100; i++) {
		r = SSL_do_handshake(b->ssl);
		if (flush_out(b))
			return -1;
		if (half_close && (r == 1 ||
				   SSL_get_state(b->ssl) == TLS_ST_CW_FINISHED)) {
			shutdown(b->fd, SHUT_WR);
			half_close = false;
		}
		if (r == 1)
			return 0;
		if (SSL_get_error(b->ssl, r) != SSL_ERROR_WANT_READ ||
		    fill_in(b, 10000) <= 0)
			return -1;
	}
	return -1;
}

static void bad_free(struct bad *b)
{
	SSL_free(b->ssl);
	SSL_CTX_free(b->ctx);
	if (b->fd >= 0)
		close(b->fd);
}

/*
 * Reads until an alert has come and the server has closed: the alert,
 * and whether the end was a FIN (0) or a reset (-ECONNRESET).
 */
static int read_answer(struct bad *b)
{
	char buf[4096];
	int n, i;

	for (i = 0; i < 200; i++) {
		n = fill_in(b, 5000);
		while (SSL_read(b->ssl, buf, sizeof(buf)) > 0)
			;
		if (n <= 0)
			return n;
	}
	return -E2BIG;
}

/* A TLS 1.3 record of inner plaintext @pt, encrypted here, to the socket. */
static int send_tls13_record(struct bad *b, const uint8_t *pt, size_t len)
{
	struct ktix_tls_keys k;
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t rec[5 + 64 + 16], nonce[12], seq[8];
	const EVP_CIPHER *c;
	int n, ok, i;

	if (!x || len > 64 || ktix_tls_keys(b->ssl, &k))
		return -1;
	c = k.cipher == TLS_CIPHER_CHACHA20_POLY1305 ? EVP_chacha20_poly1305() :
	    k.tx.key_len == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();
	/* RFC 8446 5.3: the nonce is the IV XOR the sequence number. */
	memcpy(nonce, k.tx.salt, k.tx.salt_len);
	memcpy(nonce + k.tx.salt_len, k.tx.iv, 12 - k.tx.salt_len);
	memcpy(seq, k.tx.rec_seq, 8);
	for (i = 0; i < 8; i++)
		nonce[4 + i] ^= seq[i];
	rec[0] = 23;
	rec[1] = 3;
	rec[2] = 3;
	rec[3] = (uint8_t)((len + 16) >> 8);
	rec[4] = (uint8_t)(len + 16);
	ok = EVP_EncryptInit_ex(x, c, NULL, k.tx.key, nonce) &&
	     EVP_EncryptUpdate(x, NULL, &n, rec, 5) &&
	     EVP_EncryptUpdate(x, rec + 5, &n, pt, (int)len) &&
	     EVP_EncryptFinal_ex(x, rec + 5 + len, &n) &&
	     EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16, rec + 5 + len);
	EVP_CIPHER_CTX_free(x);
	ktix_tls_keys_wipe(&k);
	if (!ok)
		return -1;
	return send(b->fd, rec, 5 + len + 16, MSG_NOSIGNAL) ==
	       (ssize_t)(5 + len + 16) ? 0 : -1;
}

FIXTURE(bad) {
	struct bad b;
};

FIXTURE_VARIANT(bad) {
	int version;
	const char *suite;
};

FIXTURE_VARIANT_ADD(bad, tls12_aes_128_gcm) {
	TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256",
};

FIXTURE_VARIANT_ADD(bad, tls12_aes_256_gcm) {
	TLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384",
};

FIXTURE_VARIANT_ADD(bad, tls12_chacha20_poly1305) {
	TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305",
};

FIXTURE_VARIANT_ADD(bad, tls13_aes_128_gcm) {
	TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256",
};

FIXTURE_VARIANT_ADD(bad, tls13_aes_256_gcm) {
	TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384",
};

FIXTURE_VARIANT_ADD(bad, tls13_chacha20_poly1305) {
	TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256",
};

FIXTURE_SETUP(bad)
{
	ASSERT_EQ(0, bad_connect(&self->b, variant->version, variant->suite,
				 false));
}

FIXTURE_TEARDOWN(bad)
{
	bad_free(&self->b);
}

TEST_F(bad, corrupted_record_gets_bad_record_mac)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	char rec[512];
	int n;

	ASSERT_EQ((int)sizeof(req) - 1, SSL_write(self->b.ssl, req, sizeof(req) - 1));
	n = BIO_read(self->b.out, rec, sizeof(rec));
	ASSERT_GT(n, 5 + 20);
	rec[5 + 12] ^= 0x40;
	ASSERT_EQ(n, send(self->b.fd, rec, (size_t)n, 0));
	EXPECT_EQ(0, read_answer(&self->b));	/* a FIN, not a reset */
	EXPECT_EQ(SSL3_AL_FATAL, self->b.alert_level);
	EXPECT_EQ(AL_BAD_RECORD_MAC, self->b.alert_desc);
}

TEST_F(bad, oversize_record_gets_record_overflow)
{
	static uint8_t rec[5 + 18432];

	rec[0] = 23;
	rec[1] = 3;
	rec[2] = 3;
	rec[3] = 18432 >> 8;
	rec[4] = 18432 & 0xff;
	ASSERT_EQ(1, RAND_bytes(rec + 5, 18432));
	ASSERT_EQ((ssize_t)sizeof(rec), send(self->b.fd, rec, sizeof(rec), 0));
	EXPECT_EQ(0, read_answer(&self->b));
	EXPECT_EQ(SSL3_AL_FATAL, self->b.alert_level);
	EXPECT_EQ(AL_RECORD_OVERFLOW, self->b.alert_desc);
}

TEST_F(bad, tls12_client_hello_gets_no_renegotiation)
{
	struct pollfd p = { .fd = self->b.fd, .events = POLLIN | POLLRDHUP };
	char buf[4096];
	int i;

	if (variant->version != TLS1_2_VERSION)
		SKIP(return, "renegotiation is TLS 1.2's");
	ASSERT_EQ(1, SSL_renegotiate(self->b.ssl));
	SSL_do_handshake(self->b.ssl);
	ASSERT_EQ(0, flush_out(&self->b));
	/* A warning: the connection goes on, and still serves. */
	for (i = 0; i < 50 && !self->b.alert_desc; i++) {
		if (fill_in(&self->b, 5000) <= 0)
			break;
		SSL_read(self->b.ssl, buf, sizeof(buf));
	}
	EXPECT_EQ(SSL3_AL_WARNING, self->b.alert_level);
	EXPECT_EQ(AL_NO_RENEGOTIATION, self->b.alert_desc);
	/* Not closed, not reset: nothing more comes from the server. */
	EXPECT_EQ(0, poll(&p, 1, 500));
}

TEST_F(bad, tls13_record_without_content_type)
{
	static const uint8_t zeros[8];

	if (variant->version != TLS1_3_VERSION)
		SKIP(return, "inner content types are TLS 1.3's");
	ASSERT_EQ(0, send_tls13_record(&self->b, zeros, sizeof(zeros)));
	EXPECT_EQ(0, read_answer(&self->b));
	EXPECT_EQ(SSL3_AL_FATAL, self->b.alert_level);
	/*
	 * RFC 8446 5.4 names unexpected_message; kTLS on Linux 6.1 and
	 * 6.12 reports a record with no non-zero byte as a decryption
	 * failure (EBADMSG), so it is bad_record_mac (offload.rst).
	 */
	EXPECT_EQ(AL_BAD_RECORD_MAC, self->b.alert_desc);
}

/* A request on the connection, and whether the page came back whole. */
static bool page_after(struct __test_metadata *_metadata, struct bad *b)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	char buf[4096] = "";
	int i, n, got = 0;

	if (SSL_write(b->ssl, req, sizeof(req) - 1) != (int)sizeof(req) - 1 ||
	    flush_out(b))
		return false;
	for (i = 0; i < 50 && !strstr(buf, "hello from ktix-serve"); i++) {
		if (fill_in(b, 5000) <= 0)
			break;
		while ((n = SSL_read(b->ssl, buf + got,
				     (int)sizeof(buf) - 1 - got)) > 0)
			got += n;
		buf[got] = '\0';
	}
	TH_LOG("%d bytes after the KeyUpdate", got);
	return got && strstr(buf, "hello from ktix-serve");
}

/*
 * Where the kernel's kTLS takes new keys (Linux 6.14 and later), ktix-serve
 * follows the KeyUpdate through ktixd (asked for by the client or not),
 * and the connection goes on; where it does not, an orderly end, no fatal
 * alert.
 */
TEST_F(bad, tls13_key_update_followed_or_close_notify)
{
	int can = ktix_ktls_can_rekey();

	if (variant->version != TLS1_3_VERSION)
		SKIP(return, "KeyUpdate is TLS 1.3's");
	ASSERT_LE(0, can);
	ASSERT_EQ(1, SSL_key_update(self->b.ssl, SSL_KEY_UPDATE_NOT_REQUESTED));
	SSL_do_handshake(self->b.ssl);
	ASSERT_EQ(0, flush_out(&self->b));
	if (can) {
		EXPECT_TRUE(page_after(_metadata, &self->b));
		ASSERT_EQ(1, SSL_key_update(self->b.ssl,
					    SSL_KEY_UPDATE_REQUESTED));
		SSL_do_handshake(self->b.ssl);
		ASSERT_EQ(0, flush_out(&self->b));
		EXPECT_TRUE(page_after(_metadata, &self->b));
		EXPECT_EQ(0, self->b.alert_desc);
		return;
	}
	EXPECT_EQ(0, read_answer(&self->b));
	EXPECT_EQ(SSL3_AL_WARNING, self->b.alert_level);
	EXPECT_EQ(AL_CLOSE_NOTIFY, self->b.alert_desc);
}

/* A KeyUpdate that is not one: the alerts RFC 8446 names for it. */
TEST_F(bad, tls13_malformed_key_update)
{
	static const struct {
		uint8_t msg[8];
		size_t len;
		int alert;
	} cases[] = {
		/* request_update 2: illegal_parameter (RFC 8446 4.6.3) */
		{ { 24, 0, 0, 1, 2, 22 }, 6, AL_ILLEGAL_PARAMETER },
		/* a body of two bytes: decode_error */
		{ { 24, 0, 0, 2, 0, 0, 22 }, 7, AL_DECODE_ERROR },
		/* a message after it in the record: unexpected_message (5.1) */
		{ { 24, 0, 0, 1, 0, 24, 0, 22 }, 8, AL_UNEXPECTED_MESSAGE },
	};
	size_t i;

	if (variant->version != TLS1_3_VERSION)
		SKIP(return, "KeyUpdate is TLS 1.3's");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (i) {
			bad_free(&self->b);
			ASSERT_EQ(0, bad_connect(&self->b, variant->version,
						 variant->suite, false));
		}
		ASSERT_EQ(0, send_tls13_record(&self->b, cases[i].msg,
					       cases[i].len));
		EXPECT_EQ(0, read_answer(&self->b));
		EXPECT_EQ(SSL3_AL_FATAL, self->b.alert_level);
		EXPECT_EQ(cases[i].alert, self->b.alert_desc) TH_LOG("case %zu", i);
	}
}

TEST_F(bad, tls13_client_hello_after_the_handshake)
{
	/* A ClientHello header, then the inner content type: handshake. */
	static const uint8_t hello[5] = { 1, 0, 0, 0, 22 };

	if (variant->version != TLS1_3_VERSION)
		SKIP(return, "inner content types are TLS 1.3's");
	ASSERT_EQ(0, send_tls13_record(&self->b, hello, sizeof(hello)));
	EXPECT_EQ(0, read_answer(&self->b));
	EXPECT_EQ(SSL3_AL_FATAL, self->b.alert_level);
	EXPECT_EQ(AL_UNEXPECTED_MESSAGE, self->b.alert_desc);
}

TEST_F(bad, tls13_record_of_a_type_not_allowed)
{
	/* A ChangeCipherSpec inside the encryption: never legal. */
	static const uint8_t ccs[2] = { 1, 20 };

	if (variant->version != TLS1_3_VERSION)
		SKIP(return, "inner content types are TLS 1.3's");
	ASSERT_EQ(0, send_tls13_record(&self->b, ccs, sizeof(ccs)));
	EXPECT_EQ(0, read_answer(&self->b));
	EXPECT_EQ(SSL3_AL_FATAL, self->b.alert_level);
	EXPECT_EQ(AL_UNEXPECTED_MESSAGE, self->b.alert_desc);
}

/* Reads until the server's FIN: the plaintext into @buf, 0 or -errno. */
static int read_to_end(struct bad *b, char *buf, size_t len, size_t *got)
{
	int n, r, i;

	*got = 0;
	for (i = 0; i < 200; i++) {
		n = fill_in(b, 5000);
		while ((r = SSL_read(b->ssl, buf + *got,
				     (int)(len - 1 - *got))) > 0)
			*got += (size_t)r;
		buf[*got] = '\0';
		if (n <= 0)
			return n;
	}
	return -E2BIG;
}

TEST_F(bad, half_close_after_finished_is_closed_in_order)
{
	char buf[4096];
	size_t got;

	bad_free(&self->b);
	ASSERT_EQ(0, bad_connect(&self->b, variant->version, variant->suite,
				 true));
	/*
	 * Nothing to serve: a close_notify (from ktix-serve after the
	 * offload, or from ktixd when the FIN came first), then a FIN.
	 */
	EXPECT_EQ(0, read_to_end(&self->b, buf, sizeof(buf), &got));
	EXPECT_EQ(0, got);
	EXPECT_EQ(SSL3_AL_WARNING, self->b.alert_level);
	EXPECT_EQ(AL_CLOSE_NOTIFY, self->b.alert_desc);
}

TEST_F(bad, half_close_after_request_ends_in_order)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	char buf[4096];
	size_t got;

	ASSERT_EQ((int)sizeof(req) - 1, SSL_write(self->b.ssl, req, sizeof(req) - 1));
	ASSERT_EQ(0, flush_out(&self->b));
	ASSERT_EQ(0, shutdown(self->b.fd, SHUT_WR));
	/*
	 * A FIN, never a reset; before it the answer, or, when the FIN came
	 * before the offload, a close_notify.
	 */
	EXPECT_EQ(0, read_to_end(&self->b, buf, sizeof(buf), &got));
	if (got) {
		EXPECT_EQ(0, strncmp(buf, "HTTP/1.1 200 OK\r\n", 17)) TH_LOG("got: %s", buf);
		EXPECT_NE(NULL, strstr(buf, "hello from ktix-serve"));
	} else {
		EXPECT_EQ(SSL3_AL_WARNING, self->b.alert_level);
		EXPECT_EQ(AL_CLOSE_NOTIFY, self->b.alert_desc);
	}
	TH_LOG("%s", got ? "answered" : "close_notify: the FIN came before the offload");
}

TEST_HARNESS_MAIN
