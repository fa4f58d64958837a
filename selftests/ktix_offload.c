// SPDX-License-Identifier: GPL-2.0
/*
 * ktix_offload: KTIX_CMD_OFFLOAD against real OpenSSL handshakes.
 *
 * Runs inside the test VM as root with tls and ktix.ko loaded.  Each test
 * makes a loopback TCP pair, runs an OpenSSL 3 handshake over it (server
 * in a thread), derives the record keys with libktix and offloads one or
 * both sides into kTLS; the other side stays on OpenSSL's record layer,
 * which then checks every byte kTLS sends and makes every byte it reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/tls.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ktix.h"
#include "ktix_nl.h"
#include "ktix_tls.h"
#include "kselftest_harness.h"
#include "lib/tls_pair.h"
#include "lib/proc_stat.h"

struct conn {
	SSL_CTX *sctx, *cctx;
	SSL *s, *c;
	int sfd, cfd;
};

/*
 * A handshake over a fresh pair.  To resume, session is the client's and
 * sctx the server context that issued it (its ticket keys).
 */
static int handshake(struct conn *k, int version, const char *suite,
		     int tickets, SSL_SESSION *session, SSL_CTX *sctx)
{
	memset(k, 0, sizeof(*k));
	if (tls_pair_tcp(&k->cfd, &k->sfd))
		return -1;
	if (sctx && SSL_CTX_up_ref(sctx))
		k->sctx = sctx;
	else
		k->sctx = SSL_CTX_new(TLS_server_method());
	k->cctx = SSL_CTX_new(TLS_client_method());
	if (!k->sctx || !k->cctx ||
	    tls_pair_configure(k->sctx, k->cctx, version, suite, tickets))
		return -1;
	k->s = SSL_new(k->sctx);
	k->c = SSL_new(k->cctx);
	SSL_set_fd(k->s, k->sfd);
	SSL_set_fd(k->c, k->cfd);
	if (session)
		SSL_set_session(k->c, session);
	return tls_pair_handshake(k->s, k->c);
}

static void conn_free(struct conn *k)
{
	SSL_free(k->s);
	SSL_free(k->c);
	SSL_CTX_free(k->sctx);
	SSL_CTX_free(k->cctx);
	if (k->sfd >= 0)
		close(k->sfd);
	if (k->cfd >= 0)
		close(k->cfd);
}

static int offload(struct ktix_nl *nl, SSL *ssl, int fd, uint32_t kind,
		   struct ktix_tls_keys *keep)
{
	struct ktix_tls_keys k;
	int err = ktix_tls_keys(ssl, &k);

	if (!err)
		err = ktix_nl_offload(nl, fd, &k, kind);
	if (err)
		fprintf(stderr, "# offload: %s: %s\n", strerror(-err),
			ktix_nl_errmsg(nl));
	if (keep)
		*keep = k;
	ktix_tls_keys_wipe(&k);
	return err;
}

/* Reads exactly n bytes through OpenSSL. */
static int ssl_read_all(SSL *ssl, uint8_t *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		int r = SSL_read(ssl, buf + got, (int)(n - got));

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int recv_all(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, buf + got, n - got, 0);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

FIXTURE(offload) {
	struct ktix_nl *nl;
	struct conn k;
};

FIXTURE_VARIANT(offload) {
	int version;
	const char *suite;
	uint16_t cipher;
	int tickets;
};

FIXTURE_VARIANT_ADD(offload, tls12_aes_128_gcm) {
	TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", TLS_CIPHER_AES_GCM_128, 0,
};

FIXTURE_VARIANT_ADD(offload, tls12_aes_256_gcm) {
	TLS1_2_VERSION, "ECDHE-ECDSA-AES256-GCM-SHA384", TLS_CIPHER_AES_GCM_256, 0,
};

FIXTURE_VARIANT_ADD(offload, tls12_chacha20_poly1305) {
	TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305",
	TLS_CIPHER_CHACHA20_POLY1305, 0,
};

FIXTURE_VARIANT_ADD(offload, tls13_aes_128_gcm) {
	TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", TLS_CIPHER_AES_GCM_128, 2,
};

FIXTURE_VARIANT_ADD(offload, tls13_aes_256_gcm) {
	TLS1_3_VERSION, "TLS_AES_256_GCM_SHA384", TLS_CIPHER_AES_GCM_256, 2,
};

FIXTURE_VARIANT_ADD(offload, tls13_chacha20_poly1305) {
	TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256",
	TLS_CIPHER_CHACHA20_POLY1305, 2,
};

FIXTURE_VARIANT_ADD(offload, tls13_aes_128_gcm_no_ticket) {
	TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", TLS_CIPHER_AES_GCM_128, 0,
};

FIXTURE_VARIANT_ADD(offload, tls13_aes_128_gcm_one_ticket) {
	TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", TLS_CIPHER_AES_GCM_128, 1,
};

FIXTURE_SETUP(offload)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, system("ip link set lo up"));
	ASSERT_EQ(0, ktix_nl_open(&self->nl));
	ASSERT_EQ(0, handshake(&self->k, variant->version, variant->suite,
			       variant->tickets, NULL, NULL));
}

FIXTURE_TEARDOWN(offload)
{
	conn_free(&self->k);
	ktix_nl_close(self->nl);
}

/* The server on kTLS, the client on OpenSSL: data both ways. */
static void server_talks(struct __test_metadata *_metadata,
			 FIXTURE_DATA(offload) *self)
{
	static const char hello[] = "hello from kTLS";
	uint8_t buf[40000], big[40000];
	size_t i;

	ASSERT_EQ((ssize_t)sizeof(hello), send(self->k.sfd, hello, sizeof(hello), 0));
	ASSERT_EQ(0, ssl_read_all(self->k.c, buf, sizeof(hello)));
	EXPECT_EQ(0, memcmp(buf, hello, sizeof(hello)));

	ASSERT_EQ(5, SSL_write(self->k.c, "reply", 5));
	ASSERT_EQ(0, recv_all(self->k.sfd, buf, 5));
	EXPECT_EQ(0, memcmp(buf, "reply", 5));

	/* Larger than the largest record: kTLS splits it. */
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	ASSERT_EQ((ssize_t)sizeof(big), send(self->k.sfd, big, sizeof(big), 0));
	ASSERT_EQ(0, ssl_read_all(self->k.c, buf, sizeof(big)));
	EXPECT_EQ(0, memcmp(buf, big, sizeof(big)));

	/* Many small writes, one record each. */
	for (i = 0; i < 200; i++)
		ASSERT_EQ(10, send(self->k.sfd, big + 10 * i, 10, 0));
	ASSERT_EQ(0, ssl_read_all(self->k.c, buf, 2000));
	EXPECT_EQ(0, memcmp(buf, big, 2000));
}

TEST_F(offload, server_side)
{
	struct ktix_tls_keys k;
	uint64_t seq = 0;
	int i;

	ASSERT_EQ(0, offload(self->nl, self->k.s, self->k.sfd,
			     KTIX_OFFLOAD_KIND_FULL, &k));
	/* The sequence numbers count what OpenSSL sent under these keys. */
	for (i = 0; i < 8; i++)
		seq = seq << 8 | k.tx.rec_seq[i];
	EXPECT_EQ(variant->version == TLS1_3_VERSION ?
		  (uint64_t)variant->tickets : 1, seq);
	EXPECT_EQ(variant->cipher, k.cipher);
	server_talks(_metadata, self);
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_OFFLOADS));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_OFFLOAD_FULL));
	EXPECT_EQ(1, ktix_stat(self->nl, variant->version == TLS1_3_VERSION ?
			     KTIX_STATS_A_OFFLOAD_TLS13 :
			     KTIX_STATS_A_OFFLOAD_TLS12));
}

struct sender {
	int fd, file;
	size_t size;
	ssize_t sent;
};

static void *send_file(void *arg)
{
	struct sender *s = arg;
	off_t off = 0;

	s->sent = 0;
	while ((size_t)s->sent < s->size) {
		ssize_t r = sendfile(s->fd, s->file, &off, s->size - s->sent);

		if (r <= 0)
			break;
		s->sent += r;
	}
	return NULL;
}

TEST_F(offload, sendfile_16mib)
{
	const size_t size = 16 << 20;
	uint8_t want[32], got[32], *chunk = malloc(65536);
	struct sender snd = { .size = size };
	char path[] = "/tmp/ktix-sendfile-XXXXXX";
	EVP_MD_CTX *h = EVP_MD_CTX_new();
	size_t done = 0, i;
	pthread_t t;

	ASSERT_NE(NULL, chunk);
	snd.file = mkstemp(path);
	ASSERT_LE(0, snd.file);
	unlink(path);
	/* The file's hash, as written. */
	EVP_DigestInit_ex(h, EVP_sha256(), NULL);
	for (i = 0; i < size / 65536; i++) {
		size_t j;

		for (j = 0; j < 65536; j++)
			chunk[j] = (uint8_t)(i * 31 + j * 13 + (j >> 9));
		ASSERT_EQ(65536, write(snd.file, chunk, 65536));
		EVP_DigestUpdate(h, chunk, 65536);
	}
	EVP_DigestFinal_ex(h, want, NULL);

	ASSERT_EQ(0, offload(self->nl, self->k.s, self->k.sfd,
			     KTIX_OFFLOAD_KIND_FULL, NULL));
	snd.fd = self->k.sfd;
	pthread_create(&t, NULL, send_file, &snd);
	EVP_DigestInit_ex(h, EVP_sha256(), NULL);
	while (done < size) {
		int r = SSL_read(self->k.c, chunk, 65536);

		if (r <= 0)
			break;
		EVP_DigestUpdate(h, chunk, (size_t)r);
		done += (size_t)r;
	}
	pthread_join(t, NULL);
	EVP_DigestFinal_ex(h, got, NULL);
	EXPECT_EQ((ssize_t)size, snd.sent);
	EXPECT_EQ(size, done);
	EXPECT_EQ(0, memcmp(want, got, sizeof(want)));
	EVP_MD_CTX_free(h);
	close(snd.file);
	free(chunk);
}

/*
 * TLS 1.3: the server's tickets sit unread in the client's socket after
 * the handshake.  The client's OpenSSL reads them first (and counts them),
 * so that kTLS starts at the record after.
 */
static void client_reads_tickets(struct __test_metadata *_metadata,
				 FIXTURE_DATA(offload) *self)
{
	uint8_t b;
	int fl = fcntl(self->k.cfd, F_GETFL);

	ASSERT_EQ(0, fcntl(self->k.cfd, F_SETFL, fl | O_NONBLOCK));
	usleep(100000);
	EXPECT_GE(0, SSL_read(self->k.c, &b, 1));
	ASSERT_EQ(0, fcntl(self->k.cfd, F_SETFL, fl));
}

TEST_F(offload, client_side)
{
	char buf[32];

	client_reads_tickets(_metadata, self);
	ASSERT_EQ(0, offload(self->nl, self->k.c, self->k.cfd,
			     KTIX_OFFLOAD_KIND_FULL, NULL));
	ASSERT_EQ(6, send(self->k.cfd, "client", 6, 0));
	ASSERT_EQ(6, SSL_read(self->k.s, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "client", 6));
	ASSERT_EQ(6, SSL_write(self->k.s, "server", 6));
	ASSERT_EQ(0, recv_all(self->k.cfd, (uint8_t *)buf, 6));
	EXPECT_EQ(0, memcmp(buf, "server", 6));
}

/*
 * Records sealed before the offload go with it (KTIX_OFFLOAD_A_SEND_FIRST),
 * as ktixd sends a handshake's last records: the module sends them before
 * kTLS takes the socket, and kTLS's records follow them in order.
 */
TEST_F(offload, send_first)
{
	static const char first[] = "sealed by OpenSSL", after[] = "from kTLS";
	struct ktix_tls_keys k;
	BIO *mem = BIO_new(BIO_s_mem());
	char *sealed, buf[64];
	long len;
	int err;

	ASSERT_NE(NULL, mem);
	/* Two records, written to memory, not to the socket. */
	SSL_set0_wbio(self->k.s, mem);
	ASSERT_EQ(8, SSL_write(self->k.s, first, 8));
	ASSERT_EQ((int)sizeof(first) - 8,
		  SSL_write(self->k.s, first + 8, sizeof(first) - 8));
	len = BIO_get_mem_data(mem, &sealed);
	ASSERT_GT(len, (long)sizeof(first));
	ASSERT_EQ(0, ktix_tls_keys(self->k.s, &k));
	err = ktix_nl_offload_send(self->nl, self->k.sfd, &k,
				   KTIX_OFFLOAD_KIND_FULL, 0, sealed,
				   (size_t)len);
	ktix_tls_keys_wipe(&k);
	ASSERT_EQ(0, err) TH_LOG("%s: %s", strerror(-err), ktix_nl_errmsg(self->nl));
	ASSERT_EQ((ssize_t)sizeof(after), send(self->k.sfd, after, sizeof(after), 0));
	ASSERT_EQ(0, ssl_read_all(self->k.c, (uint8_t *)buf, sizeof(first)));
	EXPECT_EQ(0, memcmp(buf, first, sizeof(first)));
	ASSERT_EQ(0, ssl_read_all(self->k.c, (uint8_t *)buf, sizeof(after)));
	EXPECT_EQ(0, memcmp(buf, after, sizeof(after)));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_OFFLOADS));
}

/*
 * libktix's helpers for a kTLS socket, against OpenSSL on the other end:
 * data, close_notify both ways.
 */
TEST_F(offload, ktls_recv_and_close)
{
	char buf[32];
	int fd;

	ASSERT_EQ(0, offload(self->nl, self->k.s, self->k.sfd,
			     KTIX_OFFLOAD_KIND_FULL, NULL));
	ASSERT_EQ(4, SSL_write(self->k.c, "data", 4));
	ASSERT_EQ(4, ktix_ktls_recv(self->k.sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "data", 4));
	/* Our close_notify: OpenSSL sees a clean end of the stream. */
	fd = dup(self->k.sfd);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ktix_ktls_close(fd));
	EXPECT_EQ(0, SSL_read(self->k.c, buf, sizeof(buf)));
	EXPECT_EQ(SSL_ERROR_ZERO_RETURN, SSL_get_error(self->k.c, 0));
	/* Its close_notify: the end of the stream for us. */
	EXPECT_LE(0, SSL_shutdown(self->k.c));
	EXPECT_EQ(0, ktix_ktls_recv(self->k.sfd, buf, sizeof(buf), 0));
}

/*
 * ktix_ktls_recv() does not follow a KeyUpdate (yet, on any kernel): a
 * clear error and a close_notify, not garbage.
 */
TEST_F(offload, ktls_recv_key_update)
{
	char buf[32];

	if (variant->version != TLS1_3_VERSION)
		SKIP(return, "KeyUpdate is TLS 1.3's");
	ASSERT_EQ(0, offload(self->nl, self->k.s, self->k.sfd,
			     KTIX_OFFLOAD_KIND_FULL, NULL));
	ASSERT_EQ(1, SSL_key_update(self->k.c, SSL_KEY_UPDATE_NOT_REQUESTED));
	ASSERT_EQ(1, SSL_write(self->k.c, "x", 1));
	EXPECT_EQ(-EPROTO, ktix_ktls_recv(self->k.sfd, buf, sizeof(buf), 0));
}

/* A record of the given type through kTLS (TLS_SET_RECORD_TYPE). */
static ssize_t send_typed(int fd, unsigned char type, const void *buf,
			  size_t len)
{
	union {
		char buf[CMSG_SPACE(1)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_TLS;
	c->cmsg_type = TLS_SET_RECORD_TYPE;
	c->cmsg_len = CMSG_LEN(1);
	*CMSG_DATA(c) = type;
	return sendmsg(fd, &mh, 0);
}

/* One record through kTLS, and its type (TLS_GET_RECORD_TYPE). */
static ssize_t recv_typed(int fd, unsigned char *type, void *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(1)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n = recvmsg(fd, &mh, 0);

	*type = 23;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_TLS && c->cmsg_type == TLS_GET_RECORD_TYPE)
			*type = *CMSG_DATA(c);
	return n;
}

/*
 * KTIX_OFFLOAD_KIND_KEY_UPDATE, with OpenSSL as the peer that checks it.
 * Where kTLS cannot take new keys (before Linux 6.14) the module says so
 * and the socket goes on under the keys it has.  Where it can: the server
 * announces a KeyUpdate and moves its sending keys on, OpenSSL reads what
 * follows; OpenSSL updates its keys, and the server's receiving keys are
 * moved on after its KeyUpdate has been read.
 */
TEST_F(offload, key_update)
{
	static const unsigned char ku[] = { 24, 0, 0, 1, 0 };
	struct ktix_tls_secrets sec;
	struct ktix_tls_keys next;
	unsigned char type;
	char buf[64];
	int can = ktix_ktls_can_rekey();

	if (variant->version != TLS1_3_VERSION)
		SKIP(return, "KeyUpdate is TLS 1.3's");
	ASSERT_LE(0, can);
	client_reads_tickets(_metadata, self);
	ASSERT_EQ(0, ktix_tls_secrets(self->k.s, &sec));
	ASSERT_EQ(0, offload(self->nl, self->k.s, self->k.sfd,
			     KTIX_OFFLOAD_KIND_FULL, NULL));
	if (!can) {
		ASSERT_EQ(0, ktix_tls_key_update(&sec, true, true, &next));
		EXPECT_EQ(-EOPNOTSUPP, ktix_nl_offload(self->nl, self->k.sfd, &next,
						      KTIX_OFFLOAD_KIND_KEY_UPDATE));
		TH_LOG("this kernel: %s", ktix_nl_errmsg(self->nl));
		EXPECT_NE(NULL, strstr(ktix_nl_errmsg(self->nl), "6.14"));
		EXPECT_EQ(0, ktix_stat(self->nl, KTIX_STATS_A_KEY_UPDATES));
		EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_OFFLOAD_ERR_KTLS));
		server_talks(_metadata, self);	/* the old keys still work */
		goto out;
	}
	/* Sending: the KeyUpdate under the old keys, then the new ones. */
	ASSERT_EQ((ssize_t)sizeof(ku), send_typed(self->k.sfd, 22, ku, sizeof(ku)));
	ASSERT_EQ(0, ktix_tls_key_update(&sec, true, false, &next));
	ASSERT_EQ(0, ktix_nl_offload(self->nl, self->k.sfd, &next,
				     KTIX_OFFLOAD_KIND_KEY_UPDATE));
	ktix_tls_keys_wipe(&next);
	ASSERT_EQ(5, send(self->k.sfd, "after", 5, 0));
	ASSERT_EQ(0, ssl_read_all(self->k.c, (uint8_t *)buf, 5));
	EXPECT_EQ(0, memcmp(buf, "after", 5));

	/* Receiving: kTLS hands over the peer's KeyUpdate, then waits. */
	ASSERT_EQ(1, SSL_key_update(self->k.c, SSL_KEY_UPDATE_NOT_REQUESTED));
	ASSERT_EQ(6, SSL_write(self->k.c, "client", 6));
	ASSERT_EQ((ssize_t)sizeof(ku), recv_typed(self->k.sfd, &type, buf, sizeof(buf)));
	EXPECT_EQ(22, type);
	EXPECT_EQ(0, memcmp(buf, ku, sizeof(ku)));
	ASSERT_EQ(0, ktix_tls_key_update(&sec, false, true, &next));
	ASSERT_EQ(0, ktix_nl_offload(self->nl, self->k.sfd, &next,
				     KTIX_OFFLOAD_KIND_KEY_UPDATE));
	ASSERT_EQ(0, recv_all(self->k.sfd, (uint8_t *)buf, 6));
	EXPECT_EQ(0, memcmp(buf, "client", 6));
	EXPECT_EQ(2, ktix_stat(self->nl, KTIX_STATS_A_KEY_UPDATES));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_OFFLOADS));
out:
	ktix_tls_keys_wipe(&next);
	ktix_tls_secrets_wipe(&sec);
}

TEST_F(offload, both_sides)
{
	char buf[32];

	client_reads_tickets(_metadata, self);
	ASSERT_EQ(0, offload(self->nl, self->k.s, self->k.sfd,
			     KTIX_OFFLOAD_KIND_FULL, NULL));
	ASSERT_EQ(0, offload(self->nl, self->k.c, self->k.cfd,
			     KTIX_OFFLOAD_KIND_FULL, NULL));
	ASSERT_EQ(4, send(self->k.sfd, "ping", 4, 0));
	ASSERT_EQ(0, recv_all(self->k.cfd, (uint8_t *)buf, 4));
	EXPECT_EQ(0, memcmp(buf, "ping", 4));
	ASSERT_EQ(4, send(self->k.cfd, "pong", 4, 0));
	ASSERT_EQ(0, recv_all(self->k.sfd, (uint8_t *)buf, 4));
	EXPECT_EQ(0, memcmp(buf, "pong", 4));
	EXPECT_EQ(2, ktix_stat(self->nl, KTIX_STATS_A_OFFLOADS));
}

TEST_F(offload, resumed_keys_differ)
{
	struct ktix_tls_keys first, again;
	SSL_SESSION *sess;
	struct conn k2;
	char buf[8];

	/* The first connection's session, tickets read (TLS 1.3). */
	client_reads_tickets(_metadata, self);
	sess = SSL_get1_session(self->k.c);
	ASSERT_NE(NULL, sess);
	ASSERT_EQ(0, offload(self->nl, self->k.s, self->k.sfd,
			     KTIX_OFFLOAD_KIND_FULL, &first));

	if (variant->version == TLS1_3_VERSION && !variant->tickets)
		SKIP(SSL_SESSION_free(sess); return, "no ticket to resume with");
	ASSERT_EQ(0, handshake(&k2, variant->version, variant->suite,
			       variant->tickets, sess, self->k.sctx));
	EXPECT_EQ(1, SSL_session_reused(k2.c));
	ASSERT_EQ(0, offload(self->nl, k2.s, k2.sfd,
			     variant->version == TLS1_3_VERSION ?
			     KTIX_OFFLOAD_KIND_PSK : KTIX_OFFLOAD_KIND_TICKET,
			     &again));
	EXPECT_NE(0, memcmp(first.tx.key, again.tx.key, first.tx.key_len));
	ASSERT_EQ(5, send(k2.sfd, "again", 5, 0));
	ASSERT_EQ(0, ssl_read_all(k2.c, (uint8_t *)buf, 5));
	EXPECT_EQ(0, memcmp(buf, "again", 5));
	EXPECT_EQ(1, ktix_stat(self->nl, variant->version == TLS1_3_VERSION ?
			     KTIX_STATS_A_OFFLOAD_PSK :
			     KTIX_STATS_A_OFFLOAD_TICKET));
	SSL_SESSION_free(sess);
	conn_free(&k2);
	ktix_tls_keys_wipe(&first);
	ktix_tls_keys_wipe(&again);
}

/* TLS 1.2 without tickets: the server's session cache, by session ID. */
TEST_F(offload, resumed_by_session_id)
{
	SSL_SESSION *sess;
	struct conn k2;
	char buf[8];

	if (variant->version != TLS1_2_VERSION)
		SKIP(return, "session IDs resume TLS 1.2 only");
	conn_free(&self->k);
	SSL_CTX_set_options(self->k.sctx = SSL_CTX_new(TLS_server_method()),
			    SSL_OP_NO_TICKET);
	self->k.cctx = NULL;
	self->k.s = self->k.c = NULL;
	self->k.sfd = self->k.cfd = -1;
	/* The fixture's handshake had tickets; this one has none. */
	ASSERT_EQ(0, handshake(&k2, variant->version, variant->suite, 0, NULL,
			       self->k.sctx));
	sess = SSL_get1_session(k2.c);
	ASSERT_NE(NULL, sess);
	ASSERT_NE(0, SSL_SESSION_get_id(sess, NULL) ? 1 : 0);
	/* A session ends cleanly, or OpenSSL drops it from its cache. */
	SSL_shutdown(k2.s);
	SSL_shutdown(k2.c);
	conn_free(&k2);
	ASSERT_EQ(0, handshake(&k2, variant->version, variant->suite, 0, sess,
			       self->k.sctx));
	EXPECT_EQ(1, SSL_session_reused(k2.c));
	ASSERT_EQ(0, offload(self->nl, k2.s, k2.sfd,
			     KTIX_OFFLOAD_KIND_SESSION_ID, NULL));
	ASSERT_EQ(2, send(k2.sfd, "id", 2, 0));
	ASSERT_EQ(0, ssl_read_all(k2.c, (uint8_t *)buf, 2));
	EXPECT_EQ(0, memcmp(buf, "id", 2));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_OFFLOAD_SESSION_ID));
	SSL_SESSION_free(sess);
	conn_free(&k2);
}

TEST_F(offload, corrupted_record_is_refused)
{
	uint8_t rec[5 + 40] = { 23, 3, 3, 0, 40 };
	char buf[64];
	ssize_t r;

	ASSERT_EQ(0, offload(self->nl, self->k.s, self->k.sfd,
			     KTIX_OFFLOAD_KIND_FULL, NULL));
	/* A record no key made, straight onto the wire. */
	memset(rec + 5, 0xa5, 40);
	ASSERT_EQ((ssize_t)sizeof(rec), send(self->k.cfd, rec, sizeof(rec), 0));
	r = recv(self->k.sfd, buf, sizeof(buf), 0);
	EXPECT_EQ(-1, r);
	EXPECT_EQ(EBADMSG, errno);
	EXPECT_EQ(1, proc_stat("/proc/net/tls_stat", "TlsDecryptError"));
}

FIXTURE(bad) {
	struct ktix_nl *nl;
	struct conn k;
	struct ktix_tls_keys keys;
};

FIXTURE_SETUP(bad)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, system("ip link set lo up"));
	ASSERT_EQ(0, ktix_nl_open(&self->nl));
	ASSERT_EQ(0, handshake(&self->k, TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256",
			       0, NULL, NULL));
	ASSERT_EQ(0, ktix_tls_keys(self->k.s, &self->keys));
}

FIXTURE_TEARDOWN(bad)
{
	ktix_tls_keys_wipe(&self->keys);
	conn_free(&self->k);
	ktix_nl_close(self->nl);
}

/* The pair still carries plain TCP: the refusal touched nothing. */
static void still_plain_tcp(struct __test_metadata *_metadata,
			    FIXTURE_DATA(bad) *self)
{
	char buf[8];

	ASSERT_EQ(5, send(self->k.sfd, "plain", 5, 0));
	ASSERT_EQ(0, recv_all(self->k.cfd, (uint8_t *)buf, 5));
	EXPECT_EQ(0, memcmp(buf, "plain", 5));
}

static void refused(struct __test_metadata *_metadata, struct ktix_nl *nl,
		    int got, int want)
{
	EXPECT_EQ(want, got) TH_LOG("got %s", strerror(-got));
	EXPECT_NE(0, strlen(ktix_nl_errmsg(nl))) TH_LOG("no extended-ACK message");
	TH_LOG("refused as expected: %s: %s", strerror(-got), ktix_nl_errmsg(nl));
}

TEST_F(bad, wrong_key_length)
{
	struct ktix_tls_keys k = self->keys;

	k.tx.key_len = 32;	/* AES-128 wants 16 */
	refused(_metadata, self->nl,
		ktix_nl_offload(self->nl, self->k.sfd, &k, KTIX_OFFLOAD_KIND_FULL),
		-EINVAL);
	k = self->keys;
	k.rx.salt_len = 0;
	refused(_metadata, self->nl,
		ktix_nl_offload(self->nl, self->k.sfd, &k, KTIX_OFFLOAD_KIND_FULL),
		-EINVAL);
	ktix_tls_keys_wipe(&k);
	still_plain_tcp(_metadata, self);
	EXPECT_EQ(2, ktix_stat(self->nl, KTIX_STATS_A_OFFLOAD_ERR_KEYS));
}

TEST_F(bad, unknown_cipher_and_version)
{
	struct ktix_tls_keys k = self->keys;

	k.cipher = 99;
	refused(_metadata, self->nl,
		ktix_nl_offload(self->nl, self->k.sfd, &k, KTIX_OFFLOAD_KIND_FULL),
		-EINVAL);
	k = self->keys;
	k.version = 0x0302;
	refused(_metadata, self->nl,
		ktix_nl_offload(self->nl, self->k.sfd, &k, KTIX_OFFLOAD_KIND_FULL),
		-EINVAL);
	k = self->keys;
	refused(_metadata, self->nl,
		ktix_nl_offload(self->nl, self->k.sfd, &k, 9), -ERANGE);
	ktix_tls_keys_wipe(&k);
	still_plain_tcp(_metadata, self);
}

TEST_F(bad, not_a_usable_socket)
{
	int p[2], udp, lst, unconn;
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	ASSERT_EQ(0, pipe(p));
	refused(_metadata, self->nl,
		ktix_nl_offload(self->nl, p[0], &self->keys, KTIX_OFFLOAD_KIND_FULL),
		-ENOTSOCK);
	close(p[0]);
	close(p[1]);
	/* A closed descriptor. */
	refused(_metadata, self->nl,
		ktix_nl_offload(self->nl, p[0], &self->keys, KTIX_OFFLOAD_KIND_FULL),
		-EBADF);
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	refused(_metadata, self->nl,
		ktix_nl_offload(self->nl, udp, &self->keys, KTIX_OFFLOAD_KIND_FULL),
		-EPROTOTYPE);
	close(udp);
	lst = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, bind(lst, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(lst, 1));
	refused(_metadata, self->nl,
		ktix_nl_offload(self->nl, lst, &self->keys, KTIX_OFFLOAD_KIND_FULL),
		-ENOTCONN);
	close(lst);
	unconn = socket(AF_INET6, SOCK_STREAM, 0);
	refused(_metadata, self->nl,
		ktix_nl_offload(self->nl, unconn, &self->keys, KTIX_OFFLOAD_KIND_FULL),
		-ENOTCONN);
	close(unconn);
	EXPECT_EQ(5, ktix_stat(self->nl, KTIX_STATS_A_OFFLOAD_ERR_SOCKET));
	EXPECT_EQ(0, ktix_stat(self->nl, KTIX_STATS_A_OFFLOADS));
	still_plain_tcp(_metadata, self);
}

TEST_F(bad, ulp_already_attached)
{
	int fd = self->k.cfd;

	ASSERT_EQ(0, setsockopt(fd, SOL_TCP, TCP_ULP, "tls", 3));
	refused(_metadata, self->nl,
		ktix_nl_offload(self->nl, fd, &self->keys, KTIX_OFFLOAD_KIND_FULL),
		-EEXIST);
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_OFFLOAD_ERR_ULP));
	/* The tls ULP alone, with no keys, still passes plain bytes. */
	still_plain_tcp(_metadata, self);
}

/* A key update is for a socket on kTLS, and for TLS 1.3 only. */
TEST_F(bad, key_update_needs_a_tls13_ktls_socket)
{
	refused(_metadata, self->nl,
		ktix_nl_offload(self->nl, self->k.sfd, &self->keys,
				KTIX_OFFLOAD_KIND_KEY_UPDATE), -EINVAL);
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_OFFLOAD_ERR_ULP));
	still_plain_tcp(_metadata, self);

	self->keys.version = TLS_1_2_VERSION;
	refused(_metadata, self->nl,
		ktix_nl_offload(self->nl, self->k.sfd, &self->keys,
				KTIX_OFFLOAD_KIND_KEY_UPDATE), -EINVAL);
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_OFFLOAD_ERR_KEYS));
	EXPECT_EQ(0, ktix_stat(self->nl, KTIX_STATS_A_KEY_UPDATES));
	still_plain_tcp(_metadata, self);
}

/*
 * Records to send first: never with a key update; and with no room in the
 * socket's send buffer, EAGAIN with nothing sent and the socket unchanged.
 */
TEST_F(bad, send_first)
{
	static char fill[65536];
	size_t filled = 0, got = 0;
	int small = 4096;
	ssize_t n;

	refused(_metadata, self->nl,
		ktix_nl_offload_send(self->nl, self->k.sfd, &self->keys,
				     KTIX_OFFLOAD_KIND_KEY_UPDATE, 0, "x", 1),
		-EINVAL);
	EXPECT_EQ(-EMSGSIZE,
		  ktix_nl_offload_send(self->nl, self->k.sfd, &self->keys,
				       KTIX_OFFLOAD_KIND_FULL, 0, fill,
				       KTIX_SEND_FIRST_MAX_LEN + 1));
	ASSERT_EQ(0, setsockopt(self->k.sfd, SOL_SOCKET, SO_SNDBUF, &small,
				sizeof(small)));
	ASSERT_EQ(0, setsockopt(self->k.cfd, SOL_SOCKET, SO_RCVBUF, &small,
				sizeof(small)));
	while ((n = send(self->k.sfd, fill, sizeof(fill), MSG_DONTWAIT)) > 0)
		filled += (size_t)n;
	ASSERT_EQ(EAGAIN, errno);
	refused(_metadata, self->nl,
		ktix_nl_offload_send(self->nl, self->k.sfd, &self->keys,
				     KTIX_OFFLOAD_KIND_FULL, 0, fill, 2048),
		-EAGAIN);
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_OFFLOAD_ERR_SOCKET));
	/* Nothing but the filler came. */
	while (got < filled) {
		n = recv(self->k.cfd, fill, sizeof(fill), 0);
		ASSERT_GT(n, 0);
		got += (size_t)n;
	}
	EXPECT_EQ(filled, got);
	still_plain_tcp(_metadata, self);
	EXPECT_EQ(0, ktix_stat(self->nl, KTIX_STATS_A_OFFLOADS));
}

TEST_F(bad, rx_no_pad)
{
	struct ktix_tls_keys k = self->keys;
	char buf[8];

	/* TLS 1.3 only, with RX keys. */
	k.rx_no_pad = true;
	k.rx.key_len = 0;
	refused(_metadata, self->nl,
		ktix_nl_offload(self->nl, self->k.sfd, &k, KTIX_OFFLOAD_KIND_FULL),
		-EINVAL);
	k = self->keys;
	k.rx_no_pad = true;
	ASSERT_EQ(0, ktix_nl_offload(self->nl, self->k.sfd, &k,
				     KTIX_OFFLOAD_KIND_FULL));
	ktix_tls_keys_wipe(&k);
	/* OpenSSL does not pad by default: kTLS decrypts as before. */
	ASSERT_EQ(6, SSL_write(self->k.c, "unpad!", 6));
	ASSERT_EQ(0, recv_all(self->k.sfd, (uint8_t *)buf, 6));
	EXPECT_EQ(0, memcmp(buf, "unpad!", 6));
}

/* Why a resumption failed travels with the full handshake's offload. */
TEST_F(bad, resume_miss)
{
	struct ktix_tls_keys k = self->keys;
	char buf[8];

	refused(_metadata, self->nl,
		ktix_nl_offload_miss(self->nl, self->k.sfd, &k,
				     KTIX_OFFLOAD_KIND_TICKET,
				     KTIX_RESUME_MISS_REVOKED), -EINVAL);
	refused(_metadata, self->nl,
		ktix_nl_offload_miss(self->nl, self->k.sfd, &k,
				     KTIX_OFFLOAD_KIND_FULL,
				     KTIX_RESUME_MISS_MAX + 1), -ERANGE);
	still_plain_tcp(_metadata, self);
	EXPECT_EQ(0, ktix_stat(self->nl, KTIX_STATS_A_RESUME_MISS_REVOKED));
	ASSERT_EQ(0, ktix_nl_offload_miss(self->nl, self->k.sfd, &k,
					  KTIX_OFFLOAD_KIND_FULL,
					  KTIX_RESUME_MISS_REVOKED));
	ktix_tls_keys_wipe(&k);
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_RESUME_MISS_REVOKED));
	EXPECT_EQ(0, ktix_stat(self->nl, KTIX_STATS_A_RESUME_MISS_CACHE_MISS));
	EXPECT_EQ(1, ktix_stat(self->nl, KTIX_STATS_A_OFFLOAD_FULL));
	ASSERT_EQ(4, SSL_write(self->k.c, "miss", 4));
	ASSERT_EQ(0, recv_all(self->k.sfd, (uint8_t *)buf, 4));
	EXPECT_EQ(0, memcmp(buf, "miss", 4));
}

/* kTLS owns an offloaded socket: ktix may go, and come back. */
TEST_F(bad, module_unload_keeps_sockets)
{
	const char *ko = getenv("KTIX_KMOD") ?: "kmod/ktix.ko";
	char cmd[512], buf[8];

	ASSERT_EQ(0, ktix_nl_offload(self->nl, self->k.sfd, &self->keys,
				     KTIX_OFFLOAD_KIND_FULL));
	ktix_nl_close(self->nl);
	self->nl = NULL;
	ASSERT_EQ(0, system("rmmod ktix"));
	ASSERT_EQ(6, send(self->k.sfd, "orphan", 6, 0));
	ASSERT_EQ(0, ssl_read_all(self->k.c, (uint8_t *)buf, 6));
	EXPECT_EQ(0, memcmp(buf, "orphan", 6));
	ASSERT_EQ(4, SSL_write(self->k.c, "back", 4));
	ASSERT_EQ(0, recv_all(self->k.sfd, (uint8_t *)buf, 4));
	EXPECT_EQ(0, memcmp(buf, "back", 4));
	snprintf(cmd, sizeof(cmd), "insmod %s", ko);
	ASSERT_EQ(0, system(cmd));
	ASSERT_EQ(0, ktix_nl_open(&self->nl));
}

TEST(unprivileged_is_refused)
{
	struct ktix_tls_keys k = { .version = TLS_1_3_VERSION,
				   .cipher = TLS_CIPHER_AES_GCM_128 };
	struct ktix_nl *nl;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	k.tx.key_len = 16;
	k.tx.iv_len = 8;
	k.tx.salt_len = 4;
	ASSERT_EQ(0, setresuid(65534, 65534, 65534));
	ASSERT_EQ(0, ktix_nl_open(&nl));
	EXPECT_EQ(-EPERM, ktix_nl_offload(nl, 0, &k, KTIX_OFFLOAD_KIND_FULL));
	ktix_nl_close(nl);
}

/*
 * ktix_ktls_can_rekey() asks kTLS itself; the answer must be the one the
 * running kernel's version implies for Debian's stock kernels (rekeying
 * arrived in 6.14), or the probe tried something else than TLS_RX twice.
 */
TEST(rekey_capability_matches_the_kernel)
{
	unsigned int major = 0, minor = 0;
	struct utsname u;
	int expect;

	ASSERT_EQ(0, uname(&u));
	ASSERT_EQ(2, sscanf(u.release, "%u.%u", &major, &minor));
	expect = major > 6 || (major == 6 && minor >= 14);
	TH_LOG("kernel %s: expecting %s", u.release, expect ? "yes" : "no");
	EXPECT_EQ(expect, ktix_ktls_can_rekey());
}

/* With no loopback to try it on, it says so: never a guess. */
TEST(rekey_capability_unknown_without_loopback)
{
	int r;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));	/* lo is down in a new one */
	r = ktix_ktls_can_rekey();
	TH_LOG("%d (%s)", r, r < 0 ? strerror(-r) : "an answer");
	EXPECT_GT(0, r);
}

TEST_HARNESS_MAIN
