// SPDX-License-Identifier: GPL-2.0
/*
 * ktix_client: libktix's blocking ktix_handshake() against a running
 * ktixd, with an OpenSSL client on the other end of a loopback TCP pair.
 * Run by ktix_e2e.sh with KTIX_SOCK set.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/tls.h>
#include <openssl/ssl.h>

#include "ktix.h"
#include "kselftest_harness.h"
#include "lib/tls_pair.h"

struct peer {
	int fd;
	int version;
	char got[16];
	int rc;
};

/* The client: a handshake, a request, the answer. */
static void *client(void *arg)
{
	struct peer *p = arg;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;

	p->rc = -1;
	if (!ssl)
		goto out;
	SSL_set_min_proto_version(ssl, p->version);
	SSL_set_max_proto_version(ssl, p->version);
	SSL_set_fd(ssl, p->fd);
	if (SSL_connect(ssl) != 1 || SSL_write(ssl, "ping", 4) != 4 ||
	    SSL_read(ssl, p->got, 4) != 4)
		goto out;
	p->rc = 0;
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return NULL;
}

FIXTURE(hs) {
	struct ktix_client *cl;
};

FIXTURE_VARIANT(hs) {
	int version;
};

FIXTURE_VARIANT_ADD(hs, tls12) { .version = TLS1_2_VERSION };
FIXTURE_VARIANT_ADD(hs, tls13) { .version = TLS1_3_VERSION };

FIXTURE_SETUP(hs)
{
	const char *path = getenv("KTIX_SOCK");

	if (!path)
		SKIP(return, "KTIX_SOCK names no ktixd socket");
	ASSERT_EQ(0, ktix_client_open(path, &self->cl));
}

FIXTURE_TEARDOWN(hs)
{
	ktix_client_close(self->cl);
}

TEST_F(hs, blocking_handshake_then_ktls)
{
	struct peer p = { .version = variant->version };
	struct ktix_result res;
	pthread_t t;
	char buf[8];
	int s;

	ASSERT_EQ(0, tls_pair_tcp(&p.fd, &s));
	ASSERT_EQ(0, pthread_create(&t, NULL, client, &p));
	ASSERT_EQ(0, ktix_handshake(self->cl, s, NULL, &res))
		TH_LOG("ktixd said: %s", res.error);
	EXPECT_EQ(variant->version == TLS1_3_VERSION ? 0x0304 : 0x0303,
		  res.tls_version);
	EXPECT_EQ(KTIX_RESUMED_NONE, res.resumed);
	EXPECT_NE(0, strlen(res.cipher_name));
	/* Plaintext on our side, TLS on the wire. */
	ASSERT_EQ(4, ktix_ktls_recv(s, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "ping", 4));
	ASSERT_EQ(4, send(s, "pong", 4, 0));
	pthread_join(t, NULL);
	EXPECT_EQ(0, p.rc);
	EXPECT_EQ(0, memcmp(p.got, "pong", 4));
	EXPECT_EQ(0, ktix_ktls_close(s));
	close(p.fd);
}

/* A socket that is not TCP: ktixd says so, and the client goes on. */
TEST_F(hs, refusal_is_an_answer)
{
	struct ktix_result res;
	int u = socket(AF_INET, SOCK_DGRAM, 0);

	ASSERT_LE(0, u);
	EXPECT_EQ(-EPROTOTYPE, ktix_handshake(self->cl, u, NULL, &res));
	EXPECT_EQ(-EPROTOTYPE, res.status);
	EXPECT_NE(NULL, strstr(res.error, "not a TCP socket")) TH_LOG("%s", res.error);
	close(u);
	EXPECT_EQ(-EBADF, ktix_handshake(self->cl, -1, NULL, &res));
}

TEST_HARNESS_MAIN
